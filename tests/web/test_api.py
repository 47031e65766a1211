"""The web app over HTTP (a live server, httpx): login, CSRF, roles, blinding, screening, conflicts, forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from sysreview.project import AuditLine, Project, Submission
from sysreview.web import Accounts
from tests.web._fixtures import make_project
from tests.web._server import LiveServer
from tests.web.conftest import csrf_of, login

Client = Callable[[str], httpx.Client]


def decide(client: httpx.Client, stage: str, record: str, label: str, **extra: str) -> httpx.Response:
    page = client.get(f"/screen/{stage}")
    return client.post(
        f"/screen/{stage}/decide", data={"record": record, "label": label, "csrf_token": csrf_of(page.text), **extra}
    )


def audit_log(project_dir: Path) -> tuple[AuditLine, ...]:
    with Project.open(project_dir) as project:
        return Accounts(project.store).audit_log()


def latest(project_dir: Path, kind: str, record: str, user: str) -> Submission | None:
    with Project.open(project_dir) as project:
        return project.store.web.latest(kind, record, reviewer=user)  # type: ignore[arg-type]


def current_record(client: httpx.Client, stage: str = "title_abstract") -> str | None:
    match = re.search(r'data-record="([^"]+)"', client.get(f"/screen/{stage}").text)
    return match.group(1) if match else None


# -- the anonymous visitor ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/", "/screen/title_abstract", "/conflicts/title_abstract", "/extraction", "/rob2/r01", "/audit"]
)
def test_an_anonymous_visitor_is_sent_to_the_login_form(client_factory: Callable[[], httpx.Client], path: str) -> None:
    client = client_factory()
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    page = client.get("/login")
    assert page.status_code == 200
    assert 'type="password"' in page.text
    assert "Autologous" not in page.text  # no record data on the login page


def test_an_anonymous_post_gets_nowhere(client_factory: Callable[[], httpx.Client]) -> None:
    client = client_factory()
    response = client.post("/screen/title_abstract/decide", data={"record": "r01", "label": "include"})
    assert response.status_code == 401


def test_the_right_password_reaches_the_project_with_safe_cookies(client_factory: Callable[[], httpx.Client]) -> None:
    client = client_factory()
    response = login(client, "alice")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert "Fat grafting for acne scars" in page.text
    assert "alice (reviewer)" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_wrong_password_gets_nowhere(client_factory: Callable[[], httpx.Client]) -> None:
    client = client_factory()
    response = login(client, "alice", "not-the-password")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?error=1"
    assert "sysreview_session" not in response.headers.get("set-cookie", "")
    assert client.get("/").status_code == 303
    response = login(client, "nobody", "whatever-password")
    assert response.headers["location"] == "/login?error=1"


def test_a_login_without_its_csrf_token_gets_nowhere(client_factory: Callable[[], httpx.Client]) -> None:
    client = client_factory()
    client.get("/login")
    response = client.post("/login", data={"name": "alice", "password": "alice-password-1"})
    assert response.status_code == 403
    response = client.post("/login", data={"name": "alice", "password": "alice-password-1", "csrf_token": "0" * 64})
    assert response.status_code == 403
    assert client.get("/").status_code == 303


def test_a_form_post_without_its_csrf_token_gets_nowhere(as_user: Client, project_dir: Path) -> None:
    client = as_user("alice")
    response = client.post("/screen/title_abstract/decide", data={"record": "r01", "label": "include"})
    assert response.status_code == 403
    response = client.post(
        "/screen/title_abstract/decide", data={"record": "r01", "label": "include", "csrf_token": "f" * 64}
    )
    assert response.status_code == 403
    bob = as_user("bob")  # another session's token is not this session's
    token = csrf_of(bob.get("/screen/title_abstract").text)
    response = client.post(
        "/screen/title_abstract/decide", data={"record": "r01", "label": "include", "csrf_token": token}
    )
    assert response.status_code == 403
    with Project.open(project_dir) as project:
        assert project.store.decisions() == ()


def test_failed_logins_back_off_per_name_and_per_address(client_factory: Callable[[], httpx.Client]) -> None:
    client = client_factory()
    for _ in range(5):
        assert login(client, "alice", "wrong-password-x").headers["location"] == "/login?error=1"
    # locked now: even the right password is refused until the back-off has passed
    assert login(client, "alice").headers["location"] == "/login?error=1"
    # the address is locked too: another name from the same address waits as well
    assert login(client, "bob").headers["location"] == "/login?error=1"


def test_logout_ends_the_session_even_for_a_kept_cookie(as_user: Client) -> None:
    client = as_user("alice")
    cookie = client.cookies.get("sysreview_session")
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    replay = httpx.Client(base_url=str(client.base_url), cookies={"sysreview_session": cookie or ""})
    assert replay.get("/").status_code == 303
    replay.close()


def test_a_forged_session_cookie_is_refused(client_factory: Callable[[], httpx.Client]) -> None:
    client = client_factory()
    client.cookies.set("sysreview_session", "abc.def.ghi")
    assert client.get("/").status_code == 303


def test_a_cookie_of_another_project_opens_nothing(as_user: Client, tmp_path: Path) -> None:
    client = as_user("alice")
    other = LiveServer(make_project(tmp_path / "other", records=3)).start()
    try:
        stranger = httpx.Client(base_url=other.url, cookies={"sysreview_session": client.cookies["sysreview_session"]})
        assert stranger.get("/").status_code == 303
        assert stranger.get("/screen/title_abstract").status_code == 303
        stranger.close()
    finally:
        other.stop()


# -- screening ------------------------------------------------------------------------------------------------------
def test_screening_writes_the_decision_with_who_and_when(as_user: Client, project_dir: Path) -> None:
    client = as_user("alice")
    assert current_record(client) == "r01"
    response = decide(client, "title_abstract", "r01", "include")
    assert response.status_code == 303
    assert current_record(client) == "r02"
    with Project.open(project_dir) as project:
        (decision,) = project.store.decisions()
    assert (decision.record, decision.reviewer, decision.label) == ("r01", "alice", "include")
    log = audit_log(project_dir)
    assert [line.action for line in log[:2]] == ["decide", "login"]
    assert log[0].user == "alice"
    assert log[0].target == "r01"
    assert log[0].detail == {"stage": "title_abstract", "label": "include", "decision": decision.id}
    assert log[0].at == decision.time  # one transaction: the line carries the decision's own time


def test_htmx_gets_the_next_card_only(as_user: Client) -> None:
    client = as_user("alice")
    token = csrf_of(client.get("/screen/title_abstract").text)
    response = client.post(
        "/screen/title_abstract/decide",
        data={"record": "r01", "label": "exclude"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="card"')
    assert 'data-record="r02"' in response.text


def test_undo_brings_the_record_back(as_user: Client, project_dir: Path) -> None:
    client = as_user("alice")
    decide(client, "title_abstract", "r01", "include")
    decide(client, "title_abstract", "r02", "exclude")
    token = csrf_of(client.get("/screen/title_abstract").text)
    response = client.post("/screen/title_abstract/undo", data={"csrf_token": token})
    assert response.headers["location"] == "/screen/title_abstract?record=r02"
    assert 'data-record="r02"' in client.get(response.headers["location"]).text
    with Project.open(project_dir) as project:
        state = project.store.state()
    assert state.screening.get("r02", "title_abstract").vote_of("alice") is None


def test_keywords_are_highlighted(as_user: Client) -> None:
    page = as_user("alice").get("/screen/title_abstract").text
    assert '<mark class="kw-include">randomised</mark>' in page
    assert '<mark class="kw-exclude">mouse</mark>' in page


def test_a_record_text_is_escaped(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "xss", records=1)
    evil = folder / "evil.ris"
    evil.write_text("TY  - JOUR\nID  - x1\nTI  - <script>alert(1)</script>\nDB  - PubMed\nER  - \n", encoding="utf-8")
    with Project.open(folder) as project:
        project.import_files([evil], source="PubMed")
        project.store.decide("r01", stage="title_abstract", reviewer="alice", label="include")
    server = LiveServer(folder).start()
    try:
        client = httpx.Client(base_url=server.url)
        login(client, "alice")
        page = client.get("/screen/title_abstract").text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        client.close()
    finally:
        server.stop()


def test_blinding_a_reviewer_never_sees_another_reviewers_vote(as_user: Client) -> None:
    alice, bob = as_user("alice"), as_user("bob")
    decide(alice, "title_abstract", "r01", "exclude")
    for path in ("/", "/screen/title_abstract", "/screen/title_abstract?record=r01", "/extraction"):
        page = bob.get(path).text
        assert "exclude</strong>" not in page
        assert "alice" not in page
    assert bob.get("/conflicts/title_abstract").status_code == 403
    assert bob.get("/audit").status_code == 403
    # bob's own queue still holds r01 (he screens it blind)
    assert current_record(bob) == "r01"


def test_a_reviewer_cannot_decide_for_someone_else(as_user: Client, project_dir: Path) -> None:
    client = as_user("alice")
    decide(client, "title_abstract", "r01", "include", reviewer="bob")
    with Project.open(project_dir) as project:
        assert {d.reviewer for d in project.store.decisions()} == {"alice"}


def test_a_conflict_is_resolved_by_a_lead_only(as_user: Client, project_dir: Path) -> None:
    alice, bob, carol = as_user("alice"), as_user("bob"), as_user("carol")
    decide(alice, "title_abstract", "r01", "include")
    decide(bob, "title_abstract", "r01", "exclude")
    token = csrf_of(bob.get("/").text)
    refused = bob.post(
        "/conflicts/title_abstract/resolve", data={"record": "r01", "label": "include", "csrf_token": token}
    )
    assert refused.status_code == 403
    page = carol.get("/conflicts/title_abstract")
    assert page.status_code == 200
    assert 'data-record="r01"' in page.text
    assert "alice: <strong>include</strong>" in page.text
    response = carol.post(
        "/conflicts/title_abstract/resolve",
        data={"record": "r01", "label": "include", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303
    assert "No conflicts for you to resolve" in carol.get("/conflicts/title_abstract").text
    with Project.open(project_dir) as project:
        entry = project.store.state().screening.get("r01", "title_abstract")
    assert entry.status == "included"
    assert entry.resolution is not None
    assert entry.resolution.reviewer == "carol"


def test_the_dashboard_shows_prisma_and_agreement_to_a_lead(as_user: Client) -> None:
    alice, bob, carol = as_user("alice"), as_user("bob"), as_user("carol")
    for record, label in (("r01", "include"), ("r02", "exclude")):
        decide(alice, "title_abstract", record, label)
        decide(bob, "title_abstract", record, label)
    page = carol.get("/").text
    assert 'id="prisma"' in page
    assert "alice / bob" in page
    assert "100.0%" in page
    assert 'id="prisma"' not in alice.get("/").text


# -- full text, extraction, RoB 2 -------------------------------------------------------------------------------------
def _included_at_full_text(project_dir: Path, key: str = "r01") -> None:
    with Project.open(project_dir) as project:
        for stage in ("title_abstract", "full_text"):
            for reviewer in ("alice", "bob"):
                project.store.decide(key, stage=stage, reviewer=reviewer, label="include")


def test_full_text_exclusion_needs_a_reason_from_the_protocol(as_user: Client, project_dir: Path) -> None:
    with Project.open(project_dir) as project:
        for reviewer in ("alice", "bob"):
            project.store.decide("r03", stage="title_abstract", reviewer=reviewer, label="include")
    client = as_user("alice")
    page = client.get("/screen/full_text").text
    assert 'data-record="r03"' in page
    assert "wrong design" in page
    response = decide(client, "full_text", "r03", "exclude")
    assert response.status_code == 400
    assert "needs a reason" in response.text
    assert decide(client, "full_text", "r03", "exclude", reason="wrong design").status_code == 303


def test_a_pdf_is_uploaded_and_linked(as_user: Client, project_dir: Path) -> None:
    with Project.open(project_dir) as project:
        for reviewer in ("alice", "bob"):
            project.store.decide("r03", stage="title_abstract", reviewer=reviewer, label="include")
    client = as_user("alice")
    token = csrf_of(client.get("/screen/full_text").text)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    response = client.post(
        "/records/r03/pdf", data={"csrf_token": token}, files={"pdf": ("trial.pdf", pdf, "application/pdf")}
    )
    assert response.status_code == 303
    assert "/records/r03/pdf" in client.get("/screen/full_text").text
    served = client.get("/records/r03/pdf")
    assert served.content == pdf
    assert served.headers["content-type"] == "application/pdf"
    bad = client.post("/records/r03/pdf", data={"csrf_token": token}, files={"pdf": ("x.pdf", b"<html>", "text/html")})
    assert bad.status_code == 400


def test_an_extraction_is_saved_and_checked(as_user: Client, project_dir: Path) -> None:
    _included_at_full_text(project_dir)
    client = as_user("alice")
    assert "/extraction/r01" in client.get("/extraction").text
    page = client.get("/extraction/r01").text
    token = csrf_of(page)
    bad = client.post("/extraction/r01", data={"csrf_token": token, "year": "twenty", "country": "Egypt"})
    assert bad.status_code == 422
    assert "expected a whole number" in bad.text
    response = client.post(
        "/extraction/r01",
        data={"csrf_token": token, "year": "2020", "country": "Egypt", "design": "within-person"},
    )
    assert response.status_code == 303
    saved = latest(project_dir, "extraction", "r01", "alice")
    assert saved is not None
    assert saved.payload["study"]["country"] == "Egypt"
    assert 'value="Egypt"' in client.get("/extraction/r01").text


def test_rob2_answers_give_the_algorithms_judgements(as_user: Client, project_dir: Path) -> None:
    _included_at_full_text(project_dir)
    client = as_user("alice")
    token = csrf_of(client.get("/rob2/r01").text)
    # domain 1: random sequence (Y), concealed (Y), no baseline imbalance (N) → Low (RoB 2 guidance, D1 diagram)
    response = client.post("/rob2/r01", data={"csrf_token": token, "q_1.1": "Y", "q_1.2": "Y", "q_1.3": "N"})
    assert response.status_code == 200
    assert re.search(r'class="judgement-D1">Low<', response.text)
    saved = latest(project_dir, "rob2", "r01", "alice")
    assert saved is not None
    assert saved.payload["judgements"] == {"D1": "Low"}


def test_an_unknown_stage_is_refused(as_user: Client) -> None:
    assert as_user("alice").get("/screen/nonsense").status_code == 403
