"""escalc: per-study effect sizes and sampling variances from study-level data, and their result type."""

from __future__ import annotations

import math
import numbers
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from sysreview._typing import ArrayLike, BoolArray, FloatArray
from sysreview.effects import _binary, _continuous, _correlation, _prepost, _proportion, _rates
from sysreview.effects._columns import check_not_above, check_range, first_row, read_columns
from sysreview.effects._kernel import Kernel
from sysreview.effects._measures import COUNT_FAMILIES, MEASURES, TWO_GROUP_COUNT_FAMILIES, Measure
from sysreview.errors import InputError

__all__ = ["TO_CHOICES", "EffectSizes", "escalc"]

#: which studies receive the continuity correction ``add`` (metafor's ``to``)
TO_CHOICES: Final = ("only0", "all", "if0all", "none")

_KERNELS: dict[str, Kernel] = {
    **_binary.KERNELS,
    **_continuous.KERNELS,
    **_correlation.KERNELS,
    **_proportion.KERNELS,
    **_rates.KERNELS,
    **_prepost.KERNELS,
}


def _read_only(name: str, values: ArrayLike) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    if array.ndim != 1:
        raise InputError(f"must be one-dimensional, got shape {array.shape}", column=name)
    array.flags.writeable = False
    return array


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class EffectSizes:
    """Per-study effect sizes ``yi`` and sampling variances ``vi`` for one measure.

    Studies whose effect cannot be estimated (a missing value, a zero count without correction, …) keep
    their place with NaN ``yi`` and ``vi``, and ``notes`` says why; nothing is dropped.

    Attributes
    ----------
    measure : str
        The measure's code (a key of :data:`~sysreview.effects.MEASURES`, or ``"GEN"`` for generic effects).
    yi : ndarray of float64, read-only
        Effect sizes on the model scale (log for RR, OR, PETO, ROM, IRR, PLN, IRLN; logit for PLO; Fisher z
        for ZCOR; see :attr:`Measure.scale`).
    vi : ndarray of float64, read-only
        Sampling variances of ``yi``.
    ni : ndarray of float64, read-only
        Total sample size of each study (both groups), NaN where it has no meaning (person-time measures)
        or is unknown. Left empty at construction, it is filled with NaN.
    notes : tuple of (str or None)
        One entry per study: what was done to it (a continuity correction) or why it has no estimate;
        ``None`` when there is nothing to say. Left empty at construction, it is filled with ``None``.
    """

    measure: str
    yi: FloatArray
    vi: FloatArray
    ni: FloatArray = field(default_factory=lambda: np.empty(0))
    notes: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        yi = _read_only("yi", self.yi)
        vi = _read_only("vi", self.vi)
        k = yi.shape[0]
        if vi.shape[0] != k:
            raise InputError(f"has {vi.shape[0]} values but 'yi' has {k}", column="vi")
        ni = _read_only("ni", self.ni) if np.size(self.ni) else _read_only("ni", np.full(k, np.nan))
        if ni.shape[0] != k:
            raise InputError(f"has {ni.shape[0]} values but 'yi' has {k}", column="ni")
        notes = tuple(self.notes) if self.notes else (None,) * k
        if len(notes) != k:
            raise InputError(f"has {len(notes)} entries but 'yi' has {k}", column="notes")
        object.__setattr__(self, "yi", yi)
        object.__setattr__(self, "vi", vi)
        object.__setattr__(self, "ni", ni)
        object.__setattr__(self, "notes", notes)

    @property
    def k(self) -> int:
        """Number of studies (estimable or not)."""
        return int(self.yi.shape[0])

    def __len__(self) -> int:
        return self.k

    @property
    def sei(self) -> FloatArray:
        """Standard errors ``√vi``."""
        with np.errstate(invalid="ignore"):
            return np.sqrt(self.vi)

    @property
    def estimable(self) -> BoolArray:
        """``True`` for studies with finite ``yi`` and ``vi``."""
        return np.isfinite(self.yi) & np.isfinite(self.vi)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: lists of numbers, with ``None`` where a value is NaN."""
        return {
            "measure": self.measure,
            "k": self.k,
            "yi": [_json_number(float(v)) for v in self.yi],
            "vi": [_json_number(float(v)) for v in self.vi],
            "sei": [_json_number(float(v)) for v in self.sei],
            "ni": [_json_number(float(v)) for v in self.ni],
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------------- options
def _check_measure(measure: object) -> Measure:
    if isinstance(measure, str) and measure in MEASURES:
        return MEASURES[measure]
    hint = ""
    if isinstance(measure, str) and measure.upper() in MEASURES:
        hint = f" (codes are upper case: {measure.upper()!r})"
    raise InputError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}{hint}")


def _check_options(info: Measure, *, add: float | None, to: object, drop00: object, vtype: object) -> float:
    """Check the options against the measure; return the amount to add to zero counts."""
    if not isinstance(to, str) or to not in TO_CHOICES:
        raise InputError(f"to must be one of {', '.join(TO_CHOICES)}; got {to!r}")
    if not isinstance(drop00, bool):
        raise InputError(f"drop00 must be True or False; got {drop00!r}")
    if not isinstance(vtype, str) or vtype not in info.vtypes:
        raise InputError(f"vtype for measure {info.code} must be one of {', '.join(info.vtypes)}; got {vtype!r}")
    counts = info.family in COUNT_FAMILIES
    if add is not None and not counts:
        raise InputError(f"add applies to measures computed from counts; measure {info.code} has none")
    if to != "only0" and not counts:
        raise InputError(f"to applies to measures computed from counts; measure {info.code} has none")
    if drop00 and info.family not in TWO_GROUP_COUNT_FAMILIES:
        two_group = ", ".join(code for code, m in MEASURES.items() if m.family in TWO_GROUP_COUNT_FAMILIES)
        raise InputError(f"drop00 applies to two-group count measures ({two_group}); not to {info.code}")
    if add is None:
        return info.default_add
    if isinstance(add, bool) or not isinstance(add, numbers.Real) or not math.isfinite(add) or add < 0:
        raise InputError(f"add must be a number of zero or more; got {add!r}")
    return float(add)


def _pick_layout(info: Measure, given: Mapping[str, object]) -> tuple[str, ...]:
    unused = sorted(set(given) - info.accepted)
    if unused:
        raise InputError(
            f"is not used by measure {info.code} ({info.name}), which needs {info.describe_columns()}",
            column=unused[0],
        )
    for layout in info.layouts:
        if all(name in given for name in layout):
            return layout
    closest = min(info.layouts, key=lambda layout: sum(name not in given for name in layout))
    missing = [name for name in closest if name not in given]
    raise InputError(
        f"is missing: measure {info.code} ({info.name}) needs {info.describe_columns()}",
        column=missing[0],
    )


# ---------------------------------------------------------------------------------------------- layouts
def _normalise(info: Measure, columns: dict[str, FloatArray]) -> None:
    """Bring alternative layouts to the one the kernels read (in place), checking that totals agree."""
    if info.family == "two_by_two":
        for events, other, size in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
            if size not in columns:
                continue
            check_not_above(columns, events, size)
            derived = columns[size] - columns[events]
            if other in columns:
                clash = ~np.isclose(columns[other], derived) & ~np.isnan(columns[other]) & ~np.isnan(derived)
                if clash.any():
                    row = first_row(clash)
                    raise InputError(
                        f"{events} + {other} = {columns[events][row - 1] + columns[other][row - 1]:g} "
                        f"but {size} = {columns[size][row - 1]:g}",
                        row=row,
                        column=size,
                    )
            columns[other] = derived
    elif info.family == "proportion":
        if "ni" in columns:
            check_not_above(columns, "xi", "ni")
            if "mi" in columns:
                clash = ~np.isclose(columns["xi"] + columns["mi"], columns["ni"]) & ~np.isnan(columns["ni"])
                clash &= ~np.isnan(columns["xi"] + columns["mi"])
                if clash.any():
                    raise InputError("must equal xi + mi", row=first_row(clash), column="ni")
        else:
            columns["ni"] = columns["xi"] + columns["mi"]


def _sample_size(info: Measure, columns: Mapping[str, FloatArray], k: int) -> FloatArray:
    if info.family == "two_by_two":
        return columns["ai"] + columns["bi"] + columns["ci"] + columns["di"]
    if info.family == "two_means":
        return columns["n1i"] + columns["n2i"]
    if info.family in {"correlation", "proportion", "pre_post"}:
        return columns["ni"].copy()
    return np.full(k, np.nan)


# ---------------------------------------------------------------------------------------------- zero counts
def _double_zero(info: Measure, c: Mapping[str, FloatArray]) -> BoolArray:
    """Studies with no events (or only events) in both groups: ``drop00`` gives them no estimate."""
    if info.family == "two_by_two":
        no_events = (c["ai"] == 0) & (c["ci"] == 0)
        all_events = (c["bi"] == 0) & (c["di"] == 0)
        return no_events | all_events
    return (c["x1i"] == 0) & (c["x2i"] == 0)


def _zero_count(info: Measure, c: Mapping[str, FloatArray]) -> BoolArray:
    """Studies with a zero cell/count that ``to="only0"`` corrects."""
    if info.family == "two_by_two":
        return (c["ai"] == 0) | (c["bi"] == 0) | (c["ci"] == 0) | (c["di"] == 0)
    if info.family == "proportion":
        return (c["xi"] == 0) | (c["xi"] == c["ni"])
    if info.family == "incidence":
        return c["xi"] == 0
    return (c["x1i"] == 0) | (c["x2i"] == 0)


def _add(info: Measure, c: dict[str, FloatArray], where: BoolArray, amount: float) -> None:
    """Add ``amount`` to every cell (events and non-events) of the studies in ``where`` (in place)."""
    if info.family == "two_by_two":
        names: tuple[str, ...] = ("ai", "bi", "ci", "di")
    elif info.family == "proportion":
        # events and non-events each get ``amount``: the total grows by twice that
        c["ni"] = c["ni"] + np.where(where, 2 * amount, 0.0)
        names = ("xi",)
    elif info.family == "incidence":
        names = ("xi",)
    else:
        names = ("x1i", "x2i")
    for name in names:
        c[name] = c[name] + np.where(where, amount, 0.0)


# ---------------------------------------------------------------------------------------------- escalc
def escalc(
    measure: str,
    *,
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    x1i: ArrayLike | None = None,
    x2i: ArrayLike | None = None,
    t1i: ArrayLike | None = None,
    t2i: ArrayLike | None = None,
    m1i: ArrayLike | None = None,
    m2i: ArrayLike | None = None,
    sd1i: ArrayLike | None = None,
    sd2i: ArrayLike | None = None,
    xi: ArrayLike | None = None,
    mi: ArrayLike | None = None,
    ri: ArrayLike | None = None,
    ti: ArrayLike | None = None,
    ni: ArrayLike | None = None,
    add: float | None = None,
    to: str = "only0",
    drop00: bool = False,
    vtype: str = "LS",
) -> EffectSizes:
    """Effect sizes and sampling variances from study-level data, as R metafor's ``escalc``.

    Parameters
    ----------
    measure : str
        metafor's code of the measure; :data:`~sysreview.effects.MEASURES` lists them with the columns each
        needs (e.g. ``"OR"``: ``ai bi ci di`` or ``ai n1i ci n2i``; ``"SMD"``: ``n1i m1i sd1i n2i m2i sd2i``).
    ai, bi, ci, di : array_like, optional
        2×2 table: events and non-events in group 1 (``ai``, ``bi``) and group 2 (``ci``, ``di``).
    n1i, n2i : array_like, optional
        Group sizes (2×2 tables given as ``ai n1i ci n2i``, and two-group means).
    x1i, t1i, x2i, t2i : array_like, optional
        Events and person-time in two groups (IRR, IRD).
    m1i, sd1i, m2i, sd2i : array_like, optional
        Means and standard deviations of two groups, or of one group at two times (pre–post measures).
    xi, mi, ni : array_like, optional
        Events, non-events and size of one group (proportions); ``xi`` with ``ti`` for incidence rates;
        ``ni`` is also the sample size of correlations and of pre–post measures.
    ri : array_like, optional
        Correlations (COR, ZCOR) or the pre–post correlation (MC, SMCC, SMCR).
    ti : array_like, optional
        Person-time of one group (IR, IRLN).
    add : float, optional
        Amount added to zero counts; ``None`` takes the measure's default (1/2, or 0 for AS, PAS and PFT,
        which need no correction — metafor's defaults). Only for measures computed from counts.
    to : {"only0", "all", "if0all", "none"}
        Which studies get ``add``: those with a zero cell (default), all, all if any has a zero cell, none.
        In a 2×2 table every cell gets ``add``; for a proportion both events and non-events do; for rates
        the event counts do.
    drop00 : bool
        Give no estimate (NaN, with a note) to two-group count studies with no events in both groups (or,
        for 2×2 tables, only events in both groups). Default False, as metafor.
    vtype : str
        Variance estimator: ``"LS"`` (large-sample, default) for every measure; also ``"HO"`` for MD
        (pooled variance) and ``"UB"`` for SMD (Hedges' unbiased estimate).

    Returns
    -------
    EffectSizes
        ``yi``, ``vi`` (NaN with a note for studies that are not estimable), ``ni`` and per-study ``notes``.

    Raises
    ------
    InputError
        An unknown measure or option (the message lists the choices); a missing, unused or unequal-length
        column; an impossible value (negative count, size ≤ 0, SD < 0, |r| > 1, person-time ≤ 0, events
        above the group size), naming the 1-based row and the column. Missing values (``None``/NaN) are not
        errors: their studies get NaN and a note.

    Notes
    -----
    A single number given for a column is used for every study (e.g. an assumed pre–post ``ri=0.5``).
    The measures' formulas are documented, with their sources, on the kernels in ``_binary``,
    ``_continuous``, ``_correlation``, ``_proportion``, ``_rates`` and ``_prepost``.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of Statistical
    Software 36(3):1–48 (the conventions and defaults followed here).
    Sweeting MJ, Sutton AJ, Lambert PC (2004). What to add to nothing? Use and avoidance of continuity
    corrections in meta-analysis of sparse data. Statistics in Medicine 23:1351–1375.
    """
    info = _check_measure(measure)
    amount = _check_options(info, add=add, to=to, drop00=drop00, vtype=vtype)
    candidates = {
        "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i, "x1i": x1i, "x2i": x2i,
        "t1i": t1i, "t2i": t2i, "m1i": m1i, "m2i": m2i, "sd1i": sd1i, "sd2i": sd2i, "xi": xi, "mi": mi,
        "ri": ri, "ti": ti, "ni": ni,
    }  # fmt: skip
    given = {name: value for name, value in candidates.items() if value is not None}
    layout = _pick_layout(info, given)
    # every given column is read and checked, also those of a second layout (their totals must agree)
    columns, k = read_columns(given)
    check_range(columns)
    _normalise(info, columns)

    notes: defaultdict[int, list[str]] = defaultdict(list)  # only studies with something to say
    absent = {name: np.isnan(columns[name]) for name in layout}
    missing = np.logical_or.reduce(list(absent.values())) if absent else np.zeros(k, dtype=bool)
    for index in np.flatnonzero(missing).tolist():
        names = ", ".join(name for name in layout if absent[name][index])
        notes[index].append(f"missing value in {names}")
    sample_size = _sample_size(info, columns, k)

    dropped = np.zeros(k, dtype=bool)
    if drop00:
        dropped = _double_zero(info, columns) & ~missing
        for index in np.flatnonzero(dropped).tolist():
            notes[index].append("no events (or only events) in both groups: dropped (drop00=True)")
    if info.family in COUNT_FAMILIES and amount > 0 and to != "none":
        zero = _zero_count(info, columns) & ~missing & ~dropped
        if to == "all":
            corrected = ~missing & ~dropped
        elif to == "if0all":
            corrected = (~missing & ~dropped) if zero.any() else zero
        else:
            corrected = zero
        _add(info, columns, corrected, amount)
        why = {"only0": "a zero count", "all": "to='all'", "if0all": "a zero count in some study (to='if0all')"}[to]
        for index in np.flatnonzero(corrected).tolist():
            notes[index].append(f"{amount:g} added to each count ({why})")

    raw = _KERNELS[info.code](columns, vtype)
    yi = np.asarray(raw.yi, dtype=np.float64).copy()
    vi = np.asarray(raw.vi, dtype=np.float64).copy()
    unusable = ~(np.isfinite(yi) & np.isfinite(vi)) & ~missing & ~dropped
    for index in np.flatnonzero(unusable).tolist():
        reason = next((text for mask, text in raw.reasons if mask[index]), "the effect size is not finite")
        notes[index].append("not estimable: " + reason)
    for index in np.flatnonzero(np.isfinite(vi) & (vi <= 0) & ~unusable).tolist():
        notes[index].append("sampling variance is zero")
    blank = missing | dropped | unusable
    yi[blank] = np.nan
    vi[blank] = np.nan
    return EffectSizes(
        measure=info.code,
        yi=yi,
        vi=vi,
        ni=sample_size,
        notes=tuple("; ".join(notes[index]) if index in notes else None for index in range(k)),
    )
