"""The ``audit`` command: check what a published review reports (a claims file, or a sysreview results.json).

Exit codes: 0 when there are no findings, 1 when there are findings, 2 on bad input (one line on stderr naming
the file, the line and the field). The audit itself lives in :mod:`sysreview.audit`; this module only reads the
options, calls it and prints the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sysreview.cli._common import EXIT_FAILURE, choose, print_json, reporting, to_json
from sysreview.errors import InputError

__all__ = ["AUDIT_FORMATS", "register"]

AUDIT_FORMATS = ("text", "json", "html")


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command to ``app``."""
    app.command("audit")(audit)


def audit(
    claims: Annotated[
        str,
        typer.Argument(
            metavar="CLAIMS",
            help="Claims file (.yaml, .yml or .json; see docs/claims.md) or a sysreview results.json.",
            show_default=False,
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="text|json|html", help="Output format.")] = "text",
    check: Annotated[
        list[str] | None,
        typer.Option(
            "--check", metavar="NAME", help="Run only this check (repeatable); default: all.", show_default=False
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Also write the report to this file (in the chosen format).", show_default=False
        ),
    ] = None,
) -> None:
    """Recompute what a review reports and list every inconsistency (exit 1 if there is any).

    Checks: per-study and pooled effects recomputed from the review's own data, confidence intervals, p-values,
    heterogeneity, the test for subgroup differences, impossible percentages and means (GRIM), sample sizes,
    study counts, PRISMA arithmetic, risk-of-bias overall judgements, eligibility and duplicate studies.
    """
    with reporting():
        fmt = choose("format", fmt, AUDIT_FORMATS)
        from sysreview.audit import CHECKS
        from sysreview.audit import audit as run_audit

        names = [choose("check", name, list(CHECKS)) for name in check] if check else None
        report = run_audit(claims, checks=names)
        if fmt == "json":
            text = to_json(report.to_dict())
        elif fmt == "html":
            text = report.to_html()
        else:
            text = report.to_text()
        if out is not None:
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write the report: {exc.strerror or exc}", file=str(out)) from None
        if fmt == "json":
            print_json(report.to_dict())
        else:
            typer.echo(text, nl=not text.endswith("\n"))
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)
