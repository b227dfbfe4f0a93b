"""The GitLab CI/CD component, ``templates/sieve-action.yml``, made from what the code
declares (``scripts/sync.py`` writes it; docs/gitlab.md is its user page).

Its ``spec: inputs`` are the action's inputs (``sieve_action/contract/inputs.py``) but the
key, each typed from its declaration: a boolean input is ``boolean``, one whose default
is a number is ``number``, one with a few choices has them as ``options``, the rest are
``string`` (an empty default: the CLI's default). Then the component's own inputs: where
to install sieve-action from, and how the job is named and staged. Its job installs as
``examples/gitlab/.gitlab-ci.yml`` does (the same lines, read from it) and runs the CLI:
typed inputs are written into its command line (they can hold no shell syntax), text
inputs reach it through job variables (``"$SIEVE_INPUT_OWNER"``), so no value is ever
shell code. Reports: the outputs as a dotenv report, the smoke cases as JUnit, the whole
result as ``sieve-action.json`` (an undo's input).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from sieve_action.cli import ENVIRONMENT, FILES, flag
from sieve_action.contract.declare import InputSpec
from sieve_action.contract.inputs import spec
from sieve_action.contract.rules import OneOf

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "sieve-action.yml"
EXAMPLE = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
#: What the job writes: the reports GitLab reads, and the whole result.
DOTENV, JUNIT, RESULT = "sieve-action.env", "sieve-action-junit.xml", "sieve-action.json"
#: The component's own inputs, before the CLI's: name, default (None: required), help.
OWN_INPUTS: tuple[tuple[str, str | None, str], ...] = (
    ("source", "https://github.com/sieve-action/sieve-action", "The GitHub repository "
     "that releases sieve-action (a fork's, to install a fork): the job installs from it "
     "(no git needed)."),
    ("release", "v1", "The release to install: a tag of that repository (v1, v1.2.3) or a "
     "commit SHA."),
    ("job-name", "sieve-action", "The job's name (include the component twice with two names)."),
    ("stage", "deploy", "The job's stage."),
    ("image", "python:3.13-slim", "The job's image: any with Python 3.11 or newer and pip."),
)  # fmt: skip
DESCRIPTION = (
    "Set the replica bounds of a Sieve function version, wait, smoke-test, retire earlier "
    "versions, undo: sieve-action's CLI in one job, with dotenv and JUnit reports."
)


def kind(item: InputSpec) -> str:
    """The input's GitLab type."""
    if item.boolean:
        return "boolean"
    try:
        float(item.default)
    except ValueError:
        return "string"
    return "number"


def default(item: InputSpec) -> Any:
    """The input's default as a value of its GitLab type."""
    if item.boolean:
        return item.rule(item.default, repr)
    if kind(item) == "number":
        return json.loads(item.default)
    return item.default


def variable(name: str) -> str:
    """The job variable a text input reaches the CLI through."""
    return "SIEVE_INPUT_" + name.upper().replace("-", "_")


#: Inputs that only mean something on GitHub: the token and the posting of a fork's
#: review on a pull request. A merge request's pipeline may still run a review
#: (``review-base``): its Markdown is the job's log, its limit the job's status.
GITHUB_ONLY = ("review-comment", "pull-request", "head-sha")


def cli_inputs() -> list[InputSpec]:
    """The component's inputs: the CLI's flags, but those for GitHub alone."""
    return [item for item in spec() if item.name not in (*ENVIRONMENT, *GITHUB_ONLY)]


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _plain(text: str) -> str:
    """``text`` as YAML reads it back: plain when it can be, else quoted."""
    return text if yaml.safe_load(f"- {text}") == [text] else _scalar(text)


def install_lines() -> list[str]:
    """The install of ``examples/gitlab/.gitlab-ci.yml``: every line but the command."""
    lines: list[str] = yaml.safe_load(EXAMPLE.read_text())["scale-down"]["script"][:-1]
    return lines


def command() -> list[str]:
    """The CLI's command line, one flag a line (folded into one by YAML's ``>-``)."""
    parts = [f"sieve-action --json --dotenv {DOTENV} --junit {JUNIT}"]
    for item in cli_inputs():
        if item.name in FILES:
            parts.append(f"{flag(item.name)} {_file(item.name)}")
        elif kind(item) != "string" or isinstance(item.rule, OneOf):
            parts.append(f"{flag(item.name)} $[[ inputs.{item.name} ]]")
        else:
            parts.append(f'{flag(item.name)} "${variable(item.name)}"')
    parts.append(f"> {RESULT}")
    return parts


def _file(name: str) -> str:
    return f"sieve-action-{name}.txt"


def template() -> str:
    lines = [
        "# sieve-action as a GitLab CI/CD component: one job that installs a release of",
        "# sieve-action (its hash-locked requirements, then its source archive: no git) and",
        "# runs its command line. How to include it, and what it reports: docs/gitlab.md.",
        "# The API key is never an input: the job reads the masked CI/CD variable",
        "# SIEVE_API_KEY. Made by scripts/sync.py from sieve_action/contract/inputs.py.",
        "spec:",
        f"  description: {_scalar(DESCRIPTION)}",
        "  inputs:",
    ]
    for name, value, text in OWN_INPUTS:
        lines += [f"    {name}:", "      type: string"]
        lines += [f"      default: {_scalar(value)}"] if value is not None else []
        lines += [f"      description: {_scalar(text)}"]
    for item in cli_inputs():
        lines += [f"    {item.name}:", f"      type: {kind(item)}"]
        lines += [f"      default: {_scalar(default(item))}"]
        if isinstance(item.rule, OneOf):
            lines += [f"      options: {_scalar(list(item.rule.choices))}"]
        lines += [f"      description: {_scalar(item.help)}"]
    lines += [
        "---",
        '"$[[ inputs.job-name ]]":',
        "  stage: $[[ inputs.stage ]]",
        "  image: $[[ inputs.image ]]",
        "  variables:",
        "    SIEVE_ACTION: $[[ inputs.source ]]",
        "    SIEVE_ACTION_REF: $[[ inputs.release ]]",
    ]
    for item in cli_inputs():
        if kind(item) == "string" and not isinstance(item.rule, OneOf):
            lines.append(f"    {variable(item.name)}: $[[ inputs.{item.name} ]]")
    lines.append("  script:")
    lines += [f"    - {_plain(line)}" for line in install_lines()]
    for name in FILES:
        lines.append(f"    - printf '%s' \"${variable(name)}\" > {_file(name)}")
    lines += ["    - >-", *(f"      {part}" for part in command())]
    lines += [
        "  artifacts:",
        "    when: always",
        f"    paths: [{RESULT}]",
        "    reports:",
        f"      dotenv: {DOTENV}",
        f"      junit: {JUNIT}",
    ]
    return "\n".join(lines) + "\n"
