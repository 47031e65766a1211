"""The checks are wired so that they bite: a deliberate violation must fail ruff and mypy (STYLE.md, item 10)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:  # a missing tool is a failure, never a skip (STYLE.md, item 10)
        pytest.fail(f"{name} is not installed; `make test` installs it")
    return found


def test_ruff_rejects_an_unused_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n", encoding="utf-8")
    out = subprocess.run(
        [_tool("ruff"), "check", "--config", str(ROOT / "pyproject.toml"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert "F401" in out.stdout


def test_mypy_is_strict_on_the_statistics_core(tmp_path: Path) -> None:
    """An unannotated function in a core module fails mypy (strict), the same function elsewhere does not."""
    bad = tmp_path / "untyped.py"
    bad.write_text('"""An untyped helper."""\n\n\ndef double(x):\n    return 2 * x\n', encoding="utf-8")
    core = ROOT / "src" / "sysreview" / "models" / "_checks.py"
    out = subprocess.run(
        [
            _tool("mypy"),
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--shadow-file",
            str(core),
            str(bad),
            str(core),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert out.returncode == 1, out.stdout
    assert "no-untyped-def" in out.stdout


def test_pytest_turns_warnings_into_errors() -> None:
    import warnings

    with pytest.raises(UserWarning):
        warnings.warn("a stray warning", UserWarning, stacklevel=1)
