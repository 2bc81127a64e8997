"""What an analyst gives the pipeline (gold files, labels, review sheets, seed themes) is
checked before anything changes: a wrong one gets one line saying what, where and what to
do, and exit status 2; a sheet saved by a spreadsheet is read; a verdict is recorded once."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.tables import SCHEMA, Store

from .conftest import Layout, typeset


@pytest.fixture(scope="module")
def out(tmp_path_factory, nlp) -> Path:
    folder = tmp_path_factory.mktemp("review") / "in"
    folder.mkdir()
    typeset(folder / "budget.pdf", [[
        "The representative of Peru said that the housing plan would cost 2 million euros and",
        "reach farmers in every mountain valley before the next rainy season began.", "",
        "The representative of Chile said that 40 apprentices had joined the welding courses."]], Layout())
    out = folder.parent / "out"
    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    return out


def _snapshot(out: Path) -> dict[str, pd.DataFrame]:
    with Store(out, create=False) as store:
        return {name: store.table(name) for name in SCHEMA}


def _sheet(out: Path, path: Path) -> pd.DataFrame:
    assert main(["audit", "export", str(out), "-o", str(path)]) == 0
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _apply(sheet: Path, out: Path) -> list[str]:
    return ["audit", "apply", str(sheet), "--out", str(out), "--reviewer", "Analyst"]


def _edited(out: Path, tmp: Path, edit: Callable[[pd.DataFrame], None], **to_csv) -> Path:
    """A review sheet of ``out`` with ``edit`` made to it, saved with ``to_csv``'s options."""
    path = tmp / "review.csv"
    sheet = _sheet(out, path)
    sheet["verdict"] = "ok"
    edit(sheet)
    sheet.to_csv(path, index=False, **to_csv)
    return path


def _figure_row(sheet: pd.DataFrame) -> int:
    return sheet.index[sheet.label == "FIGURE"][0]


def _set(column: str, value: str, row: Callable[[pd.DataFrame], int] = lambda sheet: 0):
    def edit(sheet: pd.DataFrame) -> None:
        sheet.loc[row(sheet), column] = value
    return edit


def _file(tmp: Path, name: str, content: str) -> Path:
    path = tmp / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def _gold(tmp: Path, content: str) -> list[str]:
    return ["--gold", str(_file(tmp, "gold/budget.gold.json", content).parent)]


def _workbook(tmp: Path) -> Path:
    path = tmp / "review.csv"
    with zipfile.ZipFile(path, "w") as z:  # what a spreadsheet saves as .xlsx
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


def _cp1252(out: Path, tmp: Path) -> Path:
    path = _edited(out, tmp, lambda sheet: None)
    path.write_bytes(path.read_text(encoding="utf-8").replace("Peru", "Pérou").encode("cp1252"))
    return path


def _themes(out: Path, tmp: Path, seeds: str) -> list[str]:
    return ["themes", str(out), "--seed-themes", str(_file(tmp, "seeds.toml", seeds))]


WRONG_TYPES = json.dumps({"speakers": [{"surname": 5, "country": "PE"}], "countries": [], "programmes": [],
                          "figures": []})
BAD_INPUT = {
    "gold not JSON": (lambda out, tmp: ["evaluate", str(out), *_gold(tmp, "{bad")], "not valid JSON"),
    "gold empty": (lambda out, tmp: ["evaluate", str(out), *_gold(tmp, "")], "is empty"),
    "gold without keys": (lambda out, tmp: ["evaluate", str(out), *_gold(tmp, '{"speakers": []}')],
                          "'countries' must be a list"),
    "gold of wrong types": (lambda out, tmp: ["evaluate", str(out), *_gold(tmp, WRONG_TYPES)], "needs surname"),
    "labels missing": (lambda out, tmp: ["evaluate", str(out), "--labels", str(tmp / "labels.csv")], "no such file"),
    "labels malformed": (lambda out, tmp: ["evaluate", str(out), "--labels", str(_file(tmp, "l.csv", "a,b\n1,2\n"))],
                         "lacks the columns"),
    "labels binary": (lambda out, tmp: ["evaluate", str(out), "--labels", str(_workbook(tmp))], "--labels"),
    "start not a number": (lambda out, tmp: _apply(_edited(out, tmp, _set("start", "12a")), out),
                           "is not a whole number"),
    "sheet in cp1252": (lambda out, tmp: _apply(_cp1252(out, tmp), out), "not UTF-8"),
    "sheet is a workbook": (lambda out, tmp: _apply(_workbook(tmp), out), "not a CSV file"),
    "unknown document": (lambda out, tmp: _apply(_edited(out, tmp, _set("doc_id", "f00")), out), "is not in"),
    "unknown span": (lambda out, tmp: _apply(_edited(out, tmp, _set("end", "9999")), out),
                     "has no SPEAKER mention at"),
    "unknown label": (lambda out, tmp: _apply(_edited(out, tmp, _set("label", "PERSON")), out), "is none of"),
    "fix not a number": (lambda out, tmp: _apply(_edited(out, tmp, _set("verdict", "fix:about two", _figure_row)),
                                                 out), "must be a number"),
    "sheet without columns, ; separated": (lambda out, tmp: _apply(_edited(
        out, tmp, lambda sheet: sheet.pop("doc_id"), sep=";"), out),
        "separated by semicolons"),
    "apply to a folder without a run": (lambda out, tmp: _apply(_edited(out, tmp, lambda sheet: None),
                                                                tmp / "nothing"), "no database"),
    "seed terms as one string": (lambda out, tmp: _themes(out, tmp, '[[theme]]\nlabel = "Fish"\nterms = "fish"\n'),
                                 "must be a list of words"),
    "seed label not text": (lambda out, tmp: _themes(out, tmp, '[[theme]]\nlabel = 3\nterms = ["fish"]\n'),
                            "needs a label"),
    "seed min_hits not a number": (lambda out, tmp: _themes(out, tmp, 'min_hits = "two"\n'),
                                   "min_hits must be a whole number"),
    "seed file not TOML": (lambda out, tmp: _themes(out, tmp, "[[theme\n"), "not valid TOML"),
    "themes of a folder without a run": (lambda out, tmp: ["themes", str(tmp / "nothing")], "no database"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_in_one_line_and_changes_nothing(out, tmp_path, capsys, case):
    make, said = BAD_INPUT[case]
    argv = make(out, tmp_path)
    capsys.readouterr()
    before = _snapshot(out)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and said in err[0], err
    after = _snapshot(out)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)
    assert not (tmp_path / "nothing").exists()


def test_the_same_sheet_applied_twice_changes_nothing(out, tmp_path, capsys):
    sheet = _edited(out, tmp_path, _set("verdict", "fix:1,5 million", _figure_row))  # a decimal comma
    assert main(_apply(sheet, out)) == 0
    first = _snapshot(out)["corrections"]
    assert len(first) == len(pd.read_csv(sheet)) and first.reviewer.eq("Analyst").all()
    assert first[first.verdict == "fix"].value.tolist() == ["1500000.0"]
    capsys.readouterr()
    assert main(_apply(sheet, out)) == 0
    assert "recorded 0 verdicts" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_snapshot(out)["corrections"], first)
    assert main(["run", str(out.parent / "in"), "--out", str(out), "--quiet"]) == 0  # the reviewed document is redone
    figures = pd.read_csv(out / "figures.csv")
    assert figures[figures.text.str.contains("million")].value.tolist() == [1500000.0]


def test_a_sheet_saved_by_a_spreadsheet_is_read(out, tmp_path, capsys):
    """Excel's 'CSV UTF-8' starts with a byte-order mark; in a language with decimal commas it
    separates cells with ';'."""
    sheet = _edited(out, tmp_path, _set("verdict", "wrong"), sep=";", encoding="utf-8-sig")
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbfdoc_id;")
    assert main(_apply(sheet, out)) == 0
    assert "wrong 1" in capsys.readouterr().out
