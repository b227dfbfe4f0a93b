"""The run's event: read within a bound, and a schedule about to be turned off said in
the log and the summary (GitHub turns off a public repository's scheduled workflows
after 60 days without activity), with the date it stops."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sieve_action.github.event import MAX_EVENT, read_event, stopping_schedule

from .conftest import Step

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def scheduled(days: float, **repository: Any) -> dict[str, Any]:
    """A schedule event's payload, the last push ``days`` ago."""
    pushed = (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "schedule": "7,22,37,52 * * * *",
        "repository": {"private": False, "visibility": "public", "pushed_at": pushed, **repository},
    }


def test_a_public_repository_idle_for_over_45_days_is_told_the_date_its_schedule_stops() -> None:
    said = stopping_schedule("schedule", scheduled(50), NOW)
    assert said is not None
    assert "was 50 days ago (2026-10-17)" in said
    assert "stops on or about 2026-12-16" in said and "60 days without activity" in said


@pytest.mark.parametrize(
    ("event_name", "payload"),
    [
        ("schedule", scheduled(44.9)),  # not yet 45 days
        ("schedule", scheduled(50, private=True, visibility="private")),  # never turned off
        ("schedule", scheduled(50, visibility="internal", private=True)),
        ("workflow_dispatch", scheduled(50)),  # a person ran it: that is activity
        ("schedule", {"schedule": "7 * * * *"}),  # an older payload: nothing to go by
        ("schedule", scheduled(50, pushed_at="last week")),
    ],
)
def test_nothing_is_said_otherwise(event_name: str, payload: dict[str, Any]) -> None:
    assert stopping_schedule(event_name, payload, NOW) is None


def test_a_push_time_in_posix_seconds_counts_and_a_past_date_says_so() -> None:
    pushed = (NOW - timedelta(days=70)).timestamp()
    said = stopping_schedule("schedule", scheduled(0, pushed_at=pushed), NOW)
    assert said is not None and "any day now (the 60 days ended 2026-11-26)" in said


def test_an_event_file_that_is_missing_too_large_or_not_json_is_no_event(tmp_path: Path) -> None:
    assert read_event({}) == {}
    assert read_event({"GITHUB_EVENT_PATH": str(tmp_path / "none.json")}) == {}
    (tmp_path / "bad.json").write_text("{not json")
    assert read_event({"GITHUB_EVENT_PATH": str(tmp_path / "bad.json")}) == {}
    (tmp_path / "big.json").write_text(json.dumps({"x": "a" * MAX_EVENT}))
    assert read_event({"GITHUB_EVENT_PATH": str(tmp_path / "big.json")}) == {}
    (tmp_path / "list.json").write_text("[1]")
    assert read_event({"GITHUB_EVENT_PATH": str(tmp_path / "list.json")}) == {}


def test_a_scheduled_step_warns_in_its_log_and_its_summary(step: Step, tmp_path: Path) -> None:
    payload = scheduled(0)
    pushed = datetime.now(UTC) - timedelta(days=50)
    payload["repository"]["pushed_at"] = pushed.strftime("%Y-%m-%dT%H:%M:%SZ")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    result = step(
        env={"GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": str(event)}, min_replicas="1"
    )
    assert result.returncode == 0, result.stdout
    stops = f"{pushed + timedelta(days=60):%Y-%m-%d}"
    (warning,) = [w for w in result.warnings() if "public repository" in w]
    assert f"stops on or about {stops}" in warning
    assert result.summary.startswith("> [!WARNING]\n> The last push to this public repository")
