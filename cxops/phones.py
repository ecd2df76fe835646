"""Customer phone numbers: normalise, mask for display, hash with a key for matching.

A full number is personal data: it is never stored, shown, returned by the API or exported.
What is kept is the masked form (138****8000) and an HMAC-SHA256 keyed with
`settings.CUSTOMER_HASH_KEY`, so the same customer can be matched across reports without
anyone being able to read the number back (a plain hash of 11 digits is trivially reversible).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from django.conf import settings

# Full-width digits and the punctuation touchpoint systems put into numbers.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－（）　", "0123456789+-() ")
_SEPARATORS = re.compile(r"[\s\-().·]+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_ANY_DIGIT = re.compile(r"\d")
# A phone-like run inside free text: 11+ digits possibly split by spaces or dashes.
_IN_TEXT = re.compile(
    r"(?<![\d０-９])(?:\+?\s?8\s?6[\s\-]?)?[1１][3-9３-９](?:[\s\-]?[\d０-９]){9}(?![\d０-９])"
)


class InvalidPhone(ValueError):
    """The value is not a mainland Chinese mobile or landline number."""


def phone_normalise(raw: str) -> str:
    """'+86 138-0013-8000', '86138…', '１３８ ００１３ ８０００' → '13800138000'.  Raises InvalidPhone."""
    text = _SEPARATORS.sub("", raw.translate(_FULL_WIDTH))
    if text.startswith("+"):
        text = text[1:]
    international = False
    if text.startswith("0086"):
        text, international = text[4:], True
    elif (
        text.startswith("86")
        and len(text) >= 11
        and not _MOBILE.fullmatch(text)
        and not _LANDLINE.fullmatch(text)
    ):
        text, international = text[2:], True
    if international and not text.startswith(("0", "1")):
        text = "0" + text  # the international form of a landline drops the trunk 0: +86 20 … is 020 …
    if not text.isdigit():
        raise InvalidPhone(raw)
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    raise InvalidPhone(raw)


def phone_mask(number: str) -> str:
    """'13800138000' → '138****8000'; landlines keep the area code and the last four digits."""
    if len(number) == 11 and number.startswith("1"):
        return f"{number[:3]}****{number[-4:]}"
    return f"{number[:4]}****{number[-4:]}"


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return secret.encode("utf-8")


def phone_hash(number: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a normalised number."""
    return hmac.new(_key(settings.CUSTOMER_HASH_KEY), number.encode("ascii"), hashlib.sha256).hexdigest()


def customer_reference(raw: str) -> tuple[str, str]:
    """(masked, hash) for a customer number as typed; ('', '') for an empty value.  Raises InvalidPhone."""
    raw = (raw or "").strip()
    if not raw:
        return "", ""
    number = phone_normalise(raw)
    return phone_mask(number), phone_hash(number)


def mask_phones_in_text(text: str) -> str:
    """Mask every mobile number written inside free text (summaries, details, rejected rows)."""
    if not text or not _ANY_DIGIT.search(text):
        return text

    def replace(match: re.Match[str]) -> str:
        try:
            return phone_mask(phone_normalise(match.group(0)))
        except InvalidPhone:
            return match.group(0)

    return _IN_TEXT.sub(replace, text)
