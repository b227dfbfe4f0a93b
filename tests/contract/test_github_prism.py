"""GitHub's contract for the pull request's comment, checked by Prism against GitHub's own
description (``spec/github-openapi.json``, cut from npm ``@octokit/openapi``).

* Proxy: ``prism proxy spec/github-openapi.json <fake GitHub> --errors`` between the
  client and :class:`testkit.github.FakeGitHub`. Every scenario asserts what
  :func:`upsert` did *and* what Prism found: no violation in any request, ever; in the
  answers only the statuses the description leaves out and GitHub sends (a 403 to an
  update, a rate limit), each named by the test.
* Mock: ``prism mock -d``: the client against answers Prism makes up from the schemas,
  and every documented error status: each operation gives its model or a GitHubError.

Waits are recorded, not slept (``tenacity.nap.time``), and the policy is tiny.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stamina
import tenacity.nap

from sieve_action.api.policy import RetryPolicy
from sieve_action.api.request import log_retry
from sieve_action.errors import GitHubError, NotPermitted
from sieve_action.github.body import MAX_BODY, Cut, Part, compose, length, marker
from sieve_action.github.client import GitHubClient
from sieve_action.github.comment import ACTIONS_BOT, Outcome, upsert
from sieve_action.secrets import Secrets
from testkit import github as fake_module
from testkit.github import GITHUB_SPEC, FakeGitHub, Limit, Pull, Token

from .harness import Exchange, PrismProcess, Tap

pytestmark = pytest.mark.contract

TOKEN = "ghs_Tq8Zr2LmVx4Kp9Wn3Yc7Hd5Jf1Bs6Ga0UeXo"
READ_ONLY = "ghs_Rk5Pw9Nv3Cx7Mz1Lq6Jt2Hb8Fg4Dy0SaEiUo"
KEY = "sk-Qm7Xv2Rp9Lz4Tn8Kw3Hy6Jc1Fb5Gd0Ns"
REPO, NUMBER, HEAD = "acme/app", 7, "0123456789abcdef0123456789abcdef01234567"
MARK = marker("Capacity review", ".github/capacity.yml")
TINY = RetryPolicy(
    attempts=4,
    timeout=20,
    wait_initial=0.01,
    wait_max=0.02,
    wait_jitter=0,
    max_answer_bytes=64 << 20,
)
#: How Prism words a status the description does not document (a warning: passed on).
UNDOCUMENTED = "Unable to match the returned status code"


def plan(rows: int, *, secret: str = "") -> list[Part]:
    """A capacity review as the caller makes one: totals that must stay, a table of
    rows and a chart that may be cut."""
    table = ["| function | window | min | max | $/week |", "| --- | --- | --- | --- | --- |"]
    table += [f"| acme/f{i} | mon-fri 08:00–20:00 | 1 | 4 | {i}.00 {secret} |" for i in range(rows)]
    chart = [
        "```mermaid",
        "gantt",
        *(f"  f{i} :a{i}, 2026-12-0{1 + i % 7}, 1d" for i in range(40)),
        "```",
    ]
    return [
        Part("### Capacity review\n\n**Totals: 12 warm replicas at peak, $1,234.56 a week**"),
        Part("\n".join(table), Cut.LINES, noun="row", keep=2),
        Part("\n".join(chart), Cut.WHOLE, noun="the chart"),
    ]


def body_of(parts: list[Part], secrets: Secrets) -> str:
    when = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    return compose(parts, head_sha=HEAD, computed_at=when, marker=MARK, secrets=secrets).body


def leaks(secret: str, text: str) -> bool:
    """Any 8 characters of ``secret`` in ``text``: a secret in part counts too."""
    return any(secret[i : i + 8] in text for i in range(len(secret) - 7))


# -- proxy: the client and the fake, both checked ---------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as github:
        yield github


@pytest.fixture(scope="module")
def prism(fake: FakeGitHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismProcess]:
    log = tmp_path_factory.mktemp("prism-github") / "prism.log"
    process = PrismProcess(["proxy", str(GITHUB_SPEC), fake.url, "--errors"], log).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def tap(prism: PrismProcess) -> Iterator[Tap]:
    relay = Tap(prism.url).start()
    yield relay
    relay.stop()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits between retries, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", SimpleNamespace(sleep=slept.append))
    return slept


@dataclass
class GitHubContract:
    """One test's view: clients through Prism to the fake, then what Prism reported."""

    fake: FakeGitHub
    prism: PrismProcess
    tap: Tap
    mark: int
    secrets: Secrets = field(default_factory=Secrets)
    log: list[str] = field(default_factory=list)

    def client(self, token: str = TOKEN) -> GitHubClient:
        return GitHubClient(
            token, api_url=self.tap.url, policy=TINY, secrets=self.secrets, log=self.log.append
        )

    def upsert(self, body: str, token: str = TOKEN, number: int = NUMBER) -> Any:
        with self.client(token) as client:
            return upsert(client, REPO, number, body, MARK)

    def comments(self, number: int = NUMBER) -> list[tuple[str, str]]:
        return self.fake.state.bodies("acme", "app", number)

    def check(self, *allowed: tuple[str, int]) -> list[Exchange]:
        """Assert Prism found no violation in any request, and in the answers only a
        status the description leaves out, at the (method, status) ``allowed``; that
        every request went through Prism to the fake and back; return the exchanges."""
        self.prism.sync(
            "",
            path="/repos/prism-sync/{token}/pulls/1",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        seen = self.tap.recorded()
        wrong = []
        for exchange in seen:
            for violation in exchange.violations:
                undocumented = (
                    isinstance(violation, dict)
                    and violation.get("location", [None])[0] == "response"
                    and UNDOCUMENTED in str(violation.get("message"))
                    and (exchange.method, exchange.status) in allowed
                )
                if not undocumented:
                    wrong.append(f"{exchange}")
        complaints = [
            line
            for line in self.prism.complaints(self.mark)
            if not (allowed and f"Violation: response {UNDOCUMENTED}" in line)
        ]
        assert not wrong and not complaints, "\n".join([*wrong, *complaints])
        reached = [r for r in self.fake.state.requests if "prism-sync" not in r["path"]]
        assert sorted((e.method, urlsplit(e.path).path, e.status) for e in seen) == sorted(
            (r["method"], r["path"], _status(r)) for r in reached
        ), "not every request went through Prism to the fake and back"
        assert seen, "no request went through Prism"
        return seen


def _status(request: dict[str, Any]) -> int:
    return int(request["status"])


@pytest.fixture
def gh(fake: FakeGitHub, prism: PrismProcess, tap: Tap) -> Iterator[GitHubContract]:
    state = fake.state
    with state.lock:
        state.comments.clear()
        state.requests.clear()
        state.limits.clear()
        state.tokens.clear()
        state.tokens[TOKEN] = Token(ACTIONS_BOT)
        state.tokens[READ_ONLY] = Token(ACTIONS_BOT, writes=False)
        state.pulls[("acme", "app", NUMBER)] = Pull(NUMBER, HEAD)
    tap.reset()
    contract = GitHubContract(fake, prism, tap, prism.mark())
    contract.secrets.add(KEY)
    stamina.instrumentation.set_on_retry_hooks([log_retry])
    yield contract
    stamina.instrumentation.set_on_retry_hooks(None)


def test_the_first_run_creates_the_comment_and_the_second_updates_it_in_place(
    gh: GitHubContract,
) -> None:
    first = gh.upsert(body_of(plan(3), gh.secrets))
    assert first.outcome is Outcome.CREATED, first.message
    second_body = body_of(plan(5), gh.secrets)
    second = gh.upsert(second_body)
    assert second.outcome is Outcome.UPDATED, second.message
    assert second.comment_id == first.comment_id
    assert gh.comments() == [(ACTIONS_BOT, second_body)]
    exchanges = gh.check()
    assert [(e.method, e.status) for e in exchanges] == [
        ("GET", 200),
        ("POST", 201),
        ("GET", 200),
        ("PATCH", 200),
    ]


def test_a_person_s_comment_with_the_same_marker_is_never_touched(gh: GitHubContract) -> None:
    mimic = f"I copied the bot's comment:\n\n{MARK}"
    person = gh.fake.state.add_comment("acme", "app", NUMBER, "octocat", mimic)
    other_bot = gh.fake.state.add_comment("acme", "app", NUMBER, "renovate[bot]", mimic)
    for _ in range(2):
        assert gh.upsert(body_of(plan(2), gh.secrets)).outcome in {Outcome.CREATED, Outcome.UPDATED}
    authors = [author for author, _ in gh.comments()]
    assert authors == ["octocat", "renovate[bot]", ACTIONS_BOT]
    assert gh.comments()[0][1] == gh.comments()[1][1] == mimic
    patched = [r["path"] for r in gh.fake.state.requests if r["method"] == "PATCH"]
    assert patched and all(str(person) not in p and str(other_bot) not in p for p in patched)
    gh.check()


def test_a_long_plan_fits_under_the_limit_and_keeps_its_totals(gh: GitHubContract) -> None:
    body = body_of(plan(5000), gh.secrets)
    assert length(body) <= MAX_BODY < length("\n".join(p.text for p in plan(5000)))
    result = gh.upsert(body)
    assert result.outcome is Outcome.CREATED, result.message
    [(_, stored)] = gh.comments()
    assert len(stored) <= MAX_BODY
    assert "**Totals: 12 warm replicas at peak, $1,234.56 a week**" in stored
    assert "rows not shown: the job summary has the whole plan" in stored
    assert "_… the chart not shown" in stored
    assert f"head commit {HEAD}" in stored and stored.endswith(MARK)
    gh.check()


def test_a_body_over_the_limit_is_refused_as_github_words_it(gh: GitHubContract) -> None:
    with gh.client() as client, pytest.raises(GitHubError) as caught:
        client.create_comment(REPO, NUMBER, "x" * (MAX_BODY + 1))
    assert "(422: Validation Failed; Body is too long (maximum is 65536 characters))" in str(
        caught.value
    )
    assert gh.comments() == []
    assert [(e.method, e.status) for e in gh.check()] == [("POST", 422)]


def test_the_token_and_the_key_never_reach_a_body_a_log_or_an_error(
    gh: GitHubContract, sleeps: list[float]
) -> None:
    # Someone pasted both into a comment (GitHub echoes it in every list), the plans
    # hold them, a rate limit is logged, and a wrong token is refused.
    gh.fake.state.add_comment("acme", "app", NUMBER, "octocat", f"oops {TOKEN} {KEY}")
    gh.fake.state.limits.append(Limit(1, method="POST", retry_after=2))
    created = gh.upsert(body_of(plan(3, secret=KEY), gh.secrets))
    assert created.outcome is Outcome.CREATED
    failed = gh.upsert(body_of(plan(3, secret=TOKEN), gh.secrets), token=TOKEN + "x")
    assert failed.outcome is Outcome.FAILED and "401" in failed.message
    texts = [created.message, failed.message, *gh.log]
    texts += [r["body"] for r in gh.fake.state.requests]
    for secret in (TOKEN, KEY):
        assert not [text for text in texts if leaks(secret, text)], secret
    assert sleeps == [2.0] and any("secondary rate limit" in line for line in gh.log)
    gh.check(("GET", 401))


def test_a_read_only_token_is_not_permitted_and_raises_nothing(gh: GitHubContract) -> None:
    result = gh.upsert(body_of(plan(2), gh.secrets), token=READ_ONLY)
    assert result.outcome is Outcome.NOT_PERMITTED
    assert "403: Resource not accessible by integration" in result.message
    assert "read-only GITHUB_TOKEN" in result.message
    assert gh.comments() == []
    assert [(e.method, e.status) for e in gh.check()] == [("GET", 200), ("POST", 403)]


def test_a_read_only_token_cannot_update_either(gh: GitHubContract) -> None:
    assert gh.upsert(body_of(plan(2), gh.secrets)).outcome is Outcome.CREATED
    result = gh.upsert(body_of(plan(4), gh.secrets), token=READ_ONLY)
    assert result.outcome is Outcome.NOT_PERMITTED, result.message
    # GitHub's description documents no 403 for an update: Prism warns, and passes it on.
    assert [(e.method, e.status) for e in gh.check(("PATCH", 403))][-1] == ("PATCH", 403)


def test_a_secondary_rate_limit_is_waited_out(gh: GitHubContract, sleeps: list[float]) -> None:
    gh.fake.state.limits.append(Limit(2, method="POST", retry_after=3))
    result = gh.upsert(body_of(plan(2), gh.secrets))
    assert result.outcome is Outcome.CREATED, result.message
    assert sleeps == [3.0, 3.0]  # what GitHub asked, each time
    assert len(gh.comments()) == 1  # retried only because GitHub did not take it
    statuses = [(e.method, e.status) for e in gh.check()]
    assert statuses == [("GET", 200), ("POST", 403), ("POST", 403), ("POST", 201)]


def test_a_wait_longer_than_the_policy_allows_fails_in_words(
    gh: GitHubContract, sleeps: list[float]
) -> None:
    gh.fake.state.limits.append(Limit(1, method="POST", retry_after=120))
    result = gh.upsert(body_of(plan(2), gh.secrets))
    assert result.outcome is Outcome.FAILED
    assert "GitHub asked to wait 120 s, more than the 30 s this action waits" in result.message
    assert sleeps == [] and gh.comments() == []
    gh.check()


def test_a_primary_rate_limit_waits_for_its_reset(gh: GitHubContract, sleeps: list[float]) -> None:
    gh.fake.state.limits.append(Limit(1, method="GET", retry_after=5, secondary=False))
    result = gh.upsert(body_of(plan(2), gh.secrets))
    assert result.outcome is Outcome.CREATED, result.message
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 5
    # The list's description has no 403: the rate limit is what it leaves out.
    gh.check(("GET", 403))


def test_every_page_of_comments_is_read(gh: GitHubContract) -> None:
    state = gh.fake.state
    for i in range(230):
        state.add_comment("acme", "app", NUMBER, "octocat", f"comment {i}")
    ours = state.add_comment("acme", "app", NUMBER, ACTIONS_BOT, f"old\n\n{MARK}")
    state.add_comment("acme", "app", NUMBER, "octocat", "after")
    result = gh.upsert(body_of(plan(2), gh.secrets))
    assert (result.outcome, result.comment_id) == (Outcome.UPDATED, ours)
    pages = [dict(parse_qsl(urlsplit(e.path).query)) for e in gh.check() if e.method == "GET"]
    assert pages == [{"per_page": "100", "page": str(n)} for n in (1, 2, 3)]


def test_the_pull_request_s_base_and_head(gh: GitHubContract) -> None:
    with gh.client() as client:
        pull = client.get_pull(REPO, NUMBER)
        with pytest.raises(GitHubError, match="has no pull request acme/app#8"):
            client.get_pull(REPO, 8)
    assert (pull.number, pull.head.sha, pull.base.ref) == (NUMBER, HEAD, "main")
    assert len(pull.base.sha) == 40
    gh.check()


# -- the witnesses catch what they are for -----------------------------------------------


def test_a_request_outside_the_description_is_caught(gh: GitHubContract) -> None:
    import httpx

    answer = httpx.post(
        f"{gh.tap.url}/repos/acme/app/issues/{NUMBER}/comments",
        json={"text": "no body field"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 422  # Prism's, not forwarded
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert gh.comments() == []
    with pytest.raises(AssertionError):
        gh.check()


def test_an_answer_outside_the_description_is_caught(
    gh: GitHubContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fake_module._user

    def anonymous(login: str) -> dict[str, Any]:
        return {k: v for k, v in real(login).items() if k != "login"}

    monkeypatch.setattr(fake_module, "_user", anonymous)
    gh.fake.state.add_comment("acme", "app", NUMBER, "octocat", "hi")
    with gh.client() as client, pytest.raises(GitHubError, match="HTTP 500"):
        client.list_comments(REPO, NUMBER)
    with pytest.raises(AssertionError, match="login"):
        gh.check()


# -- mock: the client against answers Prism makes up ----------------------------------


@pytest.fixture(scope="module")
def mock_tap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrismProcess, Tap]]:
    log = tmp_path_factory.mktemp("prism-github-mock") / "prism.log"
    process = PrismProcess(["mock", "-d", str(GITHUB_SPEC)], log).start()
    relay = Tap(process.url).start()
    # GitHub serves its vendor type as JSON; the description lists only application/json.
    relay.accept = "application/json"
    yield process, relay
    relay.stop()
    process.stop()


#: (operation, Prefer) pairs: generated successes, and every documented error status.
MOCK_CASES = [
    *((op, None) for op in ("get_pull", "list", "create", "update") for _ in range(6)),
    ("list", "code=404"),
    ("list", "code=410"),
    ("create", "code=403"),
    ("create", "code=404"),
    ("create", "code=410"),
    ("create", "code=422"),
    ("update", "code=422"),
    ("get_pull", "code=404"),
    ("get_pull", "code=500"),
    ("get_pull", "code=503"),
]


def _outcome(client: GitHubClient, operation: str, number: int) -> str:
    """``ok`` when the operation gave its model, else what the GitHubError was."""
    try:
        if operation == "get_pull":
            client.get_pull(REPO, number)
        elif operation == "list":
            client.list_comments(REPO, number, max_pages=2)
        elif operation == "create":
            client.create_comment(REPO, number, "a plan")
        else:
            client.update_comment(REPO, number, "a plan")
    except NotPermitted:
        return "not permitted"
    except GitHubError as error:
        return f"{error.status}: {error}"
    return "ok"


def test_generated_answers_give_a_model_or_a_github_error(
    mock_tap: tuple[PrismProcess, Tap],
) -> None:
    process, relay = mock_tap
    outcomes: list[str] = []
    for number, (operation, prefer) in enumerate(MOCK_CASES, start=1):
        relay.prefer = _prefer(prefer)
        relay.reset()
        with GitHubClient(TOKEN, api_url=relay.url, policy=TINY) as client:
            outcome = _outcome(client, operation, number)
        outcomes.append(outcome)
        assert (outcome == "ok") == (prefer is None), (operation, prefer, outcome)
        assert (outcome == "not permitted") == (prefer == "code=403"), (operation, outcome)
        assert TOKEN not in outcome
        requests = [v for e in relay.recorded() for v in e.violations if _location(v) == "request"]
        assert requests == [], (operation, prefer, requests)
    process.sync(
        "", path="/repos/prism-sync/{token}/pulls/1", headers={"Accept": "application/json"}
    )
    assert [line for line in process.complaints() if "Violation: request" in line] == []


def _prefer(chosen: str | None) -> Callable[[str, str], str | None]:
    return lambda _method, _path: chosen


def _location(violation: Any) -> str | None:
    if isinstance(violation, dict) and isinstance(violation.get("location"), list):
        return str(violation["location"][0])
    return None
