"""The analysis page: each meta-analysis of the project's plan (``analysis.toml``), pooled, with its forest plot.

The data of an analysis come from the web extraction forms when the plan's outcome names an outcome of the
extraction form of the right family (continuous for SMD, dichotomous for RR) and at least one included study has
its arms' numbers entered; otherwise from the plan's data files, as ``sysreview run`` reads them. The page says
which. The statistics are sysreview's own (:func:`sysreview.effects.escalc`, :func:`sysreview.models.rma`); the
forest plot is :func:`sysreview.plots.forest_plot`, drawn on the server as SVG. Results are cached per data
version (the latest decision and form save, and the plan's and data files' sizes and times), so a reload costs
two small queries.

What the plan asks for around an analysis (subgroups, leave-one-out, small-study effects) is computed on demand,
one analysis at a time (:meth:`AnalysisCache.extras`; the page loads it when its section is opened), by the report
pipeline itself: :func:`sysreview.report._analyses.run_analysis` on the same data, and its figures
(:mod:`sysreview.report._figures`). Each part runs on its own, so one that fails (too few studies for Egger's test,
no subgroup variable) is a message and the others still show; each is cached with the page's data version.
"""

from __future__ import annotations

import base64
import logging
import math
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

__all__ = [
    "ARM_STATS",
    "AnalysisCache",
    "AnalysisExtras",
    "AnalysisPage",
    "AnalysisView",
    "Extra",
    "arm_stats",
    "outcome_matches",
]

LOG = logging.getLogger("sysreview.web")
PLAN_FILE: Final[str] = "analysis.toml"
#: the numbers the extraction form asks per arm and outcome, by the outcome's family
ARM_STATS: Final[Mapping[str, tuple[str, ...]]] = {"continuous": ("n", "mean", "sd"), "dichotomous": ("events", "n")}
ARMS: Final[tuple[str, ...]] = ("intervention", "control")
#: the report's rule: small-study tests are shown from 3 studies (the diagnostics' minimum) but interpreted from 10
#: (report.html.j2, the methods paragraph)
INTERPRET_SMALL_STUDY_K: Final[int] = 10


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
    alt: str = ""
    """The forest plot's text alternative (it states the pooled result)."""
    spec: Any = None
    """The plan's :class:`sysreview.report.AnalysisSpec`."""
    data: Any = None
    """The :class:`sysreview.report._analyses.StudyData` the fit used (for the extras)."""
    subgroup_problem: str | None = None
    """Why subgroups cannot be formed from the data source (the web forms have no such field, a value missing)."""

    @property
    def scale(self) -> Callable[[float], float]:
        """From the model's scale to the reported one (log RR → RR)."""
        return _scale(self.measure)

    @property
    def extras(self) -> tuple[str, ...]:
        """What the plan asks for around this analysis (``subgroups``, ``leave_one_out``, ``small_study``)."""
        if self.spec is None:
            return ()
        asked = (bool(self.spec.subgroup), self.spec.leave_one_out, self.spec.small_study)
        return tuple(name for name, yes in zip(EXTRAS, asked, strict=True) if yes)

    @property
    def extras_title(self) -> str:
        """The extras in words: 'Subgroups by cell_type, leave-one-out, small-study effects (…)'."""
        words = {
            "subgroups": f"subgroups by {self.spec.subgroup}" if self.spec is not None else "",
            "leave_one_out": "leave-one-out",
            "small_study": "small-study effects (funnel plot, Egger's test, trim-and-fill)",
        }
        text = ", ".join(words[name] for name in self.extras)
        return text[:1].upper() + text[1:]


#: the parts around an analysis the plan may ask for, in the page's order
EXTRAS: Final[tuple[str, ...]] = ("subgroups", "leave_one_out", "small_study")


@dataclass(frozen=True, slots=True, kw_only=True)
class Extra:
    """One part around an analysis: what was computed, the report pipeline's output, its figure, or why not."""

    name: str
    """``subgroups``, ``leave_one_out`` or ``small_study``."""
    what: str
    """What was computed and on which data, in a sentence."""
    output: Any = None
    """The :class:`sysreview.report._analyses.AnalysisOutput` (its ``subgroups``, ``loo``, ``egger``, ``trimfill``)."""
    svg: str | None = None
    alt: str = ""
    error: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisExtras:
    """The planned extras of one analysis, for one data version."""

    analysis: AnalysisView
    parts: tuple[Extra, ...] = ()
    seconds: float = 0.0

    def part(self, name: str) -> Extra | None:
        return next((p for p in self.parts if p.name == name), None)


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
        self._extras: dict[str, AnalysisExtras] = {}
        self._extras_version: tuple[Any, ...] | None = None

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

    def extras(self, analysis: str) -> AnalysisExtras | None:
        """The planned extras of ``analysis`` on the current data (None: the plan has no such analysis);
        computed at most once per data version."""
        page = self.page()
        view = next((a for a in page.analyses if a.id == analysis), None)
        if view is None:
            return None
        with self._lock:
            if self._extras_version != page.version:
                self._extras, self._extras_version = {}, page.version
            if analysis not in self._extras:
                start = time.perf_counter()
                parts = compute_extras(view)
                self._extras[analysis] = AnalysisExtras(analysis=view, parts=parts, seconds=time.perf_counter() - start)
            return self._extras[analysis]


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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Source:
    """The data of one analysis as a source gives them (``data`` None: this source has none)."""

    data: Any = None
    source: str | None = None
    text: str = ""
    notes: tuple[str, ...] = ()
    subgroup_problem: str | None = None


def _analysis(spec: Any, plan: Any, form: Any, extractions: _Extractions, base: dict[str, Any]) -> AnalysisView:
    found = _from_forms(spec, form, extractions)
    notes = found.notes
    if found.data is None:
        found = _from_files(spec, plan)
        notes = (*notes, *found.notes)
    if found.data is None:
        return AnalysisView(**base, source=None, source_text=found.text, notes=notes, spec=spec)
    fit = _fit(spec, plan.level, found.data.columns, found.data.study)
    alt = f"Forest plot of {spec.label}: {_pooled(fit, spec.measure)}."
    return AnalysisView(
        **base,
        source=found.source,
        source_text=found.text,
        fit=fit,
        svg=_svg_uri(_forest_figure(spec, fit), f"forest-{spec.id}"),
        alt=alt,
        notes=notes,
        spec=spec,
        data=found.data,
        subgroup_problem=found.subgroup_problem,
    )


def _from_forms(spec: Any, form: Any, extractions: _Extractions) -> _Source:
    from sysreview.report._analyses import StudyData  # noqa: PLC0415

    family = measure_info(spec.measure).family
    outcomes = [o for o in (form.outcomes if form is not None else ()) if outcome_matches(spec.outcome, o)]
    if not outcomes:
        return _Source(notes=(f"no outcome of the extraction form is called {spec.outcome!r}",))
    outcome = outcomes[0]
    if outcome.family != family:
        return _Source(
            notes=(f"the form's outcome {outcome.name!r} is {outcome.family}; {spec.measure} needs {family}",)
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
        return _Source(notes=(*notes, f"no included study has {outcome.name!r} data entered in the extraction forms"))
    columns: dict[str, list[float]] = {}
    studies: list[str] = []
    participants = 0
    labels = _labels([extractions.records[key] for key in chosen])
    for key, (_save, numbers) in chosen.items():
        t, c = numbers["intervention"], numbers["control"]
        studies.append(labels[key])
        participants += int(t["n"] + c["n"])
        row = (
            {"n1i": t["n"], "m1i": t["mean"], "sd1i": t["sd"], "n2i": c["n"], "m2i": c["mean"], "sd2i": c["sd"]}
            if family == "continuous"
            else {"ai": t["events"], "n1i": t["n"], "ci": c["events"], "n2i": c["n"]}
        )
        for name, value in row.items():
            columns.setdefault(name, []).append(value)
    group, problem = _form_groups(spec, form, {labels[key]: save for key, (save, _) in chosen.items()})
    who = sorted({save.reviewer for save, _ in chosen.values()})
    text = (
        f"the web extraction forms: outcome {outcome.name!r}, {len(chosen)} included "
        f"stud{'y' if len(chosen) == 1 else 'ies'} (entered by {', '.join(who)})"
    )
    data = StudyData(
        study=tuple(studies),
        columns={name: tuple(values) for name, values in columns.items()},
        group=group,
        participants=participants,
    )
    return _Source(data=data, source="web", text=text, notes=tuple(notes), subgroup_problem=problem)


def _form_groups(
    spec: Any, form: Any, saves: Mapping[str, Submission]
) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """The plan's subgroup variable as a study field of the extraction forms (study label → the save used)."""
    if not spec.subgroup:
        return {}, None
    if spec.subgroup not in {f.name for f in form.study_fields}:
        return {}, (
            f"the extraction form has no study field {spec.subgroup!r} (the plan's subgroup variable), "
            "so the web data cannot be split into subgroups"
        )
    values: list[str] = []
    missing: list[str] = []
    for label, save in saves.items():
        value = save.payload.get("study", {}).get(spec.subgroup)
        text = "; ".join(map(str, value)) if isinstance(value, list) else str(value or "").strip()
        values.append(text)
        if not text:
            missing.append(label)
    if missing:
        return {}, f"{spec.subgroup!r} is not entered in the extraction form of {', '.join(missing)}"
    return {spec.subgroup: tuple(values)}, None


def _from_files(spec: Any, plan: Any) -> _Source:
    from sysreview.report._analyses import study_data  # noqa: PLC0415 (the plan's reading of its own files)
    from sysreview.report._plan import read_csv  # noqa: PLC0415

    if "arms" not in plan.data:
        return _Source(text="no data: neither the extraction forms nor the plan's [data] files give any")
    arms = read_csv(plan.data["arms"])
    counts = read_csv(plan.data["counts"]) if "counts" in plan.data else []
    data = study_data(
        spec, arms, counts, arms_file=str(plan.data["arms"]), counts_file=str(plan.data.get("counts", ""))
    )
    binary = measure_info(spec.measure).family == "dichotomous"
    used = [plan.data["arms"]] + ([plan.data["counts"]] if binary and "counts" in plan.data else [])
    names = ", ".join(
        str(Path(p).relative_to(plan.root)) if Path(p).is_relative_to(plan.root) else str(p) for p in used
    )
    problem = None
    if spec.subgroup and not any(spec.subgroup in row for row in arms):
        problem = f"the plan's arms file has no column {spec.subgroup!r} (the plan's subgroup variable)"
    return _Source(
        data=data, source="files", text=f"the plan's data files ({names})", notes=data.notes, subgroup_problem=problem
    )


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


def measure_info(code: str) -> Any:
    """The report's description of an effect measure (imported on use: the report package is heavy)."""
    from sysreview.report._measures import measure_info as info  # noqa: PLC0415

    return info(code)


def _fit(spec: Any, level: float, columns: Mapping[str, Sequence[float]], studies: Sequence[str]) -> Any:
    from sysreview.effects import escalc  # noqa: PLC0415
    from sysreview.models import rma  # noqa: PLC0415

    c = columns
    if measure_info(spec.measure).family == "continuous":
        es = escalc(
            spec.measure, n1i=c["n1i"], m1i=c["m1i"], sd1i=c["sd1i"], n2i=c["n2i"], m2i=c["m2i"], sd2i=c["sd2i"]
        )
    else:
        es = escalc(
            spec.measure,
            ai=c["ai"],
            bi=[n - a for n, a in zip(c["n1i"], c["ai"], strict=True)],
            ci=c["ci"],
            di=[n - x for n, x in zip(c["n2i"], c["ci"], strict=True)],
        )
    return rma(es.yi, es.vi, method=spec.method, test=spec.test, level=level, measure=spec.measure, study=list(studies))


def _forest_figure(spec: Any, fit: Any) -> Any:
    from sysreview.plots import forest_plot  # noqa: PLC0415

    info = measure_info(spec.measure)
    return forest_plot(fit, transf="exp" if info.ratio else None, xlabel=info.name, favours=spec.favours)


def _svg_uri(figure: Any, name: str) -> str:
    """A figure as an SVG data URI.

    An ``<img>`` of a data URI, not ``<svg>`` in the page: matplotlib's SVG styles every element with ``style``
    attributes, which the app's Content-Security-Policy (``style-src 'self'``) rightly refuses in a page.
    """
    from sysreview.plots import save  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="sysreview-plot-") as folder:
        path = save(figure, Path(folder) / f"{name}.svg")
        data = path.read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def _scale(measure: str) -> Callable[[float], float]:
    """From the model's scale to the reported one (log RR → RR, log OR → OR, log ROM → ROM)."""
    return math.exp if measure_info(measure).ratio else (lambda x: x)


def _num(value: Any, measure: str) -> str:
    return "—" if value is None or not math.isfinite(float(value)) else f"{_scale(measure)(float(value)):.2f}"


def _pooled(fit: Any, measure: str, *, what: str = "pooled") -> str:
    """A fit's pooled result in words: 'k = 6 studies, pooled SMD -1.23 (95% CI -1.80 to -0.70), I² = 65.1%'."""
    pct = f"{fit.level * 100:g}"
    i2 = "" if fit.I2 is None or not math.isfinite(fit.I2) else f", I² = {fit.I2:.1f}%"
    return (
        f"k = {fit.k} stud{'y' if fit.k == 1 else 'ies'}, {what} {measure} {_num(fit.estimate, measure)} "
        f"({pct}% CI {_num(fit.ci_lower, measure)} to {_num(fit.ci_upper, measure)}){i2}"
    )


def compute_extras(view: AnalysisView) -> tuple[Extra, ...]:
    """The parts of ``view``'s analysis that the plan asks for, each computed on its own by the report pipeline
    (:func:`sysreview.report._analyses.run_analysis` with only that part asked for) on the data of the page's fit,
    and drawn by the report's figure functions."""
    if view.fit is None or view.spec is None:
        return ()
    parts = []
    for name in view.extras:
        try:
            parts.append(_EXTRA[name](view))
        except SysreviewError as error:
            parts.append(Extra(name=name, what=_what(name, view), error=str(error)))
        except Exception as error:  # one part failing is a message; the others still show
            LOG.exception("analysis %s: %s failed", view.id, name)
            parts.append(Extra(name=name, what=_what(name, view), error=f"{type(error).__name__}: {error}"))
    return tuple(parts)


def _run(view: AnalysisView, **asked: Any) -> Any:
    """The report pipeline's run of ``view``'s analysis with only the parts in ``asked``."""
    from dataclasses import replace  # noqa: PLC0415

    from sysreview.report._analyses import run_analysis  # noqa: PLC0415

    spec = replace(view.spec, **({"subgroup": None, "leave_one_out": False, "small_study": False} | asked))
    return run_analysis(spec, view.data, level=view.level)


def _what(name: str, view: AnalysisView) -> str:
    """What a part computes, and on which data."""
    model = f"{view.method} random-effects model with the {view.test} test"
    data = f"Data: {view.source_text}"
    if name == "subgroups":
        where = "a study field of the extraction forms" if view.source == "web" else "a column of the arms file"
        return (
            f"The {model} fitted separately within each subgroup of {view.spec.subgroup!r} ({where}); subgroups "
            "with a single study are listed but not pooled. Test for subgroup differences: Q between the subgroup "
            f"estimates against χ² with (number of subgroups − 1) df. {data}."
        )
    if name == "leave_one_out":
        return (
            f"The {model} refitted once without each study in turn (τ² re-estimated every time), as "
            f"{view.fit.k} fits of {view.fit.k - 1} studies. {data}."
        )
    return (
        "Contour-enhanced funnel plot of the studies' effects against their standard errors; Egger's regression "
        "test (weighted regression of the effects on their standard errors, t test with k − 2 df) and Duval and "
        f"Tweedie's trim-and-fill, as the report computes them (shown from 3 studies, interpreted only from "
        f"{INTERPRET_SMALL_STUDY_K}). {data}."
    )


def _subgroups(view: AnalysisView) -> Extra:
    from sysreview.report import _figures  # noqa: PLC0415

    what = _what("subgroups", view)
    if view.subgroup_problem:
        return Extra(name="subgroups", what=what, error=view.subgroup_problem)
    out = _run(view, subgroup=view.spec.subgroup)
    sub = out.subgroups
    words = [_pooled(out.fit, view.measure, what="overall")]
    words += [f"{level}: {_pooled(fit, view.measure)}" for level, fit in sub.subgroups.items()]
    if sub.Q_between is not None:
        words.append(
            f"test for subgroup differences Q = {sub.Q_between:.2f}, df = {sub.Q_between_df}, "
            f"p = {sub.Q_between_pvalue:.3g}"
        )
    alt = f"Forest plot by {view.spec.subgroup}: " + "; ".join(words) + "."
    svg = _svg_uri(_figures.forest(out), f"subgroups-{view.id}")
    return Extra(name="subgroups", what=what, output=out, svg=svg, alt=alt, notes=tuple(sub.notes))


def _leave_one_out(view: AnalysisView) -> Extra:
    from sysreview.report import _figures  # noqa: PLC0415

    out = _run(view, leave_one_out=True)
    estimates = [_scale(view.measure)(float(e)) for e in out.loo.estimate if math.isfinite(float(e))]
    spread = f"; without one study it ranges from {min(estimates):.2f} to {max(estimates):.2f}" if estimates else ""
    alt = f"Leave-one-out plot of {view.label}: {_pooled(out.fit, view.measure)} with every study{spread}."
    svg = _svg_uri(_figures.leave_one_out(out), f"loo-{view.id}")
    return Extra(name="leave_one_out", what=_what("leave_one_out", view), output=out, svg=svg, alt=alt)


def _small_study(view: AnalysisView) -> Extra:
    from sysreview.report import _figures  # noqa: PLC0415

    out = _run(view, small_study=True)
    e, t = out.egger, out.trimfill
    alt = (
        f"Funnel plot of {view.label}: {_pooled(out.fit, view.measure)}; Egger's test t = {e.statistic:.2f} "
        f"(df = {e.df}), p = {e.pvalue:.3g}; trim-and-fill imputes {t.k0} stud{'y' if t.k0 == 1 else 'ies'} "
        f"on the {t.side}, adjusted {view.measure} {_num(t.estimate, view.measure)} "
        f"({_num(t.ci_lower, view.measure)} to {_num(t.ci_upper, view.measure)})."
    )
    notes: tuple[str, ...] = ()
    if out.fit.k < INTERPRET_SMALL_STUDY_K:
        few = f"With {out.fit.k} studies, fewer than the {INTERPRET_SMALL_STUDY_K} the report requires, "
        notes = (few + "the test has little power and is not interpreted.",)
    svg = _svg_uri(_figures.funnel(out), f"funnel-{view.id}")
    return Extra(name="small_study", what=_what("small_study", view), output=out, svg=svg, alt=alt, notes=notes)


_EXTRA: Final[Mapping[str, Callable[[AnalysisView], Extra]]] = {
    "subgroups": _subgroups,
    "leave_one_out": _leave_one_out,
    "small_study": _small_study,
}
