"""The English lexicon (from WordNet, in ``models/lexicon``), shared by the stages that must
tell words apart: extraction (is ``recog-`` + ``nition`` one word?), the programme recogniser
(is this bracket a name in another language?), and the speaker and turn recognisers (is the
word after a delegation a finite verb, so that the delegation is its subject?)."""
from __future__ import annotations

import gzip
import json
import logging
from functools import lru_cache
from pathlib import Path

from .errors import ModelError

log = logging.getLogger(__name__)


def _word_list(path: Path, without: str) -> frozenset[str]:
    if not path.exists():
        log.warning("no word list at %s: %s", path, without)
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(w.strip() for w in f if w.strip())


@lru_cache(maxsize=4)
def english_words(lexicon: Path) -> frozenset[str]:
    """Lower-case English words; empty (with a warning) when the list is missing."""
    return _word_list(lexicon / "en_words.txt.gz", "hyphens and translations are judged without it")


@lru_cache(maxsize=4)
def finite_verbs(lexicon: Path) -> frozenset[str]:
    """Forms of English verbs that can be finite: third person singular ("notes") and past
    ("commended", "was", "took"), from WordNet's verb index and irregular forms (via
    spacy-lookups-data); empty (with a warning) when the list is missing."""
    return _word_list(lexicon / "en_finite_verbs.txt.gz", "only speech verbs give the floor")


class PartsOfSpeech:
    """Which parts of speech an English word form can be, and a noun's singular, from WordNet's
    lemma index and spaCy's inflection rules (``en_lemma_pos.json.gz`` in models/lexicon, from
    spacy-lookups-data). Themes use it to keep to nouns and name them with noun phrases, without
    a tagger (no model to download)."""

    def __init__(self, path: Path) -> None:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            raw = json.load(f)
        self.index = {pos: frozenset(words) for pos, words in raw["index"].items()}
        self.exceptions: dict[str, dict[str, list[str]]] = raw["exceptions"]
        self.rules: dict[str, list[list[str]]] = raw["rules"]
        self._cache: dict[str, dict[str, str]] = {}

    def lemmas(self, word: str) -> dict[str, str]:
        """Part of speech -> lemma, for every part of speech the (lower-case) form can be;
        a hyphenated word unknown as a whole is read by its last part ('quota-free')."""
        if word in self._cache:
            return self._cache[word]
        out: dict[str, str] = {}
        for pos, lemmas in self.index.items():
            if word in lemmas:
                out[pos] = word
            elif word in self.exceptions.get(pos, {}):
                out[pos] = self.exceptions[pos][word][0]
            else:
                for suffix, replacement in self.rules.get(pos, []):
                    if suffix and word.endswith(suffix) and (stem := word[:-len(suffix)] + replacement) in lemmas:
                        out[pos] = stem
                        break
        if not out and "-" in word.strip("-"):
            head = word.rsplit("-", 1)[1]
            out = {pos: word[:-len(head)] + lemma for pos, lemma in self.lemmas(head).items()}
        self._cache[word] = out
        return out

    def noun(self, word: str) -> str:
        """The singular of a noun form ('qualifications' -> 'qualification'), else the word."""
        return self.lemmas(word).get("noun", word)


@lru_cache(maxsize=2)
def parts_of_speech(lexicon: Path) -> PartsOfSpeech:
    path = lexicon / "en_lemma_pos.json.gz"
    if not path.exists():
        raise ModelError(f"no part-of-speech table at {path}; restore models/lexicon from git")
    return PartsOfSpeech(path)
