"""The screenshots of docs/screenshots/: each job summary made by the real step (the
entrypoint, run as GitHub's runner runs it, testkit.runner) against the local Sieve
simulator, written as ``<name>.md`` and rendered as GitHub renders it in headless
Chromium (testkit.browser) as ``<name>.png``; and the sample capacity week as a Mermaid
gantt chart, ``gantt-sample.png``.

Usage: python scripts/screenshots.py [--markdown-only] [NAME ...]
(``--markdown-only`` writes the summaries and needs no browser.)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as scripts/screenshots.py

from testkit.paths import GANTT_SAMPLE, ROOT
from testkit.runner import StepResult, faked_clock, run_step
from testkit.simulator import JobScript, Simulator

KEY = "sk-shots-5e1f0a9b3c7d2e4f6a8b"
FOLDER = ROOT / "docs" / "screenshots"
SPEECH = [{"type": "str", "name": "text", "data": "Hello world"}]


@dataclass(frozen=True)
class Scenario:
    name: str
    #: What it shows, for the README's list.
    title: str
    #: Runs the step in a fresh folder; its result (the summary is what is shown).
    run: Callable[[Path], StepResult]
    #: The exit code the step should end with.
    code: int


def _smoke(expected: str) -> str:
    case = {"name": "hello", "inputs": {"audio": "hello.wav"}, "expect": [{"data": expected}]}
    typed = {
        "name": "answers a string",
        "inputs": {"audio": "long.wav"},
        "expect": [{"type": "str"}],
    }
    return json.dumps([case, typed])


def _deploy(sim: Simulator) -> None:
    """Yesterday's version keeps a warm worker; ``sieve deploy`` has just made a new one,
    which builds for a second and transcribes (a string output)."""
    sim.state.deploy("acme", "whisper", minimum_replicas=1, maximum_replicas=3)
    new = sim.state.deploy("acme", "whisper", build_seconds=1, maximum_replicas=1)
    new.jobs = JobScript("finished", seconds=0.3, outputs=SPEECH)


def _promotion(folder: Path, expected: str) -> StepResult:
    with Simulator(KEY, worker_seconds=1) as sim:
        _deploy(sim)
        inputs = {
            "api-key": KEY,
            "api-url": sim.url,
            "owner": "acme",
            "function": "whisper",
            "min-replicas": "1",
            "max-replicas": "3",
            "wait": "true",
            "wait-for": "replicas",
            "poll-interval": "0.5",
            "smoke-test": _smoke(expected),
            "retire-previous": "true",
        }
        return run_step(inputs, folder)


def deploy_passed(folder: Path) -> StepResult:
    return _promotion(folder, "Hello world")


def smoke_failed(folder: Path) -> StepResult:
    return _promotion(folder, "Hello, world!")


#: Each function's live bounds before the run: most as the schedule has them now, two
#: late (a window and an override not applied yet), one changed by hand.
LIVE = {
    "whisper": (2, 8),
    "diarize": (0, 1),
    "llama": (2, 6),
    "speech": (0, 1),
    "translate": (1, 4),
    "embed": (1, 3),
    "vision": (0, 2),
    "tts": (5, 9),
}
#: Eight functions: office hours, a night batch, weekends, an override, a one-off date.
CAPACITY = """\
timezone: Europe/Berlin
holidays:
  country: DE
  dates: [2026-12-24, 2026-12-31]
functions:
  acme/whisper:
    min: 0
    max: 4
    windows:
      - {days: mon-fri, from: "08:00", to: "20:00", min: 2, max: 8}
      - {days: fri, from: "22:00", to: "06:00", min: 4}
  acme/diarize:
    min: 0
    windows:
      - {days: mon-fri, from: "07:30", to: "19:00", min: 1}
      - {days: 'sat,sun', from: "10:00", to: "16:00", min: 1, max: 2}
  acme/llama:
    min: 1
    max: 2
    windows:
      - {days: daily, from: "06:00", to: "23:00", min: 2, max: 6}
  acme/speech:
    min: 0
    max: 1
    override: {min: 4, max: 12, until: "2026-12-02T18:00"}
  acme/translate:
    min: 0
    max: 2
    windows:
      - {days: mon-fri, from: "09:00", to: "17:00", min: 1, max: 4}
  acme/embed:
    min: 1
    max: 3
  acme/vision:
    min: 0
    max: 2
    windows:
      - {date: 2026-12-31, from: "18:00", to: "24:00", min: 3, max: 6}
  acme/tts:
    min: 0
    max: 2
    windows:
      - {days: mon-fri, from: "08:00", to: "18:00", min: 1, max: 3}
"""


def capacity_plan(folder: Path) -> StepResult:
    """A dry run on Wednesday 2 December 2026 at 10:00 in Berlin: the plan for eight
    functions, nothing sent."""
    with Simulator(KEY) as sim:
        for name, (low, high) in LIVE.items():
            sim.state.deploy("acme", name, minimum_replicas=low, maximum_replicas=high)
        workspace = folder / "workspace"
        workspace.mkdir(parents=True, exist_ok=True)
        (workspace / "sieve-capacity.yml").write_text(CAPACITY, encoding="utf-8")
        inputs = {
            "api-key": KEY,
            "api-url": sim.url,
            "capacity-file": "sieve-capacity.yml",
            "dry-run": "true",
        }
        return run_step(inputs, folder, **faked_clock("2026-12-02 09:00:00"))


#: The pull request's file: whisper warmer in office hours and priced, tts removed, a
#: new function for re-ranking on weekdays.
REVIEWED = (
    CAPACITY.replace(
        '{days: mon-fri, from: "08:00", to: "20:00", min: 2, max: 8}',
        '{days: mon-fri, from: "08:00", to: "20:00", min: 3, max: 8}',
    )
    .replace(
        "functions:\n",
        "prices:\n  compute: {a100: 3.67, l4: 0.82}\n  functions: {acme/tts: 0.82}\nfunctions:\n",
        1,
    )
    .replace("  acme/whisper:\n", "  acme/whisper:\n    compute: a100\n", 1)
    .split("  acme/tts:")[0]
    + """  acme/rerank:
    compute: l4
    min: 0
    windows:
      - {days: mon-fri, from: "09:00", to: "18:00", min: 1, max: 2}
"""
)


def capacity_review(folder: Path) -> StepResult:
    """The review of a pull request that changes the capacity file, on Wednesday 2
    December 2026 at 10:00 in Berlin, without a key, its comment posted."""
    from testkit.github import FakeGitHub, Pull, Token

    with FakeGitHub() as github:
        github.state.tokens["ghs_shots"] = Token("github-actions[bot]")
        github.state.pulls[("acme", "models", 42)] = Pull(42, "4" * 40)
        workspace = folder / "workspace"
        (workspace / "base").mkdir(parents=True, exist_ok=True)
        (workspace / "sieve-capacity.yml").write_text(REVIEWED, encoding="utf-8")
        (workspace / "base" / "sieve-capacity.yml").write_text(CAPACITY, encoding="utf-8")
        event = folder / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 42, "head": {"sha": "4" * 40}}}))
        inputs = {
            "capacity-file": "sieve-capacity.yml",
            "review-base": "base/sieve-capacity.yml",
            "max-weekly-increase": "$500",
            "github-token": "ghs_shots",
        }
        env = {
            "GITHUB_API_URL": github.url,
            "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_WORKFLOW": "Capacity review",
        }
        clock = faked_clock("2026-12-02 09:00:00")
        return run_step(inputs, folder, wrapper=clock["wrapper"], env={**clock["env"], **env})


def refused(folder: Path) -> StepResult:
    """Inputs that break their rules: the step says every one, and sends nothing."""
    with Simulator(KEY) as sim:
        inputs = {
            "api-key": KEY,
            "api-url": sim.url,
            "owner": "acme",
            "function": "whisper@v2",
            "min-replicas": "5",
            "max-replicas": "two",
            "wait-timeout": "forever",
            "smoke-test": '{"inputs": {"audio": "hello.wav"}',
        }
        return run_step(inputs, folder)


SCENARIOS = (
    Scenario("deploy-passed", "after a deploy: scaled, waited, smoke cases passed, earlier "
             "versions retired", deploy_passed, 0),
    Scenario("smoke-failed-restored", "a smoke case failed and the raised bounds were set back",
             smoke_failed, 1),
    Scenario("capacity-plan", "a capacity plan for eight functions (dry run)", capacity_plan, 0),
    Scenario("capacity-review", "the review of a capacity file's change on its pull request",
             capacity_review, 0),
    Scenario("refused-inputs", "a step refused for bad inputs, before any request", refused, 2),
)  # fmt: skip


def summary(scenario: Scenario) -> str:
    """The step's job summary for ``scenario``; RuntimeError if the step ended otherwise
    than it should (then the picture would not be of what it says)."""
    with tempfile.TemporaryDirectory() as folder:
        result = scenario.run(Path(folder))
    if result.returncode != scenario.code:
        raise RuntimeError(
            f"{scenario.name}: the step ended {result.returncode}, not {scenario.code}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown-only", action="store_true", help="no browser, no PNG")
    parser.add_argument("names", nargs="*", help="scenarios (default: all, and the gantt chart)")
    args = parser.parse_args(argv)
    chosen = [s for s in SCENARIOS if not args.names or s.name in args.names]
    FOLDER.mkdir(parents=True, exist_ok=True)
    for scenario in chosen:
        markdown = summary(scenario)
        (FOLDER / f"{scenario.name}.md").write_text(markdown, encoding="utf-8")
        print(f"docs/screenshots/{scenario.name}.md")
    if args.markdown_only:
        return 0
    from testkit.browser import open_browser, screenshot_markdown, screenshot_mermaid

    with open_browser() as browser:
        for scenario in chosen:
            markdown = (FOLDER / f"{scenario.name}.md").read_text(encoding="utf-8")
            errors = screenshot_markdown(markdown, FOLDER / f"{scenario.name}.png", browser=browser)
            if errors:
                raise RuntimeError(f"{scenario.name}: Mermaid failed: {errors}")
            print(f"docs/screenshots/{scenario.name}.png")
        if not args.names or "gantt-sample" in args.names:
            chart = GANTT_SAMPLE.read_text(encoding="utf-8")
            found = screenshot_mermaid(chart, FOLDER / "gantt-sample.png", browser=browser)
            if not found.ok:
                raise RuntimeError(f"gantt-sample: {found}")
            print("docs/screenshots/gantt-sample.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
