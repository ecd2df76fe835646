"""Send today's daily notification digests (what the beat task does at CXOPS_DIGEST_HOUR); running it
again the same day sends nothing more."""

from django.core.management.base import BaseCommand

from cxops.services.notifications import notification_digests_send


class Command(BaseCommand):
    help = "Send each user who chose the daily digest one e-mail with their waiting notifications."

    def handle(self, *args, **options):
        sent = notification_digests_send()
        self.stdout.write(f"digests sent: {sent}")
