"""One test per named pattern, generated from its examples and counter-examples in models/.

A new house style is a new pattern plus examples; a false-positive fix is a named veto plus a
counter-example. Each example runs through the whole recognition pipeline: its span must come
out with the pattern's name as its rule; a counter-example's must not, and where it names a
veto, that veto must be the one that turned it down.
"""
from __future__ import annotations

import pytest

from pipeline.components.common import rejections_of
from pipeline.components.rules import Pattern
from pipeline.recognise import RULE_COMPONENTS, load_nlp, outputs
from pipeline.settings import DEFAULT_MODEL

NLP = load_nlp(DEFAULT_MODEL)
PATTERNS: list[Pattern] = [p for name in NLP.pipe_names if hasattr(NLP.get_pipe(name), "rules")
                           for p in NLP.get_pipe(name).rules]


def test_every_component_has_named_rules():
    assert {n for n in NLP.pipe_names if hasattr(NLP.get_pipe(n), "rules")} >= set(RULE_COMPONENTS)


def test_every_pattern_is_named_once_and_has_an_example():
    names = [p.name for p in PATTERNS]
    assert len(names) == len(set(names)), "pattern names must be unique across components"
    assert [p.name for p in PATTERNS if not p.examples] == []
    assert all(p.what for p in PATTERNS), "every pattern says what it finds"


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_pattern(pattern: Pattern):
    failures = []
    if pattern.kind == "scanner":  # a scanner's examples are what its regex finds
        for ex in pattern.examples:
            if ex.span not in [m.group(0) for m in pattern.regex.finditer(ex.text)]:
                failures.append(f"example {ex.text!r}: {pattern.name} does not find {ex.span!r}")
        for ex in pattern.counter_examples:
            found = [m.group(0) for m in pattern.regex.finditer(ex.text)]
            if (ex.span in found) if ex.span else found:
                failures.append(f"counter-example {ex.text!r}: {pattern.name} finds {found}")
        assert not failures, "\n".join(failures)
        return
    for ex in pattern.examples:
        doc = NLP(ex.text)
        got = [o.text for o in outputs(doc) if o.rule == pattern.name]
        if ex.span not in got:
            failures.append(f"example {ex.text!r}: wanted {ex.span!r} from {pattern.name}, got {got}")
    for ex in pattern.counter_examples:
        doc = NLP(ex.text)
        got = [o.text for o in outputs(doc) if o.rule == pattern.name]
        if (ex.span in got) if ex.span else got:
            failures.append(f"counter-example {ex.text!r}: {pattern.name} gave {got}")
        if ex.veto:
            vetoed = [r for r in rejections_of(doc) if r.rule == pattern.name and r.veto == ex.veto
                      and ex.span in ex.text[r.start:r.end]]
            if not vetoed:
                failures.append(f"counter-example {ex.text!r}: not rejected by {ex.veto}; rejections: "
                                f"{[(r.veto, ex.text[r.start:r.end]) for r in rejections_of(doc)]}")
    assert not failures, "\n".join(failures)
