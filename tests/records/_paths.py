"""Where the fixtures of the records tests are."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._golden import shared_dir

FIXTURES = Path(__file__).parent / "fixtures"
BENCHMARKS = shared_dir() / "data" / "benchmarks"


def fixture(name: str) -> Path:
    """A small fixture copied or made for these tests (see fixtures/README.md)."""
    return FIXTURES / name


def benchmark(relative: str) -> Path:
    """A file of ../shared/data/benchmarks; the test fails (not skips) when the shared data is missing."""
    path = BENCHMARKS / relative
    if not path.exists():
        pytest.fail(f"benchmark file missing: {path} (set SYSREVIEW_SHARED to the shared folder)")
    return path
