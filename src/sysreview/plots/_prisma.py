"""PRISMA 2020 flow diagram (Page et al. 2021) from the counts of the official template's fields.

The counts use the field names of the PRISMA2020 R package and Shiny app (Haddaway et al. 2022), whose input CSV
(``PRISMA.csv``: columns ``data`` and ``n``) :func:`read_prisma_csv` reads. The diagram is drawn whatever the
counts; :func:`prisma_problems` lists where they do not add up, and :func:`prisma_flow` warns about each with a
:class:`PrismaWarning`.

References
----------
Page, M. J., McKenzie, J. E., Bossuyt, P. M., et al. (2021). The PRISMA 2020 statement: an updated guideline for
reporting systematic reviews. *BMJ*, 372, n71.
Haddaway, N. R., Page, M. J., Pritchard, C. C., & McGuinness, L. A. (2022). PRISMA2020: An R package and Shiny app
for producing PRISMA 2020-compliant flow diagrams. *Campbell Systematic Reviews*, 18, e1230.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from sysreview.errors import InputError
from sysreview.plots._style import (
    Palette,
    Style,
    make_style,
    new_figure,
    resolve_width,
    style_context,
    text_width,
)

__all__ = ["PrismaCounts", "PrismaWarning", "prisma_flow", "prisma_problems", "read_prisma_csv"]


class PrismaWarning(UserWarning):
    """The counts of a PRISMA flow diagram do not add up (the message says which and by how much)."""


Reasons = tuple[tuple[str, int | None], ...]

#: count fields of the template (``PRISMA.csv``'s ``data`` column), in the diagram's order
COUNT_FIELDS: Final = (
    "previous_studies",
    "previous_reports",
    "database_results",
    "register_results",
    "website_results",
    "organisation_results",
    "citations_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "other_sought_reports",
    "other_notretrieved_reports",
    "dbr_assessed",
    "other_assessed",
    "new_studies",
    "new_reports",
    "total_studies",
    "total_reports",
)
#: fields holding "name, n; name, n" lists
LIST_FIELDS: Final = ("database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded")
#: fields of the template that are not counts (box titles, meta-analysis totals)
_IGNORED: Final = frozenset({"identification", "screening", "included", "total_studies_ma", "total_reports_ma"})


@dataclass(frozen=True, slots=True, kw_only=True)
class PrismaCounts:
    """The counts of a PRISMA 2020 flow diagram, by the template's field names (None: not reported).

    ``dbr_excluded`` and ``other_excluded`` are the reports excluded with their reasons, and
    ``database_specific_results`` / ``register_specific_results`` the records per source, as (name, n) pairs.
    """

    previous_studies: int | None = None
    previous_reports: int | None = None
    database_results: int | None = None
    register_results: int | None = None
    website_results: int | None = None
    organisation_results: int | None = None
    citations_results: int | None = None
    duplicates: int | None = None
    excluded_automatic: int | None = None
    excluded_other: int | None = None
    records_screened: int | None = None
    records_excluded: int | None = None
    dbr_sought_reports: int | None = None
    dbr_notretrieved_reports: int | None = None
    other_sought_reports: int | None = None
    other_notretrieved_reports: int | None = None
    dbr_assessed: int | None = None
    other_assessed: int | None = None
    new_studies: int | None = None
    new_reports: int | None = None
    total_studies: int | None = None
    total_reports: int | None = None
    database_specific_results: Reasons = ()
    register_specific_results: Reasons = ()
    dbr_excluded: Reasons = ()
    other_excluded: Reasons = ()

    @classmethod
    def from_mapping(cls, counts: Mapping[str, Any]) -> PrismaCounts:
        """Counts from a mapping of the template's field names; lists as ``"Reason1, 12; Reason2, 3"`` strings,
        mappings reason → n, or (reason, n) pairs."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in counts.items():
            if name in _IGNORED:
                continue
            if name not in known:
                names = ", ".join((*COUNT_FIELDS, *LIST_FIELDS))
                raise InputError(f"unknown PRISMA field {name!r}; the template's fields are: {names}")
            values[name] = _pairs(name, value) if name in LIST_FIELDS else _count(name, value)
        return cls(**values)

    def problems(self) -> tuple[str, ...]:
        """Where the counts do not add up (see :func:`prisma_problems`)."""
        return prisma_problems(self)

    @property
    def has_other(self) -> bool:
        """Whether any count of "identification via other methods" is given."""
        return any(
            v is not None
            for v in (
                self.website_results,
                self.organisation_results,
                self.citations_results,
                self.other_sought_reports,
                self.other_notretrieved_reports,
                self.other_assessed,
            )
        ) or bool(self.other_excluded)

    @property
    def has_previous(self) -> bool:
        """Whether the review updates a previous version (previous studies or reports given)."""
        return self.previous_studies is not None or self.previous_reports is not None


def read_prisma_csv(path: str | Path) -> PrismaCounts:
    """Read the PRISMA2020 template's input CSV (columns ``data`` and ``n``; ``NA`` rows and placeholders such as
    ``xxx`` are skipped as not reported)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror}", file=str(source)) from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or "data" not in reader.fieldnames or "n" not in reader.fieldnames:
        raise InputError("a PRISMA2020 template CSV needs the columns 'data' and 'n'", file=str(source))
    values: dict[str, Any] = {}
    for line, row in enumerate(reader, start=2):
        name = (row.get("data") or "").strip()
        if not name or name == "NA" or name in _IGNORED:
            continue
        raw = (row.get("n") or "").strip()
        try:
            if name in LIST_FIELDS:
                values[name] = _pairs(name, raw, placeholders=True)
            else:
                values[name] = _count(name, raw, placeholders=True)
        except InputError as err:
            raise InputError(err.message, file=str(source), row=line, column="n") from None
    try:
        return PrismaCounts.from_mapping(values)
    except InputError as err:
        raise InputError(err.message, file=str(source)) from None


_NUMBER = re.compile(r"\d[\d,]*")


def _count(name: str, value: Any, *, placeholders: bool = False) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"{name}: a count must be a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise InputError(f"{name}: a count must be a whole number, got {value!r}")
        number = int(value)
    else:
        text = str(value).strip()
        if not text or text.upper() in {"NA", "NR"}:
            return None
        if not _NUMBER.fullmatch(text):
            if placeholders:
                return None
            raise InputError(f"{name}: a count must be a whole number, got {value!r}")
        number = int(text.replace(",", ""))
    if number < 0:
        raise InputError(f"{name}: a count cannot be negative, got {number}")
    return number


def _pairs(name: str, value: Any, *, placeholders: bool = False) -> Reasons:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        return tuple((str(k), _count(f"{name}[{k!r}]", v, placeholders=placeholders)) for k, v in value.items())
    if isinstance(value, str):
        out = []
        for item in value.split(";"):
            part = item.strip()
            if not part:
                continue
            label, sep, number = part.rpartition(",")
            if not sep:
                raise InputError(f"{name}: {part!r} needs the form 'reason, n' (items separated by ';')")
            out.append((label.strip(), _count(f"{name}[{label.strip()!r}]", number.strip(), placeholders=True)))
        return tuple(out)
    if isinstance(value, Sequence):
        pairs = []
        for item in value:
            if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 2:
                raise InputError(f"{name}: give (reason, n) pairs, got {item!r}")
            pairs.append((str(item[0]), _count(f"{name}[{item[0]!r}]", item[1], placeholders=placeholders)))
        return tuple(pairs)
    raise InputError(f"{name}: give 'reason, n; reason, n', a mapping reason → n, or (reason, n) pairs")


# ---------------------------------------------------------------------- checks
def _n(value: int | None) -> str:
    return "NR" if value is None else f"{value:,}"


def _known_sum(pairs: Reasons) -> int | None:
    numbers = [n for _, n in pairs]
    if not numbers or any(n is None for n in numbers):
        return None
    return sum(n for n in numbers if n is not None)


def _spelled(pairs: Reasons) -> str:
    return " + ".join(_n(n) for _, n in pairs)


def prisma_problems(counts: PrismaCounts | Mapping[str, Any]) -> tuple[str, ...]:
    """Where the counts of a PRISMA 2020 flow do not add up, one sentence each (empty when they do).

    Checked wherever the counts involved are reported (missing removal and not-retrieved counts are taken
    as 0): sources add up to the records identified; records screened = identified − removed before screening;
    reports sought = screened − excluded; reports assessed = sought − not retrieved (both branches); reports
    excluded (the sum of the reasons) = assessed − reports of included studies (or, without the number of
    reports, leave at least one report per included study); totals = previous + new.
    """
    c = counts if isinstance(counts, PrismaCounts) else PrismaCounts.from_mapping(counts)
    out: list[str] = []
    for specific, total, what in (
        (c.database_specific_results, c.database_results, "databases"),
        (c.register_specific_results, c.register_results, "registers"),
    ):
        listed = _known_sum(specific)
        if listed is not None and total is not None and listed != total:
            out.append(
                f"records from the listed {what} add up to {listed:,} ({_spelled(specific)}), "
                f"but {_n(total)} records are reported from {what}"
            )
    identified = None
    if c.database_results is not None or c.register_results is not None:
        identified = (c.database_results or 0) + (c.register_results or 0)
    if identified is not None and c.records_screened is not None:
        removed = (c.duplicates or 0) + (c.excluded_automatic or 0) + (c.excluded_other or 0)
        if identified - removed != c.records_screened:
            parts = [f"{identified:,} identified", f"{c.duplicates or 0:,} duplicates"]
            if c.excluded_automatic:
                parts.append(f"{c.excluded_automatic:,} marked ineligible by automation tools")
            if c.excluded_other:
                parts.append(f"{c.excluded_other:,} removed for other reasons")
            out.append(
                f"records screened = {c.records_screened:,}, but records identified − removed before screening = "
                f"{' − '.join(parts)} = {identified - removed:,}"
            )
    if c.records_screened is not None and c.records_excluded is not None and c.dbr_sought_reports is not None:
        expected = c.records_screened - c.records_excluded
        if expected != c.dbr_sought_reports:
            out.append(
                f"reports sought for retrieval = {c.dbr_sought_reports:,}, but records screened − records excluded "
                f"= {c.records_screened:,} − {c.records_excluded:,} = {expected:,}"
            )
    for branch, sought, missing, assessed in (
        ("databases and registers", c.dbr_sought_reports, c.dbr_notretrieved_reports, c.dbr_assessed),
        ("other methods", c.other_sought_reports, c.other_notretrieved_reports, c.other_assessed),
    ):
        if sought is not None and assessed is not None and sought - (missing or 0) != assessed:
            out.append(
                f"reports assessed for eligibility ({branch}) = {assessed:,}, but reports sought − not retrieved "
                f"= {sought:,} − {missing or 0:,} = {sought - (missing or 0):,}"
            )
    # exclusions after full-text assessment against the included reports
    assessed_total = None
    excluded_total: int | None = 0
    spelled: list[str] = []
    for assessed, reasons in ((c.dbr_assessed, c.dbr_excluded), (c.other_assessed, c.other_excluded)):
        if assessed is None:
            continue
        assessed_total = (assessed_total or 0) + assessed
        listed = _known_sum(reasons)
        if listed is None:
            excluded_total = None
        elif excluded_total is not None:
            excluded_total += listed
            spelled.extend(_n(n) for _, n in reasons)
    for assessed, reasons, branch in (
        (c.dbr_assessed, c.dbr_excluded, "databases and registers"),
        (c.other_assessed, c.other_excluded, "other methods"),
    ):
        listed = _known_sum(reasons)
        if assessed is not None and listed is not None and listed > assessed:
            out.append(
                f"reports excluded ({branch}) add up to {listed:,} ({_spelled(reasons)}), more than the "
                f"{assessed:,} reports assessed"
            )
    if assessed_total is not None and excluded_total is not None and spelled:
        terms = " + ".join(spelled)
        remaining = assessed_total - excluded_total
        if c.new_reports is not None:
            if remaining != c.new_reports:
                out.append(
                    f"reports excluded for the listed reasons add up to {excluded_total:,} ({terms}), but reports "
                    f"assessed − reports of included studies = {assessed_total:,} − {c.new_reports:,} = "
                    f"{assessed_total - c.new_reports:,}"
                )
        elif c.new_studies is not None and remaining != c.new_studies:
            out.append(
                f"reports excluded for the listed reasons add up to {excluded_total:,} ({terms}), but reports "
                f"assessed − included studies = {assessed_total:,} − {c.new_studies:,} = "
                f"{assessed_total - c.new_studies:,} (taking one report per included study, as the number of "
                "reports of included studies is not given)"
            )
    if c.new_reports is not None and c.new_studies is not None and c.new_reports < c.new_studies:
        out.append(
            f"reports of new included studies ({c.new_reports:,}) are fewer than the new studies "
            f"({c.new_studies:,}); each study has at least one report"
        )
    for total, previous, new, what in (
        (c.total_studies, c.previous_studies, c.new_studies, "studies"),
        (c.total_reports, c.previous_reports, c.new_reports, "reports"),
    ):
        if total is not None and new is not None and total != (previous or 0) + new:
            out.append(
                f"total {what} included = {total:,}, but previous + new = {previous or 0:,} + {new:,} = "
                f"{(previous or 0) + new:,}"
            )
    return tuple(out)


# ---------------------------------------------------------------------- drawing
_TITLE_DBR = "Identification of new studies via databases and registers"
_TITLE_OTHER = "Identification of new studies via other methods"
_TITLE_PREVIOUS = "Previous studies"
_STAGE_FILL = "#A9C6E8"
_DBR_FILL = "#FFC000"
_GREY_FILL = "#D9D9D9"


@dataclass(slots=True)
class _Box:
    key: str
    lines: list[tuple[str, bool]]  # (text, bold)
    col: int
    row: int
    x: float = 0.0
    y: float = 0.0  # top
    w: float = 0.0
    h: float = 0.0


def prisma_flow(
    counts: PrismaCounts | Mapping[str, Any],
    *,
    previous: bool | None = None,
    other: bool | None = None,
    palette: str | Palette = "default",
    fontsize: float = 7.0,
    width: str | float = "double",
) -> Figure:
    """PRISMA 2020 flow diagram for new systematic reviews (or updates), in the official template's layout.

    Boxes: records identified from databases and registers (per source when given), records removed before
    screening, records screened and excluded, reports sought and not retrieved, reports assessed and excluded
    with reasons, studies (and reports) included; with ``other``, the branch of identification via other
    methods (websites, organisations, citation searching); with ``previous``, the studies of the previous
    version and the total. Counts that are not given print as "NR" (not reported).

    Every problem of :func:`prisma_problems` is issued as a :class:`PrismaWarning`; the diagram is drawn anyway.

    Parameters
    ----------
    counts : PrismaCounts or mapping
        Counts by the template's field names (see :class:`PrismaCounts`).
    previous, other : bool, optional
        Draw the "previous studies" column / the "other methods" branch (default: when any of their counts is
        given).
    palette, fontsize, width
        Look and size (``width`` a journal column or cm; the template needs the double column at 7 pt).

    Returns
    -------
    matplotlib.figure.Figure
        Boxes carry gids ``box-{field}`` (e.g. ``box-records_screened``), arrows ``arrow-{from}-{to}``, the stage
        labels ``stage-identification``, ``stage-screening``, ``stage-included``.
    """
    c = counts if isinstance(counts, PrismaCounts) else PrismaCounts.from_mapping(counts)
    style = make_style(fontsize, palette)
    show_other = c.has_other if other is None else other
    show_previous = c.has_previous if previous is None else previous
    problems = prisma_problems(c)
    for problem in problems:
        warnings.warn(f"PRISMA counts do not add up: {problem}", PrismaWarning, stacklevel=2)
    width_pt = resolve_width(width)
    assert width_pt is not None
    with style_context(style):
        return _draw(c, show_other=show_other, show_previous=show_previous, style=style, width_pt=width_pt)


def _count_line(label: str, n: int | None) -> str:
    return f"{label} (n = {_n(n)})"


def _boxes(c: PrismaCounts, *, show_other: bool, show_previous: bool) -> list[_Box]:
    # columns: 0 previous, 1 dbr main, 2 dbr side, 3 other main, 4 other side
    # rows: 0 identification, 1 screened, 2 sought, 3 assessed, 4 included
    identified: list[tuple[str, bool]] = [("Records identified from:", True)]
    identified.append((_count_line("Databases", c.database_results), False))
    identified.extend((f"    {_count_line(name, n)}", False) for name, n in c.database_specific_results)
    identified.append((_count_line("Registers", c.register_results), False))
    identified.extend((f"    {_count_line(name, n)}", False) for name, n in c.register_specific_results)
    removed = [
        ("Records removed before screening:", True),
        (_count_line("Duplicate records removed", c.duplicates), False),
        (_count_line("Records marked as ineligible by automation tools", c.excluded_automatic), False),
        (_count_line("Records removed for other reasons", c.excluded_other), False),
    ]
    excluded = [("Reports excluded:", True)] + (
        [(_count_line(name, n), False) for name, n in c.dbr_excluded] or [("(reasons not reported)", False)]
    )
    new_label = "New studies included in review" if show_previous else "Studies included in review"
    reports_label = "Reports of new included studies" if show_previous else "Reports of included studies"
    boxes = [
        _Box("database_results", identified, 1, 0),
        _Box("duplicates", removed, 2, 0),
        _Box("records_screened", [("Records screened", False), (f"(n = {_n(c.records_screened)})", False)], 1, 1),
        _Box("records_excluded", [("Records excluded", False), (f"(n = {_n(c.records_excluded)})", False)], 2, 1),
        _Box(
            "dbr_sought_reports",
            [("Reports sought for retrieval", False), (f"(n = {_n(c.dbr_sought_reports)})", False)],
            1,
            2,
        ),
        _Box(
            "dbr_notretrieved_reports",
            [("Reports not retrieved", False), (f"(n = {_n(c.dbr_notretrieved_reports)})", False)],
            2,
            2,
        ),
        _Box(
            "dbr_assessed", [("Reports assessed for eligibility", False), (f"(n = {_n(c.dbr_assessed)})", False)], 1, 3
        ),
        _Box("dbr_excluded", excluded, 2, 3),
        _Box(
            "new_studies",
            [(_count_line(new_label, c.new_studies), False), (_count_line(reports_label, c.new_reports), False)],
            1,
            4,
        ),
    ]
    if show_other:
        other_excluded = [("Reports excluded:", True)] + (
            [(_count_line(name, n), False) for name, n in c.other_excluded] or [("(reasons not reported)", False)]
        )
        boxes += [
            _Box(
                "website_results",
                [
                    ("Records identified from:", True),
                    (_count_line("Websites", c.website_results), False),
                    (_count_line("Organisations", c.organisation_results), False),
                    (_count_line("Citation searching", c.citations_results), False),
                ],
                3,
                0,
            ),
            _Box(
                "other_sought_reports",
                [("Reports sought for retrieval", False), (f"(n = {_n(c.other_sought_reports)})", False)],
                3,
                2,
            ),
            _Box(
                "other_notretrieved_reports",
                [("Reports not retrieved", False), (f"(n = {_n(c.other_notretrieved_reports)})", False)],
                4,
                2,
            ),
            _Box(
                "other_assessed",
                [("Reports assessed for eligibility", False), (f"(n = {_n(c.other_assessed)})", False)],
                3,
                3,
            ),
            _Box("other_excluded", other_excluded, 4, 3),
        ]
    if show_previous:
        boxes += [
            _Box(
                "previous_studies",
                [
                    (_count_line("Studies included in previous version of review", c.previous_studies), False),
                    (
                        _count_line("Reports of studies included in previous version of review", c.previous_reports),
                        False,
                    ),
                ],
                0,
                0,
            ),
            _Box(
                "total_studies",
                [
                    (_count_line("Total studies included in review", c.total_studies), False),
                    (_count_line("Reports of total included studies", c.total_reports), False),
                ],
                1,
                5,
            ),
        ]
    return boxes


_TOKENS = re.compile(r"\(n = [^)]*\)|\S+")


def _wrap_line(text: str, bold: bool, room: float, fs: float) -> list[str]:
    indent = len(text) - len(text.lstrip(" "))
    words = _TOKENS.findall(text)  # "(n = 2,548)" is never split
    lines: list[str] = []
    current = " " * indent
    for word in words:
        trial = (current + " " + word) if current.strip() else current + word
        if text_width(trial, fontsize=fs, bold=bold) <= room or not current.strip():
            current = trial
        else:
            lines.append(current)
            current = " " * (indent + 2) + word
    lines.append(current)
    return lines


def _draw(c: PrismaCounts, *, show_other: bool, show_previous: bool, style: Style, width_pt: float) -> Figure:
    fs = style.fontsize
    pal = style.palette
    margin = 4.0
    stage_w = fs * 2.2
    gap = fs * 1.6
    pad = fs * 0.6
    line_h = fs * 1.22
    boxes = _boxes(c, show_other=show_other, show_previous=show_previous)
    cols = sorted({b.col for b in boxes})
    n_cols = len(cols)
    free = width_pt - 2 * margin - stage_w - gap * n_cols
    col_w = free / n_cols
    if col_w < fs * 9:
        raise InputError(
            f"the PRISMA diagram needs more width for {n_cols} columns at {fs:g} pt; give width='double' or more cm"
        )
    col_w = min(col_w, fs * 26)  # boxes no wider than the template's; the diagram is centred
    shift = (free - n_cols * col_w) / 2
    col_x = {col: margin + stage_w + gap + shift + j * (col_w + gap) for j, col in enumerate(cols)}
    # wrap the box texts, then size the rows
    wrapped: dict[str, list[tuple[str, bool]]] = {}
    for b in boxes:
        lines: list[tuple[str, bool]] = []
        for text, bold in b.lines:
            lines.extend((piece, bold) for piece in _wrap_line(text, bold, col_w - 2 * pad, fs))
        wrapped[b.key] = lines
        b.w = col_w
        b.h = len(lines) * line_h + 2 * pad
    n_rows = max(b.row for b in boxes) + 1
    row_h = [max([b.h for b in boxes if b.row == r] + [0.0]) for r in range(n_rows)]
    # the rotated stage labels must fit their bars
    row_h[0] = max(row_h[0], text_width("Identification", fontsize=fs, bold=True) + 2 * pad)
    included = text_width("Included", fontsize=fs, bold=True) + 2 * pad
    if n_rows == 5:
        row_h[4] = max(row_h[4], included)
    title_h = fs * 3.4
    v_gap = fs * 2.2
    body_h = sum(row_h) + v_gap * (n_rows - 1)
    has_nr = any("n = NR)" in text for b in boxes for text, _ in b.lines)
    foot_h = fs * 1.6 if has_nr else 0.0
    height_pt = margin + title_h + gap * 0.6 + body_h + foot_h + margin
    row_top = []
    y = height_pt - margin - title_h - gap * 0.6
    for r in range(n_rows):
        row_top.append(y)
        y -= row_h[r] + v_gap
    for b in boxes:
        b.x = col_x[b.col]
        # side boxes are centred on their row; main boxes take the row's height (the template's look)
        b.h = row_h[b.row] if b.col in (1, 3) or b.row == 0 else b.h
        b.y = row_top[b.row] - (row_h[b.row] - b.h) / 2

    fig = new_figure(width_pt, height_pt)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width_pt)
    ax.set_ylim(0, height_pt)
    ax.set_axis_off()
    ax.set_gid("prisma-flow")
    lw = style.linewidth

    # titles over the branches
    top = height_pt - margin
    dbr_left, dbr_right = col_x[1], col_x[2] + col_w
    _rounded(
        ax,
        (dbr_left, top - title_h, dbr_right - dbr_left, title_h),
        fill=_DBR_FILL,
        edge=pal.ink,
        lw=lw,
        gid="title-dbr",
    )
    _centre_text(
        ax,
        ((dbr_left + dbr_right) / 2, top - title_h / 2),
        _TITLE_DBR,
        fs=fs,
        room=dbr_right - dbr_left,
        bold=True,
        gid="title-dbr-text",
    )
    if show_other:
        o_left, o_right = col_x[3], col_x[4] + col_w
        _rounded(
            ax,
            (o_left, top - title_h, o_right - o_left, title_h),
            fill=_GREY_FILL,
            edge=pal.ink,
            lw=lw,
            gid="title-other",
        )
        _centre_text(
            ax,
            ((o_left + o_right) / 2, top - title_h / 2),
            _TITLE_OTHER,
            fs=fs,
            room=o_right - o_left,
            bold=True,
            gid="title-other-text",
        )
    if show_previous:
        _rounded(
            ax, (col_x[0], top - title_h, col_w, title_h), fill=_GREY_FILL, edge=pal.ink, lw=lw, gid="title-previous"
        )
        _centre_text(
            ax,
            (col_x[0] + col_w / 2, top - title_h / 2),
            _TITLE_PREVIOUS,
            fs=fs,
            room=col_w,
            bold=True,
            gid="title-previous-text",
        )

    # stage bars
    stage_x = margin + shift
    stage_rows = {"identification": (0, 0), "screening": (1, 3), "included": (4, n_rows - 1)}
    for name, (first, last) in stage_rows.items():
        y_top = row_top[first]
        y_bottom = row_top[last] - row_h[last]
        _rounded(
            ax,
            (stage_x, y_bottom, stage_w, y_top - y_bottom),
            fill=_STAGE_FILL,
            edge=pal.ink,
            lw=lw,
            gid=f"stage-{name}",
        )
        ax.text(
            stage_x + stage_w / 2,
            (y_top + y_bottom) / 2,
            name.capitalize(),
            rotation=90,
            ha="center",
            va="center",
            weight="bold",
            gid=f"stage-{name}-text",
        )

    # boxes
    for b in boxes:
        fill = "#FFFFFF"
        _rounded(ax, (b.x, b.y - b.h, b.w, b.h), fill=fill, edge=pal.ink, lw=lw, gid=f"box-{b.key}", radius=0.0)
        lines = wrapped[b.key]
        text_h = len(lines) * line_h
        y0 = b.y - (b.h - text_h) / 2
        centred = len(b.lines) <= 2 and not any(bold for _, bold in b.lines)
        for j, (text, bold) in enumerate(lines):
            ax.text(
                b.x + (b.w / 2 if centred else pad),
                y0 - line_h * (j + 0.5),
                text.rstrip(),
                ha="center" if centred else "left",
                va="center_baseline",
                weight="bold" if bold else "normal",
                gid=f"box-{b.key}-line-{j}",
            )

    by_key = {b.key: b for b in boxes}

    def down(a: str, b: str) -> None:
        s, t = by_key[a], by_key[b]
        _arrow(ax, (s.x + s.w / 2, s.y - s.h), (t.x + t.w / 2, t.y), colour=pal.ink, lw=lw, gid=f"arrow-{a}-{b}")

    def right(a: str, b: str) -> None:
        s, t = by_key[a], by_key[b]
        y_mid = min(s.y, t.y) - min(s.h, t.h) / 2
        _arrow(ax, (s.x + s.w, y_mid), (t.x, y_mid), colour=pal.ink, lw=lw, gid=f"arrow-{a}-{b}")

    down("database_results", "records_screened")
    right("database_results", "duplicates")
    right("records_screened", "records_excluded")
    down("records_screened", "dbr_sought_reports")
    right("dbr_sought_reports", "dbr_notretrieved_reports")
    down("dbr_sought_reports", "dbr_assessed")
    right("dbr_assessed", "dbr_excluded")
    down("dbr_assessed", "new_studies")
    if show_other:
        down("website_results", "other_sought_reports")
        right("other_sought_reports", "other_notretrieved_reports")
        down("other_sought_reports", "other_assessed")
        right("other_assessed", "other_excluded")
        s, t = by_key["other_assessed"], by_key["new_studies"]
        # down from the other branch, then left into the included box
        x_src = s.x + s.w / 2
        y_dst = t.y - t.h / 2
        ax.plot([x_src, x_src], [s.y - s.h, y_dst], color=pal.ink, linewidth=lw, gid="arrow-other_assessed-stem")
        _arrow(ax, (x_src, y_dst), (t.x + t.w, y_dst), colour=pal.ink, lw=lw, gid="arrow-other_assessed-new_studies")
    if show_previous:
        down("new_studies", "total_studies")
        s, t = by_key["previous_studies"], by_key["total_studies"]
        x_src = s.x + s.w / 2
        y_dst = t.y - t.h / 2
        ax.plot([x_src, x_src], [s.y - s.h, y_dst], color=pal.ink, linewidth=lw, gid="arrow-previous-stem")
        _arrow(ax, (x_src, y_dst), (t.x, y_dst), colour=pal.ink, lw=lw, gid="arrow-previous_studies-total_studies")
    if has_nr:
        ax.text(stage_x, margin, "NR: not reported", ha="left", va="bottom", gid="footnote-nr")
    return fig


def _rounded(
    ax: Axes,
    box: tuple[float, float, float, float],
    *,
    fill: str,
    edge: str,
    lw: float,
    gid: str,
    radius: float = 3.0,
) -> None:
    x, y, w, h = box
    style = f"round,pad=0,rounding_size={radius}" if radius > 0 else "square,pad=0"
    ax.add_patch(
        FancyBboxPatch(
            (x, y), w, h, boxstyle=style, facecolor=fill, edgecolor=edge, linewidth=lw, gid=gid, mutation_aspect=1.0
        )
    )


def _centre_text(ax: Axes, xy: tuple[float, float], text: str, *, fs: float, room: float, bold: bool, gid: str) -> None:
    x, y = xy
    lines = _wrap_line(text, bold, room - fs, fs)
    ax.text(
        x,
        y,
        "\n".join(line.strip() for line in lines),
        ha="center",
        va="center",
        weight="bold" if bold else "normal",
        gid=gid,
        multialignment="center",
    )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], *, colour: str, lw: float, gid: str) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=7.0,
            color=colour,
            linewidth=lw,
            shrinkA=0.0,
            shrinkB=0.0,
            gid=gid,
        )
    )
