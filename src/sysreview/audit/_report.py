"""Findings of an audit and the frozen report that holds them, with text, JSON and HTML views."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["SEVERITIES", "AuditReport", "Finding", "Skipped"]

#: ``error``: the reported numbers cannot all be true (arithmetic, impossible values, a flipped conclusion);
#: ``warning``: inconsistent beyond the stated tolerance, but information the claims do not hold could explain it
SEVERITIES: Final = ("error", "warning")

Value = float | int | str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One inconsistency: what was checked, what the review reports, what sysreview recomputes, and why it matters.

    ``reported`` and ``recomputed`` are on the scale the review reports (ratios as ratios); ``tolerance`` is the
    largest difference between them that the check accepts (absolute, on the scale the comparison is made, which
    ``message`` states), or None where the check is exact (arithmetic, counts, categories).
    """

    check: str
    subject: str
    quantity: str
    reported: Value
    recomputed: Value
    tolerance: float | None
    severity: str
    message: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "quantity": self.quantity,
            "reported": self.reported,
            "recomputed": self.recomputed,
            "tolerance": self.tolerance,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    """A comparison a check could not make, and why (so that silence is never mistaken for agreement)."""

    check: str
    subject: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "subject": self.subject, "reason": self.reason}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    """The outcome of :func:`~sysreview.audit.audit`: findings in check order, the number of comparisons each
    check made (``checked``), and what could not be checked (``skipped``)."""

    claims: str  # the claims file (or "results.json" …) audited
    title: str | None
    findings: tuple[Finding, ...]
    checked: Mapping[str, int]
    skipped: tuple[Skipped, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when there are no findings."""
        return not self.findings

    def summary(self) -> dict[str, Any]:
        by_check = Counter(f.check for f in self.findings)
        by_severity = Counter(f.severity for f in self.findings)
        return {
            "findings": len(self.findings),
            "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
            "by_check": {name: by_check.get(name, 0) for name in self.checked},
            "comparisons": dict(self.checked),
            "skipped": len(self.skipped),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``{"findings": [...], "summary": {...}, "skipped": [...], "claims", "title"}``."""
        return {
            "claims": self.claims,
            "title": self.title,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
            "skipped": [s.to_dict() for s in self.skipped],
        }

    # ------------------------------------------------------------------ views
    def to_text(self) -> str:
        """A plain-text report: one block per finding, then the summary."""
        lines = [f"Audit of {self.title or self.claims}", ""]
        if not self.findings:
            lines.append("No findings: everything that could be recomputed agrees with what is reported.")
        for i, f in enumerate(self.findings, start=1):
            lines.append(f"{i}. [{f.severity}] {f.check}: {f.subject} — {f.quantity}")
            lines.append(
                f"   reported {_show(f.reported)}; recomputed {_show(f.recomputed)}"
                + (f"; tolerance {_show(f.tolerance)}" if f.tolerance is not None else "")
            )
            lines.append(f"   source: {f.source}")
            lines.extend(_wrap(f.message, "   "))
            lines.append("")
        s = self.summary()
        lines.append(
            f"{s['findings']} finding(s): {s['by_severity']['error']} error(s), {s['by_severity']['warning']} "
            "warning(s)."
        )
        lines.append("Comparisons per check: " + ", ".join(f"{k} {v}" for k, v in self.checked.items()))
        if self.skipped:
            lines.append(f"Not checked ({len(self.skipped)}):")
            lines.extend(f"  - {s.check}: {s.subject}: {s.reason}" for s in self.skipped)
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self) -> str:
        """A self-contained HTML page (no template engine: the audit layer does not depend on jinja2)."""
        e = html.escape
        s = self.summary()
        rows = "\n".join(
            "<tr class='{sev}'><td>{i}</td><td>{sev}</td><td>{check}</td><td>{subject}</td><td>{quantity}</td>"
            "<td>{rep}</td><td>{rec}</td><td>{tol}</td><td>{msg}<div class='source'>{src}</div></td></tr>".format(
                i=i,
                sev=e(f.severity),
                check=e(f.check),
                subject=e(f.subject),
                quantity=e(f.quantity),
                rep=e(_show(f.reported)),
                rec=e(_show(f.recomputed)),
                tol=e(_show(f.tolerance)) if f.tolerance is not None else "",
                msg=e(f.message),
                src=e(f.source),
            )
            for i, f in enumerate(self.findings, start=1)
        )
        checked = "".join(
            f"<tr><td>{e(k)}</td><td>{v}</td><td>{s['by_check'].get(k, 0)}</td></tr>" for k, v in self.checked.items()
        )
        skipped = "".join(f"<li><b>{e(x.check)}</b>: {e(x.subject)}: {e(x.reason)}</li>" for x in self.skipped)
        title = e(self.title or self.claims)
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Audit of {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }}
tr.error td:nth-child(2) {{ color: #b00020; font-weight: bold; }} tr.warning td:nth-child(2) {{ color: #a15c00; }}
.source {{ color: #666; font-size: smaller; margin-top: 4px; }}
</style></head><body>
<h1>Audit of {title}</h1>
<p>{s["findings"]} finding(s): {s["by_severity"]["error"]} error(s), {s["by_severity"]["warning"]} warning(s).</p>
<table><thead><tr><th>#</th><th>severity</th><th>check</th><th>subject</th><th>quantity</th><th>reported</th>
<th>recomputed</th><th>tolerance</th><th>message</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<h2>Comparisons per check</h2>
<table><thead><tr><th>check</th><th>comparisons</th><th>findings</th></tr></thead><tbody>{checked}</tbody></table>
<h2>Not checked</h2><ul>{skipped or "<li>nothing</li>"}</ul>
</body></html>
"""


def _show(value: Value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}".replace("-", "−")
    return str(value)


def _wrap(text: str, indent: str, width: int = 116) -> list[str]:
    words = text.split()
    lines: list[str] = []
    current = indent
    for word in words:
        if len(current) + len(word) + 1 > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += word + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines
