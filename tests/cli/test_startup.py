"""The command line starts fast: the command modules import their heavy dependencies inside the commands."""

from __future__ import annotations

import subprocess
import sys


def test_cli_import_leaves_tabular_io_unloaded() -> None:
    # the table reader and openpyxl (≈0.2 s) load only when a command reads a file
    code = (
        "import sys, sysreview.cli; "
        "print(sorted(m for m in ('openpyxl', 'pandas', 'sysreview.tabular') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_help_lists_the_commands() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from sysreview.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    for command in ("effects", "meta", "demo"):
        assert f"  {command} " in proc.stdout
