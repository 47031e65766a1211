"""Export a project to a zip and import it back: nothing is lost, on either database, and across them."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sysreview.errors import InputError
from sysreview.project import FULLTEXT_DIR, GroupInput, ImportBatch, Project, read_archive
from sysreview.records import Record, RecordSet
from tests.project._helpers import SEED_REASONS, clock, write_ris
from tests.project.conftest import Databases

PROTOCOL = """\
# a comment that must survive the round trip
title = "Autologous cell therapy for atrophic acne scars"   # trailing comment

[screening]
title_abstract = 2
full_text = 2
exclusion_reasons = ["non-comparative design", "non-autologous intervention", "incomplete outcome data"]
"""


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _pdf(folder: Path) -> str:
    """Put a full-text PDF into the project folder as the web app stores uploads; its SHA-256."""
    digest = hashlib.sha256(PDF).hexdigest()
    (folder / FULLTEXT_DIR).mkdir(exist_ok=True)
    (folder / FULLTEXT_DIR / f"{digest}.pdf").write_bytes(PDF)
    return digest


def _project(folder: Path, url: str | None) -> Project:
    project = Project._create(folder, PROTOCOL.encode(), url=url, clock=clock())
    files = [
        write_ris(folder / "pubmed.ris", [("p1", "SVF for acne scars"), ("p2", "ReCell — 瘢痕 \x00 test")]),
        write_ris(folder / "embase.ris", [("e1", "Fat grafting")], database="Embase"),
    ]
    project.import_files(files[:1], source="PubMed")  # the file does not say: --source
    project.import_files(files[1:])
    project.store.decide("p1", stage="title_abstract", reviewer="A", label="include")
    project.store.decide("p1", stage="title_abstract", reviewer="B", label="exclude", reason="case series")
    project.store.resolve("p1", stage="title_abstract", reviewer="C", label="include")
    project.store.decide("p2", stage="title_abstract", reviewer="A", label="maybe")
    project.store.undo(reviewer="A", stage="title_abstract")
    project.store.decide("p1", stage="full_text", reviewer="A", label="exclude", reason=SEED_REASONS[0])
    project.store.save_dedup([GroupInput(members=("p2", "e1"), certain=False, score=0.75)], method="test")
    project.store.judge_duplicates(project.store.dedup().groups[0].id, reviewer="A", verdict="duplicate")
    project.store.undo_duplicates(reviewer="A")
    return project


@pytest.mark.parametrize("target", ["same", "sqlite"])
def test_export_then_import_loses_nothing(databases: Databases, tmp_path: Path, target: str) -> None:
    with _project(tmp_path / "a", databases.url()) as original:
        archive = original.export(tmp_path / "review.zip")
        before = original.store.dump()
        records = original.store.records()
        prisma = original.prisma()
    url = databases.url() if target == "same" else None
    with Project.import_archive(archive, tmp_path / "b", url=url) as copy:
        assert (tmp_path / "b" / "review.toml").read_text(encoding="utf-8") == PROTOCOL  # comments and all
        assert copy.store.dump() == before
        assert copy.store.records() == records
        assert copy.prisma() == prisma
        # the copy goes on where the original stopped: ids continue after the imported ones
        decision = copy.store.decide("p2", stage="title_abstract", reviewer="B", label="include")
        assert decision.id == max(row["id"] for row in before["decisions"]) + 1
    assert sum(len(rows) for rows in before.values()) == 2 + 3 + 6 + 1 + 1 + 2 + 2


def test_a_damaged_archive_names_the_member_row_and_field(tmp_path: Path) -> None:
    with _project(tmp_path / "a", None) as original:
        archive = original.export(tmp_path / "review.zip")
    with zipfile.ZipFile(archive) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    lines = members["tables/decisions.jsonl"].decode().splitlines()
    row = json.loads(lines[1])
    row["created_at"] = "yesterday"
    lines[1] = json.dumps(row, sort_keys=True)
    members["tables/decisions.jsonl"] = ("\n".join(lines) + "\n").encode()
    manifest = json.loads(members["manifest.json"])
    manifest["sha256"]["tables/decisions.jsonl"] = hashlib.sha256(members["tables/decisions.jsonl"]).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(
        InputError, match=r"bad\.zip:tables/decisions\.jsonl: row 2: column 'created_at': expected a time"
    ):
        read_archive(bad)
    # a member changed behind the manifest's back
    members["tables/records.jsonl"] = members["tables/records.jsonl"].replace(b"SVF", b"XXX")
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(InputError, match=r"tables/records\.jsonl: content does not match the manifest's SHA-256"):
        read_archive(bad)
    with pytest.raises(InputError, match="not a sysreview project archive"):
        read_archive(tmp_path / "a" / "pubmed.ris")


def test_importing_into_an_existing_project_is_refused(tmp_path: Path) -> None:
    with _project(tmp_path / "a", None) as original:
        archive = original.export(tmp_path / "review.zip")
    with pytest.raises(InputError, match="a project exists here already"):
        Project.import_archive(archive, tmp_path / "a")


@pytest.mark.parametrize("target", ["same", "sqlite"])
def test_the_forms_travel_and_the_accounts_stay(databases: Databases, tmp_path: Path, target: str) -> None:
    with _project(tmp_path / "a", databases.url()) as original:
        web = original.store.web
        web.add_account("A", role="lead", password_hash="$argon2id$v=19$secret-hash")
        web.open_session(web.accounts()[0], token_hash="f" * 64, expires_at=web.now(), address="10.0.0.1")
        web.failed_login("B", "10.0.0.2", locked=False)
        web.setting("secret", default=lambda: "cookie-key")
        extraction = web.submit("extraction", "p1", reviewer="A", payload={"study": {"country": "Egypt"}})
        rob2 = web.submit("rob2", "p1", reviewer="B", payload={"aim": "assignment", "judgements": {"D1": "Low"}})
        digest = _pdf(original.path)
        pdf = web.submit("fulltext", "e1", reviewer="A", payload={"sha256": digest, "file_name": "trial.pdf"})
        archive = original.export(tmp_path / "review.zip")
        before = original.store.dump()
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        content = b"".join(zf.read(name) for name in names)
    assert "tables/submissions.jsonl" in names
    assert not [name for name in names if name.startswith("tables/web_")]
    for secret in (b"secret-hash", b"f" * 64, b"10.0.0.", b"cookie-key"):  # nothing of the server's security
        assert secret not in content
    url = databases.url() if target == "same" else None
    with Project.import_archive(archive, tmp_path / "b", url=url) as copy:
        assert copy.store.dump() == before
        assert copy.store.web.latest("extraction", "p1") == extraction
        assert copy.store.web.latest("rob2", "p1", reviewer="B") == rob2
        assert copy.store.web.latest("fulltext", "e1") == pdf
        copied = copy.path / FULLTEXT_DIR / f"{digest}.pdf"  # the PDF itself travels, byte for byte
        assert copied.read_bytes() == PDF
        assert copy.store.web.accounts() == ()  # the importing team adds its own
        assert copy.store.web.audit_log() == ()
        assert copy.store.web.setting("secret", default=lambda: "new-key") == "new-key"


def test_a_missing_or_altered_full_text_file_is_an_error_not_a_loss(tmp_path: Path) -> None:
    with _project(tmp_path / "a", None) as original:
        digest = _pdf(original.path)
        original.store.web.submit("fulltext", "p1", reviewer="A", payload={"sha256": digest, "file_name": "t.pdf"})
        archive = original.export(tmp_path / "review.zip")
        stored = original.path / FULLTEXT_DIR / f"{digest}.pdf"
        stored.unlink()
        with pytest.raises(InputError, match=r"full-text file of submission \d+ is missing") as missing:
            original.export(tmp_path / "again.zip")
        assert str(stored) in str(missing.value)
        stored.write_bytes(PDF + b"%% changed")
        with pytest.raises(InputError, match="does not match its SHA-256"):
            original.export(tmp_path / "again.zip")
    # an archive whose PDF member was swapped (and the manifest rewritten to match) is refused on import
    member = f"{FULLTEXT_DIR}/{digest}.pdf"
    with zipfile.ZipFile(archive) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[member] = PDF + b"%% changed"
    manifest = json.loads(members["manifest.json"])
    manifest["sha256"][member] = hashlib.sha256(members[member]).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    with pytest.raises(InputError, match="named by its content's SHA-256") as bad:
        read_archive(forged)
    assert member in str(bad.value)
    # and one without the PDF a submission names
    del members[member], manifest["sha256"][member]
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(forged, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    with pytest.raises(InputError, match=f"names the full-text file {digest}.pdf, which the archive lacks"):
        read_archive(forged)


def test_an_archive_of_revision_0001_is_read(tmp_path: Path) -> None:
    with _project(tmp_path / "a", None) as original:
        archive = original.export(tmp_path / "review.zip")
        before = original.store.dump()
    with zipfile.ZipFile(archive) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    # as sysreview wrote it before the web tables moved into the store: no submissions member
    del members["tables/submissions.jsonl"]
    manifest = json.loads(members["manifest.json"])
    manifest["schema_revision"] = "0001"
    del manifest["rows"]["submissions"]
    del manifest["sha256"]["tables/submissions.jsonl"]
    members["manifest.json"] = json.dumps(manifest).encode()
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(old, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with Project.import_archive(old, tmp_path / "b") as copy:
        assert copy.store.dump() == before
        assert before["submissions"] == []


# ---------------------------------------------------------------------- property: any records, any log
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def record_sets(draw: st.DrawFn) -> RecordSet:
    n = draw(st.integers(1, 4))
    ids = draw(st.lists(st.text("abcdefgh0123456789", min_size=1, max_size=6), min_size=n, max_size=n, unique=True))
    return RecordSet(
        tuple(
            Record(
                id=record_id,
                title=draw(st.none() | _text),
                authors=tuple(draw(st.lists(_text, max_size=2))),
                year=draw(st.none() | st.integers(1900, 2030)),
                abstract=draw(st.none() | _text),
                keywords=tuple(draw(st.lists(_text, max_size=2))),
                format="ris",
                file="in.ris",
                line=draw(st.none() | st.integers(1, 99)),
                index=i,
                raw=tuple(draw(st.lists(st.tuples(st.sampled_from(["TI", "AU", "ZZ", "N1"]), _text), max_size=4))),
            )
            for i, record_id in enumerate(ids, start=1)
        )
    )


_steps = st.lists(
    st.tuples(
        st.sampled_from(["vote", "vote", "resolve", "undo"]),
        st.integers(0, 3),
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from(["include", "exclude", "maybe"]),
        st.sampled_from(["title_abstract", "full_text"]),
    ),
    max_size=12,
)


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record_sets(), _steps)
def test_any_project_round_trips(tmp_path_factory: pytest.TempPathFactory, records: RecordSet, steps: list) -> None:
    base = tmp_path_factory.mktemp("roundtrip")
    with Project._create(base / "a", PROTOCOL.encode(), url=None, clock=clock()) as project:
        project.store.add_imports(
            [ImportBatch(records=records, file_path="in.ris", sha256="c" * 64, format="ris", source="PubMed")]
        )
        keys = records.ids
        for action, index, reviewer, label, stage in steps:
            key = keys[index % len(keys)]
            reason = SEED_REASONS[0] if label == "exclude" and stage == "full_text" else None
            try:
                if action == "vote":
                    project.store.decide(key, stage=stage, reviewer=reviewer, label=label, reason=reason)
                elif action == "resolve":
                    project.store.resolve(key, stage=stage, reviewer=reviewer, label=label, reason=reason)
                else:
                    project.store.undo(reviewer=reviewer, stage=stage)
            except InputError:
                pass  # a step the rules refuse (the log keeps only what was accepted)
        archive = project.export(base / "a.zip")
        before = project.store.dump()
        stored = project.store.records()
    with Project.import_archive(archive, base / "b") as copy:
        assert copy.store.dump() == before
        assert copy.store.records() == stored
        assert tuple(s.record for s in stored) == tuple(records)
