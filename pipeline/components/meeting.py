"""Meeting: what is decided once over the whole document, before the recognisers that need it.

The meeting's date (documents.date) and the sentences that record a vote, whose counts are
the record's and nobody's figures. Both are facts on the Doc (``doc._.facts``), named by the
pattern that found them.
"""
from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from .common import DataComponent, Fact, facts_of, read_tsv, sentence_around, text_of
from .rules import alternation

HEADING = 3000  # characters of opening text where the meeting's own date is written


class MeetingFacts(DataComponent):
    files = ("patterns.toml",)

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name

    def load(self, path: Path) -> None:
        self.months = {r["word"].lower(): int(r["month"]) for r in read_tsv(path.parent / "months.tsv")}
        self.load_rules(path, {"month_names": alternation(self.months)})

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        facts = facts_of(doc)
        date = self._date(text)
        if date is not None:
            facts.append(date)
        for m in self.rules.finditer("meeting.vote", text):
            facts.append(Fact("meeting.vote", m.start(), m.end(), m.group(0), "", sentence_around(text, m.start())))
        return doc

    def _date(self, text: str) -> Fact | None:
        """The first full date of the opening text, preferring one introduced as the meeting's
        ('meeting of 5 April 1995', 'held on ...')."""
        head = text[:HEADING]
        found = list(self.rules.finditer("meeting.date", head))
        if not found:
            return None
        lead = self.rules.search
        preferred = [m for m in found if lead("meeting.date-cue", head, max(0, m.start() - 60), m.start())]
        m = (preferred or found)[0]
        day, month, year = (m.group("day"), m.group("month"), m.group("year")) if m.group("day") else \
            (m.group("day2"), m.group("month2"), m.group("year2"))
        value = f"{int(year):04d}-{self.months[month.lower()]:02d}-{int(day):02d}"
        return Fact("meeting.date", m.start(), m.end(), m.group(0), value, (m.start(), m.end()))


@Language.factory("meeting_facts")
def make_meeting_facts(nlp: Language, name: str) -> MeetingFacts:
    return MeetingFacts(nlp, name)
