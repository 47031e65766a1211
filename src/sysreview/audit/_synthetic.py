"""Synthetic reviews for testing the audit: clean claims that sysreview computes itself, and injected errors.

:func:`draw_review` draws the "true" state of a small review of randomised trials (arm data, risk of bias, PRISMA
flow); :func:`claims_document` prints it as a claims document, with every reported number computed by sysreview
from the printed data and rounded as a journal would. A clean document must give no finding.

:data:`INJECTIONS` holds, per check, a function that injects one error of that kind. ``strong=True`` gives an
error beyond every tolerance that must produce findings of that check and of no other (the property tests);
``strong=False`` draws an error of realistic size and kind (typos, lost signs, SE taken for SD, small shifts),
some of which are within tolerance by design (the detection benchmark, benchmarks/audit_detection.py).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import stats

from sysreview.appraisal import overall_rule
from sysreview.effects import escalc
from sysreview.models import rma, subgroup_analysis

__all__ = ["INJECTIONS", "Review", "Trial", "claims_document", "draw_review", "inject"]

Doc = dict[str, Any]
_COUNTRIES = ("China", "Korea", "Egypt", "Iran", "Brazil")
_FOLLOW_UP = ("3 months", "6 months", "12 months")
_JUDGEMENTS = ("Low", "Some concerns", "High")


@dataclass(frozen=True)
class Trial:
    """One randomised trial: arm sizes, continuous score (baseline, follow-up, change) and binary response."""

    id: str
    n: tuple[int, int]
    country: str
    intervention: str
    follow_up: str
    age: tuple[str, str]
    male: int
    baseline: tuple[tuple[str, str], tuple[str, str]]  # (mean, sd) per arm, as printed
    followup: tuple[tuple[str, str], tuple[str, str]]
    change: tuple[tuple[str, str], tuple[str, str]]
    events: tuple[int, int]
    rob: tuple[str, ...]
    design: str = "RCT"
    control: str = "Placebo"
    condition: str = "acne scars"
    reported_effect: bool = True


@dataclass(frozen=True)
class Review:
    trials: tuple[Trial, ...]
    prisma: dict[str, int] = field(default_factory=dict)
    item_mean: tuple[int, int] = (0, 1)  # (total score, n) of a mean on an integer scale (GRIM)


def _f(x: float, d: int) -> str:
    text = f"{x:.{d}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def draw_review(rng: np.random.Generator, k: int | None = None) -> Review:
    """A review of ``k`` (default 4-9) randomised trials with distinct arm sizes and printed values."""
    k = int(rng.integers(4, 10)) if k is None else k
    used_sizes: set[int] = set()
    used_values: set[str] = set()
    trials: list[Trial] = []

    def fresh(low: float, high: float) -> str:
        while True:
            text = _f(float(rng.uniform(low, high)), 1)
            if text not in used_values:
                used_values.add(text)
                return text

    for i in range(k):
        sizes = []
        for _ in range(2):
            n = int(rng.integers(12, 121))
            while n in used_sizes:
                n = int(rng.integers(12, 121))
            used_sizes.add(n)
            sizes.append(n)
        n1, n2 = sizes
        effect = float(rng.normal(-8, 4))
        arms_b, arms_f, arms_c = [], [], []
        for arm in range(2):
            b_mean, b_sd = float(fresh(40, 90)), float(fresh(8, 25))
            c_mean = float(fresh(-20, -2)) + (effect if arm == 0 else 0.0)
            f_sd = float(fresh(8, 25))
            r = float(rng.uniform(0.3, 0.8))
            f_mean = b_mean + c_mean
            b_text, f_text = _f(b_mean, 1), _f(f_mean, 1)
            c_text = _f(float(f_text) - float(b_text), 1)
            c_sd = math.sqrt(b_sd**2 + f_sd**2 - 2 * r * b_sd * f_sd)
            arms_b.append((b_text, _f(b_sd, 1)))
            arms_f.append((f_text, _f(f_sd, 1)))
            arms_c.append((c_text, _f(c_sd, 1)))
        p1, p2 = float(rng.uniform(0.35, 0.8)), float(rng.uniform(0.2, 0.6))
        events = (max(1, min(n1 - 1, int(rng.binomial(n1, p1)))), max(1, min(n2 - 1, int(rng.binomial(n2, p2)))))
        rob = tuple(str(rng.choice(_JUDGEMENTS, p=[0.6, 0.3, 0.1])) for _ in range(5))
        trials.append(
            Trial(
                id=f"S{i + 1}",
                n=(n1, n2),
                country=str(rng.choice(_COUNTRIES)),
                intervention="Drug A" if i % 2 == 0 else "Drug B",
                follow_up=str(rng.choice(_FOLLOW_UP)),
                age=(fresh(20, 50), _f(float(rng.uniform(2, 12)), 1)),
                male=int(rng.integers(0, n1 + n2 + 1)),
                baseline=(arms_b[0], arms_b[1]),
                followup=(arms_f[0], arms_f[1]),
                change=(arms_c[0], arms_c[1]),
                events=events,
                rob=rob,
                reported_effect=bool(rng.random() < 0.6),
            )
        )
    databases = [int(rng.integers(100, 900)) for _ in range(3)]
    records = sum(databases)
    duplicates = int(rng.integers(20, records // 4))
    screened = records - duplicates
    sought = int(rng.integers(k + 20, k + 80))
    not_retrieved = int(rng.integers(0, 5))
    assessed = sought - not_retrieved
    item_n = int(rng.integers(5, 30))
    prisma = {
        "db1": databases[0],
        "db2": databases[1],
        "db3": databases[2],
        "records": records,
        "duplicates_removed": duplicates,
        "screened": screened,
        "screening_excluded": screened - sought,
        "sought": sought,
        "not_retrieved": not_retrieved,
        "assessed": assessed,
        "full_text_excluded": assessed - k,
        "included": k,
        "reason_split": int(rng.integers(1, max(2, screened - sought))),
        "ft_split": int(rng.integers(0, max(1, assessed - k))),
    }
    return Review(trials=tuple(trials), prisma=prisma, item_mean=(int(rng.integers(item_n, 5 * item_n)), item_n))


# ---------------------------------------------------------------------- printing the claims
def _smd(t: Trial) -> tuple[float, float]:
    es = escalc(
        "SMD",
        n1i=[t.n[0]],
        m1i=[float(t.change[0][0])],
        sd1i=[float(t.change[0][1])],
        n2i=[t.n[1]],
        m2i=[float(t.change[1][0])],
        sd2i=[float(t.change[1][1])],
    )
    return float(es.yi[0]), float(es.vi[0])


def _estimate_fields(est: float, se: float, *, log: bool = False, p: bool = True) -> dict[str, Any]:
    z = 1.959963984540054
    lo, hi = est - z * se, est + z * se
    show = math.exp if log else (lambda x: x)
    out: dict[str, Any] = {"estimate": _f(show(est), 2), "ci": [_f(show(lo), 2), _f(show(hi), 2)]}
    if p:
        out["pvalue"] = _p(float(2 * stats.norm.sf(abs(est) / se)))
    return out


def claims_document(review: Review) -> Doc:
    """The claims a careful review of ``review`` would print (see the module docstring)."""
    trials = review.trials
    k = len(trials)
    studies: list[dict[str, Any]] = []
    for i, t in enumerate(trials):
        studies.append(
            {
                "id": t.id,
                "label": f"Author{i + 1} et al. (20{10 + i})",
                "source": f"Table 1, row {i + 1}",
                "citations": [f"Author{i + 1} et al., 20{10 + i}"],
                "design": t.design,
                "n": str(sum(t.n)),
                "arms": [str(t.n[0]), str(t.n[1])],
                "country": t.country,
                "intervention": t.intervention,
                "control": t.control,
                "follow_up": t.follow_up,
                "age": {"mean": t.age[0], "sd": t.age[1]},
                "percentages": {"male": _f(100 * t.male / sum(t.n), 1)},
                "characteristics": {"condition": t.condition},
                "outcomes": ["score", "response"],
            }
        )
    data = []
    for i, t in enumerate(trials):
        data.append(
            {
                "study": t.id,
                "outcome": "score",
                "source": f"Table 3, row {i + 1}",
                "arms": [
                    {
                        "group": group,
                        "n": str(t.n[a]),
                        "baseline": {"mean": t.baseline[a][0], "sd": t.baseline[a][1]},
                        "followup": {"mean": t.followup[a][0], "sd": t.followup[a][1]},
                        "mean": t.change[a][0],
                        "sd": t.change[a][1],
                    }
                    for a, group in enumerate(("intervention", "control"))
                ],
            }
        )
        data.append(
            {
                "study": t.id,
                "outcome": "response",
                "source": f"Table 3, row {i + 1}",
                "arms": [
                    {"group": group, "n": str(t.n[a]), "percent": _f(100 * t.events[a] / t.n[a], 1)}
                    for a, group in enumerate(("intervention", "control"))
                ],
            }
        )
    smd = [_smd(t) for t in trials]
    yi = np.array([s[0] for s in smd])
    vi = np.array([s[1] for s in smd])
    effects = [
        {
            "study": t.id,
            "outcome": "score",
            "measure": "SMD",
            "source": f"Results, {t.id}",
            **_estimate_fields(y, math.sqrt(v), p=False),
        }
        for t, (y, v) in zip(trials, smd, strict=True)
        if t.reported_effect
    ]
    fit = rma(yi, vi, method="DL")
    assert fit.estimate is not None
    assert fit.se is not None
    assert fit.Q is not None
    assert fit.I2 is not None
    assert fit.Q_pvalue is not None
    groups = [t.intervention for t in trials]
    sub = subgroup_analysis(yi, vi, groups, method="DL")
    subgroups = []
    for name, res in sub.subgroups.items():
        assert res.estimate is not None
        assert res.se is not None
        subgroups.append(
            {
                "name": name,
                "studies": [t.id for t in trials if t.intervention == name],
                "k": str(res.k),
                **_estimate_fields(res.estimate, res.se, p=False),
            }
        )
    score: Doc = {
        "id": "score",
        "outcome": "score",
        "measure": "SMD",
        "method": "DL",
        "k": str(k),
        "n": str(sum(sum(t.n) for t in trials)),
        "studies": [t.id for t in trials],
        **_estimate_fields(fit.estimate, fit.se),
        "I2": _f(fit.I2, 1),
        "Q": _f(fit.Q, 2),
        "Q_pvalue": _p(fit.Q_pvalue),
        "tau2": _f(fit.tau2, 3),
        "source": "Table 4, row 1",
    }
    if len(subgroups) >= 2 and sub.Q_between_pvalue is not None:
        score["subgroups"] = {
            "variable": "drug",
            "groups": subgroups,
            "test": {"pvalue": _p(sub.Q_between_pvalue)},
            "source": "Results, subgroups",
        }
    rr = escalc(
        "RR",
        ai=[t.events[0] for t in trials],
        n1i=[t.n[0] for t in trials],
        ci=[t.events[1] for t in trials],
        n2i=[t.n[1] for t in trials],
    )
    fit_rr = rma(rr.yi, rr.vi, method="DL", measure="RR")
    assert fit_rr.estimate is not None
    assert fit_rr.se is not None
    assert fit_rr.I2 is not None
    response: Doc = {
        "id": "response",
        "outcome": "response",
        "measure": "RR",
        "method": "DL",
        "k": str(k),
        "studies": [t.id for t in trials],
        **_estimate_fields(fit_rr.estimate, fit_rr.se, log=True),
        "I2": _f(fit_rr.I2, 1),
        "source": "Table 4, row 2",
    }
    pr = review.prisma
    countries = {c: sum(1 for t in trials if t.country == c) for c in _COUNTRIES}
    top = max(countries, key=lambda c: countries[c])
    total, item_n = review.item_mean
    return {
        "sysreview_claims": 1,
        "review": {"title": "synthetic review"},
        "outcomes": {"score": {"match": ["score"]}, "response": {"match": ["response"]}},
        "eligibility": {
            "source": "Methods",
            "text": "randomised or prospective comparative studies of adults with acne scars",
            "designs": {
                "include": ["randomized controlled trial", "prospective non-randomized comparative study"],
                "exclude": ["case series", "retrospective study", "review"],
            },
            "comparative": True,
            "criteria": [{"field": "condition", "include_match": ["acne"], "text": "adults with acne scars"}],
        },
        "included_citations": [s["citations"][0] for s in studies],
        "studies": studies,
        "data": data,
        "effects": effects,
        "analyses": [score, response],
        "risk_of_bias": [
            {
                "tool": "RoB 2",
                "source": "Table 2",
                "columns": [
                    "Randomization process",
                    "Deviations from intended interventions",
                    "Missing outcome data",
                    "Measurement of the outcome",
                    "Selection of the reported result",
                ],
                "rows": [
                    {
                        "study": t.id,
                        "judgements": list(t.rob),
                        "overall": overall_rule(list(t.rob), tool="rob2").algorithm,
                        "source": f"Table 2, row {i + 1}",
                    }
                    for i, t in enumerate(trials)
                ],
            }
        ],
        "prisma": [
            {
                "source": "Figure 1",
                "databases": {"PubMed": str(pr["db1"]), "Embase": str(pr["db2"]), "CENTRAL": str(pr["db3"])},
                "databases_stated": "3",
                **{
                    key: str(pr[key])
                    for key in (
                        "records",
                        "duplicates_removed",
                        "screened",
                        "screening_excluded",
                        "sought",
                        "not_retrieved",
                        "assessed",
                        "full_text_excluded",
                        "included",
                    )
                },
                "screening_reasons": {
                    "wrong population": str(pr["reason_split"]),
                    "wrong design": str(pr["screening_excluded"] - pr["reason_split"]),
                },
                "full_text_reasons": {
                    "no outcome data": str(pr["ft_split"]),
                    "not randomised": str(pr["full_text_excluded"] - pr["ft_split"]),
                },
                "in_meta_analysis": str(k),
                "composition": {"RCTs": str(k)},
            }
        ],
        "participants": [
            {"what": "participants", "reported": str(sum(sum(t.n) for t in trials)), "studies": "all"},
            {"what": "participants in the score analysis", "reported": score["n"], "analysis": "score"},
        ],
        "percentages": [{"what": f"studies from {top}", "value": _f(100 * countries[top] / k, 1), "n": str(k)}],
        "means": [{"what": "mean item score", "value": _f(total / item_n, 2), "n": str(item_n)}],
        "study_counts": [
            {"what": f"studies from {top}", "reported": str(countries[top]), "field": "country", "match": [top]}
        ],
    }


# ---------------------------------------------------------------------- injections
Injection = Callable[[Review, Doc, np.random.Generator, bool], Doc]


def _estimates(doc: Doc) -> list[dict[str, Any]]:
    """Every reported estimate with a CI: per-study effects, pooled results, subgroups."""
    out = list(doc["effects"])
    for analysis in doc["analyses"]:
        out.append(analysis)
        out.extend(analysis.get("subgroups", {}).get("groups", []))
    return [e for e in out if "ci" in e]


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def _typo(text: str, rng: np.random.Generator) -> str:
    """One slip of the pen: a digit changed, two digits swapped or the decimal point moved."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    kind = int(rng.integers(3))
    chars = list(text)
    if kind == 0 or len(digits) < 2:
        i = _pick(rng, digits)
        chars[i] = str((int(chars[i]) + int(rng.integers(1, 10))) % 10)
    elif kind == 1:
        j = int(rng.integers(len(digits) - 1))
        a, b = digits[j], digits[j + 1]
        chars[a], chars[b] = chars[b], chars[a]
    else:
        value = float(text.lstrip("<"))
        decimals = len(text.split(".")[1]) if "." in text else 0
        factor = 10.0 if rng.random() < 0.5 else 0.1
        return _f(value * factor, decimals)
    return "".join(chars)


def _ci_sign(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    est = _pick(rng, _estimates(doc))
    lo, hi = est["ci"]
    if strong or rng.random() < 0.5:
        est["ci"] = [hi, lo]
    else:  # a lost minus sign (or, for ratios and positive bounds, swapped bounds)
        negative = [i for i, b in enumerate((lo, hi)) if b.startswith("-")]
        if negative:
            i = _pick(rng, negative)
            est["ci"][i] = est["ci"][i].lstrip("-")
        else:
            est["ci"] = [hi, lo]
    return doc


def _ci_estimate(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    est = _pick(rng, _estimates(doc))
    lo, hi = (float(b) for b in est["ci"])
    log = est.get("measure") == "RR"
    if strong:
        if log:
            factor = (hi / lo) ** 0.5
            est["ci"][1] = _f(hi * factor, 2)
        else:
            est["ci"][1] = _f(hi + max(0.2, (hi - lo) / 2), 2)
    else:
        i = int(rng.integers(2))
        est["ci"][i] = _typo(est["ci"][i], rng)
    return doc


def _p_value(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    est = _pick(rng, [e for e in doc["analyses"] if "pvalue" in e])
    p = est["pvalue"]
    if strong:
        value = 0.0 if p.startswith("<") else float(p)
        est["pvalue"] = "0.500" if value < 0.05 else "0.001"
    else:
        est["pvalue"] = _typo(p.lstrip("<"), rng) if rng.random() < 0.5 else _f(float(rng.uniform(0, 1)), 3)
    return doc


def _heterogeneity(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    analysis = doc["analyses"][0]
    i2 = float(analysis["I2"])
    if strong:
        analysis["I2"] = _f(i2 + 30 if i2 < 50 else i2 - 30, 1)
    elif rng.random() < 0.5:
        analysis["I2"] = _f(min(99.0, max(0.0, i2 + float(rng.uniform(-25, 25)))), 1)
    else:
        analysis["Q"] = _typo(analysis["Q"], rng)
    return doc


def _change_score(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    row = _pick(rng, [r for r in doc["data"] if r["outcome"] == "score"])
    arm = _pick(rng, row["arms"])
    if strong:
        if rng.random() < 0.5:
            arm["baseline"]["mean"] = _f(float(arm["baseline"]["mean"]) + 3.0, 1)
        else:
            arm["baseline"]["sd"] = _f(float(arm["followup"]["sd"]) + float(arm["sd"]) + 2.0, 1)
    else:
        key = _pick(rng, ["mean", "sd"])
        arm["baseline"][key] = _typo(arm["baseline"][key], rng)
    return doc


def _effect_recompute(review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    if not doc["effects"]:
        return _no_effects(review, doc, rng, strong)
    effect = _pick(rng, doc["effects"])
    trial = next(t for t in review.trials if t.id == effect["study"])
    y, v = _smd(trial)
    if strong:
        shift = 0.4 if rng.random() < 0.5 else -0.4
        effect.update(_estimate_fields(y + shift, math.sqrt(v), p=False))
        return doc
    kind = int(rng.integers(3))
    if kind == 0:  # standard errors taken for SDs
        se_trial = replace(
            trial,
            change=tuple(  # type: ignore[arg-type]
                (m, _f(float(sd) / math.sqrt(n), 1)) for (m, sd), n in zip(trial.change, trial.n, strict=True)
            ),
        )
        y2, v2 = _smd(se_trial)
        effect.update(_estimate_fields(y2, math.sqrt(v2), p=False))
    elif kind == 1:  # the sign lost
        effect.update(_estimate_fields(-y, math.sqrt(v), p=False))
    else:  # a discrepancy of up to 0.5
        effect.update(_estimate_fields(y + float(rng.uniform(-0.5, 0.5)), math.sqrt(v), p=False))
    return doc


def _no_effects(review: Review, doc: Doc, _rng: np.random.Generator, _strong: bool) -> Doc:
    """A review without per-study effects reported: report one, wrongly."""
    trial = review.trials[0]
    y, v = _smd(trial)
    doc["effects"].append(
        {"study": trial.id, "outcome": "score", "measure": "SMD", **_estimate_fields(y + 0.5, math.sqrt(v), p=False)}
    )
    return doc


def _pooled_recompute(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    analysis = doc["analyses"][0]
    lo, hi = (float(b) for b in analysis["ci"])
    se = (hi - lo) / (2 * 1.959963984540054)
    est = float(analysis["estimate"])
    shift = (0.4 if rng.random() < 0.5 else -0.4) if strong else float(rng.uniform(-0.5, 0.5))
    analysis.update(_estimate_fields(est + shift, se))
    return doc


def _subgroup_test(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    sub = doc["analyses"][0].get("subgroups")
    if sub is None:
        raise ValueError("this review has no subgroups")
    p = sub["test"]["pvalue"]
    value = 0.0 if p.startswith("<") else float(p)
    if strong:
        sub["test"]["pvalue"] = "0.900" if value < 0.05 else ("0.001" if value > 0.2 else "0.900")
        if value >= 0.05 and value <= 0.2:
            sub["test"]["pvalue"] = "<0.001"
    else:
        sub["test"]["pvalue"] = _f(float(rng.uniform(0, 1)), 3) if rng.random() < 0.5 else _typo(p.lstrip("<"), rng)
    return doc


def _percentage_count(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    if rng.random() < 0.5:
        mean = doc["means"][0]
        n = int(mean["n"])
        value = float(mean["value"])
        if strong:
            base = math.floor(value * n) / n
            mean["value"] = _f(base + 0.5 / n, 2) if (0.5 / n) >= 0.006 else _f(value, 2)
            if not _grim_impossible(float(mean["value"]), n):
                mean["value"] = _f(_impossible_mean(n), 2)
        else:
            mean["value"] = _typo(mean["value"], rng)
        return doc
    study = _pick(rng, doc["studies"])
    n = int(study["n"])
    value = float(study["percentages"]["male"])
    if strong:
        study["percentages"]["male"] = _f(_impossible_percent(n, value), 1)
    else:
        study["percentages"]["male"] = _f(min(100.0, max(0.0, value + float(rng.uniform(-3, 3)))), 1)
    return doc


def _grim_impossible(value: float, n: int) -> bool:
    low, high = value - 0.005, value + 0.005
    return math.floor(high * n + 1e-9) < math.ceil(low * n - 1e-9)


def _impossible_mean(n: int) -> float:
    for hundredths in range(100, 1000):
        if _grim_impossible(hundredths / 100, n):
            return hundredths / 100
    raise ValueError(f"every mean is possible with n = {n}")


def _impossible_percent(n: int, near: float) -> float:
    """A one-decimal percentage no count out of n rounds to, near ``near``."""
    candidates = [t / 10 for t in range(1001)]
    bad = [p for p in candidates if not any(abs(100 * c / n - p) <= 0.05 + 1e-9 for c in range(n + 1))]
    return min(bad, key=lambda p: abs(p - near))


def _sample_size(_review: Review, doc: Doc, rng: np.random.Generator, _strong: bool) -> Doc:
    study = _pick(rng, doc["studies"])
    change = int(rng.integers(1, 11)) * (1 if rng.random() < 0.5 else -1)
    study["arms"][0] = str(max(1, int(study["arms"][0]) + change))
    return doc


def _study_count(_review: Review, doc: Doc, rng: np.random.Generator, _strong: bool) -> Doc:
    claim = doc["study_counts"][0]
    claim["reported"] = str(int(claim["reported"]) + int(rng.integers(1, 4)))
    return doc


def _prisma(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    flow = doc["prisma"][0]
    key = _pick(rng, ["records", "duplicates_removed", "screened", "sought", "assessed", "screening_excluded"])
    value = int(flow[key])
    if strong:
        flow[key] = str(value + int(rng.integers(1, 50)))
    else:
        flow[key] = _typo(str(value), rng) if rng.random() < 0.5 else str(value + int(rng.integers(-20, 21)))
    return doc


def _rob_overall(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    row = _pick(rng, doc["risk_of_bias"][0]["rows"])
    rule = overall_rule(list(row["judgements"]), tool="rob2")
    if strong:
        row["overall"] = _pick(rng, [j for j in _JUDGEMENTS if j not in rule.allowed])
    else:  # another judgement; it may be one the rule allows (several concerns permit High)
        row["overall"] = _pick(rng, [j for j in _JUDGEMENTS if j != row["overall"]])
    return doc


def _rob_tool(_review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    study = _pick(rng, doc["studies"])
    study["design"] = (
        "Prospective cohort"
        if strong
        else _pick(rng, ["Prospective cohort", "Non-randomised controlled study", "Before-after study", "Cohort"])
    )
    return doc


def _eligibility(_review: Review, doc: Doc, rng: np.random.Generator, _strong: bool) -> Doc:
    study = _pick(rng, doc["studies"])
    kind = int(rng.integers(3))
    if kind == 0:
        study["characteristics"]["condition"] = "striae distensae"
    elif kind == 1:
        study["control"] = "Historical control"
    else:
        study["marked_excluded"] = "Excluded (no usable outcome)"
    return doc


def _duplicate_study(review: Review, doc: Doc, rng: np.random.Generator, strong: bool) -> Doc:
    """One trial counted twice. Either it is entered again under a second citation (the error sits upstream: the
    review's numbers are then computed consistently with the duplicate in them), or (realistic only) one table
    row is attributed to two of the included citations, as seed 001 does with Zeng 2014a/b."""
    if not strong and rng.random() < 0.5:
        study = _pick(rng, doc["studies"])
        second = f"{study['citations'][0].split(',')[0]}, 2099b"
        study["citations"].append(second)
        doc["included_citations"].append(second)
        return doc
    trials = list(review.trials)
    source = _pick(rng, trials)
    trials.append(replace(source, id=f"S{len(trials) + 1}"))
    prisma = {**review.prisma, "included": len(trials), "full_text_excluded": review.prisma["assessed"] - len(trials)}
    return claims_document(Review(trials=tuple(trials), prisma=prisma, item_mean=review.item_mean))


#: check name → the injection of one error of that kind
INJECTIONS: dict[str, Injection] = {
    "ci_sign": _ci_sign,
    "ci_estimate": _ci_estimate,
    "p_value": _p_value,
    "heterogeneity": _heterogeneity,
    "change_score": _change_score,
    "effect_recompute": _effect_recompute,
    "pooled_recompute": _pooled_recompute,
    "subgroup_test": _subgroup_test,
    "percentage_count": _percentage_count,
    "sample_size": _sample_size,
    "study_count": _study_count,
    "prisma_arithmetic": _prisma,
    "rob_overall": _rob_overall,
    "rob_tool": _rob_tool,
    "eligibility": _eligibility,
    "duplicate_study": _duplicate_study,
}


def inject(check: str, review: Review, rng: np.random.Generator, *, strong: bool) -> Doc:
    """The claims of ``review`` with one error of the kind ``check`` detects (always a real change: a slip that
    happens to reproduce the printed value is drawn again)."""
    clean = claims_document(review)
    for _ in range(50):
        doc = INJECTIONS[check](review, copy.deepcopy(clean), rng, strong)
        if doc != clean:
            return doc
    raise ValueError(f"no {check} error could be injected into this review")
