"""Report: the themes of an output folder as one self-contained HTML page and a Markdown file.

The page has no external script, font or style (charts are inline SVG with their text drawn
as paths), so it opens offline and can be mailed. Every piece of document text is escaped,
in the Markdown file too (Markdown renderers pass raw HTML through).
"""
from __future__ import annotations

import html
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pycountry  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from .audit import audit_link, page_names  # noqa: E402
from .errors import PipelineError  # noqa: E402
from .tables import Store  # noqa: E402

matplotlib.rcParams["svg.fonttype"] = "path"  # no font files needed to show the text

QUOTES_PER_THEME = 8
PANELS = 16  # themes drawn over time, largest first
ORIGINS = {"agenda": "agenda item", "found": "found in the words", "seeded": "seeded"}
FIGURES_PER_THEME = 25

CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1d1d1f;
line-height:1.5}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin-bottom:.3em}.meta{color:#666;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0 1em}
th,td{border-bottom:1px solid #e5e5e5;text-align:left;padding:.3em .5em;vertical-align:top}
th{background:#f6f6f6}blockquote{margin:.4em 0 .9em;padding:.3em .8em;border-left:3px solid #7a9cc6;
background:#f7f9fc}.who{font-weight:bold}.kw{color:#555;font-size:.9em}.share{color:#666}
a{color:#1f5fa8}nav ol{columns:2}.chart svg{max-width:100%;height:auto}
"""


@dataclass
class Data:
    documents: pd.DataFrame
    statements: pd.DataFrame
    speakers: pd.DataFrame
    themes: pd.DataFrame
    programmes: pd.DataFrame
    figures: pd.DataFrame
    mentions: pd.DataFrame


def country_code(value: str, known: set[str]) -> str:
    """An ISO code (or a code the tables use, such as EU) from a code or a country's name:
    'Namibia' and 'NAM' give 'NA'."""
    if value.upper() in known:
        return value.upper()
    try:
        match = pycountry.countries.lookup(value)
    except LookupError:
        try:
            match = pycountry.countries.search_fuzzy(value)[0]
        except LookupError:
            raise PipelineError(f"--country {value!r}: no such country; give an ISO code (FR) or a name (France)") \
                from None
    return match.alpha_2


def _date(since: str) -> str:
    """A YYYY, YYYY-MM or YYYY-MM-DD date that exists, or a clear error."""
    formats = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d"}
    try:
        datetime.strptime(since, formats[len(since)])
    except (KeyError, ValueError):
        raise PipelineError(f"--since {since!r}: give a date as YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2020-03)") from None
    return since


def _load(outdir: Path, theme: str | None, country: str | None, since: str | None) -> Data:
    with Store(outdir, create=False) as store:
        t = {name: store.table(name) for name in ("documents", "statements", "speakers", "themes", "programmes",
                                                  "figures", "mentions")}
    if t["documents"].empty:
        raise PipelineError(f"{outdir} holds no processed document; run `python -m pipeline run FOLDER --out {outdir}`")
    if t["themes"].empty:
        raise PipelineError(f"{outdir} has no themes yet; run `python -m pipeline themes {outdir}`")
    docs = t["documents"]
    if since:
        docs = docs[docs.date.fillna("") >= _date(since)]
    st = t["statements"][t["statements"].doc_id.isin(docs.doc_id)]
    sp = t["speakers"]
    st = st.merge(sp[["doc_id", "speaker_id", "name", "country"]], on=["doc_id", "speaker_id"], how="left")
    if country:
        code = country_code(country, set(sp.country.dropna().str.upper()))
        st = st[st.country.fillna("").str.upper() == code]
    themes = t["themes"]
    if theme:
        needle = theme.lower()
        themes = themes[themes.label.str.lower().str.contains(needle, regex=False)
                        | themes.keywords.fillna("").str.lower().str.contains(needle, regex=False)]
        if themes.empty:
            raise PipelineError(f"--theme {theme!r}: no theme has it in its label or keywords; see themes.csv")
    st = st[st.theme_id.isin(themes.theme_id)]
    return Data(docs, st, sp, themes, t["programmes"], t["figures"], t["mentions"])


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return svg[svg.index("<svg"):]


def heatmap(data: Data) -> str:
    """Which countries spoke on which theme: statements per (country, theme), as inline SVG."""
    st = data.statements[data.statements.country.fillna("") != ""]
    if st.empty:
        return ""
    counts = st.groupby(["country", "theme_id"]).size().unstack(fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False).index[:30]]
    labels = dict(zip(data.themes.theme_id, data.themes.label))
    order = [t for t in data.themes.theme_id if t in counts.columns]
    counts = counts[order]
    fig, ax = plt.subplots(figsize=(1.2 + 0.55 * len(order), 1.0 + 0.32 * len(counts)))
    ax.imshow(counts.values, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(order)), [_short(labels[t]) for t in order], rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(counts)), counts.index, fontsize=8)
    for (i, j), v in pd.DataFrame(counts.values).stack().items():
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > counts.values.max() / 2 else "black")
    ax.set_title("Statements per country and theme", fontsize=9)
    return _svg(fig)


def timeline(data: Data) -> str:
    """Themes over the meetings, one small chart per theme on the same scales (a corpus only):
    each theme's share of the statements of each year, largest themes first."""
    dated = data.statements.merge(data.documents[["doc_id", "date"]], on="doc_id")
    dated = dated[dated.date.fillna("") != ""]
    if dated.date.nunique() < 3:
        return ""
    dated = dated.assign(year=dated.date.str[:4].astype(int))
    counts = dated.groupby(["year", "theme_id"]).size().unstack(fill_value=0)
    share = counts.div(counts.sum(axis=1), axis=0)
    labels = dict(zip(data.themes.theme_id, data.themes.label))
    order = [t for t in counts.sum().sort_values(ascending=False, kind="stable").index if t in labels][:PANELS]
    columns = min(4, len(order))
    rows = -(-len(order) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.3 * columns, 1.5 * rows + 0.4), sharex=True, sharey=True,
                             squeeze=False)
    for ax, t in zip(axes.flat, order):
        ax.fill_between(share.index, share[t], color="#7a9cc6", alpha=0.35, linewidth=0)
        ax.plot(share.index, share[t], color="#1f5fa8", linewidth=1)
        ax.set_title(_short(labels[t]), fontsize=7)
        ax.tick_params(labelsize=6)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    for ax in list(axes.flat)[len(order):]:
        ax.set_visible(False)
    fig.suptitle("Themes over the meetings: share of each year's statements", fontsize=9)
    fig.tight_layout()
    return _svg(fig)


def _short(label: str) -> str:
    return label if len(label) <= 28 else label[:26] + "…"


def _best_sentence(text: str, keywords: list[str]) -> str:
    """The sentence of a statement that uses most of its theme's keywords."""
    sentences = re.split(r"(?<=[.;!?])\s+(?=[A-Z\"“(])", text)
    scored = [(sum(k in s.lower() for k in keywords), -abs(len(s) - 220), s) for s in sentences if len(s) > 30]
    best = max(scored, default=(0, 0, text))[2]
    return best if len(best) <= 420 else best[:400].rsplit(" ", 1)[0] + " …"


def _source_link(report_dir: Path, source: str, page: int) -> str:
    try:
        rel = os.path.relpath(Path(source).resolve(), report_dir.resolve())
    except ValueError:
        rel = Path(source).resolve().as_uri()
    return f"{rel}#page={int(page)}"


def write_report(outdir: Path, theme: str | None = None, country: str | None = None,
                 since: str | None = None, report_dir: Path | None = None) -> list[Path]:
    """Write index.html and report.md into ``report_dir`` (default OUTDIR/report, or
    OUTDIR/report-<filters> for a filtered report, which never replaces the full one)."""
    data = _load(Path(outdir), theme, country, since)
    if report_dir is None:
        filters = [f"{k}-{v}" for k, v in (("theme", theme), ("country", country), ("since", since)) if v]
        report_dir = Path(outdir) / ("report-" + re.sub(r"[^\w.-]+", "_", "-".join(filters)) if filters else "report")
    report_dir = Path(report_dir)
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PipelineError(f"cannot create the report folder {report_dir}: {e.strerror}") from e
    sections = list(_sections(data, report_dir, Path(outdir)))
    heat, time_chart = heatmap(data), timeline(data)
    index = report_dir / "index.html"
    index.write_text(_html(data, sections, heat, time_chart, theme, country, since, report_dir, Path(outdir)),
                     encoding="utf-8")
    md = report_dir / "report.md"
    if heat:
        (report_dir / "countries-by-theme.svg").write_text(heat, encoding="utf-8")
    md.write_text(_markdown(data, sections, bool(heat)), encoding="utf-8")
    return [index, md]


@dataclass
class Section:
    theme_id: str
    label: str
    origin: str
    keywords: list[str]
    statements: int
    share: float
    quotes: list[dict]
    programmes: list[dict]
    figures: list[dict]
    countries: list[tuple[str, int]]


def _anchors(mentions: pd.DataFrame) -> dict[tuple[str, str], str]:
    """A statement's place on its audit page: its speaker's mention, else its first mention."""
    ranked = mentions[mentions.statement_id.fillna("") != ""].assign(
        speaker=lambda m: m.label != "SPEAKER").sort_values(["doc_id", "statement_id", "speaker", "start"])
    first = ranked.groupby(["doc_id", "statement_id"]).mention_id.first()
    return first.to_dict()


def _sections(data: Data, report_dir: Path, outdir: Path):
    anchors = _anchors(data.mentions)
    pages = page_names(data.documents)
    total = max(len(data.statements), 1)
    sources = dict(zip(data.documents.doc_id, data.documents.source))
    titles = {d: Path(s).name for d, s in sources.items()}
    names = {(r.doc_id, r.speaker_id): (r.name, r.country) for r in data.speakers.itertuples()}
    for t in data.themes.itertuples():
        st = data.statements[data.statements.theme_id == t.theme_id]
        if st.empty:
            continue
        keywords = [k.strip().lower() for k in str(t.keywords or "").split(",") if k.strip()]
        spoken = st[st.speaker_id.fillna("") != ""]
        quotes = []
        seen = set()
        for r in (spoken if not spoken.empty else st).itertuples():
            key = (r.doc_id, r.speaker_id)
            if key in seen and len(quotes) < QUOTES_PER_THEME // 2:
                continue
            seen.add(key)
            name, cc = names.get(key, ("", ""))
            quotes.append(dict(speaker=name or "(no speaker)", country=cc or "", text=_best_sentence(r.text, keywords),
                               doc=titles.get(r.doc_id, r.doc_id[:12]), page=int(r.page),
                               link=_source_link(report_dir, sources.get(r.doc_id, ""), r.page),
                               audit=audit_link(report_dir, outdir, pages.get(r.doc_id, f"{r.doc_id}.html"),
                                                anchors.get((r.doc_id, r.statement_id), f"page-{int(r.page)}"))))
            if len(quotes) >= QUOTES_PER_THEME:
                break
        keys = st[["doc_id", "statement_id"]]
        pm = data.mentions[data.mentions.label == "PROGRAMME"].merge(keys, on=["doc_id", "statement_id"])
        counts = Counter(pm.value)
        progs = []
        for name, n in counts.most_common(15):
            rows = data.programmes[(data.programmes.name == name)]
            progs.append(dict(name=name, mentions=n, country=rows.country.iloc[0] if not rows.empty else ""))
        fg = data.figures.merge(keys, on=["doc_id", "statement_id"])
        figures = [dict(text=r.text, value=r.value, unit=r.unit, measures=r.measures or "",
                        speaker=names.get((r.doc_id, r.speaker_id), ("", ""))[0],
                        doc=titles.get(r.doc_id, ""), page=int(r.page),
                        link=_source_link(report_dir, sources.get(r.doc_id, ""), r.page))
                   for r in fg.head(FIGURES_PER_THEME).itertuples()]
        countries = Counter(c for c in st.country.fillna("") if c).most_common(10)
        yield Section(t.theme_id, t.label, ORIGINS.get(t.origin or "found", "found in the words")
                      + (" (seeded)" if t.seeded and t.origin != "seeded" else ""), keywords, len(st), len(st) / total,
                      quotes, progs, figures, countries)


def _value(v: float, unit: str) -> str:
    text = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")
    return f"{text} %" if unit == "percent" else f"{text} {unit}"


def _html(data: Data, sections: list[Section], heat: str, time_chart: str, theme, country, since, report_dir: Path,
          outdir: Path) -> str:
    e = html.escape
    docs = data.documents
    filters = ", ".join(f"{k} {v}" for k, v in (("theme", theme), ("country", country), ("since", since)) if v)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Theme report</title>"
             f"<style>{CSS}</style></head><body>",
             "<h1>What was said, by theme</h1>",
             f"<p class='meta'>{len(docs)} document(s), {len(data.statements)} statements in "
             f"{len(sections)} themes{(' — filtered by ' + e(filters)) if filters else ''}.</p>",
             f"<p class='meta'>{_origins(sections)}. Shares are of the statements shown.</p>",
             "<h2>Overview</h2><table><tr><th>Theme</th><th>From</th><th>Keywords</th><th>Statements</th>"
             "<th>Countries</th></tr>"]
    for s in sections:
        parts.append(f"<tr><td><a href='#{e(s.theme_id)}'>{e(s.label)}</a></td><td class='kw'>{e(s.origin)}</td>"
                     f"<td class='kw'>{e(', '.join(s.keywords[:6]))}</td>"
                     f"<td>{s.statements} <span class='share'>({s.share:.0%})</span></td>"
                     f"<td>{e(', '.join(c for c, _ in s.countries[:6]))}</td></tr>")
    parts.append("</table>")
    if heat:
        parts.append(f"<div class='chart'>{heat}</div>")
    if time_chart:
        parts.append(f"<div class='chart'>{time_chart}</div>")
    for s in sections:
        parts.append(f"<h2 id='{e(s.theme_id)}'>{e(s.label)}</h2>"
                     f"<p class='meta'>{e(s.origin)}; {s.statements} statements ({s.share:.0%}); keywords: "
                     f"{e(', '.join(s.keywords))}</p>{_audit_links(data, s.theme_id, report_dir, outdir)}"
                     "<h3>Who said what</h3>")
        for q in s.quotes:
            who = e(q["speaker"]) + (f" ({e(q['country'])})" if q["country"] else "")
            parts.append(f"<p><span class='who'>{who}</span> — <a href='{e(q['link'])}'>{e(q['doc'])}, "
                         f"p. {q['page']}</a> (<a href='{e(q['audit'])}'>audit</a>)"
                         f"<blockquote>{e(q['text'])}</blockquote></p>")
        if s.programmes:
            parts.append("<h3>Programmes discussed</h3><table><tr><th>Programme</th><th>Country</th>"
                         "<th>Mentions</th></tr>")
            parts += [f"<tr><td>{e(p['name'])}</td><td>{e(p['country'] or '')}</td><td>{p['mentions']}</td></tr>"
                      for p in s.programmes]
            parts.append("</table>")
        if s.figures:
            parts.append("<h3>Figures given</h3><table><tr><th>Figure</th><th>Value</th><th>Measures</th>"
                         "<th>Said by</th><th>Source</th></tr>")
            parts += [f"<tr><td>{e(f['text'])}</td><td>{e(_value(f['value'], f['unit']))}</td>"
                      f"<td>{e(f['measures'])}</td><td>{e(f['speaker'])}</td>"
                      f"<td><a href='{e(f['link'])}'>{e(f['doc'])}, p. {f['page']}</a></td></tr>" for f in s.figures]
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _audit_links(data: Data, theme_id: str, report_dir: Path, outdir: Path) -> str:
    """Links to the audit pages (``python -m pipeline audit``) of the documents a theme's
    statements come from, most statements first."""
    names = page_names(data.documents)
    docs = data.statements[data.statements.theme_id == theme_id].doc_id.value_counts().index
    links = [f"<a href='{html.escape(audit_link(report_dir, outdir, names[d]))}'>{html.escape(Path(names[d]).stem)}"
             "</a>" for d in docs if d in names]
    return f"<p class='meta'>Check against the sources (audit pages): {', '.join(links)}</p>" if links else ""


def _origins(sections: list[Section]) -> str:
    counts = Counter(s.origin.split(" (")[0] for s in sections)
    return "Themes: " + ", ".join(f"{n} {origin}" for origin, n in counts.most_common()) if counts else "No theme"


def _md(text: object) -> str:
    """Document text as Markdown shows it literally: no HTML, no link, no table cell break."""
    escaped = html.escape(str(text), quote=False).replace("\n", " ")
    return re.sub(r"([\\\[\]|`])", r"\\\1", escaped)


def _link(path: str) -> str:
    """A link target no file name can break out of."""
    return quote(path, safe="/#=")


def _markdown(data: Data, sections: list[Section], with_chart: bool) -> str:
    lines = ["# What was said, by theme", "",
             f"{len(data.documents)} document(s), {len(data.statements)} statements in {len(sections)} themes.", "",
             f"{_origins(sections)}.", "",
             "| Theme | From | Keywords | Statements | Countries |", "|---|---|---|---|---|"]
    lines += [f"| {_md(s.label)} | {s.origin} | {_md(', '.join(s.keywords[:6]))} | {s.statements} ({s.share:.0%}) | "
              f"{_md(', '.join(c for c, _ in s.countries[:6]))} |" for s in sections]
    if with_chart:
        lines += ["", "![Statements per country and theme](countries-by-theme.svg)"]
    for s in sections:
        lines += ["", f"## {_md(s.label)}", "", f"{s.statements} statements; keywords: {_md(', '.join(s.keywords))}",
                  "", "### Who said what", ""]
        for q in s.quotes:
            who = q["speaker"] + (f" ({q['country']})" if q["country"] else "")
            lines += [f"**{_md(who)}** — [{_md(q['doc'])}, p. {q['page']}]({_link(q['link'])}) "
                      f"([audit]({_link(q['audit'])}))", "", f"> {_md(q['text'])}", ""]
        if s.programmes:
            lines += ["### Programmes discussed", "", "| Programme | Country | Mentions |", "|---|---|---|"]
            lines += [f"| {_md(p['name'])} | {_md(p['country'] or '')} | {p['mentions']} |" for p in s.programmes]
            lines.append("")
        if s.figures:
            lines += ["### Figures given", "", "| Figure | Value | Measures | Said by | Source |",
                      "|---|---|---|---|---|"]
            lines += [f"| {_md(f['text'])} | {_value(f['value'], f['unit'])} | {_md(f['measures'])} | "
                      f"{_md(f['speaker'])} | [{_md(f['doc'])}, p. {f['page']}]({_link(f['link'])}) |"
                      for f in s.figures]
    return "\n".join(lines) + "\n"
