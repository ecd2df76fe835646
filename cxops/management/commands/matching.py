from django.core.management.base import BaseCommand

from cxops.services.matching import match_profiles_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild every issue's matching profile (title, description, merged reports) with the lexicon "
        "in force: once after upgrading to matching by meaning, and after bulk changes made outside the "
        "services.  A lexicon change in the admin queues the same rebuild by itself."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"profiles rebuilt: {match_profiles_rebuild()}"))
