"""GRADE certainty of the evidence for one outcome: suggested ratings per domain, reviewer decisions, certainty.

:func:`grade` is a pure function of a fitted meta-analysis (:class:`sysreview.models.MetaResult`), the
risk-of-bias judgement of each study, a small-study test and the reviewers' decisions. Evidence from randomised
trials starts at High certainty, observational evidence at Low (GRADE Handbook 5.1; Balshem et al. 2011). Five
domains can rate it down and three can rate observational evidence up. For each, sysreview *suggests* a rating
with the reason and the numbers behind it; a reviewer's :class:`GradeDecision` (a rating and a reason) replaces
the suggestion. The certainty is the starting level plus the recorded ratings, kept between Very low and High.

The suggestions are explicit heuristics, each adjustable by a keyword option, not GRADE rules (GRADE asks for
judgement in every domain):

- **Risk of bias** (Guyatt et al. 2011, GRADE 4): the share of the meta-analytic weight from studies at high risk
  (RoB 2 "High"; ROBINS-I "Serious" or "Critical"). At least ``rob_very_serious`` (default 50%) → −2; at least
  ``rob_serious`` (25%), or less than half of the weight from studies at low risk → −1; else 0. For observational
  evidence (starting Low) ROBINS-I "Moderate" counts as low risk, the design having been rated already.
- **Inconsistency** (Guyatt et al. 2011, GRADE 7; Cochrane Handbook 10.10.2): I² at least
  ``i2_serious`` (50%), or a prediction interval that includes the null while the confidence interval does not →
  −1; both I² at least ``i2_very_serious`` (75%) and such a prediction interval → −2. One study: not assessable, 0.
- **Indirectness** (GRADE 8): the reviewers' judgement alone; the suggestion is 0 and says so.
- **Imprecision** (Guyatt et al. 2011, GRADE 6; Zeng et al. 2022, GRADE guidance 34): the confidence interval
  against decision ``thresholds`` (by default the null effect alone): crossing one threshold → −1, crossing two
  (appreciable benefit and harm) → −2; an interval that crosses none but comes from fewer participants than the
  optimal information size (``ois``, see :func:`optimal_information_size`) → −1.
- **Publication bias** (Guyatt et al. 2011, GRADE 5): a small-study test (Egger's, Begg's, Peters') with
  p < ``bias_alpha`` (0.10) on at least 10 studies → −1; with fewer than 10 studies tests are not informative
  (Sterne et al. 2011) and the suggestion is 0 with that reason.
- **Large effect** (Guyatt et al. 2011, GRADE 9), observational evidence without any rating down: a ratio
  measure whose estimate is beyond 2 (or 1/2) with a confidence interval excluding the null → +1, beyond 5 (or
  1/5) → +2. **Dose–response** and **plausible confounding**: the reviewers' judgement alone.

References
----------
Balshem H, Helfand M, Schünemann HJ, et al. GRADE guidelines: 3. Rating the quality of evidence.
J Clin Epidemiol 2011;64:401-6.
Guyatt GH, Oxman AD, et al. GRADE guidelines 4-9. J Clin Epidemiol 2011;64:407-15, 1277-82, 1283-93, 1294-302,
1303-10, 1311-6.
Zeng L, Brignardello-Petersen R, Hultcrantz M, et al. GRADE guidance 34: update on rating imprecision using a
minimally contextualized approach. J Clin Epidemiol 2022;150:216-24.
Schünemann H, Brożek J, Guyatt G, Oxman A (eds). GRADE Handbook, updated October 2013.
Sterne JAC, Sutton AJ, Ioannidis JPA, et al. Recommendations for examining and interpreting funnel plot asymmetry
in meta-analyses of randomised controlled trials. BMJ 2011;343:d4002.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sysreview.appraisal._overall import overall_rule
from sysreview.appraisal._robvis import RobTable
from sysreview.appraisal._vocab import (
    CRITICAL,
    HIGH,
    NO_INFORMATION,
    SERIOUS,
    SOME_CONCERNS,
    Tool,
    normalise_judgement,
)
from sysreview.errors import InputError

if TYPE_CHECKING:
    from sysreview.models import MetaResult

__all__ = [
    "CERTAINTY",
    "DESIGNS",
    "DOWNGRADE_DOMAINS",
    "GRADE_DOMAINS",
    "RATIO_MEASURES",
    "UPGRADE_DOMAINS",
    "Design",
    "GradeAssessment",
    "GradeDecision",
    "GradeDomain",
    "SmallStudyTest",
    "certainty_name",
    "grade",
    "grade_from_dict",
    "optimal_information_size",
]

Design = Literal["randomised", "observational"]
DESIGNS: tuple[Design, ...] = ("randomised", "observational")
#: certainty levels from 1 (Very low) to 4 (High)
CERTAINTY: dict[int, str] = {4: "High", 3: "Moderate", 2: "Low", 1: "Very low"}
DOWNGRADE_DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
UPGRADE_DOMAINS = ("large_effect", "dose_response", "plausible_confounding")
GRADE_DOMAINS = DOWNGRADE_DOMAINS + UPGRADE_DOMAINS
_DOMAIN_NAMES = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "large_effect": "Large effect",
    "dose_response": "Dose-response gradient",
    "plausible_confounding": "Plausible confounding",
}
#: measures whose model scale is the log of a ratio (the null is 0 there, 1 after exp)
_REVIEWERS = "a reviewers' judgement"
RATIO_MEASURES = frozenset({"RR", "OR", "PETO", "HR", "IRR", "ROM"})
_DESIGN_SPELLINGS = {
    "randomised": "randomised",
    "randomized": "randomised",
    "rct": "randomised",
    "rcts": "randomised",
    "observational": "observational",
    "nrs": "observational",
    "non-randomised": "observational",
    "non-randomized": "observational",
}


class SmallStudyTest(Protocol):
    """What GRADE needs of a small-study test: the number of studies and the p-value (Egger, Begg, Peters)."""

    @property
    def k(self) -> int: ...

    @property
    def pvalue(self) -> float: ...


@dataclass(frozen=True, slots=True)
class GradeDecision:
    """A reviewer's rating of a GRADE domain (0, −1, −2 down; 0, +1, +2 up) and the reason, which is required."""

    rating: int
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise InputError(f"a GRADE decision (rating {self.rating}) needs a reason; none was given")
        if isinstance(self.rating, bool) or not isinstance(self.rating, int):
            raise InputError(f"a GRADE rating is a whole number of levels, got {self.rating!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeDomain:
    """One GRADE domain: the suggested rating and its reason, the recorded rating, and the numbers behind it.

    ``rating`` is ``suggested`` unless a reviewer decided (``decision_reason`` then holds their reason).
    Ratings count levels: −1 "serious", −2 "very serious" for the five domains that rate down; +1, +2 for the
    three that rate up.
    """

    domain: str
    suggested: int
    reason: str
    rating: int
    decision_reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return _DOMAIN_NAMES[self.domain]

    @property
    def decided(self) -> bool:
        """Whether a reviewer recorded the rating (rather than taking the suggestion)."""
        return self.decision_reason is not None

    def footnote(self) -> str | None:
        """The footnote for a Summary of Findings table, when the domain changes the certainty."""
        if self.rating == 0:
            return None
        word = {-1: "downgraded one level", -2: "downgraded two levels", 1: "upgraded one level"}.get(
            self.rating, "upgraded two levels" if self.rating > 0 else f"downgraded {-self.rating} levels"
        )
        why = self.decision_reason if self.decision_reason is not None else self.reason
        return f"{self.name}: {word}: {why}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "suggested": self.suggested,
            "reason": self.reason,
            "rating": self.rating,
            "decision_reason": self.decision_reason,
            "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeAssessment:
    """The GRADE assessment of one outcome: start, the eight domains, and the resulting certainty.

    ``level`` is the certainty as a number (4 High, 3 Moderate, 2 Low, 1 Very low).
    """

    outcome: str | None
    design: Design
    start: int
    domains: tuple[GradeDomain, ...]
    level: int
    certainty: str
    measure: str | None = None
    k: int | None = None

    def domain(self, name: str) -> GradeDomain:
        """The domain called ``name`` (``"risk_of_bias"`` …)."""
        for d in self.domains:
            if d.domain == name:
                return d
        raise KeyError(name)

    @property
    def footnotes(self) -> tuple[str, ...]:
        """The reasons of every domain that changes the certainty, in domain order."""
        return tuple(note for d in self.domains if (note := d.footnote()) is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "design": self.design,
            "start": CERTAINTY[self.start],
            "measure": self.measure,
            "k": self.k,
            "domains": [d.to_dict() for d in self.domains],
            "level": self.level,
            "certainty": self.certainty,
            "footnotes": list(self.footnotes),
        }


def certainty_name(level: int) -> str:
    """The certainty for a level, after keeping it between 1 (Very low) and 4 (High)."""
    return CERTAINTY[min(4, max(1, level))]


# ---------------------------------------------------------------------- the assessment
def grade(
    result: MetaResult,
    *,
    design: Design | str,
    rob: Mapping[str, str] | RobTable | None = None,
    tool: Tool = "rob2",
    small_study_test: SmallStudyTest | None = None,
    thresholds: tuple[float, ...] | None = None,
    ois: float | None = None,
    participants: int | None = None,
    decisions: Mapping[str, GradeDecision] | None = None,
    outcome: str | None = None,
    rob_serious: float = 0.25,
    rob_very_serious: float = 0.5,
    i2_serious: float = 50.0,
    i2_very_serious: float = 75.0,
    bias_alpha: float = 0.10,
    bias_min_k: int = 10,
) -> GradeAssessment:
    """The GRADE assessment of one outcome's meta-analysis (see the module documentation for the suggestions).

    Parameters
    ----------
    result
        The fitted intercept-only meta-analysis of the outcome (its ``weights`` and ``study`` labels are used).
    design
        ``"randomised"`` (start High) or ``"observational"`` (start Low).
    rob
        Each study's overall risk-of-bias judgement, by study label, or a :class:`RobTable` (its reported overall
        judgement, or the rule's where none is reported). Every study of ``result`` needs one.
    tool
        The risk-of-bias tool of ``rob`` when it is a mapping (a table knows its own).
    small_study_test
        A small-study test of the same meta-analysis (``egger_test``, ``begg_test`` …): its ``k`` and ``pvalue``.
    thresholds
        Decision thresholds for imprecision on the measure's natural scale (ratios as ratios: ``(0.8, 1.25)``);
        by default the null effect (1 for ratios, 0 otherwise).
    ois, participants
        The optimal information size and the number of participants in the meta-analysis.
    decisions
        The reviewers' ratings by domain name (``"risk_of_bias"`` … ``"plausible_confounding"``), each with its
        reason; they replace the suggestions.
    """
    design_code = _design(design)
    decisions = dict(decisions or {})
    for name, given in decisions.items():
        if name not in GRADE_DOMAINS:
            raise InputError(f"unknown GRADE domain {name!r}; the domains are {', '.join(GRADE_DOMAINS)}")
        if not isinstance(given, GradeDecision):
            raise InputError(f"the decision for {name} must be a GradeDecision(rating, reason), got {given!r}")
        allowed = (0, -1, -2) if name in DOWNGRADE_DOMAINS else (0, 1, 2)
        if given.rating not in allowed:
            raise InputError(
                f"rating {given.rating} of {name} is not one of {', '.join(str(a) for a in allowed)}", column=name
            )
    if result.estimate is None or result.ci_lower is None or result.ci_upper is None:
        raise InputError("GRADE needs a pooled estimate with its confidence interval (an intercept-only model)")
    if participants is not None and participants <= 0:
        raise InputError(f"participants must be a positive number, got {participants}")
    if ois is not None and not (math.isfinite(ois) and ois > 0):
        raise InputError(f"the optimal information size must be a positive number, got {ois}")
    start = 4 if design_code == "randomised" else 2

    suggestions: dict[str, tuple[int, str, dict[str, Any]]] = {
        "risk_of_bias": _risk_of_bias(
            result, rob, tool, design_code, serious=rob_serious, very_serious=rob_very_serious
        ),
        "inconsistency": _inconsistency(result, serious=i2_serious, very_serious=i2_very_serious),
        "indirectness": (0, _REVIEWERS + " (population, intervention, comparator, outcome); none recorded", {}),
        "imprecision": _imprecision(result, thresholds, ois, participants),
        "publication_bias": _publication_bias(result, small_study_test, alpha=bias_alpha, min_k=bias_min_k),
    }
    down = sum(decisions[d].rating if d in decisions else suggestions[d][0] for d in DOWNGRADE_DOMAINS)
    suggestions["large_effect"] = _large_effect(result, design_code, down)
    suggestions["dose_response"] = (0, "a reviewers' judgement; none recorded", {})
    suggestions["plausible_confounding"] = (0, "a reviewers' judgement; none recorded", {})

    domains = []
    for name in GRADE_DOMAINS:
        suggested, reason, data = suggestions[name]
        decision = decisions.get(name)
        domains.append(
            GradeDomain(
                domain=name,
                suggested=suggested,
                reason=reason,
                rating=decision.rating if decision is not None else suggested,
                decision_reason=decision.reason if decision is not None else None,
                data=data,
            )
        )
    level = min(4, max(1, start + sum(d.rating for d in domains)))
    return GradeAssessment(
        outcome=outcome,
        design=design_code,
        start=start,
        domains=tuple(domains),
        level=level,
        certainty=CERTAINTY[level],
        measure=result.measure,
        k=result.k,
    )


def _design(design: str) -> Design:
    found = _DESIGN_SPELLINGS.get(design.strip().casefold()) if isinstance(design, str) else None
    if found is None:
        raise InputError(f"unknown design {design!r}; choose one of {', '.join(DESIGNS)}")
    return "randomised" if found == "randomised" else "observational"


def _risk_of_bias(
    result: MetaResult,
    rob: Mapping[str, str] | RobTable | None,
    tool: Tool,
    design: Design,
    *,
    serious: float,
    very_serious: float,
) -> tuple[int, str, dict[str, Any]]:
    if rob is None:
        return 0, "no risk-of-bias judgements given; a reviewers' judgement", {}
    judgements = _study_judgements(rob, tool)
    table_tool = rob.tool if isinstance(rob, RobTable) else tool
    weights = [float(w) for w in result.weights]
    total = sum(weights)
    if total <= 0:
        raise InputError("the meta-analysis has no weights to share out")
    high_levels = {HIGH} if table_tool == "rob2" else {SERIOUS, CRITICAL}
    concern_levels = {SOME_CONCERNS, NO_INFORMATION} if table_tool == "rob2" else {NO_INFORMATION}
    if table_tool == "robins-i" and design == "randomised":
        concern_levels = concern_levels | {"Moderate"}
    shares = {"high": 0.0, "concerns": 0.0, "low": 0.0}
    for position, (study, weight) in enumerate(zip(result.study, weights, strict=True), start=1):
        judgement = judgements.get(study)
        if judgement is None:
            raise InputError(
                f"no risk-of-bias judgement for study {study!r}; the judgements name {', '.join(judgements) or 'none'}",
                row=position,
            )
        kind = "high" if judgement in high_levels else "concerns" if judgement in concern_levels else "low"
        shares[kind] += weight / total
    data = {"weight_high": shares["high"], "weight_concerns": shares["concerns"], "weight_low": shares["low"]}
    high_word = "high" if table_tool == "rob2" else "serious or critical"
    text = (
        f"{_percent(shares['high'])} of the weight from studies at {high_word} risk of bias, "
        f"{_percent(shares['low'])} from studies at low risk"
    )
    if shares["high"] >= very_serious:
        return -2, text, data
    if shares["high"] >= serious or shares["low"] < 0.5:
        return -1, text, data
    return 0, text, data


def _study_judgements(rob: Mapping[str, str] | RobTable, tool: Tool) -> dict[str, str]:
    if isinstance(rob, RobTable):
        return {
            row.study: row.overall if row.overall is not None else overall_rule(row.judgements, tool=rob.tool).algorithm
            for row in rob.rows
        }
    return {study: normalise_judgement(value, tool) for study, value in rob.items()}


def _inconsistency(result: MetaResult, *, serious: float, very_serious: float) -> tuple[int, str, dict[str, Any]]:
    if result.k < 2 or result.I2 is None:
        return 0, "a single study: inconsistency cannot be assessed", {}
    i2 = float(result.I2)
    data: dict[str, Any] = {"I2": i2, "pi_lower": result.pi_lower, "pi_upper": result.pi_upper}
    ci_null = _includes_null(result.ci_lower, result.ci_upper)
    pi_null = (
        result.pi_lower is not None
        and result.pi_upper is not None
        and _includes_null(result.pi_lower, result.pi_upper)
        and not ci_null
    )
    parts = [f"I² = {i2:.0f}%"]
    if result.pi_lower is not None and result.pi_upper is not None:
        low, high = _shown(result.measure, result.pi_lower), _shown(result.measure, result.pi_upper)
        null = " includes the null while the confidence interval does not" if pi_null else ""
        parts.append(f"prediction interval {low} to {high}{null}")
    text = "; ".join(parts)
    if i2 >= very_serious and pi_null:
        return -2, text, data
    if i2 >= serious or pi_null:
        return -1, text, data
    return 0, text, data


def _imprecision(
    result: MetaResult, thresholds: tuple[float, ...] | None, ois: float | None, participants: int | None
) -> tuple[int, str, dict[str, Any]]:
    lower, upper = float(result.ci_lower), float(result.ci_upper)  # type: ignore[arg-type]
    ratio = result.measure in RATIO_MEASURES
    cut: tuple[float, ...]
    if thresholds is None:
        cut = (0.0,)
        named = "the null"
    else:
        if not thresholds:
            raise InputError("thresholds: give at least one decision threshold")
        cut = tuple(_model_scale(t, ratio) for t in thresholds)
        named = "threshold" if len(thresholds) == 1 else "thresholds"
    crossed = [t for t in cut if lower < t < upper]
    data: dict[str, Any] = {
        "ci_lower": lower,
        "ci_upper": upper,
        "thresholds": [_natural(t, ratio) for t in cut],
        "crossed": len(crossed),
        "ois": ois,
        "participants": participants,
    }
    ci = f"confidence interval {_shown(result.measure, lower)} to {_shown(result.measure, upper)}"
    if thresholds is None and crossed:
        return -1, f"the {ci} includes the null effect", data
    if len(crossed) >= 2:
        return -2, f"the {ci} crosses {len(crossed)} decision thresholds ({_list(crossed, result.measure)})", data
    if crossed:
        return -1, f"the {ci} crosses the decision threshold {_list(crossed, result.measure)}", data
    where = "excludes the null effect" if thresholds is None else f"crosses no decision {named}"
    if ois is not None:
        if participants is None:
            raise InputError("an optimal information size needs the number of participants to compare with")
        size = f"the optimal information size {ois:g}"
        if participants < ois:
            return -1, f"the {ci} {where}, but {participants} participants are fewer than {size}", data
        return 0, f"the {ci} {where}; {participants} participants reach {size}", data
    return 0, f"the {ci} {where} (optimal information size not assessed)", data


def _publication_bias(
    result: MetaResult, test: SmallStudyTest | None, *, alpha: float, min_k: int
) -> tuple[int, str, dict[str, Any]]:
    if test is None:
        if result.k < min_k:
            return (
                0,
                f"{result.k} studies: too few for small-study tests (at least {min_k}); {_REVIEWERS}",
                {"k": result.k},
            )
        return 0, f"no small-study test given; {_REVIEWERS}", {"k": result.k}
    k, p = int(test.k), float(test.pvalue)
    data = {"k": k, "pvalue": p}
    if k < min_k:
        return 0, f"small-study test p = {p:.3g} on {k} studies: too few to be informative (at least {min_k})", data
    if p < alpha:
        return -1, f"small-study test p = {p:.3g} < {alpha:g} on {k} studies: funnel-plot asymmetry", data
    return 0, f"small-study test p = {p:.3g} ≥ {alpha:g} on {k} studies", data


def _large_effect(result: MetaResult, design: Design, down: int) -> tuple[int, str, dict[str, Any]]:
    if design == "randomised":
        return 0, "randomised evidence is not rated up", {}
    if result.measure not in RATIO_MEASURES:
        return 0, "no ratio measure: a reviewers' judgement", {}
    if down:
        return 0, "not rated up: the evidence is rated down in another domain", {}
    estimate = math.exp(float(result.estimate))  # type: ignore[arg-type]
    far = max(estimate, 1.0 / estimate)
    data = {"estimate": estimate}
    if _includes_null(result.ci_lower, result.ci_upper):
        return 0, f"{result.measure} {estimate:.2f}, but the confidence interval includes the null", data
    if far >= 5.0:
        return 2, f"very large effect: {result.measure} {estimate:.2f} (beyond 5 or 1/5)", data
    if far >= 2.0:
        return 1, f"large effect: {result.measure} {estimate:.2f} (beyond 2 or 1/2)", data
    return 0, f"{result.measure} {estimate:.2f} is not a large effect (beyond 2 or 1/2)", data


def optimal_information_size(
    *,
    control_risk: float | None = None,
    rrr: float = 0.25,
    sd: float | None = None,
    delta: float | None = None,
    alpha: float = 0.05,
    power: float = 0.80,
) -> int:
    """The optimal information size: the total participants of one adequately powered trial (two equal arms).

    Binary outcomes (``control_risk`` and the relative risk reduction ``rrr``, GRADE's default 25%):
    n per arm = (z₁₋α/₂ + z_power)² [p₁(1 − p₁) + p₂(1 − p₂)] / (p₁ − p₂)² with p₂ = p₁(1 − rrr).
    Continuous outcomes (standard deviation ``sd`` and the difference ``delta`` to detect):
    n per arm = 2 (z₁₋α/₂ + z_power)² sd² / delta². The total is twice the per-arm size rounded up.

    References
    ----------
    Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines 6. Rating the quality of evidence—imprecision.
    J Clin Epidemiol 2011;64:1283-93 (optimal information size). GRADE Handbook (2013), section 5.2.6.2.
    """
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise InputError("alpha and power must lie between 0 and 1")
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0) + NormalDist().inv_cdf(power)
    if control_risk is not None:
        if sd is not None or delta is not None:
            raise InputError("give control_risk (binary outcome) or sd and delta (continuous outcome), not both")
        if not 0.0 < control_risk < 1.0:
            raise InputError(f"control_risk must lie between 0 and 1, got {control_risk}")
        if not 0.0 < rrr < 1.0:
            raise InputError(f"rrr must lie between 0 and 1, got {rrr}")
        p1, p2 = control_risk, control_risk * (1.0 - rrr)
        per_arm = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    elif sd is not None and delta is not None:
        if sd <= 0 or delta == 0:
            raise InputError("sd must be positive and delta non-zero")
        per_arm = 2.0 * z**2 * sd**2 / delta**2
    else:
        raise InputError("give control_risk (binary outcome) or sd and delta (continuous outcome)")
    return 2 * math.ceil(per_arm - 1e-9)


# ---------------------------------------------------------------------- serialised form
def grade_from_dict(data: Mapping[str, Any]) -> GradeAssessment:
    """A :class:`GradeAssessment` from its ``to_dict()`` form, checked: ratings in range, a reason for every
    reviewer decision, and the certainty equal to the start plus the ratings (errors name the field)."""
    try:
        design = _design(str(data["design"]))
        domains_data = data["domains"]
    except KeyError as err:
        raise InputError(f"missing field {err.args[0]!r}", column=str(err.args[0])) from None
    start = 4 if design == "randomised" else 2
    stated_start = data.get("start")
    if stated_start is not None and stated_start != CERTAINTY[start]:
        raise InputError(f"start {stated_start!r} does not match design {design} ({CERTAINTY[start]})", column="start")
    if not isinstance(domains_data, list):
        raise InputError("domains must be a list", column="domains")
    domains: list[GradeDomain] = []
    seen: set[str] = set()
    for i, item in enumerate(domains_data, start=1):
        name = item.get("domain") if isinstance(item, Mapping) else None
        if name not in GRADE_DOMAINS:
            raise InputError(f"domains[{i}]: unknown GRADE domain {name!r}", column="domain")
        if name in seen:
            raise InputError(f"domain {name} appears twice", column="domain")
        seen.add(name)
        allowed = (0, -1, -2) if name in DOWNGRADE_DOMAINS else (0, 1, 2)
        rating = item.get("rating")
        if rating not in allowed:
            raise InputError(f"{name}: rating {rating!r} is not one of {allowed}", column="rating")
        suggested = item.get("suggested", rating)
        decision_reason = item.get("decision_reason")
        if rating != suggested and not (isinstance(decision_reason, str) and decision_reason.strip()):
            raise InputError(
                f"{name}: rating {rating} departs from the suggested {suggested} without a reason",
                column="decision_reason",
            )
        domains.append(
            GradeDomain(
                domain=name,
                suggested=int(suggested),
                reason=str(item.get("reason", "")),
                rating=int(rating),
                decision_reason=decision_reason,
                data=dict(item.get("data") or {}),
            )
        )
    missing = [d for d in GRADE_DOMAINS if d not in seen]
    if missing:
        raise InputError(f"missing GRADE domain(s): {', '.join(missing)}", column="domains")
    order = {d: i for i, d in enumerate(GRADE_DOMAINS)}
    domains.sort(key=lambda d: order[d.domain])
    level = min(4, max(1, start + sum(d.rating for d in domains)))
    stated = data.get("certainty")
    if stated is not None and stated != CERTAINTY[level]:
        raise InputError(
            f"certainty {stated!r} does not follow from the ratings: start {CERTAINTY[start]} "
            f"{_signed(sum(d.rating for d in domains))} gives {CERTAINTY[level]}",
            column="certainty",
        )
    k = data.get("k")
    return GradeAssessment(
        outcome=data.get("outcome"),
        design=design,
        start=start,
        domains=tuple(domains),
        level=level,
        certainty=CERTAINTY[level],
        measure=data.get("measure"),
        k=int(k) if k is not None else None,
    )


# ---------------------------------------------------------------------- helpers
def _includes_null(lower: float | None, upper: float | None) -> bool:
    return lower is not None and upper is not None and lower <= 0.0 <= upper


def _model_scale(value: float, ratio: bool) -> float:
    if ratio:
        if value <= 0:
            raise InputError(f"a threshold for a ratio measure must be positive, got {value:g}")
        return math.log(value)
    return float(value)


def _natural(value: float, ratio: bool) -> float:
    return math.exp(value) if ratio else value


def _shown(measure: str | None, value: float) -> str:
    if measure in RATIO_MEASURES:
        return f"{math.exp(value):.2f}"
    return f"{value:.2f}"


def _list(values: list[float], measure: str | None) -> str:
    return ", ".join(_shown(measure, v) for v in values)


def _percent(share: float) -> str:
    return f"{100.0 * share:.0f}%"


def _signed(n: int) -> str:
    return f"{n:+d} level(s)"
