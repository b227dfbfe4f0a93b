"""Write what is derived from what the code declares: the ``inputs:`` and ``outputs:`` of
``action.yml``, the README's tables of inputs, outputs and exit codes and its
paragraphs of input rules and retries, and the GitLab component
(``templates/sieve-action.yml``, made by ``scripts/gitlab_component.py``).

    python scripts/sync.py           # rewrite them
    python scripts/sync.py --check   # exit 1 if any differs (tests/test_docs.py does this)

An input is declared once, in ``sieve_action/contract/inputs.py`` (name, default, rule, help); an
output in ``sieve_action/contract/outputs.py``; exit codes in ``sieve_action/errors.py``. Edit
there, then run this. Run with any Python: it moves to the project's ``.venv`` (made
by ``scripts/test.sh``) when the one it was started with lacks the dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import httpx  # noqa: F401
except ImportError:  # started outside the venv
    venv = ROOT / ".venv" / "bin" / "python"
    if not venv.exists() or Path(sys.executable) == venv:
        raise SystemExit(
            "scripts/sync.py needs the project's venv: run scripts/test.sh once"
        ) from None
    os.execv(venv, [str(venv), *sys.argv])  # noqa: S606 - the same script, in the venv

from scripts import gitlab_component  # noqa: E402
from sieve_action.api.policy import RetryPolicy  # noqa: E402
from sieve_action.contract import rules  # noqa: E402
from sieve_action.contract.inputs import spec  # noqa: E402
from sieve_action.contract.outputs import OUTPUTS  # noqa: E402
from sieve_action.errors import SIGNAL_MEANING, ExitCode  # noqa: E402

ACTION_YML = ROOT / "action.yml"
README = ROOT / "README.md"
INPUTS_MARK = "<!-- inputs: made by scripts/sync.py from sieve_action/contract/inputs.py -->"
OUTPUTS_MARK = "<!-- outputs: made by scripts/sync.py from sieve_action/contract/outputs.py -->"
RULES_MARK = "<!-- rules: made by scripts/sync.py from sieve_action/contract/rules.py -->"
EXITS_MARK = "<!-- exit codes: made by scripts/sync.py from sieve_action/errors.py -->"
RETRIES_MARK = "<!-- retries: made by scripts/sync.py from sieve_action/api/policy.py -->"


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


def rules_text() -> str:
    r = rules
    return (
        "Rules, checked before any request: replica counts are whole numbers from 0 to "
        f"{r.MAX_REPLICAS_VALUE}, and min ≤ max when both are given; `owner` and `function` "
        "are single names of letters, digits, `.`, `_` and `-`, at most "
        f"{r.MAX_NAME} characters; `version` is `latest` or an ID (prefix) of letters, digits "
        "and `-`; booleans are YAML booleans ("
        + ", ".join(f"`{word}`" for word in r.BOOLEANS)
        + f"); `wait-timeout` is at most {r.MAX_WAIT_SECONDS:g} seconds; `poll-interval` is "
        f"{r.MIN_POLL_SECONDS:g} to {r.MAX_POLL_SECONDS:g} seconds (from "
        f"{r.MIN_LOOPBACK_POLL_SECONDS:g} on a loopback `api-url`, for tests); `smoke-test` is "
        f"JSON as RFC 8259 has it (no `NaN`, no name twice) of at most "
        f"{r.MAX_JOB_INPUTS // 1024} KiB; `api-url` is an `http://` or `https://` URL with no "
        "query (plain `http://` to another machine is warned about); a function version is "
        f"named once in `targets`; `api-key` is at least {r.MIN_KEY} characters, and no other "
        "input may hold it; an input the action does not have (`min-replica`) is an error. "
        "When only one "
        "bound is given and it contradicts the other's current value, the step fails before "
        "the edit and suggests setting both."
    )


def exits_table() -> str:
    rows = ["| Exit | Meaning |", "| --- | --- |"]
    rows += [f"| {code.value} | {_cell(code.meaning)} |" for code in ExitCode]
    rows.append(f"| 128+N | {_cell(SIGNAL_MEANING)} |")
    return "\n".join(rows)


def retries_text() -> str:
    p = RetryPolicy()
    return (
        "Each request is retried on its own, with exponential backoff and jitter: at most "
        f"{p.attempts} attempts and a hard {p.timeout:g} s for the request and all its "
        f"attempts, whatever the server does; a `Retry-After` up to {p.max_retry_after:g} s "
        "is honoured. 400, 401, 403, 404, 422 and certificate failures are never retried. A "
        f"wait ends within `wait-timeout` plus at most one request's {p.timeout:g} s. Answers "
        f"over {p.max_answer_bytes // 1024} KiB once decompressed are refused."
    )


def readme(current: str) -> str:
    """``current`` with the block after each marker made from the code."""
    blocks = (
        (INPUTS_MARK, inputs_table()),
        (OUTPUTS_MARK, outputs_table()),
        (RULES_MARK, rules_text()),
        (EXITS_MARK, exits_table()),
        (RETRIES_MARK, retries_text()),
    )
    for mark, table in blocks:
        before, found, after = current.partition(mark + "\n\n")
        if not found:
            raise SystemExit(f"README.md has no {mark!r} followed by a blank line")
        _, _, rest = after.partition("\n\n")  # the old block runs to the next blank line
        current = before + mark + "\n\n" + table + "\n\n" + rest
    return current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only tell whether they differ")
    check = parser.parse_args(argv).check
    stale = []
    made = (
        (ACTION_YML, action_yml),
        (README, readme),
        (gitlab_component.TEMPLATE, lambda _: gitlab_component.template()),
    )
    for path, make in made:
        text = path.read_text() if path.exists() else ""
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
