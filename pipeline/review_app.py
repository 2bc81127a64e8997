"""Review app: ``python -m pipeline review OUTDIR``, verdicts on mentions from the browser.

A local web app on Starlette, served by uvicorn: an index of the documents with their
review progress, a document view (text, mentions with filters and keyboard shortcuts, the
PDF page with the mention's box, rendered on demand and cached), and the JSON API both the
pages and scripts use. Verdicts are the ones ``audit apply`` records (``review.py``): kept
by document hash and span in the corrections table, every reviewer's kept, the latest
applied by the next ``run``.

Only the holder of the token may read or write: it is printed in the URL (as Jupyter
does), taken from ``?token=`` or an ``Authorization: token ...`` header, then kept in an
HttpOnly, SameSite=Strict cookie. The server listens on 127.0.0.1, answers only to the
host names it was started for (no DNS rebinding), and refuses writes from another origin.
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import secrets
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from .data import Label
from .errors import PipelineError, ReviewError
from .page_images import APP_WIDTH, MEDIA_TYPE, PageCache, PageImageError
from .review import agreement, latest_per_reviewer, parse_verdict, record_verdicts, span_key, verdict_row
from .tables import DATABASE, Store

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "review_static"
LABELS = tuple(label.value for label in Label)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_FIELDS = {"doc_id", "mention_id", "verdict", "reviewer"}
REMOVED_PREFIX = "x-"  # id of a mention a verdict removed: x-LABEL-start-end
MAX_BODY = 64 * 1024


@dataclass
class ReviewSettings:
    outdir: Path
    token: str
    reviewer: str
    cache: Path | None = None  # rendered pages (default: OUTDIR/.page-cache)
    host: str = "127.0.0.1"
    written: int = 0  # verdicts recorded since the start

    @property
    def database(self) -> Path:
        return Path(self.outdir) / DATABASE


def new_token() -> str:
    return secrets.token_urlsafe(24)


# ---------------------------------------------------------------------- reading
def _query(db: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r)) for r in cursor]


@contextlib.contextmanager
def _read(settings: ReviewSettings) -> Iterator[sqlite3.Connection]:
    """A read-only connection: looking never changes the database, even its schema."""
    if not settings.database.exists():
        raise PipelineError(f"no database at {settings.database}; run `python -m pipeline run FOLDER --out "
                            f"{settings.outdir}` first")
    db = sqlite3.connect(f"{settings.database.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        yield db
    finally:
        db.close()


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def documents_overview(settings: ReviewSettings) -> list[dict]:
    """Every document with its status, mentions per type and review progress."""
    with _read(settings) as db:
        docs = _query(db, "SELECT doc_id, source, pages, status, error, date, title FROM documents ORDER BY source")
        counts: dict[str, Counter] = defaultdict(Counter)
        for doc_id, label, n in db.execute("SELECT doc_id, label, COUNT(*) FROM mentions GROUP BY doc_id, label"):
            counts[doc_id][label] = n
        reviewed = dict(db.execute(
            'SELECT m.doc_id, COUNT(DISTINCT m.mention_id) FROM mentions m JOIN corrections c ON c.doc_id = m.doc_id '
            'AND c.label = m.label AND c.start = m.start AND c."end" = m."end" GROUP BY m.doc_id'))
        removed = dict(db.execute(
            'SELECT c.doc_id, COUNT(DISTINCT c.label || c.start || \':\' || c."end") FROM corrections c '
            'WHERE c.verdict = \'wrong\' AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.doc_id = c.doc_id '
            'AND m.label = c.label AND m.start = c.start AND m."end" = c."end") GROUP BY c.doc_id'))
        by_span: dict[tuple, list[dict]] = defaultdict(list)
        for c in _query(db, "SELECT doc_id, label, start, \"end\", verdict, value, reviewer, reviewed_at "
                            "FROM corrections"):
            by_span[span_key(c)].append(c)
    disagreements: Counter = Counter(k[0] for k, v in by_span.items() if agreement(v) == "disagree")
    out = []
    for d in docs:
        n = counts.get(d["doc_id"], Counter())
        out.append(dict(doc_id=d["doc_id"], name=Path(d["source"]).name, source=d["source"], title=d["title"] or "",
                        date=d["date"] or "", pages=d["pages"], status=d["status"], error=d["error"] or "",
                        mentions=sum(n.values()), counts={label: n.get(label, 0) for label in LABELS},
                        reviewed=reviewed.get(d["doc_id"], 0), removed=removed.get(d["doc_id"], 0),
                        disagreements=disagreements.get(d["doc_id"], 0)))
    return out


def document_detail(settings: ReviewSettings, doc_id: str) -> dict | None:
    """One document: its text, page sizes and speakers."""
    with _read(settings) as db:
        docs = _query(db, "SELECT doc_id, source, pages, status, error, date, title FROM documents WHERE doc_id = ?",
                      (doc_id,))
        if not docs:
            return None
        text = db.execute("SELECT text FROM texts WHERE doc_id = ?", (doc_id,)).fetchone()
        pages = _query(db, "SELECT page, width, height FROM pages WHERE doc_id = ? ORDER BY page", (doc_id,))
        speakers = _query(db, "SELECT speaker_id, name, role, organisation, country, kind FROM speakers "
                              "WHERE doc_id = ?", (doc_id,))
    d = docs[0]
    return dict(d, name=Path(d["source"]).name, text=text[0] if text else "", page_sizes=pages, speakers=speakers,
                reviewer=settings.reviewer)


def _mention_rows(db: sqlite3.Connection, doc_id: str) -> list[dict]:
    rows = _query(db, "SELECT * FROM mentions WHERE doc_id = ? ORDER BY start, \"end\"", (doc_id,))
    return [{k: _clean(v) for k, v in r.items()} for r in rows]


def _verdicts(db: sqlite3.Connection, doc_id: str) -> dict[tuple, list[dict]]:
    out: dict[tuple, list[dict]] = defaultdict(list)
    for c in _query(db, "SELECT * FROM corrections WHERE doc_id = ? ORDER BY reviewed_at", (doc_id,)):
        out[span_key(c)].append(c)
    return out


def _verdict_text(v: dict) -> str:
    return f"fix:{v['value']}" if v["verdict"] == "fix" else v["verdict"]


def _with_verdicts(m: dict, verdicts: list[dict]) -> dict:
    mine = latest_per_reviewer(verdicts)
    m["verdicts"] = [dict(reviewer=v["reviewer"], verdict=_verdict_text(v), reviewed_at=v["reviewed_at"])
                     for v in mine]
    m["agreement"] = agreement(verdicts)
    m["verdict"] = _verdict_text(mine[-1]) if mine else ""
    return m


def mentions_of(settings: ReviewSettings, doc_id: str) -> list[dict] | None:
    """A document's mentions with their verdicts, and the spans verdicts removed from the
    tables since (so they can still be seen and reversed)."""
    with _read(settings) as db:
        if db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone() is None:
            return None
        mentions = _mention_rows(db, doc_id)
        verdicts = _verdicts(db, doc_id)
        names = dict(db.execute("SELECT speaker_id, name FROM speakers WHERE doc_id = ?", (doc_id,)))
    out, present = [], set()
    for m in mentions:
        key = span_key(m)
        present.add(key)
        m = dict(m, speaker=names.get(m.get("speaker_id") or "", ""), explanation=m.get("explanation") or "",
                 removed=False)
        out.append(_with_verdicts(m, [v for v in verdicts.get(key, []) if v["text"] in ("", None, m["text"])]))
    for key, vs in verdicts.items():
        if key in present or vs[-1]["verdict"] != "wrong":
            continue
        _, label, start, end = key
        out.append(_with_verdicts(dict(doc_id=doc_id, mention_id=f"{REMOVED_PREFIX}{label}-{start}-{end}", label=label,
                                       text=vs[-1]["text"], start=start, end=end, page=None, confidence=None,
                                       rule="", explanation="", value="", speaker="", speaker_id="",
                                       removed=True), vs))
    return out


def _number(raw: str | None, name: str) -> float | None:
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise ReviewError(f"{name} must be a number between 0 and 1, got {raw!r}") from None


def filter_mentions(mentions: list[dict], label: str | None = None, rule: str | None = None,
                    speaker: str | None = None, min_confidence: str | None = None,
                    max_confidence: str | None = None, reviewed: str | None = None) -> list[dict]:
    """The mentions that pass every filter given (labels comma-separated; speaker by id or name)."""
    labels = {x.strip().upper() for x in (label or "").split(",") if x.strip()}
    if labels - set(LABELS):
        raise ReviewError(f"unknown label(s) {sorted(labels - set(LABELS))}; use {', '.join(LABELS)}")
    if reviewed not in (None, "", "yes", "no"):
        raise ReviewError(f"reviewed must be yes or no, got {reviewed!r}")
    low, high = _number(min_confidence, "min_confidence"), _number(max_confidence, "max_confidence")
    out = []
    for m in mentions:
        if labels and m["label"] not in labels or rule and m.get("rule") != rule:
            continue
        if speaker and speaker not in (m.get("speaker_id"), m.get("speaker")):
            continue
        conf = m.get("confidence")
        if low is not None and (conf is None or conf < low) or high is not None and (conf is None or conf > high):
            continue
        if reviewed and (reviewed == "yes") != bool(m["verdict"]):
            continue
        out.append(m)
    return out


# ---------------------------------------------------------------------- writing
def _body_error(message: str) -> ReviewError:
    return ReviewError(message + '; send {"doc_id": ..., "mention_id": ..., "verdict": "ok" | "wrong" | '
                                 '"fix:<value>", "reviewer": ... (optional)}')


def parse_body(raw: bytes, default_reviewer: str) -> dict:
    """The verdict a request body asks for, checked field by field (ReviewError says which)."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _body_error(f"the body is not JSON ({e})") from None
    if not isinstance(body, dict):
        raise _body_error("the body must be a JSON object")
    unknown = set(body) - BODY_FIELDS
    if unknown:
        raise _body_error(f"unknown field(s) {sorted(unknown)}")
    for name in ("doc_id", "mention_id", "verdict"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise _body_error(f"{name} is missing or not a string")
    reviewer = body.get("reviewer", default_reviewer)
    if not isinstance(reviewer, str) or not reviewer.strip() or len(reviewer) > 200:
        raise _body_error("reviewer must be a non-empty name")
    return dict(doc_id=body["doc_id"].strip(), mention_id=body["mention_id"].strip(), verdict=body["verdict"],
                reviewer=reviewer.strip())


def record(settings: ReviewSettings, request: dict) -> dict:
    """Record one verdict on a mention of a document; return the mention with its verdicts."""
    mentions = mentions_of(settings, request["doc_id"])
    if mentions is None:
        raise ReviewError(f"no document {request['doc_id']!r}; GET /api/documents lists them")
    found = [m for m in mentions if m["mention_id"] == request["mention_id"]]
    if not found:
        raise ReviewError(f"no mention {request['mention_id']!r} in document {request['doc_id']}; "
                          "GET /api/mentions?doc_id=... lists them")
    m = found[0]
    kind, value = parse_verdict(request["verdict"], m["label"])
    row = verdict_row(request["doc_id"], m["label"], m["start"], m["end"], m["text"], kind, value,
                      request["reviewer"])
    with Store(settings.outdir) as store:
        record_verdicts(store, [row], export=False)  # the next run (or closing the app) exports the table
    settings.written += 1
    updated = [x for x in mentions_of(settings, request["doc_id"]) or [] if span_key(x) == span_key(m)]
    return dict(recorded=row, mention=updated[0] if updated else None)


# ---------------------------------------------------------------------- security
class TokenGuard:
    """ASGI middleware: the token (query, header or cookie) for everything, the expected Host,
    and same-origin writes only. A token in the query becomes a cookie, then leaves the URL."""

    def __init__(self, app: ASGIApp, token: str, host: str) -> None:
        self.app, self.token = app, token
        wildcard = host in ("0.0.0.0", "::", "")
        self.hosts = None if wildcard else LOCAL_HOSTS | {host.strip("[]")}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = self._refusal(request)
        if refused:
            api = request.url.path.startswith("/api/")
            response: Response = (JSONResponse({"error": refused}, 403) if api
                                  else PlainTextResponse(f"403 Forbidden: {refused}\n", 403))
            await response(scope, receive, send)
            return
        if "token" in request.query_params and request.method == "GET" and not request.url.path.startswith("/api/"):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            response = RedirectResponse(request.url.path + (f"?{urlencode(rest)}" if rest else ""), 303)
            response.set_cookie(_cookie_name(request), self.token, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, request: Request) -> str:
        host = request.url.hostname or ""
        if self.hosts is not None and host not in self.hosts:
            return f"this server answers to {', '.join(sorted(self.hosts))}, not {host!r}"
        header = request.headers.get("authorization", "")
        given = [request.query_params.get("token", ""), request.cookies.get(_cookie_name(request), "")]
        if header.lower().startswith("token "):
            given.append(header[6:].strip())
        if not any(g and secrets.compare_digest(g.encode(), self.token.encode()) for g in given):
            return "a token is needed: open the URL printed by `python -m pipeline review` (it ends in ?token=...)"
        if request.method not in SAFE_METHODS:
            origin = request.headers.get("origin")
            expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
            if origin is not None and origin != expected or request.headers.get("sec-fetch-site") == "cross-site":
                return "a write from another site is refused"
        return ""


def _cookie_name(request: Request) -> str:
    return f"pipeline-review-{request.url.port or 80}"  # cookies ignore ports: one per server


# ---------------------------------------------------------------------- the app
def create_app(settings: ReviewSettings) -> Starlette:
    """The review app over one output folder."""
    cache = PageCache(settings.cache or Path(settings.outdir) / ".page-cache")

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def document_page(request: Request) -> Response:
        return FileResponse(STATIC / "document.html")

    async def api_documents(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(documents_overview, settings))

    async def api_document(request: Request) -> Response:
        detail = await run_in_threadpool(document_detail, settings, request.path_params["doc_id"])
        if detail is None:
            return JSONResponse({"error": f"no document {request.path_params['doc_id']!r}"}, 404)
        return JSONResponse(detail)

    async def api_mentions(request: Request) -> Response:
        q = request.query_params
        doc_id = q.get("doc_id", "")
        if not doc_id:
            return JSONResponse({"error": "give doc_id: /api/mentions?doc_id=...&label=FIGURE"}, 400)
        mentions = await run_in_threadpool(mentions_of, settings, doc_id)
        if mentions is None:
            return JSONResponse({"error": f"no document {doc_id!r}; GET /api/documents lists them"}, 404)
        try:
            chosen = filter_mentions(mentions, q.get("label"), q.get("rule"), q.get("speaker"),
                                     q.get("min_confidence"), q.get("max_confidence"), q.get("reviewed"))
        except ReviewError as e:
            return JSONResponse({"error": str(e)}, 400)
        return JSONResponse(chosen)

    async def api_verdicts(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"error": "the body is too large for one verdict"}, 413)
        try:
            asked = parse_body(raw, settings.reviewer)
            return JSONResponse(await run_in_threadpool(record, settings, asked))
        except ReviewError as e:
            return JSONResponse({"error": str(e)}, 400)

    async def page_image(request: Request) -> Response:
        doc_id, page = request.path_params["doc_id"], request.path_params["page"]
        try:
            width = int(request.query_params.get("width", APP_WIDTH))
        except ValueError:
            return PlainTextResponse("width must be a whole number of pixels", 400)
        detail = await run_in_threadpool(_source_of, settings, doc_id)
        if detail is None:
            return PlainTextResponse(f"no document {doc_id!r}", 404)
        try:
            data = await run_in_threadpool(cache.get, doc_id, Path(detail), page, width)
        except PageImageError as e:
            return PlainTextResponse(str(e), 404)
        return Response(data, media_type=MEDIA_TYPE, headers={"Cache-Control": "private, max-age=86400"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        if settings.written:  # the CSV and Parquet copies of the corrections, as `audit apply` leaves them
            with Store(settings.outdir) as store:
                store.export(("corrections",))

    routes = [
        Route("/", index),
        Route("/documents/{doc_id}", document_page),
        Route("/api/documents", api_documents),
        Route("/api/documents/{doc_id}", api_document),
        Route("/api/mentions", api_mentions),
        Route("/api/verdicts", api_verdicts, methods=["POST"]),
        Route("/pages/{doc_id}/{page:int}.webp", page_image),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(TokenGuard, token=settings.token, host=settings.host)
    return app


def _source_of(settings: ReviewSettings, doc_id: str) -> str | None:
    with _read(settings) as db:
        row = db.execute("SELECT source FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    return row[0] if row else None


def url_of(host: str, port: int, token: str, path: str = "/") -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}?token={quote(token)}"


def check_port(host: str, port: int) -> None:
    """Say clearly, before serving, that the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise PipelineError(f"cannot listen on {host}:{port} ({e.strerror}); choose another with --port") from e


def serve(settings: ReviewSettings, port: int) -> None:
    """Serve until interrupted."""
    uvicorn.run(create_app(settings), host=settings.host, port=port, log_level="warning")


class BackgroundServer:
    """The app served by uvicorn in a thread, on a free port (the benchmark, the tests)."""

    def __init__(self, settings: ReviewSettings) -> None:
        config = uvicorn.Config(create_app(settings), host=settings.host, port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.settings = settings
        self.port = 0

    def __enter__(self) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise PipelineError("the review server did not start")
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def url(self, path: str = "/") -> str:
        return f"http://{self.settings.host}:{self.port}{path}"


# ---------------------------------------------------------------------- benchmark
def benchmark(outdir: Path) -> Iterator[str]:
    """Time what a reviewer waits for, over HTTP against a served copy of the app: the index,
    and each document's view with its first page rendered (empty page cache)."""
    settings = ReviewSettings(Path(outdir), new_token(), "benchmark", cache=Path(tempfile.mkdtemp(prefix="pages-")))
    with BackgroundServer(settings) as server:
        def get(path: str) -> tuple[float, bytes]:
            request = urllib.request.Request(server.url(path), headers={"Authorization": f"token {settings.token}"})
            t = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as r:
                body = r.read()
            return time.perf_counter() - t, body

        get("/api/documents")  # warm up: imports, first connection
        t_page, _ = get("/")
        t_api, body = get("/api/documents")
        docs = json.loads(body)
        yield (f"review app on {outdir}: {len(docs)} documents, {sum(d['mentions'] for d in docs)} mentions, "
               f"{sum(d['pages'] or 0 for d in docs)} pages")
        yield f"  index: {t_page + t_api:.3f} s (page {t_page:.3f} s + /api/documents {t_api:.3f} s)"
        views, renders, cached = [], [], []
        for d in docs:
            if d["status"] == "failed":
                continue
            doc = quote(d["doc_id"])
            parts = [get(f"/documents/{doc}")[0], get("/static/review.js")[0], get(f"/api/documents/{doc}")[0],
                     get(f"/api/mentions?doc_id={doc}")[0]]
            first_page, _ = get(f"/pages/{doc}/1.webp")
            renders.append(first_page)
            views.append((sum(parts) + first_page, d["name"]))
            cached.append(get(f"/pages/{doc}/1.webp")[0])
        if views:
            worst = max(views)
            yield (f"  document view (page, script, text, mentions and its first page image rendered on demand): "
                   f"median {statistics.median(v for v, _ in views):.3f} s, slowest {worst[0]:.3f} s ({worst[1]})")
            yield (f"  page image: rendered {statistics.median(renders):.3f} s (median), from the cache "
                   f"{statistics.median(cached):.3f} s")
