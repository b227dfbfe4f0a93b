"""The review of a capacity file's change on a pull request, end to end: the real
entrypoint, run as the runner runs it, against the fake GitHub (every request checked
against GitHub's own description) and, with a key, the Sieve simulator.

One comment, created then updated in place; a fork's read-only token leaves the review
in the job summary and passes; a limit broken or impossible to check fails; a typo is
refused before anything is sent; with a key, the live bounds and Sieve's prices, and no
edit; a fork's review posted by a second job only while its commit is the head.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit.github import FakeGitHub, Pull, Token
from testkit.runner import StepResult, run_step
from testkit.simulator import Simulator

from .conftest import KEY, edits

FILE = "sieve-capacity.yml"
BASE = f"base/{FILE}"
REPO, NUMBER = "acme/app", 7
HEAD = "0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a"
TOKEN = "ghs_Review4Tq8Zr2LmVx9Kp3Wn7Yc1Hd"
FORK_TOKEN = "ghs_ForkRead2Wm9Lq4Xt7Zp1Kv5Nc8"
BOT = "github-actions[bot]"


def capacity(minimum: int, *, extra: str = "") -> str:
    """acme/whisper with ``minimum`` warm replicas all week: ``minimum`` × 168 hours."""
    return f"timezone: Europe/Berlin\n{extra}functions:\n  acme/whisper:\n    min: {minimum}\n"


@pytest.fixture
def github_pr(github: FakeGitHub) -> FakeGitHub:
    github.state.tokens[TOKEN] = Token(BOT)
    github.state.tokens[FORK_TOKEN] = Token(BOT, writes=False)
    github.state.pulls[("acme", "app", NUMBER)] = Pull(NUMBER, HEAD)
    return github


def review(
    github: FakeGitHub,
    tmp_path: Path,
    base: str | None,
    head: str | None,
    *,
    event: dict[str, object] | None = None,
    env: dict[str, str] | None = None,
    **inputs: str,
) -> StepResult:
    """Run a review of ``head`` against ``base`` (None: that side has no file) on pull
    request #7, as the workflow in examples/capacity-review.yml runs it."""
    workspace = tmp_path / "workspace"
    (workspace / "base").mkdir(parents=True, exist_ok=True)
    if head is not None:
        (workspace / FILE).write_text(head, encoding="utf-8")
    else:
        (workspace / FILE).unlink(missing_ok=True)
    if base is not None:
        (workspace / BASE).write_text(base, encoding="utf-8")
    else:
        (workspace / BASE).unlink(missing_ok=True)
    payload = tmp_path / "event.json"
    payload.write_text(
        json.dumps(event or {"pull_request": {"number": NUMBER, "head": {"sha": HEAD}}})
    )
    given = {"capacity-file": FILE, "review-base": BASE, "github-token": TOKEN}
    given.update({name.replace("_", "-"): value for name, value in inputs.items()})
    return run(github, tmp_path, given, payload, env)


def run(
    github: FakeGitHub,
    tmp_path: Path,
    given: dict[str, str],
    payload: Path,
    more: dict[str, str] | None = None,
) -> StepResult:
    env = {
        "GITHUB_API_URL": github.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": str(payload),
        "GITHUB_WORKFLOW": "Capacity review",
        "GITHUB_SHA": "9" * 40,  # the merge commit a pull_request run checks out
        **(more or {}),
    }
    result = run_step(given, tmp_path, env=env)
    seen = result.everything()
    for secret in (TOKEN, FORK_TOKEN, KEY):
        assert secret not in seen, "a secret leaked"
    assert "Traceback" not in seen
    return result


def comments(github: FakeGitHub) -> list[tuple[str, str]]:
    return github.state.bodies("acme", "app", NUMBER)


def notices(result: StepResult) -> list[str]:
    return [c.message for c in result.commands if c.name == "notice"]


def test_the_review_is_one_comment_created_then_updated_in_place(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    first = review(github_pr, tmp_path, capacity(1), capacity(2))
    assert first.returncode == 0, first.stdout
    ((author, body),) = comments(github_pr)
    assert author == BOT and body == first.outputs["review"]
    assert "**+168 replica-hours a week** of warm minimum (168 → 336)" in body
    assert f"head commit {HEAD}" in body  # the pull request's head, not the merge commit
    assert body.rstrip().endswith("-->") and "sieve-action:review" in body.splitlines()[-1]
    assert "**+168 replica-hours a week**" in first.summary
    assert "**Comment:** The review comment on acme/app#7 was created" in first.summary
    second = review(github_pr, tmp_path, capacity(1), capacity(3))
    assert second.returncode == 0, second.stdout
    ((_, updated),) = comments(github_pr)  # the same comment, not a second one
    assert "**+336 replica-hours a week**" in updated and updated == second.outputs["review"]
    methods = [r["method"] for r in github_pr.state.requests if "/comments" in r["path"]]
    assert methods.count("POST") == 1 and methods.count("PATCH") == 1


def test_a_fork_s_read_only_token_leaves_the_review_in_the_summary_and_passes(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    result = review(github_pr, tmp_path, capacity(1), capacity(2), github_token=FORK_TOKEN)
    assert result.returncode == 0, result.stdout
    assert comments(github_pr) == []
    assert "**+168 replica-hours a week**" in result.summary
    (said,) = notices(result)
    assert "workflow_run" in said and "docs/capacity.md" in said
    assert result.warnings() == [] and result.errors() == []


def test_an_increase_over_the_limit_fails_and_the_comment_says_why(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    result = review(
        github_pr, tmp_path, capacity(1), capacity(2), max_weekly_increase="100 replica-hours"
    )
    assert result.returncode == 1, result.stdout
    assert result.errors() == [
        "+168 replica-hours a week is more than `max-weekly-increase` (100 replica-hours)"
    ]
    ((_, body),) = comments(github_pr)
    assert "❌ +168 replica-hours a week is more than" in body
    within = review(
        github_pr, tmp_path, capacity(1), capacity(2), max_weekly_increase="168 replica-hours"
    )
    assert within.returncode == 0 and "✅" in comments(github_pr)[0][1]


def test_a_limit_in_dollars_that_cannot_be_checked_never_passes(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    result = review(github_pr, tmp_path, capacity(1), capacity(2), max_weekly_increase="$1000")
    assert result.returncode == 1
    assert "cannot be known: give its price in the file (`prices`)" in result.errors()[0]
    priced = capacity(2, extra="prices:\n  functions: {acme/whisper: 2.5}\n")
    passed = review(github_pr, tmp_path, capacity(1), priced, max_weekly_increase="$1000")
    assert passed.returncode == 0, passed.stdout
    assert "**+$420.00 a week** ($420.00 → $840.00)" in comments(github_pr)[0][1]


def test_a_comment_github_will_not_take_is_a_warning_not_a_failed_check(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    # Nothing listens on port 9: every attempt is refused, the retries run out.
    result = review(
        github_pr, tmp_path, capacity(1), capacity(2), env={"GITHUB_API_URL": "http://127.0.0.1:9"}
    )
    assert result.returncode == 0, result.stdout
    (warning,) = result.warnings()
    assert warning.startswith("The comment on acme/app#7 failed: "), warning
    assert "**+168 replica-hours a week**" in result.summary
    assert result.outputs["review"].startswith("### Sieve capacity review")


def test_a_typo_in_either_file_is_refused_before_anything_is_sent(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    typo = "timezone: Europe/Berlin\nfunctions:\n  acme/whisper:\n    min: 1\n    mx: 4\n"
    result = review(github_pr, tmp_path, capacity(1), typo)
    assert result.returncode == 2
    (error,) = [c for c in result.commands if c.name == "error"]
    assert error.properties.get("file") == FILE and error.properties.get("line") == "5"
    assert "did you mean `max`?" in error.message
    in_base = review(github_pr, tmp_path, typo, capacity(1))
    assert in_base.returncode == 2
    assert any(BASE in e and "review-base" in e for e in in_base.errors()), in_base.errors()
    assert github_pr.state.requests == [] and comments(github_pr) == []


def test_a_file_the_pull_request_adds_counts_every_function_as_added(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    result = review(github_pr, tmp_path, None, capacity(1))
    assert result.returncode == 0, result.stdout
    body = comments(github_pr)[0][1]
    assert "The base branch has no such file: every function is added." in body
    assert "| <code>acme/whisper@latest</code> | added |" in body


def test_a_pull_request_that_deletes_the_file_removes_every_function(
    github_pr: FakeGitHub, sim: Simulator, tmp_path: Path
) -> None:
    result = review(github_pr, tmp_path, capacity(1), None, api_key=KEY, api_url=sim.url)
    assert result.returncode == 0, result.stdout
    body = comments(github_pr)[0][1]
    assert "The pull request deletes the file: every function is removed." in body
    assert "| <code>acme/whisper@latest</code> | removed: keeps min 1 |" in body
    assert sim.state.requests == []  # nothing to read: no function left in the file


def test_neither_the_key_nor_a_proxy_password_reaches_the_comment(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    # A file holding either is refused (tests/test_hostile_intent.py); a file's name may
    # still hold one, and the name is in the title and in the hidden marker.
    password = "Proxy7Secret9Word"
    proxy = {"HTTPS_PROXY": f"http://user:{password}@127.0.0.1:9", "NO_PROXY": "127.0.0.1"}
    named = f"{password}.yml"
    (tmp_path / "workspace").mkdir(exist_ok=True)
    (tmp_path / "workspace" / named).write_text(capacity(2), encoding="utf-8")
    result = review(github_pr, tmp_path, None, capacity(1), env=proxy, capacity_file=named)
    assert result.returncode == 0, result.stdout
    ((_, body),) = comments(github_pr)
    for shown in (body, result.everything()):
        assert password not in shown
    assert "review: <code>***.yml</code>" in body and "file=***.yml -->" in body


def test_with_a_key_the_review_shows_the_live_bounds_prices_from_sieve_and_sends_no_edit(
    github_pr: FakeGitHub, sim: Simulator, tmp_path: Path
) -> None:
    version = sim.state.functions[("acme", "whisper")].versions[0]
    version.minimum_replicas = 1  # a week of one warm replica: $24 a day in the simulator
    version.maximum_replicas = 4
    version.extra["compute_type"] = "l4"  # usage broken down by machine type
    result = review(github_pr, tmp_path, capacity(1), capacity(2), api_key=KEY, api_url=sim.url)
    assert result.returncode == 0, result.stdout
    assert edits(sim) == []  # a review is a dry run
    body = comments(github_pr)[0][1]
    assert "**Live now** (read with the key)" in body
    assert "estimated from what Sieve billed the live version on l4 over the last 7 days" in body
    assert "**+$168.00 a week** ($168.00 → $336.00)" in body


def test_without_a_breakdown_by_machine_the_estimate_is_the_version_s_whole_bill(
    github_pr: FakeGitHub, sim: Simulator, tmp_path: Path
) -> None:
    version = sim.state.functions[("acme", "whisper")].versions[0]
    version.minimum_replicas, version.maximum_replicas = 1, 4
    sim.state.replica_dollars_per_day = 48.0
    result = review(github_pr, tmp_path, capacity(1), capacity(2), api_key=KEY, api_url=sim.url)
    assert result.returncode == 0, result.stdout
    body = comments(github_pr)[0][1]
    assert "$2.00, estimated from what Sieve billed the live version over the last" in body
    assert "**+$336.00 a week**" in body


def test_a_fork_s_review_is_posted_by_a_second_job_only_for_the_head_commit(
    github_pr: FakeGitHub, tmp_path: Path
) -> None:
    computed = review(github_pr, tmp_path, capacity(1), capacity(2), github_token=FORK_TOKEN)
    assert comments(github_pr) == []
    workspace = tmp_path / "workspace"
    (workspace / "review.md").write_text(computed.outputs["review"], encoding="utf-8")
    event = tmp_path / "workflow_run.json"
    event.write_text(json.dumps({"workflow_run": {"head_sha": HEAD, "pull_requests": []}}))
    given = {
        "review-comment": "review.md",
        "pull-request": str(NUMBER),
        "head-sha": HEAD,
        "github-token": TOKEN,
    }
    posted = run(github_pr, tmp_path, given, event)
    assert posted.returncode == 0, posted.stdout
    assert comments(github_pr) == [(BOT, computed.outputs["review"])]
    # A newer push made another commit the head: the older review is not posted over it.
    github_pr.state.pulls[("acme", "app", NUMBER)] = Pull(NUMBER, "a" * 40)
    (workspace / "review.md").write_text(
        computed.outputs["review"].replace("+168", "+999"), encoding="utf-8"
    )
    stale = run(github_pr, tmp_path, given, event)
    assert stale.returncode == 0, stale.stdout
    assert "+999" not in comments(github_pr)[0][1]
    assert any("will be posted by its own run" in n for n in notices(stale)), stale.stdout


def test_a_file_that_is_not_a_review_is_refused(github_pr: FakeGitHub, tmp_path: Path) -> None:
    (tmp_path / "workspace").mkdir(parents=True, exist_ok=True)
    (tmp_path / "workspace" / "review.md").write_text("hello\n", encoding="utf-8")
    event = tmp_path / "event.json"
    event.write_text("{}")
    given = {"review-comment": "review.md", "pull-request": "7", "head-sha": HEAD}
    result = run(github_pr, tmp_path, given, event)
    assert result.returncode == 2
    assert result.errors() == [
        "Input `review-comment` must be a review as the `review` output gives it "
        "(it ends with its marker)"
    ]
    assert github_pr.state.requests == []
