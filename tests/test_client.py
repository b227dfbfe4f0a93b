"""The Sieve client against a real HTTP server (``pytest-httpserver``): the exact requests,
what each error status becomes, which answers are retried, and how retries are bounded."""

from __future__ import annotations

import email.utils
import gzip
import io
import json
import re
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import stamina
import tenacity.nap
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sieve_action.api.client import SieveClient
from sieve_action.api.models import EditFunctionVersionRequest
from sieve_action.api.network import check_environment
from sieve_action.api.policy import USER_AGENT, RetryPolicy
from sieve_action.api.request import log_retry
from sieve_action.api.wire import parse_retry_after
from sieve_action.console import REDACTED, Console
from sieve_action.errors import RetriesExhausted, SieveError, UnusableEnvironment

from .servers import raw_server, self_signed_server, silent, socks5_proxy, trickle

pytestmark = pytest.mark.usefixtures("requests_follow_the_document")

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


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[SieveClient]:
    with SieveClient(
        httpserver.url_for("/").rstrip("/"), KEY, policy=FAST, log=lines.append
    ) as sieve:
        yield sieve


@pytest.fixture(autouse=True)
def retry_log() -> Iterator[list[str]]:
    """The retry lines the stamina hook writes for the clients of a test, installed as the
    action installs it."""
    lines.clear()
    stamina.instrumentation.set_on_retry_hooks([log_retry])
    yield lines
    stamina.instrumentation.set_on_retry_hooks(None)


lines: list[str] = []


def make_client(httpserver: HTTPServer, **policy: Any) -> SieveClient:
    settings = {"wait_initial": 0.01, "wait_max": 0.02, "wait_jitter": 0, "timeout": 5, **policy}
    return SieveClient(
        httpserver.url_for("/").rstrip("/"),
        KEY,
        policy=RetryPolicy(**settings),
        log=lines.append,
    )


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
    assert version.raw is not None
    assert version.raw["a_field_sieve_added_later"] == {"kept": True}
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
    with pytest.raises(
        SieveError, match="check that `api-key` holds a valid Sieve API key"
    ) as caught:
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


def test_an_unreachable_api_is_retried_then_reported(retry_log: list[str]) -> None:
    policy = RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.02, wait_jitter=0, timeout=5)
    with (
        SieveClient("http://127.0.0.1:1", KEY, policy=policy, log=lines.append) as client,
        pytest.raises(RetriesExhausted) as caught,
    ):
        client.get_version("acme", "whisper", "latest")
    assert "2 attempts" in str(caught.value)
    assert "could not connect" in str(caught.value)
    [line] = retry_log
    assert re.fullmatch(
        r"GET acme/whisper@latest: could not connect to 127\.0\.0\.1:1 \(connection refused\); "
        r"try 2 of 2 in 0\.0 s",
        line,
    )


# --- network failures name where they happened, and why (issue 14, point 2) ------------------

ONE_TRY = RetryPolicy(attempts=1, timeout=5, connect_timeout=2)


def _failure(url: str, environ: dict[str, str]) -> str:
    with (
        SieveClient(url, KEY, policy=ONE_TRY, environ=environ) as client,
        pytest.raises(RetriesExhausted) as caught,
    ):
        client.get_version("acme", "whisper", "latest")
    return str(caught.value)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_names_the_host_port_and_reason() -> None:
    port = _free_port()
    message = _failure(f"http://127.0.0.1:{port}", {})
    assert f"could not connect to 127.0.0.1:{port} (connection refused)" in message


def test_an_unknown_host_says_the_name_is_not_known() -> None:
    message = _failure("https://no-such-host.invalid", {})
    assert "no-such-host.invalid:443" in message
    assert "(name not known)" in message or "(name lookup failed" in message


def test_a_dead_socks_proxy_is_named_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()
    proxy = f"socks5://127.0.0.1:{port}"
    monkeypatch.setenv("ALL_PROXY", proxy)  # httpx reads the proxy from the environment
    message = _failure("https://sieve.example", {"ALL_PROXY": proxy})
    assert f"the proxy socks5://127.0.0.1:{port} (from ALL_PROXY)" in message
    assert "(connection refused)" in message


def test_a_dead_https_proxy_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _free_port()
    proxy = f"http://user:pa55-s3cret-word@127.0.0.1:{port}"
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    message = _failure("https://sieve.example", {"HTTPS_PROXY": proxy})
    assert f"the proxy http://127.0.0.1:{port} (from HTTPS_PROXY)" in message
    assert "pa55-s3cret-word" not in message and "user:" not in message


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


# --- retries belong to each request --------------------------------------------------------


def test_every_request_gets_its_own_attempts(httpserver: HTTPServer) -> None:
    """Occasional errors that never come twice in a row never fail a request, however
    many requests the step makes (a long wait, a large fleet)."""
    for _ in range(30):
        httpserver.expect_oneshot_request(PATH).respond_with_data("busy", status=503)
        httpserver.expect_oneshot_request(PATH).respond_with_json(VERSION)
    with make_client(httpserver, attempts=2) as client:
        for _ in range(30):
            assert client.get_version("acme", "whisper", "latest").id == VERSION_ID
    assert requests_made(httpserver) == 60


def test_a_request_that_fails_says_how_many_attempts_it_made_and_how_long(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    with make_client(httpserver, attempts=4, wait_initial=0.05, wait_max=0.05) as client:
        for _ in range(3):  # the third request is told the same truth as the first
            with pytest.raises(RetriesExhausted) as caught:
                client.get_version("acme", "whisper", "latest")
            # The time is what it took, whatever the machine's load: at least the waits.
            took = re.search(r"failed after 4 attempts over (\d+\.\d) s", str(caught.value))
            assert took is not None, str(caught.value)
            assert 0.1 <= float(took[1]) < 30
    assert requests_made(httpserver) == 12


def test_each_retry_is_logged_through_the_stamina_hook(
    httpserver: HTTPServer, client: SieveClient, retry_log: list[str]
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data("busy", status=429)
    httpserver.expect_oneshot_request(PATH).respond_with_data("down", status=503)
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    client.get_version("acme", "whisper", "latest")
    assert [line.split(" in ")[0] for line in retry_log] == [
        "GET acme/whisper@latest: HTTP 429; try 2 of 5",
        "GET acme/whisper@latest: HTTP 503; try 3 of 5",
    ]


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


# --- bounded whatever the server does -----------------------------------------------------


@pytest.mark.parametrize("answer", [trickle, silent], ids=["trickling-body", "no-answer"])
def test_every_request_ends_by_its_deadline_whatever_the_server_does(
    answer: Callable[[socket.socket], None],
) -> None:
    policy = RetryPolicy(timeout=1.0, read_timeout=5.0, wait_initial=0.01, wait_jitter=0)
    with raw_server(answer) as url, SieveClient(url, KEY, policy=policy) as client:
        started = time.monotonic()
        with pytest.raises(RetriesExhausted) as caught:
            client.get_version("acme", "whisper", "latest")
        took = time.monotonic() - started
    # The server would hold it for 30 s; 3 s is the 1 s deadline however busy the machine.
    assert took < 3, f"the request outlived its 1 s deadline by {took - 1:.1f} s"
    assert "no complete answer within the request's deadline (1 s)" in str(caught.value)
    assert "failed after 1 attempt over 1.0 s" in str(caught.value)


def test_a_gzip_bomb_is_refused_without_being_inflated(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b" " * (64 << 20))  # 64 MiB of spaces in about 64 KB
    httpserver.expect_request(PATH).respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json"
    )
    tracemalloc.start()
    try:
        with make_client(httpserver) as client, pytest.raises(SieveError) as caught:
            client.get_version("acme", "whisper", "latest")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "larger than 1024 KiB once decompressed" in str(caught.value)
    assert not isinstance(caught.value, RetriesExhausted)
    # The peak counts the test server's threads too; inflating the body would be 64 MiB+.
    assert peak < 24 << 20, f"{peak >> 20} MiB held while refusing a 64 MiB body"
    assert requests_made(httpserver) == 1


def test_a_gzip_answer_within_the_cap_is_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        gzip.compress(json.dumps(VERSION).encode()),
        headers={"Content-Encoding": "gzip"},
        content_type="application/json",
    )
    with make_client(httpserver) as client:
        assert client.get_version("acme", "whisper", "latest").id == VERSION_ID
    [(request, _)] = httpserver.log
    assert request.headers["Accept-Encoding"] == "gzip"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_plain_answer_over_the_cap_is_refused(httpserver: HTTPServer, declared: bool) -> None:
    big = json.dumps({**VERSION, "padding": "x" * 4096}).encode()

    def chunks() -> Iterator[bytes]:
        yield big

    body = big if declared else chunks()
    httpserver.expect_request(PATH).respond_with_response(
        Response(body, content_type="application/json")
    )
    with make_client(httpserver, max_answer_bytes=4096) as client, pytest.raises(SieveError) as c:
        client.get_version("acme", "whisper", "latest")
    assert "larger than 4 KiB once decompressed" in str(c.value)


def test_an_encoding_that_was_not_asked_for_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        b"\x00", headers={"Content-Encoding": "br"}, content_type="application/json"
    )
    with make_client(httpserver) as client, pytest.raises(SieveError, match="'br'"):
        client.get_version("acme", "whisper", "latest")


def test_a_certificate_that_does_not_verify_is_said_plainly_and_not_retried(
    tmp_path: Path,
) -> None:
    with (
        self_signed_server(tmp_path) as server,
        SieveClient(server.url_for("/").rstrip("/"), KEY, policy=FAST) as client,
    ):
        server.expect_request(PATH).respond_with_json(VERSION)
        with pytest.raises(SieveError) as caught:
            client.get_version("acme", "whisper", "latest")
    message = str(caught.value)
    assert not isinstance(caught.value, RetriesExhausted)
    assert message.startswith("The TLS certificate of localhost could not be verified")
    assert "(self-signed certificate)" in message
    assert "SSL_CERT_FILE" in message and "not retried" in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HTTPS_PROXY", "ftp://proxy.example:21"),
        ("https_proxy", "ftp://proxy.example:21"),
        ("ALL_PROXY", "socks4://proxy.example:1080"),
        ("HTTP_PROXY", "http://proxy.example:notaport"),
        ("all_proxy", "http://:8080"),
    ],
)
def test_an_unusable_proxy_variable_is_named_before_any_request(variable: str, value: str) -> None:
    with pytest.raises(UnusableEnvironment) as caught:
        check_environment({variable: value})
    assert f"variable {variable} " in str(caught.value)
    assert value not in str(caught.value)  # it may hold a proxy password


@pytest.mark.parametrize(
    "value", ["http://proxy:3128", "proxy:3128", "https://u:p@proxy", "socks5://127.0.0.1:1080"]
)
def test_usable_proxy_variables_pass(value: str) -> None:
    check_environment({"HTTPS_PROXY": value, "NO_PROXY": "localhost"})


def test_a_ca_bundle_that_cannot_be_loaded_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("not a certificate\n")
    for value in (str(bundle), str(tmp_path / "missing.pem")):
        monkeypatch.setenv("SSL_CERT_FILE", value)
        with pytest.raises(UnusableEnvironment, match="SSL_CERT_FILE"):
            SieveClient("https://sieve.test", KEY)


def test_a_socks5_proxy_from_the_environment_is_used(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(PATH).respond_with_json(VERSION)
    with socks5_proxy() as (proxy, connections):
        monkeypatch.setenv("ALL_PROXY", proxy)
        check_environment({"ALL_PROXY": proxy})
        with make_client(httpserver) as client:
            assert client.get_version("acme", "whisper", "latest").id == VERSION_ID
    assert connections == [(httpserver.host, httpserver.port)]
