"""Publication figures (matplotlib): forest, funnel, risk of bias, PRISMA 2020 flow and sensitivity plots.

Every function takes a result object (or a plain table for risk of bias and PRISMA counts), uses the settings the
result was fitted with, and returns a :class:`matplotlib.figure.Figure` sized for a journal column, drawn outside
pyplot (nothing to close, no global state). :func:`save` writes SVG, PNG (300 dpi) or PDF by the file's suffix,
with text kept as text. Artists carry ``gid`` values (``id`` attributes in SVG) named in each docstring.
"""

from __future__ import annotations

from sysreview.plots._forest import forest_plot
from sysreview.plots._funnel import funnel_plot
from sysreview.plots._other import bubble_plot, labbe_plot, radial_plot
from sysreview.plots._prisma import PrismaCounts, PrismaWarning, prisma_flow, prisma_problems, read_prisma_csv
from sysreview.plots._rob import RobData, rob_data, rob_summary, rob_traffic_light
from sysreview.plots._sensitivity import baujat_plot, cumulative_plot, gosh_plot, leave_one_out_plot
from sysreview.plots._style import COLUMN_WIDTHS_CM, PALETTES, Palette, save

__all__ = [
    "COLUMN_WIDTHS_CM",
    "PALETTES",
    "Palette",
    "PrismaCounts",
    "PrismaWarning",
    "RobData",
    "baujat_plot",
    "bubble_plot",
    "cumulative_plot",
    "forest_plot",
    "funnel_plot",
    "gosh_plot",
    "labbe_plot",
    "leave_one_out_plot",
    "prisma_flow",
    "prisma_problems",
    "radial_plot",
    "read_prisma_csv",
    "rob_data",
    "rob_summary",
    "rob_traffic_light",
    "save",
]
