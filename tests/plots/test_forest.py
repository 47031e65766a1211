"""Forest plots: the rows, numbers, diamonds, intervals and labels a reader sees, read back from the SVG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sysreview.errors import InputError
from sysreview.models import MetaResult, SubgroupResult, rma
from sysreview.plots import PALETTES, forest_plot
from sysreview.plots._style import COLUMN_WIDTHS_CM, format_ci, format_number
from tests.plots._svg import BCG_STUDY, Svg


def _row_text(fit: MetaResult, i: int, transf: str = "identity") -> str:
    """The estimate [CI] a row must print, recomputed here from yi, vi (normal-based study CIs, 2 decimals)."""
    z = stats.norm.ppf(1 - (1 - fit.level) / 2)
    y, se = float(fit.yi[i]), math.sqrt(float(fit.vi[i]))
    f = math.exp if transf == "exp" else (lambda v: v)
    return f"{format_number(f(y))} {format_ci(f(y - z * se), f(y + z * se))}"


def test_study_rows_print_labels_weights_and_estimates(seed_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(forest_plot(seed_fit), tmp_path / "f.svg")
    assert svg.ids(r"study-\d+-label") == [f"study-{i}-label" for i in range(seed_fit.k)]
    for i, label in enumerate(seed_fit.study):
        assert svg.text_of(f"study-{i}-label") == label
        assert svg.text_of(f"study-{i}-estimate") == _row_text(seed_fit, i)
        assert svg.text_of(f"study-{i}-weight") == f"{seed_fit.weights[i]:.1f}%"
    # one square and one CI line per study
    assert len(svg.ids(r"study-\d+-box")) == seed_fit.k
    assert len(svg.ids(r"study-\d+-ci")) == seed_fit.k
    # seed 001 reports SMD −1.25; its own Table 3 gives these six studies, pooled here by DL
    assert svg.text_of("diamond-overall-estimate") == (
        f"{format_number(seed_fit.estimate)} {format_ci(seed_fit.ci_lower, seed_fit.ci_upper)}"
    )
    assert svg.text_of("header-estimate") == "SMD [95% CI]"


def test_overall_diamond_prediction_interval_and_heterogeneity(seed_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(forest_plot(seed_fit, favours=("Favours cell therapy", "Favours control")), tmp_path / "f.svg")
    assert svg.ids(r"diamond-(overall|subgroup-\d+)") == ["diamond-overall"]
    assert svg.text_of("diamond-overall-label") == "Overall (RE, DL)"
    assert "prediction-interval" in svg.by_id
    assert svg.text_of("prediction-interval-estimate") == format_ci(seed_fit.pi_lower, seed_fit.pi_upper)
    assert seed_fit.Q is not None
    assert seed_fit.I2 is not None
    het = svg.text_of("heterogeneity-overall")
    assert het.startswith("Heterogeneity: τ² = ")
    assert f"Q = {seed_fit.Q:.2f}, df = {seed_fit.Q_df}" in het
    assert f"I² = {seed_fit.I2:.0f}%" in het
    assert svg.text_of("test-overall") == (
        f"Test for overall effect: z = {format_number(seed_fit.statistic)} (p < 0.001)"
    )
    assert svg.text_of("favours-left") == "Favours cell therapy"
    assert svg.text_of("favours-right") == "Favours control"
    assert svg.text_of("xlabel") == "Standardised mean difference"
    assert "reference-line" in svg.by_id


def test_common_effect_model_has_no_prediction_interval_nor_tau2(seed_fit: MetaResult, tmp_path: Path) -> None:
    fe = rma(seed_fit.yi, seed_fit.vi, method="FE", measure="SMD", study=list(seed_fit.study))
    svg = Svg(forest_plot(fe), tmp_path / "f.svg")
    assert "prediction-interval" not in svg.by_id
    assert "τ²" not in svg.text_of("heterogeneity-overall")
    assert svg.text_of("diamond-overall-label") == "Overall (CE)"


def test_ratio_measure_uses_a_log_axis_labelled_in_ratios(bcg_fit: MetaResult, tmp_path: Path) -> None:
    fig = forest_plot(bcg_fit, at=(0.1, 0.25, 1, 4))
    ax = next(a for a in fig.axes if a.get_gid() == "effect-panel")
    np.testing.assert_allclose(ax.get_xticks(), np.log([0.1, 0.25, 1, 4]))
    svg = Svg(fig, tmp_path / "f.svg")
    assert [svg.text_of(t) for t in svg.ids(r"xtick-\d+")] == ["0.1", "0.25", "1", "4"]
    assert svg.text_of("xlabel") == "Risk ratio (log scale)"
    assert svg.text_of("header-estimate") == "RR [95% CI]"
    for i in range(bcg_fit.k):
        assert svg.text_of(f"study-{i}-estimate") == _row_text(bcg_fit, i, "exp")
    # metafor (dat.bcg, REML): exp(−0.7145) = 0.49 [0.34, 0.70]
    assert svg.text_of("diamond-overall-estimate") == "0.49 [0.34, 0.70]"
    # the reference line sits at RR = 1
    line = ax.findobj(lambda a: a.get_gid() == "reference-line")[0]
    assert line.get_xdata()[0] == 0.0  # type: ignore[attr-defined]


def test_default_ticks_of_a_ratio_axis_are_round_ratios(bcg_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(forest_plot(bcg_fit), tmp_path / "f.svg")
    labels = [svg.text_of(t) for t in svg.ids(r"xtick-\d+")]
    assert "1" in labels
    assert all(float(v) in {0.01, 0.02, 0.05, 0.1, 0.125, 0.2, 0.25, 0.5, 1, 2, 4, 5, 8, 10, 20} for v in labels)


def test_transf_none_keeps_the_model_scale(bcg_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(forest_plot(bcg_fit, transf="none"), tmp_path / "f.svg")
    assert svg.text_of("diamond-overall-estimate").startswith("\u22120.71 ")
    assert svg.text_of("xlabel") == "Log risk ratio"


def test_subgroups_draw_one_diamond_each_plus_the_overall(bcg_subgroups: SubgroupResult, tmp_path: Path) -> None:
    svg = Svg(forest_plot(bcg_subgroups, favours=("Favours vaccine", "Favours control")), tmp_path / "f.svg")
    levels = sorted(bcg_subgroups.subgroups)
    assert svg.ids(r"diamond-(overall|subgroup-\d+)") == [f"diamond-subgroup-{j}" for j in range(len(levels))] + [
        "diamond-overall"
    ]
    assert [svg.text_of(f"subgroup-{j}-heading-label") for j in range(len(levels))] == levels
    for j, level in enumerate(levels):
        fit = bcg_subgroups.subgroups[level]
        assert svg.text_of(f"diamond-subgroup-{j}-estimate") == (
            f"{format_number(math.exp(fit.estimate or 0))} "
            f"{format_ci(math.exp(fit.ci_lower or 0), math.exp(fit.ci_upper or 0))}"
        )
        assert f"Q = {fit.Q:.2f}" in svg.text_of(f"heterogeneity-subgroup-{j}")
    # every study appears once; the weights are shares of the overall model (they add up to 100%)
    assert sorted(svg.text_of(i) for i in svg.ids(r"study-\d+-label")) == sorted(BCG_STUDY)
    total = sum(float(svg.text_of(i).rstrip("%")) for i in svg.ids(r"study-\d+-weight"))
    assert total == pytest.approx(100.0, abs=0.1)
    diff = svg.text_of("test-subgroup-differences")
    assert diff.startswith(f"Test for subgroup differences: Q = {bcg_subgroups.Q_between:.2f}, df = 2 ")
    # the overall model is fitted with the subgroup analysis's settings (metafor: REML, dat.bcg)
    assert svg.text_of("diamond-overall-estimate") == "0.49 [0.34, 0.70]"


def test_subgroups_with_a_given_overall_and_without(
    bcg_subgroups: SubgroupResult, bcg_fit: MetaResult, tmp_path: Path
) -> None:
    svg = Svg(forest_plot(bcg_subgroups, overall=False), tmp_path / "a.svg")
    assert "diamond-overall" not in svg.by_id
    assert len(svg.ids(r"diamond-subgroup-\d+")) == 3
    mt = bcg_subgroups.moderator_test
    assert mt is not None
    dl = rma(mt.yi, mt.vi, method="DL", measure="RR", study=list(mt.study))
    svg = Svg(forest_plot(bcg_subgroups, overall=dl), tmp_path / "b.svg")
    assert svg.text_of("diamond-overall-label") == "Overall (RE, DL)"


def test_arm_columns_and_risk_of_bias_cells(seed_fit: MetaResult, tmp_path: Path) -> None:
    rob = {s: {"D1": "Low", "D2": "High", "Overall": "Some concerns"} for s in seed_fit.study[:4]}
    fig = forest_plot(
        seed_fit,
        columns={"N\n(cell)": [14, 106, 48, 40, 48, 10], "N\n(control)": ["14", "39", "30", "40", "30", "10"]},
        rob=rob,
    )
    svg = Svg(fig, tmp_path / "f.svg")
    assert svg.text_of("header-col0") == "N\n(cell)"
    assert [svg.text_of(f"study-{i}-col0") for i in range(6)] == ["14", "106", "48", "40", "48", "10"]
    assert len(svg.ids(r"study-\d+-rob-(D1|D2|Overall)")) == 4 * 3
    default = PALETTES["default"].judgements
    assert svg.fill_of("study-0-rob-D1") == default["low"].lower()
    assert svg.fill_of("study-0-rob-D2") == default["high"].lower()
    assert svg.fill_of("study-0-rob-Overall") == default["some concerns"].lower()
    assert svg.text_of("study-0-rob-D1-symbol") == "+"
    assert "study-5-rob-D1" not in svg.by_id  # no judgement for this study: an empty cell
    assert svg.text_of("footnote-0") == "Risk of bias: + Low; \u2212 Some concerns; \u00d7 High"


def test_colourblind_palette_changes_the_rob_fills(seed_fit: MetaResult, tmp_path: Path) -> None:
    rob = {s: {"D1": "Low", "Overall": "High"} for s in seed_fit.study}
    svg = Svg(forest_plot(seed_fit, rob=rob, palette="colourblind"), tmp_path / "f.svg")
    assert svg.fill_of("study-0-rob-D1") == PALETTES["colourblind"].judgements["low"].lower()
    assert svg.fill_of("study-0-rob-Overall") == PALETTES["colourblind"].judgements["high"].lower()


def test_publication_size_fonts_and_vector_text(seed_fit: MetaResult, tmp_path: Path) -> None:
    fig = forest_plot(seed_fit, width="double")
    assert fig.get_size_inches()[0] * 2.54 == pytest.approx(COLUMN_WIDTHS_CM["double"])
    svg = Svg(fig, tmp_path / "f.svg")
    assert svg.font_sizes()
    assert min(svg.font_sizes()) >= 7.0
    assert "<text" in svg.text  # text stays text (svg.fonttype none)
    short = rma(seed_fit.yi, seed_fit.vi, method="DL", measure="SMD", study=[f"S{i}" for i in range(6)])
    # without the weight column a short forest fits one journal column
    assert forest_plot(short, weights=False).get_size_inches()[0] * 2.54 == pytest.approx(COLUMN_WIDTHS_CM["single"])
    assert forest_plot(short).get_size_inches()[0] * 2.54 == pytest.approx(COLUMN_WIDTHS_CM["double"])


def test_xlim_clips_intervals_with_arrows(bcg_fit: MetaResult, tmp_path: Path) -> None:
    svg = Svg(forest_plot(bcg_fit, xlim=(0.2, 2)), tmp_path / "f.svg")
    assert svg.ids(r"study-\d+-arrow")  # Trial 3 (0.07) and Trial 12 (6.53) run past the limits


def test_bad_input_names_the_argument(bcg_fit: MetaResult, bcg_regression: MetaResult) -> None:
    with pytest.raises(InputError, match="bubble_plot"):
        forest_plot(bcg_regression)
    with pytest.raises(InputError, match="favours"):
        forest_plot(bcg_fit, favours=("only one",))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="palette"):
        forest_plot(bcg_fit, palette="rainbow")
    with pytest.raises(InputError, match="fontsize"):
        forest_plot(bcg_fit, fontsize=5)
    with pytest.raises(InputError, match="columns"):
        forest_plot(bcg_fit, columns={"n": [1, 2]})
    with pytest.raises(InputError, match="rob: no study"):
        forest_plot(bcg_fit, rob={"Nobody": {"D1": "Low"}})
    with pytest.raises(InputError, match="transf"):
        forest_plot(bcg_fit, transf="log10")
