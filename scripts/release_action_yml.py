"""Point action.yml at a released image: the one change a release commit makes.

    python3 scripts/release_action_yml.py --image ghcr.io/owner/repo \\
        --digest sha256:<64 hex> --version v1.2.3 [--file action.yml]

Rewrites the ``image:`` line under ``runs:`` to
``image: docker://IMAGE@DIGEST # VERSION``, in place, and leaves every other byte of
the file as it was. The runner then pulls that image, by digest, instead of building
the Dockerfile. Refuses (exit 2, file untouched) a digest that is not ``sha256:`` and
64 lower-case hex digits, an image name that is not a lower-case ``registry/path``
without tag or digest, a version that is not ``vX.Y.Z`` (with an optional pre-release
suffix), and a file without exactly one ``image:`` line under ``runs:``.

Standard library only: it runs on the release runner before anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# A registry host (a name with a dot, or localhost, or an IPv4 address; optional port),
# then lower-case path components as the OCI distribution spec allows them.
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_HOST = r"(?:localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)"
IMAGE = re.compile(rf"{_HOST}(?::[0-9]{{1,5}})?(?:/{_COMPONENT})+")
_NUMBER = r"(?:0|[1-9][0-9]*)"
VERSION = re.compile(rf"v{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-[0-9A-Za-z.-]+)?")
# `image:` as a key of the `runs:` mapping, its value plain or quoted, maybe a comment.
_IMAGE_LINE = re.compile(rb"^(?P<indent>[ \t]+)image:[ \t]*(?P<value>[^\r\n]*?)(?P<eol>\r?\n|)$")
_TOP_KEY = re.compile(rb"^[^\s#]")


class ReleaseError(ValueError):
    """An argument or a file this script will not write a release from."""


def image_line(image: str, digest: str, version: str) -> str:
    """The ``image:`` value for a release, after checking each part."""
    if not DIGEST.fullmatch(digest):
        raise ReleaseError(f"digest {digest!r}: expected sha256: and 64 lower-case hex digits")
    if len(image) > 255 or not IMAGE.fullmatch(image):
        raise ReleaseError(
            f"image {image!r}: expected a lower-case REGISTRY/PATH (e.g. ghcr.io/owner/repo), "
            "without a tag or digest"
        )
    if not VERSION.fullmatch(version):
        raise ReleaseError(f"version {version!r}: expected vX.Y.Z (e.g. v1.2.3 or v1.2.3-rc.1)")
    return f"docker://{image}@{digest} # {version}"


def rewrite(text: bytes, image: str, digest: str, version: str) -> bytes:
    """``text`` (action.yml's bytes) with its ``runs.image`` line pointing at the image."""
    value = image_line(image, digest, version).encode()
    lines = text.splitlines(keepends=True)
    in_runs = False
    found: list[int] = []
    for number, line in enumerate(lines):
        if _TOP_KEY.match(line):
            in_runs = line.rstrip(b"\r\n").split(b"#")[0].strip() == b"runs:"
            continue
        if in_runs and _IMAGE_LINE.match(line):
            found.append(number)
    if len(found) != 1:
        raise ReleaseError(f"expected one `image:` line under `runs:`, found {len(found)}")
    match = _IMAGE_LINE.match(lines[found[0]])
    assert match is not None
    lines[found[0]] = match["indent"] + b"image: " + value + match["eol"]
    return b"".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", required=True, help="e.g. ghcr.io/owner/repo (lower case)")
    parser.add_argument("--digest", required=True, help="sha256:<64 lower-case hex digits>")
    parser.add_argument("--version", required=True, help="the release, vX.Y.Z")
    parser.add_argument("--file", type=Path, default=Path("action.yml"))
    args = parser.parse_args(argv)
    try:
        new = rewrite(args.file.read_bytes(), args.image, args.digest, args.version)
    except (ReleaseError, OSError) as exc:
        print(f"release_action_yml: {exc}", file=sys.stderr)
        return 2
    args.file.write_bytes(new)
    print(f"{args.file}: image: {image_line(args.image, args.digest, args.version)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
