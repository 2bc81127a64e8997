"""Review: an analyst's verdicts on mentions, recorded once and applied on every later run.

A verdict is keyed by the document's hash, the mention's label and its span, so it
survives re-runs and applies to nothing else: ``wrong`` keeps the mention out of the
tables, ``fix:<value>`` overrides its normalised value, ``ok`` marks it as checked. Every
verdict is kept with its reviewer and time (the review sheet, the review app and a Label
Studio import all record them here); the latest one on a span is the one applied.
"""
from __future__ import annotations

import dataclasses
import getpass
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from functools import lru_cache

from .data import Recognition
from .errors import ReviewError
from .settings import DEFAULT_MODEL
from .tables import Store

VERDICTS = ("ok", "wrong", "fix")
# a figure's fix: "1,500,000", "1500000.5", "1.5" | "1,5", "1.500.000,5" (a decimal comma); then a scale word
POINT_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+")
COMMA_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+|\d+,\d{1,2}")
FIX_FIGURE = re.compile(r"([+-]?)(\d[\d.,]*|\.\d+)\s*([^\W\d_]*)\s*(.*)")  # sign, number, scale?, unit?


def default_reviewer() -> str:
    """The login name: who gives a verdict when no name is given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME (some containers)
        return "analyst"


def parse_verdict(verdict: str, label: str) -> tuple[str, str]:
    """``ok``, ``wrong`` or ``fix:<value>`` as (kind, value); a figure's value must be a number.
    Raises ReviewError saying what is wrong (the caller adds where)."""
    kind, _, value = str(verdict).strip().partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind not in VERDICTS or (kind == "fix") != bool(value):
        raise ReviewError(f"verdict {verdict!r} is not ok, wrong or fix:<value>")
    if kind == "fix" and label == "FIGURE":
        value = figure_value(value)
    return kind, value


def _table(name: str) -> list[list[str]]:
    """The rows of a figure recogniser's TSV file in models/ (its header left out)."""
    with open(DEFAULT_MODEL / "figures" / name, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")][1:]


@lru_cache(maxsize=1)
def _scales() -> dict[str, float]:
    """The scale words the figure recogniser reads ('million', 'bn', 'M'), with their factors."""
    return {row[0]: float(row[1]) for row in _table("scales.tsv")}


@lru_cache(maxsize=1)
def _units() -> set[str]:
    """What may follow a figure's value, as the tables show it ('2000000.0 EUR'): a fix keeps the unit."""
    return {w.rstrip("?") for name in ("units.tsv", "measure_units.tsv") for row in _table(name) for w in row[:2]} \
        | {"count"}


def figure_value(value: str) -> str:
    """A figure's corrected value as the tables hold it: '1,5 million' is 1500000.0, never 15.0;
    a number, a scale word the recogniser knows and the figure's unit, or refused."""
    m = FIX_FIGURE.fullmatch(value.strip())
    sign, digits, word, rest = m.groups() if m else ("", "", "", "")
    number = None
    if POINT_NUMBER.fullmatch(digits):
        number = float(digits.replace(",", ""))
    elif COMMA_NUMBER.fullmatch(digits):
        number = float(digits.replace(".", "").replace(",", "."))
    scale, unit = (word, rest) if word in _scales() else ("", " ".join(filter(None, (word, rest))))
    if number is None or (unit and unit not in _units()):
        raise ReviewError(f"a figure's fix must be a number, optionally with a scale word and its unit "
                          f"(1500000, 1.5 million, 1,5 million EUR), got {value!r}")
    return str((-1 if sign == "-" else 1) * number * _scales().get(scale, 1.0))


def verdict_row(doc_id: str, label: str, start: int, end: int, text: str, kind: str, value: str, reviewer: str,
                reviewed_at: str | None = None) -> dict:
    """One row of the corrections table."""
    reviewed_at = reviewed_at or datetime.now(timezone.utc).isoformat(timespec="microseconds")
    return dict(doc_id=doc_id, label=label, start=int(start), end=int(end), text=text, verdict=kind, value=value,
                reviewer=reviewer, reviewed_at=reviewed_at)


def record_verdicts(store: Store, records: list[dict], export: bool = True) -> list[dict]:
    """Add verdicts to the corrections table in one transaction (never replacing earlier ones:
    every reviewer's verdict is kept), but not one equal to its reviewer's last verdict on the
    span: giving the same verdict again changes nothing. Returns the verdicts recorded."""
    if not records:
        return []
    docs = sorted({r["doc_id"] for r in records})
    earlier = store.table("corrections", f"WHERE doc_id IN ({', '.join('?' * len(docs))})", tuple(docs))
    last = {span_key(v) + (v["reviewer"],): (v["verdict"], str(v["value"] or ""))
            for v in earlier.to_dict("records")}  # in the order reviewed: the last wins
    new = [r for r in records if last.get(span_key(r) + (r["reviewer"],)) != (r["verdict"], str(r["value"] or ""))]
    if new:
        with store.transaction():
            store.insert("corrections", new)
        if export:
            store.export(("corrections",))
    return new


def span_key(row: dict) -> tuple[str, str, int, int]:
    return row["doc_id"], row["label"], int(row["start"]), int(row["end"])


def latest_per_reviewer(verdicts: Iterable[dict]) -> list[dict]:
    """Each reviewer's latest verdict on one span, oldest first (so the last one applies)."""
    mine: dict[str, dict] = {}
    for v in sorted(verdicts, key=lambda v: str(v.get("reviewed_at", ""))):
        mine.pop(v["reviewer"], None)
        mine[v["reviewer"]] = v
    return list(mine.values())


def agreement(verdicts: Iterable[dict]) -> str:
    """'agree' or 'disagree' when two or more reviewers judged a span, else ''."""
    latest = latest_per_reviewer(verdicts)
    if len(latest) < 2:
        return ""
    return "agree" if len({(v["verdict"], str(v.get("value") or "")) for v in latest}) == 1 else "disagree"


def apply_corrections(recognition: Recognition, corrections: list[dict]) -> Recognition:
    """What was recognised, with the document's verdicts applied to its mentions (the latest wins)."""
    if not corrections:
        return recognition
    latest: dict[tuple[str, int, int], dict] = {}
    for c in sorted(corrections, key=lambda c: str(c.get("reviewed_at", ""))):
        latest[(c["label"], int(c["start"]), int(c["end"]))] = c
    out = []
    for m in recognition.mentions:
        c = latest.get((m.label.value, m.start, m.end))
        if c is None or (c.get("text") and c["text"] != m.text):
            out.append(m)
            continue
        verdict = c["verdict"]
        if verdict == "wrong":
            continue
        if verdict == "fix":
            m = dataclasses.replace(m, value=str(c["value"]), reviewed="fix")
        else:
            m = dataclasses.replace(m, reviewed=verdict)
        out.append(m)
    return dataclasses.replace(recognition, mentions=tuple(out))
