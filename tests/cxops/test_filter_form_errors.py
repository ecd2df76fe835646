"""Every list page that renders a FilterSet form (issues, triage, My reports, the strategy pool,
the rules board and kanban) answers a value it cannot read with a 200, the field's error beside
the field (or, for a filter the form does not show, in the notice) and a notice that the list is
not filtered — in the reader's language, never a 500 and never the whole list without a word."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from cxops.roles import Role

pytestmark = pytest.mark.django_db

NOTICE = {
    "en": "The filters are not applied: a value was not understood.",
    "zh-hans": "筛选未生效：有一个值无法识别。",
}
# a word of Django's own "Select a valid choice" message, in each language
INVALID_CHOICE = {"en": "Select a valid choice", "zh-hans": "请从列表中重新选择"}

# (page, role, query, the field named, shown beside it)
CASES = [
    ("reports:issues", Role.ANALYST, {"product": "nosuchcode"}, "product", True),
    ("reports:issues", Role.FRONTLINE, {"product": "nonsense\x00x"}, "product", True),
    ("reports:issues", Role.ANALYST, {"status": "bogus"}, "status", True),
    ("reports:issues", Role.ANALYST, {"text": "x" * 101}, "text", False),
    ("reports:triage", Role.ANALYST, {"product": "nosuchcode"}, "product", True),
    ("reports:triage", Role.ANALYST, {"layer": "bogus"}, "layer", True),
    ("reports:triage", Role.ANALYST, {"status": "bogus"}, "status", False),
    ("reports:mine", Role.FRONTLINE, {"product": "nosuchcode"}, "product", True),
    ("reports:mine", Role.FRONTLINE, {"channel": "nosuchcode"}, "channel", False),
    ("proposals:list", Role.FRONTLINE, {"layer": "bogus"}, "layer", True),
    ("proposals:list", Role.FRONTLINE, {"sort": "bogus"}, "sort", True),
    ("proposals:list", Role.FRONTLINE, {"issue": "abc"}, "issue", False),
    ("rules:board", Role.FRONTLINE, {"product": "nosuchcode"}, "product", True),
    ("rules:board", Role.FRONTLINE, {"owner": "abc"}, "owner", True),
    ("rules:kanban", Role.FRONTLINE, {"product": "nonsense\x00x"}, "product", True),
    ("rules:kanban", Role.FRONTLINE, {"timing": "bogus"}, "timing", True),
]


def _field_html(body: str, name: str) -> str:
    """The `<div class="field">` holding the input named `name`."""
    match = re.search(rf'<div class="field[^"]*"><label for="id_{name}">.*?</div>\n', body, re.S)
    assert match, f"no field {name} in the page"
    return match.group(0)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize(("page", "role", "query", "name", "beside"), CASES)
def test_a_bad_filter_value_shows_its_error_on_the_page(
    make_user, client_for, lang, page, role, query, name, beside
):
    client = client_for(make_user(role))
    answer = client.get(reverse(page), query, HTTP_ACCEPT_LANGUAGE=lang)
    assert answer.status_code == 200
    body = answer.content.decode()
    errors = (
        answer.context["form"].errors if "form" in answer.context else answer.context["filter_form"].errors
    )
    assert name in errors
    assert escape(NOTICE[lang]) in body
    for message in errors[name]:
        if beside:
            assert escape(message) in _field_html(body, name)
        else:
            assert escape(message) in body
    if name in ("product", "owner", "status", "layer", "sort", "timing", "channel"):
        assert INVALID_CHOICE[lang] in body


def test_a_good_filter_value_shows_no_notice(client_for, analyst):
    body = client_for(analyst).get(reverse("reports:issues"), {"q": "积分"}).content.decode()
    assert NOTICE["zh-hans"] not in body and 'class="errorlist' not in body
