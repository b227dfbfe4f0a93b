"""The repository's workflows and the README's example workflows.

Static rules the project holds itself to (SHA pins, no expressions inside
``run:``, explicit least permissions, no persisted checkout credentials), then
zizmor and check-jsonschema over the same files. Both tools come from
requirements/test.txt, so they are never skipped: a missing tool fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from testkit.paths import ROOT

from .tools import run_tool, tool

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
# The workflow .ci/run runs under act (ci/image/e2e.sh): held to the same rules.
ACT_WORKFLOWS = sorted((ROOT / "ci" / "act").glob("*.yml"))
ACTION = ROOT / "action.yml"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
ALL_WORKFLOWS = WORKFLOWS + EXAMPLES + ACT_WORKFLOWS

# The action as the examples refer to it: a placeholder the README explains
# (readers replace it with the released action, pinned as they see fit).
PLACEHOLDER = "sieve-action/sieve-action@v1"
# The shared repository of the reusable-workflow example: the reader's own.
SHARED_WORKFLOW = "my-org/sieve-workflows/.github/workflows/reusable-scale.yml@v1"
SHA = re.compile(r"[0-9a-f]{40}")
# `uses: owner/repo[/path]@<40 hex> # vX[.Y[.Z]]` on one line.
PINNED_LINE = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)(?:\s+#\s*(?P<comment>.*))?$",
)
VERSION_COMMENT = re.compile(r"v\d+(?:\.\d+){0,2}\b")
EXPECTED_EXAMPLES = {
    "after-deploy.yml",
    "nightly-scale-down.yml",
    "morning-scale-up.yml",
    "reusable-scale.yml",
    "reusable-caller.yml",
    "fleet.yml",
    "undo.yml",
    "capacity.yml",
    "capacity-review.yml",
    "capacity-review-post.yml",
}
#: The examples' jobs that write, and the one scope each writes: the pull request's comment.
EXAMPLE_WRITES = {
    ("capacity-review.yml", "review"): {"pull-requests"},
    ("capacity-review-post.yml", "post"): {"pull-requests"},
}
#: The review of a fork's pull request needs no key: none is given to it.
KEYLESS = {"capacity-review.yml", "capacity-review-post.yml"}
#: The one `workflow_run` workflow: it posts a fork's review with the base's token.
POSTING = ROOT / "examples" / "capacity-review-post.yml"


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{_name(path)}: not a mapping"
    return data


def _triggers(workflow: dict[Any, Any]) -> Any:
    # YAML 1.1 reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def _jobs(workflow: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    jobs = workflow.get("jobs")
    assert isinstance(jobs, dict), "no jobs"
    assert jobs, "no jobs"
    return jobs


def _steps(workflow: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in _jobs(workflow).items():
        for step in job.get("steps") or []:
            yield job_id, step


def _is_local(ref: str) -> bool:
    # ./path (the workspace) and $/path (this repository at the running commit).
    return ref.startswith(("./", "$/"))


def test_every_file_is_there() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}
    assert {p.name for p in ACT_WORKFLOWS} == {"e2e.yml"}
    assert {p.name for p in EXAMPLES} >= EXPECTED_EXAMPLES
    assert ACTION.is_file()
    assert DEPENDABOT.is_file()


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_parses_as_a_workflow(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("name"), "a workflow has a name"
    assert _triggers(workflow), "a workflow has triggers"
    for job_id, job in _jobs(workflow).items():
        assert isinstance(job, dict), job_id
        assert "runs-on" in job or "uses" in job, job_id


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_third_party_actions_are_pinned_by_sha(path: Path) -> None:
    workflow = _load(path)
    referenced = {step["uses"] for _, step in _steps(workflow) if "uses" in step}
    referenced |= {job["uses"] for job in _jobs(workflow).values() if "uses" in job}
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = PINNED_LINE.match(line)
        if not match:
            continue
        ref, comment = match["ref"], match["comment"] or ""
        seen.add(ref)
        where = f"{_name(path)}:{number}"
        if _is_local(ref):
            continue
        if ref in (PLACEHOLDER, SHARED_WORKFLOW):
            assert path in EXAMPLES, f"{where}: the placeholder belongs in examples only"
            continue
        assert not ref.startswith("docker://"), f"{where}: use an action, not an image"
        action, _, pin = ref.partition("@")
        assert action.count("/") >= 1, f"{where}: {ref}"
        assert SHA.fullmatch(pin), f"{where}: {ref} is not pinned to a full commit SHA"
        assert VERSION_COMMENT.match(comment), f"{where}: {ref} needs a '# vX.Y.Z' comment"
    # Every `uses:` was on a line of its own form (nothing hidden in flow style).
    assert referenced <= seen, f"{_name(path)}: unscanned uses: {referenced - seen}"


def test_a_sha_always_carries_the_same_version() -> None:
    by_sha: dict[str, set[str]] = {}
    by_version: dict[tuple[str, str], set[str]] = {}
    for path in ALL_WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = PINNED_LINE.match(line)
            if not match or "@" not in match["ref"] or _is_local(match["ref"]):
                continue
            action, _, pin = match["ref"].partition("@")
            version_match = VERSION_COMMENT.match(match["comment"] or "")
            if not SHA.fullmatch(pin) or not version_match:
                continue
            version = version_match.group(0)
            by_sha.setdefault(f"{action}@{pin}", set()).add(version)
            by_version.setdefault((action, version), set()).add(pin)
    assert by_sha, "no pinned actions found"
    assert {ref: v for ref, v in by_sha.items() if len(v) > 1} == {}
    assert {key: p for key, p in by_version.items() if len(p) > 1} == {}


def _runs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            else:
                yield from _runs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _runs(item)


@pytest.mark.parametrize("path", [*ALL_WORKFLOWS, ACTION], ids=_name)
def test_no_expression_inside_run(path: Path) -> None:
    # Values reach scripts through `env:`; an expression inside `run:` is
    # pasted into the script before the shell parses it (script injection).
    runs = list(_runs(_load(path)))
    assert all("${{" not in script for script in runs), [s for s in runs if "${{" in s]


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_permissions_are_explicit(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("permissions") == {}, "top level: `permissions: {}`"
    for job_id, job in _jobs(workflow).items():
        assert "permissions" in job, f"job {job_id} declares no permissions"
        permissions = job["permissions"]
        assert isinstance(permissions, dict), f"job {job_id}: scopes, not {permissions!r}"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        if path == RELEASE:
            allowed = {
                "image": {"packages", "id-token", "attestations"},
                "release": {"contents"},
                "major-tag": {"contents"},
            }.get(job_id, set())
        else:
            allowed = EXAMPLE_WRITES.get((path.name, job_id), set()) if path in EXAMPLES else set()
        assert writes <= allowed, f"job {job_id} writes {sorted(writes - allowed)}"


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_checkout_keeps_no_credentials(path: Path) -> None:
    for job_id, step in _steps(_load(path)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert (step.get("with") or {}).get("persist-credentials") is False, job_id


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_no_risky_triggers_or_inherited_secrets(path: Path) -> None:
    workflow = _load(path)
    triggers = _triggers(workflow)
    names = set(triggers) if isinstance(triggers, dict | list) else {triggers}
    assert "pull_request_target" not in names
    assert "workflow_run" not in names or path == POSTING
    for job_id, job in _jobs(workflow).items():
        assert job.get("secrets") != "inherit", job_id


def test_the_fork_s_review_is_posted_without_running_anything_of_the_fork_s() -> None:
    """The `workflow_run` job has a writing token: it checks out nothing, gets no secret,
    reads the fork's files only as data, and posts only for the run's own head commit."""
    workflow = _load(POSTING)
    assert _triggers(workflow) == {
        "workflow_run": {"workflows": ["Capacity review"], "types": ["completed"]}
    }
    text = POSTING.read_text(encoding="utf-8")
    assert "secrets." not in text and "actions/checkout" not in text
    ((_, post),) = [(j, s) for j, s in _steps(workflow) if s.get("uses") == PLACEHOLDER]
    assert post["with"]["head-sha"] == "${{ github.event.workflow_run.head_sha }}"
    # The only script reads the number as digits, so nothing the fork wrote is run.
    (script,) = list(_runs(workflow))
    assert "tr -cd '0-9'" in script and "sieve-review/pull-request" in script
    review = _load(ROOT / "examples" / "capacity-review.yml")
    assert _triggers(review) == {"pull_request": {"paths": [".github/sieve-capacity.yml"]}}
    assert review["name"] == "Capacity review"  # the name workflow_run follows


@pytest.mark.parametrize("path", EXAMPLES, ids=_name)
def test_examples_take_the_key_from_a_secret(path: Path) -> None:
    steps = [step for _, step in _steps(_load(path)) if step.get("uses") == PLACEHOLDER]
    if path.name in KEYLESS:  # a fork's pull request gets no secret
        assert steps and all("api-key" not in step["with"] for step in steps)
        return
    if path.name == "reusable-caller.yml":
        job = _jobs(_load(path))["scale"]
        assert job["secrets"] == {"sieve-api-key": "${{ secrets.SIEVE_API_KEY }}"}
        return
    assert steps, "the example uses the action"
    expected = {
        "reusable-scale.yml": "${{ secrets.sieve-api-key }}",
    }.get(path.name, "${{ secrets.SIEVE_API_KEY }}")
    for step in steps:
        assert step["with"]["api-key"] == expected


def _uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps") or [] if str(s.get("uses", "")).partition("@")[0] == action]


def _named(job: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        step for step in job.get("steps") or [] if step.get("name") == name
    ]
    assert len(found) == 1, f"one step named {name!r}"
    return found[0]


def test_release_is_started_by_hand_or_by_a_release_branch_not_by_a_tag() -> None:
    # The tag must name the release commit, which the workflow makes.
    triggers = _triggers(_load(RELEASE))
    assert set(triggers) == {"workflow_dispatch", "push"}
    version = triggers["workflow_dispatch"]["inputs"]["version"]
    assert (version["required"], version["type"]) == (True, "string")
    assert triggers["push"] == {"branches": ["release/v*.*.*"]}


def test_release_pushes_both_platforms_and_attests_the_pushed_digest() -> None:
    image = _jobs(_load(RELEASE))["image"]
    (build,) = _uses(image, "docker/build-push-action")
    (attest,) = _uses(image, "actions/attest-build-provenance")
    steps = image["steps"]
    assert steps.index(build) < steps.index(attest)
    digest = "${{ steps." + build["id"] + ".outputs.digest }}"
    settings = build["with"]
    assert set(settings["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert settings["push"] is True
    assert settings["tags"] == "${{ needs.prepare.outputs.tags }}"
    assert attest["with"] == {
        "subject-name": "${{ needs.prepare.outputs.image }}",
        "subject-digest": digest,
        "push-to-registry": True,
        "create-storage-record": False,
    }
    assert image["outputs"] == {"digest": digest}


def test_release_uses_no_cache() -> None:
    release = _load(RELEASE)
    for job_id, step in _steps(release):
        action = str(step.get("uses", "")).partition("@")[0]
        settings = step.get("with") or {}
        assert action != "actions/cache", job_id
        assert "cache" not in settings or action != "actions/setup-python", job_id
        assert not {"cache-from", "cache-to"} & set(settings), job_id
    image = _jobs(release)["image"]
    assert _uses(image, "docker/setup-qemu-action")[0]["with"]["cache-image"] is False
    assert _uses(image, "docker/setup-buildx-action")[0]["with"]["cache-binary"] is False


def test_only_the_image_job_logs_in_or_sees_a_registry_secret() -> None:
    for job_id, job in _jobs(_load(RELEASE)).items():
        logins = _uses(job, "docker/login-action")
        assert (job_id == "image") == bool(logins), job_id


def test_release_pulls_and_runs_the_image_without_credentials_before_tagging() -> None:
    jobs = _jobs(_load(RELEASE))
    verify = jobs["verify"]
    assert set(verify["needs"]) == {"prepare", "image"}
    assert verify["permissions"] == {"contents": "read"}
    assert "secrets." not in yaml.safe_dump(verify)
    assert verify["env"]["DIGEST"] == "${{ needs.image.outputs.digest }}"
    steps = verify["steps"]
    pull = _named(verify, "Pull the image by digest, without logging in")
    point = _named(verify, "Point action.yml at the image")
    (run,) = [step for step in steps if step.get("uses") == "./"]
    assert steps.index(pull) < steps.index(point) < steps.index(run)
    assert 'docker pull "$IMAGE@$DIGEST"' in pull["run"]
    assert 'DOCKER_CONFIG="$RUNNER_TEMP/no-credentials"' in pull["run"]
    # The failure says what to do about the commonest cause: a private package.
    for words in ("make it public", "Package settings", "Change visibility", "re-run"):
        assert words in pull["run"], words
    assert point["run"] == (
        'python3 scripts/release_action_yml.py --image "$IMAGE" --digest "$DIGEST" '
        '--version "$VERSION"'
    )
    release = jobs["release"]
    assert set(release["needs"]) >= {"verify", "image", "prepare"}
    assert set(jobs["major-tag"]["needs"]) >= {"release"}


def _fake_gh(tmp_path: Path, body: str) -> dict[str, str]:
    """A `gh` on PATH that runs BODY (Python) with argv and stdin, in place of GitHub."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(f"#!{sys.executable}\nimport json, subprocess, sys\n{body}\n")
    gh.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def _run_step(
    step: dict[str, Any], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("event", "given", "ref", "expected"),
    [
        ("workflow_dispatch", "v1.2.3", "main", "v1.2.3"),
        ("workflow_dispatch", "v2.0.0-rc.1", "main", "v2.0.0-rc.1"),
        ("push", "", "release/v1.4.0", "v1.4.0"),
        ("workflow_dispatch", "1.2.3", "main", None),
        ("workflow_dispatch", "v1.2", "main", None),
        ("workflow_dispatch", "v1.2.3; echo x", "main", None),
        ("push", "", "release/v1.2.x", None),
        ("workflow_dispatch", "v1.0.0", "main", "exists"),
    ],
)
def test_prepare_checks_the_version_and_names_the_image_in_lower_case(
    tmp_path: Path, event: str, given: str, ref: str, expected: str | None
) -> None:
    (step,) = _jobs(_load(RELEASE))["prepare"]["steps"]
    # `gh api …/git/ref/tags/V` succeeds only for a tag that exists: v1.0.0 here.
    env = _fake_gh(tmp_path, 'sys.exit(0 if sys.argv[2].endswith("/tags/v1.0.0") else 1)')
    output = tmp_path / "output"
    output.write_text("")
    env |= {
        "EVENT": event, "INPUT_VERSION": given, "REF_NAME": ref, "SOURCE": "a" * 40,
        "GH_TOKEN": "t", "GITHUB_REPOSITORY": "Acme-Org/Sieve-Action",
        "GITHUB_OUTPUT": str(output),
    }  # fmt: skip
    result = _run_step(step, tmp_path, env)
    if expected is None or expected == "exists":
        assert result.returncode != 0
        assert ("exists already" in result.stdout) == (expected == "exists"), result.stdout
        assert output.read_text() == ""
        return
    assert result.returncode == 0, result.stdout + result.stderr
    image = "ghcr.io/acme-org/sieve-action"
    tags = [f"{image}:{expected}"]
    if "-" not in expected:  # a final release also moves vX.Y and vX
        major, minor, _ = expected.split(".")
        tags += [f"{image}:{major}.{minor}", f"{image}:{major}"]
    assert output.read_text().splitlines() == [
        f"version={expected}",
        f"image={image}",
        f"source={'a' * 40}",
        f"tags={','.join(tags)}",
    ]


# GitHub's git database API, played by the local repository: what the release step
# sends is what it would get back from GitHub (blob, tree and commit IDs are git's).
FAKE_GIT_API = """
import base64, os
args = sys.argv[1:]
index = {**os.environ, "GIT_INDEX_FILE": ".git/fake-index"}
def git(*a, env=None, input=None):
    run = subprocess.run(["git", *a], capture_output=True, text=True, env=env, input=input)
    run.check_returncode()
    return run.stdout.strip()
path = args[1]
fields = dict(a.split("=", 1) for a in args[args.index("-f") + 1 :: 2]) if "-f" in args else {}
data = json.load(sys.stdin) if "--input" in args else {}
if path.endswith("/git/blobs"):
    print(git("hash-object", "-w", "--stdin", input=base64.b64decode(data["content"]).decode()))
elif path.endswith("/git/trees"):
    git("read-tree", data["base_tree"], env=index)
    for e in data["tree"]:
        info = f"{e['mode']},{e['sha']},{e['path']}"
        git("update-index", "--add", "--cacheinfo", info, env=index)
    extra = os.environ.get("FAKE_EXTRA_FILE")
    if extra:
        blob = git("hash-object", "-w", "--stdin", input="extra")
        git("update-index", "--add", "--cacheinfo", f"100644,{blob},{extra}", env=index)
    print(git("write-tree", env=index))
elif path.endswith("/git/commits"):
    parents = [a for p in data["parents"] for a in ("-p", p)]
    print(git("commit-tree", data["tree"], *parents, "-m", data["message"]))
elif path.endswith("/git/refs"):
    git("update-ref", fields["ref"], fields["sha"])
else:
    sys.exit(f"unexpected gh call: {args}")
"""


def _source_repository(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copyfile(ACTION, repo / "action.yml")
    shutil.copyfile(ROOT / "scripts" / "release_action_yml.py", repo / "scripts" / "x.py")
    (repo / "scripts" / "x.py").rename(repo / "scripts" / "release_action_yml.py")
    shutil.copytree(ROOT / ".github", repo / ".github")
    identity = ["-c", "user.name=t", "-c", "user.email=t@localhost"]
    for command in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "source"]):
        subprocess.run(["git", *command], cwd=repo, check=True, capture_output=True)
    source = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    return repo, source


def _release_env(tmp_path: Path, source: str) -> dict[str, str]:
    return _fake_gh(tmp_path, FAKE_GIT_API) | {
        "GH_TOKEN": "t",
        "GITHUB_REPOSITORY": "acme-org/sieve-action",
        "IMAGE": "ghcr.io/acme-org/sieve-action",
        "DIGEST": "sha256:" + "ab" * 32,
        "VERSION": "v1.2.3",
        "SOURCE": source,
    }


def test_the_release_commit_changes_only_action_yml_and_is_tagged(tmp_path: Path) -> None:
    release = _jobs(_load(RELEASE))["release"]
    step = _named(release, "Make the release commit and tag it")
    assert step["env"]["DIGEST"] == "${{ needs.image.outputs.digest }}"
    repo, source = _source_repository(tmp_path)
    result = _run_step(step, repo, _release_env(tmp_path, source))
    assert result.returncode == 0, result.stdout + result.stderr

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, check=True, capture_output=True, text=True
        ).stdout

    assert git("rev-parse", "v1.2.3^") == source + "\n"
    assert git("diff", "--name-only", source, "v1.2.3") == "action.yml\n"
    released = git("show", "v1.2.3:action.yml")
    assert f"  image: docker://ghcr.io/acme-org/sieve-action@sha256:{'ab' * 32} # v1.2.3\n" in (
        released
    )
    assert git("diff", "--numstat", source, "v1.2.3") == "1\t1\taction.yml\n"


def test_the_release_step_refuses_a_tree_github_made_differently(tmp_path: Path) -> None:
    step = _named(_jobs(_load(RELEASE))["release"], "Make the release commit and tag it")
    repo, source = _source_repository(tmp_path)
    env = _release_env(tmp_path, source) | {"FAKE_EXTRA_FILE": "sneaked-in.txt"}
    result = _run_step(step, repo, env)
    assert result.returncode != 0
    assert "git computed" in result.stdout
    tags = subprocess.run(["git", "tag"], cwd=repo, check=True, capture_output=True, text=True)
    assert tags.stdout == ""


def test_the_major_tag_keeps_its_token_fallback() -> None:
    job = _jobs(_load(RELEASE))["major-tag"]
    (step,) = job["steps"]
    assert step["env"] == {
        "GH_TOKEN": "${{ secrets.MAJOR_TAG_TOKEN || github.token }}",
        "TAG": "${{ needs.prepare.outputs.version }}",
    }
    assert job["environment"] == "release"


def test_ci_tests_every_supported_python() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    matrix = _jobs(ci)["test"]["strategy"]["matrix"]["python-version"]
    assert matrix == ["3.11", "3.12", "3.13"]


def _paths(paths: list[Path]) -> list[str]:
    return [_name(path) for path in paths]


def test_zizmor_finds_nothing() -> None:
    # One run over every file: the workflows, the examples, the act workflow,
    # action.yml and dependabot.yml, offline, at the pedantic persona (its
    # strictest; inline `# zizmor: ignore[...]` comments say why where one is
    # waived). --strict-collection: a file zizmor cannot load fails the run (by
    # default it is skipped with a warning, and the run passes).
    files = [ACTION, DEPENDABOT, *ALL_WORKFLOWS]
    command = [
        tool("zizmor"), "--offline", "--persona", "pedantic", "--strict-collection",
        "--no-progress",
    ]  # fmt: skip
    result = run_tool(*command, "--format=json", *_paths(files))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("schema", "paths"),
    [
        ("vendor.github-workflows", ALL_WORKFLOWS),
        ("vendor.github-actions", [ACTION]),
        ("vendor.dependabot", [DEPENDABOT]),
    ],
    ids=["workflows", "action", "dependabot"],
)
def test_check_jsonschema_accepts(schema: str, paths: list[Path]) -> None:
    result = run_tool(tool("check-jsonschema"), "--builtin-schema", schema, *_paths(paths))
    assert result.returncode == 0, result.stdout + result.stderr
