"""Shared by the accounts tests: BaseTestCase with pages read in English (the default language is Vietnamese)."""

from epiwatch.testing import BaseTestCase


class EnglishTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        # the assertions read the English texts; without this the pages come in the default language, Vietnamese
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
