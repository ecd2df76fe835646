#!/usr/bin/env python
"""Similar issues: is the right issue suggested, and how fast, at 100,000 open issues — the
matcher that shipped before (character bigrams) measured beside the new one in the same run.

    DATABASE_URL=postgres://... python bench/similar.py            # 100,000 open issues
    DATABASE_URL=postgres://... python bench/similar.py --quick    # 20,000
    python bench/similar.py --issues 3000                          # SQLite smoke run
    python bench/similar.py --alone --sets unseen --misses         # quality only, one set

Database: `<DATABASE name>_similar_bench` on PostgreSQL (created, dropped unless --keepdb); the
target (p95 ≤ 50 ms at 100,000 open issues) is about PostgreSQL.

Quality, on three labelled sets, each measured alone (its issues loaded, measured, taken out
again) and again all together inside the crowd of generated issues (`crowd_…`):

- `tuning` (`bench/similar_cases.py`, 30 issues): the set the first lexicon and the no-suggestion
  threshold were written and calibrated on;
- `heldout` (`bench/similar_heldout.py`, 32 issues): written before the broader lexicon and
  measured first untouched; its misses were then read to find what the lexicon lacked, so its
  later figures are no longer held out;
- `fresh` (`bench/similar_fresh.py`, 12 issues): committed before any measurement; its misses
  were later read too;
- `unseen` (`bench/similar_unseen.py`, 46 issues over every area of a 10086 hotline): written
  before the lexicon was read, committed before any measurement, and never used to change the
  lexicon or the scoring for one of its texts: the stand-in for a set the project has never seen.
- `agent` (`bench/similar_agent.py`, 16 issues): the register the others lack - agents' call
  notes (客户来电反映…), English summaries, typing and speech-to-text slips (宽代, 流浪) - written
  after the third lexicon layer and committed before any measurement.

Each issue has one report already merged into it and three new reports saying the same thing in
other words; issues come in hard-negative pairs; unrelated complaints have no issue.  The issues are
created and the reports merged through the services, as triage does.  recall@1 / recall@3: the
true issue first / among the first three suggestions for a new report; no-suggestion precision: of
the texts for which nothing is suggested, the share that truly have no issue; unrelated_silent:
the share of unrelated complaints for which nothing is suggested; unrelated_below_true: of every
(unrelated complaint, labelled text) pair, the share in which the complaint's best suggestion
scores below the text's true issue (an unrelated complaint is not suggested above a true issue);
`new_crowd_retrieved`: the share
of labelled texts whose true issue is among the candidates retrieval hands to scoring at all
(retrieval: per issue, the sum of the postings of the text's terms weighted by IDF², terms in more
than 3 % of profiles only through the posted pairs of concepts; the best 200 scored —
`cxops.selectors.matching`); `new_crowd_exhaustive_…`: recall when every open profile sharing a
term is scored (no retrieval cap, offline), the ceiling of any retrieval rule with this scoring,
and `agree_at_3`, the share of labelled texts whose first three suggestions from retrieval are
the exhaustive first three.
`--misses` prints every miss of the new matcher (labelled issues alone) with the scores.

Why the comparison is fair: both matchers see the same information — the old one's text of an
issue is its title plus the summaries of its merged reports (in place of the description, which
these issues do not have), the new one's profile is built from the same title and reports — and
both run through the same database and answer the same texts, the old one with its own candidate
rule (the 3,000 most recently reported open issues, as `issues_similar_to` had) and thresholds.

Speed: the generated issues (titles and one merged report each, made of lexicon aliases and
common words from jieba's dictionary) are written in bulk, their profiles built with the same
analysis; each labelled text is then asked three times of each matcher through its full path (the
selector the page and the API call, with highlighting).  Ends with key=value lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

from bench.common import bench_database  # noqa: E402  (after the path is set)
from bench.common import timed  # noqa: E402  (after the path is set)

OLD_CANDIDATES = 3000  # the old selector's cap: the most recently reported open issues
ROUNDS = 3


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="20,000 open issues")
    parser.add_argument("--issues", type=int, default=None)
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument(
        "--misses", action="store_true", help="print each set's misses (labelled issues alone)"
    )
    parser.add_argument(
        "--alone", action="store_true", help="quality of each set alone only (no crowd, no speed)"
    )
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    args = parser.parse_args()
    n_issues = args.issues or (20_000 if args.quick else 100_000)

    import django

    django.setup()
    with bench_database("similar_bench", keepdb=args.keepdb) as is_postgres:
        SHOW_MISSES[0] = args.misses
        ALONE_ONLY[0] = args.alone
        ONLY_SETS.extend(name for name in args.sets.split(",") if name)
        return run(n_issues, is_postgres)


# --- the matcher that shipped before, as it was --------------------------------------------------


def old_similar(text: str, *, limit: int = 5) -> list[tuple[int, float]]:
    """The old `issues_similar_to`: bigram ranking of the 3,000 most recently reported open issues,
    titles first, then title + description text (here: the merged reports' summaries)."""
    from cxops import similarity
    from cxops.models import ExperienceIssue
    from cxops.models import IssueStatus

    if not similarity.shingles(text):
        return []
    rows = list(
        ExperienceIssue.objects.exclude(status=IssueStatus.CLOSED)
        .order_by("-last_reported_at", "-id")
        .values_list("pk", "title", "description")[:OLD_CANDIDATES]
    )
    extra_text = _merged_summaries([row[0] for row in rows])
    matches = similarity.rank(text, ((row[0], row[1]) for row in rows), limit=limit)
    if len(matches) < limit:
        seen = {match.key for match in matches}
        more = similarity.rank(
            text,
            ((row[0], f"{row[1]} {extra_text.get(row[0], '')[:300]}") for row in rows if row[0] not in seen),
            limit=limit,
        )
        matches.extend(more[: limit - len(matches)])
    for match in matches:  # the old selector highlighted every title it returned
        similarity.highlight(match.text, match.shared)
    return [(match.key, match.score) for match in matches]


_summaries_cache: dict[int, str] = {}


def _merged_summaries(issue_ids: list[int]) -> dict[int, str]:
    """What stands in for the description: the merged reports' summaries (read once, like a column)."""
    from cxops.models import ExperienceReport
    from cxops.models import ReportStatus

    missing = [pk for pk in issue_ids if pk not in _summaries_cache]
    if missing:
        for pk in missing:
            _summaries_cache[pk] = ""
        for issue_id, summary in ExperienceReport.objects.filter(
            issue_id__in=missing, status=ReportStatus.LINKED
        ).values_list("issue_id", "summary"):
            _summaries_cache[issue_id] = (_summaries_cache[issue_id] + " " + summary).strip()
    return {pk: _summaries_cache[pk] for pk in issue_ids}


_user: list = []


def new_similar(text: str, *, limit: int = 5) -> list[tuple[int, float]]:
    import inspect

    from cxops.selectors.reports import issues_similar_to

    # the selector the page and the API call, as the bench user sees it (with region scoping,
    # it takes the user; before, it did not)
    extra = {"user": _user[0]} if "user" in inspect.signature(issues_similar_to).parameters else {}
    return [(match.issue_id, match.score) for match in issues_similar_to(text, limit=limit, **extra)]


def retrieved(queries) -> float:  # noqa: ANN001
    """The share of labelled texts whose true issue is among the candidates retrieval hands to
    scoring (before any ranking): what the index can find at all."""
    from cxops.selectors.matching import _candidates
    from cxops.selectors.matching import current_lexicon
    from cxops.selectors.matching import term_statistics

    statistics = term_statistics()
    found = total = 0
    for text, truth in queries:
        if truth is None:
            continue
        total += 1
        terms = current_lexicon().analyse(text).bag()
        found += any(
            issue_id == truth for issue_id, _bag in _candidates(terms, statistics, include_closed=False)
        )
    return round(found / total, 3) if total else 1.0


def exhaustive(queries) -> dict[str, float]:  # noqa: ANN001
    """What no retrieval rule can beat: every open profile sharing any term of the text scored by
    `rank` (no cap; offline, slow): recall@1 / @3 of that, and `agree_at_3`, the share of labelled
    texts whose first three suggestions from retrieval are the exhaustive first three."""
    from cxops.matching.analysis import rank
    from cxops.models import IssueMatchProfile
    from cxops.models import IssueMatchTerm
    from cxops.models import IssueStatus
    from cxops.selectors.matching import THRESHOLD
    from cxops.selectors.matching import _candidates
    from cxops.selectors.matching import current_lexicon
    from cxops.selectors.matching import term_statistics

    statistics = term_statistics()
    first = top3 = agree = total = 0
    for text, truth in queries:
        if truth is None:
            continue
        total += 1
        terms = current_lexicon().analyse(text).bag()
        holders = IssueMatchTerm.objects.filter(term__in=list(terms)).values("issue_id")
        every = (
            (issue_id, Counter(profile.split()))
            for issue_id, profile in IssueMatchProfile.objects.filter(issue_id__in=holders)
            .exclude(issue__status=IssueStatus.CLOSED)
            .values_list("issue_id", "terms")
            .iterator(chunk_size=2000)
        )
        best = [item.key for item in rank(terms, every, statistics, limit=3, threshold=THRESHOLD)]
        found = [
            item.key
            for item in rank(
                terms,
                _candidates(terms, statistics, include_closed=False),
                statistics,
                limit=3,
                threshold=THRESHOLD,
            )
        ]
        first += best[:1] == [truth]
        top3 += truth in best
        agree += found == best
    return {
        "recall_at_1": round(first / total, 3) if total else 1.0,
        "recall_at_3": round(top3 / total, 3) if total else 1.0,
        "agree_at_3": round(agree / total, 3) if total else 1.0,
    }


# --- loading -------------------------------------------------------------------------------------


def labelled(user, product, channel, cases) -> tuple[list[int], list[tuple[str, int | None]]]:  # noqa: ANN001
    """The labelled issues through the services; returns their ids and (text, true issue id) pairs."""
    from cxops.services.reports import report_create
    from cxops.services.triage import issue_create
    from cxops.services.triage import reports_merge

    ids, queries = [], []
    when = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    for n, case in enumerate(cases.ISSUES):
        issue = issue_create(actor=user, title=case["title"])
        report, _created = report_create(
            actor=user,
            product=product,
            channel=channel,
            source_type="complaint",
            layer="functional",
            stage="use",
            summary=case["merged"],
            occurred_at=when - dt.timedelta(days=n * 20),
        )
        reports_merge(actor=user, report_ids=[report.pk], issue=issue)
        ids.append(issue.pk)
        queries.extend((text, issue.pk) for text in case["new"])
    queries.extend((text, None) for text in cases.UNRELATED)
    return ids, queries


def unload(ids: list[int]) -> None:
    """Take a labelled set out again (so that each set is measured alone)."""
    from cxops.models import ExperienceIssue
    from cxops.models import ExperienceReport
    from cxops.selectors.matching import forget_term_statistics

    ExperienceReport.objects.filter(issue_id__in=ids).delete()
    ExperienceIssue.objects.filter(pk__in=ids).delete()
    forget_term_statistics()


def crowd(n: int, user) -> None:  # noqa: ANN001
    """`n` generated open issues with one merged report's summary each, profiles built in bulk."""
    import jieba
    from django.db import connection
    from django.db import transaction

    from cxops.matching.builtin_lexicon import BUILTIN_CONCEPTS
    from cxops.models import ExperienceIssue
    from cxops.selectors.matching import current_lexicon
    from cxops.services.matching import _profile_terms
    from cxops.services.matching import issue_profiles_write

    rng = random.Random(2026)
    aliases = [[a for a in concept[3] if "*" not in a] for concept in BUILTIN_CONCEPTS]
    words = []
    with jieba.get_dict_file() as dictionary:
        for line in dictionary:
            word, frequency, _tag = line.decode("utf-8").split()
            if len(word) == 2 and int(frequency) > 2000:
                words.append(word)
    lexicon = current_lexicon()

    def phrase() -> str:
        picked = [rng.choice(rng.choice(aliases)) for _ in range(rng.randint(1, 3))]
        picked += [rng.choice(words) for _ in range(rng.randint(1, 3))]
        rng.shuffle(picked)
        return "".join(picked)[:200]

    start = dt.datetime(2024, 12, 1, tzinfo=dt.UTC)
    batch = 5_000
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        titles = [phrase() for _ in range(size)]
        summaries = [phrase() for _ in range(size)]
        with transaction.atomic():
            issues = ExperienceIssue.objects.bulk_create(
                [
                    ExperienceIssue(
                        title=title,
                        created_by=user,
                        report_count=1,
                        last_reported_at=start + dt.timedelta(minutes=rng.randint(0, 730 * 24 * 60)),
                    )
                    for title in titles
                ]
            )
            issue_profiles_write(
                profiles=[
                    (
                        issue.pk,
                        _profile_terms(lexicon=lexicon, title=title, description="", summaries=[summary]),
                        1,
                    )
                    for issue, title, summary in zip(issues, titles, summaries, strict=True)
                ]
            )
        for issue, summary in zip(issues, summaries, strict=True):
            _summaries_cache[issue.pk] = summary
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cxops_experienceissue")
            cursor.execute("ANALYZE cxops_issuematchprofile")
            # the visibility map too (autovacuum's insert threshold does this on a live system),
            # so that the postings are read from their index alone
            cursor.execute("VACUUM ANALYZE cxops_issuematchterm")


# --- measuring -----------------------------------------------------------------------------------


SHOW_MISSES: list[bool] = [False]
ALONE_ONLY: list[bool] = [False]
ONLY_SETS: list[str] = []


def quality(matcher, queries, *, show: bool = False) -> dict[str, float]:  # noqa: ANN001
    from cxops.models import ExperienceIssue

    first = top3 = related = 0
    silent = silent_right = unrelated = 0
    true_scores, unrelated_scores = [], []
    for text, truth in queries:
        suggested = matcher(text, limit=5)
        ranked = [issue_id for issue_id, _score in suggested]
        if truth is None:
            unrelated += 1
            unrelated_scores.append(suggested[0][1] if suggested else 0.0)
        else:
            related += 1
            true_scores.append(dict(suggested).get(truth, 0.0))
            first += ranked[:1] == [truth]
            top3 += truth in ranked[:3]
        if not ranked:
            silent += 1
            silent_right += truth is None
        if show and SHOW_MISSES[0]:
            from cxops.selectors.matching import issues_matching

            scores = [(m.issue_id, m.score) for m in issues_matching(text, limit=3, threshold=0.0)]
            print(
                f"# score: {'hit' if ranked[:1] == [truth] else 'unrelated' if truth is None else 'miss'} {scores[0][1] if scores else 0} {dict(scores).get(truth, 0)}"
            )
        if show and SHOW_MISSES[0] and (ranked[:1] != [truth] if truth else ranked):
            titles = dict(
                ExperienceIssue.objects.filter(pk__in=[*ranked[:3], truth or 0]).values_list("pk", "title")
            )
            print(f"# miss: {text} -> {[titles.get(pk) for pk in ranked[:3]]} (true: {titles.get(truth)})")
    return {
        "recall_at_1": round(first / related, 3),
        "recall_at_3": round(top3 / related, 3),
        "no_suggestion_precision": round(silent_right / silent, 3) if silent else 1.0,
        "no_suggestion_count": silent,
        "unrelated_silent": round(silent_right / unrelated, 3) if unrelated else 1.0,
        "unrelated_below_true": _below(unrelated_scores, true_scores),
    }


def _below(unrelated_scores: list[float], true_scores: list[float]) -> float:
    """Of every (unrelated complaint, labelled text) pair, the share in which the unrelated
    complaint's best suggestion scores below the labelled text's true issue (nothing suggested, or
    the true issue not among the five suggested, is a score of 0; a tie at 0 is not below)."""
    pairs = [(u, t) for u in unrelated_scores for t in true_scores]
    return round(sum(u < t for u, t in pairs) / len(pairs), 3) if pairs else 1.0


def latency(matcher, queries) -> dict[str, float]:  # noqa: ANN001
    samples = []
    for _round in range(ROUNDS):
        for text, _truth in queries:
            started = time.perf_counter()
            matcher(text, limit=5)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "max_ms": round(samples[-1], 1),
    }


def run(n_issues: int, is_postgres: bool) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cxops.models import Channel
    from cxops.models import Product
    from cxops.roles import Role
    from cxops.selectors.matching import forget_term_statistics
    from cxops.selectors.matching import term_statistics
    from cxops.services.reference import reference_data_seed

    reference_data_seed()
    user = get_user_model().objects.create_user("bench-analyst")
    user.groups.add(Group.objects.get_or_create(name=Role.ANALYST)[0])
    _user.append(user)
    product, channel = Product.objects.order_by("pk").first(), Channel.objects.order_by("pk").first()

    from bench import similar_agent
    from bench import similar_cases
    from bench import similar_fresh
    from bench import similar_heldout
    from bench import similar_unseen

    sets = {
        "tuning": similar_cases,
        "heldout": similar_heldout,
        "fresh": similar_fresh,
        "unseen": similar_unseen,
        "agent": similar_agent,
    }
    if ONLY_SETS:
        sets = {name: cases for name, cases in sets.items() if name in ONLY_SETS}
    alone: dict[str, dict[str, dict[str, float]]] = {}
    for set_name, cases in sets.items():  # each set alone, as the acceptance test has it
        ids, queries = timed(
            f"{set_name} set through the services", lambda c=cases: labelled(user, product, channel, c)
        )
        forget_term_statistics()
        alone[set_name] = {
            "new": quality(new_similar, queries, show=True),
            "old": quality(old_similar, queries),
        }
        for name, figures in alone[set_name].items():
            print(f"# {set_name} set, {name} matcher, labelled issues alone: {figures}", flush=True)
        unload(ids)
    _summaries_cache.clear()
    if ALONE_ONLY[0]:
        for set_name in sets:
            for name in ("new", "old"):
                for key, value in alone[set_name][name].items():
                    print(f"{set_name}_{name}_{key}={value}")
        return 0

    loaded = {name: labelled(user, product, channel, cases) for name, cases in sets.items()}
    every_query = [query for _ids, queries in loaded.values() for query in queries]
    n_labelled = sum(len(ids) for ids, _queries in loaded.values())
    timed(f"{n_issues:,} generated issues and profiles", lambda: crowd(n_issues - n_labelled, user))
    forget_term_statistics()
    timed("corpus statistics (first request of a process)", term_statistics)
    for matcher in (new_similar, old_similar):  # warm: jieba, the lexicon, caches, the old summaries
        for text, _truth in every_query[:5]:
            matcher(text)
    in_crowd = {
        set_name: {"new": quality(new_similar, queries), "old": quality(old_similar, queries)}
        for set_name, (_ids, queries) in loaded.items()
    }
    reach = {set_name: retrieved(queries) for set_name, (_ids, queries) in loaded.items()}
    ceiling = {set_name: exhaustive(queries) for set_name, (_ids, queries) in loaded.items()}
    speed = {"new": latency(new_similar, every_query), "old": latency(old_similar, every_query)}
    for set_name in sets:
        for name in ("new", "old"):
            print(
                f"# {set_name} set, {name} matcher at {n_issues:,} open issues: {in_crowd[set_name][name]}",
                flush=True,
            )
    for name in ("new", "old"):
        print(f"# {name} matcher speed at {n_issues:,} open issues: {speed[name]}", flush=True)

    print(f"database={'postgresql' if is_postgres else 'sqlite'}")
    print(f"open_issues={n_issues}")
    for set_name, (_ids, queries) in loaded.items():
        print(f"{set_name}_labelled_texts={sum(1 for _t, truth in queries if truth is not None)}")
        print(f"{set_name}_unrelated_texts={sum(1 for _t, truth in queries if truth is None)}")
        for name in ("new", "old"):
            for key, value in alone[set_name][name].items():
                print(f"{set_name}_{name}_{key}={value}")
            for key, value in in_crowd[set_name][name].items():
                print(f"{set_name}_{name}_crowd_{key}={value}")
        print(f"{set_name}_new_crowd_retrieved={reach[set_name]}")
        for key, value in ceiling[set_name].items():
            print(f"{set_name}_new_crowd_exhaustive_{key}={value}")
    for name in ("new", "old"):
        for key, value in speed[name].items():
            print(f"{name}_{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
