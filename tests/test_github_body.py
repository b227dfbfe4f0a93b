"""The comment's body: the hidden marker no value can break, the footer, and the cut under
GitHub's limit that keeps the totals, says what it cut, and scrubs before it cuts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sieve_action.github.body import (
    MAX_BODY,
    Cut,
    Part,
    compose,
    fit,
    footer,
    length,
    marker,
)
from sieve_action.secrets import Secrets

KEY = "sk-Body7Qm2Xv9Rp4Lz8Tn3Kw6Hy1"
SHA = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
WHEN = datetime(2026, 12, 2, 9, 30, 5, tzinfo=UTC)
TAIL = footer(SHA, WHEN) + "\n\n" + marker("Capacity", "capacity.yml")
TOTALS = "**Totals: $1,234.56 a week**"


def table(rows: int, width: int = 40) -> Part:
    lines = ["| f | cost |", "| --- | --- |"] + [f"| f{i} | {'x' * width} |" for i in range(rows)]
    return Part("\n".join(lines), Cut.LINES, noun="row", keep=2)


# -- the marker ------------------------------------------------------------------------


def test_the_marker_names_the_workflow_and_the_file() -> None:
    assert marker("Capacity", ".github/capacity.yml") == (
        "<!-- sieve-action:review workflow=Capacity file=.github/capacity.yml -->"
    )


@pytest.mark.parametrize(
    "value", ["-->", "--!>", "a -- b", "<!-- x", "x>y", "two words", "line\nbreak", "50%", "é"]
)
def test_no_value_ends_the_comment_early(value: str) -> None:
    made = marker(value, value)
    inner = made.removeprefix("<!--").removesuffix("-->")
    assert "--" not in inner and ">" not in inner and "<" not in inner
    assert "\n" not in made and made.count(" ") == 4


@given(st.text(), st.text(), st.text(), st.text())
@settings(max_examples=200, deadline=None)
def test_markers_never_break_and_never_collide(w1: str, f1: str, w2: str, f2: str) -> None:
    one, two = marker(w1, f1), marker(w2, f2)
    for made in (one, two):
        inner = made.removeprefix("<!--").removesuffix("-->")
        assert "--" not in inner and ">" not in inner and made.isprintable()
    # Lone surrogates become U+FFFD, as everywhere else: otherwise distinct is distinct.
    same = (w1, f1) == (w2, f2)
    if all(
        s.encode("utf-8", "surrogatepass").decode("utf-8", "replace") == s for s in (w1, f1, w2, f2)
    ):
        assert (one == two) == same


# -- the footer ------------------------------------------------------------------------


def test_the_footer_names_the_head_commit_and_the_time_in_utc() -> None:
    berlin = WHEN.astimezone(timezone(timedelta(hours=1)))
    line = footer(SHA.upper(), berlin)
    assert SHA in line and "2026-12-02 09:30:05 UTC" in line


def test_a_naive_time_is_utc_and_a_value_that_is_no_sha_is_not_shown() -> None:
    line = footer("not a sha; <script>", WHEN.replace(tzinfo=None))
    assert "head commit" not in line and "<script>" not in line
    assert "2026-12-02 09:30:05 UTC" in line


# -- the cut ---------------------------------------------------------------------------


def test_a_body_within_the_limit_is_whole() -> None:
    parts = [Part(TOTALS), table(3)]
    fitted = fit(parts, TAIL)
    assert fitted.cut == ()
    assert fitted.body == "\n\n".join([TOTALS, parts[1].text, TAIL])


def test_rows_are_cut_from_the_end_and_the_count_said() -> None:
    fitted = fit([Part(TOTALS), table(5000)], TAIL)
    body = fitted.body
    assert length(body) <= MAX_BODY and body.startswith(TOTALS) and body.endswith(TAIL)
    kept = sum(1 for line in body.splitlines() if line.startswith("| f") and "x" in line)
    assert kept > 1000
    [note] = fitted.cut
    assert note == f"_… {5000 - kept} rows not shown: the job summary has the whole plan._"
    assert f"| f{kept - 1} |" in body and f"| f{kept} |" not in body
    assert "\n\n" + note in body  # a blank line first: not read as a row of the table
    assert length(body) > MAX_BODY - 100  # as much as fits


def test_the_last_part_is_cut_first_and_a_chart_goes_whole() -> None:
    steps = "\n".join(f"  step{i} :a{i}, 2026-12-01, 1d" for i in range(4000))
    chart = Part(f"```mermaid\ngantt\n{steps}\n```", Cut.WHOLE, "the chart")
    fitted = fit([Part(TOTALS), table(100), chart], TAIL)
    assert fitted.cut == ("_… the chart not shown: the job summary has the whole plan._",)
    assert "| f99 |" in fitted.body and "step0" not in fitted.body


def test_a_table_s_header_is_kept_with_its_rows() -> None:
    fitted = fit([Part(TOTALS), table(3000, width=200)], TAIL, limit=3000)
    lines = fitted.body.splitlines()
    assert lines[2:4] == ["| f | cost |", "| --- | --- |"]
    assert length(fitted.body) <= 3000


def test_a_code_fence_the_cut_left_open_is_closed() -> None:
    code = Part("```text\n" + "\n".join(f"line {i}" for i in range(9000)) + "\n```", Cut.LINES)
    fitted = fit([Part(TOTALS), code], TAIL)
    before_note = fitted.body.split("\n\n_… ")[0]
    assert before_note.endswith("\n```") and length(fitted.body) <= MAX_BODY


def test_the_parts_that_must_stay_are_cut_only_when_nothing_else_is_left() -> None:
    huge = Part("\n".join(f"total line {i}" for i in range(20000)))
    fitted = fit([huge, table(10)], TAIL)
    # The rows went first, then the table's header; then the lines of what must stay,
    # from its end.
    assert [note.split()[2] for note in fitted.cut] == ["lines", "rows"]
    assert fitted.body.startswith("total line 0\n") and fitted.body.endswith(TAIL)
    assert "| f | cost |" not in fitted.body
    assert length(fitted.body) <= MAX_BODY


def test_one_line_longer_than_the_limit_is_cut_inside() -> None:
    fitted = fit([Part("y" * 100_000 + "\nsecond line")], TAIL)
    assert length(fitted.body) <= MAX_BODY and fitted.body.endswith(TAIL)
    assert fitted.body.startswith("y" * 60_000) and "second line" not in fitted.body
    assert fitted.cut == ("_… the rest not shown: the job summary has the whole plan._",)


def test_characters_beyond_the_basic_plane_count_twice() -> None:
    emoji = Part("\n".join("🟥" * 50 for _ in range(2000)), Cut.LINES, noun="row")
    fitted = fit([emoji], TAIL)
    assert len(fitted.body.encode("utf-16-le")) // 2 <= MAX_BODY
    assert len(fitted.body) < MAX_BODY // 2 + 1000


@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=3000),
            st.sampled_from(list(Cut)),
            st.integers(0, 3),
        ),
        max_size=5,
    ),
    st.integers(2 * length(TAIL), 4000),
)
@settings(max_examples=150, deadline=None)
def test_any_parts_fit_and_end_with_the_marker(
    spec: list[tuple[str, Cut, int]], limit: int
) -> None:
    parts = [Part(text * 3, cut, keep=keep) for text, cut, keep in spec]
    fitted = fit(parts, TAIL, limit=limit)
    assert length(fitted.body) <= limit
    assert fitted.body.endswith(TAIL)


# -- scrubbed before cut ---------------------------------------------------------------


@pytest.mark.parametrize("pad", range(0, len(KEY), 7))
def test_a_key_across_the_cut_is_scrubbed_before_it(pad: int) -> None:
    secrets = Secrets()
    secrets.add(KEY)
    # One line of keys longer than the limit: cut first, some key would be cut in two
    # wherever the cut falls (``pad`` moves it), and no scrub could find its half.
    text = "z" * pad + KEY * 3000
    fitted = compose(
        [Part(text), table(3, width=1)],
        head_sha=SHA,
        computed_at=WHEN,
        marker=marker("Capacity", "capacity.yml"),
        secrets=secrets,
    )
    assert all(KEY[i : i + 6] not in fitted.body for i in range(len(KEY) - 5))
    assert fitted.body.count("***") == 3000 and length(fitted.body) <= MAX_BODY


def test_every_part_is_scrubbed_even_when_nothing_is_cut() -> None:
    secrets = Secrets()
    secrets.add(KEY)
    fitted = compose(
        [Part(f"{TOTALS} {KEY}"), table(2), Part(f"chart {KEY}", Cut.WHOLE, "the chart")],
        head_sha=SHA,
        computed_at=WHEN,
        marker=marker("Capacity", "capacity.yml"),
        secrets=secrets,
    )
    assert KEY not in fitted.body and fitted.body.count("***") == 2
