"""Reports of a review: run a project's analysis plan and render it as HTML, Markdown and Word.

- :func:`run_review` runs the plan of a project folder (``analysis.toml``) with sysreview's statistics, draws the
  figures, audits the published claims and writes ``results.json``, ``audit.json``, ``context.json``, the figures
  (SVG, PNG, PDF) and the report.
- :func:`render_report` lays a stored context out as ``index.html`` (self-contained: figures embedded, no
  internet needed), ``report.md`` and ``report.docx``; it computes nothing. :func:`load_context` reads one back.

jinja2 and python-docx are used here (and jinja2 in the web app) and nowhere else.
"""

from __future__ import annotations

from sysreview.report._pipeline import RunOutput, run_review
from sysreview.report._plan import PLAN_FILE, AnalysisSpec, Plan, load_plan
from sysreview.report._render import load_context, render_report

__all__ = [
    "PLAN_FILE",
    "AnalysisSpec",
    "Plan",
    "RunOutput",
    "load_context",
    "load_plan",
    "render_report",
    "run_review",
]
