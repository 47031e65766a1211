"""Run the planned analyses with sysreview's own statistics (effects, models, diagnostics, appraisal).

Nothing is computed here that those packages do not compute: this module picks the data each analysis needs,
calls them, and collects their results for the report and ``results.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sysreview.errors import InputError
from sysreview.report._plan import AnalysisSpec

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


def study_data(
    spec: AnalysisSpec,
    arms: Sequence[Mapping[str, str]],
    counts: Sequence[Mapping[str, str]],
    *,
    arms_file: str,
    counts_file: str,
) -> StudyData:
    """The comparisons of ``spec``'s outcome: means/SDs from the arm table (SMD) or derived counts (RR)."""
    if spec.measure == "SMD":
        rows, file = arms, arms_file
        keys: tuple[str, ...] = ("ecca_change_mean", "ecca_change_sd")
    else:
        rows, file = [r for r in counts if r.get("outcome") == spec.outcome], counts_file
        keys = ("events",)
        if not rows:
            raise InputError(f"no rows for outcome {spec.outcome!r}", file=file)
    by_row: dict[str, dict[str, Mapping[str, str]]] = {}
    line: dict[int, int] = {}
    for i, r in enumerate(rows, start=2):
        by_row.setdefault(r["table3_row"], {})[r["arm"]] = r
        line[id(r)] = i
    study: list[str] = []
    group: list[str] = []
    cols: dict[str, list[float]] = {k: [] for k in ("n1i", "n2i", "m1i", "sd1i", "m2i", "sd2i", "ai", "ci")}
    participants = 0
    notes = []
    arm_lookup = {(r["table3_row"], r["arm"]): r for r in arms}
    for key, pair in by_row.items():
        if set(pair) != {"intervention", "control"}:
            raise InputError(f"Table 3 row {key}: expected one intervention and one control arm", file=file)
        t, c = pair["intervention"], pair["control"]
        study.append(arm_lookup[(key, "intervention")]["study"])
        group.append(arm_lookup[(key, "intervention")].get("cell_type", ""))
        n1 = _number(t["n"], file=file, row=line[id(t)], column="n")
        n2 = _number(c["n"], file=file, row=line[id(c)], column="n")
        cols["n1i"].append(n1)
        cols["n2i"].append(n2)
        participants += int(n1 + n2)
        if spec.measure == "SMD":
            cols["m1i"].append(_number(t[keys[0]], file=file, row=line[id(t)], column=keys[0]))
            cols["sd1i"].append(_number(t[keys[1]], file=file, row=line[id(t)], column=keys[1]))
            cols["m2i"].append(_number(c[keys[0]], file=file, row=line[id(c)], column=keys[0]))
            cols["sd2i"].append(_number(c[keys[1]], file=file, row=line[id(c)], column=keys[1]))
        else:
            cols["ai"].append(_number(t["events"], file=file, row=line[id(t)], column="events"))
            cols["ci"].append(_number(c["events"], file=file, row=line[id(c)], column="events"))
            for arm in (t, c):
                if arm.get("consistent") == "no":
                    notes.append(f"{arm['study']}, {arm['arm']}: {arm['note']}")
    used = ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i") if spec.measure == "SMD" else ("ai", "n1i", "ci", "n2i")
    return StudyData(
        study=tuple(study),
        columns={k: tuple(cols[k]) for k in used},
        group={"cell_type": tuple(group)},
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

    if spec.measure == "SMD":
        c = data.columns
        es = escalc("SMD", n1i=c["n1i"], m1i=c["m1i"], sd1i=c["sd1i"], n2i=c["n2i"], m2i=c["m2i"], sd2i=c["sd2i"])
    else:
        c = data.columns
        es = escalc(
            "RR", ai=c["ai"], bi=[n - a for n, a in zip(c["n1i"], c["ai"], strict=True)],
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
    if spec.measure == "RR":
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
