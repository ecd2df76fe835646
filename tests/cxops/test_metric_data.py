import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.utils import translation

from cxops.errors import ApplicationError
from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.selectors.metrics import metric_daily_series
from cxops.services.metrics import ReferenceLookup
from cxops.services.metrics import metric_record_parse
from cxops.services.metrics import metric_records_apply
from cxops.services.metrics import metric_scope_get_or_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Reasons are asserted on their English msgids; the app's default language is Chinese.
    with translation.override("en"):
        yield


DAY = dt.date(2026, 10, 1)


def parse(**raw):
    return metric_record_parse(
        {"date": DAY.isoformat(), "product": "fetion", **raw}, lookup=ReferenceLookup()
    )


def test_product_total_scope_is_unique_although_channel_and_segment_are_null(reference_data):
    # given the product-total scope of Fetion
    fetion = reference_data["products"]["fetion"]
    MetricScope.objects.create(product=fetion)
    # when a second total scope is inserted, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        MetricScope.objects.create(product=fetion)
    # and a channel scope of the same product is a different scope
    MetricScope.objects.create(product=fetion, channel=reference_data["channels"]["hotline-10086"])
    assert MetricScope.objects.filter(product=fetion).count() == 2


def test_a_file_with_only_complaints_does_not_wipe_users(reference_data, analyst):
    # given users and active users stored for a day
    metric_records_apply(actor=analyst, records=[parse(users="1200000", active_users="300000")])
    # when a later batch carries only complaints
    result = metric_records_apply(actor=analyst, records=[parse(complaints="42")])
    # then complaints are added and users kept
    row = MetricDaily.objects.get()
    assert (row.users, row.active_users, row.complaints, row.consultations) == (1_200_000, 300_000, 42, None)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)


def test_resending_the_same_values_changes_nothing(reference_data, analyst):
    records = [parse(users=100, complaints=3), parse(channel="hotline-10086", consultations=7)]
    first = metric_records_apply(actor=analyst, records=records)
    second = metric_records_apply(actor=analyst, records=records)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert MetricDaily.objects.count() == 2
    assert MetricScope.objects.count() == 2


def test_satisfaction_is_a_whole_histogram(reference_data):
    # a 5-point histogram with a missing level and a level above the scale is refused with both reasons
    with pytest.raises(ValidationError) as caught:
        parse(
            satisfaction_scale=5,
            satisfaction_1=1,
            satisfaction_2=2,
            satisfaction_3=3,
            satisfaction_4=4,
            satisfaction_7=1,
        )
    messages = " ".join(caught.value.messages)
    assert "satisfaction_5 is required" in messages
    assert "satisfaction_7 is above the scale of 5" in messages
    # surveys sent below the responses is refused
    with pytest.raises(ValidationError, match="less than the responses"):
        parse(satisfaction_scale=5, surveys_sent=10, **{f"satisfaction_{i}": 3 for i in range(1, 6)})
    record = parse(satisfaction_scale=5, surveys_sent=100, **{f"satisfaction_{i}": i for i in range(1, 6)})
    assert record.metrics == ("satisfaction",)
    assert record.values["satisfaction_6"] is None


def test_bad_records_name_every_reason(reference_data):
    with pytest.raises(ValidationError) as caught:
        metric_record_parse(
            {
                "date": "2026-13-01",
                "product": "nope",
                "users": "-1",
                "awareness_positive": "5",
                "colour": "red",
            },
            lookup=ReferenceLookup(),
        )
    messages = caught.value.messages
    assert any("unknown columns: colour" in m for m in messages)
    assert any("YYYY-MM-DD" in m for m in messages)
    assert any("unknown product “nope”" in m for m in messages)
    assert any("users cannot be negative" in m for m in messages)
    assert any("awareness_respondents is required" in m for m in messages)


def test_active_users_above_stored_users_is_refused_and_the_rest_applied(reference_data, analyst):
    metric_records_apply(actor=analyst, records=[parse(users=1000)])
    result = metric_records_apply(
        actor=analyst, records=[parse(active_users=5000), parse(channel="store", complaints=2)]
    )
    assert list(result.rejected) == [0]
    assert "would exceed the users stored" in result.rejected[0]
    assert MetricDaily.objects.filter(active_users__isnull=False).count() == 0
    assert result.created == 1


def test_frontline_cannot_write_metrics(reference_data, frontline):
    with pytest.raises(ApplicationError) as caught:
        metric_records_apply(actor=frontline, records=[parse(users=1)])
    assert caught.value.code == "forbidden"
    assert MetricDaily.objects.count() == 0


def test_series_are_aligned_calendars_with_nan_for_missing_days(
    reference_data, analyst, django_assert_num_queries
):
    fetion = reference_data["products"]["fetion"]
    total = metric_scope_get_or_create(product=fetion)
    hotline = metric_scope_get_or_create(product=fetion, channel=reference_data["channels"]["hotline-10086"])
    metric_records_apply(
        actor=analyst,
        records=[
            parse(users=1000, complaints=5),
            metric_record_parse(
                {
                    "date": "2026-10-03",
                    "product": "fetion",
                    "users": 1010,
                    "satisfaction_scale": 5,
                    **{f"satisfaction_{i}": n for i, n in enumerate([0, 1, 2, 3, 4], start=1)},
                },
                lookup=ReferenceLookup(),
            ),
        ],
    )
    with django_assert_num_queries(1):
        series = metric_daily_series(scopes=[total, hotline], start=DAY, end=dt.date(2026, 10, 4))
    t = series[total.pk]
    assert list(t.days.astype(str)) == ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"]
    np.testing.assert_array_equal(t.values["users"], [1000, np.nan, 1010, np.nan])
    np.testing.assert_array_equal(t.values["complaints"], [5, np.nan, np.nan, np.nan])
    assert t.satisfaction_responses()[2] == 10
    assert t.satisfaction_mean()[2] == pytest.approx((2 * 1 + 3 * 2 + 4 * 3 + 5 * 4) / 10)
    assert np.isnan(t.satisfaction_mean()[0])
    assert np.isnan(series[hotline.pk].values["users"]).all()
    assert t.frame().loc["2026-10-03", "satisfaction_5"] == 4
