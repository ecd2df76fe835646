from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from cxops.services.rollups import rollups_rebuild
from cxops.services.rollups import rollups_verify


class Command(BaseCommand):
    help = "Verify the daily report rollups against the raw reports, or rebuild them from scratch."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "rebuild"])

    def handle(self, *args, **options):
        if options["action"] == "rebuild":
            self.stdout.write(f"rebuilt: {rollups_rebuild()}")
        problems = rollups_verify()
        for problem in problems[:50]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} rollup cells differ from the raw reports")
        self.stdout.write(self.style.SUCCESS("rollups match the raw reports"))
