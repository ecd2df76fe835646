"""The ground floor's lists, each declared once as a django-filter `FilterSet`, and the pieces every
floor's FilterSets share.

One FilterSet serves a list's page (its `form`, rendered by the template; `rows` falls back to the
unfiltered list while the form shows its errors), its API (`filterset_class` with
`cxops.api.filtering.ListFilterBackend`: a 400 in the API's error shape, and the parameters in the
OpenAPI schema) and its export (`cxops.selectors.exports`: `cleaned_rows` raises Django's
`ValidationError`, a 400).  The rows it filters are always the reader's (`visible_to`, the list's
visibility selector), whatever queryset it is given: a filter can only narrow what a member sees.

Here, beside the selectors, because the exports (a selector) read them and they read the
visibility selectors: as a sibling of `selectors` the two packages would import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from typing import ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cxops.inputs import DayField
from cxops.inputs import parse_id
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import ExperienceReport
from cxops.models import IssueStatus
from cxops.models import LifecycleStage
from cxops.models import Product
from cxops.models import Region
from cxops.models import ReportStatus
from cxops.models import SourceType
from cxops.regions import user_region
from cxops.selectors.reference import reference_by_code
from cxops.selectors.reference import reference_by_id
from cxops.selectors.visibility import issues_visible_to
from cxops.selectors.visibility import reports_visible_to

# --- fields and filters shared by every floor's lists ----------------------------------------------


class ReferenceField(FilterModelChoiceField):
    """A product, channel or region named by its id (the pages' selects) or by its code (the API's
    and the exports'), read from the per-process reference table (`cxops.selectors.reference`):
    no query.  The field's queryset is what a page's select offers."""

    # Django's own message (and its translations), naming the value
    default_error_messages = {
        "invalid_choice": _("Select a valid choice. %(value)s is not one of the available choices.")
    }

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value)
        row = None
        pk = parse_id(text) if text.isascii() and text.isdigit() else None
        if pk is not None:
            row = reference_by_id(self.queryset.model, pk)
        if row is None and len(text) <= 50:
            row = reference_by_code(self.queryset.model, text)
        if row is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text[:100]}
            )
        return row


@extend_schema_field(OpenApiTypes.STR)
class ReferenceFilter(django_filters.ModelChoiceFilter):
    """Rows of one product/channel/region, named by code or id (see `ReferenceField`).  A region
    filter given the province is no filter: the province is every city."""

    field_class = ReferenceField

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is None or (isinstance(value, Region) and value.parent_id is None):
            return qs
        return qs.filter(**{self.field_name: value})


class TaggedRegionFilter(django_filters.CharFilter):
    """A region by code, for rows tagged with cities (strategies, rule pilots; `field_name` is the
    tags): a city, the rows tagged with it; the province, the rows tagged with none; a code that
    names no region, no rows (like a tag that names nothing).  The page offers `choices`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 50)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        region = reference_by_code(Region, value)
        if region is None:
            return qs.none()
        if region.parent_id is None:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return qs.filter(**{self.field_name: region})

    def offer(self, *, empty_label: Any, province_label: Any) -> None:
        """A page's select: the active regions, the province under `province_label`."""
        regions = Region.objects.filter(is_active=True).order_by("sort_order", "code")
        choices = [(r.code, r.name if r.parent_id else province_label) for r in regions]
        self.extra["widget"] = forms.Select(choices=[("", empty_label), *choices])


class IdField(forms.Field):
    """A row's id: ASCII digits within the 64-bit range (`cxops.inputs.parse_id`)."""

    default_error_messages = {"invalid": _("Enter a valid id.")}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        pk = parse_id(str(value))
        if pk is None or pk < 1:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return pk


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    field_class = IdField


FLAG_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
FLAG_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


class FlagField(forms.Field):
    """A yes/no switch in a query string: 1/true/yes/on or 0/false/no/off (any case), as DRF's
    BooleanField reads them; anything else is refused."""

    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value: Any) -> bool:
        if value in self.empty_values:
            return False
        text = str(value).lower()
        if text in FLAG_TRUE:
            return True
        if text in FLAG_FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(django_filters.Filter):
    field_class = FlagField


def local_start(day: date) -> datetime:
    """The first moment of a local (Asia/Shanghai) day."""
    return timezone.make_aware(datetime.combine(day, time.min))


@extend_schema_field(OpenApiTypes.DATE)
class LocalDayFilter(django_filters.Filter):
    """Rows whose moment falls on or after (`lookup_expr="gte"`) or on or before (`"lte"`) a local
    day; the day is bounded (`cxops.inputs.DayField`).  A page shows a date picker."""

    field_class = DayField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        kwargs.setdefault("help_text", _("Local (Asia/Shanghai) day, inclusive."))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is None:
            return qs
        if self.lookup_expr == "lte":
            return qs.filter(**{f"{self.field_name}__lt": local_start(value + timedelta(days=1))})
        return qs.filter(**{f"{self.field_name}__gte": local_start(value)})


class VisibleFilterSet(django_filters.FilterSet):
    """A list's filters over the rows its reader may see.

    `visible_to(user, queryset=...)` is the list's visibility selector; it is applied to whatever
    queryset the FilterSet is given (the model's rows when none), in `__init__`, so no caller can
    filter rows the reader may not see.  `user` is the request's unless given (exports run for a
    reader without a request).  `page=True` is a page's form: `for_page` drops what the reader has
    no choice in (a city member's region)."""

    visible_to: ClassVar[Callable[..., QuerySet]]
    ordering: ClassVar[tuple[str, ...]] = ("-id",)

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: Any = None,
        page: bool = False,
    ) -> None:
        self.user = user if user is not None else getattr(request, "user", None)
        super().__init__(data, self.visible(queryset, self.user), request=request, prefix=prefix)
        if page:
            self.for_page()

    @classmethod
    def visible(cls, queryset: QuerySet | None, user: Any) -> QuerySet:
        """The reader's rows in the list's order, unfiltered (the API's answer when the query
        string names no filter: no form is built)."""
        return cls.visible_to(user, queryset=queryset).order_by(*cls.ordering)

    def for_page(self) -> None:
        """Drop the filters a page's reader has no choice in (none unless a list says so)."""

    @property
    def rows(self) -> QuerySet:
        """A page's rows: filtered when the form is valid; while it shows errors, the whole list."""
        if self.is_bound and not self.is_valid():
            return self.queryset.all()
        return self.qs

    @property
    def narrows(self) -> bool:
        """Whether a valid filter is in force (a page says "filtered")."""
        return self.is_valid() and any(
            value not in (None, "", False) for value in self.form.cleaned_data.values()
        )

    def cleaned_rows(self) -> QuerySet:
        """An export's rows; a filter it cannot read raises `ValidationError` (a 400) naming it."""
        if self.is_bound and not self.is_valid():
            raise ValidationError(self.form.errors.as_data())
        return self.qs


# --- reports ---------------------------------------------------------------------------------------


def _report_text(queryset: QuerySet, name: str, value: str) -> QuerySet:
    """Part of the summary (the trigram index on PostgreSQL serves `LIKE '%…%'`) or an exact
    external id."""
    text = value.strip()
    if not text:
        return queryset
    return queryset.filter(Q(summary__contains=text) | Q(external_id=text))


class ReportFilterSet(VisibleFilterSet):
    """Experience reports: the triage queue and "My reports" (pages), `/api/reports/`, and the
    reports export.  Frontline members see their own; analysts every report of their region."""

    visible_to = staticmethod(reports_visible_to)

    text = django_filters.CharFilter(
        label=_("Search"),
        max_length=100,
        method=_report_text,
        help_text=_("Part of the summary, or an exact external id."),
    )
    product = ReferenceFilter(
        label=_("Product"), queryset=Product.objects.all(), empty_label=_("All products")
    )
    channel = ReferenceFilter(
        label=_("Channel"), queryset=Channel.objects.all(), empty_label=_("All channels")
    )
    region = ReferenceFilter(
        label=_("City"),
        queryset=Region.objects.filter(parent__isnull=False),
        empty_label=_("All cities"),
        help_text=_("A city narrows to that city; the province is every city."),
    )
    source_type = django_filters.ChoiceFilter(
        label=_("Source type"), choices=SourceType.choices, empty_label=_("All types")
    )
    layer = django_filters.ChoiceFilter(
        label=_("Experience layer"), choices=ExperienceLayer.choices, empty_label=_("All layers")
    )
    stage = django_filters.ChoiceFilter(
        label=_("Lifecycle stage"), choices=LifecycleStage.choices, empty_label=_("All stages")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReportStatus.choices, empty_label=_("All statuses")
    )
    issue = IdFilter(label=_("Experience issue"), field_name="issue_id")
    source_system = django_filters.CharFilter(label=_("Source system"), max_length=50)
    date_from = LocalDayFilter(label=_("From"), field_name="occurred_at", lookup_expr="gte")
    date_to = LocalDayFilter(label=_("To"), field_name="occurred_at", lookup_expr="lte")
    mine = FlagFilter(label=_("Mine"), method="filter_mine", help_text=_("Only the reports I filed."))

    class Meta:
        model = ExperienceReport
        fields: list[str] = []

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(reporter=self.user) if value else queryset

    def for_page(self) -> None:
        if user_region(self.user) is not None:  # a city member sees their city only: nothing to choose
            del self.filters["region"]


# --- issues ----------------------------------------------------------------------------------------


def _issue_title(queryset: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    return queryset.filter(title__contains=text) if text else queryset


def _issue_title_filter(**extra: Any) -> django_filters.CharFilter:
    """Part of an issue's title: the page's `q` and the API's `text` are one filter."""
    return django_filters.CharFilter(label=_("Search titles"), max_length=100, method=_issue_title, **extra)


class IssueFilterSet(VisibleFilterSet):
    """Experience issues: the issue list (page), `/api/issues/` and the issues export.  Every member
    reads issues; a city member those of their city (`issues_visible_to`)."""

    visible_to = staticmethod(issues_visible_to)

    q = _issue_title_filter(widget=forms.SearchInput(), help_text=_("Part of the title."))
    text = _issue_title_filter(help_text=_("Part of the title (the same as q)."))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=IssueStatus.choices, empty_label=_("All statuses")
    )
    product = ReferenceFilter(
        label=_("Product"), queryset=Product.objects.all(), empty_label=_("All products")
    )
    region = ReferenceFilter(
        label=_("City"),
        queryset=Region.objects.filter(is_active=True, parent__isnull=False).order_by("sort_order", "code"),
        to_field_name="code",
        empty_label=_("All cities"),
        method="filter_region",
        help_text=_("Issues with a report in that city; the province is every city."),
    )

    class Meta:
        model = ExperienceIssue
        fields: list[str] = []

    def filter_region(self, queryset: QuerySet, name: str, value: Region) -> QuerySet:
        if value.parent_id is None:
            return queryset
        return queryset.filter(
            Exists(ExperienceReport.objects.filter(issue_id=OuterRef("pk"), region_id=value.pk))
        )

    def for_page(self) -> None:
        if user_region(self.user) is not None:  # a city member sees their city only: nothing to choose
            del self.filters["region"]
