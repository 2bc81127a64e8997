"""Countries: names, official names, adjectives and demonyms, normalised to ISO 3166-1 alpha-2.

The names come from pycountry; adjectives, demonyms and usual aliases from ``forms.tsv``;
names in other languages ("(Italie)") are taken only as a parenthesised affiliation.
Languages are not countries: an adjective that names a language is dropped when it stands
as one ("offered in French", "the Croatian language", "French A1 level").
"""
from __future__ import annotations

import gettext
import re
from pathlib import Path

import pycountry
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..data import CountryCue, Label, Mention
from .common import DataComponent, grammar, mentions_of, read_tsv, read_words, rejections_of, text_of
from .rules import Trace, veto

FOREIGN_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl")  # pycountry's translations read for "(Italie)"


class CountryRecogniser(DataComponent):
    """Finds country mentions; ``value`` is the ISO code, the evidence says which form was written."""

    files = ("forms.tsv", "language_cues.txt", "not_before_name.txt", "languages.txt", "code_exceptions.tsv",
             "language_nouns.txt", "patterns.toml")

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name
        self.forms: dict[str, tuple[str, str, bool]] = {}
        self.matcher = PhraseMatcher(nlp.vocab)
        self.foreign = PhraseMatcher(nlp.vocab)
        self.codes: dict[str, str] = {}

    def load(self, path: Path) -> None:
        forms: dict[str, tuple[str, str, bool]] = {}
        for c in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                value = getattr(c, attr, None)
                if value and "," not in value:
                    forms.setdefault(value, (c.alpha_2, "name", False))
        for row in read_tsv(path / "forms.tsv"):
            forms[row["form"]] = (row["code"].upper(), row["kind"], row.get("language") == "1")
        for form, (code, kind, lang) in list(forms.items()):
            if kind == "name" and len(form) >= 4 and form.upper() != form:
                forms.setdefault(form.upper(), (code, kind, lang))  # "(FRANCE)" in capitals
        self.forms = forms
        self.matcher = PhraseMatcher(self.nlp.vocab)
        self.matcher.add("COUNTRY", list(self.nlp.tokenizer.pipe(forms)))
        foreign: dict[str, str] = {}
        for lang in FOREIGN_LANGUAGES:
            try:
                tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
            except OSError:
                continue
            for c in pycountry.countries:
                local = tr.gettext(c.name)
                if local not in forms and "," not in local:
                    foreign.setdefault(local, c.alpha_2)
        self.foreign_codes = foreign
        self.foreign = PhraseMatcher(self.nlp.vocab)
        self.foreign.add("FOREIGN", list(self.nlp.tokenizer.pipe(foreign)))
        self.codes = {c.alpha_2: c.alpha_2 for c in pycountry.countries}
        self.codes.update({r["code"]: r["iso"] for r in read_tsv(path / "code_exceptions.tsv")})
        self.language_verbs = {w.lower() for w in read_words(path / "language_cues.txt")}
        self.language_nouns = {w.lower() for w in read_words(path / "language_nouns.txt")}
        self.list_words = set(grammar(path.parent)["list_joiners"])
        self.name_connectors = set(grammar(path.parent)["name_connectors"])
        self.languages = {f for f, (_, _, lang) in forms.items() if lang} | set(read_words(path / "languages.txt"))
        self.joiners = {w.lower() for w in read_words(path / "not_before_name.txt")}
        self.load_rules(path)

    def __call__(self, doc: Doc) -> Doc:
        found, rejected = mentions_of(doc), rejections_of(doc)
        text = text_of(doc)
        for span in filter_spans([doc[s:e] for _, s, e in self.matcher(doc)]):
            code, kind, _ = self.forms[span.text]
            trace = self.rules.trace("country.form")
            if self.rules.screen(trace, span.start_char, span.end_char, rejected, span):
                trace.note(f"the {kind} of {code} in the gazetteer")
                found.append(self._mention(span.start_char, span.end_char, text, code, kind, trace,
                                           0.95 if kind in ("name", "alias") else 0.85))
        listed: set[tuple[int, int]] = set()
        for m in self.rules.finditer("country.code-list", text):  # "Several delegations (DE, FR, EL) supported"
            codes = [(m.start() + c.start(), c.group(0)) for c in re.finditer(r"[A-Z]{2}", m.group(0))]
            trace = self.rules.trace("country.code-list")
            if not self.rules.screen(trace, m.start(), m.end(), rejected, text, m.start(), [c for _, c in codes]):
                continue
            listed.add(m.span())
            for at, code in codes:
                trace.note(f"{code} is {self.codes[code]}" if self.codes[code] != code else "")
                found.append(self._mention(at, at + 2, text, self.codes[code], "alias", trace, trace.score))
        for m in self.rules.finditer("country.group-code", text):
            key = "code" if m.group("code") else "lead"
            trace = self.rules.trace("country.group-code")
            if m.span() in listed or not self.rules.screen(trace, m.start(key), m.end(key), rejected,
                                                           text, m.start(), [m.group(key)]):
                continue  # a list of countries is read once
            trace.note("a member's group and country in brackets")
            found.append(self._mention(m.start(key), m.end(key), text, self.codes[m.group(key)], "alias", trace,
                                       trace.score))
        for _, s, e in self.foreign(doc):
            span = doc[s:e]
            trace = self.rules.trace("country.foreign-name")
            if self.rules.screen(trace, span.start_char, span.end_char, rejected, span):
                code = self.foreign_codes[span.text]
                trace.note(f"the name of {code} in another language")
                found.append(self._mention(span.start_char, span.end_char, text, code, "name", trace, trace.score))
        return doc

    @staticmethod
    def _mention(start: int, end: int, text: str, code: str, form: str, trace: Trace,
                 confidence: float) -> Mention:
        return Mention(Label.COUNTRY, text[start:end], start, end, trace.rule, confidence, value=code,
                       evidence=CountryCue(form), explanation=trace.explain())

    # ------------------------------------------------------------------ vetoes
    @veto("country.currency-sign")
    def _currency_sign(self, span: Span) -> str | None:
        """'US$', 'US dollars': a currency, not the country."""
        doc = span.doc
        if self.forms[span.text][1] == "alias" and span.end < len(doc) and doc[span.end].text in {"$", "dollars"}:
            return f"'{span.text}' is part of a currency name"
        return None

    @veto("country.inside-proper-noun")
    def _inside_proper_noun(self, span: Span) -> str | None:
        """'Jordan' in 'Michael Jordan': a one-word name glued to a preceding capitalised word.
        A longer name ending in a country is an institution of that country ('Employment and
        Social Development Canada')."""
        doc = span.doc
        if self.forms[span.text][1] != "name" or len(span) != 1 or span.start == 0:
            return None
        prev = doc[span.start - 1]
        glued = prev.is_title and prev.text.lower() not in self.joiners and prev.text not in self.forms
        if glued and span.start >= 3 and span.end < len(doc) and doc[span.end].is_punct:
            before = doc[span.start - 2]
            if before.is_title or before.lower_ in self.name_connectors:
                return None
        return f"'{prev.text} {span.text}' reads as one proper name" if glued else None

    @veto("country.language")
    def _language(self, span: Span) -> str | None:
        """'French' as a language: before 'language' or a CEFR level, or listed after 'in'."""
        if not self.forms[span.text][2]:
            return None
        doc = span.doc
        nxt = doc[span.end] if span.end < len(doc) else None
        after = doc[span.end:span.end + 2]
        if nxt is not None and (nxt.lower_ in self.language_nouns or nxt.text == "-" and len(after) > 1
                                and after[1].lower_ in self.language_nouns
                                or re.fullmatch(r"[ABC][12]", nxt.text)):
            return f"'{span.text}' names a language here"
        if not (nxt is None or nxt.is_punct or nxt.lower_ in self.list_words):
            return None
        i = span.start - 1
        while i >= 0 and (doc[i].lower_ in self.list_words or doc[i].text in self.languages):
            i -= 1
        if i >= 0 and doc[i].lower_ == "the":
            i -= 1
        if i >= 0 and doc[i].lower_ in self.language_verbs:
            return f"'{span.text}' is a language after '{doc[i].text}'"
        return None

    @veto("country.member-group")
    def _member_group(self, text: str, start: int, codes: list[str]) -> str | None:
        """'Mattia Corradini (ID, IT)': a member's group and country, not two countries; but
        'Member States (DE, FR)' stays two countries."""
        before = text[max(0, start - 30):start]
        if len(codes) == 2 and re.search(r"[A-Z][\w'’-]+\s$", before) and \
                not re.search(r"(?i:delegations|states|members|countries)\s$", before):
            return "two codes after a name are a member's group and country"
        return None

    @veto("country.unknown-code")
    def _unknown_code(self, text: str, start: int, codes: list[str]) -> str | None:
        unknown = [c for c in codes if c not in self.codes]
        return f"{', '.join(unknown)} is no country code" if unknown else None

    @veto("country.not-in-brackets")
    def _not_in_brackets(self, span: Span) -> str | None:
        doc = span.doc
        inside = span.start > 0 and span.end < len(doc) and doc[span.start - 1].text == "(" \
            and doc[span.end].text == ")"
        return None if inside else "a name in another language is read only as a bracketed affiliation"


@Language.factory("meeting_countries")
def make_country_recogniser(nlp: Language, name: str) -> CountryRecogniser:
    return CountryRecogniser(nlp, name)
