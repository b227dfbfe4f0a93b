"""The comment's body: its parts, scrubbed, then cut to fit GitHub's limit, then the
footer (the head commit, when it was computed) and the hidden marker at the very end.

Pure: text in, text out. GitHub refuses a comment over 65,536 characters (422). Lengths
are counted here in UTF-16 code units, never fewer than code points, so a body that fits
here fits however GitHub counts (code points; 262,144 UTF-8 bytes has also been seen,
which 65,536 code points never pass). Parts that must stay (the head with the totals)
are kept; parts that may be cut (a table, a chart) lose lines from their end, the last
part first, and a line says how many and where the rest is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum

from ..secrets import Secrets

#: GitHub's limit on a comment's body.
MAX_BODY = 65_536
#: Where the rest is, said after what was cut.
ELSEWHERE = "the job summary has the whole plan"
#: Between blocks of Markdown.
SEP = "\n\n"
MARKER_START = "<!-- sieve-action:review"
_PLAIN = re.compile(r"[A-Za-z0-9._/~@+]")
_SHA = re.compile(r"[0-9a-f]{7,64}")
_FENCE = re.compile(r"\s{0,3}(`{3,}|~{3,})")


def length(text: str) -> int:
    """``text``'s length as the limit is counted here (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _escape(value: str) -> str:
    """A value for the marker: every character but letters, digits and ``._/~@+`` as
    UTF-8 percent-escapes, so that no value holds ``-``, ``>``, ``!``, ``<`` or a space
    (nothing can end the HTML comment, or the value, early)."""
    return "".join(
        char if _PLAIN.fullmatch(char) else "".join(f"%{b:02X}" for b in char.encode())
        for char in value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    )


def marker(workflow: str, file: str) -> str:
    """The hidden line that finds the comment again: one per workflow and capacity file."""
    return f"{MARKER_START} workflow={_escape(workflow)} file={_escape(file)} -->"


def footer(head_sha: str, computed_at: datetime) -> str:
    """The line saying which head commit the review is for and when it was computed
    (UTC; a naive time is taken as UTC)."""
    when = computed_at if computed_at.tzinfo else computed_at.replace(tzinfo=UTC)
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if not _SHA.fullmatch(head_sha.lower()):  # outside a pull request, or not a SHA
        return f"<sub>Computed at {stamp} by sieve-action.</sub>"
    return f"<sub>Computed for head commit {head_sha.lower()} at {stamp} by sieve-action.</sub>"


class Cut(Enum):
    """How a part may be cut to fit."""

    NEVER = "never"  # kept whole (only cut, from its end, when nothing else is left)
    LINES = "lines"  # loses lines from its end
    WHOLE = "whole"  # shown whole or not at all (a chart)


@dataclass(frozen=True)
class Part:
    """One block of the body. ``noun``: what one of its lines is (``row``: "412 rows
    not shown"), or for a part cut whole what it is (``the chart``). ``keep``: its
    first lines, kept whenever any line is (a table's header and rule)."""

    text: str
    cut: Cut = Cut.NEVER
    noun: str = "line"
    keep: int = 0


@dataclass(frozen=True)
class Fitted:
    """The body as it is sent, and each line saying what was cut (none when it all fit)."""

    body: str
    cut: tuple[str, ...] = ()


def _note(part: Part, removed: int, elsewhere: str) -> str:
    if part.cut is Cut.WHOLE:
        return f"_… {part.noun} not shown: {elsewhere}._"
    plural = part.noun + ("es" if part.noun.endswith(("s", "sh", "ch", "x")) else "s")
    noun = part.noun if removed == 1 else plural
    return f"_… {removed} {noun} not shown: {elsewhere}._"


def _closed(lines: list[str]) -> str:
    """Lines kept, with a code fence that the cut left open closed again (else the
    footer and the marker would show inside it)."""
    fence = None
    for line in lines:
        found = _FENCE.match(line)
        if found and fence is None:
            fence = found[1]
        elif found and fence is not None and found[1].startswith(fence[0] * len(fence)):
            fence = None
    return "\n".join(lines if fence is None else [*lines, fence])


class _Body:
    """The parts as they stand while being cut."""

    def __init__(self, parts: Sequence[Part], tail: str) -> None:
        self.parts = list(parts)
        self.shown = [part.text for part in parts]
        self.notes = [""] * len(parts)
        self.tail = tail

    def text(self) -> str:
        blocks = [
            SEP.join(b for b in (s, n) if b) for s, n in zip(self.shown, self.notes, strict=True)
        ]
        return SEP.join([*(b for b in blocks if b), self.tail])

    def cut_lines(self, index: int, keep: int, limit: int, elsewhere: str) -> None:
        """Drop the fewest lines from the end of part ``index`` (never its first ``keep``)
        that bring the body within ``limit``; all but ``keep`` if none does."""
        part, lines = self.parts[index], self.parts[index].text.split("\n")
        if keep >= len(lines):
            return
        low, high = keep, len(lines) - 1  # lines kept: the most that fit

        def shown(kept: int) -> None:
            self.shown[index] = _closed(lines[:kept]) if kept else ""
            self.notes[index] = _note(part, len(lines) - kept, elsewhere)

        shown(low)
        if length(self.text()) > limit:
            return
        while low < high:  # the length grows with the lines kept: search for the most
            middle = (low + high + 1) // 2
            shown(middle)
            if length(self.text()) <= limit:
                low = middle
            else:
                high = middle - 1
        shown(low)

    def cut_inside(self, index: int, limit: int, elsewhere: str) -> None:
        """The most of part ``index``'s first line that fits, cut inside it: a part that
        must stay whose first line alone is longer than the room."""
        line = self.parts[index].text.split("\n", 1)[0]
        self.notes[index] = f"_… the rest not shown: {elsewhere}._"
        low, high = 0, len(line)
        while low < high:
            middle = (low + high + 1) // 2
            self.shown[index] = line[:middle] + "…"
            if length(self.text()) <= limit:
                low = middle
            else:
                high = middle - 1
        self.shown[index] = line[:low] + "…" if low else ""


def fit(
    parts: Sequence[Part], tail: str, *, limit: int = MAX_BODY, elsewhere: str = ELSEWHERE
) -> Fitted:
    """The parts and ``tail`` (kept whole, last) within ``limit``: cuttable parts cut
    first, the last first; then the parts that must stay, as a last resort. The text
    must be scrubbed already: a secret cut in half can no longer be found."""
    body = _Body(parts, tail)
    if length(body.text()) <= limit:
        return Fitted(body.text())
    if length(tail) * 2 > limit:
        raise ValueError("the footer and marker alone take half the limit")
    cuttable = [i for i in reversed(range(len(parts))) if parts[i].cut is not Cut.NEVER]
    kept = [i for i in reversed(range(len(parts))) if parts[i].cut is Cut.NEVER]
    for index in cuttable:
        if length(body.text()) <= limit:
            break
        part = parts[index]
        if part.cut is Cut.WHOLE:
            body.shown[index], body.notes[index] = "", _note(part, 1, elsewhere)
        else:
            body.cut_lines(index, part.keep, limit, elsewhere)
    for index in [*cuttable, *kept]:  # a table's header, then what must stay
        if length(body.text()) <= limit:
            break
        if body.shown[index]:
            body.cut_lines(index, 0, limit, elsewhere)
        if not body.shown[index] and parts[index].cut is Cut.NEVER and parts[index].text:
            body.cut_inside(index, limit, elsewhere)
    if length(body.text()) > limit:  # only notes left, and too many of them
        return Fitted(SEP.join([f"_… not shown: {elsewhere}._", tail]), (elsewhere,))
    return Fitted(body.text(), tuple(note for note in body.notes if note))


def compose(
    parts: Sequence[Part],
    *,
    head_sha: str,
    computed_at: datetime,
    marker: str,
    secrets: Secrets,
    limit: int = MAX_BODY,
    elsewhere: str = ELSEWHERE,
) -> Fitted:
    """The whole body: every part scrubbed, then fitted with the footer and ``marker``
    at the end."""
    scrubbed = [replace(part, text=secrets.scrub(part.text)) for part in parts]
    # The marker too: it holds the file's name. Scrubbed alike on every run, it still
    # finds its comment.
    tail = secrets.scrub(footer(head_sha, computed_at) + SEP + marker)
    return fit(scrubbed, tail, limit=limit, elsewhere=elsewhere)
