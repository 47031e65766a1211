"""Shared look of the figures: sizes, fonts, palettes, number formats, text measurement and saving."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from sysreview.errors import InputError

__all__ = [
    "COLUMN_WIDTHS_CM",
    "PALETTES",
    "SAVE_FORMATS",
    "Palette",
    "Style",
    "check_choice",
    "cm_to_inch",
    "format_ci",
    "format_number",
    "format_p",
    "new_figure",
    "resolve_palette",
    "resolve_width",
    "save",
    "style_context",
    "text_width",
]

CM_PER_INCH: Final = 2.54
POINTS_PER_INCH: Final = 72.0
#: journal column widths (single and double column, cm): the common ceiling of BMJ, Lancet, Elsevier and Wiley
COLUMN_WIDTHS_CM: Final[Mapping[str, float]] = {"single": 8.5, "double": 17.5}
#: what :func:`save` writes, by file suffix
SAVE_FORMATS: Final = ("svg", "png", "pdf")
#: raster resolution of saved PNG files (journals ask for ≥ 300 dpi for line art with text)
PNG_DPI: Final = 300
#: minimum font size (pt) at the figure's printed size
MIN_FONT_PT: Final = 7.0

# fonts journals name first, then fonts that are on every Linux box and in matplotlib itself
_SANS: Final = ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Palette:
    """Colours of one look: graphic elements of the statistics figures and the risk-of-bias judgements.

    ``judgements`` maps a judgement's spelling key (lower case, e.g. ``"some concerns"``) to its fill colour.
    """

    name: str
    ink: str  # text, axes, lines
    study: str  # study squares / points
    summary: str  # diamonds
    prediction: str  # prediction-interval line
    reference: str  # reference (null) line
    filled: str  # trim-and-fill studies
    fit_line: str  # regression lines (Egger, bubble plot)
    band: str  # confidence bands
    highlight: str  # highlighted subset (GOSH)
    contours: tuple[str, ...]  # funnel contour shades, from the innermost significance region outwards
    judgements: Mapping[str, str]
    not_applicable: str


# robvis's "cochrane" colours (McGuinness & Higgins 2021; R/helpers.R get_colour), the look readers know
_COCHRANE = {
    "low": "#02C100",
    "some concerns": "#E2DF07",
    "moderate": "#E2DF07",
    "unclear": "#E2DF07",
    "high": "#BF0000",
    "serious": "#BF0000",
    "critical": "#820000",
    "very high": "#820000",
    "no information": "#4EA1F7",
}
# robvis's "colourblind" colours: one hue, ordered by lightness, so the order survives any colour vision and grey
# print; the cell symbols (+ − × ! ?) carry the judgement as well
_COLOURBLIND = {
    "low": "#FED98E",
    "some concerns": "#FE9929",
    "moderate": "#FE9929",
    "unclear": "#FE9929",
    "high": "#D95F0E",
    "serious": "#D95F0E",
    "critical": "#993404",
    "very high": "#993404",
    "no information": "#FFFFFF",
}

#: the palettes by name: ``"default"`` (robvis's Cochrane colours, dark ink) and ``"colourblind"`` (Okabe–Ito
#: colours for the statistics figures, robvis's colour-blind palette for risk of bias)
PALETTES: Final[Mapping[str, Palette]] = {
    "default": Palette(
        name="default",
        ink="#000000",
        study="#404040",
        summary="#000000",
        prediction="#000000",
        reference="#7F7F7F",
        filled="#FFFFFF",
        fit_line="#B2182B",
        band="#D9D9D9",
        highlight="#B2182B",
        contours=("#FFFFFF", "#E8E8E8", "#CCCCCC", "#ADADAD"),
        judgements=_COCHRANE,
        not_applicable="#CCCCCC",
    ),
    # Okabe & Ito (2008) "Color Universal Design": blue, vermillion and bluish green stay apart for every
    # common colour-vision deficiency
    "colourblind": Palette(
        name="colourblind",
        ink="#000000",
        study="#0072B2",
        summary="#000000",
        prediction="#D55E00",
        reference="#7F7F7F",
        filled="#FFFFFF",
        fit_line="#D55E00",
        band="#CFE3F1",
        highlight="#D55E00",
        contours=("#FFFFFF", "#E8E8E8", "#CCCCCC", "#ADADAD"),
        judgements=_COLOURBLIND,
        not_applicable="#CCCCCC",
    ),
}
_PALETTE_ALIASES = {"colorblind": "colourblind", "cochrane": "default"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Style:
    """Sizes of one figure: font size (pt) and line width (pt); everything else is derived from them."""

    fontsize: float = 7.0
    linewidth: float = 0.6
    palette: Palette = PALETTES["default"]

    @property
    def row_height(self) -> float:
        """Height of one table row (pt): the font size plus a leading that keeps squares and text apart."""
        return self.fontsize * 1.75

    def rc(self) -> dict[str, Any]:
        """matplotlib settings of this style (applied while a figure is drawn and saved)."""
        return {
            "font.family": "sans-serif",
            "font.sans-serif": _SANS,
            "font.size": self.fontsize,
            "axes.titlesize": self.fontsize,
            "axes.labelsize": self.fontsize,
            "xtick.labelsize": self.fontsize,
            "ytick.labelsize": self.fontsize,
            "legend.fontsize": self.fontsize,
            "legend.title_fontsize": self.fontsize,
            "axes.linewidth": self.linewidth,
            "lines.linewidth": self.linewidth,
            "patch.linewidth": self.linewidth,
            "xtick.major.width": self.linewidth,
            "ytick.major.width": self.linewidth,
            "xtick.major.size": 2.5,
            "ytick.major.size": 2.5,
            "xtick.major.pad": 2.0,
            "ytick.major.pad": 2.0,
            "axes.labelpad": 2.0,
            "axes.unicode_minus": True,
            "axes.edgecolor": self.palette.ink,
            "text.color": self.palette.ink,
            "axes.labelcolor": self.palette.ink,
            "xtick.color": self.palette.ink,
            "ytick.color": self.palette.ink,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "mathtext.default": "regular",
            # text stays text in vector output (searchable, editable, and checked by the tests)
            "svg.fonttype": "none",
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.hashsalt": "sysreview",  # reproducible ids in SVG files
            "path.simplify": True,
        }


def check_choice(name: str, value: str, choices: tuple[str, ...] | list[str]) -> str:
    """``value`` if it is one of ``choices``; otherwise an InputError naming the argument and the choices."""
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return value


def resolve_palette(palette: str | Palette) -> Palette:
    """A palette by name (``"default"``, ``"colourblind"``; ``"colorblind"`` and ``"cochrane"`` are aliases)."""
    if isinstance(palette, Palette):
        return palette
    name = _PALETTE_ALIASES.get(palette, palette)
    check_choice("palette", name, list(PALETTES))
    return PALETTES[name]


def make_style(fontsize: float, palette: str | Palette) -> Style:
    """The style of one figure, with the font size checked against the legibility floor."""
    if not math.isfinite(fontsize) or fontsize < MIN_FONT_PT:
        raise InputError(f"fontsize must be at least {MIN_FONT_PT:g} pt (legible at print size), got {fontsize!r}")
    return Style(fontsize=float(fontsize), linewidth=max(0.5, fontsize / 12.0), palette=resolve_palette(palette))


def cm_to_inch(cm: float) -> float:
    return cm / CM_PER_INCH


def resolve_width(width: str | float | None) -> float | None:
    """A figure width in points: ``"single"`` (8.5 cm), ``"double"`` (17.5 cm), a number of cm, or None (auto)."""
    if width is None:
        return None
    if isinstance(width, str):
        name = check_choice("width", width, list(COLUMN_WIDTHS_CM))
        return COLUMN_WIDTHS_CM[name] / CM_PER_INCH * POINTS_PER_INCH
    value = float(width)
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"width must be 'single', 'double' or a positive number of cm, got {width!r}")
    return value / CM_PER_INCH * POINTS_PER_INCH


@contextmanager
def style_context(style: Style) -> Iterator[None]:
    """Apply the style's matplotlib settings for the duration (restored afterwards: no global state leaks)."""
    with mpl.rc_context(cast("Any", style.rc())):
        yield


def new_figure(width_pt: float, height_pt: float, *, constrained: bool = False) -> Figure:
    """A figure of the given printed size (points) on the Agg canvas, outside pyplot (nothing to close).

    ``constrained``: matplotlib's constrained layout keeps axis labels and legends inside the figure.
    """
    fig = Figure(
        figsize=(width_pt / POINTS_PER_INCH, height_pt / POINTS_PER_INCH),
        dpi=100,
        layout="constrained" if constrained else None,
    )
    FigureCanvasAgg(fig)
    return fig


# ---------------------------------------------------------------------- text measurement
_TEXT_TO_PATH = TextToPath()


def text_width(text: str, *, fontsize: float, bold: bool = False) -> float:
    """Width (pt) of the widest line of ``text`` in the current font at ``fontsize`` (call inside
    :func:`style_context`, so that the font is the one the figure draws with)."""
    if not text:
        return 0.0
    prop = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    return max(_TEXT_TO_PATH.get_text_width_height_descent(line, prop, ismath=False)[0] for line in text.split("\n"))


# ---------------------------------------------------------------------- numbers
MINUS: Final = "\u2212"


def format_number(value: float | None, digits: int = 2) -> str:
    """``value`` rounded to ``digits`` decimals with a typographic minus; ``NA`` for None or NaN.

    The digits are the text reports' (``sysreview.cli`` prints 4 decimals, figures 2 by default); a value that
    rounds to zero is printed without sign.
    """
    if value is None or not math.isfinite(value):
        return "NA" if value is None or math.isnan(value) else ("∞" if value > 0 else MINUS + "∞")
    text = f"{value:.{digits}f}"
    if float(text) == 0.0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def format_ci(lower: float | None, upper: float | None, digits: int = 2) -> str:
    """An interval as ``[lower, upper]`` (metafor's and the Cochrane Handbook's layout)."""
    return f"[{format_number(lower, digits)}, {format_number(upper, digits)}]"


def format_p(p: float | None) -> str:
    """A p-value for a figure: ``p < 0.001`` below 0.001, else ``p = `` with 3 decimals (APA)."""
    if p is None or not math.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def format_percent(value: float | None, digits: int = 1) -> str:
    return "NA" if value is None or not math.isfinite(value) else f"{value:.{digits}f}%"


# ---------------------------------------------------------------------- saving
def save(fig: Figure, path: str | Path, *, dpi: float = PNG_DPI) -> Path:
    """Write ``fig`` to ``path`` in the format its suffix names: ``.svg``, ``.png`` (``dpi``, 300 by default) or
    ``.pdf``. Text stays text in SVG and PDF (fonts embedded as TrueType in PDF). Returns the path written."""
    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in SAVE_FORMATS:
        raise InputError(
            f"cannot save a figure as {target.suffix or 'a file without suffix'!r}; "
            f"use one of {', '.join('.' + s for s in SAVE_FORMATS)}"
        )
    # the font list is written into SVG text styles at save time
    rc = {
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
        "svg.hashsalt": "sysreview",
        "font.family": "sans-serif",
        "font.sans-serif": _SANS,
    }
    metadata: dict[str, Any] = {"png": {"Software": "sysreview"}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
    with mpl.rc_context(cast("Any", rc)):
        fig.savefig(target, format=suffix, dpi=dpi if suffix == "png" else "figure", metadata=metadata[suffix])
    return target


def sized(fontsize: float, factor: float) -> float:
    """A font size relative to the base size, never below the legibility floor."""
    return max(MIN_FONT_PT, fontsize * factor)


Transform = Callable[[float], float]
