"""Extraction on small PDFs made for one problem each, and on the sample corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import CorruptPDFError, EmptyFileError, EncryptedPDFError, NoTextLayerError, NotPDFError
from pipeline.extract import extract

from . import pdfs
from .conftest import CORPUS


def test_two_columns_read_left_then_right(tmp_path: Path):
    doc = extract(pdfs.two_columns(tmp_path))
    left = doc.text.index("Norway")
    right = doc.text.index("Chile")
    assert left < doc.text.index("third-country") < right
    # lines of the two columns are never interleaved
    assert "said that the new scheme had helped 4,000 young people" in doc.text
    assert "said that exports had grown by 12 per cent" in doc.text


def test_running_header_footer_and_page_numbers_removed_and_kept(tmp_path: Path):
    doc = extract(pdfs.running_margins(tmp_path))
    assert doc.text.count("The representative of") == 3
    assert "Committee on Trade" not in doc.text
    assert "secretariat@example.org" not in doc.text
    assert "- 2 -" not in doc.text
    kinds = {line.kind for page in doc.pages for line in page.removed}
    assert {"header", "footer", "page-number"} <= kinds
    assert all(len(page.removed) == 3 for page in doc.pages)


def test_line_end_hyphenation_joined_real_hyphens_kept(tmp_path: Path):
    doc = extract(pdfs.hyphenated(tmp_path))
    assert "recognition of qualifications" in doc.text
    assert "third-country nationals" in doc.text
    assert "international" in doc.text
    assert "recog-" not in doc.text


def test_a_name_broken_at_the_line_end_is_joined(tmp_path: Path):
    doc = extract(pdfs.broken_name(tmp_path))
    assert "Mr. Tom Blackman (Canada)" in doc.text
    assert "Non-governmental" in doc.text  # a sentence's first word may be a prefix


def test_paragraphs_and_numbered_headings_rebuilt(tmp_path: Path):
    doc = extract(pdfs.headings(tmp_path))
    kinds = [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]
    assert kinds == [("heading", "1. Introduction"),
                     ("paragraph", "The Chair opened the meeting and welcomed the delegations."),
                     ("paragraph", "The representative of Peru said that the plan was ready.")]


def test_footnotes_leave_the_flow(tmp_path: Path):
    doc = extract(pdfs.footnote(tmp_path))
    assert "as set out in the document,1 was agreed and would be reviewed next year." in doc.text
    assert doc.blocks[-1].kind == "footnote"
    assert doc.text[doc.blocks[-1].start:doc.blocks[-1].end] == "1 See document WT/COMTD/W/7 of 5 May 1995."


def test_every_character_maps_to_a_box_inside_its_page(tmp_path: Path):
    doc = extract(pdfs.two_columns_two_pages(tmp_path))
    assert len(doc.char_page) == len(doc.text) == len(doc.char_box)
    for i, ch in enumerate(doc.text):
        page = doc.pages[int(doc.char_page[i]) - 1]
        x0, top, x1, bottom = doc.char_box[i]
        assert 0 <= x0 <= x1 <= page.width and 0 <= top <= bottom <= page.height, (i, ch)
    page, box = doc.locate(doc.text.index("Chile"), doc.text.index("Chile") + 5)
    assert page == 1 and box[0] > 250  # the right column


@pytest.mark.parametrize("name", ["eu-imex-2022-01-24.pdf", "eu-imex-2022-01-24-twocol.pdf"])
def test_sample_corpus_text_is_clean(name):
    doc = extract(CORPUS / name)
    assert "prénom.nom" not in doc.text and "Tél" not in doc.text
    assert "Summary of the discussions" in doc.text[:100]  # the title stays, the running header goes
    assert doc.text.count("Summary of the discussions") == 1
    assert "recognition of professional qualifications" in doc.text
    assert "Brigitte KLINKERT, Minister Delegate" in doc.text


def test_empty_file(tmp_path: Path):
    with pytest.raises(EmptyFileError, match="empty"):
        extract(pdfs.empty(tmp_path))


def test_not_a_pdf(tmp_path: Path):
    with pytest.raises(NotPDFError, match="not a PDF"):
        extract(pdfs.not_a_pdf(tmp_path))


def test_truncated_pdf(tmp_path: Path):
    with pytest.raises((CorruptPDFError, NoTextLayerError)):
        extract(pdfs.truncated_third(tmp_path))


def test_encrypted_pdf_needs_its_password(tmp_path: Path):
    path = pdfs.locked(tmp_path)
    with pytest.raises(EncryptedPDFError, match="--password"):
        extract(path)
    assert "Peru" in extract(path, password="secret").text


def test_scan_without_text_layer_says_ocr(tmp_path: Path):
    with pytest.raises(NoTextLayerError, match="OCR"):
        extract(pdfs.scan(tmp_path))


def test_footnote_markers_dropped_subscripts_and_ordinals_kept(tmp_path: Path):
    text = extract(pdfs.scripts(tmp_path)).text
    assert text == ("Ms Anna KOWALSKA (Poland) said that the Active Poland Programme had reached 45% of "
                    "jobseekers in 2023. It cost PLN 3 billion.\n\n"
                    "Mr Jan NOVAK (Czechia) said CO2 emissions fell in the 21st century and the Fund grew.")


def test_a_short_last_line_on_a_page_ends_its_paragraph(tmp_path: Path):
    doc = extract(pdfs.short_last_line(tmp_path))
    paragraphs = [doc.text[b.start:b.end] for b in doc.blocks]
    assert "Speakers: Ana Ruiz, Jan Novak" in paragraphs and "Ana Ruiz (Spain) opened the item." in paragraphs
