"""``sysreview batch``: thousands to millions of meta-analyses from one long-format file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sysreview.cli._common import (
    METHOD_CODES,
    TestOpt,
    parse_level,
    parse_method,
    parse_test,
    reporting,
)
from sysreview.errors import InputError

__all__ = ["register"]

READ_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".xlsx")
WRITE_SUFFIXES = (".csv", ".parquet")


def register(app: typer.Typer) -> None:
    """Add ``batch`` to the application."""
    app.command(name="batch")(batch)


DataArg = Annotated[
    str,
    typer.Argument(
        metavar="DATA", help="Long-format table: one row per study (.csv, .tsv, .parquet, .xlsx).", show_default=False
    ),
]


def batch(
    data: DataArg,
    *,
    group: Annotated[str, typer.Option("--group", metavar="COL", help="Column naming each study's analysis.")],
    out: Annotated[str, typer.Option("--out", "-o", metavar="FILE", help="Results: .csv or .parquet.")],
    yi: Annotated[str, typer.Option("--yi", metavar="COL", help="Column of the effect sizes.")] = "yi",
    vi: Annotated[str, typer.Option("--vi", metavar="COL", help="Column of the sampling variances.")] = "vi",
    sei: Annotated[
        str | None,
        typer.Option("--sei", metavar="COL", help="Column of standard errors (instead of --vi).", show_default=False),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", metavar="CODE", help=f"tau^2 estimator: {', '.join(METHOD_CODES)}.")
    ] = "REML",
    test: TestOpt = "z",
    level: Annotated[str, typer.Option("--level", help="Confidence level, 0.95 or 95.")] = "0.95",
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Fit on Dask: 'local' for a 2-worker LocalCluster, or a scheduler address (tcp://host:8786).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Fit one meta-analysis per group of a long-format file (one row per study) and write one row per group."""
    with reporting():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from sysreview.batch import rma_batch

        method_code = parse_method(method)
        test_code = parse_test(test)
        level_value = parse_level(level)
        target = Path(out)
        if target.suffix.lower() not in WRITE_SUFFIXES:
            raise InputError(f"--out must end in {' or '.join(WRITE_SUFFIXES)}, got {out!r}")
        frame = _read(data, dask=dask is not None)
        options: dict[str, Any] = {
            "group": group, "yi": yi, "vi": vi, "sei": sei, "method": method_code, "test": test_code,
            "level": level_value,
        }  # fmt: skip
        try:
            if dask is not None:
                typer.echo("fitting on Dask …", err=True)
                result = rma_batch(frame, engine="dask", address=None if dask == "local" else dask, **options)
            else:
                columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
                with Progress(*columns, transient=True) as bar:
                    task = bar.add_task("meta-analyses", total=None)

                    def advance(done: int, total: int) -> None:
                        bar.update(task, completed=done, total=total)

                    result = rma_batch(frame, progress=advance, **options)
        except InputError as err:
            # rows of the library count data rows from 1; the file's header is row 1
            raise InputError(
                err.message, file=data, row=None if err.row is None else err.row + 1, column=err.column
            ) from None
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".parquet":
            result.to_parquet(target, index=False)
        else:
            result.to_csv(target, index=False)
        omitted = int(result["n_omitted"].sum())
        note = f"; {omitted} rows with a missing yi/vi left out (column n_omitted)" if omitted else ""
        typer.echo(f"{len(result)} meta-analyses written to {target}{note}", err=True)


def _read(path: str, *, dask: bool) -> Any:
    file = Path(path)
    suffix = file.suffix.lower()
    if not file.exists():
        raise InputError("file not found", file=path)
    if suffix not in READ_SUFFIXES:
        raise InputError(f"unsupported file type {suffix!r}; use {', '.join(READ_SUFFIXES)}", file=path)
    if dask and suffix in {".csv", ".tsv", ".txt", ".parquet"}:
        import dask.dataframe as dd

        if suffix == ".parquet":
            return dd.read_parquet(path)
        return dd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    import pandas as pd

    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".xlsx":
        return pd.read_excel(path)
    if suffix == ".txt":
        return pd.read_csv(path, sep=None, engine="python")  # delimiter sniffed
    return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
