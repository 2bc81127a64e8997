"""Page images: a PDF page rendered at a capped width, compressed, and cached on disk.

Both the review app (one page at a time, on demand) and the static audit pages (every
page, embedded so the file can be mailed) show the page a mention came from. Pages are
rendered with pypdfium2 (the renderer pdfplumber itself uses) at a width cap, in grey, and
written as lossless WebP: text stays sharp, and in black and white (for mail) a page of
text weighs about 14 KB.
Boxes are drawn by the pages over the image, in PDF points scaled by width / page width.
"""
from __future__ import annotations

import io
import logging
import os
import tempfile
import threading
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from .errors import PipelineError

log = logging.getLogger(__name__)

MEDIA_TYPE = "image/webp"
APP_WIDTH = 1000  # px: the review app's page view
MAIL_WIDTH = 560  # px: pages embedded in the static audit pages
MAIL_GREYS = 2  # black and white in the static pages: ~14 KB a page of text at 560 px
MAIL_EFFORT = 4  # WebP's compression effort for mailed pages
MAX_WIDTH = 2000

_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one render at a time per process


class PageImageError(PipelineError):
    """A page that cannot be rendered (the PDF moved, or the page does not exist)."""


def render(source: Path, page: int, width: int, greys: int = 256, effort: int = 0) -> bytes:
    """Page ``page`` (from 1) of ``source`` as WebP bytes, ``width`` pixels wide, in grey;
    ``greys`` < 256 keeps that many grey levels, ``effort`` (0-6) trades time for size:
    0 while a reviewer waits, more for pages that are mailed."""
    source = Path(source)
    if not source.exists():
        raise PageImageError(f"the PDF {source} is no longer there; put it back or re-run on its new folder")
    width = max(100, min(int(width), MAX_WIDTH))
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(source)
        except pdfium.PdfiumError as e:
            raise PageImageError(f"{source} cannot be opened for its page images: {e}") from e
        try:
            if not 1 <= page <= len(pdf):
                raise PageImageError(f"{source.name} has no page {page} (it has {len(pdf)})")
            p = pdf[page - 1]
            image = p.render(scale=width / p.get_width(), grayscale=True).to_pil().convert("L")
            p.close()
        finally:
            pdf.close()
    if greys < 256:  # fewer greys, darkened first so thin strokes survive
        step = 255 / (greys - 1)
        image = image.point(lambda v: round(round(255 * (v / 255) ** 2 / step) * step))
    buf = io.BytesIO()
    image.save(buf, format="WEBP", lossless=True, method=effort)
    return buf.getvalue()


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        return im.size


class PageCache:
    """Rendered pages on disk, keyed by document, page and width: a page is rendered once."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, doc_id: str, page: int, width: int, greys: int) -> Path:
        return self.folder / doc_id / f"page-{page}-w{width}-g{greys}.webp"  # doc_id: the PDF's hash

    def get(self, doc_id: str, source: Path, page: int, width: int, greys: int = 256) -> bytes:
        target = self.path(doc_id, page, width, greys)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            pass
        data = render(source, page, width, greys)
        try:  # written under a temporary name, then renamed: a reader never sees half a file
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except OSError as e:  # a read-only output folder still shows pages, uncached
            log.warning("cannot cache page images in %s: %s", self.folder, e)
        return data
