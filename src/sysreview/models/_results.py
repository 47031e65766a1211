"""Frozen result objects of the pooling models, with metafor's field names."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from sysreview._distributions import norm_ppf, t_ppf
from sysreview._typing import FloatArray

__all__ = ["Coefficient", "Interval", "MetaResult", "Prediction"]

# measures whose model scale is a logarithm (estimates are exponentiated when reported)
_LOG_MEASURES = frozenset({"RR", "OR", "PETO", "ROM", "IRR", "PLN", "IRLN", "VR", "CVR", "MNLN", "CVLN"})


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided interval; ``to_list()`` gives ``[lower, upper]`` as in the JSON contract."""

    lower: float
    upper: float

    def to_list(self) -> list[float]:
        return [self.lower, self.upper]

    def __contains__(self, value: float) -> bool:
        return self.lower <= value <= self.upper


@dataclass(frozen=True, slots=True, kw_only=True)
class Coefficient:
    """One model coefficient (``intrcpt`` for the intercept) with its Wald/t inference."""

    name: str
    estimate: float
    se: float
    statistic: float
    pvalue: float
    ci_lower: float
    ci_upper: float

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class MetaResult:
    """A fitted meta-analysis (common-effect, random-effects, meta-regression, Mantel–Haenszel or Peto).

    All estimates are on the model scale (log for ratio measures, Fisher z for ZCOR); ``summary()`` adds the
    back-transformed values. Fields that do not apply to a model are ``None`` (e.g. ``tau2_se`` for FE,
    the pooled ``estimate`` of a meta-regression with moderators, which reports ``coefficients`` instead).
    """

    # settings
    measure: str | None
    method: str
    test: str
    level: float
    # data (read-only copies)
    k: int
    p: int
    study: tuple[str, ...]
    yi: FloatArray
    vi: FloatArray
    weights: FloatArray  # percent, summing to 100
    # fixed effects
    coefficients: tuple[Coefficient, ...]
    estimate: float | None
    se: float | None
    statistic: float | None
    pvalue: float | None
    ci_lower: float | None
    ci_upper: float | None
    df: float | None  # degrees of freedom of the t reference distribution (None under z)
    # heterogeneity
    tau2: float
    tau2_se: float | None
    tau2_ci: Interval | None
    I2: float | None  # percent
    I2_ci: Interval | None  # percent
    H2: float | None
    H2_ci: Interval | None
    Q: float | None
    Q_df: int | None
    Q_pvalue: float | None
    # prediction interval for a new study (intercept-only random-effects models)
    pi_lower: float | None
    pi_upper: float | None
    # omnibus test of moderators (meta-regression)
    moderators: tuple[str, ...] = ()
    QM: float | None = None
    QM_df: int | None = None
    QM_pvalue: float | None = None
    R2: float | None = None  # percent
    # model matrix (with the intercept column) and covariance of the coefficients, for predictions and refits
    X: FloatArray | None = None
    vcov: FloatArray | None = None
    # the user weights of a GENQ/GENQM fit (those of its generalised Q statistic, one per study; read-only copy),
    # for refits of subsets of the studies; None for the other methods
    user_weights: FloatArray | None = None
    # estimation diagnostics
    converged: bool = True
    iterations: int = 0
    notes: tuple[str, ...] = field(default=())

    # ------------------------------------------------------------------ views
    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: metafor names, intervals as ``[lower, upper]``, per-study rows."""
        out: dict[str, Any] = {
            "measure": self.measure,
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "k": self.k,
            "estimate": self.estimate,
            "se": self.se,
            "statistic": self.statistic,
            "pvalue": self.pvalue,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "df": self.df,
            "tau2": self.tau2,
            "tau2_se": self.tau2_se,
            "tau2_ci": _interval(self.tau2_ci),
            "I2": self.I2,
            "I2_ci": _interval(self.I2_ci),
            "H2": self.H2,
            "H2_ci": _interval(self.H2_ci),
            "Q": self.Q,
            "Q_df": self.Q_df,
            "Q_pvalue": self.Q_pvalue,
            "pi_lower": self.pi_lower,
            "pi_upper": self.pi_upper,
            "converged": self.converged,
        }
        if self.p > 1 or self.moderators:
            out["coefficients"] = [c.to_dict() for c in self.coefficients]
            out["QM"] = self.QM
            out["QM_df"] = self.QM_df
            out["QM_pvalue"] = self.QM_pvalue
            out["R2"] = self.R2
        out["studies"] = [
            {"study": s, "yi": float(y), "vi": float(v), "weight": float(w)}
            for s, y, v, w in zip(self.study, self.yi, self.vi, self.weights, strict=True)
        ]
        if self.notes:
            out["notes"] = list(self.notes)
        return {key: _plain(value) for key, value in out.items()}

    def predict(self, newmods: Any = None, *, level: float | None = None) -> Prediction:
        """Predicted (average) effects with confidence and prediction intervals.

        ``newmods``: values of the moderators (without the intercept), shape ``(m,)`` for one point or ``(n, m)``;
        ``None`` predicts at the intercept alone (the pooled effect of an intercept-only model). The intervals use
        the result's test (normal quantile under ``z``, t(k − p) otherwise) and, by default, its level. The
        prediction interval adds τ² to the variance of the prediction (Riley et al. 2011; metafor's ``predict``).
        """
        if self.vcov is None or self.X is None:
            raise ValueError(f"{self.method} results carry no coefficient covariance to predict from")
        lev = self.level if level is None else (level / 100.0 if level > 1.0 else level)
        has_intercept = bool(self.coefficients and self.coefficients[0].name == "intrcpt")
        beta = np.array([c.estimate for c in self.coefficients], dtype=np.float64)
        if newmods is None:
            if not has_intercept:
                raise ValueError("a model without intercept needs newmods to predict")
            x = np.zeros((1, self.p))
            x[0, 0] = 1.0
        else:
            m = np.atleast_2d(np.asarray(newmods, dtype=np.float64))
            if m.shape[0] == 1 and m.shape[1] != self.p - int(has_intercept) and self.p - int(has_intercept) == 1:
                m = m.T  # a vector of values for the single moderator
            expected = self.p - int(has_intercept)
            if m.shape[1] != expected:
                raise ValueError(f"newmods needs {expected} column(s) (one per moderator), got {m.shape[1]}")
            x = np.column_stack([np.ones(m.shape[0]), m]) if has_intercept else m
        pred = x @ beta
        se = np.sqrt(np.einsum("ni,ij,nj->n", x, self.vcov, x))
        alpha = 1.0 - lev
        crit = float(norm_ppf(1 - alpha / 2) if self.df is None else t_ppf(1 - alpha / 2, self.df))
        pi_se = np.sqrt(se**2 + self.tau2)
        return Prediction(
            pred=pred,
            se=se,
            ci_lower=pred - crit * se,
            ci_upper=pred + crit * se,
            pi_lower=pred - crit * pi_se,
            pi_upper=pred + crit * pi_se,
            level=lev,
        )

    def summary(self) -> str:
        """A metafor-like text block (with back-transformed estimates for ratio measures)."""
        lines: list[str] = []
        model = _model_name(self.method, self.p)
        lines.append(f"{model} (k = {self.k}; tau^2 estimator: {self.method})")
        lines.append("")
        if self.tau2_se is not None or self.method not in {"FE", "EE", "CE", "MH", "PETO"}:
            tau2_se = f" (SE = {_fmt(self.tau2_se)})" if self.tau2_se is not None else ""
            lines.append(f"tau^2 (estimated amount of total heterogeneity): {_fmt(self.tau2)}{tau2_se}")
            lines.append(f"tau (square root of estimated tau^2 value):      {_fmt(math.sqrt(self.tau2))}")
        if self.I2 is not None:
            lines.append(f"I^2 (total heterogeneity / total variability):   {self.I2:.2f}%")
        if self.H2 is not None:
            lines.append(f"H^2 (total variability / sampling variability):  {self.H2:.2f}")
        if self.Q is not None:
            lines.append("")
            lines.append("Test for Heterogeneity:")
            lines.append(f"Q(df = {self.Q_df}) = {self.Q:.4f}, p-val {_fmt_p(self.Q_pvalue)}")
        if self.QM is not None:
            lines.append("")
            lines.append("Test of Moderators:")
            ref = "F" if self.test in {"knha", "t", "adhoc"} else "QM"
            lines.append(f"{ref}(df = {self.QM_df}) = {self.QM:.4f}, p-val {_fmt_p(self.QM_pvalue)}")
        lines.append("")
        lines.append("Model Results:")
        lines.append("")
        stat = "tval" if self.df is not None else "zval"
        header = f"{'':>10} {'estimate':>10} {'se':>10} {stat:>10} {'pval':>10} {'ci.lb':>10} {'ci.ub':>10}"
        lines.append(header)
        for c in self.coefficients:
            lines.append(
                f"{c.name:>10} {c.estimate:>10.4f} {c.se:>10.4f} {c.statistic:>10.4f} "
                f"{_fmt_p(c.pvalue, bare=True):>10} {c.ci_lower:>10.4f} {c.ci_upper:>10.4f}"
            )
        if self.df is not None:
            lines.append(f"(t reference distribution, df = {_fmt(self.df)}; test = {self.test})")
        if self.estimate is not None and self.pi_lower is not None:
            lines.append("")
            lines.append(f"Prediction interval ({self.level:.0%}): {_fmt(self.pi_lower)} to {_fmt(self.pi_upper)}")
        if self.measure in _LOG_MEASURES and self.estimate is not None:
            lines.append("")
            lines.append(f"Back-transformed ({self.measure}, exp):")
            lines.append(
                f"  estimate {_fmt(math.exp(self.estimate))}"
                f"  {self.level:.0%} CI {_fmt(_exp(self.ci_lower))} to {_fmt(_exp(self.ci_upper))}"
                + (
                    f"  PI {_fmt(_exp(self.pi_lower))} to {_fmt(_exp(self.pi_upper))}"
                    if self.pi_lower is not None
                    else ""
                )
            )
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    """Predicted effects (model scale) with confidence and prediction intervals, one entry per prediction point."""

    pred: FloatArray
    se: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    pi_lower: FloatArray
    pi_upper: FloatArray
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "pred": self.pred.tolist(),
            "se": self.se.tolist(),
            "ci_lower": self.ci_lower.tolist(),
            "ci_upper": self.ci_upper.tolist(),
            "pi_lower": self.pi_lower.tolist(),
            "pi_upper": self.pi_upper.tolist(),
            "level": self.level,
        }


def _model_name(method: str, p: int) -> str:
    if method in {"FE", "EE", "CE"}:
        return "Common-Effect Model" if p == 1 else "Common-Effects Meta-Regression Model"
    if method == "MH":
        return "Common-Effect Model (Mantel-Haenszel method)"
    if method == "PETO":
        return "Common-Effect Model (Peto's method)"
    return "Random-Effects Model" if p == 1 else "Mixed-Effects Meta-Regression Model"


def _interval(value: Interval | None) -> list[float] | None:
    return None if value is None else value.to_list()


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python ones and non-finite floats to None, recursively (JSON-safe)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _exp(x: float | None) -> float | None:
    return None if x is None else math.exp(x)


def _fmt(x: float | None) -> str:
    if x is None:
        return "NA"
    return f"{x:.4f}"


def _fmt_p(p: float | None, *, bare: bool = False) -> str:
    if p is None:
        return "NA"
    if p < 1e-4:
        return "<.0001" if bare else "< .0001"
    return f"{p:.4f}" if bare else f"= {p:.4f}"
