"""Hypothesis strategies for records: raw RIS tags, table rows, BibTeX entries (the shapes real exports have)."""

from __future__ import annotations

import re

from hypothesis import strategies as st

# every character a value may hold, except line breaks (values' lines are drawn separately) and the BOM
_CHARACTERS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\u2028\u2029\x85"
) | st.sampled_from("\t")
_RIS_TAG_LINE = re.compile(r"^[A-Z][A-Z0-9][ \t]{1,4}-")
_RIS_TAGS = st.from_regex(r"[A-Z][A-Z0-9]", fullmatch=True).filter(lambda t: t not in ("TY", "ER"))


def _first_line() -> st.SearchStrategy[str]:
    return st.text(_CHARACTERS, max_size=30).map(str.strip)


def _continuation() -> st.SearchStrategy[str]:
    # a line after the first: not blank, no trailing blanks, not itself a tag line
    return (
        st.text(_CHARACTERS, min_size=1, max_size=30)
        .map(str.rstrip)
        .filter(lambda line: bool(line.strip()) and not _RIS_TAG_LINE.match(line))
    )


@st.composite
def ris_value(draw: st.DrawFn) -> str:
    lines = [draw(_first_line()), *draw(st.lists(_continuation(), max_size=2))]
    return "\n".join(lines)


@st.composite
def ris_records(draw: st.DrawFn, *, with_ids: bool = True) -> list[list[tuple[str, str]]]:
    """Records as raw RIS pairs: TY first, a unique ID (when ``with_ids``), repeated and unknown tags."""
    count = draw(st.integers(1, 4))
    ids = draw(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True), min_size=count,
                        max_size=count, unique=True))  # fmt: skip
    records = []
    for n in range(count):
        raw = [("TY", draw(st.sampled_from(["JOUR", "BOOK", "CHAP", "GEN", "CONF"])))]
        if with_ids:
            raw.append(("ID", ids[n]))
        tags = st.sampled_from(["TI", "AU", "PY", "KW", "N1", "DO", "SN", "T2"]) | _RIS_TAGS
        raw.extend(draw(st.lists(st.tuples(tags, ris_value()), max_size=8)))
        records.append(raw)
    return records


def render_ris(records: list[list[tuple[str, str]]]) -> str:
    """RIS text written by hand (independent of the library's writer)."""
    out = []
    for raw in records:
        out.extend(f"{tag}  - {value}" for tag, value in raw)
        out.extend(["ER  - ", ""])
    return "\n".join(out)


_CELL_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff")


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header of unique names and rows that are not blank; cells may hold anything (quotes, commas, line breaks)."""
    names = draw(
        st.lists(
            st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\x85\u2028\u2029"),
                    min_size=1, max_size=12).map(str.strip).filter(bool),
            min_size=1, max_size=6, unique=True,
        )
    )  # fmt: skip
    row = st.lists(st.text(_CELL_CHARACTERS, max_size=20), min_size=len(names), max_size=len(names))
    rows = draw(st.lists(row.filter(lambda cells: any(c.strip() for c in cells)), min_size=1, max_size=5))
    return names, rows


_BIB_PLAIN = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="{}\\@\ufeff") |
                     st.sampled_from("\n\t"), max_size=15)  # fmt: skip


@st.composite
def bibtex_value(draw: st.DrawFn) -> str:
    """Text with balanced braces, as a braced BibTeX value may hold."""
    parts = draw(st.lists(st.tuples(_BIB_PLAIN, st.booleans()), max_size=3))
    return "".join("{" + text + "}" if braced else text for text, braced in parts)


@st.composite
def bibtex_entries(draw: st.DrawFn) -> list[list[tuple[str, str]]]:
    """Entries as raw pairs: type, unique key, fields (names may repeat, case kept)."""
    keys = draw(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_:.-]{0,10}", fullmatch=True), min_size=1, max_size=4,
                         unique=True))  # fmt: skip
    entries = []
    for key in keys:
        raw = [("@type", draw(st.sampled_from(["article", "Book", "misc", "INPROCEEDINGS"]))), ("@key", key)]
        names = st.sampled_from(["title", "author", "year", "doi", "note", "Journal"]) | st.from_regex(
            r"[a-z][a-z_]{0,8}", fullmatch=True
        )
        raw.extend(draw(st.lists(st.tuples(names, bibtex_value()), max_size=6)))
        entries.append(raw)
    return entries


_SIMPLE = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .:-()éüø中文α"),
                  min_size=1, max_size=20).map(lambda s: " ".join(s.split())).filter(bool)  # fmt: skip


@st.composite
def simple_ris_records(draw: st.DrawFn) -> list[list[tuple[str, str]]]:
    """RIS records with the common fields filled with plain text (for conversions between formats)."""
    records = []
    for n in range(draw(st.integers(1, 3))):
        raw = [("TY", "JOUR"), ("ID", f"r{n}"), ("TI", draw(_SIMPLE))]
        raw.extend(("AU", a) for a in draw(st.lists(_SIMPLE.filter(lambda a: " and " not in a), max_size=3)))
        raw.append(("PY", str(draw(st.integers(1900, 2030)))))
        raw.append(("T2", draw(_SIMPLE)))
        raw.append(("VL", str(draw(st.integers(1, 300)))))
        raw.append(("SP", str(draw(st.integers(1, 500)))))
        raw.append(
            ("DO", f"10.{draw(st.integers(1000, 99999))}/{draw(st.from_regex(r'[a-z0-9.]{1,8}', fullmatch=True))}")
        )
        raw.extend(("KW", k) for k in draw(st.lists(_SIMPLE, max_size=3)))
        raw.append(("N1", draw(_SIMPLE)))
        raw.append(("ZZ", draw(_SIMPLE)))
        records.append(raw)
    return records
