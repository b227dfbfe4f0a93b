"""The smoke test as a JUnit XML report (GitLab's ``artifacts:reports:junit``, or any CI
that reads JUnit): a ``<testsuite>`` per target that had one, named by the target, and a
``<testcase>`` per case. A failed case carries ``<failure>`` with why it failed (as the
``smoke-tests`` output's ``why``), a case that never ran ``<skipped>``; each says its
job and version in ``<system-out>``. Text is scrubbed before the XML escapes it, and
characters XML cannot hold become U+FFFD. A step without a smoke test writes a report
with no test case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from ..scaling.record import TargetRun
from ..secrets import Secrets
from .results import case_results

#: What XML 1.0 cannot hold, even escaped: control characters, lone surrogates, U+FFFE/F.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _seconds(value: float | None) -> str:
    return f"{value or 0:.3f}"


def junit_xml(runs: Sequence[TargetRun], secrets: Secrets) -> str:
    """The report of every target's smoke test cases."""
    root = ET.Element("testsuites", name="sieve-action smoke test")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    seconds = 0.0
    for run in runs:
        if run.smoke is None:
            continue
        label = _text(secrets.scrub(run.target.label))
        cases: list[dict[str, Any]] = secrets.scrub_json(case_results(run))
        suite = ET.SubElement(root, "testsuite", name=label)
        counts = {"tests": len(cases), "failures": 0, "skipped": 0}
        for case in cases:
            _testcase(suite, label, case, secrets.scrub(run.version_id or "unknown"), counts)
        spent = sum(case["seconds"] or 0 for case in cases)
        suite.attrib.update({key: str(value) for key, value in counts.items()})
        suite.set("time", _seconds(spent))
        for key in totals:
            totals[key] += counts[key]
        seconds += spent
    root.attrib.update({key: str(value) for key, value in totals.items()})
    root.set("time", _seconds(seconds))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(
    suite: ET.Element, label: str, case: dict[str, Any], version_id: str, counts: dict[str, int]
) -> None:
    element = ET.SubElement(
        suite, "testcase", classname=label, name=_text(case["name"]), time=_seconds(case["seconds"])
    )
    if case["job_id"] is None:
        ET.SubElement(element, "skipped", message="not run")
        counts["skipped"] += 1
        return
    if not case["passed"]:
        why = _text(case["why"] or f"it ended `{case['status']}`")
        ET.SubElement(element, "failure", message=why).text = why
        counts["failures"] += 1
    cost = f", cost ${case['cost']:,.4f}" if case["cost"] is not None else ""
    out = f"job {case['job_id']} on version {version_id}: {case['status']}{cost}"
    ET.SubElement(element, "system-out").text = _text(out)
