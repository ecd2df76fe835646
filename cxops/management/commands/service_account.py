"""Service accounts from the server's command line (the operator acts; recorded in the audit log).

    manage.py service_account create NAME --scopes reports:write[,metrics:write] [--expires 2027-06-30]
    manage.py service_account revoke NAME
    manage.py service_account list

`create` makes the account if it does not exist and issues a new token, printed alone on the last
line (it is not stored and cannot be shown again).  `revoke` revokes every token of the account.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.core.management.base import CommandParser
from django.utils import timezone

from cxops.errors import ApplicationError
from cxops.models.identity import ServiceAccount
from cxops.services.service_accounts import SCOPES
from cxops.services.service_accounts import service_account_create
from cxops.services.service_accounts import service_account_revoke
from cxops.services.service_accounts import service_token_issue


def _expiry(value: str) -> dt.datetime:
    """A day (valid through its end, local time) or an ISO moment."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--expires: {value!r} is not a date (YYYY-MM-DD)") from None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


class Command(BaseCommand):
    help = "Create service accounts and tokens for touchpoint systems, revoke them, list them."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help="create the account if needed and issue a token")
        create.add_argument("name")
        create.add_argument("--scopes", required=True, help="comma-separated: " + ", ".join(SCOPES))
        create.add_argument("--expires", help="last valid day, YYYY-MM-DD (default: never)")
        create.add_argument("--description", default="")
        revoke = commands.add_parser("revoke", help="revoke every token of the account")
        revoke.add_argument("name")
        commands.add_parser("list", help="accounts and their tokens (never the tokens themselves)")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except (ValidationError, ApplicationError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            raise CommandError("; ".join(str(m) for m in messages)) from None

    def _create(self, options) -> None:
        expires_at = _expiry(options["expires"]) if options.get("expires") else None
        account = ServiceAccount.objects.filter(name=options["name"].strip().lower()).first()
        if account is None:
            account = service_account_create(
                actor=None, name=options["name"], description=options.get("description") or ""
            )
            self.stdout.write(f"Created service account {account.name}.")
        row, token = service_token_issue(
            actor=None, account=account, scopes=options["scopes"], expires_at=expires_at
        )
        self.stdout.write(
            f"Token cxsa_{row.prefix}_… scopes {', '.join(row.scopes)}; "
            f"expires {row.expires_at.isoformat() if row.expires_at else 'never'}. "
            "It is shown once, now:"
        )
        self.stdout.write(token)

    def _revoke(self, options) -> None:
        account = ServiceAccount.objects.filter(name=options["name"].strip().lower()).first()
        if account is None:
            raise CommandError(f"No service account named {options['name']!r}.")
        count = service_account_revoke(actor=None, account=account)
        self.stdout.write(f"Revoked {count} token(s) of {account.name}.")

    def _list(self, options) -> None:
        for account in ServiceAccount.objects.prefetch_related("tokens"):
            self.stdout.write(f"{account.name}\t{account.description}")
            for token in account.tokens.all():
                state = "revoked" if token.revoked_at else ("usable" if token.is_usable() else "expired")
                self.stdout.write(
                    f"  cxsa_{token.prefix}_…\t{','.join(token.scopes)}\t{state}\t"
                    f"last used {token.last_used_at or '-'} from {token.last_used_address or '-'}"
                )
