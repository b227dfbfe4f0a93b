"""Markdown that renders as itself, within GitHub's limits: one-line text escaped for a
table cell, and a summary cut at a row so that it stays under the 1 MiB GitHub shows.
Secrets are scrubbed before anything is cut or escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..secrets import Secrets

#: The most of a value a table cell shows; a longer one is cut at a word, with "…".
CELL_LIMIT = 120
#: The most of an error a summary shows, outside any table: whole, but bounded (an error
#: quoting an answer of Sieve's could otherwise run on).
ERROR_LIMIT = 1_000
#: GitHub refuses a step summary over 1 MiB (docs/github-runner.md) and loses all of
#: it; a fleet's table is cut to stay well under.
SUMMARY_LIMIT = 900 * 1024
# Outside code, only these change how text renders, with < > & (HTML) escaped first.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
#: Code as messages write it: a name or a value in backticks, on one line.
_CODE = re.compile(r"`([^`]+)`")


def cell(value: object, secrets: Secrets) -> str:
    """Text that stays inside one Markdown table cell and renders as itself, code as code,
    cut at a word past :data:`CELL_LIMIT` characters. Secrets are scrubbed first:
    escaping or cutting the text could hide a secret from a later scrub."""
    return markdown(value, secrets, CELL_LIMIT) or " "


def row(values: Iterable[object], secrets: Secrets) -> str:
    """One table row, each value a :func:`cell`."""
    return "| " + " | ".join(cell(value, secrets) for value in values) + " |"


def markdown(value: object, secrets: Secrets, limit: int | None = ERROR_LIMIT) -> str:
    """Text on one line that renders as itself (what messages write in backticks as
    code), cut at a word past ``limit`` characters (before escaping, so no escape is cut
    in half), the secrets scrubbed first. Safe in a table cell too: no ``|`` is left
    unescaped, and code is written as ``<code>``, in which no Markdown applies."""
    text = " ".join(secrets.scrub("" if value is None else str(value)).split())
    if limit is not None and len(text) > limit:
        text = cut_at_word(text, limit)
    parts, start = [], 0
    for code in _CODE.finditer(text):
        parts.append(_plain(text[start : code.start()]))
        parts.append(f"<code>{_html(code[1]).replace('|', '&#124;')}</code>")
        start = code.end()
    parts.append(_plain(text[start:]))
    return "".join(parts)


def cut_at_word(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, "…" included, at the last space
    when there is one in the last third (else mid-word: one very long word)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit * 2 // 3:
        head = head[:space]
    return head.rstrip(" ,;:") + "…"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _html(text))


def within_limit(
    head: list[str],
    table: list[str],
    tail: list[str],
    rest: str = "The `results` output holds every target.",
) -> str:
    """The summary, its tables cut at a row so that it stays under
    :data:`SUMMARY_LIMIT`, with a line saying what was cut and where the ``rest`` is."""
    text = "\n".join([*head, *table, *tail]) + "\n"
    if len(text.encode()) <= SUMMARY_LIMIT:
        return text
    budget = SUMMARY_LIMIT // 2  # each table gets half; the lines around are small
    kept_table = _rows_within(table, budget)
    kept_tail = _rows_within(tail, budget)
    cut = (len(table) - len(kept_table)) + (len(tail) - len(kept_tail))
    note = f"*{cut} rows are not shown: GitHub keeps a step summary under 1 MiB. {rest}*"
    return "\n".join([*head, *kept_table, "", note, *kept_tail]) + "\n"


def _rows_within(lines: list[str], budget: int) -> list[str]:
    kept, size = [], 0
    for line in lines:
        size += len(line.encode()) + 1
        if size > budget:
            break
        kept.append(line)
    return kept
