"""Speakers: everyone who takes the floor, in the forms meeting summaries use.

- "Firstname SURNAME, role, ministry (Country)" and later "Mr/Ms/Dr SURNAME";
- "Mr. Firstname Surname (Country)", "Jane Doe, Minister of ...", "Jane Doe said";
- "The representative(s) of X [and Y]", "the Australian representative", "The United States said";
- chairs and moderators: "Chairman: Mr. X (Country)", "The Chairman said", "Moderator: X";
- "The following spoke: Name, on behalf of the X Group, ...".

Each mention carries what the text says beside it (``attrs``): first name, surname, role,
organisation, country, kind (``person``, ``delegation``, ``chair``, ``collective``) and
``floor``: whether the mention is the subject that holds the floor in its sentence.
Country codes come from the country recogniser, which must run first.
"""
from __future__ import annotations

import re
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from ..data import Label, Mention
from .common import DataComponent, mentions_of, read_tsv, read_words, without_overlaps

LISTED_WITHIN = 300  # characters from a participant list's "Country:" label to the last person under it
# heads that name one person of a delegation: "the Under-Secretary of Mexico took the floor again"
PERSON_TITLES = {"ambassador", "minister", "vice-minister", "deputy minister", "under-secretary", "secretary"}
LIST_LABEL = re.compile(r"\s*(?:\([^()]{1,20}\))?\s*:")  # after a country: "Estonia (guest):"
UP = "".join(chr(c) for c in range(0x41, 0x250) if chr(c).isupper() and chr(c).isalpha())
LO = "".join(chr(c) for c in range(0x61, 0x250) if chr(c).islower() and chr(c).isalpha())
PARTICLE = (r"(?:[dD]['’]|[Dd]e\s|[Dd]e\sla\s|[Vv]an\s(?:[Dd]e[rn]?\s)?|[Vv]on\s|[Dd]a\s|[Dd]i\s|[Dd]el\s|[Dd]os\s"
            r"|[Ll]e\s|[Aa]l-|[Ee]l-|[Ee]l\s|[Aa]l\s|[Bb]en\s|[Aa]bu\s|O['’]|Ó\s|Ní\s|Nic\s|Mac\s|[Tt]er\s"
            r"|bin\s|binti\s)")
# the words of a particle, which belong to the surname: "Youssef El Amrani", "Cathal Ó BRIAIN"
PARTICLE_WORDS = {"d'", "de", "la", "van", "der", "den", "von", "da", "di", "del", "dos", "le", "el", "al", "ben",
                  "abu", "ó", "ní", "nic", "mac", "ter", "bin", "binti"}
CAPS = rf"{PARTICLE}?[{UP}][{UP}'’]+(?:-[{UP}][{UP}'’]+)*(?![{LO}])"
TITLE = rf"(?:{PARTICLE})?(?:Ma?c)?[{UP}][{LO}]+(?:[-'’][{UP}]?[{LO}]+)*"  # "McAllister", "MacLennan"
INITIAL = rf"[{UP}]\.(?:-?[{UP}]\.)?"
FIRST = rf"(?:{TITLE}|{INITIAL})"
SPACE = r"[^\S\n]"  # within a line: a name never runs on past a line's end ("... Minister.\nMs Thorne:")


def is_abbreviation(honorific: str) -> bool:
    """'Hon.', 'Dr.', 'H.E.': a full stop after them ends no sentence; after 'Minister.' it does."""
    return len(honorific.rstrip(".")) <= 4


class SpeakerRecogniser(DataComponent):
    files = ("honorifics.txt", "territorial_titles.txt", "speaker_list_labels.txt", "roles.txt", "speech_verbs.txt",
             "prepositions.txt", "collective.txt", "chairs.txt", "chair_labels.txt", "org_heads.txt", "chambers.txt",
             "organisations.tsv", "not_names.txt", "not_surnames.txt",
             "apposition_ends.txt", "role_refs.txt", "honorific_gender.tsv", "presence_verbs.txt")

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name

    def load(self, path: Path) -> None:
        hon = read_words(path / "honorifics.txt")
        self.roles = {w.lower() for w in read_words(path / "roles.txt")}
        self.honorifics = {h.rstrip(".").lower() for h in hon}
        self.verbs = {w.lower() for w in read_words(path / "speech_verbs.txt")}
        presence = "|".join(re.escape(w).replace("\\ ", r"\s+") for w in
                            sorted(read_words(path / "presence_verbs.txt"), key=len, reverse=True))
        # right after the mention and the countries listed with it: "... and the Republic of Moldova attended"
        self.presence_re = re.compile(rf"(?:\s*\([^()]{{1,40}}\))?(?:[\s,]+(?:and\b|the\b|of\b|[{UP}][\w'’-]*)){{0,8}}"
                                      rf",?\s+"
                                      rf"(?:(?:also|all|both|had|have|has|were|was)\s+){{0,2}}(?:{presence})\b")
        list_labels = "|".join(re.escape(w) for w in sorted(read_words(path / "speaker_list_labels.txt"),
                                                              key=len, reverse=True))
        self.speaker_list = re.compile(rf"(?:^|\n|[.;]\s)(?i:{list_labels})\s?:\s*(?P<list>[^\n]{{5,2000}})")
        self.listed_name = re.compile(rf"(?:^|,\s|\sand\s)(?P<names>{FIRST}(?:\s(?:{TITLE}|{CAPS})){{1,3}})"
                                      rf"(?=(?:\s?\([^()]*\))?(?:,|\sand\s|\.?\s*$))")
        self.territorial = {w.lower() for w in read_words(path / "territorial_titles.txt")}
        self.seat = re.compile(rf"\sof\s{TITLE}(?:[\s-](?:upon|on|in|under|le|{TITLE})){{0,3}}\b")
        self.gender = {r["honorific"].lower(): r["gender"] for r in read_tsv(path / "honorific_gender.tsv")}
        self.prepositions = {w.lower() for w in read_words(path / "prepositions.txt")}
        self.collective = sorted((w.lower() for w in read_words(path / "collective.txt")), key=len, reverse=True)
        self.chairs = read_words(path / "chairs.txt")
        self.org_heads = {w.lower() for w in read_words(path / "org_heads.txt")}
        self.not_names = {w.lower() for w in read_words(path / "not_names.txt")} | self.org_heads
        self.not_surnames = set(read_words(path / "not_surnames.txt"))
        orgs = read_tsv(path / "organisations.tsv")
        self.organisations = {r["name"]: (r["acronym"], r["kind"]) for r in orgs}
        self.org_matcher = PhraseMatcher(self.nlp.vocab)
        self.org_matcher.add("ORG", list(self.nlp.tokenizer.pipe(self.organisations)))
        self.houses = {r["name"].lower(): r["acronym"] for r in orgs if r["kind"] == "national"}
        self.houses.update({w.lower(): "" for w in read_words(path / "chambers.txt")})  # country from the heading
        self.house_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")  # headings are often in capitals
        self.house_matcher.add("HOUSE", list(self.nlp.tokenizer.pipe(self.houses)))
        hon_re = "|".join(re.escape(h.rstrip(".")) for h in sorted(hon, key=len, reverse=True))
        # "MR. HAYASHI (Japan):" in transcripts set in capitals; only with the full stop, as "MS"
        # alone is also "Member States"
        hon_re += "".join(f"|{re.escape(h.rstrip('.').upper())}(?=\\.)" for h in hon
                          if is_abbreviation(h) and not h.isupper() and len(h.rstrip(".")) > 1)
        verbs = "|".join(sorted(self.verbs, key=len, reverse=True))
        self.verb_re = re.compile(rf"\b(?:{verbs})\b")
        ends = "|".join(sorted({w.lower() for w in read_words(path / "apposition_ends.txt")} | self.verbs,
                               key=len, reverse=True))
        self.apposition_stop = re.compile(rf"(?:{ends})\b")
        short_hon = "|".join(re.escape(h.rstrip(".")) for h in sorted(hon, key=len, reverse=True)
                             if is_abbreviation(h))  # an abbreviation's full stop ends no sentence
        self.hon_name = re.compile(  # "H.E. Ms Halima BELLO", "Hon. Cllr. Augustine Flomo": the last honorific
            rf"\b(?:(?:{short_hon})\.?{SPACE}|(?:{hon_re}){SPACE})*(?P<hon>{hon_re})\.?{SPACE}"
            rf"(?P<names>(?:{FIRST}|{CAPS})(?:{SPACE}(?:{FIRST}|{CAPS})){{0,3}})")
        self.caps_name = re.compile(rf"(?<![\w.])(?P<first>{FIRST}(?:\s{FIRST}){{0,2}})\s(?P<sur>{CAPS}(?:\s{CAPS}){{0,2}})\b")
        roles = self.roles_re = "|".join(re.escape(r) for r in sorted(self.roles, key=len, reverse=True))
        self.title_name = re.compile(
            rf"(?<![\w.&-])(?P<names>{TITLE}(?:\s(?:{TITLE}|{INITIAL})){{1,3}})"
            rf"(?=,\s(?:the\s|a\s)?(?i:{roles})\b"
            rf"|\s?\((?P<paren>[^()]{{2,40}})\)(?:,?\s(?:{verbs})\b|,\s(?P<prole>(?:the\s|a\s)?(?i:{roles})\b"
            rf"|speaking\s(?:on\sbehalf\sof|for)\b))"
            rf"|,?\s(?:{verbs})\b|,\son\sbehalf\sof\b|\s\((?:Chair|Chairman|Chairwoman|Chairperson|President)\))")
        self.role_then_name = re.compile(  # "Cabinet Secretary for Labour Florence CHEBET noted"
            rf"(?<![\w-])(?P<role>(?:[{UP}][\w-]*\s)*(?i:{roles})(?:\s(?:of|for|and|the|on|&|[{UP}][\w'’-]*))*?)"
            rf"\s(?P<names>{TITLE}\s(?:{TITLE}|{CAPS}))(?=\s(?:{verbs})\b)")
        self.role_before = re.compile(  # "Australia's Minister for Home Affairs, the Hon. Sarah COLLINS"
            rf"(?:^|\n|[.;:]\s+)(?:[Tt]he\s+)?(?P<owner>[{UP}][\w .-]{{2,30}}['’]s\s+)?"
            rf"(?P<role>(?i:{roles})\b[^,;.()\n]{{0,120}}),\s+(?:the\s+)?$")
        chairs = "|".join(re.escape(c) for c in sorted(self.chairs, key=len, reverse=True))
        self.chair_named = re.compile(  # "The Chair (Lucia Ďuriš Nicholsonová) opened the meeting"
            rf"\b(?:{chairs})\s\((?P<names>{FIRST}(?:\s(?:{TITLE}|{CAPS})){{1,3}})\)")
        # a transcript's turn: "CHAIR:", "The PRESIDENT:", "Acting Chairman (Deputy Tom Brosnan):" opening a line
        turn_office = rf"(?:[Tt]he\s+|THE\s+)?(?:(?i:acting|temporary)\s)?(?i:{chairs})"
        self.chair_turn = re.compile(rf"(?:^|\n)[ \t]*(?P<office>{turn_office})\s?(?:\((?P<inner>[^()\n]{{2,80}})\))?"
                                     rf"\s?:\s+")
        # "The Chairman said"; not "the President's plan"
        self.chair_ref = re.compile(rf"\b[Tt]he\s(?P<office>(?:{chairs}))\b(?![\w-]|['’]s\b)")
        refs = "|".join(re.escape(r) for r in sorted(read_words(path / "role_refs.txt"), key=len, reverse=True))
        self.role_ref = re.compile(rf"\b[Tt]he\s(?P<role>{refs})\b(?![\w-])(?!\s(?:of|for|to)\b)")
        labels = "|".join(re.escape(c) for c in sorted(read_words(path / "chair_labels.txt"), key=len, reverse=True))
        self.chair_decl = re.compile(rf"\b(?P<office>(?i:{labels}))\s?:\s*")
        titles = "|".join(t.replace(" ", r"\s+") for t in sorted(PERSON_TITLES, key=len, reverse=True))
        self.delegation_before = re.compile(
            rf"\b(?P<head>(?i:representatives?|delegates?|delegations?|observers?|spokesperson|{titles}|"
            r"speaker|(?:government|workers?['’]?|employers?['’]?)\s+members?))"
            r"(?:\s+(?:of|for)\s+[A-Z][\w'’-]*(?:,?\s+(?:and\s+|&\s+)?[A-Z][\w'’-]*){0,5}\s+(?:of|for)\s"
            r"|\s+(?:of|for|from|to)?\s*)(?:the\s+)?$")  # "The Government member of Brazil", "Minister of Labour of"
        self.represented_body = re.compile(
            rf"\b(?i:representatives?|observers?|delegates?|spokesperson)\s(?:of|for|from)\s(?:the\s)?"
            rf"(?P<body>[{UP}][\w'’-]*(?:\s(?:of|for|and|on|the|&|[{UP}][\w'’-]*)){{0,8}})")
        self.delegation_after = re.compile(r"^(?:['’]s)?\s+(?P<head>representatives?|delegations?|delegates?|ministers?"
                                           r"|speakers?|ambassadors?)\b")
        self.behalf = re.compile(r"(?:\bspeaking\s)?(?:\bon\sbehalf\sof|\bspeaking\sfor)\s(?:the\s)?"
                                 r"(?P<group>[^,;.]{3,80})")

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc) -> Doc:
        text = doc.text  # a Doc rebuilds its text on every access: read it once
        countries = mentions_of(doc, Label.COUNTRY)
        orgs = self._organisations(doc)
        doc.spans["organisations"] = [doc.char_span(s, e) for s, e, _, _ in orgs if doc.char_span(s, e) is not None]
        people = self._people(text, {c.text for c in countries})
        found: list[Mention] = []
        for start, end, attrs in people:
            found.append(self._person(text, start, end, attrs, people, countries, orgs))
        found.extend(self._delegations(text, countries, orgs))
        for span in filter_spans([doc[s:e] for _, s, e in self.house_matcher(doc)]):  # "HOUSE OF LORDS"
            code = self.houses[span.text.lower()]
            found.append(Mention(Label.SPEAKER, span.text, span.start_char, span.end_char, "speaker:house", 0.6,
                                 value=code, attrs={"kind": "house", "country": code}))
        found.extend(self._chairs(text, people))
        found.extend(self._collectives(doc, text))
        found = without_overlaps(found)
        self._spokespeople(text, found)
        self._mark_floor(doc, text, found)
        # an international organisation named in a heading hosts the meeting: its officials speak for it
        found.extend(Mention(Label.SPEAKER, text[s:e], s, e, "speaker:host", 0.5, value=code,
                             attrs={"kind": "host", "country": code})
                     for s, e, code, kind in orgs if kind == "international"
                     and not any(f.start < e and s < f.end for f in found))
        mentions_of(doc).extend(found)
        return doc

    def _organisations(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        spans = filter_spans([doc[s:e] for _, s, e in self.org_matcher(doc)])
        return [(sp.start_char, sp.end_char, *self.organisations[sp.text]) for sp in spans]

    # ------------------------------------------------------------------ people
    def _people(self, text: str, country_names: set[str]) -> list[tuple[int, int, dict]]:
        """Person names: (start, end, attrs with first, surname, honorific). No word of a
        country's name is part of a person's ('Italian WELCOME' is no one)."""
        out: list[tuple[int, int, dict]] = []
        country_words = {w for name in country_names for w in name.split()}

        def not_a_name(word: str) -> bool:
            return word in country_words or self._not_a_name(word)

        def add(start: int, end: int, attrs: dict) -> None:
            if any(s <= start < e or start <= s < end for s, e, _ in out):
                return
            out.append((start, end, attrs))

        for m in self.hon_name.finditer(text):
            names = m.group("names").split()
            while names and not_a_name(names[-1]) and len(names) > 1:
                names.pop()
            if not names or any(not_a_name(n) for n in names):
                continue
            end = m.start("names") + len(" ".join(names))
            first, sur = self._split_name(names) if len(names) > 1 else ("", names[0])
            seat = self.seat.match(text, end) if m.group("hon").lower() in self.territorial else None
            if seat:  # "Lord Pennington of Ashby": the peer's whole title is the name
                end = seat.end()
                first, sur = "", text[m.start("names"):end]
            add(m.start(), end, {"first": first, "surname": sur, "honorific": m.group("hon"),
                                 "name": text[m.start("names"):end]})
        for m in self.caps_name.finditer(text):
            first = m.group("first").split()
            while first and not_a_name(first[0]):
                first.pop(0)
            words = m.group("sur").split()
            while len(words) > 1 and words[-1] in self.not_surnames:
                words.pop()  # "Owen PRICE MP": a post-nominal, not a name
            surname = " ".join(words)
            if not first or any(not_a_name(f) for f in first) or self._is_acronym(surname) \
                    or len(surname.replace(" ", "")) < 3 or re.fullmatch(r"[IVXLC]+", surname):
                continue  # "Member States MS", "Articles XXIV"
            start = m.end("first") - len(" ".join(first))
            add(start, m.start("sur") + len(surname), {"first": " ".join(first), "surname": surname, "honorific": ""})
        for m in self.title_name.finditer(text):
            names = m.group("names").split()
            if any(not_a_name(n) for n in names) or self._inside_proper_noun(text, m.start()):
                continue
            paren = m.group("paren")
            if paren and not m.group("prole") and not any(w in paren for w in country_names) and \
                    not re.match(r"(?:the\s)?(?i:" + self.roles_re + r")\b", paren):
                continue  # "Labour Market (VIA - ...)": a country or a role in brackets names a person
            first, sur = self._split_name(names)
            add(m.start(), m.end("names"), {"first": first, "surname": sur, "honorific": ""})
        for lm in self.speaker_list.finditer(text):  # "Speakers: Ana Ruiz, Jan Novak (DG EMPL), ..."
            for m in self.listed_name.finditer(lm.group("list")):
                names = m.group("names").split()
                if any(not_a_name(n) for n in names):
                    continue
                first, sur = self._split_name(names)
                at = lm.start("list") + m.start("names")
                add(at, at + len(m.group("names")), {"first": first, "surname": sur, "honorific": "",
                                                     "took_floor": True})
        for m in self.chair_named.finditer(text):
            names = m.group("names").split()
            if not any(not_a_name(n) for n in names):
                first, sur = self._split_name(names)
                add(m.start("names"), m.end("names"), {"first": first, "surname": sur, "honorific": ""})
        for m in self.role_then_name.finditer(text):
            names = m.group("names").split()
            if any(not_a_name(n) for n in names):
                continue
            first, sur = self._split_name(names)
            out[:] = [p for p in out if not (p[0] < m.end("names") and m.start("names") < p[1])]
            add(m.start("names"), m.end("names"), {"first": first, "surname": sur, "honorific": "",
                                                   "role_before": (m.start("role"), m.end("role"))})
        out.sort(key=lambda p: p[0])
        return out

    @staticmethod
    def _inside_proper_noun(text: str, start: int) -> bool:
        """'... Labour and Social Inclusion (Norway)': the words continue a longer name."""
        before = re.search(r"(\S+)\s+$", text[max(0, start - 40):start])
        if not before:
            return False
        word = before.group(1)
        return word.lower() in ("of", "and", "for", "&", "the", "de") or (word[:1].isupper() and not
                                                                          word.endswith((".", ":", ";", ",")))

    @staticmethod
    def _split_name(names: list[str]) -> tuple[str, str]:
        caps = [n for n in names if n.isupper() and len(n) > 1]
        # "Michael Edouard HANDLER", "Lisbeth FRANPLASS ROREN"; else the last word
        i = names.index(caps[0]) if caps else len(names) - 1
        while i > 0 and names[i - 1].lower() in PARTICLE_WORDS:
            i -= 1  # "Youssef El Amrani": the particle goes with the surname
        return " ".join(names[:i]), " ".join(names[i:])

    def _not_a_name(self, word: str) -> bool:
        low = word.lower().strip(".")
        return (low in self.roles or low in self.honorifics or low in self.prepositions
                or low in self.verbs or low in self.not_names or word in self.organisations
                or low.endswith(("'s", "’s")))  # "Ireland's JTF": an owner, not a first name

    def _is_acronym(self, surname: str) -> bool:
        return any(w in self.organisations or w in self.not_surnames for w in surname.split())

    def _person(self, text: str, start: int, end: int, attrs: dict, people, countries, orgs) -> Mention:
        name = text[start:end]
        name_only = attrs.get("name") or name  # without its honorifics
        attrs = dict(attrs, kind="person", name=name_only,
                     gender=self.gender.get(attrs.get("honorific", "").rstrip(".").lower(), ""))
        stop = self._apposition_end(text, end, people)
        if attrs.get("took_floor"):  # one of a list of speakers: only its own bracket describes it
            bracket = re.match(r"\s?\([^()]*\)", text[end:])
            stop = end + (bracket.end() if bracket else 0)
        # the next line of a participant list ("... Ministry of Employment Finland: Ms Z") ends the role
        stop = min([stop] + [c.start for c in countries if end < c.start < stop and LIST_LABEL.match(text, c.end)])
        appo = text[end:stop]
        post = re.match(r"\s([A-Z]{2,4})(?=[,(\s])", appo)  # "Michael Carrington MP, Assistant Minister ..."
        if post and post.group(1) in self.not_surnames:
            appo = appo[post.end():]
        of_country = re.match(r"\s+(?:of|from)\s+(?:the\s+)?", text[end:end + 12])
        if of_country:  # "Mrs Mariel Picado of Costa Rica said"
            home = [c for c in countries if c.start == end + of_country.end()]
            if home:
                attrs = dict(attrs, kind="person", name=name_only, role="", organisation="",
                             country=home[0].value, intro=bool(attrs["first"]))
                return Mention(Label.SPEAKER, name, start, end, "speaker:name-of-country", 0.85,
                               value=name_only, attrs=attrs)
        lead_end = attrs["role_before"][0] if attrs.get("role_before") else start
        window = max(0, lead_end - 60)  # "For Spain, Ms X, Minister ...": the country that opens the sentence
        lead = re.search(r"(?:^|[.;]\s+|\n)(?:(?:Speaking\s)?[Ff]or|(?:Speaking\s)?[Oo]n\sbehalf\sof)\s(?:the\s)?"
                         r"(?P<c>[^,]{3,40}),\s$",
                         text[window:lead_end])
        lead_country = [c.value for c in countries if lead and (c.start, c.end) == (window + lead.start("c"),
                                                                                   window + lead.end("c"))]
        if appo.strip(" ,") and (appo.startswith((",", " (", "(")) or not attrs["first"]):
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
            attrs.update(role=role if appo.startswith(",") else "", organisation=org, country=country)
        else:
            attrs.update(role="", organisation="", country="")
        if lead_country and not attrs["country"]:
            attrs["country"] = lead_country[0]
        if not attrs["country"]:  # "Australia: the Hon. Sarah COLLINS, Minister ...; Mr ..."
            attrs["country"] = self._listed_under(text, start, countries)
        before = self.role_before.search(text, max(0, start - 160), start)
        if before and self.verb_re.search(before.group("role")):
            before = None  # "The Chair noted that the Vice-Chair, Mr X": a clause, not a role
        span = (before.start("role"), before.end("role")) if before else attrs.get("role_before")
        if span and not attrs["role"]:  # "The Minister of Labour of Ghana, Hon. Kofi MENSAH, said"
            attrs["role"] = text[span[0]:span[1]]
            owner = before.start("owner") if before and before.group("owner") else span[0]
            inside = [c for c in countries if owner <= c.start and c.end <= span[1]]
            attrs["country"] = attrs["country"] or (inside[-1].value if inside else "")
        attrs["intro"] = bool(attrs["first"]) and bool(attrs.get("role") or attrs.get("country"))
        return Mention(Label.SPEAKER, name, start, end, "speaker:" + ("honorific" if attrs.get("honorific")
                                                                      else "name"),
                       0.9 if attrs["intro"] else 0.75, value=name_only, attrs=attrs)

    @staticmethod
    def _listed_under(text: str, start: int, countries: list[Mention]) -> str:
        """The country a participant list puts a person under: "Denmark: Mr X, Minister; Mr Y,
        Permanent Secretary Finland: Ms Z" (a list's lines often run together in one paragraph)."""
        colon = text.rfind(":", max(0, start - LISTED_WITHIN), start)
        if colon < 0:
            return ""
        for c in countries:
            if c.end <= colon and LIST_LABEL.fullmatch(text[c.end:colon + 1]) \
                    and re.search(r"(?:^|\s)(?:the\s)?$", text[:c.start]):
                return c.value
        return ""

    def _apposition_end(self, text: str, end: int, people) -> int:
        """Where the role after a name stops: a speech verb, the next person, a sentence end."""
        limit = len(text)
        sentence = re.search(r"[.:!?](?=\s+[A-Z\"“(]|\s*$)|;", text[end:])
        if sentence:
            limit = end + sentence.start()
        for s, _, _ in people:
            if end < s < limit and not re.search(r"\b(?:of|to|for|with|by)\s+(?:the\s+)?$", text[max(0, s - 12):s]):
                limit = s
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
        """The country and organisation named in an apposition: a parenthesised country
        first, then the last country named, then an EU body ('EU') or an international
        organisation (its acronym)."""
        inside = [c for c in countries if start <= c.start and c.end <= stop]
        paren = [c for c in inside if text[c.start - 1:c.start] == "(" and text[c.end:c.end + 1] == ")"
                 or c.rule == "country.group-code"]
        org_name = ""
        org_code = ""
        for s, e, acronym, kind in orgs:
            if start <= s and e <= stop:
                org_name = text[s:e]
                org_code = "EU" if kind == "eu" else acronym
                if kind == "international":
                    acr = re.match(r"\s*\(([A-Z]{2,10})\)", text[e:e + 14])
                    org_name = acr.group(1) if acr else org_name
                break
        if not org_name:
            m = re.search(r"((?:[A-Z][\w-]*\s)*(?i:" + "|".join(map(re.escape, self.org_heads))
                          + r")\b[^,()]*)", text[start:stop])
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
    def _delegations(self, text: str, countries: list[Mention], orgs) -> list[Mention]:
        out: list[Mention] = []
        for c in countries:  # "Several delegations (DE, FR, EL) supported": each of them spoke
            if c.rule == "country.code-list" and re.search(r"\b(delegations|member states|members|countries)\s*\([^()]*$",
                                                           text[max(0, c.start - 120):c.start], re.I):
                out.append(self._delegation(text, c.start, c.end, c.value, c.text, "listed", c.end,
                                            floor_candidate=False))
        bodies = [(c.start, c.end, c.value, c.text, c.evidence.form) for c in countries
                  if c.rule != "country.code-list"]
        bodies += [(s, e, "EU" if kind == "eu" else acr, text[s:e], "org") for s, e, acr, kind in orgs]
        for m in self.represented_body.finditer(text):  # "The representative of the INTERNATIONAL COUNCIL OF NURSES"
            words = m.group("body").split()
            while words and words[-1].lower() in ("of", "for", "and", "on", "the", "&"):
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
            before = text[max(0, s - 100):s]
            m = self.delegation_before.search(before)
            head_start = s - len(before) + m.start("head") if m else None
            if m is None and kind in ("adjective", "name", "alias", "org"):
                after = self.delegation_after.match(text[e:e + 30])
                if after:  # "the Australian representative", "Japan's delegation"
                    start = s - 4 if text[max(0, s - 4):s].lower() == "the " else s
                    out.append(self._delegation(text, start, e + after.end(), code, name, "adjective", e))
                    continue
                if kind == "adjective":
                    continue
            if m is None and kind in ("name", "alias", "org"):
                group = self._subject_list(text, bodies, i)
                if group:  # "Germany, France and Italy called for ...", "The United States said ..."
                    for n, j in enumerate(group):
                        s2, e2, code2, name2, _ = bodies[j]
                        start = s2 - 4 if text[max(0, s2 - 4):s2].lower() == "the " else s2
                        out.append(self._delegation(text, start, e2, code2, name2, "subject", e2,
                                                    floor_candidate=n == 0))
                        listed.add(j)
                    continue
            if m is None or (kind == "adjective"):
                continue
            start = head_start
            if text[max(0, start - 4):start].lower() == "the ":
                start -= 4
            out.append(self._delegation(text, start, e, code, name, m.group("head").lower(), e))
            # "The representatives of Cuba, Peru and Chile": the others join
            j, last = i + 1, e
            while m.group("head").lower().endswith("s") and j < len(bodies):
                s2, e2, code2, name2, kind2 = bodies[j]
                if not re.fullmatch(r"\s*(,|,?\s*and|&)\s*(the\s+)?", text[last:s2]) or kind2 == "adjective":
                    break
                joined = self._delegation(text, s2, e2, code2, name2, "listed", e2, floor_candidate=False)
                joined.attrs["follows_head"] = True
                out.append(joined)
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

    def _subject_country(self, text: str, s: int, e: int) -> bool:
        """'The United States said', 'While the US appreciated': a country as the subject."""
        before = text[max(0, s - 30):s]
        if not re.search(r"(^|[.;:]\s+|\n|\b(while|although|whereas|and|but|as|since)\s+)(the\s+)?$", before, re.I):
            return False
        after = text[e:e + 120]
        label = re.match(r"\s*(?:\([^()]{1,40}\))?\s*:\s+(?:the\s+)?(?P<next>[\w.]+)", after)
        if label and re.search(r"(^|\n)\s*(the\s+)?$", before, re.I):
            # "Norway: the delegation supported ..." at the start of a paragraph; but
            # "Norway: Mr X, Minister ..." heads a participant list
            return label.group("next").rstrip(".").lower() not in self.honorifics
        after = re.sub(r"^,\s+speaking\s+on\s+behalf\s+of[^,]+,", "", after)
        m = re.match(r"\s+(?:also\s+|further\s+|then\s+|fully\s+|strongly\s+)?(\w+)", after)
        return bool(m and m.group(1).lower() in self.verbs)

    def _delegation(self, text: str, start: int, end: int, code: str, name: str, form: str, name_end: int,
                    floor_candidate: bool = True) -> Mention:
        attrs = {"kind": "delegation", "name": name, "country": code, "form": form,
                 "floor_candidate": floor_candidate}
        title = re.sub(r"\s+", " ", form)
        if title in PERSON_TITLES:  # "the Under-Secretary of Mexico": a person, if one with that title spoke
            attrs["title"] = title
        behalf = self.behalf.match(text[name_end:name_end + 120].lstrip(", "))
        if behalf:
            attrs["behalf"] = behalf.group("group").strip()
        return Mention(Label.SPEAKER, text[start:end], start, end, "speaker:delegation-" + re.sub(r"\W+", "-", form),
                       0.9, value=name, attrs=attrs)

    # ------------------------------------------------------------------ chairs, collectives
    def _chairs(self, text: str, people) -> list[Mention]:
        out: list[Mention] = []
        for m in self.chair_decl.finditer(text):
            nxt = [p for p in people if p[0] == m.end()]
            if nxt and not self._addressed(text, nxt[0][1]):
                office = m.group("office")
                out.append(Mention(Label.SPEAKER, office, m.start("office"), m.end("office"), "speaker:chair-declared",
                                   0.9, value=office, attrs={"kind": "chair-declared", "office": office,
                                                             "person_start": nxt[0][0]}))
        for m in self.chair_turn.finditer(text):
            office = re.sub(r"^the\s+", "", m.group("office"), flags=re.I)
            inner = [p for p in people if m.start("inner") <= p[0] < m.end("inner")] if m.group("inner") else []
            if inner:  # "CHAIR (Senator Hartigan): ...": that person chairs, and speaks
                out.append(Mention(Label.SPEAKER, m.group("office"), m.start("office"), m.end("office"),
                                   "speaker:chair-turn", 0.9, value=office,
                                   attrs={"kind": "chair-declared", "office": office, "person_start": inner[0][0]}))
                continue
            # "Chairman: Mr X (Malaysia)", "Rapporteur: Radu Ionescu (S&D)" declare a chair
            name = re.match(rf"{FIRST}(?:{SPACE}(?:{TITLE}|{CAPS}))+(?={SPACE}?(?:\(|,|$))", text[m.end():], re.M)
            if not name or self._addressed(text, m.end() + name.end()):
                out.append(Mention(Label.SPEAKER, m.group("office"), m.start("office"), m.end("office"),
                                   "speaker:chair-turn", 0.9, value=office,
                                   attrs={"kind": "chair", "office": office, "name": office, "turn": True}))
        for start, end, _ in people:
            # "(Chair)", "elected Ms X (Norway) as its Chairperson.", "Deputy X resumed the Chair."
            after = re.match(r"(?:(?:\s?\([^()]{1,40}\))?,?\s?(?:\(|as\s(?:its\s|the\s)?)?"
                             r"|\s(?P<taken>took|resumed|assumed)\sthe\s)(?P<office>Chair|Chairman"
                             r"|Chairwoman|Chairperson|Co-Chair|Vice-Chair|President)\b(?=[),.;])",
                             text[end:end + 80])
            window = max(0, start - 25)
            by = re.search(r"\b(?:chaired|presided(?:\sover)?|moderated)\sby\s$", text[window:start])
            if after or by:
                office = after.group("office") if after else ("Moderator" if "moderated" in by.group(0) else "Chair")
                s, e = (end + after.start("office"), end + after.end("office")) if after else \
                    (window + by.start(), start - 1)
                # who "resumed the Chair" held it before: the turns of an unnamed "Chairman:" are theirs
                out.append(Mention(Label.SPEAKER, text[s:e], s, e, "speaker:chair-declared", 0.85,
                                   value=office, attrs={"kind": "chair-declared", "office": office,
                                                        "person_start": start,
                                                        "resumed": bool(after and after.group("taken") == "resumed")}))
        for m in self.chair_ref.finditer(text):
            if re.match(r"\s*:", text[m.end():]) or re.match(r"\s+of\b", text[m.end():]) \
                    or any(o.start == m.start("office") for o in out):  # "X resumed the Chair"
                continue
            office = m.group("office")
            # "The Chair, X,", "The Chair (X)", "The Chair, the Minister of Labour of Colombia, X,"
            named = [p for p in people if p[0] == m.end() + 2 and (text[m.end():m.end() + 2] == ", " or
                                                                   text[m.end():m.end() + 2] == " ("
                                                                   and text[p[1]:p[1] + 1] == ")")
                     or m.end() < p[0] and re.fullmatch(r",\s(?:the\s)?[^,;.()]{3,80},\s", text[m.end():p[0]])]
            if named:  # "The Chair, Dragoș Pîslaru, opened", "The Deputy Speaker (Lord Ramsden of Hull)"
                out.append(Mention(Label.SPEAKER, office, m.start("office"), m.end("office"),
                                   "speaker:chair-declared", 0.9, value=office,
                                   attrs={"kind": "chair-declared", "office": office, "person_start": named[0][0]}))
                continue
            out.append(Mention(Label.SPEAKER, text[m.start():m.end()], m.start(), m.end(), "speaker:chair", 0.85,
                               value=office, attrs={"kind": "chair", "office": office, "name": office}))
        for m in self.role_ref.finditer(text):  # "the Minister indicated": the last speaker with that title
            out.append(Mention(Label.SPEAKER, text[m.start():m.end()], m.start(), m.end(), "speaker:role-reference",
                               0.7, value=m.group("role"), attrs={"kind": "role-ref", "role": m.group("role")}))
        return out

    def _collectives(self, doc: Doc, text: str) -> list[Mention]:
        out = []
        for sent in doc.sents if doc.has_annotation("SENT_START") else [doc[:]]:
            s = sent.start_char
            head = text[s:s + 60].lower()
            for phrase in self.collective:
                if head.startswith(phrase) and re.match(r"\W", head[len(phrase):len(phrase) + 1] or " "):
                    after = text[s + len(phrase):s + len(phrase) + 40]
                    if re.match(r"\s+(?:\w+ly\s+|also\s+|then\s+)?(\w+)", after) and \
                            re.match(r"\s+(?:\w+ly\s+|also\s+|then\s+)?(\w+)", after).group(1).lower() in self.verbs:
                        out.append(Mention(Label.SPEAKER, text[s:s + len(phrase)], s, s + len(phrase),
                                           "speaker:collective", 0.6, value="", attrs={"kind": "collective"}))
                    break
        return out

    # ------------------------------------------------------------------ floor

    def _present_only(self, text: str, end: int, sentence_end: int) -> bool:
        """The clause after a mention says it was there, before any speech verb."""
        return self.presence_re.match(text, end, sentence_end) is not None

    @staticmethod
    def _spokespeople(text: str, found: list[Mention]) -> None:
        """'The delegate from Chile (Ms Catalina ROJAS) reported', 'The Secretariat (Mr Paolo RICCI,
        Directorate ...) presented', 'The delegation of Ghana, led by Hon. X, shared': the person
        in brackets, or who leads, speaks for that delegation or body."""
        persons = {m.start: m for m in found if m.attrs.get("kind") == "person"}
        for m in found:
            if m.attrs.get("kind") not in ("delegation", "chair"):
                continue
            p = persons.get(m.end + 2) if text[m.end:m.end + 2] == " (" else None
            # "The delegation of Ghana, led by Hon. X", "The Minister of Labour of Liberia, Hon. X, said"
            led = re.match(r",?\s(?:(?:led|headed)\sby\s)?", text[m.end:m.end + 16])
            if p is None and led and (led.group(0).strip() or m.attrs.get("kind") == "delegation"):
                p = persons.get(m.end + led.end())
            if p is None:
                continue
            p.attrs["country"] = p.attrs.get("country") or m.attrs.get("country", "")
            p.attrs["organisation"] = p.attrs.get("organisation") or (m.attrs.get("office") or "")
            p.attrs["intro"] = True
            p.attrs["speaks_for_delegation"] = True  # "led by Hon. X": the preposition does not silence X
            if m.attrs.get("kind") == "chair":
                p.attrs["speaks_for"] = m.attrs["office"]  # later "The Secretariat said": this person
            m.attrs["floor_candidate"] = False
            m.attrs["represented"] = True

    @staticmethod
    def _addressed(text: str, end: int) -> bool:
        """'CHAIR: Senator Keane, you have the call.': the name is spoken to, in a turn, not declared."""
        stop = text.find("\n", end)
        return re.search(r"\b(?:you|your|I|we|our|us|me|my)\b", text[end:stop if stop >= 0 else None]) is not None

    @staticmethod
    def _turn(text: str, m: Mention, chairing: set[int]) -> bool:
        """'Senator DRUMMOND: ...', 'Ms Aoife Byrne: ...': a transcript's label, the name alone at
        the start of a line before a colon; or the person a label 'CHAIR (Senator Hartigan):' names."""
        if m.start in chairing:
            return True
        line = text[text.rfind("\n", 0, m.start) + 1:m.start]
        return not line.strip() and re.match(r"(?:\s?\([^()\n]{1,80}\))?\s?:\s", text[m.end:m.end + 90]) is not None

    @staticmethod
    def _addresses(m: Mention) -> bool:
        """A mention that takes the floor by itself when it opens a sentence, verb or not:
        'The representative of Norway was of the view ...', 'Jane DOE, Minister (Ireland): ...'.
        A chair needs a speech verb: 'The Secretariat would prepare a summary' is no statement."""
        kind = m.attrs.get("kind")
        return (kind == "delegation" and m.attrs.get("form") not in ("subject", "listed")) \
            or (kind == "person" and bool(m.attrs.get("intro")))

    def _mark_floor(self, doc: Doc, text: str, found: list[Mention]) -> None:
        """In each sentence, the first speaker not governed by a preposition and followed by a
        speech verb holds the floor."""
        sents = [(s.start_char, s.end_char) for s in doc.sents] if doc.has_annotation("SENT_START") \
            else [(0, len(text))]
        # a semicolon opens a clause that may give the floor to someone else: "X asked ...; Y raised ..."
        whole = {a: (s, e) for s, e in sents for a, _ in _clauses(text, s, e)}  # each clause's sentence
        sents = [(a, b) for s, e in sents for a, b in _clauses(text, s, e)]
        chairing = {m.attrs["person_start"] for m in found if m.rule == "speaker:chair-turn"
                    and m.attrs["kind"] == "chair-declared"}
        for m in found:
            if m.attrs.get("kind") == "person" and self._turn(text, m, chairing):
                m.attrs["turn"] = True
        for s, e in sents:
            inside = [m for m in found if s <= m.start < e and m.attrs.get("kind") != "chair-declared"]
            for m in inside:
                prev = re.search(r"(\w+)\W*$", text[max(s, m.start - 25):m.start])
                if prev and prev.group(1).lower() in self.prepositions:
                    m.attrs["governed"] = prev.group(1).lower()
            for m in inside:
                if self._present_only(text, m.end, e):
                    m.attrs["absent"] = True  # "Mr X (Sweden) had sent his apologies": there, or not, but silent
                opens = re.fullmatch(r"[\s\d.()-]*(?:[A-Z][\w -]{0,30}:\s*)?(?:the\s+)?", text[s:m.start],
                                     re.I) is not None  # "7. The representative ...", "Moderator: Jane DOE, ..."
                if opens and not m.attrs.get("absent"):
                    m.attrs["opens"] = True
            # "Canada: Mr X, Minister ...; Ms Y, Deputy Minister ...": a list of participants, no statement
            listing = self.verb_re.search(text, *whole[s]) is None and \
                sum(1 for m in found if whole[s][0] <= m.start < whole[s][1] and m.attrs.get("intro")) >= 2
            for m in inside:
                if listing:
                    m.attrs["listed"] = True
                    continue
                if m.attrs.get("turn"):  # a transcript gives the floor by the label alone
                    m.attrs.update(floor=True, sentence_start=s)
                    break
                if not m.attrs.get("floor_candidate", True) or \
                        m.attrs.get("governed") and not m.attrs.get("speaks_for_delegation"):
                    continue
                if m.attrs.get("absent"):
                    continue  # "Representatives of Ukraine attended the lunch"
                verb = self.verb_re.search(text, m.end, e)
                if verb and SUBORDINATE.match(text, s) and "," in text[m.end:verb.start()]:
                    continue  # "As Sir Geoffrey LOWE had to leave, the Chair asked ...": not the subject
                if verb is None and not (m.attrs.get("opens") and self._addresses(m)):
                    continue
                m.attrs["floor"] = True
                m.attrs["sentence_start"] = s
                break


SUBORDINATE = re.compile(r"[\s\d.()-]*(?:as|while|when|since|after|before|although|though|because|if|once|until)\s",
                         re.I)


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start] + [m.end() for m in re.finditer(r";\s+", text[start:end]) if m.end() < end - start]
    cuts = [start] + [start + c for c in cuts[1:]]
    return list(zip(cuts, cuts[1:] + [end]))


@Language.factory("meeting_speakers")
def make_speaker_recogniser(nlp: Language, name: str) -> SpeakerRecogniser:
    return SpeakerRecogniser(nlp, name)
