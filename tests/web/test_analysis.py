"""The analysis page: every analysis of the plan pooled with sysreview's own statistics, from the web extraction
forms when they hold the data, else from the plan's files; the numbers on the page are ``rma``'s to the last bit."""

from __future__ import annotations

import base64
import math
import re
import shutil
from collections.abc import Callable
from html import unescape
from pathlib import Path

import httpx

from sysreview import diagnostics
from sysreview.effects import escalc
from sysreview.models import rma, subgroup_analysis
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


# ---------------------------------------------------------------------- subgroups, leave-one-out, small-study effects
HX = {"HX-Request": "true"}


def _part(html: str, part: str, analysis: str) -> str:
    match = re.search(rf'<section class="extra" id="{part}-{analysis}".*?</section>', html, re.S)
    assert match, f"no {part} part for {analysis}"
    return match.group(0)


def _rows(section: str, cls: str, key: str) -> dict[str, str]:
    """The table rows of class ``cls``, by their ``data-{key}``."""
    return dict(re.findall(rf'<tr class="{cls}" data-{key}="([^"]*)">(.*?)</tr>', section, re.S))


def _images(html: str) -> list[tuple[str, bytes]]:
    """Every plot of a page: its alt text and the decoded SVG."""
    found = re.findall(r'<img class="[^"]*" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)">', html)
    assert len(found) == html.count("<img "), "every image is an SVG data URI with an alt text"
    return [(unescape(alt), base64.b64decode(data)) for data, alt in found]


def _assert_same_fit(row: str, fit: object) -> None:
    assert _value(row, "estimate") == fit.estimate  # type: ignore[attr-defined]
    assert _value(row, "ci", "lower") == fit.ci_lower  # type: ignore[attr-defined]
    assert _value(row, "ci", "upper") == fit.ci_upper  # type: ignore[attr-defined]
    assert _value(row, "pvalue") == fit.pvalue  # type: ignore[attr-defined]
    assert _value(row, "tau2") == fit.tau2  # type: ignore[attr-defined]
    assert _value(row, "I2") == fit.I2  # type: ignore[attr-defined]


def _assert_loo(section: str, loo: object) -> None:
    rows = _rows(section, "omitted", "study")
    assert list(rows) == list(loo.study)  # type: ignore[attr-defined]
    for i, row in enumerate(rows.values()):
        assert _value(row, "estimate") == loo.estimate[i]  # type: ignore[attr-defined]
        assert _value(row, "ci", "lower") == loo.ci_lower[i]  # type: ignore[attr-defined]
        assert _value(row, "ci", "upper") == loo.ci_upper[i]  # type: ignore[attr-defined]
        assert _value(row, "tau2") == loo.tau2[i]  # type: ignore[attr-defined]
        i2 = loo.I2[i]  # type: ignore[attr-defined]
        assert _value(row, "I2") == i2 or (math.isnan(i2) and math.isnan(_value(row, "I2")))


def test_the_plans_extras_are_the_libraries_on_the_plans_files(
    as_user: Client, project_dir: Path, server: LiveServer
) -> None:
    for name in ("extraction", "appraisal", "screening", "records"):
        shutil.copytree(EXAMPLE / name, project_dir / name)
    shutil.copy(EXAMPLE / "analysis.toml", project_dir / "analysis.toml")
    client = as_user("bob")
    page = client.get("/analysis").text
    # the page names what each analysis' extras hold and loads them lazily, one analysis at a time
    primary = _section(page, "ecca-smd-dl")
    assert 'hx-get="/analysis/ecca-smd-dl/extras" hx-trigger="toggle once"' in primary
    assert "<summary>Subgroups by cell_type, leave-one-out, small-study effects" in primary
    assert 'id="subgroups-ecca-smd-dl"' not in page  # not rendered until opened
    assert "<summary>Leave-one-out</summary>" in _section(page, "ecca-smd-reml-hk")
    assert 'class="extras"' not in _section(page, "satisfaction-rr-dl")
    assert "asks for no subgroup, leave-one-out or small-study analysis" in _section(page, "satisfaction-rr-dl")

    plan = load_plan(project_dir)
    spec = plan.analyses[0]
    data = study_data(spec, read_csv(plan.data["arms"]), [], arms_file="arms", counts_file="")
    c = data.columns
    es = escalc("SMD", n1i=c["n1i"], m1i=c["m1i"], sd1i=c["sd1i"], n2i=c["n2i"], m2i=c["m2i"], sd2i=c["sd2i"])
    fit = rma(es.yi, es.vi, method="DL", test="z", level=0.95, measure="SMD", study=list(data.study))

    extras = client.get("/analysis/ecca-smd-dl/extras", headers=HX)
    assert extras.status_code == 200
    html = extras.text
    assert "<html" not in html  # the fragment htmx swaps in

    sub = subgroup_analysis(es.yi, es.vi, list(data.group["cell_type"]), method="DL", test="z", level=0.95,
                            measure="SMD", study=list(data.study), variable="cell_type")  # fmt: skip
    section = _part(html, "subgroups", "ecca-smd-dl")
    assert "subgroup of &#39;cell_type&#39; (a column of the arms file)" in section
    assert "Data: the plan&#39;s data files (extraction/table3_arms.csv)." in section
    rows = _rows(section, "subgroup", "subgroup")
    assert list(rows) == list(sub.subgroups) == ["ReCell", "SVF/ADSC"]
    for level, row in rows.items():
        assert _value(row, "k") == sub.subgroups[level].k
        _assert_same_fit(row, sub.subgroups[level])
    assert _rows(section, "single", "subgroup").keys() == {"Fibroblast"} == set(sub.single_study_levels)
    q = re.search(r'class="q-between" data-q="([^"]+)" data-df="([^"]+)" data-p="([^"]+)"', section)
    assert q
    assert (float(q[1]), int(q[2]), float(q[3])) == (sub.Q_between, sub.Q_between_df, sub.Q_between_pvalue)
    assert f"df = {sub.Q_between_df}, p = {sub.Q_between_pvalue:.3g}" in section

    section = _part(html, "leave-one-out", "ecca-smd-dl")
    assert "refitted once without each study in turn" in section
    _assert_loo(section, diagnostics.leave_one_out(fit))
    assert '<th scope="col">Study omitted</th>' in section

    section = _part(html, "small-study", "ecca-smd-dl")
    egger, trimfill = diagnostics.egger_test(fit), diagnostics.trim_and_fill(fit)
    assert _value(section, "statistic") == egger.statistic
    assert _value(section, "df") == egger.df == 4
    assert _value(section, "pvalue") == egger.pvalue
    assert _value(section, "k0") == trimfill.k0
    assert _value(section, "estimate") == trimfill.estimate
    assert "With 6 studies, fewer than the 10 the report requires" in section

    images = _images(html)
    assert [alt.split(":")[0] for alt, _ in images] == [
        "Forest plot by cell_type",
        f"Leave-one-out plot of {spec.label}",
        f"Funnel plot of {spec.label}",
    ]
    pooled = f"pooled SMD {fit.estimate:.2f} (95% CI {fit.ci_lower:.2f} to {fit.ci_upper:.2f}), I² = {fit.I2:.1f}%"
    for alt, svg in images:
        assert svg.startswith(b"<?xml")
        assert pooled.replace("pooled", "overall" if alt.startswith("Forest") else "pooled") in alt.replace(
            "&#39;", "'"
        )
    assert f"ReCell: k = 2 studies, pooled SMD {sub.subgroups['ReCell'].estimate:.2f}" in images[0][0]
    assert f"Egger's test t = {egger.statistic:.2f} (df = 4), p = {egger.pvalue:.3g}" in images[2][0]
    assert pooled in _images(_section(page, "ecca-smd-dl"))[0][0]  # the overall forest plot's alt text too

    # a plan without subgroups (or small-study effects) for an analysis shows no such section
    html = client.get("/analysis/ecca-smd-reml-hk/extras", headers=HX).text
    assert 'data-part="subgroups"' not in html
    assert 'data-part="small_study"' not in html
    fit = rma(es.yi, es.vi, method="REML", test="knha", level=0.95, measure="SMD", study=list(data.study))
    _assert_loo(_part(html, "leave-one-out", "ecca-smd-reml-hk"), diagnostics.leave_one_out(fit))

    # without htmx: a page of its own; an unknown analysis: 404; computed once per data version
    whole = client.get("/analysis/ecca-smd-dl/extras")
    assert whole.status_code == 200
    assert "<h1>" + spec.label.replace("'", "&#39;") + "</h1>" in whole.text
    assert "<h2>Subgroups by cell_type</h2>" in whole.text
    assert client.get("/analysis/nothing/extras").status_code == 404
    cache = server.app.state.analyses
    assert cache.extras("ecca-smd-dl") is cache.extras("ecca-smd-dl")
    first = cache.extras("ecca-smd-dl")
    arms = project_dir / "extraction" / "table3_arms.csv"
    arms.write_text(arms.read_text(encoding="utf-8").replace("ReCell", "Recell"), encoding="utf-8")
    assert cache.extras("ecca-smd-dl") is not first
    assert "Recell" in _part(client.get("/analysis/ecca-smd-dl/extras", headers=HX).text, "subgroups", "ecca-smd-dl")


EXTRAS_PLAN = """\
[[analyses]]
id = "ecca-smd"
outcome = "ecca"
measure = "SMD"
method = "REML"
test = "knha"
subgroup = "centres"
leave_one_out = true
small_study = true

[[analyses]]
id = "satisfaction-rr"
outcome = "satisfaction"
measure = "RR"
method = "DL"
test = "z"
subgroup = "cell_type"
leave_one_out = true
small_study = true
"""


def test_the_extras_from_the_web_forms_and_when_they_cannot_be_computed(as_user: Client, project_dir: Path) -> None:
    ecca = {**ECCA, "r04": ((16, -33.0, 9.0), (16, -11.0, 8.5))}
    centres = {"r01": "single-centre", "r02": "multicentre", "r03": "single-centre", "r04": "multicentre"}
    _include(project_dir, list(ecca))
    (project_dir / "analysis.toml").write_text(EXTRAS_PLAN, encoding="utf-8")
    alice = as_user("alice")
    for key, numbers in ecca.items():
        data = {"csrf_token": csrf_of(alice.get(f"/extraction/{key}").text), "centres": centres[key]}
        for arm, (n, mean, sd) in zip(("intervention", "control"), numbers, strict=True):
            data |= {f"o.ecca.{arm}.n": str(n), f"o.ecca.{arm}.mean": str(mean), f"o.ecca.{arm}.sd": str(sd)}
        if key in SATISFIED and key != "r03":  # satisfaction from two studies only
            for arm, (events, n) in zip(("intervention", "control"), SATISFIED[key], strict=True):
                data |= {f"o.satisfaction.{arm}.events": str(events), f"o.satisfaction.{arm}.n": str(n)}
        assert alice.post(f"/extraction/{key}", data=data).status_code == 303
    labels = [f"Author {i} 2020" for i in range(1, 5)]

    html = alice.get("/analysis/ecca-smd/extras", headers=HX).text
    t, c = [ecca[k][0] for k in ecca], [ecca[k][1] for k in ecca]
    es = escalc(
        "SMD",
        n1i=[x[0] for x in t], m1i=[x[1] for x in t], sd1i=[x[2] for x in t],
        n2i=[x[0] for x in c], m2i=[x[1] for x in c], sd2i=[x[2] for x in c],
    )  # fmt: skip
    sub = subgroup_analysis(es.yi, es.vi, list(centres.values()), method="REML", test="knha", level=0.95,
                            measure="SMD", study=labels, variable="centres")  # fmt: skip
    section = _part(html, "subgroups", "ecca-smd")
    assert "(a study field of the extraction forms)" in section
    assert "Data: the web extraction forms: outcome &#39;ecca&#39;, 4 included studies (entered by alice)." in section
    rows = _rows(section, "subgroup", "subgroup")
    assert list(rows) == ["multicentre", "single-centre"]
    for level, row in rows.items():
        _assert_same_fit(row, sub.subgroups[level])
    assert f'data-q="{sub.Q_between}" data-df="1" data-p="{sub.Q_between_pvalue}"' in section
    fit = rma(es.yi, es.vi, method="REML", test="knha", level=0.95, measure="SMD", study=labels)
    _assert_loo(_part(html, "leave-one-out", "ecca-smd"), diagnostics.leave_one_out(fit))
    section = _part(html, "small-study", "ecca-smd")
    assert _value(section, "statistic") == diagnostics.egger_test(fit).statistic
    assert "With 4 studies, fewer than the 10" in section

    # two studies: no funnel, and the page says why; the form has no cell_type: a message; leave-one-out still shows
    html = alice.get("/analysis/satisfaction-rr/extras", headers=HX).text
    section = _part(html, "small-study", "satisfaction-rr")
    assert "Not computed: Egger&#39;s test needs at least 3 studies, got k = 2" in section
    assert "<img" not in section
    section = _part(html, "subgroups", "satisfaction-rr")
    assert "Not computed: the extraction form has no study field &#39;cell_type&#39;" in section
    events = [SATISFIED[k] for k in ("r01", "r02")]
    es = escalc(
        "RR",
        ai=[a[0][0] for a in events], bi=[a[0][1] - a[0][0] for a in events],
        ci=[a[1][0] for a in events], di=[a[1][1] - a[1][0] for a in events],
    )  # fmt: skip
    fit = rma(es.yi, es.vi, method="DL", test="z", level=0.95, measure="RR", study=labels[:2])
    section = _part(html, "leave-one-out", "satisfaction-rr")
    _assert_loo(section, diagnostics.leave_one_out(fit))
    assert f">{math.exp(diagnostics.leave_one_out(fit).estimate[0]):.2f}<" in section  # shown as a risk ratio
    assert len(_images(html)) == 1
