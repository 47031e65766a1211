"""The store on SQLite and PostgreSQL: provenance, the screening rules, blind queues, undo, append-only rows."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from sysreview.errors import InputError
from sysreview.project import HEAD_REVISION, ImportBatch, Rules, Store, StoreError
from sysreview.records import parse
from sysreview.review import replay
from tests.project._helpers import DUAL, SEED_REASONS, SINGLE, add_records, clock, store_with
from tests.project.conftest import Databases


def test_import_keeps_provenance_and_every_tag(db_url: str) -> None:
    text = "TY  - JOUR\nID  - 31\nTI  - SVF for acne scars\nAU  - Kim, J\nAU  - Lee, S\nZZ  - unknown tag\nER  - \n"
    records = parse(text, "ris", name="exports/pubmed.ris")
    with Store.create(db_url, clock=clock()) as store:
        (summary,) = store.add_imports(
            [
                ImportBatch(
                    records=records,
                    file_path="exports/pubmed.ris",
                    sha256="a" * 64,
                    format="ris",
                    source="PubMed",
                    searched_on=dt.date(2025, 12, 22),
                    imported_by="YZS",
                )
            ]
        )
        (info,) = store.imports()
        assert info == summary.info
        assert (info.id, info.file_name, info.source, info.kind, info.searched_on, info.record_count) == (
            1,
            "pubmed.ris",
            "PubMed",
            "database",
            dt.date(2025, 12, 22),
            1,
        )
        assert info.imported_at == dt.datetime(2025, 12, 22, 9, 0, tzinfo=dt.UTC)  # the first tick of the clock
        (stored,) = store.records()
        assert stored.record == records[0]  # every field, origin and raw tag, in order
        assert stored.record.get("ZZ") == ("unknown tag",)
        assert (stored.key, stored.source_id, stored.position) == ("31", "31", 1)


def test_the_same_file_twice_is_refused_and_taken_ids_are_renamed(db_url: str) -> None:
    with store_with(db_url, ["1", "2"]) as store:
        with pytest.raises(InputError, match=r"PubMed\.ris: already imported \(import 1, PubMed\.ris"):
            add_records(store, ["1", "2"])
        records = parse("TY  - JOUR\nID  - 1\nTI  - Another one\nER  - \n", "ris", name="embase.ris")
        (summary,) = store.add_imports(
            [ImportBatch(records=records, file_path="x/embase.ris", sha256="b" * 64, format="ris", source="Embase")]
        )
        assert summary.renamed == (("1", "embase.ris:1"),)
        assert [s.key for s in store.records()] == ["1", "2", "embase.ris:1"]
        assert store.record("embase.ris:1").source_id == "1"


def test_two_reviewers_a_conflict_and_its_resolution(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2"], reviewers=["A", "B", "C"]) as store:
        store.decide("r1", stage="title_abstract", reviewer="A", label="include")
        store.decide("r1", stage="title_abstract", reviewer="B", label="exclude", reason="case series")
        store.decide("r2", stage="title_abstract", reviewer="A", label="include")
        store.decide("r2", stage="title_abstract", reviewer="B", label="maybe")
        state = store.state()
        assert [c.record for c in state.conflicts("title_abstract")] == ["r1"]
        with pytest.raises(InputError, match="'A' voted on record 'r1' and cannot resolve its conflict"):
            store.resolve("r1", stage="title_abstract", reviewer="A", label="include")
        with pytest.raises(InputError, match="already has the 2 independent vote"):
            store.decide("r1", stage="title_abstract", reviewer="C", label="include")
        with pytest.raises(InputError, match="record 'r2' is not in conflict at title_abstract"):
            store.resolve("r2", stage="title_abstract", reviewer="C", label="include")
        resolution = store.resolve("r1", stage="title_abstract", reviewer="C", label="include")
        assert (resolution.kind, resolution.reviewer, resolution.label) == ("resolve", "C", "include")
        state = store.state()
        assert state.screening.status("r1", "title_abstract") == "included"
        assert state.screening.status("r2", "title_abstract") == "included"
        assert state.conflicts("title_abstract") == ()
        assert [i.key for i in state.eligible("full_text")] == ["r1", "r2"]


def test_only_the_protocols_reviewers_may_decide(db_url: str) -> None:
    with store_with(db_url, ["r1"], reviewers=["A", "B"]) as store:
        with pytest.raises(InputError, match=r"'Z' is not one of the protocol's reviewers .*: A, B\)"):
            store.decide("r1", stage="title_abstract", reviewer="Z", label="include")
        with pytest.raises(InputError, match="a reviewer must be named"):
            store.decide("r1", stage="title_abstract", reviewer="  ", label="include")
        with pytest.raises(InputError, match="no record 'r9' in the store"):
            store.decide("r9", stage="title_abstract", reviewer="A", label="include")
        with pytest.raises(InputError, match="a vote is include, exclude or maybe"):
            store.decide("r1", stage="title_abstract", reviewer="A", label="not_retrieved")


def test_full_text_follows_title_abstract_and_needs_a_listed_reason(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2"], policy=SINGLE) as store:
        with pytest.raises(InputError, match=r"record 'r1' is not included at title/abstract \(status: unscreened\)"):
            store.decide("r1", stage="full_text", reviewer="A", label="include")
        store.decide("r1", stage="title_abstract", reviewer="A", label="include")
        with pytest.raises(InputError, match=r"a full-text exclusion needs a reason .*: one of non-comparative design"):
            store.decide("r1", stage="full_text", reviewer="A", label="exclude")
        with pytest.raises(InputError, match="exclusion reason 'wrong colour' is not in the protocol's list"):
            store.decide("r1", stage="full_text", reviewer="A", label="exclude", reason="wrong colour")
        vote = store.decide("r1", stage="full_text", reviewer="A", label="exclude", reason="Non-Comparative Design")
        assert vote.reason == "non-comparative design"  # the protocol's spelling
        assert store.state().screening.get("r1", "full_text").reason == SEED_REASONS[0]


def test_not_retrieved_reports(db_url: str) -> None:
    with store_with(db_url, ["r1"], policy=SINGLE) as store:
        store.decide("r1", stage="title_abstract", reviewer="A", label="include")
        store.mark_not_retrieved("r1", reviewer="A", reason="no library access")
        assert store.state().screening.status("r1", "full_text") == "not_retrieved"
        with pytest.raises(InputError, match="the full text was not retrieved"):
            store.decide("r1", stage="full_text", reviewer="A", label="include")
        with pytest.raises(InputError, match="already noted as not retrieved"):
            store.mark_not_retrieved("r1", reviewer="A")


def test_queues_are_blind_and_share_the_work(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2", "r3"]) as store:
        store.decide("r1", stage="title_abstract", reviewer="A", label="include")
        store.decide("r1", stage="title_abstract", reviewer="B", label="include")
        store.decide("r2", stage="title_abstract", reviewer="A", label="exclude")
        state = store.state()
        assert state.queue("title_abstract", "A") == ("r3",)
        assert state.queue("title_abstract", "B") == ("r2", "r3")  # r2 still wants a second vote
        assert state.queue("title_abstract", "C") == ("r2", "r3")  # r1 has both of its votes
        assert state.queue("full_text", "A") == ("r1",)


def test_undo_appends_a_retraction(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2"], policy=SINGLE) as store:
        first = store.decide("r1", stage="title_abstract", reviewer="A", label="include")
        second = store.decide("r2", stage="title_abstract", reviewer="A", label="exclude")
        undone = store.undo(reviewer="A", stage="title_abstract")
        assert undone is not None
        assert (undone.kind, undone.retracts, undone.record) == ("retract", second.id, "r2")
        again = store.undo(reviewer="A", stage="title_abstract")
        assert again is not None
        assert again.retracts == first.id
        assert store.undo(reviewer="A", stage="title_abstract") is None
        assert [d.kind for d in store.decisions()] == ["vote", "vote", "retract", "retract"]
        assert store.state().screening.status("r1", "title_abstract") == "unscreened"
        with pytest.raises(InputError, match=f"decision {first.id} is already retracted"):
            store.retract(first.id, reviewer="A")
        with pytest.raises(InputError, match="is itself a retraction"):
            store.retract(undone.id, reviewer="A")
        third = store.decide("r1", stage="title_abstract", reviewer="A", label="maybe")
        with pytest.raises(InputError, match=f"decision {third.id} is 'A''s; 'B' cannot retract it"):
            store.retract(third.id, reviewer="B")


def test_rows_are_never_changed_or_deleted(db_url: str) -> None:
    with store_with(db_url, ["r1"]) as store:
        store.decide("r1", stage="title_abstract", reviewer="A", label="include")
        engine = sa.create_engine(store.url, poolclass=sa.NullPool)
        try:
            for statement in ("UPDATE decisions SET label = 'exclude'", "DELETE FROM decisions", "DELETE FROM records"):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
                    conn.execute(sa.text(statement))
        finally:
            engine.dispose()
        assert [d.label for d in store.decisions()] == ["include"]


def test_the_state_from_the_query_equals_the_replayed_log(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2", "r3"], policy=DUAL) as store:
        store.decide("r1", stage="title_abstract", reviewer="A", label="include")
        store.decide("r1", stage="title_abstract", reviewer="B", label="exclude")
        store.decide("r1", stage="title_abstract", reviewer="B", label="include")
        store.decide("r2", stage="title_abstract", reviewer="A", label="exclude")
        store.undo(reviewer="A", stage="title_abstract")
        store.decide("r1", stage="full_text", reviewer="A", label="exclude", reason=SEED_REASONS[1])
        store.decide("r3", stage="title_abstract", reviewer="A", label="include")
        store.decide("r3", stage="title_abstract", reviewer="B", label="exclude")
        store.resolve("r3", stage="title_abstract", reviewer="C", label="exclude")
        assert store.state().screening == replay(store.decisions(), DUAL)


def test_labelled_records_for_a_ranking_model(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2", "r3"]) as store:
        store.decide("r1", stage="title_abstract", reviewer="A", label="maybe")
        store.decide("r2", stage="title_abstract", reviewer="B", label="exclude")
        store.decide("r2", stage="title_abstract", reviewer="A", label="exclude")
        own = store.labelled("title_abstract", reviewer="A")
        assert (own.records.ids, own.labels) == (("r1", "r2", "r3"), (1, 0, None))
        final = store.labelled("title_abstract")
        assert final.labels == (None, 0, None)  # r1 awaits B; r2 is excluded by both


def test_labelled_records_carry_the_order_of_the_decisions(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2", "r3", "r4"]) as store:
        store.decide("r3", stage="title_abstract", reviewer="A", label="include")
        store.decide("r1", stage="title_abstract", reviewer="B", label="exclude")
        store.decide("r4", stage="title_abstract", reviewer="A", label="exclude")
        store.undo(reviewer="A", stage="title_abstract")  # r4 is unlabelled again: not in the sequence
        store.decide("r1", stage="title_abstract", reviewer="A", label="exclude")
        store.decide("r3", stage="title_abstract", reviewer="A", label="exclude")  # a changed mind keeps its place
        own = store.labelled("title_abstract", reviewer="A")
        assert own.labels == (0, None, 0, None)
        assert own.sequence == ("r3", "r1")  # A's own order; B's earlier vote on r1 is not A's
        assert store.labelled("title_abstract").sequence == ("r1",)  # final decisions only: r3 awaits B


def test_opening_checks_the_schema(databases: Databases) -> None:
    url = databases.url()
    if databases.kind == "sqlite":
        with pytest.raises(StoreError, match=r"no store at .*store-.*\.db"):
            Store.open(url)
    else:
        with pytest.raises(StoreError, match="is not a sysreview store"):
            Store.open(url)
    Store.create(url).close()
    with pytest.raises(
        StoreError, match="exists already" if databases.kind == "sqlite" else "already holds a sysreview"
    ):
        Store.create(url)
    with Store.open(url) as store:
        assert store.revision() == HEAD_REVISION
        engine = sa.create_engine(store.url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema revision '9999', made by a newer sysreview"):
        Store.open(url)


def test_urls_are_checked() -> None:
    from sysreview.project import database_url

    with pytest.raises(InputError, match="unsupported database 'mysql'"):
        database_url("mysql://u@h/db")
    with pytest.raises(InputError, match="a SQLite store needs a file"):
        database_url("sqlite://")
    assert database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert str(Rules().policy) == "ScreeningPolicy(title_abstract=1, full_text=1)"
