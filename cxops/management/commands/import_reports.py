"""Import experience reports from a CSV file, with the source system's saved mapping.

    python manage.py import_reports hotline.csv --source-system 10086客服系统
    python manage.py import_reports hotline.csv --source-system 10086客服系统 --map external_id=工单号 \
        --value product:飞信业务=fetion --value layer:=functional --save-mapping
    python manage.py import_reports --resume 42        # finish a job that stopped midway

The file is read where it lies (not copied into the database).  Runs in this process by default;
`--background` queues it for the Celery workers instead.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.core.management.base import CommandParser

from cxops.errors import ApplicationError
from cxops.models import ImportJob
from cxops.models import ImportKind
from cxops.services.imports.core import handler_for
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_discard
from cxops.services.imports.core import import_job_preview
from cxops.services.imports.core import import_job_run
from cxops.services.imports.core import import_job_set_mapping
from cxops.services.imports.core import import_job_start
from cxops.services.imports.core import missing_required


class Command(BaseCommand):
    help = "Import experience reports from a CSV file (UTF-8 with or without BOM, or GBK/GB18030)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="CSV file")
        parser.add_argument("--source-system", help="where the file comes from (its saved mapping is used)")
        parser.add_argument(
            "--map", action="append", default=[], metavar="FIELD=COLUMN", help="column mapping"
        )
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="FIELD:SOURCE=CODE",
            help="value mapping; empty SOURCE = default",
        )
        parser.add_argument(
            "--save-mapping", action="store_true", help="remember --map/--value for the source system"
        )
        parser.add_argument("--user", help="username recorded as having started the import (an analyst)")
        parser.add_argument(
            "--preview",
            action="store_true",
            help="show the first rows as they would be imported; write nothing",
        )
        parser.add_argument("--resume", type=int, metavar="JOB_ID", help="resume a job that stopped midway")
        parser.add_argument(
            "--background", action="store_true", help="queue for the Celery workers and return"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume"]:
            job = ImportJob.objects.filter(pk=options["resume"]).first()
            if job is None:
                raise CommandError(f"No import job {options['resume']}.")
            return self._run(job, options)
        if not options["path"] or not options["source_system"]:
            raise CommandError("Give a CSV file and --source-system (or --resume JOB_ID).")
        path = Path(options["path"]).resolve()
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']}.")
        try:
            job = import_job_create(
                actor=actor,
                kind=ImportKind.REPORTS,
                source_system=options["source_system"],
                original_name=path.name,
                source_path=str(path),
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        column_map, value_maps = dict(job.column_map), {k: dict(v) for k, v in job.value_maps.items()}
        for item in options["map"]:
            field, _sep, column = item.partition("=")
            column_map[field.strip()] = column.strip()
        for item in options["value"]:
            field_source, _sep, code = item.partition("=")
            field, _sep, source = field_source.partition(":")
            value_maps.setdefault(field.strip(), {})[source] = code.strip()
        handler = handler_for(job.kind)
        job = import_job_set_mapping(
            actor=actor, job=job, column_map=column_map, value_maps=value_maps, save=options["save_mapping"]
        )
        self.stdout.write(f"job {job.pk}: {job.encoding}, {job.total_lines} lines, columns {job.column_map}")
        missing = missing_required(handler, job.column_map, job.value_maps)
        if options["preview"] or missing:
            preview = import_job_preview(job=job)
            for row in preview.rows:
                self.stdout.write(f"  line {row.line}: {row.rejected or 'ok'}")
            for field, values in preview.unresolved.items():
                self.stdout.write(f"  unmapped {field} values: {'、'.join(values)}")
            import_job_discard(job=job)
            if missing:
                raise CommandError(
                    "No column for: " + ", ".join(t.name for t in missing) + " (use --map / --value)."
                )
            return None
        try:
            job = import_job_start(actor=actor, job=job, enqueue=options["background"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if options["background"]:
            self.stdout.write(f"job {job.pk} queued")
            return None
        return self._run(job, options)

    def _run(self, job: ImportJob, options: dict[str, Any]) -> None:
        started = time.monotonic()

        def progress(current: ImportJob) -> None:
            self.stderr.write(f"  … line {current.processed_lines} of {job.total_lines}")

        try:
            job = import_job_run(job_id=job.pk, progress=progress if sys.stderr.isatty() else None)
        except Exception as error:
            raise CommandError(f"job {job.pk} stopped: {error}. Resume with --resume {job.pk}.") from error
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"job {job.pk} {job.status}: {job.inserted} added, {job.duplicates} already present, "
            f"{job.rejected} rejected of {job.rows_seen} rows in {elapsed:.1f} s"
        )
        if job.rejected:
            self.stdout.write(f"rejected rows: /sense/imports/{job.pk}/rejected.csv")
