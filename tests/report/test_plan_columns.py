"""The analysis plan names its own columns, comparison, subgroup and measure; `sysreview run` is not tied to
the example review's extraction files."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sysreview.effects import escalc
from sysreview.errors import InputError
from sysreview.models import rma, subgroup_analysis
from sysreview.report._analyses import StudyData, run_analysis, study_data
from sysreview.report._plan import Plan, load_plan, read_csv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "atrophic-scars"

ARMS = """\
pair,study,arm,setting,size,pain_mean,pain_sd
A,Alpha 2019,intervention,inpatient,30,2.1,1.2
A,Alpha 2019,control,inpatient,31,3.0,1.4
B,Beta 2020,intervention,outpatient,45,2.8,1.1
B,Beta 2020,control,outpatient,44,3.1,1.3
C,Gamma 2021,intervention,inpatient,22,1.9,0.9
C,Gamma 2021,control,inpatient,20,3.2,1.5
D,Delta 2022,intervention,outpatient,60,2.5,1.0
D,Delta 2022,control,outpatient,58,2.9,1.2
"""

COUNTS = """\
outcome,pair,arm,size,relapses
relapse,A,intervention,30,4
relapse,A,control,31,9
relapse,B,intervention,45,10
relapse,B,control,44,12
other,B,intervention,45,1
other,B,control,44,2
relapse,C,intervention,22,2
relapse,C,control,20,6
relapse,D,intervention,60,11
relapse,D,control,58,15
"""

PLAN = """\
level = 0.95

[data]
arms = "arms.csv"
counts = "counts.csv"

[[analyses]]
id = "pain-md"
outcome = "pain"
measure = "MD"
method = "REML"
test = "z"
mean = "pain_mean"
sd = "pain_sd"
n = "size"
comparison = "pair"
subgroup = "setting"

[[analyses]]
id = "relapse-or"
outcome = "relapse"
measure = "OR"
method = "DL"
events = "relapses"
n = "size"
comparison = "pair"
subgroup = "setting"
"""

T_N, C_N = [30, 45, 22, 60], [31, 44, 20, 58]
T_M, T_SD, C_M, C_SD = [2.1, 2.8, 1.9, 2.5], [1.2, 1.1, 0.9, 1.0], [3.0, 3.1, 3.2, 2.9], [1.4, 1.3, 1.5, 1.2]
T_E, C_E = [4, 10, 2, 11], [9, 12, 6, 15]
CELL_TYPES = ("SVF/ADSC", "Fibroblast", "ReCell", "SVF/ADSC", "ReCell", "SVF/ADSC")  # seed 001 Table 3
SETTING = ["inpatient", "outpatient", "inpatient", "outpatient"]


def _project(tmp_path: Path, plan: str = PLAN, arms: str = ARMS, counts: str = COUNTS) -> Path:
    (tmp_path / "arms.csv").write_text(arms, encoding="utf-8")
    (tmp_path / "counts.csv").write_text(counts, encoding="utf-8")
    (tmp_path / "analysis.toml").write_text(plan, encoding="utf-8")
    return tmp_path


def _data(plan: Plan, index: int) -> StudyData:
    arms, counts = read_csv(plan.data["arms"]), read_csv(plan.data["counts"])
    return study_data(plan.analyses[index], arms, counts, arms_file=str(plan.data["arms"]),
                      counts_file=str(plan.data["counts"]))  # fmt: skip


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14)


def test_md_with_the_plans_own_columns_equals_escalc_and_rma(tmp_path: Path) -> None:
    plan = load_plan(_project(tmp_path))
    spec = plan.analyses[0]
    assert (spec.mean, spec.sd, spec.n, spec.comparison, spec.subgroup) == (
        "pain_mean", "pain_sd", "size", "pair", "setting")  # fmt: skip
    data = _data(plan, 0)
    assert data.study == ("Alpha 2019", "Beta 2020", "Gamma 2021", "Delta 2022")
    assert data.group == {"setting": tuple(SETTING)}
    out = run_analysis(spec, data, level=0.95)
    es = escalc("MD", n1i=T_N, m1i=T_M, sd1i=T_SD, n2i=C_N, m2i=C_M, sd2i=C_SD)
    direct = rma(es.yi, es.vi, method="REML", test="z", measure="MD")
    assert out.fit.measure == "MD"
    for key in ("estimate", "se", "ci_lower", "ci_upper", "tau2", "I2", "Q"):
        assert _close(out.fit.to_dict()[key], direct.to_dict()[key]), key
    sub = subgroup_analysis(es.yi, es.vi, SETTING, method="REML", test="z", measure="MD")
    assert out.subgroups is not None
    assert out.subgroups.variable == "setting"
    assert _close(out.subgroups.Q_between, sub.Q_between)
    assert out.data.participants == sum(T_N) + sum(C_N)


def test_or_from_the_counts_table_equals_escalc_and_rma(tmp_path: Path) -> None:
    plan = load_plan(_project(tmp_path))
    data = _data(plan, 1)
    assert data.columns == {"ai": tuple(map(float, T_E)), "n1i": tuple(map(float, T_N)),
                            "ci": tuple(map(float, C_E)), "n2i": tuple(map(float, C_N))}  # fmt: skip
    assert data.group == {"setting": tuple(SETTING)}
    out = run_analysis(plan.analyses[1], data, level=0.95)
    bi = [n - e for n, e in zip(T_N, T_E, strict=True)]
    di = [n - e for n, e in zip(C_N, C_E, strict=True)]
    es = escalc("OR", ai=T_E, bi=bi, ci=C_E, di=di)
    direct = rma(es.yi, es.vi, method="DL", test="z", measure="OR")
    for key in ("estimate", "se", "ci_lower", "ci_upper", "tau2", "I2", "Q"):
        assert _close(out.fit.to_dict()[key], direct.to_dict()[key]), key
    sub = subgroup_analysis(es.yi, es.vi, SETTING, method="DL", test="z", measure="OR")
    assert _close(out.subgroups.Q_between, sub.Q_between)
    assert out.sof is not None


def test_the_study_name_comes_from_the_arm_table(tmp_path: Path) -> None:
    # the counts table has no study column: binary comparisons are named by the arm table's intervention arm
    plan = load_plan(_project(tmp_path))
    assert _data(plan, 1).study == ("Alpha 2019", "Beta 2020", "Gamma 2021", "Delta 2022")
    assert _data(plan, 0).study == ("Alpha 2019", "Beta 2020", "Gamma 2021", "Delta 2022")


def test_continuous_rows_are_filtered_by_outcome_and_other_measures_run(tmp_path: Path) -> None:
    lines = ARMS.splitlines()
    arms = "\n".join([f"outcome,{lines[0]}", *(f"pain,{x}" for x in lines[1:]), *(f"sleep,{x}" for x in lines[1:3])])
    for measure in ("SMD", "SMDH", "ROM"):
        project = _project(tmp_path, plan=PLAN.replace('measure = "MD"', f'measure = "{measure}"'), arms=arms + "\n")
        plan = load_plan(project)
        data = _data(plan, 0)
        assert len(data.study) == 4
        out = run_analysis(plan.analyses[0], data, level=0.95)
        es = escalc(measure, n1i=T_N, m1i=T_M, sd1i=T_SD, n2i=C_N, m2i=C_M, sd2i=C_SD)
        assert _close(out.fit.estimate, rma(es.yi, es.vi, method="REML").estimate), measure
    for measure in ("RR", "RD"):
        plan = load_plan(_project(tmp_path, plan=PLAN.replace('measure = "OR"', f'measure = "{measure}"')))
        out = run_analysis(plan.analyses[1], _data(plan, 1), level=0.95)
        bi = [n - e for n, e in zip(T_N, T_E, strict=True)]
        di = [n - e for n, e in zip(C_N, C_E, strict=True)]
        es = escalc(measure, ai=T_E, bi=bi, ci=C_E, di=di)
        assert _close(out.fit.estimate, rma(es.yi, es.vi, method="DL").estimate), measure


def test_a_missing_column_names_file_row_and_column(tmp_path: Path) -> None:
    plan = load_plan(_project(tmp_path, plan=PLAN.replace('sd = "pain_sd"', 'sd = "pain_sd_change"')))
    with pytest.raises(InputError, match=r"arms\.csv: row 2: no column 'pain_sd_change'"):
        _data(plan, 0)
    plan = load_plan(_project(tmp_path, plan=PLAN.replace('comparison = "pair"', 'comparison = "table3_row"')))
    with pytest.raises(InputError, match=r"arms\.csv: row 2: no column 'table3_row'"):
        _data(plan, 0)
    plan = load_plan(_project(tmp_path, counts=COUNTS.replace("intervention,45,10", "intervention,45,x")))
    with pytest.raises(InputError, match=r"counts\.csv: row 4: column 'relapses': expected a number, got 'x'"):
        _data(plan, 1)


def test_a_subgroup_that_differs_between_the_arms_is_an_error(tmp_path: Path) -> None:
    arms = ARMS.replace("C,Gamma 2021,control,inpatient", "C,Gamma 2021,control,outpatient")
    plan = load_plan(_project(tmp_path, arms=arms))
    for index in (0, 1):
        with pytest.raises(InputError, match=r"arms\.csv: row 7: column 'setting': 'outpatient' differs from "
                                             r"'inpatient' in the intervention arm \(row 6\) of pair 'C'"):  # fmt: skip
            _data(plan, index)


def test_a_comparison_needs_one_intervention_and_one_control_arm(tmp_path: Path) -> None:
    plan = load_plan(_project(tmp_path, arms=ARMS.replace("D,Delta 2022,control", "D,Delta 2022,intervention")))
    with pytest.raises(InputError, match=r"arms\.csv: row 9: a second 'intervention' arm for pair 'D'"):
        _data(plan, 0)
    plan = load_plan(_project(tmp_path, arms="\n".join(ARMS.splitlines()[:-1]) + "\n"))
    with pytest.raises(InputError, match=r"pair 'D': expected one intervention and one control arm, got intervention"):
        _data(plan, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('measure = "MD"', (r"key 'analyses\[1\]\.measure' \(analysis 'pain-md'\): 'HR' is not one of "
                            r"MD, SMD, SMDH, ROM, RR, OR, RD")),
        ('measure = "OR"', (r"key 'analyses\[2\]\.measure' \(analysis 'relapse-or'\): 'PETO' is not one of .*RD "
                            r"\(Peto's one-step odds ratio")),
        ('comparison = "pair"', r"key 'analyses\[1\]\.comparison' \(analysis 'pain-md'\): expected text"),
        ('subgroup = "setting"', r"key 'analyses\[1\]\.subgroup' \(analysis 'pain-md'\): expected text"),
        ('test = "z"', r"key 'analyses\[1\]\.test' \(analysis 'pain-md'\): 'wald' is not one of"),
    ],
)  # fmt: skip
def test_plan_errors_name_the_file_the_analysis_and_the_field(tmp_path: Path, change: str, message: str) -> None:
    key, value = change.split(" = ")
    bad = {"measure": '"HR"' if value == '"MD"' else '"PETO"', "comparison": '""', "subgroup": "1", "test": '"wald"'}
    plan = PLAN.replace(change, f"{key} = {bad[key]}", 1)
    with pytest.raises(InputError, match=message) as err:
        load_plan(_project(tmp_path, plan=plan))
    assert str(tmp_path / "analysis.toml") in str(err.value)


def test_the_example_plan_reads_seed_001s_columns_by_default() -> None:
    plan = load_plan(EXAMPLE)
    spec = plan.analyses[0]
    assert (spec.mean, spec.sd, spec.n, spec.events, spec.comparison) == (
        "ecca_change_mean", "ecca_change_sd", "n", "events", "table3_row")  # fmt: skip
    data = _data(plan, 0)
    assert data.columns["m1i"] == (-38.2, -23.1, -37.6, -32.0, -34.3, -28.7)
    assert data.columns["sd2i"] == (5.2, 4.1, 5.7, 4.3, 5.2, 4.3)
    assert data.group == {"cell_type": CELL_TYPES}
    binary = _data(plan, 2)
    assert set(binary.columns) == {"ai", "n1i", "ci", "n2i"}
    assert binary.group == {}


def test_sysreview_run_reports_a_plan_with_other_measures_and_columns(tmp_path: Path) -> None:
    """The whole `sysreview run` (figures, methods, HTML, Markdown, Word) on a project that is not the example: an MD
    and an OR analysis with their own column names and a subgroup by `setting`."""
    import json

    from typer.testing import CliRunner

    from sysreview.cli import app

    (tmp_path / "project").mkdir()
    project = _project(tmp_path / "project")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(project), "--out", str(out)])
    assert result.exit_code == 0, result.output
    results = {a["id"]: a for a in json.loads((out / "results.json").read_text(encoding="utf-8"))["analyses"]}
    mean_difference = escalc("MD", n1i=T_N, m1i=T_M, sd1i=T_SD, n2i=C_N, m2i=C_M, sd2i=C_SD)
    md = rma(mean_difference.yi, mean_difference.vi, method="REML")
    assert math.isclose(results["pain-md"]["estimate"], md.estimate, rel_tol=1e-12)
    bi = [n - e for n, e in zip(T_N, T_E, strict=True)]
    di = [n - e for n, e in zip(C_N, C_E, strict=True)]
    es = escalc("OR", ai=T_E, bi=bi, ci=C_E, di=di)
    odds = rma(es.yi, es.vi, method="DL")
    assert math.isclose(results["relapse-or"]["estimate"], odds.estimate, rel_tol=1e-12)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "raw mean differences with the sampling variance sd1²/n1 + sd2²/n2" in page
    assert "log odds ratios with the sampling variance 1/a + 1/b + 1/c + 1/d" in page
    assert f"{math.exp(odds.estimate):.2f}" in page  # odds ratios are reported back-transformed
    assert "ECCA" not in page
    assert "Mean difference" in (out / "figures" / "forest-pain-md.svg").read_text(encoding="utf-8")
    _assert_about_this_project(out)


def _assert_about_this_project(out: Path) -> None:
    """The HTML, Markdown and Word reports name the project's own studies and files and say nothing of the
    example review (its tables, its outcome, its columns)."""
    import docx

    document = docx.Document(str(out / "report.docx"))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    reports = {
        "index.html": (out / "index.html").read_text(encoding="utf-8"),
        "report.md": (out / "report.md").read_text(encoding="utf-8"),
        "report.docx": "\n".join([*(p.text for p in document.paragraphs), *cells]),
    }
    for name, text in reports.items():
        for foreign in ("seed 001", "Table 1", "Table 2", "Table 3", "ECCA", "cell_type", "author_year",
                        "printed_pct", "cell therapy", "acne"):  # fmt: skip
            assert foreign.lower() not in text.lower(), (name, foreign)
        for study in ("Alpha 2019", "Beta 2020", "Gamma 2021", "Delta 2022"):
            assert study in text, (name, study)
        assert "No risk-of-bias file" in text, name
    methods = reports["report.md"].partition("## Methods")[2].partition("## Study selection")[0]
    assert "Binary outcomes (relapse) were analysed from the event counts in counts.csv." in methods
    assert "No risk-of-bias table is in the plan" in methods
    assert "high risk of bias" not in methods


def test_the_plans_notes_and_captions_reach_the_report(tmp_path: Path) -> None:
    """A `[data]` entry may be a table with a note (shown with its table, and in the methods for the counts) and a
    caption (added to its figure's); the tables show every column of the project's files, headed by its name;
    a comparison without a risk-of-bias judgement is named in the methods."""
    import json

    import docx
    from typer.testing import CliRunner

    from sysreview.cli import app

    (tmp_path / "project").mkdir()
    studies = "trial,country,arms_randomised\nAlpha 2019,Norway,61\nBeta 2020,Chile,89\n"
    rob = ("Study,D1,D2,D3,D4,D5,Overall\nA,Low,Low,Low,Low,Low,Low\nB,Low,High,Low,Low,Low,High\n"
           "C,Low,Low,Some concerns,Low,Low,Some concerns\n")  # fmt: skip
    arms = "\n".join(f"{line},{'' if line[0] == 'D' else line[0]}" for line in ARMS.splitlines()[1:])
    arms = ARMS.splitlines()[0] + ",table1_study\n" + arms + "\n"
    project = _project(tmp_path / "project", arms=arms, plan=PLAN.replace('counts = "counts.csv"\n', (
        'counts = { file = "counts.csv", note = "Relapses were counted at one year." }\n'
        'studies = { file = "studies.csv", note = "Trial register entries." }\n'
        'rob = { file = "rob.csv", caption = "Judged by two reviewers." }\n')))  # fmt: skip
    (project / "studies.csv").write_text(studies, encoding="utf-8")
    (project / "rob.csv").write_text(rob, encoding="utf-8")
    plan = load_plan(project)
    assert plan.notes == {"counts": "Relapses were counted at one year.", "studies": "Trial register entries."}
    assert plan.captions == {"rob": "Judged by two reviewers."}
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(project), "--out", str(out)])
    assert result.exit_code == 0, result.output
    context = json.loads((out / "context.json").read_text(encoding="utf-8"))
    caption = context["figures"]["rob_traffic_light"]["caption"]
    assert (
        caption
        == "Risk of bias (RoB 2), per study (overall judgement as reported), from rob.csv. Judged by two reviewers."
    )
    methods = " ".join(context["methods"])
    assert "Relapses were counted at one year." in methods
    assert "1 analysed comparison with no assessment (Delta 2022) is counted as high risk of bias" in methods
    page = (out / "index.html").read_text(encoding="utf-8")
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "| trial | country | arms_randomised |" in markdown
    assert "| Beta 2020 | Chile | 89 |" in markdown
    assert "<th>trial</th><th>country</th><th>arms_randomised</th>" in page
    for text in (page, markdown):
        assert "Trial register entries." in text
        assert "Judged by two reviewers." in text
        assert "Relapses were counted at one year." in text
    headers = [[c.text for c in t.rows[0].cells] for t in docx.Document(str(out / "report.docx")).tables]
    assert ["trial", "country", "arms_randomised"] in headers
    assert ["Study", "D1", "D2", "D3", "D4", "D5", "Overall"] in headers


def test_a_data_table_without_a_file_is_an_error(tmp_path: Path) -> None:
    plan = PLAN.replace('counts = "counts.csv"', 'counts = { note = "x" }')
    with pytest.raises(InputError, match=r"key 'data\.counts\.file': expected a file name"):
        load_plan(_project(tmp_path, plan=plan))
    plan = PLAN.replace('counts = "counts.csv"', 'counts = { file = "counts.csv", notes = "x" }')
    with pytest.raises(InputError, match=r"key 'data\.counts\.notes': unknown"):
        load_plan(_project(tmp_path, plan=plan))
