"""Time windows, contraception, negation, exceptions and each item's logic and status (issue 5)."""

import pytest

from nlp import extract
from nlp.window import find_phrases, interval_days


def record(item, section="Exclusion Criteria:"):
    return extract(f"{section}\n- {item}\n", trial_id="NCT00000000")


def windows(item, section="Exclusion Criteria:"):
    out = []
    for c in record(item, section)["constraints"]:
        if c["kind"] == "window":
            w = c["window"]
            out.append((c["event"]["text"], w["amount"], w["unit"], w["direction"], w["anchor"], c["negated"]))
    return out


# (item, [(event, amount, unit, direction, anchor, negated)])
DURATIONS = [
    ("Stroke within 1 year before screening", [("Stroke", 1, "years", "before", "screening", False)]),
    # a recency without "the", or in brackets without "within"
    ("Myocardial infarction (within last month)", [("Myocardial infarction", 1, "months", "before", "unspecified", False)]),
    ("Major surgery within previous year", [("Major surgery", 1, "years", "before", "unspecified", False)]),
    ("Acute stroke (past 6 months)", [("Acute stroke", 6, "months", "before", "unspecified", False)]),
    ("Stroke (last 6 months)", [("Stroke", 6, "months", "before", "unspecified", False)]),
    # an exception saying how long ago the event ended is the item's own window
    ("Localized palliative radiotherapy unless completed more than 2 weeks before the study",
     [("Localized palliative radiotherapy", 2, "weeks", "since", "study_entry", False)]),
    ("Strong CYP3A4 inhibitors, unless stopped at least 14 days before the first dose",
     [("Strong CYP3A4 inhibitors", 14, "days", "since", "treatment_start", False)]),
    ("Stroke within twelve months before randomization",
     [("Stroke", 12, "months", "before", "randomization", False)]),
    ("Chemotherapy within 2 wks prior to registration", [("Chemotherapy", 2, "weeks", "before", "enrollment", False)]),
    ("Blood transfusion within 72 hrs of screening",
     [("Blood transfusion", 72, "hours", "before", "screening", False)]),
    ("Myocardial infarction within six (6) months prior to study entry",
     [("Myocardial infarction", 6, "months", "before", "study_entry", False)]),
    ("Hospitalization for heart failure within a year",
     [("Hospitalization for heart failure", 1, "years", "before", "unspecified", False)]),
    # "receive no X": the event is X, negated
    ("Patients who receive no steroids or immunosuppressants within 12 weeks prior to consent",
     [("steroids", 12, "weeks", "before", "consent", True), ("immunosuppressants", 12, "weeks", "before", "consent", True)]),
    # half a year, "in prior N", "the date of the screening"
    ("Surgery within half a year", [("Surgery", 0.5, "years", "before", "unspecified", False)]),
    ("Antiviral treatment in the past half year", [("Antiviral treatment", 0.5, "years", "before", "unspecified", False)]),
    ("Panretinal photocoagulation (PRP) in prior 4 months",
     [("Panretinal photocoagulation", 4, "months", "before", "unspecified", False)]),
    ("Acne scar treatment within 24 weeks of the date of the screening",
     [("Acne scar treatment", 24, "weeks", "before", "screening", False)]),
    ("Investigational drug within 5 half-lives", []),
    # an aside opened after the event and holding the window is not the event's
    ("Oral steroids (planned, or within the past 3 months)", [("Oral steroids", 3, "months", "before", "unspecified", False)]),
    # within N after an onset or a discharge: how recent it is
    ("Patients must be enrolled within 72 hours of ICU admission",
     [("ICU admission", 72, "hours", "before", "enrollment", False)]),
    ("Randomized within 7 days of stroke onset", [("stroke onset", 7, "days", "before", "randomization", False)]),
    ("Intubated > 72 continuous hours", [("Intubated", 72, "hours", "since", "unspecified", False)]),
    ("Hospitalized no more than 96 hours after onset of symptoms",
     [("onset of symptoms", 96, "hours", "before", "unspecified", False)]),
    # ... and when the item says who is randomized then, the randomization is its anchor
    ("Randomized no more than 96 hours after onset of symptoms",
     [("onset of symptoms", 96, "hours", "before", "randomization", False)]),
    ("Hospitalized within 7 days after discharge from a hospital",
     [("discharge from a hospital", 7, "days", "before", "unspecified", False)]),
    ("Drug or alcohol dependence within the past year",
     [("Drug", 1, "years", "before", "unspecified", False),
      ("alcohol dependence", 1, "years", "before", "unspecified", False)]),
    # "in N months" ending a statement is the last N months; after a count it is a rate
    ("Myocardial infarction, unstable angina or stroke in 6 months.",
     [("Myocardial infarction", 6, "months", "before", "unspecified", False),
      ("unstable angina", 6, "months", "before", "unspecified", False),
      ("stroke", 6, "months", "before", "unspecified", False)]),
    ("Reported > 2 urinary tract infections in 6 months", []),
    # an aside that says the window again (what happens if it is met) is not a second window; a bracketed
    # window of another event is
    ("Use of pseudoephedrine 48 hours prior to visit (if used in the 48 hours prior to the scheduled visit, the "
     "visit will be deferred)", [("pseudoephedrine", 48, "hours", "before", "unspecified", False)]),
    ("Major surgery (within 4 weeks) or radiotherapy within 4 weeks",
     [("Major surgery", 4, "weeks", "before", "unspecified", False),
      ("radiotherapy", 4, "weeks", "before", "unspecified", False)]),
]

DIRECTIONS = [
    # an aside of other amounts for some of the events: the same direction and anchor
    ("Chemotherapy within 21 days prior to receipt of study medication (6 weeks for nitrosoureas; 12 weeks for "
     "radioimmunotherapy)", [("Chemotherapy", 21, "days", "before", "treatment_start", False),
                             ("nitrosoureas", 6, "weeks", "before", "treatment_start", False),
                             ("radioimmunotherapy", 12, "weeks", "before", "treatment_start", False)]),
    # two values some time apart: the least time between them (since), as the dev gold writes it
    ("PSA >= 2 ng/mL, with 2 rising PSA values obtained more than 1 month apart",
     [("rising PSA values obtained", 1, "months", "since", "unspecified", False)]),
    # "the prior N" without "in"; calendar units
    ("Antibiotic treatment the prior 3 months", [("Antibiotic treatment", 3, "months", "before", "unspecified", False)]),
    ("Surgery within 30 calendar days prior to randomization",
     [("Surgery", 30, "days", "before", "randomization", False)]),
    # an item that opens with its duration; a comparator written with a space inside it
    ("One year of stable diabetes care", [("stable diabetes care", 1, "years", "since", "unspecified", False)]),
    ("Methotrexate for > = 3 months", [("Methotrexate", 3, "months", "since", "unspecified", False)]),
    # a disease's duration is its window; a procedure's is not (NOT_WINDOWS)
    ("Diabetes duration \u2265 1 year", [("Diabetes duration", 1, "years", "since", "unspecified", False)]),
    # "living" here is the donor, not where one lives; "w/in" is "within"
    ("Planned living kidney transplant within 6 months",
     [("Planned living kidney transplant", 6, "months", "after", "unspecified", False)]),
    ("Heart surgery anticipated w/in 3 months after proposed transplantation",
     [("Heart surgery", 3, "months", "after", "treatment_start", False)]),
    ("Major surgery within 30 days prior to randomization",
     [("Major surgery", 30, "days", "before", "randomization", False)]),
    ("Serious infection in the 3 months prior to screening",
     [("Serious infection", 3, "months", "before", "screening", False)]),
    ("Antimalarials taken within the last 2 weeks", [("Antimalarials", 2, "weeks", "before", "unspecified", False)]),
    ("Myocardial infarction in the past 6 months", [("Myocardial infarction", 6, "months", "before", "unspecified", False)]),
    ("Planned elective surgery within 6 weeks after enrollment",
     [("Planned elective surgery", 6, "weeks", "after", "enrollment", False)]),
    ("Antibiotics within 14 days following the last dose",
     [("Antibiotics", 14, "days", "after", "last_dose", False)]),
    ("Planned surgery within the next 3 months", [("Planned surgery", 3, "months", "after", "unspecified", False)]),
    ("At least 4 weeks since prior chemotherapy", [("chemotherapy", 4, "weeks", "since", "unspecified", False)]),
    # opening the item, the event named after "after"
    ("At least two weeks after the chemotherapy", [("chemotherapy", 2, "weeks", "since", "unspecified", False)]),
    ("Surgery no sooner than 4 weeks before study treatment",
     [("Surgery", 4, "weeks", "since", "treatment_start", False)]),
    ("Diagnosis of type 2 diabetes more than 6 months ago",
     [("type 2 diabetes", 6, "months", "since", "unspecified", False)]),
    ("Radiotherapy completed at least 2 weeks prior to day 1", [("Radiotherapy", 2, "weeks", "since", "baseline", False)]),
    ("Stable dose of metformin for at least 3 months before baseline",
     [("Stable dose of metformin", 3, "months", "since", "baseline", False)]),
    ("Type 1 diabetes mellitus (as diagnosed clinically) >= 12 months",
     [("Type 1 diabetes mellitus", 12, "months", "since", "unspecified", False)]),
    ("Patients must be on a stable HAART regimen for greater than or equal to 3 months prior to entry",
     [("stable HAART regimen", 3, "months", "since", "study_entry", False)]),
    ("Diabetes for more than or equal to 1 year", [("Diabetes", 1, "years", "since", "unspecified", False)]),
    ("Stable dose of metformin for equal to or greater than 3 months",
     [("Stable dose of metformin", 3, "months", "since", "unspecified", False)]),
    ("History of drug or alcohol abuse within the 12 months prior to dosing",
     [("drug", 12, "months", "before", "treatment_start", False),
      ("alcohol abuse", 12, "months", "before", "treatment_start", False)]),
    ("Strong CYP3A4 inhibitors require a one week wash-out period",
     [("Strong CYP3A4 inhibitors", 1, "weeks", "since", "unspecified", False)]),
]

ANCHORS = [
    ("Surgery within 14 days before enrollment", "enrollment"),
    ("Surgery within 14 days before screening", "screening"),
    ("Surgery within 14 days before randomisation", "randomization"),
    ("Surgery within 14 days before signing informed consent", "consent"),
    ("Surgery within 14 days before study entry", "study_entry"),
    ("Surgery within 14 days before baseline", "baseline"),
    ("Surgery within 14 days before the first dose of study drug", "treatment_start"),
    # a visit named after a few words of its own; "prior to or at", "prior to and including"
    ("Completed participation in the parent study within 7 days of the extension study Baseline Visit", "baseline"),
    ("Surgery within 4 weeks of the subject's screening visit", "screening"),
    ("Suicidal behaviour within the last 6 months prior to or at the Baseline Visit", "baseline"),
    ("Antibiotics within two weeks prior to and including study day 1", "treatment_start"),
    # the trial's own procedure, scheduled or planned: its start; a scheduled study visit or test is not
    ("Myocardial infarction within 6 months prior to the scheduled BNCT", "treatment_start"),
    ("Chemotherapy within 4 weeks prior to the planned start of study treatment", "treatment_start"),
    ("Surgery within 2 weeks before the planned randomization", "randomization"),
    ("Blood draw within 2 hours before the scheduled pharmacokinetic study", "unspecified"),
    ("Surgery within 14 days prior to initiation of treatment", "treatment_start"),
    ("Surgery within 14 days prior to Cycle 1, Day 1", "treatment_start"),
    ("Surgery within 14 days after the last dose of study drug", "last_dose"),
    ("Surgery within 14 days after the end of the study", "study_end"),
    ("Surgery within the past 14 days", "unspecified"),
    # spellings of the registries: an article, a first vaccination, the day of screening
    ("Surgery within 14 days before the day of screening", "screening"),
    ("Antibiotics within 7 days prior to their last dose of study drug", "last_dose"),
    ("Any vaccine within 30 days before first study vaccination", "treatment_start"),
    ("Surgery within 4 weeks prior to the baseline", "baseline"),
    # entering the study is its entry (the gold: "prior to entering the study" study_entry); a hospital
    # admission is not the study's
    ("Investigational drug within 30 days before entering this study", "study_entry"),
    ("Onset of first symptom less than 7 days before admission", "unspecified"),
    ("Blood products within three months preceding study visit(s)", "unspecified"),
    ("Antibiotics within 30 days prior to study visit 1", "screening"),
    ("Any prescription medication within 14 days prior to admission to the study", "study_entry"),
    # "SV" for the screening visit; an abbreviated unit's full stop before the anchor
    ("Changes in diabetes medication doses within 3 mos. of SV", "screening"),
    # the product after a dose, the study's product after "the start of the study"
    ("JAK inhibitors within 4 weeks prior to the first dose of study intervention", "treatment_start"),
    ("Hydroxychloroquine within the 30 days prior to the start of the study drug treatment", "treatment_start"),
    ("Antibiotics within 7 days after the last administration of the investigational product", "last_dose"),
    ("Antibiotics within 14 days prior to the date of informed consent", "consent"),
    ("Immunosuppressants within 12 weeks prior to the obtainment of informed consent", "consent"),
    ("Participation in another clinical study during the last 30 days prior to signing the consent at visit 1", "consent"),
    # "study day 0/1" is the first day of study treatment (dev gold of the fifth and sixth batches)
    ("Erythromycin within 2 weeks prior to study day 0", "treatment_start"),
    # half-lives and "whichever is longer" between the amount and its anchor
    ("Investigational drugs within 30 days or 5 half-lives, whichever is longer, prior to screening", "screening"),
    ("Investigational agent within 28 days or 5 half-lives (whichever is shorter) before the first dose",
     "treatment_start"),
    ("Nodes sampled by mediastinoscopy within 6 weeks of the definitive surgical procedure", "treatment_start"),
]

# two amounts joined by "and"/"or" share the anchor written after the second
SHARED_ANCHORS = [
    ("Computed tomography of the abdomen and pelvis within 45 days and bone scan within 60 days of signing informed "
     "consent", ["consent", "consent"]),
    ("Radiotherapy within 4 weeks or chemotherapy within 3 weeks before randomization",
     ["randomization", "randomization"]),
    # an amount with its own "prior" keeps it; another clause keeps its own
    ("Chemotherapy 4 weeks prior and radiotherapy 2 weeks prior to registration", ["unspecified", "enrollment"]),
    ("Stroke within 6 months; chemotherapy within 4 weeks prior to randomization", ["unspecified", "randomization"]),
]


@pytest.mark.parametrize("item,anchors", SHARED_ANCHORS, ids=[i[:50] for i, _ in SHARED_ANCHORS])
def test_shared_anchors(item, anchors):
    assert [w[4] for w in windows(item)] == anchors

EVENTS = [
    # one window shared by a list gives each event its window
    ("Prior surgery, radiation, chemotherapy, within 4 weeks prior to treatment",
     [("surgery", "procedure"), ("radiation", "procedure"), ("chemotherapy", "drug")]),
    ("Surgery or trauma (e.g. contusions, abrasions, stab wounds) within 14 days before enrollment",
     [("Surgery", "procedure"), ("trauma", "procedure")]),
    ("History of cerebrovascular accident (stroke) within 1 year before screening",
     [("cerebrovascular accident", "condition")]),
    ("Participation in another interventional trial within 3 months before screening",
     [("another interventional trial", "trial_participation")]),
    ("Positive SARS-CoV-2 RNA test within six days prior to enrollment",
     [("Positive SARS-CoV-2 RNA test", "test")]),
    ("Laboratory values within 14 days of registration", [("Laboratory values", "measurement")]),
    ("Any history of ongoing, significant infections or recent serious infection, i.e., requiring hospitalization "
     "and or IV antimicrobial treatment in the 3 months prior to screening",
     [("serious infection, i.e., requiring hospitalization and or IV antimicrobial treatment", "condition")]),
    ("In the opinion of the investigator, has had drug or alcohol dependence within the past year",
     [("drug", "drug"), ("alcohol dependence", "condition")]),
]

NOT_WINDOWS = [
    "Aged 18 to 65 years",
    "Female patients of childbearing potential (including those < 1 year post-menopausal)",
    # an event that only points at a list the window did not reach
    "MASH defined by any of the following within 12 months prior to screening (V1):",
    "Life expectancy of at least 3 months",
    "Employed (minimum of 20 h per week)",
    "Anticipated surgical procedure time less than 1 hour",
    "Children 6 months of age or older",
    "Plans to receive any vaccine during the study period",
    # behaviour in the study, not a window to screen on; "during" belongs to contraception and to a dose's period
    "Use of systemic corticosteroids during the study",
    "Willing to maintain their current pain treatment throughout the study",
    "Progression to death is imminent and inevitable within the next 24 hours",
    "Living within two hours of the clinic",
    "Full-term (>= 37 weeks) singleton pregnancy",
    "1.Age >=80 years",
    # ages the age rules did not read: "years of age" after the amount, only persons before it
    "Patients under 40 or over 60 years of age who require spinal anesthesia for orthopedic surgery",
    "Male or female patients greater than or equal to 21 years",
    # how long a procedure lasts
    "Elective foot and ankle day surgery procedures, lasting between 1 and 3 hours",
    # a commitment to the study's follow-up
    "Available for follow-up for at least 6 months",
    "Willing to be followed for 6 months after treatment",
    "Inability to attend daily for 10 days",
    "Procedure duration > 2 hours",
    "12 months of follow-up after the last dose",
    "Subjects must agree they will do their best to attend the treatment facility daily for 10 days",
]


@pytest.mark.parametrize("item,expected", DURATIONS + DIRECTIONS, ids=[r[0][:50] for r in DURATIONS + DIRECTIONS])
def test_windows(item, expected):
    assert windows(item) == expected


@pytest.mark.parametrize("item,anchor", ANCHORS, ids=[i[:50] for i, _ in ANCHORS])
def test_anchors(item, anchor):
    assert [w[4] for w in windows(item)] == [anchor]


@pytest.mark.parametrize("item,expected", EVENTS, ids=[r[0][:50] for r in EVENTS])
def test_events(item, expected):
    got = [(c["event"]["text"], c["event"]["type"]) for c in record(item)["constraints"] if c["kind"] == "window"]
    assert got == expected


# one event per head noun: alternatives that share a head are one event, a rate or a count is not a list
LISTS = [
    ("No history of myocardial infarction or severe/unstable angina within the past 6 months",
     ["myocardial infarction", "severe/unstable angina"]),
    ("Intranasal, oral, or inhaled anticholinergics within 3 days prior to Visit 1",
     ["Intranasal, oral, or inhaled anticholinergics"]),
    ("Solid or non-solid malignancy or lymphoma within the prior two years",
     ["Solid or non-solid malignancy", "lymphoma"]),
    # modifiers only ("clinically significant") share the next part's head
    ("Clinically significant or severe hypoglycaemia within 6 months of screening",
     ["Clinically significant or severe hypoglycaemia"]),
    # an event written after its window ends before its examples, not at the stop of "e.g."
    ("Recent (< 3 months) acute macrovascular event e.g. acute coronary syndrome or cardiac surgery",
     ["acute macrovascular event"]),
    ("At least 30 days since immunomodulating agents or biological response modifiers, e.g., interferon",
     ["immunomodulating agents", "biological response modifiers"]),
    # a sentence after a closing bracket is a new clause
    ("Pain duration <2 weeks (336 hours). Patients with more than two weeks of pain are at increased risk",
     ["Pain duration"]),
    # the head said again with its own modifier: the window is the second part's only
    ("Other co-existing malignancies or malignancies diagnosed within the last 5 years", ["malignancies"]),
    ("Blood or blood product transfusion within the past 6 months", ["Blood", "blood product transfusion"]),
    ("Ongoing or previous anti-tumor therapies within 4 weeks prior to the first dose of study drug",
     ["Ongoing or previous anti-tumor therapies"]),
    ("Active hepatitis B or C infection within 6 months before screening", ["hepatitis B or C infection"]),
    # the grade is a threshold of its own (CTCAE grade); the event is what it grades
    ("Grade 3 or 4 bleeding within 4 weeks prior to randomization", ["bleeding"]),
    ("One or more relapses in the 2 years preceding randomization", ["One or more relapses"]),
    ("Diarrhea defined as two or more stools/day for at least 14 days", ["Diarrhea defined as two or more stools/day"]),
    ("Willingness, and physician agreement, to discontinue CNS medications/NSAIDs/analgesics for 1 week prior to "
     "starting their trial", ["CNS medications", "NSAIDs", "analgesics"]),
    # nouns stay apart
    ("History of stroke or MI within 6 months", ["stroke", "MI"]),
    ("History of PCI with stent or CABG in the past 3 months", ["PCI with stent", "CABG"]),
    ("Infection with fever or hospitalization within 2 weeks", ["Infection with fever or hospitalization"]),
    # "any of the following ...:" names the events after the colon
    ("Any of the following within the 6 months prior to study drug administration: myocardial infarction, "
     "severe/unstable angina", ["myocardial infarction", "severe/unstable angina"]),
    # who judges is not an event
    ("Clinically stable, in the opinion of the investigator, for at least 4 weeks prior to screening",
     ["Clinically stable"]),
    ("Stable disease, as judged by the investigator, for at least 3 months", ["Stable disease"]),
    # a window in parentheses after words that only qualify: the event follows
    ("Subject has a recent history (within the past 6 months) of suspected substance abuse or dependence disorder",
     ["suspected substance abuse", "dependence disorder"]),
    ("Any chronic ( > 3 days) medication", ["medication"]),
    # a list of examples after "treatment with", "such as": one event
    ("Chronic or acute infection requiring treatment with antibiotics, antivirals, antiparasitics, antifungals within "
     "4 weeks before screening visit",
     ["Chronic or acute infection requiring treatment with antibiotics, antivirals, antiparasitics, antifungals"]),
    ("Received continuous psychotherapy such as CBT, motivational enhancement therapy, and psychoanalysis in the past "
     "3 months", ["continuous psychotherapy such as CBT, motivational enhancement therapy, and psychoanalysis"]),
    ("History of stroke, TIA, myocardial infarction with hospitalization, unstable angina or PCI within 6 months",
     ["unstable angina", "PCI"]),
    # "treated with" a list of drugs: each drug is an event
    ("Patients who have been treated with valproate, lamotrigine, or carbamazepine in the past 12 weeks",
     ["valproate", "lamotrigine", "carbamazepine"]),
    # a word that only qualifies the event before a window in brackets: the events follow
    ("recent diagnosis (past 6 months) of bipolar disorder, schizophrenia, or mental retardation",
     ["bipolar disorder", "schizophrenia", "mental retardation"]),
    ("Prior treatment (within 4 weeks) with chemotherapy", ["chemotherapy"]),
    # a list of short names longer than six shares the window too
    ("Thalidomide, cyclosporine, mycophenolate mofetil, 6-mercaptopurine, azathioprine, cyclophosphamide, "
     "chlorambucil, or any other immunosuppressants within 12 weeks prior to enrollment",
     ["Thalidomide", "cyclosporine", "mycophenolate mofetil", "6-mercaptopurine", "azathioprine", "cyclophosphamide",
      "chlorambucil", "other immunosuppressants"]),
    # ... and ends where a governing word is, beyond six
    ("Use of immunomodulating agents such as IVIG, corticosteroids, interferons, pentoxifylline, G-CSF, "
     "erythropoietin, growth hormone and other growth factors within one month of enrollment",
     ["corticosteroids", "interferons", "pentoxifylline", "G-CSF", "erythropoietin", "growth hormone",
      "other growth factors"]),
]


@pytest.mark.parametrize("item,expected", LISTS, ids=[r[0][:50] for r in LISTS])
def test_list_events(item, expected):
    assert [c["event"]["text"] for c in record(item)["constraints"] if c["kind"] == "window"] == expected


# PDQ-style headings that state the window of the list under them
LIST_HEADINGS = [
    ("Exclusion Criteria:\n\nPrior Medication:\n\nExcluded within 4 weeks of study entry:\n\n"
     "  -  Any other experimental therapy.\n\n  -  Rifampin or rifabutin.\n\n"
     "Excluded within 3 months of study entry:\n\n  -  Radiation therapy (except electron beam therapy).\n",
     [("other experimental therapy", 4, "weeks", "study_entry", False, "within 4 weeks of study entry"),
      ("Rifampin", 4, "weeks", "study_entry", False, "within 4 weeks of study entry"),
      ("rifabutin", 4, "weeks", "study_entry", False, "within 4 weeks of study entry"),
      ("Radiation therapy", 3, "months", "study_entry", False, "within 3 months of study entry")]),
    ("Exclusion Criteria:\n\nNo history of any of the following within the past 6 months:\n\n"
     "  -  Angina pectoris\n\n  -  Myocardial infarction\n\n  -  ANC < 1000/mm3\n",
     [("Angina pectoris", 6, "months", "unspecified", True, "within the past 6 months"),
      ("Myocardial infarction", 6, "months", "unspecified", True, "within the past 6 months")]),
    # the list after the heading at its own level, under a heading that names no event
    ("Exclusion Criteria:\n\nPatients will be excluded from the study for the following reasons:\n\n"
     "Excluded:\n\n  -  Any interferon preparation.\n\n  -  Excluded within 30 days of study entry:\n\n"
     "  -  Acyclovir.\n\n  -  Other investigational drugs.\n\nPatients may not have any of the following:\n\n"
     "  -  Non-Kaposi's sarcoma malignancy.\n",
     [("Acyclovir", 30, "days", "study_entry", False, "within 30 days of study entry"),
      ("Other investigational drugs", 30, "days", "study_entry", False, "within 30 days of study entry")]),
    # a list that is not the heading's events keeps its own reading
    ("Exclusion Criteria:\n\nNo second malignancy within 5 years except adequately treated:\n\n"
     "  -  Nonmelanomatous skin cancer\n\n  -  In situ cervical cancer\n",
     [("second malignancy", 5, "years", "unspecified", True, "second malignancy within 5 years")]),
    # unmarked lines under an unmarked timeframe line: each line up to a blank line takes it; an item's own
    # window keeps its amount and takes the heading's anchor; a dose limit takes the window
    ("Exclusion Criteria:\nPrior/Concomitant Therapy:\nHave received any of the following treatment regimens in the "
     "timeframes outlined below:\nWithin 4 weeks prior to the first dose of study intervention:\n\n"
     "Prior treatment with any JAK inhibitors, potent immunosuppressants, or any biologic agents including IL-6 "
     "inhibitors (eg, tocilizumab);\nPrior treatment with any potent cytochrome P450 inducer within the past 28 days."
     "\n\nWithin 48 hours prior to the first dose of study intervention:\n\n"
     "Treatment with prednisone >20 mg/day;\nTreatment with herbal supplements.\n",
     [("JAK inhibitors", 4, "weeks", "treatment_start", False, "Within 4 weeks prior to the first dose of study intervention"),
      ("potent immunosuppressants", 4, "weeks", "treatment_start", False,
       "Within 4 weeks prior to the first dose of study intervention"),
      ("biologic agents", 4, "weeks", "treatment_start", False,
       "Within 4 weeks prior to the first dose of study intervention"),
      ("potent cytochrome P450 inducer", 28, "days", "treatment_start", False,
       "potent cytochrome P450 inducer within the past 28 days"),
      ("herbal supplements", 48, "hours", "treatment_start", False,
       "Within 48 hours prior to the first dose of study intervention")]),
]


@pytest.mark.parametrize("text,expected", LIST_HEADINGS, ids=["pdq-excluded-within", "any-of-the-following",
                                                             "list-at-the-same-level", "exception-list",
                                                             "unmarked-timeframe-lines"])
def test_list_headings_give_their_window_to_the_list(text, expected):
    r = extract(text, trial_id="NCT00000000")
    got = [(c["event"]["text"], c["window"]["amount"], c["window"]["unit"], c["window"]["anchor"], c["negated"],
            c["evidence"]["text"]) for c in r["constraints"] if c["kind"] == "window"]
    assert got == expected
    for c in r["constraints"]:
        for part in c["parts"]:
            assert r["criteria"]["text"][part["start"]:part["end"]] == part["text"]


def test_doses_under_a_timeframe_line_take_its_window():
    text = ("Exclusion Criteria:\nWithin 48 hours prior to the first dose of study drug:\n\n"
            "Treatment with corticosteroids equivalent to prednisone or methylprednisolone >20 mg/day;\n")
    r = extract(text, trial_id="NCT00000000")
    got = [(c["kind"], c.get("drug", {}).get("id"), c["window"]["amount"], c["window"]["unit"], c["window"]["anchor"])
           for c in r["constraints"] if "window" in c]
    assert ("dose", "prednisone", 48, "hours", "treatment_start") in got
    assert not [c for c in r["constraints"] if c["kind"] == "window"]


@pytest.mark.parametrize("item,variable,window", [
    ("Left ventricular ejection fraction (LVEF) < 45% on historical ECHO within 6 months prior to the screening visit",
     "LVEF", (6, "months", "before", "screening")),
    ("Renal insufficiency, defined as an eGFR < 30 mL/min/1.73 m^2, derived from a serum creatinine sample obtained "
     "within 48 hours prior to the first contrast agent injection", "eGFR", (48, "hours", "before", "treatment_start")),
])
def test_the_test_named_after_a_threshold_dates_it(item, variable, window):
    cs = record(item)["constraints"]
    assert [c["kind"] for c in cs if c["kind"] in ("measurement", "window")] == ["measurement"]
    (m,) = [c for c in cs if c["kind"] == "measurement"]
    assert m["variable"]["id"] == variable
    assert tuple(m["window"][k] for k in ("amount", "unit", "direction", "anchor")) == window


def test_a_test_named_in_the_next_sentence_dates_no_threshold():
    item = ("Premature infants weighing less than 1,251 grams at birth were eligible. Consent must have been obtained "
            "within 24 hours of birth.")
    cs = record(item)["constraints"]
    assert [(c["kind"], "window" in c) for c in cs if c["kind"] in ("measurement", "window")] == [
        ("measurement", False), ("window", True)]


def test_thresholds_under_a_heading_take_its_window():
    text = ("Inclusion Criteria:\n\n  -  Adequate organ function within 14 days prior to registration, including the "
            "following:\n\n       -  Absolute neutrophil count >= 1,500/mm3\n\n       -  Platelets >= 100,000/mm3\n\n"
            "       -  Adequate hepatic function\n")
    r = extract(text, trial_id="NCT00000000")
    got = [(c["kind"], c.get("variable", {}).get("id"), c["window"]["amount"], c["window"]["anchor"],
            c["window"]["evidence"]["text"]) for c in r["constraints"] if "window" in c]
    assert got == [("measurement", "ANC", 14, "enrollment", "within 14 days prior to registration"),
                   ("measurement", "platelets", 14, "enrollment", "within 14 days prior to registration")]


@pytest.mark.parametrize("item", NOT_WINDOWS)
def test_not_windows(item):
    assert windows(item) == []
    assert not [c for c in record(item)["constraints"] if c["kind"] == "measurement" and "window" in c]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("within 2 weeks before randomization", {"start": -14.0, "end": 0.0}),
        ("between 2 and 4 weeks before the first dose", {"start": -28.0, "end": -14.0}),
        ("at least 4 weeks since prior chemotherapy", {"start": None, "end": -28.0}),
        ("within 6 weeks after enrollment", {"start": 0.0, "end": 42.0}),
        ("Day -28 to Day -1", {"start": -28.0, "end": -1.0}),
    ],
)
def test_interval_in_days(text, expected):
    (phrase,) = find_phrases(text)
    assert interval_days(phrase) == expected


def test_range_of_amounts_and_day_notation():
    (c,) = [c for c in record("Investigational agent between 2 and 4 weeks before the first dose")["constraints"]]
    assert (c["window"]["amount"], c["window"]["max_amount"], c["window"]["anchor"]) == (2, 4, "treatment_start")
    (d,) = record("Screening labs must be done Day -28 to Day -1", "Inclusion Criteria:")["constraints"]
    assert (d["window"]["amount"], d["window"]["interval_days"]) == (28, {"start": -28.0, "end": -1.0})


def test_window_evidence_points_into_the_input():
    text = "Exclusion Criteria:\n- Major surgery within 30 days prior to randomization\n"
    (c,) = extract(text, trial_id="NCT00000000")["constraints"]
    assert text[c["evidence"]["start"]:c["evidence"]["end"]] == c["evidence"]["text"] == \
        "Major surgery within 30 days prior to randomization"
    w = c["window"]["evidence"]
    assert text[w["start"]:w["end"]] == "within 30 days prior to randomization"
    assert [p["role"] for p in c["parts"]] == ["event", "window"]


# --- pregnancy tests take the window written after them --------------------------------------------------

@pytest.mark.parametrize(
    "item,expected",
    [
        ("Women of child-bearing potential must have a pregnancy test performed within 72 hours prior to "
         "initiation of treatment", (72, "hours", "before", "treatment_start")),
        ("Negative serum pregnancy test prior to enrollment", (None, None, "before", "enrollment")),
        ("Negative urine pregnancy test within 7 days of the first dose", (7, "days", "before", "treatment_start")),
    ],
)
def test_pregnancy_test_windows(item, expected):
    (c,) = [c for c in record(item, "Inclusion Criteria:")["constraints"] if c["kind"] == "pregnancy"]
    w = c["window"]
    assert c["test"] is True and (w["amount"], w["unit"], w["direction"], w["anchor"]) == expected


# --- contraception -----------------------------------------------------------------------------------------

def contraception(item, section="Inclusion Criteria:"):
    return [(c["who"], c["method_strength"], [(w["amount"], w["unit"], w["direction"], w["anchor"]) for w in c["windows"]],
             c["negated"], [e["text"] for e in c.get("exceptions", [])])
            for c in record(item, section)["constraints"] if c["kind"] == "contraception"]


DURING = (None, None, "during", "unspecified")

CONTRACEPTION = [
    ("Women of child-bearing potential must agree to use an effective contraceptive method while on this trial",
     "Inclusion Criteria:", [("women_of_childbearing_potential", "effective", [DURING], False, [])]),
    ("Willing to use contraception throughout the study and for 12 months following treatment",
     "Inclusion Criteria:", [("unspecified", None, [DURING, (12, "months", "after", "last_dose")], False, [])]),
    ("Pregnant, breastfeeding, or unwilling to practice birth control during participation in the study and for "
     "twelve months after completing the study infusion, unless surgically sterilized or postmenopausal",
     "Exclusion Criteria:", [("unspecified", None, [DURING, (12, "months", "after", "last_dose")], True,
                              ["unless surgically sterilized or postmenopausal"])]),
    ("Men with female partners of childbearing potential must use two methods of contraception during the study "
     "and for 90 days after the last dose",
     "Inclusion Criteria:", [("men_with_partners", "two methods", [DURING, (90, "days", "after", "last_dose")],
                              False, [])]),
    ("Fertile patients must use effective contraception", "Inclusion Criteria:",
     [("all_participants", "effective", [DURING], False, [])]),
    ("Females of childbearing potential must use a barrier method of contraception", "Inclusion Criteria:",
     [("women_of_childbearing_potential", "barrier", [DURING], False, [])]),
    ("All subjects must agree to use highly effective contraception for 3 months after the end of the study",
     "Inclusion Criteria:", [("all_participants", "highly effective", [(3, "months", "after", "study_end")], False, [])]),
    ("Does not agree to take proper contraceptive measures", "Exclusion Criteria:",
     [("unspecified", "proper", [DURING], True, [])]),
    ("Women taking oral contraceptives", "Exclusion Criteria:", []),
    ("Must use contraception to avoid pregnancy during the study", "Inclusion Criteria:",
     [("unspecified", None, [DURING], False, [])]),
    # a period after the study written "thereafter", a period before an anchor, a number of methods in digits
    ("Patients who are pregnant, breastfeeding, or not using acceptable methods of contraception during the course "
     "of the study and for three months thereafter", "Exclusion Criteria:",
     [("all_participants", "acceptable", [DURING, (3, "months", "after", "study_end")], True, [])]),
    ("Women of childbearing potential must use highly effective contraception starting 14 days before the first dose "
     "of study drug and until 90 days after the last dose", "Inclusion Criteria:",
     [("women_of_childbearing_potential", "highly effective", [(14, "days", "before", "treatment_start"),
                                                               (90, "days", "after", "last_dose")], False, [])]),
    ("Women of child-bearing potential must agree to use adequate contraception (hormonal or barrier method of birth "
     "control; abstinence) prior to study entry and for the duration of study participation", "Inclusion Criteria:",
     [("women_of_childbearing_potential", "adequate", [DURING, (None, None, "before", "study_entry")], False, [])]),
    ("Fertile patients must use 2 methods of effective contraception for 4 weeks before, during, and for 4 weeks "
     "after study", "Inclusion Criteria:",
     [("all_participants", "two methods", [(4, "weeks", "before", "study_entry"), DURING,
                                           (4, "weeks", "after", "study_end")], False, [])]),
    # "< 1 year post-menopausal" says who, not when; "anticonceptive"; "after the dose"; one statement naming
    # women and men is one requirement for each (annotated/README.md, contraception)
    ("Female patients of childbearing potential (including those < 1 year post-menopausal) and male patients must "
     "agree to use contraception", "Inclusion Criteria:",
     [("women_of_childbearing_potential", None, [DURING], False, []), ("men_with_partners", None, [DURING], False, [])]),
    # the men's partners are not a group bound by it; a definition of what counts is no requirement
    ("Male patients (if engaging in reproductive sex with a women of childbearing potential) are required to use two "
     "forms of acceptable contraception", "Inclusion Criteria:", [("men_with_partners", "two forms", [DURING], False, [])]),
    ("Men who are sexually active with WOCBP must agree to use contraception", "Inclusion Criteria:",
     [("men_with_partners", None, [DURING], False, [])]),
    ("Women of childbearing potential must use effective contraception unless their male partner has had a vasectomy",
     "Inclusion Criteria:", [("women_of_childbearing_potential", "effective", [DURING], False,
                             ["unless their male partner has had a vasectomy"])]),
    ("Female subjects; male subjects of childbearing potential who are unwilling to use a highly effective method of "
     "contraception", "Exclusion Criteria:", [("men_with_partners", "highly effective", [DURING], True, [])]),
    ("Effective contraception includes surgical sterilization, two forms of barrier methods or abstinence",
     "Inclusion Criteria:", []),
    ("Both female participants of childbearing potential and male participants with partners of childbearing "
     "potential must agree to use highly effective contraception during the study and for 180 days after the last "
     "dose of the study drug", "Inclusion Criteria:",
     [("women_of_childbearing_potential", "highly effective", [DURING, (180, "days", "after", "last_dose")], False, []),
      ("men_with_partners", "highly effective", [DURING, (180, "days", "after", "last_dose")], False, [])]),
    ("Fertile women not using adequate anticonceptive methods", "Exclusion Criteria:",
     [("women_of_childbearing_potential", "adequate", [DURING], True, [])]),
    ("Non-sterile male subjects must agree to use a condom while on study and for up to 1 month after the dose",
     "Inclusion Criteria:", [("men_with_partners", None, [DURING, (1, "months", "after", "last_dose")], False, [])]),
    # the study period's length when it is written
    ("Women of childbearing potential must agree to effective birth control practice throughout the study period "
     "(3 years)", "Inclusion Criteria:",
     [("women_of_childbearing_potential", "effective", [(3, "years", "during", "unspecified")], False, [])]),
    # the pregnancy test's window is the test's
    ("WOCBP must have a negative pregnancy test within 7 days prior to the first dose and must use effective "
     "contraception during the study", "Inclusion Criteria:",
     [("women_of_childbearing_potential", "effective", [DURING], False, [])]),
    # a window that opens the sentence; an anchor said once at the end is the "before" window's too
    ("At least 2 weeks prior to initiation of the study drug, female subjects should be using highly effective "
     "contraceptive methods", "Inclusion Criteria:",
     [("women_of_childbearing_potential", "highly effective", [(2, "weeks", "since", "treatment_start")], False, [])]),
    ("Fertile patients must use effective contraception for 2 weeks before, during, and 3 months after study "
     "participation", "Inclusion Criteria:",
     [("all_participants", "effective", [(2, "weeks", "before", "study_entry"), DURING,
                                         (3, "months", "after", "study_end")], False, [])]),
    # the refusal form written as a failure; what counts as a method is no requirement
    ("Intent for future pregnancy, failure to follow effective contraceptive measures", "Exclusion Criteria:",
     [("unspecified", "effective", [(None, None, "during", "unspecified")], True, [])]),
    ("Acceptable methods are such as oral contraceptives, contraceptive patches", "Inclusion Criteria:", []),
]


@pytest.mark.parametrize("item,section,expected", CONTRACEPTION, ids=[r[0][:50] for r in CONTRACEPTION])
def test_contraception(item, section, expected):
    assert contraception(item, section) == expected


@pytest.mark.parametrize("item", [
    "Willing to use contraception throughout the study and for 12 months following treatment",
    "Not using acceptable methods of contraception during the course of the study and for three months thereafter",
])
def test_contraception_periods_are_not_windows_of_their_own(item):
    r = record(item, "Inclusion Criteria:")
    assert [c["kind"] for c in r["constraints"]] == ["contraception"]


# --- negation, exceptions, logic, status ---------------------------------------------------------------

@pytest.mark.parametrize(
    "item,negated,window",
    [
        ("No chemotherapy within 4 weeks prior to enrollment", True, (4, "weeks", "before", "enrollment")),
        # what the item says there is none of, after a comma
        ("Subjects with Multiple Sclerosis must be clinically stable in the investigator's opinion, with no "
         "exacerbation (relapse) of MS for at least 3 months prior to Screening", True,
         (3, "months", "since", "screening")),
        ("Diabetes without complications for at least 1 year", False, (1, "years", "since", "unspecified")),
        ("Without myocardial infarction within the past 6 months", True, (6, "months", "before", "unspecified")),
        ("Free of seizures within the past 12 months", True, (12, "months", "before", "unspecified")),
        ("Systemic anti-cancer treatment should not be used within 2 weeks prior to Cycle 1, Day 1", True,
         (2, "weeks", "before", "treatment_start")),
        ("Systemic corticosteroids are not allowed within 14 days prior to randomization", True,
         (14, "days", "before", "randomization")),
        ("Patients may not have received chemotherapy within 4 weeks", True, (4, "weeks", "before", "unspecified")),
        ("Chemotherapy within 4 weeks prior to enrollment", False, (4, "weeks", "before", "enrollment")),
        ("Not pregnant or nursing. Surgery within 4 weeks prior to enrollment", False,
         (4, "weeks", "before", "enrollment")),
        ("Patients who did not receive prior treatment and had surgery within 4 weeks", False,
         (4, "weeks", "before", "unspecified")),
        # a negation the event opens with
        ("Free of any acute illness within 14 days", True, (14, "days", "before", "unspecified")),
        ("If no electrolyte panel is available in the prior 6 months", True, (6, "months", "before", "unspecified")),
        ("Must have not received any cancer treatment for at least 2 weeks", True, (2, "weeks", "since", "unspecified")),
        ("Vaccine not foreseen by the study protocol within 30 days", False, (30, "days", "before", "unspecified")),
        # an inability negates the window it opens; an inability to refrain does not
        ("Unable to sit in the upright position for at least 30 minutes", True, (30, "minutes", "since", "unspecified")),
        ("Unable to take oral medication or have a malabsorption syndrome for at least 4 weeks", False,
         (4, "weeks", "since", "unspecified")),
        ("Inability to refrain from NSAID use for 5 days prior to injection", False,
         (5, "days", "since", "unspecified")),
    ],
)
def test_negation_is_a_flag(item, negated, window):
    ws = [c for c in record(item)["constraints"] if c["kind"] == "window"]
    assert [c["negated"] for c in ws] == [negated]
    # the window itself is never rewritten by a negation
    assert tuple(ws[0]["window"][k] for k in ("amount", "unit", "direction", "anchor")) == window


@pytest.mark.parametrize(
    "item,expected",
    [
        ("Other malignancy within the past 5 years, with the exception of adequately treated cervical carcinoma "
         "in situ", ["with the exception of adequately treated cervical carcinoma in situ"]),
        ("Malignancy within 5 years except basal cell carcinoma of the skin", ["except basal cell carcinoma of the skin"]),
        ("Chemotherapy within 4 weeks, other than hydroxyurea", ["other than hydroxyurea"]),
        ("Live vaccines within 30 days, excluding seasonal influenza vaccine", ["excluding seasonal influenza vaccine"]),
        ("Systemic steroids within 14 days unless used as premedication", ["unless used as premedication"]),
    ],
)
def test_exceptions_lift_the_constraint_before_them(item, expected):
    (c,) = [c for c in record(item)["constraints"] if c["kind"] == "window"]
    assert [e["text"] for e in c["exceptions"]] == expected
    assert all(e["evidence"]["text"] == e["text"] for e in c["exceptions"])


@pytest.mark.parametrize(
    "item,op",
    [
        ("ALT or AST >= 2x ULN", "any_of"),
        ("AST and/or ALT > 3 x ULN", "any_of"),
        ("Myocardial infarction, stroke or acute coronary syndrome within 30 days", "any_of"),
        ("Age >= 18 years and ECOG 0-1", "all_of"),
        ("Hemoglobin >= 9 g/dL; platelets >= 100,000/mm3", "all_of"),
        ("Creatinine clearance < 45 ml/min", None),
    ],
)
def test_item_logic(item, op):
    (it,) = record(item)["items"]
    assert (it.get("logic") or {}).get("op") == op
    if op:
        assert len(it["logic"]["constraints"]) >= 2


@pytest.mark.parametrize(
    "item,status",
    [
        ("Major surgery within 30 days prior to randomization", "parsed"),
        ("ALT or AST >= 2x ULN", "parsed"),
        # a condition with what narrows it is a constraint of its own (nlp/condition.py): hypersensitivity
        # "to any component of the study drug" / "to murine proteins"; two words are left in the second
        ("Known hypersensitivity to any component of the study drug", "parsed"),
        ("Hemoglobin >= 9 g/dL and documented hypersensitivity to murine proteins or monoclonal antibodies",
         "parsed"),
        ("Hemoglobin >= 9 g/dL and measurable disease per RECIST version 1.1 on imaging",
         "partial"),
        ("Signed informed consent", "not_computable"),
        ("Any condition that, in the opinion of the investigator, would interfere with the study", "not_computable"),
    ],
)
def test_item_status(item, status):
    (it,) = record(item, "Inclusion Criteria:")["items"]
    assert it["status"] == status


@pytest.mark.parametrize(
    "item,expected",
    [
        ("ANC >= 1500/mm3 and platelets >= 100,000/mm3 within 14 days before registration",
         [("ANC", 14, "days", "before", "enrollment"), ("platelets", 14, "days", "before", "enrollment")]),
        ("Creatinine clearance >= 60 mL/min and no dialysis within 3 months", []),
        # the window of an assessment as a whole is the window of the thresholds that define it
        ("Patients must have a recent (within 7 days prior to treatment start) hematological assessment as defined "
         "by absolute neutrophil count >= 1.5 x 10^9/L and platelets >= 100 x 10^9/L",
         [("ANC", 7, "days", "before", "treatment_start"), ("platelets", 7, "days", "before", "treatment_start")]),
        # one event of a split list names the lab values: the phrase is the thresholds' window
        ("Patients must have normal organ and marrow function as defined below, within two weeks prior to "
         "registration: absolute neutrophil count >= 1,500/mm3 and platelets >= 100,000/mm3",
         [("ANC", 2, "weeks", "before", "enrollment"), ("platelets", 2, "weeks", "before", "enrollment")]),
        # the window written in brackets before the threshold it dates
        ("Current (within 3 months prior to enrollment) HbA1c >= 7.0%", [("HbA1c", 3, "months", "before", "enrollment")]),
        # the lab result named after the threshold dates it; not a test result of another statement
        ("Decreased renal function (eGFR < 60 mL/min/1.73m2) based on a serum creatinine result obtained within 2 "
         "weeks prior to study intervention", [("eGFR", 2, "weeks", "before", "treatment_start")]),
        ("Hemoglobin < 9 g/dL, or a positive hepatitis B surface antigen test result within 3 months prior to "
         "screening", []),
    ],
)
def test_thresholds_take_the_window_after_them(item, expected):
    constraints = record(item, "Inclusion Criteria:")["constraints"]
    got = [(c["variable"]["id"],) + tuple(c["window"][k] for k in ("amount", "unit", "direction", "anchor"))
           for c in constraints if c["kind"] == "measurement" and "window" in c]
    assert got == expected
    # a window a threshold takes is not also a window of its own; one it does not take is
    assert bool([c for c in constraints if c["kind"] == "window"]) == (not expected)


def test_planned_events_look_ahead():
    assert windows("Pregnancy or planning pregnancy within 30 days of study enrollment") == [
        ("planning pregnancy", 30, "days", "after", "enrollment", False)]


@pytest.mark.parametrize(
    "item,expected",
    [
        ("No prior chemotherapy, except for adjuvant chemotherapy completed more than 12 months ago", []),
        ("Radiotherapy within 2 weeks, excluding palliative radiotherapy to bone, or chemotherapy within 4 weeks",
         [("Radiotherapy", 2, "weeks", "before", "unspecified", False),
          ("chemotherapy", 4, "weeks", "before", "unspecified", False)]),
        ("See text. Prior surgery. Radiotherapy within 6 months",
         [("Radiotherapy", 6, "months", "before", "unspecified", False)]),
        ("More than 2 weeks since prior radiotherapy and no more than 3 prior regimens",
         [("radiotherapy", 2, "weeks", "since", "unspecified", False)]),
        ("Chemotherapy 4 weeks prior and radiotherapy 2 weeks prior to registration",
         [("Chemotherapy", 4, "weeks", "before", "unspecified", False),
          ("radiotherapy", 2, "weeks", "before", "enrollment", False)]),
        ("Surgery within 30 days after the first dose of study drug",
         [("Surgery", 30, "days", "after", "treatment_start", False)]),
        ("Recent (within 3 months) myocardial infarction",
         [("myocardial infarction", 3, "months", "before", "unspecified", False)]),
        ("Use of hormonal contraception within 3 months prior to screening",
         [("hormonal contraception", 3, "months", "before", "screening", False)]),
        ("Surgery lasting more than 2 hours within the past 3 months",
         [("Surgery lasting", 3, "months", "before", "unspecified", False)]),
        ("Malignancies other than disease under study within 5 years prior to Cycle 1 Day 1",
         [("Malignancies", 5, "years", "before", "treatment_start", False)]),
        ("Other malignancy, except non-melanoma skin cancer, within 5 years",
         [("Other malignancy", 5, "years", "before", "unspecified", False)]),
    ],
    ids=["window-inside-an-exception", "exception-ends-where-the-list-goes-on", "clause-after-sentences",
         "events-after-since-read-from-their-start", "unknown-anchor-stops-at-and", "after-the-first-dose",
         "window-in-parentheses", "hormonal-contraception-is-a-drug", "procedure-length-then-window",
         "exception-between-event-and-window",
         "exception-in-commas-between-event-and-window"],
)
def test_review_cases(item, expected):
    assert windows(item) == expected


@pytest.mark.parametrize(
    "item",
    ["Currently using oral contraceptives and unwilling to stop", "Women taking oral contraceptives",
     "Use of hormonal contraception within 3 months prior to screening"],
)
def test_contraceptive_products_are_not_requirements(item):
    assert contraception(item, "Exclusion Criteria:") == []


def test_negation_stops_at_a_new_requirement():
    assert contraception("Females must not be pregnant and must use birth control for 30 days after the final "
                         "dose") == [("women_of_childbearing_potential", None, [(30, "days", "after", "last_dose")],
                                      False, [])]



def test_a_long_list_item_under_a_window_heading_gives_each_name_its_window():
    from nlp.window import list_item_events
    t = ("Interferon or interleukin therapy, aminoglycoside antibiotics, amphotericin B, cidofovir, diuretics, "
         "ketoconazole (topical allowed), isoniazid, other agents that may inhibit or compete for elimination via "
         "active renal tubular secretion (probenecid) and other investigational agents.")
    names = [t[a:b] for a, b in list_item_events(t)]
    assert names[:6] == ["Interferon", "interleukin therapy", "aminoglycoside antibiotics", "amphotericin B",
                         "cidofovir", "diuretics"]
    assert "ketoconazole" in names and "other investigational agents" in names
    assert any(n.startswith("other agents that may inhibit or compete") for n in names)


def test_a_list_paragraph_with_a_threshold_under_a_window_heading():
    from nlp import extract
    text = ("Exclusion Criteria:\n\n  -  Any of the following Cardiovascular Diseases within 3 months of prior to\n"
            "     signing the consent at visit 1:\n\n     Myocardial infarction, Cardiac surgery, Unstable angina,\n"
            "     HF New York Heart Association (NYHA) Class IV, Transient ischemic attack.\n")
    record = extract(text, trial_id="NCT00000000")
    events = {c["event"]["text"]: (c["window"]["amount"], c["window"]["anchor"]) for c in record["constraints"]
              if c["kind"] == "window" and c["item"] != "E1"}
    assert events["Myocardial infarction"] == (3, "consent") and events["Transient ischemic attack"] == (3, "consent")
    nyha = [c for c in record["constraints"] if c["kind"] == "measurement"]
    assert [(c["variable"]["id"], c["window"]["amount"]) for c in nyha] == [("NYHA", 3)]
