"""Bad and hostile input: every file gets a row saying what to do, and nothing crashes or hangs."""
from __future__ import annotations

import csv
import os
import re
import shutil
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.audit import read_sheet
from pipeline.cli import main
from pipeline.data import Block, Document
from pipeline.link import link
from pipeline.recognise import recognise
from pipeline.run import process
from pipeline.settings import EXTRACTORS, Settings

from . import pdfs
from .conftest import CORPUS


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incoming")
    shutil.copy(CORPUS / "eu-imex-2022-01-24.pdf", folder / "good.pdf")
    for build in (pdfs.empty, pdfs.not_a_pdf, pdfs.truncated, pdfs.locked, pdfs.scan, pdfs.shopping, pdfs.no_unicode,
                  pdfs.sideways, pdfs.turned, pdfs.bomb):
        build(folder)
    return folder


@pytest.fixture(scope="module", params=EXTRACTORS)
def bad_run(request, bad_folder: Path, tmp_path_factory) -> tuple[int, pd.DataFrame, Path]:
    """A run over the bad files with each extractor: both refuse them alike."""
    out = tmp_path_factory.mktemp("out")
    code = main(["run", str(bad_folder), "--out", str(out), "--jobs", "2", "--quiet", "--extractor", request.param])
    return code, pd.read_csv(out / "documents.csv", keep_default_na=False).set_index(
        pd.read_csv(out / "documents.csv").source.map(lambda s: Path(s).name)), out


def test_bad_files_are_recorded_and_the_run_goes_on(bad_run):
    code, docs, _ = bad_run
    assert code == 1
    assert docs.loc["good.pdf", "status"] == "ok"
    expected = {"empty.pdf": "empty", "notes.pdf": "not a PDF", "truncated.pdf": "re-download",
                "locked.pdf": "--password", "scan.pdf": "OCR"}
    for name, hint in expected.items():
        assert docs.loc[name, "status"] == "failed", name
        assert hint in docs.loc[name, "error"], (name, docs.loc[name, "error"])
    assert docs.loc["nounicode.pdf", "status"] == "failed" and "(cid:NN)" in docs.loc["nounicode.pdf", "error"]
    assert docs.loc["sideways.pdf", "status"] == "failed" and "upright" in docs.loc["sideways.pdf", "error"]
    assert docs.loc["turned.pdf", "status"] == "ok"
    assert docs.loc["shopping.pdf", "status"] == "partial"
    assert "no meeting structure" in docs.loc["shopping.pdf", "error"]
    assert docs.loc["bomb.pdf", "status"] == "failed" and "inflate beyond" in docs.loc["bomb.pdf", "error"]


def test_second_run_skips_what_did_not_change(bad_run, bad_folder, capsys):
    _, _, out = bad_run
    code = main(["run", str(bad_folder), "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert "processed 0, skipped 11 unchanged" in printed  # a file that failed fails again: it waits for a fix
    assert code == 1


def test_password_opens_an_encrypted_pdf(bad_folder, tmp_path):
    result = process(bad_folder / "locked.pdf", Settings(), password="secret")
    assert result.status.value in ("ok", "partial") and "Peru" in result.document.text


def _document(text: str) -> Document:
    """A Document straight from text, one block per paragraph (the text stages without a PDF);
    a short line without a full stop is a heading."""
    blocks, pos = [], 0
    for part in text.split("\n\n"):
        if part:
            kind = "heading" if len(part) < 40 and not part.rstrip().endswith(".") else "paragraph"
            blocks.append(Block(kind, pos, pos + len(part), 1))
        pos += len(part) + 2
    return Document("fuzz", "fuzz.txt", text, (), tuple(blocks), np.ones(len(text), dtype=np.int16),
                    np.zeros((len(text), 4), dtype=np.float32))


TEXTISH = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
MEETINGISH = st.lists(st.sampled_from([
    "The representative of Norway said that ", "Mr DUMONT ", "Anna DUMONT, director (Czech Republic), said ",
    "50 million euros ", "2 to 5% ", "7 out of 10 ", "the HOPE programme ", "(EIF) ", "Enhanced Integrated Framework ",
    "\n\n", "1.3M ", "1e308 ", "9" * 400 + " ", "\x00\x07\u202e", "«", "»", "(", ")", "Chairman: ", "$", "£",
    "She concluded that ", "one in five ", "2/3 of ", "COVID-19 ", "WT/COMTD/M/1 ", "per cent ",
]), max_size=40).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(TEXTISH, MEETINGISH))
def test_text_stages_survive_anything(nlp, text):
    doc = _document(text)
    recognition = recognise(doc, nlp)
    for m in recognition.mentions:
        assert doc.text[m.start:m.end] == m.text
    extraction = link(doc, recognition)
    for f in extraction.figures:
        assert f.value == f.value  # not NaN


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=8)), min_size=1, max_size=6))
def test_damaged_pdfs_never_crash(tmp_path_factory, edits):
    data = bytearray((CORPUS / "eu-imex-2022-01-24-twocol.pdf").read_bytes())
    for where, junk in edits:
        at = int(where * (len(data) - 1))
        data[at:at + len(junk)] = junk
    path = tmp_path_factory.mktemp("fuzz") / "damaged.pdf"
    path.write_bytes(bytes(data))
    result = process(path, Settings(timeout_s=60))
    assert result.status.value in ("ok", "partial", "failed")
    assert result.problems or result.status.value == "ok"


def test_a_killed_run_leaves_outputs_readable_and_the_next_run_finishes(make_pdf, tmp_path):
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    folder = tmp_path / "in"
    folder.mkdir()
    countries = ["Peru", "Chile", "Japan", "Kenya", "Norway", "Canada", "Mexico", "Egypt", "India"]

    def add(country: str) -> None:
        pages = [[f"The representative of {country} said that {n} new projects had started in year {p}.", "",
                  f"She added that the {country} programme had {n * 10 + p} participants."] for p in range(12)
                 for n in [len(country)]]
        make_pdf(pages, name=f"in/{country}.pdf")

    for c in countries[:3]:
        add(c)
    out = tmp_path / "out"
    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    before = pd.read_csv(out / "documents.csv")
    for c in countries[3:]:
        add(c)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(folder), "--out", str(out), "--jobs", "1",
                             "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    done = 3
    while time.time() < deadline and done < 5:
        time.sleep(0.05)
        with sqlite3.connect(out / "meetings.sqlite", timeout=30) as db:
            done = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 < done < 9, "the run ended before it could be killed; make the documents longer"
    # the exported tables are those of the previous run, whole and readable
    pd.testing.assert_frame_equal(pd.read_csv(out / "documents.csv"), before)
    with sqlite3.connect(out / "meetings.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the next run does only what is left
    summary = tmp_path / "summary.txt"
    with open(summary, "w") as f:
        subprocess.run([sys.executable, "-m", "pipeline", "run", str(folder), "--out", str(out), "--quiet"],
                       stdout=f, check=True)
    processed = int(summary.read_text().split("processed ")[1].split(",")[0])
    assert 0 < processed <= 9 - done
    assert len(pd.read_csv(out / "documents.csv")) == 9


def test_workers_have_a_time_limit_and_a_memory_cap(make_pdf, tmp_path):
    from pipeline.run import run_folder

    folder = tmp_path / "in"
    folder.mkdir()
    # 150 full pages: seconds of work on any machine, against a limit of 0.3 s
    line = "The representative of Peru said that 12 projects had started in 2020 under the plan."
    make_pdf([[line] * 55] * 150, name="in/slow.pdf")
    slow = run_folder(folder, tmp_path / "a", Settings(timeout_s=0.3), jobs=1)
    assert slow.failed == 1 and "longer than" in slow.failures[0][1]
    small = run_folder(folder, tmp_path / "b", Settings(memory_mb=64), jobs=1)
    assert small.failed == 1 and ("memory" in small.failures[0][1] or "MB" in small.failures[0][1])


def test_prune_forgets_documents_that_left_the_folder(make_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for country in ("Peru", "Chile"):
        make_pdf([[f"The representative of {country} said that 12 projects had started."]], name=f"in/{country}.pdf")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    (folder / "Chile.pdf").unlink()
    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    assert len(pd.read_csv(out / "documents.csv")) == 2  # kept unless asked
    assert main(["run", str(folder), "--out", str(out), "--prune", "--quiet"]) == 0
    docs = pd.read_csv(out / "documents.csv")
    assert [Path(s).name for s in docs.source] == ["Peru.pdf"]
    assert set(pd.read_csv(out / "speakers.csv").name) == {"Peru"}


def test_documents_made_with_other_rules_are_processed_again(make_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    make_pdf([["The representative of Peru said that 12 projects had started."]], name="in/Peru.pdf")
    model = tmp_path / "model"
    shutil.copytree(Settings().model, model)
    out = tmp_path / "out"
    run = ["run", str(folder), "--out", str(out), "--model", str(model), "--quiet"]
    assert main(run) == 0
    first = pd.read_csv(out / "documents.csv").processed_at[0]
    assert main(run) == 0
    assert pd.read_csv(out / "documents.csv").processed_at[0] == first  # nothing changed: skipped
    with open(model / "figures" / "identifier_words.txt", "a", encoding="utf-8") as f:
        f.write("projects\n")  # a user edits a rule: the rows made with the old rules are stale
    assert main(run) == 0
    assert pd.read_csv(out / "documents.csv").processed_at[0] != first


# ---------------------------------------------------------------------- hostile text reaching the outputs
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "",
           "Mr Carlos RUIZ, -Minister of Labour (Peru), said that new irrigation projects helped farmers",
           "improve yields. <script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3))", "",
           "+SUM(1,2) @cmd The representative of Chile said that 40 apprentices had joined the welding courses",
           "<b onmouseover=alert(4)>and</b> that vocational training reached young workers in remote mining towns."]
RISKY = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    """A run over a PDF whose text and name would be formulas in a spreadsheet and HTML in
    Markdown, made under a umask that keeps the group from writing and others from reading."""
    from .conftest import Layout, typeset

    folder = tmp_path_factory.mktemp("hostile") / "in"
    folder.mkdir()
    typeset(folder / "=cmd.pdf", [HOSTILE], Layout())
    out = folder.parent / "out"
    mask = os.umask(0o027)
    try:
        assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
        assert main(["report", str(out)]) == 0
        assert main(["audit", "export", str(out), "-o", str(out / "review.csv")]) == 0
    finally:
        os.umask(mask)
    return out


def test_no_csv_cell_can_run_as_a_formula(hostile_run):
    sheets = sorted(hostile_run.glob("*.csv"))
    assert len(sheets) >= 13
    quoted = []
    for sheet in sheets:
        with open(sheet, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not cell.startswith(RISKY) or re.fullmatch(r"[+-]?\d[\d,.]*%?", cell), (sheet.name, cell)
                    quoted += [cell] if cell.startswith("'") else []
    assert any(c.startswith("'=HYPERLINK") for c in quoted) and "'=cmd.pdf" in quoted
    assert "'-Minister of Labour" in quoted
    # the review sheet reads back as exported: the quote comes off, and a verdict applies
    rows = [row for _, row in read_sheet(hostile_run / "review.csv")]
    assert {row["source"] for row in rows} == {"=cmd.pdf"} and rows[0]["context"].startswith('=HYPERLINK("')
    assert main(["audit", "apply", str(hostile_run / "review.csv"), "--out", str(hostile_run), "--reviewer", "A"]) == 0


def test_the_markdown_report_carries_no_html_from_the_pdf(hostile_run):
    md = (hostile_run / "report" / "report.md").read_text(encoding="utf-8")
    assert "apprentices" in md or "irrigation" in md, "the hostile statements are not in the report"
    for raw in ("<script", "<img", "<b "):
        assert raw not in md, raw
    assert not re.search(r"(?<!\\)\]\(javascript:", md), "a link from the PDF's text"
    assert "&lt;" in md


def test_outputs_follow_the_umask_like_the_database(hostile_run):
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in hostile_run.iterdir() if p.is_file()}
    assert modes["meetings.sqlite"] == 0o640
    assert {name: mode for name, mode in modes.items() if mode != 0o640} == {}


# ---------------------------------------------------------------------- messages that name the real cause
def _address_space_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc to size the memory cap")
def test_a_file_over_the_memory_cap_is_said_so_and_retried_when_it_is_raised(tmp_path, nlp):
    from pipeline.run import run_folder

    folder = tmp_path / "in"
    folder.mkdir()
    # a valid page whose drawing instructions take 60 MB to read: more than the cap leaves free
    (folder / "heavy.pdf").write_bytes(pdfs.raw_pdf(b"BT /F1 12 Tf 72 720 Td (The representative of Peru said that "
                                               b"12 projects had started.) Tj ET\n" + b" " * (60 * 2**20)))
    heavy = Settings(max_page_content_mb=100, memory_mb=int(_address_space_mb()) + 10)
    out = tmp_path / "out"
    capped = run_folder(folder, out, heavy, jobs=1)
    assert capped.failed == 1 and capped.failures[0][1].startswith("resource-limit"), capped.failures
    assert "--memory-mb" in capped.failures[0][1] and "damaged" not in capped.failures[0][1]
    again = run_folder(folder, out, heavy, jobs=1)  # the same cap: the same failure, not worth the time
    assert again.processed == 0 and again.still_failed
    raised = run_folder(folder, out, Settings(max_page_content_mb=100), jobs=1)
    assert raised.processed == 1 and raised.failed == 0


def test_a_damaged_file_whose_closing_fails_is_said_to_be_damaged(tmp_path):
    for name, box in (("rotate", b"/MediaBox [0 0 595 842] /Rotate (x)"), ("mediabox", b"/MediaBox (abc)")):
        data = pdfs.raw_pdf(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET").replace(b"/MediaBox [0 0 595 842]", box)
        (tmp_path / f"{name}.pdf").write_bytes(data)
        result = process(tmp_path / f"{name}.pdf", Settings())
        assert result.status.value == "failed" and result.problems[0].startswith("corrupt:"), result.problems
        assert "re-download" in result.problems[0] and "please report" not in result.problems[0]


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc to size the memory cap")
def test_a_huge_file_is_refused_as_too_large_without_being_read(tmp_path, nlp):
    """Its hash is computed in chunks, and the worker that refuses it does not read it: with
    little memory to spare, reading it whole would crash the worker instead."""
    import tracemalloc

    from pipeline.run import run_folder

    folder = tmp_path / "in"
    folder.mkdir()
    with open(folder / "huge.pdf", "wb") as f:  # 256 MB, sparse: no disk used
        f.write(b"%PDF-1.4\n")
        f.truncate(256 * 2**20)
    settings = Settings(max_file_mb=64, memory_mb=int(_address_space_mb()) + 100)
    tracemalloc.start()
    try:
        summary = run_folder(folder, tmp_path / "out", settings, jobs=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"the run held {peak / 2**20:.0f} MB: the file was read whole"
    assert summary.failures[0][1].startswith("too-large") and "--max-file-mb" in summary.failures[0][1]


def test_a_read_only_output_folder_is_said_so(tmp_path, capsys):
    from .conftest import small_filesystem

    with small_filesystem(tmp_path / "ro", options=",ro") as readonly:
        assert main(["run", str(CORPUS), "--out", str(readonly), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write to the output folder" in err[0] and "Read-only" in err[0], err
    assert "move it away" not in err[0]


# ---------------------------------------------------------------------- nothing skipped in silence
def test_an_empty_folder_is_said_so(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("not a PDF")
    assert main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no PDF file under" in err[0] and not (tmp_path / "out").exists()


def test_what_is_not_a_file_and_what_is_partial_are_said(bad_folder, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(bad_folder / "shopping.pdf", folder / "shopping.pdf")  # a list, no meeting: partial
    os.mkfifo(folder / "pipe.pdf")
    (folder / "folder.pdf").mkdir()
    (folder / "link.pdf").symlink_to(tmp_path / "gone.pdf")
    assert main(["run", str(folder), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "processed 1, skipped 0 unchanged, failed 0, partial 1" in captured.out
    err = captured.err
    assert re.search(r"SKIPPED \S*pipe\.pdf: a named pipe", err) and re.search(r"SKIPPED \S*link\.pdf: a broken", err)
    assert re.search(r"PARTIAL .*shopping\.pdf: .*no meeting structure", err)
    assert re.search(r"SKIPPED \S*folder\.pdf: a folder, not a PDF file, and no PDF is inside it", err)
