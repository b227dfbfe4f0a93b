"""One pass over a capacity file's composed YAML, into a typed :class:`Schedule`,
every mistake collected on the way (:class:`BadEntry`: file, line, key and rule).

Values come from each node's raw text, so ``from: 20:00`` is "20:00" and ``country:
NO`` is Norway. Each value is checked by its rule (``values``, the inputs' own rules for
names and replica counts), and each function's windows for ``min <= max`` (``overlap``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import yaml

from ..contract.rules import BrokenRule, Quote, parse_replicas
from ..contract.targets import folded, parse_reference
from .calendar import Holidays, instant, load_zone
from .model import Bounds, FunctionSchedule, Override, Prices, Schedule, Window
from .overlap import conflicts
from .parts import COMPUTE, COMPUTE_RULE, read_holidays, read_prices, read_timezone
from .values import TIME, clock, parse_date, parse_days, parse_minute

#: The most of each a file may hold: far above any real schedule, low enough that any
#: file is checked in well under a second (bench/capacity_file.py).
MAX_FUNCTIONS = 500
MAX_WINDOWS_PER_FUNCTION = 50
MAX_WINDOWS = 2_000
#: The mistakes reported one by one; the rest are counted in one more line.
MAX_MISTAKES = 50

_TOP_KEYS = ("timezone", "holidays", "prices", "functions")
_FUNCTION_KEYS = ("min", "max", "windows", "override", "compute")

_WINDOW_KEYS = ("days", "date", "from", "to", "min", "max")
_OVERRIDE_KEYS = ("min", "max", "until")
_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2})")


@dataclass(frozen=True)
class BadEntry:
    """One mistake in a capacity file: where (file, line, key) and the rule it breaks.
    ``line`` is None for the file as a whole (too large, unreadable)."""

    file: str
    line: int | None
    key: str
    rule: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.rule}" if self.key else f"{where}: {self.rule}"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class Reader:
    """One pass over the composed file, collecting every mistake on the way (the first
    :data:`MAX_MISTAKES`, and how many more). ``quote`` is the step's: a value holding
    a secret is never quoted, not even cut or escaped."""

    def __init__(self, file: str, quote: Quote) -> None:
        self.file = file
        self.quote = quote
        self.bad: list[BadEntry] = []
        #: Every mistake found, shown or not (a part of the file failed when it grew).
        self.found = 0
        self.zone: ZoneInfo = load_zone("UTC")
        self.windows_read = 0

    def kind(self, node: yaml.Node) -> str:
        """What a node is, for an error: its shape, or its value quoted."""
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        if node.tag == "tag:yaml.org,2002:null":
            return "nothing"
        return self.quote(str(node.value))

    def fail(self, node: yaml.Node | int, key: str, rule: str) -> None:
        self.found += 1
        if len(self.bad) < MAX_MISTAKES:
            line = node if isinstance(node, int) else _line(node)
            self.bad.append(BadEntry(self.file, line, key, rule))

    # -- shapes -------------------------------------------------------------

    def mapping(
        self, node: yaml.Node, key: str, known: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """The entries of a mapping with only ``known`` keys, each once; None if no mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, key, f"must be a mapping of {what}, got {self.kind(node)}")
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
        self.fail(node, key, f"must be {what}, got {self.kind(node)}")
        return None

    def replicas(self, node: yaml.Node, key: str) -> int | None:
        value = self.text(node, key, "a whole number of 0 or more")
        if value is None:
            return None
        try:
            count = parse_replicas(value, self.quote)
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
        top = self.mapping(root, "", _TOP_KEYS, "`timezone`, `holidays`, `prices` and `functions`")
        if top is None:
            return None
        timezone = "UTC"
        if "timezone" in top:
            zone = read_timezone(self, top["timezone"][1])
            if zone is not None:
                timezone, self.zone = zone
        holidays = Holidays()
        if "holidays" in top:
            holidays = read_holidays(self, top["holidays"][1]) or holidays
        if "functions" not in top:
            self.fail(root, "functions", "is required: a mapping of owner/function to bounds")
            return None
        prices = read_prices(self, top["prices"][1]) if "prices" in top else Prices()
        functions = self.functions(top["functions"][1], holidays)
        return Schedule(self.file, timezone, self.zone, holidays, functions, prices)

    def reference(
        self, name: str, key_node: yaml.Node, key: str, *, versioned: bool = True
    ) -> tuple[str, str, str | None] | None:
        """``owner/function[@version]`` (no ``@version`` unless ``versioned``), or None
        once its mistake is recorded."""
        shape = "owner/function, optionally @version" if versioned else "owner/function"
        try:
            reference = parse_reference(name, self.quote)
        except BrokenRule as error:
            self.fail(key_node, key, error.rule)
            return None
        if reference is None or (reference[2] is not None and not versioned):
            self.fail(key_node, key, f"must be {shape}")
            return None
        return reference

    def date(self, node: yaml.Node, key: str) -> date | None:
        value = self.text(node, key, "a date, YYYY-MM-DD")
        if value is None:
            return None
        day = parse_date(value)
        if day is None:
            self.fail(node, key, f"must be a date, YYYY-MM-DD, got {self.quote(value)}")
        return day

    def functions(self, node: yaml.Node, holidays: Holidays) -> tuple[FunctionSchedule, ...]:
        entries = self.mapping(node, "functions", (), "owner/function[@version] to bounds")
        if entries is None:
            return ()
        if not entries and not self.found:
            self.fail(node, "functions", "names no function: give at least one")
        if len(entries) > MAX_FUNCTIONS:
            self.fail(
                node,
                "functions",
                f"names {len(entries)} functions; a capacity file holds at most {MAX_FUNCTIONS}: "
                "split it into files of their own, one step each",
            )
            return ()
        seen: dict[tuple[str, ...], int] = {}
        result = []
        for name, (key_node, value) in entries.items():
            key = f"functions.{name}"
            head, at, version = name.partition("@")
            same = folded(head, version if at else "latest")
            if same in seen:
                self.fail(
                    key_node,
                    key,
                    f"names the same function version as line {seen[same]} (Sieve ignores "
                    "case in names): give each one once",
                )
            seen.setdefault(same, _line(key_node))
            parsed = self.function(name, key_node, value, key)
            found = [] if parsed is None else conflicts(parsed, key, holidays)
            for line, where, rule in found:
                self.fail(line, where, rule)
            if parsed is not None and not found:
                result.append(parsed)
        return tuple(result)

    def function(
        self, name: str, key_node: yaml.Node, node: yaml.Node, key: str
    ) -> FunctionSchedule | None:
        reference = self.reference(name, key_node, key)
        entries = self.mapping(
            node, key, _FUNCTION_KEYS, "`min`, `max`, `windows`, `override`, `compute`"
        )
        if entries is None:
            return None
        before = self.found
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
        compute = None
        if "compute" in entries:
            value = entries["compute"][1]
            compute = self.text(value, f"{key}.compute", "a compute type such as a100")
            if compute is not None and not COMPUTE.fullmatch(compute):
                self.fail(value, f"{key}.compute", COMPUTE_RULE)
        if reference is None or self.found > before or baseline_min is None:
            return None
        owner, function, version = reference
        return FunctionSchedule(
            _line(key_node),
            name,
            owner,
            function,
            version or "latest",
            Bounds(baseline_min, baseline_max),
            windows,
            override,
            compute,
        )

    def windows(self, node: yaml.Node, key: str) -> tuple[Window, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, key, f"must be a list of windows, got {self.kind(node)}")
            return ()
        count = len(node.value)
        self.windows_read += count
        if count > MAX_WINDOWS_PER_FUNCTION:
            self.fail(
                node,
                key,
                f"lists {count} windows; a function has at most {MAX_WINDOWS_PER_FUNCTION}: "
                "join windows with the same bounds (days: mon-fri, or a range across midnight)",
            )
            return ()
        if self.windows_read > MAX_WINDOWS:
            self.fail(
                node,
                key,
                f"brings the file's windows to {self.windows_read}; a capacity file holds at "
                f"most {MAX_WINDOWS}: split it into files of their own, one step each",
            )
            return ()
        found = (self.window(item, f"{key}[{i}]") for i, item in enumerate(node.value))
        return tuple(window for window in found if window is not None)

    def window(self, node: yaml.Node, key: str) -> Window | None:
        entries = self.mapping(node, key, _WINDOW_KEYS, "`days` or `date`, `from`, `to`, bounds")
        if entries is None:
            return None
        before = self.found
        days: frozenset[int] = frozenset()
        day = None
        when = ""
        if ("days" in entries) == ("date" in entries):
            self.fail(node, key, "needs either `days` (mon-fri, sat,sun, daily) or one `date`")
        elif "days" in entries:
            value = entries["days"][1]
            text = self.text(value, f"{key}.days", "days such as mon-fri, sat,sun, mon or daily")
            parsed = None if text is None else parse_days(text)
            if text is not None and parsed is None:
                self.fail(
                    value,
                    f"{key}.days",
                    "must be days such as mon-fri, sat,sun, mon or daily (mon to sun, "
                    f"ranges and lists joined by commas), got {self.quote(text)}",
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
        if self.found > before or start is None or end is None:
            return None
        label = f"{when} {clock(start)}–{clock(end)}"
        return Window(_line(node), days, day, start, end, low, high, label)

    def time(self, node: yaml.Node, key: str, allow_midnight: bool) -> int | None:
        most = "24:00" if allow_midnight else "23:59"
        rule = f"must be HH:MM (00:00 to {most})"
        value = self.text(node, key, rule)
        if value is None:
            return None
        minute = parse_minute(value, allow_midnight)
        if minute is None:
            self.fail(node, key, f"{rule}, got {self.quote(value)}")
        return minute

    def override(self, node: yaml.Node, key: str) -> Override | None:
        entries = self.mapping(node, key, _OVERRIDE_KEYS, "`min`, `max` and `until`")
        if entries is None:
            return None
        before = self.found
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
        if self.found > before or until is None or low is None or high is None:
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
        day = None if match is None else parse_date(match[1])
        minute = None if match is None else parse_minute(match[2], allow_midnight=False)
        if day is None or minute is None:
            what = "a date as well as a time" if TIME.fullmatch(value) else "a date and a time"
            self.fail(
                node,
                key,
                f"must be {what}, YYYY-MM-DDTHH:MM in `timezone` (no offset), "
                f"got {self.quote(value)}",
            )
            return None
        return instant(day, minute, self.zone), f"{day.isoformat()} {clock(minute)}"


def _unknown(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return f"is not a known key{hint}; known keys here: {', '.join(known)}"
