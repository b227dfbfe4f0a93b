"""Sieve's contract, checked by Prism (pinned in ``tests/contract/package.json``).

* Proxy: ``prism proxy spec/sieve-openapi.json <simulator> --errors`` between the real
  entrypoint and the simulator. Every scenario asserts the action's result and that
  Prism found no violation, neither in the action's requests nor in the simulator's
  answers (``sl-violations`` headers and ``problem+json`` answers seen by a tap in
  front of Prism, and Prism's log). Three tests prove those witnesses catch a bad
  request, a bad answer and an undocumented status.
* Mock: ``prism mock -d``: the action against answers Prism makes up from the schema
  (random strings, nulls, huge and negative numbers, every documented error status).
  Every run ends cleanly or with a clear error: exit 0, 1 or 3, no traceback, outputs
  that parse, one ``::error`` line per failed target.

Install Prism first: ``npm ci --prefix tests/contract``. Without it these tests fail.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from sieve_action.contract.outputs import OUTPUT_NAMES
from testkit import simulator as simulator_module
from testkit.paths import SPEC
from testkit.runner import StepResult, faked_clock, run_step
from testkit.simulator import Fault, Simulator

from .harness import (
    PRISM,
    Exchange,
    PrismProcess,
    Tap,
    pinned_version,
    require_prism,
    violations_in,
)

pytestmark = pytest.mark.contract

KEY = "sk-contract-5e2b8c1f9a7d40361b"
VERSION_ID = "41b83e76-0a13-4d96-b0a0-7cd62c9977c3"


def test_the_pinned_prism_is_installed() -> None:
    require_prism()
    shown = subprocess.run(
        [str(PRISM), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.stdout.strip() == pinned_version(), shown.stdout + shown.stderr


# -- proxy: the action and the simulator, both checked ---------------------------------


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    with Simulator(KEY) as sim:  # RFC 3339 timestamps with `Z`, as date-time requires
        yield sim


@pytest.fixture(scope="module")
def proxy_prism(
    simulator: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrismProcess]:
    log = tmp_path_factory.mktemp("prism-proxy") / "prism.log"
    prism = PrismProcess(["proxy", str(SPEC), simulator.url, "--errors"], log).start()
    yield prism
    prism.stop()


@pytest.fixture(scope="module")
def proxy_tap(proxy_prism: PrismProcess) -> Iterator[Tap]:
    tap = Tap(proxy_prism.url).start()
    yield tap
    tap.stop()


@dataclass
class Contract:
    """One test's view: run the action through Prism, then ask what Prism reported."""

    sim: Simulator
    prism: PrismProcess
    tap: Tap
    tmp_path: Path
    mark: int

    def run(self, env: dict[str, str] | None = None, **inputs: str) -> StepResult:
        given = {"api-key": KEY, "api-url": self.tap.url, "owner": "acme", "function": "whisper"}
        given.update({name.replace("_", "-"): value for name, value in inputs.items()})
        result = run_step(given, self.tmp_path, env=env)
        assert KEY not in result.everything(), "the API key leaked"
        return result

    def reported(self) -> tuple[list[str], list[str]]:
        """What Prism reported since the test began: (tap exchanges with violations,
        complaint lines in Prism's log)."""
        self.prism.sync(KEY)
        return violations_in(self.tap.recorded()), self.prism.complaints(self.mark)

    def check(self) -> list[Exchange]:
        """Assert Prism reported nothing, and that every request passed through Prism
        to the simulator and back unchanged in status; return the exchanges."""
        exchanges, complaints = self.reported()
        assert not exchanges and not complaints, (
            "Prism reported contract violations:\n"
            + "\n".join(exchanges)
            + "\nPrism's log:\n"
            + "\n".join(complaints)
        )
        seen = self.tap.recorded()
        reached = [r for r in self.sim.state.requests if "prism-sync" not in r["path"]]
        assert sorted((e.method, urlsplit(e.path).path, e.status) for e in seen) == sorted(
            (r["method"], r["path"], r.get("response", {}).get("status")) for r in reached
        ), "not every request went through Prism to the simulator and back"
        assert seen, "no request went through Prism"
        return seen


@pytest.fixture
def contract(
    simulator: Simulator, proxy_prism: PrismProcess, proxy_tap: Tap, tmp_path: Path
) -> Contract:
    state = simulator.state
    with state.lock:
        state.functions.clear()
        state.requests.clear()
        state.faults.clear()
        state.jobs.clear()
        state.await_seconds = 2.0
        state.naive_timestamps = False
        state.worker_seconds = 0.0
    state.deploy("acme", "whisper", version_id=VERSION_ID)  # ready, replicas 0..1
    proxy_tap.reset()
    return Contract(simulator, proxy_prism, proxy_tap, tmp_path, proxy_prism.mark())


def edits(sim: Simulator) -> list[object]:
    """The bodies of the version edits sent (not the pushes)."""
    return [json.loads(r["body"]) for r in sim.state.edits() if r["path"].endswith("/edit")]


def test_scale_with_bounds_and_wait_until_ready(contract: Contract) -> None:
    # One build stage per read, so answers mid-build are seen however busy the machine.
    building = contract.sim.state.deploy("acme", "whisper", build_reads=4)
    result = contract.run(min_replicas="1", max_replicas="3", wait="true", poll_interval="0.1")
    assert result.returncode == 0, result.stdout
    out = result.outputs
    assert (out["version-id"], out["build-status"], out["changed"]) == (
        building.id,
        "ready",
        "true",
    )
    assert (out["min-replicas"], out["max-replicas"]) == ("1", "3")
    assert (out["previous-min-replicas"], out["previous-max-replicas"]) == ("0", "1")
    assert out["ready-at"].endswith("Z")
    assert json.loads(out["workers"])["idle"] == 1
    assert edits(contract.sim) == [{"minimum_replicas": 1, "maximum_replicas": 3}]
    exchanges = contract.check()
    assert [e.method for e in exchanges].count("POST") == 1
    statuses = {json.loads(e.body)["build_status"] for e in exchanges}
    assert {"ready"} < statuses  # answers in the middle of the build were checked too


def test_wait_for_warm_replicas(contract: Contract) -> None:
    contract.sim.state.worker_seconds = 0.4
    result = contract.run(
        min_replicas="2", max_replicas="2", wait="true", wait_for="replicas", poll_interval="0.1"
    )
    assert result.returncode == 0, result.stdout
    assert json.loads(result.outputs["workers"])["idle"] == 2
    contract.check()


def test_no_op_rerun(contract: Contract) -> None:
    first = contract.run(min_replicas="2", max_replicas="4")
    second = contract.run(min_replicas="2", max_replicas="4")
    assert (first.returncode, second.returncode) == (0, 0)
    assert (first.outputs["changed"], second.outputs["changed"]) == ("true", "false")
    assert second.errors() == [] and second.warnings() == []
    assert len(edits(contract.sim)) == 1
    assert [e.method for e in contract.check()] == ["GET", "POST", "GET"]


def test_unknown_function_is_a_404(contract: Contract) -> None:
    result = contract.run(function="nope", min_replicas="1")
    assert result.returncode == 1
    [error] = result.errors()
    assert "`acme/nope@latest`" in error and "404" in error
    assert [(e.method, e.status) for e in contract.check()] == [("GET", 404)]


def test_wrong_key_is_a_401(contract: Contract) -> None:
    result = contract.run(api_key="sk-wrong-key-000000000000", min_replicas="1")
    assert result.returncode == 1
    [error] = result.errors()
    assert "rejected the API key (401)" in error
    assert [(e.method, e.status) for e in contract.check()] == [("GET", 401)]


def test_forbidden_edit_is_a_403(contract: Contract) -> None:
    contract.sim.state.functions[("acme", "whisper")].forbidden = True
    result = contract.run(min_replicas="1")
    assert result.returncode == 1
    [error] = result.errors()
    assert "403" in error
    assert [(e.method, e.status) for e in contract.check()] == [("GET", 200), ("POST", 403)]


def test_wait_ends_in_a_build_error(contract: Contract) -> None:
    contract.sim.state.deploy("acme", "whisper", build_seconds=0.3, fails=True)
    result = contract.run(min_replicas="1", wait="true", poll_interval="0.1")
    assert result.returncode == 1
    assert result.outputs["build-status"] == "error"
    contract.check()


def test_fleet_of_three_targets(contract: Contract) -> None:
    state = contract.sim.state
    state.deploy("acme", "speech", build_seconds=0.5)
    state.deploy("acme", "vision")
    targets = "acme/whisper min=1 max=2\nacme/speech@latest min=2 max=4\nacme/vision max=3\n"
    result = contract.run(owner="", function="", targets=targets, wait="true", poll_interval="0.1")
    assert result.returncode == 0, result.stdout
    results = json.loads(result.outputs["results"])
    assert [(r["target"], r["error"], r["changed"]) for r in results] == [
        ("acme/whisper@latest", None, True),
        ("acme/speech@latest", None, True),
        ("acme/vision@latest", None, True),
    ]
    assert [(r["min_replicas"], r["max_replicas"]) for r in results] == [(1, 2), (2, 4), (0, 3)]
    assert sorted(map(json.dumps, edits(contract.sim))) == sorted(
        map(
            json.dumps,
            [
                {"minimum_replicas": 1, "maximum_replicas": 2},
                {"minimum_replicas": 2, "maximum_replicas": 4},
                {"maximum_replicas": 3},
            ],
        )
    )
    assert [e.method for e in contract.check()].count("POST") == 3


def test_dry_run(contract: Contract) -> None:
    result = contract.run(min_replicas="3", max_replicas="5", dry_run="true", wait="true")
    assert result.returncode == 0, result.stdout
    assert result.outputs["changed"] == "true"
    assert (result.outputs["min-replicas"], result.outputs["max-replicas"]) == ("3", "5")
    assert edits(contract.sim) == []
    assert [(e.method, e.status) for e in contract.check()] == [("GET", 200)]


def _edits_answer_422_with_an_empty_detail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every edit answered ``422 {"detail": []}``: a valid ``HTTPValidationError``, and
    one that ``prism mock -d`` generates now and then."""
    real = simulator_module.handle

    def handle(
        state: simulator_module.SimState,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        query: str = "",
    ) -> simulator_module.Answer:
        if method == "POST":
            return 422, {"detail": []}, {}
        return real(state, method, path, headers, body, query)

    monkeypatch.setattr(simulator_module, "handle", handle)


def test_smoke_test_and_cool_down_of_earlier_versions(contract: Contract) -> None:
    state = contract.sim.state
    function = state.functions[("acme", "whisper")]
    newest = function.versions.pop(0)
    earlier = [state.deploy("acme", "whisper", minimum_replicas=m).id for m in (2, 0, 1)]
    function.versions.insert(0, newest)
    result = contract.run(
        min_replicas="1", wait="true", poll_interval="0.1",
        smoke_test='{"text": "hello"}', retire_previous="true",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    assert result.outputs["smoke-test-status"] == "finished"
    assert [r["version_id"] for r in json.loads(result.outputs["retired"])] == [
        earlier[2],
        earlier[0],
    ]
    methods = {(e.method, urlsplit(e.path).path.split("/")[2]) for e in contract.check()}
    assert {("POST", "push"), ("GET", "jobs"), ("GET", "usage"), ("POST", "functions")} <= methods


@pytest.mark.parametrize(("outcome", "code"), [("finished", 0), ("error", 1)])
def test_smoke_test_endings(contract: Contract, outcome: str, code: int) -> None:
    contract.sim.state.functions[("acme", "whisper")].jobs = simulator_module.JobScript(
        outcome, seconds=0.3
    )
    result = contract.run(min_replicas="1", smoke_test='{"text": "hi"}', poll_interval="0.1")
    assert result.returncode == code, result.stdout
    assert result.outputs["smoke-test-status"] == outcome
    contract.check()


def test_smoke_cases_judged_on_outputs_and_time_and_a_failure_sets_the_bounds_back(
    contract: Contract,
) -> None:
    """Issue 15 through Prism: cases (one list inputs, one that expects what the job does
    not answer, one too slow), then the restoring read and edit, all in the contract."""
    contract.sim.state.functions[("acme", "whisper")].jobs = simulator_module.JobScript(
        "finished", seconds=0.3
    )
    cases = [
        {"name": "list inputs", "inputs": [1, 2], "expect": [{"data": "ok"}]},
        {"name": "wrong answer", "inputs": {"text": "hi"}, "expect": [{"data": "hello"}]},
        {"name": "too slow", "inputs": {"text": "hi"}, "max-seconds": 0.1},
    ]
    result = contract.run(
        min_replicas="2", max_replicas="3", smoke_test=json.dumps(cases), poll_interval="0.1"
    )
    assert result.returncode == 1, result.stdout
    assert result.outputs["smoke-test-status"] == "failed"
    passed = [case["passed"] for case in json.loads(result.outputs["smoke-tests"])]
    assert passed == [True, False, False]
    assert result.outputs["restored"] == "true"
    assert edits(contract.sim) == [
        {"minimum_replicas": 2, "maximum_replicas": 3},
        {"minimum_replicas": 0, "maximum_replicas": 1},
    ]
    paths = {urlsplit(e.path).path.split("/")[2] for e in contract.check()}
    assert {"push", "jobs", "usage", "functions"} <= paths


def test_a_dry_run_lists_the_versions_it_would_cool_down(contract: Contract) -> None:
    state = contract.sim.state
    function = state.functions[("acme", "whisper")]
    newest = function.versions.pop(0)
    earlier = state.deploy("acme", "whisper", minimum_replicas=3).id
    function.versions.insert(0, newest)
    result = contract.run(min_replicas="1", retire_previous="true", dry_run="true")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.outputs["retired"]) == [
        {"version_id": earlier, "previous_min_replicas": 3}
    ]
    assert [e.method for e in contract.check()].count("POST") == 0


def test_a_smoke_test_job_that_never_ends_is_cancelled(contract: Contract) -> None:
    contract.sim.state.functions[("acme", "whisper")].jobs = simulator_module.JobScript("never")
    result = contract.run(
        min_replicas="1", smoke_test='{"text": "hello"}', smoke_test_timeout="3",
        poll_interval="0.1",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.outputs["smoke-test-status"] == "cancelled"
    exchanges = contract.check()
    assert ("DELETE", 200) in [(e.method, e.status) for e in exchanges]
    assert ("GET", 408) in [(e.method, e.status) for e in exchanges]  # Sieve's own wait


def test_a_422_with_an_empty_detail_is_in_the_contract_and_fails_the_step(
    contract: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edits_answer_422_with_an_empty_detail(monkeypatch)
    result = contract.run(min_replicas="1")
    assert result.returncode == 1
    [error] = result.errors()
    assert "(422)" in error
    assert [(e.method, e.status) for e in contract.check()] == [("GET", 200), ("POST", 422)]


def test_a_422_with_an_empty_detail_still_says_what_went_wrong(
    contract: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edits_answer_422_with_an_empty_detail(monkeypatch)
    [error] = contract.run(min_replicas="1").errors()
    assert not error.rstrip().endswith(":"), error


# -- proof: the witnesses above do catch violations ------------------------------------


def _edit_url(contract: Contract) -> str:
    return f"{contract.tap.url}/v2/functions/acme/whisper/versions/{VERSION_ID}/edit"


def test_an_invalid_request_is_caught(contract: Contract) -> None:
    answer = httpx.post(
        _edit_url(contract), json={"minimum_replicas": "x"}, headers={"X-API-Key": KEY}
    )
    # --errors: Prism refuses the request itself and never forwards it...
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert contract.sim.state.requests == []
    # ...with the violations in the problem's `validation`, but no sl-violations header.
    assert "sl-violations" not in answer.headers
    [exchange] = contract.tap.recorded()
    assert any(v["location"] == ["body", "minimum_replicas"] for v in exchange.violations)
    flagged, log = contract.reported()
    assert len(flagged) == 1 and "minimum_replicas" in flagged[0]
    assert any("UNPROCESSABLE_ENTITY" in line for line in log), log
    with pytest.raises(AssertionError, match="minimum_replicas"):
        contract.check()


def _naive_timestamps(sim: Simulator) -> None:
    sim.state.naive_timestamps = True  # what Sieve itself writes: no zone suffix


def _wrong_shape(sim: Simulator) -> None:
    sim.state.inject(Fault("wrong_shape"))


@pytest.mark.parametrize(
    ("make_bad", "expected"),
    [
        (_naive_timestamps, 'must match format \\"date-time\\"'),
        (_wrong_shape, "must have required property 'id'"),
    ],
    ids=["naive-timestamps", "wrong-shape"],
)
def test_an_answer_that_breaks_the_schema_is_caught(
    contract: Contract, make_bad: Callable[[Simulator], None], expected: str
) -> None:
    make_bad(contract.sim)
    answer = httpx.get(
        f"{contract.tap.url}/v2/functions/acme/whisper/versions/latest",
        headers={"X-API-Key": KEY},
    )
    # --errors: the simulator's 200 becomes Prism's 500 VIOLATIONS, with the header.
    assert answer.status_code == 500
    assert answer.json()["type"].endswith("#VIOLATIONS")
    assert expected in answer.headers["sl-violations"]
    flagged, log = contract.reported()
    assert len(flagged) == 1 and expected in flagged[0]
    assert any("VIOLATIONS" in line for line in log), log
    with pytest.raises(AssertionError, match="Prism reported contract violations"):
        contract.check()


def test_an_undocumented_status_is_caught_as_a_warning(contract: Contract) -> None:
    contract.sim.state.inject(Fault("status", status=503, retry_after="1"))
    answer = httpx.get(
        f"{contract.tap.url}/v2/functions/acme/whisper/versions/latest",
        headers={"X-API-Key": KEY},
    )
    # Only a warning, so even --errors passes the answer on: the header is the sign.
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "1")
    [violation] = json.loads(answer.headers["sl-violations"])
    assert violation["severity"] == "Warning"
    assert "Unable to match the returned status code" in violation["message"]
    flagged, log = contract.reported()
    assert len(flagged) == 1
    assert any("Violation: response Unable to match" in line for line in log), log
    with pytest.raises(AssertionError, match="Prism reported contract violations"):
        contract.check()


# -- mock: the action against answers Prism makes up -----------------------------------

WAIT = {"wait": "true", "poll-interval": "0.05", "wait-timeout": "1"}
# Example-only responses (404, 401, 400, 403) are answered only when not dynamic.
NOT_FOUND, UNAUTHORIZED = "code=404, dynamic=false", "code=401, dynamic=false"
BAD_VALUES, FORBIDDEN = "code=400, dynamic=false", "code=403, dynamic=false"
INVALID = "code=422"  # HTTPValidationError has a schema: generated
STATIC = "code=200, dynamic=false"  # a Version with every number 0


@dataclass(frozen=True)
class MockCase:
    name: str
    inputs: dict[str, str]
    #: ``Prefer`` for this case's successive requests (None: Prism's default, a 200).
    prefer: tuple[str | None, ...] = ()
    targets: int = 1
    codes: frozenset[int] = frozenset({0, 1, 3})
    #: Text the (every) error must hold.
    says: str | None = None


FAILS = frozenset({1})
BOTH = {"min-replicas": "1", "max-replicas": "2"}
ZEROS = {"min-replicas": "0", "max-replicas": "0"}
#: Fleets: ``{o}`` is the case's owner.
FLEET = "{o}/a min=1 max=2\n{o}/b@latest max=0\n{o}/c"
MINS = "{o}/a min=1\n{o}/b min=2\n{o}/c min=3"
MOCK_CASES = [
    MockCase("read-only", {}),
    MockCase("min-only", {"min-replicas": "1"}),
    MockCase("max-only", {"max-replicas": "5"}),
    MockCase("both-bounds", {"min-replicas": "0", "max-replicas": "3"}),
    MockCase("largest-bounds", {"min-replicas": "7", "max-replicas": "2147483647"}),
    MockCase("dry-run", {"min-replicas": "2", "max-replicas": "2", "dry-run": "true", **WAIT}),
    MockCase("wait-build", {**BOTH, **WAIT}),
    MockCase("wait-build-again", {"min-replicas": "4", "max-replicas": "9", **WAIT}),
    MockCase("wait-replicas", {**BOTH, "wait-for": "replicas", **WAIT}),
    MockCase("wait-no-fail-on-error", {"min-replicas": "1", "fail-on-error": "false", **WAIT}),
    MockCase("wait-read-only", dict(WAIT)),
    MockCase("version-prefix", {"version": "41b83e76", "min-replicas": "1", "max-replicas": "1"}),
    MockCase("fleet-wait", {"targets": FLEET, **WAIT}, targets=3),
    MockCase("fleet-dry-run", {"targets": FLEET, "dry-run": "true"}, targets=3),
    MockCase("fleet-min-only", {"targets": MINS}, targets=3),
    MockCase(
        "fleet-all-404",
        {"targets": MINS},
        prefer=(NOT_FOUND,) * 3,
        targets=3,
        codes=FAILS,
        says="(404",
    ),
    MockCase("get-404", {"min-replicas": "1"}, (NOT_FOUND,), codes=FAILS, says="(404"),
    MockCase("get-401", {"min-replicas": "1"}, (UNAUTHORIZED,), codes=FAILS, says="(401)"),
    MockCase("get-422", {"min-replicas": "1"}, (INVALID,), codes=FAILS, says="(422)"),
    *(
        MockCase(f"edit-{code}", BOTH, (None, prefer), codes=FAILS, says=says)
        for code, prefer, says in [
            (400, BAD_VALUES, "(400)"),
            (401, UNAUTHORIZED, "(401)"),
            (403, FORBIDDEN, "(403"),
            (404, NOT_FOUND, "(404"),
            (422, INVALID, "(422)"),
        ]
    ),
    # The edit's answer must show the bounds asked (or the step fails there, see
    # docs/assumptions.md): Prism's static answer has 0 for both.
    # Made-up jobs never end (their status is any string): the smoke test times out and
    # its job is cancelled. Made-up version lists never hold the target: nothing cooled.
    MockCase(
        "smoke-and-retire",
        {
            **BOTH,
            "smoke-test": '{"x": 1}',
            "smoke-test-timeout": "1",
            "retire-previous": "true",
            "poll-interval": "0.1",
        },
        codes=frozenset({0, 1}),
    ),
    MockCase(
        "wait-then-404",
        {**ZEROS, **WAIT},
        (None, STATIC, None, NOT_FOUND),
        codes=FAILS,
        says="(404",
    ),
    MockCase(
        "wait-then-422",
        {**ZEROS, **WAIT},
        (None, STATIC, INVALID),
        codes=FAILS,
        says="(422)",
    ),
]


@dataclass
class MockRun:
    result: StepResult | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    crash: BaseException | None = None


def _owner(index: int) -> str:
    return f"mock{index:02d}"


@pytest.fixture(scope="module")
def mock_prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismProcess]:
    log = tmp_path_factory.mktemp("prism-mock") / "prism.log"
    prism = PrismProcess(["mock", "-d", str(SPEC)], log).start()
    yield prism
    prism.stop()


@pytest.fixture(scope="module")
def mock_runs(
    mock_prism: PrismProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, MockRun]]:
    """Every case, run at once (each its own owner) through a tap that adds the case's
    ``Prefer`` headers."""
    tap = Tap(mock_prism.url).start()
    owners = {_owner(i): case for i, case in enumerate(MOCK_CASES)}
    counts = dict.fromkeys(owners, 0)
    lock = threading.Lock()

    def prefer(_method: str, path: str) -> str | None:
        parts = urlsplit(path).path.split("/")
        if len(parts) < 4 or parts[2] != "functions":
            return None  # jobs and usage: Prism's default answers
        owner = unquote(parts[3])
        case = owners.get(owner)
        if case is None:
            return None
        with lock:
            n, counts[owner] = counts[owner], counts[owner] + 1
        return case.prefer[n] if n < len(case.prefer) else None

    tap.prefer = prefer

    def run(index: int, case: MockCase) -> MockRun:
        owner = _owner(index)
        inputs = {"api-key": KEY, "api-url": tap.url}
        if "targets" not in case.inputs:
            inputs |= {"owner": owner, "function": "whisper"}
        inputs |= {k: v.replace("{o}", owner) for k, v in case.inputs.items()}
        outcome = MockRun()
        try:
            outcome.result = run_step(inputs, tmp_path_factory.mktemp(case.name), timeout=30)
        except BaseException as crash:  # reported by the case's own test
            outcome.crash = crash
        outcome.exchanges = tap.recorded(f"/v2/functions/{owner}/")
        return outcome

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = {c.name: pool.submit(run, i, c) for i, c in enumerate(MOCK_CASES)}
            yield {name: future.result() for name, future in futures.items()}
    finally:
        tap.stop()


@pytest.mark.parametrize("case", MOCK_CASES, ids=[case.name for case in MOCK_CASES])
def test_generated_answers_end_cleanly(case: MockCase, mock_runs: dict[str, MockRun]) -> None:
    run = mock_runs[case.name]
    if run.crash is not None:
        raise run.crash
    result = run.result
    assert result is not None
    shown = f"exit {result.returncode}\n{result.stdout}\n{result.stderr}\n" + "\n".join(
        map(str, run.exchanges)
    )
    assert result.returncode in case.codes, shown
    for text in (result.stdout, result.stderr, result.summary):
        assert "Traceback" not in text and "failed unexpectedly" not in text, shown
    assert KEY not in result.everything(), "the API key leaked"
    # Outputs parsed by the runner's rules (run_step) and hold what they promise.
    results = json.loads(result.outputs["results"])
    assert isinstance(results, list) and len(results) == case.targets, shown
    if case.targets == 1:
        assert set(OUTPUT_NAMES) <= set(result.outputs), shown
        assert result.outputs["changed"] in {"true", "false"}
        for name in ("version", "workers"):
            if result.outputs[name]:
                json.loads(result.outputs[name])
    # Every error is one ::error line, one per failed target, and says what happened.
    errors = result.errors()
    lines = [line for line in result.stdout.splitlines() if line.lstrip(" ").startswith("::error")]
    assert len(lines) == len(errors), shown
    assert sorted(errors) == sorted(r["error"] for r in results if r["error"]), shown
    assert (result.returncode == 0) == (not errors), shown
    if case.says is not None:
        assert errors and all(case.says in error for error in errors), shown
    # Prism found nothing wrong in the action's requests.
    assert run.exchanges, "no request reached Prism"
    assert not violations_in(run.exchanges), shown


def test_mock_prism_logged_no_violation(
    mock_prism: PrismProcess, mock_runs: dict[str, MockRun]
) -> None:
    assert len(mock_runs) == len(MOCK_CASES)
    mock_prism.sync(KEY)
    assert mock_prism.complaints() == []


def test_a_capacity_schedule_under_a_faked_clock(contract: Contract) -> None:
    # Wednesday 2 December 2026, 10:00 in Berlin: whisper's window holds; diarize's
    # baseline leaves its max as it is.
    contract.sim.state.deploy("acme", "diarize", maximum_replicas=None)
    schedule = (
        "timezone: Europe/Berlin\nfunctions:\n"
        '  acme/whisper: {min: 0, max: 4, windows: [{days: mon-fri, from: "08:00", '
        'to: "20:00", min: 2, max: 8}]}\n'
        "  acme/diarize: {min: 1}\n"
    )
    given = {"api-key": KEY, "api-url": contract.tap.url, "capacity": schedule}
    result = run_step(given, contract.tmp_path, **faked_clock("2026-12-02 09:00:00"))
    assert result.returncode == 0, result.stdout
    assert [
        (r["target"], r["changed"], r["reason"]) for r in json.loads(result.outputs["results"])
    ] == [
        ("acme/whisper@latest", True, "window mon-fri 08:00–20:00"),
        ("acme/diarize@latest", True, "baseline"),
    ]
    assert sorted(map(json.dumps, edits(contract.sim))) == sorted(
        map(json.dumps, [{"minimum_replicas": 2, "maximum_replicas": 8}, {"minimum_replicas": 1}])
    )
    assert [e.method for e in contract.check()].count("POST") == 2
