"""Named rules: patterns are data, vetoes are named checks, and every decision is explained.

A component's patterns live in ``models/<pipeline>/<component>/patterns.toml``, one
``[[pattern]]`` entry each (spaCy's ``SpanRuler`` ids and Presidio's ``Pattern(name, regex,
score)`` are the models)::

    [[pattern]]
    name = "figure.percent"                 # comes back in mentions.rule
    what = "a number with a per-cent sign or word"
    regex = '''{{number}}\\s?(?:%|per\\s?cent)'''
    score = 0.9
    vetoes = ["figure.year"]                # named checks that may reject a candidate
    examples = ["13% of the workers => 13%"]
    counter_examples = [{ text = "in 2021", veto = "figure.year" }]

``{{name}}`` in a regex is replaced by a named fragment (``[fragments]`` of the file or of
``models/<pipeline>/fragments.toml``) or by a word list the component offers (its ``.txt``
files, as an alternation longest first). A pattern without ``regex`` is structural: its
logic is the component's code, and the entry names it, says what it does and gives its
examples. A veto is a method of the component marked ``@veto("name")`` that returns the
reason it rejects a candidate, or ``None``; it is reusable by any pattern that lists it.

Examples run through the whole pipeline (``tests/test_rules.py``): an example's span must
come out with the pattern's name as its rule; a counter-example must not (and, where it
names a veto, that veto must be the one that rejected it).
"""
from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _parser
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..errors import ModelError

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# the letters, for use inside a character class ("[{{UP}}]"): substituted as they are
UP = "".join(chr(c) for c in range(0x41, 0x250) if chr(c).isupper() and chr(c).isalpha())
LO = "".join(chr(c) for c in range(0x61, 0x250) if chr(c).islower() and chr(c).isalpha())
CHARACTER_CLASSES = {"UP": UP, "LO": LO}
ARROW = " => "


@dataclass(frozen=True)
class Example:
    """A text and the span a pattern must give (or, for a counter-example, must not give:
    an empty span means nothing at all from that pattern); ``veto`` names the check expected
    to reject a counter-example."""

    text: str
    span: str = ""
    veto: str = ""


@dataclass(frozen=True)
class Pattern:
    name: str
    what: str
    kind: str  # "scanner" (finds candidates the readings judge: its examples are regex matches) or "rule"
    score: float
    regex: re.Pattern | None
    vetoes: tuple[str, ...]
    examples: tuple[Example, ...]
    counter_examples: tuple[Example, ...]
    source: str  # the file it was read from, for messages


@dataclass(frozen=True)
class Rejection:
    """A candidate a veto turned down: kept on the Doc so an analyst can ask why something
    was not found, and so a counter-example can check which veto decided."""

    rule: str
    start: int
    end: int
    veto: str
    reason: str


@dataclass
class Trace:
    """What one candidate went through: the vetoes it passed and the evidence read for it."""

    rule: str
    score: float
    passed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text and text not in self.notes:
            self.notes.append(text)

    def explain(self) -> str:
        parts = [f"{self.rule} ({self.score:.2f})"] + self.notes
        if self.passed:
            parts.append("passed " + ", ".join(self.passed))
        return "; ".join(parts)


def veto(name: str) -> Callable[[Callable], Callable]:
    """Mark a component method as the named veto ``name``."""
    def mark(fn: Callable) -> Callable:
        fn.veto_name = name
        return fn
    return mark


def vetoes_of(component: object) -> dict[str, Callable[..., str | None]]:
    """The named vetoes of a component, as bound methods."""
    out = {}
    for attr in dir(type(component)):
        fn = getattr(type(component), attr, None)
        name = getattr(fn, "veto_name", None)
        if name:
            out[name] = getattr(component, attr)
    return out


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, the longest that matches first (so 'Vice-Chair' wins
    over 'Chair'); a space in a word matches any run of spaces.

    The words are written as a trie ('minist(?:ry|er(?:\\s+of\\s+state)?)'), not one branch per
    word: Python's engine tries the branches of an alternation one by one at every position, so a
    list of a thousand roles would be a thousand tries per character; in a trie it is one per
    letter read. Longer continuations are tried before a word ends, and of two branches the one
    holding the longer word first, so the match is the one the plain longest-first list gives."""
    trie: dict = {}
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _trie_regex(trie)[0]


def _trie_regex(node: dict) -> tuple[str, int]:
    """The regex of a trie node and the length of the longest word below it."""
    children = []
    for key, child in node.items():
        if key:
            regex, depth = _trie_regex(child)
            children.append((-depth - 1, key, (r"\s+" if key == " " else re.escape(key)) + regex))
    if not children:
        return "", 0
    children.sort()
    body = "|".join(regex for _, _, regex in children)
    longest = -children[0][0]
    if "" in node:
        return f"(?:{body})?", longest
    return (body if len(children) == 1 else f"(?:{body})"), longest


_CATEGORIES = {_sre.CATEGORY_DIGIT: r"\d", _sre.CATEGORY_NOT_DIGIT: r"\D", _sre.CATEGORY_SPACE: r"\s",
               _sre.CATEGORY_NOT_SPACE: r"\S", _sre.CATEGORY_WORD: r"\w", _sre.CATEGORY_NOT_WORD: r"\W"}
_ZERO_WIDTH = (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)
MAX_GUARD_LETTERS = 20  # of the 26 lower-case letters a lookahead may let through and still save time


class _Unknown(Exception):
    """A construct whose first characters are not worked out (a back-reference, a conditional)."""


def guarded(pattern: str, flags: int = 0) -> re.Pattern:
    """The pattern compiled behind a lookahead on the characters a match can start with, where
    the engine cannot skip ahead itself: it looks for a leading literal or character class, and
    finds none in a pattern that opens with a lookbehind, a word boundary or an optional part, so
    it would try the whole pattern at every position of the text. The lookahead lets a position
    that no match can start at fail on one character. The matches are the same. Raises
    ``re.error`` for a pattern that does not compile."""
    try:
        parsed = _parser.parse(pattern, flags)
        flags = parsed.state.flags  # with the pattern's own global flags ("(?x)")
        if _leads_with_class(parsed.data):
            return re.compile(pattern, flags)
        chars, empty = _first(parsed.data, bool(flags & re.I))
        if empty or not chars:
            return re.compile(pattern, flags)  # a match may start anywhere
        sensitive, insensitive = (sorted({c for c, ci in chars if ci == flag}) for flag in (False, True))
        options = ([f"[{''.join(sensitive)}]"] if sensitive else []) + \
            ([f"(?i:[{''.join(insensitive)}])"] if insensitive else [])
        guard = f"(?={'|'.join(options)})"
        if len(re.findall(guard, string.ascii_lowercase)) > MAX_GUARD_LETTERS:
            return re.compile(pattern, flags)  # a guard most letters pass adds a step and saves none
        body = f"{pattern}\n" if flags & re.X else pattern  # a closing comment ends at the line
        return re.compile(f"{guard}(?:{body})", flags)
    except (_Unknown, re.error, RecursionError):  # (re.error: global flags inside, which cannot be wrapped)
        return re.compile(pattern, flags)


def _leads_with_class(items: list) -> bool:
    """Whether the engine's own search finds a first literal or character class (it skips ahead by it)."""
    while items:
        op, av = items[0]
        if op is _sre.SUBPATTERN and not av[1] and not av[2]:
            items = av[3].data
        elif op is _sre.BRANCH:
            return all(b.data and b.data[0][0] is _sre.LITERAL for b in av[1])
        else:
            return op in (_sre.LITERAL, _sre.IN)
    return False


def _first(items: list, ignore_case: bool) -> tuple[set[tuple[str, bool]], bool]:
    """The characters (as class items, with whether case is ignored) a sequence can start with,
    and whether it can match the empty string."""
    chars: set[tuple[str, bool]] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # a superset is safe: what the assertion rules out is left to the pattern
        if op is _sre.LITERAL:
            return chars | {(re.escape(chr(av)), ignore_case)}, False
        if op is _sre.IN:
            return chars | _class(av, ignore_case), False
        if op is _sre.SUBPATTERN:
            case = (ignore_case or bool(av[1] & re.I)) and not av[2] & re.I
            found, empty = _first(av[3].data, case)
        elif op is _sre.ATOMIC_GROUP:
            found, empty = _first(av.data, ignore_case)
        elif op is _sre.BRANCH:
            parts = [_first(b.data, ignore_case) for b in av[1]]
            found, empty = set().union(*(p for p, _ in parts)), any(e for _, e in parts)
        elif op in _REPEATS:
            found, empty = _first(av[2].data, ignore_case)
            empty = empty or av[0] == 0
        else:
            raise _Unknown(str(op))  # ANY, NOT_LITERAL, GROUPREF...: could be nearly anything
        chars |= found
        if not empty:
            return chars, False
    return chars, True


def _class(items: list, ignore_case: bool) -> set[tuple[str, bool]]:
    out = set()
    for op, av in items:
        if op is _sre.LITERAL:
            out.add((re.escape(chr(av)), ignore_case))
        elif op is _sre.RANGE:
            out.add((f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}", ignore_case))
        elif op is _sre.CATEGORY and av in _CATEGORIES:
            out.add((_CATEGORIES[av], ignore_case))
        else:
            raise _Unknown(str(op))  # a negated class: nearly anything
    return out


def _example(raw: Any, where: str) -> Example:
    if isinstance(raw, str):
        text, _, span = raw.partition(ARROW)
        return Example(text, span.strip())
    if isinstance(raw, dict) and isinstance(raw.get("text"), str):
        return Example(raw["text"], str(raw.get("span", "")), str(raw.get("veto", "")))
    raise ModelError(f"{where}: an example is a string 'text => span' or a table {{text, span, veto}}, got {raw!r}")


class Rules:
    """The patterns of one component, compiled with its vocabulary, and its vetoes."""

    def __init__(self, patterns: dict[str, Pattern], vetoes: Mapping[str, Callable[..., str | None]],
                 defaults: tuple[str, ...] = (), fragments: Mapping[str, str] | None = None) -> None:
        self.patterns = patterns
        self.vetoes = vetoes
        self.defaults = defaults  # vetoes every candidate of the component passes, whichever pattern found it
        self._fragments = dict(fragments or {})

    def fragment(self, name: str) -> str:
        """A named fragment, expanded (for a sub-pattern the code applies inside a match)."""
        return self._fragments[name]

    @classmethod
    def load(cls, path: Path, vocabulary: Mapping[str, str], vetoes: Mapping[str, Callable[..., str | None]],
             shared: Path | None = None) -> "Rules":
        """Read ``path`` (a patterns.toml), substitute fragments and word lists, compile."""
        fragments: dict[str, str] = {}
        for source in ([shared] if shared and shared.exists() else []) + [path]:
            fragments.update(_read(source).get("fragments", {}))
        raw = _read(path)
        names = dict(vocabulary)

        def expand(template: str, where: str, depth: int = 0) -> str:
            if depth > 8:
                raise ModelError(f"{where}: fragments refer to each other in a loop")

            def one(m: re.Match) -> str:
                key = m.group(1)
                if key in CHARACTER_CLASSES:
                    return CHARACTER_CLASSES[key]
                if key in fragments:
                    return f"(?:{expand(fragments[key], where, depth + 1)})"
                if key in names:
                    return f"(?:{names[key]})"
                raise ModelError(f"{where}: unknown placeholder {{{{{key}}}}}; define it under [fragments] or add "
                                 f"the word list {key}.txt beside {path.name}")
            return PLACEHOLDER.sub(one, template)

        defaults = tuple(raw.get("defaults", {}).get("vetoes", []))
        unknown = [v for v in defaults if v not in vetoes]
        if unknown:
            raise ModelError(f"{path}: [defaults] names unknown vetoes {unknown}; known: {sorted(vetoes)}")
        patterns: dict[str, Pattern] = {}
        for i, entry in enumerate(raw.get("pattern", []), start=1):
            where = f"{path}: pattern {entry.get('name') or i}"
            name = entry.get("name")
            if not isinstance(name, str) or not name:
                raise ModelError(f"{where}: every [[pattern]] needs a name")
            if name in patterns:
                raise ModelError(f"{where}: the name {name!r} is used twice; pattern names must be unique")
            unknown = [v for v in entry.get("vetoes", []) if v not in vetoes]
            if unknown:
                raise ModelError(f"{where}: unknown vetoes {unknown}; known: {sorted(vetoes)}")
            regex = None
            if entry.get("regex"):
                try:
                    regex = guarded(expand(entry["regex"], where), re.X if entry.get("verbose") else 0)
                except re.error as e:
                    raise ModelError(f"{where}: the regex does not compile ({e})") from e
            patterns[name] = Pattern(
                name=name, what=str(entry.get("what", "")), kind=str(entry.get("kind", "rule")),
                score=float(entry.get("score", 0.5)), regex=regex,
                vetoes=tuple(dict.fromkeys(list(entry.get("vetoes", [])) + (
                    list(defaults) if entry.get("defaults", True) and entry.get("kind") != "scanner" else []))),
                examples=tuple(_example(x, where) for x in entry.get("examples", [])),
                counter_examples=tuple(_example(x, where) for x in entry.get("counter_examples", [])),
                source=str(path))
        return cls(patterns, vetoes, defaults, {k: expand(v, f"{path}: fragment {k}") for k, v in fragments.items()})

    def __getitem__(self, name: str) -> Pattern:
        try:
            return self.patterns[name]
        except KeyError:
            raise ModelError(f"no pattern named {name!r} in the rule files; restore them from git") from None

    def __iter__(self) -> Iterator[Pattern]:
        return iter(self.patterns.values())

    def finditer(self, name: str, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        regex = self[name].regex
        if regex is None:
            raise ModelError(f"pattern {name!r} has no regex")
        return regex.finditer(text, pos, len(text) if endpos is None else endpos)

    def match(self, name: str, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        regex = self[name].regex
        return regex.match(text, pos, len(text) if endpos is None else endpos) if regex else None

    def search(self, name: str, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        regex = self[name].regex
        return regex.search(text, pos, len(text) if endpos is None else endpos) if regex else None

    def trace(self, name: str) -> Trace:
        p = self[name]
        return Trace(p.name, p.score)

    def screen(self, trace: Trace, start: int, end: int, rejected: list[Rejection], *args: Any,
               only: Iterable[str] | None = None) -> bool:
        """Run the pattern's vetoes (or ``only`` these) on a candidate; record the first that
        rejects it, or the names of those it passed."""
        for name in only if only is not None else self[trace.rule].vetoes:
            reason = self.vetoes[name](*args)
            if reason:
                rejected.append(Rejection(trace.rule, start, end, name, reason))
                return False
            if name not in trace.passed:
                trace.passed.append(name)
        return True


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path} is missing; restore models/ from git") from None
    except tomllib.TOMLDecodeError as e:
        raise ModelError(f"{path}: not valid TOML ({e}); fix the line it names") from e
