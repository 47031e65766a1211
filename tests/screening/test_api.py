"""The public surface of ``sysreview.screening`` is curated (STYLE.md, item 5)."""

from __future__ import annotations

import types

from sysreview import screening


def test_all_lists_every_public_name_once_sorted() -> None:
    public = {
        name
        for name in dir(screening)
        if not name.startswith("_")
        and name != "annotations"
        and not isinstance(getattr(screening, name), types.ModuleType)
    }
    assert public | {"metrics"} == set(screening.__all__)
    assert len(set(screening.__all__)) == len(screening.__all__)
    assert all(getattr(screening, name) is not None for name in screening.__all__)


def test_metrics_module_surface() -> None:
    assert screening.metrics.__all__ == [
        "ScreeningMetrics",
        "atd",
        "evaluate",
        "loss",
        "ndcg",
        "recall_curve",
        "rrf",
        "wss",
    ]
