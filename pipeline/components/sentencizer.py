"""spaCy's rule-based sentencizer, its decisions taken over token arrays.

spaCy's ``Sentencizer`` makes a Python object of every token to read its text and whether it
is punctuation: a tenth of recognition on a long document. The rule is unchanged: a sentence
starts at the first token that is neither punctuation nor one of ``punct_chars`` after one of
``punct_chars``; tokens whose start is already set (a paragraph's first) keep it.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
from spacy.attrs import IS_PUNCT, ORTH
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.strings import get_string_id
from spacy.tokens import Doc


class ArraySentencizer(Sentencizer):
    """spaCy's ``Sentencizer`` with ``predict`` on arrays of the tokens' attributes."""

    def predict(self, docs: Iterable[Doc]) -> list[list[bool]]:
        marks = np.array(sorted(get_string_id(c) for c in self.punct_chars), dtype=np.uint64)
        guesses = []
        for doc in docs:
            if not len(doc):
                guesses.append([])
                continue
            attrs = doc.to_array([ORTH, IS_PUNCT])
            mark = np.isin(attrs[:, 0], marks)
            word = ~mark & (attrs[:, 1] == 0)
            marks_before = np.concatenate(([0], np.cumsum(mark)))  # of punct_chars before each token
            words = np.flatnonzero(word)
            # a word starts a sentence when a mark stands between it and the word before it
            since = marks_before[words] - marks_before[np.concatenate(([0], words[:-1] + 1))]
            starts = np.zeros(len(doc), dtype=bool)
            starts[0] = True
            starts[words[since > 0]] = True
            guesses.append(starts.tolist())
        return guesses


@Language.factory("meeting_sentencizer", assigns=["token.is_sent_start", "doc.sents"],
                  default_config={"punct_chars": None, "overwrite": False,
                                  "scorer": {"@scorers": "spacy.senter_scorer.v1"}},
                  default_score_weights={"sents_f": 1.0, "sents_p": 0.0, "sents_r": 0.0})
def make_sentencizer(nlp: Language, name: str, punct_chars: list[str] | None, overwrite: bool,
                     scorer: Callable | None) -> ArraySentencizer:
    return ArraySentencizer(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)
