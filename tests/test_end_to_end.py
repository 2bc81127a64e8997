"""The whole pipeline on the sample corpus: quality, tables, database, re-runs, audit and review."""
from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.evaluate import predictions, score
from pipeline.tables import Store

from .conftest import CORPUS, GOLD

SHARED_SCORER = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score.py"
PDFS = ["eu-imex-2022-01-24.pdf", "eu-imex-2022-01-24-twocol.pdf"]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("outputs")
    assert main(["run", str(CORPUS), "--out", str(out), "--quiet"]) == 0
    return out


def _doc_id(out: Path, name: str) -> str:
    docs = pd.read_csv(out / "documents.csv")
    return docs[docs.source.map(lambda s: Path(s).name) == name].doc_id.iloc[0]


@pytest.mark.parametrize("name", PDFS)
def test_quality_on_the_sample(out, name):
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    with Store(out) as store:
        result = score(gold, predictions(store, _doc_id(out, name)))
    assert result["speakers"]["f1"] >= 0.95 and result["speakers"]["country_acc"] >= 0.95
    assert result["countries"]["f1"] >= 0.90
    assert result["programmes"]["f1"] >= 0.80
    assert result["figures"]["f1"] >= 0.90 and result["figures"]["speaker_acc"] >= 0.90


@pytest.mark.skipif(not SHARED_SCORER.exists(), reason="the shared scorer is not beside this checkout")
@pytest.mark.parametrize("name", PDFS)
def test_evaluate_agrees_with_the_shared_scorer(out, name):
    printed = subprocess.run([sys.executable, str(SHARED_SCORER), str(GOLD), str(out), "--source", name],
                             capture_output=True, text=True, check=True).stdout
    theirs = json.loads(printed)
    with Store(out) as store:
        ours = score(json.loads(GOLD.read_text(encoding="utf-8")), predictions(store, _doc_id(out, name)))
    for kind in ("speakers", "countries", "programmes", "figures"):
        assert abs(theirs[kind]["f1"] - ours[kind]["f1"]) <= 0.01, kind
    assert abs(theirs["macro_f1"] - ours["macro_f1"]) <= 0.01


def test_tables_in_csv_parquet_and_database_agree(out):
    db = sqlite3.connect(out / "meetings.sqlite")
    for table in ("documents", "speakers", "statements", "countries", "programmes", "figures", "mentions"):
        csv = pd.read_csv(out / f"{table}.csv")
        parquet = pd.read_parquet(out / f"{table}.parquet")
        rows = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        assert len(csv) == len(parquet) == rows > 0, table


def test_every_mention_is_its_slice_on_a_page_inside_a_box(out):
    with Store(out) as store:
        texts = dict(zip(*store.table("texts")[["doc_id", "text"]].values.T))
        pages = store.table("pages").set_index(["doc_id", "page"])
        mentions = store.table("mentions")
    assert len(mentions) > 300
    for m in mentions.itertuples():
        assert texts[m.doc_id][m.start:m.end] == m.text
        size = pages.loc[(m.doc_id, m.page)]
        assert m.page >= 1 and 0 <= m.x0 <= m.x1 <= size.width and 0 <= m.top <= m.bottom <= size.height


def test_nothing_from_removed_footers(out):
    with Store(out) as store:
        removed = store.table("removed_lines")
        texts = store.table("texts")
    assert {"header", "footer", "page-number"} <= set(removed.kind)
    assert not any("prénom.nom" in t for t in texts.text)


def test_a_rerun_replaces_instead_of_duplicating(out, tmp_path):
    before = {t: len(pd.read_csv(out / f"{t}.csv")) for t in ("documents", "figures", "mentions")}
    assert main(["run", str(CORPUS), "--out", str(out), "--force", "--quiet"]) == 0
    after = {t: len(pd.read_csv(out / f"{t}.csv")) for t in ("documents", "figures", "mentions")}
    assert before == after


def test_audit_page_shows_every_mention_and_escapes_text(out):
    name = PDFS[0]
    doc_id = _doc_id(out, name)
    assert main(["audit", str(out), "--doc", doc_id[:10]]) == 0
    page = (out / "audit" / name.replace(".pdf", ".html")).read_text(encoding="utf-8")
    mentions = pd.read_csv(out / "mentions.csv")
    ids = set(mentions[mentions.doc_id == doc_id].mention_id)
    listed = set(re.findall(r"<li><a href=#(m\d+)>", page))
    boxed = set(re.findall(r"id=b(m\d+)", page))
    assert listed == ids and boxed == ids
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert page.count("data:image/webp;base64,") == 12


def test_review_wrong_figure_disappears_and_fix_overrides(out, tmp_path):
    sheet = tmp_path / "review.csv"
    assert main(["audit", "export", str(out), "-o", str(sheet), "--label", "FIGURE"]) == 0
    review = pd.read_csv(sheet, keep_default_na=False)
    doc_id = _doc_id(out, PDFS[0])
    mine = review[review.doc_id == doc_id]
    wrong = mine[mine.text == "73%"].index[0]
    fixed = mine[mine.text == "1.3M"].index[0]
    review["verdict"] = "ok"
    review.loc[wrong, "verdict"] = "wrong"
    review.loc[fixed, "verdict"] = "fix:1300001"
    review.to_csv(sheet, index=False)
    assert main(["audit", "apply", str(sheet), "--out", str(out), "--reviewer", "Test Analyst"]) == 0
    assert main(["run", str(CORPUS), "--out", str(out), "--quiet"]) == 0  # reviewed documents are redone
    figures = pd.read_csv(out / "figures.csv")
    ours = figures[figures.doc_id == doc_id]
    assert "73%" not in set(ours.text)
    assert ours[ours.text == "1.3M"].value.iloc[0] == 1300001
    other = figures[figures.doc_id == _doc_id(out, PDFS[1])]
    assert "73%" in set(other.text)  # the verdict applies to its document only
    corrections = pd.read_csv(out / "corrections.csv")
    assert set(corrections.reviewer) == {"Test Analyst"}
    # undo, so the other tests see the original figures
    with sqlite3.connect(out / "meetings.sqlite") as db:
        db.execute("DELETE FROM corrections")
    assert main(["run", str(CORPUS), "--out", str(out), "--force", "--quiet"]) == 0


def test_bad_verdict_is_refused_with_its_line(out, tmp_path, capsys):
    sheet = tmp_path / "bad.csv"
    main(["audit", "export", str(out), "-o", str(sheet), "--label", "COUNTRY"])
    review = pd.read_csv(sheet, keep_default_na=False)
    review.loc[0, "verdict"] = "maybe"
    review.to_csv(sheet, index=False)
    assert main(["audit", "apply", str(sheet), "--out", str(out), "--reviewer", "X"]) == 2
    assert "line 2" in capsys.readouterr().err


def test_help_teaches():
    for argv in (["--help"], ["run", "--help"], ["audit", "--help"], ["evaluate", "--help"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0


def _named_found(capsys, out: Path) -> tuple[int, str]:
    """How many of the themes the sample's own summary names (gold key `themes`) are among the labels and
    keywords, as `evaluate --themes` prints it; and the whole printout."""
    assert main(["evaluate", str(out), "--themes", "--gold", str(CORPUS)]) == 0
    printed = capsys.readouterr().out
    return int(re.search(r"(\d+) of 7 named themes", printed).group(1)), printed


def test_themes_of_the_sample(out, capsys):
    themes = pd.read_csv(out / "themes.csv", keep_default_na=False)
    assert 4 <= len(themes) <= 15
    assert themes.share.max() <= 0.40
    found, printed = _named_found(capsys, out)
    assert found >= 6, printed
    assert "seeded themes: none" in printed
    assert re.search(r"labels said by the meetings: (\d+) of \1 ", printed), printed
    statements = pd.read_csv(out / "statements.csv", keep_default_na=False)
    assert set(themes.theme_id) <= set(statements.theme_id)
    assert {"Introduction", "Closing session"} <= set(statements.section)  # the agenda items of the summary
    links = pd.read_csv(out / "statement_themes.csv")
    assert links.weight.between(0, 1).all() and set(links.theme_id) <= set(themes.theme_id)


def test_themes_of_the_sample_with_the_migration_profile(out, tmp_path, capsys):
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    assert main(["themes", str(copy), "--seed-themes", "migration"]) == 0
    found, printed = _named_found(capsys, copy)
    assert found == 7, printed
    seeded = pd.read_csv(copy / "themes.csv").query("seeded == 1")
    assert len(seeded) >= 4 and (seeded.origin == "seeded").all()
    assert main(["report", str(copy)]) == 0
    assert "seeded" in (copy / "report" / "index.html").read_text(encoding="utf-8")


def test_filtered_reports_go_to_their_own_folder_and_link_to_the_audit(out, tmp_path):
    assert main(["report", str(out)]) == 0
    full = (out / "report" / "index.html").read_bytes()
    assert main(["report", str(out), "--country", "Estonia"]) == 0  # by name: EE
    page = (out / "report-country-Estonia" / "index.html").read_text(encoding="utf-8")
    assert (out / "report" / "index.html").read_bytes() == full
    assert "Anne-Ly REIMAA" in page and "Brigitte KLINKERT" not in page
    assert main(["report", str(out), "--theme", "a", "--out", str(tmp_path / "mine")]) == 0
    assert (tmp_path / "mine" / "index.html").exists()
    assert main(["audit", str(out)]) == 0
    links = re.findall(r"href='(\.\./audit/[^'#]+\.html)#([\w-]+)'", page)
    assert links
    for target, anchor in links[:5]:
        audit_page = (out / "report-country-Estonia" / target).resolve().read_text(encoding="utf-8")
        assert f"id='{anchor}'" in audit_page or f"id={anchor} " in audit_page


def test_themes_over_time_stay_readable_with_fifteen_themes():
    from pipeline.report import Data, timeline

    themes = pd.DataFrame(dict(theme_id=[f"t{i}" for i in range(15)], label=[f"Theme number {i}" for i in range(15)]))
    years = range(2010, 2016)
    docs = pd.DataFrame(dict(doc_id=[f"d{y}" for y in years], date=[f"{y}-05-01" for y in years]))
    statements = pd.DataFrame(dict(doc_id=[f"d{2010 + i % 6}" for i in range(300)],
                                   theme_id=[f"t{i % 15}" for i in range(300)]))
    empty = pd.DataFrame()
    svg = timeline(Data(docs, statements, empty, themes, empty, empty, empty))
    assert svg.count('<g id="axes_') == 15  # one small chart per theme, not fifteen lines on one


def test_report_names_every_theme(out):
    assert main(["report", str(out)]) == 0
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    for label in pd.read_csv(out / "themes.csv").label:
        assert html.escape(label, quote=False) in page
    assert "<svg" in page and "<script" not in page
    report = (out / "report" / "report.md").read_text(encoding="utf-8")
    assert report.count("\n## ") == len(pd.read_csv(out / "themes.csv"))
