"""The metric series API asks for a period within the dashboard's own limits and refuses the rest
with the dashboard's translated words (cxops.forms_period.period_check)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CASES = [
    (
        {"start": "2026-10-02", "end": "2026-10-01"},
        {"en": "The start is after the end.", "zh-hans": "开始日期晚于结束日期。"},
    ),
    (
        {"start": "2020-01-01", "end": "2026-10-01"},
        {"en": "Choose a period of at most three years.", "zh-hans": "请选择不超过三年的时间段。"},
    ),
]


@pytest.mark.parametrize(("period", "words"), CASES)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_period_the_dashboard_refuses_the_series_refuses_in_the_same_words(
    api_client_for, analyst, reference_data, period, words, language
):
    response = api_client_for(analyst).get(
        reverse("metrics-series"), {"product": "fetion", **period}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["start"] == [words[language]]


def test_the_longest_period_allowed_is_answered_day_by_day(api_client_for, analyst, reference_data):
    # 3 × 366 days, the dashboard's MAX_PERIOD_DAYS, inclusive of both ends
    response = api_client_for(analyst).get(
        reverse("metrics-series"), {"product": "fetion", "start": "2023-10-01", "end": "2026-10-02"}
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["days"]) == 1098
