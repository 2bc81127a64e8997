"""Themes: built from the meetings' agenda first, named with their words, stable, seeded only on request."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.lexicon import parts_of_speech
from pipeline.sections import plausible
from pipeline.settings import DEFAULT_LEXICON, Settings
from pipeline.tables import Store
from pipeline.themes import fit_themes, load_config, profile_path

from .conftest import Layout

TOPICS = {
    "bees": ["honey production", "bee colonies", "hive inspections", "pollination services", "beekeeping cooperatives"],
    "tariffs": ["tariff reductions", "textile exports", "tariff lines", "clothing quotas", "customs duties"],
    "training": ["technical assistance", "training workshops", "customs officials", "regional seminars",
                 "distance learning courses"],
    "fish": ["fisheries subsidies", "fishing fleets", "fish stocks", "coastal communities", "illegal fishing"],
    "trade": ["electronic commerce", "digital platforms", "online payments", "data flows", "small enterprises"],
}


def statement(topic: str, i: int) -> str:
    """A statement about one topic, worded differently each time."""
    words = TOPICS[topic]
    a, b, c = words[i % 5], words[(i + 1) % 5], words[(i + 3) % 5]
    return (f"The delegate said that {a} and {b} had improved since the last review. "
            f"Further work on {c} and on {a} was needed in the coming years, with more {b} reported.")


def _meetings(n_docs: int = 3, per_topic: int = 4) -> dict[str, list[tuple[str, str]]]:
    """doc_id -> [(section, text)]: every meeting discusses every topic under its own agenda item."""
    docs = {}
    for d in range(n_docs):
        rows = [("Adoption of the agenda", "The agenda was adopted.")]
        for topic in TOPICS:
            heading = f"{topic.capitalize()} and related matters"
            rows += [(heading, statement(topic, d * 7 + i)) for i in range(per_topic)]
        docs[f"{d:02d}" + "ab" * 31] = rows
    return docs


def _store(path: Path, docs: dict[str, list[tuple[str, str]]], order: list[str], sections: bool = True) -> Path:
    """A real output folder whose documents arrive in the given order."""
    with Store(path) as store:
        for doc in order:
            rows = [dict(doc_id=doc, statement_id=f"s{i + 1}", speaker_id=f"sp{i % 3 + 1}", page=1, start=i * 400,
                         end=i * 400 + len(text), text=text, theme_id="", section=section if sections else "")
                    for i, (section, text) in enumerate(docs[doc])]
            store.replace(doc, {"documents": [dict(doc_id=doc, source=f"/in/{doc[:2]}.pdf", pages=1, status="ok",
                                                   error="", date="", title="")],
                                "statements": rows})
    return path


def test_same_documents_same_themes_whatever_the_order(tmp_path):
    docs = _meetings()
    first = _store(tmp_path / "a", docs, sorted(docs))
    second = _store(tmp_path / "b", docs, sorted(docs, reverse=True))
    for out in (first, second):
        assert main(["themes", str(out)]) == 0
    for table in ("themes.csv", "statement_themes.csv"):
        assert (first / table).read_bytes() == (second / table).read_bytes(), table
    ids = pd.read_csv(first / "themes.csv").theme_id
    assert ids.is_unique and all(re.fullmatch(r"t[0-9a-f]{8}", i) for i in ids)


def test_agenda_items_are_themes_merged_across_meetings(tmp_path):
    out = _store(tmp_path / "out", _meetings(), sorted(_meetings()))
    assert main(["themes", str(out)]) == 0
    themes = pd.read_csv(out / "themes.csv")
    statements = pd.read_csv(out / "statements.csv", keep_default_na=False)
    agenda = themes[themes.origin == "agenda"]
    assert sorted(agenda.label) == sorted(f"{t.capitalize()} and related matters" for t in TOPICS)
    for t in agenda.itertuples():  # one theme per item, holding what every meeting said under it
        members = statements[statements.theme_id == t.theme_id]
        assert set(members.section) == {t.label} and members.doc_id.nunique() == 3
    assert (statements[statements.section == "Adoption of the agenda"].theme_id == "").all()  # procedure, no theme


def test_without_headings_themes_are_found_in_the_words_and_named_by_noun_phrases(tmp_path):
    docs = _meetings()
    out = _store(tmp_path / "out", docs, sorted(docs), sections=False)
    assert main(["themes", str(out)]) == 0
    themes = pd.read_csv(out / "themes.csv")
    statements = pd.read_csv(out / "statements.csv", keep_default_na=False)
    pos = parts_of_speech(DEFAULT_LEXICON)
    assert 4 <= len(themes) <= 15 and (themes.origin == "found").all() and themes.share.max() <= 0.4
    for t in themes.itertuples():
        said = " ".join(statements[statements.theme_id == t.theme_id].text).lower()
        assert t.label.lower() in said, t.label  # a phrase of its own statements
        assert "noun" in pos.lemmas(t.label.split()[-1].lower()), t.label  # ending in a noun
    # each topic's statements end up together: the grouping follows the words
    for topic in TOPICS:
        mine = statements[statements.text.str.contains(TOPICS[topic][0], regex=False)]
        assert mine.theme_id.value_counts().iloc[0] >= 0.75 * len(mine), topic


def test_the_number_of_themes_is_exact_and_kept(tmp_path):
    docs = _meetings()
    out = _store(tmp_path / "out", docs, sorted(docs), sections=False)
    for asked, expect in ((["--themes", "3"], 3), ([], 3), (["--themes", "7"], 7), ([], 7)):
        assert main(["themes", str(out), *asked]) == 0
        assert len(pd.read_csv(out / "themes.csv")) == expect, asked
    assert main(["themes", str(out), "--themes", "0"]) == 0
    with Store(out) as store:
        assert store.meta("theme_count") == "0"


def _profile(tmp_path: Path) -> Path:
    path = tmp_path / "bees.toml"
    path.write_text('min_hits = 2\nmin_share = 0.1\n\n[[theme]]\nlabel = "Beekeeping"\nterms = ["bee", "honey", "hive"]'
                    '\n\n[[theme]]\nlabel = "Housing"\nterms = ["housing", "rent"]\n', encoding="utf-8")
    return path


def test_a_seed_theme_only_where_its_terms_carry_what_was_said(tmp_path):
    texts = [statement(topic, i) for topic in TOPICS for i in range(6)]
    # 'house' and one 'housing' in a statement about tariffs are incidental: no Housing theme
    texts += ["The delegate said that the customs house reported tariff reductions on textile exports, clothing quotas "
              "and customs duties, and that housing was mentioned once."] * 2
    themes, weights = fit_themes(texts, load_config(_profile(tmp_path)), Settings())
    labels = {t.label: t for t in themes}
    assert "Housing" not in labels
    bees = labels["Beekeeping"]
    assert bees.seeded and bees.origin == "seeded" and set(bees.members) <= set(range(6)) and len(bees.members) >= 4
    assert all(not t.seeded for t in themes if t.label != "Beekeeping")
    assert ((weights.sum(axis=1) - 1).__abs__() < 1e-6).sum() == len(texts)
    without, _ = fit_themes(texts, load_config(None), Settings())
    assert not any(t.seeded for t in without)


def test_seed_profiles_by_name_or_file(tmp_path, capsys):
    assert profile_path("migration").name == "migration.toml"
    assert profile_path(str(_profile(tmp_path))) == _profile(tmp_path)
    docs = _meetings(1)
    out = _store(tmp_path / "out", docs, sorted(docs), sections=False)
    assert main(["themes", str(out), "--seed-themes", "nonesuch"]) == 2
    assert "migration" in capsys.readouterr().err  # the error lists the profiles there are
    assert main(["themes", str(out), "--seed-themes", str(_profile(tmp_path))]) == 0
    assert "Beekeeping" in set(pd.read_csv(out / "themes.csv").label)
    assert main(["themes", str(out)]) == 0  # the profile is kept ...
    assert "Beekeeping" in set(pd.read_csv(out / "themes.csv").label)
    assert main(["themes", str(out), "--no-seed-themes"]) == 0  # ... until dropped
    assert "Beekeeping" not in set(pd.read_csv(out / "themes.csv").label)


def test_tiny_input_gives_few_themes_and_no_error(tmp_path, make_pdf):
    assert fit_themes(["Too short.", "Also short."], load_config(None), Settings())[0] == []
    one, _ = fit_themes([statement("bees", 1), statement("bees", 2)], load_config(None), Settings(), n_themes=5)
    assert 1 <= len(one) <= 2
    folder = tmp_path / "in"
    folder.mkdir()
    lines = ["1. Honey", "", "The representative of Norway said that honey production, hive inspections and bee",
             "colonies grew with the pollination services of the beekeeping cooperatives.", "",
             "The representative of Chile said that hive inspections and pollination services grew too."]
    for i in range(6):  # six near-identical meetings
        make_pdf([lines + ([f"Meeting {i}."] if i else [])], Layout(), name=f"in/m{i}.pdf")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--out", str(out), "--quiet", "--jobs", "2"]) == 0
    assert main(["themes", str(out), "--themes", "3"]) == 0
    assert 1 <= len(pd.read_csv(out / "themes.csv")) <= 3
    assert main(["themes", str(out), "--score"]) == 0


def test_title_page_lines_are_no_headings():
    for line in ("WT/COMTD/M/50 Page 3", "Servansing (Mauritius)", "JUAN ESTEBAN AGUIRRE MARTÍNEZ (PARAGUAY)",
                 "November 2002 __________",
                 "It was so agreed", "The Committee adopted the agenda.1"):
        assert not plausible(line), line
    assert plausible("3. Technical cooperation and training")


@pytest.mark.parametrize("argv", [["--since", "2021-13"], ["--country", "Narnia"], ["--theme", "no such theme"]])
def test_report_filters_are_checked(tmp_path, argv, capsys):
    docs = _meetings(1)
    out = _store(tmp_path / "out", docs, sorted(docs))
    assert main(["themes", str(out)]) == 0
    assert main(["report", str(out), *argv]) == 2
    assert capsys.readouterr().err.count("\n") == 1


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
