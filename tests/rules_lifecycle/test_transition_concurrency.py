"""Two people moving the same rule at once cannot both win (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from cxops.errors import ApplicationError
from cxops.roles import Role
from rules_lifecycle import transitions
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleTransition
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(rule, attempts, monkeypatch):
    """Run each (to_status, actor, reason) in its own thread, all released at once.

    Each holder of the row lock pauses while checking, so the others are certainly waiting on the
    lock (not merely running later) when it commits.
    """
    original = transitions.check_move

    def slow_check(**kwargs):
        time.sleep(0.3)
        return original(**kwargs)

    monkeypatch.setattr(transitions, "check_move", slow_check)
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def attempt(index, to_status, actor, reason):
        try:
            barrier.wait()
            outcomes[index] = transitions.rule_transition(
                rule=ExperienceRule.objects.get(pk=rule.pk), to_status=to_status, actor=actor, reason=reason
            )
        except ApplicationError as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes, time.monotonic() - started


def test_approve_and_reject_at_once_exactly_one_wins(monkeypatch):
    # given a proposed rule and two managers who disagree
    rule = rule_in("proposed")
    first, second = user_with_role(Role.MANAGER), user_with_role(Role.MANAGER)

    # when one approves while the other rejects
    outcomes, elapsed = _race(
        rule, [("approved", first, "同意"), ("rejected", second, "不同意")], monkeypatch
    )

    # then exactly one move happened, the other was refused as illegal from the new state
    winners = [o for o in outcomes if isinstance(o, RuleTransition)]
    losers = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].code == "illegal_transition"
    rule.refresh_from_db()
    assert rule.status == winners[0].to_status
    assert list(RuleTransition.objects.filter(rule=rule).values_list("to_status", flat=True)) == [rule.status]
    assert rule.version == 2
    # and the second waited for the first's lock (both checks ran one after the other)
    assert elapsed >= 0.6


def test_the_same_move_twice_at_once_is_recorded_once(monkeypatch):
    # given a rule being implemented, its owner and a manager both press "go live"
    rule = rule_in("implementing")
    manager = user_with_role(Role.MANAGER)
    outcomes, _elapsed = _race(rule, [("live", rule.owner, ""), ("live", manager, "")], monkeypatch)
    assert sum(isinstance(o, RuleTransition) for o in outcomes) == 1
    assert [o.code for o in outcomes if isinstance(o, ApplicationError)] == ["illegal_transition"]
    assert RuleTransition.objects.filter(rule=rule, to_status="live").count() == 1
