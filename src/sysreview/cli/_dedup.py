"""The ``dedup`` command: duplicate groups of the records of one or more exports, one row per input record.

``groups.csv`` has ``record_id`` (the record's own id: CSV ``ID``/``record_id``, RIS ``ID``, BibTeX key, else
``file:n``), ``group_id``, ``canonical`` (the id of the group's canonical record), ``reason``, then ``file``, ``line``
and ``database`` (provenance). Nothing is dropped; uncertain pairs go to ``--review``.

``sysreview dedup DIR`` on a project folder (one holding ``review.toml``) deduplicates the project's store instead
(``sysreview.cli._project.dedup``): the groups are stored, and ``--confirm --reviewer NAME`` judges the uncertain ones.
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
    inputs: Annotated[
        list[Path],
        typer.Argument(metavar="IN...", help="Exports to deduplicate together, or one project folder (review.toml)."),
    ],
    *,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="GROUPS.csv", help="One row per input record: record_id, group_id, … (files only)."
        ),
    ] = None,
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
    confirm: Annotated[
        bool,
        typer.Option("--confirm", help="Project: judge the uncertain groups one at a time (keys d, n, u, s, q)."),
    ] = False,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", "-r", metavar="NAME", help="Project: who judges (with --confirm).")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", metavar="text|json", help="Project: output format (text).")
    ] = None,
) -> None:
    """Group the records that describe the same item (DOI, PMID, title, authors, year, journal, volume, pages).

    Errata, retraction notices and comments are linked to their article, never merged with it; a conference paper
    and its journal version, parts of a series and same-titled items of other years stay apart.
    """
    if len(inputs) == 1 and (inputs[0] / "review.toml").is_file():
        file_options = {
            "--out": out is not None,
            "--review": review is not None,
            "--from": source_format is not None,
            "--encoding": encoding is not None,
            "--progress/--no-progress": progress is not None,
        }
        given = [name for name, used in file_options.items() if used]
        if given:
            fail(f"{', '.join(given)}: not for a project folder (its groups are stored in the project)", EXIT_INPUT)
        from sysreview.cli._project import dedup as project_dedup

        project_dedup(inputs[0], confirm=confirm, reviewer=reviewer, fmt=fmt if fmt is not None else "text")
        return
    with reporting():
        project_options = {"--confirm": confirm, "--reviewer": reviewer is not None, "--format": fmt is not None}
        given = [name for name, used in project_options.items() if used]
        if given:
            fail(f"{', '.join(given)}: only for a project folder (DIR holding review.toml), not for files", EXIT_INPUT)
        if out is None:
            fail("--out GROUPS.csv is required for files (or give one project folder)", EXIT_INPUT)
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
