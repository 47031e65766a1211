"""Commands of the appraisal: ``rob`` (risk-of-bias tables and assessments) and ``grade`` (certainty of evidence).

``sysreview rob check TABLE --tool rob2|robins-i`` reads a robvis-format table (Study, D1 … Dn, Overall, optional
Weight) and reports, for each study, the reported overall judgement, the one the tool's published rule gives,
the judgements the rule allows, and whether the reported one is among them. ``rob validate``, ``rob export``,
``rob assess`` (RoB 2 signalling questions → judgements) and ``rob compare`` (two assessors) complete the group.
``sysreview grade assess`` fits the meta-analysis of one outcome and suggests GRADE ratings, with the reviewers'
decisions and the Summary of Findings row; ``grade validate``, ``grade compare`` and ``grade export`` work on its
JSON output. Bad input ends a command with one line on stderr naming the file, row and column, and exit code 2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sysreview.cli._common import (
    METHOD_CODES,
    ColOpt,
    DataArg,
    FormatOpt,
    SheetOpt,
    TestOpt,
    echo_notes,
    format_number,
    parse_format,
    parse_level,
    parse_measure,
    parse_method,
    parse_number,
    parse_test,
    pool,
    print_json,
    read_table_arg,
    reporting,
    studies_from_table,
)
from sysreview.errors import InputError

if TYPE_CHECKING:
    from sysreview.appraisal import Assessment, GradeAssessment, RobCheck, RobTable, Tool

__all__ = ["register"]

TOOL_CODES = ("rob2", "robins-i")

rob_app = typer.Typer(
    name="rob",
    help="Risk of bias: check, validate, export and compare robvis tables; RoB 2 algorithms from signalling questions.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
grade_app = typer.Typer(
    name="grade",
    help="GRADE certainty of the evidence per outcome, with Summary of Findings rows.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the ``rob`` and ``grade`` command groups to the application."""
    app.add_typer(rob_app, name="rob")
    app.add_typer(grade_app, name="grade")


TableArg = Annotated[
    str,
    typer.Argument(
        metavar="TABLE",
        help="Risk-of-bias table in robvis format (.csv, .tsv or .xlsx): Study, D1 … Dn, Overall, optional Weight.",
        show_default=False,
    ),
]
ToolOpt = Annotated[
    str | None,
    typer.Option(
        "--tool", "-t", metavar="|".join(TOOL_CODES), help="The risk-of-bias tool of the table.", show_default=False
    ),
]


def _tool(value: str | None) -> Tool:
    from sysreview.appraisal import parse_tool

    if value is None:
        raise InputError(f"--tool is required; choose one of {', '.join(TOOL_CODES)}")
    return parse_tool(value)


def _read(path: str, tool: Tool, sheet: str | None) -> RobTable:
    from sysreview.appraisal import read_robvis

    table = read_robvis(path, tool=tool, sheet=sheet)
    echo_notes(table.notes)
    return table


# ---------------------------------------------------------------------- rob check
@rob_app.command("check", no_args_is_help=True)
def rob_check(
    table: TableArg,
    *,
    tool: ToolOpt = None,
    fmt: FormatOpt = "text",
    sheet: SheetOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with code 1 when a study's overall judgement contradicts the rule.")
    ] = False,
) -> None:
    """Check each study's reported overall judgement against the tool's published rule.

    For each study: the reported overall judgement, the one the rule gives ("algorithm"), the judgements the rule
    allows ("allowed": RoB 2 with some concerns in several domains also allows High; ROBINS-I with domains lacking
    information also allows the rule applied to the other domains), and whether the reported one is among them
    ("consistent"; null when none is reported).
    """
    with reporting():
        fmt = parse_format(fmt)
        code = _tool(tool)
        check = _read(table, code, sheet).check()
        if fmt == "json":
            payload = check.to_dict()
            payload.pop("notes", None)  # notes went to stderr
            print_json(payload)
        else:
            typer.echo(_check_text(check))
    if strict and check.inconsistent:
        raise typer.Exit(1)


def _check_text(check: RobCheck) -> str:
    from sysreview.appraisal._vocab import tool_name

    width = max([len("study"), *(len(s.study) for s in check.studies)])
    title = (
        f"{tool_name(check.tool)} overall judgements: {check.source} (k = {len(check.studies)}, "
        f"{len(check.inconsistent)} inconsistent with the rule)"
    )
    lines = [
        title,
        "",
        f"{'row':>4}  {'study':<{width}}  {'reported':<15} {'algorithm':<15} {'consistent':<10}  allowed",
    ]
    for s in check.studies:
        flag = {True: "yes", False: "NO", None: "-"}[s.consistent]
        lines.append(
            f"{s.row if s.row is not None else '':>4}  {s.study:<{width}}  {s.reported or '(none)':<15} "
            f"{s.algorithm:<15} {flag:<10}  {' / '.join(s.allowed)}"
        )
    for s in check.inconsistent:
        lines.append(f"Note: {s.study}: reported {s.reported}, but {s.rule}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- rob validate
@rob_app.command("validate", no_args_is_help=True)
def rob_validate(table: TableArg, *, tool: ToolOpt = None, fmt: FormatOpt = "text", sheet: SheetOpt = None) -> None:
    """Read a robvis table: columns found, every judgement spelt as the tool's (normalised), weights numeric."""
    with reporting():
        fmt = parse_format(fmt)
        code = _tool(tool)
        rob = _read(table, code, sheet)
        out = {
            "valid": True,
            "tool": code,
            "file": rob.source,
            "k": len(rob),
            "study_column": rob.study_column,
            "domains": list(rob.domains),
            "overall_column": rob.overall_column,
            "weight_column": rob.weight_column,
            "studies": [
                {
                    "study": r.study,
                    "row": r.row,
                    "judgements": dict(zip(rob.domains, r.judgements, strict=True)),
                    "overall": r.overall,
                    "weight": r.weight,
                }
                for r in rob.rows
            ],
        }
        if fmt == "json":
            print_json(out)
        else:
            typer.echo(
                f"{rob.source}: valid {code} table: {len(rob)} studies, domains {', '.join(rob.domains)}, "
                f"overall column '{rob.overall_column}'"
                + (f", weights in '{rob.weight_column}'" if rob.weight_column else "")
            )


# ---------------------------------------------------------------------- rob export
@rob_app.command("export", no_args_is_help=True)
def rob_export(
    table: TableArg,
    *,
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FILE", help="Where to write the table (.csv or .tsv).")
    ] = "",
    tool: ToolOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Write a risk-of-bias table as robvis input with the tool's canonical spellings (Low, Some concerns …)."""
    from sysreview.appraisal import write_robvis

    with reporting():
        code = _tool(tool)
        if not output:
            raise InputError("--output FILE is required")
        rob = _read(table, code, sheet)
        written = write_robvis(rob, output)
        typer.echo(f"wrote {written} ({len(rob)} studies, {len(rob.domains)} domains)", err=True)


# ---------------------------------------------------------------------- rob assess
@rob_app.command("assess", no_args_is_help=True)
def rob_assess(
    answers: Annotated[
        str,
        typer.Argument(
            metavar="ANSWERS",
            help="RoB 2 answers: one row per study result, a Study column and one column per signalling question "
            "(1.1 … 5.3) with Y, PY, PN, N, NI or NA; optional 'D1 decision'/'D1 reason' … 'Overall decision'/"
            "'Overall reason' columns record reviewers' departures from the algorithm, and an 'Assessor' column.",
            show_default=False,
        ),
    ],
    *,
    aim: Annotated[
        str, typer.Option(metavar="assignment|adhering", help="Effect of interest (selects domain 2's variant).")
    ] = "assignment",
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="Also write the judgements as a robvis table."),
    ] = None,
    fmt: FormatOpt = "text",
    sheet: SheetOpt = None,
) -> None:
    """RoB 2 domain and overall judgements from the answers to the signalling questions (published algorithms)."""
    with reporting():
        fmt = parse_format(fmt)
        from sysreview.cli._common import choose

        aim_code = choose("aim", aim, ["assignment", "adhering"])
        table = read_table_arg(answers, sheet=sheet, col=None)
        assessments = _assessments(table, aim_code)
        if output:
            from sysreview.appraisal import RobRow, table_from_rows, write_robvis

            rows = [
                RobRow(study=a.study or str(i + 1), judgements=a.judgements, overall=a.overall.judgement)
                for i, a in enumerate(assessments)
            ]
            write_robvis(table_from_rows(rows, tool="rob2"), output)
        if fmt == "json":
            print_json({"tool": "rob2", "aim": aim_code, "assessments": [a.to_dict() for a in assessments]})
        else:
            typer.echo(_assess_text(assessments))


def _assessments(table: Any, aim: str) -> list[Assessment]:
    from sysreview.appraisal import Decision, assess_rob2
    from sysreview.appraisal._assessment import _question_key

    label = table.first_of(("study", "study id", "author", "trial"))
    columns = list(table.columns)
    questions = [c for c in columns if _as_question(c) is not None]
    if not questions:
        raise InputError(
            f"no signalling-question columns (1.1 … 5.3); the file has columns: {', '.join(columns)}",
            file=table.source,
        )
    decision_columns = {c: c.strip().casefold() for c in columns}
    out: list[Assessment] = []
    for i, row in enumerate(table.row_numbers):
        answers: dict[str, str] = {}
        for column in questions:
            cell = table.cells(column)[i]
            qid = _as_question(column)
            assert qid is not None
            answers[qid] = "" if cell is None else str(cell)
        decisions: dict[str, Decision] = {}
        for key in ("D1", "D2", "D3", "D4", "D5", "overall"):
            value_col = next((c for c, k in decision_columns.items() if k == f"{key.casefold()} decision"), None)
            reason_col = next((c for c, k in decision_columns.items() if k == f"{key.casefold()} reason"), None)
            if value_col is None:
                continue
            value = table.cells(value_col)[i]
            if value is None:
                continue
            reason = table.cells(reason_col)[i] if reason_col is not None else None
            if reason is None or not str(reason).strip():
                raise InputError(
                    f"a decision ({value}) needs a reason in column '{key} reason'",
                    file=table.source,
                    row=row,
                    column=value_col,
                )
            decisions[key] = Decision(str(value), str(reason))
        study = table.cells(label)[i] if label is not None else None
        assessor_col = table.resolve("assessor")
        assessor = table.cells(assessor_col)[i] if assessor_col is not None else None
        try:
            assessment = assess_rob2(
                dict(sorted(answers.items(), key=lambda kv: _question_key(kv[0]))),
                aim=aim,  # type: ignore[arg-type]
                study=str(study) if study is not None else str(i + 1),
                assessor=str(assessor) if assessor is not None else None,
                decisions=decisions,
            )
        except InputError as err:
            column = next((c for c in questions if _as_question(c) == err.column), err.column)
            raise InputError(err.message, file=table.source, row=row, column=column) from None
        out.append(assessment)
    return out


def _as_question(column: str) -> str | None:
    """The question number of a column named ``1.1``, ``Q1.1``, ``q1_1`` or ``SQ 1.1`` (None otherwise)."""
    import re

    match = re.fullmatch(r"(?:s?q\s*)?([1-5])[._]([1-7])", column.strip(), flags=re.IGNORECASE)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _assess_text(assessments: Sequence[Assessment]) -> str:
    width = max([len("study"), *(len(a.study or "") for a in assessments)])
    lines = [f"{'study':<{width}}  " + "  ".join(f"{d:<13}" for d in ("D1", "D2", "D3", "D4", "D5")) + "  overall"]
    for a in assessments:
        cells = [d.judgement + ("*" if d.overridden else "") for d in a.domains]
        overall = a.overall.judgement + ("*" if a.overall.overridden else "")
        lines.append(f"{a.study or '':<{width}}  " + "  ".join(f"{c:<13}" for c in cells) + f"  {overall}")
    if any(d.overridden for a in assessments for d in a.domains) or any(a.overall.overridden for a in assessments):
        lines.append("* a reviewer's decision departs from the algorithm (reasons in --format json)")
    return "\n".join(lines)


# ---------------------------------------------------------------------- rob compare
@rob_app.command("compare", no_args_is_help=True)
def rob_compare(
    first: Annotated[str, typer.Argument(metavar="FIRST", help="The first assessor's robvis table.")],
    second: Annotated[str, typer.Argument(metavar="SECOND", help="The second assessor's robvis table.")],
    *,
    tool: ToolOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """Compare two assessors' risk-of-bias tables: disagreements, percent agreement and Cohen's kappa."""
    with reporting():
        fmt = parse_format(fmt)
        code = _tool(tool)
        a, b = _read(first, code, None), _read(second, code, None)
        out = _compare_tables(a, b)
        if fmt == "json":
            print_json(out)
        else:
            summary = (
                f"{out['k']} studies, {out['cells']} judgements: agreement {100 * out['agreement']:.1f}%, "
                f"Cohen's kappa {format_number(out['kappa'], 3)}"
            )
            lines = [summary]
            lines += [f"{d['study']}: {d['domain']}: {d['first']} vs {d['second']}" for d in out["disagreements"]]
            typer.echo("\n".join(lines))


def _compare_tables(a: RobTable, b: RobTable) -> dict[str, Any]:
    if len(a.domains) != len(b.domains):
        raise InputError(
            f"the tables have different domains ({', '.join(a.domains)} vs {', '.join(b.domains)})", file=b.source
        )
    rows_b = {r.study: r for r in b.rows}
    only_a = [r.study for r in a.rows if r.study not in rows_b]
    only_b = [r.study for r in b.rows if r.study not in {x.study for x in a.rows}]
    if only_a or only_b:
        raise InputError(
            f"the tables cover different studies (only in the first: {', '.join(only_a) or 'none'}; "
            f"only in the second: {', '.join(only_b) or 'none'})",
            file=b.source,
        )
    pairs: list[tuple[str, str]] = []
    disagreements: list[dict[str, Any]] = []
    for row in a.rows:
        other = rows_b[row.study]
        items = [
            *zip(a.domains, row.judgements, other.judgements, strict=True),
            (a.overall_column, row.overall or "", other.overall or ""),
        ]
        for domain, x, y in items:
            pairs.append((x, y))
            if x != y:
                disagreements.append(
                    {
                        "study": row.study,
                        "row_first": row.row,
                        "row_second": other.row,
                        "domain": domain,
                        "first": x or None,
                        "second": y or None,
                    }
                )
    agreement = sum(x == y for x, y in pairs) / len(pairs)
    return {
        "tool": a.tool,
        "first": a.source,
        "second": b.source,
        "k": len(a.rows),
        "cells": len(pairs),
        "agreement": agreement,
        "kappa": _kappa(pairs),
        "disagreements": disagreements,
    }


def _kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of paired categorical ratings (Cohen 1960); None when chance agreement is 1."""
    n = len(pairs)
    observed = sum(x == y for x, y in pairs) / n
    categories = {c for pair in pairs for c in pair}
    expected = sum((sum(x == c for x, _ in pairs) / n) * (sum(y == c for _, y in pairs) / n) for c in categories)
    if math.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1.0 - expected)


# ---------------------------------------------------------------------- grade assess
@grade_app.command("assess", no_args_is_help=True)
def grade_assess(
    data: DataArg,
    *,
    design: Annotated[
        str | None,
        typer.Option(
            metavar="randomised|observational",
            help="Start High (randomised) or Low (observational).",
            show_default=False,
        ),
    ] = None,
    measure: Annotated[
        str | None,
        typer.Option(
            "--measure", "-m", metavar="CODE", help="Effect size measure (RR, OR, SMD …).", show_default=False
        ),
    ] = None,
    method: Annotated[str, typer.Option(metavar="CODE", help=f"τ² estimator: {', '.join(METHOD_CODES)}.")] = "REML",
    test: TestOpt = "z",
    level: Annotated[str, typer.Option(metavar="LEVEL", help="Confidence level, 0.95 or 95.")] = "0.95",
    rob: Annotated[
        str | None,
        typer.Option(
            "--rob",
            metavar="TABLE",
            help="Risk-of-bias table (robvis format) with the same study labels.",
            show_default=False,
        ),
    ] = None,
    tool: ToolOpt = None,
    bias_test: Annotated[
        str, typer.Option("--bias-test", metavar="egger|begg|none", help="Small-study test for publication bias.")
    ] = "egger",
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            metavar="VALUE",
            help="Decision threshold for imprecision on the natural scale (repeatable; default: the null effect).",
            show_default=False,
        ),
    ] = None,
    participants: Annotated[
        int | None, typer.Option(metavar="N", help="Participants in the meta-analysis.", show_default=False)
    ] = None,
    ois: Annotated[
        str | None,
        typer.Option(
            metavar="N", help="Optimal information size (or give --rrr with --control-risk).", show_default=False
        ),
    ] = None,
    rrr: Annotated[
        str | None,
        typer.Option(
            metavar="R",
            help="Relative risk reduction for the optimal information size (GRADE: 0.25).",
            show_default=False,
        ),
    ] = None,
    control_risk: Annotated[
        str | None,
        typer.Option(
            "--control-risk", metavar="P", help="Assumed control risk for absolute effects (0–1).", show_default=False
        ),
    ] = None,
    decision: Annotated[
        list[str] | None,
        typer.Option(
            "--decision",
            metavar="DOMAIN=RATING:REASON",
            help="A reviewer's rating with its reason "
            "(repeatable), e.g. --decision 'indirectness=-1:older population'.",
            show_default=False,
        ),
    ] = None,
    outcome: Annotated[str | None, typer.Option(metavar="NAME", help="The outcome's name.", show_default=False)] = None,
    fmt: FormatOpt = "text",
    col: ColOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """GRADE one outcome: fit the meta-analysis, suggest a rating per domain, apply decisions, give the SoF row."""
    from sysreview import appraisal

    with reporting():
        fmt = parse_format(fmt)
        if design is None:
            raise InputError("--design is required; choose randomised or observational")
        code = None if measure is None else parse_measure(measure)
        table = read_table_arg(data, sheet=sheet, col=col)
        studies = studies_from_table(table, code)
        echo_notes(studies.notes)
        fit = pool(studies, method=parse_method(method), test=parse_test(test), level=parse_level(level), measure=code)
        rob_table = None
        rob_tool: Tool = "rob2"
        if rob is not None:
            rob_tool = _tool(tool)
            rob_table = _read(rob, rob_tool, None)
        small = _bias_test(fit, bias_test)
        risk = None if control_risk is None else parse_number("--control-risk", control_risk, minimum=0.0)
        if risk is not None and risk > 1:
            raise InputError(f"--control-risk {control_risk!r} must be a proportion between 0 and 1")
        size = None if ois is None else parse_number("--ois", ois, minimum=1.0)
        if rrr is not None:
            if size is not None or risk is None:
                raise InputError("--rrr computes the optimal information size from --control-risk; drop --ois")
            size = float(appraisal.optimal_information_size(control_risk=risk, rrr=float(rrr)))
        thresholds = (
            None if not threshold else tuple(parse_number("--threshold", t, minimum=-math.inf) for t in threshold)
        )
        assessment = appraisal.grade(
            fit,
            design=design,
            rob=rob_table,
            tool=rob_tool,
            small_study_test=small,
            thresholds=thresholds,
            ois=size,
            participants=participants,
            decisions=_decisions(decision or []),
            outcome=outcome,
        )
        row = appraisal.summary_of_findings(fit, assessment, control_risk=risk, participants=participants)
        out = {"assessment": assessment.to_dict(), "summary_of_findings": row.to_dict()}
        if fmt == "json":
            print_json(out)
        else:
            typer.echo(_grade_text(assessment) + "\n\n" + _sof_text([row.to_dict()]))


def _bias_test(fit: Any, name: str) -> Any:
    from sysreview.cli._common import choose

    choice = choose("--bias-test", name, ["egger", "begg", "none"])
    if choice == "none" or fit.k < 3:
        return None
    from sysreview import diagnostics

    return diagnostics.egger_test(fit) if choice == "egger" else diagnostics.begg_test(fit)


def _decisions(items: Sequence[str]) -> dict[str, Any]:
    from sysreview.appraisal import GRADE_DOMAINS, GradeDecision

    out: dict[str, Any] = {}
    for item in items:
        name, sep, rest = item.partition("=")
        rating, sep2, reason = rest.partition(":")
        name = name.strip().replace("-", "_").replace(" ", "_").casefold()
        if not sep or not sep2:
            raise InputError(
                f"--decision {item!r}: expected DOMAIN=RATING:REASON, e.g. indirectness=-1:older population"
            )
        if name not in GRADE_DOMAINS:
            raise InputError(f"--decision {item!r}: unknown domain {name!r}; choose one of {', '.join(GRADE_DOMAINS)}")
        try:
            value = int(rating.strip())
        except ValueError:
            raise InputError(f"--decision {item!r}: the rating must be a whole number (0, -1, -2, +1, +2)") from None
        if name in out:
            raise InputError(f"--decision for {name} is given twice")
        out[name] = GradeDecision(value, reason.strip())
    return out


def _grade_text(assessment: GradeAssessment) -> str:
    from sysreview.appraisal import CERTAINTY

    title = f"GRADE: {assessment.outcome}" if assessment.outcome else "GRADE"
    lines = [f"{title} (design {assessment.design}, start {CERTAINTY[assessment.start]}, k = {assessment.k})", ""]
    for d in assessment.domains:
        mark = " (reviewer)" if d.decided else ""
        why = d.decision_reason if d.decided else d.reason
        lines.append(f"{d.name:<24} {d.rating:+d}{mark}  {why}")
    lines += ["", f"Certainty: {assessment.certainty}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------- grade validate / compare / export
def _load_grade(path: str) -> tuple[GradeAssessment, dict[str, Any] | None]:
    from sysreview.appraisal import grade_from_dict

    file = Path(path)
    if not file.is_file():
        raise InputError("no such file", file=path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"not a JSON file: {err}", file=path) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object (the output of 'sysreview grade assess --format json')", file=path)
    body = data.get("assessment", data)
    try:
        return grade_from_dict(body), data.get("summary_of_findings")
    except InputError as err:
        raise InputError(err.message, file=path, column=err.column) from None


GradeFileArg = Annotated[
    str, typer.Argument(metavar="FILE", help="A GRADE assessment (JSON from 'grade assess --format json').")
]


@grade_app.command("validate", no_args_is_help=True)
def grade_validate(file: GradeFileArg, *, fmt: FormatOpt = "text") -> None:
    """Check a GRADE assessment: every domain rated in range, reasons for decisions, certainty from the ratings."""
    with reporting():
        fmt = parse_format(fmt)
        assessment, _ = _load_grade(file)
        if fmt == "json":
            print_json({"valid": True, "file": file, "outcome": assessment.outcome, "certainty": assessment.certainty})
        else:
            typer.echo(f"{file}: valid GRADE assessment; certainty {assessment.certainty}")


@grade_app.command("compare", no_args_is_help=True)
def grade_compare(
    first: Annotated[str, typer.Argument(metavar="FIRST", help="The first reviewer's GRADE assessment (JSON).")],
    second: Annotated[str, typer.Argument(metavar="SECOND", help="The second reviewer's GRADE assessment (JSON).")],
    *,
    fmt: FormatOpt = "text",
) -> None:
    """Compare two reviewers' GRADE assessments of one outcome, domain by domain."""
    with reporting():
        fmt = parse_format(fmt)
        a, _ = _load_grade(first)
        b, _ = _load_grade(second)
        differences = [
            {"domain": x.domain, "first": x.rating, "second": y.rating}
            for x, y in zip(a.domains, b.domains, strict=True)
            if x.rating != y.rating
        ]
        out = {
            "outcome": a.outcome,
            "agree": not differences and a.certainty == b.certainty,
            "certainty": [a.certainty, b.certainty],
            "disagreements": differences,
        }
        if fmt == "json":
            print_json(out)
        else:
            lines = [f"certainty: {a.certainty} vs {b.certainty}"]
            lines += [f"{d['domain']}: {d['first']:+d} vs {d['second']:+d}" for d in differences]
            if not differences:
                lines.append("the ratings agree in every domain")
            typer.echo("\n".join(lines))


@grade_app.command("export", no_args_is_help=True)
def grade_export(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="GRADE assessments with SoF rows (JSON).")],
    *,
    to: Annotated[str, typer.Option("--to", metavar="markdown|csv", help="Table format.")] = "markdown",
) -> None:
    """A Summary of Findings table (one row per outcome) from 'grade assess --format json' files."""
    import csv
    import io

    from sysreview.cli._common import choose

    with reporting():
        kind = choose("--to", to, ["markdown", "csv"])
        rows = []
        for file in files:
            _, sof = _load_grade(file)
            if sof is None:
                raise InputError(
                    "no summary_of_findings in the file (write it with 'grade assess --format json')", file=file
                )
            rows.append(sof)
        if kind == "markdown":
            typer.echo(_sof_text(rows))
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_SOF_COLUMNS)
        for r in rows:
            writer.writerow(_sof_cells(r))
        typer.echo(buffer.getvalue(), nl=False)


_SOF_COLUMNS = (
    "Outcome",
    "Relative effect (95% CI)",
    "Assumed risk with control",
    "Risk with intervention",
    "Absolute effect",
    "Participants (studies)",
    "Certainty",
    "Footnotes",
)


def _sof_cells(r: dict[str, Any]) -> list[str]:
    control = "" if r.get("control_per_1000") is None else f"{r['control_per_1000']:.0f} per 1000"
    intervention = ""
    if r.get("intervention_per_1000") is not None:
        low, high = r["intervention_ci_per_1000"]
        intervention = f"{r['intervention_per_1000']:.0f} per 1000 ({low:.0f} to {high:.0f})"
    participants = "" if r.get("participants") is None else str(r["participants"])
    return [
        r.get("outcome") or "",
        r.get("relative_effect") or "",
        control,
        intervention,
        r.get("absolute_effect") or "",
        f"{participants} ({r['studies']} studies)".strip(),
        r.get("certainty") or "",
        " ".join(f"[{i}] {note}" for i, note in enumerate(r.get("footnotes") or [], start=1)),
    ]


def _sof_text(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(_SOF_COLUMNS) + " |", "|" + "---|" * len(_SOF_COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(c.replace("|", "/") for c in _sof_cells(r)) + " |")
    return "\n".join(lines)
