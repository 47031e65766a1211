"""The protocol file ``review.toml``: what PROSPERO asks for, read with tomllib and checked key by key.

The file is the reviewers' own: sysreview writes it once, from a commented template (:func:`render_protocol`), and
never rewrites it, so that comments and layout survive. Reading it (:func:`load_protocol`) checks every key and
names the key in each error (``review.toml: key 'databases[2].date': expected a date like 2025-12-22, got 'Dec'``);
an unknown key is an error too, since a misspelt key would otherwise be silently ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from sysreview.errors import InputError
from sysreview.review import ScreeningPolicy

__all__ = [
    "OTHER_KINDS",
    "SEARCH_KINDS",
    "SOURCE_KINDS",
    "Analysis",
    "Eligibility",
    "Keywords",
    "Outcomes",
    "Picos",
    "Protocol",
    "Reviewer",
    "ScreeningPlan",
    "Source",
    "SourceKind",
    "Update",
    "load_protocol",
    "parse_protocol",
    "parse_source_kind",
    "render_protocol",
]

SourceKind = Literal["database", "register", "website", "organisation", "citations"]
#: where records come from, in PRISMA 2020's terms: databases and registers are searched and screened; websites,
#: organisations and citation searching are "other methods", whose reports go straight to retrieval
SOURCE_KINDS: Final[tuple[SourceKind, ...]] = ("database", "register", "website", "organisation", "citations")
SEARCH_KINDS: Final[tuple[SourceKind, ...]] = ("database", "register")
OTHER_KINDS: Final[tuple[SourceKind, ...]] = ("website", "organisation", "citations")


@dataclass(frozen=True, slots=True, kw_only=True)
class Picos:
    """The review question in PICOS terms (free text)."""

    population: str = ""
    intervention: str = ""
    comparison: str = ""
    outcomes: str = ""
    study_design: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Eligibility:
    """Inclusion and exclusion criteria, one per entry."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Keywords:
    """Words highlighted while screening: ``include`` in green, ``exclude`` in red (``*`` matches any ending)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A database or register searched (``[[databases]]``), or another method (``[[other_sources]]``)."""

    name: str
    kind: SourceKind = "database"
    platform: str = ""
    """The interface searched (Ovid, EBSCOhost …)."""
    search: str = ""
    """The search string as run."""
    coverage: str = ""
    """Dates covered (``inception to 2025-12-22``)."""
    date: dt.date | None = None
    """The date the search was run."""
    limits: str = ""
    """Filters and limits applied (language, humans …)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcomes:
    """Primary and secondary outcomes."""

    primary: tuple[str, ...] = ()
    secondary: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """The analysis plan."""

    effect_measures: tuple[str, ...] = ()
    synthesis: str = ""
    heterogeneity: str = ""
    subgroups: str = ""
    sensitivity: str = ""
    risk_of_bias: str = ""
    certainty: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningPlan:
    """Reviewers per record at each stage (1 single, 2 dual independent) and the full-text exclusion reasons."""

    title_abstract: int = 2
    full_text: int = 2
    exclusion_reasons: tuple[str, ...] = ()
    """The reasons a report may be excluded for at full text; empty: any reason the reviewer writes."""

    @property
    def policy(self) -> ScreeningPolicy:
        """The screening policy of the plan."""
        return ScreeningPolicy(title_abstract=self.title_abstract, full_text=self.full_text)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reviewer:
    """A member of the review team."""

    name: str
    role: str = ""
    """What they do (``screener``, ``arbiter``, ``extractor`` …)."""
    email: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Update:
    """For an update of a review: what the previous version included (PRISMA's "previous studies" box)."""

    previous_studies: int = 0
    previous_reports: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Protocol:
    """The contents of ``review.toml``."""

    title: str
    registration: str = ""
    """Registry and number, e.g. ``PROSPERO CRD42024507178``."""
    question: str = ""
    picos: Picos = field(default_factory=Picos)
    eligibility: Eligibility = field(default_factory=Eligibility)
    keywords: Keywords = field(default_factory=Keywords)
    databases: tuple[Source, ...] = ()
    other_sources: tuple[Source, ...] = ()
    outcomes: Outcomes = field(default_factory=Outcomes)
    analysis: Analysis = field(default_factory=Analysis)
    screening: ScreeningPlan = field(default_factory=ScreeningPlan)
    reviewers: tuple[Reviewer, ...] = ()
    update: Update = field(default_factory=Update)

    def source(self, name: str) -> Source | None:
        """The database, register or other source called ``name`` (case-insensitive), if the protocol lists it."""
        folded = name.strip().casefold()
        for source in (*self.databases, *self.other_sources):
            if source.name.casefold() == folded:
                return source
        return None

    @property
    def reviewer_names(self) -> tuple[str, ...]:
        """The reviewers' names, in the order listed."""
        return tuple(reviewer.name for reviewer in self.reviewers)


def parse_source_kind(value: str) -> SourceKind:
    """The kind of source ``value`` names (one of :data:`SOURCE_KINDS`, any case)."""
    folded = value.strip().lower() if isinstance(value, str) else ""
    for kind in SOURCE_KINDS:
        if folded == kind:
            return kind
    raise InputError(f"unknown kind of source {value!r}; choose one of {', '.join(SOURCE_KINDS)}")


# ---------------------------------------------------------------------- reading
T = TypeVar("T")


class _Reader:
    """Checks one table of the file; every error names the file and the full key."""

    def __init__(self, table: Mapping[str, Any], prefix: str, file: str) -> None:
        self.table = table
        self.prefix = prefix
        self.file = file
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, message: str) -> InputError:
        return InputError(f"key '{self.key(name)}': {message}", file=self.file)

    def get(self, name: str, check: Callable[[str, Any], T], default: T) -> T:
        self.used.add(name)
        if name not in self.table:
            return default
        return check(name, self.table[name])

    def text(self, name: str, *, required: bool = False) -> str:
        if required and name not in self.table:
            raise self.error(name, "is required")
        value = self.get(name, self._text, "")
        if required and not value.strip():
            raise self.error(name, "must not be empty")
        return value

    def _text(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.error(name, f"expected text in quotes, got {_show(value)}")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        return self.get(name, self._texts, ())

    def _texts(self, name: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.error(name, f'expected a list of texts like ["a", "b"], got {_show(value)}')
        for i, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise InputError(
                    f"key '{self.key(name)}[{i}]': expected text in quotes, got {_show(item)}", file=self.file
                )
        return tuple(value)

    def count(self, name: str, default: int, *, minimum: int) -> int:
        def check(key: str, value: Any) -> int:
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise self.error(key, f"expected a whole number of at least {minimum}, got {_show(value)}")
            return value

        return self.get(name, check, default)

    def date(self, name: str) -> dt.date | None:
        def check(key: str, value: Any) -> dt.date | None:
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            if isinstance(value, str):
                if not value.strip():
                    return None
                try:
                    return dt.date.fromisoformat(value.strip())
                except ValueError:
                    pass
            raise self.error(key, f"expected a date like 2025-12-22, got {_show(value)}")

        return self.get(name, check, None)

    def choice(self, name: str, choices: Sequence[T], default: T) -> T:
        def check(key: str, value: Any) -> T:
            for choice in choices:
                if value == choice:
                    return choice
            raise self.error(key, f"expected one of {', '.join(map(str, choices))}, got {_show(value)}")

        return self.get(name, check, default)

    def table_of(self, name: str) -> _Reader:
        self.used.add(name)
        value = self.table.get(name, {})
        if not isinstance(value, dict):
            raise self.error(name, f"expected a table ([{self.key(name)}]), got {_show(value)}")
        return _Reader(value, f"{self.key(name)}.", self.file)

    def array_of_tables(self, name: str) -> list[_Reader]:
        self.used.add(name)
        value = self.table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(name, f"expected tables written [[{self.key(name)}]], got {_show(value)}")
        return [_Reader(item, f"{self.key(name)}[{i}].", self.file) for i, item in enumerate(value, start=1)]

    def done(self) -> None:
        unknown = [name for name in self.table if name not in self.used]
        if unknown:
            known = ", ".join(sorted(self.used))
            raise self.error(unknown[0], f"unknown key (known keys here: {known})")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def load_protocol(path: str | Path) -> Protocol:
    """Read and check ``review.toml``; an error names the file and the key (or the line of a syntax error)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no protocol file here (create a project with `sysreview init`)", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the protocol: {error}", file=str(path)) from None
    return parse_protocol(text, file=str(path))


def parse_protocol(text: str, *, file: str = "review.toml") -> Protocol:
    """The protocol in the TOML ``text`` (``file`` names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML: {error}", file=file) from None
    top = _Reader(data, "", file)
    title = top.text("title", required=True)
    registration = top.text("registration")
    question = top.text("question")

    r = top.table_of("picos")
    picos = Picos(
        population=r.text("population"),
        intervention=r.text("intervention"),
        comparison=r.text("comparison"),
        outcomes=r.text("outcomes"),
        study_design=r.text("study_design"),
    )
    r.done()

    r = top.table_of("eligibility")
    eligibility = Eligibility(include=r.texts("include"), exclude=r.texts("exclude"))
    r.done()

    r = top.table_of("keywords")
    keywords = Keywords(include=r.texts("include"), exclude=r.texts("exclude"))
    r.done()

    database_tables = top.array_of_tables("databases")
    other_tables = top.array_of_tables("other_sources")
    databases = tuple(_source(r, SEARCH_KINDS) for r in database_tables)
    others = tuple(_source(r, OTHER_KINDS) for r in other_tables)
    seen: dict[str, str] = {}
    for r, source in zip((*database_tables, *other_tables), (*databases, *others), strict=True):
        folded = source.name.casefold()
        if folded in seen:
            raise r.error("name", f"{source.name!r} already names {seen[folded]}")
        seen[folded] = r.prefix.rstrip(".")

    r = top.table_of("outcomes")
    outcomes = Outcomes(primary=r.texts("primary"), secondary=r.texts("secondary"))
    r.done()

    r = top.table_of("analysis")
    analysis = Analysis(
        effect_measures=r.texts("effect_measures"),
        synthesis=r.text("synthesis"),
        heterogeneity=r.text("heterogeneity"),
        subgroups=r.text("subgroups"),
        sensitivity=r.text("sensitivity"),
        risk_of_bias=r.text("risk_of_bias"),
        certainty=r.text("certainty"),
    )
    r.done()

    r = top.table_of("screening")
    reasons = r.texts("exclusion_reasons")
    for i, reason in enumerate(reasons, start=1):
        problem = reason_problem(reason)
        if problem:
            raise InputError(f"key 'screening.exclusion_reasons[{i}]': {problem}", file=file)
    if len({reason.casefold() for reason in reasons}) != len(reasons):
        raise r.error("exclusion_reasons", "lists a reason twice")
    screening = ScreeningPlan(
        title_abstract=r.count("title_abstract", 2, minimum=1),
        full_text=r.count("full_text", 2, minimum=1),
        exclusion_reasons=reasons,
    )
    r.done()

    reviewers: list[Reviewer] = []
    for r in top.array_of_tables("reviewers"):
        name = r.text("name", required=True).strip()
        if name in {reviewer.name for reviewer in reviewers}:
            raise r.error("name", f"reviewer {name!r} is listed twice")
        reviewers.append(Reviewer(name=name, role=r.text("role"), email=r.text("email")))
        r.done()

    r = top.table_of("update")
    update = Update(
        previous_studies=r.count("previous_studies", 0, minimum=0),
        previous_reports=r.count("previous_reports", 0, minimum=0),
    )
    r.done()
    top.done()
    return Protocol(
        title=title,
        registration=registration,
        question=question,
        picos=picos,
        eligibility=eligibility,
        keywords=keywords,
        databases=databases,
        other_sources=others,
        outcomes=outcomes,
        analysis=analysis,
        screening=screening,
        reviewers=tuple(reviewers),
        update=update,
    )


def _source(r: _Reader, kinds: Sequence[SourceKind]) -> Source:
    source = Source(
        name=r.text("name", required=True).strip(),
        kind=r.choice("kind", kinds, kinds[0]),
        platform=r.text("platform"),
        search=r.text("search"),
        coverage=r.text("coverage"),
        date=r.date("date"),
        limits=r.text("limits"),
    )
    r.done()
    return source


def reason_problem(reason: str) -> str | None:
    """What is wrong with an exclusion reason, or None: PRISMA's table writes reasons as ``reason, n; reason, n``."""
    if not reason.strip():
        return "an exclusion reason must not be empty"
    if ";" in reason:
        return f"an exclusion reason cannot contain ';' (PRISMA separates reasons with it): {reason!r}"
    if "\n" in reason or "\r" in reason:
        return f"an exclusion reason is one line: {reason!r}"
    return None


# ---------------------------------------------------------------------- writing
def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string (JSON's escapes are TOML's, bar DEL which TOML also wants escaped)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


_TEMPLATE: Final[str] = """\
# The protocol of this systematic review: what PROSPERO asks for. sysreview reads this file (it never rewrites it,
# so your comments stay) and checks every key; an unknown or misspelt key is an error that names it.
# Text in "quotes"; long text in '''triple quotes'''; lists like ["a", "b"]; dates like 2025-12-22.

title = {title}
registration = ""   # e.g. "PROSPERO CRD42024507178"
question = ""       # the review question in one sentence

[picos]
population = ""
intervention = ""
comparison = ""
outcomes = ""
study_design = ""

[eligibility]
include = []   # inclusion criteria, one per entry
exclude = []   # exclusion criteria, one per entry

[keywords]
# highlighted while screening: include in green, exclude in red; "scar*" matches scar, scars, scarring …
include = []
exclude = []

# One [[databases]] table per database or register searched (kind = "database" or "register"), e.g.
# [[databases]]
# name = "PubMed"
# kind = "database"
# platform = "NCBI"
# search = '''("acne scar*" OR "atrophic acne") AND ("stromal vascular fraction" OR "ReCell")'''
# coverage = "inception to 2025-12-22"
# date = 2025-12-22
# limits = "humans"
#
# Other methods (kind = "website", "organisation" or "citations"; PRISMA sends their reports straight to retrieval):
# [[other_sources]]
# name = "Reference lists"
# kind = "citations"

[outcomes]
primary = []
secondary = []

[analysis]
effect_measures = []   # e.g. ["SMD", "RR"]
synthesis = ""         # model and estimator, e.g. "random effects, REML, Hartung-Knapp"
heterogeneity = ""
subgroups = ""
sensitivity = ""
risk_of_bias = ""      # e.g. "RoB 2 for RCTs, ROBINS-I for non-randomised studies"
certainty = ""         # e.g. "GRADE"

[screening]
title_abstract = 2     # reviewers per record: 1 = single screening, 2 = dual independent screening
full_text = 2
exclusion_reasons = [] # full-text exclusion reasons (PRISMA counts them); empty: reviewers write their own
{reviewers}
[update]
# for an update of a review: studies and reports included in the previous version
previous_studies = 0
previous_reports = 0
"""


def render_protocol(title: str, *, reviewers: Sequence[str] = ()) -> str:
    """The text of a new ``review.toml``: the commented template with the title and reviewers filled in."""
    if not title.strip():
        raise InputError("the review needs a title")
    names = [name.strip() for name in reviewers]
    if any(not name for name in names):
        raise InputError("a reviewer's name must not be empty")
    if len(set(names)) != len(names):
        raise InputError("a reviewer is named twice")
    if names:
        blocks = [
            f'\n[[reviewers]]\nname = {_toml_string(name)}\nrole = ""   # screener, arbiter …\n' for name in names
        ]
        reviewer_text = "".join(blocks)
    else:
        reviewer_text = (
            "\n# One [[reviewers]] table per reviewer; when any are listed, only they can record decisions.\n"
            '# [[reviewers]]\n# name = "YZS"\n# role = "screener"   # screener, arbiter …\n'
        )
    return _TEMPLATE.format(title=_toml_string(title), reviewers=reviewer_text)
