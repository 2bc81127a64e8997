"""Benchmark: pages per second and seconds per stage, next to the usual baseline.

The pipeline is timed as ``run --jobs 1`` works, in this process and without forking: the
model loaded once, then each document extracted, recognised and linked (``run.process``),
its rows written to a SQLite store, then, as run ends, the themes fitted and every table
exported once.
``--profile`` runs the same pass again under cProfile, over the first PDFs up to 200 pages,
and prints the functions where the time goes; the stage times come from the pass without the
profiler, which slows Python code unevenly.

The baseline is what one would write first: pdfplumber's ``extract_text`` on every page,
then spaCy's small English pipeline over the text. ``en_core_web_sm`` is used when it is
installed; otherwise the same architecture (spaCy's efficiency configuration of tok2vec,
tagger, parser and NER), untrained: its cost is that of the architecture, not the weights.
"""
from __future__ import annotations

import cProfile
import io
import logging
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pdfplumber
import pypdfium2
import spacy
from spacy.language import Language

from .recognise import load_nlp, rules_version
from .run import find_pdfs, finish, process
from .settings import Settings
from .tables import Store, rows

log = logging.getLogger(__name__)

STAGES = ("model load", "extract", "recognise", "link", "tables", "themes, export")
PROFILE_PAGES = 200  # the profiled pass reads the first PDFs up to this many pages


def small_english() -> tuple[Language, str]:
    """spaCy's small English pipeline, or an untrained pipeline of the same architecture."""
    if spacy.util.is_package("en_core_web_sm"):
        return spacy.load("en_core_web_sm"), "en_core_web_sm"
    from spacy.cli.init_config import init_config

    config = init_config(lang="en", pipeline=["tagger", "parser", "ner"], optimize="efficiency", gpu=False)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    for label in ("NN", "NNS", "NNP", "VB", "VBD", "JJ", "IN", "DT", "CD", "."):
        nlp.get_pipe("tagger").add_label(label)
    for label in ("nsubj", "dobj", "prep", "pobj", "det", "amod", "ROOT", "punct"):
        nlp.get_pipe("parser").add_label(label)
    for label in ("PERSON", "ORG", "GPE", "NORP", "MONEY", "PERCENT", "CARDINAL", "DATE", "LAW"):
        nlp.get_pipe("ner").add_label(label)
    nlp.initialize()
    return nlp, "small English architecture (en_core_web_sm not installed), untrained"


def _baseline_text(path: Path) -> tuple[str, int]:
    with pdfplumber.open(path) as pdf:
        parts = []
        for page in pdf.pages:
            parts.append(page.extract_text() or "")
            page.close()
        return "\n".join(parts), len(parts)


def _baseline(pdfs: list[Path], nlp: Language) -> tuple[float, float, int]:
    """Seconds of pdfplumber's extract_text and of the small English pipeline, and the pages read."""
    plumber = small = 0.0
    pages = 0
    for pdf in pdfs:
        t = time.perf_counter()
        text, n = _baseline_text(pdf)
        plumber += time.perf_counter() - t
        t = time.perf_counter()
        nlp.max_length = max(nlp.max_length, len(text) + 1)
        nlp(text)
        small += time.perf_counter() - t
        pages += n
    return plumber, small, pages


def pipeline_pass(pdfs: list[Path], settings: Settings, out: Path) -> tuple[dict[str, float], int]:
    """Seconds per stage of the whole pipeline over ``pdfs``, as ``run --jobs 1`` does it, and the pages read."""
    seconds = dict.fromkeys(STAGES, 0.0)
    t = time.perf_counter()
    load_nlp.cache_clear()
    load_nlp(settings.model)
    seconds["model load"] = time.perf_counter() - t
    version = rules_version(settings.model, settings.lexicon)
    pages = 0
    with Store(out) as store:
        for pdf in pdfs:
            result = process(pdf, settings)
            for stage in ("extract", "recognise", "link"):
                seconds[stage] += result.seconds.get(stage, 0.0)
            pages += result.pages
            t = time.perf_counter()
            store.replace(result.doc_id, rows(result, version), source=result.source)
            seconds["tables"] += time.perf_counter() - t
    t = time.perf_counter()
    finish(out, settings)  # as run ends: the themes grouped, then every table exported once
    seconds["themes, export"] += time.perf_counter() - t
    return seconds, pages


def benchmark(folder: Path, jobs: list[int] | None = None, repeat: int = 1, profile: int = 0,
              settings: Settings | None = None) -> Iterator[str]:
    """Yield the lines of the benchmark report."""
    pdfs = find_pdfs(folder)
    if not pdfs:
        yield f"no PDF under {folder}"
        return
    settings = settings or Settings()
    base_nlp, base_name = small_english()
    best: dict[str, float] = {}
    pages = 0
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        for _ in range(max(1, repeat)):
            plumber, small, pages = _baseline(pdfs, base_nlp)
            shutil.rmtree(out / "pass", ignore_errors=True)
            seconds, _ = pipeline_pass(pdfs, settings, out / "pass")
            times = dict(seconds, plumber=plumber, small=small)
            best = {k: min(v, best.get(k, v)) for k, v in times.items()}
        baseline = best["plumber"] + best["small"]
        ours = sum(best[s] for s in STAGES)
        yield f"benchmark: {len(pdfs)} PDFs, {pages} pages under {folder} (best of {max(1, repeat)})"
        yield f"  baseline  pdfplumber extract_text   {best['plumber']:8.2f} s  {pages / best['plumber']:7.1f} pages/s"
        yield f"            + {base_name}"
        yield f"            spaCy small English       {best['small']:8.2f} s"
        yield f"            total                     {baseline:8.2f} s  {pages / baseline:7.1f} pages/s"
        yield f"  pipeline  (extractor {settings.extractor}; as run --jobs 1 does it, in one process)"
        for stage in STAGES:
            share = best[stage] / ours if ours else 0.0
            rate = f"  {pages / best[stage]:7.1f} pages/s" if stage in ("extract", "recognise") else ""
            yield f"            {stage:<25} {best[stage]:8.2f} s {share:5.0%}{rate}"
        yield f"            end to end                {ours:8.2f} s  {pages / ours:7.1f} pages/s"
        yield (f"  ratio     pipeline / baseline       {ours / baseline:8.2f}  "
               f"({baseline / ours:.1f}x the baseline's speed)")
        if profile:
            yield from _profiled(pdfs, settings, out / "profiled", profile)
        first = 0.0
        for n in jobs or []:
            elapsed, printed = _timed_run(folder, out / "run", ["--jobs", str(n), "--force",
                                                                "--extractor", settings.extractor])
            first = first or elapsed
            yield f"  run --jobs {n}: {elapsed:6.1f} s wall clock, {pages / elapsed:5.1f} pages/s; {_peak(printed)}"
        if jobs:
            again, printed = _timed_run(folder, out / "run", ["--extractor", settings.extractor])
            yield (f"  run again with nothing changed: {again:.1f} s ({again / first:.2f} of the first run); "
                   f"{printed.splitlines()[0] if printed else ''}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _profiled(pdfs: list[Path], settings: Settings, out: Path, top: int) -> Iterator[str]:
    """The pipeline pass once more under cProfile, over the first PDFs up to ``PROFILE_PAGES``:
    the functions with the most time, with and without the functions they call. Not over all:
    under a profiler, the spans spaCy hands out are kept alive (2 GB for ten WTO notes)."""
    sample, pages = [], 0
    for pdf in pdfs:
        if pages >= PROFILE_PAGES:
            break
        sample.append(pdf)
        pages += _page_count(pdf)
    profiler = cProfile.Profile()
    profiler.enable()
    pipeline_pass(sample, settings, out)
    profiler.disable()
    for order, title in (("cumulative", "cumulative time, with the functions they call"), ("tottime", "own time")):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats(order).print_stats(top)
        yield (f"  profile of the first {len(sample)} PDFs ({pages} pages): top {top} functions by {title} "
               "(under cProfile, which slows Python code)")
        table = buffer.getvalue()
        start = table.find("   ncalls")
        for line in table[start:].rstrip().splitlines():
            yield "    " + _short_path(line)


def _page_count(pdf: Path) -> int:
    try:
        return len(pypdfium2.PdfDocument(pdf))
    except pypdfium2.PdfiumError:
        return 0


def _short_path(line: str) -> str:
    """A profile line with the site-packages and project prefixes cut from its file names."""
    line = re.sub(r"\S*/(site-packages|lib/python3\.\d+)/", "", line)
    return line.replace(str(Path(__file__).resolve().parent.parent) + "/", "")


def _timed_run(folder: Path, out: Path, extra: list[str]) -> tuple[float, str]:
    """Time ``python -m pipeline run`` in its own process, as a user runs it."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", str(folder), "--out", str(out), "--quiet",
                           *extra], capture_output=True, text=True)
    return time.perf_counter() - t, done.stdout


def _peak(printed: str) -> str:
    found = re.search(r"peak memory [^\n]*", printed)
    return found.group(0) if found else "peak memory not reported"
