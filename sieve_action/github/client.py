"""The GitHub REST operations the pull request's comment needs, through the same bounded
exchange as Sieve's (:class:`~sieve_action.api.http.Exchange`): list an issue's comments,
create one, update one, read a pull request.

Each request is retried within the policy (rate limits as :mod:`.rules` reads them),
bounded by its deadline and answer size, and scrubbed: the token is registered as a
secret when the client is made, so no answer, log line or error holds it, and every body
sent is scrubbed once more (the comment's text was scrubbed before it was cut).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from ..api.http import Exchange
from ..api.policy import RetryPolicy
from ..api.request import Request
from ..api.tls import PendingContext
from ..api.wire import api_path
from ..errors import GitHubError
from ..secrets import Secrets
from .models import Comment, Comments, PullRequest
from .rules import API_URL_VARIABLE, GITHUB

#: Where the API is unless the runner says otherwise (``GITHUB_API_URL``: GHES, GHE.com).
DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
#: Comments asked for per page (GitHub's most), and pages read at most.
PER_PAGE = 100
MAX_PAGES = 30
#: A page of 100 comments of up to 65,536 characters each (up to 4 bytes each, some
#: escaped in JSON): far more than a Sieve version, still bounded.
POLICY = RetryPolicy(max_answer_bytes=64 << 20)


def api_url(environ: Mapping[str, str]) -> str:
    """The API's base URL as the runner gives it, else api.github.com."""
    return (environ.get(API_URL_VARIABLE) or "").strip() or DEFAULT_API_URL


def _repo(repo: str) -> tuple[str, str]:
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise GitHubError(f"`{repo}` is not a repository's owner/name (GITHUB_REPOSITORY)")
    return owner, name


class GitHubClient:
    """GitHub's REST API with one token, each request retried and bounded as a whole."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        policy: RetryPolicy | None = None,
        secrets: Secrets | None = None,
        log: Callable[[str], None] = lambda _: None,
        transport: httpx.BaseTransport | None = None,
        tls: PendingContext | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.secrets = secrets if secrets is not None else Secrets()
        if token.strip():
            self.secrets.add(token)
        if not token.strip() or not (token.isascii() and token.isprintable()):
            raise GitHubError(
                "No usable GitHub token was given (GITHUB_TOKEN is empty or unprintable)"
            )
        self._exchange = Exchange(
            api_url,
            {
                "Authorization": f"Bearer {token}",
                "Accept": MEDIA_TYPE,
                "X-GitHub-Api-Version": API_VERSION,
            },
            GITHUB,
            policy=policy or POLICY,
            secrets=self.secrets,
            log=log,
            transport=transport,
            tls=tls,
            environ=environ,
        )

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._exchange.close()

    def scrub(self, text: str) -> str:
        return self.secrets.scrub(text)

    # -- the operations ---------------------------------------------------------------
    def list_comments(self, repo: str, number: int, *, max_pages: int = MAX_PAGES) -> list[Comment]:
        """``issues/list-comments``: every comment of the issue or pull request, oldest
        first, ``PER_PAGE`` a page; a GitHubError past ``max_pages`` pages."""
        owner, name = _repo(repo)
        path = api_path("/repos/{}/{}/issues/{}/comments", owner, name, str(number))
        found: list[Comment] = []
        for page in range(1, max_pages + 1):
            request = Request(
                "GET",
                path,
                f"{repo}#{number}",
                params={"per_page": PER_PAGE, "page": page},
                kind="comments of pull request",
            )
            comments = self._exchange.call(request, Comments).root
            found.extend(comments)
            if len(comments) < PER_PAGE:
                return found
        raise GitHubError(
            f"{repo}#{number} has more than {max_pages * PER_PAGE} comments; the action reads "
            "no more, so it cannot tell whether its comment is among the rest"
        )

    def create_comment(self, repo: str, number: int, body: str) -> Comment:
        """``issues/create-comment`` (201). Not idempotent: retried only when GitHub surely
        did not take it (a rate limit, a refused connection), so no comment is doubled."""
        owner, name = _repo(repo)
        request = Request(
            "POST",
            api_path("/repos/{}/{}/issues/{}/comments", owner, name, str(number)),
            f"{repo}#{number}",
            body={"body": self.scrub(body)},
            idempotent=False,
            kind="comment on pull request",
        )
        return self._exchange.call(request, Comment)

    def update_comment(self, repo: str, comment_id: int, body: str) -> Comment:
        """``issues/update-comment``: the comment's whole body set (safe to send twice)."""
        owner, name = _repo(repo)
        request = Request(
            "PATCH",
            api_path("/repos/{}/{}/issues/comments/{}", owner, name, str(comment_id)),
            f"{repo} comment {comment_id}",
            body={"body": self.scrub(body)},
            kind="comment",
        )
        return self._exchange.call(request, Comment)

    def get_pull(self, repo: str, number: int) -> PullRequest:
        """``pulls/get``: the pull request, with its base's ref and SHA and its head's SHA."""
        owner, name = _repo(repo)
        request = Request(
            "GET",
            api_path("/repos/{}/{}/pulls/{}", owner, name, str(number)),
            f"{repo}#{number}",
            kind="pull request",
        )
        return self._exchange.call(request, PullRequest)
