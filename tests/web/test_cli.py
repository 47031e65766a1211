"""``sysreview users add`` and ``sysreview serve`` as registered by ``sysreview.cli._web``."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from sysreview.cli import _web
from sysreview.project import Project
from sysreview.web import Accounts


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None: ...

    _web.register(app)
    return app


def test_users_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    Project.init(tmp_path / "p", title="T", reviewers=["ann", "ben"]).close()
    result = CliRunner().invoke(
        _app(),
        ["users", "add", str(tmp_path / "p"), "--name", "ann", "--role", "lead", "--password-stdin"],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    with Project.open(tmp_path / "p") as project:
        accounts = Accounts(project.store)
        assert [(u.name, u.role) for u in accounts.users()] == [("ann", "lead")]
        session = accounts.login("ann", "a-long-password", address="test")
        assert session is not None
    # the account lives in the project's store (no web.db beside it), and the password only as a hash
    assert not (tmp_path / "p" / "web.db").exists()
    stored = b"".join(path.read_bytes() for path in (tmp_path / "p").glob("review.db*"))
    assert b"$argon2id$" in stored
    assert b"a-long-password" not in stored


def test_users_add_refuses_a_stranger_a_bad_role_and_a_password_argument(tmp_path: Path) -> None:
    Project.init(tmp_path / "p", title="T", reviewers=["ann"]).close()
    folder = str(tmp_path / "p")
    runner = CliRunner()
    stranger = runner.invoke(
        _app(),
        ["users", "add", folder, "--name", "zed", "--role", "lead", "--password-stdin"],
        input="a-long-password\n",
    )
    assert stranger.exit_code == 2
    role = runner.invoke(
        _app(),
        ["users", "add", folder, "--name", "ann", "--role", "admin", "--password-stdin"],
        input="a-long-password\n",
    )
    assert role.exit_code == 2
    no_stdin = runner.invoke(_app(), ["users", "add", folder, "--name", "ann", "--role", "lead"])
    assert no_stdin.exit_code == 2
    with Project.open(tmp_path / "p") as project:
        assert Accounts(project.store).users() == ()


def test_serve_is_registered() -> None:
    result = CliRunner().invoke(_app(), ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
