"""The overall rules of RoB 2 and ROBINS-I, every clause, and the judgement spellings they accept.

RoB 2: Sterne et al., BMJ 2019;366:l4898, Table 2 ("Reaching an overall risk-of-bias judgement for a specific
outcome"): Low only if all domains Low; High if any domain High, or some concerns in multiple domains in a way that
substantially lowers confidence (a reviewer's judgement); Some concerns otherwise.
ROBINS-I: Sterne et al., BMJ 2016;355:i4919, Table 3 (overall judgements): Low if all Low; Moderate if all Low or
Moderate; Serious if any Serious and none Critical; Critical if any Critical; No information when there is no clear
indication of serious or critical risk and information is lacking in one or more key domains.
"""

from __future__ import annotations

import pytest

from sysreview.appraisal import SPELLINGS, Answer, normalise_answer, normalise_judgement, overall_rule, parse_tool
from sysreview.errors import InputError

LOW, SC, HIGH = "Low", "Some concerns", "High"
MOD, SER, CRIT, NI, NA = "Moderate", "Serious", "Critical", "No information", "Not applicable"

ROB2 = [
    # (domain judgements D1..D5, algorithm, allowed, rule)
    ((LOW, LOW, LOW, LOW, LOW), LOW, (LOW,), "low risk of bias in all domains"),
    ((LOW, SC, LOW, LOW, LOW), SC, (SC,), "some concerns in 1 domain (D2), high risk in none"),
    (
        (SC, LOW, LOW, SC, LOW),
        SC,
        (SC, HIGH),
        (
            "some concerns in 2 domains (D1, D4), high risk in none; High is permissible when this substantially "
            "lowers confidence in the result (a reviewer's judgement, to be recorded)"
        ),
    ),
    ((SC, SC, SC, SC, SC), SC, (SC, HIGH), None),
    ((LOW, HIGH, LOW, LOW, LOW), HIGH, (HIGH,), "high risk of bias in 1 domain (D2)"),
    ((HIGH, SC, SC, LOW, HIGH), HIGH, (HIGH,), "high risk of bias in 2 domains (D1, D5)"),
    # "No information" (robvis allows it) counts as some concerns
    (
        (NI, LOW, LOW, LOW, LOW),
        SC,
        (SC,),
        "some concerns in 1 domain (D1) (D1 without information, counted as some concerns), high risk in none",
    ),
    ((NI, LOW, SC, LOW, LOW), SC, (SC, HIGH), None),
    ((NI, HIGH, LOW, LOW, LOW), HIGH, (HIGH,), None),
    # "Not applicable" (RoB 2 for cluster trials: D1b) takes no part
    ((LOW, NA, LOW, LOW, LOW, LOW), LOW, (LOW,), "low risk of bias in all domains"),
    ((SC, NA, LOW, SC, LOW, LOW), SC, (SC, HIGH), None),
]


@pytest.mark.parametrize(("judgements", "algorithm", "allowed", "rule"), ROB2)
def test_rob2_overall_rule(
    judgements: tuple[str, ...], algorithm: str, allowed: tuple[str, ...], rule: str | None
) -> None:
    result = overall_rule(judgements, tool="rob2")
    assert result.algorithm == algorithm
    assert result.allowed == allowed
    if rule is not None:
        assert result.rule == rule
    assert all(result.permits(a) for a in allowed)
    assert not result.permits("Low") or allowed == (LOW,)


ROBINS = [
    ((LOW,) * 7, LOW, (LOW,)),
    ((LOW, MOD, LOW, LOW, LOW, LOW, LOW), MOD, (MOD,)),
    ((MOD,) * 7, MOD, (MOD,)),
    ((MOD, SER, LOW, LOW, MOD, LOW, LOW), SER, (SER,)),
    ((SER, SER, SER, SER, SER, SER, SER), SER, (SER,)),
    ((SER, CRIT, LOW, LOW, LOW, LOW, LOW), CRIT, (CRIT,)),
    ((LOW, LOW, LOW, LOW, LOW, LOW, CRIT), CRIT, (CRIT,)),
    # no serious/critical, some domains without information: "No information", or the rule on the others when the
    # domains without information are judged not key (robvis's data_robins_i Study 2 reports Moderate)
    ((MOD, NI, MOD, LOW, LOW, LOW, MOD), NI, (NI, MOD)),
    ((LOW, NI, LOW, LOW, LOW, LOW, LOW), NI, (NI, LOW)),
    ((NI,) * 7, NI, (NI,)),
    # information lacking but a serious or critical domain: that decides
    ((NI, SER, LOW, LOW, LOW, LOW, LOW), SER, (SER,)),
    ((NI, CRIT, NI, LOW, LOW, LOW, LOW), CRIT, (CRIT,)),
    ((LOW, NA, LOW, LOW, MOD, LOW, LOW), MOD, (MOD,)),
]


@pytest.mark.parametrize(("judgements", "algorithm", "allowed"), ROBINS)
def test_robins_i_overall_rule(judgements: tuple[str, ...], algorithm: str, allowed: tuple[str, ...]) -> None:
    result = overall_rule(judgements, tool="robins-i")
    assert (result.algorithm, result.allowed) == (algorithm, allowed)


def test_robins_i_rule_texts_name_the_domains() -> None:
    assert overall_rule((MOD, SER, LOW, SER, LOW, LOW, LOW), tool="robins-i").rule == (
        "serious risk of bias in 2 domains (D2, D4), critical in none"
    )
    named = overall_rule((LOW, NI), tool="robins-i", domains=("Confounding", "Missing data"))
    assert named.rule.startswith("no serious or critical risk, no information in 1 domain (Missing data); Low is")


@pytest.mark.parametrize(
    ("judgements", "tool", "message"),
    [
        ((LOW, MOD), "rob2", "'Moderate' is not a RoB 2 domain judgement"),
        ((LOW, HIGH), "robins-i", "'High' is not a ROBINS-I domain judgement"),
        ((NA, NA), "rob2", "no domain applies"),
    ],
)
def test_overall_rule_rejects_foreign_judgements(judgements: tuple[str, ...], tool: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        overall_rule(judgements, tool=tool)


# ---------------------------------------------------------------------- spellings
SPELT = [
    # (tool, as written in a table, canonical)
    ("rob2", "Low", LOW),
    ("rob2", "low", LOW),
    ("rob2", "Low risk", LOW),
    ("rob2", "Low risk of bias", LOW),
    ("rob2", " LOW ", LOW),
    ("rob2", "Low (central randomization)", LOW),
    ("rob2", "Some concerns", SC),
    ("rob2", "some_concerns", SC),
    ("rob2", "Some concern", SC),
    ("rob2", "Unclear", SC),
    ("rob2", "Unclear risk of bias", SC),
    ("rob2", "High", HIGH),
    ("rob2", "High risk", HIGH),
    ("rob2", "High risk of bias.", HIGH),
    ("rob2", "No information", NI),
    ("rob2", "NI", NI),
    ("rob2", "N/A", NA),
    ("rob2", "NA", NA),
    ("rob2", "Not applicable", NA),
    ("robins-i", "Low", LOW),
    ("robins-i", "Moderate", MOD),
    ("robins-i", "Moderate risk", MOD),
    ("robins-i", "Serious", SER),
    ("robins-i", "Serious risk of bias", SER),
    ("robins-i", "Critical", CRIT),
    ("robins-i", "critical risk", CRIT),
    ("robins-i", "No information", NI),
    ("robins-i", "no info", NI),
    ("robins-i", "Unclear", NI),
    ("robins-i", "N/A", NA),
]


@pytest.mark.parametrize(("tool", "text", "canonical"), SPELT)
def test_judgement_spellings(tool: str, text: str, canonical: str) -> None:
    assert normalise_judgement(text, tool) == canonical


@pytest.mark.parametrize(
    ("tool", "text", "message"),
    [
        ("rob2", "Moderate", "'Moderate' is a ROBINS-I judgement: is the table a ROBINS-I table?"),
        ("rob2", "Serious", "is a ROBINS-I judgement"),
        ("robins-i", "High", "'High' is a RoB 2 judgement: is the table a RoB 2 table?"),
        ("robins-i", "Some concerns", "is a RoB 2 judgement"),
        ("rob2", "Lo", "unknown RoB 2 judgement 'Lo'; write one of Low, Some concerns, High, No information"),
        ("robins-i", "+", "unknown ROBINS-I judgement '+'"),
        ("rob2", "", "unknown RoB 2 judgement ''"),
    ],
)
def test_unknown_spellings_are_errors(tool: str, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        normalise_judgement(text, tool)
    assert message in str(info.value)


def test_every_spelling_maps_to_a_judgement_of_its_tool() -> None:
    for tool, table in SPELLINGS.items():
        levels = {LOW, SC, HIGH} if tool == "rob2" else {LOW, MOD, SER, CRIT}
        assert set(table.values()) == levels | {NI, NA}


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Y", Answer.Y),
        ("yes", Answer.Y),
        ("Probably yes", Answer.PY),
        ("py", Answer.PY),
        ("PN", Answer.PN),
        ("probably  no", Answer.PN),
        ("No", Answer.N),
        ("NI", Answer.NI),
        ("No information", Answer.NI),
        ("NA", Answer.NA),
        ("N/A", Answer.NA),
        ("Not applicable", Answer.NA),
    ],
)
def test_answer_spellings(text: str, answer: Answer) -> None:
    assert normalise_answer(text) is answer


def test_tools_by_name() -> None:
    assert [parse_tool(t) for t in ("rob2", "RoB 2", "ROB2", "robins-i", "ROBINS-I", "robins_i")] == [
        "rob2",
        "rob2",
        "rob2",
        "robins-i",
        "robins-i",
        "robins-i",
    ]
    with pytest.raises(InputError, match="unknown tool 'quadas-2'; choose one of rob2, robins-i"):
        parse_tool("quadas-2")
