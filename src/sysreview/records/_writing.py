"""What every writer needs: is a record unchanged since it was read, which raw tags no parsed field holds, types."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sysreview.records._fields import Extraction
from sysreview.records._issues import RecordWarning
from sysreview.records._model import FIELD_NAMES, Record
from sysreview.records._normalize import normalize_type
from sysreview.records._registry import get_format

__all__ = [
    "CROSS",
    "extraction_of",
    "foreign_entries",
    "has_own_id",
    "is_unchanged",
    "keeps_own_id",
    "ris_type",
    "split_pages",
]

#: joins a source format and a tag in the name of a carried-over field (``medline:MH``)
CROSS = ":"


def _quiet(_index: int | None, _message: str, _category: type[RecordWarning]) -> None:
    return None


@lru_cache(maxsize=8192)
def _extract(format_name: str, raw: tuple[tuple[str, str], ...]) -> Extraction:
    return get_format(format_name).extract(raw, _quiet, {})


def extraction_of(record: Record) -> Extraction | None:
    """The extraction of the record's raw tags by its reader (``None`` for records built in code)."""
    if not record.format or not record.raw:
        return None
    return _extract(record.format, record.raw)


def is_unchanged(record: Record) -> bool:
    """Whether the record's parsed fields are still what its raw tags give (so the raw tags can be written as read)."""
    extraction = extraction_of(record)
    if extraction is None:
        return False
    values = extraction.values
    return all(getattr(values, name) == getattr(record, name) for name in FIELD_NAMES)


def keeps_own_id(record: Record) -> bool:
    """Whether the record's id is the identifier its raw tags give (not a position or a renamed id)."""
    extraction = extraction_of(record)
    return extraction is not None and extraction.own_id == record.id


def has_own_id(record: Record) -> bool:
    """Whether the record's raw tags hold an identifier at all."""
    extraction = extraction_of(record)
    return extraction is not None and extraction.own_id is not None


def foreign_entries(record: Record, *, same_format: str) -> list[tuple[str, str]]:
    """The raw pairs no parsed field holds, in order; blank ones only when writing back to the record's own format.

    The record's own identifier counts as held only when it is the record's id (else it travels as a tag).
    """
    extraction = extraction_of(record)
    if extraction is None:
        return []
    used = set(extraction.used)
    if extraction.own_id_index is not None and extraction.own_id != record.id:
        used.discard(extraction.own_id_index)
    keep_blank = record.format == same_format
    return [
        (tag, value) for i, (tag, value) in enumerate(record.raw) if i not in used and (keep_blank or value.strip())
    ]


_RIS_TYPES = {
    "article": "JOUR",
    "book": "BOOK",
    "chapter": "CHAP",
    "conference": "CPAPER",
    "thesis": "THES",
    "report": "RPRT",
    "preprint": "JOUR",
    "patent": "PAT",
    "web": "ELEC",
    "dataset": "DATA",
}


def ris_type(record: Record) -> str:
    """The RIS ``TY`` code for the record (its own when it came from RIS)."""
    if record.format == "ris" and record.type:
        return record.type
    return _RIS_TYPES.get(normalize_type(record.type) or "", "GEN")


_BIBTEX_TYPES = {
    "article": "article",
    "book": "book",
    "chapter": "incollection",
    "conference": "inproceedings",
    "thesis": "phdthesis",
    "report": "techreport",
    "preprint": "unpublished",
    "patent": "misc",
    "web": "online",
    "dataset": "misc",
}


def bibtex_type(record: Record) -> str:
    """The BibTeX entry type for the record (its own when it came from BibTeX)."""
    if record.format == "bibtex" and record.type:
        return record.type
    return _BIBTEX_TYPES.get(normalize_type(record.type) or "", "misc")


def split_pages(pages: str) -> tuple[str, str]:
    """``"123-129"`` → ``("123", "129")``; a single page → ``(page, "")``."""
    for dash in ("--", "-", "\u2013", "\u2014"):
        if dash in pages:
            first, _, last = pages.partition(dash)
            return first.strip(), last.strip()
    return pages.strip(), ""


def joined(values: Sequence[str], separator: str = "; ") -> str:
    return separator.join(values)
