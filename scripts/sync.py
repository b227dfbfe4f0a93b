"""Write what is derived from the inputs and outputs the code declares: the ``inputs:`` and
``outputs:`` of ``action.yml``, and the README's two tables.

    python scripts/sync.py           # rewrite them
    python scripts/sync.py --check   # exit 1 if any differs (tests/test_docs.py does this)

An input is declared once, in ``sieve_action/inputs.py`` (name, default, rule, help); an
output in ``sieve_action/report.py``. Edit there, then run this.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sieve_action.inputs import spec  # noqa: E402
from sieve_action.report import OUTPUTS  # noqa: E402

ACTION_YML = ROOT / "action.yml"
README = ROOT / "README.md"
INPUTS_MARK = "<!-- inputs: made by scripts/sync.py from sieve_action/inputs.py -->"
OUTPUTS_MARK = "<!-- outputs: made by scripts/sync.py from sieve_action/report.py -->"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def action_yml(current: str) -> str:
    """``current`` with everything from ``inputs:`` to ``runs:`` made from the code."""
    head, _, rest = current.partition("\ninputs:\n")
    _, _, runs = rest.partition("\nruns:\n")
    lines = ["inputs:"]
    for item in spec():
        lines += [
            f"  {item.name}:",
            f"    description: {_quoted(item.help)}",
            "    required: false",
            f"    default: {_quoted(item.default)}",
        ]
    lines += ["", "outputs:"]
    for name, description in OUTPUTS.items():
        lines += [f"  {name}:", f"    description: {_quoted(description)}"]
    return head + "\n" + "\n".join(lines) + "\n\nruns:\n" + runs


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def inputs_table() -> str:
    rows = ["| Input | Default | Description |", "| --- | --- | --- |"]
    for item in spec():
        default = f"`{item.default}`" if item.default else "—"
        rows.append(f"| `{item.name}` | {default} | {_cell(item.help)} |")
    return "\n".join(rows)


def outputs_table() -> str:
    rows = ["| Output | Description |", "| --- | --- |"]
    rows += [f"| `{name}` | {_cell(text)} |" for name, text in OUTPUTS.items()]
    return "\n".join(rows)


def readme(current: str) -> str:
    """``current`` with the table after each marker made from the code."""
    for mark, table in ((INPUTS_MARK, inputs_table()), (OUTPUTS_MARK, outputs_table())):
        before, found, after = current.partition(mark + "\n\n")
        if not found:
            raise SystemExit(f"README.md has no {mark!r} followed by a blank line")
        _, _, rest = after.partition("\n\n")  # the old table runs to the next blank line
        current = before + mark + "\n\n" + table + "\n\n" + rest
    return current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only tell whether they differ")
    check = parser.parse_args(argv).check
    stale = []
    for path, make in ((ACTION_YML, action_yml), (README, readme)):
        text = path.read_text()
        wanted = make(text)
        if wanted != text:
            stale.append(path.name)
            if not check:
                path.write_text(wanted)
    if check and stale:
        print(f"out of date: {', '.join(stale)}; run: python scripts/sync.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
