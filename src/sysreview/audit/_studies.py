"""Checks of the included studies: risk-of-bias judgements, eligibility, and the same study counted twice.

- ``rob_overall``: the overall risk-of-bias judgement against the domain judgements by the tool's published
  rule (:func:`sysreview.appraisal.overall_rule`; RoB 2: Sterne et al. 2019, ROBINS-I: Sterne et al. 2016), and
  columns that are not domains of the tool;
- ``rob_tool``: RoB 2 (for randomised trials) applied to studies the review itself describes as non-randomised;
- ``eligibility``: included studies whose design (or another characteristic) the stated criteria exclude, and
  studies the review's own table marks as excluded;
- ``duplicate_study``: the same data under two citations, identical or largely copied arm data, and studies
  with the same arm sizes and characteristics.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import combinations

from sysreview.appraisal import ROB2_DOMAINS, ROBINS_I_DOMAINS, overall_rule
from sysreview.audit._claims import Arm, Claims, DataRow, RobTable, Study
from sysreview.audit._context import Check, Context
from sysreview.audit._counts import matches
from sysreview.audit._report import Finding

__all__ = ["DUPLICATE_STUDY", "ELIGIBILITY", "ROB_OVERALL", "ROB_TOOL", "design_category"]

# ---------------------------------------------------------------------- vocabulary
#: RoB 2 domains by the words of their column headings (RoB 1's headings map to the RoB 2 domain they became)
_ROB2_COLUMNS = (
    ("D1", r"\bd1\b|randomi[sz]ation|random sequence|allocation concealment|sequence generation"),
    ("D2", r"\bd2\b|deviation|blinding of participants|performance bias"),
    ("D3", r"\bd3\b|missing outcome|incomplete outcome|attrition"),
    ("D4", r"\bd4\b|measurement of (the )?outcome|blinding of outcome|detection bias"),
    ("D5", r"\bd5\b|selection of the reported|selective (outcome )?reporting|reporting bias"),
)
_ROBINS_COLUMNS = (
    ("D1", r"\bd1\b|confounding"),
    ("D2", r"\bd2\b|selection of participants"),
    ("D3", r"\bd3\b|classification of intervention"),
    ("D4", r"\bd4\b|deviation"),
    ("D5", r"\bd5\b|missing data"),
    ("D6", r"\bd6\b|measurement of outcome"),
    ("D7", r"\bd7\b|selection of the reported"),
)
_SEVERITY_ORDER = {
    "rob2": ("Low", "Not applicable", "Some concerns", "No information", "High"),
    "robins-i": ("Low", "Not applicable", "Moderate", "No information", "Serious", "Critical"),
}

#: study designs by the words that name them, in order of precedence
_DESIGNS = (
    ("review", r"meta[- ]?analys|systematic review|\breview\b"),
    ("editorial", r"editorial|letter|comment|opinion"),
    ("case report", r"case report"),
    ("case series", r"case[- ]series"),
    ("retrospective", r"retrospective"),
    (
        "non-randomised comparative",
        (
            r"non[- ]?randomi[sz]ed (comparative|controlled|prospective)|quasi[- ]?"
            r"(experimental|randomi[sz]ed)|controlled before|comparative (study|studies)"
        ),
    ),
    ("randomised trial", r"\brcts?\b|randomi[sz]ed|split[- ]face (study|studies|trial|comparative)"),
    ("cohort", r"cohort"),
    ("case-control", r"case[- ]control"),
    ("before-after", r"before[- ]after|pre[- ]post|self[- ]control|single[- ]arm|uncontrolled"),
    ("pilot", r"pilot|feasibility"),
    ("unspecified", r"various|mixed|additional|unclear|not stated"),
)
_NON_RANDOMISED = frozenset(
    {
        "review",
        "editorial",
        "case report",
        "case series",
        "retrospective",
        "non-randomised comparative",
        "cohort",
        "case-control",
        "before-after",
    }
)
#: words in a risk-of-bias table's own text that say a study is not randomised
_NOT_RANDOMISED_TEXT = re.compile(
    r"non[- ]?randomi[sz]ed|no randomi[sz]ation|not randomi[sz]ed|single[- ]arm|case series|\bcohort\b|"
    r"self[- ]controlled|no control group",
    re.IGNORECASE,
)
#: controls that are no concurrent comparison group
_NO_CONTROL = re.compile(r"^\s*(none|no control|nil|n/?a)\b|self[- ]control|baseline|historical", re.IGNORECASE)


def design_category(text: str | None) -> str | None:
    """The kind of study a design description names (``randomised trial``, ``case series`` …), or None."""
    if not text:
        return None
    low = text.casefold()
    for name, pattern in _DESIGNS:
        if re.search(pattern, low):
            if name == "randomised trial" and re.search(r"non[- ]?randomi[sz]ed", low):
                continue
            return name
    return "other"


def _comparative(study: Study) -> tuple[bool, str]:
    """Whether a study has a concurrent comparison group, by its own table row; and why not."""
    control = study.fields.get("control")
    if control is not None and _NO_CONTROL.search(control):
        return False, f"its control is '{control}'"
    if study.paired:
        return True, ""
    if len(study.arms) >= 2 and sum(1 for a in study.arms if a > 0) < 2:
        return False, f"its arms are {'/'.join(map(str, study.arms))}, with nobody in the comparison group"
    return True, ""


# ---------------------------------------------------------------------- rob_overall
def _domains(table: RobTable) -> list[str | None]:
    patterns = _ROB2_COLUMNS if table.code == "rob2" else _ROBINS_COLUMNS
    out: list[str | None] = []
    for column in table.columns:
        low = column.casefold()
        found = next((key for key, pattern in patterns if re.search(pattern, low)), None)
        out.append(found)
    return out


def _rob_overall(ctx: Context) -> None:
    claims = ctx.claims
    for table in claims.risk_of_bias:
        domains = _domains(table)
        names = ROB2_DOMAINS if table.code == "rob2" else ROBINS_I_DOMAINS
        tool = "RoB 2" if table.code == "rob2" else "ROBINS-I"
        extra = [c for c, d in zip(table.columns, domains, strict=True) if d is None]
        ctx.compared("rob_overall")
        if extra:
            ctx.flag(
                f"rob-columns:{table.source}",
                Finding(
                    check="rob_overall",
                    subject=f"{table.source}: columns",
                    quantity="domains",
                    reported=", ".join(extra),
                    recomputed=", ".join(names.values()),
                    tolerance=None,
                    severity="warning",
                    message=(
                        f"{', '.join(repr(c) for c in extra)} {'is' if len(extra) == 1 else 'are'} not "
                        f"{'a domain' if len(extra) == 1 else 'domains'} of {tool}, whose domains are "
                        f"{'; '.join(names.values())}. The overall judgement follows from those domains only, so the "
                        "audit leaves the extra column out."
                    ),
                    source=table.source,
                ),
            )
        order = _SEVERITY_ORDER[table.code]
        for row in table.rows:
            per_domain: dict[str, str] = {}
            for domain, level in zip(domains, row.levels, strict=True):
                if domain is None:
                    continue
                if domain not in per_domain or order.index(level) > order.index(per_domain[domain]):
                    per_domain[domain] = level
            label = claims.label(row.study)
            missing = [d for d in names if d not in per_domain]
            worst = "High" if table.code == "rob2" else "Critical"
            if missing and worst not in per_domain.values():
                ctx.skip("rob_overall", label, f"no judgement for {', '.join(missing)}")
                continue
            ctx.compared("rob_overall")
            rule = overall_rule(list(per_domain.values()), tool=table.code)  # type: ignore[arg-type]
            if rule.permits(row.overall_level):
                continue
            culprits = [
                f"'{col}' {lev}"
                for col, dom, lev in zip(table.columns, domains, row.levels, strict=True)
                if dom is not None and lev == rule.algorithm
            ]
            milder = order.index(row.overall_level) < order.index(rule.algorithm)
            message = (
                f"{tool}'s overall rule ({'Sterne et al. 2019' if table.code == 'rob2' else 'Sterne et al. 2016'}): "
                f"{rule.rule}, so the overall judgement is {' or '.join(rule.allowed)}. The review gives "
                f"'{row.overall}'"
                + (f" although {', '.join(culprits)}" if culprits and milder else "")
                + ". "
                + (
                    "An overall judgement milder than the domains understates this study's risk of bias, and "
                    "with it the certainty the review claims."
                    if milder
                    else "An overall judgement harsher than any domain needs a stated reason."
                )
            )
            ctx.flag(
                f"rob:{table.source}:{row.study}",
                Finding(
                    check="rob_overall",
                    subject=label,
                    quantity="overall judgement",
                    reported=row.overall_level,
                    recomputed=rule.algorithm,
                    tolerance=None,
                    severity="error",
                    message=message,
                    source=row.source,
                ),
            )


# ---------------------------------------------------------------------- rob_tool
def _rob_tool(ctx: Context) -> None:
    claims = ctx.claims
    for table in claims.risk_of_bias:
        if table.code != "rob2":
            continue
        for row in table.rows:
            study = claims.study(row.study)
            design = study.design if study is not None else None
            category = design_category(design)
            own = next((j for j in row.judgements if _NOT_RANDOMISED_TEXT.search(j)), None)
            ctx.compared("rob_tool")
            if category not in _NON_RANDOMISED and own is None:
                continue
            label = claims.label(row.study)
            reasons = []
            if category in _NON_RANDOMISED:
                reasons.append(
                    f"the table of studies calls it a {design}"
                    + (
                        " (a " + category + ")"
                        if category and category.casefold() not in (design or "").casefold()
                        else ""
                    )
                )
            if own is not None:
                reasons.append(f"the risk-of-bias table itself says '{own}'")
            contradiction = ""
            if own is not None and category == "randomised trial":
                contradiction = (
                    f" The two tables disagree: the table of studies calls this study a {design}. One of them "
                    "describes another study (the rows may be misaligned)."
                )
            ctx.flag(
                f"robtool:{table.source}:{row.study}",
                Finding(
                    check="rob_tool",
                    subject=label,
                    quantity="tool",
                    reported="RoB 2",
                    recomputed="ROBINS-I",
                    tolerance=None,
                    severity="warning",
                    message=(
                        f"RoB 2 is a tool for randomised trials, but {' and '.join(reasons)}. "
                        "Non-randomised studies of "
                        "interventions are assessed with ROBINS-I (Sterne et al. 2016), whose domains (confounding, "
                        "selection of participants) RoB 2 does not have." + contradiction
                    ),
                    source=row.source,
                ),
            )


# ---------------------------------------------------------------------- eligibility
def _eligibility(ctx: Context) -> None:
    claims = ctx.claims
    rules = claims.eligibility
    if rules is None:
        return
    include = {design_category(d) for d in rules.include_designs} - {None}
    exclude = {design_category(d) for d in rules.exclude_designs} - {None}
    for study in claims.listed:
        ctx.compared("eligibility")
        reasons: list[str] = []
        category = design_category(study.design)
        comparative, why_not = _comparative(study)
        if category == "cohort" and comparative and "non-randomised comparative" in include:
            category = "non-randomised comparative"
        if study.marked_excluded:
            reasons.append(f"its own row says '{study.marked_excluded}'")
        if category is not None:
            if category in exclude:
                reasons.append(f"its design ({study.design}) is a {category}, which the criteria exclude")
            elif include and category not in include:
                what = (
                    "not one of the designs the criteria include"
                    if category != "unspecified"
                    else ("not a study design at all (it does not identify one study)")
                )
                reasons.append(f"its design ({study.design}) is {what}")
        if rules.comparative and not comparative:
            reasons.append(f"it is not comparative: {why_not}")
        for criterion in rules.criteria:
            value = study.field(criterion.field)
            if value is None:
                continue
            if criterion.include_match and not matches(value, criterion.include_match):
                reasons.append(
                    f"its {criterion.field} ('{value}') does not meet "
                    + (
                        f"'{criterion.text}'"
                        if criterion.text
                        else f"the criterion ({' or '.join(criterion.include_match)})"
                    )
                )
            elif criterion.exclude_match and matches(value, criterion.exclude_match):
                reasons.append(
                    f"its {criterion.field} ('{value}') is excluded by "
                    + (
                        f"'{criterion.text}'"
                        if criterion.text
                        else f"the criterion (not {' or '.join(criterion.exclude_match)})"
                    )
                )
        if not reasons:
            continue
        stated = f" The stated criteria ({rules.source}): {rules.text}" if rules.text else ""
        ctx.flag(
            f"eligibility:{study.id}",
            Finding(
                check="eligibility",
                subject=study.label,
                quantity="inclusion",
                reported="included",
                recomputed="excluded by the stated criteria",
                tolerance=None,
                severity="error",
                message=(
                    f"{study.label} is among the included studies, but "
                    + "; ".join(reasons)
                    + "."
                    + stated
                    + " A study that fails the review's own criteria changes what the pooled result estimates."
                ),
                source=study.source,
            ),
        )


# ---------------------------------------------------------------------- duplicate_study
_STATS = ("mean", "sd", "baseline_mean", "baseline_sd", "followup_mean", "followup_sd", "percent")
#: identical printed summary values between two studies' arms that make copying (not chance) the explanation
COPIED_VALUES = 3


def _values(arm: Arm) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in _STATS:
        value = getattr(arm, name)
        if value is not None:
            out[name] = value.value
    if arm.events is not None:
        out["events"] = arm.events
    return out


def _words(text: str | None) -> set[str]:
    if not text:
        return set()
    text = re.sub(r"\([^)]*\)", " ", text.casefold())
    words = {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text)}
    return words - {"and", "or", "with", "the", "of", "a", "alone", "injection", "treatment", "group"}


def _similar(first: str | None, second: str | None) -> bool:
    a, b = _words(first), _words(second)
    return bool(a and b) and len(a & b) / len(a | b) >= 0.5


def _duplicate_study(ctx: Context) -> None:
    claims = ctx.claims
    included = {c.casefold() for c in claims.included_citations}
    for study in claims.studies:
        listed = [c for c in study.citations if c.casefold() in included]
        if len(listed) < 2:
            continue
        ctx.compared("duplicate_study")
        ctx.flag(
            f"dup-citations:{study.id}",
            Finding(
                check="duplicate_study",
                subject=study.label,
                quantity="citations",
                reported=len(listed),
                recomputed=1,
                tolerance=None,
                severity="error",
                message=(
                    f"The same study data ({study.source}) are attributed to {' and '.join(listed)}, and both are "
                    "counted among the included studies: one study counted twice inflates k, the total of participants "
                    "and, if both enter a meta-analysis, the weight of its result."
                ),
                source=study.source,
            ),
        )
    by_outcome: dict[str, list[DataRow]] = {}
    for row in claims.data:
        by_outcome.setdefault(row.outcome, []).append(row)
    for outcome, rows in by_outcome.items():
        for pair in combinations(rows, 2):
            first, second = sorted(pair, key=lambda row: row.study)  # findings do not depend on the order of rows
            if first.study == second.study or len(first.arms) != len(second.arms):
                continue
            ctx.compared("duplicate_study")
            _compare_rows(ctx, claims, outcome, first, second)
    described = [s for s in claims.studies if len(s.arms) >= 2 or s.age_mean is not None]
    for study_pair in combinations(described, 2):
        one, other = sorted(study_pair, key=lambda study: study.id)
        ctx.compared("duplicate_study")
        _compare_studies(ctx, one, other)


def _compare_rows(ctx: Context, claims: Claims, outcome: str, first: DataRow, second: DataRow) -> None:
    shared: list[str] = []
    total = 0
    identical = True
    for a, b in zip(first.arms, second.arms, strict=True):
        va, vb = _values(a), _values(b)
        keys = va.keys() & vb.keys()
        total += len(keys)
        same = [k for k in keys if va[k] == vb[k]]
        shared.extend(f"{b.group} {k.replace('_', ' ')} {vb[k]:g}" for k in sorted(same))
        identical = identical and a.n == b.n and len(same) == len(keys) == len(va) == len(vb)
    labels = f"{claims.label(first.study)} and {claims.label(second.study)}"
    if identical and total:
        strong = total >= 2 * len(first.arms)  # at least two statistics per arm (a mean and an SD)
        message = (
            f"{first.source} and {second.source} hold identical {outcome} data (every arm's size and summary "
            "statistics). "
        )
        message += (
            "Two trials do not produce the same numbers: this is one study counted twice, which doubles its weight "
            "in the pooled result."
            if strong
            else "With one number per arm this can happen by chance, but together with identical arm sizes it more "
            "likely means one study's data were entered twice."
        )
        ctx.flag(
            f"dup-data:{first.study}:{second.study}:{outcome}",
            Finding(
                check="duplicate_study",
                subject=labels,
                quantity=f"{outcome} data",
                reported="identical",
                recomputed=None,
                tolerance=None,
                severity="error" if strong else "warning",
                message=message,
                source=f"{first.source}; {second.source}",
            ),
        )
    elif len(shared) >= COPIED_VALUES:
        ctx.flag(
            f"dup-values:{first.study}:{second.study}:{outcome}",
            Finding(
                check="duplicate_study",
                subject=labels,
                quantity=f"{outcome} data",
                reported=f"{len(shared)} of {total}",
                recomputed=None,
                tolerance=None,
                severity="warning",
                message=(
                    f"{first.source} and {second.source} share {len(shared)} of {total} printed summary values "
                    f"({'; '.join(shared)}). Independent studies rarely agree to the last digit in "
                    f"{COPIED_VALUES} or more "
                    "values; the data were probably copied from one row to the other, so at least one row does not "
                    "describe its study."
                ),
                source=f"{first.source}; {second.source}",
            ),
        )


def _compare_studies(ctx: Context, first: Study, second: Study) -> None:
    pair = f"{first.label} and {second.label}"
    if len(first.arms) >= 2 and first.arms == second.arms and sum(1 for a in first.arms if a > 0) >= 2:
        alike = [
            name
            for name in ("country", "intervention", "control", "follow_up")
            if (a := first.fields.get(name)) is not None
            and (b := second.fields.get(name)) is not None
            and (a.casefold() == b.casefold() or _similar(a, b))
        ]
        if len(alike) >= 3:
            ctx.flag(
                f"dup-trial:{first.id}:{second.id}",
                Finding(
                    check="duplicate_study",
                    subject=pair,
                    quantity="arm sizes and characteristics",
                    reported="/".join(map(str, first.arms)),
                    recomputed=None,
                    tolerance=None,
                    severity="warning",
                    message=(
                        f"{pair} have the same arm sizes ({'/'.join(map(str, first.arms))}) and the same "
                        f"{', '.join(a.replace('_', '-') for a in alike)}: probably one trial reported twice (e.g. "
                        "two publications of it), which the review counts as two studies. Multiple reports of one "
                        "study must be collated into one (Cochrane Handbook 5.2.2)."
                    ),
                    source=f"{first.source}; {second.source}",
                ),
            )
            return
    demo = [
        (name, a.show())
        for name, a, b in (("mean age", first.age_mean, second.age_mean), ("age SD", first.age_sd, second.age_sd))
        if a is not None and b is not None and a.value == b.value and a.decimals == b.decimals
    ]
    shared_pct = [
        (p.what.split(" % ")[0], p.value.show())
        for p in first.percentages
        for q in second.percentages
        if p.what.split(" % ")[0] == q.what.split(" % ")[0] and p.value.value == q.value.value and p.value.decimals
    ]
    if (
        len(demo) == 2
        and shared_pct
        and first.n is not None
        and second.n is not None
        and first.n.value != second.n.value
    ):
        values = "; ".join(f"{k} {v}" for k, v in [*demo, *shared_pct])
        ctx.flag(
            f"dup-demographics:{first.id}:{second.id}",
            Finding(
                check="duplicate_study",
                subject=pair,
                quantity="participant characteristics",
                reported=values,
                recomputed=None,
                tolerance=None,
                severity="warning",
                message=(
                    f"{pair} have identical participant characteristics ({values}) although their sizes differ "
                    f"({first.n.show()} and {second.n.show()}): "
                    "the characteristics of one were probably copied into the "
                    "other's row, so that row does not describe its study."
                ),
                source=f"{first.source}; {second.source}",
            ),
        )


def _listing(items: Sequence[str]) -> str:
    return ", ".join(items)


ROB_OVERALL = Check(
    "rob_overall",
    "overall risk-of-bias judgement against the domains by the tool's rule; columns that are no domain of the tool",
    "exact (RoB 2: High if any domain is High; Some concerns or High with concerns in several domains)",
    _rob_overall,
)
ROB_TOOL = Check(
    "rob_tool",
    "RoB 2 applied to studies the review describes as non-randomised",
    "exact (by the design in the table of studies and the risk-of-bias table's own words)",
    _rob_tool,
)
ELIGIBILITY = Check(
    "eligibility",
    "included studies whose design or characteristics the stated criteria exclude",
    "exact (designs classified by their names; other criteria by the words the claims give)",
    _eligibility,
)
DUPLICATE_STUDY = Check(
    "duplicate_study",
    "one study's data under two citations; identical or copied arm data; same arm sizes and characteristics",
    f"identical data; {COPIED_VALUES} or more identical printed values; same arm sizes and 3 of 4 characteristics",
    _duplicate_study,
)
