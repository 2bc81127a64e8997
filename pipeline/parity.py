"""Parity: the fast extractor (PDFium) read against the reference (pdfplumber), PDF by PDF.

Two readings agree when the file gets the same status (the same error, or none), and the
document the same text, blocks (paragraphs, headings, items, footnotes), pages (size, flags,
removed headers and footers) and characters' pages; the characters' boxes may differ by a
tolerance, reported as the largest difference found.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from .data import Document
from .errors import BadInputError
from .extract import extract
from .run import find_pdfs
from .settings import Settings

TOLERANCE_PT = 0.01  # the largest difference of a box edge, in points, that still counts as the same box


@dataclass(frozen=True)
class Comparison:
    source: str
    pages: int
    status: str  # "ok" or the error both readings raised
    differences: tuple[str, ...]  # what differs beyond the tolerance; empty when the readings agree
    box_difference: float  # the largest difference of a box edge, in points

    @property
    def same(self) -> bool:
        return not self.differences


def _read(path: Path, settings: Settings) -> Document | BadInputError:
    try:
        return extract(path, settings)
    except BadInputError as e:
        return e


def compare(path: Path, settings: Settings | None = None, tolerance: float = TOLERANCE_PT) -> Comparison:
    """Read ``path`` with both extractors and say where they differ."""
    settings = settings or Settings()
    fast = _read(path, replace(settings, extractor="pdfium"))
    reference = _read(path, replace(settings, extractor="pdfplumber"))
    if isinstance(fast, BadInputError) or isinstance(reference, BadInputError):
        said = [f"{type(r).__name__}: {r.message}" if isinstance(r, BadInputError) else "read"
                for r in (fast, reference)]
        differences = () if said[0] == said[1] else (f"status: pdfium {said[0]}; pdfplumber {said[1]}",)
        return Comparison(str(path), 0, said[1], differences, 0.0)
    differences = []
    if fast.text != reference.text:
        at = next((i for i, (a, b) in enumerate(zip(fast.text, reference.text)) if a != b),
                  min(len(fast.text), len(reference.text)))
        differences.append(f"text from character {at}: pdfium {fast.text[at:at + 60]!r}; "
                           f"pdfplumber {reference.text[at:at + 60]!r}")
    if fast.blocks != reference.blocks:
        differences.append(f"blocks: pdfium {len(fast.blocks)}, pdfplumber {len(reference.blocks)}")
    box = 0.0
    for mine, theirs in zip(fast.pages, reference.pages):
        same = (mine.number, mine.flags, [(r.text, r.kind, r.page) for r in mine.removed]) == \
            (theirs.number, theirs.flags, [(r.text, r.kind, r.page) for r in theirs.removed])
        if not same or len(mine.removed) != len(theirs.removed):
            differences.append(f"page {theirs.number}: flags or removed lines differ")
            continue
        edges = [abs(mine.width - theirs.width), abs(mine.height - theirs.height)]
        edges += [abs(a - b) for r, s in zip(mine.removed, theirs.removed) for a, b in zip(r.box, s.box)]
        box = max(box, *edges)
    if len(fast.pages) != len(reference.pages):
        differences.append(f"pages: pdfium {len(fast.pages)}, pdfplumber {len(reference.pages)}")
    if not differences:
        if not np.array_equal(fast.char_page, reference.char_page):
            differences.append("the pages of the characters differ")
        elif len(fast.char_box):
            box = max(box, float(np.abs(fast.char_box.astype(float) - reference.char_box.astype(float)).max()))
    if box > tolerance:
        differences.append(f"boxes differ by up to {box:.4f} pt, over the {tolerance} pt tolerance")
    return Comparison(str(path), len(reference.pages), "ok", tuple(differences), box)


def compare_folder(folder: Path, settings: Settings | None = None,
                   tolerance: float = TOLERANCE_PT) -> Iterator[Comparison]:
    for path in find_pdfs(folder):
        yield compare(path, settings, tolerance)
