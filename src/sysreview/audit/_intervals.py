"""Checks of a reported estimate against its own interval and p-value, and of heterogeneity statistics.

- ``ci_sign``: bounds in the wrong order, or the estimate outside its interval (often a lost minus sign);
- ``ci_estimate``: the estimate is not at the interval's centre on the analysis scale (log for ratios);
- ``p_value``: the p-value the estimate and its interval imply, against the reported one (statcheck's idea:
  an inconsistency is an error when it flips significance);
- ``heterogeneity``: I² against Q and k, Q's p-value against Q (or I²) and k, τ² = 0 against I² > 0.

Every comparison allows for the rounding of each reported number (half a unit in its last printed digit) by
interval arithmetic on the monotone maps involved; nothing else is tolerated, because nothing else can explain
the difference when the numbers come from one Wald-type analysis.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from scipy import stats

from sysreview.audit._claims import Analysis, Claims, Estimate
from sysreview.audit._context import Check, Context
from sysreview.audit._numbers import Reported, format_p, format_value, interval_gap
from sysreview.audit._report import Finding

__all__ = ["CI_ESTIMATE", "CI_SIGN", "HETEROGENEITY", "P_VALUE", "estimates", "model_interval", "p_interval"]

#: methods whose I² is the Q-based I² = (Q − df)/Q of Higgins & Thompson (2002); RevMan reports that one for every
#: model, so it is also assumed when a review does not say which estimator it used
Q_BASED_I2 = frozenset({None, "DL", "FE", "EE", "CE", "MH", "PETO"})


def estimates(claims: Claims) -> Iterator[Estimate]:
    """Every reported estimate: per-study effects, pooled results and subgroup results."""
    for effect in claims.effects:
        yield effect.estimate
    for analysis in claims.analyses:
        yield analysis.estimate
        yield from analysis.restatements
        if analysis.subgroups is not None:
            for group in analysis.subgroups.groups:
                yield group.estimate


def _label(claims: Claims, est: Estimate) -> str:
    """The subject of an estimate in words, with study labels instead of ids."""
    if est.key.startswith("effect:"):
        _, study, outcome, measure = est.key.split(":", 3)
        return f"{claims.label(study)}: {outcome} ({measure})"
    return est.subject


def model_interval(value: Reported, scale: str | None, model_scale: bool = False) -> tuple[float, float]:
    """The values on the analysis scale that a printed number is consistent with."""
    low, high = value.interval()
    if scale == "log" and not model_scale:
        return (math.log(low) if low > 0 else -math.inf), (math.log(high) if high > 0 else -math.inf)
    return low, high


def p_interval(value: Reported) -> tuple[float, float]:
    low, high = value.interval()
    return max(low, 0.0), min(high, 1.0)


def _critical(level: float, df: float | None) -> float:
    alpha = 1 - level
    return float(stats.norm.ppf(1 - alpha / 2) if df is None else stats.t.ppf(1 - alpha / 2, df))


def _df(est: Estimate, analysis: Analysis | None) -> tuple[float | None, bool]:
    """Degrees of freedom of the estimate's reference distribution; False when it needs one we do not know."""
    if est.test == "z":
        return None, True
    if est.df is not None:
        return est.df, True
    if analysis is not None and analysis.k is not None and analysis.k > 1:
        return float(analysis.k - 1), True
    return None, False


def _analysis_of(claims: Claims, est: Estimate) -> Analysis | None:
    for analysis in claims.analyses:
        if analysis.estimate.key == est.key or any(r.key == est.key for r in analysis.restatements):
            return analysis
    return None


def _show_ci(est: Estimate) -> str:
    assert est.lower is not None
    assert est.upper is not None
    return f"{est.lower.show()} to {est.upper.show()}"


# ---------------------------------------------------------------------- ci_sign
def _ci_sign(ctx: Context) -> None:
    for est in estimates(ctx.claims):
        if est.lower is None or est.upper is None:
            continue
        subject = _label(ctx.claims, est)
        if est.lower.is_bound or est.upper.is_bound:
            ctx.skip("ci_sign", subject, "a confidence bound is given as an inequality")
            continue
        ctx.compared("ci_sign")
        lo, hi = est.lower.interval(), est.upper.interval()
        pct = f"{est.level:.0%}"
        problem = ""
        fix = ""
        if est.scale == "log" and not est.model_scale:
            bad = [r for r in (est.lower, est.upper, est.estimate) if r is not None and r.value <= 0]
            if bad:
                problem = (
                    f"A ratio ({est.measure}) cannot be zero or negative, but {bad[0].show()} is; ratios and their "
                    "bounds are positive (a negative number suggests a log ratio or a difference was printed)."
                )
        if not problem and lo[0] > hi[1]:
            problem = (
                f"The {pct} CI ({_show_ci(est)}) has its lower bound above its upper bound. "
                "An interval runs from the smaller to the larger value."
            )
            if est.estimate is not None and hi[0] <= est.estimate.value <= lo[1]:
                problem += " The estimate lies between the two numbers, so the bounds are probably swapped."
            fix = _sign_fix(est)
        elif not problem and est.estimate is not None:
            e = est.estimate.interval()
            if e[1] < lo[0] or e[0] > hi[1]:
                side = "lower" if e[1] < lo[0] else "upper"
                bound = est.lower if side == "lower" else est.upper
                problem = (
                    f"The estimate {est.estimate.show()} lies outside its own {pct} CI ({_show_ci(est)}): the {side} "
                    f"bound {bound.show()} is on the wrong side of it. An interval must contain its estimate."
                )
                fix = _sign_fix(est)
        if problem:
            message = problem + (f" {fix}" if fix else " Check the bounds against the source.")
            ctx.flag(
                est.key,
                Finding(
                    check="ci_sign",
                    subject=subject,
                    quantity="ci",
                    reported=f"{est.estimate.show() if est.estimate else '?'} ({_show_ci(est)})",
                    recomputed=None,
                    tolerance=None,
                    severity="error",
                    message=message,
                    source=est.source,
                ),
            )


def _sign_fix(est: Estimate) -> str:
    """A lost minus sign that would make the interval consistent, in words ('' if there is none)."""
    if est.estimate is None or est.lower is None or est.upper is None or est.scale == "log":
        return ""
    e = est.estimate.value
    candidates = [(-est.lower.value, est.upper.value, "lower"), (est.lower.value, -est.upper.value, "upper")]
    for low, high, which in candidates:
        if low <= e <= high:
            centre = (low + high) / 2
            h = est.estimate.half_unit + (est.lower.half_unit + est.upper.half_unit) / 2
            at_centre = abs(centre - e) <= h + 1e-12
            value = format_value(low if which == "lower" else high, est.lower.decimals)
            return (
                f"With {value} as the {which} bound the interval would contain the estimate"
                + (" and be centred on it" if at_centre else "")
                + ": a minus sign was probably lost in print."
            )
    return ""


# ---------------------------------------------------------------------- ci_estimate
def _ci_estimate(ctx: Context) -> None:
    for est in estimates(ctx.claims):
        if est.estimate is None or est.lower is None or est.upper is None:
            continue
        subject = _label(ctx.claims, est)
        if est.scale not in {"log", "identity"}:
            ctx.skip("ci_estimate", subject, f"the analysis scale of {est.measure or 'this measure'} is not known")
            continue
        if ctx.flagged(est.key, ["ci_sign"]) or est.estimate.is_bound or est.lower.is_bound or est.upper.is_bound:
            continue
        ctx.compared("ci_estimate")
        e = model_interval(est.estimate, est.scale, est.model_scale)
        lo = model_interval(est.lower, est.scale, est.model_scale)
        hi = model_interval(est.upper, est.scale, est.model_scale)
        centre = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2)
        if not all(math.isfinite(v) for v in (*e, *centre)):
            ctx.skip("ci_estimate", subject, "a bound at 0 has no logarithm")
            continue
        gap = interval_gap(e, centre)
        if gap <= 1e-12:
            continue
        tol = (e[1] - e[0]) / 2 + (centre[1] - centre[0]) / 2
        log = est.scale == "log" and not est.model_scale
        centre_value = (sum(centre) / 2) if not log else math.exp(sum(centre) / 2)
        where = "on the log scale, where ratio intervals are symmetric" if log else "on the scale of the analysis"
        message = (
            f"The estimate {est.estimate.show()} is not at the centre of its {est.level:.0%} CI "
            f"({_show_ci(est)}) {where}: the interval is centred on {format_value(centre_value)}"
            f"{' (geometric mean of the bounds)' if log else ''}. A Wald interval is symmetric about its estimate, so "
            "once rounding is allowed for, the estimate or a bound is mistyped, or the interval belongs to another "
            "estimate."
        )
        if log:
            arithmetic = (est.lower.value + est.upper.value) / 2
            if abs(arithmetic - est.estimate.value) <= est.estimate.half_unit + max(
                est.lower.half_unit, est.upper.half_unit
            ):
                message += (
                    " The interval is symmetric on the ratio scale instead, as if it was computed there; "
                    "for ratios it must be computed on the log scale."
                )
        ctx.flag(
            est.key,
            Finding(
                check="ci_estimate",
                subject=subject,
                quantity="estimate vs CI centre" + (" (log scale)" if log else ""),
                reported=est.estimate.to_json(),
                recomputed=centre_value,
                tolerance=tol,
                severity="warning",
                message=message,
                source=est.source,
            ),
        )


# ---------------------------------------------------------------------- p_value
def _p_value(ctx: Context) -> None:
    for est in estimates(ctx.claims):
        if est.pvalue is None or est.estimate is None:
            continue
        subject = _label(ctx.claims, est)
        if ctx.flagged(est.key, ["ci_sign", "ci_estimate"]):
            ctx.skip("p_value", subject, "the estimate and its interval disagree (see above)")
            continue
        analysis = _analysis_of(ctx.claims, est)
        df, known = _df(est, analysis)
        if not known:
            ctx.skip("p_value", subject, f"a {est.test} test needs its degrees of freedom (give df or k)")
            continue
        if est.scale not in {"log", "identity"}:
            ctx.skip("p_value", subject, f"the analysis scale of {est.measure or 'this measure'} is not known")
            continue
        e = model_interval(est.estimate, est.scale, est.model_scale)
        if est.se is not None and (est.scale == "identity" or est.model_scale):
            se = est.se.interval()
            se = (max(se[0], 0.0), se[1])
        elif est.lower is not None and est.upper is not None and not (est.lower.is_bound or est.upper.is_bound):
            crit = _critical(est.level, df)
            lo = model_interval(est.lower, est.scale, est.model_scale)
            hi = model_interval(est.upper, est.scale, est.model_scale)
            se = (max(hi[0] - lo[1], 0.0) / (2 * crit), (hi[1] - lo[0]) / (2 * crit))
        else:
            ctx.skip("p_value", subject, "neither a confidence interval nor a standard error to test against")
            continue
        if not all(math.isfinite(v) for v in (*e, *se)) or se[1] <= 0:
            ctx.skip("p_value", subject, "the interval gives no usable standard error")
            continue
        ctx.compared("p_value")
        abs_low = 0.0 if e[0] <= 0 <= e[1] else min(abs(e[0]), abs(e[1]))
        abs_high = max(abs(e[0]), abs(e[1]))
        z_low = abs_low / se[1]
        z_high = abs_high / se[0] if se[0] > 0 else math.inf
        p_range = (_two_sided(z_high, df), _two_sided(z_low, df))
        reported = p_interval(est.pvalue)
        gap = interval_gap(reported, p_range)
        if gap <= 1e-15:
            continue
        z_mid = abs(sum(e) / 2) / (sum(se) / 2)
        p_mid = _two_sided(z_mid, df)
        alpha = ctx.claims.alpha
        flips = (reported[1] < alpha <= p_range[0]) or (p_range[1] < alpha <= reported[0])
        stat = "z" if df is None else f"t({df:g})"
        message = (
            f"The reported p = {est.pvalue.show()} does not match the estimate and its "
            + ("standard error" if est.se is not None else "interval")
            + f": {stat} = {z_mid:.2f} gives p = {format_p(p_mid)} ({format_p(p_range[0])} to "
            f"{format_p(p_range[1])} allowing for rounding)."
        )
        if flips:
            now = "significant" if reported[1] < alpha else "not significant"
            then = "not significant" if now == "significant" else "significant"
            message += (
                f" This changes the conclusion: the review calls the result {now} at α = {alpha:g}, the numbers "
                f"make it {then}. Either the p-value or the interval is wrong."
            )
        else:
            message += f" The conclusion at α = {alpha:g} is the same, but one of the numbers is mistyped."
        ctx.flag(
            est.key,
            Finding(
                check="p_value",
                subject=subject,
                quantity="pvalue",
                reported=est.pvalue.to_json(),
                recomputed=p_mid,
                tolerance=est.pvalue.half_unit,
                severity="error" if flips else "warning",
                message=message,
                source=est.source,
            ),
        )


def _two_sided(z: float, df: float | None) -> float:
    if math.isinf(z):
        return 0.0
    return float(2 * (stats.norm.sf(z) if df is None else stats.t.sf(z, df)))


# ---------------------------------------------------------------------- heterogeneity
def _heterogeneity(ctx: Context) -> None:
    for analysis in ctx.claims.analyses:
        k = analysis.k if analysis.k is not None else (len(analysis.studies) if analysis.studies else None)
        subject = analysis.estimate.subject
        key = f"heterogeneity:{analysis.id}"
        if k is None or k < 2:
            if analysis.I2 is not None or analysis.Q is not None:
                ctx.skip("heterogeneity", subject, "k (the number of studies) is needed to relate I², Q and p")
            continue
        df = k - 1
        q_based = analysis.method in Q_BASED_I2
        q_range: tuple[float, float] | None = None
        if analysis.Q is not None and not analysis.Q.is_bound:
            q_range = analysis.Q.interval()
            q_range = (max(q_range[0], 0.0), q_range[1])
        # I² against Q and k
        if analysis.I2 is not None and q_range is not None:
            if not q_based:
                ctx.skip("heterogeneity", subject, f"I² of a {analysis.method} model is not (Q − df)/Q")
            elif not analysis.I2.is_bound:
                ctx.compared("heterogeneity")
                i2_range = (_i2(q_range[0], df), _i2(q_range[1], df))
                reported = analysis.I2.interval()
                if interval_gap(reported, i2_range) > 1e-9:
                    mid = _i2(analysis.Q.value, df)  # type: ignore[union-attr]
                    ctx.flag(
                        key,
                        Finding(
                            check="heterogeneity",
                            subject=subject,
                            quantity="I2",
                            reported=analysis.I2.to_json(),
                            recomputed=mid,
                            tolerance=analysis.I2.half_unit + (i2_range[1] - i2_range[0]) / 2,
                            severity="error",
                            message=(
                                f"I² = {analysis.I2.show()}% does not follow from Q = {analysis.Q.show()} "  # type: ignore[union-attr]
                                f"on {df} df (k = {k}): I² = (Q − df)/Q = {mid:.1f}% (Higgins & Thompson 2002). "
                                "One of I², Q or k is misreported."
                            ),
                            source=analysis.source,
                        ),
                    )
                    continue
        # Q's p-value against Q (or I²) and k
        if analysis.Q_pvalue is not None:
            basis = ""
            if q_range is None and analysis.I2 is not None and not analysis.I2.is_bound and q_based:
                i2 = analysis.I2.interval()
                q_range = (_q_from_i2(max(i2[0], 0.0), df), _q_from_i2(min(i2[1], 100.0), df))
                basis = f"I² = {analysis.I2.show()}% with k = {k} implies Q = {_q_from_i2(analysis.I2.value, df):.1f}"
            elif q_range is not None:
                basis = f"Q = {analysis.Q.show()} on {df} df"  # type: ignore[union-attr]
            if q_range is None:
                ctx.skip("heterogeneity", subject, "Q's p-value needs Q or (with a Q-based I²) I²")
            else:
                ctx.compared("heterogeneity")
                p_range = (float(stats.chi2.sf(q_range[1], df)), float(stats.chi2.sf(q_range[0], df)))
                reported = p_interval(analysis.Q_pvalue)
                if interval_gap(reported, p_range) > 1e-15:
                    mid_q = sum(q_range) / 2 if math.isfinite(q_range[1]) else q_range[0]
                    p_mid = float(stats.chi2.sf(mid_q, df))
                    ctx.flag(
                        key,
                        Finding(
                            check="heterogeneity",
                            subject=subject,
                            quantity="Q_pvalue",
                            reported=analysis.Q_pvalue.to_json(),
                            recomputed=p_mid,
                            tolerance=analysis.Q_pvalue.half_unit,
                            severity="error",
                            message=(
                                f"The heterogeneity test's p = {analysis.Q_pvalue.show()} does not match: {basis}, "
                                f"and χ²({df}) gives p = {format_p(p_mid)} ({format_p(p_range[0])} to "
                                f"{format_p(p_range[1])} allowing for rounding)."
                            ),
                            source=analysis.source,
                        ),
                    )
                    continue


def _i2(q: float, df: int) -> float:
    return 0.0 if q <= 0 or q <= df else 100.0 * (q - df) / q


def _q_from_i2(i2: float, df: int) -> float:
    """The Q that gives I² (percent) on df degrees of freedom; I² = 0 stands for any Q ≤ df (its largest)."""
    if i2 >= 100:
        return math.inf
    return df / (1 - i2 / 100)


CI_SIGN = Check(
    "ci_sign",
    "confidence bounds in the wrong order, or an estimate outside its own interval",
    "exact, after rounding: each number may be off by half a unit in its last printed digit",
    _ci_sign,
)
CI_ESTIMATE = Check(
    "ci_estimate",
    "the estimate at the centre of its interval on the analysis scale (log for ratios)",
    "the centre of the interval and the estimate, each moved within the rounding of its printed digits",
    _ci_estimate,
)
P_VALUE = Check(
    "p_value",
    "the p-value against the estimate and its interval or SE (z, or t with the stated df); error if significance flips",
    "p recomputed over the rounding of estimate and bounds; a printed p covers ± half a unit, '<0.001' is a bound",
    _p_value,
)
HETEROGENEITY = Check(
    "heterogeneity",
    "I² against Q and k (Q-based I²), and Q's p-value against Q (or I²) and k",
    "I² and p recomputed over the rounding of Q (or I²); exact arithmetic otherwise",
    _heterogeneity,
)
