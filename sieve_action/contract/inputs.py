"""The action's inputs, each declared once.

Every input arrives as a string (``INPUT_*`` variables, or CLI flags), and may be
absent altogether when the action runs as a prebuilt image (``uses: docker://``),
where the runner applies no defaults. So the defaults live here, an empty string
means "use the default", and every failure names the input it belongs to. Each
value's rule is in :mod:`.rules`; the ``targets`` format in :mod:`.targets`; checking
them all, and the checks across inputs, in :mod:`.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Literal

from .declare import InputSpec, api_key, capacity_text, declare, github_token, path
from .rules import (
    DEFAULT_API_URL,
    MAX_CONCURRENCY,
    MAX_POLL_SECONDS,
    MAX_WAIT_SECONDS,
    Threshold,
    is_loopback,
    one_of,
    parse_api_url,
    parse_boolean,
    parse_concurrency,
    parse_name,
    parse_number,
    parse_replicas,
    parse_sha,
    parse_threshold,
    parse_version,
    seconds,
)
from .smoke_cases import SmokeCases, parse_smoke_test
from .targets import Defaults, Target, TargetLine, parse_lines, resolve
from .undo_list import UndoList, parse_undo

#: The environment variable the key is read from when ``api-key`` is empty (the action)
#: or always (the CLI, which takes no key on its command line).
KEY_VARIABLE = "SIEVE_API_KEY"
#: The same for ``github-token`` (the CLI reads it from there, as GitHub's tools do).
TOKEN_VARIABLE = "GITHUB_TOKEN"  # noqa: S105 - a variable's name, not a token


WaitFor = Literal["build", "replicas"]


@dataclass(frozen=True)
class Inputs:
    """Every input of the action and the CLI, once every single-input rule holds; see
    :func:`parse_inputs`. The field order is the order users read them in."""

    api_key: str = declare(
        "api-key",
        "",
        f"Sieve API key, from a secret. When empty, the {KEY_VARIABLE} environment variable is "
        "used; when both are empty the step fails (a pull request from a fork gets no secrets).",
        rule=api_key,
        strip=False,
        secret=True,
        examples=(),
    )
    owner: str = declare(
        "owner",
        "",
        "Owner of the function (user or organisation name). Required unless `targets` is given.",
        "NAME",
        rule=parse_name,
        examples=("acme",),
        near_misses=("a.b_c-d", "acme/whisper", "-x", "é"),
    )
    function: str = declare(
        "function",
        "",
        "Function name. Required unless `targets` is given.",
        "NAME",
        rule=parse_name,
        examples=("whisper",),
        near_misses=("nope", "..", "a b"),
    )
    version: str = declare(
        "version",
        "latest",
        "Version ID, ID prefix, or `latest`.",
        "ID",
        rule=parse_version,
        examples=("latest", "41b83e76"),
        near_misses=("0", "41b83e76-0a13-4d96-b0a0-7cd62c9977c3", "v/1", "latest "),
    )
    min_replicas: int | None = declare(
        "min-replicas",
        "",
        "New minimum number of replicas (warm workers); empty leaves it unchanged.",
        "N",
        rule=parse_replicas,
        examples=("0", "1", " 2 "),
        near_misses=("2147483647", "2147483648", "-1", "two", "1.0"),
    )
    max_replicas: int | None = declare(
        "max-replicas",
        "",
        "New maximum number of replicas; empty leaves it unchanged.",
        "N",
        rule=parse_replicas,
        examples=("", "3"),
        near_misses=("1", "1.5", "0"),
    )
    wait: bool = declare(
        "wait",
        "false",
        "Wait until the version reaches the goal set by `wait-for` (the build is `ready` or "
        "`error` by default).",
        rule=parse_boolean,
        examples=("true", "False"),
        near_misses=("True", "FALSE", "yes", "1"),
    )
    wait_for: WaitFor = declare(
        "wait-for",
        "build",
        "What to wait for when `wait` is true. `build` (the build is `ready` or `error`) or "
        "`replicas` (also at least `min-replicas` workers idle or active).",
        "GOAL",
        rule=one_of("build", "replicas"),
        examples=("build",),
        near_misses=("replicas", "Build", "ready"),
    )
    wait_timeout: float = declare(
        "wait-timeout",
        "900",
        "Seconds to wait at most.",
        "SECONDS",
        rule=seconds(MAX_WAIT_SECONDS),
        examples=("2", "10"),
        near_misses=("0.5", "0", "nan", "inf", "86401"),
    )
    poll_interval: float = declare(
        "poll-interval",
        "5",
        "Seconds between status reads while waiting.",
        "SECONDS",
        rule=seconds(MAX_POLL_SECONDS),
        examples=("0.1",),
        near_misses=("0.5", "-1", "0.01"),
    )
    fail_on_error: bool = declare(
        "fail-on-error",
        "true",
        "Fail the step when the version ends in `error`.",
        rule=parse_boolean,
        examples=("false",),
        near_misses=("true", "no"),
    )
    smoke_test: SmokeCases | None = declare(
        "smoke-test",
        "",
        "Jobs to run on the version once it is ready (implies `wait`): the JSON `inputs` of "
        'one job, or an array of cases `{"name", "inputs", "expect", "max-seconds"}`, each '
        "one job whose outputs must match `expect` and that must finish within "
        "`max-seconds`. The step fails if a job does not pass. Empty: no smoke test.",
        "JSON",
        rule=parse_smoke_test,
        examples=("",),
        near_misses=(
            '{"text": "hello"}',
            '[{"inputs": {"text": "hi"}, "expect": [{"data": "hi"}], "max-seconds": 30}]',
            "[1, 2]",
            "[]",
            "{",
            "7",
            '"a string"',
            '{"x": NaN}',
            '[{"input": {}}]',
        ),
    )
    smoke_test_timeout: float = declare(
        "smoke-test-timeout",
        "600",
        "Seconds the smoke test job may take, from push to finish; then it is cancelled.",
        "SECONDS",
        rule=seconds(MAX_WAIT_SECONDS),
        examples=("5",),
        near_misses=("30", "0", "-1"),
    )
    retire_previous: bool = declare(
        "retire-previous",
        "false",
        "Once the version is ready (and passed its smoke test), retire every earlier version "
        "of the function: set its minimum replicas to 0, its maximum left as it is.",
        rule=parse_boolean,
        examples=("false",),
        near_misses=("true", "maybe"),
    )
    restore_on_failure: bool = declare(
        "restore-on-failure",
        "true",
        "When a target fails after the step raised its bounds (the build ends in `error`, a "
        "wait runs out, the smoke test fails, the step is cancelled), set the bounds it raised "
        "back to what they were, unless someone changed them meanwhile. A lowered minimum "
        "stays lowered.",
        rule=parse_boolean,
        examples=("true", "false"),
        near_misses=("FALSE", "no"),
    )
    undo: UndoList | None = declare(
        "undo",
        "",
        "Undo a promotion: the `retired` output (JSON) of the step that promoted a version, or "
        "its `results` output (from the CLI: its whole `--json` output). Each version listed "
        "gets its minimum replicas back (`previous_min_replicas`); the version that replaced "
        "them (the target given as usual, or each `results` entry's `version_id`) gets "
        "`min-replicas` and `max-replicas`. "
        "Refused, with nothing changed, when a listed version no longer exists. Cannot be "
        "combined with `targets`, `retire-previous` or `smoke-test`.",
        "JSON",
        rule=parse_undo,
        examples=("",),
        near_misses=(
            '[{"version_id": "41b83e76-0a13-4d96-b0a0-7cd62c9977c3", "previous_min_replicas": 1}]',
            '[{"target": "acme/whisper@latest", "version_id": "41b83e76", "retired": '
            '[{"version_id": "1a2b3c4d", "previous_min_replicas": 2}]}]',
            "[]",
            '[{"version_id": "latest", "previous_min_replicas": 1}]',
            '[{"version_id": "41b83e76", "previous_min_replicas": -1}]',
            '{"version_id": "41b83e76", "previous_min_replicas": 1}',
        ),
    )
    targets: tuple[TargetLine, ...] = declare(
        "targets",
        "",
        "Many functions in one step, one per line, `owner/function[@version] [min=N] [max=N]`; "
        "blank lines and lines starting with `#` are skipped. Cannot be combined with `owner` "
        "and `function`.",
        rule=parse_lines,
        examples=("",),
        near_misses=(
            "acme/whisper min=1",
            "acme/a\nacme/b@v1 min=1 max=2",
            "# none\n\nacme/whisper@latest max=2\nacme/nope",
            "# only a comment",
            "a/b/c",
        ),
    )
    concurrency: int = declare(
        "concurrency",
        "8",
        f"With `targets`, how many targets are worked on at once (1 to {MAX_CONCURRENCY}).",
        "N",
        rule=parse_concurrency,
        examples=("1", "8"),
        near_misses=("64", "65", "08", "0"),
    )
    dry_run: bool = declare(
        "dry-run",
        "false",
        "Read each target and report what would change, without sending any edit.",
        rule=parse_boolean,
        examples=("true", "false"),
        near_misses=("TRUE", "on"),
    )
    api_url: str = declare(
        "api-url",
        DEFAULT_API_URL,
        "Base URL of Sieve's API (proxies, tests).",
        "URL",
        rule=parse_api_url,
        examples=("https://p.example/sieve/",),
        near_misses=("http://127.0.0.1:9", "ftp://x", "http://[::1", "https://x?y"),
    )
    capacity_file: str = declare(
        "capacity-file",
        "",
        "A capacity file (docs/capacity.md): the bounds each function should have at each hour; "
        "every run converges to what holds now. A path in the workspace (relative to "
        "GITHUB_WORKSPACE, or the current directory outside GitHub). Cannot be combined with "
        "`owner`, `function`, `targets`, `min-replicas` or `max-replicas`.",
        "FILE",
        rule=path,
        examples=("",),
        near_misses=(".github/sieve-capacity.yml", "/no/such/file.yml"),
    )
    capacity: str = declare(
        "capacity",
        "",
        "The same as `capacity-file`, the YAML given inline. Cannot be combined with "
        "`capacity-file`.",
        "YAML",
        rule=capacity_text,
        strip=False,
        examples=("",),
        near_misses=("functions: {acme/whisper: {min: 0}}", "[1, 2]", "timezone: Mars/Base"),
    )

    review_base: str = declare(
        "review-base",
        "",
        "Review a change of `capacity-file` on a pull request: this is the file as the base "
        "branch has it (a path in the workspace; missing: the pull request adds the file). "
        "The step sends no edit: it computes the week's plan of the change and its cost from "
        "the two files, puts it in the job summary and in one comment on the pull request, "
        "kept up to date (docs/capacity.md). Needs no `api-key`; with one, it adds the live "
        "bounds and what would change now.",
        "FILE",
        rule=path,
        examples=("",),
        near_misses=("base/.github/sieve-capacity.yml",),
    )
    max_weekly_increase: Threshold | None = declare(
        "max-weekly-increase",
        "",
        "With `review-base`: fail the review when the week's warm minimum grows by more "
        "than this, in replica-hours (`40 replica-hours`) or dollars (`$25`).",
        "AMOUNT",
        rule=parse_threshold,
        examples=("",),
        near_misses=("40 replica-hours", "$25", "25", "$-1", "lots"),
    )
    github_token: str = declare(
        "github-token",
        "${{ github.token }}",
        "The token that comments on the pull request (`pull-requests: write`); without that "
        "permission (a fork's pull request) the review goes to the job summary only.",
        "TOKEN",
        rule=github_token,
        strip=False,
        secret=True,
        examples=(),
    )
    review_comment: str = declare(
        "review-comment",
        "",
        "Post a review computed in another job (a fork's pull request: that job has no write "
        "token): the file holding the `review` output. Give `pull-request` and `head-sha`; "
        "the comment is posted only when that is the pull request's head commit.",
        "FILE",
        rule=path,
        examples=("",),
        near_misses=("review/review.md",),
    )
    pull_request: int | None = declare(
        "pull-request",
        "",
        "The pull request to comment on; empty: the one the event is about.",
        "N",
        rule=parse_number,
        examples=("",),
        near_misses=("7", "0", "#7"),
    )
    head_sha: str = declare(
        "head-sha",
        "",
        "With `review-comment`: the commit the review was computed for (the `workflow_run` "
        "event's `head_sha`), checked against the pull request's head.",
        "SHA",
        rule=parse_sha,
        examples=("",),
        near_misses=("0123456789abcdef0123456789abcdef01234567", "abc123"),
    )

    @property
    def waits(self) -> bool:
        """Whether each target is waited for: asked for, or needed by a smoke test."""
        return self.wait or self.smoke_test is not None

    @cached_property
    def resolved_targets(self) -> tuple[Target, ...]:
        """The targets to scale, resolved once: each ``targets`` line, or owner/function."""
        defaults = Defaults(self.version, self.min_replicas, self.max_replicas)
        return resolve(self.owner, self.function, self.targets, defaults)

    @property
    def does_nothing(self) -> bool:
        """Whether the step only reads: no bound to set, no schedule, no undo, no wait and
        nothing to retire (often a misspelt or forgotten input)."""
        bounds = any(
            t.min_replicas is not None or t.max_replicas is not None for t in self.resolved_targets
        )
        acts = self.capacity_file or self.capacity or self.undo is not None or self.review_comment
        return not (bounds or acts or self.waits or self.retire_previous)

    def warnings(self) -> list[str]:
        """What is allowed but worth saying before any request."""
        found = []
        if self.api_url.startswith("http://") and not is_loopback(self.api_url):
            found.append(
                f"api-url {self.api_url} is plain http:// to another machine: the API key "
                "travels unencrypted. Use https:// unless this is a trusted local network."
            )
        if self.does_nothing:
            found.append(
                "No bound (`min-replicas`, `max-replicas` or `min=`/`max=` in `targets`), no "
                "`capacity-file`, no `undo`, no `wait` and no `retire-previous` were given: "
                "the step reads each version and changes nothing"
            )
        return found


SPEC: tuple[InputSpec, ...] = tuple(item.metadata["input"] for item in fields(Inputs))
INPUT_NAMES = tuple(item.name for item in SPEC)
#: Each input's field of :class:`Inputs`, by the input's name (``min-replicas``: ``min_replicas``).
FIELDS = {item.metadata["input"].name: item.name for item in fields(Inputs)}


def spec() -> tuple[InputSpec, ...]:
    """Every input, in :class:`Inputs`' order."""
    return SPEC
