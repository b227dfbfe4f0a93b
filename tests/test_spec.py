"""The repository's copy of Sieve's OpenAPI document is the one its note describes."""

from __future__ import annotations

import hashlib
import json
import re

from testkit.paths import ROOT, SPEC


def test_the_note_names_the_copy_s_digest() -> None:
    note = (ROOT / "spec" / "README.md").read_text()
    recorded = re.search(r"^- sha256: `([0-9a-f]{64})`$", note, re.M)
    assert recorded is not None, "spec/README.md records no sha256"
    assert hashlib.sha256(SPEC.read_bytes()).hexdigest() == recorded[1]
    assert re.search(r"^- commit: `[0-9a-f]{40}` \(\d{4}-\d\d-\d\d\)$", note, re.M)


def test_the_copy_is_the_v2_api_document() -> None:
    document = json.loads(SPEC.read_text())
    assert document["openapi"].startswith("3.")
    assert "/v2/functions/{owner_name}/{function_name}/versions/{version_slug}" in document["paths"]
