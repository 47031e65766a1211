"""Extraction forms: the fields of a study and of its arms, the outcomes, and the reporting-completeness items.

A form is a TOML file::

    [form]
    name = "regenerative-dermatology"
    version = "1.0"
    within_person = ["within-person"]        # design choices analysed as paired

    [[study]]                                # one value per study
    name = "design"
    type = "choice"                          # text integer number choice multi-choice boolean date
    choices = ["parallel", "within-person", "cohort", "case series"]
    required = true
    help = "..."

    [[arm]]                                  # one value per arm
    name = "n_randomised"
    type = "integer"
    unit = "participants"
    minimum = 1
    required = true

    [[outcome]]
    name = "ecca"
    family = "continuous"                    # continuous dichotomous time-to-event
    unit = "points"
    minimum = 0
    maximum = 168

    [[completeness]]                         # reporting-completeness items (e.g. TIDieR)
    item = "TIDieR 8"
    name = "When and how much"
    fields = ["arm.sessions", "arm.cell_concentration"]

Field keys: ``name``, ``type``, ``label``, ``unit``, ``choices``, ``required``, ``help``, ``minimum``,
``maximum``, ``tolerance`` (``"rounding"`` or an absolute difference: two extractors' values that differ by
no more agree), ``percent_of`` (a percentage of the study's integer field named here, checked for whole
numbers of participants), ``requires`` (fields that must have a value when this one has), ``roles`` (arm
fields: the roles it applies to; ``required`` and completeness consider only those).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from sysreview.errors import InputError
from sysreview.extraction._data import ROLES, STATS
from sysreview.extraction._values import FIELD_TYPES

__all__ = [
    "DEFAULT_FORM",
    "FAMILIES",
    "LEVELS",
    "RESERVED",
    "CompletenessItem",
    "FieldSpec",
    "Form",
    "OutcomeSpec",
    "default_form",
    "default_form_text",
    "load_form",
]

#: name of the form shipped with sysreview (regenerative dermatology: seed 001's items)
DEFAULT_FORM: Final = "regenerative-dermatology"
#: kinds of outcome data: means and SDs, events, or hazard ratios reported as effects
FAMILIES: Final = ("continuous", "dichotomous", "time-to-event")
#: where a field's value lives
LEVELS: Final = ("study", "arm")
#: field names the validation understands, with the type each must have when a form has it
RESERVED: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "study": MappingProxyType(
            {"design": "choice", "randomised": "boolean", "n_randomised": "integer", "within_person_r": "number",
             "follow_up": "number", "follow_up_unit": "choice"}
        ),
        "arm": MappingProxyType({"n_randomised": "integer", "n_analysed": "integer"}),
    }
)  # fmt: skip
_NUMERIC: Final = frozenset({"integer", "number"})
_DIRECTIONS: Final = ("lower", "higher")
_FORM_KEYS: Final = ("name", "version", "title", "description", "within_person")
_FIELD_KEYS: Final = (
    "name", "type", "label", "unit", "choices", "required", "help", "minimum", "maximum", "tolerance",
    "percent_of", "requires", "roles",
)  # fmt: skip
_OUTCOME_KEYS: Final = (
    "name", "label", "family", "unit", "minimum", "maximum", "direction", "timepoints", "tolerance", "help",
)  # fmt: skip
_COMPLETENESS_KEYS: Final = ("item", "name", "fields", "roles", "help")
# names that the spreadsheets use for their own columns
_NOT_FIELD_NAMES: Final = frozenset({"study", "arm", "label", "role", "note", "field", "value"})


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InputError(f"{where}: expected a number, got {value!r}")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{where}: expected a list of non-empty texts, got {value!r}")
    items = tuple(v.strip() for v in value)
    duplicates = sorted({v for v in items if items.count(v) > 1})
    if duplicates:
        raise InputError(f"{where}: {duplicates[0]!r} is listed twice")
    return items


def _text(value: Any, where: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InputError(f"{where}: is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InputError(f"{where}: expected text, got {value!r}")
    return value.strip() or None


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{where}: expected true or false, got {value!r}")
    return value


def _tolerance(value: Any, where: str) -> str | Decimal | None:
    if value is None or value == "rounding":
        return value
    number = _number(value, where)
    if number < 0:
        raise InputError(f"{where}: a tolerance must be 'rounding' or a number of zero or more, got {value!r}")
    return number


def _check_keys(data: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in data:
        if key not in known:
            raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(known)})")


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    """One field of the form: a study characteristic or a property of each arm."""

    name: str
    level: str
    type: str
    label: str | None = None
    unit: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = False
    help: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    tolerance: str | Decimal | None = None
    percent_of: str | None = None
    requires: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"{self.level} field '{self.name}'"
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise InputError(f"{where}: a field name is lower-case letters, digits and underscores")
        if self.name in _NOT_FIELD_NAMES:
            raise InputError(f"{where}: '{self.name}' is a column of the spreadsheets, not a field name")
        if self.level not in LEVELS:
            raise InputError(f"{where}: level must be study or arm")
        if self.type not in FIELD_TYPES:
            raise InputError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}; got {self.type!r}")
        if self.type in {"choice", "multi-choice"}:
            if not self.choices:
                raise InputError(f"{where}: a {self.type} field needs its choices")
            bad = [c for c in self.choices if ";" in c or c.casefold() in {"nr", "na", "n/a"}]
            if bad:
                raise InputError(f"{where}: the choice {bad[0]!r} cannot be used (';', NR and NA are reserved)")
        elif self.choices:
            raise InputError(f"{where}: choices are for choice and multi-choice fields, not {self.type}")
        if (self.minimum is not None or self.maximum is not None) and self.type not in _NUMERIC:
            raise InputError(f"{where}: minimum and maximum are for integer and number fields")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise InputError(f"{where}: minimum {self.minimum} is above maximum {self.maximum}")
        if self.tolerance is not None and self.type not in _NUMERIC:
            raise InputError(f"{where}: a tolerance is for integer and number fields")
        if self.percent_of is not None and self.type != "number":
            raise InputError(f"{where}: percent_of is for number fields (percentages)")
        if self.roles:
            if self.level != "arm":
                raise InputError(f"{where}: roles are for arm fields")
            bad_roles = [r for r in self.roles if r not in ROLES]
            if bad_roles:
                raise InputError(f"{where}: role {bad_roles[0]!r} is not one of {', '.join(ROLES)}")

    @property
    def applies_to(self) -> tuple[str, ...]:
        """Roles of the arms the field applies to (every role when the form names none)."""
        return self.roles or ROLES

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        for key in ("label", "unit", "help", "minimum", "maximum", "tolerance", "percent_of"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.choices:
            out["choices"] = list(self.choices)
        if self.required:
            out["required"] = True
        if self.requires:
            out["requires"] = list(self.requires)
        if self.roles:
            out["roles"] = list(self.roles)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], level: str, where: str) -> FieldSpec:
        _check_keys(data, _FIELD_KEYS, where)
        name = _text(data.get("name"), f"{where}: name", required=True)
        assert name is not None
        where = f"{level} field '{name}'"
        minimum, maximum = data.get("minimum"), data.get("maximum")
        return cls(
            name=name,
            level=level,
            type=_text(data.get("type"), f"{where}: type", required=True) or "",
            label=_text(data.get("label"), f"{where}: label"),
            unit=_text(data.get("unit"), f"{where}: unit"),
            choices=_strings(data["choices"], f"{where}: choices") if "choices" in data else (),
            required=_bool(data.get("required", False), f"{where}: required"),
            help=_text(data.get("help"), f"{where}: help"),
            minimum=None if minimum is None else _number(minimum, f"{where}: minimum"),
            maximum=None if maximum is None else _number(maximum, f"{where}: maximum"),
            tolerance=_tolerance(data.get("tolerance"), f"{where}: tolerance"),
            percent_of=_text(data.get("percent_of"), f"{where}: percent_of"),
            requires=_strings(data["requires"], f"{where}: requires") if "requires" in data else (),
            roles=_strings(data["roles"], f"{where}: roles") if "roles" in data else (),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeSpec:
    """One outcome: its family, unit, the scale's range, which direction is better, and expected time points."""

    name: str
    family: str
    label: str | None = None
    unit: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    direction: str | None = None
    timepoints: tuple[str, ...] = ()
    tolerance: str | Decimal | None = None
    help: str | None = None

    def __post_init__(self) -> None:
        where = f"outcome '{self.name}'"
        if not self.name or any(c in self.name for c in "/#\n\t") or self.name != self.name.strip():
            raise InputError(f"{where}: an outcome name is non-empty text without '/', '#' or line breaks")
        if self.family not in FAMILIES:
            raise InputError(f"{where}: family must be one of {', '.join(FAMILIES)}; got {self.family!r}")
        if self.direction is not None and self.direction not in _DIRECTIONS:
            raise InputError(
                f"{where}: direction must be 'lower' or 'higher' (which is better); got {self.direction!r}"
            )
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise InputError(f"{where}: minimum {self.minimum} is above maximum {self.maximum}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "family": self.family}
        for key in ("label", "unit", "minimum", "maximum", "direction", "tolerance", "help"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.timepoints:
            out["timepoints"] = list(self.timepoints)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> OutcomeSpec:
        _check_keys(data, _OUTCOME_KEYS, where)
        name = _text(data.get("name"), f"{where}: name", required=True)
        assert name is not None
        where = f"outcome '{name}'"
        minimum, maximum = data.get("minimum"), data.get("maximum")
        return cls(
            name=name,
            family=_text(data.get("family"), f"{where}: family", required=True) or "",
            label=_text(data.get("label"), f"{where}: label"),
            unit=_text(data.get("unit"), f"{where}: unit"),
            minimum=None if minimum is None else _number(minimum, f"{where}: minimum"),
            maximum=None if maximum is None else _number(maximum, f"{where}: maximum"),
            direction=_text(data.get("direction"), f"{where}: direction"),
            timepoints=_strings(data["timepoints"], f"{where}: timepoints") if "timepoints" in data else (),
            tolerance=_tolerance(data.get("tolerance"), f"{where}: tolerance"),
            help=_text(data.get("help"), f"{where}: help"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletenessItem:
    """A reporting-completeness item (a TIDieR item, say) and the form fields that report it.

    ``fields`` are ``"study.NAME"`` or ``"arm.NAME"``; arm fields are looked up in the arms whose role is in
    ``roles`` (the intervention arms unless the form says otherwise).
    """

    item: str
    name: str
    fields: tuple[str, ...]
    roles: tuple[str, ...] = ("intervention",)
    help: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item, "name": self.name, "fields": list(self.fields)}
        out["roles"] = list(self.roles)
        if self.help is not None:
            out["help"] = self.help
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> CompletenessItem:
        _check_keys(data, _COMPLETENESS_KEYS, where)
        item = _text(data.get("item"), f"{where}: item", required=True)
        assert item is not None
        where = f"completeness item '{item}'"
        roles = _strings(data["roles"], f"{where}: roles") if "roles" in data else ("intervention",)
        bad = [r for r in roles if r not in ROLES]
        if bad:
            raise InputError(f"{where}: role {bad[0]!r} is not one of {', '.join(ROLES)}")
        return cls(
            item=item,
            name=_text(data.get("name"), f"{where}: name", required=True) or "",
            fields=_strings(data.get("fields"), f"{where}: fields"),
            roles=roles,
            help=_text(data.get("help"), f"{where}: help"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Form:
    """An extraction form: fields of studies and arms, outcomes and reporting-completeness items.

    ``within_person`` lists the choices of the study field ``design`` whose arms are the same participants
    (split-face, within-person, cross-over): their sample sizes are checked as such and their continuous
    outcomes analysed as paired.
    """

    name: str
    version: str | None = None
    title: str | None = None
    description: str | None = None
    within_person: tuple[str, ...] = ()
    study_fields: tuple[FieldSpec, ...] = ()
    arm_fields: tuple[FieldSpec, ...] = ()
    outcomes: tuple[OutcomeSpec, ...] = ()
    completeness: tuple[CompletenessItem, ...] = ()
    source: str | None = dataclasses.field(default=None, compare=False)
    _index: Mapping[tuple[str, str], FieldSpec] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], FieldSpec] = {}
        for spec in (*self.study_fields, *self.arm_fields):
            if (spec.level, spec.name) in index:
                raise InputError(f"{spec.level} field '{spec.name}' is defined twice")
            index[(spec.level, spec.name)] = spec
        object.__setattr__(self, "_index", MappingProxyType(index))
        names = [o.name for o in self.outcomes]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError(f"outcome '{twice[0]}' is defined twice")
        for level, fields in RESERVED.items():
            for name, kind in fields.items():
                reserved = index.get((level, name))
                if reserved is not None and reserved.type != kind:
                    raise InputError(f"{level} field '{name}' is used by the checks and must be of type {kind}")
        for spec in index.values():
            where = f"{spec.level} field '{spec.name}'"
            if spec.percent_of is not None:
                base = index.get(("study", spec.percent_of))
                if base is None or base.type != "integer":
                    raise InputError(f"{where}: percent_of must name an integer study field; got {spec.percent_of!r}")
            for other in spec.requires:
                if (spec.level, other) not in index:
                    raise InputError(f"{where}: requires {other!r}, which is not a {spec.level} field of the form")
        design = index.get(("study", "design"))
        for choice in self.within_person:
            if design is None or choice not in design.choices:
                raise InputError(f"form: within_person lists {choice!r}, which is not a choice of the design field")
        for item in self.completeness:
            for reference in item.fields:
                level, _, name = reference.partition(".")
                if (level, name) not in index:
                    raise InputError(
                        f"completeness item '{item.item}': {reference!r} is not a field of the form "
                        "(write study.NAME or arm.NAME)"
                    )

    def field(self, level: str, name: str) -> FieldSpec | None:
        """The spec of field ``name`` at ``level`` (``"study"`` or ``"arm"``), or None."""
        return self._index.get((level, name))

    def fields(self, level: str) -> tuple[FieldSpec, ...]:
        """The fields of ``level`` in the form's order."""
        return self.study_fields if level == "study" else self.arm_fields

    def outcome(self, name: str) -> OutcomeSpec | None:
        """The spec of outcome ``name``, or None."""
        return next((o for o in self.outcomes if o.name == name), None)

    def kind(self, level: str, name: str) -> str | None:
        """The type of a field (``level`` ``"study"`` or ``"arm"``) or of a statistic (``"stat"``); None if unknown."""
        if level == "stat":
            stat = STATS.get(name)
            return None if stat is None else stat.kind
        spec = self.field(level, name)
        return None if spec is None else spec.type

    def to_dict(self) -> dict[str, Any]:
        form: dict[str, Any] = {"name": self.name}
        for key in ("version", "title", "description"):
            value = getattr(self, key)
            if value is not None:
                form[key] = value
        if self.within_person:
            form["within_person"] = list(self.within_person)
        return {
            "form": form,
            "study": [spec.to_dict() for spec in self.study_fields],
            "arm": [spec.to_dict() for spec in self.arm_fields],
            "outcome": [spec.to_dict() for spec in self.outcomes],
            "completeness": [item.to_dict() for item in self.completeness],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Form:
        """A form from TOML data (see the module documentation); errors name the file and the field."""
        try:
            _check_keys(data, ("form", "study", "arm", "outcome", "completeness"), "form file")
            head = data.get("form")
            if not isinstance(head, Mapping):
                raise InputError("the [form] table with the form's name is missing")
            _check_keys(head, _FORM_KEYS, "[form]")
            sections = {}
            for key in ("study", "arm", "outcome", "completeness"):
                items = data.get(key, [])
                if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
                    raise InputError(f"[[{key}]] must be an array of tables")
                sections[key] = items
            version = head.get("version")
            return cls(
                name=_text(head.get("name"), "[form]: name", required=True) or "",
                version=None if version is None else str(version),
                title=_text(head.get("title"), "[form]: title"),
                description=_text(head.get("description"), "[form]: description"),
                within_person=_strings(head.get("within_person", []), "[form]: within_person"),
                study_fields=tuple(
                    FieldSpec.from_dict(d, "study", f"[[study]] number {i + 1}")
                    for i, d in enumerate(sections["study"])
                ),
                arm_fields=tuple(
                    FieldSpec.from_dict(d, "arm", f"[[arm]] number {i + 1}") for i, d in enumerate(sections["arm"])
                ),
                outcomes=tuple(
                    OutcomeSpec.from_dict(d, f"[[outcome]] number {i + 1}") for i, d in enumerate(sections["outcome"])
                ),
                completeness=tuple(
                    CompletenessItem.from_dict(d, f"[[completeness]] number {i + 1}")
                    for i, d in enumerate(sections["completeness"])
                ),
                source=source,
            )
        except InputError as err:
            raise err.located(file=source) from None


def load_form(path: str | Path) -> Form:
    """Read a form from a TOML file; errors name the file and the field."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the form: {exc}", file=source) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=source) from None
    return Form.from_dict(data, source=source)


def default_form_text() -> str:
    """The TOML text of the default form (regenerative dermatology; seed 001's items), to copy and adapt."""
    return (resources.files("sysreview.extraction") / "forms" / "regenerative_dermatology.toml").read_text(
        encoding="utf-8"
    )


def default_form() -> Form:
    """The form shipped with sysreview for regenerative-dermatology reviews (seed 001's extraction items)."""
    return Form.from_dict(tomllib.loads(default_form_text()), source=f"{DEFAULT_FORM} (built in)")
