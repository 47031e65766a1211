"""The methods paragraph: every analytic choice of the plan, stated in words (no choice left implicit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sysreview.report._measures import measure_info

__all__ = ["methods_paragraph"]

_METHOD = {
    "DL": "the DerSimonian–Laird method-of-moments estimator of τ²",
    "REML": "restricted maximum likelihood (REML) for τ²",
    "ML": "maximum likelihood for τ²",
    "PM": "the Paule–Mandel estimator of τ²",
    "FE": "a common-effect (fixed-effect) model",
    "EE": "an equal-effects model",
}
_TEST = {
    "z": "Wald-type z-tests and confidence intervals from the standard normal distribution",
    "t": "t-tests and confidence intervals with k − 1 degrees of freedom",
    "knha": "the Hartung–Knapp(–Sidik–Jonkman) adjustment: t-tests and confidence intervals with k − 1 degrees "
    "of freedom and a rescaled standard error",
}


def methods_paragraph(plan: Any, outputs: Sequence[Any], *, software: Mapping[str, str]) -> list[str]:
    """The methods section as paragraphs of plain text (the report's templates only lay it out)."""
    pct = f"{plan.level:.0%}"
    paras = []
    for o in outputs:
        s = o.spec
        what = measure_info(s.measure).methods
        model = (
            "a common-effect model"
            if s.method in ("FE", "EE", "CE")
            else f"a random-effects model with {_METHOD.get(s.method, s.method)}"
        )
        extra = []
        if s.subgroup:
            extra.append(
                f"subgroups by {s.subgroup.replace('_', ' ')} were fitted separately with the same model "
                "and compared with the test for subgroup differences (between-subgroup Q)"
            )
        if s.leave_one_out:
            extra.append("leave-one-out refits tested the influence of each study")
        if s.small_study:
            extra.append(
                "small-study effects were examined with a contour-enhanced funnel plot, Egger's regression "
                "test (weighted regression of yi on its standard error, t-test; the protocol applies it "
                "only with ≥ 10 studies, so with fewer it is shown but not interpreted) and Duval–Tweedie "
                "trim-and-fill (L0 estimator)"
            )
        paras.append(
            f"{s.label} [{s.id}, {s.role}]: {s.outcome} was analysed as {what}. Studies were pooled with {model} "
            f"and {_TEST.get(s.test, s.test)}; {pct} confidence intervals. Heterogeneity: Cochran's Q, I² "
            f"(percent), τ² and its Q-profile confidence interval, and a {pct} prediction interval for the effect "
            f"in a new study. " + (_sentence("; ".join(extra)) if extra else "")
        )
    paras.append(
        "Event counts for satisfaction and adverse events were not reported: they were derived from the printed "
        "percentages as round(% × n / 100), halves rounded up, and each percentage was checked for whether any "
        "count out of its arm's n gives it at the printed precision (percentages no count can give are flagged "
        "in the extraction tables). Certainty of evidence was rated with GRADE (sysreview.appraisal's suggested "
        "ratings: risk of bias weighted by study weight, inconsistency from I² and the prediction interval, "
        "imprecision from the confidence interval; small-study tests need ≥ 10 studies). Risk of bias: RoB 2 "
        "judgements as printed in the review's Table 2, linked to the analysed comparisons by Table 1's study id; "
        "a comparison with no assessment (Table 3 row 6, which matches no Table 1 study) is counted as high risk of "
        "bias for GRADE."
    )
    soft = ", ".join(f"{k} {v}" for k, v in software.items() if k != "platform")
    paras.append(
        f"Software: {soft} ({software.get('platform', '')}). sysreview's estimators agree with R metafor 3.8-1 "
        "to a relative tolerance of 1e-6 on its reference cases. The command that produced this report and the "
        "SHA-256 hash of every input file are listed in the reproducibility appendix."
    )
    return paras


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised (the rest as written: Q-test, Egger) and a full stop."""
    return text[:1].upper() + text[1:] + "."
