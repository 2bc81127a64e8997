"""The English lexicon (from WordNet, in ``models/lexicon``), shared by the stages that must
tell words apart: extraction (is ``recog-`` + ``nition`` one word?), the programme recogniser
(is this bracket a name in another language?), and the speaker and turn recognisers (is the
word after a delegation a finite verb, so that the delegation is its subject?)."""
from __future__ import annotations

import gzip
import logging
from functools import lru_cache
from pathlib import Path

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
