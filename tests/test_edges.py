"""The action and the CLI are two edges over one driver: the same failure gives the same
exit code through both, including an unexpected error before any target exists (which
once made the CLI exit 0 while nothing was scaled)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sieve_action import action, cli, driver
from sieve_action.errors import ExitCode
from testkit.simulator import Fault, Simulator

from .conftest import KEY

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_TIMEOUT = (
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.INPUT,
    ExitCode.TIMEOUT,
)

Setup = Callable[[Simulator, pytest.MonkeyPatch], dict[str, str]]


def _ok(sim: Simulator, _: pytest.MonkeyPatch) -> dict[str, str]:
    return {"min-replicas": "1"}


def _bad_input(sim: Simulator, _: pytest.MonkeyPatch) -> dict[str, str]:
    return {"min-replicas": "two"}


def _not_found(sim: Simulator, _: pytest.MonkeyPatch) -> dict[str, str]:
    sim.state.inject(Fault("status", status=404))
    return {"min-replicas": "1"}


def _timeout(sim: Simulator, _: pytest.MonkeyPatch) -> dict[str, str]:
    sim.state.functions[("acme", "whisper")].versions[0].forced_status = "building"
    return {"wait": "true", "wait-timeout": "0.3", "poll-interval": "0.1"}


def _bad_proxy(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("HTTPS_PROXY", "ftp://proxy.example:21")
    return {"min-replicas": "1"}


def _bug_before_any_target(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(driver, "SieveClient", broken)
    return {"min-replicas": "1"}


CASES: dict[str, tuple[Setup, int]] = {
    "success": (_ok, EXIT_OK),
    "bad-input": (_bad_input, EXIT_INPUT),
    "not-found": (_not_found, EXIT_FAILED),
    "wait-timeout": (_timeout, EXIT_TIMEOUT),
    "unusable-proxy": (_bad_proxy, EXIT_INPUT),
    "bug-before-any-target": (_bug_before_any_target, EXIT_FAILED),
}


def _through_the_action(inputs: dict[str, str], tmp: Path, mp: pytest.MonkeyPatch) -> int:
    for name, value in inputs.items():
        mp.setenv(f"INPUT_{name.upper()}", value)
    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        (tmp / variable).write_text("")
        mp.setenv(variable, str(tmp / variable))
    return action.main()


def _through_the_cli(inputs: dict[str, str], tmp: Path, mp: pytest.MonkeyPatch) -> int:
    mp.setenv("SIEVE_API_KEY", inputs.pop("api-key"))
    argv: list[str] = []
    for name, value in inputs.items():
        if value in {"true", "false"}:  # a boolean input is a flag: --wait, --no-wait
            argv.append(f"--{name}" if value == "true" else f"--no-{name}")
        else:
            argv += [f"--{name}", value]
    return cli.main(argv)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("edge", [_through_the_action, _through_the_cli], ids=["action", "cli"])
def test_the_same_failure_gives_the_same_exit_code_through_both_edges(
    case: str,
    edge: Callable[[dict[str, str], Path, pytest.MonkeyPatch], int],
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup, expected = CASES[case]
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    inputs = {"api-key": KEY, "api-url": sim.url, "owner": "acme", "function": "whisper"}
    inputs |= setup(sim, monkeypatch)
    assert edge(inputs, tmp_path, monkeypatch) == expected
    seen = capsys.readouterr()
    assert KEY not in seen.out.replace(f"::add-mask::{KEY}", "") + seen.err


@pytest.mark.parametrize(
    "where", ["sieve_action.capacity.step.observe", "sieve_action.capacity.summary.summary"]
)
def test_a_bug_in_the_capacity_glue_ends_as_a_failure_with_outputs_and_summary(
    where: str, sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug in the capacity glue")

    monkeypatch.setattr(where, broken)
    sim.state.deploy("acme", "whisper")
    inputs = {"api-key": KEY, "api-url": sim.url, "capacity": "functions: {acme/whisper: {min: 1}}"}
    assert _through_the_action(inputs, tmp_path, monkeypatch) == EXIT_FAILED
    outputs = (tmp_path / "GITHUB_OUTPUT").read_text()
    assert "results<<" in outputs and "acme/whisper@latest" in outputs
    assert (tmp_path / "GITHUB_STEP_SUMMARY").read_text().startswith("### ")
