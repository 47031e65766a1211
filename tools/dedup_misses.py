"""Every missed true pair (and every false merge) of sysreview's dedup on the labelled benchmark sets, side by side.

Run: ``.venv/bin/python tools/dedup_misses.py [SET …] [--out FILE]``. For each missed pair: whether blocking made it
a candidate, the scorer's verdict, score and reason (a veto, the uncertain band, or distinct), whether a confident
pair was refused by the group check, and both records' title, authors, year, venue, volume, issue, pages, type.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from dedup import LABELLED, diabetes_id, pairs_of, run_bib_dedupe, source_of, truth_of  # noqa: E402
from sysreview.dedup import candidate_pairs, compare, dedup, features_of  # noqa: E402
from sysreview.records import Record, read  # noqa: E402


def describe(record: Record) -> str:
    authors = "; ".join(record.authors[:4]) + (" …" if len(record.authors) > 4 else "")
    venue = record.journal or (record.get("booktitle") or ("",))[0]
    return (
        f"    [{record.id}] {record.title}\n"
        f"        {authors} | {record.year} | {venue} | v={record.volume} n={record.issue} p={record.pages} "
        f"| {record.type} | doi={record.doi}"
    )


def bib_dedupe_pairs(name: str, cache: Path | None) -> set[tuple[str, str]] | None:
    """The pairs bib-dedupe puts in one group (``None`` without ``--bib-dedupe``); runs are cached in ``cache``."""
    if cache is None:
        return None
    stored: dict[str, list[list[str]]] = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    if name not in stored:
        stored[name] = run_bib_dedupe(name)[1]
        cache.write_text(json.dumps(stored), encoding="utf-8")
    return pairs_of(stored[name])


def analyse(name: str, cache: Path | None = None) -> list[str]:
    encoding = "latin-1" if name == "diabetes" else None
    records = read(source_of(name), encoding=encoding, on_issue="collect")
    rename = diabetes_id if name == "diabetes" else str
    by_id = {rename(r.id): k for k, r in enumerate(records)}
    result = dedup(records)
    feats = [features_of(r) for r in records]
    candidates = candidate_pairs(feats)
    truth = pairs_of(truth_of(name))
    found = pairs_of([rename(i) for i in g.record_ids] for g in result.groups if g.size > 1)
    theirs = bib_dedupe_pairs(name, cache)
    out = [f"## {name}: {len(truth & found)}/{len(truth)} true pairs found, {len(found - truth)} false merges", ""]
    if theirs is not None:
        out[0] += f" (bib-dedupe: {len(truth & theirs)}/{len(truth)}, {len(theirs - truth)} false merges)"
    for label, pairs in (("MISSED", sorted(truth - found)), ("FALSE MERGE", sorted(found - truth))):
        for x, y in pairs:
            i, j = by_id[x], by_id[y]
            a, b = feats[i], feats[j]
            c = compare(a, b) if a.id <= b.id else compare(b, a)
            key = (i, j) if i < j else (j, i)
            where = "candidate" if key in candidates else "NOT A CANDIDATE"
            if c.verdict == "duplicate" and result.group_ids[i] != result.group_ids[j]:
                where += ", confident but refused by the group check"
            elif result.group_ids[i] == result.group_ids[j]:
                where += ", same group"
            veto = " VETO" if c.veto else ""
            if theirs is not None:
                where += "; bib-dedupe: " + ("merged" if (x, y) in theirs else "not merged")
            out.append(f"- {label} {x} ~ {y}: {where}; {c.verdict}{veto} {c.score:.3f}: {c.reason}")
            out.append(describe(records[i]))
            out.append(describe(records[j]))
        out.append("")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=list(LABELLED))
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--bib-dedupe",
        type=Path,
        metavar="CACHE",
        help="also say whether bib-dedupe merged each pair (runs cached here)",
    )
    args = parser.parse_args()
    lines = [line for name in args.sets for line in analyse(name, args.bib_dedupe)]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
