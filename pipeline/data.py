"""The value objects that pass between stages.

Offsets are half-open ``[start, end)`` character offsets into ``Document.text``; boxes are
pdfplumber's ``(x0, top, x1, bottom)`` in PDF points; pages are numbered from 1. Objects
refer to each other by string ids so that each kind becomes one table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

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
class CountryCue:
    """What a country mention is: the kind of form written (name, alias, adjective, demonym)."""

    form: str


@dataclass(frozen=True)
class FigureCue:
    """What the figure recogniser read beside a number."""

    unit: str  # "percent", "count", "years", an ISO 4217 code...
    measures: str = ""  # the noun phrase it counts or measures
    value_min: float | None = None  # the lower bound of a range ("2 to 5%")
    # a sign several countries use ("$", "pesos"): its currency by the speaker's country
    unit_by_country: tuple[tuple[str, str], ...] = ()
    country_named: str = ""  # the first country named in the figure's sentence
    in_vote: bool = False  # in a sentence recording a vote ("adopted by 71 votes to 3"): the record's count
    kind: str = "count"  # money, share, rate, duration, age, points, quantity (with a unit of measure), count


@dataclass(frozen=True)
class ProgrammeCue:
    """What the programme recogniser knows of a name."""

    key: str  # spellings of one programme meet under one key
    acronym: str = ""
    home: str = ""  # the country (or EU) its name says runs it ("the Spanish ...", "European ...")
    owner: str = ""  # the country a possessive before it refers to ("Slovenia for its ...", "Norway's ...")
    introduced: bool = False  # named as new ("a new Integration Act"): the speaker's own, not one named before


@dataclass(frozen=True)
class SpeakerCue:
    """What the speaker recogniser read in and around a speaker mention.

    ``kind`` is person, delegation (a country or body speaking), chair (an office: "the
    Chairman"), chair-declared ("Chair:" before a name: says who holds an office), role-ref
    ("the Minister": someone already introduced), collective ("Delegations"), house (a
    parliament in the heading) or host (an organisation in the heading)."""

    kind: str
    name: str = ""
    first: str = ""
    surname: str = ""
    honorific: str = ""
    gender: str = ""  # from the honorific: "m", "f" or ""
    role: str = ""
    organisation: str = ""
    country: str = ""
    office: str = ""  # chair, chair-declared: the office; person: an office it speaks for ("Secretariat")
    presides: bool = False  # chair: the office chairs the meeting ("The Chair said" is whoever chairs)
    form: str = ""  # delegation: how it is named ("representative", "subject", "adjective", "listed", ...)
    behalf: str = ""  # delegation: the group it speaks for
    title: str = ""  # delegation: a person's title that names one member ("under-secretary")
    introduced: bool = False  # person: named with a first name and a role or country
    listed: bool = False  # person: one of a list of those who took the floor ("Speakers: A, B")
    declares: int = -1  # chair-declared: where the person it declares starts
    resumed: bool = False  # chair-declared: "X resumed the Chair"
    represented_by: int = -1  # delegation, chair: where the person speaking for it starts
    speaks_for_delegation: bool = False  # person: "The delegation of Ghana, led by Hon. X"
    co_subject: bool = False  # delegation: named after the first of several subjects ("Germany, France and ...")
    follows_head: bool = False  # delegation: "The representatives of Cuba and Peru": Peru follows Cuba
    label: bool = False  # a transcript's turn label ("Senator DRUMMOND:")
    leads: bool = False  # person: heads a delegation ("headed by X"); role-ref: refers to whoever does
    national: bool = False  # person: holds an office only a State gives ("Deputy Minister of Justice")


Evidence = CountryCue | FigureCue | ProgrammeCue | SpeakerCue


@dataclass(frozen=True)
class Mention:
    """One recognised span, with the provenance an auditor needs (Presidio's explanation).

    ``rule`` is the name of the pattern that found it (models/*/patterns.toml), ``value`` the
    normalised value (an ISO code, a number, a canonical name), ``evidence`` what the
    recogniser read beside it, ``explanation`` why it was kept. Invariant:
    ``document.text[start:end] == text``. Never changed after creation: a later stage that
    decides more about a mention keeps its decision beside it (``Floor``).
    """

    label: Label
    text: str
    start: int
    end: int
    rule: str
    confidence: float
    value: str = ""
    evidence: Evidence | None = None
    explanation: str = ""
    reviewed: str = ""  # an analyst's verdict applied to it: "ok" or "fix"
    page: int = 0
    box: Box = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Floor:
    """Whether a speaker mention took the floor, as the turns component decided it."""

    start: int  # the speaker mention's span
    end: int
    spoke: bool  # whoever the mention names took the floor
    opens_turn: bool  # a new statement starts at ``turn_start``
    turn_start: int
    rule: str
    reason: str


@dataclass(frozen=True)
class Recognition:
    """Everything recognised in one document: the mentions and the decisions taken over the
    whole document (who took the floor, votes, the date, the host, transcript or summary)."""

    mentions: tuple[Mention, ...]
    floor: tuple[Floor, ...] = ()
    date: str = ""  # the meeting's date, YYYY-MM-DD
    host: str = ""  # whom speakers with no country of their own speak for (a parliament's country, a host body)


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
    kind: str = "count"  # money, share, rate, duration, age, points, quantity, count


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
    floor: tuple[Floor, ...] = ()  # who took the floor, and why (for the explanations)


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
