"""`python manage.py start`: load the demo data and serve the app, for a first look."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load demo data (idempotent) and start the development server."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--skip-demo", action="store_true")

    def handle(self, *args, **options):
        if not options["skip_demo"]:
            call_command("demo", stdout=self.stdout)
        address = options["addrport"]
        self.stdout.write(
            self.style.SUCCESS(f"\ncxops is starting: open http://{address}/ in your browser.\n")
        )
        call_command("runserver", address, use_reloader=False)
