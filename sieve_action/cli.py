"""``sieve-action`` on the command line, for GitLab CI, cron, or a person.

Flags are named like the action's inputs and go through the same checks. The key
comes only from ``SIEVE_API_KEY``: a flag would put it in the process list and in
shell history. Progress goes to stderr, the result to stdout (``--json`` for
machines). Workflow commands appear only under GitHub Actions.

Exit codes: 0 success (or nothing to do), 1 a failure at Sieve or in a build,
2 bad input, 3 a wait that timed out, 128+N when stopped by signal N.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .client import UnusableEnvironment
from .console import Console
from .inputs import DEFAULTS, InputError, InputErrors, parse_inputs
from .report import closing_line, results
from .run import announce, run_to_end
from .scaling import EXIT_INPUT, TargetRun, exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sieve-action",
        description="Set the replica bounds of Sieve function versions, wait for them, report.",
        epilog="The API key is read from SIEVE_API_KEY. Exit codes: 0 success, 1 failure at Sieve "
        "or in a build, 2 bad input, 3 wait timed out, 128+N stopped by signal N.",
    )
    what = parser.add_argument_group("what to scale (owner and function, or targets)")
    what.add_argument("--owner", help="owner of the function")
    what.add_argument("--function", help="function name")
    what.add_argument(
        "--version", help=f"version ID, ID prefix, or latest (default {DEFAULTS['version']})"
    )
    what.add_argument(
        "--targets-file",
        type=Path,
        metavar="FILE",
        help="one `owner/function[@version] [min=N] [max=N]` per line; - for stdin",
    )
    bounds = parser.add_argument_group("bounds")
    bounds.add_argument(
        "--min-replicas", metavar="N", help="new minimum; omitted leaves it unchanged"
    )
    bounds.add_argument(
        "--max-replicas", metavar="N", help="new maximum; omitted leaves it unchanged"
    )
    waiting = parser.add_argument_group("waiting")
    waiting.add_argument("--wait", action="store_true", help="wait for the goal set by --wait-for")
    waiting.add_argument(
        "--wait-for",
        choices=("build", "replicas"),
        help="build: until ready or error (default); replicas: also min warm workers",
    )
    waiting.add_argument(
        "--wait-timeout", metavar="SECONDS", help=f"default {DEFAULTS['wait-timeout']}"
    )
    waiting.add_argument(
        "--poll-interval", metavar="SECONDS", help=f"default {DEFAULTS['poll-interval']}"
    )
    waiting.add_argument(
        "--fail-on-error",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fail when the build ends in error (default: yes)",
    )
    parser.add_argument("--dry-run", action="store_true", help="read and report, send no edit")
    parser.add_argument(
        "--concurrency", metavar="N", help=f"targets at once (default {DEFAULTS['concurrency']})"
    )
    parser.add_argument("--api-url", metavar="URL", help=f"default {DEFAULTS['api-url']}")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--version-info", action="version", version=f"%(prog)s {__version__}")
    return parser


def _raw_inputs(args: argparse.Namespace) -> dict[str, str | None]:
    def text(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    raw = {
        name: text(getattr(args, name.replace("-", "_")))
        for name in (
            "owner",
            "function",
            "version",
            "min-replicas",
            "max-replicas",
            "wait-for",
            "wait-timeout",
            "poll-interval",
            "fail-on-error",
            "concurrency",
            "api-url",
        )
    }
    raw["wait"] = text(args.wait or None)
    raw["dry-run"] = text(args.dry_run or None)
    raw["api-key"] = os.environ.get("SIEVE_API_KEY", "").strip()
    if args.targets_file is not None:
        raw["targets"] = (
            sys.stdin.read() if str(args.targets_file) == "-" else args.targets_file.read_text()
        )
    return raw


def _flag_message(error: InputError) -> str:
    if error.name == "api-key":
        if "printable ASCII" in error.rule:
            return f"SIEVE_API_KEY {error.rule}"
        return "SIEVE_API_KEY is not set: export the Sieve API key in the environment"
    flag = "--targets-file" if error.name == "targets" else f"--{error.name}"
    return f"{flag} {error.rule}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(github=os.environ.get("GITHUB_ACTIONS") == "true")
    result = sys.stdout
    # Under GitHub, workflow commands must not mix with the JSON on stdout; the runner
    # reads them from stderr too.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        outcome = _run(args, console)
    if isinstance(outcome, int):
        return outcome
    runs, dry_run, code = outcome
    if args.json:
        document = {
            "exit_code": code,
            "dry_run": dry_run,
            "results": results(runs, dry_run, console.secrets),
        }
        print(console.scrub(json.dumps(document, indent=2)), file=result, flush=True)
    else:
        for run in runs:
            print(console.scrub(closing_line(run, dry_run)), file=result, flush=True)
    if code >= 128:
        os._exit(code)  # cancelled: targets still running on other threads must not delay it
    return code


def _run(args: argparse.Namespace, console: Console) -> int | tuple[list[TargetRun], bool, int]:
    """Inputs to finished runs; an int is an early exit code (bad input)."""
    try:
        raw = _raw_inputs(args)
    except OSError as problem:
        console.error(f"--targets-file: cannot read {args.targets_file}: {problem.strerror}")
        return EXIT_INPUT
    if raw["api-key"]:
        console.mask(raw["api-key"])
    try:
        inputs = parse_inputs(raw)
    except InputErrors as errors:
        for error in errors.errors:
            console.error(_flag_message(error))
        return EXIT_INPUT
    try:
        runs, signalled = run_to_end(inputs, console)
    except UnusableEnvironment as problem:
        console.error(str(problem))
        return EXIT_INPUT
    announce(console, runs)
    code = 128 + signalled if signalled is not None else exit_code(runs)
    return runs, inputs.dry_run, code
