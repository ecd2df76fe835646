"""Filing reports: the service, the filing page, "My reports", who may see which report."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cxops.errors import ApplicationError
from cxops.models import ExperienceReport
from cxops.models import Region
from cxops.models import ReportStatus
from cxops.services.reports import report_create
from cxops.services.rollups import rollups_verify
from tests.cxops.factories import SHANGHAI
from tests.cxops.factories import file_report
from tests.factories import ChannelFactory
from tests.factories import IssueFactory
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

FULL_NUMBER = re.compile(r"1[3-9]\d{9}")


def filing_data(reference_data, **overrides):
    data = {
        "summary": "客户申请飞信一直失败",
        "product": reference_data["products"]["fetion"].pk,
        "channel": reference_data["channels"]["hotline-10086"].pk,
        "source_type": "complaint",
        "layer": "functional",
        "stage": "use",
        "occurred_at": "2026-10-22T06:50",
        "severity": "2",
        "customer": "+86 138-0013-8000",
        "detail": "客户说回拨13800138000也可以",
        "region": Region.objects.get(code="guangzhou").pk,
    }
    data.update(overrides)
    return data


def test_a_report_is_filed_with_masked_customer_and_exact_rollups(frontline):
    report = file_report(frontline, customer="86 138 0013 8000", detail="回拨 13800138000")
    assert report.reporter == frontline
    assert report.status == ReportStatus.NEW
    assert report.customer_masked == "138****8000"
    assert report.detail == "回拨 138****8000"
    assert report.history.first().history_change_reason == "filed"
    assert rollups_verify() == []


def test_the_same_external_id_from_the_same_system_is_filed_once(frontline):
    first = file_report(frontline, source_system="crm", external_id="X-1")
    second, created = report_create(
        actor=frontline,
        product=first.product,
        channel=first.channel,
        source_type="consultation",
        layer="convenience",
        stage="use",
        summary="另一条",
        occurred_at=first.occurred_at,
        source_system="crm",
        external_id="X-1",
    )
    assert (second.pk, created) == (first.pk, False)
    assert ExperienceReport.objects.count() == 1
    assert rollups_verify() == []


def test_invalid_input_is_refused_field_by_field_and_nothing_is_written(frontline):
    with pytest.raises(ValidationError) as refused:
        report_create(
            actor=frontline,
            product=ProductFactory(),
            channel=ChannelFactory(is_active=False),
            source_type="rumour",
            layer="functional",
            stage="use",
            summary=" ",
            occurred_at=timezone.now() + dt.timedelta(days=2),
        )
    assert set(refused.value.message_dict) == {"source_type", "summary", "occurred_at", "channel"}
    with pytest.raises(ValidationError) as refused:
        file_report(frontline, customer="12345")
    assert list(refused.value.message_dict) == ["customer"]
    assert ExperienceReport.objects.count() == 0
    assert rollups_verify() == []


def test_an_admin_without_a_frontline_role_cannot_file(admin_user_role):
    with pytest.raises(ApplicationError) as refused:
        file_report(admin_user_role)
    assert refused.value.code == "forbidden"
    assert ExperienceReport.objects.count() == 0


def test_a_reporter_may_attach_their_new_report_to_an_existing_issue(frontline, analyst):
    issue = IssueFactory(created_by=analyst)
    report = file_report(frontline, issue=issue)
    issue.refresh_from_db()
    assert (report.status, report.issue_id) == (ReportStatus.LINKED, issue.pk)
    assert issue.report_count == 1
    assert issue.first_reported_at == report.occurred_at
    assert rollups_verify() == []


# --- the filing page ---------------------------------------------------------------------------


def test_the_filing_page_files_a_report_and_offers_its_product_and_channel_first_next_time(
    client_for, frontline, reference_data
):
    client = client_for(frontline)
    page = client.get(reverse("reports:file"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-similar-url="/sense/similar/"' in body
    assert "产品出现故障" in body or "functional" in body  # layer help in plain words
    assert not re.search(
        r'<option value="\d+" selected>', body.split('name="product"')[1].split("</select>")[0]
    )
    assert 'class="recent-chip"' not in body  # nothing filed yet, nothing to offer
    response = client.post(
        reverse("reports:file"), filing_data(reference_data, product=reference_data["products"]["mms"].pk)
    )
    assert response.status_code == 302
    report = ExperienceReport.objects.get()
    assert report.summary == "客户申请飞信一直失败"
    assert report.occurred_at == dt.datetime(2026, 10, 22, 6, 50, tzinfo=SHANGHAI)
    assert report.customer_masked == "138****8000"
    assert report.detail == "客户说回拨138****8000也可以"
    # the next filing, even from another browser, offers the same product first — but never selects it
    mms = reference_data["products"]["mms"].pk
    for again in (client.get(reverse("reports:file")), client_for(frontline).get(reverse("reports:file"))):
        html = again.content.decode()
        picker = html.split('name="product"')[1].split("</select>")[0]
        assert not re.search(r'<option value="\d+" selected>', picker)  # offered, not chosen
        assert picker.index(f'<option value="{mms}"') < picker.index("</optgroup>")  # in "recently used"
        assert f'class="recent-chip" data-fill="id_product" data-value="{mms}"' in html
    assert rollups_verify() == []


def test_a_filing_without_a_product_or_channel_is_refused_in_plain_words(
    client_for, frontline, reference_data
):
    client = client_for(frontline)
    response = client.post(reverse("reports:file"), filing_data(reference_data, product="", channel=""))
    assert response.status_code == 200
    assert ExperienceReport.objects.count() == 0
    errors = response.context["form"].errors
    assert errors.keys() == {"product", "channel"}
    assert errors["product"] == ["请选择报告涉及的产品。"]


def test_the_filing_page_shows_errors_and_files_nothing(client_for, frontline, reference_data):
    client = client_for(frontline)
    response = client.post(reverse("reports:file"), filing_data(reference_data, summary="", layer=""))
    assert response.status_code == 200
    assert ExperienceReport.objects.count() == 0
    assert response.context["form"].errors.keys() == {"summary", "layer"}


def test_the_filing_page_attaches_to_a_suggested_issue(client_for, frontline, analyst, reference_data):
    issue = IssueFactory(title="飞信申请失败", created_by=analyst)
    client = client_for(frontline)
    suggestions = client.get(reverse("reports:similar"), {"q": "客户申请飞信一直失败"}).json()["results"]
    assert [s["id"] for s in suggestions] == [issue.pk]
    assert "<mark>" in suggestions[0]["highlighted"]
    client.post(reverse("reports:file"), filing_data(reference_data, issue=issue.pk))
    issue.refresh_from_db()
    assert issue.report_count == 1
    assert ExperienceReport.objects.get().issue == issue


def test_my_reports_lists_only_my_own(client_for, frontline, make_user):
    other = make_user("frontline")
    mine = file_report(frontline, summary="我的飞信报告")
    file_report(other, summary="别人的彩铃报告")
    body = client_for(frontline).get(reverse("reports:mine")).content.decode()
    assert "我的飞信报告" in body
    assert "别人的彩铃报告" not in body
    assert mine.summary in body


def test_someone_elses_report_is_a_404_unless_analyst(client_for, frontline, make_user, analyst):
    report = file_report(make_user("frontline"), customer="13800138000")
    assert client_for(frontline).get(reverse("reports:detail", args=[report.pk])).status_code == 404
    page = client_for(analyst).get(reverse("reports:detail", args=[report.pk]))
    assert page.status_code == 200
    assert "138****8000" in page.content.decode()


def test_no_page_shows_a_full_phone_number(client_for, frontline, analyst, reference_data):
    client_for(frontline).post(reverse("reports:file"), filing_data(reference_data))
    report = ExperienceReport.objects.get()
    from cxops.services.triage import issue_create
    from cxops.services.triage import reports_merge

    issue = issue_create(actor=analyst, title="飞信申请失败 13800138000", description="回拨 13800138000")
    assert issue.title == "飞信申请失败 138****8000"

    reports_merge(actor=analyst, report_ids=[report.pk], issue=issue)
    for user, name, args in [
        (frontline, "reports:mine", []),
        (frontline, "reports:file", []),
        (frontline, "reports:detail", [report.pk]),
        (analyst, "reports:detail", [report.pk]),
        (analyst, "reports:triage", []),
        (analyst, "reports:issue", [issue.pk]),
    ]:
        response = client_for(user).get(reverse(name, args=args), {"status": "linked"})
        assert response.status_code == 200, name
        assert FULL_NUMBER.findall(response.content.decode()) == [], name


def test_pages_need_the_frontline_role(client_for, admin_user_role):
    client = client_for(admin_user_role)
    assert client.get(reverse("reports:file")).status_code == 403
    assert client.get(reverse("reports:mine")).status_code == 403
    assert client.get(reverse("reports:similar"), {"q": "飞信"}).status_code == 403
