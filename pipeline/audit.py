"""Audit: every extracted mention shown against its source, reviewed and corrected.

``write_audit`` writes one self-contained page per document: the text with every mention
highlighted by type (hover for its value, speaker, rule and confidence), a list of the
mentions by type, and each PDF page rendered with a box around every mention.
``export_review`` and ``apply_review`` are the review loop: a sheet with one row per
mention, and its verdicts recorded in the database, applied by every later run.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pdfplumber

from .errors import PipelineError
from .tables import Store

log = logging.getLogger(__name__)

COLOURS = {"SPEAKER": "#f4b942", "COUNTRY": "#6cc3a0", "PROGRAMME": "#8fb3f0", "FIGURE": "#f08f8f"}
PLURALS = {"SPEAKER": "Speakers", "COUNTRY": "Countries", "PROGRAMME": "Programmes", "FIGURE": "Figures"}
RESOLUTION = 96  # dpi of the rendered pages
CONTEXT = 80
VERDICTS = ("ok", "wrong", "fix")

CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#222}
header{padding:.8em 1.2em;background:#f3f3f3;border-bottom:1px solid #ddd}
header h1{font-size:1.2em;margin:0}.legend span{display:inline-block;padding:0 .5em;margin-right:.5em;border-radius:3px}
.wrap{display:flex;align-items:flex-start}
aside{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid #ddd;font-size:.8em;
padding:.5em}
aside h2{font-size:1em;margin:.8em 0 .3em}aside ol{padding-left:1.6em;margin:0}aside li{margin:.1em 0}
main{flex:1;padding:1em 2em;max-width:900px}
.text{white-space:pre-wrap;line-height:1.6;font-family:Georgia,serif}
mark{border-radius:2px;padding:0 1px;color:inherit}mark:target,.box:target{outline:3px solid #d33}
mark a{color:inherit;text-decoration:none}
.page{position:relative;margin:1.5em 0;border:1px solid #ccc;display:inline-block}
.page img{display:block}.box{position:absolute;border:2px solid;background:rgba(255,255,255,0);opacity:.9}
.box:hover{background:rgba(255,255,0,.25)}.removed{color:#777;font-size:.85em}
"""


def _pick(store: Store, doc: str | None) -> pd.DataFrame:
    docs = store.documents()
    docs = docs[docs.status != "failed"]
    if doc:
        docs = docs[docs.doc_id.str.startswith(doc) | docs.source.map(lambda s: Path(s).name == doc)]
        if docs.empty:
            raise PipelineError(f"no processed document matches {doc!r}; see documents.csv for doc_id values")
    if docs.empty:
        raise PipelineError("no processed document to audit; run `python -m pipeline run FOLDER --out OUTDIR` first")
    return docs


def write_audit(outdir: Path, doc: str | None = None) -> list[Path]:
    """Write OUTDIR/audit/<doc_id>.html for one document or all; return the paths."""
    outdir = Path(outdir)
    target = outdir / "audit"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    with Store(outdir) as store:
        for row in _pick(store, doc).itertuples():
            where = ("WHERE doc_id = ?", (row.doc_id,))
            text = store.table("texts", *where).text
            mentions = store.table("mentions", *where)
            speakers = store.table("speakers", *where)
            pages = store.table("pages", *where)
            removed = store.table("removed_lines", *where)
            page_html = _page_images(Path(row.source), mentions, pages)
            body = _document_html(row, text.iloc[0] if not text.empty else "", mentions, speakers, removed,
                                  page_html)
            path = target / f"{row.doc_id}.html"
            path.write_text(body, encoding="utf-8")
            written.append(path)
    return written


def _tooltip(m, speakers: dict[str, str]) -> str:
    parts = [m.label, f"value: {m.value}"]
    if m.speaker_id:
        parts.append(f"speaker: {speakers.get(m.speaker_id, m.speaker_id)}")
    parts += [f"rule: {m.rule}", f"confidence: {m.confidence:.2f}", f"page {m.page}"]
    if isinstance(m.corrected, str) and m.corrected:
        parts.append(f"reviewed: {m.corrected}")
    return " · ".join(parts)


def _nested(mentions: pd.DataFrame) -> set[str]:
    """Mentions that can be drawn inline: properly nested in one another (a crossing one is
    still listed and boxed on its page)."""
    ok: set[str] = set()
    stack: list[int] = []
    for m in mentions.sort_values(["start", "end"], ascending=[True, False]).itertuples():
        while stack and stack[-1] <= m.start:
            stack.pop()
        if stack and m.end > stack[-1]:
            continue
        ok.add(m.mention_id)
        stack.append(m.end)
    return ok


def _marked_text(text: str, mentions: pd.DataFrame, speakers: dict[str, str]) -> str:
    """The document text, escaped, with every (nestable) mention in a <mark>; outermost marks
    link to their box on the page view (links cannot nest)."""
    drawable = _nested(mentions)
    opens: dict[int, list] = {}
    for m in mentions.sort_values(["start", "end"], ascending=[True, False]).itertuples():
        if m.mention_id in drawable:
            opens.setdefault(m.start, []).append(m)
    out: list[str] = []
    stack: list[tuple[int, bool]] = []  # (end, is a link)
    for i, ch in enumerate(text):
        while stack and stack[-1][0] == i:
            out.append("</a></mark>" if stack.pop()[1] else "</mark>")
        for m in opens.get(i, []):
            link = not stack
            out.append(f"<mark id='{m.mention_id}' class='m-{m.label}' style='background:{COLOURS[m.label]}' "
                       f"title='{html.escape(_tooltip(m, speakers))}'>"
                       + (f"<a href='#box-{m.mention_id}'>" if link else ""))
            stack.append((m.end, link))
        out.append(html.escape(ch))
    while stack:
        out.append("</a></mark>" if stack.pop()[1] else "</mark>")
    return "".join(out)


def _page_images(source: Path, mentions: pd.DataFrame, pages: pd.DataFrame) -> str:
    """Each page as an image with a box over every mention (needs the PDF still in place)."""
    if not source.exists():
        return f"<p class='removed'>The PDF {html.escape(str(source))} is no longer there: no page images.</p>"
    scale = RESOLUTION / 72
    out = []
    try:
        with pdfplumber.open(source) as pdf:
            for page in pdf.pages:
                number = page.page_number
                try:
                    image = page.to_image(resolution=RESOLUTION).original.convert("RGB")
                finally:
                    page.close()
                buf = io.BytesIO()
                image.save(buf, format="JPEG", quality=70)
                data = base64.b64encode(buf.getvalue()).decode()
                boxes = []
                for m in mentions[mentions.page == number].itertuples():
                    left, top = m.x0 * scale - 2, m.top * scale - 2
                    w, h = (m.x1 - m.x0) * scale + 4, (m.bottom - m.top) * scale + 4
                    boxes.append(f"<a class='box' id='box-{m.mention_id}' href='#{m.mention_id}' "
                                 f"title='{html.escape(m.label + ': ' + str(m.text))}' "
                                 f"style='left:{left:.0f}px;top:{top:.0f}px;width:{w:.0f}px;height:{h:.0f}px;"
                                 f"border-color:{COLOURS[m.label]}'></a>")
                out.append(f"<h3 id='page-{number}'>Page {number}</h3><div class='page'>"
                           f"<img alt='page {number}' width='{image.width}' height='{image.height}' "
                           f"src='data:image/jpeg;base64,{data}'>{''.join(boxes)}</div>")
    except Exception as e:  # a page view is a convenience: never lose the text view for it
        log.warning("cannot render pages of %s: %s", source, e)
        out.append(f"<p class='removed'>Pages could not be rendered: {html.escape(str(e))}</p>")
    return "\n".join(out)


def _document_html(row, text: str, mentions: pd.DataFrame, speakers: pd.DataFrame, removed: pd.DataFrame,
                   page_html: str) -> str:
    e = html.escape
    names = dict(zip(speakers.speaker_id, speakers.name))
    legend = "".join(f"<span style='background:{c}'>{k.title()}</span>" for k, c in COLOURS.items())
    side = []
    for label in COLOURS:
        group = mentions[mentions.label == label]
        side.append(f"<h2>{PLURALS[label]} ({len(group)})</h2><ol>")
        for m in group.itertuples():
            side.append(f"<li><a href='#{m.mention_id}'>{e(str(m.text))}</a> → {e(str(m.value))} "
                        f"<a href='#page-{m.page}'>p.{m.page}</a></li>")
        side.append("</ol>")
    removed_html = "".join(f"<li>p.{r.page} {e(r.kind)}: {e(str(r.text))}</li>" for r in removed.itertuples())
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Audit: {e(Path(row.source).name)}"
            f"</title><style>{CSS}</style></head><body><header><h1>Audit of {e(Path(row.source).name)}</h1>"
            f"<p>doc_id {e(row.doc_id)} · {row.pages} pages · {len(mentions)} mentions · status {e(row.status)} · "
            f"<a href='#pages'>page view</a></p><p class='legend'>{legend} Hover a mention for its value, speaker, "
            f"rule and confidence; click it to see it on its page.</p></header>"
            f"<div class='wrap'><aside>{''.join(side)}</aside><main><div class='text'>"
            f"{_marked_text(text, mentions, names)}</div>"
            f"<h2>Removed from the text (headers, footers, page numbers)</h2><ul class='removed'>{removed_html}</ul>"
            f"<h2 id='pages'>Pages</h2>{page_html}</main></div></body></html>")


# ---------------------------------------------------------------------- review loop
def export_review(outdir: Path, output: Path, doc: str | None = None, label: str | None = None) -> int:
    """Write a review sheet: one row per mention, with an empty verdict column."""
    rows = []
    with Store(outdir) as store:
        for d in _pick(store, doc).itertuples():
            where = ("WHERE doc_id = ?", (d.doc_id,))
            text = store.table("texts", *where).text
            text = text.iloc[0] if not text.empty else ""
            speakers = store.table("speakers", *where)
            names = dict(zip(speakers.speaker_id, speakers.name))
            for m in store.table("mentions", *where).itertuples():
                if label and m.label != label.upper():
                    continue
                context = text[max(0, m.start - CONTEXT):m.end + CONTEXT].replace("\n", " ")
                rows.append(dict(doc_id=d.doc_id, source=Path(d.source).name, mention_id=m.mention_id,
                                 label=m.label, text=m.text, value=m.value, speaker=names.get(m.speaker_id, ""),
                                 page=m.page, start=m.start, end=m.end, context=context, verdict=""))
    pd.DataFrame(rows, columns=["doc_id", "source", "mention_id", "label", "text", "value", "speaker", "page",
                                "start", "end", "context", "verdict"]).to_csv(output, index=False)
    return len(rows)


def apply_review(review: Path, outdir: Path, reviewer: str) -> dict[str, int]:
    """Record the verdicts of a review sheet in the corrections table."""
    if not Path(review).exists():
        raise PipelineError(f"{review} does not exist; write one with `python -m pipeline audit export OUTDIR`")
    with open(review, newline="", encoding="utf-8") as f:
        sheet = list(csv.DictReader(f))
    needed = {"doc_id", "label", "start", "end", "text", "verdict"}
    if sheet and not needed <= set(sheet[0]):
        raise PipelineError(f"{review} lacks the columns {sorted(needed - set(sheet[0]))}; "
                            "export a fresh sheet with `audit export`")
    now = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    records, counts = [], {v: 0 for v in VERDICTS}
    for line, row in enumerate(sheet, start=2):
        verdict = (row.get("verdict") or "").strip()
        if not verdict:
            continue
        kind, _, value = verdict.partition(":")
        kind = kind.strip().lower()
        if kind not in VERDICTS or (kind == "fix") != bool(value.strip()):
            raise PipelineError(f"{review} line {line}: verdict {verdict!r} is not ok, wrong or fix:<value>; "
                                "correct it and apply again (nothing was recorded)")
        if kind == "fix" and row["label"] == "FIGURE":
            try:
                value = str(float(value.strip().split()[0].replace(",", "")))
            except ValueError:
                raise PipelineError(f"{review} line {line}: a figure's fix must be a number, got {value!r}") from None
        counts[kind] += 1
        records.append(dict(doc_id=row["doc_id"], label=row["label"], start=int(row["start"]), end=int(row["end"]),
                            text=row["text"], verdict=kind, value=value.strip(), reviewer=reviewer, reviewed_at=now))
    with Store(outdir) as store:
        with store.transaction():
            store.insert("corrections", records)
        store.export(("corrections",))
    return counts
