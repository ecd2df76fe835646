"""The rules list, declared once: `RuleFilterSet` is the board's and the kanban's form, the filter of
`/api/rules/` (in the OpenAPI schema) and of the rules export.  See `cxops.selectors.filters` for
what every list's FilterSet does."""

from __future__ import annotations

from typing import Any
from typing import cast

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.selectors.filters import ReferenceFilter
from cxops.selectors.filters import TaggedRegionFilter
from cxops.selectors.filters import VisibleFilterSet
from proposals.models import Strategy
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import ImplementingSystem
from rules_lifecycle.models import Timing
from rules_lifecycle.models.statuses import RuleStatus
from rules_lifecycle.selectors.rules import rule_owners_with_rules
from rules_lifecycle.selectors.rules import rules_read_by


class OwnerField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


@extend_schema_field(OpenApiTypes.INT)
class OwnerFilter(django_filters.ModelChoiceFilter):
    field_class = OwnerField


def _name_contains(queryset: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    return queryset.filter(name__icontains=text) if text else queryset


# read by the API and the export; the board shows the six above (implementing_system: the API's name for system)
API_ONLY = ("implementing_system", "status", "strategy", "q")


class RuleFilterSet(VisibleFilterSet):
    """Experience rules: every member reads every rule (全员参与, `rules_read_by`)."""

    visible_to = staticmethod(rules_read_by)
    ordering = ("-updated_at", "-id")

    product = ReferenceFilter(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("All products"),
        field_name="products",
    )
    owner = OwnerFilter(
        label=_("Owner"), queryset=get_user_model().objects.all(), empty_label=_("All owners")
    )
    system = django_filters.ChoiceFilter(
        label=_("Implementing system"),
        field_name="implementing_system",
        choices=ImplementingSystem.choices,
        empty_label=_("All systems"),
    )
    timing = django_filters.ChoiceFilter(
        label=_("Timing"), choices=Timing.choices, empty_label=_("Instant and non-instant")
    )
    layer = django_filters.ChoiceFilter(
        label=_("target layer"), choices=ExperienceLayer.choices, empty_label=_("All layers")
    )
    region = TaggedRegionFilter(
        label=_("City"),
        field_name="regions",
        help_text=_("A city's code: the rules piloted there; the province's: province-wide rules."),
    )
    implementing_system = django_filters.ChoiceFilter(
        label=_("Implementing system"), choices=ImplementingSystem.choices, help_text=_("The same as system.")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RuleStatus.choices)
    strategy = django_filters.ModelChoiceFilter(label=_("Strategy"), queryset=Strategy.objects.all())
    q = django_filters.CharFilter(label=_("Name"), max_length=100, method=_name_contains)

    class Meta:
        model = ExperienceRule
        fields: list[str] = []

    def for_page(self) -> None:
        # the board filters by what it shows; its owners are the people who own a rule
        for name in API_ONLY:
            del self.filters[name]
        self.filters["owner"].queryset = rule_owners_with_rules()
        region = cast(TaggedRegionFilter, self.filters["region"])
        region.offer(empty_label=_("Any city"), province_label=_("Whole province (no pilot city)"))
