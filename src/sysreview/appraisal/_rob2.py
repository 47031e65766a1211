"""RoB 2: the signalling questions of each domain and the published algorithms that map answers to judgements.

The questions, their response options and the conditions under which each is asked are those of the RoB 2
tool of 22 August 2019 (Higgins et al. 2019, the full guidance document, and its short version, the
"cribsheet"); the algorithms are the decision diagrams of that document, one per domain (figures for domains 1,
2 (effect of assignment: two parts; effect of adhering), 3, 4 and 5). The judgement the algorithm proposes can be
overridden by the assessor, but only with a recorded reason (:mod:`sysreview.appraisal._assessment`).

Answer sets used below: Y/PY (yes or probably yes), N/PN (no or probably no), NI (no information), NA (not
applicable: the question is not reached).

References
----------
Higgins JPT, Savović J, Page MJ, Sterne JAC (eds). Revised Cochrane risk-of-bias tool for randomized trials
(RoB 2), full guidance document, version of 22 August 2019. riskofbias.info.
Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in randomised trials.
BMJ 2019;366:l4898.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from sysreview.appraisal._vocab import HIGH, LOW, SOME_CONCERNS, Answer, normalise_answer
from sysreview.errors import InputError

__all__ = [
    "AIMS",
    "ROB2_DOMAINS",
    "Aim",
    "DomainResult",
    "Question",
    "judge_rob2_domain",
    "rob2_questions",
]

Aim = Literal["assignment", "adhering"]
#: the review team's aim for the result (RoB 2, preliminary considerations): the effect of assignment to
#: intervention (intention-to-treat) or of adhering to intervention (per-protocol); it selects domain 2's variant
AIMS: tuple[Aim, ...] = ("assignment", "adhering")

#: domain key → the domain's name in RoB 2 (Sterne et al. 2019, Table 1)
ROB2_DOMAINS: dict[str, str] = {
    "D1": "Bias arising from the randomization process",
    "D2": "Bias due to deviations from intended interventions",
    "D3": "Bias due to missing outcome data",
    "D4": "Bias in measurement of the outcome",
    "D5": "Bias in selection of the reported result",
}

_YES = frozenset({Answer.Y, Answer.PY})
_NO = frozenset({Answer.N, Answer.PN})
_NI = frozenset({Answer.NI})
_NA = frozenset({Answer.NA})
#: the response options of a question without "not applicable"
_FULL = (Answer.Y, Answer.PY, Answer.PN, Answer.N, Answer.NI)
#: question 3.2 offers no "no information" (RoB 2 cribsheet: "NA/Y/PY/PN/N")
_WITHOUT_NI = (Answer.Y, Answer.PY, Answer.PN, Answer.N)
#: "[If applicable:]" questions of domain 2 (effect of adhering) may be answered NA even when reached
_APPLICABLE = (Answer.NA, *_FULL)

Answers = Mapping[str, Answer]


@dataclass(frozen=True, slots=True)
class Question:
    """A signalling question: its number, its text (with its condition), the answers allowed when it is asked."""

    id: str
    text: str
    options: tuple[Answer, ...]
    asked: Callable[[Answers], bool]  # whether the answers to earlier questions lead to this question

    def is_asked(self, answers: Answers) -> bool:
        """Whether this question is reached, given the answers to the questions before it."""
        return self.asked(answers)


def _always(_: Answers) -> bool:
    return True


def _is(qid: str, allowed: frozenset[Answer]) -> Callable[[Answers], bool]:
    return lambda a: a.get(qid, Answer.NA) in allowed


def _any(*tests: Callable[[Answers], bool]) -> Callable[[Answers], bool]:
    return lambda a: any(t(a) for t in tests)


def _all(*tests: Callable[[Answers], bool]) -> Callable[[Answers], bool]:
    return lambda a: all(t(a) for t in tests)


_D1 = (
    Question("1.1", "Was the allocation sequence random?", _FULL, _always),
    Question(
        "1.2",
        "Was the allocation sequence concealed until participants were enrolled and assigned to interventions?",
        _FULL,
        _always,
    ),
    Question(
        "1.3",
        "Did baseline differences between intervention groups suggest a problem with the randomization process?",
        _FULL,
        _always,
    ),
)
_AWARE_21 = "Were participants aware of their assigned intervention during the trial?"
_AWARE_22 = (
    "Were carers and people delivering the interventions aware of participants' assigned intervention during the trial?"
)
_D2_ASSIGNMENT = (
    Question("2.1", _AWARE_21, _FULL, _always),
    Question("2.2", _AWARE_22, _FULL, _always),
    Question(
        "2.3",
        "If Y/PY/NI to 2.1 or 2.2: Were there deviations from the intended intervention that arose because of the "
        "trial context?",
        _FULL,
        _any(_is("2.1", _YES | _NI), _is("2.2", _YES | _NI)),
    ),
    Question(
        "2.4",
        "If Y/PY to 2.3: Were these deviations likely to have affected the outcome?",
        _FULL,
        _is("2.3", _YES),
    ),
    Question(
        "2.5",
        "If Y/PY/NI to 2.4: Were these deviations from intended intervention balanced between groups?",
        _FULL,
        _is("2.4", _YES | _NI),
    ),
    Question(
        "2.6", "Was an appropriate analysis used to estimate the effect of assignment to intervention?", _FULL, _always
    ),
    Question(
        "2.7",
        "If N/PN/NI to 2.6: Was there potential for a substantial impact (on the result) of the failure to analyse "
        "participants in the group to which they were randomized?",
        _FULL,
        _is("2.6", _NO | _NI),
    ),
)
_D2_ADHERING = (
    Question("2.1", _AWARE_21, _FULL, _always),
    Question("2.2", _AWARE_22, _FULL, _always),
    Question(
        "2.3",
        "[If applicable:] If Y/PY/NI to 2.1 or 2.2: Were important non-protocol interventions balanced across "
        "intervention groups?",
        _APPLICABLE,
        _any(_is("2.1", _YES | _NI), _is("2.2", _YES | _NI)),
    ),
    Question(
        "2.4",
        "[If applicable:] Were there failures in implementing the intervention that could have affected the outcome?",
        _APPLICABLE,
        _always,
    ),
    Question(
        "2.5",
        "[If applicable:] Was there non-adherence to the assigned intervention regimen that could have affected "
        "participants' outcomes?",
        _APPLICABLE,
        _always,
    ),
    Question(
        "2.6",
        "If N/PN/NI to 2.3, or Y/PY/NI to 2.4 or 2.5: Was an appropriate analysis used to estimate the effect of "
        "adhering to the intervention?",
        _FULL,
        _any(_is("2.3", _NO | _NI), _is("2.4", _YES | _NI), _is("2.5", _YES | _NI)),
    ),
)
_D3 = (
    Question(
        "3.1", "Were data for this outcome available for all, or nearly all, participants randomized?", _FULL, _always
    ),
    Question(
        "3.2",
        "If N/PN/NI to 3.1: Is there evidence that the result was not biased by missing outcome data?",
        _WITHOUT_NI,
        _is("3.1", _NO | _NI),
    ),
    Question(
        "3.3",
        "If N/PN to 3.2: Could missingness in the outcome depend on its true value?",
        _FULL,
        _is("3.2", _NO),
    ),
    Question(
        "3.4",
        "If Y/PY/NI to 3.3: Is it likely that missingness in the outcome depended on its true value?",
        _FULL,
        _is("3.3", _YES | _NI),
    ),
)
_D4 = (
    Question("4.1", "Was the method of measuring the outcome inappropriate?", _FULL, _always),
    Question(
        "4.2",
        "Could measurement or ascertainment of the outcome have differed between intervention groups?",
        _FULL,
        _always,
    ),
    Question(
        "4.3",
        "If N/PN/NI to 4.1 and 4.2: Were outcome assessors aware of the intervention received by study participants?",
        _FULL,
        _all(_is("4.1", _NO | _NI), _is("4.2", _NO | _NI)),
    ),
    Question(
        "4.4",
        "If Y/PY/NI to 4.3: Could assessment of the outcome have been influenced by knowledge of intervention "
        "received?",
        _FULL,
        _is("4.3", _YES | _NI),
    ),
    Question(
        "4.5",
        "If Y/PY/NI to 4.4: Is it likely that assessment of the outcome was influenced by knowledge of intervention "
        "received?",
        _FULL,
        _is("4.4", _YES | _NI),
    ),
)
_D5 = (
    Question(
        "5.1",
        "Were the data that produced this result analysed in accordance with a pre-specified analysis plan that was "
        "finalized before unblinded outcome data were available for analysis?",
        _FULL,
        _always,
    ),
    Question(
        "5.2",
        "Is the numerical result being assessed likely to have been selected, on the basis of the results, from "
        "multiple eligible outcome measurements (e.g. scales, definitions, time points) within the outcome domain?",
        _FULL,
        _always,
    ),
    Question(
        "5.3",
        "Is the numerical result being assessed likely to have been selected, on the basis of the results, from "
        "multiple eligible analyses of the data?",
        _FULL,
        _always,
    ),
)


def rob2_questions(domain: str, *, aim: Aim = "assignment") -> tuple[Question, ...]:
    """The signalling questions of a RoB 2 domain (``"D1"`` … ``"D5"``); domain 2 depends on the ``aim``."""
    if aim not in AIMS:
        raise InputError(f"unknown aim {aim!r}; choose one of {', '.join(AIMS)}")
    questions = {
        "D1": _D1,
        "D2": _D2_ASSIGNMENT if aim == "assignment" else _D2_ADHERING,
        "D3": _D3,
        "D4": _D4,
        "D5": _D5,
    }.get(domain)
    if questions is None:
        raise InputError(f"unknown RoB 2 domain {domain!r}; choose one of {', '.join(ROB2_DOMAINS)}")
    return questions


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainResult:
    """The judgement the published algorithm proposes for one domain, and the route that led to it.

    ``path`` lists the branches taken through the domain's decision diagram, in order, as the diagram labels
    them: ``(("1.2", "Y/PY"), ("1.1", "N/PN"))``; a node that looks at two questions at once is named by both
    (``("2.1/2.2", "both N/PN")``). ``rule`` says it in words: ``1.2 = Y/PY, 1.1 = N/PN → Some concerns``.
    """

    domain: str
    judgement: str
    path: tuple[tuple[str, str], ...]

    @property
    def rule(self) -> str:
        steps = ", ".join(f"{q} = {a}" for q, a in self.path)
        return f"{steps} → {self.judgement}"


class _Route:
    """The walk through a decision diagram: each node asks a question and records the branch taken."""

    def __init__(self, answers: Answers) -> None:
        self._answers = answers
        self.path: list[tuple[str, str]] = []

    def answer(self, qid: str) -> Answer:
        return self._answers.get(qid, Answer.NA)

    def ask(self, qid: str, *branches: frozenset[Answer]) -> frozenset[Answer]:
        """The branch of the node ``qid`` that its answer takes (one of ``branches``, which partition the options)."""
        answer = self.answer(qid)
        for branch in branches:
            if answer in branch:
                self.path.append((qid, _label(branch)))
                return branch
        raise AssertionError(f"answer {answer} to {qid} is on no branch")  # excluded by _validated

    def joint(self, node: str, label: str) -> None:
        """Record the branch of a node that looks at two questions at once."""
        self.path.append((node, label))


_LABEL_ORDER = (Answer.Y, Answer.PY, Answer.N, Answer.PN, Answer.NI, Answer.NA)


def _label(branch: frozenset[Answer]) -> str:
    return "/".join(a.value for a in _LABEL_ORDER if a in branch)


def judge_rob2_domain(domain: str, answers: Mapping[str, Answer | str], *, aim: Aim = "assignment") -> DomainResult:
    """The RoB 2 algorithm's judgement of one domain from the answers to its signalling questions.

    ``answers`` maps question numbers (``"1.1"`` …) to answers (:class:`Answer` or a spelling such as ``"PY"``,
    ``"Probably yes"``). Every question the answers lead to must be answered with one of its options, and a
    question that is not reached must be left out or answered NA: anything else is an InputError naming the
    question (``column`` = the question number), so that an answer set cannot be inconsistent silently.

    References
    ----------
    Higgins JPT et al. RoB 2 full guidance document (22 August 2019): decision diagrams of domains 1 to 5.
    """
    questions = rob2_questions(domain, aim=aim)
    given = _validated(questions, answers)
    route = _Route(given)
    algorithm = _ALGORITHMS[(domain, aim) if domain == "D2" else (domain, "assignment")]
    judgement = algorithm(route)
    return DomainResult(domain=domain, judgement=judgement, path=tuple(route.path))


def _validated(questions: tuple[Question, ...], answers: Mapping[str, Answer | str]) -> dict[str, Answer]:
    known = [q.id for q in questions]
    for qid in answers:
        if qid not in known:
            raise InputError(
                f"question {qid!r} is not a signalling question of this domain; its questions are {', '.join(known)}",
                column=qid,
            )
    given: dict[str, Answer] = {}
    for question in questions:
        raw = answers.get(question.id)
        answer = _answer(raw, question.id)
        if question.is_asked(given):
            if answer is None:
                raise InputError(
                    f"question {question.id} is reached and needs an answer: {question.text}", column=question.id
                )
            if answer not in question.options:
                options = "/".join(a.value for a in question.options)
                raise InputError(
                    f"answer {answer.value} is not an option of question {question.id} ({options}): {question.text}",
                    column=question.id,
                )
            given[question.id] = answer
        else:
            if answer not in (None, Answer.NA):
                raise InputError(
                    f"question {question.id} is answered {answer.value} but is not reached by the answers before it "
                    f"({question.text.split(':')[0]}); answer NA",
                    column=question.id,
                )
            given[question.id] = Answer.NA
    return given


def _answer(raw: Answer | str | None, qid: str) -> Answer | None:
    if raw is None:
        return None
    if isinstance(raw, Answer):
        return raw
    if not raw.strip():
        return None
    try:
        return normalise_answer(raw)
    except InputError as err:
        raise InputError(err.message, column=qid) from None


# ---------------------------------------------------------------------- the decision diagrams
# Branch sets as the diagrams label them.
_YES_NI = _YES | _NI
_NO_NI = _NO | _NI
_YES_NA = _YES | _NA


def _domain1(a: _Route) -> str:
    concealed = a.ask("1.2", _YES, _NO, _NI)
    if concealed is _NO:
        return HIGH
    if concealed is _YES:
        if a.ask("1.1", _NO, _YES_NI) is _NO:
            return SOME_CONCERNS
        return SOME_CONCERNS if a.ask("1.3", _YES, _NO_NI) is _YES else LOW
    return HIGH if a.ask("1.3", _YES, _NO_NI) is _YES else SOME_CONCERNS  # 1.2 NI


def _unaware(a: _Route) -> bool:
    unaware = a.answer("2.1") in _NO and a.answer("2.2") in _NO
    a.joint("2.1/2.2", "both N/PN" if unaware else "either Y/PY/NI")
    return unaware


def _domain2_assignment(a: _Route) -> str:
    # part 1 (2.1–2.5): deviations from intended interventions that arose because of the trial context
    if _unaware(a):
        part1 = LOW
    else:
        deviations = a.ask("2.3", _NO, _NI, _YES)
        if deviations is _NO:
            part1 = LOW
        elif deviations is _NI or a.ask("2.4", _NO, _YES_NI) is _NO:  # 2.3 NI, or 2.3 Y/PY and 2.4 N/PN
            part1 = SOME_CONCERNS
        else:
            part1 = SOME_CONCERNS if a.ask("2.5", _YES, _NO_NI) is _YES else HIGH
    # part 2 (2.6–2.7): the analysis used to estimate the effect of assignment
    appropriate = a.ask("2.6", _YES, _NO_NI) is _YES
    part2 = LOW if appropriate else SOME_CONCERNS if a.ask("2.7", _NO, _YES_NI) is _NO else HIGH
    return _worst(part1, part2)


def _domain2_adhering(a: _Route) -> str:
    if not _unaware(a) and a.ask("2.3", _YES_NA, _NO_NI) is _NO_NI:
        return SOME_CONCERNS if a.ask("2.6", _YES, _NO_NI) is _YES else HIGH
    # unaware, or aware with non-protocol interventions balanced (Y/PY) or not applicable (NA)
    if a.answer("2.4") in _NO | _NA and a.answer("2.5") in _NO | _NA:
        a.joint("2.4/2.5", "both N/PN/NA")
        return LOW
    a.joint("2.4/2.5", "either Y/PY/NI")
    return SOME_CONCERNS if a.ask("2.6", _YES, _NO_NI) is _YES else HIGH


def _domain3(a: _Route) -> str:
    if a.ask("3.1", _YES, _NO_NI) is _YES:
        return LOW
    if a.ask("3.2", _YES, _NO) is _YES:
        return LOW
    if a.ask("3.3", _NO, _YES_NI) is _NO:
        return LOW
    return SOME_CONCERNS if a.ask("3.4", _NO, _YES_NI) is _NO else HIGH


def _domain4(a: _Route) -> str:
    if a.ask("4.1", _YES, _NO_NI) is _YES:
        return HIGH
    differed = a.ask("4.2", _YES, _NO, _NI)
    if differed is _YES:
        return HIGH
    # 4.2 N/PN: the best judgement is Low; 4.2 NI: at best Some concerns
    best = LOW if differed is _NO else SOME_CONCERNS
    if a.ask("4.3", _NO, _YES_NI) is _NO:
        return best
    if a.ask("4.4", _NO, _YES_NI) is _NO:
        return best
    return SOME_CONCERNS if a.ask("4.5", _NO, _YES_NI) is _NO else HIGH


def _domain5(a: _Route) -> str:
    measurements, analyses = a.answer("5.2"), a.answer("5.3")
    if measurements in _YES or analyses in _YES:
        a.joint("5.2/5.3", "either Y/PY")
        return HIGH
    if measurements in _NO and analyses in _NO:
        a.joint("5.2/5.3", "both N/PN")
        return LOW if a.ask("5.1", _YES, _NO_NI) is _YES else SOME_CONCERNS
    a.joint("5.2/5.3", "NI, neither Y/PY")
    return SOME_CONCERNS


_ALGORITHMS: dict[tuple[str, str], Callable[[_Route], str]] = {
    ("D1", "assignment"): _domain1,
    ("D2", "assignment"): _domain2_assignment,
    ("D2", "adhering"): _domain2_adhering,
    ("D3", "assignment"): _domain3,
    ("D4", "assignment"): _domain4,
    ("D5", "assignment"): _domain5,
}

_RANK = {LOW: 0, SOME_CONCERNS: 1, HIGH: 2}


def _worst(*judgements: str) -> str:
    return max(judgements, key=_RANK.__getitem__)
