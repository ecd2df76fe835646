"""One act on a record's timeline: who did it, why and when.

A strategy's status changes, a rule's transitions and a rule's go-live corrections are each such
an act; they add what was done (the move, the date).  The account is kept (PROTECT): the
timeline must still say who acted.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import user_reference


class Act(models.Model):
    actor = user_reference(_("by"))
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True
