"""The runner's network as the client meets it: the proxy variables, the route a
request takes (straight to Sieve's host, or through which proxy), and a transport
failure in words a person can act on (which host or proxy, and the operating system's
reason). Proxy passwords never appear in any of these words.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from ..errors import UnusableEnvironment

#: The proxy variables httpx reads (either case), and the schemes it can use.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
PROXY_SCHEMES = frozenset({"http", "https", "socks5", "socks5h"})

#: The operating system's reasons, in words (errno, and getaddrinfo's codes).
_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.ECONNABORTED: "connection aborted",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ETIMEDOUT: "timed out",
    errno.EPIPE: "connection closed",
    socket.EAI_NONAME: "name not known",
    socket.EAI_AGAIN: "name lookup failed for now",
    socket.EAI_FAIL: "name lookup failed",
}
if hasattr(socket, "EAI_NODATA"):  # glibc: a name with no address
    _REASONS[socket.EAI_NODATA] = "name not known"


def _proxy_url(value: str) -> str:
    return value if "://" in value else f"http://{value}"


def check_environment(environ: Mapping[str, str]) -> None:
    """Refuse a proxy variable httpx could not use, naming it, before any request.

    httpx reads them all when the client is made, whatever the URL's scheme, and
    raises from its constructor: a developer's ``ALL_PROXY=ftp://…`` must be one clear
    error, not a traceback.
    """
    for name in PROXY_VARIABLES:
        for variable in (name, name.lower()):
            value = environ.get(variable, "").strip()
            if not value:
                continue
            url = _proxy_url(value)
            try:
                scheme = urlsplit(url).scheme.lower()
                usable = scheme in PROXY_SCHEMES and httpx.URL(url).host != ""
            except (ValueError, httpx.InvalidURL):
                usable = False
            if not usable:
                raise UnusableEnvironment(
                    f"The environment variable {variable} holds a proxy the action cannot use: "
                    "it must be an http://, https://, socks5:// or socks5h:// URL with a host "
                    f"and a valid port. Fix or unset {variable} for this step."
                )


def proxy_passwords(environ: Mapping[str, str]) -> list[str]:
    """The passwords in the proxy variables, to be kept out of every text like the key."""
    found = []
    for name in PROXY_VARIABLES:
        for variable in (name, name.lower()):
            value = environ.get(variable, "").strip()
            try:
                password = urlsplit(_proxy_url(value)).password if value else None
            except ValueError:
                password = None
            if password:
                found.append(password)
    return found


def _bypassed(host: str, environ: Mapping[str, str]) -> bool:
    """Whether NO_PROXY sends ``host`` straight (``*``, the host, or a parent domain)."""
    entries = (environ.get("NO_PROXY") or environ.get("no_proxy") or "").split(",")
    for entry in (e.strip().lower().lstrip(".") for e in entries):
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def route(api_url: str, environ: Mapping[str, str]) -> str:
    """How requests to ``api_url`` travel, in words, as httpx picks it: the scheme's own
    proxy variable, else ALL_PROXY (lower case before upper), unless NO_PROXY says no."""
    parts = urlsplit(api_url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    where = f"{host}:{port}"
    if not _bypassed(host, environ):
        for name in (f"{parts.scheme.upper()}_PROXY", "ALL_PROXY"):
            for variable in (name.lower(), name):
                value = environ.get(variable, "").strip()
                if value:
                    proxy = urlsplit(_proxy_url(value))
                    shown = f"{proxy.scheme}://{proxy.hostname}" + (
                        f":{proxy.port}" if proxy.port else ""
                    )
                    return f"the proxy {shown} (from {variable}) on the way to {where}"
    return where


def os_reason(error: BaseException) -> str | None:
    """The operating system's reason behind a transport failure, in words."""
    cause: BaseException | None = error
    seen = 0
    while cause is not None and seen < 10:
        if isinstance(cause, socket.gaierror) and cause.errno in _REASONS:
            return _REASONS[cause.errno]
        if isinstance(cause, OSError) and cause.errno is not None:
            return _REASONS.get(cause.errno) or (cause.strerror or "").lower() or None
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    # httpcore keeps only the text of some errors: "[Errno 111] Connection refused".
    text = str(error)
    for code, words in _REASONS.items():
        if f"[Errno {code}]" in text:
            return words
    return None


def describe_failure(error: httpx.TransportError, to: str) -> str:
    """A transport failure in words: what failed, where to (``to``: :func:`route`'s
    words), and the operating system's reason when there is one."""
    kinds: dict[type[httpx.TransportError], str] = {
        httpx.ConnectTimeout: "timed out connecting to",
        httpx.ConnectError: "could not connect to",
        httpx.ReadTimeout: "timed out waiting for the answer from",
        httpx.RemoteProtocolError: "the connection broke mid-answer from",
        httpx.ProxyError: "the proxy refused or failed the connection to",
        httpx.ReadError: "the connection failed while reading from",
        httpx.WriteError: "the connection failed while sending to",
    }
    what = next(
        (text for cls, text in kinds.items() if isinstance(error, cls)),
        f"network error ({type(error).__name__}) with",
    )
    reason = os_reason(error)
    return f"{what} {to}" + (f" ({reason})" if reason else "")


def certificate_problem(error: httpx.TransportError) -> str | None:
    """Why the server's certificate was refused, if that is what failed."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause.verify_message or "certificate verify failed"
        cause = cause.__cause__ or cause.__context__
    if "CERTIFICATE_VERIFY_FAILED" in str(error):
        return "certificate verify failed"
    return None
