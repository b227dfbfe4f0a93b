"""The event that started the run, as the runner saved it (``GITHUB_EVENT_PATH``), read
within a bound; and what it says about a schedule that is about to stop: GitHub turns
off a public repository's scheduled workflows after 60 days without activity, so a
capacity schedule would silently stop converging.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..workspace import Unreadable, read

#: The most of an event payload read (GitHub's are well under a megabyte).
MAX_EVENT = 4 << 20
#: GitHub disables a public repository's scheduled workflows after this long without
#: activity (docs.github.com: "Disabling and enabling a workflow").
INACTIVE = timedelta(days=60)
#: From this long without a push, a scheduled run says when its schedule will stop.
WARN_AFTER = timedelta(days=45)


def read_event(environ: Mapping[str, str]) -> dict[str, Any]:
    """The event's payload; empty when there is none or it cannot be read (the CLI, a
    file too large or not JSON): nothing depends on it but what it adds."""
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        loaded = json.loads(read(Path(path), MAX_EVENT, "is too large"))
    except (Unreadable, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def stopping_schedule(event_name: str, event: Mapping[str, Any], now: datetime) -> str | None:
    """For a scheduled run in a public repository whose last push is over 45 days old:
    when GitHub will turn its schedules off, in words; else None."""
    repository = event.get("repository")
    if event_name != "schedule" or not isinstance(repository, Mapping):
        return None
    public = repository.get("visibility") == "public" or repository.get("private") is False
    pushed = _instant(repository.get("pushed_at"))
    if not public or pushed is None or now - pushed < WARN_AFTER:
        return None
    stops = pushed + INACTIVE
    days = (now - pushed).days
    when = (
        f"on or about {stops:%Y-%m-%d}"
        if stops > now
        else f"any day now (the 60 days ended {stops:%Y-%m-%d})"
    )
    return (
        f"The last push to this public repository was {days} days ago ({pushed:%Y-%m-%d}): "
        f"GitHub turns off its scheduled workflows after 60 days without activity, so this "
        f"schedule stops {when}. Push a commit, or re-enable the workflow in the Actions tab "
        "once GitHub has turned it off."
    )


def _instant(value: object) -> datetime | None:
    """``pushed_at`` as GitHub gives it: ISO 8601 (the REST API) or POSIX seconds (a
    push's payload)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value)
        except ValueError:
            return None
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    return None
