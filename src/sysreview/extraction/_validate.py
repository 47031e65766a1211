"""Validation of extraction data against its form and against arithmetic: every problem, named by study and field.

Checks (``check`` codes of :class:`Issue`):

- the form: ``unknown-field``, ``type`` (a value of the wrong type, e.g. text in a number field), ``choice``,
  ``range`` (outside the field's minimum/maximum), ``required``, ``requires`` (a field that needs another),
  ``outcome`` (an outcome or time point the form does not have, statistics of the wrong family or level),
  ``arm`` (a record of an arm the study does not have);
- sample sizes: ``sum-of-arms`` (arms that do not add up to the study's participants; in within-person designs
  every arm holds them all), ``arm-n`` (more analysed than randomised), ``record-n`` (an outcome's n above its
  arm's), ``design`` (a randomised study with fewer than two arms);
- statistics: ``sd`` (SDs and SEs must be above zero), ``order`` (quartiles, ranges, confidence limits,
  p-values, correlations), ``events`` (more events than participants), ``percent`` (a percentage that is no
  whole number of the participants, or differs from events/n beyond rounding), ``scale`` (a mean or median
  outside the outcome's scale), ``change-mean`` (change ≠ follow-up − baseline beyond rounding),
  ``change-sd`` (a change SD outside ``|SD₁ − SD₂| … SD₁ + SD₂``, which no correlation allows);
- warnings: ``follow-up`` (a time point after the study's follow-up), ``copied`` (values identical to another
  study's: arm sizes, decimal characteristics, means and SDs — often a copying error), ``form`` (data of
  another form).

Rounding is judged from the decimals a number was reported with: ``82.1`` may stand for anything in
[82.05, 82.15], or for a value truncated to one decimal.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from sysreview.extraction._data import BASELINE, STATS, Arm, Datum, Extraction, Location, OutcomeRecord, Study
from sysreview.extraction._form import FieldSpec, Form, OutcomeSpec
from sysreview.extraction._values import (
    Missing,
    Value,
    describe_value,
    half_unit,
    is_integral,
    value_type,
)

__all__ = ["SEVERITIES", "Issue", "ValidationReport", "parse_duration", "validate"]

#: severities of an issue: errors are wrong; warnings are worth a look
SEVERITIES: Final = ("error", "warning")
#: statistics of a continuous outcome / of a dichotomous one (an arm's)
_CONTINUOUS: Final = frozenset({"mean", "sd", "se", "median", "q1", "q3", "minimum", "maximum"})
_DICHOTOMOUS: Final = frozenset({"events", "percent"})
_DURATION = re.compile(
    r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>d|days?|w|wks?|weeks?|mo|mos|months?|y|yrs?|years?)", re.IGNORECASE
)
_WEEKS_PER: Final = {
    "d": Fraction(1, 7),
    "w": Fraction(1),
    "m": Fraction(365_25, 12 * 7_00),
    "y": Fraction(365_25, 7_00),
}
#: fewest shared SDs (of one outcome) that make two studies' data look copied
_SHARED_SDS: Final = 3
#: fewest shared decimal characteristics that make two studies look copied
_SHARED_VALUES: Final = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """One problem: how bad, which check, the study, the item (arm or outcome record), the field, where it was read."""

    severity: str
    check: str
    study: str | None
    item: str | None
    field: str | None
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        parts = [f"{self.severity} [{self.check}]"]
        if self.study is not None:
            parts.append(f"study {self.study}")
        if self.item is not None:
            parts.append(self.item)
        if self.field is not None:
            parts.append(self.field)
        text = ": ".join(parts) + ": " + self.message
        if self.location is not None:
            text += f" ({self.location})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "check": self.check,
            "study": self.study,
            "item": self.item,
            "field": self.field,
            "message": self.message,
            "location": None if self.location is None else self.location.to_dict(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationReport:
    """The issues found in extraction data (errors first, in study order), and what was checked."""

    form: str
    k: int
    issues: tuple[Issue, ...]
    source: str | None = None

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def valid(self) -> bool:
        """Whether there is no error (warnings allowed)."""
        return not self.errors

    def summary(self) -> str:
        """``data.xlsx: 18 studies, 25 errors, 4 warnings (form regenerative-dermatology)``."""
        where = f"{self.source}: " if self.source else ""
        return (
            f"{where}{self.k} studies, {len(self.errors)} error(s), {len(self.warnings)} warning(s) (form {self.form})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "form": self.form,
            "k": self.k,
            "valid": self.valid,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [issue.to_dict() for issue in self.issues],
        }


def parse_duration(label: str) -> Fraction | None:
    """Weeks from a time point's label: ``baseline`` is 0, ``10 weeks`` 10, ``3 months`` 13.04; None if unreadable.

    A month is 365.25/12 days and a year 365.25 days.
    """
    text = label.strip().casefold()
    if text == BASELINE:
        return Fraction(0)
    match = _DURATION.fullmatch(text)
    if match is None:
        return None
    unit = match.group("unit")[0].lower()
    return Fraction(Decimal(match.group("number"))) * _WEEKS_PER[unit]


class _Collector:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(
        self,
        severity: str,
        check: str,
        study: Study | None,
        message: str,
        *,
        item: str | None = None,
        field: str | None = None,
        location: Location | None = None,
    ) -> None:
        self.issues.append(
            Issue(
                severity=severity,
                check=check,
                study=None if study is None else study.study,
                item=item,
                field=field,
                message=message,
                location=location,
            )
        )


def validate(data: Extraction, form: Form) -> ValidationReport:
    """Check extraction ``data`` against ``form`` and against the arithmetic of its numbers.

    Nothing stops at the first problem: the report lists every issue, each naming the study, the item (an arm or
    an outcome record), the field or statistic and, for data read from a file, the file, sheet, row and column.
    See the module documentation for the checks.
    """
    out = _Collector()
    if data.form is not None and data.form != form.name:
        out.add(
            "warning", "form", None, f"the data were extracted on form '{data.form}', checked against '{form.name}'"
        )
    for study in data.studies:
        within = _within_person(study, form)
        _check_values(out, study, None, form)
        for arm in study.arms:
            _check_values(out, study, arm, form)
        _check_sizes(out, study, within)
        _check_record_arms(out, study, within)
        for record in study.outcomes:
            _check_record(out, study, record, form)
        _check_changes(out, study)
        _check_follow_up(out, study)
    _check_copies(out, data, form)
    order = {s.study: i for i, s in enumerate(data.studies)}
    issues = sorted(out.issues, key=lambda i: (i.severity != "error", order.get(i.study or "", -1) if i.study else -1))
    return ValidationReport(form=form.name, k=len(data.studies), issues=tuple(issues), source=data.source)


# ---------------------------------------------------------------------- the form's fields
def _within_person(study: Study, form: Form) -> bool:
    design = study.value("design")
    return isinstance(design, str) and design in form.within_person


def _type_problem(spec: FieldSpec, value: Value) -> tuple[str, str] | None:
    """``(check, message)`` when ``value`` does not fit ``spec``; None when it does."""
    if isinstance(value, Missing):
        return None
    got = f"got {value_type(value)} {describe_value(value)}"
    kind = spec.type
    if kind == "text":
        return None if isinstance(value, str) else ("type", f"expected text, {got}")
    if kind in {"integer", "number"}:
        if not isinstance(value, Decimal):
            what = "a whole number" if kind == "integer" else "a number"
            return "type", (
                f"not {what}: {describe_value(value)}" if isinstance(value, str) else f"expected {what}, {got}"
            )
        if kind == "integer" and not is_integral(value):
            return "type", f"expected a whole number, got {value}"
        if spec.minimum is not None and value < spec.minimum:
            return "range", f"{value} is below the minimum {spec.minimum}"
        if spec.maximum is not None and value > spec.maximum:
            return "range", f"{value} is above the maximum {spec.maximum}"
        return None
    if kind == "choice":
        if not isinstance(value, str):
            return "type", f"expected one choice, {got}"
        if value not in spec.choices:
            return "choice", f"{value!r} is not one of: {', '.join(spec.choices)} (or NR, NA)"
        return None
    if kind == "multi-choice":
        if not isinstance(value, tuple):
            return "type", f"expected choices separated by ';', {got}"
        bad = [v for v in value if v not in spec.choices]
        if bad:
            return "choice", f"{bad[0]!r} is not one of: {', '.join(spec.choices)}"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else ("type", f"expected true or false, {got}")
    if kind == "date":
        ok = not isinstance(value, bool | str | tuple | Decimal)
        return None if ok else ("type", f"expected a date (YYYY-MM-DD), {got}")
    return None  # pragma: no cover - the form checks the types


def _check_values(out: _Collector, study: Study, arm: Arm | None, form: Form) -> None:
    """The study's values (``arm`` None) or an arm's, against the form's fields of that level."""
    item = None if arm is None else f"arm '{arm.arm}'"
    level = "study" if arm is None else "arm"
    values = study.values if arm is None else arm.values
    for name, datum in values.items():
        spec = form.field(level, name)
        if spec is None:
            known = ", ".join(s.name for s in form.fields(level))
            out.add(
                "error",
                "unknown-field",
                study,
                f"not a {level} field of form '{form.name}' (its {level} fields: {known})",
                item=item,
                field=name,
                location=datum.origin,
            )
            continue
        problem = _type_problem(spec, datum.value)
        if problem is not None:
            out.add("error", problem[0], study, problem[1], item=item, field=name, location=datum.origin)
        for other in spec.requires:
            if not isinstance(datum.value, Missing) and other not in values:
                out.add(
                    "error",
                    "requires",
                    study,
                    f"has a value, so '{other}' needs one too",
                    item=item,
                    field=name,
                    location=datum.origin,
                )
        if spec.percent_of is not None and isinstance(datum.value, Decimal):
            base = study.value(spec.percent_of)
            if isinstance(base, Decimal) and is_integral(base) and base > 0:
                message = _percent_problem(
                    datum.value, int(base), what=f"the {int(base)} participants ({spec.percent_of})"
                )
                if message:
                    out.add("error", "percent", study, message, item=item, field=name, location=datum.origin)
    for spec in form.fields(level):
        if not spec.required or spec.name in values:
            continue
        if arm is not None and arm.role not in spec.applies_to:
            continue
        out.add(
            "error",
            "required",
            study,
            "required; write NR if the source does not report it (NA if it does not apply)",
            item=item,
            field=spec.name,
            location=(study.origin if arm is None else arm.origin),
        )


# ---------------------------------------------------------------------- sample sizes
def _whole(value: Value | None) -> int | None:
    if isinstance(value, Decimal) and is_integral(value) and value >= 0:
        return int(value)
    return None


def _datum_location(values: Any, name: str, fallback: Location | None) -> Location | None:
    datum: Datum | None = values.get(name)
    return datum.origin if datum is not None and datum.origin is not None else fallback


def _check_sizes(out: _Collector, study: Study, within: bool) -> None:
    randomised = study.value("randomised")
    if randomised is True and len(study.arms) < 2:
        out.add(
            "error",
            "design",
            study,
            f"a randomised study needs at least two arms; it has {len(study.arms)}",
            field="randomised",
            location=_datum_location(study.values, "randomised", study.origin),
        )
    total = _whole(study.value("n_randomised"))
    sizes = [(arm, _whole(arm.value("n_randomised"))) for arm in study.arms]
    known = [(arm, n) for arm, n in sizes if n is not None]
    where = _datum_location(study.values, "n_randomised", study.origin)
    if total is not None and known and len(known) == len(sizes):
        if within:
            for arm, n in known:
                if n != total:
                    out.add(
                        "error",
                        "sum-of-arms",
                        study,
                        f"in a within-person design every arm holds all {total} participants; arm '{arm.arm}' has {n}",
                        item=f"arm '{arm.arm}'",
                        field="n_randomised",
                        location=_datum_location(arm.values, "n_randomised", arm.origin),
                    )
        elif sum(n for _, n in known) != total:
            parts = " + ".join(str(n) for _, n in known)
            out.add(
                "error",
                "sum-of-arms",
                study,
                f"the arms add up to {sum(n for _, n in known)} ({parts}), but the study enrolled {total}",
                field="n_randomised",
                location=where,
            )
    for arm, size in sizes:
        analysed = _whole(arm.value("n_analysed"))
        if size is not None and analysed is not None and analysed > size:
            out.add(
                "error",
                "arm-n",
                study,
                f"{analysed} analysed, but {size} randomised to the arm",
                item=f"arm '{arm.arm}'",
                field="n_analysed",
                location=_datum_location(arm.values, "n_analysed", arm.origin),
            )


# ---------------------------------------------------------------------- outcome records
def _at(record: OutcomeRecord, name: str) -> Location | None:
    return record.where(name)


def _check_record_arms(out: _Collector, study: Study, within: bool) -> None:
    """Records of arms the study does not have, and records with more participants than their arm: one issue each."""
    arms = {arm.arm: arm for arm in study.arms}
    unknown: dict[str, list[OutcomeRecord]] = {}
    too_many: dict[tuple[str, Decimal, int, str], list[OutcomeRecord]] = {}
    for record in study.outcomes:
        for who in (record.arm, record.comparator):
            if who is not None and who not in arms:
                unknown.setdefault(who, []).append(record)
        n = record.number("n")
        if n is None or not is_integral(n):
            continue
        if record.is_comparison:
            limit, whose = _whole(study.value("n_randomised")), "enrolled in the study"
        else:
            arm = arms.get(record.arm)
            limit = None if arm is None else _whole(arm.value("n_randomised"))
            whose = f"randomised to arm '{record.arm}'"
            if limit is None and arm is not None and within:
                limit, whose = _whole(study.value("n_randomised")), "enrolled in the study"
        if limit is not None and n > limit:
            too_many.setdefault((record.arm, n, limit, whose), []).append(record)
    known = ", ".join(f"'{a}'" for a in arms) or "none"
    for who, records in unknown.items():
        out.add(
            "error",
            "arm",
            study,
            f"{_records(records)} refer to arm '{who}', which the study does not have (its arms: {known})",
            item=f"arm '{who}'",
            location=records[0].origin,
        )
    for (arm_id, n, limit, whose), records in too_many.items():
        out.add(
            "error",
            "record-n",
            study,
            f"n = {n} in {_records(records)} exceeds the {limit} {whose}",
            item=f"arm '{arm_id}'",
            field="n",
            location=_at(records[0], "n"),
        )


def _records(records: Sequence[OutcomeRecord]) -> str:
    """``2 outcome records (ecca at baseline, ecca at 6 months)``."""
    shown = ", ".join(
        f"{r.outcome} at {r.timepoint}" + (" (change)" if r.basis == "change" else "") for r in records[:4]
    )
    more = f" and {len(records) - 4} more" if len(records) > 4 else ""
    return f"{len(records)} outcome record{'s' if len(records) != 1 else ''} ({shown}{more})"


def _check_record(out: _Collector, study: Study, record: OutcomeRecord, form: Form) -> None:
    item = record.describe()
    arms = {arm.arm: arm for arm in study.arms}

    def add(check: str, message: str, name: str | None, severity: str = "error") -> None:
        out.add(
            severity,
            check,
            study,
            message,
            item=item,
            field=name,
            location=_at(record, name) if name else record.origin,
        )

    spec = form.outcome(record.outcome)
    if spec is None:
        add(
            "outcome",
            f"not an outcome of form '{form.name}' (its outcomes: {', '.join(o.name for o in form.outcomes)})",
            None,
        )
    elif spec.timepoints and record.timepoint != BASELINE and record.timepoint not in spec.timepoints:
        add("outcome", f"time point '{record.timepoint}' is not one of: {', '.join(spec.timepoints)}", None)
    # types and levels of the statistics
    numbers: dict[str, Decimal] = {}
    for name, value in record.stats.items():
        stat = STATS[name]
        if record.is_comparison and stat.level == "arm":
            add("outcome", f"'{name}' describes one arm; a comparison of two arms reports estimate, CI, p", name)
        if not record.is_comparison and stat.level == "comparison":
            add("outcome", f"'{name}' belongs to a comparison of two arms (give 'comparator')", name)
        if isinstance(value, Missing):
            continue
        if stat.kind == "text":
            if not isinstance(value, str):
                add("type", f"expected text, got {describe_value(value)}", name)
            continue
        if not isinstance(value, Decimal):
            what = "a whole number" if stat.kind == "integer" else "a number"
            add("type", f"not {what}: {describe_value(value)}", name)
            continue
        if stat.kind == "integer" and (not is_integral(value) or value < 0):
            add("type", f"expected a whole number of zero or more, got {value}", name)
            continue
        numbers[name] = value
    if spec is not None and not record.is_comparison:
        wrong = _CONTINUOUS if spec.family == "dichotomous" else _DICHOTOMOUS if spec.family == "continuous" else set()
        for name in record.stats:
            if name in wrong:
                add("outcome", f"'{name}' does not fit a {spec.family} outcome", name)
    _check_numbers(add, record, numbers, spec)
    _check_percent(add, record, numbers, arms)


def _check_numbers(add: Any, record: OutcomeRecord, numbers: dict[str, Decimal], spec: OutcomeSpec | None) -> None:
    for name in ("sd", "se"):
        value = numbers.get(name)
        if value is not None and value <= 0:
            what = "standard deviation" if name == "sd" else "standard error"
            add("sd", f"a {what} must be above zero, got {value}", name)
    order = [name for name in ("minimum", "q1", "median", "q3", "maximum") if name in numbers]
    for lower, upper in itertools.pairwise(order):
        if numbers[upper] < numbers[lower]:
            add("order", f"{upper} {numbers[upper]} is below {lower} {numbers[lower]}", upper)
    centre = "estimate" if record.is_comparison else "mean"
    low, high, point = numbers.get("ci_lower"), numbers.get("ci_upper"), numbers.get(centre)
    if low is not None and high is not None and high < low:
        add("order", f"the upper limit {high} is below the lower limit {low}", "ci_upper")
    elif point is not None and low is not None and high is not None and not low <= point <= high:
        add("order", f"the {centre} {point} lies outside its interval [{low}, {high}]", centre)
    p = numbers.get("pvalue")
    if p is not None and not 0 < p <= 1:
        add("order", f"a p-value lies in (0, 1], got {p}", "pvalue")
    r = numbers.get("r")
    if r is not None and not -1 <= r <= 1:
        add("order", f"a correlation lies in [-1, 1], got {r}", "r")
    level = numbers.get("level")
    if level is not None and not (0 < level < 1 or 1 < level < 100):
        add("order", f"a confidence level is a fraction (0.95) or a percentage (95), got {level}", "level")
    events, n = numbers.get("events"), numbers.get("n")
    if events is not None and n is not None and events > n:
        add("events", f"{events} events among {n} participants", "events")
    percent = numbers.get("percent")
    if percent is not None and not 0 <= percent <= 100:
        add("range", f"a percentage lies between 0 and 100, got {percent}", "percent")
    if spec is not None and record.basis == "final" and not record.is_comparison:
        for name in ("mean", "median", "minimum", "maximum", "q1", "q3"):
            value = numbers.get(name)
            if value is None:
                continue
            if spec.minimum is not None and value < spec.minimum:
                add("scale", f"{name} {value} is below the scale's minimum {spec.minimum}", name)
            if spec.maximum is not None and value > spec.maximum:
                add("scale", f"{name} {value} is above the scale's maximum {spec.maximum}", name)
    if spec is not None and record.basis == "change" and spec.minimum is not None and spec.maximum is not None:
        value = numbers.get("mean")
        if value is not None and abs(value) > spec.maximum - spec.minimum:
            add("scale", f"a change of {value} is larger than the scale's range {spec.minimum}–{spec.maximum}", "mean")


def _format_percent(k: int, n: int, places: int) -> str:
    return f"{k}/{n} = {100 * k / n:.{places}f}%"


def _percent_problem(percent: Decimal, n: int, *, what: str) -> str | None:
    """Why ``percent`` cannot be a whole number of ``n`` (rounded or truncated as reported); None when it can."""
    if n <= 0 or not 0 <= percent <= 100:
        return None
    p = Fraction(percent)
    unit = 2 * half_unit(percent)
    centre = p * n / 100
    candidates = range(max(0, math.floor(centre) - 1), min(n, math.ceil(centre) + 1) + 1)
    for k in candidates:
        x = Fraction(100 * k, n)
        if abs(x - p) <= unit / 2 or p <= x < p + unit:
            return None
    below = math.floor(centre)
    places = max(1, -int(percent.as_tuple().exponent)) if isinstance(percent.as_tuple().exponent, int) else 1
    neighbours = [k for k in (below, below + 1) if 0 <= k <= n]
    shown = ", ".join(_format_percent(k, n, places) for k in neighbours)
    return f"{percent}% is not a whole number of {what} ({shown})"


def _check_percent(add: Any, record: OutcomeRecord, numbers: dict[str, Decimal], arms: dict[str, Arm]) -> None:
    percent = numbers.get("percent")
    if percent is None or not 0 <= percent <= 100:
        return
    events, n = numbers.get("events"), numbers.get("n")
    if events is not None and n is not None and n > 0 and events <= n:
        x = Fraction(events) * 100 / Fraction(n)
        p = Fraction(percent)
        unit = 2 * half_unit(percent)
        if not (abs(x - p) <= unit / 2 or p <= x < p + unit):
            add("percent", f"{percent}% differs from events/n = {events}/{n} = {float(x):.2f}%", "percent")
        return
    if n is not None:
        message = _percent_problem(percent, int(n), what=f"the {n} participants of the record")
    else:
        arm = arms.get(record.arm)
        if arm is None:
            return
        for name in ("n_analysed", "n_randomised"):
            size = _whole(arm.value(name))
            if size:
                message = _percent_problem(percent, size, what=f"the {size} participants of the arm ({name})")
                break
        else:
            return
    if message:
        add("percent", message + "; give n if the percentage is of another number", "percent")


def _records_by_key(study: Study) -> dict[tuple[str, str, str | None, str, str], OutcomeRecord]:
    return {record.key: record for record in study.outcomes}


def _check_changes(out: _Collector, study: Study) -> None:
    """Change from baseline against the baseline and follow-up records of the same arm and outcome."""
    records = _records_by_key(study)
    for record in study.outcomes:
        if record.basis != "change" or record.is_comparison:
            continue
        base = records.get((record.outcome, record.arm, None, BASELINE, "final"))
        final = records.get((record.outcome, record.arm, None, record.timepoint, "final"))
        if base is None or final is None:
            continue
        item = record.describe()
        mb, mf, mc = base.number("mean"), final.number("mean"), record.number("mean")
        if mb is not None and mf is not None and mc is not None:
            slack = half_unit(mb) + half_unit(mf) + half_unit(mc)
            if abs(Fraction(mc) - (Fraction(mf) - Fraction(mb))) > slack:
                out.add(
                    "error",
                    "change-mean",
                    study,
                    f"the mean change {mc} differs from follow-up minus baseline: {mf} − {mb} = {mf - mb}",
                    item=item,
                    field="mean",
                    location=_at(record, "mean"),
                )
        sb, sf, sc = base.number("sd"), final.number("sd"), record.number("sd")
        if sb is None or sf is None or sc is None or min(sb, sf, sc) <= 0:
            continue
        hb, hf, hc = half_unit(sb), half_unit(sf), half_unit(sc)
        lowest = abs(Fraction(sb) - Fraction(sf)) - hb - hf
        highest = Fraction(sb) + Fraction(sf) + hb + hf
        if Fraction(sc) + hc < lowest:
            message = (
                f"change SD {sc} is impossible with SD {sb} at baseline and {sf} at {record.timepoint}: "
                f"the SD of a change is at least |{sf} − {sb}| = {abs(sf - sb)} (a correlation is at most 1)"
            )
        elif Fraction(sc) - hc > highest:
            message = (
                f"change SD {sc} is impossible with SD {sb} at baseline and {sf} at {record.timepoint}: "
                f"the SD of a change is at most {sb} + {sf} = {sb + sf} (a correlation is at least -1)"
            )
        else:
            continue
        out.add("error", "change-sd", study, message, item=item, field="sd", location=_at(record, "sd"))


def _check_follow_up(out: _Collector, study: Study) -> None:
    amount, unit = study.value("follow_up"), study.value("follow_up_unit")
    if not isinstance(amount, Decimal) or not isinstance(unit, str):
        return
    limit = parse_duration(f"{amount} {unit}")
    if limit is None:
        return
    reported: set[str] = set()
    for record in study.outcomes:
        weeks = parse_duration(record.timepoint)
        if weeks is not None and weeks > limit and record.timepoint not in reported:
            reported.add(record.timepoint)
            out.add(
                "warning",
                "follow-up",
                study,
                f"time point '{record.timepoint}' is after the study's follow-up of {amount} {unit}",
                item=record.describe(),
                location=record.origin,
            )


# ---------------------------------------------------------------------- copies between studies
def _decimal_values(study: Study, form: Form) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for name, datum in study.values.items():
        spec = form.field("study", name)
        value = datum.value
        if spec is not None and spec.type == "number" and isinstance(value, Decimal) and not is_integral(value):
            out[name] = value
    return out


def _sds(study: Study, outcome: str) -> Counter[Decimal]:
    return Counter(
        sd
        for record in study.outcomes
        if record.outcome == outcome and (sd := record.number("sd")) is not None and not is_integral(sd)
    )


def _mean_sd_pairs(study: Study, outcome: str) -> dict[tuple[Decimal, Decimal], OutcomeRecord]:
    pairs: dict[tuple[Decimal, Decimal], OutcomeRecord] = {}
    for record in study.outcomes:
        mean, sd = record.number("mean"), record.number("sd")
        if record.outcome == outcome and mean is not None and sd is not None:
            pairs.setdefault((mean, sd), record)
    return pairs


def _pairs(studies: Sequence[Study]) -> Iterator[tuple[Study, Study]]:
    for j, later in enumerate(studies):
        for earlier in studies[:j]:
            yield earlier, later


def _check_copies(out: _Collector, data: Extraction, form: Form) -> None:
    studies = list(data.studies)
    for earlier, later in _pairs(studies):
        # arm sizes
        first = [_whole(a.value("n_randomised")) for a in earlier.arms]
        second = [_whole(a.value("n_randomised")) for a in later.arms]
        if len(first) >= 2 and first == second and None not in first and len(set(first)) > 1:
            out.add(
                "warning",
                "copied",
                later,
                f"arm sizes {'/'.join(str(n) for n in second)} are identical to study {earlier.study}'s; "
                "check both against their reports",
                field="n_randomised",
            )
        # decimal characteristics
        mine, theirs = _decimal_values(later, form), _decimal_values(earlier, form)
        shared = [name for name, value in mine.items() if theirs.get(name) == value]
        if len(shared) >= _SHARED_VALUES:
            listed = ", ".join(f"{name} {mine[name]}" for name in shared)
            out.add("warning", "copied", later, f"{listed} are identical to study {earlier.study}'s", field=shared[0])
        # outcome data
        outcomes = {r.outcome for r in later.outcomes} & {r.outcome for r in earlier.outcomes}
        for outcome in sorted(outcomes):
            common = _sds(later, outcome) & _sds(earlier, outcome)
            count = sum(common.values())
            mine_pairs, their_pairs = _mean_sd_pairs(later, outcome), _mean_sd_pairs(earlier, outcome)
            same = [pair for pair in mine_pairs if pair in their_pairs]
            if count < _SHARED_SDS and not same:
                continue
            parts = []
            if count >= _SHARED_SDS:
                total = sum(_sds(later, outcome).values())
                parts.append(f"{count} of its {total} SDs ({', '.join(str(v) for v in sorted(common.elements()))})")
            for pair in same:
                parts.append(
                    f"mean {pair[0]} with SD {pair[1]} ({mine_pairs[pair].describe()}; "
                    f"study {earlier.study}: {their_pairs[pair].describe()})"
                )
            out.add(
                "warning",
                "copied",
                later,
                f"{' and '.join(parts)} are identical to study {earlier.study}'s; check both against their reports",
                item=f"outcome {outcome}",
                location=next(iter(mine_pairs.values())).origin if mine_pairs else None,
            )
