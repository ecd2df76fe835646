"""The Celery application.  Configuration lives in settings (CELERY_* keys), beat schedule included."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

app = Celery("cxops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _outbox_message_started(task_id=None, **_kwargs):
    """A worker began a task sent through the outbox: its message may now be forgotten."""
    from cxops.services.outbox import outbox_message_started  # noqa: PLC0415

    outbox_message_started(task_id=task_id)
