"""Themes: deterministic, seed themes honoured, report escaped and self-contained."""
from __future__ import annotations

from pathlib import Path

from pipeline.cli import main
from pipeline.settings import Settings
from pipeline.themes import fit_themes, load_config

from .conftest import Layout

STATEMENTS = (
    ["The bee keepers said that honey production and bee colonies fell, and honey prices rose for bee farmers."] * 4
    + ["Language courses and language training for newcomers were extended to more hours of language teaching."] * 6
    + ["The tariff reductions for textiles and the tariff lines for clothing exports were discussed at length."] * 6
    + ["Technical assistance missions and training workshops for customs officials were organised in Geneva."] * 6
)


def _seeds(tmp_path: Path) -> Path:
    path = tmp_path / "themes.toml"
    path.write_text('min_hits = 2\nstopwords = ["said"]\n\n[[theme]]\nlabel = "Beekeeping"\n'
                    'terms = ["bee", "honey", "hive"]\n', encoding="utf-8")
    return path


def test_same_input_same_themes(tmp_path):
    config = load_config(_seeds(tmp_path))
    first, w1 = fit_themes(STATEMENTS, config, Settings())
    second, w2 = fit_themes(STATEMENTS, config, Settings())
    assert [(t.label, t.members) for t in first] == [(t.label, t.members) for t in second]
    assert (w1 == w2).all()


def test_seed_theme_file_is_honoured(tmp_path):
    themes, weights = fit_themes(STATEMENTS, load_config(_seeds(tmp_path)), Settings())
    bees = [t for t in themes if t.label == "Beekeeping"]
    assert bees and sorted(bees[0].members) == [0, 1, 2, 3] and bees[0].seeded
    others = [t for t in themes if not t.seeded]
    assert others and all(set(t.members).isdisjoint(range(4)) for t in others)
    assert all(1 <= len(t.label.split()) <= 6 and "topic" not in t.label.lower() for t in themes)
    without, _ = fit_themes(STATEMENTS, load_config(None), Settings())
    assert "Beekeeping" not in [t.label for t in without]


def test_number_of_themes_can_be_set(tmp_path):
    themes, _ = fit_themes(STATEMENTS, load_config(None), Settings(), n_themes=2)
    assert len(themes) == 2


def test_report_and_audit_escape_document_text(make_pdf, tmp_path):
    lines = ["1. Opening", "", "The representative of Norway said that <script>alert('x')</script> was",
             "not a programme, and that the HOPE programme had 40 participants.", "",
             "The representative of Chile said that <b>bold</b> claims & the Green Fund",
             "would reach 12 per cent of farmers."]
    folder = tmp_path / "in"
    folder.mkdir()
    make_pdf([lines], Layout(), name="in/hostile.pdf")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    assert main(["report", str(out)]) == 0
    assert main(["audit", str(out)]) == 0
    pages = [out / "report" / "index.html", *(out / "audit").glob("*.html")]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<b>bold" not in html
        assert "&lt;script&gt;" in html or page.parent.name == "report" or page.name == "index.html"
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_small_input_gives_fewer_themes_not_a_crash(make_pdf, tmp_path, capsys):
    """One statement long enough to group and one too short; six near-identical summaries
    (no word sets one statement apart). Each run ends with its summary."""
    one = tmp_path / "one"
    one.mkdir()
    make_pdf([["The representative of Peru said that new irrigation projects helped small farmers improve",
               "harvest yields across several mountain valleys during difficult drought seasons.", "",
               "The representative of Chile agreed."]], name="one/one.pdf")
    six = tmp_path / "six"
    six.mkdir()
    for i in range(6):
        make_pdf([["The representative of Peru said that fisheries subsidies negotiations must conclude",
                   "before ministers meet, protecting coastal communities and marine stocks everywhere.", "",
                   "The representative of Chile said that fisheries subsidies negotiations must conclude",
                   f"before ministers meet, protecting coastal communities and marine stocks everywhere {i}."]],
                 name=f"six/d{i}.pdf")
    for folder in (one, six):
        assert main(["run", str(folder), "--out", str(tmp_path / f"{folder.name}-out"), "--quiet"]) == 0
        printed = capsys.readouterr().out
        assert "processed" in printed and "themes: " in printed and "tables: " in printed, printed
