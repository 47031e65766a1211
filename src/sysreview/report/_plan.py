"""The analysis plan of a project folder (``analysis.toml``) and the files it names, read and checked.

The plan (see ``examples/atrophic-scars/analysis.toml``)::

    level = 0.95                      # confidence level of every interval
    claims = "claims.yaml"            # optional: the published claims to audit

    [data]                            # files, relative to the project folder
    arms = "extraction/arms.csv"      # one row per arm: columns `arm` (intervention/control), `study`, the
                                      # comparison column, `n`, and the outcome's columns
    counts = "extraction/counts.csv"  # optional: binary outcomes, one row per arm and outcome (column `outcome`)
    # also: studies, rob, prisma, decisions, records; any of them may instead be a table naming the file with
    # an optional note (shown with its table in the report) and caption (of the figure drawn from it):
    # rob = { file = "appraisal/rob2.csv", note = "…", caption = "…" }

    [[analyses]]
    id = "pain-md"                    # unique
    outcome = "pain"                  # rows are those whose `outcome` column equals this, if the table has one
    measure = "MD"                    # continuous: MD, SMD, SMDH, ROM; binary: RR, OR, RD
    method = "REML"                   # any of sysreview.models.METHODS (inverse variance)
    test = "z"                        # z, t, knha or adhoc
    # optional: label, role (primary/secondary/sensitivity), subgroup (a column of the arm table, taken from
    # the intervention arm and required to be the same in both arms), leave_one_out, small_study,
    # favours = [left, right], reported (the published result, as text), and the column names:
    mean = "ecca_change_mean"         # continuous: each arm's mean (default shown)
    sd = "ecca_change_sd"             # continuous: each arm's SD
    n = "n"                           # each arm's size
    events = "events"                 # binary: each arm's events
    comparison = "table3_row"         # the column pairing an intervention arm and its control arm

Continuous analyses read the arm table; binary ones the counts table (the arm table when there is none).
Every analysis is pooled by inverse variance with ``rma``: Peto's odds ratio and Mantel–Haenszel pooling
(``rma_peto``, ``rma_mh``) are not offered by ``sysreview run``, and ``measure = "PETO"`` is rejected.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sysreview.errors import InputError

__all__ = ["BINARY_MEASURES", "CONTINUOUS_MEASURES", "PLAN_FILE", "AnalysisSpec", "Plan", "load_plan", "read_csv"]

PLAN_FILE = "analysis.toml"
#: two-group measures of a continuous outcome (escalc's n1i, m1i, sd1i, n2i, m2i, sd2i)
CONTINUOUS_MEASURES = ("MD", "SMD", "SMDH", "ROM")
#: two-group measures of a binary outcome (escalc's ai, bi, ci, di)
BINARY_MEASURES = ("RR", "OR", "RD")
_MEASURES = (*CONTINUOUS_MEASURES, *BINARY_MEASURES)
_COLUMN_KEYS = ("mean", "sd", "n", "events", "comparison")
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
    mean: str = "ecca_change_mean"
    sd: str = "ecca_change_sd"
    n: str = "n"
    events: str = "events"
    comparison: str = "table3_row"


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The whole plan: data files (absolute paths), analyses, confidence level and the claims file to audit."""

    root: Path
    level: float
    analyses: tuple[AnalysisSpec, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    claims: Path | None = None
    #: the optional ``note`` of each data file (by its key in ``[data]``): shown with its table in the report
    notes: Mapping[str, str] = field(default_factory=dict)
    #: the optional ``caption`` of each data file (by its key): added to the caption of the figure drawn from it
    captions: Mapping[str, str] = field(default_factory=dict)


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
    notes: dict[str, str] = {}
    captions: dict[str, str] = {}
    for key, value in dict(doc.get("data", {})).items():
        if key not in _DATA_KEYS:
            raise InputError(f"key 'data.{key}': unknown; expected one of {', '.join(_DATA_KEYS)}", file=str(path))
        given = _data_table(value, key, notes, captions, str(path)) if isinstance(value, dict) else value
        names = given if isinstance(given, list) else [given]
        paths = [root / str(v) for v in names]
        for p in paths:
            if not p.is_file():
                raise InputError(f"key 'data.{key}': no file {p}", file=str(path))
        data[key] = paths if isinstance(given, list) else paths[0]
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
    return Plan(root=root, level=level, analyses=tuple(analyses), data=data, claims=claims_path, notes=notes,
                captions=captions)  # fmt: skip


def _data_table(table: Mapping[str, Any], key: str, notes: dict[str, str], captions: dict[str, str],
                file: str) -> Any:  # fmt: skip
    """The file(s) of a ``[data]`` entry given as a table (``file``, optional ``note`` and ``caption``)."""
    for name in table:
        if name not in ("file", "note", "caption"):
            raise InputError(f"key 'data.{key}.{name}': unknown; expected file, note or caption", file=file)
    value = table.get("file")
    if not (isinstance(value, str) and value) and not (isinstance(value, list) and value):
        raise InputError(f"key 'data.{key}.file': expected a file name (or a list of them)", file=file)
    for name, into in (("note", notes), ("caption", captions)):
        if name in table:
            if not isinstance(table[name], str):
                raise InputError(f"key 'data.{key}.{name}': expected text", file=file)
            into[key] = table[name].strip()
    return value


def _spec(table: Mapping[str, Any], where: str, file: str) -> AnalysisSpec:
    from sysreview.models import METHODS, TESTS

    name = table.get("id")
    of = f" (analysis {name!r})" if isinstance(name, str) and name else ""

    def text(key: str, choices: tuple[str, ...] | None = None, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            raise InputError(f"key '{where}.{key}'{of}: expected text", file=file)
        if choices and value not in choices:
            extra = ""
            if key == "measure" and value == "PETO":
                extra = " (Peto's one-step odds ratio needs Peto's pooling, which `sysreview run` does not fit)"
            raise InputError(f"key '{where}.{key}'{of}: {value!r} is not one of {', '.join(choices)}{extra}",
                             file=file)  # fmt: skip
        return value

    known = set(AnalysisSpec.__dataclass_fields__)
    for key in table:
        if key not in known:
            raise InputError(f"key '{where}.{key}'{of}: unknown key", file=file)
    favours = table.get("favours")
    if favours is not None and (not isinstance(favours, list) or len(favours) != 2):
        raise InputError(f"key '{where}.favours'{of}: expected two labels (left, right)", file=file)
    defaults = {k: AnalysisSpec.__dataclass_fields__[k].default for k in _COLUMN_KEYS}
    columns = {k: text(k, default=str(defaults[k])) for k in _COLUMN_KEYS}
    return AnalysisSpec(
        id=text("id"),
        outcome=text("outcome"),
        label=text("label", default=table.get("id")),
        measure=text("measure", _MEASURES),
        method=text("method", tuple(METHODS)),
        test=text("test", tuple(TESTS), default="z"),
        role=text("role", _ROLES, default="primary"),
        subgroup=text("subgroup") if "subgroup" in table else None,
        leave_one_out=bool(table.get("leave_one_out", False)),
        small_study=bool(table.get("small_study", False)),
        favours=(str(favours[0]), str(favours[1])) if favours else None,
        reported=str(table.get("reported", "")),
        mean=columns["mean"],
        sd=columns["sd"],
        n=columns["n"],
        events=columns["events"],
        comparison=columns["comparison"],
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV file as dicts (a BOM is allowed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
