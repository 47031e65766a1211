"""From raw tags to parsed fields: the helpers every format's field extraction is written with.

An extraction reads a record's ``(tag, value)`` pairs, fills :class:`FieldValues`, and remembers which pairs it used
(``used``): a writer of another format carries the unused ones over, so that a conversion loses nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields

from sysreview.records._issues import FieldValueWarning, RecordWarning
from sysreview.records._normalize import find_doi, find_issns, find_pmid

__all__ = [
    "Collector",
    "Extraction",
    "FieldValues",
    "Note",
    "clean_lines",
    "clean_text",
    "find_year",
    "split_list",
]

#: report a problem with raw entry ``index`` (``None``: the record as a whole)
Note = Callable[[int | None, str, type[RecordWarning]], None]

#: cell texts that mean "no value" (R's NA, pandas' nan written out, spreadsheet errors)
MISSING_TOKENS = frozenset({"na", "n/a", "nan", "null", "#n/a", "nan-nan"})
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_WHITESPACE = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """Whitespace runs (line breaks included) as one blank, ends stripped."""
    return _WHITESPACE.sub(" ", value).strip()


def clean_lines(value: str) -> str:
    """Each line's blanks collapsed, blank lines dropped, lines kept (for abstracts with paragraphs)."""
    lines = (clean_text(line) for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def find_year(value: str) -> int | None:
    """The first plausible year (1500-2099) in ``value``: ``2019//`` → 2019, ``DEC 16 2020`` → 2020."""
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def split_list(value: str, *, separators: str = ";\n") -> list[str]:
    """Split a multi-valued cell: a Python list literal (``['a', 'b']``) or text cut at any of ``separators``."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
            return [clean_text(item) for item in parsed if clean_text(item)]
    pattern = "|".join(re.escape(sep) for sep in separators)
    return [clean_text(part) for part in re.split(pattern, text) if clean_text(part)]


@dataclass(slots=True)
class FieldValues:
    """The parsed fields of one record while they are being filled (see :class:`~sysreview.records.Record`)."""

    title: str | None = None
    alternative_titles: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    issn: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    abstract: str | None = None
    type: str | None = None
    language: str | None = None
    url: str | None = None
    database: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class Extraction:
    """What a format's extraction read from one record's raw tags."""

    values: FieldValues
    used: set[int] = field(default_factory=set)
    own_id: str | None = None
    own_id_index: int | None = None


def _has_value(value: str) -> bool:
    text = value.strip()
    return bool(text) and text.casefold() not in MISSING_TOKENS


def _ignore(_index: int | None, _message: str, _category: type[RecordWarning]) -> None:
    return None


class Collector:
    """Reads fields from one record's raw pairs, tag by tag, noting what it used and what it could not read.

    ``casefold=True`` matches tags case-insensitively (BibTeX field names, table columns).
    """

    def __init__(self, raw: Sequence[tuple[str, str]], note: Note | None = None, *, casefold: bool = False) -> None:
        self.raw = raw
        self.note: Note = note or _ignore
        self.values = FieldValues()
        self.used: set[int] = set()
        self.own_id: str | None = None
        self.own_id_index: int | None = None
        self._casefold = casefold
        self._positions: dict[str, list[int]] = {}
        for i, (tag, _) in enumerate(raw):
            self._positions.setdefault(self._key(tag), []).append(i)

    def _key(self, tag: str) -> str:
        return tag.casefold() if self._casefold else tag

    def extraction(self) -> Extraction:
        return Extraction(self.values, self.used, self.own_id, self.own_id_index)

    def has(self, *tags: str) -> bool:
        return any(self._key(tag) in self._positions for tag in tags)

    def present(self, *tags: str) -> list[int]:
        """Indices of every entry of ``tags``, blank ones included, all of the first tag first."""
        return [i for tag in tags for i in self._positions.get(self._key(tag), ())]

    def priority(self, *tags: str) -> list[int]:
        """Indices of the non-blank entries of ``tags``, all of the first tag first."""
        out: list[int] = []
        for tag in tags:
            out.extend(i for i in self._positions.get(self._key(tag), ()) if _has_value(self.raw[i][1]))
        return out

    def in_order(self, *tags: str) -> list[int]:
        """Indices of the non-blank entries of any of ``tags``, in file order."""
        return sorted(self.priority(*tags))

    def value(self, index: int) -> str:
        return self.raw[index][1]

    def warn(self, index: int | None, message: str, category: type[RecordWarning] = FieldValueWarning) -> None:
        self.note(index, message, category)

    # --- setters -----------------------------------------------------------------------------------------------

    def text(self, name: str, *tags: str, keep_lines: bool = False) -> str | None:
        """Set field ``name`` from the first non-blank of ``tags`` (in priority order)."""
        if getattr(self.values, name):
            return getattr(self.values, name)
        for i in self.priority(*tags):
            text = clean_lines(self.value(i)) if keep_lines else clean_text(self.value(i))
            if text:
                setattr(self.values, name, text)
                self.used.add(i)
                return text
        return None

    def texts(
        self,
        name: str,
        *tags: str,
        split: Callable[[str], Iterable[str]] | None = None,
        order: str = "file",
    ) -> tuple[str, ...]:
        """Set multi-valued field ``name`` from every entry of ``tags`` (file order), each split by ``split``."""
        indices = self.in_order(*tags) if order == "file" else self.priority(*tags)
        found: list[str] = list(getattr(self.values, name))
        for i in indices:
            parts = split(self.value(i)) if split else [clean_text(self.value(i))]
            items = [clean_text(p) for p in parts if clean_text(p)]
            if items:
                found.extend(items)
                self.used.add(i)
        setattr(self.values, name, tuple(found))
        return tuple(found)

    def year(self, *tags: str) -> int | None:
        """Set the year from the first of ``tags`` that holds one; a tag that holds none is reported."""
        for i in self.priority(*tags):
            year = find_year(self.value(i))
            if year is not None:
                self.values.year = year
                self.used.add(i)
                return year
            self.warn(i, f"no year in {self.value(i).strip()!r}")
        return None

    def doi(self, *tags: str, fallback: Sequence[str] = ()) -> str | None:
        """Set the DOI from ``tags`` (a value without a DOI is reported), else from a URL in ``fallback`` tags."""
        for i in self.priority(*tags):
            doi = find_doi(self.value(i))
            if doi is not None:
                self.values.doi = doi
                self.used.add(i)
                return doi
            self.warn(i, f"no DOI in {self.value(i).strip()!r}")
        for i in self.priority(*fallback):
            doi = find_doi(self.value(i))
            if doi is not None:
                self.values.doi = doi
                return doi
        return None

    def pmid(self, *tags: str, bare: bool = True, report: bool = True) -> str | None:
        """Set the PMID from the first of ``tags`` that holds one (``bare``: a value of digits only counts)."""
        if self.values.pmid:
            return self.values.pmid
        for i in self.priority(*tags):
            pmid = find_pmid(self.value(i), bare=bare)
            if pmid is not None:
                self.values.pmid = pmid
                if bare:
                    self.used.add(i)
                return pmid
            if report:
                self.warn(i, f"no PubMed id in {self.value(i).strip()!r}")
        return None

    def issn(self, *tags: str) -> tuple[str, ...]:
        """Set the ISSNs from every entry of ``tags``; an entry that is only ISSNs is used up (one with labels such as
        ``(Electronic)`` stays unused, so that a conversion carries the labels over)."""
        found: list[str] = list(self.values.issn)
        for i in self.in_order(*tags):
            value = self.value(i)
            issns = find_issns(value)
            found.extend(issn for issn in issns if issn not in found)
            rest = re.sub(r"\d{4}[-\u2010-\u2015 ]?\d{3}[\dXx]", " ", value)
            rest = re.sub(r"[\s,;]+", "", rest)
            if issns and not rest:
                self.used.add(i)
        self.values.issn = tuple(found)
        return self.values.issn

    def pages(self, start: Sequence[str], end: Sequence[str] = ()) -> str | None:
        """Set pages from a start-page tag (which may hold a range) and an end-page tag."""
        first = self.priority(*start)
        last = self.priority(*end)
        start_text = clean_text(self.value(first[0])) if first else ""
        end_text = clean_text(self.value(last[0])) if last else ""
        if start_text and end_text and "-" not in start_text:
            pages = f"{start_text}-{end_text}"
        else:
            pages = start_text or end_text
        if not pages:
            return None
        if not any(ch.isdigit() for ch in pages):
            index = first[0] if first else last[0]
            self.warn(index, f"no page number in {pages!r}")
            return None
        self.values.pages = pages
        self.used.update(first[:1])
        self.used.update(last[:1])
        return pages

    def identifier(self, *tags: str) -> str | None:
        """The record's own id from the first of ``tags``."""
        for i in self.priority(*tags):
            self.own_id = self.value(i).strip()
            self.own_id_index = i
            self.used.add(i)
            return self.own_id
        return None


_DATABASE_HINTS = (
    ("scopus.com", "Scopus"),
    ("embase.com", "Embase"),
    ("webofscience.com", "Web of Science"),
    ("webofknowledge.com", "Web of Science"),
    ("ovidsp.", "Ovid"),
    ("proquest.com", "ProQuest"),
    ("ebscohost.com", "EBSCOhost"),
    ("dimensions.ai", "Dimensions"),
    ("cochranelibrary.com", "Cochrane Library"),
    ("cnki.net", "CNKI"),
    ("cnki.com.cn", "CNKI"),
    ("wanfangdata", "Wanfang"),
    ("cqvip.com", "VIP"),
    ("pubmed.ncbi.nlm.nih.gov", "PubMed"),
)


def infer_database(values: Iterable[str]) -> str | None:
    """The database a record's URLs or accession numbers point at (``WOS:…`` → Web of Science, scopus.com → Scopus)."""
    for value in values:
        lowered = value.casefold()
        if lowered.startswith("wos:"):
            return "Web of Science"
        for hint, name in _DATABASE_HINTS:
            if hint in lowered:
                return name
    return None
