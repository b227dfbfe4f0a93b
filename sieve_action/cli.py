"""``sieve-action`` on the command line, for GitLab CI, cron, or a person.

Flags are the action's inputs, made from the same declarations and checked by the same
rules, and every message names an input as its flag. The key comes only from
``SIEVE_API_KEY``: a flag would put it in the process list and in shell history.
Progress goes to stderr, the result to stdout (``--json`` for machines). Workflow
commands appear only under GitHub Actions. Exit codes: :class:`~.errors.ExitCode`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .console import Console
from .contract.inputs import INPUT_NAMES, KEY_VARIABLE, spec
from .contract.rules import MISSING_KEY
from .driver import Edge, StepResult, run_step
from .errors import BadInput, ExitCode, exit_codes_text
from .report.lines import closing_line
from .report.results import results

#: Inputs whose flag is not ``--<name>``: the key (only from the environment), a file
#: of targets, and the function version (``--version`` prints the program's).
FLAGS = {
    "api-key": KEY_VARIABLE,
    "targets": "--targets-file",
    "undo": "--undo-file",
    "version": "--function-version",
}
#: Inputs read from a file (``-``: stdin) whose name the flag takes, and what it holds.
FILES = {"targets": "A file of such lines", "undo": "A file holding that JSON"}
_NAMES = "|".join(map(re.escape, INPUT_NAMES))
_HYPHENATED = "|".join(re.escape(name) for name in INPUT_NAMES if "-" in name)
#: An input named in a message: in backticks, as a workflow sets it (``name: value``),
#: or bare when its name cannot be an ordinary word (``wait-timeout``).
_NAMED = re.compile(rf"`({_NAMES})`|(?<![\w-])({_NAMES}): |(?<![\w`-])({_HYPHENATED})(?![\w`-])")


def flag(name: str) -> str:
    """How the CLI names an input in its messages."""
    return FLAGS.get(name, f"--{name}")


def words(text: str) -> str:
    """A message in the CLI's terms: each input named as the action names it
    (`` `min-replicas` ``, ``min-replicas: 3``) becomes its flag (`` `--min-replicas` ``,
    ``--min-replicas 3``)."""

    def reword(match: re.Match[str]) -> str:
        if match[1]:
            return f"`{flag(match[1])}`"
        if match[2]:
            return f"{flag(match[2])} "
        return flag(match[3])

    return _NAMED.sub(reword, text)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sieve-action",
        # A flag cut short (`--min-replica`, `--dry`) is an error, never a guess.
        allow_abbrev=False,
        description="Set the replica bounds of Sieve function versions, wait for them, report.",
        epilog=f"The API key is read from {KEY_VARIABLE}. Exit codes: {exit_codes_text()}.",
    )
    for item in spec():
        default = f" (default: {item.default})" if item.default else ""
        help = words(item.help)
        if item.name == "api-key":
            continue  # only from the environment
        if item.name in FILES:
            parser.add_argument(
                flag(item.name),
                dest=item.name,
                type=Path,
                metavar="FILE",
                help=f"{help} {FILES[item.name]}; - for stdin.",
            )
        elif item.boolean:
            parser.add_argument(
                flag(item.name),
                dest=item.name.replace("-", "_"),
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help + default,
            )
        else:
            parser.add_argument(
                flag(item.name),
                dest=item.name.replace("-", "_"),
                metavar=item.metavar,
                help=help + default,
            )
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def raw_inputs(args: argparse.Namespace) -> dict[str, str | None]:
    """The flags as the strings a workflow would give (``None``: not given). The key is
    not among them: the driver reads it from the environment."""
    raw: dict[str, str | None] = {}
    for item in spec():
        if item.name == "api-key":
            continue
        value = getattr(args, item.name.replace("-", "_"))
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif item.name in FILES and value is not None:
            value = read_file(item.name, value)
        raw[item.name] = value
    return raw


class UnreadableFile(Exception):
    """A file flag's file could not be read; the message names the flag."""


def read_file(name: str, path: Path) -> str:
    """The text of the file given to an input's file flag (``-``: stdin)."""
    try:
        return sys.stdin.read() if str(path) == "-" else path.read_text()
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or "it is not UTF-8 text"
        raise UnreadableFile(f"{flag(name)}: cannot read {path}: {reason}") from None


def describe(error: BadInput) -> str:
    if error.kind == MISSING_KEY:
        return f"{KEY_VARIABLE} is not set: export the Sieve API key in the environment"
    return f"{flag(error.name)} {words(error.rule)}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(github=os.environ.get("GITHUB_ACTIONS") == "true", words=words)
    try:
        raw = raw_inputs(args)
    except UnreadableFile as problem:
        console.error(str(problem))
        return ExitCode.INPUT
    out = sys.stdout

    def publish(result: StepResult) -> bool:
        print_result(out, console, result, as_json=args.json)
        return True

    edge = Edge(describe=describe, publish=publish, results_place="the results printed")
    # Under GitHub, workflow commands must not mix with the JSON on stdout; the runner
    # reads them from stderr too.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        return run_step(raw, console, edge, environ=os.environ)


def print_result(out: TextIO, console: Console, result: StepResult, *, as_json: bool) -> None:
    runs, dry_run = result.runs, result.dry_run
    if as_json:
        document = {
            "exit_code": int(result.code),
            "dry_run": dry_run,
            "results": results(runs, dry_run, console.secrets),
            "problems": list(result.problems),
        }
        if result.capacity is not None:
            from .capacity.summary import capacity_results, drift

            document["results"] = capacity_results(result.capacity, dry_run, console.secrets)
            document["drift"] = console.secrets.scrub_json(drift(result.capacity))
        elif result.capacity_step:
            document["drift"] = []
        print(console.printable(json.dumps(document, indent=2)), file=out, flush=True)
    else:
        for run in runs:
            print(console.printable(closing_line(run, dry_run)), file=out, flush=True)
