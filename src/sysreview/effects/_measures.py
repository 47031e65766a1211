"""The catalogue of effect-size measures: columns each needs, the scale of ``yi`` and how to read it back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = ["FAMILIES", "MEASURES", "Measure"]

#: the kinds of data a measure is computed from (see :attr:`Measure.family`)
FAMILIES: Final = (
    "two_by_two",  # events and non-events in two groups
    "two_means",  # means, SDs and sizes of two independent groups
    "correlation",  # a correlation and its sample size
    "proportion",  # events in one group
    "incidence",  # events and person-time in one group
    "two_incidence",  # events and person-time in two groups
    "pre_post",  # means and SDs of one group measured twice
)

#: families whose counts can be zero and take a continuity correction (``add``/``to``)
COUNT_FAMILIES: Final = frozenset({"two_by_two", "proportion", "incidence", "two_incidence"})
#: families with two groups of counts, where ``drop00`` applies
TWO_GROUP_COUNT_FAMILIES: Final = frozenset({"two_by_two", "two_incidence"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """What one effect-size measure needs and what it returns.

    Attributes
    ----------
    code : str
        metafor's code, e.g. ``"SMD"``.
    name : str
        Plain-language name, for messages and reports.
    family : str
        Kind of data it is computed from, one of :data:`FAMILIES`.
    columns : tuple of str
        The columns of the usual layout, in metafor's order (e.g. ``("ai", "bi", "ci", "di")``).
    alternatives : tuple of tuple of str
        Other accepted layouts (e.g. ``("ai", "n1i", "ci", "n2i")`` for a 2×2 table); may be empty.
    optional : tuple of str
        Columns that are accepted but not needed (e.g. ``sd2i`` for ``SMCR``, which standardises by ``sd1i``).
    scale : str
        Scale of ``yi``: ``"log"``, ``"identity"``, ``"logit"``, ``"arcsine"``, ``"freeman_tukey"`` or
        ``"fisher_z"``.
    back_transform : str
        Name of the map from ``yi`` (and interval bounds) back to the natural scale: ``"exp"``,
        ``"identity"``, ``"expit"``, ``"tanh"``, ``"sin_squared"`` or ``"freeman_tukey_inverse"``
        (Miller 1978; needs the sample size).
    default_add : float
        Continuity correction used when ``escalc(add=None)``: 1/2 for measures that break on a zero count,
        0 for the arcsine-type measures that do not (metafor's defaults).
    vtypes : tuple of str
        Accepted ``vtype`` values; the first is the default (``"LS"``, the large-sample variance).
    """

    code: str
    name: str
    family: str
    columns: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()
    optional: tuple[str, ...] = ()
    scale: str
    back_transform: str
    default_add: float = 0.0
    vtypes: tuple[str, ...] = ("LS",)

    @property
    def layouts(self) -> tuple[tuple[str, ...], ...]:
        """Every accepted set of columns, the usual one first."""
        return (self.columns, *self.alternatives)

    @property
    def accepted(self) -> frozenset[str]:
        """Every column name this measure reads (all layouts plus the optional ones)."""
        names = {name for layout in self.layouts for name in layout}
        return frozenset(names | set(self.optional))

    def describe_columns(self) -> str:
        """The layouts as text, e.g. ``"ai, bi, ci, di (or ai, n1i, ci, n2i)"``."""
        text = ", ".join(self.columns)
        if self.alternatives:
            text += " (or " + "; or ".join(", ".join(layout) for layout in self.alternatives) + ")"
        return text


_TWO_BY_TWO = ("ai", "bi", "ci", "di")
_TWO_BY_TWO_N = ("ai", "n1i", "ci", "n2i")
_TWO_MEANS = ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")
_PROPORTION = ("xi", "ni")
_PROPORTION_M = ("xi", "mi")
_PRE_POST = ("ni", "m1i", "sd1i", "m2i", "sd2i", "ri")

_ALL: tuple[Measure, ...] = (
    # 2×2 tables
    Measure(code="RR", name="log risk ratio", family="two_by_two", columns=_TWO_BY_TWO,
       alternatives=(_TWO_BY_TWO_N,), scale="log", back_transform="exp", default_add=0.5),
    Measure(code="OR", name="log odds ratio", family="two_by_two", columns=_TWO_BY_TWO,
       alternatives=(_TWO_BY_TWO_N,), scale="log", back_transform="exp", default_add=0.5),
    Measure(code="RD", name="risk difference", family="two_by_two", columns=_TWO_BY_TWO,
       alternatives=(_TWO_BY_TWO_N,), scale="identity", back_transform="identity", default_add=0.5),
    Measure(code="PETO", name="log odds ratio (Peto's one-step method)", family="two_by_two",
       columns=_TWO_BY_TWO, alternatives=(_TWO_BY_TWO_N,), scale="log", back_transform="exp",
       default_add=0.5),
    Measure(code="AS", name="arcsine square-root risk difference", family="two_by_two", columns=_TWO_BY_TWO,
       alternatives=(_TWO_BY_TWO_N,), scale="arcsine", back_transform="identity", default_add=0.0),
    # two independent groups, continuous outcome
    Measure(code="MD", name="mean difference", family="two_means", columns=_TWO_MEANS, scale="identity",
       back_transform="identity", vtypes=("LS", "HO")),
    Measure(code="SMD", name="standardised mean difference (Hedges' g)", family="two_means",
       columns=_TWO_MEANS, scale="identity", back_transform="identity", vtypes=("LS", "UB")),
    Measure(code="SMDH", name="standardised mean difference, heteroscedastic variances", family="two_means",
       columns=_TWO_MEANS, scale="identity", back_transform="identity"),
    Measure(code="SMD1", name="standardised mean difference by the SD of group 2 (Glass's delta)",
       family="two_means", columns=("n1i", "m1i", "n2i", "m2i", "sd2i"), optional=("sd1i",),
       scale="identity", back_transform="identity"),
    Measure(code="ROM", name="log ratio of means", family="two_means", columns=_TWO_MEANS, scale="log",
       back_transform="exp"),
    # correlations
    Measure(code="COR", name="raw correlation coefficient", family="correlation", columns=("ri", "ni"),
       scale="identity", back_transform="identity"),
    Measure(code="ZCOR", name="Fisher's r-to-z transformed correlation", family="correlation",
       columns=("ri", "ni"), scale="fisher_z", back_transform="tanh"),
    # single-group proportions
    Measure(code="PR", name="raw proportion", family="proportion", columns=_PROPORTION,
       alternatives=(_PROPORTION_M,), scale="identity", back_transform="identity", default_add=0.5),
    Measure(code="PLN", name="log proportion", family="proportion", columns=_PROPORTION,
       alternatives=(_PROPORTION_M,), scale="log", back_transform="exp", default_add=0.5),
    Measure(code="PLO", name="logit proportion", family="proportion", columns=_PROPORTION,
       alternatives=(_PROPORTION_M,), scale="logit", back_transform="expit", default_add=0.5),
    Measure(code="PAS", name="arcsine square-root proportion", family="proportion", columns=_PROPORTION,
       alternatives=(_PROPORTION_M,), scale="arcsine", back_transform="sin_squared", default_add=0.0),
    Measure(code="PFT", name="Freeman-Tukey double-arcsine proportion", family="proportion",
       columns=_PROPORTION, alternatives=(_PROPORTION_M,), scale="freeman_tukey",
       back_transform="freeman_tukey_inverse", default_add=0.0),
    # incidence rates
    Measure(code="IRR", name="log incidence rate ratio", family="two_incidence",
       columns=("x1i", "t1i", "x2i", "t2i"), scale="log", back_transform="exp", default_add=0.5),
    Measure(code="IRD", name="incidence rate difference", family="two_incidence",
       columns=("x1i", "t1i", "x2i", "t2i"), scale="identity", back_transform="identity",
       default_add=0.5),
    Measure(code="IR", name="raw incidence rate", family="incidence", columns=("xi", "ti"), scale="identity",
       back_transform="identity", default_add=0.5),
    Measure(code="IRLN", name="log incidence rate", family="incidence", columns=("xi", "ti"), scale="log",
       back_transform="exp", default_add=0.5),
    # one group measured twice (pre-post)
    Measure(code="MC", name="mean change", family="pre_post", columns=_PRE_POST, scale="identity",
       back_transform="identity"),
    Measure(code="SMCC", name="standardised mean change, change-score standardisation", family="pre_post",
       columns=_PRE_POST, scale="identity", back_transform="identity"),
    Measure(code="SMCR", name="standardised mean change, raw-score (pre) standardisation", family="pre_post",
       columns=("ni", "m1i", "sd1i", "m2i", "ri"), optional=("sd2i",), scale="identity",
       back_transform="identity"),
)  # fmt: skip

#: every measure :func:`~sysreview.effects.escalc` computes, by metafor's code (read-only)
MEASURES: Mapping[str, Measure] = MappingProxyType({measure.code: measure for measure in _ALL})
