"""Train: the programme scorer, from the project's own annotated documents, judged on held-out ones.

The training documents are the development set (``corpus/dev/*.txt`` with their
``*.gold.json``) and the sample (``corpus/*.pdf``); the frozen test part
(``corpus/dev/frozen/``) is never read. Every name the programme patterns propose in a
document is an example, labelled by whether it is one of the document's gold programmes (the
shared scorer's matching rule). A logistic regression (scikit-learn) learns which are; its
threshold is the one that gives the best programme F1 when each institution's documents are
scored by a model trained without them (leave one institution out), and that held-out F1 is
printed before and after, so the scorer is kept only where it does better than the patterns.
"""
from __future__ import annotations

import csv
import logging
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import mean
from typing import Callable, Iterator

from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from .components.scoring import Scorer
from .data import Document, Label
from .errors import PipelineError
from .evaluate import TYPES, load_gold, programme_matches, score
from .extract import extract, from_text
from .link import link
from .recognise import load_nlp, recognise
from .settings import DEFAULT_MODEL, Settings

log = logging.getLogger(__name__)

THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 17)]  # 0.10 ... 0.80
C = 0.5  # the regression's inverse regularisation strength: small data, many sparse features


@dataclass
class Annotated:
    """One training document: its text as a Document, its gold, and the institution it comes from."""

    name: str
    institution: str
    document: Document
    gold: dict


def annotated_documents(corpus: Path, settings: Settings) -> list[Annotated]:
    """The development set and the sample, with their gold (never corpus/dev/frozen)."""
    corpus = Path(corpus)
    dev = corpus / "dev"
    institutions = _institutions(dev / "INSTITUTIONS.tsv")
    out = []
    for gold_path in sorted(dev.glob("*.gold.json")):
        name = gold_path.name[: -len(".gold.json")]
        text = dev / f"{name}.txt"
        if not text.exists():
            raise PipelineError(f"{gold_path} has no {text.name} beside it; add the text or remove the gold file")
        out.append(Annotated(name, institutions.get(name, name), from_text(text.read_text(encoding="utf-8"), name),
                             load_gold(gold_path)))
    for gold_path in sorted(corpus.glob("*.gold.json")):
        name = gold_path.name[: -len(".gold.json")]
        pdfs = sorted(corpus.glob(f"{name}*.pdf"))
        if pdfs:  # one layout is enough: the others hold the same text
            out.append(Annotated(name, institutions.get(name, name), extract(pdfs[0], settings), load_gold(gold_path)))
    if len({a.institution for a in out}) < 3:
        raise PipelineError(f"found {len(out)} annotated document(s) under {corpus}; training needs documents of at "
                            "least three institutions (corpus/dev/NAME.txt with NAME.gold.json)")
    return out


def _institutions(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {r["doc"]: r["institution"] for r in csv.DictReader(f, delimiter="\t") if r.get("doc")}


def _examples(doc: Annotated, nlp) -> Iterator[tuple[str, dict[str, float], bool, str]]:
    """(key, features, is a gold programme, shown name) for every name the patterns propose (the
    feature ``rule=...`` says which pattern)."""
    programmes = nlp.get_pipe("programmes")
    found = [m for m in recognise(doc.document, nlp).mentions if m.label == Label.PROGRAMME]
    mentions = Counter(m.evidence.key for m in found)
    for m in found:
        yield (m.evidence.key, programmes.features(m, doc.document.text, mentions),
               any(programme_matches(m.value, g) for g in doc.gold["programmes"]), m.value)


def _fit(rows: list[tuple[dict[str, float], bool]]) -> Scorer:
    vectors = DictVectorizer()
    x = vectors.fit_transform([f for f, _ in rows])
    y = [label for _, label in rows]
    if len(set(y)) < 2:
        raise PipelineError("the annotated documents give only one kind of example (all programmes or none); "
                            "add documents whose gold lists some, but not all, of the names found")
    model = LogisticRegression(C=C, solver="lbfgs", max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    return Scorer(dict(zip(vectors.get_feature_names_out(), map(float, model.coef_[0]))),
                  float(model.intercept_[0]))


def _programme_f1(predicted: list[str], gold: dict) -> float:
    return score(dict(gold, speakers=[], countries=[], figures=[]),
                 dict(speakers=[], countries=[], programmes=predicted, figures=[]))["programmes"]["f1"]


def train(corpus: Path, out: Path, progress: Callable[[str], None] = log.info) -> list[str]:
    """Fit the programme scorer on every annotated document and save it to ``out``; the report
    lines say what it learned from and how it did on held-out institutions."""
    settings = Settings()
    documents = annotated_documents(corpus, settings)
    nlp = load_nlp(settings.model)
    programmes = nlp.get_pipe("programmes")
    shipped, programmes.use_scorer = programmes.scorer, False
    try:
        examples = {}
        for i, doc in enumerate(documents, start=1):
            progress(f"reading {doc.name} ({i}/{len(documents)})")
            examples[doc.name] = list(_examples(doc, nlp))
    finally:
        programmes.use_scorer = True
    # leave one institution out: each institution's names scored by a model that never saw it
    held_out: dict[str, list[tuple[str, float, str]]] = {}
    by_institution = defaultdict(list)
    for doc in documents:
        by_institution[doc.institution].append(doc)
    for institution, docs in by_institution.items():
        names = {d.name for d in docs}
        scorer = _fit([(f, y) for n, rows in examples.items() if n not in names for _, f, y, _ in rows])
        for d in docs:
            held_out[d.name] = [(key, scorer.probability(f), shown) for key, f, _, shown in examples[d.name]]
    golds = {d.name: d.gold for d in documents}

    unmarked = {name: {key for key, f, _, _ in rows if f.get("rule=programme.unmarked-name")}
                - {key for key, f, _, _ in rows if not f.get("rule=programme.unmarked-name")}
                for name, rows in examples.items()}

    def f1_at(threshold: float | None) -> float:
        """Mean programme F1 of the held-out documents: names whose likeliest mention reaches the
        threshold; with None, every name a pattern proposes with a programme word (no scorer)."""
        scores = []
        for name, rows in held_out.items():
            best: dict[str, tuple[float, str]] = {}  # a programme: its likeliest mention, under its first name
            for key, p, shown in rows:
                best[key] = (max(p, best[key][0]), best[key][1]) if key in best else (p, shown)
            kept = [shown for key, (p, shown) in best.items()
                    if (key not in unmarked[name] if threshold is None else p >= threshold)]
            scores.append(_programme_f1(kept, golds[name]))
        return mean(scores)

    patterns_only = f1_at(None)
    threshold = max(THRESHOLDS, key=lambda t: (f1_at(t), -abs(t - 0.5)))
    with_scorer = f1_at(threshold)
    lines = [f"{len(documents)} annotated documents of {len(by_institution)} institutions, "
             f"{sum(len(r) for r in examples.values())} proposed names "
             f"({sum(y for r in examples.values() for _, _, y, _ in r)} of them gold programmes)",
             f"programme F1, leave one institution out: patterns alone {patterns_only:.3f}, "
             f"with the scorer {with_scorer:.3f} (threshold {threshold:.2f})"]
    if with_scorer <= patterns_only:
        lines.append(f"the scorer does no better than the patterns: {out} is left as it was"
                     + (" (no scorer)" if shipped is None else ""))
        return lines
    final = _fit([(f, y) for rows in examples.values() for _, f, y, _ in rows])
    final = replace(final, threshold=threshold, trained_on=tuple(d.name for d in documents),
                    measured={"loio_programme_f1_patterns": round(patterns_only, 3),
                              "loio_programme_f1_scorer": round(with_scorer, 3)})
    final.save(out)
    load_nlp.cache_clear()
    lines.append(f"saved {out} ({len(final.weights)} weights)")
    return lines


def leave_one_institution_out(corpus: Path, progress: Callable[[str], None] = log.info) -> list[str]:
    """Score the development set with, for each institution, a programme scorer trained without its
    documents: the numbers the trained part earns on documents it never saw."""
    settings = Settings()
    documents = annotated_documents(corpus, settings)
    nlp = load_nlp(settings.model)
    programmes = nlp.get_pipe("programmes")
    shipped = programmes.scorer
    programmes.use_scorer = False
    try:
        examples = {d.name: list(_examples(d, nlp)) for d in documents}
    finally:
        programmes.use_scorer = True
    results = []
    institutions = sorted({d.institution for d in documents})
    try:
        for i, institution in enumerate(institutions, start=1):
            progress(f"holding out {institution} ({i}/{len(institutions)})")
            held = [d for d in documents if d.institution == institution]
            names = {d.name for d in held}
            fold = _fit([(f, y) for n, rows in examples.items() if n not in names for _, f, y, _ in rows])
            programmes.scorer = replace(fold, threshold=shipped.threshold if shipped else 0.5)
            for d in held:
                x = link(d.document, recognise(d.document, nlp))
                names_of = {s.speaker_id: s.name for s in x.speakers}
                results.append(score(d.gold, dict(
                    speakers=[dict(name=s.name, country=s.country) for s in x.speakers],
                    countries=sorted({c.country for c in x.countries}), programmes=[p.name for p in x.programmes],
                    figures=[dict(value=f.value, unit=f.unit, text=f.text, speaker=names_of.get(f.speaker_id, ""))
                             for f in x.figures])))
    finally:
        programmes.scorer = shipped
    lines = [f"leave one institution out: {len(results)} documents of {len(institutions)} institutions, each "
             "scored with a programme scorer trained without its institution"]
    lines += [f"  {k:<11} F1 {mean(r[k]['f1'] for r in results):.3f}" for k in TYPES]
    lines.append(f"  macro F1    {mean(r['macro_f1'] for r in results):.3f}")
    matched = sum(r["figures"]["tp"] for r in results)
    if matched:
        lines.append(f"  figure attribution (pooled) {sum(r['figures']['attributed'] for r in results) / matched:.3f}")
    return lines


def default_output() -> Path:
    return DEFAULT_MODEL / "programmes" / "scorer.json"
