"""Backfilled go-live: a rule that ran before cxops was adopted is recorded with its real go-live
date (page, API, command; by its owner or a manager, with a reason), the audit trail says who and
why, and the rule is evaluated again on its real windows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cxops.errors import ApplicationError
from cxops.models import Notification
from cxops.models import OutboxMessage
from cxops.roles import Role
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply
from rules_lifecycle.demo_evaluation import metric_records_for_series
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RuleGoLiveBackfill
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.presenters import rule_timeline
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import scope_pair
from rules_lifecycle.services.evaluation import evaluation_run_start
from rules_lifecycle.services.evaluation import rules_evaluate
from rules_lifecycle.services.rules import rule_backfill_go_live
from rules_lifecycle.transitions import rule_transition
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REAL_GO_LIVE = TODAY - dt.timedelta(days=63)
REASON = "CMP 发布单 #4411：该规则 2 个月前已上线，cxops 启用后才登记"


def _state(rule: ExperienceRule) -> tuple:
    """Everything a refused backfill must leave as it was."""
    fresh = ExperienceRule.objects.get(pk=rule.pk)
    return (
        fresh.go_live_on,
        fresh.review_due_on,
        fresh.version,
        fresh.updated_at,
        fresh.history.count(),
        RuleGoLiveBackfill.objects.count(),
        EvaluationRun.objects.count(),
        RuleEvaluation.objects.count(),
        OutboxMessage.objects.count(),
        Notification.objects.count(),
    )


def _refused(rule: ExperienceRule, actor, go_live_on: dt.date, reason: str = REASON) -> ApplicationError:
    before = _state(rule)
    with pytest.raises(ApplicationError) as refused:
        rule_backfill_go_live(rule=rule, actor=actor, go_live_on=go_live_on, reason=reason)
    assert _state(rule) == before
    return refused.value


# --- the service --------------------------------------------------------------------------------


def test_the_owner_records_the_real_go_live_date_with_the_review_date_and_the_audit_trail():
    # given a rule moved to live in cxops today that really went live nine weeks ago
    rule = rule_in(RuleStatus.LIVE)
    owner = rule.owner
    assert rule.go_live_on == TODAY
    version, notifications = rule.version, Notification.objects.count()

    # when its owner records the real date, with a reason
    record = rule_backfill_go_live(rule=rule, actor=owner, go_live_on=REAL_GO_LIVE, reason=f"  {REASON}  ")

    # then the rule's go-live and review dates follow the real date
    rule.refresh_from_db()
    assert (rule.go_live_on, rule.review_due_on, rule.version, rule.status) == (
        REAL_GO_LIVE,
        REAL_GO_LIVE + dt.timedelta(days=90),
        version + 1,
        RuleStatus.LIVE,
    )
    assert rule.pre_window == (REAL_GO_LIVE - dt.timedelta(days=28), REAL_GO_LIVE - dt.timedelta(days=1))
    # and the backfill is on the record: who, from which date to which, and why (in full)
    assert (record.rule_id, record.actor, record.previous_go_live_on, record.go_live_on, record.reason) == (
        rule.pk,
        owner,
        TODAY,
        REAL_GO_LIVE,
        REASON,
    )
    # and the rule's history names the same person and reason
    latest = rule.history.first()
    assert latest.history_user == owner
    assert latest.go_live_on == REAL_GO_LIVE
    assert (
        latest.history_change_reason
        == f"补录上线日期 {TODAY.isoformat()} → {REAL_GO_LIVE.isoformat()}：{REASON}"
    )
    # and the rule's timeline tells it
    entries = [e for e in rule_timeline(rule) if e.kind == "go_live"]
    assert [(e.actor, e.detail) for e in entries] == [(owner.get_full_name() or owner.username, REASON)]
    assert REAL_GO_LIVE.isoformat() in entries[0].title and TODAY.isoformat() in entries[0].title
    # and nobody was notified: it corrects the record
    assert Notification.objects.count() == notifications


@pytest.mark.parametrize("status", [RuleStatus.LIVE, RuleStatus.UNDER_REVIEW, RuleStatus.KEPT])
def test_a_manager_backfills_any_running_rule(status):
    manager = user_with_role(Role.MANAGER)
    rule = rule_in(status, manager=manager)
    record = rule_backfill_go_live(rule=rule, actor=manager, go_live_on=REAL_GO_LIVE, reason=REASON)
    rule.refresh_from_db()
    assert (rule.go_live_on, rule.status, record.actor) == (REAL_GO_LIVE, status, manager)


@pytest.mark.parametrize(
    "who",
    ["analyst", "frontline", "admin", "other_owner", "former_owner_without_the_role", "inactive_nobody"],
)
def test_nobody_but_the_owner_or_a_manager_may_backfill_and_nothing_changes(who):
    rule = rule_in(RuleStatus.LIVE)
    actors = {
        "analyst": lambda: user_with_role(Role.ANALYST),
        "frontline": lambda: user_with_role(Role.FRONTLINE),
        "admin": lambda: user_with_role(Role.ADMIN, is_staff=True),
        "other_owner": lambda: user_with_role(Role.PRODUCT_OWNER),
        "inactive_nobody": lambda: user_with_role(Role.FRONTLINE, is_active=False),
    }
    if who == "former_owner_without_the_role":
        actor = rule.owner
        actor.groups.clear()
    else:
        actor = actors[who]()
    error = _refused(rule, actor, REAL_GO_LIVE)
    assert (error.code, error.message) == ("forbidden", "只有规则负责人或管理者可以记录其真实上线日期。")


@pytest.mark.parametrize(
    "status", [RuleStatus.PROPOSED, RuleStatus.APPROVED, RuleStatus.IMPLEMENTING, RuleStatus.RETIRED]
)
def test_a_rule_that_is_not_running_is_refused(status):
    manager = user_with_role(Role.MANAGER)
    rule = rule_in(status, manager=manager)
    error = _refused(rule, manager, REAL_GO_LIVE)
    assert error.code == "invalid"
    assert rule.status_label in error.message


def _field_error(error: ApplicationError, field: str) -> str:
    assert error.code == "invalid"
    assert list(error.extra["fields"]) == [field]
    [message] = error.extra["fields"][field]
    assert message in error.message
    return message


def test_bad_dates_are_refused_with_a_reason_and_nothing_changes():
    manager = user_with_role(Role.MANAGER)
    rule = rule_in(RuleStatus.LIVE, manager=manager)
    # in the future
    assert "未来" in _field_error(_refused(rule, manager, TODAY + dt.timedelta(days=1)), "go_live_on")
    # before any history could exist
    assert "2000-01-01" in _field_error(_refused(rule, manager, dt.date(1999, 12, 31)), "go_live_on")
    assert "2000-01-01" in _field_error(_refused(rule, manager, dt.date(1, 1, 1)), "go_live_on")
    # the date it already has
    assert TODAY.isoformat() in _field_error(_refused(rule, manager, TODAY), "go_live_on")
    # and the earliest possible day is accepted
    rule_backfill_go_live(rule=rule, actor=manager, go_live_on=dt.date(2000, 1, 1), reason=REASON)
    assert ExperienceRule.objects.get(pk=rule.pk).go_live_on == dt.date(2000, 1, 1)


def test_not_after_the_day_the_rule_was_recorded_live_but_a_mistaken_backfill_can_be_corrected():
    # given a rule recorded live in cxops 10 days ago, backfilled by mistake to a year earlier
    manager = user_with_role(Role.MANAGER)
    rule = make_rule()
    recorded_at = timezone.now() - dt.timedelta(days=10)
    for to_status, actor in (("approved", manager), ("implementing", rule.owner), ("live", rule.owner)):
        rule_transition(rule=rule, to_status=to_status, actor=actor, occurred_at=recorded_at)
    recorded_on = rule.go_live_on
    rule_backfill_go_live(
        rule=rule, actor=manager, go_live_on=recorded_on - dt.timedelta(days=365), reason="x"
    )
    # when someone records a day after the rule was recorded live: refused, naming that day
    message = _field_error(_refused(rule, manager, recorded_on + dt.timedelta(days=1)), "go_live_on")
    assert recorded_on.isoformat() in message
    # when the mistake is corrected to a later day up to the recorded day: accepted, both on the record
    rule_backfill_go_live(
        rule=rule, actor=manager, go_live_on=recorded_on - dt.timedelta(days=30), reason="更正"
    )
    rule_backfill_go_live(rule=rule, actor=manager, go_live_on=recorded_on, reason="其实就是登记那天")
    assert list(
        RuleGoLiveBackfill.objects.filter(rule=rule).values_list(
            "previous_go_live_on", "go_live_on", "reason"
        )
    ) == [
        (recorded_on, recorded_on - dt.timedelta(days=365), "x"),
        (recorded_on - dt.timedelta(days=365), recorded_on - dt.timedelta(days=30), "更正"),
        (recorded_on - dt.timedelta(days=30), recorded_on, "其实就是登记那天"),
    ]
    assert [e.detail for e in rule_timeline(rule) if e.kind == "go_live"] == ["x", "更正", "其实就是登记那天"]


def test_a_rule_improved_and_live_again_is_not_backfilled_into_its_earlier_period():
    # given a rule live 100 days ago, sent back to improve 40 days ago and live again 20 days ago
    manager = user_with_role(Role.MANAGER)
    rule = make_rule()
    now = timezone.now()
    steps = [
        ("approved", manager, 102),
        ("implementing", rule.owner, 101),
        ("live", rule.owner, 100),
        ("under_review", manager, 50),
        ("implementing", manager, 40),
        ("live", rule.owner, 20),
    ]
    for to_status, actor, days_ago in steps:
        rule_transition(
            rule=rule,
            to_status=to_status,
            actor=actor,
            reason="改进",
            occurred_at=now - dt.timedelta(days=days_ago),
        )
    sent_back_on = timezone.localdate(now - dt.timedelta(days=40))
    # then a day before it was sent back is refused, naming that day
    message = _field_error(_refused(rule, manager, sent_back_on - dt.timedelta(days=1)), "go_live_on")
    assert sent_back_on.isoformat() in message
    # and a day after it is accepted
    rule_backfill_go_live(
        rule=rule, actor=manager, go_live_on=sent_back_on + dt.timedelta(days=5), reason="改进版"
    )
    assert ExperienceRule.objects.get(pk=rule.pk).go_live_on == sent_back_on + dt.timedelta(days=5)


@pytest.mark.parametrize("reason", ["", "   \n ", "长" * 2001])
def test_a_reason_is_required_and_bounded(reason):
    rule = rule_in(RuleStatus.LIVE)
    message = _field_error(_refused(rule, rule.owner, REAL_GO_LIVE, reason=reason), "reason")
    assert message


def test_a_datetime_is_a_programming_error_not_a_date():
    rule = rule_in(RuleStatus.LIVE)
    with pytest.raises(TypeError):
        rule_backfill_go_live(rule=rule, actor=rule.owner, go_live_on=timezone.now(), reason=REASON)


# --- evaluated on its real windows ----------------------------------------------------------------


def _rule_with_history():
    """A rule recorded live in cxops today whose system really ran it since REAL_GO_LIVE, with the
    metric history imported for its treated and control scopes from four weeks before that."""
    product, control_product = ProductFactory(), ProductFactory()
    manager = user_with_role(Role.MANAGER)
    rule = rule_in(
        RuleStatus.LIVE,
        manager=manager,
        strategy=StrategyFactory(product=product),
        products=[product],
        control_products=[control_product],
    )
    start = REAL_GO_LIVE - dt.timedelta(days=rule.pre_window_days)
    treated, control = scope_pair(
        np.random.default_rng(7),
        start=start,
        days=(TODAY - start).days,
        go_live=REAL_GO_LIVE,
        truth=Truth(complaint_rate=-0.40),
    )
    metric_records_apply(
        actor=None, records=metric_records_for_series(ScopeKey(product.pk, None, None), treated)
    )
    metric_records_apply(
        actor=None, records=metric_records_for_series(ScopeKey(control_product.pk, None, None), control)
    )
    return rule, manager


def _windows(evaluation: RuleEvaluation) -> tuple:
    return (evaluation.go_live_on, evaluation.pre_start, evaluation.post_start)


# The baseline cannot start before the history imported for the rule (four weeks before its real
# go-live), so it is exactly that whether the baseline is fixed at 28 days or as long as the data allow.
REAL_WINDOWS = (REAL_GO_LIVE, REAL_GO_LIVE - dt.timedelta(days=28), REAL_GO_LIVE + dt.timedelta(days=7))


@pytest.mark.parametrize("through", ["page", "api"])
def test_after_a_backfill_the_next_evaluation_uses_the_real_windows(
    through, client_for, api_client_for, django_capture_on_commit_callbacks
):
    # given a rule the daily run scored this morning from the day it was recorded live (today)
    rule, manager = _rule_with_history()
    scheduled = evaluation_run_start(trigger=RunTrigger.SCHEDULE, run_on=TODAY)
    rules_evaluate(run=scheduled, rule_ids=[rule.pk])
    morning = RuleEvaluation.objects.get(rule=rule, run=scheduled)
    assert (morning.go_live_on, morning.post_start) == (TODAY, TODAY + dt.timedelta(days=7))

    # when its owner records the real go-live date on the page, or a manager through the API
    with django_capture_on_commit_callbacks(execute=True):
        if through == "page":
            response = client_for(rule.owner).post(
                reverse("rules:go_live", args=[rule.pk]),
                {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON},
            )
            assert response.status_code == 302
        else:
            response = api_client_for(manager).post(
                f"/api/rules/{rule.pk}/go-live-backfills/",
                {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON},
                format="json",
            )
            assert response.status_code == 201, response.json()

    # then the rule is evaluated again today, on demand, on its real windows with the imported history
    on_demand = EvaluationRun.objects.get(run_on=TODAY, trigger=RunTrigger.ON_DEMAND)
    again = RuleEvaluation.objects.get(rule=rule, run=on_demand)
    assert _windows(again) == REAL_WINDOWS
    assert again.post_days >= 28
    assert again.primary_lift is not None and again.primary_lift < 0
    # and this morning's row is re-scored in place, so no page shows today's old windows
    rescored = RuleEvaluation.objects.get(rule=rule, run=scheduled)
    assert rescored.pk == morning.pk
    assert (_windows(rescored), rescored.fingerprint != morning.fingerprint) == (REAL_WINDOWS, True)
    # and the next daily run scores it on the same windows
    tomorrow = evaluation_run_start(trigger=RunTrigger.SCHEDULE, run_on=TODAY + dt.timedelta(days=1))
    rules_evaluate(run=tomorrow, rule_ids=[rule.pk])
    assert _windows(RuleEvaluation.objects.get(rule=rule, run=tomorrow)) == REAL_WINDOWS


# --- the page ---------------------------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_rule_page_offers_the_backfill_to_the_owner_and_managers_only(client_for):
    rule = rule_in(RuleStatus.LIVE)
    link = reverse("rules:go_live", args=[rule.pk])
    for user, shown in (
        (rule.owner, True),
        (user_with_role(Role.MANAGER), True),
        (user_with_role(Role.ANALYST), False),
        (user_with_role(Role.PRODUCT_OWNER), False),
        (user_with_role(Role.FRONTLINE), False),
    ):
        html = client_for(user).get(rule.get_absolute_url()).content.decode()
        assert (link in html) is shown, user.groups.first().name
    # and not for a rule that is not running
    draft = rule_in(RuleStatus.IMPLEMENTING)
    page = client_for(draft.owner).get(draft.get_absolute_url()).content.decode()
    assert reverse("rules:go_live", args=[draft.pk]) not in page


def test_the_page_records_the_date_and_the_rule_page_shows_who_and_why(client_for):
    rule = rule_in(RuleStatus.LIVE)
    client = client_for(rule.owner)
    url = reverse("rules:go_live", args=[rule.pk])
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="go_live_on"' in html and 'type="date"' in html and 'name="reason"' in html
    assert f'value="{TODAY.isoformat()}"' in html  # starts from the current date

    response = client.post(url, {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON})

    assert response.status_code == 302 and response["Location"] == rule.get_absolute_url()
    assert _messages(response) == [
        f"上线日期已记录为 {REAL_GO_LIVE.isoformat()}。该规则正按真实窗口重新评价。"
    ]
    rule.refresh_from_db()
    assert (rule.go_live_on, rule.review_due_on) == (REAL_GO_LIVE, REAL_GO_LIVE + dt.timedelta(days=90))
    detail = client_for(user_with_role(Role.FRONTLINE)).get(rule.get_absolute_url()).content.decode()
    assert f"上线日期补录为 {REAL_GO_LIVE.isoformat()}（原为 {TODAY.isoformat()}）" in detail
    assert REASON in detail and (rule.owner.get_full_name() or rule.owner.username) in detail


def test_the_page_shows_the_services_refusals_on_the_fields_and_changes_nothing(client_for):
    rule = rule_in(RuleStatus.LIVE)
    client = client_for(rule.owner)
    url = reverse("rules:go_live", args=[rule.pk])
    before = _state(rule)
    future = client.post(url, {"go_live_on": (TODAY + dt.timedelta(days=3)).isoformat(), "reason": ""})
    assert future.status_code == 200
    html = future.content.decode()
    assert "上线日期不能是未来的日期。" in html
    assert "请说明理由：真实上线日期的依据（发布说明、变更单……）。" in html
    garbled = client.post(url, {"go_live_on": "31/02/2024", "reason": REASON})
    assert garbled.status_code == 200 and "error" in garbled.content.decode()
    assert _state(rule) == before


@pytest.mark.parametrize("role", [Role.ANALYST, Role.FRONTLINE, Role.PRODUCT_OWNER])
def test_the_page_is_refused_to_others_with_nothing_changed(client_for, role):
    rule = rule_in(RuleStatus.LIVE)
    client = client_for(user_with_role(role))
    url = reverse("rules:go_live", args=[rule.pk])
    before = _state(rule)
    assert client.get(url).status_code == 403
    assert client.post(url, {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON}).status_code == 403
    assert _state(rule) == before


def test_the_page_sends_a_rule_that_is_not_running_back_to_its_page(client_for):
    rule = rule_in(RuleStatus.IMPLEMENTING)
    before = _state(rule)
    response = client_for(rule.owner).post(
        reverse("rules:go_live", args=[rule.pk]), {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON}
    )
    assert response.status_code == 302 and response["Location"] == rule.get_absolute_url()
    assert len(_messages(response)) == 1 and "实施中" in _messages(response)[0]
    assert _state(rule) == before


def test_the_page_speaks_english_too(client_for):
    rule = rule_in(RuleStatus.LIVE)
    client = client_for(rule.owner)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("rules:go_live", args=[rule.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Real go-live date" in html and "Record go-live date" in html


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_records_the_date_and_lists_the_backfills(api_client_for):
    rule = rule_in(RuleStatus.LIVE)
    client = api_client_for(rule.owner)
    url = f"/api/rules/{rule.pk}/go-live-backfills/"

    response = client.post(url, {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in body if key not in ("id", "created_at")} == {
        "rule": rule.pk,
        "previous_go_live_on": TODAY.isoformat(),
        "go_live_on": REAL_GO_LIVE.isoformat(),
        "review_due_on": (REAL_GO_LIVE + dt.timedelta(days=90)).isoformat(),
        "actor": rule.owner.username,
        "reason": REASON,
    }
    listing = api_client_for(user_with_role(Role.FRONTLINE)).get(url)
    assert listing.status_code == 200
    assert [(r["actor"], r["go_live_on"], r["reason"]) for r in listing.json()] == [
        (rule.owner.username, REAL_GO_LIVE.isoformat(), REASON)
    ]
    detail = client.get(f"/api/rules/{rule.pk}/").json()
    assert (detail["go_live_on"], detail["review_due_on"]) == (
        REAL_GO_LIVE.isoformat(),
        (REAL_GO_LIVE + dt.timedelta(days=90)).isoformat(),
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"go_live_on": (TODAY + dt.timedelta(days=1)).isoformat(), "reason": REASON}, "go_live_on"),
        ({"go_live_on": "1999-12-31", "reason": REASON}, "go_live_on"),
        ({"go_live_on": REAL_GO_LIVE.isoformat(), "reason": "  "}, "reason"),
    ],
)
def test_the_api_refuses_bad_input_in_the_error_shape_and_changes_nothing(api_client_for, body, field):
    rule = rule_in(RuleStatus.LIVE)
    before = _state(rule)
    response = api_client_for(rule.owner).post(
        f"/api/rules/{rule.pk}/go-live-backfills/", body, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", [field])
    assert error["message"] == error["fields"][field][0]
    assert _state(rule) == before


@pytest.mark.parametrize(
    "body",
    [
        {"go_live_on": "2024-02-31", "reason": REASON},
        {"reason": REASON},
        {"go_live_on": REAL_GO_LIVE.isoformat()},
        {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON, "review_due_on": "2030-01-01"},
    ],
)
def test_the_api_refuses_unreadable_or_unknown_input(api_client_for, body):
    rule = rule_in(RuleStatus.LIVE)
    before = _state(rule)
    response = api_client_for(rule.owner).post(
        f"/api/rules/{rule.pk}/go-live-backfills/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert _state(rule) == before


@pytest.mark.parametrize("role", [Role.ANALYST, Role.FRONTLINE, Role.PRODUCT_OWNER])
def test_the_api_refuses_others_with_403_and_changes_nothing(api_client_for, role):
    rule = rule_in(RuleStatus.LIVE)
    before = _state(rule)
    response = api_client_for(user_with_role(role)).post(
        f"/api/rules/{rule.pk}/go-live-backfills/",
        {"go_live_on": REAL_GO_LIVE.isoformat(), "reason": REASON},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] in {"forbidden", "permission_denied"}
    assert _state(rule) == before


def test_the_rule_api_points_a_written_go_live_date_to_the_backfill(api_client_for):
    rule = rule_in(RuleStatus.LIVE)
    response = api_client_for(rule.owner).patch(
        f"/api/rules/{rule.pk}/",
        {"go_live_on": REAL_GO_LIVE.isoformat(), "version": rule.version},
        format="json",
    )
    assert response.status_code == 400
    assert "/go-live-backfills/" in response.json()["error"]["fields"]["go_live_on"][0]
    assert ExperienceRule.objects.get(pk=rule.pk).go_live_on == TODAY


def test_the_openapi_schema_describes_the_backfill(api_client_for):
    schema = api_client_for(user_with_role(Role.ANALYST)).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/rules/{id}/go-live-backfills/"]
    assert set(operation) >= {"get", "post"}
    post = operation["post"]
    assert set(post["responses"]) == {"201", "400", "403"}
    request = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][request]["properties"]) == {"go_live_on", "reason"}


# --- the admin and the command ---------------------------------------------------------------------


def test_the_admin_offers_no_way_around_the_service(client_for):
    rule = rule_in(RuleStatus.LIVE)
    staff = user_with_role(Role.ADMIN, is_staff=True, is_superuser=True)
    client = client_for(staff)
    url = reverse("admin:rules_lifecycle_experiencerule_change", args=[rule.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="go_live_on"' not in page.content.decode()
    before = _state(rule)
    client.post(url, {"go_live_on": REAL_GO_LIVE.isoformat()})
    assert _state(rule) == before


def test_the_command_backfills_through_the_service(tmp_path, capsys):
    manager = user_with_role(Role.MANAGER)
    first, second, draft = rule_in(RuleStatus.LIVE), rule_in(RuleStatus.KEPT), rule_in(RuleStatus.APPROVED)
    call_command(
        "backfill_go_live",
        str(first.pk),
        REAL_GO_LIVE.isoformat(),
        "--reason",
        REASON,
        "--as",
        manager.username,
    )
    assert ExperienceRule.objects.get(pk=first.pk).go_live_on == REAL_GO_LIVE
    assert RuleGoLiveBackfill.objects.get(rule=first).actor == manager

    sheet = tmp_path / "go_live.csv"
    sheet.write_text(
        "rule,go_live_on,reason\n"
        f"{second.pk},{REAL_GO_LIVE.isoformat()},{REASON}\n"
        f"{draft.pk},{REAL_GO_LIVE.isoformat()},{REASON}\n"
        f"{second.pk},not-a-date,{REASON}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="2 of 3"):
        call_command("backfill_go_live", "--csv", str(sheet), "--as", manager.username)
    output = capsys.readouterr()
    assert f"line 2: rule {second.pk}: go-live recorded as {REAL_GO_LIVE.isoformat()}" in output.out
    assert f"line 3: rule {draft.pk}:" in output.err and f"line 4: rule {second.pk}:" in output.err
    assert ExperienceRule.objects.get(pk=second.pk).go_live_on == REAL_GO_LIVE
    assert ExperienceRule.objects.get(pk=draft.pk).go_live_on is None
    assert RuleGoLiveBackfill.objects.count() == 2
