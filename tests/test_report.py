"""What the step reports: outputs (null → empty string), the ``results`` JSON, Markdown cells
that keep any text inside one table cell, and summaries for one target and for a fleet."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sieve_action.api.models import Version
from sieve_action.api.shape import dump, load
from sieve_action.contract.outputs import OUTPUT_NAMES
from sieve_action.contract.smoke_cases import SmokeCase, SmokeCases
from sieve_action.contract.targets import Target
from sieve_action.report.lines import closing_line
from sieve_action.report.markdown import cell, cut_at_word, markdown
from sieve_action.report.results import output_warnings, outputs
from sieve_action.report.summary import refused_summary, summary
from sieve_action.scaling.record import TargetRun
from sieve_action.scaling.retire import Retired
from sieve_action.scaling.smoke import SmokeRecord
from sieve_action.secrets import Secrets

from .records import ended

NONE = Secrets()  # nothing to scrub: these tests are about the text itself

VERSION_ID = "41b83e76-0a13-4d96-b0a0-7cd62c9977c3"
SINGLE_OUTPUTS = {
    "version-id",
    "build-status",
    "min-replicas",
    "max-replicas",
    "previous-min-replicas",
    "previous-max-replicas",
    "changed",
    "ready-at",
    "workers",
    "version",
    "smoke-test-job-id",
    "smoke-test-status",
    "smoke-test-seconds",
    "smoke-tests",
    "retired",
    "restored",
    "drift",
    "review",
    "results",
}
RESULT_KEYS = [
    "target",
    "version_id",
    "build_status",
    "min_replicas",
    "max_replicas",
    "previous_min_replicas",
    "previous_max_replicas",
    "changed",
    "error",
    "smoke_test",
    "retired",
    "restored",
]
WORKERS = {"starting": 1, "setup": 0, "active": 0, "idle": 2, "awaiting_resources": None}


def version(**fields: Any) -> Version:
    values: dict[str, Any] = {
        "id": VERSION_ID,
        "build_status": "ready",
        "queued_at": "2024-12-15T01:41:59.195000",
        "built_at": "2024-12-15T01:43:00.000000",
        "ready_at": "2024-12-15T01:43:10.000000",
        "minimum_replicas": 0,
        "maximum_replicas": 1,
        "current_workers": WORKERS,
        "compute_type": "gpu",
    }
    values.update(fields)
    return load(Version, values)


def changed_run(name: str = "whisper", **target: Any) -> TargetRun:
    """A target scaled from 0..1 to 1..3."""
    return ended(
        TargetRun(
            Target("acme", name, target.get("version", "latest"), 1, 3),
            before=version(),
            current=version(minimum_replicas=1, maximum_replicas=3),
            changed=True,
            min_after=1,
            max_after=3,
        ),
        "ok",
    )


def failed_run(name: str = "whisper", error: str = "Sieve has no function version") -> TargetRun:
    """A target whose first read failed: nothing is known."""
    return ended(TargetRun(Target("acme", name, "latest", 2, None)), "failed", error)


# --- outputs ---------------------------------------------------------------------------------


def test_one_target_sets_every_output() -> None:
    values = outputs([changed_run()], dry_run=False, secrets=NONE)
    # `drift` is a capacity step's (tests/test_capacity_e2e.py), `review` a review's
    # (tests/test_review_e2e.py): empty here.
    assert set(values) == SINGLE_OUTPUTS == set(OUTPUT_NAMES)
    assert values["version-id"] == VERSION_ID
    assert values["build-status"] == "ready"
    assert (values["min-replicas"], values["max-replicas"]) == ("1", "3")
    assert (values["previous-min-replicas"], values["previous-max-replicas"]) == ("0", "1")
    assert values["changed"] == "true"
    assert values["ready-at"] == "2024-12-15T01:43:10.000000"  # as Sieve wrote it
    assert json.loads(values["workers"]) == WORKERS
    version_out = json.loads(values["version"])
    assert version_out["id"] == VERSION_ID
    assert version_out["compute_type"] == "gpu"  # fields the action does not type are kept
    assert (version_out["minimum_replicas"], version_out["maximum_replicas"]) == (1, 3)
    [result] = json.loads(values["results"])
    assert result == {
        "target": "acme/whisper@latest",
        "version_id": VERSION_ID,
        "build_status": "ready",
        "min_replicas": 1,
        "max_replicas": 3,
        "previous_min_replicas": 0,
        "previous_max_replicas": 1,
        "changed": True,
        "error": None,
        "smoke_test": None,
        "retired": [],
        "restored": False,
    }
    assert (values["smoke-test-job-id"], values["smoke-test-status"]) == ("", "")
    assert (values["smoke-test-seconds"], values["retired"]) == ("", "[]")
    assert all(isinstance(value, str) for value in values.values())


def test_nulls_are_empty_strings() -> None:
    values = outputs([failed_run()], dry_run=False, secrets=NONE)
    assert set(values) == SINGLE_OUTPUTS
    for name in SINGLE_OUTPUTS - {"changed", "results", "retired", "smoke-tests", "restored"}:
        assert values[name] == "", name
    assert values["retired"] == values["smoke-tests"] == "[]"
    assert values["restored"] == "false"
    assert values["changed"] == "false"
    [result] = json.loads(values["results"])
    assert result["error"] == "Sieve has no function version"
    assert result["version_id"] is None and result["previous_min_replicas"] is None


def test_null_maximum_ready_at_and_workers_are_empty_strings() -> None:
    unbounded = version(maximum_replicas=None, ready_at=None, current_workers=None)
    run = TargetRun(
        Target("acme", "whisper", "latest", 0, None),
        before=unbounded,
        current=unbounded,
        min_after=0,
        max_after=None,
    )
    run.finish()
    values = outputs([run], dry_run=False, secrets=NONE)
    assert values["max-replicas"] == ""
    assert values["previous-max-replicas"] == ""
    assert values["ready-at"] == ""
    assert values["workers"] == ""
    assert values["min-replicas"] == "0"
    assert values["changed"] == "false"
    assert json.loads(values["version"])["maximum_replicas"] is None


def test_a_dry_run_reports_the_planned_bounds() -> None:
    before = version()
    run = TargetRun(
        Target("acme", "whisper", "latest", 2, 4),
        before=before,
        current=before,
        changed=True,
        min_after=2,
        max_after=4,
    )
    run.finish()
    values = outputs([run], dry_run=True, secrets=NONE)
    assert (values["min-replicas"], values["max-replicas"]) == ("2", "4")
    assert (values["previous-min-replicas"], values["previous-max-replicas"]) == ("0", "1")
    assert values["changed"] == "true"


def test_many_targets_set_only_results_in_input_order() -> None:
    runs = [changed_run("c"), failed_run("a", "boom"), changed_run("b", version="abc")]
    values = outputs(runs, dry_run=False, secrets=NONE)
    assert set(values) == {"results", "restored"}
    assert values["restored"] == "false"
    results = json.loads(values["results"])
    assert [r["target"] for r in results] == ["acme/c@latest", "acme/a@latest", "acme/b@abc"]
    assert all(list(r) == RESULT_KEYS for r in results)
    assert [r["error"] for r in results] == [None, "boom", None]
    assert [r["changed"] for r in results] == [True, False, True]


# --- cells -------------------------------------------------------------------------------


def unescaped_pipes(text: str) -> int:
    """Pipes that end a table cell: those not escaped by a backslash."""
    count, i = 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        count += text[i] == "|"
        i += 1
    return count


@pytest.mark.parametrize(
    "text",
    [
        "a | b",
        "line one\nline two\r\nthree",
        "`code` and ``more``",
        "<script>alert(1)</script>",
        "**bold** _it_ [link](http://x) ~~gone~~ # head",
        "\\| escaped already?",
        "trailing backslash \\",
        "| --- | --- |",
        "&amp; &#124;",
    ],
)
def test_cell_keeps_text_inside_one_cell(text: str) -> None:
    escaped = cell(text, NONE)
    assert "\n" not in escaped and "\r" not in escaped
    assert unescaped_pipes(escaped) == 0
    # No HTML but the code spans the text wrote in backticks, in which no Markdown applies.
    tags = escaped.replace("<code>", "").replace("</code>", "")
    assert "<" not in tags and ">" not in tags
    assert unescaped_pipes(f"| {escaped} | {cell(text, NONE)} |") == 3


def test_cell_escapes_markdown_and_html() -> None:
    assert cell("a|b", NONE) == "a\\|b"
    assert cell("`x`", NONE) == "<code>x</code>"  # code renders as code
    assert cell("`a|b<c>`", NONE) == "<code>a&#124;b&lt;c&gt;</code>"
    assert cell("a lone ` backtick", NONE) == "a lone \\` backtick"
    assert cell("<b>", NONE) == "&lt;b&gt;"
    assert cell("**x**", NONE) == "\\*\\*x\\*\\*"
    assert cell("a\\b", NONE) == "a\\\\b"
    assert cell("two\nlines", NONE) == "two lines"
    assert cell(None, NONE) == " " and cell("", NONE) == " "
    assert cell(3, NONE) == "3"


def test_cell_shortens_long_text() -> None:
    escaped = cell("x" * 500, NONE)
    assert escaped.endswith("…")
    assert len(escaped) <= 120


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_any_text_stays_in_its_cell(first: str, second: str) -> None:
    a, b = cell(first, NONE), cell(second, NONE)
    for escaped in (a, b):
        assert "\n" not in escaped and "\r" not in escaped
        assert unescaped_pipes(escaped) == 0
    row = f"| {a} | {b} |"
    assert unescaped_pipes(row) == 3
    assert len(row.splitlines()) == 1


# --- summaries ---------------------------------------------------------------------------


def table_rows(markdown: str) -> list[str]:
    """Data rows of the Markdown tables: table lines minus headers and separators."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [
        line
        for i, line in enumerate(lines)
        if not line.startswith("| ---")
        and not (i + 1 < len(lines) and lines[i + 1].startswith("| ---"))
    ]


def test_summary_for_one_target() -> None:
    text = summary([changed_run()], dry_run=False, secrets=NONE)
    assert text.startswith("### ✅ Sieve scaling")
    rows = table_rows(text)
    assert "| Function | <code>acme/whisper</code> |\n| --- | --- |" in text  # the header
    assert f"| Version | {cell(VERSION_ID, NONE)} |" in rows
    assert "| Min replicas | 0 → 1 |" in rows
    assert "| Max replicas | 1 → 3 |" in rows
    assert "| Changed | yes |" in rows
    assert "| Ready at | 2024-12-15 01:43:10 UTC |" in rows  # no fractions of a second
    assert sum("acme/whisper" in row for row in rows) == 0  # the header names the target
    assert all(unescaped_pipes(row) == 3 for row in rows)
    assert text.count("| --- |") == 1  # one table


def test_summary_for_one_failed_target_quotes_the_error_safely() -> None:
    error = "Sieve refused `acme/whisper` | <b>bad</b>\nsecond line"
    text = summary([failed_run(error=error)], dry_run=False, secrets=NONE)
    assert "**Failed:** " + cell(error, NONE) in text
    assert "<b>" not in text
    assert all(unescaped_pipes(row) == 3 for row in table_rows(text))


def test_summary_for_three_targets_has_one_row_each() -> None:
    runs = [changed_run("a"), failed_run("b", "oops | pipe\nnewline"), changed_run("c")]
    text = summary(runs, dry_run=False, secrets=NONE)
    rows = table_rows(text)
    assert len(rows) == 3
    for run, row in zip(runs, rows, strict=True):
        assert cell(run.target.label, NONE) in row
        assert unescaped_pipes(row) == 9  # eight cells: one failed, so a Restored column
    assert "nothing to set back: the step raised no bound" in rows[1]
    assert "3 targets: 2 changed, 0 already as asked, 1 failed." in text


def test_summary_of_a_dry_run_says_so() -> None:
    text = summary([changed_run(), changed_run("b")], dry_run=True, secrets=NONE)
    assert "dry run" in text and "2 would change" in text


def test_summary_for_100_targets_with_long_errors_stays_small() -> None:
    hostile = "<|`*_\\&>" * 15  # 120 characters that escape into the longest text
    runs = [failed_run(f"fn{i:03}", hostile) for i in range(100)]
    text = summary(runs, dry_run=False, secrets=NONE)
    size = len(text.encode())
    assert size < 128 * 1024, size  # GitHub's limit is 1 MiB
    rows = table_rows(text)
    assert len(rows) == 100
    assert all(unescaped_pipes(row) == 9 for row in rows)


def test_closing_lines() -> None:
    assert closing_line(changed_run(), dry_run=False) == (
        f"acme/whisper@latest → {VERSION_ID}: replicas 1..3 (changed), build ready"
    )
    # No "→ ?" for a version never resolved (issue 14, point 10).
    assert closing_line(failed_run(), dry_run=False) == (
        "acme/whisper@latest: failed, its version not resolved"
    )


def test_the_closing_line_tells_the_smoke_test_and_the_versions_retired() -> None:
    run = changed_run()
    run.smoke = SmokeRecord(SmokeCases((SmokeCase({}, "the smoke test"),), listed=False))
    run.smoke.cases[0].job_id, run.smoke.cases[0].status = "j1", "finished"
    run.retire, run.retire_done, run.retired = True, True, [Retired("v1", 2, None)]
    run.reached = "1 warm replica"
    assert closing_line(run, dry_run=False) == (
        f"acme/whisper@latest → {VERSION_ID}: replicas 1..3 (changed), 1 warm replica, "
        "smoke test finished, retired 1"
    )


def test_a_huge_version_is_cut_to_its_documented_fields_with_a_warning() -> None:
    run = changed_run()
    assert run.current is not None
    run.current = load(Version, {**dump(run.current), "python_packages": ["torch"] * 100_000})
    values = outputs([run], dry_run=False, secrets=NONE)
    assert len(values["version"]) < 1024
    assert json.loads(values["version"])["id"] == VERSION_ID
    assert "python_packages" not in json.loads(values["version"])
    [warning] = output_warnings([run], NONE)
    assert "over 256 KiB" in warning and VERSION_ID in warning
    assert output_warnings([changed_run()], NONE) == []


def test_retiring_stopped_part_way_says_what_was_done() -> None:
    run = changed_run()
    run = ended(TargetRun(run.target, run.before, run.current), "failed", "x")
    run.retire = True
    run.retired = [Retired("v1", 2, 1.5)]
    run.error = run.retire_skipped = "`acme/whisper@latest`: Forbidden (403)"
    text = summary([run], dry_run=False, secrets=NONE)
    assert "retired 1: minimum replicas set to 0 (maximum unchanged), then stopped" in text
    assert "| acme/whisper@latest | v1 | 2 | $1.50 |" in text


# --- errors are whole ------------------------------------------------------------------------
#: An error whose fix comes last, long enough that a table cell would cut it.
FIX_LAST = (
    "`acme/whisper@latest`: Input `timezone` is not a known IANA time zone, got 'Europe/Brlin'; "
    + " ".join(f"word{i}" for i in range(40))
    + "; did you mean Europe/Berlin?"
)


@pytest.mark.parametrize(
    "render",
    [
        lambda: summary([failed_run(error=FIX_LAST)], dry_run=False, secrets=NONE),
        lambda: summary([failed_run("a", FIX_LAST), changed_run("b")], dry_run=False, secrets=NONE),
        lambda: refused_summary([FIX_LAST, "Input `owner` is required"], NONE),
    ],
    ids=["one target", "fleet", "refused"],
)
def test_no_error_in_a_summary_is_cut(render: Any) -> None:
    text = render()
    whole = markdown(FIX_LAST.removeprefix("`acme/whisper@latest`: "), NONE)
    assert whole in text and whole.endswith("did you mean Europe/Berlin?")
    assert "<code>timezone</code>" in text and "\\`" not in text  # code renders as code


def test_a_cell_is_cut_at_a_word() -> None:
    text = "alpha beta gamma delta " * 10
    cut = cut_at_word(text, 50)
    assert len(cut) <= 50 and cut.endswith("…")
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] == " "  # a whole word ends it
    assert cut_at_word("x" * 80, 50) == "x" * 49 + "…"  # one long word: cut inside it
    assert cell(text, NONE).endswith("…") and len(cell(text, NONE)) <= 120
