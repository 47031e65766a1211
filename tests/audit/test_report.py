"""The report object: frozen, declared fields, JSON contract, text and HTML views, public surface."""

from __future__ import annotations

import dataclasses
import json

import pytest

import sysreview.audit
from sysreview.audit import SEVERITIES, AuditReport, Finding
from tests.audit._helpers import run


def _report() -> AuditReport:
    return run({"percentages": [{"what": "a <share> & more", "value": "82.1", "n": 14, "source": "Table <1>"}]})


def test_report_is_frozen() -> None:
    report = _report()
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings[0].message = "x"  # type: ignore[misc]


def test_to_dict_is_strict_json() -> None:
    payload = _report().to_dict()
    text = json.dumps(payload, allow_nan=False)
    assert json.loads(text)["summary"]["by_severity"] == {"error": 1, "warning": 0}
    assert [f.name for f in dataclasses.fields(Finding)] == [
        "check",
        "subject",
        "quantity",
        "reported",
        "recomputed",
        "tolerance",
        "severity",
        "message",
        "source",
    ]


def test_text_view() -> None:
    text = _report().to_text()
    assert "1. [error] percentage_count: a <share> & more — percent" in text
    assert "82.1% of 14 is not a whole number of people" in text


def test_html_escapes_everything() -> None:
    page = _report().to_html()
    assert "a &lt;share&gt; &amp; more" in page
    assert "Table &lt;1&gt;" in page
    assert "<share>" not in page


def test_severities() -> None:
    assert SEVERITIES == ("error", "warning")


def test_public_surface() -> None:
    public = {n for n in dir(sysreview.audit) if not n.startswith("_") and n != "annotations"}
    assert public == set(sysreview.audit.__all__)
    assert sysreview.audit.__all__ == sorted(sysreview.audit.__all__, key=lambda n: (not n.isupper(), n))
