"""Reading and writing record files: format detection, record ids, issues reported as warnings."""

from __future__ import annotations

import gzip
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from sysreview.errors import InputError

# the readers and writers register themselves on import; the order below is the order of content sniffing
from sysreview.records import _bibtex, _endnote_xml, _medline, _refer, _ris, _table, _wos  # noqa: F401
from sysreview.records._fields import Extraction
from sysreview.records._issues import DuplicateIdWarning, Issue, RecordWarning
from sysreview.records._model import FIELD_NAMES, Record, RecordSet
from sysreview.records._registry import (
    Draft,
    Format,
    ReadContext,
    formats_by_suffix,
    get_format,
    get_writer,
    reader_names,
    sniffers,
    writers_by_suffix,
)
from sysreview.records._text import decode

__all__ = ["OnIssue", "detect_format", "dumps", "parse", "read", "read_many", "write"]

#: what to do with the issues of a read: warn (and collect), only collect, or raise at the first
OnIssue = Literal["warn", "collect", "raise"]
_ON_ISSUE = ("warn", "collect", "raise")
_SNIFF_ORDER = ("endnote_xml", "wos", "medline", "ris", "bibtex", "refer", "noteexpress", "csv")
_ID_COLUMNS = ("id",)


def _check_options(on_issue: str, columns: Mapping[str, str] | None) -> dict[str, str]:
    if on_issue not in _ON_ISSUE:
        raise InputError(f"on_issue must be one of {', '.join(_ON_ISSUE)}; got {on_issue!r}")
    mapping = dict(columns or {})
    allowed = ("id", *FIELD_NAMES)
    for name, column in mapping.items():
        if name not in allowed:
            raise InputError(f"columns: unknown field {name!r}; fields are: {', '.join(allowed)}")
        if not isinstance(column, str) or not column:
            raise InputError(f"columns: field {name!r} must map to a column name, got {column!r}")
    return mapping


def _inner_suffix(name: str) -> str:
    path = Path(name)
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _head(data: bytes) -> str:
    text = decode(data[:65536]).text
    return text.lstrip("\ufeff")


def detect_format(name: str, data: bytes) -> str:
    """The reader for a file: by suffix (``.ris``, ``.nbib``, ``.ciw``, ``.bib``, ``.xml``, ``.csv``, ``.tsv``,
    ``.xlsx``, ``.enw``, ``.net`` …), else by content (``.txt`` and unknown suffixes).
    """
    suffix = _inner_suffix(name)
    by_suffix = formats_by_suffix()
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = _head(data)
    candidates: list[Format] = []
    known = {fmt.name: fmt for fmt in sniffers()}
    candidates.extend(known[n] for n in _SNIFF_ORDER if n in known)
    candidates.extend(fmt for n, fmt in known.items() if n not in _SNIFF_ORDER)
    for fmt in candidates:
        assert fmt.sniff is not None
        if fmt.sniff(head):
            return fmt.name
    raise InputError(
        f"cannot tell the format from the suffix {suffix!r} or the content; pass format= one of: "
        + ", ".join(reader_names()),
        file=name,
    )


def _emit(issues: Sequence[Issue], on_issue: str) -> None:
    if on_issue == "raise" and issues:
        issue = issues[0]
        if issue.row is not None:  # a table: the error names row and column as everywhere in sysreview
            raise InputError(issue.message, file=issue.file, row=issue.row, column=issue.field)
        raise InputError(str(replace(issue, file=None)), file=issue.file)  # a text file: line and field
    if on_issue == "warn":
        for issue in issues:
            warnings.warn(issue.category(issue), stacklevel=4)


def _file_name(file: str) -> str:
    return re.split(r"[\\/]", file)[-1]


def _build(drafts: Sequence[Draft], fmt: Format, context: ReadContext) -> list[Record]:
    extractions: list[Extraction] = []
    for draft in drafts:

        def note(index: int | None, message: str, category: type[RecordWarning], draft: Draft = draft) -> None:
            line = draft.lines[index] if index is not None else draft.line
            field = draft.raw[index][0] if index is not None else None
            context.issue(category, message, line=line, row=draft.row, field=field)

        extractions.append(fmt.extract(draft.raw, note, context.columns))
    name = _file_name(context.file)
    own = [e.own_id or None for e in extractions]
    counts = Counter(i for i in own if i is not None)
    repeated = sorted(i for i, n in counts.items() if n > 1)
    if repeated:
        where = [d.row or d.line for d, i in zip(drafts, own, strict=True) if i == repeated[0]]
        context.issue(
            DuplicateIdWarning,
            f"record ids are not unique ({len(repeated)} repeated, e.g. {repeated[0]!r} at "
            f"{'rows' if drafts[0].row else 'lines'} {', '.join(str(w) for w in where[:5])}); records are identified "
            f"by position ('{name}:n')",
        )
        own = [None] * len(own)
    taken = {i for i in own if i is not None}
    records: list[Record] = []
    for n, (draft, extraction, own_id) in enumerate(zip(drafts, extractions, own, strict=True), start=1):
        record_id = own_id
        if record_id is None:
            record_id = f"{name}:{n}"
            k = 1
            while record_id in taken:
                k += 1
                record_id = f"{name}:{n}#{k}"
        taken.add(record_id)
        values = extraction.values
        records.append(
            Record(
                id=record_id,
                **values.as_dict(),  # type: ignore[arg-type]
                format=fmt.name,
                file=context.file,
                line=draft.line,
                row=draft.row,
                index=n,
                raw=tuple(draft.raw),
            )
        )
    return records


def parse(
    data: bytes | str,
    format: str | None = None,
    *,
    name: str = "<string>",
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
    on_issue: OnIssue = "warn",
) -> RecordSet:
    """Read records from bytes or text held in memory (``name`` stands for the file in ids and messages).

    See :func:`read` for the options.
    """
    mapping = _check_options(on_issue, columns)
    if isinstance(data, str):
        payload, encoding = data.encode("utf-8"), "utf-8"  # text is already decoded: ``encoding`` is for bytes
    else:
        payload = data
    if name.lower().endswith(".gz") or payload[:2] == b"\x1f\x8b":
        try:
            payload = gzip.decompress(payload)
        except (OSError, EOFError) as error:
            raise InputError(f"not a readable gzip file: {error}", file=name) from None
    fmt = get_format(format) if format is not None else get_format(detect_format(name, payload))
    context = ReadContext(file=name, encoding=encoding, columns=mapping, suffix=_inner_suffix(name))
    drafts = fmt.parse(payload, context)
    records = _build(drafts, fmt, context)
    result = RecordSet(tuple(records), tuple(context.issues))
    _emit(result.issues, on_issue)
    return result


def read(
    source: str | os.PathLike[str],
    format: str | None = None,
    *,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
    on_issue: OnIssue = "warn",
) -> RecordSet:
    """Read every record of a database export.

    Parameters
    ----------
    source
        The file (``.gz`` is decompressed first).
    format
        A reader name (see :func:`reader_names`); by default from the suffix, else sniffed from the content.
    encoding
        The text encoding; by default a BOM decides, else UTF-8, else GB18030 for Chinese text, else Windows-1252
        (reported with a :class:`DecodingWarning`).
    columns
        For tables: the column holding a field, by field name (``{"title": "Titel", "id": "Nr"}``), over the
        recognised ASReview/Rayyan/Covidence/Zotero/EndNote/Scopus/Embase/WoS column names.
    on_issue
        ``"warn"``: every problem found is emitted as a :class:`RecordWarning` subclass and kept in
        ``RecordSet.issues``; ``"collect"``: only kept; ``"raise"``: the first raises :class:`InputError`.
        Records with problems are kept in every case.
    """
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}", file=str(source)) from None
    return parse(data, format, name=str(source), encoding=encoding, columns=columns, on_issue=on_issue)


def read_many(
    sources: Iterable[str | os.PathLike[str]],
    format: str | None = None,
    *,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
    on_issue: OnIssue = "warn",
) -> RecordSet:
    """Read several exports into one set (see :meth:`RecordSet.concat` for ids used by more than one file)."""
    sets = [read(s, format, encoding=encoding, columns=columns, on_issue=on_issue) for s in sources]
    combined = RecordSet.concat(sets)
    new = combined.issues[sum(len(s.issues) for s in sets) :]
    _emit(new, on_issue)
    return combined


def dumps(records: Iterable[Record], format: str) -> str:
    """The text of ``records`` in ``format`` (``ris``, ``csv``, ``bibtex``)."""
    return get_writer(format).render(list(records))


def write(records: Iterable[Record], target: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``records`` to ``target`` in ``format`` (by default from the suffix: ``.ris``, ``.csv``, ``.bib``).

    Records read from the same format and not changed are written back tag for tag; others are written from their
    parsed fields plus every raw tag no field holds (see each writer). The text is UTF-8.
    """
    path = Path(target)
    if format is None:
        suffix = _inner_suffix(path.name)
        by_suffix = writers_by_suffix()
        if suffix not in by_suffix:
            raise InputError(
                f"cannot tell the output format from the suffix {suffix!r}; pass format= one of: "
                + ", ".join(sorted(set(by_suffix.values()))),
                file=str(target),
            )
        format = by_suffix[suffix]
    text = dumps(records, format)
    payload = text.encode("utf-8")
    if path.suffix.lower() == ".gz":
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
    return path
