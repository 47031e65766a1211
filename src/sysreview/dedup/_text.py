"""Title keys for matching: database notes removed, British spelling folded to American, cues of notices and parts."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from sysreview.records import fold_text, normalize_title

__all__ = [
    "GENERIC_TITLES",
    "ConferenceVenue",
    "Cues",
    "acronym_of",
    "american_spelling",
    "conference_venue",
    "content_tokens",
    "is_generic",
    "spelled",
    "split_languages",
    "strip_notes",
    "title_cues",
    "title_key",
]

# --- notes that databases append to the title of the article itself --------------------------------------------------

# MEDLINE/Ovid/Embase append notes about related items to the article's own title: "[Erratum appears in ...]",
# "[published erratum appears in ...]", "[corrected]", "[Comment in: ...]", "[Retraction in ...]", "[Update of ...]".
# They describe the article, they are not the title of a notice: cut from the note to the end (notes nest brackets).
_NOTE_START = re.compile(
    r"\s*(?:\.{3})?\s*\[\s*(?:erratum\s+(?:appears|in)|published\s+erratum|errata?\s+in|corrected|comment(?:ed)?\s+(?:in|on)"
    r"|see\s+comments?|comments?\s+in|retraction\s+in|retracted|partial\s+retraction\s+in|update\s+(?:in|of)"
    r"|updated\s+in|republished|reprinted|expression\s+of\s+concern\s+in|summary\s+for\s+patients|corrected\s+and"
    r"|article\s+retracted|this\s+article\s+has|\d+\s+refs?\b|abstract\s+no)",
    re.IGNORECASE,
)
# Publishers mark a retracted or withdrawn article in its own title; the marked record is the article itself.
_RETRACTED_MARK = re.compile(
    r"^\s*(?:retracted(?:\s+article)?|withdrawn|retracted\s+and\s+replaced)\s*[:.\-]\s*|\s*[\[(]\s*(?:retracted"
    r"(?:\s+article)?|withdrawn)\s*[\])]\s*\.?\s*$",
    re.IGNORECASE,
)
_MARK_WORDS = re.compile(r"retract|withdrawn", re.IGNORECASE)
_TRAILING_ELLIPSIS = re.compile(r"\s*(?:\.{3}|…)\s*$")
# Embase appends the original-language title: "English title <ORIGINAL> ORIGINALTITEL"
_ORIGINAL = re.compile(r"\s*<\s*original\s*>\s*", re.IGNORECASE)
_LANGUAGE_SEPARATOR = re.compile(r"\s*;\s+|\s+=\s+")


def strip_notes(title: str) -> str:
    """The title without database notes about related items (errata, comments, retractions, updates) and without
    a publisher's RETRACTED mark: these records are the article itself.

    >>> strip_notes("Robot-assisted gait.[Erratum appears in Exp Brain Res. 2010 May;202(4):943]")
    'Robot-assisted gait.'
    """
    text = _ORIGINAL.split(title, maxsplit=1)[0] if "<" in title else title
    if "[" not in text and "…" not in text and "..." not in text and not _MARK_WORDS.search(text):
        return text.strip()
    position = 0
    while True:
        match = _NOTE_START.search(text, position)
        if match is None:
            break
        end = _closing_bracket(text, text.index("[", match.start()))
        rest = text[end:]
        if not rest.strip(" .;,") or rest.lstrip(" .;,").startswith("["):
            # a note at the end, maybe followed by more notes ("….[Erratum appears in …].[Erratum", the last one cut
            # short by the database's field length): cut to the end
            text = text[: match.start()]
            break
        text = text[: match.start()] + rest  # "… carboplatin [corrected], with …": drop the bracket only
        position = match.start()
    text = _RETRACTED_MARK.sub("", text)
    return _TRAILING_ELLIPSIS.sub("", text).strip()


def _closing_bracket(text: str, start: int) -> int:
    """The position after the bracket that closes the one at ``start`` (the end of the text if none does)."""
    depth = 0
    for position in range(start, len(text)):
        if text[position] == "[":
            depth += 1
        elif text[position] == "]":
            depth -= 1
            if depth == 0:
                return position + 1
    return len(text)


def split_languages(title: str) -> list[str]:
    """The titles in a title that holds two languages (``Utilidad de …; Are antimicrobials useful …?``), or ``[]``."""
    parts = [p.strip() for p in _LANGUAGE_SEPARATOR.split(title) if p.strip()]
    if len(parts) == 2 and all(len(content_tokens(fold_text(p))) >= 4 for p in parts):
        return parts
    return []


# --- cues: notices about an article, parts of a series ----------------------------------------------------------------

_LEAD = r"^\s*[\"'“‘(\[]?\s*"
_ERRATUM = re.compile(
    _LEAD
    + r"(?:erratum|errata|corrigendum|corrigenda|correction|corrections|author\s+correction|publisher\s+correction"
    r"|publisher'?s\s+note|notice\s+of\s+correction|correction\s+notice|addendum|clarification)\b"
    r"|[:.\-\]]\s*(?:erratum|errata|corrigendum|correction|corrections|addendum)\s*\.?\s*[\])]?\s*$"
    r"|[\[(]\s*(?:erratum|errata|corrigendum|correction)\s*[\])]"
    r"|\(\s*vol\.?\s*\d+[^)]*\bpg\.?\s*\w+"  # Web of Science errata: "Title (vol 23, pg 456, 2010)"
    # Embase errata: "Title (New England Journal of Medicine (2009) 360 (542-544))"
    r"|\([^()]*\(\s*(?:1[89]|20)\d\d\s*\)\s*\d+\s*(?:\(\s*[\w-]+\s*\))?\s*\(\s*\w+\s*[-–]\s*\w+\s*\)\s*\)\s*\.?\s*$",
    re.IGNORECASE,
)
_RETRACTION = re.compile(
    _LEAD + r"(?:retraction|notice\s+of\s+retraction|retraction\s+notice|retraction\s+note|retraction\s+statement"
    r"|statement\s+of\s+retraction|withdrawal|notice\s+of\s+withdrawal|expression\s+of\s+concern|editorial\s+expression"
    r"\s+of\s+concern)\b"
    r"|[:.\-\]]\s*(?:retraction|retraction\s+notice|expression\s+of\s+concern)\s*\.?\s*[\])]?\s*$"
    r"|[\[(]\s*retraction\s+of\b",
    re.IGNORECASE,
)
_COMMENT = re.compile(
    _LEAD + r"(?:comments?\s+(?:on|to|regarding)|commentary\s+(?:on|to)|response\s+to|responses\s+to|reply\s+to|reply"
    r"|replies|in\s+reply|in\s+response|re\s*:|authors?'?\s+(?:reply|response)|author\s+response|the\s+authors?\s+"
    r"reply|letter\s+to\s+the\s+editor\s+(?:on|regarding|re)|a\s+comment\s+on|a\s+reply|a\s+response|rebuttal)\b"
    r"|[:.\-\]]\s*(?:comment|commentary|reply|response|authors?'?\s+reply|a\s+reply|authors?'?\s+response|"
    r"reply\s+to\s+comments?)\s*\.?\s*[\])]?\s*$"
    r"|[\[(]\s*(?:comment|reply)\s*[\])]",
    re.IGNORECASE,
)
# a protocol *publication* (a trial's or review's protocol, vetoed against its results paper), not a results paper
# that names a protocol ("treatment protocol of Essen University Hospital", "the ZYC101a protocol", "evidence-based
# protocol using fibrinolysis"): a study/trial/review protocol, "protocol" opening the title or a part of it ("Protocol
# for the ProFHER trial", "…: a protocol for a pragmatic randomised controlled trial", Cochrane's "… (Protocol)"),
# "a protocol for", design/rationale/methods and protocol, and the "rationale and design" of a trial
_PROTOCOL = re.compile(
    r"\b(?:study|trial|review|research|evaluation|rct)\s+protocols?\b"
    r"|(?:^|[:.;(\[\-–—]\s*)[\"'“‘]?(?:an?\s+|the\s+)?protocols?\b"
    r"|\ban?\s+protocol\s+for\b"
    r"|\b(?:design|rationale|methods?)\s+and\s+protocols?\b|\bprotocols?\s+and\s+(?:design|rationale|methods?)\b"
    r"|\bstudy\s+design\s+and\s+rationale\b|\brationale\s+and\s+design\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5",
    "i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10",
    "a": "a", "b": "b", "c": "c", "d": "d",
}  # fmt: skip
_PART = re.compile(
    r"\b(?:part|pt|teil|partie|parte|section)\.?\s*(\d+|[ivx]+|one|two|three|four|five|six|seven|eight|nine|ten|[a-d])\b"
    r"|\b(first|second|third|fourth|fifth)\s+part\b"
    r"|(?:^|[:.]\s*)(i|ii|iii|iv|v|vi)\s*[:.]"  # "II: results of ...", "... study. II. Outcomes"
    r"|\b(?:study|trial|series|report|paper)\s+(i|ii|iii|iv|vi)\b(?!\s+(?:trial|study|diabetes))"
    r"|[\s,:(](i{1,3}|iv|vi)\s*[)]?\s*$"  # "... Effects of diet II"
    r"|\b(\d+|i|ii|iii|iv)(?:st|nd|rd|th)?\s+(?:communication|report|mitteilung)\b",
    re.IGNORECASE,
)
_NOT_PART_BEFORE = frozenset(
    [
        "type",
        "types",
        "phase",
        "phases",
        "grade",
        "grades",
        "stage",
        "stages",
        "class",
        "classes",
        "level",
        "levels",
        "group",
        "groups",
        "step",
        "steps",
        "category",
        "tier",
        "tiers",
        "factor",
        "factors",
        "complex",
        "collagen",
        "mody",
        "dyslipidemia",
        "angiotensin",
        "hla",
    ]
)


# a title without any of these cannot hold a cue: skip the expensive patterns
_TRIGGERS = re.compile(
    r"errat|corrig|correct|addend|clarif|publisher|vol|retract|withdraw|concern|comment|repl|respon|\bre\s*:|letter"
    r"|rebuttal|protocol|rationale|part|\bpt\b|teil|section|communication|report|mitteilung|\b(?:i|ii|iii|iv|v|vi)\b"
    r"|\(\s*(?:1[89]|20)\d\d\s*\)"
)


class Cues:
    """Names of the cues :func:`title_cues` finds."""

    ERRATUM = "erratum"
    RETRACTION = "retraction"
    COMMENT = "comment"
    PROTOCOL = "protocol"
    NOTICES: frozenset[str] = frozenset({ERRATUM, RETRACTION, COMMENT})


def title_cues(title: str) -> tuple[frozenset[str], str | None]:
    """The cues in a title (after :func:`strip_notes`): notices (erratum/correction, retraction, comment/reply),
    protocol; and the part number of a series (``Part II`` → ``"2"``), or ``None``.

    >>> title_cues("Erratum: Effects of exercise on mood. Part 2")
    (frozenset({'erratum'}), '2')
    """
    cues: set[str] = set()
    lowered = title.casefold()
    if not _TRIGGERS.search(lowered):
        return frozenset(), None
    if _ERRATUM.search(title):
        cues.add(Cues.ERRATUM)
    if _RETRACTION.search(title):
        cues.add(Cues.RETRACTION)
    if _COMMENT.search(title):
        cues.add(Cues.COMMENT)
    if _PROTOCOL.search(title):
        cues.add(Cues.PROTOCOL)
    part: str | None = None
    for match in _PART.finditer(title):
        before = title[: match.start()].split()
        if before and before[-1].strip("(,").casefold() in _NOT_PART_BEFORE and match.group(0).strip()[0] != "(":
            continue  # "type II diabetes", "phase II", "grade III": a class, not a part of a series
        word = next(g for g in match.groups() if g is not None).lower()
        part = _NUMBER_WORDS.get(word, word.lstrip("0") or "0")
        break
    return frozenset(cues), part


# --- spelling ---------------------------------------------------------------------------------------------------------

_WORDS = {
    "programme": "program", "programmes": "programs", "grey": "gray", "ageing": "aging", "judgement": "judgment",
    "sulphate": "sulfate", "sulphur": "sulfur", "aluminium": "aluminum", "manoeuvre": "maneuver",
    "practise": "practice",
    "mould": "mold", "plough": "plow", "tyre": "tire", "cheque": "check", "enrolment": "enrollment",
    "fulfil": "fulfill", "skilful": "skillful", "catalogue": "catalog", "dialogue": "dialog", "analogue": "analog",
    "odour": "odor", "oestrogen": "estrogen", "defence": "defense", "offence": "offense", "licence": "license",
    "pretence": "pretense", "modelling": "modeling", "modelled": "modeled", "labelling": "labeling",
    "labelled": "labeled", "travelling": "traveling", "travelled": "traveled", "counselling": "counseling",
    "signalling": "signaling", "cancelled": "canceled", "fuelled": "fueled", "levelling": "leveling",
    "channelling": "channeling", "tumours": "tumors", "foetus": "fetus", "foetal": "fetal",
}  # fmt: skip
_AE_OE = re.compile(r"(?<=[a-z])ae(?=[a-z])|^ae(?=[a-z]{3})|(?<=[a-z])oe(?=[a-z])|^oe(?=[a-z]{3})")
_AE_OE_KEEP = frozenset(
    {"aerobic", "aerosol", "aerosols", "aeruginosa", "aerobics", "aeromonas", "israel", "israeli", "michael",
     "raphael", "maestro", "does", "goes", "shoes", "toes", "heroes", "poem", "poems", "poet", "poetry", "noel",
     "phoenix", "coefficient", "coefficients", "coexist", "coexistence", "coenzyme", "coeliac", "whoever", "aerial",
     "aeration", "canoe", "oboe", "joel", "zoe", "chloe", "boeing", "doe", "foe", "aesthetic", "aesthetics"}
)  # fmt: skip
_ISE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers)$")
_ISE_KEEP = frozenset(
    {"exercise", "exercises", "exercised", "exercising", "promise", "promised", "promising", "premise", "premises",
     "precise", "concise", "otherwise", "likewise", "clockwise", "stepwise", "pairwise", "noise", "raise", "raised",
     "raising", "praise", "cruise", "bruise", "bruises", "bruising", "franchise", "expertise", "merchandise",
     "compromise", "compromised", "surprise", "surprised", "surprising", "enterprise", "enterprises", "advertise",
     "advertising", "supervise", "supervised", "supervising", "supervision", "revise", "revised", "revision", "devise",
     "devised", "advise", "advised", "televised", "improvise", "improvised", "incise", "excise", "excised",
     "circumcise", "circumcised", "despise", "disguise", "chemise", "demise", "reprise", "treatise", "arise", "arising",
     "rise", "rising", "arisen", "wise", "paradise", "poise", "tortoise", "porpoise", "turquoise", "mortise",
     "comprise", "comprised", "comprising", "apprise", "guise", "remise", "liaise", "anise", "valise", "raiser",
     "bruiser", "cruiser", "adviser", "advisers", "supervisor", "prise", "premised", "praised", "appraise",
     "appraised", "appraisal", "appraising", "noisy", "promiser", "miser", "misers", "riser", "risers", "visa",
     "crisis", "analysis", "basis", "diagnosis", "prognosis", "thesis", "synthesis", "paralysis", "dialysis",
     "hydrolysis", "electrolysis", "emphasis", "genesis", "mitosis", "meiosis", "fibrosis", "sepsis"})  # fmt: skip
_YSE = re.compile(r"(?<=[a-z]{3})ys(e|es|ed|ing)$")
_OUR = re.compile(r"(?<=[a-z]{3})our(s|ed|ing|able|al|ally|ite|ites|ful|less|ism|ist|ists)?$")
_OUR_KEEP = frozenset({"devour", "devours", "devoured", "contour", "contours", "troubadour", "paramour", "detour",
                       "detours", "velour", "amour"})  # fmt: skip
_TRE = re.compile(r"(?<=[a-z]{2}[bcdfghklmnpstvz])tre(s|d)?$")
_TRE_KEEP = frozenset({"mitre", "lustre"})


@lru_cache(maxsize=1 << 17)
def american_spelling(token: str) -> str:
    """A folded word in American spelling where British spelling differs (``randomised`` → ``randomized``,
    ``haemorrhage`` → ``hemorrhage``, ``oedema`` → ``edema``, ``behaviour`` → ``behavior``, ``centre`` → ``center``).

    Both records of a pair go through the same mapping, so a rule that also changes an unrelated word does no harm
    unless it makes two different words equal.
    """
    if len(token) < 4 or token.isdigit():
        return token
    mapped = _WORDS.get(token)
    if mapped is not None:
        return mapped
    word = token
    if ("ae" in word or "oe" in word) and word not in _AE_OE_KEEP:
        word = _AE_OE.sub("e", word)
    if "is" in word and word not in _ISE_KEEP:
        word = _ISE.sub(r"iz\1", word)
    if "ys" in word and word not in _ISE_KEEP:
        word = _YSE.sub(r"yz\1", word)
    if "our" in word and word not in _OUR_KEEP:
        word = _OUR.sub(lambda m: "or" + (m.group(1) or ""), word)
    if word.endswith(("tre", "tres", "tred")) and word not in _TRE_KEEP:
        word = _TRE.sub(lambda m: "ter" + (m.group(1) or ""), word)
    return word


# --- keys ------------------------------------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "in",
        "on",
        "for",
        "to",
        "with",
        "by",
        "at",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "its",
        "their",
        "his",
        "her",
        "our",
        "into",
        "via",
        "vs",
        "versus",
        "than",
        "that",
        "this",
        "these",
        "those",
        "after",
        "before",
        "during",
        "between",
        "among",
        "under",
        "over",
        "about",
    ]
)
#: titles that name a kind of item, not a work: two items with such a title are the same only if their volume,
#: pages and year agree
GENERIC_TITLES = frozenset(
    fold_text(t)
    for t in (
        "editorial", "guest editorial", "introduction", "preface", "foreword", "letter to the editor", "letters",
        "letter", "reply", "response", "in reply", "correspondence", "comment", "commentary", "erratum", "errata",
        "correction", "corrigendum", "retraction", "book review", "book reviews", "reviews", "news", "in memoriam",
        "obituary", "abstracts", "conference abstracts", "meeting abstracts", "poster abstracts", "poster session",
        "oral presentations", "index", "author index", "subject index", "contents", "table of contents",
        "editor's note", "editors note", "from the editor", "editorial board", "announcement", "announcements",
        "acknowledgement", "acknowledgements", "acknowledgment", "reviewers", "highlights", "this issue",
        "in this issue", "summary", "abstract", "proceedings", "conference report", "meeting report", "untitled",
        "notes", "discussion", "epilogue", "prologue", "welcome", "overview", "conclusion", "conclusions",
        "opinion", "viewpoint", "perspective", "perspectives", "commentaries", "front matter", "back matter",
        "cover", "masthead", "calendar", "events", "research highlights", "what's new", "correspondence and replies",
        "letter from the editor", "president's message", "message from the president", "case report",
        "case reports", "images in clinical medicine", "clinical image", "quiz", "answer", "question",
    )
)  # fmt: skip


# "10 000 women", "10,000 women", "10\u202f000 women": one number, written with a thousands separator or without one.
# A comma followed by a blank is a list ("1, 234"), never a separator; a lone digit group is never joined.
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:(?:,|[ \u00a0\u2009\u202f])\d{3})+(?![\d.,]?\d)")
_SEPARATOR = re.compile(r"[, \u00a0\u2009\u202f]")


def join_thousands(text: str) -> str:
    """Numbers written with thousands separators joined (``10 000`` and ``10,000`` → ``10000``): folding would
    otherwise turn them into two numbers (``10 000``) and the numbered-title veto would see different numbers.

    >>> join_thousands("among 10 000 women and 1,500,000 men, aged 1, 234")
    'among 10000 women and 1500000 men, aged 1, 234'
    """
    if not any(ch.isdigit() for ch in text):
        return text
    return _THOUSANDS.sub(lambda m: _SEPARATOR.sub("", m.group(0)), text)


def title_key(title: str | None) -> str:
    """The title as a matching key: notes removed (:func:`strip_notes`), thousands separators removed
    (:func:`join_thousands`), flags removed and folded (:func:`~sysreview.records.normalize_title`), British spelling
    made American (:func:`american_spelling`).

    >>> title_key("Randomised trial of &beta;-blockers in paediatric oedema [Chinese]")
    'randomized trial of beta blockers in pediatric edema'
    """
    if not title:
        return ""
    return spelled(normalize_title(join_thousands(strip_notes(title))))


# --- the citation a notice carries of the article it concerns ---------------------------------------------------------

# Web of Science: "Title (vol 23, pg 456, 2010)"; Embase: "Title (Journal (2009) 360 (542-544))", often cut short by
# the database's field length ("Title (The Journal of Pediatrics (M"): cut from the opening bracket to the end.
_CITATION_TAIL = re.compile(
    r"\s*\((?:\s*vol\.?\s*\d+[^()]*\bpg\.?\s*\w+[^()]*\)"
    r"|[^()]*\(\s*(?:1[89]|20)\d\d\s*\)[^()]*(?:\([^()]*\)?)?\s*\)?"
    r"|[^()]*\([^()]*$"
    r"|[^()]*$)\s*\.?\s*$",
    re.IGNORECASE,
)


def strip_citation(title: str) -> str:
    """A notice's title without the citation of the article it concerns, as Web of Science and Embase append it.

    >>> strip_citation("Eculizumab for aHUS (vol 360, pg 542, 2009)")
    'Eculizumab for aHUS'
    >>> strip_citation("Eculizumab for aHUS (New England Journal of Medicine (2009) 360 (542-544))")
    'Eculizumab for aHUS'
    >>> strip_citation("Severe deficiency of ADAMTS 13 activity (The Journal of Pediatrics (M")
    'Severe deficiency of ADAMTS 13 activity'
    """
    if "(" not in title:
        return title
    stripped = _CITATION_TAIL.sub("", title)
    return stripped if len(stripped.split()) >= 3 else title


# --- venues of conference papers --------------------------------------------------------------------------------------

#: words that make a venue name a conference's (or the proceedings') rather than a journal's
CONFERENCE_WORDS = re.compile(
    r"\b(?:conference|congress|symposium|meeting|workshop|proceedings|colloquium|summit|convention|kongress"
    r"|tagung|congres|congreso)\b",
    re.IGNORECASE,
)
# the edition, year and volume of a proceedings differ between databases: "51St Annual …", "… 2017 Proceedings",
# "PROCEEDINGS OF THE SIXTEENTH …", "…, VOLS 1-3"
_EDITION_WORDS = frozenset(
    {"proceedings", "proc", "annual", "vol", "vols", "volume", "volumes", "digest", "papers", "part", "first", "second",
     "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
     "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth",
     "fortieth", "fiftieth", "sixtieth", "twenty", "thirty", "forty", "fifty", "sixty"}
)  # fmt: skip
_VENUE_STOPWORDS = frozenset({"the", "of", "on", "and", "for", "in", "at", "to", "a", "an", "de", "la", "des", "der"})
_EDITION_NUMBER = re.compile(r"^(?:\d+(?:st|nd|rd|th)?|[ivxlc]+)$")
_VENUE_SEGMENTS = re.compile(r"\s+[-–—:]\s+|\s*[:;,]\s+|\s*,\s*")
_PARENTHESES = re.compile(r"\(([^()]*)\)?")
_ACRONYM = re.compile(r"^[a-z]{4,10}$")
# capitalised words that are publishers or editions, not the conference's acronym
_NOT_ACRONYMS = frozenset({"ieee", "acm", "ifip", "proc", "vols", "usa", "spie", "asme", "aaai", "siam"})


@dataclass(frozen=True, slots=True, repr=False)
class ConferenceVenue:
    """A conference named by a venue: the name without edition, year, place and theme, and its acronyms."""

    key: str
    """The content words of the name (``hawaii international conference system sciences``), ``""`` if none."""
    words: tuple[str, ...]
    """The words of the name, stop words included (an acronym may take a letter from ``on``: SOUPS)."""
    acronyms: frozenset[str]
    """Acronyms the venue gives (``(HICSS)``, ``ECISM`` after a comma, ``Amcis 2017 Proceedings``)."""

    def __repr__(self) -> str:
        return f"ConferenceVenue({self.key!r}, acronyms={sorted(self.acronyms)!r})"


def _edition_free(segment: str) -> list[str]:
    return [w for w in fold_text(segment).split() if w not in _EDITION_WORDS and not _EDITION_NUMBER.match(w)]


@lru_cache(maxsize=1 << 14)
def conference_venue(venue: str) -> ConferenceVenue:
    """The conference a venue names, for matching one database's name of a proceedings with another's.

    >>> conference_venue("51St Annual Hawaii International Conference On System Sciences (Hicss)")
    ConferenceVenue('hawaii international conference system sciences', acronyms=['hicss'])
    >>> conference_venue("ICIS - Thirty First International Conference on Information Systems")
    ConferenceVenue('international conference information systems', acronyms=['icis'])
    >>> conference_venue("Amcis 2017 Proceedings")
    ConferenceVenue('', acronyms=['amcis'])
    """
    text = html.unescape(venue)
    acronyms: set[str] = set()
    for match in _PARENTHESES.finditer(text):
        inner = fold_text(match.group(1))
        if _ACRONYM.match(inner) and inner not in _NOT_ACRONYMS:
            acronyms.add(inner)
    text = _PARENTHESES.sub(" ", text)
    name: list[str] = []
    for segment in _VENUE_SEGMENTS.split(text):
        words = _edition_free(segment)
        if (
            len(words) == 1
            and _ACRONYM.match(words[0])
            and words[0] not in _NOT_ACRONYMS
            and (segment.strip().isupper() or len(fold_text(segment).split()) > 1)
        ):
            # "ICIS : Transforming Society …", "…, ECISM", "Amcis 2017 Proceedings" (not a one-word name: "Stroke")
            acronyms.add(words[0])
        elif len(words) >= 2 and not name:
            name = words
        if not segment.isupper():
            acronyms.update(
                w.casefold()
                for w in segment.split()
                if w.isupper() and _ACRONYM.match(w.casefold()) and w.casefold() not in _NOT_ACRONYMS
            )
    key = " ".join(w for w in name if w not in _VENUE_STOPWORDS)
    return ConferenceVenue(key if len(key.split()) >= 2 else "", tuple(name), frozenset(acronyms))


@lru_cache(maxsize=1 << 14)
def acronym_of(acronym: str, words: tuple[str, ...]) -> bool:
    """Whether ``acronym`` is made of the starts of ``words`` in order: every content word gives at least its first
    letter, a stop word may give letters or none (``amcis`` ~ Americas Conference on Information Systems, ``soups``
    ~ Symposium On Usable Privacy and Security, ``hicss`` ~ Hawaii International Conference on System Sciences).

    >>> acronym_of("soups", ("symposium", "on", "usable", "privacy", "and", "security"))
    True
    >>> acronym_of("ecis", ("european", "conference", "on", "information", "systems", "management"))
    False
    """
    if len(words) < 2 or len(acronym) < len([w for w in words if w not in _VENUE_STOPWORDS]):
        return False

    @cache
    def fits(i: int, k: int) -> bool:
        if k == len(words):
            return i == len(acronym)
        word = words[k]
        if word in _VENUE_STOPWORDS and fits(i, k + 1):
            return True
        length = 1
        while i + length <= len(acronym) and length <= len(word) and acronym[i : i + length] == word[:length]:
            if fits(i + length, k + 1):
                return True
            length += 1
        return False

    return fits(0, 0)


def spelled(folded: str) -> str:
    """A folded text with every word in American spelling (:func:`american_spelling`)."""
    return " ".join(american_spelling(token) for token in folded.split())


def content_tokens(key: str) -> tuple[str, ...]:
    """The words of a title key that carry content (stop words and single letters dropped)."""
    return tuple(token for token in key.split() if token not in _STOPWORDS and (len(token) > 1 or token.isdigit()))


_EDITORIAL = re.compile(r"\b(?:editors?|editorials?|editor s|guest editors?|column|issue|volume)\b")


def is_generic(key: str, tokens: tuple[str, ...]) -> bool:
    """Whether a title key names a kind of item rather than a work (``Editorial``, ``Editor's comments``, ``Reply``,
    ``In this issue``), or is too short to identify one."""
    if len(tokens) < 3 or len(key) < 12 or key in GENERIC_TITLES:
        return True
    return len(tokens) <= 6 and _EDITORIAL.search(key) is not None
