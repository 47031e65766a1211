"""``sysreview screen DIR --reviewer NAME`` (short for ``screen run``) with the active-learning ranker, next to ``screen
run``, ``screen status`` and ``screen simulate``; and ``sysreview dedup DIR`` on a project folder. SQLite and
PostgreSQL where the store is involved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from sysreview.cli import _dedup, _project, _screening
from sysreview.project import GroupInput, Project, ScreeningSession
from sysreview.screening import default_ranker
from tests.project._helpers import store_with, write_ris
from tests.project.conftest import Databases

RUNNER = CliRunner()

RECORDS = [
    ("r1", "Stromal vascular fraction for atrophic acne scars"),
    ("r2", "Keloid scars after cardiac surgery"),
    ("r3", "Microneedling of surgical scars: a case series"),
    ("r4", "Fat grafting for atrophic acne scars: a split-face trial"),
    ("r5", "Pulsed dye laser for burn scars in children"),
    ("r6", "Adipose-derived stem cells for atrophic acne scars"),
]


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None)
    _dedup.register(app)
    _screening.register(app)
    _project.register(app)
    return app


def run(*args: object, input: str | None = None) -> Result:
    return RUNNER.invoke(_app(), [str(a) for a in args], input=input)


def ok(*args: object, input: str | None = None) -> Result:
    result = run(*args, input=input)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def _project_with_records(tmp_path: Path, databases: Databases | None = None) -> Path:
    folder = tmp_path / "review"
    args: list[object] = ["init", folder, "--title", "Cell therapy for acne scars", "-r", "A", "-r", "B"]
    if databases is not None and databases.kind == "postgresql":
        args += ["--db", databases.url()]
    ok(*args)
    write_ris(tmp_path / "pubmed.ris", RECORDS)
    ok("import", folder, tmp_path / "pubmed.ris", "--source", "PubMed")
    return folder


@pytest.mark.usefixtures("pg_password")
def test_screen_dir_is_screen_run_with_the_active_learning_order(tmp_path: Path, databases: Databases) -> None:
    folder = _project_with_records(tmp_path, databases)
    # nothing included: file order (r1 first); include r1, then the records most like it come first
    result = ok("screen", folder, "--reviewer", "A", input="iq")
    assert "model (file order (nothing included yet)): no estimate yet" in result.output
    assert "model (similarity to the included records)" in result.output
    assert "1 decision(s) recorded by A at title/abstract" in result.output
    with Project.open(folder) as project:
        session = ScreeningSession(project.store, reviewer="A", stage="title_abstract", ranker=default_ranker())
        assert set(session.queue[:2]) == {"r4", "r6"}  # the other atrophic acne scar records
    # options before the folder, and the long form, still work
    result = ok("screen", "--reviewer", "A", folder, "--order", "file", input="eq")
    with Project.open(folder) as project:
        assert [(d.record, d.label) for d in project.store.decisions()] == [("r1", "include"), ("r2", "exclude")]
    result = ok("screen", "run", folder, "-r", "A", input="q")
    assert "model (svm (active learning))" in result.output  # one include and one exclude: the model ranks
    status = json.loads(ok("screen", "status", folder, "--format", "json").output)
    assert status["stages"]["title_abstract"]["eligible"] == 6


@pytest.mark.usefixtures("pg_password")
def test_the_loop_shows_the_models_estimate_once_it_can_calibrate(tmp_path: Path, databases: Databases) -> None:
    folder = _project_with_records(tmp_path, databases)
    with Project.open(folder) as project:
        for key, label in (("r1", "include"), ("r4", "include"), ("r2", "exclude"), ("r5", "exclude")):
            project.store.decide(key, stage="title_abstract", reviewer="A", label=label)  # type: ignore[arg-type]
    result = ok("screen", folder, "-r", "A", input="q")
    assert "model (svm (active learning)): ~" in result.output
    assert "relevant records left" in result.output


def test_a_session_with_the_default_ranker_on_both_databases(db_url: str) -> None:
    with store_with(db_url, ["a1", "a2", "a3", "a4"]) as store:
        session = ScreeningSession(store, reviewer="A", stage="title_abstract", ranker=default_ranker())
        assert list(session.queue) == ["a1", "a2", "a3", "a4"]  # cold start: file order
        assert session.progress().model == "file order (nothing included yet)"
        session.decide("include")
        session.decide("exclude")
        progress = session.progress()
        assert (progress.model, progress.relevant_left) == ("svm (active learning)", None)
        assert sorted(session.queue) == ["a3", "a4"]


def test_subcommands_and_typos_are_not_taken_for_a_folder(tmp_path: Path) -> None:
    result = run("screen", "simulat", "x.csv")
    assert result.exit_code == 2
    assert "No such command 'simulat'" in result.output
    assert "Usage: root screen simulate [OPTIONS]" in ok("screen", "simulate", "--help").output
    result = run("screen", tmp_path / "nowhere", "-r", "A")
    assert result.exit_code == 2
    assert "review.toml: no protocol file here" in result.output
    assert "sysreview screen DIR --reviewer NAME, short for screen run" in " ".join(
        ok("screen", "--help").output.split()
    )


def test_dedup_of_a_project_folder_and_its_options(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    ok("init", folder, "--title", "T", "-r", "A")
    write_ris(tmp_path / "a.ris", [("a1", "Stromal vascular fraction gel for acne scars in adults")])
    write_ris(tmp_path / "b.ris", [("b1", "Stromal vascular fraction gel for acne scars in adults")])
    ok("import", folder, tmp_path / "a.ris", "--source", "PubMed")
    ok("import", folder, tmp_path / "b.ris", "--source", "Embase")
    summary = json.loads(ok("dedup", folder, "--format", "json").output)
    assert (summary["run"], summary["removed"], summary["awaiting"]) == (1, 0, 1)  # same title only: uncertain
    assert "deduplication run 2" in ok("dedup", folder).output
    with Project.open(folder) as project:
        project.store.save_dedup([GroupInput(members=("a1", "b1"), certain=False, score=0.7)], method="test")
    result = ok("dedup", folder, "--confirm", "--reviewer", "A", input="n")
    assert "uncertain duplicate group 1" in result.output
    assert "records removed as duplicates: 0" in result.output
    result = run("dedup", folder, "--out", tmp_path / "g.csv")
    assert result.exit_code == 2
    assert "error: --out: not for a project folder (its groups are stored in the project)" in result.output
    result = run("dedup", folder, "--confirm")
    assert "--confirm needs --reviewer NAME" in result.output


def test_dedup_of_files_needs_out_and_refuses_project_options(tmp_path: Path) -> None:
    write_ris(tmp_path / "a.ris", [("a1", "Stromal vascular fraction gel for acne scars in adults")])
    write_ris(tmp_path / "b.ris", [("b1", "Stromal vascular fraction gel for acne scars in adults")])
    result = run("dedup", tmp_path / "a.ris", tmp_path / "b.ris")
    assert result.exit_code == 2
    assert "error: --out GROUPS.csv is required for files (or give one project folder)" in result.output
    result = run("dedup", tmp_path / "a.ris", "--out", tmp_path / "g.csv", "--confirm", "-r", "A")
    assert result.exit_code == 2
    assert "error: --confirm, --reviewer: only for a project folder (DIR holding review.toml), not for files" in (
        result.output
    )
    result = ok("dedup", tmp_path / "a.ris", tmp_path / "b.ris", "--out", tmp_path / "g.csv")
    assert "2 records in 2 groups (0 duplicates, 1 uncertain pairs" in result.output
    assert (tmp_path / "g.csv").read_text(encoding="utf-8").startswith("record_id,group_id,canonical,reason")
