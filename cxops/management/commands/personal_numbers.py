"""Mask personal numbers in texts stored before masking covered them (PIPL, issue 18).

    manage.py personal_numbers mask [--dry-run]

New texts are masked by the services that store them (cxops/personal_numbers.py).  Rows written
earlier — a comment that kept a full mobile number, a report imported before ID and card numbers
were masked — and their history rows are masked here, in place, by queryset updates (no new
history rows, no notifications).  Safe to run again: masked text is left as it is.  Prints how
many values changed per table and field (never the values), and writes one audit line.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.core.management.base import CommandParser
from django.db import transaction

from cxops.personal_numbers import mask_personal_numbers
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record

# Every stored user text, by model label (resolved at run time: the ground floor names the floors
# above without importing them).  History tables of these models are masked too.
PERSONAL_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "cxops.ExperienceReport": ("summary", "detail", "dismiss_reason"),
    "cxops.ExperienceIssue": ("title", "description"),
    "cxops.ImportRejectedRow": ("raw",),
    "proposals.Strategy": (
        "title", "experience_event", "strategy_text", "body", "official_answer", "search_document",
    ),
    "proposals.Revision": ("title", "experience_event", "strategy_text", "body", "summary"),
    "proposals.Comment": ("body", "hidden_reason"),
    "proposals.CommentEdit": ("previous_body",),
    "proposals.StatusChange": ("reason",),
    "proposals.Vote": ("reason",),
    "rules_lifecycle.ExperienceRule": (
        "name", "trigger_event", "trigger_condition", "trigger_action", "trigger_notes",
    ),
    "rules_lifecycle.RuleTransition": ("reason",),
    "rules_lifecycle.RuleGoLiveBackfill": ("reason",),
}  # fmt: skip

# A value can hold a personal number only if it has a run of digits this long (a phone split in
# groups of 3-4 still has one); the database filters on it so most rows are never read.
DIGIT_RUN = r"[0-9０-９]{3}"


def _models(label: str):
    try:
        model = apps.get_model(label)
    except LookupError:
        return []
    history = getattr(model, "history", None)
    found = [model]
    if history is not None and hasattr(history, "model"):
        found.append(history.model)
    return found


class Command(BaseCommand):
    help = "Mask resident ID, bank card and phone numbers in texts stored before they were masked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["mask"])
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        total = 0
        lines: list[str] = []
        with transaction.atomic():
            for label, fields in PERSONAL_TEXT_FIELDS.items():
                for model in _models(label):
                    present = [
                        f for f in fields if any(field.name == f for field in model._meta.concrete_fields)
                    ]
                    for field in present:
                        changed = self._mask(model, field, dry_run=dry_run)
                        if changed:
                            lines.append(f"{model._meta.db_table}.{field}: {changed}")
                            total += changed
            if total and not dry_run:
                audit_record(
                    actor=None,
                    actor_name="manage.py",
                    action=AuditAction.ADMIN_CHANGE,
                    summary="personal numbers masked in stored texts: " + "; ".join(lines),
                )
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"{'would mask' if dry_run else 'masked'} {total} value(s)")

    def _mask(self, model, field: str, *, dry_run: bool) -> int:
        pk = model._meta.pk.attname
        rows = model.objects.filter(**{f"{field}__regex": DIGIT_RUN}).values_list(pk, field)
        # Read first, then write: no update while the read's cursor is open (SQLite).
        changes = [
            (key, masked)
            for key, value in rows.iterator(chunk_size=2000)
            if (masked := mask_personal_numbers(value or "")) != (value or "")
        ]
        if not dry_run:
            for key, masked in changes:
                model.objects.filter(**{pk: key}).update(**{field: masked})
        return len(changes)
