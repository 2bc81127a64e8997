"""Linking: turns, continuation, namesakes, figures to speakers — on text and on a real PDF."""
from __future__ import annotations

import pytest

from pipeline.link import link
from pipeline.recognise import recognise

from .test_robustness import _document

TEXT = """1. Opening

Anna DUMONT, director of labour market integration, Ministry of Labour (Czech Republic), explained that 700,000 migrants are employed.

She concluded that 60,000 foreigners come every year.

Jean-Christophe DUMONT, head of division at the OECD, recalled that 5 million foreigners enter OECD countries.

Mr DUMONT presented some figures: the employment rate is 7 points lower.

2. Questions

The representative of Chile said that 12 per cent of firms export. The representative of Japan asked about the 40 projects."""


def _linked(nlp, text: str):
    """The linked records of a text, and each speaker's name by id."""
    doc = _document(text)
    x = link(doc, recognise(doc, nlp))
    return x, {s.speaker_id: s.name for s in x.speakers}


def test_turns_continuation_namesakes_and_figures(nlp):
    x, names = _linked(nlp, TEXT)
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text["700,000"] == "Anna DUMONT"
    assert by_text["60,000"] == "Anna DUMONT"          # "She concluded": the turn goes on
    assert by_text["5 million"] == "Jean-Christophe DUMONT"
    assert by_text["7 points"] == "Jean-Christophe DUMONT"  # "Mr DUMONT": the DUMONT who spoke last
    assert by_text["12 per cent"] == "Chile"
    assert by_text["40"] == "Japan"                     # a new turn inside the paragraph
    countries = {s.name: s.country for s in x.speakers}
    assert countries["Anna DUMONT"] == "CZ" and countries["Jean-Christophe DUMONT"] == "OECD"
    heading_statements = [s for s in x.statements if s.text.startswith("1. Opening")]
    assert not heading_statements
    assert {c.country: c.relation for c in x.countries} == {"CZ": "delegation", "CL": "delegation",
                                                           "JP": "delegation"}


def test_every_mention_is_its_slice_and_linked(nlp):
    doc = _document(TEXT)
    x = link(doc, recognise(doc, nlp))
    for i, m in enumerate(x.mentions):
        assert doc.text[m.start:m.end] == m.text
        assert i in x.links


@pytest.mark.parametrize("text, date", [
    ("NOTE ON THE MEETING OF 28 AND 29 SEPTEMBER 2004 Chairperson", "2004-09-28"),
    ("issued 3 May 2021. High-level meeting on integration held on 24 January 2022", "2022-01-24"),
    ("no date here", ""),
])
def test_meeting_date(nlp, text, date):
    assert recognise(_document(text), nlp).date == date


def test_role_references_semicolons_and_named_chairs(nlp):
    doc = _document("The Chair, Maria Rossi, opened the meeting.\n\n"
                    "Ana Costa, Minister of Labour (Portugal), presented the plan. Members welcomed it.\n\n"
                    "Sara Berg asked about the 12 apprentices; Dennis Radtke raised the question of 40 schemes.\n\n"
                    "In reply, the Minister indicated that 5,000 jobs were created.")
    x = link(doc, recognise(doc, nlp))
    names = {s.speaker_id: s.name for s in x.speakers}
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text == {"12": "Sara Berg", "40": "Dennis Radtke", "5,000": "Ana Costa"}
    chair = [s for s in x.speakers if s.name == "Maria Rossi"]
    assert chair and chair[0].role == "Chair"


def test_namesakes_by_honorific_and_organisation_and_adjective_references(nlp):
    x, names = _linked(
        nlp,
        "Gareth MARTIN, Deputy Director, Department for Education (United Kingdom), set out the approach.\n\n"
        "Ms Geneviève MARTIN, Deputy Minister, Employment and Social Development Canada, said that 12 provinces "
        "agreed. The Canadian representative explained that CAD 25 million had been earmarked.\n\n"
        "Mr Martin (Department for Education) replied that 40 firms had left. Ms Martin added that 30 firms came.\n\n"
        "Ms. Nguyen Thi Lan (Viet Nam) said that 16 workers left. Ms. Nguyen stressed that 17 came back.")
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text["CAD 25 million"] == "Geneviève MARTIN"
    assert by_text["40"] == "Gareth MARTIN" and by_text["30"] == "Geneviève MARTIN"
    assert by_text["17"] == "Nguyen Thi Lan"
    assert sorted(names.values()) == ["Gareth MARTIN", "Geneviève MARTIN", "Nguyen Thi Lan"]
    assert {s.name: s.country for s in x.speakers}["Geneviève MARTIN"] == "CA"


def test_programme_rows_merge_spellings_and_skip_affiliations(nlp):
    x, _ = _linked(
        nlp,
        "Ms Wanjiru KAMAU, Principal Secretary (Kenya), presented the Ajira Digital Programme. She said that "
        "the Ajira platform had reached 1.3M users.\n\n"
        "Mr David OKAFOR, Chief Executive, Independent Training Providers Network, said that 12 providers had "
        "closed.\n\n"
        "The Commissioner presented the European Child Guarantee.\n\n"
        "Ms Lucía ORTEGA (S&D, ES) said that the Child Guarantee had reached 300,000 children in Spain.")
    rows = {p.name: p.country for p in x.programmes}
    assert rows == {"Ajira Digital Programme": "KE", "European Child Guarantee": "EU"}


def test_a_person_in_brackets_speaks_for_the_body_and_a_delegation_is_its_named_member(nlp):
    x, names = _linked(
        nlp,
        "4. The Secretariat (Ms Siobhán KEARNEY, Directorate for Employment) presented a note on 12 schemes.\n\n"
        "5. Delegates from Japan and Mexico welcomed the note. The delegate from Chile (Ms Catalina ROJAS) "
        "reported on 13 contracts.\n\n"
        "9. Mr Hiroshi TAKEMURA (Japan) explained that 14 firms had paid.")
    assert {f.text: names[f.speaker_id] for f in x.figures} == {
        "12": "Siobhán KEARNEY", "13": "Catalina ROJAS", "14": "Hiroshi TAKEMURA"}
    assert {s.name: s.country for s in x.speakers} == {
        "Siobhán KEARNEY": "", "Mexico": "MX", "Catalina ROJAS": "CL", "Hiroshi TAKEMURA": "JP"}


def test_absent_vice_chair_organisation_representative_and_the_voice_of_the_secretariat(nlp):
    x, names = _linked(
        nlp,
        "2. The Chair noted that the Vice-Chair, Mr Tobias LINDQVIST (Sweden), had sent his apologies.\n\n"
        "4. The Secretariat (Ms Siobhán KEARNEY, Directorate for Employment) presented a note on 12 schemes.\n\n"
        "7. The BIAC representative (Ms Julia ORTMANN) stressed that 40% of firms valued speed.\n\n"
        "18. The Secretariat informed delegates that 3 projects would feed the Outlook.")
    assert sorted(names.values()) == ["Chair", "Julia ORTMANN", "Siobhán KEARNEY"]
    assert {f.text: names[f.speaker_id] for f in x.figures} == {
        "12": "Siobhán KEARNEY", "40%": "Julia ORTMANN", "3": "Siobhán KEARNEY"}
    assert {s.name: s.country for s in x.speakers}["Julia ORTMANN"] == "BIAC"


def test_a_parliament_in_the_heading_is_its_members_country(nlp):
    text = ("HOUSE OF LORDS\n\nDebate summary\n\n"
            "Lord Pennington of Ashby (Con) asked what the Restart Scheme had achieved.\n\n"
            "Baroness Okafor (LD) said that only 1 in 10 participants had declared a condition.\n\n"
            "Lord Pennington said that the figures were welcome.")
    x, _ = _linked(nlp, text)
    assert {(s.name, s.country) for s in x.speakers} == {("Pennington of Ashby", "GB"), ("Okafor", "GB")}


def test_who_leads_a_delegation_speaks_for_it(nlp):
    x, names = _linked(nlp, "The representative of Kenya said that 12 projects had begun.\n\n"
                            "The delegation of Ghana, led by Hon. Kwame Mensah, Deputy Minister, shared "
                            "its plan for 350,000 households.")
    assert {(s.name, s.country) for s in x.speakers} == {("Kenya", "KE"), ("Kwame Mensah", "GH")}
    assert {f.text: names[f.speaker_id] for f in x.figures}["350,000"] == "Kwame Mensah"


def test_a_delegation_represented_by_a_person_in_apposition_is_that_person(nlp):
    x, names = _linked(nlp, "14. The Minister from Tonga, the Honourable Sione Latu, Minister of Finance, welcomed the "
                            "Facility and said that T$ 120 million had been lost.")
    assert {(s.name, s.country) for s in x.speakers} == {("Sione Latu", "TO")}
    assert {f.text: names[f.speaker_id] for f in x.figures} == {"T$ 120 million": "Sione Latu"}


def test_offices_and_pronouns_refer_to_the_people_introduced_with_them(nlp):
    x, names = _linked(nlp, "1. The meeting was chaired by the Honourable Dr. Ana Vaka, Minister for Finance of Fiji, "
                            "and supported by the Secretary General of the Secretariat, Dr. Tomas Berg.\n\n"
                            "2. In her opening remarks, the Chair said that damage had reached 36 per cent of GDP.\n\n"
                            "3. The Secretary General welcomed Ministers and said that 2 percent of GDP was lost "
                            "every year.\n\n"
                            "4. Session 2 was moderated by Ms Lea Dupont, Director, ILO. She noted that 12 per cent "
                            "of workers had moved. He added nothing.")
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text == {"36 per cent": "Ana Vaka", "2 percent": "Tomas Berg", "12 per cent": "Lea Dupont"}


def test_a_paragraph_framed_as_a_delegations_view_or_agent_is_its_turn(nlp):
    x, names = _linked(nlp, "17. Belgium welcomed the plan and its 12 new courts.\n\n"
                            "18. In the view of Brazil, the pension reaching 91 per cent of older persons was a model.\n\n"
                            "19. Concern was expressed by Costa Rica about 380,000 children in work.\n\n"
                            "20. Denmark, speaking also on behalf of Finland, Iceland and Norway, encouraged the "
                            "ratification of 2 protocols.")
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text == {"12": "Belgium", "91 per cent": "Brazil", "380,000": "Costa Rica", "2": "Denmark"}


def test_a_programme_named_again_by_another_delegation_is_the_one_named_before(nlp):
    x, _ = _linked(nlp, "5. Ms. Ana Ruiz, Minister of Justice of Bolivia, stated that Law No. 1173 had cut pretrial "
                        "detention.\n\n6. Mexico welcomed Law No. 1173.\n\n"
                        "7. Mr. Jan Berg (Norway) said that Norway had introduced a new Integration Act.\n\n"
                        "8. Mr. Piet Smit (Netherlands) said that a new Integration Act had come into force.")
    rows = sorted((p.name, p.country, p.mentions) for p in x.programmes)
    assert rows == [("Integration Act", "NL", 1), ("Integration Act", "NO", 1), ("Law No. 1173", "BO", 2)]


def test_the_bracket_after_a_name_says_whose_delegate_not_the_group_it_speaks_for(nlp):
    x, _ = _linked(nlp, "9. Ms. Anna Berg (Observer for the European Union), speaking also on behalf of the candidate "
                        "countries Albania, Montenegro and Ukraine, said that 12 per cent was enough.")
    assert {(s.name, s.country) for s in x.speakers} == {("Anna Berg", "EU")}


def test_a_titled_delegate_is_the_person_with_that_title(nlp):
    x, names = _linked(nlp, "3. The Chair, the Minister of Labour of Colombia, Ms. Catalina Herrera Ospina, opened "
                            "the workshop and said that 60% of workers were informal.\n\n"
                            "13. Ms. Regina Cárdenas Luján, Under-Secretary of Employment of Mexico, said that "
                            "54.3% of workers were informal.\n\n"
                            "14. The Under-Secretary of Mexico took the floor again to say that 2.8 million young "
                            "people had been trained.")
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text == {"60%": "Catalina Herrera Ospina", "54.3%": "Regina Cárdenas Luján",
                       "2.8 million": "Regina Cárdenas Luján"}


def test_bodies_without_a_country_speak_apart(nlp):
    x, names = _linked(nlp, "The representative of the INTERNATIONAL COUNCIL OF NURSES said that 59% of nurses "
                            "were tired.\n\n"
                            "The representative of the European Trade Union Confederation said that 12 unions agreed.\n\n"
                            "Through the President's Emergency Plan, the Confederation supported 340 000 workers.")
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text == {"59%": "INTERNATIONAL COUNCIL OF NURSES", "12": "European Trade Union Confederation",
                       "340 000": "European Trade Union Confederation"}  # "the President's" is no chair speaking


def test_a_commissioner_where_the_eu_takes_part_is_the_eu(nlp):
    x, _ = _linked(nlp, "The European Union ministers met.\n\nCommissioner Schmit said that 12 projects had started.")
    assert [(s.name, s.country) for s in x.speakers] == [("Schmit", "EU")]


TRANSCRIPT = """COMMONWEALTH OF AUSTRALIA

SENATE

Committee met at 09:00

CHAIR: I declare open this hearing.

Senator DRUMMOND: Thank you, Chair. How many people are on the caseload?

Ms Thorne: As at 30 April there were 582,310 participants. The Fair Work Ombudsman recovered $1.3 million.

CHAIR: Senator Keane, you have the call.

Senator KEANE: How many people were affected?

Ms Thorne: We identified 1,326 participants.

Senator DRUMMOND: So fewer than 20 per cent get a job.

Senator Hartigan resumed the Chair.

CHAIR: Thank you. We will suspend."""


def test_a_transcript_gives_the_floor_by_its_labels(nlp):
    x, names = _linked(nlp, TRANSCRIPT)
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text["582,310"] == "Thorne"
    assert by_text["$1.3 million"] == "Thorne"  # the Ombudsman is spoken of, in her turn
    assert by_text["1,326"] == "Thorne"
    assert by_text["20 per cent"] == "DRUMMOND"
    speakers = {s.name.lower(): s for s in x.speakers}
    # the unnamed CHAIR was the senator who "resumed the Chair"; Keane is addressed, not declared
    assert set(speakers) == {"hartigan", "drummond", "thorne", "keane"}
    assert speakers["hartigan"].role == "Chair" and not speakers["keane"].role
    assert {s.country for s in x.speakers} == {"AU"}  # a Senate beside one country in the heading


def test_a_vote_is_the_record_not_the_speaker(nlp):
    x, names = _linked(nlp, "Ms Anna KOWALSKA (Poland), rapporteur, said that 40% of workers lack skills. "
                            "The draft opinion was adopted by 71 votes to 3, with 6 abstentions.")
    by_text = {f.text: names.get(f.speaker_id, "") for f in x.figures}
    assert by_text["40%"] == "Anna KOWALSKA"
    assert by_text["71"] == ""


@pytest.mark.parametrize("text, name", [
    # a two-word surname is one person
    (("The Controller, Mr. Rafael Ortiz Benavente, presented the budget. "
      "Mr. Ortiz Benavente added that 40 per cent was funded."), "Rafael Ortiz Benavente"),
    # the chair is who holds the office
    (("Ambassador Marija CAMILLERI, Permanent Representative of Malta, Chairperson of the Permanent Council, "
      "opened the meeting. The Chairperson said that 24 per cent were foreign nationals."), "Marija CAMILLERI"),
])
def test_one_person_under_two_names(nlp, text, name):
    x, names = _linked(nlp, text)
    assert [s.name for s in x.speakers] == [name]
    assert names[x.figures[0].speaker_id] == name


def test_the_heading_organisation_hosts_its_officials(nlp):
    x, _ = _linked(nlp, "Organization for Security and Co-operation in Europe\n\nCONSOLIDATED SUMMARY\n\n"
                        "The Director of the Division, Ms. Camille VERHOEVEN, said that 82 per cent was funded. "
                        "The representative of Uganda said that 40 per cent of refugees were children.")
    assert {s.name: s.country for s in x.speakers} == {"Camille VERHOEVEN": "OSCE", "Uganda": "UG"}


def test_an_acronym_defined_in_one_paragraph_is_found_in_the_others(nlp):
    doc = _document("Ms Ana Costa, Minister of Labour (Portugal), presented the Youth Apprenticeship Pathway "
                    "Programme (AYPP).\n\nThe representative of Spain said that the AYPP had 5,000 places.")
    recognition = recognise(doc, nlp)
    second = doc.blocks[1]
    assert [m.text for m in recognition.mentions if m.label.value == "PROGRAMME" and m.start >= second.start] \
        == ["AYPP"]
    x = link(doc, recognition)
    assert [(p.name, p.acronym, p.mentions) for p in x.programmes] == \
        [("Youth Apprenticeship Pathway Programme", "AYPP", 2)]  # the name and its bracket are one mention


def test_one_row_per_programme_with_the_country_that_runs_it(nlp):
    doc = _document("28. Thailand commended Slovenia for its National Action Plan on Business and Human Rights.\n\n"
                    "29. Spain welcomed the National Action Plan on Business and Human Rights of Slovenia.\n\n"
                    "30. Chile presented its National Care Strategy.\n\n31. Mexico presented its National Care Strategy.")
    x = link(doc, recognise(doc, nlp))
    names = {s.speaker_id: s.name for s in x.speakers}
    rows = [(p.name, p.country, names[p.speaker_id], p.mentions) for p in x.programmes]
    assert rows == [("National Action Plan on Business and Human Rights", "SI", "Thailand", 2),
                    ("National Care Strategy", "CL", "Chile", 1), ("National Care Strategy", "MX", "Mexico", 1)]


def test_officers_of_the_state_under_review_and_titles_written_again(nlp):
    text = ("5. The delegation of Togo was headed by Mr. Koffi Amegah, Minister for Human Rights.\n\n"
            "6. Mr. Edem Kpodar, Director General of the Ministry of Justice, explained that the Penal Code had "
            "been revised.\n\n7. The Minister for Social Action, Women and Literacy, Ms. Ablavi Dossou, said "
            "that shelters had opened.\n\n8. Ghana commended Togo for the adoption of the Law on Gender Equality.\n\n"
            "9. The Minister for Human Rights thanked the delegations.")
    doc = _document(text)
    linked = link(doc, recognise(doc, nlp))
    names = {s.speaker_id: (s.name, s.country) for s in linked.speakers}
    held = [names[s.speaker_id] for s in linked.statements if s.speaker_id]
    assert ("Edem Kpodar", "TG") in held  # an officer of a ministry belongs to the delegation whose head was named
    assert ("Ablavi Dossou", "TG") in held  # so does a minister whose title lists several portfolios
    assert held[-1] == ("Koffi Amegah", "TG")  # 'The Minister for Human Rights' is the one introduced so

