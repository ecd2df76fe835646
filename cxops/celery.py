"""The Celery application.  Configuration lives in settings (CELERY_* keys), beat schedule included."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

app = Celery("cxops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
