"""GitHub's rules for the shared exchange (:class:`~sieve_action.api.http.Service`):
which answers are a rate limit and how long they ask to wait, and an error answer in
words a person can act on, as GitHub's error (never Sieve's).

Rate limits, as GitHub's "Rate limits for the REST API" says: over the primary limit it
answers 403 or 429 with ``x-ratelimit-remaining: 0``, not to be retried before
``x-ratelimit-reset`` (UTC epoch seconds); over a secondary limit 403 or 429 with a
message saying so, not to be retried before ``Retry-After`` seconds when given, else
before the reset when nothing remains, else for at least a minute. Each is retried within
the policy: a wait longer than ``RetryPolicy.max_retry_after`` ends the request instead.
A 403 that is none of these (``Resource not accessible by integration``: a fork's
read-only token, or no ``pull-requests: write``) is :class:`NotPermitted`, not retried.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..api.http import Service
from ..api.request import Answer, Refusal, Retryable
from ..api.wire import parse_retry_after, short
from ..errors import GitHubError, NotPermitted, too_large_words

#: GitHub's wait for a secondary rate limit that names none: "at least one minute".
SECONDARY_WAIT = 60.0
#: Failing for now, worth another try (a rate limit is read apart).
BUSY_STATUSES = frozenset({500, 502, 503, 504})
#: What the variable holding the API's URL is called, for a 404 that is not GitHub's.
API_URL_VARIABLE = "GITHUB_API_URL"


def github_retry(answer: Answer) -> Retryable | None:
    """A rate limit (always unsent: GitHub did not act on it) or a 5xx, with its wait."""
    status, headers = answer.status, answer.headers
    after = parse_retry_after(headers.get("Retry-After"))
    if status in BUSY_STATUSES:
        return Retryable(f"HTTP {status}", after)
    if status not in {403, 429}:
        return None
    if after is not None:
        return Retryable(f"HTTP {status}: GitHub's secondary rate limit", after, unsent=True)
    if headers.get("x-ratelimit-remaining", "").strip() == "0":
        reset = headers.get("x-ratelimit-reset", "").strip()
        wait = max(0.0, int(reset) - time.time()) if reset.isascii() and reset.isdigit() else None
        return Retryable(
            f"HTTP {status}: the token's GitHub rate limit is used up",
            SECONDARY_WAIT if wait is None else wait,
            unsent=True,
        )
    if status == 429 or b"rate limit" in answer.body.lower():
        return Retryable(
            f"HTTP {status}: GitHub's secondary rate limit, no wait given (at least a minute)",
            SECONDARY_WAIT,
            unsent=True,
        )
    return None  # a 403 of permissions: refused, not busy


def detail(data: Any) -> str:
    """GitHub's own words from a decoded error body: ``message``, then each of the
    ``errors`` (a validation error's ``message``, or its field and code)."""
    if not isinstance(data, dict):
        return short(json.dumps(data, ensure_ascii=False))
    words = [str(data["message"])] if isinstance(data.get("message"), str) else []
    for item in data.get("errors") or []:
        if isinstance(item, dict):
            said = item.get("message")
            field, code = item.get("field"), item.get("code")
            words.append(str(said) if said else f"{field or 'request'}: {code or 'invalid'}")
        elif isinstance(item, str):
            words.append(item)
    return short("; ".join(words)) if words else short(json.dumps(data, ensure_ascii=False))


def github_refusal(refusal: Refusal) -> GitHubError:
    """GitHub's error answer as a :class:`GitHubError` (a 403 as :class:`NotPermitted`)."""
    request, status = refusal.request, refusal.status
    said = (refusal.text if refusal.text is not None else detail(refusal.data)) or "no detail"
    what, kind = request.what, request.kind
    if status == 401:
        return GitHubError(
            f"GitHub rejected the token (401: {said}): give the step the workflow's "
            "GITHUB_TOKEN, or a token that may comment on the pull request",
            status,
        )
    if status == 403:
        verb = "read" if request.method == "GET" else "write"
        return NotPermitted(
            f"The token may not {verb} the {kind} {what} (403: {said}); a pull request "
            "from a fork gets a read-only GITHUB_TOKEN, and a job without "
            "`permissions: pull-requests: write` cannot comment",
            status,
        )
    if status == 404:
        if not (isinstance(refusal.data, dict) and isinstance(refusal.data.get("message"), str)):
            return GitHubError(
                f"{refusal.url} answered 404 ({said}), which is not how GitHub's API says a "
                f"{kind} is missing: check {API_URL_VARIABLE}",
                status,
            )
        return GitHubError(f"GitHub has no {kind} {what}, or the token cannot see it (404)", status)
    if status == 410:
        return GitHubError(f"GitHub says the {kind} {what} is gone (410: {said})", status)
    if status == 422:
        return GitHubError(f"GitHub refused the {kind} for {what} (422: {said})", status)
    return GitHubError(f"GitHub answered HTTP {status} for the {kind} {what}: {said}", status)


def _too_large(cap: int) -> GitHubError:
    return GitHubError(
        too_large_words("GitHub", cap, "a page of 100 comments is at most a few tens of MB")
    )


#: GitHub's rules for the exchange: 201 is an answer too (a comment created).
GITHUB = Service(
    name="GitHub",
    success=frozenset({200, 201}),
    retry=github_retry,
    refusal=github_refusal,
    error=GitHubError,
    exhausted=GitHubError,
    too_large=_too_large,
)
