"""Start-up configuration: settings come from the environment and a bad value stops start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

from epiwatch.lib.env import ConfigError, env_bool, env_choice, env_int, env_list, env_str

REPO = Path(__file__).resolve().parents[3]
GOOD_KEY = "k" * 50
SHOW = (
    "import epiwatch.settings as s; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
    "s.DATABASES['default']['ENGINE'], s.AXES_FAILURE_LIMIT)"
)


def start(**env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly these variables (plus PATH and HOME)."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(REPO),
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=REPO, env=clean, capture_output=True, text=True, timeout=60
    )


class SettingsTestCase(SimpleTestCase):
    def assert_refused(self, result, *fragments):
        self.assertNotEqual(result.returncode, 0, result.stdout)
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)
        self.assertIn("ConfigError", result.stderr)

    def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(self):
        result = start(DEBUG="0")
        self.assert_refused(result, "SECRET_KEY is not set")
        # no variable at all means DEBUG off: the same refusal
        self.assert_refused(start(), "SECRET_KEY is not set")

    def test_it_refuses_a_short_secret_key_when_debug_is_off(self):
        self.assert_refused(start(DEBUG="0", SECRET_KEY="short"), "SECRET_KEY must be at least 32 characters")

    def test_it_names_debug_when_its_value_is_not_a_boolean(self):
        result = start(DEBUG="maybe", SECRET_KEY=GOOD_KEY)
        self.assert_refused(result, "DEBUG='maybe' is not a boolean")

    def test_it_explains_an_unusable_database_url(self):
        result = start(DEBUG="0", SECRET_KEY=GOOD_KEY, DATABASE_URL="bogus://x")
        self.assert_refused(result, "DATABASE_URL is not a usable database URL", "bogus")

    def test_it_names_a_number_that_is_not_one(self):
        self.assert_refused(
            start(SECRET_KEY=GOOD_KEY, LOGIN_FAILURE_LIMIT="five"), "LOGIN_FAILURE_LIMIT='five'"
        )
        self.assert_refused(
            start(SECRET_KEY=GOOD_KEY, LOGIN_FAILURE_LIMIT="0"), "LOGIN_FAILURE_LIMIT=0 is below"
        )

    def test_it_starts_with_a_good_production_config_and_secure_cookies(self):
        result = start(DEBUG="0", SECRET_KEY=GOOD_KEY)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.split(), ["False", "True", "True", "True", "django.db.backends.sqlite3", "5"]
        )

    def test_it_reads_postgresql_from_database_url(self):
        result = start(SECRET_KEY=GOOD_KEY, DATABASE_URL="postgres://u:p@db.example:5432/epiwatch")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("django.db.backends.postgresql", result.stdout)

    def test_it_starts_in_debug_without_a_key_and_without_secure_cookies(self):
        result = start(DEBUG="1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split()[:3], ["True", "False", "False"])

    def test_it_lets_secure_cookies_be_turned_off_explicitly(self):
        # e.g. a demo on a laptop over plain HTTP with DEBUG off
        result = start(DEBUG="0", SECRET_KEY=GOOD_KEY, SECURE_COOKIES="0")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split()[1:3], ["False", "False"])


class EnvHelpersTestCase(SimpleTestCase):
    def test_it_reads_booleans_in_every_usual_spelling(self):
        for value in ["1", "true", "TRUE", "yes", "on", " On "]:
            self.assertIs(env_bool("X", False, environ={"X": value}), True, value)
        for value in ["0", "false", "no", "off", ""]:
            self.assertIs(env_bool("X", True, environ={"X": value}), False, value)
        self.assertIs(env_bool("X", True, environ={}), True)

    def test_it_refuses_a_boolean_it_cannot_read(self):
        with self.assertRaisesMessage(ConfigError, "X='maybe' is not a boolean"):
            env_bool("X", environ={"X": "maybe"})

    def test_it_reads_whole_numbers_within_bounds(self):
        self.assertEqual(env_int("N", 5, environ={"N": " 12 "}), 12)
        self.assertEqual(env_int("N", 5, environ={}), 5)
        self.assertEqual(env_int("N", 5, environ={"N": ""}), 5)
        with self.assertRaisesMessage(ConfigError, "N='1.5' is not a whole number"):
            env_int("N", 5, environ={"N": "1.5"})
        with self.assertRaisesMessage(ConfigError, "N=0 is below the minimum of 1"):
            env_int("N", 5, minimum=1, environ={"N": "0"})
        with self.assertRaisesMessage(ConfigError, "N=11 is above the maximum of 10"):
            env_int("N", 5, maximum=10, environ={"N": "11"})

    def test_it_reads_comma_separated_lists(self):
        self.assertEqual(env_list("L", ["a"], environ={"L": " x, y ,,z "}), ["x", "y", "z"])
        self.assertEqual(env_list("L", ["a"], environ={}), ["a"])
        self.assertEqual(env_list("L", ["a"], environ={"L": ""}), [])

    def test_it_reads_strings_and_choices(self):
        self.assertEqual(env_str("S", "d", environ={"S": "v"}), "v")
        self.assertEqual(env_str("S", "d", environ={}), "d")
        self.assertEqual(env_choice("C", "a", ("a", "b"), environ={"C": " b "}), "b")
        with self.assertRaisesMessage(ConfigError, "C='c' is not one of: a, b"):
            env_choice("C", "a", ("a", "b"), environ={"C": "c"})

    def test_it_reads_the_process_environment_by_default(self):
        os.environ["EPIWATCH_TEST_FLAG"] = "yes"
        try:
            self.assertTrue(env_bool("EPIWATCH_TEST_FLAG"))
        finally:
            del os.environ["EPIWATCH_TEST_FLAG"]
