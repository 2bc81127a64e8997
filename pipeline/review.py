"""Review: an analyst's verdicts on mentions, applied on every later run.

A verdict is keyed by the document's hash, the mention's label and its span, so it
survives re-runs and applies to nothing else: ``wrong`` keeps the mention out of the
tables, ``fix:<value>`` overrides its normalised value, ``ok`` marks it as checked.
"""
from __future__ import annotations

import dataclasses

from .data import Recognition


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
