"""``sysreview plot …``: the commands write the figure and report bad input in one line (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from sysreview.cli import _plots
from tests.plots._svg import PRISMA_TEMPLATE, ROBVIS, SEED001
from tests.plots.test_prisma import SEED001 as SEED001_COUNTS

_APP = typer.Typer()
_plots.register(_APP)


@_APP.callback()
def _root() -> None:
    """Test application with the plot group only (the lead wires it into sysreview.cli)."""


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(_APP, [str(a) for a in args])


def _bcg(tmp_path: Path) -> Path:
    from tests.plots._svg import BCG_AI, BCG_ALLOC, BCG_BI, BCG_CI, BCG_DI, BCG_STUDY

    path = tmp_path / "bcg.csv"
    lines = ["study,ai,bi,ci,di,alloc"] + [
        f"{s},{a},{b},{c},{d},{g}"
        for s, a, b, c, d, g in zip(BCG_STUDY, BCG_AI, BCG_BI, BCG_CI, BCG_DI, BCG_ALLOC, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_forest_command_writes_the_figure(tmp_path: Path) -> None:
    out = tmp_path / "forest.svg"
    result = _run(
        "plot",
        "forest",
        SEED001,
        "--measure",
        "SMD",
        "--method",
        "DL",
        "--out",
        out,
        "--favours-left",
        "Favours cell therapy",
        "--favours-right",
        "Favours control",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    assert "1 SVF vs NS" in text
    assert "Favours cell therapy" in text
    assert "Overall (RE, DL)" in text
    assert "Mean" in text
    assert "(Exp.)" in text


def test_forest_command_with_subgroups_and_rob(tmp_path: Path) -> None:
    rob = tmp_path / "rob.csv"
    rob.write_text("Study,D1,D2,Overall\nTrial 1,Low,High,High\nTrial 2,Low,Low,Low\n", encoding="utf-8")
    out = tmp_path / "f.png"
    result = _run(
        "plot",
        "forest",
        _bcg(tmp_path),
        "-m",
        "RR",
        "--subgroup",
        "alloc",
        "--rob",
        rob,
        "-o",
        out,
        "--palette",
        "colourblind",
        "--at",
        "0.1,0.5,1,2",
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_funnel_and_sensitivity_commands(tmp_path: Path) -> None:
    data = _bcg(tmp_path)
    for command, extra in (
        ("funnel", ["--trimfill", "--egger"]),
        ("leave-one-out", []),
        ("cumulative", ["--order", "study"]),
        ("baujat", []),
        ("gosh", ["--subsets", "200"]),
        ("radial", []),
        ("labbe", ["--measure", "RR"]),
        ("bubble", ["--mods", "alloc"]),
    ):
        out = tmp_path / f"{command}.svg"
        result = _run("plot", command, data, *(["-m", "RR"] if command != "labbe" else []), *extra, "-o", out)
        assert result.exit_code == 0, f"{command}: {result.output}"
        assert "<svg" in out.read_text(encoding="utf-8")


def test_rob_and_prisma_commands(tmp_path: Path) -> None:
    out = tmp_path / "tl.svg"
    result = _run("plot", "rob", ROBVIS / "data_rob2.csv", "--tool", "rob2", "-o", out)
    assert result.exit_code == 0, result.output
    assert "Study 9" in out.read_text(encoding="utf-8")
    result = _run("plot", "rob", ROBVIS / "data_rob2.csv", "--kind", "summary", "-o", tmp_path / "s.pdf")
    assert result.exit_code == 0, result.output
    counts = tmp_path / "counts.json"
    counts.write_text(json.dumps(SEED001_COUNTS), encoding="utf-8")
    result = _run("plot", "prisma", counts, "-o", tmp_path / "p.svg")
    assert result.exit_code == 0, result.output
    assert "warning: PRISMA counts do not add up: reports excluded for the listed reasons add up to 264" in (
        result.stderr
    )
    result = _run("plot", "prisma", PRISMA_TEMPLATE, "-o", tmp_path / "t.svg")
    assert result.exit_code == 0
    assert "warning" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "f.jpg"], "--out 'f.jpg': the file name must end in .svg, .png or .pdf"),
        (["--out", "f.svg", "--palette", "neon"], "unknown palette 'neon'"),
        (["--out", "f.svg", "--fontsize", "5"], "--fontsize '5' must be a finite number at least 7"),
        (["--out", "f.svg", "--favours-left", "A"], "give both --favours-left and --favours-right"),
        (["--out", "f.svg", "--xlim", "1"], "--xlim '1': give 2 comma-separated numbers"),
    ],
)
def test_bad_options_end_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = _run(
        "plot", "forest", SEED001, "-m", "SMD", *[str(tmp_path / a) if a.startswith("f.") else a for a in args]
    )
    assert result.exit_code == 2
    assert message.replace("f.jpg", str(tmp_path / "f.jpg")) in result.stderr
