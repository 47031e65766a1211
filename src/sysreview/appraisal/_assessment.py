"""Risk-of-bias assessments of one study result: algorithm proposals, reviewer overrides with reasons, consensus.

An :class:`Assessment` keeps, for each domain, the judgement the published algorithm proposes and the judgement
recorded; the two differ only through a :class:`Decision` that carries a reason. The overall judgement follows the
tool's rule (:func:`sysreview.appraisal.overall_rule`) on the recorded domain judgements, and again a reviewer may
depart from it only with a reason. Two assessors' assessments are compared item by item
(:func:`compare_assessments`), and :func:`consensus` merges them: every disagreement needs a resolution with a
reason, so that the consensus never hides one (Cochrane Handbook, MECIR C53: risk of bias assessed in duplicate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sysreview.appraisal._overall import ROBINS_I_DOMAINS, OverallRule, overall_rule
from sysreview.appraisal._rob2 import AIMS, ROB2_DOMAINS, Aim, judge_rob2_domain, rob2_questions
from sysreview.appraisal._vocab import (
    NO_INFORMATION,
    NOT_APPLICABLE,
    Answer,
    Tool,
    judgement_levels,
    normalise_answer,
    normalise_judgement,
    tool_name,
)
from sysreview.errors import InputError

__all__ = [
    "Assessment",
    "Decision",
    "Disagreement",
    "DomainJudgement",
    "OverallJudgement",
    "assess_rob2",
    "assess_robins_i",
    "compare_assessments",
    "consensus",
]


@dataclass(frozen=True, slots=True)
class Decision:
    """A reviewer's recorded decision: the value chosen (a judgement, an answer) and why. The reason is required."""

    value: str
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise InputError(f"a decision for {self.value!r} needs a reason; none was given")


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainJudgement:
    """One domain: what the algorithm proposes (None where the tool has none), what is recorded, and why.

    ``reason`` is the reviewer's reason when the recorded ``judgement`` departs from the ``algorithm``'s (or when
    a reviewer recorded a decision anyway); ``rule`` is the algorithm's route in words.
    """

    domain: str
    name: str
    algorithm: str | None
    judgement: str
    reason: str | None = None
    rule: str | None = None

    @property
    def overridden(self) -> bool:
        """Whether the recorded judgement departs from the algorithm's."""
        return self.algorithm is not None and self.judgement != self.algorithm

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "name": self.name,
            "algorithm": self.algorithm,
            "judgement": self.judgement,
            "overridden": self.overridden,
            "reason": self.reason,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class OverallJudgement:
    """The overall judgement: the rule's (``algorithm``, ``allowed``, ``rule``) and the recorded one."""

    algorithm: str
    allowed: tuple[str, ...]
    rule: str
    judgement: str
    reason: str | None = None

    @property
    def overridden(self) -> bool:
        """Whether the recorded judgement departs from the algorithm's (even to an allowed alternative)."""
        return self.judgement != self.algorithm

    @property
    def consistent(self) -> bool:
        """Whether the recorded judgement is one of the rule's allowed outcomes."""
        return self.judgement in self.allowed

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "allowed": list(self.allowed),
            "judgement": self.judgement,
            "consistent": self.consistent,
            "overridden": self.overridden,
            "reason": self.reason,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """The risk-of-bias assessment of one study result by one assessor (or a consensus of two)."""

    tool: Tool
    study: str | None
    assessor: str | None
    aim: Aim | None  # RoB 2's aim (effect of assignment or of adhering); None for ROBINS-I
    answers: Mapping[str, Answer]  # signalling question → answer (RoB 2); empty for ROBINS-I
    domains: tuple[DomainJudgement, ...]
    overall: OverallJudgement
    notes: tuple[str, ...] = field(default=())

    def domain(self, key: str) -> DomainJudgement:
        """The judgement of domain ``key`` (``"D1"`` …)."""
        for judgement in self.domains:
            if judgement.domain == key:
                return judgement
        raise KeyError(key)

    @property
    def judgements(self) -> tuple[str, ...]:
        """The recorded domain judgements, in domain order."""
        return tuple(d.judgement for d in self.domains)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tool": self.tool,
            "study": self.study,
            "assessor": self.assessor,
        }
        if self.aim is not None:
            out["aim"] = self.aim
        if self.answers:
            out["answers"] = {q: a.value for q, a in self.answers.items()}
        out["domains"] = [d.to_dict() for d in self.domains]
        out["overall"] = self.overall.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        return out


# ---------------------------------------------------------------------- RoB 2
def assess_rob2(
    answers: Mapping[str, Answer | str],
    *,
    aim: Aim = "assignment",
    study: str | None = None,
    assessor: str | None = None,
    decisions: Mapping[str, Decision] | None = None,
) -> Assessment:
    """A RoB 2 assessment from the answers to all signalling questions (``"1.1"`` … ``"5.3"``).

    Each domain's judgement is proposed by the published algorithm (:func:`judge_rob2_domain`) and the overall
    judgement by the overall rule. ``decisions`` records a reviewer's departures, keyed by domain (``"D1"`` …
    ``"D5"``) or ``"overall"``, each with its reason. Errors name the question (``column``) they concern.
    """
    if aim not in AIMS:
        raise InputError(f"unknown aim {aim!r}; choose one of {', '.join(AIMS)}")
    decisions = dict(decisions or {})
    _check_decision_keys(decisions, ROB2_DOMAINS)
    by_domain: dict[str, dict[str, Answer | str]] = {key: {} for key in ROB2_DOMAINS}
    for qid, answer in answers.items():
        key = f"D{qid.split('.')[0].strip()}"
        if key not in by_domain:
            raise InputError(f"{qid!r} is not a RoB 2 signalling question (1.1 … 5.3)", column=qid)
        by_domain[key][qid] = answer
    domains: list[DomainJudgement] = []
    recorded: dict[str, Answer] = {}
    for key, name in ROB2_DOMAINS.items():
        result = judge_rob2_domain(key, by_domain[key], aim=aim)
        for question in rob2_questions(key, aim=aim):  # every question, NA where it is not reached
            value = by_domain[key].get(question.id)
            recorded[question.id] = value if isinstance(value, Answer) else _answer_or_na(value or "")
        decision = decisions.get(key)
        judgement = result.judgement
        reason = None
        if decision is not None:
            judgement = _domain_value(decision.value, "rob2", key)
            reason = decision.reason
        domains.append(
            DomainJudgement(
                domain=key, name=name, algorithm=result.judgement, judgement=judgement, reason=reason, rule=result.rule
            )
        )
    overall = _overall(domains, "rob2", decisions.get("overall"))
    return Assessment(
        tool="rob2",
        study=study,
        assessor=assessor,
        aim=aim,
        answers=MappingProxyType(dict(sorted(recorded.items(), key=lambda kv: _question_key(kv[0])))),
        domains=tuple(domains),
        overall=overall,
    )


def _answer_or_na(value: str) -> Answer:
    return normalise_answer(value) if value.strip() else Answer.NA


def _question_key(qid: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in qid.split("."))


# ---------------------------------------------------------------------- ROBINS-I
def assess_robins_i(
    judgements: Mapping[str, str] | Sequence[str],
    *,
    study: str | None = None,
    assessor: str | None = None,
    decisions: Mapping[str, Decision] | None = None,
) -> Assessment:
    """A ROBINS-I assessment from the seven domain judgements (a sequence D1…D7, or a mapping by domain key).

    ROBINS-I (2016) gives guidance, not an algorithm, from signalling questions to domain judgements: the domain
    judgements are the reviewers'. The overall judgement follows the published rule (:func:`overall_rule`);
    ``decisions["overall"]`` records a departure from it with its reason.
    """
    decisions = dict(decisions or {})
    _check_decision_keys(decisions, {})
    if isinstance(judgements, Mapping):
        unknown = [k for k in judgements if k not in ROBINS_I_DOMAINS]
        if unknown:
            raise InputError(f"unknown ROBINS-I domain {unknown[0]!r}; the domains are {', '.join(ROBINS_I_DOMAINS)}")
        values = [judgements.get(k) for k in ROBINS_I_DOMAINS]
    else:
        values = list(judgements)
        if len(values) != len(ROBINS_I_DOMAINS):
            raise InputError(f"ROBINS-I has {len(ROBINS_I_DOMAINS)} domains; got {len(values)} judgements")
    domains: list[DomainJudgement] = []
    for (key, name), value in zip(ROBINS_I_DOMAINS.items(), values, strict=True):
        if value is None:
            raise InputError(f"domain {key} ({name}) has no judgement", column=key)
        domains.append(
            DomainJudgement(domain=key, name=name, algorithm=None, judgement=_domain_value(value, "robins-i", key))
        )
    overall = _overall(domains, "robins-i", decisions.get("overall"))
    return Assessment(
        tool="robins-i",
        study=study,
        assessor=assessor,
        aim=None,
        answers=MappingProxyType({}),
        domains=tuple(domains),
        overall=overall,
    )


# ---------------------------------------------------------------------- shared
def _check_decision_keys(decisions: Mapping[str, Decision], domains: Mapping[str, str]) -> None:
    allowed = [*domains, "overall"]
    for key, decision in decisions.items():
        if key not in allowed:
            raise InputError(f"a decision for {key!r}: decisions are recorded for {', '.join(allowed)}")
        if not isinstance(decision, Decision):
            raise InputError(f"the decision for {key} must be a Decision(value, reason), got {decision!r}")


def _domain_value(value: str, tool: Tool, key: str) -> str:
    try:
        judgement = normalise_judgement(value, tool)
    except InputError as err:
        raise InputError(err.message, column=key) from None
    allowed = (*judgement_levels(tool), NO_INFORMATION) if tool == "robins-i" else judgement_levels(tool)
    if judgement not in allowed:
        raise InputError(
            f"{judgement!r} is not a {tool_name(tool)} domain judgement; choose one of {', '.join(allowed)}",
            column=key,
        )
    return judgement


def _overall(domains: Sequence[DomainJudgement], tool: Tool, decision: Decision | None) -> OverallJudgement:
    rule: OverallRule = overall_rule([d.judgement for d in domains], tool=tool, domains=[d.domain for d in domains])
    judgement, reason = rule.algorithm, None
    if decision is not None:
        judgement = normalise_judgement(decision.value, tool)
        if judgement == NOT_APPLICABLE:
            raise InputError("the overall judgement cannot be 'Not applicable'", column="overall")
        reason = decision.reason
    return OverallJudgement(
        algorithm=rule.algorithm, allowed=rule.allowed, rule=rule.rule, judgement=judgement, reason=reason
    )


# ---------------------------------------------------------------------- two assessors
@dataclass(frozen=True, slots=True, kw_only=True)
class Disagreement:
    """One item on which two assessors differ: a signalling question, a domain or the overall judgement."""

    item: str  # question number ("1.2"), domain key ("D2") or "overall"
    kind: str  # "answer", "domain" or "overall"
    first: str
    second: str

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "kind": self.kind, "first": self.first, "second": self.second}


def compare_assessments(first: Assessment, second: Assessment) -> tuple[Disagreement, ...]:
    """Every item on which two assessments of the same study result differ, in the tool's order.

    Answers are compared question by question; domain and overall judgements by what was recorded.
    """
    _same_result(first, second)
    out: list[Disagreement] = []
    questions = sorted(set(first.answers) | set(second.answers), key=_question_key)
    for qid in questions:
        a = first.answers.get(qid, Answer.NA)
        b = second.answers.get(qid, Answer.NA)
        if a != b:
            out.append(Disagreement(item=qid, kind="answer", first=a.value, second=b.value))
    for da, db in zip(first.domains, second.domains, strict=True):
        if da.judgement != db.judgement:
            out.append(Disagreement(item=da.domain, kind="domain", first=da.judgement, second=db.judgement))
    if first.overall.judgement != second.overall.judgement:
        out.append(
            Disagreement(item="overall", kind="overall", first=first.overall.judgement, second=second.overall.judgement)
        )
    return tuple(out)


def consensus(
    first: Assessment,
    second: Assessment,
    *,
    resolutions: Mapping[str, Decision] | None = None,
    assessor: str | None = None,
) -> Assessment:
    """The consensus of two assessors' assessments of one study result.

    Where the two agree, their answers (RoB 2) or domain judgements (ROBINS-I) stand. Every disagreeing answer or
    judgement needs a resolution in ``resolutions`` (keyed by question number, domain key or ``"overall"``), a
    :class:`Decision` with its reason. A reviewer's departure from the algorithm stands when both made the same
    one; otherwise it needs a resolution too. Unresolved disagreements are one InputError that lists them all.
    The consensus notes record each resolution.
    """
    _same_result(first, second)
    resolutions = dict(resolutions or {})
    names = f"{first.assessor or 'first assessor'} and {second.assessor or 'second assessor'}"
    unresolved: list[str] = []
    notes: list[str] = []

    def resolve(item: str, a: str, b: str) -> str:
        if a == b and item not in resolutions:
            return a
        decision = resolutions.get(item)
        if decision is None:
            unresolved.append(f"{item} ({a} vs {b})")
            return a
        notes.append(f"{item}: {a} vs {b}; resolved {decision.value}: {decision.reason}")
        return decision.value

    decisions: dict[str, Decision] = {}
    if first.tool == "rob2":
        answers: dict[str, str] = {}
        for qid in sorted(set(first.answers) | set(second.answers), key=_question_key):
            answers[qid] = resolve(
                qid, first.answers.get(qid, Answer.NA).value, second.answers.get(qid, Answer.NA).value
            )
        for da, db in zip(first.domains, second.domains, strict=True):
            decision = _merged(
                da.domain, da, db, resolution=resolutions.get(da.domain), unresolved=unresolved, notes=notes
            )
            if decision is not None:
                decisions[da.domain] = decision
    else:
        judgements = [
            resolve(da.domain, da.judgement, db.judgement) for da, db in zip(first.domains, second.domains, strict=True)
        ]
    overall = _merged(
        "overall",
        first.overall,
        second.overall,
        resolution=resolutions.get("overall"),
        unresolved=unresolved,
        notes=notes,
    )
    if overall is not None:
        decisions["overall"] = overall
    if unresolved:
        raise InputError(
            f"{len(unresolved)} unresolved disagreement(s) between {names}: {'; '.join(unresolved)}; "
            "record a resolution with a reason for each"
        )
    who = assessor or f"consensus of {names}"
    if first.tool == "rob2":
        assert first.aim is not None
        merged = assess_rob2(answers, aim=first.aim, study=first.study, assessor=who, decisions=decisions)
    else:
        merged = assess_robins_i(judgements, study=first.study, assessor=who, decisions=decisions)
    return Assessment(
        tool=merged.tool,
        study=merged.study,
        assessor=merged.assessor,
        aim=merged.aim,
        answers=merged.answers,
        domains=merged.domains,
        overall=merged.overall,
        notes=tuple(notes),
    )


def _merged(
    item: str,
    a: DomainJudgement | OverallJudgement,
    b: DomainJudgement | OverallJudgement,
    *,
    resolution: Decision | None,
    unresolved: list[str],
    notes: list[str],
) -> Decision | None:
    """A domain's (or the overall) recorded departure from the algorithm in the consensus; None: the algorithm's.

    A resolution decides; otherwise a departure stands when both assessors made the same one, and any other
    difference in departures is unresolved.
    """
    if resolution is not None:
        notes.append(f"{item}: {a.judgement} vs {b.judgement}; resolved {resolution.value}: {resolution.reason}")
        return resolution
    if a.reason is None and b.reason is None:
        return None
    if a.reason is not None and b.reason is not None and a.judgement == b.judgement:
        return Decision(a.judgement, a.reason if a.reason == b.reason else f"{a.reason}; {b.reason}")
    first = f"decision {a.judgement}" if a.reason else "no decision"
    second = f"decision {b.judgement}" if b.reason else "no decision"
    unresolved.append(f"{item} ({first} vs {second})")
    return None


def _same_result(first: Assessment, second: Assessment) -> None:
    if first.tool != second.tool:
        raise InputError(f"cannot compare a {tool_name(first.tool)} with a {tool_name(second.tool)} assessment")
    if first.aim != second.aim:
        raise InputError(f"the assessments have different aims ({first.aim} vs {second.aim})")
    if first.study != second.study:
        raise InputError(f"the assessments are of different studies ({first.study!r} vs {second.study!r})")
