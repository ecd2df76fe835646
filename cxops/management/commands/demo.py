"""`python manage.py demo`: migrate and load demo data.  Idempotent: run it as often as you like.

Each floor has a `demo` module with `load(users=..., log=...)`; they run ground floor first (each
builds on the data below it).  They are named, not imported: the ground floor imports no higher
floor (the settings and the root URL conf name them the same way).
"""

from __future__ import annotations

import importlib

from django.core.management import call_command
from django.core.management.base import BaseCommand

from cxops.demo import DEMO_PASSWORD
from cxops.demo import DEMO_USERS
from cxops.demo import demo_users
from cxops.models import Notification
from cxops.services.notifications import notification_mark_read

DEMO_UNREAD_KEPT = 5
DEMO_MODULES = ("cxops.demo", "proposals.demo", "rules_lifecycle.demo")


class Command(BaseCommand):
    help = "Migrate the database and load realistic demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-migrate", action="store_true", help="Skip running migrations first.")

    def handle(self, *args, **options):
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        users = demo_users()

        def log(message: str) -> None:
            self.stdout.write(f"  {message}")

        for module_name in DEMO_MODULES:
            self.stdout.write(f"{module_name.partition('.')[0]}:")
            importlib.import_module(module_name).load(users=users, log=log)

        # A demo account arrives as someone who has been reading: the newest few unread, the rest
        # read (two years of history would otherwise greet the analyst with dozens of unread items).
        for user in users.values():
            unread = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by(
                "-created_at", "-id"
            )
            older = list(unread.values_list("pk", flat=True)[DEMO_UNREAD_KEPT:])
            if older:
                notification_mark_read(user=user, notification_ids=older)

        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of these accounts:"))
        for username, role, full_name, _email in DEMO_USERS:
            self.stdout.write(f"  {username:<16} / {DEMO_PASSWORD:<6} {role.label} ({full_name})")
