"""Risk-of-bias tables in robvis's input format: read, write, and check the overall judgements against the tool.

robvis (McGuinness & Higgins 2021) takes one row per study: a study column, one column per domain (``D1`` …
``Dn``), an ``Overall`` column and, optionally, a numeric ``Weight`` column. Real tables vary, so the reader finds
the columns by name and position:

- the *study* columns are the first run of columns named like study labels (``Study``, ``Author (Year)``,
  ``Author``, ``Study ID``, ``Trial``, ``Reference``, ``ID`` …), or else the first column; the label is taken from
  the first of these names in that order of preference (``Author (Year)`` over ``Study ID``); an unnamed first
  column followed by a study column (R's ``write.csv`` row names) is skipped;
- the *overall* column is the one named ``Overall`` (or ``Overall risk of bias``, ``Overall judgement`` …);
- the *weight* column is the one named ``Weight`` (or ``Weights``); it must hold numbers;
- the *domains* are the columns between the study column and the overall column, in order.

Judgements are normalised by :func:`sysreview.appraisal.normalise_judgement` (the documented spellings of
:data:`sysreview.appraisal.SPELLINGS`); an unknown spelling or an empty domain cell is an InputError naming the
file, row and column. An empty ``Overall`` cell means "not reported": the check then gives the algorithm's
judgement with ``consistent`` None.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sysreview.appraisal._overall import ROBINS_I_DOMAINS, overall_rule
from sysreview.appraisal._rob2 import ROB2_DOMAINS
from sysreview.appraisal._vocab import NOT_APPLICABLE, Tool, normalise_judgement, tool_name
from sysreview.errors import InputError
from sysreview.tabular import read_table

__all__ = ["RobCheck", "RobRow", "RobTable", "StudyCheck", "check_robvis", "read_robvis", "write_robvis"]

#: names of study label columns, in order of preference for the label (the others are kept out of the domains)
_LABELS = {
    name: rank
    for rank, name in enumerate(
        (
            "study",
            "study name",
            "studies",
            "author (year)",
            "author year",
            "author",
            "authors",
            "first author",
            "study id",
            "studyid",
            "trial",
            "reference",
            "citation",
            "slab",
            "id",
        )
    )
}
_OVERALL = re.compile(r"overall(?:\s+(?:risk(?:\s+of\s+bias)?|rob|bias|judge?ment|judgement))?")
_WEIGHT = {"weight", "weights"}
_UNNAMED = re.compile(r"column\d+")


@dataclass(frozen=True, slots=True, kw_only=True)
class RobRow:
    """One study of a robvis table: its label, spreadsheet row, normalised domain judgements, overall, weight."""

    study: str
    judgements: tuple[str, ...]
    overall: str | None  # None: not reported (empty cell)
    weight: float | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyCheck:
    """The reported overall judgement of one study against the tool's rule.

    ``algorithm`` is what the published rule gives, ``allowed`` what a reviewer may record without contradicting
    it; ``consistent`` is whether ``reported`` is among ``allowed`` (None when no overall judgement is reported).
    """

    study: str
    row: int | None
    reported: str | None
    algorithm: str
    allowed: tuple[str, ...]
    consistent: bool | None
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "row": self.row,
            "reported": self.reported,
            "algorithm": self.algorithm,
            "allowed": list(self.allowed),
            "consistent": self.consistent,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RobCheck:
    """The check of every study of a table (:func:`check_robvis`)."""

    tool: Tool
    source: str | None
    domains: tuple[str, ...]
    studies: tuple[StudyCheck, ...]
    notes: tuple[str, ...] = ()

    @property
    def inconsistent(self) -> tuple[StudyCheck, ...]:
        """The studies whose reported overall judgement the tool's rule does not allow."""
        return tuple(s for s in self.studies if s.consistent is False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tool": self.tool,
            "file": self.source,
            "domains": list(self.domains),
            "k": len(self.studies),
            "inconsistent": len(self.inconsistent),
            "studies": [s.to_dict() for s in self.studies],
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class RobTable:
    """A risk-of-bias table of one tool: domain columns and one :class:`RobRow` per study (robvis's layout)."""

    tool: Tool
    domains: tuple[str, ...]
    rows: tuple[RobRow, ...]
    source: str | None = None
    study_column: str = "Study"
    overall_column: str = "Overall"
    weight_column: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rows)

    def check(self) -> RobCheck:
        """Each study's reported overall judgement against the tool's rule (see :func:`check_robvis`)."""
        return check_robvis(self)


def check_robvis(table: RobTable) -> RobCheck:
    """For each study: the reported overall judgement, the one the tool's rule gives, and whether they agree.

    The rule is RoB 2's or ROBINS-I's (:func:`sysreview.appraisal.overall_rule`); ``consistent`` is whether the
    reported judgement is among the rule's allowed outcomes (for RoB 2 with some concerns in several domains,
    "Some concerns" and "High" are both allowed; for ROBINS-I with domains lacking information, "No information"
    and the rule applied to the other domains).
    """
    checks: list[StudyCheck] = []
    for row in table.rows:
        try:
            rule = overall_rule(row.judgements, tool=table.tool, domains=table.domains)
        except InputError as err:
            raise InputError(err.message, file=table.source, row=row.row) from None
        consistent = None if row.overall is None else rule.permits(row.overall)
        checks.append(
            StudyCheck(
                study=row.study,
                row=row.row,
                reported=row.overall,
                algorithm=rule.algorithm,
                allowed=rule.allowed,
                consistent=consistent,
                rule=rule.rule,
            )
        )
    return RobCheck(
        tool=table.tool, source=table.source, domains=table.domains, studies=tuple(checks), notes=table.notes
    )


# ---------------------------------------------------------------------- reading
def read_robvis(path: str | Path, *, tool: Tool, sheet: str | None = None) -> RobTable:
    """Read a robvis-format table (CSV, TSV or XLSX) of ``tool`` (``"rob2"`` or ``"robins-i"``).

    See the module documentation for how columns are found and judgements normalised. Errors name the file, the
    spreadsheet row (the header is row 1) and the column.
    """
    if tool not in ("rob2", "robins-i"):
        raise InputError(f"unknown tool {tool!r}; choose one of rob2, robins-i")
    table = read_table(path, sheet=sheet)
    source = table.source
    columns = list(table.columns)
    notes = list(table.notes)
    keys = [_key(c) for c in columns]

    overall_at = [i for i, k in enumerate(keys) if _OVERALL.fullmatch(k)]
    if not overall_at:
        raise InputError(
            f"no Overall column; a robvis table has Study, D1 … Dn, Overall (and optionally Weight); "
            f"the file has columns: {', '.join(columns)}",
            file=source,
        )
    if len(overall_at) > 1:
        raise InputError(f"more than one overall column ({', '.join(columns[i] for i in overall_at)})", file=source)
    overall_index = overall_at[0]
    weight_at = [i for i, k in enumerate(keys) if k in _WEIGHT]
    weight_index = weight_at[0] if weight_at else None

    start = 0
    if _UNNAMED.fullmatch(columns[0]) and len(columns) > 1 and keys[1] in _LABELS:
        start = 1  # R's row names before the study column
    label_at = [i for i in range(start, overall_index) if keys[i] in _LABELS]
    first_label = label_at[0] if label_at else start
    first_domain = first_label + 1
    while first_domain < overall_index and keys[first_domain] in _LABELS:
        first_domain += 1  # "Study ID" then "Author (Year)": both labels
    study_index = min(range(first_label, first_domain), key=lambda i: _LABELS.get(keys[i], len(_LABELS)))
    domain_indices = [i for i in range(first_domain, overall_index) if i != weight_index]
    if not domain_indices:
        raise InputError(
            f"no domain columns between '{columns[study_index]}' and '{columns[overall_index]}'", file=source
        )
    used = {*range(first_label, first_domain), *domain_indices, overall_index, weight_index}
    skipped = [c for i, c in enumerate(columns) if i not in used and not (i == 0 and start == 1)]
    if skipped:
        notes.append(f"{source}: column(s) {', '.join(skipped)} not used (outside the study … overall columns)")
    domains = tuple(columns[i] for i in domain_indices)
    expected = ROB2_DOMAINS if tool == "rob2" else ROBINS_I_DOMAINS
    # robvis's RoB 2 template for cluster trials adds D1b (identification and recruitment of participants)
    counted = [d for d in domains if _key(d) != "d1b"] if tool == "rob2" else list(domains)
    if len(counted) != len(expected):
        notes.append(
            f"{source}: {tool_name(tool)} has {len(expected)} domains; the table has {len(domains)} "
            f"({', '.join(domains)}); all are used for the overall judgement"
        )

    labels = table.cells(columns[study_index])
    weights = table.cells(columns[weight_index]) if weight_index is not None else None
    rows: list[RobRow] = []
    for i, number in enumerate(table.row_numbers):
        label = labels[i]
        study = _text(label) if label is not None else f"row {number}"
        judgements = tuple(_judgement(table.cells(c)[i], tool, source, number, c) for c in domains)
        if all(j == NOT_APPLICABLE for j in judgements):
            raise InputError("every domain is 'Not applicable'", file=source, row=number)
        overall_cell = table.cells(columns[overall_index])[i]
        overall = None
        if overall_cell is not None:
            overall = _judgement(overall_cell, tool, source, number, columns[overall_index])
            if overall == NOT_APPLICABLE:
                raise InputError(
                    "the overall judgement cannot be 'Not applicable' (leave the cell empty if none is reported)",
                    file=source,
                    row=number,
                    column=columns[overall_index],
                )
        weight = None
        if weights is not None and weight_index is not None:
            weight = _weight(weights[i], source, number, columns[weight_index])
        rows.append(RobRow(study=study, judgements=judgements, overall=overall, weight=weight, row=number))
    if not rows:
        raise InputError("no studies: the table has a header and no data rows", file=source)
    missing_overall = [r.row for r in rows if r.overall is None]
    if missing_overall:
        notes.append(f"{source}: no overall judgement reported on row(s) {', '.join(str(r) for r in missing_overall)}")
    return RobTable(
        tool=tool,
        domains=domains,
        rows=tuple(rows),
        source=source,
        study_column=columns[study_index],
        overall_column=columns[overall_index],
        weight_column=columns[weight_index] if weight_index is not None else None,
        notes=tuple(notes),
    )


def _key(column: str) -> str:
    return " ".join(column.replace("_", " ").replace(".", " ").split()).casefold()


def _text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _judgement(cell: object, tool: Tool, source: str, row: int, column: str) -> str:
    if cell is None:
        raise InputError(
            "empty judgement; write one (or 'No information', or 'Not applicable' for a domain that does not apply)",
            file=source,
            row=row,
            column=column,
        )
    if not isinstance(cell, str):
        raise InputError(f"not a judgement: {_text(cell)!r}", file=source, row=row, column=column)
    try:
        return normalise_judgement(cell, tool)
    except InputError as err:
        raise InputError(err.message, file=source, row=row, column=column) from None


def _weight(cell: object, source: str, row: int, column: str) -> float | None:
    if cell is None:
        return None
    try:
        value = float(cell.strip() if isinstance(cell, str) else cell)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"not a number: {_text(cell)!r}", file=source, row=row, column=column) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(
            f"a weight must be a finite number ≥ 0, got {_text(cell)}", file=source, row=row, column=column
        )
    return value


# ---------------------------------------------------------------------- writing
def write_robvis(table: RobTable, path: str | Path) -> Path:
    """Write ``table`` as robvis input (CSV, or TSV for a ``.tsv`` suffix) with the canonical spellings.

    Columns: the study column, the domains, the overall column and, when the table has weights, the weight
    column, named as in ``table``. An unreported overall judgement is an empty cell. Reading the file back gives
    the same table (apart from ``source`` and ``notes``).
    """
    path = Path(path)
    delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    header = [table.study_column, *table.domains, table.overall_column]
    if table.weight_column is not None:
        header.append(table.weight_column)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        for row in table.rows:
            cells: list[str] = [row.study, *row.judgements, row.overall or ""]
            if table.weight_column is not None:
                cells.append(_number(row.weight))
            writer.writerow(cells)
    return path


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def table_from_rows(
    rows: Sequence[RobRow], *, tool: Tool, domains: Sequence[str] | None = None, source: str | None = None
) -> RobTable:
    """A :class:`RobTable` of ``rows`` (domains named D1 … Dn unless given)."""
    width = len(rows[0].judgements) if rows else 0
    for row in rows:
        if len(row.judgements) != width:
            raise InputError(f"study {row.study!r} has {len(row.judgements)} domain judgements, not {width}")
    names = tuple(domains) if domains is not None else tuple(f"D{i + 1}" for i in range(width))
    weighted = any(r.weight is not None for r in rows)
    return RobTable(
        tool=tool,
        domains=names,
        rows=tuple(rows),
        source=source,
        weight_column="Weight" if weighted else None,
    )
