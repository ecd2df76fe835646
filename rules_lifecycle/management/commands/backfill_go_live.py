"""Record the real go-live dates of rules that ran before cxops was adopted, from the command line.

The same service as the rule page and the API (`rule_backfill_go_live`): the acting user must be
the rule's owner or a manager, a reason is required, and each rule is evaluated again after it.

    python manage.py backfill_go_live --as manager 42 2024-03-18 --reason "CMP 发布单 #4411"
    python manage.py backfill_go_live --as manager --csv go_live.csv   # columns: rule,go_live_on,reason
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from cxops.errors import ApplicationError
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.services.rules import rule_backfill_go_live


class Command(BaseCommand):
    help = (
        "Record the real go-live date of running rules that went live before cxops (owner or manager, "
        "with a reason); each is evaluated again on its real windows."
    )

    def add_arguments(self, parser):
        parser.add_argument("rule", nargs="?", type=int, help="rule id")
        parser.add_argument("go_live_on", nargs="?", help="the real go-live date, YYYY-MM-DD")
        parser.add_argument("--reason", default="", help="where the date comes from (required)")
        parser.add_argument("--as", dest="actor", required=True, help="username of the owner or manager")
        parser.add_argument(
            "--csv", help="a UTF-8 CSV with columns rule,go_live_on,reason (one rule per row)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"--as: no active user {options['actor']!r}")
        if options["csv"]:
            if options["rule"] is not None:
                raise CommandError("give either a rule and a date, or --csv")
            with Path(options["csv"]).open(encoding="utf-8-sig", newline="") as handle:
                rows = [(line, row) for line, row in enumerate(csv.DictReader(handle), start=2)]
        elif options["rule"] is not None and options["go_live_on"]:
            rows = [
                (
                    0,
                    {
                        "rule": str(options["rule"]),
                        "go_live_on": options["go_live_on"],
                        "reason": options["reason"],
                    },
                )
            ]
        else:
            raise CommandError("give a rule id and a date (YYYY-MM-DD), or --csv")
        failed = 0
        for line, row in rows:
            where = f"line {line}: " if line else ""
            try:
                self._one(actor=actor, row=row)
            except (ApplicationError, ValueError, ExperienceRule.DoesNotExist) as error:
                failed += 1
                self.stderr.write(f"{where}rule {row.get('rule')}: {error}")
                continue
            self.stdout.write(f"{where}rule {row['rule']}: go-live recorded as {row['go_live_on'].strip()}")
        if failed:
            raise CommandError(f"{failed} of {len(rows)} not recorded (nothing was changed for those)")

    def _one(self, *, actor: Any, row: dict[str, str]) -> None:
        rule_id = (row.get("rule") or "").strip()
        if not (rule_id.isascii() and rule_id.isdigit()):
            raise ValueError(f"not a rule id: {rule_id!r}")
        day = dt.date.fromisoformat((row.get("go_live_on") or "").strip())
        rule = ExperienceRule.objects.get(pk=int(rule_id))
        rule_backfill_go_live(rule=rule, actor=actor, go_live_on=day, reason=row.get("reason") or "")
