"""Funnel plots: points, contours, filled studies and Egger's line, read back from the SVG."""

from __future__ import annotations

from pathlib import Path

import pytest

from sysreview.diagnostics import egger_test, trim_and_fill
from sysreview.errors import InputError
from sysreview.models import MetaResult
from sysreview.plots import funnel_plot
from sysreview.plots._style import format_p
from tests.plots._svg import Svg


def test_contour_enhanced_funnel_with_trim_and_fill_and_egger(bcg_fit: MetaResult, tmp_path: Path) -> None:
    tf = trim_and_fill(bcg_fit)
    eg = egger_test(bcg_fit)
    svg = Svg(funnel_plot(bcg_fit, trimfill=tf, egger=eg), tmp_path / "f.svg")
    assert svg.markers("studies") == bcg_fit.k
    assert tf.k0 >= 1  # metafor: trimfill(res) estimates 1 missing study on the right for dat.bcg
    assert svg.markers("filled-studies") == tf.k0
    assert {"contour-0.9", "contour-0.95", "contour-0.99", "contour-0.99-outside"} <= set(svg.by_id)
    for gid in ("estimate-line", "adjusted-estimate-line", "pseudo-ci", "egger-line"):
        assert gid in svg.by_id
    legend = " ".join(svg.texts())
    assert f"Egger's test: t({eg.df}) = " in legend
    assert format_p(eg.pvalue) in legend
    assert f"Filled studies (k0 = {tf.k0})" in legend
    assert "p < 0.01" in legend
    assert "p > 0.1" in legend
    assert "Risk ratio (log scale)" in svg.texts()
    assert min(svg.font_sizes()) >= 7.0


def test_classic_funnel_without_contours(seed_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(funnel_plot(seed_fit, contours=None), tmp_path / "f.svg")
    assert not svg.ids(r"contour-.*")
    assert "filled-studies" not in svg.by_id
    assert svg.markers("studies") == seed_fit.k
    assert "Standardised mean difference" in svg.texts()


def test_funnel_rejects_bad_contours(seed_fit: MetaResult) -> None:
    with pytest.raises(InputError, match="contours"):
        funnel_plot(seed_fit, contours=(95,))
