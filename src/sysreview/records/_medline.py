"""PubMed/MEDLINE tagged format (``.nbib``, "PubMed" text export): ``PMID- 123``, four-character tags, wrapped lines.

Records are separated by blank lines (or start at the next ``PMID-``); the last record needs no trailing blank line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sysreview.records._fields import Collector, Extraction, Note
from sysreview.records._issues import MalformedRecordWarning
from sysreview.records._registry import Draft, Format, ReadContext, register_format
from sysreview.records._text import split_lines

__all__ = ["extract_medline", "parse_medline"]

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-(?: (.*)|\s*)$")


def parse_medline(data: bytes, context: ReadContext) -> list[Draft]:
    """Records of ``(tag, value)`` pairs; wrapped lines are joined to their tag's value with line breaks."""
    drafts: list[Draft] = []
    current: Draft | None = None
    for number, text in enumerate(split_lines(context.text(data)), start=1):
        line = text.lstrip("\ufeff")
        if not line.strip():
            if current is not None:
                drafts.append(current)
                current = None
            continue
        match = _TAG.match(line)
        if match is None or line[0].isspace():
            if current is not None and current.raw:
                tag, value = current.raw[-1]
                current.raw[-1] = (tag, f"{value}\n{line.strip()}")
            else:
                shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:57] + "..."
                context.issue(MalformedRecordWarning, f"text outside a record ignored: {shown!r}", line=number)
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "PMID" and current is not None and current.raw:
            drafts.append(current)
            current = None
        if current is None:
            current = Draft(line=number)
        current.add(tag, value, number)
    if current is not None:
        drafts.append(current)
    return drafts


def _doi_entries(c: Collector) -> None:
    for i in c.priority("LID", "AID"):
        value = c.value(i)
        if value.rstrip().lower().endswith("[doi]"):
            c.values.doi = value.rstrip()[: -len("[doi]")].strip()
            c.used.add(i)
            return


def extract_medline(
    raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None
) -> Extraction:
    """Fields from MEDLINE tags (``TI``, ``FAU``/``AU``, ``DP``, ``JT``, ``VI``, ``IP``, ``PG``, ``LID [doi]`` …)."""
    c = Collector(raw, note)
    c.identifier("PMID")
    if c.own_id:
        c.values.pmid = c.own_id
    c.text("type", "PT")
    c.text("title", "TI", "BTI")
    c.texts("alternative_titles", "TT")
    if c.has("FAU"):
        c.texts("authors", "FAU", "CN")
    else:
        c.texts("authors", "AU", "CN")
    c.year("DP", "DEP", "EDAT")
    c.text("journal", "JT", "TA")
    c.text("volume", "VI")
    c.text("issue", "IP")
    c.pages(("PG",))
    _doi_entries(c)
    c.issn("IS")
    c.texts("keywords", "OT", "MH")
    c.text("abstract", "AB")
    c.text("language", "LA")
    c.values.database = "PubMed"
    return c.extraction()


def _sniff(head: str) -> bool:
    return re.search(r"^PMID- ?\d", head, re.MULTILINE) is not None


register_format(
    Format(
        name="medline",
        parse=parse_medline,
        extract=extract_medline,
        suffixes=(".nbib", ".medline"),
        sniff=_sniff,
        description="PubMed/MEDLINE tagged (.nbib, PubMed text export)",
    )
)
