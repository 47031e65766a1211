"""Commands of the records layer: ``records convert`` (exports to RIS/CSV/BibTeX) and ``records stats`` (counts).

Problems found in the inputs are reported on stderr as ``warning: FILE: line N: field 'F': what`` and the records
are kept; ``--strict`` makes the first one an error (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sysreview.cli._common import EXIT_INPUT, fail, reporting

if TYPE_CHECKING:
    from sysreview.records import Issue, RecordSet

__all__ = ["register"]

#: issues shown in full on stderr; the rest are counted (all of them are in ``records stats --json``)
MAX_SHOWN = 20

FromOpt = Annotated[
    str | None,
    typer.Option("--from", metavar="FORMAT", help="Input format of every input (default: from suffix or content)."),
]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", metavar="CODEC", help="Input text encoding (default: detected).")
]


def register(app: typer.Typer) -> None:
    """Add the ``records`` command group to the application."""
    records_app = typer.Typer(
        name="records",
        help="Database exports (RIS, MEDLINE, WoS, CSV/TSV/XLSX, EndNote XML, BibTeX, NoteExpress …): convert, count.",
        no_args_is_help=True,
    )
    records_app.command("convert", no_args_is_help=True)(convert)
    records_app.command("stats", no_args_is_help=True)(stats)
    app.add_typer(records_app)


def _report(issues: tuple[Issue, ...]) -> None:
    """Issues on stderr: the first ``MAX_SHOWN`` in full, then how many more."""
    for issue in issues[:MAX_SHOWN]:
        typer.echo(f"warning: {issue} [{issue.category.__name__}]", err=True)
    if len(issues) > MAX_SHOWN:
        typer.echo(f"warning: … and {len(issues) - MAX_SHOWN} more (all in 'records stats --json')", err=True)


def _read(inputs: list[Path], source_format: str | None, encoding: str | None, *, strict: bool) -> RecordSet:
    from sysreview.records import read_many

    return read_many(inputs, source_format, encoding=encoding, on_issue="raise" if strict else "collect")


def convert(
    paths: Annotated[list[Path], typer.Argument(metavar="IN... OUT", help="Input files, then the output file.")],
    *,
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="FORMAT", help="Output format: ris, csv or bibtex (default: from the suffix)."),
    ] = None,
    source_format: FromOpt = None,
    encoding: EncodingOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first problem in an input.")] = False,
) -> None:
    """Convert exports to one RIS, CSV or BibTeX file; every record and every tag is kept."""
    from sysreview.records import write

    if len(paths) < 2:
        fail("give at least one input file and then the output file", EXIT_INPUT)
    *inputs, output = paths
    with reporting():
        records = _read(inputs, source_format, encoding, strict=strict)
        _report(records.issues)
        write(records, output, to)
    typer.echo(f"{len(records)} records from {len(inputs)} file(s) written to {output}")


def stats(
    inputs: Annotated[list[Path], typer.Argument(metavar="IN...", help="Input files.")],
    *,
    source_format: FromOpt = None,
    encoding: EncodingOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Counts and every issue as JSON.")] = False,
) -> None:
    """Count records by file, database, type and year, and the records missing each field."""
    with reporting():
        records = _read(inputs, source_format, encoding, strict=False)
    summary = records.stats()
    if as_json:
        from sysreview.cli._common import print_json

        data = summary.to_dict()
        data["issue_list"] = [issue.to_dict() for issue in records.issues]
        print_json(data)
        return
    _report(records.issues)
    typer.echo(summary.summary())
