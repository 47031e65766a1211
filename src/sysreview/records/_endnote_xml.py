"""EndNote XML (``<xml><records><record>…``), as written by EndNote, Zotero and Mendeley.

Each field element of a record becomes a raw pair named by its path below ``<record>`` (``titles/title``,
``contributors/authors/author``, ``dates/pub-dates/date``), attributes as ``path@name``; the ``<style>`` wrappers
EndNote puts around text are read through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from xml.parsers import expat

from sysreview.errors import InputError
from sysreview.records._fields import Collector, Extraction, Note, infer_database
from sysreview.records._issues import MalformedRecordWarning
from sysreview.records._registry import Draft, Format, ReadContext, register_format

__all__ = ["extract_endnote_xml", "parse_endnote_xml"]

_FORMATTING = frozenset({"style"})


class _Element:
    __slots__ = ("children", "line", "tag", "text")

    def __init__(self, tag: str, line: int) -> None:
        self.tag = tag
        self.line = line
        self.text: list[str] = []
        self.children = 0


def parse_endnote_xml(data: bytes, context: ReadContext) -> list[Draft]:
    """Records of ``(path, text)`` pairs, in document order."""
    drafts: list[Draft] = []
    stack: list[_Element] = []
    record_depth: int | None = None
    current: Draft | None = None
    parser = expat.ParserCreate()

    def path() -> str:
        assert record_depth is not None
        return "/".join(e.tag for e in stack[record_depth + 1 :] if e.tag not in _FORMATTING)

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal record_depth, current
        line = parser.CurrentLineNumber
        if tag == "record" and record_depth is None:
            record_depth = len(stack)
            current = Draft(line=line)
            stack.append(_Element(tag, line))
            return
        if current is not None and tag not in _FORMATTING:
            for owner in reversed(stack):
                if owner.tag not in _FORMATTING:
                    owner.children += 1
                    break
        stack.append(_Element(tag, line))
        if current is not None and tag not in _FORMATTING:
            for name, value in attributes.items():
                current.add(f"{path()}@{name}", value, line)

    def end(tag: str) -> None:
        nonlocal record_depth, current
        element = stack.pop()
        if current is None:
            return
        if record_depth is not None and len(stack) == record_depth:
            drafts.append(current)
            current = None
            record_depth = None
            return
        if tag in _FORMATTING:
            owner = next((e for e in reversed(stack) if e.tag not in _FORMATTING), None)
            if owner is not None:
                owner.text.extend(element.text)
            return
        if element.children == 0:
            stack.append(element)
            name = path()
            stack.pop()
            current.add(name, "".join(element.text), element.line)

    def characters(text: str) -> None:
        if current is not None and stack:
            stack[-1].text.append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        if not drafts and current is None:
            raise InputError(f"not readable EndNote XML: {error}", file=context.file, row=error.lineno) from None
        context.issue(
            MalformedRecordWarning,
            f"XML error ({expat.ErrorString(error.code)}); records after this point could not be read",
            line=error.lineno,
        )
        if current is not None:
            drafts.append(current)
    return drafts


def _is_pubmed(text: str) -> bool:
    return re.search(r"pubmed|medline|\bnlm\b", text, re.IGNORECASE) is not None


def extract_endnote_xml(
    raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None
) -> Extraction:
    """Fields from EndNote XML paths (``titles/title``, ``periodical/full-title``, ``electronic-resource-num`` …)."""
    c = Collector(raw, note)
    c.identifier("rec-number")
    c.text("type", "ref-type@name", "ref-type")
    c.text("title", "titles/title")
    c.texts("alternative_titles", "titles/translated-title")
    c.texts("authors", "contributors/authors/author")
    c.year("dates/year", "dates/pub-dates/date")
    c.text(
        "journal",
        "periodical/full-title",
        "titles/secondary-title",
        "journal/full-title",
        "alt-periodical/full-title",
        "periodical/abbr-1",
        "titles/alt-title",
    )
    c.text("volume", "volume")
    c.text("issue", "number", "issue")
    c.pages(("pages",))
    url_paths = ("urls/related-urls/url", "urls/web-urls/url", "urls/pdf-urls/url")
    c.doi("electronic-resource-num", fallback=url_paths)
    sources = " ".join(
        c.value(i) for i in c.priority("remote-database-name", "remote-database-provider", "database@name")
    )
    if _is_pubmed(sources):
        c.pmid("accession-num", report=False)
    c.pmid("notes", *url_paths, "custom2", bare=False, report=False)
    c.issn("isbn", "issn")
    c.texts("keywords", "keywords/keyword")
    c.text("abstract", "abstract", keep_lines=True)
    c.text("language", "language")
    c.text("url", *url_paths)
    if not c.text("database", "remote-database-name", "remote-database-provider"):
        c.values.database = infer_database(c.value(i) for i in c.priority("accession-num", *url_paths))
    return c.extraction()


def _sniff(head: str) -> bool:
    text = head.lstrip()
    return text.startswith(("<?xml", "<xml")) and "<record" in head


register_format(
    Format(
        name="endnote_xml",
        parse=parse_endnote_xml,
        extract=extract_endnote_xml,
        suffixes=(".xml",),
        sniff=_sniff,
        description="EndNote XML (EndNote, Zotero, Mendeley)",
    )
)
