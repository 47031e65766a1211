"""Render a run's context (``context.json``) as a self-contained HTML page, Markdown and a Word document.

Rendering only lays out what the run computed: numbers are formatted, ratios shown on their natural scale
(results.json keeps the model scale), figures embedded. jinja2 is used here and in the web app only.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sysreview.errors import InputError

__all__ = ["load_context", "render_report"]

MINUS = "−"


def fmt(value: Any, digits: int = 2) -> str:
    """A number as the report prints it (typographic minus, ``NA`` for missing)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "NA"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).replace("-", MINUS)
    return f"{float(value):.{digits}f}".replace("-", MINUS)


def fmt_p(value: Any) -> str:
    if value is None:
        return "NA"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def natural(value: Any, ratio: bool) -> Any:
    """A model-scale value on the scale the reader reads (exp for ratio measures)."""
    if value is None:
        return None
    return math.exp(value) if ratio else value


def numeric(value: Any) -> bool:
    """Whether a table cell holds a number (right-aligned in the HTML tables)."""
    try:
        float(str(value).replace(MINUS, "-"))
    except ValueError:
        return False
    return str(value).strip() != ""


def md_cell(value: Any) -> str:
    """A value as a Markdown table cell: as written, with its pipes escaped and its line breaks as spaces."""
    return " ".join(str("" if value is None else value).split("\n")).replace("|", "\\|")


def columns(rows: Any) -> list[str]:
    """The columns of a table read from a CSV file (every row has the file's header)."""
    return list(rows[0].keys()) if rows else []


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sysreview.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=False),  # not the Markdown
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.ChainableUndefined,  # optional sections (subgroups, Egger) are simply absent
    )
    env.filters.update(fmt=fmt, fmt_p=fmt_p, natural=natural, md=md_cell, columns=columns)
    env.tests.update(numeric=numeric)
    return env


def load_context(folder: str | Path) -> dict[str, Any]:
    """The context a run stored in ``folder/context.json``."""
    path = Path(folder) / "context.json"
    if not path.is_file():
        raise InputError("no context.json: not a folder written by `sysreview run`", file=str(folder))
    return dict(json.loads(path.read_text(encoding="utf-8")))


def render_report(
    context: Mapping[str, Any], out: str | Path, *, figures_from: str | Path | None = None
) -> dict[str, Path]:
    """Write ``index.html``, ``report.md`` and ``report.docx`` into ``out``; figures are read from
    ``figures_from`` (default: ``out``), where the run saved them."""
    from sysreview.report._docx import write_docx

    out = Path(out)
    source = Path(figures_from) if figures_from else out
    out.mkdir(parents=True, exist_ok=True)
    env = _environment()

    def embed(fig: Mapping[str, Any]) -> str:
        data = (source / fig["files"]["svg"]).read_bytes()
        return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")

    html = env.get_template("report.html.j2").render(c=context, embed=embed)
    md = env.get_template("report.md.j2").render(c=context)
    paths = {"html": out / "index.html", "markdown": out / "report.md", "docx": out / "report.docx"}
    paths["html"].write_text(html, encoding="utf-8")
    paths["markdown"].write_text(md, encoding="utf-8")
    if source != out:  # figures travel with the Markdown and the DOCX
        import shutil

        shutil.copytree(source / "figures", out / "figures", dirs_exist_ok=True)
    write_docx(context, paths["docx"], figures=out)
    return paths
