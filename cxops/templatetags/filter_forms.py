"""A list page's filter form (the `form` of a `cxops.selectors.filters.VisibleFilterSet`): its
fields, each with its error beside it, and, while a value is not understood, a notice that the
list is not filtered (`VisibleFilterSet.rows`) naming the filters the form does not show."""

from __future__ import annotations

from typing import Any

from django import forms
from django import template

register = template.Library()


@register.inclusion_tag("includes/filter_fields.html")
def filter_fields(form: forms.Form, names: str | None = None, row_class: str = "") -> dict[str, Any]:
    """`names`: the fields shown, in order, space-separated, a name ending ":wide" taking a wider
    box (all of the form's fields when not given); `row_class` wraps them in a `<div>`."""
    if names is None:
        shown = [(name, False) for name in form.fields]
    else:
        shown = [(name.removesuffix(":wide"), name.endswith(":wide")) for name in names.split()]
    shown_names = {name for name, _wide in shown}
    unshown = [
        (form.fields[name].label if name in form.fields else "", errors)
        for name, errors in form.errors.items()
        if name not in shown_names
    ]
    return {
        "invalid": bool(form.errors),
        "unshown": unshown,
        "fields": [(form[name], wide) for name, wide in shown if name in form.fields],
        "row_class": row_class,
    }
