"""The audit: load claims (a claims file or a sysreview results.json), run the checks in order, report."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sysreview.audit._claims import (
    Analysis,
    Claims,
    EffectClaim,
    Estimate,
    Study,
    measure_scale,
    parse_claims,
)
from sysreview.audit._context import Check, Context
from sysreview.audit._counts import PERCENTAGE_COUNT, PRISMA_ARITHMETIC, SAMPLE_SIZE, STUDY_COUNT
from sysreview.audit._effects import CHANGE_SCORE, EFFECT_RECOMPUTE, POOLED_RECOMPUTE, SUBGROUP_TEST
from sysreview.audit._intervals import CI_ESTIMATE, CI_SIGN, HETEROGENEITY, P_VALUE
from sysreview.audit._loader import Node, read_document
from sysreview.audit._numbers import Num, Reported, parse_reported
from sysreview.audit._report import AuditReport
from sysreview.audit._studies import DUPLICATE_STUDY, ELIGIBILITY, ROB_OVERALL, ROB_TOOL
from sysreview.errors import InputError

__all__ = ["CHECKS", "audit", "claims_from_results", "load_claims"]

#: the checks by name, in the order they run (later checks skip subjects earlier ones found inconsistent)
CHECKS: Mapping[str, Check] = MappingProxyType(
    {
        check.name: check
        for check in (
            CI_SIGN,
            CI_ESTIMATE,
            P_VALUE,
            HETEROGENEITY,
            CHANGE_SCORE,
            EFFECT_RECOMPUTE,
            POOLED_RECOMPUTE,
            SUBGROUP_TEST,
            PERCENTAGE_COUNT,
            SAMPLE_SIZE,
            STUDY_COUNT,
            PRISMA_ARITHMETIC,
            ROB_OVERALL,
            ROB_TOOL,
            ELIGIBILITY,
            DUPLICATE_STUDY,
        )
    }
)


def load_claims(path: str | Path) -> Claims:
    """Read a claims file (``.yaml``, ``.yml`` or ``.json``; see docs/claims.md) or a sysreview ``results.json``.

    Raises InputError naming the file, the line (YAML) and the field of anything it cannot accept.
    """
    doc, name = read_document(path)
    if isinstance(doc, Mapping) and "sysreview_claims" not in doc and ("analyses" in doc or "estimate" in doc):
        return claims_from_results(doc, file=name)
    if not isinstance(doc, Mapping) or "sysreview_claims" not in doc:
        raise InputError(
            "not a claims file: a claims file starts with 'sysreview_claims: 1' (docs/claims.md), and a results "
            "file has 'analyses'",
            file=name,
        )
    return parse_claims(doc, file=name)


def audit(claims: Claims | str | Path, *, checks: Sequence[str] | None = None) -> AuditReport:
    """Recompute what the claims allow and report every inconsistency.

    Parameters
    ----------
    claims : Claims or path
        Claims read by :func:`load_claims`, or the path of a claims file or results.json.
    checks : sequence of str, optional
        Names of the checks to run (default: all of :data:`CHECKS`, in their order).

    Returns
    -------
    AuditReport
        Frozen: findings, comparisons made per check, and what could not be checked.
    """
    if not isinstance(claims, Claims):
        claims = load_claims(claims)
    names = list(CHECKS) if checks is None else list(checks)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise InputError(f"unknown check {unknown[0]!r}; choose from {', '.join(CHECKS)}")
    ctx = Context(claims=claims)
    for name in CHECKS:  # registry order, so that dependencies run first
        if name in names:
            ctx.checked[name] += 0
            CHECKS[name].run(ctx)
    return AuditReport(
        claims=claims.file,
        title=claims.title,
        findings=tuple(ctx.findings),
        checked=MappingProxyType({name: ctx.checked[name] for name in CHECKS if name in names}),
        skipped=tuple(ctx.skipped),
    )


# ---------------------------------------------------------------------- results.json
def claims_from_results(doc: Any, *, file: str = "results.json") -> Claims:
    """Claims from a sysreview results document: ``{"analyses": [...]}`` (or one ``MetaResult.to_dict()``).

    Estimates are on the model scale (log for ratios), as sysreview writes them; per-study ``yi``/``vi`` are the
    studies' data. The numbers are full precision, so every comparison is at sysreview's 1e-6 agreement.
    """
    root = Node(doc, file=file).mapping()
    items = root.list("analyses", required=True) if root.has("analyses") else [root]
    analyses: list[Analysis] = []
    studies: dict[str, Study] = {}
    effects: list[EffectClaim] = []
    for index, node in enumerate(items):
        node.mapping()
        analysis_id = node.text("id") or f"analysis {index + 1}"
        outcome = node.text("outcome") or analysis_id
        measure = node.text("measure")
        level = _level(node)
        test = node.text("test") or "z"
        members: list[str] = []
        weights: dict[str, float] = {}
        for j, item in enumerate(node.list("studies")):
            item.mapping()
            name = item.text("study") or str(j + 1)
            sid = f"{analysis_id}::{name}"
            if sid in studies:
                raise item.child("study").error(f"study {name!r} appears twice in analysis {analysis_id!r}")
            yi, vi = item.reported("yi", required=True), item.reported("vi", required=True)
            assert yi is not None
            assert vi is not None
            if vi.value < 0:
                raise item.child("vi").error(f"a sampling variance cannot be negative, got {vi.text}")
            studies[sid] = Study(
                id=sid,
                label=name,
                source=f"{file}: {analysis_id}, study {name}",
                design=None,
                paired=False,
                n=None,
                arms=(),
                fields=MappingProxyType({}),
                age_mean=None,
                age_sd=None,
                percentages=(),
                outcomes=(),
                citations=(),
                marked_excluded=None,
            )
            members.append(sid)
            weight = item.number("weight")
            if weight is not None:
                weights[sid] = weight
            se = Reported(value=math.sqrt(vi.value), decimals=vi.decimals, text="")
            effects.append(
                EffectClaim(
                    study=sid,
                    outcome=outcome,
                    estimate=Estimate(
                        key=f"effect:{sid}:{outcome}:{measure}",
                        subject=f"{name}: {outcome} ({measure})",
                        measure=measure,
                        scale=measure_scale(measure) or "identity",
                        estimate=yi,
                        lower=None,
                        upper=None,
                        se=se,
                        pvalue=None,
                        level=level,
                        test=test,
                        df=None,
                        source=f"{file}: {analysis_id}, study {name}",
                        model_scale=True,
                    ),
                )
            )
        lower, upper = node.reported("ci_lower"), node.reported("ci_upper")
        est = Estimate(
            key=f"analysis:{analysis_id}",
            subject=f"pooled {outcome} ({analysis_id})",
            measure=measure,
            scale=measure_scale(measure) or "identity",
            estimate=node.reported("estimate"),
            lower=lower,
            upper=upper,
            se=node.reported("se"),
            pvalue=_pvalue(node),
            level=level,
            test=test,
            df=node.number("df"),
            source=f"{file}: {analysis_id}",
            model_scale=True,
        )
        method = node.text("method")
        analyses.append(
            Analysis(
                id=analysis_id,
                outcome=outcome,
                measure=measure,
                method=method,
                k=node.count("k", positive=True),
                n=None,
                studies=tuple(members) or None,
                estimate=est,
                tau2=node.reported("tau2"),
                I2=node.reported("I2"),
                Q=node.reported("Q"),
                Q_pvalue=node.reported("Q_pvalue"),
                pi_lower=node.reported("pi_lower"),
                pi_upper=node.reported("pi_upper"),
                subgroups=None,
                source=est.source,
                from_results=True,
                weights=MappingProxyType(weights),
            )
        )
    ids = [a.id for a in analyses]
    if len(set(ids)) != len(ids):
        raise InputError(f"analysis ids must be unique; {ids}", file=file)
    return Claims(
        file=file,
        title=root.text("title"),
        level=0.95,
        alpha=0.05,
        outcomes=MappingProxyType({}),
        studies=tuple(studies.values()),
        included_citations=(),
        data=(),
        effects=tuple(effects),
        effect_ranges=(),
        analyses=tuple(analyses),
        risk_of_bias=(),
        prisma=(),
        participants=(),
        percentages=(),
        means=(),
        study_counts=(),
        eligibility=None,
    )


def _level(node: Node) -> float:
    value = node.number("level")
    if value is None:
        return 0.95
    return value / 100 if value > 1 else value


def _pvalue(node: Node) -> Reported | None:
    p = node.reported("pvalue")
    if p is None:
        return None
    # full-precision p-values far below any printed digit are compared at the precision floor
    return p


def reported_from(value: float) -> Reported:
    """A full-precision number as a reported value (for tests and generated claims)."""
    return parse_reported(Num(value, repr(value)))
