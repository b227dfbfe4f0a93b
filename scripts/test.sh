#!/usr/bin/env bash
# The whole test suite, as CI runs it: a venv from the locked test requirements, then
# lint, types and the tests. Usage: scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements/test.txt
.venv/bin/pip install -q --disable-pip-version-check --no-deps .
# Prism, for the contract tests (tests/contract), and gitlab-ci-local, which runs the
# GitLab component (tests/test_gitlab_component.py), each pinned by its lock file.
npm ci --prefix tests/contract --no-audit --no-fund --loglevel=error
# Mermaid's bundle and GitHub's Markdown style, for the browser tests (tests/browser).
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
# gitlab-ci-local, which runs the GitLab component (tests/test_gitlab_component.py).
npm ci --prefix ci/gitlab --no-audit --no-fund --loglevel=error
# faketime, for the capacity tests that run the entrypoint under a faked clock, and rsync,
# which gitlab-ci-local copies a job's files with (Debian's, when run as root).
scripts/install-debian.sh faketime rsync
# Chromium, for the browser tests (they skip without it, except under CI=true).
scripts/install-browser.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy --strict sieve_action testkit tests scripts bench ci/image/check_image.py ci/act/runnable_examples.py image/collect.py
# On every core (PYTEST_WORKERS=0 runs them in this process).
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" "$@"
