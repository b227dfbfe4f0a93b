"""Shared fixtures: a simulator whose every exchange is checked against Sieve's OpenAPI
document, and a way to run the action as GitHub's runner does."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import settings
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from pytest_httpserver import HTTPServer

from testkit.browser import Chromium, missing, open_browser
from testkit.github import GITHUB_SPEC, FakeGitHub
from testkit.paths import SPEC
from testkit.runner import StepResult, run_step
from testkit.simulator import Simulator

# Property tests draw afresh on every run and keep nothing between runs: a failure is
# reported with its example and a blob to reproduce it (@reproduce_failure), never replayed
# from .hypothesis/ by the next run, so each run of the suite passes or fails on its own.
settings.register_profile("suite", database=None, print_blob=True)
settings.load_profile("suite")

#: Long enough that finding it in text means a leak, not a coincidence.
KEY = "sk-test-7f3a9c2e5b1d4e8fa0c6"
VERSION_ID = "41b83e76-0a13-4d96-b0a0-7cd62c9977c3"


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC))


def check_exchanges(openapi: OpenAPI, sim: Simulator) -> int:
    """Validate every request the action sent, and the simulator's answer, against the
    document; return how many were checked."""
    checked = 0
    for entry in sim.state.requests:
        headers = (
            {"X-API-Key": "redacted", **entry["headers"]} if entry["key_sent"] else entry["headers"]
        )
        request = MockRequest(
            "https://mango.sievedata.com",
            entry["method"].lower(),
            entry["path"],
            args=dict(parse_qsl(entry["query"])),
            headers=headers,
            data=entry["body"].encode() or None,
            content_type=entry["headers"].get("content-type", "application/json"),
        )
        openapi.validate_request(request)
        response = entry.get("response")
        if response is not None and response["status"] == 200 and response["body"]:
            openapi.validate_response(
                request,
                MockResponse(
                    response["body"].encode(), status_code=200, content_type="application/json"
                ),
            )
        checked += 1
    return checked


@pytest.fixture(scope="session")
def browser() -> Iterator[Chromium]:
    """One headless Chromium for the session's browser tests (each draws in a tab of its
    own). Skipped when Chromium or tests/browser/node_modules is missing, except under
    ``CI=true``, where that fails: scripts/test.sh installs both."""
    why = missing()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests cannot run under CI: {why}")
        pytest.skip(why)
    with open_browser() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def github_description() -> OpenAPI:
    return OpenAPI.from_file_path(str(GITHUB_SPEC))


@pytest.fixture
def github(github_description: OpenAPI) -> Iterator[FakeGitHub]:
    """The fake GitHub; afterwards every request it got is checked against GitHub's own
    description of its API."""
    with FakeGitHub() as fake:
        yield fake
    for entry in fake.state.requests:
        url = httpx.URL(entry["path"] + ("?" + entry["query"] if entry["query"] else ""))
        request = MockRequest(
            "https://api.github.com",
            entry["method"].lower(),
            url.path,
            args=dict(url.params),
            headers=entry["headers"],
            data=entry["body"].encode() or None,
            content_type="application/json",
        )
        github_description.validate_request(request)


@pytest.fixture
def requests_follow_the_document(httpserver: HTTPServer, openapi: OpenAPI) -> Iterator[None]:
    """Every request a test sent to ``httpserver`` is one Sieve's OpenAPI document allows
    (modules that talk to pytest-httpserver use it on every test)."""
    yield
    for request, _ in httpserver.log:
        openapi.validate_request(
            MockRequest(
                "https://mango.sievedata.com",
                request.method.lower(),
                request.path,
                headers=dict(request.headers),
                args=request.args,
                data=request.get_data() or None,
                content_type=request.headers.get("Content-Type", "application/json"),
            )
        )


@pytest.fixture
def sim(openapi: OpenAPI) -> Iterator[Simulator]:
    """A simulator with ``acme/whisper``: one ready version, replicas 0..1."""
    with Simulator(KEY) as simulator:
        simulator.state.deploy("acme", "whisper", version_id=VERSION_ID)
        yield simulator
    check_exchanges(openapi, simulator)


Step = Callable[..., StepResult]


@pytest.fixture
def step(sim: Simulator, tmp_path: Path) -> Step:
    """Run the action against ``sim`` with the key and owner/function preset."""

    def run(env: dict[str, str] | None = None, **inputs: str) -> StepResult:
        given = {"api-key": KEY, "api-url": sim.url, "owner": "acme", "function": "whisper"}
        given.update({name.replace("_", "-"): value for name, value in inputs.items()})
        result = run_step({k: v for k, v in given.items() if v is not None}, tmp_path, env=env)
        assert KEY not in result.everything(), "the API key leaked"
        return result

    return run


def edits(sim: Simulator) -> list[dict[str, object]]:
    return [json.loads(r["body"]) for r in sim.state.edits()]
