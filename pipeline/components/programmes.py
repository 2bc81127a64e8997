"""Programmes: named programmes, schemes, laws, funds, plans, strategies, projects, labels,
networks, campaigns, with the acronym joined to its long form.

The patterns of ``models/<pipeline>/programmes/patterns.toml`` propose names (an acronym
defined beside a long form, a capitalised name holding a programme word, a quoted name beside
one, a name in two languages, a coined brand word, a law by its number...); every name then
passes the vetoes under ``[defaults]`` (a programme word alone, a heading in capitals, an
office, a document or agenda item, an organisation, a speaker's affiliation). The document is
one Doc, so an acronym defined anywhere marks its programme everywhere.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from spacy.lang.en.lex_attrs import like_num
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from ..data import Label, Mention, ProgrammeCue
from ..lexicon import english_words
from ..settings import DEFAULT_LEXICON
from .common import (DataComponent, block_bounds, grammar, mentions_of, read_tsv, read_words, rejections_of,
                     Spans, grouped, sentence_around, shifted, text_of, within, without_overlaps)
from .rules import Rejection, Trace, alternation, veto
from .scoring import Scorer

YEAR = re.compile(r"(?:19|20)\d\d")
ACRONYM = re.compile(r"^[A-Z][A-Z0-9&+-]*[A-Z+]$|^[A-Z]{2,}[a-z]?s?$")


def _schwartz_hearst(acronym: str, before: str) -> str:
    """The long form ending ``before`` whose letters spell ``acronym`` (Schwartz & Hearst 2003):
    acronym characters are found right to left, the first one at the start of a word."""
    short = [c.lower() for c in acronym if c.isalnum()]
    if len(short) < 2:
        return ""
    words = before.split()
    window = " ".join(words[-min(len(short) + 5, len(short) * 2):])
    s_idx, l_idx = len(short) - 1, len(window) - 1
    while s_idx >= 0:
        c = short[s_idx]
        while l_idx >= 0 and (window[l_idx].lower() != c or
                              (s_idx == 0 and l_idx > 0 and window[l_idx - 1].isalnum())):
            l_idx -= 1
        if l_idx < 0:
            return ""
        l_idx -= 1
        s_idx -= 1
    start = window.rfind(" ", 0, l_idx + 1) + 1
    form = window[start:]
    return form if len(form.split()) <= len(short) * 2 + 1 and len(form) > len(acronym) else ""


def _trim_lowercase(form: str) -> str:
    """'set up the Public Employment Integration Service' -> 'Public Employment Integration Service'."""
    words = form.split()
    if any(w[:1].isupper() for w in words):
        while words and not words[0][:1].isupper():
            words.pop(0)
    return " ".join(words)


def _bracket(inner: str) -> tuple[list[str], list[str], str, bool]:
    """A bracket after a name, in parts: all of them, the acronyms ("IGU", "STC-SDLE-5",
    "MoUs"), the first other part without its quotes, and whether that part was quoted."""
    parts = [p.strip() for p in re.split(r",\s*|\s[–-]\s", inner) if p.strip()]
    acronyms = [p for p in parts
                if p.upper() == p or ACRONYM.match(p) or re.fullmatch(r"[A-Z][A-Za-z]{0,5}[A-Z]s?", p)]
    other = next((p for p in parts if p not in acronyms), "")
    quoted = other[:1] in "\"“'‘" and other[-1:] in "\"”'’"
    return parts, acronyms, other.strip("\"“”'‘’"), quoted


def _before_quotes(text: str, at: int) -> int:
    """Where the text before ``at`` ends, spaces and closing quotes aside."""
    while at > 0 and text[at - 1] in " \"”’":
        at -= 1
    return at


def canonical(name: str) -> str:
    """A key under which spellings of one programme meet: 'The HOPE programme' = 'Hope programme'."""
    key = re.sub(r"[\"“”„«»‘’']", "", name).lower()
    key = re.sub(r"\s*\+\s*", "+", key)
    key = re.sub(r"^(the|a|an)\s+", "", key)
    key = re.sub(r"\s+(programme|program|project|scheme|operation|initiative)$", "", key)
    return " ".join(key.split())


@dataclass
class Candidate:
    """A name a pattern proposes, as the vetoes see it (the component's working state)."""

    text: str  # the document text
    start: int
    end: int
    name: str  # the name as it will be shown (an acronym in brackets left out)
    acronym: str = ""
    tokens: tuple[str, ...] = ()  # the words a pattern read, before it settled on the name
    match: re.Match | None = None


class ProgrammeRecogniser(DataComponent):
    files = ("heads.tsv", "foreign_words.txt", "not_programmes.txt", "known.tsv", "adoption_verbs.txt",
             "scope_words.txt", "generic_modifiers.txt", "foreign_connectors.txt", "office_titles.txt",
             "agenda_items.txt",
             "patterns.toml")
    scorer: Scorer | None = None  # trained by `python -m pipeline train`; None: the patterns decide alone
    use_scorer: bool = True  # training turns it off, to see every name the patterns propose

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name

    def load(self, path: Path) -> None:
        rows = read_tsv(path / "heads.tsv")
        self.laws = {r["word"].lower() for r in rows if r["class"] == "law"}
        self.suffixes = tuple(r["word"].lower() for r in rows if r["class"] == "suffix")
        self.capital_only = {r["word"].lower() for r in rows if r["class"] == "capital"}
        self.heads = {r["word"].lower(): "programme" if r["class"] in ("law", "capital") else r["class"]
                      for r in rows if r["class"] != "suffix"}
        self.excluded = {w.lower() for w in read_words(path / "not_programmes.txt")}
        self.known: dict[str, tuple[str, str]] = {}
        for row in read_tsv(path / "known.tsv"):
            self.known[row["name"]] = (row["name"], row["acronym"])
            if len(row["acronym"].rstrip("+s")) >= 3:
                self.known[row["acronym"]] = (row["name"], row["acronym"])
        self.generic = {w.lower() for w in read_words(path / "generic_modifiers.txt")}
        self.scope = {w.lower() for w in read_words(path / "scope_words.txt")}
        words = grammar(path.parent)
        self.connectors = set(words["title_connectors"])
        self.name_openers = set(words["name_openers"])
        self.indefinite = re.compile(rf"\b(?:{alternation(words['indefinite_articles'])})\s+(?:new\s+)?$", re.I)
        self.sentence_openers = self.name_openers | set(words["sentence_openers"])
        self.prepositions = set(words["title_prepositions"])
        self.determiners = set(words["phrase_openers"])
        self.phrase_ends = set(words["phrase_ends"])
        self.name_suffixes = set(words["name_suffixes"])
        self.agenda_items = {w.lower() for w in read_words(path / "agenda_items.txt")}
        self.months = {r["word"].lower() for r in read_tsv(path.parent / "months.tsv")}
        self.foreign_connectors = set(read_words(path / "foreign_connectors.txt"))
        self.known_matcher = PhraseMatcher(self.nlp.vocab)
        self.known_matcher.add("KNOWN", list(self.nlp.tokenizer.pipe(self.known)))
        programme_words = [w for w, c in self.heads.items() if c == "programme"]
        self.english = english_words(DEFAULT_LEXICON) - set(read_words(path / "foreign_words.txt"))
        laws = self.laws
        self.load_rules(path, {
            "programme_heads": alternation(programme_words),
            "programme_heads_singular": alternation(w for w in programme_words if not w.endswith("s")),
            "lower_heads": alternation(w for w in programme_words if w.islower() and w not in self.capital_only),
            "any_heads": alternation(w for w, c in self.heads.items() if c in ("programme", "weak")),
            "law_words": alternation(laws),
            "law_words_capitalised": alternation(w.capitalize() for w in laws),
            "title_connectors_no_the": alternation(self.connectors - {"the"}),
            "stop_words": alternation(STOP_WORDS)})
        self.scorer = Scorer.load(path / "scorer.json")
        heads = (w for w, c in self.heads.items() if c in ("programme", "weak"))
        self.head_re = re.compile(rf"\b(?:{alternation(heads)})\b", re.I)

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        rejected = rejections_of(doc)
        everything = mentions_of(doc)
        countries = [m for m in everything if m.label == Label.COUNTRY]
        self._affiliations = {part.strip().lower() for m in everything if m.label == Label.SPEAKER
                              for part in m.evidence.role.split(",") + [m.evidence.organisation]} - {""}
        bodies = [(sp.start_char, sp.end_char) for sp in doc.spans.get("organisations", [])] \
            if "organisations" in doc.spans else []
        known = self._known(doc)
        found: list[Mention] = []
        blocks = block_bounds(doc)
        for (start, end), mentioned, named, inside in zip(blocks, within(everything, blocks), within(known, blocks),
                                                          grouped(blocks, bodies, lambda b: b)):
            local: list[Rejection] = []
            self._bodies = {(s - start, e - start) for s, e in inside}
            names = self._block(text[start:end], mentioned, named, local)
            found += [shifted(m, start) for m in names]
            rejected.extend(replace(r, start=r.start + start, end=r.end + start) for r in local)
        taken = [(s, e) for s, e in bodies] + [(m.start, m.end) for m in everything if m.label == Label.SPEAKER]
        found += self._acronym_mentions(text, found, taken)
        people = [(m.start, m.end) for m in everything if m.label == Label.SPEAKER or m.label == Label.COUNTRY
                  and m.evidence.form != "adjective"]
        marked = [(m.start, m.end) for m in found if m.rule != "programme.unmarked-name"]
        read = Spans(people + marked)
        found = [m for m in found if m.rule != "programme.unmarked-name"  # a name already read as someone's,
                 or not read.overlap(m.start, m.end)]  # or as a marked programme
        found = without_overlaps(found)
        inside = grouped([(m.start, m.end) for m in found], countries, lambda c: (c.start, c.start + 1))
        found = [self._homes(text, m, countries, [c.value for c in own]) for m, own in zip(found, inside)]
        if self.scorer is not None and self.use_scorer:
            found = self._scored(text, found, rejected)
        everything.extend(found)
        return doc

    def features(self, m: Mention, text: str, mentions: Counter) -> dict[str, float]:
        """What the trained scorer reads of a proposed name: the pattern that found it, its head
        word, its shape, how often the document names it, and the words around it."""
        words = m.value.split() or [""]
        f = {f"rule={m.rule}": 1.0, f"class={self._class(m.value) or 'none'}": 1.0, f"words={min(len(words), 6)}": 1.0,
             "capitalised": sum(w[:1].isupper() for w in words) / len(words),
             "acronym": float(bool(m.evidence.acronym)), "home": float(bool(m.evidence.home)),
             "mentions": min(mentions[m.evidence.key], 5) / 5, "digits": float(any(c.isdigit() for c in m.value)),
             "foreign": self._foreign_share(words), f"first={words[0].lower()}": 1.0,
             f"last={words[-1].lower()}": 1.0,
             "quoted": float(text[m.start - 1:m.start] in "\"“'‘" and m.start > 0),
             "bracketed": float(text[m.start - 1:m.start] == "(" and m.start > 0)}
        before = re.findall(r"[\w'’-]+", text[max(0, m.start - 40):m.start].lower())[-2:]
        after = re.findall(r"[\w'’-]+", text[m.end:m.end + 40].lower())[:2]
        for i, w in enumerate(reversed(before), start=1):
            f[f"before{i}={w}"] = 1.0
        for i, w in enumerate(after, start=1):
            f[f"after{i}={w}"] = 1.0
        return f

    def _scored(self, text: str, found: list[Mention], rejected: list[Rejection]) -> list[Mention]:
        """Names the trained scorer keeps: a programme is kept when its likeliest mention reaches the
        scorer's threshold, and each mention's confidence is the scorer's probability."""
        mentions = Counter(m.evidence.key for m in found)
        probability = {id(m): self.scorer.probability(self.features(m, text, mentions)) for m in found}
        best: dict[str, float] = {}
        for m in found:
            best[m.evidence.key] = max(best.get(m.evidence.key, 0.0), probability[id(m)])
        out = []
        for m in found:
            p = best[m.evidence.key]
            if p < self.scorer.threshold:
                rejected.append(Rejection(m.rule, m.start, m.end, "programme.scorer",
                                          f"the trained scorer gives {p:.2f}, below {self.scorer.threshold:.2f}"))
                continue
            out.append(Mention(m.label, m.text, m.start, m.end, m.rule, round(probability[id(m)], 3), m.value,
                               m.evidence, f"{m.explanation}; scorer {probability[id(m)]:.2f}"))
        return out

    def _block(self, text: str, others: list[Mention], known: list[Mention],
               rejected: list[Rejection]) -> list[Mention]:
        """The programmes named in one paragraph or heading."""
        countries = [m for m in others if m.label == Label.COUNTRY]
        adjectives = {c.text for c in countries if c.evidence.form == "adjective"}
        found: list[Mention] = []
        found += self._acronym_definitions(text, rejected)
        found += self._acronym_heads(text, rejected)
        found += self._quoted(text, rejected)
        found += self._capitalised(text, adjectives, rejected)
        found += self._lists(text, rejected)
        found += known
        found += self._lowercase(text, rejected)
        found += self._named_heads(text, countries, rejected)
        found += self._reversed_definitions(text, rejected)
        found += self._translated(text, others, rejected)
        found += self._coined(text, others, rejected)
        found += self._numbered_laws(text, rejected)
        found = [self._without_place(text, m, countries) for m in found]
        marked = without_overlaps([m for m in found if m.rule != "programme.unmarked-name"])
        found = marked + [m for m in without_overlaps([m for m in found if m.rule == "programme.unmarked-name"])
                          if not any(n.start < m.end and m.start < n.end for n in marked)]  # marked names first
        found = self._with_acronyms(text, found)
        return self._join_translations(text, found)

    # ------------------------------------------------------------------ the common judge
    def _make(self, text: str, start: int, end: int, trace: Trace, rejected: list[Rejection],
              acronym: str = "", name: str | None = None) -> Mention | None:
        """A mention for a proposed name, once the default vetoes passed: words that open a
        sentence, an owner or a count are no part of it; a law's number and year are."""
        surface = text[start:end]
        name = (name or surface).strip()
        words = name.split()
        lead = 0  # "the Government's Skills Reform", "Eight Youth Guarantee": an owner or a count, no name
        while lead < len(words) - 1 and (re.fullmatch(r"[A-Z][\w-]*['’]s", words[lead])
                                         or words[lead].isalpha() and like_num(words[lead].lower())
                                         and not like_num(words[lead + 1].lower())  # "One Billion Trees Programme"
                                         or words[lead].lower() in self.sentence_openers):
            lead += 1
        if lead and name == surface:
            start += len(" ".join(words[:lead])) + 1
            surface = name = " ".join(words[lead:])
        if re.search(r"\s(?:No|Nr|N°|no)\.?$", name):  # "Framework Law No. 09-21": the number is part of it
            number = re.match(r"\.?\s?\d[\w./-]*\d", text[end:end + 20])
            if number:
                end += number.end()
                surface = name = text[start:end]
        dated = re.match(rf",\s{YEAR.pattern}\b(?!\s?[-–/])", text[end:end + 7]) \
            if name == surface and name.split()[-1].lower() in self.laws else None
        if dated:  # "Refugees Act, 2021": the year is part of a law's title
            end += dated.end()
            surface = name = text[start:end]
            trace.note("the year after a comma belongs to the law's title")
        c = Candidate(text, start, end, name, acronym)
        if not self.rules.screen(trace, start, end, rejected, c, only=self.rules.defaults):
            return None
        if acronym:
            trace.note(f"acronym {acronym}")
        return Mention(Label.PROGRAMME, surface, start, end, trace.rule, trace.score, value=name,
                       evidence=ProgrammeCue(self._key(name), acronym), explanation=trace.explain())

    def _class(self, name: str) -> str:
        """'programme', 'weak', 'organisation', 'people' or '' from the head of a name: the
        last classed word before its first preposition ('Committee on Trade' -> organisation,
        'European Pillar of Social Rights' -> programme, 'Youth Guarantee' -> programme)."""
        words = [w.lower() for w in re.findall(r"[\w-]+", re.sub(r"['’]s\b", "", name))]  # "the Plan's"
        while words and (re.fullmatch(r"[\d–-]+", words[-1]) or words[-1] in self.name_suffixes):
            words.pop()  # "Year of Youth 2022", "Masterplan 2022-2032", "European Social Fund Plus"
        if words and words[-1] in self.laws:
            return "programme"  # "Department of Migrant Workers Act": a law, whatever it names
        if words and words[-1].endswith(self.suffixes) and words[-1] not in self.suffixes:
            return "programme"  # "Qualifizierungsgeld", "the German Kurzarbeitergeld"
        whole = words
        cut = next((i for i, w in enumerate(words) if w in self.prepositions and i > 0), len(words))
        words = words[:cut]
        while words and (re.fullmatch(r"[\d–-]+", words[-1]) or words[-1] in self.name_suffixes):
            words.pop()
        if len(words) > 1 and self.heads.get(words[0]) == "programme" \
                and self.heads.get(words[-1]) not in ("organisation", "people"):
            return "programme"  # "Operation Welcome", "Programa Garantía Juvenil", "Plan Jeune"
        if words and len(whole) > len(words) and self.heads.get(whole[-1]) == "programme" and \
                self.heads.get(words[-1]) not in ("organisation", "people") and "the" not in whole and \
                not re.search(r"(?:tion|sion|ment|ance|ence)$", words[0]):  # not "Part II of the Work Programme"
            return "programme"  # "Coding for Employment Programme", "Jobs for Youth in Africa Strategy"
        if not words:
            return ""
        if not self.heads.get(words[-1]) and self.heads.get(words[0]) == "organisation":
            return "organisation"  # "Servicio Público de Empleo Estatal": a head written first
        return self.heads.get(words[-1], "")

    def _key(self, name: str) -> str:
        """The key under which one programme's spellings meet: 'the Ajira platform' = 'Ajira
        programme', 'European Youth Guarantee' = 'reinforced Youth Guarantee' = 'Youth Guarantee'."""
        words = name.split()
        while len(words) > 2 and words[-1].islower() and self.heads.get(words[-1]) == "programme":
            words.pop()
        if len(words) == 2 and words[-1].islower() and self.heads.get(words[-1]) == "programme":
            words.pop()
        while len(words) > 2 and (words[0].lower() in self.generic or words[0].lower() in self.scope):
            words.pop(0)
        return canonical(" ".join(words))

    # ------------------------------------------------------------------ patterns
    def _acronym_definitions(self, text: str, rejected: list[Rejection]) -> list[Mention]:
        """'Long Form (ACR)' and 'long form (ACR - original-language form)'."""
        out = []
        for m in self.rules.finditer("programme.acronym-definition", text):
            acr = m.group("acr")
            if len(re.sub(r"[^A-Z]", "", acr)) < 2:
                continue
            forms = []
            window = text[max(0, m.start() - 250):m.start()]
            before = window.rstrip(" \"”’")
            long_form = _trim_lowercase(_schwartz_hearst(acr.split()[0], before)) or self._headed_phrase(before)
            if long_form and before.endswith(long_form):
                forms.append((m.start() - len(window) + len(before) - len(long_form), long_form))
            if m.group("orig"):
                orig = m.group("orig").strip()
                if _schwartz_hearst(acr.split()[0], orig) or self._class(orig) == "programme":
                    forms.append((m.start("orig") + m.group("orig").index(orig), orig))
            for start, form in forms:
                trace = self.rules.trace("programme.acronym-definition")
                if not self.rules.screen(trace, start, start + len(form), rejected,
                                         Candidate(text, start, start + len(form), form, acr),
                                         only=("programme.organisation-or-people", "programme.no-programme-word")):
                    continue
                mention = self._make(text, start, start + len(form), trace, rejected, acronym=acr)
                if mention:
                    out.append(mention)
                break
        return out

    def _headed_phrase(self, before: str) -> str:
        """The words before '(ACR)' when the acronym is in another language: a phrase ending in
        a programme word ('the republican integration contract'), or opening with one
        ('a programme of global and individualised support for refugees')."""
        words = re.findall(r"[\w'’-]+", before[-120:])
        if not words:
            return ""
        if self.heads.get(words[-1].lower()) in ("programme", "weak"):
            kept = [words[-1]]
            for w in reversed(words[:-1]):
                if w.lower() in self.determiners or len(kept) == 5 or self.heads.get(w.lower()) == "organisation":
                    break
                kept.insert(0, w)
            phrase = " ".join(kept)
            return phrase if before.endswith(phrase) else ""
        m = re.search(r"\b(?:" + "|".join(w for w, c in self.heads.items() if c == "programme")
                      + r")\s+(?:of|for|on)\s+[^()\[\].;:]{3,100}$", before, re.I)
        return m.group(0).strip() if m else ""

    def _acronym_heads(self, text: str, rejected: list[Rejection]) -> list[Mention]:
        """'the HOPE programme', 'APAGAN operation', 'AMIF funds'."""
        out = []
        for m in self.rules.finditer("programme.acronym-head", text):
            acr = m.group("acr")
            trace = self.rules.trace("programme.acronym-head")
            if not self.rules.screen(trace, m.start(), m.end(), rejected,
                                     Candidate(text, m.start(), m.end(), m.group(0), acr, match=m),
                                     only=("programme.caps-heading",)):
                continue
            mention = self._make(text, m.start(), m.end(), trace, rejected, acronym=acr.replace(" ", ""))
            if mention:
                out.append(mention)
        return out

    def _quoted(self, text: str, rejected: list[Rejection]) -> list[Mention]:
        """A quoted name beside a programme word, or holding one."""
        out = []
        for m in self.rules.finditer("programme.quoted", text):
            group = "name" if m.group("name") is not None else "name2"
            name = m.group(group).strip()
            acronym = ""
            inner_acr = re.match(r"^(.*?)\s*\((?P<acr>[A-Z][A-Za-z]{1,9})\b[^)]*\)$", name)
            if inner_acr:  # '"Further Integration into the Labour Market (VIA - Verdere ...)"'
                name, acronym = inner_acr.group(1), inner_acr.group("acr")
            if len(name.split()) > 12 or not re.search(r"\w", name):
                continue
            start = m.start(group) + m.group(group).index(name)
            trace = self.rules.trace("programme.quoted")
            if not self.rules.screen(trace, start, start + len(name), rejected,
                                     Candidate(text, start, start + len(name), name, acronym, match=m),
                                     only=("programme.quoted-word", "programme.quoted-speech",
                                           "programme.not-beside-head")):
                continue
            mention = self._make(text, start, start + len(name), trace, rejected, acronym=acronym)
            if mention:
                out.append(mention)
        return out

    def _capitalised(self, text: str, adjectives: set[str], rejected: list[Rejection]) -> list[Mention]:
        """Capitalised names holding a programme word, e.g. 'Skilled Immigration Act'; a
        country's adjective before it says whose it is, and is not its name ('German
        Kurzarbeitergeld')."""
        out = []
        for m in self.rules.finditer("programme.capitalised", text):
            span = m.group(0)
            tokens = span.split()
            listed = self.rules.match("programme.title-list", text, m.end()) \
                if len(tokens) >= 3 and any(t.lower() in self.prepositions for t in tokens[1:-1]) else None
            if listed:  # "Global Compact for Safe, Orderly and Regular Migration": the list is in the title
                span += listed.group(0)
                tokens = span.split()
            while tokens and (tokens[0].lower() in self.connectors or tokens[0].lower() in self.name_openers
                              or tokens[0][:1].isdigit()):
                tokens.pop(0)  # "From 2025 the Lifelong Learning Entitlement"
            while tokens and tokens[-1].lower() in self.connectors:
                tokens.pop()
            tokens_after = tokens[1:] if tokens and tokens[0] in adjectives and len(tokens) == 2 else tokens
            word = tokens_after[0].lower() if len(tokens_after) == 1 else ""
            if word.endswith(self.suffixes) and word not in self.suffixes:
                s = m.start() + span.index(tokens_after[0])  # "Qualifizierungsgeld": a compound's last part
                mention = self._make(text, s, s + len(tokens_after[0]), self.rules.trace("programme.compound"),
                                     rejected)
                if mention:
                    out.append(mention)
                continue
            if len(tokens) < 2:
                if len(tokens) == 1 and self.heads.get(tokens[0].lower()) == "programme":
                    extended = self._head_phrase(text, m.end())
                    if extended:
                        s = m.start() + span.index(tokens[0])
                        mention = self._make(text, s, extended, self.rules.trace("programme.head-phrase"),
                                             rejected)
                        if mention:
                            out.append(mention)
                continue
            tokens[-1] = tokens[-1].rstrip("'’")
            start = m.start() + span.index(tokens[0])
            trace = self.rules.trace("programme.capitalised")
            c = Candidate(text, start, start + len(" ".join(tokens)), " ".join(tokens), tokens=tuple(tokens), match=m)
            if not self.rules.screen(trace, c.start, c.end, rejected, c,
                                     only=("programme.caps-heading", "programme.portfolio")):
                continue
            tokens = self._one_title(tokens, trace)
            name = " ".join(tokens)
            end = start + len(name)
            c = Candidate(text, start, end, name, tokens=tuple(tokens), match=m)
            if text[start:end] != name:
                continue
            if not self.rules.screen(trace, start, end, rejected, c, only=("programme.not-programme-class",)):
                if self.scorer is not None or not self.use_scorer:  # no programme word: the trained scorer judges
                    unmarked = self._make(text, start, end, self.rules.trace("programme.unmarked-name"), rejected)
                    if unmarked:
                        out.append(unmarked)
                continue
            own = tokens[0] in adjectives and len(tokens) > 1 and self._class(" ".join(tokens[1:])) == "programme"
            if own:
                trace.note(f"'{tokens[0]}' says whose it is")
            mention = self._make(text, start, end, trace, rejected, name=" ".join(tokens[1:]) if own else None)
            if mention:
                out.append(mention)
        return out

    def _one_title(self, tokens: list[str], trace: Trace) -> list[str]:
        """Where a capitalised run holds two names: 'the X Programme and Part II of the Work
        Programme', 'the Youth Guarantee and the Child Guarantee' are two; 'Pact on Migration
        and Asylum', 'Growth and Skills Levy' and 'Plan on Business and Human Rights' are one. A
        name ends at 'and' when the words before it are a programme's name ending in a programme
        word, or are one and so are the words after it; a place or a body after the name is no
        part of it ('Directive in the Council'), nor is a month ('Roadmap in September')."""
        joined = " ".join(tokens)
        if " and the " in f" {joined} ":
            tokens = joined.split(" and the ")[0].split()
            trace.note("cut at 'and the': two names")
        elif " and " in joined:
            before, _, after = joined.partition(" and ")
            first = self._class(before) == "programme"
            head = next((w for w in reversed(before.split()) if not w[:1].isdigit()), "")  # "Agenda 2063"
            if first and (self.heads.get(head.lower()) == "programme"
                          or self._class(after) in ("programme", "organisation")):
                tokens = before.split()
                trace.note("cut at 'and': two names")
        when = re.search(r"\s(?:in|from|since|until|by)\s(?:early\s|late\s|mid-)?(\w+)(?:\s\d{4})?$", " ".join(tokens))
        if when and when.group(1).lower() in self.months:  # "the Roadmap in September": a date, no part of it
            tokens = " ".join(tokens)[:when.start()].split()
        tail = re.search(r"\s(?:in|of|for|to)\s(?:the\s)?[\w\s-]+$", " ".join(tokens))
        if tail and self._class(tail.group(0).split()[-1]) == "organisation" \
                and self._class(" ".join(tokens)[:tail.start()]) == "programme":
            tokens = " ".join(tokens)[:tail.start()].split()  # "Traineeships Directive in the Council"
        return tokens

    def _generic_name(self, tokens: list[str], country_words: set[str]) -> bool:
        """'the European programme', 'the Government plan', 'the Finnish scheme': no name."""
        return all(t.lower() in STOP_WORDS or t.lower() in self.generic or t in country_words
                   or t.lower() in self.scope or self.heads.get(t.lower()) in ("organisation", "people")
                   or t.isdigit() for t in tokens)

    def _named_heads(self, text: str, countries: list[Mention], rejected: list[Rejection]) -> list[Mention]:
        """A proper name before a lowercase programme word ('the Multiply programme'), after one
        ('the programme Jóvenes en Paz'), set off by one ('Te Ara Matihiko, a cross-agency
        programme'), or one people arrive under ('under the Canada-Ukraine Authorization ...')."""
        self._country_words = {w for c in countries for w in c.text.split()}
        adjectives = {c.text for c in countries if c.evidence.form == "adjective"}
        out = []
        for rule in ("programme.named-head", "programme.appositive", "programme.governed", "programme.head-first"):
            for m in self.rules.finditer(rule, text):
                tokens = m.group("name").split()
                start = m.start("name")
                owner = next((i for i, t in enumerate(tokens) if t.endswith(("'s", "’s"))), None)
                if owner is not None:  # "Singapore's SkillsFuture credit": the name after the owner
                    start += len(" ".join(tokens[:owner + 1])) + 1
                    tokens = tokens[owner + 1:]
                while tokens and (tokens[0] in adjectives or tokens[0].lower() in self.name_openers
                                  or rule == "programme.appositive" and tokens[0].lower() in STOP_WORDS):
                    start += len(tokens[0]) + 1  # "the Indian iGOT Karmayogi platform"
                    tokens.pop(0)
                trace = self.rules.trace(rule)
                if not tokens or not self.rules.screen(
                        trace, start, start + len(" ".join(tokens)), rejected,
                        Candidate(text, start, start + len(" ".join(tokens)), " ".join(tokens), tokens=tuple(tokens),
                                  match=m),
                        only=[v for v in self.rules[rule].vetoes if v not in self.rules.defaults]):
                    continue
                end = m.end() if rule == "programme.named-head" else m.end("name") \
                    if rule in ("programme.governed", "programme.head-first") else start + len(" ".join(tokens))
                acr = re.search(r"\(([A-Z][A-Za-z]{1,9})\)", m.group("rest")) if rule == "programme.named-head" \
                    else None
                name = re.sub(r"\s\([^()]*\)", "", text[start:end])  # the acronym is kept apart
                mention = self._make(text, start, end, trace, rejected, acronym=acr.group(1) if acr else "",
                                     name=name)
                if mention:
                    out.append(mention)
        return out

    def _reversed_definitions(self, text: str, rejected: list[Rejection]) -> list[Mention]:
        """'ALMA (Aim, Learn, Master, Achieve)': an acronym spelled out after it, when the long
        form names no organisation."""
        out = []
        for m in self.rules.finditer("programme.acronym-spelled", text):
            long_form = m.group("long").strip()
            words = re.findall(r"[\w'’-]+", long_form)
            initials = "".join(w[0] for w in words if w.lower() not in self.connectors).upper()
            if initials != m.group("acr") or self._class(long_form) in ("organisation", "people"):
                continue
            mention = self._make(text, m.start("acr"), m.end("acr"), self.rules.trace("programme.acronym-spelled"),
                                 rejected, acronym=m.group("acr"))
            if mention:
                out.append(mention)
        return out

    def _head_phrase(self, text: str, end: int) -> int | None:
        """'Platform on combatting homelessness': a capitalised programme word and its topic."""
        m = self.rules.match("programme.head-phrase", text, end, min(len(text), end + 60))
        if not m:
            return None
        kept = []
        for w in m.group(1).split():
            if w in self.phrase_ends:
                break
            kept.append(w)
        if all(w in STOP_WORDS for w in kept):
            return None
        return m.start(1) + len(" ".join(kept))

    def _lists(self, text: str, rejected: list[Rejection]) -> list[Mention]:
        """'European funds (ERDF, AMIF, ESF)': each listed acronym is a programme."""
        out = []
        caps = self.rules.fragment("CAPS")
        for m in self.rules.finditer("programme.listed-acronym", text):
            base = m.start("list")
            for a in re.finditer(rf"{caps}(?:\s?\+)?", m.group("list")):
                mention = self._make(text, base + a.start(), base + a.end(),
                                     self.rules.trace("programme.listed-acronym"), rejected,
                                     acronym=a.group(0).replace(" ", ""))
                if mention:
                    out.append(mention)
        return out

    def _lowercase(self, text: str, rejected: list[Rejection]) -> list[Mention]:
        """Programmes named in lowercase: one put in place ('a recognition and assessment law
        came into force') or one of a public scope ('the federal language-training programme')."""
        out = []
        for rule in ("programme.adopted", "programme.scoped"):
            for m in self.rules.finditer(rule, text):
                trace = self.rules.trace(rule)
                c = Candidate(text, m.start("name"), m.end("name"), m.group("name"),
                              tokens=tuple(m.group("name").split()))
                if not self.rules.screen(trace, c.start, c.end, rejected, c, only=("programme.generic-modifiers",)):
                    continue
                mention = self._make(text, c.start, c.end, trace, rejected)
                if mention:
                    out.append(mention)
        return out

    def _known(self, doc: Doc) -> list[Mention]:
        """Programmes of the gazetteer ('Erasmus+', 'Aid for Trade', 'AMIF')."""
        out, text = [], text_of(doc)
        for span in filter_spans([doc[s:e] for _, s, e in self.known_matcher(doc)]):
            name, acronym = self.known[span.text]
            end = span.end_char + (1 if text[span.end_char:span.end_char + 1] == "+" and
                                   not span.text.endswith("+") else 0)
            trace = self.rules.trace("programme.known")
            trace.note(f"'{name}' in the gazetteer")
            out.append(Mention(Label.PROGRAMME, text[span.start_char:end], span.start_char, end, trace.rule,
                               trace.score, value=name, evidence=ProgrammeCue(self._key(name), acronym),
                               explanation=trace.explain()))
        return out

    @staticmethod
    def _with_acronyms(text: str, found: list[Mention]) -> list[Mention]:
        """'the programme "Opening schools ..." (OEPRE - Ouvrir ...)': a name right before an
        acronym in brackets takes that acronym."""
        out = []
        for p in found:
            m = re.match(r"[\s\"”’]*\((?P<acr>[A-Z][A-Za-z]{1,9})\b", text[p.end:p.end + 16])
            if m and not p.evidence.acronym and ACRONYM.match(m.group("acr")):
                p = Mention(p.label, p.text, p.start, p.end, p.rule, p.confidence, p.value,
                            replace(p.evidence, acronym=m.group("acr")),
                            f"{p.explanation}; acronym {m.group('acr')} in the bracket after it")
            out.append(p)
        return out

    @staticmethod
    def _join_translations(text: str, found: list[Mention]) -> list[Mention]:
        """'Plan de Garantía Juvenil Plus (Youth Guarantee Plus Plan)', 'the Digital Transformation
        Law (Law No. 21.180, Ley de Transformación Digital)': names in the brackets right after a
        name are that programme under another name."""
        found = sorted(found, key=lambda m: m.start)
        for p in list(found):
            bracket = re.match(r"[\s\"”’]*\(([^()]*)\)", text[p.end:p.end + 200])
            if not bracket:
                continue
            inner = (p.end + bracket.start(1), p.end + bracket.end(1))
            for i, q in enumerate(found):
                if inner[0] <= q.start and q.end <= inner[1]:
                    found[i] = Mention(q.label, q.text, q.start, q.end, q.rule, q.confidence, p.value,
                                       replace(q.evidence, key=p.evidence.key),
                                       f"{q.explanation}; another name of '{p.value}', before the bracket")
        return found

    def _translated(self, text: str, others: list[Mention], rejected: list[Rejection]) -> list[Mention]:
        """A name given in two languages is a name of something a country runs. One side must be
        plainly English, the other plainly not; a bracket holding a country, or a name of a
        person, says nothing."""
        out = []
        for b in self.rules.finditer("programme.translated", text):
            name_m = self.rules.search("programme.trailing-name", text, max(0, b.start() - 150), b.start())
            if not name_m:
                continue
            words = name_m.group("name").split()
            if words[0].islower():  # "whether the civil service bill": the words after the last stop word
                stops = [i for i, w in enumerate(words[:-1]) if w in STOP_WORDS or len(w) < 2]
                words = words[stops[-1] + 1:] if stops else words
            while words and (words[0] in self.determiners or words[0] in self.name_openers
                             or words[0] in ("The", "A", "An")):
                words.pop(0)
            parts, acronyms, other, quoted = _bracket(b.group("inner"))
            if not re.fullmatch(r"[^\W\d_][^\W\d_'’ -]*(?:['’][^\W\d_]+)*(?:[ -][^\W\d_'’]+)*", other):
                continue  # "(document WT/COMTD/W/26)", "(up to 50 per cent)": no name
            single = len(words) == 1 and quoted and words[0][:1].isupper() and words[0].lower() not in self.english
            if len(words) < 2 and not single and not (words and words[-1].lower() in self.heads) or not other \
                    or all(w.isupper() for w in words):
                continue
            start = b.start() - len(" ".join(words))
            if re.search(r"[,'’]\s?$", text[max(0, start - 2):start]):
                continue  # "Plan for Micro, Small and Medium-sized Enterprises": only the end of a name
            owner = [o for o in others if o.label == Label.COUNTRY and o.start == start]
            if owner and len(words) > 2 and words[1].lower() not in self.connectors:
                # "the Spanish Minimum Living Income (...)": Spain's, not its name; but "Swedish for Immigrants"
                words = words[1:]
                start = b.start() - len(" ".join(words))
            if any(o.label == Label.SPEAKER and start <= o.end and o.start < b.start()
                   or o.label == Label.COUNTRY and (o.text in parts or o.start == start and o.end >= b.start())
                   for o in others):  # "Falkland Islands (Malvinas)": a country under two names
                continue  # "Karin Lindqvist (Sweden)", "Tarmo Kask (Estonia)"
            name_foreign, other_foreign = self._foreign_share(words), self._foreign_share(other.split())
            two_languages = (other_foreign >= 0.5 and name_foreign < other_foreign) or \
                            (name_foreign >= 0.5 and other_foreign <= 0.2 and (len(other.split()) >= 2 or quoted)
                             and (other[:1].isupper() or quoted))  # "Takaful and Karama (Solidarity and Dignity)"
            if not two_languages or self._class(" ".join(words)) in ("organisation", "people"):
                continue
            trace = self.rules.trace("programme.translated")
            trace.note(f"given again in another language: '{other}'")
            mention = self._make(text, start, b.start(), trace, rejected, acronym=acronyms[0] if acronyms else "")
            if mention:
                out.append(mention)
        return out

    def _without_place(self, text: str, m: Mention, countries: list[Mention]) -> Mention:
        """'the Shirika Plan in Kenya', 'the National Action Plan of Slovenia': the country where a
        programme runs is whose it is, not part of its name."""
        place = next((c for c in countries if c.end == m.end and c.start > m.start), None)
        cut = re.search(r"\s(?:in|for|of)\s(?:the\s)?$", text[m.start:place.start]) if place else None
        if cut is None or m.value != m.text:
            return m
        end = m.start + cut.start()
        return Mention(m.label, text[m.start:end], m.start, end, m.rule, m.confidence, text[m.start:end],
                       ProgrammeCue(self._key(text[m.start:end]), m.evidence.acronym, owner=place.value),
                       f"{m.explanation}; '{text[end:m.end].strip()}' is where it runs, not its name")

    def _numbered_laws(self, text: str, rejected: list[Rejection]) -> list[Mention]:
        """'Law 15/2022', 'Law No. 21,133', 'Federal Decree-Law No. 9': a law named by its number."""
        out = []
        for m in self.rules.finditer("programme.numbered-law", text):
            mention = self._make(text, m.start(), m.end(), self.rules.trace("programme.numbered-law"), rejected)
            if mention:
                out.append(mention)
        return out

    def _coined(self, text: str, others: list[Mention], rejected: list[Rejection]) -> list[Mention]:
        """A word made for a brand is a programme's name even with no programme word beside it:
        camel case ('SkillsFuture', 'JobsPlus', 'InvestEU') or a trailing plus ('Springboard+')."""
        out = []
        for m in self.rules.finditer("programme.coined", text):
            if any(o.start < m.end() and m.start() < o.end for o in others):
                continue
            trace = self.rules.trace("programme.coined")
            if not self.rules.screen(trace, m.start(), m.end(), rejected,
                                     Candidate(text, m.start(), m.end(), m.group(0), match=m),
                                     only=("programme.surname-prefix",)):
                continue
            mention = self._make(text, m.start(), m.end(), trace, rejected)
            if mention:
                out.append(mention)
        return out

    def _foreign_share(self, words: list[str]) -> float:
        """The share of the words that are not English (acronyms and numerals aside)."""
        letters = [w.strip(".,;:'’\"”“").lower() for w in words if re.search(r"[^\W\d_]", w)
                   and not w.isupper()]  # an acronym or a numeral ("SCM", "II") is in no language
        if not letters or not self.english:
            return 0.0
        return sum(w not in self.english and w not in STOP_WORDS for w in letters) / len(letters)

    def _acronym_mentions(self, text: str, found: list[Mention], taken: list[tuple[int, int]]) -> list[Mention]:
        """A programme's acronym standing alone ('the CIR', 'ESF+ and AMIF'), anywhere in the document
        once defined, unless it is there the name of an organisation or a speaker ('ASEAN said')."""
        acronyms = {m.evidence.acronym.split()[0]: m for m in found if m.evidence.acronym}
        named = {m.end for m in found}  # "Long Form (ACR)": the acronym in its own bracket is the same mention
        others = Spans(taken)
        out = []
        for acr, source in acronyms.items():
            bare = acr.rstrip("+")
            # the acronym first, then what stands before it: the engine skips ahead to the acronym itself
            word = re.escape(bare)
            for m in re.finditer(rf"{word}(?<![\w-]{word})(?:\s?\+)?(?![\w-])", text):
                if others.overlap(m.start(), m.end()) or \
                        text[m.start() - 1:m.start()] == "(" and _before_quotes(text, m.start() - 1) in named:
                    continue
                trace = self.rules.trace("programme.acronym-mention")
                trace.note(f"the acronym of '{source.value}'")
                out.append(Mention(Label.PROGRAMME, m.group(0), m.start(), m.end(), trace.rule, trace.score,
                                   value=source.value, evidence=replace(source.evidence, acronym=acr),
                                   explanation=trace.explain()))
        return out

    def _homes(self, text: str, m: Mention, countries: list[Mention], own: list[str]) -> Mention:
        """The country that runs a programme, when the text says it: its own name ('the Spanish
        Minimum Income', 'the European Child Guarantee'), an owner before it ('Slovenia's action
        plan'), or the country a possessive refers back to ('Thailand commended Slovenia for its
        action plan': Slovenia's, not the speaker's); and whether it is introduced as new ('a new
        Integration Act': the speaker's own, though another country's was named before). ``own``:
        the countries named inside the name."""
        home = "EU" if re.match(r"(the\s)?(European|EU)\b", m.value) else own[0] if own else ""
        owner = m.evidence.owner
        if self.indefinite.search(text, max(0, m.start - 16), m.start):  # "a new Integration Act"
            m = replace(m, evidence=replace(m.evidence, introduced=True))
        if not home and not owner:
            before = text[max(0, m.start - 12):m.start]
            possessive = self.rules.search("programme.owner", before)
            if possessive is not None:
                at = m.start - len(before) + possessive.start()
                sentence = sentence_around(text, m.start)[0]
                earlier = [c for c in countries if sentence <= c.start and c.end <= at]
                named = [c for c in earlier if c.end in (at, at - 2)] if possessive.group("s") else earlier
                owner = named[-1].value if named else ""
        if not home and not owner:
            return m
        note = f"its name says it is {home}'s" if home else f"'{text[m.start - 12:m.start].strip()}' makes it {owner}'s"
        return Mention(m.label, m.text, m.start, m.end, m.rule, m.confidence, m.value,
                       replace(m.evidence, home=home, owner=owner), f"{m.explanation}; {note}")

    # ------------------------------------------------------------------ vetoes
    @veto("programme.connector-start")
    def _connector_start(self, c: Candidate) -> str | None:
        words = c.name.split()
        return f"a name does not open with '{words[0]}'" if words and words[0] in self.connectors else None

    @veto("programme.joined-clause")
    def _joined_clause(self, c: Candidate) -> str | None:
        m = re.search(r"\b(?:and|or)\s(?:with|of|for|to|in|on)\s", c.name)
        return f"'{m.group(0).strip()}' joins two phrases, not the words of a name" if m else None

    @veto("programme.office")
    def _office(self, c: Candidate) -> str | None:
        return "an office named after what it runs is a person's title" if \
            self.rules.match("programme.office-title", c.name) else None

    @veto("programme.number-missing")
    def _number_missing(self, c: Candidate) -> str | None:
        return "'No.' without a number" if re.search(r"\s(?:No|Nr|N°|no)\.?$", c.name) else None

    @veto("programme.bare-head")
    def _bare_head(self, c: Candidate) -> str | None:
        """'2021-2027 programmes': numbers and programme words alone; but a capitalised head and
        its number name one ('Agenda 2063', 'Law 15/2022'), unless it is a law's year ('Act 2024')."""
        words = c.name.split()
        bare = all(re.fullmatch(r"[\d/.,–-]+", w) or self.heads.get(w.lower()) == "programme" for w in words)
        head_number = len(words) == 2 and words[0][:1].isupper() and re.fullmatch(r"\d[\d/.,]*", words[1]) \
            and not (words[0].lower() in self.laws and YEAR.fullmatch(words[1]))
        return "only programme words and numbers" if bare and not head_number else None

    @veto("programme.heading-caps")
    def _heading_caps(self, c: Candidate) -> str | None:
        words = c.name.split()
        return "a heading in capitals" if len(words) > 2 and all(w.isupper() for w in words if w[:1].isalpha()) \
            else None

    @veto("programme.excluded")
    def _excluded(self, c: Candidate) -> str | None:
        key = canonical(c.name)
        if key in self.excluded:
            return f"'{c.name}' is a document or agenda item (not_programmes.txt)"
        return "too short to be a name" if len(key) < 2 else None

    @veto("programme.head-alone")
    def _head_alone(self, c: Candidate) -> str | None:
        """'Regulation (EU) 2021/241': a programme word alone names nothing."""
        words = c.name.split()
        if len(words) == 1 and self.heads.get(words[0].lower()) and not c.acronym.startswith(words[0]):
            return f"'{words[0]}' alone names nothing"
        return None

    @veto("programme.agenda-line")
    def _agenda_line(self, c: Candidate) -> str | None:
        """'Agenda Item 4', 'the March 2020 Agenda': the meeting's order of business ('Agenda 2063' is a programme)."""
        words = [w.lower().strip(".,:") for w in c.name.split()]
        if "agenda" in words and (set(words) & self.agenda_items or set(words) & self.months):
            return "a point or a date of the meeting's agenda, not a programme"
        return None

    @veto("programme.organisation-name")
    def _organisation_name(self, c: Candidate) -> str | None:
        return "the name of an organisation (organisations.tsv)" if (c.start, c.end) in self._bodies else None

    @veto("programme.affiliation")
    def _affiliation(self, c: Candidate) -> str | None:
        """'Chief Executive, Independent Training Providers Network': where a speaker works."""
        return "where a speaker works, not a programme" if c.name.lower() in self._affiliations else None

    @veto("programme.organisation-or-people")
    def _organisation_or_people(self, c: Candidate) -> str | None:
        cls = self._class(c.name)
        return f"its head word makes it {'an organisation' if cls == 'organisation' else 'a group of people'}" \
            if cls in ("organisation", "people") else None

    @veto("programme.no-programme-word")
    def _no_programme_word(self, c: Candidate) -> str | None:
        """A defined long form is a programme when a programme word heads it, or it is a proper
        name (or a name in another language) that holds one."""
        words = c.name.split()
        cls = self._class(c.name)
        foreign = len(words) > 1 and self._foreign_share(words) >= 0.6
        proper = sum(w[:1].isupper() for w in words) * 2 >= len(words) or foreign
        if not (cls in ("programme", "weak") or proper):
            return "neither a programme word heads it nor is it a proper name"
        if cls == "" and not self.head_re.search(c.name) and not foreign:
            return "a proper name without a programme word: an organisation or a place"
        return None

    @veto("programme.caps-heading")
    def _caps_heading(self, c: Candidate) -> str | None:
        """'PREFERENCES SCHEME', 'THE AGREEMENT': a heading in capitals."""
        if c.match is not None and c.match.re is self.rules["programme.acronym-head"].regex:
            acr = c.acronym
            if not acr.replace("+", "").strip().isupper() or c.match.group("head").isupper() \
                    or acr.lower() in STOP_WORDS:
                return "a heading in capitals"
            return None
        tokens = c.tokens
        if sum(t.isupper() and len(t) > 3 for t in tokens) > 2 or all(t.isupper() for t in tokens):
            return "a heading in capitals"
        return None

    @veto("programme.portfolio")
    def _portfolio(self, c: Candidate) -> str | None:
        """'Minister of Family, Labour and Social Policy': a portfolio, not a programme."""
        if self.rules.search("programme.portfolio-before", c.text, max(0, c.match.start() - 60), c.start):
            return "the words after a minister's title name a portfolio"
        return None

    @veto("programme.not-programme-class")
    def _not_programme_class(self, c: Candidate) -> str | None:
        cls = self._class(c.name)
        return None if cls == "programme" else f"no programme word heads '{c.name}'"

    @veto("programme.quoted-speech")
    def _quoted_speech(self, c: Candidate) -> str | None:
        """'set a core of US$300 billion, "a floor, not a ceiling."': words quoted from a speech, not a name."""
        if not c.name[:1].isupper() and re.search(r"[,;:!?]\s|[.!?]$", c.name):
            return "a quoted phrase of speech: it starts in lower case and holds a clause's punctuation"
        return None

    @veto("programme.quoted-word")
    def _quoted_word(self, c: Candidate) -> str | None:
        """'a "seamless" pathway': a quoted word, not a name."""
        named = len(c.name.split()) > 1 or c.name[:1].isupper() or c.name[:1] in "#@"
        return None if named else "a quoted word, not a name"

    @veto("programme.not-beside-head")
    def _not_beside_head(self, c: Candidate) -> str | None:
        m = c.match
        before = c.text[max(0, m.start() - 40):m.start()]
        after = c.text[m.end():m.end() + 30]
        near = [h.group(1).lower() for h in (re.search(r"(\w+)[\s,:]*$", before), re.match(r"\s*(\w+)", after)) if h]
        beside = bool({self.heads.get(w, "") for w in near} & {"programme", "weak"}) or \
            bool(re.search(r"\bcall\s+for\s+projects\s*$", before, re.I))
        if beside or (self._class(c.name) == "programme" and c.name[:1].isupper()):
            return None
        return "no programme word beside the quotes or in them"

    @veto("programme.generic-modifiers")
    def _generic_modifiers(self, c: Candidate) -> str | None:
        modifiers = [w.lower() for w in c.tokens[:-1]]
        if any(w in STOP_WORDS and w != "and" for w in modifiers) or set(modifiers) <= self.generic:
            return "only generic words before the programme word"
        return None

    @veto("programme.generic-name")
    def _generic_name_veto(self, c: Candidate) -> str | None:
        if self._generic_name(list(c.tokens), self._country_words):
            return "'the European programme', 'the Finnish scheme': no name"
        return None

    @veto("programme.appositive-shape")
    def _appositive_shape(self, c: Candidate) -> str | None:
        """'Finally, a ...', 'October 1996, the ...', 'Nairobi and Casablanca, ...'."""
        tokens = c.tokens
        if len(tokens) < 2 or "and" in tokens or c.start > 0 and c.text[c.start - 1:c.start] not in " \n" \
                or any(t.isdigit() for t in tokens) or self._class(c.name) in ("organisation", "people") \
                or self.heads.get(tokens[0].lower()) == "organisation":
            return "not the shape of a name set off by a programme word"
        return None

    @veto("programme.head-first-shape")
    def _head_first_shape(self, c: Candidate) -> str | None:
        """'the programme Partners', 'the project Steering Committee', 'programme WT/COMTD/7'."""
        tokens = c.tokens
        after = c.text[c.match.end("name"):c.match.end("name") + 1]
        if len(tokens) == 1 and tokens[0].lower() in self.english or tokens[0].lower() in self.heads \
                or re.match(r"[/\d]", after) or self._class(c.name) in ("organisation", "people"):
            return "a common word or a body after the programme word"
        return None

    @veto("programme.surname-prefix")
    def _surname_prefix(self, c: Candidate) -> str | None:
        return "'Mc'/'Mac' begins a surname" if re.match(r"Ma?c[A-Z]", c.name) else None


@Language.factory("meeting_programmes")
def make_programme_recogniser(nlp: Language, name: str) -> ProgrammeRecogniser:
    return ProgrammeRecogniser(nlp, name)
