"""The value objects that pass between stages.

Offsets are half-open ``[start, end)`` character offsets into ``Document.text``; boxes are
pdfplumber's ``(x0, top, x1, bottom)`` in PDF points; pages are numbered from 1. Objects
refer to each other by string ids so that each kind becomes one table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

Box = tuple[float, float, float, float]


class Label(str, Enum):
    """What a mention is. The string values are what the tables and the audit show."""

    SPEAKER = "SPEAKER"
    COUNTRY = "COUNTRY"
    PROGRAMME = "PROGRAMME"
    FIGURE = "FIGURE"


class Status(str, Enum):
    """Outcome of processing one document (Docling's conversion status is the model)."""

    OK = "ok"
    PARTIAL = "partial"  # processed, with warnings (no meeting structure, flagged pages)
    FAILED = "failed"


@dataclass(frozen=True)
class Line:
    """A line of the page that is not content (header, footer, page number): kept for audit."""

    text: str
    page: int
    box: Box
    kind: str


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    removed: tuple[Line, ...] = ()
    flags: tuple[str, ...] = ()  # e.g. "no-text-layer", "no-unicode-map", "rotated"


@dataclass(frozen=True)
class Block:
    """A rebuilt paragraph, list item or heading."""

    kind: str  # "heading" | "paragraph" | "item" | "footnote" (moved after the text)
    start: int
    end: int
    page: int


@dataclass(frozen=True, eq=False)
class Document:
    """The text of one PDF in reading order, every character traceable to its page and box.

    ``char_page[i]`` and ``char_box[i]`` locate ``text[i]``; characters the extractor
    inserted (spaces between words, newlines between blocks) take the box of the glyph
    before them, with zero width.
    """

    doc_id: str
    source: str
    text: str
    pages: tuple[Page, ...]
    blocks: tuple[Block, ...]
    char_page: np.ndarray  # int16, len(text)
    char_box: np.ndarray  # float32, (len(text), 4)

    def locate(self, start: int, end: int) -> tuple[int, Box]:
        """Page and bounding box of ``text[start:end]`` (the part on its first page)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the document text")
        pages = self.char_page[start:end]
        page = int(pages[0])
        boxes = self.char_box[start:end][pages == page]
        box = (float(boxes[:, 0].min()), float(boxes[:, 1].min()),
               float(boxes[:, 2].max()), float(boxes[:, 3].max()))
        return page, box


@dataclass(frozen=True)
class Mention:
    """One recognised span, with the provenance an auditor needs (Presidio's explanation).

    ``value`` is the normalised value (an ISO code, a number, a canonical name); ``attrs``
    holds what a recogniser found beside it (unit, role, organisation, what a figure
    measures...). Invariant: ``document.text[start:end] == text``.
    """

    label: Label
    text: str
    start: int
    end: int
    rule: str
    confidence: float
    value: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    page: int = 0
    box: Box = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Speaker:
    speaker_id: str
    name: str
    role: str = ""
    organisation: str = ""
    country: str = ""
    kind: str = "person"  # "person" | "delegation" | "chair"


@dataclass(frozen=True)
class Statement:
    statement_id: str
    speaker_id: str
    page: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Country:
    country: str
    name: str
    relation: str  # "delegation" | "mentioned"
    mentions: int


@dataclass(frozen=True)
class Programme:
    programme_id: str
    name: str
    acronym: str
    country: str
    speaker_id: str
    mentions: int


@dataclass(frozen=True)
class Figure:
    figure_id: str
    text: str
    value: float
    unit: str
    measures: str
    speaker_id: str
    statement_id: str
    country: str
    page: int
    start: int
    end: int
    value_min: float | None = None  # lower bound of a range ("2 to 5%")


@dataclass(frozen=True)
class Extraction:
    """Everything linked for one document: what the tables are written from."""

    speakers: tuple[Speaker, ...]
    statements: tuple[Statement, ...]
    countries: tuple[Country, ...]
    programmes: tuple[Programme, ...]
    figures: tuple[Figure, ...]
    mentions: tuple[Mention, ...]
    # mention index -> (speaker_id, statement_id) for the audit and review export
    links: dict[int, tuple[str, str]] = field(default_factory=dict)
    date: str = ""  # the meeting's date, YYYY-MM-DD, when the text gives it


@dataclass(frozen=True)
class Result:
    """The outcome of one document: a status, the problems met, and what was extracted."""

    doc_id: str
    source: str
    status: Status
    pages: int = 0
    problems: tuple[str, ...] = ()
    document: Document | None = None
    extraction: Extraction | None = None
    seconds: dict[str, float] = field(default_factory=dict)
