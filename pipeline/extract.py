"""Extract: a meeting-summary PDF becomes a ``Document``.

Reading order (one or two columns), running headers, footers and page numbers removed and
kept for audit, line-end hyphenation undone, paragraphs and headings rebuilt, and every
character of the text mapped to its page and box.

Each page is interpreted once, through pdfplumber's ``page.layout``: walking pdfminer's
glyph objects directly avoids turning every character into a dict, which is where
``page.chars`` and ``extract_text`` spend most of their time.
"""
from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import statistics
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pdfplumber
from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.layout import LTChar, LTContainer
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import literal_name

from .data import Block, Box, Document, Line, Page
from .errors import (BadInputError, CorruptPDFError, EmptyFileError, EncryptedPDFError,
                     NoTextLayerError, NotPDFError, TooLargeError)
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
BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
WORD = re.compile(r"[^\W\d_]+")
SUPERSCRIPT = frozenset("¹²³⁴⁵⁶⁷⁸⁹⁰*†‡")


@dataclass
class Glyph:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool


@dataclass
class Segment:
    """A run of glyphs on one line of one column; the unit of reading order."""

    page: int
    glyphs: list[Glyph]
    words: list[list[Glyph]]
    column: int = 0  # 0 full width / single column, 1 left, 2 right
    band: int = 0
    x0: float = field(init=False)
    x1: float = field(init=False)
    top: float = field(init=False)
    bottom: float = field(init=False)
    size: float = field(init=False)
    bold: bool = field(init=False)
    text: str = field(init=False)

    def __post_init__(self) -> None:
        g = self.glyphs
        self.x0 = min(c.x0 for c in g)
        self.x1 = max(c.x1 for c in g)
        self.top = min(c.top for c in g)
        self.bottom = max(c.bottom for c in g)
        self.size = statistics.median(c.size for c in g)
        self.bold = sum(c.bold for c in g) * 2 > len(g)
        self.text = " ".join("".join(c.text for c in w) for w in self.words)


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
    try:
        pdf = pdfplumber.open(io.BytesIO(data), password=password or "")
    except MemoryError:
        raise  # over the memory cap: a limit, not damage
    except Exception as e:  # pdfminer raises many types on damaged files
        raise _open_error(source, e, password) from e
    try:
        try:
            n_pages = len(pdf.pages)
        except MemoryError:
            raise
        except Exception as e:
            raise _open_error(source, e, password) from e
        if n_pages > settings.max_pages:
            raise TooLargeError(source, f"has {n_pages} pages, over the {settings.max_pages}-page limit; "
                                        "split it or raise --max-pages")
        for number, page in enumerate(pdf.pages, start=1):
            try:
                info, segs = _read_page(page, number, settings)
            except MemoryError:
                raise
            except Exception as e:  # one damaged page must not lose the rest
                log.warning("%s: page %d unreadable: %s", source, number, e)
                info, segs = Page(number, 0.0, 0.0, flags=(f"unreadable: {type(e).__name__}",)), []
            finally:
                page.close()
            pages.append(info)
            segments.extend(segs)
    except BaseException:
        _close(pdf, source, quiet=True)  # the error in flight says what is wrong
        raise
    _close(pdf, source, quiet=False)
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


def _close(pdf, source: str, quiet: bool) -> None:
    """Close a PDF. pdfplumber parses the page tree again to close it, so on a damaged file
    closing fails as reading did: that is damage, not a bug to report."""
    try:
        pdf.close()
    except Exception as e:
        if quiet:
            log.debug("%s: closing failed too: %s", source, e)
            return
        raise CorruptPDFError(source, f"is damaged ({type(e).__name__} while closing it: {str(e)[:120]}); "
                                      "re-download or re-export the PDF") from e


def _open_error(source: str, e: Exception, password: str | None) -> BadInputError:
    name = " ".join([type(e).__name__, str(e)] + [type(a).__name__ for a in e.args])
    if "Password" in name or "Encrypt" in name or "password" in name:
        if password:
            return EncryptedPDFError(source, "is encrypted and the --password given does not open it")
        return EncryptedPDFError(source, "is encrypted; pass --password if you can open it, "
                                         "or ask the publisher for an unprotected copy")
    return CorruptPDFError(source, f"is damaged or truncated ({type(e).__name__}: {str(e)[:120]}); "
                                   "re-download or re-export the PDF")


def _glyphs(layout: LTContainer) -> list[LTChar]:
    out: list[LTChar] = []
    stack = [iter(layout)]
    while stack:
        for obj in stack[-1]:
            if isinstance(obj, LTChar):
                out.append(obj)
            elif isinstance(obj, LTContainer):
                stack.append(iter(obj))
                break
        else:
            stack.pop()
    return out


def _content_size(page, limit: int) -> int:
    """Bytes the page's content streams inflate to, counted up to ``limit`` without inflating
    more: a compressed stream that expands to gigabytes is caught before pdfminer decodes it."""
    total = 0
    contents = page.page_obj.contents
    for ref in contents if isinstance(contents, list) else [contents]:
        stream = resolve1(ref)
        if not isinstance(stream, PDFStream):
            continue
        data = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
        try:
            if stream.rawdata is not None and stream.decipher:
                data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
            for f, _ in stream.get_filters() if stream.rawdata is not None else []:
                name = literal_name(f)
                if name in ("ASCII85Decode", "A85"):
                    data = ascii85decode(data)
                elif name in ("ASCIIHexDecode", "AHx"):
                    data = asciihexdecode(data)
                elif name in ("FlateDecode", "Fl"):
                    data = zlib.decompressobj().decompress(data, limit + 1 - total)
                    break
                else:
                    break
        except (zlib.error, ValueError, TypeError):
            continue  # pdfminer will judge this stream itself
        total += len(data)
        if total > limit:
            break
    return total


def _page_glyphs(layout: LTContainer, height: float, mb_x0: float, mb_top: float) -> tuple[list[Glyph], int, int]:
    """The upright glyphs of a page in pdfplumber's coordinates, and how many glyphs had no
    Unicode map ("(cid:12)") or stood sideways."""
    glyphs: list[Glyph] = []
    cid = sideways = 0
    bold_cache: dict[str, bool] = {}
    for c in _glyphs(layout):
        text = c.get_text()
        if text.startswith("(cid:"):
            cid += 1
            continue
        if not c.upright:
            sideways += 1
            continue
        if text.isspace():
            continue
        font = c.fontname if isinstance(c.fontname, str) else str(c.fontname)
        bold = bold_cache.get(font)
        if bold is None:
            bold = bold_cache[font] = bool(BOLD.search(font))
        glyphs.append(Glyph(text, c.x0 + mb_x0, height - c.y1 + mb_top, c.x1 + mb_x0,
                            height - c.y0 + mb_top, c.size or (c.y1 - c.y0), bold))
    return glyphs, cid, sideways


def _read_page(page, number: int, settings: Settings) -> tuple[Page, list[Segment]]:
    width, height = float(page.width), float(page.height)
    limit = settings.max_page_content_mb * 1024 * 1024
    if _content_size(page, limit) > limit:
        log.warning("page %d: content over %d MB, skipped", number, settings.max_page_content_mb)
        return Page(number, width, height, flags=(f"content over {settings.max_page_content_mb} MB: skipped",)), []
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    flags: list[str] = []
    rotation = page.rotation
    if rotation % 180:  # pdfminer lays a quarter-turned page out in its turned size
        width, height = height, width
    glyphs, cid, sideways = _page_glyphs(page.layout, height, mb_x0, mb_top)
    if rotation and sideways > len(glyphs):
        # a /Rotate page whose text is written upright in the unrotated page: read it so
        page.page_obj.rotate = 0
        page.__dict__.pop("_layout", None)
        width, height = float(page.width), float(page.height)
        glyphs, cid, sideways = _page_glyphs(page.layout, height, mb_x0, mb_top)
        flags.append(f"rotated-{rotation}: read unrotated")
    elif rotation:
        flags.append(f"rotated-{rotation}")
    total = len(glyphs) + cid + sideways
    if total == 0:
        flags.append("no-text-layer")
    elif cid > settings.cid_share * total:
        flags.append("no-unicode-map")
        glyphs = []
    if sideways > len(glyphs):
        flags.append("sideways-text")
    info = Page(number, width, height, flags=tuple(flags))
    if not glyphs:
        return info, []
    lines = _lines(glyphs, settings)
    gutter = _gutter(lines, width, height, settings)
    segments = []
    for line in lines:
        segments.extend(_segments(line, number, gutter, settings))
    return info, segments


def _lines(glyphs: list[Glyph], settings: Settings) -> list[list[Glyph]]:
    """Cluster glyphs into lines by vertical overlap, each sorted left to right."""
    glyphs.sort(key=lambda g: (g.top, g.x0))
    lines: list[list[Glyph]] = []
    top = bottom = -math.inf  # the first glyph of the current line anchors it: no chaining
    for g in glyphs:
        if lines and g.top < top + settings.line_overlap * (bottom - top):
            lines[-1].append(g)
        else:
            lines.append([g])
            top, bottom = g.top, g.bottom
    lines = _join_scripts(lines, settings)
    for line in lines:
        line.sort(key=lambda g: g.x0)
    return [_drop_markers(line, settings) for line in lines]


def _body_size(line: list[Glyph]) -> float:
    return max(g.size for g in line)


def _join_scripts(lines: list[list[Glyph]], settings: Settings) -> list[list[Glyph]]:
    """A "line" of a few short small-print runs that overlaps its neighbour vertically holds
    that line's superscripts (footnote markers) or subscripts: it belongs to the neighbour."""
    out: list[list[Glyph]] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and (_scripts_of(line, prev, settings) or _scripts_of(prev, line, settings)):
            prev.extend(line)
        else:
            out.append(line)
    return out


def _scripts_of(small: list[Glyph], big: list[Glyph], settings: Settings) -> bool:
    size = _body_size(big)
    if _body_size(small) > settings.script_size * size:
        return False
    top, bottom = min(g.top for g in big), max(g.bottom for g in big)
    if not any(g.top < bottom and g.bottom > top for g in small):
        return False
    small = sorted(small, key=lambda g: g.x0)
    return all(len(w) <= settings.script_max_glyphs for w in _words(small, settings))


def _drop_markers(line: list[Glyph], settings: Settings) -> list[Glyph]:
    """Footnote markers are raised small print right after a word ("Programme¹", "2023.²"):
    left in, they glue digits to words and make figures. Ordinals ("21st") stay."""
    size = _body_size(line)
    small = [g.size <= settings.script_size * size for g in line]
    marks = [g.text in SUPERSCRIPT for g in line]
    if not any(small) and not any(marks):
        return line
    base = statistics.median(g.bottom for g, s in zip(line, small) if not s) if not all(small) else 0.0
    raised = [m or (s and g.bottom < base - settings.script_rise * size) for g, s, m in zip(line, small, marks)]
    keep = [True] * len(line)
    i = 0
    while i < len(line):
        if not raised[i]:
            i += 1
            continue
        j = i
        while j < len(line) and raised[j]:
            j += 1
        run = line[i:j]
        after_word = i > 0 and run[0].x0 - line[i - 1].x1 < settings.word_gap * size * 2
        ordinal = i > 0 and line[i - 1].text.isdigit() and all(g.text.isalpha() for g in run)
        if after_word and not ordinal and len(run) <= settings.script_max_glyphs:
            keep[i:j] = [False] * (j - i)
            # the word goes on across the marker's place ("billion¹²." stays "billion.")
            line[i - 1] = replace(line[i - 1], x1=max(line[i - 1].x1, run[-1].x1))
        i = j
    return [g for g, k in zip(line, keep) if k]


def _words(line: list[Glyph], settings: Settings) -> list[list[Glyph]]:
    words: list[list[Glyph]] = []
    prev: Glyph | None = None
    for g in line:
        if prev is not None and g.text == prev.text and abs(g.x0 - prev.x0) < 0.3 * (prev.x1 - prev.x0):
            continue  # the same glyph printed twice (fake bold)
        if prev is None or g.x0 - prev.x1 > settings.word_gap * g.size:
            words.append([g])
        else:
            words[-1].append(g)
        prev = g
    return words


def _gutter(lines: list[list[Glyph]], width: float, height: float,
            settings: Settings) -> tuple[float, float] | None:
    """The white strip between two columns, if this page has two columns."""
    body = [ln for ln in lines if settings.header_zone * height < ln[0].top < (1 - settings.footer_zone) * height]
    if len(body) < 4:
        return None
    bins = int(width) + 1
    cover = np.zeros(bins, dtype=np.int32)
    for ln in body:
        marked = np.zeros(bins, dtype=bool)
        for w in _words(ln, settings):
            marked[max(int(w[0].x0), 0):min(int(math.ceil(w[-1].x1)) + 1, bins)] = True
        cover += marked
    lo, hi = int(width * 0.3), int(width * 0.7)
    limit = settings.gutter_max_crossing * len(body)
    best: tuple[int, int] | None = None
    start = None
    for x in range(lo, hi + 1):
        free = x < hi and cover[x] <= limit
        if free and start is None:
            start = x
        elif not free and start is not None:
            if x - start >= settings.gutter_min_width and (best is None or x - start > best[1] - best[0]):
                best = (start, x)
            start = None
    if best is None:
        return None
    left = sum(1 for ln in body if ln[0].x0 < best[0])
    right = sum(1 for ln in body if ln[-1].x1 > best[1])
    if min(left, right) < max(2, 0.1 * len(body)):
        return None
    return float(best[0]), float(best[1])


def _segments(line: list[Glyph], page: int, gutter: tuple[float, float] | None,
              settings: Settings) -> list[Segment]:
    """Split a line where it crosses the gutter or leaves a wide gap (a footer's page number)."""
    words = _words(line, settings)
    groups: list[list[list[Glyph]]] = [[words[0]]]
    for prev, w in zip(words, words[1:]):
        gap_start, gap_end = prev[-1].x1, w[0].x0
        split = gap_end - gap_start > settings.segment_gap * w[0].size
        if (gutter and gap_start <= gutter[1] and gap_end >= gutter[0]
                and gap_end - gap_start >= settings.gutter_min_width):
            split = True
        if split:
            groups.append([w])
        else:
            groups[-1].append(w)
    out = []
    for grp in groups:
        seg = Segment(page, [g for w in grp for g in w], grp)
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
        if len(groups) == body_groups or seg.page != groups[-1][-1].page or re.match(r"\s*(\d{1,3}|[*†‡§])\s", seg.text):
            groups.append([seg])
        else:
            groups[-1].append(seg)
    vocabulary = _vocabulary(ordered)
    lexicon = english_words(settings.lexicon)

    chars: list[str] = []
    char_page: list[int] = []
    char_box: list[Box] = []
    blocks: list[Block] = []

    def emit(text: str, page: int, box: Box) -> None:
        chars.append(text)
        char_page.extend([page] * len(text))
        char_box.extend([box] * len(text))

    def gap(page: int, box: Box, text: str) -> None:
        emit(text, page, (box[2], box[1], box[2], box[3]))

    for group in groups:
        if blocks:
            gap(char_page[-1], char_box[-1], "\n\n")
        start = len(char_page)
        for i, seg in enumerate(group):
            if i:
                joint = _line_joint(group[i - 1], seg, vocabulary, lexicon)
                if joint == "join":
                    chars.pop()
                    char_page.pop()
                    char_box.pop()
                elif joint == "space":
                    gap(char_page[-1], char_box[-1], " ")
            for j, word in enumerate(seg.words):
                if j:
                    gap(seg.page, char_box[-1], " ")
                for g in word:
                    emit(_clean(g.text), seg.page, (g.x0, g.top, g.x1, g.bottom))
        end = len(char_page)
        kind = "footnote" if len(blocks) >= body_groups else _kind(group, body_size)
        blocks.append(Block(kind, start, end, group[0].page))
    text = "".join(chars)
    if len(text) != len(char_page):
        raise AssertionError("character map out of step with the text")
    return Document(doc_id, source, text, tuple(pages), tuple(blocks),
                    np.asarray(char_page, dtype=np.int16), np.asarray(char_box, dtype=np.float32))


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
    text = "".join(g.text for g in prev.words[-1])
    if text.endswith("\u00ad"):
        return "join"
    if not text.endswith(("-", "\u2010")) or len(text) < 2 or not text[-2].isalpha():
        return "space"
    m_left = WORD.search(text[:-1][::-1])
    m_right = WORD.match("".join(g.text for g in seg.words[0]))
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
    before = "".join(g.text for g in prev.words[-2]) if len(prev.words) > 1 else ""
    if left[0].isupper() and before and not before.endswith((".", "!", "?", ":")):
        return "join"  # "Mr. Tom Black-" + "man": a name inside a sentence, broken at the line's end
    if left.lower() in lexicon and right.lower() in lexicon:
        return "keep"  # third-country, cross-governance
    return "join"
