"""RIS: the reader for every dialect seen in the wild (EndNote, Zotero, Mendeley, Scopus, Embase, Ovid, ProQuest, EBSCO,
Web of Science, Rayyan, Dimensions, CNKI) and the writer.

Tolerated: a BOM, any line ending, tabs or one blank around the dash (``A1\\t- x``), blank values, repeated tags,
unknown tags (WoS ``UK``, ``PI`` …), continuation lines without a tag (Rayyan keywords, Scopus "Export Date"), blank
lines inside a record, Ovid's record numbers and its tags and links after ``ER``, a missing ``TY`` or ``ER``, a
last record without a trailing blank line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sysreview.records._fields import Collector, Extraction, Note, infer_database, split_list
from sysreview.records._issues import MalformedRecordWarning
from sysreview.records._model import Record
from sysreview.records._registry import Draft, Format, ReadContext, Writer, register_format, register_writer
from sysreview.records._text import split_lines
from sysreview.records._writing import (
    CROSS,
    foreign_entries,
    has_own_id,
    is_unchanged,
    keeps_own_id,
    ris_type,
    split_pages,
)

__all__ = ["extract_ris", "parse_ris", "render_ris"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])[ \t]{1,4}-(?:[ \t]+(.*)|[ \t]*)$")
_OVID_NUMBER = re.compile(r"^\s*\d+\.\s*$")
_URL_TAGS = ("UR", "L1", "L2", "L3", "L4", "LK")
_MEDLINE_DB = re.compile(r"pubmed|medline|\bnlm\b", re.IGNORECASE)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def parse_ris(data: bytes, context: ReadContext) -> list[Draft]:
    """Split RIS text into records of ``(tag, value)`` pairs; continuation lines join their tag's value with line
    breaks.

    Tags after ``ER`` (Ovid's ``NL``) and before the next ``TY`` belong to the record before, unless an ``ER`` closes
    them: then they are a record of their own without ``TY`` (reported). Untagged text after ``ER`` (Ovid's
    "Link to the Ovid Full Text") is kept in the record before under the empty tag ``""``.
    """
    drafts: list[Draft] = []
    current: Draft | None = None  # inside TY … ER
    trailer: Draft | None = None  # tags after an ER, owner not known yet
    last: Draft | None = None  # the record an after-ER trailer belongs to
    blanks = 0

    def target() -> Draft | None:
        return current if current is not None else trailer

    def flush_trailer() -> None:
        nonlocal trailer
        if trailer is None:
            return
        if last is not None:
            last.raw.extend(trailer.raw)
            last.lines.extend(trailer.lines)
        else:
            context.issue(MalformedRecordWarning, "record has no 'TY  -' line and no 'ER  -' line", line=trailer.line)
            drafts.append(trailer)
        trailer = None

    for number, text in enumerate(split_lines(context.text(data)), start=1):
        line = text.lstrip("\ufeff")
        match = _TAG.match(line)
        if match is None:
            if not line.strip():
                blanks += 1
                continue
            owner = target()
            if owner is not None and owner.raw:
                tag, value = owner.raw[-1]
                owner.raw[-1] = (tag, value + "\n" * (blanks + 1) + line.rstrip())
            elif _OVID_NUMBER.match(line):
                pass  # Ovid numbers its records ("1.", "2." …) between them; the number is the record's position
            elif last is not None:
                last.add("", line.rstrip(), number)
            else:
                context.issue(
                    MalformedRecordWarning,
                    f"text before the first record ignored: {_short(line.strip())!r}",
                    line=number,
                )
            blanks = 0
            continue
        blanks = 0
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if current is not None:
                context.issue(
                    MalformedRecordWarning,
                    f"record has no 'ER  -' line; it ends where the next record starts (line {number})",
                    line=current.line,
                )
                drafts.append(current)
                last = current
            flush_trailer()
            current = Draft(line=number)
            current.add("TY", value, number)
        elif tag == "ER":
            if current is not None:
                closing = current
                current = None
            elif trailer is not None:
                context.issue(MalformedRecordWarning, "record has no 'TY  -' line", line=trailer.line)
                closing = trailer
                trailer = None
            else:
                message = "'ER  -' outside a record" + (f" (value {value!r} ignored)" if value else "")
                context.issue(MalformedRecordWarning, message, line=number)
                continue
            if value:
                closing.add("ER", value, number)
            drafts.append(closing)
            last = closing
        else:
            if current is None and trailer is None:
                trailer = Draft(line=number)
            owner = target()
            assert owner is not None
            owner.add(tag, value, number)
    if current is not None:
        context.issue(MalformedRecordWarning, "record has no 'ER  -' line (end of file)", line=current.line)
        drafts.append(current)
        last = current
    flush_trailer()
    return drafts


def _split_authors(value: str) -> list[str]:
    # CNKI and some Chinese exports put all authors in one tag: "张三;李四;" (or with the full-width "；")
    return split_list(value, separators=";；\n") if (";" in value or "；" in value) else [value]


def extract_ris(raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None) -> Extraction:
    """Read the parsed fields from RIS pairs (tags of the RIS spec plus the dialects' habits)."""
    c = Collector(raw, note)
    if not c.text("type", "TY") and c.present("TY"):
        c.warn(c.present("TY")[0], "record type is empty", MalformedRecordWarning)
    c.identifier("ID")
    c.text("title", "TI", "T1", "CT", "BT")
    c.texts("alternative_titles", "TT")
    c.texts("authors", "AU", "A1", split=_split_authors)
    c.year("PY", "Y1", "DA")
    c.text("journal", "JF", "JO", "T2", "JA", "J2", "J1")
    c.text("volume", "VL")
    c.text("issue", "IS")
    c.pages(("SP",), ("EP",))
    c.doi("DO", "DI", fallback=("M3", *_URL_TAGS))
    databases = " ".join(c.value(i) for i in c.priority("DB", "DP"))
    if re.search(r"embase", databases, re.IGNORECASE):
        c.pmid("C5", report=False)  # Embase RIS: C5 = PubMed id
    if _MEDLINE_DB.search(databases):
        c.pmid("AN", report=False)
    # a labelled "PMID: 123" in a short custom field or a PubMed URL (not N1: Scopus puts reference lists there)
    custom = ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "M1", "M2", "U1", "U2", "U3", "U4", "U5")
    c.pmid(*_URL_TAGS, "AN", *custom, bare=False, report=False)
    c.issn("SN")
    c.texts("keywords", "KW", split=lambda v: split_list(v, separators=";；\n"))
    c.text("abstract", "AB", "N2", keep_lines=True)
    c.text("language", "LA")
    url_index = c.priority("UR")
    if url_index:
        c.values.url = c.value(url_index[0]).strip().splitlines()[0].strip()
        if c.value(url_index[0]).strip() == c.values.url:
            c.used.add(url_index[0])
    if not c.text("database", "DB", "DP"):
        c.values.database = infer_database(c.value(i) for i in c.priority("AN", *_URL_TAGS))
    return c.extraction()


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {value}" if value else f"{tag}  - "


def _verbatim(record: Record) -> list[str]:
    """The raw tags as read (the record's id added as ``ID`` after ``TY`` when the file gave it none)."""
    lines: list[str] = []
    add_id = not has_own_id(record)
    er_value = ""
    untagged: list[str] = []
    for tag, value in record.raw:
        if tag == "ER":
            er_value = value
        elif tag == "":
            untagged.append(value)
        else:
            lines.append(_ris_line(tag, value))
            if add_id and tag == "TY":
                lines.append(_ris_line("ID", record.id))
                add_id = False
    if add_id:
        lines.insert(0, _ris_line("ID", record.id))
    lines.append(_ris_line("ER", er_value))
    lines.extend(untagged)
    return lines


def _from_fields(record: Record) -> list[str]:
    lines = [_ris_line("TY", ris_type(record))]
    if record.id:
        lines.append(_ris_line("ID", record.id))
    if record.title:
        lines.append(_ris_line("TI", record.title))
    lines.extend(_ris_line("TT", t) for t in record.alternative_titles)
    lines.extend(_ris_line("AU", a) for a in record.authors)
    if record.year is not None:
        lines.append(_ris_line("PY", str(record.year)))
    if record.journal:
        lines.append(_ris_line("T2", record.journal))
    if record.volume:
        lines.append(_ris_line("VL", record.volume))
    if record.issue:
        lines.append(_ris_line("IS", record.issue))
    if record.pages:
        first, last = split_pages(record.pages)
        lines.append(_ris_line("SP", first))
        if last:
            lines.append(_ris_line("EP", last))
    if record.doi:
        lines.append(_ris_line("DO", record.doi))
    if record.pmid:
        lines.append(_ris_line("AN", f"PMID: {record.pmid}"))
    lines.extend(_ris_line("SN", i) for i in record.issn)
    lines.extend(_ris_line("KW", k) for k in record.keywords)
    if record.abstract:
        lines.append(_ris_line("AB", record.abstract))
    if record.language:
        lines.append(_ris_line("LA", record.language))
    if record.url:
        lines.append(_ris_line("UR", record.url))
    if record.database:
        lines.append(_ris_line("DB", record.database))
    untagged: list[str] = []
    for tag, value in foreign_entries(record, same_format="ris"):
        if record.format == "ris":
            if tag == "":
                untagged.append(value)
            elif tag != "ER":
                lines.append(_ris_line(tag, value))
        else:
            lines.append(_ris_line("N1", f"[{record.format}{CROSS}{tag}] {value}"))
    lines.append(_ris_line("ER", ""))
    lines.extend(untagged)
    return lines


def render_ris(records: Sequence[Record]) -> str:
    """RIS text (CRLF line ends as the RIS spec asks, a blank line between records).

    A record read from RIS whose parsed fields were not changed is written back tag by tag as read (with ``ID  - <id>``
    added when the file gave the record no ``ID``, so that its id survives); any other record is written from its
    parsed fields and id, followed by its raw tags that no field holds (from another format: as
    ``N1  - [format:tag] value`` notes).
    """
    out: list[str] = []
    for record in records:
        verbatim = record.format == "ris" and is_unchanged(record) and (keeps_own_id(record) or not has_own_id(record))
        lines = _verbatim(record) if verbatim else _from_fields(record)
        out.extend(lines)
        out.append("")
    return "\r\n".join(out) + ("\r\n" if out else "")


def _sniff(head: str) -> bool:
    return re.search(r"^\ufeff?TY[ \t]{1,4}-", head, re.MULTILINE) is not None or (
        re.search(r"^ER[ \t]{1,4}-", head, re.MULTILINE) is not None
        and re.search(r"^[A-Z][A-Z0-9][ \t]{1,4}- ", head, re.MULTILINE) is not None
    )


register_format(
    Format(
        name="ris",
        parse=parse_ris,
        extract=extract_ris,
        suffixes=(".ris",),
        sniff=_sniff,
        description="RIS (EndNote, Zotero, Mendeley, Scopus, Embase, Ovid, ProQuest, EBSCO, WoS, Rayyan, CNKI …)",
    )
)
register_writer(Writer(name="ris", render=render_ris, suffixes=(".ris",), description="RIS"))
