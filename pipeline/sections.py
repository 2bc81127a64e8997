"""Sections: the agenda item or heading each statement sits under.

Meeting summaries carry their own structure ("3. Technical cooperation and training",
"Item C Programme of Work", "(ii) Request for observer status ..."); the themes stage groups
statements by it before it looks for themes in the words. A heading is a heading block of the
extraction that names a subject: not the document's title (its first block, unnumbered), a
sentence, a document symbol or a chair's name on a title page. Sub-headings ("2.1", "(a)",
"(ii)") stay inside the item above them when the document has items above them. A heading run
into the end of a paragraph ("It was so agreed. (ii) Request for ...") is not read: guessed
headings whose item's end is unknown grouped unrelated statements (WTO notes: keyword
coherence 0.38 with them, 0.43 without).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import pycountry

from .data import Document, Statement

ITEM = re.compile(r"^\s*(?:(?:agenda\s+)?item\s+[A-Z0-9]{1,3}\b[.:]?|[A-Z]\.|[IVX]{1,5}\.|\d{1,2}\.?(?=\s))\s*",
                  re.I)
SUB_ITEM = re.compile(r"^\s*(?:\d{1,2}\.\d{1,2}(?:\.\d{1,2})*\.?|\(?[a-z]\)|\(?[ivx]{1,5}\)|[-–•])\s*")
SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s+(?=\S)")
CODE = re.compile(r"\b[A-Z]{2,}/[A-Z0-9/.]+|\bPage\s*:?\s*\d|^\W*$")
FINITE = {"is", "are", "was", "were", "has", "have", "had", "did", "does", "said", "would", "will", "could", "should",
          "shall"}  # a line with one of these is a sentence, not a heading
MAX_WORDS = 30


@dataclass(frozen=True)
class Heading:
    start: int
    text: str  # without its number: "Technical cooperation and training"
    level: int  # 1: an agenda item, 2: a sub-item


def clean(text: str) -> str:
    """A heading without its number, trailing colon and document symbols, on one line."""
    text = " ".join(text.split())
    text = ITEM.sub("", text, count=1) if ITEM.match(text) else SUB_ITEM.sub("", text, count=1)
    text = re.sub(r"\s*\((?:[A-Z]{2,}/[^)]*|document[^)]*)\)", "", text)
    return text.strip(" :.-–")


def level(text: str) -> int:
    return 2 if SUB_ITEM.match(text) and not ITEM.match(text) else 1


def plausible(text: str) -> bool:
    """A heading names a subject: not a sentence, a document symbol, a rule of underscores, a date
    line or a person's name with a country ('Trevor Clarke (Barbados)', the chair on a title page)."""
    body = clean(text)
    words = re.findall(r"[A-Za-z]{3,}", body)
    if not words or len(text.split()) > MAX_WORDS or CODE.search(body) or "__" in text or \
            re.search(r"[.;]\d*$", body) or any(w.lower() in FINITE for w in words):
        return False
    last = re.search(r"\(([^()]+)\)\W*\d*$", body)
    if last:
        try:
            pycountry.countries.lookup(last.group(1).strip())
            return False
        except LookupError:
            pass
    return True


def headings(document: Document) -> list[Heading]:
    """The headings of a document in reading order."""
    out: list[Heading] = []
    text = document.text
    for i, block in enumerate(document.blocks):
        body = text[block.start:block.end]
        if block.kind != "heading" or SENTENCE_END.search(clean(body)):
            continue
        if i == 0 and not ITEM.match(body) and not SUB_ITEM.match(body):
            continue  # the document's title
        if clean(body) and plausible(body):
            out.append(Heading(block.start, clean(body), level(body)))
    return out


def statement_sections(document: Document, statements: tuple[Statement, ...] | list[Statement]) -> dict[str, str]:
    """statement_id -> the agenda item it sits under ("" before the first one)."""
    found = headings(document)
    top = min((h.level for h in found), default=1)
    items = [h for h in found if h.level == top]
    starts = [h.start for h in items]
    out = {}
    for s in statements:
        i = bisect_right(starts, s.start) - 1
        out[s.statement_id] = items[i].text if i >= 0 else ""
    return out
