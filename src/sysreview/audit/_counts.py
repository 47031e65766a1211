"""Checks of counts: percentages and means that their n cannot give, sample sizes, study counts, PRISMA flows.

- ``percentage_count``: a percentage no whole count out of its n rounds to; the GRIM test for means of
  integer-valued scales (Brown & Heathers 2017): n·mean must round to a whole number;
- ``sample_size``: arm sizes against study totals, the same study's arms in different tables, totals of
  participants against the studies they add up;
- ``study_count``: stated numbers of studies with some characteristic against the table of studies, and the
  k of an analysis against the studies that report its outcome;
- ``prisma_arithmetic``: PRISMA 2020 flow counts and exclusion reasons that do not add up, and counts that
  differ between the places the review gives them.

References
----------
Brown NJL, Heathers JAJ. The GRIM test: a simple technique detects numerous anomalies in the reporting of
results in psychology. Soc Psychol Personal Sci 2017;8(4):363–369.
Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement. BMJ 2021;372:n71.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence

from sysreview.audit._claims import Analysis, Claims, DataRow, ParticipantClaim, PercentClaim, Study
from sysreview.audit._context import Check, Context
from sysreview.audit._numbers import Reported, format_value
from sysreview.audit._report import Finding

__all__ = ["PERCENTAGE_COUNT", "PRISMA_ARITHMETIC", "SAMPLE_SIZE", "STUDY_COUNT", "matches"]

_EPS = 1e-9


def matches(value: str | None, terms: Sequence[str]) -> bool:
    """Whether ``value`` contains any of ``terms`` (case-insensitive; a term matches at word starts)."""
    if not value:
        return False
    text = value.casefold()
    return any(re.search(r"(?<![a-z0-9])" + re.escape(t.casefold()), text) for t in terms)


# ---------------------------------------------------------------------- percentage_count
def _percentages(claims: Claims) -> Iterator[PercentClaim]:
    yield from claims.percentages
    for study in claims.studies:
        yield from study.percentages
    for row in claims.data:
        for index, arm in enumerate(row.arms):
            if arm.percent is not None:
                yield PercentClaim(
                    what=f"{row.outcome} % in {claims.label(row.study)}, {arm.group}",
                    value=arm.percent,
                    n=arm.n,
                    source=row.source,
                    study=row.study,
                    arm=index,
                )


def _percentage_count(ctx: Context) -> None:
    claims = ctx.claims
    for claim in _percentages(claims):
        if claim.value.approximate or claim.value.is_bound:
            continue
        ctx.compared("percentage_count")
        low, high = claim.value.value - claim.value.half_unit, claim.value.value + claim.value.half_unit
        n = claim.n
        first, last = max(0, math.floor(low * n / 100) - 1), min(n, math.ceil(high * n / 100) + 1)
        if any(low - _EPS <= 100 * c / n <= high + _EPS for c in range(first, last + 1)):
            continue
        below = max((c for c in range(n + 1) if 100 * c / n < low), default=None)
        above = min((c for c in range(n + 1) if 100 * c / n > high), default=None)
        near = " and ".join(
            f"{c}/{n} = {100 * c / n:.{max(claim.value.decimals or 0, 1)}f}%" for c in (below, above) if c is not None
        )
        message = (
            f"{claim.value.show().rstrip('%')}% of {n} is not a whole number of people: no count out of {n} rounds to "
            f"it (the nearest are {near}). The percentage or its denominator is wrong"
        )
        hint = _other_denominators(claims, claim)
        message += f"; {hint}." if hint else "."
        ctx.flag(
            f"percent:{claim.what}",
            Finding(
                check="percentage_count",
                subject=claim.what,
                quantity="percent",
                reported=claim.value.value,
                recomputed=near,
                tolerance=claim.value.half_unit,
                severity="error",
                message=message,
                source=claim.source,
            ),
        )
    _grim(ctx)


def _other_denominators(claims: Claims, claim: PercentClaim) -> str:
    """Denominators from the table of studies that would allow the percentage: for a study-level percentage the
    study's total and the sum of its arms, for an arm's percentage the size of that arm in the table."""
    if claim.study is None:
        return ""
    study = claims.study(claim.study)
    if study is None:
        return ""
    candidates: dict[int, str] = {}
    if claim.arm is None:
        if study.n is not None and not study.n.approximate:
            candidates[int(study.n.value)] = "the study's total"
        if len(study.arms) > 1 and not study.paired:
            candidates.setdefault(sum(study.arms), "the sum of its arms")
    elif claim.arm < len(study.arms):
        candidates[study.arms[claim.arm]] = f"the size of this arm in the table of studies ({study.source})"
    low, high = claim.value.value - claim.value.half_unit, claim.value.value + claim.value.half_unit
    fits = [
        f"n = {n} ({what})"
        for n, what in candidates.items()
        if n != claim.n and n > 0 and any(low - _EPS <= 100 * c / n <= high + _EPS for c in range(n + 1))
    ]
    return "it is possible with " + " or ".join(fits) if fits else ""


def _grim(ctx: Context) -> None:
    claims = ctx.claims
    items: list[tuple[str, Reported, int, int, str]] = [(m.what, m.value, m.n, m.items, m.source) for m in claims.means]
    for row in claims.data:
        info = claims.outcome(row.outcome)
        if row.kind != "continuous" or not info.integer:
            continue
        for arm in row.arms:
            for label, value in (
                ("mean", arm.mean),
                ("baseline mean", arm.baseline_mean),
                ("follow-up mean", arm.followup_mean),
            ):
                if value is not None:
                    items.append(
                        (
                            f"{row.outcome} {label} in {claims.label(row.study)}, {arm.group}",
                            value,
                            arm.n,
                            info.items,
                            row.source,
                        )
                    )
    for what, value, n, k, source in items:
        if value.approximate or value.is_bound:
            continue
        ctx.compared("percentage_count")
        units = n * k
        low, high = value.value - value.half_unit, value.value + value.half_unit
        if math.floor(high * units + _EPS) >= math.ceil(low * units - _EPS):
            continue
        below = math.floor(value.value * units) / units
        above = math.ceil(value.value * units) / units
        d = max(value.decimals or 0, 1)
        ctx.flag(
            f"grim:{what}",
            Finding(
                check="percentage_count",
                subject=what,
                quantity="mean (GRIM)",
                reported=value.value,
                recomputed=f"{below:.{d + 1}f} or {above:.{d + 1}f}",
                tolerance=value.half_unit,
                severity="error",
                message=(
                    f"A mean of {value.show()} is impossible for {n} whole-number scores"
                    + (f" on a {k}-item scale" if k > 1 else "")
                    + f": the total n·mean must be a whole number, and the nearest possible means are "
                    f"{below:.{d + 1}f} and {above:.{d + 1}f} (GRIM test, Brown & Heathers 2017)."
                ),
                source=source,
            ),
        )


# ---------------------------------------------------------------------- sample_size
def _study_n(study: Study) -> int | None:
    return None if study.n is None or study.n.approximate else int(study.n.value)


def _row_n(row: DataRow, paired: bool) -> int:
    sizes = [arm.n for arm in row.arms]
    return max(sizes) if paired else sum(sizes)


def _sample_size(ctx: Context) -> None:
    claims = ctx.claims
    for study in claims.studies:
        n = _study_n(study)
        if n is None or len(study.arms) < 2:
            continue
        ctx.compared("sample_size")
        arms = "/".join(str(a) for a in study.arms)
        if study.paired:
            if all(a == n for a in study.arms):
                continue
            message = (
                f"{study.label} is a within-person study ({study.design}), so each 'arm' holds all {n} participants, "
                f"but the arms are given as {arms}."
            )
            expected: int | str = n
        else:
            if sum(study.arms) == n:
                continue
            message = (
                f"The arm sizes {arms} add up to {sum(study.arms)}, not to the total of {n} given for {study.label}. "
                "Either the total or an arm size is wrong; the percentages and effects computed from them inherit it."
            )
            expected = sum(study.arms)
        ctx.flag(
            f"n:{study.id}",
            Finding(
                check="sample_size",
                subject=study.label,
                quantity="total vs arms",
                reported=n,
                recomputed=expected,
                tolerance=None,
                severity="error",
                message=message,
                source=study.source,
            ),
        )
    _arms_across_tables(ctx)
    for claim in claims.participants:
        _participant_claim(ctx, claim)


def _arms_across_tables(ctx: Context) -> None:
    """Arm sizes of each data row against the table of studies; one finding per study and set of sizes."""
    claims = ctx.claims
    groups: dict[tuple[str, tuple[int, ...]], list[DataRow]] = {}
    for row in claims.data:
        study = claims.study(row.study)
        if study is None or not study.arms:
            continue
        ctx.compared("sample_size")
        sizes = tuple(arm.n for arm in row.arms)
        if sizes != study.arms:
            groups.setdefault((row.study, sizes), []).append(row)
    for (study_id, sizes), rows in groups.items():
        study = claims.study(study_id)
        assert study is not None
        same_count = len(sizes) == len(study.arms)
        more = same_count and any(d > s for d, s in zip(sizes, study.arms, strict=True))
        data_text, table_text = "/".join(map(str, sizes)), "/".join(map(str, study.arms))
        if not same_count:
            detail = f"{len(sizes)} arms against {len(study.arms)}"
        elif more:
            detail = "more participants analysed than enrolled, which is impossible"
        else:
            detail = "fewer analysed than enrolled is possible with dropouts, but the review does not say so"
        outcomes = ", ".join(row.outcome for row in rows)
        sources = sorted({row.source for row in rows})
        ctx.flag(
            f"arms:{study_id}:{data_text}",
            Finding(
                check="sample_size",
                subject=study.label,
                quantity="arm sizes",
                reported=data_text,
                recomputed=table_text,
                tolerance=None,
                severity="error" if more or not same_count else "warning",
                message=(
                    f"The outcome data ({'; '.join(sources)}: {outcomes}) give arm sizes {data_text}, the table of "
                    f"studies ({study.source}) {table_text}: {detail}. The study's effects are computed from the "
                    "former, so they rest on a group the table of studies does not have."
                    if more or not same_count
                    else f"The outcome data ({'; '.join(sources)}: {outcomes}) give arm sizes {data_text}, the table "
                    f"of studies ({study.source}) {table_text}: {detail}."
                ),
                source="; ".join(sources),
            ),
        )


def _participant_claim(ctx: Context, claim: ParticipantClaim) -> None:
    claims = ctx.claims
    reported = claim.reported
    if reported.approximate or reported.is_bound:
        ctx.skip("sample_size", claim.what, f"the reported number {reported.text!r} is approximate")
        return
    key = f"participants:{claim.what}"
    if claim.scope == "parts":
        ctx.compared("sample_size")
        total = sum(claim.parts.values())
        if total != reported.value:
            parts = " + ".join(f"{v} {k}" for k, v in claim.parts.items())
            ctx.flag(
                key,
                Finding(
                    check="sample_size",
                    subject=claim.what,
                    quantity="parts",
                    reported=int(reported.value),
                    recomputed=total,
                    tolerance=None,
                    severity="error",
                    message=f"The parts do not add up to the total: {parts} = {total}, not {reported.show()}.",
                    source=claim.source,
                ),
            )
        return
    exact = True
    if claim.scope == "analysis":
        analysis = next(a for a in claims.analyses if a.id == claim.analysis)
        members, exact = _analysis_members(claims, analysis)
        scope = f"the {len(members)} studies of analysis {analysis.id}"
    elif claim.scope == "studies":
        members = [s for s in (claims.study(i) for i in claim.studies) if s is not None]
        scope = f"the {len(members)} studies named"
    else:
        members = list(claims.listed)
        scope = f"the {len(members)} studies in the table of studies"
    if not members:
        ctx.skip("sample_size", claim.what, "no studies to add up")
        return
    sizes: list[tuple[Study, int]] = []
    unknown: list[str] = []
    for study in members:
        n = _size_of(claims, study, claim.analysis)
        if n is None:
            unknown.append(study.label)
        else:
            sizes.append((study, n))
    total = sum(n for _, n in sizes)
    ctx.compared("sample_size")
    complete = exact and not unknown
    if complete and total == reported.value:
        return
    if not complete and total <= reported.value:
        ctx.skip("sample_size", claim.what, f"only a lower bound ({total}) could be formed, and it is not exceeded")
        return
    listing = ", ".join(f"{s.label} {n}" for s, n in sizes)
    if complete:
        message = (
            f"The review reports {reported.show()} participants for {claim.what}, but {scope} have {total} ({listing})."
        )
    else:
        missing = f"; {len(unknown)} more without a usable size" if unknown else ""
        message = (
            f"The review reports {reported.show()} participants for {claim.what}, but the studies whose sizes it "
            f"gives already add up to {total} ({listing}{missing}), more than the reported total."
        )
    ctx.flag(
        key,
        Finding(
            check="sample_size",
            subject=claim.what,
            quantity="participants",
            reported=int(reported.value),
            recomputed=total if complete else f"at least {total}",
            tolerance=None,
            severity="error",
            message=message,
            source=claim.source,
        ),
    )


def _size_of(claims: Claims, study: Study, outcome_analysis: str | None) -> int | None:
    """Participants of a study: from the analysis' outcome data if there are any, else the table of studies."""
    if outcome_analysis is not None:
        analysis = next(a for a in claims.analyses if a.id == outcome_analysis)
        for row in claims.data:
            if row.study == study.id and row.outcome == analysis.outcome:
                return _row_n(row, study.paired)
    return _study_n(study)


def _outcome_studies(claims: Claims, outcome: str) -> list[Study]:
    """Studies that report an outcome: it is among their listed outcomes, or they have data or effects for it."""
    terms = claims.outcome(outcome).match
    with_data = {r.study for r in claims.data if r.outcome == outcome}
    with_data |= {e.study for e in claims.effects if e.outcome == outcome}
    return [s for s in claims.studies if s.id in with_data or (s.listed and any(matches(o, terms) for o in s.outcomes))]


def _analysis_members(claims: Claims, analysis: Analysis) -> tuple[list[Study], bool]:
    """The studies of an analysis and whether the list is known to be complete."""
    if analysis.studies:
        return [s for s in (claims.study(i) for i in analysis.studies) if s is not None], True
    reporting = _outcome_studies(claims, analysis.outcome)
    if analysis.k is not None and len(reporting) == analysis.k:
        return reporting, True
    with_data = {r.study for r in claims.data if r.outcome == analysis.outcome}
    return [s for s in claims.studies if s.id in with_data], False


# ---------------------------------------------------------------------- study_count
def _study_count(ctx: Context) -> None:
    claims = ctx.claims
    listed = claims.listed
    if not listed:
        return
    for claim in claims.study_counts:
        ctx.compared("study_count")
        hits = [s for s in listed if matches(s.field(claim.field), claim.match)]
        if len(hits) == claim.reported:
            continue
        listing = ", ".join(s.label for s in hits) or "none"
        ctx.flag(
            f"count:{claim.what}",
            Finding(
                check="study_count",
                subject=claim.what,
                quantity="studies",
                reported=claim.reported,
                recomputed=len(hits),
                tolerance=None,
                severity="warning",
                message=(
                    f"The review says {claim.reported} studies are {claim.what}; its table of studies has {len(hits)} "
                    f"whose {claim.field} mentions {' or '.join(repr(m) for m in claim.match)} ({listing})."
                ),
                source=claim.source,
            ),
        )
    with_outcomes = any(s.outcomes for s in listed)
    for analysis in claims.analyses:
        if analysis.k is None or analysis.from_results or not with_outcomes:
            continue
        ctx.compared("study_count")
        reporting = _outcome_studies(claims, analysis.outcome)
        if analysis.k <= len(reporting):
            continue
        terms = " or ".join(repr(t) for t in claims.outcome(analysis.outcome).match)
        ctx.flag(
            f"k:{analysis.id}",
            Finding(
                check="study_count",
                subject=analysis.estimate.subject,
                quantity="k",
                reported=analysis.k,
                recomputed=len(reporting),
                tolerance=None,
                severity="warning",
                message=(
                    f"The analysis pools k = {analysis.k} studies, but only {len(reporting)} of the "
                    f"{len(claims.studies)} studies list {terms} among their outcomes or have data for it"
                    + (f" ({', '.join(s.label for s in reporting)})" if reporting else "")
                    + ". The other studies either did not measure the outcome or the table of studies is incomplete."
                ),
                source=analysis.source,
            ),
        )
    for report in claims.prisma:
        included = report.counts.get("included")
        if included is None:
            continue
        ctx.compared("study_count")
        if included != len(listed):
            ctx.flag(
                f"prisma-studies:{report.source}",
                Finding(
                    check="study_count",
                    subject="included studies",
                    quantity="studies",
                    reported=included,
                    recomputed=len(claims.studies),
                    tolerance=None,
                    severity="warning",
                    message=(
                        f"{report.source} gives {included} included studies; the table of studies has "
                        f"{len(listed)} rows."
                    ),
                    source=report.source,
                ),
            )


# ---------------------------------------------------------------------- prisma_arithmetic
_WORDS = {
    "records": "records identified",
    "records_other_sources": "records from other sources",
    "duplicates_removed": "duplicates removed",
    "other_removed": "records removed for other reasons",
    "screened": "records screened",
    "screening_excluded": "records excluded at screening",
    "sought": "reports sought for retrieval",
    "not_retrieved": "reports not retrieved",
    "assessed": "reports assessed for eligibility",
    "full_text_excluded": "reports excluded after full text",
    "included": "studies included",
    "included_other_sources": "studies included from other sources",
    "in_meta_analysis": "studies in the meta-analysis",
}


def _relation(
    c: Mapping[str, int], target: str, terms: list[tuple[str, int]], required: tuple[str, ...]
) -> tuple[str, int, int, str] | None:
    """``target`` = Σ sign·term as (target, reported, computed, words), when the target and ``required`` are given."""
    if target not in c or any(name not in c for name in required):
        return None
    present = [(name, sign) for name, sign in terms if name in c]
    value = sum(sign * c[name] for name, sign in present)
    text = " ".join(
        ("" if i == 0 else ("+ " if sign > 0 else "− ")) + f"{c[name]:,} {_WORDS[name]}"
        for i, (name, sign) in enumerate(present)
    )
    return target, c[target], value, text


def _prisma_arithmetic(ctx: Context) -> None:
    claims = ctx.claims
    for report in claims.prisma:
        c = report.counts
        relations = [
            r
            for r in (
                _relation(
                    c,
                    "screened",
                    [("records", 1), ("records_other_sources", 1), ("duplicates_removed", -1), ("other_removed", -1)],
                    ("records", "duplicates_removed"),
                ),
                *(
                    (
                        _relation(
                            c,
                            "sought",
                            [("screened", 1), ("screening_excluded", -1)],
                            ("screened", "screening_excluded"),
                        ),
                        _relation(c, "assessed", [("sought", 1), ("not_retrieved", -1)], ("sought",)),
                    )
                    if "sought" in c
                    else (
                        _relation(
                            c,
                            "assessed",
                            [("screened", 1), ("screening_excluded", -1), ("not_retrieved", -1)],
                            ("screened", "screening_excluded"),
                        ),
                    )
                ),
                _relation(
                    c,
                    "included",
                    [("assessed", 1), ("full_text_excluded", -1), ("included_other_sources", 1)],
                    ("assessed", "full_text_excluded"),
                ),
            )
            if r is not None
        ]
        for target, reported, value, text in relations:
            words = _WORDS[target]
            ctx.compared("prisma_arithmetic")
            if reported != value:
                _prisma_finding(
                    ctx,
                    report.source,
                    words,
                    reported,
                    value,
                    message=f"{text} = {value:,}, but the review reports {reported:,} {words}.",
                )
        if report.databases and all(v is not None for v in report.databases.values()) and "records" in c:
            ctx.compared("prisma_arithmetic")
            total = sum(v for v in report.databases.values() if v is not None)
            if total != c["records"]:
                listing = " + ".join(f"{v:,} ({k})" for k, v in report.databases.items())
                _prisma_finding(
                    ctx,
                    report.source,
                    "records identified",
                    c["records"],
                    total,
                    message=f"The records per database add up to {listing} = {total:,}, not to the "
                    f"{c['records']:,} records identified.",
                )
        if report.databases_stated is not None and report.databases:
            ctx.compared("prisma_arithmetic")
            if report.databases_stated != len(report.databases):
                _prisma_finding(
                    ctx,
                    report.source,
                    "number of databases",
                    report.databases_stated,
                    len(report.databases),
                    message=f"The review says {report.databases_stated} databases but names "
                    f"{len(report.databases)}: {', '.join(report.databases)}.",
                )
        for stage, target in (("screening", "screening_excluded"), ("full_text", "full_text_excluded")):
            reasons = report.reasons.get(stage)
            if not reasons or target not in c:
                continue
            ctx.compared("prisma_arithmetic")
            total = sum(reasons.values())
            if total != c[target]:
                listing = " + ".join(f"{v:,} ({k})" for k, v in reasons.items())
                what = "at screening" if stage == "screening" else "after full-text assessment"
                _prisma_finding(
                    ctx,
                    report.source,
                    f"exclusion reasons {what}",
                    c[target],
                    total,
                    message=f"The reasons for exclusion {what} add up to {listing} = {total:,}, not to the "
                    f"{c[target]:,} "
                    "excluded. PRISMA 2020 asks for each excluded report to be counted under one reason; a sum above "
                    "the total counts some twice or invents exclusions, one below leaves some unexplained.",
                )
        if "in_meta_analysis" in c and "included" in c:
            ctx.compared("prisma_arithmetic")
            if c["in_meta_analysis"] > c["included"]:
                _prisma_finding(
                    ctx,
                    report.source,
                    "studies in the meta-analysis",
                    c["in_meta_analysis"],
                    c["included"],
                    message=f"{c['in_meta_analysis']} studies in the meta-analysis but only {c['included']} included.",
                )
        if report.composition and "included" in c:
            ctx.compared("prisma_arithmetic")
            total = sum(report.composition.values())
            if total != c["included"]:
                listing = " + ".join(f"{v} {k}" for k, v in report.composition.items())
                _prisma_finding(
                    ctx,
                    report.source,
                    "included studies by kind",
                    c["included"],
                    total,
                    message=f"The included studies by kind add up to {listing} = {total}, not to {c['included']}.",
                )
    _prisma_across(ctx, claims)


def _prisma_across(ctx: Context, claims: Claims) -> None:
    """Each count, and the list of sources, against the first place of the review that gives it."""
    reports = claims.prisma
    for key, words in _WORDS.items():
        given = [r for r in reports if key in r.counts]
        for other in given[1:]:
            first = given[0]
            ctx.compared("prisma_arithmetic")
            a, b = first.counts[key], other.counts[key]
            if a != b:
                _prisma_finding(
                    ctx,
                    f"{first.source}; {other.source}",
                    words,
                    a,
                    b,
                    message=f"{first.source} gives {a:,} {words}, {other.source} {b:,}.",
                )
    named = [r for r in reports if r.databases]
    for other in named[1:]:
        first = named[0]
        ctx.compared("prisma_arithmetic")
        names_a = {n.casefold() for n in first.databases}
        names_b = {n.casefold() for n in other.databases}
        if names_a == names_b:
            continue
        only_a = sorted(n for n in first.databases if n.casefold() not in names_b)
        only_b = sorted(n for n in other.databases if n.casefold() not in names_a)
        ctx.flag(
            f"prisma:databases:{first.source}:{other.source}",
            Finding(
                check="prisma_arithmetic",
                subject="sources searched",
                quantity="sources",
                reported=", ".join(other.databases),
                recomputed=", ".join(first.databases),
                tolerance=None,
                severity="warning",
                message=(
                    f"The sources searched differ: {other.source} names {', '.join(only_b) or 'nothing else'} where "
                    f"{first.source} names {', '.join(only_a) or 'nothing else'}. "
                    "The search cannot be reproduced until "
                    "the review says which sources it searched."
                ),
                source=f"{first.source}; {other.source}",
            ),
        )


def _prisma_finding(ctx: Context, source: str, words: str, reported: int, recomputed: int, *, message: str) -> None:
    ctx.flag(
        f"prisma:{source}:{words}",
        Finding(
            check="prisma_arithmetic",
            subject=f"PRISMA flow: {words}",
            quantity="count",
            reported=reported,
            recomputed=recomputed,
            tolerance=None,
            severity="error",
            message=message,
            source=source,
        ),
    )


PERCENTAGE_COUNT = Check(
    "percentage_count",
    "percentages that no whole count of their n gives; means of integer scales that n cannot give (GRIM)",
    "the printed digits: a percentage printed with d decimals covers ± half a unit in the last digit",
    _percentage_count,
)
SAMPLE_SIZE = Check(
    "sample_size",
    "arm sizes against study totals and across tables; participant totals against the studies they add up",
    "exact (counts)",
    _sample_size,
)
STUDY_COUNT = Check(
    "study_count",
    "stated numbers of studies with a characteristic, and an analysis' k, against the table of studies",
    "exact (counts); characteristics matched by the words the claims give",
    _study_count,
)
PRISMA_ARITHMETIC = Check(
    "prisma_arithmetic",
    "PRISMA flow: identified − removed = screened, screened − excluded = assessed, …; reasons sum to exclusions",
    "exact (counts)",
    _prisma_arithmetic,
)


def format_count(value: float) -> str:
    return format_value(value)
