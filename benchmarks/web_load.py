"""Load test of the web app: two reviewers × N decisions at once over HTTP against a PostgreSQL store.

    SYSREVIEW_TEST_POSTGRES_URL=postgresql://USER:PASSWORD@HOST/DB .venv/bin/python benchmarks/web_load.py [N]

Each reviewer logs in and screens every record of the project (dual screening, so both may vote on each) as fast
as the server answers, both at once. Afterwards the store must hold exactly one vote per reviewer and record: no
decision lost, none duplicated. Prints decisions per second and latency percentiles.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web._fixtures import PASSWORDS, make_project
from tests.web._server import LiveServer

from sysreview.project import Project

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RECORD = re.compile(r'data-record="([^"]+)"')


def _schema_url(base: str) -> str:
    import sqlalchemy as sa

    schema = f"load_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(sa.make_url(base).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return (
        sa.make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def _reviewer(url: str, name: str, latencies: list[float], errors: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/login")
        client.post("/login", data={"name": name, "password": PASSWORDS[name], "csrf_token": CSRF.search(page.text)[1]})
        page = client.get("/screen/title_abstract")
        token = CSRF.search(page.text)[1]
        html = page.text
        while (match := RECORD.search(html)) is not None:
            label = "include" if hash((name, match[1])) % 2 else "exclude"
            start = time.perf_counter()
            response = client.post(
                "/screen/title_abstract/decide",
                data={"record": match[1], "label": label},
                headers={"HX-Request": "true", "X-CSRF-Token": token},
            )
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200 or 'class="error"' in response.text:
                errors.append(f"{name} {match[1]}: {response.status_code}")
            html = response.text


def main(n: int = 1000) -> int:
    base = os.environ.get("SYSREVIEW_TEST_POSTGRES_URL")
    if not base:
        print("set SYSREVIEW_TEST_POSTGRES_URL to a PostgreSQL server", file=sys.stderr)
        return 2
    import sqlalchemy as sa

    password = sa.make_url(base).password
    if password and "PGPASSWORD" not in os.environ:  # store.toml keeps no password: the project reads PGPASSWORD
        os.environ["PGPASSWORD"] = str(password)
    folder = make_project(Path(tempfile.mkdtemp()) / "load", records=n, url=_schema_url(base))
    server = LiveServer(folder).start()
    latencies: dict[str, list[float]] = {"alice": [], "bob": []}
    errors: list[str] = []
    threads = [
        threading.Thread(target=_reviewer, args=(server.url, name, latencies[name], errors)) for name in latencies
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    server.stop()
    with Project.open(folder) as project:
        votes = [d for d in project.store.decisions("title_abstract") if d.kind == "vote"]
        state = project.store.state()
    counts = Counter((d.record, d.reviewer) for d in votes)
    in_force = sum(1 for e in state.screening.entries("title_abstract") for _ in e.votes)
    every = [x for values in latencies.values() for x in values]
    print(f"decisions: {len(votes)} written, {in_force} in force, expected {2 * n}; errors: {len(errors)}")
    print(
        f"duplicated (record, reviewer): {sum(1 for c in counts.values() if c > 1)}; elapsed {elapsed:.1f} s; "
        f"{len(votes) / elapsed:.0f} decisions/s"
    )
    print(
        f"latency: median {statistics.median(every) * 1000:.0f} ms, "
        f"p95 {statistics.quantiles(every, n=20)[18] * 1000:.0f} ms, max {max(every) * 1000:.0f} ms"
    )
    ok = len(votes) == in_force == 2 * n and not errors and all(c == 1 for c in counts.values())
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
