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


def methods_paragraph(
    plan: Any, outputs: Sequence[Any], *, software: Mapping[str, str], unassessed: Sequence[str] = ()
) -> list[str]:
    """The methods section as paragraphs of plain text (the report's templates only lay it out). ``unassessed``
    names the analysed comparisons the risk-of-bias table has no judgement for."""
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
    paras.append(" ".join(_data_sentences(plan, outputs, unassessed)))
    soft = ", ".join(f"{k} {v}" for k, v in software.items() if k != "platform")
    paras.append(
        f"Software: {soft} ({software.get('platform', '')}). sysreview's estimators agree with R metafor 3.8-1 "
        "to a relative tolerance of 1e-6 on its reference cases. The command that produced this report and the "
        "SHA-256 hash of every input file are listed in the reproducibility appendix."
    )
    return paras


def _data_sentences(plan: Any, outputs: Sequence[Any], unassessed: Sequence[str]) -> list[str]:
    """Where the binary counts and the risk-of-bias judgements come from, and how GRADE uses them (from the plan
    and its files, with the plan's notes)."""
    from pathlib import Path

    def name(key: str) -> str:
        return Path(plan.data[key]).name if key in plan.data else ""

    out = []
    binary = list(dict.fromkeys(o.spec.outcome for o in outputs if measure_info(o.spec.measure).family != "continuous"))
    if binary:
        source = "counts" if "counts" in plan.data else "arms"
        out.append(f"Binary outcomes ({', '.join(binary)}) were analysed from the event counts in {name(source)}.")
        if plan.notes.get(source):
            out.append(_sentence(plan.notes[source].rstrip(".")))
    out.append(
        "Certainty of evidence was rated with GRADE (sysreview.appraisal's suggested ratings: risk of bias weighted "
        "by study weight, inconsistency from I² and the prediction interval, imprecision from the confidence "
        "interval; small-study tests need ≥ 10 studies)."
    )
    if "rob" not in plan.data:
        out.append("No risk-of-bias table is in the plan: GRADE's risk-of-bias domain is left to the reviewers.")
    else:
        rob = (
            f"Risk of bias: the RoB 2 overall judgements of {name('rob')}, linked to the analysed comparisons by the "
            f"arm table's table1_study column (the Study column of {name('rob')})"
        )
        if unassessed:
            n = len(unassessed)
            rob += (
                f"; {n} analysed comparison{'s' if n > 1 else ''} with no assessment ({'; '.join(unassessed)}) "
                f"{'are' if n > 1 else 'is'} counted as high risk of bias for GRADE."
            )
        else:
            rob += "; every analysed comparison has an assessment."
        out.append(rob)
    return out


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised (the rest as written: Q-test, Egger) and a full stop."""
    return text[:1].upper() + text[1:] + "."
