"""Shipped rule sets as editable data, for tests that break or adjust one value."""

import copy
from typing import Any

from epiwatch.policy import rulesets


def data_of(family: str, name: str) -> dict[str, Any]:
    """A deep copy of a shipped version's JSON data, safe to edit."""
    return copy.deepcopy(rulesets.get(family, name).as_dict())


def bands(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["rules"]["criterion1"]["bands"]
