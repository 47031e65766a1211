"""EndNote tagged (refer, ``%0 Journal Article`` / ``%A`` / ``%T`` …) and NoteExpress (``{Title}: …``): the formats
CNKI, Wanfang and VIP export besides RIS, with Chinese values and ``;``-joined author and keyword lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sysreview.records._fields import Collector, Extraction, Note, clean_text, infer_database, split_list
from sysreview.records._issues import MalformedRecordWarning
from sysreview.records._registry import Draft, Format, ReadContext, register_format
from sysreview.records._text import split_lines

__all__ = ["extract_noteexpress", "extract_refer", "parse_noteexpress", "parse_refer"]

_REFER_TAG = re.compile(r"^%(\S)(?:[ \t](.*))?$")
_NOTEEXPRESS_TAG = re.compile(r"^\{([^{}]+)\}\s*[:：]\s?(.*)$")
#: Chinese database providers as they name themselves, and the short names used here
_PROVIDERS = {
    "cnki": "CNKI",
    "中国知网": "CNKI",
    "知网": "CNKI",
    "万方": "Wanfang",
    "北京万方数据股份有限公司": "Wanfang",
    "wanfang": "Wanfang",
    "维普": "VIP",
    "重庆维普资讯有限公司": "VIP",
    "cqvip": "VIP",
    "vip": "VIP",
}


def _provider(value: str | None) -> str | None:
    if not value:
        return value
    lowered = value.strip().casefold()
    for key, name in _PROVIDERS.items():
        if key == lowered or (len(key) > 3 and key in lowered):
            return name
    return value


def _database(c: Collector, *tags: str) -> bool:
    """Set the database from a provider tag, short-named (``北京万方数据股份有限公司`` → ``Wanfang``).

    A renamed value stays unused, so a writer carries the provider's own wording over.
    """
    for i in c.priority(*tags):
        stated = clean_text(c.value(i))
        named = _provider(stated)
        c.values.database = named
        if named == stated:
            c.used.add(i)
        return True
    return False


def _parse_tagged(data: bytes, context: ReadContext, pattern: re.Pattern[str], starts: str, label: str) -> list[Draft]:
    drafts: list[Draft] = []
    current: Draft | None = None
    for number, text in enumerate(split_lines(context.text(data)), start=1):
        line = text.lstrip("\ufeff")
        if not line.strip():
            if current is not None:
                drafts.append(current)
                current = None
            continue
        match = pattern.match(line)
        if match is None:
            if current is not None and current.raw:
                tag, value = current.raw[-1]
                current.raw[-1] = (tag, f"{value}\n{line.rstrip()}")
            else:
                shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:57] + "..."
                context.issue(MalformedRecordWarning, f"text outside a record ignored: {shown!r}", line=number)
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == starts and current is not None and current.raw:
            drafts.append(current)
            current = None
        if current is None:
            current = Draft(line=number)
            if tag != starts:
                context.issue(MalformedRecordWarning, f"record does not start with {label}", line=number)
        current.add(tag, value, number)
    if current is not None:
        drafts.append(current)
    return drafts


def parse_refer(data: bytes, context: ReadContext) -> list[Draft]:
    """Records of EndNote tagged text: one ``%X value`` per line, records apart by blank lines or a new ``%0``."""
    return _parse_tagged(data, context, _REFER_TAG, "0", "'%0' (reference type)")


def parse_noteexpress(data: bytes, context: ReadContext) -> list[Draft]:
    """Records of NoteExpress text: ``{Field}: value`` lines, records apart by blank lines or ``{Reference Type}``."""
    return _parse_tagged(data, context, _NOTEEXPRESS_TAG, "Reference Type", "'{Reference Type}'")


def _items(value: str) -> list[str]:
    return split_list(value, separators=";；\n")


def extract_refer(raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None) -> Extraction:
    """Fields from EndNote tags (``%0`` type, ``%T`` title, ``%A`` author, ``%D`` year, ``%J`` journal …)."""
    c = Collector(raw, note)
    c.text("type", "0")
    c.text("title", "T")
    c.texts("alternative_titles", "Q")
    c.texts("authors", "A", split=_items)
    c.year("D", "8")
    c.text("journal", "J", "B", "O")
    c.text("volume", "V")
    c.text("issue", "N")
    c.pages(("P", "&"))
    c.doi("R", fallback=("U",))
    sources = " ".join(c.value(i) for i in c.priority("W", "~"))
    if re.search(r"pubmed|medline|\bnlm\b", sources, re.IGNORECASE):
        c.pmid("M", report=False)
    c.issn("@")
    c.texts("keywords", "K", split=_items)
    c.text("abstract", "X", keep_lines=True)
    c.text("language", "G")
    c.text("url", "U")
    if not _database(c, "~", "W"):
        c.values.database = infer_database(c.value(i) for i in c.priority("U"))
    return c.extraction()


def extract_noteexpress(
    raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None
) -> Extraction:
    """Fields from NoteExpress fields (``{Title}``, ``{Author}``, ``{Journal}``, ``{Year}``, ``{Keywords}`` …)."""
    c = Collector(raw, note, casefold=True)
    c.text("type", "Reference Type")
    c.text("title", "Title")
    c.texts("alternative_titles", "Translated Title", "Subsidiary Title")
    c.texts("authors", "Author", split=_items)
    c.year("Year", "Date", "PubTime")
    c.text("journal", "Journal", "Secondary Title", "Source", "Periodical")
    c.text("volume", "Volume")
    c.text("issue", "Issue", "Number")
    c.pages(("Pages", "Start Page"), ("End Page",))
    c.doi("DOI", fallback=("URL",))
    c.issn("ISBN/ISSN", "ISSN", "ISBN")
    c.texts("keywords", "Keywords", "Keyword", split=_items)
    c.text("abstract", "Abstract", keep_lines=True)
    c.text("language", "Language")
    c.text("url", "URL")
    if not _database(c, "Database Provider", "Name of Database", "Database"):
        c.values.database = infer_database(c.value(i) for i in c.priority("URL"))
    return c.extraction()


def _sniff_refer(head: str) -> bool:
    return re.search(r"^%0 ", head, re.MULTILINE) is not None


def _sniff_noteexpress(head: str) -> bool:
    return re.search(r"^\{[^{}]+\}\s*[:：]", head, re.MULTILINE) is not None


register_format(
    Format(
        name="refer",
        parse=parse_refer,
        extract=extract_refer,
        suffixes=(".enw",),
        sniff=_sniff_refer,
        description="EndNote tagged / refer (%0, %A, %T …; CNKI, Wanfang, VIP 'EndNote' export)",
    )
)
register_format(
    Format(
        name="noteexpress",
        parse=parse_noteexpress,
        extract=extract_noteexpress,
        suffixes=(".net",),
        sniff=_sniff_noteexpress,
        description="NoteExpress ({Title}: …; CNKI, Wanfang, VIP export)",
    )
)
