"""Effect sizes (metafor's escalc measures) and the conversions reviewers need daily.

- :func:`escalc` computes ``yi``/``vi`` for the measures in :data:`MEASURES` from study-level columns;
- :func:`effects_from_reported` turns reported effects with a CI or p-value into ``yi``/``vi``;
- SE and SD conversions (:func:`se_from_ci`, :func:`se_from_pvalue`, :func:`se_from_statistic`,
  :func:`sd_from_se`, :func:`sd_from_ci`, :func:`sd_from_se_of_difference`), change scores
  (:func:`change_sd`, :func:`change_correlation`), means and SDs from medians (:func:`mean_sd_from_median`)
  and merged groups (:func:`combine_two_groups`, :func:`combine_groups`).
"""

from __future__ import annotations

from sysreview.effects._combine import CombinedGroup, combine_groups, combine_two_groups
from sysreview.effects._conversions import (
    DISTRIBUTIONS,
    change_correlation,
    change_sd,
    critical_value,
    sd_from_ci,
    sd_from_se,
    sd_from_se_of_difference,
    se_from_ci,
    se_from_pvalue,
    se_from_statistic,
)
from sysreview.effects._escalc import TO_CHOICES, EffectSizes, escalc
from sysreview.effects._measures import FAMILIES, MEASURES, Measure
from sysreview.effects._median import SD_METHODS, MeanSD, expected_normal_order_statistic, mean_sd_from_median
from sysreview.effects._reported import SCALES, effects_from_reported

__all__ = [
    "DISTRIBUTIONS",
    "FAMILIES",
    "MEASURES",
    "SCALES",
    "SD_METHODS",
    "TO_CHOICES",
    "CombinedGroup",
    "EffectSizes",
    "MeanSD",
    "Measure",
    "change_correlation",
    "change_sd",
    "combine_groups",
    "combine_two_groups",
    "critical_value",
    "effects_from_reported",
    "escalc",
    "expected_normal_order_statistic",
    "mean_sd_from_median",
    "sd_from_ci",
    "sd_from_se",
    "sd_from_se_of_difference",
    "se_from_ci",
    "se_from_pvalue",
    "se_from_statistic",
]
