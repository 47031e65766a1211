"""The claims of a review: what it reports, as transcribed (docs/claims.md documents the format).

:func:`parse_claims` reads a parsed claims document into frozen objects; every field is checked once here, so
that the checks can trust what they get, and every error names the file, the line and the field. Reported
numbers keep their printed precision (:class:`~sysreview.audit._numbers.Reported`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from sysreview.appraisal import normalise_judgement, parse_tool
from sysreview.audit._loader import Node
from sysreview.audit._numbers import Reported
from sysreview.effects import MEASURES
from sysreview.errors import InputError
from sysreview.models import METHODS

__all__ = [
    "FORMAT_VERSION",
    "Analysis",
    "Arm",
    "Claims",
    "CountClaim",
    "Criterion",
    "DataRow",
    "EffectClaim",
    "EffectRange",
    "Eligibility",
    "Estimate",
    "MeanClaim",
    "OutcomeInfo",
    "ParticipantClaim",
    "PercentClaim",
    "PrismaReport",
    "RobRow",
    "RobTable",
    "Study",
    "SubgroupClaim",
    "SubgroupGroup",
    "measure_scale",
    "parse_claims",
]

#: the version of the claims format this module reads (the ``sysreview_claims`` key)
FORMAT_VERSION: Final = 1

#: scales of reported measures that are not escalc codes (hazard ratios and generic effects)
_EXTRA_SCALES: Final = MappingProxyType({"HR": "log", "GEN": "identity", "RoM": "log"})
#: designs in which every participant receives both interventions (one participant, two "arms")
_PAIRED_DESIGN = re.compile(
    r"split[- ]?(face|body|mouth|scar)|within[- ]?(person|patient|subject)|cross[- ]?over|"
    r"intra[- ]?individual|self[- ]?control",
    re.IGNORECASE,
)


def measure_scale(measure: str | None, scale: str | None = None) -> str | None:
    """The analysis scale of a measure: ``log`` for ratios, ``identity`` for differences, None if unknown."""
    if scale is not None:
        return scale
    if measure is None:
        return None
    known = MEASURES.get(measure)
    if known is not None:
        return known.scale
    return _EXTRA_SCALES.get(measure)


# ---------------------------------------------------------------------- objects
@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    """A reported estimate with what goes with it (interval, SE, p-value), on the natural scale unless
    ``model_scale`` (results.json gives log ratios)."""

    key: str  # unique within the claims: the subject of findings about this estimate
    subject: str  # in words
    measure: str | None
    scale: str | None  # "log", "identity" or another escalc scale; None when unknown
    estimate: Reported | None
    lower: Reported | None
    upper: Reported | None
    se: Reported | None
    pvalue: Reported | None
    level: float
    test: str  # z, t, knha, adhoc
    df: float | None
    source: str
    model_scale: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeInfo:
    """What the claims say about an outcome: words that name it in study tables, whether it is an integer scale."""

    name: str
    match: tuple[str, ...]
    integer: bool
    items: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PercentClaim:
    """A percentage with its denominator (a proportion of ``n`` participants, studies …)."""

    what: str
    value: Reported
    n: int
    source: str
    study: str | None = None
    arm: int | None = None  # index of the arm, for a percentage of one group


@dataclass(frozen=True, slots=True, kw_only=True)
class MeanClaim:
    """A mean of an integer-valued scale with its sample size (for the GRIM test)."""

    what: str
    value: Reported
    n: int
    items: int
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Study:
    """One row of the review's table of included studies."""

    id: str
    label: str
    source: str
    design: str | None
    paired: bool
    n: Reported | None
    arms: tuple[int, ...]
    fields: Mapping[str, str]  # country, intervention, control, follow_up, age, scar type … as printed
    age_mean: Reported | None
    age_sd: Reported | None
    percentages: tuple[PercentClaim, ...]
    outcomes: tuple[str, ...]
    citations: tuple[str, ...]
    marked_excluded: str | None
    listed: bool = True  # a row of the review's table of included studies (False: seen only in another table)

    def field(self, name: str) -> str | None:
        """A characteristic by name (``design``, ``label`` and the free fields)."""
        if name == "design":
            return self.design
        if name == "label":
            return self.label
        return self.fields.get(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Arm:
    """One group's data for one outcome: ``mean``/``sd`` are the analysed values (e.g. change from baseline)."""

    group: str
    n: int
    mean: Reported | None = None
    sd: Reported | None = None
    baseline_mean: Reported | None = None
    baseline_sd: Reported | None = None
    followup_mean: Reported | None = None
    followup_sd: Reported | None = None
    events: int | None = None
    percent: Reported | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataRow:
    """Arm-level data of one study for one outcome, as the review's table prints them (first arm: intervention)."""

    study: str
    outcome: str
    kind: str  # "continuous" or "binary"
    arms: tuple[Arm, ...]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectClaim:
    """A per-study effect the review reports."""

    study: str
    outcome: str
    estimate: Estimate


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectRange:
    """A reported range of per-study effects ("effect sizes ranged from −0.70 to −1.40")."""

    outcome: str
    measure: str
    minimum: Reported
    maximum: Reported
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupGroup:
    name: str
    estimate: Estimate
    studies: tuple[str, ...] | None
    k: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupClaim:
    """Subgroup estimates and the reported test for subgroup differences."""

    key: str
    variable: str
    groups: tuple[SubgroupGroup, ...]
    pvalue: Reported | None
    Q: Reported | None
    df: int | None
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """A reported pooled result."""

    id: str
    outcome: str
    measure: str | None
    method: str | None  # as stated (None: not stated)
    k: int | None
    n: Reported | None
    studies: tuple[str, ...] | None  # members, where the review says
    estimate: Estimate
    tau2: Reported | None
    I2: Reported | None  # percent
    Q: Reported | None
    Q_pvalue: Reported | None
    pi_lower: Reported | None
    pi_upper: Reported | None
    subgroups: SubgroupClaim | None
    source: str
    restatements: tuple[Estimate, ...] = ()  # the same result printed again elsewhere (text, abstract, figure)
    from_results: bool = False  # a sysreview results.json analysis (full-precision numbers)
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RobRow:
    study: str
    judgements: tuple[str, ...]  # as printed, one per column
    overall: str
    levels: tuple[str, ...]  # the judgements in the tool's words (robvis spelling)
    overall_level: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RobTable:
    tool: str  # as written ("RoB 2", "ROBINS-I" …)
    code: str  # "rob2" or "robins-i"
    columns: tuple[str, ...]
    rows: tuple[RobRow, ...]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PrismaReport:
    """The flow counts of one place in the review (text, figure, caption); absent counts are None."""

    source: str
    counts: Mapping[str, int]
    databases: Mapping[str, int | None]  # name → records (None when only named)
    databases_stated: int | None  # "7 databases"
    reasons: Mapping[str, Mapping[str, int]]  # "screening" / "full_text" → reason → count
    composition: Mapping[str, int]  # included studies by kind ("parallel RCTs": 10 …)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantClaim:
    """A reported number of participants: of all studies, of some, of an analysis, or a total with its parts."""

    what: str
    reported: Reported
    scope: str  # "all", "studies", "analysis", "parts"
    studies: tuple[str, ...]
    analysis: str | None
    parts: Mapping[str, int]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CountClaim:
    """A reported number of included studies with some characteristic ("China: 12")."""

    what: str
    reported: int
    field: str
    match: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """A stated eligibility criterion on one study characteristic, as words that must (not) appear in it."""

    field: str
    include_match: tuple[str, ...]
    exclude_match: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Eligibility:
    source: str
    text: str
    include_designs: tuple[str, ...]
    exclude_designs: tuple[str, ...]
    comparative: bool
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Claims:
    """Everything a review reports that the audit can check."""

    file: str
    title: str | None
    level: float
    alpha: float
    outcomes: Mapping[str, OutcomeInfo]
    studies: tuple[Study, ...]
    included_citations: tuple[str, ...]
    data: tuple[DataRow, ...]
    effects: tuple[EffectClaim, ...]
    effect_ranges: tuple[EffectRange, ...]
    analyses: tuple[Analysis, ...]
    risk_of_bias: tuple[RobTable, ...]
    prisma: tuple[PrismaReport, ...]
    participants: tuple[ParticipantClaim, ...]
    percentages: tuple[PercentClaim, ...]
    means: tuple[MeanClaim, ...]
    study_counts: tuple[CountClaim, ...]
    eligibility: Eligibility | None

    @property
    def listed(self) -> tuple[Study, ...]:
        """The rows of the review's table of included studies."""
        return tuple(s for s in self.studies if s.listed)

    def study(self, study_id: str) -> Study | None:
        for s in self.studies:
            if s.id == study_id:
                return s
        return None

    def label(self, study_id: str) -> str:
        """The study's label for messages (its id when it has no row in the table of studies)."""
        found = self.study(study_id)
        return found.label if found is not None else study_id

    def outcome(self, name: str) -> OutcomeInfo:
        return self.outcomes.get(name) or OutcomeInfo(name=name, match=(name,), integer=False, items=1)


# ---------------------------------------------------------------------- reading
_TOP = (
    "sysreview_claims",
    "review",
    "settings",
    "outcomes",
    "studies",
    "included_citations",
    "data",
    "effects",
    "effect_ranges",
    "analyses",
    "risk_of_bias",
    "prisma",
    "participants",
    "percentages",
    "means",
    "study_counts",
    "eligibility",
)
_STUDY_FIELDS = (
    "id",
    "label",
    "source",
    "design",
    "paired",
    "n",
    "arms",
    "country",
    "intervention",
    "control",
    "follow_up",
    "age",
    "percentages",
    "outcomes",
    "characteristics",
    "citations",
    "marked_excluded",
    "listed",
)
_PRISMA_COUNTS = (
    "records",
    "records_other_sources",
    "duplicates_removed",
    "other_removed",
    "screened",
    "screening_excluded",
    "sought",
    "not_retrieved",
    "assessed",
    "full_text_excluded",
    "included",
    "included_other_sources",
    "in_meta_analysis",
)
_TESTS = ("z", "t", "knha", "adhoc")


def _where(node: Node, source: str | None, fallback: str) -> str:
    if source:
        return source
    return f"{fallback} (claims line {node.line})" if node.line else fallback


def parse_claims(doc: Any, *, file: str) -> Claims:
    """Read a claims document (see docs/claims.md) into :class:`Claims`; InputError names file, line and field."""
    root = Node(doc, file=file).mapping(allowed=_TOP, required=("sysreview_claims",))
    version = root.count("sysreview_claims")
    if version != FORMAT_VERSION:
        raise root.child("sysreview_claims").error(
            f"this sysreview reads claims format {FORMAT_VERSION}, not {version}"
        )
    review = root.child("review")
    title = review.mapping().text("title") if review.value is not None else None
    settings = root.child("settings")
    level, alpha = 0.95, 0.05
    if settings.value is not None:
        settings.mapping(allowed=("level", "alpha"))
        level = _level(settings, "level", 0.95)
        alpha = _level(settings, "alpha", 0.05)
    outcomes = _outcomes(root.child("outcomes"))
    studies = tuple(_study(node) for node in root.list("studies"))
    _unique(root.list("studies"), [s.id for s in studies], "study id")
    known = {s.id for s in studies}
    data = tuple(_data_row(node) for node in root.list("data"))
    effects = tuple(_effect(node, level) for node in root.list("effects"))
    analyses = tuple(_analysis(node, level) for node in root.list("analyses"))
    _unique(root.list("analyses"), [a.id for a in analyses], "analysis id")
    _unique(root.list("effects"), [e.estimate.key for e in effects], "effect (study, outcome, measure)")
    claims = Claims(
        file=file,
        title=title,
        level=level,
        alpha=alpha,
        outcomes=outcomes,
        studies=studies,
        included_citations=root.texts("included_citations"),
        data=data,
        effects=effects,
        effect_ranges=tuple(_effect_range(node) for node in root.list("effect_ranges")),
        analyses=analyses,
        risk_of_bias=tuple(_rob_table(node) for node in root.list("risk_of_bias")),
        prisma=tuple(_prisma(node) for node in root.list("prisma")),
        participants=tuple(_participants(node) for node in root.list("participants")),
        percentages=tuple(_percent(node) for node in root.list("percentages")),
        means=tuple(_mean(node) for node in root.list("means")),
        study_counts=tuple(_count(node) for node in root.list("study_counts")),
        eligibility=_eligibility(root.child("eligibility")) if root.has("eligibility") else None,
    )
    _check_references(root, claims, known)
    return claims


def _level(node: Node, key: str, default: float) -> float:
    value = node.number(key)
    if value is None:
        return default
    if value > 1:
        value /= 100
    if not 0 < value < 1:
        raise node.child(key).error("must lie between 0 and 1 (or 0 and 100 percent)")
    return value


def _unique(nodes: list[Node], keys: list[str], what: str) -> None:
    seen: set[str] = set()
    for node, key in zip(nodes, keys, strict=True):
        if key in seen:
            raise node.error(f"{what} {key!r} is given twice")
        seen.add(key)


def _check_references(root: Node, claims: Claims, known: set[str]) -> None:
    """Every study a claim names is in ``studies``; every analysis a participant claim names exists."""
    if not claims.studies:
        return
    named: list[tuple[Node, str]] = []
    for node in root.list("data"):
        named.append((node.child("study"), node.req_text("study")))
    for node in root.list("effects"):
        named.append((node.child("study"), node.req_text("study")))
    for node in root.list("analyses"):
        named.extend((node.child("studies"), s) for s in node.texts("studies"))
        sub = node.child("subgroups")
        for group in sub.list("groups") if sub.value is not None else []:
            named.extend((group.child("studies"), s) for s in group.texts("studies"))
    for table in root.list("risk_of_bias"):
        named.extend((row.child("study"), row.req_text("study")) for row in table.list("rows"))
    for node in root.list("participants"):
        if isinstance(node.child("studies").value, list):
            named.extend((node.child("studies"), s) for s in node.texts("studies"))
    for node, study in named:
        if study not in known:
            raise node.error(f"study {study!r} is not among the studies (ids: {', '.join(sorted(known))})")
    analyses = {a.id for a in claims.analyses}
    for node, claim in zip(root.list("participants"), claims.participants, strict=True):
        if claim.analysis is not None and claim.analysis not in analyses:
            raise node.child("analysis").error(f"no analysis with id {claim.analysis!r}")


def _outcomes(node: Node) -> Mapping[str, OutcomeInfo]:
    if node.value is None:
        return MappingProxyType({})
    node.mapping()
    out: dict[str, OutcomeInfo] = {}
    for name, item in node.items():
        if item.value is None:
            out[name] = OutcomeInfo(name=name, match=(name,), integer=False, items=1)
            continue
        item.mapping(allowed=("match", "integer", "items", "description"))
        out[name] = OutcomeInfo(
            name=name,
            match=item.texts("match") or (name,),
            integer=item.boolean("integer", default=False),
            items=item.count("items", positive=True) or 1,
        )
    return MappingProxyType(out)


def _study(node: Node) -> Study:
    node.mapping(allowed=_STUDY_FIELDS, required=("id",))
    study_id = node.req_text("id")
    label = node.text("label") or study_id
    source = _where(node, node.text("source"), f"study {study_id}")
    design = node.text("design")
    n = node.reported("n")
    if n is not None and not n.approximate and (n.is_bound or n.value != round(n.value) or n.value < 1):
        raise node.child("n").error(
            f"must be a whole number of participants (∼500 for an approximate one), got {n.text!r}"
        )
    arms = tuple(c for c in (item.count(positive=False) for item in node.list("arms")) if c is not None)
    fields: dict[str, str] = {}
    for key in ("country", "intervention", "control", "follow_up"):
        text = node.text(key)
        if text is not None:
            fields[key] = text
    characteristics = node.child("characteristics")
    if characteristics.value is not None:
        for key, item in characteristics.mapping().items():
            if item.value is not None:
                fields[key] = item.text_value() if not isinstance(item.value, int | float) else str(item.value)
    age_mean = age_sd = None
    age = node.child("age")
    if age.value is not None:
        age.mapping(allowed=("mean", "sd"))
        age_mean, age_sd = age.reported("mean"), age.reported("sd")
        fields["age"] = " ± ".join(r.show() for r in (age_mean, age_sd) if r is not None)
    percentages: list[PercentClaim] = []
    pct = node.child("percentages")
    if pct.value is not None:
        for what, item in pct.mapping().items():
            value = item.reported()
            if value is None or value.approximate or value.is_bound:
                continue
            if n is None or n.approximate:
                raise item.error("a percentage of a study needs the study's n (a whole number)")
            _check_percent_value(item, value)
            percentages.append(
                PercentClaim(what=f"{what} % of {label}", value=value, n=int(n.value), source=source, study=study_id)
            )
    paired = node.boolean("paired", default=bool(design and _PAIRED_DESIGN.search(design)))
    return Study(
        id=study_id,
        label=label,
        source=source,
        design=design,
        paired=paired,
        n=n,
        arms=arms,
        fields=MappingProxyType(fields),
        age_mean=age_mean,
        age_sd=age_sd,
        percentages=tuple(percentages),
        outcomes=node.texts("outcomes"),
        citations=node.texts("citations"),
        marked_excluded=node.text("marked_excluded"),
        listed=node.boolean("listed", default=True),
    )


def _check_percent_value(node: Node, value: Reported) -> None:
    if not 0 <= value.value <= 100:
        raise node.error(f"a percentage must lie between 0 and 100, got {value.text}")


_ARM_FIELDS = (
    "group",
    "n",
    "mean",
    "sd",
    "baseline",
    "followup",
    "events",
    "percent",
)


def _mean_sd(node: Node, key: str) -> tuple[Reported | None, Reported | None]:
    item = node.child(key)
    if item.value is None:
        return None, None
    item.mapping(allowed=("mean", "sd"), required=("mean",))
    sd = item.reported("sd")
    if sd is not None and sd.value < 0:
        raise item.child("sd").error(f"a standard deviation cannot be negative, got {sd.text}")
    return item.reported("mean"), sd


def _data_row(node: Node) -> DataRow:
    node.mapping(allowed=("study", "outcome", "source", "arms"), required=("study", "outcome", "arms"))
    study, outcome = node.req_text("study"), node.req_text("outcome")
    arms: list[Arm] = []
    kinds: set[str] = set()
    for i, item in enumerate(node.list("arms", required=True)):
        item.mapping(allowed=_ARM_FIELDS, required=("n",))
        n = item.count("n", positive=True)
        assert n is not None
        mean, sd = item.reported("mean"), item.reported("sd")
        if (mean is None) != (sd is None):
            raise item.error("mean and sd go together (give both, or events/percent for a binary outcome)")
        if sd is not None and sd.value < 0:
            raise item.child("sd").error(f"a standard deviation cannot be negative, got {sd.text}")
        events = item.count("events")
        percent = item.reported("percent")
        if percent is not None:
            _check_percent_value(item.child("percent"), percent)
        if events is not None and events > n:
            raise item.child("events").error(f"{events} events in a group of {n}")
        kind = "continuous" if mean is not None else "binary" if events is not None or percent is not None else ""
        if not kind:
            raise item.error("an arm needs mean and sd (continuous) or events or percent (binary)")
        kinds.add(kind)
        b_mean, b_sd = _mean_sd(item, "baseline")
        f_mean, f_sd = _mean_sd(item, "followup")
        arms.append(
            Arm(
                group=item.text("group") or f"arm {i + 1}",
                n=n,
                mean=mean,
                sd=sd,
                baseline_mean=b_mean,
                baseline_sd=b_sd,
                followup_mean=f_mean,
                followup_sd=f_sd,
                events=events,
                percent=percent,
            )
        )
    if len(kinds) > 1:
        raise node.child("arms").error("all arms of a data row are continuous (mean, sd) or all binary")
    if len(arms) < 1:
        raise node.child("arms").error("at least one arm is needed")
    return DataRow(
        study=study,
        outcome=outcome,
        kind=kinds.pop(),
        arms=tuple(arms),
        source=_where(node, node.text("source"), f"data of {study}, {outcome}"),
    )


def _estimate(node: Node, *, key: str, subject: str, level: float, required: bool = True) -> Estimate:
    """The estimate, ci, se, pvalue, measure, scale, level, test, df fields of ``node``."""
    measure = node.text("measure")
    scale = node.text("scale")
    if scale is not None and scale not in {"log", "identity"}:
        raise node.child("scale").error("must be 'log' (ratios) or 'identity' (differences)")
    estimate = node.reported("estimate", required=required)
    lower = upper = None
    ci = node.child("ci")
    if ci.value is not None:
        bounds = ci.list()
        if len(bounds) != 2:
            raise ci.error("a confidence interval is a list of two bounds, [lower, upper]")
        lower, upper = bounds[0].reported(required=True), bounds[1].reported(required=True)
    test = node.text("test") or "z"
    if test not in _TESTS:
        raise node.child("test").error(f"unknown test {test!r}; choose one of {', '.join(_TESTS)}")
    pvalue = node.reported("pvalue")
    if pvalue is not None and not pvalue.is_bound and not 0 <= pvalue.value <= 1:
        raise node.child("pvalue").error(f"a p-value lies between 0 and 1, got {pvalue.text}")
    se = node.reported("se")
    if se is not None and se.value < 0:
        raise node.child("se").error(f"a standard error cannot be negative, got {se.text}")
    return Estimate(
        key=key,
        subject=subject,
        measure=measure,
        scale=measure_scale(measure, scale),
        estimate=estimate,
        lower=lower,
        upper=upper,
        se=se,
        pvalue=pvalue,
        level=_level(node, "level", level),
        test=test,
        df=node.number("df", minimum=0.0),
        source=_where(node, node.text("source"), subject),
    )


_ESTIMATE_FIELDS = ("measure", "scale", "estimate", "ci", "se", "pvalue", "level", "test", "df", "source")


def _effect(node: Node, level: float) -> EffectClaim:
    node.mapping(allowed=("study", "outcome", *_ESTIMATE_FIELDS), required=("study", "outcome", "measure", "estimate"))
    study, outcome = node.req_text("study"), node.req_text("outcome")
    measure = node.req_text("measure")
    est = _estimate(
        node, key=f"effect:{study}:{outcome}:{measure}", subject=f"{study}: {outcome} ({measure})", level=level
    )
    return EffectClaim(study=study, outcome=outcome, estimate=est)


def _effect_range(node: Node) -> EffectRange:
    node.mapping(allowed=("outcome", "measure", "min", "max", "source"), required=("outcome", "measure", "min", "max"))
    low, high = node.reported("min", required=True), node.reported("max", required=True)
    assert low is not None
    assert high is not None
    if low.value > high.value:  # "from −0.70 to −1.40": keep the order of the values, not of the words
        low, high = high, low
    outcome = node.req_text("outcome")
    return EffectRange(
        outcome=outcome,
        measure=node.req_text("measure"),
        minimum=low,
        maximum=high,
        source=_where(node, node.text("source"), f"range of {outcome} effects"),
    )


_ANALYSIS_FIELDS = (
    "id",
    "outcome",
    "method",
    "k",
    "n",
    "studies",
    "tau2",
    "I2",
    "Q",
    "Q_pvalue",
    "pi",
    "subgroups",
    "restatements",
    *_ESTIMATE_FIELDS,
)


def _analysis(node: Node, level: float) -> Analysis:
    node.mapping(allowed=_ANALYSIS_FIELDS, required=("id", "outcome"))
    analysis_id, outcome = node.req_text("id"), node.req_text("outcome")
    est = _estimate(node, key=f"analysis:{analysis_id}", subject=f"pooled {outcome} ({analysis_id})", level=level)
    method = node.text("method")
    if method is not None and method not in (*METHODS, "MH", "PETO"):
        raise node.child("method").error(
            f"unknown method {method!r}; choose one of {', '.join((*METHODS, 'MH', 'PETO'))}"
        )
    I2 = node.reported("I2")
    if I2 is not None and not I2.is_bound and not 0 <= I2.value <= 100:
        raise node.child("I2").error(f"I² is a percentage between 0 and 100, got {I2.text}")
    pi_lower = pi_upper = None
    pi = node.child("pi")
    if pi.value is not None:
        bounds = pi.list()
        if len(bounds) != 2:
            raise pi.error("a prediction interval is a list of two bounds, [lower, upper]")
        pi_lower, pi_upper = bounds[0].reported(required=True), bounds[1].reported(required=True)
    members = node.texts("studies") or None
    return Analysis(
        id=analysis_id,
        outcome=outcome,
        measure=est.measure,
        method=method,
        k=node.count("k", positive=True),
        n=node.reported("n"),
        studies=members,
        estimate=est,
        tau2=node.reported("tau2"),
        I2=I2,
        Q=node.reported("Q"),
        Q_pvalue=node.reported("Q_pvalue"),
        pi_lower=pi_lower,
        pi_upper=pi_upper,
        subgroups=_subgroups(node.child("subgroups"), analysis_id, est, level) if node.has("subgroups") else None,
        source=est.source,
        restatements=tuple(
            _restatement(item, i, analysis_id=analysis_id, outcome=outcome, pooled=est, level=level)
            for i, item in enumerate(node.list("restatements"))
        ),
    )


def _restatement(node: Node, index: int, *, analysis_id: str, outcome: str, pooled: Estimate, level: float) -> Estimate:
    node.mapping(allowed=_ESTIMATE_FIELDS, required=("estimate",))
    est = _estimate(
        node,
        key=f"analysis:{analysis_id}:restated:{index}",
        subject=f"pooled {outcome} ({analysis_id}), restated",
        level=level,
    )
    if est.measure is None:
        est = Estimate(**{**_fields(est), "measure": pooled.measure, "scale": pooled.scale})
    if est.test == "z" and pooled.test != "z" and not node.has("test"):
        est = Estimate(**{**_fields(est), "test": pooled.test})
    return est


def _subgroups(node: Node, analysis_id: str, pooled: Estimate, level: float) -> SubgroupClaim:
    node.mapping(allowed=("variable", "groups", "test", "source"), required=("groups",))
    variable = node.text("variable") or "subgroup"
    source = _where(node, node.text("source"), f"subgroups of {analysis_id}")
    groups: list[SubgroupGroup] = []
    for item in node.list("groups", required=True):
        item.mapping(allowed=("name", "studies", "k", *_ESTIMATE_FIELDS), required=("name", "estimate"))
        name = item.req_text("name")
        est = _estimate(
            item,
            key=f"subgroup:{analysis_id}:{name}",
            subject=f"subgroup {name} of {analysis_id}",
            level=level,
        )
        if est.measure is None:
            est = Estimate(**{**_fields(est), "measure": pooled.measure, "scale": pooled.scale})
        if not item.has("source"):
            est = Estimate(**{**_fields(est), "source": source})
        groups.append(SubgroupGroup(name=name, estimate=est, studies=item.texts("studies") or None, k=item.count("k")))
    if len(groups) < 2:
        raise node.child("groups").error("a subgroup analysis has at least two groups")
    test = node.child("test")
    pvalue = q = None
    df = None
    if test.value is not None:
        test.mapping(allowed=("pvalue", "Q", "df"))
        pvalue, q, df = test.reported("pvalue"), test.reported("Q"), test.count("df", positive=True)
    return SubgroupClaim(
        key=f"subgroups:{analysis_id}",
        variable=variable,
        groups=tuple(groups),
        pvalue=pvalue,
        Q=q,
        df=df,
        source=source,
    )


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _rob_table(node: Node) -> RobTable:
    node.mapping(allowed=("tool", "columns", "rows", "source"), required=("tool", "columns", "rows"))
    tool = node.req_text("tool")
    try:
        code = parse_tool(tool.replace(" ", ""))
    except InputError as err:
        raise node.child("tool").error(err.message) from None
    columns = node.texts("columns")
    source = _where(node, node.text("source"), "risk-of-bias table")
    rows: list[RobRow] = []
    for item in node.list("rows", required=True):
        item.mapping(allowed=("study", "judgements", "overall", "source"), required=("study", "judgements", "overall"))
        judgements = item.texts("judgements")
        if len(judgements) != len(columns):
            raise item.child("judgements").error(
                f"{len(judgements)} judgements for {len(columns)} columns ({', '.join(columns)})"
            )
        study = item.req_text("study")
        levels: list[str] = []
        for i, (column, text) in enumerate(zip(columns, judgements, strict=True)):
            try:
                levels.append(normalise_judgement(text, code))
            except InputError as err:
                raise item.child("judgements").error(f"item {i + 1} ({column}): {err.message}") from None
        overall = item.req_text("overall")
        try:
            overall_level = normalise_judgement(overall, code)
        except InputError as err:
            raise item.child("overall").error(err.message) from None
        rows.append(
            RobRow(
                study=study,
                judgements=judgements,
                overall=overall,
                levels=tuple(levels),
                overall_level=overall_level,
                source=_where(item, item.text("source"), f"{source}, {study}"),
            )
        )
    return RobTable(tool=tool, code=code, columns=columns, rows=tuple(rows), source=source)


def _prisma(node: Node) -> PrismaReport:
    node.mapping(
        allowed=(
            *_PRISMA_COUNTS,
            "source",
            "databases",
            "databases_stated",
            "screening_reasons",
            "full_text_reasons",
            "composition",
        ),
    )
    counts = {key: c for key in _PRISMA_COUNTS if (c := node.count(key)) is not None}
    databases: dict[str, int | None] = {}
    db = node.child("databases")
    if isinstance(db.value, list):
        databases = dict.fromkeys(node.texts("databases"))
    elif db.value is not None:
        databases = {name: item.count() for name, item in db.mapping().items()}
    reasons = {}
    for stage in ("screening", "full_text"):
        item = node.child(f"{stage}_reasons")
        if item.value is not None:
            reasons[stage] = MappingProxyType(
                {name: c for name, reason in item.mapping().items() if (c := reason.count(required=True)) is not None}
            )
    composition = node.child("composition")
    comp = (
        {name: c for name, item in composition.mapping().items() if (c := item.count(required=True)) is not None}
        if composition.value is not None
        else {}
    )
    return PrismaReport(
        source=_where(node, node.text("source"), "PRISMA flow"),
        counts=MappingProxyType(counts),
        databases=MappingProxyType(databases),
        databases_stated=node.count("databases_stated"),
        reasons=MappingProxyType(reasons),
        composition=MappingProxyType(comp),
    )


def _participants(node: Node) -> ParticipantClaim:
    node.mapping(allowed=("what", "reported", "studies", "analysis", "parts", "source"), required=("reported",))
    reported = node.reported("reported", required=True)
    assert reported is not None
    studies_node = node.child("studies")
    analysis = node.text("analysis")
    parts_node = node.child("parts")
    parts = (
        {name: c for name, item in parts_node.mapping().items() if (c := item.count(required=True)) is not None}
        if parts_node.value is not None
        else {}
    )
    studies: tuple[str, ...] = ()
    if parts:
        scope = "parts"
    elif analysis is not None:
        scope = "analysis"
    elif isinstance(studies_node.value, list):
        scope, studies = "studies", node.texts("studies")
    elif studies_node.value is None or node.text("studies") == "all":
        scope = "all"
    else:
        raise studies_node.error("give 'all' or a list of study ids")
    what = node.text("what") or "participants"
    return ParticipantClaim(
        what=what,
        reported=reported,
        scope=scope,
        studies=studies,
        analysis=analysis,
        parts=MappingProxyType(parts),
        source=_where(node, node.text("source"), what),
    )


def _percent(node: Node) -> PercentClaim:
    node.mapping(allowed=("what", "value", "n", "source"), required=("value", "n"))
    value = node.reported("value", required=True)
    assert value is not None
    _check_percent_value(node.child("value"), value)
    n = node.count("n", required=True, positive=True)
    assert n is not None
    what = node.text("what") or "percentage"
    return PercentClaim(what=what, value=value, n=n, source=_where(node, node.text("source"), what))


def _mean(node: Node) -> MeanClaim:
    node.mapping(allowed=("what", "value", "n", "items", "source"), required=("value", "n"))
    value = node.reported("value", required=True)
    n = node.count("n", required=True, positive=True)
    assert value is not None
    assert n is not None
    what = node.text("what") or "mean"
    return MeanClaim(
        what=what,
        value=value,
        n=n,
        items=node.count("items", positive=True) or 1,
        source=_where(node, node.text("source"), what),
    )


def _count(node: Node) -> CountClaim:
    node.mapping(allowed=("what", "reported", "field", "match", "source"), required=("reported", "field", "match"))
    reported = node.count("reported", required=True)
    assert reported is not None
    what = node.text("what") or "studies"
    return CountClaim(
        what=what,
        reported=reported,
        field=node.req_text("field"),
        match=node.texts("match"),
        source=_where(node, node.text("source"), what),
    )


def _eligibility(node: Node) -> Eligibility:
    node.mapping(allowed=("source", "text", "designs", "comparative", "criteria"))
    designs = node.child("designs")
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    if designs.value is not None:
        designs.mapping(allowed=("include", "exclude"))
        include, exclude = designs.texts("include"), designs.texts("exclude")
    criteria: list[Criterion] = []
    for item in node.list("criteria"):
        item.mapping(allowed=("field", "include_match", "exclude_match", "text"), required=("field",))
        inc, exc = item.texts("include_match"), item.texts("exclude_match")
        if not inc and not exc:
            raise item.error("a criterion needs include_match or exclude_match words")
        criteria.append(
            Criterion(field=item.req_text("field"), include_match=inc, exclude_match=exc, text=item.text("text") or "")
        )
    return Eligibility(
        source=_where(node, node.text("source"), "eligibility criteria"),
        text=node.text("text") or "",
        include_designs=include,
        exclude_designs=exclude,
        comparative=node.boolean("comparative", default=False),
        criteria=tuple(criteria),
    )


def finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
