"""Fixtures of the web tests: a project on disk with three accounts, a live server, logged-in httpx clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.web._fixtures import PASSWORDS, make_project
from tests.web._server import LiveServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: httpx.Client, name: str, password: str | None = None) -> httpx.Response:
    page = client.get("/login")
    return client.post(
        "/login", data={"name": name, "password": password or PASSWORDS[name], "csrf_token": csrf_of(page.text)}
    )


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    return make_project(tmp_path / "review")


@pytest.fixture
def server(project_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(project_dir).start()
    yield live
    live.stop()


@pytest.fixture
def client_factory(server: LiveServer) -> Iterator[Callable[[], httpx.Client]]:
    clients: list[httpx.Client] = []

    def make() -> httpx.Client:
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def as_user(client_factory: Callable[[], httpx.Client]) -> Callable[[str], httpx.Client]:
    def make(name: str) -> httpx.Client:
        client = client_factory()
        response = login(client, name)
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        return client

    return make
