"""Web of Science (Clarivate) field-tagged export (``.txt``/``.ciw``): ``FN``/``VR`` header, ``PT`` … ``ER`` records,
two-letter tags, continuation lines indented three blanks, ``EF`` at the end.

The file header (``FN``, ``VR``) and end (``EF``) belong to no record and are skipped. The field extraction also serves
WoS tab-delimited exports (same tags as column names, ``"; "`` between values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sysreview.records._fields import Collector, Extraction, Note, split_list
from sysreview.records._issues import MalformedRecordWarning
from sysreview.records._registry import Draft, Format, ReadContext, register_format
from sysreview.records._text import split_lines

__all__ = ["WOS_DATABASES", "extract_wos", "extract_wos_table", "parse_wos"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_FILE_TAGS = frozenset({"FN", "VR", "EF"})

#: accession-number (``UT``) prefixes of the databases on the Web of Science platform
WOS_DATABASES = {
    "WOS": "Web of Science",
    "MEDLINE": "MEDLINE",
    "ZOOREC": "Zoological Record",
    "BCI": "BIOSIS Citation Index",
    "BIOSIS": "BIOSIS Previews",
    "CABI": "CAB Abstracts",
    "CCC": "Current Contents Connect",
    "CSCD": "Chinese Science Citation Database",
    "DIIDW": "Derwent Innovations Index",
    "INSPEC": "Inspec",
    "KJD": "KCI-Korean Journal Database",
    "RSCI": "Russian Science Citation Index",
    "SCIELO": "SciELO Citation Index",
    "FSTA": "FSTA",
    "GRANTS": "Grants Index",
    "PQDT": "ProQuest Dissertations & Theses",
}


def parse_wos(data: bytes, context: ReadContext) -> list[Draft]:
    """Records of ``(tag, value)`` pairs; a tag's continuation lines are joined to its value with line breaks."""
    drafts: list[Draft] = []
    current: Draft | None = None
    for number, text in enumerate(split_lines(context.text(data)), start=1):
        line = text.lstrip("\ufeff")
        if not line.strip():
            continue
        if line.startswith(" "):
            if current is not None and current.raw:
                tag, value = current.raw[-1]
                current.raw[-1] = (tag, f"{value}\n{line.strip()}")
            else:
                context.issue(MalformedRecordWarning, f"continuation line outside a record ignored: {line.strip()!r}",
                              line=number)  # fmt: skip
            continue
        match = _TAG.match(line.rstrip())
        if match is None:
            if current is not None and current.raw:
                tag, value = current.raw[-1]
                current.raw[-1] = (tag, f"{value}\n{line.strip()}")
                context.issue(
                    MalformedRecordWarning, "line without a tag or indent read as continuation", line=number, field=tag
                )
            else:
                context.issue(MalformedRecordWarning, f"text outside a record ignored: {line.strip()!r}", line=number)
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if current is None:
            if tag in _FILE_TAGS:
                continue  # file header and end marker carry no record data
            if tag != "PT":
                context.issue(MalformedRecordWarning, f"record does not start with 'PT' but with {tag!r}", line=number)
            current = Draft(line=number)
        if tag == "ER":
            drafts.append(current)
            current = None
            continue
        if tag == "PT" and current.raw:
            context.issue(
                MalformedRecordWarning, "record has no 'ER' line; it ends at the next 'PT'", line=current.line
            )
            drafts.append(current)
            current = Draft(line=number)
        current.add(tag, value, number)
    if current is not None:
        context.issue(MalformedRecordWarning, "record has no 'ER' line (end of file)", line=current.line)
        drafts.append(current)
    return drafts


def _extract(raw: Sequence[tuple[str, str]], note: Note, separators: str) -> Extraction:
    def items(value: str) -> list[str]:
        return split_list(value, separators=separators)

    c = Collector(raw, note)
    c.identifier("UT")
    c.text("type", "DT", "PT")
    c.text("title", "TI")
    if c.has("AF"):
        c.texts("authors", "AF", split=items)
    else:
        c.texts("authors", "AU", split=items)
    c.year("PY", "PD", "EA")
    c.text("journal", "SO", "SE", "BS", "J9", "JI")
    c.text("volume", "VL")
    c.text("issue", "IS")
    c.pages(("BP", "AR"), ("EP",))
    c.doi("DI", "D2")
    c.pmid("PM")
    c.issn("SN", "EI")
    c.texts("keywords", "DE", "ID", split=lambda v: split_list(v, separators=";\n"))
    c.text("abstract", "AB")
    c.text("language", "LA")
    c.text("url", "UR")
    prefix = (c.own_id or "").split(":", 1)[0].upper() if c.own_id and ":" in c.own_id else "WOS"
    c.values.database = WOS_DATABASES.get(prefix, prefix)
    return c.extraction()


def extract_wos(raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None) -> Extraction:
    """Fields from WoS tags (``TI``, ``AF``/``AU``, ``PY``, ``SO``, ``BP``/``EP``, ``DI``, ``PM``, ``UT`` …)."""
    return _extract(raw, note, "\n")


def extract_wos_table(
    raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None
) -> Extraction:
    """Fields from a WoS tab-delimited row (values of a multi-valued tag separated by ``;``)."""
    return _extract(raw, note, ";\n")


def _sniff(head: str) -> bool:
    first = next((line for line in head.splitlines() if line.strip()), "")
    return first.startswith("FN ") or re.match(r"^PT [A-Z]\s*$", first) is not None


register_format(
    Format(
        name="wos",
        parse=parse_wos,
        extract=extract_wos,
        suffixes=(".ciw",),
        sniff=_sniff,
        description="Web of Science field-tagged (.txt, .ciw)",
    )
)
