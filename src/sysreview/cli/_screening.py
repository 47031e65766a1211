"""The ``screen`` command group: ``screen simulate`` replays a labelled set with the active learner.

``order.csv`` lists the non-prior rows in the order the learner showed them (``step``, ``dataset_row`` = 0-based
data row, ``label``) until the last relevant record was found; stdout gets the metrics (WSS@95, WSS@100, RRF@10,
ATD, loss, NDCG with ASReview's conventions) and where each stopping rule would have stopped, as text or JSON.
scikit-learn is imported inside the command, so that ``sysreview --help`` stays fast.

``screen_app`` is the group: the interactive screening of a project adds ``run`` and ``status`` to it (cli/_project.py),
and :class:`ScreenGroup` lets ``sysreview screen DIR --reviewer NAME`` stand for ``sysreview screen run DIR …``.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from sysreview.cli._common import (
    EXIT_INPUT,
    FormatOpt,
    choose,
    fail,
    format_number,
    parse_format,
    print_json,
    reporting,
)

if TYPE_CHECKING:
    from sysreview.screening import SimulationResult

__all__ = ["MODEL_NAMES", "QUERY_NAMES", "ScreenGroup", "register", "screen_app"]

#: ``sysreview.screening.MODELS`` and ``QUERY_STRATEGIES``, spelt out for the help texts so that ``--help`` need not
#: import scikit-learn (tests/screening/test_cli.py keeps them in step)
MODEL_NAMES = ("svm", "logistic", "nb", "ensemble")
QUERY_NAMES = ("max", "uncertainty", "mixed", "random")
DEFAULT_MODEL = "svm"


class ScreenGroup(TyperGroup):
    """The ``screen`` group, where a first argument that names no subcommand is the project folder of ``run``.

    ``sysreview screen DIR --reviewer NAME`` (the issue's spelling) is read as ``sysreview screen run DIR --reviewer
    NAME``; so is ``sysreview screen --reviewer NAME DIR``. A subcommand name always wins (a folder called
    ``status`` is screened with ``screen run status``), and a word that is not an existing path but close to a
    subcommand's name (``simulat``) is left for click to report as an unknown command.
    """

    default_command = "run"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: typer's click Context (vendored)
        if args and self.default_command in self.commands and self._is_default(ctx, args[0]):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def _is_default(self, ctx: typer.Context, first: str) -> bool:
        if first in self.commands or first in ctx.help_option_names:
            return False
        if first.startswith("-") or Path(first).exists():
            return True
        return not difflib.get_close_matches(first, list(self.commands), n=1, cutoff=0.75)


screen_app = typer.Typer(
    name="screen",
    cls=ScreenGroup,
    help=(
        "Title/abstract screening: the review loop of a project (sysreview screen DIR --reviewer NAME, short for "
        "screen run), its status, and active-learning simulation on a labelled set."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the ``screen`` command group to the application."""
    app.add_typer(screen_app, name="screen")


def _rows(values: list[str] | None, option: str) -> list[int]:
    rows: list[int] = []
    for value in values or []:
        for part in value.split(","):
            text = part.strip()
            if not text:
                continue
            try:
                row = int(text)
            except ValueError:
                fail(f"{option}: not a row number: {text!r}", EXIT_INPUT)
            if row < 0:
                fail(f"{option}: rows are 0-based and non-negative, got {row}", EXIT_INPUT)
            rows.append(row)
    return rows


@screen_app.command("simulate", no_args_is_help=True)
def simulate(
    data: Annotated[
        Path,
        typer.Argument(
            metavar="DATA.csv",
            help="Labelled set in ASReview's CSV layout: title, abstract, label_included (0/1).",
            show_default=False,
        ),
    ],
    *,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="ORDER.csv", help="Screening order: step, dataset_row, label."),
    ],
    prior_included: Annotated[
        list[str] | None,
        typer.Option(
            "--prior-included",
            metavar="ROW",
            help="Relevant prior record: 0-based data row (repeatable).",
            show_default=False,
        ),
    ] = None,
    prior_excluded: Annotated[
        list[str] | None,
        typer.Option(
            "--prior-excluded",
            metavar="ROW",
            help="Irrelevant prior record: 0-based data row (repeatable).",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str, typer.Option(metavar="NAME", help=f"Relevance model: {', '.join(MODEL_NAMES)}.")
    ] = DEFAULT_MODEL,
    query: Annotated[str, typer.Option(metavar="NAME", help=f"Query strategy: {', '.join(QUERY_NAMES)}.")] = "max",
    seed: Annotated[
        int | None,
        typer.Option(
            metavar="N", help="Seed of the random priors and of the model (default: unseeded).", show_default=False
        ),
    ] = None,
    n_prior_included: Annotated[
        int, typer.Option(metavar="N", help="Random relevant priors when no prior rows are given.")
    ] = 1,
    n_prior_excluded: Annotated[
        int, typer.Option(metavar="N", help="Random irrelevant priors when no prior rows are given.")
    ] = 1,
    fmt: FormatOpt = "text",
) -> None:
    """Replay a labelled set: the learner ranks, the labels answer, until every relevant record is found.

    Prints WSS@95, WSS@100, RRF@10, ATD, loss and NDCG (priors left out: N' = records - priors, R' = relevant
    records - relevant priors) and where each stopping rule would have stopped, with the recall reached there.
    """
    with reporting():
        output = parse_format(fmt)
        model_name = choose("model", model, MODEL_NAMES)
        query_name = choose("query strategy", query, QUERY_NAMES)
        if out.suffix.lower() != ".csv":
            fail(f"--out must end in .csv, got {str(out)!r}", EXIT_INPUT)
        included = _rows(prior_included, "--prior-included")
        excluded = _rows(prior_excluded, "--prior-excluded")
        if bool(included) != bool(excluded):
            fail("give both --prior-included and --prior-excluded rows, or neither (random priors)", EXIT_INPUT)

        from sysreview.screening import read_labelled_csv
        from sysreview.screening import simulate as run_simulation

        records = read_labelled_csv(data)
        result = run_simulation(
            records,
            prior_included=included,
            prior_excluded=excluded,
            n_prior_included=n_prior_included,
            n_prior_excluded=n_prior_excluded,
            model=model_name,
            query=query_name,
            seed=seed,
        )
        _write_order(out, result)
        payload = {"data": str(data), "out": str(out), **result.to_dict()}
        if output == "json":
            print_json(payload)
        else:
            _print_text(payload)


def _write_order(path: Path, result: SimulationResult) -> None:
    import csv

    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["step", "dataset_row", "label"])
            for step, (row, label) in enumerate(zip(result.dataset_rows, result.labels, strict=True), start=1):
                writer.writerow([step, int(row), int(label)])
    except OSError as err:
        fail(f"{path}: cannot write ({err.strerror})", EXIT_INPUT)


def _print_text(payload: dict[str, Any]) -> None:
    settings = payload["settings"]
    lines = [
        f"data: {payload['data']}  (model {settings['model']}, query {settings['query']}, seed {settings['seed']})",
        f"priors: rows {', '.join(str(r) for r in payload['prior_rows'])}",
        (
            f"records N' = {payload['n_records']}, relevant R' = {payload['n_relevant']}, "
            f"screened until the last relevant: {payload['n_screened']}"
        ),
        "",
    ]
    for name in ("wss95", "wss100", "rrf10", "atd", "loss", "ndcg"):
        lines.append(f"{name:<8}{format_number(payload[name], 4)}")
    lines += ["", "stopping rules (records screened incl. priors, recall reached):"]
    for stop in payload["stops"]:
        if stop["n_screened"] is None:
            lines.append(f"  {stop['rule']}: did not stop")
        else:
            lines.append(
                f"  {stop['rule']}: {stop['n_screened']} ({100 * stop['fraction_screened']:.1f} %), "
                f"recall {stop['recall']:.3f}"
            )
    lines += [
        "",
        (
            f"rankings: {payload['n_rankings']}, {1000 * payload['seconds_per_ranking']:.1f} ms each; "
            f"order written to {payload['out']}"
        ),
    ]
    typer.echo("\n".join(lines))
