"""`epiwatch create_token USER [--name NAME]` and `--revoke PREFIX`."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse

from epiwatch.accounts.models import ApiToken, _hash_token
from epiwatch.testing import BaseTestCase


class CreateTokenTestCase(BaseTestCase):
    def run_command(self, *args):
        out, err = StringIO(), StringIO()
        call_command("create_token", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def exit_code(self, *args):
        """The exit status from the shell: Django's run_from_argv exits with a CommandError's returncode (run
        in-process it would also close the database connection, which the test transaction needs)."""
        with self.assertRaises(CommandError) as refused:
            self.run_command(*args)
        return refused.exception.returncode

    def api_status(self, raw):
        return self.client.get(reverse("api-me"), headers={"Authorization": f"Bearer {raw}"}).status_code

    def test_it_prints_a_working_token_once_and_stores_only_its_hash(self):
        out, err = self.run_command("lab", "--name", "lab LIS")
        raw = out.strip()
        token = ApiToken.objects.get()
        self.assertEqual((token.user, token.name, token.prefix), (self.lab, "lab LIS", raw[:8]))
        self.assertEqual(token.key_hash, _hash_token(raw))
        self.assertNotIn(raw, [token.name, token.prefix, token.key_hash])
        self.assertIn(f"Issued token {token.prefix} for lab (lab LIS)", err)
        self.assertIn("shown only this once", err)
        self.assertEqual(self.api_status(raw), 200)

    def test_it_exits_1_for_an_unknown_user(self):
        self.assertEqual(self.exit_code("nobody"), 1)
        self.assertFalse(ApiToken.objects.exists())

    def test_it_exits_1_for_a_deactivated_user_or_no_user(self):
        self.lab.is_active = False
        self.lab.save()
        self.assertEqual(self.exit_code("lab"), 1)
        self.assertEqual(self.exit_code(), 1)
        self.assertFalse(ApiToken.objects.exists())

    def test_it_revokes_a_token_by_its_prefix(self):
        raw = self.run_command("lab")[0].strip()
        out, _err = self.run_command("--revoke", raw[:8])
        self.assertEqual(out.strip(), f"Revoked token {raw[:8]} of lab.")
        self.assertIsNotNone(ApiToken.objects.get().revoked_at)
        self.assertEqual(self.api_status(raw), 401)
        # revoking again: nothing active has that prefix any more
        self.assertEqual(self.exit_code("--revoke", raw[:8]), 1)

    def test_it_asks_for_the_user_when_a_prefix_is_ambiguous(self):
        lab_token, lab_raw = ApiToken.issue(self.lab)
        commune_token, commune_raw = ApiToken.issue(self.commune)
        ApiToken.objects.filter(pk=commune_token.pk).update(prefix=lab_token.prefix)
        self.assertEqual(self.exit_code("--revoke", lab_token.prefix), 1)
        self.run_command("commune", "--revoke", lab_token.prefix)
        self.assertEqual(self.api_status(commune_raw), 401)
        self.assertEqual(self.api_status(lab_raw), 200)

    def test_it_changes_nothing_on_a_dry_run(self):
        out, err = self.run_command("lab", "--dry-run")
        self.assertEqual(out, "")
        self.assertIn("would issue", err)
        self.assertFalse(ApiToken.objects.exists())
        token, raw = ApiToken.issue(self.lab)
        self.run_command("--revoke", token.prefix, "--dry-run")
        self.assertEqual(self.api_status(raw), 200)
