"""PIPL: resident ID, bank card and phone numbers are masked in every stored user text, on every path."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxops.models import ExperienceReport
from cxops.personal_numbers import looks_like_id_number
from cxops.personal_numbers import luhn_valid
from cxops.personal_numbers import mask_personal_numbers
from proposals.models import Comment
from proposals.models import CommentEdit
from proposals.models import Revision
from proposals.services.discussion import comment_create
from proposals.services.discussion import comment_edit
from tests.proposals.factories import make_strategy

PHONE, PHONE_MASKED = "13800138000", "138****8000"
ID_NUMBER, ID_MASKED = "11010519491231002X", "110105********002X"
CARD, CARD_MASKED = "6217001234567893", "6217********7893"
TEXT = f"客户电话{PHONE}，身份证{ID_NUMBER}，银行卡{CARD}，重复扣费"
MASKED_TEXT = f"客户电话{PHONE_MASKED}，身份证{ID_MASKED}，银行卡{CARD_MASKED}，重复扣费"


def test_an_id_number_with_a_right_check_character_is_masked():
    assert mask_personal_numbers(f"证件 {ID_NUMBER} 已核实") == f"证件 {ID_MASKED} 已核实"
    assert mask_personal_numbers("11010519491231002x") == "110105********002x"


def test_an_id_number_with_a_mistyped_check_digit_but_a_real_birth_date_is_still_masked():
    assert looks_like_id_number("440305199003071234")
    assert mask_personal_numbers("440305199003071234") == "440305********1234"


@pytest.mark.parametrize(
    "order_number",
    [
        "202612061234567890",  # an order number that begins with its date: 20 is no province
        "191234567890123456",  # 19 is no province either
        "110105999999999999",  # a province, but no birth date and a wrong check character
        "1101051949123100211",  # 19 digits: not an ID (and not a card: it starts with 1)
    ],
)
def test_long_numbers_that_are_not_ids_or_cards_stay_readable(order_number):
    assert mask_personal_numbers(f"订单号{order_number}") == f"订单号{order_number}"


def test_bank_cards_are_masked_only_when_their_luhn_digit_is_right():
    assert luhn_valid(CARD) and not luhn_valid("6217001234567890")
    assert mask_personal_numbers(f"卡号 {CARD}") == f"卡号 {CARD_MASKED}"
    assert mask_personal_numbers("卡号 6217001234567890") == "卡号 6217001234567890"
    assert mask_personal_numbers("Visa 4111 1111 1111 1111.") == "Visa 4111********1111."
    assert mask_personal_numbers("6222-0212-3456-7890-128") == "6222***********0128"


def test_full_width_digits_and_every_kind_in_one_text():
    assert mask_personal_numbers("１１０１０５１９４９１２３１００２Ｘ") == ID_MASKED
    assert mask_personal_numbers(TEXT) == MASKED_TEXT
    assert mask_personal_numbers("") == "" and mask_personal_numbers("没有数字") == "没有数字"


@pytest.mark.django_db
def test_a_report_filed_through_the_api_stores_and_shows_all_three_masked(
    api_client_for, client_for, frontline, reference_data
):
    response = api_client_for(frontline).post(
        "/api/reports/",
        {
            "source_type": "complaint",
            "product": "fetion",
            "channel": "hotline-10086",
            "layer": "functional",
            "stage": "use",
            "summary": TEXT,
            "detail": TEXT,
            "occurred_at": "2026-10-22T06:50:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["summary"], response.json()["detail"]) == (MASKED_TEXT, MASKED_TEXT)
    report = ExperienceReport.objects.get()
    assert (report.summary, report.detail) == (MASKED_TEXT, MASKED_TEXT)
    page = client_for(frontline).get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert ID_MASKED in page and CARD_MASKED in page and PHONE_MASKED in page
    assert ID_NUMBER not in page and CARD not in page and PHONE not in page


@pytest.mark.django_db
def test_a_comment_and_its_edit_history_store_and_show_all_three_masked(analyst, client_for):
    strategy = make_strategy(actor=analyst)
    client = client_for(analyst)
    response = client.post(reverse("proposals:comment", args=[strategy.pk]), {"body": TEXT})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == MASKED_TEXT
    comment_edit(comment=comment, actor=analyst, body=TEXT + "（补充）")
    comment.refresh_from_db()
    assert comment.body == MASKED_TEXT + "（补充）"
    assert list(CommentEdit.objects.values_list("previous_body", flat=True)) == [MASKED_TEXT]
    for url in (
        reverse("proposals:detail", args=[strategy.pk]),
        reverse("proposals:comment-history", args=[comment.pk]),
    ):
        page = client.get(url).content.decode()
        assert ID_MASKED in page and CARD_MASKED in page and PHONE_MASKED in page, url
        assert ID_NUMBER not in page and CARD not in page and PHONE not in page, url
    # the service path (what the API and admin call) masks the same way
    reply = comment_create(strategy=strategy, actor=analyst, body=TEXT, parent=comment)
    assert reply.body == MASKED_TEXT


@pytest.mark.django_db
def test_a_strategy_revision_through_the_api_stores_and_shows_all_three_masked(
    api_client_for, analyst, client_for
):
    strategy = make_strategy(actor=analyst)
    response = api_client_for(analyst).put(
        f"/api/strategies/{strategy.pk}/",
        {
            "title": f"退费 {PHONE}",
            "product": strategy.product.code,
            "layer": "functional",
            "experience_event": TEXT,
            "strategy_text": TEXT,
            "body": TEXT,
            "tags": [],
            "summary": f"按 {ID_NUMBER} 修改",
            "base_revision": 1,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    revision = Revision.objects.get(strategy=strategy, number=2)
    assert (revision.title, revision.body, revision.experience_event, revision.strategy_text) == (
        f"退费 {PHONE_MASKED}",
        MASKED_TEXT,
        MASKED_TEXT,
        MASKED_TEXT,
    )
    assert revision.summary == f"按 {ID_MASKED} 修改"
    page = client_for(analyst).get(reverse("proposals:revision", args=[strategy.pk, 2])).content.decode()
    assert ID_MASKED in page and CARD_MASKED in page and PHONE_MASKED in page
    assert ID_NUMBER not in page and CARD not in page and PHONE not in page


@pytest.mark.django_db
def test_rule_texts_are_masked(product_owner, manager):
    from tests.rules_lifecycle.factories import make_rule

    rule = make_rule(owner=product_owner, trigger_notes=TEXT, trigger_condition=TEXT)
    assert (rule.trigger_notes, rule.trigger_condition) == (MASKED_TEXT, MASKED_TEXT)
    from rules_lifecycle.services.rules import rule_update

    rule = rule_update(
        rule=rule, actor=product_owner, expected_version=rule.version, changes={"trigger_action": TEXT}
    )
    assert rule.trigger_action == MASKED_TEXT


@pytest.mark.django_db
def test_the_command_masks_texts_stored_before_masking_history_included(analyst, frontline, reference_data):
    import io

    from django.core.management import call_command

    from cxops.models import AuditEvent
    from tests.factories import ReportFactory

    strategy = make_strategy(actor=analyst)
    # written around the services, as rows from before masking covered them were
    comment = Comment.objects.create(
        strategy=strategy, author=analyst, body=TEXT, created_at=strategy.created_at
    )
    CommentEdit.objects.create(
        comment=comment, previous_body=TEXT, edited_by=analyst, edited_at=strategy.created_at
    )
    report = ReportFactory(summary="客户身份证" + ID_NUMBER, detail=TEXT)
    report.detail = TEXT + "。"
    report.save()  # a history row with the number too
    Revision.objects.filter(strategy=strategy).update(body=TEXT)

    out = io.StringIO()
    call_command("personal_numbers", "mask", "--dry-run", stdout=out)
    assert "would mask" in out.getvalue()
    comment.refresh_from_db()
    assert comment.body == TEXT  # a dry run changes nothing

    call_command("personal_numbers", "mask", stdout=io.StringIO())
    comment.refresh_from_db()
    report.refresh_from_db()
    assert comment.body == MASKED_TEXT
    assert CommentEdit.objects.get().previous_body == MASKED_TEXT
    assert (report.summary, report.detail) == ("客户身份证" + ID_MASKED, MASKED_TEXT + "。")
    history = ExperienceReport.history.model.objects.filter(id=report.pk)
    assert history.count() >= 2
    assert all(ID_NUMBER not in row.detail and CARD not in row.detail for row in history)
    assert Revision.objects.get(strategy=strategy).body == MASKED_TEXT
    assert AuditEvent.objects.filter(action="admin.change", actor_name="manage.py").count() == 1

    again = io.StringIO()
    call_command("personal_numbers", "mask", stdout=again)
    assert "masked 0 value(s)" in again.getvalue()


@pytest.mark.django_db
def test_an_imported_report_and_its_rejected_row_keep_the_numbers_masked(analyst, reference_data):
    from cxops.models import ImportRejectedRow
    from tests.cxops.test_import_reports import csv_bytes
    from tests.cxops.test_import_reports import run

    job = run(
        analyst,
        csv_bytes(
            f"T1,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性体验,使用,摘要{ID_NUMBER},{TEXT},,\n"
            f"T2,not a time,投诉,飞信,10086热线,功能性体验,使用,卡{CARD},,,\n"
        ),
    )
    assert (job.inserted, job.rejected) == (1, 1)
    report = ExperienceReport.objects.get()
    assert (report.summary, report.detail) == (f"摘要{ID_MASKED}", MASKED_TEXT)
    raw = ImportRejectedRow.objects.get().raw
    assert CARD_MASKED in raw and CARD not in raw
