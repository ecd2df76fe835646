"""Votes: product owners only, one per voter, changeable while open, frozen when closed."""

from __future__ import annotations

import pytest

from cxops.errors import ApplicationError
from proposals.models import Vote
from proposals.services.transitions import strategy_transition
from proposals.services.votes import vote_cast
from proposals.services.votes import vote_retract
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["frontline", "analyst", "admin"])
def test_only_product_owners_vote(make_user, analyst, role):
    strategy = make_strategy(actor=analyst, status="voting")
    with pytest.raises(ApplicationError) as caught:
        vote_cast(strategy=strategy, actor=make_user(role), choice="support")
    assert caught.value.code == "forbidden"
    strategy.refresh_from_db()
    assert (Vote.objects.count(), strategy.support_count) == (0, 0)


def test_managers_hold_the_product_owner_role_and_may_vote(analyst, manager):
    strategy = make_strategy(actor=analyst, status="voting")
    vote_cast(strategy=strategy, actor=manager, choice="oppose", reason="成本高")
    strategy.refresh_from_db()
    assert (strategy.support_count, strategy.oppose_count) == (0, 1)


def test_one_vote_per_voter_changeable_while_open(analyst, product_owner):
    # given a vote
    strategy = make_strategy(actor=analyst, status="voting")
    vote_cast(strategy=strategy, actor=product_owner, choice="support", reason="好")
    # when the voter changes their mind
    vote_cast(strategy=strategy, actor=product_owner, choice="oppose", reason="再想想")
    # then one vote, changed, and the tally follows
    strategy.refresh_from_db()
    vote = Vote.objects.get()
    assert (vote.choice, vote.reason) == ("oppose", "再想想")
    assert (strategy.support_count, strategy.oppose_count) == (0, 1)


def test_votes_are_refused_unless_voting_is_open(analyst, product_owner):
    strategy = make_strategy(actor=analyst, status="discussion")
    with pytest.raises(ApplicationError) as caught:
        vote_cast(strategy=strategy, actor=product_owner, choice="support")
    assert caught.value.code == "voting_closed"
    assert Vote.objects.count() == 0


def test_closed_votes_are_frozen(analyst, product_owner, manager):
    # given a vote, then the manager's answer closes voting
    strategy = make_strategy(actor=analyst, status="voting")
    vote_cast(strategy=strategy, actor=product_owner, choice="support")
    strategy_transition(strategy=strategy, to_status="rejected", actor=manager, reason="暂缓")
    # when the voter tries to change or withdraw
    with pytest.raises(ApplicationError):
        vote_cast(strategy=strategy, actor=product_owner, choice="oppose")
    with pytest.raises(ApplicationError):
        vote_retract(strategy=strategy, actor=product_owner)
    # then the vote and tally are unchanged
    strategy.refresh_from_db()
    assert list(Vote.objects.values_list("choice", flat=True)) == ["support"]
    assert (strategy.support_count, strategy.oppose_count) == (1, 0)


def test_retract_removes_the_vote_and_updates_the_tally(analyst, product_owner):
    strategy = make_strategy(actor=analyst, status="voting")
    vote_cast(strategy=strategy, actor=product_owner, choice="support")
    vote_retract(strategy=strategy, actor=product_owner)
    strategy.refresh_from_db()
    assert (Vote.objects.count(), strategy.support_count) == (0, 0)


def test_vote_page_records_the_vote(client_for, analyst, product_owner, frontline):
    strategy = make_strategy(actor=analyst, status="voting")
    refused = client_for(frontline).post(f"/pool/{strategy.pk}/vote/", {"choice": "support"})
    assert refused.status_code == 302 and Vote.objects.count() == 0
    client_for(product_owner).post(f"/pool/{strategy.pk}/vote/", {"choice": "support", "reason": "值得做"})
    assert list(Vote.objects.values_list("voter_id", "choice", "reason")) == [
        (product_owner.pk, "support", "值得做")
    ]
