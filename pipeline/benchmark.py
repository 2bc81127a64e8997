"""Benchmark: pages per second and seconds per stage, next to the usual baseline.

The baseline is what one would write first: pdfplumber's ``extract_text`` on every page,
then spaCy's small English pipeline over the text. ``en_core_web_sm`` is used when it is
installed; otherwise the same architecture (spaCy's efficiency configuration of tok2vec,
tagger, parser and NER), untrained: its cost is that of the architecture, not the weights.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pdfplumber
import spacy
from spacy.language import Language

from .extract import extract
from .link import link
from .recognise import load_nlp, recognise
from .run import find_pdfs
from .settings import Settings

log = logging.getLogger(__name__)


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


def benchmark(folder: Path, jobs: list[int] | None = None, repeat: int = 1) -> Iterator[str]:
    """Yield the lines of the benchmark report."""
    pdfs = find_pdfs(folder)
    if not pdfs:
        yield f"no PDF under {folder}"
        return
    settings = Settings()
    nlp = load_nlp(settings.model)
    base_nlp, base_name = small_english()
    best: dict[str, float] = {}
    pages = 0
    for _ in range(max(1, repeat)):
        times = dict.fromkeys(("plumber", "small", "extract", "recognise", "link"), 0.0)
        pages = 0
        for pdf in pdfs:
            t = time.perf_counter()
            text, n = _baseline_text(pdf)
            times["plumber"] += time.perf_counter() - t
            t = time.perf_counter()
            base_nlp.max_length = max(base_nlp.max_length, len(text) + 1)
            base_nlp(text)
            times["small"] += time.perf_counter() - t
            pages += n
            t = time.perf_counter()
            document = extract(pdf, settings)
            times["extract"] += time.perf_counter() - t
            t = time.perf_counter()
            recognition = recognise(document, nlp)
            times["recognise"] += time.perf_counter() - t
            t = time.perf_counter()
            link(document, recognition)
            times["link"] += time.perf_counter() - t
        best = {k: min(v, best.get(k, v)) for k, v in times.items()}
    baseline = best["plumber"] + best["small"]
    ours = best["extract"] + best["recognise"]
    yield f"benchmark: {len(pdfs)} PDFs, {pages} pages under {folder} (best of {max(1, repeat)})"
    yield f"  baseline  pdfplumber extract_text   {best['plumber']:8.2f} s  {pages / best['plumber']:7.1f} pages/s"
    yield f"            + {base_name}"
    yield f"            spaCy small English       {best['small']:8.2f} s"
    yield f"            total                     {baseline:8.2f} s  {pages / baseline:7.1f} pages/s"
    yield f"  pipeline  extract                   {best['extract']:8.2f} s  {pages / best['extract']:7.1f} pages/s"
    yield f"            recognise                 {best['recognise']:8.2f} s"
    yield f"            link                      {best['link']:8.2f} s"
    yield f"            extract + recognise       {ours:8.2f} s  {pages / ours:7.1f} pages/s"
    yield f"  ratio     pipeline / baseline       {ours / baseline:8.2f}  (below 1: cheaper than the baseline)"
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    first = 0.0
    try:
        for n in jobs or []:
            elapsed, printed = _timed_run(folder, out, ["--jobs", str(n), "--force"])
            first = first or elapsed
            yield f"  run --jobs {n}: {elapsed:6.1f} s wall clock, {pages / elapsed:5.1f} pages/s; {_peak(printed)}"
        if jobs:
            again, printed = _timed_run(folder, out, [])
            yield (f"  run again with nothing changed: {again:.1f} s ({again / first:.2f} of the first run); "
                   f"{printed.splitlines()[0] if printed else ''}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _timed_run(folder: Path, out: Path, extra: list[str]) -> tuple[float, str]:
    """Time ``python -m pipeline run`` in its own process, as a user runs it."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", str(folder), "--out", str(out), "--quiet",
                           *extra], capture_output=True, text=True)
    return time.perf_counter() - t, done.stdout


def _peak(printed: str) -> str:
    found = re.search(r"peak memory [^\n]*", printed)
    return found.group(0) if found else "peak memory not reported"
