"""A model change without its migration fails the suite (accounts)."""

from io import StringIO

from django.core.management import call_command
from django.test import TestCase


class MigrationsTestCase(TestCase):
    def test_it_has_a_migration_for_every_model_change(self):
        out = StringIO()
        try:
            call_command("makemigrations", "accounts", "--check", "--dry-run", stdout=out, stderr=StringIO())
        except SystemExit:
            self.fail(f"accounts models changed without a migration:\n{out.getvalue()}")
