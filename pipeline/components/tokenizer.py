"""spaCy's English tokenizer, with its cache kept warm over a whole document and an archive.

spaCy splits a text at whitespace into chunks and tokenizes each chunk alone (prefixes,
suffixes, infixes, special cases), caching each chunk's tokens. But within one text it stops
adding to the cache once a chunk hits a special case (spaCy issue #1250; a line break is one),
and it holds at most 10,000 chunks: on a meeting summary nearly every chunk was tokenized
afresh, a quarter of recognition's time. This tokenizer first hands spaCy each chunk it has not
seen on its own, where nothing stops the caching, then tokenizes the text with spaCy as usual:
the tokens are spaCy's, only found in its cache.
"""
from __future__ import annotations

from typing import Callable

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry

MAX_CHUNKS = 200_000  # when full, the cache starts again, so memory stays flat


class ChunkCachedTokenizer(Tokenizer):
    """spaCy's ``Tokenizer``, caching every chunk it meets."""

    def __call__(self, text: str) -> Doc:
        chunks = set(text.split())  # str.split parts at str.isspace, as spaCy does
        new = chunks - self._cached
        if len(self._cached) + len(new) > self.max_cache_size:
            self._flush_cache()
            new = chunks
        for chunk in sorted(new):  # in one order, whatever the hash seed
            Tokenizer.__call__(self, chunk)  # alone, so that spaCy caches it
        self._cached.update(new)
        return Tokenizer.__call__(self, text)

    def _flush_cache(self) -> None:
        """Called by spaCy whenever the rules, affixes or special cases change."""
        super()._flush_cache()
        self._cached: set[str] = set()


@registry.tokenizers("meeting.ChunkCachedTokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    """spaCy's default tokenizer for the language (``spacy.Tokenizer.v1``), chunk-cached."""
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp: Language) -> Tokenizer:
        base = default(nlp)
        return ChunkCachedTokenizer(nlp.vocab, rules=base.rules, prefix_search=base.prefix_search,
                                    suffix_search=base.suffix_search, infix_finditer=base.infix_finditer,
                                    token_match=base.token_match, url_match=base.url_match,
                                    faster_heuristics=base.faster_heuristics, max_cache_size=MAX_CHUNKS)
    return make
