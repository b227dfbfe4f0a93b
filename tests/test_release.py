"""scripts/release_action_yml.py: the release commit's only change, and what it refuses.

The script is run as the release workflow runs it (a subprocess, the repository's
action.yml copied to a temporary folder); its output is checked by the same tools
that check the repository (check-jsonschema, zizmor at the pedantic persona).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testkit.paths import ROOT

from .tools import run_tool, tool

SCRIPT = ROOT / "scripts" / "release_action_yml.py"
ACTION = ROOT / "action.yml"
IMAGE = "ghcr.io/owner/repo"
DIGEST = "sha256:" + "0123456789abcdef" * 4
VERSION = "v1.2.3"
RELEASED = f"docker://{IMAGE}@{DIGEST} # {VERSION}"


def _release(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    defaults = {"--image": IMAGE, "--digest": DIGEST, "--version": VERSION}
    given = dict(zip(args[::2], args[1::2], strict=True))
    argv = [arg for item in {**defaults, **given}.items() for arg in item]
    return subprocess.run(
        [sys.executable, str(SCRIPT), *argv, "--file", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def action(tmp_path: Path) -> Path:
    copy = tmp_path / "action.yml"
    shutil.copyfile(ACTION, copy)
    return copy


def test_only_the_image_line_changes(action: Path) -> None:
    before = action.read_bytes().splitlines(keepends=True)
    result = _release(action)
    assert result.returncode == 0, result.stderr
    after = action.read_bytes().splitlines(keepends=True)
    assert len(after) == len(before)
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert len(changed) == 1
    assert before[changed[0]] == b"  image: Dockerfile\n"
    assert after[changed[0]] == f"  image: {RELEASED}\n".encode()
    # Read as the runner reads it: the value is the image, the version a comment.
    assert yaml.safe_load(action.read_bytes())["runs"] == {
        "using": "docker",
        "image": f"docker://{IMAGE}@{DIGEST}",
    }


def test_line_endings_and_a_missing_final_newline_are_kept(action: Path) -> None:
    text = action.read_bytes().replace(b"\n", b"\r\n").rstrip(b"\r\n")
    action.write_bytes(text)
    assert _release(action).returncode == 0
    expected = text.replace(b"  image: Dockerfile", f"  image: {RELEASED}".encode())
    assert action.read_bytes() == expected


def test_a_released_file_can_be_released_again(action: Path) -> None:
    assert _release(action).returncode == 0
    first = action.read_bytes()
    other = "sha256:" + "f" * 64
    assert _release(action, "--digest", other, "--version", "v1.2.4").returncode == 0
    assert action.read_bytes() == first.replace(
        f"@{DIGEST} # {VERSION}".encode(), f"@{other} # v1.2.4".encode()
    )


def test_a_local_registry_with_a_port_is_an_image(action: Path) -> None:
    # What .ci/run releases to: the local registry of ci/image/e2e.sh.
    assert _release(action, "--image", "127.0.0.1:5000/acme/sieve-action").returncode == 0
    runs = yaml.safe_load(action.read_bytes())["runs"]
    assert runs["image"] == f"docker://127.0.0.1:5000/acme/sieve-action@{DIGEST}"


@pytest.mark.parametrize(
    "digest",
    [
        "sha256:" + "0123456789abcdef" * 4 + "0",  # 65 digits
        "sha256:" + "0123456789abcdef" * 3,  # 48
        "sha256:" + "0123456789ABCDEF" * 4,  # upper case
        "sha256:" + "0123456789abcdeg" * 4,  # not hex
        "sha512:" + "0123456789abcdef" * 8,
        "0123456789abcdef" * 4,  # no algorithm
        "sha256:" + "0123456789abcdef" * 4 + "\n",
        "sha256:" + "0123456789abcdef" * 4 + " # v9.9.9",
        "",
    ],
)
def test_refuses_a_digest_that_is_not_sha256(action: Path, digest: str) -> None:
    before = action.read_bytes()
    result = _release(action, "--digest", digest)
    assert result.returncode == 2
    assert "digest" in result.stderr
    assert action.read_bytes() == before


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/Owner/repo",  # GHCR names are lower case
        "GHCR.IO/owner/repo",
        "owner/repo",  # no registry: Docker Hub by accident
        "ghcr.io",
        "ghcr.io/owner/repo:v1",  # a tag
        f"ghcr.io/owner/repo@{DIGEST}",  # a digest of its own
        "docker://ghcr.io/owner/repo",
        "ghcr.io//repo",
        "ghcr.io/owner/repo/",
        "ghcr.io/owner/-repo",
        "ghcr.io/owner/repo\n  using: node20",
        "ghcr.io/owner/repo # x",
        "ghcr.io/owner/re po",
        "",
    ],
)
def test_refuses_a_bad_image_name(action: Path, image: str) -> None:
    before = action.read_bytes()
    result = _release(action, "--image", image)
    assert result.returncode == 2
    assert "image" in result.stderr
    assert action.read_bytes() == before


@pytest.mark.parametrize(
    "version",
    ["1.2.3", "v1.2", "v1", "v01.2.3", "v1.2.3\n", "v1.2.3 x", "V1.2.3", "latest", "v1.2.3-", ""],
)
def test_refuses_a_bad_version(action: Path, version: str) -> None:
    before = action.read_bytes()
    result = _release(action, "--version", version)
    assert result.returncode == 2
    assert "version" in result.stderr
    assert action.read_bytes() == before


def test_accepts_a_pre_release(action: Path) -> None:
    assert _release(action, "--version", "v2.0.0-rc.1").returncode == 0
    assert action.read_bytes().count(b"# v2.0.0-rc.1\n") == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  image: Dockerfile\n", ""),  # no image line
        ("  image: Dockerfile\n", "  image: Dockerfile\n  image: Dockerfile\n"),  # two
        ("runs:\n", "runs_:\n"),  # an image line, but not under runs
    ],
    ids=["none", "two", "outside-runs"],
)
def test_refuses_a_file_without_one_runs_image_line(action: Path, old: str, new: str) -> None:
    text = action.read_text()
    assert old in text
    action.write_text(text.replace(old, new))
    before = action.read_bytes()
    result = _release(action)
    assert result.returncode == 2
    assert "image:" in result.stderr
    assert action.read_bytes() == before


def test_an_image_key_elsewhere_is_left_alone(action: Path) -> None:
    # `image` as an input's description or name is not the runs.image line.
    text = action.read_text().replace(
        "inputs:\n", "inputs:\n  image:\n    description: not the runs key\n", 1
    )
    action.write_text(text)
    assert _release(action).returncode == 0
    assert action.read_text() == text.replace("  image: Dockerfile", f"  image: {RELEASED}")


def test_the_released_file_passes_the_schema_and_zizmor(action: Path) -> None:
    assert _release(action).returncode == 0
    schema = run_tool(
        tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(action)
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    zizmor = run_tool(
        tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress",
        "--format=json", str(action),
    )  # fmt: skip
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert json.loads(zizmor.stdout) == []


def test_zizmor_flags_an_image_by_tag(action: Path) -> None:
    # The reason for the digest: the same file with a tag fails the same audit.
    assert _release(action).returncode == 0
    action.write_text(action.read_text().replace(f"@{DIGEST} #", ":v1 #"))
    zizmor = run_tool(
        tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress",
        "--format=json", str(action),
    )  # fmt: skip
    assert zizmor.returncode != 0
    assert {finding["ident"] for finding in json.loads(zizmor.stdout)} == {"unpinned-images"}
