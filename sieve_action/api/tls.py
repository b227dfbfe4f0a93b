"""The TLS context for Sieve's API, made while the rest of the action imports.

httpx makes its TLS context when a client is made, loading the CA bundle (certifi's, or
the one ``SSL_CERT_FILE`` names): about 15 ms of OpenSSL work on every run, and work that
releases the GIL. Started on a thread before the rest of the action imports, it
is ready when the client needs it instead of lying on the critical path. The context is
the one httpx would make itself (``httpx.create_ssl_context``, environment included).
"""

from __future__ import annotations

import ssl
import threading

import httpx


class PendingContext:
    """httpx's default TLS context, being made on a thread; :meth:`get` waits for it and
    raises what making it raised (an ``SSL_CERT_FILE`` that cannot be loaded)."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._made: ssl.SSLContext | BaseException | None = None
        # Not a daemon: the interpreter waits for it before shutting down. A run that ends
        # early (a refused input) could otherwise finalize while the thread is inside
        # OpenSSL, and the process then dies of SIGSEGV instead of exiting.
        threading.Thread(target=self._make, name="tls-context").start()

    def _make(self) -> None:
        try:
            self._made = httpx.create_ssl_context()
        except BaseException as error:  # handed to whoever asks for the context
            self._made = error
        finally:
            self._done.set()

    def get(self) -> ssl.SSLContext:
        self._done.wait()
        if isinstance(self._made, BaseException):
            raise self._made
        assert self._made is not None
        return self._made
