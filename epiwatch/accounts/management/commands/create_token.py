"""Issue an API token for a user, or revoke one.

    epiwatch create_token alice --name "lab LIS"   # prints the token once on stdout, a summary on stderr
    epiwatch create_token --revoke ew_AbCdE         # revokes the token with that prefix
    epiwatch create_token alice --revoke ew_AbCdE   # the same, limited to alice's tokens

Only the token's hash is stored: the token itself cannot be shown again, issue a new one instead. The prefix (its
first 8 characters) identifies it for revoking. Exits 1 for an unknown or inactive user, or a prefix that matches
no active token or several.
"""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from epiwatch.accounts import audit
from epiwatch.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API token for USER (printed once), or revoke one with --revoke PREFIX."

    def add_arguments(self, parser):
        parser.add_argument("user", nargs="?", help="username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'lab LIS'")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the active token whose prefix this is")
        parser.add_argument("--dry-run", action="store_true", help="check everything, change nothing")

    def handle(self, *args, user=None, name="", revoke=None, dry_run=False, **options):
        with audit.acting(via="command"), transaction.atomic():
            if revoke:
                self._revoke(revoke.strip(), user, dry_run)
            else:
                if not user:
                    raise CommandError("Give a username (or --revoke PREFIX).")
                self._issue(user, name, dry_run)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Unknown user {username!r}.")
        return user

    def _issue(self, username: str, name: str, dry_run: bool) -> None:
        user = self._user(username)
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated: a token would not work.")
        if dry_run:
            self.stderr.write(f"Dry run: would issue a token for {username}.")
            return
        token, raw = ApiToken.issue(user, name=name)
        self.stdout.write(raw)
        self.stderr.write(
            f"Issued token {token.prefix} for {username}"
            + (f" ({name})" if name else "")
            + ": it is shown only this once, store it now."
        )

    def _revoke(self, prefix: str, username: str | None, dry_run: bool) -> None:
        tokens = ApiToken.objects.filter(prefix=prefix, revoked_at=None).select_related("user")
        if username:
            tokens = tokens.filter(user=self._user(username))
        found = list(tokens[:2])
        if not found:
            raise CommandError(
                f"No active token starts with {prefix!r}" + (f" for {username}." if username else ".")
            )
        if len(found) > 1:
            raise CommandError(f"Several active tokens start with {prefix!r}: give the username too.")
        token = found[0]
        if dry_run:
            self.stdout.write(f"Dry run: would revoke token {token.prefix} of {token.user.username}.")
            return
        token.revoke()
        self.stdout.write(f"Revoked token {token.prefix} of {token.user.username}.")
