"""Checking the inputs: every value by its rule, then the rules across inputs, every
failure found in one pass (:class:`~sieve_action.errors.InputErrors`), before any request.
The inputs themselves are declared in :mod:`.inputs`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from ..errors import BadInput, InputErrors
from ..secrets import Secrets
from .inputs import FIELDS, SPEC, Inputs
from .rules import (
    MIN_KEY,
    MIN_LOOPBACK_POLL_SECONDS,
    MIN_POLL_SECONDS,
    MISSING_KEY,
    NO_KEY,
    BrokenRule,
    is_loopback,
)


def parse_inputs(raw: Mapping[str, str | None], secrets: Secrets | None = None) -> Inputs:
    """Check every input and return them typed, or raise :class:`InputErrors`.

    ``raw`` maps input names (``min-replicas``) to their strings; a missing or empty
    value takes the default, and a name that is no input is an error (a misspelt input
    would otherwise be ignored). Cross-input rules run only once each input is valid.
    ``secrets`` is the step's one scrubber (the key and proxy passwords): every value an
    error quotes goes through it; by default one that knows the key.
    """
    values = {
        name: value for name, value in raw.items() if value is not None and value.strip() != ""
    }
    key = values.get("api-key", "")
    if secrets is None:
        secrets = Secrets()
        if len(key) >= MIN_KEY:
            secrets.add(key)
    misplaced = [
        BadInput(name, "holds the API key, which belongs in `api-key` only (value not shown)")
        for name, value in values.items()
        if name != "api-key" and len(key) >= MIN_KEY and key in value
    ]
    if misplaced:
        raise InputErrors(misplaced)
    broken = [BadInput(name, _not_an_input(name)) for name in raw if name not in FIELDS]
    checked: dict[str, Any] = {}
    for item in SPEC:
        value = values.get(item.name, item.default)
        try:
            checked[FIELDS[item.name]] = item.rule(
                value.strip() if item.strip else value, secrets.quote
            )
        except BrokenRule as error:
            broken.append(BadInput(item.name, error.rule, error.kind))
    if broken:
        raise InputErrors(broken)
    inputs = Inputs(**checked)
    errors = _cross_checks(inputs)
    if errors:
        raise InputErrors(errors)
    return inputs


def _not_an_input(name: str) -> str:
    """A name given as an input that the action does not declare: a misspelling, which
    the runner would pass on and the step would otherwise ignore."""
    close = difflib.get_close_matches(name.lower(), list(FIELDS), n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"is not an input of this action, so the step would run without it{hint}"


#: What a capacity file or text decides, so neither may be given with it.
CAPACITY_EXCLUDES = ("owner", "function", "targets", "min-replicas", "max-replicas", "undo")


def _capacity_checks(inputs: Inputs) -> list[BadInput]:
    """``capacity-file`` and ``capacity`` exclude each other and what the schedule decides."""
    given = [name for name in ("capacity-file", "capacity") if getattr(inputs, FIELDS[name])]
    others = [
        f"`{other}`"
        for other in CAPACITY_EXCLUDES
        if getattr(inputs, FIELDS[other]) not in ("", (), None)
    ]
    # One error per input, naming every conflict at once.
    errors = []
    for name in given:
        clash = others + (["`capacity-file`"] if name == "capacity" and len(given) == 2 else [])
        if clash:
            errors.append(
                BadInput(
                    name,
                    f"cannot be combined with {', '.join(clash)}: give one capacity input, "
                    "and leave the functions and their bounds to its schedule",
                )
            )
    return errors


def _cross_checks(inputs: Inputs) -> list[BadInput]:
    errors: list[BadInput] = []
    if not inputs.api_key and not (inputs.review_base or inputs.review_comment):
        errors.append(BadInput("api-key", NO_KEY, MISSING_KEY))
    errors.extend(_review_checks(inputs))
    if inputs.review_comment:
        return errors  # posting a review computed elsewhere: nothing to scale
    if inputs.capacity_file or inputs.capacity:
        errors.extend(_capacity_checks(inputs))
    elif inputs.targets:
        errors.extend(
            BadInput("targets", f"cannot be combined with `{name}`: give one or the other")
            for name in ("owner", "function")
            if getattr(inputs, name)
        )
    elif inputs.undo is None or not inputs.undo.named:
        errors.extend(
            BadInput(name, "is required (or give `targets`, one owner/function per line)")
            for name in ("owner", "function")
            if not getattr(inputs, name)
        )
    errors.extend(_undo_checks(inputs))
    if inputs.wait_for == "replicas" and not inputs.waits:
        errors.append(
            BadInput("wait-for", "is `replicas` but `wait` is false: set `wait: true` to wait")
        )
    floor = MIN_LOOPBACK_POLL_SECONDS if is_loopback(inputs.api_url) else MIN_POLL_SECONDS
    if inputs.poll_interval < floor:
        errors.append(
            BadInput(
                "poll-interval",
                f"must be at least {floor:g} s, got {inputs.poll_interval:g}: "
                "every target reads its version once per interval while waiting",
            )
        )
    targets = inputs.resolved_targets
    first_line: dict[tuple[str, ...], int] = {}
    for target, given in zip(targets, inputs.targets, strict=False):
        if target.key in first_line:
            errors.append(
                BadInput(
                    "targets",
                    f"lines {first_line[target.key]} and {given.line} both name {target.label}"
                    " (Sieve ignores case in names): give each function version once (two "
                    "edits of one version would race)",
                )
            )
        first_line.setdefault(target.key, given.line)
    for target, line in zip(targets, inputs.targets or (None,), strict=True):
        low, high = target.min_replicas, target.max_replicas
        if low is not None and high is not None and low > high:
            if line is None:
                errors.append(
                    BadInput(
                        "min-replicas", f"must not be greater than `max-replicas` ({low} > {high})"
                    )
                )
            else:
                errors.append(
                    BadInput(
                        "targets",
                        f"line {line.line} ({target.label}): min {low} is greater than max {high}",
                    )
                )
    return errors


#: Each input's value when not given: its default through its rule.
_DEFAULTS = {item.name: item.rule(item.default, ascii) for item in SPEC}
#: What posting a review computed elsewhere (``review-comment``) may come with.
POSTING = ("review-comment", "pull-request", "head-sha", "github-token", "api-key", "api-url")


def _review_checks(inputs: Inputs) -> list[BadInput]:
    """A review compares two capacity files; posting one computed elsewhere takes only
    what finds its pull request. One error per input."""
    errors = []
    if inputs.review_base and not inputs.capacity_file:
        errors.append(
            BadInput(
                "review-base",
                "needs `capacity-file`: the file as the pull request has it, compared with "
                "this one, the base branch's",
            )
        )
    if inputs.max_weekly_increase is not None and not inputs.review_base:
        errors.append(
            BadInput("max-weekly-increase", "is a review's limit: give `review-base` too")
        )
    if inputs.review_comment:
        given = [
            f"`{item.name}`"
            for item in SPEC
            if item.name not in POSTING
            and getattr(inputs, FIELDS[item.name]) != _DEFAULTS[item.name]
        ]
        if given:
            errors.append(
                BadInput(
                    "review-comment",
                    f"cannot be combined with {', '.join(given)}: it posts a review computed "
                    "in another job, and takes only `pull-request` and `head-sha`",
                )
            )
        if not inputs.head_sha:
            errors.append(
                BadInput(
                    "head-sha",
                    "is required with `review-comment`: the commit its review was computed "
                    "for (the `workflow_run` event's `head_sha`)",
                )
            )
    elif inputs.head_sha:
        errors.append(BadInput("head-sha", "is for posting a review: give `review-comment`"))
    return errors


def _undo_checks(inputs: Inputs) -> list[BadInput]:
    """What an undo cannot be combined with, as one error (the inputs it names are valid)."""
    if inputs.undo is None:
        return []
    others = [
        f"`{name}: true`" if name == "retire-previous" else f"`{name}`"
        for name, given in (
            ("targets", bool(inputs.targets)),
            ("retire-previous", inputs.retire_previous),
            ("smoke-test", inputs.smoke_test is not None),
        )
        if given
    ]
    if inputs.undo.named:
        others += [
            f"`{name}`"
            for name, given in (
                ("owner", bool(inputs.owner)),
                ("function", bool(inputs.function)),
                ("version", inputs.version != "latest"),
            )
            if given and not inputs.targets
        ]
    if not others:
        return []
    why = (
        " (a `results` output names each function and replacing version itself)"
        if inputs.undo.named
        else ""
    )
    return [
        BadInput(
            "undo",
            f"cannot be combined with {', '.join(others)}{why}: an undo sets back the versions "
            "it lists and gives the version that replaced them `min-replicas` and `max-replicas`",
        )
    ]
