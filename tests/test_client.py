"""The Sieve client against a real HTTP server (``pytest-httpserver``): the exact requests,
what each error status becomes, which answers are retried, and how retries are bounded."""

from __future__ import annotations

import email.utils
import io
import json
import re
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import tenacity.nap
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from pytest_httpserver import HTTPServer

from sieve_action.client import (
    USER_AGENT,
    RetriesExhausted,
    RetryPolicy,
    SieveClient,
    SieveError,
    parse_retry_after,
)
from sieve_action.console import REDACTED, Console
from sieve_action.models import EditFunctionVersionRequest

KEY = "sk-client-9d2f6a1c7e3b5a80"
VERSION_ID = "41b83e76-0a13-4d96-b0a0-7cd62c9977c3"
PATH = "/v2/functions/acme/whisper/versions/latest"
VERSION: dict[str, Any] = {
    "id": VERSION_ID,
    "build_status": "ready",
    "queued_at": "2024-12-15T01:41:59.195000",
    "built_at": "2024-12-15T01:43:00.000000",
    "ready_at": "2024-12-15T01:43:10.000000",
    "compute_type": "gpu",
    "python_packages": [],
    "system_packages": [],
    "cuda_version": None,
    "gpu": True,
    "split": 1,
    "minimum_replicas": 0,
    "maximum_replicas": 1,
    "inputs": [],
    "outputs": [],
    "current_workers": {"starting": 0, "setup": 0, "active": 0, "idle": 1, "awaiting_resources": 0},
    "environment_variables": [],
    "function_dependencies": [],
    "a_field_sieve_added_later": {"kept": True},
}
FAST = RetryPolicy(wait_initial=0.01, wait_max=0.02, wait_jitter=0, timeout=5)


@pytest.fixture(autouse=True)
def requests_follow_the_document(httpserver: HTTPServer, openapi: OpenAPI) -> Iterator[None]:
    """Every request the client sent in a test is one Sieve's OpenAPI document allows."""
    yield
    for request, _ in httpserver.log:
        openapi.validate_request(
            MockRequest(
                "https://mango.sievedata.com",
                request.method.lower(),
                request.path,
                headers=dict(request.headers),
                data=request.get_data() or None,
                content_type=request.headers.get("Content-Type", "application/json"),
            )
        )


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[SieveClient]:
    with SieveClient(httpserver.url_for("/").rstrip("/"), KEY, policy=FAST) as sieve:
        yield sieve


def make_client(httpserver: HTTPServer, **policy: Any) -> SieveClient:
    settings = {"wait_initial": 0.01, "wait_max": 0.02, "wait_jitter": 0, "timeout": 5, **policy}
    return SieveClient(httpserver.url_for("/").rstrip("/"), KEY, policy=RetryPolicy(**settings))


def requests_made(httpserver: HTTPServer) -> int:
    return len(httpserver.log)


# --- the requests -----------------------------------------------------------------------


def test_get_version_sends_the_documented_request(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(VERSION)
    version = client.get_version("acme", "whisper", "latest")
    assert version.id == VERSION_ID
    assert (version.minimum_replicas, version.maximum_replicas) == (0, 1)
    assert version.current_workers is not None and version.current_workers.warm == 1
    assert version.model_dump()["a_field_sieve_added_later"] == {"kept": True}
    [(request, _)] = httpserver.log
    assert request.method == "GET"
    assert request.path == PATH
    assert request.query_string == b""
    assert request.headers["X-API-Key"] == KEY
    assert request.headers["User-Agent"].startswith("sieve-action/")
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.get_data() == b""


def test_edit_version_posts_only_the_given_fields(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    path = f"/v2/functions/acme/whisper/versions/{VERSION_ID}/edit"
    httpserver.expect_request(path, method="POST").respond_with_json(
        {**VERSION, "minimum_replicas": 2}
    )
    edited = client.edit_version(
        "acme", "whisper", VERSION_ID, EditFunctionVersionRequest(minimum_replicas=2)
    )
    assert edited.minimum_replicas == 2
    [(request, _)] = httpserver.log
    assert request.method == "POST"
    assert request.path == path
    assert request.headers["X-API-Key"] == KEY
    assert request.headers["User-Agent"].startswith("sieve-action/")
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data()) == {"minimum_replicas": 2}


def test_edit_version_sends_both_fields_when_both_are_given(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    httpserver.expect_request(PATH + "/edit", method="POST").respond_with_json(VERSION)
    edit = EditFunctionVersionRequest(minimum_replicas=1, maximum_replicas=3)
    client.edit_version("acme", "whisper", "latest", edit)
    [(request, _)] = httpserver.log
    assert json.loads(request.get_data()) == {"minimum_replicas": 1, "maximum_replicas": 3}


def test_edit_version_with_only_the_maximum(httpserver: HTTPServer, client: SieveClient) -> None:
    httpserver.expect_request(PATH + "/edit", method="POST").respond_with_json(VERSION)
    client.edit_version("acme", "whisper", "latest", EditFunctionVersionRequest(maximum_replicas=5))
    [(request, _)] = httpserver.log
    assert json.loads(request.get_data()) == {"maximum_replicas": 5}


def _raw_path(owner: str, function: str, version: str) -> bytes:
    seen: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json=VERSION)

    with SieveClient("http://sieve.test", KEY, transport=httpx.MockTransport(answer)) as client:
        client.get_version(owner, function, version)
    [raw] = seen
    return raw


def test_path_parts_are_quoted() -> None:
    # Inputs never let these through; the client must still not change the endpoint.
    assert _raw_path("a/b", "c d", "x?y#z") == b"/v2/functions/a%2Fb/c%20d/versions/x%3Fy%23z"


@pytest.mark.parametrize(
    ("owner", "function", "version"), [("acme", "whisper", ".."), ("a", "..", "latest")]
)
def test_dot_segments_never_change_the_endpoint(owner: str, function: str, version: str) -> None:
    assert _raw_path(owner, function, version).count(b"/") == 6


# --- errors a person fixes: never retried ---------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"detail": "Unauthorized - valid API Key required."}, ["rejected the API key"]),
        (403, {"detail": "Forbidden."}, ["`acme/whisper`", "403", "Forbidden."]),
        (
            404,
            {"detail": "Function version not found."},
            ["`acme/whisper@latest`", "404", "Function version not found."],
        ),
        (400, {"detail": "Invalid values passed."}, ["400", "Invalid values passed."]),
        (
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "minimum_replicas"],
                        "msg": "Input should be greater than or equal to 0",
                        "type": "greater_than_equal",
                    },
                    {
                        "loc": ["body", "maximum_replicas"],
                        "msg": "Input should be a valid integer",
                        "type": "int_type",
                    },
                ]
            },
            [
                "422",
                "minimum_replicas: Input should be greater than or equal to 0",
                "maximum_replicas: Input should be a valid integer",
            ],
        ),
    ],
)
def test_client_errors_are_not_retried_and_say_what_to_do(
    httpserver: HTTPServer,
    client: SieveClient,
    status: int,
    body: dict[str, object],
    expected: list[str],
) -> None:
    httpserver.expect_request(PATH).respond_with_json(body, status=status)
    with pytest.raises(SieveError) as caught:
        client.get_version("acme", "whisper", "latest")
    assert not isinstance(caught.value, RetriesExhausted)
    for fragment in expected:
        assert fragment in str(caught.value)
    assert requests_made(httpserver) == 1


def test_401_does_not_name_the_key(httpserver: HTTPServer, client: SieveClient) -> None:
    httpserver.expect_request(PATH).respond_with_json({"detail": "nope"}, status=401)
    with pytest.raises(SieveError, match="check the secret passed as `api-key`") as caught:
        client.get_version("acme", "whisper", "latest")
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_on_edit_are_not_retried(
    httpserver: HTTPServer, client: SieveClient, status: int
) -> None:
    httpserver.expect_request(PATH + "/edit", method="POST").respond_with_data(
        "plain text", status=status
    )
    with pytest.raises(SieveError):
        client.edit_version(
            "acme", "whisper", "latest", EditFunctionVersionRequest(maximum_replicas=1)
        )
    assert requests_made(httpserver) == 1


def test_a_non_json_error_body_is_quoted_short(httpserver: HTTPServer, client: SieveClient) -> None:
    httpserver.expect_request(PATH).respond_with_data("x" * 1000 + " tail", status=403)
    with pytest.raises(SieveError) as caught:
        client.get_version("acme", "whisper", "latest")
    assert "x" * 200 in str(caught.value) and "tail" not in str(caught.value)


# --- transient failures: retried ------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_until_success(
    httpserver: HTTPServer, client: SieveClient, status: int
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data("busy", status=status)
    httpserver.expect_oneshot_request(PATH).respond_with_data("busy", status=status)
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    assert client.get_version("acme", "whisper", "latest").id == VERSION_ID
    assert requests_made(httpserver) == 3


def test_a_lost_edit_answer_is_retried(httpserver: HTTPServer, client: SieveClient) -> None:
    httpserver.expect_oneshot_request(PATH + "/edit", method="POST").respond_with_data(
        "", status=502
    )
    httpserver.expect_request(PATH + "/edit", method="POST").respond_with_json(VERSION)
    client.edit_version("acme", "whisper", "latest", EditFunctionVersionRequest(minimum_replicas=0))
    assert requests_made(httpserver) == 2
    assert all(json.loads(r.get_data()) == {"minimum_replicas": 0} for r, _ in httpserver.log)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="malformed-json"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[]", id="a-list"),
        pytest.param(b"null", id="null"),
        pytest.param(json.dumps({"id": VERSION_ID}).encode(), id="no-build-status"),
        pytest.param(json.dumps({**VERSION, "minimum_replicas": "many"}).encode(), id="bad-type"),
    ],
)
def test_a_200_whose_body_is_not_a_version_is_retried(
    httpserver: HTTPServer, client: SieveClient, body: bytes
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(body, content_type="application/json")
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    assert client.get_version("acme", "whisper", "latest").id == VERSION_ID
    assert requests_made(httpserver) == 2


def test_retries_exhausted_says_what_how_often_and_how_long(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    with make_client(httpserver, attempts=3) as client, pytest.raises(RetriesExhausted) as caught:
        client.get_version("acme", "whisper", "latest")
    message = str(caught.value)
    assert message.startswith("GET acme/whisper@latest ")
    assert "3 attempts" in message
    assert re.search(r"over \d+\.\d s", message)
    assert "HTTP 503" in message
    assert requests_made(httpserver) == 3


def test_retries_exhausted_on_a_bad_body_names_the_problem(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH + "/edit").respond_with_data(
        b"<html>proxy</html>", content_type="text/html"
    )
    with make_client(httpserver, attempts=2) as client, pytest.raises(RetriesExhausted) as caught:
        client.edit_version(
            "acme", "whisper", "latest", EditFunctionVersionRequest(maximum_replicas=1)
        )
    message = str(caught.value)
    assert message.startswith("POST acme/whisper@latest ")
    assert "2 attempts" in message and "not a Version" in message
    assert requests_made(httpserver) == 2


def test_an_unreachable_api_is_retried_then_reported() -> None:
    policy = RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.02, wait_jitter=0, timeout=5)
    lines: list[str] = []
    with (
        SieveClient("http://127.0.0.1:1", KEY, policy=policy, log=lines.append) as client,
        pytest.raises(RetriesExhausted) as caught,
    ):
        client.get_version("acme", "whisper", "latest")
    assert "2 attempts" in str(caught.value)
    assert "could not connect" in str(caught.value)
    assert "GET acme/whisper@latest: try 2 of 2" in lines


# --- Retry-After -----------------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff sleeps between retries, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", SimpleNamespace(sleep=slept.append))
    return slept


def test_retry_after_replaces_the_backoff(
    httpserver: HTTPServer, client: SieveClient, sleeps: list[float]
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_oneshot_request(PATH).respond_with_data("", status=503)
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    client.get_version("acme", "whisper", "latest")
    assert requests_made(httpserver) == 3
    assert sleeps[0] == 7.0  # what Sieve asked for
    assert sleeps[1] <= FAST.wait_max  # no Retry-After: the policy's backoff


def test_retry_after_above_the_maximum_stops_retrying(
    httpserver: HTTPServer, client: SieveClient, sleeps: list[float]
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        "", status=503, headers={"Retry-After": "120"}
    )
    with pytest.raises(RetriesExhausted) as caught:
        client.get_version("acme", "whisper", "latest")
    message = str(caught.value)
    assert "1 attempt " in message
    assert "Sieve asked to wait 120 s" in message
    assert f"more than the {FAST.max_retry_after:.0f} s" in message
    assert requests_made(httpserver) == 1
    assert sleeps == []


def test_retry_after_as_an_http_date(
    httpserver: HTTPServer, client: SieveClient, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "", status=503, headers={"Retry-After": when}
    )
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    client.get_version("acme", "whisper", "latest")
    assert len(sleeps) == 1 and 15 <= sleeps[0] <= 21


def test_parse_retry_after_seconds() -> None:
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 120 ") == 120.0
    assert parse_retry_after(None) is None


def test_parse_retry_after_http_dates() -> None:
    now = 1_700_000_000.0
    future = email.utils.formatdate(now + 42, usegmt=True)
    past = email.utils.formatdate(now - 3600, usegmt=True)
    assert parse_retry_after(future, now=now) == pytest.approx(42.0)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize(
    "value", ["", "soon", "-5", "1.5", "5s", "Wed, 99 Foo 2015", "Wed, 21 Oct 2015 07:28:00"]
)
def test_parse_retry_after_garbage_is_none(value: str) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize("value", ["²", "³", "¹⁰"])
def test_parse_retry_after_superscript_digits_are_garbage(value: str) -> None:
    assert parse_retry_after(value) is None


def test_a_garbage_retry_after_byte_is_ignored(
    httpserver: HTTPServer, client: SieveClient, sleeps: list[float]
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "", status=503, headers={"Retry-After": "\u00b2"}
    )
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    assert client.get_version("acme", "whisper", "latest").id == VERSION_ID


# --- the shared retry budget --------------------------------------------------------------


def test_the_retry_budget_bounds_retries_across_calls(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    with make_client(httpserver, attempts=5, budget=2) as client:
        with pytest.raises(RetriesExhausted):
            client.get_version("acme", "whisper", "latest")
        assert requests_made(httpserver) == 3  # the first try and the two retries budgeted
        for _ in range(3):
            with pytest.raises(RetriesExhausted):
                client.get_version("acme", "whisper", "latest")
        assert requests_made(httpserver) == 3 + 3  # budget spent: one try each, no retry
    # A fresh client has a fresh budget.
    httpserver.clear_log()
    with make_client(httpserver, attempts=5, budget=1) as client, pytest.raises(RetriesExhausted):
        client.get_version("acme", "whisper", "latest")
    assert requests_made(httpserver) == 2


def test_the_budget_does_not_stop_calls_that_need_no_retry(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data("down", status=503)
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    with make_client(httpserver, budget=1) as client:
        client.get_version("acme", "whisper", "latest")
        client.get_version("acme", "whisper", "latest")
    assert requests_made(httpserver) == 3


def test_the_budget_is_spent_only_on_retries_that_happen(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    with make_client(httpserver, attempts=3, budget=3) as client:
        with pytest.raises(RetriesExhausted):
            client.get_version("acme", "whisper", "latest")
        assert requests_made(httpserver) == 3  # 2 retries of the budget's 3
        with pytest.raises(RetriesExhausted):
            client.get_version("acme", "whisper", "latest")
    assert requests_made(httpserver) == 3 + 2  # the third retry is still there


# --- the key in an error body: scrubbed at the edge ----------------------------------------


def test_a_key_echoed_by_sieve_is_scrubbed_by_the_console(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    httpserver.expect_request(PATH).respond_with_json(
        {"detail": f"key {KEY} has no access"}, status=403
    )
    with pytest.raises(SieveError) as caught:
        client.get_version("acme", "whisper", "latest")
    stream = io.StringIO()
    console = Console(github=False, stream=stream)
    console.mask(KEY)
    console.error(str(caught.value))
    console.info(str(caught.value))
    console.warning(str(caught.value))
    written = stream.getvalue()
    assert KEY not in written
    assert written.count(REDACTED) == 3
    assert "`acme/whisper`" in written


def test_console_scrub_removes_every_registered_secret() -> None:
    console = Console(github=False, stream=io.StringIO())
    assert console.scrub(f"a {KEY} b") == f"a {KEY} b"  # nothing registered yet
    console.mask(KEY)
    console.mask("line-one-secret\nline-two-secret")
    text = f"{KEY}/{KEY} line-one-secret, line-two-secret\nline-one-secret\nline-two-secret"
    scrubbed = console.scrub(text)
    assert KEY not in scrubbed
    assert "line-one-secret" not in scrubbed and "line-two-secret" not in scrubbed
    assert scrubbed.startswith(f"{REDACTED}/{REDACTED} ")


def test_console_scrub_prefers_the_longest_secret() -> None:
    console = Console(github=False, stream=io.StringIO())
    console.mask("abc")
    console.mask("abcdef-long-secret")
    assert console.scrub("x abcdef-long-secret y") == f"x {REDACTED} y"
