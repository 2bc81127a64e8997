"""One test per named pattern, generated from its examples and counter-examples in models/.

A new house style is a new pattern plus examples; a false-positive fix is a named veto plus a
counter-example. Each example runs through the whole recognition pipeline: its span must come
out with the pattern's name as its rule; a counter-example's must not, and where it names a
veto, that veto must be the one that turned it down (``pipeline.recognise.check_pattern``, which
``python -m pipeline rules --check`` runs too).
"""
from __future__ import annotations

import pytest

from pipeline.components.rules import Pattern
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
