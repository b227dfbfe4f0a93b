"""A file the user names by path, read only inside the workspace: the path resolved,
symbolic links followed, and refused when it leads out of the workspace
(``GITHUB_WORKSPACE``; the CLI: the working directory); only a regular file (a FIFO
would hang the step, a device never end), and at most a given size. Nothing outside the
checkout is read, nor quoted in an error.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

OUTSIDE = (
    "must be a file inside the workspace (the checkout, GITHUB_WORKSPACE; outside GitHub, "
    "the working directory): this path, symbolic links followed, leads out of it"
)


class Unreadable(Exception):
    """Why a file cannot be read, as the rule it breaks (worded to follow its name)."""


def root(environ: Mapping[str, str], cwd: Path) -> Path:
    """The workspace: ``GITHUB_WORKSPACE`` when the runner sets it, else ``cwd``."""
    return Path(environ.get("GITHUB_WORKSPACE") or cwd)


def resolve(given: str, workspace: Path) -> Path:
    """The file ``given`` names (relative to ``workspace``), resolved, when it is inside
    the workspace; else :class:`Unreadable`."""
    root = workspace.resolve()
    try:
        path = (root / given).resolve()
    except (OSError, RuntimeError):  # a loop of symbolic links
        raise Unreadable(OUTSIDE) from None
    if not path.is_relative_to(root):
        raise Unreadable(OUTSIDE)
    return path


def read(path: Path, limit: int, too_large: str) -> bytes:
    """At most ``limit`` bytes of the regular file ``path`` (not followed if it is a
    link: the caller resolved it); :class:`Unreadable` with ``too_large`` for a larger
    one, or why it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror or type(error).__name__}") from None
    with os.fdopen(fd, "rb") as stream:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise Unreadable("is not a regular file (a folder, a FIFO or a device): give a file")
        if status.st_size > limit:
            raise Unreadable(too_large.format(size=status.st_size))
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(too_large.format(size=len(data)))
    return data
