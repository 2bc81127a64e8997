"""Figures: quantities with a value and a unit, and what they measure.

The scanner patterns of ``models/<pipeline>/figures/patterns.toml`` find written quantities;
each is then read as one of the named readings (money, percent, duration, points, count,
range, age, ratio, fraction, an amount sharing the money before it, a number in words),
which is the mention's rule, after the reading's vetoes: bare years, dates, identifiers
("paragraph 2", "WT/COMTD/M/1"), list and paragraph numbers are no figures.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pycountry
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from ..data import FigureCue, Label, Mention
from .common import (DataComponent, block_bounds, facts_of, grammar, mentions_of, read_tsv, read_words, rejections_of,
                     sentence_around, shifted, text_of, within)
from .rules import Rejection, Trace, alternation, veto

MAX_DIGITS = 15  # longer digit runs are identifiers, not quantities
DURATIONS = ("hours", "days", "weeks", "months", "years")
YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
WORDISH = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]*")
RATE = re.compile(r"\s+per\s+(?:\d[\d\s,.\u00a0]*\s)?[a-z]")  # "44.5 per 10 000 population"


def _number(text: str) -> float:
    text = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"\d+,\d{1,2}", text):
        return float(text.replace(",", "."))  # a decimal comma
    return float(text.replace(",", ""))


def _digits_of(num: str) -> int:
    return len(re.sub(r"\D", "", num.split(".")[0]))


@dataclass
class Reading:
    """A quantity being read: its span and what the scanner's groups said (working state of
    the component; the Mention made from it is frozen)."""

    start: int
    end: int
    num: str = ""  # the (first) number as written
    high: str = ""  # the upper end of a range, else the number
    count_end: int = 0  # where the number the count checks judge ends
    match_end: int = 0  # where the scanner's match ends
    cur: str = ""  # a currency sign, code or letter written before it
    letter: bool = False  # the sign is one letter glued to the number ("R7.4")
    scale: str = ""
    glued: str = ""  # a scale glued to the number ("1.3M")
    unit: str = ""
    plain: bool = False  # no unit, currency or scale: a count, if anything
    sep: str = ""  # what joins the two numbers of a range
    value: float = 0.0
    low: float | None = None
    notes: list[str] = field(default_factory=list)


class FigureRecogniser(DataComponent):
    files = ("units.tsv", "scales.tsv", "number_words.tsv", "identifier_words.txt",
             "age_cues.txt", "currency_context.tsv", "fractions.tsv", "not_currency_codes.txt", "measure_units.tsv",
             "patterns.toml")

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name

    def load(self, path: Path) -> None:
        self.units = {r["surface"]: r["unit"] for r in read_tsv(path / "units.tsv")}
        measure_rows = read_tsv(path / "measure_units.tsv")
        self.measure_units = {r["unit"] for r in measure_rows}
        self.units.update({r["surface"]: r["unit"] for r in measure_rows})
        self.currency_context: dict[str, dict[str, str]] = {}
        for r in read_tsv(path / "currency_context.tsv"):
            self.currency_context.setdefault(r["unit"], {})[r["country"]] = r["currency"]
        where = {r["surface"]: r["where"] for r in read_tsv(path / "units.tsv")}
        where.update({r["surface"]: "after" for r in measure_rows})
        self.word_codes = set(read_words(path / "not_currency_codes.txt"))
        for c in pycountry.currencies:  # "KRW 1.2 trillion", "MAD 11 billion"
            if c.alpha_3 not in self.units:
                self.units[c.alpha_3] = c.alpha_3
                where[c.alpha_3] = "both" if c.alpha_3 not in self.word_codes else "before"
        scales = read_tsv(path / "scales.tsv")
        self.scales = {r["word"]: float(r["factor"]) for r in scales}
        self.words = {r["word"]: float(r["value"]) for r in read_tsv(path / "number_words.tsv")}
        self.fractions = {r["words"].lower(): float(r["percent"]) for r in read_tsv(path / "fractions.tsv")}
        self.identifiers = {w.lower() for w in read_words(path / "identifier_words.txt")}
        self.months = {r["word"] for r in read_tsv(path.parent / "months.tsv")}
        self.age_cues = {w.lower() for w in read_words(path / "age_cues.txt")}
        words = grammar(path.parent)
        self.references = set(words["back_references"])
        self.measure_stop = STOP_WORDS | set(words["measure_stop"])
        self.measure_link = re.compile(rf"(?:\s+(?:{alternation(words['measure_links'])}))+\s*$")
        spaced = [r["word"] for r in scales if r["attached"] == "0"]
        self.load_rules(path, {
            "currency_before": alternation(u for u, w in where.items() if w in ("before", "both")),
            "currency_letter": alternation(u for u, w in where.items() if w == "glued"),
            "unit_after": alternation(u for u, w in where.items() if w in ("after", "both")),
            "scale_spaced": alternation(spaced),
            "scale_glued": alternation(r["word"] for r in scales if r["attached"] == "1"),
            "number_words": alternation(self.words),
            "fraction_words": alternation(self.fractions)})
        glued = alternation(r["word"] for r in scales if r["attached"] == "1")
        self.scale_end = re.compile(rf"(?:\s(?:{alternation(spaced)})|\d(?:{glued}))$")

    # ------------------------------------------------------------------ matching
    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        found, rejected = mentions_of(doc), rejections_of(doc)
        countries = [c for c in found if c.label == Label.COUNTRY]
        votes = [f.scope for f in facts_of(doc) if f.rule == "meeting.vote"]
        blocks = block_bounds(doc)
        for (start, end), named in zip(blocks, within(countries, blocks)):
            local: list[Rejection] = []
            for m in self._block(text[start:end], named,
                                 [(a - start, b - start) for a, b in votes if start <= a < end], local):
                found.append(shifted(m, start))
            rejected.extend(replace(r, start=r.start + start, end=r.end + start) for r in local)
        return doc

    def _block(self, text: str, countries: list[Mention], votes: list[tuple[int, int]],
               rejected: list[Rejection]) -> list[Mention]:
        """The figures of one paragraph or heading."""
        adjectives = {c.start: c.value for c in countries}  # "Philippine pesos"
        made: list[tuple[Reading, Trace]] = []
        taken: list[tuple[int, int]] = []

        def keep(reading: Reading, trace: Trace) -> None:
            made.append((reading, trace))
            taken.append((reading.start, reading.end))

        for m in self.rules.finditer("figure.fraction-words", text):
            trace = self.rules.trace("figure.fraction-words")
            keep(Reading(m.start(), m.end("words"), unit="percent",
                         value=self.fractions[m.group("words").lower()]), trace)
        for m in self.rules.finditer("figure.ratio-words", text):
            b = m.group("b").lower()
            reading = Reading(m.start(), m.end(), unit="percent")
            a, b = {"one": 1, "two": 2, "three": 3}[m.group("a").lower()], self.words.get(b) or \
                (float(b) if b.isdigit() else 0)
            trace = self.rules.trace("figure.ratio-words")
            if self.rules.screen(trace, m.start(), m.end(), rejected, a, b, m.group("b")):
                reading.value = 100 * a / b
                keep(reading, trace)
        pos = 0
        while (m := self.rules.search("figure.quantity", text, pos)) is not None:
            pos = m.end()
            if any(s <= m.start() < e for s, e in taken):
                continue
            if m.group("num2") and not self.rules.screen(
                    self.rules.trace("figure.range"), m.start(), m.end(), rejected, text,
                    Reading(m.start(), m.end(), num=m.group("num"), high=m.group("num2"), sep=m.group("sep"),
                            plain=not any(m.group(g) for g in ("cur", "letter", "unit", "glued", "scale"))),
                    only=("figure.span-of-years",)):
                continue
            if m.group("num2") and not self._is_range(text, m):
                pos = m.end("num")  # two figures ("from 20 to 30", "62 and 74"): read each alone
                result = self._single(text, m, rejected)
            else:
                result = self._digits(text, m, adjectives, rejected)
            if result is not None:
                keep(*result)
        for m in self.rules.finditer("figure.words", text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            trace = self.rules.trace("figure.words")
            if not self.rules.screen(trace, m.start(), m.end(), rejected, text, m):
                continue
            unit = self.units.get(m.group("unit") or "", "count")
            value = self.words[m.group("word").lower()] * self.scales.get(m.group("scale") or "", 1.0)
            made.append((Reading(m.start(), m.end(), unit=unit, value=value), trace))
        made = self._share_currency(text, made)
        return [self._mention(text, reading, trace, countries, votes) for reading, trace in made]

    def _share_currency(self, text: str, made: list[tuple[Reading, Trace]]) -> list[tuple[Reading, Trace]]:
        """'CHF 15 million and 20 million': a scaled amount that follows money and counts
        nothing of its own ('20 million people') is that money."""
        made = sorted(made, key=lambda rt: rt[0].start)
        out = list(made)
        for i in range(1, len(made)):
            money, count = made[i - 1][0], made[i][0]
            if self.kind_of(money.unit) == "money" and count.unit == "count" \
                    and not self.measures(text, count.start, count.end) \
                    and self.scale_end.search(text[count.start:count.end]) \
                    and re.fullmatch(r",?\s+(?:and|or|to)\s+|,\s+", text[money.end:count.start]):
                trace = self.rules.trace("figure.money-shared")
                trace.score = made[i][1].score
                trace.note(f"the currency of the amount before it, {money.unit}")
                count.unit = money.unit
                out[i] = (count, trace)
        return out

    def _digits(self, text: str, m: re.Match, adjectives: dict[int, str],
                rejected: list[Rejection]) -> tuple[Reading, Trace] | None:
        start, end = m.start(), m.end()
        if m.group("ratio_a") or m.group("frac_a"):
            kind, group = ("ratio", "ratio") if m.group("ratio_a") else ("fraction", "frac")
            a, b = _number(m.group(f"{group}_a")), _number(m.group(f"{group}_b"))
            trace = self.rules.trace(f"figure.{kind}")
            if not self.rules.screen(trace, start, end, rejected, a, b, m.group(f"{group}_b")):
                # "9,800 in 2019": no share; the first number may still count something
                alone = self.rules.match("figure.quantity", text, start, m.end(f"{group}_a"))
                return self._digits(text, alone, adjectives, rejected) if alone and alone.group("num") else None
            value = 100 * a / b if kind == "ratio" else round(100 * a / b, 1)
            return Reading(start, end, unit="percent", value=value), trace
        num, num2 = m.group("num"), m.group("num2")
        cur = m.group("cur") or m.group("letter") or ""
        unit_word = m.group("unit") or ""
        r = Reading(start, end, num=num, high=num2 or num, count_end=m.end("num"), match_end=end, cur=cur,
                    letter=bool(m.group("letter")), glued=m.group("glued") or "",
                    scale=m.group("glued") or m.group("scale") or "", unit=unit_word)
        r.plain = not (cur or unit_word or r.glued or m.group("scale"))
        unit = self.units.get(cur) or self.units.get(unit_word) or "count"
        if cur and unit_word and self.units.get(unit_word) not in (None, unit):
            unit = self.units[unit_word]
        if m.group("adj"):  # "4.2 billion Philippine pesos": the currency of the country named
            if m.start("adj") not in adjectives:  # "10 Working days": the figure ends before the word
                shorter = self.rules.match("figure.quantity", text, m.start(), m.start("adj"))
                return self._digits(text, shorter, {}, rejected) if shorter else None
            unit = self._currency(unit, adjectives[m.start("adj")])
            r.notes.append(f"the currency of {adjectives[m.start('adj')]}")
        factor = self.scales.get(r.scale, 1.0)
        r.value = _number(r.high) * factor
        if num2:  # "between KRW 3 million and 5 million": the low end has its own scale
            r.low = _number(num) * self.scales.get(m.group("scale1") or "", 1.0)
        r.unit = unit
        if r.plain and self._age(text, start, end, r.high):
            name, r.unit = "figure.age", "years"
            r.low = _number(num) if num2 else None
        else:
            name = "figure.range" if num2 else self._reading(unit)
        trace = self.rules.trace(name)
        if name == "figure.range" and r.plain:
            trace.score = 0.75
        if not self.rules.screen(trace, start, end, rejected, text, r):
            return None
        for note in r.notes:
            trace.note(note)
        return r, trace

    def _single(self, text: str, m: re.Match, rejected: list[Rejection]) -> tuple[Reading, Trace] | None:
        """The first of two numbers that are not a range; it shares the second's unit
        ("from 20 to 30 percent") unless that is a count."""
        end = m.end("scale1") if m.group("scale1") else m.end("num")
        num = m.group("num")
        cur = m.group("cur") or m.group("letter") or ""
        unit = self.units.get(cur) or self.units.get(m.group("unit") or "") or "count"
        checks: tuple[str, ...] = ("figure.too-long", "figure.code-not-money")
        if unit == "count":
            checks += self._count_checks + ("figure.date-after",)
        elif m.group("sep") == "and" and not m.group("cur"):
            unit = "count"  # "62 and 74 per cent": the first is read alone, as a count
            checks += self._count_checks
        r = Reading(m.start(), end, num=num, high=num, count_end=end, match_end=m.end(), cur=cur,
                    letter=bool(m.group("letter")), scale=m.group("scale1") or "", unit=unit, plain=True,
                    value=_number(num) * self.scales.get(m.group("scale1") or "", 1.0))
        trace = self.rules.trace(self._reading(unit))
        trace.score = 0.7
        if not self.rules.screen(trace, r.start, r.end, rejected, text, r, only=checks):
            return None
        trace.note("the first of two numbers")
        return r, trace

    _count_checks = ("figure.year", "figure.reference-sign", "figure.identifier", "figure.list-number", "figure.date",
                     "figure.paragraph-number", "figure.bracketed-marker", "figure.time", "figure.ordinal",
                     "figure.code-number")

    def _reading(self, unit: str) -> str:
        if unit == "percent":
            return "figure.percent"
        if unit == "points":
            return "figure.points"
        if unit in DURATIONS:
            return "figure.duration"
        if unit in self.measure_units:
            return "figure.measure"
        return "figure.count" if unit == "count" else "figure.money"

    def _is_range(self, text: str, m: re.Match) -> bool:
        """'2 to 5%', 'between 2 and 5 per cent', '2-5 million', '3 million to 5 million'; not
        'from 20 to 30', '62 and 74'."""
        before = text[max(0, m.start() - 20):m.start()]
        sep = m.group("sep")
        high_scale = self.scales.get(m.group("glued") or m.group("scale") or "", 1.0)
        low = _number(m.group("num")) * self.scales.get(m.group("scale1") or "", high_scale)
        high = _number(m.group("num2")) * high_scale
        if low >= high or YEAR.match(m.group("num")) or YEAR.match(m.group("num2")):
            return False
        if sep == "and":
            return bool(re.search(r"\bbetween\s+$", before, re.I))
        return not re.search(r"\bfrom\s+$", before, re.I)

    def kind_of(self, unit: str, rule: str = "", rate: bool = False) -> str:
        """What a figure is, for an analyst to filter by: money, share, rate, duration, age, points,
        quantity (with a unit of measure) or count."""
        if rule == "figure.age":
            return "age"
        if unit == "percent":
            return "share"
        if unit in DURATIONS or unit == "points":
            return "duration" if unit in DURATIONS else "points"
        if unit in self.measure_units:
            return "quantity"
        if unit == "count":
            return "rate" if rate else "count"
        return "money"

    def _currency(self, unit: str, country: str) -> str:
        """'USD?' said of the Philippines ('Philippine pesos') is PHP: the currency a sign means there."""
        if not unit.endswith("?"):
            return unit
        options = self.currency_context.get(unit, {})
        return options.get(country) or options.get("*", unit[:-1])

    # ------------------------------------------------------------------ vetoes
    @veto("figure.too-long")
    def _too_long(self, text: str, r: Reading) -> str | None:
        longest = max(_digits_of(r.num), _digits_of(r.high))
        return f"{r.high} has more than {MAX_DIGITS} digits: an identifier" if longest > MAX_DIGITS else None

    @veto("figure.code-not-money")
    def _code_not_money(self, text: str, r: Reading) -> str | None:
        """'K12', 'ALL 27 MEMBER STATES', 'TOP 10': a letter or a word in capitals before a number
        is a code or a word, unless the amount reads as money ('R7.4 billion', 'TRY 22,104')."""
        if not (r.letter or r.cur in self.word_codes):
            return None
        if r.scale or re.search(r"[,.]", r.num) or re.match(r"\s+(?:a|per)\s", text[r.match_end:r.match_end + 6]):
            return None
        return f"'{r.cur}' before {r.num} is a code or a word in capitals, not a currency"

    @veto("figure.metres")
    def _metres(self, text: str, r: Reading) -> str | None:
        if r.glued and not (r.cur or r.unit not in ("", "count") or r.glued in ("M", "bn", "B")):
            return f"'{r.num}{r.glued}' alone may be a length"
        return None

    @veto("figure.decimal-list")
    def _decimal_list(self, text: str, r: Reading) -> str | None:
        return "a decimal comma without a unit is a list" if r.plain and re.fullmatch(r"\d+,\d{1,2}", r.num) else None

    @veto("figure.year")
    def _year(self, text: str, r: Reading) -> str | None:
        return f"{r.num} is a year" if r.plain and YEAR.match(r.num) else None

    @veto("figure.reference-sign")
    def _reference_sign(self, text: str, r: Reading) -> str | None:
        return "a number after §, # or № is a reference" if r.plain and re.search(
            r"[§#№]\s*$", text[max(0, r.start - 30):r.start]) else None

    @veto("figure.identifier")
    def _identifier(self, text: str, r: Reading) -> str | None:
        """'paragraph 2', 'Rule 36', 'paragraphs 111, 112 and 113' (identifier_words.txt)."""
        if not r.plain:
            return None
        before = text[max(0, r.start - 30):r.start]
        word = re.search(r"([A-Za-z]+)\.?\s*$", before)
        listed = re.search(r"([A-Za-z]+)\.?\s+(?:\d+[a-z]?(?:,\s*|\s+and\s+|\s+to\s+|-))+$", before)
        for w in (word, listed):
            if w and w.group(1).lower() in self.identifiers:
                return f"a number after '{w.group(1)}' is an identifier"
        return None

    @veto("figure.list-number")
    def _list_number(self, text: str, r: Reading) -> str | None:
        listed = r.plain and re.match(r"\.\s+[A-Z]", text[r.count_end:r.count_end + 3])
        return "an inline list number ('3. All ...')" if listed else None

    @veto("figure.date")
    def _date(self, text: str, r: Reading) -> str | None:
        if not r.plain:
            return None
        before, after = text[max(0, r.start - 30):r.start], text[r.count_end:r.count_end + 30]
        prev_word = re.search(r"([A-Za-z]+)\.?\s*$", before)
        next_word = re.match(r"\s*([A-Za-zéû]+)", after)
        if prev_word and prev_word.group(1) in self.months or next_word and next_word.group(1) in self.months:
            return "a day of a date (months.txt)"
        return None

    @veto("figure.date-after")
    def _date_after(self, text: str, r: Reading) -> str | None:
        """'25 and 26 April': the first day of a date."""
        nxt = re.match(r"\s*([A-Za-zéû]+)", text[r.match_end:r.match_end + 20])
        return None if not nxt or nxt.group(1) not in self.months else "a day of a date (months.txt)"

    @veto("figure.paragraph-number")
    def _paragraph_number(self, text: str, r: Reading) -> str | None:
        if r.plain and re.match(r"\.\s", text[r.count_end:r.count_end + 2]) and \
                (r.start == 0 or re.search(r"(^|\n)\s*$", text[max(0, r.start - 30):r.start])):
            return "the number of a paragraph"
        return None

    @veto("figure.bracketed-marker")
    def _bracketed_marker(self, text: str, r: Reading) -> str | None:
        if r.plain and re.match(r"^\s*[)\].]", text[r.count_end:r.count_end + 3]) and \
                re.search(r"[(\[]\s*$", text[max(0, r.start - 3):r.start]):
            return "a list marker in brackets"
        return None

    @veto("figure.time")
    def _time(self, text: str, r: Reading) -> str | None:
        return "a time of day" if r.plain and re.match(r"\s*(a\.m\.|p\.m\.|am\b|pm\b|h\d|:\d)",
                                                        text[r.count_end:r.count_end + 8],
                                                        re.I) else None

    @veto("figure.ordinal")
    def _ordinal(self, text: str, r: Reading) -> str | None:
        return "an ordinal" if r.plain and re.match(r"\s*(st|nd|rd|th)\b", text[r.count_end:r.count_end + 4]) else None

    @veto("figure.code-number")
    def _code_number(self, text: str, r: Reading) -> str | None:
        """'GATT 1947', 'Article XVIII 4', 'COVID 19': a number after a word in capitals names something."""
        before = text[max(0, r.start - 30):r.start]
        if r.plain and re.search(r"[A-Z]{2,}[\s-]*$", before) and \
                not re.search(r"\b(of|to|by|in|and)\s+[A-Z]{2,}\s*$", before):
            return "a number after a word in capitals is part of a name"
        return None

    @veto("figure.rate-base")
    def _rate_base(self, text: str, r: Reading) -> str | None:
        return "the base of a rate ('per 10 000 population')" if r.plain and re.search(
            r"\bper\s+$", text[max(0, r.start - 5):r.start]) else None

    @veto("figure.no-noun")
    def _no_noun(self, text: str, r: Reading) -> str | None:
        """A bare number counts something only when a noun follows ('55 projects', '1,000 of the
        refugees'), unless it is a rate or grouped in thousands ('113,940 were')."""
        if not r.plain:
            return None
        rate = re.match(r"\s+per\s+(?:\d[\d\s,.\u00a0]*\s)?[a-z]", text[r.end:r.end + 30])
        grouped = r.low is None and re.search(r"\d[,\u00a0\u202f ]\d{3}$", r.num) and re.match(r"\s*[,;.)]|\s[a-z]+\b",
                                                                           text[r.end:r.end + 12])
        if rate or grouped:
            return None
        if self._date_after(text, r):
            return "a day of a date (months.txt)"
        return None if self._counts_something(text, r.end) else "no noun after it says what it counts"

    @veto("figure.span-of-years")
    def _span_of_years(self, text: str, r: Reading) -> str | None:
        """'95-1262', '2021-2027': a symbol or a span of years, unless an age ('aged 18-29')."""
        if r.sep in ("-", "–") and r.plain and r.high != r.num and not self._age(text, r.start, r.end, r.high):
            return "two numbers joined by a dash with no unit are a symbol or a span of years"
        return None

    @veto("figure.not-a-share")
    def _not_a_share(self, a: float, b: float, denominator: str) -> str | None:
        """'28 in 2021' is a count in a year; '5/3' is no share."""
        if not (0 < a < b) or YEAR.match(denominator):
            return f"{a:g} of {b:g} is no share"
        return None

    @veto("figure.reference-back")
    def _reference_back(self, text: str, m: re.Match) -> str | None:
        before = re.search(r"\b(\w+)\s+$", text[max(0, m.start() - 12):m.start()])
        return f"'{before.group(1)} {m.group('word')}' refers back" if before and \
            before.group(1).lower() in self.references else None

    @veto("figure.word-no-noun")
    def _word_no_noun(self, text: str, m: re.Match) -> str | None:
        if m.group("unit") or m.group("scale"):
            return None
        after = text[m.end():m.end() + 40]
        nxt = WORDISH.match(after.lstrip())
        if not nxt or nxt.group(0).lower() in STOP_WORDS or not nxt.group(0)[0].islower() \
                and not m.group("word")[0].isupper() or after[:1] != " ":
            return "no noun after it says what it counts"
        return None

    # ------------------------------------------------------------------ readers
    def _counts_something(self, text: str, end: int) -> bool:
        of = re.match(r"\s+of\s+(?:the\s+|these\s+|them\b|those\s+|all\s+)?", text[end:end + 20])
        after = text[end + of.end():end + of.end() + 40] if of else text[end:end + 40]
        word = re.match(r"\s*([A-Za-zÀ-ÿ][\w'’-]*)", after)
        if of and re.match(r"\s+of\s+them\b", text[end:end + 20]):
            return True
        return bool(word) and word.group(1).lower() not in self.measure_stop and (after[:1] == " " or of is not None)

    def _age(self, text: str, start: int, end: int, num: str) -> bool:
        """'people under 30', 'aged 15': an age in years."""
        before = text[max(0, start - 40):start].lower()
        m = re.search(r"(\w[\w-]*)\s+(under|over|above|below|aged|between)\s+$", before) or \
            re.search(r"(\w[\w-]*)\s+$", before)
        if not m or _number(num) > 120:
            return False
        words = set(re.findall(r"[\w-]+", before[-25:]))
        return "aged" in words or (m.lastindex == 2 and bool(words & self.age_cues))

    def _mention(self, text: str, r: Reading, trace: Trace, countries: list[Mention],
                 votes: list[tuple[int, int]]) -> Mention:
        unit = r.unit
        options: tuple[tuple[str, str], ...] = ()
        if unit.endswith("?"):  # "$", "pesos": the speaker's country decides, at link time
            options = tuple(sorted((c, cur) for c, cur in self.currency_context.get(unit, {}).items() if c != "*"))
            unit = self._currency(unit, "*")
            trace.note(f"'{text[r.start:r.end]}' is {unit} unless the speaker's country has its own")
        sentence = sentence_around(text, r.start)
        named = next((c.value for c in countries if sentence[0] <= c.start < sentence[1]), "")
        rate = bool(RATE.match(text, r.end))
        cue = FigureCue(unit, self.measures(text, r.start, r.end), r.low, options, named,
                        any(s <= r.start < e for s, e in votes), self.kind_of(unit, trace.rule, rate))
        return Mention(Label.FIGURE, text[r.start:r.end], r.start, r.end, trace.rule, trace.score,
                       value=repr(float(r.value)), evidence=cue, explanation=trace.explain())

    def measures(self, text: str, start: int, end: int) -> str:
        """What a figure measures: the noun phrase after it ('55 projects', '13% of the workers
        mobilised') or, failing that, the one before it ('a funding of 50 million euros')."""
        after = text[end:end + 80]
        of = re.match(r"\s+of\s+(?:the\s+|these\s+|their\s+|all\s+)?", after)
        words = self._words(after[of.end():] if of else after)
        if words:
            return " ".join(_noun_phrase(words))
        before = text[max(0, start - 80):start]
        link = self.measure_link.search(before)
        head = self._words(before[:link.start()] if link else before, reverse=True)
        return " ".join(reversed(head))

    def _words(self, text: str, reverse: bool = False, limit: int = 4) -> list[str]:
        """Up to ``limit`` content words from the start (or end) of ``text``, stopping at the
        first punctuation mark, number or function word."""
        tokens = re.findall(r"[\w'’-]+|[^\w\s]", text[:80] if not reverse else text[-80:])
        out: list[str] = []
        for w in reversed(tokens) if reverse else tokens:
            if not re.match(r"[A-Za-zÀ-ÿ]", w) or w.lower() in self.measure_stop:
                break
            out.append(w)
            if len(out) == limit:
                break
        return out


def _noun_phrase(words: list[str]) -> list[str]:
    """Cut a phrase after its first plural noun ('foreigners' in 'foreigners enter OECD')."""
    for i, w in enumerate(words):
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss") and i + 1 < len(words) \
                and not words[i + 1][:1].isupper():
            return words[:i + 1]
    return words


@Language.factory("meeting_figures")
def make_figure_recogniser(nlp: Language, name: str) -> FigureRecogniser:
    return FigureRecogniser(nlp, name)
