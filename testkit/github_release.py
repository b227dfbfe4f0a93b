"""This checkout served as github.com serves a release of it, so that an install written
for GitHub's URLs (README: Outside GitHub; the GitLab component) runs against it:

- ``/OWNER/REPO/raw/REF/PATH`` redirects (302), as github.com does, to
  ``/raw/OWNER/REPO/REF/PATH``: the file at PATH in this checkout;
- ``/OWNER/REPO/archive/REF.tar.gz`` redirects to ``/codeload/OWNER/REPO/tar.gz/REF``:
  the checkout's files (tracked, or new and not ignored) under one folder ``REPO-REF/``,
  as GitHub's source archive has them.

Every REF serves the same checkout. Standard library only.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .paths import ROOT

OWNER, REPO = "sieve-action", "sieve-action"


def source_archive(ref: str, root: Path = ROOT) -> bytes:
    """The checkout as a ``.tar.gz`` source archive of ``ref``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in sorted(filter(None, listed)):
            path = root / name
            if path.is_file():  # a tracked file deleted in the work tree is not there
                archive.add(path, arcname=f"{REPO}-{ref.removeprefix('v')}/{name}")
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the base class's signature
        pass

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        parts = self.path.lstrip("/").split("/")
        repo = [OWNER, REPO]
        if parts[:3] == [*repo, "raw"] and len(parts) > 4:
            self._redirect("/raw/" + "/".join([*repo, *parts[3:]]))
        elif parts[:3] == [*repo, "archive"] and len(parts) == 4 and parts[3].endswith(".tar.gz"):
            self._redirect(f"/codeload/{OWNER}/{REPO}/tar.gz/{parts[3].removesuffix('.tar.gz')}")
        elif parts[:3] == ["raw", *repo] and len(parts) > 4:
            path = ROOT.joinpath(*parts[4:]).resolve()
            if path.is_relative_to(ROOT) and path.is_file():
                self._send(path.read_bytes(), "text/plain")
            else:
                self._send(b"404: Not Found", "text/plain", 404)
        elif parts[:4] == ["codeload", *repo, "tar.gz"] and len(parts) == 5:
            self._send(source_archive(parts[4]), "application/x-gzip")
        else:
            self._send(b"Not Found", "text/plain", 404)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[str] = []


@contextlib.contextmanager
def serve_release() -> Iterator[tuple[str, list[str]]]:
    """A running stand-in for github.com: the repository's URL (``…/OWNER/REPO``, in
    place of ``https://github.com/OWNER/REPO``) and the paths asked for so far."""
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/{OWNER}/{REPO}", server.seen
    finally:
        server.shutdown()
        server.server_close()
