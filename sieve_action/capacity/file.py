"""The capacity file: its YAML read into a typed :class:`~.model.Schedule`, or every
mistake in it.

The file is a promise to users (docs/capacity.md). It is composed, not loaded, with
PyYAML's safe composer: nodes keep their line numbers and raw text (:mod:`.reader` reads
them). Anchors and aliases are refused outright and nesting is bounded, so no file can
expand into more than it says. Every error names the file, the line and the key, and all
of them are found in one pass, before any request.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..contract.rules import MIN_KEY
from ..secrets import Secrets
from ..workspace import Unreadable, read
from .model import Schedule
from .reader import BadEntry, Reader

#: The largest file read (a schedule is a few kilobytes).
MAX_BYTES = 1024 * 1024
#: The deepest nesting accepted (a schedule needs five levels).
MAX_DEPTH = 16


class ScheduleErrors(Exception):
    """Every mistake found in a capacity file, so a user fixes them all at once."""

    def __init__(self, bad: list[BadEntry]) -> None:
        super().__init__("\n".join(str(e) for e in bad))
        self.bad = bad


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


def read_schedule(path: Path, file: str | None = None, secrets: Secrets | None = None) -> Schedule:
    """Read and check the capacity file at ``path``, named ``file`` in errors (the path as
    the user wrote it): only a regular file, at most :data:`MAX_BYTES` of it, ``path``
    itself not followed if it is a link (:func:`sieve_action.workspace.read`)."""
    file = str(path) if file is None else file
    try:
        data = read(path, MAX_BYTES, TOO_LARGE)
    except Unreadable as refused:
        raise _one(file, None, str(refused)) from None
    return parse_schedule(data, file, secrets)


def parse_schedule(text: str | bytes, file: str, secrets: Secrets | None = None) -> Schedule:
    """Check a capacity file's text and return it typed, or raise :class:`ScheduleErrors`
    with every mistake found. ``file`` names it in errors (a path, or an input's name);
    every value an error quotes goes through ``secrets``, the step's scrubber."""
    secrets = secrets or Secrets()
    data = text.encode() if isinstance(text, str) else text
    if len(data) > MAX_BYTES:
        raise _one(file, None, TOO_LARGE.format(size=len(data)))
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _one(file, line, "is not UTF-8 text") from None
    held = next((s for s in secrets.values if len(s) >= MIN_KEY and s in source), None)
    if held is not None:
        line = source[: source.index(held)].count("\n") + 1
        rule = (
            "holds the API key or a proxy password (not shown), which a capacity file never "
            "needs: remove it, and rotate the key if the file was ever pushed"
        )
        raise _one(file, line, rule)
    reader = Reader(file, secrets.quote)
    schedule = reader.schedule(_compose(source, file, secrets))
    if reader.found > len(reader.bad):
        more = reader.found - len(reader.bad)
        rule = f"and {more} more mistake{'s' * (more != 1)} not shown: fix these, then check again"
        reader.bad.append(BadEntry(file, None, "", rule))
    if reader.bad or schedule is None:
        raise ScheduleErrors(reader.bad)
    return schedule


TOO_LARGE = "is larger than 1 MiB ({size} bytes or more): a schedule is a few kilobytes"


def _libyaml(source: str) -> yaml.Node | None:
    """The file composed by libyaml when it has no anchor or alias and nests at most
    :data:`MAX_DEPTH` levels, read in one pass over its events first; else None (also
    when PyYAML was built without libyaml, or the file is empty or not valid YAML)."""
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None:
        return None
    events = loader_class(source)
    try:
        depth = 0
        while events.check_event():
            event = events.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                return None
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.NodeEvent):
                if depth + 1 > MAX_DEPTH:
                    return None
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
    except yaml.YAMLError:
        return None
    finally:
        events.dispose()
    try:
        node: yaml.Node | None = yaml.compose(source, Loader=loader_class)
    except yaml.YAMLError:
        return None
    return node


def _one(file: str, line: int | None, rule: str) -> ScheduleErrors:
    return ScheduleErrors([BadEntry(file, line, "", rule)])


def _compose(source: str, file: str, secrets: Secrets) -> yaml.Node | None:
    """The file's YAML as nodes (None when empty), or its one YAML error (PyYAML's words,
    which may hold a piece of the file, scrubbed).

    A file libyaml reads cleanly (no anchor, alias or deep nesting among its events) is
    composed by libyaml, ten times faster than PyYAML's own composer, with the same
    nodes, tags and lines; anything else is composed again by PyYAML's, whose words and
    checks are the ones reported."""
    fast = _libyaml(source)
    if fast is not None:
        return fast
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
        raise _one(file, line, f"is not valid YAML: {secrets.scrub(problem)}") from None
    except yaml.YAMLError as error:  # a character YAML does not allow: it says where
        position = getattr(error, "position", None)
        where = None if position is None else source[:position].count("\n") + 1
        raise _one(file, where, f"is not valid YAML: {secrets.scrub(str(error))}") from None
