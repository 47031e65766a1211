"""A synthetic two-database search with the true duplicate groups: the same articles exported by two databases with
realistic formatting differences, plus near-miss non-duplicates that must never be merged.

Differences between the two exports of one article: HTML entities and Unicode, Greek letters spelt out, British and
American spelling, punctuation and case, dropped subtitles, translated titles tagged ``[Chinese]`` or bracketed,
initials against full names, journal abbreviations, abbreviated page ranges (``123-9``), missing DOIs, DOI case and
prefixes, online-first years. Near misses: errata, retraction notices, comments and replies with the title of the
article; parts 1 and 2 of a series; numbered trials (FOCUS 1/FOCUS 2); same-titled editorials in different years;
a conference paper and its journal version; same-titled studies by other authors.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sysreview.records import Record

__all__ = ["SyntheticSearch", "two_database_search"]

_SURNAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Luo",
    "Gao",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "Costa",
    "Giordano",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
    "Yoshida",
    "Yamada",
    "Sasaki",
    "Yamaguchi",
    "Kim",
    "Park",
    "Choi",
    "Jung",
    "Kang",
    "Cho",
    "Yoon",
    "Jang",
    "Lim",
    "Han",
    "Oh",
    "Seo",
    "Shin",
    "Kwon",
    "Hwang",
    "Ahn",
    "Song",
    "Yoo",
    "Hong",
    "Jeon",
    "O'Brien",
    "McDonald",
    "MacLeod",
    "van_der_Berg",
    "de_Jong",
    "van_Dijk",
    "Janssen",
    "de_Vries",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Larsen",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
]
_GIVEN = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Wei",
    "Jing",
    "Hui",
    "Xiaoming",
    "Yan",
    "Hans",
    "Anna",
    "Peter",
    "Eva",
    "Jean",
    "Marie",
    "Pierre",
    "Claire",
    "Marco",
    "Giulia",
    "Luca",
    "Sofia",
    "Hiroshi",
    "Yuki",
    "Min-jun",
    "Seo-yeon",
    "Jan",
    "Anne",
    "Lars",
    "Ingrid",
    "Sven",
    "Karin",
    "Ana",
    "José",
    "Luis",
    "Carmen",
]
_INTERVENTIONS = (
    "exercise training", "β-blockers", "metformin", "cognitive behavioural therapy", "acupuncture", "vitamin D",
    "early mobilisation", "telehealth follow-up", "mindfulness training", "high-intensity interval training",
    "TNF-α inhibitors", "probiotic supplementation", "nurse-led counselling", "aspirin", "statin therapy",
    "music therapy", "yoga", "omega-3 fatty acids", "SGLT2 inhibitors", "physiotherapy", "GLP-1 receptor agonists",
    "robot-assisted gait training", "smoking cessation counselling", "low-dose CT screening", "iron supplementation",
    "interferon-γ", "transcranial magnetic stimulation", "dietary sodium reduction", "home-based rehabilitation",
)  # fmt: skip
_OUTCOMES = (
    "glycaemic control", "depressive symptoms", "haemorrhage risk", "tumour progression", "behaviour problems",
    "quality of life", "all-cause mortality", "oedema", "anaemia", "cardiovascular events", "functional recovery",
    "hospital readmission", "paediatric asthma control", "postoperative pain", "blood pressure", "bone density",
    "cognitive decline", "fatigue", "sleep quality", "weight loss", "falls", "renal function", "wound healing",
)  # fmt: skip
_POPULATIONS = (
    "older adults", "children with asthma", "patients with type 2 diabetes", "stroke survivors",
    "women with breast cancer", "patients with heart failure", "adolescents", "nursing home residents",
    "patients with chronic kidney disease", "pregnant women", "patients after hip fracture", "shift workers",
    "patients with COPD", "people living with HIV", "veterans with PTSD", "primary care patients",
)  # fmt: skip
_DESIGNS = (
    "a randomised controlled trial", "a systematic review and meta-analysis", "a cohort study",
    "a multicentre randomised trial", "a pilot study", "a cross-sectional analysis", "results of a cluster trial",
    "a prospective observational study", "a case-control study",
)  # fmt: skip
_OPENERS = ("Effect of", "Efficacy of", "Safety and efficacy of", "Impact of", "Long-term effects of", "Role of")
_JOURNALS = (
    ("Journal of Clinical Oncology", "J Clin Oncol"),
    ("The New England Journal of Medicine", "N Engl J Med"),
    ("British Medical Journal", "Br Med J"),
    ("Journal of the American Medical Association", "J Am Med Assoc"),
    ("American Journal of Epidemiology", "Am J Epidemiol"),
    ("Journal of Internal Medicine", "J Intern Med"),
    ("Archives of Physical Medicine and Rehabilitation", "Arch Phys Med Rehabil"),
    ("Diabetes Care", "Diabetes Care"),
    ("Journal of Affective Disorders", "J Affect Disord"),
    ("European Heart Journal", "Eur Heart J"),
    ("Clinical Rehabilitation", "Clin Rehabil"),
    ("Journal of Pediatrics", "J Pediatr"),
    ("American Journal of Respiratory and Critical Care Medicine", "Am J Respir Crit Care Med"),
    ("Journal of Psychosomatic Research", "J Psychosom Res"),
    ("International Journal of Nursing Studies", "Int J Nurs Stud"),
    ("Proceedings of the National Academy of Sciences", "Proc Natl Acad Sci"),
    ("Journal of Veterinary Internal Medicine", "J Vet Intern Med"),
    ("Stroke", "Stroke"),
    ("Chinese Journal of Cerebrovascular Diseases", "Chin J Cerebrovasc Dis"),
    ("Journal of Bone and Mineral Research", "J Bone Miner Res"),
)
_AMERICAN = {
    "randomised": "randomized", "behavioural": "behavioral", "mobilisation": "mobilization",
    "counselling": "counseling", "glycaemic": "glycemic", "haemorrhage": "hemorrhage", "tumour": "tumor",
    "behaviour": "behavior", "oedema": "edema", "anaemia": "anemia", "paediatric": "pediatric",
    "multicentre": "multicenter",
}  # fmt: skip
_GREEK = {"β": ("&beta;", "beta"), "α": ("&alpha;", "alpha"), "γ": ("&gamma;", "gamma")}


@dataclass(frozen=True, slots=True)
class SyntheticSearch:
    """Two exports of one search and the true duplicate groups (lists of record ids, each of two or more)."""

    records: tuple[Record, ...]
    """Database A's records, then database B's (ids ``A…`` and ``B…``)."""
    groups: tuple[tuple[str, ...], ...]
    near_misses: tuple[tuple[str, str, str], ...]
    """Pairs that look alike but are different items: ``(id, id, kind)``."""


@dataclass(slots=True)
class _Item:
    title: str
    authors: list[tuple[str, str]]
    year: int
    journal: tuple[str, str]
    volume: int
    issue: int
    first_page: int
    last_page: int
    doi: str | None
    kind: str = "JOUR"
    subtitle: str = ""
    chinese: bool = False


def _title(rng: random.Random) -> tuple[str, str]:
    main = (
        f"{rng.choice(_OPENERS)} {rng.choice(_INTERVENTIONS)} on {rng.choice(_OUTCOMES)} in {rng.choice(_POPULATIONS)}"
    )
    return main, rng.choice(_DESIGNS)


def _american(text: str) -> str:
    words = text.split(" ")
    return " ".join(_AMERICAN.get(w.lower(), w) if w.lower() in _AMERICAN else w for w in words)


def _vary_title(rng: random.Random, item: _Item) -> str:
    title = item.title + (f": {item.subtitle}" if item.subtitle else "")
    if item.subtitle and rng.random() < 0.15:
        title = item.title  # subtitle dropped
    if rng.random() < 0.5:
        title = _american(title)
    for letter, (entity, spelt) in _GREEK.items():
        if letter in title:
            title = title.replace(letter, rng.choice((entity, spelt, letter)))
    roll = rng.random()
    if roll < 0.2:
        title = title.replace(": ", " - ")
    elif roll < 0.3:
        title = title.replace("-", " ")
    if rng.random() < 0.3:
        title = title.title() if rng.random() < 0.5 else title.lower().capitalize()
    if rng.random() < 0.3:
        title += "."
    if item.chinese:
        title = rng.choice((f"{title} [Chinese]", f"[{title}]"))
    return title.replace("&", "&amp;") if rng.random() < 0.1 and "&" in title else title


def _vary_authors(rng: random.Random, authors: list[tuple[str, str]], style: str) -> tuple[str, ...]:
    names = []
    for name, given in authors:
        surname = name.replace("_", " ")
        initials = "".join(part[0] for part in given.replace("-", " ").split()).upper()
        if style == "full":
            names.append(f"{surname}, {given}")
        elif style == "initials":
            names.append(f"{surname} {initials}")
        else:
            names.append(f"{surname}, {'. '.join(initials)}.")
    if len(names) > 6 and rng.random() < 0.3:
        names = names[:6]  # one database truncates the author list
    return tuple(names)


def _pages(rng: random.Random, first: int, last: int) -> str:
    if rng.random() < 0.5 and last > first and len(str(last)) == len(str(first)):
        digits = str(last)
        common = 0
        while common < len(digits) - 1 and digits[common] == str(first)[common]:
            common += 1
        return f"{first}-{digits[common:]}"  # 1234-9
    return f"{first}-{last}"


def _vary_doi(rng: random.Random, doi: str | None) -> str | None:
    if doi is None or rng.random() < 0.25:
        return None
    roll = rng.random()
    if roll < 0.3:
        return "https://doi.org/" + doi
    if roll < 0.5:
        return "doi:" + doi.upper()
    return doi


def _record(rng: random.Random, item: _Item, record_id: str, database: str, *, style: str, abbreviate: bool) -> Record:
    year = item.year
    if database == "B" and item.doi and rng.random() < 0.1:
        year = item.year - 1  # online first
    return Record(
        id=record_id,
        title=_vary_title(rng, item),
        authors=_vary_authors(rng, item.authors, style),
        year=year,
        journal=item.journal[1] if abbreviate else item.journal[0],
        volume=str(item.volume),
        issue=str(item.issue) if rng.random() < 0.9 else None,
        pages=_pages(rng, item.first_page, item.last_page) if item.first_page else None,
        doi=_vary_doi(rng, item.doi),
        type=item.kind,
        database=database,
    )


def _authors(rng: random.Random) -> list[tuple[str, str]]:
    return [(rng.choice(_SURNAMES), rng.choice(_GIVEN)) for _ in range(rng.randint(1, 9))]


def _doi(rng: random.Random) -> str:
    return f"10.{rng.randint(1000, 9999)}/{rng.choice('abcdefghjk')}{rng.randint(10**6, 10**7)}"


def _item(rng: random.Random) -> _Item:
    main, subtitle = _title(rng)
    journal = rng.choice(_JOURNALS)
    first = rng.randint(1, 3000)
    return _Item(
        title=main,
        subtitle=subtitle,
        authors=_authors(rng),
        year=rng.randint(1995, 2023),
        journal=journal,
        volume=rng.randint(1, 400),
        issue=rng.randint(1, 12),
        first_page=first,
        last_page=first + rng.randint(3, 15),
        doi=_doi(rng) if rng.random() < 0.8 else None,
        chinese="Chinese" in journal[0] and rng.random() < 0.7,
    )


def _near_misses(rng: random.Random, base: _Item) -> list[tuple[_Item, str]]:
    """Items that look like ``base`` but are other items, with their kind."""
    out: list[tuple[_Item, str]] = []
    kind = rng.choice(("erratum", "part", "editorial", "conference", "other-authors", "retraction", "comment",
                       "numbered"))  # fmt: skip
    later = base.first_page + rng.randint(20, 300)
    if kind == "erratum":
        title = rng.choice((f"Erratum: {base.title}", f"Correction to: {base.title}", f"{base.title}: Correction"))
        out.append((_Item(title, base.authors, base.year + rng.randint(0, 1), base.journal, base.volume,
                          base.issue + 1, later, later, _doi(rng) if base.doi else None), kind))  # fmt: skip
    elif kind == "retraction":
        title = rng.choice((f'Retraction notice to "{base.title}"', f"Retraction: {base.title}"))
        out.append((_Item(title, [], base.year + 1, base.journal, base.volume + 1, 1, later, later, None), kind))
    elif kind == "comment":
        title = rng.choice((f"Comment on: {base.title}", f"Reply to: {base.title}", f"{base.title}: a reply"))
        out.append((_Item(title, _authors(rng), base.year, base.journal, base.volume, base.issue, later, later + 1,
                          None), kind))  # fmt: skip
    elif kind == "part":
        base.title = f"{base.title}. Part 1"
        out.append((_Item(base.title.replace("Part 1", "Part 2"), base.authors, base.year, base.journal, base.volume,
                          base.issue, base.last_page + 1, base.last_page + 12, _doi(rng)), kind))  # fmt: skip
    elif kind == "numbered":
        acronym = rng.choice(("FOCUS", "SPRINT", "ACCORD", "PROACT", "ATLAS"))
        base.title = f"{acronym} 1: {base.title}"
        out.append((_Item(base.title.replace(f"{acronym} 1", f"{acronym} 2"), base.authors, base.year, base.journal,
                          base.volume, base.issue, base.last_page + 1, base.last_page + 12, None), kind))  # fmt: skip
    elif kind == "editorial":
        title = rng.choice(("Editorial", "Year in review", "Highlights of this issue", "Editor's comments"))
        editor = base.authors[:1]
        base.title, base.subtitle, base.authors = title, "", editor
        base.first_page = base.last_page = rng.randint(1, 20)
        year_gap = rng.randint(2, 5)
        out.append((_Item(title, editor, base.year + year_gap, base.journal, base.volume + year_gap, base.issue, 1, 2,
                          None), kind))  # fmt: skip
    elif kind == "conference":
        out.append((_Item(base.title, base.authors, base.year - rng.randint(0, 1),
                          (f"Proceedings of the {rng.randint(10, 40)}th Annual Meeting", "Proc Annu Meet"), 1, 1,
                          rng.randint(1, 500), 0, None, kind="CONF", subtitle=base.subtitle), kind))  # fmt: skip
        out[-1][0].last_page = out[-1][0].first_page + 5
    else:
        other = _Item(base.title, _authors(rng), base.year + rng.randint(-6, 6), rng.choice(_JOURNALS),
                      rng.randint(1, 400), 1, rng.randint(1, 900), 0, _doi(rng) if rng.random() < 0.5 else None,
                      subtitle=base.subtitle)  # fmt: skip
        other.last_page = other.first_page + 8
        if other.year == base.year and other.authors[0][0] == base.authors[0][0]:
            other.year += 2
        out.append((other, kind))
    return out


def two_database_search(
    n_articles: int = 1000, *, seed: int = 1, overlap: float = 0.6, near_miss_rate: float = 0.2
) -> SyntheticSearch:
    """Simulate a search of two databases (A: full journal names and full author names; B: abbreviations and
    initials) that found ``n_articles`` different articles, ``overlap`` of them in both.

    Each near miss is a different item made from one article (an erratum, retraction notice, comment, part 2,
    numbered trial, same-titled editorial of another year, conference version, same title by other authors); it is
    exported by one or both databases like any other item.
    """
    rng = random.Random(seed)
    items: list[_Item] = []
    near: list[tuple[int, int, str]] = []
    for _ in range(n_articles):
        base = _item(rng)
        items.append(base)
        base_index = len(items) - 1
        if rng.random() < near_miss_rate:
            for other, kind in _near_misses(rng, base):
                items.append(other)
                near.append((base_index, len(items) - 1, kind))
    records: list[Record] = []
    ids_of: dict[int, list[str]] = {}
    b_records: list[tuple[int, Record]] = []
    for k, item in enumerate(items):
        in_a = rng.random() < (1 + overlap) / 2
        in_b = not in_a or rng.random() < overlap / ((1 + overlap) / 2)
        if in_a:
            record_id = f"A{len(records) + 1}"
            records.append(_record(rng, item, record_id, "A", style="full", abbreviate=False))
            ids_of.setdefault(k, []).append(record_id)
        if in_b:
            style = rng.choice(("initials", "dotted"))
            b_records.append((k, _record(rng, item, "", "B", style=style, abbreviate=rng.random() < 0.8)))
    rng.shuffle(b_records)
    from dataclasses import replace  # noqa: PLC0415 (only here)

    for n, (k, record) in enumerate(b_records, start=1):
        record_id = f"B{n}"
        records.append(replace(record, id=record_id))
        ids_of.setdefault(k, []).append(record_id)
    groups = tuple(tuple(ids) for ids in ids_of.values() if len(ids) > 1)
    pairs = tuple((x, y, kind) for a, b, kind in near for x in ids_of.get(a, []) for y in ids_of.get(b, []))
    return SyntheticSearch(records=tuple(records), groups=groups, near_misses=pairs)
