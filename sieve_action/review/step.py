"""A review step, from the checked inputs to what the edges publish: the base's file read
like the pull request's, the change over the week, each function's price, the verdict
against ``max-weekly-increase``, the body for the job summary (whole) and for the comment
(cut to GitHub's limit), and the comment posted. With a key, the live bounds and what
would change now come from the capacity step's dry run, and prices Sieve can estimate.

Also the other half of a fork's review: posting a body computed in another job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from ..api.client import SieveClient
from ..capacity.model import Prices, Schedule
from ..capacity.step import CapacityReport, load_schedule
from ..capacity.summary import status_table
from ..contract.inputs import Inputs
from ..errors import BadInput, InputErrors, SieveError
from ..github.body import compose, marker
from ..report.markdown import SUMMARY_LIMIT
from ..secrets import Secrets
from ..workspace import Unreadable, root
from .change import FunctionChange, change
from .comment import Verdict, parts, verdict
from .cost import USAGE_DAYS, Rate, from_usage, rates
from .post import Posted, post, prepared, pull_request


@dataclass(frozen=True)
class Review:
    """What a review step found, for the edges to publish: the job summary's Markdown,
    the comment's body (the ``review`` output), the verdict, and the comment's fate."""

    summary: str
    comment: str
    judged: Verdict | None
    posted: Posted

    @property
    def report(self) -> str:
        """The job summary: the review, then what became of the comment."""
        return f"{self.summary.rstrip()}\n\n**Comment:** {self.posted.message}\n"

    @property
    def failed(self) -> bool:
        """The change broke ``max-weekly-increase`` (or it could not be checked)."""
        return self.judged is not None and not self.judged.passed


def load_files(
    inputs: Inputs, environ: Mapping[str, str], cwd: Path, secrets: Secrets
) -> tuple[Schedule | None, Schedule]:
    """The base branch's file (``review-base``; None when it has none: the pull request
    adds it) and the pull request's (``capacity-file``; when the pull request deletes
    it, the base's with no function), each read and checked as ``capacity-file`` is."""
    workspace = root(environ, cwd)
    base = None
    if _exists(workspace, inputs.review_base):
        try:
            base = load_schedule(_as_file(inputs, inputs.review_base), environ, cwd, secrets)
        except InputErrors as refused:
            raise InputErrors([_renamed(bad) for bad in refused.bad]) from None
    if base is not None and not _exists(workspace, inputs.capacity_file):
        return base, replace(base, file=inputs.capacity_file, functions=(), prices=Prices())
    head = load_schedule(inputs, environ, cwd, secrets)
    assert head is not None  # capacity-file is required with review-base
    return base, head


def _exists(workspace: Path, given: str) -> bool:
    """Whether ``given`` names anything (a broken or outward link too: reading it then
    says why it cannot be read)."""
    return (workspace / given).exists() or (workspace / given).is_symlink()


def _as_file(inputs: Inputs, path: str) -> Inputs:
    return replace(inputs, capacity_file=path, capacity="")


def _renamed(bad: BadInput) -> BadInput:
    return BadInput("review-base", bad.rule, bad.kind, bad.file, bad.line)


def review(
    inputs: Inputs,
    base: Schedule | None,
    head: Schedule,
    now: datetime,
    *,
    environ: Mapping[str, str],
    secrets: Secrets,
    log: Callable[[str], None],
    capacity: CapacityReport | None = None,
    client: SieveClient | None = None,
) -> Review:
    """Review the change of the capacity file and post it."""
    found = change(base, head, now)
    versions, compute = _live(capacity)
    estimate = None if client is None else _estimator(client, versions, compute, now, log)
    priced = rates(found, compute, estimate)
    judged = verdict(found, priced, inputs.max_weekly_increase)
    live = None
    if capacity is not None:
        live = "\n".join(
            [
                "**Live now** (read with the key), and what would change now:",
                "",
                *status_table(capacity, True, secrets),
            ]
        )
    blocks = parts(found, priced, judged, secrets, live)
    target = pull_request(environ, inputs.pull_request)
    head_sha = (target.head_sha if target else "") or environ.get("GITHUB_SHA", "")
    # Scrubbed as the body is (a file's name may hold a secret), alike on every run.
    tag = secrets.scrub(
        marker(environ.get("GITHUB_WORKFLOW", "sieve-action"), inputs.capacity_file)
    )
    whole = compose(
        blocks, head_sha=head_sha, computed_at=now, marker=tag, secrets=secrets,
        # UTF-16 units, each at most 3 bytes of UTF-8: within the summary's bytes.
        limit=SUMMARY_LIMIT // 3, elsewhere="too long for a job summary",
    )  # fmt: skip
    comment = compose(blocks, head_sha=head_sha, computed_at=now, marker=tag, secrets=secrets)
    posted = post(comment.body, tag, inputs.github_token, target, environ, secrets, log)
    return Review(whole.body, comment.body, judged, posted)


def _live(capacity: CapacityReport | None) -> tuple[dict[str, str], dict[str, str]]:
    """What the dry run read of each function (by label): its version's ID and its
    compute type, as Sieve gives them (none without a key)."""
    versions: dict[str, str] = {}
    compute: dict[str, str] = {}
    for function in capacity.functions if capacity is not None else ():
        version = function.run.current or function.run.before
        if version is not None:
            versions[function.run.target.label] = version.id
            if version.compute_type:
                compute[function.run.target.label] = version.compute_type
    return versions, compute


def _estimator(
    client: SieveClient,
    versions: Mapping[str, str],
    compute: Mapping[str, str],
    now: datetime,
    log: Callable[[str], None],
) -> Callable[[FunctionChange], Rate | None]:
    """A price from what Sieve billed the live version over the last week: its cost over
    its compute-hours, on its compute type when Sieve breaks the usage down by type."""

    def estimate(function: FunctionChange) -> Rate | None:
        version = versions.get(function.label)
        if version is None:
            return None
        named, end = function.schedule, now.timestamp()
        try:
            usage = client.version_usage(
                named.owner, named.function, version, end - USAGE_DAYS * 86_400, end
            )
        except SieveError as error:
            log(f"{function.label}: no estimate of its price from Sieve's usage: {error}")
            return None
        machine = function.compute or compute.get(function.label)
        billed = None if machine is None else usage.of(machine)
        if machine is not None and billed is not None:
            return from_usage(*billed, machine=machine)
        return from_usage(usage.total_cost_dollars, usage.total_compute_seconds)

    return estimate


def post_prepared(
    inputs: Inputs,
    environ: Mapping[str, str],
    cwd: Path,
    secrets: Secrets,
    log: Callable[[str], None],
) -> Review:
    """Post a review computed in another job (``review-comment``), if the pull request's
    head is still ``head-sha``; InputErrors when the file is not a review."""
    try:
        body, tag = prepared(inputs.review_comment, environ, cwd)
    except Unreadable as refused:
        raise InputErrors([BadInput("review-comment", str(refused))]) from None
    body = secrets.scrub(body)
    target = pull_request(environ, inputs.pull_request)
    posted = post(body, tag, inputs.github_token, target, environ, secrets, log, inputs.head_sha)
    return Review(body, body, None, posted)
