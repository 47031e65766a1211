"""The Word version of the report (python-docx): the same sections as the HTML page, figures as PNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sysreview.report._render import columns, fmt, fmt_p, natural

__all__ = ["write_docx"]


def write_docx(c: Mapping[str, Any], path: Path, *, figures: Path) -> Path:
    """Write the report ``c`` (a run's context) to ``path``; PNG figures are read relative to ``figures``."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    width = int(section.page_width or 0) - int(section.left_margin or 0) - int(section.right_margin or 0)

    def table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, size: float = 8) -> None:
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Light Grid Accent 1"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = str(text)
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = "" if text is None else str(text)
        for row in t.rows:
            for cell in row.cells:
                for para in cell.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(size)
        doc.add_paragraph()

    def file_table(rows: Sequence[Mapping[str, Any]], *, size: float = 7) -> None:
        """A table read from one of the project's files: every column, headed by its name."""
        cols = columns(rows)
        table(cols, [[r[k] for k in cols] for r in rows], size=size)

    def file_note(key: str) -> None:
        if (c.get("notes") or {}).get(key):
            doc.add_paragraph(c["notes"][key]).runs[0].italic = True

    def figure(fig: Mapping[str, Any] | None, *, fraction: float = 0.8) -> None:
        if not fig:
            return
        doc.add_picture(str(figures / fig["files"]["png"]), width=int(width * fraction))
        cap = doc.add_paragraph(f"Figure: {fig['caption']}")
        cap.runs[0].italic = True

    doc.add_heading(c["title"], level=0)
    doc.add_paragraph(f"Report of the project {c['project']}, written by sysreview {c['version']}.")

    doc.add_heading("Methods", level=1)
    for para in c["methods"]:
        doc.add_paragraph(para)

    doc.add_heading("Study selection (PRISMA 2020)", level=1)
    figure(c["figures"].get("prisma"), fraction=0.75)
    if c.get("prisma"):
        file_note("prisma")
        table(
            ["PRISMA field", "n", "Source and notes"], [[r["data"], r["n"], r["source"]] for r in c["prisma"]["rows"]]
        )

    doc.add_heading("Study characteristics", level=1)
    if c.get("studies"):
        doc.add_paragraph(f"The characteristics of the included studies as extracted ({c.get('studies_file', '')}).")
        file_note("studies")
        file_table(c["studies"], size=6)
    else:
        doc.add_paragraph("No study characteristics file (studies in the plan's [data]).")

    doc.add_heading("Risk of bias (RoB 2)", level=1)
    if c.get("rob"):
        figure(c["figures"].get("rob_traffic_light"), fraction=0.55)
        figure(c["figures"].get("rob_summary"), fraction=0.6)
        doc.add_paragraph(f"The risk-of-bias judgements as extracted ({c.get('rob_file', '')}).")
        file_note("rob")
        file_table(c["rob"], size=6)
    else:
        doc.add_paragraph("No risk-of-bias file (rob in the plan's [data]).")

    for a in c["analyses"]:
        r, ratio = a["result"], a["ratio"]
        doc.add_heading(a["label"], level=1)
        doc.add_paragraph(
            f"Analysis {a['id']} ({a['role']}): {r['k']} studies, {a['participants']} participants. Pooled "
            f"{r['measure']} = {fmt(natural(r['estimate'], ratio))} ({fmt(natural(r['ci_lower'], ratio))} to "
            f"{fmt(natural(r['ci_upper'], ratio))}), p = {fmt_p(r['pvalue'])}; I² = {fmt(r['I2'], 1)}%, "
            f"τ² = {fmt(r['tau2'], 4)}, Q = {fmt(r['Q'])}; prediction interval {fmt(natural(r['pi_lower'], ratio))} "
            f"to {fmt(natural(r['pi_upper'], ratio))}."
        )
        if a["reported"]:
            doc.add_paragraph(f"The review reports: {a['reported']}.").runs[0].bold = True
        for fig in a["figures"]:
            figure(fig, fraction=0.75 if fig["name"].startswith("forest") else 0.5)
        rows = []
        for s in a["study_rows"]:
            effect = f"{fmt(s['effect'])} [{fmt(s['ci_lower'])}, {fmt(s['ci_upper'])}]"
            rows.append([s["study"], fmt(s["yi"], 3), fmt(s["vi"], 4), effect, fmt(s["weight"], 1)])
        table(["Study", "yi", "vi", f"{r['measure']} [CI]", "Weight %"], rows)
        if r.get("subgroups"):
            sg = r["subgroups"]
            table(["Subgroup", "k", r["measure"], "95% CI", "I² %"],
                  [[g["subgroup"], g["k"], fmt(natural(g["estimate"], ratio)),
                    f"{fmt(natural(g['ci_lower'], ratio))} to {fmt(natural(g['ci_upper'], ratio))}", fmt(g["I2"], 1)]
                   for g in sg["groups"]])  # fmt: skip
            doc.add_paragraph(f"Test for subgroup differences: Q = {fmt(sg['Q_between'])} (df = {sg['Q_between_df']}), "
                              f"p = {fmt_p(sg['Q_between_pvalue'])}.")  # fmt: skip
        if r.get("leave_one_out"):
            table(["Omitted", r["measure"], "95% CI", "I² %"],
                  [[x["omitted"], fmt(natural(x["estimate"], ratio)),
                    f"{fmt(natural(x['ci_lower'], ratio))} to {fmt(natural(x['ci_upper'], ratio))}", fmt(x["I2"], 1)]
                   for x in r["leave_one_out"]])  # fmt: skip
        if r.get("egger"):
            note = "; fewer than 10 studies, not interpreted" if r["k"] < 10 else ""
            doc.add_paragraph(
                f"Egger's test: t = {fmt(r['egger']['statistic'])}, p = {fmt_p(r['egger']['pvalue'])}{note}. "
                f"Trim-and-fill: {r['trim_and_fill']['k0']} studies imputed, adjusted {r['measure']} = "
                f"{fmt(natural(r['trim_and_fill']['estimate'], ratio))}."
            )

    doc.add_heading("Summary of findings", level=1)
    table(["Outcome", "Studies (participants)", "Effect (95% CI)", "Risk with control", "Risk with intervention",
           "Certainty", "Footnotes"],
          [[f"{s['outcome']} ({a['id']})", f"{s['studies']} ({s['participants']})",
            f"{s['measure']} {fmt(s['estimate'])} ({fmt(s['ci_lower'])} to {fmt(s['ci_upper'])})",
            f"{fmt(s['control_per_1000'], 0)} per 1000" if s["control_per_1000"] is not None else "—",
            f"{fmt(s['intervention_per_1000'], 0)} per 1000" if s["intervention_per_1000"] is not None else "—",
            s["certainty"], "; ".join(s["footnotes"])] for a in c["analyses"] for s in [a["sof"]]])  # fmt: skip

    doc.add_heading("Audit of the published review", level=1)
    audit = c.get("audit") or {}
    for key, heading in (("claims", "Published claims"), ("results", "Our results.json")):
        rep = audit.get(key)
        if not rep:
            continue
        doc.add_heading(heading, level=2)
        if rep.get("error"):
            doc.add_paragraph(rep["error"])
            continue
        table(["Severity", "Check", "Subject", "Reported", "Recomputed", "Explanation"],
              [[f["severity"], f["check"], f["subject"], f["reported"], f.get("recomputed") or "", f["message"]]
               for f in rep.get("findings", [])], size=7)  # fmt: skip
    if not audit.get("available"):
        doc.add_paragraph("The audit package was not available: no audit was run.")

    doc.add_heading("Reproducibility appendix", level=1)
    doc.add_paragraph(f"Command: {c['command']}")
    doc.add_paragraph("Software: " + ", ".join(f"{k} {v}" for k, v in c["software"].items()))
    table(["Input file", "Bytes", "SHA-256"], [[f["file"], f["bytes"], f["sha256"]] for f in c["inputs"]], size=7)
    doc.save(str(path))
    return path
