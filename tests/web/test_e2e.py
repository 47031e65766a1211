"""End to end in Debian's Chromium through Playwright: login, ten records screened by keyboard, a conflict between
two reviewers resolved by a lead, an extraction saved, the analysis page with its forest plot (and, once opened,
its leave-one-out and funnel plots), logout. Screenshots are kept (``out/web-screenshots/``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sysreview.project import Project
from tests.web._fixtures import PASSWORDS, ris
from tests.web._server import LiveServer

CHROMIUM = Path(os.environ.get("SYSREVIEW_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KEPT = Path(__file__).resolve().parents[2] / "out" / "web-screenshots"
PLAN = """\
[[analyses]]
id = "ecca"
outcome = "ecca"
label = "ECCA score change, SMD, REML"
measure = "SMD"
method = "REML"
test = "z"
favours = ["cell therapy", "control"]
leave_one_out = true
small_study = true
"""


def _missing(what: str) -> None:
    # a test that did not run in CI because a tool is missing is a failure there (STYLE.md 10)
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"{what}; .ci/run installs it")
    pytest.skip(what)


@pytest.fixture
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    yield folder
    KEPT.mkdir(parents=True, exist_ok=True)
    for shot in folder.glob("*.png"):
        shutil.copy2(shot, KEPT / shot.name)


def _login(browser: object, url: str, name: str) -> object:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    if os.environ.get("SYSREVIEW_E2E_TRACE"):
        page.on(
            "response", lambda r: print(name, r.status, r.request.method, r.url, r.request.headers.get("hx-request"))
        )
        page.on("console", lambda m: print(name, "console", m.text))
    page.goto(url + "/")
    page.wait_for_url("**/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORDS[name])
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(url + "/")
    return page


def test_login_screen_resolve_extract_logout(browser: object, project_dir: Path, shots: Path) -> None:
    with Project.open(project_dir) as project:  # one study already through full text, to extract from
        for stage in ("title_abstract", "full_text"):
            for reviewer in ("alice", "bob"):
                project.store.decide("r12", stage=stage, reviewer=reviewer, label="include")
        # and two more, screened and extracted by bob and carol, for the analysis page
        (project_dir / "more.ris").write_text(ris(2).replace("ID  - r0", "ID  - x0"), encoding="utf-8")
        project.import_files([project_dir / "more.ris"], source="Embase")
        for key, (mean, sd) in {"x01": (-30.5, 10.4), "x02": (-25.0, 7.5)}.items():
            for stage in ("title_abstract", "full_text"):
                for reviewer in ("bob", "carol"):
                    project.store.decide(key, stage=stage, reviewer=reviewer, label="include")
            arms = {"intervention": {"n": "20", "mean": str(mean), "sd": str(sd)}}
            arms["control"] = {"n": "20", "mean": "-12.0", "sd": "9.9"}
            project.store.web.submit("extraction", key, reviewer="bob", payload={"outcomes": {"ecca": arms}})
    (project_dir / "analysis.toml").write_text(PLAN, encoding="utf-8")
    server = LiveServer(project_dir).start()
    try:
        # an anonymous visitor sees the login form only; a wrong password gets nowhere
        anonymous = browser.new_context().new_page()  # type: ignore[attr-defined]
        anonymous.goto(server.url + "/screen/title_abstract")
        anonymous.wait_for_url("**/login")
        anonymous.fill('input[name="name"]', "alice")
        anonymous.fill('input[name="password"]', "wrong-password")
        anonymous.click('#login-form button[type="submit"]')
        anonymous.wait_for_url("**/login?error=1")
        assert anonymous.locator(".error").is_visible()
        anonymous.screenshot(path=str(shots / "01-login-refused.png"))

        alice = _login(browser, server.url, "alice")
        alice.screenshot(path=str(shots / "02-dashboard.png"))
        alice.goto(server.url + "/screen/title_abstract")
        labels = {}
        for n in range(1, 11):
            key = f"r{n:02d}"
            alice.wait_for_selector(f'body:not(.busy) #card article[data-record="{key}"]')
            if n == 1:
                assert alice.locator("mark.kw-include").count() >= 2
                alice.screenshot(path=str(shots / "03-screening.png"))
            press = "i" if n % 3 else "e"
            labels[key] = {"i": "include", "e": "exclude"}[press]
            alice.keyboard.press(press)
        alice.wait_for_selector('body:not(.busy) #card article[data-record="r11"]')
        # undo by keyboard brings r10 back; decide it again
        alice.keyboard.press("u")
        alice.wait_for_selector('body:not(.busy) #card article[data-record="r10"]')
        alice.keyboard.press("i")
        labels["r10"] = "include"
        alice.wait_for_selector('body:not(.busy) #card article[data-record="r11"]')
        assert "11 screened" in alice.inner_text("#progress")  # ten here and r12 before
        alice.screenshot(path=str(shots / "04-ten-screened.png"))
        with Project.open(project_dir) as project:
            votes = {
                d.record: d.label
                for d in project.store.decisions("title_abstract", reviewer="alice")
                if d.kind == "vote" and d.record != "r12"
            }
            state = project.store.state()
        assert {k: state.screening.get(k, "title_abstract").vote_of("alice").label for k in votes} == labels

        # bob screens r01 the other way (blind: his card shows no vote of alice's)
        bob = _login(browser, server.url, "bob")
        bob.goto(server.url + "/screen/title_abstract")
        bob.wait_for_selector('body:not(.busy) #card article[data-record="r01"]')
        assert "alice" not in bob.content()
        bob.keyboard.press("e")
        bob.wait_for_selector('body:not(.busy) #card article[data-record="r02"]')

        carol = _login(browser, server.url, "carol")
        carol.goto(server.url + "/conflicts/title_abstract")
        conflict = carol.locator('article.conflict[data-record="r01"]')
        assert "alice: include" in conflict.inner_text()
        assert "bob: exclude" in conflict.inner_text()
        carol.screenshot(path=str(shots / "05-conflict.png"))
        conflict.locator('button[value="include"]').click()
        carol.wait_for_selector("#no-conflicts")
        carol.screenshot(path=str(shots / "06-conflict-resolved.png"))

        alice.goto(server.url + "/extraction/r12")
        alice.fill("#f-country", "Egypt")
        alice.fill("#f-year", "2020")
        alice.select_option("#f-design", "within-person")
        for arm, values in {"intervention": ("14", "-38.2", "8.1"), "control": ("14", "-9.3", "5.2")}.items():
            for stat, value in zip(("n", "mean", "sd"), values, strict=True):
                alice.fill(f"#o-ecca-{arm}-{stat}", value)
        alice.click("#save-extraction")
        alice.wait_for_selector("#saved")
        alice.screenshot(path=str(shots / "07-extraction-saved.png"), full_page=True)

        # the analysis page pools the three extractions and draws the forest plot (a reviewer may read it)
        alice.click("nav >> text=Analysis")
        section = alice.locator("#analysis-ecca")
        section.wait_for()
        assert section.locator("td.k").inner_text() == "3"
        assert "web extraction forms" in section.locator(".source").inner_text()
        forest = section.locator("img.forest")
        assert forest.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG renders under the CSP
        # opening the extras loads them through htmx: leave-one-out and the funnel plot with Egger's test
        section.locator("details.extras > summary").click()
        section.locator("#small-study-ecca img.plot").wait_for()
        assert section.locator("#leave-one-out-ecca tr.omitted").count() == 3
        assert "Egger" in section.locator("#small-study-ecca").inner_text()
        images = alice.locator("main img")
        assert images.count() == 3
        broken = alice.evaluate(
            "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0) || !i.alt).map(i => i.alt)"
        )
        assert broken == []  # no broken image and none without a text alternative
        alice.screenshot(path=str(shots / "08-analysis.png"), full_page=True)

        alice.click("#logout")
        alice.wait_for_url("**/login")
        alice.goto(server.url + "/")
        alice.wait_for_url("**/login")
        alice.screenshot(path=str(shots / "09-logged-out.png"))
    finally:
        server.stop()
    with Project.open(project_dir) as project:
        entry = project.store.state().screening.get("r01", "title_abstract")
    assert entry.status == "included"
    assert entry.resolution is not None
    assert entry.resolution.reviewer == "carol"
