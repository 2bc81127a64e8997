"""Extract: a meeting-summary PDF becomes a ``Document``.

Reading order (one or two columns), running headers, footers and page numbers removed and
kept for audit, line-end hyphenation undone, paragraphs and headings rebuilt, and every
character of the text mapped to its page and box.

The glyphs of each page come from ``glyphs.py`` (PDFium by default, pdfplumber as the
reference) as columns of numbers; lines, words and columns are index arrays into those
columns. Of a page only its segments are kept (their text and the boxes of its characters),
so a document's memory is that of its text, not of objects per glyph.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import Block, Document, Line, Page
from .errors import BadInputError, CorruptPDFError, EmptyFileError, NoTextLayerError, NotPDFError, TooLargeError
from .glyphs import Glyphs, read_pages
from .lexicon import english_words
from .settings import Settings

log = logging.getLogger(__name__)

PAGE_NUMBER = re.compile(r"^[\s\-–—|]*(page|p\.|seite)?\s*(\d{1,4}|[ivxlc]{1,6})"
                         r"(\s*(/|of|sur|de|von)\s*\d{1,4})?[\s\-–—|]*$", re.I)
BOILERPLATE = re.compile(r"^\s*(t[ée]l(ephone|[ée]phone)?|tel|phone|fax|e-?mail|m[ée]l|courriel|"
                         r"address|adresse|www\.|https?://)\b|@", re.I)
TERMINAL = re.compile(r"[.!?:;»\"”)]\s*$")
BULLET = re.compile(r"^\s*([-•–—·▪■◦*]\s|\(?([a-z]|[ivx]{1,4}|\d{1,2})\)\s)")
NUMBERED_HEADING = re.compile(r"^\s*(\d{1,2}(\.\d{1,2})*\.|\d{1,2}(\.\d{1,2})+|[IVX]{1,5}\.|\([IVX]{1,5}\))\s+[A-Z]")
NUMBERED_PARAGRAPH = re.compile(r"^\s*\d{1,3}\.\s+[A-Z]")
DANGLING = re.compile(r"\b(of|the|for|and|to|a|an|with|by|from|into|on|in|at|or)$")
WORD = re.compile(r"[^\W\d_]+")
SUPERSCRIPT = frozenset("¹²³⁴⁵⁶⁷⁸⁹⁰*†‡")


@dataclass(slots=True, eq=False)
class Segment:
    """A run of words on one line of one column; the unit of reading order.

    ``text`` is what the layout reads (the glyphs as read, one space between words); ``chars``
    is the text the document holds (glyphs cleaned) and ``boxes`` the box of each of its characters.
    """

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool
    text: str
    first_word: str
    last_word: str
    chars: str
    boxes: np.ndarray  # float32, (len(chars), 4)
    column: int = 0  # 0 full width / single column, 1 left, 2 right
    band: int = 0


@dataclass(slots=True)
class _Words:
    """A page's lines, left to right, as one array of glyph indices, and where lines and words start in it."""

    glyphs: np.ndarray
    line_starts: np.ndarray  # offsets into ``glyphs``; the first is 0
    word_starts: np.ndarray  # offsets into ``glyphs``; every line start is one

    def ends(self, starts: np.ndarray) -> np.ndarray:
        return np.append(starts[1:], len(self.glyphs))


@dataclass(slots=True)
class _Columns:
    """A page's glyphs with what the layout asks of their texts, computed once."""

    g: Glyphs
    texts: np.ndarray  # object array of the glyph texts, for comparing neighbours at once
    marks: np.ndarray  # bool: the glyph is a footnote sign (¹, *, †)
    x_order: np.ndarray  # x0 to the thousandth of a point: glyphs drawn at one place keep the order they were drawn in


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """A file's sha256, read in chunks: a file of any size is hashed in little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_pdf_bytes(path: Path, settings: Settings) -> bytes:
    """The file's bytes, refusing what is plainly not a PDF before any parser sees it."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise BadInputError(source, f"cannot be read ({e.strerror}); check the path and permissions") from e
    if size == 0:
        raise EmptyFileError(source, "is empty (0 bytes); replace it with the complete PDF")
    if size > settings.max_file_mb * 1024 * 1024:
        raise TooLargeError(source, f"is {size / 2**20:.0f} MB, over the {settings.max_file_mb} MB limit; "
                                    "split it or raise --max-file-mb")
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise NotPDFError(source, "is not a PDF (no %PDF header); convert it to PDF or remove it from the folder")
    return data


def extract(path: Path, settings: Settings | None = None, password: str | None = None,
            data: bytes | None = None) -> Document:
    """Read one PDF into a Document. Raises a ``BadInputError`` subclass for unusable files."""
    settings = settings or Settings()
    source = str(path)
    data = data if data is not None else read_pdf_bytes(path, settings)
    doc_id = sha256(data)
    pages: list[Page] = []
    segments: list[Segment] = []
    for info, glyphs in read_pages(source, data, password, settings):
        if glyphs is not None:
            try:
                segments.extend(_layout(glyphs, info.number, info.width, info.height, settings))
            except MemoryError:
                raise  # over the memory cap: a limit, not damage
            except Exception as e:  # one page the layout cannot read must not lose the rest
                log.warning("%s: page %d unreadable: %s", source, info.number, e)
                info = Page(info.number, 0.0, 0.0, flags=(f"unreadable: {type(e).__name__}",))
        pages.append(info)
    if not segments:
        flags = {f for p in pages for f in p.flags}
        if any(f.startswith("content over") for f in flags):
            raise TooLargeError(source, f"refused: its pages' drawing instructions inflate beyond "
                                        f"{settings.max_page_content_mb} MB (a decompression bomb, or millions of "
                                        "vector objects); if it is genuine, export it again as a simpler PDF")
        if any(f.startswith("unreadable") for f in flags) and not any(f == "no-text-layer" for f in flags):
            raise CorruptPDFError(source, "no page could be read; the file is damaged: "
                                          "re-download or re-export it")
        if "sideways-text" in flags:
            raise NoTextLayerError(source, "its text runs sideways (rotated pages); turn the pages upright "
                                           "(e.g. qpdf --rotate=+90) and process it again")
        if "no-unicode-map" in flags:
            raise NoTextLayerError(source, "its fonts have no Unicode map, so the text comes out as (cid:NN) "
                                           "codes; run OCR on it (e.g. ocrmypdf --force-ocr) and process the result")
        raise NoTextLayerError(source, "has no text layer (a scan or images); run OCR on it "
                                       "(e.g. ocrmypdf) and process the OCR'd PDF")
    pages, segments = _remove_margins(pages, segments, settings)
    return _assemble(doc_id, source, pages, segments, settings)


def from_text(text: str, source: str = "text", keep_lines: bool = False) -> Document:
    """A Document from plain text, for text that never was a PDF (a summary kept as .txt, a test):
    blank lines separate paragraphs, the lines of a paragraph are joined (or kept, as a
    transcript's turns are); a short line without a full stop is a heading. Every character is on
    page 1, with no box."""
    parts = [chunk.strip() if keep_lines else " ".join(line.strip() for line in chunk.splitlines() if line.strip())
             for chunk in re.split(r"\n\s*\n", text)]
    parts = [p for p in parts if p]
    body = "\n\n".join(parts)
    blocks, pos = [], 0
    for part in parts:
        kind = "heading" if len(part) < 80 and not part.rstrip().endswith((".", ":", ";")) else "paragraph"
        blocks.append(Block(kind, pos, pos + len(part), 1))
        pos += len(part) + 2
    return Document(sha256(body.encode()), source, body, (Page(1, 0.0, 0.0),), tuple(blocks),
                    np.ones(len(body), dtype=np.int16), np.zeros((len(body), 4), dtype=np.float32))


def _layout(g: Glyphs, page: int, width: float, height: float, settings: Settings) -> list[Segment]:
    """A page's glyphs become segments: lines, their words, the gutter between two columns."""
    cols = _Columns(g, np.array(g.text, dtype=object), np.fromiter(map(SUPERSCRIPT.__contains__, g.text), bool, len(g)),
                    np.round(g.x0, 3))
    words = _words(cols, _lines(cols, settings), settings)
    gutter = _gutter(cols, words, width, height, settings)
    return _segments(cols, words, page, gutter, settings)


def _lines(cols: _Columns, settings: Settings) -> list[np.ndarray]:
    """Cluster glyphs into lines by vertical overlap, each sorted left to right."""
    g = cols.g
    order = np.lexsort((cols.x_order, g.top))
    tops = g.top[order]
    limit = tops + settings.line_overlap * (g.bottom[order] - tops)
    starts = []
    i = 0
    while i < len(order):  # the first glyph of a line anchors it: no chaining
        starts.append(i)
        i = max(int(np.searchsorted(tops, limit[i], side="left")), i + 1)
    lines = _join_scripts(cols, order, np.array(starts), settings)
    sizes = [len(line) for line in lines]
    flat = np.concatenate(lines)
    line_of = np.repeat(np.arange(len(lines)), sizes)
    flat = flat[np.lexsort((cols.x_order[flat], line_of))]  # ties keep their order
    bounds = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    # only lines with small or marked glyphs can hold footnote markers
    body = np.maximum.reduceat(g.size[flat], bounds)
    candidate = (g.size[flat] <= settings.script_size * body[line_of]) | cols.marks[flat]
    maybe = np.logical_or.reduceat(candidate, bounds).tolist()
    lines = np.split(flat, bounds[1:])
    return [_drop_markers(cols, line, settings) if m else line for line, m in zip(lines, maybe)]


def _join_scripts(cols: _Columns, order: np.ndarray, starts: np.ndarray, settings: Settings) -> list[np.ndarray]:
    """A "line" of a few short small-print runs that overlaps its neighbour vertically holds
    that line's superscripts (footnote markers) or subscripts: it belongs to the neighbour."""
    g = cols.g
    lines = np.split(order, starts[1:])
    stats = zip(np.maximum.reduceat(g.size[order], starts).tolist(), np.minimum.reduceat(g.top[order], starts).tolist(),
                np.maximum.reduceat(g.bottom[order], starts).tolist())
    out: list[list[np.ndarray]] = []
    kept: list[tuple[float, float, float]] = []  # per line: body size, top, bottom
    for line, mine in zip(lines, stats):
        if out:
            theirs = kept[-1]
            if _scripts_of(cols, lambda: line, mine, theirs, settings) or \
                    _scripts_of(cols, lambda: np.concatenate(out[-1]), theirs, mine, settings):
                out[-1].append(line)
                kept[-1] = (max(theirs[0], mine[0]), min(theirs[1], mine[1]), max(theirs[2], mine[2]))
                continue
        out.append([line])
        kept.append(mine)
    return [parts[0] if len(parts) == 1 else np.concatenate(parts) for parts in out]


def _scripts_of(cols: _Columns, small_line, small_stats: tuple[float, float, float],
                big_stats: tuple[float, float, float], settings: Settings) -> bool:
    if small_stats[0] > settings.script_size * big_stats[0]:
        return False
    g = cols.g
    small = small_line()
    top, bottom = big_stats[1], big_stats[2]
    if not ((g.top[small] < bottom) & (g.bottom[small] > top)).any():
        return False
    words = _words(cols, [small[np.argsort(cols.x_order[small], kind="stable")]], settings)
    return bool((np.diff(np.append(words.word_starts, len(words.glyphs))) <= settings.script_max_glyphs).all())


def _drop_markers(cols: _Columns, line: np.ndarray, settings: Settings) -> np.ndarray:
    """Footnote markers are raised small print right after a word ("Programme¹", "2023.²"):
    left in, they glue digits to words and make figures. Ordinals ("21st") stay."""
    g = cols.g
    sizes = g.size[line]
    size = sizes.max()
    small = sizes <= settings.script_size * size
    marks = cols.marks[line]
    if not small.any() and not marks.any():
        return line
    bottoms = g.bottom[line]
    base = statistics.median(bottoms[~small].tolist()) if not small.all() else 0.0
    raised = (marks | (small & (bottoms < base - settings.script_rise * size))).tolist()
    if not any(raised):
        return line
    keep = np.ones(len(line), dtype=bool)
    i = 0
    while i < len(line):
        if not raised[i]:
            i += 1
            continue
        j = i
        while j < len(line) and raised[j]:
            j += 1
        if i > 0:
            before, run = line[i - 1], line[i:j]
            after_word = g.x0[run[0]] - g.x1[before] < settings.word_gap * size * 2
            ordinal = cols.texts[before].isdigit() and all(t.isalpha() for t in cols.texts[run])
            if after_word and not ordinal and len(run) <= settings.script_max_glyphs:
                keep[i:j] = False
                # the word goes on across the marker's place ("billion¹²." stays "billion.")
                g.x1[before] = max(g.x1[before], g.x1[run[-1]])
        i = j
    return line[keep]


def _words(cols: _Columns, lines: list[np.ndarray], settings: Settings) -> _Words:
    """Lines without doubles, split into words: a gap wider than ``word_gap`` times the next
    glyph's size separates two words."""
    g = cols.g
    sizes = [len(line) for line in lines]
    flat = np.concatenate(lines)
    line_of = np.repeat(np.arange(len(lines)), sizes)
    x0, x1, texts = g.x0[flat], g.x1[flat], cols.texts[flat]
    same_line = line_of[1:] == line_of[:-1]
    double = same_line & (texts[1:] == texts[:-1]) & (np.abs(x0[1:] - x0[:-1]) < 0.3 * (x1[:-1] - x0[:-1]))
    if double.any():  # a glyph printed twice for a fake bold: keep the first
        return _words(cols, [_without_doubles(cols, line) for line in lines], settings)
    line_starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    new_word = ~same_line | (x0[1:] - x1[:-1] > settings.word_gap * g.size[flat][1:])
    return _Words(flat, line_starts, np.concatenate(([0], np.flatnonzero(new_word) + 1)))


def _without_doubles(cols: _Columns, line: np.ndarray) -> np.ndarray:
    """A line without the glyphs printed again over the glyph before (fake bold)."""
    g, texts = cols.g, cols.texts
    kept: list[int] = []
    for k in line.tolist():
        prev = kept[-1] if kept else -1
        if prev >= 0 and texts[k] == texts[prev] and abs(g.x0[k] - g.x0[prev]) < 0.3 * (g.x1[prev] - g.x0[prev]):
            continue
        kept.append(k)
    return np.array(kept, dtype=line.dtype)


def _gutter(cols: _Columns, words: _Words, width: float, height: float,
            settings: Settings) -> tuple[float, float] | None:
    """The white strip between two columns, if this page has two columns."""
    g = cols.g
    flat, line_starts = words.glyphs, words.line_starts
    first_top = g.top[flat[line_starts]]
    body = (settings.header_zone * height < first_top) & (first_top < (1 - settings.footer_zone) * height)
    n_body = int(body.sum())
    if n_body < 4:
        return None
    bins = int(width) + 1
    # each body line marks the bins its words cover (as slices marked[start:end] of a list would)
    word_line = np.searchsorted(line_starts, words.word_starts, side="right") - 1
    in_body = body[word_line]
    row = np.cumsum(body)[word_line[in_body]] - 1
    first = flat[words.word_starts[in_body]]
    last = flat[words.ends(words.word_starts)[in_body] - 1]
    start = np.maximum(np.trunc(np.clip(g.x0[first], -1e9, 1e9)).astype(np.int64), 0)
    end = np.minimum(np.ceil(np.clip(g.x1[last], -1e9, 1e9)).astype(np.int64) + 1, bins)
    end = np.where(end < 0, np.maximum(end + bins, 0), end)
    start = np.minimum(start, end)
    edges = np.zeros((n_body, bins + 1), dtype=np.int32)
    np.add.at(edges, (row, start), 1)
    np.add.at(edges, (row, end), -1)
    cover = (np.cumsum(edges, axis=1)[:, :bins] > 0).sum(axis=0)
    lo, hi = int(width * 0.3), int(width * 0.7)
    limit = settings.gutter_max_crossing * n_body
    best: tuple[int, int] | None = None
    start_x = None
    for x in range(lo, hi + 1):
        free = x < hi and cover[x] <= limit
        if free and start_x is None:
            start_x = x
        elif not free and start_x is not None:
            if x - start_x >= settings.gutter_min_width and (best is None or x - start_x > best[1] - best[0]):
                best = (start_x, x)
            start_x = None
    if best is None:
        return None
    left = int((g.x0[flat[line_starts]][body] < best[0]).sum())
    right = int((g.x1[flat[words.ends(line_starts) - 1]][body] > best[1]).sum())
    if min(left, right) < max(2, 0.1 * n_body):
        return None
    return float(best[0]), float(best[1])


def _segments(cols: _Columns, words: _Words, page: int, gutter: tuple[float, float] | None,
              settings: Settings) -> list[Segment]:
    """Split lines where they cross the gutter or leave a wide gap (a footer's page number), and
    give each segment its text and the box of each character it puts into the document."""
    g = cols.g
    flat, word_starts = words.glyphs, words.word_starts
    word_ends = words.ends(word_starts)
    gap_start, gap_end = g.x1[flat[word_ends[:-1] - 1]], g.x0[flat[word_starts[1:]]]
    split = gap_end - gap_start > settings.segment_gap * g.size[flat[word_starts[1:]]]
    if gutter:
        split |= (gap_start <= gutter[1]) & (gap_end >= gutter[0]) & (gap_end - gap_start >= settings.gutter_min_width)
    split |= np.isin(word_starts[1:], words.line_starts)
    seg_words = np.concatenate(([0], np.flatnonzero(split) + 1))  # first word of each segment
    seg_starts = word_starts[seg_words]  # first glyph of each segment, in ``flat``
    # the text: glyphs as read, a space after every word but a segment's last
    texts = [g.text[k] for k in flat.tolist()]
    n = len(flat)
    space_after = np.zeros(n, dtype=bool)
    space_after[word_ends - 1] = True
    space_after[np.append(seg_starts[1:], n) - 1] = False
    widths = np.fromiter(map(len, texts), np.int64, n)
    char_start = np.concatenate(([0], np.cumsum(widths + space_after)))
    pieces = texts[:]
    for k in np.flatnonzero(space_after).tolist():
        pieces[k] += " "
    page_text = "".join(pieces)
    if page_text.isascii():
        page_chars, char_widths = page_text, widths
    else:  # what the document holds: each glyph cleaned
        cleaned = [t if t.isascii() else _clean(t) for t in texts]
        char_widths = np.fromiter(map(len, cleaned), np.int64, n)
        for k in np.flatnonzero(space_after).tolist():
            cleaned[k] += " "
        page_chars = "".join(cleaned)
    chars_start = np.concatenate(([0], np.cumsum(char_widths + space_after)))
    # a box per character; a space takes the box of the character before it, with no width
    glyph_box = np.stack((g.x0[flat], g.top[flat], g.x1[flat], g.bottom[flat]), axis=1)
    row = np.repeat(np.arange(n), char_widths + space_after)
    boxes = glyph_box[row].astype(np.float32)
    spaces = chars_start[1:][space_after] - 1
    boxes[spaces, 0] = boxes[spaces, 2]
    # per segment: extent, size, weight
    x0 = np.minimum.reduceat(g.x0[flat], seg_starts).tolist()
    top = np.minimum.reduceat(g.top[flat], seg_starts).tolist()
    x1 = np.maximum.reduceat(g.x1[flat], seg_starts).tolist()
    bottom = np.maximum.reduceat(g.bottom[flat], seg_starts).tolist()
    sizes = g.size[flat]
    size_lo = np.minimum.reduceat(sizes, seg_starts).tolist()
    size_hi = np.maximum.reduceat(sizes, seg_starts).tolist()
    seg_ends = np.append(seg_starts[1:], n)
    bold = (np.add.reduceat(g.bold[flat].astype(np.int64), seg_starts) * 2 > seg_ends - seg_starts).tolist()
    last_words = word_starts[np.append(seg_words[1:], len(word_starts)) - 1]
    out = []
    for k, (a, b) in enumerate(zip(seg_starts.tolist(), seg_ends.tolist())):
        size = size_lo[k] if size_lo[k] == size_hi[k] else statistics.median(sizes[a:b].tolist())
        first_end = int(word_ends[seg_words[k]])
        text = page_text[char_start[a]:char_start[b]]
        first_word = page_text[char_start[a]:char_start[first_end] - space_after[first_end - 1]]
        last_word = page_text[char_start[last_words[k]]:char_start[b]]
        seg = Segment(page, x0[k], top[k], x1[k], bottom[k], size, bold[k], text, first_word, last_word,
                      page_chars[chars_start[a]:chars_start[b]], boxes[chars_start[a]:chars_start[b]])
        if gutter:
            if seg.x1 <= gutter[1] and seg.x0 < gutter[0]:
                seg.column = 1
            elif seg.x0 >= gutter[0]:
                seg.column = 2
        out.append(seg)
    return out


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _remove_margins(pages: list[Page], segments: list[Segment],
                    settings: Settings) -> tuple[list[Page], list[Segment]]:
    """Drop running headers, footers and page numbers; keep them on their Page for audit."""
    size = {p.number: p for p in pages}

    def zone(s: Segment) -> str:
        h = size[s.page].height
        if s.bottom <= settings.header_zone * h:
            return "header"
        if s.top >= (1 - settings.footer_zone) * h:
            return "footer"
        return ""

    counts = Counter()
    for key in {(s.page, _margin_key(s.text)) for s in segments if zone(s)}:
        counts[key[1]] += 1
    body_text = {}
    for s in segments:
        if not zone(s):
            body_text.setdefault(s.page, []).append(" ".join(s.text.split()).lower())
    text_pages = sum(1 for p in pages if "no-text-layer" not in p.flags)
    needed = max(2, math.ceil(settings.repeat_share * text_pages))
    removed: dict[int, list[Line]] = {}
    kept = []
    for s in segments:
        where = zone(s)
        kind = ""
        if where:
            if PAGE_NUMBER.match(s.text):
                kind = "page-number"
            elif counts[_margin_key(s.text)] >= needed or BOILERPLATE.search(s.text) or \
                    _repeats_body(s, body_text.get(s.page, [])):
                kind = where
        if kind:
            removed.setdefault(s.page, []).append(Line(s.text, s.page, (s.x0, s.top, s.x1, s.bottom), kind))
        else:
            kept.append(s)
    pages = [Page(p.number, p.width, p.height, tuple(removed.get(p.number, ())), p.flags) for p in pages]
    return pages, kept


def _repeats_body(segment: Segment, body: list[str]) -> bool:
    """A header line that repeats the start of a body line (the title under a running header)."""
    text = " ".join(segment.text.split()).lower()
    return len(text) > 15 and any(line.startswith(text[:40]) or text.startswith(line) and len(line) > 15
                                  for line in body)


def _footnotes(segments: list[Segment], body_size: float) -> set[int]:
    """Footnotes: lines in a smaller type below the last line of body type on their page.
    They leave the reading flow (a paragraph runs on across the page break) and follow the text."""
    notes: set[int] = set()
    by_page: dict[int, list[Segment]] = {}
    for s in segments:
        by_page.setdefault(s.page, []).append(s)
    for segs in by_page.values():
        body = [s.bottom for s in segs if s.size >= 0.9 * body_size]
        if not body:
            continue
        last = max(body)
        small = [s for s in segs if s.top >= last - 1 and s.size <= 0.85 * body_size]
        if small and re.match(r"\s*(\d{1,3}|[*†‡§])", sorted(small, key=lambda s: s.top)[0].text):
            notes.update(id(s) for s in small)
    return notes


def _reading_order(segments: list[Segment]) -> list[Segment]:
    """Per page: bands separated by full-width lines; in each band the left column, then the right."""
    ordered: list[Segment] = []
    by_page: dict[int, list[Segment]] = {}
    for s in segments:
        by_page.setdefault(s.page, []).append(s)
    for page in sorted(by_page):
        segs = sorted(by_page[page], key=lambda s: (s.top, s.x0))
        band, bands = 0, []
        current: list[Segment] = []
        for s in segs:
            if s.column == 0 and any(c.column for c in current):
                bands.append(current)
                current, band = [], band + 1
            s.band = band
            current.append(s)
        bands.append(current)
        for b in bands:
            ordered.extend(sorted(b, key=lambda s: (s.column == 2, s.top, s.x0)))
    return ordered


def _line_pitch(ordered: list[Segment]) -> float:
    """The usual distance between two lines of one paragraph. The lower quartile of the
    pitches, not the median: in a summary of one-line paragraphs most gaps are paragraph gaps."""
    pitches = sorted(b.top - a.top for a, b in zip(ordered, ordered[1:])
                     if (a.page, a.column, a.band) == (b.page, b.column, b.band) and b.top > a.top
                     and abs(a.size - b.size) < 0.6)
    size = statistics.median(s.size for s in ordered)
    if not pitches:
        return 1.25 * size
    quartile = pitches[len(pitches) // 4]
    return quartile if quartile < 1.6 * size else 1.25 * size


def _opens_block(prev: Segment, seg: Segment, pitch: float, edges: dict) -> bool:
    """Whether ``seg`` starts a new paragraph after ``prev``."""
    if BULLET.match(seg.text):
        return True
    if seg.bold != prev.bold or abs(seg.size - prev.size) > 0.6:
        return True
    ends = bool(TERMINAL.search(prev.text))
    starts_lower = seg.text[:1].islower()
    if DANGLING.search(prev.text):
        return False  # no paragraph ends on "of" or "the": the gap is only layout
    if (seg.page, seg.column, seg.band) != (prev.page, prev.column, prev.band):
        # a paragraph runs on into the next column or page unless its last line ended a sentence,
        # or stopped well short of the margin ("Speakers: A, B, C" at the foot of a page)
        return (ends or _stops_short(prev, edges, 0.35)) and not starts_lower
    if seg.top - prev.top > pitch * 1.0 + 0.01 and seg.top - prev.bottom > 0.45 * seg.size:
        return True
    if ends and seg.x0 > prev.x0 + seg.size and not BULLET.match(prev.text):
        return True  # first-line indent
    if ends and not starts_lower and _stops_short(prev, edges, 0.15):
        return True  # a short line ending a sentence ends its paragraph
    if NUMBERED_PARAGRAPH.match(seg.text) and _stops_short(prev, edges, 0.1):
        return True  # "7. The representative of ..." after a short line
    return False


def _stops_short(seg: Segment, edges: dict, share: float) -> bool:
    """Whether a line ends at least ``share`` of its column's width before the right margin."""
    left, right = edges[(seg.page, seg.column)]
    return seg.x1 < right - share * (right - left)


def _assemble(doc_id: str, source: str, pages: list[Page], segments: list[Segment],
              settings: Settings) -> Document:
    body_size = statistics.median(s.size for s in segments)
    notes = _footnotes(segments, body_size)
    ordered = _reading_order([s for s in segments if id(s) not in notes])
    footnotes = _reading_order([s for s in segments if id(s) in notes])
    pitch = _line_pitch(ordered) * settings.paragraph_pitch
    edges: dict[tuple[int, int], tuple[float, float]] = {}
    for s in ordered + footnotes:
        lo, hi = edges.get((s.page, s.column), (s.x0, s.x1))
        edges[(s.page, s.column)] = (min(lo, s.x0), max(hi, s.x1))
    groups: list[list[Segment]] = []
    for seg in ordered:
        if not groups or _opens_block(groups[-1][-1], seg, pitch, edges):
            groups.append([seg])
        else:
            groups[-1].append(seg)
    body_groups = len(groups)
    for seg in footnotes:
        if len(groups) == body_groups or seg.page != groups[-1][-1].page \
                or re.match(r"\s*(\d{1,3}|[*†‡§])\s", seg.text):
            groups.append([seg])
        else:
            groups[-1].append(seg)
    vocabulary = _vocabulary(ordered)
    lexicon = english_words(settings.lexicon)

    chars: list[str] = []
    boxes: list[np.ndarray] = []
    runs: list[tuple[int, int]] = []  # (page, characters) of each piece of text, in order
    blocks: list[Block] = []
    length = 0

    def emit(text: str, box: np.ndarray, page: int) -> None:
        nonlocal length
        chars.append(text)
        boxes.append(box)
        runs.append((page, len(text)))
        length += len(text)

    def gap(text: str) -> None:
        """Inserted characters take the box of the character before them, with no width."""
        x0, top, x1, bottom = boxes[-1][-1]
        emit(text, np.tile(np.array([x1, top, x1, bottom], dtype=np.float32), (len(text), 1)), runs[-1][0])

    for group in groups:
        if blocks:
            gap("\n\n")
        start = length
        for i, seg in enumerate(group):
            if i:
                joint = _line_joint(group[i - 1], seg, vocabulary, lexicon)
                if joint == "join":  # the hyphen goes
                    chars[-1], boxes[-1], runs[-1] = chars[-1][:-1], boxes[-1][:-1], (runs[-1][0], runs[-1][1] - 1)
                    length -= 1
                    if not chars[-1]:
                        chars.pop(), boxes.pop(), runs.pop()
                elif joint == "space":
                    gap(" ")
            emit(seg.chars, seg.boxes, seg.page)
        kind = "footnote" if len(blocks) >= body_groups else _kind(group, body_size)
        blocks.append(Block(kind, start, length, group[0].page))
    text = "".join(chars)
    char_page = np.repeat(np.array([p for p, _ in runs], dtype=np.int16), [n for _, n in runs])
    char_box = np.concatenate(boxes) if boxes else np.zeros((0, 4), dtype=np.float32)
    if not len(text) == len(char_page) == len(char_box):
        raise AssertionError("character map out of step with the text")
    return Document(doc_id, source, text, tuple(pages), tuple(blocks), char_page, char_box)


def _clean(text: str) -> str:
    """One glyph's text, ligatures and compatibility forms folded; never empty."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", text.replace("\u00ad", "-"))
    folded = "".join(ch for ch in folded if ch.isprintable() and not ch.isspace())
    return folded or "?"


def _kind(group: list[Segment], body_size: float) -> str:
    text = " ".join(s.text for s in group)
    if BULLET.match(text):
        return "item"
    short = len(text) < 220 and not text.rstrip().endswith((".", ";", ","))
    if short and (all(s.bold for s in group) or group[0].size > body_size + 1.0):
        return "heading"
    if short and len(group) <= 3 and NUMBERED_HEADING.match(text) and not re.search(r"[.;]\s*\S", text[4:]):
        return "heading"
    if short and len(group) <= 2 and text.isupper() and not text.rstrip().endswith(":"):
        return "heading"  # "COMMITTEE OF THE WHOLE", "STATEMENTS": a line in capitals heads a section
    return "paragraph"


def _vocabulary(segments: list[Segment]) -> tuple[set[str], set[str]]:
    """Words and hyphenated words the document writes in one piece, inside a line."""
    words: set[str] = set()
    hyphenated: set[str] = set()
    for s in segments:
        for w in s.text.lower().split():
            w = w.strip(".,;:()\"'“”‘’")
            if "-" in w[1:-1]:
                hyphenated.add(w)
                words.update(p for p in w.split("-") if p)
            else:
                words.add(w)
    return words, hyphenated


def _line_joint(prev: Segment, seg: Segment, vocabulary: tuple[set[str], set[str]],
                lexicon: frozenset[str]) -> str:
    """How two lines of a paragraph meet: ``space``, ``join`` (``recog-`` + ``nition``: the
    hyphen goes) or ``keep`` (``third-`` + ``country``: a real hyphen, no space)."""
    text = prev.last_word
    if text.endswith("\u00ad"):
        return "join"
    if not text.endswith(("-", "\u2010")) or len(text) < 2 or not text[-2].isalpha():
        return "space"
    m_left = WORD.search(text[:-1][::-1])
    m_right = WORD.match(seg.first_word)
    if not m_left or not m_right or m_left.start() != 0:
        return "space"
    left, right = m_left.group(0)[::-1], m_right.group(0)
    if not right[0].islower():
        return "keep"  # non-EU, Covid-19, Franco-German
    words, hyphenated = vocabulary
    joined = (left + right).lower()
    if f"{left}-{right}".lower() in hyphenated:
        return "keep"
    if joined in words or joined in lexicon or joined.rstrip("s") in lexicon:
        return "join"
    words_before = prev.text.split()
    before = words_before[-2] if len(words_before) > 1 else ""
    if left[0].isupper() and before and not before.endswith((".", "!", "?", ":")):
        return "join"  # "Mr. Tom Black-" + "man": a name inside a sentence, broken at the line's end
    if left.lower() in lexicon and right.lower() in lexicon:
        return "keep"  # third-country, cross-governance
    return "join"
