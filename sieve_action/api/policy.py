"""How hard a request to Sieve is tried and how it is bounded: the defaults, once.

Every figure the client's behaviour depends on is here (the README's retry paragraph is
made from :class:`RetryPolicy`'s defaults by ``scripts/sync.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .. import __version__

USER_AGENT = f"sieve-action/{__version__} (python-httpx/{httpx.__version__})"
#: Answers worth another try: Sieve is busy or failing for now.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: How often a long poll says it is still waiting (see waiting.PROGRESS_SECONDS).
HEARTBEAT_SECONDS = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request. The defaults fit a CI step: a minute at most."""

    attempts: int = 5
    #: The hard deadline of one request: every attempt, and every wait between them.
    timeout: float = 60.0
    wait_initial: float = 0.5
    wait_max: float = 8.0
    wait_jitter: float = 1.0
    #: A Retry-After longer than this is not waited for: the request fails instead.
    max_retry_after: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    #: The largest answer accepted, decompressed: a version is a few KB.
    max_answer_bytes: int = 1 << 20
