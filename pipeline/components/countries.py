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

from ..data import Label, Mention
from .common import DataComponent, mentions_of, read_tsv, read_words

FOREIGN_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl")
LANGUAGE_CUE = re.compile(r"^[\s-]*(languages?|speaking|speakers?|lessons?|courses?|classes|tuition|"
                          r"proficiency|version|translation|[ABC][12])\b", re.I)
LIST_TOKENS = {",", "and", "or", "&", "/"}
CODE_LIST = re.compile(r"\((?:[A-Z]{2}(?:,\s*|\s+and\s+)){1,40}[A-Z]{2}\)")
# a member's political group and country code, as parliaments and assemblies write them:
# "(EPP, DE)", "(S&D, FI)", "(EL/EPP)", "(PT/Renew Europe)"
GROUP_CODE = re.compile(r"\((?:[^(),\n]{1,60},\s?(?P<code>[A-Z]{2})|(?P<lead>[A-Z]{2})\s?/\s?[^()/\n]{1,30})\)")


class CountryRecogniser(DataComponent):
    """Finds country mentions; ``value`` is the ISO code, ``attrs['kind']`` the form's kind."""

    files = ("forms.tsv", "language_cues.txt", "not_before_name.txt", "languages.txt", "code_exceptions.tsv")

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name
        self.forms: dict[str, tuple[str, str, bool]] = {}
        self.matcher = PhraseMatcher(nlp.vocab)
        self.foreign = PhraseMatcher(nlp.vocab)
        self.language_verbs: set[str] = set()
        self.joiners: set[str] = set()
        self.languages: set[str] = set()
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
        self.languages = {f for f, (_, _, lang) in forms.items() if lang} | set(read_words(path / "languages.txt"))
        self.joiners = {w.lower() for w in read_words(path / "not_before_name.txt")}

    def __call__(self, doc: Doc) -> Doc:
        found = mentions_of(doc)
        spans = [doc[s:e] for _, s, e in self.matcher(doc)]
        for span in filter_spans(spans):
            code, kind, is_language = self.forms[span.text]
            if kind == "alias" and span.end < len(doc) and doc[span.end].text in {"$", "dollars"}:
                continue  # US$ is a currency
            if kind == "name" and len(span) == 1 and self._inside_proper_noun(span):
                continue
            if is_language and self._is_language(span):
                continue
            found.append(Mention(Label.COUNTRY, span.text, span.start_char, span.end_char,
                                 f"country:{kind}", 0.95 if kind in ("name", "alias") else 0.85,
                                 value=code, attrs={"kind": kind}))
        listed: set[tuple[int, int]] = set()
        for m in CODE_LIST.finditer(doc.text):  # "Several delegations (DE, FR, EL) supported"
            codes = [(c.start(), c.group(0)) for c in re.finditer(r"[A-Z]{2}", m.group(0))]
            before = doc.text[max(0, m.start() - 30):m.start()]
            if len(codes) == 2 and re.search(r"[A-Z][\w'’-]+\s$", before) and \
                    not re.search(r"(?i:delegations|states|members|countries)\s$", before):
                continue  # "Mattia Corradini (ID, IT)": a member's group and country; not "Member States (DE, FR)"
            if all(code in self.codes for _, code in codes):
                listed.add(m.span())
                found.extend(Mention(Label.COUNTRY, code, m.start() + at, m.start() + at + 2, "country:code-list",
                                     0.8, value=self.codes[code], attrs={"kind": "alias"}) for at, code in codes)
        for m in GROUP_CODE.finditer(doc.text):
            key = "code" if m.group("code") else "lead"
            if m.group(key) in self.codes and m.span() not in listed:  # a list of countries is read once
                found.append(Mention(Label.COUNTRY, m.group(key), m.start(key), m.end(key),
                                     "country:group-code", 0.8, value=self.codes[m.group(key)],
                                     attrs={"kind": "alias"}))
        for _, s, e in self.foreign(doc):
            if s > 0 and e < len(doc) and doc[s - 1].text == "(" and doc[e].text == ")":
                span = doc[s:e]
                found.append(Mention(Label.COUNTRY, span.text, span.start_char, span.end_char,
                                     "country:foreign-name", 0.8, value=self.foreign_codes[span.text],
                                     attrs={"kind": "name"}))
        return doc

    def _inside_proper_noun(self, span: Span) -> bool:
        """'Jordan' in 'Michael Jordan': a one-word name glued to a preceding capitalised word.
        A longer name ending in a country is an institution of that country ('Employment and
        Social Development Canada')."""
        if span.start == 0:
            return False
        doc = span.doc
        prev = doc[span.start - 1]
        glued = prev.is_title and prev.text.lower() not in self.joiners and prev.text not in self.forms
        if glued and span.start >= 3 and span.end < len(doc) and doc[span.end].is_punct:
            before = doc[span.start - 2]
            if before.is_title or before.lower_ in ("and", "of", "for", "&"):
                return False
        return glued

    def _is_language(self, span: Span) -> bool:
        """'French' as a language: before 'language' or a CEFR level, or listed after 'in'."""
        doc = span.doc
        after = doc[span.end:span.end + 2].text if span.end < len(doc) else ""
        if LANGUAGE_CUE.match(after):
            return True
        nxt = doc[span.end] if span.end < len(doc) else None
        stands_alone = nxt is None or nxt.is_punct or nxt.lower_ in LIST_TOKENS
        if not stands_alone:
            return False
        i = span.start - 1
        while i >= 0 and (doc[i].lower_ in LIST_TOKENS or doc[i].text in self.languages):
            i -= 1
        if i >= 0 and doc[i].lower_ in ("the",):
            i -= 1
        return i >= 0 and doc[i].lower_ in self.language_verbs


@Language.factory("meeting_countries")
def make_country_recogniser(nlp: Language, name: str) -> CountryRecogniser:
    return CountryRecogniser(nlp, name)
