"""Write copies of examples/*.yml that act can run here, changed as little as possible.

    python ci/act/runnable_examples.py --api-url URL --out DIR examples/*.yml

ci/image/e2e.sh runs each copy under act against the simulator, so an example that
breaks fails the build. Each copy is the example as written, with only these changes
(and each one is printed to stderr):

1. A step that uses the action (``sieve-action/sieve-action@…``) uses ``./`` instead
   (the released copy under test), and its ``api-url`` is URL, unless it passes
   ``${{ inputs.api-url }}`` through (then the workflow's caller sets it, rule 2).
2. A job that calls the shared reusable workflow
   (``…/.github/workflows/reusable-scale.yml@…``) calls the copy in DIR
   (``./.github/workflows/reusable-scale.yml``, as act resolves local reusable
   workflows from the workspace), with ``api-url: URL`` added to its ``with:``.
3. Any other ``uses:`` of a step (a remote action such as ``actions/checkout``, which
   cannot be fetched here) becomes a ``run:`` that says it was skipped.
4. The ``run:`` steps in ``STUBBED`` (they need the real Sieve or PyPI) become a
   ``run:`` that says they were skipped. A listed step that is missing is an error, so
   the list cannot go stale.
5. A job's ``environment`` mapping loses its ``deployment`` key (GitHub's
   ``deployment: false``: the environment's secrets without a deployment record), which
   act's schema does not know yet and refuses the whole workflow for ("Unknown Property
   deployment", nektos/act#6086); act records no deployment either way.

Nothing else changes: names, ids, ``if:``, ``env:``, inputs, triggers and every other
step are as written. The copy is written as YAML (comments dropped), as
``DIR/<example's name>``.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ACTION = re.compile(r"sieve-action/sieve-action@\S+")
REUSABLE = re.compile(r"\S+/\.github/workflows/(?P<file>[\w.-]+\.ya?ml)@\S+")
API_URL_INPUT = "${{ inputs.api-url }}"
#: (example file, step name) -> why the step cannot run here.
STUBBED: dict[tuple[str, str], str] = {
    ("after-deploy.yml", "Install the Sieve CLI"): "installs sievedata from PyPI",
    ("after-deploy.yml", "Deploy"): "deploys to the real Sieve",
}


class _Dumper(yaml.SafeDumper):
    """Writes a string of several lines (a `run:` script) as a `|` block, as written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


class RewriteError(Exception):
    """An example the rules above cannot make runnable."""


def _skip(step: dict[str, Any], why: str) -> dict[str, Any]:
    """STEP as a `run:` step that says it was skipped; name, id, if and env kept."""
    kept: dict[str, Any] = {key: step[key] for key in ("name", "id", "if", "env") if key in step}
    return {**kept, "run": "echo " + shlex.quote(f"[act] skipped: {why}")}


def rewrite(workflow: dict[Any, Any], name: str, api_url: str) -> tuple[dict[Any, Any], list[str]]:
    """The runnable copy of WORKFLOW (the example file NAME), and the changes made."""
    changes: list[str] = []
    stubbed = {step for (file, step) in STUBBED if file == name}
    jobs = workflow.get("jobs")
    if not isinstance(jobs, dict):
        raise RewriteError(f"{name}: no jobs")
    out_jobs: dict[str, Any] = {}
    for job_id, job in jobs.items():
        job = dict(job)
        uses = job.get("uses")
        if isinstance(uses, str):
            match = REUSABLE.fullmatch(uses)
            if not match:
                raise RewriteError(f"{name}: job {job_id} calls {uses}, which no rule covers")
            job["uses"] = f"./.github/workflows/{match['file']}"
            job["with"] = {**(job.get("with") or {}), "api-url": api_url}
            changes.append(f"job {job_id}: uses {job['uses']}, api-url {api_url}")
        environment = job.get("environment")
        if isinstance(environment, dict) and "deployment" in environment:
            job["environment"] = {k: v for k, v in environment.items() if k != "deployment"}
            said = yaml.safe_dump(environment["deployment"]).splitlines()[0]
            changes.append(f"job {job_id}: environment without deployment: {said} (act refuses it)")
        steps = []
        for index, step in enumerate(job.get("steps") or []):
            label = f"job {job_id}, step {step.get('name') or step.get('id') or index + 1}"
            step_uses = step.get("uses")
            if step.get("name") in stubbed:
                stubbed.discard(step["name"])
                why = STUBBED[(name, step["name"])]
                step = _skip(step, why)
                changes.append(f"{label}: skipped ({why})")
            elif isinstance(step_uses, str) and ACTION.fullmatch(step_uses):
                step = {**step, "uses": "./"}
                settings = dict(step.get("with") or {})
                if settings.get("api-url") != API_URL_INPUT:
                    settings["api-url"] = api_url
                    changes.append(f"{label}: uses ./, api-url {api_url}")
                else:
                    changes.append(f"{label}: uses ./ (api-url passed through)")
                step["with"] = settings
            elif isinstance(step_uses, str) and not step_uses.startswith("./"):
                why = f"{step_uses.partition('@')[0]} (remote actions cannot be fetched here)"
                step = _skip(step, why)
                changes.append(f"{label}: skipped {why}")
            steps.append(step)
        if "steps" in job:
            job["steps"] = steps
        out_jobs[job_id] = job
    if stubbed:
        raise RewriteError(f"{name}: no step named {sorted(stubbed)} (update STUBBED)")
    # YAML 1.1 reads the key `on` as True; write it back as `on`.
    copy = {("on" if key is True else key): value for key, value in workflow.items()}
    copy["jobs"] = out_jobs
    return copy, changes


def write_copies(examples: Iterable[Path], api_url: str, out: Path) -> dict[str, list[str]]:
    """Write the runnable copy of each example into OUT; return the changes by name."""
    out.mkdir(parents=True, exist_ok=True)
    done: dict[str, list[str]] = {}
    for path in examples:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(workflow, dict):
            raise RewriteError(f"{path.name}: not a mapping")
        copy, changes = rewrite(workflow, path.name, api_url)
        (out / path.name).write_text(
            yaml.dump(copy, Dumper=_Dumper, sort_keys=False, width=1000), encoding="utf-8"
        )
        done[path.name] = changes
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-url", required=True, help="the simulator's base URL")
    parser.add_argument("--out", type=Path, required=True, help="folder for the copies")
    parser.add_argument("examples", type=Path, nargs="+")
    args = parser.parse_args(argv)
    try:
        done = write_copies(args.examples, args.api_url, args.out)
    except RewriteError as error:
        print(f"runnable_examples: {error}", file=sys.stderr)
        return 1
    for name, changes in done.items():
        for change in changes:
            print(f"{name}: {change}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
