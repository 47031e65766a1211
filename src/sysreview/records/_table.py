"""Tables of records: CSV/TSV/delimited text and XLSX, with the column names of ASReview, Rayyan, Covidence, Zotero,
EndNote, Scopus, Embase and Web of Science (tab-delimited) recognised, any other column mapped by the user; the CSV
writer.

Every cell is kept as a raw pair ``(column, cell)`` (empty cells too), so a table written back is the table read.
Row numbers are spreadsheet rows (header = row 1); lines are the text lines where a row starts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from sysreview.errors import InputError
from sysreview.records._fields import Collector, Extraction, Note, clean_text, split_list
from sysreview.records._issues import MalformedRecordWarning
from sysreview.records._model import FIELD_NAMES, MULTI_VALUED, Record
from sysreview.records._registry import Draft, Format, ReadContext, Writer, register_format, register_writer
from sysreview.records._wos import extract_wos_table
from sysreview.records._writing import CROSS, foreign_entries, has_own_id, is_unchanged, keeps_own_id

__all__ = ["COLUMN_NAMES", "extract_table", "parse_delimited", "parse_xlsx", "render_csv"]

_CSV_FIELD_LIMIT = 2**31 - 1
csv.field_size_limit(_CSV_FIELD_LIMIT)


@lru_cache(maxsize=4096)
def column_key(name: str) -> str:
    """A column name reduced for matching: ``"Publication Year"`` → ``"publicationyear"``."""
    return re.sub(r"[\W_]+", "", name.casefold())


#: recognised column names (reduced by :func:`column_key`) per field, in order of preference
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "recordid", "key", "eid", "covidence", "refid", "referenceid"),
    "title": ("title", "articletitle", "documenttitle", "primarytitle", "ti", "t1"),
    "alternative_titles": ("alternativetitles", "alternativetitle", "originaltitle", "translatedtitle", "tt"),
    "authors": ("authors", "author", "authornames", "firstauthors", "au", "a1", "creators", "creator"),
    "year": ("year", "publicationyear", "publishedyear", "pubyear", "py", "date", "publicationdate", "da", "y1"),
    "journal": (
        "journal", "journalname", "journaltitle", "publicationtitle", "sourcetitle", "publicationname",
        "secondarytitle", "periodical", "t2", "jo", "jf", "so", "alternatetitle3", "alternatetitle1",
        "journalabbreviation", "abbreviatedsourcetitle",
        # BibTeX-style tables (bib-dedupe, CoLRev): a conference paper's venue is its proceedings' title; the raw
        # column is kept as read
        "booktitle", "proceedingstitle", "conferencename",
    ),
    "volume": ("volume", "vol", "vl"),
    "issue": ("issue", "number", "issuenumber", "is", "no"),
    "pages": ("pages", "page", "pagination", "pg", "pagerange"),
    "doi": ("doi", "di", "do"),
    "pmid": ("pmid", "pubmedid", "pubmed", "pm"),
    "issn": ("issn", "eissn", "isbnissn", "issnisbn", "sn", "isbn"),
    "keywords": (
        "keywords", "keyword", "kw", "authorkeywords", "indexkeywords", "manualtags", "automatictags", "tags",
        "meshterms", "mesh",
    ),
    "abstract": ("abstract", "abstractnote", "ab", "n2", "summary"),
    "type": (
        "type", "typeofreference", "itemtype", "documenttype", "referencetype", "publicationtype", "ty", "pt",
        "entrytype", "articletype",
    ),
    "language": ("language", "languageoforiginaldocument", "la", "lang"),
    "url": ("url", "link", "ur", "urls"),
    "database": ("database", "nameofdatabase", "librarycatalog", "db", "sourcedatabase", "databaseprovider", "dp"),
}  # fmt: skip
_START_PAGE = ("startpage", "pagestart", "sp", "firstpage", "beginningpage", "bp")
_END_PAGE = ("endpage", "pageend", "ep", "lastpage")
_DOI_FALLBACK = ("url", "link", "openurllink", "ur")
_PMID_FALLBACK = ("extra", "notes", "note", "n1", "url", "link")
#: formats whose raw tags are table columns
TABLE_FORMATS = frozenset({"csv", "xlsx"})
_WOS_COLUMNS = frozenset({"PT", "AU", "TI", "SO", "UT"})
_INITIALS_NAME = re.compile(r"^[^,;]+\s(?:[A-Z]\.?-?){1,4}$")
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?)\s*\((?P<year>\d{4})\)\s*(?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?\s*"
    r"(?:\((?P<pages>[^)]*)\))?"
)


def split_authors(value: str) -> list[str]:
    """Author names of a table cell: a list literal, ``;``/line separated, `` and `` separated, or Embase/Scopus
    ``Liu R., Adler D.G.`` (comma separated surname-initials); otherwise one name.
    """
    text = value.strip()
    if not text:
        return []
    if text.startswith("[") or ";" in text or "\n" in text:
        return split_list(text, separators=";\n")
    if re.search(r"\s+and\s+", text):
        return [clean_text(p) for p in re.split(r"\s+and\s+", text) if clean_text(p)]
    parts = [p.strip() for p in text.split(",")]
    if len(parts) >= 2 and all(_INITIALS_NAME.match(p) for p in parts if p):
        return [p for p in parts if p]
    return [clean_text(text)]


def _split_top_level_commas(value: str) -> list[str]:
    items: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(value):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(value[start:i])
            start = i + 1
    items.append(value[start:])
    return [clean_text(item) for item in items if clean_text(item)]


@lru_cache(maxsize=256)
def _layout(keys: tuple[str, ...]) -> tuple[str, dict[str, list[str]]]:
    """The profile of a table's header and its columns by reduced name (a header is shared by all its rows)."""
    by_key: dict[str, list[str]] = {}
    for tag in keys:
        same = by_key.setdefault(column_key(tag), [])
        if tag not in same:
            same.append(tag)
    return _profile(keys), by_key


def _profile(keys: Sequence[str]) -> str:
    names = set(keys)
    reduced = {column_key(k) for k in keys}
    if len(_WOS_COLUMNS & names) >= 4:
        return "wos"
    if any(k.startswith("emtree") for k in reduced) or {"authornames", "source", "title"} <= reduced:
        return "embase"
    if "eid" in reduced and "sourcetitle" in reduced:
        return "scopus"
    return "generic"


def extract_table(raw: Sequence[tuple[str, str]], note: Note, columns: Mapping[str, str] | None = None) -> Extraction:
    """Fields from a table row: the user's ``columns`` first, then the recognised column names."""
    profile, by_key = _layout(tuple(tag for tag, _ in raw))
    if profile == "wos" and not columns:
        return extract_wos_table(raw, note)
    c = Collector(raw, note, casefold=False)

    def tags(*reduced: str) -> list[str]:
        return [tag for key in reduced for tag in by_key.get(key, [])]

    def names(name: str) -> list[str]:
        mapped = (columns or {}).get(name)
        found = [mapped] if mapped else []
        return found + [t for t in tags(*COLUMN_NAMES.get(name, ())) if t not in found]

    c.identifier(*names("id"))
    if c.own_id == "":
        c.own_id = None
    c.text("title", *names("title"))
    c.texts("alternative_titles", *names("alternative_titles"), split=lambda v: split_list(v, separators="\n"))
    for tag in names("authors"):
        if c.texts("authors", tag, split=split_authors):
            break
    c.year(*names("year"))
    c.text("journal", *names("journal"))
    c.text("volume", *names("volume"))
    c.text("issue", *names("issue"))
    if names("pages") and c.priority(*names("pages")):
        c.pages(names("pages"))
    else:
        c.pages(tags(*_START_PAGE), tags(*_END_PAGE))
    c.doi(*names("doi"), fallback=tags(*_DOI_FALLBACK))
    c.pmid(*names("pmid"))
    c.pmid(*tags(*_PMID_FALLBACK), bare=False, report=False)
    c.issn(*names("issn"))
    keyword_split = _split_top_level_commas if profile == "embase" else (lambda v: split_list(v, separators=";\n"))
    c.texts("keywords", *names("keywords"), split=keyword_split, order="priority")
    c.text("abstract", *names("abstract"), keep_lines=True)
    c.text("type", *names("type"))
    c.text("language", *names("language"))
    c.text("url", *names("url"))
    c.text("database", *names("database"))
    if profile == "scopus" and not c.values.database:
        c.text("database", *tags("source"))
    if profile == "embase":
        _embase_source(c, tags("source"))
        if not c.values.database:
            c.values.database = "Embase"
    return c.extraction()


def _embase_source(c: Collector, source_tags: Sequence[str]) -> None:
    """Journal, year, volume, issue, pages from Embase's ``Source`` cell: ``Journal (2014) 3:3 (152-160). Date …``."""
    for i in c.priority(*source_tags):
        match = _EMBASE_SOURCE.match(clean_text(c.value(i)))
        if match is None:
            return
        parts = match.groupdict()
        if not c.values.journal:
            c.values.journal = parts["journal"]
        if c.values.year is None:
            c.values.year = int(parts["year"])
        for name in ("volume", "issue", "pages"):
            if not getattr(c.values, name) and parts[name]:
                setattr(c.values, name, parts[name])
        return


# --- reading -------------------------------------------------------------------------------------------------------


def _delimiter(header: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    counts: dict[str, int] = {}
    for delimiter in (",", "\t", ";", "|"):
        inside = False
        n = 0
        for ch in header:
            if ch == '"':
                inside = not inside
            elif ch == delimiter and not inside:
                n += 1
        counts[delimiter] = n
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _header(cells: Sequence[str], context: ReadContext, row: int) -> list[str]:
    names: list[str] = []
    for k, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff")
        if not name:
            name = f"column_{k}"
            context.issue(MalformedRecordWarning, f"column {k} has no name; called {name!r}", row=row)
        names.append(name)
    return names


def _rows_to_drafts(rows: Sequence[tuple[int, int | None, list[str]]], context: ReadContext) -> list[Draft]:
    """Drafts from ``(row number, line, cells)``; the first non-blank row is the header."""
    drafts: list[Draft] = []
    header: list[str] | None = None
    for row, line, cells in rows:
        if header is None:
            if not any(c.strip() for c in cells):
                continue
            header = _header(cells, context, row)
            continue
        if not any(c.strip() for c in cells):
            continue  # a blank row holds no record
        if len(cells) > len(header):
            extra = cells[len(header) :]
            if any(c.strip() for c in extra):
                context.issue(
                    MalformedRecordWarning,
                    f"row has {len(cells)} cells but the header {len(header)}; extra cells kept as 'column_k'",
                    row=row,
                    line=line,
                )
        draft = Draft(line=line, row=row)
        for k, cell in enumerate(cells, start=1):
            if k <= len(header):
                draft.add(header[k - 1], cell, line)
            elif cell.strip():
                draft.add(f"column_{k}", cell, line)
        for k in range(len(cells), len(header)):
            draft.add(header[k], "", line)
        drafts.append(draft)
    if header is None:
        context.issue(MalformedRecordWarning, "the table is empty (no header row)")
    return drafts


def parse_delimited(data: bytes, context: ReadContext) -> list[Draft]:
    """CSV, TSV, ``;``- or ``|``-separated text (delimiter from the suffix or the header line)."""
    text = context.text(data).lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line, context.suffix))
    rows: list[tuple[int, int | None, list[str]]] = []
    previous_line = 0
    try:
        for number, cells in enumerate(reader, start=1):
            rows.append((number, previous_line + 1, cells))
            previous_line = reader.line_num
    except csv.Error as error:
        context.issue(
            MalformedRecordWarning,
            f"cannot read the table after this line ({error}); rows after it are missing",
            line=previous_line + 1,
        )
    return _rows_to_drafts(rows, context)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def parse_xlsx(data: bytes, context: ReadContext) -> list[Draft]:
    """The first sheet of an XLSX workbook (cells as text; whole-number floats without ``.0``)."""
    import openpyxl  # noqa: PLC0415 (heavy: imported when an XLSX file is read)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InputError(f"not a readable XLSX workbook: {error}", file=context.file) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [
            (number, None, [_cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return _rows_to_drafts(rows, context)


# --- writing -------------------------------------------------------------------------------------------------------


def _cell(record: Record, name: str) -> str:
    value = getattr(record, name)
    if value is None:
        return ""
    if name in MULTI_VALUED:
        return ("\n" if name == "alternative_titles" else "; ").join(value)
    return str(value)


def _header_row(buffer: io.StringIO, names: Sequence[str]) -> None:
    # quoted, so that a reader sniffing the delimiter from the header line sees only the commas between names
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(names)


def render_csv(records: Sequence[Record]) -> str:
    """CSV text (UTF-8, ``,``, quotes where needed).

    Records that were all read from tables with the same columns and not changed are written back cell for cell
    (with an ``id`` column first when the table had no identifier column). Otherwise the columns are ``id`` and the
    parsed fields (several values joined by ``"; "``), then every raw tag no field holds: a table's own column under
    its name, another format's tag as ``format:tag`` (``ris:N1``; values of a repeated tag one per line).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if not records:
        return ""
    first_keys = [tag for tag, _ in records[0].raw]
    same_table = len(set(first_keys)) == len(first_keys) and all(
        r.format in TABLE_FORMATS and [t for t, _ in r.raw] == first_keys and is_unchanged(r) for r in records
    )
    if same_table and all(keeps_own_id(r) for r in records):
        _header_row(buffer, first_keys)
        writer.writerows([value for _, value in record.raw] for record in records)
        return buffer.getvalue()
    if same_table and "id" not in first_keys and not any(has_own_id(r) for r in records):
        _header_row(buffer, ["id", *first_keys])
        writer.writerows([record.id, *(value for _, value in record.raw)] for record in records)
        return buffer.getvalue()
    standard = ["id", *FIELD_NAMES]
    extra_columns: list[str] = []
    rows: list[dict[str, str]] = []
    for record in records:
        row = {"id": record.id}
        row.update({name: _cell(record, name) for name in FIELD_NAMES})
        carried: dict[str, list[str]] = {}
        for tag, value in foreign_entries(record, same_format="csv"):
            native = record.format in TABLE_FORMATS and tag not in standard
            name = tag if native else f"{record.format}{CROSS}{tag}"
            carried.setdefault(name, []).append(value)
        for name, values in carried.items():
            if name not in extra_columns:
                extra_columns.append(name)
            row[name] = "\n".join(values)
        rows.append(row)
    header = standard + extra_columns
    _header_row(buffer, header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue()


def _sniff(head: str) -> bool:
    first = next((line for line in head.splitlines() if line.strip()), "")
    return any(d in first for d in (",", "\t", ";", "|"))


register_format(
    Format(
        name="csv",
        parse=parse_delimited,
        extract=extract_table,
        suffixes=(".csv", ".tsv", ".tab"),
        sniff=_sniff,
        description="CSV/TSV/delimited text (ASReview, Rayyan, Covidence, Zotero, EndNote, Scopus, Embase, WoS)",
    )
)
register_format(
    Format(
        name="xlsx",
        parse=parse_xlsx,
        extract=extract_table,
        suffixes=(".xlsx", ".xlsm"),
        description="Excel workbook (first sheet), same columns as CSV",
    )
)
register_writer(Writer(name="csv", render=render_csv, suffixes=(".csv",), description="CSV"))
