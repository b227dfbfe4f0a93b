"""``action.yml``'s declared inputs and outputs, for tests that run or document it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ACTION_YML = Path(__file__).resolve().parent.parent / "action.yml"


@cache
def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION_YML.read_text())
    return loaded


def declared_inputs() -> dict[str, str]:
    """Input name -> default (the empty string when none), as the runner applies them."""
    return {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}


def declared_outputs() -> dict[str, str]:
    return {name: spec["description"] for name, spec in action()["outputs"].items()}
