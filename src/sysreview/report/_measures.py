"""What the report and the web app say about each effect measure an analysis plan may use: its data, scale and words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["MEASURES", "Measure", "measure_info"]

_ZERO_CELLS = (
    "for studies with a zero cell, 0.5 was added to every cell of that study's table (metafor's add = 1/2, "
    'to = "only0"; studies with no events in either arm would have been kept, drop00 = false)'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """One two-group effect measure as the report presents it."""

    code: str
    family: Literal["continuous", "dichotomous"]
    """The outcome data it needs: arm means, SDs and sizes, or events and sizes."""
    ratio: bool
    """Fitted on the log scale and reported back-transformed (exp)."""
    name: str
    """What the pooled number is, for axis labels and tables (on the reported scale)."""
    model_scale: str
    """What y_i is (the scale of the model and of the funnel plot)."""
    methods: str
    """The methods paragraph's account of how y_i and v_i were computed."""


MEASURES: Final[dict[str, Measure]] = {
    m.code: m
    for m in (
        Measure(
            code="SMD",
            family="continuous",
            ratio=False,
            name="Standardised mean difference (Hedges' g)",
            model_scale="Hedges' g",
            methods="standardised mean differences (Hedges' g: Cohen's d with the exact small-sample correction "
            "J = Γ(m/2) / (√(m/2) Γ((m−1)/2)), m = n1 + n2 − 2), with the large-sample sampling variance "
            "v = 1/n1 + 1/n2 + g²/(2(n1 + n2)) (metafor's vtype = \"LS\"), from each arm's mean and SD",
        ),
        Measure(
            code="SMDH",
            family="continuous",
            ratio=False,
            name="Standardised mean difference (heteroscedastic)",
            model_scale="SMD (heteroscedastic)",
            methods="standardised mean differences without assuming equal variances (the difference in means "
            "divided by √((sd1² + sd2²)/2), bias-corrected; Bonett 2008; metafor's SMDH), from each arm's mean and SD",
        ),
        Measure(
            code="MD",
            family="continuous",
            ratio=False,
            name="Mean difference",
            model_scale="mean difference",
            methods="raw mean differences with the sampling variance sd1²/n1 + sd2²/n2 (not assuming equal "
            "variances), from each arm's mean and SD",
        ),
        Measure(
            code="ROM",
            family="continuous",
            ratio=True,
            name="Ratio of means",
            model_scale="log ratio of means",
            methods="log ratios of means with the sampling variance sd1²/(n1 m1²) + sd2²/(n2 m2²) (Hedges, "
            "Gurevitch & Curtis 1999), from each arm's mean and SD; results are back-transformed to ratios of means",
        ),
        Measure(
            code="RR",
            family="dichotomous",
            ratio=True,
            name="Risk ratio",
            model_scale="log risk ratio",
            methods="log risk ratios with the sampling variance 1/a − 1/n1 + 1/c − 1/n2 from 2×2 tables of events; "
            f"{_ZERO_CELLS}; results are back-transformed to risk ratios",
        ),
        Measure(
            code="OR",
            family="dichotomous",
            ratio=True,
            name="Odds ratio",
            model_scale="log odds ratio",
            methods="log odds ratios with the sampling variance 1/a + 1/b + 1/c + 1/d from 2×2 tables of events; "
            f"{_ZERO_CELLS}; results are back-transformed to odds ratios",
        ),
        Measure(
            code="RD",
            family="dichotomous",
            ratio=False,
            name="Risk difference",
            model_scale="risk difference",
            methods="risk differences with the sampling variance p1(1 − p1)/n1 + p2(1 − p2)/n2 from 2×2 tables of "
            "events",
        ),
    )
}


def measure_info(code: str) -> Measure:
    """The report's description of measure ``code`` (one of :data:`MEASURES`)."""
    try:
        return MEASURES[code]
    except KeyError:
        raise ValueError(f"no report description for measure {code!r}; choose one of {', '.join(MEASURES)}") from None
