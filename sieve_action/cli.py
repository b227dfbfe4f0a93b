"""``sieve-action`` on the command line, for GitLab CI, cron, or a person.

Flags are the action's inputs, made from the same declarations and checked by the same
rules, and every message names an input as its flag. The key comes only from
``SIEVE_API_KEY`` (GitHub's token only from ``GITHUB_TOKEN``): a flag would put it in the
process list and in shell history.
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
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .console import Console, utf8_streams
from .contract.inputs import INPUT_NAMES, KEY_VARIABLE, TOKEN_VARIABLE, spec
from .contract.outputs import CLI_JSON_KEYS
from .contract.rules import MISSING_KEY
from .driver import Edge, StepResult, output_values, run_step
from .errors import BadInput, ExitCode, exit_codes_text
from .report.lines import closing_line
from .report.results import results

#: Inputs whose flag is not ``--<name>``: the key and GitHub's token (only from the
#: environment), a file of targets, the function version (``--version`` prints the
#: program's), and the review of a change (``--review BASE_FILE``).
FLAGS = {
    "api-key": KEY_VARIABLE,
    "github-token": TOKEN_VARIABLE,
    "review-base": "--review",
    "targets": "--targets-file",
    "undo": "--undo-file",
    "version": "--function-version",
}
#: Inputs taken only from the environment: a flag would put them in the process list.
ENVIRONMENT = ("api-key", "github-token")
#: Inputs read from a file (``-``: stdin) whose name the flag takes, and what it holds.
FILES = {"targets": "A file of such lines", "undo": "A file holding that JSON"}
_NAMES = "|".join(map(re.escape, INPUT_NAMES))
_HYPHENATED = "|".join(re.escape(name) for name in INPUT_NAMES if "-" in name)
#: An input named as a name in a message: in backticks (`` `wait` ``), set in backticks
#: as a workflow sets it (`` `wait: true` ``), or bare only when its name cannot be a
#: word of prose (``wait-timeout``, ``min-replicas: 3``). Prose such as "of the function:"
#: is left alone: ``function`` there is a word, not the input.
_NAMED = re.compile(
    rf"`({_NAMES})`"
    rf"|(?<=`)({_NAMES}): "
    rf"|(?<![\w`-])({_HYPHENATED}): "
    rf"|(?<![\w`-])({_HYPHENATED})(?![\w`-])"
    r"|\b([Tt]he|[Tt]his) (step)\b"
)


def flag(name: str) -> str:
    """How the CLI names an input in its messages."""
    return FLAGS.get(name, f"--{name}")


def words(text: str) -> str:
    """A message in the CLI's terms: each input named as the action names it
    (`` `min-replicas` ``, ``min-replicas: 3``) becomes its flag, written bare as a
    message's first word names one (``--min-replicas``, ``--min-replicas 3``)."""

    def reword(match: re.Match[str]) -> str:
        if match[6]:  # what the action calls a step is a run here
            return f"{match[5]} run"
        if match[1]:
            return flag(match[1])
        setting = match[2] or match[3]
        if setting:
            return f"{flag(setting)} "
        return flag(match[4])

    return _NAMED.sub(reword, text)


class _Boolean(argparse.Action):
    """A boolean input's flags: ``--wait`` (true), ``--wait VALUE`` (checked by the
    input's rule, as a workflow's value is: a CI template passes ``--wait "$WAIT"``) and
    ``--no-wait`` (false). The value reaches the driver as the string a workflow gives."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        name = option_strings[0]
        super().__init__([name, "--no-" + name[2:]], dest, nargs="?", metavar="BOOL", **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if option_string is not None and option_string.startswith("--no-"):
            if values is not None:
                parser.error(f"{option_string} takes no value; give {self.option_strings[0]} false")
            values = "false"
        setattr(namespace, self.dest, "true" if values is None else values)


class _Formatter(argparse.HelpFormatter):
    def _format_action_invocation(self, action: argparse.Action) -> str:
        if isinstance(action, _Boolean):
            return f"{action.option_strings[0]} [true|false], {action.option_strings[1]}"
        return super()._format_action_invocation(action)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sieve-action",
        # A flag cut short (`--min-replica`, `--dry`) is an error, never a guess.
        allow_abbrev=False,
        description="Set the replica bounds of Sieve function versions, wait for them, report.",
        epilog=f"The API key is read from {KEY_VARIABLE}, GitHub's token (a review's comment) "
        f"from {TOKEN_VARIABLE}. Exit codes: {exit_codes_text()}.",
        formatter_class=_Formatter,
    )
    for item in spec():
        default = f" (default: {item.default})" if item.default else ""
        help = words(item.help)
        if item.name in ENVIRONMENT:
            continue
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
                action=_Boolean,
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
    parser.add_argument(
        "--dotenv",
        type=Path,
        metavar="FILE",
        help="also write the outputs to FILE as a GitLab dotenv report, SIEVE_<OUTPUT>=value "
        "(docs/gitlab.md)",
    )
    parser.add_argument(
        "--junit",
        type=Path,
        metavar="FILE",
        help="also write the smoke test cases to FILE as a JUnit XML report",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def raw_inputs(args: argparse.Namespace) -> dict[str, str | None]:
    """The flags as the strings a workflow would give (``None``: not given). The key is
    not among them: the driver reads it from the environment."""
    raw: dict[str, str | None] = {}
    for item in spec():
        if item.name in ENVIRONMENT:
            continue
        value = getattr(args, item.name.replace("-", "_"))
        if item.name in FILES and value is not None:
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
    utf8_streams()
    args = parser().parse_args(argv)
    console = Console(github=os.environ.get("GITHUB_ACTIONS") == "true", words=words)
    out = sys.stdout

    def publish(result: StepResult) -> bool:
        written = write_reports(args, console, result)
        if not written and result.code == ExitCode.OK:
            result = replace(result, code=ExitCode.FAILED)
        print_result(out, console, result, as_json=args.json)
        return written

    try:
        raw = raw_inputs(args)
    except UnreadableFile as problem:
        console.error(str(problem))
        publish(StepResult([], False, ExitCode.INPUT, [str(problem)]))
        return ExitCode.INPUT

    edge = Edge(describe=describe, publish=publish, results_place="the results printed")
    # Under GitHub, workflow commands must not mix with the JSON on stdout; the runner
    # reads them from stderr too.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        return run_step(raw, console, edge, environ=os.environ)


def write_reports(args: argparse.Namespace, console: Console, result: StepResult) -> bool:
    """The reports asked for by ``--dotenv`` and ``--junit``, on every ending; False when
    one could not be written (a later job would miss it, so the step fails). Their
    modules load only when asked for."""
    written = True
    reports: list[tuple[str, Path | None, Callable[[], str]]] = [
        ("--dotenv", args.dotenv, lambda: _dotenv_text(console, result)),
        ("--junit", args.junit, lambda: _junit_text(console, result)),
    ]
    for name, path, make in reports:
        if path is None:
            continue
        try:
            path.write_text(console.printable(make()), encoding="utf-8")
        except OSError as problem:
            console.error(f"{name}: cannot write {path}: {problem.strerror}")
            written = False
    return written


def _dotenv_text(console: Console, result: StepResult) -> str:
    from .report.dotenv import dotenv

    values = output_values(result, console.secrets)
    report = dotenv({name: console.printable(value) for name, value in values.items()})
    if report.left_out:
        console.warning(
            "The dotenv report leaves out " + "; ".join(report.left_out) + ": GitLab would "
            "refuse the report with them."
        )
    return report.text


def _junit_text(console: Console, result: StepResult) -> str:
    from .report.junit import junit_xml

    return junit_xml(result.runs, console.secrets)


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
        if result.review is not None:
            document["review"] = console.secrets.scrub(result.review.comment)
        assert list(document) == list(CLI_JSON_KEYS)[: len(document)]
        print(console.printable(json.dumps(document, indent=2)), file=out, flush=True)
    elif result.review is not None:  # the review is what the run was for
        print(console.printable(console.secrets.scrub(result.review.report)), file=out, flush=True)
    else:
        for run in runs:
            print(console.printable(closing_line(run, dry_run)), file=out, flush=True)
