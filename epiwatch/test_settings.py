"""Settings for the test suite: the real settings, with a throwaway key and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-" + "x" * 40)
os.environ.setdefault("SECURE_COOKIES", "0")

from epiwatch.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True

# a test-only app whose models point at Person in every way a later app might (merge must move them all)
INSTALLED_APPS = [*INSTALLED_APPS, "epiwatch.people.tests.mergeapp"]  # noqa: F405
