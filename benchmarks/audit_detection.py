"""Detection rate of each audit check on synthetic reviews with one injected error.

Usage::

    .venv/bin/python benchmarks/audit_detection.py            # 200 reviews per check, seed 2024
    .venv/bin/python benchmarks/audit_detection.py --n 50 --seed 7 --jobs 2 --json out/audit_detection.json

For every check, ``--n`` synthetic reviews are drawn (``sysreview.audit._synthetic``: 4-9 randomised trials with
arm data, per-study and pooled effects, subgroups, RoB 2, PRISMA flow, all computed by sysreview and rounded as a
journal prints them), one error of that check's kind is injected, and the audit is run. Two kinds of injection:

- *realistic*: errors of the kinds and sizes found in published reviews (a digit changed or swapped, a decimal
  point moved, a lost minus sign, an SE taken for an SD, a shift of up to 0.5 SMD, a random p-value or judgement).
  Some fall within the stated tolerance by design (an SMD 0.05 off is below Gøtzsche's 0.1; a random
  judgement may be the right one), so the detection rate is below 100% for those checks, and says how often an
  error of that kind is large enough to be caught.
- *strong*: an error beyond every tolerance; the audit must report it, and nothing else ("exact").

Columns: ``detected`` — the intended check reported it; ``any`` — some check did, or the claims were rejected as
invalid input; ``rejected`` — the slip made the claims invalid (a p-value above 1, a percentage above 100), which
``sysreview audit`` refuses with exit code 2; ``exact`` (strong) — the findings came from the intended check only. ``clean`` is the share of error-free reviews with no finding.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sysreview.audit import CHECKS, audit, parse_claims
from sysreview.audit._synthetic import claims_document, draw_review, inject
from sysreview.errors import InputError


def _row(check: str, index: int, n: int, seed: int) -> dict[str, float]:
    """Detection of one check over ``n`` realistic and ``n`` strong injections."""
    counts = {"detected": 0, "any": 0, "rejected": 0, "strong_detected": 0, "strong_exact": 0}
    for i in range(n):
        for strong in (False, True):
            rng = np.random.default_rng([seed, index, i, int(strong)])
            review = draw_review(rng)
            doc = inject(check, review, rng, strong=strong)
            try:
                found = {f.check for f in audit(parse_claims(doc, file="synthetic")).findings}
            except InputError:  # the slip made the claims invalid (a p-value above 1 …): rejected on input
                counts["rejected"] += 1
                counts["any"] += not strong
                continue
            if strong:
                counts["strong_detected"] += check in found
                counts["strong_exact"] += found == {check}
            else:
                counts["detected"] += check in found
                counts["any"] += bool(found)
    return {key: value / n for key, value in counts.items()}


def _clean(n: int, seed: int) -> float:
    clean = 0
    for i in range(n):
        review = draw_review(np.random.default_rng([seed, 999, i]))
        clean += audit(parse_claims(claims_document(review), file="synthetic")).ok
    return clean / n


def run(n: int, seed: int, jobs: int = 1) -> dict[str, object]:
    checks = list(CHECKS)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_row, check, index, n, seed) for index, check in enumerate(checks)]
        clean = pool.submit(_clean, n, seed)
        rows = {check: future.result() for check, future in zip(checks, futures, strict=True)}
        return {"n": n, "seed": seed, "checks": rows, "clean": clean.result()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="synthetic reviews per check and kind (default 200)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = run(args.n, args.seed, args.jobs)
    elapsed = time.perf_counter() - start
    rows = result["checks"]
    assert isinstance(rows, dict)
    print(f"{'check':<20} {'realistic: detected':>20} {'any':>7} {'rejected':>9} {'strong: detected':>17} {'exact':>7}")
    for check, row in rows.items():
        print(
            f"{check:<20} {row['detected']:>20.1%} {row['any']:>7.1%} {row['rejected']:>9.1%} "
            f"{row['strong_detected']:>17.1%} {row['strong_exact']:>7.1%}"
        )
    print(
        f"clean reviews without findings: {result['clean']:.1%}  (n = {args.n} per row, seed {args.seed}, "
        f"{elapsed:.0f} s)"
    )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
