"""A reviewer's screening session: the queue, blindness, undo, skip, a ranking model through its seam, keywords."""

from __future__ import annotations

import pytest

from sysreview.errors import InputError
from sysreview.project import Keywords, ScreeningSession, highlights
from sysreview.review import LabelledRecords, Ranking
from tests.project._helpers import SEED_REASONS, store_with


class ReverseRanker:
    """A fake model: the unlabelled records in reverse order; it keeps what it was shown."""

    def __init__(self) -> None:
        self.seen: list[LabelledRecords] = []

    def rank(self, data: LabelledRecords) -> Ranking:
        self.seen.append(data)
        unlabelled = [r.id for r, label in zip(data.records, data.labels, strict=True) if label is None]
        relevant = sum(label == 1 for label in data.labels if label is not None)
        return Ranking(order=tuple(reversed(unlabelled)), relevant_left=float(relevant), model="reverse")


def test_a_session_walks_the_queue_and_undo_brings_a_record_back(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2", "r3"]) as store:
        session = ScreeningSession(store, reviewer="A", stage="title_abstract")
        assert session.current is not None
        assert (session.current.key, list(session.queue)) == ("r1", ["r1", "r2", "r3"])
        session.decide("include")
        session.decide("exclude")
        assert session.current.key == "r3"
        undone = session.undo()
        assert undone is not None
        assert (undone.record, session.current.key) == ("r2", "r2")
        session.skip()
        assert list(session.queue) == ["r3", "r2"]
        session.decide("maybe")
        session.decide("include")
        assert session.current is None
        progress = session.progress()
        assert (progress.done, progress.remaining, progress.eligible, progress.settled) == (3, 0, 3, 0)
        with pytest.raises(InputError, match="nothing left to screen"):
            session.decide("include")


def test_screening_is_blind_and_resolving_is_not(db_url: str) -> None:
    with store_with(db_url, ["r1"]) as store:
        ScreeningSession(store, reviewer="A", stage="title_abstract").decide("include")
        second = ScreeningSession(store, reviewer="B", stage="title_abstract")
        with pytest.raises(InputError, match="does not see the other reviewers' votes"):
            second.conflict()
        second.decide("exclude")
        resolver = ScreeningSession(store, reviewer="C", stage="title_abstract", resolve=True)
        assert [v.label for v in resolver.conflict().votes] == ["include", "exclude"]
        assert ScreeningSession(store, reviewer="A", stage="title_abstract", resolve=True).current is None
        resolver.decide("include")
        assert resolver.current is None
        assert store.state().screening.status("r1", "title_abstract") == "included"


def test_full_text_session_notes_reports_not_retrieved(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2"]) as store:
        for reviewer in ("A", "B"):
            for key in ("r1", "r2"):
                store.decide(key, stage="title_abstract", reviewer=reviewer, label="include")
        session = ScreeningSession(store, reviewer="A", stage="full_text")
        session.not_retrieved()
        session.decide("exclude", SEED_REASONS[2])
        assert store.state().screening.status("r1", "full_text") == "not_retrieved"
        assert session.progress().settled == 1


def test_a_ranking_model_orders_the_queue_from_the_reviewers_own_labels(db_url: str) -> None:
    with store_with(db_url, ["r1", "r2", "r3", "r4"]) as store:
        store.decide("r4", stage="title_abstract", reviewer="B", label="include")  # A must not learn this
        ranker = ReverseRanker()
        session = ScreeningSession(store, reviewer="A", stage="title_abstract", ranker=ranker)
        assert list(session.queue) == ["r4", "r3", "r2", "r1"]
        assert ranker.seen[-1].labels == (None, None, None, None)
        assert ranker.seen[-1].reviewer == "A"
        session.decide("include")  # r4
        assert list(session.queue) == ["r3", "r2", "r1"]
        assert ranker.seen[-1].labels == (None, None, None, 1)
        progress = session.progress()
        assert (progress.relevant_left, progress.model) == (1.0, "reverse")


def test_keywords_are_found_as_words_with_wildcards() -> None:
    keywords = Keywords(include=["acne scar*", "SVF"], exclude=["case series", "keloid*"])
    text = "Atrophic acne scarring treated with SVF; a case series (not keloids, not SVFs)."
    found = [(text[h.start : h.end], h.kind) for h in highlights(text, keywords)]
    assert found == [
        ("acne scarring", "include"),
        ("SVF", "include"),
        ("case series", "exclude"),
        ("keloids", "exclude"),
    ]
    assert highlights("", keywords) == ()
