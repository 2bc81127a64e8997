"""A run stopped in any state (killed, Ctrl-C, SIGTERM, disk full, a bad seed file) is finished
by the next plain run: the same tables as a run never stopped, themes included, no temp
files; and the workers never outlive the run.

A run is stopped at a phase by watching its own log (``-v`` shows the same lines): the run
is forked from this process and a logging handler sends the signal the moment the phase's
line is logged, so the signal lands inside that phase."""
from __future__ import annotations

import faulthandler
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.tables import EXPORTED, SCHEMA, Store

from .conftest import small_filesystem, write_meetings

TIMINGS = ["processed_at", "seconds"]
LEFTOVER = re.compile(r"^\.[a-z_]+\..+\.(csv|parquet)$")


@pytest.fixture(scope="module")
def meetings(tmp_path_factory) -> Path:
    return write_meetings(tmp_path_factory.mktemp("meetings") / "in", 4)[0].parent


def _run(folder: Path, out: Path, *extra: str) -> list[str]:
    return ["run", str(folder), "--out", str(out), "--jobs", "2", "--quiet", *extra]


@pytest.fixture(scope="module")
def reference(meetings, tmp_path_factory, nlp) -> Path:
    """A run that nothing stopped."""
    out = tmp_path_factory.mktemp("reference")
    assert main(_run(meetings, out)) == 0
    return out


class _SignalAt(logging.Handler):
    """Sends a signal to this process when the ``nth`` log line containing ``text`` is logged."""

    def __init__(self, text: str, nth: int, sig: int) -> None:
        super().__init__(logging.DEBUG)
        self.text, self.left, self.sig = text, nth, sig

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.left -= 1
            if self.left == 0:
                os.kill(os.getpid(), self.sig)


def stop_at(argv: list[str], text: str, nth: int = 1, sig: int = signal.SIGKILL) -> tuple[int, str]:
    """Run the command line in a forked copy of this process, send it ``sig`` when it logs
    the ``nth`` line containing ``text``; its exit status (-9: killed) and what it printed."""
    fd, name = tempfile.mkstemp(suffix=".txt")
    os.close(fd)
    printed = Path(name)
    pid = os.fork()
    if pid == 0:  # the run
        code = 99
        try:
            fd = os.open(printed, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.stdout = sys.stderr = open(fd, "w", buffering=1, closefd=False)
            logger = logging.getLogger("pipeline")
            logger.setLevel(logging.DEBUG)
            logger.addHandler(_SignalAt(text, nth, sig))
            code = main(argv)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    text_printed = printed.read_text()
    printed.unlink()
    return os.waitstatus_to_exitcode(status), text_printed


def _frames(out: Path) -> dict[str, pd.DataFrame]:
    """Every table of an output folder, from the database and from each exported file."""
    frames = {}
    with Store(out, create=False) as store:
        for name in SCHEMA:
            frames[f"db:{name}"] = store.table(name)
    for name in EXPORTED:
        frames[f"{name}.csv"] = pd.read_csv(out / f"{name}.csv", keep_default_na=False)
        frames[f"{name}.parquet"] = pd.read_parquet(out / f"{name}.parquet")
    return {k: f.drop(columns=[c for c in TIMINGS if c in f.columns]) for k, f in frames.items()}


def assert_same_tables(out: Path, reference: Path) -> None:
    assert not [p.name for p in out.iterdir() if LEFTOVER.match(p.name)], "temporary files were left"
    mine, theirs = _frames(out), _frames(reference)
    for key, frame in theirs.items():
        pd.testing.assert_frame_equal(mine[key], frame, obj=key)
    assert len(theirs["db:themes"]) >= 2 and (theirs["db:statements"].theme_id != "").any()


@pytest.fixture(scope="module")
def stored(meetings, reference, tmp_path_factory) -> Path:
    """A run killed right after storing its last document: no themes, no CSV or Parquet yet."""
    out = tmp_path_factory.mktemp("stored")
    code, _ = stop_at(_run(meetings, out), "stored ", nth=4)
    assert code == -signal.SIGKILL
    with Store(out, create=False) as store:
        assert len(store.documents()) == 4 and store.table("themes").empty
    assert not (out / "documents.csv").exists()
    return out


def _copy(state: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(state, out)
    return out


def test_a_run_killed_after_its_last_document_is_finished_by_the_next(meetings, reference, stored, tmp_path,
                                                                       capsys):
    out = _copy(stored, tmp_path)
    assert main(_run(meetings, out)) == 0
    assert "processed 0, skipped 4 unchanged" in capsys.readouterr().out
    assert_same_tables(out, reference)


@pytest.mark.parametrize("phase, nth, sig, status, said", [
    ("themes: k=", 1, signal.SIGKILL, -signal.SIGKILL, ""),  # killed while grouping themes
    ("export: writing mentions", 1, signal.SIGKILL, -signal.SIGKILL, ""),  # while writing the files
    ("in place", 5, signal.SIGKILL, -signal.SIGKILL, ""),  # while renaming them: two generations on disk
    ("themes: k=", 1, signal.SIGINT, 130, "interrupted: the 0 document(s) processed by this run are kept"),
    ("export: writing figures", 1, signal.SIGTERM, 143, "stopped by SIGTERM: the 0 document(s)"),
])
def test_a_run_stopped_in_any_phase_is_finished_by_the_next(meetings, reference, stored, tmp_path, phase, nth,
                                                             sig, status, said):
    out = _copy(stored, tmp_path)
    code, printed = stop_at(_run(meetings, out), phase, nth, sig)
    assert code == status, printed
    if said:
        assert printed.strip().splitlines()[-1].startswith(said), printed
        assert "Traceback" not in printed
    if phase.startswith("export: writing") and sig == signal.SIGKILL:
        assert [p for p in out.iterdir() if LEFTOVER.match(p.name)], "the kill did not land during the export"
    assert main(_run(meetings, out)) == 0
    assert_same_tables(out, reference)


def test_an_invalid_seed_file_is_refused_before_any_work(meetings, reference, stored, tmp_path, capsys):
    out = _copy(stored, tmp_path)
    before = (out / "meetings.sqlite").read_bytes()
    bad = tmp_path / "seeds.toml"
    bad.write_text('[[theme]]\nlabel = "Fish"\nterms = "fish, quota"\n', encoding="utf-8")
    assert main(_run(meetings, out, "--seed-themes", str(bad))) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "list of words" in err[0] and str(bad) in err[0]
    assert (out / "meetings.sqlite").read_bytes() == before and not (out / "documents.csv").exists()
    assert main(_run(meetings, out)) == 0
    assert_same_tables(out, reference)


def _fill(folder: Path, leave: int) -> Path:
    """A file taking all the space of ``folder``'s filesystem but ``leave`` bytes."""
    ballast = folder / "ballast"
    stat = os.statvfs(folder)
    with open(ballast, "wb") as f:
        f.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))
    return ballast


@pytest.mark.parametrize("leave", [20_000, 50_000, 200_000])  # here: full on opening, storing themes, exporting
def test_a_full_disk_is_said_and_the_next_run_finishes(meetings, reference, stored, tmp_path, capsys, leave):
    with small_filesystem(tmp_path / "small") as small:
        out = small / "out"
        shutil.copytree(stored, out)
        ballast = _fill(small, leave)
        assert main(_run(meetings, out)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and "run again" in err[0], err
        assert re.search(r"full|space", err[0]), err
        ballast.unlink()
        assert main(_run(meetings, out)) == 0
        assert_same_tables(out, reference)


def test_an_incremental_run_gives_the_tables_of_a_fresh_one(meetings, reference, tmp_path):
    later = sorted(meetings.glob("*.pdf"))[2:]
    out = tmp_path / "out"
    for pdf in later:  # the folder first holds two of the four
        pdf.rename(tmp_path / pdf.name)
    try:
        assert main(_run(meetings, out)) == 0
    finally:
        for pdf in later:
            (tmp_path / pdf.name).rename(pdf)
    assert main(_run(meetings, out)) == 0
    assert_same_tables(out, reference)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie is dead, waiting to be reaped


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to see the workers")
@pytest.mark.parametrize("sig, group", [(signal.SIGTERM, False), (signal.SIGTERM, True), (signal.SIGKILL, False)])
def test_workers_do_not_outlive_the_run(make_pdf, tmp_path, nlp, sig, group):
    """SIGTERM to the run (as `kill` sends it) or to its process group (as a service manager
    does), or SIGKILL: no worker is left."""
    folder = tmp_path / "in"
    folder.mkdir()
    line = "The representative of Peru said that 12 projects had started in 2020 under the plan."
    for name in ("a", "b"):
        make_pdf([[line] * 55] * 40, name=f"in/{name}.pdf")  # seconds of work each
    printed = tmp_path / "printed.txt"
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)  # a process group of its own, as a shell gives a command
        fd = os.open(printed, os.O_WRONLY | os.O_CREAT)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.stderr = open(fd, "w", buffering=1, closefd=False)
        code = 99
        try:
            code = main(["run", str(folder), "--out", str(tmp_path / "out"), "--jobs", "2", "--quiet"])
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while len(workers := _children(pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2, "the workers did not start"
    if group:
        os.killpg(pid, sig)
    else:
        os.kill(pid, sig)
    os.waitpid(pid, 0)
    signalled = time.monotonic()
    while any(_alive(w) for w in workers) and time.monotonic() < signalled + 5:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived the run"
    if sig == signal.SIGTERM:
        lines = printed.read_text().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("stopped by SIGTERM: the 0 document(s) processed by this "
                                                       "run are kept"), lines


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to see the worker")
@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGTERM])
def test_a_worker_that_dies_is_said_for_what_it_is(make_pdf, tmp_path, nlp, sig):
    """A worker ended by SIGSEGV is what a C library does when an allocation fails under the
    memory cap; one ended by SIGTERM was stopped from outside and its file waits for the next run."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_pdf([["The representative of Peru said that 12 projects had started in 2020 under the plan."] * 55] * 40,
             name="in/slow.pdf")
    out = tmp_path / "out"
    printed = tmp_path / "printed.txt"
    pid = os.fork()
    if pid == 0:
        fd = os.open(printed, os.O_WRONLY | os.O_CREAT)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.stdout = sys.stderr = open(fd, "w", buffering=1, closefd=False)
        faulthandler.disable()  # pytest's would print the worker's stack on the SIGSEGV sent to it
        code = 99
        try:
            code = main(["run", str(folder), "--out", str(out), "--jobs", "1", "--quiet"])
        finally:
            sys.stdout.flush()
            os._exit(code)
    deadline = time.monotonic() + 60
    while not (workers := _children(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(workers[0], sig)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1
    with Store(out, create=False) as store:
        documents = store.documents()
    if sig == signal.SIGSEGV:
        assert documents.error.tolist() == [documents.error[0]] and documents.error[0].startswith(
            "resource-limit: the worker crashed (SIGSEGV), most likely for want of memory under the cap of "
            "--memory-mb"), documents.error.tolist()
    else:
        assert documents.empty and "STOPPED " in printed.read_text()
