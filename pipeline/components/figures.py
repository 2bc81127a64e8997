"""Figures: quantities with a value and a unit, and what they measure.

Percentages, money (currency symbols, codes and names; "$" and "pounds" resolved from the
speaker's country at link time), durations, points and counts; scale words ("50 million",
"1.3M"), ranges ("2 to 5%": the upper bound, the lower kept), ratios ("7 out of 10",
"1 in 5", "2/3 of" -> percent) and numbers written in words ("three years").
Not figures: bare years, dates, identifiers ("paragraph 2", "WT/COMTD/M/1", "B1 level"),
list and paragraph numbers.
"""
from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pycountry

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from ..data import Label, Mention
from .common import DataComponent, mentions_of, read_tsv, read_words

# 1,07,000 (Indian grouping) | 17,000.5 | 17 000 (thin or plain space) | 17.5 | 1,5 (a decimal comma, read only
# before a unit or scale)
NUM = (r"\d{1,2}(?:,\d\d)+,\d{3}(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
       r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d|[,.]\d)|\d+(?:\.\d+)?|\d+,\d{1,2}(?!\d)")
MAX_DIGITS = 15  # longer digit runs are identifiers, not quantities
QUANTITIES = ("count", "percent", "points", "hours", "days", "weeks", "months", "years")  # any other unit is money
YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
WORDISH = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]*")
MEASURE_STOP = STOP_WORDS | {"each", "per", "compared", "respectively", "approximately", "around", "about"}


def _sign(m: re.Match) -> str:
    """The currency written before the number: a symbol, a code, or a letter glued to it ("R7.4")."""
    return m.group("cur") or m.group("letter") or ""


def _plain(m: re.Match) -> bool:
    """A number written without a unit, currency or scale: a count, if anything."""
    return not (_sign(m) or m.group("unit") or m.group("glued") or m.group("scale"))


def _too_long(num: str) -> bool:
    return len(re.sub(r"\D", "", num.split(".")[0])) > MAX_DIGITS


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _number(text: str) -> float:
    text = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"\d+,\d{1,2}", text):
        return float(text.replace(",", "."))  # a decimal comma
    return float(text.replace(",", ""))


class FigureRecogniser(DataComponent):
    files = ("units.tsv", "scales.tsv", "number_words.tsv", "identifier_words.txt", "months.txt",
             "age_cues.txt", "currency_context.tsv", "fractions.tsv", "not_currency_codes.txt")

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name

    def load(self, path: Path) -> None:
        self.units = {r["surface"]: r["unit"] for r in read_tsv(path / "units.tsv")}
        self.currency_context = {(r["unit"], r["country"]): r["currency"]
                                 for r in read_tsv(path / "currency_context.tsv")}
        where = {r["surface"]: r["where"] for r in read_tsv(path / "units.tsv")}
        self.word_codes = set(read_words(path / "not_currency_codes.txt"))
        for c in pycountry.currencies:  # "KRW 1.2 trillion", "MAD 11 billion"
            if c.alpha_3 not in self.units:
                self.units[c.alpha_3] = c.alpha_3
                where[c.alpha_3] = "both" if c.alpha_3 not in self.word_codes else "before"
        before = [u for u, w in where.items() if w in ("before", "both")]
        after = [u for u, w in where.items() if w in ("after", "both")]
        scales = read_tsv(path / "scales.tsv")
        self.scales = {r["word"]: float(r["factor"]) for r in scales}
        spaced = _alternation([r["word"] for r in scales if r["attached"] == "0"])
        glued = _alternation([r["word"] for r in scales if r["attached"] == "1"])
        self.scale_end = re.compile(rf"(?:\s(?:{spaced})|\d(?:{glued}))$")
        self.words = {r["word"]: float(r["value"]) for r in read_tsv(path / "number_words.tsv")}
        self.identifiers = {w.lower() for w in read_words(path / "identifier_words.txt")}
        self.months = set(read_words(path / "months.txt"))
        self.age_cues = {w.lower() for w in read_words(path / "age_cues.txt")}
        cur = _alternation(before)
        unit_after = _alternation(after)
        letters = _alternation([u for u, w in where.items() if w == "glued"])  # "R7.4 billion", "N75 billion"
        self.pattern = re.compile(
            rf"(?<![\w/.,:#-])(?:(?P<cur>{cur})\s?|(?P<letter>{letters})(?=\d))?"
            rf"(?:(?P<ratio_a>\d{{1,3}})\s(?:out\sof|in)\s(?P<ratio_b>\d{{1,4}})(?!\d)"
            rf"|(?P<frac_a>\d)/(?P<frac_b>\d{{1,2}})(?=\s+of\b)"
            rf"|(?P<num>{NUM})(?:(?:\s(?P<scale1>{spaced}))?"  # "3 million to 5 million": each end has a scale
            rf"\s?(?P<sep>-|–|to|and)\s?(?:(?:{cur})\s?)?(?P<num2>{NUM}))?"
            rf"(?:(?P<glued>{glued})\b|\s(?P<scale>{spaced})\b)?"
            rf"(?:(?:\s(?P<adj>[A-Z][a-zà-ÿ]+))?\s?(?P<unit>{unit_after})(?![\w$]))?)"
            rf"(?![\w/]|[.,]\d|-\w)")
        worded = _alternation(list(self.words))
        self.word_pattern = re.compile(
            rf"\b(?P<word>{worded})\b(?:\s(?P<scale>{spaced})\b)?"
            rf"(?:\s(?P<unit>{unit_after})\b)?", re.I)
        self.fractions = {r["words"].lower(): float(r["percent"]) for r in read_tsv(path / "fractions.tsv")}
        self.fraction_pattern = re.compile(rf"\b(?P<words>{_alternation(list(self.fractions))})\s+of\b", re.I)
        self.word_ratio = re.compile(
            rf"\b(?P<a>one|two|three)\s(?:(?P<noun>[a-z]+)\s)?(?:out\sof|in)\s(?P<b>{worded}|\d+)\b", re.I)

    def currency(self, unit: str, country: str) -> str:
        """'USD?' for a speaker from Australia is AUD: the currency a bare '$' means there."""
        if not unit.endswith("?"):
            return unit
        return self.currency_context.get((unit, country)) or self.currency_context.get((unit, "*"), unit[:-1])

    # ------------------------------------------------------------------ matching
    def __call__(self, doc: Doc) -> Doc:
        text = doc.text  # a Doc rebuilds its text on every access: read it once
        found = mentions_of(doc)
        adjectives = {c.start: c.value for c in found if c.label == Label.COUNTRY}  # "Philippine pesos"
        taken: list[tuple[int, int]] = []
        for m in self.fraction_pattern.finditer(text):
            found.append(self._mention(text, m.start(), m.end("words"), self.fractions[m.group("words").lower()],
                                       "percent", "figure:fraction-words", 0.75))
            taken.append((m.start(), m.end("words")))
        for m in self.word_ratio.finditer(text):
            b = m.group("b").lower()
            denominator = self.words.get(b) or (float(b) if b.isdigit() else 0)
            numerator = {"one": 1, "two": 2, "three": 3}[m.group("a").lower()]
            if denominator and numerator < denominator:
                found.append(self._mention(text, m.start(), m.end(), 100 * numerator / denominator,
                                           "percent", "figure:ratio-words", 0.8))
                taken.append((m.start(), m.end()))
        pos = 0
        while (m := self.pattern.search(text, pos)) is not None:
            pos = m.end()
            if any(s <= m.start() < e for s, e in taken):
                continue
            if m.group("num2") and _plain(m) and m.group("sep") in ("-", "–") \
                    and not self._age(text, m.start(), m.end(), m.group("num2")):
                continue  # "95-1262", "2021-2027": a symbol or a span of years; "aged 18-29" is an age
            if m.group("num2") and not self._is_range(text, m):
                pos = m.end("num")  # two figures ("from 20 to 30", "62 and 74"): read each alone
                mention = self._single(text, m)
            else:
                mention = self._digits(text, m, adjectives)
            if mention is not None:
                found.append(mention)
                taken.append((mention.start, mention.end))
        for m in self.word_pattern.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            mention = self._worded(text, m)
            if mention is not None:
                found.append(mention)
        self._share_currency(text, found)
        return doc

    def _share_currency(self, text: str, found: list[Mention]) -> None:
        """'CHF 15 million and 20 million': a scaled amount that follows money and counts
        nothing of its own ('20 million people') is that money."""
        figures = sorted((i for i, f in enumerate(found) if f.label == Label.FIGURE), key=lambda i: found[i].start)
        for before, i in pairwise(figures):
            money, count = found[before], found[i]
            unit = money.attrs["unit"]
            if unit not in QUANTITIES and count.attrs["unit"] == "count" and not count.attrs["measures"] \
                    and self.scale_end.search(count.text) \
                    and re.fullmatch(r",?\s+(?:and|or|to)\s+|,\s+", text[money.end:count.start]):
                found[i] = replace(count, rule="figure:money-shared",
                                   attrs=dict(count.attrs, unit=unit, measures=money.attrs["measures"]))

    def _digits(self, text: str, m: re.Match, adjectives: dict[int, str]) -> Mention | None:
        start, end = m.start(), m.end()
        if m.group("ratio_a"):
            a, b = float(m.group("ratio_a")), float(m.group("ratio_b"))
            if not 0 < a < b or YEAR.match(m.group("ratio_b")):  # "28 in 2021": a count in a year
                return None
            return self._mention(text, start, end, 100 * a / b, "percent", "figure:ratio", 0.9)
        if m.group("frac_a"):
            a, b = float(m.group("frac_a")), float(m.group("frac_b"))
            if not 0 < a < b:
                return None
            return self._mention(text, start, end, round(100 * a / b, 1), "percent", "figure:fraction", 0.85)
        num, num2 = m.group("num"), m.group("num2")
        if _too_long(num) or (num2 and _too_long(num2)):
            return None  # an identifier or noise, not a quantity anyone said
        cur, unit_word = _sign(m), m.group("unit")
        scale_word = m.group("glued") or m.group("scale")
        if self._code_not_money(text, m, num, bool(scale_word)):
            return None
        if m.group("glued") and not (cur or unit_word or m.group("glued") in ("M", "bn", "B")):
            return None  # "5m" alone may be metres
        unit = self.units.get(cur) or self.units.get(unit_word or "") or "count"
        if cur and unit_word and self.units.get(unit_word) not in (None, unit):
            unit = self.units[unit_word]
        if m.group("adj"):  # "4.2 billion Philippine pesos": the currency of the country named
            if m.start("adj") not in adjectives:  # "10 Working days": the figure ends before the word
                shorter = self.pattern.match(text, m.start(), m.start("adj"))
                return self._digits(text, shorter, {}) if shorter else None
            unit = self.currency(unit, adjectives[m.start("adj")])
        value = _number(num2 or num)
        factor = self.scales.get(scale_word or "", 1.0)
        # "between KRW 3 million and 5 million": the low end has its own scale
        low = _number(num) * self.scales.get(m.group("scale1") or "", 1.0) / factor if num2 else None
        plain = _plain(m)
        if plain and re.fullmatch(r"\d+,\d{1,2}", num):
            return None  # "1,5" without a unit: a list, not a quantity
        if plain and not self._is_count(text, start, m.end("num"), num):
            return None
        if plain and self._age(text, start, end, num2 or num):
            return self._mention(text, start, end, value, "years", "figure:age", 0.7,
                                 _number(num) if num2 else None)
        if plain and re.search(r"\bper\s+$", text[max(0, start - 5):start]):
            return None  # "per 10 000 population": the base of a rate
        rate = plain and re.match(r"\s+per\s+(?:\d[\d\s,.\u00a0]*\s)?[a-z]", text[end:end + 30])
        # "from 9,800 in 2019 to 33,600", "some 286 000, enjoyed", "113,940 were": a number grouped
        # in thousands counts what the sentence is about, even with no noun after it
        grouped = plain and not num2 and re.search(r"\d[,\u00a0\u202f ]\d{3}$", num) and \
            re.match(r"\s*[,;.)]|\s[a-z]+\b", text[end:end + 12])
        if plain and not rate and not grouped and (self._next_is_month(text, end)
                                                    or not self._counts_something(text, end)):
            return None  # a date ("17 to 19 February"), a table cell or a reference number
        if plain and num2 and YEAR.match(num2):
            return None
        rule = "figure:" + ("range" if num2 else unit if unit in QUANTITIES else "money")
        return self._mention(text, start, end, value * factor, unit, rule, 0.9 if not plain else 0.75,
                             low * factor if low is not None else None)

    def _code_not_money(self, text: str, m: re.Match, num: str, scaled: bool) -> bool:
        """'K12', 'ALL 27 MEMBER STATES', 'TOP 10': a letter or a word in capitals before a number
        is a code or a word, unless the amount reads as money ('R7.4 billion', 'TRY 22,104')."""
        if not (m.group("letter") or m.group("cur") in self.word_codes):
            return False
        return not (scaled or re.search(r"[,.]", num) or re.match(r"\s+(?:a|per)\s", text[m.end():m.end() + 6]))

    def _single(self, text: str, m: re.Match) -> Mention | None:
        """The first of two numbers that are not a range; it shares the second's unit
        ("from 20 to 30 percent") unless that is a count."""
        end = m.end("scale1") if m.group("scale1") else m.end("num")
        num = m.group("num")
        if _too_long(num) or self._code_not_money(text, m, num, bool(m.group("scale1"))):
            return None
        unit = self.units.get(_sign(m)) or self.units.get(m.group("unit") or "") or "count"
        if unit == "count" and (not self._is_count(text, m.start(), end, num) or self._next_is_month(text, m.end())):
            return None  # "25 and 26 April": two days of a date
        if m.group("sep") == "and" and unit != "count" and not m.group("cur"):
            unit = "count"
            if not self._is_count(text, m.start(), end, num):
                return None
        return self._mention(text, m.start(), end, _number(num) * self.scales.get(m.group("scale1") or "", 1.0),
                             unit, "figure:" + unit.rstrip("?"), 0.7)

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

    def _worded(self, text: str, m: re.Match) -> Mention | None:
        word = m.group("word").lower()
        value = self.words[word]
        unit_word, scale_word = m.group("unit"), m.group("scale")
        after = text[m.end():m.end() + 40]
        nxt = WORDISH.match(after.lstrip())
        if re.search(r"\b(these|those|both|other)\s+$", text[max(0, m.start() - 12):m.start()], re.I):
            return None  # "these two aspects": a reference back, not a new figure
        if unit_word is None and scale_word is None:
            if not nxt or nxt.group(0).lower() in STOP_WORDS or not nxt.group(0)[0].islower() \
                    and not m.group("word")[0].isupper():
                return None
            if after[:1] not in (" ",):
                return None
        unit = self.units.get(unit_word or "", "count")
        value *= self.scales.get(scale_word or "", 1.0)
        return self._mention(text, m.start(), m.end(), value, unit, "figure:words", 0.6)

    # ------------------------------------------------------------------ filters
    def _is_count(self, text: str, start: int, end: int, num: str) -> bool:
        """A bare number is a count unless it is a year, a date, an identifier or a list number."""
        if YEAR.match(num):
            return False
        before = text[max(0, start - 30):start]
        after = text[end:end + 30]
        if re.search(r"[§#№]\s*$", before):
            return False  # "§ 3", "No 5"
        prev_word = re.search(r"([A-Za-z]+)\.?\s*$", before)
        if prev_word and prev_word.group(1).lower() in self.identifiers:
            return False
        listed = re.search(r"([A-Za-z]+)\.?\s+(?:\d+[a-z]?(?:,\s*|\s+and\s+|\s+to\s+|-))+$", before)
        if listed and listed.group(1).lower() in self.identifiers:
            return False  # "paragraphs 111, 112 and 113"
        if re.match(r"\.\s+[A-Z]", after):
            return False  # "3. All evaluations": an inline list number
        next_word = re.match(r"\s*([A-Za-zéû]+)", after)
        if prev_word and prev_word.group(1) in self.months or next_word and next_word.group(1) in self.months:
            return False
        if re.match(r"\.\s", after) and (start == 0 or re.search(r"(^|\n)\s*$", before)):
            return False  # "7. The representative of ..." paragraph number
        if re.match(r"^\s*[)\].]", after) and re.search(r"[(\[]\s*$", before):
            return False  # "(3)" list marker
        if re.match(r"\s*(a\.m\.|p\.m\.|am\b|pm\b|h\d|:\d)", after, re.I):
            return False
        if re.match(r"\s*(st|nd|rd|th)\b", after):
            return False
        if re.search(r"[A-Z]{2,}[\s-]*$", before) and not re.search(r"\b(of|to|by|in|and)\s+[A-Z]{2,}\s*$", before):
            return False  # "GATT 1947", "Article XVIII 4", "COVID 19"
        return True

    def _next_is_month(self, text: str, end: int) -> bool:
        nxt = re.match(r"\s*([A-Za-zéû]+)", text[end:end + 20])
        return bool(nxt and nxt.group(1) in self.months)

    @staticmethod
    def _counts_something(text: str, end: int) -> bool:
        """A bare number counts something only when a noun follows: '55 projects', '1,000 of
        the refugees', not '... 1996 101 865 77' (a table) or 'paragraphs 111, 112'."""
        of = re.match(r"\s+of\s+(?:the\s+|these\s+|them\b|those\s+|all\s+)?", text[end:end + 20])
        after = text[end + of.end():end + of.end() + 40] if of else text[end:end + 40]
        word = re.match(r"\s*([A-Za-zÀ-ÿ][\w'’-]*)", after)
        if of and re.match(r"\s+of\s+them\b", text[end:end + 20]):
            return True
        return bool(word) and word.group(1).lower() not in MEASURE_STOP and (after[:1] == " " or of is not None)

    def _age(self, text: str, start: int, end: int, num: str) -> bool:
        """'people under 30', 'aged 15': an age in years."""
        before = text[max(0, start - 40):start].lower()
        m = re.search(r"(\w[\w-]*)\s+(under|over|above|below|aged|between)\s+$", before) or \
            re.search(r"(\w[\w-]*)\s+$", before)
        if not m or _number(num) > 120:
            return False
        words = set(re.findall(r"[\w-]+", before[-25:]))
        return "aged" in words or (m.lastindex == 2 and bool(words & self.age_cues))

    # ------------------------------------------------------------------ output
    def _mention(self, text: str, start: int, end: int, value: float, unit: str, rule: str,
                 confidence: float, low: float | None = None) -> Mention:
        attrs: dict = {"unit": unit, "measures": self.measures(text, start, end, unit)}
        if low is not None:
            attrs["value_min"] = low
        return Mention(Label.FIGURE, text[start:end], start, end, rule, confidence, value=repr(float(value)),
                       attrs=attrs)

    def measures(self, text: str, start: int, end: int, unit: str) -> str:
        """What a figure measures: the noun phrase after it ('55 projects', '13% of the workers
        mobilised') or, failing that, the one before it ('a funding of 50 million euros')."""
        after = text[end:end + 80]
        of = re.match(r"\s+of\s+(?:the\s+|these\s+|their\s+|all\s+)?", after)
        words = _words(after[of.end():] if of else after)
        if words:
            return " ".join(_noun_phrase(words))
        before = text[max(0, start - 80):start]
        link = re.search(r"(?:\s+(?:of|is|was|are|were|at|reached|to|by|about|around|nearly|almost|"
                         r"some|over|under|than|more|less|up))+\s*$", before)
        head = _words(before[:link.start()] if link else before, reverse=True)
        return " ".join(reversed(head))


def _words(text: str, reverse: bool = False, limit: int = 4) -> list[str]:
    """Up to ``limit`` content words from the start (or end) of ``text``, stopping at the
    first punctuation mark, number or function word."""
    tokens = re.findall(r"[\w'’-]+|[^\w\s]", text[:80] if not reverse else text[-80:])
    out: list[str] = []
    for w in reversed(tokens) if reverse else tokens:
        if not re.match(r"[A-Za-zÀ-ÿ]", w) or w.lower() in MEASURE_STOP:
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
