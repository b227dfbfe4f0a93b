"""``sieve-action`` on the command line, for GitLab CI, cron, or a person.

Flags are the action's inputs, made from the same declarations and checked by the same
rules. The key comes only from ``SIEVE_API_KEY``: a flag would put it in the process
list and in shell history. Progress goes to stderr, the result to stdout (``--json``
for machines). Workflow commands appear only under GitHub Actions. Exit codes are the
action's (see :mod:`sieve_action.driver`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .console import Console
from .driver import drive
from .inputs import MISSING_KEY, InputError, spec
from .report import closing_line, results
from .scaling import EXIT_INPUT, TargetRun

#: Inputs whose flag is not ``--<name> VALUE``.
TARGETS_FLAG = "--targets-file"
KEY_VARIABLE = "SIEVE_API_KEY"


def flag(name: str) -> str:
    """How the CLI names an input in its messages."""
    return {"api-key": KEY_VARIABLE, "targets": TARGETS_FLAG}.get(name, f"--{name}")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sieve-action",
        description="Set the replica bounds of Sieve function versions, wait for them, report.",
        epilog=f"The API key is read from {KEY_VARIABLE}. Exit codes: 0 success, 1 failure at "
        "Sieve or in a build, 2 bad input, 3 wait timed out, 128+N stopped by signal N.",
    )
    for item in spec():
        default = f" (default: {item.default})" if item.default else ""
        if item.name == "api-key":
            continue  # only from the environment
        if item.name == "targets":
            parser.add_argument(
                TARGETS_FLAG,
                type=Path,
                metavar="FILE",
                help=f"{item.help} A file of such lines; - for stdin.",
            )
        elif item.boolean:
            parser.add_argument(
                f"--{item.name}",
                action=argparse.BooleanOptionalAction,
                default=None,
                help=item.help + default,
            )
        else:
            parser.add_argument(f"--{item.name}", metavar=item.metavar, help=item.help + default)
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--version-info", action="version", version=f"%(prog)s {__version__}")
    return parser


def raw_inputs(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str | None]:
    """The flags as the strings a workflow would give (``None``: not given)."""
    raw: dict[str, str | None] = {}
    for item in spec():
        if item.name in {"api-key", "targets"}:
            continue
        value = getattr(args, item.name.replace("-", "_"))
        if isinstance(value, bool):
            value = "true" if value else "false"
        raw[item.name] = value
    raw["api-key"] = environ.get(KEY_VARIABLE, "").strip()
    if args.targets_file is not None:
        path = args.targets_file
        raw["targets"] = sys.stdin.read() if str(path) == "-" else path.read_text()
    return raw


def describe(error: InputError) -> str:
    if error.kind == MISSING_KEY:
        return f"{KEY_VARIABLE} is not set: export the Sieve API key in the environment"
    return f"{flag(error.name)} {error.rule}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(github=os.environ.get("GITHUB_ACTIONS") == "true")
    try:
        raw = raw_inputs(args, os.environ)
    except OSError as problem:
        console.error(f"{TARGETS_FLAG}: cannot read {args.targets_file}: {problem.strerror}")
        return EXIT_INPUT
    result = sys.stdout

    def publish(runs: Sequence[TargetRun], dry_run: bool, code: int) -> bool:
        print_result(result, console, runs, dry_run, code, as_json=args.json)
        return True

    # Under GitHub, workflow commands must not mix with the JSON on stdout; the runner
    # reads them from stderr too.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        return drive(raw, console, describe=describe, publish=publish, environ=os.environ)


def print_result(
    out: TextIO,
    console: Console,
    runs: Sequence[TargetRun],
    dry_run: bool,
    code: int,
    *,
    as_json: bool,
) -> None:
    if as_json:
        document = {
            "exit_code": code,
            "dry_run": dry_run,
            "results": results(runs, dry_run, console.secrets),
        }
        print(console.scrub(json.dumps(document, indent=2)), file=out, flush=True)
    else:
        for run in runs:
            print(console.scrub(closing_line(run, dry_run)), file=out, flush=True)
