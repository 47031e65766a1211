"""The analysis plan of a project folder (``analysis.toml``) and the files it names, read and checked."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sysreview.errors import InputError

__all__ = ["PLAN_FILE", "AnalysisSpec", "Plan", "load_plan", "read_csv"]

PLAN_FILE = "analysis.toml"
_MEASURES = ("SMD", "RR")
_ROLES = ("primary", "secondary", "sensitivity")
_DATA_KEYS = ("arms", "counts", "studies", "rob", "prisma", "decisions", "records")


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisSpec:
    """One planned meta-analysis (an ``[[analyses]]`` table)."""

    id: str
    outcome: str
    label: str
    measure: str
    method: str
    test: str
    role: str = "primary"
    subgroup: str | None = None
    leave_one_out: bool = False
    small_study: bool = False
    favours: tuple[str, str] | None = None
    reported: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The whole plan: data files (absolute paths), analyses, confidence level and the claims file to audit."""

    root: Path
    level: float
    analyses: tuple[AnalysisSpec, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    claims: Path | None = None


def load_plan(directory: str | Path) -> Plan:
    """Read ``DIR/analysis.toml``; every error names the file and the key."""
    root = Path(directory)
    path = root / PLAN_FILE
    if not root.is_dir():
        raise InputError("not a project folder", file=str(root))
    if not path.is_file():
        raise InputError(f"no {PLAN_FILE} (the analysis plan) in the project folder", file=str(root))
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(path)) from None
    level = doc.get("level", 0.95)
    if not isinstance(level, float) or not 0 < level < 1:
        raise InputError(f"key 'level': expected a number between 0 and 1, got {level!r}", file=str(path))
    data: dict[str, Any] = {}
    for key, value in dict(doc.get("data", {})).items():
        if key not in _DATA_KEYS:
            raise InputError(f"key 'data.{key}': unknown; expected one of {', '.join(_DATA_KEYS)}", file=str(path))
        names = value if isinstance(value, list) else [value]
        paths = [root / str(v) for v in names]
        for p in paths:
            if not p.is_file():
                raise InputError(f"key 'data.{key}': no file {p}", file=str(path))
        data[key] = paths if isinstance(value, list) else paths[0]
    analyses = []
    seen: set[str] = set()
    for i, table in enumerate(doc.get("analyses", []), start=1):
        analyses.append(_spec(table, f"analyses[{i}]", str(path)))
        if analyses[-1].id in seen:
            raise InputError(f"key 'analyses[{i}].id': {analyses[-1].id!r} is used twice", file=str(path))
        seen.add(analyses[-1].id)
    if not analyses:
        raise InputError("no [[analyses]] planned", file=str(path))
    claims = doc.get("claims")
    claims_path = (root / claims).resolve() if isinstance(claims, str) else None
    return Plan(root=root, level=level, analyses=tuple(analyses), data=data, claims=claims_path)


def _spec(table: Mapping[str, Any], where: str, file: str) -> AnalysisSpec:
    from sysreview.models import METHODS, TESTS

    def text(key: str, choices: tuple[str, ...] | None = None, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            raise InputError(f"key '{where}.{key}': expected text", file=file)
        if choices and value not in choices:
            raise InputError(f"key '{where}.{key}': {value!r} is not one of {', '.join(choices)}", file=file)
        return value

    known = set(AnalysisSpec.__dataclass_fields__)
    for key in table:
        if key not in known:
            raise InputError(f"key '{where}.{key}': unknown key", file=file)
    favours = table.get("favours")
    if favours is not None and (not isinstance(favours, list) or len(favours) != 2):
        raise InputError(f"key '{where}.favours': expected two labels (left, right)", file=file)
    return AnalysisSpec(
        id=text("id"),
        outcome=text("outcome"),
        label=text("label", default=table.get("id")),
        measure=text("measure", _MEASURES),
        method=text("method", tuple(METHODS)),
        test=text("test", tuple(TESTS), default="z"),
        role=text("role", _ROLES, default="primary"),
        subgroup=table.get("subgroup"),
        leave_one_out=bool(table.get("leave_one_out", False)),
        small_study=bool(table.get("small_study", False)),
        favours=(str(favours[0]), str(favours[1])) if favours else None,
        reported=str(table.get("reported", "")),
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV file as dicts (a BOM is allowed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
