"""Status machine: who may make each move, official answers, the timeline, merge as duplicate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from cxops.errors import ApplicationError
from cxops.models import Notification
from cxops.services.notifications import follow_create
from cxops.services.notifications import follower_ids
from proposals.models import StatusChange
from proposals.models import Strategy
from proposals.models import Vote
from proposals.services.transitions import strategy_transition
from proposals.services.votes import vote_cast
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_full_path_is_recorded_on_the_timeline(analyst, manager):
    # given / when
    strategy = make_strategy(actor=analyst, status="accepted", manager=manager)
    # then
    moves = list(strategy.status_changes.values_list("from_status", "to_status", "actor_id"))
    assert moves == [
        ("draft", "discussion", analyst.pk),
        ("discussion", "voting", analyst.pk),
        ("voting", "accepted", manager.pk),
    ]
    assert strategy.official_answer == "官方答复：理由充分"
    assert (strategy.official_answer_by, strategy.status) == (manager, "accepted")


@pytest.mark.parametrize("role", ["frontline", "analyst", "product_owner"])
def test_only_managers_give_the_official_answer(make_user, analyst, role):
    # given a strategy in voting
    strategy = make_strategy(actor=analyst, status="voting")
    actor = make_user(role)
    for to_status in ("accepted", "rejected"):
        # when someone who is not a manager answers
        with pytest.raises(ApplicationError) as caught:
            strategy_transition(strategy=strategy, to_status=to_status, actor=actor, reason="同意")
        # then refused, and nothing changed
        assert caught.value.code == "forbidden"
    strategy.refresh_from_db()
    assert (strategy.status, strategy.official_answer) == ("voting", "")
    assert strategy.status_changes.count() == 2


def test_an_answer_needs_reasons(analyst, manager):
    strategy = make_strategy(actor=analyst, status="voting")
    with pytest.raises(ValidationError) as caught:
        strategy_transition(strategy=strategy, to_status="accepted", actor=manager, reason="  ")
    assert "reason" in caught.value.message_dict
    strategy.refresh_from_db()
    assert strategy.status == "voting"


def test_frontline_cannot_open_voting_but_the_creator_may_open_discussion(analyst, frontline, make_user):
    strategy = make_strategy(actor=analyst)
    with pytest.raises(ApplicationError):
        strategy_transition(strategy=strategy, to_status="discussion", actor=frontline)
    moved = strategy_transition(strategy=strategy, to_status="discussion", actor=analyst)
    with pytest.raises(ApplicationError) as caught:
        strategy_transition(strategy=moved, to_status="voting", actor=frontline)
    assert caught.value.code == "forbidden"
    assert Strategy.objects.get(pk=strategy.pk).status == "discussion"


def test_illegal_moves_are_refused_with_the_allowed_ones(analyst, manager):
    strategy = make_strategy(actor=analyst)
    with pytest.raises(ApplicationError) as caught:
        strategy_transition(strategy=strategy, to_status="accepted", actor=manager, reason="跳过")
    assert caught.value.code == "illegal_transition"
    assert set(caught.value.extra["allowed"]) == {"discussion", "withdrawn", "merged"}
    assert StatusChange.objects.count() == 0


def test_withdraw_needs_a_reason_and_the_creator_may_withdraw(analyst):
    strategy = make_strategy(actor=analyst, status="discussion")
    with pytest.raises(ValidationError):
        strategy_transition(strategy=strategy, to_status="withdrawn", actor=analyst)
    withdrawn = strategy_transition(
        strategy=strategy, to_status="withdrawn", actor=analyst, reason="方向调整"
    )
    assert withdrawn.status == "withdrawn"
    assert withdrawn.status_changes.last().reason == "方向调整"


def test_voting_opening_notifies_product_owners_and_followers(
    analyst, product_owner, frontline, django_capture_on_commit_callbacks
):
    strategy = make_strategy(actor=analyst, status="discussion")
    follow_create(user=frontline, target=strategy)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        strategy_transition(strategy=strategy, to_status="voting", actor=analyst)
    kinds = dict(Notification.objects.values_list("recipient_id", "kind"))
    assert kinds == {product_owner.pk: "vote", frontline.pk: "vote"}


def test_voting_closing_notifies_voters(analyst, product_owner, manager, django_capture_on_commit_callbacks):
    strategy = make_strategy(actor=analyst, status="voting")
    vote_cast(strategy=strategy, actor=product_owner, choice="support")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        strategy_transition(strategy=strategy, to_status="accepted", actor=manager, reason="同意")
    # the creator follows the strategy; the voter follows it by voting
    assert sorted(Notification.objects.values_list("recipient_id", "kind")) == sorted(
        [(analyst.pk, "vote"), (product_owner.pk, "vote")]
    )


def test_merge_carries_votes_once_and_followers(analyst, make_user):
    # given: a duplicate and the strategy it duplicates, both in voting
    original = make_strategy(actor=analyst, status="voting", title="流量超额实时提醒")
    duplicate = make_strategy(actor=analyst, status="voting", title="流量用尽提醒")
    both, only_duplicate, only_original = (make_user("product_owner") for _ in range(3))
    vote_cast(strategy=original, actor=both, choice="oppose")
    vote_cast(strategy=duplicate, actor=both, choice="support")
    vote_cast(strategy=duplicate, actor=only_duplicate, choice="support", reason="很需要")
    vote_cast(strategy=original, actor=only_original, choice="support")
    watcher = make_user("frontline")
    follow_create(user=watcher, target=duplicate)
    # when the duplicate is merged into the original
    merged = strategy_transition(
        strategy=duplicate, to_status="merged", actor=analyst, reason="重复", merged_into=original
    )
    # then: the voter on both keeps their original vote, counted once; the other vote is carried
    original.refresh_from_db()
    assert (merged.status, merged.merged_into_id) == ("merged", original.pk)
    votes = dict(Vote.objects.filter(strategy=original).values_list("voter_id", "choice"))
    assert votes == {both.pk: "oppose", only_duplicate.pk: "support", only_original.pk: "support"}
    assert (original.support_count, original.oppose_count) == (2, 1)
    carried = Vote.objects.get(strategy=original, voter=only_duplicate)
    assert (carried.carried_from_id, carried.reason) == (duplicate.pk, "很需要")
    assert watcher.pk in follower_ids(target=original)
    # and the duplicate's own record is frozen as it was
    assert Vote.objects.filter(strategy=duplicate).count() == 2


def test_merge_needs_a_target_that_is_not_merged_itself(analyst):
    a = make_strategy(actor=analyst, status="discussion", title="甲")
    b = make_strategy(actor=analyst, status="discussion", title="乙")
    c = make_strategy(actor=analyst, status="discussion", title="丙")
    with pytest.raises(ValidationError):
        strategy_transition(strategy=a, to_status="merged", actor=analyst)
    strategy_transition(strategy=b, to_status="merged", actor=analyst, merged_into=c)
    with pytest.raises(ApplicationError):
        strategy_transition(strategy=a, to_status="merged", actor=analyst, merged_into=b)
    a.refresh_from_db()
    assert a.status == "discussion"


def test_nothing_but_the_transition_service_assigns_status():
    # Style rule 3: one place for the state machine.
    offenders = []
    pattern = re.compile(r"\.status\s*=[^=]")
    for path in (ROOT / "proposals").rglob("*.py"):
        if "migrations" in path.parts or path.name == "transitions.py":
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(path.name)
    assert offenders == []


def test_transition_page_for_managers_only(client_for, analyst, manager, product_owner):
    strategy = make_strategy(actor=analyst, status="voting")
    assert client_for(product_owner).get(f"/pool/{strategy.pk}/status/accepted/").status_code == 403
    assert (
        client_for(product_owner)
        .post(f"/pool/{strategy.pk}/status/accepted/", {"to_status": "accepted", "reason": "x"})
        .status_code
        == 403
    )
    response = client_for(manager).post(
        f"/pool/{strategy.pk}/status/accepted/", {"to_status": "accepted", "reason": "同意，先试点三个月。"}
    )
    assert response.status_code == 302
    page = client_for(product_owner).get(f"/pool/{strategy.pk}/").content.decode()
    assert "同意，先试点三个月。" in page
