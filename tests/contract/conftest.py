"""Contract tests: the action and the simulator checked by Prism against Sieve's document."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "contract: runs Prism (Node.js; install with `npm ci --prefix tests/contract`) "
        "against spec/sieve-openapi.json",
    )
