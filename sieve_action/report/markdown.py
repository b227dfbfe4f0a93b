"""Markdown that renders as itself, within GitHub's limits: one-line text escaped for a
table cell, and a summary cut at a row so that it stays under the 1 MiB GitHub shows.
Secrets are scrubbed before anything is cut or escaped.
"""

from __future__ import annotations

import re

from ..secrets import Secrets

_CELL_LIMIT = 120
#: GitHub refuses a step summary over 1 MiB (docs/github-runner.md) and loses all of
#: it; a fleet's table is cut to stay well under.
SUMMARY_LIMIT = 900 * 1024
# Inside a table cell only these change how text renders, with < > & (HTML) escaped first.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")


def cell(value: object, secrets: Secrets) -> str:
    """Text that stays inside one Markdown table cell and renders as itself. Secrets are
    scrubbed first: escaping or cutting the text could hide a secret from a later scrub."""
    return markdown(value, secrets, _CELL_LIMIT) or " "


def markdown(value: object, secrets: Secrets, limit: int | None = None) -> str:
    """Text on one line that renders as itself, cut to ``limit`` characters when given
    (before escaping, so no escape is cut in half), the secrets scrubbed first."""
    text = " ".join(secrets.scrub("" if value is None else str(value)).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


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
