"""Pair scoring: hard vetoes first (different DOIs or PMIDs, years more than one apart, notices, parts of a series,
conference vs journal, generic titles without matching volume and pages), then similarity rules with calibrated
thresholds that call a pair a duplicate, send it to a person (uncertain) or call it distinct.

Every decision carries a reason in words. Thresholds are in :class:`Thresholds`; how they were chosen is in
``docs/dedup-at-scale.md`` and ``benchmarks/dedup.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from sysreview.dedup._features import PROCEEDINGS_KINDS, Features
from sysreview.dedup._text import Cues, acronym_of
from sysreview.records import journals_match

__all__ = ["DEFAULT_THRESHOLDS", "Comparison", "Thresholds", "Verdict", "compare"]

Verdict = Literal["duplicate", "uncertain", "distinct", "linked"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """Similarity thresholds of the scorer (title similarities are Levenshtein ratios of title keys in [0, 1]).

    Defaults were tuned on the Rathbone stroke, respiratory and cytology sets and the synthetic two-database set
    (seed 1) and confirmed on the others (see ``benchmarks/results/dedup.md``).
    """

    title_same: float = 0.95
    """Titles this similar are the same title (with authors, year and venue agreeing: a duplicate)."""
    title_close: float = 0.90
    """Titles this similar are the same title when volume and first page agree as well."""
    title_review: float = 0.80
    """Below this a pair without a shared identifier is distinct; at or above it, and not a duplicate, it is queued."""
    title_with_id: float = 0.75
    """A shared DOI or PMID makes a duplicate when the titles are at least this similar."""
    authors_match: float = 0.5
    """Share of the shorter author list whose surnames are found in the other list."""
    title_translation: float = 0.5
    """Titles this similar (a translation shares names, numbers, loan words) are the same item when authors, journal,
    volume and page range agree."""
    authors_strong: float = 0.8
    """Author agreement that lets a same-titled pair without a journal to compare be a duplicate."""
    review_score: float = 0.6
    """Uncertain pairs below this overall score are dropped from the review queue."""


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Comparison:
    """The decision on one pair of records."""

    verdict: Verdict
    score: float
    """Overall similarity in [0, 1] (title similarity weighted with agreement of the other fields)."""
    reason: str
    relation: str | None = None
    """For ``linked`` pairs: ``erratum``, ``retraction`` or ``comment`` (the notice concerns the other record)."""
    veto: bool = False
    """A hard reason says the records differ (DOIs, PMIDs, years, notice, part, type …): never in one group."""
    notice: str | None = None
    """For ``linked`` pairs: the id of the record that is the notice (the other is the article it concerns)."""


_DISTINCT: Verdict = "distinct"


def title_similarity(a: Features, b: Features) -> float:
    """The best Levenshtein ratio between any title of ``a`` and any title of ``b`` (0 if either has none)."""
    best = 0.0
    for x in a.titles:
        for y in b.titles:
            if x == y:
                return 1.0
            best = max(best, Levenshtein.normalized_similarity(x, y, score_cutoff=best or None))
    return best


def _contained(a: Features, b: Features) -> bool:
    """One title is the other without its subtitle (or a prefix of it of at least four content words)."""
    if not a.title or not b.title:
        return False
    short, long = (a, b) if len(a.title) <= len(b.title) else (b, a)
    if len(short.tokens) < 3 and short.main_title == short.title:
        return False
    if long.title.startswith(short.title) or long.main_title == short.title or short.main_title == long.title:
        return True
    return short.main_title == long.main_title and len(short.main_title.split()) >= 4


def author_overlap(a: Features, b: Features) -> float | None:
    """Share of the shorter author list found in the other (surnames; typos and accents tolerated), ``None`` if
    either record has no authors."""
    if not a.surnames or not b.surnames:
        return None
    shared = a.surnames & b.surnames
    smaller, larger = (a.surnames, b.surnames) if len(a.surnames) <= len(b.surnames) else (b.surnames, a.surnames)
    found = len(shared)
    if found < len(smaller) and (a.swapped_names or b.swapped_names):
        # "Andrea, C." ~ "Carignani, Andrea", "Xiaoguang, Wang" ~ "Wang, X.": one database swapped given name and
        # surname; the full given name of one form is the surname of the other, and the initials cross over
        swapped = len(a.swapped_names & b.name_keys) + len(b.swapped_names & a.name_keys)
        found = min(len(smaller), found + swapped)
    if found < len(smaller):
        rest = [s for s in larger if s not in shared]
        for name in smaller:
            if name in shared:
                continue
            compact = name.replace(" ", "")
            if any(
                fuzz.ratio(compact, other.replace(" ", "")) >= 85
                or (len(compact) >= 4 and other.replace(" ", "").endswith(compact))
                or (len(other) >= 4 and compact.endswith(other.replace(" ", "")))
                for other in rest[:30]
            ):
                found += 1
    return found / len(smaller)


def venue_match(a: Features, b: Features) -> bool | None:
    """Whether the journals (container titles) can be the same; ``None`` if either record has none."""
    if not a.journal or not b.journal:
        return None
    if a.journal == b.journal:
        return True
    if a.venue_is_conference and b.venue_is_conference:
        # two proceedings: a longer name is another conference ("European Conference on Information Systems
        # Management" is not ECIS), so only the conference's own name or acronym relates them
        return conference_match(a, b) or _journals_match(a.journal, b.journal)
    shorter, longer = sorted((a.journal, b.journal), key=len)
    if longer.startswith(shorter + " ") and len(shorter) >= 5:
        return True  # "circulation" ~ "circulation conference american heart association …"
    return _journals_match(a.journal, b.journal) or conference_match(a, b)


def conference_match(a: Features, b: Features) -> bool:
    """Whether two venues name the same conference, at least one of them the conference itself: the same name
    without edition, year, place and theme, or an acronym of the other's name (``Amcis 2017 Proceedings`` ~
    ``Americas Conference on Information Systems``; ``51St Annual Hawaii International Conference On System
    Sciences (Hicss)`` ~ ``Hawaii International Conference on System Sciences``; ``Journal. Conference: 23rd
    Congress of …`` ~ ``23rd Congress of …``)."""
    x, y = a.conference, b.conference
    if x is None or y is None or not (a.venue_is_conference or b.venue_is_conference):
        return False
    if (x.key and x.key == y.key) or x.acronyms & y.acronyms:
        return True
    return any(acronym_of(acronym, y.words) for acronym in x.acronyms) or any(
        acronym_of(acronym, x.words) for acronym in y.acronyms
    )


def volume_relation(a: Features, b: Features) -> bool | None:
    """``True``/``False`` if the volumes agree/differ, ``None`` if either is missing, one is the other's
    supplement number (``3`` against volume ``30``, issue ``Suppl. 3``: the database put the supplement in the
    volume field) or, in the same journal, one is the record's year (±1) and the other is not."""
    same = _same(a.volume, b.volume)
    if same is False and ((a.supplement and a.issue == b.volume) or (b.supplement and b.issue == a.volume)):
        return None
    if same is False and _volume_is_year(a) != _volume_is_year(b) and venue_match(a, b) is True:
        # one database put the year in the volume field of the journal (Harvard Business Review "2016" against
        # volume 94); in two different journals a year-numbered volume (Hindawi's) is a real difference
        return None
    return same


def _volume_is_year(f: Features) -> bool:
    """The volume field holds the record's year (±1), not a volume: some exports of magazines and of journals that
    number issues within a year put the year there."""
    return f.volume is not None and f.year is not None and len(f.volume) == 4 and abs(int(f.volume) - f.year) <= 1


def _shifted(x: Features, y: Features) -> bool:
    """``x`` has its cells shifted one place against ``y``: no volume, the issue is ``y``'s volume and the pages are
    ``y``'s issue (``v= n=26 p=9`` against ``v=26 n=9 p=1746``)."""
    return (
        x.volume is None
        and x.issue is not None
        and x.issue == y.volume
        and y.issue is not None
        and x.pages is not None
        and x.pages == y.issue
    )


@lru_cache(maxsize=1 << 16)
def _journals_match(x: str, y: str) -> bool:
    """:func:`~sysreview.records.journals_match` of two normalised journal names, or a near-identical spelling."""
    return journals_match(x, y) or fuzz.ratio(x, y) >= 90


def _same(x: str | None, y: str | None) -> bool | None:
    if x is None or y is None:
        return None
    return x == y


def _is_range(pages: str | None) -> bool:
    return pages is not None and "-" in pages


_CLEAN_PAGES = re.compile(r"^([a-z]?)(\d+)(?:-([a-z]?)(\d+))?$")


def page_relation(a: Features, b: Features) -> bool | None:
    """``True`` if the first pages agree, ``False`` if both are clean page numbers or ranges that cannot be the same
    item, ``None`` otherwise (missing, garbled by a spreadsheet, an article number against a page range, ranges that
    overlap or share their last digits)."""
    if a.pages is None or b.pages is None:
        return None
    if a.start_page == b.start_page:
        return True
    ma, mb = _CLEAN_PAGES.match(a.pages), _CLEAN_PAGES.match(b.pages)
    if ma is None or mb is None or ma.group(1) != mb.group(1):
        return None
    first_a, first_b = int(ma.group(2)), int(mb.group(2))
    last_a, last_b = ma.group(4) or ma.group(2), mb.group(4) or mb.group(2)
    if last_a.endswith(last_b) or last_b.endswith(last_a):
        return None
    if first_a <= int(last_b) and first_b <= int(last_a):
        return None  # overlapping ranges
    return False


def compare(a: Features, b: Features, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Comparison:
    """Decide whether two records are the same bibliographic item.

    The decision is symmetric (``compare(a, b)`` and ``compare(b, a)`` agree).
    """
    t = thresholds
    same_doi = _same(a.doi, b.doi)
    same_pmid = _same(a.pmid, b.pmid)
    title = title_similarity(a, b)

    # --- notices: an erratum, retraction notice or comment is linked to its article, never merged with it ---------
    notices_a, notices_b = a.cues & Cues.NOTICES, b.cues & Cues.NOTICES
    if notices_a != notices_b:
        if notices_a and notices_b:
            return Comparison(_DISTINCT, title, "different kinds of notice", veto=True)
        notice, article = (a, b) if notices_a else (b, a)
        relation = sorted(notice.cues & Cues.NOTICES)[0]
        core = notice.notice_core
        if core and article.title and Levenshtein.normalized_similarity(core, article.title) >= t.title_close:
            return Comparison(
                "linked", title, f"{relation} notice and the article it concerns", relation, veto=True, notice=notice.id
            )
        return Comparison(_DISTINCT, title, f"{relation} notice in one title only", veto=True)

    # --- identifiers --------------------------------------------------------------------------------------------------
    if same_doi is False:
        if title >= t.title_same and _years_close(a, b) and same_pmid is not False:
            return Comparison(
                "uncertain", title * 0.8, "different DOIs (versions or print/online?); titles agree", veto=True
            )
        return Comparison(_DISTINCT, title, "different DOIs", veto=True)
    if same_pmid is False:
        return Comparison(_DISTINCT, title, "different PMIDs", veto=True)

    # --- series, protocols, years, types ---------------------------------------------------------------------------
    if a.part != b.part:
        return Comparison(_DISTINCT, title, "different parts of a series", veto=True)
    if a.numbers != b.numbers and _numbers_differ(a.numbers, b.numbers):
        return Comparison(_DISTINCT, title, "different numbers in the titles (FOCUS 1 and FOCUS 2)", veto=True)
    if (Cues.PROTOCOL in a.cues) != (Cues.PROTOCOL in b.cues):
        return Comparison(_DISTINCT, title, "protocol and report of the study", veto=True)
    if a.year is not None and b.year is not None and abs(a.year - b.year) > 1:
        if same_doi or same_pmid:
            return Comparison("uncertain", title * 0.8, "same identifier but years more than one apart", veto=True)
        return Comparison(_DISTINCT, title, "years more than one apart", veto=True)
    if a.kind is not None and b.kind is not None and a.kind != b.kind and {a.kind, b.kind} != PROCEEDINGS_KINDS:
        if same_doi or same_pmid:
            return Comparison("uncertain", title * 0.8, f"same identifier but {_kinds(a, b)}", veto=True)
        return Comparison(_DISTINCT, title, _kinds(a, b), veto=True)

    # --- an erratum printed under the article's own title -------------------------------------------------------------
    if title >= t.title_same and not notices_a and not (same_doi or same_pmid):
        later = a if _later_single_page(a, b) else b if _later_single_page(b, a) else None
        shared = author_overlap(a, b) if later is not None else None
        if later is not None and venue_match(a, b) is True and (shared is None or shared >= t.authors_match):
            # Am J Transplant 9(5):1223-1229 and, under the same title and authors, 9(9):2205 and 9(11):2647: a
            # one-page item later in the same volume is an erratum (or a note) about the article, never the article
            return Comparison(
                "linked",
                title,
                "one page under the article's title later in the volume (probable erratum)",
                Cues.ERRATUM,
                veto=True,
                notice=later.id,
            )

    # --- nothing in common: most candidate pairs end here ------------------------------------------------------------
    if (
        not (same_doi or same_pmid)
        and title < t.title_translation
        and not _contained(a, b)
        and not _is_main_title(a, b)
        and (a.volume is None or a.volume != b.volume or a.start_page is None or a.start_page != b.start_page)
    ):
        conflict = a.volume is not None and b.volume is not None and a.volume != b.volume
        veto = conflict and page_relation(a, b) is False
        return Comparison(_DISTINCT, title, "different volume and pages" if veto else "titles differ", veto=veto)

    # --- shared identifier ------------------------------------------------------------------------------------------
    contained = _contained(a, b)
    if same_doi or same_pmid:
        name = "DOI" if same_doi else "PMID"
        if title >= t.title_with_id or contained or not a.title or not b.title:
            return Comparison("duplicate", max(title, 0.9), f"same {name}, titles agree")
        return Comparison("uncertain", title, f"same {name} but different titles")

    # --- similarity --------------------------------------------------------------------------------------------------
    authors = author_overlap(a, b)
    venue = venue_match(a, b)
    volume = volume_relation(a, b)
    page = page_relation(a, b)
    if _shifted(a, b) or _shifted(b, a):
        volume, page = True, None
    pages = _same(a.pages, b.pages)
    year_same = a.year is not None and a.year == b.year
    authors_ok = authors is not None and authors >= t.authors_match
    authors_bad = authors is not None and authors < t.authors_match
    # issue numbers are too often garbled (record numbers, supplement numbers) to count against a pair
    issue = _same(a.issue, b.issue)
    same_range = pages is True and _is_range(a.pages)
    conflicts = [name for name, same in (("volume", volume), ("pages", page)) if same is False]
    bib = volume is True and page is True
    score = _score(title, authors, venue, volume, page, year_same)
    # conference papers: proceedings are named in many ways, and dated by the conference or by the volume
    proceedings = a.kind in PROCEEDINGS_KINDS and b.kind in PROCEEDINGS_KINDS

    if a.generic or b.generic:
        if title >= t.title_same and bib and year_same and not authors_bad and (venue is not False or same_range):
            return Comparison("duplicate", score, "generic title; same year, volume and pages")
        if contained and same_range and year_same and authors_ok and venue is not False:
            return Comparison("duplicate", score, "short title of the same item; same authors, year and page range")
        if _is_main_title(a, b) and same_range and year_same and authors_ok and venue is True:
            # "Infrastructure in the Wild" ~ "Infrastructure in the wild: What mapping … reveals …": a short main
            # title is generic by length alone; the same page range of the same venue and year pins the item down
            return Comparison("duplicate", score, "title without subtitle; same authors, venue, year and page range")
        if title >= t.title_same and not conflicts and venue is not False and not authors_bad:
            return Comparison("uncertain", score, "generic title without volume and pages to confirm")
        return Comparison(_DISTINCT, score, "generic title")
    if authors_bad and not bib:
        if title >= t.title_same and venue is True and not conflicts:
            return Comparison("uncertain", score, "same title and journal but different authors")
        return Comparison(_DISTINCT, score, "different authors")
    if volume is False and page is False:
        return Comparison(_DISTINCT, score, "different volume and pages", veto=True)

    if not conflicts and authors is None and title >= t.title_same and bib and year_same and venue is True:
        # notices and editorials often come without authors: the journal, volume and page pin the item down
        return Comparison("duplicate", score, "same title, year, journal, volume and first page; no authors")
    if not conflicts and title >= t.title_same and bib and same_range and year_same and venue is not False:
        # the page range pins the item down even when one database garbles the author names
        return Comparison("duplicate", score, "same title, year, journal, volume and page range")
    if not conflicts and authors_ok:
        strong_authors = authors is not None and authors >= t.authors_strong
        if venue is not False:
            if title >= t.title_same and year_same and (venue is True or bib or page is True):
                return Comparison("duplicate", score, "same title, authors, year and journal")
            if title >= t.title_close and bib and (year_same or venue is True):
                return Comparison("duplicate", score, "similar title; same authors, volume and pages")
            if contained and (
                (year_same and (bib or same_range or (venue is True and volume is True)))
                or (bib and _years_close(a, b) and venue is True)
            ):
                return Comparison("duplicate", score, "title without subtitle; same authors, journal, volume")
            if title >= t.title_same and venue is True and (volume is True or page is True) and _years_close(a, b):
                return Comparison("duplicate", score, "same title, authors and journal; online-first year")
            if title >= t.title_same and year_same and strong_authors and venue is None:
                return Comparison("duplicate", score, "same title, authors and year; no journal to compare")
            if proceedings and title >= t.title_close and year_same and venue is True and same_range:
                # one word of the title changed between the submitted and the published version ("IT-enabled" →
                # "Enhanced"); the same page range of the same proceedings is one paper
                return Comparison("duplicate", score, "similar title; same authors, proceedings, year and page range")
            if proceedings and title >= t.title_same and strong_authors and venue is True and _years_close(a, b):
                # one database dates a conference paper by the conference, another by the proceedings volume (ICIS
                # 2017 papers published in 2018): same title, authors and conference are the same paper. A journal
                # version never gets here (conference and journal article are vetoed above).
                return Comparison("duplicate", score, "same title, authors and conference; conference/proceedings year")
        elif year_same and (
            ((title >= t.title_close or contained) and bib)
            or (title >= t.title_same and volume is True and issue is True and strong_authors)
        ):
            # journal names that no rule relates (CMAJ ~ Canadian Medical Association Journal, transliterations)
            return Comparison("duplicate", score, "similar title; same authors, year, volume and pages")
        elif proceedings and year_same and title >= t.title_same and same_range:
            # proceedings named so differently that no rule relates them ("International Conference on e-Business"
            # ~ "12th International Joint Conference on e-Business and Telecommunications, Vol 2"); the same page
            # range in the same year with the same title and authors is one paper
            return Comparison("duplicate", score, "same title, authors, year and page range in proceedings")
    if (
        conflicts == ["volume"]
        and page is True
        and title >= t.title_same
        and year_same
        and venue is True
        and authors is not None
        and authors >= t.authors_strong
    ):
        # same title, authors, journal, year and first page: the volume is garbled (supplement numbers, shifted cells)
        return Comparison("duplicate", score, "same title, authors, journal, year and first page; volume differs")
    if (
        conflicts == ["pages"]
        and title >= t.title_same
        and len(a.tokens) >= 8
        and volume is True
        and issue is True
        and year_same
        and venue is True
        and authors is not None
        and authors >= 0.8
    ):
        # a long title, the same authors and the same issue of the same journal: the pages are mistyped
        # (supplement abstracts get "e3" from one database and "e8-e9" from another)
        return Comparison("duplicate", score, "same title, authors and issue of the journal; pages differ")
    if (
        not conflicts
        and bib
        and _is_range(a.pages)
        and pages is True
        and year_same
        and venue is True
        and authors is not None
        and authors >= 0.8
    ):
        if title >= t.title_translation or (len(a.surnames) >= 2 and len(b.surnames) >= 2 and _multipage(a.pages)):
            # two or more authors, journal, year, volume and a page range of several pages agree: no other item
            # can sit on those pages, whatever the title (a translated title, MEDLINE's English against the
            # original); a single author (letters, replies) or a single page is not enough
            return Comparison(
                "duplicate", score, "same authors, journal, volume and page range; titles differ (translation)"
            )
        return Comparison("uncertain", score, "same authors, journal, volume and page range; titles differ")
    if (
        not conflicts
        and bib
        and pages is True
        and _multipage(a.pages)
        and year_same
        and venue is True
        and authors is None
        and title >= t.title_translation
    ):
        # Dtsch Med Wochenschr 1984;109:935-940 under MEDLINE's translated title and, without authors, under another
        # translation: the pages pin the item down, but with no authors to compare a person decides
        return Comparison("uncertain", score, "same journal, volume and page range; titles differ; no authors")
    if (title >= t.title_review or contained) and score >= t.review_score:
        problems = ", ".join(conflicts) or "missing fields"
        return Comparison("uncertain", score, f"similar titles; {problems} do not confirm")
    if (
        not conflicts
        and title >= t.title_translation
        and year_same
        and venue is True
        and min(len(a.surnames), len(b.surnames)) >= 3
        and authors is not None
        and authors >= t.authors_strong
    ):
        # N Engl J Med 2011 "Eculizumab in severe Shiga-toxin-associated HUS" ~ "Complement Blockade in Severe
        # Shiga-Toxin-Associated HUS": the same authors in the same journal and year under a changed title; one record
        # has no volume and pages to confirm, so a person decides
        return Comparison("uncertain", score, "same authors, journal and year; titles differ (retitled?)")
    return Comparison(_DISTINCT, score, "titles differ")


def _later_single_page(x: Features, y: Features) -> bool:
    """``x`` is one page in a later issue of ``y``'s volume, after ``y``'s multi-page range (``9(9):2205`` against
    ``9(5):1223-1229``); supplements are left out (their issue numbers do not order them)."""
    if x.volume is None or x.volume != y.volume or x.supplement or y.supplement or x.issue is None or y.issue is None:
        return False
    if int(x.issue) <= int(y.issue) or not _multipage(y.pages):
        return False
    mx, my = _CLEAN_PAGES.match(x.pages or ""), _CLEAN_PAGES.match(y.pages or "")
    if mx is None or my is None or mx.group(1) or my.group(1) or (mx.group(4) and mx.group(4) != mx.group(2)):
        return False
    return int(mx.group(2)) > int(my.group(4))


def _is_main_title(a: Features, b: Features) -> bool:
    """One title is exactly the other's main title (the part before its subtitle)."""
    return bool(a.title and b.title) and (a.title == b.main_title != b.title or b.title == a.main_title != a.title)


def _multipage(pages: str | None) -> bool:
    """A page range of more than one page (``205-226``), not ``616-616`` or an article number."""
    match = _CLEAN_PAGES.match(pages) if pages else None
    return match is not None and match.group(4) is not None and int(match.group(4)) > int(match.group(2))


def _numbers_differ(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Each title has a number the other lacks (a dropped subtitle may take numbers away, never swap them)."""
    cx, cy = Counter(x), Counter(y)
    return bool(cx - cy) and bool(cy - cx)


def _kinds(a: Features, b: Features) -> str:
    return " and ".join(sorted((str(a.kind), str(b.kind))))


def _years_close(a: Features, b: Features) -> bool:
    return a.year is None or b.year is None or abs(a.year - b.year) <= 1


def _score(  # noqa: PLR0917 (a private helper of compare: the six agreements, in order)
    title: float,
    authors: float | None,
    venue: bool | None,
    volume: bool | None,
    page: bool | None,
    year_same: bool,
) -> float:
    """Overall similarity: the title similarity moved up or down by the other fields (agree: up, differ: down)."""
    score = title
    for value, weight in ((venue, 0.05), (volume, 0.05), (page, 0.05)):
        if value is True:
            score += weight
        elif value is False:
            score -= 2 * weight
    if authors is not None:
        score += 0.1 * (authors - 0.5)
    score += 0.02 if year_same else -0.02
    return max(0.0, min(1.0, score))
