"""Real concurrency on PostgreSQL: one of many saves from the same base wins; tallies stay exact."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError
from django.db import connection
from django.db import transaction

from cxops.errors import ApplicationError
from proposals.models import Revision
from proposals.models import Strategy
from proposals.models import Vote
from proposals.services.strategies import current_content
from proposals.services.strategies import strategy_update
from proposals.services.votes import vote_cast
from tests.proposals.factories import make_strategy


def _run_together(workers):
    """Start every worker at the same moment (barrier); collect results or errors in order."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except Exception as error:  # noqa: BLE001 — reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db
def test_revision_numbers_are_unique_in_the_database(analyst):
    strategy = make_strategy(actor=analyst)
    first = strategy.revisions.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.create(
            strategy=strategy,
            number=1,
            title="抢先",
            product=first.product,
            layer=first.layer,
            experience_event="e",
            strategy_text="s",
            author=analyst,
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_simultaneous_saves_from_the_same_base_wins(analyst, make_user):
    # given eight editors who all loaded revision 1
    strategy = make_strategy(actor=analyst)
    editors = [make_user("frontline") for _ in range(8)]
    base = current_content(strategy)

    def save(editor, text):
        content = type(base)(**{**base.__dict__, "body": text})
        return lambda: strategy_update(strategy=strategy, actor=editor, base_revision=1, content=content)

    # when they all press save at the same moment
    results = _run_together([save(editor, f"编辑者{i}的版本") for i, editor in enumerate(editors)])
    # then exactly one save won and every other one got a conflict carrying its own text
    winners = [r for r in results if isinstance(r, Strategy)]
    conflicts = [r for r in results if isinstance(r, ApplicationError) and r.code == "conflict"]
    assert (len(winners), len(conflicts)) == (1, 7), results
    strategy.refresh_from_db()
    assert strategy.current_revision == 2
    assert list(strategy.revisions.values_list("number", flat=True).order_by("number")) == [1, 2]
    assert strategy.body == strategy.revisions.get(number=2).body
    assert sorted(c.extra["yours"]["body"] for c in conflicts) == sorted(
        f"编辑者{i}的版本" for i in range(8) if f"编辑者{i}的版本" != strategy.body
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_tallies_are_exact_with_many_concurrent_voters(analyst, make_user):
    # given forty product owners and a strategy in voting
    strategy = make_strategy(actor=analyst, status="voting")
    voters = [make_user("product_owner") for _ in range(40)]

    def cast(voter, choice):
        return lambda: vote_cast(strategy=strategy, actor=voter, choice=choice)

    # when they all vote at once (every third opposes), and each voter also sends a duplicate
    work = [cast(v, "oppose" if i % 3 == 0 else "support") for i, v in enumerate(voters)]
    work += [cast(v, "oppose" if i % 3 == 0 else "support") for i, v in enumerate(voters[:10])]
    results = _run_together(work)
    # then no vote failed, one row per voter, and the tallies match the rows exactly
    assert [r for r in results if isinstance(r, Exception)] == []
    strategy.refresh_from_db()
    opposers = len([i for i in range(40) if i % 3 == 0])
    assert Vote.objects.filter(strategy=strategy).count() == 40
    assert (strategy.support_count, strategy.oppose_count) == (40 - opposers, opposers)

    # and when half of them change their vote concurrently, the tallies follow exactly
    flips = [cast(v, "support" if i % 3 == 0 else "oppose") for i, v in enumerate(voters[:20])]
    assert [r for r in _run_together(flips) if isinstance(r, Exception)] == []
    strategy.refresh_from_db()
    rows = dict(
        (choice, Vote.objects.filter(strategy=strategy, choice=choice).count())
        for choice in ("support", "oppose")
    )
    assert (strategy.support_count, strategy.oppose_count) == (rows["support"], rows["oppose"])
    flipped_to_support = len([i for i in range(20) if i % 3 == 0])
    assert strategy.oppose_count == (opposers - flipped_to_support) + (20 - flipped_to_support)
