"""Double extraction: two extractors' data compared item by item, and their consensus with every resolution recorded.

Items are named by keys that stay readable in a spreadsheet:

- ``3`` — study 3 itself (one extractor has it, the other has not);
- ``3/label``, ``3/country`` — a study's label and its study-level fields;
- ``3/arm:control``, ``3/arm:control/label``, ``3/arm:control/role``, ``3/arm:control/n_randomised`` — an arm;
- ``3/outcome:ecca/control/12 months/change`` — an outcome record (``control~intervention`` for a comparison),
  and ``…/change/sd`` one of its statistics;
- ``…#provenance`` — the provenance of a value, arm or record.

Values differ when they are not identical: ``81.0`` and ``81`` differ, since they were reported differently.
Only where the form gives a field (or an outcome) a ``tolerance`` do numbers agree within it: ``"rounding"``
when one is the other rounded to its decimals (``23.14`` and ``23.1``), or within an absolute difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any, Final

from sysreview.errors import InputError
from sysreview.extraction._data import (
    Arm,
    Datum,
    Extraction,
    Location,
    OutcomeRecord,
    Provenance,
    Resolution,
    Study,
)
from sysreview.extraction._form import Form
from sysreview.extraction._values import Value, decimals, describe_value

__all__ = ["KINDS", "Comparison", "Conflict", "compare", "consensus", "record_key"]

#: kinds of conflict; ``within tolerance`` and ``provenance`` are settled without a resolution
KINDS: Final = ("differs", "first only", "second only", "within tolerance", "provenance")
#: who settles the conflicts that need no resolution
AUTOMATIC: Final = "sysreview"


@dataclass(frozen=True, slots=True, kw_only=True)
class Conflict:
    """One item on which two extractions differ.

    ``first`` and ``second`` are the two values (None where one extractor has nothing; text descriptions for a
    whole study, arm or record, and for provenance). ``blocking`` conflicts need a resolution; the others
    (``within tolerance``, ``provenance``) are settled by :func:`consensus` unless resolved otherwise.
    """

    key: str
    study: str
    item: str | None
    field: str | None
    kind: str
    first: Value | None
    second: Value | None
    blocking: bool
    note: str | None = None
    first_location: Location | None = None
    second_location: Location | None = None

    def __str__(self) -> str:
        where = (
            f"study {self.study}" + (f": {self.item}" if self.item else "") + (f": {self.field}" if self.field else "")
        )
        text = f"{where}: {describe_value(self.first)} vs {describe_value(self.second)} ({self.kind})"
        return text + (f"; {self.note}" if self.note else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "study": self.study,
            "item": self.item,
            "field": self.field,
            "kind": self.kind,
            "first": None if self.first is None else _plain(self.first),
            "second": None if self.second is None else _plain(self.second),
            "blocking": self.blocking,
            "note": self.note,
            "first_location": None if self.first_location is None else self.first_location.to_dict(),
            "second_location": None if self.second_location is None else self.second_location.to_dict(),
        }


def _plain(value: Value) -> str:
    """A value as a cell shows it (``81.0``, ``Korea``, ``NR``, ``III; IV``): JSON numbers would lose ``81.0``."""
    text = describe_value(value)
    return value if isinstance(value, str) else text.strip("'") if isinstance(value, tuple) else text


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """Two extractions compared: how many items, how many agree, and every conflict in study order."""

    first: str
    second: str
    items: int
    conflicts: tuple[Conflict, ...]

    @property
    def blocking(self) -> tuple[Conflict, ...]:
        """The conflicts that need a resolution."""
        return tuple(c for c in self.conflicts if c.blocking)

    @property
    def agreed(self) -> int:
        """Items on which the two agree (within the form's tolerances, provenance aside)."""
        return self.items - len(self.blocking)

    @property
    def agreement(self) -> float:
        """Proportion of items that agree (1.0 for no items)."""
        return self.agreed / self.items if self.items else 1.0

    def summary(self) -> str:
        """``A vs B: 412 items, 403 agree (97.8%), 9 to resolve, 2 settled automatically``."""
        automatic = len(self.conflicts) - len(self.blocking)
        return (
            f"{self.first} vs {self.second}: {self.items} items, {self.agreed} agree ({100 * self.agreement:.1f}%), "
            f"{len(self.blocking)} to resolve, {automatic} settled automatically"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "items": self.items,
            "agreed": self.agreed,
            "agreement": self.agreement,
            "blocking": len(self.blocking),
            "conflicts": [conflict.to_dict() for conflict in self.conflicts],
        }


def record_key(study: str, record: OutcomeRecord) -> str:
    """The key of an outcome record: ``3/outcome:ecca/control/12 months/change`` (``a~b`` for a comparison)."""
    who = record.arm if record.comparator is None else f"{record.arm}~{record.comparator}"
    return f"{study}/outcome:{record.outcome}/{who}/{record.timepoint}/{record.basis}"


# ---------------------------------------------------------------------- tolerance
def _within(first: Value, second: Value, tolerance: str | Decimal | None) -> str | None:
    """Why two numbers agree under ``tolerance`` (None when they do not, or no tolerance applies)."""
    if tolerance is None or not isinstance(first, Decimal) or not isinstance(second, Decimal):
        return None
    if tolerance == "rounding":
        coarse, fine = (first, second) if decimals(first) <= decimals(second) else (second, first)
        step = Decimal(1).scaleb(-decimals(coarse))
        if fine.quantize(step, rounding=ROUND_HALF_UP) == coarse or fine.quantize(step, ROUND_HALF_EVEN) == coarse:
            return f"{fine} rounds to {coarse}; kept {fine}"
        return None
    assert isinstance(tolerance, Decimal)
    if abs(first - second) <= tolerance:
        return f"within the tolerance {tolerance}; kept the first extractor's {first}"
    return None


def _kept(first: Value, second: Value, tolerance: str | Decimal | None) -> Value:
    """The value a consensus keeps for two values that agree within ``tolerance``: the more precise one."""
    if tolerance == "rounding" and isinstance(first, Decimal) and isinstance(second, Decimal):
        return first if decimals(first) >= decimals(second) else second
    return first


# ---------------------------------------------------------------------- comparing
@dataclass(frozen=True, slots=True)
class _Place:
    """An item being compared: its key, study, item (arm or record) and field."""

    key: str
    study: str
    item: str | None = None
    field: str | None = None

    def under(self, name: str, *, field: str | None = None) -> _Place:
        return _Place(f"{self.key}/{name}", self.study, self.item, name if field is None else field)


_Pair = tuple[Location | None, Location | None]


class _Walker:
    """Walks two extractions in parallel and collects the conflicts of every item (value or existence)."""

    def __init__(self, form: Form | None) -> None:
        self.form = form
        self.items = 0
        self.conflicts: list[Conflict] = []

    def value(
        self,
        place: _Place,
        first: Value | None,
        second: Value | None,
        *,
        tolerance: str | Decimal | None = None,
        locations: _Pair = (None, None),
    ) -> None:
        self.items += 1
        if first == second and type(first) is type(second) and _same_digits(first, second):
            return
        if first is None or second is None:
            kind = "first only" if second is None else "second only"
            self._add(place, kind, first, second, blocking=True, locations=locations)
            return
        reason = _within(first, second, tolerance)
        if reason is not None:
            self._add(place, "within tolerance", first, second, blocking=False, note=reason, locations=locations)
            return
        self._add(place, "differs", first, second, blocking=True, locations=locations)

    def provenance(self, place: _Place, first: Provenance, second: Provenance, locations: _Pair) -> None:
        if first == second:
            return
        self._add(
            _Place(f"{place.key}#provenance", place.study, place.item, place.field),
            "provenance",
            first.describe(),
            second.describe(),
            blocking=False,
            note="kept the first extractor's provenance",
            locations=locations,
        )

    def _add(
        self,
        place: _Place,
        kind: str,
        first: Value | None,
        second: Value | None,
        *,
        blocking: bool,
        note: str | None = None,
        locations: _Pair,
    ) -> None:
        self.conflicts.append(
            Conflict(
                key=place.key,
                study=place.study,
                item=place.item,
                field=place.field,
                kind=kind,
                first=first,
                second=second,
                blocking=blocking,
                note=note,
                first_location=locations[0],
                second_location=locations[1],
            )
        )

    # -------------------------------------------------------------- levels
    def study(self, a: Study | None, b: Study | None) -> None:
        sid = a.study if a is not None else b.study if b is not None else ""
        place = _Place(sid, sid)
        if a is None or b is None:
            self.value(place, _describe_study(a), _describe_study(b))
            return
        self.value(place.under("label"), a.label, b.label)
        self.values(place, a.values, b.values, "study")
        arms_b = {arm.arm: arm for arm in b.arms}
        for arm in a.arms:
            self.arm(sid, arm, arms_b.pop(arm.arm, None))
        for arm in arms_b.values():
            self.arm(sid, None, arm)
        records_b = {record.key: record for record in b.outcomes}
        for record in a.outcomes:
            self.record(sid, record, records_b.pop(record.key, None))
        for record in records_b.values():
            self.record(sid, None, record)

    def values(self, place: _Place, first: Mapping[str, Datum], second: Mapping[str, Datum], level: str) -> None:
        for name in [*first, *(n for n in second if n not in first)]:
            a, b = first.get(name), second.get(name)
            spec = None if self.form is None else self.form.field(level, name)
            here = place.under(name)
            locations = (a.origin if a else None, b.origin if b else None)
            self.value(
                here,
                a.value if a else None,
                b.value if b else None,
                tolerance=None if spec is None else spec.tolerance,
                locations=locations,
            )
            if a is not None and b is not None:
                self.provenance(here, a.provenance, b.provenance, locations)

    def arm(self, study: str, a: Arm | None, b: Arm | None) -> None:
        arm_id = a.arm if a is not None else b.arm if b is not None else ""
        place = _Place(f"{study}/arm:{arm_id}", study, f"arm '{arm_id}'")
        locations = (a.origin if a else None, b.origin if b else None)
        if a is None or b is None:
            self.value(place, _describe_arm(a), _describe_arm(b), locations=locations)
            return
        self.value(place.under("role"), a.role, b.role, locations=locations)
        self.value(place.under("label"), a.label, b.label, locations=locations)
        self.provenance(place, a.provenance, b.provenance, locations)
        self.values(place, a.values, b.values, "arm")

    def record(self, study: str, a: OutcomeRecord | None, b: OutcomeRecord | None) -> None:
        record = a if a is not None else b
        assert record is not None
        place = _Place(record_key(study, record), study, record.describe())
        locations = (a.origin if a else None, b.origin if b else None)
        if a is None or b is None:
            self.value(place, _describe_record(a), _describe_record(b), locations=locations)
            return
        spec = None if self.form is None else self.form.outcome(record.outcome)
        tolerance = None if spec is None else spec.tolerance
        for name in [*a.stats, *(n for n in b.stats if n not in a.stats)]:
            stat_locations = (a.where(name), b.where(name))
            self.value(
                place.under(name),
                a.stats.get(name),
                b.stats.get(name),
                tolerance=tolerance,
                locations=stat_locations,
            )
        self.provenance(place, a.provenance, b.provenance, locations)


def _same_digits(first: Value | None, second: Value | None) -> bool:
    if isinstance(first, Decimal) and isinstance(second, Decimal):
        return first.as_tuple() == second.as_tuple()
    return True


def _describe_study(study: Study | None) -> str | None:
    if study is None:
        return None
    return f"{study.name()}: {len(study.values)} values, {len(study.arms)} arms, {len(study.outcomes)} outcome records"


def _describe_arm(arm: Arm | None) -> str | None:
    if arm is None:
        return None
    return f"{arm.role} arm" + (f" '{arm.label}'" if arm.label else "") + f" with {len(arm.values)} values"


def _describe_record(record: OutcomeRecord | None) -> str | None:
    if record is None:
        return None
    return ", ".join(f"{name} {describe_value(value)}" for name, value in record.stats.items())


def _check_pair(first: Extraction, second: Extraction) -> None:
    if first.form is not None and second.form is not None and first.form != second.form:
        raise InputError(f"the extractions use different forms ('{first.form}' and '{second.form}')")


def compare(first: Extraction, second: Extraction, *, form: Form | None = None) -> Comparison:
    """Compare two extractors' data item by item (see the module documentation for keys and tolerances).

    Every value, arm, outcome record and study one extractor has and the other has not, and every value that
    differs, is a conflict. ``form`` supplies the tolerances; without it values must be identical.
    """
    _check_pair(first, second)
    walker = _Walker(form)
    studies_b = {study.study: study for study in second.studies}
    for study in first.studies:
        walker.study(study, studies_b.pop(study.study, None))
    for study in studies_b.values():
        walker.study(None, study)
    return Comparison(
        first=first.extractor or "first extractor",
        second=second.extractor or "second extractor",
        items=walker.items,
        conflicts=tuple(walker.conflicts),
    )


# ---------------------------------------------------------------------- consensus
def consensus(
    first: Extraction,
    second: Extraction,
    resolutions: Iterable[Resolution] = (),
    *,
    form: Form | None = None,
    extractor: str | None = None,
) -> Extraction:
    """The consensus of two extractions: where they agree their data, where they differ the resolution's choice.

    Every blocking conflict of :func:`compare` needs a :class:`Resolution` (by key) saying which value stands
    (``first``, ``second`` or a new ``value``), who decided and why; unresolved conflicts are one InputError
    listing them all, and so are resolutions of items that are not in conflict. Values within the form's
    tolerance keep the more precise one, and provenance the first extractor's, unless a resolution says
    otherwise; those settlements are recorded too. The consensus's ``resolutions`` list every conflict with
    both values and the one kept.
    """
    comparison = compare(first, second, form=form)
    given: dict[str, Resolution] = {}
    for item in resolutions:
        if item.key in given:
            raise InputError(f"two resolutions of {item.key}")
        given[item.key] = item
    conflicts = {conflict.key: conflict for conflict in comparison.conflicts}
    stray = [key for key in given if key not in conflicts]
    if stray:
        raise InputError(
            f"{len(stray)} resolution(s) of items that are not in conflict: {', '.join(stray)} "
            "(is the resolutions file for these data?)"
        )
    unresolved = [c for c in comparison.blocking if c.key not in given]
    if unresolved:
        listed = "; ".join(f"{c.key} ({describe_value(c.first)} vs {describe_value(c.second)})" for c in unresolved)
        raise InputError(
            f"{len(unresolved)} unresolved disagreement(s) between {comparison.first} and {comparison.second}: "
            f"{listed}; record a resolution with who and why for each"
        )
    for key, made in given.items():
        conflict = conflicts[key]
        for side, value in (("first", made.first), ("second", made.second)):
            if value is not None and value != getattr(conflict, side):
                raise InputError(
                    f"resolution of {key}: it was made for the {side} value {describe_value(value)}, but the data "
                    f"now have {describe_value(getattr(conflict, side))}; check the resolution again"
                )
    records: list[Resolution] = []
    chosen: dict[str, tuple[str, Value | None]] = {}  # key -> (choice, value kept)
    for conflict in comparison.conflicts:
        found = given.get(conflict.key)
        if found is not None:
            resolution = found
        else:
            choice = "first"
            if conflict.kind == "within tolerance":
                assert conflict.first is not None
                assert conflict.second is not None
                better = _kept(conflict.first, conflict.second, _tolerance_of(conflict, form))
                choice = "first" if better is conflict.first else "second"
            resolution = Resolution(
                key=conflict.key,
                choice=choice,
                by=AUTOMATIC,
                reason=conflict.note or conflict.kind,
            )
        if resolution.choice == "value":
            whole = conflict.kind in {"first only", "second only"} and conflict.field is None
            if conflict.key.endswith("#provenance") or whole:
                raise InputError(
                    f"resolution of {conflict.key}: choose first or second here (a new value cannot be given)"
                )
            kept: Value | None = resolution.value
        else:
            kept = conflict.first if resolution.choice == "first" else conflict.second
        chosen[conflict.key] = (resolution.choice, kept)
        records.append(
            Resolution(
                key=conflict.key,
                choice=resolution.choice,
                by=resolution.by,
                reason=resolution.reason,
                value=kept,
                first=conflict.first,
                second=conflict.second,
            )
        )
    studies_b = {study.study: study for study in second.studies}
    merged: list[Study] = []
    for study in first.studies:
        other = studies_b.pop(study.study, None)
        if other is None:
            if chosen[study.study][0] == "first":
                merged.append(study)
        else:
            merged.append(_merge_study(study, other, chosen))
    for study in studies_b.values():
        if chosen[study.study][0] == "second":
            merged.append(study)
    names = f"{comparison.first} and {comparison.second}"
    return Extraction(
        form=first.form or second.form,
        form_version=first.form_version or second.form_version,
        extractor=extractor or f"consensus of {names}",
        studies=tuple(merged),
        resolutions=tuple(records),
    )


def _tolerance_of(conflict: Conflict, form: Form | None) -> str | Decimal | None:
    if form is None or conflict.field is None:
        return None
    if "/outcome:" in conflict.key:
        outcome = conflict.key.split("/")[1].removeprefix("outcome:")
        spec = form.outcome(outcome)
        return None if spec is None else spec.tolerance
    level = "arm" if "/arm:" in conflict.key else "study"
    field_spec = form.field(level, conflict.field)
    return None if field_spec is None else field_spec.tolerance


def _pick(key: str, chosen: Mapping[str, tuple[str, Value | None]], first: Any, second: Any) -> Any:
    decision = chosen.get(key)
    if decision is None:
        return first
    return first if decision[0] == "first" else second if decision[0] == "second" else decision[1]


def _merge_values(
    prefix: str, first: Mapping[str, Datum], second: Mapping[str, Datum], chosen: Mapping[str, tuple[str, Value | None]]
) -> dict[str, Datum]:
    out: dict[str, Datum] = {}
    for name in [*first, *(n for n in second if n not in first)]:
        key = f"{prefix}/{name}"
        a, b = first.get(name), second.get(name)
        decision = chosen.get(key)
        if decision is None:
            datum = a if a is not None else b
        elif decision[0] == "value":
            base = a if a is not None else b
            assert base is not None
            assert decision[1] is not None
            datum = Datum(value=decision[1], provenance=base.provenance)
        else:
            datum = a if decision[0] == "first" else b
        if datum is None:
            continue  # the resolution keeps the side that has no value
        if a is not None and b is not None:
            provenance = _pick(f"{key}#provenance", chosen, a.provenance, b.provenance)
            datum = Datum(value=datum.value, provenance=provenance)
        else:
            datum = Datum(value=datum.value, provenance=datum.provenance)
        out[name] = datum
    return out


def _merge_study(a: Study, b: Study, chosen: Mapping[str, tuple[str, Value | None]]) -> Study:
    sid = a.study
    arms: list[Arm] = []
    arms_a = {arm.arm: arm for arm in a.arms}
    arms_b = {arm.arm: arm for arm in b.arms}
    for arm_id in [*arms_a, *(arm_id for arm_id in arms_b if arm_id not in arms_a)]:
        key = f"{sid}/arm:{arm_id}"
        first, second = arms_a.get(arm_id), arms_b.get(arm_id)
        if first is None or second is None:
            kept = _pick(key, chosen, first, second)
            if kept is not None:
                arms.append(
                    Arm(arm=kept.arm, role=kept.role, label=kept.label, values=kept.values, provenance=kept.provenance)
                )
            continue
        role = _pick(f"{key}/role", chosen, first.role, second.role)
        label = _pick(f"{key}/label", chosen, first.label, second.label)
        arms.append(
            Arm(
                arm=first.arm,
                role=str(role),
                label=None if label is None else str(label),
                values=_merge_values(key, first.values, second.values, chosen),
                provenance=_pick(f"{key}#provenance", chosen, first.provenance, second.provenance),
            )
        )
    records: list[OutcomeRecord] = []
    records_b = {record.key: record for record in b.outcomes}
    keys_a = {record.key for record in a.outcomes}
    for record in [*a.outcomes, *(r for r in b.outcomes if r.key not in keys_a)]:
        key = record_key(sid, record)
        first_record = record if record.key in keys_a else None
        second_record = records_b.get(record.key)
        if first_record is None or second_record is None:
            kept_record = _pick(key, chosen, first_record, second_record)
            if kept_record is not None:
                records.append(_copy_record(kept_record, kept_record.stats, kept_record.provenance))
            continue
        stats: dict[str, Value] = {}
        for name in [*first_record.stats, *(n for n in second_record.stats if n not in first_record.stats)]:
            value = _pick(f"{key}/{name}", chosen, first_record.stats.get(name), second_record.stats.get(name))
            if value is not None:
                stats[name] = value
        provenance = _pick(f"{key}#provenance", chosen, first_record.provenance, second_record.provenance)
        records.append(_copy_record(first_record, stats, provenance))
    label = _pick(f"{sid}/label", chosen, a.label, b.label)
    return Study(
        study=sid,
        label=label,
        note=a.note or b.note,
        values=_merge_values(sid, a.values, b.values, chosen),
        arms=tuple(arms),
        outcomes=tuple(records),
    )


def _copy_record(record: OutcomeRecord, stats: Mapping[str, Value], provenance: Provenance) -> OutcomeRecord:
    return OutcomeRecord(
        outcome=record.outcome,
        arm=record.arm,
        comparator=record.comparator,
        timepoint=record.timepoint,
        basis=record.basis,
        stats=stats,
        provenance=provenance,
    )
