"""Checks that recompute effects from the review's own data: per study, pooled, subgroup test, change scores.

- ``effect_recompute``: a per-study effect from the arm data against the reported one (and reported ranges of
  per-study effects). For standardised mean differences a difference above 0.1 counts, the threshold of Gøtzsche
  et al. (2007); for other measures any difference beyond the rounding of the printed numbers.
- ``change_score``: change = follow-up − baseline, and a change-score SD that the baseline and follow-up SDs allow
  (|SD_b − SD_f| ≤ SD_change ≤ SD_b + SD_f, since a correlation lies in [−1, 1]).
- ``pooled_recompute``: the pooled result from the review's study data with the model it says it used.
- ``subgroup_test``: the test for subgroup differences recomputed from the reported subgroup estimates.

References
----------
Gøtzsche PC, Hróbjartsson A, Marić K, Tendal B. Data extraction errors in meta-analyses that use standardized
mean differences. JAMA 2007;298(4):430–437.
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR. Introduction to Meta-Analysis, ch. 19. Wiley 2009.
Higgins JPT, Li T, Deeks JJ (eds). Cochrane Handbook, version 6.4, section 6.5.2.8 (change-score SDs).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize, stats

from sysreview.audit._claims import Analysis, Arm, Claims, DataRow, EffectRange, Estimate
from sysreview.audit._context import Check, Context
from sysreview.audit._intervals import model_interval, p_interval
from sysreview.audit._numbers import Reported, format_p, format_value, interval_gap
from sysreview.audit._recompute import (
    ARM_MEASURES,
    StudyEffect,
    counts_for_percent,
    effect_from_arms,
    effect_from_estimate,
    to_natural,
)
from sysreview.audit._report import Finding
from sysreview.errors import SysreviewError
from sysreview.models import rma, rma_mh, rma_peto

__all__ = ["CHANGE_SCORE", "EFFECT_RECOMPUTE", "POOLED_RECOMPUTE", "SUBGROUP_TEST"]

#: standardised mean differences, judged with the 0.1 threshold of Gøtzsche et al. (2007)
SMD_FAMILY = frozenset({"SMD", "SMDH", "SMD1", "SMCC", "SMCR"})
GOTZSCHE = 0.1
#: relative difference allowed between standard errors of SMDs: the large-sample variance has variants (metafor's
#: LS and UB, RevMan's N − 3.94) that differ by a few percent
SE_SLACK_SMD = 0.10
_NAMES = {
    "SMD": "Hedges' g",
    "SMDH": "Hedges' g (heteroscedastic)",
    "MD": "mean difference",
    "ROM": "ratio of means",
    "RR": "risk ratio",
    "OR": "odds ratio",
    "RD": "risk difference",
}


def _name(measure: str | None) -> str:
    return _NAMES.get(measure or "", measure or "effect")


def _show(value: float, scale: str | None, decimals: int | None = None) -> str:
    return format_value(to_natural(value, scale), None if decimals is None else decimals + 1)


def _rows(claims: Claims) -> dict[tuple[str, str], DataRow]:
    return {(row.study, row.outcome): row for row in claims.data}


# ---------------------------------------------------------------------- effect_recompute
def _effect_recompute(ctx: Context) -> None:
    claims = ctx.claims
    rows = _rows(claims)
    for effect in claims.effects:
        est = effect.estimate
        subject = f"{claims.label(effect.study)}: {effect.outcome} ({est.measure})"
        row = rows.get((effect.study, effect.outcome))
        if row is None:
            if claims.data:  # (claims without any arm data, such as results.json, have nothing to say here)
                ctx.skip("effect_recompute", subject, "no arm data for this study and outcome")
            continue
        if est.estimate is None or est.estimate.is_bound or est.measure is None:
            continue
        got, reason = effect_from_arms(row, est.measure)
        if got is None:
            ctx.skip("effect_recompute", subject, reason)
            continue
        ctx.compared("effect_recompute")
        study = claims.study(effect.study)
        paired = study is not None and study.paired
        reported = model_interval(est.estimate, est.scale, est.model_scale)
        slack = GOTZSCHE if est.measure in SMD_FAMILY else 0.0
        gap = interval_gap(reported, (got.yi_low, got.yi_high))
        if gap > slack + 1e-12:
            ctx.flag(est.key, _effect_finding(est, got, row, subject, slack=slack, paired=paired))
            continue
        _effect_se(ctx, est, got, subject, paired)
    for rng in claims.effect_ranges:
        _effect_range(ctx, rng)


def _effect_finding(
    est: Estimate, got: StudyEffect, row: DataRow, subject: str, *, slack: float, paired: bool
) -> Finding:
    assert est.estimate is not None
    assert est.measure is not None
    scale = est.scale
    d = est.estimate.decimals
    recomputed = to_natural(got.yi, scale)
    diff = abs(recomputed - est.estimate.value)
    rule = (
        f"more than the {slack:g} that Gøtzsche et al. (2007) take as the threshold of a discrepancy"
        if slack
        else "more than the rounding of the printed numbers allows"
    )
    message = (
        f"The arm data ({row.source}) give {_name(est.measure)} = {_show(got.yi, scale, d)} "
        f"({_show(got.yi_low, scale, d)} to {_show(got.yi_high, scale, d)} allowing for the rounding of the printed "
        f"data); the review reports {est.estimate.show()}. They differ by {format_value(diff)}, {rule}."
    )
    explanations = _explanations(est, row)
    if explanations:
        message += " The reported value is what " + " or ".join(explanations) + " gives."
    else:
        message += (
            " None of the usual slips (Cohen's d without the small-sample correction, follow-up instead of change "
            "scores, SDs read as standard errors, reversed direction) reproduces it; the effect should be "
            "re-extracted from the trial report."
        )
    if paired:
        message += (
            " The study is within-person (e.g. split-face); the effect was computed as for independent groups, "
            "as the review's table presents them."
        )
    return Finding(
        check="effect_recompute",
        subject=subject,
        quantity="estimate",
        reported=est.estimate.to_json(),
        recomputed=recomputed,
        tolerance=slack + est.estimate.half_unit + (got.yi_high - got.yi_low) / 2,
        severity="error",
        message=message,
        source=est.source,
    )


def _explanations(est: Estimate, row: DataRow) -> list[str]:
    """Common extraction slips whose result matches the reported estimate."""
    assert est.estimate is not None
    assert est.measure is not None
    reported = model_interval(est.estimate, est.scale, est.model_scale)
    slack = GOTZSCHE / 2 if est.measure in SMD_FAMILY else 0.0
    tries: list[tuple[str, StudyEffect | None]] = []
    if est.measure == "SMD":
        tries.append(
            ("Cohen's d (without Hedges' small-sample correction)", effect_from_arms(row, "SMD", cohen=True)[0])
        )
    if row.kind == "continuous":
        tries.append(
            (
                "the follow-up (final) values instead of the change scores",
                effect_from_arms(row, est.measure, use="followup")[0],
            )
        )
        tries.append(
            ("reading the printed SDs as standard errors", effect_from_arms(row, est.measure, sd_as_se=True)[0])
        )
        if est.measure in SMD_FAMILY:
            tries.append(("the raw mean difference (not standardised)", effect_from_arms(row, "MD")[0]))
    if est.measure in {"RR", "OR"}:
        other = "OR" if est.measure == "RR" else "RR"
        tries.append((f"the {_name(other)} instead of the {_name(est.measure)}", effect_from_arms(row, other)[0]))
    found = []
    for words, alt in tries:
        if alt is not None and interval_gap(reported, (alt.yi_low, alt.yi_high)) <= slack + 1e-12:
            found.append(words)
    base = effect_from_arms(row, est.measure)[0]
    if base is not None and interval_gap(reported, (-base.yi_high, -base.yi_low)) <= slack + 1e-12 and base.yi != 0:
        found.append("the comparison in the opposite direction (control against intervention)")
    return found


def _effect_se(ctx: Context, est: Estimate, got: StudyEffect, subject: str, paired: bool) -> None:
    if est.lower is None or est.upper is None or est.lower.is_bound or est.upper.is_bound:
        return
    if ctx.flagged(est.key, ["ci_sign", "ci_estimate"]):
        return
    if paired:
        ctx.skip(
            "effect_recompute",
            subject,
            "standard error of a within-person comparison depends on the "
            "correlation between the sides, which the review does not give",
        )
        return
    rep, _ = effect_from_estimate(est.key, est)
    if rep is None:
        return
    ctx.compared("effect_recompute")
    reported = (math.sqrt(rep.vi_low), math.sqrt(rep.vi_high))
    recomputed = (math.sqrt(got.vi_low), math.sqrt(got.vi_high))
    rel = SE_SLACK_SMD if est.measure in SMD_FAMILY else 0.0
    widened = (recomputed[0] * (1 - rel), recomputed[1] * (1 + rel))
    if interval_gap(reported, widened) <= 1e-12:
        return
    se_rep, se_new = math.sqrt(rep.vi), math.sqrt(got.vi)
    wider = "narrower" if se_rep < se_new else "wider"
    message = (
        f"The {est.level:.0%} CI ({est.lower.show()} to {est.upper.show()}) implies a standard error of "
        f"{format_value(se_rep)} on the {'log' if est.scale == 'log' else 'analysis'} scale, but the arm data give "
        f"{format_value(se_new)}: the interval is {abs(se_rep / se_new - 1):.0%} {wider} than the study's size and "
        "variability allow"
        + (f" (variance formulas of the SMD differ by less than {rel:.0%})" if rel else "")
        + ". The study would get the wrong weight in the meta-analysis."
    )
    ctx.flag(
        est.key,
        Finding(
            check="effect_recompute",
            subject=subject,
            quantity="se",
            reported=se_rep,
            recomputed=se_new,
            tolerance=(reported[1] - reported[0]) / 2 + rel * se_new + (recomputed[1] - recomputed[0]) / 2,
            severity="warning",
            message=message,
            source=est.source,
        ),
    )


def _effect_range(ctx: Context, rng: EffectRange) -> None:
    outcome, measure, minimum, maximum, source = rng.outcome, rng.measure, rng.minimum, rng.maximum, rng.source
    claims = ctx.claims
    scale = "log" if measure in {"RR", "OR", "ROM"} else "identity"
    low = model_interval(minimum, scale)[0]
    high = model_interval(maximum, scale)[1]
    slack = GOTZSCHE if measure in SMD_FAMILY else 0.0
    outside: list[str] = []
    compared = 0
    for row in claims.data:
        if row.outcome != outcome:
            continue
        got, _ = effect_from_arms(row, measure)
        if got is None:
            continue
        compared += 1
        if got.yi_high < low - slack - 1e-12 or got.yi_low > high + slack + 1e-12:
            outside.append(f"{claims.label(row.study)} {_show(got.yi, scale, 1)}")
    subject = f"range of per-study {outcome} effects ({measure})"
    if not compared:
        ctx.skip("effect_recompute", subject, "no arm data to recompute per-study effects from")
        return
    ctx.compared("effect_recompute")
    if outside:
        ctx.flag(
            f"range:{outcome}:{measure}",
            Finding(
                check="effect_recompute",
                subject=subject,
                quantity="range",
                reported=f"{minimum.show()} to {maximum.show()}",
                recomputed="; ".join(outside),
                tolerance=slack or None,
                severity="error",
                message=(
                    f"The review says per-study effects range from {minimum.show()} to {maximum.show()}, but "
                    f"{len(outside)} of the {compared} studies with arm data fall outside that range when recomputed: "
                    + "; ".join(outside)
                    + "."
                ),
                source=source,
            ),
        )


# ---------------------------------------------------------------------- change_score
def _change_score(ctx: Context) -> None:
    claims = ctx.claims
    for row in claims.data:
        if row.kind != "continuous":
            continue
        for arm in row.arms:
            _change_arm(ctx, claims, row, arm)


def _change_arm(ctx: Context, claims: Claims, row: DataRow, arm: Arm) -> None:
    subject = f"{claims.label(row.study)}: {row.outcome}, {arm.group}"
    key = f"arm:{row.study}:{row.outcome}:{arm.group}"
    b, f, c = arm.baseline_mean, arm.followup_mean, arm.mean
    if b is not None and f is not None and c is not None:
        ctx.compared("change_score")
        tol = b.half_unit + f.half_unit + c.half_unit
        diff = f.value - b.value
        if abs(diff - c.value) > tol + 1e-9 and abs(-diff - c.value) > tol + 1e-9:
            ctx.flag(
                key,
                Finding(
                    check="change_score",
                    subject=subject,
                    quantity="mean change",
                    reported=c.value,
                    recomputed=diff,
                    tolerance=tol,
                    severity="error",
                    message=(
                        f"The mean change {c.show()} is not follow-up minus baseline: {f.show()} − {b.show()} = "
                        f"{format_value(diff, max(c.decimals or 0, 1))}. One of the three means is misprinted."
                    ),
                    source=row.source,
                ),
            )
            return
    sb, sf, sc = arm.baseline_sd, arm.followup_sd, arm.sd
    if sb is None or sf is None or sc is None:
        return
    ctx.compared("change_score")
    h = sb.half_unit + sf.half_unit + sc.half_unit
    floor = abs(sb.value - sf.value)
    ceiling = sb.value + sf.value
    if floor - h <= sc.value <= ceiling + h:
        return
    denominator = 2 * sb.value * sf.value
    r = (sb.value**2 + sf.value**2 - sc.value**2) / denominator if denominator > 0 else math.nan
    bound = "smallest" if sc.value < floor else "largest"
    limit = floor if sc.value < floor else ceiling
    ctx.flag(
        key,
        Finding(
            check="change_score",
            subject=subject,
            quantity="change SD",
            reported=sc.value,
            recomputed=f"{format_value(floor)} to {format_value(ceiling)}",
            tolerance=h,
            severity="error",
            message=(
                f"A change-score SD of {sc.show()} is impossible with SD {sb.show()} at baseline and {sf.show()} at "
                f"follow-up: SD_change² = SD_b² + SD_f² − 2·r·SD_b·SD_f, so with any correlation r between −1 and 1 "
                f"it lies between |SD_b − SD_f| = {format_value(floor)} and SD_b + SD_f = {format_value(ceiling)}; "
                f"the {bound} possible value is {format_value(limit)}. The printed SDs imply r = {r:.2f}. "
                "Change-score SDs that are too small inflate standardised effects (Cochrane Handbook 6.5.2.8)."
            ),
            source=row.source,
        ),
    )


# ---------------------------------------------------------------------- pooled_recompute
@dataclass(frozen=True, slots=True)
class _Pooled:
    """A recomputed pooled result with the ranges the rounding of the study data allows (model scale)."""

    method: str
    k: int
    estimate: tuple[float, float, float]  # value, low, high
    se: tuple[float, float, float]
    tau2: tuple[float, float, float]
    I2: tuple[float, float, float]
    Q: tuple[float, float, float]
    pi: tuple[tuple[float, float, float], tuple[float, float, float]] | None
    exact: bool
    ci: tuple[float, float] = (math.nan, math.nan)


def _members(claims: Claims, outcome: str, measure: str | None, members: Sequence[str] | None) -> list[str]:
    if members:
        return list(members)
    found: list[str] = []
    for row in claims.data:
        if row.outcome == outcome and row.study not in found:
            found.append(row.study)
    for effect in claims.effects:
        if effect.outcome == outcome and effect.estimate.measure == measure and effect.study not in found:
            found.append(effect.study)
    order = {s.id: i for i, s in enumerate(claims.studies)}
    return sorted(found, key=lambda s: order.get(s, len(order)))


def _study_effects(
    claims: Claims, outcome: str, measure: str | None, studies: Sequence[str]
) -> tuple[list[StudyEffect], list[str], list[DataRow]]:
    """Effects of ``studies``: from arm data where the measure allows, else from a reported effect with its CI."""
    rows = _rows(claims)
    effects = {e.study: e for e in claims.effects if e.outcome == outcome and e.estimate.measure == measure}
    got: list[StudyEffect] = []
    used_rows: list[DataRow] = []
    missing: list[str] = []
    for study in studies:
        row = rows.get((study, outcome))
        effect = None
        if row is not None and measure in ARM_MEASURES:
            effect, _ = effect_from_arms(row, measure)
            if effect is not None:
                used_rows.append(row)
        if effect is None and study in effects:
            effect, _ = effect_from_estimate(study, effects[study].estimate)
        if effect is None:
            missing.append(study)
        else:
            got.append(effect)
    return got, missing, used_rows


def _fit(
    effects: Sequence[StudyEffect],
    method: str,
    *,
    test: str,
    level: float,
    rows: Sequence[DataRow],
    measure: str | None,
) -> _Pooled:
    yi = np.array([e.yi for e in effects])
    vi = np.array([e.vi for e in effects])
    k = len(effects)
    exact = all(e.exact for e in effects)
    if method in {"MH", "PETO"}:
        counts = [_counts(row) for row in rows]
        if len(rows) != k or any(c is None for c in counts):
            raise SysreviewError(f"{method} pooling needs 2×2 counts for every study")
        table = np.array([c[0] for c in counts], dtype=np.float64)  # type: ignore[index]
        high = np.array([c[1] for c in counts], dtype=np.float64)  # type: ignore[index]
        low = np.array([c[2] for c in counts], dtype=np.float64)  # type: ignore[index]

        def run(t: np.ndarray) -> float:
            if method == "MH":
                res = rma_mh(ai=t[:, 0], n1i=t[:, 1], ci=t[:, 2], n2i=t[:, 3], measure=measure or "OR", level=level)
            else:
                res = rma_peto(ai=t[:, 0], n1i=t[:, 1], ci=t[:, 2], n2i=t[:, 3], level=level)
            assert res.estimate is not None
            return res.estimate

        base = (
            rma_mh(
                ai=table[:, 0], n1i=table[:, 1], ci=table[:, 2], n2i=table[:, 3], measure=measure or "OR", level=level
            )
            if method == "MH"
            else rma_peto(ai=table[:, 0], n1i=table[:, 1], ci=table[:, 2], n2i=table[:, 3], level=level)
        )
        ends = [run(low), run(high)]
        assert base.estimate is not None
        assert base.se is not None
        est = (base.estimate, min(base.estimate, *ends), max(base.estimate, *ends))
        se = (base.se, base.se, base.se)
        q = base.Q if base.Q is not None else math.nan
        i2 = base.I2 if base.I2 is not None else math.nan
        return _Pooled(
            method=method,
            k=k,
            ci=(
                base.ci_lower if base.ci_lower is not None else math.nan,
                base.ci_upper if base.ci_upper is not None else math.nan,
            ),
            estimate=est,
            se=se,
            tau2=(0.0, 0.0, 0.0),
            I2=(i2, i2, i2),
            Q=(q, q, q),
            pi=None,
            exact=exact,
        )
    res = rma(yi, vi, method=method, test=test, level=level)
    lo = rma(np.array([e.yi_low for e in effects]), vi, method=method, test=test, level=level)
    hi = rma(np.array([e.yi_high for e in effects]), vi, method=method, test=test, level=level)
    assert res.estimate is not None
    assert res.se is not None
    values = [r.estimate for r in (res, lo, hi) if r.estimate is not None]
    est = (res.estimate, min(values), max(values))
    # Q and its first-order change under the rounding of yi and vi (common-effect weights)
    w = 1 / vi
    theta = float(np.sum(w * yi) / np.sum(w))
    r = yi - theta
    dy = np.array([(e.yi_high - e.yi_low) / 2 for e in effects])
    dv = np.array([(e.vi_high - e.vi_low) / 2 for e in effects])
    q = float(np.sum(w * r**2))
    dq = float(np.sum(np.abs(2 * w * r) * dy) + np.sum(w**2 * r**2 * dv))
    df = k - 1
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    tau2 = res.tau2
    dtau = dq / c if c > 0 and method not in {"FE", "EE", "CE"} else 0.0
    tau2_range = (max(tau2 - dtau, 0.0), tau2 + dtau)
    if method in {"FE", "EE", "CE"}:
        tau2_range = (0.0, 0.0)
    s2 = df / c if c > 0 else math.nan

    def i2_of(t2: float, qq: float) -> float:
        if method in {"FE", "EE", "CE", "DL"}:
            return 0.0 if qq <= df else 100 * (qq - df) / qq
        return 100 * t2 / (t2 + s2) if t2 + s2 > 0 else 0.0

    i2 = res.I2 if res.I2 is not None else i2_of(tau2, q)
    i2_range = (i2_of(tau2_range[0], q - dq), i2_of(tau2_range[1], q + dq))
    se_low = math.sqrt(1 / np.sum(1 / (np.array([e.vi_low for e in effects]) + tau2_range[0])))
    se_high = math.sqrt(1 / np.sum(1 / (np.array([e.vi_high for e in effects]) + tau2_range[1])))
    se_z = math.sqrt(1 / np.sum(1 / (vi + tau2)))
    factor = res.se / se_z if se_z > 0 else 1.0
    se = (res.se, min(res.se, se_low * factor), max(res.se, se_high * factor))
    pi = None
    if res.pi_lower is not None and res.pi_upper is not None:
        crit_pi = (res.estimate - res.pi_lower) / math.sqrt(res.se**2 + tau2) if res.se**2 + tau2 > 0 else 0.0
        half_low = crit_pi * math.sqrt(se[1] ** 2 + tau2_range[0])
        half_high = crit_pi * math.sqrt(se[2] ** 2 + tau2_range[1])
        pi = (
            (res.pi_lower, est[1] - half_high, est[2] - half_low),
            (res.pi_upper, est[1] + half_low, est[2] + half_high),
        )
    return _Pooled(
        method=method,
        k=k,
        estimate=est,
        se=se,
        tau2=(tau2, *tau2_range),
        I2=(i2, min(i2, *i2_range), max(i2, *i2_range)),
        Q=(res.Q if res.Q is not None else q, max(q - dq, 0.0), q + dq),
        pi=pi,
        exact=exact,
        ci=(
            res.ci_lower if res.ci_lower is not None else math.nan,
            res.ci_upper if res.ci_upper is not None else math.nan,
        ),
    )


def _counts(row: DataRow) -> tuple[list[float], list[float], list[float]] | None:
    """Center, high-effect and low-effect 2×2 counts (ai, n1i, ci, n2i) of a binary row."""
    if row.kind != "binary" or len(row.arms) != 2:
        return None
    options = []
    for arm in row.arms:
        if arm.events is not None:
            options.append(([arm.events], arm.events))
        else:
            assert arm.percent is not None
            options.append((counts_for_percent(arm.percent, arm.n)[0], round(arm.percent.value * arm.n / 100)))
    (c1, m1), (c2, m2) = options
    n1, n2 = row.arms[0].n, row.arms[1].n
    return [m1, n1, m2, n2], [max(c1), n1, min(c2), n2], [min(c1), n1, max(c2), n2]


def _pooled_recompute(ctx: Context) -> None:
    claims = ctx.claims
    for analysis in claims.analyses:
        _pool_one(ctx, analysis, analysis.estimate, analysis.studies, analysis.k, analysis=analysis)
        if analysis.subgroups is not None:
            for group in analysis.subgroups.groups:
                if group.studies:
                    _pool_one(ctx, analysis, group.estimate, group.studies, group.k, analysis=None)


def _pool_one(
    ctx: Context,
    parent: Analysis,
    est: Estimate,
    members: Sequence[str] | None,
    k: int | None,
    *,
    analysis: Analysis | None,
) -> None:
    claims = ctx.claims
    subject = est.subject
    if est.estimate is None:
        return
    studies = _members(claims, parent.outcome, est.measure, members)
    effects, missing, rows = _study_effects(claims, parent.outcome, est.measure, studies)
    if not effects:
        ctx.skip("pooled_recompute", subject, "no study data (arm data or per-study effects) for this outcome")
        return
    if len(effects) == 1:
        ctx.skip("pooled_recompute", subject, "only one study has data; nothing to pool")
        return
    methods = [parent.method] if parent.method is not None else ["FE", "DL"]
    fits: list[_Pooled] = []
    for method in methods:
        try:
            fits.append(_fit(effects, method, test=est.test, level=est.level, rows=rows, measure=est.measure))
        except SysreviewError as exc:
            ctx.skip("pooled_recompute", subject, str(exc))
    if not fits:
        return
    reported = model_interval(est.estimate, est.scale, est.model_scale)
    rounded = not all(f.exact for f in fits) or not est.model_scale
    slack = GOTZSCHE if est.measure in SMD_FAMILY and rounded else 0.0
    fit = min(fits, key=lambda f: interval_gap(reported, f.estimate[1:]))
    k_reported = k if k is not None else (len(members) if members else None)
    complete = not missing and (k_reported is None or k_reported <= len(effects))
    severity = "error" if complete else "warning"
    coverage = _coverage(claims, k_reported, effects, missing, rows)
    ctx.compared("pooled_recompute")
    gap = interval_gap(reported, fit.estimate[1:])
    model = _model_words(fit.method, parent.method, est.test)
    if gap > slack + 1e-12:
        scale = est.scale if not est.model_scale else None
        value = to_natural(fit.estimate[0], scale)
        d = est.estimate.decimals
        ci = (
            f", {est.level:.0%} CI {_show(fit.ci[0], scale, d)} to {_show(fit.ci[1], scale, d)}"
            if all(math.isfinite(v) for v in fit.ci)
            else ""
        )
        message = (
            f"Recomputed from the review's own study data with {model}, the pooled {_name(est.measure)} is "
            f"{_show(fit.estimate[0], scale, d)}{ci} (the estimate ranges from {_show(fit.estimate[1], scale, d)} to "
            f"{_show(fit.estimate[2], scale, d)} over the rounding of the study data); the review reports "
            f"{est.estimate.show()}"
            + (f" ({est.lower.show()} to {est.upper.show()})" if est.lower and est.upper else "")
            + ". "
            + (f"The difference exceeds the {slack:g} threshold of Gøtzsche et al. (2007). " if slack else "")
            + coverage
        )
        if not complete and k_reported is not None and k_reported > len(effects):
            message += _needed(est, fit, k_reported, len(effects))
        if analysis is not None and analysis.I2 is not None and math.isfinite(fit.I2[0]):
            message += f" The same data give I² = {fit.I2[0]:.0f}% (reported {analysis.I2.show()}%)."
        ctx.flag(
            est.key,
            Finding(
                check="pooled_recompute",
                subject=subject,
                quantity="estimate",
                reported=est.estimate.to_json(),
                recomputed=value,
                tolerance=slack + (reported[1] - reported[0]) / 2 + (fit.estimate[2] - fit.estimate[1]) / 2,
                severity=severity,
                message=message,
                source=est.source,
            ),
        )
        return
    # the standard error, from the reported interval (if consistent) or SE
    rep_effect = None
    if not ctx.flagged(est.key, ["ci_sign", "ci_estimate"]):
        # an interval from t or knha inference is t(k − 1) quantiles wide
        with_df = est if est.test == "z" or est.df is not None else replace(est, df=float(fit.k - 1))
        rep_effect, _ = effect_from_estimate(subject, with_df)
    if rep_effect is not None:
        ctx.compared("pooled_recompute")
        rel = SE_SLACK_SMD if est.measure in SMD_FAMILY and rounded else 0.0
        rep_se = (math.sqrt(rep_effect.vi_low), math.sqrt(rep_effect.vi_high))
        widened = (fit.se[1] * (1 - rel), fit.se[2] * (1 + rel))
        rep_se_range = (rep_se[0] * (1 - 1e-6), rep_se[1] * (1 + 1e-6))
        if interval_gap(rep_se_range, widened) > 1e-12:
            se_rep = math.sqrt(rep_effect.vi)
            ctx.flag(
                est.key,
                Finding(
                    check="pooled_recompute",
                    subject=subject,
                    quantity="se",
                    reported=se_rep,
                    recomputed=fit.se[0],
                    tolerance=(rep_se[1] - rep_se[0]) / 2 + rel * fit.se[0] + (fit.se[2] - fit.se[1]) / 2,
                    severity=severity,
                    message=(
                        "The pooled estimate agrees, but its interval does not: the reported "
                        + (f"CI ({est.lower.show()} to {est.upper.show()})" if est.lower and est.upper else "SE")
                        + f" implies a standard error of {format_value(se_rep)}, {model} gives "
                        f"{format_value(fit.se[0])}. " + coverage
                    ),
                    source=est.source,
                ),
            )
            return
    if analysis is None or ctx.flagged(f"heterogeneity:{analysis.id}"):
        return
    for quantity, rep, rec, unit in (
        ("tau2", analysis.tau2, fit.tau2, ""),
        ("I2", analysis.I2, fit.I2, "%"),
        ("Q", analysis.Q, fit.Q, ""),
    ):
        if rep is None or rep.is_bound or not all(math.isfinite(v) for v in rec):
            continue
        if quantity == "tau2" and fit.method in {"FE", "EE", "CE", "MH", "PETO"}:
            continue
        ctx.compared("pooled_recompute")
        floor = 1e-6 * max(1.0, abs(rec[0]))
        if interval_gap(rep.interval(), (rec[1] - floor, rec[2] + floor)) > 1e-12:
            name = {"tau2": "τ²", "I2": "I²", "Q": "Q"}[quantity]
            ctx.flag(
                est.key,
                Finding(
                    check="pooled_recompute",
                    subject=subject,
                    quantity=quantity,
                    reported=rep.to_json(),
                    recomputed=rec[0],
                    tolerance=rep.half_unit + (rec[2] - rec[1]) / 2,
                    severity=severity,
                    message=(
                        f"The review reports {name} = {rep.show()}{unit}; the study data give {name} = "
                        f"{format_value(rec[0])}{unit} ({format_value(rec[1])} to {format_value(rec[2])} allowing for "
                        f"rounding) with {model}. " + coverage
                    ),
                    source=est.source,
                ),
            )
            return
    for quantity, rep, rng in (
        ("pi_lower", analysis.pi_lower, fit.pi[0] if fit.pi else None),
        ("pi_upper", analysis.pi_upper, fit.pi[1] if fit.pi else None),
    ):
        if rep is None or rng is None:
            continue
        ctx.compared("pooled_recompute")
        rep_range = model_interval(rep, est.scale, est.model_scale)
        floor = 1e-6 * max(1.0, abs(rng[0]))
        if interval_gap(rep_range, (rng[1] - floor, rng[2] + floor)) > 1e-12:
            ctx.flag(
                est.key,
                Finding(
                    check="pooled_recompute",
                    subject=subject,
                    quantity=quantity,
                    reported=rep.to_json(),
                    recomputed=rng[0],
                    tolerance=rep.half_unit + (rng[2] - rng[1]) / 2,
                    severity=severity,
                    message=(
                        f"The prediction interval's {quantity.split('_')[1]} bound {rep.show()} does not match the "
                        f"{format_value(rng[0])} the study data give with {model}. " + coverage
                    ),
                    source=est.source,
                ),
            )
            return


def _model_words(method: str, stated: str | None, test: str) -> str:
    words = {
        "DL": "a DerSimonian–Laird random-effects model",
        "REML": "a REML random-effects model",
        "FE": "a common-effect (inverse-variance) model",
        "EE": "a common-effect (inverse-variance) model",
        "CE": "a common-effect (inverse-variance) model",
        "MH": "the Mantel–Haenszel method",
        "PETO": "Peto's method",
    }.get(method, f"a random-effects model (τ² by {method})")
    if stated is None:
        words += " (the review does not say which model; the closer of common-effect and DerSimonian–Laird is shown)"
    if test != "z":
        words += f" and {test} inference"
    return words


def _coverage(
    claims: Claims,
    k: int | None,
    effects: Sequence[StudyEffect],
    missing: Sequence[str],
    rows: Sequence[DataRow],
) -> str:
    origins = sorted({e.origin for e in effects})
    sources = sorted({e.source.split(",")[0] for e in effects})
    text = f"The recomputation uses {len(effects)} studies ({' and '.join(origins)}: {', '.join(sources)})"
    if missing:
        text += "; without usable data: " + ", ".join(claims.label(s) for s in missing)
    text += "."
    if any(arm.events is None and arm.percent is not None for row in rows for arm in row.arms):
        text += " Event counts are reconstructed from the printed percentages (the nearest whole numbers)."
    if k is not None and k > len(effects):
        text += (
            f" The review reports k = {k}, more than the {len(effects)} studies whose data it shows, so the other "
            f"{k - len(effects)} cannot be checked."
        )
    elif k is not None and k < len(effects):
        text += f" The review reports k = {k}, fewer than the {len(effects)} studies with data for this outcome."
    return text


def _needed(est: Estimate, fit: _Pooled, k: int, m: int) -> str:
    """What the studies without data would have to average for the reported estimate (equal weights)."""
    assert est.estimate is not None
    scale = est.scale if not est.model_scale else None
    target = model_interval(est.estimate, est.scale, est.model_scale)
    rest = (k * sum(target) / 2 - m * fit.estimate[0]) / (k - m)
    return (
        f" For the pooled value to be {est.estimate.show()}, the {k - m} studies not shown would have to average "
        f"about {_show(rest, scale, est.estimate.decimals)} (equal weights assumed)."
    )


# ---------------------------------------------------------------------- subgroup_test
def _subgroup_test(ctx: Context) -> None:
    for analysis in ctx.claims.analyses:
        sub = analysis.subgroups
        if sub is None or (sub.pvalue is None and sub.Q is None):
            continue
        subject = f"test for subgroup differences by {sub.variable} ({analysis.id})"
        boxes: list[tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = []
        levels: list[float] = []
        unusable = ""
        for group in sub.groups:
            est = group.estimate
            if ctx.flagged(est.key, ["ci_sign", "ci_estimate"]):
                unusable = f"subgroup {group.name}'s estimate and interval disagree"
                break
            if est.estimate is None or est.lower is None or est.upper is None or est.scale not in {"log", "identity"}:
                unusable = f"subgroup {group.name} has no estimate with a confidence interval on a known scale"
                break
            boxes.append(
                (
                    model_interval(est.estimate, est.scale, est.model_scale),
                    model_interval(est.lower, est.scale, est.model_scale),
                    model_interval(est.upper, est.scale, est.model_scale),
                )
            )
            levels.append(est.level)
        if unusable:
            ctx.skip("subgroup_test", subject, unusable)
            continue
        if any(not all(math.isfinite(v) for b in box for v in b) for box in boxes):
            ctx.skip("subgroup_test", subject, "a bound at 0 has no logarithm")
            continue
        ctx.compared("subgroup_test")
        df = len(boxes) - 1
        q_mid, q_low, q_high = _q_between_range(boxes, levels)
        p_mid = float(stats.chi2.sf(q_mid, df))
        p_range = (float(stats.chi2.sf(q_high, df)), float(stats.chi2.sf(q_low, df)))
        alpha = ctx.claims.alpha
        names = ", ".join(
            f"{g.name} {g.estimate.estimate.show()}" for g in sub.groups if g.estimate.estimate is not None
        )
        problems: list[tuple[str, Reported, float, tuple[float, float]]] = []
        if sub.pvalue is not None and interval_gap(p_interval(sub.pvalue), p_range) > 1e-15:
            problems.append(("pvalue", sub.pvalue, p_mid, p_range))
        elif sub.Q is not None and interval_gap(sub.Q.interval(), (q_low, q_high)) > 1e-12:
            problems.append(("Q", sub.Q, q_mid, (q_low, q_high)))
        if sub.df is not None and sub.df != df:
            ctx.skip("subgroup_test", subject, f"the review gives {sub.df} df for {len(boxes)} subgroups")
        if not problems:
            continue
        quantity, rep, mid, _ = problems[0]
        flips = False
        if quantity == "pvalue":
            rep_p = p_interval(rep)
            flips = (rep_p[1] < alpha <= p_range[0]) or (p_range[1] < alpha <= rep_p[0])
        needed = float(stats.chi2.isf(min(max(rep.value, 1e-300), 1.0), df)) if quantity == "pvalue" else rep.value
        message = (
            f"The subgroup estimates ({names}) with their confidence intervals give Q = {q_mid:.2f} on {df} df "
            f"(Borenstein et al. 2009, ch. 19), p = {format_p(p_mid)} "
            f"({format_p(p_range[0])} to {format_p(p_range[1])} "
            f"allowing for rounding); the review reports "
            + (f"p = {rep.show()}" if quantity == "pvalue" else f"Q = {rep.show()}")
            + f", which would need Q ≈ {needed:.1f}."
        )
        if flips:
            if p_interval(rep)[1] < alpha:
                message += (
                    " The subgroup intervals overlap too much for the difference to be significant: the reported "
                    "estimates do not support the claim that the subgroups differ."
                )
            else:
                message += " The subgroup estimates differ significantly, contrary to what the review reports."
        ctx.flag(
            sub.key,
            Finding(
                check="subgroup_test",
                subject=subject,
                quantity=quantity,
                reported=rep.to_json(),
                recomputed=mid,
                tolerance=rep.half_unit,
                severity="error" if flips else "warning",
                message=message,
                source=sub.source,
            ),
        )


def _q_between_range(
    boxes: Sequence[tuple[tuple[float, float], tuple[float, float], tuple[float, float]]], levels: Sequence[float]
) -> tuple[float, float, float]:
    """Q_between at the printed values, and its smallest and largest value over the rounding box.

    Q = Σ w_g (θ_g − θ̄)² with w_g = 1/SE_g² rises as any SE falls, so its maximum takes the narrowest intervals
    and a corner of the estimates' box (Q is convex in them); its minimum the widest intervals and the convex
    minimum over the estimates' box (L-BFGS-B).
    """
    crit = np.array([float(stats.norm.ppf(1 - (1 - lev) / 2)) for lev in levels])
    mid_est = np.array([sum(b[0]) / 2 for b in boxes])
    mid_se = np.array([(sum(b[2]) / 2 - sum(b[1]) / 2) for b in boxes]) / (2 * crit)
    narrow = np.array([max(b[2][0] - b[1][1], 1e-12) for b in boxes]) / (2 * crit)
    wide = np.array([b[2][1] - b[1][0] for b in boxes]) / (2 * crit)

    def q(theta: np.ndarray, se: np.ndarray) -> float:
        w = 1 / se**2
        mean = np.sum(w * theta) / np.sum(w)
        return float(np.sum(w * (theta - mean) ** 2))

    q_mid = q(mid_est, np.maximum(mid_se, 1e-12))
    corners = itertools.product(*[b[0] for b in boxes]) if len(boxes) <= 12 else [tuple(mid_est)]
    q_high = max(q(np.array(c), narrow) for c in corners)
    bounds = [b[0] for b in boxes]
    res = optimize.minimize(lambda t: q(t, wide), mid_est, bounds=bounds, method="L-BFGS-B")
    q_low = min(float(res.fun), q(mid_est, wide))
    return q_mid, max(q_low, 0.0), max(q_high, q_mid)


EFFECT_RECOMPUTE = Check(
    "effect_recompute",
    "per-study effects (and stated ranges of them) recomputed from the arm data; their SEs against the CIs",
    "SMD: 0.1 (Gøtzsche et al. 2007) beyond the rounding of the printed data; other measures: rounding only; "
    "SE of an SMD: 10% (variance formula variants)",
    _effect_recompute,
)
CHANGE_SCORE = Check(
    "change_score",
    "change = follow-up − baseline; |SD_b − SD_f| ≤ SD_change ≤ SD_b + SD_f",
    "rounding of the three printed numbers",
    _change_score,
)
POOLED_RECOMPUTE = Check(
    "pooled_recompute",
    "pooled estimate, SE, τ², I², Q and prediction interval recomputed from the review's study data with its model",
    "rounding of the reported value plus the range the rounding of the study data allows; SMD: 0.1 "
    "(Gøtzsche et al. 2007) and 10% on the SE",
    _pooled_recompute,
)
SUBGROUP_TEST = Check(
    "subgroup_test",
    "the test for subgroup differences (Q_between on the subgroup estimates) against the reported p or Q",
    "the range of p over the rounding of every subgroup estimate and bound; error when significance flips",
    _subgroup_test,
)
