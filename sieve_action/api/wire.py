"""What crosses the wire, in both directions: request paths built from names, a body
read within its size cap, a ``Retry-After`` header in seconds, and Sieve's error answers
in words a person can act on. Free of the client's state, so each can be tested alone.
"""

from __future__ import annotations

import email.utils
import json
import time
import zlib
from typing import Any
from urllib.parse import quote

import httpx

from ..errors import SieveError
from .policy import RETRY_STATUSES
from .request import Answer, Refusal, Retryable


class OverCap(Exception):
    """An answer past the size cap (``cap`` bytes); the exchange words it for its service."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.cap = cap


class UnaskedEncoding(Exception):
    """An answer in a content encoding the client did not ask for (``encoding``)."""

    def __init__(self, encoding: str) -> None:
        super().__init__(encoding)
        self.encoding = encoding


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def read_body(response: httpx.Response, cap: int) -> bytes:
    """The body, decompressed, or :class:`OverCap` once it passes ``cap`` bytes
    (:class:`UnaskedEncoding` for an encoding other than gzip).

    httpx decodes gzip a network chunk at a time, and one chunk can expand a
    thousandfold; decoding here, with ``max_length``, keeps memory under the cap.
    """
    if response.is_stream_consumed:  # made in memory (httpx.MockTransport): already read
        if len(response.content) > cap:
            raise OverCap(cap)
        return response.content
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > cap:
        raise OverCap(cap)
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in {"identity", "", "gzip", "x-gzip"}:
        raise UnaskedEncoding(encoding)
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 16) if "gzip" in encoding else None
    body = bytearray()
    for chunk in response.iter_raw():
        data = chunk
        while inflate is not None and data:
            out = inflate.decompress(data, cap + 1 - len(body))
            body += out
            if len(body) > cap:
                raise OverCap(cap)
            data = inflate.unconsumed_tail
        if inflate is None:
            body += data
        if len(body) > cap:
            raise OverCap(cap)
    return bytes(body)


def well_formed(value: Any) -> Any:
    """Every string of a decoded JSON value encodable as UTF-8: JSON may escape a lone
    surrogate (``\\udcff``), which no file, log or header can hold; it becomes U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {well_formed(k): well_formed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [well_formed(v) for v in value]
    return value


def api_path(template: str, *names: str) -> str:
    """``template`` with each name as one quoted path segment. Inputs are checked to be
    plain names already, and IDs come from Sieve: a second line of defence, so that no
    value changes the endpoint ("/" is quoted, "." and ".." cannot climb the path)."""
    return template.format(*map(_segment, names))


def _segment(text: str) -> str:
    quoted = quote(text, safe="")
    return quoted.replace(".", "%2E") if quoted.strip(".") == "" else quoted


def short(text: str) -> str:
    """Plain text from an error body, already scrubbed: one line, at most 200 characters."""
    return " ".join(text.split())[:200]


def error_detail(body: Any) -> str:
    """Sieve's own words from a decoded error body: ``detail`` as FastAPI writes it."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return short(detail)
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = item.get("loc")
                where = (
                    ".".join(str(p) for p in loc if p != "body") if isinstance(loc, list) else ""
                )
                parts.append(f"{where or 'request'}: {item.get('msg', '?')}")
        return short("; ".join(parts))
    return short(json.dumps(body, ensure_ascii=False))


def sieve_missing(body: Any) -> bool:
    """Whether a 404's body is Sieve's word that a thing is missing: a ``detail`` of its
    own. FastAPI answers ``{"detail": "Not Found"}`` for a path it has no route for, and
    a server that is not Sieve answers anything at all: then the URL is wrong."""
    detail = body.get("detail") if isinstance(body, dict) else None
    return isinstance(detail, str | list) and detail != "Not Found"


def no_endpoint(url: str, kind: str, detail: str) -> str:
    """A 404 that is not Sieve's word on a missing thing, in words: the URL was wrong."""
    return (
        f"{url} answered 404 ({detail}), which is not how Sieve says a {kind} is missing: "
        "check `api-url`, the base URL of Sieve's API (https://mango.sievedata.com, "
        "without /v2 or any other path of Sieve's)"
    )


def status_message(status: int, what: str, kind: str, detail: str) -> str:
    owner_function = what.rsplit("@", 1)[0].split(":", 1)[0]
    if status == 401:
        return "Sieve rejected the API key (401): check that `api-key` holds a valid Sieve API key"
    if status == 403:
        return f"The API key has no access to `{owner_function}` (403: {detail})"
    if status == 404:
        return f"Sieve has no {kind} `{what}` (404: {detail})"
    if status == 422:
        return f"Sieve refused the request for `{what}` (422): {detail}"
    if status == 400:
        return f"Sieve refused the values for `{what}` (400): {detail}"
    return f"Sieve answered HTTP {status} for `{what}`: {detail}"


def sieve_retry(answer: Answer) -> Retryable | None:
    """Sieve busy or failing for now (429, 5xx), with the wait it asked for; a 429 was
    refused, not taken."""
    status = answer.status
    if status not in RETRY_STATUSES:
        return None
    after = parse_retry_after(answer.headers.get("Retry-After"))
    return Retryable(f"HTTP {status}", after, unsent=status == 429)


def sieve_refusal(refusal: Refusal) -> SieveError:
    """Sieve's error answer as a :class:`SieveError` that says what to do."""
    request, status = refusal.request, refusal.status
    detail = refusal.text if refusal.text is not None else error_detail(refusal.data)
    if status == 404 and not sieve_missing(refusal.data):
        return SieveError(
            no_endpoint(refusal.url, request.kind, detail or "no detail given"), status
        )
    message = status_message(status, request.what, request.kind, detail or "no detail given")
    return SieveError(message, status)
