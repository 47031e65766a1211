"""The analysis page: each meta-analysis of the project's plan (``analysis.toml``), pooled, with its forest plot.

The data of an analysis come from the web extraction forms when the plan's outcome names an outcome of the
extraction form of the right family (continuous for SMD, dichotomous for RR) and at least one included study has
its arms' numbers entered; otherwise from the plan's data files, as ``sysreview run`` reads them. The page says
which. The statistics are sysreview's own (:func:`sysreview.effects.escalc`, :func:`sysreview.models.rma`); the
forest plot is :func:`sysreview.plots.forest_plot`, drawn on the server as SVG. Results are cached per data
version (the latest decision and form save, and the plan's and data files' sizes and times), so a reload costs
two small queries.
"""

from __future__ import annotations

import base64
import logging
import re
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from sysreview.errors import SysreviewError
from sysreview.project import Project, StoredRecord, Submission

__all__ = ["ARM_STATS", "AnalysisCache", "AnalysisPage", "AnalysisView", "arm_stats", "outcome_matches"]

LOG = logging.getLogger("sysreview.web")
PLAN_FILE: Final[str] = "analysis.toml"
#: the numbers the extraction form asks per arm and outcome, by the outcome's family
ARM_STATS: Final[Mapping[str, tuple[str, ...]]] = {"continuous": ("n", "mean", "sd"), "dichotomous": ("events", "n")}
ARMS: Final[tuple[str, ...]] = ("intervention", "control")
#: the family of outcome data each measure of the plan needs
_FAMILY: Final[Mapping[str, str]] = {"SMD": "continuous", "RR": "dichotomous"}
_XLABEL: Final[Mapping[str, str]] = {"SMD": "Standardised mean difference (Hedges' g)", "RR": "Risk ratio"}


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisView:
    """One planned analysis as the page shows it."""

    id: str
    label: str
    outcome: str
    measure: str
    method: str
    test: str
    role: str
    level: float
    source: str | None = None
    """``web`` (the extraction forms) or ``files`` (the plan's data files); None when no data was found."""
    source_text: str = ""
    fit: Any = None
    """The :class:`sysreview.models.MetaResult` (None: not computed)."""
    svg: str | None = None
    """The forest plot, an SVG data URI."""
    error: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def scale(self) -> Callable[[float], float]:
        """From the model's scale to the reported one (log RR → RR)."""
        import math  # noqa: PLC0415

        return math.exp if self.measure == "RR" else (lambda x: x)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisPage:
    """The whole page: the plan's analyses, or why there are none."""

    plan: bool
    """Whether the project has an ``analysis.toml``."""
    problem: str | None = None
    analyses: tuple[AnalysisView, ...] = ()
    seconds: float = 0.0
    """How long computing the page took (not counting cache hits)."""
    version: tuple[Any, ...] = field(default=())


def outcome_matches(planned: str, outcome: Any) -> bool:
    """Whether the plan's ``outcome`` names the extraction form's outcome (its name or label; case, spaces,
    ``_`` and ``-`` aside)."""

    def norm(text: str | None) -> str:
        return re.sub(r"[\s_\-]+", " ", (text or "").casefold()).strip()

    return norm(planned) in {norm(outcome.name), norm(outcome.label)} - {""}


def arm_stats(values: Mapping[str, Any], family: str) -> dict[str, dict[str, float]] | None:
    """The arms' numbers of one outcome as saved in an extraction (None: some are missing or not numbers)."""
    out: dict[str, dict[str, float]] = {}
    for arm in ARMS:
        given = values.get(arm, {}) if isinstance(values, Mapping) else {}
        numbers: dict[str, float] = {}
        for stat in ARM_STATS[family]:
            try:
                numbers[stat] = float(Decimal(str(given.get(stat, "")).replace("−", "-")))
            except (InvalidOperation, ValueError):
                return None
        out[arm] = numbers
    return out


class AnalysisCache:
    """Computes the page for a project and keeps the latest result while the data version stays the same."""

    def __init__(self, project: Project, form: Callable[[], Any]) -> None:
        self._project = project
        self._form = form
        self._lock = threading.Lock()
        self._page: AnalysisPage | None = None

    def version(self) -> tuple[Any, ...]:
        """What the page depends on: the store's latest decision and form save, the plan's and form's files."""
        folder = self._project.path
        files = [folder / PLAN_FILE, folder / "extraction_form.toml"]
        files += _data_files(folder / PLAN_FILE)
        stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else (str(p),) for p in files)
        return (self._project.store.web.version(), stats)

    def page(self) -> AnalysisPage:
        """The page of the current data (computed at most once per data version)."""
        version = self.version()
        with self._lock:  # one computation at a time: matplotlib's settings are global, and a burst waits once
            if self._page is None or self._page.version != version:
                start = time.perf_counter()
                page = compute(self._project, self._form)
                self._page = AnalysisPage(
                    plan=page.plan,
                    problem=page.problem,
                    analyses=page.analyses,
                    seconds=time.perf_counter() - start,
                    version=version,
                )
            return self._page


def _data_files(plan: Path) -> list[Path]:
    """The files the plan's ``[data]`` names (best effort: the plan is checked properly when it is loaded)."""
    import tomllib  # noqa: PLC0415

    try:
        data = tomllib.loads(plan.read_text(encoding="utf-8")).get("data", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    paths: list[Path] = []
    for value in data.values() if isinstance(data, dict) else ():
        for name in value if isinstance(value, list) else [value]:
            if isinstance(name, str):
                paths.append(plan.parent / name)
    return paths


def compute(project: Project, form: Callable[[], Any]) -> AnalysisPage:
    """Run every analysis of the project's plan (see the module's docstring)."""
    from sysreview.report import load_plan  # noqa: PLC0415 (the report package loads with the page)

    if not (project.path / PLAN_FILE).is_file():
        return AnalysisPage(plan=False)
    try:
        plan = load_plan(project.path)
    except SysreviewError as error:
        return AnalysisPage(plan=True, problem=str(error))
    try:
        definition = form()
    except SysreviewError as error:
        definition = None
        LOG.warning("extraction form: %s", error)
    extractions = _web_data(project)
    views = []
    for spec in plan.analyses:
        base: dict[str, Any] = {
            "id": spec.id,
            "label": spec.label,
            "outcome": spec.outcome,
            "measure": spec.measure,
            "method": spec.method,
            "test": spec.test,
            "role": spec.role,
            "level": plan.level,
        }
        try:
            views.append(_analysis(spec, plan, definition, extractions, base))
        except SysreviewError as error:
            views.append(AnalysisView(**base, error=str(error)))
        except Exception as error:  # any failure of one analysis is shown on the page, not a 500
            LOG.exception("analysis %s failed", spec.id)
            views.append(AnalysisView(**base, error=f"the analysis failed: {type(error).__name__}: {error}"))
    return AnalysisPage(plan=True, analyses=tuple(views))


@dataclass(frozen=True, slots=True)
class _Extractions:
    """The included studies and every extraction saved for them (oldest first)."""

    records: Mapping[str, StoredRecord]
    saves: Sequence[Submission]


def _web_data(project: Project) -> _Extractions:
    state = project.store.state()
    included = [
        info.key for info in state.eligible("full_text") if state.screening.status(info.key, "full_text") == "included"
    ]
    records = {record.key: record for record in project.store.records(included)} if included else {}
    saves = [s for s in project.store.web.submissions("extraction") if s.record in records]
    return _Extractions(records=records, saves=saves)


def _analysis(spec: Any, plan: Any, form: Any, extractions: _Extractions, base: dict[str, Any]) -> AnalysisView:
    columns, studies, source, source_text, notes = _from_forms(spec, form, extractions)
    if columns is None:
        columns, studies, source, source_text, more = _from_files(spec, plan)
        notes = [*notes, *more]
    if columns is None:
        return AnalysisView(**base, source=None, source_text=source_text, notes=tuple(notes))
    fit = _fit(spec, plan.level, columns, studies)
    return AnalysisView(
        **base, source=source, source_text=source_text, fit=fit, svg=_forest_svg(spec, fit), notes=tuple(notes)
    )


def _from_forms(
    spec: Any, form: Any, extractions: _Extractions
) -> tuple[dict[str, list[float]] | None, list[str], str | None, str, list[str]]:
    family = _FAMILY[spec.measure]
    outcomes = [o for o in (form.outcomes if form is not None else ()) if outcome_matches(spec.outcome, o)]
    if not outcomes:
        return None, [], None, "", [f"no outcome of the extraction form is called {spec.outcome!r}"]
    outcome = outcomes[0]
    if outcome.family != family:
        return (
            None,
            [],
            None,
            "",
            [f"the form's outcome {outcome.name!r} is {outcome.family}; {spec.measure} needs {family}"],
        )
    # a reviewer's latest save is theirs in force; of several reviewers' complete data, the latest save is used
    latest: dict[tuple[str, str], Submission] = {}
    for save in extractions.saves:
        latest[(save.record, save.reviewer)] = save
    chosen: dict[str, tuple[Submission, dict[str, dict[str, float]]]] = {}
    notes: list[str] = []
    for save in sorted(latest.values(), key=lambda s: s.id):
        numbers = arm_stats(save.payload.get("outcomes", {}).get(outcome.name, {}), family)
        if numbers is None:
            continue
        earlier = chosen.get(save.record)
        if earlier is not None and earlier[1] != numbers:
            notes.append(
                f"{save.record}: {earlier[0].reviewer} and {save.reviewer} entered different numbers; "
                f"{save.reviewer}'s (saved later) are used"
            )
        chosen[save.record] = (save, numbers)
    if not chosen:
        return None, [], None, "", [f"no included study has {outcome.name!r} data entered in the extraction forms"]
    columns: dict[str, list[float]] = {}
    studies: list[str] = []
    labels = _labels([extractions.records[key] for key in chosen])
    for key, (_save, numbers) in chosen.items():
        t, c = numbers["intervention"], numbers["control"]
        studies.append(labels[key])
        row = (
            {"n1i": t["n"], "m1i": t["mean"], "sd1i": t["sd"], "n2i": c["n"], "m2i": c["mean"], "sd2i": c["sd"]}
            if family == "continuous"
            else {"ai": t["events"], "n1i": t["n"], "ci": c["events"], "n2i": c["n"]}
        )
        for name, value in row.items():
            columns.setdefault(name, []).append(value)
    who = sorted({save.reviewer for save, _ in chosen.values()})
    text = (
        f"the web extraction forms: outcome {outcome.name!r}, {len(chosen)} included "
        f"stud{'y' if len(chosen) == 1 else 'ies'} (entered by {', '.join(who)})"
    )
    return columns, studies, "web", text, notes


def _from_files(spec: Any, plan: Any) -> tuple[dict[str, list[float]] | None, list[str], str | None, str, list[str]]:
    from sysreview.report._analyses import study_data  # noqa: PLC0415 (the plan's reading of its own files)
    from sysreview.report._plan import read_csv  # noqa: PLC0415

    if "arms" not in plan.data:
        return None, [], None, "no data: neither the extraction forms nor the plan's [data] files give any", []
    arms = read_csv(plan.data["arms"])
    counts = read_csv(plan.data["counts"]) if "counts" in plan.data else []
    data = study_data(
        spec, arms, counts, arms_file=str(plan.data["arms"]), counts_file=str(plan.data.get("counts", ""))
    )
    used = [plan.data["arms"]] + ([plan.data["counts"]] if spec.measure == "RR" and "counts" in plan.data else [])
    names = ", ".join(
        str(Path(p).relative_to(plan.root)) if Path(p).is_relative_to(plan.root) else str(p) for p in used
    )
    columns = {name: [float(v) for v in values] for name, values in data.columns.items()}
    return columns, list(data.study), "files", f"the plan's data files ({names})", list(data.notes)


def _labels(records: Sequence[StoredRecord]) -> dict[str, str]:
    """Study labels: first author's surname and year (the record's key where they are missing or taken twice)."""
    labels: dict[str, str] = {}
    for stored in records:
        authors = stored.record.authors or ()
        surname = authors[0].split(",")[0].strip() if authors else ""
        labels[stored.key] = f"{surname} {stored.record.year or ''}".strip() or stored.key
    taken = list(labels.values())
    return {
        key: (f"{label} ({key})" if taken.count(label) > 1 and label != key else label) for key, label in labels.items()
    }


def _fit(spec: Any, level: float, columns: Mapping[str, Sequence[float]], studies: Sequence[str]) -> Any:
    from sysreview.effects import escalc  # noqa: PLC0415
    from sysreview.models import rma  # noqa: PLC0415

    c = columns
    if spec.measure == "SMD":
        es = escalc("SMD", n1i=c["n1i"], m1i=c["m1i"], sd1i=c["sd1i"], n2i=c["n2i"], m2i=c["m2i"], sd2i=c["sd2i"])
    else:
        es = escalc(
            "RR",
            ai=c["ai"],
            bi=[n - a for n, a in zip(c["n1i"], c["ai"], strict=True)],
            ci=c["ci"],
            di=[n - x for n, x in zip(c["n2i"], c["ci"], strict=True)],
        )
    return rma(es.yi, es.vi, method=spec.method, test=spec.test, level=level, measure=spec.measure, study=list(studies))


def _forest_svg(spec: Any, fit: Any) -> str:
    """The forest plot as an SVG data URI.

    An ``<img>`` of a data URI, not ``<svg>`` in the page: matplotlib's SVG styles every element with ``style``
    attributes, which the app's Content-Security-Policy (``style-src 'self'``) rightly refuses in a page.
    """
    from sysreview.plots import forest_plot, save  # noqa: PLC0415

    figure = forest_plot(
        fit,
        transf="exp" if spec.measure == "RR" else None,
        xlabel=_XLABEL[spec.measure],
        favours=spec.favours,
    )
    with tempfile.TemporaryDirectory(prefix="sysreview-forest-") as folder:
        path = save(figure, Path(folder) / f"forest-{spec.id}.svg")
        data = path.read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
