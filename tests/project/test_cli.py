"""The project commands end to end, on SQLite and PostgreSQL: two reviewers screen blind, a third resolves the
conflicts, then agreement (kappa) and the PRISMA counts; and the terminal loop itself with keys fed to it."""

from __future__ import annotations

import io
import json
import re
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from rich.console import Console
from typer.testing import CliRunner, Result

from sysreview.cli import _project
from sysreview.project import Keywords, Project, ScreeningSession
from tests.project._helpers import write_ris
from tests.project.conftest import Databases

RUNNER = CliRunner()
KAPPA_TOL = 1e-12


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None)
    _project.register(app)
    return app


def run(*args: object, input: str | None = None) -> Result:
    return RUNNER.invoke(_app(), [str(a) for a in args], input=input)


def ok(*args: object, input: str | None = None) -> Result:
    if args[:2] == ("screen", "run") and "--resolve" not in args:
        args = (*args, "--order", "file")  # the tests know the order of the records
    result = run(*args, input=input)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


RECORDS = [
    ("r1", "Stromal vascular fraction for atrophic acne scars"),
    ("r2", "ReCell with dermabrasion for acne scars"),
    ("r3", "Fat grafting and CO2 laser: a split-face trial"),
    ("r4", "Keloid scars after surgery"),
    ("r5", "A review of scar treatments"),
    ("r6", "Microneedling alone: a case series"),
]


def _init(tmp_path: Path, databases: Databases) -> Path:
    folder = tmp_path / "review"
    args = ["init", folder, "--title", "Cell therapy for acne scars", "-r", "YZS", "-r", "XDH", "-r", "XDZ"]
    if databases.kind == "postgresql":
        args += ["--db", databases.url()]
    result = ok(*args)
    assert "created" in result.output
    protocol = (folder / "review.toml").read_text(encoding="utf-8")
    protocol = protocol.replace(
        "exclusion_reasons = []", 'exclusion_reasons = ["non-comparative design", "no outcome"]'
    )
    protocol = re.sub(r"(\[keywords\]\n#[^\n]*\n)include = \[\]", r'\1include = ["acne scar*"]', protocol)
    assert 'include = ["acne scar*"]' in protocol
    (folder / "review.toml").write_text(protocol, encoding="utf-8")
    write_ris(tmp_path / "pubmed.ris", RECORDS)
    result = ok("import", folder, tmp_path / "pubmed.ris", "--source", "PubMed", "--date", "2025-12-22")
    assert "import 1: 6 records from" in result.output
    assert "(PubMed, database, searched 2025-12-22)" in result.output
    return folder


@pytest.mark.usefixtures("pg_password")
def test_two_reviewers_a_conflict_its_resolution_kappa_and_prisma(tmp_path: Path, databases: Databases) -> None:
    folder = _init(tmp_path, databases)
    # title/abstract: YZS includes r1–r3 and excludes r4–r6; XDH disagrees on r3 and r6
    result = ok("screen", "run", folder, "--reviewer", "YZS", input="iiieee")
    assert "6 decision(s) recorded by YZS at title/abstract" in result.output
    assert "No records to screen left for YZS" in result.output
    result = ok("screen", "run", folder, "--reviewer", "XDH", input="i i e e e i q")
    assert "6 decision(s) recorded by XDH" in result.output
    # the third reviewer sees both votes and resolves: r3 include, r6 exclude
    result = ok("screen", "run", folder, "--reviewer", "XDZ", "--resolve", input="ie")
    assert "votes: YZS: include; XDH: exclude" in result.output
    assert "2 decision(s) recorded by XDZ" in result.output
    status = json.loads(ok("screen", "status", folder, "--format", "json").output)
    (pair,) = status["stages"]["title_abstract"]["agreement"]
    # YZS = i i i e e e, XDH = i i e e e i: p_o = 4/6, p_e = (3·3 + 3·3)/36 = 1/2, kappa = (2/3 − 1/2)/(1/2) = 1/3
    assert (pair["reviewer_a"], pair["reviewer_b"], pair["n"], pair["agreed"]) == ("XDH", "YZS", 6, 4)
    assert pair["kappa"] == pytest.approx(1 / 3, abs=KAPPA_TOL)
    assert pair["percent_agreement"] == pytest.approx(200 / 3, abs=KAPPA_TOL)
    assert status["stages"]["title_abstract"]["status"] == {"included": 3, "excluded": 3}
    assert status["stages"]["title_abstract"]["conflicts"] == []
    text = ok("screen", "status", folder).output
    assert "XDH vs YZS: 6 records, 66.7% agreement, kappa 0.333" in text
    # full text of r1, r2, r3: YZS includes r1, excludes r2 (reason 1), notes r3 not retrieved; XDH includes r1,
    # excludes r2 for reason 2: a conflict on the reason, which XDZ resolves with reason 1
    ok("screen", "run", folder, "-r", "YZS", "--stage", "full-text", input="ie1n")
    result = ok("screen", "run", folder, "-r", "XDH", "--stage", "ft", input="ie2q")
    assert "2 decision(s) recorded by XDH at full text" in result.output
    ok("screen", "run", folder, "-r", "XDZ", "--stage", "ft", "--resolve", input="e1")
    counts = json.loads(ok("prisma", folder, "--format", "json").output)
    assert {k: counts[k] for k in ("database_results", "duplicates", "records_screened", "records_excluded")} == {
        "database_results": 6,
        "duplicates": 0,
        "records_screened": 6,
        "records_excluded": 3,
    }
    assert (counts["dbr_sought_reports"], counts["dbr_notretrieved_reports"], counts["dbr_assessed"]) == (3, 1, 2)
    assert counts["dbr_excluded"] == [{"reason": "non-comparative design", "n": 1}]
    assert (counts["new_studies"], counts["total_reports"]) == (1, 1)
    assert counts["database_specific_results"] == [{"name": "PubMed", "n": 6}]
    assert "records screened: 6" in ok("prisma", folder).output
    assert "non-comparative design, 1" in ok("prisma", folder, "--format", "csv").output
    # export and import back: the same counts and agreement
    ok("export", folder, tmp_path / "review.zip")
    assert "review.toml" in zipfile.ZipFile(tmp_path / "review.zip").namelist()
    copy_args = ["import-project", tmp_path / "review.zip", tmp_path / "copy"]
    if databases.kind == "postgresql":
        copy_args += ["--db", databases.url()]
    assert "6 records" in ok(*copy_args).output
    assert json.loads(ok("prisma", tmp_path / "copy", "--format", "json").output) == counts


@pytest.mark.usefixtures("pg_password")
def test_undo_skip_and_unknown_keys_in_the_loop(tmp_path: Path, databases: Databases) -> None:
    folder = _init(tmp_path, databases)
    result = ok("screen", "run", folder, "-r", "YZS", input="ixsmuuu?q")
    assert "Unknown key 'x'" in result.output
    assert "Nothing to undo." in result.output
    assert "0 decision(s) recorded by YZS" in result.output
    with Project.open(folder) as project:
        kinds = [(d.record, d.kind) for d in project.store.decisions()]
    # i on r1; x unknown; s skips r2; m on r3; u retracts r3, u retracts r1, u: nothing left to undo
    assert kinds == [("r1", "vote"), ("r3", "vote"), ("r3", "retract"), ("r1", "retract")]


def test_errors_name_what_is_wrong(tmp_path: Path) -> None:
    result = run("screen", "run", tmp_path / "nowhere", "-r", "A")
    assert result.exit_code == 2
    assert "error: " in result.output
    assert "review.toml: no protocol file here" in result.output
    folder = tmp_path / "p"
    ok("init", folder, "--title", "T", "-r", "A")
    result = run("init", folder, "--title", "T")
    assert (result.exit_code, "a project exists here already" in result.output) == (2, True)
    write_ris(tmp_path / "x.ris", [("a", "A title")])
    result = run("import", folder, tmp_path / "x.ris")
    assert result.exit_code == 2
    assert "x.ris: the records do not say which database they came from; name it with --source" in result.output
    result = run("import", folder, tmp_path / "x.ris", "--source", "PubMed", "--date", "22/12/2025")
    assert "--date '22/12/2025': give the date as YYYY-MM-DD" in result.output
    result = run("screen", "run", folder, "-r", "Z", input="i")
    assert "'Z' is not one of the protocol's reviewers" in result.output
    result = run("screen", "run", folder, "-r", "A", "--stage", "abstract")
    assert "unknown stage 'abstract'" in result.output
    result = run("prisma", folder, "--format", "xml")
    assert result.exit_code == 2


def test_dedup_command_and_review_loop(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    ok("init", folder, "--title", "T", "-r", "A")
    write_ris(tmp_path / "a.ris", [("a1", "Stromal vascular fraction gel for acne scars in adults")])
    write_ris(tmp_path / "b.ris", [("b1", "Stromal vascular fraction gel for acne scars in adults")])
    ok("import", folder, tmp_path / "a.ris", "--source", "PubMed")
    ok("import", folder, tmp_path / "b.ris", "--source", "Embase")
    summary = json.loads(ok("dedup", folder, "--format", "json").output)
    assert summary["run"] == 1
    with Project.open(folder) as project:
        from sysreview.project import GroupInput

        project.store.save_dedup([GroupInput(members=("a1", "b1"), certain=False, score=0.7)], method="test")
    result = ok("dedup", folder, "--confirm", "--reviewer", "A", input="d")
    assert "uncertain duplicate group 1" in result.output
    assert "records removed as duplicates: 1" in result.output
    result = run("dedup", folder, "--confirm")
    assert "--confirm needs --reviewer NAME" in result.output


def test_the_loop_reads_injected_keys_and_highlights_keywords(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p", title="T") as project:
        write_ris(tmp_path / "x.ris", RECORDS[:2])
        project.import_files([tmp_path / "x.ris"], source="PubMed")
        keys = iter("e")
        out = io.StringIO()
        console = Console(file=out, width=100, force_terminal=True, color_system="truecolor")
        session = ScreeningSession(project.store, reviewer="A", stage="title_abstract")
        made = _project.run_screening(
            session,
            keywords=Keywords(include=["acne scar*"], exclude=["dermabrasion"]),
            read_key=lambda: next(keys, ""),
            read_line=lambda prompt: "",
            console=console,
        )
        assert made == 1
        shown = out.getvalue()
        assert "Stromal vascular fraction" in shown
        assert "title/abstract · A · 0 done · 2 left" in shown
        assert "\x1b[1;32macne scars" in shown  # include keywords in bold green
        assert "\x1b[1;31mdermabrasion" in shown  # exclude keywords in bold red
        assert [d.label for d in project.store.decisions()] == ["exclude"]


def test_free_text_reasons_when_the_protocol_lists_none(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p", title="T") as project:
        write_ris(tmp_path / "x.ris", RECORDS[:1])
        project.import_files([tmp_path / "x.ris"], source="PubMed")
        for reviewer in ("A", "B"):
            project.store.decide("r1", stage="title_abstract", reviewer=reviewer, label="include")
        keys = iter("eq")
        prompts: list[str] = []
        session = ScreeningSession(project.store, reviewer="A", stage="full_text")
        _project.run_screening(
            session,
            keywords=Keywords(),
            read_key=lambda: next(keys, ""),
            read_line=lambda prompt: prompts.append(prompt) or "wrong population",
            console=Console(file=io.StringIO()),
        )
        assert prompts == ["Reason for excluding (empty cancels): "]
        assert [(d.label, d.reason) for d in project.store.decisions(stage="full_text")] == [
            ("exclude", "wrong population")
        ]


def test_the_loop_shows_the_models_order_and_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.project.test_session import ReverseRanker

    monkeypatch.setattr(_project, "_ranker", lambda order: ReverseRanker())
    folder = tmp_path / "p"
    ok("init", folder, "--title", "T")
    write_ris(tmp_path / "x.ris", RECORDS[:3])
    ok("import", folder, tmp_path / "x.ris", "--source", "PubMed")
    result = run("screen", "run", folder, "-r", "A", input="iq")
    assert result.exit_code == 0
    assert "model (reverse): ~0 relevant records left" in result.output  # before the first decision
    assert "model (reverse): ~1 relevant records left" in result.output  # after it
    with Project.open(folder) as project:
        assert [d.record for d in project.store.decisions()] == ["r3"]  # the model's first record


def test_without_a_ranking_model_the_file_order_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    monkeypatch.setitem(sys.modules, "sysreview.screening", types.ModuleType("sysreview.screening"))
    folder = tmp_path / "p"
    ok("init", folder, "--title", "T")
    write_ris(tmp_path / "x.ris", RECORDS[:2])
    ok("import", folder, tmp_path / "x.ris", "--source", "PubMed")
    result = run("screen", "run", folder, "-r", "A", input="q")
    assert "note: the screening engine offers no ranking model yet; records come in file order" in result.output
    assert "r1" in result.output


def test_run_and_status_join_an_existing_screen_group() -> None:
    app = typer.Typer(rich_markup_mode=None)
    screen = typer.Typer(name="screen", rich_markup_mode=None)

    @screen.command("simulate")
    def simulate() -> None:
        """The screening engine's simulation (a stand-in)."""

    app.add_typer(screen)
    _project.register(app)
    assert [info.typer_instance for info in app.registered_groups] == [screen]
    assert [c.name for c in screen.registered_commands] == ["simulate", "run", "status"]


def test_init_keeps_passwords_out_of_store_toml(tmp_path: Path, databases: Databases) -> None:
    if databases.kind != "postgresql":
        return  # a SQLite store has no store.toml
    url = databases.url()
    result = ok("init", tmp_path / "p", "--title", "T", "--db", url)
    assert "note: the password was not written to store.toml; set PGPASSWORD or use ~/.pgpass" in result.output
    stored = tomllib.loads((tmp_path / "p" / "store.toml").read_text(encoding="utf-8"))["url"]
    given = sa.make_url(url)
    assert given.password
    kept = sa.make_url(stored)
    assert kept.password is None
    assert (kept.username, kept.host, kept.database, kept.query) == (
        given.username,
        given.host,
        given.database,
        given.query,  # the schema of the test (search_path) and all
    )


def test_an_existing_dedup_command_is_left_in_place() -> None:
    app = typer.Typer(rich_markup_mode=None)

    @app.command("dedup")
    def files_dedup() -> None:
        """Deduplicate files (a stand-in for cli/_dedup.py)."""

    _project.register(app)
    assert [c.callback for c in app.registered_commands if c.name == "dedup"] == [files_dedup]
