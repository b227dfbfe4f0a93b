"""Where things are in a clone of the repository, named once."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "entrypoint.py"
ACTION_YML = ROOT / "action.yml"
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
#: Sieve's OpenAPI document, the contract (see spec/README.md).
SPEC = ROOT / "spec" / "sieve-openapi.json"
