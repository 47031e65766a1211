"""Subgroup analysis: separate random-effects fits per subgroup with the test for subgroup differences, and the
common-τ² alternative through meta-regression on the subgroup factor."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sysreview._distributions import chi2_sf
from sysreview._typing import ArrayLike, FloatArray
from sysreview.errors import InputError
from sysreview.models._results import MetaResult, _plain
from sysreview.models._rma import Control, rma

__all__ = ["SubgroupResult", "dummy_code", "factor_levels", "subgroup_analysis"]


def factor_levels(values: Sequence[Any]) -> list[str]:
    """The distinct levels of a factor in R's order, so that the reference level (the first) is R's.

    All-numeric levels sort as numbers (R's ``factor()`` of a numeric column). Text levels sort as R sorts
    strings under its ICU collation: punctuation and symbols before digits before letters, letters compared
    without case and accents first, then lower case before upper case (``"<400"`` before ``"400"``,
    ``"Psychotoninf"`` before ``"PsychotoninM"``).
    """
    labels = {str(v) for v in values}
    numbers = {}
    for label in labels:
        try:
            numbers[label] = float(label)
        except ValueError:
            break
    else:
        return sorted(labels, key=lambda label: (numbers[label], label))
    return sorted(labels, key=_collation_key)


def _collation_key(text: str) -> tuple[list[tuple[int, str]], list[int], str]:
    primary: list[tuple[int, str]] = []
    tertiary: list[int] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            continue  # accents differ only at a lower level
        if char.isalpha():
            primary.append((2, char.casefold()))
            tertiary.append(0 if char.islower() else 1)
        elif char.isdigit():
            primary.append((1, char))
            tertiary.append(0)
        else:
            primary.append((0, char))
            tertiary.append(0)
    return primary, tertiary, text


def dummy_code(name: str, values: Sequence[Any]) -> tuple[FloatArray, list[str]]:
    """Treatment (dummy) coding of a factor: the first level in R's order (:func:`factor_levels`) is the
    reference, the columns are named ``name + level`` as in R (``allocrandom``)."""
    labels = [str(v) for v in values]
    levels = factor_levels(labels)
    if len(levels) < 2:
        raise InputError(f"moderator {name!r} has a single level ({levels[0] if levels else 'none'})", column=name)
    columns = [[1.0 if lab == level else 0.0 for lab in labels] for level in levels[1:]]
    return np.array(columns, dtype=np.float64).T, [f"{name}{level}" for level in levels[1:]]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupResult:
    """Per-subgroup fits (levels with k ≥ 2), the fixed-effect test of the subgroup estimates (as RevMan reports
    it: Q_between on the subgroup estimates and their standard errors, df = number of subgroups − 1), and the
    omnibus moderator test of the meta-regression on the subgroup factor with a common τ²."""

    variable: str
    subgroups: dict[str, MetaResult]
    single_study_levels: tuple[str, ...]
    Q_between: float | None
    Q_between_df: int | None
    Q_between_pvalue: float | None
    moderator_test: MetaResult | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "variable": self.variable,
            "subgroups": {
                level: {
                    "k": r.k,
                    "estimate": r.estimate,
                    "se": r.se,
                    "statistic": r.statistic,
                    "pvalue": r.pvalue,
                    "ci_lower": r.ci_lower,
                    "ci_upper": r.ci_upper,
                    "tau2": r.tau2,
                    "I2": r.I2,
                    "H2": r.H2,
                    "Q": r.Q,
                    "Q_df": r.Q_df,
                    "Q_pvalue": r.Q_pvalue,
                    "pi_lower": r.pi_lower,
                    "pi_upper": r.pi_upper,
                }
                for level, r in self.subgroups.items()
            },
            "single_study_levels": list(self.single_study_levels),
            "Q_between": self.Q_between,
            "Q_between_df": self.Q_between_df,
            "Q_between_pvalue": self.Q_between_pvalue,
            "moderator_test": None
            if self.moderator_test is None
            else {
                "QM": self.moderator_test.QM,
                "QM_df": self.moderator_test.QM_df,
                "QM_pvalue": self.moderator_test.QM_pvalue,
                "tau2": self.moderator_test.tau2,
                "R2": self.moderator_test.R2,
            },
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return {key: _plain(value) for key, value in out.items()}


def subgroup_analysis(
    yi: ArrayLike,
    vi: ArrayLike,
    subgroup: Sequence[Any],
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    measure: str | None = None,
    study: Sequence[str] | None = None,
    variable: str = "subgroup",
    control: Control | None = None,
) -> SubgroupResult:
    """Fit the model separately in every subgroup and test for subgroup differences.

    The test for subgroup differences follows Borenstein et al. (2009, ch. 19) and RevMan: the subgroup
    estimates θ̂_g with variances SE_g² are compared by ``Q_between = Σ (θ̂_g − θ̄)²/SE_g²`` (θ̄ their
    inverse-variance weighted mean) against χ²(G − 1). Subgroups with a single study have no τ² of their own
    and are listed in ``single_study_levels`` (not in the test). The alternative with a common τ² is the
    omnibus test of the meta-regression on the subgroup factor (``moderator_test``).

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    Meta-Analysis*, chapter 19. Wiley.
    Deeks, J. J., Higgins, J. P. T., & Altman, D. G. (2023). Analysing data and undertaking meta-analyses.
    *Cochrane Handbook*, section 10.11.3.1.
    """
    y = np.asarray(yi, dtype=np.float64)
    v = np.asarray(vi, dtype=np.float64)
    groups = [str(g) for g in subgroup]
    if len(groups) != y.size or v.size != y.size:
        raise InputError(f"{variable} has {len(groups)} values for {y.size} studies", column=variable)
    labels = [str(i + 1) for i in range(y.size)] if study is None else [str(s) for s in study]
    levels = factor_levels(groups)
    fits: dict[str, MetaResult] = {}
    singles: list[str] = []
    notes: list[str] = []
    for lev in levels:
        idx = [i for i, g in enumerate(groups) if g == lev]
        if len(idx) < 2:
            singles.append(lev)
            continue
        fits[lev] = rma(
            y[idx],
            v[idx],
            method=method,
            test=test,
            level=level,
            measure=measure,
            study=[labels[i] for i in idx],
            control=control,
        )
    if singles:
        notes.append(
            "subgroups with a single study are not pooled nor part of the test for subgroup differences: "
            + ", ".join(singles)
        )
    Q_between = Q_df = Q_p = None
    if len(fits) == 1:
        # a single pooled subgroup: nothing to compare (the common-effect test of one estimate: Q = 0, df = 0,
        # p = 1, as metafor reports it)
        Q_between, Q_df, Q_p = 0.0, 0, 1.0
        notes.append("only one subgroup has two or more studies; there is no test for subgroup differences")
    elif len(fits) >= 2:
        est = np.array([r.estimate for r in fits.values()], dtype=np.float64)
        se = np.array([r.se for r in fits.values()], dtype=np.float64)
        w = 1.0 / se**2
        mean = float(np.sum(w * est) / np.sum(w))
        Q_between = float(np.sum(w * (est - mean) ** 2))
        Q_df = len(fits) - 1
        Q_p = float(chi2_sf(Q_between, Q_df))
    moderator = None
    if len(levels) >= 2:
        M, names = dummy_code(variable, groups)
        moderator = rma(
            y,
            v,
            mods=M,
            mod_names=names,
            method=method,
            test=test,
            level=level,
            measure=measure,
            study=labels,
            control=control,
        )
    return SubgroupResult(
        variable=variable,
        subgroups=fits,
        single_study_levels=tuple(singles),
        Q_between=Q_between,
        Q_between_df=Q_df,
        Q_between_pvalue=Q_p,
        moderator_test=moderator,
        notes=tuple(notes),
    )
