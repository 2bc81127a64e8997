"""Evaluate: the tables against gold annotations, paragraph speaker labels and reviews.

The gold matching rules are those of the shared scorer (``eval/score.py``) so the numbers
agree: speakers by surname tokens (first name too for namesakes), countries as a set of
ISO codes, programmes by distinctive words against name or alias, figures by value within
1 % with percent and money kept apart.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS

from .errors import PipelineError
from .tables import Store

GENERIC = {"programme", "program", "project", "the", "act", "law", "plan", "operation", "scheme", "fund", "of",
           "for"}
CURRENCY_WORDS = {"eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR", "usd": "USD", "$": "USD",
                  "gbp": "GBP", "£": "GBP"}
TYPES = ("speakers", "countries", "programmes", "figures")
# what a gold file must hold, as the scorer reads it: list -> the fields each entry needs, and their types
NUMBER = (int, float)
GOLD_SHAPE: dict[str, dict[str, type | tuple[type, ...]] | None] = {
    "speakers": {"surname": str, "country": (str, type(None))}, "countries": None, "programmes": {"name": str},
    "figures": {"value": NUMBER, "unit": str, "text": str}}
LABEL_COLUMNS = ("document", "paragraph", "starts", "country")


def load_gold(path: Path) -> dict:
    """A gold file, checked against what the scorer reads, so a wrong one is said in one line."""
    where = f"gold file {path}"
    try:
        gold = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise PipelineError(f"{where} is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8") from None
    except json.JSONDecodeError as e:
        what = "is empty" if not e.doc.strip() else f"is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})"
        raise PipelineError(f"{where} {what}; fix it (see corpus/*.gold.json for the format)") from None
    if not isinstance(gold, dict):
        raise PipelineError(f"{where} must hold one JSON object with {', '.join(GOLD_SHAPE)}; see corpus/*.gold.json")
    shapes = dict(GOLD_SHAPE)
    if "word_figures" in gold:  # optional: figures written in words
        shapes["word_figures"] = GOLD_SHAPE["figures"]
    for key, fields in shapes.items():
        entries = gold.get(key)
        if key == "countries" and isinstance(entries, dict):  # {"FR": "delegation", "DE": "mentioned"}
            entries = list(entries)
        if not isinstance(entries, list):
            found = type(entries).__name__ if key in gold else "none"
            raise PipelineError(f"{where}: '{key}' must be a list, found {found}; see corpus/*.gold.json")
        for i, entry in enumerate(entries):
            if fields is None and not isinstance(entry, str):
                raise PipelineError(f"{where}: {key}[{i}] must be an ISO code in quotes, got {entry!r}")
            wrong = _wrong_fields(entry, fields or {})
            if wrong:
                kinds = " and ".join(sorted({"a number" if fields[f] == NUMBER else "text" for f in wrong}))
                raise PipelineError(f"{where}: {key}[{i}] needs {', '.join(wrong)} ({kinds}), got {entry!r:.100}")
    return gold


def _wrong_fields(entry: object, fields: dict[str, type | tuple[type, ...]]) -> list[str]:
    """The fields of a gold entry that are missing or of another type (true and false are no numbers)."""
    if not isinstance(entry, dict):
        return list(fields)
    return [f for f, kind in fields.items() if not isinstance(entry.get(f), kind) or isinstance(entry.get(f), bool)]


def norm(s: object) -> str:
    s = str(s).replace("\u2019", "'").replace("\u2018", "'")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().casefold()
    s = s.replace("d'", "d ")
    return re.sub(r"[^a-z0-9+#]+", " ", s).strip()


def _prf(tp: int, npred: int, ngold: int) -> dict:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return dict(p=round(p, 3), r=round(r, 3), f1=round(f, 3), tp=tp, pred=npred, gold=ngold)


def _speaker_match(gold: dict, name: str, everyone: list[dict]) -> bool:
    tokens = norm(name).split()
    surname = norm(gold["surname"]).split()
    if not surname or not all(t in tokens for t in surname):
        return False
    namesakes = [x for x in everyone if norm(x["surname"]) == norm(gold["surname"])]
    if len(namesakes) > 1:
        return all(t in tokens for t in norm(gold.get("first", "")).split()[:1])
    return True


def _unit(u: object) -> str:
    u = str(u or "").strip()
    low = u.casefold()
    if low in ("%", "percent", "per cent", "pct") or "percent" in low or "per cent" in low:
        return "percent"
    if low in CURRENCY_WORDS:
        return CURRENCY_WORDS[low]
    if re.fullmatch(r"[A-Z]{3}", u):
        return u
    return low if low in ("hours", "days", "weeks", "months", "years", "points") else "count"


def _close(a: object, b: object) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return abs(a - b) <= 0.011 * max(abs(a), abs(b), 1e-9)


def _money(u: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{3}", u))


def _keys(name: str) -> set[str]:
    words = set(norm(name).split())
    return words - GENERIC or words


def programme_matches(name: str, gold: dict) -> bool:
    """Whether a programme's name is a gold programme, by their distinctive words (the shared scorer's rule)."""
    pk = _keys(name)
    if not pk:
        return False
    return any(k and (k == pk or (len(k) >= 2 and k <= pk and len(pk) <= len(k) + 3) or (len(pk) >= 2 and pk <= k))
               for k in map(_keys, [gold["name"]] + list(gold.get("aliases", []))))


def score(gold: dict, pred: dict) -> dict:
    """Precision, recall, F1 per type, with the matched pairs, misses and false alarms."""
    out: dict = {}
    # speakers
    used: set[int] = set()
    misses_fp, tp, country_ok, known = [], 0, 0, 0
    for ps in pred["speakers"]:
        for i, g in enumerate(gold["speakers"]):
            if i not in used and _speaker_match(g, ps["name"], gold["speakers"]):
                used.add(i)
                tp += 1
                known += bool(g["country"])
                ok = bool(g["country"]) and str(ps.get("country") or "").upper() == g["country"]
                country_ok += ok
                if g["country"] and not ok:
                    misses_fp.append(f"wrong country: {ps['name']} {ps.get('country')!r} (gold {g['country']})")
                break
        else:
            misses_fp.append(f"false alarm: {ps['name']}")
    misses_fp += [f"missed: {g['first']} {g['surname']}" for i, g in enumerate(gold["speakers"]) if i not in used]
    out["speakers"] = dict(_prf(tp, len(pred["speakers"]), len(gold["speakers"])),
                           country_acc=round(country_ok / known, 3) if known else None, errors=misses_fp)
    # countries
    gc, pc = set(gold["countries"]), {str(c).upper() for c in pred["countries"]}
    out["countries"] = dict(_prf(len(gc & pc), len(pc), len(gc)),
                            errors=[f"missed: {c}" for c in sorted(gc - pc)] +
                                   [f"false alarm: {c}" for c in sorted(pc - gc)])
    # programmes
    used, tp, errors = set(), 0, []
    for name in pred["programmes"]:
        hit = False
        for i, g in enumerate(gold["programmes"]):
            if i in used:
                continue
            if programme_matches(name, g):
                used.add(i)
                tp += 1
                hit = True
                break
        if not hit:
            errors.append(f"false alarm: {name}")
    errors += [f"missed: {g['name']}" for i, g in enumerate(gold["programmes"]) if i not in used]
    out["programmes"] = dict(_prf(tp, len(pred["programmes"]), len(gold["programmes"])), errors=errors)
    # figures
    pool = [(g, False) for g in gold["figures"]] + [(g, True) for g in gold.get("word_figures", [])]
    used, tp, tp_digits, attr_ok, errors = set(), 0, 0, 0, []
    for pf in pred["figures"]:
        pu = _unit(pf.get("unit"))
        for i, (g, in_words) in enumerate(pool):
            gu = _unit(g["unit"])
            if i in used or not _close(pf.get("value"), g["value"]) or (gu == "percent") != (pu == "percent") \
                    or _money(gu) != _money(pu):
                continue
            used.add(i)
            tp += 1
            tp_digits += not in_words
            gs = g.get("speaker") or ""
            parts = gs.split()
            ok = _speaker_match(dict(first=parts[0] if len(parts) > 1 else "", surname=parts[-1]),
                                pf.get("speaker") or "", []) if gs else not pf.get("speaker")
            attr_ok += ok
            if not ok:
                errors.append(f"wrong speaker: {pf.get('text', pf['value'])} -> {pf.get('speaker')!r} (gold {gs})")
            break
        else:
            errors.append(f"false alarm: {pf.get('text', pf['value'])} {pf.get('unit')}")
    errors += [f"missed: {g['text']}" for i, (g, w) in enumerate(pool) if i not in used and not w]
    p = tp / len(pred["figures"]) if pred["figures"] else 0.0
    r = tp_digits / len(gold["figures"]) if gold["figures"] else 0.0
    out["figures"] = dict(p=round(p, 3), r=round(r, 3), f1=round(2 * p * r / (p + r), 3) if p + r else 0.0,
                          tp=tp, pred=len(pred["figures"]), gold=len(gold["figures"]),
                          speaker_acc=round(attr_ok / tp, 3) if tp else 0.0, attributed=attr_ok, errors=errors)
    kinds = [k for k in TYPES if out[k]["gold"]]
    out["macro_f1"] = round(sum(out[k]["f1"] for k in kinds) / len(kinds), 3) if kinds else None
    return out


def predictions(store: Store, doc_id: str) -> dict:
    """What the tables say about one document, in the scorer's shape."""
    where, params = "WHERE doc_id = ?", (doc_id,)
    speakers = store.table("speakers", where, params)
    names = dict(zip(speakers.speaker_id, speakers.name))
    figures = store.table("figures", where, params)
    return dict(
        speakers=[dict(name=r.name, country=r.country or "") for r in speakers.itertuples()],
        countries=sorted(set(store.table("countries", where, params).country) - {""}),
        programmes=list(store.table("programmes", where, params).name),
        figures=[dict(value=r.value, unit=r.unit, text=r.text, speaker=names.get(r.speaker_id, ""))
                 for r in figures.itertuples()])


def evaluate_folder(outdir: Path, gold_dir: Path, errors: int = 15) -> list[str]:
    """Lines of a report: one block per (gold file, PDF) pair, then the average."""
    golds = sorted(Path(gold_dir).glob("*.gold.json"))
    if not golds:
        raise PipelineError(f"no *.gold.json in {gold_dir}")
    lines: list[str] = []
    totals: list[dict] = []
    gold_of = {gpath: load_gold(gpath) for gpath in golds}  # every file checked before any score
    with Store(outdir, create=False) as store:
        docs = store.documents()
        for gpath in golds:
            gold = gold_of[gpath]
            stem = gpath.name[: -len(".gold.json")]
            mine = docs[[Path(s).name.startswith(stem) and s.lower().endswith(".pdf") for s in docs.source]]
            if mine.empty:
                lines.append(f"{gpath.name}: no processed PDF named {stem}*.pdf in {outdir}")
                continue
            for row in mine.itertuples():
                result = score(gold, predictions(store, row.doc_id))
                totals.append(result)
                lines.append(f"== {Path(row.source).name}  (gold {gpath.name})")
                lines += _format(result, errors)
    if len(totals) > 1:
        lines.append(f"== mean over {len(totals)} documents")
        for k in TYPES:
            lines.append(f"  {k:<11} F1 {sum(t[k]['f1'] for t in totals) / len(totals):.3f}")
        lines.append(f"  macro F1    {sum(t['macro_f1'] for t in totals) / len(totals):.3f}")
        matched = sum(t["figures"]["tp"] for t in totals)
        if matched:
            attributed = sum(t["figures"]["attributed"] for t in totals)
            lines.append(f"  figure attribution (pooled) {attributed / matched:.3f}"
                         f"  ({attributed} of {matched} matched figures)")
    return lines


def _format(result: dict, errors: int) -> list[str]:
    lines = []
    for k in TYPES:
        r = result[k]
        extra = ""
        if k == "speakers" and r.get("country_acc") is not None:
            extra = f"  country_acc {r['country_acc']:.3f}"
        if k == "figures":
            extra = f"  speaker_acc {r['speaker_acc']:.3f}"
        lines.append(f"  {k:<11} P {r['p']:.3f}  R {r['r']:.3f}  F1 {r['f1']:.3f}  "
                     f"(tp {r['tp']}, pred {r['pred']}, gold {r['gold']}){extra}")
    lines.append(f"  macro F1    {result['macro_f1']:.3f}")
    for k in TYPES:
        for e in result[k]["errors"][:errors]:
            lines.append(f"    {k}: {e}")
    return lines


# ---------------------------------------------------------------------- attribution
def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", norm(text))


def attribution(outdir: Path, labels: Path) -> list[str]:
    """Share of labelled paragraphs whose statement's speaker has the labelled country."""
    table = _labels(Path(labels)).drop_duplicates(["document", "paragraph"])
    lines: list[str] = []
    with Store(outdir, create=False) as store:
        docs = store.documents()
        stems = {Path(s).stem: d for s, d in zip(docs.source, docs.doc_id)}
        speakers = store.table("speakers")
        country = {(r.doc_id, r.speaker_id): r.country for r in speakers.itertuples()}
        statements = store.table("statements")
        by_doc = {d: g.sort_values("start") for d, g in statements.groupby("doc_id")}
        right = total = missing = 0
        wrong: list[str] = []
        per_doc: dict[str, list[int]] = {}
        for r in table.itertuples():  # labels of X belong to X.pdf and to X-layout.pdf, as gold files do
            for stem, doc_id in stems.items():
                if doc_id not in by_doc or stem != r.document and not stem.startswith(f"{r.document}-"):
                    continue
                total += 1
                tally = per_doc.setdefault(stem, [0, 0])
                tally[1] += 1
                found = _speaker_of(by_doc[doc_id], r.starts)
                if found is None:
                    missing += 1
                    wrong.append(f"{stem} §{r.paragraph}: paragraph not found: {r.starts[:50]!r}")
                    continue
                got = country.get((doc_id, found), "")
                if got == r.country:
                    right += 1
                    tally[0] += 1
                else:
                    wrong.append(f"{stem} §{r.paragraph}: got {got or '-'} want {r.country}: {r.starts[:60]!r}")
    if not total:
        return ["attribution: no labelled document is in the tables"]
    lines.append(f"attribution: {right}/{total} labelled paragraphs = {right / total:.3f} "
                 f"(paragraph not found: {missing})")
    shown = sorted(per_doc.items()) if len(per_doc) <= 25 else \
        sorted(per_doc.items(), key=lambda kv: kv[1][0] / kv[1][1])[:10]  # many documents: the ten worst
    for stem, n in shown:
        lines.append(f"  {stem:48s} {n[0]:4d}/{n[1]:<4d} {n[0] / n[1]:.3f}")
    lines += ["  " + w for w in wrong[:25]]
    return lines


def _labels(path: Path) -> pd.DataFrame:
    """The paragraph labels, or one line saying why they cannot be read."""
    where = f"--labels {path}"
    if not path.is_file():
        raise PipelineError(f"{where}: no such file; give the CSV of paragraph labels "
                            f"(columns {', '.join(LABEL_COLUMNS)})")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise PipelineError(f"{where} is not UTF-8 text (byte {e.start}); save it as 'CSV UTF-8'") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise PipelineError(f"{where} is not a readable CSV ({str(e).strip()[:100]}); "
                            f"give a CSV with columns {', '.join(LABEL_COLUMNS)}") from None
    missing = [c for c in LABEL_COLUMNS if c not in table.columns]
    if missing:
        raise PipelineError(f"{where} lacks the columns {missing} (it has {list(table.columns)[:8]}); "
                            f"give a CSV with columns {', '.join(LABEL_COLUMNS)}")
    return table


def _speaker_of(statements: pd.DataFrame, starts: str) -> str | None:
    """The speaker of the statement holding the paragraph that begins with ``starts`` (matched without
    spacing or punctuation, so hyphenation and line breaks do not matter)."""
    unnumbered = re.compile(r"^\s*[\d.]+\s*")
    key = _squash(unnumbered.sub("", starts))[:40]
    if len(key) < 12:
        return None
    texts = [(st.speaker_id, _squash(unnumbered.sub("", st.text))) for st in statements.itertuples()]
    # a statement that opens with the paragraph, else one holding it ("statements were made by the Minister ...
    # of India" earlier must not be taken for "6. The Minister ... of India said")
    for holds in (lambda t: t.startswith(key), lambda t: key in t):
        for who, t in texts:
            if holds(t):
                return who
    return None


# ---------------------------------------------------------------------- reviews
def review_precision(outdir: Path) -> list[str]:
    """Estimated precision per type from the analyst's verdicts (ok vs wrong/fix)."""
    with Store(outdir, create=False) as store:
        c = store.table("corrections")
    if c.empty:
        return []
    latest = c.sort_values("reviewed_at").drop_duplicates(["doc_id", "label", "start", "end"], keep="last")
    lines = ["reviewed precision (share of reviewed mentions marked ok):"]
    for label, g in latest.groupby("label"):
        ok = (g.verdict == "ok").sum()
        lines.append(f"  {label:<10} {ok / len(g):.3f}  ({ok} ok of {len(g)} reviewed)")
    return lines


# ---------------------------------------------------------------------- themes
def theme_checks(outdir: Path, gold_dir: Path | None = None) -> list[str]:
    """What the themes of an output folder are made of and whether they can be trusted: how many,
    the largest, the seeded ones, whether each label is something the meetings say (a heading, or a
    phrase of the theme's own statements), and with gold files, which of the themes they name
    (``themes`` key) are among the labels and keywords."""
    from .settings import THEME_PROFILES, Settings
    from .themes import load_config, profile_path, profiles

    with Store(outdir, create=False) as store:
        themes = store.table("themes")
        statements = store.table("statements")
        docs = store.documents()
    if themes.empty:
        raise PipelineError(f"{outdir} has no themes; run `python -m pipeline themes {outdir}` first")
    reader = _theme_reader(Settings(), THEME_PROFILES)
    origins = themes.origin.fillna("found").replace("", "found")
    grouped = int((statements.theme_id.fillna("") != "").sum())
    largest = themes.loc[themes.statements.idxmax()]
    lines = [f"themes: {len(themes)} ({(origins == 'agenda').sum()} from agenda items, {(origins == 'found').sum()} "
             f"found in the words, {int(themes.seeded.fillna(0).sum())} seeded) over {grouped} of {len(statements)} "
             f"statements",
             f"largest theme: {largest.label!r}, {largest.statements / max(len(statements), 1):.1%} of the statements"]
    seeded = themes[themes.seeded.fillna(0) > 0]
    lines.append(f"seeded themes: {', '.join(repr(x) for x in seeded.label) if len(seeded) else 'none'}")
    profile_labels = {s.label.lower(): name for name in profiles() for s in load_config(profile_path(name)).seeds}
    shared = [f"{x!r} ({profile_labels[x.lower()]})" for x in themes.label if x.lower() in profile_labels]
    lines.append(f"labels of a seed profile among the themes: {', '.join(shared) if shared else 'none'}")
    headings = {_flat(h) for h in statements.section.fillna("") if h}
    texts = statements.assign(flat=statements.text.map(_flat)).groupby("theme_id").flat.apply(list).to_dict()
    where = []
    for t in themes.itertuples():
        label = _flat(t.label)
        if any(label in h for h in headings):
            where.append("heading")
        elif any(label in x for x in texts.get(t.theme_id, [])):
            where.append("statements")
        else:
            where.append("")
    ungrounded = [t.label for t, w in zip(themes.itertuples(), where) if not w]
    lines.append(f"labels said by the meetings: {len(themes) - len(ungrounded)} of {len(themes)} "
                 f"({where.count('heading')} a heading, {where.count('statements')} a phrase of the theme's "
                 f"statements)" + (f"; not said: {', '.join(repr(x) for x in ungrounded)}" if ungrounded else ""))
    if gold_dir is not None:
        lines += _gold_themes(themes, docs, Path(gold_dir), reader)
    return lines


def _theme_reader(settings, profiles_dir: Path):
    from .phrases import analyser

    return analyser(settings.lexicon, profiles_dir)


def _flat(text: str) -> str:
    return " ".join(norm(text).split())


def _gold_themes(themes: pd.DataFrame, docs: pd.DataFrame, gold_dir: Path, reader) -> list[str]:
    """Each gold theme is found when one theme's label and keywords hold its first content word
    (the head of 'evaluation of policies') or more than half of its content words, words of the
    meeting's format aside ('Report of ...'); words match when they share a lemma or their first
    six letters ('entrepreneurial', 'entrepreneurship')."""
    from .phrases import read_words
    from .settings import THEME_PROFILES

    golds = sorted(gold_dir.glob("*.gold.json"))
    if not golds:
        raise PipelineError(f"no *.gold.json in {gold_dir}")
    procedural = read_words(THEME_PROFILES / "procedural.txt")  # 'Report of ...': the format, not the subject
    bags = [(t.label, _stems(reader, t.label), _stems(reader, f"{t.label}, {t.keywords or ''}"))
            for t in themes.itertuples()]
    lines = []
    for gpath in golds:
        named = json.loads(gpath.read_text(encoding="utf-8")).get("themes") or []
        stem = gpath.name[: -len(".gold.json")]
        if not named or not any(Path(s).name.startswith(stem) for s in docs.source):
            continue
        found = []
        for gold in named:
            words = [w for w in _stems(reader, gold) if not w & procedural]
            need = len(words) // 2 + 1
            hits = [(sum(_has(bag, w) for w in words) + sum(_has(head, w) for w in words), label)
                    for label, head, bag in bags if words and (_has(bag, words[0]) or
                                                               sum(_has(bag, w) for w in words) >= need)]
            found.append((gold, max(hits, key=lambda h: h[0])[1] if hits else ""))
        lines.append(f"{gpath.name}: {sum(bool(m) for _, m in found)} of {len(found)} named themes among the labels "
                     "and keywords")
        lines += [f"  {'+' if m else '-'} {g!r}" + (f" -> {m!r}" if m else " missing") for g, m in found]
    return lines


def _stems(reader, text: str) -> list[frozenset[str]]:
    """Each content word (the parts of a hyphenated one too) as the set of forms it matches: its
    lemmas and its first six letters."""
    out = []
    for token in re.findall(r"[A-Za-z][A-Za-z']*", text):
        low = token.lower()
        if low in reader.stopwords or low in STOP_WORDS or len(low) < 3:
            continue
        out.append(frozenset({low, low[:6] + "…", *reader.pos.lemmas(low).values()}))
    return out


def _has(bag: list[frozenset[str]], word: frozenset[str]) -> bool:
    return any(word & other for other in bag)
