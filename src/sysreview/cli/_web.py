"""``sysreview serve`` and ``sysreview users``: the project's web app and its accounts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sysreview.cli._common import EXIT_INPUT, fail
from sysreview.errors import SysreviewError

DirArg = Annotated[Path, typer.Argument(help="The project folder (holding review.toml).")]


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``users`` group."""
    app.command("serve", no_args_is_help=True)(serve)
    users = typer.Typer(name="users", help="Accounts of the web app.", no_args_is_help=True)
    users.command("add", no_args_is_help=True)(users_add)
    users.command("list", no_args_is_help=True)(users_list)
    app.add_typer(users, name="users")


def serve(
    folder: DirArg,
    *,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    secure_cookies: Annotated[
        str, typer.Option("--secure-cookies", help="Mark cookies Secure: auto (when the request is https), yes, no.")
    ] = "auto",
    order: Annotated[
        str,
        typer.Option(
            "--order",
            help="Screening order: model (the active-learning ranking, with an estimate of relevant records left; "
            "each reviewer's model learns from their own votes only) or file.",
        ),
    ] = "model",
) -> None:
    """Serve the review's web app (screening, conflicts, extraction, RoB 2, dashboard, analysis)."""
    choices = {"auto": None, "yes": True, "no": False}
    if secure_cookies not in choices:
        fail(f"--secure-cookies: choose one of {', '.join(choices)}, not {secure_cookies!r}", EXIT_INPUT)
    if order not in ("model", "file"):
        fail(f"--order: choose model or file, not {order!r}", EXIT_INPUT)
    from sysreview.web import default_ranker
    from sysreview.web import serve as run

    ranker = default_ranker() if order == "model" else None
    if order == "model" and ranker is None:
        typer.echo("note: the screening engine offers no ranking model; records come in file order", err=True)
    try:
        run(folder, host=host, port=port, secure_cookies=choices[secure_cookies], ranker=ranker)
    except SysreviewError as error:
        fail(str(error), EXIT_INPUT)


def users_add(
    folder: DirArg,
    *,
    name: Annotated[str, typer.Option("--name", help="The reviewer's name, as in review.toml's [[reviewers]].")],
    role: Annotated[str, typer.Option("--role", help="lead (resolves conflicts, sees the dashboard) or reviewer.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Add an account to the project's web app."""
    if not password_stdin:
        fail("give the password on standard input with --password-stdin (never on the command line)", EXIT_INPUT)
    password = sys.stdin.readline().rstrip("\r\n")
    from sysreview.project import Project
    from sysreview.web import Accounts, import_web_db

    try:
        with Project.open(folder) as project:
            import_web_db(folder, project.store)  # an older sysreview's accounts first, or they would clash
            names = project.protocol.reviewer_names
            if names and name.strip() not in names:
                fail(
                    f"{name!r} is not one of the protocol's reviewers ([[reviewers]] in review.toml: "
                    f"{', '.join(names)})",
                    EXIT_INPUT,
                )
            user = Accounts(project.store).add_user(name, role=role, password=password, created_by="cli")
    except SysreviewError as error:
        fail(str(error), EXIT_INPUT)
    typer.echo(f"added {user.name} ({user.role})")


def users_list(folder: DirArg) -> None:
    """List the accounts of the project's web app."""
    from sysreview.project import Project
    from sysreview.web import Accounts

    try:
        with Project.open(folder) as project:
            users = Accounts(project.store).users()
    except SysreviewError as error:
        fail(str(error), EXIT_INPUT)
    for user in users:
        typer.echo(f"{user.name}\t{user.role}")
