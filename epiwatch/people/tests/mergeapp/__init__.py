"""A test-only app: models that reference Person the ways a later app might, unknown to people/merge.py.

Installed by epiwatch/test_settings.py only; its tables exist in the test database alone.
"""
