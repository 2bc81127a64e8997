"""What the recognisers share: reading their data files, and the list of mentions on a Doc.

Recognisers append ``Mention`` objects (offsets relative to the Doc) to ``doc._.mentions``
instead of storing values on ``Span._``: span extensions are keyed by offsets, so two
spans over the same characters would share them (the DESIGN's trap).
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Iterable

from spacy.tokens import Doc

from ..data import Label, Mention

if not Doc.has_extension("mentions"):
    Doc.set_extension("mentions", default=None)


def mentions_of(doc: Doc, label: Label | None = None) -> list[Mention]:
    """The Doc's mentions (created on first use), optionally only those of one label."""
    if doc._.mentions is None:
        doc._.mentions = []
    if label is None:
        return doc._.mentions
    return [m for m in doc._.mentions if m.label == label]


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
        for name in self.files:
            shutil.copy(self.source / name, path / name)

    def load(self, path: Path) -> None:
        raise NotImplementedError


def without_overlaps(found: list[Mention]) -> list[Mention]:
    """Of overlapping readings keep the longer, then the more confident ('the Skilled
    Immigration Act' over 'Immigration Act'; a person's name over a chair's office word)."""
    found = sorted(found, key=lambda m: (m.start, -(m.end - m.start), -m.confidence))
    out: list[Mention] = []
    for m in found:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out
