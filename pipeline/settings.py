"""Settings: one dataclass, validated once, so stage code holds no magic numbers."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from .errors import PipelineError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PACKAGE_ROOT / "models" / "meeting_en"
DEFAULT_LEXICON = PACKAGE_ROOT / "models" / "lexicon"
EXTRACTORS = ("pdfium", "pdfplumber")  # where the glyphs come from: PDFium (fast) or pdfplumber (the reference)
THEME_PROFILES = PACKAGE_ROOT / "models" / "themes"  # seed profiles NAME.toml, stop words, procedural words
FORMATS = ("sqlite", "parquet-dataset")  # how `run` keeps the tables: tables.py, dataset.py


def profiles() -> list[str]:
    """The seed profiles shipped in models/themes."""
    return sorted(p.stem for p in THEME_PROFILES.glob("*.toml"))


@dataclass(frozen=True)
class Settings:
    model: Path = DEFAULT_MODEL
    lexicon: Path = DEFAULT_LEXICON
    # --- extraction (fractions of the page, or of the font size) ---
    extractor: str = "pdfium"  # one of EXTRACTORS
    header_zone: float = 0.10  # top fraction of a page where running headers live
    footer_zone: float = 0.12  # bottom fraction where footers and page numbers live
    repeat_share: float = 0.4  # a margin line on this share of pages is a running header/footer
    line_overlap: float = 0.5  # glyphs overlapping a line's first glyph this much (x height) join it
    word_gap: float = 0.12  # a gap wider than this (x size) separates words
    script_size: float = 0.85  # glyphs this much smaller than their line are super- or subscripts
    script_rise: float = 0.15  # (x line size) a small glyph this far above the baseline is raised
    script_max_glyphs: int = 4  # a footnote marker is at most this long ("12,13")
    segment_gap: float = 3.0  # a gap wider than this (x size) splits a line (columns, footers)
    gutter_min_width: float = 6.0  # points: the narrowest white strip taken for a column gutter
    gutter_max_crossing: float = 0.15  # share of lines that may cross a gutter (titles)
    paragraph_pitch: float = 1.3  # a line pitch this many times the usual one opens a paragraph
    cid_share: float = 0.2  # share of glyphs without a Unicode map that flags a page
    # --- resources ---
    max_pages: int = 5000
    max_file_mb: int = 500
    max_page_content_mb: int = 32  # a page whose drawing instructions inflate beyond this is skipped
    timeout_s: float = 300.0  # per document, in a worker
    memory_mb: int = 3072  # memory cap per worker (resident; also its address space where the OS enforces it)
    # --- themes ---
    seed: int = 13
    themes_min: int = 4
    themes_max: int = 15
    coherence_tolerance: float = 0.05  # the most themes whose NPMI is this close (relative) to the best count's
    max_share: float = 0.4  # an agenda item or theme holding more of the statements is too broad: split
    agenda_similarity: float = 0.5  # items of two meetings alike at least this much (headings, words) merge
    duplicate_similarity: float = 0.75  # two themes whose statements are this alike (cosine) are one

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise PipelineError(f"setting {f.name} must not be negative, got {value}")
        if self.extractor not in EXTRACTORS:
            raise PipelineError(f"settings: extractor must be one of {', '.join(EXTRACTORS)}, got {self.extractor!r}")
        if not 0 < self.themes_min <= self.themes_max:
            raise PipelineError("settings: themes_min must be positive and at most themes_max")
        if not all(0 < x <= 1 for x in (self.max_share, self.agenda_similarity, self.duplicate_similarity)):
            raise PipelineError("settings: max_share, agenda_similarity and duplicate_similarity must be in (0, 1]")
