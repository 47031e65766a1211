"""Writers at the same moment, on SQLite (WAL, BEGIN IMMEDIATE, busy timeout) and PostgreSQL (SERIALIZABLE with
retries): nothing is lost, and the screening rules hold across transactions.

Each writer has a store of its own (its own engine and connections), as two reviewers on two machines would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sysreview.errors import InputError
from sysreview.project import Rules, Store
from sysreview.review import replay
from tests.project._helpers import DUAL, SEED_REASONS, store_with

N = 30


def _together(url: str, jobs: list[Callable[[Store], Any]]) -> list[Any]:
    """Run each job on its own store, all released at once; the results (or errors) in job order."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[Store], Any]) -> Any:
        with Store.open(url, rules=Rules(policy=DUAL, exclusion_reasons=SEED_REASONS)) as store:
            store.state()  # connect before the start
            barrier.wait()
            return job(store)

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _attempts(calls: list[Callable[[], Any]]) -> list[str]:
    outcomes = []
    for call in calls:
        try:
            call()
            outcomes.append("ok")
        except InputError as error:
            outcomes.append(str(error))
    return outcomes


def test_two_reviewers_screening_at_once_lose_nothing(db_url: str) -> None:
    keys = [f"r{i}" for i in range(N)]
    store_with(db_url, keys).close()

    def screen(reviewer: str, label: str) -> Callable[[Store], None]:
        def job(store: Store) -> None:
            for key in keys:
                store.decide(key, stage="title_abstract", reviewer=reviewer, label=label)

        return job

    _together(db_url, [screen("A", "include"), screen("B", "exclude")])
    with Store.open(db_url, rules=Rules(policy=DUAL)) as store:
        log = store.decisions()
        assert len(log) == 2 * N
        assert sorted((d.record, d.reviewer) for d in log) == sorted((k, r) for k in keys for r in ("A", "B"))
        state = store.state()
        assert len(state.conflicts("title_abstract")) == N
        assert state.screening == replay(log, DUAL)


def test_the_last_reviewer_slot_goes_to_one_of_two(db_url: str) -> None:
    keys = [f"r{i}" for i in range(N)]
    with store_with(db_url, keys) as store:
        for key in keys:
            store.decide(key, stage="title_abstract", reviewer="A", label="include")

    def second_vote(reviewer: str) -> Callable[[Store], list[str]]:
        def job(store: Store) -> list[str]:
            return _attempts(
                [
                    lambda key=key: store.decide(key, stage="title_abstract", reviewer=reviewer, label="include")
                    for key in keys
                ]
            )

        return job

    b, c = _together(db_url, [second_vote("B"), second_vote("C")])
    for key, outcome_b, outcome_c in zip(keys, b, c, strict=True):
        outcomes = {outcome_b, outcome_c}
        assert "ok" in outcomes, key
        (refused,) = outcomes - {"ok"}
        assert f"record {key!r} already has the 2 independent vote(s)" in refused
    with Store.open(db_url, rules=Rules(policy=DUAL)) as store:
        state = store.state()
        assert all(len(state.screening.get(key, "title_abstract").votes) == 2 for key in keys)
        assert len(store.decisions()) == 2 * N


def test_one_decision_is_undone_once(db_url: str) -> None:
    with store_with(db_url, [f"r{i}" for i in range(N)]) as store:
        ids = [store.decide(f"r{i}", stage="title_abstract", reviewer="A", label="include").id for i in range(N)]

    def retract_all(store: Store) -> list[str]:
        return _attempts([lambda i=i: store.retract(i, reviewer="A") for i in ids])

    first, second = _together(db_url, [retract_all, retract_all])
    for decision, a, b in zip(ids, first, second, strict=True):
        assert {a, b} == {"ok", f"decision {decision} is already retracted"}
    with Store.open(db_url) as store:
        assert sorted(d.retracts or 0 for d in store.decisions() if d.kind == "retract") == ids
