"""The matching features of a record: identifiers, title keys and cues, author surnames, year, venue, volume, pages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sysreview.dedup._text import (
    CONFERENCE_WORDS,
    ConferenceVenue,
    Cues,
    conference_venue,
    content_tokens,
    is_generic,
    spelled,
    split_languages,
    strip_citation,
    strip_notes,
    title_cues,
    title_key,
)
from sysreview.records import (
    Record,
    fold_text,
    normalize_author,
    normalize_doi,
    normalize_journal,
    normalize_pages,
    normalize_pmid,
    normalize_type,
)

__all__ = ["Features", "features", "features_of"]

# ASySD and some Embase exports join authors without a separator: "Adeli K.Lewis G. F." (initial, dot, next surname)
_JOINED_AUTHORS = re.compile(r"(?<=\b[A-Z]\.)(?=[A-Z][a-z])")
_CONTAINER_TAGS = ("booktitle", "BT", "T2", "secondary_title", "Conference name", "conference", "container-title")
# words a notice adds around the title of the article it concerns ("Erratum to: <title>", "<title>: a reply")
_NOTICE_WORDS = frozenset(
    [
        "erratum",
        "errata",
        "corrigendum",
        "correction",
        "corrections",
        "to",
        "for",
        "on",
        "of",
        "in",
        "notice",
        "retraction",
        "retracted",
        "note",
        "statement",
        "withdrawal",
        "comment",
        "comments",
        "commentary",
        "reply",
        "replies",
        "response",
        "responses",
        "re",
        "author",
        "authors",
        "the",
        "a",
        "an",
        "in",
        "letter",
        "editor",
        "regarding",
        "addendum",
        "concern",
        "expression",
        "publisher",
        "publishers",
    ]
)
# the records layer's type names that count as a journal item and as a conference item
_JOURNAL_TYPES = frozenset({"article"})
_CONFERENCE_TYPES = frozenset({"conference"})
# proceedings are books: one database types a paper as a conference paper, another as a chapter
PROCEEDINGS_KINDS = frozenset({"conference", "chapter"})
_SUPPLEMENT = re.compile(r"suppl|^\s*s\s*\d", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_CONFERENCE_SUFFIX = re.compile(r"\s*\.\s*conference\s*:", re.IGNORECASE)
_TRAILING_TRANSLATION = re.compile(r"\S\s*\[([^\[\]]+)\]\s*\.?\s*$")
_ORIGINAL_TITLE = re.compile(r"\s*<\s*original\s*>\s*", re.IGNORECASE)
# a column or section heading of one to three words cut off by an ellipsis before the title ("How did it ...
# Upwork's CEO on how an introverted engineer learned to lead": Harvard Business Review's "How I Did It" column)
_HEADING = re.compile(r"^\s*(?:[\w'’-]+\s+){0,2}[\w'’-]+\s*(?:\.{3}|…)\s*(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Features:
    """What the scorer compares for one record (every text in folded form; ``None``/``""`` when absent)."""

    id: str
    doi: str | None
    pmid: str | None
    title: str
    """The title key (:func:`~sysreview.dedup._text.title_key`)."""
    titles: tuple[str, ...]
    """The title key and the keys of the alternative (translated, original) titles."""
    tokens: tuple[str, ...]
    """The content words of the title key."""
    main_title: str
    """The key of the title before its subtitle (``Main: subtitle`` → ``main``); the title key if there is none."""
    notice_core: str
    """The title key without the words a notice adds (``Erratum to: X`` → ``x``): links notices to articles."""
    cues: frozenset[str]
    part: str | None
    numbers: tuple[str, ...]
    """Numbers in the title, sorted, repeats kept (``FOCUS 2 … type 2 diabetes`` → ``("2", "2")``)."""
    generic: bool
    """The title is empty, very short or names a kind of item (``Editorial``, ``Reply``)."""
    authors: tuple[str, ...]
    """``surname initials`` per author."""
    surnames: frozenset[str]
    name_keys: frozenset[str]
    """``surname|first initial`` per author."""
    swapped_names: frozenset[str]
    """``given name|first letter of the surname`` per author written ``Surname, Given`` with a full given name: the
    name key the author would have if a database swapped the two (``Carignani, Andrea`` → ``andrea|c``)."""
    first_surname: str
    year: int | None
    journal: str
    """The normalised journal (or container title of a conference paper or chapter)."""
    journal_raw: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    start_page: str | None
    kind: str | None
    """``journal``, ``conference``, another canonical record type, or ``None`` when unknown."""
    conference: ConferenceVenue | None
    """The conference the venue names (a proceedings, or the ``Conference:`` part of ``Journal. Conference: …``)."""
    venue_is_conference: bool
    """The venue is the conference or its proceedings itself, not a journal that printed the abstracts."""
    supplement: bool
    """The issue is a supplement (``Suppl. 3``, ``S3``): some databases put the supplement number in the volume."""
    richness: int
    """How many bibliographic fields are filled (for choosing the canonical record)."""


def _authors(record: Record) -> tuple[tuple[str, ...], frozenset[str]]:
    """``surname initials`` per author, and the swapped name keys (see :attr:`Features.swapped_names`)."""
    names: list[str] = []
    for name in record.authors:
        parts = _JOINED_AUTHORS.split(name) if "." in name else [name]
        names.extend(p.strip() for p in parts if p.strip())
    swapped: set[str] = set()
    for name in names:
        surname, comma, given = name.partition(",")
        if comma:
            given_words, surname_words = fold_text(given).split(), fold_text(surname).split()
            if given_words and len(given_words[0]) >= 2 and surname_words:
                swapped.add(f"{given_words[0]}|{surname_words[0][0]}")
    return tuple(a for a in (_author(n) for n in names) if a), frozenset(swapped)


def _name_key(author: str) -> str:
    surname = _surname(author)
    initials = author[len(surname) :].strip()
    return f"{surname}|{initials[:1]}"


@lru_cache(maxsize=1 << 16)
def _journal(venue: str) -> str:
    # "Stroke. Conference: …" is an abstract printed in Stroke
    return normalize_journal(_CONFERENCE_SUFFIX.split(venue, maxsplit=1)[0])


@lru_cache(maxsize=1 << 17)
def _author(name: str) -> str:
    return normalize_author(name)


def _surname(author: str) -> str:
    parts = author.split()
    if len(parts) > 1 and len(parts[-1]) <= 4:  # "van de schoot r": the last word is the initials
        return " ".join(parts[:-1])
    return author


def _container(record: Record) -> str | None:
    if record.journal:
        return record.journal
    for tag in _CONTAINER_TAGS:
        values = record.get(tag)
        if values and values[0].strip():
            return values[0].strip()
    return None


def _kind(record: Record) -> str | None:
    # only the record type counts: a conference abstract printed in a journal supplement ("Stroke. Conference: …")
    # is one item, typed as an article by one database and named by its conference by another
    kind = _type(record.type)
    if kind in _JOURNAL_TYPES:
        return "journal"
    if kind in _CONFERENCE_TYPES:
        return "conference"
    if kind is None or kind == "other":
        return None
    return kind


@lru_cache(maxsize=1024)
def _type(value: str | None) -> str | None:
    return normalize_type(value)


def _conference(venue: str | None, kind: str | None) -> tuple[ConferenceVenue | None, bool]:
    """The conference a venue names, and whether the venue is the conference itself (not a journal's supplement)."""
    if not venue:
        return None, False
    parts = _CONFERENCE_SUFFIX.split(venue, maxsplit=1)
    if len(parts) == 2:
        return conference_venue(parts[1]), False  # "Stroke. Conference: …": abstracts printed in a journal
    if kind in PROCEEDINGS_KINDS or CONFERENCE_WORDS.search(venue):
        return conference_venue(venue), True
    return None, False


def _main_title(title: str | None, key: str) -> str:
    if not title:
        return key
    for separator in (": ", " - ", " – ", " — ", ". ", "? "):
        head, found, _ = title.partition(separator)
        if found and head.strip():
            main = spelled(fold_text(head))
            if main and len(main.split()) >= 2:
                return main
    return key


def _notice_core(key: str) -> str:
    words = key.split()
    start, end = 0, len(words)
    while start < end and words[start] in _NOTICE_WORDS:
        start += 1
    while end > start and words[end - 1] in _NOTICE_WORDS:
        end -= 1
    return " ".join(words[start:end])


def _number(value: str | None) -> str | None:
    """Volume or issue for comparison: the first number, without leading zeros; ``None`` if it has no digit."""
    if not value or value.count(")") != value.count("("):
        return None  # "1)": a cell shifted out of "61 (Suppl 1)"
    match = _DIGITS.search(value)
    return str(int(match.group(0))) if match else None


def features_of(record: Record) -> Features:
    """The matching features of one record."""
    raw_title = record.title or ""
    key = title_key(raw_title)
    others = [*record.alternative_titles]
    if raw_title:
        if ";" in raw_title or " = " in raw_title:
            others.extend(split_languages(raw_title))
        if "<" in raw_title:
            original = _ORIGINAL_TITLE.split(raw_title, maxsplit=1)
            if len(original) == 2:
                others.append(original[1])
        if "]" in raw_title:
            bracketed = _TRAILING_TRANSLATION.search(raw_title)
            if bracketed and len(bracketed.group(1).split()) >= 4:
                others.append(bracketed.group(1))  # "English title [Original title]"
                others.append(raw_title[: bracketed.start()])
        if "..." in raw_title or "…" in raw_title:
            heading = _HEADING.match(raw_title)
            rest = raw_title[heading.end() :] if heading else ""
            # the rest must be a title of its own, not a citation ("Rehabilitation with a mirror... Yavuzer G, et al.")
            if rest and len(content_tokens(title_key(rest))) >= 5 and "et al" not in rest.casefold():
                others.append(rest)
    alternatives = tuple(dict.fromkeys(k for k in (title_key(t) for t in others) if k and k != key))
    tokens = content_tokens(key)
    cues, part = title_cues(strip_notes(raw_title)) if raw_title else (frozenset(), None)
    if record.type and "protocol" in record.type.casefold():
        cues |= {Cues.PROTOCOL}  # the Cochrane Library's "Protocol" entry type
    notice_core = _notice_core(key)
    if cues & Cues.NOTICES:
        # the notice's own title without the citation of its article (Web of Science "(vol 360, pg 542, 2009)",
        # Embase "(N Engl J Med (2009) 360 (542-544))"): links it to the article and meets the same notice from
        # another database, whichever form of citation that one carries
        cited = strip_citation(strip_notes(raw_title))
        if cited != strip_notes(raw_title):
            notice_core = _notice_core(title_key(cited))
            if notice_core and notice_core != key and notice_core not in alternatives:
                alternatives = (*alternatives, notice_core)
    authors, swapped_names = _authors(record)
    doi = normalize_doi(record.doi)
    pmid = normalize_pmid(record.pmid)
    pages = normalize_pages(record.pages)
    surnames = frozenset(s for s in (_surname(a) for a in authors) if s)
    venue = _container(record)
    journal = _journal(venue) if venue else ""
    kind = _kind(record)
    conference, venue_is_conference = _conference(venue, kind)
    generic = is_generic(key, tokens)
    richness = sum(
        1
        for value in (
            record.title,
            record.authors,
            record.year,
            venue,
            record.volume,
            record.issue,
            record.pages,
            doi,
            pmid,
            record.abstract,
            record.issn,
            record.keywords,
        )
        if value
    )
    return Features(
        id=record.id,
        doi=doi,
        pmid=pmid,
        title=key,
        titles=(key, *alternatives) if key else alternatives,
        tokens=tokens,
        main_title=_main_title(record.title, key),
        notice_core=notice_core,
        cues=cues,
        part=part,
        numbers=tuple(sorted(t for t in key.split() if t.isdigit())),
        generic=generic,
        authors=authors,
        surnames=surnames,
        name_keys=frozenset(_name_key(a) for a in authors),
        swapped_names=swapped_names,
        first_surname=_surname(authors[0]) if authors else "",
        year=record.year,
        journal=journal,
        journal_raw=venue,
        volume=_number(record.volume),
        issue=_number(record.issue),
        pages=pages,
        start_page=pages.split("-", 1)[0] if pages else None,
        kind=kind,
        conference=conference,
        venue_is_conference=venue_is_conference,
        supplement=bool(record.issue and _SUPPLEMENT.search(record.issue)),
        richness=richness,
    )


def features(records: Sequence[Record]) -> list[Features]:
    """The matching features of every record, in order."""
    return [features_of(record) for record in records]
