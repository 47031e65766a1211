"""``sysreview records convert`` and ``sysreview records stats``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from sysreview.cli import _records
from sysreview.records import read
from tests.records._paths import benchmark, fixture


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    _records.register(app)
    return app


def test_convert_several_exports_to_one_csv(tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = CliRunner().invoke(
        _app(),
        ["records", "convert", str(benchmark("asreview-demo-data/embase.ris")), str(fixture("PubMed_example.txt")),
         str(fixture("faulty_year.ris")), str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "10 records from 3 file(s) written to" in result.output
    assert "faulty_year.ris: line 3: field 'PY': no year in '10 15' [FieldValueWarning]" in result.output
    records = read(out)
    assert len(records) == 10
    assert records.ids[:2] == ("embase.ris:1", "embase.ris:2")
    assert records.ids[6] == "28441597"
    assert records[-1].get("ris:PY") == ("10 15",)  # the unreadable year travels as a column


def test_convert_with_explicit_format_and_strict_mode(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    ok = CliRunner().invoke(
        _app(), ["records", "convert", str(fixture("PubMed_example.txt")), str(out), "--to", "bibtex"]
    )
    assert ok.exit_code == 0, ok.output
    assert read(out, "bibtex").ids == ("28441597", "30868313", "29967742")
    strict = CliRunner().invoke(_app(), ["records", "convert", "--strict", str(fixture("faulty_year.ris")), str(out)])
    assert strict.exit_code == 2
    assert "error: " in strict.output
    assert "faulty_year.ris: line 3: field 'PY': no year in '10 15'" in strict.output
    missing = CliRunner().invoke(_app(), ["records", "convert", str(fixture("faulty_year.ris"))])
    assert missing.exit_code == 2
    assert "give at least one input file and then the output file" in missing.output


def test_stats_text_and_json() -> None:
    args = ["records", "stats", str(benchmark("asreview-demo-data/embase.ris")), str(fixture("faulty_year.ris"))]
    text = CliRunner().invoke(_app(), args)
    assert text.exit_code == 0, text.output
    assert "records: 7" in text.output
    assert "Embase" in text.output
    as_json = CliRunner().invoke(_app(), [*args, "--json"])
    data = json.loads(as_json.output)
    assert data["n_records"] == 7
    assert data["by_database"] == {"Embase": 6, "(unknown)": 1}
    assert data["issue_list"][0]["field"] == "PY"
    assert data["missing"]["year"] == 1


def test_records_help_is_fast_and_lazy() -> None:
    """The command module imports no reader (nor pandas) until a command runs."""
    code = (
        "import sys, typer; from sysreview.cli import _records; app = typer.Typer(); _records.register(app);"
        "print(','.join(m for m in ('pandas', 'openpyxl', 'sysreview.records') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
