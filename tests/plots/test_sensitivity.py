"""Leave-one-out and cumulative forests, GOSH and Baujat plots."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sysreview.diagnostics import baujat, cumulative, gosh, leave_one_out
from sysreview.errors import InputError
from sysreview.models import MetaResult, rma
from sysreview.plots import baujat_plot, cumulative_plot, gosh_plot, leave_one_out_plot
from sysreview.plots._style import format_ci, format_number
from tests.plots._svg import Svg


def _ratio(est: float, lo: float, hi: float) -> str:
    return f"{format_number(math.exp(est))} {format_ci(math.exp(lo), math.exp(hi))}"


def test_leave_one_out_rows(bcg_fit: MetaResult, tmp_path: Path) -> None:
    loo = leave_one_out(bcg_fit)
    svg = Svg(leave_one_out_plot(loo, fit=bcg_fit), tmp_path / "l.svg")
    assert len(svg.ids(r"omit-\d+-box")) == bcg_fit.k
    for i, s in enumerate(bcg_fit.study):
        assert svg.text_of(f"omit-{i}-label") == f"Omitting {s}"
        assert svg.text_of(f"omit-{i}-estimate") == _ratio(loo.estimate[i], loo.ci_lower[i], loo.ci_upper[i])
        assert svg.text_of(f"omit-{i}-I2") == f"{loo.I2[i]:.0f}%"
    assert svg.text_of("diamond-overall-estimate") == "0.49 [0.34, 0.70]"
    assert "summary-line" in svg.by_id


def test_leave_one_out_of_a_meta_regression_is_refused_with_a_reason(bcg_fit: MetaResult) -> None:
    latitude = [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33]  # dat.bcg's ablat, in bcg_fit's study order
    assert len(latitude) == bcg_fit.k
    metareg = rma(bcg_fit.yi, bcg_fit.vi, mods=latitude, mod_names=["ablat"], method="REML")
    with pytest.raises(InputError, match=r"is of a meta-regression \(intrcpt, ablat\)"):
        leave_one_out_plot(leave_one_out(metareg), fit=metareg)


def test_cumulative_rows_end_with_the_full_fit(bcg_fit: MetaResult, tmp_path: Path) -> None:
    cum = cumulative(bcg_fit)
    svg = Svg(cumulative_plot(cum, fit=bcg_fit), tmp_path / "c.svg")
    k = bcg_fit.k
    assert len(svg.ids(r"step-\d+-box")) == k
    assert svg.text_of("step-0-label") == "Trial 1"
    assert svg.text_of("step-1-label") == "+ Trial 2"
    assert svg.text_of(f"step-{k - 1}-k") == str(k)
    assert svg.text_of(f"step-{k - 1}-estimate") == "0.49 [0.34, 0.70]"


def test_gosh_points_and_highlight(seed_fit: MetaResult, tmp_path: Path) -> None:
    g = gosh(seed_fit)  # 2^6 − 1 = 63 subsets
    svg = Svg(gosh_plot(g, measure="SMD"), tmp_path / "g.svg")
    finite = sum(1 for v in g.I2 if math.isfinite(v))
    assert svg.markers("gosh-points") == finite
    svg = Svg(gosh_plot(g, measure="SMD", highlight=seed_fit.study[0]), tmp_path / "h.svg")
    assert svg.markers("gosh-points-with") + svg.markers("gosh-points-without") == finite
    assert "I² (%)" in svg.texts()
    with pytest.raises(InputError, match="highlight"):
        gosh_plot(g, highlight="nobody")


def test_baujat_points_are_labelled(seed_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(baujat_plot(baujat(seed_fit)), tmp_path / "b.svg")
    assert svg.markers("baujat-points") == seed_fit.k
    assert [svg.text_of(f"baujat-label-{i}") for i in range(seed_fit.k)] == list(seed_fit.study)
