"""Fitted examples shared by the figure tests (module scope: fitting is cheaper than drawing, but not free)."""

from __future__ import annotations

import numpy as np
import pytest

from sysreview.effects import EffectSizes, escalc
from sysreview.models import MetaResult, SubgroupResult, rma, subgroup_analysis
from tests.plots._svg import (
    BCG_ABLAT,
    BCG_AI,
    BCG_ALLOC,
    BCG_BI,
    BCG_CI,
    BCG_DI,
    BCG_STUDY,
    seed001_rows,
)


@pytest.fixture(scope="session")
def seed_fit() -> MetaResult:
    """Seed 001, Table 3: ECCA change, SMD (Hedges' g), DerSimonian–Laird as the paper."""
    rows = seed001_rows()
    cols = {k: [float(r[k]) for r in rows] for k in ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")}
    es = escalc("SMD", **cols)
    return rma(es.yi, es.vi, method="DL", measure="SMD", study=[r["study"] for r in rows])


@pytest.fixture(scope="session")
def bcg() -> EffectSizes:
    return escalc("RR", ai=BCG_AI, bi=BCG_BI, ci=BCG_CI, di=BCG_DI)


@pytest.fixture(scope="session")
def bcg_fit(bcg: EffectSizes) -> MetaResult:
    return rma(bcg.yi, bcg.vi, method="REML", measure="RR", study=BCG_STUDY)


@pytest.fixture(scope="session")
def bcg_subgroups(bcg: EffectSizes) -> SubgroupResult:
    return subgroup_analysis(bcg.yi, bcg.vi, BCG_ALLOC, method="REML", measure="RR", study=BCG_STUDY, variable="alloc")


@pytest.fixture(scope="session")
def bcg_regression(bcg: EffectSizes) -> MetaResult:
    return rma(
        bcg.yi,
        bcg.vi,
        mods=np.array(BCG_ABLAT, dtype=float),
        mod_names=["ablat"],
        method="REML",
        measure="RR",
        study=BCG_STUDY,
    )
