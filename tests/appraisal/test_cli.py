"""The ``sysreview rob`` and ``sysreview grade`` commands: JSON contracts, exit codes, one-line errors.

The expected judgements come from the rules tested in test_overall.py / test_rob2_algorithms.py (Sterne et al.
2019 and 2016; RoB 2 guidance, 22 August 2019); seed 001's Table 2 is the fixture described in fixtures/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from sysreview.cli._appraisal import register

FIXTURES = Path(__file__).parent / "fixtures"
SEED001 = FIXTURES / "seed001_table2_rob2.csv"


def _app() -> typer.Typer:
    # the command groups on an application of their own (the lead wires them into sysreview.cli.app)
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

    @app.callback()
    def _root() -> None:
        """sysreview (test application)."""

    register(app)
    return app


APP = _app()
RUNNER = CliRunner()


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(APP, [str(a) for a in args])


def run_json(*args: str | Path) -> dict[str, Any]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr or result.stdout
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    return payload


def one_line_error(result: Result, *parts: str) -> str:
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- rob check
def test_rob_check_flags_seed001s_ten_inconsistent_studies() -> None:
    out = run_json("rob", "check", SEED001, "--tool", "rob2")
    assert (out["tool"], out["k"], out["inconsistent"]) == ("rob2", 18, 10)
    first = out["studies"][0]
    assert first == {
        "study": "Study 1",
        "row": 2,
        "reported": "Some concerns",
        "algorithm": "High",
        "allowed": ["High"],
        "consistent": False,
        "rule": "high risk of bias in 1 domain (D2)",
    }
    flagged = [s["study"] for s in out["studies"] if s["consistent"] is False]
    assert flagged == [f"Study {n}" for n in (1, 3, 4, 6, 7, 8, 11, 12, 13, 14)]
    assert all(set(s) >= {"study", "reported", "algorithm", "consistent", "allowed"} for s in out["studies"])


def test_rob_check_text_and_strict_exit(tmp_path: Path) -> None:
    text = run("rob", "check", SEED001, "--tool", "rob2")
    assert text.exit_code == 0
    assert "(k = 18, 10 inconsistent with the rule)" in text.stdout
    assert "note: " in text.stderr
    assert "RoB 2 has 5 domains; the table has 6" in text.stderr
    strict = run("rob", "check", SEED001, "--tool", "rob2", "--strict")
    assert strict.exit_code == 1
    ok = _write(tmp_path / "ok.csv", "Study,D1,D2,D3,D4,D5,Overall\nA,Low,Low,Low,Low,Low,Low\n")
    assert run("rob", "check", ok, "--tool", "rob2", "--strict").exit_code == 0


def test_rob_check_robins_i_with_varied_spellings(tmp_path: Path) -> None:
    table = _write(
        tmp_path / "robins.csv",
        "Study,D1,D2,D3,D4,D5,D6,D7,Overall\n"
        "A,Low risk,moderate,Low,Low,Low,Low,Low,Moderate risk\n"
        "B,Serious risk,Low,Low,Low,Low,Low,Low,Moderate\n"
        "C,Low,NI,Low,Low,Low,Low,Low,No information\n"
        "D,Low,Critical,Serious,Low,Low,Low,Low,Critical\n",
    )
    out = run_json("rob", "check", table, "--tool", "ROBINS-I")
    assert [(s["reported"], s["algorithm"], s["consistent"]) for s in out["studies"]] == [
        ("Moderate", "Moderate", True),
        ("Moderate", "Serious", False),
        ("No information", "No information", True),
        ("Critical", "Critical", True),
    ]
    assert out["studies"][2]["allowed"] == ["No information", "Low"]


@pytest.mark.parametrize(
    ("text", "args", "parts"),
    [
        ("Study,D1,D2,Overall\nA,Low,Lowish,Low\n", ("--tool", "rob2"), ("row 2", "column 'D2'", "'Lowish'")),
        ("Study,D1,D2,Overall\nA,Low,Serious,Low\n", ("--tool", "rob2"), ("row 2", "is a ROBINS-I judgement")),
        ("Study,D1,D2,Overall\nA,Low,Low,Low\n", (), ("--tool is required",)),
        ("Study,D1,D2,Overall\nA,Low,Low,Low\n", ("--tool", "quadas"), ("unknown tool 'quadas'",)),
        ("Study,D1,D2\nA,Low,Low\n", ("--tool", "rob2"), ("no Overall column",)),
    ],
)
def test_rob_check_errors_are_one_line(
    tmp_path: Path, text: str, args: tuple[str, ...], parts: tuple[str, ...]
) -> None:
    path = _write(tmp_path / "bad.csv", text)
    one_line_error(run("rob", "check", path, *args), *parts)


def test_rob_check_missing_file() -> None:
    one_line_error(run("rob", "check", "no/such.csv", "--tool", "rob2"), "no/such.csv: no such file")


# ---------------------------------------------------------------------- rob validate / export
def test_rob_validate_and_export(tmp_path: Path) -> None:
    table = _write(
        tmp_path / "t.csv",
        "Study,D1,D2,D3,D4,D5,Overall,Weight\nA,low risk,Some_concerns,Low,LOW,High risk of bias,High,3.5\n",
    )
    out = run_json("rob", "validate", table, "--tool", "rob2")
    assert out["valid"] is True
    assert out["studies"][0]["judgements"] == {"D1": "Low", "D2": "Some concerns", "D3": "Low", "D4": "Low",
                                               "D5": "High"}  # fmt: skip
    assert out["weight_column"] == "Weight"
    target = tmp_path / "clean.csv"
    result = run("rob", "export", table, "--tool", "rob2", "--output", target)
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == (
        "Study,D1,D2,D3,D4,D5,Overall,Weight\nA,Low,Some concerns,Low,Low,High,High,3.5\n"
    )
    one_line_error(run("rob", "export", table, "--tool", "rob2"), "--output FILE is required")


# ---------------------------------------------------------------------- rob assess
ANSWERS = (
    "Study,Assessor,1.1,1.2,1.3,2.1,2.2,2.3,2.4,2.5,2.6,2.7,3.1,3.2,3.3,3.4,4.1,4.2,4.3,4.4,4.5,5.1,5.2,5.3,"
    "Overall decision,Overall reason\n"
    "T1,JH,Y,Y,N,N,N,NA,NA,NA,Y,NA,Y,NA,NA,NA,N,N,N,NA,NA,Y,N,N,,\n"
    "T2,JH,Y,NI,NI,Y,Y,NI,NA,NA,Y,NA,Y,NA,NA,NA,N,N,N,NA,NA,NI,N,N,High,concerns on two domains for a subjective "
    "outcome\n"
)


def test_rob_assess_from_signalling_questions(tmp_path: Path) -> None:
    answers = _write(tmp_path / "answers.csv", ANSWERS)
    robvis = tmp_path / "robvis.csv"
    out = run_json("rob", "assess", answers, "--output", robvis)
    t1, t2 = out["assessments"]
    assert [d["judgement"] for d in t1["domains"]] == ["Low"] * 5
    assert t1["overall"]["judgement"] == "Low"
    # T2: D1 1.2 NI, 1.3 NI → Some concerns; D2 aware, 2.3 NI → Some concerns; D5 5.1 NI → Some concerns
    assert [d["judgement"] for d in t2["domains"]] == ["Some concerns", "Some concerns", "Low", "Low", "Some concerns"]
    assert t2["overall"] == {
        "algorithm": "Some concerns",
        "allowed": ["Some concerns", "High"],
        "judgement": "High",
        "consistent": True,
        "overridden": True,
        "reason": "concerns on two domains for a subjective outcome",
        "rule": "some concerns in 3 domains (D1, D2, D5), high risk in none; High is permissible when this "
        "substantially lowers confidence in the result (a reviewer's judgement, to be recorded)",
    }
    assert t2["assessor"] == "JH"
    assert robvis.read_text(encoding="utf-8").splitlines() == [
        "Study,D1,D2,D3,D4,D5,Overall",
        "T1,Low,Low,Low,Low,Low,Low",
        "T2,Some concerns,Some concerns,Low,Low,Some concerns,High",
    ]
    text = run("rob", "assess", answers)
    assert "High*" in text.stdout


def test_rob_assess_errors_name_row_and_question(tmp_path: Path) -> None:
    bad = _write(tmp_path / "a.csv", ANSWERS.replace("T1,JH,Y,Y,N,N,N,NA", "T1,JH,Y,Y,N,N,N,Y"))
    one_line_error(run("rob", "assess", bad), "row 2", "column '2.3'", "question 2.3 is answered Y but is not reached")
    no_reason = _write(
        tmp_path / "b.csv", ANSWERS.replace("High,concerns on two domains for a subjective outcome", "High,")
    )
    one_line_error(run("rob", "assess", no_reason), "row 3", "column 'Overall decision'", "needs a reason")
    one_line_error(run("rob", "assess", _write(tmp_path / "c.csv", "Study,x\nA,1\n")), "no signalling-question columns")


# ---------------------------------------------------------------------- rob compare
def test_rob_compare_two_assessors(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.csv", "Study,D1,D2,Overall\nS1,Low,Low,Low\nS2,High,Low,High\n")
    b = _write(tmp_path / "b.csv", "Study,D1,D2,Overall\nS1,Low,Some concerns,Some concerns\nS2,High,Low,High\n")
    out = run_json("rob", "compare", a, b, "--tool", "rob2")
    # 6 paired judgements, 4 agree; marginals first L 4/6, H 2/6; second L 2/6, SC 2/6, H 2/6:
    # chance agreement 4/6·2/6 + 2/6·2/6 = 1/3, kappa = (2/3 − 1/3) / (1 − 1/3) = 0.5 (Cohen 1960)
    assert (out["cells"], out["agreement"]) == (6, pytest.approx(4 / 6, rel=1e-12))
    assert out["kappa"] == pytest.approx(0.5, rel=1e-12)
    assert [(d["study"], d["domain"], d["first"], d["second"]) for d in out["disagreements"]] == [
        ("S1", "D2", "Low", "Some concerns"),
        ("S1", "Overall", "Low", "Some concerns"),
    ]
    c = _write(tmp_path / "c.csv", "Study,D1,D2,Overall\nS1,Low,Low,Low\nS3,High,Low,High\n")
    one_line_error(run("rob", "compare", a, c, "--tool", "rob2"), "only in the first: S2", "only in the second: S3")


# ---------------------------------------------------------------------- grade
DATA = "study,yi,vi\nA,0.405,0.04\nB,0.262,0.05\nC,0.470,0.06\nD,0.182,0.08\n"
ROB = (
    "Study,D1,D2,D3,D4,D5,Overall\nA,Low,Low,Low,Low,Low,Low\nB,Low,High,Low,Low,Low,High\n"
    "C,Low,Low,Low,Low,Low,Low\nD,Low,Low,Low,Low,Low,Low\n"
)


def _assess(tmp_path: Path, *extra: str) -> dict[str, Any]:
    data = _write(tmp_path / "data.csv", DATA)
    rob = _write(tmp_path / "rob.csv", ROB)
    return run_json(
        "grade", "assess", data, "--measure", "RR", "--design", "randomised", "--rob", rob, "--tool", "rob2",
        "--control-risk", "0.2", "--participants", "640", "--outcome", "Satisfaction", *extra,
    )  # fmt: skip


def test_grade_assess(tmp_path: Path) -> None:
    out = _assess(tmp_path, "--decision", "indirectness=-1:adolescents only")
    assessment, sof = out["assessment"], out["summary_of_findings"]
    ratings = {d["domain"]: d["rating"] for d in assessment["domains"]}
    assert ratings["indirectness"] == -1
    assert assessment["domains"][2]["decision_reason"] == "adolescents only"
    assert assessment["start"] == "High"
    # tau² = 0 here, so the weights are 1/vi: B (vi 0.05) carries 20 / 74.17 = 27% ≥ 25% → risk of bias −1;
    # the CI (about exp(0.116) to exp(0.571)) excludes the null → imprecision 0; start High − 2 → Low
    assert ratings == {
        "risk_of_bias": -1,
        "inconsistency": 0,
        "indirectness": -1,
        "imprecision": 0,
        "publication_bias": 0,
        "large_effect": 0,
        "dose_response": 0,
        "plausible_confounding": 0,
    }
    assert assessment["certainty"] == "Low"
    assert assessment["domains"][0]["data"]["weight_high"] == pytest.approx(20 / (25 + 20 + 50 / 3 + 12.5), rel=1e-6)
    assert assessment["domains"][4]["reason"].endswith("on 4 studies: too few to be informative (at least 10)")
    assert (sof["studies"], sof["participants"], sof["control_per_1000"]) == (4, 640, pytest.approx(200.0, rel=1e-12))
    # intervention risk = RR × ACR (Cochrane Handbook 14.1.5.1)
    rr = sof["estimate"]
    assert sof["intervention_per_1000"] == pytest.approx(1000 * 0.2 * rr, rel=1e-12)
    text = run("grade", "assess", tmp_path / "data.csv", "--measure", "RR", "--design", "randomised")
    assert text.exit_code == 0, text.stderr
    assert "Certainty: " in text.stdout
    assert "| Outcome | Relative effect (95% CI) |" in text.stdout


@pytest.mark.parametrize(
    ("extra", "parts"),
    [
        (("--decision", "indirectness:-1"), ("expected DOMAIN=RATING:REASON",)),
        (("--decision", "bias=-1:x"), ("unknown domain 'bias'",)),
        (("--decision", "indirectness=-1:"), ("needs a reason",)),
        (("--decision", "imprecision=-3:too few"), ("rating -3 of imprecision is not one of 0, -1, -2",)),
        (("--control-risk", "20"), ("must be a proportion between 0 and 1",)),
    ],
)
def test_grade_assess_errors(tmp_path: Path, extra: tuple[str, ...], parts: tuple[str, ...]) -> None:
    data = _write(tmp_path / "data.csv", DATA)
    one_line_error(run("grade", "assess", data, "--measure", "RR", "--design", "randomised", *extra), *parts)


def test_grade_assess_needs_a_design_and_matching_rob(tmp_path: Path) -> None:
    data = _write(tmp_path / "data.csv", DATA)
    one_line_error(run("grade", "assess", data, "--measure", "RR"), "--design is required")
    rob = _write(tmp_path / "rob.csv", "Study,D1,Overall\nA,Low,Low\n")
    one_line_error(
        run("grade", "assess", data, "--measure", "RR", "--design", "randomised", "--rob", rob, "--tool", "rob2"),
        "no risk-of-bias judgement for study 'B'",
    )


def test_grade_validate_compare_export(tmp_path: Path) -> None:
    first = _assess(tmp_path)
    second = _assess(tmp_path, "--decision", "indirectness=-1:adolescents only")
    a = _write(tmp_path / "a.json", json.dumps(first))
    b = _write(tmp_path / "b.json", json.dumps(second))
    assert run_json("grade", "validate", a)["valid"] is True
    compared = run_json("grade", "compare", a, b)
    assert compared["disagreements"] == [{"domain": "indirectness", "first": 0, "second": -1}]
    assert compared["agree"] is False
    tampered = json.loads(a.read_text(encoding="utf-8"))
    tampered["assessment"]["certainty"] = "High" if first["assessment"]["certainty"] != "High" else "Low"
    bad = _write(tmp_path / "bad.json", json.dumps(tampered))
    one_line_error(run("grade", "validate", bad), "bad.json", "does not follow from the ratings")
    markdown = run("grade", "export", a, b)
    assert markdown.exit_code == 0, markdown.stderr
    lines = markdown.stdout.splitlines()
    assert lines[0].startswith("| Outcome | Relative effect (95% CI) | Assumed risk with control |")
    assert len(lines) == 4
    assert "| Satisfaction | RR " in lines[2]
    assert "200 per 1000" in lines[2]
    csv_out = run("grade", "export", a, "--to", "csv")
    assert csv_out.stdout.splitlines()[0].startswith("Outcome,Relative effect (95% CI),")
    one_line_error(run("grade", "validate", _write(tmp_path / "x.json", "[1]")), "expected a JSON object")
