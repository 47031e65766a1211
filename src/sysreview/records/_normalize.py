"""Normal forms of bibliographic values for matching: DOI, PMID, ISSN, pages, names, titles, journals.

Each function takes the value as a reader parsed it and returns a canonical form (or ``None`` when the value holds
nothing of that kind), so that two records of the same article from different databases compare equal.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote

__all__ = [
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
    "start_page",
]

# --- DOI ---------------------------------------------------------------------------------------------------------

# Crossref's recommended pattern (https://www.crossref.org/blog/dois-and-matching-regular-expressions/), widened
# to any non-blank suffix: DOIs in exports are cut by blanks, quotes or the end of the value.
_DOI = re.compile(r"10\.\d{4,9}/[^\s\"]+", re.IGNORECASE)
# an HTML tag that ends a DOI written inside markup ("<a>10.1/x</a>"); SICI DOIs hold "<857::AID-SIM777>"
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_DOI_URL_PERCENT = re.compile(r"10\.\d{4,9}(?:/|%2F)[^\s\"<>&]+", re.IGNORECASE)
_DOI_TRAILING = re.compile(r"(?:[.,;:]+|\s*\[doi\])$", re.IGNORECASE)


def find_doi(text: str) -> str | None:
    """The first DOI in ``text`` (a bare DOI, ``doi:`` prefix, doi.org URL or percent-encoded URL query), as written."""
    unescaped = html.unescape(text)
    match = _DOI.search(unescaped)
    if match is None or "%2f" in match.group(0).lower()[:20]:
        encoded = _DOI_URL_PERCENT.search(unescaped)
        if encoded is None:
            return None
        doi = unquote(encoded.group(0))
    else:
        doi = match.group(0)
        if "%" in doi:
            doi = unquote(doi)
    doi = _HTML_TAG.split(doi, maxsplit=1)[0]
    doi = _DOI_TRAILING.sub("", doi)
    # a closing bracket belongs to the DOI only when the DOI opened it: "(see doi 10.1/x)"
    while doi and doi[-1] in ")]}" and doi.count(doi[-1]) > doi.count({")": "(", "]": "[", "}": "{"}[doi[-1]]):
        doi = _DOI_TRAILING.sub("", doi[:-1])
    suffix = doi.partition("/")[2]
    return doi if suffix else None  # "10.1000/." is no DOI once its final dot is taken as punctuation


def normalize_doi(value: str | None) -> str | None:
    """The DOI in ``value`` in lower case without prefix or URL (DOIs are case-insensitive), or ``None``.

    >>> normalize_doi("https://dx.doi.org/10.1002/CPP.2398")
    '10.1002/cpp.2398'
    """
    if not value:
        return None
    doi = find_doi(value)
    return doi.lower() if doi else None


# --- PMID, ISSN ----------------------------------------------------------------------------------------------------

_PMID = re.compile(r"(?<![\d.])(\d{1,9})(?![\d.])")
_PMID_URL = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|europepmc\.org/(?:abstract|article)/MED/)(\d{1,9})"
)
_PMID_LABEL = re.compile(r"\bPMID\s*[:=]?\s*(\d{1,9})\b", re.IGNORECASE)


def find_pmid(text: str, *, bare: bool) -> str | None:
    """A PubMed identifier in ``text``: ``PMID: 123``, a PubMed URL, or (``bare=True``) a value that is only digits."""
    for pattern in (_PMID_LABEL, _PMID_URL):
        match = pattern.search(text)
        if match:
            return str(int(match.group(1)))
    if bare:
        stripped = re.sub(r"\s*\[(?:pubmed|pmid)\]\s*$", "", text.strip(), flags=re.IGNORECASE)
        if stripped.isdigit() and len(stripped) <= 9:
            return str(int(stripped))
    return None


def normalize_pmid(value: str | None) -> str | None:
    """The PMID in ``value`` as digits without leading zeros, or ``None``."""
    if not value:
        return None
    return find_pmid(value, bare=True)


_ISSN = re.compile(r"(?<![\dXx-])(\d{4})[-\u2010-\u2015 ]?(\d{3}[\dXx])(?![\dXx-])")


def find_issns(text: str) -> list[str]:
    """Every ISSN-shaped token in ``text`` as ``NNNN-NNNC`` (check digit not verified), in order, without repeats."""
    found: list[str] = []
    for match in _ISSN.finditer(text):
        issn = f"{match.group(1)}-{match.group(2).upper()}"
        if issn not in found:
            found.append(issn)
    return found


def issn_is_valid(issn: str) -> bool:
    """Whether the check digit of an ``NNNN-NNNC`` ISSN is right (ISO 3297)."""
    digits = issn.replace("-", "")
    if len(digits) != 8 or not digits[:7].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))


def normalize_issn(value: str | None) -> tuple[str, ...]:
    """The valid ISSNs in ``value`` as ``NNNN-NNNC``."""
    if not value:
        return ()
    return tuple(issn for issn in find_issns(value) if issn_is_valid(issn))


# --- pages ---------------------------------------------------------------------------------------------------------

_PAGE_RANGE = re.compile(
    r"^\s*([A-Za-z]*)(\d+)\s*(?:-+|\u2010|\u2011|\u2012|\u2013|\u2014|\u2212)\s*([A-Za-z]*)(\d+)\s*$"
)


def normalize_pages(value: str | None) -> str | None:
    """Pages as ``first-last`` with the last page written out: ``123-9`` → ``123-129``, ``1645--1654`` → ``1645-1654``.

    A single page or article number (``e16881``) stays as it is (lower case); values without any digit give ``None``.
    """
    if not value or not any(ch.isdigit() for ch in value):
        return None
    text = value.strip().lower()
    match = _PAGE_RANGE.match(text)
    if match is None:
        return re.sub(r"\s+", "", text)
    prefix1, first, prefix2, last = match.groups()
    if len(last) < len(first) and not prefix2:
        last = first[: len(first) - len(last)] + last
        prefix2 = prefix1
    if prefix1 + first == prefix2 + last:
        return prefix1 + first
    return f"{prefix1}{first}-{prefix2}{last}"


def start_page(value: str | None) -> str | None:
    """The first page of ``value`` (``123-129`` → ``123``)."""
    pages = normalize_pages(value)
    if pages is None:
        return None
    return pages.split("-", 1)[0]


# --- text ----------------------------------------------------------------------------------------------------------

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta", "θ": "theta",
    "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi",
    "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi",
    "ω": "omega", "ϑ": "theta", "ϕ": "phi", "ϵ": "epsilon", "ϰ": "kappa", "ϱ": "rho", "ϖ": "pi",
    "µ": "mu",  # MICRO SIGN, which exports use for the Greek letter
}  # fmt: skip
_GREEK_TABLE = str.maketrans({**_GREEK, **{k.upper(): v for k, v in _GREEK.items() if k.upper() != k}})
_TAGS = re.compile(r"</?[A-Za-z][^<>]*>")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\s*")
_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# ligatures and letters that NFKD does not take apart
_SPECIAL_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
                                  "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ı": "i"})  # fmt: skip


def fold_text(value: str) -> str:
    """Text reduced for comparison: HTML entities and tags resolved, Greek letters spelled out, accents dropped,
    case folded, every run of non-alphanumeric characters one blank.

    >>> fold_text("Effect of &beta;-Blockers on <i>TNF-α</i> — Ångström")
    'effect of beta blockers on tnf alpha angstrom'
    """
    text = html.unescape(value)
    text = _TAGS.sub(" ", text)
    text = _LATEX_COMMAND.sub("", text)
    if not text.isascii():
        # decompose first (ϐ → β, ﬁ → fi), then spell Greek letters and drop the accents left as combining marks
        text = unicodedata.normalize("NFKD", text).casefold()
        text = _COMBINING.sub("", text.translate(_GREEK_TABLE).translate(_SPECIAL_LETTERS))
    text = text.casefold()
    return _NON_WORD.sub(" ", text).strip()


# Language or publication-type flags that databases add to titles: "... [Chinese]", "... [Article in German]",
# "... (Review)", and MEDLINE's square brackets around an English translation of a non-English title.
_FLAG_WORDS = (
    r"(?:article|text|abstract|summary)?\s*(?:in\s+)?(?:chinese|english|german|french|spanish|japanese|korean|"
    r"russian|italian|portuguese|dutch|polish|turkish|czech|hungarian|danish|swedish|norwegian|finnish|greek|"
    r"hebrew|persian|arabic|croatian|serbian|slovak|romanian|ukrainian|lithuanian|bulgarian|"
    r"(?:with\s+)?english\s+abstract)|review|editorial|letter|comment|erratum|in\s+process\s+citation|"
    r"published\s+erratum[^\]\)]*|retracted[^\]\)]*|retraction[^\]\)]*|abstract|meeting\s+abstract|"
    r"conference\s+abstract|author'?s?\s+transl?"
)
_TITLE_FLAG = re.compile(
    rf"\s*[\[(]\s*(?:{_FLAG_WORDS})(?:\s*[;,/]\s*(?:{_FLAG_WORDS}))*\s*[\])]\s*\.?\s*$", re.IGNORECASE
)
_BRACKETED_TITLE = re.compile(r"^\s*\[(.+)\]\s*\.?\s*$", re.DOTALL)


def strip_title_flags(title: str) -> str:
    """The title without database flags: ``[Chinese]``, ``[Article in German]``, ``(Review)``, and without
    MEDLINE's brackets around a translated title (``[Acupuncture for pain].`` → ``Acupuncture for pain``).
    """
    text = title.strip()
    for _ in range(3):  # "... [Review] [Chinese]"
        stripped = _TITLE_FLAG.sub("", text)
        if stripped == text or not stripped:
            break
        text = stripped
    match = _BRACKETED_TITLE.match(text)
    if match and "[" not in match.group(1) and "]" not in match.group(1):
        text = match.group(1)
    return text


def normalize_title(value: str | None) -> str:
    """The title as a matching key: flags stripped (:func:`strip_title_flags`), then :func:`fold_text` ("" if none)."""
    if not value:
        return ""
    return fold_text(strip_title_flags(html.unescape(value)))


# --- names ---------------------------------------------------------------------------------------------------------

_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "lo",
        "ten",
        "ter",
        "bin",
        "ibn",
        "al",
        "el",
        "st",
        "st.",
        "mac",
        "vander",
    ]
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd"})
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_NAME_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S+@\S+|[\d*†‡§¶]+")


def _ascii_name(text: str) -> str:
    return fold_text(text)


def _initials(given: str) -> str:
    letters: list[str] = []
    for token in re.split(r"[\s.]+", given.strip()):
        if not token:
            continue
        if _INITIALS.match(token + ".") and token.isupper() and len(token.replace("-", "")) <= 3:
            letters.extend(ch for ch in token if ch.isalpha())
            continue
        for part in token.split("-"):
            if part:
                letters.append(part[0])
    return _ascii_name("".join(letters)).replace(" ", "")


def normalize_author(value: str | None) -> str:
    """An author name as ``surname initials`` in folded ASCII, whatever form it was written in.

    ``van de Schoot, Rens`` → ``van de schoot r``; ``Eloubeidi M.A.`` → ``eloubeidi ma``; ``McGuinness LA`` →
    ``mcguinness la``; ``John A. Smith`` → ``smith ja``; ``XU Ya-qiong`` → ``xu yq``; ``张三`` → ``张三``.
    """
    if not value:
        return ""
    text = _NAME_NOISE.sub(" ", html.unescape(value)).strip().strip(",;")
    if not text:
        return ""
    if "," in text:
        surname, _, given = text.partition(",")
        given_parts = [p for p in given.split(",") if p.strip().casefold() not in _SUFFIXES]
        given = " ".join(given_parts)
    else:
        tokens = [t for t in text.split() if t.casefold() not in _SUFFIXES]
        if not tokens:
            return ""
        if len(tokens) == 1:
            surname, given = tokens[0], ""
        elif _INITIALS.match(tokens[-1]) and tokens[-1].replace(".", "").replace("-", "").isupper():
            surname, given = " ".join(tokens[:-1]), tokens[-1]
        elif len(tokens[0]) > 1 and tokens[0].isupper() and not all(t.isupper() for t in tokens[1:]):
            surname, given = tokens[0], " ".join(tokens[1:])
        else:
            start = len(tokens) - 1
            while start > 1 and tokens[start - 1].casefold() in _PARTICLES:
                start -= 1
            surname, given = " ".join(tokens[start:]), " ".join(tokens[:start])
    surname_key = _ascii_name(surname)
    initials = _initials(given)
    return f"{surname_key} {initials}".strip()


# --- journals ------------------------------------------------------------------------------------------------------

# ISO 4 abbreviations drop articles, prepositions and conjunctions in every language, the elided ones too
# ("Annales francaises d'anesthesie et de reanimation" → "Ann Fr Anesth Reanim")
_JOURNAL_STOPWORDS = frozenset(
    {"the", "of", "and", "for", "in", "on", "de", "la", "des", "der", "und", "a", "an", "d", "l", "et", "du", "le",
     "les", "del", "della", "di", "y", "e", "el", "da", "do", "das", "dos", "fur", "im", "zur", "van", "voor", "och"}
)  # fmt: skip


def normalize_journal(value: str | None) -> str:
    """A journal name for comparison: folded, ``&`` read as ``and``, parenthetical place or years and ``: subtitle``
    dropped.

    ``Medicine (Baltimore)`` → ``medicine``; ``Conservation biology : the journal of …`` → ``conservation biology``.
    """
    if not value:
        return ""
    text = html.unescape(value).replace("&", " and ")
    text = re.sub(r"\s+:\s+.*$", "", text)
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    folded = fold_text(text)
    return re.sub(r"^the ", "", folded)


def _abbreviates(short: str, full: str) -> bool:
    """Whether word ``short`` abbreviates word ``full`` (prefix, or ISO 4 contraction with the same first letter)."""
    if full.startswith(short):
        return True
    if not short or not full or short[0] != full[0]:
        return False
    position = 0
    for ch in short:
        position = full.find(ch, position)
        if position < 0:
            return False
        position += 1
    return True


def journals_match(first: str | None, second: str | None) -> bool:
    """Whether two journal names can be the same journal, one written in full and the other abbreviated.

    Word by word after :func:`normalize_journal` and without stop words, each word of the shorter form must be a
    prefix or an ISO 4 contraction of the matching word of the longer (``J Vet Intern Med`` ~ ``Journal of
    Veterinary Internal Medicine``; ``Proc Natl Acad Sci`` ~ ``Proceedings of the National Academy of Sciences``).
    """
    a = [w for w in normalize_journal(first).split() if w not in _JOURNAL_STOPWORDS]
    b = [w for w in normalize_journal(second).split() if w not in _JOURNAL_STOPWORDS]
    if not a or not b:
        return False
    if a == b:
        return True
    if len(a) != len(b):
        return False
    return all(_abbreviates(x, y) or _abbreviates(y, x) for x, y in zip(a, b, strict=True))


# --- language and type ---------------------------------------------------------------------------------------------

_LANGUAGES = {
    "en": ("english", "eng", "en", "英文", "英语"),
    "zh": ("chinese", "chi", "zho", "zh", "zh-cn", "zh-tw", "中文", "汉语", "chinese (simplified)", "mandarin"),
    "de": ("german", "ger", "deu", "de"),
    "fr": ("french", "fre", "fra", "fr"),
    "es": ("spanish", "spa", "es"),
    "pt": ("portuguese", "por", "pt"),
    "it": ("italian", "ita", "it"),
    "ja": ("japanese", "jpn", "ja"),
    "ko": ("korean", "kor", "ko"),
    "ru": ("russian", "rus", "ru"),
    "nl": ("dutch", "dut", "nld", "nl"),
    "pl": ("polish", "pol", "pl"),
    "tr": ("turkish", "tur", "tr"),
    "cs": ("czech", "cze", "ces", "cs"),
    "hu": ("hungarian", "hun", "hu"),
    "da": ("danish", "dan", "da"),
    "sv": ("swedish", "swe", "sv"),
    "no": ("norwegian", "nor", "no"),
    "fi": ("finnish", "fin", "fi"),
    "el": ("greek", "gre", "ell", "el"),
    "fa": ("persian", "per", "fas", "fa"),
    "ar": ("arabic", "ara", "ar"),
    "he": ("hebrew", "heb", "he"),
}
_LANGUAGE_CODES = {name: code for code, names in _LANGUAGES.items() for name in names}


def normalize_language(value: str | None) -> str | None:
    """An ISO 639-1 code for a language name or code (``English``/``eng``/``en`` → ``en``, ``中文`` → ``zh``).

    A language not in the table is returned folded; several languages (``English; German``) give the first.
    """
    if not value:
        return None
    first = re.split(r"[;,/]", value.strip())[0].strip().casefold()
    if not first:
        return None
    return _LANGUAGE_CODES.get(first, first)


#: canonical record types and the words that mean them in the formats read here (RIS TY, EndNote, BibTeX, MEDLINE PT,
#: WoS PT/DT, Zotero/Scopus/Embase type columns)
_TYPES: dict[str, tuple[str, ...]] = {
    "article": (
        "jour", "jfull", "ejour", "mgzn", "news", "inpr", "abst", "journal article", "article", "journalarticle",
        "j", "review", "article in press", "letter", "editorial", "note", "short survey", "erratum",
        "magazine article", "newspaper article", "magazinearticle", "newspaperarticle", "期刊",
        "journal", "academic journal", "periodical",
    ),
    "book": ("book", "ebook", "b", "edbook", "whole book", "book whole", "edited book", "s"),
    "chapter": ("chap", "echap", "book section", "booksection", "inbook", "incollection", "book chapter", "chapter"),
    "conference": (
        "conf", "cpaper", "conference paper", "conference proceedings", "inproceedings", "proceedings",
        "conferencepaper", "conference review", "meeting abstract", "proceedings paper", "会议",
    ),
    "thesis": ("thes", "thesis", "phdthesis", "mastersthesis", "dissertation", "学位论文", "硕士", "博士"),
    "report": ("rprt", "report", "techreport", "govdoc", "government document"),
    "preprint": ("preprint", "posted content", "preprint article"),
    "patent": ("pat", "patent", "p"),
    "web": ("elec", "web page", "webpage", "online", "blog", "electronic article", "electronic source"),
    "dataset": ("data", "dataset", "aggr"),
}  # fmt: skip
_TYPE_CODES = {word: code for code, words in _TYPES.items() for word in words}


def normalize_type(value: str | None) -> str | None:
    """A canonical record type (``article``, ``book``, ``chapter``, ``conference``, ``thesis``, ``report``,
    ``preprint``, ``patent``, ``web``, ``dataset``) or ``other``; ``None`` when no type was given.
    """
    if not value or not value.strip():
        return None
    key = value.strip().casefold()
    if key in _TYPE_CODES:
        return _TYPE_CODES[key]
    first = re.split(r"[;,]", key)[0].strip()
    return _TYPE_CODES.get(first, "other")
