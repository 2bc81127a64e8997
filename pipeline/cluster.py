"""Cluster: the documents of a run processed on a Dask cluster instead of in workers forked here.

Each document is one Dask task. The task does on its worker what ``run.supervise()`` does
here: it forks a child that processes the document under the run's time limit and memory
cap, and sends back the rows (or the failure) that the default executor would store. So a
document over its limit is recorded as failed, as today, and the Dask worker lives on. A
Dask worker that dies (killed, or its machine lost) costs the document it held: the
scheduler gives it to another worker, up to ``distributed.scheduler.allowed-failures``
times (3 by default), after which it is recorded as crashed and tried again on the next run.
The driver writes every result, as the default executor does; the tables are the same.

Workers on other machines need the project installed at the same path as the driver's
(the rules are read from it, and checked to be the same) and the PDFs at the same path too
(a shared filesystem): a task that cannot see them stops the run with a message saying so.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import traceback
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import PipelineError
from .recognise import load_nlp, rules_version
from .run import CRASHED, failed, supervise
from .settings import Settings

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None

log = logging.getLogger(__name__)

INSTALL = 'pip install -e ".[dask]"'


class WorkerSetupError(PipelineError):
    """A Dask worker cannot process the run's documents: it lacks the PDFs or runs other rules."""


def _distributed():
    """The ``distributed`` package, or a one-line error saying how to install it."""
    try:
        import distributed
    except ImportError as e:
        raise PipelineError(f"--executor dask needs Dask, which is not installed: {INSTALL} (or pip install "
                            f"'dask[distributed]'); without it, run with the default executor") from e
    return distributed


def process_on_worker(path: str, source: str, digest: str, settings: Settings, password: str | None,
                      corrections: list[dict], version: str) -> tuple[tuple, float]:
    """The Dask task: one document in a child forked by this worker, under the run's limits,
    exactly as the default executor does it; and the peak memory of this worker's children."""
    if not os.path.isfile(path) and not os.path.islink(path):
        raise WorkerSetupError(f"the Dask worker on {os.uname().nodename} cannot see {path}: workers need the PDFs "
                               "at the same path as the machine that runs `run` (a shared filesystem mounted at the "
                               "same place)")
    here = rules_version(settings.model, settings.lexicon)
    if here != version:
        raise WorkerSetupError(f"the Dask worker on {os.uname().nodename} runs other code or rules ({here}, the run "
                               f"has {version}): install the same project at the same path "
                               f"({settings.model.parent.parent}) "
                               "on every worker machine")
    load_nlp(settings.model)  # once per worker process, before forking: its children share it
    with _may_fork():
        (result,) = supervise([(Path(path), digest)], settings, 1, password, {digest: corrections}, version)
    doc_id, _, status, pages, tables = result
    if tables.get("documents"):
        tables["documents"][0]["source"] = source  # the path as the driver named it, as the default executor stores it
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if resource else 0.0
    return (doc_id, source, status, pages, tables), peak


@contextmanager
def _may_fork() -> Iterator[None]:
    """Let this Dask worker fork the child of a document. Dask marks its worker processes as
    daemons, which multiprocessing forbids to have children lest they outlive them; this child
    cannot: it asks the kernel to kill it when its parent dies (``run._die_with``)."""
    config = multiprocessing.current_process()._config
    daemon = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        config["daemon"] = daemon


class DaskExecutor:
    """Documents processed on a Dask cluster: the one at ``scheduler`` (tcp://HOST:PORT), or a
    local cluster of ``jobs`` worker processes started for the run and stopped with it."""

    def __init__(self, scheduler: str | None, jobs: int) -> None:
        self.distributed = _distributed()
        self.scheduler = scheduler
        self.jobs = jobs
        self.peak_worker_mb = 0.0

    def _client(self):
        """A client of the scheduler, or of a local cluster (processes, one thread each: every
        document forks its own child, so threads would only share one interpreter's lock)."""
        d = self.distributed
        if not log.isEnabledFor(logging.INFO):  # Dask's own INFO lines would bury the run's summary
            logging.getLogger("distributed").setLevel(logging.ERROR)
        if self.scheduler:
            try:
                return d.Client(self.scheduler, timeout="20s"), None
            except OSError as e:
                raise PipelineError(f"cannot reach the Dask scheduler at {self.scheduler} ({e}); start it with "
                                    "`dask scheduler` and give its address as --scheduler tcp://HOST:PORT") from e
        cluster = d.LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                                 silence_logs=logging.ERROR)
        return d.Client(cluster), cluster

    def results(self, todo: list[tuple[Path, str]], settings: Settings, password: str | None,
                corrections: dict[str, list[dict]], version: str) -> Iterator[tuple]:
        """Submit every document, yield the results as they end (in the default executor's
        shape). However the caller stops, the tasks are cancelled and a local cluster is closed
        (its worker processes, and the children they forked, end with it)."""
        if not todo:
            return
        d = self.distributed
        client, cluster = self._client()
        futures = {}
        try:
            for path, digest in todo:
                future = client.submit(process_on_worker, str(Path(path).resolve()), str(path), digest, settings,
                                       password, corrections.get(digest, []), version,
                                       key=f"{Path(path).name}-{uuid.uuid4().hex[:8]}", pure=False)
                futures[future] = (path, digest)
            for future in d.as_completed(list(futures)):
                path, digest = futures.pop(future)
                try:
                    result, peak = future.result()
                except d.KilledWorker as e:
                    yield _lost(path, digest, version, str(e))
                    continue
                except WorkerSetupError:
                    raise
                except Exception:  # as a forked worker's: recorded as a crash, tried again by the next run
                    yield digest, str(path), "failed", 0, {"error": traceback.format_exc(limit=3)}
                    continue
                self.peak_worker_mb = max(self.peak_worker_mb, peak)
                yield result
        finally:
            if futures:
                client.cancel(list(futures), force=True)
            client.close()
            if cluster is not None:
                cluster.close()


def _lost(path: Path, digest: str, version: str, why: str) -> tuple:
    """The row of a document whose Dask workers kept dying while they held it: crashed, so the
    next run tries it again."""
    log.debug("lost %s: %s", path, why)
    return failed(path, digest, version, f"{CRASHED} the Dask workers processing it died every time it was retried "
                  "(killed from outside, or by the system for want of memory); run again, with fewer --jobs per "
                  "machine if the machines are short of memory")
