"""The log, for GitHub's runner or for a person at a terminal, with the key scrubbed.

Under GitHub Actions the messages become workflow commands (annotations, groups,
masks) through ``github-action-utils``; anywhere else they are plain lines on stderr,
so that ``--json`` output on stdout stays clean. Every text passes through
:meth:`Console.scrub` first: the runner masks the key in the log once told, but only
this process can keep it out of outputs, summaries and other CI systems' logs.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

import github_action_utils as gha

REDACTED = "***"


@dataclass
class Console:
    github: bool
    #: Where plain lines go outside GitHub; workflow commands always go to stdout.
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    secrets: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def mask(self, secret: str) -> None:
        """Register a secret: masked by the runner from now on, and scrubbed here."""
        pieces = [secret, *secret.splitlines()]
        for piece in dict.fromkeys(p for p in pieces if p.strip()):
            self.secrets.append(piece)
            if self.github:
                gha.add_mask(piece)
        self.secrets.sort(key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def info(self, message: str) -> None:
        # One physical line, so text from Sieve can never start a workflow command.
        line = " ".join(self.scrub(message).splitlines())
        with self._lock:
            self._write("» " + line if line.lstrip().startswith("::") else line)

    def warning(self, message: str) -> None:
        with self._lock:
            if self.github:
                gha.warning(self.scrub(message), title="sieve-action")
            else:
                self._write("warning: " + " ".join(self.scrub(message).splitlines()))

    def error(self, message: str, title: str = "sieve-action") -> None:
        with self._lock:
            if self.github:
                gha.error(self.scrub(message), title=self.scrub(title))
            else:
                self._write("error: " + " ".join(self.scrub(message).splitlines()))

    @contextlib.contextmanager
    def group(self, title: str) -> Iterator[None]:
        if not self.github:
            yield
            return
        gha.start_group(" ".join(self.scrub(title).splitlines()))
        try:
            yield
        finally:
            gha.end_group()

    def _write(self, line: str) -> None:
        if self.github:
            gha.echo(line)
        else:
            print(line, file=self.stream, flush=True)
