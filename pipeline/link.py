"""Link: the recognised mentions become speakers, statements, countries, programmes and figures.

Only linking happens here; what a mention is, and whether it took the floor, the recognisers
decided (``Recognition``).

- Speakers: a person's mentions meet under one speaker by surname and first name; a bare
  "Mr DUMONT" goes to the DUMONT who spoke most recently, so namesakes stay apart. A
  delegation is a speaker named after its country; "The Chairman" is the person declared
  chair ("Chairman: Mr. X") when there is one.
- Statements: each paragraph belongs to whoever holds the floor. A turn opens where a
  ``Floor`` decision says; a paragraph without one continues the previous speaker's turn
  ("She concluded ..."); a heading closes the turn.
- Every figure, programme and country mention is linked to its statement and speaker.
"""
from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import pycountry

from .data import (Country, Document, Extraction, Figure, FigureCue, Floor, Label, Mention, Programme, ProgrammeCue,
                   Recognition, Speaker, SpeakerCue, Statement)


@dataclass
class _Entity:
    """A speaker being assembled from its mentions."""

    speaker_id: str
    name: str
    kind: str
    first: str = ""
    surname: str = ""
    role: str = ""
    organisation: str = ""
    country: str = ""
    spoke: bool = False
    presides: bool = False  # an office that chairs the meeting, or a person who holds one
    leads: bool = False  # a person who heads a delegation
    national: bool = False  # a person holding an office only a State gives
    gender: str = ""  # from an honorific: "m", "f" or unknown
    titles: set[str] = field(default_factory=set)  # honorifics that are titles: "Commissioner", "Minister"
    positions: list[int] = field(default_factory=list)

    def absorb(self, cue: SpeakerCue) -> None:
        if cue.first and len(cue.first) > len(self.first):
            self.first = cue.first
            self.name = cue.name or self.name
        self.role = self.role or cue.role
        self.organisation = self.organisation or cue.organisation
        self.gender = self.gender or cue.gender
        self.presides = self.presides or cue.presides and self.kind == "person"
        self.leads = self.leads or cue.leads
        self.national = self.national or cue.national
        if cue.honorific:
            self.titles.add(cue.honorific.lower())
        if cue.country and (not self.country or cue.introduced):
            self.country = cue.country  # an introduction ("X, Minister (France)") has the last word


def _fold(name: str) -> str:
    """A name's letters only, case-folded: 'Ó Briain' meets 'O BRIAIN'."""
    return "".join(ch for ch in name.casefold() if "a" <= ch <= "z")


def _words(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() or ch == "-" else " " for ch in text.casefold()).split()


def _holds(role: str, office: str) -> bool:
    """Whether a role names an office: 'Ambassador, Chairperson of the Permanent Council' holds 'Chairperson'."""
    words, wanted = _words(role), _words(office)
    return any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)) if wanted else False


class _Speakers:
    """The speaker registry of one document."""

    def __init__(self) -> None:
        self.entities: list[_Entity] = []

    def new(self, **kwargs) -> _Entity:
        e = _Entity(speaker_id=f"sp{len(self.entities) + 1}", **kwargs)
        self.entities.append(e)
        return e

    def person(self, m: Mention) -> _Entity:
        cue: SpeakerCue = m.evidence
        sur, first = _fold(cue.surname), _fold(cue.first)
        same = [e for e in self.entities if e.kind == "person" and _fold(e.surname) == sur]
        if cue.gender and len(same) > 1:  # "Ms Martin": not the namesake known as "Mr"
            same = [e for e in same if e.gender == cue.gender] or [e for e in same if not e.gender] or same
        # "Mr. Ortiz Benavente" after "Rafael Ortiz Benavente": the end of a longer name is that person
        whole = _fold(cue.name)
        longer = [e for e in self.entities if e.kind == "person" and len(e.name.split()) > len(cue.name.split()) > 1
                  and _fold(e.name).endswith(whole)] if not same and whole else []
        if len(longer) == 1:
            entity = longer[0]
        elif first:
            exact = [e for e in same if _fold(e.first) == first or not e.first
                     or len(first) > 2 and _fold(e.first).endswith(first)
                     or _fold(e.first).startswith(first[:1]) and len(cue.first) <= 2]
            entity = exact[-1] if exact else self.new(name=cue.name, kind="person", first=cue.first,
                                                       surname=cue.surname)
        elif same:  # "Mr DUMONT": the DUMONT seen most recently before this point
            before = [e for e in same if e.positions and min(e.positions) < m.start]
            org = _fold(cue.organisation)
            by_org = [e for e in same if org and _fold(e.organisation) == org]
            entity = by_org[0] if len(by_org) == 1 else \
                max(before or same, key=lambda e: max([p for p in e.positions if p < m.start] or [-1]))
            if by_org:  # "Mr Martin (Department for Education)": the namesake of that organisation
                cue = replace(cue, organisation="", country="", role="")
        else:
            # "Ms. Nguyen" after "Ms. Nguyen Thi Lan": a family name written first
            words = [e for e in self.entities if e.kind == "person" and sur in map(_fold, e.name.split())]
            entity = words[0] if len(words) == 1 else self.new(name=cue.name, kind="person", surname=cue.surname)
        entity.absorb(cue)
        entity.positions.append(m.start)
        return entity

    def delegation(self, m: Mention) -> _Entity:
        cue: SpeakerCue = m.evidence
        code = cue.country
        for e in self.entities:  # a body with no country ("the International Council of Nurses") by its name
            if e.kind == "delegation" and e.country == code and (code or _fold(e.name) == _fold(cue.name)):
                break
        else:
            # the document's own name for the country ("Republic of Korea"); an adjective's country by its name
            written = cue.name if cue.form != "adjective" and cue.name[:1].isupper() else ""
            common = _country_name(code)
            name = written or common or cue.name
            if written and common and not set(_words(common)) <= set(_words(written)):
                name = f"{common} ({written})"  # "France (French Republic)": findable by either name
            e = self.new(name=name, kind="delegation", country=code, organisation=cue.behalf)
        e.positions.append(m.start)
        return e

    def office(self, cue: SpeakerCue, chair: _Entity | None) -> _Entity:
        if cue.presides and chair is not None:
            return chair
        for e in self.entities:
            if e.kind == "chair" and e.role == cue.office:
                return e
        # "Ambassador X, ..., Chairperson of the Permanent Council" then "The Chairperson presented";
        # "Ms X, President of the Conference" then "The Chair said"
        holders = [e for e in self.entities if e.kind == "person" and _holds(e.role, cue.office)] or \
            [e for e in self.entities if e.kind == "person" and cue.presides and e.presides]
        if len(holders) == 1:
            return holders[0]
        return self.new(name=cue.office, kind="chair", role=cue.office, presides=cue.presides)

    def last_before(self, people: list[_Entity], at: int) -> _Entity:
        return max(people, key=lambda p: max(q for q in p.positions if q < at))


def _country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return (getattr(c, "common_name", None) or c.name) if c else ""


def _territory(code: str) -> str:
    """The code itself when it names a country or the EU, else ''."""
    return code if code == "EU" or pycountry.countries.get(alpha_2=code) is not None else ""


def _speakers(mentions: list[Mention], floor: dict[tuple[int, int], Floor],
              host: str) -> tuple[_Speakers, dict[int, _Entity | None]]:
    """Resolve every SPEAKER mention to an entity (None for collectives); mark who spoke."""
    reg = _Speakers()
    resolved: dict[int, _Entity | None] = {}
    speakers = [(i, m) for i, m in enumerate(mentions) if m.label == Label.SPEAKER]
    persons_at = {m.start for _, m in speakers if m.evidence.kind == "person"}
    declared = {m.evidence.declares: m.evidence for _, m in speakers
                if m.evidence.kind == "chair-declared" and m.evidence.declares in persons_at}
    resumed_at = next((c.declares for c in declared.values() if c.resumed), -1)  # held the Chair before
    chair: _Entity | None = None
    voices: dict[str, _Entity] = {}  # an office and the person who last spoke for it
    for i, m in speakers:
        cue: SpeakerCue = m.evidence
        decision = floor.get((m.start, m.end))
        spoke = decision is not None and decision.spoke
        if cue.kind == "person":
            e = reg.person(m)
            if m.start == resumed_at:
                _merge_office(reg, resolved, e)
            if m.start in declared:
                office = declared[m.start]
                e.role = e.role or ("Chair" if office.presides else office.office)
                if office.presides:
                    chair = e
            if cue.office:
                voices[cue.office] = e
        elif cue.kind == "delegation":
            # "The Spanish minister said", "The Under-Secretary of Mexico took the floor again": the
            # person from that country (with that title) who spoke last, when there is one
            people = [p for p in reg.entities if p.kind == "person" and p.country == cue.country
                      and p.positions and min(p.positions) < m.start and cue.title in p.role.lower()] \
                if cue.form == "adjective" or cue.title else []
            e = reg.last_before(people, m.start) if people else reg.delegation(m)
            if people:
                e.positions.append(m.start)
                spoke = spoke and decision.opens_turn
        elif cue.kind == "chair" and cue.represented_by >= 0:
            continue
        elif cue.kind == "chair" and cue.office in voices:  # "The Secretariat informed": its last voice
            e = voices[cue.office]
            e.positions.append(m.start)
        elif cue.kind == "chair":
            e = reg.office(cue, chair)
        elif cue.kind == "role-ref":  # "the Minister": the last person introduced with that title
            role = cue.role.lower()
            titled = [e for e in reg.entities if e.kind == "person" and e.positions and min(e.positions) < m.start
                      and (e.leads if cue.leads else role in e.role.lower() or role in e.titles)]
            if not titled:
                continue
            e = reg.last_before(titled, m.start)
            e.positions.append(m.start)
            spoke = False
        elif cue.kind == "collective":
            resolved[i] = None
            continue
        else:
            continue
        e.spoke = e.spoke or spoke
        resolved[i] = e
    leaders = {e.country for e in reg.entities if e.kind == "person" and e.leads and e.country}
    for e in reg.entities:  # "The Deputy Minister of Justice, Ms X," where one delegation's head was named: its member
        if len(leaders) == 1 and e.kind == "person" and not e.country and e.national:
            e.country = next(iter(leaders))
    for e in reg.entities:  # "HOUSE OF LORDS", "UNHCR" in the heading: whom members with no country speak for
        if host and e.kind == "person" and not e.country:
            e.country = host
    # "Delegates from Japan ... welcomed" where Mr TAKEMURA (Japan) speaks: one speaker, the person
    for e in [e for e in reg.entities if e.kind == "delegation" and e.spoke]:
        people = [p for p in reg.entities if p.kind == "person" and p.spoke and p.country == e.country]
        if len(people) == 1:
            e.spoke = False
            for i, who in resolved.items():
                if who is e:
                    resolved[i] = people[0]
    return reg, resolved


def _merge_office(reg: _Speakers, resolved: dict[int, _Entity | None], person: _Entity) -> None:
    """The unnamed chair whose turns came before a person resumed the Chair was that person."""
    for office in [e for e in reg.entities if e.kind == "chair" and e.presides]:
        person.spoke = person.spoke or office.spoke
        person.positions.extend(office.positions)
        office.spoke = False
        for i, who in resolved.items():
            if who is office:
                resolved[i] = person


def _statements(document: Document, mentions: list[Mention], floor: dict[tuple[int, int], Floor],
                resolved: dict[int, _Entity | None]) -> list[tuple[int, int, _Entity | None]]:
    """(start, end, speaker) turns: blocks split where a turn opens."""
    opens = sorted(((floor[(m.start, m.end)].turn_start, resolved[i]) for i, m in enumerate(mentions)
                    if i in resolved and (m.start, m.end) in floor and floor[(m.start, m.end)].opens_turn),
                   key=lambda t: t[0])
    turns: list[tuple[int, int, _Entity | None]] = []
    current: _Entity | None = None
    fi = 0
    for block in document.blocks:
        if block.kind in ("heading", "footnote"):  # nobody says a heading or a note
            if block.kind == "heading":
                current = None  # a new section: the turn is over
            while fi < len(opens) and opens[fi][0] < block.end:
                fi += 1
            continue
        cuts: list[tuple[int, _Entity | None]] = []
        while fi < len(opens) and opens[fi][0] < block.end:
            start, who = opens[fi]
            if not cuts or cuts[-1][0] != max(start, block.start):
                cuts.append((max(start, block.start), who))
            fi += 1
        pos = block.start
        for start, who in cuts:
            if start > pos:
                turns.append((pos, start, current))
            pos, current = start, who
        turns.append((pos, block.end, current))
    return list(_trim(document.text, turns))


def _trim(text: str, turns):
    for s, e, who in turns:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e, who


def link(document: Document, recognition: Recognition) -> Extraction:
    """Build the linked records of one document from what was recognised in it."""
    mentions = list(recognition.mentions)
    floor = {(f.start, f.end): f for f in recognition.floor}
    reg, resolved = _speakers(mentions, floor, recognition.host)
    turns = _statements(document, mentions, floor, resolved)
    for _, _, who in turns:
        if who is not None:
            who.spoke = True
    statements: list[Statement] = []
    starts: list[int] = []
    for n, (s, e, who) in enumerate(turns, start=1):
        page, _ = document.locate(s, e)
        statements.append(Statement(f"st{n}", who.speaker_id if who else "", page, s, e, document.text[s:e]))
        starts.append(s)

    def statement_at(offset: int) -> Statement | None:
        i = bisect.bisect_right(starts, offset)
        st = statements[i - 1] if i else None
        return st if st is not None and offset < st.end else None

    entities = {e.speaker_id: e for e in reg.entities}
    spoken = [e for e in reg.entities if e.spoke]
    speakers = tuple(Speaker(e.speaker_id, e.name, e.role, e.organisation, e.country, e.kind) for e in spoken)
    spoken_ids = {e.speaker_id for e in spoken}

    links: dict[int, tuple[str, str]] = {}
    for i, m in enumerate(mentions):
        st = statement_at(m.start)
        who = resolved.get(i)
        if m.label == Label.SPEAKER and who is not None and who.speaker_id in spoken_ids:
            speaker_id = who.speaker_id
        else:
            speaker_id = st.speaker_id if st else ""
        links[i] = (speaker_id, st.statement_id if st else "")

    def speaker_country(statement: Statement | None) -> str:
        if statement is None or not statement.speaker_id:
            return ""
        return entities[statement.speaker_id].country

    countries = _countries(mentions, speakers)
    programmes = _programmes(mentions, statement_at, speaker_country, links)
    figures = _figures(mentions, statement_at, speaker_country, links)
    kept, kept_links = _audit_mentions(mentions, resolved, links)
    return Extraction(speakers, tuple(statements), countries, programmes, figures, kept, kept_links,
                      recognition.date, recognition.floor)


def _audit_mentions(mentions: list[Mention], resolved: dict[int, _Entity | None],
                    links: dict[int, tuple[str, str]]) -> tuple[tuple[Mention, ...], dict[int, tuple[str, str]]]:
    """The mentions as the tables show them: a speaker mention's value is the speaker it was
    resolved to ('Mr DUMONT' -> 'Jean-Christophe DUMONT'); cues that name nobody ('Moderator:',
    'Delegations') are left out."""
    kept: list[Mention] = []
    kept_links: dict[int, tuple[str, str]] = {}
    for i, m in enumerate(mentions):
        if m.label == Label.SPEAKER:
            kind = m.evidence.kind
            if kind in ("chair-declared", "collective", "house", "host") or \
                    (kind == "role-ref" and resolved.get(i) is None):
                continue
            who = resolved.get(i)
            if who is not None:
                m = replace(m, value=who.name)
        kept_links[len(kept)] = links[i]
        kept.append(m)
    return tuple(kept), kept_links


def _countries(mentions: list[Mention], speakers: tuple[Speaker, ...]) -> tuple[Country, ...]:
    counts = Counter(m.value for m in mentions if m.label == Label.COUNTRY)
    delegations = {s.country for s in speakers}
    out = []
    # a speaker's code names a country only when the text names it too: "AU" for the African Union
    # is not Australia
    for code in sorted(counts):
        name = _country_name(code)
        if not name:
            continue  # EU, OECD...: bodies, not countries
        out.append(Country(code, name, "delegation" if code in delegations else "mentioned", counts.get(code, 0)))
    return tuple(out)


def _programmes(mentions, statement_at, speaker_country, links) -> tuple[Programme, ...]:
    """One row per programme: its mentions grouped by name (or acronym); a name without an
    acronym that two countries' speakers introduce as their own ("a new Integration Act") is one
    programme each."""
    groups: dict[tuple[str, str], list[tuple[int, Mention, str]]] = defaultdict(list)
    # names that share an acronym are one programme, under the first name seen
    by_acronym: dict[str, str] = {}
    alias: dict[str, str] = {}
    named_home: dict[str, str] = {}
    for m in mentions:
        if m.label != Label.PROGRAMME:
            continue
        cue: ProgrammeCue = m.evidence
        acr = cue.acronym.split()[0].rstrip("+") if cue.acronym else ""
        key = alias.get(cue.key, cue.key)
        if acr:
            key = by_acronym.setdefault(acr, key)
        alias.setdefault(cue.key, key)
    for i, m in enumerate(mentions):
        if m.label != Label.PROGRAMME:
            continue
        key = alias[m.evidence.key]
        # whose it is: its name says so, or a possessive ("Slovenia for its plan"), else the speaker's
        # country (a speaker for an organisation, "UN", "OECD", says nothing of whose it is)
        country = m.evidence.home or m.evidence.owner or _territory(speaker_country(statement_at(m.start)))
        if m.evidence.home:
            named_home.setdefault(key, country)  # the name says whose it is
        has_acronym = key in by_acronym.values()
        groups[(key, "" if has_acronym else country)].append((i, m, country))
    for key, country in list(groups):
        homes = [k for k in groups if k[0] == key and k[1]]
        home = (key, named_home[key]) if (key, named_home.get(key)) in groups else \
            homes[0] if len(homes) == 1 and not country else None
        if home and home != (key, country):  # "the Child Guarantee" in Spain's turn is the European one
            groups[home].extend(groups.pop((key, country)))
            groups[home].sort(key=lambda t: t[1].start)
    for key, country in sorted(groups, key=lambda k: groups[k][0][1].start):
        # "Mexico welcomed Law No. 1173" after Bolivia presented it: the law named before, unless the speaker
        # introduces one of their own ("Norway has introduced a new Integration Act") or says whose it is
        first = min((k for k in groups if k[0] == key), key=lambda k: groups[k][0][1].start)
        items = groups.get((key, country), [])
        if first != (key, country) and items and not any(
                m.evidence.introduced or m.evidence.home or m.evidence.owner for _, m, _ in items):
            groups[first].extend(groups.pop((key, country)))
            groups[first].sort(key=lambda t: t[1].start)
    for key, country in list(groups):  # "the Ajira platform" is the "Ajira Digital Programme"
        longer = [k for k in groups if k[1] == country and len(key.split()) == 1 and len(key) >= 4
                  and k[0] != key and key in k[0].split()]
        if len(longer) == 1:
            groups[longer[0]].extend(groups.pop((key, country)))
            groups[longer[0]].sort(key=lambda t: t[1].start)
    out = []
    for n, ((key, _), items) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0][1].start), start=1):
        name = _display_name([m for _, m, _ in items])
        acronym = next((m.evidence.acronym for _, m, _ in items if m.evidence.acronym), "")
        if acronym and name.endswith(f"({acronym})"):
            name = name[: -len(acronym) - 2].strip()
        countries = Counter([named_home[key]] * len(items) if key in named_home else (c for _, _, c in items if c))
        first_speaker = next((links[i][0] for i, _, _ in items if links[i][0]), "")
        out.append(Programme(f"pr{n}", name, acronym, countries.most_common(1)[0][0] if countries else "",
                             first_speaker, len(items)))
    return tuple(out)


def _display_name(found: list[Mention]) -> str:
    """The name a programme is shown by: its first proper name ('Public Employment Integration
    Service', 'AGIR programme'), else the first name it was given."""
    def proper(v: str) -> bool:
        words = [w for w in v.split() if w[:1].isalpha()]
        return bool(words) and sum(w[:1].isupper() for w in words) * 2 >= len(words)

    named = [m for m in found if m.rule != "programme.acronym-mention"] or found
    return next((m.value for m in named if proper(m.value)), named[0].value)


def _figures(mentions, statement_at, speaker_country, links) -> tuple[Figure, ...]:
    out = []
    for i, m in enumerate(mentions):
        if m.label != Label.FIGURE:
            continue
        cue: FigureCue = m.evidence
        home = speaker_country(statement_at(m.start))
        unit = dict(cue.unit_by_country).get(home, cue.unit)  # "$" said by an Australian is AUD
        country = cue.country_named or (home if len(home) == 2 else "")
        said_by = "" if cue.in_vote else links[i][0]  # a vote's counts are the record's
        out.append(Figure(f"fg{len(out) + 1}", m.text, float(m.value), unit, cue.measures,
                          said_by, links[i][1], country, m.page, m.start, m.end, cue.value_min, cue.kind))
    return tuple(out)
