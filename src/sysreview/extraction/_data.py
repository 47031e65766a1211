"""Extraction data: studies, their arms, characteristics and outcome records, every value with its provenance.

The objects are frozen and plain: :meth:`Extraction.to_dict` gives JSON-ready data (numbers as
:class:`~decimal.Decimal`, exact as reported) and :meth:`Extraction.from_dict` reads it back, so that a store
can keep them as they are. They do not depend on a form: a form is applied by validation, which reports values
of the wrong type, unknown fields and broken arithmetic without refusing to hold them.

Where a value was read from (file, sheet, row, column) is kept on ``origin`` for error messages; it is not data
(it takes no part in equality and is not written).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from sysreview.errors import InputError
from sysreview.extraction import _json
from sysreview.extraction._values import Missing, Value, canonical_value

__all__ = [
    "BASES",
    "FORMAT",
    "FORMAT_VERSION",
    "PROVENANCE_PARTS",
    "ROLES",
    "STATS",
    "Arm",
    "Datum",
    "Extraction",
    "Location",
    "OutcomeRecord",
    "Provenance",
    "Resolution",
    "Stat",
    "Study",
    "value_from_json",
    "value_to_json",
]

FORMAT: Final = "sysreview-extraction"
FORMAT_VERSION: Final = 1
#: roles of arms: the groups a comparison puts on either side
ROLES: Final = ("intervention", "control")
#: what an outcome record's statistics describe: values at the time point, or change from baseline to it
BASES: Final = ("final", "change")
#: the parts of a provenance, in order
PROVENANCE_PARTS: Final = ("source", "table", "page", "row", "note")
#: the time point of measurements before any intervention
BASELINE: Final = "baseline"


@dataclass(frozen=True, slots=True)
class Stat:
    """One statistic an outcome record can hold.

    ``kind`` is ``"integer"``, ``"number"`` or ``"text"``; ``level`` says where it is used: ``"arm"`` (one arm's
    data), ``"comparison"`` (a comparison of two arms, as a paper reports it) or ``"both"``.
    """

    name: str
    kind: str
    level: str
    help: str


_STATS: tuple[Stat, ...] = (
    Stat("n", "integer", "both", "participants analysed (in a comparison: in the comparison; pairs when paired)"),
    Stat("mean", "number", "arm", "mean"),
    Stat("sd", "number", "arm", "standard deviation"),
    Stat("se", "number", "both", "standard error of the mean (of an arm) or of the estimate (of a comparison)"),
    Stat("median", "number", "arm", "median"),
    Stat("q1", "number", "arm", "first quartile"),
    Stat("q3", "number", "arm", "third quartile"),
    Stat("minimum", "number", "arm", "smallest value (range)"),
    Stat("maximum", "number", "arm", "largest value (range)"),
    Stat("events", "integer", "arm", "participants with the event"),
    Stat("percent", "number", "arm", "percentage of participants with the event"),
    Stat("estimate", "number", "comparison", "effect estimate as reported (a ratio on its natural scale)"),
    Stat("measure", "text", "comparison", "the estimate's measure: MD, SMD, RR, OR, RD, HR …"),
    Stat("ci_lower", "number", "both", "lower confidence limit (of the mean, or of the estimate)"),
    Stat("ci_upper", "number", "both", "upper confidence limit"),
    Stat("level", "number", "both", "confidence level of the limits: 0.95 or 95 (95% when absent)"),
    Stat("pvalue", "number", "comparison", "two-sided p-value of the comparison"),
    Stat("statistic", "number", "comparison", "test statistic (t or z) of the comparison"),
    Stat("r", "number", "comparison", "correlation between the paired measurements (within-person designs)"),
)
#: the statistics an outcome record can hold, by name, in the order of the outcomes sheet
STATS: Final[Mapping[str, Stat]] = MappingProxyType({stat.name: stat for stat in _STATS})


# ---------------------------------------------------------------------- small parts
def _text_or_none(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{what}: expected text, got {value!r}")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _identifier(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what}: expected a non-empty name, got {value!r}")
    text = value.strip()
    bad = [c for c in ("/", "#", "\n", "\t") if c in text]
    if bad:
        raise InputError(f"{what}: {text!r} contains {bad[0]!r}, which names cannot hold")
    return text


@dataclass(frozen=True, slots=True)
class Location:
    """Where something was read: a file, its sheet, the spreadsheet row (header = row 1), the column; or a JSON path."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    pointer: str | None = None

    def at(self, column: str) -> Location:
        """The same place, in column ``column`` (or, for JSON, under key ``column``)."""
        if self.pointer is not None:
            return replace(self, pointer=f"{self.pointer}.{column}")
        return replace(self, column=column)

    def __str__(self) -> str:
        parts = [self.file or "(data)"]
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.pointer is not None:
            parts.append(self.pointer)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The parts that are known."""
        items = {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column}
        items["pointer"] = self.pointer
        return {key: value for key, value in items.items() if value is not None}


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where in the source a value was found: the source (report, record id, file), table or figure, page, row, note."""

    source: str | None = None
    table: str | None = None
    page: str | None = None
    row: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        for name in PROVENANCE_PARTS:
            object.__setattr__(self, name, _text_or_none(getattr(self, name), f"provenance {name}"))

    @property
    def empty(self) -> bool:
        """Whether no part is given."""
        return all(getattr(self, name) is None for name in PROVENANCE_PARTS)

    def describe(self) -> str:
        """One line: ``seed 001, Table 3, p. 6, row 'study 1, SVF' (note)``; ``(no provenance)`` when empty."""
        parts = [self.source, self.table, f"p. {self.page}" if self.page else None]
        parts.append(f"row {self.row}" if self.row else None)
        text = ", ".join(p for p in parts if p)
        if self.note:
            text = f"{text} ({self.note})" if text else self.note
        return text or "(no provenance)"

    def to_dict(self) -> dict[str, str]:
        """The parts that are given."""
        return {name: value for name in PROVENANCE_PARTS if (value := getattr(self, name)) is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "provenance") -> Provenance:
        if data is None:
            return cls()
        _known_keys(data, PROVENANCE_PARTS, where)
        return cls(**{name: _json_text(data.get(name), f"{where}.{name}") for name in PROVENANCE_PARTS})


@dataclass(frozen=True, slots=True, kw_only=True)
class Datum:
    """One extracted value with its provenance (``origin``: where it was read, for messages only)."""

    value: Value
    provenance: Provenance = field(default_factory=Provenance)
    origin: Location | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", canonical_value(self.value))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": value_to_json(self.value)}
        if not self.provenance.empty:
            out["provenance"] = self.provenance.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str, *, file: str | None = None) -> Datum:
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expected an object with 'value' (and 'provenance'), got {data!r}")
        _known_keys(data, ("value", "provenance"), where)
        if "value" not in data:
            raise InputError(f"{where}: no 'value'")
        return cls(
            value=value_from_json(data["value"], f"{where}.value"),
            provenance=Provenance.from_dict(data.get("provenance"), f"{where}.provenance"),
            origin=Location(file=file, pointer=where),
        )


def _values(values: Mapping[str, Datum] | None, what: str) -> Mapping[str, Datum]:
    out: dict[str, Datum] = {}
    for name, datum in (values or {}).items():
        key = _identifier(name, f"{what}: field name")
        if not isinstance(datum, Datum):
            raise InputError(f"{what}: field '{key}' must be a Datum (a value with its provenance), got {datum!r}")
        if key in out:
            raise InputError(f"{what}: field '{key}' is given twice")
        out[key] = datum
    return MappingProxyType(out)


# ---------------------------------------------------------------------- arms and outcome records
@dataclass(frozen=True, slots=True, kw_only=True)
class Arm:
    """One group of a study: its id, role (intervention or control), label as reported and its own values."""

    arm: str
    role: str
    label: str | None = None
    values: Mapping[str, Datum] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)
    origin: Location | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        arm = _identifier(self.arm, "arm")
        object.__setattr__(self, "arm", arm)
        if self.role not in ROLES:
            raise InputError(f"arm '{arm}': role must be one of {', '.join(ROLES)}; got {self.role!r}")
        object.__setattr__(self, "label", _text_or_none(self.label, f"arm '{arm}': label"))
        object.__setattr__(self, "values", _values(self.values, f"arm '{arm}'"))

    def value(self, name: str) -> Value | None:
        """The value of field ``name`` (None when the arm has none)."""
        datum = self.values.get(name)
        return None if datum is None else datum.value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"arm": self.arm, "role": self.role}
        if self.label is not None:
            out["label"] = self.label
        if self.values:
            out["values"] = {name: datum.to_dict() for name, datum in self.values.items()}
        if not self.provenance.empty:
            out["provenance"] = self.provenance.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str, *, file: str | None = None) -> Arm:
        mapping = _object(data, where)
        _known_keys(mapping, ("arm", "role", "label", "values", "provenance"), where)
        return cls(
            arm=_required(mapping, "arm", where),
            role=_required(mapping, "role", where),
            label=_json_text(mapping.get("label"), f"{where}.label"),
            values=_values_from_dict(mapping.get("values"), f"{where}.values", file),
            provenance=Provenance.from_dict(mapping.get("provenance"), f"{where}.provenance"),
            origin=Location(file=file, pointer=where),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeRecord:
    """An outcome as reported for one arm at one time point, or for a comparison of two arms (``comparator``).

    ``basis`` is ``"final"`` (values at the time point; also the baseline values, at time point ``"baseline"``)
    or ``"change"`` (change from baseline to the time point). ``stats`` holds whatever was reported, by the
    names of :data:`STATS`: ``n, mean, sd`` or ``median, q1, q3`` or ``events, percent`` for an arm;
    ``estimate, measure, ci_lower, ci_upper`` or ``pvalue`` for a comparison.
    """

    outcome: str
    arm: str
    timepoint: str
    basis: str = "final"
    comparator: str | None = None
    stats: Mapping[str, Value] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)
    origin: Location | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", _identifier(self.outcome, "outcome"))
        object.__setattr__(self, "arm", _identifier(self.arm, f"outcome '{self.outcome}': arm"))
        object.__setattr__(self, "timepoint", _identifier(self.timepoint, f"outcome '{self.outcome}': timepoint"))
        if self.comparator is not None:
            comparator = _identifier(self.comparator, f"outcome '{self.outcome}': comparator")
            if comparator == self.arm:
                raise InputError(f"{self.describe()}: an arm cannot be compared with itself")
            object.__setattr__(self, "comparator", comparator)
        if self.basis not in BASES:
            raise InputError(f"{self.describe()}: basis must be one of {', '.join(BASES)}; got {self.basis!r}")
        if self.basis == "change" and self.timepoint == BASELINE:
            raise InputError(f"{self.describe()}: a change from baseline cannot be at the baseline")
        stats: dict[str, Value] = {}
        for name, value in self.stats.items():
            if name not in STATS:
                raise InputError(
                    f"{self.describe()}: unknown statistic {name!r}; the statistics are {', '.join(STATS)}"
                )
            stats[name] = canonical_value(value, f"{self.describe()}: {name}")
        if not stats:
            raise InputError(f"{self.describe()}: no statistics (write NR in one for an outcome not reported)")
        object.__setattr__(self, "stats", MappingProxyType({name: stats[name] for name in STATS if name in stats}))

    @property
    def key(self) -> tuple[str, str, str | None, str, str]:
        """What identifies the record within a study: outcome, arm, comparator, time point, basis."""
        return (self.outcome, self.arm, self.comparator, self.timepoint, self.basis)

    @property
    def is_comparison(self) -> bool:
        """Whether the record compares two arms (a reported effect) rather than describing one arm."""
        return self.comparator is not None

    def number(self, name: str) -> Decimal | None:
        """Statistic ``name`` when it is a number (None when absent, NR/NA or not a number)."""
        value = self.stats.get(name)
        return value if isinstance(value, Decimal) else None

    def where(self, name: str) -> Location | None:
        """Where statistic ``name`` was read: its column of the record's row, or its JSON path."""
        if self.origin is None:
            return None
        return self.origin.at(f"stats.{name}" if self.origin.pointer is not None else name)

    def describe(self) -> str:
        """``outcome ecca, arm 'svf', 10 weeks (change)``; comparisons: ``… 'svf' vs 'saline' …``."""
        who = f"arm '{self.arm}'" if self.comparator is None else f"'{self.arm}' vs '{self.comparator}'"
        return f"outcome {self.outcome}, {who}, {self.timepoint} ({self.basis})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"outcome": self.outcome, "arm": self.arm}
        if self.comparator is not None:
            out["comparator"] = self.comparator
        out["timepoint"] = self.timepoint
        out["basis"] = self.basis
        out["stats"] = {name: value_to_json(value) for name, value in self.stats.items()}
        if not self.provenance.empty:
            out["provenance"] = self.provenance.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str, *, file: str | None = None) -> OutcomeRecord:
        mapping = _object(data, where)
        _known_keys(mapping, ("outcome", "arm", "comparator", "timepoint", "basis", "stats", "provenance"), where)
        stats = _object(mapping.get("stats", {}), f"{where}.stats")
        return cls(
            outcome=_required(mapping, "outcome", where),
            arm=_required(mapping, "arm", where),
            comparator=_json_text(mapping.get("comparator"), f"{where}.comparator"),
            timepoint=_required(mapping, "timepoint", where),
            basis=_json_text(mapping.get("basis"), f"{where}.basis") or "final",
            stats={name: value_from_json(value, f"{where}.stats.{name}") for name, value in stats.items()},
            provenance=Provenance.from_dict(mapping.get("provenance"), f"{where}.provenance"),
            origin=Location(file=file, pointer=where),
        )


# ---------------------------------------------------------------------- studies
@dataclass(frozen=True, slots=True, kw_only=True)
class Study:
    """One study's extraction: its id, label, study-level values, arms and outcome records."""

    study: str
    label: str | None = None
    values: Mapping[str, Datum] = field(default_factory=dict)
    arms: tuple[Arm, ...] = ()
    outcomes: tuple[OutcomeRecord, ...] = ()
    note: str | None = None
    origin: Location | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        study = _identifier(self.study, "study")
        object.__setattr__(self, "study", study)
        where = f"study {study}"
        object.__setattr__(self, "label", _text_or_none(self.label, f"{where}: label"))
        object.__setattr__(self, "note", _text_or_none(self.note, f"{where}: note"))
        try:
            object.__setattr__(self, "values", _values(self.values, where))
            arms = tuple(self.arms)
            outcomes = tuple(self.outcomes)
        except InputError as err:
            raise InputError(f"{where}: {err.message}", file=err.file, row=err.row, column=err.column) from None
        seen: set[str] = set()
        for arm in arms:
            if not isinstance(arm, Arm):
                raise InputError(f"{where}: arms must be Arm objects, got {arm!r}")
            if arm.arm in seen:
                raise InputError(f"{where}: arm '{arm.arm}' is given twice")
            seen.add(arm.arm)
        keys: set[tuple[str, str, str | None, str, str]] = set()
        for record in outcomes:
            if not isinstance(record, OutcomeRecord):
                raise InputError(f"{where}: outcomes must be OutcomeRecord objects, got {record!r}")
            if record.key in keys:
                raise InputError(f"{where}: {record.describe()} is given twice")
            keys.add(record.key)
        object.__setattr__(self, "arms", arms)
        object.__setattr__(self, "outcomes", outcomes)

    def arm(self, arm: str) -> Arm:
        """The arm with id ``arm``."""
        for candidate in self.arms:
            if candidate.arm == arm:
                return candidate
        raise KeyError(arm)

    def value(self, name: str) -> Value | None:
        """The study-level value of field ``name`` (None when the study has none)."""
        datum = self.values.get(name)
        return None if datum is None else datum.value

    def name(self) -> str:
        """``study 3`` or ``study 3 (Zeng 2014)``."""
        return f"study {self.study}" + (f" ({self.label})" if self.label else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"study": self.study}
        if self.label is not None:
            out["label"] = self.label
        if self.note is not None:
            out["note"] = self.note
        out["values"] = {name: datum.to_dict() for name, datum in self.values.items()}
        out["arms"] = [arm.to_dict() for arm in self.arms]
        out["outcomes"] = [record.to_dict() for record in self.outcomes]
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str, *, file: str | None = None) -> Study:
        mapping = _object(data, where)
        _known_keys(mapping, ("study", "label", "note", "values", "arms", "outcomes"), where)
        arms = _array(mapping.get("arms", []), f"{where}.arms")
        outcomes = _array(mapping.get("outcomes", []), f"{where}.outcomes")
        return cls(
            study=_required(mapping, "study", where),
            label=_json_text(mapping.get("label"), f"{where}.label"),
            note=_json_text(mapping.get("note"), f"{where}.note"),
            values=_values_from_dict(mapping.get("values"), f"{where}.values", file),
            arms=tuple(Arm.from_dict(a, f"{where}.arms[{i}]", file=file) for i, a in enumerate(arms)),
            outcomes=tuple(
                OutcomeRecord.from_dict(o, f"{where}.outcomes[{i}]", file=file) for i, o in enumerate(outcomes)
            ),
            origin=Location(file=file, pointer=where),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """How a disagreement between two extractors was settled, by whom and why.

    ``key`` names the item (as :func:`~sysreview.extraction.compare` lists it). ``choice`` is ``"first"``,
    ``"second"`` or ``"value"`` (a value neither extractor had, given in ``value``). In a consensus the record
    also holds both extractors' values (``first``, ``second``; None where one had none) and the value kept.
    """

    key: str
    choice: str
    by: str
    reason: str
    value: Value | None = None
    first: Value | None = None
    second: Value | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.strip():
            raise InputError(f"a resolution needs the key of the item it settles; got {self.key!r}")
        object.__setattr__(self, "key", self.key.strip())
        if self.choice not in ("first", "second", "value"):
            raise InputError(f"resolution of {self.key}: choice must be first, second or value; got {self.choice!r}")
        for name in ("by", "reason"):
            text = _text_or_none(getattr(self, name), f"resolution of {self.key}: {name}")
            if text is None:
                what = "who resolved it" if name == "by" else "why"
                raise InputError(f"resolution of {self.key}: '{name}' is required (say {what})")
            object.__setattr__(self, name, text)
        for name in ("value", "first", "second"):
            raw = getattr(self, name)
            if raw is not None:
                object.__setattr__(self, name, canonical_value(raw, f"resolution of {self.key}: {name}"))
        if self.choice == "value" and self.value is None:
            raise InputError(f"resolution of {self.key}: choice 'value' needs the value")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "choice": self.choice}
        for name in ("first", "second", "value"):
            value = getattr(self, name)
            out[name] = None if value is None else value_to_json(value)
        out["by"] = self.by
        out["reason"] = self.reason
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Resolution:
        mapping = _object(data, where)
        _known_keys(mapping, ("key", "choice", "first", "second", "value", "by", "reason"), where)

        def optional(name: str) -> Value | None:
            raw = mapping.get(name)
            return None if raw is None else value_from_json(raw, f"{where}.{name}")

        return cls(
            key=_required(mapping, "key", where),
            choice=_required(mapping, "choice", where),
            by=_required(mapping, "by", where),
            reason=_required(mapping, "reason", where),
            value=optional("value"),
            first=optional("first"),
            second=optional("second"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Extraction:
    """The extraction of a set of studies by one extractor (or the consensus of two), on one form.

    Attributes
    ----------
    form, form_version : str or None
        Name and version of the form the data were extracted on.
    extractor : str or None
        Who extracted (for a consensus: who made it).
    studies : tuple of Study
        In the order they were given; ids are unique.
    resolutions : tuple of Resolution
        For a consensus: every disagreement of the two extractions and how it was settled.
    notes : tuple of str
        What the reader noticed (not data: not compared, not written).
    source : str or None
        The file the data were read from (not data).
    """

    form: str | None = None
    form_version: str | None = None
    extractor: str | None = None
    studies: tuple[Study, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("form", "form_version", "extractor"):
            object.__setattr__(self, name, _text_or_none(getattr(self, name), name))
        studies = tuple(self.studies)
        seen: set[str] = set()
        for study in studies:
            if not isinstance(study, Study):
                raise InputError(f"studies must be Study objects, got {study!r}")
            if study.study in seen:
                raise InputError(f"study {study.study} is given twice")
            seen.add(study.study)
        object.__setattr__(self, "studies", studies)
        object.__setattr__(self, "resolutions", tuple(self.resolutions))
        object.__setattr__(self, "notes", tuple(self.notes))

    def __iter__(self) -> Iterator[Study]:
        return iter(self.studies)

    def __len__(self) -> int:
        return len(self.studies)

    def study(self, study: str) -> Study:
        """The study with id ``study``."""
        for candidate in self.studies:
            if candidate.study == study:
                return candidate
        raise KeyError(study)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the JSON form of the extraction (numbers as :class:`~decimal.Decimal`)."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "form": self.form,
            "form_version": self.form_version,
            "extractor": self.extractor,
            "studies": [study.to_dict() for study in self.studies],
            "resolutions": [resolution.to_dict() for resolution in self.resolutions],
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None) -> Extraction:
        """Read :meth:`to_dict`'s data (numbers may be ints, floats or decimals); errors name the JSON path."""
        try:
            mapping = _object(data, "extraction")
            _known_keys(
                mapping, ("format", "version", "form", "form_version", "extractor", "studies", "resolutions"), "top"
            )
            if mapping.get("format", FORMAT) != FORMAT:
                raise InputError(f"not extraction data: format is {mapping.get('format')!r}, expected {FORMAT!r}")
            version = mapping.get("version", FORMAT_VERSION)
            if version != FORMAT_VERSION:
                raise InputError(f"extraction format version {version} is not supported (this is {FORMAT_VERSION})")
            studies = _array(mapping.get("studies", []), "studies")
            resolutions = _array(mapping.get("resolutions", []), "resolutions")
            return cls(
                form=_json_text(mapping.get("form"), "form"),
                form_version=_json_text(mapping.get("form_version"), "form_version"),
                extractor=_json_text(mapping.get("extractor"), "extractor"),
                studies=tuple(Study.from_dict(s, f"studies[{i}]", file=source) for i, s in enumerate(studies)),
                resolutions=tuple(Resolution.from_dict(r, f"resolutions[{i}]") for i, r in enumerate(resolutions)),
                source=source,
            )
        except InputError as err:
            raise err.located(file=source) from None

    def to_json(self) -> str:
        """JSON text (numbers digit for digit as reported)."""
        return _json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str, *, source: str | None = None) -> Extraction:
        """Read :meth:`to_json`'s text."""
        return cls.from_dict(_json.loads(text, source=source), source=source)


# ---------------------------------------------------------------------- JSON values
def value_to_json(value: Value) -> Any:
    """A value as JSON data: text, a decimal, a boolean, a list of choices, ``{"date": …}``, ``{"missing": "NR"}``."""
    if isinstance(value, Missing):
        return {"missing": value.value}
    if isinstance(value, bool | Decimal | str):
        return value
    if isinstance(value, _dt.date):
        return {"date": value.isoformat()}
    return list(value)


def value_from_json(data: Any, where: str) -> Value:
    """The value of :func:`value_to_json`'s data."""
    if isinstance(data, Mapping):
        if set(data) == {"missing"} and data["missing"] in ("NR", "NA"):
            return Missing(data["missing"])
        if set(data) == {"date"} and isinstance(data["date"], str):
            try:
                return _dt.date.fromisoformat(data["date"])
            except ValueError:
                raise InputError(f"{where}: not an ISO date: {data['date']!r}") from None
        raise InputError(
            f"{where}: expected a value, {{'missing': 'NR'|'NA'}} or {{'date': 'YYYY-MM-DD'}}; got {data!r}"
        )
    if isinstance(data, float):
        data = Decimal(repr(data))
    if data is None:
        raise InputError(f"{where}: null is not a value; leave the item out, or write {{'missing': 'NR'}}")
    return canonical_value(data, where)


# ---------------------------------------------------------------------- reading JSON data
def _object(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected an object, got {type(data).__name__}")
    return data


def _array(data: Any, where: str) -> list[Any]:
    if not isinstance(data, list | tuple):
        raise InputError(f"{where}: expected a list, got {type(data).__name__}")
    return list(data)


def _known_keys(data: Mapping[str, Any], known: Iterable[str], where: str) -> None:
    allowed = tuple(known)
    for key in data:
        if key not in allowed:
            raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(allowed)})")


def _required(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: '{key}' is required (non-empty text)")
    return value


def _json_text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InputError(f"{where}: expected text, got {value!r}")
    return value


def _values_from_dict(data: Any, where: str, file: str | None) -> dict[str, Datum]:
    if data is None:
        return {}
    mapping = _object(data, where)
    return {name: Datum.from_dict(item, f"{where}.{name}", file=file) for name, item in mapping.items()}
