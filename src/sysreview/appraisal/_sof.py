"""Summary of Findings rows: relative and absolute effects, participants and studies, certainty and footnotes.

For a ratio measure and an assumed control risk (ACR) the corresponding intervention risk (ICR) is
(Cochrane Handbook, chapter 14, section 14.1.5.1, and chapter 15, section 15.4.4):

- risk ratio: ICR = RR × ACR;
- odds ratio (and Peto's): ICR = OR × ACR / (1 − ACR + OR × ACR);
- hazard ratio (ACR = the control risk of an event by a fixed time): ICR = 1 − (1 − ACR)^HR;

and the absolute effect is ICR − ACR, shown per 1000 people. The same transformations of the confidence limits
give the interval of the absolute effect. A risk difference is shown per 1000 directly; other measures (MD, SMD
…) have no control risk and the row shows the pooled difference.

References
----------
Schünemann HJ, Higgins JPT, Vist GE, et al. Chapter 14: Completing 'Summary of findings' tables and grading the
certainty of the evidence. Cochrane Handbook for Systematic Reviews of Interventions, version 6.4, 2023.
Higgins JPT, Li T, Deeks JJ (eds). Chapter 6 and chapter 15 (section 15.4.4: re-expressing odds ratios and risk
ratios as absolute effects), Cochrane Handbook version 6.4, 2023.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sysreview.appraisal._grade import RATIO_MEASURES, GradeAssessment
from sysreview.errors import InputError

if TYPE_CHECKING:
    from sysreview.models import MetaResult

__all__ = ["SummaryOfFindingsRow", "absolute_risk", "summary_of_findings"]

_RISK_MEASURES = frozenset({"RR", "OR", "PETO", "HR"})


def absolute_risk(ratio: float, control_risk: float, *, measure: str) -> float:
    """The intervention-group risk corresponding to a ``ratio`` (RR, OR/PETO, HR) at an assumed control risk.

    References
    ----------
    Cochrane Handbook version 6.4, section 14.1.5.1 and section 15.4.4 (formulas in the module documentation).
    """
    if not 0.0 <= control_risk <= 1.0:
        raise InputError(f"the assumed control risk must lie between 0 and 1, got {control_risk}")
    if not ratio > 0 or not math.isfinite(ratio):
        raise InputError(f"a {measure} must be a positive number, got {ratio}")
    if measure == "RR":
        return float(ratio * control_risk)
    if measure in {"OR", "PETO"}:
        return float(ratio * control_risk / (1.0 - control_risk + ratio * control_risk))
    if measure == "HR":
        return float(1.0 - (1.0 - control_risk) ** ratio)
    raise InputError(f"no absolute risk for measure {measure!r}; choose one of RR, OR, PETO, HR")


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryOfFindingsRow:
    """One outcome of a Summary of Findings table.

    Effects on the natural scale (ratios exponentiated). Risks are per 1000 people: ``control_per_1000`` the
    assumed control risk, ``intervention_per_1000`` the corresponding intervention risk (with its interval), and
    ``difference_per_1000`` the absolute effect (intervention − control, with its interval). Rows of measures
    without a control risk carry the pooled ``estimate`` and interval and None in the risk fields.
    """

    outcome: str | None
    measure: str | None
    estimate: float
    ci_lower: float
    ci_upper: float
    level: float
    control_risk: float | None
    control_per_1000: float | None
    intervention_per_1000: float | None
    intervention_ci_per_1000: tuple[float, float] | None
    difference_per_1000: float | None
    difference_ci_per_1000: tuple[float, float] | None
    participants: int | None
    studies: int
    certainty: str
    footnotes: tuple[str, ...]

    @property
    def relative_effect(self) -> str | None:
        """``RR 1.45 (1.24 to 1.70)`` for ratio measures, None otherwise."""
        if self.measure not in RATIO_MEASURES:
            return None
        return f"{self.measure} {self.estimate:.2f} ({self.ci_lower:.2f} to {self.ci_upper:.2f})"

    @property
    def absolute_effect(self) -> str:
        """``90 more per 1000 (48 more to 140 more)``, or the pooled difference (``MD -2.50 (-3.90 to -1.10)``)."""
        if self.difference_per_1000 is not None and self.difference_ci_per_1000 is not None:
            low, high = self.difference_ci_per_1000
            return f"{_more_fewer(self.difference_per_1000)} per 1000 ({_more_fewer(low)} to {_more_fewer(high)})"
        return f"{self.measure or 'estimate'} {self.estimate:.2f} ({self.ci_lower:.2f} to {self.ci_upper:.2f})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "measure": self.measure,
            "estimate": self.estimate,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "level": self.level,
            "relative_effect": self.relative_effect,
            "control_risk": self.control_risk,
            "control_per_1000": self.control_per_1000,
            "intervention_per_1000": self.intervention_per_1000,
            "intervention_ci_per_1000": _pair(self.intervention_ci_per_1000),
            "difference_per_1000": self.difference_per_1000,
            "difference_ci_per_1000": _pair(self.difference_ci_per_1000),
            "absolute_effect": self.absolute_effect,
            "participants": self.participants,
            "studies": self.studies,
            "certainty": self.certainty,
            "footnotes": list(self.footnotes),
        }


def summary_of_findings(
    result: MetaResult,
    assessment: GradeAssessment,
    *,
    control_risk: float | None = None,
    participants: int | None = None,
    outcome: str | None = None,
) -> SummaryOfFindingsRow:
    """The Summary of Findings row of one outcome from its meta-analysis and GRADE assessment.

    ``control_risk`` (a proportion, e.g. the median control-group risk of the studies or a population's risk) is
    needed for absolute effects of RR, OR, PETO and HR; an RD is shown per 1000 without it.
    """
    if result.estimate is None or result.ci_lower is None or result.ci_upper is None:
        raise InputError("a Summary of Findings row needs a pooled estimate with its confidence interval")
    measure = result.measure
    ratio = measure in RATIO_MEASURES
    transform = math.exp if ratio else float
    estimate, lower, upper = transform(result.estimate), transform(result.ci_lower), transform(result.ci_upper)
    control_1000 = intervention = difference = None
    intervention_ci = difference_ci = None
    if control_risk is not None:
        if measure not in _RISK_MEASURES:
            raise InputError(
                f"an assumed control risk gives absolute effects for RR, OR, PETO and HR, not for {measure}"
            )
        icr = absolute_risk(estimate, control_risk, measure=measure)
        icr_low = absolute_risk(lower, control_risk, measure=measure)
        icr_high = absolute_risk(upper, control_risk, measure=measure)
        control_1000 = 1000.0 * control_risk
        intervention = 1000.0 * icr
        intervention_ci = (1000.0 * icr_low, 1000.0 * icr_high)
        difference = 1000.0 * (icr - control_risk)
        difference_ci = (1000.0 * (icr_low - control_risk), 1000.0 * (icr_high - control_risk))
    elif measure == "RD":
        difference = 1000.0 * estimate
        difference_ci = (1000.0 * lower, 1000.0 * upper)
    return SummaryOfFindingsRow(
        outcome=outcome if outcome is not None else assessment.outcome,
        measure=measure,
        estimate=estimate,
        ci_lower=lower,
        ci_upper=upper,
        level=result.level,
        control_risk=control_risk,
        control_per_1000=control_1000,
        intervention_per_1000=intervention,
        intervention_ci_per_1000=intervention_ci,
        difference_per_1000=difference,
        difference_ci_per_1000=difference_ci,
        participants=participants,
        studies=result.k,
        certainty=assessment.certainty,
        footnotes=assessment.footnotes,
    )


def _more_fewer(value: float) -> str:
    rounded = round(value)
    if rounded == 0:
        return "0 fewer"
    return f"{abs(rounded)} {'more' if rounded > 0 else 'fewer'}"


def _pair(value: tuple[float, float] | None) -> list[float] | None:
    return None if value is None else [value[0], value[1]]
