"""The default catalogue shipped with the product (a copy of the spec's categories.yaml)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def default_catalogue() -> dict[str, Any]:
    text = resources.files("gridgov.core").joinpath("data/categories.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def default_departments() -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of the default street departments."""
    result = []
    for code, label in default_catalogue()["departments"].items():
        zh, _, en = str(label).partition(" / ")
        result.append((code, zh.strip(), en.strip()))
    return result
