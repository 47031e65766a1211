"""Commands of a review project: ``init``, ``import``, ``dedup``, ``prisma``, ``export``, ``import-project``, and the
terminal screening loop ``screen run`` with ``screen status``.

``sysreview init DIR --title T`` writes the protocol ``DIR/review.toml`` and creates the store (SQLite
``DIR/review.db``, or PostgreSQL with ``--db postgresql://user@host/db``). ``sysreview screen DIR --reviewer NAME``
(short for ``screen run``) shows one record at a time, most likely relevant first by the active-learning model, and
reads single keys: ``i`` include, ``e`` exclude, ``m`` maybe, ``n`` not retrieved (full text), ``u`` undo, ``s``
skip, ``q`` quit; every key that decides is written to the store at once.
Bad input ends a command with one line on stderr and exit code 2; a store that cannot be used, exit code 1.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sysreview.cli._common import echo_notes, parse_format, print_json, reporting
from sysreview.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from sysreview.project import DedupState, DuplicateGroup, Keywords, Project, ScreeningSession
    from sysreview.review import Ranker, Stage

__all__ = ["ReadKey", "ReadLine", "dedup", "register", "run_dedup_review", "run_screening"]

#: reads one key press (a one-character string; "" or "q" at the end of input)
ReadKey = Callable[[], str]
#: reads one line of text after showing a prompt
ReadLine = Callable[[str], str]

DirArg = Annotated[Path, typer.Argument(metavar="DIR", help="The project folder.", show_default=False)]
ReviewerOpt = Annotated[
    str, typer.Option("--reviewer", "-r", metavar="NAME", help="Who is deciding (one of the protocol's reviewers).")
]
StageOpt = Annotated[str, typer.Option("--stage", metavar="title-abstract|full-text", help="The screening stage.")]
ABSTRACT_LIMIT = 3000


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The command group ``name`` of ``app``, created when no other module has registered it yet."""
    for info in app.registered_groups:
        instance = info.typer_instance
        if info.name == name or (instance is not None and instance.info.name == name):
            assert instance is not None
            return instance
    from sysreview.cli._screening import ScreenGroup

    cls = ScreenGroup if name == "screen" else None
    group = typer.Typer(name=name, cls=cls, help=help_text, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group


def register(app: typer.Typer) -> None:
    """Add the project commands, and ``run`` and ``status`` to the ``screen`` group (register it after the module
    that owns ``screen``, so that both add to one group)."""
    app.command("init", no_args_is_help=True)(init)
    app.command("import", no_args_is_help=True)(import_records)
    if not any(command.name == "dedup" for command in app.registered_commands):
        # ``sysreview dedup IN... --out GROUPS.csv`` (cli/_dedup.py) deduplicates files; when it is registered, it
        # hands a project folder to :func:`dedup` here
        app.command("dedup", no_args_is_help=True)(dedup)
    app.command("prisma", no_args_is_help=True)(prisma)
    app.command("export", no_args_is_help=True)(export)
    app.command("import-project", no_args_is_help=True)(import_project)
    screen = _group(app, "screen", "Screening: the terminal loop, progress and agreement.")
    screen.command("run", no_args_is_help=True)(screen_run)
    screen.command("status", no_args_is_help=True)(screen_status)


def _open(folder: Path) -> Project:
    from sysreview.project import Project

    return Project.open(folder)


def stage_title(stage: Stage) -> str:
    """The stage as people write it (``title/abstract``, ``full text``)."""
    from sysreview.review import stage_title as title

    return title(stage)


def _stage(value: str) -> Stage:
    from sysreview.review import parse_stage

    return parse_stage(value)


# ---------------------------------------------------------------------- init, import, export
def init(
    folder: DirArg,
    *,
    title: Annotated[str, typer.Option("--title", "-t", help="The review's title.")],
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="A PostgreSQL database for a team (postgresql://user@host/db); default: SQLite review.db in DIR.",
        ),
    ] = None,
    reviewer: Annotated[
        list[str] | None,
        typer.Option("--reviewer", "-r", metavar="NAME", help="A reviewer (repeatable); written to review.toml."),
    ] = None,
) -> None:
    """Create a review project: the protocol review.toml (from a commented template) and the store."""
    from sysreview.project import Project, database_url, display_url

    with reporting():
        project = Project.init(folder, title=title, url=db, reviewers=reviewer or [])
        with project:
            where = display_url(project.store.url)
    typer.echo(f"created {folder / 'review.toml'} (the protocol: fill it in) and the store {where}")
    if db is not None and database_url(db).password:
        echo_notes(["the password was not written to store.toml; set PGPASSWORD or use ~/.pgpass"])


def import_records(
    folder: DirArg,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Database exports.", show_default=False)],
    *,
    source: Annotated[
        str | None,
        typer.Option("--source", "-s", metavar="NAME", help="The database the files came from (e.g. PubMed)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="database, register, website, organisation or citations (default: from the protocol, else database).",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="When the search was run (default: from the protocol)."),
    ] = None,
    source_format: Annotated[
        str | None, typer.Option("--from", metavar="FORMAT", help="Input format (default: from suffix or content).")
    ] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", metavar="CODEC", help="Text encoding.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first problem in a file.")] = False,
) -> None:
    """Import database exports into the store, with their provenance (file, database, search date)."""
    from sysreview.project import parse_source_kind

    with reporting():
        source_kind = parse_source_kind(kind) if kind is not None else None
        searched_on = _date(date)
        with _open(folder) as project:
            report = project.import_files(
                files,
                source=source,
                kind=source_kind,
                searched_on=searched_on,
                format=source_format,
                encoding=encoding,
                on_issue="raise" if strict else "collect",
            )
    for issue in report.issues[:20]:
        typer.echo(f"warning: {issue} [{issue.category.__name__}]", err=True)
    if len(report.issues) > 20:
        typer.echo(f"warning: … and {len(report.issues) - 20} more (all are kept in the store)", err=True)
    echo_notes(report.notes)
    for summary in report.summaries:
        info = summary.info
        searched = f", searched {info.searched_on.isoformat()}" if info.searched_on else ""
        where = f"({info.source}, {info.kind}{searched})"
        typer.echo(f"import {info.id}: {info.record_count} records from {info.file_path} {where}")


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--date {text!r}: give the date as YYYY-MM-DD") from None


def export(
    folder: DirArg,
    target: Annotated[Path, typer.Argument(metavar="OUT.zip", help="The archive to write.", show_default=False)],
) -> None:
    """Write the whole project (protocol and every row of the store) to one zip file."""
    from sysreview.project import export_project

    with reporting():
        path = export_project(folder, target)
    typer.echo(f"exported {folder} to {path}")


def import_project(
    archive: Annotated[Path, typer.Argument(metavar="ARCHIVE.zip", help="An exported project.", show_default=False)],
    folder: DirArg,
    *,
    db: Annotated[
        str | None, typer.Option("--db", metavar="URL", help="PostgreSQL database (default: SQLite in DIR).")
    ] = None,
) -> None:
    """Create a project in DIR from an archive made by `sysreview export` (nothing is lost)."""
    from sysreview.project import import_project as restore

    with reporting():
        project = restore(archive, folder, url=db)
        with project:
            counts = project.store.state().to_dict()
    typer.echo(f"imported {archive} into {folder}: {counts['records']} records")


# ---------------------------------------------------------------------- prisma
def prisma(
    folder: DirArg,
    *,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="text|json|csv", help="csv: the PRISMA2020 R package's template.")
    ] = "text",
) -> None:
    """The PRISMA 2020 flow diagram counts, derived from the store now."""
    with reporting():
        choice = fmt.strip().lower()
        if choice != "csv":
            choice = parse_format(fmt)
        with _open(folder) as project:
            counts = project.prisma()
    if choice == "json":
        print_json(counts.to_dict())
    elif choice == "csv":
        typer.echo(counts.to_csv(), nl=False)
    else:
        typer.echo(counts.summary())


# ---------------------------------------------------------------------- dedup
def dedup(
    folder: DirArg,
    *,
    confirm: Annotated[
        bool,
        typer.Option("--confirm", help="Judge the uncertain groups one at a time (keys d, n, u, s, q); no new run."),
    ] = False,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", "-r", metavar="NAME", help="Who judges (with --confirm).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="text|json", help="Output format.")] = "text",
) -> None:
    """Find the duplicate records of a project and store the groups; with --confirm, judge the uncertain ones."""
    with reporting():
        choice = parse_format(fmt)
        if confirm and not reviewer:
            raise InputError("--confirm needs --reviewer NAME")
        with _open(folder) as project:
            if confirm:
                assert reviewer is not None
                run_dedup_review(project, reviewer=reviewer, read_key=read_key, console=_console())
                state = project.store.dedup()
            else:
                state = project.deduplicate()
    if choice == "json":
        print_json(_dedup_dict(state))
        return
    typer.echo(_dedup_summary(state))


def _dedup_dict(state: DedupState) -> dict[str, Any]:
    return {
        "run": state.run,
        "method": state.method,
        "removed": len(state.removed),
        "awaiting": len(state.awaiting),
        "groups": [group.to_dict() for group in state.groups],
    }


def _dedup_summary(state: DedupState) -> str:
    certain = sum(1 for group in state.groups if group.certain)
    return "\n".join(
        [
            f"deduplication run {state.run} ({state.method})",
            (
                f"groups: {certain} certain, {len(state.groups) - certain} uncertain "
                f"({len(state.awaiting)} await a person: sysreview dedup DIR --confirm --reviewer NAME)"
            ),
            f"records removed as duplicates: {len(state.removed)}",
        ]
    )


def run_dedup_review(project: Project, *, reviewer: str, read_key: ReadKey, console: Console) -> int:
    """Show each uncertain duplicate group that awaits a verdict; keys: ``d`` duplicate, ``n`` not duplicates,
    ``u`` undo, ``s`` skip, ``q`` quit. Returns the number of verdicts given."""
    reviewer = project.store.check_reviewer(reviewer)
    given = 0
    skipped: list[int] = []
    notice: Text | None = None
    while True:
        state = project.store.dedup()
        waiting = [group for group in state.awaiting if group.id not in skipped]
        if not waiting:
            _notice(console, notice)
            console.print("No uncertain duplicate groups left." if not skipped else "Only skipped groups are left.")
            return given
        group = waiting[0]
        if console.is_terminal:
            console.clear()
        _show_group(console, project, group, left=len(state.awaiting))
        _notice(console, notice)
        notice = None
        key = _next_key(read_key)
        try:
            if key == "q":
                return given
            if key == "d":
                project.store.judge_duplicates(group.id, reviewer=reviewer, verdict="duplicate")
                given += 1
            elif key == "n":
                project.store.judge_duplicates(group.id, reviewer=reviewer, verdict="distinct")
                given += 1
            elif key == "u":
                if project.store.undo_duplicates(reviewer=reviewer) is None:
                    notice = _text("Nothing to undo.")
                else:
                    given -= 1
            elif key == "s":
                skipped.append(group.id)
            else:
                notice = _text(f"Unknown key {key!r}: d duplicate, n not duplicates, u undo, s skip, q quit.")
        except InputError as error:
            notice = _text(str(error), "red")


def _show_group(console: Console, project: Project, group: DuplicateGroup, *, left: int) -> None:
    from rich.panel import Panel
    from rich.text import Text

    body = Text()
    for stored in project.store.records(group.members):
        record = stored.record
        body.append(f"{stored.key}\n", style="bold")
        body.append(f"  {record.title or '(no title)'}\n")
        details = [", ".join(record.authors[:3]), str(record.year or ""), record.journal or "", record.doi or ""]
        body.append("  " + " · ".join(d for d in details if d) + "\n")
    reasons = "; ".join(group.reasons) or "no reason given"
    score = f", score {group.score:.2f}" if group.score is not None else ""
    body.append(f"\nwhy: {reasons}{score}\n", style="dim")
    body.append("[d] duplicate  [n] not duplicates  [u] undo  [s] skip  [q] quit")
    console.print(Panel(body, title=f"uncertain duplicate group {group.position} · {left} awaiting"))


# ---------------------------------------------------------------------- screening
def screen_run(
    folder: DirArg,
    *,
    reviewer: ReviewerOpt,
    stage: StageOpt = "title-abstract",
    resolve: Annotated[
        bool, typer.Option("--resolve", help="Resolve conflicts as the third reviewer (both votes are shown).")
    ] = False,
    order: Annotated[
        str,
        typer.Option(
            "--order",
            metavar="model|file",
            help="model: most likely relevant first, by the screening engine's model (learning from your own "
            "decisions only); file: import order.",
        ),
    ] = "model",
) -> None:
    """Screen one record at a time: i include, e exclude, m maybe, n not retrieved, u undo, s skip, q quit."""
    with reporting():
        chosen = _stage(stage)
        ranker = _ranker(order) if not resolve else None
        with _open(folder) as project:
            from sysreview.project import ScreeningSession

            session = ScreeningSession(project.store, reviewer=reviewer, stage=chosen, resolve=resolve, ranker=ranker)
            made = run_screening(
                session, keywords=project.protocol.keywords, read_key=read_key, read_line=read_line, console=_console()
            )
    typer.echo(f"{made} decision(s) recorded by {reviewer} at {stage_title(chosen)}")


def _ranker(order: str) -> Ranker | None:
    """The ranking model for ``--order model``: the screening engine's ``sysreview.screening.default_ranker()`` (a
    :class:`sysreview.review.Ranker`) when the engine offers one; None (file order) otherwise, with a note."""
    if order == "file":
        return None
    if order != "model":
        raise InputError(f"--order {order!r}: choose model or file")
    try:
        screening = importlib.import_module("sysreview.screening")
    except ImportError as error:  # an optional dependency of the engine (scikit-learn) is missing
        echo_notes([f"no ranking model ({error}); records come in file order"])
        return None
    factory: Callable[[], Ranker] | None = getattr(screening, "default_ranker", None)
    if factory is None:
        echo_notes(["the screening engine offers no ranking model yet; records come in file order"])
        return None
    return factory()


def run_screening(
    session: ScreeningSession,
    *,
    keywords: Keywords,
    read_key: ReadKey,
    read_line: ReadLine,
    console: Console,
) -> int:
    """The terminal loop over ``session``: show the current record, read a key, act. Returns the decisions made
    (undone ones subtracted)."""
    made = 0
    reasons = session.store.rules.exclusion_reasons
    notice: Text | None = None
    while True:
        record = session.current
        if record is None:
            what = "conflicts to resolve" if session.mode == "resolve" else "records to screen"
            _notice(console, notice)
            console.print(f"No {what} left for {session.reviewer} at {stage_title(session.stage)}.")
            return made
        if console.is_terminal:
            console.clear()
        _show_record(console, session, keywords)
        _notice(console, notice)
        notice = None
        key = _next_key(read_key)
        try:
            if key == "q":
                return made
            if key == "i":
                session.decide("include")
                made += 1
            elif key == "e":
                reason = _exclusion_reason(session, reasons, read_key, read_line, console)
                if reason is not None or session.stage == "title_abstract":
                    session.decide("exclude", reason)
                    made += 1
            elif key == "m" and session.mode == "screen":
                session.decide("maybe")
                made += 1
            elif key == "n" and session.mode == "screen" and session.stage == "full_text":
                session.not_retrieved()
                made += 1
            elif key == "u":
                if session.undo() is None:
                    notice = _text("Nothing to undo.")
                else:
                    made -= 1
            elif key == "s":
                session.skip()
            else:
                notice = _text(f"Unknown key {key!r}. {_legend(session)}")
        except InputError as error:
            notice = _text(str(error), "red")


def _text(message: str, style: str = "") -> Text:
    """``message`` as it is (no markup: messages hold brackets such as ``[[reviewers]]``)."""
    from rich.text import Text

    return Text(message, style=style)


def _notice(console: Console, notice: Text | None) -> None:
    """Show the message of the last key under the record (None: nothing to show)."""
    if notice is not None:
        console.print(notice)


def _exclusion_reason(
    session: ScreeningSession,
    reasons: Sequence[str],
    read_key: ReadKey,
    read_line: ReadLine,
    console: Console,
) -> str | None:
    """The reason of a full-text exclusion (None: cancelled); title/abstract exclusions need none."""
    if session.stage == "title_abstract":
        return None
    if not reasons or len(reasons) > 9:
        text = read_line("Reason for excluding (empty cancels): ").strip()
        if text.isdigit() and reasons and 1 <= int(text) <= len(reasons):
            return reasons[int(text) - 1]
        return text or None
    console.print(
        "Reason: " + "  ".join(f"[{n}] {reason}" for n, reason in enumerate(reasons, start=1)) + "  [c] cancel"
    )
    while True:
        key = _next_key(read_key)
        if key.isdigit() and 1 <= int(key) <= len(reasons):
            return reasons[int(key) - 1]
        if key in ("c", "q", "\x1b"):
            return None
        console.print(f"Press 1–{len(reasons)} or c.")


def _next_key(read_key: ReadKey) -> str:
    """The next key that is not white space, in lower case ("q" at the end of input)."""
    while True:
        key = read_key()
        if key == "":
            return "q"
        if not key.isspace():
            return key.lower()


def _legend(session: ScreeningSession) -> str:
    if session.mode == "resolve":
        return "[i] include  [e] exclude  [u] undo  [s] skip  [q] quit"
    keys = ["[i] include", "[e] exclude", "[m] maybe"]
    if session.stage == "full_text":
        keys.append("[n] not retrieved")
    return "  ".join([*keys, "[u] undo", "[s] skip", "[q] quit"])


def _show_record(console: Console, session: ScreeningSession, keywords: Keywords) -> None:
    from rich.panel import Panel
    from rich.text import Text

    record = session.current
    assert record is not None
    progress = session.progress()
    head = (
        f"{stage_title(session.stage)} · {session.reviewer} · {progress.done} done · "
        f"{progress.remaining} left · {progress.settled}/{progress.eligible} settled · {progress.conflicts} conflicts"
    )
    if progress.relevant_left is not None:
        head += f"\nmodel ({progress.model}): ~{progress.relevant_left:.0f} relevant records left"
    elif progress.model is not None:
        head += f"\nmodel ({progress.model}): no estimate yet"
    body = Text()
    body.append(head + "\n\n", style="dim")
    body.append_text(_highlighted(record.record.title or "(no title)", keywords, style="bold"))
    body.append("\n")
    details = [", ".join(record.record.authors[:6]), str(record.record.year or ""), record.record.journal or ""]
    body.append(" · ".join(d for d in details if d) or "(no authors, year or journal)", style="dim")
    body.append("\n\n")
    abstract = record.record.abstract or "(no abstract)"
    if len(abstract) > ABSTRACT_LIMIT:
        abstract = abstract[:ABSTRACT_LIMIT] + " …"
    body.append_text(_highlighted(abstract, keywords))
    if session.mode == "resolve":
        entry = session.conflict()
        body.append("\n\nvotes: ", style="bold")
        body.append("; ".join(f"{v.reviewer}: {v.label}" + (f" ({v.reason})" if v.reason else "") for v in entry.votes))
    body.append(f"\n\n{_legend(session)}", style="dim")
    console.print(Panel(body, title=record.key))


def _highlighted(text: str, keywords: Keywords, *, style: str = "") -> Text:
    from rich.text import Text

    from sysreview.project import highlights

    result = Text(text, style=style)
    for found in highlights(text, keywords):
        result.stylize("bold green" if found.kind == "include" else "bold red", found.start, found.end)
    return result


def screen_status(
    folder: DirArg,
    *,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="text|json", help="Output format.")] = "text",
) -> None:
    """Progress per stage, conflicts, and agreement (percent and Cohen's kappa) per reviewer pair."""
    from sysreview.review import STAGES, agreement

    with reporting():
        choice = parse_format(fmt)
        with _open(folder) as project:
            state = project.store.state()
    stages: dict[Stage, Any] = {}
    for stage in STAGES:
        stages[stage] = {
            "eligible": len(state.eligible(stage)),
            "status": state.status_counts(stage),
            "conflicts": [
                {
                    "record": entry.record,
                    "why": entry.conflict,
                    "votes": {vote.reviewer: vote.label for vote in entry.votes},
                }
                for entry in state.conflicts(stage)
            ],
            "agreement": [result.to_dict() for result in agreement(state.screening, stage)],
        }
    if choice == "json":
        print_json({"records": len(state.records), "removed_duplicates": len(state.removed), "stages": stages})
        return
    typer.echo(f"records: {len(state.records)} ({len(state.removed)} removed as duplicates)")
    for name, data in stages.items():
        counts = ", ".join(f"{status} {n}" for status, n in sorted(data["status"].items())) or "nothing yet"
        typer.echo(f"{stage_title(name)}: {data['eligible']} eligible: {counts}")
        for result in data["agreement"]:
            kappa = "NA" if result["kappa"] is None else f"{result['kappa']:.3f}"
            typer.echo(
                f"  {result['reviewer_a']} vs {result['reviewer_b']}: {result['n']} records, "
                f"{result['percent_agreement']:.1f}% agreement, kappa {kappa}"
            )
        if data["conflicts"]:
            typer.echo(f"  conflicts: {', '.join(c['record'] for c in data['conflicts'])}")


# ---------------------------------------------------------------------- terminal input and output
def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def read_key() -> str:
    """One key press from the terminal (raw mode); from a pipe, one character ("" at the end)."""
    stream = sys.stdin
    if not stream.isatty():
        return stream.read(1)
    try:
        import termios
        import tty
    except ImportError:  # Windows
        import msvcrt

        return str(msvcrt.getwch())  # type: ignore[attr-defined,unused-ignore]
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        key = os.read(fd, 8).decode("utf-8", "replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    if key == "\x03":
        raise KeyboardInterrupt
    if key == "\x04":
        return ""
    return key[:1] if not key.startswith("\x1b") else "\x1b"


def read_line(prompt: str) -> str:
    """One line of text from the terminal or the pipe."""
    if sys.stdin.isatty():
        return input(prompt)
    typer.echo(prompt, nl=False)
    line = sys.stdin.readline()
    if not line:
        return ""
    return line.rstrip("\n")
