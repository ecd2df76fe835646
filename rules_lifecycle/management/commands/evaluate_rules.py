import datetime as dt
from collections import Counter

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.utils import timezone

from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.selectors.evaluation import evaluable_rule_ids
from rules_lifecycle.services.evaluation import DEFAULT_BATCH_SIZE
from rules_lifecycle.services.evaluation import evaluation_run_dispatch
from rules_lifecycle.services.evaluation import evaluation_run_start
from rules_lifecycle.services.evaluation import rules_evaluate


class Command(BaseCommand):
    help = (
        "Evaluate running rules now (the same code as the nightly run). By default in this process; "
        "--queue hands the batches to the Celery workers instead. Safe to repeat: unchanged rules are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="evaluation date, YYYY-MM-DD (default: today)")
        parser.add_argument("--rule", type=int, action="append", help="only this rule id (repeatable)")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument("--queue", action="store_true", help="send batches to the workers")

    def handle(self, *args, **options):
        try:
            run_on = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date: {error}") from error
        rule_ids = options["rule"] or evaluable_rule_ids()
        run = evaluation_run_start(trigger=RunTrigger.COMMAND, run_on=run_on, rules_planned=len(rule_ids))
        size = max(1, options["batch_size"])
        if options["queue"]:
            tasks = evaluation_run_dispatch(run=run, rule_ids=rule_ids, batch_size=size)
            self.stdout.write(f"run {run.pk} ({run_on}): {len(rule_ids)} rules queued in {tasks} tasks")
            return
        written = sum(
            rules_evaluate(run=run, rule_ids=rule_ids[i : i + size]) for i in range(0, len(rule_ids), size)
        )
        verdicts = Counter(RuleEvaluation.objects.filter(run=run).values_list("verdict", flat=True))
        summary = ", ".join(f"{verdict} {count}" for verdict, count in sorted(verdicts.items())) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"run {run.pk} ({run_on}): {len(rule_ids)} rules, {written} results written "
                f"({len(rule_ids) - written} unchanged or not live); verdicts: {summary}"
            )
        )
