"""Recognise: run the spaCy pipeline of ``models/`` over a Document's blocks.

The pipeline is a spaCy folder (``config.cfg``, rule files per component) loaded with
``spacy.load``; its recognisers are the factories of ``pipeline.components``. Mentions come
back with document offsets, page and box.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np
import spacy
from spacy.language import Language
from spacy.symbols import ORTH, SENT_START
from spacy.tokens import Doc

from . import __version__, components  # noqa: F401  (registers the factories before spacy.load)
from .components.common import facts_of, mentions_of, read_words
from .components.rules import Pattern
from .components.speakers import is_abbreviation
from .data import Document, Recognition
from .errors import ModelError
from .extract import from_text

log = logging.getLogger(__name__)

RULE_COMPONENTS = {"countries": "meeting_countries", "meeting": "meeting_facts", "figures": "meeting_figures",
                   "speakers": "meeting_speakers", "programmes": "meeting_programmes", "turns": "meeting_turns"}


def rules_version(model: Path, lexicon: Path) -> str:
    """The package version and a digest of its code, the model and the word list: a document's
    rows made by other code or rules are stale, and ``run`` processes it again. Not cached: a
    user may edit a rule file between two runs of one process."""
    digest = hashlib.sha256()
    code = Path(__file__).resolve().parent
    for folder, pattern in ((code, "*.py"), (Path(model), "*"), (Path(lexicon), "*")):
        for f in sorted(p for p in folder.rglob(pattern) if p.is_file()):
            digest.update(str(f.relative_to(folder)).encode())
            digest.update(f.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


@lru_cache(maxsize=2)
def load_nlp(path: Path) -> Language:
    """The recognition pipeline (cached: loading reads every gazetteer)."""
    if not (Path(path) / "config.cfg").exists():
        raise ModelError(f"no spaCy pipeline at {path}: restore models/ from git, or rebuild it with "
                         "`python -m pipeline build-model`")
    try:
        return spacy.load(path)
    except Exception as e:
        raise ModelError(f"the pipeline at {path} cannot be loaded ({e}); rebuild it with "
                         "`python -m pipeline build-model`") from e


def build_model(path: Path) -> Language:
    """Assemble the pipeline from its rule files in ``path`` and save it there.

    The rule files are the source of truth and stay in place; this writes the spaCy
    configuration, tokenizer and vocabulary around them.
    """
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "meeting.ChunkCachedTokenizer.v1"}}})
    for word in filter(is_abbreviation, read_words(Path(path) / "speakers" / "honorifics.txt")):
        abbreviation = word if word.endswith(".") else word + "."  # "Hon. Kofi": no sentence ends there
        for form in {abbreviation, abbreviation.upper()}:  # "MR. HAYASHI" in a transcript set in capitals
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    nlp.add_pipe("meeting_sentencizer", name="sentencizer")
    for name, factory in RULE_COMPONENTS.items():
        nlp.add_pipe(factory, name=name).from_disk(Path(path) / name)
    nlp.meta.update(name="meeting_en", version="1.0.0", author="meeting-summaries pipeline",
                    description="Rule-based recognisers of speakers, countries, programmes and figures "
                                "in meeting summaries", license="MIT")
    nlp.to_disk(path)
    # spaCy saves the sentencizer's characters from a set, in an order that changes from run to
    # run: sort them so that rebuilding an unchanged model changes no file
    saved = Path(path) / "sentencizer.json"
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["punct_chars"] = sorted(data["punct_chars"])
    saved.write_text(json.dumps(data, indent=2), encoding="utf-8")
    load_nlp.cache_clear()
    return nlp


class Found(NamedTuple):
    """A rule's output on a Doc: a mention, or a decision taken over the document."""

    rule: str
    start: int
    end: int
    text: str


def outputs(doc: Doc) -> list[Found]:
    """Everything the named rules produced on a Doc (the rule tests read this)."""
    return [Found(m.rule, m.start, m.end, m.text) for m in mentions_of(doc)] + \
        [Found(f.rule, f.start, f.end, f.text) for f in facts_of(doc)] + \
        [Found(f.rule, f.start, f.end, doc.text[f.start:f.end]) for f in doc._.floor or ()]


def read(document: Document, nlp: Language) -> Doc:
    """The document as one Doc run through the pipeline, its blocks the span group ``blocks``."""
    text = document.text
    nlp.max_length = max(nlp.max_length, len(text) + 1)
    doc = nlp.make_doc(text)
    doc.user_data["text"] = text  # what text_of() would rebuild from the tokens: the Doc's text is the document's
    blocks = []
    starts = np.zeros(len(doc), dtype=np.uint64)
    for b in document.blocks:
        span = doc.char_span(b.start, b.end, label=b.kind, alignment_mode="expand")
        if span is not None and len(span):
            blocks.append(span)
            starts[span.start] = 1  # no sentence runs from one paragraph or heading into the next
    # set at once: spaCy checks the whole Doc for a parse each time one token's start is set
    doc.from_array([SENT_START], starts)
    doc.spans["blocks"] = blocks
    return nlp(doc)


def recognise(document: Document, nlp: Language) -> Recognition:
    """Everything recognised in one document: its text is one Doc (spacy-layout's idea), its
    paragraphs and headings the span group ``blocks``, so every component sees the whole
    document; mentions come back with page and box."""
    doc = read(document, nlp)
    mentions = []
    for m in sorted(mentions_of(doc), key=lambda m: (m.start, m.end)):
        page, box = document.locate(m.start, m.end)
        mentions.append(dataclasses.replace(m, page=page, box=box))
    facts = {f.rule: f for f in reversed(facts_of(doc))}
    host = facts.get("speaker.house") or facts.get("speaker.host")
    return Recognition(tuple(mentions), tuple(doc._.floor or ()),
                       date=facts["meeting.date"].value if "meeting.date" in facts else "",
                       host=host.value if host else "")


def patterns(nlp: Language) -> list[Pattern]:
    """Every named pattern of the pipeline, component by component."""
    return [p for name in nlp.pipe_names if hasattr(nlp.get_pipe(name), "rules") for p in nlp.get_pipe(name).rules]


@contextmanager
def patterns_alone(nlp: Language) -> Iterator[None]:
    """The pipeline with its trained scorer set aside: what the patterns themselves propose (the
    scorer is judged on held-out documents by `python -m pipeline train`, not by examples)."""
    programmes = nlp.get_pipe("programmes") if "programmes" in nlp.pipe_names else None
    before = programmes.use_scorer if programmes is not None else None
    if programmes is not None:
        programmes.use_scorer = False
    try:
        yield
    finally:
        if programmes is not None:
            programmes.use_scorer = before


def check_pattern(nlp: Language, pattern: Pattern) -> list[str]:
    """What goes wrong with a pattern's examples: an example whose span does not come out of the
    pipeline with this pattern's name, a counter-example whose does, a counter-example not turned
    down by the veto it names. An example is a document of its own: blank lines part its
    paragraphs, a short line without a full stop is a heading. A scanner's examples are what its
    regex finds."""
    with patterns_alone(nlp):
        return _check(nlp, pattern)


def _check(nlp: Language, pattern: Pattern) -> list[str]:
    failures = []
    if pattern.kind == "scanner":
        for ex in pattern.examples:
            if ex.span not in [m.group(0) for m in pattern.regex.finditer(ex.text)]:
                failures.append(f"example {ex.text!r}: {pattern.name} does not find {ex.span!r}")
        for ex in pattern.counter_examples:
            found = [m.group(0) for m in pattern.regex.finditer(ex.text)]
            if (ex.span in found) if ex.span else found:
                failures.append(f"counter-example {ex.text!r}: {pattern.name} finds {found}")
        return failures
    for ex in pattern.examples:
        got = [o.text for o in outputs(read(from_text(ex.text, keep_lines=True), nlp)) if o.rule == pattern.name]
        if ex.span not in got:
            failures.append(f"example {ex.text!r}: wanted {ex.span!r} from {pattern.name}, got {got}")
    for ex in pattern.counter_examples:
        doc = read(from_text(ex.text, keep_lines=True), nlp)
        got = [o.text for o in outputs(doc) if o.rule == pattern.name]
        if (ex.span in got) if ex.span else got:
            failures.append(f"counter-example {ex.text!r}: {pattern.name} gave {got}")
        if ex.veto and not any(r.rule == pattern.name and r.veto == ex.veto and ex.span in ex.text[r.start:r.end]
                               for r in doc._.rejections or ()):
            failures.append(f"counter-example {ex.text!r}: not turned down by {ex.veto}; turned down: "
                            f"{[(r.rule, r.veto, ex.text[r.start:r.end]) for r in doc._.rejections or ()]}")
    return failures
