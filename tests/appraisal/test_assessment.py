"""Assessments of one study result: algorithm proposals, departures only with reasons, two assessors and consensus.

The expected domain judgements follow the RoB 2 decision diagrams (Higgins et al., RoB 2 full guidance, 22 August
2019), the overall ones Sterne et al. 2019 (RoB 2, Table 2) and Sterne et al. 2016 (ROBINS-I, Table 3). Duplicate
assessment with a recorded resolution of disagreements: Cochrane MECIR standard C53.
"""

from __future__ import annotations

import pytest

from sysreview.appraisal import (
    Answer,
    Decision,
    assess_rob2,
    assess_robins_i,
    compare_assessments,
    consensus,
)
from sysreview.errors import InputError

# a trial with open-label participants (domain 2 at some concerns) and a per-protocol analysis (2.6 N, 2.7 N)
BASE = {
    "1.1": "Y", "1.2": "Y", "1.3": "N",
    "2.1": "Y", "2.2": "Y", "2.3": "N", "2.6": "Y",
    "3.1": "Y",
    "4.1": "N", "4.2": "N", "4.3": "Y", "4.4": "N",
    "5.1": "Y", "5.2": "N", "5.3": "N",
}  # fmt: skip


def test_all_low() -> None:
    a = assess_rob2(BASE, study="Trial A", assessor="JH")
    assert a.judgements == ("Low",) * 5
    assert (a.overall.algorithm, a.overall.judgement, a.overall.consistent) == ("Low", "Low", True)
    assert a.answers["2.4"] is Answer.NA  # not reached, recorded as NA
    assert list(a.answers)[:3] == ["1.1", "1.2", "1.3"]
    assert a.domain("D4").rule == "4.1 = N/PN/NI, 4.2 = N/PN, 4.3 = Y/PY/NI, 4.4 = N/PN → Low"


def test_some_concerns_in_two_domains_allow_a_reasoned_high() -> None:
    answers = {**BASE, "1.3": "NI", "1.2": "NI", "5.1": "NI"}  # D1: 1.2 NI, 1.3 NI → SC; D5: 5.1 NI → SC
    a = assess_rob2(answers)
    assert a.judgements == ("Some concerns", "Low", "Low", "Low", "Some concerns")
    assert a.overall.allowed == ("Some concerns", "High")
    assert (a.overall.judgement, a.overall.overridden) == ("Some concerns", False)
    b = assess_rob2(answers, decisions={"overall": Decision("High", "both concerns bear on the primary outcome")})
    assert (b.overall.judgement, b.overall.overridden, b.overall.consistent) == ("High", True, True)
    assert b.overall.reason == "both concerns bear on the primary outcome"


def test_a_domain_departure_is_recorded_and_feeds_the_overall() -> None:
    a = assess_rob2(BASE, decisions={"D3": Decision("High", "30% missing in one arm, reasons related to outcome")})
    d3 = a.domain("D3")
    assert (d3.algorithm, d3.judgement, d3.overridden) == ("Low", "High", True)
    assert a.overall.algorithm == "High"  # the overall rule runs on the recorded domain judgements
    assert a.to_dict()["domains"][2]["reason"] == "30% missing in one arm, reasons related to outcome"


def test_an_overall_outside_the_rule_is_recorded_as_inconsistent() -> None:
    a = assess_rob2(BASE, decisions={"overall": Decision("Some concerns", "small trial")})
    assert (a.overall.algorithm, a.overall.judgement, a.overall.consistent) == ("Low", "Some concerns", False)


def test_decisions_need_reasons_and_known_keys() -> None:
    with pytest.raises(InputError, match="needs a reason"):
        Decision("High", "  ")
    with pytest.raises(InputError, match="decisions are recorded for D1, D2, D3, D4, D5, overall"):
        assess_rob2(BASE, decisions={"D6": Decision("High", "x")})
    with pytest.raises(InputError) as info:
        assess_rob2(BASE, decisions={"D2": Decision("Serious", "x")})
    assert info.value.column == "D2"
    with pytest.raises(InputError) as info:
        assess_rob2(BASE, decisions={"D2": Decision("No information", "x")})
    assert "'No information' is not a RoB 2 domain judgement" in str(info.value)


def test_answer_errors_name_the_question() -> None:
    with pytest.raises(InputError) as info:
        assess_rob2({**BASE, "3.2": "Y"})
    assert info.value.column == "3.2"
    with pytest.raises(InputError, match=r"'6\.1' is not a RoB 2 signalling question"):
        assess_rob2({**BASE, "6.1": "Y"})


def test_robins_i_domains_are_the_reviewers_and_the_overall_follows_the_rule() -> None:
    a = assess_robins_i(["Moderate", "Low", "Low", "Serious", "Low", "Low", "Low"], study="Cohort B")
    assert a.overall.algorithm == "Serious"
    assert all(d.algorithm is None and not d.overridden for d in a.domains)
    assert a.domain("D1").name == "Bias due to confounding"
    b = assess_robins_i({"D1": "Moderate", "D2": "No information", "D3": "Low", "D4": "Low", "D5": "Low",
                         "D6": "Low", "D7": "Low"},
                        decisions={"overall": Decision("Moderate", "selection is not a key domain here")})  # fmt: skip
    assert (b.overall.algorithm, b.overall.judgement, b.overall.consistent) == ("No information", "Moderate", True)
    with pytest.raises(InputError, match="ROBINS-I has 7 domains; got 5"):
        assess_robins_i(["Low"] * 5)
    with pytest.raises(InputError) as info:
        assess_robins_i({"D1": "Low", "D2": "High"})
    assert info.value.column == "D2"


# ---------------------------------------------------------------------- two assessors
def test_compare_lists_every_difference() -> None:
    first = assess_rob2(BASE, study="T", assessor="A")
    second = assess_rob2({**BASE, "1.2": "NI", "1.3": "NI"}, study="T", assessor="B")
    differences = [(d.item, d.kind, d.first, d.second) for d in compare_assessments(first, second)]
    assert differences == [
        ("1.2", "answer", "Y", "NI"),
        ("1.3", "answer", "N", "NI"),
        ("D1", "domain", "Low", "Some concerns"),
        ("overall", "overall", "Low", "Some concerns"),
    ]


def test_consensus_needs_a_reasoned_resolution_of_each_disagreement() -> None:
    first = assess_rob2(BASE, study="T", assessor="A")
    second = assess_rob2({**BASE, "1.2": "NI", "1.3": "NI"}, study="T", assessor="B")
    with pytest.raises(InputError) as info:
        consensus(first, second)
    assert str(info.value) == (
        "2 unresolved disagreement(s) between A and B: 1.2 (Y vs NI); 1.3 (N vs NI); record a resolution with a "
        "reason for each"
    )
    agreed = consensus(
        first,
        second,
        resolutions={
            "1.2": Decision("Y", "central web-based allocation (protocol, section 6)"),
            "1.3": Decision("N", "Table 1 shows no imbalance beyond chance"),
        },
    )
    assert agreed.assessor == "consensus of A and B"
    assert agreed.overall.judgement == "Low"
    assert agreed.notes == (
        "1.2: Y vs NI; resolved Y: central web-based allocation (protocol, section 6)",
        "1.3: N vs NI; resolved N: Table 1 shows no imbalance beyond chance",
    )


def test_consensus_keeps_shared_departures_and_asks_about_single_ones() -> None:
    why = Decision("High", "outcome assessors unblinded and the outcome subjective")
    first = assess_rob2(BASE, study="T", assessor="A", decisions={"D4": why})
    second = assess_rob2(BASE, study="T", assessor="B", decisions={"D4": why})
    assert consensus(first, second).domain("D4").judgement == "High"
    third = assess_rob2(BASE, study="T", assessor="C")
    with pytest.raises(InputError, match=r"D4 \(decision High vs no decision\)"):
        consensus(first, third)
    resolved = consensus(first, third, resolutions={"D4": Decision("Some concerns", "assessor blinding unclear")})
    assert resolved.domain("D4").judgement == "Some concerns"


def test_consensus_of_robins_i() -> None:
    a = assess_robins_i(["Moderate", "Low", "Low", "Low", "Low", "Low", "Low"], study="C", assessor="A")
    b = assess_robins_i(["Serious", "Low", "Low", "Low", "Low", "Low", "Low"], study="C", assessor="B")
    with pytest.raises(InputError, match=r"D1 \(Moderate vs Serious\)"):
        consensus(a, b)
    merged = consensus(a, b, resolutions={"D1": Decision("Serious", "no adjustment for baseline severity")})
    assert merged.overall.judgement == "Serious"


def test_assessments_of_different_results_cannot_be_compared() -> None:
    with pytest.raises(InputError, match="different studies"):
        compare_assessments(assess_rob2(BASE, study="T1"), assess_rob2(BASE, study="T2"))
    with pytest.raises(InputError, match="cannot compare a RoB 2 with a ROBINS-I assessment"):
        compare_assessments(assess_rob2(BASE), assess_robins_i(["Low"] * 7))
