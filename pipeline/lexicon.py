"""The English word list (from WordNet, in ``models/lexicon``), shared by the stages that
must tell an English word from another: extraction (is ``recog-`` + ``nition`` one word?)
and the programme recogniser (is this bracket a name in another language?)."""
from __future__ import annotations

import gzip
import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def english_words(lexicon: Path) -> frozenset[str]:
    """Lower-case English words; empty (with a warning) when the list is missing."""
    path = lexicon / "en_words.txt.gz"
    if not path.exists():
        log.warning("no English word list at %s: hyphens and translations are judged without it", path)
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(w.strip() for w in f if w.strip())
