"""Duplicate groups in the store: runs, verdicts that carry over, joined groups, and the dedup engine hooked in."""

from __future__ import annotations

from pathlib import Path

import pytest

from sysreview.errors import InputError
from sysreview.project import GroupInput, Project
from tests.project._helpers import add_records, store_with


def test_certain_groups_remove_and_uncertain_ones_wait(db_url: str) -> None:
    with store_with(db_url, ["a", "b", "c", "d", "e"]) as store:
        state = store.save_dedup(
            [
                GroupInput(members=("b", "a"), reasons=("same DOI",)),
                GroupInput(members=("c", "d"), certain=False, score=0.81, reasons=("similar title",)),
            ],
            method="test",
            settings={"threshold": 0.9},
        )
        first, second = state.groups
        assert (first.members, first.keep, first.removes) == (("a", "b"), "a", True)  # import order; first kept
        assert (second.awaiting, second.score, second.reasons) == (True, 0.81, ("similar title",))
        assert state.removed == {"b": "a"}
        after = store.judge_duplicates(second.id, reviewer="A", verdict="duplicate")
        assert after.removed == {"b": "a", "d": "c"}
        assert after.groups[1].verdict_by == "A"
        undone = store.undo_duplicates(reviewer="A")
        assert undone is not None
        assert undone.removed == {"b": "a"}
        store.judge_duplicates(first.id, reviewer="B", verdict="distinct")  # a person overrules the method
        assert store.dedup().removed == {}
        with pytest.raises(InputError, match="no duplicate group 99"):
            store.judge_duplicates(99, reviewer="A", verdict="duplicate")


def test_verdicts_carry_over_to_a_new_run_and_groups_join(db_url: str) -> None:
    with store_with(db_url, ["a", "b", "c"]) as store:
        run = store.save_dedup([GroupInput(members=("a", "b"), certain=False)], method="test")
        store.judge_duplicates(run.groups[0].id, reviewer="A", verdict="duplicate")
        add_records(store, ["d"], source="Embase")
        rerun = store.save_dedup(
            [
                GroupInput(members=("b", "a"), certain=False),  # the same members: the verdict holds
                GroupInput(members=("c", "d"), keep="d"),
                GroupInput(members=("b", "c"), certain=False, score=0.5),
            ],
            method="test",
        )
        assert rerun.run == run.run + 1
        assert rerun.groups[0].verdict == "duplicate"
        assert rerun.removed == {"b": "a", "c": "d"}
        joined = store.judge_duplicates(rerun.groups[2].id, reviewer="A", verdict="duplicate")
        assert joined.removed == {"a": "d", "b": "d", "c": "d"}  # one item: the certain group's kept record


def test_a_removed_duplicate_is_not_screened(db_url: str) -> None:
    with store_with(db_url, ["a", "b"]) as store:
        store.save_dedup([GroupInput(members=("a", "b"))], method="test")
        with pytest.raises(InputError, match="record 'b' is a duplicate of 'a', which is screened in its place"):
            store.decide("b", stage="title_abstract", reviewer="A", label="include")
        assert store.state().queue("title_abstract", "A") == ("a",)


def test_bad_groups_are_refused(db_url: str) -> None:
    with store_with(db_url, ["a", "b"]) as store:
        with pytest.raises(InputError, match="duplicate group 1: a group needs at least two records"):
            store.save_dedup([GroupInput(members=("a",))], method="test")
        with pytest.raises(InputError, match="duplicate group 1: no record 'z' in the store"):
            store.save_dedup([GroupInput(members=("a", "z"))], method="test")
        with pytest.raises(InputError, match=r"duplicate group 1: the record kept \('z'\) is not a member"):
            store.save_dedup([GroupInput(members=("a", "b"), keep="z")], method="test")
        assert store.dedup().run is None


def test_the_dedup_engine_runs_on_the_store(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p", title="T") as project:
        (tmp_path / "pubmed.ris").write_text(
            "TY  - JOUR\nID  - pm1\nTI  - Stromal vascular fraction gel for atrophic acne scars: a randomized trial\n"
            "AU  - Kim, J\nPY  - 2021\nDO  - 10.1000/svf.2021.1\nT2  - Dermatologic Surgery\nER  - \n",
            encoding="utf-8",
        )
        (tmp_path / "embase.ris").write_text(
            "TY  - JOUR\nID  - em1\nTI  - Stromal vascular fraction gel for atrophic acne scars: a randomised trial\n"
            "AU  - Kim J.\nPY  - 2021\nDO  - 10.1000/SVF.2021.1\nT2  - Dermatol Surg\nER  - \n"
            "TY  - JOUR\nID  - em2\nTI  - Fractional laser for burn scars\nAU  - Park, S\nPY  - 2019\nER  - \n",
            encoding="utf-8",
        )
        project.import_files([tmp_path / "pubmed.ris"], source="PubMed")
        project.import_files([tmp_path / "embase.ris"], source="Embase")
        state = project.deduplicate(created_by="tester")
        assert state.method == "sysreview.dedup"
        assert [(g.members, g.keep, g.certain) for g in state.groups] == [(("pm1", "em1"), state.groups[0].keep, True)]
        assert state.groups[0].keep in ("pm1", "em1")
        assert len(state.removed) == 1
        assert project.prisma().duplicates == 1
