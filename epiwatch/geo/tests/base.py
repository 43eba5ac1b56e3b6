from epiwatch.testing import BaseTestCase


class EnglishTestCase(BaseTestCase):
    """BaseTestCase whose browser asks for English: the messages asserted on are the English source strings,
    which stay the same whatever the Vietnamese catalogue says (the default language is Vietnamese)."""

    def setUp(self):
        super().setUp()
        self.client = self.client_class(headers={"accept-language": "en"})
