"""Every error a step can end with, and the exit code each one gives.

The tree (each class is defined here; each service's client raises its own)::

    SieveActionError
    ├── InputErrors            bad inputs, every one found in one pass       exit 2
    ├── UnusableEnvironment    a proxy variable or SSL_CERT_FILE unusable    exit 2
    ├── ServiceError           a failure at a service a person has to act on
    │   ├── SieveError         at Sieve                                      exit 1
    │   │   ├── RetriesExhausted  transient failures past the retry policy
    │   │   └── AnswerTooLarge    an answer over the size cap once decompressed
    │   └── GitHubError        at GitHub's API (the pull request's comment): never
    │       │                  a step's failure, its caller says what it means
    │       └── NotPermitted   the token may not do this (403: a fork's read-only
    │                          GITHUB_TOKEN, or no `pull-requests: write`)
    ├── BoundsConflict         one bound given contradicts the other's value exit 1
    └── Cancelled              the step is being cancelled (SIGTERM, SIGINT) exit 128+N

``except SieveError`` never catches GitHub's failures, nor ``except GitHubError``
Sieve's: each reads as its own service's. GitHub's retries and size cap end in a plain
:class:`GitHubError` whose words say which (its caller treats every GitHub failure but
``NotPermitted`` alike).

A wait that runs out is not an exception but an ending (exit 3); anything else raised
is a bug, reported as one annotation with a folded traceback, and exits 1. The exit
codes are :class:`ExitCode`; the CLI's help and the README's table are made from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """How a step ended, the same for the action and the CLI."""

    OK = 0
    FAILED = 1
    INPUT = 2
    TIMEOUT = 3

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "a failure at Sieve, in a build or in a smoke test (or a bug)",
    ExitCode.INPUT: "bad input or environment; nothing was sent",
    ExitCode.TIMEOUT: "a wait ran out",
}
#: The exit code of a step stopped by a signal: 128 + its number (143 for SIGTERM).
SIGNAL_BASE = 128
SIGNAL_MEANING = "stopped by signal N (143: SIGTERM, a cancel or `timeout-minutes`)"


def exit_codes_text() -> str:
    """One line for a help text: every code and its meaning."""
    codes = ", ".join(f"{code.value} {code.meaning}" for code in ExitCode)
    return f"{codes}, 128+N {SIGNAL_MEANING}"


class SieveActionError(Exception):
    """The root of every error this package raises on purpose."""


@dataclass(frozen=True)
class BadInput:
    """One bad input (not an exception: :class:`InputErrors` carries every one found):
    which input, the rule it breaks, and the kind of rule (so an edge can word it its
    own way). Never carries the key."""

    name: str
    rule: str
    kind: str = "input"
    #: Where in a file the mistake is (a capacity file), for an annotation on that line.
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return f"Input `{self.name}` {self.rule}"


class InputErrors(SieveActionError):
    """Every bad input found in one pass, so a user fixes them all at once."""

    def __init__(self, bad: list[BadInput]) -> None:
        super().__init__("; ".join(str(e) for e in bad))
        self.bad = bad


class UnusableEnvironment(SieveActionError):
    """A setting of the runner's environment the HTTP client cannot use (a proxy
    variable, ``SSL_CERT_FILE``); the message names it. Found before any request."""


class ServiceError(SieveActionError):
    """A failure at a service the step talks to that a person has to act on; the
    message says how. ``status`` is the service's HTTP status, when it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SieveError(ServiceError):
    """A failure at Sieve that a person has to act on; the message says how."""


class RetriesExhausted(SieveError):
    """Transient failures went on past the retry policy's attempts or time."""


def too_large_words(service: str, cap: int, usual: str) -> str:
    """An answer over the size cap, in words: which service, the cap, what it usually is."""
    return (
        f"{service}'s answer is larger than {cap // 1024} KiB once decompressed; {usual}, "
        f"so something between the runner and {service} is sending something else"
    )


class AnswerTooLarge(SieveError):
    """An answer from Sieve larger than the size cap once decompressed."""

    def __init__(self, cap: int) -> None:
        super().__init__(too_large_words("Sieve", cap, "a version is a few KB"))


class GitHubError(ServiceError):
    """A failure at GitHub's API (reading the pull request, listing or writing its
    comment); the message says what GitHub answered and what to do."""


class NotPermitted(GitHubError):
    """GitHub refused the token this (403, not a rate limit): a pull request from a fork
    gets a read-only ``GITHUB_TOKEN``, and a job without ``pull-requests: write`` too."""


class BoundsConflict(SieveActionError):
    """Only one bound was given and it contradicts the other bound's current value."""


class Cancelled(SieveActionError):
    """The step is being cancelled; stop waiting and report what is known."""
