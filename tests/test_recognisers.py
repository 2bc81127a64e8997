"""The recognisers on case tables: (text, what must come out)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.components.common import mentions_of
from pipeline.data import Label


def found(nlp, text: str, label: Label):
    doc = nlp(text)
    for m in mentions_of(doc):
        assert doc.text[m.start:m.end] == m.text
    return [m for m in mentions_of(doc) if m.label == label]


@pytest.mark.parametrize("text, codes", [
    ("the story of a Laotian refugee", ["LA"]),
    ("nearly 4000 Afghans entering French territory", ["AF", "FR"]),
    ("2/3 of Swedish municipalities belong", ["SE"]),
    ("The Netherlands and the Czech Republic agreed.", ["NL", "CZ"]),
    ("citizenship of another country (Russians, Ukrainians, Belarusians).", ["RU", "UA", "BY"]),
    ("Tatiana ESPOSITO (Italie) explained", ["IT"]),
    ("The representative of Côte d'Ivoire and of the Republic of Korea spoke.", ["CI", "KR"]),
    ("The United States and the U.S. Congress", ["US", "US"]),
    ("a course offered in French", []),
    ("Language training is provided in Estonian, English and Russian.", []),
    ("knowledge of the Croatian language", []),
    ("not mastering the French A1 level", []),
    ("a payment in US$ 5 million", []),
    ("Mattia Corradini (ID, IT) welcomed it", ["IT"]),  # a group code is no country: not Indonesia
    ("Several Member States (DE, FR) supported it", ["DE", "FR"]),
    ("Michael Jordan said nothing about it.", []),
])
def test_countries(nlp, text, codes):
    assert [m.value for m in found(nlp, text, Label.COUNTRY)] == codes


@pytest.mark.parametrize("text, figures", [
    ("represent 13% of the workers mobilised", [(13, "percent")]),
    ("with a funding of 50 million euros.", [(5e7, "EUR")]),
    ("50 millions euros from the plan", [(5e7, "EUR")]),
    ("(2,000 billion euros)", [(2e12, "EUR")]),
    ("where 2 to 5% of jobs remain vacant", [(5, "percent")]),
    ("between 2 and 5 per cent of GDP", [(5, "percent")]),
    ("where 7 out of 10 companies cannot", [(70, "percent")]),
    ("more than one person in five has", [(20, "percent")]),
    ("1 in 5 people living there", [(20, "percent")]),
    ("2/3 of Swedish municipalities", [(66.7, "percent")]),
    ("Two thirds of participants found a job", [(66.7, "percent")]),
    ("a population of 1.3M, also", [(1.3e6, "count")]),
    ("is 7 points lower than", [(7, "points")]),
    ("an increase of 2.5 percentage points", [(2.5, "points")]),
    ("up to 860 hours of training", [(860, "hours")]),
    ("courses (50 hours per year).", [(50, "hours")]),
    ("after three years of residence", [(3, "years")]),
    ("an education pathway for people under 30 and", [(30, "years")]),
    ("55 projects have been deployed for 2018", [(55, "count")]),
    ("nearly 17,000 foreigners who", [(17000, "count")]),
    ("the five main employers' associations", [(5, "count")]),
    ("€2bn and £1.2bn and A$40 million", [(2e9, "EUR"), (1.2e9, "GBP"), (4e7, "AUD")]),
    ("US$ 93 billion", [(9.3e10, "USD")]),
    ("its KRW 1.2 trillion investment, backed by MAD 11 billion", [(1.2e12, "KRW"), (1.1e10, "MAD")]),
    ("up to a ceiling of EUR 5 000. He added", [(5000, "EUR")]),
    ("a 12-month contract and a 10-year permit, not a 10-year-old", [(12, "months"), (10, "years")]),
    ("Ghent, 25 and 26 April 2024", []),
    ("more than six hundred procedures and over a hundred thousand e-residents", [(600, "count"), (1e5, "count")]),
    ("invested R$ 7.1 billion and Rs 10,000 crore", [(7.1e9, "BRL"), (1e11, "INR")]),
    ("ALL 27 MEMBER STATES", []),  # a capitalised word, not the Albanian lek
    ("paragraph 2 of Article IV", []),
    ("WT/COMTD/M/1 15 May 1995 ORGANIZATION (95-1262)", []),
    ("on 24 January 2022 in Paris", []),
    ("7. The representative of India said", []),
    ("Rules 36 and 36bis", []),
    ("the European agenda 2021-2027 for integration", []),
    ("since 2015, and in 2018", []),
    ("language modules up to B1 level", []),
    ("COVID-19 and the G20", []),
    ("these two aspects", []),
    ("1996 101 865 77 549 9 999 102.07", []),
    ("paragraphs 111, 112 and 113 of the document", []),
    # currencies written as other countries write them; a letter and a number that are a code
    ("N75 billion, R7.4 billion, GH¢ 350 million and Ksh 2,000 per month",
     [(7.5e10, "NGN"), (7.4e9, "ZAR"), (3.5e8, "GHS"), (2000, "KES")]),
    ("4.2 billion Philippine pesos, 45 billion guaraníes and Can$960 million",
     [(4.2e9, "PHP"), (4.5e10, "PYG"), (9.6e8, "CAD")]),
    ("K12 schools and the R2 form", []),
    ("TRY 22,104 and GEL 60 a month and S/ 1,025", [(22104, "TRY"), (60, "GEL"), (1025, "PEN")]),
    ("the TOP 10 and 28 in 2021", []),
    # ranges whose ends both carry a scale; numbers grouped in thousands with no noun after them
    ("between KRW 3 million and 5 million over five years", [(5e6, "KRW"), (5, "years")]),
    ("₹1,07,000 crore and RMB 66.7 billion", [(1.07e12, "INR"), (6.67e10, "CNY")]),
    # an amount after money shares its currency, unless it counts something of its own
    ("CHF 15 million and 20 million in 2024, for 3 million people",
     [(1.5e7, "CHF"), (2e7, "CHF"), (3e6, "count")]),
    ("had risen from 9,800 in 2019 to 33,600 in mid-2024", [(9800, "count"), (33600, "count")]),
    # a rate and its base; ranges of ages
    ("a density of 44.5 per 10 000 population", [(44.5, "count")]),
    ("young people aged 16–25 and workers aged 25 to 64", [(25, "years"), (64, "years")]),
])
def test_figures(nlp, text, figures):
    got = [(float(m.value), m.evidence.unit) for m in found(nlp, text, Label.FIGURE)]
    assert [(pytest.approx(v, rel=0.01), u) for v, u in figures] == got


def test_dollars_take_the_speakers_currency(nlp):
    cue = found(nlp, "a budget of $3.7 billion", Label.FIGURE)[0].evidence
    assert cue.unit == "USD" and dict(cue.unit_by_country)["AU"] == "AUD" and "FR" not in dict(cue.unit_by_country)
    pesos = dict(found(nlp, "a transfer of 500 pesos", Label.FIGURE)[0].evidence.unit_by_country)
    francs = dict(found(nlp, "a fee of CFA francs 25,000", Label.FIGURE)[0].evidence.unit_by_country)
    assert pesos["PH"] == "PHP" and francs["CM"] == "XAF"


def speakers(nlp, text):
    """(name, country, opens a turn) of every person, delegation and office a text names."""
    doc = nlp(text)
    turns = {(f.start, f.end) for f in doc._.floor if f.opens_turn}
    return [(m.evidence.name, m.evidence.country, (m.start, m.end) in turns)
            for m in mentions_of(doc, Label.SPEAKER) if m.evidence.kind in ("person", "delegation", "chair")]


@pytest.mark.parametrize("text, expected", [
    ("Brigitte KLINKERT, Minister Delegate to the Minister of Labour, in charge of Economic Inclusion (France), "
     "recalled the framework.", [("Brigitte KLINKERT", "FR", True)]),
    ("Sébastien JALLET, Director of Cabinet of Marlène SCHIAPPA, Minister Delegate (France), recalled that.",
     [("Sébastien JALLET", "FR", True), ("Marlène SCHIAPPA", "FR", False)]),
    ("In conclusion, Mr JALLET insisted on the mobilisation.", [("JALLET", "", True)]),
    ("Ylva JOHANSSON, European Commissioner for Home Affairs, introduced her speech.",
     [("Ylva JOHANSSON", "EU", True)]),
    ("Jean-Christophe DUMONT, head of division at the Organisation for Economic Cooperation and Development (OECD) "
     "recalled that", [("Jean-Christophe DUMONT", "OECD", True)]),
    ("The representative of Tunisia said that the Committee should act.", [("Tunisia", "TN", True)]),
    ("The representatives of Cuba and Peru supported India's proposal.",
     [("Cuba", "CU", True), ("Peru", "PE", False)]),
    ("The representative of Norway was of the view that more was needed.", [("Norway", "NO", True)]),
    ("The Australian representative stated that the scheme worked.", [("Australian", "AU", True)]),
    ("The United States said that the clarification was helpful.", [("United States", "US", True)]),
    ("The representative of the European Communities fully supported it.", [("European Communities", "EU", True)]),
    ("Mrs Mariel Picado of Costa Rica said that the proportion was low.", [("Mariel Picado", "CR", True)]),
    ("Mr. Tanaka (Japan) said that his Government had contributed.", [("Tanaka", "JP", True)]),
    ("MR. HAYASHI (Japan) said that MS DELEGATIONS had agreed.", [("HAYASHI", "JP", True)]),
    # a transcript's labels give the floor, the chair's label to the person it names
    ("CHAIR (Senator Hartigan): I declare open this hearing.\nMs Thorne: As at 30 April there were 582,310.",
     [("Hartigan", "", True), ("Thorne", "", True)]),
    ("The Chairman said that the item was closed.", [("Chairman", "", True)]),
    ("The Committee took note of the statements.", []),
    # particles belong to the surname; a country that opens the sentence, or ends an institution's name
    ("Mr Cathal Ó BRIAIN, Minister of State (Ireland), said that", [("Cathal Ó BRIAIN", "IE", True)]),
    ("Professor Ciarán O'Donnell, Director (Ireland), said that", [("Ciarán O'Donnell", "IE", True)]),
    ("For Spain, Ms Lucía FERNÁNDEZ ARROYO, Minister of Labour, highlighted the plan.",
     [("Lucía FERNÁNDEZ ARROYO", "ES", True)]),
    ("Ms Geneviève MARTIN, Deputy Minister, Employment and Social Development Canada, explained that",
     [("Geneviève MARTIN", "CA", True)]),
    ("Ms Hélène VAN DAMME, Deputy Prime Minister (Belgium), opened the meeting.",
     [("Hélène VAN DAMME", "BE", True)]),
    # being there is not taking the floor; nor is a subordinate clause
    ("Representatives of Ukraine and Moldova attended the lunch as observers.",
     [("Ukraine", "UA", False), ("Moldova", "MD", False)]),
    ("As Sir Geoffrey LOWE had to leave early, the Chair asked the witnesses.",
     [("Geoffrey LOWE", "", False), ("Chair", "", True)]),
    ("The Secretariat would prepare a summary of the discussion.", [("Secretariat", "", False)]),
    # roles written before the name, chained honorifics, a parliament's group and country
    ("Speaking for Kenya, Cabinet Secretary for Labour Florence Chebet noted that",
     [("Florence Chebet", "KE", True)]),
    ("The Minister of Labour of Liberia, Hon. Cllr. Augustine Flomo, said that",  # the minister speaks for Liberia
     [("Liberia", "LR", False), ("Augustine Flomo", "LR", True)]),
    ("The Minister for Social Affairs of Iceland informed the meeting.", [("Iceland", "IS", True)]),
    ("Mr Ansgar BRÜMMER (EPP, DE) stressed that", [("Ansgar BRÜMMER", "DE", True)]),
    ("Owen PRICE MP asked why", [("Owen PRICE", "", True)]),
    ("Apostolos Tzitzikostas (EL/EPP), President of the Committee, welcomed the Commissioner.",
     [("Apostolos Tzitzikostas", "GR", True)]),
    # a participant list whose lines ran together: each person under the last "Country:" label
    ("Denmark: Mr Rasmus Thygesen, Minister for Employment; Mr Søren Kjærgaard, Permanent Secretary, Ministry of "
     "Employment Finland: Ms Heli Rantanen, Minister of Employment Åland (guest): Ms Annika Mattsson, Minister",
     [("Rasmus Thygesen", "DK", False), ("Søren Kjærgaard", "DK", False), ("Heli Rantanen", "FI", False),
      ("Annika Mattsson", "AX", False)]),
    # a peer's title holds a place; a chair named in brackets
    ("Lord Pennington of Ashby (Con) asked what assessment had been made.",
     [("Pennington of Ashby", "", True)]),
    ("Lord MacLennan of Govan (Lab) described the Scottish experience.", [("MacLennan of Govan", "", True)]),
    ("The Chair (Lucia Nicholsonová) opened the meeting.", [("Lucia Nicholsonová", "", True)]),
    # the ILO's delegations and offices
    ("The Government member of Brazil, speaking on behalf of GRULAC, said that", [("Brazil", "BR", True)]),
    ("The Worker Vice-Chairperson stated that", [("Worker Vice-Chairperson", "", True)]),
    # a director speaks for the authorities he names as his; an initial is no 'M.' (Monsieur)
    ("Mr. Ruhland said that his German authorities considered the program appropriate.",
     [("Ruhland", "DE", True)]),
    ("Mr. Delacroix agreed with previous speakers. He noted that the French authorities would lend.",
     [("Delacroix", "", True)]),
    ("Present: S. M. Kamau R. Lindqvist\n\nMr. Lindqvist said that the U.K. authorities agreed.",
     [("Lindqvist", "GB", True)]),
    # a title with its complement is no name; written again as someone was introduced, it is them
    ("The Minister for Human Rights thanked the delegations.", []),
])
def test_speakers(nlp, text, expected):
    assert speakers(nlp, text) == expected


def test_the_following_spoke(nlp):
    text = ("The following spoke: Christian EHLER, on behalf of the PPE Group, Nicolás GONZÁLEZ CASARES, "
            "on behalf of the S&D Group, and Ville NIINISTÖ, on behalf of the Verts/ALE Group.")
    names = [n for n, _, _ in speakers(nlp, text)]
    assert names == ["Christian EHLER", "Nicolás GONZÁLEZ CASARES", "Ville NIINISTÖ"]


@pytest.mark.parametrize("text, names", [
    ("Other innovative programmes such as the HOPE programme, which is based on", ["HOPE programme"]),
    ("The Skilled Immigration Act has improved the opportunities", ["Skilled Immigration Act"]),
    ("the Enhanced Integrated Framework (EIF) for LDCs", ["Enhanced Integrated Framework"]),
    ("Mr ALDSKOGIUS presented the \"Local Job Tracks\" programme set up in 2018", ["Local Job Tracks"]),
    ("has developed the diversity label \"We respect differences\".", ["We respect differences"]),
    ("European funds (ERDF, AMIF, ESF) must be mobilised",
     ["European Regional Development Fund", "Asylum, Migration and Integration Fund", "European Social Fund"]),
    ("the Commission's funds (XYZF, QRSF) are used", ["XYZF", "QRSF"]),
    # where a programme runs is no part of its name; a period, a heading in capitals, an office are none
    ("the Shirika Plan in Kenya, the 2021-2027 programmes, the NETWORK FOR LABOUR ADMINISTRATION and the "
     "Undersecretary for Policy", ["Shirika Plan"]),
    # a law named by its number, a strategy by its year; not an article, nor a bare year
    ("Spain's Law 15/2022, the Federal Decree-Law No. 9 of 2022, Agenda 2063 and Article 12 of the Act 2024",
     ["Law 15/2022", "Federal Decree-Law No. 9", "Agenda 2063"]),
    # a coined word names a brand; a company's does not
    ("through SkillsFuture, JobsPlus and Springboard+, advertised on LinkedIn by Lord MacLennan",
     ["SkillsFuture", "JobsPlus", "Springboard+"]),
    # a law's year and its bracketed words belong to its title; a translated name starts at a word
    ("the Refugees Act, 2021 and the Migration Amendment (Strengthening Employer Compliance) Act 2024",
     ["Refugees Act, 2021", "Migration Amendment (Strengthening Employer Compliance) Act 2024"]),
    ("the municipal Swedish for Immigrants program (svenska för invandrare, SFI) and the Austrian housing "
     "subsidy scheme (Wohnbauförderung)", ["Swedish for Immigrants program", "housing subsidy scheme"]),
    ("funding under Erasmus+ and Horizon Europe", ["Erasmus+", "Horizon Europe"]),
    ("the republican integration contract (CIR) to enhance", ["republican integration contract"]),
    ("highlighted the European Pillar of Social Rights with three targets", ["European Pillar of Social Rights"]),
    ("The recently launched Platform on combatting homelessness will be discussed",
     ["Platform on combatting homelessness"]),
    ("the Ministry of Labour and the Committee on Trade and Development (CTD)", []),
    ("the French Office for Immigration and Integration (OFII) work together", []),
    ("beneficiaries of international protection (BPI)", []),
    ("a \"seamless\" pathway", []),
    ("the draft Programme of Work", []),
    # a proper name before a lowercase programme word, however foreign or oddly cased
    ("the Polish minister presented the Mieszkanie na Start programme", ["Mieszkanie na Start programme"]),
    ("cited the Indian iGOT Karmayogi platform and", ["iGOT Karmayogi platform"]),
    ("the Digital Platform Government (DPG) initiative", ["Digital Platform Government initiative"]),
    ("allowed the Federal Employment Agency to fund training", []),
    ("above the EU average must programme at least", []),
    ("the European programme and the Finnish scheme", []),
    # programme words that are not English, a law named after a department, a spelled-out acronym
    ("under Operation Welcome (Operação Acolhida), more", ["Operation Welcome"]),
    ("the new Qualifizierungsgeld replaces", ["Qualifizierungsgeld"]),
    ("the Department of Migrant Workers Act had", ["Department of Migrant Workers Act"]),
    ("make use of ALMA (Aim, Learn, Master, Achieve), which", ["ALMA"]),
    ("Te Ara Matihiko (\"the digital pathway\"), a cross-agency programme", ["Te Ara Matihiko"]),
    # a programme word alone, a law by its number, an organisation after the name
    ("established by Regulation (EU) 2021/241, finances", []),
    ("the law (Law No. 21.180) requires", ["Law No. 21.180"]),  # a law named by its number
    ("discussion on the Traineeships Directive in the Council working party", ["Traineeships Directive"]),
    ("the Coding for Employment Programme and Part II of the Work Programme", ["Coding for Employment Programme"]),
    # a defined name that people arrive or are funded under is a programme, unless it is a body
    ("arrived under the Canada-Ukraine Authorization for Emergency Travel (CUAET). Many",
     ["Canada-Ukraine Authorization for Emergency Travel"]),
    ("funded through the Department of Employment and Workplace Relations (DEWR).", []),
    ("Mr X, Minister of Family, Labour and Social Policy (Poland), said", []),  # a portfolio
    ("Ms Y said that, as Director of Social Programmes at the Ministry, she", []),  # an office
    ("the Law on Vietnamese Workers Working Abroad under Contracts (Law No. 69/2020/QH14), which",
     ["Law on Vietnamese Workers Working Abroad under Contracts"]),
    # a name given in two languages, either way round; not a person's or a body's bracket
    ("the Secretary General added that Nordplus Adult (Nordplus Voksen), with", ["Nordplus Adult"]),
    ("presented the Takaful and Karama (Solidarity and Dignity) cash transfers", ["Takaful and Karama"]),
    ("and the adult apprenticeship scheme (voksenlærlingeordningen), under which", ["adult apprenticeship scheme"]),
    ("Ms Karin Lindqvist (Sverige) and Mr Jonas Helgason (Nordregio) said", []),
    ("the Committee on Social Development, Labour and Employment (STC-SDLE-5) met", []),
    ("presented Guate te Incluye (Guatemala Includes You), which", ["Guate te Incluye"]),
    ("referred to Pé-de-Meia (\"Nest Egg\"), a savings incentive", ["Pé-de-Meia"]),
    ("the Falkland Islands (Malvinas) and", []),
    # a programme word before the name, or a possessive and a modifier before it
    ("the temporary employment programme Lurawi Perú had generated", ["Lurawi Perú"]),
    ("Finland presented its Talent Boost programme, which", ["Talent Boost programme"]),
    ("the project Steering Committee met and the programme Partners agreed", []),
    ("and the Government's Skills Reform had", ["Skills Reform"]),  # the owner is no part of the name
])
def test_programmes(nlp, text, names):
    values = [m.value for m in found(nlp, text, Label.PROGRAMME) if m.rule != "programme.acronym-mention"]
    assert list(dict.fromkeys(values)) == names


@pytest.mark.parametrize("text, names", [
    ("A recognition and assessment law came into force in 2016", ["recognition and assessment law"]),
    ("The federal language-training programme is tailored to job-seekers", ["federal language-training programme"]),
    ("the framework set by the European agenda 2021-2027 for integration", ["European agenda 2021-2027"]),
    ("the new law was adopted last year", []),
    ("the various European funds and a national law", []),
])
def test_lowercase_programmes(nlp, text, names):
    assert [m.value for m in found(nlp, text, Label.PROGRAMME)] == names


def test_council_style_lists(nlp):
    doc = nlp("Several delegations (DE, FR, EL) supported the proposal. Germany, France and Italy called for more.")
    countries = [m.value for m in sorted(mentions_of(doc), key=lambda m: m.start) if m.label == Label.COUNTRY]
    assert countries == ["DE", "FR", "GR", "DE", "FR", "IT"]
    assert [(n, f) for n, _, f in speakers(nlp, doc.text)] == [
        ("DE", False), ("FR", False), ("EL", False), ("Germany", True), ("France", False), ("Italy", False)]


def test_a_translation_in_brackets_is_the_same_programme(nlp):
    doc = nlp("the Plan de Garantía Juvenil Plus (Youth Guarantee Plus Plan), and the Digital Transformation Law "
              "(Law No. 21.180, Ley de Transformación Digital del Estado) were presented.")
    keys = [m.evidence.key for m in found(nlp, doc.text, Label.PROGRAMME)]
    assert len(keys) == 5 and len(set(keys)) == 2


@pytest.mark.parametrize("name", ["II of the Programme", "2021 for the Plan", "Plus"])
def test_a_name_made_of_numbers_and_programme_words_is_nothing(nlp, name):
    assert found(nlp, f"Then {name} was discussed.", Label.PROGRAMME) == []


def test_spacy_loads_the_model_by_itself_once_the_package_is_installed():
    """The factories and the tokenizer come from the package's entry points: a script that never
    imports ``pipeline`` loads the model with ``spacy.load`` and reads a speaker."""
    script = ("import spacy; nlp = spacy.load('models/meeting_en'); "
              "doc = nlp('Ms. Ana Ruiz (Spain) welcomed the new Integration Act.'); "
              "print(type(nlp.tokenizer).__name__, [m.text for m in doc._.mentions if m.label == 'SPEAKER'])")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    tokenizer, speakers = done.stdout.split(" ", 1)
    assert tokenizer == "ChunkCachedTokenizer" and "Ana Ruiz" in speakers
