import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the source language, whatever the Vietnamese catalogue holds."""
    with translation.override("en"):
        yield
