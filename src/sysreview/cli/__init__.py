"""The ``sysreview`` command line: parses input, calls the library, formats output (no logic of its own).

Each command group lives in its own module and imports heavy dependencies inside its commands, so that
``sysreview --help`` stays fast.
"""

from __future__ import annotations

import typer

from sysreview._version import __version__
from sysreview.cli import (
    _appraisal,
    _audit,
    _batch,
    _dedup,
    _diagnostics,
    _extraction,
    _plots,
    _project,
    _records,
    _run,
    _screening,
    _stats,
    _web,
)

app = typer.Typer(
    name="sysreview",
    help="Systematic reviews with meta-analysis, from database exports to an auditable report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"sysreview {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Systematic reviews with meta-analysis, from database exports to an auditable report."""


_stats.register(app)
_diagnostics.register(app)
_batch.register(app)
_records.register(app)
_dedup.register(app)
_appraisal.register(app)
_plots.register(app)
_run.register(app)
_screening.register(app)  # owns the `screen` group
_project.register(app)  # after _screening: adds `screen run` and `screen status` to it
_web.register(app)
_audit.register(app)
_extraction.register(app)


def main() -> None:
    """Console entry point."""
    app()
