"""Problems found while reading an export: a located issue and the warning category that reports it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DecodingWarning",
    "DuplicateIdWarning",
    "FieldValueWarning",
    "Issue",
    "MalformedRecordWarning",
    "RecordWarning",
]


class RecordWarning(UserWarning):
    """Base class of the warnings of the records layer: something in an input file is off, nothing was dropped.

    ``issue`` holds the located problem (file, line or row, field, message).
    """

    issue: Issue

    def __init__(self, issue: Issue) -> None:
        super().__init__(str(issue))
        self.issue = issue


class MalformedRecordWarning(RecordWarning):
    """The structure of a record is broken (no ``TY``/``ER``, text outside a record, unbalanced braces …).

    The record is kept with every tag that could be read.
    """


class FieldValueWarning(RecordWarning):
    """A field is present but its value cannot be read as that field (a year without a year, a DOI without a DOI …).

    The raw value is kept; the parsed field stays empty (or falls back to another tag).
    """


class DecodingWarning(RecordWarning):
    """The file is not valid UTF-8 and was decoded with a fallback encoding (named in the message)."""


class DuplicateIdWarning(RecordWarning):
    """The record identifiers of a file (RIS ``ID``, CSV ``id`` column, BibTeX keys …) are not unique.

    Records keep their own identifier as a raw field; their ``id`` becomes ``file:n`` (position in the file).
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """One problem found while reading, located as precisely as the format allows.

    ``line`` is the 1-based line in a text file; ``row`` the spreadsheet row (header = row 1) of a table;
    ``field`` the tag or column concerned; ``category`` the warning class that reports it.
    """

    message: str
    category: type[RecordWarning]
    file: str | None = None
    line: int | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        parts.append(self.message)
        return ": ".join(parts)

    def to_dict(self) -> dict[str, str | int | None]:
        """The issue as plain data (category by class name)."""
        return {
            "category": self.category.__name__,
            "file": self.file,
            "line": self.line,
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }
