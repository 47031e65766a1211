"""Risk-of-bias figures (robvis look): traffic-light cells and colours, summary bar shares, accepted tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from matplotlib.patches import Rectangle

from sysreview.errors import InputError
from sysreview.plots import PALETTES, rob_data, rob_summary, rob_traffic_light
from tests.plots._svg import Svg, robvis_rows

COCHRANE = PALETTES["default"].judgements
COLOURBLIND = PALETTES["colourblind"].judgements


def test_traffic_light_has_one_cell_per_study_and_domain(tmp_path: Path) -> None:
    rows = robvis_rows("data_rob2.csv")  # robvis's example: 9 studies, D1-D5 and Overall
    svg = Svg(rob_traffic_light(rows, tool="rob2"), tmp_path / "tl.svg")
    cells = svg.ids(r"cell-\d+-\w+")
    assert len(cells) == 9 * 6
    assert [svg.text_of(f"study-{i}") for i in range(9)] == [f"Study {i + 1}" for i in range(9)]
    assert [svg.text_of(f"header-{d}") for d in ("D1", "D2", "D3", "D4", "D5", "Overall")] == [
        "D1", "D2", "D3", "D4", "D5", "Overall",
    ]  # fmt: skip
    # Study 3: D1 "No information", D3 "Some concerns", Overall "Some concerns"; Study 4 overall "High"
    assert svg.fill_of("cell-2-D1") == COCHRANE["no information"].lower()
    assert svg.text_of("symbol-2-D1") == "?"
    assert svg.fill_of("cell-2-D3") == COCHRANE["some concerns"].lower()
    assert svg.text_of("symbol-2-D3") == "\u2212"
    assert svg.fill_of("cell-3-Overall") == COCHRANE["high"].lower()
    assert svg.text_of("symbol-3-Overall") == "\u00d7"
    assert svg.fill_of("cell-0-D1") == COCHRANE["low"].lower()
    assert svg.text_of("caption-0").startswith("D1: Bias arising from the randomization process")
    assert [svg.text_of(f"legend-text-{k}") for k in ("low", "some-concerns", "high", "no-information")] == [
        "Low", "Some concerns", "High", "No information",
    ]  # fmt: skip


def test_colourblind_palette_and_robins_i_words(tmp_path: Path) -> None:
    rows = robvis_rows("data_robins_i.csv")
    svg = Svg(rob_traffic_light(rows, tool="robins-i", palette="colourblind"), tmp_path / "tl.svg")
    # Study 1: D2 Critical, D1 Moderate; Study 3: D2 Serious
    assert svg.fill_of("cell-0-D2") == COLOURBLIND["critical"].lower()
    assert svg.text_of("symbol-0-D2") == "!"
    assert svg.fill_of("cell-0-D1") == COLOURBLIND["moderate"].lower()
    assert svg.fill_of("cell-2-D2") == COLOURBLIND["serious"].lower()
    assert "D7: Bias in selection of the reported result" in " ".join(svg.texts())


def test_long_domain_names_become_numbered_with_a_caption(tmp_path: Path) -> None:
    svg = Svg(rob_traffic_light(robvis_rows("data_rob1.csv")), tmp_path / "tl.svg")
    assert svg.text_of("header-D1") == "D1"
    assert "D1: Random sequence generation" in " ".join(svg.texts())
    assert svg.fill_of("cell-1-D1") == COCHRANE["unclear"].lower()


def _shares(fig: object, domain: str) -> dict[str, float]:
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    out = {}
    for patch in fig.findobj(Rectangle):
        gid = patch.get_gid() or ""
        if gid.startswith(f"bar-{domain}-"):
            out[gid.removeprefix(f"bar-{domain}-")] = patch.get_width()
    return out


def test_summary_bars_give_the_share_of_studies_per_judgement(tmp_path: Path) -> None:
    rows = robvis_rows("data_rob2.csv")
    fig = rob_summary(rows, tool="rob2")
    # D1: 6 Low, 1 Some concerns, 1 High, 1 No information of 9; Overall: 1 Low, 3 Some concerns, 5 High
    assert _shares(fig, "D1") == pytest.approx(
        {"low": 600 / 9, "some-concerns": 100 / 9, "high": 100 / 9, "no-information": 100 / 9}
    )
    assert _shares(fig, "Overall") == pytest.approx({"low": 100 / 9, "some-concerns": 300 / 9, "high": 500 / 9})
    svg = Svg(fig, tmp_path / "s.svg")
    assert svg.text_of("label-Overall") == "Overall risk of bias"
    assert svg.text_of("label-D1").replace("\n", " ") == "Bias arising from the randomization process"
    assert svg.fill_of("bar-D1-low") == COCHRANE["low"].lower()
    assert "rob-summary-counted" in svg.by_id


def test_weighted_summary_uses_the_weights() -> None:
    rows = robvis_rows("data_rob2.csv")
    weights = [1.0] * 8 + [11.0]  # Study 9 (Overall High) carries 11 of 19
    fig = rob_summary(rows, weights=weights)
    assert _shares(fig, "Overall") == pytest.approx({"low": 100 / 19, "some-concerns": 300 / 19, "high": 1500 / 19})
    with pytest.raises(InputError, match="weighted=True needs weights"):
        rob_summary(rows, weighted=True)


@dataclass(frozen=True)
class _Row:
    study: str
    judgements: tuple[str, ...]
    overall: str | None
    weight: float | None


@dataclass(frozen=True)
class _Table:
    domains: tuple[str, ...]
    rows: tuple[_Row, ...]


def test_tables_of_every_accepted_shape_agree() -> None:
    mapping = {
        "A": {"D1": "Low", "D2": "High risk", "Overall": "high"},
        "B": {"D1": "some_concerns", "D2": "Low", "Overall": "Some concerns"},
    }
    rows = [{"Study": s, **v} for s, v in mapping.items()]
    obj = _Table(
        domains=("D1", "D2"),
        rows=(
            _Row("A", ("Low", "High risk"), "high", None),
            _Row("B", ("some_concerns", "Low"), "Some concerns", None),
        ),
    )
    a, b, c = rob_data(mapping), rob_data(rows), rob_data(obj)
    assert a == b == c
    assert a.row("A") == {"D1": "Low", "D2": "High risk", "Overall": "high"}
    with pytest.raises(InputError, match="unknown risk-of-bias judgement 'Probably fine'"):
        rob_data({"A": {"D1": "Probably fine"}})
    with pytest.raises(InputError, match="domain_names"):
        rob_traffic_light(mapping, domain_names=["only one"])
