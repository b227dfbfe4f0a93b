"""The review of a capacity file's change, from the two files alone: the week's stretches
and replica-hours as the step's own schedule code sees them (holidays included), each
function's price and where it came from, the verdict against ``max-weekly-increase`` (a
limit that cannot be checked never passes), and the body: totals first, within GitHub's
limit, nothing secret in it, its chart drawn by Mermaid itself."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from sieve_action.capacity.file import parse_schedule
from sieve_action.capacity.model import Bounds, Schedule
from sieve_action.contract.rules import BrokenRule, Threshold, parse_threshold
from sieve_action.github.body import MAX_BODY, compose, length, marker
from sieve_action.review.change import Change, change
from sieve_action.review.chart import MAX_FUNCTIONS, chart
from sieve_action.review.comment import parts, verdict
from sieve_action.review.cost import Rate, from_usage, rates
from sieve_action.secrets import Secrets
from testkit.browser import Chromium, check_mermaid

FILE = "sieve-capacity.yml"
#: Wednesday 2 December 2026, 10:00 in Berlin: inside the working day.
WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
KEY = "sk-Review7Qm2Xv9Rp4Lz8Tn3Kw6"


def schedule(text: str, file: str = FILE) -> Schedule:
    return parse_schedule(textwrap.dedent(text), file)


def workday(minimum: int, extra: str = "", head: str = "") -> Schedule:
    """acme/whisper with a mon-fri 08:00-20:00 window of ``minimum`` warm replicas;
    ``head``: top-level keys before ``functions``; ``extra``: more functions."""
    text = textwrap.dedent(
        f"""\
        functions:
          acme/whisper:
            min: 0
            max: 4
            windows:
              - days: mon-fri
                from: "08:00"
                to: "20:00"
                min: {minimum}
                max: 8
        """
    )
    return parse_schedule(f"timezone: Europe/Berlin\n{head}\n{text}{extra}", FILE)


DIARIZE = """\
  acme/diarize:
    min: 1
"""


def body(found: Change, priced: dict[str, Rate | None], secrets: Secrets | None = None) -> str:
    secrets = secrets or Secrets()
    blocks = parts(found, priced, verdict(found, priced, None), secrets)
    return compose(
        blocks,
        head_sha="f" * 40,
        computed_at=found.now,
        marker=marker("Capacity", FILE),
        secrets=secrets,
    ).body


# -- the change over the week ----------------------------------------------------------


def test_the_change_is_every_differing_stretch_with_its_replica_hours() -> None:
    found = change(workday(2), workday(3), WEDNESDAY)
    (whisper,) = found.functions
    assert whisper.kind == "changed"
    # Wed 10-20, Thu, Fri, Mon, Tue 08-20, and next Wednesday 08-10: 60 hours of window.
    hours = [round((s.end - s.start).total_seconds() / 3600) for s in whisper.stretches]
    assert hours == [10, 12, 12, 12, 12, 2]
    assert all(s.before == Bounds(2, 8) and s.after == Bounds(3, 8) for s in whisper.stretches)
    assert (found.hours_before, found.hours_after) == (120, 180)


def test_functions_added_and_removed_count_from_or_to_nothing() -> None:
    base = workday(2, DIARIZE)
    head = workday(2)
    removed = change(base, head, WEDNESDAY)
    assert [(f.label, f.kind) for f in removed.functions] == [
        ("acme/whisper@latest", "unchanged"),
        ("acme/diarize@latest", "removed"),
    ]
    # No longer set by the step, it keeps its bounds now (min 1): no saving.
    gone = removed.functions[1]
    assert gone.kept == Bounds(1, None) and gone.hours_before == gone.hours_after == 168
    assert gone.stretches == ()
    assert "keeps the bounds it has when this lands" in body(removed, {})
    # Removed during a window: the window's bounds are kept, all week.
    in_window = change(workday(2), schedule("functions:\n  acme/other:\n    min: 0\n"), WEDNESDAY)
    whisper = in_window.functions[1]
    assert whisper.kind == "removed" and whisper.kept == Bounds(2, 8)
    assert whisper.hours_after == 2 * 168 and whisper.hours_before == 120
    assert "| <code>acme/whisper@latest</code> | removed: keeps 2..8 |" in body(in_window, {})
    added = change(None, base, WEDNESDAY)
    assert [f.kind for f in added.functions] == ["added", "added"]
    assert added.hours_before == 0 and added.hours_after == 120 + 168


def test_a_file_the_same_in_other_words_changes_nothing() -> None:
    spelled = schedule(
        """\
        timezone: Europe/Berlin
        functions:
          ACME/Whisper:  # the same function, as the step finds it
            min: 0
            max: 4
            windows:
              - {days: "MON-FRI", from: "08:00", to: "20:00", min: 2, max: 8}
        """
    )
    found = change(workday(2), spelled, WEDNESDAY)
    assert [f.kind for f in found.functions] == ["unchanged"] and not found.changed
    text = body(found, {})
    assert "**0 replica-hours a week**" in text and "Functions: 1 unchanged." in text
    assert "```mermaid" not in text  # nothing to draw


def test_a_holiday_the_pull_request_adds_is_seen_as_the_step_would_see_it() -> None:
    # The week from Monday 21 December 2026: Christmas Day (Friday) is a public holiday
    # in Germany, and the pull request starts to honour Germany's holidays.
    monday = datetime(2026, 12, 21, 6, 0, tzinfo=UTC)
    found = change(workday(2), workday(2, head="holidays: {country: DE}"), monday)
    (whisper,) = found.functions
    assert [(s.start.astimezone(UTC).day, s.before, s.after) for s in whisper.stretches] == [
        (25, Bounds(2, 8), Bounds(0, 4))
    ]
    assert found.hours_before - found.hours_after == 2 * 12


# -- prices ----------------------------------------------------------------------------

PRICES = """\
prices:
  compute: {a100: 3.5}
  functions: {acme/diarize: 0.8}
"""


def test_a_function_s_price_wins_over_its_compute_type_s_and_says_where_it_came_from() -> None:
    head = workday(3, DIARIZE, head=PRICES)
    found = change(workday(2, DIARIZE), head, WEDNESDAY)
    priced = rates(found, {"acme/whisper@latest": "a100", "acme/diarize@latest": "a100"})
    assert priced["acme/whisper@latest"] == Rate(3.5, "the file's `prices.compute.a100`")
    assert priced["acme/diarize@latest"] == Rate(0.8, "the file's `prices.functions.acme/diarize`")


def test_the_base_s_prices_serve_when_the_pull_request_has_none_and_estimates_come_last() -> None:
    found = change(workday(2, head=PRICES), workday(3), WEDNESDAY)
    asked: list[str] = []

    def estimate(function: object) -> Rate:
        asked.append(str(function))
        return Rate(9.0, "estimated")

    assert rates(found, {"acme/whisper@latest": "a100"}, estimate)["acme/whisper@latest"] == (
        Rate(3.5, "the base's `prices.compute.a100`")
    )
    assert not asked  # a price in a file is never replaced by an estimate
    assert rates(found, {}, estimate)["acme/whisper@latest"] == Rate(9.0, "estimated")
    assert rates(found, {})["acme/whisper@latest"] is None


def test_an_estimate_is_what_was_billed_over_the_compute_hours_billed() -> None:
    rate = from_usage(70.0, 20 * 3600)
    assert rate is not None and rate.dollars == 3.5 and "$70.00 over 20.0" in rate.source
    assert from_usage(0.0, 0.0) is None  # no usage: no estimate, not a free machine


# -- the verdict -----------------------------------------------------------------------


def test_the_limit_in_replica_hours_passes_at_the_limit_and_fails_above_it() -> None:
    found = change(workday(2), workday(3), WEDNESDAY)  # +60
    at = verdict(found, {}, Threshold(60, "replica-hours"))
    assert at is not None and at.passed and "+60 replica-hours a week" in at.why
    above = verdict(found, {}, Threshold(59.5, "replica-hours"))
    assert above is not None and not above.passed
    assert "more than `max-weekly-increase` (59.5 replica-hours)" in above.why
    assert verdict(found, {}, None) is None


def test_a_limit_in_dollars_fails_when_a_changed_function_has_no_price() -> None:
    head = workday(3, DIARIZE)
    found = change(workday(2, DIARIZE), head, WEDNESDAY)  # only whisper changes
    unpriced = verdict(found, {"acme/diarize@latest": Rate(1, "x")}, Threshold(1000, "dollars"))
    assert unpriced is not None and not unpriced.passed
    assert "`acme/whisper@latest` cannot be known" in unpriced.why and "`prices`" in unpriced.why
    # An unchanged function without a price does not matter to the limit.
    priced = verdict(found, {"acme/whisper@latest": Rate(2, "x")}, Threshold(120, "dollars"))
    assert priced is not None and priced.passed and "+$120.00 a week" in priced.why
    over = verdict(found, {"acme/whisper@latest": Rate(2, "x")}, Threshold(119.99, "dollars"))
    assert over is not None and not over.passed


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("40 replica-hours", Threshold(40, "replica-hours")),
        ("$25", Threshold(25, "dollars")),
        ("$12.50", Threshold(12.5, "dollars")),
    ],
)
def test_a_limit_is_read_in_its_unit(given: str, expected: Threshold) -> None:
    assert parse_threshold(given, repr) == expected


@pytest.mark.parametrize("given", ["40", "25$", "$-1", "40 hours", "$1e9", "forty replica-hours"])
def test_a_limit_without_its_unit_is_refused_with_the_two_forms(given: str) -> None:
    with pytest.raises(BrokenRule) as refused:
        parse_threshold(given, repr)
    assert "`40 replica-hours`" in refused.value.rule and "`$25`" in refused.value.rule


# -- the body --------------------------------------------------------------------------


def test_the_body_leads_with_the_totals_and_the_verdict_and_ends_with_its_marker() -> None:
    head = workday(3, head=PRICES)
    found = change(workday(2), head, WEDNESDAY)
    priced = rates(found, {"acme/whisper@latest": "a100"})
    judged = verdict(found, priced, Threshold(100, "dollars"))
    secrets = Secrets()
    text = compose(
        parts(found, priced, judged, secrets),
        head_sha="a" * 40,
        computed_at=WEDNESDAY,
        marker=marker("Capacity", FILE),
        secrets=secrets,
    ).body
    lines = text.splitlines()
    assert lines[0] == "### Sieve capacity review: <code>sieve-capacity.yml</code>"
    assert "**+60 replica-hours a week** of warm minimum (120 → 180)" in lines[2]
    assert "**+$210.00 a week** ($420.00 → $630.00)" in lines[2]
    assert lines[4] == "❌ +$210.00 a week is more than <code>max-weekly-increase</code> ($100.00)."
    assert f"head commit {'a' * 40}" in text
    assert lines[-1] == marker("Capacity", FILE)


def test_five_hundred_changed_functions_fit_one_comment_with_the_totals_whole() -> None:
    def many(minimum: int) -> Schedule:
        functions = "".join(
            f"""
          acme/f{index}:
            min: 0
            windows:
              - {{days: mon-fri, from: "08:00", to: "20:00", min: {minimum}}}
              - {{days: sat, from: "10:00", to: "11:00", min: {minimum}}}"""
            for index in range(500)
        )
        return schedule(f"timezone: Europe/Berlin\nfunctions:{functions}\n")

    found = change(many(1), many(2), WEDNESDAY)
    text = body(found, {})
    assert length(text) <= MAX_BODY
    assert "**+30,500 replica-hours a week**" in text  # 500 × 61 hours, never cut
    # The last parts are cut first: the prices, the chart, then the stretches.
    assert "stretches not shown: the job summary has the whole plan" in text
    drawn = chart(found)
    assert drawn is not None and drawn.count("· base") == MAX_FUNCTIONS


def test_nothing_secret_reaches_the_body_whatever_the_file_names() -> None:
    secrets = Secrets()
    secrets.add(KEY)
    head = schedule(
        f"""\
        timezone: Europe/Berlin
        functions:
          acme/{KEY}:
            min: 1
        """,
        file=f"capacity-{KEY}.yml",
    )
    found = change(None, head, WEDNESDAY)
    text = body(found, {}, secrets)  # the chart included
    blocks = parts(found, {}, None, secrets)
    whole = compose(
        blocks, head_sha="", computed_at=WEDNESDAY, marker=marker("x", head.file), secrets=secrets
    ).body
    for shown in (text, whole):
        assert KEY not in shown and KEY[:12] not in shown


# -- the chart, drawn by Mermaid -------------------------------------------------------


def test_the_chart_of_a_change_with_added_and_removed_functions_is_drawn(
    browser: Chromium,
) -> None:
    base = workday(2, DIARIZE)
    head = schedule(
        """\
        timezone: Europe/Berlin
        functions:
          acme/whisper:
            min: 0
            windows:
              - {days: mon-fri, from: "08:00", to: "20:00", min: 3, max: 8}
              - {days: fri, from: "22:00", to: "06:00", min: 4}
          acme/embed:
            min: 0
            windows:
              - {days: sat, from: "10:00", to: "16:00", min: 1, max: 2}
        """
    )
    drawn = chart(change(base, head, WEDNESDAY))
    assert drawn is not None
    found = check_mermaid(drawn.removeprefix("```mermaid\n").removesuffix("\n```"), browser=browser)
    assert found.ok, found
    for lane in ("acme/whisper · base", "acme/embed · pull request", "acme/diarize · base"):
        assert lane in found.svg
    # Three functions, two lanes each; a lane with no warm replica still shows.
    assert drawn.count("    section ") == 6 and "none :" in drawn
