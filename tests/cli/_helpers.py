"""Helpers of the command-line tests: write a golden case's input as a file, run the CLI, read its output."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner, Result

from sysreview.cli import app

_RUNNER = CliRunner()


def write_table(columns: Mapping[str, Sequence[Any]], path: Path) -> Path:
    """Write columns (None = empty cell) as CSV, TSV or XLSX, by the suffix of ``path``."""
    names = list(columns)
    rows = [list(values) for values in zip(*(columns[n] for n in names), strict=True)]
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(names)
        for row in rows:
            sheet.append(row)
        book.save(path)
        return path
    delimiter = "\t" if path.suffix == ".tsv" else ","
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(names)
        # repr() of a float is the shortest text that reads back as the same double
        writer.writerows([["" if v is None else repr(v) if isinstance(v, float) else v for v in row] for row in rows])
    return path


def run(*args: str | Path) -> Result:
    """Run ``sysreview ARGS`` in-process; stdout and stderr are kept apart."""
    return _RUNNER.invoke(app, [str(a) for a in args])


def _no_nan(token: str) -> Any:
    raise AssertionError(f"invalid JSON constant {token}")


def run_json(*args: str | Path) -> dict[str, Any]:
    """Run a command with ``--format json``; it must succeed and print strict JSON (no NaN/Infinity)."""
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr or result.stdout}"
    payload = json.loads(result.stdout, parse_constant=_no_nan)
    assert isinstance(payload, dict)
    return payload


def call_args(call: Mapping[str, Any]) -> list[str]:
    """The command-line options of a golden case's ``call``."""
    args: list[str] = []
    for key in ("measure", "method", "test"):
        if key in call:
            args += [f"--{key}", str(call[key])]
    for column in call.get("mods", []):
        args += ["--mods", column]
    if "subgroup" in call:
        args += ["--subgroup", call["subgroup"]]
    return args


def assert_one_line_error(result: Result, *parts: str) -> str:
    """Exit code 2, nothing on stdout, one line on stderr that starts with 'error: ' and contains ``parts``."""
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.stdout}{result.stderr}"
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    errors = [line for line in lines if not line.startswith("note: ")]
    assert len(errors) == 1, result.stderr
    line = errors[0]
    assert line.startswith("error: "), line
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in line, f"{part!r} not in {line!r}"
    return line
