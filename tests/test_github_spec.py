"""The committed cut of GitHub's description is what ``scripts/cut_github_openapi.py`` makes
from the pinned ``@octokit/openapi``, and its note says where it came from."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

from scripts.cut_github_openapi import OPERATIONS, SOURCE, cut, render
from testkit.github import GITHUB_SPEC
from testkit.paths import ROOT

PACKAGE_JSON = ROOT / "tests" / "contract" / "package.json"


def _pinned() -> str:
    return str(json.loads(PACKAGE_JSON.read_text())["devDependencies"]["@octokit/openapi"])


def test_the_committed_cut_is_the_package_s_description_for_the_operations_used() -> None:
    if not SOURCE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SOURCE} is missing: run `npm ci --prefix tests/contract`")
        pytest.skip("@octokit/openapi is not installed (npm ci --prefix tests/contract)")
    package = json.loads((SOURCE.parent.parent / "package.json").read_text())
    assert package["version"] == _pinned()
    made = render(cut(json.loads(SOURCE.read_text())))
    assert GITHUB_SPEC.read_text() == made, "run `python scripts/cut_github_openapi.py`"


def test_the_cut_holds_the_four_operations_and_everything_they_reference() -> None:
    document = json.loads(GITHUB_SPEC.read_text())
    operations = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert operations == set(OPERATIONS)

    def refs(value: Any) -> set[str]:
        if isinstance(value, dict):
            found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
            return found.union(*(refs(v) for v in value.values()))
        if isinstance(value, list):
            return set().union(*(refs(v) for v in value))
        return set()

    for ref in refs(document):
        _, _, section, name = ref.split("/")
        assert name in document["components"][section], ref


def test_the_note_says_where_the_cut_came_from_and_how_to_make_it_again() -> None:
    note = (ROOT / "spec" / "README.md").read_text()
    assert f"`@octokit/openapi` {_pinned()}" in note
    assert "python scripts/cut_github_openapi.py" in note
    assert re.search(r"generated/api\.github\.com\.json", note)


def test_the_cut_refuses_a_description_without_an_operation() -> None:
    document = json.loads(GITHUB_SPEC.read_text())
    with pytest.raises(KeyError, match="issues/lock"):
        cut(document, (*OPERATIONS, "issues/lock"))
