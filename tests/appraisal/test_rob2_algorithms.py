"""The RoB 2 domain algorithms: every route of every decision diagram, and all answer sets against the criteria.

Source of every expected judgement: the RoB 2 full guidance document (Higgins JPT, Savović J, Page MJ, Sterne JAC
(eds), "Revised Cochrane risk-of-bias tool for randomized trials (RoB 2)", 22 August 2019), the decision diagram
("algorithm") of each domain and its table "Criteria for reaching risk-of-bias judgements"; Sterne et al.,
BMJ 2019;366:l4898, Table 1 (domains and signalling questions). Response options per question as in the tool's
short version ("cribsheet") of the same date: question 3.2 offers no "NI".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from sysreview.appraisal import Answer, judge_rob2_domain, rob2_questions
from sysreview.errors import InputError

Y, PY, PN, N, NI, NA = (Answer.Y, Answer.PY, Answer.PN, Answer.N, Answer.NI, Answer.NA)
LOW, SC, HIGH = "Low", "Some concerns", "High"


def _answers(text: str) -> dict[str, str]:
    return dict(item.split("=") for item in text.split())


# (domain, aim, answers, expected judgement, expected route) — one case per leaf of the decision diagram
ROUTES = [
    # ---- domain 1, randomization process (guidance, figure for domain 1)
    ("D1", "assignment", "1.1=Y 1.2=N 1.3=N", HIGH, "1.2 = N/PN → High"),
    ("D1", "assignment", "1.1=NI 1.2=PN 1.3=NI", HIGH, "1.2 = N/PN → High"),
    ("D1", "assignment", "1.1=N 1.2=Y 1.3=N", SC, "1.2 = Y/PY, 1.1 = N/PN → Some concerns"),
    ("D1", "assignment", "1.1=PN 1.2=PY 1.3=Y", SC, "1.2 = Y/PY, 1.1 = N/PN → Some concerns"),
    ("D1", "assignment", "1.1=Y 1.2=Y 1.3=PY", SC, "1.2 = Y/PY, 1.1 = Y/PY/NI, 1.3 = Y/PY → Some concerns"),
    ("D1", "assignment", "1.1=Y 1.2=Y 1.3=N", LOW, "1.2 = Y/PY, 1.1 = Y/PY/NI, 1.3 = N/PN/NI → Low"),
    ("D1", "assignment", "1.1=NI 1.2=PY 1.3=NI", LOW, "1.2 = Y/PY, 1.1 = Y/PY/NI, 1.3 = N/PN/NI → Low"),
    ("D1", "assignment", "1.1=Y 1.2=NI 1.3=Y", HIGH, "1.2 = NI, 1.3 = Y/PY → High"),
    ("D1", "assignment", "1.1=Y 1.2=NI 1.3=PN", SC, "1.2 = NI, 1.3 = N/PN/NI → Some concerns"),
    ("D1", "assignment", "1.1=NI 1.2=NI 1.3=NI", SC, "1.2 = NI, 1.3 = N/PN/NI → Some concerns"),
    # ---- domain 2, effect of assignment: part 1 (2.1–2.5) with part 2 Low (2.6 Y)
    ("D2", "assignment", "2.1=N 2.2=PN 2.6=Y", LOW, "2.1/2.2 = both N/PN, 2.6 = Y/PY → Low"),
    ("D2", "assignment", "2.1=Y 2.2=N 2.3=N 2.6=Y", LOW, "2.1/2.2 = either Y/PY/NI, 2.3 = N/PN, 2.6 = Y/PY → Low"),
    ("D2", "assignment", "2.1=N 2.2=NI 2.3=PN 2.6=PY", LOW, "2.1/2.2 = either Y/PY/NI, 2.3 = N/PN, 2.6 = Y/PY → Low"),
    (
        "D2",
        "assignment",
        "2.1=Y 2.2=Y 2.3=NI 2.6=Y",
        SC,
        "2.1/2.2 = either Y/PY/NI, 2.3 = NI, 2.6 = Y/PY → Some concerns",
    ),
    (
        "D2",
        "assignment",
        "2.1=PY 2.2=Y 2.3=Y 2.4=PN 2.6=Y",
        SC,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY, 2.4 = N/PN, 2.6 = Y/PY → Some concerns",
    ),
    (
        "D2",
        "assignment",
        "2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=PY 2.6=Y",
        SC,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY, 2.4 = Y/PY/NI, 2.5 = Y/PY, 2.6 = Y/PY → Some concerns",
    ),
    (
        "D2",
        "assignment",
        "2.1=Y 2.2=Y 2.3=PY 2.4=NI 2.5=N 2.6=Y",
        HIGH,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY, 2.4 = Y/PY/NI, 2.5 = N/PN/NI, 2.6 = Y/PY → High",
    ),
    (
        "D2",
        "assignment",
        "2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=NI 2.6=Y",
        HIGH,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY, 2.4 = Y/PY/NI, 2.5 = N/PN/NI, 2.6 = Y/PY → High",
    ),
    # part 2 (2.6–2.7) with part 1 Low
    (
        "D2",
        "assignment",
        "2.1=N 2.2=N 2.6=N 2.7=N",
        SC,
        "2.1/2.2 = both N/PN, 2.6 = N/PN/NI, 2.7 = N/PN → Some concerns",
    ),
    (
        "D2",
        "assignment",
        "2.1=N 2.2=N 2.6=NI 2.7=PN",
        SC,
        "2.1/2.2 = both N/PN, 2.6 = N/PN/NI, 2.7 = N/PN → Some concerns",
    ),
    ("D2", "assignment", "2.1=N 2.2=N 2.6=PN 2.7=Y", HIGH, "2.1/2.2 = both N/PN, 2.6 = N/PN/NI, 2.7 = Y/PY/NI → High"),
    ("D2", "assignment", "2.1=N 2.2=N 2.6=N 2.7=NI", HIGH, "2.1/2.2 = both N/PN, 2.6 = N/PN/NI, 2.7 = Y/PY/NI → High"),
    # the domain is the worse of the two parts
    (
        "D2",
        "assignment",
        "2.1=Y 2.2=Y 2.3=NI 2.6=N 2.7=N",
        SC,
        "2.1/2.2 = either Y/PY/NI, 2.3 = NI, 2.6 = N/PN/NI, 2.7 = N/PN → Some concerns",
    ),
    (
        "D2",
        "assignment",
        "2.1=Y 2.2=Y 2.3=NI 2.6=N 2.7=Y",
        HIGH,
        "2.1/2.2 = either Y/PY/NI, 2.3 = NI, 2.6 = N/PN/NI, 2.7 = Y/PY/NI → High",
    ),
    (
        "D2",
        "assignment",
        "2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=N 2.6=N 2.7=N",
        HIGH,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY, 2.4 = Y/PY/NI, 2.5 = N/PN/NI, 2.6 = N/PN/NI, 2.7 = N/PN → High",
    ),
    # ---- domain 2, effect of adhering (guidance, figure for domain 2, effect of adhering)
    ("D2", "adhering", "2.1=N 2.2=N 2.4=N 2.5=PN", LOW, "2.1/2.2 = both N/PN, 2.4/2.5 = both N/PN/NA → Low"),
    ("D2", "adhering", "2.1=N 2.2=N 2.4=NA 2.5=NA", LOW, "2.1/2.2 = both N/PN, 2.4/2.5 = both N/PN/NA → Low"),
    (
        "D2",
        "adhering",
        "2.1=N 2.2=N 2.4=Y 2.5=N 2.6=Y",
        SC,
        "2.1/2.2 = both N/PN, 2.4/2.5 = either Y/PY/NI, 2.6 = Y/PY → Some concerns",
    ),
    (
        "D2",
        "adhering",
        "2.1=N 2.2=N 2.4=N 2.5=NI 2.6=N",
        HIGH,
        "2.1/2.2 = both N/PN, 2.4/2.5 = either Y/PY/NI, 2.6 = N/PN/NI → High",
    ),
    (
        "D2",
        "adhering",
        "2.1=Y 2.2=Y 2.3=Y 2.4=N 2.5=N",
        LOW,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY/NA, 2.4/2.5 = both N/PN/NA → Low",
    ),
    (
        "D2",
        "adhering",
        "2.1=NI 2.2=N 2.3=NA 2.4=PN 2.5=NA",
        LOW,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY/NA, 2.4/2.5 = both N/PN/NA → Low",
    ),
    (
        "D2",
        "adhering",
        "2.1=Y 2.2=Y 2.3=PY 2.4=PY 2.5=N 2.6=PY",
        SC,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY/NA, 2.4/2.5 = either Y/PY/NI, 2.6 = Y/PY → Some concerns",
    ),
    (
        "D2",
        "adhering",
        "2.1=Y 2.2=Y 2.3=Y 2.4=N 2.5=Y 2.6=NI",
        HIGH,
        "2.1/2.2 = either Y/PY/NI, 2.3 = Y/PY/NA, 2.4/2.5 = either Y/PY/NI, 2.6 = N/PN/NI → High",
    ),
    (
        "D2",
        "adhering",
        "2.1=Y 2.2=N 2.3=N 2.4=N 2.5=N 2.6=Y",
        SC,
        "2.1/2.2 = either Y/PY/NI, 2.3 = N/PN/NI, 2.6 = Y/PY → Some concerns",
    ),
    (
        "D2",
        "adhering",
        "2.1=PY 2.2=Y 2.3=NI 2.4=N 2.5=N 2.6=N",
        HIGH,
        "2.1/2.2 = either Y/PY/NI, 2.3 = N/PN/NI, 2.6 = N/PN/NI → High",
    ),
    # ---- domain 3, missing outcome data
    ("D3", "assignment", "3.1=Y", LOW, "3.1 = Y/PY → Low"),
    ("D3", "assignment", "3.1=PY", LOW, "3.1 = Y/PY → Low"),
    ("D3", "assignment", "3.1=N 3.2=Y", LOW, "3.1 = N/PN/NI, 3.2 = Y/PY → Low"),
    ("D3", "assignment", "3.1=NI 3.2=PY", LOW, "3.1 = N/PN/NI, 3.2 = Y/PY → Low"),
    ("D3", "assignment", "3.1=N 3.2=N 3.3=PN", LOW, "3.1 = N/PN/NI, 3.2 = N/PN, 3.3 = N/PN → Low"),
    (
        "D3",
        "assignment",
        "3.1=PN 3.2=PN 3.3=Y 3.4=N",
        SC,
        "3.1 = N/PN/NI, 3.2 = N/PN, 3.3 = Y/PY/NI, 3.4 = N/PN → Some concerns",
    ),
    (
        "D3",
        "assignment",
        "3.1=N 3.2=N 3.3=NI 3.4=PN",
        SC,
        "3.1 = N/PN/NI, 3.2 = N/PN, 3.3 = Y/PY/NI, 3.4 = N/PN → Some concerns",
    ),
    (
        "D3",
        "assignment",
        "3.1=N 3.2=N 3.3=Y 3.4=PY",
        HIGH,
        "3.1 = N/PN/NI, 3.2 = N/PN, 3.3 = Y/PY/NI, 3.4 = Y/PY/NI → High",
    ),
    (
        "D3",
        "assignment",
        "3.1=NI 3.2=N 3.3=NI 3.4=NI",
        HIGH,
        "3.1 = N/PN/NI, 3.2 = N/PN, 3.3 = Y/PY/NI, 3.4 = Y/PY/NI → High",
    ),
    # ---- domain 4, measurement of the outcome
    ("D4", "assignment", "4.1=Y 4.2=N", HIGH, "4.1 = Y/PY → High"),
    ("D4", "assignment", "4.1=N 4.2=PY", HIGH, "4.1 = N/PN/NI, 4.2 = Y/PY → High"),
    ("D4", "assignment", "4.1=NI 4.2=Y", HIGH, "4.1 = N/PN/NI, 4.2 = Y/PY → High"),
    ("D4", "assignment", "4.1=N 4.2=N 4.3=N", LOW, "4.1 = N/PN/NI, 4.2 = N/PN, 4.3 = N/PN → Low"),
    (
        "D4",
        "assignment",
        "4.1=PN 4.2=PN 4.3=Y 4.4=N",
        LOW,
        "4.1 = N/PN/NI, 4.2 = N/PN, 4.3 = Y/PY/NI, 4.4 = N/PN → Low",
    ),
    (
        "D4",
        "assignment",
        "4.1=N 4.2=N 4.3=NI 4.4=PN",
        LOW,
        "4.1 = N/PN/NI, 4.2 = N/PN, 4.3 = Y/PY/NI, 4.4 = N/PN → Low",
    ),
    (
        "D4",
        "assignment",
        "4.1=N 4.2=N 4.3=Y 4.4=Y 4.5=N",
        SC,
        "4.1 = N/PN/NI, 4.2 = N/PN, 4.3 = Y/PY/NI, 4.4 = Y/PY/NI, 4.5 = N/PN → Some concerns",
    ),
    (
        "D4",
        "assignment",
        "4.1=N 4.2=N 4.3=Y 4.4=NI 4.5=PY",
        HIGH,
        "4.1 = N/PN/NI, 4.2 = N/PN, 4.3 = Y/PY/NI, 4.4 = Y/PY/NI, 4.5 = Y/PY/NI → High",
    ),
    (
        "D4",
        "assignment",
        "4.1=N 4.2=N 4.3=Y 4.4=Y 4.5=NI",
        HIGH,
        "4.1 = N/PN/NI, 4.2 = N/PN, 4.3 = Y/PY/NI, 4.4 = Y/PY/NI, 4.5 = Y/PY/NI → High",
    ),
    # 4.2 NI: at best some concerns
    ("D4", "assignment", "4.1=N 4.2=NI 4.3=N", SC, "4.1 = N/PN/NI, 4.2 = NI, 4.3 = N/PN → Some concerns"),
    (
        "D4",
        "assignment",
        "4.1=NI 4.2=NI 4.3=Y 4.4=PN",
        SC,
        "4.1 = N/PN/NI, 4.2 = NI, 4.3 = Y/PY/NI, 4.4 = N/PN → Some concerns",
    ),
    (
        "D4",
        "assignment",
        "4.1=N 4.2=NI 4.3=NI 4.4=Y 4.5=PN",
        SC,
        "4.1 = N/PN/NI, 4.2 = NI, 4.3 = Y/PY/NI, 4.4 = Y/PY/NI, 4.5 = N/PN → Some concerns",
    ),
    (
        "D4",
        "assignment",
        "4.1=N 4.2=NI 4.3=Y 4.4=Y 4.5=Y",
        HIGH,
        "4.1 = N/PN/NI, 4.2 = NI, 4.3 = Y/PY/NI, 4.4 = Y/PY/NI, 4.5 = Y/PY/NI → High",
    ),
    # ---- domain 5, selection of the reported result
    ("D5", "assignment", "5.1=Y 5.2=Y 5.3=N", HIGH, "5.2/5.3 = either Y/PY → High"),
    ("D5", "assignment", "5.1=Y 5.2=N 5.3=PY", HIGH, "5.2/5.3 = either Y/PY → High"),
    ("D5", "assignment", "5.1=NI 5.2=NI 5.3=Y", HIGH, "5.2/5.3 = either Y/PY → High"),
    ("D5", "assignment", "5.1=Y 5.2=N 5.3=PN", LOW, "5.2/5.3 = both N/PN, 5.1 = Y/PY → Low"),
    ("D5", "assignment", "5.1=PN 5.2=N 5.3=N", SC, "5.2/5.3 = both N/PN, 5.1 = N/PN/NI → Some concerns"),
    ("D5", "assignment", "5.1=NI 5.2=PN 5.3=N", SC, "5.2/5.3 = both N/PN, 5.1 = N/PN/NI → Some concerns"),
    ("D5", "assignment", "5.1=Y 5.2=NI 5.3=N", SC, "5.2/5.3 = NI, neither Y/PY → Some concerns"),
    ("D5", "assignment", "5.1=Y 5.2=N 5.3=NI", SC, "5.2/5.3 = NI, neither Y/PY → Some concerns"),
]


@pytest.mark.parametrize(("domain", "aim", "answers", "judgement", "route"), ROUTES, ids=[r[4] for r in ROUTES])
def test_every_route_of_the_decision_diagrams(domain: str, aim: str, answers: str, judgement: str, route: str) -> None:
    result = judge_rob2_domain(domain, _answers(answers), aim=aim)
    assert result.judgement == judgement
    assert result.rule == route


# ---------------------------------------------------------------------- every answer set
def _all_answer_sets(domain: str, aim: str) -> Iterator[dict[str, Answer]]:
    """Every valid answer set: each reached question takes each of its options, the others NA."""
    questions = rob2_questions(domain, aim=aim)

    def walk(i: int, given: dict[str, Answer]) -> Iterator[dict[str, Answer]]:
        if i == len(questions):
            yield dict(given)
            return
        q = questions[i]
        for answer in q.options if q.is_asked(given) else (NA,):
            given[q.id] = answer
            yield from walk(i + 1, given)
        del given[q.id]

    yield from walk(0, {})


def _yes(a: Answer) -> bool:
    return a in (Y, PY)


def _no(a: Answer) -> bool:
    return a in (N, PN)


# The guidance's "Criteria for reaching risk-of-bias judgements", one function per domain, written from the
# criteria tables (not from the diagrams the library follows), as an independent oracle.
def _criteria_d1(a: dict[str, Answer]) -> str:
    if _no(a["1.2"]) or (a["1.2"] == NI and _yes(a["1.3"])):
        return HIGH
    if _yes(a["1.2"]) and not _yes(a["1.3"]) and not _no(a["1.1"]):
        return LOW
    return SC


def _criteria_d2_assignment(a: dict[str, Answer]) -> str:
    aware = not (_no(a["2.1"]) and _no(a["2.2"]))
    deviations_harmful = aware and _yes(a["2.3"]) and not _no(a["2.4"]) and not _yes(a["2.5"])
    analysis_harmful = not _yes(a["2.6"]) and not _no(a["2.7"])
    if deviations_harmful or analysis_harmful:
        return HIGH
    if (not aware or _no(a["2.3"])) and _yes(a["2.6"]):
        return LOW
    return SC


def _criteria_d2_adhering(a: dict[str, Answer]) -> str:
    aware = not (_no(a["2.1"]) and _no(a["2.2"]))
    problem = (aware and (_no(a["2.3"]) or a["2.3"] == NI)) or not (a["2.4"] in (N, PN, NA) and a["2.5"] in (N, PN, NA))
    if not problem:
        return LOW
    return SC if _yes(a["2.6"]) else HIGH


def _criteria_d3(a: dict[str, Answer]) -> str:
    if _yes(a["3.1"]) or _yes(a["3.2"]) or _no(a["3.3"]):
        return LOW
    return SC if _no(a["3.4"]) else HIGH


def _criteria_d4(a: dict[str, Answer]) -> str:
    if _yes(a["4.1"]) or _yes(a["4.2"]) or a["4.5"] in (Y, PY, NI):
        return HIGH
    if _no(a["4.2"]) and (_no(a["4.3"]) or _no(a["4.4"])):
        return LOW
    return SC


def _criteria_d5(a: dict[str, Answer]) -> str:
    if _yes(a["5.2"]) or _yes(a["5.3"]):
        return HIGH
    if _yes(a["5.1"]) and _no(a["5.2"]) and _no(a["5.3"]):
        return LOW
    return SC


CRITERIA: list[tuple[str, str, Callable[[dict[str, Answer]], str], int]] = [
    # (domain, aim, oracle, number of valid answer sets)
    ("D1", "assignment", _criteria_d1, 125),
    ("D2", "assignment", _criteria_d2_assignment, 13277),
    ("D2", "adhering", _criteria_d2_adhering, 20988),
    ("D3", "assignment", _criteria_d3, 110),
    ("D4", "assignment", _criteria_d4, 493),
    ("D5", "assignment", _criteria_d5, 125),
]


@pytest.mark.parametrize(("domain", "aim", "criteria", "count"), CRITERIA, ids=[f"{c[0]}-{c[1]}" for c in CRITERIA])
def test_every_answer_set_meets_the_published_criteria(
    domain: str, aim: str, criteria: Callable[[dict[str, Answer]], str], count: int
) -> None:
    sets = list(_all_answer_sets(domain, aim))
    assert len(sets) == count
    for answers in sets:
        got = judge_rob2_domain(domain, answers, aim=aim)
        assert got.judgement == criteria(answers), answers


@pytest.mark.parametrize(("domain", "aim"), sorted({(r[0], r[1]) for r in ROUTES}))
def test_the_route_table_walks_every_route(domain: str, aim: str) -> None:
    """The ROUTES table covers every route that some valid answer set takes (domain 2 by part: the parts are
    walked separately and combined by the worse judgement, as in the guidance's diagram)."""
    seen = {judge_rob2_domain(domain, a, aim=aim).path for a in _all_answer_sets(domain, aim)}
    tabled = {
        judge_rob2_domain(d, _answers(text), aim=x).path for d, x, text, _, _ in ROUTES if (d, x) == (domain, aim)
    }
    if (domain, aim) == ("D2", "assignment"):
        part1 = {tuple(s for s in route if s[0] < "2.6") for route in seen}
        part2 = {tuple(s for s in route if s[0] >= "2.6") for route in seen}
        assert part1 == {tuple(s for s in route if s[0] < "2.6") for route in tabled}
        assert part2 == {tuple(s for s in route if s[0] >= "2.6") for route in tabled}
    else:
        assert tabled == seen


# ---------------------------------------------------------------------- answers that do not fit the questions
BAD = [
    ("D1", "assignment", {"1.1": "Y", "1.2": "Y"}, "1.3", "question 1.3 is reached and needs an answer"),
    ("D1", "assignment", {"1.1": "Y", "1.2": "Y", "1.3": "NA"}, "1.3", "answer NA is not an option of question 1.3"),
    ("D3", "assignment", {"3.1": "N", "3.2": "NI"}, "3.2", "answer NI is not an option of question 3.2 (Y/PY/PN/N)"),
    ("D3", "assignment", {"3.1": "Y", "3.2": "N"}, "3.2", "question 3.2 is answered N but is not reached"),
    ("D2", "assignment", {"2.1": "N", "2.2": "N", "2.3": "Y", "2.6": "Y"}, "2.3", "is not reached"),
    ("D4", "assignment", {"4.1": "Y", "4.2": "N", "4.3": "Y"}, "4.3", "question 4.3 is answered Y but is not reached"),
    ("D5", "assignment", {"5.1": "Y", "5.2": "N", "5.3": "maybe"}, "5.3", "unknown answer 'maybe'"),
    ("D1", "assignment", {"1.1": "Y", "1.2": "Y", "1.3": "N", "1.4": "Y"}, "1.4", "not a signalling question"),
]


@pytest.mark.parametrize(("domain", "aim", "answers", "column", "message"), BAD, ids=[b[4] for b in BAD])
def test_answers_that_do_not_fit_the_questions_are_errors_naming_the_question(
    domain: str, aim: str, answers: dict[str, str], column: str, message: str
) -> None:
    with pytest.raises(InputError) as info:
        judge_rob2_domain(domain, answers, aim=aim)
    assert info.value.column == column
    assert message in str(info.value)


def test_answers_may_be_spelt_out() -> None:
    spelt = {"1.1": "Yes", "1.2": "probably yes", "1.3": "No information"}
    assert judge_rob2_domain("D1", spelt).rule == "1.2 = Y/PY, 1.1 = Y/PY/NI, 1.3 = N/PN/NI → Low"
    assert judge_rob2_domain("D3", {"3.1": "Y", "3.2": "N/A", "3.3": "", "3.4": "not applicable"}).judgement == LOW


def test_unknown_domain_and_aim() -> None:
    with pytest.raises(InputError, match="unknown RoB 2 domain 'D6'"):
        judge_rob2_domain("D6", {})
    with pytest.raises(InputError, match="unknown aim 'itt'"):
        judge_rob2_domain("D2", {}, aim="itt")


def test_signalling_questions_follow_the_tool() -> None:
    # Sterne et al. 2019, Table 1: 22 signalling questions (domain 2 for the effect of assignment)
    counts = {d: len(rob2_questions(d)) for d in ("D1", "D2", "D3", "D4", "D5")}
    assert counts == {"D1": 3, "D2": 7, "D3": 4, "D4": 5, "D5": 3}
    assert sum(counts.values()) == 22
    assert len(rob2_questions("D2", aim="adhering")) == 6
    assert rob2_questions("D1")[1].text.startswith("Was the allocation sequence concealed until participants")
