"""Customer numbers: normalised from the shapes systems send, masked, hashed with a key."""

import pytest
from django.test import override_settings

from cxops.phones import InvalidPhone
from cxops.phones import customer_reference
from cxops.phones import mask_phones_in_text
from cxops.phones import phone_hash
from cxops.phones import phone_mask
from cxops.phones import phone_normalise


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138-0013-8000",
        "86 138 0013 8000",
        "8613800138000",
        "0086-13800138000",
        "１３８ ００１３ ８０００",
        "＋８６１３８００１３８０００",
        "(138) 0013-8000",
    ],
)
def test_every_shape_of_a_mobile_number_normalises_to_the_same_eleven_digits(raw):
    assert phone_normalise(raw) == "13800138000"


def test_landlines_keep_their_area_code():
    assert phone_normalise("020-8888 1234") == "02088881234"
    assert (
        phone_normalise("+86 20 8888 1234") == "2088881234"
        or phone_normalise("+86 020 8888 1234") == "02088881234"
    )
    assert phone_mask("02088881234") == "0208****1234"


@pytest.mark.parametrize("raw", ["12345", "abc", "1380013800", "23800138000", "138001380001234"])
def test_values_that_are_not_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        phone_normalise(raw)


def test_the_masked_form_shows_only_the_first_three_and_last_four_digits():
    assert customer_reference("+86 138-0013-8000")[0] == "138****8000"
    assert customer_reference("") == ("", "")


def test_the_hash_is_keyed_so_the_same_number_matches_but_cannot_be_recomputed_without_the_key():
    with override_settings(CUSTOMER_HASH_KEY="key-one"):
        first = phone_hash("13800138000")
        assert customer_reference("86 138 0013 8000")[1] == first
    with override_settings(CUSTOMER_HASH_KEY="key-two"):
        assert phone_hash("13800138000") != first
    import hashlib

    assert first != hashlib.sha256(b"13800138000").hexdigest()
    assert len(first) == 64


def test_numbers_inside_free_text_are_masked_but_other_digits_stay():
    text = "客户13800138000来电，备用号码 +86 139-0013-9000，订单号2026102212345678，金额38元"
    assert (
        mask_phones_in_text(text)
        == "客户138****8000来电，备用号码 139****9000，订单号2026102212345678，金额38元"
    )
    assert mask_phones_in_text("飞信申请失败") == "飞信申请失败"
