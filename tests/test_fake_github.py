"""The fake GitHub run on its own (``python -m testkit.github``, as ci/fake_github.sh starts
it for the workflows act runs): tokens from the environment, pull requests from the
command line, and the ``/_fake/*`` control endpoints a script reads the comments through
and pushes with, which GitHub's API never sees."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from testkit.github import FakeGitHub, Pull, Token, control, pull, tokens
from testkit.paths import ROOT

WRITE, READ = "ghs_FakeWrite7Kq2Zr9Lm", "ghs_FakeRead3Xv8Tn1Wp"
BOT = "github-actions[bot]"
SHA, PUSHED = "a" * 40, "b" * 40


def fake_get(url: str, path: str, **params: str | int) -> httpx.Response:
    return httpx.get(f"{url}{path}", params=params, timeout=10)


def comment(url: str, token: str, number: int, body: str) -> httpx.Response:
    return httpx.post(
        f"{url}/repos/acme/app/issues/{number}/comments",
        json={"body": body},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_the_comments_are_read_oldest_first_with_their_ids_and_authors(
    github: FakeGitHub,
) -> None:
    github.state.tokens[WRITE] = Token(BOT)
    first = github.state.add_comment("acme", "app", 7, "octocat", "looks good")
    assert comment(github.url, WRITE, 7, "the review").status_code == 201
    shown = fake_get(github.url, "/_fake/comments", repo="acme/app", number=7).json()
    assert [(c["id"], c["author"], c["body"]) for c in shown] == [
        (first, "octocat", "looks good"),
        (first + 1, BOT, "the review"),
    ]
    assert fake_get(github.url, "/_fake/comments", repo="acme/app", number=8).json() == []
    # The control requests are not GitHub's: never recorded (nor checked against its spec).
    assert [r["method"] for r in github.state.requests] == ["POST"]


def test_a_pull_request_is_made_then_pushed_to() -> None:
    with FakeGitHub() as github:
        made = httpx.post(
            f"{github.url}/_fake/pulls",
            json={"repo": "acme/app", "number": 8, "head_sha": SHA},
            timeout=10,
        )
        assert made.json() == {"repo": "acme/app", "number": 8, "head_sha": SHA}
        github.state.pulls[("acme", "app", 8)].base_ref = "release"
        answer = control(
            github.state,
            "POST",
            "/_fake/pulls",
            json.dumps({"repo": "acme/app", "number": "8", "head_sha": PUSHED}).encode(),
            "",
        )
    assert answer[0] == 200
    # A push moves the head only.
    assert github.state.pulls[("acme", "app", 8)] == Pull(8, PUSHED, base_ref="release")


def test_what_was_asked_is_listed_without_the_headers(github: FakeGitHub) -> None:
    github.state.tokens[WRITE] = Token(BOT)
    github.state.tokens[READ] = Token(BOT, writes=False)
    comment(github.url, WRITE, 7, "one")
    comment(github.url, READ, 7, "two")
    seen = fake_get(github.url, "/_fake/requests")
    assert seen.json() == [
        {"method": "POST", "path": "/repos/acme/app/issues/7/comments", "status": 201},
        {"method": "POST", "path": "/repos/acme/app/issues/7/comments", "status": 403},
    ]
    assert WRITE not in seen.text and READ not in seen.text


@pytest.mark.parametrize(
    ("method", "path", "body", "query", "status", "words"),
    [
        ("GET", "/_fake/comments", b"", "repo=acme&number=7", 400, "repo must be owner/name"),
        ("GET", "/_fake/comments", b"", "repo=acme/app&number=x", 400, "number must be"),
        ("GET", "/_fake/comments", b"", "repo=acme/app", 400, "number must be"),
        ("POST", "/_fake/pulls", b"[1]", "", 400, "must be a JSON object"),
        ("POST", "/_fake/pulls", b"{", "", 400, "Expecting"),
        ("POST", "/_fake/pulls", b'{"repo": "a/b", "number": 0}', "", 400, "number must be"),
        ("POST", "/_fake/pulls", b'{"repo": "a/b", "number": 1, "head_sha": "main"}', "", 400,
         "head_sha must be"),
        ("DELETE", "/_fake/comments", b"", "", 404, "Not Found"),
        ("GET", "/_fake/state", b"", "", 404, "Not Found"),
    ],
)  # fmt: skip
def test_a_control_request_it_cannot_serve_says_why(
    method: str, path: str, body: bytes, query: str, status: int, words: str
) -> None:
    with FakeGitHub() as github:
        answer = control(github.state, method, path, body, query)
    assert answer[0] == status
    assert words in answer[1]["message"]
    assert github.state.pulls == {}


def test_tokens_come_from_the_environment_variables_named() -> None:
    environ = {"W": WRITE, "R": READ, "EMPTY": " "}
    assert tokens([f"W={BOT}"], environ, writes=True) == {WRITE: Token(BOT)}
    assert tokens(["R=octocat"], environ, writes=False) == {READ: Token("octocat", False)}
    for given, words in [
        ("W", "is not VAR=LOGIN"),
        ("=octocat", "is not VAR=LOGIN"),
        ("EMPTY=octocat", "EMPTY (a token) is empty"),
        ("MISSING=octocat", "MISSING (a token) is empty"),
    ]:
        with pytest.raises(ValueError, match=re.escape(words)):
            tokens([given], environ, writes=True)


def test_a_pull_request_on_the_command_line() -> None:
    assert pull(f"acme/app#7={SHA}") == (("acme", "app", 7), Pull(7, SHA))
    for wrong in ["acme/app#7", f"acme#7={SHA}", f"acme/app#x={SHA}", "acme/app#7=abc"]:
        with pytest.raises(ValueError, match="is not OWNER/NAME#NUMBER=HEAD_SHA"):
            pull(wrong)


@pytest.fixture
def process(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``python -m testkit.github`` as ci/fake_github.sh starts it: its URL, and its output."""
    ready, log = tmp_path / "url", tmp_path / "log"
    env = {**os.environ, "FAKE_WRITE": WRITE, "FAKE_READ": READ}
    with log.open("w") as out:
        started = subprocess.Popen(
            [sys.executable, "-m", "testkit.github", "--port", "0", "--ready-file", str(ready),
             "--token", f"FAKE_WRITE={BOT}", "--read-only-token", f"FAKE_READ={BOT}",
             "--pull", f"acme/app#7={SHA}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(300):
            if ready.exists() and ready.read_text().endswith("\n"):
                break
            assert started.poll() is None, log.read_text()
            time.sleep(0.05)
        yield ready.read_text().strip(), log
    finally:
        started.send_signal(signal.SIGINT)
        assert started.wait(timeout=30) == 0, log.read_text()


def test_run_on_its_own_it_serves_the_tokens_and_pull_requests_it_was_given(
    process: tuple[str, Path],
) -> None:
    url, log = process
    assert log.read_text().splitlines()[0] == url
    assert comment(url, WRITE, 7, "the review").status_code == 201
    refused = comment(url, READ, 7, "a fork's")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Resource not accessible by integration"
    assert comment(url, "ghs_unknown", 7, "?").status_code == 401
    head = httpx.get(
        f"{url}/repos/acme/app/pulls/7", headers={"Authorization": f"Bearer {READ}"}, timeout=10
    )
    assert head.json()["head"]["sha"] == SHA
    shown: list[dict[str, Any]] = fake_get(url, "/_fake/comments", repo="acme/app", number=7).json()
    assert [(c["author"], c["body"]) for c in shown] == [(BOT, "the review")]


def test_a_token_variable_that_is_empty_stops_it_before_it_listens(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "testkit.github", "--ready-file", str(tmp_path / "url"),
         "--token", f"FAKE_UNSET_TOKEN={BOT}"],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "FAKE_UNSET_TOKEN"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "the environment variable FAKE_UNSET_TOKEN (a token) is empty" in done.stderr
    assert not (tmp_path / "url").exists()
