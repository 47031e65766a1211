"""Records: read every database export (RIS, MEDLINE, Web of Science, CSV/TSV/XLSX, EndNote XML, BibTeX, EndNote
tagged, NoteExpress), lose nothing, write RIS, CSV and BibTeX, and hold normal forms for matching.

>>> from sysreview.records import read
>>> records = read("embase.ris")  # doctest: +SKIP
>>> records[0].title, records[0].normalized.doi  # doctest: +SKIP
"""

from __future__ import annotations

from sysreview.records._api import OnIssue, detect_format, dumps, parse, read, read_many, write
from sysreview.records._issues import (
    DecodingWarning,
    DuplicateIdWarning,
    FieldValueWarning,
    Issue,
    MalformedRecordWarning,
    RecordWarning,
)
from sysreview.records._model import FIELD_NAMES, Normalized, Record, RecordSet
from sysreview.records._normalize import (
    fold_text,
    journals_match,
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
    strip_title_flags,
)
from sysreview.records._registry import (
    Draft,
    Format,
    ReadContext,
    Writer,
    reader_names,
    register_format,
    register_writer,
    writer_names,
)
from sysreview.records._stats import RecordStats

__all__ = [
    "FIELD_NAMES",
    "DecodingWarning",
    "Draft",
    "DuplicateIdWarning",
    "FieldValueWarning",
    "Format",
    "Issue",
    "MalformedRecordWarning",
    "Normalized",
    "OnIssue",
    "ReadContext",
    "Record",
    "RecordSet",
    "RecordStats",
    "RecordWarning",
    "Writer",
    "detect_format",
    "dumps",
    "fold_text",
    "journals_match",
    "normalize_author",
    "normalize_doi",
    "normalize_issn",
    "normalize_journal",
    "normalize_language",
    "normalize_pages",
    "normalize_pmid",
    "normalize_title",
    "normalize_type",
    "parse",
    "read",
    "read_many",
    "reader_names",
    "register_format",
    "register_writer",
    "start_page",
    "strip_title_flags",
    "write",
    "writer_names",
]
