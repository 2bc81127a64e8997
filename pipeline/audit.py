"""Audit: every extracted mention shown against its source, reviewed and corrected.

``write_audit`` writes one self-contained page per document, named after its PDF
(``audit/<name>.html``, to be mailed as it is), and an index of them: the text with every
mention highlighted by type (hover for its value, speaker, rule and confidence), a list of
the mentions by type, and each PDF page, scaled and compressed, with a box around every
mention. ``export_review`` and ``apply_review`` are the review loop: a sheet with one row per
mention, and its verdicts recorded in the database, applied by every later run (the review
app, ``review_app.py``, records the same verdicts from the browser). The sheet is read as a
spreadsheet may have saved it (byte-order mark, ';' or tab separators, cells quoted against
formulas); a row that does not name a mention of the database is refused.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import logging
import os
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .data import Label
from .errors import PipelineError, ReviewError
from .page_images import MAIL_EFFORT, MAIL_GREYS, MAIL_WIDTH, PageImageError, image_size, render
from .review import VERDICTS, default_reviewer, parse_verdict, record_verdicts, verdict_row
from .tables import Store, spreadsheet_safe, unquote

log = logging.getLogger(__name__)

COLOURS = {"SPEAKER": "#f4b942", "COUNTRY": "#6cc3a0", "PROGRAMME": "#8fb3f0", "FIGURE": "#f08f8f"}
PLURALS = {"SPEAKER": "Speakers", "COUNTRY": "Countries", "PROGRAMME": "Programmes", "FIGURE": "Figures"}
CONTEXT = 80
OLD_NAME = re.compile(r"[0-9a-f]{64}\.html")  # pages named by SHA-256, as written before the index existed
SHEET_COLUMNS = {"doc_id", "label", "start", "end", "text", "verdict"}
SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs"}

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
mark{border-radius:2px;padding:0 1px;color:inherit}mark:target,.page a:target{outline:3px solid #d33}
mark a{color:inherit;text-decoration:none}
.page{position:relative;margin:1.5em 0;border:1px solid #ccc;display:inline-block}
.page img{display:block}.page a{position:absolute;border:2px solid;background:rgba(255,255,255,0);opacity:.9}
.page a:hover{background:rgba(255,255,0,.25)}.removed{color:#777;font-size:.85em}
table{border-collapse:collapse;margin:1em}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}
"""


def pick_documents(store: Store, doc: str | None) -> pd.DataFrame:
    docs = store.documents()
    docs = docs[docs.status != "failed"]
    if doc:
        docs = docs[docs.doc_id.str.startswith(doc) | docs.source.map(lambda s: Path(s).name == doc)]
        if docs.empty:
            raise PipelineError(f"no processed document matches {doc!r}; see documents.csv for doc_id values")
    if docs.empty:
        raise PipelineError("no processed document to audit; run `python -m pipeline run FOLDER --out OUTDIR` first")
    return docs


def page_names(documents: pd.DataFrame) -> dict[str, str]:
    """doc_id -> the audit page's file name: the PDF's name, and the start of its hash where
    two PDFs share a name."""
    stems = documents.source.map(lambda s: re.sub(r"[^\w.-]+", "_", Path(s).stem) or "document")
    shared = set(stems[stems.duplicated(keep=False)])
    return {d: (f"{s}-{d[:8]}" if s in shared else s) + ".html" for d, s in zip(documents.doc_id, stems)}


def audit_link(from_dir: Path, outdir: Path, name: str, anchor: str = "") -> str:
    """A relative link from a page in ``from_dir`` to the audit page ``name`` of ``outdir``."""
    rel = os.path.relpath(Path(outdir) / "audit" / name, Path(from_dir)).replace(os.sep, "/")
    return rel + (f"#{anchor}" if anchor else "")


def write_audit(outdir: Path, doc: str | None = None, jobs: int = 0) -> list[Path]:
    """Write OUTDIR/audit/<name>.html for one document or all, and OUTDIR/audit/index.html;
    return the paths. Pages are rendered in ``jobs`` processes (default: one per core)."""
    outdir = Path(outdir)
    target = outdir / "audit"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if OLD_NAME.fullmatch(old.name):
            old.unlink()
    written = []
    with Store(outdir, create=False) as store:
        everything = store.documents()
        names = page_names(everything)
        chosen = pick_documents(store, doc)
        counts = store.table("mentions").groupby(["doc_id", "label"]).size().unstack(fill_value=0)
        workers = min(jobs or os.cpu_count() or 1, len(chosen))
        with ProcessPoolExecutor(workers) if workers > 1 else _InProcess() as pool:
            images = pool.map(_page_images, [(Path(r.source), r.pages) for r in chosen.itertuples()])
            for row, pages_html in zip(chosen.itertuples(), images):
                where = ("WHERE doc_id = ?", (row.doc_id,))
                text = store.table("texts", *where).text
                mentions = store.table("mentions", *where)
                speakers = store.table("speakers", *where)
                removed = store.table("removed_lines", *where)
                sizes = store.table("pages", *where).set_index("page").width.to_dict()
                body = _document_html(row, text.iloc[0] if not text.empty else "", mentions, speakers, removed,
                                      _boxed(pages_html, mentions, sizes))
                path = target / names[row.doc_id]
                path.write_text(body, encoding="utf-8")
                written.append(path)
        index = target / "index.html"
        index.write_text(_index_html(everything[everything.status != "failed"], names, counts, target),
                         encoding="utf-8")
    return [index] + written


class _InProcess:
    """The executor interface, in this process (one document, or one core)."""

    def __enter__(self) -> "_InProcess":
        return self

    def __exit__(self, *exc) -> None:
        pass

    @staticmethod
    def map(fn, items):
        return map(fn, items)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _tooltip(m, speakers: dict[str, str]) -> str:
    """Value, speaker, rule and confidence (the label is the colour, the page the link)."""
    parts = [str(m.value)]
    if m.speaker_id:
        parts.append(speakers.get(m.speaker_id, m.speaker_id))
    parts.append(f"{m.rule} {m.confidence:.2f}")
    explanation = getattr(m, "explanation", "")
    if isinstance(explanation, str) and explanation:
        parts.append(explanation)
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
            out.append(f"<mark id={m.mention_id} class={m.label[0]} title='{html.escape(_tooltip(m, speakers))}'>"
                       + (f"<a href=#b{m.mention_id}>" if link else ""))
            stack.append((m.end, link))
        out.append(html.escape(ch))
    while stack:
        out.append("</a></mark>" if stack.pop()[1] else "</mark>")
    return "".join(out)


def _page_images(job: tuple[Path, int]) -> list[tuple[int, str, int, int]] | str:
    """Each page of a PDF as (number, data URL, width, height), scaled and compressed for mail;
    or why there are none (a page view is a convenience: the text view never depends on it)."""
    source, pages = job
    out = []
    try:
        for number in range(1, int(pages) + 1):
            data = render(source, number, MAIL_WIDTH, MAIL_GREYS, MAIL_EFFORT)
            w, h = image_size(data)
            out.append((number, "data:image/webp;base64," + base64.b64encode(data).decode(), w, h))
    except PageImageError as e:
        log.warning("no page images for %s: %s", source, e)
        return str(e)
    return out


def _boxed(pages: list[tuple[int, str, int, int]] | str, mentions: pd.DataFrame, widths: dict[int, float]) -> str:
    """The page images with a box over every mention, in HTML."""
    if isinstance(pages, str):
        return f"<p class='removed'>No page images: {html.escape(pages)}</p>"
    out = []
    for number, url, w, h in pages:
        scale = w / widths.get(number, w)
        boxes = []
        for m in mentions[mentions.page == number].itertuples():
            left, top = m.x0 * scale - 2, m.top * scale - 2
            bw, bh = (m.x1 - m.x0) * scale + 4, (m.bottom - m.top) * scale + 4
            boxes.append(f"<a class=b{m.label[0]} id=b{m.mention_id} href=#{m.mention_id} "
                         f"style=left:{left:.0f}px;top:{top:.0f}px;width:{bw:.0f}px;height:{bh:.0f}px></a>")
        out.append(f"<h3 id='page-{number}'>Page {number}</h3><div class='page'>"
                   f"<img alt='page {number}' width='{w}' height='{h}' src='{url}'>{''.join(boxes)}</div>")
    return "\n".join(out)


def _label_css() -> str:
    """Short class names (the label's initial): a corpus has tens of thousands of marks."""
    return "".join(f"mark.{k[0]}{{background:{c}}}.page a.b{k[0]}{{border-color:{c}}}" for k, c in COLOURS.items())


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
            side.append(f"<li><a href=#{m.mention_id}>{e(str(m.text))}</a> → {e(str(m.value))} "
                        f"<a href=#page-{m.page}>p.{m.page}</a>")
        side.append("</ol>")
    removed_html = "".join(f"<li>p.{r.page} {e(r.kind)}: {e(str(r.text))}</li>" for r in removed.itertuples())
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Audit: {e(Path(row.source).name)}"
            f"</title><style>{CSS}{_label_css()}</style></head><body><header><h1>Audit of {e(Path(row.source).name)}"
            f"</h1><p><a href='index.html'>all documents</a> · doc_id {e(row.doc_id)} · {row.pages} pages · "
            f"{len(mentions)} mentions · status {e(row.status)} · <a href='#pages'>page view</a></p>"
            f"<p class='legend'>{legend} Hover a mention for its value, speaker, "
            f"rule and confidence; click it to see it on its page.</p></header>"
            f"<div class='wrap'><aside>{''.join(side)}</aside><main><div class='text'>"
            f"{_marked_text(text, mentions, names)}</div>"
            f"<h2>Removed from the text (headers, footers, page numbers)</h2><ul class='removed'>{removed_html}</ul>"
            f"<h2 id='pages'>Pages</h2>{page_html}</main></div></body></html>")


def _index_html(documents: pd.DataFrame, names: dict[str, str], counts: pd.DataFrame, folder: Path) -> str:
    """The audit pages in a table: what each document is and how many mentions of each kind."""
    e = html.escape
    head = "".join(f"<th>{PLURALS[k]}</th>" for k in COLOURS)
    rows = []
    for d in documents.sort_values("source").itertuples():
        name = names[d.doc_id]
        n = [int(counts.at[d.doc_id, k]) if d.doc_id in counts.index and k in counts.columns else 0 for k in COLOURS]
        link = f"<a href='{e(name)}'>{e(Path(name).stem)}</a>" if (folder / name).exists() else e(Path(name).stem)
        rows.append(f"<tr><td>{link}</td><td>{e(str(d.title or '')[:90])}</td><td>{e(str(d.date or ''))}</td>"
                    f"<td>{d.pages}</td><td>{e(d.status)}</td>" + "".join(f"<td>{x}</td>" for x in n) + "</tr>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Audit pages</title>"
            f"<style>{CSS}</style></head><body><header><h1>Audit pages: {len(documents)} documents</h1>"
            f"<p>Each page shows a document's text with every mention highlighted and its PDF pages with boxes. "
            f"To give verdicts, run <code>python -m pipeline review OUTDIR</code>.</p></header>"
            f"<table><tr><th>Document</th><th>Title</th><th>Date</th><th>Pages</th><th>Status</th>{head}</tr>"
            + "".join(rows) + "</table></body></html>")


# ---------------------------------------------------------------------- review loop
def export_review(outdir: Path, output: Path, doc: str | None = None, label: str | None = None) -> int:
    """Write a review sheet: one row per mention, with an empty verdict column."""
    rows = []
    with Store(outdir, create=False) as store:
        for d in pick_documents(store, doc).itertuples():
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
    sheet = pd.DataFrame(rows, columns=["doc_id", "source", "mention_id", "label", "text", "value", "speaker", "page",
                                        "start", "end", "context", "verdict"])
    spreadsheet_safe(sheet).to_csv(output, index=False)  # PDF text never runs as a formula
    return len(rows)


def read_sheet(review: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a review sheet with their line numbers, cells as exported (the quote
    that keeps a formula from running taken off)."""
    review = Path(review)
    if not review.is_file():
        raise ReviewError(f"{review} does not exist; write one with `python -m pipeline audit export OUTDIR`")
    data = review.read_bytes()
    if b"\x00" in data[:4096] or data.startswith(b"PK"):
        raise ReviewError(f"{review} is not a CSV file (binary content, e.g. an .xlsx workbook); in the spreadsheet, "
                            "save it as 'CSV UTF-8' and apply that file")
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's 'CSV UTF-8' starts with a byte-order mark
    except UnicodeDecodeError as e:
        raise ReviewError(f"{review} is not UTF-8 text (byte {e.start} is {data[e.start:e.start + 1]!r}); in the "
                            "spreadsheet, save it as 'CSV UTF-8' and apply it again") from None
    header = text.split("\n", 1)[0]
    for sep in SEPARATORS:  # a spreadsheet in a language with decimal commas separates cells by ';'
        names = {c.strip() for c in next(csv.reader([header], delimiter=sep), [])}
        if SHEET_COLUMNS <= names:
            break
    else:
        sep = max(SEPARATORS, key=header.count)
        raise ReviewError(f"{review} lacks the columns {sorted(SHEET_COLUMNS - names)} (its first line, separated by "
                            f"{SEPARATORS[sep]}, is {header[:80]!r}); export a fresh sheet with `audit export`")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sep)
    return [(reader.line_num, {k.strip(): unquote(v or "") for k, v in row.items() if isinstance(k, str)})
            for row in reader]


def _whole(value: str, what: str, where: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ReviewError(f"{where}: {what} {value!r} is not a whole number; take the value from a fresh "
                            "`audit export` (nothing was recorded)") from None


def apply_review(review: Path, outdir: Path, reviewer: str | None = None) -> dict[str, int]:
    """Record the verdicts of a review sheet in the corrections table (reviewer: the login name
    unless given). Every row is checked against the database first (nothing is recorded if one
    is wrong); a verdict equal to the reviewer's last on that mention is counted as
    ``unchanged``, not recorded again."""
    sheet = read_sheet(review)
    reviewer = reviewer or default_reviewer()
    now = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    records = []
    with Store(outdir, create=False) as store:
        docs = set(store.documents().doc_id)
        text_of: dict[tuple, str] = {}
        for frame in (store.table("corrections"), store.table("mentions")):  # a mention marked wrong left the
            text_of |= {(d, lab, int(a), int(b)): t      # mentions; it may be reviewed again
                        for d, lab, a, b, t in zip(frame.doc_id, frame.label, frame.start, frame.end, frame.text)}
        seen: dict[tuple, tuple[tuple[str, str], int]] = {}
        for line, row in sheet:
            verdict = (row.get("verdict") or "").strip()
            if not verdict:
                continue
            where = f"{review} line {line}"
            doc, label = row["doc_id"].strip(), row["label"].strip()
            if label not in {x.value for x in Label}:
                raise ReviewError(f"{where}: label {label!r} is none of {', '.join(x.value for x in Label)}; "
                                  "take the row from a fresh `audit export` (nothing was recorded)")
            try:
                kind, value = parse_verdict(verdict, label)
            except ReviewError as e:
                raise ReviewError(f"{where}: {e}; correct it and apply again (nothing was recorded)") from None
            if doc not in docs:
                raise ReviewError(f"{where}: document {doc!r} is not in {outdir}; apply the sheet to the output "
                                  "folder it was exported from (nothing was recorded)")
            key = (doc, label, _whole(row["start"], "start", where), _whole(row["end"], "end", where))
            if key not in text_of:
                raise ReviewError(f"{where}: document {doc[:12]} has no {label} mention at {key[2]}-{key[3]}; "
                                  "take the row from a fresh `audit export` (nothing was recorded)")
            if row["text"].strip() != text_of[key].strip():
                raise ReviewError(f"{where}: the text {row['text']!r} is not that of the mention at "
                                  f"{key[2]}-{key[3]} ({text_of[key]!r}); the row's cells no longer belong together "
                                  "(a partial sort?): take it from a fresh `audit export` (nothing was recorded)")
            if key in seen:
                if seen[key][0] != (kind, value):
                    raise ReviewError(f"{where}: this mention got another verdict on line {seen[key][1]}; keep one "
                                      "(nothing was recorded)")
                continue
            seen[key] = ((kind, value), line)
            records.append(verdict_row(*key, text_of[key], kind, value, reviewer, now))
        recorded = record_verdicts(store, records)
    return {v: sum(r["verdict"] == v for r in recorded) for v in VERDICTS} | {"unchanged": len(records) - len(recorded)}
