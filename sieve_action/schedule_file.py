"""The capacity file: its YAML read into a typed :class:`Schedule`, or every mistake in it.

The file is a promise to users (docs/capacity.md). It is composed, not loaded, with PyYAML's
safe composer: nodes keep their line numbers and raw text, so ``from: 20:00`` is the text
"20:00" (not YAML 1.1's sexagesimal 1200) and ``country: NO`` is Norway (not false).
Anchors and aliases are refused outright and nesting is bounded, so no file can expand
into more than it says. Every error names the file, the line and the key, and all of
them are found in one pass, before any request.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from .rules import BrokenRule, parse_name, parse_replicas, parse_version
from .schedule_calendar import DAY, Holidays, holiday_dates, instant, load_zone, subdivisions
from .schedule_calendar import zone_names as _zone_names
from .secrets import Secrets

#: The largest file read (a schedule is a few kilobytes).
MAX_BYTES = 1024 * 1024
#: The deepest nesting accepted (a schedule needs five levels).
MAX_DEPTH = 16
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_TOP_KEYS = ("timezone", "holidays", "functions")
_HOLIDAY_KEYS = ("country", "subdivision", "dates")
_FUNCTION_KEYS = ("min", "max", "windows", "override")
_WINDOW_KEYS = ("days", "date", "from", "to", "min", "max")
_OVERRIDE_KEYS = ("min", "max", "until")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2})")


@dataclass(frozen=True)
class ScheduleError:
    """One mistake in a capacity file: where (file, line, key) and the rule it breaks.
    ``line`` is None for the file as a whole (too large, unreadable)."""

    file: str
    line: int | None
    key: str
    rule: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.rule}" if self.key else f"{where}: {self.rule}"


class ScheduleErrors(Exception):
    """Every mistake found in a capacity file, so a user fixes them all at once."""

    def __init__(self, errors: list[ScheduleError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Bounds:
    """Replica bounds; ``max`` None leaves the version's max as it is."""

    min: int
    max: int | None

    def __str__(self) -> str:
        return f"min {self.min}, max {'as it is' if self.max is None else self.max}"


@dataclass(frozen=True)
class Window:
    """A span of wall-clock time with bounds of its own: on weekdays (``days``) or on one
    ``date``. ``start`` and ``end`` are minutes after local midnight; an ``end`` at or
    before ``start`` is on the next day. A bound left out (None) comes from the baseline."""

    line: int
    days: frozenset[int]  # 0 is Monday; empty for a date window
    date: date | None
    start: int
    end: int
    min: int | None
    max: int | None
    label: str  # as the user reads it: "mon-fri 08:00–20:00"

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def filled(self, baseline: Bounds) -> Bounds:
        """This window's bounds, with what it leaves out taken from the baseline."""
        return Bounds(
            baseline.min if self.min is None else self.min,
            baseline.max if self.max is None else self.max,
        )


@dataclass(frozen=True)
class Override:
    """Bounds that win over everything until ``until`` (UTC), written ``written`` (local)."""

    line: int
    bounds: Bounds
    until: datetime
    written: str  # "2026-12-02 18:00", in the file's zone


@dataclass(frozen=True)
class FunctionSchedule:
    """One function version's baseline, windows and override."""

    line: int
    name: str  # the key as written: owner/function[@version]
    owner: str
    function: str
    version: str
    baseline: Bounds
    windows: tuple[Window, ...] = ()
    override: Override | None = None

    @property
    def label(self) -> str:
        return f"{self.owner}/{self.function}@{self.version}"


@dataclass(frozen=True)
class Schedule:
    """A capacity file, read and checked."""

    file: str
    timezone: str
    zone: ZoneInfo = field(compare=False, repr=False)
    holidays: Holidays
    functions: tuple[FunctionSchedule, ...]


class _Refused(Exception):
    """YAML this reader will not compose (an alias, an anchor, too deep)."""

    def __init__(self, mark: yaml.Mark, rule: str) -> None:
        super().__init__(rule)
        self.mark = mark
        self.rule = rule


class _Loader(yaml.SafeLoader):
    """The safe composer, refusing anchors and aliases and bounding the nesting."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                event.start_mark,
                "uses a YAML anchor or alias (& or *), which a capacity file may not: "
                "write each value out",
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"nests deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_schedule(path: Path, file: str | None = None) -> Schedule:
    """Read and check the capacity file at ``path``, named ``file`` in errors (the path as
    the user wrote it); at most :data:`MAX_BYTES` are read."""
    name = str(path) if file is None else file
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ScheduleErrors([ScheduleError(name, None, "", f"cannot be read: {reason}")]) from None
    return parse_schedule(data, name)


def parse_schedule(text: str | bytes, file: str) -> Schedule:
    """Check a capacity file's text and return it typed, or raise :class:`ScheduleErrors`
    with every mistake found. ``file`` names it in errors (a path, or an input's name)."""
    data = text.encode() if isinstance(text, str) else text
    if len(data) > MAX_BYTES:
        rule = f"is larger than 1 MiB ({len(data)} bytes or more): a schedule is a few kilobytes"
        raise _one(file, None, rule)
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _one(file, line, "is not UTF-8 text") from None
    reader = _Reader(file)
    schedule = reader.schedule(_compose(source, file))
    if reader.errors or schedule is None:
        raise ScheduleErrors(reader.errors)
    return schedule


def _one(file: str, line: int | None, rule: str) -> ScheduleErrors:
    return ScheduleErrors([ScheduleError(file, line, "", rule)])


def _compose(source: str, file: str) -> yaml.Node | None:
    """The file's YAML as nodes (None when empty), or its one YAML error."""
    try:
        return yaml.compose(source, Loader=_Loader)
    except _Refused as refused:
        raise _one(file, refused.mark.line + 1, refused.rule) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = None if mark is None else mark.line + 1
        # "while parsing a ..." context is PyYAML's own path; "expected ..." is the rule.
        context = error.context if error.context and error.context.startswith("expected") else ""
        problem = " ".join(part for part in (context, error.problem) if part) or "cannot be read"
        raise _one(file, line, f"is not valid YAML: {problem}") from None
    except yaml.YAMLError as error:  # a character YAML does not allow: it says where
        position = getattr(error, "position", None)
        where = None if position is None else source[:position].count("\n") + 1
        raise _one(file, where, f"is not valid YAML: {error}") from None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == "tag:yaml.org,2002:null":
        return "nothing"
    return f"{_quote(str(node.value))}"


def _quote(value: str) -> str:
    return Secrets().quote(value)


class _Reader:
    """One pass over the composed file, collecting every error on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[ScheduleError] = []
        self.zone: ZoneInfo = load_zone("UTC")

    def fail(self, node: yaml.Node | int, key: str, rule: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.errors.append(ScheduleError(self.file, line, key, rule))

    # -- shapes -------------------------------------------------------------

    def mapping(
        self, node: yaml.Node, key: str, known: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """The entries of a mapping with only ``known`` keys, each once; None if no mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, key, f"must be a mapping of {what}, got {_kind(node)}")
            return None
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value in node.value:
            name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            where = f"{key}.{name}" if key else name
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, key or "(top)", "has a key that is not plain text")
            elif name in entries:
                first = _line(entries[name][0])
                self.fail(key_node, where, f"is given twice (first on line {first})")
            elif known and name not in known:
                self.fail(key_node, where, _unknown(name, known))
            else:
                entries[name] = (key_node, value)
        return entries

    def text(self, node: yaml.Node, key: str, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
            return str(node.value).strip()
        self.fail(node, key, f"must be {what}, got {_kind(node)}")
        return None

    def replicas(self, node: yaml.Node, key: str) -> int | None:
        value = self.text(node, key, "a whole number of 0 or more")
        if value is None:
            return None
        try:
            count = parse_replicas(value, _quote)
        except BrokenRule as error:
            self.fail(node, key, error.rule)
            return None
        if count is None:
            self.fail(node, key, "must be a whole number of 0 or more, got nothing")
        return count

    # -- the file -----------------------------------------------------------

    def schedule(self, root: yaml.Node | None) -> Schedule | None:
        if root is None:
            self.fail(1, "", "is empty: it must be a mapping with `functions`")
            return None
        top = self.mapping(root, "", _TOP_KEYS, "`timezone`, `holidays` and `functions`")
        if top is None:
            return None
        timezone = "UTC"
        if "timezone" in top:
            timezone = self.timezone(top["timezone"][1]) or timezone
        holidays = Holidays()
        if "holidays" in top:
            holidays = self.holidays(top["holidays"][1]) or holidays
        if "functions" not in top:
            self.fail(root, "functions", "is required: a mapping of owner/function to bounds")
            return None
        functions = self.functions(top["functions"][1], holidays)
        return Schedule(self.file, timezone, self.zone, holidays, functions)

    def timezone(self, node: yaml.Node) -> str | None:
        name = self.text(node, "timezone", "an IANA zone name such as Europe/Berlin")
        if name is None:
            return None
        try:
            self.zone = load_zone(name)
        except KeyError:
            names = _zone_names()
            close = [z for z in names if z.lower() == name.lower()]
            close = close or difflib.get_close_matches(name, sorted(names), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.fail(
                node,
                "timezone",
                f"is not a known IANA time zone, got {_quote(name)}{hint}; "
                "write a name such as Europe/Berlin, America/New_York or UTC",
            )
            return None
        return name

    def holidays(self, node: yaml.Node) -> Holidays | None:
        entries = self.mapping(node, "holidays", _HOLIDAY_KEYS, "`country`, `subdivision`, `dates`")
        if entries is None:
            return None
        country = subdivision = None
        if "country" in entries:
            value = entries["country"][1]
            code = self.text(value, "holidays.country", "a country code such as DE or US")
            known = None if code is None else subdivisions(code.upper())
            if code is not None and known is None:
                self.fail(
                    value,
                    "holidays.country",
                    f"is not a country the `holidays` library knows, got {_quote(code)}; "
                    "write an ISO 3166-1 alpha-2 code such as DE, FR or US",
                )
            elif code is not None:
                country = code.upper()
            if "subdivision" in entries and country is not None and known is not None:
                subdivision = self.subdivision(entries["subdivision"][1], country, known)
        elif "subdivision" in entries:
            self.fail(entries["subdivision"][0], "holidays.subdivision", "needs a `country`")
        dates: set[date] = set()
        if "dates" in entries:
            value = entries["dates"][1]
            if not isinstance(value, yaml.SequenceNode):
                self.fail(value, "holidays.dates", f"must be a list of dates, got {_kind(value)}")
            else:
                for index, item in enumerate(value.value):
                    day = self.date(item, f"holidays.dates[{index}]")
                    if day is not None:
                        dates.add(day)
        return Holidays(country, subdivision, frozenset(dates))

    def subdivision(self, node: yaml.Node, country: str, known: tuple[str, ...]) -> str | None:
        code = self.text(node, "holidays.subdivision", "a subdivision code such as BY")
        if code is None:
            return None
        by_case = {k.lower(): k for k in known}
        if code.lower() in by_case:
            return by_case[code.lower()]
        listed = ", ".join(known) if known else "none"
        self.fail(
            node,
            "holidays.subdivision",
            f"is not a subdivision of {country} the `holidays` library knows, got "
            f"{_quote(code)}; known: {listed}",
        )
        return None

    def date(self, node: yaml.Node, key: str) -> date | None:
        value = self.text(node, key, "a date, YYYY-MM-DD")
        if value is None:
            return None
        day = _date(value)
        if day is None:
            self.fail(node, key, f"must be a date, YYYY-MM-DD, got {_quote(value)}")
        return day

    def functions(self, node: yaml.Node, holidays: Holidays) -> tuple[FunctionSchedule, ...]:
        entries = self.mapping(node, "functions", (), "owner/function[@version] to bounds")
        if entries is None:
            return ()
        if not entries and not self.errors:
            self.fail(node, "functions", "names no function: give at least one")
        seen: dict[str, int] = {}
        result = []
        for name, (key_node, value) in entries.items():
            key = f"functions.{name}"
            head, at, version = name.partition("@")
            same = f"{head}@{version if at else 'latest'}".lower()
            if same in seen:
                self.fail(
                    key_node,
                    key,
                    f"names the same function version as line {seen[same]} (Sieve ignores "
                    "case in names): give each one once",
                )
            seen.setdefault(same, _line(key_node))
            parsed = self.function(name, key_node, value, key)
            if parsed is not None and self.consistent(parsed, key, holidays):
                result.append(parsed)
        return tuple(result)

    def function(
        self, name: str, key_node: yaml.Node, node: yaml.Node, key: str
    ) -> FunctionSchedule | None:
        head, at, version = name.partition("@")
        owner, slash, function = head.partition("/")
        ok = True
        if not slash or not owner or not function:
            self.fail(key_node, key, "must be owner/function, optionally @version")
            ok = False
        else:
            try:
                parse_name(owner, _quote)
                parse_name(function, _quote)
                if at:
                    parse_version(version, _quote)
            except BrokenRule as error:
                self.fail(key_node, key, error.rule)
                ok = False
        entries = self.mapping(node, key, _FUNCTION_KEYS, "`min`, `max`, `windows`, `override`")
        if entries is None:
            return None
        before = len(self.errors)
        baseline_min = baseline_max = None
        if "min" in entries:
            baseline_min = self.replicas(entries["min"][1], f"{key}.min")
        else:
            self.fail(key_node, f"{key}.min", "is required: the bounds outside every window")
        if "max" in entries:
            baseline_max = self.replicas(entries["max"][1], f"{key}.max")
        windows: tuple[Window, ...] = ()
        if "windows" in entries:
            windows = self.windows(entries["windows"][1], f"{key}.windows")
        override = None
        if "override" in entries:
            override = self.override(entries["override"][1], f"{key}.override")
        if not ok or len(self.errors) > before or baseline_min is None:
            return None
        return FunctionSchedule(
            _line(key_node),
            name,
            owner,
            function,
            version if at else "latest",
            Bounds(baseline_min, baseline_max),
            windows,
            override,
        )

    def windows(self, node: yaml.Node, key: str) -> tuple[Window, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, key, f"must be a list of windows, got {_kind(node)}")
            return ()
        found = (self.window(item, f"{key}[{i}]") for i, item in enumerate(node.value))
        return tuple(window for window in found if window is not None)

    def window(self, node: yaml.Node, key: str) -> Window | None:
        entries = self.mapping(node, key, _WINDOW_KEYS, "`days` or `date`, `from`, `to`, bounds")
        if entries is None:
            return None
        before = len(self.errors)
        days: frozenset[int] = frozenset()
        day = None
        when = ""
        if ("days" in entries) == ("date" in entries):
            self.fail(node, key, "needs either `days` (mon-fri, sat,sun, daily) or one `date`")
        elif "days" in entries:
            value = entries["days"][1]
            text = self.text(value, f"{key}.days", "days such as mon-fri, sat,sun, mon or daily")
            parsed = None if text is None else _days(text)
            if text is not None and parsed is None:
                self.fail(
                    value,
                    f"{key}.days",
                    "must be days such as mon-fri, sat,sun, mon or daily (mon to sun, "
                    f"ranges and lists joined by commas), got {_quote(text)}",
                )
            if text is not None and parsed is not None:
                days, when = parsed, re.sub(r"\s+", "", text.lower())
        else:
            day = self.date(entries["date"][1], f"{key}.date")
            when = "" if day is None else day.isoformat()
        start = end = None
        for name in ("from", "to"):
            if name not in entries:
                self.fail(node, f"{key}.{name}", "is required: a wall-clock time, HH:MM")
                continue
            minute = self.time(entries[name][1], f"{key}.{name}", allow_midnight=name == "to")
            start, end = (minute, end) if name == "from" else (start, minute)
        low = self.replicas(entries["min"][1], f"{key}.min") if "min" in entries else None
        high = self.replicas(entries["max"][1], f"{key}.max") if "max" in entries else None
        if "min" not in entries and "max" not in entries:
            self.fail(node, key, "needs `min`, `max` or both: the bounds inside the window")
        if len(self.errors) > before or start is None or end is None:
            return None
        label = f"{when} {_clock(start)}–{_clock(end)}"
        return Window(_line(node), days, day, start, end, low, high, label)

    def time(self, node: yaml.Node, key: str, allow_midnight: bool) -> int | None:
        most = "24:00" if allow_midnight else "23:59"
        rule = f"must be HH:MM (00:00 to {most})"
        value = self.text(node, key, rule)
        if value is None:
            return None
        minute = _minute(value, allow_midnight)
        if minute is None:
            self.fail(node, key, f"{rule}, got {_quote(value)}")
        return minute

    def override(self, node: yaml.Node, key: str) -> Override | None:
        entries = self.mapping(node, key, _OVERRIDE_KEYS, "`min`, `max` and `until`")
        if entries is None:
            return None
        before = len(self.errors)
        found: dict[str, int | None] = {}
        for name in ("min", "max"):
            if name in entries:
                found[name] = self.replicas(entries[name][1], f"{key}.{name}")
            else:
                self.fail(node, f"{key}.{name}", "is required: an override gives both bounds")
        until = None
        if "until" in entries:
            until = self.until(entries["until"][1], f"{key}.until")
        else:
            self.fail(node, f"{key}.until", "is required: when the override ends, YYYY-MM-DDTHH:MM")
        low, high = found.get("min"), found.get("max")
        if len(self.errors) > before or until is None or low is None or high is None:
            return None
        if low > high:
            self.fail(node, key, f"min {low} is greater than max {high}")
            return None
        return Override(_line(node), Bounds(low, high), *until)

    def until(self, node: yaml.Node, key: str) -> tuple[datetime, str] | None:
        value = self.text(node, key, "a local date and time, YYYY-MM-DDTHH:MM")
        if value is None:
            return None
        match = _DATETIME.fullmatch(value)
        day = None if match is None else _date(match[1])
        minute = None if match is None else _minute(match[2], allow_midnight=False)
        if day is None or minute is None:
            what = "a date as well as a time" if _TIME.fullmatch(value) else "a date and a time"
            self.fail(
                node,
                key,
                f"must be {what}, YYYY-MM-DDTHH:MM in `timezone` (no offset), got {_quote(value)}",
            )
            return None
        return instant(day, minute, self.zone), f"{day.isoformat()} {_clock(minute)}"

    # -- min <= max in every combination ------------------------------------

    def consistent(self, function: FunctionSchedule, key: str, holidays: Holidays) -> bool:
        """Whether min <= max holds for the baseline, each window and every set of windows
        that can be active together. Two windows are enough to check: in a set whose
        highest min exceeds its highest max, the window of that min and the window of that
        max already do (the pair's min is as high and its max no higher)."""
        baseline = function.baseline
        if baseline.max is not None and baseline.min > baseline.max:
            self.fail(function.line, key, f"min {baseline.min} is greater than max {baseline.max}")
            return False
        ok = True
        filled = [w.filled(baseline) for w in function.windows]
        for index, (window, bounds) in enumerate(zip(function.windows, filled, strict=True)):
            if bounds.max is not None and bounds.min > bounds.max:
                own_min = f"min {bounds.min}" + (" (the baseline's)" if window.min is None else "")
                own_max = f"max {bounds.max}" + (" (the baseline's)" if window.max is None else "")
                self.fail(
                    window.line, f"{key}.windows[{index}]", f"{own_min} is greater than {own_max}"
                )
                ok = False
        if not ok:
            return False
        holiday_days = _holidays_near(function.windows, holidays)
        pairs = combinations(enumerate(zip(function.windows, filled, strict=True)), 2)
        for (i, (a, bounds_a)), (j, (b, bounds_b)) in pairs:
            low = max(bounds_a.min, bounds_b.min)
            highs = [m for m in (bounds_a.max, bounds_b.max) if m is not None]
            if not highs or low <= max(highs) or not _can_overlap(a, b, holiday_days):
                continue
            self.fail(
                b.line,
                f"{key}.windows[{j}]",
                f"can be active together with windows[{i}] ({a.label}, line {a.line}), and "
                f"then min {low} is greater than max {max(highs)} (overlapping windows take "
                "the highest min and the highest max)",
            )
            ok = False
        return ok


def _unknown(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return f"is not a known key{hint}; known keys here: {', '.join(known)}"


def _date(text: str) -> date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _minute(text: str, allow_midnight: bool) -> int | None:
    """Minutes after midnight of ``HH:MM``; 24:00 (1440) only if allowed; None if bad."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if (hours < 24 and minutes < 60) or (allow_midnight and (hours, minutes) == (24, 0)):
        return hours * 60 + minutes
    return None


def _clock(minute: int) -> str:
    return f"{minute // 60:02}:{minute % 60:02}"


def _days(text: str) -> frozenset[int] | None:
    """Weekdays (0 is Monday) of ``mon-fri``, ``sat,sun``, ``fri-mon``, ``daily``; None if bad."""
    words = text.lower().replace(" ", "")
    if words == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in words.split(","):
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            return None
        day, stop = WEEKDAYS.index(first), WEEKDAYS.index(last if dash else first)
        days.add(day)
        while day != stop:  # a range may wrap past Sunday: fri-mon
            day = (day + 1) % 7
            days.add(day)
    return frozenset(days)


def _span(window: Window, day: int) -> tuple[int, int]:
    """The window's wall-clock span, in minutes, starting on ``day`` (counted in days)."""
    end = window.end + (DAY if window.overnight else 0)
    return day * DAY + window.start, day * DAY + end


def _week_spans(window: Window) -> list[tuple[int, int]]:
    """A weekday window's spans in one week of minutes, wrapped at its end."""
    week = 7 * DAY
    spans = []
    for day in window.days:
        start, end = _span(window, day)
        spans.append((start, min(end, week)))
        if end > week:
            spans.append((0, end - week))
    return spans


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _can_overlap(a: Window, b: Window, holiday_days: frozenset[date]) -> bool:
    """Whether the two windows are ever active together, on the wall clock (changes of
    daylight saving only ever shorten a span). A weekday window suppressed by a holiday
    counts only next to a date window: weekly, it overlaps in other weeks anyway."""
    if a.date is None and b.date is None:
        return _overlap(_week_spans(a), _week_spans(b))
    if a.date is not None and b.date is not None:
        return _overlap([_span(a, a.date.toordinal())], [_span(b, b.date.toordinal())])
    one, weekly = (a, b) if a.date is not None else (b, a)
    assert one.date is not None
    spans = [_span(one, 0)]
    for offset in (-1, 0, 1):
        day = one.date + timedelta(days=offset)
        weekday = day.weekday() in weekly.days and day not in holiday_days
        if weekday and _overlap(spans, [_span(weekly, offset)]):
            return True
    return False


def _holidays_near(windows: tuple[Window, ...], holidays: Holidays) -> frozenset[date]:
    """The holidays around the file's date windows (only those can hide an overlap)."""
    years = {w.date.year + d for w in windows if w.date is not None for d in (-1, 0, 1)}
    if not years:
        return frozenset()
    return holiday_dates(holidays, years)
