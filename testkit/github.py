"""A local GitHub REST API for the pull request's comment: the four operations the action
uses, in memory, answering as ``spec/github-openapi.json`` (GitHub's own description)
describes, plus what that description does not say and GitHub does:

- a comment's body is at most 65,536 characters: longer is ``422 Validation Failed``
  with GitHub's words (``Body is too long (maximum is 65536 characters)``);
- a read-only token (a fork's ``GITHUB_TOKEN``) may read but not write: ``403 Resource
  not accessible by integration``; an unknown token is ``401 Bad credentials``;
- a secondary rate limit applied to the next N requests: ``403`` (or ``429``) with
  ``Retry-After``, or a primary one (``x-ratelimit-remaining: 0`` and the reset).

Standard library only, like :mod:`testkit.simulator`; never shipped. Comments keep their
authors (the token's login, or any login a test seeds), so that whose comment is whose
can be checked; a writing token may edit anyone's comment, as a repository's
``GITHUB_TOKEN`` with ``pull-requests: write`` can: the client must not.

Run it on its own (ci/image/act_examples.sh, for the workflows act runs), each token read
from the environment variable named, so that none is on a command line::

    python -m testkit.github --token WRITE_VAR=github-actions[bot] \
        --read-only-token FORK_VAR=github-actions[bot] --pull acme/app#7=SHA

Control it (no token; outside GitHub's API, never recorded): ``GET /_fake/comments?repo=
OWNER/NAME&number=N`` (the comments, oldest first), ``POST /_fake/pulls`` with ``{"repo",
"number", "head_sha"}`` (a pull request, or a push to it), ``GET /_fake/requests`` (what was
asked: method, path, status; never the headers, which hold the token).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import re
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .paths import ROOT

GITHUB_SPEC = ROOT / "spec" / "github-openapi.json"
MAX_BODY = 65_536
BOT = "github-actions[bot]"
DOCS = "https://docs.github.com/rest"
_COMMENTS = re.compile(r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues/(?P<number>\d+)/comments")
_COMMENT = re.compile(r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues/comments/(?P<id>\d+)")
_PULL = re.compile(r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/pulls/(?P<number>\d+)")
Answer = tuple[int, Any, dict[str, str]]
#: ``owner/name#number=head_sha``: a pull request given on the command line.
_PULL_ARG = re.compile(
    r"(?P<owner>[^/\s#]+)/(?P<repo>[^/\s#]+)#(?P<number>\d+)=(?P<sha>[0-9a-fA-F]{40})"
)


@dataclass(frozen=True)
class Token:
    """Who a token writes as, and whether it may write (a fork's may not)."""

    login: str
    writes: bool = True


@dataclass
class Limit:
    """A rate limit on the next ``count`` requests: ``secondary`` (``Retry-After:
    retry_after``) or primary (``x-ratelimit-remaining: 0``, reset in ``retry_after``)."""

    count: int
    status: int = 403
    retry_after: int = 1
    secondary: bool = True
    #: Only requests of this method (None: any).
    method: str | None = None


@dataclass
class Pull:
    number: int
    head_sha: str
    base_ref: str = "main"
    base_sha: str = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    head_ref: str = "capacity-change"


@dataclass
class GitHubState:
    """GitHub's state in memory; every method takes the lock."""

    tokens: dict[str, Token] = field(default_factory=dict)
    #: Comments by (owner, repo, issue number), oldest first.
    comments: dict[tuple[str, str, int], list[dict[str, Any]]] = field(default_factory=dict)
    pulls: dict[tuple[str, str, int], Pull] = field(default_factory=dict)
    limits: list[Limit] = field(default_factory=list)
    #: Every request: method, path, query, headers, body (text).
    requests: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1001
    lock: threading.RLock = field(default_factory=threading.RLock)

    def add_comment(self, owner: str, repo: str, number: int, login: str, body: str) -> int:
        """A comment as someone wrote it (a test's seed): its id."""
        with self.lock:
            comment = self._comment(owner, repo, number, login, body)
            self.comments.setdefault((owner, repo, number), []).append(comment)
            return int(comment["id"])

    def bodies(self, owner: str, repo: str, number: int) -> list[tuple[str, str]]:
        """(author, body) of each comment, oldest first."""
        with self.lock:
            found = self.comments.get((owner, repo, number), [])
            return [(c["user"]["login"], c["body"]) for c in found]

    def _comment(self, owner: str, repo: str, number: int, login: str, body: str) -> dict[str, Any]:
        comment_id, self.next_id = self.next_id, self.next_id + 1
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        base = f"https://api.github.com/repos/{owner}/{repo}"
        return {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "url": f"{base}/issues/comments/{comment_id}",
            "html_url": f"https://github.com/{owner}/{repo}/pull/{number}#issuecomment-{comment_id}",
            "issue_url": f"{base}/issues/{number}",
            "body": body,
            "user": _user(login),
            "created_at": now,
            "updated_at": now,
            "author_association": "NONE" if login.endswith("[bot]") else "MEMBER",
        }


def _user(login: str) -> dict[str, Any]:
    """A ``simple-user`` with every required field."""
    bot = login.endswith("[bot]")
    user_id = 41898282 if login == BOT else 1000 + sum(map(ord, login))
    name = quote(login, safe="")  # as GitHub writes it: github-actions%5Bbot%5D
    url = f"https://api.github.com/users/{name}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/{'apps/github-actions' if login == BOT else name}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "Bot" if bot else "User",
        "site_admin": False,
    }


def _error(status: int, message: str, **extra: Any) -> Answer:
    return (
        status,
        {"message": message, "documentation_url": DOCS, "status": str(status), **extra},
        {},
    )


def _too_long() -> Answer:
    return _error(
        422,
        "Validation Failed",
        errors=[
            {
                "resource": "IssueComment",
                "code": "unprocessable",
                "field": "data",
                "message": f"Body is too long (maximum is {MAX_BODY} characters)",
            }
        ],
    )


def _pull_template() -> dict[str, Any]:
    """GitHub's own example of a pull request, from its description, less what breaks
    its own schema (its requested team has no ``type``)."""
    spec = json.loads(GITHUB_SPEC.read_text())
    example = dict(spec["components"]["examples"]["pull-request"]["value"])
    example["requested_teams"] = []
    return example


def _limited(state: GitHubState, method: str) -> Answer | None:
    limit = next((x for x in state.limits if x.method in {None, method}), None)
    if limit is None:
        return None
    limit.count -= 1
    if limit.count <= 0:
        state.limits.remove(limit)
    if limit.secondary:
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before "
            "you try again."
        )
        return (
            limit.status,
            _error(limit.status, message)[1],
            {"Retry-After": str(limit.retry_after)},
        )
    reset = int(time.time()) + limit.retry_after
    return (
        limit.status,
        _error(limit.status, "API rate limit exceeded for installation.")[1],
        {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(reset),
        },
    )


def handle(
    state: GitHubState, method: str, path: str, headers: dict[str, str], body: bytes, query: str
) -> Answer:
    """One request to the fake: (status, JSON body, extra headers). Each is recorded with
    the status it got."""
    with state.lock:
        record: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
        }
        state.requests.append(record)
        answer = _answer(state, method, path, headers, body, query)
        record["status"] = answer[0]
        return answer


def _answer(
    state: GitHubState, method: str, path: str, headers: dict[str, str], body: bytes, query: str
) -> Answer:
    auth = headers.get("authorization", "")
    token = state.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
    if token is None:
        return _error(401, "Bad credentials")
    limited = _limited(state, method)
    if limited is not None:
        return limited
    if found := _COMMENTS.fullmatch(path):
        key = (unquote(found["owner"]), unquote(found["repo"]), int(found["number"]))
        if method == "GET":
            return _list(state, key, dict(parse_qsl(query)))
        if method == "POST":
            return _create(state, key, token, body)
    if (found := _COMMENT.fullmatch(path)) and method == "PATCH":
        repo = (unquote(found["owner"]), unquote(found["repo"]))
        return _update(state, repo, int(found["id"]), token, body)
    if (found := _PULL.fullmatch(path)) and method == "GET":
        key = (unquote(found["owner"]), unquote(found["repo"]), int(found["number"]))
        return _pull(state, key)
    return _error(404, "Not Found")


def _list(state: GitHubState, key: tuple[str, str, int], query: dict[str, str]) -> Answer:
    per_page = min(100, max(1, int(query.get("per_page", "30"))))
    page = max(1, int(query.get("page", "1")))
    comments = state.comments.get(key, [])
    last = max(1, -(-len(comments) // per_page))
    shown = comments[(page - 1) * per_page : page * per_page]
    links = []
    if page < last:
        links.append(f'<https://api.github.com/x?page={page + 1}>; rel="next"')
        links.append(f'<https://api.github.com/x?page={last}>; rel="last"')
    return 200, copy.deepcopy(shown), {"Link": ", ".join(links)} if links else {}


def _text(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    text = data.get("body") if isinstance(data, dict) else None
    return text if isinstance(text, str) else None


def _written(token: Token, body: bytes) -> str | Answer:
    """The comment's new text, or GitHub's refusal: a read-only token, no body, too long."""
    if not token.writes:
        return _error(403, "Resource not accessible by integration")
    text = _text(body)
    if text is None:
        return _error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    if len(text) > MAX_BODY:
        return _too_long()
    return text


def _create(state: GitHubState, key: tuple[str, str, int], token: Token, body: bytes) -> Answer:
    text = _written(token, body)
    if not isinstance(text, str):
        return text
    comment = state._comment(*key, token.login, text)
    state.comments.setdefault(key, []).append(comment)
    return 201, copy.deepcopy(comment), {"Location": comment["url"]}


def _update(
    state: GitHubState, repo: tuple[str, str], comment_id: int, token: Token, body: bytes
) -> Answer:
    for (owner, name, _number), comments in state.comments.items():
        for comment in comments:
            if (owner, name) == repo and comment["id"] == comment_id:
                text = _written(token, body)
                if not isinstance(text, str):
                    return text
                comment["body"] = text
                comment["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                return 200, copy.deepcopy(comment), {}
    return _error(404, "Not Found")


def _pull(state: GitHubState, key: tuple[str, str, int]) -> Answer:
    pull = state.pulls.get(key)
    if pull is None:
        return _error(404, "Not Found")
    answer = _pull_template()
    answer["number"] = pull.number
    answer["head"] = {**answer["head"], "sha": pull.head_sha, "ref": pull.head_ref}
    answer["base"] = {**answer["base"], "sha": pull.base_sha, "ref": pull.base_ref}
    return 200, answer, {}


def control(state: GitHubState, method: str, path: str, body: bytes, query: str) -> Answer:
    """A test hook under ``/_fake/`` (see the module's description): what a script outside
    the process reads and sets. Bad input is a 400 that says why."""
    params = dict(parse_qsl(query))
    try:
        with state.lock:
            if path == "/_fake/comments" and method == "GET":
                owner, repo = _owner_name(params.get("repo", ""))
                found = state.comments.get((owner, repo, _number(params.get("number"))), [])
                return 200, [_shown(comment) for comment in found], {}
            if path == "/_fake/pulls" and method == "POST":
                return 200, _push(state, body), {}
            if path == "/_fake/requests" and method == "GET":
                seen = [
                    {"method": r["method"], "path": r["path"], "status": r.get("status")}
                    for r in state.requests
                ]
                return 200, seen, {}
    except (ValueError, TypeError) as error:  # JSONDecodeError is a ValueError
        return 400, {"message": str(error)}, {}
    return 404, {"message": "Not Found"}, {}


def _push(state: GitHubState, body: bytes) -> dict[str, Any]:
    """``POST /_fake/pulls``: a pull request, or a push that moves its head."""
    data = json.loads(body or b"{}")
    if not isinstance(data, dict):
        raise TypeError("the body must be a JSON object")
    owner, repo = _owner_name(data.get("repo"))
    number = _number(data.get("number"))
    sha = data.get("head_sha")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-fA-F]{40}", sha):
        raise ValueError("head_sha must be a commit's 40 hex digits")
    found = state.pulls.get((owner, repo, number))
    if found is None:
        state.pulls[(owner, repo, number)] = Pull(number, sha)
    else:  # a push: only the head moves
        found.head_sha = sha
    return {"repo": f"{owner}/{repo}", "number": number, "head_sha": sha}


def _owner_name(value: object) -> tuple[str, str]:
    owner, _, name = value.partition("/") if isinstance(value, str) else ("", "", "")
    if not owner or not name or "/" in name:
        raise ValueError(f"repo must be owner/name, not {value!r}")
    return owner, name


def _number(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0:
        return int(value)
    raise ValueError(f"number must be a pull request's number, not {value!r}")


def _shown(comment: dict[str, Any]) -> dict[str, Any]:
    """A comment as a script checks it: which one (its id), whose, what, when."""
    return {
        "id": comment["id"],
        "author": (comment.get("user") or {}).get("login"),
        "body": comment["body"],
        "created_at": comment["created_at"],
        "updated_at": comment["updated_at"],
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if parts.path.startswith("/_fake/"):
            status, data, extra = control(
                self.server.state, self.command, parts.path, body, parts.query
            )
        else:
            status, data, extra = handle(
                self.server.state, self.command, parts.path, headers, body, parts.query
            )
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: GitHubState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class FakeGitHub:
    """The fake on a background thread: ``with FakeGitHub() as github:``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = GitHubState()
        self._server = _Server((host, port), self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def tokens(given: list[str], environ: Mapping[str, str], *, writes: bool) -> dict[str, Token]:
    """``VAR=LOGIN`` each: the token is the value of the environment variable VAR (so it
    is on no command line), writing as LOGIN."""
    found: dict[str, Token] = {}
    for item in given:
        variable, _, login = item.partition("=")
        if not variable or not login:
            raise ValueError(f"{item!r} is not VAR=LOGIN")
        value = environ.get(variable, "")
        if not value.strip():
            raise ValueError(f"the environment variable {variable} (a token) is empty")
        found[value] = Token(login, writes)
    return found


def pull(given: str) -> tuple[tuple[str, str, int], Pull]:
    """``OWNER/NAME#NUMBER=HEAD_SHA``: a pull request and its head commit."""
    found = _PULL_ARG.fullmatch(given)
    if found is None:
        raise ValueError(f"{given!r} is not OWNER/NAME#NUMBER=HEAD_SHA (40 hex digits)")
    number = int(found["number"])
    return (found["owner"], found["repo"], number), Pull(number, found["sha"])


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m testkit.github", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="VAR=LOGIN",
        help="a token that writes as LOGIN, read from the environment variable VAR",
    )
    parser.add_argument(
        "--read-only-token",
        action="append",
        default=[],
        metavar="VAR=LOGIN",
        help="the same, a token that may only read (a fork's): 403 on writes",
    )
    parser.add_argument(
        "--pull",
        action="append",
        default=[],
        metavar="OWNER/NAME#N=SHA",
        help="a pull request and its head commit (repeatable)",
    )
    parser.add_argument("--ready-file", type=Path, help="write the base URL here once listening")
    args = parser.parse_args(argv)
    try:
        known = tokens(args.token, environ, writes=True)
        known.update(tokens(args.read_only_token, environ, writes=False))
        pulls = dict(pull(item) for item in args.pull)
    except ValueError as error:
        parser.error(str(error))
    fake = FakeGitHub(args.host, args.port)
    fake.state.tokens.update(known)
    fake.state.pulls.update(pulls)
    with fake:
        print(fake.url, flush=True)
        if args.ready_file:
            args.ready_file.write_text(fake.url + "\n")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
