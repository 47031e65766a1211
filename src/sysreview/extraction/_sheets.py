"""Extraction data in spreadsheets: one .xlsx workbook, or a folder of CSV files, and back without loss.

The sheets (or CSV files of the same names):

- ``about``: ``key``, ``value`` rows: format, version, form, form_version, extractor;
- ``studies``: ``study``, ``label``, ``note``;
- ``arms``: ``study``, ``arm``, ``role``, ``label`` and the provenance columns;
- ``values``: ``study``, ``arm`` (empty for a study-level field), ``field``, ``value`` and the provenance columns;
- ``outcomes``: ``study``, ``outcome``, ``arm``, ``comparator``, ``timepoint``, ``basis``, one column per
  statistic (``n``, ``mean``, ``sd`` … see :data:`~sysreview.extraction.STATS`) and the provenance columns;
- ``resolutions`` (a consensus): ``key``, ``choice``, ``first``, ``second``, ``value``, ``by``, ``reason``.

The provenance columns are ``source``, ``table``, ``page``, ``row``, ``note``. Values are read as their field's
type in the form: numbers keep the decimals they were written with (in .xlsx, the decimals of the cell's number
format, so ``81.0`` formatted ``0.0`` stays ``81.0``; a cell formatted as a percentage is read in percent);
``NR`` and ``NA`` mark values not reported and not applicable; text that starts with a backslash is literal
text. Writing then reading gives the same data. Workbooks also get a ``form`` sheet describing the fields
and a hidden ``lists`` sheet with the choices for drop-down lists; reading skips both.

Reading stops at the first structural error (a missing column, an unknown column, a duplicate row), naming the
file, sheet, row and column. A value of the wrong type is kept as text for validation to report with the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, TypeAlias

from sysreview.extraction._data import PROVENANCE_PARTS, STATS
from sysreview.extraction._form import Form
from sysreview.extraction._values import Value

__all__ = [
    "ABOUT_KEYS",
    "COLUMNS",
    "REFERENCE_SHEETS",
    "REQUIRED",
    "SHEETS",
    "XLSX",
    "XLSX_DIGITS",
    "ZEROS",
    "OutCell",
    "RawCell",
    "resolution_kind",
]

SHEETS: Final = ("about", "studies", "arms", "values", "outcomes", "resolutions")
COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "about": ("key", "value"),
    "studies": ("study", "label", "note"),
    "arms": ("study", "arm", "role", "label", *PROVENANCE_PARTS),
    "values": ("study", "arm", "field", "value", *PROVENANCE_PARTS),
    "outcomes": ("study", "outcome", "arm", "comparator", "timepoint", "basis", *STATS, *PROVENANCE_PARTS),
    "resolutions": ("key", "choice", "first", "second", "value", "by", "reason"),
}
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "about": ("key", "value"),
    "studies": ("study",),
    "arms": ("study", "arm", "role"),
    "values": ("study", "field", "value"),
    "outcomes": ("study", "outcome", "arm", "timepoint"),
    "resolutions": ("key", "choice", "by", "reason"),
}
#: sheets sysreview writes for people, which reading skips
REFERENCE_SHEETS: Final = ("form", "lists")
ABOUT_KEYS: Final = ("format", "version", "form", "form_version", "extractor")
XLSX: Final = (".xlsx", ".xlsm")
# the largest number of significant digits an .xlsx number cell keeps (Excel's 15)
XLSX_DIGITS: Final = 15
ZEROS = re.compile(r"0\.(0+)")

#: a cell as read: text (CSV), or an .xlsx cell's value with its number format
RawCell: TypeAlias = str | tuple[object, str] | None
#: a cell to write: the value, and the type it is read as ("raw": plain text, taken as it is)
OutCell: TypeAlias = tuple[Value | None, str | None]


def resolution_kind(key: str, form: Form) -> str | None:
    """The type of the item a resolution key names (a field or statistic of the form); None when it is not typed."""
    if "#" in key:
        return "text"
    parts = key.split("/")
    if len(parts) < 2:  # a whole study
        return "text"
    if parts[1].startswith("outcome:"):
        return form.kind("stat", parts[-1]) if len(parts) == 6 else "text"
    if parts[1].startswith("arm:"):
        if len(parts) == 2:
            return "text"
        return "text" if parts[2] in {"label", "role"} else form.kind("arm", parts[2])
    return "text" if parts[1] == "label" else form.kind("study", parts[1])
