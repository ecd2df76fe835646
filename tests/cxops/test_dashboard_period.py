"""The dashboard's period is read by one form (cxops.forms_period) on the pages and in the API:
a bad period gets the same translated message on both, a form error on the page, a 400 from the
API, never a server error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cxops.forms_period import MAX_PERIOD_DAYS
from cxops.forms_period import PeriodForm
from cxops.forms_period import ProductPeriodForm
from cxops.roles import Role
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

TOO_LONG_START = (dt.date(2026, 10, 1) - dt.timedelta(days=MAX_PERIOD_DAYS)).isoformat()

# (query, {language: the message}); None: the message is the same on both, whatever it says
BAD_PERIODS = [
    (
        {"start": "2026-10-10", "end": "2026-10-01"},
        {"en": "The start is after the end.", "zh-hans": "开始日期晚于结束日期。"},
    ),
    (
        {"start": TOO_LONG_START, "end": "2026-10-01"},
        {"en": "Choose a period of at most three years.", "zh-hans": "请选择不超过三年的时间段。"},
    ),
    ({"start": "yesterday"}, None),
    ({"end": "2026-13-45"}, None),
    ({"start": "2026-10\x00-01x"}, None),
    ({"start": "99999-01-01"}, None),
    ({"end": "9999-12-31"}, None),
    (
        {"start": "0001-01-01", "end": "2026-10-01"},
        {"en": "The date is before 2000-01-01.", "zh-hans": "日期早于 2000-01-01。"},
    ),
    ({"start": "2" * 400}, None),
    # the city is read by the same form
    ({"region": "atlantis"}, None),
    ({"region": "x" * 1000}, None),
]


def _page_messages(response) -> list[str]:
    form = response.context["form"]
    return sorted(message for messages in form.errors.values() for message in messages)


def _api_messages(response) -> list[str]:
    fields = response.json()["error"]["fields"]
    return sorted(message for messages in fields.values() for message in messages)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("query", "expected"), BAD_PERIODS)
@pytest.mark.parametrize("where", ["overview", "product"])
def test_a_bad_period_gets_the_same_translated_message_on_the_page_and_from_the_api(
    client_for, api_client_for, make_user, language, query, expected, where
):
    analyst = make_user(Role.ANALYST)
    product = ProductFactory(code="fetion")
    page_url, api_url = {
        "overview": ("/dashboard/", "/api/dashboard/overview/"),
        "product": (f"/dashboard/products/{product.code}/", f"/api/dashboard/products/{product.code}/"),
    }[where]
    # when the page and the API are asked for the same bad period
    page = client_for(analyst).get(page_url, query, HTTP_ACCEPT_LANGUAGE=language)
    api = api_client_for(analyst).get(api_url, query, HTTP_ACCEPT_LANGUAGE=language)
    # then the page shows its form's error (over its default period) and the API answers 400
    assert page.status_code == 200
    assert api.status_code == 400, api.content[:300]
    assert api.json()["error"]["code"] == "invalid"
    # with the same messages, in the reader's language
    assert _page_messages(page) and _page_messages(page) == _api_messages(api)
    if expected is not None:
        assert _api_messages(api) == [expected[language]]
    default_days = 28 if where == "overview" else 365
    today = timezone.localdate()
    assert page.context["period"].start == today - dt.timedelta(days=default_days - 1)


@pytest.mark.parametrize("form_class", [PeriodForm, ProductPeriodForm])
def test_the_longest_period_is_accepted_and_one_day_more_is_not(form_class):
    end = dt.date(2026, 10, 1)
    longest = form_class({"start": (end - dt.timedelta(days=MAX_PERIOD_DAYS - 1)).isoformat(), "end": end})
    assert longest.is_valid(), longest.errors
    assert longest.cleaned_data["period"].days == MAX_PERIOD_DAYS
    assert not form_class(
        {"start": (end - dt.timedelta(days=MAX_PERIOD_DAYS)).isoformat(), "end": end}
    ).is_valid()


def test_without_dates_the_period_ends_today_and_lasts_the_default(client_for, api_client_for, make_user):
    analyst = make_user(Role.ANALYST)
    assert PeriodForm({}).is_valid()
    # a query value of only NUL bytes is an empty value once they are removed (cxops.middleware)
    page = client_for(analyst).get("/dashboard/", {"end": "\x00\x00"})
    api = api_client_for(analyst).get("/api/dashboard/overview/", {"end": "\x00\x00"})
    assert (page.status_code, api.status_code) == (200, 200)
    assert not page.context["form"].errors
    assert api.json()["period"]["end"] == timezone.localdate().isoformat()
    form = ProductPeriodForm({"end": "2026-10-01"})
    assert form.is_valid()
    assert form.cleaned_data["period"].start == dt.date(2025, 10, 2)
    ok = api_client_for(analyst).get("/api/dashboard/overview/", {"start": "2026-10-01", "end": "2026-10-01"})
    assert ok.status_code == 200


def test_the_api_documents_the_forms_fields_as_query_parameters():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, names in (
        ("/api/dashboard/overview/", {"start", "end", "region"}),
        ("/api/dashboard/products/{code}/", {"start", "end", "region", "event"}),
    ):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"}
        assert set(parameters) == names
        assert all(
            parameters[name]["schema"] == {"type": "string", "format": "date"} for name in names - {"region"}
        )
        assert parameters["region"]["schema"] == {"type": "string"}
        assert all(parameter.get("description") for parameter in parameters.values())
