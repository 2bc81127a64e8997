"""Words and noun phrases of statements, for themes: what they are about and what to call them.

A statement is read as a sequence of words; function words, stop words (``models/themes/
stopwords.txt``) and words that can only be verbs or adverbs (WordNet's lemma index in
``models/lexicon``) break it. What is left are content words (nouns in the singular,
adjectives, and words the lexicon does not know: acronyms, names of things) and the noun
phrases they form: up to four words ending in a noun ("duty-free quota-free market access"),
or two joined by "of" or "and" ("recognition of qualifications", "technical assistance and
training"). Themes are fitted on the content words and their pairs, and named with the phrases,
so a label is always something a statement or a heading says, never a pair of verbs.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from spacy.lang.en.stop_words import STOP_WORDS

from .lexicon import PartsOfSpeech, parts_of_speech

TOKEN = re.compile(r"[A-Za-zÀ-ÿ](?:[A-Za-zÀ-ÿ'’-]*[A-Za-zÀ-ÿ])?|\S")
CONNECTORS = ("of", "and")
ARTICLES = ("the", "a", "an")  # 'recognition of the qualifications' is a phrase too
MAX_PHRASE = 4
BREAK = "|"  # written where a name or figure was taken out, so no phrase spans the gap
SYMBOL = re.compile(r"\b[A-Z]{1,6}(?:\([0-9]{2}\))?(?:/[\w.()-]+)+")  # WT/COMTD/M/90, A/HRC/52/L.1, JOB(08)/103


def read_words(path: Path) -> set[str]:
    """A word list of models/themes: one word a line, '#' comments."""
    if not path.exists():
        return set()
    lines = (ln.split("#", 1)[0].strip().lower() for ln in path.read_text(encoding="utf-8").splitlines())
    return {ln for ln in lines if ln}


@dataclass(frozen=True)
class Word:
    surface: str
    norm: str  # singular noun, or the word in lower case
    noun: bool  # can be a noun (or is unknown to the lexicon: acronyms, names of things)
    also_adjective: bool  # a noun that is also an adjective ('technical'): never a label on its own


class _Token(NamedTuple):
    """A token of a statement as the reader takes it: its item (a Word, a connector or None), its
    seed-term form ('' for a break), whether it is an article and whether it ends in 's."""

    item: Word | str | None
    norm: str
    article: bool
    possessive: bool


@dataclass
class Reading:
    """One statement, read: its content features and its candidate noun phrases."""

    features: list[str]  # content words and pairs of adjacent ones ('market_access')
    words: int  # content words
    phrases: list[str]  # noun-phrase keys ('recognition of qualification')
    norms: list[str]  # every word, normalised, for seed terms ('language', 'training')


@dataclass
class Analyser:
    """Reads statements; remembers how each feature and phrase was written, to show it."""

    lexicon: Path
    stopwords: set[str] = field(default_factory=set)
    written: Counter = field(default_factory=Counter)  # (feature or phrase, as written): times seen

    def __post_init__(self) -> None:
        self.pos: PartsOfSpeech = parts_of_speech(self.lexicon)
        # an archive says the same few thousand words a million times: each is looked up once
        self._words: dict[str, Word | None] = {}
        self._seed_norms: dict[str, str] = {}
        self._tokens: dict[str, _Token] = {}
        self._by_key: dict[str, Counter] | None = None  # ``written`` by feature, built when first shown

    def _word(self, token: str) -> Word | None:
        """A content word, or None for a word that breaks a phrase (read once per spelling)."""
        if token not in self._words:
            self._words[token] = self._read_word(token)
        return self._words[token]

    def _read_word(self, token: str) -> Word | None:
        lower = token.lower().replace("’", "'")
        if lower.endswith("'s"):
            lower, token = lower[:-2], token[:-2]
        if len(lower) <= 2 or lower in STOP_WORDS or lower in self.stopwords or "'" in lower:
            return None
        lemmas = self.pos.lemmas(lower)
        if lemmas and not ("noun" in lemmas or "adj" in lemmas):
            return None  # a verb or an adverb: 'updated'; 'supported' is kept as an adjective
        if any(lemma in self.stopwords for lemma in lemmas.values()):
            return None  # 'said', 'noted': forms of a stop word
        norm = lemmas.get("noun", lower)
        noun = "noun" in lemmas or not lemmas
        return Word(token, norm, noun, "adj" in lemmas)

    def seed_norm(self, word: str) -> str:
        """A word as seed terms are matched: a noun's singular, a verb's lemma, else itself."""
        if word not in self._seed_norms:
            lemmas = self.pos.lemmas(word)
            self._seed_norms[word] = lemmas.get("noun") or lemmas.get("verb") or word
        return self._seed_norms[word]

    def _token(self, t: str) -> _Token:
        """How a token reads (once per spelling)."""
        if not t[0].isalpha():
            return _Token(None, "", False, False)
        low = t.lower()
        return _Token(t if low in CONNECTORS else self._word(t), self.seed_norm(low), low in ARTICLES,
                      low.endswith(("'s", "’s")))

    def _items(self, text: str) -> tuple[list, list[str]]:
        """The words of a text as Word, a connector ('of', 'of the') or None (a break), and every
        word normalised as seed terms are matched."""
        items: list[Word | str | None] = []
        norms = []
        tokens = self._tokens
        for t in TOKEN.findall(SYMBOL.sub(f" {BREAK} ", text)):
            read = tokens.get(t)
            if read is None:
                read = tokens[t] = self._token(t)
            if not read.norm:
                items.append(None)
                continue
            norms.append(read.norm)
            if read.article and items and isinstance(items[-1], str) and " " not in items[-1]:
                items[-1] += f" {t}"  # the connector takes its article
                continue
            items.append(read.item)
            if read.possessive:
                items.append(None)  # 'the ITC's Executive Director': two phrases, not 'ITC Executive Director'
        return items, norms

    def read(self, text: str) -> Reading:
        items, norms = self._items(text)
        features: list[str] = []
        written: list[tuple[str, str]] = []
        words = 0
        for i, w in enumerate(items):
            if isinstance(w, Word):
                words += 1
                features.append(w.norm)
                written.append((w.norm, w.surface))
                nxt = items[i + 1] if i + 1 < len(items) else None
                if isinstance(nxt, Word):
                    key = f"{w.norm}_{nxt.norm}"
                    features.append(key)
                    written.append((key, f"{w.surface} {nxt.surface}"))
        phrases = self._phrases(items)
        self.written.update(written)
        self.written.update(phrases)
        self._by_key = None
        return Reading(features, words, [key for key, _ in phrases], norms)

    def _phrases(self, items: list) -> list[tuple[str, str]]:
        """Noun phrases: spans of content words ending in a noun, and two of them joined by a connector."""
        runs: list[tuple[int, int]] = []  # [start, end) of runs of content words
        i = 0
        while i < len(items):
            if isinstance(items[i], Word):
                j = i
                while j < len(items) and isinstance(items[j], Word):
                    j += 1
                runs.append((i, j))
                i = j
            else:
                i += 1
        out: list[tuple[str, str]] = []
        for a, b in runs:
            norms, surfaces = [w.norm for w in items[a:b]], [w.surface for w in items[a:b]]
            for end in range(b - a):
                head = items[a + end]
                if not head.noun:
                    continue
                for start in range(max(0, end - MAX_PHRASE + 1), end + 1):
                    if start == end and head.also_adjective:
                        continue
                    out.append((" ".join(norms[start:end + 1]), " ".join(surfaces[start:end + 1])))
        for (a1, b1), (a2, b2) in zip(runs, runs[1:]):
            if a2 - b1 != 1 or not isinstance(items[b1], str) or not items[b1 - 1].noun:
                continue
            for left in range(max(a1, b1 - 2), b1):
                for right in range(a2, min(b2, a2 + 2)):
                    last = items[right]
                    if last.noun and (right > a2 or not last.also_adjective) and \
                            (b1 - left) + (right - a2 + 1) <= MAX_PHRASE:
                        out.append(self._phrase(items[left:b1] + [items[b1]] + items[a2:right + 1]))
        return out

    @staticmethod
    def _phrase(words: list) -> tuple[str, str]:
        """(key, text as written): 'recognition of qualification', 'recognition of the qualifications'."""
        return (" ".join(w.split()[0].lower() if isinstance(w, str) else w.norm for w in words),
                " ".join(w if isinstance(w, str) else w.surface for w in words))

    def shown(self, key: str) -> str:
        """How a feature or phrase is most often written ('market access', 'LDCs'), in lower case
        when it is only ever seen in a heading set in capitals."""
        if self._by_key is None:
            self._by_key = {}
            for (k, as_written), n in self.written.items():
                self._by_key.setdefault(k, Counter())[as_written] = n
        seen = self._by_key.get(key)
        if not seen:
            return key.replace("_", " ")
        written = min(seen, key=lambda w: (-seen[w], w))
        return sentence_case(written, first=False) if written.isupper() and len(written) > 4 else written

    def heading_key(self, heading: str) -> tuple[str, ...]:
        """A heading's content words, for matching the same agenda item across meetings."""
        return tuple(w.norm for t in TOKEN.findall(heading) if t[0].isalpha() and (w := self._word(t)))

    def heading_phrases(self, heading: str) -> list[tuple[str, str]]:
        """(key, text as written there) of the noun phrases of a heading, in reading order."""
        first: dict[str, str] = {}
        for key, text in self._phrases(self._items(heading)[0]):
            first.setdefault(key, text)
        return list(first.items())


def sentence_case(text: str, first: bool = True) -> str:
    """'TECHNICAL COOPERATION AND TRAINING' -> 'Technical cooperation and training'; 'market
    access for LDCs' -> 'Market access for LDCs' (acronyms and names keep their capitals)."""
    words = text.split()
    if sum(w.isupper() for w in words if len(w) > 3) > len([w for w in words if len(w) > 3]) / 2:
        words = [w if len(w) <= 4 and w.isupper() and w.lower() not in STOP_WORDS else w.lower() for w in words]
    out = " ".join(words)
    return out[:1].upper() + out[1:] if first else out


def analyser(lexicon: Path, themes_dir: Path) -> Analyser:
    return Analyser(lexicon, read_words(themes_dir / "stopwords.txt"))
