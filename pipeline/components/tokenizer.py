"""spaCy's English tokenizer, with a cache that stays on over a whole document and an archive.

spaCy splits a text at whitespace into chunks and tokenizes each chunk alone (prefixes,
suffixes, infixes, special cases), caching the result per chunk. But its cache stops taking
new chunks for the rest of a text once one chunk hits a special case (spaCy issue #1250; a
line break is one), and it holds at most 10,000 chunks: on a meeting summary nearly every
chunk is tokenized afresh, a quarter of recognition's time. This tokenizer makes the same
tokens (a special case never spans whitespace, so a chunk's tokens do not depend on its
neighbours) and keeps every chunk it has tokenized, up to ``MAX_CHUNKS``, across documents.
"""
from __future__ import annotations

import re
from typing import Callable

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry

RUNS = re.compile(r"\S+|\s+")  # \s is str.isspace, as spaCy splits
MAX_CHUNKS = 200_000  # ~30 MB; the cache starts again when full, so memory stays flat


class ChunkCachedTokenizer(Tokenizer):
    """spaCy's ``Tokenizer``, whose every chunk's tokens are kept once computed."""

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        chunks = self._chunks
        for run in RUNS.findall(text):
            if run[0] == " " and words:  # the first space after a token is that token's whitespace
                spaces[-1] = True
                run = run[1:]
                if not run:
                    continue
            tokens = chunks.get(run)
            if tokens is None:
                if len(chunks) >= MAX_CHUNKS:
                    chunks.clear()
                tokens = chunks[run] = tuple(t.text for t in Tokenizer.__call__(self, run))
            words.extend(tokens)
            spaces.extend([False] * len(tokens))
        return Doc(self.vocab, words=words, spaces=spaces)

    def _flush_cache(self) -> None:
        """Called by spaCy whenever the rules, affixes or special cases change."""
        super()._flush_cache()
        self._chunks: dict[str, tuple[str, ...]] = {}


@registry.tokenizers("meeting.ChunkCachedTokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    """spaCy's default tokenizer for the language (``spacy.Tokenizer.v1``), chunk-cached."""
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp: Language) -> Tokenizer:
        base = default(nlp)
        return ChunkCachedTokenizer(nlp.vocab, rules=base.rules, prefix_search=base.prefix_search,
                                    suffix_search=base.suffix_search, infix_finditer=base.infix_finditer,
                                    token_match=base.token_match, url_match=base.url_match,
                                    faster_heuristics=base.faster_heuristics)
    return make
