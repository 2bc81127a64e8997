"""One test per named pattern, generated from its examples and counter-examples in models/.

A new house style is a new pattern plus examples; a false-positive fix is a named veto plus a
counter-example. Each example runs through the whole recognition pipeline: its span must come
out with the pattern's name as its rule; a counter-example's must not, and where it names a
veto, that veto must be the one that turned it down (``pipeline.recognise.check_pattern``, which
``python -m pipeline rules --check`` runs too).
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from spacy.pipeline import Sentencizer
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer

from pipeline.components.common import Spans, grouped
from pipeline.components.rules import Pattern, alternation, guarded
from pipeline.recognise import RULE_COMPONENTS, check_pattern, load_nlp, patterns
from pipeline.settings import DEFAULT_MODEL

NLP = load_nlp(DEFAULT_MODEL)
PATTERNS: list[Pattern] = patterns(NLP)


def test_every_component_has_named_rules():
    assert {n for n in NLP.pipe_names if hasattr(NLP.get_pipe(n), "rules")} == set(RULE_COMPONENTS)


def test_every_pattern_is_named_once_says_what_it_finds_and_has_an_example():
    names = [p.name for p in PATTERNS]
    assert len(names) == len(set(names)), "pattern names must be unique across components"
    assert [p.name for p in PATTERNS if not p.examples] == []
    assert [p.name for p in PATTERNS if not p.what] == []


def test_every_veto_is_listed_by_a_pattern_and_exercised_by_a_counter_example():
    vetoes = {(name, v) for name in NLP.pipe_names if hasattr(NLP.get_pipe(name), "rules")
              for v in NLP.get_pipe(name).rules.vetoes}
    listed = {v for p in PATTERNS for v in p.vetoes}
    assert sorted(v for _, v in vetoes if v not in listed) == []
    exercised = {ex.veto for p in PATTERNS for ex in p.counter_examples if ex.veto}
    assert sorted(v for _, v in vetoes if v not in exercised) == [], "every veto has a counter-example it decides"


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_pattern(pattern: Pattern):
    failures = check_pattern(NLP, pattern)
    assert not failures, "\n".join(failures)


def longest_first(words: list[str]) -> str:
    """The plain alternation the trie stands for: one branch per word, longest first."""
    return "|".join(re.escape(w).replace("\\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


WORD = st.lists(st.text(alphabet="ab-", min_size=1, max_size=3), min_size=1, max_size=3).map(" ".join)


@given(st.lists(WORD, min_size=1, max_size=12), st.text(alphabet="ab -", max_size=40))
def test_a_word_list_as_a_trie_matches_what_the_plain_alternation_matches(words, text):
    """Words as word lists hold them (single spaces between words), in any text."""
    trie, plain = re.compile(f"(?:{alternation(words)})"), re.compile(f"(?:{longest_first(words)})")
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]
    # and inside a longer pattern, where the engine backtracks into the alternation
    trie, plain = (re.compile(f"(?:{a})b") for a in (alternation(words), longest_first(words)))
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


# pattern shapes the engine cannot skip ahead on by itself, and some it can
GUARDED_SHAPES = [r"(?<![\w.])(?P<n>[A-Z][a-z]+(?:\s[A-Z][a-z]+)*)", r"\b(?i:minister|chair)(?:\s+of)?",
                  r"(?:the\s)?(?:[dD]e\s)?[A-Z]\w+", r"(?<!-)\b(?:Mr|Ms)\.?\s(?P<n>[A-Z]\w*)", r"(?=\d)\d+%?",
                  r"\b[A-Z]{2,}(?:\s?\+)?(?![\w-])", r"(?i)\bthe\s(?:chair|floor)", r"\s*\(([^()]*)\)",
                  r"(?:Ms|mr)?\s?[,;]", r"[a-z]+\s(?:and|or)\b", r"\bab+c # a comment",
                  r"\b(?i:the|abc)\b"]


GUARD_TEXT = st.lists(st.tuples(st.sampled_from(["The", "the", "abc", "abbc", "Mr", "Ms.", "De", "de", "EU", "UN+",
                                                 "MINISTER", "chair", "Chair", "of", "and", "12", "50%", "(", ")",
                                                 ",", ";", "-", "Smith", "x", "Floor"]),
                                 st.sampled_from(["", " ", "  ", "\n"])), max_size=20).map(
    lambda parts: "".join(w + gap for w, gap in parts))


@given(GUARD_TEXT)
def test_a_guarded_pattern_finds_what_the_pattern_finds(text):
    for shape in GUARDED_SHAPES:
        flags = re.X if "#" in shape else 0
        plain, fast = re.compile(shape, flags), guarded(shape, flags)
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
        assert [m.groupdict() for m in fast.finditer(text)] == [m.groupdict() for m in plain.finditer(text)]


def test_a_guard_is_set_where_it_lets_few_positions_through():
    assert guarded(r"(?<![\w.])[A-Z]\w+").pattern.startswith("(?=")  # capitals only
    assert guarded(r"abc").pattern == "abc"  # a literal start: the engine skips ahead itself
    assert guarded(r"\b\w+").pattern == r"\b\w+"  # every letter passes: no gain
    assert guarded(r"\b(?:a|b)?").pattern == r"\b(?:a|b)?"  # matches the empty string


def test_the_longest_word_wins_and_a_space_matches_any_run_of_spaces():
    words = ["Chair", "Vice-Chair", "Chairperson", "Minister", "Minister of State"]
    roles = re.compile(rf"\b(?:{alternation(words)})\b")
    assert roles.findall("The Vice-Chair, the Chairperson and the Minister  of State") == \
        ["Vice-Chair", "Chairperson", "Minister  of State"]



# spaCy's own tokenizer with the model's rules
PLAIN = Tokenizer(NLP.vocab, rules=NLP.tokenizer.rules, prefix_search=NLP.tokenizer.prefix_search,
                  suffix_search=NLP.tokenizer.suffix_search, infix_finditer=NLP.tokenizer.infix_finditer,
                  token_match=NLP.tokenizer.token_match, url_match=NLP.tokenizer.url_match)


# pieces of meeting text: special cases ("Mr.", "\n"), affixes, infixes, URLs, every kind of whitespace
PIECE = st.sampled_from(["Mr.", "MR.", "Mrs", "Dr.", "U.S.", "(EU)", "Ms.X", "don't", "co-operation", "50%",
                         "€1.5bn", "2021-2024", "e.g.", "www.wto.org", "\"quoted\"", "...", ":)", "a", "The",
                         "end.", "(", ")", ",", "’s", "ü", " ", "  ", "\n", "\n\n", "\t", "\xa0", " \n "])


@given(st.lists(PIECE, max_size=30).map("".join), st.lists(PIECE, max_size=30).map(" ".join))
def test_the_chunk_cached_tokenizer_makes_spacys_tokens(glued, spaced):
    """The same tokens and whitespace as spaCy's tokenizer, whatever the chunks and spaces, cold and warm."""
    for text in (glued, spaced, glued + spaced):
        assert [(x.text, x.whitespace_) for x in NLP.tokenizer(text)] == [(x.text, x.whitespace_) for x in PLAIN(text)]
        assert [(x.text, x.whitespace_) for x in NLP.tokenizer(text)] == [(x.text, x.whitespace_) for x in PLAIN(text)]


def test_a_full_cache_and_a_new_special_case_still_give_spacys_tokens():
    tokenizer = load_nlp.__wrapped__(DEFAULT_MODEL).tokenizer  # a copy: the shared one stays as the model has it
    tokenizer.max_cache_size = 4
    for text in ("Mr. Smith (EU) said\n\nthat 50% of co-operation", "and then others spoke again, longer"):
        assert [(t.text, t.whitespace_) for t in tokenizer(text)] == [(t.text, t.whitespace_) for t in PLAIN(text)]
    assert [t.text for t in tokenizer("see WT/L/1.")] == ["see", "WT", "/", "L/1", "."]
    tokenizer.add_special_case("WT/L/1.", [{ORTH: "WT/L/1"}, {ORTH: "."}])
    assert [t.text for t in tokenizer("see WT/L/1.")] == ["see", "WT/L/1", "."]


@given(st.lists(PIECE | st.sampled_from([".", "!", "?", "?!", "\u3002", "'", "”"]), max_size=40).map(" ".join))
def test_the_array_sentencizer_starts_the_sentences_spacys_does(text):
    doc = NLP.make_doc(text)
    spacy_sentencizer = Sentencizer(punct_chars=NLP.get_pipe("sentencizer").punct_chars)
    assert NLP.get_pipe("sentencizer").predict([doc]) == spacy_sentencizer.predict([doc])


SPAN = st.tuples(st.integers(0, 40), st.integers(1, 12)).map(lambda s: (s[0], s[0] + s[1]))


@given(st.lists(SPAN, max_size=25), st.lists(SPAN, max_size=8))
def test_bisection_finds_what_reading_every_pair_finds(spans, stretches):
    """``Spans.overlap`` and ``grouped`` against the pairwise checks they replace."""
    index = Spans(spans)
    for start, end in stretches:
        assert index.overlap(start, end) == any(s < end and start < e for s, e in spans)
    assert grouped(stretches, spans, lambda s: s) == [[s for s in spans if start <= s[0] and s[1] <= end]
                                                       for start, end in stretches]
