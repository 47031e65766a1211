"""The FastAPI application: login, screening, conflicts, full text, extraction, RoB 2, dashboard and analysis.

Pages are rendered on the server (Jinja2); htmx (vendored in ``static/``) swaps the screening card in place and a
few lines of ``static/app.js`` bind the keyboard shortcuts. Every page but the login needs a session; every POST
carries the session's CSRF token; every write goes to the project's store in one transaction together with its
line in the audit log (who, when, from where).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.datastructures import FormData, UploadFile

from sysreview.errors import SysreviewError
from sysreview.project import FULLTEXT_DIR, AuditSource, Project, ScreeningSession, highlights
from sysreview.review import STAGES, LabelledRecords, Ranker, Ranking, Stage, parse_stage, stage_title
from sysreview.web._accounts import SESSION_HOURS, Accounts, Session
from sysreview.web._analysis import ARM_STATS, ARMS, AnalysisCache
from sysreview.web._legacy import import_web_db
from sysreview.web._security import CSRF_FIELD, CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE, Signer

__all__ = ["create_app"]

HERE: Final[Path] = Path(__file__).parent
FORM_FILE: Final[str] = "extraction_form.toml"
MAX_PDF_BYTES: Final[int] = 50 * 1024 * 1024
_CSP: Final[str] = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class _LoginRequiredError(Exception):
    """The request has no live session."""


class _ForbiddenError(Exception):
    """The user's role does not allow this."""


@dataclass(frozen=True, slots=True)
class _Ctx:
    """What a request of a signed-in user carries."""

    session: Session
    csrf: str

    @property
    def user(self) -> str:
        return self.session.user.name

    @property
    def lead(self) -> bool:
        return self.session.user.role == "lead"


# ---------------------------------------------------------------------- sessions, CSRF and roles (dependencies)
def _ctx(request: Request) -> _Ctx:
    accounts: Accounts = request.app.state.accounts
    signer: Signer = request.app.state.signer
    token = signer.unsign(request.cookies.get(SESSION_COOKIE))
    session = accounts.session(token) if token else None
    if session is None:
        raise _LoginRequiredError
    return _Ctx(session=session, csrf=signer.csrf("session", session.token))


async def _posted(request: Request, c: Annotated[_Ctx, Depends(_ctx)]) -> AsyncIterator[FormData]:
    form = await request.form(max_part_size=MAX_PDF_BYTES)
    try:
        token = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        signer: Signer = request.app.state.signer
        if not isinstance(token, str) or not signer.check_csrf("session", c.session.token, token):
            raise _ForbiddenError("the form's CSRF token is missing or wrong; reload the page")
        yield form
    finally:
        await form.close()  # uploaded files' temporary copies


def _lead(c: Annotated[_Ctx, Depends(_ctx)]) -> _Ctx:
    if not c.lead:
        raise _ForbiddenError("only a lead may do this")
    return c


Ctx = Annotated[_Ctx, Depends(_ctx)]
Lead = Annotated[_Ctx, Depends(_lead)]
Posted = Annotated[FormData, Depends(_posted)]


def create_app(
    folder: str | Path,
    *,
    secure_cookies: bool | None = None,
    ranker: Ranker | None = None,
    project: Project | None = None,
) -> FastAPI:
    """The web app of the project in ``folder``.

    ``secure_cookies``: mark cookies ``Secure`` (True), never (False, plain http on localhost), or when the
    request came over https (None). ``ranker``: a ranking model for the screening order and the estimate of
    relevant records left.
    """
    folder = Path(folder)
    project = project if project is not None else Project.open(folder)
    import_web_db(folder, project.store)
    accounts = Accounts(project.store)
    signer = Signer(accounts.secret(), max_age=SESSION_HOURS * 3600)
    ranker = _CachedRanker(ranker) if ranker is not None else None
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["stage_title"] = stage_title
    app = FastAPI(title="sysreview", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.project = project
    app.state.accounts = accounts
    app.state.signer = signer
    app.state.ranker = ranker
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def secure(request: Request) -> bool:
        return request.url.scheme == "https" if secure_cookies is None else secure_cookies

    def address(request: Request) -> str:
        return request.client.host if request.client is not None else "unknown"

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(_LoginRequiredError)
    async def _to_login(request: Request, _exc: _LoginRequiredError) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        if request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        return Response("login required", status_code=401)

    @app.exception_handler(_ForbiddenError)
    async def _forbidden(_request: Request, exc: _ForbiddenError) -> Response:
        return HTMLResponse(f"<h1>Forbidden</h1><p>{escape(str(exc))}</p>", status_code=403)

    def page(request: Request, name: str, c: _Ctx | None, status_code: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("csrf", c.csrf if c else "")
        values.update(user=c.session.user if c else None, title_=project.protocol.title, stages=STAGES)
        return templates.TemplateResponse(request, name, values, status_code=status_code)

    # -- login and logout ------------------------------------------------------------------------------------------
    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, error: str | None = None) -> Response:
        nonce = signer.nonce()
        response = page(request, "login.html", None, csrf=signer.csrf("login", nonce), error=error)
        response.set_cookie(
            LOGIN_COOKIE, signer.sign(nonce), max_age=3600, httponly=True, samesite="strict", secure=secure(request)
        )
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        nonce = signer.unsign(request.cookies.get(LOGIN_COOKIE))
        token = form.get(CSRF_FIELD)
        if not signer.check_csrf("login", nonce, token if isinstance(token, str) else None):
            return HTMLResponse("<h1>Forbidden</h1><p>the login form's CSRF token is missing or wrong</p>", 403)
        name, password = form.get("name"), form.get("password")
        if not isinstance(name, str) or not isinstance(password, str):
            return RedirectResponse("/login?error=1", status_code=303)
        from starlette.concurrency import run_in_threadpool  # noqa: PLC0415

        session = await run_in_threadpool(accounts.login, name[:200], password[:1024], address=address(request))
        if session is None:
            return RedirectResponse("/login?error=1", status_code=303)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            signer.sign(session.token),
            max_age=int(SESSION_HOURS * 3600),
            httponly=True,
            samesite="strict",
            secure=secure(request),
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout")
    def logout(request: Request, c: Ctx, _form: Posted) -> Response:
        accounts.logout(c.session, address=address(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=secure(request))
        return response

    # -- dashboard ---------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def dashboard(request: Request, c: Ctx) -> Response:
        mine = {}
        for stage in STAGES:
            session = ScreeningSession(project.store, reviewer=c.user, stage=stage)
            mine[stage] = session.progress()
        values: dict[str, Any] = {"mine": mine}
        if c.lead:  # counts by status would tell a reviewer how others voted: leads only
            state = project.store.state()
            values.update(
                prisma=project.prisma(),
                agreement=project.agreement(),
                status={stage: state.status_counts(stage) for stage in STAGES},
            )
        return page(request, "dashboard.html", c, **values)

    # -- screening -----------------------------------------------------------------------------------------------
    def card(
        request: Request,
        c: _Ctx,
        stage: Stage,
        *,
        front: str | None = None,
        error: str | None = None,
        partial: bool = False,
        status_code: int = 200,
    ) -> HTMLResponse:
        session = ScreeningSession(project.store, reviewer=c.user, stage=stage, ranker=ranker)
        current = session.current
        if front is not None and front in session.queue:
            current = project.store.record(front)
        values: dict[str, Any] = {
            "stage": stage,
            "progress": session.progress(),
            "error": error,
            "current": current,
            "reasons": project.protocol.screening.exclusion_reasons,
        }
        if current is not None:
            keywords = project.protocol.keywords
            values["title_html"] = _marked(current.record.title or "(no title)", keywords)
            values["abstract_html"] = _marked(current.record.abstract or "", keywords)
            pdf = accounts.latest("fulltext", current.key)
            values["pdf"] = pdf.payload if pdf is not None else None
        return page(request, "_card.html" if partial else "screen.html", c, status_code=status_code, **values)

    @app.get("/screen/{stage}", response_class=HTMLResponse)
    def screen(request: Request, stage: str, c: Ctx, record: str | None = None) -> Response:
        return card(request, c, _stage(stage), front=record)

    @app.post("/screen/{stage}/decide", response_class=HTMLResponse)
    def decide(request: Request, stage: str, c: Ctx, form: Posted) -> Response:
        parsed = _stage(stage)
        key, label = str(form.get("record", "")), str(form.get("label", ""))
        reason = str(form.get("reason") or "") or None
        error = None
        source = AuditSource(address=address(request))
        try:
            if label == "not_retrieved":
                project.store.mark_not_retrieved(key, reviewer=c.user, reason=reason, audit=source)
            else:
                if label not in ("include", "exclude", "maybe"):
                    raise SysreviewError(f"unknown label {label!r}")
                project.store.decide(key, stage=parsed, reviewer=c.user, label=label, reason=reason, audit=source)  # type: ignore[arg-type]
        except SysreviewError as exc:
            error = str(exc)
        return _after(request, c, parsed, error=error, front=key if error else None)

    @app.post("/screen/{stage}/undo", response_class=HTMLResponse)
    def undo(request: Request, stage: str, c: Ctx, _form: Posted) -> Response:
        parsed = _stage(stage)
        decision = project.store.undo(reviewer=c.user, stage=parsed, audit=AuditSource(address=address(request)))
        front = decision.record if decision is not None else None
        return _after(request, c, parsed, front=front, error=None if decision else "nothing to undo")

    def _after(request: Request, c: _Ctx, stage: Stage, *, front: str | None, error: str | None) -> Response:
        if request.headers.get("HX-Request"):
            return card(request, c, stage, front=front, error=error, partial=True)
        if error:
            return card(request, c, stage, front=front, error=error, status_code=400)
        target = f"/screen/{stage}" + (f"?record={front}" if front else "")
        return RedirectResponse(target, status_code=303)

    # -- full texts ------------------------------------------------------------------------------------------------
    @app.post("/records/{key}/pdf")
    def upload_pdf(request: Request, key: str, c: Ctx, form: Posted) -> Response:
        project.store.record(key)  # an unknown record is an error
        upload = form.get("pdf")
        if not isinstance(upload, UploadFile):
            raise _ForbiddenError("no file was sent")
        data = upload.file.read(MAX_PDF_BYTES + 1)
        if len(data) > MAX_PDF_BYTES or not data.startswith(b"%PDF-"):
            return page(request, "message.html", c, status_code=400, message="Not a PDF file (or larger than 50 MB).")
        digest = hashlib.sha256(data).hexdigest()
        target = folder / FULLTEXT_DIR / f"{digest}.pdf"
        target.parent.mkdir(exist_ok=True)
        if not target.exists():
            target.write_bytes(data)
        accounts.submit(
            "fulltext",
            key,
            user=c.user,
            payload={"sha256": digest, "file_name": upload.filename or ""},
            address=address(request),
        )
        return RedirectResponse(f"/screen/full_text?record={key}", status_code=303)

    @app.get("/records/{key}/pdf")
    def get_pdf(key: str, c: Ctx) -> Response:  # noqa: ARG001 (the session is what is checked)
        saved = accounts.latest("fulltext", key)
        if saved is None:
            return Response("no full text uploaded", status_code=404)
        path = folder / FULLTEXT_DIR / f"{saved.payload['sha256']}.pdf"
        return FileResponse(path, media_type="application/pdf", content_disposition_type="inline")

    # -- conflicts (leads) ---------------------------------------------------------------------------------------
    @app.get("/conflicts/{stage}", response_class=HTMLResponse)
    def conflicts(request: Request, stage: str, c: Lead, error: str | None = None) -> Response:
        parsed = _stage(stage)
        entries = project.store.state().conflicts(parsed, resolver=c.user)
        records = {s.key: s.record for s in project.store.records([e.record for e in entries])} if entries else {}
        return page(
            request,
            "conflicts.html",
            c,
            stage=parsed,
            entries=entries,
            records=records,
            error=error,
            reasons=project.protocol.screening.exclusion_reasons,
        )

    @app.post("/conflicts/{stage}/resolve")
    def resolve(request: Request, stage: str, c: Lead, form: Posted) -> Response:
        parsed = _stage(stage)
        key, label = str(form.get("record", "")), str(form.get("label", ""))
        reason = str(form.get("reason") or "") or None
        try:
            if label not in ("include", "exclude"):
                raise SysreviewError(f"a resolution is include or exclude, not {label!r}")
            project.store.resolve(
                key,
                stage=parsed,
                reviewer=c.user,
                label=label,  # type: ignore[arg-type]
                reason=reason,
                audit=AuditSource(address=address(request)),
            )
        except SysreviewError as exc:
            return conflicts(request, stage, c, error=str(exc))
        return RedirectResponse(f"/conflicts/{parsed}", status_code=303)

    # -- extraction ------------------------------------------------------------------------------------------------
    def form_definition() -> Any:
        from sysreview.extraction import default_form, load_form  # noqa: PLC0415

        path = folder / FORM_FILE
        return load_form(path) if path.exists() else default_form()

    def included() -> list[str]:
        state = project.store.state()
        return [i.key for i in state.eligible("full_text") if state.screening.status(i.key, "full_text") == "included"]

    @app.get("/extraction", response_class=HTMLResponse)
    def extraction_list(request: Request, c: Ctx) -> Response:
        keys = included()
        records = project.store.records(keys) if keys else ()
        saved = {key: accounts.latest("extraction", key, user=c.user) for key in keys}
        return page(request, "extraction_list.html", c, records=records, saved=saved)

    @app.get("/extraction/{key}", response_class=HTMLResponse)
    def extraction(request: Request, key: str, c: Ctx, saved: bool = False) -> Response:
        record = project.store.record(key)
        latest = accounts.latest("extraction", key, user=c.user)
        values = latest.payload.get("study", {}) if latest else {}
        outcomes = latest.payload.get("outcomes", {}) if latest else {}
        return page(
            request,
            "extraction.html",
            c,
            record=record,
            form=form_definition(),
            values=values,
            outcomes=outcomes,
            problems={},
            saved=saved,
            latest=latest,
            arm_stats=ARM_STATS,
            arms=ARMS,
        )

    @app.post("/extraction/{key}", response_class=HTMLResponse)
    def save_extraction(request: Request, key: str, c: Ctx, form: Posted) -> Response:
        record = project.store.record(key)
        definition = form_definition()
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for spec in definition.study_fields:
            if spec.type == "multi-choice":
                raw: Any = [str(v) for v in form.getlist(spec.name)]
            else:
                raw = str(form.get(spec.name) or "").strip()
            problem = _check_value(spec, raw)
            if problem:
                problems[spec.name] = problem
            values[spec.name] = raw
        outcomes = _outcome_values(definition, form, problems)
        if problems:
            return page(
                request,
                "extraction.html",
                c,
                status_code=422,
                record=record,
                form=definition,
                values=values,
                outcomes=outcomes,
                problems=problems,
                saved=False,
                latest=None,
                arm_stats=ARM_STATS,
                arms=ARMS,
            )
        accounts.submit(
            "extraction",
            key,
            user=c.user,
            payload={"form": definition.name, "study": values, "outcomes": outcomes},
            address=address(request),
        )
        return RedirectResponse(f"/extraction/{key}?saved=1", status_code=303)

    # -- RoB 2 -----------------------------------------------------------------------------------------------------
    @app.get("/rob2/{key}", response_class=HTMLResponse)
    def rob2(request: Request, key: str, c: Ctx) -> Response:
        record = project.store.record(key)
        latest = accounts.latest("rob2", key, user=c.user)
        payload = latest.payload if latest else {"aim": "assignment", "answers": {}}
        return page(request, "rob2.html", c, record=record, **_rob2_view(payload), saved=latest is not None)

    @app.post("/rob2/{key}", response_class=HTMLResponse)
    def save_rob2(request: Request, key: str, c: Ctx, form: Posted) -> Response:
        record = project.store.record(key)
        aim = "adhering" if form.get("aim") == "adhering" else "assignment"
        answers = {
            name[2:]: str(value)
            for name, value in form.multi_items()
            if name.startswith("q_") and isinstance(value, str) and value
        }
        payload = {"aim": aim, "answers": answers}
        view = _rob2_view(payload)
        payload["judgements"] = {d: r["judgement"] for d, r in view["results"].items() if r["judgement"]}
        payload["overall"] = view["overall"]
        accounts.submit("rob2", key, user=c.user, payload=payload, address=address(request))
        return page(request, "rob2.html", c, record=record, **view, saved=True)

    # -- audit log (leads) ---------------------------------------------------------------------------------------
    @app.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, c: Lead) -> Response:
        return page(request, "audit.html", c, lines=accounts.audit_log())

    analyses = AnalysisCache(project, form_definition)
    app.state.analyses = analyses

    @app.get("/analysis", response_class=HTMLResponse)
    def analysis(request: Request, c: Ctx) -> Response:
        return page(request, "analysis.html", c, result=analyses.page(), form_file=FORM_FILE)

    @app.get("/analysis/{analysis_id}/extras", response_class=HTMLResponse)
    def analysis_extras(request: Request, analysis_id: str, c: Ctx) -> Response:
        """An analysis' subgroups, leave-one-out and small-study parts: the fragment the page's htmx loads when
        the section is opened, or a page of its own (without JavaScript)."""
        extras = analyses.extras(analysis_id)
        if extras is None:
            message = f"The analysis plan has no analysis {analysis_id!r}."
            return page(request, "message.html", c, status_code=404, message=message)
        partial = bool(request.headers.get("HX-Request"))
        name = "_analysis_extras.html" if partial else "analysis_extras.html"
        return page(request, name, c, extras=extras, heading=3 if partial else 2)

    return app


# ---------------------------------------------------------------------- helpers
class _CachedRanker:
    """A ranking model that remembers its latest answers, keyed by exactly what it was shown (stage, reviewer,
    records, labels): the pages are stateless, and without this every page view would refit the model."""

    def __init__(self, ranker: Ranker, *, size: int = 16) -> None:
        self.ranker = ranker
        self._size = size
        self._cache: OrderedDict[tuple[Any, ...], Ranking] = OrderedDict()
        self._lock = threading.Lock()

    def rank(self, data: LabelledRecords) -> Ranking:
        """The wrapped model's ranking of ``data`` (computed once per distinct ``data``)."""
        key = (data.stage, data.reviewer, tuple(record.id for record in data.records), data.labels)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        ranking = self.ranker.rank(data)
        with self._lock:
            self._cache[key] = ranking
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return ranking


def _outcome_values(definition: Any, form: FormData, problems: dict[str, str]) -> dict[str, Any]:
    """The arms' outcome numbers typed into the extraction form (``o.OUTCOME.ARM.STAT``), checked; empty ones
    left out."""
    outcomes: dict[str, Any] = {}
    for outcome in definition.outcomes:
        stats = ARM_STATS.get(outcome.family)
        if stats is None:
            continue
        for arm in ARMS:
            for stat in stats:
                name = f"o.{outcome.name}.{arm}.{stat}"
                raw = str(form.get(name) or "").strip()
                if not raw:
                    continue
                outcomes.setdefault(outcome.name, {}).setdefault(arm, {})[stat] = raw
                problem = _check_stat(stat, raw)
                if problem:
                    problems[name] = problem
        for arm, given in outcomes.get(outcome.name, {}).items():
            name = f"o.{outcome.name}.{arm}.events"
            checked = name not in problems and f"o.{outcome.name}.{arm}.n" not in problems
            if checked and "events" in given and "n" in given and Decimal(given["events"]) > Decimal(given["n"]):
                problems[name] = "at most the arm's n"
    return outcomes


def _check_stat(stat: str, raw: str) -> str | None:
    """Why an arm's number does not fit (None: it fits)."""
    if stat in ("n", "events"):
        return None if re.fullmatch(r"\d+", raw) else "a whole number, 0 or more"
    try:
        number = Decimal(raw.replace("−", "-"))
    except InvalidOperation:
        return "a number"
    if not number.is_finite():
        return "a number"
    if stat == "sd" and number < 0:
        return "0 or more"
    return None


def _stage(value: str) -> Stage:
    try:
        return parse_stage(value)
    except SysreviewError:
        raise _ForbiddenError(f"unknown stage {value!r}") from None


def _marked(text: str, keywords: Any) -> Markup:
    """``text`` escaped, with the protocol's keywords in ``<mark>``."""
    parts: list[str] = []
    at = 0
    for h in highlights(text, keywords):
        parts.append(str(escape(text[at : h.start])))
        parts.append(f'<mark class="kw-{h.kind}">{escape(text[h.start : h.end])}</mark>')
        at = h.end
    parts.append(str(escape(text[at:])))
    return Markup("".join(parts))


def _check_value(spec: Any, raw: Any) -> str | None:
    """Why a value typed into the extraction form does not fit its field (None: it fits, or it is empty)."""
    if raw in ("", []) or raw in ("NR", "NA"):
        return None
    if spec.type == "integer" and not re.fullmatch(r"[+-]?\d+", raw):
        return "a whole number"
    if spec.type == "number":
        try:
            number = Decimal(raw)
        except InvalidOperation:
            return "a number"
        if spec.minimum is not None and number < spec.minimum:
            return f"at least {spec.minimum}"
        if spec.maximum is not None and number > spec.maximum:
            return f"at most {spec.maximum}"
    if spec.type == "choice" and raw not in spec.choices:
        return f"one of {', '.join(spec.choices)}"
    if spec.type == "multi-choice" and any(v not in spec.choices for v in raw):
        return f"from {', '.join(spec.choices)}"
    if spec.type == "boolean" and raw not in ("yes", "no"):
        return "yes or no"
    return None


def _rob2_view(payload: dict[str, Any]) -> dict[str, Any]:
    """The RoB 2 form's questions, the answers given and the judgements the algorithm computes from them."""
    from sysreview.appraisal import ROB2_DOMAINS, judge_rob2_domain, overall_rule, rob2_questions  # noqa: PLC0415

    aim = payload.get("aim", "assignment")
    answers: dict[str, str] = payload.get("answers", {})
    domains = []
    results: dict[str, dict[str, Any]] = {}
    for domain, title in ROB2_DOMAINS.items():
        questions = rob2_questions(domain, aim=aim)
        given = {q.id: answers[q.id] for q in questions if answers.get(q.id)}
        result: dict[str, Any] = {"judgement": None, "rule": None, "problem": None}
        if given:
            try:
                judged = judge_rob2_domain(domain, given, aim=aim)
                result.update(judgement=judged.judgement, rule=getattr(judged, "rule", None))
            except SysreviewError as exc:
                result["problem"] = str(exc)
        results[domain] = result
        domains.append({"id": domain, "title": title, "questions": questions})
    overall = None
    judged_all = [results[d]["judgement"] for d in ROB2_DOMAINS]
    if all(judged_all):
        overall = overall_rule(judged_all, tool="rob2").algorithm
    return {"aim": aim, "answers": answers, "domains": domains, "results": results, "overall": overall}
