"""Mantel–Haenszel and Peto common-effect pooling of 2×2 (and person-time) data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sysreview._distributions import chi2_sf, norm_ppf, norm_sf
from sysreview._typing import ArrayLike, BoolArray, FloatArray
from sysreview.errors import InputError
from sysreview.models._checks import check_level
from sysreview.models._results import Coefficient, MetaResult

__all__ = ["ChiSquareTest", "MHTests", "mh_tests", "rma_mh", "rma_peto"]

#: outcome measures of the Mantel–Haenszel method (2×2 tables, then person-time data)
MH_MEASURES = ("OR", "RR", "RD", "IRR", "IRD")
_TWO_BY_TWO = ("OR", "RR", "RD")
#: which studies get ``add`` in their cells when computing the per-study yi/vi (metafor's codes)
TO_CHOICES = ("only0", "all", "if0all", "none")
#: what to do with a study that has a missing (None/NaN) count
MISSING_CHOICES = ("omit", "raise")

_MEASURE_NAMES = {
    "OR": "odds ratio",
    "RR": "risk ratio",
    "RD": "risk difference",
    "IRR": "incidence rate ratio",
    "IRD": "incidence rate difference",
    "PETO": "Peto odds ratio",
}


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True, kw_only=True)
class ChiSquareTest:
    """A chi-square test: ``statistic`` referred to chi²(``df``), upper-tail ``pvalue``."""

    statistic: float
    df: int
    pvalue: float

    def to_dict(self) -> dict[str, float | int]:
        return {"statistic": self.statistic, "df": self.df, "pvalue": self.pvalue}


@dataclass(frozen=True, slots=True, kw_only=True)
class MHTests:
    """Tests that accompany a Mantel–Haenszel analysis (see :func:`mh_tests`).

    ``cmh`` is the Cochran–Mantel–Haenszel test of no association (common OR = 1, or IRR = 1 for
    person-time data), with Yates's continuity correction when ``correct`` is true. ``breslow_day`` and
    ``tarone`` test the homogeneity of the odds ratios (2×2 data only; ``None`` for person-time data or when
    the Mantel–Haenszel odds ratio is 0 or infinite). A test is ``None`` where it is undefined (e.g. no
    table with variation).
    """

    k: int
    correct: bool
    cmh: ChiSquareTest | None
    breslow_day: ChiSquareTest | None
    tarone: ChiSquareTest | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view; a test that is undefined is ``None``."""
        out: dict[str, Any] = {"k": self.k, "correct": self.correct}
        for name in ("cmh", "breslow_day", "tarone"):
            test = getattr(self, name)
            out[name] = None if test is None else test.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        return out


# ---------------------------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class _Data:
    """Validated studies: counts as float columns of length k, labels, 1-based input rows, notes."""

    columns: dict[str, FloatArray]
    study: tuple[str, ...]
    rows: tuple[int, ...]
    notes: tuple[str, ...]


def _choice(name: str, value: object, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name} must be one of {listed}, got {value!r}")
    return value


def _check_level(level: object) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float):
        raise InputError(f"level must be a number (0.95 or 95), got {level!r}")
    return check_level(float(level))


def _check_add(add: object) -> float:
    if isinstance(add, bool) or not isinstance(add, int | float) or not (math.isfinite(add) and add >= 0):
        raise InputError(f"add must be a finite number >= 0, got {add!r}")
    return float(add)


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _column(name: str, value: ArrayLike | None) -> FloatArray:
    """One data column as a 1-D float array (None becomes NaN); non-numbers raise with their row."""
    if value is None:
        raise InputError("missing data column", column=name)
    if isinstance(value, str | bytes):
        raise InputError("must be a sequence of numbers, got a string", column=name)
    try:
        out = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        # element by element: None and pandas' NA are missing values; anything else must be a number
        items = np.asarray(value, dtype=object)
        if items.ndim != 1:
            raise InputError(f"must be one-dimensional, got shape {items.shape}", column=name) from None
        out = np.empty(items.shape[0], dtype=np.float64)
        for i, item in enumerate(items):
            if item is None or type(item).__name__ in {"NAType", "NaTType"}:
                out[i] = np.nan
                continue
            try:
                out[i] = float(item)
            except (TypeError, ValueError):
                raise InputError(f"must be a number, got {item!r}", row=i + 1, column=name) from None
    if out.ndim != 1:
        raise InputError(f"must be one-dimensional, got shape {out.shape}", column=name)
    return out


def _labels(study: ArrayLike | None, n: int) -> list[str]:
    if study is None:
        return [str(i + 1) for i in range(n)]
    if isinstance(study, str | bytes):
        raise InputError("must be a sequence of labels, one per study, got a string", column="study")
    labels = [str(s) for s in np.asarray(study, dtype=object).ravel()]
    if len(labels) != n:
        raise InputError(f"has {len(labels)} labels but there are {n} studies", column="study")
    return labels


def _rows_text(rows: Sequence[int], labels: Sequence[str]) -> str:
    return ", ".join(f"{r} ({lab!r})" for r, lab in zip(rows, labels, strict=True))


def _read_data(
    given: dict[str, ArrayLike | None],
    *,
    form: str,
    study: ArrayLike | None,
    missing: str,
) -> _Data:
    """Check the data columns of one form (``"2x2"`` or ``"person-time"``) and drop incomplete studies.

    2×2 tables come as ``ai, ci`` plus either ``bi, di`` or the group sizes ``n1i, n2i``; the result always
    holds ``ai bi ci di``. Person-time data come as ``x1i t1i x2i t2i``.
    """
    if form == "2x2":
        other = [name for name in ("x1i", "t1i", "x2i", "t2i") if given.get(name) is not None]
        if other:
            raise InputError(
                f"2x2 measures take ai, bi, ci, di (or ai, n1i, ci, n2i); got person-time column(s) {other}"
            )
        wanted: list[str] = ["ai", "ci"]
        for cell, size in (("bi", "n1i"), ("di", "n2i")):
            has_cell, has_size = given.get(cell) is not None, given.get(size) is not None
            if has_cell == has_size:
                raise InputError(f"give exactly one of {cell} and {size} (got {'both' if has_cell else 'neither'})")
            wanted.append(cell if has_cell else size)
        missing_cols = [name for name in ("ai", "ci") if given.get(name) is None]
    else:
        other = [name for name in ("ai", "bi", "ci", "di", "n1i", "n2i") if given.get(name) is not None]
        if other:
            raise InputError(f"person-time measures take x1i, t1i, x2i, t2i; got 2x2 column(s) {other}")
        wanted = ["x1i", "t1i", "x2i", "t2i"]
        missing_cols = [name for name in wanted if given.get(name) is None]
    if missing_cols:
        raise InputError(f"missing data column(s) {missing_cols}")

    cols = {name: _column(name, given[name]) for name in wanted}
    first = wanted[0]
    n = cols[first].shape[0]
    for name, col in cols.items():
        if col.shape[0] != n:
            raise InputError(f"has length {col.shape[0]} but {first!r} has length {n}", column=name)
    labels = _labels(study, n)
    if n == 0:
        raise InputError("no studies: the data columns are empty (k = 0)")

    # missing values: a study with any missing count is omitted (and said so), or raises
    incomplete = np.zeros(n, dtype=bool)
    for col in cols.values():
        incomplete |= np.isnan(col)
    if missing == "raise" and incomplete.any():
        i = int(np.flatnonzero(incomplete)[0])
        name = next(nm for nm, col in cols.items() if np.isnan(col[i]))
        raise InputError("missing value (missing='raise')", row=i + 1, column=name)
    keep = ~incomplete
    notes: list[str] = []
    if incomplete.any():
        rows = [int(i) + 1 for i in np.flatnonzero(incomplete)]
        notes.append(
            f"{len(rows)} {'study' if len(rows) == 1 else 'studies'} omitted for missing data: "
            + _rows_text(rows, [labels[r - 1] for r in rows])
        )
    if not keep.any():
        raise InputError("no studies: every study has a missing value (k = 0)")

    # values: finite, non-negative; events within group sizes; positive person-time
    for name, col in cols.items():
        bad = keep & ~np.isfinite(col)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"must be finite, got {col[i]}", row=i + 1, column=name)
        limit_positive = name in ("t1i", "t2i")
        bad = keep & ((col <= 0) if limit_positive else (col < 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            rule = "must be positive" if limit_positive else "must be non-negative"
            raise InputError(f"{rule}, got {col[i]:g}", row=i + 1, column=name)

    out: dict[str, FloatArray]
    if form == "2x2":
        out = {"ai": cols["ai"], "ci": cols["ci"]}
        for event, cell, size in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
            if cell in cols:
                out[cell] = cols[cell]
                group = cols[event] + cols[cell]
                empty = keep & (group <= 0)
                if empty.any():
                    i = int(np.flatnonzero(empty)[0])
                    raise InputError(f"the group has no participants ({event} + {cell} = 0)", row=i + 1, column=cell)
            else:
                over = keep & (cols[event] > cols[size])
                if over.any():
                    i = int(np.flatnonzero(over)[0])
                    raise InputError(
                        f"{event} = {cols[event][i]:g} events exceed {size} = {cols[size][i]:g}",
                        row=i + 1,
                        column=event,
                    )
                empty = keep & (cols[size] <= 0)
                if empty.any():
                    i = int(np.flatnonzero(empty)[0])
                    raise InputError("the group has no participants", row=i + 1, column=size)
                out[cell] = cols[size] - cols[event]
        out = {name: out[name] for name in ("ai", "bi", "ci", "di")}
    else:
        out = cols
    idx = np.flatnonzero(keep)
    return _Data(
        columns={name: np.ascontiguousarray(col[idx]) for name, col in out.items()},
        study=tuple(labels[i] for i in idx),
        rows=tuple(int(i) + 1 for i in idx),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------- kernels
#
# Every kernel works on a batch of B analyses padded to K studies: arrays of shape (B, K) and a boolean
# ``mask`` (B, K) that marks the real studies. Padded cells may hold anything finite; they are replaced by a
# harmless table and left out of every sum. One analysis is a batch of one.


def _pad_safe(mask: BoolArray, *arrays: FloatArray) -> list[FloatArray]:
    """Arrays with padded cells set to 1 (so that no denominator is 0 there)."""
    return [np.where(mask, x, 1.0) for x in arrays]


def _masked_sum(x: FloatArray, mask: BoolArray) -> FloatArray:
    out: FloatArray = np.sum(np.where(mask, x, 0.0), axis=-1)
    return out


def _mh_two_by_two(
    ai: FloatArray, bi: FloatArray, ci: FloatArray, di: FloatArray, mask: BoolArray, *, measure: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mantel–Haenszel estimate, its variance, and the per-study MH weights, per analysis.

    Odds ratio (Mantel & Haenszel, 1959) with the variance of Robins, Breslow & Greenland (1986); risk
    ratio with the variance of Greenland & Robins (1985); risk difference with the variance of Sato,
    Greenland & Robins (1989). Ratios are returned on the log scale. The estimate is NaN where it is not
    finite (a ratio of 0 or infinity).
    """
    a, b, c, d = _pad_safe(mask, ai, bi, ci, di)
    n1 = a + b
    n2 = c + d
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            r = a * d / n
            s = b * c / n
            p = (a + d) / n
            q = (b + c) / n
            sum_r = _masked_sum(r, mask)
            sum_s = _masked_sum(s, mask)
            est = np.log(sum_r / sum_s)
            var = (
                _masked_sum(p * r, mask) / (2.0 * sum_r**2)
                + _masked_sum(p * s + q * r, mask) / (2.0 * sum_r * sum_s)
                + _masked_sum(q * s, mask) / (2.0 * sum_s**2)
            )
            weight = s
        elif measure == "RR":
            r = a * n2 / n
            s = c * n1 / n
            sum_r = _masked_sum(r, mask)
            sum_s = _masked_sum(s, mask)
            est = np.log(sum_r / sum_s)
            var = _masked_sum((n1 * n2 * (a + c) - a * c * n) / n**2, mask) / (sum_r * sum_s)
            weight = s
        elif measure == "RD":
            w = n1 * n2 / n
            sum_w = _masked_sum(w, mask)
            est = _masked_sum((a * n2 - c * n1) / n, mask) / sum_w
            # Sato, Greenland & Robins (1989): var = (RD·P + Q) / W², consistent in sparse and large strata
            p_term = _masked_sum((n1**2 * c - n2**2 * a + n1 * n2 * (n2 - n1) / 2.0) / n**2, mask)
            q_term = _masked_sum((a * (n2 - c) + c * (n1 - a)) / (2.0 * n), mask)
            var = (est * p_term + q_term) / sum_w**2
            weight = w
        else:  # pragma: no cover - guarded at the public boundary
            raise AssertionError(measure)
    est = np.where(np.isfinite(est), est, np.nan)
    return est, var, np.where(mask, weight, 0.0)


def _mh_person_time(
    x1i: FloatArray, t1i: FloatArray, x2i: FloatArray, t2i: FloatArray, mask: BoolArray, *, measure: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mantel–Haenszel incidence rate ratio (log scale) or difference, its variance and weights.

    Estimators and variances of Greenland & Robins (1985).
    """
    x1, t1, x2, t2 = _pad_safe(mask, x1i, t1i, x2i, t2i)
    t = t1 + t2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "IRR":
            r = x1 * t2 / t
            s = x2 * t1 / t
            sum_r = _masked_sum(r, mask)
            sum_s = _masked_sum(s, mask)
            est = np.log(sum_r / sum_s)
            var = _masked_sum(t1 * t2 * (x1 + x2) / t**2, mask) / (sum_r * sum_s)
            weight = s
        elif measure == "IRD":
            w = t1 * t2 / t
            sum_w = _masked_sum(w, mask)
            est = _masked_sum((x1 * t2 - x2 * t1) / t, mask) / sum_w
            var = _masked_sum(w**2 * (x1 / t1**2 + x2 / t2**2), mask) / sum_w**2
            weight = w
        else:  # pragma: no cover - guarded at the public boundary
            raise AssertionError(measure)
    est = np.where(np.isfinite(est), est, np.nan)
    return est, var, np.where(mask, weight, 0.0)


def _peto_parts(
    ai: FloatArray, bi: FloatArray, ci: FloatArray, di: FloatArray, mask: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Per-study observed minus expected events in group 1 (``O − E``) and its hypergeometric variance ``V``.

    Yusuf et al. (1985): ``E = n1·m1/N``, ``V = m1·m2·n1·n2 / (N²·(N − 1))`` with ``m1 = a + c`` events and
    ``m2 = b + d`` non-events. Padded cells and tables of one participant get ``O − E = V = 0``.
    """
    a, b, c, d = _pad_safe(mask, ai, bi, ci, di)
    n1 = a + b
    n2 = c + d
    n = n1 + n2
    m1 = a + c
    m2 = b + d
    with np.errstate(divide="ignore", invalid="ignore"):
        o_minus_e = a - n1 * m1 / n
        v = m1 * m2 * n1 * n2 / (n**2 * (n - 1.0))
    ok = mask & np.isfinite(v)
    return np.where(ok, o_minus_e, 0.0), np.where(ok, v, 0.0)


def _escalc_two_by_two(
    ai: FloatArray,
    bi: FloatArray,
    ci: FloatArray,
    di: FloatArray,
    mask: BoolArray,
    *,
    measure: str,
    add: float,
    to: str,
    drop00: bool,
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
    """Per-study ``yi, vi`` of a 2×2 measure (OR, RR, RD, PETO) with the usual zero-cell rule.

    ``add`` goes into every cell of the studies chosen by ``to`` ("only0": studies with a zero cell;
    "if0all": all studies if any has a zero cell; "all"; "none") (Haldane, 1956; Gart & Zweifel, 1967).
    With ``drop00`` a study with no events, or only events, in both groups gets ``yi = vi = NaN``.
    Variances: log OR, Woolf (1955); log RR, Katz et al. (1978); RD, the binomial large-sample variance;
    Peto log OR, ``1/V`` with ``yi = (O − E)/V`` (Yusuf et al., 1985). Returns ``yi, vi`` (NaN where not
    finite), the studies that received ``add`` and the studies dropped by ``drop00``.
    """
    dropped = mask & drop00 & (((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0)))
    zero = mask & ~dropped & ((ai == 0) | (bi == 0) | (ci == 0) | (di == 0))
    if to == "all":
        corrected = mask & ~dropped
    elif to == "only0":
        corrected = zero
    elif to == "if0all":
        corrected = mask & ~dropped & zero.any(axis=-1, keepdims=True)
    else:
        corrected = np.zeros_like(mask)
    if add == 0.0:
        corrected = np.zeros_like(mask)
    shift = np.where(corrected, add, 0.0)
    a, b, c, d = _pad_safe(mask, ai + shift, bi + shift, ci + shift, di + shift)
    n1 = a + b
    n2 = c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            yi = np.log(a * d / (b * c))
            vi = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
        elif measure == "RR":
            yi = np.log(a / n1) - np.log(c / n2)
            vi = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2
        elif measure == "RD":
            p1 = a / n1
            p2 = c / n2
            yi = p1 - p2
            vi = p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2
        elif measure == "PETO":
            o_minus_e, v = _peto_parts(a, b, c, d, mask)
            yi = o_minus_e / v
            vi = 1.0 / v
        else:  # pragma: no cover - guarded at the public boundary
            raise AssertionError(measure)
    valid = mask & ~dropped & np.isfinite(yi) & np.isfinite(vi) & (vi > 0)
    return np.where(valid, yi, np.nan), np.where(valid, vi, np.nan), corrected, dropped


def _escalc_person_time(
    x1i: FloatArray,
    t1i: FloatArray,
    x2i: FloatArray,
    t2i: FloatArray,
    mask: BoolArray,
    *,
    measure: str,
    add: float,
    to: str,
    drop00: bool,
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
    """Per-study ``yi, vi`` of IRR (log scale) or IRD; ``add`` goes into the event counts (not the times).

    Variances: log IRR, ``1/x1 + 1/x2``; IRD, ``x1/t1² + x2/t2²`` (Rothman, Greenland & Lash, 2008, ch. 14).
    """
    dropped = mask & drop00 & (x1i == 0) & (x2i == 0)
    zero = mask & ~dropped & ((x1i == 0) | (x2i == 0))
    if to == "all":
        corrected = mask & ~dropped
    elif to == "only0":
        corrected = zero
    elif to == "if0all":
        corrected = mask & ~dropped & zero.any(axis=-1, keepdims=True)
    else:
        corrected = np.zeros_like(mask)
    if add == 0.0:
        corrected = np.zeros_like(mask)
    shift = np.where(corrected, add, 0.0)
    x1, t1, x2, t2 = _pad_safe(mask, x1i + shift, t1i, x2i + shift, t2i)
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "IRR":
            yi = np.log(x1 / t1) - np.log(x2 / t2)
            vi = 1.0 / x1 + 1.0 / x2
        elif measure == "IRD":
            yi = x1 / t1 - x2 / t2
            vi = x1 / t1**2 + x2 / t2**2
        else:  # pragma: no cover - guarded at the public boundary
            raise AssertionError(measure)
    valid = mask & ~dropped & np.isfinite(yi) & np.isfinite(vi) & (vi > 0)
    return np.where(valid, yi, np.nan), np.where(valid, vi, np.nan), corrected, dropped


def _cochran_q(yi: FloatArray, vi: FloatArray, center: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Cochran's (1954) Q about a given pooled value, over the studies with a finite ``yi``; and its df."""
    ok = np.isfinite(yi) & np.isfinite(vi)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (yi - center[..., None]) ** 2 / vi
    q: FloatArray = np.sum(np.where(ok, terms, 0.0), axis=-1)
    df: FloatArray = np.sum(ok, axis=-1).astype(np.float64) - 1.0
    return q, df


# ---------------------------------------------------------------------------------------------- assembly


def _one(x: FloatArray) -> FloatArray:
    """A 1-D column as a batch of one (shape ``(1, k)``)."""
    return x[None, :]


def _heterogeneity(q: float, df: int) -> tuple[float | None, int | None, float | None, float | None, float | None]:
    """Q, its df and p-value, I² (percent; Higgins & Thompson, 2002) and H²; all None when df < 1."""
    if df < 1 or not math.isfinite(q):
        return None, None, None, None, None
    pvalue = float(chi2_sf(q, df))
    i2 = 100.0 * max(0.0, (q - df) / q) if q > 0 else 0.0
    return q, df, pvalue, i2, q / df


def _build_result(
    *,
    data: _Data,
    measure: str,
    method: str,
    level: float,
    estimate: float,
    variance: float,
    yi: FloatArray,
    vi: FloatArray,
    weights: FloatArray,
    q: float,
    q_df: int,
    notes: list[str],
) -> MetaResult:
    name = _MEASURE_NAMES[measure]
    if not math.isfinite(estimate):
        raise InputError(
            f"the {'Mantel–Haenszel' if method == 'MH' else 'Peto'} {name} is not estimable from these "
            "data (it would be 0 or infinite: no events, or no non-events, in one of the groups "
            "across all studies)"
        )
    if not (math.isfinite(variance) and variance > 0):
        raise InputError(
            f"the variance of the pooled {name} is {variance!r}: the data carry no information about it "
            "(e.g. no events in any study)"
        )
    se = math.sqrt(variance)
    z = estimate / se
    pvalue = float(2.0 * norm_sf(abs(z)))
    crit = float(norm_ppf(0.5 + level / 2.0))
    ci_lower = estimate - crit * se
    ci_upper = estimate + crit * se
    if q_df < 1:
        notes.append("no heterogeneity test: fewer than 2 studies have a per-study estimate")
    Q, Q_df, Q_pvalue, I2, H2 = _heterogeneity(q, q_df)
    total = float(np.sum(weights))
    weights_pct = np.asarray(100.0 * weights / total, dtype=np.float64)
    for arr in (yi, vi, weights_pct):
        arr.setflags(write=False)
    return MetaResult(
        measure=measure,
        method=method,
        test="z",
        level=level,
        k=len(data.study),
        p=1,
        study=data.study,
        yi=yi,
        vi=vi,
        weights=weights_pct,
        coefficients=(
            Coefficient(
                name="intrcpt",
                estimate=estimate,
                se=se,
                statistic=z,
                pvalue=pvalue,
                ci_lower=ci_lower,
                ci_upper=ci_upper,
            ),
        ),
        estimate=estimate,
        se=se,
        statistic=z,
        pvalue=pvalue,
        ci_lower=ci_lower,
        ci_upper=ci_upper,
        df=None,
        tau2=0.0,
        tau2_se=None,
        tau2_ci=None,
        I2=I2,
        I2_ci=None,
        H2=H2,
        H2_ci=None,
        Q=Q,
        Q_df=Q_df,
        Q_pvalue=Q_pvalue,
        pi_lower=None,
        pi_upper=None,
        notes=tuple(notes),
    )


def _zero_notes(
    data: _Data,
    *,
    corrected: BoolArray,
    dropped: BoolArray,
    no_yi: BoolArray,
    no_weight: BoolArray,
    add: float,
    to: str,
    what: str,
) -> list[str]:
    """Say which studies had their cells corrected, lost their yi/vi, or carry no weight."""
    notes: list[str] = []

    def rows(sel: BoolArray) -> str:
        idx = np.flatnonzero(sel)
        return _rows_text([data.rows[i] for i in idx], [data.study[i] for i in idx])

    def count(sel: BoolArray) -> str:
        n = int(sel.sum())
        return f"{n} {'study' if n == 1 else 'studies'}"

    if corrected.any():
        notes.append(
            f"{add:g} added to every {what} of {count(corrected)} (to={to!r}) for the per-study yi/vi only; "
            f"the pooled estimate uses the raw counts: rows {rows(corrected)}"
        )
    if dropped.any():
        notes.append(
            f"{count(dropped)} with no events, or only events, in both groups have no yi/vi (drop00=True) "
            f"and are not part of Q: rows {rows(dropped)}"
        )
    other = no_yi & ~dropped
    if other.any():
        notes.append(f"{count(other)} have no finite yi/vi (a zero count left uncorrected): rows {rows(other)}")
    if no_weight.any():
        notes.append(f"{count(no_weight)} contribute nothing to the pooled estimate: rows {rows(no_weight)}")
    return notes


# ---------------------------------------------------------------------------------------------- public API


def rma_mh(
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    *,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    x1i: ArrayLike | None = None,
    t1i: ArrayLike | None = None,
    x2i: ArrayLike | None = None,
    t2i: ArrayLike | None = None,
    measure: str = "OR",
    level: float = 0.95,
    study: ArrayLike | None = None,
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = True,
    missing: str = "omit",
) -> MetaResult:
    """Common-effect meta-analysis of 2×2 tables or person-time data by the Mantel–Haenszel method.

    Parameters
    ----------
    ai, bi, ci, di
        2×2 table counts per study: events and non-events in group 1 (``ai``, ``bi``) and group 2
        (``ci``, ``di``). Instead of ``bi``/``di`` the group sizes ``n1i``/``n2i`` may be given.
    n1i, n2i
        Group sizes (alternative to ``bi``, ``di``).
    x1i, t1i, x2i, t2i
        Person-time data (events and total person-time per group) for ``measure="IRR"`` or ``"IRD"``.
    measure
        ``"OR"`` (odds ratio), ``"RR"`` (risk ratio), ``"RD"`` (risk difference), ``"IRR"`` (incidence
        rate ratio) or ``"IRD"`` (incidence rate difference). Ratios are pooled on the log scale.
    level
        Confidence level of the Wald interval, strictly between 0 and 1.
    study
        Study labels (default: the 1-based data rows).
    add, to, drop00
        Zero-cell rule for the per-study ``yi``/``vi`` only (reported, and used for Q): ``add`` goes into
        the cells of the studies chosen by ``to`` (``"only0"``, ``"all"``, ``"if0all"``, ``"none"``);
        with ``drop00`` studies with no events (or only events) in both groups get no ``yi``/``vi``.
        The pooled estimate always uses the raw counts.
    missing
        ``"omit"`` (default) leaves out a study with a missing (None/NaN) count and says so in ``notes``;
        ``"raise"`` raises :class:`~sysreview.errors.InputError`.

    Returns
    -------
    MetaResult
        ``method="MH"``, ``test="z"``, ``tau2=0``. ``weights`` are the Mantel–Haenszel weights in percent
        (``bi·ci/Ni`` for OR, ``ci·n1i/Ni`` for RR, ``n1i·n2i/Ni`` for RD, ``x2i·t1i/Ti`` for IRR,
        ``t1i·t2i/Ti`` for IRD). ``Q`` is Cochran's statistic of the per-study ``yi`` with inverse-variance
        weights about the Mantel–Haenszel estimate, on ``k_yi − 1`` df (studies with a ``yi``), as in
        metafor; ``I2 = 100·max(0, (Q − df)/Q)``, ``H2 = Q/df``.

    Raises
    ------
    InputError
        Bad options; missing, mismatched, negative or non-finite data; events exceeding group sizes; an
        empty group; no studies; a pooled estimate that is 0/infinite or has no variance.

    Notes
    -----
    Studies with no events in both groups contribute nothing to the MH OR and RR (their MH terms are 0);
    they do contribute to the RD. Which studies were corrected, dropped from Q or carry no weight is listed
    in ``notes``.

    References
    ----------
    Mantel, N., & Haenszel, W. (1959). Statistical aspects of the analysis of data from retrospective
    studies of disease. *Journal of the National Cancer Institute*, 22, 719–748.

    Robins, J., Breslow, N., & Greenland, S. (1986). Estimators of the Mantel–Haenszel variance consistent
    in both sparse data and large-strata limiting models. *Biometrics*, 42, 311–323.

    Greenland, S., & Robins, J. M. (1985). Estimation of a common effect parameter from sparse follow-up
    data. *Biometrics*, 41, 55–68.

    Sato, T., Greenland, S., & Robins, J. M. (1989). On the variance estimator for the Mantel–Haenszel risk
    difference. *Biometrics*, 45, 1323–1324.

    Cochran, W. G. (1954). The combination of estimates from different experiments. *Biometrics*, 10,
    101–129.

    Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis. *Statistics
    in Medicine*, 21, 1539–1558.
    """
    measure = _choice("measure", measure, MH_MEASURES)
    level = _check_level(level)
    add = _check_add(add)
    to = _choice("to", to, TO_CHOICES)
    drop00 = _check_bool("drop00", drop00)
    missing = _choice("missing", missing, MISSING_CHOICES)
    given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    given |= {"x1i": x1i, "t1i": t1i, "x2i": x2i, "t2i": t2i}
    form = "2x2" if measure in _TWO_BY_TWO else "person-time"
    data = _read_data(given, form=form, study=study, missing=missing)

    cols = {name: _one(col) for name, col in data.columns.items()}
    mask = np.ones_like(next(iter(cols.values())), dtype=bool)
    if form == "2x2":
        a, b, c, d = cols["ai"], cols["bi"], cols["ci"], cols["di"]
        est, var, weights = _mh_two_by_two(a, b, c, d, mask, measure=measure)
        yi, vi, corrected, dropped = _escalc_two_by_two(
            a, b, c, d, mask, measure=measure, add=add, to=to, drop00=drop00
        )
        what = "cell"
    else:
        x1, t1, x2, t2 = cols["x1i"], cols["t1i"], cols["x2i"], cols["t2i"]
        est, var, weights = _mh_person_time(x1, t1, x2, t2, mask, measure=measure)
        yi, vi, corrected, dropped = _escalc_person_time(
            x1, t1, x2, t2, mask, measure=measure, add=add, to=to, drop00=drop00
        )
        what = "event count"
    q, q_df = _cochran_q(yi, vi, est)
    # studies whose Mantel–Haenszel terms are all zero (the display weight alone can be 0 for a study that
    # still enters the numerator, e.g. bi·ci = 0 < ai·di for the OR)
    if measure == "OR":
        enters = cols["ai"] * cols["di"] + cols["bi"] * cols["ci"] > 0
    elif measure == "RR":
        enters = cols["ai"] + cols["ci"] > 0
    elif measure == "IRR":
        enters = cols["x1i"] + cols["x2i"] > 0
    else:
        enters = mask
    notes = list(data.notes)
    notes += _zero_notes(
        data,
        corrected=corrected[0],
        dropped=dropped[0],
        no_yi=~np.isfinite(yi[0]),
        no_weight=~enters[0],
        add=add,
        to=to,
        what=what,
    )
    return _build_result(
        data=data,
        measure=measure,
        method="MH",
        level=level,
        estimate=float(est[0]),
        variance=float(var[0]),
        yi=np.array(yi[0]),
        vi=np.array(vi[0]),
        weights=np.array(weights[0]),
        q=float(q[0]),
        q_df=int(q_df[0]),
        notes=notes,
    )


def rma_peto(
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    *,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    level: float = 0.95,
    study: ArrayLike | None = None,
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = True,
    missing: str = "omit",
) -> MetaResult:
    """Common-effect meta-analysis of 2×2 tables by Peto's one-step odds ratio (Yusuf et al., 1985).

    Per study, ``O − E = ai − n1i·m1i/Ni`` and ``V = m1i·m2i·n1i·n2i / (Ni²·(Ni − 1))`` (hypergeometric
    mean and variance of ``ai`` given the margins, ``m1i = ai + ci``, ``m2i = bi + di``). The pooled log odds
    ratio is ``Σ(O − E) / ΣV`` with standard error ``1/√ΣV``.

    Parameters
    ----------
    ai, bi, ci, di, n1i, n2i, level, study, add, to, drop00, missing
        As in :func:`rma_mh` (``add``, ``to``, ``drop00`` shape only the per-study ``yi``/``vi``).

    Returns
    -------
    MetaResult
        ``measure="PETO"``, ``method="PETO"``, ``test="z"``, ``tau2=0``; ``weights`` are ``V`` in percent.
        ``Q`` is Peto's heterogeneity statistic ``Σ(O − E)²/V − (Σ(O − E))²/ΣV`` from the raw counts, over
        the studies with ``V > 0`` (df = their number − 1), as metafor reports it; it equals Cochran's Q of
        ``(O − E)/V`` with weights ``V``. ``yi``/``vi`` are the per-study Peto log odds ratios
        ``(O − E)/V`` and ``1/V`` after the zero-cell rule.

    Raises
    ------
    InputError
        As :func:`rma_mh`; also when ``ΣV = 0`` (no study with both events and non-events).

    References
    ----------
    Yusuf, S., Peto, R., Lewis, J., Collins, R., & Sleight, P. (1985). Beta blockade during and after
    myocardial infarction: An overview of the randomized trials. *Progress in Cardiovascular Diseases*, 27,
    335–371.

    Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis. *Statistics
    in Medicine*, 21, 1539–1558.
    """
    level = _check_level(level)
    add = _check_add(add)
    to = _choice("to", to, TO_CHOICES)
    drop00 = _check_bool("drop00", drop00)
    missing = _choice("missing", missing, MISSING_CHOICES)
    given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    data = _read_data(given, form="2x2", study=study, missing=missing)
    a, b, c, d = (_one(data.columns[name]) for name in ("ai", "bi", "ci", "di"))
    mask = np.ones_like(a, dtype=bool)

    o_minus_e, v = _peto_parts(a, b, c, d, mask)
    sum_v = np.sum(v, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.sum(o_minus_e, axis=-1) / sum_v
        var = 1.0 / sum_v
    # Peto's heterogeneity statistic Σ(O − E)²/V − (Σ(O − E))²/ΣV is Cochran's Q of (O − E)/V with weights V
    # about the pooled value; the centred form avoids the cancellation of the textbook form
    informative = v > 0
    safe_v = np.where(informative, v, 1.0)
    q, q_df = _cochran_q(
        np.where(informative, o_minus_e / safe_v, np.nan), np.where(informative, 1.0 / safe_v, np.nan), est
    )
    yi, vi, corrected, dropped = _escalc_two_by_two(a, b, c, d, mask, measure="PETO", add=add, to=to, drop00=drop00)
    notes = list(data.notes)
    notes += _zero_notes(
        data,
        corrected=corrected[0],
        dropped=dropped[0],
        no_yi=~np.isfinite(yi[0]),
        no_weight=~informative[0],
        add=add,
        to=to,
        what="cell",
    )
    if not informative.all():
        notes.append("Q is computed from the raw counts over the studies with V > 0")
    return _build_result(
        data=data,
        measure="PETO",
        method="PETO",
        level=level,
        estimate=float(est[0]),
        variance=float(var[0]),
        yi=np.array(yi[0]),
        vi=np.array(vi[0]),
        weights=np.array(v[0]),
        q=float(q[0]),
        q_df=int(q_df[0]),
        notes=notes,
    )


def mh_tests(
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    *,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    x1i: ArrayLike | None = None,
    t1i: ArrayLike | None = None,
    x2i: ArrayLike | None = None,
    t2i: ArrayLike | None = None,
    correct: bool = True,
    study: ArrayLike | None = None,
    missing: str = "omit",
) -> MHTests:
    """Cochran–Mantel–Haenszel test of no association and Breslow–Day/Tarone tests of homogeneous odds ratios.

    For 2×2 tables: ``CMH = (|Σ(ai − Ei)| − c)² / ΣVi`` with ``Ei = n1i·m1i/Ni`` and the hypergeometric
    variance ``Vi = n1i·n2i·m1i·m2i / (Ni²·(Ni − 1))`` (chi² on 1 df), where ``c = 1/2`` when ``correct``
    and ``|Σ(ai − Ei)| ≥ 1/2``, else 0 (Mantel & Haenszel, 1959). The Breslow–Day statistic compares each
    ``ai`` with its expectation under the common Mantel–Haenszel odds ratio given the margins (the root of a
    quadratic in each table; Breslow & Day, 1980), over the tables with variable margins (df = their
    number − 1); ``tarone`` subtracts Tarone's (1985) correction ``(Σai − ΣÊi)² / ΣVar(ai)``.

    For person-time data (``x1i t1i x2i t2i``): the Mantel–Haenszel test of IRR = 1,
    ``(|Σ(x1i − Ei)| − c)² / ΣVi`` with ``Ei = (x1i + x2i)·t1i/Ti`` and ``Vi = (x1i + x2i)·t1i·t2i/Ti²``
    (Greenland & Robins, 1985); no homogeneity test.

    Parameters
    ----------
    ai, bi, ci, di, n1i, n2i, x1i, t1i, x2i, t2i, study, missing
        As in :func:`rma_mh`; the data form (2×2 or person-time) is taken from the columns given.
    correct
        Continuity correction of the CMH test (default True, as metafor and R's ``mantelhaen.test``).

    References
    ----------
    Mantel, N., & Haenszel, W. (1959). Statistical aspects of the analysis of data from retrospective
    studies of disease. *Journal of the National Cancer Institute*, 22, 719–748.

    Breslow, N. E., & Day, N. E. (1980). *Statistical Methods in Cancer Research, Vol. I: The Analysis of
    Case-Control Studies*. IARC Scientific Publications No. 32, section 4.4.

    Tarone, R. E. (1985). On heterogeneity tests based on efficient scores. *Biometrika*, 72, 91–95.

    Greenland, S., & Robins, J. M. (1985). Estimation of a common effect parameter from sparse follow-up
    data. *Biometrics*, 41, 55–68.
    """
    correct = _check_bool("correct", correct)
    missing = _choice("missing", missing, MISSING_CHOICES)
    given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    given |= {"x1i": x1i, "t1i": t1i, "x2i": x2i, "t2i": t2i}
    person_time = any(given[name] is not None for name in ("x1i", "t1i", "x2i", "t2i"))
    data = _read_data(given, form="person-time" if person_time else "2x2", study=study, missing=missing)
    notes = list(data.notes)
    k = len(data.study)
    if person_time:
        x1, t1, x2, t2 = (data.columns[name] for name in ("x1i", "t1i", "x2i", "t2i"))
        t = t1 + t2
        expected = (x1 + x2) * t1 / t
        variance = (x1 + x2) * t1 * t2 / t**2
        return MHTests(
            k=k,
            correct=correct,
            cmh=_cmh(float(np.sum(x1 - expected)), float(np.sum(variance)), correct),
            breslow_day=None,
            tarone=None,
            notes=tuple(notes),
        )

    a, b, c, d = (data.columns[name] for name in ("ai", "bi", "ci", "di"))
    o_minus_e, v = _peto_parts(_one(a), _one(b), _one(c), _one(d), np.ones((1, k), dtype=bool))
    cmh = _cmh(float(np.sum(o_minus_e)), float(np.sum(v)), correct)
    if cmh is None:
        notes.append("no CMH test: no table has both events and non-events")
    est, _, _ = _mh_two_by_two(_one(a), _one(b), _one(c), _one(d), np.ones((1, k), dtype=bool), measure="OR")
    psi = math.exp(float(est[0])) if math.isfinite(float(est[0])) else math.nan
    breslow_day, tarone = _breslow_day(a, b, c, d, psi)
    if breslow_day is None:
        notes.append(
            "no Breslow–Day test: it needs a finite, positive Mantel–Haenszel odds ratio and at least 2 "
            "tables with variable margins"
        )
    return MHTests(k=k, correct=correct, cmh=cmh, breslow_day=breslow_day, tarone=tarone, notes=tuple(notes))


def _cmh(o_minus_e: float, variance: float, correct: bool) -> ChiSquareTest | None:
    if not variance > 0:
        return None
    shift = 0.5 if correct and abs(o_minus_e) >= 0.5 else 0.0
    statistic = (abs(o_minus_e) - shift) ** 2 / variance
    return ChiSquareTest(statistic=statistic, df=1, pvalue=float(chi2_sf(statistic, 1)))


def _breslow_day(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray, psi: float
) -> tuple[ChiSquareTest | None, ChiSquareTest | None]:
    """Breslow–Day and Tarone-corrected statistics of odds-ratio homogeneity about ``psi``."""
    if not (math.isfinite(psi) and psi > 0):
        return None, None
    n1 = a + b
    n2 = c + d
    m1 = a + c
    lo = np.maximum(0.0, m1 - n2)
    hi = np.minimum(n1, m1)
    informative = hi > lo  # tables whose ai can vary given the margins
    if int(informative.sum()) < 2:
        return None, None
    n1, n2, m1, a = n1[informative], n2[informative], m1[informative], a[informative]
    lo, hi = lo[informative], hi[informative]
    # E(n2 − m1 + E) = ψ(n1 − E)(m1 − E)  ⇔  (1 − ψ)E² + (n2 − m1 + ψ(n1 + m1))E − ψ·n1·m1 = 0
    qa = 1.0 - psi
    qb = n2 - m1 + psi * (n1 + m1)
    qc = -psi * n1 * m1
    if qa == 0.0:
        expected = -qc / qb
    else:
        root = np.sqrt(qb**2 - 4.0 * qa * qc)
        half = -0.5 * (qb + np.copysign(root, qb))
        with np.errstate(divide="ignore", invalid="ignore"):
            r1 = half / qa
            r2 = qc / half
        tol = 1e-9 * np.maximum(1.0, hi)
        inside1 = (r1 >= lo - tol) & (r1 <= hi + tol)
        expected = np.where(inside1, r1, r2)
    expected = np.clip(expected, lo, hi)
    variance = 1.0 / (1.0 / expected + 1.0 / (n1 - expected) + 1.0 / (m1 - expected) + 1.0 / (n2 - m1 + expected))
    df = int(informative.sum()) - 1
    bd = float(np.sum((a - expected) ** 2 / variance))
    tarone = bd - float(np.sum(a - expected)) ** 2 / float(np.sum(variance))
    return (
        ChiSquareTest(statistic=bd, df=df, pvalue=float(chi2_sf(bd, df))),
        ChiSquareTest(statistic=tarone, df=df, pvalue=float(chi2_sf(tarone, df))),
    )
