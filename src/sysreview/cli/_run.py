"""``sysreview run DIR`` (the whole pipeline of a project) and ``sysreview report`` (render a report)."""

from __future__ import annotations

import dataclasses
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from sysreview.cli._common import reporting
from sysreview.errors import InputError

__all__ = ["register"]

OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Report folder (default: out/NAME, NAME the project folder's name)."),
]


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``report`` to ``app``."""
    app.command("run")(run)
    app.command("report")(report)


def run(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Project folder (review.toml, analysis.toml).")],
    out: OutOpt = None,
) -> None:
    """Run a project's whole plan: analyses, figures, audit, and the report (HTML, Markdown, Word, results.json)."""
    with reporting():
        _run(directory, out or Path("out") / directory.resolve().name)


def report(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="A project folder, or a report folder written by `sysreview run`.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into.")],
) -> None:
    """Write the report (index.html, report.md, report.docx) of a project, or re-render a run's report folder."""
    with reporting():
        if (directory / "context.json").is_file():
            from sysreview.report import load_context, render_report

            paths = render_report(load_context(directory), out, figures_from=directory)
            typer.echo(f"Report written to {paths['html']}")
            return
        _run(directory, out)


def _protocol(directory: Path) -> dict[str, Any]:
    path = directory / "review.toml"
    if not path.is_file():
        return {}
    from sysreview.project import load_protocol

    plain: dict[str, Any] = _plain(dataclasses.asdict(load_protocol(path)))
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _run(directory: Path, out: Path) -> None:
    from rich.console import Console

    from sysreview.report import run_review

    if not directory.is_dir():
        raise InputError("no such project folder", file=str(directory))
    console = Console(stderr=True)
    start = time.perf_counter()
    command = " ".join(["sysreview", *(shlex.quote(a) for a in sys.argv[1:])])
    with console.status("starting", spinner="dots") as status:

        def step(message: str) -> None:
            console.log(message)
            status.update(message + " …")

        protocol = _protocol(directory)
        result = run_review(directory, out, protocol=protocol, command=command, step=step)
    for warning in result.warnings:
        typer.echo(f"note: {warning}", err=True)
    seconds = time.perf_counter() - start
    typer.echo(f"Report written to {result.html} ({seconds:.1f} s)")
    typer.echo(f"  Word: {result.docx}  Markdown: {result.markdown}")
    typer.echo(f"  results: {result.results}  audit: {result.audit}  figures: {len(result.figures)} files")
