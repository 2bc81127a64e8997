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
from collections.abc import Iterable
from datetime import datetime, timezone

from .data import Recognition
from .errors import ReviewError
from .tables import Store

VERDICTS = ("ok", "wrong", "fix")


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
        try:
            value = str(float(value.split()[0].replace(",", "")))
        except ValueError:
            raise ReviewError(f"a figure's fix must be a number, got {value!r}") from None
    return kind, value


def verdict_row(doc_id: str, label: str, start: int, end: int, text: str, kind: str, value: str, reviewer: str,
                reviewed_at: str | None = None) -> dict:
    """One row of the corrections table."""
    reviewed_at = reviewed_at or datetime.now(timezone.utc).isoformat(timespec="microseconds")
    return dict(doc_id=doc_id, label=label, start=int(start), end=int(end), text=text, verdict=kind, value=value,
                reviewer=reviewer, reviewed_at=reviewed_at)


def record_verdicts(store: Store, records: list[dict], export: bool = True) -> None:
    """Add verdicts to the corrections table in one transaction (never replacing earlier ones:
    every reviewer's verdict is kept)."""
    with store.transaction():
        store.insert("corrections", records)
    if export:
        store.export(("corrections",))


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
