"""Helpers of the audit tests: claims from a dict, an audit run, findings by check; one tolerance per quantity."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sysreview.audit import AuditReport, Finding, audit, parse_claims

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "claims"

#: tolerances of the assertions, one per kind of quantity: effects and estimates recomputed here and by hand
#: agree to the 3-4 decimals the hand computation carries; p-values to 1e-3
EFFECT_TOL = 5e-4
P_TOL = 1e-3


def run(doc: dict[str, Any], checks: Sequence[str] | None = None) -> AuditReport:
    """Audit a claims document given as a dict."""
    return audit(parse_claims({"sysreview_claims": 1, **doc}, file="test.yaml"), checks=checks)


def only(report: AuditReport, check: str) -> list[Finding]:
    """The findings of one check."""
    return [f for f in report.findings if f.check == check]
