"""The inputs: every rule of ``parse_inputs``, each error naming its input and rule, the
key never quoted, and a property test that arbitrary text only ever yields InputErrors."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sieve_action.api.client import SieveClient
from sieve_action.contract.checks import parse_inputs
from sieve_action.contract.inputs import INPUT_NAMES, Inputs, spec
from sieve_action.contract.rules import DEFAULT_API_URL, MAX_REPLICAS_VALUE
from sieve_action.contract.targets import Target
from sieve_action.errors import BadInput, InputErrors

KEY = "sk-inputs-3c9e1f7a2b8d4c6e"
VERSION_PREFIX = "41b83e76"
BASE = {"api-key": KEY, "owner": "acme", "function": "whisper"}


def attempt(raw: Mapping[str, str | None]) -> Inputs | InputErrors:
    """``parse_inputs``, its InputErrors returned rather than raised (any other exception
    propagates and fails the test)."""
    try:
        return parse_inputs(raw)
    except InputErrors as errors:
        return errors


def parse(**inputs: str | None) -> Inputs:
    """``parse_inputs`` with the key and a target preset; ``min_replicas`` → ``min-replicas``."""
    raw: dict[str, str | None] = dict(BASE)
    raw.update({name.replace("_", "-"): value for name, value in inputs.items()})
    return parse_inputs(raw)


def errors_of(raw: Mapping[str, str | None]) -> list[BadInput]:
    with pytest.raises(InputErrors) as caught:
        parse_inputs(raw)
    assert caught.value.bad, "InputErrors without any error"
    for error in caught.value.bad:
        assert KEY not in str(error)
    assert KEY not in str(caught.value)
    return caught.value.bad


def only_error(**inputs: str | None) -> BadInput:
    raw: dict[str, str | None] = dict(BASE)
    raw.update({name.replace("_", "-"): value for name, value in inputs.items()})
    [error] = errors_of(raw)
    assert f"`{error.name}`" in str(error), "the message must name the input"
    assert error.rule in str(error)
    return error


# --- defaults -----------------------------------------------------------------------


def test_missing_and_empty_inputs_take_the_defaults() -> None:
    optional = [
        "version",
        "min-replicas",
        "max-replicas",
        "wait",
        "wait-for",
        "wait-timeout",
        "poll-interval",
        "fail-on-error",
        "targets",
        "concurrency",
        "dry-run",
        "api-url",
    ]
    for blank in (None, "", "   ", "\n"):
        inputs = parse(**{name: blank for name in optional})
        assert inputs.version == "latest"
        assert (inputs.min_replicas, inputs.max_replicas) == (None, None)
        assert inputs.wait is False
        assert inputs.wait_for == "build"
        assert (inputs.wait_timeout, inputs.poll_interval) == (900.0, 5.0)
        assert inputs.fail_on_error is True
        assert inputs.dry_run is False
        assert inputs.targets == ()
        assert inputs.concurrency == 8
        assert inputs.api_url == DEFAULT_API_URL
    assert parse().resolved_targets == (Target("acme", "whisper", "latest", None, None),)


def test_values_are_typed_and_trimmed() -> None:
    inputs = parse(
        version=" 41b83e76 ",
        min_replicas=" 1 ",
        max_replicas="3",
        wait="True",
        wait_for="replicas",
        wait_timeout="12.5",
        poll_interval="0.5",
        fail_on_error="FALSE",
        dry_run="true",
        concurrency="64",
        api_url="http://localhost:8080/api/",
    )
    assert inputs.version == "41b83e76"
    assert (inputs.min_replicas, inputs.max_replicas) == (1, 3)
    assert (inputs.wait, inputs.wait_for) == (True, "replicas")
    assert (inputs.wait_timeout, inputs.poll_interval) == (12.5, 0.5)
    assert (inputs.fail_on_error, inputs.dry_run) == (False, True)
    assert inputs.concurrency == 64
    assert inputs.api_url == "http://localhost:8080/api"


# --- replica counts -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "1", "007", str(MAX_REPLICAS_VALUE)])
def test_replica_counts_accept_whole_numbers(value: str) -> None:
    assert parse(min_replicas=value).min_replicas == int(value)
    assert parse(max_replicas=value).max_replicas == int(value)


@pytest.mark.parametrize(
    "value", ["-1", "1.5", "abc", " 1e3", "1e3", "+1", "0x10", "1 000", "½", "٣", "١٠"]
)
@pytest.mark.parametrize("name", ["min-replicas", "max-replicas"])
def test_replica_counts_reject_anything_but_whole_numbers(name: str, value: str) -> None:
    error = only_error(**{name: value})
    assert error.name == name
    assert "whole number" in error.rule


@pytest.mark.parametrize("value", [str(MAX_REPLICAS_VALUE + 1), "99999999999999999999"])
def test_replica_counts_reject_huge_numbers(value: str) -> None:
    error = only_error(min_replicas=value)
    assert error.name == "min-replicas"
    assert f"at most {MAX_REPLICAS_VALUE}" in error.rule


def test_replica_counts_reject_numbers_longer_than_pythons_int_limit() -> None:
    error = only_error(min_replicas="9" * 5000)
    assert error.name == "min-replicas"
    assert f"at most {MAX_REPLICAS_VALUE}" in error.rule


def test_min_above_max_is_an_error_naming_both() -> None:
    error = only_error(min_replicas="3", max_replicas="2")
    assert error.name == "min-replicas"
    assert "max-replicas" in error.rule and "3 > 2" in error.rule
    assert parse(min_replicas="2", max_replicas="2").min_replicas == 2


# --- names and versions ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["acme", "my-org", "a.b", "a_b", "A1", "_x"])
@pytest.mark.parametrize("name", ["owner", "function"])
def test_names_accept_plain_names(name: str, value: str) -> None:
    assert getattr(parse(**{name: value}), name) == value


@pytest.mark.parametrize(
    "value", ["a/b", "..", ".", "a b", "a?b", "%2F", "a%2Fb", "a#b", "a\\b", "-a", "a\nb", "ä"]
)
@pytest.mark.parametrize("name", ["owner", "function"])
def test_names_reject_anything_that_is_not_one_path_segment(name: str, value: str) -> None:
    error = only_error(**{name: value})
    assert error.name == name
    assert "one name" in error.rule


@pytest.mark.parametrize("value", ["latest", "41b83e76-0a13-4d96", "abc", "-"])
def test_version_accepts_latest_and_ids(value: str) -> None:
    assert parse(version=value).version == value


@pytest.mark.parametrize("value", ["../x", "v1.0", "a/b", "a b", "a?b", "%2F", "latest!"])
def test_version_rejects_anything_else(value: str) -> None:
    error = only_error(version=value)
    assert error.name == "version"
    assert "`latest`" in error.rule


def test_owner_and_function_are_required_without_targets() -> None:
    errors = errors_of({"api-key": KEY})
    assert sorted(e.name for e in errors) == ["function", "owner"]
    assert all("required" in e.rule and "targets" in e.rule for e in errors)


# --- booleans, durations, concurrency, wait-for, api-url ----------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
    ],
)
@pytest.mark.parametrize("name", ["wait", "fail-on-error", "dry-run"])
def test_booleans_accept_yaml_booleans(name: str, value: str, expected: bool) -> None:
    assert getattr(parse(**{name: value}), name.replace("-", "_")) is expected


@pytest.mark.parametrize("value", ["yes", "no", "1", "0", "on", "off", "tRUE", "y", "t"])
@pytest.mark.parametrize("name", ["wait", "fail-on-error", "dry-run"])
def test_booleans_reject_everything_else(name: str, value: str) -> None:
    error = only_error(**{name: value})
    assert error.name == name
    assert "YAML boolean" in error.rule


@pytest.mark.parametrize("value", ["0", "-1", "nan", "NaN", "inf", "-inf", "Infinity", "x", "1s"])
@pytest.mark.parametrize("name", ["wait-timeout", "poll-interval"])
def test_durations_reject_non_positive_or_non_finite(name: str, value: str) -> None:
    error = only_error(**{name: value})
    assert error.name == name
    assert "greater than 0" in error.rule


@pytest.mark.parametrize(("value", "seconds"), [("1", 1.0), ("2.5", 2.5), ("3600", 3600.0)])
def test_durations_accept_positive_numbers(value: str, seconds: float) -> None:
    assert parse(wait_timeout=value).wait_timeout == seconds
    assert parse(poll_interval=value).poll_interval == seconds


@pytest.mark.parametrize(
    ("name", "value", "most"),
    [("poll-interval", "1e10", "3600"), ("poll-interval", "3601", "3600"),
     ("wait-timeout", "86401", "86400"), ("wait-timeout", "1e308", "86400")],
)  # fmt: skip
def test_durations_have_sane_upper_bounds(name: str, value: str, most: str) -> None:
    error = only_error(**{name: value})
    assert error.name == name and f"at most {most}" in error.rule


def test_sieve_is_polled_at_most_once_a_second() -> None:
    error = only_error(poll_interval="0.5")
    assert error.name == "poll-interval" and "at least 1 s" in error.rule
    assert parse(poll_interval="1").poll_interval == 1.0


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:9"])
def test_a_loopback_api_url_may_be_polled_faster(url: str) -> None:
    assert parse(poll_interval="0.05", api_url=url).poll_interval == 0.05
    assert only_error(poll_interval="0.01", api_url=url).name == "poll-interval"


def test_plain_http_to_another_machine_is_a_warning_not_an_error() -> None:
    [warning] = parse(api_url="http://sieve.internal:8080", min_replicas="1").warnings()
    assert "unencrypted" in warning and "http://sieve.internal:8080" in warning
    assert parse(api_url="http://127.0.0.1:8080", min_replicas="1").warnings() == []
    assert parse(api_url="https://sieve.internal", min_replicas="1").warnings() == []


@pytest.mark.parametrize(
    "given",
    [{}, {"dry_run": "true"}, {"targets": "acme/a\nacme/b", "owner": "", "function": ""}],
)
def test_a_step_that_can_change_nothing_is_warned_about(given: dict[str, str]) -> None:
    [warning] = parse(**given).warnings()
    assert "changes nothing" in warning and "`min-replicas`" in warning


@pytest.mark.parametrize(
    "given",
    [
        {"min_replicas": "0"},
        {"max_replicas": "3"},
        {"wait": "true"},
        {"retire_previous": "true"},
        {"targets": "acme/a min=0\nacme/b", "owner": "", "function": ""},
        {"smoke_test": '{"x": 1}'},
    ],
)
def test_a_step_that_does_something_is_not_warned_about(given: dict[str, str]) -> None:
    assert parse(**given).warnings() == []


@pytest.mark.parametrize("name", ["owner", "function"])
def test_names_have_a_sane_length(name: str) -> None:
    assert getattr(parse(**{name: "a" * 128}), name) == "a" * 128
    error = only_error(**{name: "a" * 5000})
    assert error.name == name and "at most 128 characters" in error.rule
    assert "a" * 50 not in str(error)


def test_a_version_id_has_a_sane_length() -> None:
    assert parse(version="a" * 128).version == "a" * 128
    assert only_error(version="a" * 129).name == "version"


@pytest.mark.parametrize(
    "targets",
    [
        "acme/a min=1\nacme/b\nacme/a min=2",
        "acme/a\nacme/b\nacme/a@latest",  # the default version is latest
    ],
)
def test_a_target_listed_twice_is_refused_naming_both_lines(targets: str) -> None:
    [error] = errors_of({"api-key": KEY, "targets": targets})
    assert error.name == "targets"
    assert "lines 1 and 3 both name acme/a@latest" in error.rule


def test_the_same_function_at_two_versions_is_two_targets() -> None:
    inputs = parse_inputs({"api-key": KEY, "targets": f"acme/a\nacme/a@{VERSION_PREFIX}"})
    assert len(inputs.resolved_targets) == 2


@pytest.mark.parametrize(
    "name", ["owner", "function", "version", "min-replicas", "wait-timeout", "api-url", "targets"]
)
@pytest.mark.parametrize("where", ["alone", "prefix", "suffix", "cut"])
def test_a_value_holding_the_key_is_never_echoed(name: str, where: str) -> None:
    value = {
        "alone": KEY,
        "prefix": KEY + "/x y",
        "suffix": "x/" + KEY,
        "cut": "x" * 30 + KEY,  # the key straddles where a long value is cut
    }[where]
    raw: dict[str, str | None] = {**BASE, name: value}
    if name == "targets":
        raw.update(owner=None, function=None)
    [error] = errors_of(raw)
    text = str(error)
    assert error.name == name
    assert "holds the API key, which belongs in `api-key` only (value not shown)" in text
    for size in range(8, len(KEY) + 1):  # no part of it either
        assert KEY[:size] not in text and KEY[-size:] not in text


@pytest.mark.parametrize("value", ["1", "8", "64"])
def test_concurrency_accepts_1_to_64(value: str) -> None:
    assert parse(concurrency=value).concurrency == int(value)


@pytest.mark.parametrize("value", ["0", "65", "-1", "1.5", "abc", "1000000"])
def test_concurrency_rejects_values_outside_1_to_64(value: str) -> None:
    error = only_error(concurrency=value)
    assert error.name == "concurrency"
    assert "1 to 64" in error.rule


@pytest.mark.parametrize("value", ["both", "Build", "ready", "replica"])
def test_wait_for_is_build_or_replicas(value: str) -> None:
    error = only_error(wait_for=value)
    assert error.name == "wait-for"
    assert "build, replicas" in error.rule


def test_wait_for_replicas_needs_wait_true() -> None:
    error = only_error(wait_for="replicas")
    assert error.name == "wait-for"
    assert "`wait`" in error.rule
    assert parse(wait_for="replicas", wait="true").wait_for == "replicas"


@pytest.mark.parametrize(
    "value",
    [
        "ftp://x",
        "mango.sievedata.com",
        "http://",
        "https://",
        "http://h/?q=1",
        "http://h/#top",
        "http://user:pw@h",
        "http://h /x",
        "file:///etc/passwd",
        "http://h:99999",
        "http://h:port",
    ],
)
def test_api_url_rejects_anything_but_http_with_a_host(value: str) -> None:
    error = only_error(api_url=value)
    assert error.name == "api-url"
    assert "URL" in error.rule or "port" in error.rule


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://mango.sievedata.com", "https://mango.sievedata.com"),
        ("https://mango.sievedata.com/", "https://mango.sievedata.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://proxy.example/sieve/", "https://proxy.example/sieve"),
    ],
)
def test_api_url_accepts_http_urls(value: str, expected: str) -> None:
    assert parse(api_url=value).api_url == expected


def _requested_url(api_url: str) -> httpx.URL:
    """The URL a client built from an accepted ``api-url`` really asks for."""
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"id": "v1", "build_status": "ready"})

    with SieveClient(api_url, KEY, transport=httpx.MockTransport(answer)) as client:
        client.get_version("acme", "whisper", "latest")
    [url] = seen
    return url


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("http://h/?", id="empty-query"),
        pytest.param("http://h?", id="empty-query-no-slash"),
        pytest.param("http://h/\x00", id="nul-in-path"),
        pytest.param("http://\x01", id="control-host"),
        pytest.param("http://☃.com", id="non-idna-host"),
        pytest.param("http://xn--zz.com", id="bad-a-label"),
    ],
)
def test_an_accepted_api_url_always_addresses_the_api_path(value: str) -> None:
    outcome = attempt({**BASE, "api-url": value})
    if isinstance(outcome, InputErrors):
        assert [e.name for e in outcome.bad] == ["api-url"]
        return
    url = _requested_url(outcome.api_url)
    assert url.path.endswith("/v2/functions/acme/whisper/versions/latest")
    assert url.query == b""


@pytest.mark.parametrize(
    "value", ["https://mango.sievedata.com", "http://127.0.0.1:8080/", "https://p.example/sieve"]
)
def test_good_api_urls_address_the_api_path(value: str) -> None:
    url = _requested_url(parse(api_url=value).api_url)
    assert url.path.endswith("/v2/functions/acme/whisper/versions/latest")
    assert url.query == b""


# --- the API key ------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_empty_api_key_explains_secrets_and_forks(blank: str | None) -> None:
    [error] = errors_of({"api-key": blank, "owner": "acme", "function": "whisper"})
    assert error.name == "api-key"
    assert "SIEVE_API_KEY" in error.rule
    assert "fork" in error.rule


@pytest.mark.parametrize(
    "key", [KEY + "\n", KEY + "\r\nsecond", " " + KEY, KEY + " ", KEY + "\0", KEY + "\nx"]
)
def test_a_malformed_key_is_an_error_that_never_quotes_it(key: str) -> None:
    [error] = errors_of({"api-key": key, "owner": "acme", "function": "whisper"})
    assert error.name == "api-key"
    assert "one line of printable ASCII" in error.rule


def test_no_error_ever_quotes_the_key() -> None:
    raw = {name: "\x00bad value" for name in INPUT_NAMES}
    raw["api-key"] = KEY
    errors = errors_of(raw)
    assert {"owner", "function", "version", "wait", "api-url"} <= {e.name for e in errors}
    assert parse().api_key == KEY
    assert KEY not in repr(parse())


# --- targets ----------------------------------------------------------------------------


def test_targets_lines_with_defaults_overrides_comments_and_blank_lines() -> None:
    targets = "\n".join(
        [
            "# the night shift",
            "",
            "acme/whisper",
            "   acme/llama@41b83e76 min=2 max=5   ",
            "  # indented comment",
            "acme/tts max=1",
            "acme/ocr min=0",
            "\t",
        ]
    )
    inputs = parse_inputs(
        {
            "api-key": KEY,
            "targets": targets,
            "version": "abc123",
            "min-replicas": "1",
            "max-replicas": "3",
        }
    )
    assert [line.line for line in inputs.targets] == [3, 4, 6, 7]
    assert inputs.resolved_targets == (
        Target("acme", "whisper", "abc123", 1, 3, line=3),
        Target("acme", "llama", "41b83e76", 2, 5, line=4),
        Target("acme", "tts", "abc123", 1, 1, line=6),
        Target("acme", "ocr", "abc123", 0, 3, line=7),
    )


def test_targets_without_version_input_default_to_latest() -> None:
    inputs = parse_inputs({"api-key": KEY, "targets": "acme/a\r\nacme/b@latest\r\n"})
    assert [t.label for t in inputs.resolved_targets] == ["acme/a@latest", "acme/b@latest"]
    assert [(t.min_replicas, t.max_replicas) for t in inputs.resolved_targets] == [
        (None, None),
        (None, None),
    ]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("acme", "owner/function"),
        ("acme/", "owner/function"),
        ("/whisper", "owner/function"),
        ("acme/whisper/x", "owner/function"),
        ("acme/whisper@", "owner/function"),
        ("acme/..", "one name"),
        ("acme/a?b", "one name"),
        ("acme/whisper@v1.0", "`latest`"),
        ("acme/whisper@../x", "`latest`"),
        ("acme/whisper min", "min=N"),
        ("acme/whisper mn=1", "min=N"),
        ("acme/whisper min=", "number"),
        ("acme/whisper min=-1", "whole number"),
        ("acme/whisper max=1.5", "whole number"),
        (f"acme/whisper max={MAX_REPLICAS_VALUE + 1}", "at most"),
        ("acme/whisper min=1 min=2", "twice"),
        ("acme/whisper # comment", "min=N"),
    ],
)
def test_a_malformed_targets_line_is_an_error_naming_its_line(line: str, fragment: str) -> None:
    targets = f"# header\n\nacme/ok\n{line}\nacme/fine"
    [error] = errors_of({"api-key": KEY, "targets": targets})
    assert error.name == "targets"
    assert "line 4" in error.rule
    assert fragment in error.rule


def test_a_targets_line_with_an_enormous_count_names_its_line() -> None:
    [error] = errors_of({"api-key": KEY, "targets": "acme/ok\nacme/x min=" + "9" * 5000})
    assert error.name == "targets"
    assert "line 2" in error.rule and "at most" in error.rule


def test_targets_min_above_max_names_the_line() -> None:
    [error] = errors_of({"api-key": KEY, "targets": "acme/a\nacme/b min=4", "max-replicas": "3"})
    assert error.name == "targets"
    assert "line 2" in error.rule and "acme/b@latest" in error.rule


@pytest.mark.parametrize("given_too", ["owner", "function"])
def test_targets_exclude_owner_and_function(given_too: str) -> None:
    [error] = errors_of({"api-key": KEY, "targets": "acme/a", given_too: "acme"})
    assert error.name == "targets"
    assert f"`{given_too}`" in error.rule


def test_targets_holding_only_comments_says_it_lists_no_function() -> None:
    """Not "owner is required…": targets was given, and lists nothing (issue 14, point 5)."""
    [error] = errors_of({"api-key": KEY, "targets": "# nothing yet\n\n  # later\n"})
    assert error.name == "targets"
    assert "lists no function" in error.rule


def test_every_bad_input_is_reported_in_one_pass() -> None:
    errors = errors_of(
        {**BASE, "min-replicas": "x", "wait": "yes", "concurrency": "0", "api-url": "ftp://x"}
    )
    assert sorted(e.name for e in errors) == ["api-url", "concurrency", "min-replicas", "wait"]


# --- property: arbitrary text -------------------------------------------------------------

#: Each input's examples and near misses, from its declaration (inputs.spec()).
_PLAUSIBLE: dict[str, list[str]] = {
    item.name: [*item.examples, *item.near_misses] or [KEY] for item in spec()
}


def _value(name: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.text(), st.sampled_from(_PLAUSIBLE[name]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: _value(name) for name in INPUT_NAMES}))
def test_arbitrary_text_only_ever_gives_input_errors_naming_real_inputs(
    raw: dict[str, str | None],
) -> None:
    inputs = attempt(raw)
    if isinstance(inputs, InputErrors):
        assert inputs.bad
        for error in inputs.bad:
            assert error.name in INPUT_NAMES
            assert str(error).startswith(f"Input `{error.name}` ")
            assert error.rule
        return
    # Accepted: the typed values keep the rules.
    for target in inputs.resolved_targets:
        low, high = target.min_replicas, target.max_replicas
        assert low is None or 0 <= low <= MAX_REPLICAS_VALUE
        assert low is None or high is None or low <= high
        assert "/" not in target.owner + target.function + target.version
    assert 1 <= inputs.concurrency <= 64
    assert inputs.wait_timeout > 0 and inputs.poll_interval > 0


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=20, max_size=40),
    st.fixed_dictionaries({name: st.text() for name in INPUT_NAMES if name != "api-key"}),
)
def test_arbitrary_inputs_never_put_the_key_in_an_error(key: str, raw: dict[str, str]) -> None:
    assume(not any(key in value for value in raw.values()))
    outcome = attempt({**raw, "api-key": key})
    if isinstance(outcome, InputErrors):
        assert key not in str(outcome)
        assert all(key not in str(e) for e in outcome.bad)
    else:
        assert outcome.api_key == key


def test_the_key_is_not_in_the_inputs_repr() -> None:
    inputs = parse_inputs({"api-key": KEY, "owner": "acme", "function": "whisper"})
    assert inputs.api_key == KEY
    assert KEY not in repr(inputs) and "api_key" not in repr(inputs)
    assert "owner='acme'" in repr(inputs)
