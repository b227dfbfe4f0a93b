"""Keeping the API key out of every text the step writes.

The one rule: text from Sieve or from inputs is scrubbed *before* it is cut, escaped,
re-encoded, reformatted or quoted. Once a key is cut in half, JSON-escaped (``\\/``) or
has one character changed, neither this scrub nor GitHub's masking can find it. So the
client scrubs every answer as soon as it is decoded (:meth:`Secrets.scrub_json`), input
errors quote values through :meth:`Secrets.quote`, and the console scrubs every line
once more on its way out.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

REDACTED = "***"
#: How much of a user's value an error message quotes.
QUOTE_LIMIT = 40


@dataclass
class Secrets:
    """The secrets known so far (the key, and each of its lines)."""

    values: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, secret: str) -> list[str]:
        """Register a secret; returns the pieces newly registered (to mask in the log)."""
        pieces = [secret, *secret.splitlines()]
        added = [p for p in dict.fromkeys(pieces) if p.strip() and p not in self.values]
        with self._lock:
            # Longest first, so a secret that contains another is replaced whole.
            self.values = sorted([*self.values, *added], key=len, reverse=True)
        return added

    def contains(self, text: str) -> bool:
        return any(secret in text for secret in self.values)

    def scrub(self, text: str) -> str:
        for secret in self.values:
            text = text.replace(secret, REDACTED)
        return text

    def scrub_json(self, value: Any) -> Any:
        """Every string of a decoded JSON value (keys included) scrubbed, before any
        of it is encoded again: encoded, a key with ``/``, ``"`` or ``\\`` no longer
        matches."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.scrub_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, int | float) and self.contains(str(value)):
            return REDACTED  # a key of digits, echoed as a number
        return value

    def quote(self, value: str) -> str:
        """A user's value for an error message: short, on one line, printable. A value
        that holds a secret is not quoted at all, not even cut or escaped."""
        if self.contains(value):
            return "a value that contains the API key or a proxy password (not shown)"
        text = value if len(value) <= QUOTE_LIMIT else value[: QUOTE_LIMIT - 3] + "..."
        return ascii(text)
