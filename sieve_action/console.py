"""The log, for GitHub's runner or for a person at a terminal, with the key scrubbed.

Under GitHub Actions the messages become workflow commands (annotations, groups,
masks); anywhere else they are plain lines on stderr, so that ``--json`` output on
stdout stays clean. Every text passes through :meth:`Console.scrub` first: the runner
masks the key in the log once told, but only this process can keep it out of outputs,
summaries and other CI systems' logs.

Workflow commands are written here in the canonical form ``@actions/core`` prints
(``::add-mask::KEY``, ``::group::TITLE``, properties only when there are some).
``github-action-utils`` adds a space before the closing ``::`` when there are no
properties; GitHub's runner accepts that, but ``act`` and the runners built on it
(Gitea, Forgejo) do not, and there an unrecognised ``add-mask`` prints the key.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from .secrets import REDACTED, Secrets

__all__ = ["REDACTED", "Console", "utf8_streams", "workflow_command"]


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def utf8_streams() -> None:
    """stdout and stderr in UTF-8 whatever the locale (a C or Latin-1 terminal would fail
    on "→"), a lone surrogate (a byte that was not UTF-8 in an input) printed escaped
    rather than failing mid-line."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")


def workflow_command(name: str, message: str = "", **properties: str) -> str:
    """One workflow command line, escaped by the runner's rules (docs/github-runner.md)."""
    props = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items())
    head = f"{name} {props}" if props else name
    return f"::{head}::{_escape_data(message)}"


@dataclass
class Console:
    github: bool
    #: Where plain lines go outside GitHub; workflow commands always go to stdout.
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    secrets: Secrets = field(default_factory=Secrets)
    #: Rewords a message in the edge's terms (the CLI names inputs as its flags).
    words: Callable[[str], str] = field(default=lambda text: text)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: The group being written: its opening command until its first line, then "" (open).
    _group: str | None = field(default=None, init=False, repr=False)

    def mask(self, secret: str) -> None:
        """Register a secret: masked by the runner from now on, and scrubbed here.

        A secret that is not printable ASCII is only scrubbed: it cannot be sent in a
        header (the inputs refuse it) and printing it could fail mid-line.
        """
        for piece in self.secrets.add(secret):
            if self.github and piece.isascii() and piece.isprintable():
                self._command("add-mask", piece)

    def scrub(self, text: str) -> str:
        return self.words(self.secrets.scrub(text))

    def printable(self, text: str) -> str:
        """Text scrubbed and safe to write as UTF-8: a lone surrogate (which Sieve's JSON
        may carry as an escape) becomes U+FFFD instead of failing the write."""
        return self.scrub(text).encode("utf-8", "surrogatepass").decode("utf-8", "replace")

    def info(self, message: str) -> None:
        # One physical line, so text from Sieve can never start a workflow command.
        line = " ".join(self.scrub(message).splitlines())
        line = "» " + line if line.lstrip().startswith("::") else line
        if self.github:
            self._emit(line)
        else:
            self._plain(line)

    def notice(self, message: str) -> None:
        """Something a reader should see that is not wrong (a review kept in the summary)."""
        if self.github:
            self._command("notice", self.scrub(message), title="sieve-action")
        else:
            self._plain("notice: " + " ".join(self.scrub(message).splitlines()))

    def warning(self, message: str) -> None:
        if self.github:
            self._command("warning", self.scrub(message), title="sieve-action")
        else:
            self._plain("warning: " + " ".join(self.scrub(message).splitlines()))

    def error(self, message: str, title: str = "sieve-action", **where: str) -> None:
        """An error; ``where`` (``file``, ``line``) puts GitHub's annotation on that line."""
        if self.github:
            found = {key: self.scrub(value) for key, value in where.items()}
            self._command("error", self.scrub(message), **found, title=self.scrub(title))
        else:
            self._plain("error: " + " ".join(self.scrub(message).splitlines()))

    def bug(self, error: BaseException) -> str:
        """An unexpected error (a bug): one error line, then its traceback folded, the
        key kept out of both. Returns the error line."""
        import traceback  # only a bug pays for the import

        title = f"sieve-action failed unexpectedly: {type(error).__name__}: {error}"
        self.error(title)
        with self.group("Traceback (please include it in a bug report)"):
            for line in "".join(traceback.format_exception(error)).splitlines():
                self.info(line)
        return self.scrub(title)

    @contextlib.contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Fold what is written inside under ``title``. The group is opened by the first
        line written in it, so a group with nothing to fold leaves no trace in the log."""
        if not self.github:
            yield
            return
        opener = workflow_command("group", " ".join(self.scrub(title).splitlines()))
        with self._lock:
            nested = self._group is not None
            if not nested:
                self._group = opener
        if nested:  # GitHub folds one level: an inner group is shown as it comes
            self._emit(opener)
        try:
            yield
        finally:
            with self._lock:
                opened = self._group == ""
                if not nested:
                    self._group = None
            if nested or opened:
                self._command("endgroup")

    def _command(self, name: str, message: str = "", **properties: str) -> None:
        self._emit(workflow_command(name, message, **properties))

    def _emit(self, line: str) -> None:
        # Workflow commands and log lines go to stdout, where the runner reads them.
        with self._lock:
            if self._group:  # a group waiting for its first line
                sys.stdout.write(self._group + "\n")
                self._group = ""
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def _plain(self, line: str) -> None:
        with self._lock:
            print(line, file=self.stream, flush=True)
