"""The web app's accounts, sessions and forms live in the project store: two server instances on one store (SQLite
or PostgreSQL) share sessions, CSRF keys, the login back-off and the audit log; an older ``web.db`` is copied in
once; each reviewer's ranking model sees their own votes only."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from sysreview.project import Project
from sysreview.records import RecordSet
from sysreview.review import LabelledRecords, Ranking
from sysreview.web import Accounts, default_ranker
from tests.project.conftest import Databases, postgres_base_url
from tests.web._fixtures import PASSWORDS, make_project, ris
from tests.web._server import LiveServer
from tests.web.conftest import csrf_of, login


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The store of a new project: SQLite in its folder (None) or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield None
        return
    databases = Databases("postgresql", tmp_path)
    password = sa.make_url(postgres_base_url()).password
    if password:  # store.toml keeps no password: the project reads it from PGPASSWORD
        monkeypatch.setenv("PGPASSWORD", password)
    yield databases.url()
    databases.close()


def _client(server: LiveServer, **options: object) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=30, **options)  # type: ignore[arg-type]


def _current(client: httpx.Client) -> str | None:
    match = re.search(r'data-record="([^"]+)"', client.get("/screen/title_abstract").text)
    return match.group(1) if match else None


# -- one store, two servers -------------------------------------------------------------------------------------
def test_a_session_opened_by_one_server_is_valid_in_another(tmp_path: Path, store_url: str | None) -> None:
    folder = make_project(tmp_path / "team", records=4, url=store_url)
    one, two = LiveServer(folder).start(), LiveServer(folder).start()
    try:
        with _client(one) as first:
            assert login(first, "alice").status_code == 303
            cookie = first.cookies["sysreview_session"]
            with _client(two, cookies={"sysreview_session": cookie}) as second:
                page = second.get("/screen/title_abstract")
                assert page.status_code == 200
                assert "alice (reviewer)" in page.text
                # the CSRF token made by one server is accepted by the other: one key, kept in the store
                token = csrf_of(page.text)
                assert token == csrf_of(first.get("/screen/title_abstract").text)
                decided = second.post(
                    "/screen/title_abstract/decide", data={"record": "r01", "label": "include", "csrf_token": token}
                )
                assert decided.status_code == 303
                assert _current(first) == "r02"  # written once, seen by both
                # logging out on the second server ends the session on the first
                assert second.post("/logout", data={"csrf_token": token}).status_code == 303
                assert first.get("/").status_code == 303
    finally:
        one.stop()
        two.stop()
    with Project.open(folder) as project:
        (decision,) = project.store.decisions()
        log = Accounts(project.store).audit_log()
    assert (decision.record, decision.reviewer, decision.label) == ("r01", "alice", "include")
    assert [line.action for line in log] == ["logout", "decide", "login", "users.add", "users.add", "users.add"]
    assert {line.user for line in log[:3]} == {"alice"}


def test_the_login_back_off_is_shared_by_the_servers(tmp_path: Path, store_url: str | None) -> None:
    folder = make_project(tmp_path / "team", records=2, url=store_url)
    one, two = LiveServer(folder).start(), LiveServer(folder).start()
    try:
        with _client(one) as first, _client(two) as second:
            for _ in range(5):
                assert login(first, "alice", "wrong-password-x").headers["location"] == "/login?error=1"
            # locked on the other server too, even with the right password
            assert login(second, "alice").headers["location"] == "/login?error=1"
            assert "sysreview_session" not in second.cookies
    finally:
        one.stop()
        two.stop()
    with Project.open(folder) as project:
        accounts = Accounts(project.store)
        assert accounts.locked_for("ALICE", "127.0.0.1") > 0  # names are compared case-folded
        assert accounts.locked_for("alice", "10.0.0.9") > 0  # the name is locked from anywhere
        assert [line.detail for line in accounts.audit_log(limit=2)] == [{"locked": True}, {"locked": False}]


def test_a_session_is_stored_as_a_hash_and_expires(tmp_path: Path, store_url: str | None) -> None:
    folder = make_project(tmp_path / "p", records=2, url=store_url)
    now = [dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)]
    with Project.open(folder, clock=lambda: now[0]) as project:
        accounts = Accounts(project.store)
        session = accounts.login("alice", PASSWORDS["alice"], address="10.0.0.1")
        assert session is not None
        assert session.expires_at == now[0] + dt.timedelta(hours=12)
        rows = project.store._read(lambda conn: conn.execute(sa.text("SELECT id FROM web_sessions")).all())
        assert [row[0] for row in rows] == [hashlib.sha256(session.token.encode()).hexdigest()]
        now[0] += dt.timedelta(hours=11, minutes=59)
        assert accounts.session(session.token) == session
        now[0] += dt.timedelta(minutes=1)
        assert accounts.session(session.token) is None  # expired: the kept cookie opens nothing
        assert accounts.session("not-a-token") is None


# -- an older web.db ----------------------------------------------------------------------------------------------
_OLD_SCHEMA = """
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    password_hash TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT);
CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, revoked_at TEXT, address TEXT);
CREATE TABLE login_failures (kind TEXT NOT NULL, subject TEXT NOT NULL, failures INTEGER NOT NULL,
    locked_until TEXT, PRIMARY KEY (kind, subject));
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT, action TEXT NOT NULL, target TEXT,
    detail TEXT NOT NULL, address TEXT);
CREATE TABLE submissions (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, record TEXT NOT NULL, user TEXT NOT NULL,
    at TEXT NOT NULL, payload TEXT NOT NULL);
"""


def test_an_older_web_db_is_copied_into_the_store_once(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    Project.init(folder, title="T", reviewers=["alice", "carol"]).close()
    (folder / "pubmed.ris").write_text(ris(3), encoding="utf-8")
    with Project.open(folder) as project:
        project.import_files([folder / "pubmed.ris"], source="PubMed")
    old = sqlite3.connect(folder / "web.db")
    old.executescript(_OLD_SCHEMA)
    digest = PasswordHasher().hash("the-old-password")
    old.execute("INSERT INTO users VALUES (1, 'alice', 'reviewer', ?, '2026-11-20T09:00:00+00:00', 'cli')", (digest,))
    old.execute("INSERT INTO settings VALUES ('secret', 'old-secret')")
    old.execute(
        "INSERT INTO submissions VALUES (1, 'extraction', 'r02', 'alice', '2026-11-21T10:30:00.123456+00:00', "
        '\'{"form": "regenerative-dermatology", "study": {"country": "Egypt"}}\')'
    )
    old.execute(
        "INSERT INTO audit VALUES (1, '2026-11-21T10:30:00.123456+00:00', 'alice', 'extraction.save', 'r02', "
        "'{\"submission\": 1}', '10.1.2.3')"
    )
    old.commit()
    old.close()
    server = LiveServer(folder).start()
    try:
        with _client(server) as client:
            assert login(client, "alice", "the-old-password").status_code == 303  # the old hash still works
            page = client.get("/extraction/r02")
            assert 'value="Egypt"' in page.text
    finally:
        server.stop()
    assert not (folder / "web.db").exists()
    assert (folder / "web.db.imported").is_file()
    with Project.open(folder) as project:
        saved = project.store.web.latest("extraction", "r02", reviewer="alice")
        log = project.store.web.audit_log()
    assert saved is not None
    assert saved.payload == {"form": "regenerative-dermatology", "study": {"country": "Egypt"}}
    assert saved.at.isoformat() == "2026-11-21T10:30:00.123456+00:00"
    assert [(line.action, line.user, line.address) for line in log] == [
        ("login", "alice", "127.0.0.1"),
        ("extraction.save", "alice", "10.1.2.3"),  # the old line, as it was
    ]


# -- the ranking model -------------------------------------------------------------------------------------------
class FakeRanker:
    """Ranks the unlabelled records in reverse file order and expects 3.4 relevant ones left; remembers what it saw."""

    def __init__(self) -> None:
        self.seen: list[LabelledRecords] = []

    def rank(self, data: LabelledRecords) -> Ranking:
        self.seen.append(data)
        keys = [record.id for record, label in zip(data.records, data.labels, strict=True) if label is None]
        return Ranking(order=tuple(reversed(keys)), relevant_left=3.4, model="fake model")


def _votes(data: LabelledRecords) -> dict[str, int]:
    return {record.id: label for record, label in zip(data.records, data.labels, strict=True) if label is not None}


def test_the_ranking_orders_the_queue_and_estimates_relevant_left_blind(project_dir: Path) -> None:
    ranker = FakeRanker()
    server = LiveServer(project_dir, ranker=ranker).start()
    try:
        with _client(server) as alice, _client(server) as bob:
            login(alice, "alice")
            login(bob, "bob")
            page = alice.get("/screen/title_abstract").text
            assert 'data-record="r12"' in page  # the model's order: reverse file order
            assert "≈ 3 relevant left (fake model)" in page
            token = csrf_of(bob.get("/screen/title_abstract").text)
            bob.post("/screen/title_abstract/decide", data={"record": "r12", "label": "exclude", "csrf_token": token})
            token = csrf_of(alice.get("/screen/title_abstract").text)
            alice.post("/screen/title_abstract/decide", data={"record": "r12", "label": "include", "csrf_token": token})
            alice.post("/screen/title_abstract/decide", data={"record": "r11", "label": "exclude", "csrf_token": token})
            assert _current(alice) == "r10"
            calls = len(ranker.seen)
            assert _current(alice) == "r10"
            assert len(ranker.seen) == calls  # the same data again: the model is not refitted
    finally:
        server.stop()
    assert {data.reviewer for data in ranker.seen} == {"alice", "bob"}
    for data in ranker.seen:  # each reviewer's model saw their own votes only
        own = {"alice": {"r12": 1, "r11": 0}, "bob": {"r12": 0}}[data.reviewer or ""]
        assert _votes(data).items() <= own.items()
    assert _votes(ranker.seen[-1]) == {"r12": 1, "r11": 0}
    assert ranker.seen[-1].reviewer == "alice"
    assert ranker.seen[-1].sequence == ("r12", "r11")  # alice's decisions in order, for the discovery-curve estimate


def test_the_screening_page_says_when_the_models_estimate_starts(project_dir: Path) -> None:
    from sysreview import screening

    server = LiveServer(project_dir, ranker=screening.default_ranker()).start()
    try:
        with _client(server) as alice:
            login(alice, "alice")
            page = alice.get("/screen/title_abstract").text
    finally:
        server.stop()
    assert "Estimated relevant records left: — (file order (nothing included yet); the estimate starts once" in page
    assert "no ranking model" not in page


def test_serve_uses_the_screening_engines_default_ranker(monkeypatch: pytest.MonkeyPatch) -> None:
    from sysreview import screening

    ranker = default_ranker()
    assert ranker is not None
    data = LabelledRecords(
        stage="title_abstract",
        reviewer="alice",
        records=RecordSet(()),
        labels=(),
    )
    assert ranker.rank(data).order == ()
    monkeypatch.delattr(screening, "default_ranker", raising=False)
    assert default_ranker() is None  # an engine without one: file order, no estimate
