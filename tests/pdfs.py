"""Every PDF the tests make, one builder each (``builder(folder) -> path``): the extraction and
robustness tests read them, and the parity test reads each with both extractors."""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Callable

import matplotlib
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from .conftest import CORPUS, Layout, typeset

LEFT = ["The representative of Norway said that", "the new scheme had helped 4,000 young",
        "people find work in the first year.", "", "She added that the third-country",
        "nationals were included."]
RIGHT = ["The representative of Chile said that", "exports had grown by 12 per cent and",
         "that the programme would continue.", "", "He concluded that recog-", "nition of skills mattered."]
HELVETICA = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
# a composite font without a ToUnicode map: its text comes out as (cid:NN)
NO_UNICODE = [b"<< /Type /Font /Subtype /Type0 /BaseFont /Foo /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
              b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Foo /DW 500 "
              b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"]
PERU = "The representative of Peru said that the plan was ready."


def raw_pdf(content: bytes, compress: bool = True, font: list[bytes] = HELVETICA) -> bytes:
    """A one-page PDF written by hand around the given content stream."""
    stream = zlib.compress(content, 9) if compress else content
    filt = b"/Filter /FlateDecode " if compress else b""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< " + filt + b"/Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               *font]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# ------------------------------------------------------------------ layouts
def two_columns(folder: Path, name: str = "two-columns.pdf") -> Path:
    return typeset(folder / name, [LEFT + RIGHT], Layout(columns=2))


def two_columns_two_pages(folder: Path, name: str = "two-columns-two-pages.pdf") -> Path:
    return typeset(folder / name, [LEFT + RIGHT, LEFT], Layout(columns=2))


def running_margins(folder: Path, name: str = "margins.pdf") -> Path:
    pages = [[f"The representative of {c} said that the plan was ready.", "", f"The {c} delegation agreed."]
             for c in ("Peru", "Chile", "Japan")]
    return typeset(folder / name, pages, Layout(header="Committee on Trade - Note on the meeting of 5 April 1995",
                                                footer="Contact: secretariat@example.org", page_numbers=True))


def hyphenated(folder: Path, name: str = "hyphenated.pdf") -> Path:
    lines = ["The recog-", "nition of qualifications of third-", "country nationals and the inter-", "national co-",
             "operation were discussed."]
    return typeset(folder / name, [lines], Layout())


def broken_name(folder: Path, name: str = "broken-name.pdf") -> Path:
    lines = ["The statement of Mr. Tom Black-", "man (Canada) was noted. Non-", "governmental groups spoke."]
    return typeset(folder / name, [lines], Layout())


def headings(folder: Path, name: str = "headings.pdf") -> Path:
    lines = ["1. Introduction", "", "The Chair opened the meeting and", "welcomed the delegations.", "",
             "The representative of Peru said that", "the plan was ready."]
    return typeset(folder / name, [lines], Layout())


def footnote(folder: Path, name: str = "footnote.pdf") -> Path:
    page1 = ["The representative of Egypt said that the work programme"] + [""] * 40 + \
            ["of the Committee, as set out in the document,1 was agreed and"]
    page2 = ["would be reviewed next year.", "", "The Chair closed the meeting."]
    return typeset(folder / name, [page1, page2], Layout(footnotes={1: "1 See document WT/COMTD/W/7 of 5 May 1995."}))


def short_last_line(folder: Path, name: str = "short-last-line.pdf") -> Path:
    full = "The representative of Egypt said that the work programme of the Committee was agreed and"
    page1 = [full, "would be reviewed next year by all of the delegations present at the meeting today.", "",
             "Speakers: Ana Ruiz, Jan Novak"]
    page2 = ["Ana Ruiz (Spain) opened the item.", "", full, "would be reviewed next year."]
    return typeset(folder / name, [page1, page2], Layout())


def scripts(folder: Path, name: str = "scripts.pdf") -> Path:
    """Footnote markers raised by a text rise, a subscript, an ordinal and a superscript character."""
    style = getSampleStyleSheet()["BodyText"]
    SimpleDocTemplate(str(folder / name)).build([
        Paragraph("Ms Anna KOWALSKA (Poland) said that the Active Poland Programme<super>1</super> had "
                  "reached 45% of jobseekers in 2023.<super>2</super> It cost PLN 3 billion<super>12</super>.", style),
        Paragraph("Mr Jan NOVAK (Czechia) said CO<sub>2</sub> emissions fell in the 21<super>st</super> century "
                  "and the Fund³ grew.", style)])
    return folder / name


def embedded_font(folder: Path, name: str = "embedded-font.pdf") -> Path:
    """An embedded TrueType font (fractional widths, ligature glyphs), bold and italic ones, and a euro
    sign: where PDFium and pdfminer measure glyphs differently."""
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for face, file in (("DejaVu", "DejaVuSans.ttf"), ("DejaVu-Bold", "DejaVuSans-Bold.ttf"),
                       ("DejaVu-Italic", "DejaVuSerif-Italic.ttf")):
        pdfmetrics.registerFont(TTFont(face, str(fonts / file)))
    body = ParagraphStyle("body", fontName="DejaVu", fontSize=10, leading=13)
    text = ("The representative of Norway said that the \ufb01nancial \ufb02ows of the \ufb01rst year had reached "
            "€1.2 billion and that the scheme, in its \ufb01fth year, would continue. ") * 5
    SimpleDocTemplate(str(folder / name)).build([
        Paragraph("1. Financial flows", ParagraphStyle("heading", fontName="DejaVu-Bold", fontSize=12, leading=15)),
        Paragraph(text, body),
        Paragraph("<font name='DejaVu-Italic'>The \ufb01nal words, fjord and staff, overhang</font> their advance; "
                  "the Helvetica €5 and the €7 of the standard fonts have no width in pdfminer's metrics.", body),
        Paragraph("Helvetica: the ministry spent €12 million.", ParagraphStyle("std", fontName="Helvetica"))])
    return folder / name


def turned(folder: Path, name: str = "turned.pdf") -> Path:
    """A /Rotate page whose text is written upright in the unrotated page."""
    c = canvas.Canvas(str(folder / name))
    c.setPageRotation(90)
    c.drawString(72, 720, "The representative of Peru said that the plan of 40 projects was ready.")
    c.save()
    return folder / name


def turned_upright(folder: Path, name: str = "turned-upright.pdf") -> Path:
    """A /Rotate page whose text is drawn turned back, to stand upright on screen."""
    c = canvas.Canvas(str(folder / name))
    c.setPageRotation(90)
    c.translate(0, 842)
    c.rotate(-90)
    for i, line in enumerate([PERU, "", "The Chair closed the meeting after the delegations had spoken."]):
        c.drawString(72, 500 - 14 * i, line)
    c.save()
    return folder / name


def shopping(folder: Path, name: str = "shopping.pdf") -> Path:
    c = canvas.Canvas(str(folder / name))
    for i, item in enumerate(["Bread", "Milk", "Apples and pears", "Coffee"]):
        c.drawString(72, 720 - 14 * i, item)
    c.save()
    return folder / name


# ------------------------------------------------------------------ files that cannot be read
def empty(folder: Path, name: str = "empty.pdf") -> Path:
    (folder / name).write_bytes(b"")
    return folder / name


def not_a_pdf(folder: Path, name: str = "notes.pdf") -> Path:
    (folder / name).write_text("These are minutes typed in a text editor.\n")
    return folder / name


def truncated(folder: Path, name: str = "truncated.pdf") -> Path:
    data = (CORPUS / "eu-imex-2022-01-24.pdf").read_bytes()
    (folder / name).write_bytes(data[: len(data) // 5])
    return folder / name


def truncated_third(folder: Path, name: str = "truncated-third.pdf") -> Path:
    data = typeset(folder / f"whole-{name}", [LEFT], Layout()).read_bytes()
    (folder / name).write_bytes(data[: len(data) // 3])
    return folder / name


def locked(folder: Path, name: str = "locked.pdf") -> Path:
    c = canvas.Canvas(str(folder / name), encrypt="secret")
    c.drawString(72, 720, PERU)
    c.save()
    return folder / name


def scan(folder: Path, name: str = "scan.pdf") -> Path:
    c = canvas.Canvas(str(folder / name))
    c.rect(72, 72, 400, 600, fill=1)  # an "image" of a page: no text at all
    c.showPage()
    c.save()
    return folder / name


def no_unicode(folder: Path, name: str = "nounicode.pdf") -> Path:
    (folder / name).write_bytes(raw_pdf(b"BT /F1 12 Tf 72 720 Td <0041004200430044004500460047> Tj ET",
                                        font=NO_UNICODE))
    return folder / name


def sideways(folder: Path, name: str = "sideways.pdf") -> Path:
    c = canvas.Canvas(str(folder / name))
    c.translate(300, 100)
    c.rotate(90)
    c.drawString(0, 0, PERU)
    c.save()
    return folder / name


def bomb(folder: Path, name: str = "bomb.pdf") -> Path:
    """A page whose drawing instructions inflate to 40 MB: refused before any parser decodes them."""
    (folder / name).write_bytes(raw_pdf(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n" + b" " * (40 * 2**20)))
    return folder / name


READABLE: dict[str, Callable[[Path], Path]] = {
    f.__name__: f for f in (two_columns, two_columns_two_pages, running_margins, hyphenated, headings, footnote,
                            short_last_line, scripts, embedded_font, turned, turned_upright, shopping)}
UNREADABLE: dict[str, Callable[[Path], Path]] = {
    f.__name__: f for f in (empty, not_a_pdf, truncated, truncated_third, locked, scan, no_unicode, sideways, bomb)}
