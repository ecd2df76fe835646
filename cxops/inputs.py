"""Reading what people and programs send: ids, text and dates, with hostile values refused cleanly.

One home for the rules every entry point shares (pages, the API, CSV imports, the admin):

- An id is ASCII digits within the database's integer range.  `str.isdigit()` also accepts
  superscripts and other digits `int()` cannot read ("²"), and an integer beyond the column's range
  makes PostgreSQL raise: both are "no such row", never a server error.
- Text never carries NUL: PostgreSQL cannot store or compare it.  Query strings have it removed;
  form and serializer fields refuse it (Django's and DRF's CharField validators).
- A date or time a person or system enters lies between 2000-01-01 and a day from now (a moment
  something happened) or a bounded range around today (a day to filter or plan for).  A year-1
  date stored as 1 BC by PostgreSQL once took every report list down; see `cxops/db.py` for the
  read side.

Plain functions and small field classes; no ORM.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# BigAutoField / BigIntegerField range.
MAX_ID = 2**63 - 1

EARLIEST_DAY = dt.date(2000, 1, 1)
# Clocks of the systems that send reports drift; a little of the future is accepted.
FUTURE_SKEW = dt.timedelta(days=1)
# Days to look at or plan for (filters, chart ranges, events): at most this far from today.
DAY_RANGE_AHEAD = dt.timedelta(days=366 * 5)


def parse_id(value: Any) -> int | None:
    """An id from user input (query string, form, path): ASCII digits within range, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def parse_ids(values: Any) -> list[int]:
    """The readable ids of a list (e.g. `request.POST.getlist("id")`); the others are dropped."""
    return [number for number in (parse_id(value) for value in values) if number is not None]


def query_text(value: Any, *, limit: int = 100) -> str:
    """Free text from a query string, as a search or filter uses it: NUL removed, at most `limit`."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "")[:limit]


def earliest_moment() -> dt.datetime:
    return dt.datetime.combine(EARLIEST_DAY, dt.time(), tzinfo=timezone.get_current_timezone())


def latest_moment() -> dt.datetime:
    return timezone.now() + FUTURE_SKEW


def moment_problem(value: dt.datetime) -> str | None:
    """Why a moment something happened is not acceptable, or None."""
    if timezone.is_naive(value):
        return str(_("The time needs a time zone."))
    if value < earliest_moment():
        return str(_("The time is before 2000-01-01."))
    if value > latest_moment():
        return str(_("The time is in the future."))
    return None


def day_bounds() -> tuple[dt.date, dt.date]:
    """The days a filter, chart range or event date may name."""
    return EARLIEST_DAY, timezone.localdate() + DAY_RANGE_AHEAD


def day_problem(value: dt.date) -> str | None:
    earliest, latest = day_bounds()
    if value < earliest:
        return str(_("The date is before 2000-01-01."))
    if value > latest:
        return str(_("The date is too far in the future (at most %(date)s).") % {"date": latest.isoformat()})
    return None


def check_moment(value: dt.datetime) -> None:
    """Validator: a moment something happened (2000-01-01 up to a day from now)."""
    problem = moment_problem(value)
    if problem:
        raise ValidationError(problem, code="out_of_range")


def check_day(value: dt.date) -> None:
    """Validator: a day to look at (2000-01-01 up to about five years from today)."""
    problem = day_problem(value)
    if problem:
        raise ValidationError(problem, code="out_of_range")


class MomentField(forms.DateTimeField):
    """A form field for when something happened: bounded, see `check_moment`."""

    default_validators = [check_moment]


class DayField(forms.DateField):
    """A form field for a day to look at: bounded, see `check_day`."""

    default_validators = [check_day]
