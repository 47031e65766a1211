"""Issue 9 benchmark: batch meta-analysis against PyMARE and R metafor, side by side in one run.

Run: ``.venv/bin/python benchmarks/batch.py`` (installs nothing; R metafor must be installed — Debian's
``r-cran-metafor`` — and PyMARE from PyPI; ``make bench-batch`` installs both). Writes
``benchmarks/results/batch.md`` and ``batch.json``. Every figure is measured in this run on this machine and reported
as a ratio to the peer; timings are the best of several repetitions (wall clock).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SEED = 20261125


def best_of(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def simulate(B: int, k: int | np.ndarray, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Long-format data: B meta-analyses, k studies each (or ragged ks), true τ² = 0.05."""
    rng = np.random.default_rng(seed)
    ks = np.full(B, k) if np.isscalar(k) else np.asarray(k)
    group = np.repeat(np.arange(B), ks)
    vi = rng.uniform(0.01, 0.2, group.size)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    return yi, vi, group


def run_r(script: str) -> dict[str, Any]:
    """Run an R script that prints one JSON line."""
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(script)
        path = fh.name
    out = subprocess.run(["Rscript", path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_matrix(path: Path, yi: np.ndarray, vi: np.ndarray, group: np.ndarray) -> None:
    np.savetxt(path, np.column_stack([group, yi, vi]), delimiter=",", header="g,yi,vi", comments="", fmt="%.17g")


# ----------------------------------------------------------------------------------------------------- sections
def reml_knha(report: dict[str, Any]) -> None:
    from sysreview.models import fit_groups

    B, k = 20_000, 20
    yi, vi, group = simulate(B, k)
    ours_t, ours = best_of(lambda: fit_groups(yi, vi, group, method="REML", test="knha"))

    import warnings

    from pymare.estimators import VarianceBasedLikelihoodEstimator

    Y = yi.reshape(B, k).T
    V = vi.reshape(B, k).T

    def pymare_fit() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = VarianceBasedLikelihoodEstimator(method="REML")
            est.fit(y=Y, v=V, X=np.ones((k, 1)))
            return est.summary().get_fe_stats()

    pymare_t, pymare = best_of(pymare_fit)

    # metafor: a loop over rma() as users run it (default settings), on the first n analyses
    n_r = 1000
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "d.csv"
        write_matrix(data, yi[: n_r * k], vi[: n_r * k], group[: n_r * k])
        r = run_r(
            textwrap.dedent(f"""
            suppressMessages(library(metafor)); suppressMessages(library(jsonlite))
            d <- read.csv("{data}"); g <- split(d, d$g)
            fails <- 0
            t0 <- proc.time()[["elapsed"]]
            for (x in g) tryCatch(rma(x$yi, x$vi, method = "REML", test = "knha"),
                                  error = function(e) fails <<- fails + 1)
            t1 <- proc.time()[["elapsed"]]
            est <- sapply(g, function(x) {{ r <- tryCatch(rma(x$yi, x$vi, method = "REML", test = "knha",
                     control = list(threshold = 1e-12, maxiter = 10000)), error = function(e) NULL)
                     if (is.null(r)) c(NA, NA, NA, NA) else c(r$b[1], r$se, r$tau2, r$ci.lb) }})
            cat(toJSON(list(seconds = t1 - t0, n = length(g), fails = fails, est = est[1, ], se = est[2, ],
                            tau2 = est[3, ], ci_lb = est[4, ]), digits = NA, auto_unbox = TRUE, na = "null"), "\\n")
        """)
        )
    r_per_fit = r["seconds"] / r["n"]
    ours_per_fit = ours_t / B
    agree = {}
    for name, ours_col in (
        ("estimate", ours.estimate),
        ("se", ours.se),
        ("tau2", ours.tau2),
        ("ci_lower", ours.ci_lower),
    ):
        ref = np.array(
            [
                np.nan if x is None else x
                for x in r[{"estimate": "est", "se": "se", "tau2": "tau2", "ci_lower": "ci_lb"}[name]]
            ],
            dtype=float,
        )
        mine = ours_col[: r["n"]]
        # relative difference, except at the boundary τ² = 0 where metafor stops within its threshold of 0
        ok = np.isfinite(ref) & (np.abs(ref) > 1e-10)
        agree[name] = float(np.max(np.abs(mine[ok] - ref[ok]) / np.abs(ref[ok])))
        near_zero = np.isfinite(ref) & (np.abs(ref) <= 1e-10)
        if near_zero.any():
            agree[name + "_abs_at_zero"] = float(np.max(np.abs(mine[near_zero] - ref[near_zero])))
    agree["metafor_not_converged_at_1e-12"] = int(sum(x is None for x in r["tau2"]))
    pymare_est = np.asarray(pymare["est"]).ravel()
    report["reml_knha"] = {
        "analyses": B,
        "k": k,
        "ours_seconds": ours_t,
        "ours_us_per_fit": 1e6 * ours_per_fit,
        "pymare_seconds": pymare_t,
        "ratio_vs_pymare": pymare_t / ours_t,
        "metafor_ms_per_fit": 1e3 * r_per_fit,
        "metafor_fits_timed": r["n"],
        "metafor_failures_default_settings": r["fails"],
        "ratio_vs_metafor_per_fit": r_per_fit / ours_per_fit,
        "max_rel_diff_vs_metafor_threshold_1e-12": agree,
        "max_abs_diff_estimate_vs_pymare": float(np.max(np.abs(pymare_est - ours.estimate))),
        "ours_converged": int(ours.converged.sum()),
    }


def ragged(report: dict[str, Any]) -> None:
    from sysreview.models import fit_groups

    rng = np.random.default_rng(SEED + 1)
    ks = rng.integers(5, 51, size=20_000)
    yi, vi, group = simulate(ks.size, ks)
    t, _ = best_of(lambda: fit_groups(yi, vi, group, method="REML", test="knha"))
    report["ragged_k_5_50"] = {"analyses": int(ks.size), "studies": int(ks.sum()), "ours_seconds": t,
                               "ours_us_per_fit": 1e6 * t / ks.size}  # fmt: skip


def gosh_and_permutations(report: dict[str, Any]) -> None:
    from sysreview.diagnostics import gosh
    from sysreview.models import permutation_test, rma

    yi, vi, _ = simulate(1, 16, seed=SEED + 2)
    fit = rma(yi, vi, method="DL")
    ours_t, res = best_of(lambda: gosh(fit), repeat=2)
    n_r = 10_000
    x = np.random.default_rng(SEED + 3).normal(size=20)
    y20, v20, _ = simulate(1, 20, seed=SEED + 4)
    y20 = y20 + 0.1 * x
    meta_reg = rma(y20, v20, mods=x, mod_names=["x"], method="REML")
    perm_t, _ = best_of(lambda: permutation_test(meta_reg, iterations=1000, seed=1), repeat=2)
    r = run_r(
        textwrap.dedent(f"""
        suppressMessages(library(metafor)); suppressMessages(library(jsonlite))
        yi <- c({", ".join(map(repr, yi.tolist()))}); vi <- c({", ".join(map(repr, vi.tolist()))})
        res <- rma(yi, vi, method = "DL")
        set.seed(1)
        t0 <- proc.time()[["elapsed"]]; g <- gosh(res, subsets = {n_r}, progbar = FALSE); t1 <- proc.time()[["elapsed"]]
        y20 <- c({", ".join(map(repr, y20.tolist()))}); v20 <- c({", ".join(map(repr, v20.tolist()))})
        x <- c({", ".join(map(repr, x.tolist()))})
        mr <- rma(y20, v20, mods = ~ x, method = "REML")
        t2 <- proc.time()[["elapsed"]]; p <- permutest(mr, iter = 1000, progbar = FALSE); t3 <- proc.time()[["elapsed"]]
        cat(toJSON(list(gosh_seconds = t1 - t0, gosh_fits = nrow(g$res), perm_seconds = t3 - t2), digits = NA, auto_unbox = TRUE, na = "null"), "\\n")
    """)
    )
    r_gosh_per_fit = r["gosh_seconds"] / r["gosh_fits"]
    report["gosh_k16_dl"] = {
        "ours_fits": int(res.estimate.size),
        "ours_seconds": ours_t,
        "metafor_fits_timed": r["gosh_fits"],
        "metafor_seconds_timed": r["gosh_seconds"],
        "metafor_seconds_for_65535_extrapolated": r_gosh_per_fit * 65_535,
        "ratio_vs_metafor": r_gosh_per_fit * 65_535 / ours_t,
    }
    report["permutation_1000"] = {
        "ours_seconds": perm_t,
        "metafor_seconds": r["perm_seconds"],
        "ratio_vs_metafor": r["perm_seconds"] / perm_t,
    }


def million_memory(report: dict[str, Any]) -> None:
    code = textwrap.dedent("""
        import resource, time, numpy as np, json
        from sysreview.models import fit_groups
        B, k = 1_000_000, 20
        rng = np.random.default_rng(1)
        group = np.repeat(np.arange(B, dtype=np.int32), k)
        vi = rng.uniform(0.01, 0.2, B * k)
        yi = rng.normal(0.3, np.sqrt(vi + 0.05))
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter(); r = fit_groups(yi, vi, group, method="REML"); t = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"seconds": t, "peak_rss_mb": peak / 1024, "input_rss_mb": base / 1024,
                          "converged": int(r.converged.sum())}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report["million_k20_reml"] = json.loads(out.stdout.strip().splitlines()[-1])


def startup(report: dict[str, Any]) -> None:
    exe = shutil.which("sysreview", path=str(Path(sys.executable).parent)) or "sysreview"
    yi, vi, _ = simulate(1, 20, seed=SEED + 5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "meta.csv"
        np.savetxt(path, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="")

        # as installed: pip compiles the package to bytecode, so the timed processes may read and write a bytecode
        # cache (this sandbox sets PYTHONDONTWRITEBYTECODE, which would make every run recompile sysreview's sources)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")

        def timed(args: list[str]) -> float:
            subprocess.run(args, capture_output=True, check=True, env=env)  # warm-up: fills the bytecode cache
            runs = []
            for _ in range(7):
                t0 = time.perf_counter()
                subprocess.run(args, capture_output=True, check=True, env=env)
                runs.append(time.perf_counter() - t0)
            return statistics.median(runs)

        report["startup"] = {
            "help_seconds_median": timed([exe, "--help"]),
            "meta_20_studies_seconds_median": timed([exe, "meta", str(path), "--format", "json"]),
        }


def bandwidth(report: dict[str, Any]) -> None:
    """Memory bandwidth of a streaming numpy pass (the physical limit of a kernel that reads y, v per iteration)."""
    a = np.random.default_rng(0).random(50_000_000)
    t, _ = best_of(a.sum, repeat=5)
    report["bandwidth_gb_s_read"] = a.nbytes / t / 1e9


def write_report(report: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    rk, rg, gp, pm = report["reml_knha"], report["ragged_k_5_50"], report["gosh_k16_dl"], report["permutation_1000"]
    mm, su = report["million_k20_reml"], report["startup"]
    bw = report["bandwidth_gb_s_read"]
    # a Newton iteration streams y, v (and writes/reads a few temporaries): ~10 passes of 8 bytes per study
    floor_us = 20 * 8 * 10 * 8 / (bw * 1e9) * 1e6
    lines = [
        "# Batch meta-analysis benchmark (issue 9)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"generated by `benchmarks/batch.py` on {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| task | sysreview | peer | ratio (target) |",
        "|---|---|---|---|",
        f"| REML + Knapp–Hartung, {rk['analyses']:,} × k={rk['k']} | {rk['ours_seconds']:.3f} s "
        f"({rk['ours_us_per_fit']:.1f} µs/fit) | PyMARE {rk['pymare_seconds']:.3f} s | "
        f"{rk['ratio_vs_pymare']:.1f}× (≥ 2×) |",
        f"| same, per fit vs R metafor `rma()` loop | {rk['ours_us_per_fit']:.1f} µs | "
        f"metafor {rk['metafor_ms_per_fit']:.2f} ms ({rk['metafor_fits_timed']} fits timed; "
        f"{rk['metafor_failures_default_settings']} failed to converge) | {rk['ratio_vs_metafor_per_fit']:.0f}× (≥ 300×) |",
        f"| ragged k 5–50, {rg['analyses']:,} analyses ({rg['studies']:,} studies) | {rg['ours_seconds']:.3f} s "
        f"({rg['ours_us_per_fit']:.1f} µs/fit) | — | — |",
        f"| GOSH k=16, DL, 65,535 subsets | {gp['ours_seconds']:.3f} s | metafor `gosh()` "
        f"{gp['metafor_seconds_for_65535_extrapolated']:.1f} s (timed on {gp['metafor_fits_timed']:,} random subsets, "
        f"scaled) | {gp['ratio_vs_metafor']:.0f}× (≥ 20×) |",
        f"| permutation test, 1,000 iterations (REML meta-regression, k=20) | {pm['ours_seconds']:.3f} s | "
        f"metafor `permutest()` {pm['metafor_seconds']:.2f} s | {pm['ratio_vs_metafor']:.0f}× (≥ 20×) |",
        f"| 1,000,000 × k=20, REML | {mm['seconds']:.1f} s, peak RSS {mm['peak_rss_mb']:.0f} MB "
        f"(inputs alone {mm['input_rss_mb']:.0f} MB) | — | ≤ 2,048 MB |",
        f"| `sysreview --help` (whole process) | {su['help_seconds_median']:.3f} s | — | ≤ 0.3 s |",
        f"| `sysreview meta` on 20 studies (whole process) | {su['meta_20_studies_seconds_median']:.3f} s | — | ≤ 0.5 s |",
        "",
        "Agreement with metafor (threshold 1e-12) on the timed analyses, max relative difference: "
        + ", ".join(f"{k} {v:.1e}" for k, v in rk["max_rel_diff_vs_metafor_threshold_1e-12"].items() if "not" not in k)
        + f" (τ² at the boundary: absolute; metafor failed to converge on"
        f" {rk['max_rel_diff_vs_metafor_threshold_1e-12']['metafor_not_converged_at_1e-12']} of them even with"
        " maxiter = 10,000, where sysreview converged)"
        + f". PyMARE's estimates differ from ours by up to {rk['max_abs_diff_estimate_vs_pymare']:.1e} (absolute; its"
        " optimiser stops earlier).",
        "",
        f"Physical limit: a streaming read runs at {bw:.1f} GB/s here; one Newton iteration touches roughly ten"
        f" 8-byte values per study, so 20 studies × ~8 iterations cost at least {floor_us:.2f} µs per fit from memory"
        f" traffic alone — we are at {rk['ours_us_per_fit'] / floor_us:.0f}× that floor (numpy temporaries, the"
        " multimodality check and the start value account for the rest).",
        "",
        "Whole-process times: median of 7 runs after a warm-up, with a bytecode cache as an installed package has"
        " (the warm-up writes it); `sysreview meta` reads a 20-row CSV and prints JSON. Importing scipy.special"
        " goes through `sysreview._special`, which keeps SciPy 1.17's array-API namespace clone from importing"
        " numpy.f2py, numpy.testing and numpy.ma (about 0.1 s).",
    ]
    (RESULTS / "batch.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    report: dict[str, Any] = {}
    for section in (bandwidth, reml_knha, ragged, gosh_and_permutations, million_memory, startup):
        t0 = time.perf_counter()
        section(report)
        print(f"{section.__name__}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    write_report(report)


if __name__ == "__main__":
    main()
