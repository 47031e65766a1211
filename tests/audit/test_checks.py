"""Each check on small hand-made claims, with the numbers worked out by hand (the working is in each docstring)."""

from __future__ import annotations

import math

import pytest

from tests.audit._helpers import EFFECT_TOL, P_TOL, run

# seed 001, Table 3 row 1 (Suh et al. 2025): ECCA change −38.2 ± 8.1 (n 14) vs −9.3 ± 5.2 (n 14)
SUH_ARMS = [
    {"group": "SVF", "n": 14, "mean": "-38.2", "sd": "8.1"},
    {"group": "NS", "n": 14, "mean": "-9.3", "sd": "5.2"},
]


def _suh(estimate: str, ci: list[str]) -> dict:
    return {
        "studies": [{"id": "S1", "label": "Suh", "n": 28, "arms": [14, 14]}],
        "data": [{"study": "S1", "outcome": "ECCA", "arms": SUH_ARMS}],
        "effects": [{"study": "S1", "outcome": "ECCA", "measure": "SMD", "estimate": estimate, "ci": ci}],
    }


# ---------------------------------------------------------------------- ci_sign, ci_estimate, p_value
def test_ci_sign_lost_minus_sign() -> None:
    """Seed 001 prints "SMD = −1.10, 95% CI: 1.59 to −0.61"; with −1.59 the interval is centred on −1.10."""
    report = run(
        {
            "effects": [],
            "analyses": [{"id": "a", "outcome": "o", "measure": "SMD", "estimate": "-1.10", "ci": ["1.59", "-0.61"]}],
        }
    )
    (finding,) = report.findings
    assert finding.check == "ci_sign"
    assert finding.severity == "error"
    assert (
        "With −1.59 as the lower bound the interval would contain the estimate and be centred on it" in finding.message
    )


def test_ci_sign_ratio_bound_not_positive() -> None:
    report = run(
        {"analyses": [{"id": "a", "outcome": "o", "measure": "RR", "estimate": "0.70", "ci": ["-0.5", "0.98"]}]}
    )
    assert [f.check for f in report.findings] == ["ci_sign"]
    assert "A ratio (RR) cannot be zero or negative" in report.findings[0].message


def test_ci_estimate_on_the_log_scale() -> None:
    """RR 1.45 (1.24 to 1.70): √(1.24·1.70) = 1.4519, so 1.45 is centred; 1.60 is not (the geometric centre can
    move only to √(1.245·1.705) = 1.4570 with rounding)."""
    centred = {"id": "a", "outcome": "o", "measure": "RR", "estimate": "1.45", "ci": ["1.24", "1.70"]}
    assert run({"analyses": [centred]}).ok
    report = run({"analyses": [{**centred, "estimate": "1.60"}]})
    (finding,) = report.findings
    assert finding.check == "ci_estimate"
    assert finding.recomputed == pytest.approx(math.sqrt(1.24 * 1.70), abs=EFFECT_TOL)


def test_ci_estimate_symmetric_on_the_ratio_scale_is_explained() -> None:
    """OR 2.00 (1.00 to 3.00) is centred on the ratio scale (wrong for ratios), not on the log scale (√3 = 1.73)."""
    report = run(
        {"analyses": [{"id": "a", "outcome": "o", "measure": "OR", "estimate": "2.00", "ci": ["1.00", "3.00"]}]}
    )
    (finding,) = report.findings
    assert "symmetric on the ratio scale instead" in finding.message


def test_p_value_flip_is_an_error() -> None:
    """SMD −1.25 (−1.80 to −0.70): SE = 1.10/(2·1.95996) = 0.28062, z = 4.4544, p = 8.4e-6; p = 0.20 flips it."""
    pooled = {"id": "a", "outcome": "o", "measure": "SMD", "estimate": "-1.25", "ci": ["-1.80", "-0.70"]}
    assert run({"analyses": [{**pooled, "pvalue": "<0.001"}]}).ok
    (finding,) = run({"analyses": [{**pooled, "pvalue": "0.20"}]}).findings
    assert finding.check == "p_value"
    assert finding.severity == "error"
    assert finding.recomputed == pytest.approx(2 * 0.5 * math.erfc(4.4544 / math.sqrt(2)), rel=1e-2)
    assert "This changes the conclusion" in finding.message


def test_p_value_same_side_is_a_warning() -> None:
    """MD −0.25 (−0.41 to −0.10): SE = 0.31/3.91993 = 0.0791, z = 3.16, p = 0.0016 (0.0009 to 0.0027 with
    rounding); "p = 0.001" is consistent, "p = 0.03" is not but stays significant."""
    pooled = {"id": "a", "outcome": "o", "measure": "MD", "estimate": "-0.25", "ci": ["-0.41", "-0.10"]}
    assert run({"analyses": [{**pooled, "pvalue": "0.001"}]}).ok
    (finding,) = run({"analyses": [{**pooled, "pvalue": "0.03"}]}).findings
    assert finding.severity == "warning"
    assert finding.recomputed == pytest.approx(0.0016, abs=P_TOL)


def test_p_value_with_knha_uses_t_on_k_minus_1_df() -> None:
    """Estimate 0.50 (0.10 to 0.90) from knha with k = 5: t(4) quantile 2.776, SE = 0.80/5.553 = 0.1441,
    t = 3.470, p = 0.0256."""
    pooled = {
        "id": "a",
        "outcome": "o",
        "measure": "MD",
        "estimate": "0.50",
        "ci": ["0.10", "0.90"],
        "test": "knha",
        "k": 5,
    }
    assert run({"analyses": [{**pooled, "pvalue": "0.026"}]}).ok
    (finding,) = run({"analyses": [{**pooled, "pvalue": "0.001"}]}).findings
    assert finding.recomputed == pytest.approx(0.0256, abs=P_TOL)


# ---------------------------------------------------------------------- heterogeneity
def test_i2_against_q_and_k() -> None:
    """Q = 48.57 on 17 df: I² = (48.57 − 17)/48.57 = 65.0%."""
    analysis = {"id": "a", "outcome": "o", "measure": "SMD", "estimate": "-1.25", "k": 18, "Q": "48.57"}
    assert run({"analyses": [{**analysis, "I2": "65"}]}).ok
    (finding,) = run({"analyses": [{**analysis, "I2": "80"}]}).findings
    assert finding.check == "heterogeneity"
    assert finding.recomputed == pytest.approx(65.0, abs=0.01)


def test_q_pvalue_from_i2_and_k() -> None:
    """Seed 001: I² = 65% with k = 18 implies Q = 17/0.35 = 48.6, p = 7e-5, consistent with "p < 0.01"; a
    printed "p = 0.40" is not."""
    analysis = {"id": "a", "outcome": "o", "measure": "SMD", "estimate": "-1.25", "k": 18, "I2": "65"}
    assert run({"analyses": [{**analysis, "Q_pvalue": "<0.01"}]}).ok
    (finding,) = run({"analyses": [{**analysis, "Q_pvalue": "0.40"}]}).findings
    assert finding.quantity == "Q_pvalue"


def test_i2_of_reml_is_not_checked_against_q() -> None:
    analysis = {
        "id": "a",
        "outcome": "o",
        "measure": "SMD",
        "estimate": "-1.25",
        "k": 18,
        "Q": "48.57",
        "I2": "80",
        "method": "REML",
    }
    report = run({"analyses": [analysis]}, checks=["heterogeneity"])
    assert report.ok
    assert any("REML" in s.reason for s in report.skipped)


# ---------------------------------------------------------------------- effect_recompute, change_score
def test_effect_recompute_hedges_g_by_hand() -> None:
    """Suh: pooled SD √((8.1² + 5.2²)/2) = 6.8066, d = −28.9/6.8066 = −4.2459, J ≈ 1 − 3/(4·26 − 1) = 0.97087,
    g = −4.1222; the review's −1.40 is 2.72 away, far beyond Gøtzsche's 0.1."""
    (finding,) = run(_suh("-1.40", ["-1.99", "-0.81"])).findings
    assert finding.check == "effect_recompute"
    assert finding.recomputed == pytest.approx(-4.1222, abs=EFFECT_TOL)
    assert "Gøtzsche" in finding.message


def test_effect_within_gotzsche_threshold_is_accepted() -> None:
    # −4.05 is 0.07 from −4.1222: within 0.1
    report = run(_suh("-4.05", ["-5.36", "-2.74"]), checks=["effect_recompute"])
    assert report.ok


def test_cohens_d_is_named_as_the_explanation() -> None:
    """With 5 per arm, d = −28.9/6.8063 = −4.2461 and Hedges' exact J(8) = Γ(4)/(√4·Γ(3.5)) = 0.90270, so
    g = −3.8329: a review that forgot the correction prints −4.25, 0.41 from g."""
    doc = _suh("-4.25", ["-6.45", "-2.05"])
    doc["studies"][0].update(n=10, arms=[5, 5])
    doc["data"][0]["arms"] = [{**arm, "n": 5} for arm in SUH_ARMS]
    (finding,) = run(doc, checks=["effect_recompute"]).findings
    assert finding.recomputed == pytest.approx(-3.8329, abs=EFFECT_TOL)
    assert "Cohen's d" in finding.message


def test_effect_se_against_ci_width() -> None:
    """MD −4.1 (−5.67 to −2.53) for 8.7 ± 2.1 (n 48) vs 12.8 ± 2.5 (n 30): SE from the arms
    √(2.1²/48 + 2.5²/30) = 0.5479, from the interval 3.14/3.91993 = 0.8010."""
    doc = {
        "studies": [{"id": "S1", "n": 78, "arms": [48, 30]}],
        "data": [
            {
                "study": "S1",
                "outcome": "healing",
                "arms": [{"n": 48, "mean": "8.7", "sd": "2.1"}, {"n": 30, "mean": "12.8", "sd": "2.5"}],
            }
        ],
        "effects": [
            {"study": "S1", "outcome": "healing", "measure": "MD", "estimate": "-4.1", "ci": ["-5.67", "-2.53"]}
        ],
    }
    (finding,) = run(doc).findings
    assert finding.quantity == "se"
    assert finding.reported == pytest.approx(0.8010, abs=EFFECT_TOL)
    assert finding.recomputed == pytest.approx(0.5479, abs=EFFECT_TOL)


def test_change_sd_impossible() -> None:
    """SD 26.7 at baseline, 34.6 at follow-up: the change SD lies in [7.9, 61.3]; 5.2 implies
    r = (26.7² + 34.6² − 5.2²)/(2·26.7·34.6) = 1.019."""
    arm = {
        "group": "NS",
        "n": 14,
        "baseline": {"mean": "126.1", "sd": "26.7"},
        "followup": {"mean": "116.8", "sd": "34.6"},
        "mean": "-9.3",
        "sd": "5.2",
    }
    (finding,) = run({"data": [{"study": "S1", "outcome": "ECCA", "arms": [arm]}]}).findings
    assert finding.check == "change_score"
    assert "r = 1.02" in finding.message
    assert finding.recomputed == "7.90 to 61.30"


def test_change_mean_arithmetic() -> None:
    arm = {
        "n": 14,
        "baseline": {"mean": "126.1", "sd": "26.7"},
        "followup": {"mean": "116.8", "sd": "34.6"},
        "mean": "-19.3",
        "sd": "20.0",
    }
    (finding,) = run({"data": [{"study": "S1", "outcome": "ECCA", "arms": [arm]}]}).findings
    assert finding.quantity == "mean change"
    assert finding.recomputed == pytest.approx(-9.3)


# ---------------------------------------------------------------------- subgroup_test
def test_subgroup_test_seed001() -> None:
    """SVF −1.40 (−2.00, −0.80), ReCell −1.10 (−1.60, −0.60), fat −0.95 (−1.50, −0.40): SEs 0.3061, 0.2551,
    0.2806; weights 10.67, 15.37, 12.70; mean −1.1335; Q = 1.203 on 2 df; p = exp(−Q/2) = 0.548."""
    groups = [
        {"name": "SVF", "estimate": "-1.40", "ci": ["-2.00", "-0.80"]},
        {"name": "ReCell", "estimate": "-1.10", "ci": ["-1.60", "-0.60"]},
        {"name": "fat", "estimate": "-0.95", "ci": ["-1.50", "-0.40"]},
    ]
    analysis = {
        "id": "a",
        "outcome": "o",
        "measure": "SMD",
        "estimate": "-1.25",
        "ci": ["-1.80", "-0.70"],
        "subgroups": {"groups": groups, "test": {"pvalue": "0.02"}},
    }
    (finding,) = run({"analyses": [analysis]}).findings
    assert finding.check == "subgroup_test"
    assert finding.severity == "error"
    assert finding.recomputed == pytest.approx(0.548, abs=P_TOL)
    assert "Q = 1.20 on 2 df" in finding.message
    consistent = {**analysis, "subgroups": {"groups": groups, "test": {"pvalue": "0.55"}}}
    assert run({"analyses": [consistent]}).ok


# ---------------------------------------------------------------------- percentage_count
@pytest.mark.parametrize(
    ("value", "n", "possible"),
    [
        ("82.1", 14, False),
        ("85.7", 14, True),
        ("10.3", 215, False),
        ("10.3", 145, True),
        ("82", 11, True),
        ("0", 48, True),
    ],
)
def test_percentage_of_n(value: str, n: int, possible: bool) -> None:
    """12/14 = 85.71%; 11/14 = 78.57%; 22/215 = 10.23%, 23/215 = 10.70%; 15/145 = 10.34%; 9/11 = 81.8%."""
    report = run({"percentages": [{"value": value, "n": n}]})
    assert report.ok is possible


def test_grim() -> None:
    """n = 28: 145/28 = 5.1786 and 146/28 = 5.2143, so a mean of 5.19 is impossible, 5.18 possible."""
    assert run({"means": [{"value": "5.18", "n": 28}]}).ok
    (finding,) = run({"means": [{"value": "5.19", "n": 28}]}).findings
    assert finding.quantity == "mean (GRIM)"
    assert finding.recomputed == "5.179 or 5.214"


# ---------------------------------------------------------------------- sample_size, study_count, prisma
def test_total_against_arms() -> None:
    (finding,) = run({"studies": [{"id": "S11", "n": 215, "arms": [106, 39]}]}).findings
    assert (finding.reported, finding.recomputed) == (215, 145)


def test_split_face_arms_hold_everyone() -> None:
    assert run({"studies": [{"id": "S1", "design": "Split-face RCT", "n": 14, "arms": [14, 14]}]}).ok


def test_parts_add_up() -> None:
    """Seed 000: 89 + 59 + 29 = 177."""
    parts = {"females": 89, "males": 59, "undefined": 29}
    assert run({"participants": [{"reported": 177, "parts": parts}]}).ok
    (finding,) = run({"participants": [{"reported": 180, "parts": parts}]}).findings
    assert finding.recomputed == 177


def test_prisma_reasons_of_the_seed001_caption() -> None:
    """Seed 001, Figure 1 caption: 120 + 80 + 32 + 32 = 264 reasons for 232 exclusions."""
    flow = {
        "assessed": 250,
        "full_text_excluded": 232,
        "included": 18,
        "full_text_reasons": {"design": 120, "non-autologous": 80, "incomplete": 32, "irrelevant": 32},
    }
    (finding,) = run({"prisma": [flow]}).findings
    assert (finding.reported, finding.recomputed) == (232, 264)


def test_prisma_flow_arithmetic() -> None:
    flow = {
        "records": 2548,
        "duplicates_removed": 448,
        "screened": 2100,
        "screening_excluded": 1850,
        "assessed": 250,
        "full_text_excluded": 232,
        "included": 18,
    }
    assert run({"prisma": [flow]}).ok
    # 2,110 screened breaks records − duplicates = screened and screened − excluded = assessed
    findings = run({"prisma": [{**flow, "screened": 2110}]}).findings
    assert [(f.check, f.reported, f.recomputed) for f in findings] == [
        ("prisma_arithmetic", 2110, 2100),
        ("prisma_arithmetic", 250, 260),
    ]


def test_study_count() -> None:
    studies = [{"id": f"S{i}", "country": c} for i, c in enumerate(["China", "China", "Korea"])]
    assert run({"studies": studies, "study_counts": [{"reported": 2, "field": "country", "match": ["China"]}]}).ok
    (finding,) = run(
        {"studies": studies, "study_counts": [{"reported": 3, "field": "country", "match": ["Korea"]}]}
    ).findings
    assert finding.recomputed == 1


# ---------------------------------------------------------------------- rob_overall, rob_tool, eligibility
_DOMAINS = [
    "Randomization process",
    "Deviations from intended interventions",
    "Missing outcome data",
    "Measurement of the outcome",
    "Selection of the reported result",
]


def _rob(judgements: list[str], overall: str, design: str = "RCT") -> dict:
    return {
        "studies": [{"id": "S1", "design": design}],
        "risk_of_bias": [
            {
                "tool": "RoB 2",
                "columns": _DOMAINS,
                "rows": [{"study": "S1", "judgements": judgements, "overall": overall}],
            }
        ],
    }


def test_rob2_high_domain_makes_high_overall() -> None:
    (finding,) = run(_rob(["Low", "High (no blinding)", "Low", "Low", "Low"], "Some concerns")).findings
    assert (finding.check, finding.reported, finding.recomputed) == ("rob_overall", "Some concerns", "High")


def test_rob2_several_concerns_allow_high() -> None:
    # Sterne et al. (2019): some concerns in several domains may substantially lower confidence: High is allowed
    assert run(_rob(["Low", "Some concerns", "Some concerns", "Low", "Low"], "High")).ok
    assert run(_rob(["Low", "Some concerns", "Some concerns", "Low", "Low"], "Some concerns")).ok


def test_rob2_for_a_cohort() -> None:
    (finding,) = run(_rob(["Low"] * 5, "Low", design="Prospective cohort")).findings
    assert finding.check == "rob_tool"


def test_eligibility_case_series_and_no_control() -> None:
    eligibility = {
        "designs": {"include": ["randomized controlled trial"], "exclude": ["case series"]},
        "comparative": True,
    }
    studies = [
        {"id": "S1", "design": "Case series", "n": 10, "arms": [10, 0], "control": "None"},
        {"id": "S2", "design": "RCT", "n": 48, "arms": [48, 0], "control": "Laser alone"},
        {"id": "S3", "design": "RCT", "n": 40, "arms": [20, 20], "control": "Laser alone"},
    ]
    findings = run({"eligibility": eligibility, "studies": studies}).findings
    assert [f.subject for f in findings] == ["S1", "S2"]
    assert "which the criteria exclude" in findings[0].message
    assert "with nobody in the comparison group" in findings[1].message


# ---------------------------------------------------------------------- duplicate_study
def test_identical_arm_data_is_one_study_twice() -> None:
    doc = {
        "studies": [{"id": "A"}, {"id": "B"}],
        "data": [{"study": s, "outcome": "ECCA", "arms": SUH_ARMS} for s in ("A", "B")],
    }
    (finding,) = run(doc).findings
    assert (finding.check, finding.severity) == ("duplicate_study", "error")


def test_one_row_under_two_citations() -> None:
    doc = {
        "included_citations": ["Zeng 2014a", "Zeng 2014b"],
        "studies": [{"id": "S3", "citations": ["Zeng 2014a", "Zeng 2014b"]}],
    }
    (finding,) = run(doc).findings
    assert finding.quantity == "citations"


# ---------------------------------------------------------------------- pooled_recompute
def _pooled_knha(estimate: str, ci: list[str]) -> dict:
    """Five studies reported as effects with 95% CIs; REML with Knapp–Hartung inference on t(4)."""
    yi = ["0.100", "0.500", "0.300", "-0.100", "0.400"]
    se = [0.2, 0.1732, 0.2236, 0.1414, 0.2449]
    effects = [
        {
            "study": f"S{i + 1}",
            "outcome": "o",
            "measure": "MD",
            "estimate": y,
            "ci": [f"{float(y) - 1.959964 * s:.3f}", f"{float(y) + 1.959964 * s:.3f}"],
        }
        for i, (y, s) in enumerate(zip(yi, se, strict=True))
    ]
    analysis = {
        "id": "a",
        "outcome": "o",
        "measure": "MD",
        "method": "REML",
        "test": "knha",
        "k": 5,
        "estimate": estimate,
        "ci": ci,
    }
    return {"studies": [{"id": f"S{i + 1}"} for i in range(5)], "effects": effects, "analyses": [analysis]}


def test_pooled_from_reported_effects_with_knha() -> None:
    """The pooled interval of a knha model is t(4) wide: the SE check must use t(k − 1), not z."""
    from sysreview.models import rma

    yi = [0.1, 0.5, 0.3, -0.1, 0.4]
    vi = [
        ((float(f"{y + 1.959964 * s:.3f}") - float(f"{y - 1.959964 * s:.3f}")) / (2 * 1.959964)) ** 2
        for y, s in zip(yi, [0.2, 0.1732, 0.2236, 0.1414, 0.2449], strict=True)
    ]
    fit = rma(yi, vi, method="REML", test="knha")
    doc = _pooled_knha(f"{fit.estimate:.3f}", [f"{fit.ci_lower:.3f}", f"{fit.ci_upper:.3f}"])
    report = run(doc, checks=["pooled_recompute"])
    assert report.ok, [f.message for f in report.findings]
    assert report.checked["pooled_recompute"] >= 2  # estimate and SE compared
    shifted = _pooled_knha(f"{fit.estimate + 0.2:.3f}", [f"{fit.ci_lower + 0.2:.3f}", f"{fit.ci_upper + 0.2:.3f}"])
    (finding,) = run(shifted, checks=["pooled_recompute"]).findings
    assert finding.recomputed == pytest.approx(fit.estimate, abs=1e-9)
