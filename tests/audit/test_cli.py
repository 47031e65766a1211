"""``sysreview audit``: exit codes 0 (no findings), 1 (findings), 2 (bad input); text, JSON and HTML output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from sysreview.cli import _audit
from tests.audit._helpers import EXAMPLES

_APP = typer.Typer()


@_APP.callback()
def _root() -> None:
    """Test shell (the lead wires ``audit`` into the real application)."""


_audit.register(_APP)
_RUNNER = CliRunner()


def _run(*args: str | Path) -> Result:
    return _RUNNER.invoke(_APP, ["audit", *[str(a) for a in args]])


def test_no_findings_exit_0() -> None:
    result = _run(EXAMPLES / "seed000.yaml")
    assert result.exit_code == 0, result.stderr
    assert "No findings" in result.stdout


def test_findings_exit_1_with_json() -> None:
    result = _run(EXAMPLES / "seed001.yaml", "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"claims", "title", "findings", "summary", "skipped"}
    first = payload["findings"][0]
    assert set(first) == {
        "check",
        "subject",
        "quantity",
        "reported",
        "recomputed",
        "tolerance",
        "severity",
        "message",
        "source",
    }
    assert payload["summary"]["findings"] == len(payload["findings"])


def test_check_filter() -> None:
    result = _run(EXAMPLES / "seed001.yaml", "--check", "subgroup_test", "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert [f["check"] for f in payload["findings"]] == ["subgroup_test"]
    assert list(payload["summary"]["comparisons"]) == ["subgroup_test"]


def test_html_and_out_file(tmp_path: Path) -> None:
    out = tmp_path / "report" / "audit.html"
    result = _run(EXAMPLES / "seed001.yaml", "--format", "html", "--out", out)
    assert result.exit_code == 1
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<h1>Audit of Seed 001: autologous cell-based therapies" in page
    assert page.count("<tr class='error'>") == 54
    assert page == result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.yaml"], "error: nope.yaml: no such file"),
        ([EXAMPLES / "seed000.yaml", "--format", "pdf"], "error: unknown format 'pdf'; choose one of text, json, html"),
        ([EXAMPLES / "seed000.yaml", "--check", "grim"], "error: unknown check 'grim'; choose one of ci_sign"),
    ],
)
def test_bad_input_exit_2_one_line(args: list[str | Path], message: str) -> None:
    result = _run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_bad_claims_name_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text("sysreview_claims: 1\nstudies:\n  - id: S1\n    arms: [14, -2]\n", encoding="utf-8")
    result = _run(path)
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: line 4: studies[0].arms[1]: must be a whole number (a count), got '-2'\n"
