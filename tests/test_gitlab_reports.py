"""The CLI's reports for GitLab: the outputs as a dotenv report (``--dotenv``) read by
GitLab's rules, and the smoke cases as a JUnit report (``--junit``), a failed case with
its reason; both written on every ending, the key kept out of both."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sieve_action.contract.inputs import KEY_VARIABLE
from sieve_action.contract.outputs import OUTPUT_NAMES
from sieve_action.report.dotenv import DOTENV_NAMES, MAX_BYTES, MAX_VARIABLES, dotenv
from testkit.simulator import JobScript, Simulator

from .conftest import KEY
from .test_cli import cli

#: How GitLab reads a dotenv report (Ci::ParseDotenvArtifactService): each line is one
#: variable, KEY=VALUE split at the first "=", both stripped; a key of ASCII letters,
#: digits and "_" (Ci::JobVariable).
GITLAB_LINE = re.compile(r"^(.*?)=(.*)$")
GITLAB_KEY = re.compile(r"\A[a-zA-Z0-9_]+\Z")


def read_as_gitlab(text: str) -> dict[str, str]:
    """The variables GitLab takes from a report; fails where GitLab would refuse it."""
    assert len(text.encode()) < MAX_BYTES, "GitLab refuses a report this large"
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = GITLAB_LINE.match(line)
        assert match, f"GitLab refuses the line {line!r}"
        key, value = match[1].strip(), match[2].strip()
        assert GITLAB_KEY.match(key), key
        found[key] = value.replace("$$", "$")  # a receiving job's expansion
    assert len(found) <= MAX_VARIABLES
    return found


def test_every_output_has_a_variable_gitlab_takes() -> None:
    names = list(DOTENV_NAMES.values())
    assert list(DOTENV_NAMES) == list(OUTPUT_NAMES)
    assert all(GITLAB_KEY.match(name) and name.startswith("SIEVE_") for name in names)
    assert len(set(names)) == len(names)
    assert KEY_VARIABLE not in names  # never the key's variable
    assert len(names) <= MAX_VARIABLES  # every output fits GitLab's fewest variables
    assert DOTENV_NAMES["version-id"] == "SIEVE_VERSION_ID"


def test_values_are_written_as_gitlab_reads_them_back() -> None:
    values = {"version-id": "abc", "results": '[{"why": "costs $5 a day"}]', "changed": "true",
              "ready-at": ""}  # fmt: skip
    report = dotenv(values)
    assert report.left_out == ()
    assert report.text.splitlines()[0] == "SIEVE_VERSION_ID=abc"  # in the outputs' order
    assert read_as_gitlab(report.text) == {
        "SIEVE_VERSION_ID": "abc",
        "SIEVE_CHANGED": "true",
        "SIEVE_READY_AT": "",
        "SIEVE_RESULTS": '[{"why": "costs $5 a day"}]',
    }


def test_what_gitlab_cannot_take_is_left_out_and_named() -> None:
    results = "[" + "1," * 1000 + "1]"
    report = dotenv({"version-id": "a\nb", "build-status": " ready", "changed": "true",
                     "version": "x" * MAX_BYTES, "results": results})  # fmt: skip
    # The largest value that does not fit goes; a smaller one that does stays.
    assert read_as_gitlab(report.text) == {"SIEVE_CHANGED": "true", "SIEVE_RESULTS": results}
    assert report.left_out == (
        "SIEVE_VERSION_ID (its value has a line break)",
        "SIEVE_BUILD_STATUS (its value starts or ends with a blank, which GitLab drops)",
        f"SIEVE_VERSION ({MAX_BYTES + 15} bytes: the report must stay under {MAX_BYTES})",
    )


def _two_versions(sim: Simulator) -> None:
    sim.state.functions[("acme", "whisper")].versions.clear()
    sim.state.deploy("acme", "whisper", minimum_replicas=1, maximum_replicas=3)
    sim.state.deploy("acme", "whisper")
    sim.state.functions[("acme", "whisper")].jobs = JobScript(
        outputs=[{"type": "str", "name": "text", "data": "Hello world"}]
    )


CASES = json.dumps(
    [
        {"name": "hello", "inputs": {"audio": "hello.wav"}, "expect": [{"data": "Hello world"}]},
        {"name": "french", "inputs": {"audio": "bonjour.wav"}, "expect": [{"data": "Bonjour"}]},
    ]
)


def test_a_promotion_s_reports(sim: Simulator, tmp_path: Path) -> None:
    _two_versions(sim)
    env, xml = tmp_path / "sieve.env", tmp_path / "junit.xml"
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--min-replicas", "1",
               "--smoke-test", CASES, "--poll-interval", "0.05", "--json",
               "--dotenv", str(env), "--junit", str(xml))  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    [result] = json.loads(proc.stdout)["results"]
    variables = read_as_gitlab(env.read_text())
    assert set(variables) == set(DOTENV_NAMES.values())
    assert variables["SIEVE_VERSION_ID"] == result["version_id"]
    assert variables["SIEVE_SMOKE_TEST_STATUS"] == "failed"
    assert variables["SIEVE_RESTORED"] == "true"  # the raise was set back
    assert json.loads(variables["SIEVE_RESULTS"]) == [result]
    cases = json.loads(variables["SIEVE_SMOKE_TESTS"])
    assert [case["passed"] for case in cases] == [True, False]

    root = ET.fromstring(xml.read_text())
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "2", "1")
    [suite] = root
    assert suite.get("name") == "acme/whisper@latest"
    passed, failed = suite.findall("testcase")
    assert (passed.get("name"), passed.find("failure")) == ("hello", None)
    assert failed.get("name") == "french"
    failure = failed.find("failure")
    assert failure is not None
    assert failure.get("message") == (
        'its outputs do not match `expect`: outputs[0].data: expected "Bonjour", got "Hello world"'
    )
    out = failed.find("system-out")
    assert out is not None and out.text is not None
    assert out.text == (
        f"job {cases[1]['job_id']} on version {result['version_id']}: finished, cost $0.0000"
    )
    assert KEY not in env.read_text() + xml.read_text()


def test_a_refused_step_still_writes_both(sim: Simulator, tmp_path: Path) -> None:
    env, xml = tmp_path / "sieve.env", tmp_path / "junit.xml"
    proc = cli(sim, "--owner", "acme", "--min-replicas", "x", "--dotenv", str(env),
               "--junit", str(xml))  # fmt: skip
    assert proc.returncode == 2
    assert read_as_gitlab(env.read_text()) == {"SIEVE_CHANGED": "false", "SIEVE_RESULTS": "[]"}
    root = ET.fromstring(xml.read_text())
    assert (root.get("tests"), list(root)) == ("0", [])


def test_an_unreadable_file_flag_still_writes_both(sim: Simulator, tmp_path: Path) -> None:
    env = tmp_path / "sieve.env"
    proc = cli(sim, "--targets-file", str(tmp_path / "missing"), "--dotenv", str(env), "--json")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["problems"][0].startswith("--targets-file: cannot read")
    assert read_as_gitlab(env.read_text())["SIEVE_CHANGED"] == "false"


def test_a_report_that_cannot_be_written_fails_the_step(sim: Simulator, tmp_path: Path) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--json",
               "--dotenv", str(tmp_path / "no" / "such" / "dir.env"))  # fmt: skip
    assert proc.returncode == 1
    assert "error: --dotenv: cannot write" in proc.stderr
    assert json.loads(proc.stdout)["exit_code"] == 1  # what it printed agrees


@pytest.mark.parametrize("error", [f"boom \x01\x1b[31m {KEY} \ud800 end", "plain"])
def test_the_junit_report_is_xml_whatever_sieve_said(
    sim: Simulator, tmp_path: Path, error: str
) -> None:
    sim.state.functions[("acme", "whisper")].jobs = JobScript("error", error=error)
    xml = tmp_path / "junit.xml"
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--smoke-test", '{"a": 1}',
               "--poll-interval", "0.05", "--junit", str(xml))  # fmt: skip
    assert proc.returncode == 1
    text = xml.read_text()
    assert KEY not in text
    [case] = ET.fromstring(text).iter("testcase")
    assert case.get("name") == "the smoke test"
    failure = case.find("failure")
    assert failure is not None
    message = failure.get("message") or ""
    assert message.startswith("it ended `error`: ")
    assert message.endswith(" end" if error != "plain" else "plain")


def test_the_key_in_sieve_s_answers_reaches_neither_report(sim: Simulator, tmp_path: Path) -> None:
    """Sieve's answers are scrubbed before either report formats them: the dotenv's `$$`
    escaping and the XML's escaping come after."""
    version = sim.state.functions[("acme", "whisper")].versions[0]
    version.extra = {"note": f"made with {KEY} and $HOME"}
    sim.state.functions[("acme", "whisper")].jobs = JobScript(
        outputs=[{"type": "str", "data": f"<{KEY}> & more"}]
    )
    env, xml = tmp_path / "sieve.env", tmp_path / "junit.xml"
    cases = json.dumps([{"name": "echo", "inputs": {"a": 1}, "expect": [{"data": "x"}]}])
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--smoke-test", cases,
               "--poll-interval", "0.05", "--dotenv", str(env), "--junit", str(xml))  # fmt: skip
    assert proc.returncode == 1
    assert KEY not in env.read_text() + xml.read_text()
    variables = read_as_gitlab(env.read_text())
    assert json.loads(variables["SIEVE_VERSION"])["note"] == "made with *** and $HOME"
    [case] = ET.fromstring(xml.read_text()).iter("testcase")
    failure = case.find("failure")
    assert failure is not None
    assert "***" in (failure.get("message") or "")
