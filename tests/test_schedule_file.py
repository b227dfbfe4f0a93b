"""The capacity file: what it accepts, typed, and every mistake named by file, line and
key, all found in one pass; hostile YAML (alias bombs, deep nesting, huge files) refused."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sieve_action.capacity.file import MAX_BYTES, ScheduleErrors, parse_schedule, read_schedule
from sieve_action.capacity.model import Bounds, Schedule
from sieve_action.capacity.reader import BadEntry

ROOT = Path(__file__).resolve().parent.parent
FILE = "sieve-capacity.yml"


def parse(text: str) -> Schedule:
    return parse_schedule(textwrap.dedent(text), FILE)


def errors(text: str) -> list[BadEntry]:
    with pytest.raises(ScheduleErrors) as caught:
        parse(text)
    assert str(caught.value) == "\n".join(str(e) for e in caught.value.bad)
    return caught.value.bad


def one_error(text: str) -> BadEntry:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def function(body: str, head: str = "") -> str:
    """A file with one function, acme/whisper, whose mapping is ``body``."""
    return head + "functions:\n  acme/whisper:\n" + textwrap.indent(textwrap.dedent(body), "    ")


# -- what is accepted ------------------------------------------------------------


def test_the_issues_example_is_read_whole() -> None:
    schedule = parse(
        """\
        timezone: Europe/Berlin
        holidays:
          country: DE
          dates: [2026-12-24, 2026-12-31]
        functions:
          acme/whisper:
            min: 0
            max: 4
            windows:
              - days: mon-fri
                from: "08:00"
                to: "20:00"
                min: 2
                max: 8
              - date: 2026-12-31
                from: "18:00"
                to: "24:00"
                min: 4
            override:
              min: 6
              max: 12
              until: 2026-12-02T18:00
        """
    )
    assert schedule.file == FILE
    assert schedule.timezone == "Europe/Berlin"
    assert str(schedule.zone) == "Europe/Berlin"
    assert schedule.holidays.country == "DE"
    assert schedule.holidays.subdivision is None
    assert schedule.holidays.dates == {date(2026, 12, 24), date(2026, 12, 31)}
    (whisper,) = schedule.functions
    assert (whisper.owner, whisper.function, whisper.version) == ("acme", "whisper", "latest")
    assert whisper.label == "acme/whisper@latest"
    assert whisper.line == 6
    assert whisper.baseline == Bounds(0, 4)
    weekly, once = whisper.windows
    assert weekly.days == {0, 1, 2, 3, 4}
    assert (weekly.start, weekly.end, weekly.min, weekly.max) == (480, 1200, 2, 8)
    assert weekly.label == "mon-fri 08:00–20:00"
    assert weekly.line == 10
    assert once.date == date(2026, 12, 31)
    assert (once.start, once.end, once.min, once.max) == (1080, 1440, 4, None)
    assert once.label == "2026-12-31 18:00–24:00"
    assert whisper.override is not None
    assert whisper.override.bounds == Bounds(6, 12)
    # 18:00 in Berlin in December (UTC+1)
    assert whisper.override.until == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    assert whisper.override.written == "2026-12-02 18:00"


def test_defaults_utc_no_holidays_latest_and_max_left_as_it_is() -> None:
    schedule = parse("functions:\n  acme/whisper:\n    min: 1\n")
    assert schedule.timezone == "UTC"
    assert schedule.holidays.country is None
    assert not schedule.holidays.dates
    (whisper,) = schedule.functions
    assert whisper.baseline == Bounds(1, None)
    assert whisper.windows == ()
    assert whisper.override is None


def test_unquoted_times_are_read_as_written_not_as_yaml_numbers() -> None:
    # YAML 1.1 reads 20:00 as the sexagesimal 1200; the file means 20:00.
    window = (
        parse(function("min: 0\nwindows:\n  - {days: daily, from: 08:00, to: 20:00, min: 1}\n"))
        .functions[0]
        .windows[0]
    )
    assert (window.start, window.end) == (480, 1200)


def test_country_no_is_norway_not_false() -> None:
    assert parse("holidays: {country: NO}\n" + function("min: 0\n")).holidays.country == "NO"


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("sat,sun", {5, 6}),
        ("sat, sun", {5, 6}),
        ("daily", set(range(7))),
        ("mon", {0}),
        ("Mon-Wed,FRI", {0, 1, 2, 4}),
        ("fri-mon", {4, 5, 6, 0}),  # a range may wrap past Sunday
        ("sun-sun", {6}),
    ],
)
def test_days(days: str, expected: set[int]) -> None:
    text = function(
        f"min: 0\nwindows:\n  - {{days: '{days}', from: '08:00', to: '09:00', min: 1}}\n"
    )
    assert parse(text).functions[0].windows[0].days == expected


def test_a_to_at_or_before_from_ends_the_next_day_and_24_00_is_midnight() -> None:
    windows = (
        parse(
            function(
                """\
            min: 0
            windows:
              - {days: fri, from: '22:00', to: '06:00', min: 1}
              - {days: sat, from: '08:00', to: '08:00', min: 1}
              - {days: sun, from: '00:00', to: '24:00', min: 1}
            """
            )
        )
        .functions[0]
        .windows
    )
    assert [w.overnight for w in windows] == [True, True, False]
    assert windows[2].end == 1440


def test_versions_and_the_subdivision() -> None:
    schedule = parse(
        """\
        holidays: {country: de, subdivision: by}
        functions:
          acme/whisper@41b83e76: {min: 0}
          acme/whisper@latest: {min: 1}
          acme/other: {min: 0, max: 0}
        """
    )
    assert schedule.holidays.country == "DE"
    assert schedule.holidays.subdivision == "BY"
    assert [f.label for f in schedule.functions] == [
        "acme/whisper@41b83e76",
        "acme/whisper@latest",
        "acme/other@latest",
    ]
    assert schedule.functions[0].name == "acme/whisper@41b83e76"


def test_overlapping_windows_that_agree_are_accepted() -> None:
    parse(
        function(
            """\
            min: 0
            max: 4
            windows:
              - {days: mon-fri, from: '08:00', to: '20:00', min: 2, max: 8}
              - {days: daily, from: '18:00', to: '22:00', max: 2}
              - {days: sat, from: '08:00', to: '20:00', min: 6, max: 8}
            """
        ).replace("max: 2}", "max: 3}")
    )


def test_a_window_that_never_meets_another_may_disagree_with_it() -> None:
    # Night max 1 and day min 3 never hold together: no combination breaks min <= max.
    parse(
        function(
            """\
            min: 0
            windows:
              - {days: daily, from: '22:00', to: '06:00', max: 1}
              - {days: daily, from: '06:00', to: '22:00', min: 3}
            """
        )
    )


def test_a_holiday_keeps_a_weekday_window_from_meeting_a_date_window() -> None:
    # 2026-12-25 is a Friday and a public holiday in Germany: mon-fri does not apply.
    text = function(
        """\
        min: 0
        windows:
          - {days: mon-fri, from: '08:00', to: '20:00', min: 3}
          - {date: 2026-12-25, from: '00:00', to: '24:00', max: 0}
        """
    )
    parse("holidays: {country: DE}\n" + text)
    error = one_error(text)
    assert (error.line, error.key) == (6, "functions.acme/whisper.windows[1]")
    assert "windows[0] (mon-fri 08:00–20:00, line 5)" in error.rule
    assert "min 3 is greater than max 0" in error.rule


def test_read_schedule_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "capacity.yml"
    path.write_text(function("min: 2\n"))
    assert read_schedule(path, "capacity.yml").functions[0].baseline == Bounds(2, None)
    assert read_schedule(path).file == str(path)


def test_a_byte_order_mark_is_allowed() -> None:
    assert parse_schedule(("\ufeff" + function("min: 2\n")).encode(), FILE).functions


def test_the_example_file_parses() -> None:
    schedule = read_schedule(ROOT / "examples" / "capacity" / "sieve-capacity.yml")
    assert schedule.functions
    assert all(f.windows for f in schedule.functions)


# -- bad input: each names the file, the line and the key -------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "rule"),
    [
        (
            function("min: 0\nwindws: []\n"),
            4,
            "functions.acme/whisper.windws",
            "is not a known key (did you mean `windows`?); known keys here: min, max, "
            "windows, override, compute",
        ),
        (
            "timezone: UTC\nholiday: {}\n" + function("min: 0\n"),
            2,
            "holiday",
            "is not a known key (did you mean `holidays`?); known keys here: timezone, "
            "holidays, prices, functions",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon, from: 8am, to: '09:00', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0].from",
            "must be HH:MM (00:00 to 23:59), got '8am'",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon, from: '8:00', to: '09:00', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0].from",
            "must be HH:MM (00:00 to 23:59), got '8:00'",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon, from: '24:00', to: '09:00', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0].from",
            "must be HH:MM (00:00 to 23:59), got '24:00'",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon, from: '08:00', to: '24:01', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0].to",
            "must be HH:MM (00:00 to 24:00), got '24:01'",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon, from: '08:60', to: '09:00', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0].from",
            "must be HH:MM (00:00 to 23:59), got '08:60'",
        ),
        (
            "timezone: Europe/Berln\n" + function("min: 0\n"),
            1,
            "timezone",
            "is not a known IANA time zone, got 'Europe/Berln' (did you mean Europe/Berlin?); "
            "write a name such as Europe/Berlin, America/New_York or UTC",
        ),
        (
            "timezone: ../../etc/passwd\n" + function("min: 0\n"),
            1,
            "timezone",
            "is not a known IANA time zone, got '../../etc/passwd'; "
            "write a name such as Europe/Berlin, America/New_York or UTC",
        ),
        (
            "holidays: {country: XX}\n" + function("min: 0\n"),
            1,
            "holidays.country",
            "is not a country the `holidays` library knows, got 'XX'; write an ISO 3166-1 "
            "alpha-2 code such as DE, FR or US",
        ),
        (
            "holidays:\n  country: DE\n  subdivision: ZZ\n" + function("min: 0\n"),
            3,
            "holidays.subdivision",
            "is not a subdivision of DE the `holidays` library knows, got 'ZZ'; known: BB, BE, "
            "BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, SN, ST, TH, Augsburg",
        ),
        (
            "holidays:\n  subdivision: BY\n" + function("min: 0\n"),
            2,
            "holidays.subdivision",
            "needs a `country`",
        ),
        (
            "holidays:\n  dates: [2026-02-30]\n" + function("min: 0\n"),
            2,
            "holidays.dates[0]",
            "must be a date, YYYY-MM-DD, got '2026-02-30'",
        ),
        (
            "holidays:\n  dates: 2026-12-24\n" + function("min: 0\n"),
            2,
            "holidays.dates",
            "must be a list of dates, got '2026-12-24'",
        ),
        (
            function("min: 5\nmax: 4\n"),
            2,
            "functions.acme/whisper",
            "min 5 is greater than max 4",
        ),
        (
            function(
                "min: 0\nmax: 4\nwindows:\n  - {days: mon, from: '08:00', to: '09:00', min: 6}\n"
            ),
            6,
            "functions.acme/whisper.windows[0]",
            "min 6 is greater than max 4 (the baseline's)",
        ),
        (
            function("min: 3\nwindows:\n  - {days: mon, from: '08:00', to: '09:00', max: 2}\n"),
            5,
            "functions.acme/whisper.windows[0]",
            "min 3 (the baseline's) is greater than max 2",
        ),
        (
            function(
                "min: 0\nwindows:\n"
                "  - {days: mon-fri, from: '08:00', to: '20:00', min: 3}\n"
                "  - {days: fri, from: '19:00', to: '01:00', max: 2}\n"
            ),
            6,
            "functions.acme/whisper.windows[1]",
            "can be active together with windows[0] (mon-fri 08:00–20:00, line 5), and then "
            "min 3 is greater than max 2 (overlapping windows take the highest min and the "
            "highest max)",
        ),
        (
            function("min: 0\noverride: {min: 3, max: 2, until: 2026-12-02T18:00}\n"),
            4,
            "functions.acme/whisper.override",
            "min 3 is greater than max 2",
        ),
        (
            function("min: 0\noverride: {min: 1, max: 2, until: '18:00'}\n"),
            4,
            "functions.acme/whisper.override.until",
            "must be a date as well as a time, YYYY-MM-DDTHH:MM in `timezone` (no offset), "
            "got '18:00'",
        ),
        (
            function("min: 0\noverride: {min: 1, max: 2, until: 18:00}\n"),
            4,
            "functions.acme/whisper.override.until",
            "must be a date as well as a time, YYYY-MM-DDTHH:MM in `timezone` (no offset), "
            "got '18:00'",
        ),
        (
            function("min: 0\noverride: {min: 1, max: 2, until: 2026-12-02}\n"),
            4,
            "functions.acme/whisper.override.until",
            "must be a date and a time, YYYY-MM-DDTHH:MM in `timezone` (no offset), "
            "got '2026-12-02'",
        ),
        (
            function("min: 0\noverride: {min: 1, max: 2, until: 2026-12-02T18:00+01:00}\n"),
            4,
            "functions.acme/whisper.override.until",
            "must be a date and a time, YYYY-MM-DDTHH:MM in `timezone` (no offset), "
            "got '2026-12-02T18:00+01:00'",
        ),
        (
            function("min: 0\noverride: {min: 1, until: 2026-12-02T18:00}\n"),
            4,
            "functions.acme/whisper.override.max",
            "is required: an override gives both bounds",
        ),
        (
            function("min: 0\noverride: {min: 1, max: 2}\n"),
            4,
            "functions.acme/whisper.override.until",
            "is required: when the override ends, YYYY-MM-DDTHH:MM",
        ),
        (
            function("max: 4\n"),
            2,
            "functions.acme/whisper.min",
            "is required: the bounds outside every window",
        ),
        (
            function("min: -1\n"),
            3,
            "functions.acme/whisper.min",
            "must be a whole number of 0 or more, got '-1'",
        ),
        (
            function("min: 1.5\n"),
            3,
            "functions.acme/whisper.min",
            "must be a whole number of 0 or more, got '1.5'",
        ),
        (
            function("min: 0\nmax:\n"),
            4,
            "functions.acme/whisper.max",
            "must be a whole number of 0 or more, got nothing",
        ),
        (
            function("min: 99999999999\n"),
            3,
            "functions.acme/whisper.min",
            "must be at most 2147483647, got '99999999999'",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon, from: '08:00', to: '09:00'}\n"),
            5,
            "functions.acme/whisper.windows[0]",
            "needs `min`, `max` or both: the bounds inside the window",
        ),
        (
            function("min: 0\nwindows:\n  - {from: '08:00', to: '09:00', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0]",
            "needs either `days` (mon-fri, sat,sun, daily) or one `date`",
        ),
        (
            function(
                "min: 0\nwindows:\n  - {days: mon, date: 2026-12-01, from: '08:00', "
                "to: '09:00', min: 1}\n"
            ),
            5,
            "functions.acme/whisper.windows[0]",
            "needs either `days` (mon-fri, sat,sun, daily) or one `date`",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon, to: '09:00', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0].from",
            "is required: a wall-clock time, HH:MM",
        ),
        (
            function("min: 0\nwindows:\n  - {days: mon-fry, from: '08:00', to: '09:00', min: 1}\n"),
            5,
            "functions.acme/whisper.windows[0].days",
            "must be days such as mon-fri, sat,sun, mon or daily (mon to sun, ranges and "
            "lists joined by commas), got 'mon-fry'",
        ),
        (
            function(
                "min: 0\nwindows:\n  - {days: [sat, sun], from: '08:00', to: '09:00', min: 1}\n"
            ),
            5,
            "functions.acme/whisper.windows[0].days",
            "must be days such as mon-fri, sat,sun, mon or daily, got a list",
        ),
        (
            function(
                "min: 0\nwindows:\n  - {date: 2026-12-32, from: '08:00', to: '09:00', min: 1}\n"
            ),
            5,
            "functions.acme/whisper.windows[0].date",
            "must be a date, YYYY-MM-DD, got '2026-12-32'",
        ),
        (
            function("min: 0\nwindows: {days: mon}\n"),
            4,
            "functions.acme/whisper.windows",
            "must be a list of windows, got a mapping",
        ),
        (
            function("min: 0\nmin: 1\n"),
            4,
            "functions.acme/whisper.min",
            "is given twice (first on line 3)",
        ),
        (
            "functions:\n  acme/whisper: {min: 0}\n  Acme/Whisper: {min: 1}\n",
            3,
            "functions.Acme/Whisper",
            "names the same function version as line 2 (Sieve ignores case in names): give "
            "each one once",
        ),
        (
            "functions:\n  acme/whisper: {min: 0}\n  acme/whisper@LATEST: {min: 1}\n",
            3,
            "functions.acme/whisper@LATEST",
            "names the same function version as line 2 (Sieve ignores case in names): give "
            "each one once",
        ),
        (
            "functions:\n  whisper: {min: 0}\n",
            2,
            "functions.whisper",
            "must be owner/function, optionally @version",
        ),
        (
            "functions:\n  acme/whisper/x: {min: 0}\n",
            2,
            "functions.acme/whisper/x",
            "must be owner/function, optionally @version",
        ),
        (
            "functions:\n  acme/whis per: {min: 0}\n",
            2,
            "functions.acme/whis per",
            "must be owner/function, optionally @version",
        ),
        (
            "functions:\n  acme/whisper@v_1: {min: 0}\n",
            2,
            "functions.acme/whisper@v_1",
            "must be `latest` or a version ID (or prefix) of at most 128 letters, digits "
            "and '-', got 'v_1'",
        ),
        (
            "functions:\n  acme/whisper:\n",
            2,
            "functions.acme/whisper",
            "must be a mapping of `min`, `max`, `windows`, `override`, `compute`, got nothing",
        ),
        ("functions: {}\n", 1, "functions", "names no function: give at least one"),
        ("timezone: UTC\n", 1, "functions", "is required: a mapping of owner/function to bounds"),
        ("", 1, "", "is empty: it must be a mapping with `functions`"),
        (
            "- acme/whisper\n",
            1,
            "",
            "must be a mapping of `timezone`, `holidays`, `prices` and `functions`, got a list",
        ),
        (
            "just text\n",
            1,
            "",
            "must be a mapping of `timezone`, `holidays`, `prices` and `functions`, "
            "got 'just text'",
        ),
        (
            "functions: [\n",
            2,
            "",
            "is not valid YAML: expected the node content, but found '<stream end>'",
        ),
        (
            "a: 1\n---\nb: 2\n",
            2,
            "",
            "is not valid YAML: expected a single document in the stream but found another "
            "document",
        ),
    ],
)
def test_bad_input_names_file_line_and_key(text: str, line: int, key: str, rule: str) -> None:
    error = one_error(text)
    assert error == BadEntry(FILE, line, key, rule)
    where = f"{FILE}:{line}: {key}: " if key else f"{FILE}:{line}: "
    assert str(error) == where + rule


def test_every_mistake_is_found_in_one_pass() -> None:
    found = errors(
        """\
        timezone: Mars/Olympus
        holidays: {country: XX, dates: [2026-13-01]}
        functions:
          acme/whisper:
            min: 5
            max: 4
            windws: []
          acme/other:
            min: 0
            windows:
              - days: mon-fry
                from: 8am
                to: '25:00'
                min: 3
            override: {min: 1, max: 2, until: '18:00'}
          ACME/Other: {min: 0}
        """
    )
    assert [(e.line, e.key) for e in found] == [
        (1, "timezone"),
        (2, "holidays.country"),
        (2, "holidays.dates[0]"),
        (7, "functions.acme/whisper.windws"),
        (4, "functions.acme/whisper"),
        (11, "functions.acme/other.windows[0].days"),
        (12, "functions.acme/other.windows[0].from"),
        (13, "functions.acme/other.windows[0].to"),
        (15, "functions.acme/other.override.until"),
        (16, "functions.ACME/Other"),
    ]
    assert all(e.file == FILE for e in found)


def test_the_message_reads_as_the_issue_shows_it() -> None:
    error = one_error(
        function("min: 0\nwindows:\n  - {days: mon, from: 8am, to: '09:00', min: 1}\n")
    )
    assert str(error) == (
        "sieve-capacity.yml:5: functions.acme/whisper.windows[0].from: "
        "must be HH:MM (00:00 to 23:59), got '8am'"
    )


def test_a_file_over_one_mib_is_refused_unread(tmp_path: Path) -> None:
    text = function("min: 0\n") + "#" * MAX_BYTES
    error = one_error(text)
    assert error.line is None
    assert error.rule.startswith("is larger than 1 MiB")
    assert str(error).startswith(f"{FILE}: is larger than 1 MiB")
    path = tmp_path / "big.yml"
    path.write_text(text)
    with pytest.raises(ScheduleErrors, match="larger than 1 MiB"):
        read_schedule(path, "big.yml")


def test_a_file_of_exactly_one_mib_is_read() -> None:
    text = function("min: 0\n")
    text += "#" * (MAX_BYTES - len(text) - 1) + "\n"
    assert len(text.encode()) == MAX_BYTES
    assert parse(text).functions


def test_a_missing_file_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(ScheduleErrors) as caught:
        read_schedule(tmp_path / "nope.yml", "nope.yml")
    assert str(caught.value) == "nope.yml: cannot be read: No such file or directory"


def test_text_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ScheduleErrors) as caught:
        parse_schedule(b"functions:\n  acme/whisper: {min: 0}\n# \xff\n", FILE)
    assert str(caught.value) == f"{FILE}:3: is not UTF-8 text"


def test_a_character_yaml_refuses_names_its_line() -> None:
    error = one_error("functions:\n  acme/whisper: {min: 0}\n# \x07\n")
    assert error.line == 3
    assert error.rule.startswith("is not valid YAML")


def test_an_alias_bomb_is_refused_at_its_first_anchor() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    error = one_error(bomb + function("min: 0\n"))
    assert error == BadEntry(
        FILE,
        1,
        "",
        "uses a YAML anchor or alias (& or *), which a capacity file may not: write each value out",
    )


def test_a_lone_alias_or_merge_key_is_refused() -> None:
    text = "functions:\n  acme/whisper: &w {min: 0}\n  acme/other: *w\n"
    assert one_error(text).line == 2
    text = "functions:\n  acme/whisper:\n    <<: *w\n"
    assert one_error(text).line == 3


def test_deep_nesting_is_refused_without_a_recursion_error() -> None:
    error = one_error("functions: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert error.rule == "nests deeper than 16 levels"
    assert error.line == 1


def test_python_tags_are_never_constructed() -> None:
    text = "functions:\n  acme/whisper:\n    min: !!python/object/apply:os.system ['true']\n"
    # Composed, not constructed: the tag is inert text, and the value is not a number.
    assert one_error(text).key == "functions.acme/whisper.min"


# -- any text: a Schedule or ScheduleErrors, never anything else --------------------


def attempt(text: str) -> list[BadEntry]:
    """The errors of ``text`` (none when it is accepted); any other exception fails."""
    try:
        parse_schedule(text, FILE)
    except ScheduleErrors as caught:
        return caught.bad or [BadEntry(FILE, 0, "", "ScheduleErrors with no error")]
    return []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_schedule_or_schedule_errors(text: str) -> None:
    found = attempt(text)
    assert all(e.file == FILE for e in found)


FRAGMENTS = [
    "timezone: Europe/Berlin\n",
    "timezone: Nowhere/Land\n",
    "holidays: {country: DE}\n",
    "functions:\n",
    "  acme/whisper:\n",
    "  acme/other@latest:\n",
    "    min: 1\n",
    "    max: 3\n",
    "    windows:\n",
    "      - {days: mon-fri, from: '08:00', to: '20:00', min: 2}\n",
    "      - {date: 2026-12-31, from: '18:00', to: '24:00', max: 9}\n",
    "    override: {min: 1, max: 2, until: 2026-12-02T18:00}\n",
    "  bad name:\n",
    "&x\n",
    "- x\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_any_arrangement_of_fragments_gives_a_schedule_or_schedule_errors(
    parts: list[str],
) -> None:
    for error in attempt("".join(parts)):
        assert error.line is None or 1 <= error.line <= len(parts) + 1
