"""The dashboard's web application: server-rendered pages over the operator commands.

Everything shown (keys, extracted text, errors, log lines) is untrusted: Jinja
escapes it and a Content-Security-Policy forbids inline script. Every action is
a POST carrying the per-process token embedded in the pages.
"""

from __future__ import annotations

import hmac
import re
import secrets
import tempfile
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from pg8000.exceptions import DatabaseError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from dashboard import board, cost, files, health
from dashboard.service import APP_ID
from operations import dlq, reconcile
from operations import search as fts
from settings import db
from settings.config import Config
from settings.text_input import NotText

HERE = Path(__file__).resolve().parent
POLL_MS = {"board": 2000, "health": 5000}
SEARCH_LIMIT = 20
MAX_BOARD_ROWS = 5000
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI middleware)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def snippet_html(snippet: str) -> Markup:
    """A search snippet with its [[matches]] in <mark>, everything else escaped."""
    parts = re.split(r"\[\[(.*?)\]\]", snippet)
    return Markup("".join(f"<mark>{escape(p)}</mark>" if i % 2 else str(escape(p)) for i, p in enumerate(parts)))


def clock(value, milliseconds: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    text = value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return text[:-3] if milliseconds else text[:-7]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def quantity(value: float) -> str:
    """1,746,000 or 0.03007: whole numbers with separators from 100 up, 4 significant digits below."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.4g}"


def human_size(size: int | None) -> str:
    return fts._human_size(size) if size is not None else ""


class Flash:
    """Results of actions, shown once on the page the action redirects to (bounded)."""

    def __init__(self, keep: int = 100):
        self._messages: OrderedDict[str, tuple[bool, str]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def put(self, ok: bool, message: str) -> str:
        ident = secrets.token_urlsafe(8)
        with self._lock:
            self._messages[ident] = (ok, message)
            while len(self._messages) > self._keep:
                self._messages.popitem(last=False)
        return ident

    def pop(self, ident: str | None) -> tuple[bool, str] | None:
        with self._lock:
            return self._messages.pop(ident, None) if ident else None


def create_app(cfg: Config, *, token: str | None = None) -> Starlette:
    token = token or secrets.token_urlsafe(32)
    flash = Flash()
    collector: list[board.Collector] = []  # made on first use: an unopened dashboard creates nothing
    collector_lock = threading.Lock()

    def get_collector() -> board.Collector:
        with collector_lock:
            if not collector:
                collector.append(board.Collector(cfg))
            return collector[0]

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters.update(
        snippet=snippet_html, clock=clock, duration=duration, size=human_size, money=cost.money, quantity=quantity
    )
    templates = Jinja2Templates(
        env=env,
        context_processors=[
            lambda request: {
                "csrf_token": token,
                "cfg": cfg,
                "stage_labels": board.STAGE_LABELS,
                "poll_ms": POLL_MS,
                "flash": flash.pop(request.query_params.get("flash")),
            }
        ],
    )

    def page(request: Request, name: str, status_code: int = 200, **context) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    async def check_token(request: Request) -> dict:
        """The form of a POST (empty for a raw body), after checking its token; 403 without the right one."""
        form = {}
        sent = request.headers.get("x-csrf-token", "")
        if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = dict(await request.form())
            sent = sent or str(form.get("csrf_token", ""))
        if not hmac.compare_digest(sent.encode(), token.encode()):
            raise HTTPException(403, "missing or wrong form token: reload the page and try again")
        return form

    def done(url: str, ok: bool, message: str) -> RedirectResponse:
        sep = "&" if "?" in url else "?"
        return RedirectResponse(f"{url}{sep}flash={flash.put(ok, message)}", status_code=303)

    # --- pages ---------------------------------------------------------------------------

    def board_context(request: Request) -> dict:
        stage = request.query_params.get("stage", "")
        prefix = request.query_params.get("prefix", "")
        current = get_collector().collect()
        shown = current.filtered(stage if stage in board.STAGES else "", prefix)
        counts = current.counts(prefix)
        return {
            "board": current,
            "counts": counts,
            "total": sum(counts.values()),
            "rows": shown[:MAX_BOARD_ROWS],
            "hidden": max(0, len(shown) - MAX_BOARD_ROWS),
            "stage": stage,
            "prefix": prefix,
            "stages": board.STAGES,
        }

    async def board_page(request: Request) -> Response:
        return page(request, "board.html", **await run_in_threadpool(board_context, request))

    async def board_rows(request: Request) -> Response:
        return page(request, "_board.html", **await run_in_threadpool(board_context, request))

    async def file_page(request: Request) -> Response:
        key = request.query_params.get("key", "")
        try:
            detail = await run_in_threadpool(files.detail, cfg, key)
        except files.BadKey as exc:
            return page(request, "error.html", 400, message=str(exc))
        return page(request, "file.html", file=detail)

    async def file_delete(request: Request) -> Response:
        form = await check_token(request)
        try:
            message = await run_in_threadpool(files.delete, cfg, str(form.get("key", "")))
        except files.BadKey as exc:
            return page(request, "error.html", 400, message=str(exc))
        return done("/", True, message)

    async def file_redrive(request: Request) -> Response:
        form = await check_token(request)
        key = str(form.get("key", ""))
        try:
            message = await run_in_threadpool(files.redrive, cfg, key)
            ok = "still failing" not in message
        except files.BadKey as exc:
            return page(request, "error.html", 400, message=str(exc))
        except Exception as exc:
            ok, message = False, f"re-drive failed: {exc}"
        return done(f"/file?key={_quote(files.upload_key(cfg, key))}", ok, message)

    async def search_page(request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        hits, error = [], None
        if query:

            def run():
                conn = db.connect(cfg.database_dsn(), timeout=fts.CONNECT_TIMEOUT)
                try:
                    return fts.search(conn, query, limit=SEARCH_LIMIT)
                finally:
                    conn.close()

            try:
                hits = await run_in_threadpool(run)
            except db.DatabaseUnavailable as exc:
                error = f"{exc}: run `make up`"
            except NotText as exc:
                error = str(exc)
            except DatabaseError as exc:
                error = fts._database_problem(exc)  # the same words as `make search`
        return page(request, "search.html", query=query, hits=hits, error=error)

    async def upload_page(request: Request) -> Response:
        return page(request, "upload.html")

    async def upload_file(request: Request) -> Response:
        await check_token(request)
        try:
            key = files.key_for_upload(
                cfg, request.query_params.get("folder", ""), request.query_params.get("name", "")
            )
        except files.BadKey as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as body:
            async for chunk in request.stream():
                body.write(chunk)
            body.seek(0)
            try:
                await run_in_threadpool(files.upload, cfg, key, body)
            except Exception as exc:
                return JSONResponse({"error": f"upload failed: {exc}"}, status_code=502)
        return JSONResponse({"key": key, "url": f"/file?key={_quote(key)}"})

    async def health_page(request: Request) -> Response:
        preview = None
        if request.query_params.get("preview"):
            try:
                preview = await run_in_threadpool(reconcile.find, cfg)
            except Exception as exc:
                return page(request, "error.html", 502, message=f"reconcile cannot run: {exc}")
        return page(
            request,
            "health.html",
            checks=await run_in_threadpool(health.checks, cfg),
            dlq_size=await run_in_threadpool(_dlq_size),
            preview=preview,
            stages=reconcile.STAGES,
        )

    def _dlq_size() -> int | None:
        try:
            return get_collector().dlq_size()
        except Exception:
            return None

    async def health_data(request: Request) -> Response:
        def gather():
            try:
                hour = health.last_hour(cfg)
            except Exception:
                hour = []
            return {"checks": [c.__dict__ for c in health.checks(cfg)], "dlq_size": _dlq_size(), "last_hour": hour}

        return JSONResponse(await run_in_threadpool(gather))

    def redrive_all() -> tuple[int, int]:
        with board.DLQ_LOCK:
            return dlq.redrive(cfg, log=lambda *_: None)

    async def dlq_redrive(request: Request) -> Response:
        await check_token(request)
        try:
            ok, failing = await run_in_threadpool(redrive_all)
            return done("/health", failing == 0, f"redrive: {ok} re-processed, {failing} still failing")
        except Exception as exc:
            return done("/health", False, f"redrive failed: {exc}")

    async def reconcile_run(request: Request) -> Response:
        await check_token(request)

        def run() -> tuple[bool, str]:
            findings = reconcile.find(cfg)
            if not findings:
                return True, "reconcile: everything is consistent"
            failed = reconcile.redrive(cfg, findings, log=lambda *_: None)
            return (
                failed == 0,
                f"reconcile: {len(findings)} file(s) stuck, re-driven {len(findings) - failed}, still failing {failed}",
            )

        try:
            ok, message = await run_in_threadpool(run)
        except Exception as exc:
            ok, message = False, f"reconcile failed: {exc}"
        return done("/health", ok, message)

    async def cost_page(request: Request) -> Response:
        try:
            minutes = max(1, min(24 * 60, int(request.query_params.get("minutes", "60"))))
        except ValueError:
            minutes = 60
        try:
            work = await run_in_threadpool(cost.observe, cfg, minutes)
        except Exception as exc:
            return page(request, "error.html", 502, message=f"the workload cannot be read: {exc}: run `make up`")
        return page(
            request,
            "cost.html",
            work=work,
            estimate=cost.estimate(work),
            minutes=minutes,
            assumptions=cost.ASSUMPTIONS,
            prices_as_of=cost.PRICES_AS_OF,
            region=cost.REGION,
        )

    async def ping(request: Request) -> Response:
        return JSONResponse({"app": APP_ID})

    async def http_error(request: Request, exc: Exception) -> Response:
        # Registered for HTTPException only; Starlette types every handler as taking any Exception.
        assert isinstance(exc, HTTPException)
        return page(request, "error.html", exc.status_code, message=exc.detail)

    pages = {
        "/": board_page,
        "/board/rows": board_rows,
        "/file": file_page,
        "/search": search_page,
        "/upload": upload_page,
        "/health": health_page,
        "/health/data": health_data,
        "/cost": cost_page,
        "/_dashboard/ping": ping,
    }
    # Every action is a POST that starts with check_token.
    actions = {
        "/file/delete": file_delete,
        "/file/redrive": file_redrive,
        "/upload": upload_file,
        "/dlq/redrive": dlq_redrive,
        "/reconcile": reconcile_run,
    }
    routes = [
        *(Route(path, endpoint) for path, endpoint in pages.items()),
        *(Route(path, endpoint, methods=["POST"]) for path, endpoint in actions.items()),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        # A page on another site cannot reach us through DNS rebinding: only our own names are served.
        Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: http_error})


def _quote(key: str) -> str:
    return quote(key, safe="/")
