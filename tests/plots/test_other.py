"""L'Abbé, radial and bubble plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sysreview.errors import InputError
from sysreview.models import MetaResult
from sysreview.plots import bubble_plot, labbe_plot, radial_plot
from tests.plots._svg import BCG_AI, BCG_BI, BCG_CI, BCG_DI, Svg


def test_labbe_plot(bcg_fit: MetaResult, tmp_path: Path) -> None:
    n1 = np.add(BCG_AI, BCG_BI)
    n2 = np.add(BCG_CI, BCG_DI)
    svg = Svg(labbe_plot(bcg_fit, BCG_AI, n1, BCG_CI, n2), tmp_path / "l.svg")
    assert svg.markers("labbe-points") == bcg_fit.k
    assert {"labbe-no-effect", "labbe-pooled"} <= set(svg.by_id)
    assert "Pooled (RR = 0.49)" in svg.texts()
    with pytest.raises(InputError, match="one value per study"):
        labbe_plot(bcg_fit, BCG_AI[:3], n1, BCG_CI, n2)


def test_labbe_needs_a_two_by_two_measure(seed_fit: MetaResult) -> None:
    with pytest.raises(InputError, match="RR, OR or RD"):
        labbe_plot(seed_fit, [1] * 6, [2] * 6, [1] * 6, [2] * 6)


def test_radial_plot(bcg_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(radial_plot(bcg_fit), tmp_path / "r.svg")
    assert svg.markers("radial-points") == bcg_fit.k
    assert {"radial-line", "radial-band-upper", "radial-band-lower"} <= set(svg.by_id)


def test_bubble_plot(bcg_regression: MetaResult, bcg_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(bubble_plot(bcg_regression, prediction=True, xlabel="Absolute latitude"), tmp_path / "b.svg")
    assert svg.markers("bubble-points") == bcg_regression.k
    assert {"bubble-line", "bubble-ci", "bubble-pi"} <= set(svg.by_id)
    assert "Absolute latitude" in svg.texts()
    assert "Risk ratio (log scale)" in svg.texts()
    with pytest.raises(InputError, match="meta-regression"):
        bubble_plot(bcg_fit)
    with pytest.raises(InputError, match="unknown moderator"):
        bubble_plot(bcg_regression, moderator="year")
