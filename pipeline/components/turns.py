"""Turns: which speaker mentions took the floor, and where each turn begins.

Decided over the whole document, after the speakers are found: in each clause the first
speaker that is the subject of a speech verb (or that opens the sentence introduced with a
role) opens a turn at the sentence's start; a transcript's labels give the floor by themselves,
and in a transcript only they do. Each decision is a ``Floor`` named by its rule
(``models/<pipeline>/turns/patterns.toml``); a mention that took no floor leaves the veto that
stopped it among the Doc's rejections.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..data import Floor, Label, Mention
from ..lexicon import finite_verbs
from ..settings import DEFAULT_LEXICON
from .common import (DataComponent, block_at, block_bounds, facts_of, grammar, mentions_of, read_words, rejections_of,
                     text_of, verb_after)
from .rules import Rejection, alternation, veto

TRANSCRIPT_TURNS = 5  # labelled turns ("Ms Thorne: ...") that make a document a transcript


@dataclass
class Clause:
    """A clause (a sentence, or its part after a semicolon) and the sentence it belongs to."""

    start: int
    end: int
    sentence: tuple[int, int]


@dataclass
class Seen:
    """What the turn rules read around one speaker mention."""

    mention: Mention
    clause: Clause | None = None
    governed: str = ""  # the preposition before it ("of", "by")
    absent: bool = False  # "attended", "sent apologies"
    opens: bool = False  # it opens its sentence
    listing: bool = False  # its sentence lists participants, no one speaks
    verb: re.Match | None = None  # the speech verb after it in its clause
    opens_block: bool = False  # it opens its paragraph ("28. Thailand commended ...")
    finite: str = ""  # the finite verb it is the subject of, if any
    transcript: bool = False  # the document is a transcript: only labels give the floor


class TurnRecogniser(DataComponent):
    files = ("presence_verbs.txt", "patterns.toml")

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name

    def load(self, path: Path) -> None:
        words = grammar(path.parent)
        self.prepositions = set(words["governing_prepositions"])
        self.subordinators = re.compile(rf"[\s\d.()-]*(?:{alternation(words['subordinators'])})\s", re.I)
        self.verbs = re.compile(rf"\b(?:{alternation(read_words(path.parent / 'speakers' / 'speech_verbs.txt'))})\b")
        self.auxiliaries = frozenset(words["auxiliaries"])
        self.finite = finite_verbs(DEFAULT_LEXICON) | self.auxiliaries
        self.adverbs = frozenset(words["verb_adverbs"])
        self.perfect = {
            inside: re.compile(rf"\s+(?:{alternation(words['perfect_auxiliaries'] + extra)})\s+(?:\w+\s+)?\w+ed\b")
            for inside, extra in ((False, ()), (True, words["reported_auxiliaries"]))}
        self.own_group = frozenset(words["own_group"])
        self.pronouns = dict(w.split(":") for w in words["subject_pronouns"])
        self.pronoun = re.compile(rf"(?:{alternation(self.pronouns)})\b", re.I)
        self.load_rules(path)
        self.view_opening = re.compile(self.rules.fragment("VIEW_OPENING"))

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        rejected = rejections_of(doc)
        speakers = [m for m in mentions_of(doc, Label.SPEAKER) if m.evidence.kind not in ("host",)]
        self._hosts = {name for f in facts_of(doc) if f.rule == "speaker.host-body" for name in f.value.split("|")}
        blocks = block_bounds(doc)
        sents = [(s.start_char, s.end_char) for s in doc.sents] if doc.has_annotation("SENT_START") \
            else [(0, len(text))]
        seen = self._read(text, sents, speakers, blocks)
        floor: dict[tuple[int, int], Floor] = {}

        def decide(s: Seen, rule: str, opens_turn: bool, note: str = "", at: int | None = None) -> None:
            m = s.mention
            trace = self.rules.trace(rule)
            trace.note(note)
            at = s.clause.start if at is None and s.clause else at
            start = _turn_start(text, blocks, at) if opens_turn and at is not None else m.start
            floor[(m.start, m.end)] = Floor(m.start, m.end, True, opens_turn, start, rule, trace.explain())

        clauses: dict[int, list[Seen]] = {}
        for s in seen:
            if s.clause is not None:
                clauses.setdefault(s.clause.start, []).append(s)
        for group in clauses.values():
            self._clause_floor(text, group, decide, rejected)
        self._framed(text, blocks, seen, floor, decide)
        self._transcript(floor, seen, rejected)
        self._spoke(text, seen, floor, decide)
        self._pronoun_subjects(text, sents, seen, floor, decide)
        doc._.floor = sorted(floor.values(), key=lambda f: f.start)
        return doc

    # ------------------------------------------------------------------ reading
    def _read(self, text: str, sents: list[tuple[int, int]], speakers: list[Mention],
              blocks: list[tuple[int, int]]) -> list[Seen]:
        # a semicolon opens a clause that may give the floor to someone else: "X asked ...; Y raised ..."
        clauses = [Clause(a, b, (s, e)) for s, e in sents for a, b in _clauses(text, s, e)]
        starts = [c.start for c in clauses]
        intro_in: dict[tuple[int, int], int] = {}
        for m in speakers:
            if m.evidence.kind == "person" and m.evidence.introduced:
                c = _clause_at(clauses, starts, m.start)
                if c is not None:
                    intro_in[c.sentence] = intro_in.get(c.sentence, 0) + 1
        out = []
        for m in speakers:
            s = Seen(m)
            if m.evidence.kind != "chair-declared":
                s.clause = _clause_at(clauses, starts, m.start)
            if s.clause is not None:
                c = s.clause
                prev = re.search(r"(\w+)\W*$", text[max(c.start, m.start - 25):m.start])
                if prev and prev.group(1).lower() in self.prepositions:
                    s.governed = prev.group(1).lower()
                s.absent = self.rules.match("turn.presence", text, m.end, c.end) is not None
                opening = self.rules.match("turn.sentence-opening", text, c.start, m.start)
                s.opens = not s.absent and opening is not None and opening.end() == m.start
                s.listing = self.verbs.search(text, *c.sentence) is None and intro_in.get(c.sentence, 0) >= 2
                block = block_at(blocks, m.start)
                if block is not None:
                    opening = self.rules.match("turn.sentence-opening", text, block[0], m.start)
                    s.opens_block = opening is not None and opening.end() == m.start
                    if s.opens_block:
                        s.finite = verb_after(text, m.end, c.end, self.finite, self.adverbs)
            out.append(s)
        return out

    # ------------------------------------------------------------------ deciding
    def _clause_floor(self, text: str, group: list[Seen], decide, rejected: list[Rejection]) -> None:
        """In a clause, the first speaker not governed by a preposition and followed by a speech
        verb holds the floor (or one introduced at the opening of the sentence)."""
        for s in group:
            m = s.mention
            if m.evidence.label:  # a transcript gives the floor by the label alone
                decide(s, "turn.label", True, "a transcript's turn label")
                return
            s.verb = next((v for v in self.verbs.finditer(text, m.end, s.clause.end)  # not "the amendment proposed by"
                           if not PASSIVE_BY.match(text, v.end())), None)
            if s.finite and m.evidence.kind in ("person", "delegation", "role-ref") and \
                    self.rules.screen(self.rules.trace("turn.subject-finite-verb"), m.start, m.end, rejected,
                                              text, s):
                decide(s, "turn.subject-finite-verb", True, f"opens its paragraph as the subject of '{s.finite}'")
                return
            trace = self.rules.trace("turn.subject-verb")
            if not self.rules.screen(trace, m.start, m.end, rejected, text, s,
                                     only=("turn.participant-list", "turn.not-a-candidate", "turn.host-body",
                                           "turn.governed", "turn.present-only", "turn.subordinate",
                                           "turn.perfect-tense", "turn.other-verb", "turn.own-group")):
                continue
            if s.verb is None and s.opens and self._addresses(m):
                decide(s, "turn.introduction", True, "introduced at the opening of its sentence")
                return
            if self.rules.screen(trace, m.start, m.end, rejected, text, s, only=("turn.no-speech-verb",)):
                decide(s, "turn.subject-verb", True, f"the subject of '{s.verb.group(0)}'")
                return

    def _framed(self, text: str, blocks: list[tuple[int, int]], seen: list[Seen], floor: dict[tuple[int, int], Floor],
                decide) -> None:
        """A paragraph's first sentence that frames what follows as someone's view ('18. In the view of Brazil, ...',
        '38. According to Mexico, ...', '52. For Switzerland, ...') or names them as the agent of its passive ('23.
        Concern was expressed by Costa Rica about ...') gives them the floor, when no one took it as that sentence's
        subject (in that clause). The preposition before them does not silence them there."""
        for s in seen:
            m = s.mention
            if s.clause is None or s.absent or (m.start, m.end) in floor or \
                    m.evidence.kind not in ("delegation", "person"):
                continue
            first, last = s.clause.start, s.clause.end
            block = block_at(blocks, m.start)
            if block is None or re.search(r"[^\W\d_]", text[block[0]:first]) or \
                    any(first <= k[0] < last and f.opens_turn for k, f in floor.items()):
                continue
            frame = self.view_opening.match(text, first, m.start)
            if frame is not None and frame.end() == m.start and \
                    re.match(r"(?:\s?\([^()]{1,40}\))?,", text[m.end:m.end + 45]):
                decide(s, "turn.view-of", True, f"the paragraph opens with '{frame.group(0).strip()}' it")
            elif self.rules.search("turn.passive-agent", text, first, m.start) is not None:
                decide(s, "turn.passive-agent", True, "the agent of the passive that opens the paragraph")

    @staticmethod
    def _addresses(m: Mention) -> bool:
        """A mention that takes the floor by itself when it opens a sentence, verb or not:
        'The representative of Norway was of the view ...', 'Jane DOE, Minister (Ireland): ...'.
        A chair needs a speech verb: 'The Secretariat would prepare a summary' is no statement."""
        cue = m.evidence
        return (cue.kind == "delegation" and cue.form not in ("subject", "listed")) \
            or (cue.kind == "person" and cue.introduced)

    def _transcript(self, floor: dict[tuple[int, int], Floor], seen: list[Seen], rejected: list[Rejection]) -> None:
        """In a transcript ("Senator DRUMMOND: ...") only the labels give the floor: "the Fair Work
        Ombudsman recovered $1.3 million" inside a turn is the speaker talking about someone."""
        labels = sum(1 for f in floor.values() if f.rule == "turn.label")
        if labels < TRANSCRIPT_TURNS or labels * 2 < len(floor):
            return
        for s in seen:
            s.transcript = True
            f = floor.get((s.mention.start, s.mention.end))
            if f is not None and not self.rules.screen(self.rules.trace(f.rule), f.start, f.end, rejected, "", s,
                                                       only=("turn.transcript",)):
                del floor[(f.start, f.end)]

    def _spoke(self, text: str, seen: list[Seen], floor: dict[tuple[int, int], Floor], decide) -> None:
        """Mentions that took the floor without opening a turn: a listed speaker, an introduced
        person, a country spoken for with others, a person declared as chair."""
        by_start = {s.mention.start: s for s in seen}
        head_spoke = False
        for s in seen:
            m, cue = s.mention, s.mention.evidence
            took = (m.start, m.end) in floor
            if not took and self._announced(text, s) and cue.kind in ("person", "delegation") and \
                    cue.represented_by < 0:
                decide(s, "turn.announced-speaker", False, "named after the sentence says who spoke")
                head_spoke = True
                continue
            if cue.kind == "person" and not took:
                if cue.listed:
                    decide(s, "turn.listed-speaker", False, "one of a list of speakers")
                elif cue.introduced and s.governed in ("", "by") and not s.listing and not s.absent:
                    decide(s, "turn.introduced", False, "introduced with a role or a country")
            elif cue.kind == "delegation":
                if cue.represented_by >= 0:
                    continue  # "The delegate from Chile (Ms ROJAS)": she speaks
                if cue.follows_head or cue.co_subject and cue.form == "subject":
                    if head_spoke and not took:  # "The representatives of Cuba and Peru", "Germany, France and ..."
                        decide(s, "turn.follows-head", False, "named with a subject that took the floor")
                    continue
                spoke = took or cue.co_subject or (s.opens and cue.form not in ("subject", "adjective"))
                if spoke and not took:
                    decide(s, "turn.co-subject" if cue.co_subject else "turn.introduction", False,
                           "named with the subject" if cue.co_subject else "opens its sentence")
                head_spoke = spoke  # "He thanked the representative of Peru": Peru did not speak
            elif cue.kind == "chair-declared":
                person = by_start.get(cue.declares)
                if person is not None and not person.absent and (person.mention.start, person.mention.end) \
                        not in floor:
                    decide(person, "turn.declared-chair", False, f"declared as {cue.office}")

    def _pronoun_subjects(self, text: str, sents: list[tuple[int, int]], seen: list[Seen],
                          floor: dict[tuple[int, int], Floor], decide) -> None:
        """'Session 3 was moderated by Ms Anna Berg, Director. She noted ...': a sentence whose subject is 'he' or
        'she' refers to the person named last in the sentence before, when no one took the floor as that sentence's
        subject and the person's honorific does not forbid the pronoun ('Ms Anna Berg' is no 'he'). No one else's
        turn is taken over."""
        opened = sorted(k[0] for k, f in floor.items() if f.opens_turn)
        persons = sorted((s for s in seen if s.mention.evidence.kind == "person" and not s.absent and not s.transcript),
                         key=lambda s: s.mention.start)
        for (before, _), (start, end) in zip(sents, sents[1:]):
            said = self.pronoun.match(text, start, end)
            if said is None or self.pronoun.match(text, before, start) \
                    or not verb_after(text, said.end(), end, self.finite, self.adverbs):
                continue
            i = bisect.bisect_left(opened, before)
            if i < len(opened) and opened[i] < start:
                continue  # someone took the floor in the sentence before: the pronoun is theirs
            gender = self.pronouns[said.group(0).lower()]
            named = [s for s in persons if before <= s.mention.start < start
                     and s.mention.evidence.gender in ("", gender)]
            if named:
                decide(named[-1], "turn.pronoun-subject", True,
                       f"'{said.group(0)}' refers to the person the sentence before named", at=start)

    def _announced(self, text: str, s: Seen) -> bool:
        """'Statements were made by the representatives of Canada, Mexico and Norway': named after the announcement."""
        if s.clause is None or s.absent:
            return False
        start, _ = s.clause.sentence
        return self.rules.search("turn.statements-announced", text, start, s.mention.start) is not None

    # ------------------------------------------------------------------ vetoes
    @veto("turn.not-a-candidate")
    def _not_a_candidate(self, text: str, s: Seen) -> str | None:
        cue = s.mention.evidence
        if cue.co_subject:
            return "one of several subjects after the first"
        if cue.represented_by >= 0:
            return "a person in brackets or leading it speaks for it"
        return None

    @veto("turn.host-body")
    def _host_body(self, text: str, s: Seen) -> str | None:
        """'The EESC welcomed ...' in the EESC's own minutes: the body whose meeting it is gives its view
        through whoever holds the floor; it takes no turn of its own."""
        cue = s.mention.evidence
        if cue.kind == "delegation" and cue.name.lower() in self._hosts:
            return f"{cue.name} is the body whose meeting it is"
        return None

    @veto("turn.governed")
    def _governed(self, text: str, s: Seen) -> str | None:
        if s.governed and not s.mention.evidence.speaks_for_delegation:
            return f"governed by '{s.governed}'"
        return None

    @veto("turn.present-only")
    def _present_only(self, text: str, s: Seen) -> str | None:
        return "the clause after it says it was there, not that it spoke" if s.absent else None

    @veto("turn.participant-list")
    def _participant_list(self, text: str, s: Seen) -> str | None:
        return "its sentence lists participants, with no speech verb" if s.listing else None

    @veto("turn.subordinate")
    def _subordinate(self, text: str, s: Seen) -> str | None:
        """'As Sir Geoffrey LOWE had to leave, the Chair asked ...': the subject of a subordinate clause."""
        if s.verb and self.subordinators.match(text, s.clause.start) and "," in text[s.mention.end:s.verb.start()]:
            return "the subject of a subordinate clause"
        return None

    @veto("turn.perfect-tense")
    def _perfect_tense(self, text: str, s: Seen) -> str | None:
        """'The European Commission has also encouraged Member States ...': the perfect tells what someone has done
        over time, as the writer sums it up; a turn at the meeting is reported in the past ('encouraged'). Inside a
        turn, the past perfect is what the speaker reported ('Japan had provided yen 12 billion')."""
        if self.perfect[not s.opens_block].match(text, s.mention.end, s.clause.end):
            return "the verb after it is in the perfect: what it has done, not what it said"
        return None

    @veto("turn.other-verb")
    def _other_verb(self, text: str, s: Seen) -> str | None:
        """'1.2. The Director-General said ... The Secretariat now expected trade to grow ..., and new tariffs
        announced since January ...': inside a turn, a speech verb further on in the sentence is not the verb of a
        subject whose own verb says nothing ('expected'); the turn stays with whoever holds it. Only an office needs
        the speech verb as its own: a delegation or a person is a subject of any finite verb ('Nigeria commended')."""
        if s.opens_block or s.verb is None or s.mention.evidence.kind != "chair":
            return None
        own = verb_after(text, s.mention.end, s.verb.start(), self.finite, self.adverbs)
        if own and own.lower() not in self.auxiliaries and not self.verbs.fullmatch(own):
            return f"its own verb is '{own}', no speech verb; '{s.verb.group(0)}' belongs to another clause"
        return None

    @veto("turn.own-group")
    def _own_group(self, text: str, s: Seen) -> str | None:
        """'Mr. X (Iraq), speaking on behalf of the Group of 77, said ... The Group welcomed the Commitment': inside a
        turn, 'the Group' is the group its speaker speaks for, and the turn goes on."""
        m = s.mention
        if m.evidence.kind == "collective" and not s.opens_block and " ".join(m.text.lower().split()) in self.own_group:
            return "inside a turn, the group its speaker speaks for"
        return None

    @veto("turn.no-speech-verb")
    def _no_speech_verb(self, text: str, s: Seen) -> str | None:
        return None if s.verb else "no speech verb after it in its clause"

    @veto("turn.transcript")
    def _in_transcript(self, text: str, s: Seen) -> str | None:
        if s.transcript and not s.mention.evidence.label:
            return "in a transcript only turn labels give the floor"
        return None


PASSIVE_BY = re.compile(r"\s+by\b")
CLAUSE_CUT = re.compile(r";\s+|,\s+(?:while|whereas)\s+")  # "X called for A, while Y opposed it": two subjects


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start] + [m.end() for m in CLAUSE_CUT.finditer(text[start:end]) if m.end() < end - start]
    cuts = [start] + [start + c for c in cuts[1:]]
    return list(zip(cuts, cuts[1:] + [end]))


def _clause_at(clauses: list[Clause], starts: list[int], offset: int) -> Clause | None:
    i = bisect.bisect_right(starts, offset) - 1
    return clauses[i] if i >= 0 and offset < clauses[i].end else None


@Language.factory("meeting_turns")
def make_turn_recogniser(nlp: Language, name: str) -> TurnRecogniser:
    return TurnRecogniser(nlp, name)


def _turn_start(text: str, blocks: list[tuple[int, int]], start: int) -> int:
    """A turn begins at its sentence, or at its paragraph when only a number stands before it
    ('2. Mr. Tanaka said')."""
    block = block_at(blocks, start)
    if block is not None and not re.search(r"[^\W\d_]", text[block[0]:start]):
        return block[0]
    return start
