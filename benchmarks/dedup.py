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
#: sets looked at while writing and tuning the first rules; the rest were run only to confirm (see the notes)
TUNED_ON = ("stroke", "respiratory", "cytology_screening", "digital_work", "synthetic seeds 1-4")
#: true pairs of the ground truth that issue 4's rules refuse to merge (the records are different items)
REFUSED_BY_DESIGN: dict[str, list[tuple[str, str]]] = {
    "haematology": [
        # reply ("… - Reply", 19(8):945) and the letter it answers (19(8):943-944, and 943-945 "(multiple letters)")
        *[(a, b) for a in ("id_0000008", "id_0000009") for b in ("id_0000039", "id_0000040")],
        # erratum notice N Engl J Med 360(23):2487 (Embase and WoS forms) and the article 360(5):542-544
        *[(a, b) for a in ("id_0000057", "id_0000058") for b in ("id_0000063", "id_0000064", "id_0000065")],
        ("id_0000161", "id_0000162"),  # article 85(8):553-559 and its erratum "(vol 85, pg 553, 2010)" 85(11):911
        # article 104(1):240-245 and "Erratum: …" 104(25)
        *[(a, "id_0001173") for a in ("id_0000175", "id_0000190", "id_0000191")],
        # article Am J Transplant 9(5):1223-1229 and two errata printed under its title, 9(9):2205 and 9(11):2647
        # (linked to the article as probable errata; the two errata are queued)
        *[(a, b) for a in ("id_0000052", "id_0000117") for b in ("id_0000807", "id_0000808")],
        ("id_0000807", "id_0000808"),
        # congress abstract (Pediatr Nephrol 25(9):1875, 22(9):1514: IPNA congress issues) and the full paper
        ("id_0000128", "id_0000129"),
        ("id_0000220", "id_0000221"),
        (
            "id_0000134",
            "id_0000135",
        ),  # one abstract in two journals' congress supplements (Br J Haematol, Haematologica)
        # trial registrations: adult / adolescent patients, plasma therapy-sensitive / -resistant: four trials
        *[(a, b) for a, b in itertools.combinations(("id_0000234", "id_0000235", "id_0000236", "id_0000237"), 2)],
        ("id_0000245", "id_0000246"),
    ],
    "diabetes": [
        # same title in Appetite 59 Suppl 1 e24, DOIs 10.1016/j.appet.2012.05.003 and 10.1016/j.regpep.2012.05.039
        *[(a, b) for a in ("id_0000599", "id_0001347") for b in ("id_0001610", "id_0001782")],
    ],
    "digital_work": [
        ("id_1000218", "id_1000339"),  # "Guest Editorial …" 11(4):273-276 and "Editorial" 11(4):271: different DOIs
        ("id_1003663", "id_1003664"),  # J Inf Technol 24(1):46-54 (2009) and 25(1):56-64 (2010): different DOIs
        ("id_1005082", "id_1005083"),  # article and "Erratum to - …"
    ],
    "stroke": [
        ("id_0000428", "id_0000429"),  # one abstract in Can J Neurol Sci 37(3):S42 and in Stroke 41(7):e505
    ],
    "respiratory": [
        # Cochrane review versions 2008 and 2012 (years four apart)
        ("id_0000418", "id_0000420"),
        ("id_0000419", "id_0000420"),
        # PLoS ONE article and a J Clin Oncol meeting abstract of the same title (other authors list)
        ("id_0000049", "id_0000893"),
        ("id_0000050", "id_0000893"),
    ],
}


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
        refused = set(REFUSED_BY_DESIGN.get(name, []))
        row["refused_found"] = len(refused & pairs_of(groups))
        if not (args.quick and name == "digital_work"):
            b_seconds, b_groups, b_retained = run_bib_dedupe(name)
            theirs = evaluate(ids, truth_of(name), b_groups, b_retained)
            row["bib_dedupe"] = {**theirs, "seconds": b_seconds}
            row["bib_dedupe_refused_found"] = len(refused & pairs_of(b_groups))
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
    refused = REFUSED_BY_DESIGN
    # the speed ratios of the sets with more than a few records (special_cases takes milliseconds)
    speeds = [row["speed_ratio"] for row in rows if "speed_ratio" in row and row["records"] > 100]
    ratios = f"{min(speeds):.0f}-{max(speeds):.0f}×" if speeds else "not measured"
    lines += [
        "",
        "## Pairs refused by design",
        "",
        "The ground truth puts these pairs in one group; issue 4 says they are different items (an erratum, reply or "
        "trial registration and another record; a congress abstract and the full paper; different DOIs; review "
        "versions years apart), so sysreview links them (errata, replies) or queues them for review, never merges. "
        "Recall on the remaining true pairs:",
        "",
        "| set | refused pairs | sysreview | bib-dedupe |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        pairs = refused.get(row["set"], [])
        if not pairs:
            continue
        ours, theirs = row["sysreview"], row.get("bib_dedupe")
        rest = ours["true_pairs"] - len(pairs)
        theirs_text = (
            f"{theirs['pair_tp'] - row['bib_dedupe_refused_found']}/{rest}" if theirs is not None else "not run"
        )
        lines.append(
            f"| {row['set']} | {len(pairs)} | {ours['pair_tp'] - row['refused_found']}/{rest} | {theirs_text} |"
        )
    lines += [""]
    for name, pairs in refused.items():
        lines.append(f"- {name}: " + ", ".join(f"{a}~{b}" for a, b in pairs))
    lines += [
        "",
        "## Notes",
        "",
        f"- First round: rules and thresholds were written while looking at {', '.join(TUNED_ON)}; haematology, "
        "diabetes, special_cases and synthetic seeds 11-12 were run to confirm (haematology 126/163 pairs, diabetes "
        "2528/2555, special_cases 1/3, all with 0 false merges), then three general fixes were made that they exposed "
        "(a numbered-title veto, Embase `(Journal (year) vol (pages))` errata, `Journal. Conference: …` venues).",
        "- Recall round: every missed true pair of **every** labelled set, haematology, diabetes and "
        "special_cases included, was listed beside the other record with the scorer's reason and bib-dedupe's "
        "decision (`tools/dedup_misses.py --bib-dedupe CACHE`) and classified; so no labelled set is a hold-out any "
        "more: only synthetic seeds 11-12 (and the hidden two-database export) confirm. Rules added, each with a "
        "must-merge and a must-not-merge regression test of real record pairs (`tests/dedup/test_rules.py`): "
        "proceedings matched by their name without edition, year, place and theme or by an acronym (`Amcis 2017 "
        "Proceedings` ~ Americas Conference on Information Systems; a longer conference name is another conference); "
        "a conference paper dated by the conference and by the proceedings (±1 year, same title, authors, "
        "conference); the same page range in differently named proceedings; a one-word title change with the same "
        "proceedings and page range; given name and surname swapped (`Andrea, C.` ~ `Carignani, Andrea`); the "
        "citation a Web of Science or Embase erratum carries cut from its title (the two forms of one erratum merge, "
        "the erratum is still only linked to its article); thousands separators (`10 000` = `10000`); a record with "
        "its cells shifted one place; a supplement number in the volume field; a translated title with two or more "
        "authors, the journal, volume and a multi-page range agreeing; a short main title with the same venue, year "
        "and page range; ISO 4 journal abbreviations dropping French/Spanish/German articles (`d'`, `et`, `fur`); "
        "BibTeX-style `booktitle` columns mapped to the venue.",
        "- Closing round (this table): the same listing again for every labelled set (all of them had already been "
        "inspected in the recall round) and a before/after diff of the decision on every candidate pair of all seven "
        "labelled sets and synthetic seeds 1-4 and 11-12: 3 more true pairs merged, no new false merge, no near miss "
        "merged. Changes, each with must-merge (or must-link/must-queue) and must-not regression tests of real record "
        "pairs: the protocol veto now fires only on the forms that mark a protocol publication (study/trial/review "
        "protocol, `Protocol for …`, `…: a protocol for …`, `(Protocol)`, design/rationale and protocol, rationale "
        "and design, the Cochrane `Protocol` entry type), not on a results paper naming a protocol (`treatment "
        "protocol of Essen University Hospital`; every title with `protocol` in every labelled set was checked: the "
        "ones that lose the cue are results papers or methods papers); a volume equal to the record's year (±1) "
        "against a volume number in the same journal is no volume conflict (Harvard Business Review `2016` ~ 94; in "
        "two journals, e.g. Hindawi's year-numbered volumes, it still is); a column heading of one to three words "
        "cut off by an ellipsis before the title gives the rest as another title (`How did it ... Upwork's CEO …`; "
        "not a citation, not a longer head); a database note cut short after another note is cut from the title "
        "(`….[Erratum appears in …].[Erratum`); a one-page item in a later issue of the same volume of the same "
        "journal, after the other record's multi-page range, under the same title with the authors agreeing, is "
        "linked to it as a probable erratum (Am J Transplant 9(9):2205 and 9(11):2647 to 9(5):1223-1229; never "
        "merged); the same authors (three or more) in the same journal and year under a changed title, and two "
        "titles (translations) on the same multi-page range of one journal volume with no authors in one record, "
        "are queued for review instead of dropped as distinct. The erratum link also found two pairs the ground "
        "truth keeps apart and that are errata of their articles: haematology id_0000706~id_0001374 (Pediatr Nephrol "
        "26(8):1355-1356 and 26(9):1598, the author names corrected) and id_0001122~id_0001125 (Hum Mol Genet "
        "14(5):703-712, whose MEDLINE title carries `[Erratum appears in Hu…`, and 14(8):1107).",
        "- Remaining misses that are not refused by design, all in the review queue (none dropped as distinct): "
        "haematology id_0000818~id_0000819 (an NEJM letter retitled between versions, one record without volume and "
        "pages: queued as retitled), id_0001188~id_0001189 (one congress abstract with first page 22 and 52 in the "
        "same volume: the pages conflict, so a person decides); stroke id_0000009~id_0000010 (a thesis, 2011, and "
        "its Dissertation Abstracts entry, 2012: the same work but two publications, kept apart on purpose); "
        "respiratory id_0000009/11~id_0000010 (Aizheng 28(11):1324-1327 and its English edition Chinese Journal of "
        "Cancer 28:84-87: the same study in two editions of a journal, kept apart on purpose), "
        "id_0000091/92~id_0000799 (two translations of the title on Dtsch Med Wochenschr 109:935-940, no authors in "
        "one: now queued, was dropped as distinct), id_0000560~id_0000561 (Cochrane CD006273 under two titles in "
        "2008: possibly two versions of the review, queued).",
        "- Timings are wall clock on a shared 2-core machine with other jobs running, and bib-dedupe's in particular "
        "move with the load: an earlier table (a busier machine) had it at 18.9 s on stroke and 139.8 s on "
        f"digital_work, this run at the times shown, so the speed ratios ({ratios} here, 12-32× and 14-26× in the "
        "two previous tables) are noisy.",
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
