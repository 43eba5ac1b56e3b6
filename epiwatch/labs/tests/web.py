"""What the tests of the results pages and API share: English pages, uploads kept in a scratch directory."""

from __future__ import annotations

from django.test import override_settings

from epiwatch.accounts.models import ApiToken
from epiwatch.labs.tests.base import ResultsTestCase


class ResultsWebTestCase(ResultsTestCase):
    def setUp(self):
        super().setUp()
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        media = override_settings(MEDIA_ROOT=str(self.dir / "media"))
        media.enable()
        self.addCleanup(media.disable)

    def messages(self, response) -> list[str]:
        return [str(m) for m in response.context["messages"]]

    def bearer(self, user) -> dict:
        _token, raw = ApiToken.issue(user, name="test")
        return {"Authorization": f"Bearer {raw}"}
