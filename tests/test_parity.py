"""The fast extractor (PDFium) reads every PDF as the reference (pdfplumber) does: the same
status, text, blocks, pages and characters' pages, boxes within ``TOLERANCE_PT``."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.extract import extract
from pipeline.parity import TOLERANCE_PT, compare
from pipeline.settings import Settings

from . import pdfs
from .conftest import CORPUS

WTO = Path(__file__).resolve().parents[2] / "shared" / "wto"
# the five shortest notes of each of the two layouts the WTO corpus is set in (odd and even meetings)
WTO_SAMPLE = ["wto-ctd-m003.pdf", "wto-ctd-m033.pdf", "wto-ctd-m005.pdf", "wto-ctd-m001.pdf", "wto-ctd-m011.pdf",
              "wto-ctd-m020.pdf", "wto-ctd-m094.pdf", "wto-ctd-m012.pdf", "wto-ctd-m078.pdf", "wto-ctd-m074.pdf"]


def _same(path: Path, tolerance: float = TOLERANCE_PT) -> None:
    c = compare(path, tolerance=tolerance)
    assert c.same, c.differences
    assert c.box_difference <= tolerance


@pytest.mark.parametrize("build", list(pdfs.READABLE.values()) + list(pdfs.UNREADABLE.values()),
                         ids=list(pdfs.READABLE) + list(pdfs.UNREADABLE))
def test_every_test_pdf_reads_the_same(build, tmp_path):
    # PDFium rounds a font's fractional widths: a text object that goes on where another of such a
    # font stopped starts where PDFium's pen is, up to a thousandth of the size per glyph before
    _same(build(tmp_path), tolerance=0.5 if build is pdfs.embedded_font else TOLERANCE_PT)


@pytest.mark.parametrize("name", ["eu-imex-2022-01-24.pdf", "eu-imex-2022-01-24-twocol.pdf"])
def test_the_sample_reads_the_same(name):
    _same(CORPUS / name)


@pytest.mark.skipif(not WTO.is_dir(), reason="the shared WTO corpus is not beside this checkout")
@pytest.mark.parametrize("name", WTO_SAMPLE)
def test_wto_notes_read_the_same(name):
    _same(WTO / name)


@pytest.mark.parametrize("build", [pdfs.two_columns, pdfs.scripts, pdfs.embedded_font, pdfs.turned])
def test_the_fast_path_reads_them_itself(build, tmp_path, caplog):
    """Parity would hold trivially if PDFium handed every page to pdfplumber: it does not."""
    with caplog.at_level(logging.DEBUG, logger="pipeline.glyphs"):
        extract(build(tmp_path), Settings(extractor="pdfium"))
    assert not [r.message for r in caplog.records if "read by pdfplumber" in r.message]


def test_pages_pdfium_reads_otherwise_go_to_pdfplumber(tmp_path, caplog):
    """A bullet from a code pdfminer cannot decode, a dingbat, a Greek letter of the Symbol font."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "symbols.pdf"
    c = canvas.Canvas(str(path))
    c.drawString(72, 720, "The delegations agreed:")
    c.setFont("Symbol", 12)
    c.drawString(72, 700, "a b g")
    c.setFont("ZapfDingbats", 12)
    c.drawString(72, 680, "n")
    c.save()
    with caplog.at_level(logging.DEBUG, logger="pipeline.glyphs"):
        _same(path)
    assert [r.message for r in caplog.records if "read by pdfplumber" in r.message]


def test_parity_command_says_how_far_the_boxes_are(tmp_path, capsys):
    pdfs.two_columns(tmp_path)
    pdfs.scan(tmp_path)
    assert main(["parity", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "2 PDFs" in printed and "0 differ" in printed and "1 of them refused the same way" in printed
    with pytest.raises(SystemExit) as stopped:
        main(["run", str(tmp_path), "--out", str(tmp_path / "out"), "--extractor", "nonsense"])
    assert stopped.value.code == 2
