"""Themes: what was said, grouped.

1. Statements become bags of lemmas and two-word phrases (the names of speakers and
   countries and the figures taken out, so themes are about content, not about who spoke).
2. Seed themes (``models/themes.toml``, edited by users): a statement that uses a seed
   theme's terms at least ``min_hits`` times goes to the seed theme it matches best.
3. The statements no seed takes are factorised with NMF over TF-IDF; the number of new
   themes is the one whose themes are most coherent (mean NPMI of their top terms over the
   statements, Lau et al. 2014), or ``--themes``. NMF is initialised with NNDSVDA and a named
   seed, so the same input gives the same themes.
4. Each theme gets a label (the seed's, or 2-5 words from its top phrase and terms),
   keywords, its statements, speakers and countries.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import tomllib
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.lang.en.stop_words import STOP_WORDS

from .errors import PipelineError
from .settings import DEFAULT_THEMES, Settings
from .tables import Store

log = logging.getLogger(__name__)

MIN_TOKENS = 6  # statements shorter than this (in content words) get no theme
WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]*[a-zà-ÿ]")


@dataclass
class SeedTheme:
    label: str
    terms: list[tuple[str, ...]]


@dataclass
class ThemeConfig:
    seeds: list[SeedTheme] = field(default_factory=list)
    min_hits: int = 2
    stopwords: set[str] = field(default_factory=set)


def load_config(path: Path | None) -> ThemeConfig:
    """Read the seed themes; no file means no seeds. A value of the wrong type is refused
    (terms given as one string would otherwise be read letter by letter)."""
    if path is None or not Path(path).exists():
        return ThemeConfig()
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise PipelineError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8") from e
    except tomllib.TOMLDecodeError as e:
        raise PipelineError(f"{path}: not valid TOML ({e}); fix the line it names") from e

    def words(value: object, what: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            raise PipelineError(f"{path}: {what} must be a list of words in quotes, like [\"honey\", \"bee\"]; "
                                f"got {value!r}")
        return value

    themes = raw.get("theme", [])
    if not isinstance(themes, list) or not all(isinstance(t, dict) for t in themes):
        raise PipelineError(f"{path}: themes are written as [[theme]] tables, each with a label and terms")
    min_hits = raw.get("min_hits", 2)
    if not isinstance(min_hits, int) or isinstance(min_hits, bool) or min_hits < 1:
        raise PipelineError(f"{path}: min_hits must be a whole number of 1 or more, got {min_hits!r}")
    lemma = lemmatiser()
    seeds = []
    for i, t in enumerate(themes, start=1):
        if not isinstance(t.get("label"), str) or not t["label"].strip() or "terms" not in t:
            raise PipelineError(f"{path}: [[theme]] number {i} needs a label (text in quotes) and a list of terms")
        terms = words(t["terms"], f"the terms of theme {t['label']!r}")
        seeds.append(SeedTheme(t["label"], [tuple(lemma(w) for w in WORD.findall(term.lower())) for term in terms]))
    stopwords = words(raw.get("stopwords", []), "stopwords")
    return ThemeConfig(seeds, min_hits, {lemma(w) for w in stopwords})


@lru_cache(maxsize=1)
def _lemma_table(path: Path) -> dict[str, str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def lemmatiser(settings: Settings | None = None):
    """A word's lemma from the lookup table in models/lexicon (as spaCy's lookup lemmatizer)."""
    table = _lemma_table((settings or Settings()).lexicon / "en_lemma_lookup.json.gz")

    def lemma(word: str) -> str:
        return table.get(word, word)

    return lemma


def tokens(text: str, lemma, stop: set[str], surface: dict[str, Counter] | None = None) -> list[str]:
    """Content lemmas and two-word phrases of adjacent content lemmas ('language_train');
    ``surface`` collects the words as written, to show 'language training' rather than its lemmas."""
    raw = WORD.findall(text.lower())
    words = [lemma(w) for w in raw]
    keep = [w if (w not in STOP_WORDS and w not in stop and len(w) > 2) else None for w in words]
    out = [w for w in keep if w]
    pairs = [(i, f"{a}_{b}") for i, (a, b) in enumerate(zip(keep, keep[1:])) if a and b]
    out += [p for _, p in pairs]
    if surface is not None:
        for w, r in zip(keep, raw):
            if w:
                surface.setdefault(w, Counter())[r] += 1
        for i, p in pairs:
            surface.setdefault(p, Counter())[f"{raw[i]}_{raw[i + 1]}"] += 1
    return out


# ---------------------------------------------------------------------- fitting
@dataclass
class Theme:
    theme_id: str
    label: str
    keywords: list[str]
    members: list[int]
    seeded: bool


def _seed_scores(docs: list[list[str]], seeds: list[SeedTheme]) -> np.ndarray:
    """Hits of every seed theme in every statement (a two-word term counts twice)."""
    scores = np.zeros((len(docs), len(seeds)))
    for i, doc in enumerate(docs):
        counts = Counter(doc)
        for j, seed in enumerate(seeds):
            scores[i, j] = sum(counts.get("_".join(t), 0) * len(t) for t in seed.terms)
    return scores


def _coherence(top: list[list[int]], binary: sparse.csr_matrix) -> float:
    """Mean NPMI of the top-term pairs of each theme over the statements (document co-occurrence);
    co-occurrences are counted for those terms only, so memory stays small whatever the vocabulary."""
    n = binary.shape[0]
    terms = sorted({t for topic in top for t in topic})
    column = {t: i for i, t in enumerate(terms)}
    sub = binary[:, terms]
    df = np.asarray(sub.sum(axis=0)).ravel()
    co = (sub.T @ sub).toarray()
    values = []
    for topic in top:
        for a in range(len(topic)):
            for b in range(a + 1, len(topic)):
                i, j = column[topic[a]], column[topic[b]]
                joint = co[i, j] / n
                if joint <= 0:
                    values.append(-1.0)
                elif joint >= 1:
                    values.append(1.0)
                else:
                    values.append(np.log(joint / (df[i] / n * df[j] / n)) / -np.log(joint))
    return float(np.mean(values)) if values else -1.0


def _nmf(x: sparse.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400, tol=1e-4)
    with warnings.catch_warnings():  # a few hundred iterations settle the themes; exact convergence adds nothing
        warnings.simplefilter("ignore", ConvergenceWarning)
        # an exact fit (tiny input) gives a residual of -0.0 whose square root numpy flags
        warnings.filterwarnings("ignore", "invalid value encountered in sqrt", RuntimeWarning)
        w = model.fit_transform(x)
    return w, model.components_


def _choose_k(x: sparse.csr_matrix, k_min: int, k_max: int, seed: int) -> int:
    """The number of themes whose top terms are most coherent (on at most 3000 statements)."""
    rows = x.shape[0]
    if rows > 3000:
        pick = np.random.default_rng(seed).choice(rows, 3000, replace=False)
        x = x[np.sort(pick)]
    binary = (x > 0).astype(np.float64).tocsr()
    best, best_k = -np.inf, k_min
    for k in range(k_min, k_max + 1):
        _, h = _nmf(x, k, seed)
        top = [list(np.argsort(-row)[:8]) for row in h]
        score = _coherence(top, binary)
        log.info("themes: k=%d coherence %.3f", k, score)
        if score > best + 1e-9:
            best, best_k = score, k
    return best_k


def _label(terms: list[str]) -> str:
    """2-5 words from the top terms: the best two-word phrase, then the best other word."""
    phrases = [t for t in terms if "_" in t]
    words = [t for t in terms if "_" not in t]
    parts: list[str] = []
    if phrases:
        parts.append(phrases[0].replace("_", " "))
    for w in words:
        if not any(w in p.split() for p in parts):
            parts.append(w)
        if sum(len(p.split()) for p in parts) >= 3 or len(parts) == 2:
            break
    if not parts:
        return "Other statements"
    label = ", ".join(parts)
    return label[:1].upper() + label[1:]


def fit_themes(texts: list[str], config: ThemeConfig, settings: Settings,
               n_themes: int = 0) -> tuple[list[Theme], np.ndarray]:
    """Themes of the statements and the statement-by-theme weights (rows sum to 1 or 0)."""
    lemma = lemmatiser(settings)
    surface: dict[str, Counter] = {}
    docs = [tokens(t, lemma, config.stopwords, surface) for t in texts]

    def shown(term: str) -> str:
        return surface[term].most_common(1)[0][0] if term in surface else term
    usable = [i for i, d in enumerate(docs) if sum("_" not in w for w in d) >= MIN_TOKENS]
    themes: list[Theme] = []
    weights_parts: list[np.ndarray] = []
    n = len(texts)
    # a few statements cannot rule out words found in half of them: only a corpus can
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, min_df=2 if len(usable) > 40 else 1,
                                 max_df=0.5 if len(usable) >= 10 else 1.0, sublinear_tf=True, max_features=6000)
    if not usable:
        return [], np.zeros((n, 0))
    try:
        x_all = vectorizer.fit_transform([docs[i] for i in usable])
    except ValueError:  # no word is left to group by (the statements share every word)
        log.info("themes: no distinctive words in %d statements; no themes", len(usable))
        return [], np.zeros((n, 0))
    vocab = np.array(vectorizer.get_feature_names_out())

    # 1. seed themes
    seeded_rows: dict[int, int] = {}
    seed_scores = _seed_scores([docs[i] for i in usable], config.seeds) if config.seeds else np.zeros((len(usable), 0))
    for r in range(len(usable)):
        if seed_scores.shape[1] and seed_scores[r].max() >= config.min_hits:
            seeded_rows[r] = int(seed_scores[r].argmax())
    w_seed = np.zeros((n, len(config.seeds)))
    for j, seed in enumerate(config.seeds):
        members = [r for r, s in seeded_rows.items() if s == j]
        if not members:
            continue
        centroid = np.asarray(x_all[members].mean(axis=0)).ravel()
        seed_terms = {"_".join(t) for t in seed.terms}
        ranked = [vocab[i] for i in np.argsort(-centroid)[:40] if centroid[i] > 0]
        keywords = [t for t in ranked if t in seed_terms][:4] + [t for t in ranked if t not in seed_terms]
        themes.append(Theme("", seed.label, [shown(k) for k in keywords[:10]], [usable[r] for r in members], True))
        for r in members:
            row = seed_scores[r] / seed_scores[r].sum()
            w_seed[usable[r]] = np.where(row >= 0.2, row, 0)
        weights_parts.append(w_seed[:, [j]])

    # 2. new themes from what no seed took
    rest = [r for r in range(len(usable)) if r not in seeded_rows]
    free = max(0, min(settings.themes_max - len(themes), len(vocab)))  # NMF finds at most one theme per word
    if rest and free:
        x = x_all[rest]
        k_min = max(1, min(settings.themes_min - len(themes), len(rest) // 3, free))
        k_max = max(k_min, min(free, len(rest) // 5 or 1))
        k = min(n_themes - len(themes), free) if n_themes else _choose_k(x, k_min, k_max, settings.seed)
        k = max(1, min(k, len(rest)))
        w, h = _nmf(x, k, settings.seed)
        assignment = w.argmax(axis=1)
        for t in range(k):
            members = [rest[r] for r in range(len(rest)) if assignment[r] == t and w[r, t] > 0]
            if not members:
                continue
            top = [shown(vocab[i]) for i in np.argsort(-h[t])[:12]]
            themes.append(Theme("", _label(top), top[:10], [usable[m] for m in members], False))
            col = np.zeros((n, 1))
            for r in range(len(rest)):
                total = w[r].sum()
                if total > 0 and w[r, t] / total >= 0.1:
                    col[usable[rest[r]], 0] = w[r, t] / total
            weights_parts.append(col)
    themes = [t for t in themes if t.members]
    order = sorted(range(len(themes)), key=lambda i: -len(themes[i].members))
    themes = [themes[i] for i in order]
    weights = np.hstack([weights_parts[i] for i in order]) if weights_parts else np.zeros((n, 0))
    for i, t in enumerate(themes, start=1):
        t.theme_id = f"t{i}"
    return themes, weights


# ---------------------------------------------------------------------- tables
def _grouping(store: Store, settings: Settings, n_themes: int, config_path: Path | None) -> str:
    """What a grouping is computed from: the stored documents' generation, the options and
    the seed file's content."""
    seeds = Path(config_path).read_bytes() if config_path is not None and Path(config_path).exists() else b""
    options = repr((n_themes, settings.seed, settings.themes_min, settings.themes_max)).encode()
    return f"{store.generation()}:{hashlib.sha256(options + seeds).hexdigest()[:16]}"


def themes_current(store: Store, settings: Settings, n_themes: int = 0, config_path: Path | None = DEFAULT_THEMES
                   ) -> bool:
    """Whether the stored themes were grouped from the stored statements with these options
    (not so after a run stopped before its grouping was written)."""
    return store.meta("themes") == _grouping(store, settings, n_themes, config_path)


def update_themes(outdir: Path, settings: Settings, n_themes: int = 0, config_path: Path | None = DEFAULT_THEMES
                  ) -> str:
    """Recompute the themes of every statement in the store, rewrite the theme tables, and
    export every table."""
    config = load_config(config_path)
    with Store(outdir) as store:
        grouping = _grouping(store, settings, n_themes, config_path)
        statements = store.table("statements")
        if statements.empty:
            with store.transaction() as db:
                db.execute("DELETE FROM themes")
                db.execute("DELETE FROM statement_themes")
                store.set_meta("themes", grouping)
            store.export()
            return "no statements to group"
        mentions = store.table("mentions", "WHERE label IN ('SPEAKER', 'COUNTRY', 'FIGURE', 'PROGRAMME')")
        speakers = store.table("speakers")
        texts = _content_texts(statements, mentions[mentions.label != "PROGRAMME"], speakers)
        by_statement: dict[tuple[str, str], list] = {}
        for m in mentions.itertuples():
            by_statement.setdefault((m.doc_id, m.statement_id), []).append((m.label, m.value))
        themes, weights = fit_themes(texts, config, settings, n_themes)
        names = {(r.doc_id, r.speaker_id): (r.name, r.country) for r in speakers.itertuples()}
        theme_of = [""] * len(statements)
        rows, links = [], []
        for j, t in enumerate(themes):
            for i in t.members:
                theme_of[i] = t.theme_id
            who = Counter(names.get((statements.doc_id[i], statements.speaker_id[i]), ("", ""))[0] for i in t.members)
            where = Counter(names.get((statements.doc_id[i], statements.speaker_id[i]), ("", ""))[1]
                            for i in t.members)
            said = [x for i in t.members for x in by_statement.get((statements.doc_id[i], statements.statement_id[i]), [])]
            programmes = Counter(v for label, v in said if label == "PROGRAMME")
            best = sorted(t.members, key=lambda i: -weights[i, j])[:3]
            rows.append(dict(theme_id=t.theme_id, label=t.label, keywords=", ".join(k.replace("_", " ")
                                                                                 for k in t.keywords),
                             statements=len(t.members), share=round(len(t.members) / len(statements), 4),
                             speakers="; ".join(n for n, _ in who.most_common(8) if n),
                             countries=", ".join(c for c, _ in where.most_common(12) if c),
                             programmes="; ".join(p for p, _ in programmes.most_common(8)),
                             figures=sum(label == "FIGURE" for label, _ in said),
                             representative=" ".join(f"{statements.doc_id[i][:12]}:{statements.statement_id[i]}"
                                                     for i in best),
                             seeded=int(t.seeded)))
        for i in range(len(statements)):
            for j, t in enumerate(themes):
                if weights.shape[1] and weights[i, j] > 0:
                    links.append(dict(doc_id=statements.doc_id[i], statement_id=statements.statement_id[i],
                                      theme_id=t.theme_id, weight=round(float(weights[i, j]), 4)))
        with store.transaction() as db:
            db.execute("DELETE FROM themes")
            db.execute("DELETE FROM statement_themes")
            db.executemany("UPDATE statements SET theme_id = ? WHERE doc_id = ? AND statement_id = ?",
                           [(theme_of[i], statements.doc_id[i], statements.statement_id[i])
                            for i in range(len(statements))])
            store.insert("themes", rows)
            store.insert("statement_themes", links)
            store.set_meta("themes", grouping)
        store.export()
    grouped = sum(1 for t in theme_of if t)
    return f"{len(themes)} themes over {grouped} of {len(statements)} statements"


def _content_texts(statements: pd.DataFrame, mentions: pd.DataFrame, speakers: pd.DataFrame) -> list[str]:
    """Statement texts without who spoke (names, roles, ministries, countries) and figures."""
    cut: dict[tuple[str, str], list[str]] = {}
    for m in mentions.itertuples():
        cut.setdefault((m.doc_id, m.statement_id), []).append(m.text)
    roles: dict[str, list[str]] = {}
    for sp in speakers.itertuples():
        roles.setdefault(sp.doc_id, []).extend(x for x in (sp.role, sp.organisation) if isinstance(x, str) and x)
    for s in statements.itertuples():
        cut.setdefault((s.doc_id, s.statement_id), []).extend(roles.get(s.doc_id, []))
    out = []
    for s in statements.itertuples():
        text = s.text
        for piece in sorted(cut.get((s.doc_id, s.statement_id), []), key=len, reverse=True):
            text = text.replace(piece, " ")
        out.append(text)
    return out
