"""Conditions: diagnoses and history from the curated lexicon, with history, qualifiers, windows, negation
and exceptions; and what is not the patient's own condition. Table-driven over criteria as registries
write them."""

import json

import pytest

from nlp import extract
from nlp.condition import ancestors, code_concepts, concept_ids, conditions, lexicon_mentions
from nlp.resources import patterns_path


def _conditions(text: str) -> list[dict]:
    return [c for c in extract(text)["constraints"] if c["kind"] == "condition"]


def _row(c: dict) -> tuple:
    return (c["section"], c["concept"]["id"], c["history"], tuple(c.get("qualifiers", ())), c["negated"])


# (criteria, expected (section, concept, history, qualifiers, negated) per condition, in order)
CASES = [
    ("Inclusion Criteria:\n- Diagnosis of rheumatoid arthritis (RA) according to the 2010 ACR/EULAR criteria",
     [("inclusion", "rheumatoid_arthritis", False, (), False)]),
    ("Inclusion Criteria:\n- All patients fulfilled the American College of Rheumatology (ACR) criteria of SLE",
     [("inclusion", "systemic_lupus_erythematosus", False, (), False)]),
    ("Exclusion Criteria:\n- Known HIV infection",
     [("exclusion", "hiv_infection", False, (), False)]),
    ("Exclusion Criteria:\n- History of myocardial infarction",
     [("exclusion", "myocardial_infarction", True, (), False)]),
    ("Exclusion Criteria:\n- Prior MI or CHF",
     [("exclusion", "myocardial_infarction", True, (), False), ("exclusion", "heart_failure", True, (), False)]),
    # a list shares what stands before it, and a word can stand in for a shared one
    ("Exclusion Criteria:\n- Uncontrolled hypertension or diabetes",
     [("exclusion", "hypertension", False, ("uncontrolled",), False),
      ("exclusion", "diabetes_mellitus", False, ("uncontrolled",), False)]),
    ("Exclusion Criteria:\n- Significant cardiac or pulmonary disease",
     [("exclusion", "heart_disease", False, ("significant",), False),
      ("exclusion", "respiratory_disease", False, ("significant",), False)]),
    ("Exclusion Criteria:\n- Active hepatitis B or C",
     [("exclusion", "hepatitis_b", False, (), False), ("exclusion", "hepatitis_c", False, (), False)]),
    ("Exclusion Criteria:\n- Known allergy to heparin",
     [("exclusion", "allergy", False, ("to heparin",), False)]),
    # a specimen, a lab test and a threshold's variable are not diagnoses
    ("Inclusion Criteria:\n- Tumor tissue available for biomarker analysis", []),
    ("Exclusion Criteria:\n- Positive lupus anticoagulant", []),
    ("Exclusion Criteria:\n- Thrombocytopenia < 100,000/mm3", []),
    # a negative result negates; permitted is not required; someone else's or a risk is not the patient's
    ("Inclusion Criteria:\n- HIV negative", [("inclusion", "hiv_infection", False, (), True)]),
    ("Inclusion Criteria:\n- Negative HIV test", [("inclusion", "hiv_infection", False, (), True)]),
    ("Inclusion Criteria:\n- Brain metastases allowed if treated and stable", []),
    ("Exclusion Criteria:\n- Family history of early coronary artery disease", []),
    ("Exclusion Criteria:\n- First-degree relative with a history of breast cancer", []),
    ("Exclusion Criteria:\n- At high risk of recurrent stroke", []),
    ("Inclusion Criteria:\n- SGOT/SGPT < 3X the ULN (< 5X the ULN for patients with known hepatic metastases)", []),
    # the threshold in brackets is the criterion that defines the diagnosis
    ("Exclusion Criteria:\n- Thrombocytopenia (platelets < 100,000/mm3)", []),
    ("Inclusion Criteria:\n- Patients previously treated for hepatitis C", [("inclusion", "hepatitis_c", True, (), False)]),
    ("Exclusion Criteria:\n- Guillain-Barré syndrome", [("exclusion", "guillain_barre_syndrome", False, (), False)]),
    # a diagnosis that says whom a threshold binds is the threshold's condition, not a requirement
    ("Inclusion Criteria:\n- Patients with HIV must have CD4 count > 200 cells/mm3", []),
    ("Inclusion Criteria:\n- Patients with rheumatoid arthritis must have failed methotrexate",
     [("inclusion", "rheumatoid_arthritis", False, (), False)]),
    # the diagnoses an exception names are the exception's
    ("Exclusion Criteria:\n- Malignancy (exceptions are squamous and basal cell carcinomas of the skin and carcinoma "
     "in situ of the cervix)", [("exclusion", "malignancy", False, (), False)]),
    # a treatment named after the disease is a drug exposure, not the disease
    ("Exclusion Criteria:\n- Ganciclovir, cancer chemotherapy, or interferon-alpha", []),
    ("Exclusion Criteria:\n- Immunotherapy, including interleukins, interferons, tumor necrosis factor", []),
    ("Exclusion Criteria:\n- Uncontrolled hypertension",
     [("exclusion", "hypertension", False, ("uncontrolled",), False)]),
    ("Exclusion Criteria:\n- Hypertension not controlled by medication",
     [("exclusion", "hypertension", False, ("not controlled by medication",), False)]),
    ("Exclusion Criteria:\n- Severe chronic obstructive pulmonary disease",
     [("exclusion", "copd", False, ("severe",), False)]),
    ("Inclusion Criteria:\n- No history of seizures",
     [("inclusion", "seizures", True, (), True)]),
    ("Inclusion Criteria:\n- Patients without active tuberculosis",
     [("inclusion", "tuberculosis", False, (), True)]),
    # a relative's disease, a risk, a vaccine, a treatment for something: not the patient's condition
    ("Exclusion Criteria:\n- Family history of breast cancer", []),
    ("Exclusion Criteria:\n- Vaccination against hepatitis B within 30 days", []),
    ("Inclusion Criteria:\n- At high risk for stroke", []),
    # the threshold applies under the condition; the condition is not a criterion of its own
    ("Inclusion Criteria:\n- AST <= 2.5 x ULN (<= 5 x ULN if liver metastases)", []),
    # "including but not limited to" gives examples; "but not" alone is an exception
    ("Exclusion Criteria:\n- Neurological disorder, including but not limited to dementia, stroke or epilepsy",
     [("exclusion", "neurological_disorder", False, (), False), ("exclusion", "dementia", False, (), False),
      ("exclusion", "stroke", False, (), False), ("exclusion", "epilepsy", False, (), False)]),
    ("Exclusion Criteria:\n- Any malignancy but not basal cell carcinoma",
     [("exclusion", "malignancy", False, (), False)]),
    # the NCI boilerplate: a word naming the mention's concept again adds nothing; a qualifier before a comma
    # list qualifies its first member
    ("Exclusion Criteria:\n- Uncontrolled intercurrent illness including, but not limited to, ongoing or active "
     "infection, symptomatic congestive heart failure, unstable angina pectoris, or cardiac arrhythmia",
     [("exclusion", "intercurrent_illness", False, ("uncontrolled",), False),
      ("exclusion", "active_infection", False, ("ongoing",), False),
      ("exclusion", "heart_failure", False, ("symptomatic",), False),
      ("exclusion", "unstable_angina", False, (), False), ("exclusion", "arrhythmia", False, (), False)]),
    # a conjunct of two words in place of the mention's first two
    ("Inclusion Criteria:\n- Type 1 or type 2 diabetes",
     [("inclusion", "type_1_diabetes", False, (), False), ("inclusion", "type_2_diabetes", False, (), False)]),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0].split("\n- ")[1][:50] for c in CASES])
def test_conditions(text, expected):
    assert [_row(c) for c in _conditions(text)] == expected


def test_exception_lifts_the_condition_and_its_window():
    text = ("Exclusion Criteria:\n- History of malignancy within 5 years, except adequately treated basal cell "
            "carcinoma of the skin")
    record = extract(text)
    cond = [c for c in record["constraints"] if c["kind"] == "condition"]
    assert [c["concept"]["id"] for c in cond] == ["malignancy"]
    c = cond[0]
    assert c["history"] is True
    assert (c["window"]["amount"], c["window"]["unit"], c["window"]["direction"]) == (5, "years", "before")
    assert c["exceptions"][0]["text"] == "except adequately treated basal cell carcinoma of the skin"
    window = next(k for k in record["constraints"] if k["kind"] == "window")
    assert window["exceptions"][0]["text"] == c["exceptions"][0]["text"]
    # the evidence is the input's own characters
    assert text[c["evidence"]["start"]:c["evidence"]["end"]] == c["evidence"]["text"] == "History of malignancy"


def test_a_window_reaching_back_is_a_history():
    c = _conditions("Exclusion Criteria:\n- Stroke within 6 months prior to randomization")[0]
    assert c["concept"]["id"] == "stroke" and c["history"] is True
    assert (c["window"]["amount"], c["window"]["unit"], c["window"]["anchor"]) == (6, "months", "randomization")


def test_exclusion_lists_exclude_by_each_member():
    # "and" in an exclusion list with a diagnosis: each member excludes
    for text in ("Exclusion Criteria:\n- Pregnant women and patients with epilepsy",
                 "Exclusion Criteria:\n- History of myocardial infarction, unstable angina, and stroke"):
        assert extract(text)["items"][0]["logic"]["op"] == "any_of", text
    # an inclusion "and" still requires both
    record = extract("Inclusion Criteria:\n- Diagnosis of type 2 diabetes and hypertension")
    assert record["items"][0]["logic"]["op"] == "all_of"


def test_an_exception_after_a_diagnosis_keeps_its_window():
    record = extract("Exclusion Criteria:\n- Any other active malignancy or previous malignancies within the last 5 "
                     "years, except, adequately treated basal or squamous cell carcinoma of the skin, or carcinoma in situ")
    conditions = [c for c in record["constraints"] if c["kind"] == "condition"]
    assert {c["concept"]["id"] for c in conditions} == {"malignancy"}
    windows = [c for c in record["constraints"] if c["kind"] == "window"]
    assert windows and all(c["exceptions"][0]["text"].startswith("except, adequately treated basal") for c in windows)


def test_lexicon_examples_name_their_concept():
    missed = [c.id for c in conditions().values()
              if c.id not in {cid for _, _, cid, _ in lexicon_mentions(c.example)}]
    assert missed == []


def test_a_list_heading_gives_its_window_to_the_diagnoses_under_it():
    record = extract("Inclusion Criteria:\n- None of the following within the past 6 months:\n"
                     "  - Myocardial infarction\n  - Unstable angina\n")
    conditions = [c for c in record["constraints"] if c["kind"] == "condition"]
    windows = [c for c in record["constraints"] if c["kind"] == "window"]
    assert [c["concept"]["id"] for c in conditions] == ["myocardial_infarction", "unstable_angina"]
    for c, w in zip(conditions, windows):
        assert c["history"] is True and (c["window"]["amount"], c["window"]["unit"]) == (6, "months")
        assert c["negated"] == w["negated"]


def test_severity_threshold_and_condition_are_one_statement():
    record = extract("Exclusion Criteria:\n- NYHA class III or IV heart failure")
    kinds = sorted(c["kind"] for c in record["constraints"])
    assert kinds == ["condition", "measurement"]
    # excluded only when both hold: heart failure of that class
    assert record["items"][0]["logic"]["op"] == "all_of"


def test_a_list_of_diagnoses_is_any_of():
    record = extract("Inclusion Criteria:\n- Diagnosis of rheumatoid arthritis, psoriatic arthritis or ankylosing "
                     "spondylitis")
    ids = [c["concept"]["id"] for c in record["constraints"] if c["kind"] == "condition"]
    assert ids == ["rheumatoid_arthritis", "psoriatic_arthritis", "ankylosing_spondylitis"]
    assert record["items"][0]["logic"]["op"] == "any_of"


def test_an_item_without_numbers_is_read_for_conditions():
    # no digit and no cue word: the item skips the threshold rules but not the lexicon
    record = extract("Exclusion Criteria:\n- Active hepatitis B or hepatitis C infection")
    assert [c["concept"]["id"] for c in record["constraints"]] == ["hepatitis_b", "hepatitis_c"]
    assert record["items"][0]["status"] == "parsed"


def test_patient_names_map_to_concepts_and_classes():
    assert "liver_cirrhosis" in concept_ids("alcohol-related liver cirrhosis")
    assert {"hepatocellular_carcinoma", "malignancy"} <= concept_ids("hepatocellular carcinoma")
    assert "rheumatoid_arthritis" in code_concepts("ICD-10", "M05.79")
    assert code_concepts("SNOMED", "69896004") == set()
    # a relative's disease or a screening is not the patient's condition
    assert concept_ids("Family history of breast cancer") == set()
    assert concept_ids("Screening for hepatitis B") == set()


def test_lexicon_is_consistent():
    lex = conditions()
    assert len(lex) >= 300
    seen: dict[str, str] = {}
    for c in lex.values():
        assert c.kind in ("disease", "finding", "class"), c.id
        assert all(p in lex for p in c.classes), c.id
        assert c.id not in ancestors()[c.id], f"{c.id} is its own class"
        for alias in c.aliases:
            assert alias == alias.lower(), (c.id, alias)
            assert seen.setdefault(alias, c.id) == c.id, f"{alias!r} under {seen[alias]} and {c.id}"
        for a in c.abbreviations:
            assert a != a.lower(), (c.id, a)
        for code in c.icd10:
            assert code[0].isupper() and code[1:3].isdigit(), (c.id, code)


def test_settings_file_is_documented():
    data = json.loads(patterns_path("condition.json").read_text(encoding="utf-8"))
    assert {"history_cues", "not_own_before", "not_own_after", "qualifiers", "qualifiers_after", "fillers"} <= set(data)


def test_a_diagnosis_that_says_whom_a_threshold_binds_is_its_condition():
    (c,) = extract("Inclusion Criteria:\n- Patients with HIV must have CD4 count > 200 cells/mm3")["constraints"]
    assert c["kind"] == "measurement" and c["condition"] == "HIV"


SCREENING = [
    # (criteria, patient's conditions and pregnancy, expected verdict)
    ("Inclusion Criteria:\n- Patients with HIV must have CD4 count > 200 cells/mm3", {}, "eligible"),
    ("Exclusion Criteria:\n- Pregnant women and patients with epilepsy", {"pregnant": True}, "ineligible"),
    ("Exclusion Criteria:\n- Thrombocytopenia (platelets < 100,000/mm3)",
     {"measurements": [{"variable": "platelets", "value": 80000, "unit": "/mm3", "date": "2025-02-20"}]}, "ineligible"),
    ("Inclusion Criteria:\n- HIV negative", {}, "eligible"),
    ("Inclusion Criteria:\n- SGOT/SGPT < 3X the ULN (< 5X the ULN for patients with known hepatic metastases)",
     {"measurements": [{"variable": "AST", "value": 30, "unit": "U/L", "date": "2025-02-20"},
                       {"variable": "ALT", "value": 30, "unit": "U/L", "date": "2025-02-20"}]}, "eligible"),
    ("Exclusion Criteria:\n- History of myocardial infarction, unstable angina, and stroke",
     {"conditions": [{"text": "myocardial infarction", "onset": "2019-05-01", "status": "past"}]}, "ineligible"),
]


@pytest.mark.parametrize("text,facts,verdict", SCREENING, ids=[s[0].split("\n- ")[1][:50] for s in SCREENING])
def test_screening_reads_conditions_as_a_clinician(text, facts, verdict):
    from nlp.patients import patient_from_dict
    from nlp.screen import screen

    data = {"id": "P", "as_of": "2025-03-01", "birth_date": "1980-01-15", "sex": "female",
            "childbearing_potential": True, "complete": ["conditions", "medications", "events"], **facts}
    result = screen([patient_from_dict(data)], [extract(text)], )
    (v,) = list(result.verdicts())
    assert v["verdict"] == verdict, v
