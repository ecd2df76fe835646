"""The dashboard's inputs, declared once: the period (from, to), the city, and on a product's page
the launch or campaign day.

The dashboard pages and the dashboard API read their query string through these forms, so both
accept the same values, within the same limits, and refuse the rest with the same translated
messages (the page shows the form's errors; the API answers 400 with them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxops.inputs import DayField
from cxops.models import Region
from cxops.regions import active_cities
from cxops.regions import user_region
from cxops.selectors.dashboard import Period

# The longest period a dashboard page, the dashboard API or the metric series may ask for.
MAX_PERIOD_DAYS = 3 * 366


def period_check(start: dt.date, end: dt.date) -> Period:
    """`Period(start, end)` when it is one a dashboard or the metric series may ask for; otherwise a
    `ValidationError` with the translated reason (the same words on the pages and in the API)."""
    if start > end:
        raise ValidationError(_("The start is after the end."), code="invalid")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(_("Choose a period of at most three years."), code="invalid")
    return Period(start, end)


def _day(label: Any, **kwargs: Any) -> DayField:
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return DayField(label=label, required=False, widget=widget, **kwargs)


class PeriodForm(forms.Form):
    """The overview's inputs; `cleaned_data["period"]` is the `Period` asked for."""

    start = _day(gettext_lazy("From"))
    end = _day(gettext_lazy("To"))
    # Any city (as the dashboard shows any city's figures); the picker offers the active ones.
    region = forms.ModelChoiceField(
        label=gettext_lazy("City"),
        queryset=Region.objects.filter(parent__isnull=False),
        to_field_name="code",
        required=False,
    )

    default_days = 28  # without `start`: the period ends `end` (default today) and lasts this long

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and user_region(user) is not None:
            del self.fields["region"]  # a city member's dashboard is their city's
        else:
            cast(forms.Select, self.fields["region"].widget).choices = [
                ("", _("Whole province")),
                *((city.code, city.name) for city in active_cities()),
            ]

    def default_period(self) -> Period:
        end = timezone.localdate()
        return Period(end - dt.timedelta(days=self.default_days - 1), end)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - dt.timedelta(days=self.default_days - 1)
        data["period"] = period_check(start, end)
        return data


class ProductPeriodForm(PeriodForm):
    """A product page's inputs: the period (a year by default) and the consultation cycle's day."""

    event = _day(
        gettext_lazy("Launch or campaign date"),
        help_text=gettext_lazy(
            "The consultation cycle curve starts here (default: the product's launch date)."
        ),
    )

    default_days = 365
