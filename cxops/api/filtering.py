"""The API's filter backend: django-filter's, which reads a view's `filterset_class` (and shows its
filters as the operation's parameters in the OpenAPI schema), answering a filter it cannot read
with a 400 in the API's error shape."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend

from cxops.selectors.filters import VisibleFilterSet


class ListFilterBackend(DjangoFilterBackend):
    """For a `VisibleFilterSet`, a query string that names none of its filters (most list calls)
    answers the reader's rows without building the FilterSet and its form."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if (
            filterset_class is not None
            and issubclass(filterset_class, VisibleFilterSet)
            and filterset_class.base_filters.keys().isdisjoint(request.query_params.keys())
        ):
            return filterset_class.visible(queryset, request.user)
        return super().filter_queryset(request, queryset, view)
