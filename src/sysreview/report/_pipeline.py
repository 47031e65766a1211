"""Run a project folder's whole plan: analyses, figures, audit, then write results.json, audit.json and the report.

:func:`run_review` is what ``sysreview run DIR`` calls. It reads the project's files (the protocol is passed in,
already read by :mod:`sysreview.project`), runs every planned analysis with the statistics packages, draws the
figures with :mod:`sysreview.plots`, audits the published claims and our own results with :mod:`sysreview.audit`,
stores everything the report shows in ``context.json`` and renders it (:func:`sysreview.report.render_report`).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sysreview._version import __version__
from sysreview.errors import SysreviewError
from sysreview.report import _figures
from sysreview.report._analyses import AnalysisOutput, results_entry, run_analysis, study_data
from sysreview.report._measures import measure_info
from sysreview.report._methods import methods_paragraph
from sysreview.report._plan import Plan, load_plan, read_csv

__all__ = ["RunOutput", "run_review"]

CONTEXT_FILE = "context.json"
#: the judgement GRADE counts for a comparison the review gives no risk-of-bias assessment for (conservative)
UNASSESSED = "High"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOutput:
    """What a run wrote: the report folder and its main files."""

    out: Path
    html: Path
    markdown: Path
    docx: Path
    results: Path
    audit: Path
    figures: tuple[Path, ...]
    warnings: tuple[str, ...]


def run_review(
    directory: str | Path,
    out: str | Path,
    *,
    protocol: Mapping[str, Any] | None = None,
    command: str = "",
    step: Callable[[str], None] | None = None,
) -> RunOutput:
    """Run the plan of the project in ``directory`` and write the report into ``out``."""
    from sysreview.report._render import render_report

    say = step or (lambda _message: None)
    plan = load_plan(directory)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures_dir = out / "figures"
    warnings: list[str] = []

    say("reading the project's files")
    arms = read_csv(plan.data["arms"])
    counts = read_csv(plan.data["counts"]) if "counts" in plan.data else []
    studies = read_csv(plan.data["studies"]) if "studies" in plan.data else []
    rob_rows = read_csv(plan.data["rob"]) if "rob" in plan.data else []
    records = _records(plan.data.get("records", []))
    screening = _screening(read_csv(plan.data["decisions"])) if "decisions" in plan.data else []
    rob_by_study = _rob_by_comparison(arms, rob_rows)

    say("running the planned analyses")
    outputs: list[AnalysisOutput] = []
    for spec in plan.analyses:
        data = study_data(spec, arms, counts, arms_file=str(plan.data["arms"]),
                          counts_file=str(plan.data.get("counts", "")))  # fmt: skip
        outputs.append(run_analysis(spec, data, level=plan.level, rob=rob_by_study))
    entries = [results_entry(o) for o in outputs]
    results_doc = {"sysreview": __version__, "analyses": entries}
    results_path = out / "results.json"
    results_path.write_text(json.dumps(results_doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    say("drawing the figures")
    figures: dict[str, Any] = {}
    analysis_ctx = []
    for o, entry in zip(outputs, entries, strict=True):
        figs = [_figures.save_figure(_figures.forest(o), figures_dir, f"forest-{o.spec.id}",
                                     f"Forest plot: {o.spec.label}.")]  # fmt: skip
        if o.spec.small_study:
            figs.append(_figures.save_figure(_figures.funnel(o), figures_dir, f"funnel-{o.spec.id}",
                                             f"Funnel plot with pseudo-confidence contours, trim-and-fill and "
                                             f"Egger's line: {o.spec.label}."))  # fmt: skip
        if o.loo is not None:
            figs.append(_figures.save_figure(_figures.leave_one_out(o), figures_dir, f"loo-{o.spec.id}",
                                             f"Leave-one-out: {o.spec.label}."))  # fmt: skip
        analysis_ctx.append(_analysis_context(o, entry, figs))
    figures.update(_prisma_and_rob(plan, rob_rows, figures_dir))

    say("auditing the published claims and our results")
    audit_doc = _audit(plan, results_path, warnings)
    audit_path = out / "audit.json"
    audit_path.write_text(json.dumps(audit_doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    say("writing the report")
    context = {
        "title": (protocol or {}).get("title") or plan.root.name,
        "project": plan.root.name,
        "protocol": dict(protocol or {}),
        "version": __version__,
        "command": command,
        "level": plan.level,
        "prisma": _prisma_context(plan),
        "records": records,
        "screening": screening,
        "studies": studies,
        "arms": arms,
        "arms_file": Path(plan.data["arms"]).name,
        "counts": counts,
        "counts_file": Path(plan.data["counts"]).name if "counts" in plan.data else "",
        "studies_file": _name(plan, "studies"),
        "rob_file": _name(plan, "rob"),
        "records_files": [p.name for p in plan.data.get("records", [])],
        "decisions_file": _name(plan, "decisions"),
        "prisma_file": _name(plan, "prisma"),
        "notes": dict(plan.notes),
        "rob": rob_rows,
        "analyses": analysis_ctx,
        "figures": figures,
        "methods": methods_paragraph(
            plan, outputs, software=_software(), unassessed=_unassessed(outputs, arms, rob_rows)
        ),
        "audit": audit_doc,
        "inputs": _inputs(plan),
        "software": _software(),
        "warnings": warnings,
    }
    (out / CONTEXT_FILE).write_text(json.dumps(context, indent=2, ensure_ascii=False, default=str) + "\n",
                                    encoding="utf-8")  # fmt: skip
    written = render_report(context, out)
    fig_files = tuple(out / f for fig in _all_figures(context) for f in fig["files"].values())
    return RunOutput(out=out, html=written["html"], markdown=written["markdown"], docx=written["docx"],
                     results=results_path, audit=audit_path, figures=fig_files,
                     warnings=tuple(warnings))  # fmt: skip


def _all_figures(context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    figs = [f for f in context["figures"].values() if f]
    for a in context["analyses"]:
        figs.extend(a["figures"])
    return figs


# ---------------------------------------------------------------------- inputs
def _records(paths: Sequence[Path]) -> list[dict[str, Any]]:
    from sysreview.records import read

    out = []
    for path in paths:
        for r in read(path):
            authors = list(r.authors or ())
            out.append({
                "id": r.id, "authors": ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else ""),
                "year": r.year, "title": r.title, "journal": r.journal, "doi": r.doi or "", "pmid": r.pmid or "",
                "file": path.name,
            })  # fmt: skip
    return out


def _screening(decisions: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """The current state of each record from the decision log: per stage, the reviewers' labels, the arbiter's
    where they disagree; the final stage reached decides (an adapter until the project store holds the log)."""
    by: dict[str, dict[str, list[Mapping[str, str]]]] = {}
    for d in decisions:
        by.setdefault(d["record_id"], {}).setdefault(d["stage"], []).append(d)
    out = []
    for record, stages in by.items():
        final, reason, last_stage = "", "", ""
        notes: list[str] = []
        for stage in ("title_abstract", "full_text"):
            rows = sorted(stages.get(stage, []), key=lambda d: d.get("time", ""))
            if not rows:
                continue
            labels = {d["label"] for d in rows}
            final = rows[-1]["label"] if len(labels) > 1 else rows[0]["label"]
            reason = rows[-1]["reason"] if final == "exclude" else ""
            notes.extend(d["note"] for d in rows if d.get("note") and d["note"] not in notes)
            last_stage = stage
        out.append({"record_id": record, "stage": last_stage, "decision": final, "reason": reason,
                    "reviewers": len({d["reviewer"] for s in stages.values() for d in s}),
                    "note": "; ".join(notes)})  # fmt: skip
    return out


def _name(plan: Plan, key: str) -> str:
    """The file name of the plan's ``[data]`` entry ``key`` ("" when the plan has none)."""
    return Path(plan.data[key]).name if key in plan.data else ""


def _rob_by_comparison(arms: Sequence[Mapping[str, str]], rob_rows: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The overall RoB 2 judgement of each comparison: the arm table's ``table1_study`` column names a row of the
    risk-of-bias table (its ``Study`` column); a comparison it names no row for counts as ``UNASSESSED``. Without
    a risk-of-bias table there are no judgements (GRADE then does not rate risk of bias down)."""
    if not rob_rows:
        return {}
    overall = {r["Study"]: r["Overall"] for r in rob_rows}
    out: dict[str, str] = {}
    for arm in arms:
        sid = arm.get("table1_study", "")
        out[arm["study"]] = overall.get(sid, UNASSESSED)
    return out


def _unassessed(outputs: Sequence[AnalysisOutput], arms: Sequence[Mapping[str, str]],
                rob_rows: Sequence[Mapping[str, str]]) -> list[str]:  # fmt: skip
    """The analysed comparisons (by name) whose ``table1_study`` names no row of the risk-of-bias table (each is
    counted as ``UNASSESSED`` by :func:`_rob_by_comparison`), in the order of the arm table."""
    if not rob_rows:
        return []
    assessed = {r["Study"] for r in rob_rows}
    analysed = {s for o in outputs for s in o.data.study}
    missing = [a["study"] for a in arms if a["study"] in analysed and a.get("table1_study", "") not in assessed]
    return list(dict.fromkeys(missing))


def _prisma_context(plan: Plan) -> dict[str, Any]:
    if "prisma" not in plan.data:
        return {}
    from sysreview.plots import read_prisma_csv

    counts = read_prisma_csv(plan.data["prisma"])
    rows = read_csv(plan.data["prisma"])
    return {"rows": rows, "problems": list(counts.problems())}


def _prisma_and_rob(plan: Plan, rob_rows: Sequence[Mapping[str, str]], folder: Path) -> dict[str, Any]:
    from sysreview.plots import prisma_flow, read_prisma_csv, rob_summary, rob_traffic_light

    figs: dict[str, Any] = {}
    if "prisma" in plan.data:
        counts = read_prisma_csv(plan.data["prisma"])
        figs["prisma"] = _figures.save_figure(
            prisma_flow(counts), folder, "prisma", _caption(plan, "prisma", "PRISMA 2020 flow diagram")
        )
    if rob_rows:
        table = {
            (f"Study {r['Study']}" if r["Study"].isdigit() else r["Study"]): {
                **{d: r[d] for d in ("D1", "D2", "D3", "D4", "D5")},
                "Overall": r["Overall"],
            }
            for r in rob_rows
        }
        figs["rob_traffic_light"] = _figures.save_figure(
            rob_traffic_light(table, tool="rob2"),
            folder,
            "rob-traffic-light",
            _caption(plan, "rob", "Risk of bias (RoB 2), per study (overall judgement as reported)"),
        )
        figs["rob_summary"] = _figures.save_figure(
            rob_summary(table, tool="rob2"),
            folder,
            "rob-summary",
            "Risk of bias (RoB 2), share of studies per judgement (unweighted).",
        )
    return figs


def _caption(plan: Plan, key: str, what: str) -> str:
    """A figure's caption: what it shows, the data file it is drawn from, and the plan's own caption for that file."""
    extra = plan.captions.get(key, "")
    return f"{what}, from {_name(plan, key)}." + (f" {extra}" if extra else "")


def _audit(plan: Plan, results_path: Path, warnings: list[str]) -> dict[str, Any]:
    """The audit of the published claims (plan's ``claims``) and of our own results.json."""
    try:
        from sysreview.audit import audit, load_claims
    except ImportError:  # the audit package is optional while it is being built
        warnings.append("sysreview.audit is not available: the audit section is empty")
        return {"available": False}
    doc: dict[str, Any] = {"available": True}
    targets = [("claims", plan.claims), ("results", results_path)]
    for key, path in targets:
        if path is None:
            continue
        try:
            doc[key] = audit(load_claims(path)).to_dict()
        except SysreviewError as exc:
            warnings.append(f"audit of {path}: {exc}")
            doc[key] = {"error": str(exc)}
    return doc


def _inputs(plan: Plan) -> list[dict[str, Any]]:
    files = [plan.root / "analysis.toml", plan.root / "review.toml"]
    for value in plan.data.values():
        files.extend(value if isinstance(value, list) else [value])
    if plan.claims:
        files.append(plan.claims)
    out = []
    for f in files:
        if f.is_file():
            data = f.read_bytes()
            try:
                name = str(f.resolve().relative_to(plan.root.resolve().parent))
            except ValueError:
                name = str(f)
            out.append({"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    return out


def _software() -> dict[str, str]:
    versions = {"sysreview": __version__, "Python": platform.python_version()}
    for dist in ("numpy", "scipy", "matplotlib", "jinja2", "python-docx"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    versions["platform"] = f"{platform.system()} {platform.machine()}"
    return versions


def _analysis_context(o: AnalysisOutput, entry: Mapping[str, Any], figs: list[dict[str, Any]]) -> dict[str, Any]:
    """What the report shows of one analysis: results.json's entry, the model's own summary lines, GRADE."""
    sof = o.sof
    grade = o.grade
    zero_cells = sorted({f"{s}: {n}" for s, n in zip(o.data.study, o.escalc_notes, strict=False) if n})
    return {
        "id": o.spec.id,
        "label": o.spec.label,
        "role": o.spec.role,
        "measure": o.spec.measure,
        "ratio": measure_info(o.spec.measure).ratio,
        "model_scale": measure_info(o.spec.measure).model_scale,
        "reported": o.spec.reported,
        "result": dict(entry),
        "summary": o.fit.summary(),
        "study_rows": _study_rows(entry, ratio=measure_info(o.spec.measure).ratio),
        "notes": list(o.notes),
        "zero_cells": zero_cells,
        "participants": o.data.participants,
        "figures": figs,
        "sof": {
            "outcome": sof.outcome, "measure": sof.measure, "estimate": sof.estimate, "ci_lower": sof.ci_lower,
            "ci_upper": sof.ci_upper, "participants": sof.participants, "studies": sof.studies,
            "certainty": sof.certainty, "control_per_1000": sof.control_per_1000,
            "intervention_per_1000": sof.intervention_per_1000, "difference_per_1000": sof.difference_per_1000,
            "difference_ci_per_1000": sof.difference_ci_per_1000, "footnotes": list(sof.footnotes),
        },
        "grade": [{"domain": d.domain.replace("_", " "), "rating": d.rating, "reason": d.reason}
                  for d in grade.domains],
    }  # fmt: skip


def _study_rows(entry: Mapping[str, Any], *, ratio: bool) -> list[dict[str, Any]]:
    """Each study's effect and Wald-type CI at the analysis' level, on the reader's scale (exp for ratios)."""
    import math

    from scipy.stats import norm

    z = float(norm.ppf(0.5 + entry["level"] / 2))
    back = math.exp if ratio else (lambda x: x)
    rows = []
    for s in entry["studies"]:
        se = math.sqrt(s["vi"])
        rows.append({**s, "effect": back(s["yi"]), "ci_lower": back(s["yi"] - z * se),
                     "ci_upper": back(s["yi"] + z * se)})  # fmt: skip
    return rows
