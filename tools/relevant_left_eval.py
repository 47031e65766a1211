"""How close is ``Ranking.relevant_left`` to the truth? Every estimator in ``ESTIMATORS`` on replayed screenings.

Run: ``.venv/bin/python tools/relevant_left_eval.py [--sets NAME …] [--seeds 1 2 3] [--out FILE] [--raw FILE]``.

Protocol. Each labelled set of the shared synergy-legacy-screening folder (``label_included``: final inclusions) is
screened in the order of the project's ranker (``default_ranker``: TF-IDF, linear SVM, most likely relevant
first), from one relevant and one irrelevant prior drawn with the seed (seeds 1–3). The ranker is refitted after
every batch of decisions, the batch being 2 % of the records screened so far (at least one; the ranker itself
refits after every decision in a session, which would make a replay of the large sets take hours). At the
checkpoints (5, 10, 25 and 50 % of the records screened, and the first time 80 % and 95 % of the relevant records
are found) every estimator is asked for the relevant records left, with the screening sequence so far, and
compared with the truth. A checkpoint is *within* when the estimate is within a factor 2 of the truth (or within 2
records when the truth is ≤ 3), an *underestimate* when the estimate rounded to a whole record (as the screening
pages show it) is below the truth.

Tuning and confirmation: the choices of the estimators (the level of ``decay-upper``, the combination) were made
on the Cohen 2006 sets (names start with ``Cohen_``) only; the other sets are held out and reported apart.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sysreview.records import Record, RecordSet  # noqa: E402
from sysreview.review import LabelledRecords  # noqa: E402
from sysreview.screening import read_labelled_csv  # noqa: E402
from sysreview.screening._learner import _featureless_rows  # noqa: E402
from sysreview.screening._ranker import (  # noqa: E402
    DECAY_UPPER_Z,
    DEFAULT_ESTIMATE,
    ESTIMATORS,
    ActiveRanker,
    fit_discovery_curve,
    relevant_left_estimates,
)

SETS = Path("/work/shared/data/benchmarks/synergy-legacy-screening")
SCREENED = (0.05, 0.10, 0.25, 0.50)
RECALL = (0.80, 0.95)
#: extra levels of the decay-upper bound tried while tuning (z of the one-sided profile-likelihood bound)
Z_LEVELS = (0.5, 1.0, 1.645, 2.0)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    dataset: str
    seed: int
    point: str
    screened: int
    records: int
    truth: int
    estimates: dict[str, float | None]


def _records(path: Path) -> tuple[RecordSet, np.ndarray]:
    data = read_labelled_csv(path)
    assert data.labels is not None
    records = RecordSet(
        tuple(
            Record(id=f"k{i}", title=t, abstract=a)
            for i, (t, a) in enumerate(zip(data.titles, data.abstracts, strict=True))
        )
    )
    return records, np.asarray(data.labels, dtype=np.int64)


def _extra(discovery: np.ndarray, unscreened: int, estimates: dict[str, float | None]) -> None:
    """Variants for tuning: decay-upper at other levels, and combinations of the estimators."""
    for z in Z_LEVELS:
        curve = fit_discovery_curve(discovery, shape="exponential", z=z)
        estimates[f"decay-upper@{z}"] = None if curve is None else min(curve.expected(unscreened), float(unscreened))


def replay(name: str, records: RecordSet, truth: np.ndarray, seed: int) -> list[Checkpoint]:
    n, total = len(records), int(truth.sum())
    ranker = ActiveRanker(estimate=None, random_state=seed)
    rng = np.random.default_rng(seed)
    labels: list[int | None] = [None] * n
    sequence: list[str] = []
    for row in (int(rng.choice(np.flatnonzero(truth == 1))), int(rng.choice(np.flatnonzero(truth == 0)))):
        labels[row] = int(truth[row])
        sequence.append(f"k{row}")
    base = LabelledRecords(stage="title_abstract", reviewer=None, records=records, labels=tuple(labels))
    X = ranker.features_of(base)
    featureless = _featureless_rows(X)
    targets = [("screened", f"{int(f * 100)}% screened", math.ceil(f * n)) for f in SCREENED]
    targets += [("recall", f"{int(f * 100)}% recall", math.ceil(f * total)) for f in RECALL]
    done: set[str] = set()
    out: list[Checkpoint] = []
    while len(done) < len(targets):
        screened = len(sequence)
        found = sum(1 for label in labels if label == 1)
        for kind, point, value in targets:
            if point in done or (screened if kind == "screened" else found) < value:
                continue
            done.add(point)
            lab = np.array([-1 if v is None else v for v in labels], dtype=np.int64)
            informative = np.flatnonzero((lab >= 0) & ~featureless)
            unlabelled = np.flatnonzero(lab < 0)
            discovery = truth[[int(key[1:]) for key in sequence]]
            estimates = relevant_left_estimates(
                X, informative, lab[informative], unlabelled, discovery=discovery, random_state=seed
            )
            _extra(discovery, unlabelled.size, estimates)
            out.append(Checkpoint(name, seed, point, screened, n, total - found, estimates))
        if len(done) == len(targets) or screened >= n:
            break
        data = LabelledRecords(stage="title_abstract", reviewer=None, records=records, labels=tuple(labels))
        order = ranker.rank(data).order
        batch = max(1, screened // 50)
        upcoming = [value - screened for kind, point, value in targets if kind == "screened" and point not in done]
        if upcoming:
            batch = min(batch, *upcoming)
        for key in order[:batch]:
            row = int(key[1:])
            labels[row] = int(truth[row])
            sequence.append(key)
    return out


def combine(estimates: dict[str, float | None]) -> dict[str, float | None]:
    """Combinations evaluated while tuning (the chosen one is also an estimator of the ranker)."""
    out = dict(estimates)
    # raw files of runs made at another level: the named estimators at the module's current level
    if f"decay-upper@{DECAY_UPPER_Z}" in out:
        out["decay-upper"] = out[f"decay-upper@{DECAY_UPPER_Z}"]
    cal, up = out.get("calibrated"), out.get("decay-upper")
    out["combined"] = None if cal is None or up is None else min(cal, up)
    dec = out.get("decay")
    out["max(decay, em)"] = None if dec is None or estimates.get("em") is None else max(dec, estimates["em"] or 0.0)
    return out


def within(estimate: float, truth: int) -> bool:
    if truth <= 3:
        return abs(estimate - truth) <= 2
    return truth / 2 <= estimate <= 2 * truth


def under(estimate: float, truth: int) -> bool:
    return round(estimate) < truth


def summary(rows: list[Checkpoint], name: str) -> tuple[str, str, str, int]:
    pairs = [(c.estimates.get(name), c.truth) for c in rows]
    valid = [(e, t) for e, t in pairs if e is not None]
    if not valid:
        return "–", "–", "–", 0
    ratios = [e / t for e, t in valid if t > 0]
    med = f"{statistics.median(ratios):.2f}" if ratios else "–"
    inside = sum(within(e, t) for e, t in valid) / len(valid)
    low = sum(under(e, t) for e, t in valid) / len(valid)
    return med, f"{inside:.0%}", f"{low:.0%}", len(valid)


def render(rows: list[Checkpoint], names: list[str], skipped: list[str], seconds: float) -> str:
    tuning = [c for c in rows if c.dataset.startswith("Cohen_")]
    held = [c for c in rows if not c.dataset.startswith("Cohen_")]
    lines = [
        "# Estimates of the relevant records left during screening (``Ranking.relevant_left``)",
        "",
        (
            "Generated by `tools/relevant_left_eval.py` (protocol in its docstring): replay in the ranker's own order "
            "(TF-IDF + linear SVM, max query, refit every 2 % of the records screened), priors one relevant + one "
            "irrelevant drawn with seeds 1–3, checkpoints at 5/10/25/50 % screened and at 80 %/95 % recall. "
            "*ratio*: median of estimate/truth (checkpoints with truth > 0); *within*: estimate within a factor 2 "
            "of the truth (±2 records when truth ≤ 3); *under*: the estimate rounded to a whole record is below "
            "the truth. "
            "Tuned on the Cohen 2006 sets only; the other sets are held out."
        ),
        "",
        (
            f"Default estimator: `{DEFAULT_ESTIMATE}`. Run time {seconds / 60:.1f} min (two processes)."
            + (f" Skipped: {', '.join(skipped)}." if skipped else "")
        ),
        "",
        "## Overall",
        "",
        "| estimator | tuning (Cohen) ratio | within | under | n | held-out ratio | within | under | n |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        a, b = summary(tuning, name), summary(held, name)
        lines.append(f"| `{name}` | {a[0]} | {a[1]} | {a[2]} | {a[3]} | {b[0]} | {b[1]} | {b[2]} | {b[3]} |")
    lines += ["", "## By checkpoint (all sets)", "", "| checkpoint | " + " | ".join(f"`{n}`" for n in names) + " |"]
    lines.append("|---|" + "---:|" * len(names))
    for point in [f"{int(f * 100)}% screened" for f in SCREENED] + [f"{int(f * 100)}% recall" for f in RECALL]:
        at = [c for c in rows if c.point == point]
        cells = []
        for name in names:
            med, inside, low, _ = summary(at, name)
            cells.append(f"{med} · {inside} · {low}")
        lines.append(f"| {point} | " + " | ".join(cells) + " |")
    lines += ["", "Cells: ratio · within · under.", "", "## By set", ""]
    lines.append("| set | records | relevant | " + " | ".join(f"`{n}`" for n in names) + " |")
    lines.append("|---|---:|---:|" + "---:|" * len(names))
    for dataset in dict.fromkeys(c.dataset for c in rows):
        at = [c for c in rows if c.dataset == dataset]
        cells = []
        for name in names:
            med, inside, low, _ = summary(at, name)
            cells.append(f"{med} · {inside} · {low}")
        total = at[0].truth if at[0].point.startswith("5%") else "?"
        lines.append(f"| {dataset} | {at[0].records} | {_relevant(dataset)} | " + " | ".join(cells) + " |")
        del total
    lines += ["", "## Every checkpoint of the default estimator (seed 1)", ""]
    lines.append("| set | checkpoint | screened | truth | estimate | calibrated (old default) |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for c in rows:
        if c.seed != 1:
            continue
        est, cal = c.estimates.get(DEFAULT_ESTIMATE), c.estimates.get("calibrated")
        fmt: Callable[[float | None], str] = lambda v: "–" if v is None else f"{v:.1f}"  # noqa: E731
        lines.append(f"| {c.dataset} | {c.point} | {c.screened} | {c.truth} | {fmt(est)} | {fmt(cal)} |")
    return "\n".join(lines) + "\n"


_TOTALS: dict[str, int] = {}


def _relevant(dataset: str) -> int:
    return _TOTALS.get(dataset, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", help="set names (default: every set, smallest first)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[1, 2, 3])
    parser.add_argument("--skip", nargs="*", default=[], help="set names to skip")
    parser.add_argument("--skip-note", nargs="*", default=[], help="sets reported as skipped (with --from-raw)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "relevant_left.md")
    parser.add_argument("--raw", type=Path, help="also write every checkpoint as JSON here")
    parser.add_argument("--from-raw", nargs="*", type=Path, help="render the tables from JSON files written by --raw")
    args = parser.parse_args()
    start = time.perf_counter()
    rows: list[Checkpoint] = []
    if args.from_raw:
        seconds = 0.0
        for raw in args.from_raw:
            payload = json.loads(raw.read_text())
            rows += [Checkpoint(**row) for row in payload["rows"]]
            _TOTALS.update(payload["totals"])
            seconds += payload["seconds"]
    else:
        paths = sorted(SETS.glob("*.csv.gz"), key=lambda p: p.stat().st_size)
        names = [p.name.removesuffix(".csv.gz") for p in paths]
        chosen = [p for p, n in zip(paths, names, strict=True) if (not args.sets or n in args.sets)]
        for path in chosen:
            name = path.name.removesuffix(".csv.gz")
            if name in args.skip:
                continue
            records, truth = _records(path)
            _TOTALS[name] = int(truth.sum())
            for seed in args.seeds:
                t0 = time.perf_counter()
                rows += replay(name, records, truth, seed)
                if args.raw:  # after every run: a crash or a time limit keeps what was done
                    raw = {
                        "rows": [_as_dict(c) for c in rows],
                        "totals": _TOTALS,
                        "seconds": time.perf_counter() - start,
                    }
                    args.raw.write_text(json.dumps(raw))
                print(f"{name} seed {seed}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - start
        if args.raw:
            payload = {"rows": [c.__dict__ if hasattr(c, "__dict__") else _as_dict(c) for c in rows]}
            payload["totals"] = _TOTALS  # type: ignore[assignment]
            payload["seconds"] = seconds  # type: ignore[assignment]
            args.raw.write_text(json.dumps(payload))
    rows = [Checkpoint(c.dataset, c.seed, c.point, c.screened, c.records, c.truth, combine(c.estimates)) for c in rows]
    names = [*ESTIMATORS, *(f"decay-upper@{z}" for z in Z_LEVELS), "max(decay, em)"]
    args.out.write_text(render(rows, names, args.skip_note or args.skip, seconds))
    print(f"wrote {args.out}", file=sys.stderr)


def _as_dict(c: Checkpoint) -> dict[str, object]:
    return {f: getattr(c, f) for f in Checkpoint.__slots__}


if __name__ == "__main__":
    main()
