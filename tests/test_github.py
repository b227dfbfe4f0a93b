"""GitHub's client and the one comment kept up to date, against the fake GitHub in process
(every request and answer checked against GitHub's own description with openapi-core)
and against answers made up on the spot (``httpx.MockTransport``): rate limits, refusals
in words, a plain 403 not retried, bounds, scrubbing. Waits are recorded, not slept."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import stamina
import tenacity.nap
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from pytest_httpserver import HTTPServer

from sieve_action.api.policy import RetryPolicy
from sieve_action.api.request import log_retry
from sieve_action.errors import AnswerTooLarge, GitHubError, NotPermitted, ServiceError, SieveError
from sieve_action.github import rules
from sieve_action.github.body import marker
from sieve_action.github.client import DEFAULT_API_URL, GitHubClient, api_url
from sieve_action.github.comment import ACTIONS_BOT, Outcome, upsert
from sieve_action.secrets import Secrets
from testkit.github import FakeGitHub, Limit, Pull, Token

TOKEN = "ghs_Unit4Tq8Zr2LmVx9Kp3Wn7Yc1Hd5Jf"
KEY = "sk-Unit8Qm7Xv2Rp9Lz4Tn3Kw6Hy1"
REPO, NUMBER = "acme/app", 7
MARK = marker("Capacity review", "capacity.yml")
TINY = RetryPolicy(attempts=4, timeout=10, wait_initial=0.01, wait_max=0.02, wait_jitter=0)
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def fake(github: FakeGitHub) -> FakeGitHub:
    """The fake GitHub with the job's token and pull request #7."""
    github.state.tokens[TOKEN] = Token(ACTIONS_BOT)
    github.state.pulls[("acme", "app", NUMBER)] = Pull(NUMBER, "f" * 40)
    return github


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", SimpleNamespace(sleep=slept.append))
    return slept


@pytest.fixture
def log() -> Iterator[list[str]]:
    lines: list[str] = []
    stamina.instrumentation.set_on_retry_hooks([log_retry])
    yield lines
    stamina.instrumentation.set_on_retry_hooks(None)


def client_for(
    url_or_handler: str | Handler, *, policy: RetryPolicy = TINY, log: list[str] | None = None
) -> GitHubClient:
    secrets = Secrets()
    secrets.add(KEY)
    if isinstance(url_or_handler, str):
        return GitHubClient(
            TOKEN, api_url=url_or_handler, policy=policy, secrets=secrets, log=_to(log)
        )
    return GitHubClient(
        TOKEN,
        api_url="https://api.github.test",
        policy=policy,
        secrets=secrets,
        log=_to(log),
        transport=httpx.MockTransport(url_or_handler),
    )


def _to(log: list[str] | None) -> Callable[[str], None]:
    return (lambda _: None) if log is None else log.append


def answering(*answers: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving ``answers`` in turn (the last one again), and the requests seen."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen), len(answers)) - 1]

    return handle, seen


def error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"message": message, "documentation_url": "https://docs.github.com/rest"}
    return httpx.Response(status, json=body, headers=headers or {})


# -- the requests --------------------------------------------------------------------------


def test_every_request_carries_github_s_headers_and_the_token_only_there(fake: FakeGitHub) -> None:
    with client_for(fake.url) as client:
        client.create_comment(REPO, NUMBER, f"a plan {TOKEN} {KEY}")
        client.list_comments(REPO, NUMBER)
        client.update_comment(REPO, fake.state.next_id - 1, "again")
        pull = client.get_pull(REPO, NUMBER)
    assert (pull.head.sha, pull.base.ref) == ("f" * 40, "main")
    requests = fake.state.requests
    assert [r["method"] for r in requests] == ["POST", "GET", "PATCH", "GET"]
    for request in requests:
        headers = request["headers"]
        assert headers["authorization"] == f"Bearer {TOKEN}"
        assert headers["accept"] == "application/vnd.github+json"
        assert headers["x-github-api-version"] == "2022-11-28"
        assert headers["user-agent"].startswith("sieve-action/")
        assert TOKEN not in request["body"] and KEY not in request["body"]
    assert json.loads(requests[0]["body"]) == {"body": "a plan *** ***"}
    assert requests[1]["query"] == "per_page=100&page=1"


def test_the_base_url_is_the_runner_s_with_its_path() -> None:
    assert api_url({}) == DEFAULT_API_URL == "https://api.github.com"
    assert api_url({"GITHUB_API_URL": " https://ghe.test/api/v3 "}) == "https://ghe.test/api/v3"
    handle, seen = answering(httpx.Response(200, json=[]))
    with GitHubClient(
        TOKEN, api_url="https://ghe.test/api/v3", transport=httpx.MockTransport(handle)
    ) as client:
        client.list_comments(REPO, NUMBER)
    assert seen[0].url.path == "/api/v3/repos/acme/app/issues/7/comments"


def test_comments_are_read_page_by_page_within_a_bound(fake: FakeGitHub) -> None:
    for i in range(250):
        fake.state.add_comment("acme", "app", NUMBER, "octocat", f"comment {i}")
    with client_for(fake.url) as client:
        comments = client.list_comments(REPO, NUMBER)
        assert [c.body for c in comments] == [f"comment {i}" for i in range(250)]
        with pytest.raises(GitHubError, match="more than 200 comments"):
            client.list_comments(REPO, NUMBER, max_pages=2)
    assert [r["query"] for r in fake.state.requests][-2:] == [
        "per_page=100&page=1",
        "per_page=100&page=2",
    ]


# -- rate limits and refusals ----------------------------------------------------------------


def test_a_plain_403_is_not_permitted_and_not_retried() -> None:
    handle, seen = answering(error(403, "Resource not accessible by integration"))
    with client_for(handle) as client, pytest.raises(NotPermitted) as caught:
        client.create_comment(REPO, NUMBER, "a plan")
    assert len(seen) == 1
    assert caught.value.status == 403
    assert "(403: Resource not accessible by integration)" in str(caught.value)
    assert "read-only GITHUB_TOKEN" in str(caught.value)


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_rate_limit_waits_what_github_asks(
    status: int, sleeps: list[float], log: list[str]
) -> None:
    limited = error(status, "You have exceeded a secondary rate limit", {"Retry-After": "7"})
    handle, seen = answering(limited, limited, httpx.Response(200, json=[]))
    with client_for(handle, log=log) as client:
        assert client.list_comments(REPO, NUMBER) == []
    assert len(seen) == 3 and sleeps == [7.0, 7.0]
    assert log[0] == (
        f"GET {REPO}#{NUMBER}: HTTP {status}: GitHub's secondary rate limit; try 2 of 4 in 7.0 s"
    )


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_rate_limit_with_no_wait_given_asks_a_minute(
    status: int, sleeps: list[float]
) -> None:
    handle, seen = answering(error(status, "You have exceeded a secondary rate limit."))
    with client_for(handle) as client, pytest.raises(GitHubError) as caught:
        client.create_comment(REPO, NUMBER, "a plan")
    assert not isinstance(caught.value, NotPermitted)
    assert "GitHub asked to wait 60 s, more than the 30 s this action waits" in str(caught.value)
    assert len(seen) == 1 and sleeps == []
    patient = RetryPolicy(**{**TINY.__dict__, "max_retry_after": 90.0})
    handle, seen = answering(
        error(status, "You have exceeded a secondary rate limit."),
        httpx.Response(201, json=_comment(5, ACTIONS_BOT, "a plan")),
    )
    with client_for(handle, policy=patient) as client:
        assert client.create_comment(REPO, NUMBER, "a plan").id == 5
    assert sleeps == [60.0]


def test_the_primary_rate_limit_waits_for_its_reset(
    sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "time", SimpleNamespace(time=lambda: 1_000_000.0))
    spent = error(
        403,
        "API rate limit exceeded for installation.",
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000012"},
    )
    handle, seen = answering(spent, httpx.Response(200, json=[]))
    with client_for(handle) as client:
        client.list_comments(REPO, NUMBER)
    assert sleeps == [12.0]
    handle, seen = answering(
        error(
            403,
            "API rate limit exceeded",
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1003600"},
        )
    )
    with client_for(handle) as client, pytest.raises(GitHubError, match="wait 3600 s"):
        client.list_comments(REPO, NUMBER)
    assert len(seen) == 1


def test_a_5xx_is_retried_for_an_update_but_never_for_a_create(sleeps: list[float]) -> None:
    handle, seen = answering(
        httpx.Response(502), httpx.Response(200, json=_comment(5, ACTIONS_BOT, "x"))
    )
    with client_for(handle) as client:
        client.update_comment(REPO, 5, "x")
    assert len(seen) == 2
    handle, seen = answering(httpx.Response(502))
    with client_for(handle) as client, pytest.raises(GitHubError) as caught:
        client.create_comment(REPO, NUMBER, "x")
    assert len(seen) == 1
    assert "not retried: GitHub may have taken the request" in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (error(401, "Bad credentials"), "GitHub rejected the token (401: Bad credentials)"),
        (
            error(404, "Not Found"),
            "GitHub has no pull request acme/app#7, or the token cannot see it",
        ),
        (httpx.Response(404, text="<html>nope</html>"), "check GITHUB_API_URL"),
        (error(410, "Issues are disabled"), "is gone (410: Issues are disabled)"),
        (error(418, "teapot"), "GitHub answered HTTP 418 for the pull request acme/app#7: teapot"),
    ],
)
def test_refusals_are_github_s_in_words(answer: httpx.Response, words: str) -> None:
    handle, seen = answering(answer)
    with client_for(handle) as client, pytest.raises(GitHubError) as caught:
        client.get_pull(REPO, NUMBER)
    assert words in str(caught.value)
    assert not isinstance(caught.value, SieveError) and isinstance(caught.value, ServiceError)
    assert len(seen) == 1


def test_a_refusal_that_echoes_a_secret_never_shows_it() -> None:
    echo = httpx.Response(
        422,
        json={
            "message": f"Validation Failed for {TOKEN}",
            "errors": [{"code": "custom", "field": "body", "message": f"holds {KEY}"}],
            "documentation_url": "https://docs.github.com/rest",
        },
    )
    handle, _ = answering(echo)
    with client_for(handle) as client, pytest.raises(GitHubError) as caught:
        client.create_comment(REPO, NUMBER, "x")
    text = str(caught.value)
    assert "(422: Validation Failed for ***; holds ***)" in text
    assert TOKEN not in text and KEY not in text


def test_an_answer_over_the_cap_is_github_s_error_not_sieve_s() -> None:
    handle, _ = answering(httpx.Response(200, json=[{"x": "y" * 5000}]))
    small = RetryPolicy(**{**TINY.__dict__, "max_answer_bytes": 1024})
    with client_for(handle, policy=small) as client, pytest.raises(GitHubError) as caught:
        client.list_comments(REPO, NUMBER)
    assert not isinstance(caught.value, SieveError)
    assert str(caught.value).startswith("GitHub's answer is larger than 1 KiB once decompressed")
    assert str(AnswerTooLarge(1024)).startswith("Sieve's answer is larger than 1 KiB")


def test_an_answer_in_an_encoding_not_asked_for_is_github_s_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/repos/acme/app/issues/7/comments").respond_with_data(
        b"x", headers={"Content-Encoding": "br"}
    )
    with (
        client_for(httpserver.url_for("/").rstrip("/")) as client,
        pytest.raises(GitHubError, match="GitHub's answer is encoded as 'br'"),
    ):
        client.list_comments(REPO, NUMBER)


def test_a_201_that_is_not_a_comment_is_retried_as_a_bad_body() -> None:
    handle, seen = answering(httpx.Response(201, json={"id": "nope"}))
    with client_for(handle) as client, pytest.raises(GitHubError) as caught:
        client.update_comment(REPO, 5, "x")
    assert "HTTP 201 with a body that is not a Comment" in str(caught.value)
    assert len(seen) == TINY.attempts


@pytest.mark.parametrize("token", ["", "  ", "tok\nen", "tökén"])
def test_a_token_that_cannot_be_sent_is_refused_and_still_scrubbed(token: str) -> None:
    secrets = Secrets()
    with pytest.raises(GitHubError, match="No usable GitHub token"):
        GitHubClient(token, secrets=secrets)
    if token.strip():
        assert secrets.scrub(f"x{token}x") != f"x{token}x"


@pytest.mark.parametrize("repo", ["acme", "acme/", "/app", "acme/app/extra"])
def test_a_repository_that_is_not_owner_name_is_an_error(repo: str) -> None:
    handle, seen = answering(httpx.Response(200, json=[]))
    with client_for(handle) as client, pytest.raises(GitHubError, match="owner/name"):
        client.list_comments(repo, NUMBER)
    assert seen == []


# -- upsert ----------------------------------------------------------------------------------


def _comment(comment_id: int, login: str | None, body: str) -> dict[str, Any]:
    return {
        "id": comment_id,
        "html_url": f"https://github.com/acme/app/pull/7#issuecomment-{comment_id}",
        "user": None if login is None else {"login": login, "type": "Bot"},
        "body": body,
    }


def test_upsert_creates_once_then_updates_the_oldest_of_its_own(fake: FakeGitHub) -> None:
    body = f"plan one\n\n{MARK}"
    with client_for(fake.url) as client:
        first = upsert(client, REPO, NUMBER, body, MARK)
        fake.state.add_comment("acme", "app", NUMBER, ACTIONS_BOT, f"a later copy\n\n{MARK}")
        second = upsert(client, REPO, NUMBER, f"plan two\n\n{MARK}\n", MARK)
    assert (first.outcome, second.outcome) == (Outcome.CREATED, Outcome.UPDATED)
    assert second.comment_id == first.comment_id and second.url and "issuecomment" in second.url
    assert [b for _, b in fake.state.bodies("acme", "app", NUMBER)] == [
        f"plan two\n\n{MARK}\n",
        f"a later copy\n\n{MARK}",
    ]


def test_upsert_never_takes_another_s_comment_or_one_quoting_the_marker(fake: FakeGitHub) -> None:
    state = fake.state
    person = state.add_comment("acme", "app", NUMBER, "octocat", f"copied\n{MARK}")
    quoted = state.add_comment("acme", "app", NUMBER, ACTIONS_BOT, f"{MARK}\nand then more")
    other = state.add_comment("acme", "app", NUMBER, ACTIONS_BOT, f"x\n{marker('Other', 'b.yml')}")
    with client_for(fake.url) as client:
        result = upsert(client, REPO, NUMBER, f"plan\n\n{MARK}", MARK)
    assert result.outcome is Outcome.CREATED
    assert result.comment_id not in {person, quoted, other}
    assert [r["method"] for r in state.requests] == ["GET", "POST"]


def test_upsert_with_an_app_s_login(fake: FakeGitHub) -> None:
    fake.state.tokens[TOKEN] = Token("capacity-bot[bot]")
    mine = fake.state.add_comment("acme", "app", NUMBER, "capacity-bot[bot]", f"old\n\n{MARK}")
    with client_for(fake.url) as client:
        result = upsert(client, REPO, NUMBER, f"new\n\n{MARK}", MARK, author="capacity-bot[bot]")
    assert (result.outcome, result.comment_id) == (Outcome.UPDATED, mine)


def test_upsert_says_not_permitted_for_a_read_only_token(fake: FakeGitHub) -> None:
    fake.state.tokens[TOKEN] = Token(ACTIONS_BOT, writes=False)
    with client_for(fake.url) as client:
        result = upsert(client, REPO, NUMBER, f"plan\n\n{MARK}", MARK)
    assert result.outcome is Outcome.NOT_PERMITTED and result.comment_id is None
    assert result.message.startswith(f"No comment on {REPO}#{NUMBER}: The token may not write")


def test_upsert_says_failed_in_words_and_raises_nothing(
    fake: FakeGitHub, sleeps: list[float]
) -> None:
    fake.state.limits.append(Limit(10, status=429, retry_after=1))
    with client_for(fake.url) as client:
        result = upsert(client, REPO, NUMBER, f"plan\n\n{MARK}", MARK)
    assert result.outcome is Outcome.FAILED
    assert result.message.startswith(f"The comment on {REPO}#{NUMBER} failed: GET {REPO}#{NUMBER}")
    assert "after 4 attempts" in result.message and sleeps == [1.0, 1.0, 1.0]


def test_upsert_refuses_a_body_that_does_not_end_with_its_marker(fake: FakeGitHub) -> None:
    with client_for(fake.url) as client, pytest.raises(ValueError, match="marker"):
        upsert(client, REPO, NUMBER, f"{MARK}\nplan", MARK)
    assert fake.state.requests == []


def test_a_deleted_account_s_comment_is_nobody_s() -> None:
    handle, _ = answering(
        httpx.Response(200, json=[_comment(1, None, f"x\n{MARK}")]),
        httpx.Response(201, json=_comment(2, ACTIONS_BOT, f"y\n{MARK}")),
    )
    with client_for(handle) as client:
        result = upsert(client, REPO, NUMBER, f"y\n{MARK}", MARK)
    assert (result.outcome, result.comment_id) == (Outcome.CREATED, 2)


def test_the_fake_s_answers_follow_the_description(
    fake: FakeGitHub, github_description: OpenAPI
) -> None:
    fake.state.add_comment("acme", "app", NUMBER, "octocat", "hi")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for method, path, body in [
        ("GET", f"/repos/acme/app/issues/{NUMBER}/comments", None),
        ("POST", f"/repos/acme/app/issues/{NUMBER}/comments", {"body": "x"}),
        ("POST", f"/repos/acme/app/issues/{NUMBER}/comments", {"body": "x" * 70_000}),
        ("PATCH", "/repos/acme/app/issues/comments/1001", {"body": "y"}),
        ("GET", f"/repos/acme/app/pulls/{NUMBER}", None),
        ("GET", "/repos/acme/app/pulls/99", None),
    ]:
        answer = httpx.request(method, fake.url + path, json=body, headers=headers)
        request = MockRequest(
            "https://api.github.com",
            method.lower(),
            path,
            headers=headers,
            data=json.dumps(body).encode() if body else None,
            content_type="application/json",
        )
        github_description.validate_response(
            request,
            MockResponse(
                answer.content, status_code=answer.status_code, content_type="application/json"
            ),
        )
    assert answer.status_code == 404
