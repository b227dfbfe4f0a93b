"""One comment on the pull request, kept up to date: found by its marker *and* its
author, updated in place, created only when there is none; a comment anyone else wrote
is never touched, whatever it holds.

:func:`upsert` never raises for GitHub's sake: it says what happened (:class:`Upserted`).
``not permitted`` is a token that may not comment (a fork's read-only ``GITHUB_TOKEN``,
or a job without ``pull-requests: write``): the caller puts the plan in the job summary
with a notice saying why, and the step does not fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..errors import GitHubError, NotPermitted
from .client import GitHubClient
from .models import Comment

#: Who writes a comment made with a workflow's ``GITHUB_TOKEN``. GitHub gives that token
#: no way to ask who it is (``GET /user`` is refused to it); an app's token writes as
#: ``<app-slug>[bot]``, which the caller passes instead.
ACTIONS_BOT = "github-actions[bot]"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    NOT_PERMITTED = "not permitted"
    FAILED = "failed"


@dataclass(frozen=True)
class Upserted:
    """What :func:`upsert` did: the outcome, in words (scrubbed), and the comment."""

    outcome: Outcome
    message: str
    comment_id: int | None = None
    url: str | None = None


def is_ours(comment: Comment, marker: str, author: str) -> bool:
    """Written by ``author`` and ending with ``marker`` (trailing blanks aside); a
    person's login cannot hold ``[bot]``, so no person's comment is ever ours."""
    body = (comment.body or "").rstrip()
    return comment.user is not None and comment.user.login == author and body.endswith(marker)


def upsert(
    client: GitHubClient,
    repo: str,
    number: int,
    body: str,
    marker: str,
    author: str = ACTIONS_BOT,
) -> Upserted:
    """Put ``body`` (which ends with ``marker``) on pull request ``number`` of ``repo``:
    update the oldest comment that is ours, else create one."""
    if not body.rstrip().endswith(marker):
        raise ValueError("the comment's body must end with its marker")
    where = f"{repo}#{number}"
    try:
        ours = [c for c in client.list_comments(repo, number) if is_ours(c, marker, author)]
        if ours:
            done = client.update_comment(repo, ours[0].id, body)
            outcome, said = Outcome.UPDATED, "updated in place"
        else:
            done = client.create_comment(repo, number, body)
            outcome, said = Outcome.CREATED, "created"
    except NotPermitted as error:
        return Upserted(Outcome.NOT_PERMITTED, client.scrub(f"No comment on {where}: {error}"))
    except GitHubError as error:
        return Upserted(Outcome.FAILED, client.scrub(f"The comment on {where} failed: {error}"))
    message = client.scrub(f"The review comment on {where} was {said}: {done.html_url}")
    return Upserted(outcome, message, done.id, done.html_url)
