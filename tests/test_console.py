"""Workflow commands in the canonical form every runner reads, and the key scrubbed."""

from __future__ import annotations

import pytest

from sieve_action.console import Console, workflow_command
from testkit.runner import parse_commands


def test_commands_without_properties_have_no_space_before_the_closing_colons() -> None:
    assert workflow_command("add-mask", "sk-1") == "::add-mask::sk-1"
    assert workflow_command("group", "Scaling a/b") == "::group::Scaling a/b"
    assert workflow_command("endgroup") == "::endgroup::"


def test_properties_and_message_are_escaped_by_the_runner_s_rules() -> None:
    line = workflow_command("error", "50%\r\ndone", title="a:b,c")
    assert line == "::error title=a%3Ab%2Cc::50%25%0D%0Adone"
    (command,) = parse_commands(line)
    assert (command.name, command.properties, command.message) == (
        "error",
        {"title": "a:b,c"},
        "50%\r\ndone",
    )


def test_the_test_parser_refuses_the_form_act_ignores() -> None:
    with pytest.raises(ValueError, match="canonical"):
        parse_commands("::add-mask ::sk-1")


def test_everything_a_console_prints_under_github_is_canonical(
    capsys: pytest.CaptureFixture[str],
) -> None:
    console = Console(github=True)
    console.mask("sk-secret-1")
    with console.group("Scaling sk-secret-1"):
        console.info("::not a command sk-secret-1")
        console.warning("careful")
    console.error("broke", title="sieve-action: a/b")
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "::add-mask::sk-secret-1"
    names = [c.name for c in parse_commands(out)]
    assert names == ["add-mask", "group", "warning", "endgroup", "error"]
    assert "sk-secret-1" not in out.split("\n", 1)[1]
    assert "» ::not a command ***" in out


def test_commands_are_read_at_the_runners_line_breaks_only() -> None:
    # The runner splits output at LF, CR and CRLF; a file separator from Sieve's text is
    # inside a message, and can never start a command of its own.
    stdout = "::warning::status build\x1c::error::forged\n::group::x\r\n::endgroup::\n"
    assert [(c.name, c.message) for c in parse_commands(stdout)] == [
        ("warning", "status build\x1c::error::forged"),
        ("group", "x"),
        ("endgroup", ""),
    ]


def test_a_group_with_nothing_in_it_leaves_no_trace(capsys: pytest.CaptureFixture[str]) -> None:
    console = Console(github=True)
    with console.group("Scaling acme/whisper@latest"):
        pass
    with console.group("Scaling acme/llama@latest"):
        console.warning("inside")
    assert [(c.name, c.message) for c in parse_commands(capsys.readouterr().out)] == [
        ("group", "Scaling acme/llama@latest"),
        ("warning", "inside"),
        ("endgroup", ""),
    ]
