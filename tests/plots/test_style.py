"""Saving, sizes and the absence of global state: what every figure shares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib as mpl
import pytest
from PIL import Image

from sysreview.errors import InputError
from sysreview.models import MetaResult
from sysreview.plots import forest_plot, save
from sysreview.plots._scale import resolve_scale
from sysreview.plots._style import format_number, format_p, resolve_palette, resolve_width


def test_save_writes_svg_png_and_pdf_by_suffix(seed_fit: MetaResult, tmp_path: Path) -> None:
    fig = forest_plot(seed_fit, width="double")
    svg = save(fig, tmp_path / "f.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    assert "<text" in svg
    assert "Arial" in svg
    png = save(fig, tmp_path / "f.png")
    with Image.open(png) as image:
        width_px, _ = image.size
        dpi = image.info["dpi"]
    assert dpi[0] == pytest.approx(300, abs=1)
    assert width_px == pytest.approx(17.5 / 2.54 * 300, abs=2)
    pdf = save(fig, tmp_path / "f.PDF").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf
    with pytest.raises(InputError, match=r"\.svg, \.png, \.pdf"):
        save(fig, tmp_path / "f.jpg")


def test_plots_leave_no_global_state(seed_fit: MetaResult) -> None:
    before = dict(mpl.rcParams)
    forest_plot(seed_fit, fontsize=9)
    assert dict(mpl.rcParams) == before


def test_plots_do_not_use_pyplot() -> None:
    code = "import sys, sysreview.plots; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_numbers_sizes_and_palettes() -> None:
    assert format_number(-0.004) == "0.00"
    assert format_number(-1.256) == "\u22121.26"
    assert format_number(None) == "NA"
    assert format_p(0.0004) == "p < 0.001"
    assert format_p(0.0349) == "p = 0.035"
    assert resolve_width("single") == pytest.approx(8.5 / 2.54 * 72)
    assert resolve_width(10) == pytest.approx(10 / 2.54 * 72)
    assert resolve_palette("colorblind").name == "colourblind"
    with pytest.raises(InputError, match="width"):
        resolve_width(-1)
    assert resolve_scale(None, "OR").ratio
    assert resolve_scale(None, "ZCOR").name == "tanh"
    assert resolve_scale(None, "PFT").name == "identity"
