"""Speakers: everyone who may take the floor, in the forms meeting summaries use.

The patterns of ``models/<pipeline>/speakers/patterns.toml`` find people ("Firstname
SURNAME, role (Country)", "Mr. X (Country)", "Jane Doe, Minister of ...", a list of
speakers), delegations ("The representative of X", "the Australian representative", "The
United States said"), offices ("Chairman: Mr X", "The Chairman said", "CHAIR:"), titles
referring back ("the Minister indicated") and collectives ("Delegations agreed"). Each
mention's evidence (``SpeakerCue``) says what the text writes beside it: first name,
surname, role, organisation, country, the office it holds or speaks for. Whether it took
the floor is decided over the whole document by the turns component. Country codes come
from the country recogniser, which runs first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from ..data import Label, Mention, SpeakerCue
from ..lexicon import finite_verbs
from ..settings import DEFAULT_LEXICON
from .common import (DataComponent, Fact, block_bounds, facts_of, grammar, grouped, mentions_of, read_tsv, read_words,
                     rejections_of, text_of, verb_after, within, without_overlaps)
from .rules import Rejection, Trace, alternation, veto

HEADING = 600  # characters at the start of a document where its title and heading stand
LISTED_WITHIN = 300  # characters from a participant list's "Country:" label to the last person under it
LIST_LABEL = re.compile(r"\s*(?:\([^()]{1,20}\))?\s*:")  # after a country: "Estonia (guest):"
BRACKET = re.compile(r"\s?\([^()]*\)")
# an introductory phrase that opens a sentence before its subject: "In its reply, Chile said ..."
OPENING = r"(?:^|[.;:]\s+|\n)(?:\d+\.\s+)?"  # a sentence's start, after its paragraph number
INTRO = r"[A-Z][^,;.:()\n]{0,50},\s+"  # "In its reply, "
INTRODUCTORY = re.compile(rf"{OPENING}{INTRO}(?:the\s+)?$")
# what may open a sentence before its subject: a paragraph number, "The", an introductory phrase
INTRODUCTORY_SUBJECT = re.compile(rf"{OPENING}(?:{INTRO})?(?:the\s+)?$", re.I)
CLAUSE_END = re.compile(r"[.:!?](?=\s+[A-Z\"“(]|\s*$)|;")


def _group_code(text: str) -> bool:
    """A party's or group's code in brackets after a member: "(SPD)", "(AfD)", "(CDU/CSU)", "(BÜNDNIS 90/DIE
    GRÜNEN)", "(S&D)": a few words, each with a capital, two capitals at least ("(Helsinki)" is a place)."""
    words = text.replace("/", " ").split()
    return 0 < len(words) <= 4 and len(text) <= 30 and sum(ch.isupper() for ch in text) >= 2 \
        and all(any(ch.isupper() or ch.isdigit() for ch in w) for w in words)


def is_abbreviation(honorific: str) -> bool:
    """'Hon.', 'Dr.', 'H.E.': a full stop after them ends no sentence; after 'Minister.' it does."""
    return len(honorific.rstrip(".")) <= 4


@dataclass
class Draft:
    """A speaker mention being assembled (the component's working state; frozen into a Mention)."""

    start: int
    end: int
    rule: str
    confidence: float
    value: str
    cue: dict = field(default_factory=dict)  # the SpeakerCue's fields, as they are read
    trace: Trace | None = None

    def shift(self, by: int) -> "Draft":
        """The draft with its offsets moved (from a block's text to the document's, or back)."""
        cue = dict(self.cue)
        for key in ("declares", "represented_by"):
            if cue.get(key, -1) >= 0:
                cue[key] += by
        return Draft(self.start + by, self.end + by, self.rule, self.confidence, self.value, cue, self.trace)

    def freeze(self, text: str) -> Mention:
        return Mention(Label.SPEAKER, text[self.start:self.end], self.start, self.end, self.rule, self.confidence,
                       value=self.value, evidence=SpeakerCue(**self.cue),
                       explanation=self.trace.explain() if self.trace else self.rule)


@dataclass
class Person:
    """A person's name as a pattern found it."""

    start: int
    end: int
    first: str
    surname: str
    honorific: str = ""
    name: str = ""  # without the honorific
    listed: bool = False  # in a list of those who took the floor
    role_before: tuple[int, int] | None = None  # "Cabinet Secretary for Labour Florence CHEBET"
    trace: Trace | None = None


class SpeakerRecogniser(DataComponent):
    files = ("honorifics.txt", "territorial_titles.txt", "speaker_list_labels.txt", "roles.txt", "speech_verbs.txt",
             "collective.txt", "chairs.tsv", "chair_labels.txt", "org_heads.txt", "chambers.txt",
             "organisations.tsv", "not_names.txt", "not_surnames.txt", "apposition_ends.txt", "role_refs.txt",
             "honorific_gender.tsv", "person_titles.txt", "national_bodies.txt", "delegation_heads.txt",
             "delegation_after.txt", "eu_titles.txt", "role_modifiers.txt", "patterns.toml")

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name

    def load(self, path: Path) -> None:
        hon = read_words(path / "honorifics.txt")
        self.roles = {w.lower() for w in read_words(path / "roles.txt") + read_words(path / "role_modifiers.txt")}
        self.honorifics = {h.rstrip(".").lower() for h in hon}
        self.verbs = {w.lower() for w in read_words(path / "speech_verbs.txt")}
        self.territorial = {w.lower() for w in read_words(path / "territorial_titles.txt")}
        self.gender = {r["honorific"].lower(): r["gender"] for r in read_tsv(path / "honorific_gender.tsv")}
        words = grammar(path.parent)
        self.prepositions = set(words["governing_prepositions"])
        self.particles = set(words["name_particles"])
        self.title_connectors = set(words["title_connectors"])  # "Minister for Human Rights"
        # "Acting Chairman" chairs: the office without its modifier
        self.office_modifiers = re.compile(rf"^(?:{alternation(words['office_modifiers'])})\s+", re.I)
        self.addressee = "|".join(words["addressee_pronouns"])
        self.clause_openers = alternation(words["clause_openers"])
        self.finite = finite_verbs(DEFAULT_LEXICON) | frozenset(words["auxiliaries"])
        self.adverbs = frozenset(words["verb_adverbs"])
        self.body_connectors = set(words["body_connectors"])
        self.collective = sorted((w.lower() for w in read_words(path / "collective.txt")), key=len, reverse=True)
        offices = read_tsv(path / "chairs.tsv")
        self.presiding = {r["office"].lower() for r in offices if r["presides"] == "1"}
        self.org_heads = {w.lower() for w in read_words(path / "org_heads.txt")}
        self.not_names = {w.lower() for w in read_words(path / "not_names.txt")} | self.org_heads
        self.not_surnames = set(read_words(path / "not_surnames.txt"))
        self.person_titles = {w.lower() for w in read_words(path / "person_titles.txt")}
        self.national_bodies = {w.lower() for w in read_words(path / "national_bodies.txt")}
        self.eu_titles = {w.lower() for w in read_words(path / "eu_titles.txt")}
        self.programme_heads = {r["word"].lower(): r["class"]
                                for r in read_tsv(path.parent / "programmes" / "heads.tsv")}
        orgs = read_tsv(path / "organisations.tsv")
        self.organisations = {r["name"]: (r["acronym"], r["kind"]) for r in orgs}
        for name, value in list(self.organisations.items()):  # "INTERNATIONAL MONETARY FUND" on a cover page
            if len(name) >= 8 and name.upper() != name:
                self.organisations.setdefault(name.upper(), value)
        self.org_matcher = PhraseMatcher(self.nlp.vocab)
        self.org_matcher.add("ORG", list(self.nlp.tokenizer.pipe(self.organisations)))
        self.houses = {r["name"].lower(): r["acronym"] for r in orgs if r["kind"] == "national"}
        self.houses.update({w.lower(): "" for w in read_words(path / "chambers.txt")})  # country from the heading
        self.house_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")  # headings are often in capitals
        self.house_matcher.add("HOUSE", list(self.nlp.tokenizer.pipe(self.houses)))
        # "MR. HAYASHI (Japan):" in transcripts set in capitals; only with the full stop, as "MS"
        # alone is also "Member States"
        any_hon = alternation(h.rstrip(".") for h in hon)
        any_hon += "".join(f"|{re.escape(h.rstrip('.').upper())}(?=\\.)" for h in hon
                           if is_abbreviation(h) and not h.isupper() and len(h.rstrip(".")) > 1)
        self.load_rules(path, {
            "honorifics_any": any_hon,
            "honorific_abbreviations": alternation(h.rstrip(".") for h in hon if is_abbreviation(h)),
            # "The Chair" and "The CHAIR"
            "chairs": alternation([r["office"] for r in offices] + [r["office"].upper() for r in offices]),
            "presiding_offices": alternation(r["office"] for r in offices if r["presides"] == "1"),
            "offices_after_name": alternation(r["office"] for r in offices if r["after_name"] == "1"),
            "person_titles_spaced": alternation(self.person_titles)})
        self.view_opening = re.compile(self.rules.fragment("VIEW_OPENING"))
        self.passive_agent = re.compile(self.rules.fragment("PASSIVE_AGENT"))
        ends = {w.lower() for w in read_words(path / "apposition_ends.txt")} | self.verbs
        self.apposition_stop = re.compile(rf"(?:{alternation(ends)})\b")
        self.verb_re = re.compile(rf"\b(?:{alternation(self.verbs)})\b")
        self.role_before = re.compile(  # "Australia's Minister for Home Affairs, the Hon. Sarah COLLINS",
            # "... and supported by the Secretary General of the Secretariat, Dr. Ana Ruiz"
            rf"(?:^|\n|[.;:]\s+|\b(?:by|and|with)\s+)(?:[Tt]he\s+)?(?P<owner>[A-Z][\w .-]{{2,30}}['’]s\s+)?"
            # "The Minister for Social Action, Women and Literacy, Ms X": a title's list of portfolios
            rf"(?P<role>{self.rules.fragment('role_phrase')}[^,;.()\n]{{0,120}}"
            rf"(?:,\s[A-Z][^,;.()\n]{{0,60}}\sand\s[A-Z][^,;.()\n]{{0,60}})?),\s+(?:the\s+)?$")
        self.seat = re.compile(rf"\sof\s{self.rules.fragment('TITLE')}(?:[\s-](?:upon|on|in|under|le|"
                               rf"{self.rules.fragment('TITLE')})){{0,3}}\b")
        self.name_prefix = re.compile(rf"{self.rules.fragment('FIRST')}(?:{self.rules.fragment('SPACE')}"
                                      rf"(?:{self.rules.fragment('TITLE')}|{self.rules.fragment('CAPS')}))+"
                                      rf"(?={self.rules.fragment('SPACE')}?(?:\(|,|$))", re.M)
        self.behalf = re.compile(r"(?:\bspeaking\s)?(?:\bon\sbehalf\sof|\bspeaking\sfor)\s(?:the\s)?"
                                 r"(?P<group>[^,;.]{3,80})")

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        rejected = rejections_of(doc)
        countries = mentions_of(doc, Label.COUNTRY)
        orgs = self._organisations(doc)
        doc.spans["organisations"] = [doc.char_span(s, e) for s, e, _, _ in orgs if doc.char_span(s, e) is not None]
        houses = self._houses(doc)
        collectives = self._collectives(doc, text)
        drafts: list[Draft] = []
        blocks = block_bounds(doc)
        for (start, end), named, bodies, named_bodies in zip(blocks, within(countries, blocks),
                                                             grouped(blocks, orgs, lambda o: (o[0], o[1])),
                                                             grouped(blocks, houses + collectives,
                                                                     lambda d: (d.start, d.end))):
            local: list[Rejection] = []
            inside = [(s - start, e - start, *rest) for s, e, *rest in bodies]
            found = self._block(text[start:end], named, inside, local)
            found += [d.shift(-start) for d in named_bodies]
            found = without_overlaps(found)
            self._spokespeople(text[start:end], found)
            self._labels(text[start:end], found)
            drafts += [d.shift(start) for d in found]
            rejected.extend(replace(r, start=r.start + start, end=r.end + start) for r in local)
        drafts += self._known_surnames(text, doc, drafts, rejected)
        self._commissioners(drafts)
        drafts += self._full_role_refs(text, drafts)
        # an international organisation named in a heading hosts the meeting: its officials speak for it
        for s, e, code, kind in orgs:
            if kind == "international" and s < HEADING and not any(d.start < e and s < d.end for d in drafts):
                trace = self.rules.trace("speaker.host")
                trace.note(f"an international organisation ({code}) in the heading")
                drafts.append(Draft(s, e, trace.rule, trace.score, code, {"kind": "host", "country": code}, trace))
        self._own_authorities(text, drafts, countries)
        found = [d.freeze(text) for d in drafts]
        mentions_of(doc).extend(found)
        host = self._host(found, countries)
        if host is not None:
            facts_of(doc).append(host)
        facts_of(doc).extend(self._host_bodies(doc, text, orgs))
        return doc

    def _host_bodies(self, doc: Doc, text: str, orgs: list[tuple[int, int, str, str]]) -> list[Fact]:
        """The bodies named in the headings of the opening: the meeting is theirs ('European Economic
        and Social Committee' heading its own minutes), so 'The EESC welcomed ...' is its view, no
        one's turn. A body is known by its name and by its initials."""
        headings = [(b.start_char, b.end_char) for b in doc.spans.get("blocks", []) if b.start_char < HEADING and (
            b.label_ == "heading" or len(b.text) < 100 and not b.text.rstrip().endswith("."))] \
            if "blocks" in doc.spans else []  # a title line: a heading, or a short line with no full stop
        out = []
        for s, e, _, _ in orgs:
            if any(a <= s and e <= b for a, b in headings):
                name = text[s:e]
                initials = "".join(w[0] for w in name.split() if w[:1].isupper())
                out.append(Fact("speaker.host-body", s, e, name, "|".join({name.lower(), initials.lower()}), (0, 0)))
        return out

    def _own_authorities(self, text: str, drafts: list[Draft], countries: list[Mention]) -> None:
        """'Mr. Ruhland said that his German authorities considered ...': a speaker with no country
        who names 'his/her/my <country> authorities' speaks for that country."""
        adjectives = {c.start: c.value for c in countries}
        people = sorted((d for d in drafts if d.cue["kind"] == "person"), key=lambda d: d.start)
        for m in self.rules.finditer("speaker.own-authorities", text):
            code = adjectives.get(m.start("country"))
            # the person named last before it in the same sentence (no sentence ends after the name:
            # the 'Mr.' before it is no end)
            speaker = next((d for d in reversed(people) if d.end <= m.start()), None)
            if speaker is not None and re.search(r"[.!?;]\s+[A-Z]|\n", text[speaker.end:m.start()]):
                speaker = None
            if code and speaker is not None and not speaker.cue.get("country"):
                speaker.cue["country"] = code
                speaker.trace.note(f"speaks of '{m.group(0)}': {code}")

    def _known_surnames(self, text: str, doc: Doc, drafts: list[Draft], rejected: list[Rejection]) -> list[Draft]:
        """'Estrada said' after 'Raul Estrada-Oyuela': a surname (or a part of one) of a person named
        with a first name elsewhere in the document, opening a sentence as the subject of a verb."""
        known: dict[str, Draft] = {}
        for d in drafts:
            if d.cue["kind"] == "person" and d.cue.get("first") and d.cue.get("surname"):
                surname = d.cue["surname"]
                for part in {surname, *re.split(r"[\s-]+", surname)}:
                    if len(part) >= 3 and part[:1].isupper() and part.lower() not in self.particles:
                        known.setdefault(part.lower(), d)  # "Estrada" after "Raul ESTRADA-OYUELA"
        if not known:
            return []
        out: list[Draft] = []
        taken = [(d.start, d.end) for d in drafts]
        for m in self.rules.finditer("speaker.known-surname", text):
            word = m.group("surname")
            person = known.get(word.lower())
            s, e = m.start("surname"), m.end("surname")
            if person is None or any(a < e and s < b for a, b in taken):
                continue
            trace = self.rules.trace("speaker.known-surname")
            if not self.rules.screen(trace, s, e, rejected, text, e):
                continue
            trace.note(f"the surname of {person.cue['name']}")
            out.append(Draft(s, e, trace.rule, trace.score, person.cue["name"],
                             dict(kind="person", name=word, surname=person.cue["surname"],
                                  gender=person.cue.get("gender", "")), trace))
        return out

    def _host(self, found: list[Mention], countries: list[Mention]) -> Fact | None:
        """Whom the heading makes a speaker with no country speak for: the country whose parliament
        it names ('HOUSE OF LORDS', or 'SENATE' beside the one country it names), else the
        international organisation it names ('UNHCR': its officials, its committee's members)."""
        heading = [m for m in found if m.start < HEADING]
        houses = [m for m in heading if m.evidence.kind == "house"]
        hosts = [m for m in heading if m.evidence.kind == "host"]
        if not houses:
            return Fact("speaker.host", hosts[0].start, hosts[0].end, hosts[0].text, hosts[0].value,
                        (0, HEADING)) if hosts else None
        house = next((m for m in houses if m.value), None)
        named = {c.value for c in countries if c.start < HEADING}
        code = house.value if house else named.pop() if len(named) == 1 else ""
        first = house or houses[0]
        return Fact("speaker.house", first.start, first.end, first.text, code, (0, HEADING)) if code else None

    def _commissioners(self, drafts: list[Draft]) -> None:
        """'Commissioner Schmit' where an EU body or official takes part speaks for the EU."""
        if not any(d.cue.get("country") == "EU" for d in drafts):
            return
        for d in drafts:
            cue = d.cue
            if cue["kind"] == "person" and not cue.get("country") and \
                    {cue.get("honorific", "").lower(), cue.get("role", "").lower()} & self.eu_titles:
                cue["country"] = "EU"
                d.trace.note("a Commissioner where the EU takes part: EU")

    def _block(self, text: str, countries: list[Mention], orgs: list[tuple[int, int, str, str]],
               rejected: list[Rejection]) -> list[Draft]:
        """The people, delegations and offices of one paragraph or heading."""
        self._orgs = [(s, e) for s, e, *_ in orgs]
        people = self._people(text, {c.text for c in countries}, rejected)
        drafts = [self._person(text, p, people, countries, orgs) for p in people]
        drafts.extend(self._delegations(text, countries, orgs))
        drafts.extend(self._chairs(text, people, rejected))
        for m in self.rules.finditer("speaker.head-of-delegation", text):  # "The head of the delegation informed"
            trace = self.rules.trace("speaker.head-of-delegation")
            trace.note("whoever heads the delegation")
            drafts.append(Draft(m.start(), m.end(), trace.rule, trace.score, m.group("role"),
                                dict(kind="role-ref", role=m.group("role"), leads=True), trace))
        return drafts

    def _houses(self, doc: Doc) -> list[Draft]:
        """'HOUSE OF LORDS', 'SENATE': a parliament named (in the heading, it hosts the meeting)."""
        out = []
        for span in filter_spans([doc[s:e] for _, s, e in self.house_matcher(doc)]):
            code = self.houses[span.text.lower()]
            trace = self.rules.trace("speaker.house")
            trace.note(f"a parliament{' of ' + code if code else ''}")
            out.append(Draft(span.start_char, span.end_char, trace.rule, trace.score, code,
                             {"kind": "house", "country": code}, trace))
        return out

    def _organisations(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        spans = filter_spans([doc[s:e] for _, s, e in self.org_matcher(doc)])
        return [(sp.start_char, sp.end_char, *self.organisations[sp.text]) for sp in spans]

    # ------------------------------------------------------------------ people
    def _people(self, text: str, country_names: set[str], rejected: list[Rejection]) -> list[Person]:
        """Person names. No word of a country's name is part of a person's ('Italian WELCOME' is no one)."""
        out: list[Person] = []
        self._country_words = {w for name in country_names for w in name.split()}

        def add(p: Person) -> None:
            if p.trace is not None and not self.rules.screen(p.trace, p.start, p.end, rejected, p.start, p.end,
                                                             only=("speaker.organisation-name",)):
                return
            if not any(q.start <= p.start < q.end or p.start <= q.start < p.end for q in out):
                out.append(p)

        def named(rule: str, start: int, end: int, names: list[str]) -> Trace | None:
            trace = self.rules.trace(rule)
            # the vetoes that judge the name's words; those that read its context are run where it is known
            name_vetoes = [v for v in self.rules[rule].vetoes if v in ("speaker.not-a-name", "speaker.programme-name")]
            return trace if self.rules.screen(trace, start, end, rejected, names, only=name_vetoes) else None

        for m in self.rules.finditer("speaker.honorific-name", text):
            names = m.group("names").split()
            while names and self._not_a_name(names[-1]) and len(names) > 1:
                names.pop()
            end = m.start("names") + len(" ".join(names))
            trace = named("speaker.honorific-name", m.start(), end, names)
            if not trace or not self.rules.screen(trace, m.start(), end, rejected, text, m.start("hon"), m.group("hon"),
                                                  only=("speaker.initial-not-honorific",)):
                continue
            first, sur = self._split_name(names) if len(names) > 1 else ("", names[0])
            seat = self.seat.match(text, end) if m.group("hon").lower() in self.territorial else None
            if seat:  # "Lord Pennington of Ashby": the peer's whole title is the name
                end = seat.end()
                first, sur = "", text[m.start("names"):end]
                trace.note("a peer's title with its seat")
            add(Person(m.start(), end, first, sur, m.group("hon"), text[m.start("names"):end], trace=trace))
        for m in self.rules.finditer("speaker.caps-surname", text):
            first = m.group("first").split()
            while first and self._not_a_name(first[0]):
                first.pop(0)
            words = m.group("sur").split()
            while len(words) > 1 and words[-1] in self.not_surnames:
                words.pop()  # "Owen PRICE MP": a post-nominal, not a name
            surname = " ".join(words)
            start = m.end("first") - len(" ".join(first))
            end = m.start("sur") + len(surname)
            if not first:
                rejected.append(Rejection("speaker.caps-surname", m.start(), m.end(), "speaker.not-a-name",
                                          "no first name before the capitals"))
                continue
            trace = self.rules.trace("speaker.caps-surname")
            if self.rules.screen(trace, start, end, rejected, first, only=("speaker.not-a-name",)) and \
                    self.rules.screen(trace, start, end, rejected, [surname], only=("speaker.code-surname",)):
                add(Person(start, end, " ".join(first), surname, trace=trace))
        for m in self.rules.finditer("speaker.name-before-role", text):
            names = m.group("names").split()
            lead = max((i + 1 for i, n in enumerate(names[:-2]) if self._not_a_name(n)), default=0)
            names = names[lead:]  # "Forum Chair Tomas Wierz (Poland) reminded": the name after the title
            start = m.end("names") - len(" ".join(names))
            trace = self.rules.trace("speaker.name-before-role")
            if not self.rules.screen(trace, start, m.end("names"), rejected, names,
                                     only=("speaker.not-a-name", "speaker.programme-name")) \
                    or not self.rules.screen(trace, start, m.end("names"), rejected, text, m, start,
                                             only=("speaker.inside-proper-noun", "speaker.bracket-names-no-one",
                                                   "speaker.apposition-not-subject")):
                continue
            first, sur = self._split_name(names)
            add(Person(start, m.end("names"), first, sur, trace=trace))
        for lm in self.rules.finditer("speaker.listed-speakers", text):  # "Speakers: Ana Ruiz, Jan Novak (DG EMPL)"
            for m in self.rules.finditer("speaker.listed-name", lm.group("list")):
                names = m.group("names").split()
                at = lm.start("list") + m.start("names")
                trace = named("speaker.listed-speakers", at, at + len(m.group("names")), names)
                if trace:
                    first, sur = self._split_name(names)
                    trace.note("one of a list of speakers")
                    add(Person(at, at + len(m.group("names")), first, sur, listed=True, trace=trace))
        for rule in ("speaker.chaired-by-name", "speaker.role-comma-name", "speaker.addressed-name"):
            for m in self.rules.finditer(rule, text):  # "moderated by X", "the Minister for Women of India, X;"
                names = m.group("names").split()
                while len(names) > 2 and self._not_a_name(names[-1]):
                    names.pop()
                end = m.start("names") + len(" ".join(names))
                trace = named(rule, m.start("names"), end, names)
                if trace:
                    first, sur = self._split_name(names)
                    add(Person(m.start("names"), end, first, sur,
                               role_before=(m.start("role"), m.end("role")) if "role" in m.groupdict() else None,
                               trace=trace))
        for m in self.rules.finditer("speaker.chair-bracket-name", text):
            names = m.group("names").split()
            trace = named("speaker.chair-bracket-name", m.start("names"), m.end("names"), names)
            if trace:
                first, sur = self._split_name(names)
                add(Person(m.start("names"), m.end("names"), first, sur, trace=trace))
        for m in self.rules.finditer("speaker.role-then-name", text):
            names = m.group("names").split()
            trace = named("speaker.role-then-name", m.start("names"), m.end("names"), names)
            if not trace or not self.rules.screen(trace, m.start("names"), m.end("names"), rejected, m.group("role"),
                                                  only=("speaker.role-complement",)):
                continue
            first, sur = self._split_name(names)
            out[:] = [p for p in out if not (p.start < m.end("names") and m.start("names") < p.end)]
            add(Person(m.start("names"), m.end("names"), first, sur, role_before=(m.start("role"), m.end("role")),
                       trace=trace))
        out.sort(key=lambda p: p.start)
        return out

    def _split_name(self, names: list[str]) -> tuple[str, str]:
        caps = [n for n in names if n.isupper() and len(n) > 1]
        # "Michael Edouard HANDLER", "Lisbeth FRANPLASS ROREN"; else the last word
        i = names.index(caps[0]) if caps else len(names) - 1
        while i > 0 and names[i - 1].lower() in self.particles:
            i -= 1  # "Youssef El Amrani": the particle goes with the surname
        return " ".join(names[:i]), " ".join(names[i:])

    def _not_a_name(self, word: str) -> bool:
        low = word.lower().strip(".")
        return (word in self._country_words or low in self.roles or low in self.honorifics
                or low in self.prepositions or low in self.verbs or low in self.not_names
                or word in self.organisations or low.endswith(("'s", "’s")))  # "Ireland's JTF": an owner

    def _person(self, text: str, p: Person, people: list[Person], countries: list[Mention], orgs) -> Draft:
        """A person's draft, with what the apposition after the name (or a role before it) says."""
        trace = p.trace
        cue = dict(kind="person", name=p.name or text[p.start:p.end], first=p.first, surname=p.surname,
                   honorific=p.honorific, gender=self.gender.get(p.honorific.rstrip(".").lower(), ""),
                   listed=p.listed)
        end = p.end
        stop = self._apposition_end(text, end, people)
        if p.listed:  # one of a list of speakers: only its own bracket describes it
            bracket = BRACKET.match(text, end)
            stop = bracket.end() if bracket else end
        # the next line of a participant list ("... Ministry of Employment Finland: Ms Z") ends the role
        stop = min([stop] + [c.start for c in countries if end < c.start < stop and LIST_LABEL.match(text, c.end)])
        appo = text[end:stop]
        post = re.match(r"\s([A-Z]{2,4})(?=[,(\s])", appo)  # "Michael Carrington MP, Assistant Minister ..."
        if post and post.group(1) in self.not_surnames:
            appo = appo[post.end():]
        of_country = re.match(r"\s+(?:of|from)\s+(?:the\s+)?", text[end:end + 12])
        home = [c for c in countries if of_country and c.start == end + of_country.end()]
        if home:  # "Mrs Mariel Picado of Costa Rica said"
            cue.update(role="", organisation="", country=home[0].value, introduced=bool(p.first))
            trace.note(f"of {home[0].value}")
            return Draft(p.start, p.end, trace.rule, 0.85, cue["name"], cue, trace)
        lead_end = p.role_before[0] if p.role_before else p.start
        window = max(0, lead_end - 60)  # "For Spain, Ms X, Minister ...": the country that opens the sentence
        lead = re.search(r"(?:^|[.;]\s+|\n)(?:(?:Speaking\s)?[Ff]or|(?:Speaking\s)?[Oo]n\sbehalf\sof)\s(?:the\s)?"
                         r"(?P<c>[^,]{3,40}),\s$", text[window:lead_end])
        lead_country = [c.value for c in countries if lead and (c.start, c.end) == (window + lead.start("c"),
                                                                                   window + lead.end("c"))]
        role = org = country = ""
        if appo.strip(" ,") and (appo.startswith((",", " (", "(")) or not p.first):
            country, org = self._affiliation(text, end, stop, countries, orgs)
            bracket = re.match(r"\s?\([^()]*\)(?=,)", appo)  # "Name (EL/EPP), President of ...": the role follows
            if bracket:
                appo = appo[bracket.end():]
            role = re.sub(r"\s*\([^()]*\)\s*$", "", appo.strip(" ,")).strip(" ,")
            role = re.sub(r",?\s*(and|who)$", "", role).strip(" ,")
            depth = 0
            for i, ch in enumerate(role):  # "(Ms X, Directorate for ...) presented": the bracket closes the role
                depth += (ch == "(") - (ch == ")")
                if depth < 0:
                    role = role[:i].strip(" ,")
                    break
            group = self.behalf.match(role)
            if group and not org:  # "on behalf of the PPE Group": the group is the organisation
                org = group.group("group").strip()
            if group:
                role = role[group.end():].strip(" ,")  # "speaking for the ECR Group, ...": no office
            role = role if appo.startswith(",") else ""
        if lead_country and not country:
            country = lead_country[0]
            trace.note(f"{country} opens the sentence")
        if not country:  # "Australia: the Hon. Sarah COLLINS, Minister ...; Mr ..."
            country = self._listed_under(text, p.start, countries)
            if country:
                trace.note(f"listed under {country}")
        before = self.role_before.search(text, max(0, p.start - 160), p.start)
        if before and self.verb_re.search(before.group("role")):
            before = None  # "The Chair noted that the Vice-Chair, Mr X": a clause, not a role
        span = (before.start("role"), before.end("role")) if before else p.role_before
        if span and not role:  # "The Minister of Labour of Ghana, Hon. Kofi MENSAH, said"
            role = text[span[0]:span[1]]
            owner = before.start("owner") if before and before.group("owner") else span[0]
            inside = [c for c in countries if owner <= c.start and c.end <= span[1]]
            country = country or (inside[-1].value if inside else "")
        introduced = bool(p.first) and bool(role or country)
        office = self.office_modifiers.sub("", re.split(r"\s(?:of|for)\s|,", role, maxsplit=1)[0].strip().lower())
        if office in self.presiding:  # "Ms X, President of the Conference": "The President" is she
            cue["presides"] = True
        for label, value in (("role", role), ("organisation", org), ("country", country)):
            if value and f"{label} {value}" not in " ".join(trace.notes):
                trace.note(f"{label} {value!r}" if label != "country" else f"country {value}")
        # "Deputy Minister of Justice", "Minister for Social Action, Women and Literacy", "Director General of
        # the Ministry of Justice": an office only a State gives
        head = re.split(r"\s(?:of|for)\s", role.split(",")[0].strip().lower(), maxsplit=1)[0]
        national = bool(role) and (head in self.person_titles or
                                   any(w in self.national_bodies for w in re.findall(r"\w+", role.lower())))
        cue.update(role=role, organisation=org, country=country, introduced=introduced, national=national)
        return Draft(p.start, p.end, trace.rule, 0.9 if introduced else 0.75, cue["name"], cue, trace)

    @staticmethod
    def _listed_under(text: str, start: int, countries: list[Mention]) -> str:
        """The country a participant list puts a person under: "Denmark: Mr X, Minister; Mr Y,
        Permanent Secretary Finland: Ms Z" (a list's lines often run together in one paragraph)."""
        colon = text.rfind(":", max(0, start - LISTED_WITHIN), start)
        if colon < 0:
            return ""
        for c in countries:
            if c.end <= colon and LIST_LABEL.fullmatch(text[c.end:colon + 1]) \
                    and re.search(r"(?:^|\s)(?:the\s)?$", text[max(0, c.start - 5):c.start]):
                return c.value
        return ""

    def _apposition_end(self, text: str, end: int, people: list[Person]) -> int:
        """Where the role after a name stops: a speech verb, the next person, a sentence end."""
        limit = len(text)
        sentence = CLAUSE_END.search(text, end)
        if sentence:
            limit = sentence.start()
        for p in people:
            if end < p.start < limit and not re.search(r"\b(?:of|to|for|with|by)\s+(?:the\s+)?$",
                                                       text[max(0, p.start - 12):p.start]):
                limit = p.start
                break
        depth = 0
        for i in range(end, limit):
            ch = text[i]
            depth += ch == "("
            depth -= ch == ")" and depth > 0
            if depth == 0 and ch == " " and self.apposition_stop.match(text, i + 1):
                return i
        return limit

    def _affiliation(self, text: str, start: int, stop: int, countries, orgs) -> tuple[str, str]:
        """The country and organisation named in an apposition: those of a bracket right after the
        name ('Ms X (Observer for the European Union), speaking also on behalf of ... Ukraine': the EU),
        else a parenthesised country first, then the last country named, then an EU body ('EU') or
        an international organisation (its acronym)."""
        bracket = re.match(r"\s?\((?:[^()]|\([^()]*\))*\)", text[start:stop])
        if bracket and bracket.end() < stop - start:
            country, org = self._affiliation(text, start, start + bracket.end(), countries, orgs)
            if country:
                return country, org
        inside = [c for c in countries if start <= c.start and c.end <= stop]
        paren = [c for c in inside if text[c.start - 1:c.start] == "(" and text[c.end:c.end + 1] == ")"
                 or c.rule == "country.group-code"]
        org_name = org_code = ""
        for s, e, acronym, kind in orgs:
            if start <= s and e <= stop:
                org_name = text[s:e]
                org_code = "EU" if kind == "eu" else acronym
                if kind == "international":
                    acr = re.match(r"\s*\(([A-Z]{2,10})\)", text[e:e + 14])
                    org_name = acr.group(1) if acr else org_name
                break
        if not org_name:
            m = re.search(r"((?:[A-Z][\w-]*\s)*(?i:" + alternation(self.org_heads) + r")\b[^,()]*)", text[start:stop])
            org_name = m.group(1).strip() if m and m.group(1)[:1].isupper() else ""
        if paren:
            return paren[-1].value, org_name
        names = [c for c in inside if c.evidence.form in ("name", "alias")]
        if names:
            return names[-1].value, org_name
        if org_code:
            return org_code, org_name
        if inside:
            return inside[-1].value, org_name
        return "", org_name

    # ------------------------------------------------------------------ delegations
    def _delegations(self, text: str, countries: list[Mention], orgs) -> list[Draft]:
        out: list[Draft] = []
        for c in countries:  # "Several delegations (DE, FR, EL) supported": each of them spoke
            if c.rule == "country.code-list" and self.rules.search("speaker.delegation-listed", text,
                                                                    max(0, c.start - 120), c.start):
                out.append(self._delegation(text, c.start, c.end, c.value, c.text, "listed", c.end,
                                            "speaker.delegation-listed", co_subject=True))
        bodies = [(c.start, c.end, c.value, c.text, c.evidence.form) for c in countries
                  if c.rule != "country.code-list"]
        bodies += [(s, e, "EU" if kind == "eu" else acr, text[s:e], "org") for s, e, acr, kind in orgs]
        for m in self.rules.finditer("speaker.represented-body", text):  # "The representative of the ICN"
            words = m.group("body").split()
            while words and words[-1].lower() in self.body_connectors:
                words.pop()
            s, e = m.start("body"), m.start("body") + len(" ".join(words))
            if (len(words) > 1 or words and words[0].isupper() and len(words[0]) > 1) and \
                    not any(b[0] < e and s < b[1] for b in bodies):
                bodies.append((s, e, "", text[s:e], "org"))
        bodies.sort()
        listed: set[int] = set()
        for i, (s, e, code, name, kind) in enumerate(bodies):
            if i in listed:
                continue
            m = self.rules.search("speaker.delegation-head", text, max(0, s - 100), s)
            if m is None and kind in ("adjective", "name", "alias", "org"):
                after = self.rules.match("speaker.delegation-adjective", text, e, min(len(text), e + 30))
                if after:  # "the Australian representative", "Japan's delegation"
                    start = s - 4 if text[max(0, s - 4):s].lower() == "the " else s
                    out.append(self._delegation(text, start, after.end(), code, name, "adjective", e,
                                                "speaker.delegation-adjective"))
                    continue
                if kind == "adjective":
                    continue
            if m is None and kind in ("name", "alias", "org"):
                group = self._subject_list(text, bodies, i)
                for n, j in enumerate(group):  # "Germany, France and Italy called for ...", "The US said ..."
                    s2, e2, code2, name2, _ = bodies[j]
                    start = s2 - 4 if text[max(0, s2 - 4):s2].lower() == "the " else s2
                    out.append(self._delegation(text, start, e2, code2, name2, "subject", e2,
                                                "speaker.delegation-subject", co_subject=n > 0))
                    listed.add(j)
                if group:  # "The EU, supported by Norway and Switzerland, called for ...": they spoke too
                    for j in self._supporters(text, bodies, group[-1]):
                        s2, e2, code2, name2, _ = bodies[j]
                        out.append(self._delegation(text, s2, e2, code2, name2, "supporting", e2,
                                                    "speaker.delegation-supporting", co_subject=True,
                                                    follows_head=True))
                        listed.add(j)
                continue
            if m is None or kind == "adjective":
                continue
            start = m.start("head")
            if text[max(0, start - 4):start].lower() == "the ":
                start -= 4
            head = m.group("head").lower()
            out.append(self._delegation(text, start, e, code, name, head, e, "speaker.delegation-head"))
            # "The representatives of Cuba, Peru and Chile": the others join
            j, last = i + 1, e
            while head.endswith("s") and j < len(bodies):
                s2, e2, code2, name2, kind2 = bodies[j]
                if not re.fullmatch(r"\s*(,|,?\s*and|&)\s*(the\s+)?", text[last:s2]) or kind2 == "adjective":
                    break
                out.append(self._delegation(text, s2, e2, code2, name2, "listed", e2, "speaker.delegation-head",
                                            co_subject=True, follows_head=True))
                listed.add(j)
                last, j = e2, j + 1
        return out

    def _subject_list(self, text: str, bodies: list, i: int) -> list[int]:
        """The countries (one, or a list joined by commas and 'and') that open a clause as its
        subject; empty when they are not the subject."""
        group, last = [i], bodies[i][1]
        for j in range(i + 1, len(bodies)):
            if bodies[j][4] not in ("name", "alias", "org") or \
                    not re.fullmatch(r"\s*(,|,?\s*and|&)\s*(the\s+)?", text[last:bodies[j][0]]):
                break
            group.append(j)
            last = bodies[j][1]
        return group if self._subject_country(text, bodies[i][0], last) else []

    def _supporters(self, text: str, bodies: list, last: int) -> list[int]:
        """The countries in ', supported by X and Y,' or ', with X,' right after a subject."""
        after = bodies[last][1]
        m = self.rules.match("speaker.delegation-supporting", text, after, min(len(text), after + 30))
        if m is None:
            return []
        out, pos = [], m.end()
        for j in range(last + 1, len(bodies)):
            s2, e2, _, _, kind = bodies[j]
            if kind not in ("name", "alias", "org") or not re.fullmatch(r"\s*(?:,|,?\s*and|&)?\s*(?:the\s+)?",
                                                                          text[pos:s2], re.I):
                break
            out.append(j)
            pos = e2
        return out

    def _subject_country(self, text: str, s: int, e: int) -> bool:
        """'The United States said', 'While the US appreciated': a country as the subject."""
        before = text[max(0, s - 30):s]
        frame = re.match(r"(?:\s?\([^()]{1,40}\))?,\s*(?P<next>[\w.]*)", text[e:e + 60])
        if self.view_opening.fullmatch(text, text.rfind("\n", 0, s) + 1, s) and frame and \
                frame.group("next").rstrip(".").lower() not in self.honorifics:
            # "18. In the view of Brazil, the pension was a model": the paragraph is Brazil's;
            # but in "For Spain, Ms X, Minister, said" the person who follows speaks
            return True
        opening = text[text.rfind("\n", 0, s) + 1:s]
        if self.passive_agent.search(opening) and not re.search(r"[.;:]\s", opening.lstrip("0123456789. ")):
            return True  # "23. Concern was expressed by Costa Rica about ...": the turns component decides
        if not re.search(rf"(^|[.;:]\s+|\n|\b({self.clause_openers})\s+)(the\s+)?$", before, re.I) and \
                not INTRODUCTORY.search(text, max(0, s - 60), s):  # "In its reply, Chile said"
            return False
        after = text[e:e + 120]
        label = re.match(r"\s*(?:\([^()]{1,40}\))?\s*:\s+(?:the\s+)?(?P<next>[\w.]+)", after)
        if label and re.search(r"(^|\n)\s*(the\s+)?$", before, re.I):
            # "Norway: the delegation supported ..." at the start of a paragraph; but
            # "Norway: Mr X, Minister ..." heads a participant list
            return label.group("next").rstrip(".").lower() not in self.honorifics
        if verb_after(text, e, min(len(text), e + 300), self.finite, self.adverbs):
            return True  # "28. Thailand commended ...", "Mexico, supported by Peru, called for": any finite verb
        after = re.sub(r"^,\s+speaking\s+on\s+behalf\s+of[^,]+,", "", after)
        m = re.match(r"\s+(?:also\s+|further\s+|then\s+|fully\s+|strongly\s+)?(\w+)", after)
        return bool(m and m.group(1).lower() in self.verbs)

    def _delegation(self, text: str, start: int, end: int, code: str, name: str, form: str, name_end: int,
                    rule: str, co_subject: bool = False, follows_head: bool = False) -> Draft:
        trace = self.rules.trace(rule)
        cue = dict(kind="delegation", name=name, country=code, form=form, co_subject=co_subject,
                   follows_head=follows_head)
        title = re.sub(r"\s+", " ", form)
        if title in self.person_titles:  # "the Under-Secretary of Mexico": a person, if one with that title spoke
            cue["title"] = title
        behalf = self.behalf.match(text[name_end:name_end + 120].lstrip(", "))
        if behalf:
            cue["behalf"] = behalf.group("group").strip()
            trace.note(f"on behalf of {cue['behalf']}")
        trace.note(f"{name} ({code or 'no country'})")
        return Draft(start, end, trace.rule, 0.9, name, cue, trace)

    # ------------------------------------------------------------------ chairs, collectives
    def _chairs(self, text: str, people: list[Person], rejected: list[Rejection]) -> list[Draft]:
        out: list[Draft] = []
        starts = {p.start: p for p in people}

        def declared(rule: str, s: int, e: int, office: str, person: int, resumed: bool = False) -> Draft:
            trace = self.rules.trace(rule)
            trace.note(f"{office} is the person named at {person}")
            return Draft(s, e, rule, 0.85 if rule in ("speaker.chair-after-name", "speaker.chaired-by") else 0.9,
                         office, dict(kind="chair-declared", office=office, declares=person, resumed=resumed,
                                      presides=office.lower() in self.presiding), trace)

        for m in self.rules.finditer("speaker.chair-declaration", text):
            nxt = starts.get(m.end())
            trace = self.rules.trace("speaker.chair-declaration")
            if nxt and self.rules.screen(trace, m.start("office"), m.end("office"), rejected, text, nxt.end):
                out.append(declared("speaker.chair-declaration", m.start("office"), m.end("office"), m.group("office"),
                                    nxt.start))
        for m in self.rules.finditer("speaker.chair-turn", text):
            office = re.sub(r"^the\s+", "", m.group("office"), flags=re.I)
            inner = [p for p in people if m.start("inner") <= p.start < m.end("inner")] if m.group("inner") else []
            if inner:  # "CHAIR (Senator Hartigan): ...": that person chairs, and speaks
                out.append(declared("speaker.chair-turn", m.start("office"), m.end("office"), office, inner[0].start))
                continue
            # "Chairman: Mr X (Malaysia)", "Rapporteur: Radu Ionescu (S&D)" declare a chair
            name = self.name_prefix.match(text, m.end())
            if not name or self._addressed(text, name.end()) is not None:
                trace = self.rules.trace("speaker.chair-turn")
                trace.note(f"a turn label for the {office}")
                out.append(Draft(m.start("office"), m.end("office"), trace.rule, 0.9, office,
                                 dict(kind="chair", office=office, name=office, label=True,
                                      presides=office.lower() in self.presiding), trace))
        for p in people:
            # "(Chair)", "elected Ms X (Norway) as its Chairperson.", "Deputy X resumed the Chair."
            after = self.rules.match("speaker.chair-after-name", text, p.end, min(len(text), p.end + 80))
            by = self.rules.search("speaker.chaired-by", text, max(0, p.start - 25), p.start)
            if after:
                out.append(declared("speaker.chair-after-name", after.start("office"), after.end("office"),
                                    after.group("office"), p.start, resumed=after.group("taken") == "resumed"))
            elif by:
                office = "Moderator" if "moderated" in by.group(0) else "Chair"
                out.append(declared("speaker.chaired-by", by.start(), p.start - 1, office, p.start))
        for m in self.rules.finditer("speaker.chair-reference", text):
            trace = self.rules.trace("speaker.chair-reference")
            if any(o.start == m.start("office") for o in out) or \
                    not self.rules.screen(trace, m.start(), m.end(), rejected, text, m):
                continue  # "X resumed the Chair"
            office = m.group("office")
            # "The Chair, X,", "The Chair (X)", "The Chair, the Minister of Labour of Colombia, X,"
            named = [p for p in people if p.start == m.end() + 2 and (text[m.end():m.end() + 2] == ", " or
                                                                      text[m.end():m.end() + 2] == " ("
                                                                      and text[p.end:p.end + 1] == ")")
                     or m.end() < p.start and re.fullmatch(r",\s(?:the\s)?[^,;.()]{3,80},\s", text[m.end():p.start])]
            if named:  # "The Chair, Dragoș Pîslaru, opened", "The Deputy Speaker (Lord Ramsden of Hull)"
                out.append(declared("speaker.chair-named", m.start("office"), m.end("office"), office,
                                    named[0].start))
                continue
            trace.note(f"the office of {office}")
            out.append(Draft(m.start(), m.end(), trace.rule, 0.85, office,
                             dict(kind="chair", office=office, name=office,
                                  presides=self.office_modifiers.sub("", office.lower()) in self.presiding), trace))
        for m in self.rules.finditer("speaker.role-reference", text):  # "the Minister indicated"
            trace = self.rules.trace("speaker.role-reference")
            trace.note(f"the last {m.group('role')} introduced")
            out.append(Draft(m.start(), m.end(), trace.rule, 0.7, m.group("role"),
                             dict(kind="role-ref", role=m.group("role")), trace))
        return out

    def _full_role_refs(self, text: str, drafts: list[Draft]) -> list[Draft]:
        """'The Minister for Human Rights thanked ...' after 'headed by Mr. X, Minister for Human
        Rights': a title with its complement, written as someone was introduced with it, refers
        back to them (a bare 'the Minister' is speaker.role-reference)."""
        first_seen: dict[str, int] = {}
        for d in drafts:
            role = " ".join(str(d.cue.get("role") or "").split(",")[0].split())
            if d.cue["kind"] == "person" and re.search(r"\s(?:of|for)\s", role):
                first_seen.setdefault(role.lower(), d.end)
        if not first_seen:
            return []
        out = []
        for m in re.finditer(rf"\b[Tt]he\s(?P<role>(?i:{alternation(first_seen)}))(?![\w-])", text):
            role = " ".join(m.group("role").split())
            if first_seen[role.lower()] > m.start() or any(d.start < m.end() and m.start() < d.end for d in drafts):
                continue  # not yet introduced, or already read ("The Minister for X, Ms Y, said")
            trace = self.rules.trace("speaker.full-role-reference")
            trace.note(f"the {role} introduced before")
            out.append(Draft(m.start(), m.end(), trace.rule, 0.8, role, dict(kind="role-ref", role=role), trace))
        return out

    def _collectives(self, doc: Doc, text: str) -> list[Draft]:
        out = []
        for sent in doc.sents if doc.has_annotation("SENT_START") else [doc[:]]:
            s = sent.start_char
            head = text[s:s + 60].lower()
            for phrase in self.collective:
                if head.startswith(phrase) and re.match(r"\W", head[len(phrase):len(phrase) + 1] or " "):
                    after = s + len(phrase)
                    verb = re.match(r"\s+(?:\w+ly\s+|also\s+|then\s+)?(\w+)", text[after:after + 40])
                    if verb and verb.group(1).lower() in self.verbs:
                        trace = self.rules.trace("speaker.collective")
                        trace.note(f"'{phrase}' {verb.group(1)}: nobody's turn")
                        out.append(Draft(s, s + len(phrase), trace.rule, 0.6, "", dict(kind="collective"), trace))
                    break
        return out

    def _spokespeople(self, text: str, drafts: list[Draft]) -> None:
        """'The delegate from Chile (Ms Catalina ROJAS) reported', 'The Secretariat (Mr Paolo RICCI,
        Directorate ...) presented', 'The delegation of Ghana, led by Hon. X, shared': the person
        in brackets, or who leads, speaks for that delegation or body."""
        persons = {d.start: d for d in drafts if d.cue["kind"] == "person"}
        for d in drafts:
            if d.cue["kind"] not in ("delegation", "chair"):
                continue
            p = persons.get(d.end + 2) if text[d.end:d.end + 2] == " (" else None
            # "The delegation of Ghana, led by Hon. X", "The Minister of Labour of Liberia, Hon. X, said"
            led = re.match(r",?\s(?:(?:led|headed)\sby\s)?(?:the\s)?", text[d.end:d.end + 20])
            if p is None and led and (led.group(0).strip() or d.cue["kind"] == "delegation"):
                p = persons.get(d.end + led.end())
            leads = bool(led and "by" in led.group(0))
            if p is None and d.cue["kind"] == "delegation":  # "The delegation of Slovenia was headed by ... X"
                head = self.rules.match("speaker.headed-by", text, d.end, min(len(text), d.end + 40))
                p = next((q for q in persons.values() if head and head.end() <= q.start <= head.end() + 120
                          and not any(ch in text[head.end():q.start] for ch in ".;")), None)
                leads = p is not None
            if p is None:
                continue
            if leads and d.cue["kind"] == "delegation":
                p.cue["leads"] = True  # "the head of the delegation" later is this person
                p.trace.note("heads the delegation")
            p.cue["country"] = p.cue.get("country") or d.cue.get("country", "")
            p.cue["organisation"] = p.cue.get("organisation") or d.cue.get("office", "")
            p.cue.update(introduced=True, speaks_for_delegation=True)
            if d.cue["kind"] == "chair":
                p.cue["office"] = d.cue["office"]  # later "The Secretariat said": this person
            p.trace.note(f"speaks for {d.value}")
            d.cue["represented_by"] = p.start
            d.trace.note(f"represented by {p.value}")

    def _labels(self, text: str, drafts: list[Draft]) -> None:
        """'Senator DRUMMOND: ...', 'Ms Aoife Byrne: ...': a transcript's label, the name alone at the
        start of a line before a colon; or the person a label 'CHAIR (Senator Hartigan):' names."""
        chairing = {d.cue["declares"] for d in drafts if d.rule == "speaker.chair-turn"
                    and d.cue["kind"] == "chair-declared"}
        for d in drafts:
            if d.cue["kind"] != "person":
                continue
            line = text[text.rfind("\n", 0, d.start) + 1:d.start]
            if d.start in chairing or not line.strip() and \
                    re.match(r"(?:\s?\([^()\n]{1,80}\))?\s?:\s", text[d.end:d.end + 90]) is not None:
                d.cue["label"] = True
                d.trace.note("a transcript's turn label")

    def _addressed(self, text: str, end: int) -> str | None:
        """'CHAIR: Senator Keane, you have the call.': the name is spoken to, in a turn, not declared."""
        stop = text.find("\n", end)
        m = re.search(rf"\b(?:{self.addressee})\b", text[end:stop if stop >= 0 else None])
        return f"'{m.group(0)}' after the name: it is spoken to, not declared" if m else None

    # ------------------------------------------------------------------ vetoes
    @veto("speaker.not-a-name")
    def _not_a_name_veto(self, names: list[str]) -> str | None:
        bad = [n for n in names if self._not_a_name(n)]
        return f"'{bad[0]}' is a role, honorific, verb, country or function word, not a name" if bad else None

    @veto("speaker.initial-not-honorific")
    def _initial_not_honorific(self, text: str, start: int, honorific: str) -> str | None:
        """'S. M. Omondi   R. Pemberton' in a list of names: a one-letter 'M.' after an initial is a
        middle initial, not 'Monsieur'."""
        if len(honorific.rstrip(".")) == 1 and re.search(r"\b[A-Z]\.\s?$", text[max(0, start - 4):start]):
            return f"'{honorific}' follows an initial: it is one too"
        return None

    @veto("speaker.role-complement")
    def _role_complement(self, role: str) -> str | None:
        """'The Minister for Human Rights thanked': words right after 'for' or 'of' complete the title."""
        last = role.split()[-1].lower() if role.split() else ""
        if last in self.title_connectors:
            return f"the words after '{last}' complete the title, they name no one"
        return None

    @veto("speaker.code-surname")
    def _code_surname(self, names: list[str]) -> str | None:
        """'Member States MS', 'Articles XXIV': a code or an organisation in capitals is no surname."""
        surname = names[-1]
        if any(w in self.organisations or w in self.not_surnames for w in surname.split()) \
                or len(surname.replace(" ", "")) < 3 or re.fullmatch(r"[IVXLC]+", surname):
            return f"'{surname}' is a code, not a surname"
        return None

    @veto("speaker.inside-proper-noun")
    def _inside_proper_noun(self, text: str, m: re.Match, start: int) -> str | None:
        """'... Labour and Social Inclusion (Norway)': the words continue a longer name."""
        before = re.search(r"(\S+)\s+$", text[max(0, start - 40):start])
        if not before:
            return None
        word = before.group(1)
        if word.lower() in self.roles or word.lower() in self.presiding or word.rstrip(".").lower() in self.honorifics:
            return None  # "UNFF20 Chair Tomasz Wierzchowski": a title before the name
        if word.lower() in self.body_connectors or (word[:1].isupper() and not
                                                    word.endswith((".", ":", ";", ","))):
            return f"the words continue a longer name after '{word}'"
        return None

    @veto("speaker.bracket-names-no-one")
    def _bracket_names_no_one(self, text: str, m: re.Match, start: int) -> str | None:
        """'Labour Market (VIA - ...)': only a country or a role in brackets names a person."""
        paren = m.group("paren") or m.group("paren2")
        if paren and not m.group("prole") and not any(w in paren for w in self._country_words) and \
                not re.match(r"(?:the\s)?" + self.rules.fragment("role_phrase"), paren) and \
                not _group_code(paren):
            return "the bracket after the words holds neither a country, a role nor a party's or group's code"
        country = bool(paren) and any(w in paren for w in self._country_words)
        if m.group("paren2") and not country and not verb_after(text, m.end("names"),
                                                                min(len(text), m.end("names") + 200),
                                                                self.finite, self.adverbs):
            return "no verb after the bracket: the words are not its subject"
        return None

    @veto("speaker.organisation-name")
    def _organisation_name(self, start: int, end: int) -> str | None:
        """'United Nations CAT/C/SR.2214', 'INTERNATIONAL MONETARY FUND': the words name an organisation."""
        return "the words name an organisation (organisations.tsv)" if any(s < end and start < e
                                                                          for s, e in self._orgs) else None

    @veto("speaker.no-verb-after")
    def _no_verb_after(self, text: str, end: int) -> str | None:
        return None if verb_after(text, end, min(len(text), end + 300), self.finite, self.adverbs) \
            else "no finite verb after it: not the subject"

    @veto("speaker.programme-name")
    def _programme_name(self, names: list[str]) -> str | None:
        """'Presidential Proclamation said', 'the National Plan noted': a programme or a law, not a person."""
        last = names[-1].lower() if names else ""
        return f"'{names[-1]}' names a programme or a law" if self.programme_heads.get(last) in ("programme", "law",
                                                                                               "capital") else None

    @veto("speaker.apposition-not-subject")
    def _apposition_not_subject(self, text: str, m: re.Match, start: int) -> str | None:
        """'Hanna Lind, Business Major Group, speaking for ..., said': a name before appositions and a
        speech verb is a speaker only as the subject opening its sentence, not inside a list of portfolios."""
        if not m.group("appos"):
            return None
        title = re.search(r"([^\W\d_][\w-]*)\s+$", text[max(0, start - 30):start])
        if title and title.group(1).lower() in self.roles:  # "Undersecretary Maria Cruz, Department of ...,"
            start -= len(title.group(0))
        if not INTRODUCTORY_SUBJECT.search(text, max(0, start - 60), start):
            return "a name before appositions is a speaker only when it opens its sentence"
        return None

    @veto("speaker.addressed")
    def _addressed_veto(self, text: str, end: int) -> str | None:
        return self._addressed(text, end)

    @veto("speaker.office-label")
    def _office_label(self, text: str, m: re.Match) -> str | None:
        return "an office before a colon is a label" if re.match(r"\s*:", text[m.end():m.end() + 3]) else None

    @veto("speaker.office-of")
    def _office_of(self, text: str, m: re.Match) -> str | None:
        return "the office of something else ('The Chair of the Committee')" if re.match(
            r"\s+of\b", text[m.end():m.end() + 4]) else None


@Language.factory("meeting_speakers")
def make_speaker_recogniser(nlp: Language, name: str) -> SpeakerRecogniser:
    return SpeakerRecogniser(nlp, name)
