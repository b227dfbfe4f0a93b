"""GitHub's objects, as far as the action reads them, from GitHub's own description
(``spec/github-openapi.json``: ``issue-comment``, ``simple-user``, ``pull-request``).

Only the fields read here are typed; every other field is kept in ``raw``. Checked by
:func:`sieve_action.api.shape.load`, as Sieve's answers are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _raw() -> Any:
    return field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class User:
    """``simple-user``: who wrote a comment (``github-actions[bot]`` for a workflow's
    ``GITHUB_TOKEN``)."""

    login: str
    type: str | None = None
    raw: Mapping[str, Any] | None = _raw()


@dataclass(frozen=True)
class Comment:
    """``issue-comment``: a comment on an issue or a pull request. ``user`` is null for
    a deleted account; ``body`` is absent from some media types."""

    id: int
    html_url: str
    user: User | None
    body: str | None = None
    raw: Mapping[str, Any] | None = _raw()


@dataclass(frozen=True)
class Comments:
    """One page of ``issues/list-comments``, oldest first."""

    root: list[Comment]


@dataclass(frozen=True)
class Ref:
    """A pull request's ``head`` or ``base``: the branch and the commit it points at."""

    ref: str
    sha: str
    raw: Mapping[str, Any] | None = _raw()


@dataclass(frozen=True)
class PullRequest:
    """``pull-request``: its number, its base (what it merges into) and its head."""

    number: int
    head: Ref
    base: Ref
    html_url: str | None = None
    raw: Mapping[str, Any] | None = _raw()
