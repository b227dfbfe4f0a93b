"""Cut GitHub's own OpenAPI description down to the operations the action uses.

The description is ``generated/api.github.com.json`` of the npm package
``@octokit/openapi`` (pinned in ``tests/contract/package.json``); the cut keeps those
operations exactly as written there, with every component they reference (directly or
through another component), and nothing else. Run from a clone's root, after ``npm ci
--prefix tests/contract``::

    python scripts/cut_github_openapi.py        # writes spec/github-openapi.json

``tests/test_github_spec.py`` checks that the committed cut is what this gives.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tests" / "contract" / "node_modules" / "@octokit" / "openapi"
SOURCE = PACKAGE / "generated" / "api.github.com.json"
TARGET = ROOT / "spec" / "github-openapi.json"
#: The operations the action makes, by GitHub's operationId.
OPERATIONS = (
    "issues/list-comments",
    "issues/create-comment",
    "issues/update-comment",
    "pulls/get",
)
#: The methods a path item may hold (its other keys, such as ``parameters``, are shared).
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _refs(value: Any) -> Iterator[str]:
    """Every ``$ref`` in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def cut(description: dict[str, Any], operations: tuple[str, ...] = OPERATIONS) -> dict[str, Any]:
    """The description with only ``operations`` and the components they reach."""
    paths: dict[str, Any] = {}
    for path, item in description["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in _METHODS or value.get("operationId") in operations
        }
        if any(key in _METHODS for key in kept):
            paths[path] = kept
    found = {
        op["operationId"] for item in paths.values() for k, op in item.items() if k in _METHODS
    }
    missing = sorted(set(operations) - found)
    if missing:
        raise KeyError(f"the description has no operation {', '.join(missing)}")
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    while pending:
        ref = pending.pop()
        section, _, name = ref.removeprefix("#/components/").partition("/")
        if not ref.startswith("#/components/") or "/" in name:
            raise ValueError(f"a reference this cut cannot follow: {ref}")
        if name in components.get(section, {}):
            continue
        value = description["components"][section][name]
        components.setdefault(section, {})[name] = value
        pending.extend(_refs(value))
    ordered = {
        section: {name: components[section][name] for name in sorted(components[section])}
        for section in sorted(components)
    }
    head = {key: description[key] for key in ("openapi", "info", "servers")}
    return {**head, "paths": paths, "components": ordered}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    if not SOURCE.exists():
        print(f"{SOURCE} is missing: run `npm ci --prefix tests/contract`", file=sys.stderr)
        return 1
    TARGET.write_text(render(cut(json.loads(SOURCE.read_text()))))
    print(f"{TARGET.relative_to(ROOT)}: {', '.join(OPERATIONS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
