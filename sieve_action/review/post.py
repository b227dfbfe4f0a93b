"""Where the review goes on GitHub: the pull request the event is about (or the one a
later job names), and the one comment kept up to date there. Never a failure for want of
a permission: without a token that may comment (a fork's pull request), the review stays
in the job summary and a notice says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import GitHubError
from ..github.body import MARKER_START, MAX_BODY
from ..github.client import GitHubClient, api_url
from ..github.comment import Outcome, upsert
from ..github.event import read_event
from ..secrets import Secrets
from ..workspace import Unreadable, read, resolve, root


@dataclass(frozen=True)
class PullRequest:
    """A pull request to comment on: ``owner/name``, its number, its head commit ("" when
    the event does not say)."""

    repo: str
    number: int
    head_sha: str


#: The outcome when nothing was sent: no pull request, no token, or a newer head.
NOT_POSTED = "not posted"


@dataclass(frozen=True)
class Posted:
    """What became of the comment: an :class:`Outcome` of the upsert, or ``not posted``
    (no pull request, no token, a newer head), and in words (the comment's URL in them)."""

    outcome: str
    message: str

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAILED


def pull_request(environ: Mapping[str, str], number: int | None) -> PullRequest | None:
    """The pull request ``number`` names, else the one the event is about; None outside
    a pull request (a push, a schedule, the CLI at a terminal)."""
    repo = environ.get("GITHUB_REPOSITORY", "")
    event = read_event(environ)
    found = event.get("pull_request")
    found = found if isinstance(found, dict) else {}
    head = found.get("head")
    sha = head.get("sha") if isinstance(head, dict) else None
    from_event = found.get("number")
    if number is None and isinstance(from_event, int):
        number = from_event
    if not repo or number is None:
        return None
    same = number == from_event
    return PullRequest(repo, number, sha if isinstance(sha, str) and same else "")


def post(
    body: str,
    marker: str,
    token: str,
    target: PullRequest | None,
    environ: Mapping[str, str],
    secrets: Secrets,
    log: Callable[[str], None],
    head_sha: str = "",
) -> Posted:
    """Put ``body`` on the pull request, once: updated in place from the second run on.
    ``head_sha``, when given, must be the pull request's head now (a review computed in
    another job, for a commit a newer push may have replaced)."""
    if target is None:
        return Posted(NOT_POSTED, "Not a pull request: the review is in the job summary.")
    if not token:
        return Posted(
            NOT_POSTED,
            "No `github-token`: the review is in the job summary only (give the job "
            "`pull-requests: write` to comment on the pull request).",
        )
    where = f"{target.repo}#{target.number}"
    with GitHubClient(
        token, api_url=api_url(environ), secrets=secrets, log=log, environ=environ
    ) as client:
        if head_sha:
            try:
                now = client.get_pull(target.repo, target.number).head.sha
            except GitHubError as error:
                return Posted(
                    Outcome.FAILED,
                    client.scrub(f"Cannot read {where}: {error}"),
                )
            if now.lower() != head_sha.lower():
                return Posted(
                    NOT_POSTED,
                    f"{where}'s head is now {now[:12]}, not {head_sha[:12]}: "
                    "the review of the newer commit will be posted by its own run",
                )
        done = upsert(client, target.repo, target.number, body, marker)
    if done.outcome == Outcome.NOT_PERMITTED:
        return Posted(
            done.outcome,
            f"{done.message}. The review is in the job summary; on a pull request from a fork, "
            "a `workflow_run` job posts it (docs/capacity.md).",
        )
    return Posted(done.outcome, done.message)


def prepared(given: str, environ: Mapping[str, str], cwd: Path) -> tuple[str, str]:
    """A review computed in another job (``review-comment``): its body and the marker it
    ends with; Unreadable when the file is not one (outside the workspace, too large, or
    not ending with a review's marker)."""
    path = resolve(given, root(environ, cwd))
    # A body of MAX_BODY UTF-16 units is at most 3 bytes of UTF-8 each, a line or so more.
    text = read(path, 4 * MAX_BODY, "is larger than a review ({size} bytes)").decode(
        "utf-8", "replace"
    )
    last = text.rstrip().rsplit("\n", 1)[-1].strip()
    if not (last.startswith(MARKER_START) and last.endswith("-->")):
        raise Unreadable(
            "must be a review as the `review` output gives it (it ends with its marker)"
        )
    return text.rstrip(), last
