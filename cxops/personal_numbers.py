"""Personal numbers in free text (PIPL): resident ID numbers, bank card numbers, phone numbers.

`mask_personal_numbers` is applied by every service that stores text people write — reports,
issues, strategy pages and their revisions, comments (and so their edit history, which keeps the
stored text), status reasons and official answers, rule texts — and by the import's preview and
rejected rows, so the page, the API, the CSV import and the admin store the same masked text.

What counts, and why (numbers that are *not* personal, such as order or ticket numbers, must
stay readable for triage):

- **Resident ID number** (GB 11643): 17 digits and a check character (digit or X), standing
  alone.  It is masked when its first two digits are a province code and either its check
  character is right (ISO 7064 MOD 11-2) or its digits 7-14 are a real birth date.  Accepting a
  wrong check character when the birth date is real masks a mistyped ID too (still personal
  data); requiring the province code keeps order numbers that begin with a year ("2026…",
  "19…") readable, as no province code begins with 0, 2 followed by 0 or 4-9, or 19.
  Shown as its first 6 digits (the issuing area), 8 stars (the birth date) and its last 4.
- **Bank card number**: 16 to 19 digits, written together or in groups of four, starting with
  3, 4, 5 or 6 (the issuer ranges of UnionPay, Visa, Mastercard, JCB, Amex), whose Luhn check
  digit is right.  A run that fails Luhn is not a card number anyone can use and stays.  Shown
  as its first 4 and last 4 digits.
- **Phone numbers**: `cxops.phones.mask_phones_in_text` (mobile numbers, 138****8000).

IDs are looked for first, then cards, then phones: a card number in groups contains runs a
phone pattern would otherwise take.
"""

from __future__ import annotations

import datetime as dt
import re

from cxops.phones import mask_phones_in_text

_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_DIGIT = "[0-9０-９]"
_ANY_DIGIT = re.compile(_DIGIT)

_ID_NUMBER = re.compile(rf"(?<![0-9０-９])({_DIGIT}{{17}}[0-9０-９XxＸｘ])(?![0-9０-９A-Za-z])")
_CARD_NUMBER = re.compile(
    rf"(?<![0-9０-９])([3-6３-６]{_DIGIT}{{15,18}}|[3-6３-６]{_DIGIT}{{3}}(?:[ \-]{_DIGIT}{{4}}){{3}}(?:[ \-]{_DIGIT}{{1,3}})?)(?![0-9０-９])"
)

# Province-level codes (GB/T 2260 first two digits), Hong Kong, Macao and Taiwan included.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83", "91",
    }
)  # fmt: skip
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    return _ID_CHECK[
        sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True)) % 11
    ]


def _real_birth_date(digits: str) -> bool:
    try:
        born = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()  # noqa: DTZ011 (a calendar day, no time)


def looks_like_id_number(value: str) -> bool:
    """Whether an 18-character value (half-width) is treated as a resident ID number."""
    if len(value) != 18 or not value[:17].isdigit() or value[:2] not in PROVINCE_CODES:
        return False
    return id_check_character(value[:17]) == value[17].upper() or _real_birth_date(value[6:14])


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_id(match: re.Match[str]) -> str:
    found = match.group(1)
    value = found.translate(_FULL_WIDTH)
    if not looks_like_id_number(value):
        return found
    return f"{value[:6]}********{value[-4:]}"


def _mask_card(match: re.Match[str]) -> str:
    found = match.group(1)
    digits = re.sub(r"[ \-]", "", found.translate(_FULL_WIDTH))
    if not 16 <= len(digits) <= 19 or not luhn_valid(digits):
        return found
    return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


def mask_personal_numbers(text: str) -> str:
    """Mask every resident ID, bank card and mobile number written inside free text."""
    if not text or not _ANY_DIGIT.search(text):
        return text
    text = _ID_NUMBER.sub(_mask_id, text)
    text = _CARD_NUMBER.sub(_mask_card, text)
    return mask_phones_in_text(text)


__all__ = ["looks_like_id_number", "luhn_valid", "mask_personal_numbers"]
