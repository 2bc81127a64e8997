"""Link: mentions become speakers, statements, countries, programmes and figures.

- Speakers: a person's mentions meet under one speaker by surname and first name; a bare
  "Mr DUMONT" goes to the DUMONT who spoke most recently, so namesakes stay apart. A
  delegation is a speaker named after its country; "The Chairman" is the person declared
  chair ("Chairman: Mr. X") when there is one.
- Statements: each paragraph belongs to whoever holds the floor. A sentence whose subject
  takes the floor opens a new statement; a paragraph without one continues the previous
  speaker's turn ("She concluded ..."); a heading closes the turn.
- Every figure, programme and country mention is linked to its statement and speaker.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Callable

import pycountry

from .data import (Country, Document, Extraction, Figure, FigureCue, Label, Mention, Programme,
                   ProgrammeCue, Speaker,
                   Statement)


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
    gender: str = ""  # from an honorific: "m", "f" or unknown
    titles: set[str] = field(default_factory=set)  # honorifics that are titles: "Commissioner", "Minister"
    positions: list[int] = field(default_factory=list)

    def absorb(self, attrs: dict) -> None:
        if attrs.get("first") and len(attrs["first"]) > len(self.first):
            self.first = attrs["first"]
            self.name = attrs.get("name", self.name)
        for key in ("role", "organisation"):
            if attrs.get(key) and not getattr(self, key):
                setattr(self, key, attrs[key])
        self.gender = self.gender or attrs.get("gender", "")
        if attrs.get("honorific"):
            self.titles.add(attrs["honorific"].lower())
        if attrs.get("country") and (not self.country or attrs.get("intro")):
            self.country = attrs["country"]  # an introduction ("X, Minister (France)") has the last word


def _fold(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.casefold().replace("’", "'"))


class _Speakers:
    """The speaker registry of one document."""

    def __init__(self) -> None:
        self.entities: list[_Entity] = []

    def new(self, **kwargs) -> _Entity:
        e = _Entity(speaker_id=f"sp{len(self.entities) + 1}", **kwargs)
        self.entities.append(e)
        return e

    def person(self, m: Mention) -> _Entity:
        a = m.attrs
        sur, first = _fold(a["surname"]), _fold(a.get("first", ""))
        same = [e for e in self.entities if e.kind == "person" and _fold(e.surname) == sur]
        if a.get("gender") and len(same) > 1:  # "Ms Martin": not the namesake known as "Mr"
            same = [e for e in same if e.gender == a["gender"]] or \
                [e for e in same if not e.gender] or same
        # "Mr. Ortiz Benavente" after "Rafael Ortiz Benavente": the end of a longer name is that person
        whole = _fold(a.get("name", ""))
        longer = [e for e in self.entities if e.kind == "person" and len(e.name.split()) > len(a["name"].split()) > 1
                  and _fold(e.name).endswith(whole)] if not same and whole else []
        if len(longer) == 1:
            entity = longer[0]
        elif first:
            exact = [e for e in same if _fold(e.first) == first or not e.first
                     or len(first) > 2 and _fold(e.first).endswith(first)
                     or _fold(e.first).startswith(first[:1]) and len(a["first"]) <= 2]
            entity = exact[-1] if exact else self.new(name=a["name"], kind="person", first=a["first"],
                                                       surname=a["surname"])
        elif same:  # "Mr DUMONT": the DUMONT seen most recently before this point
            before = [e for e in same if e.positions and min(e.positions) < m.start]
            org = _fold(a.get("organisation", ""))
            by_org = [e for e in same if org and _fold(e.organisation) == org]
            entity = by_org[0] if len(by_org) == 1 else \
                max(before or same, key=lambda e: max([p for p in e.positions if p < m.start] or [-1]))
            if by_org:  # "Mr Martin (Department for Education)": the namesake of that organisation
                a = {k: v for k, v in a.items() if k not in ("organisation", "country", "role")}
        else:
            # "Ms. Nguyen" after "Ms. Nguyen Thi Lan": a family name written first
            words = [e for e in self.entities if e.kind == "person" and sur in map(_fold, e.name.split())]
            entity = words[0] if len(words) == 1 else self.new(name=a["name"], kind="person", surname=a["surname"])
        entity.absorb(a)
        entity.positions.append(m.start)
        return entity

    def delegation(self, m: Mention) -> _Entity:
        code = m.attrs["country"]
        for e in self.entities:  # a body with no country ("the International Council of Nurses") by its name
            if e.kind == "delegation" and e.country == code and (code or _fold(e.name) == _fold(m.attrs["name"])):
                break
        else:
            # the document's own name for the country ("Republic of Korea"); an adjective's country by its name
            written = m.attrs["name"] if m.attrs.get("form") != "adjective" and m.attrs["name"][:1].isupper() else ""
            common = _country_name(code)
            name = written or common or m.attrs["name"]
            if written and common and not set(re.findall(r"\w+", common.casefold())) \
                    <= set(re.findall(r"\w+", written.casefold())):
                name = f"{common} ({written})"  # "France (French Republic)": findable by either name
            e = self.new(name=name, kind="delegation", country=code, organisation=m.attrs.get("behalf", ""))
        e.positions.append(m.start)
        return e

    def office(self, office: str, chair: _Entity | None) -> _Entity:
        if chair is not None:
            return chair
        for e in self.entities:
            if e.kind == "chair" and e.role == office:
                return e
        # "Ambassador X, ..., Chairperson of the Permanent Council" then "The Chairperson presented"
        holders = [e for e in self.entities if e.kind == "person"
                   and re.search(rf"(?<![\w-]){re.escape(office)}\b", e.role, re.I)]
        if len(holders) == 1:
            return holders[0]
        return self.new(name=office, kind="chair", role=office)


HEADING = 600  # characters at the start of a document where its title and heading stand
VOTE = re.compile(r"\b(?:adopted|approved|rejected|carried|defeated)\s(?:\w+\s)?by\s\d+\s(?:votes?|in\sfavour)\b", re.I)
TRANSCRIPT_TURNS = 5  # labelled turns ("Ms Thorne: ...") that make a document a transcript

MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), start=1)}
DATE = re.compile(r"\b(?:(\d{1,2})(?:st|nd|rd|th)?(?:\s*(?:and|-|–)\s*\d{1,2})?\s+(%s)\s+(\d{4})|(%s)\s+(\d{1,2}),?\s+(\d{4}))\b"
                  % ("|".join(MONTHS), "|".join(MONTHS)), re.I)


def meeting_date(text: str) -> str:
    """The meeting's date as YYYY-MM-DD: the first full date of the opening text, preferring
    one introduced as the meeting's ('meeting of 5 April 1995', 'held on ...')."""
    head = text[:3000]
    found = list(DATE.finditer(head))
    if not found:
        return ""
    preferred = [m for m in found if re.search(r"(meeting|held|sitting|session)\b[^.]{0,30}$", head[:m.start()], re.I)]
    m = (preferred or found)[0]
    day, month, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(4), m.group(6))
    return f"{int(year):04d}-{MONTHS[month.lower()]:02d}-{int(day):02d}"


def _territory(code: str) -> str:
    """The code itself when it names a country or the EU, else ''."""
    return code if code == "EU" or pycountry.countries.get(alpha_2=code) is not None else ""


def _country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return (getattr(c, "common_name", None) or c.name) if c else ""


def _speakers(mentions: list[Mention]) -> tuple[_Speakers, dict[int, _Entity | None]]:
    """Resolve every SPEAKER mention to an entity (None for collectives)."""
    reg = _Speakers()
    resolved: dict[int, _Entity | None] = {}
    speakers = [m for m in mentions if m.label == Label.SPEAKER]
    persons_at = {m.start: m for m in speakers if m.attrs.get("kind") == "person"}
    chair: _Entity | None = None
    declared_offices: dict[int, str] = {}
    head_spoke = False
    voices: dict[str, _Entity] = {}  # an office and the person who last spoke for it
    resumed_at = -1  # "Deputy X resumed the Chair": X held it before being named
    for m in speakers:
        if m.attrs.get("kind") == "chair-declared" and m.attrs["person_start"] in persons_at:
            declared_offices[m.attrs["person_start"]] = m.attrs["office"]
            if m.attrs.get("resumed") and resumed_at < 0:
                resumed_at = m.attrs["person_start"]
    for i, m in enumerate(mentions):
        if m.label != Label.SPEAKER:
            continue
        kind = m.attrs.get("kind")
        if kind == "person":
            e = reg.person(m)
            if m.start == resumed_at:
                _merge_office(reg, resolved, e)
            if m.start in declared_offices:
                office = declared_offices[m.start]
                chairs = bool(re.search(r"chair|presid", office, re.I)) and not re.match(r"vice|deputy", office, re.I)
                e.role = e.role or ("Chair" if chairs else office)
                e.spoke = e.spoke or not m.attrs.get("absent")  # chairing is speaking, unless not there
                if chairs:
                    chair = e
            governed = m.attrs.get("governed")
            if m.attrs.get("speaks_for"):
                voices[m.attrs["speaks_for"]] = e
            if m.attrs.get("floor") or m.attrs.get("took_floor") or (m.attrs.get("intro") and governed in (None, "by")
                                        and not m.attrs.get("listed") and not m.attrs.get("absent")):
                e.spoke = True
            resolved[i] = e
        elif kind == "delegation":
            # "The Spanish minister said", "The Under-Secretary of Mexico took the floor again": the
            # person from that country (with that title) who spoke last, when there is one
            title = m.attrs.get("title", "")
            people = [p for p in reg.entities if p.kind == "person" and p.country == m.attrs["country"]
                      and p.positions and min(p.positions) < m.start and title in p.role.lower()] \
                if m.attrs.get("form") == "adjective" or title else []
            if people:
                e = max(people, key=lambda p: max(q for q in p.positions if q < m.start))
                e.positions.append(m.start)
                e.spoke = e.spoke or bool(m.attrs.get("floor"))
                resolved[i] = e
                continue
            e = reg.delegation(m)
            co_subject = not m.attrs.get("floor_candidate", True)  # "Germany, Austria and Hungary called for"
            if m.attrs.get("represented"):  # "The delegate from Chile (Ms ROJAS)": she speaks
                speaks = False
            elif m.attrs.get("follows_head"):  # "The representatives of Cuba and Peru": as Cuba does
                speaks = head_spoke
            else:
                speaks = bool(m.attrs.get("floor") or co_subject or (m.attrs.get("opens") and m.attrs.get("form")
                                                                     not in ("subject", "adjective")))
                head_spoke = speaks  # "He thanked the representative of Peru": Peru did not speak
            e.spoke = e.spoke or speaks
            resolved[i] = e
        elif kind == "chair" and m.attrs.get("represented"):
            continue
        elif kind == "chair" and m.attrs["office"] in voices:  # "The Secretariat informed": its last voice
            e = voices[m.attrs["office"]]
            e.positions.append(m.start)
            e.spoke = e.spoke or bool(m.attrs.get("floor"))
            resolved[i] = e
        elif kind == "chair":
            office = m.attrs["office"]
            is_chair = office.lower().startswith(("chair", "president", "vice-chair", "co-chair"))
            e = reg.office(office, chair if is_chair else None)
            e.spoke = e.spoke or bool(m.attrs.get("floor"))
            resolved[i] = e
        elif kind == "role-ref":  # "the Minister": the last person introduced with that title
            role = m.attrs["role"].lower()
            titled = [e for e in reg.entities if e.kind == "person" and (role in e.role.lower() or role in e.titles)
                      and e.positions and min(e.positions) < m.start]
            if titled:
                e = max(titled, key=lambda e: max(p for p in e.positions if p < m.start))
                e.positions.append(m.start)
                resolved[i] = e
        elif kind == "collective":
            resolved[i] = None
    # "HOUSE OF LORDS" in the heading: a member with no other country sits in that parliament
    house = _house(mentions)
    union = any(m.attrs.get("country") == "EU" for m in speakers)  # an EU body or official takes part
    for e in reg.entities:
        if house and e.kind == "person" and not e.country:
            e.country = house
        if union and e.kind == "person" and not e.country and "commissioner" in e.titles | {e.role.lower()}:
            e.country = "EU"  # "Commissioner Schmit" where the European Commission takes part
    # "Delegates from Japan ... welcomed" where Mr TAKEMURA (Japan) speaks: one speaker, the person
    for e in [e for e in reg.entities if e.kind == "delegation" and e.spoke]:
        people = [p for p in reg.entities if p.kind == "person" and p.spoke and p.country == e.country]
        if len(people) == 1:
            e.spoke = False
            for i, who in resolved.items():
                if who is e:
                    resolved[i] = people[0]
    return reg, resolved


def _house(mentions: list[Mention]) -> str:
    """Whom the heading makes a speaker with no country speak for: the country whose parliament
    it names ('HOUSE OF LORDS', or 'SENATE' beside the one country it names), else the
    international organisation it names ('UNHCR': its officials, its committee's members)."""
    heading = [m for m in mentions if m.start < HEADING]
    houses = [m.attrs["country"] for m in heading if m.attrs.get("kind") == "house"]
    if not houses:
        return next((m.attrs["country"] for m in heading if m.attrs.get("kind") == "host"), "")
    if any(houses):
        return next(filter(None, houses))
    named = {m.value for m in heading if m.label == Label.COUNTRY}
    return named.pop() if len(named) == 1 else ""


def _labels_only(mentions: list[Mention]) -> list[Mention]:
    """In a transcript ("Senator DRUMMOND: ...") only the labels give the floor: "the Fair
    Work Ombudsman recovered $1.3 million" inside a turn is the speaker talking about someone."""
    floors = [m for m in mentions if m.attrs.get("floor")]
    labels = sum(1 for m in floors if m.attrs.get("turn"))
    if labels < TRANSCRIPT_TURNS or labels * 2 < len(floors):
        return mentions
    return [replace(m, attrs={k: v for k, v in m.attrs.items() if k != "floor"})
            if m.attrs.get("floor") and not m.attrs.get("turn") else m for m in mentions]


def _merge_office(reg: _Speakers, resolved: dict[int, _Entity | None], person: _Entity) -> None:
    """The unnamed chair whose turns came before a person resumed the Chair was that person."""
    for office in [e for e in reg.entities if e.kind == "chair" and e.name.lower().startswith("chair")]:
        person.spoke = person.spoke or office.spoke
        person.positions.extend(office.positions)
        office.spoke = False
        for i, who in resolved.items():
            if who is office:
                resolved[i] = person


def _statements(document: Document, mentions: list[Mention],
                resolved: dict[int, _Entity | None]) -> list[tuple[int, int, _Entity | None]]:
    """(start, end, speaker) turns: blocks split where a sentence's subject takes the floor."""
    floor = sorted(((m.attrs["sentence_start"], resolved[i]) for i, m in enumerate(mentions)
                    if i in resolved and m.attrs.get("floor")), key=lambda t: t[0])
    turns: list[tuple[int, int, _Entity | None]] = []
    current: _Entity | None = None
    fi = 0
    for block in document.blocks:
        if block.kind in ("heading", "footnote"):  # nobody says a heading or a note
            if block.kind == "heading":
                current = None  # a new section: the turn is over
            while fi < len(floor) and floor[fi][0] < block.end:
                fi += 1
            continue
        cuts: list[tuple[int, _Entity | None]] = []
        while fi < len(floor) and floor[fi][0] < block.end:
            start, who = floor[fi]
            if not re.search(r"[^\W\d_]", document.text[block.start:start]):
                start = block.start  # only a paragraph number before it: "2. Mr. Tanaka said"
            if not cuts or cuts[-1][0] != max(start, block.start):
                cuts.append((max(start, block.start), who))
            fi += 1
        pos = block.start
        for start, who in cuts:
            if start > pos:
                turns.append((pos, start, current))
            pos, current = start, who
        turns.append((pos, block.end, current))
    return [(s, e, who) for s, e, who in _trim(document.text, turns)]


def _trim(text: str, turns):
    for s, e, who in turns:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e, who


def link(document: Document, mentions: list[Mention]) -> Extraction:
    """Build the linked records of one document from its mentions."""
    mentions = _labels_only([m for m in mentions if m.attrs.get("kind") != "host" or m.start < HEADING])
    reg, resolved = _speakers(mentions)
    turns = _statements(document, mentions, resolved)
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
                      meeting_date(document.text))


def _audit_mentions(mentions: list[Mention], resolved: dict[int, _Entity | None],
                    links: dict[int, tuple[str, str]]) -> tuple[tuple[Mention, ...], dict[int, tuple[str, str]]]:
    """The mentions as the tables show them: a speaker mention's value is the speaker it was
    resolved to ('Mr DUMONT' -> 'Jean-Christophe DUMONT'); cues that name nobody ('Moderator:',
    'Delegations') are left out."""
    kept: list[Mention] = []
    kept_links: dict[int, tuple[str, str]] = {}
    for i, m in enumerate(mentions):
        if m.label == Label.SPEAKER:
            if m.attrs.get("kind") in ("chair-declared", "collective") or \
                    (m.attrs.get("kind") == "role-ref" and resolved.get(i) is None):
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
    acronym that two countries' speakers use ("Integration Act") is one programme each."""
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
        # a speaker for an organisation ("UN", "OECD") says nothing of whose programme it is
        country = m.evidence.home or _territory(speaker_country(statement_at(m.start)))
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
                          said_by, links[i][1], country, m.page, m.start, m.end, cue.value_min))
    return tuple(out)


def _sentence(text: str, offset: int) -> tuple[int, int]:
    start = max(text.rfind(". ", 0, offset), text.rfind("\n", 0, offset)) + 1
    end_m = re.search(r"\.(\s|$)|\n", text[offset:])
    return start, offset + (end_m.start() if end_m else len(text) - offset)
