"""Glyphs: the characters of each page with their boxes, size and weight, read by PDFium
(``pdfium``, the default) or by pdfplumber (``pdfplumber``, the reference).

Both readers give the layout code of ``extract.py`` the same thing: per page, the upright
glyphs as columns of numbers (``Glyphs``) in pdfplumber's coordinates, and how many glyphs had
no Unicode map or stood sideways. pdfplumber interprets the page in Python (pdfminer builds
objects for every glyph); PDFium, which pdfplumber installs for rendering, interprets it in C,
and one call per glyph fetches its origin.

The PDFium reader places glyphs as pdfminer does, not as PDFium would: along the line from its
origin over pdfminer's advance, across it from pdfminer's descent of the font over one font
size. The font is the one pdfminer builds from the same font dictionary (matched by name);
size, matrix and Unicode-map status are read once per run of glyphs of one text object. Where
pdfminer measures a glyph otherwise (a width missing from its metrics, a fraction PDFium
drops), the glyphs after it in the run move as pdfminer's pen would move them. A page PDFium
cannot read as pdfminer does goes to pdfplumber: a font that does not match or reads a
character otherwise (symbol fonts, codes one of them cannot decode), Type 3 and vertical
fonts, skewed text, right-to-left scripts (PDFium reorders them). pdfplumber also opens every
file first, so that damaged, encrypted and oversized files and decompression bombs are refused
by the same code whichever reader is chosen.

Known differences, within the tolerance of ``parity.py`` or rare: a soft hyphen (U+00AD) ending
a line reads as a hyphen (PDFium marks both alike); where a text object of a font with
fractional widths goes on where another stopped, its boxes start where PDFium's pen stands,
up to a thousandth of the font size per glyph before.
"""
from __future__ import annotations

import ctypes
import io
import logging
import re
import zlib
from collections import deque
from dataclasses import dataclass
from itertools import repeat
from typing import Iterator

import numpy as np
import pdfplumber
import pypdfium2
import pypdfium2.raw as pdfium_c
from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.cmapdb import IdentityUnicodeMap, UnicodeMap
from pdfminer.layout import LTChar, LTContainer
from pdfminer.pdffont import PDFFont, PDFSimpleFont, PDFType3Font
from pdfminer.pdftypes import PDFObjRef, PDFStream, dict_value, resolve1
from pdfminer.psparser import literal_name

from .data import Page
from .errors import BadInputError, CorruptPDFError, EncryptedPDFError, TooLargeError
from .settings import Settings

log = logging.getLogger(__name__)

BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
SUBSET = re.compile(r"^[A-Z]{6}\+")  # the tag of a font subset ("ABCDEF+Arial")
# PDFium splits the Latin ligatures into their letters; pdfminer keeps the ligature: both read the letters
LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                           "\ufb05": "\u017ft", "\ufb06": "st"})
# the most a byte of a content stream inflates to, per filter: ASCII85 ('z' is four zero bytes),
# ASCIIHex, Flate (deflate's ceiling is 1032:1)
INFLATION = {"ASCII85Decode": 4, "A85": 4, "ASCIIHexDecode": 0.5, "AHx": 0.5, "FlateDecode": 1032, "Fl": 1032}


@dataclass
class Glyphs:
    """A page's upright glyphs as columns, in pdfplumber's coordinates (points from the page's
    top-left corner). ``size`` is the height of the glyph's box, as pdfminer gives it."""

    text: list[str]
    x0: np.ndarray
    top: np.ndarray
    x1: np.ndarray
    bottom: np.ndarray
    size: np.ndarray
    bold: np.ndarray

    def __len__(self) -> int:
        return len(self.text)


def read_pages(source: str, data: bytes, password: str | None,
               settings: Settings) -> Iterator[tuple[Page, Glyphs | None]]:
    """Each page's record (size, flags) and its glyphs, page by page, releasing each page once read.
    Raises a ``BadInputError`` for a file that cannot be opened or has too many pages, and lets a
    ``MemoryError`` through: over the memory cap is a limit, not damage."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data), password=password or "")
    except MemoryError:
        raise
    except Exception as e:  # pdfminer raises many types on damaged files
        raise open_error(source, e, password) from e
    fast = None
    try:
        try:
            n_pages = len(pdf.pages)
        except MemoryError:
            raise
        except Exception as e:
            raise open_error(source, e, password) from e
        if n_pages > settings.max_pages:
            raise TooLargeError(source, f"has {n_pages} pages, over the {settings.max_pages}-page limit; "
                                        "split it or raise --max-pages")
        fast = _PdfiumReader.open(source, data, password, pdf, n_pages) if settings.extractor == "pdfium" else None
        for number, page in enumerate(pdf.pages, start=1):
            try:
                yield _read_page(page, number, settings, fast)
            except MemoryError:
                raise
            except Exception as e:  # one damaged page must not lose the rest
                log.warning("%s: page %d unreadable: %s", source, number, e)
                yield Page(number, 0.0, 0.0, flags=(f"unreadable: {type(e).__name__}",)), None
            finally:
                page.close()
    except BaseException:
        _close(pdf, fast, source, quiet=True)  # the error in flight says what is wrong
        raise
    _close(pdf, fast, source, quiet=False)


def _close(pdf, fast: _PdfiumReader | None, source: str, quiet: bool) -> None:
    """Close a PDF. pdfplumber parses the page tree again to close it, so on a damaged file
    closing fails as reading did: that is damage, not a bug to report."""
    if fast is not None:
        fast.close()
    try:
        pdf.close()
    except Exception as e:
        if quiet:
            log.debug("%s: closing failed too: %s", source, e)
            return
        raise CorruptPDFError(source, f"is damaged ({type(e).__name__} while closing it: {str(e)[:120]}); "
                                      "re-download or re-export the PDF") from e


def open_error(source: str, e: Exception, password: str | None) -> BadInputError:
    name = " ".join([type(e).__name__, str(e)] + [type(a).__name__ for a in e.args])
    if "Password" in name or "Encrypt" in name or "password" in name:
        if password:
            return EncryptedPDFError(source, "is encrypted and the --password given does not open it")
        return EncryptedPDFError(source, "is encrypted; pass --password if you can open it, "
                                         "or ask the publisher for an unprotected copy")
    return CorruptPDFError(source, f"is damaged or truncated ({type(e).__name__}: {str(e)[:120]}); "
                                   "re-download or re-export the PDF")


def _read_page(page, number: int, settings: Settings, fast: _PdfiumReader | None) -> tuple[Page, Glyphs | None]:
    width, height = float(page.width), float(page.height)
    limit = settings.max_page_content_mb * 1024 * 1024
    if _content_over(page, limit):
        log.warning("page %d: content over %d MB, skipped", number, settings.max_page_content_mb)
        return Page(number, width, height, flags=(f"content over {settings.max_page_content_mb} MB: skipped",)), None
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    flags: list[str] = []
    rotation = page.rotation
    if rotation % 180:  # pdfminer lays a quarter-turned page out in its turned size
        width, height = height, width
    runs = fast.page_runs(page, number) if fast is not None else None

    def read(rotate: int) -> tuple[Glyphs, int, int]:
        if runs is not None:
            try:
                return runs.glyphs(rotate, height, mb_x0, mb_top)
            except _Unplaced as e:
                log.debug("page %d: read by pdfplumber: %s", number, e)
        return _plumber_glyphs(page.layout, height, mb_x0, mb_top)

    glyphs, cid, sideways = read(page.page_obj.rotate)
    if rotation and sideways > len(glyphs):
        # a /Rotate page whose text is written upright in the unrotated page: read it so
        page.page_obj.rotate = 0
        page.__dict__.pop("_layout", None)
        width, height = float(page.width), float(page.height)
        glyphs, cid, sideways = read(0)
        flags.append(f"rotated-{rotation}: read unrotated")
    elif rotation:
        flags.append(f"rotated-{rotation}")
    total = len(glyphs) + cid + sideways
    if total == 0:
        flags.append("no-text-layer")
    elif cid > settings.cid_share * total:
        flags.append("no-unicode-map")
        glyphs = None
    if sideways > (len(glyphs) if glyphs is not None else 0):
        flags.append("sideways-text")
    return Page(number, width, height, flags=tuple(flags)), glyphs if glyphs is not None and len(glyphs) else None


def _content_over(page, limit: int) -> bool:
    """Whether the page's content streams inflate beyond ``limit`` bytes, found without inflating
    more than that: a compressed stream that expands to gigabytes is caught before any parser
    decodes it. Streams too short to reach the limit, whatever their filters, are not decoded."""
    contents = page.page_obj.contents
    streams = [s for s in (resolve1(ref) for ref in (contents if isinstance(contents, list) else [contents]))
               if isinstance(s, PDFStream)]
    if sum(_inflation_bound(s) for s in streams) <= limit:
        return False
    total = 0
    for stream in streams:
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
            return True
    return False


def _inflation_bound(stream: PDFStream) -> float:
    """The most bytes ``_content_over`` can count for a stream: its filters' worst ratios up to the first Flate."""
    if stream.rawdata is None:
        return len(stream.data or b"")
    bound = float(len(stream.rawdata)) + 16  # a cipher's padding
    try:
        filters = stream.get_filters()
    except Exception:
        return float("inf")  # let the exact count decide
    for f, _ in filters:
        name = literal_name(f)
        bound *= INFLATION.get(name, 1)
        if name not in ("ASCII85Decode", "A85", "ASCIIHexDecode", "AHx"):
            break
    return bound


# ------------------------------------------------------------------ the reference: pdfplumber
def _ltchars(layout: LTContainer) -> list[LTChar]:
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


def _plumber_glyphs(layout: LTContainer, height: float, mb_x0: float, mb_top: float) -> tuple[Glyphs, int, int]:
    """The upright glyphs of a page laid out by pdfminer, and how many glyphs had no Unicode map
    ("(cid:12)") or stood sideways."""
    text: list[str] = []
    x0: list[float] = []
    top: list[float] = []
    x1: list[float] = []
    bottom: list[float] = []
    size: list[float] = []
    bold: list[bool] = []
    cid = sideways = 0
    bold_cache: dict[str, bool] = {}
    for c in _ltchars(layout):
        t = c.get_text()
        if t.startswith("(cid:"):
            cid += 1
            continue
        if not c.upright:
            sideways += 1
            continue
        if t.isspace():
            continue
        font = c.fontname if isinstance(c.fontname, str) else str(c.fontname)
        b = bold_cache.get(font)
        if b is None:
            b = bold_cache[font] = bool(BOLD.search(font))
        text.append(t if t.isascii() else t.translate(LIGATURES))
        x0.append(c.x0 + mb_x0)
        top.append(height - c.y1 + mb_top)
        x1.append(c.x1 + mb_x0)
        bottom.append(height - c.y0 + mb_top)
        size.append(c.size or (c.y1 - c.y0))
        bold.append(b)
    return Glyphs(text, np.array(x0, dtype=float), np.array(top, dtype=float), np.array(x1, dtype=float),
                  np.array(bottom, dtype=float), np.array(size, dtype=float), np.array(bold, dtype=bool)), cid, sideways


# ------------------------------------------------------------------ the fast path: PDFium
def _prototype(function, restype, *argtypes):
    """A PDFium function called with plain integers for handles and pointers: pypdfium2's own
    bindings check each argument's type, which costs more than PDFium's work per glyph."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(getattr(pdfium_c, function), ctypes.c_void_p).value)


class _Unplaced(Exception):
    """A page PDFium cannot read as pdfminer does; pdfplumber reads it."""


class _Api:
    """The PDFium functions the reader calls, bound once."""

    def __init__(self) -> None:
        ptr, num, dbl = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
        self.loose_box = _prototype("FPDFText_GetLooseCharBox", num, ptr, num, ptr)
        self.text_object = _prototype("FPDFText_GetTextObject", ptr, ptr, num)
        self.font_size = _prototype("FPDFText_GetFontSize", dbl, ptr, num)
        self.matrix = _prototype("FPDFText_GetMatrix", num, ptr, num, ptr)
        self.origin = _prototype("FPDFText_GetCharOrigin", num, ptr, num, ptr, ptr)
        self.map_error = _prototype("FPDFText_HasUnicodeMapError", num, ptr, num)
        self.generated = _prototype("FPDFText_IsGenerated", num, ptr, num)
        self.unicode = _prototype("FPDFText_GetUnicode", ctypes.c_uint, ptr, num)
        self.get_text = _prototype("FPDFText_GetText", num, ptr, num, num, ptr)
        self.count_chars = _prototype("FPDFText_CountChars", num, ptr)
        self.font = _prototype("FPDFTextObj_GetFont", ptr, ptr)
        self.font_name = _prototype("FPDFFont_GetBaseFontName", ctypes.c_size_t, ptr, ptr, ctypes.c_size_t)
        self.glyph_width = _prototype("FPDFFont_GetGlyphWidth", num, ptr, ctypes.c_uint32, ctypes.c_float, ptr)


_API = _Api()  # bound when the module loads, before run forks its workers
# BMP code points Python calls whitespace, and those of right-to-left scripts (Hebrew, Arabic, Syriac...)
_SPACE = np.array([chr(c).isspace() for c in range(0x10000)])
_RTL = np.zeros(0x10000, dtype=bool)
for _lo, _hi in ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF)):
    _RTL[_lo:_hi + 1] = True
_HYPHEN_MARKS = (0x02, 0xFFFE)  # PDFium's marks for a hyphen that ends a line


class _PdfiumReader:
    """A document open in PDFium beside pdfplumber; pdfminer's fonts are matched to PDFium's by name."""

    def __init__(self, document, plumber) -> None:
        self.document = document
        self.plumber = plumber
        self.fonts: dict[str, list[PDFFont]] = {}
        self.font_ids: set[int] = set()
        self.readings: dict[str, list[_Font]] = {}
        self.read_fonts: dict[int, _Font] = {}  # by pdfminer's font (cached by pdfminer for the document)

    @classmethod
    def open(cls, source: str, data: bytes, password: str | None, plumber, n_pages: int) -> _PdfiumReader | None:
        """The document in PDFium, or None (read by pdfplumber) if PDFium sees other pages."""
        try:
            document = pypdfium2.PdfDocument(data, password=password)
        except Exception as e:  # pdfminer opened it: pdfplumber reads it
            log.debug("%s: PDFium cannot open it (%s); read by pdfplumber", source, e)
            return None
        if len(document) != n_pages:
            log.debug("%s: PDFium counts %d pages, pdfminer %d; read by pdfplumber", source, len(document), n_pages)
            document.close()
            return None
        return cls(document, plumber)

    def close(self) -> None:
        self.document.close()

    def page_runs(self, page, number: int) -> _Runs | None:
        """The page's glyphs as PDFium reads them, grouped in runs of one text object."""
        handle = self.document[number - 1]
        try:
            self._scan(page.page_obj.resources, 0)
            textpage = handle.get_textpage()
            try:
                return _Runs.read(_API, ctypes.cast(textpage.raw, ctypes.c_void_p).value, self, page.page_obj)
            finally:
                textpage.close()
        except _Unplaced as e:
            log.debug("page %d: read by pdfplumber: %s", number, e)
            return None
        except Exception as e:
            log.debug("page %d: read by pdfplumber: PDFium failed (%s: %s)", number, type(e).__name__, e)
            return None
        finally:
            handle.close()

    def candidates(self, name: str) -> list[_Font]:
        """pdfminer's readings of the fonts of this name (subsets of one font share it), or none
        if one of them is a kind the PDFium reader does not place (Type 3, vertical)."""
        readings = self.readings.get(name)
        if readings is None:
            fonts = self.fonts.get(name) or []
            if any(f.is_vertical() or isinstance(f, PDFType3Font) for f in fonts):
                fonts = []
            readings = self.readings[name] = [self._reading(f) for f in fonts]
        return readings

    def _reading(self, font: PDFFont) -> _Font:
        if id(font) not in self.read_fonts:
            self.read_fonts[id(font)] = _Font(font)
        return self.read_fonts[id(font)]

    def _scan(self, resources, depth: int) -> None:
        """Every font of a resource dictionary and of the forms it draws, built as pdfminer builds it."""
        resources = dict_value(resources)
        for fontid, spec in dict_value(resources.get("Font", {})).items():
            objid = spec.objid if isinstance(spec, PDFObjRef) else None
            key = objid if objid is not None else id(spec)
            if key in self.font_ids:
                continue
            self.font_ids.add(key)
            try:
                spec = dict_value(spec)
                font = self.plumber.rsrcmgr.get_font(objid, spec)
                name = literal_name(spec.get("BaseFont", ""))
            except Exception:
                continue  # PDFium's font of that name, if any, stays unmatched: the page goes to pdfplumber
            name = SUBSET.sub("", name if isinstance(name, str) else str(name))  # PDFium drops the subset tag
            self.fonts.setdefault(name, []).append(font)
            self.readings.pop(name, None)
        if depth < 4:
            for xobject in dict_value(resources.get("XObject", {})).values():
                xobject = resolve1(xobject)
                if isinstance(xobject, PDFStream) and literal_name(xobject.get("Subtype")) == "Form" \
                        and "Resources" in xobject:
                    self._scan(xobject["Resources"], depth + 1)


class _Table:
    """Numbers by code point, NaN (or a default) where there is none: few entries, looked up at once."""

    def __init__(self, items: dict[int, float] | None = None, default: float = np.nan) -> None:
        self.items = dict(items or {})
        self.default = default
        self._keys: np.ndarray | None = None
        self._values = np.zeros(0)

    def __setitem__(self, code: int, value: float) -> None:
        self.items[code] = value
        self._keys = None

    def __getitem__(self, codes) -> np.ndarray:
        if self._keys is None:
            self._keys = np.array(sorted(self.items), dtype=np.int64)
            self._values = np.array([self.items[k] for k in self._keys.tolist()], dtype=float)
        codes = np.asarray(codes, dtype=np.int64)
        out = np.full(codes.shape, self.default)
        if len(self._keys):
            at = np.searchsorted(self._keys, codes).clip(max=len(self._keys) - 1)
            hit = self._keys[at] == codes
            out[hit] = self._values[at[hit]]
        return out


class _Font:
    """pdfminer's reading of a font, for the PDFium reader: its weight, its descent, and the
    advance of each character it maps (what pdfminer draws a glyph's box over)."""

    def __init__(self, font: PDFFont) -> None:
        name = font.fontname if isinstance(font.fontname, str) else str(font.fontname)
        self.bold = bool(BOLD.search(name))
        self.descent = font.get_descent()
        self.longer: dict[str, float] = {}  # characters a glyph maps to several of ("ffi")
        self.clashes: dict[int, list[float]] = {}  # a character two codes read as -> their widths
        self.pdfium_advance = _Table()  # PDFium's, asked for as characters come
        unicode_map = getattr(font, "unicode_map", None)
        # characters PDFium reads from codes pdfminer cannot: WinAnsi's unused codes are bullets,
        # its 0xAD a soft hyphen; a glyph that reads so may be one pdfminer counts as "(cid:N)"
        self.ambiguous = np.zeros(0, dtype=np.uint32)
        if isinstance(font, PDFSimpleFont) and unicode_map is None:
            unread = {code for code in (0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xAD) if code not in font.cid2unicode}
            self.ambiguous = np.array(([0x2022] if unread - {0xAD} else []) + ([0xAD] if 0xAD in unread else []),
                                      dtype=np.uint32)
        if isinstance(unicode_map, IdentityUnicodeMap):  # Unicode is the CID
            self.advance = _Table({cid: font.char_width(cid) for cid in getattr(font, "widths", {})
                                   if isinstance(cid, int) and 0 <= cid < 0x10000}, default=font.char_width(-1))
            return
        cids = set(range(256)) if isinstance(font, PDFSimpleFont) else set()
        if isinstance(unicode_map, UnicodeMap):
            cids.update(unicode_map.cid2unichr)
        widths: dict[str, list[float]] = {}
        for cid in sorted(cids):
            try:
                text = font.to_unichr(cid).translate(LIGATURES)
            except Exception:  # no Unicode for this code: pdfminer reads it as "(cid:N)"
                continue
            widths.setdefault(text, []).append(font.char_width(cid))
        single: dict[int, float] = {}
        for text, found in widths.items():
            # two codes, one character, two widths: which one PDFium drew is told by its width
            width = found[0] if len(set(found)) == 1 else np.nan
            if len(text) == 1 and ord(text) < 0x10000:
                single[ord(text)] = width
                if width != width:
                    self.clashes[ord(text)] = found
            else:
                self.longer[text] = width
        self.advance = _Table(single)  # by code point, in units of the font size

    def resolve(self, codes: np.ndarray, advance: np.ndarray, theirs: np.ndarray) -> None:
        """Advances of characters two codes read as: the width PDFium drew the glyph with (to its
        thousandth of a font size), if one of them has it."""
        for k in np.flatnonzero(np.isnan(advance)).tolist():
            fits = [w for w in self.clashes.get(int(codes[k]), ()) if abs(w - theirs[k]) < 1.5e-3]
            if len(set(fits)) == 1:
                advance[k] = fits[0]


@dataclass
class _Run:
    """Glyphs of one text object: one font, size, matrix and baseline."""

    start: int
    end: int
    font: _Font
    font_size: float
    matrix: tuple[float, float, float, float]  # user space, horizontal scaling included
    spaces: int  # space characters of the text object (not PDFium's), counted where the run may stand sideways


# the linear part of pdfminer's device matrix for a page turned by /Rotate
ROTATIONS = {0: (1, 0, 0, 1), 90: (0, -1, 1, 0), 180: (-1, 0, 0, -1), 270: (0, 1, -1, 0)}


class _Runs:
    """A page read by PDFium, kept until its glyphs are asked for in a frame (turned by /Rotate or not)."""

    def __init__(self, text: str, codes: np.ndarray, origin: np.ndarray, ink: np.ndarray, runs: list[_Run],
                 cid: np.ndarray, space_drift: np.ndarray, mediabox: tuple[float, float, float, float]) -> None:
        self.text, self.codes, self.origin, self.ink, self.runs = text, codes, origin, ink, runs
        self.cid, self.mediabox = cid, mediabox
        # what pdfminer's pen moves beyond PDFium's over the spaces before each character (in font sizes)
        self.space_drift = np.concatenate(([0.0], np.cumsum(space_drift)))

    @classmethod
    def read(cls, api: _Api, tp: int, reader: _PdfiumReader, page_obj) -> _Runs:
        n = api.count_chars(tp)
        if n < 0:
            raise _Unplaced("PDFium has no text page")
        buffer = (ctypes.c_uint16 * (n + 1))()
        written = api.get_text(tp, 0, n, ctypes.addressof(buffer)) if n else 1
        codes = np.frombuffer(buffer, dtype=np.uint16, count=n).astype(np.uint32)
        if written - 1 != n or ((codes >= 0xD800) & (codes < 0xE000)).any():
            codes = np.array([api.unicode(tp, i) for i in range(n)], dtype=np.uint32)  # beyond the BMP: one by one
        if (codes > 0xFFFF).any() or ((codes >= 0xD800) & (codes < 0xE000)).any():
            raise _Unplaced("characters beyond the Basic Multilingual Plane")
        if _RTL[codes].any():
            raise _Unplaced("a right-to-left script, which PDFium reorders")
        codes[np.isin(codes, _HYPHEN_MARKS)] = ord("-")
        text = codes.astype("<u4").tobytes().decode("utf-32-le")
        space = _SPACE[codes]
        ink = np.flatnonzero(~space)
        origin = np.zeros((n, 2))  # each glyph's origin (x, y) in user space
        at = origin.ctypes.data + 16 * ink
        # one call per glyph, the loop in C (map): the calls are most of the reading's time
        deque(map(api.origin, repeat(ctypes.c_void_p(tp), len(ink)), ink.tolist(), at.tolist(), (at + 8).tolist()),
              maxlen=0)
        runs = _find_runs(api, tp, ink, origin)
        turned = bool(page_obj.rotate % 360)
        out: list[_Run] = []
        cid = np.zeros(n, dtype=bool)
        candidates: dict[int, list[_Font]] = {}
        names: dict[int, str] = {}
        name = ctypes.create_string_buffer(256)
        matrix = (ctypes.c_float * 6)()
        width = ctypes.c_float()
        handles: list[int] = []
        for start, end, obj in runs:
            handle = api.font(obj)
            if handle not in candidates:
                length = api.font_name(handle, ctypes.addressof(name), 256) if handle else 0
                names[handle] = name.raw[:max(length - 1, 0)].decode("latin-1")
                candidates[handle] = reader.candidates(names[handle]) if length else []
            if not candidates[handle]:
                raise _Unplaced(f"a font pdfminer reads otherwise or cannot match ({names[handle]!r})")
            if not api.matrix(tp, start, ctypes.addressof(matrix)):
                raise _Unplaced("a text object without a matrix")
            if api.map_error(tp, start) or api.map_error(tp, end - 1):
                cid[start:end] = [bool(api.map_error(tp, i)) for i in range(start, end)]
            m = (matrix[0], matrix[1], matrix[2], matrix[3])
            spaces = _own_spaces(api, tp, start, end, obj, space) if turned or not _upright(m) else 0
            out.append(_Run(start, end, candidates[handle][0], api.font_size(tp, start), m, spaces))
            handles.append(handle)
        # each PDFium font is the pdfminer font (of its name) that maps every character met;
        # PDFium's advance of each of those characters is asked for once
        bounds = np.searchsorted(ink, np.array([(r.start, r.end) for r in out], dtype=np.int64).reshape(-1, 2))
        run_of = np.repeat(np.arange(len(out)), bounds[:, 1] - bounds[:, 0])
        handle_of = np.array(handles + [None], dtype=object)[:-1]
        space_drift = np.zeros(n)
        for handle, readings in candidates.items():
            mine = [r for r, h in zip(out, handles) if h == handle]
            font = _choose(readings, np.unique(codes[ink[handle_of[run_of] == handle]]))
            if font is None:
                raise _Unplaced(f"fonts named {names[handle]!r} that read these characters differently")
            within = np.concatenate([np.arange(r.start, r.end) for r in mine])
            met = np.unique(codes[within])
            for code in met[np.isnan(font.pdfium_advance[met])].tolist():
                font.pdfium_advance[code] = width.value if api.glyph_width(handle, code, 1.0,
                                                                           ctypes.addressof(width)) else np.nan
            for run in mine:
                run.font = font
            # spaces PDFium measures otherwise than pdfminer move the glyphs after them
            blank = within[space[within]]
            drift = font.advance[codes[blank]] - font.pdfium_advance[codes[blank]]
            for i, shift in zip(blank.tolist(), drift.tolist()):
                if abs(shift) > 1e-5 and shift == shift and not api.generated(tp, i):
                    space_drift[i] = shift
        mediabox = tuple(float(v) for v in page_obj.mediabox)
        return cls(text, codes, origin, ink, out, cid, space_drift, mediabox)

    def glyphs(self, rotate: int, height: float, mb_x0: float, mb_top: float) -> tuple[Glyphs, int, int]:
        """The glyphs upright in the page turned by ``rotate``, placed as pdfminer places them, and
        the counts of glyphs without a Unicode map and of glyphs standing sideways. Raises
        ``_Unplaced`` if a glyph that counts cannot be placed so."""
        if rotate % 360 not in ROTATIONS:
            raise _Unplaced(f"turned by {rotate} degrees")
        if not self.runs:
            return _no_glyphs(), int(self.cid.sum()), 0
        runs, ink, cid = self.runs, self.ink, self.cid
        matrix = np.array([r.matrix for r in runs], dtype=float)
        a, b, c, d = matrix.T
        ta, tb, tc, td = ROTATIONS[rotate % 360]
        ra, rb, rc, rd = a * ta + b * tc, a * tb + b * td, c * ta + d * tc, c * tb + d * td  # as pdfminer turns it
        upright = (ra * rd > 0) & (rb * rc <= 0)
        counts = np.searchsorted(ink, [r.end for r in runs]) - np.searchsorted(ink, [r.start for r in runs])
        run_of = np.repeat(np.arange(len(runs)), counts)  # every glyph is in a run
        mapped = ~cid[ink]
        sideways = int(np.bincount(run_of[mapped], minlength=len(runs))[~upright].sum()
                       + sum(r.spaces for r, u in zip(runs, upright.tolist()) if not u))
        n_cid = int(cid.sum())
        take = mapped & upright[run_of]
        chars, run_of = ink[take], run_of[take]
        if not len(chars):
            return _no_glyphs(), n_cid, sideways
        scale = np.abs(matrix).max(axis=1)
        along_x = (np.abs(b) <= 1e-6 * scale) & (np.abs(c) <= 1e-6 * scale)
        along_y = (np.abs(a) <= 1e-6 * scale) & (np.abs(d) <= 1e-6 * scale)
        if not (along_x | along_y)[run_of].all():
            raise _Unplaced("skewed text, or text turned by other than a quarter")
        origin, codes = self.origin[chars], self.codes[chars]
        # PDFium's pieces of a ligature ("f" "i" at one origin) are one glyph again
        piece = np.zeros(len(chars), dtype=bool)
        piece[1:] = (origin[1:] == origin[:-1]).all(axis=1) & (run_of[1:] == run_of[:-1])
        first = np.flatnonzero(~piece)
        if piece.any():
            ends = np.append(first[1:], len(chars)).tolist()
            texts = ["".join(self.text[k] for k in chars[s:e].tolist()) for s, e in zip(first.tolist(), ends)]
            if any(len(t) > 1 and t not in _LIGATURE_LETTERS for t in texts):
                raise _Unplaced("glyphs drawn at one place that are no ligature")
        else:
            texts = [self.text[k] for k in chars.tolist()]
        glyph_run, glyph_codes = run_of[first], codes[first]
        # advances, in font sizes, as pdfminer and as PDFium measure them
        fonts = {id(r.font): r.font for r in runs}
        font_of = np.array([list(fonts).index(id(r.font)) for r in runs])[glyph_run]
        advance, theirs = np.empty(len(first)), np.empty(len(first))
        for k, font in enumerate(fonts.values()):
            mine = font_of == k
            if len(font.ambiguous) and np.isin(glyph_codes[mine], font.ambiguous).any():
                raise _Unplaced("a character PDFium may read from a code pdfminer cannot (WinAnsi bullet, soft hyphen)")
            advance[mine] = font.advance[glyph_codes[mine]]
            theirs[mine] = font.pdfium_advance[glyph_codes[mine]]
            if font.clashes and np.isnan(advance[mine]).any():
                resolved = advance[mine]
                font.resolve(glyph_codes[mine], resolved, theirs[mine])
                advance[mine] = resolved
        if piece.any():
            for k, t in enumerate(texts):
                if len(t) > 1:  # a ligature's advance in PDFium is unknown here: taken as pdfminer's
                    advance[k] = theirs[k] = runs[glyph_run[k]].font.longer.get(t, np.nan)
        drift = np.abs(advance - theirs) > 1e-5
        if np.isnan(advance).any() or np.isnan(theirs[drift]).any():
            unknown = {texts[k] for k in np.flatnonzero(np.isnan(advance) | (drift & np.isnan(theirs))).tolist()}
            raise _Unplaced(f"characters pdfminer reads otherwise or measures ambiguously: "
                            f"{''.join(sorted(unknown))[:20]!r}")
        # along the line from the origin over the advance; across it from the descent over one size
        o = origin[first]
        axis_x = along_x[glyph_run]
        along = np.where(axis_x, o[:, 0], o[:, 1])
        baseline = np.where(axis_x, o[:, 1], o[:, 0])
        run_start = np.flatnonzero(np.r_[True, glyph_run[1:] != glyph_run[:-1]])
        run_end = np.append(run_start[1:], len(first))
        if (baseline != np.repeat(baseline[run_start], run_end - run_start)).any():
            raise _Unplaced("a text object off its line (a vertical font?)")
        size = np.array([r.font_size for r in runs])[glyph_run]
        forward = np.where(along_x, a, b)[glyph_run] * size
        start = along
        glyph_chars = chars[first]
        spaces = self.space_drift[np.append(glyph_chars[1:], glyph_chars[-1] + 1)] - self.space_drift[glyph_chars + 1]
        if drift.any() or spaces.any():
            start = along.copy()
            for s, e in zip(run_start.tolist(), run_end.tolist()):
                if drift[s:e].any() or spaces[s:e - 1].any():
                    start[s:e] = _pen(along[s:e], forward[s:e] * advance[s:e], forward[s:e] * theirs[s:e],
                                      forward[s:e] * spaces[s:e])
        end = start + forward * advance
        descent = np.array([r.font.descent for r in runs])[glyph_run] * size
        cross = np.where(along_x, d, c)[glyph_run]
        low, high = baseline + cross * descent, baseline + cross * (descent + size)
        along_lo, along_hi = np.minimum(start, end), np.maximum(start, end)
        cross_lo, cross_hi = np.minimum(low, high), np.maximum(low, high)
        box = (np.where(axis_x, along_lo, cross_lo), np.where(axis_x, cross_lo, along_lo),
               np.where(axis_x, along_hi, cross_hi), np.where(axis_x, cross_hi, along_hi))
        x0, y0, x1, y1 = _turn(box, rotate % 360, self.mediabox)
        bold = np.array([r.font.bold for r in runs])[glyph_run]
        return Glyphs(texts, x0 + mb_x0, height - y1 + mb_top, x1 + mb_x0, height - y0 + mb_top, y1 - y0,
                      bold), n_cid, sideways


def _choose(readings: list[_Font], met: np.ndarray) -> _Font | None:
    """The reading that maps every character met, if those that do agree on them."""
    fits = [r for r in readings if not np.isnan(r.advance[met]).any()] or readings[:1]
    first = fits[0]
    if any((r.bold, r.descent) != (first.bold, first.descent) or not np.array_equal(r.advance[met], first.advance[met])
           for r in fits[1:]):
        return None
    return first


def _no_glyphs() -> Glyphs:
    empty = np.zeros(0)
    return Glyphs([], empty, empty, empty, empty, empty, np.zeros(0, dtype=bool))


_LIGATURE_LETTERS = frozenset({"ff", "fi", "fl", "ffi", "ffl", "\u017ft", "st"})


def _upright(m: tuple[float, float, float, float]) -> bool:
    """pdfminer's test of a glyph standing upright, on its matrix."""
    a, b, c, d = m
    return a * d > 0 and b * c <= 0


def _pen(origin: np.ndarray, advance: np.ndarray, theirs: np.ndarray, spaces: np.ndarray) -> np.ndarray:
    """Where pdfminer's pen puts each glyph of a line: after the glyph before it by pdfminer's
    advance, plus what PDFium's pen moved beyond its own advance (spacing, kerning, spaces),
    plus what pdfminer measures the spaces between them wider than PDFium does."""
    spacing = np.diff(origin) - theirs[:-1]
    spacing[np.abs(spacing) < 1e-3] = 0.0  # PDFium's rounding, not spacing
    return np.concatenate((origin[:1], origin[0] + np.cumsum(advance[:-1] + spacing + spaces[:-1])))


def _turn(box: tuple[np.ndarray, ...], rotate: int, mediabox: tuple[float, float, float, float]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """User-space boxes in pdfminer's device space for a page turned by ``rotate`` (its initial matrix)."""
    ux0, uy0, ux1, uy1 = box
    x0, y0, x1, y1 = mediabox
    if rotate == 90:
        return uy0 - y0, x1 - ux1, uy1 - y0, x1 - ux0
    if rotate == 180:
        return x1 - ux1, y1 - uy1, x1 - ux0, y1 - uy0
    if rotate == 270:
        return y1 - uy1, ux0 - x0, y1 - uy0, ux1 - x0
    return ux0 - x0, uy0 - y0, ux1 - x0, uy1 - y0


def _own_spaces(api: _Api, tp: int, start: int, end: int, obj: int, space: np.ndarray) -> int:
    """Space characters of the text object (pdfminer counts them) between and around a run's glyphs,
    not those PDFium generates between words and lines."""
    count = sum(1 for i in range(start, end) if space[i] and not api.generated(tp, i))
    i = end
    while i < len(space) and space[i] and api.text_object(tp, i) == obj:
        count, i = count + 1, i + 1
    i = start - 1
    while i >= 0 and space[i] and api.text_object(tp, i) == obj:
        count, i = count + 1, i - 1
    return count


def _find_runs(api: _Api, tp: int, ink: np.ndarray, origin: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of glyphs (first index, last index + 1, text object): glyphs of one text object are
    consecutive, so a stretch whose first and last glyphs share an object is one run. Stretches
    come from the origins: a glyph off the line of the previous one on both axes starts another.
    Whitespace between glyphs of a run belongs to it."""
    if not len(ink):
        return []
    o = origin[ink]
    cuts = np.flatnonzero((o[1:, 0] != o[:-1, 0]) & (o[1:, 1] != o[:-1, 1])) + 1
    stretches = zip(np.concatenate(([0], cuts)).tolist(), np.concatenate((cuts, [len(ink)])).tolist())
    ink_list = ink.tolist()
    found: list[tuple[int, int, int]] = []

    def split(lo: int, hi: int, first: int, last: int) -> None:  # ink positions lo..hi inclusive
        if first == last:
            found.append((lo, hi, first))
            return
        if hi == lo + 1:
            found.append((lo, lo, first))
            found.append((hi, hi, last))
            return
        mid = (lo + hi) // 2
        split(lo, mid, first, api.text_object(tp, ink_list[mid]) or 0)
        split(mid + 1, hi, api.text_object(tp, ink_list[mid + 1]) or 0, last)

    for lo, hi in stretches:
        hi -= 1
        split(lo, hi, api.text_object(tp, ink_list[lo]) or 0, api.text_object(tp, ink_list[hi]) or 0)
    runs: list[tuple[int, int, int]] = []
    for lo, hi, obj in found:
        if not obj:
            raise _Unplaced("a glyph of no text object")
        if runs and runs[-1][2] == obj:
            runs[-1] = (runs[-1][0], ink_list[hi] + 1, obj)
        else:
            runs.append((ink_list[lo], ink_list[hi] + 1, obj))
    return runs
