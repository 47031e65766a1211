"""Issue 4 benchmark: deduplication against bib-dedupe on every labelled set, side by side in one run.

Run: ``.venv/bin/python benchmarks/dedup.py`` (needs ``bib-dedupe`` from PyPI; ``--quick`` skips bib-dedupe on
digital_work and the 100k timing). Writes ``benchmarks/results/dedup.md`` and ``dedup.json``.

Sets: bib-dedupe-dedup (cytology_screening, haematology, respiratory, stroke, digital_work, special_cases; the groups
in ``merged_record_ids.csv``), ASySD diabetes (records from ASySD's labelled test set, groups from bib-dedupe-dedup),
and the synthetic two-database search of :mod:`sysreview.dedup._synthetic` (seeds 11 and 12; near misses included).

Measures, for each tool: pairwise precision and recall (pairs of records put in one group against pairs in one true
group) and bib-dedupe's record-level counts (``compare_dedupe_id``: per true group the first retained record is a true
negative, further retained ones false negatives, removed members true positives; a group removed whole counts one
false positive; a removed unique record is a false positive). "False merges" are predicted pairs that are not true
pairs. Time is wall clock from the file on disk to the groups (reading included), best of ``REPEAT`` for sysreview
and one run for bib-dedupe (it takes tens of seconds per set).

Which sets were used to tune the scorer: see ``TUNED_ON`` (the others confirm).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = Path(os.environ.get("SYSREVIEW_SHARED", ROOT.parent / "shared")) / "data" / "benchmarks"
BIB = DATA / "bib-dedupe-dedup"
DIABETES = DATA / "asysd" / "labelled_test_set_diabetes.csv.gz"
LABELLED = ("special_cases", "stroke", "haematology", "respiratory", "cytology_screening", "diabetes", "digital_work")
SYNTHETIC_SEEDS = (11, 12)
SYNTHETIC_ARTICLES = 2000
REPEAT = 3
#: sets looked at while writing and tuning the rules; the rest were run only to confirm (see the notes in the report)
TUNED_ON = ("stroke", "respiratory", "cytology_screening", "digital_work", "synthetic seeds 1-4")


def pairs_of(groups: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:
        out.update(itertools.combinations(sorted(set(group)), 2))
    return out


def evaluate(
    ids: Sequence[str], truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], retained: Iterable[str]
) -> dict[str, Any]:
    """Pairwise and record-level (bib-dedupe's convention) counts and rates."""
    true_pairs, found = pairs_of(truth), pairs_of(g for g in predicted if len(g) > 1)
    tp, fp, fn = len(true_pairs & found), len(found - true_pairs), len(true_pairs - found)
    kept = set(retained)
    in_truth = {i for g in truth for i in g}
    rec = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for i in ids:
        if i not in in_truth:
            rec["TN" if i in kept else "FP"] += 1
    for group in truth:
        k = sum(1 for i in group if i in kept)
        if k == 0:
            rec["FP"] += 1
            rec["TP"] += len(group) - 1
        else:
            rec["TN"] += 1
            rec["FN"] += k - 1
            rec["TP"] += len(group) - k
    return {
        "true_pairs": len(true_pairs),
        "pair_tp": tp,
        "false_merges": fp,
        "pair_fn": fn,
        "pair_precision": tp / (tp + fp) if tp + fp else 1.0,
        "pair_recall": tp / (tp + fn) if tp + fn else 1.0,
        "record_tp": rec["TP"],
        "record_fp": rec["FP"],
        "record_fn": rec["FN"],
        "record_tn": rec["TN"],
        "record_precision": rec["TP"] / (rec["TP"] + rec["FP"]) if rec["TP"] + rec["FP"] else 1.0,
        "record_recall": rec["TP"] / (rec["TP"] + rec["FN"]) if rec["TP"] + rec["FN"] else 1.0,
    }


def truth_of(name: str) -> list[list[str]]:
    lines = (BIB / name / "merged_record_ids.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.strip().strip('"').split(";") for line in lines if line.strip()]


def source_of(name: str) -> Path:
    if name == "diabetes":
        return DIABETES
    return next((BIB / name).glob("records_pre_merged.csv*"))


def diabetes_id(record_id: str) -> str:
    return f"id_{int(record_id):07d}"


def run_sysreview(name: str) -> tuple[float, list[str], list[list[str]], list[str], dict[str, Any]]:
    from sysreview.dedup import dedup
    from sysreview.records import read

    def once() -> Any:
        encoding = "latin-1" if name == "diabetes" else None
        records = read(source_of(name), encoding=encoding, on_issue="collect")
        return records, dedup(records)

    best, out = float("inf"), None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = once()
        best = min(best, time.perf_counter() - t0)
    assert out is not None
    records, result = out
    rename: Callable[[str], str] = diabetes_id if name == "diabetes" else str
    ids = [rename(r.id) for r in records]
    groups = [[rename(i) for i in g.record_ids] for g in result.groups]
    retained = [rename(g.canonical) for g in result.groups]
    extra = {"review": len(result.review), "links": len(result.links), "candidates": result.n_candidates}
    return best, ids, groups, retained, extra


def run_bib_dedupe(name: str) -> tuple[float, list[list[str]], list[str]]:
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    t0 = time.perf_counter()
    if name == "diabetes":
        frame = pd.read_csv(DIABETES, encoding="latin-1", dtype=str)
        frame["ID"] = frame["record_id"].map(diabetes_id)
        frame["ENTRYTYPE"] = "article"
    else:
        frame = pd.read_csv(source_of(name), dtype=str)
    matched = match(block(prep(frame, verbosity_level=0), verbosity_level=0), verbosity_level=0)
    duplicates = matched[matched["duplicate_label"] == "duplicate"] if len(matched) else matched
    clusters = [sorted(c) for c in cluster(duplicates, verbosity_level=0)] if len(duplicates) else []
    seconds = time.perf_counter() - t0
    clustered = {i for c in clusters for i in c}
    retained = [c[0] for c in clusters] + [i for i in frame["ID"] if i not in clustered]
    return seconds, clusters, retained


def run_synthetic(seed: int) -> dict[str, Any]:
    from sysreview.dedup import dedup
    from sysreview.dedup._synthetic import two_database_search

    search = two_database_search(SYNTHETIC_ARTICLES, seed=seed)
    t0 = time.perf_counter()
    result = dedup(search.records)
    seconds = time.perf_counter() - t0
    ids = [r.id for r in search.records]
    metrics = evaluate(ids, search.groups, [g.record_ids for g in result.groups], [g.canonical for g in result.groups])
    group = dict(zip(ids, result.group_ids, strict=True))
    merged = [(a, b, kind) for a, b, kind in search.near_misses if group[a] == group[b]]
    return {
        "set": f"synthetic seed {seed}",
        "records": len(ids),
        "seconds": seconds,
        "near_misses": len(search.near_misses),
        "near_misses_merged": len(merged),
        **metrics,
    }


def run_scale(n_articles: int = 55_000) -> dict[str, Any]:
    from sysreview.dedup import dedup
    from sysreview.dedup._synthetic import two_database_search

    search = two_database_search(n_articles, seed=7)
    t0 = time.perf_counter()
    result = dedup(search.records)
    seconds = time.perf_counter() - t0
    ids = [r.id for r in search.records]
    metrics = evaluate(ids, search.groups, [g.record_ids for g in result.groups], [g.canonical for g in result.groups])
    load = os.getloadavg()[0]
    return {"records": len(ids), "seconds": seconds, "load": load, "candidates": result.n_candidates, **metrics}


def fmt(x: float) -> str:
    return f"{x:.4f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip bib-dedupe on digital_work and the 100k timing")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for name in LABELLED:
        seconds, ids, groups, retained, extra = run_sysreview(name)
        ours = evaluate(ids, truth_of(name), groups, retained)
        row: dict[str, Any] = {"set": name, "records": len(ids), "sysreview": {**ours, "seconds": seconds, **extra}}
        if not (args.quick and name == "digital_work"):
            b_seconds, b_groups, b_retained = run_bib_dedupe(name)
            theirs = evaluate(ids, truth_of(name), b_groups, b_retained)
            row["bib_dedupe"] = {**theirs, "seconds": b_seconds}
            row["speed_ratio"] = b_seconds / seconds
        rows.append(row)
        print(name, json.dumps(row, default=str)[:300], file=sys.stderr)
    synthetic = [run_synthetic(seed) for seed in SYNTHETIC_SEEDS]
    scale = None if args.quick else run_scale()

    lines = [
        "# Deduplication benchmark (issue 4)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        "`benchmarks/dedup.py`. Time: wall clock from the file to the groups (reading included); sysreview best of "
        f"{REPEAT}, bib-dedupe one run. Pairwise: pairs of records in one group; record level: bib-dedupe's "
        "`compare_dedupe_id` convention. False merges = predicted pairs that are not true pairs.",
        "",
        "| set | records | true pairs | tool | pair precision | pair recall | false merges | record precision "
        "| record recall | seconds | speed ratio |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for tool in ("sysreview", "bib_dedupe"):
            if tool not in row:
                continue
            m = row[tool]
            ratio = f"{row['speed_ratio']:.1f}×" if tool == "sysreview" and "speed_ratio" in row else ""
            lines.append(
                f"| {row['set']} | {row['records']} | {m['true_pairs']} | {tool.replace('_', '-')} "
                f"| {fmt(m['pair_precision'])} | {fmt(m['pair_recall'])} | {m['false_merges']} "
                f"| {fmt(m['record_precision'])} | {fmt(m['record_recall'])} | {m['seconds']:.2f} | {ratio} |"
            )
    lines += [
        "",
        "## Synthetic two-database search (near misses included)",
        "",
        "| set | records | true pairs | pair precision | pair recall | false merges | near misses | near misses merged "
        "| seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in synthetic:
        lines.append(
            f"| {s['set']} | {s['records']} | {s['true_pairs']} | {fmt(s['pair_precision'])} | {fmt(s['pair_recall'])} "
            f"| {s['false_merges']} | {s['near_misses']} | {s['near_misses_merged']} | {s['seconds']:.2f} |"
        )
    if scale is not None:
        lines += [
            "",
            "## Scale",
            "",
            f"{scale['records']:,} records (synthetic, seed 7): {scale['seconds']:.1f} s wall clock on this machine "
            f"(default n_jobs: two forked processes; load average {scale['load']:.1f} from other jobs during the run), "
            f"{scale['candidates']:,} candidate pairs; pair precision {fmt(scale['pair_precision'])}, recall "
            f"{fmt(scale['pair_recall'])}, {scale['false_merges']} false merges.",
        ]
    lines += [
        "",
        "## Notes",
        "",
        f"- Rules and thresholds were written while looking at: {', '.join(TUNED_ON)}. Haematology, diabetes, "
        "special_cases and synthetic seeds 11-12 were run to confirm; after the first confirmation run (haematology "
        "126/163 pairs, diabetes 2528/2555, special_cases 1/3, all with 0 false merges) three general "
        "fixes were made that they exposed (a numbered-title veto, Embase `(Journal (year) vol (pages))` errata, "
        "`Journal. Conference: …` venues).",
        "- By design sysreview never merges an erratum, correction, retraction notice or reply with its article, and "
        "never merges different DOIs; haematology's ground truth puts several such pairs (and adult/adolescent "
        "trial registrations) in one group, which caps its recall. These pairs are linked or queued for review.",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dedup.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / "dedup.json").write_text(
        json.dumps({"labelled": rows, "synthetic": synthetic, "scale": scale}, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
