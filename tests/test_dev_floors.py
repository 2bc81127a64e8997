"""The development set, scored from its text on every commit: per-type floors a change must keep.

The summaries of corpus/dev/ (invented, in other institutions' house styles, with hand-made
gold) go through recognition and linking straight from their text (no PDF needed, so this runs
from a fresh clone), and are scored with the shared scorer's rules. The floors sit just under
what the pipeline scores now: a change that loses ground on any type fails here. The frozen
part (corpus/dev/frozen/) is scored the same way by `python -m pipeline evaluate`, never
tuned against.
"""
from __future__ import annotations

import json
from statistics import mean

import pytest

from pipeline.evaluate import TYPES, score
from pipeline.extract import from_text
from pipeline.link import link
from pipeline.recognise import recognise
from pipeline.settings import PACKAGE_ROOT

DEV = PACKAGE_ROOT / "corpus" / "dev"
FLOORS = {"speakers": 0.96, "countries": 0.975, "programmes": 0.85, "figures": 0.945, "macro_f1": 0.93,
          "attribution": 0.89}


def predictions(x) -> dict:
    names = {s.speaker_id: s.name for s in x.speakers}
    return dict(speakers=[dict(name=s.name, country=s.country) for s in x.speakers],
                countries=sorted({c.country for c in x.countries}),
                programmes=[p.name for p in x.programmes],
                figures=[dict(value=f.value, unit=f.unit, text=f.text, speaker=names.get(f.speaker_id, ""))
                         for f in x.figures])


@pytest.fixture(scope="module")
def scores(nlp) -> list[dict]:
    out = []
    for gold_path in sorted(DEV.glob("*.gold.json")):
        doc = from_text((DEV / gold_path.name.replace(".gold.json", ".txt")).read_text(encoding="utf-8"))
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        out.append(score(gold, predictions(link(doc, recognise(doc, nlp)))))
    return out


def test_the_development_set_keeps_its_floors(scores):
    assert len(scores) >= 33
    got = {k: round(mean(s[k]["f1"] for s in scores), 3) for k in TYPES}
    got["macro_f1"] = round(mean(s["macro_f1"] for s in scores), 3)
    matched = sum(s["figures"]["tp"] for s in scores)
    got["attribution"] = round(sum(s["figures"]["attributed"] for s in scores) / matched, 3)
    assert {k: v for k, v in got.items() if v < FLOORS[k]} == {}, f"scores now: {got}"
