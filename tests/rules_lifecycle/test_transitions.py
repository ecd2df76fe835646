"""The rule state machine: every allowed move by every role, every illegal move, the audit trail."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from cxops.errors import ApplicationError
from cxops.models import Notification
from cxops.roles import Role
from cxops.services.notifications import follow_create
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models import RuleTransition
from rules_lifecycle.transitions import MOVES
from rules_lifecycle.transitions import available_moves
from rules_lifecycle.transitions import rule_transition
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db

# The rules of PRODUCT.md (plus the documented kept → under_review, kept → retired, live → retired),
# written out independently of transitions.MOVES so a change to the data fails here.
EXPECTED_MOVERS = {
    ("proposed", "approved"): {"manager"},
    ("proposed", "rejected"): {"manager"},
    ("approved", "implementing"): {"owner", "manager"},
    ("implementing", "live"): {"owner", "manager"},
    ("live", "under_review"): {"owner", "manager"},
    ("live", "retired"): {"manager"},
    ("under_review", "kept"): {"manager"},
    ("under_review", "implementing"): {"manager"},
    ("under_review", "retired"): {"manager"},
    ("kept", "under_review"): {"owner", "manager"},
    ("kept", "retired"): {"manager"},
}
REASON_REQUIRED = {
    ("proposed", "rejected"),
    ("live", "retired"),
    ("under_review", "kept"),
    ("under_review", "implementing"),
    ("under_review", "retired"),
    ("kept", "retired"),
}
ROLES = ["frontline", "analyst", "owner", "other_owner", "manager", "admin"]


def _actor(role: str, rule: ExperienceRule):
    if role == "owner":
        return rule.owner
    group = {
        "frontline": Role.FRONTLINE,
        "analyst": Role.ANALYST,
        "other_owner": Role.PRODUCT_OWNER,
        "manager": Role.MANAGER,
        "admin": Role.ADMIN,
    }[role]
    return user_with_role(group)


def _snapshot(rule: ExperienceRule) -> tuple:
    rule = ExperienceRule.objects.get(pk=rule.pk)
    return (
        rule.status,
        rule.version,
        rule.go_live_on,
        rule.retired_on,
        rule.updated_at,
        RuleTransition.objects.filter(rule=rule).count(),
        rule.history.count(),
    )


def test_the_move_table_is_exactly_the_documented_one():
    # given the data of the state machine / then it is the table above, and only it
    assert {
        (m.source.value, m.target.value): {mover.value for mover in m.movers} for m in MOVES
    } == EXPECTED_MOVERS
    assert {(m.source.value, m.target.value) for m in MOVES if m.reason_required} == REASON_REQUIRED


@pytest.mark.parametrize(("pair", "role"), list(itertools.product(sorted(EXPECTED_MOVERS), ROLES)))
def test_every_move_by_every_role(pair, role, django_capture_on_commit_callbacks):
    source, target = pair
    # given a rule in the source state, and someone in a role
    rule = rule_in(source)
    actor = _actor(role, rule)
    allowed = ("owner" if role == "owner" else role) in EXPECTED_MOVERS[pair]
    before = _snapshot(rule)

    # when they make the move, with a reason
    if allowed:
        with django_capture_on_commit_callbacks(execute=True):
            record = rule_transition(rule=rule, to_status=target, actor=actor, reason="依据评估结果")
        # then the rule moved, and the move is on record
        rule.refresh_from_db()
        assert rule.status == target
        assert rule.version == before[1] + 1
        assert (record.rule_id, record.from_status, record.to_status, record.actor_id, record.reason) == (
            rule.pk,
            source,
            target,
            actor.pk,
            "依据评估结果",
        )
        assert RuleTransition.objects.filter(rule=rule).count() == before[5] + 1
        assert rule.history.count() == before[6] + 1
        assert rule.history.first().history_user_id == actor.pk
    else:
        with pytest.raises(ApplicationError) as refused:
            rule_transition(rule=rule, to_status=target, actor=actor, reason="依据评估结果")
        # then it is refused as forbidden, with a message naming who may, and nothing changed
        assert refused.value.code == "forbidden"
        assert refused.value.status == 403
        assert "Manager" in refused.value.message or "管理者" in refused.value.message
        assert _snapshot(rule) == before


def _illegal_pairs():
    for source in RuleStatus.values:
        for target in RuleStatus.values:
            if (source, target) not in EXPECTED_MOVERS:
                yield source, target


@pytest.mark.parametrize("source", RuleStatus.values)
def test_every_illegal_move_is_refused_and_changes_nothing(source):
    # given a rule in `source`, and the two people with the most power over it
    rule = rule_in(source)
    manager = user_with_role(Role.MANAGER)
    targets = [target for s, target in _illegal_pairs() if s == source]
    assert targets  # every state has moves it may not make (at least to itself)
    for target in targets:
        for actor in (manager, rule.owner):
            before = _snapshot(rule)
            # when either tries an illegal move
            with pytest.raises(ApplicationError) as refused:
                rule_transition(rule=rule, to_status=target, actor=actor, reason="试图跳过流程")
            # then it is refused as illegal, saying where the rule can go, and nothing changed
            assert refused.value.code == "illegal_transition", (source, target)
            assert refused.value.status == 400
            assert refused.value.extra["from_status"] == source
            assert sorted(refused.value.extra["allowed"]) == sorted(
                t for s, t in EXPECTED_MOVERS if s == source
            )
            assert _snapshot(rule) == before


def test_an_unknown_state_is_refused():
    rule = rule_in("proposed")
    before = _snapshot(rule)
    with pytest.raises(ApplicationError) as refused:
        rule_transition(rule=rule, to_status="deleted", actor=user_with_role(Role.MANAGER), reason="x")
    assert refused.value.code == "invalid"
    assert _snapshot(rule) == before


@pytest.mark.parametrize("pair", sorted(REASON_REQUIRED))
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_moves_that_need_a_reason_are_refused_without_one(pair, reason):
    source, target = pair
    rule = rule_in(source)
    before = _snapshot(rule)
    with pytest.raises(ApplicationError) as refused:
        rule_transition(rule=rule, to_status=target, actor=user_with_role(Role.MANAGER), reason=reason)
    assert refused.value.code == "invalid"
    assert "reason" in refused.value.extra["fields"]
    assert _snapshot(rule) == before


def test_a_reason_is_optional_for_the_other_moves():
    rule = rule_in("approved")
    rule_transition(rule=rule, to_status="implementing", actor=rule.owner, reason="")
    assert rule.status == "implementing"
    assert rule.transitions.last().reason == ""


def test_an_overlong_reason_is_refused():
    rule = rule_in("under_review")
    before = _snapshot(rule)
    with pytest.raises(ApplicationError):
        rule_transition(rule=rule, to_status="kept", actor=user_with_role(Role.MANAGER), reason="长" * 2001)
    assert _snapshot(rule) == before


def test_an_owner_who_lost_the_product_owner_role_cannot_move_their_rule():
    rule = rule_in("approved")
    rule.owner.groups.clear()
    owner = type(rule.owner).objects.get(pk=rule.owner_id)  # fresh: roles are cached per user object
    with pytest.raises(ApplicationError) as refused:
        rule_transition(rule=rule, to_status="implementing", actor=owner, reason="")
    assert refused.value.code == "forbidden"


def test_the_full_audit_trail_of_a_rule_that_was_improved_and_then_kept():
    # given a rule taken through its whole life on known dates, with a send-back in the middle
    manager = user_with_role(Role.MANAGER)
    start = dt.datetime(2025, 1, 6, 10, 0, tzinfo=dt.UTC)
    rule = make_rule(created_at=start - dt.timedelta(days=1))
    owner = rule.owner
    steps = [
        ("approved", manager, "符合策略"),
        ("implementing", owner, ""),
        ("live", owner, "CMP已配置"),
        ("under_review", manager, ""),
        ("implementing", manager, "投诉率下降不足，需优化短信文案"),
        ("live", owner, "文案已优化"),
        ("under_review", owner, ""),
        ("kept", manager, "投诉率下降12%，保留"),
    ]
    for day, (to_status, actor, reason) in enumerate(steps):
        rule_transition(
            rule=rule,
            to_status=to_status,
            actor=actor,
            reason=reason,
            occurred_at=start + dt.timedelta(days=30 * day),
        )

    # then every move is recorded with who, when, from, to and why, in order
    records = list(rule.transitions.order_by("created_at", "id"))
    assert [(r.from_status, r.to_status, r.actor_id, r.reason) for r in records] == [
        ("proposed", "approved", manager.pk, "符合策略"),
        ("approved", "implementing", owner.pk, ""),
        ("implementing", "live", owner.pk, "CMP已配置"),
        ("live", "under_review", manager.pk, ""),
        ("under_review", "implementing", manager.pk, "投诉率下降不足，需优化短信文案"),
        ("implementing", "live", owner.pk, "文案已优化"),
        ("live", "under_review", owner.pk, ""),
        ("under_review", "kept", manager.pk, "投诉率下降12%，保留"),
    ]
    assert [r.created_at for r in records] == [start + dt.timedelta(days=30 * i) for i in range(8)]
    # and the go-live date is the latest go-live (a new evaluation period), in local time
    second_go_live = start + dt.timedelta(days=150)
    assert rule.go_live_on == timezone.localdate(second_go_live)
    assert rule.review_due_on == rule.go_live_on + dt.timedelta(days=90)
    assert rule.retired_on is None
    assert rule.version == 1 + 8
    # and the row's history has one entry per move, by the mover, with the reason
    history = list(rule.history.order_by("history_date", "history_id"))
    assert len(history) == 1 + 8
    assert history[-1].history_user_id == manager.pk
    assert history[-1].history_change_reason == "投诉率下降12%，保留"
    assert history[-1].status == "kept"


def test_go_live_date_is_the_local_shanghai_day():
    rule = rule_in("implementing")
    # 17:30 UTC is 01:30 the next day in Shanghai
    rule_transition(
        rule=rule,
        to_status="live",
        actor=rule.owner,
        occurred_at=dt.datetime(2025, 3, 9, 17, 30, tzinfo=dt.UTC),
    )
    assert rule.go_live_on == dt.date(2025, 3, 10)


def test_retiring_sets_the_retirement_date():
    rule = rule_in("live")
    rule_transition(
        rule=rule, to_status="retired", actor=user_with_role(Role.MANAGER), reason="投诉增加，立即下线"
    )
    assert rule.status == "retired"
    assert rule.retired_on == timezone.localdate()
    assert rule.is_final


def test_followers_and_the_owner_are_notified_after_commit_but_not_the_actor(
    django_capture_on_commit_callbacks,
):
    # given a follower of a live rule
    rule = rule_in("live")
    follower = user_with_role(Role.ANALYST)
    follow_create(user=follower, target=rule)
    manager = user_with_role(Role.MANAGER)
    Notification.objects.all().delete()

    # when a manager puts it under review
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rule_transition(rule=rule, to_status="under_review", actor=manager, reason="季度复盘")

    # then the follower and the owner are told, once each, with a link to the rule
    assert len(callbacks) == 1
    notes = Notification.objects.order_by("recipient_id")
    assert sorted(n.recipient_id for n in notes) == sorted([follower.pk, rule.owner_id])
    assert {n.url for n in notes} == {f"/rules/{rule.pk}/"}
    assert {n.body for n in notes} == {"季度复盘"}
    assert all(n.kind == "rule" and n.actor_id == manager.pk for n in notes)


def test_a_refused_move_notifies_nobody(django_capture_on_commit_callbacks):
    rule = rule_in("live")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ApplicationError):
        rule_transition(rule=rule, to_status="kept", actor=user_with_role(Role.MANAGER), reason="x")
    assert callbacks == []
    assert Notification.objects.count() == 0


def test_available_moves_are_the_legal_and_authorised_ones():
    rule = rule_in("under_review")
    manager = user_with_role(Role.MANAGER)
    assert [m.target.value for m in available_moves(rule=rule, actor=manager)] == [
        "kept",
        "implementing",
        "retired",
    ]
    assert available_moves(rule=rule, actor=rule.owner) == []
    live = rule_in("live")
    assert [m.target.value for m in available_moves(rule=live, actor=live.owner)] == ["under_review"]
    assert available_moves(rule=live, actor=user_with_role(Role.ANALYST)) == []


def test_the_database_refuses_a_transition_record_that_is_not_an_allowed_move():
    rule = rule_in("proposed")
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleTransition.objects.create(rule=rule, from_status="proposed", to_status="live", actor=rule.owner)


def test_the_database_refuses_a_running_rule_without_a_go_live_date():
    rule = rule_in("live")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExperienceRule.objects.filter(pk=rule.pk).update(go_live_on=None)
