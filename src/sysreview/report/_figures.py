"""Draw the report's figures with :mod:`sysreview.plots` and save each as SVG (HTML), PNG (DOCX) and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sysreview.report._measures import measure_info

__all__ = ["FORMATS", "save_figure"]

FORMATS = ("svg", "png", "pdf")


def save_figure(fig: Any, folder: Path, name: str, caption: str) -> dict[str, Any]:
    """Save ``fig`` as ``folder/name.{svg,png,pdf}``; the figure entry of the report context."""
    import matplotlib.pyplot as plt

    from sysreview.plots import save

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for fmt in FORMATS:
        path = save(fig, folder / f"{name}.{fmt}", dpi=200)
        files[fmt] = f"{folder.name}/{path.name}"
    plt.close(fig)
    return {"name": name, "caption": caption, "files": files}


def forest(out: Any) -> Any:
    """The forest plot of an analysis (by subgroup where the plan asks for subgroups)."""
    from sysreview.plots import forest_plot

    spec = out.spec
    info = measure_info(spec.measure)
    transf = "exp" if info.ratio else None
    xlabel = info.name
    result = out.subgroups if out.subgroups is not None else out.fit
    kwargs: dict[str, Any] = {"transf": transf, "xlabel": xlabel, "favours": spec.favours}
    if out.subgroups is not None:
        kwargs["overall"] = out.fit
    return forest_plot(result, **kwargs)


def funnel(out: Any) -> Any:
    from sysreview.plots import funnel_plot

    xlabel = measure_info(out.spec.measure).model_scale
    return funnel_plot(out.fit, trimfill=out.trimfill, egger=out.egger, xlabel=xlabel)


def leave_one_out(out: Any) -> Any:
    from sysreview.plots import leave_one_out_plot

    return leave_one_out_plot(out.loo, fit=out.fit, transf="exp" if measure_info(out.spec.measure).ratio else None)
