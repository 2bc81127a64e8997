"""Programmes: named programmes, schemes, laws, funds, plans, strategies, projects, labels,
networks, campaigns, with the acronym joined to its long form.

Evidence, strongest first:
- an acronym defined beside a long form whose head is a programme word
  ("Enhanced Integrated Framework (EIF)", "programme of global ... support for refugees (AGIR)");
- a capitalised name holding a programme word ("Skilled Immigration Act", "European Pillar of
  Social Rights", "ACM Network"), or an acronym before one ("the HOPE programme");
- a quoted name beside a programme word ('the "Local Job Tracks" programme',
  'label "We respect differences"');
- acronyms listed after a programme word ("European funds (ERDF, AMIF, ESF)").
Organisations, committees, groups of people, documents and agenda items are not programmes.
Once a programme has an acronym, the acronym alone elsewhere is a mention of it.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lang.en.lex_attrs import like_num
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from ..data import Label, Mention
from ..lexicon import english_words
from ..settings import DEFAULT_LEXICON
from .common import DataComponent, mentions_of, read_tsv, read_words, without_overlaps
from .speakers import CAPS, LO, UP

CONNECTORS = {"of", "for", "on", "and", "in", "the", "to", "into", "under", "with", "against", "de", "du", "des", "la",
              "le", "et", "&"}
# the title of a ministry or a minister's portfolio, in the same list as a name
PORTFOLIO = re.compile(r"\b(?:Minist(?:er|ry)|Department|Secretary|Commissioner)\s(?:of|for)"
                       r"(?:,?\s(?:[A-Z][\w'’-]*|of|for|and|the|&))*,?\s(?:and\s)?$")
# an office named after what it runs is a person's title: "Director of Social Programmes"
OFFICE = re.compile(r"^(?:(?:Deputy|Assistant|Vice|Acting|Chief|Executive|Senior)[\s-])*(?:Director|Head|Minister"
                    r"|Under-?[Ss]ecretary"
                    r"|Secretary|Commissioner|Coordinator|Co-ordinator|Manager|Officer|Chair|President|Rapporteur"
                    r"|Advis[eo]r)(?:-General)?\s(?:of|for)\s")
# words that open a sentence before a name, not part of it: "From 2025 the Lifelong Learning Entitlement"
LEADING = {"a", "an", "this", "that", "these", "those", "its", "their", "our", "his", "her", "from", "in", "under",
           "through", "with", "by", "at", "since", "during", "as", "while", "after", "before", "when", "since",
           "alongside", "besides", "but", "also", "both", "each", "every", "all", "some", "many"}
SENTENCE_OPENERS = LEADING | {"the", "then", "thus", "however", "so", "and", "yet"}  # "Then the Act 2024"
FOREIGN_CONNECTORS = {"na", "pre", "für", "y", "del", "per", "al", "em", "do", "da", "di", "van", "voor", "en", "el",
                      "los", "las", "te", "e", "com", "para", "por", "con", "sin", "pour", "avec", "sans", "zu", "und",
                      "mit", "och", "og", "i"}
# a brand's coined word: "SkillsFuture", "InvestEU", "Springboard+"
COINED = re.compile(rf"(?<![\w'’-])(?:[{UP}][{LO}]{{2,}}(?:[{UP}][{LO}]+)+(?:[{UP}]{{2,}})?"
                    rf"|[{UP}][{LO}]{{2,}}[{UP}]{{2,}}|[{UP}][{LO}]{{3,}}\+)(?![\w'’+-])")
YEAR = re.compile(r"(?:19|20)\d\d")
ACRONYM = re.compile(rf"^[{UP}][{UP}0-9&+-]*[{UP}+]$|^[{UP}]{{2,}}[{LO}]?s?$")


_PREPOSITIONS = {"of", "for", "on", "in", "to", "into", "against", "with", "towards", "de", "du", "des"}
_DETERMINERS = {"the", "a", "an", "its", "their", "our", "his", "her", "this", "that", "these", "those", "of",
                "in", "on", "for", "to", "by", "with", "from", "and", "as", "part", "through", "via", "new"}


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


def canonical(name: str) -> str:
    """A key under which spellings of one programme meet: 'The HOPE programme' = 'Hope programme'."""
    key = re.sub(r"[\"“”„«»‘’']", "", name).lower()
    key = re.sub(r"\s*\+\s*", "+", key)
    key = re.sub(r"^(the|a|an)\s+", "", key)
    key = re.sub(r"\s+(programme|program|project|scheme|operation|initiative)$", "", key)
    return " ".join(key.split())


class ProgrammeRecogniser(DataComponent):
    files = ("heads.tsv", "foreign_words.txt", "not_programmes.txt", "known.tsv", "adoption_verbs.txt",
             "scope_words.txt", "generic_modifiers.txt")

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
        singular = "|".join(sorted((w for w, c in self.heads.items() if c == "programme" and not w.endswith("s")),
                                   key=len, reverse=True))
        adoption = "|".join(re.escape(v).replace("\\ ", r"\s+") for v in
                            sorted(read_words(path / "adoption_verbs.txt"), key=len, reverse=True))
        scope = "|".join(map(re.escape, read_words(path / "scope_words.txt")))
        self.generic = {w.lower() for w in read_words(path / "generic_modifiers.txt")}
        self.scope = {w.lower() for w in read_words(path / "scope_words.txt")}
        modifier = r"(?:[a-z][\w-]*\s+)"
        self.adopted = re.compile(rf"\b(?:[Aa]n?|[Tt]he|[Nn]ew)\s+(?P<name>{modifier}{{1,4}}(?:{singular}))"
                                  rf"(?:\s+(?:for|on|of)\s+[^,.;()]{{3,60}}?)?\s+(?:{adoption})\b")
        self.scoped = re.compile(rf"\b(?P<name>(?:{scope})\s+(?:{modifier}{{1,3}}(?:{singular})\b"
                                 rf"|(?:{singular})\s+\d{{4}}(?:[-–]\d{{2,4}})?))(?![\w-])")
        self.known_matcher = PhraseMatcher(self.nlp.vocab)
        self.known_matcher.add("KNOWN", list(self.nlp.tokenizer.pipe(self.known)))
        strong = "|".join(sorted((w for w, c in self.heads.items() if c == "programme"), key=len, reverse=True))
        anyhead = "|".join(sorted((w for w, c in self.heads.items() if c in ("programme", "weak")),
                                  key=len, reverse=True))
        self.acr_head = re.compile(rf"(?<![\w-])(?P<acr>{CAPS}(?:\s?\+)?)\s(?P<head>(?i:{strong}))\b")
        self.quoted = re.compile(r"(?:[\"“„«](?P<name>[^\"“”„«»\n]{3,90}?)[\"”“»]"
                                 r"|(?<!\w)['‘](?P<name2>[^'‘’\"\n]{3,90}?)['’](?!\w))")
        self.head_re = re.compile(rf"\b(?:{anyhead})\b", re.I)
        self.listed = re.compile(rf"\b(?i:{strong})\s\((?P<list>(?:{CAPS}\s?\+?(?:,\s|\sand\s|,\sand\s))+{CAPS}\s?\+?)\)")
        # "ATIVAR.PT", "iGOT", "e-Residency"; a full stop only inside a word
        name_word = rf"(?:[{UP}][\w'’+-]*(?:\.[\w'’+-]+)*|[{LO}]{{1,2}}-?[{UP}][\w'’+-]*|\d{{4}}(?:[-–]\d{{2,4}})?)"
        joiners = "|".join(sorted((CONNECTORS | FOREIGN_CONNECTORS) - {"the"}))  # "X of the Y plan" is two names
        stop = "|".join(sorted(STOP_WORDS, key=len, reverse=True))
        lower_heads = "|".join(sorted((w for w, c in self.heads.items() if c == "programme" and w.islower()
                                       and w not in self.capital_only), key=len, reverse=True))
        generic = "|".join(map(re.escape, sorted(self.generic, key=len, reverse=True)))
        self.named_head = re.compile(
            rf"\b(?:[Tt]he|[Ii]ts|[Tt]heir|[Hh]is|[Hh]er|[Oo]ur)\s(?:(?:{generic})\s){{0,2}}"
            rf"(?P<name>{name_word}(?:\s(?:(?:{joiners})\s)*{name_word}){{0,5}})"
            rf"(?P<rest>(?:\s\([^()]{{2,12}}\))?(?:\s(?!(?:{stop})\b)[a-z][a-z-]+){{0,2}}\s(?:{lower_heads}))\b")
        self.head_first = re.compile(  # "the programme Jóvenes en Paz", "employment programme Lurawi Perú"
            rf"\b(?:programme|program|scheme|initiative|plan|project|campaign)\s"
            rf"(?P<name>{name_word}(?:\s(?:(?:{joiners})\s)*{name_word}){{0,5}})")
        self.reversed_definition = re.compile(rf"(?<![\w-])(?P<acr>[{UP}]{{3,8}})\s\((?P<long>[^()]{{5,80}})\)")
        self.appositive = re.compile(
            rf"(?P<name>{name_word}(?:\s(?:(?:{joiners})\s)*{name_word}){{0,5}})(?:\s\([^()]{{2,60}}\))?,"
            rf"\s(?:a|an|the)\s(?:[a-z][a-z-]+\s){{0,5}}(?:{lower_heads})\b")
        self.governed = re.compile(  # "arrived under the Canada-Ukraine Authorization for Emergency Travel"
            rf"\b(?:under|through|via)\sthe\s(?P<name>{name_word}(?:\s(?:(?:{joiners})\s)*{name_word}){{2,6}})"
            rf"(?=\s\([{UP}][{UP}0-9-]{{1,9}}\))")
        self.trailing_name = re.compile(
            rf"(?<![\w'’-])(?P<name>{name_word}(?:\s(?:(?:{joiners})\s)*{name_word}){{0,6}}(?:\s(?:{lower_heads}))?"
            rf"|(?:[{LO}][\w-]*\s){{1,4}}(?:{lower_heads}))$")
        laws = "|".join(sorted((re.escape(w.capitalize()) for w in self.laws | {"ley", "lei", "loi"}), key=len,
                               reverse=True))
        self.numbered_law = re.compile(
            rf"(?<![\w-])(?:[{UP}][\w-]*\s){{0,3}}(?:[{UP}][\w]*-(?i:{laws})|{laws})\s"
            rf"(?:(?:No|Nr|N[º°o])\.?\s?\d(?:[\d.,/-]*\d)?|\d+(?:[/.,-]\d+)+)(?![\w/])(?!\.\d)")
        self.english = english_words(DEFAULT_LEXICON) - set(read_words(path / "foreign_words.txt"))
        self.definition = re.compile(rf"\((?P<acr>[{UP}][{UP}{LO}0-9&+]{{1,10}}(?:\s[{UP}]{{2,6}})?)"
                                     rf"(?:\s?[-–:]\s?(?P<orig>[^()]{{3,90}}))?\)")

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        found: list[Mention] = []
        found += self._acronym_definitions(text)
        found += self._acronym_heads(text)
        found += self._quoted(text)
        adjectives = {c.text for c in mentions_of(doc, Label.COUNTRY) if c.attrs.get("kind") == "adjective"}
        found += self._capitalised(text, adjectives)
        found += self._lists(text)
        found += self._known(doc)
        found += self._lowercase(text)
        found += self._named_heads(text, doc)
        found += self._reversed_definitions(text)
        found += self._translated(text, mentions_of(doc))
        found += self._coined(text, mentions_of(doc))
        found += self._numbered_laws(text)
        countries = mentions_of(doc, Label.COUNTRY)
        found = [self._without_place(text, m, countries) for m in found]
        bodies = {(sp.start_char, sp.end_char) for sp in doc.spans.get("organisations", [])}
        found = [m for m in without_overlaps(found) if (m.start, m.end) not in bodies]  # "International Monetary Fund"
        self._attach_acronyms(text, found)
        found = self._join_translations(text, found)
        found += self._acronym_mentions(text, found)
        mentions_of(doc).extend(without_overlaps(found))
        return doc

    # ------------------------------------------------------------------ helpers
    def _class(self, name: str) -> str:
        """'programme', 'weak', 'organisation', 'people' or '' from the head of a name: the
        last classed word before its first preposition ('Committee on Trade' -> organisation,
        'European Pillar of Social Rights' -> programme, 'Youth Guarantee' -> programme)."""
        words = [w.lower() for w in re.findall(r"[\w-]+", re.sub(r"['’]s\b", "", name))]  # "the Plan's"
        while words and (re.fullmatch(r"[\d–-]+", words[-1]) or words[-1] in ("plus", "bis", "ii", "iii")):
            words.pop()  # "Year of Youth 2022", "Masterplan 2022-2032", "European Social Fund Plus"
        if words and words[-1] in self.laws:
            return "programme"  # "Department of Migrant Workers Act": a law, whatever it names
        if words and words[-1].endswith(self.suffixes) and words[-1] not in self.suffixes:
            return "programme"  # "Qualifizierungsgeld", "the German Kurzarbeitergeld"
        whole = words
        cut = next((i for i, w in enumerate(words) if w in _PREPOSITIONS and i > 0), len(words))
        words = words[:cut]
        while words and (re.fullmatch(r"[\d–-]+", words[-1]) or words[-1] in ("plus", "bis", "ii", "iii")):
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

    def _make(self, text: str, start: int, end: int, rule: str, confidence: float,
              acronym: str = "", name: str | None = None) -> Mention | None:
        surface = text[start:end]
        name = (name or surface).strip()
        words = name.split()
        lead = 0  # "the Government's Skills Reform", "Eight Youth Guarantee": an owner or a count, no name
        while lead < len(words) - 1 and (re.fullmatch(rf"[{UP}][\w-]*['’]s", words[lead])
                                         or words[lead].isalpha() and like_num(words[lead].lower())
                                         or words[lead].lower() in SENTENCE_OPENERS):
            lead += 1
        if lead and name == surface:
            start += len(" ".join(words[:lead])) + 1
            surface = name = " ".join(words[lead:])
            words = words[lead:]
        if words and words[0] in CONNECTORS or re.search(r"\b(?:and|or)\s(?:with|of|for|to|in|on)\s", name) \
                or OFFICE.match(name):
            return None  # "for Immigrants" (after a language), "... and with Agenda 2063", "Director of ..."
        numbered = re.search(r"\s(?:No|Nr|N°|no)\.?$", name)
        if numbered:  # "Framework Law No. 09-21": the number is part of the name
            number = re.match(r"\.?\s?\d[\w./-]*\d", text[end:end + 20])
            if not number:
                return None
            end += number.end()
            surface, name = text[start:end], text[start:end]
        dated = re.match(rf",\s{YEAR.pattern}\b(?!\s?[-–/])", text[end:end + 7]) \
            if name == surface and name.split()[-1].lower() in self.laws else None
        if dated:  # "Refugees Act, 2021": the year is part of a law's title
            end += dated.end()
            surface = name = text[start:end]
        words = name.split()
        bare = all(re.fullmatch(r"[\d/.,–-]+", w) or self.heads.get(w.lower()) == "programme" for w in words)
        # a capitalised head and its number name one: "Agenda 2063", "Law 15/2022"; not "Act 2024", a law's year
        head_number = len(words) == 2 and words[0][:1].isupper() and re.fullmatch(r"\d[\d/.,]*", words[1]) \
            and not (words[0].lower() in self.laws and YEAR.fullmatch(words[1]))
        if bare and not head_number or len(words) > 2 and all(w.isupper() for w in words if w[:1].isalpha()):
            return None  # "2021-2027 programmes": a period; "NETWORK FOR LABOUR ADMINISTRATION": a heading
        if canonical(name) in self.excluded or len(canonical(name)) < 2 or \
                (len(words) == 1 and self.heads.get(words[0].lower()) and not acronym.startswith(words[0])):
            return None  # "Regulation (EU) 2021/241": a programme word alone names nothing
        return Mention(Label.PROGRAMME, surface, start, end, rule, confidence, value=name,
                       attrs={"acronym": acronym, "key": self._key(name)})

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

    # ------------------------------------------------------------------ evidence
    def _acronym_definitions(self, text: str) -> list[Mention]:
        """'Long Form (ACR)' and 'long form (ACR - original-language form)'."""
        out = []
        for m in self.definition.finditer(text):
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
                cls = self._class(form)
                words = form.split()
                # "Reddito di cittadinanza (RdC)": a name in another language, written in sentence case
                foreign = len(words) > 1 and self._foreign_share(words) >= 0.6
                proper = sum(w[:1].isupper() for w in words) * 2 >= len(words) or foreign
                if cls in ("organisation", "people") or not (cls in ("programme", "weak") or proper):
                    continue
                if cls == "" and not self.head_re.search(form) and not foreign:
                    continue  # a proper name without a programme word: an organisation, a place
                mention = self._make(text, start, start + len(form), "programme:acronym-definition", 0.85,
                                     acronym=acr)
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
                if w.lower() in _DETERMINERS or len(kept) == 5 or self.heads.get(w.lower()) == "organisation":
                    break
                kept.insert(0, w)
            phrase = " ".join(kept)
            return phrase if before.endswith(phrase) else ""
        m = re.search(r"\b(?:" + "|".join(w for w, c in self.heads.items() if c == "programme")
                      + r")\s+(?:of|for|on)\s+[^()\[\].;:]{3,100}$", before, re.I)
        return m.group(0).strip() if m else ""

    def _acronym_heads(self, text: str) -> list[Mention]:
        """'the HOPE programme', 'APAGAN operation', 'AMIF funds'."""
        out = []
        for m in self.acr_head.finditer(text):
            acr = m.group("acr")
            if not acr.replace("+", "").strip().isupper() or m.group("head").isupper() \
                    or acr.lower() in STOP_WORDS:
                continue  # "PREFERENCES SCHEME", "THE AGREEMENT": a heading in capitals
            mention = self._make(text, m.start(), m.end(), "programme:acronym-head", 0.8, acronym=acr.replace(" ", ""))
            if mention:
                out.append(mention)
        return out

    def _quoted(self, text: str) -> list[Mention]:
        """A quoted name beside a programme word, or holding one."""
        out = []
        for m in self.quoted.finditer(text):
            group = "name" if m.group("name") is not None else "name2"
            name = m.group(group).strip()
            acronym = ""
            inner_acr = re.match(r"^(.*?)\s*\((?P<acr>[A-Z][A-Za-z]{1,9})\b[^)]*\)$", name)
            if inner_acr:  # '"Further Integration into the Labour Market (VIA - Verdere ...)"'
                name, acronym = inner_acr.group(1), inner_acr.group("acr")
            if len(name.split()) > 12 or not re.search(r"\w", name):
                continue
            before = text[max(0, m.start() - 40):m.start()]
            after = text[m.end():m.end() + 30]
            head_before = re.search(r"(\w+)[\s,:]*$", before)
            head_after = re.match(r"\s*(\w+)", after)
            near = [h.group(1).lower() for h in (head_before, head_after) if h]
            near_cls = {self.heads.get(w, "") for w in near}
            named = len(name.split()) > 1 or name[:1].isupper() or name[:1] in "#@"
            if not named:
                continue  # 'a "seamless" pathway': a quoted word, not a name
            beside = bool(near_cls & {"programme", "weak"}) or bool(re.search(r"\bcall\s+for\s+projects\s*$",
                                                                               before, re.I))
            if beside or (self._class(name) == "programme" and name[:1].isupper()):
                start = m.start(group) + m.group(group).index(name)
                mention = self._make(text, start, start + len(name), "programme:quoted", 0.8, acronym=acronym)
                if mention:
                    out.append(mention)
        return out

    def _capitalised(self, text: str, adjectives: set[str]) -> list[Mention]:
        """Capitalised names holding a programme word, e.g. 'Skilled Immigration Act'; a
        country's adjective before it says whose it is, and is not its name ('German
        Kurzarbeitergeld')."""
        out = []
        # a bracket of capitalised words inside a title: "Migration Amendment (Strengthening Employer
        # Compliance) Act 2024"
        inner = rf" \([{UP}][\w'’-]*(?: (?:[a-z]{{1,3}} )?[{UP}][\w'’-]*)+\)(?= [{UP}])"
        for m in re.finditer(rf"(?<![\w-])[{UP}][\w'’+-]*(?: (?:(?:{'|'.join(CONNECTORS | {'a'})}) )*[{UP}][\w'’+-]*"
                             rf"| [0-9]{{4}}(?:[-–][0-9]{{2,4}})?\b|{inner})*", text):
            span = m.group(0)
            tokens = span.split()
            while tokens and (tokens[0].lower() in CONNECTORS or tokens[0].lower() in LEADING
                              or tokens[0][:1].isdigit()):
                tokens.pop(0)  # "From 2025 the Lifelong Learning Entitlement"
            while tokens and tokens[-1].lower() in CONNECTORS:
                tokens.pop()
            if tokens and tokens[0] in adjectives and len(tokens) == 2:
                tokens_after = tokens[1:]
            else:
                tokens_after = tokens
            word = tokens_after[0].lower() if len(tokens_after) == 1 else ""
            if word.endswith(self.suffixes) and word not in self.suffixes:
                tokens = tokens_after
                s = m.start() + span.index(tokens[0])  # "Qualifizierungsgeld": a compound's last part
                mention = self._make(text, s, s + len(tokens[0]), "programme:compound", 0.65)
                if mention:
                    out.append(mention)
                continue
            if len(tokens) < 2:
                if len(tokens) == 1 and self.heads.get(tokens[0].lower()) == "programme":
                    extended = self._head_phrase(text, m.end())
                    if extended:
                        s = m.start() + span.index(tokens[0])
                        mention = self._make(text, s, extended, "programme:head-phrase", 0.6)
                        if mention:
                            out.append(mention)
                continue
            tokens[-1] = tokens[-1].rstrip("'’")
            if sum(t.isupper() and len(t) > 3 for t in tokens) > 2 or all(t.isupper() for t in tokens):
                continue  # a heading in capitals, not a name
            before = text[max(0, m.start() - 60):m.start() + span.index(tokens[0])]
            if PORTFOLIO.search(before):
                continue  # "Minister of Family, Labour and Social Policy": a portfolio, not a programme
            joined = " ".join(tokens)
            if " and the " in f" {joined} ":
                tokens = joined.split(" and the ")[0].split()  # two names joined
            elif " and " in joined and self._class(joined.split(" and ")[0]) == "programme":
                tokens = joined.split(" and ")[0].split()  # "the X Programme and Part II of ..."
            tail = re.search(r"\s(?:in|of|for|to)\s(?:the\s)?[\w\s-]+$", " ".join(tokens))
            if tail and self._class(tail.group(0).split()[-1]) == "organisation" \
                    and self._class(" ".join(tokens)[:tail.start()]) == "programme":
                tokens = " ".join(tokens)[:tail.start()].split()  # "Traineeships Directive in the Council"
            name = " ".join(tokens)
            if self._class(name) != "programme":
                continue
            start = m.start() + span.index(tokens[0])
            end = start + len(name)
            if text[start:end] != name:
                continue
            own = tokens[0] in adjectives and len(tokens) > 1 and self._class(" ".join(tokens[1:])) == "programme"
            mention = self._make(text, start, end, "programme:capitalised", 0.75,
                                 name=" ".join(tokens[1:]) if own else None)
            if mention:
                out.append(mention)
        return out

    def _generic_name(self, tokens: list[str], country_words: set[str]) -> bool:
        """'the European programme', 'the Government plan', 'the Finnish scheme': no name."""
        return all(t.lower() in STOP_WORDS or t.lower() in self.generic or t in country_words
                   or t.lower() in self.scope or self.heads.get(t.lower()) in ("organisation", "people")
                   or t.isdigit() for t in tokens)

    def _named_heads(self, text: str, doc: Doc) -> list[Mention]:
        """A proper name before a lowercase programme word: 'the Multiply programme', 'the
        Mieszkanie na Start programme', 'the Idarati portal', 'the Digital Platform Government
        (DPG) initiative'; and one set off by a programme word: 'Te Ara Matihiko, a
        cross-agency programme'."""
        countries = mentions_of(doc, Label.COUNTRY)
        country_words = {w for c in countries for w in c.text.split()}
        adjectives = {c.text for c in countries if c.attrs.get("kind") == "adjective"}
        out = []
        for pattern, rule in ((self.named_head, "programme:named-head"), (self.appositive, "programme:appositive"),
                              (self.governed, "programme:governed"), (self.head_first, "programme:head-first")):
            for m in pattern.finditer(text):
                tokens = m.group("name").split()
                start = m.start("name")
                owner = next((i for i, t in enumerate(tokens) if t.endswith(("'s", "’s"))), None)
                if owner is not None:  # "Singapore's SkillsFuture credit": the name after the owner
                    start += len(" ".join(tokens[:owner + 1])) + 1
                    tokens = tokens[owner + 1:]
                while tokens and (tokens[0] in adjectives or tokens[0].lower() in LEADING
                                  or rule == "programme:appositive" and tokens[0].lower() in STOP_WORDS):
                    start += len(tokens[0]) + 1  # "the Indian iGOT Karmayogi platform"
                    tokens.pop(0)
                if not tokens or self._generic_name(tokens, country_words) or \
                        rule == "programme:governed" and self._class(" ".join(tokens)) in ("organisation", "people"):
                    continue
                if rule == "programme:head-first" and (
                        len(tokens) == 1 and tokens[0].lower() in self.english or tokens[0].lower() in self.heads
                        or re.match(r"[/\d]", text[m.end("name"):m.end("name") + 1])  # "programme WT/COMTD/7"
                        or self._class(" ".join(tokens)) in ("organisation", "people")):
                    continue  # "the programme Partners", "the project Steering Committee"
                if rule == "programme:appositive" and (
                        len(tokens) < 2 or "and" in tokens or start > 0 and text[start - 1:start] not in " \n"
                        or any(t.isdigit() for t in tokens)
                        or self._class(" ".join(tokens)) in ("organisation", "people")
                        or self.heads.get(tokens[0].lower()) == "organisation"):
                    continue  # "Finally, a ...", "October 1996, the ...", "Nairobi and Casablanca, ..."
                end = m.end() if rule == "programme:named-head" else m.end("name") \
                    if rule in ("programme:governed", "programme:head-first") else start + len(" ".join(tokens))
                acr = re.search(r"\(([A-Z][A-Za-z]{1,9})\)", m.group("rest")) if rule == "programme:named-head" \
                    else None
                name = re.sub(r"\s\([^()]*\)", "", text[start:end])  # the acronym is kept apart
                mention = self._make(text, start, end, rule, 0.7, acronym=acr.group(1) if acr else "", name=name)
                if mention:
                    out.append(mention)
        return out

    def _reversed_definitions(self, text: str) -> list[Mention]:
        """'ALMA (Aim, Learn, Master, Achieve)': an acronym spelled out after it, when the long
        form names no organisation."""
        out = []
        for m in self.reversed_definition.finditer(text):
            long_form = m.group("long").strip()
            words = re.findall(r"[\w'’-]+", long_form)
            initials = "".join(w[0] for w in words if w.lower() not in CONNECTORS).upper()
            if initials != m.group("acr") or self._class(long_form) in ("organisation", "people"):
                continue
            mention = self._make(text, m.start("acr"), m.end("acr"), "programme:acronym-spelled", 0.7,
                                 acronym=m.group("acr"))
            if mention:
                out.append(mention)
        return out

    def _head_phrase(self, text: str, end: int) -> int | None:
        """'Platform on combatting homelessness': a capitalised programme word and its topic."""
        m = re.match(r"\s(?:on|for)\s((?:[a-z][\w-]*\s?){1,4})", text[end:end + 60])
        if not m:
            return None
        words = m.group(1).split()
        stop = {"will", "is", "was", "has", "have", "and", "which", "that", "are", "were", "be", "the", "in"}
        kept = []
        for w in words:
            if w in stop:
                break
            kept.append(w)
        if all(w in STOP_WORDS for w in kept):
            return None
        return end + m.start(1) + len(" ".join(kept))

    def _lists(self, text: str) -> list[Mention]:
        """'European funds (ERDF, AMIF, ESF)': each listed acronym is a programme."""
        out = []
        for m in self.listed.finditer(text):
            base = m.start("list")
            for a in re.finditer(rf"{CAPS}(?:\s?\+)?", m.group("list")):
                mention = self._make(text, base + a.start(), base + a.end(), "programme:listed-acronym", 0.7,
                                     acronym=a.group(0).replace(" ", ""))
                if mention:
                    out.append(mention)
        return out

    def _lowercase(self, text: str) -> list[Mention]:
        """Programmes named in lowercase: one put in place ('a recognition and assessment law
        came into force') or one of a public scope ('the federal language-training programme',
        'the European agenda 2021-2027')."""
        out = []
        for pattern, rule in ((self.adopted, "programme:adopted"), (self.scoped, "programme:scoped")):
            for m in pattern.finditer(text):
                words = m.group("name").split()
                modifiers = [w.lower() for w in words[:-1]]
                if any(w in STOP_WORDS and w != "and" for w in modifiers) or set(modifiers) <= self.generic:
                    continue
                mention = self._make(text, m.start("name"), m.end("name"), rule, 0.6)
                if mention:
                    out.append(mention)
        return out

    def _known(self, doc: Doc) -> list[Mention]:
        """Programmes of the gazetteer ('Erasmus+', 'Aid for Trade', 'AMIF')."""
        out = []
        for span in filter_spans([doc[s:e] for _, s, e in self.known_matcher(doc)]):
            name, acronym = self.known[span.text]
            end = span.end_char + (1 if doc.text[span.end_char:span.end_char + 1] == "+" and
                                   not span.text.endswith("+") else 0)
            out.append(Mention(Label.PROGRAMME, doc.text[span.start_char:end], span.start_char, end,
                               "programme:known", 0.9, value=name,
                               attrs={"acronym": acronym, "key": self._key(name)}))
        return out

    @staticmethod
    def _attach_acronyms(text: str, found: list[Mention]) -> None:
        """'the programme "Opening schools ..." (OEPRE - Ouvrir ...)': a name right before an
        acronym in brackets takes that acronym."""
        for p in found:
            m = re.match(r"[\s\"”’]*\((?P<acr>[A-Z][A-Za-z]{1,9})\b", text[p.end:p.end + 16])
            if m and not p.attrs.get("acronym") and ACRONYM.match(m.group("acr")):
                p.attrs["acronym"] = m.group("acr")

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
                    found[i] = dataclasses.replace(q, value=p.value, attrs=dict(q.attrs, key=p.attrs["key"]))
        return found

    def _translated(self, text: str, others: list[Mention]) -> list[Mention]:
        """A name given in two languages is a name of something a country runs: 'Nordplus Adult
        (Nordplus Voksen)', 'Takaful and Karama (Solidarity and Dignity)', 'the adult
        apprenticeship scheme (voksenlærlingeordningen)'. One side must be plainly English, the
        other plainly not; a bracket holding a country, or a name of a person, says nothing."""
        out = []
        for b in re.finditer(r"\s\((?P<inner>[^()]{3,90})\)", text):
            name_m = self.trailing_name.search(text, max(0, b.start() - 150), b.start())
            if not name_m:
                continue
            words = name_m.group("name").split()
            if words[0].islower():  # "whether the civil service bill": the words after the last stop word
                stops = [i for i, w in enumerate(words[:-1]) if w in STOP_WORDS or len(w) < 2]
                words = words[stops[-1] + 1:] if stops else words
            while words and (words[0] in _DETERMINERS or words[0] in LEADING or words[0] in ("The", "A", "An")):
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
            if owner and len(words) > 2 and words[1].lower() not in CONNECTORS:
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
            mention = self._make(text, start, b.start(), "programme:translated", 0.7,
                                 acronym=acronyms[0] if acronyms else "")
            if mention:
                out.append(mention)
        return out

    def _without_place(self, text: str, m: Mention, countries: list[Mention]) -> Mention:
        """'the Shirika Plan in Kenya', 'the Youth Guarantee in England': the country where a
        programme runs is not part of its name."""
        place = next((c for c in countries if c.end == m.end and c.start > m.start), None)
        cut = re.search(r"\s(?:in|for)\s(?:the\s)?$", text[m.start:place.start]) if place else None
        if cut is None or m.value != m.text:
            return m
        end = m.start + cut.start()
        return dataclasses.replace(m, text=text[m.start:end], end=end, value=text[m.start:end],
                                   attrs=dict(m.attrs, key=self._key(text[m.start:end])))

    def _numbered_laws(self, text: str) -> list[Mention]:
        """'Law 15/2022', 'Law No. 21,133', 'Federal Decree-Law No. 9': a law named by its number."""
        out = []
        for m in self.numbered_law.finditer(text):
            mention = self._make(text, m.start(), m.end(), "programme:numbered-law", 0.7)
            if mention:
                out.append(mention)
        return out

    def _coined(self, text: str, others: list[Mention]) -> list[Mention]:
        """A word made for a brand is a programme's name even with no programme word beside it:
        camel case ('SkillsFuture', 'JobsPlus', 'InvestEU') or a trailing plus ('Springboard+')."""
        out = []
        for m in COINED.finditer(text):
            if re.match(r"Ma?c[A-Z]", m.group(0)) or any(o.start < m.end() and m.start() < o.end for o in others):
                continue  # "MacLennan": a name
            mention = self._make(text, m.start(), m.end(), "programme:coined", 0.55)
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

    def _acronym_mentions(self, text: str, found: list[Mention]) -> list[Mention]:
        """A known programme acronym standing alone ('the CIR', 'ESF+ and AMIF')."""
        acronyms = {m.attrs["acronym"].split()[0]: m for m in found if m.attrs.get("acronym")}
        out = []
        for acr, source in acronyms.items():
            bare = acr.rstrip("+")
            for m in re.finditer(rf"(?<![\w-]){re.escape(bare)}(?:\s?\+)?(?![\w-])", text):
                out.append(Mention(Label.PROGRAMME, m.group(0), m.start(), m.end(), "programme:acronym-mention", 0.7,
                                   value=source.value, attrs={"acronym": acr, "key": source.attrs["key"]}))
        return out



@Language.factory("meeting_programmes")
def make_programme_recogniser(nlp: Language, name: str) -> ProgrammeRecogniser:
    return ProgrammeRecogniser(nlp, name)
