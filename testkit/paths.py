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
#: What the browser tests load, installed from tests/browser/package-lock.json.
NODE_MODULES = ROOT / "tests" / "browser" / "node_modules"
MERMAID_JS = NODE_MODULES / "mermaid" / "dist" / "mermaid.min.js"
MARKDOWN_CSS = NODE_MODULES / "github-markdown-css" / "github-markdown-light.css"
#: A capacity week as a Mermaid gantt chart, before and after lanes per function.
GANTT_SAMPLE = ROOT / "tests" / "browser" / "gantt-sample.mmd"
