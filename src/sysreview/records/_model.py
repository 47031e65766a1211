"""The record model: a frozen Record (stable id, parsed fields, every raw tag as read) and the RecordSet of a read."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, overload

from sysreview.errors import InputError
from sysreview.records._issues import DuplicateIdWarning, Issue
from sysreview.records._normalize import (
    fold_text,
    normalize_author,
    normalize_doi,
    normalize_issn,
    normalize_journal,
    normalize_language,
    normalize_pages,
    normalize_pmid,
    normalize_title,
    normalize_type,
    start_page,
)

if TYPE_CHECKING:
    import pandas as pd

    from sysreview.records._stats import RecordStats

__all__ = ["FIELD_NAMES", "Normalized", "Record", "RecordSet"]

#: the parsed bibliographic fields of a :class:`Record`, in the order writers use
FIELD_NAMES: tuple[str, ...] = (
    "title",
    "alternative_titles",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "issn",
    "keywords",
    "abstract",
    "type",
    "language",
    "url",
    "database",
)
#: the fields that hold several values
MULTI_VALUED: frozenset[str] = frozenset({"alternative_titles", "authors", "issn", "keywords"})


def _number(value: str | None) -> str | None:
    """Volume or issue for matching: the leading number (``12 Suppl 1`` → ``12``), else the folded text."""
    if not value:
        return None
    match = re.search(r"\d+", value)
    if match:
        return str(int(match.group(0)))
    folded = fold_text(value)
    return folded or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Normalized:
    """The fields of a record in the normal forms used to match records (see :mod:`sysreview.records` normalizers).

    Strings are folded (lower case, ASCII where the script allows, punctuation as single blanks); an absent value is
    ``""`` for text keys, ``None`` for the others and ``()`` for tuples.
    """

    title: str
    alternative_titles: tuple[str, ...]
    authors: tuple[str, ...]
    """``surname initials`` per author (``van de schoot r``)."""
    first_author: str
    """The first author's ``surname initials`` ("" when there is no author)."""
    year: int | None
    journal: str
    volume: str | None
    issue: str | None
    pages: str | None
    """``first-last`` with the last page written out (``123-129``)."""
    start_page: str | None
    doi: str | None
    """Lower case, without ``https://doi.org/`` or ``doi:``."""
    pmid: str | None
    issn: tuple[str, ...]
    """Valid ISSNs only (check digit verified), ``NNNN-NNNC``."""
    abstract: str
    type: str | None
    """Canonical type: ``article``, ``book``, ``chapter``, ``conference``, ``thesis``, ``report``, ``preprint``,
    ``patent``, ``web``, ``dataset`` or ``other``."""
    language: str | None
    """ISO 639-1 code where known (``en``, ``zh`` …)."""

    def to_dict(self) -> dict[str, Any]:
        """The normal forms as plain data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _normalized(record: Record) -> Normalized:
    authors = tuple(a for a in (normalize_author(name) for name in record.authors) if a)
    issn: list[str] = []
    for value in record.issn:
        issn.extend(i for i in normalize_issn(value) if i not in issn)
    return Normalized(
        title=normalize_title(record.title),
        alternative_titles=tuple(t for t in (normalize_title(v) for v in record.alternative_titles) if t),
        authors=authors,
        first_author=authors[0] if authors else "",
        year=record.year,
        journal=normalize_journal(record.journal),
        volume=_number(record.volume),
        issue=_number(record.issue),
        pages=normalize_pages(record.pages),
        start_page=start_page(record.pages),
        doi=normalize_doi(record.doi),
        pmid=normalize_pmid(record.pmid),
        issn=tuple(issn),
        abstract=fold_text(record.abstract) if record.abstract else "",
        type=normalize_type(record.type),
        language=normalize_language(record.language),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One bibliographic record as read from an export, with every tag it came with.

    ``id`` is the record's own identifier where the file gives one (RIS ``ID``, a CSV ``id``/``record_id``/``key``
    column, the BibTeX key, MEDLINE ``PMID``, WoS ``UT``, EndNote ``rec-number``), else ``"<file name>:<n>"`` (n-th
    record of the file). The parsed fields are read from ``raw``; ``raw`` holds the ``(tag, value)`` pairs exactly as
    read, in order, repeated tags included, so that a writer of the same format gives the record back unchanged.
    ``normalized`` holds the normal forms used for matching (computed from the parsed fields on first use).
    """

    id: str
    title: str | None = None
    alternative_titles: tuple[str, ...] = ()
    """Titles in another language or form (translated/original title, MEDLINE ``TT``, Embase ``Original Title``)."""
    authors: tuple[str, ...] = ()
    """As written in the file, one name per entry."""
    year: int | None = None
    journal: str | None = None
    """The journal, or the container title of a chapter or conference paper."""
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    """The DOI as written, without URL or ``doi:`` prefix."""
    pmid: str | None = None
    issn: tuple[str, ...] = ()
    """ISSN-shaped values as ``NNNN-NNNC``, in order of appearance."""
    keywords: tuple[str, ...] = ()
    abstract: str | None = None
    type: str | None = None
    """The type as the source wrote it (RIS ``JOUR``, ``Journal Article``, ``article`` …); see ``normalized.type``."""
    language: str | None = None
    url: str | None = None
    database: str | None = None
    """The bibliographic database the record came from, as stated (``DB``, ``Library Catalog`` …) or inferred."""
    format: str = ""
    """Name of the reader that read the record (``ris``, ``medline``, ``csv`` …); "" for records built in code."""
    file: str | None = None
    line: int | None = None
    """1-based line where the record starts in a text file (for a table: the line of its row)."""
    row: int | None = None
    """Spreadsheet row of a table's record (header = row 1)."""
    index: int = 0
    """1-based position of the record in its file."""
    raw: tuple[tuple[str, str], ...] = ()
    _normalized: Normalized | None = field(init=False, repr=False, compare=False, default=None)

    @property
    def normalized(self) -> Normalized:
        """The normal forms of the parsed fields used for matching (computed on first use)."""
        if self._normalized is None:
            object.__setattr__(self, "_normalized", _normalized(self))
        assert self._normalized is not None
        return self._normalized

    def get(self, tag: str) -> tuple[str, ...]:
        """Every raw value of ``tag`` (exact tag name as in the file), in order."""
        return tuple(value for key, value in self.raw if key == tag)

    def fields(self) -> dict[str, Any]:
        """The parsed bibliographic fields (:data:`FIELD_NAMES`) as a dict."""
        return {name: getattr(self, name) for name in FIELD_NAMES}

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data: id, parsed fields, origin and raw tags (lists of pairs)."""
        data: dict[str, Any] = {"id": self.id}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            data[name] = list(value) if isinstance(value, tuple) else value
        data.update(format=self.format, file=self.file, line=self.line, row=self.row, index=self.index)
        data["raw"] = [list(pair) for pair in self.raw]
        return data


@dataclass(frozen=True, slots=True)
class RecordSet(Sequence[Record]):
    """The records of one or more files, in file order, and the issues met while reading them.

    Ids are unique within a set. Indexing by position gives a record; :meth:`by_id` looks one up by id.
    """

    records: tuple[Record, ...]
    issues: tuple[Issue, ...] = ()

    def __post_init__(self) -> None:
        counts = Counter(record.id for record in self.records)
        repeated = [key for key, n in counts.items() if n > 1]
        if repeated:
            raise InputError(f"record ids must be unique in a RecordSet; repeated: {', '.join(repeated[:5])}")

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Record, ...]: ...
    def __getitem__(self, index: int | slice) -> Record | tuple[Record, ...]:
        return self.records[index]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    @property
    def ids(self) -> tuple[str, ...]:
        """The record ids in order."""
        return tuple(record.id for record in self.records)

    def by_id(self, record_id: str) -> Record:
        """The record with id ``record_id`` (``KeyError`` if there is none)."""
        for record in self.records:
            if record.id == record_id:
                return record
        raise KeyError(record_id)

    @classmethod
    def concat(cls, sets: Iterable[RecordSet]) -> RecordSet:
        """The records of several sets in order; an id already taken is qualified with its file name.

        A record whose id collides with an earlier one gets ``"<file name>:<id>"`` (or ``"<file name>:<id>#k"``),
        and a :class:`DuplicateIdWarning` issue says so.
        """
        records: list[Record] = []
        issues: list[Issue] = []
        taken: set[str] = set()
        for record_set in sets:
            issues.extend(record_set.issues)
            for record in record_set.records:
                if record.id in taken:
                    base = f"{_file_name(record.file)}:{record.id}"
                    new_id, k = base, 1
                    while new_id in taken:
                        k += 1
                        new_id = f"{base}#{k}"
                    issues.append(
                        Issue(
                            message=f"id '{record.id}' is already used by an earlier file; record renamed '{new_id}'",
                            category=DuplicateIdWarning,
                            file=record.file,
                            line=record.line,
                            row=record.row,
                        )
                    )
                    record = replace(record, id=new_id)  # noqa: PLW2901 (the renamed record replaces it)
                taken.add(record.id)
                records.append(record)
        return cls(tuple(records), tuple(issues))

    def stats(self) -> RecordStats:
        """Counts by database, type and year, and missing fields (see :class:`RecordStats`)."""
        from sysreview.records._stats import record_stats  # noqa: PLC0415 (_stats imports this module)

        return record_stats(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per record: id, the parsed fields (tuples joined by ``"; "``), format, file, line."""
        import pandas as pd  # noqa: PLC0415 (heavy: only for this view)

        rows = []
        for record in self.records:
            row: dict[str, Any] = {"id": record.id}
            for name in FIELD_NAMES:
                value = getattr(record, name)
                row[name] = "; ".join(value) if isinstance(value, tuple) else value
            row.update(format=record.format, file=record.file, line=record.line, row=record.row)
            rows.append(row)
        return pd.DataFrame(rows, columns=["id", *FIELD_NAMES, "format", "file", "line", "row"])


def _file_name(file: str | None) -> str:
    if not file:
        return "<records>"
    return re.split(r"[\\/]", file)[-1]
