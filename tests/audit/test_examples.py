"""The worked examples: seed 001's claims (every problem the issue names is found), seed 000's abstract and the
template (nothing to find). Numbers are recomputed by hand in tests/audit/test_checks.py where noted."""

from __future__ import annotations

import numpy as np
import pytest

from sysreview.audit import AuditReport, Finding, audit
from sysreview.effects import escalc
from sysreview.models import rma
from sysreview.tabular import read_table
from tests.audit._helpers import EFFECT_TOL, EXAMPLES, P_TOL, REPO


@pytest.fixture(scope="module")
def seed001() -> AuditReport:
    return audit(EXAMPLES / "seed001.yaml")


def _finding(report: AuditReport, check: str, subject_part: str, quantity: str | None = None) -> Finding:
    hits = [
        f
        for f in report.findings
        if f.check == check and subject_part in f.subject and (quantity is None or f.quantity == quantity)
    ]
    assert len(hits) == 1, [(f.check, f.subject, f.quantity) for f in report.findings if f.check == check]
    return hits[0]


def test_seed001_findings_per_check(seed001: AuditReport) -> None:
    """A pin of the whole audit of seed 001 (docs/claims.md lists the findings and why each is one)."""
    assert seed001.summary()["by_check"] == {
        "ci_sign": 3,  # Zeng 2014a SMD CI "1.59 to −0.61"; Chen 2019 "5.67 to −2.53"; pooled healing "3.9 to −1.1"
        "ci_estimate": 0,
        "p_value": 0,
        "heterogeneity": 0,
        "change_score": 3,  # change-score SDs below |SD_b − SD_f| (Table 3 rows 1, 3, 6)
        "effect_recompute": 4,  # Suh, Deng, Zeng SMDs; "effect sizes ranging from −0.70 to −1.40"
        "pooled_recompute": 7,  # the five Table 4 outcomes and the SVF and ReCell subgroups
        "subgroup_test": 1,  # reported p = 0.02, the subgroup estimates give p = 0.55
        "percentage_count": 16,  # 15 Table 3 percentages, Table 1 male % of study 11
        "sample_size": 6,  # 215 ≠ 106 + 39; Table 3 vs Table 1 arms (two studies); three participant totals
        "study_count": 11,  # eight stated counts of studies, three analyses' k
        "prisma_arithmetic": 2,  # caption's reasons 264 ≠ 232; databases differ between Methods and caption
        "rob_overall": 11,  # ten "Some concerns" with a High domain; "Other bias" is not a RoB 2 domain
        "rob_tool": 7,  # RoB 2 for cohorts, case series, a meta-analysis, single-arm studies
        "eligibility": 9,  # designs and studies the stated criteria exclude
        "duplicate_study": 5,
    }


def test_seed001_per_study_smds(seed001: AuditReport) -> None:
    """Table 3 gives SMDs near −4.1 where the text reports −1.40 (Suh); hand computation in test_checks.py."""
    suh = _finding(seed001, "effect_recompute", "Suh")
    assert (suh.reported, suh.severity) == (-1.40, "error")
    assert suh.recomputed == pytest.approx(-4.1222, abs=EFFECT_TOL)
    deng = _finding(seed001, "effect_recompute", "Deng")
    assert deng.recomputed == pytest.approx(-1.7258, abs=EFFECT_TOL)
    zeng = _finding(seed001, "effect_recompute", "Zeng")
    assert zeng.recomputed == pytest.approx(-2.5562, abs=EFFECT_TOL)


def test_seed001_pooled_smd_agrees_with_the_demo_data(seed001: AuditReport) -> None:
    """The pooled SMD near −2.7 (reported −1.25) is the DL pool of Table 3's six studies, which sysreview's own
    demo data file (src/sysreview/data/seed001_table3_ecca.csv) holds too."""
    table = read_table(REPO / "src" / "sysreview" / "data" / "seed001_table3_ecca.csv")
    columns = {c: table.numeric(c) for c in ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")}
    es = escalc("SMD", **columns)
    expected = rma(np.asarray(es.yi), np.asarray(es.vi), method="DL").estimate
    pooled = _finding(seed001, "pooled_recompute", "pooled ECCA")
    assert pooled.recomputed == pytest.approx(expected, abs=1e-9)
    assert pooled.recomputed == pytest.approx(-2.68, abs=0.005)
    assert pooled.reported == -1.25
    assert "The review reports k = 18, more than the 6 studies whose data it shows" in pooled.message


def test_seed001_subgroup_test(seed001: AuditReport) -> None:
    finding = _finding(seed001, "subgroup_test", "intervention type")
    assert (finding.reported, finding.severity) == (0.02, "error")
    assert finding.recomputed == pytest.approx(0.548, abs=P_TOL)


def test_seed001_impossible_percentages(seed001: AuditReport) -> None:
    """82.1% of 14 (11/14 = 78.6%, 12/14 = 85.7%), 47.6% of 14, 10.3% of 215 (possible with 145)."""
    subjects = {f.subject: f for f in seed001.findings if f.check == "percentage_count"}
    assert subjects["satisfaction % in Suh et al. (2025) [Table 1 study 1], SVF"].recomputed == (
        "11/14 = 78.6% and 12/14 = 85.7%"
    )
    male = subjects["male % of Table 1 study 11"]
    assert "it is possible with n = 145 (the sum of its arms)" in male.message


def test_seed001_rob2_overall(seed001: AuditReport) -> None:
    rows = [f for f in seed001.findings if f.check == "rob_overall" and f.quantity == "overall judgement"]
    assert {(f.reported, f.recomputed) for f in rows} == {("Some concerns", "High")}
    assert len(rows) == 10
    assert "'Deviations from intended interventions' High" in rows[0].message


def test_seed001_prisma_caption(seed001: AuditReport) -> None:
    finding = _finding(seed001, "prisma_arithmetic", "exclusion reasons")
    assert (finding.reported, finding.recomputed) == (232, 264)
    assert finding.source == "Figure 1 caption (line 171)"


def test_seed001_eligibility_names_the_designs(seed001: AuditReport) -> None:
    case_series = _finding(seed001, "eligibility", "Table 1 study 8")
    assert "its design (Case series) is a case series, which the criteria exclude" in case_series.message
    meta = _finding(seed001, "eligibility", "Table 1 study 17")
    assert "its own row says 'Excluded (not acne scars)'" in meta.message


def test_seed001_every_finding_is_explained(seed001: AuditReport) -> None:
    for finding in seed001.findings:
        assert finding.message.endswith(".")
        assert len(finding.message) > 60
        assert finding.source


def test_seed000_abstract_has_nothing_to_find() -> None:
    report = audit(EXAMPLES / "seed000.yaml")
    assert report.ok
    assert report.checked["percentage_count"] == 3
    assert report.checked["sample_size"] == 1


def test_template_is_consistent() -> None:
    report = audit(EXAMPLES / "template.yaml")
    assert report.ok, [f.message for f in report.findings]
