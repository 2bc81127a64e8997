"""Annotation formats: the mentions out to the tools analysts already use, and verdicts back.

- Label Studio: ``export_label_studio`` writes one task per document (its text, and its
  mentions as a prediction: a labelled span per mention with a per-region text area holding
  its value) and the labelling configuration to create the project with.
  ``import_label_studio`` reads a Label Studio JSON export and records verdicts with the
  meaning of ``audit apply``: a prediction kept as it was is ``ok``, a deleted one
  ``wrong``, a changed value or span ``fix:<value>``; a span given another label was not
  what the pipeline said it was, so it is ``wrong`` too.
- spaCy: ``export_spacy`` writes the reviewed mentions as a ``DocBin`` for training:
  mentions judged ok or fixed are entities (a fixed value in ``kb_id``), mentions not yet
  reviewed are left missing, everything else is outside.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import spacy
from spacy.tokens import DocBin, Span
from spacy.util import filter_spans

from .audit import COLOURS, pick_documents
from .errors import ReviewError
from .review import default_reviewer, latest_per_reviewer, parse_verdict, record_verdicts, span_key, verdict_row
from .tables import Store

log = logging.getLogger(__name__)

FROM_LABEL, FROM_VALUE, TO_NAME = "label", "value", "text"


def labelling_config() -> str:
    """The Label Studio labelling configuration the exported tasks are made for."""
    labels = "\n".join(f'    <Label value="{k}" background="{c}"/>' for k, c in COLOURS.items())
    return (f'<View>\n  <Labels name="{FROM_LABEL}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="$text"/>\n'
            f'  <TextArea name="{FROM_VALUE}" toName="{TO_NAME}" perRegion="true" editable="true" rows="1" '
            f'placeholder="normalised value"/>\n</View>\n')


def _mentions(store: Store, doc_id: str, label: str | None):
    mentions = store.table("mentions", "WHERE doc_id = ? ORDER BY start", (doc_id,))
    return mentions[mentions.label == label.upper()] if label else mentions


def export_label_studio(outdir: Path, output: Path, doc: str | None = None,
                        label: str | None = None) -> tuple[int, int, Path]:
    """Write Label Studio tasks to ``output`` and the labelling config beside it; return
    (tasks, mentions, config path)."""
    tasks, count = [], 0
    with Store(outdir, create=False) as store:
        for d in pick_documents(store, doc).itertuples():
            text = store.table("texts", "WHERE doc_id = ?", (d.doc_id,)).text
            mentions = _mentions(store, d.doc_id, label)
            results, known = [], {}
            for m in mentions.itertuples():
                region = f"{d.doc_id[:12]}-{m.mention_id}"  # ids must be unique across tasks
                where = dict(start=int(m.start), end=int(m.end))
                results.append(dict(id=region, from_name=FROM_LABEL, to_name=TO_NAME, type="labels",
                                    score=float(m.confidence), value=dict(where, text=m.text, labels=[m.label])))
                results.append(dict(id=region, from_name=FROM_VALUE, to_name=TO_NAME, type="textarea",
                                    value=dict(where, text=[str(m.value)])))
                known[region] = dict(mention_id=m.mention_id, label=m.label, text=m.text, value=str(m.value), **where)
            count += len(known)
            score = float(mentions.confidence.mean()) if len(mentions) else 0.0
            tasks.append(dict(data=dict(text=text.iloc[0] if not text.empty else "", doc_id=d.doc_id,
                                        source=Path(d.source).name),
                              meta=dict(doc_id=d.doc_id, mentions=known),
                              predictions=[dict(model_version=f"meeting-pipeline {d.version}", score=score,
                                                result=results)]))
    output = Path(output)
    output.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    config = output.with_name(output.stem + ".label-config.xml")
    config.write_text(labelling_config(), encoding="utf-8")
    return len(tasks), count, config


def _predicted(task: dict) -> dict[str, dict]:
    """The mentions a task was exported with: from its meta, else from its prediction."""
    known = (task.get("meta") or {}).get("mentions")
    if known:
        return known
    out: dict[str, dict] = {}
    for prediction in task.get("predictions") or []:
        if isinstance(prediction, dict):
            for r in _regions(prediction.get("result") or []).items():
                out[r[0]] = r[1]
    return out


def _regions(result: list[dict]) -> dict[str, dict]:
    """Result items by region id: label, span, text and the value typed beside it."""
    out: dict[str, dict] = {}
    for item in result:
        value = item.get("value") or {}
        region = out.setdefault(str(item.get("id")), {})
        if item.get("type") == "labels" and value.get("labels"):
            region.update(label=value["labels"][0], start=value.get("start"), end=value.get("end"),
                          text=value.get("text", ""))
        elif item.get("type") == "textarea" and value.get("text") is not None:
            typed = value["text"]
            region["value"] = " ".join(typed) if isinstance(typed, list) else str(typed)
    return out


def _when(annotation: dict) -> str:
    """The time the annotation was last saved, as the corrections table writes times."""
    for key in ("updated_at", "created_at"):
        try:
            return datetime.fromisoformat(str(annotation[key]).replace("Z", "+00:00")).astimezone(
                timezone.utc).isoformat(timespec="microseconds")
        except (KeyError, ValueError):
            continue
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def import_label_studio(path: Path, outdir: Path, reviewer: str | None = None) -> dict[str, int]:
    """Record the verdicts of a Label Studio JSON export (the latest submitted annotation of
    each task). Nothing is recorded if any task cannot be read."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReviewError(f"{path} is not a Label Studio JSON export ({e}); export the project as JSON") from None
    if not isinstance(tasks, list):
        raise ReviewError(f"{path} is not a Label Studio JSON export: expected a list of tasks")
    reviewer = reviewer or default_reviewer()
    counts = dict(ok=0, wrong=0, fix=0, relabelled=0, added=0, unannotated=0)
    records = []
    with Store(outdir, create=False) as store:
        known_docs = set(store.documents().doc_id)
        for n, task in enumerate(tasks, start=1):
            annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict)
                           and not a.get("was_cancelled")]
            if not annotations:
                counts["unannotated"] += 1
                continue
            doc_id = (task.get("data") or {}).get("doc_id") or (task.get("meta") or {}).get("doc_id")
            if doc_id not in known_docs:
                raise ReviewError(f"{path} task {n}: document {doc_id!r} is not in {outdir}; import into the output "
                                  "folder the tasks were exported from (nothing was recorded)")
            latest = max(annotations, key=lambda a: (_when(a), str(a.get("id", ""))))
            given = _regions(latest.get("result") or [])
            when = _when(latest)
            for region, p in _predicted(task).items():
                got = given.get(region, {})
                if "label" not in got:
                    kind, value = "wrong", ""
                elif got["label"] != p["label"]:
                    kind, value = "wrong", ""
                    counts["relabelled"] += 1
                else:
                    value = str(got.get("value", p["value"])).strip()
                    same = (got.get("start"), got.get("end")) == (p["start"], p["end"]) and value == p["value"]
                    kind = "ok" if same else "fix"
                    try:
                        kind, value = parse_verdict(f"fix:{value}" if kind == "fix" else "ok", p["label"])
                    except ReviewError as e:
                        raise ReviewError(f"{path} task {n}, region {region}: {e} (nothing was recorded)") from None
                counts[kind] += 1
                records.append(verdict_row(doc_id, p["label"], p["start"], p["end"], p["text"], kind, value,
                                           reviewer, when))
            counts["added"] += sum(1 for r, g in given.items() if "label" in g and r not in _predicted(task))
        record_verdicts(store, records)
    return counts


def export_spacy(outdir: Path, output: Path, doc: str | None = None, label: str | None = None) -> tuple[int, int]:
    """Write the reviewed documents as a spaCy DocBin; return (documents, entities)."""
    nlp = spacy.blank("en")
    bin_ = DocBin(store_user_data=True)
    entities = 0
    with Store(outdir, create=False) as store:
        for d in pick_documents(store, doc).itertuples():
            corrections = store.table("corrections", "WHERE doc_id = ?", (d.doc_id,)).to_dict("records")
            if not corrections:
                continue
            by_span: dict[tuple, list[dict]] = {}
            for c in corrections:
                by_span.setdefault(span_key(c), []).append(c)
            latest = {k: latest_per_reviewer(v)[-1] for k, v in by_span.items()}  # the verdict the next run applies
            text = store.table("texts", "WHERE doc_id = ?", (d.doc_id,)).text
            sdoc = nlp.make_doc(text.iloc[0] if not text.empty else "")
            good, unseen = [], []
            for m in _mentions(store, d.doc_id, label).itertuples():
                span = sdoc.char_span(int(m.start), int(m.end), label=m.label, alignment_mode="expand")
                if span is None:
                    continue
                c = latest.get((d.doc_id, m.label, int(m.start), int(m.end)))
                if c is None:
                    unseen.append(span)
                elif c["verdict"] in ("ok", "fix"):
                    value = c["value"] if c["verdict"] == "fix" else str(m.value)
                    good.append(Span(sdoc, span.start, span.end, label=m.label, kb_id=value))
            good = filter_spans(good)
            taken = {i for s in good for i in range(s.start, s.end)}
            missing = filter_spans([s for s in unseen if not taken & set(range(s.start, s.end))])
            sdoc.set_ents(good, missing=missing, default="outside")
            sdoc.user_data["doc_id"] = d.doc_id
            bin_.add(sdoc)
            entities += len(good)
    bin_.to_disk(output)
    return len(bin_), entities
