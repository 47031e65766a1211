"""Auditing sysreview's own results.json finds nothing; a tampered one is caught at the 1e-6 agreement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sysreview.audit import audit, load_claims
from sysreview.models import rma
from tests.strategies import meta_data


def _results(analyses: list[dict[str, Any]], path: Path) -> Path:
    path.write_text(json.dumps({"analyses": analyses}), encoding="utf-8")
    return path


def _analysis(yi: np.ndarray, vi: np.ndarray, *, method: str, test: str, measure: str, id: str) -> dict[str, Any]:
    result = rma(yi, vi, method=method, test=test, measure=measure, study=[f"study {i + 1}" for i in range(len(yi))])
    return {"id": id, "outcome": id, **result.to_dict()}


@pytest.fixture
def own(tmp_path: Path) -> Path:
    rng = np.random.default_rng(20240601)
    analyses = []
    for i, (method, test, measure) in enumerate(
        [("DL", "z", "SMD"), ("REML", "knha", "OR"), ("FE", "z", "RR"), ("PM", "t", "MD"), ("SJ", "z", "SMD")]
    ):
        k = 3 + 2 * i
        analyses.append(
            _analysis(
                rng.normal(0.3, 0.5, k),
                rng.uniform(0.01, 0.2, k),
                method=method,
                test=test,
                measure=measure,
                id=f"a{i}",
            )
        )
    return _results(analyses, tmp_path / "results.json")


def test_own_results_give_no_finding(own: Path) -> None:
    report = audit(own)
    assert report.ok, [f.message for f in report.findings]
    # every pooled estimate, its interval, p-value, heterogeneity and prediction interval was compared
    assert report.checked["pooled_recompute"] >= 5 * 4
    assert report.checked["p_value"] == 5
    assert report.checked["ci_estimate"] == 5


@pytest.mark.parametrize(
    ("field", "factor", "check"),
    [("estimate", 1 + 1e-4, "pooled_recompute"), ("tau2", 1.01, "pooled_recompute"), ("pvalue", 3.0, "p_value")],
)
def test_tampered_results_are_caught(own: Path, field: str, factor: float, check: str) -> None:
    doc = json.loads(own.read_text(encoding="utf-8"))
    target = doc["analyses"][0]  # DL, z, SMD
    if field == "estimate":  # move the whole result (estimate and intervals), leaving out the p-value it changes
        shift = target["estimate"] * (factor - 1)
        for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
            target[key] += shift
        target["pvalue"] = None
    else:
        target[field] *= factor
    own.write_text(json.dumps(doc), encoding="utf-8")
    report = audit(own)
    assert {f.check for f in report.findings} == {check}


def test_i2_of_dl_results_against_q(own: Path) -> None:
    doc = json.loads(own.read_text(encoding="utf-8"))
    doc["analyses"][0]["I2"] = min(99.0, doc["analyses"][0]["I2"] + 5)
    own.write_text(json.dumps(doc), encoding="utf-8")
    assert [f.check for f in audit(own).findings] == ["heterogeneity"]


def test_a_single_meta_result_is_accepted(tmp_path: Path) -> None:
    result = rma([0.1, 0.4, -0.2, 0.3], [0.04, 0.02, 0.05, 0.03], method="REML", measure="SMD")
    path = tmp_path / "meta.json"
    path.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    claims = load_claims(path)
    assert len(claims.analyses) == 1
    assert claims.analyses[0].k == 4
    assert audit(claims).ok


@settings(max_examples=25, deadline=None)
@given(
    data=meta_data(min_k=2, max_k=15),
    method=st.sampled_from(["DL", "REML", "FE", "PM", "HE"]),
    test=st.sampled_from(["z", "knha"]),
)
def test_any_own_fit_audits_clean(
    data: tuple[np.ndarray, np.ndarray], method: str, test: str, tmp_path_factory: Any
) -> None:
    yi, vi = data
    path = tmp_path_factory.mktemp("results") / "results.json"
    _results([_analysis(yi, vi, method=method, test=test, measure="SMD", id="a")], path)
    report = audit(path)
    assert report.ok, [f.message for f in report.findings]
