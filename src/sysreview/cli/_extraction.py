"""Commands of data extraction: ``sysreview extract template|import|export|validate|compare|resolve|effects|…``.

Extraction data is a JSON file, an .xlsx workbook or a folder of CSV files (see ``sysreview.extraction``); every
command reads any of them. ``--form FILE`` gives the form (a TOML file; default: the built-in regenerative-
dermatology form, which ``extract template form.toml`` writes out to adapt). Bad input ends a command with one
line on stderr naming the file, sheet, row and column, and exit code 2; ``validate`` exits with 1 when it finds
errors, ``compare --strict`` when there are disagreements to resolve.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sysreview.cli._common import FormatOpt, echo_notes, parse_format, parse_number, print_json, reporting
from sysreview.errors import InputError

if TYPE_CHECKING:
    from sysreview.extraction import Comparison, ExtractedEffects, Extraction, Form, ValidationReport

__all__ = ["register"]

extract_app = typer.Typer(
    name="extract",
    help="Data extraction: templates, Excel/CSV import and export, validation, double extraction, effect sizes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the ``extract`` command group to the application."""
    app.add_typer(extract_app, name="extract")


DataArg = Annotated[
    str,
    typer.Argument(
        metavar="DATA",
        help="Extraction data: a .json file, an .xlsx workbook or a folder of CSV files.",
        show_default=False,
    ),
]
FormOpt = Annotated[
    str | None,
    typer.Option(
        "--form",
        metavar="FORM.toml",
        help="The extraction form (default: the built-in regenerative-dermatology form).",
        show_default=False,
    ),
]


def _form(path: str | None) -> Form:
    from sysreview.extraction import default_form, load_form

    return default_form() if path is None else load_form(path)


def _read(path: str, form: Form) -> Extraction:
    from sysreview.extraction import read_extraction

    data = read_extraction(path, form=form)
    echo_notes(data.notes)
    if data.form is not None and data.form != form.name:
        echo_notes([f"{path}: extracted on form '{data.form}', read with form '{form.name}' (give it with --form)"])
    return data


# ---------------------------------------------------------------------- template, import, export
@extract_app.command("template", no_args_is_help=True)
def template(
    output: Annotated[
        str,
        typer.Argument(
            metavar="OUTPUT",
            help="form.toml (the form, to adapt), sheet.xlsx, a folder (CSV files) or data.json.",
            show_default=False,
        ),
    ],
    *,
    study: Annotated[
        list[str] | None,
        typer.Option("--study", metavar="ID", help="A study to list (repeatable).", show_default=False),
    ] = None,
    arm: Annotated[
        list[str] | None,
        typer.Option(
            "--arm",
            metavar="ID=ROLE",
            help="An arm of every study, e.g. --arm svf=intervention (repeatable; default: intervention and control).",
            show_default=False,
        ),
    ] = None,
    extractor: Annotated[str | None, typer.Option(help="Who will extract into it.", show_default=False)] = None,
    form: FormOpt = None,
) -> None:
    """Write a blank extraction sheet (every field of the form per study and arm), or the form itself (.toml)."""
    from sysreview.extraction import ROLES, write_template

    with reporting():
        arms: list[tuple[str, str]] = []
        for item in arm or []:
            name, sep, role = item.partition("=")
            if not sep or not name.strip() or role.strip() not in ROLES:
                raise InputError(f"--arm {item!r}: expected ID=ROLE with ROLE one of {', '.join(ROLES)}")
            arms.append((name.strip(), role.strip()))
        written = write_template(
            output,
            form=_form(form),
            studies=study or [],
            arms=arms or [("intervention", "intervention"), ("control", "control")],
            extractor=extractor,
        )
        typer.echo(f"wrote {written}", err=True)


def _convert(source: str, output: str, form_path: str | None) -> None:
    from sysreview.extraction import write_extraction

    form = _form(form_path)
    data = _read(source, form)
    written = write_extraction(data, output, form=form)
    records = sum(len(s.outcomes) for s in data.studies)
    typer.echo(f"wrote {written} ({len(data.studies)} studies, {records} outcome records)", err=True)


@extract_app.command("import", no_args_is_help=True)
def import_(
    source: Annotated[
        str, typer.Argument(metavar="SOURCE", help="An .xlsx workbook or a folder of CSV files.", show_default=False)
    ],
    output: Annotated[str, typer.Argument(metavar="OUTPUT", help="The JSON file to write.", show_default=False)],
    *,
    form: FormOpt = None,
) -> None:
    """Read extraction data from a workbook or CSV folder and write it as JSON (the form data)."""
    with reporting():
        if Path(output).suffix.lower() != ".json":
            raise InputError("import writes JSON: give an OUTPUT ending in .json", file=output)
        _convert(source, output, form)


@extract_app.command("export", no_args_is_help=True)
def export(
    source: DataArg,
    output: Annotated[
        str,
        typer.Argument(metavar="OUTPUT", help="An .xlsx workbook or a folder for CSV files.", show_default=False),
    ],
    *,
    form: FormOpt = None,
) -> None:
    """Write extraction data as an .xlsx workbook or a folder of CSV files (reading them back gives the same data)."""
    with reporting():
        _convert(source, output, form)


# ---------------------------------------------------------------------- validate
@extract_app.command("validate", no_args_is_help=True)
def validate_command(
    data: DataArg,
    *,
    form: FormOpt = None,
    fmt: FormatOpt = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Exit with code 1 on warnings too.")] = False,
) -> None:
    """Check the data against the form and the arithmetic of its numbers; every issue names study and field."""
    from sysreview.extraction import validate

    with reporting():
        fmt = parse_format(fmt)
        chosen = _form(form)
        report = validate(_read(data, chosen), chosen)
        if fmt == "json":
            print_json(report.to_dict())
        else:
            typer.echo(_report_text(report))
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


def _report_text(report: ValidationReport) -> str:
    lines = [str(issue) for issue in report.issues]
    lines.append(report.summary())
    return "\n".join(lines)


# ---------------------------------------------------------------------- compare and resolve
@extract_app.command("compare", no_args_is_help=True)
def compare_command(
    first: Annotated[str, typer.Argument(metavar="FIRST", help="The first extractor's data.", show_default=False)],
    second: Annotated[str, typer.Argument(metavar="SECOND", help="The second extractor's data.", show_default=False)],
    *,
    form: FormOpt = None,
    fmt: FormatOpt = "text",
    resolutions_template: Annotated[
        str | None,
        typer.Option(
            "--resolutions-template",
            metavar="FILE",
            help="Write the disagreements to FILE (.csv or .xlsx) with choice, by and reason to fill in.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with code 1 when there are disagreements.")] = False,
) -> None:
    """List every item on which two extractors differ (values, arms, records, provenance), field by field."""
    from sysreview.extraction import compare, write_resolution_template

    with reporting():
        fmt = parse_format(fmt)
        chosen = _form(form)
        comparison = compare(_read(first, chosen), _read(second, chosen), form=chosen)
        if resolutions_template:
            written = write_resolution_template(comparison.blocking, resolutions_template, form=chosen)
            typer.echo(f"wrote {written} ({len(comparison.blocking)} disagreements to resolve)", err=True)
        if fmt == "json":
            print_json(comparison.to_dict())
        else:
            typer.echo(_comparison_text(comparison))
    if strict and comparison.blocking:
        raise typer.Exit(1)


def _comparison_text(comparison: Comparison) -> str:
    lines = []
    for conflict in comparison.conflicts:
        mark = "resolve" if conflict.blocking else "auto"
        lines.append(f"[{mark}] {conflict.key}: {conflict}")
    lines.append(comparison.summary())
    return "\n".join(lines)


@extract_app.command("resolve", no_args_is_help=True)
def resolve_command(
    first: Annotated[str, typer.Argument(metavar="FIRST", help="The first extractor's data.", show_default=False)],
    second: Annotated[str, typer.Argument(metavar="SECOND", help="The second extractor's data.", show_default=False)],
    *,
    resolutions: Annotated[
        str | None,
        typer.Option(
            "--resolutions",
            metavar="FILE",
            help="Resolutions (.csv, .xlsx or .json): key, choice (first|second|value), value, by, reason.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="Where to write the consensus (.json, .xlsx or folder)."),
    ] = None,
    extractor: Annotated[
        str | None, typer.Option(help="Name of the consensus (default: consensus of FIRST and SECOND).")
    ] = None,
    form: FormOpt = None,
) -> None:
    """Merge two extractions into their consensus; every disagreement needs a resolution with who and why."""
    from sysreview.extraction import consensus, read_resolutions, write_extraction

    with reporting():
        if not output:
            raise InputError("--output FILE is required")
        chosen = _form(form)
        given = read_resolutions(resolutions, form=chosen) if resolutions else ()
        merged = consensus(_read(first, chosen), _read(second, chosen), given, form=chosen, extractor=extractor)
        written = write_extraction(merged, output, form=chosen)
        automatic = sum(1 for r in merged.resolutions if r.by == "sysreview")
        typer.echo(
            f"wrote {written}: {len(merged.studies)} studies, {len(merged.resolutions) - automatic} resolutions "
            f"recorded, {automatic} settled automatically",
            err=True,
        )


# ---------------------------------------------------------------------- effects
@extract_app.command("effects", no_args_is_help=True)
def effects_command(
    data: DataArg,
    *,
    outcome: Annotated[
        str | None, typer.Option(metavar="NAME", help="The outcome (a name of the form).", show_default=False)
    ] = None,
    measure: Annotated[
        str | None,
        typer.Option(
            metavar="CODE", help="SMD, MD, SMDH, ROM; RR, OR, RD; HR (default: SMD, RR or HR).", show_default=False
        ),
    ] = None,
    timepoint: Annotated[str, typer.Option(help="A time point's label, or 'last' (each study's latest).")] = "last",
    basis: Annotated[
        str, typer.Option(metavar="auto|change|final", help="Continuous outcomes: which values.")
    ] = "auto",
    change_r: Annotated[
        str, typer.Option("--change-r", metavar="R", help="Assumed baseline–follow-up correlation (change SDs).")
    ] = "0.5",
    within_person_r: Annotated[
        str,
        typer.Option("--within-person-r", metavar="R", help="Assumed correlation of the sides of split-face studies."),
    ] = "0.5",
    independent: Annotated[
        bool, typer.Option("--independent", help="Analyse within-person designs as independent groups.")
    ] = False,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE.csv", help="Also write study, yi, vi … as CSV (for `sysreview meta`)."
        ),
    ] = None,
    form: FormOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """Effect sizes (yi, vi) of one outcome from the extracted data, with every conversion and assumption listed."""
    from sysreview.extraction import BASIS_CHOICES, effects_from_extraction, validate

    with reporting():
        fmt = parse_format(fmt)
        if not outcome:
            raise InputError("--outcome NAME is required")
        from sysreview.cli._common import choose

        basis_code = choose("basis", basis, BASIS_CHOICES)
        r_change = _correlation("--change-r", change_r)
        r_within = _correlation("--within-person-r", within_person_r)
        chosen = _form(form)
        extraction = _read(data, chosen)
        report = validate(extraction, chosen)
        if report.errors:
            echo_notes([f"{len(report.errors)} validation error(s) in {data}; see `sysreview extract validate`"])
        result = effects_from_extraction(
            extraction,
            chosen,
            outcome,
            measure=measure.upper() if measure else None,
            timepoint=timepoint,
            basis=basis_code,
            change_r=r_change,
            within_person_r=r_within,
            paired=not independent,
        )
        echo_notes(result.notes)
        if output:
            _write_effects_csv(result, output)
        if fmt == "json":
            print_json(result.to_dict())
        else:
            typer.echo(_effects_text(result))


def _correlation(option: str, text: str) -> float:
    value = parse_number(option, text, minimum=-1.0)
    if value > 1:
        raise InputError(f"{option} {text!r} must be a correlation between -1 and 1")
    return value


def _write_effects_csv(result: ExtractedEffects, path: str) -> None:
    columns = ("study", "label", "timepoint", "basis", "paired", "yi", "vi", "sei", "n1i", "n2i", "assumed", "steps")
    try:
        with Path(path).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([*columns, "note"])
            for row in result.rows:
                writer.writerow(
                    [
                        row.study,
                        row.label or "",
                        row.timepoint or "",
                        row.basis or "",
                        "yes" if row.paired else "no",
                        _number(row.yi),
                        _number(row.vi),
                        _number(row.sei),
                        _number(row.n1),
                        _number(row.n2),
                        "; ".join(row.assumed),
                        " | ".join(row.steps),
                        row.note or "",
                    ]
                )
    except OSError as exc:
        raise InputError(f"cannot write: {exc}", file=path) from None
    typer.echo(f"wrote {path} ({result.k} studies)", err=True)


def _number(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else repr(value)


def _effects_text(result: ExtractedEffects) -> str:
    a = result.assumptions
    lines = [
        (
            f"{result.measure} of {result.outcome} (time point: {result.timepoint}; basis: {result.basis}); "
            f"assumptions: change_r = {a.change_r:g}, within_person_r = {a.within_person_r:g}, "
            f"within-person designs {'paired' if a.paired else 'as independent groups'}"
        ),
        "",
    ]
    for row in result.rows:
        name = row.study + (f" ({row.label})" if row.label else "")
        if row.estimable:
            lines.append(
                f"study {name}: yi = {row.yi:.4f}, vi = {row.vi:.4f} (SE {row.sei:.4f}) at {row.timepoint}, "
                f"{row.basis} values" + (", paired" if row.paired else "")
            )
        else:
            lines.append(f"study {name}: {row.note}")
        lines.extend(f"    - {step}" for step in row.steps)
        if row.assumed:
            lines.append(f"    assumed: {', '.join(row.assumed)}")
        lines.extend(f"    source: {source}" for source in row.sources)
    if result.without:
        lines.append(f"no records of {result.outcome}: studies {', '.join(result.without)}")
    estimable = sum(row.estimable for row in result.rows)
    lines.append(f"{estimable} of {result.k} studies with an effect size")
    return "\n".join(lines)


# ---------------------------------------------------------------------- completeness
@extract_app.command("completeness", no_args_is_help=True)
def completeness_command(data: DataArg, *, form: FormOpt = None, fmt: FormatOpt = "text") -> None:
    """How completely each study reports its interventions (the form's TIDieR and other completeness items)."""
    from sysreview.extraction import reporting_completeness

    with reporting():
        fmt = parse_format(fmt)
        chosen = _form(form)
        report = reporting_completeness(_read(data, chosen), chosen)
        if fmt == "json":
            print_json(report.to_dict())
        else:
            typer.echo(report.table())
