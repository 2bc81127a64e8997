"""Themes: what was said, grouped, and named the way the meeting names it.

1. Statements are read into content words and their pairs (``phrases.py``: nouns and
   adjectives; names of speakers and countries and the figures taken out), and identical
   statements (the same meeting in two layouts) are grouped once.
2. Seed themes, only when a profile is chosen (``models/themes/NAME.toml``): a statement goes
   to a seed theme when the theme's terms make up a real share of its words, and a seed theme
   is kept only when it holds a real share of the statements.
3. The meeting's own structure: statements under the same agenda item or heading are one
   group, and groups of different meetings are merged when their headings and words match
   (same heading words, or similar headings and statements). Items that only run the meeting
   ("Adoption of the agenda", ``models/themes/procedural.txt``), items too small to be a theme
   of the corpus, and items too broad to be one (more than ``max_share`` of the statements)
   are left to step 4.
4. The rest is factorised with NMF over TF-IDF; the number of themes is the largest whose top
   words are about as coherent as the most coherent number's (mean NPMI over the statements,
   Lau et al. 2014; within ``coherence_tolerance``). The count is then
   brought to ``--themes N`` (or into 4-15) by merging the most similar themes or splitting the
   largest, and a theme above ``max_share`` is split.
5. Labels: a seed theme's own; an agenda item's heading (or its best noun phrase when long);
   otherwise the noun phrase most distinctive of the theme's statements (class-based TF-IDF).
   Ids are a hash of the label, and inputs are sorted by content, so the same documents give
   the same themes in whatever order they arrived.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
import tomllib
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from .dataset import DatasetStore, open_store
from .errors import PipelineError
from .phrases import BREAK, Analyser, Reading, analyser, read_words, sentence_case
from .settings import THEME_PROFILES as PROFILES
from .settings import Settings, profiles
from .tables import Store

log = logging.getLogger(__name__)

MIN_WORDS = 6  # statements with fewer content words get no theme
KEYWORDS = 10
WORDS = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
MIN_SPLIT = 10  # a theme is split for size only when it holds this many statements
NAMED_BOOST = 2.0  # phrases of the headings and of the meetings' own summaries, for labels
NAMED_KEYWORDS = 5  # at most this many of a theme's keywords are phrases the meetings name it by
LONG_HEADING = 7  # words: a longer heading is named by its best noun phrase


# ---------------------------------------------------------------------- configuration
@dataclass
class SeedTheme:
    label: str
    terms: list[tuple[str, ...]]
    written: list[str] = field(default_factory=list)  # the terms as the profile writes them


@dataclass
class ThemeConfig:
    seeds: list[SeedTheme] = field(default_factory=list)
    min_hits: int = 2
    min_share: float = 0.04  # of a statement's content words
    min_theme_share: float = 0.02  # of the statements
    profile: str = ""


def profile_path(name: str) -> Path:
    """A seed profile by name ('migration' -> models/themes/migration.toml) or by file."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists() or "/" in name:
        if not path.is_file():
            raise PipelineError(f"no seed-theme file at {name}; give an existing TOML file or a profile name "
                                f"({', '.join(profiles()) or 'none shipped'})")
        return path
    path = PROFILES / f"{name}.toml"
    if not path.exists():
        raise PipelineError(f"no seed profile named {name!r}; the profiles are: {', '.join(profiles()) or 'none'} "
                            f"(files in {PROFILES}), or give a TOML file")
    return path


def load_config(path: Path | None, reader: Analyser | None = None) -> ThemeConfig:
    """Read a seed profile; no file means no seeds. A value of the wrong type is refused (terms
    given as one string would otherwise be read letter by letter)."""
    if path is None:
        return ThemeConfig()
    reader = reader or analyser(Settings().lexicon, PROFILES)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise PipelineError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8") from e
    except tomllib.TOMLDecodeError as e:
        raise PipelineError(f"{path}: not valid TOML ({e}); fix the line it names") from e
    themes = raw.get("theme", [])
    if not isinstance(themes, list) or not all(isinstance(t, dict) for t in themes):
        raise PipelineError(f"{path}: themes are written as [[theme]] tables, each with a label and terms")
    min_hits = raw.get("min_hits", 2)
    if not isinstance(min_hits, int) or isinstance(min_hits, bool) or min_hits < 1:
        raise PipelineError(f"{path}: min_hits must be a whole number of 1 or more, got {min_hits!r}")
    shares = {key: raw.get(key, default) for key, default in (("min_share", 0.04), ("min_theme_share", 0.02))}
    for key, value in shares.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
            raise PipelineError(f"{path}: {key} must be a share between 0 and 1, got {value!r}")
    seeds = []
    for i, t in enumerate(themes, start=1):
        if not isinstance(t.get("label"), str) or not t["label"].strip() or "terms" not in t:
            raise PipelineError(f"{path}: [[theme]] number {i} needs a label (text in quotes) and a list of terms")
        terms = t["terms"]
        if not isinstance(terms, list) or not all(isinstance(w, str) and w.strip() for w in terms):
            raise PipelineError(f"{path}: the terms of theme {t['label']!r} must be a list of words in quotes, like "
                                f"[\"honey\", \"bee\"]; got {terms!r}")
        seeds.append(SeedTheme(t["label"], [tuple(reader.seed_norm(w) for w in term.lower().split())
                                            for term in terms], list(terms)))
    return ThemeConfig(seeds, min_hits, float(shares["min_share"]), float(shares["min_theme_share"]), Path(path).stem)


# ---------------------------------------------------------------------- fitting
@dataclass
class Theme:
    theme_id: str
    label: str
    keywords: list[str]
    members: list[int]  # statement indices
    seeded: bool
    origin: str  # "seeded", "agenda" (a heading of the meetings) or "found" (in the words)


@dataclass
class _Group:
    units: list[int]
    origin: str
    label: str = ""  # a seed theme's
    headings: Counter = field(default_factory=Counter)
    seed: SeedTheme | None = None


def _nmf(x: sparse.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400, tol=1e-4)
    with warnings.catch_warnings():  # a few hundred iterations settle the themes; exact convergence adds nothing
        warnings.simplefilter("ignore", ConvergenceWarning)
        # an exact fit (tiny input) gives a residual of -0.0 whose square root numpy flags
        warnings.filterwarnings("ignore", "invalid value encountered in sqrt", RuntimeWarning)
        w = model.fit_transform(x)
    return w, model.components_


def npmi(top: list[list[int]], binary: sparse.csr_matrix) -> list[float]:
    """Mean NPMI of the top-term pairs of each theme over the statements (document co-occurrence);
    co-occurrences are counted for those terms only, so memory stays small whatever the vocabulary."""
    n = binary.shape[0]
    terms = sorted({t for topic in top for t in topic})
    if not terms or not n:
        return [-1.0] * len(top)
    column = {t: i for i, t in enumerate(terms)}
    sub = binary[:, terms]
    df = np.asarray(sub.sum(axis=0)).ravel()
    co = (sub.T @ sub).toarray()
    scores = []
    for topic in top:
        values = []
        for a in range(len(topic)):
            for b in range(a + 1, len(topic)):
                i, j = column[topic[a]], column[topic[b]]
                joint = co[i, j] / n
                if joint <= 0:
                    values.append(-1.0)
                elif joint >= 1:
                    values.append(1.0)
                else:
                    values.append(float(np.log(joint / (df[i] / n * df[j] / n)) / -np.log(joint)))
        scores.append(float(np.mean(values)) if values else 0.0)
    return scores


def _choose_k(x: sparse.csr_matrix, k_min: int, k_max: int, seed: int, tolerance: float) -> int:
    """The most themes whose top terms are about as coherent as the most coherent number's (within
    ``tolerance`` of its mean NPMI): coherence alone barely changes over a wide range of counts
    and would pick the coarsest; on at most 3000 statements."""
    rows = x.shape[0]
    if rows > 3000:
        x = x[np.sort(np.random.default_rng(seed).choice(rows, 3000, replace=False))]
    binary = (x > 0).astype(np.float64).tocsr()
    scores = {}
    for k in range(k_min, k_max + 1):
        _, h = _nmf(x, k, seed)
        scores[k] = float(np.mean(npmi([list(np.argsort(-row)[:8]) for row in h], binary)))
        log.info("themes: k=%d coherence %.3f", k, scores[k])
    best = max(scores.values())
    return max(k for k, score in scores.items() if score >= best - tolerance * abs(best))


class _Fit:
    """The state of one fit: the distinct statements ('units'), their vectors and the groups."""

    def __init__(self, readings: list[Reading], sections: list[str], documents: list[str], config: ThemeConfig,
                 settings: Settings, reader: Analyser) -> None:
        self.config, self.settings, self.reader = config, settings, reader
        self.procedural = read_words(PROFILES / "procedural.txt")
        unit_of: dict[tuple[str, ...], int] = {}
        self.items = list(zip(documents, sections))  # each statement's agenda item: (meeting, heading)
        self.statement_unit: list[int] = []
        self.unit_statements: list[list[int]] = []
        self.readings: list[Reading] = []
        self.sections: list[str] = []
        self.documents: list[set[str]] = []
        for i, r in enumerate(readings):
            if r.words < MIN_WORDS:
                self.statement_unit.append(-1)
                continue
            key = tuple(r.features)
            if key not in unit_of:
                unit_of[key] = len(self.readings)
                self.readings.append(r)
                self.sections.append(sections[i])
                self.unit_statements.append([])
                self.documents.append(set())
            u = unit_of[key]
            self.statement_unit.append(u)
            self.unit_statements[u].append(i)
            self.documents[u].add(documents[i])
        n = len(self.readings)
        self.n = n
        if not n:
            return
        many = n > 40
        self.vectorizer = TfidfVectorizer(analyzer=lambda f: f, min_df=2 if many else 1, max_df=0.5 if many else 1.0,
                                          sublinear_tf=True, max_features=8000)
        try:
            self.x = self.vectorizer.fit_transform([r.features for r in self.readings]).tocsr()
        except ValueError:  # no word is left to group by (the statements share every word)
            log.info("themes: no distinctive words in %d statements; no themes", n)
            self.n = 0
            return
        self.vocab = np.array(self.vectorizer.get_feature_names_out())
        phrases = CountVectorizer(analyzer=lambda p: p, binary=True, min_df=2 if many else 1)
        try:
            self.p = phrases.fit_transform([r.phrases for r in self.readings]).tocsr()
            self.phrase_vocab = np.array(phrases.get_feature_names_out())
        except ValueError:  # no noun phrase said twice: themes are named by their words
            self.p, self.phrase_vocab = sparse.csr_matrix((n, 0)), np.array([], dtype=object)
        self.phrase_df = np.asarray(self.p.sum(axis=0)).ravel()
        self.feature_df = np.asarray((self.x > 0).sum(axis=0)).ravel()
        self.named = np.isin(self.phrase_vocab, list({p for r in self._named(readings, sections) for p in r.phrases}))
        self.phrase_boost = np.where(self.named, NAMED_BOOST, 1.0)

    def _named(self, readings: list[Reading], sections: list[str]) -> list[Reading]:
        """How the meetings name their subjects: their headings, and what their summaries say."""
        summary = read_words(PROFILES / "summary.txt")
        out = [self.reader.read(h) for h in sorted(set(sections)) if h]
        return out + [r for r, h in zip(readings, sections) if h and set(self.reader.heading_key(h)) & summary]

    # -------------------------------------------------------------- steps
    def seeds(self) -> list[_Group]:
        """Seed themes whose terms carry a real share of what was said."""
        if not self.config.seeds:
            return []
        hits = np.zeros((self.n, len(self.config.seeds)))
        for u, r in enumerate(self.readings):
            norms = r.norms
            for j, seed in enumerate(self.config.seeds):
                for term in seed.terms:
                    size = len(term)
                    hits[u, j] += size * sum(tuple(norms[i:i + size]) == term for i in range(len(norms) - size + 1))
        groups = []
        taken = np.full(self.n, -1)
        for u, r in enumerate(self.readings):
            best = int(hits[u].argmax())
            if hits[u, best] >= self.config.min_hits and hits[u, best] >= self.config.min_share * r.words:
                taken[u] = best
        floor = max(3, math.ceil(self.config.min_theme_share * self.n))
        for j, seed in enumerate(self.config.seeds):
            units = [int(u) for u in np.flatnonzero(taken == j)]
            if self._statements(units) >= floor:
                groups.append(_Group(units, "seeded", seed.label, seed=seed))
            else:
                log.info("seed theme %r: %d statements, too few to be a theme here", seed.label, len(units))
        return groups

    def agenda(self, free: list[int]) -> tuple[list[_Group], list[int]]:
        """Agenda items merged across meetings; returns them and the statements left over."""
        under = Counter(self.items)  # statements under each heading of each meeting, short ones too
        meeting = Counter(doc for doc, _ in self.items)
        broad = {item for item, n in under.items() if n > self.settings.max_share * meeting[item[0]]}
        by_key: dict[tuple[str, ...], list[int]] = {}
        for u in free:
            key = self.reader.heading_key(self.sections[u])
            if key and not set(key) <= self.procedural and (self.items[self.unit_statements[u][0]]) not in broad:
                by_key.setdefault(key, []).append(u)
        keys = sorted(by_key)
        if not keys:
            return [], free
        # merge items of different meetings whose headings and statements are alike
        heads = TfidfVectorizer(analyzer=lambda k: k).fit_transform(keys)
        centroids = normalize(np.vstack([np.asarray(self.x[by_key[k]].mean(axis=0)).reshape(1, -1) for k in keys]))
        sim = 0.5 * (heads @ heads.T).toarray() + 0.5 * centroids @ centroids.T
        docs = [set().union(*(self.documents[u] for u in by_key[k])) for k in keys]
        cluster = {i: [i] for i in range(len(keys))}  # average linkage: no chains of loosely alike items
        home = list(range(len(keys)))
        pairs = sorted(((-sim[i, j], i, j) for i in range(len(keys)) for j in range(i + 1, len(keys))
                        if sim[i, j] >= self.settings.agenda_similarity))
        for _, i, j in pairs:
            a, b = home[i], home[j]
            if a == b or docs[a] & docs[b]:  # two items of one meeting are two items
                continue
            if sim[np.ix_(cluster[a], cluster[b])].mean() >= self.settings.agenda_similarity:
                for m in cluster[b]:
                    home[m] = a
                cluster[a] += cluster.pop(b)
                docs[a] |= docs[b]
        merged = {a: [keys[i] for i in members] for a, members in cluster.items()}
        statements = len(self.items)
        low = max(3, math.ceil(0.01 * statements))
        high = self.settings.max_share * statements
        groups, taken = [], set()
        for members in merged.values():
            units = sorted(u for k in members for u in by_key[k])
            size = sum(under[item] for item in {self.items[i] for u in units for i in self.unit_statements[u]})
            if low <= size <= high:
                groups.append(_Group(units, "agenda", headings=Counter(self.sections[u] for u in units)))
                taken.update(units)
        return groups, [u for u in free if u not in taken]

    def short_members(self, groups: list[_Group]) -> list[list[int]]:
        """Statements too short to be read for a theme ('It was so agreed.') join the theme that holds
        most of what was said under the same agenda item of the same meeting."""
        holder: dict[tuple[str, str], Counter] = {}
        for j, g in enumerate(groups):
            for u in g.units:
                for i in self.unit_statements[u]:
                    holder.setdefault(self.items[i], Counter())[j] += 1
        out: list[list[int]] = [[] for _ in groups]
        for i, (unit, item) in enumerate(zip(self.statement_unit, self.items)):
            key = self.reader.heading_key(item[1])
            if unit < 0 and key and not set(key) <= self.procedural and item in holder:
                out[min(holder[item], key=lambda j: (-holder[item][j], j))].append(i)
        return out

    def found(self, pool: list[int], k: int) -> list[_Group]:
        """Themes in the words of the statements no seed or agenda item took."""
        if not pool or k < 1:
            return []
        if len(pool) < 3 or k == 1:
            return [_Group(list(pool), "found")]
        w, _ = _nmf(self.x[pool], min(k, len(pool), self.x.shape[1]), self.settings.seed)  # one theme per word at most
        best = w.argmax(axis=1)
        groups = [_Group([pool[i] for i in np.flatnonzero(best == t)], "found") for t in range(w.shape[1])]
        return [g for g in groups if g.units]

    def choose_k(self, pool: list[int], lo: int, hi: int) -> int:
        """The number of themes for the statements of the pool: at least five statements each."""
        hi = min(hi, max(1, self._statements(pool) // 5), len(pool), self.x.shape[1])
        lo = min(lo, hi)
        if hi <= lo or len(pool) < 10:
            log.info("themes: k=%d for %d statements", hi, self._statements(pool))
            return max(1, hi)
        return _choose_k(self.x[pool], max(1, lo), hi, self.settings.seed, self.settings.coherence_tolerance)

    # -------------------------------------------------------------- counts
    def centroid(self, g: _Group) -> np.ndarray:
        c = np.asarray(self.x[g.units].mean(axis=0)).ravel()
        norm = np.linalg.norm(c)
        return c / norm if norm else c

    def merge_closest(self, groups: list[_Group], at_least: float = -1.0) -> bool:
        """Merge the two most similar themes (seed themes last), if they are at least this alike."""
        for allow_seeded in (False, True):
            idx = [i for i, g in enumerate(groups) if allow_seeded or g.origin != "seeded"]
            if len(idx) < 2:
                continue
            c = np.vstack([self.centroid(groups[i]) for i in idx])
            sim = c @ c.T
            np.fill_diagonal(sim, -np.inf)
            a, b = np.unravel_index(int(np.argmax(sim)), sim.shape)
            if sim[a, b] < at_least:
                return False
            big, small = sorted((groups[idx[a]], groups[idx[b]]), key=lambda g: -self._statements(g.units))
            big.units = sorted(big.units + small.units)
            big.headings += small.headings
            if big.origin == "seeded" and small.origin == "seeded":
                big.label = f"{big.label} / {small.label}"
            groups.remove(small)
            return True
        return False

    def split(self, g: _Group) -> list[_Group]:
        """Two themes from one (NMF with two components; halves by the first one if NMF puts all in one)."""
        if self.x.shape[1] < 2 or len(g.units) < 2:
            return [g]
        w, _ = _nmf(self.x[g.units], 2, self.settings.seed)
        side = w.argmax(axis=1)
        if side.min() == side.max():
            order = np.argsort(w[:, 0] - w[:, 1], kind="stable")
            side = np.zeros(len(g.units), dtype=int)
            side[order[len(order) // 2:]] = 1
        parts = [[u for u, s in zip(g.units, side) if s == t] for t in (0, 1)]
        return [_Group(p, "found") for p in parts if p]

    def split_largest(self, groups: list[_Group], at_least: int = 2) -> bool:
        candidates = [g for g in groups if g.origin != "seeded" and len(g.units) >= at_least] or \
            [g for g in groups if len(g.units) >= at_least]
        if not candidates:
            return False
        g = max(candidates, key=lambda g: (self._statements(g.units), -min(g.units)))
        parts = self.split(g)
        if len(parts) < 2:
            return False
        groups.remove(g)
        groups.extend(parts)
        return True

    def _statements(self, units: list[int]) -> int:
        return sum(len(self.unit_statements[u]) for u in units)

    # -------------------------------------------------------------- names
    def labels(self, groups: list[_Group]) -> list[str]:
        used: set[str] = set()
        out = []
        for g in groups:
            label = g.label if g.origin == "seeded" else ""
            if not label and g.origin == "agenda":
                label = self._heading_label(g, used)
            if not label:
                label = self._phrase_label(g, used)
            if not label or label.lower() in used:
                label = f"{label or 'Other statements'} ({len(out) + 1})"
            used.add(label.lower())
            out.append(label)
        return out

    def _in_theme(self, g: _Group, matrix: sparse.csr_matrix) -> np.ndarray:
        """Statements of the theme containing each column (duplicates counted)."""
        weights = np.array([len(self.unit_statements[u]) for u in g.units], dtype=float)
        return np.asarray(matrix[g.units].T @ weights).ravel() if len(g.units) else np.zeros(matrix.shape[1])

    def _phrase_scores(self, g: _Group) -> np.ndarray:
        """Class-based TF-IDF of each phrase: the share of the theme's statements using it, times how
        rare it is in the corpus, favouring phrases of two or three words."""
        size = self._statements(g.units)
        inside = self._in_theme(g, self.p)
        idf = np.log(1 + self.n / np.maximum(self.phrase_df, 1))
        length = np.array([min(len(p.split()), 3) for p in self.phrase_vocab])
        score = inside / max(size, 1) * idf * (1 + 0.35 * (length - 1)) * self.phrase_boost
        score[inside < min(2, size)] = 0
        return score

    def _phrase_label(self, g: _Group, used: set[str]) -> str:
        """The theme's most distinctive noun phrase; a phrase of two words or more unless one word is
        twice as distinctive."""
        if not len(self.phrase_vocab):
            return ""
        scores = self._phrase_scores(g)
        ranked = [i for i in np.argsort(-scores, kind="stable")[:60] if scores[i] > 0]
        labels = [(scores[i], sentence_case(self.reader.shown(self.phrase_vocab[i]))) for i in ranked
                  if not self._procedural(self.phrase_vocab[i])]
        labels = [(s, lab) for s, lab in labels if lab.lower() not in used]
        if not labels:
            return ""
        longer = [(s, lab) for s, lab in labels if len(lab.split()) > 1]
        if longer and longer[0][0] * 2 >= labels[0][0]:
            return longer[0][1]
        return labels[0][1]

    def _heading_label(self, g: _Group, used: set[str]) -> str:
        """The agenda item's heading (up to a colon); when it is long, its first noun phrase of two
        words or more that its statements use (a heading names its subject first)."""
        heading = min(g.headings, key=lambda h: (-g.headings[h], len(h), h))
        lead = heading.split(":")[0].strip()  # 'Landlocked developing countries: the Almaty Programme of Action'
        if len(lead.split()) <= LONG_HEADING and not set(self.reader.heading_key(lead)) <= self.procedural:
            label = sentence_case(lead)
            return label if label.lower() not in used else ""
        scores = dict(zip(self.phrase_vocab, self._phrase_scores(g))) if len(self.phrase_vocab) else {}
        phrases = [(k, t) for k, t in self.reader.heading_phrases(heading)
                   if not self._procedural(k) and k.split()[0] not in self.procedural]  # not 'Report of ...'
        longer = [k for k, _ in phrases if len(k.split()) >= 2]
        whole = {k: max((k2 for k2 in longer if f" {k} " in f" {k2} "), key=lambda k2: (len(k2.split()), -len(k2)))
                 for k in longer}  # a phrase in full: 'trade agreements' -> 'regional trade agreements'
        used_first = [whole[k] for k in longer if scores.get(k, 0.0) > 0]
        ranked = used_first + [k for k in longer if whole[k] == k] + [k for k, _ in phrases]  # the subject first
        text_of = dict(phrases)
        for key in ranked:
            if sentence_case(text_of[key]).lower() not in used:
                return sentence_case(text_of[key])
        return ""

    def _procedural(self, phrase: str) -> bool:
        return set(phrase.split()) - {"of", "and"} <= self.procedural

    def named_keywords(self, groups: list[_Group], labels: list[str]) -> list[list[str]]:
        """The phrases of the headings and summaries, each given to the theme whose statements use it
        most (as a share of the theme), so every subject the meetings name shows in one theme's
        keywords: a theme's first keywords are the meetings' own words for it."""
        labelled = {p for label in labels for p in self.reader.read(label).phrases}  # said by a label already
        usable = self.named & (self.phrase_df >= 2) & (self.phrase_df <= self.settings.max_share * self.n) \
            & ~np.isin(self.phrase_vocab, list(labelled))
        columns = [j for j in np.flatnonzero(usable) if not self._procedural(self.phrase_vocab[j])
                   and not (" " not in self.phrase_vocab[j] and self._also_adjective(self.phrase_vocab[j]))]
        out: list[list[str]] = [self._seed_terms(g) for g in groups]
        if not columns or not groups:
            return out
        share = np.vstack([self._in_theme(g, self.p[:, columns]) / max(self._statements(g.units), 1) for g in groups])
        score = share * np.log(1 + self.n / self.phrase_df[columns])
        owner = score.argmax(axis=0)
        for t in range(len(groups)):
            mine = [self.phrase_vocab[columns[c]] for c in np.argsort(-score[t], kind="stable")
                    if owner[c] == t and score[t, c] > 0]
            longer = [m.split() for m in mine if " " in m]
            # 'market' is said by 'labour market'
            mine = [m for m in mine if " " in m or not any(m in words for words in longer)]
            out[t] = list(dict.fromkeys(out[t] + [self.reader.shown(m) for m in mine]))[:NAMED_KEYWORDS]
        return out

    def _seed_terms(self, g: _Group) -> list[str]:
        """A seed theme's terms its statements use, most used first."""
        if g.seed is None:
            return []
        used = Counter()
        for u in g.units:
            norms = self.readings[u].norms
            for term, written in zip(g.seed.terms, g.seed.written):
                used[written] += sum(tuple(norms[i:i + len(term)]) == term for i in range(len(norms) - len(term) + 1))
        return [w for w, n in sorted(used.items(), key=lambda kv: (-kv[1], kv[0])) if n][:NAMED_KEYWORDS]

    def _also_adjective(self, word: str) -> bool:
        return "adj" in self.reader.pos.lemmas(word)

    def keywords(self, g: _Group, named: list[str]) -> list[str]:
        size = self._statements(g.units)
        inside = self._in_theme(g, (self.x > 0).astype(np.float64).tocsr())
        score = inside / max(size, 1) * np.log(1 + self.n / np.maximum(self.feature_df, 1))
        top = [self.reader.shown(self.vocab[i]) for i in np.argsort(-score, kind="stable")[:2 * KEYWORDS]
               if score[i] > 0]
        return list(dict.fromkeys(named + top))[:KEYWORDS]


def fit_themes(texts: list[str], config: ThemeConfig, settings: Settings, n_themes: int = 0,
               sections: list[str] | None = None, documents: list[str] | None = None,
               reader: Analyser | None = None) -> tuple[list[Theme], np.ndarray]:
    """Themes of the statements and the statement-by-theme weights (rows sum to 1 or 0).

    ``sections`` gives each statement's agenda item, ``documents`` its meeting; the result
    depends on the order of the statements only through ties, so callers sort them by content."""
    reader = reader or analyser(settings.lexicon, PROFILES)
    sections = sections or [""] * len(texts)
    documents = documents or [""] * len(texts)
    fit = _Fit([reader.read(t) for t in texts], sections, documents, config, settings, reader)
    if not fit.n:
        return [], np.zeros((len(texts), 0))
    groups = fit.seeds()
    seeded = {u for g in groups for u in g.units}
    agenda, pool = fit.agenda([u for u in range(fit.n) if u not in seeded])
    groups += agenda
    lo, hi = (n_themes, n_themes) if n_themes else (settings.themes_min, settings.themes_max)
    if len(pool) < 3 and groups:  # a few statements left: each to the theme it is closest to
        cent = np.vstack([fit.centroid(g) for g in groups])
        for u in pool:
            groups[int(np.argmax(cent @ fit.x[u].toarray().ravel()))].units.append(u)
    else:
        k = fit.choose_k(pool, max(1, lo - len(groups)), max(1, hi - len(groups))) if not n_themes \
            else max(1, n_themes - len(groups))
        groups += fit.found(pool, k)
    while fit.merge_closest(groups, settings.duplicate_similarity):  # one subject found twice (a heading, the words)
        pass
    target = min(n_themes, fit.n) if n_themes else None
    if target is None:
        big = [g for g in groups if fit._statements(g.units) > settings.max_share * len(fit.statement_unit)
               and len(g.units) >= MIN_SPLIT]
        while big and len(groups) < hi and fit.split_largest(groups, MIN_SPLIT):
            big = [g for g in groups if fit._statements(g.units) > settings.max_share * len(fit.statement_unit)
                   and len(g.units) >= MIN_SPLIT]
        while len(groups) > hi and fit.merge_closest(groups):
            pass
        while len(groups) < min(lo, len(fit.items) // 3, fit.n) and fit.split_largest(groups, 2):
            pass
    else:
        while len(groups) > target and fit.merge_closest(groups):
            pass
        while len(groups) < target and fit.split_largest(groups):
            pass
    for g in groups:
        g.units.sort()
    short = fit.short_members(groups)
    order = sorted(range(len(groups)), key=lambda j: (-fit._statements(groups[j].units) - len(short[j]),
                                                      groups[j].units[0]))
    groups, short = [groups[j] for j in order], [short[j] for j in order]
    labels = fit.labels(groups)
    themes = [Theme(_theme_id(label), label, fit.keywords(g, named),
                    sorted([i for u in g.units for i in fit.unit_statements[u]] + extra), g.origin == "seeded",
                    g.origin)
              for g, label, named, extra in zip(groups, labels, fit.named_keywords(groups, labels), short)]
    weights = _weights(fit, groups, len(texts))
    for j, extra in enumerate(short):
        weights[extra, j] = 1.0
    return themes, weights


def _theme_id(label: str) -> str:
    """An id from the label: the same theme keeps its id as documents are added."""
    return "t" + hashlib.sha1(label.lower().encode("utf-8")).hexdigest()[:8]


def _weights(fit: _Fit, groups: list[_Group], n: int) -> np.ndarray:
    """How much each statement is about each theme: its cosine to the themes' centroids, kept
    where it is at least half its cosine to its own theme; rows sum to 1."""
    weights = np.zeros((n, len(groups)))
    if not groups:
        return weights
    cent = np.vstack([fit.centroid(g) for g in groups])
    sims = np.asarray(fit.x @ cent.T)
    own = np.full(fit.n, -1)
    for j, g in enumerate(groups):
        own[g.units] = j
    for u in range(fit.n):
        row = np.where(sims[u] >= 0.5 * sims[u, own[u]], sims[u], 0.0) if sims[u, own[u]] > 0 else \
            np.zeros(len(groups))
        row[own[u]] = max(row[own[u]], 1e-9)
        row = row / row.sum()
        for i in fit.unit_statements[u]:
            weights[i] = row
    return weights


# ---------------------------------------------------------------------- tables
def _options(store: Store | DatasetStore, n_themes: int | None, profile: str | None,
             no_profile: bool) -> tuple[int, str]:
    """The number of themes and the seed profile to group with: those given, else those kept."""
    n = n_themes if n_themes is not None else int(store.meta("theme_count") or 0)
    chosen = "" if no_profile else profile if profile is not None else store.meta("seed_profile") or ""
    return n, chosen


def _grouping(store: Store | DatasetStore, settings: Settings, n: int, chosen: str) -> str:
    """What a grouping is computed from: the stored documents' generation, the options, the seed
    profile's content and the word lists of models/themes."""
    data = b"".join(f.read_bytes() for f in sorted(PROFILES.glob("*.txt")))
    data += profile_path(chosen).read_bytes() if chosen else b""
    options = repr((n, chosen, settings.seed, settings.themes_min, settings.themes_max, settings.coherence_tolerance,
                    settings.max_share, settings.agenda_similarity, settings.duplicate_similarity)).encode()
    return f"{store.generation()}:{hashlib.sha256(options + data).hexdigest()[:16]}"


def themes_current(store: Store | DatasetStore, settings: Settings, n_themes: int | None = None,
                   profile: str | None = None, no_profile: bool = False) -> bool:
    """Whether the stored themes were grouped from the stored statements with these options
    (not so after a run stopped before its grouping was written)."""
    return store.meta("themes") == _grouping(store, settings, *_options(store, n_themes, profile, no_profile))


def update_themes(outdir: Path, settings: Settings, n_themes: int | None = None, profile: str | None = None,
                  no_profile: bool = False) -> str:
    """Recompute the themes of every statement in the store, rewrite the theme tables and export
    every table.

    ``n_themes`` (0 = as many as are most coherent) and ``profile`` are kept in the store: later
    runs use them until they are given again (``no_profile`` drops the profile)."""
    with open_store(outdir) as store:
        n, chosen = _options(store, n_themes, profile, no_profile)
        reader = analyser(settings.lexicon, PROFILES)
        config = load_config(profile_path(chosen), reader) if chosen else ThemeConfig()
        kept = {"themes": _grouping(store, settings, n, chosen), "theme_count": str(n), "seed_profile": chosen}
        statements = store.table("statements")
        if statements.empty:
            _write(store, [], [], kept)
            return "no statements to group"
        statements = statements.sort_values(["doc_id", "start", "statement_id"], kind="stable").reset_index(drop=True)
        mentions = store.select("mentions", "label", ("SPEAKER", "COUNTRY", "FIGURE", "PROGRAMME"))
        speakers = store.table("speakers")
        texts = content_texts(statements, mentions[mentions.label != "PROGRAMME"], speakers)
        sections = statements["section"].fillna("").tolist()
        texts = ["" if front else t for t, front in zip(texts, _front_matter(statements))]
        themes, weights = fit_themes(texts, config, settings, n, sections, statements.doc_id.tolist(), reader)
        rows, links, theme_of = _rows(statements, mentions, speakers, themes, weights)
        _write(store, rows, links, kept, theme_of, statements)
    if not themes:
        return f"no theme: none of the {len(statements)} statements has {MIN_WORDS} content words or more"
    grouped = sum(1 for t in theme_of if t)
    origins = Counter(t.origin for t in themes)
    how = ", ".join(f"{origins[o]} {name}" for o, name in (("agenda", "from agenda items"),
                                                           ("found", "found in the words"),
                                                           ("seeded", f"seeded ({config.profile})")) if origins[o])
    asked = f"{n} asked" if n else "number chosen by coherence"
    return f"{len(themes)} themes ({how}; {asked}) over {grouped} of {len(statements)} statements"


def _front_matter(statements: pd.DataFrame) -> list[bool]:
    """Statements before anyone takes the floor and under no heading: the document's title page
    ('RESTRICTED ... NOTE ON THE MEETING OF ...'), which says nothing a theme should group."""
    spoken = statements.speaker_id.fillna("") != ""
    first = statements[spoken].groupby("doc_id").start.min()
    begins = statements.doc_id.map(first).fillna(np.inf)
    return list(~spoken & (statements.start < begins) & (statements.section.fillna("") == ""))


def _rows(statements: pd.DataFrame, mentions: pd.DataFrame, speakers: pd.DataFrame, themes: list[Theme],
          weights: np.ndarray) -> tuple[list[dict], list[dict], list[str]]:
    names = {(r.doc_id, r.speaker_id): (r.name, r.country) for r in speakers.itertuples()}
    said_in: dict[tuple[str, str], list] = {}
    for m in mentions.itertuples():
        said_in.setdefault((m.doc_id, m.statement_id), []).append((m.label, m.value))
    keys = list(zip(statements.doc_id, statements.statement_id))
    speaker_of = list(zip(statements.doc_id, statements.speaker_id))
    theme_of = [""] * len(statements)
    rows = []
    for j, t in enumerate(themes):
        for i in t.members:
            theme_of[i] = t.theme_id
        who = Counter(names.get(speaker_of[i], ("", ""))[0] for i in t.members)
        where = Counter(names.get(speaker_of[i], ("", ""))[1] for i in t.members)
        said = [x for i in t.members for x in said_in.get(keys[i], [])]
        programmes = Counter(v for label, v in said if label == "PROGRAMME")
        best = sorted(t.members, key=lambda i: (-weights[i, j], keys[i]))[:3]
        rows.append(dict(theme_id=t.theme_id, label=t.label, keywords=", ".join(t.keywords),
                         statements=len(t.members), share=round(len(t.members) / len(statements), 4),
                         speakers="; ".join(n for n, _ in _ranked(who)[:8] if n),
                         countries=", ".join(c for c, _ in _ranked(where)[:12] if c),
                         programmes="; ".join(p for p, _ in _ranked(programmes)[:8]),
                         figures=sum(label == "FIGURE" for label, _ in said),
                         representative=" ".join(f"{keys[i][0][:12]}:{keys[i][1]}" for i in best),
                         seeded=int(t.seeded), origin=t.origin))
    links = [dict(doc_id=keys[i][0], statement_id=keys[i][1], theme_id=t.theme_id,
                  weight=round(float(weights[i, j]), 4))
             for i in range(len(statements)) for j, t in enumerate(themes) if weights[i, j] > 0]
    return rows, links, theme_of


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    """Most common first, ties in alphabetical order (not in the order they were met)."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))


def _write(store: Store | DatasetStore, rows: list[dict], links: list[dict], kept: dict[str, str],
           theme_of: list[str] | None = None, statements: pd.DataFrame | None = None) -> None:
    """Replace the theme tables and record what they were grouped from; then export every table."""
    store.replace_themes(rows, links, kept, theme_of, statements)
    store.export()


def content_texts(statements: pd.DataFrame, mentions: pd.DataFrame, speakers: pd.DataFrame) -> list[str]:
    """Statement texts without who spoke (names, roles, ministries, countries) and figures; a cut
    leaves a break, so no phrase is read across it."""
    cut: dict[tuple[str, str], list[str]] = {}
    for m in mentions.itertuples():
        cut.setdefault((m.doc_id, m.statement_id), []).append(m.text)
    roles: dict[str, list[str]] = {}
    for sp in speakers.itertuples():
        roles.setdefault(sp.doc_id, []).extend(x for x in (sp.role, sp.organisation) if isinstance(x, str) and x)
    out = []
    for s in statements.itertuples():
        text = s.text
        pieces = cut.get((s.doc_id, s.statement_id), []) + roles.get(s.doc_id, [])
        for piece in sorted(set(pieces), key=lambda p: (-len(p), p)):
            text = text.replace(piece, f" {BREAK} ")
        out.append(text)
    return out


# ---------------------------------------------------------------------- scoring
def score_themes(outdir: Path, settings: Settings, top: int = KEYWORDS) -> list[str]:
    """How good the themes of an output folder are, whichever code made them: the coherence of
    each theme's keywords (mean NPMI of their pairs over the statements: do the words a theme is
    summed up by occur together?), the share of keywords no other theme has, and the sizes. A
    keyword occurs in a statement when its words do, in order (plurals folded), so the measure
    does not depend on how this version reads words."""
    with open_store(outdir) as store:
        themes = store.table("themes")
        statements = store.table("statements")
        mentions = store.select("mentions", "label", ("SPEAKER", "COUNTRY", "FIGURE"))
        speakers = store.table("speakers")
    if themes.empty:
        return [f"no themes to score in {outdir} ({len(statements)} statements); `python -m pipeline themes {outdir}` "
                "groups them"]
    statements = statements.sort_values(["doc_id", "start", "statement_id"], kind="stable")
    pos = analyser(settings.lexicon, PROFILES).pos
    lists = [[k.strip() for k in str(k or "").split(",") if k.strip()][:top] for k in themes.keywords]
    keys = [[" ".join(pos.noun(w) for w in WORDS.findall(k.lower())) for k in keywords] for keywords in lists]
    wanted = sorted({k for ks in keys for k in ks if k})
    column = {k: i for i, k in enumerate(wanted)}
    rows, cols = [], []
    for r, text in enumerate(content_texts(statements, mentions, speakers)):
        words = [pos.noun(w) for w in WORDS.findall(text.lower())]
        grams = {" ".join(words[i:i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}
        for k in grams & column.keys():
            rows.append(r)
            cols.append(column[k])
    binary = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(statements), len(wanted) + 1))
    tops = [[column.get(k, len(wanted)) for k in ks if k] for ks in keys]  # an unknown keyword never occurs
    shown = [[k for k in ks if k] for ks in keys]
    scores = npmi(tops, binary)
    every = [f for fs in shown for f in fs]
    diversity = len(set(every)) / len(every) if every else 0.0
    origins = Counter(themes.origin.fillna("").replace("", "found")) if "origin" in themes else Counter()
    seeded = int(themes.seeded.fillna(0).sum())
    largest = themes.loc[themes.statements.idxmax()]
    lines = [f"coherence (mean NPMI of each theme's top {top} keywords over {len(statements)} statements, "
             f"-1 to 1): {np.mean(scores):.3f}",
             f"diversity (share of keywords that are no other theme's): {diversity:.2f}",
             f"themes: {len(themes)} ({seeded} seeded); from agenda items {origins.get('agenda', 0)}; largest: "
             f"{largest.label!r}, {largest.statements} statements ({largest.statements / len(statements):.0%})"]
    lines += [f"  {s:6.3f}  {t.label} ({t.statements})" for s, t in zip(scores, themes.itertuples())]
    return lines


