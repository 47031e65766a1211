"""Run the planned analyses with sysreview's own statistics (effects, models, diagnostics, appraisal).

Nothing is computed here that those packages do not compute: this module picks the data each analysis needs,
calls them, and collects their results for the report and ``results.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sysreview.errors import InputError
from sysreview.report._plan import CONTINUOUS_MEASURES, AnalysisSpec

__all__ = ["AnalysisOutput", "StudyData", "results_entry", "run_analysis", "study_data"]

#: the keys of one analysis in results.json, in order (the contract of issue 7)
RESULT_KEYS = (
    "id", "outcome", "measure", "method", "test", "k", "estimate", "se", "ci_lower", "ci_upper", "pvalue",
    "tau2", "I2", "Q", "pi_lower", "pi_upper", "studies",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyData:
    """The arm-level data of one outcome: one entry per comparison, metafor's column names."""

    study: tuple[str, ...]
    columns: Mapping[str, tuple[float, ...]]
    group: Mapping[str, tuple[str, ...]]
    participants: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisOutput:
    """One analysis: its spec, the fitted model and what the plan asked for around it."""

    spec: AnalysisSpec
    data: StudyData
    fit: Any
    escalc_notes: tuple[str, ...] = ()
    subgroups: Any = None
    loo: Any = None
    egger: Any = None
    trimfill: Any = None
    grade: Any = None
    sof: Any = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _number(value: str, *, file: str, row: int, column: str) -> float:
    try:
        return float(value.replace("−", "-"))
    except ValueError:
        raise InputError(f"row {row}: column {column!r}: expected a number, got {value!r}", file=file) from None


def _text(record: Mapping[str, str], column: str, *, file: str, row: int) -> str:
    value = record.get(column)
    if value is None:
        raise InputError(f"row {row}: no column {column!r}", file=file)
    return value


def _value(record: Mapping[str, str], column: str, *, file: str, row: int) -> float:
    return _number(_text(record, column, file=file, row=row), file=file, row=row, column=column)


#: a row of a CSV table and its line in the file (the header is line 1)
_Row = tuple[Mapping[str, str], int]


def _outcome_rows(rows: Sequence[Mapping[str, str]], outcome: str) -> list[_Row]:
    """The rows of ``outcome`` (every row when the table has no ``outcome`` column), with their line numbers."""
    numbered = [(r, i) for i, r in enumerate(rows, start=2)]
    if rows and "outcome" in rows[0]:
        return [(r, i) for r, i in numbered if r.get("outcome") == outcome]
    return numbered


def _pairs(rows: Sequence[_Row], comparison: str, *, file: str) -> dict[str, dict[str, _Row]]:
    """The arms of each comparison (in the order of the file): comparison → arm → row."""
    pairs: dict[str, dict[str, _Row]] = {}
    for r, i in rows:
        key = _text(r, comparison, file=file, row=i)
        arm = _text(r, "arm", file=file, row=i)
        if arm in pairs.setdefault(key, {}):
            raise InputError(f"row {i}: a second {arm!r} arm for {comparison} {key!r}", file=file)
        pairs[key][arm] = (r, i)
    return pairs


def study_data(
    spec: AnalysisSpec,
    arms: Sequence[Mapping[str, str]],
    counts: Sequence[Mapping[str, str]],
    *,
    arms_file: str,
    counts_file: str,
) -> StudyData:
    """The comparisons of ``spec``'s outcome, one per value of the plan's ``comparison`` column.

    Continuous measures read each arm's ``n``, ``mean`` and ``sd`` columns (as the plan names them) from the arm
    table; binary ones its ``n`` and ``events`` from the counts table (the arm table when there is none). Rows are
    those of the analysis's outcome when the table has an ``outcome`` column. The study name and the subgroup
    come from the intervention arm of the arm table.
    """
    continuous = spec.measure in CONTINUOUS_MEASURES
    if continuous or not counts:
        rows, file = _outcome_rows(arms, spec.outcome), arms_file
    else:
        rows, file = _outcome_rows(counts, spec.outcome), counts_file
    if not rows:
        raise InputError(f"no rows for outcome {spec.outcome!r}", file=file)
    pairs = _pairs(rows, spec.comparison, file=file)
    if file == arms_file:
        arm_pairs = pairs
    else:  # the arm table names each comparison's study and subgroup: each arm's first row (of this outcome's rows
        arm_pairs = {}  # when it has an outcome column and rows of this outcome)
        for r, i in _outcome_rows(arms, spec.outcome) or [(r, i) for i, r in enumerate(arms, start=2)]:
            if r.get(spec.comparison) is not None and r.get("arm") is not None:
                arm_pairs.setdefault(r[spec.comparison], {}).setdefault(r["arm"], (r, i))
    study: list[str] = []
    group: list[str] = []
    cols: dict[str, list[float]] = {k: [] for k in ("n1i", "n2i", "m1i", "sd1i", "m2i", "sd2i", "ai", "ci")}
    participants = 0
    notes = []
    for key, pair in pairs.items():
        if set(pair) != {"intervention", "control"}:
            raise InputError(
                f"{spec.comparison} {key!r}: expected one intervention and one control arm, got "
                f"{', '.join(sorted(pair))}", file=file)  # fmt: skip
        (t, lt), (c, lc) = pair["intervention"], pair["control"]
        described = arm_pairs.get(key, {})
        (ta, lta), afile = described.get("intervention", (t, lt)), arms_file if "intervention" in described else file
        study.append(_text(ta, "study", file=afile, row=lta))
        if spec.subgroup:
            value = _text(ta, spec.subgroup, file=afile, row=lta)
            if "control" in described:
                ca, lca = described["control"]
                other = _text(ca, spec.subgroup, file=afile, row=lca)
                if other != value:
                    raise InputError(
                        f"row {lca}: column {spec.subgroup!r}: {other!r} differs from {value!r} in the intervention "
                        f"arm (row {lta}) of {spec.comparison} {key!r}; a subgroup describes the comparison",
                        file=afile)  # fmt: skip
            group.append(value)
        n1 = _value(t, spec.n, file=file, row=lt)
        n2 = _value(c, spec.n, file=file, row=lc)
        cols["n1i"].append(n1)
        cols["n2i"].append(n2)
        participants += int(n1 + n2)
        if continuous:
            cols["m1i"].append(_value(t, spec.mean, file=file, row=lt))
            cols["sd1i"].append(_value(t, spec.sd, file=file, row=lt))
            cols["m2i"].append(_value(c, spec.mean, file=file, row=lc))
            cols["sd2i"].append(_value(c, spec.sd, file=file, row=lc))
        else:
            cols["ai"].append(_value(t, spec.events, file=file, row=lt))
            cols["ci"].append(_value(c, spec.events, file=file, row=lc))
            for arm in (t, c):
                if arm.get("consistent") == "no":
                    notes.append(f"{arm.get('study', key)}, {arm['arm']}: {arm.get('note', '')}")
    used = ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i") if continuous else ("ai", "n1i", "ci", "n2i")
    return StudyData(
        study=tuple(study),
        columns={k: tuple(cols[k]) for k in used},
        group={spec.subgroup: tuple(group)} if spec.subgroup else {},
        participants=participants,
        notes=tuple(notes),
    )


def run_analysis(
    spec: AnalysisSpec, data: StudyData, *, level: float, rob: Mapping[str, str] | None = None
) -> AnalysisOutput:
    """Fit ``spec`` on ``data`` and run the subgroup, leave-one-out, small-study and GRADE steps it asks for."""
    from sysreview import appraisal, diagnostics
    from sysreview.effects import escalc
    from sysreview.models import rma, subgroup_analysis

    c = data.columns
    if spec.measure in CONTINUOUS_MEASURES:
        es = escalc(spec.measure, n1i=c["n1i"], m1i=c["m1i"], sd1i=c["sd1i"], n2i=c["n2i"], m2i=c["m2i"],
                    sd2i=c["sd2i"])  # fmt: skip
    else:
        es = escalc(
            spec.measure, ai=c["ai"], bi=[n - a for n, a in zip(c["n1i"], c["ai"], strict=True)],
            ci=c["ci"], di=[n - x for n, x in zip(c["n2i"], c["ci"], strict=True)],
        )  # fmt: skip
    fit = rma(es.yi, es.vi, method=spec.method, test=spec.test, level=level, measure=spec.measure,
              study=list(data.study))  # fmt: skip
    sub = None
    if spec.subgroup:
        if spec.subgroup not in data.group:
            raise InputError(f"analysis {spec.id!r}: no column {spec.subgroup!r} to form subgroups")
        sub = subgroup_analysis(es.yi, es.vi, list(data.group[spec.subgroup]), method=spec.method, test=spec.test,
                                level=level, measure=spec.measure, study=list(data.study),
                                variable=spec.subgroup)  # fmt: skip
    loo = diagnostics.leave_one_out(fit) if spec.leave_one_out else None
    egger = trimfill = None
    if spec.small_study:
        egger = diagnostics.egger_test(fit)
        trimfill = diagnostics.trim_and_fill(fit)
    grading = appraisal.grade(fit, design="randomised", rob=dict(rob) if rob else None,
                              participants=data.participants, outcome=spec.outcome)  # fmt: skip
    control_risk = None
    if spec.measure in ("RR", "OR"):  # an assumed control risk gives absolute effects for ratios of risks/odds
        control_risk = sum(data.columns["ci"]) / sum(data.columns["n2i"])
    sof = appraisal.summary_of_findings(fit, grading, control_risk=control_risk, participants=data.participants,
                                        outcome=spec.outcome)  # fmt: skip
    notes = [n for n in es.notes if n] if es.notes else []
    return AnalysisOutput(spec=spec, data=data, fit=fit, escalc_notes=tuple(str(n) for n in notes), subgroups=sub,
                          loo=loo, egger=egger, trimfill=trimfill, grade=grading, sof=sof,
                          notes=data.notes)  # fmt: skip


def results_entry(out: AnalysisOutput) -> dict[str, Any]:
    """The analysis as results.json states it: the contract's keys (metafor's names, as ``MetaResult.to_dict``),
    then the extras (subgroups, leave-one-out, small-study tests) under their own keys."""
    d = out.fit.to_dict()
    entry: dict[str, Any] = {"id": out.spec.id, "outcome": out.spec.outcome}
    for key in RESULT_KEYS[2:]:
        entry[key] = d.get(key)
    entry["studies"] = [{k: s.get(k) for k in ("study", "yi", "vi", "weight")} for s in d["studies"]]
    entry["level"] = d.get("level")
    entry["role"] = out.spec.role
    entry["label"] = out.spec.label
    if out.subgroups is not None:
        entry["subgroups"] = _subgroups_dict(out.subgroups)
    if out.loo is not None:
        entry["leave_one_out"] = [
            {"omitted": s, "estimate": e, "ci_lower": lo, "ci_upper": hi, "I2": i2}
            for s, e, lo, hi, i2 in zip(out.loo.study, out.loo.estimate, out.loo.ci_lower, out.loo.ci_upper,
                                        out.loo.I2, strict=True)
        ]  # fmt: skip
    if out.egger is not None:
        e = out.egger
        entry["egger"] = {"statistic": e.statistic, "pvalue": e.pvalue, "df": e.df, "k": e.k,
                          "intercept": e.intercept, "bias": e.bias}  # fmt: skip
    if out.trimfill is not None:
        t = out.trimfill
        entry["trim_and_fill"] = {"k0": t.k0, "side": t.side, "estimate": t.estimate, "ci_lower": t.ci_lower,
                                  "ci_upper": t.ci_upper, "tau2": t.tau2}  # fmt: skip
    plain: dict[str, Any] = _plain(entry)
    return plain


def _subgroups_dict(sub: Any) -> dict[str, Any]:
    groups = []
    items = sub.subgroups.items() if isinstance(sub.subgroups, Mapping) else enumerate(sub.subgroups)
    for name, fit in items:
        d = fit.to_dict()
        groups.append({"subgroup": str(name), **{k: d.get(k) for k in ("k", "estimate", "se", "ci_lower", "ci_upper",
                                                                        "pvalue", "tau2", "I2")}})  # fmt: skip
    return {"variable": sub.variable, "groups": groups, "Q_between": sub.Q_between, "Q_between_df": sub.Q_between_df,
            "Q_between_pvalue": sub.Q_between_pvalue, "notes": list(sub.notes)}  # fmt: skip


def _plain(value: Any) -> Any:
    """numpy scalars and tuples as JSON's plain numbers and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value
