"""Bulk imports: one reusable core, one handler per kind of file.

The core (`core.py`) does everything that is the same for every file: it detects the encoding
(UTF-8 with or without BOM, GB18030/GBK as Excel in China writes it, UTF-16 "Unicode text"),
reads the CSV, applies the source system's saved column and value mappings, reports every rejected
row with its line number and reason, writes in chunks — each chunk, its rejected rows and the
job's checkpoint commit together, so a crash loses nothing and a re-run resumes after the last
committed chunk — and records progress on the `ImportJob`.

Plugging in a handler (e.g. metric data in `cxops/services/imports/metrics.py`)::

    from cxops.models import ImportKind
    from cxops.services.imports.core import ImportHandler, RowRejected, TargetField, register_handler
    from cxops.services.imports.writers import insert_ignoring_conflicts

    @register_handler
    class MetricHandler(ImportHandler):
        kind = ImportKind.METRICS
        fields = (
            TargetField("day", _("Day"), required=True, aliases=("日期", "date")),
            TargetField("product", _("Product"), required=True, value_mapped=True, aliases=("产品",)),
            ...
        )

        def prepare(self, *, job):          # load lookups once per run
            ...
        def value_targets(self, field):     # [(code, label)] a value can be mapped to, for the UI
            ...
        def parse(self, values, *, line):   # {field: text} -> a record; raise RowRejected(reason)
            ...
        def key(self, record):              # identity within the file (later duplicates are skipped)
            ...
        def write(self, records, *, job):   # bulk write in the caller's transaction; return rows added
            return insert_ignoring_conflicts(table=..., columns=..., rows=...)

The handler module must be imported for `register_handler` to run: add it to `HANDLER_MODULES`
below.  Then `import_job_create(kind=ImportKind.METRICS, ...)`, the upload pages, the
`import_reports`-style command and the Celery task all work for it unchanged.
"""

from __future__ import annotations

HANDLER_MODULES = [
    "cxops.services.imports.reports",
    "cxops.services.imports.metrics",
]
