"""The ``dedup`` command: duplicate groups of the records of one or more exports, one row per input record.

``groups.csv`` has ``record_id`` (the record's own id: CSV ``ID``/``record_id``, RIS ``ID``, BibTeX key, else
``file:n``), ``group_id``, ``canonical`` (the id of the group's canonical record), ``reason``, then ``file``, ``line``
and ``database`` (provenance). Nothing is dropped; uncertain pairs go to ``--review``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sysreview.cli._common import EXIT_INPUT, fail, reporting

__all__ = ["register"]

#: below this many records the progress bar is not shown
PROGRESS_FROM = 5000


def register(app: typer.Typer) -> None:
    """Add the ``dedup`` command to the application."""
    app.command("dedup", no_args_is_help=True)(dedup)


def dedup(
    inputs: Annotated[list[Path], typer.Argument(metavar="IN...", help="Exports to deduplicate together.")],
    *,
    out: Annotated[
        Path, typer.Option("--out", metavar="GROUPS.csv", help="One row per input record: record_id, group_id, …")
    ],
    review: Annotated[
        Path | None,
        typer.Option("--review", metavar="UNCERTAIN.csv", help="Uncertain pairs for a person to decide."),
    ] = None,
    source_format: Annotated[
        str | None,
        typer.Option("--from", metavar="FORMAT", help="Input format of every input (default: from suffix or content)."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", metavar="CODEC", help="Input text encoding (default: detected).")
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bar (default: on for 5,000 records or more)."),
    ] = None,
) -> None:
    """Group the records that describe the same item (DOI, PMID, title, authors, year, journal, volume, pages).

    Errata, retraction notices and comments are linked to their article, never merged with it; a conference paper
    and its journal version, parts of a series and same-titled items of other years stay apart.
    """
    with reporting():
        from sysreview.dedup import dedup as run_dedup
        from sysreview.records import read_many

        if out.suffix.lower() != ".csv":
            fail(f"--out must end in .csv, got {str(out)!r}", EXIT_INPUT)
        if review is not None and review.suffix.lower() != ".csv":
            fail(f"--review must end in .csv, got {str(review)!r}", EXIT_INPUT)
        records = read_many(inputs, source_format, encoding=encoding, on_issue="collect")
        if records.issues:
            typer.echo(f"warning: {len(records.issues)} problem(s) in the inputs (see 'records stats')", err=True)
        show = progress if progress is not None else len(records) >= PROGRESS_FROM
        if show:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, transient=True) as bar:
                tasks: dict[str, object] = {}

                def advance(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(stage, total=total)
                    bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

                result = run_dedup(records, progress=advance)
        else:
            result = run_dedup(records)
        out.parent.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(out, index=False)
        if review is not None:
            review.parent.mkdir(parents=True, exist_ok=True)
            result.review_frame().to_csv(review, index=False)
    typer.echo(
        f"{result.n_records} records in {len(result.groups)} groups ({result.n_duplicates} duplicates, "
        f"{len(result.review)} uncertain pairs, {len(result.links)} linked notices) written to {out}",
        err=True,
    )
