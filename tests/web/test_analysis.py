"""The analysis page: every analysis of the plan pooled with sysreview's own statistics, from the web extraction
forms when they hold the data, else from the plan's files; the numbers on the page are ``rma``'s to the last bit."""

from __future__ import annotations

import base64
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx

from sysreview.effects import escalc
from sysreview.models import rma
from sysreview.project import Project
from sysreview.report import load_plan
from sysreview.report._analyses import study_data
from sysreview.report._plan import read_csv
from tests.web._server import LiveServer
from tests.web.conftest import csrf_of

Client = Callable[[str], httpx.Client]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "atrophic-scars"

PLAN = """\
level = 0.95

[[analyses]]
id = "ecca-smd"
outcome = "ECCA score"          # the label of the form's outcome ecca
label = "ECCA score, SMD, REML with Hartung-Knapp"
measure = "SMD"
method = "REML"
test = "knha"
favours = ["cell therapy", "control"]

[[analyses]]
id = "satisfaction-rr"
outcome = "satisfaction"
measure = "RR"
method = "DL"
test = "z"
"""

#: made-up arm data (n, mean, SD of the ECCA change; satisfied / n) for three included records
ECCA = {
    "r01": ((14, -38.2, 8.1), (14, -9.3, 5.2)),
    "r02": ((20, -30.5, 10.4), (20, -12.0, 9.9)),
    "r03": ((11, -25.0, 7.5), (12, -15.5, 8.0)),
}
SATISFIED = {"r01": ((11, 14), (7, 14)), "r02": ((15, 20), (9, 20)), "r03": ((8, 11), (6, 12))}
LABELS = {"r01": "Author 1 2020", "r02": "Author 2 2020", "r03": "Author 3 2020"}


def _include(project_dir: Path, keys: list[str]) -> None:
    with Project.open(project_dir) as project:
        for key in keys:
            for stage in ("title_abstract", "full_text"):
                for reviewer in ("alice", "bob"):
                    project.store.decide(key, stage=stage, reviewer=reviewer, label="include")


def _extract(client: httpx.Client, key: str, ecca: tuple, satisfied: tuple) -> httpx.Response:
    data = {"csrf_token": csrf_of(client.get(f"/extraction/{key}").text), "country": "Egypt"}
    for arm, (n, mean, sd) in zip(("intervention", "control"), ecca, strict=True):
        data |= {f"o.ecca.{arm}.n": str(n), f"o.ecca.{arm}.mean": str(mean), f"o.ecca.{arm}.sd": str(sd)}
    for arm, (events, n) in zip(("intervention", "control"), satisfied, strict=True):
        data |= {f"o.satisfaction.{arm}.events": str(events), f"o.satisfaction.{arm}.n": str(n)}
    return client.post(f"/extraction/{key}", data=data)


def _section(html: str, analysis: str) -> str:
    match = re.search(rf'<section class="analysis" id="analysis-{analysis}".*?</section>', html, re.S)
    assert match, f"no section for {analysis}"
    return match.group(0)


def _value(section: str, cls: str, attr: str = "value") -> float:
    match = re.search(rf'class="{cls}"[^>]*data-{attr}="([^"]*)"', section)
    assert match, (cls, attr)
    return float(match.group(1))


def _assert_same(section: str, fit: object) -> None:
    """Every pooled number on the page is the fit's own (printed with repr: equal to the last bit)."""
    assert _value(section, "k") == fit.k  # type: ignore[attr-defined]
    assert _value(section, "estimate") == fit.estimate  # type: ignore[attr-defined]
    assert _value(section, "ci", "lower") == fit.ci_lower  # type: ignore[attr-defined]
    assert _value(section, "ci", "upper") == fit.ci_upper  # type: ignore[attr-defined]
    assert _value(section, "pvalue") == fit.pvalue  # type: ignore[attr-defined]
    assert _value(section, "tau2") == fit.tau2  # type: ignore[attr-defined]
    assert _value(section, "I2") == fit.I2  # type: ignore[attr-defined]
    assert f"{fit.method} / {fit.test}" in section  # type: ignore[attr-defined]


def _svg(section: str) -> bytes:
    match = re.search(r'<img class="forest" src="data:image/svg\+xml;base64,([^"]+)"', section)
    assert match, "no forest plot"
    return base64.b64decode(match.group(1))


def test_without_a_plan_the_page_says_what_to_add(as_user: Client) -> None:
    page = as_user("alice").get("/analysis")
    assert page.status_code == 200
    assert 'id="no-plan"' in page.text
    assert "no analysis plan yet" in page.text
    assert "[[analyses]]" in page.text
    assert "<code>measure</code>" in page.text


def test_the_page_pools_the_web_extractions_as_rma_does(as_user: Client, project_dir: Path, server: LiveServer) -> None:
    _include(project_dir, list(ECCA))
    (project_dir / "analysis.toml").write_text(PLAN, encoding="utf-8")
    alice, bob = as_user("alice"), as_user("bob")
    for key, ecca in ECCA.items():
        assert _extract(alice, key, ecca, SATISFIED[key]).status_code == 303
    # bob enters r03 again with another control SD: the later save is used, and the page says so
    ecca_r03 = (ECCA["r03"][0], (12, -15.5, 8.4))
    assert _extract(bob, "r03", ecca_r03, SATISFIED["r03"]).status_code == 303
    used = {**ECCA, "r03": ecca_r03}

    page = alice.get("/analysis")  # a reviewer reads it too
    assert page.status_code == 200
    section = _section(page.text, "ecca-smd")
    assert 'data-source="web"' in section
    assert "the web extraction forms: outcome &#39;ecca&#39;, 3 included studies (entered by alice, bob)" in section
    assert "r03: alice and bob entered different numbers; bob&#39;s (saved later) are used" in section
    t = [used[k][0] for k in used]
    c = [used[k][1] for k in used]
    es = escalc(
        "SMD",
        n1i=[x[0] for x in t], m1i=[x[1] for x in t], sd1i=[x[2] for x in t],
        n2i=[x[0] for x in c], m2i=[x[1] for x in c], sd2i=[x[2] for x in c],
    )  # fmt: skip
    fit = rma(es.yi, es.vi, method="REML", test="knha", level=0.95, measure="SMD", study=list(LABELS.values()))
    _assert_same(section, fit)
    svg = _svg(section)
    assert svg.startswith(b"<?xml")
    assert b"<svg" in svg
    assert all(label.encode() in svg for label in LABELS.values())  # text stays text in the SVG

    section = _section(page.text, "satisfaction-rr")
    events = [SATISFIED[k] for k in SATISFIED]
    es = escalc(
        "RR",
        ai=[a[0][0] for a in events], bi=[a[0][1] - a[0][0] for a in events],
        ci=[a[1][0] for a in events], di=[a[1][1] - a[1][0] for a in events],
    )  # fmt: skip
    fit = rma(es.yi, es.vi, method="DL", test="z", level=0.95, measure="RR", study=list(LABELS.values()))
    _assert_same(section, fit)
    assert f">{math.exp(fit.estimate):.2f}<" in section  # shown as a risk ratio

    # cached: a reload computes nothing; a new save changes the data version and the page
    first = server.app.state.analyses.page()
    assert server.app.state.analyses.page() is first
    assert _extract(alice, "r01", ((14, -40.0, 8.1), (14, -9.3, 5.2)), SATISFIED["r01"]).status_code == 303
    assert server.app.state.analyses.page() is not first
    assert _value(_section(alice.get("/analysis").text, "ecca-smd"), "estimate") != fit.estimate


def test_the_plans_files_are_used_when_the_forms_have_no_data(as_user: Client, project_dir: Path) -> None:
    for name in ("extraction", "appraisal", "screening", "records"):
        shutil.copytree(EXAMPLE / name, project_dir / name)
    shutil.copy(EXAMPLE / "analysis.toml", project_dir / "analysis.toml")
    page = as_user("alice").get("/analysis")
    assert page.status_code == 200
    plan = load_plan(project_dir)
    arms, counts = read_csv(plan.data["arms"]), read_csv(plan.data["counts"])
    for spec in plan.analyses:
        section = _section(page.text, spec.id)
        assert 'data-source="files"' in section
        data = study_data(spec, arms, counts, arms_file="arms", counts_file="counts")
        c = data.columns
        if spec.measure == "SMD":
            assert "the plan&#39;s data files (extraction/table3_arms.csv)" in section
            es = escalc("SMD", n1i=c["n1i"], m1i=c["m1i"], sd1i=c["sd1i"], n2i=c["n2i"], m2i=c["m2i"], sd2i=c["sd2i"])
        else:
            assert "extraction/binary_counts.csv" in section
            b = [n - a for n, a in zip(c["n1i"], c["ai"], strict=True)]
            d = [n - x for n, x in zip(c["n2i"], c["ci"], strict=True)]
            es = escalc("RR", ai=c["ai"], bi=b, ci=c["ci"], di=d)
        fit = rma(es.yi, es.vi, method=spec.method, test=spec.test, level=plan.level, measure=spec.measure,
                  study=list(data.study))  # fmt: skip
        _assert_same(section, fit)
        assert b"Suh et al. (2025)" in _svg(section)


def test_a_computation_error_is_a_message_not_a_500(as_user: Client, project_dir: Path) -> None:
    (project_dir / "data").mkdir()
    (project_dir / "data" / "arms.csv").write_text(
        "table3_row,study,cell_type,arm,n,ecca_change_mean,ecca_change_sd\n"
        "1,Suh,SVF,intervention,fourteen,-38.2,8.1\n1,Suh,SVF,control,14,-9.3,5.2\n",
        encoding="utf-8",
    )
    plan = PLAN.replace("level = 0.95\n", 'level = 0.95\n\n[data]\narms = "data/arms.csv"\n')
    (project_dir / "analysis.toml").write_text(plan, encoding="utf-8")
    page = as_user("alice").get("/analysis")
    assert page.status_code == 200
    section = _section(page.text, "ecca-smd")
    assert "This analysis could not be computed" in section
    assert "column &#39;n&#39;: expected a number, got &#39;fourteen&#39;" in section
    (project_dir / "analysis.toml").write_text('[[analyses]]\nid = "x"\n', encoding="utf-8")
    page = as_user("alice").get("/analysis")
    assert page.status_code == 200
    assert 'id="plan-problem"' in page.text


def test_outcome_numbers_are_checked_before_saving(as_user: Client, project_dir: Path) -> None:
    _include(project_dir, ["r01"])
    client = as_user("alice")
    token = csrf_of(client.get("/extraction/r01").text)
    bad = client.post(
        "/extraction/r01",
        data={
            "csrf_token": token,
            "o.ecca.intervention.n": "14.5",
            "o.ecca.intervention.sd": "-1",
            "o.satisfaction.control.events": "15",
            "o.satisfaction.control.n": "14",
        },
    )
    assert bad.status_code == 422
    assert "expected a whole number, 0 or more" in bad.text
    assert "expected 0 or more" in bad.text
    assert "expected at most the arm&#39;s n" in bad.text
    with Project.open(project_dir) as project:
        assert project.store.web.latest("extraction", "r01") is None
