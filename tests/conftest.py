"""Shared fixtures: the real recognition pipeline, and small PDFs typeset with reportlab,
one per layout problem (two columns, running header, hyphenated line ends)."""
from __future__ import annotations

import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipeline.recognise import load_nlp
from pipeline.settings import DEFAULT_MODEL, PACKAGE_ROOT

CORPUS = PACKAGE_ROOT / "corpus"
GOLD = CORPUS / "eu-imex-2022-01-24.gold.json"


@pytest.fixture(scope="session")
def nlp():
    return load_nlp(DEFAULT_MODEL)


@dataclass
class Layout:
    """What to draw on every page of a test PDF."""

    header: str = ""
    footer: str = ""
    page_numbers: bool = False
    columns: int = 1
    font_size: float = 10.0
    leading: float = 13.0
    footnotes: dict[int, str] | None = None  # page number -> a note in small type at the bottom


def typeset(path: Path, pages: list[list[str]], layout: Layout) -> Path:
    """Draw each page's lines as given (an empty string is a paragraph gap). With two
    columns, a page's lines fill the left column first, then the right one."""
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    margin = 56.0
    gutter = 24.0
    col_width = (width - 2 * margin - gutter) / layout.columns
    for number, lines in enumerate(pages, start=1):
        if layout.header:
            c.setFont("Helvetica", 8)
            c.drawString(margin, height - 36, layout.header)
        if layout.footer:
            c.setFont("Helvetica", 8)
            c.drawString(margin, 30, layout.footer)
        if layout.footnotes and number in layout.footnotes:
            c.setFont("Helvetica", 7)
            c.drawString(margin, 110, layout.footnotes[number])
        if layout.page_numbers:
            c.setFont("Helvetica", 8)
            c.drawCentredString(width / 2, 18, f"- {number} -")
        c.setFont("Helvetica", layout.font_size)
        per_column = (len(lines) + layout.columns - 1) // layout.columns
        for i, line in enumerate(lines):
            col, row = divmod(i, per_column) if layout.columns > 1 else (0, i)
            x = margin + col * (col_width + gutter)
            y = height - 80 - row * layout.leading
            if line:
                c.drawString(x, y, line)
        c.showPage()
    c.save()
    return path


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(pages: list[list[str]], layout: Layout | None = None, name: str | None = None) -> Path:
        return typeset(tmp_path / (name or f"doc{next(counter)}.pdf"), pages, layout or Layout())

    return make


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's headless Chromium driven by Playwright, one for the whole session (Playwright's
    own browser download is not reachable here; the README's apt-get line installs this one)."""
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM}: install it with `apt-get install -y chromium` (see the README)")
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="playwright is not installed (pip install -e .[dev])")
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 900})
        try:
            yield context
        finally:
            context.close()


TOPICS = [
    ("fisheries subsidies harmed marine fish stocks, and coastal fishing communities needed sustainable catch "
     "quotas and stronger monitoring of distant fishing fleets"),
    ("tariff reductions on textile exports and clothing lines would open markets to small garment producers "
     "and raise the export earnings of cotton farmers"),
    ("vocational training courses and paid apprenticeships helped young workers find skilled jobs in "
     "construction, welding and electrical installation trades"),
    ("vaccine production capacity and hospital supplies remained scarce in rural clinics, and nurses asked "
     "for refrigerated storage and reliable transport"),
    ("renewable energy investment and carbon emission targets guided the green transition plan for power "
     "grids, solar parks and wind farms"),
]
DELEGATIONS = ["Peru", "Chile", "Japan", "Kenya", "Norway", "Canada", "Mexico", "Egypt", "India", "Brazil"]


def write_meetings(folder: Path, count: int) -> list[Path]:
    """``count`` one-page meeting summaries, each with a statement per topic by a different
    delegation: enough text for themes, quick to process."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(count):
        lines = [f"Meeting {d + 1} of the committee", ""]
        for t, topic in enumerate(TOPICS):
            country = DELEGATIONS[(d + t) % len(DELEGATIONS)]
            words = f"The representative of {country} said that {topic}; {d + t + 2} projects had started.".split()
            lines += [" ".join(words[i:i + 14]) for i in range(0, len(words), 14)] + [""]
        paths.append(typeset(folder / f"meeting{d + 1}.pdf", [lines], Layout()))
    return paths


@contextmanager
def small_filesystem(path: Path, size: str = "4m", options: str = "") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (root only); the test is skipped where it cannot be."""
    path.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}{options}", "tmpfs", str(path)], check=True,
                       capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"cannot mount a small filesystem here (needs root with CAP_SYS_ADMIN): "
                    f"{getattr(e, 'stderr', '') or e}".strip())
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
