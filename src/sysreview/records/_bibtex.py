"""BibTeX: a tolerant reader (repeated fields kept, ``@string`` macros, ``#`` concatenation, recovery after a broken
entry) and the writer.

Raw pairs of an entry: ``("@type", "article")``, ``("@key", "Li2020")`` and then the fields as written (name case
kept, values without their outer braces or quotes, macros expanded). ``@string`` definitions are applied,
``@comment`` and ``@preamble`` blocks belong to no record and are skipped.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Mapping, Sequence

from sysreview.records._fields import Collector, Extraction, Note, clean_text, split_list
from sysreview.records._issues import MalformedRecordWarning
from sysreview.records._model import Record
from sysreview.records._registry import Draft, Format, ReadContext, Writer, register_format, register_writer
from sysreview.records._writing import CROSS, bibtex_type, foreign_entries, has_own_id, is_unchanged, keeps_own_id

__all__ = ["extract_bibtex", "latex_to_text", "parse_bibtex", "render_bibtex"]

TYPE = "@type"
KEY = "@key"
_ENTRY = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
# field names as exporters write them, Scopus's "funding_text 1" (with a no-break space) included
_NAME = re.compile(r"\s*([^\s=,{}()\"#%'](?:[^=,{}()\"#%'\n]*[^\s=,{}()\"#%'])?)\s*=\s*")
_BARE = re.compile(r"[^\s,{}()\"#]+")
_MONTHS = {m: m for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}


class _BibError(Exception):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def line(self, position: int) -> int:
        return bisect.bisect_right(self.line_starts, position)

    def balanced(self, start: int, opening: str) -> int:
        """Position after the delimiter closing the ``opening`` just before ``start``."""
        closing = "}" if opening == "{" else ")"
        depth = 1
        i = start
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == opening:
                depth += 1
            elif ch == closing:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise _BibError(f"no closing {closing!r}", start - 1)

    def braced(self, start: int) -> tuple[str, int]:
        """Text of ``{...}`` starting after ``{`` at ``start``, braces inside kept."""
        depth = 1
        i = start
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return text[start:i], i + 1
            elif (
                ch == "@"
                and depth == 1
                and re.match(r"@\s*[A-Za-z]+\s*[{(]", text[i:])
                and (i == 0 or text[i - 1] == "\n")
            ):
                break
            i += 1
        raise _BibError("unbalanced braces in a field value", start - 1)

    def quoted(self, start: int) -> tuple[str, int]:
        depth = 0
        i = start
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == '"' and depth <= 0:
                return text[start:i], i + 1
            elif ch == "\n" and text[i + 1 : i + 2] == "@":
                break
            i += 1
        raise _BibError("unterminated quoted value", start - 1)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _value(scanner: _Scanner, i: int, macros: dict[str, str]) -> tuple[str, int]:
    text = scanner.text
    parts: list[str] = []
    while True:
        i = _skip_space(text, i)
        if i >= len(text):
            raise _BibError("field value missing at end of file", i)
        ch = text[i]
        if ch == "{":
            part, i = scanner.braced(i + 1)
        elif ch == '"':
            part, i = scanner.quoted(i + 1)
        else:
            match = _BARE.match(text, i)
            if match is None:
                raise _BibError(f"unexpected {ch!r} where a field value should be", i)
            token = match.group(0)
            i = match.end()
            part = macros.get(token.casefold(), token)
        parts.append(part)
        i = _skip_space(text, i)
        if i < len(text) and text[i] == "#":
            i += 1
            continue
        return "".join(parts), i


def parse_bibtex(data: bytes, context: ReadContext) -> list[Draft]:
    """Entries of a BibTeX file as drafts; a broken entry keeps the fields read before the break (reported)."""
    text = context.text(data)
    scanner = _Scanner(text)
    macros: dict[str, str] = dict(_MONTHS)
    drafts: list[Draft] = []
    position = 0
    while True:
        match = _ENTRY.search(text, position)
        if match is None:
            break
        kind = match.group(1)
        opening = match.group(2)
        start = match.end()
        lowered = kind.casefold()
        if lowered in ("comment", "preamble"):
            try:
                position = scanner.balanced(start, opening)
            except _BibError:
                position = start
            continue
        if lowered == "string":
            try:
                name_match = _NAME.match(text, start)
                if name_match is None:
                    raise _BibError("@string without 'name ='", start)
                value, i = _value(scanner, name_match.end(), macros)
                macros[name_match.group(1).casefold()] = value
                i = _skip_space(text, i)
                position = i + 1 if i < len(text) and text[i] in "})" else i
            except _BibError as error:
                context.issue(MalformedRecordWarning, f"@string: {error}", line=scanner.line(error.position))
                position = start
            continue
        draft = Draft(line=scanner.line(match.start()))
        draft.add(TYPE, kind, draft.line)
        closing = "}" if opening == "{" else ")"
        key_match = re.compile(r"\s*([^,\s{}()=]*)\s*(,|" + re.escape(closing) + ")").match(text, start)
        position = start
        if key_match is None or not key_match.group(1):
            context.issue(MalformedRecordWarning, "entry has no key", line=draft.line)
            if key_match is not None:
                position = key_match.end()
        else:
            draft.add(KEY, key_match.group(1), draft.line)
            position = key_match.end()
        if key_match is not None and key_match.group(2) == closing:
            drafts.append(draft)
            continue
        try:
            while True:
                position = _skip_space(text, position)
                while position < len(text) and text[position] == ",":
                    position = _skip_space(text, position + 1)
                if position >= len(text):
                    raise _BibError(f"entry not closed by {closing!r}", match.start())
                if text[position] == closing:
                    position += 1
                    break
                name_match = _NAME.match(text, position)
                if name_match is None:
                    raise _BibError(f"expected 'name = value' but found {text[position : position + 20]!r}", position)
                line = scanner.line(name_match.start(1))
                value, position = _value(scanner, name_match.end(), macros)
                draft.add(name_match.group(1), value, line)
        except _BibError as error:
            context.issue(
                MalformedRecordWarning,
                f"{error}; the entry keeps the fields read before",
                line=scanner.line(error.position),
            )
            following = re.compile(r"^\s*@", re.MULTILINE).search(text, error.position + 1)
            position = following.start() if following else len(text)
        drafts.append(draft)
    return drafts


# --- LaTeX to text -------------------------------------------------------------------------------------------------

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323",
    "b": "\u0331",
}  # fmt: skip
_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "l": "ł",
    "L": "Ł", "i": "ı", "j": "ȷ", "textendash": "–", "textemdash": "—", "textregistered": "®", "copyright": "©",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "pm": "±", "times": "×",
    "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥", "textbackslash": "\\",
    "textasciitilde": "~", "textasciicircum": "^",
}  # fmt: skip
_ACCENT = re.compile(r"\\([`'^\"~=.]|[uvHckrdb](?=[\s{]))\s*(?:\{\s*(\\?[A-Za-z]?)\s*\}|(\\?[A-Za-z]))")
_SYMBOL = re.compile(r"\\([A-Za-z]+)\b\s?(?:\{\})?")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_HELD = {ch: chr(0xE000 + i) for i, ch in enumerate("&%$#_{}")}
_RELEASED = str.maketrans({held: ch for ch, held in _HELD.items()})


def latex_to_text(value: str) -> str:
    """BibTeX field text as plain Unicode: accents (``\\'{e}``), symbols (``\\ss``, ``\\alpha``), escapes (``\\&``),
    braces and math dollars removed, ``~`` as a blank.
    """

    def accent(match: re.Match[str]) -> str:
        letter = match.group(2) if match.group(2) is not None else match.group(3)
        letter = {"\\i": "i", "\\j": "j"}.get(letter, letter)
        return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)]) if letter else ""

    text = re.sub(r"(?<!\\)~", " ", value)
    text = _ACCENT.sub(accent, text)
    text = _SYMBOL.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), text)
    # escaped specials wait in private-use characters while braces and math dollars go
    text = _ESCAPED.sub(lambda m: _HELD[m.group(1)], text)
    text = text.replace("{", "").replace("}", "").replace("$", "")
    return text.translate(_RELEASED)


def _split_names(value: str) -> list[str]:
    """Names of a BibTeX ``author`` field: split at ``and`` outside braces."""
    names: list[str] = []
    depth = 0
    start = 0
    for match in re.finditer(r"[{}]|\s+and\s+", value, re.IGNORECASE):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return [clean_text(latex_to_text(n)) for n in names if clean_text(n)]


def extract_bibtex(raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str] | None = None) -> Extraction:
    """Fields from BibTeX/BibLaTeX fields (names compared case-insensitively, LaTeX turned into text)."""
    plain = [(tag, latex_to_text(value) if not tag.startswith("@") else value) for tag, value in raw]
    c = Collector(plain, note, casefold=True)
    c.identifier(KEY)
    if c.own_id == "":
        c.own_id = None
    c.text("type", TYPE)
    c.text("title", "title")
    c.texts("alternative_titles", "alttitle", "origtitle")
    for i in c.priority("author"):
        c.values.authors = tuple(_split_names(raw[i][1]))
        c.used.add(i)
        break
    c.year("year", "date")
    c.text("journal", "journal", "journaltitle", "booktitle")
    c.text("volume", "volume")
    c.text("issue", "number", "issue")
    for i in c.priority("pages"):
        pages = re.sub(r"\s*(?:--|–|—)\s*", "-", clean_text(plain[i][1]))
        if any(ch.isdigit() for ch in pages):
            c.values.pages = pages
            c.used.add(i)
        else:
            c.warn(i, f"no page number in {pages!r}")
        break
    c.doi("doi", fallback=("url",))
    c.pmid("pmid", "pubmed")
    eprint_type = [plain[i][1].strip().casefold() for i in c.priority("eprinttype")]
    if eprint_type and eprint_type[0] == "pubmed":
        c.pmid("eprint")
    c.issn("issn", "isbn")
    c.texts("keywords", "keywords", "keyword", "author_keywords", split=lambda v: split_list(v, separators=",;\n"))
    c.text("abstract", "abstract", keep_lines=True)
    c.text("language", "language", "langid")
    c.text("url", "url")
    c.text("database", "database")
    return c.extraction()


def _brace_safe(value: str) -> str:
    """The value if its (unescaped) braces balance, else with every brace escaped."""
    depth = 0
    for ch in re.sub(r"\\.", "", value):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth == 0:
        return value
    return value.replace("{", "\\{").replace("}", "\\}")


_LATEX_SPECIAL = re.compile(r"[\\&%$#_{}~^]")
_LATEX_WORDS = {"\\": "\\textbackslash{}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"}
#: fields LaTeX typesets from text (escaped when written from another format); url and doi are read verbatim
_TEXT_FIELDS = frozenset({"title", "alttitle", "author", "journal", "booktitle", "keywords", "abstract", "database"})


def _latex_escape(value: str) -> str:
    """Text for a typeset BibTeX field: LaTeX's special characters escaped (:func:`latex_to_text` reads them back)."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_WORDS.get(m.group(0), "\\" + m.group(0)), value)


def _field_name(name: str) -> str:
    return re.sub(r"[^\w:.-]+", "_", name).strip("_") or "field"


def _key(record: Record) -> str:
    return re.sub(r"[\s,{}()=\"#%'~\\]+", "_", record.id) or "record"


def _verbatim(record: Record) -> list[str]:
    kind = next((v for t, v in record.raw if t == TYPE), "misc")
    key = next((v for t, v in record.raw if t == KEY), None)
    lines = [f"@{kind}{{{key if key is not None else _key(record)},"]
    lines.extend(f"  {tag} = {{{_brace_safe(value)}}}," for tag, value in record.raw if tag not in (TYPE, KEY))
    lines.append("}")
    return lines


def _from_fields(record: Record) -> list[str]:
    kind = bibtex_type(record)
    fields: list[tuple[str, str]] = []
    if record.title:
        fields.append(("title", record.title))
    fields.extend(("alttitle", t) for t in record.alternative_titles)
    if record.authors:
        fields.append(("author", " and ".join(record.authors)))
    if record.year is not None:
        fields.append(("year", str(record.year)))
    if record.journal:
        fields.append(("booktitle" if kind in ("incollection", "inproceedings") else "journal", record.journal))
    for name, value in (("volume", record.volume), ("number", record.issue)):
        if value:
            fields.append((name, value))
    if record.pages:
        fields.append(("pages", re.sub(r"(?<=\w)-(?=\w)", "--", record.pages, count=1)))
    for name, value in (("doi", record.doi), ("pmid", record.pmid)):
        if value:
            fields.append((name, value))
    if record.issn:
        fields.append(("issn", ", ".join(record.issn)))
    if record.keywords:
        fields.append(("keywords", "; ".join(record.keywords)))
    for name, value in (
        ("abstract", record.abstract),
        ("language", record.language),
        ("url", record.url),
        ("database", record.database),
    ):
        if value:
            fields.append((name, value))
    carried: dict[str, list[str]] = {}
    for tag, value in foreign_entries(record, same_format="bibtex"):
        if tag == TYPE:
            continue
        native = record.format == "bibtex" and tag != KEY
        name = tag if native else _field_name(f"{record.format}{CROSS}{tag}")
        carried.setdefault(name, []).append(value)
    fields = [(name, _latex_escape(value) if name in _TEXT_FIELDS else value) for name, value in fields]
    fields.extend((name, "\n".join(values)) for name, values in carried.items())
    lines = [f"@{kind}{{{_key(record)},"]
    lines.extend(f"  {name} = {{{_brace_safe(value)}}}," for name, value in fields)
    lines.append("}")
    return lines


def render_bibtex(records: Sequence[Record]) -> str:
    """BibTeX text, one entry per record, every value in braces.

    A record read from BibTeX whose parsed fields and key were not changed is written back field by field as read
    (repeated fields too; a missing key is the record's id); any other record is written from its parsed fields
    plus its raw tags that no field holds (from
    another format: as fields named ``format:tag``, e.g. ``medline:MH``).
    """
    out: list[str] = []
    for record in records:
        verbatim = (
            record.format == "bibtex" and is_unchanged(record) and (keeps_own_id(record) or not has_own_id(record))
        )
        lines = _verbatim(record) if verbatim else _from_fields(record)
        out.extend(lines)
        out.append("")
    return "\n".join(out)


def _sniff(head: str) -> bool:
    return re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", head, re.MULTILINE) is not None


register_format(
    Format(
        name="bibtex",
        parse=parse_bibtex,
        extract=extract_bibtex,
        suffixes=(".bib", ".bibtex"),
        sniff=_sniff,
        description="BibTeX / BibLaTeX",
    )
)
register_writer(Writer(name="bibtex", render=render_bibtex, suffixes=(".bib", ".bibtex"), description="BibTeX"))
