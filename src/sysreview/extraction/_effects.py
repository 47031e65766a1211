"""From extraction data to effect sizes: whatever a study reported becomes ``yi``/``vi``, with the path recorded.

For each study with records of the outcome, :func:`effects_from_extraction` takes the intervention arm(s) and
the control arm(s) at one time point and works with what is there, in this order:

1. arm-level data: means and SDs (an SD from an SE, from a CI of the mean, or — with the mean — from the
   median and quartiles or range; change-score SDs from baseline and follow-up SDs with an assumed correlation),
   or events and participants (events from a percentage of *n*); several arms of one role are combined;
2. a comparison as reported (an estimate of the requested measure with its CI, SE or p-value).

Within-person designs (split-face: the form's ``within_person`` designs) are analysed as paired for MD and SMD,
with the correlation between the two sides taken from the data (a comparison's ``r`` or the study's
``within_person_r``) or else the stated, adjustable assumption ``within_person_r``. Every conversion and every
assumption is recorded on the study's row (``steps``, ``assumed``) and the assumption values on the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import numpy as np

from sysreview._typing import FloatArray
from sysreview.effects import (
    EffectSizes,
    change_sd,
    combine_groups,
    effects_from_reported,
    escalc,
    mean_sd_from_median,
    sd_from_ci,
    sd_from_se,
)
from sysreview.errors import InputError
from sysreview.extraction._data import BASELINE, Arm, Extraction, OutcomeRecord, Study
from sysreview.extraction._form import Form, OutcomeSpec
from sysreview.extraction._validate import parse_duration
from sysreview.extraction._values import Missing

__all__ = [
    "BASIS_CHOICES",
    "EFFECT_MEASURES",
    "Assumptions",
    "ExtractedEffects",
    "StudyEffect",
    "effects_from_extraction",
]

#: the measures each outcome family can be analysed with (the first is the default)
EFFECT_MEASURES: Final[Mapping[str, tuple[str, ...]]] = {
    "continuous": ("SMD", "MD", "SMDH", "ROM"),
    "dichotomous": ("RR", "OR", "RD"),
    "time-to-event": ("HR",),
}
#: which data of a continuous outcome to use: change from baseline, final values, or "auto" (see the function)
BASIS_CHOICES: Final = ("auto", "change", "final")
_RATIO: Final = frozenset({"RR", "OR", "HR", "ROM"})
_PAIRED: Final = frozenset({"MD", "SMD"})
_RecordKey = tuple[str, str, str | None, str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Assumptions:
    """The assumed values effect sizes may rest on; each study's row says which it used.

    Attributes
    ----------
    change_r : float
        Correlation between baseline and follow-up values, for a change-score SD from the baseline and follow-up
        SDs (Cochrane Handbook 6.5.2.8; 0.5 by default, as seed 001).
    within_person_r : float
        Correlation between the two conditions of a within-person (split-face) study, when the study gives none.
    paired : bool
        Analyse within-person designs as paired (True), or as independent groups (False, a sensitivity analysis:
        it ignores the correlation).
    """

    change_r: float = 0.5
    within_person_r: float = 0.5
    paired: bool = True

    def __post_init__(self) -> None:
        for name in ("change_r", "within_person_r"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= float(value) <= 1:
                raise InputError(f"{name} must be a correlation between -1 and 1; got {value!r}")
            object.__setattr__(self, name, float(value))
        if not isinstance(self.paired, bool):
            raise InputError(f"paired must be True or False; got {self.paired!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"change_r": self.change_r, "within_person_r": self.within_person_r, "paired": self.paired}


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyEffect:
    """One study's effect size and how it was obtained.

    ``yi``/``vi`` are NaN when the study's data give no estimate, and ``note`` says why. ``steps`` are the
    conversions in order, ``assumed`` the assumptions used (e.g. ``within_person_r = 0.5``), ``sources`` the
    provenance of the records used. ``n1``/``n2`` are the group sizes (for a paired analysis both are the
    number of participants).
    """

    study: str
    label: str | None
    timepoint: str | None
    basis: str | None
    paired: bool
    intervention: tuple[str, ...]
    control: tuple[str, ...]
    n1: float | None
    n2: float | None
    yi: float
    vi: float
    steps: tuple[str, ...]
    assumed: tuple[str, ...]
    sources: tuple[str, ...]
    note: str | None = None

    @property
    def sei(self) -> float:
        """Standard error ``√vi``."""
        return math.sqrt(self.vi) if math.isfinite(self.vi) and self.vi >= 0 else math.nan

    @property
    def estimable(self) -> bool:
        return math.isfinite(self.yi) and math.isfinite(self.vi)

    def to_dict(self) -> dict[str, Any]:
        def number(value: float | None) -> float | None:
            return value if value is not None and math.isfinite(value) else None

        return {
            "study": self.study,
            "label": self.label,
            "timepoint": self.timepoint,
            "basis": self.basis,
            "paired": self.paired,
            "intervention": list(self.intervention),
            "control": list(self.control),
            "n1": number(self.n1),
            "n2": number(self.n2),
            "yi": number(self.yi),
            "vi": number(self.vi),
            "sei": number(self.sei),
            "steps": list(self.steps),
            "assumed": list(self.assumed),
            "sources": list(self.sources),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractedEffects:
    """Effect sizes of one outcome for every study that has records of it, with the assumptions made.

    ``without`` lists the studies with no record of the outcome (they have no row).
    """

    outcome: str
    measure: str
    timepoint: str
    basis: str
    assumptions: Assumptions
    rows: tuple[StudyEffect, ...]
    without: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def k(self) -> int:
        return len(self.rows)

    @property
    def yi(self) -> FloatArray:
        return np.array([row.yi for row in self.rows], dtype=np.float64)

    @property
    def vi(self) -> FloatArray:
        return np.array([row.vi for row in self.rows], dtype=np.float64)

    @property
    def labels(self) -> list[str]:
        """Study labels for a model or plot: the label when there is one, else the study id."""
        return [row.label or row.study for row in self.rows]

    def effect_sizes(self) -> EffectSizes:
        """The rows as :class:`~sysreview.effects.EffectSizes` (for :func:`~sysreview.models.rma`)."""
        ni = [
            (row.n1 if row.paired else (row.n1 or math.nan) + (row.n2 or math.nan)) if row.n1 is not None else math.nan
            for row in self.rows
        ]
        return EffectSizes(
            measure=self.measure,
            yi=self.yi,
            vi=self.vi,
            ni=np.array(ni, dtype=np.float64),
            notes=tuple(row.note for row in self.rows),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "measure": self.measure,
            "timepoint": self.timepoint,
            "basis": self.basis,
            "assumptions": self.assumptions.to_dict(),
            "k": self.k,
            "estimable": sum(row.estimable for row in self.rows),
            "rows": [row.to_dict() for row in self.rows],
            "without": list(self.without),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------- the public function
def effects_from_extraction(
    data: Extraction,
    form: Form,
    outcome: str,
    *,
    measure: str | None = None,
    timepoint: str = "last",
    basis: str = "auto",
    change_r: float = 0.5,
    within_person_r: float = 0.5,
    paired: bool = True,
) -> ExtractedEffects:
    """Effect sizes (intervention vs control) of ``outcome`` for every study with records of it.

    Parameters
    ----------
    data, form
        The extraction and its form (the outcome's family and the within-person designs come from the form).
    outcome : str
        An outcome of the form.
    measure : str, optional
        SMD (default), MD, SMDH or ROM for continuous outcomes; RR (default), OR or RD for dichotomous ones;
        HR for time-to-event outcomes (from reported hazard ratios).
    timepoint : str
        The time point to analyse, or ``"last"`` (default): each study's latest (by the duration its label
        states, e.g. ``12 months``; else by the order of the outcome's time points in the form).
    basis : {"auto", "change", "final"}
        For continuous outcomes: change from baseline, or final values. ``"auto"`` takes change scores where
        every arm reports them with an SD (or SE, CI), else final values where every arm has them, else change
        scores derived from baseline and follow-up (with ``change_r``).
    change_r, within_person_r, paired
        The assumptions (see :class:`Assumptions`); reported on the result and on each row that uses them.

    Notes
    -----
    Parallel groups: ``escalc`` with the measure (SMD is Hedges' g). Within-person designs, paired:
    MD with variance ``(SD₁² + SD₂² − 2·r·SD₁·SD₂)/n`` (Cochrane Handbook 23.2.7.1); SMD as
    ``MD/√((SD₁² + SD₂²)/2)`` with ``SE = √(1/n + SMD²/(2n))·√(2(1 − r))`` (Handbook 23.2.7.2; Elbourne et al.
    2002), without a small-sample correction, as the Handbook. Binary outcomes of within-person designs are
    analysed as independent groups (a paired analysis needs the discordant pairs), which is conservative.

    References
    ----------
    Higgins JPT, Eldridge S, Li T (2019). Chapter 23: Including variants on randomized trials. Cochrane Handbook
    for Systematic Reviews of Interventions, version 6, sections 23.2.7 (cross-over and within-person designs)
    and 23.3.4 (combining groups). Worked example: Handbook version 5.1.0, section 16.4.6.4.
    Elbourne DR, Altman DG, Higgins JPT, Curtin F, Worthington HV, Vail A (2002). Meta-analyses involving
    cross-over trials: methodological issues. International Journal of Epidemiology 31:140–149.
    """
    spec = form.outcome(outcome)
    if spec is None:
        raise InputError(
            f"unknown outcome {outcome!r}; the form's outcomes are {', '.join(o.name for o in form.outcomes)}"
        )
    measures = EFFECT_MEASURES[spec.family]
    measure = measures[0] if measure is None else measure
    if measure not in measures:
        raise InputError(
            f"measure for the {spec.family} outcome {outcome} must be one of {', '.join(measures)}; got {measure!r}"
        )
    if basis not in BASIS_CHOICES:
        raise InputError(f"basis must be one of {', '.join(BASIS_CHOICES)}; got {basis!r}")
    if not isinstance(timepoint, str) or not timepoint.strip():
        raise InputError(f"timepoint must be a time point's label or 'last'; got {timepoint!r}")
    assumptions = Assumptions(change_r=change_r, within_person_r=within_person_r, paired=paired)
    options = {"measure": measure, "timepoint": timepoint.strip(), "basis": basis, "assumptions": assumptions}
    rows: list[StudyEffect] = []
    without: list[str] = []
    for study in data.studies:
        records = [r for r in study.outcomes if r.outcome == outcome]
        if not records:
            without.append(study.study)
            continue
        rows.append(_study_effect(study, records, spec, form, options))
    notes: list[str] = []
    bases = {row.basis for row in rows if row.estimable and row.basis is not None}
    if measure in {"SMD", "SMDH"} and len(bases) > 1:
        notes.append(
            "the SMDs mix change scores and final values, which standardise by different SDs "
            "(Cochrane Handbook 10.5.2); consider basis='change' or basis='final'"
        )
    return ExtractedEffects(
        outcome=outcome,
        measure=measure,
        timepoint=timepoint,
        basis=basis,
        assumptions=assumptions,
        rows=tuple(rows),
        without=tuple(without),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------- one study
class _NotEstimableError(Exception):
    """The study's data give no estimate; the message says why."""


@dataclass(slots=True)
class _Trail:
    steps: list[str]
    assumed: list[str]
    sources: list[str]

    def source(self, record: OutcomeRecord) -> None:
        text = record.provenance.describe()
        if text not in self.sources:
            self.sources.append(text)

    def assume(self, text: str) -> None:
        if text not in self.assumed:
            self.assumed.append(text)

    def merge(self, other: _Trail) -> None:
        self.steps.extend(other.steps)
        for text in other.assumed:
            self.assume(text)
        for text in other.sources:
            if text not in self.sources:
                self.sources.append(text)


@dataclass(frozen=True, slots=True)
class _Group:
    n: float
    mean: float
    sd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class _Study:
    """What the computation of one study's effect needs: its records by key, arms, sides, time point, options."""

    study: Study
    outcome: str
    records: Mapping[_RecordKey, OutcomeRecord]
    arms: Mapping[str, Arm]
    intervention: tuple[str, ...]
    control: tuple[str, ...]
    timepoint: str
    measure: str
    within: bool
    assumptions: Assumptions

    def record(self, arm: str, timepoint: str, basis: str, comparator: str | None = None) -> OutcomeRecord | None:
        return self.records.get((self.outcome, arm, comparator, timepoint, basis))


#: what a path returns: yi, vi, n1, n2, the basis used, whether paired
_Result = tuple[float, float, float | None, float | None, str | None, bool]


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _g(value: float) -> str:
    return f"{value:.4g}"


def _study_effect(
    study: Study, records: Sequence[OutcomeRecord], spec: OutcomeSpec, form: Form, options: Mapping[str, Any]
) -> StudyEffect:
    intervention = tuple(arm.arm for arm in study.arms if arm.role == "intervention")
    control = tuple(arm.arm for arm in study.arms if arm.role == "control")
    design = study.value("design")
    trail = _Trail([], [], [])
    common: dict[str, Any] = {
        "study": study.study,
        "label": study.label,
        "intervention": intervention,
        "control": control,
    }
    chosen_time: str | None = None
    try:
        if all(all(isinstance(v, Missing) for v in r.stats.values()) for r in records):
            raise _NotEstimableError(f"{spec.name} is not reported (NR) in this study")
        if not intervention or not control:
            missing = "intervention" if not intervention else "control"
            raise _NotEstimableError(f"no comparison: the study has no {missing} arm")
        chosen_time = _timepoint(records, spec, options["timepoint"])
        context = _Study(
            study=study,
            outcome=spec.name,
            records={r.key: r for r in records},
            arms={arm.arm: arm for arm in study.arms},
            intervention=intervention,
            control=control,
            timepoint=chosen_time,
            measure=options["measure"],
            within=isinstance(design, str) and design in form.within_person,
            assumptions=options["assumptions"],
        )
        if spec.family == "continuous":
            result = _continuous(context, options["basis"], trail)
        elif spec.family == "dichotomous":
            result = _dichotomous(context, trail)
        else:
            result = _reported(context, None, trail)
        yi, vi, n1, n2, used_basis, is_paired = result
        return StudyEffect(
            **common,
            timepoint=chosen_time,
            basis=used_basis,
            paired=is_paired,
            n1=n1,
            n2=n2,
            yi=yi,
            vi=vi,
            steps=tuple(trail.steps),
            assumed=tuple(trail.assumed),
            sources=tuple(trail.sources),
        )
    except (_NotEstimableError, InputError) as exc:
        reason = str(exc) if isinstance(exc, _NotEstimableError) else exc.message
        return StudyEffect(
            **common,
            timepoint=chosen_time,
            basis=None,
            paired=False,
            n1=None,
            n2=None,
            yi=math.nan,
            vi=math.nan,
            steps=tuple(trail.steps),
            assumed=tuple(trail.assumed),
            sources=tuple(trail.sources),
            note=f"not estimable: {reason}",
        )


def _timepoint(records: Sequence[OutcomeRecord], spec: OutcomeSpec, wanted: str) -> str:
    labels: list[str] = []
    for record in records:
        if record.timepoint != BASELINE and record.timepoint not in labels:
            labels.append(record.timepoint)
    if wanted != "last":
        if wanted not in labels:
            raise _NotEstimableError(f"no records at '{wanted}' (time points: {', '.join(labels) or 'baseline only'})")
        return wanted
    if not labels:
        raise _NotEstimableError("only baseline records")
    if len(labels) == 1:
        return labels[0]
    durations = {label: parse_duration(label) for label in labels}
    if all(d is not None for d in durations.values()):
        return max(labels, key=lambda label: durations[label] or Fraction(0))
    if all(label in spec.timepoints for label in labels):
        return max(labels, key=spec.timepoints.index)
    raise _NotEstimableError(
        f"cannot tell which of the time points {', '.join(labels)} is the last; choose one with timepoint"
    )


def _number(record: OutcomeRecord | None, name: str) -> float | None:
    return None if record is None else _f(record.number(name))


def _size(record: OutcomeRecord, arm: Arm | None, trail: _Trail, who: str) -> float:
    n = _number(record, "n")
    if n is not None:
        return n
    if arm is not None:
        for name in ("n_analysed", "n_randomised"):
            value = arm.value(name)
            if isinstance(value, Decimal):
                trail.steps.append(f"{who}: n = {value} from the arm's {name}")
                return float(value)
    raise _NotEstimableError(f"{who}: no n (in the record or the arm)")


def _level(record: OutcomeRecord) -> float:
    level = _number(record, "level")
    if level is None:
        return 0.95
    return level / 100 if level > 1 else level


def _from_median(record: OutcomeRecord, n: float, mean: float | None, trail: _Trail, who: str) -> _Group | None:
    median = _number(record, "median")
    q1, q3 = _number(record, "q1"), _number(record, "q3")
    lowest, highest = _number(record, "minimum"), _number(record, "maximum")
    quartiles = q1 is not None and q3 is not None
    extremes = lowest is not None and highest is not None
    if median is None or not (quartiles or extremes):
        return None
    estimate = mean_sd_from_median(
        n,
        median,
        q1=q1 if quartiles else None,
        q3=q3 if quartiles else None,
        minimum=lowest if extremes else None,
        maximum=highest if extremes else None,
    )
    what = {"S1": "range", "S2": "quartiles", "S3": "quartiles and range"}[estimate.scenario]
    if mean is None:
        mean = float(estimate.mean)
        trail.steps.append(f"{who}: mean {_g(mean)} from the median and {what} (Luo et al. 2018)")
    sd = float(estimate.sd)
    author = "Shi et al. 2020" if estimate.sd_method == "shi" else "Wan et al. 2014"
    trail.steps.append(
        f"{who}: SD {_g(sd)} from the median and {what} ({author}; assumes roughly normal data, "
        "Cochrane Handbook 6.5.2.5)"
    )
    trail.source(record)
    return _Group(n, mean, sd)


def _mean_sd(record: OutcomeRecord, arm: Arm | None, trail: _Trail, who: str) -> _Group | None:
    """The n, mean and SD of one record (converting an SE, a CI or a median), or None without a spread."""
    n = _size(record, arm, trail, who)
    mean, sd = _number(record, "mean"), _number(record, "sd")
    if mean is not None and sd is not None:
        trail.source(record)
        return _Group(n, mean, sd)
    se = _number(record, "se")
    low, high = _number(record, "ci_lower"), _number(record, "ci_upper")
    if mean is not None and se is not None:
        sd = float(sd_from_se(se, n))
        trail.steps.append(f"{who}: SD {_g(sd)} from SE {_g(se)} × √{_g(n)} (Cochrane Handbook 6.5.2.2)")
        trail.source(record)
        return _Group(n, mean, sd)
    if mean is not None and low is not None and high is not None:
        level = _level(record)
        sd = float(sd_from_ci(low, high, n, level=level))
        quantile = f"t, {_g(n - 1)} df" if n < 60 else "normal"
        trail.steps.append(
            f"{who}: SD {_g(sd)} from the {100 * level:g}% CI {_g(low)} to {_g(high)} of the mean "
            f"({quantile}; Cochrane Handbook 6.5.2.2)"
        )
        trail.source(record)
        return _Group(n, mean, sd)
    return _from_median(record, n, mean, trail, who)


def _arm_group(context: _Study, arm_id: str, basis: str, trail: _Trail, *, derive: bool) -> _Group | None:
    arm = context.arms.get(arm_id)
    who = f"arm '{arm_id}'"
    record = context.record(arm_id, context.timepoint, basis)
    if record is not None:
        group = _mean_sd(record, arm, trail, who)
        if group is not None:
            return group
    if basis == "final" or not derive:
        return None
    before = context.record(arm_id, BASELINE, "final")
    after = context.record(arm_id, context.timepoint, "final")
    if before is None or after is None:
        return None
    first = _mean_sd(before, arm, trail, f"{who} at baseline")
    last = _mean_sd(after, arm, trail, f"{who} at {context.timepoint}")
    if first is None or last is None:
        return None
    change_mean = _number(record, "mean")
    if change_mean is None:
        change_mean = last.mean - first.mean
        trail.steps.append(
            f"{who}: mean change {_g(change_mean)} = follow-up {_g(last.mean)} − baseline {_g(first.mean)}"
        )
    r = context.assumptions.change_r
    sd = float(change_sd(first.sd, last.sd, r))
    trail.steps.append(
        f"{who}: change SD {_g(sd)} from baseline SD {_g(first.sd)} and follow-up SD {_g(last.sd)} "
        f"with r = {r:g} (assumed; Cochrane Handbook 6.5.2.8)"
    )
    trail.assume(f"change_r = {r:g}")
    n = _number(record, "n")
    return _Group(n if n is not None else min(first.n, last.n), change_mean, sd)


def _side(groups: Sequence[_Group], names: Sequence[str], role: str, trail: _Trail) -> _Group:
    if len(groups) == 1:
        return groups[0]
    combined = combine_groups([g.n for g in groups], [g.mean for g in groups], [g.sd for g in groups])
    trail.steps.append(
        f"arms {', '.join(repr(n) for n in names)} combined into one {role} group: n {_g(float(combined.n))}, "
        f"mean {_g(float(combined.mean))}, SD {_g(float(combined.sd))} (Cochrane Handbook 23.3.4, Table 6.5.a)"
    )
    return _Group(float(combined.n), float(combined.mean), float(combined.sd))


#: the attempts of each basis: (basis, derive change scores from baseline and follow-up)
_PLANS: Final[Mapping[str, tuple[tuple[str, bool], ...]]] = {
    "change": (("change", True),),
    "final": (("final", False),),
    "auto": (("change", False), ("final", False), ("change", True)),
}


def _continuous(context: _Study, basis: str, trail: _Trail) -> _Result:
    everyone = [*context.intervention, *context.control]
    for use, derive in _PLANS[basis]:
        scratch = _Trail([], [], [])
        found = [_arm_group(context, arm, use, scratch, derive=derive) for arm in everyone]
        groups = [g for g in found if g is not None]
        if len(groups) < len(found):
            continue
        trail.merge(scratch)
        first = _side(groups[: len(context.intervention)], context.intervention, "intervention", trail)
        second = _side(groups[len(context.intervention) :], context.control, "control", trail)
        if context.within and context.assumptions.paired:
            if context.measure not in _PAIRED:
                raise _NotEstimableError(
                    f"a within-person design is analysed as paired for MD and SMD only, not {context.measure} "
                    "(paired=False analyses it as independent groups)"
                )
            yi, vi, n = _paired(context, use, first, second, trail)
            return yi, vi, n, n, use, True
        if context.within:
            trail.steps.append(
                "within-person design analysed as independent groups (paired=False): the correlation between "
                "the sides is ignored (Cochrane Handbook 23.2.7.1)"
            )
        es = escalc(
            context.measure,
            n1i=[first.n],
            m1i=[first.mean],
            sd1i=[first.sd],
            n2i=[second.n],
            m2i=[second.mean],
            sd2i=[second.sd],
        )
        name = "SMD (Hedges' g)" if context.measure == "SMD" else context.measure
        trail.steps.append(
            f"{name} of {use} values: intervention n {_g(first.n)}, mean {_g(first.mean)}, SD {_g(first.sd)}; "
            f"control n {_g(second.n)}, mean {_g(second.mean)}, SD {_g(second.sd)} (escalc)"
        )
        if es.notes[0]:
            trail.steps.append(es.notes[0])
        return float(es.yi[0]), float(es.vi[0]), first.n, second.n, use, False
    return _reported(context, None if basis == "auto" else basis, trail)


def _within_r(context: _Study, basis: str, trail: _Trail) -> float:
    for a in context.intervention:
        for c in context.control:
            for arm, comparator in ((a, c), (c, a)):
                record = context.record(arm, context.timepoint, basis, comparator)
                r = _number(record, "r")
                if record is not None and r is not None:
                    trail.source(record)
                    trail.steps.append(f"r = {_g(r)} between the sides, as reported")
                    return r
    value = context.study.value("within_person_r")
    if isinstance(value, Decimal):
        trail.steps.append(f"r = {value} between the sides, from the study's within_person_r")
        return float(value)
    r = context.assumptions.within_person_r
    trail.assume(f"within_person_r = {r:g}")
    trail.steps.append(f"r = {r:g} between the sides (assumed: the study reports none; adjust within_person_r)")
    return r


def _paired(context: _Study, basis: str, first: _Group, second: _Group, trail: _Trail) -> tuple[float, float, float]:
    r = _within_r(context, basis, trail)
    n = min(first.n, second.n)
    if first.n != second.n:
        trail.steps.append(f"the sides have n {_g(first.n)} and {_g(second.n)}; the paired analysis uses {_g(n)}")
    difference = first.mean - second.mean
    if context.measure == "MD":
        es = escalc("MC", ni=[n], m1i=[first.mean], sd1i=[first.sd], m2i=[second.mean], sd2i=[second.sd], ri=[r])
        trail.steps.append(
            f"paired MD {_g(difference)} of {basis} values (within-person, n = {_g(n)}): variance "
            f"(SD₁² + SD₂² − 2·r·SD₁·SD₂)/n with SD₁ {_g(first.sd)}, SD₂ {_g(second.sd)}, r = {_g(r)} "
            "(Cochrane Handbook 23.2.7.1)"
        )
        return float(es.yi[0]), float(es.vi[0]), n
    pooled = math.sqrt((first.sd**2 + second.sd**2) / 2)
    if pooled == 0:
        raise _NotEstimableError("both SDs are zero: the SMD is not defined")
    smd = difference / pooled
    variance = (1 / n + smd**2 / (2 * n)) * 2 * (1 - r)
    trail.steps.append(
        f"paired SMD of {basis} values (within-person, n = {_g(n)}): MD {_g(difference)} / pooled SD {_g(pooled)} "
        f"= √((SD₁² + SD₂²)/2); SE = √(1/n + SMD²/(2n))·√(2(1 − r)) with r = {_g(r)} "
        "(Cochrane Handbook 23.2.7.2; Elbourne et al. 2002; no small-sample correction)"
    )
    return smd, variance, n


def _events(record: OutcomeRecord, arm: Arm | None, trail: _Trail, who: str) -> tuple[float, float] | None:
    events = _number(record, "events")
    percent = record.number("percent")
    if events is None and percent is None:
        return None
    n = _size(record, arm, trail, who)
    if events is None:
        assert percent is not None
        exact = Fraction(percent) * Fraction(n) / 100
        events = float(round(exact))
        if exact != round(exact):
            trail.steps.append(
                f"{who}: {_g(events)} events from {percent}% of {_g(n)} = {float(exact):.2f}, rounded "
                "(not a whole number: check the denominator)"
            )
        else:
            trail.steps.append(f"{who}: {_g(events)} events from {percent}% of {_g(n)}")
    trail.source(record)
    return events, n


def _dichotomous(context: _Study, trail: _Trail) -> _Result:
    sides: list[tuple[float, float]] = []
    for names, role in ((context.intervention, "intervention"), (context.control, "control")):
        counts = []
        for arm_id in names:
            record = context.record(arm_id, context.timepoint, "final")
            found = None if record is None else _events(record, context.arms.get(arm_id), trail, f"arm '{arm_id}'")
            if found is None:
                return _reported(context, None, trail)
            counts.append(found)
        events, n = sum(c[0] for c in counts), sum(c[1] for c in counts)
        if len(counts) > 1:
            trail.steps.append(
                f"arms {', '.join(repr(a) for a in names)} combined into one {role} group: {_g(events)} events "
                f"of {_g(n)} (Cochrane Handbook 23.3.4)"
            )
        sides.append((events, n))
    (e1, n1), (e2, n2) = sides
    if context.within:
        trail.steps.append(
            "binary outcome of a within-person design analysed as independent groups (a paired analysis needs "
            "the discordant pairs); conservative"
        )
    es = escalc(context.measure, ai=[e1], n1i=[n1], ci=[e2], n2i=[n2])
    trail.steps.append(f"{context.measure} from {_g(e1)}/{_g(n1)} vs {_g(e2)}/{_g(n2)} events (escalc)")
    if es.notes[0]:
        trail.steps.append(es.notes[0])
    return float(es.yi[0]), float(es.vi[0]), n1, n2, "final", False


def _reported(context: _Study, basis: str | None, trail: _Trail) -> _Result:
    """The effect as a comparison record reports it (turned round when reported control vs intervention)."""
    measure = context.measure
    sides = {*context.intervention, *context.control}
    candidates = [
        (record, key[1] in context.control)
        for key, record in context.records.items()
        if key[2] is not None
        and key[3] == context.timepoint
        and (basis is None or key[4] == basis)
        and {key[1], key[2]} <= sides
        and (key[1] in context.intervention) != (key[2] in context.intervention)
    ]
    wanted = [(record, flipped) for record, flipped in candidates if record.stats.get("measure") == measure]
    if not wanted:
        other = sorted({str(r.stats.get("measure")) for r, _ in candidates if isinstance(r.stats.get("measure"), str)})
        hint = f" (the study reports {', '.join(other)})" if other else ""
        raise _NotEstimableError(f"no arm-level data and no reported {measure} at {context.timepoint}{hint}")
    record, flipped = wanted[0]
    estimate = _number(record, "estimate")
    if estimate is None:
        raise _NotEstimableError(f"the reported {measure} has no estimate")
    low, high, p, se = (_number(record, name) for name in ("ci_lower", "ci_upper", "pvalue", "se"))
    ratio = measure in _RATIO
    level = _level(record)
    if flipped:
        if ratio:
            estimate, low, high = 1 / estimate, (None if high is None else 1 / high), (None if low is None else 1 / low)
        else:
            estimate, low, high = -estimate, (None if high is None else -high), (None if low is None else -low)
        trail.steps.append("reported as control vs intervention: turned round")
    trail.source(record)
    n = _number(record, "n")
    if se is not None and low is None and not ratio:
        trail.steps.append(f"reported {measure} {_g(estimate)} with SE {_g(se)}")
        return estimate, se**2, n, n, record.basis, False
    limits = (low, high) if low is not None and high is not None else None
    interval = limits is not None
    if limits is None and p is None:
        raise _NotEstimableError(f"the reported {measure} has neither a CI nor a p-value (nor an SE)")
    es = effects_from_reported(
        [estimate],
        None if limits is None else [limits[0]],
        None if limits is None else [limits[1]],
        pvalue=None if p is None else [p],
        measure=measure,
        scale="log" if ratio else "identity",
        level=level,
    )
    if interval:
        log = " on the log scale" if ratio else ""
        how = f"with {100 * level:g}% CI {_g(low or math.nan)} to {_g(high or math.nan)}: SE from the CI{log}"
    else:
        how = f"with p = {_g(p or math.nan)}: SE from the p-value"
    trail.steps.append(f"reported {measure} {_g(estimate)} {how} (Cochrane Handbook 6.3)")
    if es.notes[0]:
        trail.steps.append(es.notes[0])
    return float(es.yi[0]), float(es.vi[0]), n, n, record.basis, False
