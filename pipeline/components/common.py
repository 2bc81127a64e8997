"""What the recognisers share: reading their data files, and the list of mentions on a Doc.

Recognisers append ``Mention`` objects (offsets relative to the Doc) to ``doc._.mentions``
instead of storing values on ``Span._``: span extensions are keyed by offsets, so two
spans over the same characters would share them (the DESIGN's trap).
"""
from __future__ import annotations

import bisect
import csv
import re
import shutil
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Callable, Iterable, Sequence, TypeVar

from spacy.tokens import Doc

from ..data import Label, Mention, SpeakerCue
from ..errors import ModelError
from .rules import Rejection, Rules, alternation, vetoes_of

T = TypeVar("T")

for _name in ("mentions", "rejections", "facts", "floor"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def mentions_of(doc: Doc, label: Label | None = None) -> list[Mention]:
    """The Doc's mentions (created on first use), optionally only those of one label."""
    if doc._.mentions is None:
        doc._.mentions = []
    if label is None:
        return doc._.mentions
    return [m for m in doc._.mentions if m.label == label]


@dataclass(frozen=True)
class Fact:
    """A decision taken over the document (its date, a vote), named by the pattern that found it;
    ``scope`` is the stretch of text it governs (a vote's sentence)."""

    rule: str
    start: int
    end: int
    text: str
    value: str
    scope: tuple[int, int]


def facts_of(doc: Doc) -> list[Fact]:
    """The document-level facts on this Doc (created on first use)."""
    if doc._.facts is None:
        doc._.facts = []
    return doc._.facts


def rejections_of(doc: Doc) -> list[Rejection]:
    """The candidates vetoes turned down on this Doc, with the reason (for audit and tests)."""
    if doc._.rejections is None:
        doc._.rejections = []
    return doc._.rejections


@lru_cache(maxsize=4)
def grammar(model: Path) -> dict[str, tuple[str, ...]]:
    """The closed word classes of ``models/<pipeline>/grammar.toml`` (prepositions, list joiners...)."""
    path = Path(model) / "grammar.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ModelError(f"{path} cannot be read ({e}); restore models/ from git") from e
    return {k: tuple(v) for k, v in raw.get("words", {}).items()}


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a tab-separated file with a header; ``#`` lines are comments."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = [ln for ln in f if ln.strip() and not ln.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


def read_words(path: Path) -> list[str]:
    """One entry per line; ``#`` starts a comment."""
    with open(path, encoding="utf-8") as f:
        return [ln.split("#", 1)[0].strip() for ln in f if ln.split("#", 1)[0].strip()]


class DataComponent:
    """A recogniser whose rules live as data files in its folder of the model directory.

    ``spacy.load`` calls ``from_disk`` with that folder; ``to_disk`` copies the files back,
    so ``nlp.to_disk`` round-trips a pipeline without touching the rules.
    """

    files: tuple[str, ...] = ()
    source: Path | None = None
    rules: Rules

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> "DataComponent":
        path = Path(path)
        missing = [f for f in self.files if not (path / f).exists()]
        if missing:
            raise FileNotFoundError(f"{path}: missing rule files {missing}; restore them from git")
        self.source = path
        self.load(path)
        return self

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.source is None or self.source.resolve() == path.resolve():
            return
        for f in self.source.iterdir():
            if f.is_file():
                shutil.copy(f, path / f.name)

    def load(self, path: Path) -> None:
        raise NotImplementedError

    def load_rules(self, path: Path, vocabulary: dict[str, str] | None = None) -> None:
        """Read the component's patterns.toml with its word lists and the pipeline's fragments."""
        words = {k: alternation(v) for k, v in grammar(path.parent).items()}
        words.update({f.stem: alternation(read_words(f)) for f in sorted(path.glob("*.txt"))})
        self.rules = Rules.load(path / "patterns.toml", {**words, **(vocabulary or {})}, vetoes_of(self),
                                shared=path.parent / "fragments.toml")


def text_of(doc: Doc) -> str:
    """The Doc's text, read once per document: spaCy rebuilds ``Doc.text`` from every token on
    each access, which over a long document is most of what the rules would cost."""
    if "text" not in doc.user_data:
        doc.user_data["text"] = doc.text
    return doc.user_data["text"]


def block_bounds(doc: Doc) -> list[tuple[int, int]]:
    """The paragraphs and headings of a document's Doc (the span group ``blocks``); a Doc made
    from a plain string is one block. Local patterns match inside one block: a name, a figure
    or a role never runs on from one paragraph into the next."""
    blocks = doc.spans.get("blocks") if "blocks" in doc.spans else None
    if not blocks:
        return [(0, len(text_of(doc)))]
    return [(b.start_char, b.end_char) for b in blocks]


def block_at(blocks: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    """The paragraph or heading (of ``block_bounds``, in reading order) holding ``offset``."""
    i = bisect.bisect_right(blocks, (offset, float("inf"))) - 1
    return blocks[i] if i >= 0 and offset < blocks[i][1] else None


def shifted(m: Mention, by: int) -> Mention:
    """The same mention with its offsets (and those its evidence holds) moved by ``by``: from a
    block's own text to the document's, or back."""
    evidence = m.evidence
    if isinstance(evidence, SpeakerCue) and (evidence.declares >= 0 or evidence.represented_by >= 0):
        evidence = replace(evidence, declares=evidence.declares + by if evidence.declares >= 0 else -1,
                           represented_by=evidence.represented_by + by if evidence.represented_by >= 0 else -1)
    return replace(m, start=m.start + by, end=m.end + by, evidence=evidence)


def grouped(blocks: list[tuple[int, int]], items: Sequence[T], bounds: Callable[[T], tuple[int, int]]
            ) -> list[list[T]]:
    """Per block, the items (whose ``bounds`` are character offsets) wholly inside it, in their
    own order: found by bisection among the items sorted by start, not by reading every item
    for every block (a long document has thousands of both)."""
    order = sorted(range(len(items)), key=lambda i: bounds(items[i])[0])
    starts = [bounds(items[i])[0] for i in order]
    out = []
    for start, end in blocks:
        picked = sorted(order[bisect.bisect_left(starts, start):bisect.bisect_right(starts, end)])
        out.append([items[i] for i in picked if bounds(items[i])[1] <= end])
    return out


def within(mentions: Sequence[Mention], blocks: list[tuple[int, int]]) -> list[list[Mention]]:
    """Per block, the mentions inside it, in the block's own offsets."""
    return [[shifted(m, -start) for m in inside]
            for (start, _), inside in zip(blocks, grouped(blocks, mentions, lambda m: (m.start, m.end)))]


class Spans:
    """Character spans, asked whether any overlaps a stretch: by bisection on their starts and
    the furthest end reached so far, so that checking every name of a long document against
    every speaker does not take their product."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))

    def overlap(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, end)  # the spans starting before the stretch ends
        return i > 0 and self._reach[i - 1] > start


NEXT_WORD = re.compile(r"\s*(?:(?P<bracket>\([^()\n]{0,150}\))|(?P<comma>,)|(?P<word>[A-Za-z][\w'’-]*))")


def verb_after(text: str, end: int, limit: int, verbs: frozenset[str], adverbs: frozenset[str]) -> str:
    """The finite verb of which what ends at ``end`` is the subject, or '': the next word, past a
    bracket ('Mr. Tanaka (Japan) noted'), an apposition between commas ('The representative of
    Norway, speaking on behalf of the Nordic countries, welcomed'), which may hold a list ('Denmark,
    speaking also on behalf of Finland, Iceland and Norway, encouraged') and adverbs ('also', 'fully')."""
    verb, pos = _verb_at(text, end, limit, verbs, adverbs)
    if verb or pos < 0:
        return verb
    stop = min([limit, pos + 160] + [i for i in (text.find(ch, pos, limit) for ch in ";.:") if i >= 0])
    close = text.find(",", pos, stop)
    while close >= 0:  # the first comma of the apposition that a verb follows
        verb, _ = _verb_at(text, close + 1, limit, verbs, adverbs)
        if verb:
            return verb
        close = text.find(",", close + 1, stop)
    return ""


def _verb_at(text: str, pos: int, limit: int, verbs: frozenset[str], adverbs: frozenset[str]) -> tuple[str, int]:
    """The finite verb at ``pos`` past brackets and adverbs; else '' and where a comma opens an
    apposition (-1 when something else stands there)."""
    while pos < limit:
        m = NEXT_WORD.match(text, pos, limit)
        if m is None:
            return "", -1
        pos = m.end()
        if m.group("bracket"):
            continue
        if m.group("comma"):
            return "", pos
        word = m.group("word")
        low = word.lower()
        if low in adverbs or low.endswith("ly") and len(low) > 4 and word.islower():
            continue
        if not word.islower() or low not in verbs:
            return "", -1
        if low.endswith("s") and not low.endswith("ss") and not re.match(r" [a-z]", text[pos:pos + 2]):
            return "", -1  # "notes that", "welcomes the": not a plural noun ("WHO headquarters, Geneva")
        return word, pos
    return "", -1


SENTENCE_END = re.compile(r"\.(\s|$)|\n")


def sentence_around(text: str, offset: int) -> tuple[int, int]:
    """The sentence holding ``offset``, by its full stops and line ends (a figure's country, a vote)."""
    start = max(text.rfind(". ", 0, offset), text.rfind("\n", 0, offset)) + 1
    end = SENTENCE_END.search(text, offset)
    return start, end.start() if end else len(text)


def without_overlaps(found: list[T]) -> list[T]:
    """Of overlapping readings keep the longer, then the more confident ('the Skilled
    Immigration Act' over 'Immigration Act'; a person's name over a chair's office word). Works on
    anything with start, end and confidence: mentions, and a recogniser's drafts of them."""
    found = sorted(found, key=lambda m: (m.start, -(m.end - m.start), -m.confidence))
    out: list[T] = []
    for m in found:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out