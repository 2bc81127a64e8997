"""Run: the stages in order, one document at a time, and a folder of documents in workers.

``process()`` is the whole pipeline for one PDF, readable in one screen: it never raises
for a bad file, it returns a ``Result`` with a status and the problems met (Docling's
conversion result is the model). ``run_folder()`` processes what is new or changed in a
folder, each document in a forked worker with a time limit and a memory cap, and writes
every result to the store as it arrives. The workers are forked here (``supervise()``), or
by the processes of a Dask cluster, each forking its own (``cluster.py``): the limits and
the rows are the same. ``finish()`` then brings what is derived from the stored rows
(themes, CSV and Parquet files) up to date, whatever stopped the run before. Workers die
with the run: stopped by it when it is interrupted, and killed by the kernel when it is killed.
"""
from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import stat
import sys
import time
import traceback
from contextlib import closing
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterator

try:
    import resource  # Unix: worker memory caps and peak memory
except ImportError:  # pragma: no cover - Windows runs documents in-process, without limits
    resource = None

from .data import Result, Status
from .dataset import DatasetStore, open_store
from .errors import BadInputError, PipelineError, ResourceLimitError, TooLargeError
from .extract import extract, read_pdf_bytes, sha256, sha256_file
from .link import link
from .recognise import load_nlp, recognise, rules_version
from .review import apply_corrections
from .settings import Settings
from .tables import Store, rows

log = logging.getLogger(__name__)

CRASHED = "error:"  # a crash is tried again on every run
LIMITED = (ResourceLimitError.status, TooLargeError.status)  # tried again once the limits are raised
STOPPED_FROM_OUTSIDE = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)  # a worker's end that says nothing of its file
STOPPED = "stopped"  # the status of a document whose worker was stopped from outside: left for the next run
PR_SET_PDEATHSIG = 1  # linux/prctl.h
POLL_S = 0.25  # how often workers are checked against their time and memory limits
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def process(path: Path, settings: Settings, password: str | None = None,
            corrections: list[dict] | None = None, digest: str = "") -> Result:
    """Extract, recognise and link one PDF. Bad input becomes a failed Result, never an exception.
    ``digest`` is the file's sha256 when the caller has it (a refused file is then not read)."""
    source = str(path)
    seconds: dict[str, float] = {}
    doc_id = digest
    try:
        t = time.perf_counter()
        data = read_pdf_bytes(path, settings)
        doc_id = doc_id or sha256(data)
        document = extract(path, settings, password=password, data=data)
        seconds["extract"] = time.perf_counter() - t

        t = time.perf_counter()
        nlp = load_nlp(settings.model)
        recognition = apply_corrections(recognise(document, nlp), corrections or [])
        seconds["recognise"] = time.perf_counter() - t

        t = time.perf_counter()
        extraction = link(document, recognition)
        seconds["link"] = time.perf_counter() - t
    except BadInputError as e:
        return Result(doc_id or _hash_or_path(path), source, Status.FAILED, problems=(f"{e.status}: {e.message}",),
                      seconds=seconds)
    except MemoryError:
        return Result(doc_id or _hash_or_path(path), source, Status.FAILED, problems=(_out_of_memory(settings),))
    except Exception as e:  # the document boundary: record anything, move on
        log.debug("unexpected failure on %s", source, exc_info=True)
        return Result(doc_id or _hash_or_path(path), source, Status.FAILED,
                      problems=(f"error: {type(e).__name__}: {e} (please report this file)",), seconds=seconds)
    problems = [f"page {p.number}: {', '.join(lost)}" for p in document.pages
                if (lost := [f for f in p.flags if not f.startswith("rotated")])]  # a turned page loses nothing
    if not any(s.speaker_id for s in extraction.statements):
        problems.append("no meeting structure found: no speaker takes the floor; check the tables by hand")
    status = Status.PARTIAL if problems else Status.OK
    return Result(doc_id, source, status, len(document.pages), tuple(problems), document, extraction, seconds)


def _out_of_memory(settings: Settings) -> str:
    return (f"{ResourceLimitError.status}: ran out of memory under the cap of --memory-mb {settings.memory_mb}; "
            "raise it or split the file")


def _hash_or_path(path: Path) -> str:
    """A stable id for a file that could not be read as a PDF (so re-runs replace its row)."""
    try:
        return sha256_file(path)
    except OSError:
        return sha256(str(path).encode())


# ---------------------------------------------------------------------- folders
@dataclass
class Summary:
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    pruned: int = 0
    pages: int = 0
    seconds: float = 0.0
    still_failed: list[tuple[str, str]] = field(default_factory=list)  # skipped: failed before, unchanged
    peak_parent_mb: float = 0.0
    peak_worker_mb: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    partial: list[tuple[str, str]] = field(default_factory=list)  # processed with problems: (source, problems)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # named *.pdf but no file: (path, why)
    stopped: list[str] = field(default_factory=list)  # workers stopped from outside: left for the next run


def scan(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Every PDF under a folder (or the file itself), in a stable order, and what is named
    like a PDF but cannot be read as a file, with why (a FIFO would block a reader forever)."""
    folder = Path(folder)
    if folder.is_file():
        return [folder], []
    candidates = [folder] if not folder.is_dir() else sorted(p for p in folder.rglob("*")
                                                             if p.suffix.lower() == ".pdf")
    pdfs, unreadable = [], []
    for p in candidates:
        if p.is_file():
            pdfs.append(p)
        elif p.is_symlink() and not p.exists():
            unreadable.append((str(p), f"a broken symbolic link (to {os.readlink(p)}, which does not exist); "
                                       "restore its target or remove the link"))
        elif p.is_dir():
            if not any(q.is_file() and q.suffix.lower() == ".pdf" for q in p.rglob("*")):
                unreadable.append((str(p), "a folder, not a PDF file, and no PDF is inside it; rename or remove it"))
        else:
            kind = "a named pipe (FIFO)" if stat.S_ISFIFO(p.stat().st_mode) else "a socket or device"
            unreadable.append((str(p), f"{kind}, not a file; replace it with the PDF itself"))
    return pdfs, unreadable


def find_pdfs(folder: Path) -> list[Path]:
    """Every PDF under a folder (or the file itself), in a stable order."""
    return scan(folder)[0]


def limits(settings: Settings) -> str:
    """The limits a document was processed under: one that failed on a limit is processed
    again once they change."""
    return (f"timeout_s={settings.timeout_s:g} memory_mb={settings.memory_mb} max_pages={settings.max_pages} "
            f"max_file_mb={settings.max_file_mb} max_page_content_mb={settings.max_page_content_mb}")


@dataclass
class Plan:
    todo: list[tuple[Path, str]]  # (PDF, its sha256)
    skip: list[Path]
    still_failed: list[tuple[str, str]]  # skipped files whose last run failed: (source, error)


def plan(store: Store | DatasetStore, pdfs: list[Path], force: bool, version: str, bounds: str = "") -> Plan:
    """Split the PDFs into those to process and those to skip: unchanged since their last run,
    or a byte-identical copy of another PDF of the folder (one document, one set of rows).
    ``bounds`` are the run's ``limits()``: a file stopped by other limits is tried again."""
    reviewed = store.table("corrections").groupby("doc_id").reviewed_at.max().to_dict()
    done = {r.source: r for r in store.documents().itertuples()}
    owner = {r.doc_id: r.source for r in done.values()}
    present = {str(p) for p in pdfs}
    result, seen = Plan([], [], []), set()
    for p in pdfs:
        digest = _hash_or_path(p)
        if digest in seen or (owner.get(digest, str(p)) != str(p) and owner[digest] in present):
            result.skip.append(p)  # a copy of a document already in the tables
            continue
        seen.add(digest)
        known = done.get(str(p))
        error = str(known.error or "") if known is not None else ""
        if not force and known is not None and known.version == version and known.doc_id == digest \
                and not error.startswith(CRASHED) and not (error.startswith(LIMITED) and known.limits != bounds) \
                and reviewed.get(known.doc_id, "") <= (known.processed_at or ""):
            result.skip.append(p)  # unchanged: the same rows (or the same failure) would come out
            if known.status == Status.FAILED.value:
                result.still_failed.append((str(p), known.error))
        else:
            result.todo.append((p, digest))  # new, changed, older pipeline, reviewed since, crashed, other limits
    return result


def _die_with(parent: int) -> None:
    """Make the kernel kill this worker when the run that forked it dies, even by SIGKILL
    (Linux); leave Ctrl-C and SIGTERM to the run, which stops its workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the run died before the request was made
            os._exit(1)


def _child(conn: Connection, path: Path, digest: str, settings: Settings, password: str | None,
           corrections: list[dict], version: str, parent: int) -> None:
    """Worker body: die with the run, cap memory, process one document, send its rows back."""
    _die_with(parent)
    try:
        soft = settings.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (soft, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ValueError, OSError, AttributeError):
        pass  # the parent also watches the worker's memory
    try:
        result = process(path, settings, password, corrections, digest)
        conn.send((result.doc_id, result.source, result.status.value, result.pages,
                   rows(result, version)))
    except BaseException:  # never let a worker die silently
        conn.send((digest, str(path), "failed", 0, {"error": traceback.format_exc(limit=3)}))
    finally:
        conn.close()


def run_folder(folder: Path, outdir: Path, settings: Settings, jobs: int = 0, force: bool = False,
               prune: bool = False, password: str | None = None,
               progress: Callable[[str, str, int], None] | None = None,
               on_plan: Callable[[int, int], None] | None = None, executor: str = "local",
               scheduler: str | None = None, fmt: str | None = None) -> Summary:
    """Process the new or changed PDFs under ``folder`` into the tables at ``outdir``, in the
    format ``fmt`` (by default the folder's own, else SQLite; ``finish()`` then writes what
    derives from them). ``executor`` "dask" processes them on the Dask cluster at ``scheduler``,
    or on a local one of ``jobs`` worker processes; the results are written here all the same."""
    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    summary = Summary()
    cluster = None
    if executor == "dask":
        from .cluster import DaskExecutor

        cluster = DaskExecutor(scheduler, jobs)  # says what to install before any work is done
    pdfs, summary.unreadable = scan(folder)
    if not pdfs and not summary.unreadable:
        raise PipelineError(f"no PDF file under {folder} (PDFs are found by their .pdf ending, in subfolders too); "
                            "nothing was done: check the folder")
    with open_store(outdir, fmt) as store:
        version = rules_version(settings.model, settings.lexicon)
        bounds = limits(settings)
        work = plan(store, pdfs, force, version, bounds)
        summary.skipped, summary.still_failed = len(work.skip), work.still_failed
        if prune:
            present = {str(p) for p in pdfs}
            gone = [r.doc_id for r in store.documents().itertuples() if r.source not in present]
            store.remove(gone)
            summary.pruned = len(gone)
        if on_plan:
            on_plan(len(work.todo), len(work.skip))
        if cluster is None:
            load_nlp(settings.model)  # load once, before forking: workers share it (Dask workers load their own)
        corrections = _corrections_by_doc(store)
        results = cluster.results(work.todo, settings, password, corrections, version) if cluster \
            else supervise(work.todo, settings, jobs, password, corrections, version)
        with closing(results):
            for doc_id, source, status, pages, tables in results:
                if status == STOPPED:
                    summary.stopped.append(source)
                    continue
                if "error" in tables:
                    tables = _crash_rows(doc_id, source, tables["error"], version, settings)
                    status = Status.FAILED.value
                tables["documents"][0]["limits"] = bounds
                store.replace(doc_id, tables, source=source)
                summary.processed += 1
                summary.pages += pages
                log.info("stored %s (%s): %d of %d", source, status, summary.processed, len(work.todo))
                problems = tables["documents"][0]["error"]
                if status == Status.FAILED.value:
                    summary.failed += 1
                    summary.failures.append((source, problems))
                elif status == Status.PARTIAL.value:
                    summary.partial.append((source, problems))
                if progress:
                    progress(source, status, pages)
    summary.seconds = time.perf_counter() - started
    summary.peak_parent_mb = _own_peak_mb()
    summary.peak_worker_mb = cluster.peak_worker_mb if cluster else \
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if resource else 0.0
    return summary


def finish(outdir: Path, settings: Settings, n_themes: int | None = None, profile: str | None = None,
           no_profile: bool = False, fmt: str | None = None) -> str | None:
    """Bring what derives from the database up to date, whatever stopped an earlier run: the
    themes, when the statements or the theme options changed since they were grouped, then
    every CSV and Parquet file. Returns the themes' summary when they were grouped again.
    Theme options not given are those kept in the folder."""
    from .themes import themes_current, update_themes  # scikit-learn only when needed

    with open_store(outdir, fmt) as store:
        if themes_current(store, settings, n_themes, profile, no_profile):
            store.export()
            return None
    return update_themes(outdir, settings, n_themes=n_themes, profile=profile, no_profile=no_profile)


def _corrections_by_doc(store: Store | DatasetStore) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in store.table("corrections").to_dict("records"):
        out.setdefault(r["doc_id"], []).append(r)
    return out


def _crash_rows(digest: str, source: str, error: str, version: str, settings: Settings) -> dict[str, list[dict]]:
    last = error.strip().splitlines()[-1]
    problem = _out_of_memory(settings) if last.startswith("MemoryError") else f"{CRASHED} the worker crashed: {last}"
    return rows(Result(digest, source, Status.FAILED, problems=(problem,)), version)


def supervise(todo: list[tuple[Path, str]], settings: Settings, jobs: int, password: str | None,
              corrections: dict[str, list[dict]], version: str) -> Iterator[tuple]:
    """Process documents in forked workers, at most ``jobs`` at once; yield results as they end.
    A worker over its time limit or memory cap is stopped and its document recorded as failed.
    However the caller stops (an exception, Ctrl-C, SIGTERM, closing this generator), the
    workers still running are killed."""
    if "fork" not in multiprocessing.get_all_start_methods():
        for path, digest in todo:  # no fork (Windows): in-process, without limits
            r = process(path, settings, password, corrections.get(digest, []), digest)
            yield r.doc_id, r.source, r.status.value, r.pages, rows(r, version)
        return
    ctx = multiprocessing.get_context("fork")
    pending = list(todo)[::-1]
    running: dict[Connection, tuple[multiprocessing.Process, Path, str, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                path, digest = pending.pop()
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(child, path, digest, settings, password,
                                                        corrections.get(digest, []), version, os.getpid()),
                                   daemon=True)
                proc.start()
                child.close()
                running[parent] = (proc, path, digest, time.monotonic())
            earliest = min(began for *_, began in running.values())
            ready = wait(list(running), timeout=max(0.0, min(POLL_S, earliest + settings.timeout_s
                                                              - time.monotonic())))
            for conn in ready:
                proc, path, digest, _ = running.pop(conn)
                try:
                    result = conn.recv()
                except EOFError:  # died without a word: killed by the kernel or a signal
                    proc.join()
                    result = _ended(proc.exitcode, path, digest, version, settings)
                finally:
                    conn.close()
                    proc.join()
                yield result
            now = time.monotonic()
            for conn, (proc, path, digest, began) in list(running.items()):
                if now - began > settings.timeout_s:
                    why = (f"processing took longer than {settings.timeout_s:g} s and was stopped; "
                           "raise --timeout or split the file")
                elif _resident_mb(proc.pid) > settings.memory_mb:
                    why = (f"processing used more than {settings.memory_mb} MB of memory and was stopped; "
                           "raise --memory-mb or split the file")
                else:
                    continue
                proc.kill()
                proc.join()
                conn.close()
                del running[conn]
                yield failed(path, digest, version, f"{ResourceLimitError.status}: {why}")
    finally:
        for conn, (proc, *_) in running.items():
            proc.kill()
            proc.join()
            conn.close()


def _ended(exitcode: int | None, path: Path, digest: str, version: str, settings: Settings) -> tuple:
    """What a worker that died without sending its rows says about its file. Under its
    address-space cap, a failed allocation in a C library ends a worker with a signal
    (SIGSEGV, SIGABRT) instead of a MemoryError: that is the cap, to be raised."""
    if exitcode is not None and -exitcode in STOPPED_FROM_OUTSIDE:
        return digest, str(path), STOPPED, 0, {}
    if exitcode == -signal.SIGKILL:
        problem = (f"{CRASHED} the worker was killed (SIGKILL), most likely by the system for want of memory; "
                   "run with fewer --jobs or split the file")
    else:
        how = signal.Signals(-exitcode).name if exitcode and exitcode < 0 and -exitcode in signal.valid_signals() \
            else f"exit code {exitcode}"
        problem = (f"{ResourceLimitError.status}: the worker crashed ({how}), most likely for want of memory under "
                   f"the cap of --memory-mb {settings.memory_mb}: raise it; if it crashes again, please report "
                   "this file")
    return failed(path, digest, version, problem)


def _own_peak_mb() -> float:
    """This process's peak resident memory. /proc's VmHWM starts afresh at exec, unlike
    ru_maxrss, which would report the memory of whatever process launched this one."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if resource else 0.0


def _resident_mb(pid: int) -> float:
    """A worker's resident memory, from /proc (the cap holds where RLIMIT_AS is not enforced)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_BYTES / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def failed(path: Path, digest: str, version: str, problem: str) -> tuple:
    """The result of a document that its worker could not finish, as a worker sends it."""
    result = Result(digest, str(path), Status.FAILED, problems=(problem,))
    return result.doc_id, result.source, result.status.value, 0, rows(result, version)
