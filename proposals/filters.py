"""The strategy pool's list, declared once: `StrategyFilterSet` is the pool page's form, the filter
of `/api/strategies/` (in the OpenAPI schema) and of the strategies export.  See
`cxops.selectors.filters` for what every list's FilterSet does."""

from __future__ import annotations

from typing import cast

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.selectors.filters import FlagFilter
from cxops.selectors.filters import IdFilter
from cxops.selectors.filters import TaggedRegionFilter
from cxops.selectors.filters import VisibleFilterSet

from .models import Strategy
from .models import StrategyStatus
from .selectors import SORTS
from .selectors import strategies_followed_by
from .selectors import strategies_matching
from .selectors import strategies_read_by

SORT_LABELS = {
    "activity": _("Recent activity"),
    "votes": _("Most support"),
    "status": _("Status"),
    "new": _("Newest"),
}


def _matching(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return strategies_matching(queryset, value)


class StrategyFilterSet(VisibleFilterSet):
    """Strategies: every member reads the whole pool (全员参与, `strategies_read_by`)."""

    visible_to = staticmethod(strategies_read_by)
    ordering = tuple(SORTS["activity"])

    q = django_filters.CharFilter(
        label=_("Words"),
        max_length=200,
        method=_matching,
        widget=forms.SearchInput(attrs={"placeholder": _("e.g. 飞信 下载")}),
        help_text=_("Words (Chinese works without spaces); all must match."),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StrategyStatus.choices, empty_label=_("All statuses")
    )
    # by code, and a code that names nothing is no strategy (not a refusal), as for tags
    product = django_filters.CharFilter(
        label=_("Product"), field_name="product__code", max_length=50, help_text=_("Product code")
    )
    layer = django_filters.ChoiceFilter(
        label=_("Experience layer"), choices=ExperienceLayer.choices, empty_label=_("Any layer")
    )
    tag = django_filters.CharFilter(label=_("Tag"), field_name="tags__name", max_length=40)
    region = TaggedRegionFilter(
        label=_("City"),
        field_name="regions",
        help_text=_("A city's code (tagged with it), or the province's (tagged with no city)"),
    )
    issue = IdFilter(label=_("Experience issue"), field_name="issues__pk")
    following = FlagFilter(label=_("Only strategies I follow"), method="filter_following")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=list(SORT_LABELS.items()), empty_label=None, method="filter_sort"
    )

    class Meta:
        model = Strategy
        fields: list[str] = []

    def filter_following(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return strategies_followed_by(queryset, self.user) if value else queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS[value])

    def for_page(self) -> None:
        # the page offers the active products by name, and a checkbox for "following"
        names = {p.code: p.name for p in Product.objects.filter(is_active=True)}
        self.filters["product"].extra["widget"] = forms.Select(
            choices=[("", _("Any product")), *names.items()]
        )
        self.filters["following"].extra["widget"] = forms.CheckboxInput
        region = cast(TaggedRegionFilter, self.filters["region"])
        region.offer(empty_label=_("Any city"), province_label=_("Whole province (no city tagged)"))
