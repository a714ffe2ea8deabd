"""Thresholds: labs, scores, vitals, organ function, life expectancy; units, multiples of the limits of
normal, ranges, categories, shared subjects, conditional alternatives; and what is not a threshold."""

import json

import pytest

from nlp import extract
from nlp.resources import patterns_path
from nlp.units import dimensionality, reference_at, unit_at, units


def measurements(item, section="Exclusion Criteria:"):
    record = extract(f"{section}\n- {item}\n", trial_id="NCT00000000")
    return [c for c in record["constraints"] if c["kind"] == "measurement"]


def summary(c):
    lo, up = c.get("lower"), c.get("upper")
    ref = c["reference"]["type"] if c.get("reference") else None
    return (c["variable"]["id"], lo["value"] if lo else None, lo["inclusive"] if lo else None,
            up["value"] if up else None, up["inclusive"] if up else None, c["unit"], ref)


# The seeds' thresholds, exactly (../shared/seeds/README.md).
SEEDS = [
    ("Patients who still remain moderate-to-high disease activity, i.e. DAS28\\>3.2 at screening and study baseline",
     "DAS28\\>3.2", [("DAS28", 3.2, False, None, None, None, None)]),
    ("All patients fulfilled the American College of Rheumatology (ACR) criteria of SLE, man or woman aged from 15 "
     "to 60 years old, SLEDAI\u22658;", "SLEDAI\u22658", [("SLEDAI", 8, True, None, None, None, None)]),
    ("child-Pugh B/C (7-12 points)", "child-Pugh B/C (7-12 points)",
     [("Child-Pugh", 7, True, 12, True, "{points}", None)]),
    ("Clinically significant heart disease (New York Heart Association, class III and class IV)",
     "New York Heart Association, class III and class IV", [("NYHA", 3, True, 4, True, None, None)]),
    ("Serum aminotransferase (ALT or AST) levels \u2265 2x upper limits of normal",
     "ALT or AST) levels \u2265 2x upper limits of normal",
     [("ALT", 2, True, None, None, None, "ULN"), ("AST", 2, True, None, None, None, "ULN")]),
    ("Abnormal liver function (ALT higher than 3 times the normal value);", "ALT higher than 3 times the normal value",
     [("ALT", 3, False, None, None, None, "ULN")]),
    ("Creatinine clearance rate (Ccr) \\< 45 ml/min calculated by Cockcroft-Gault formula",
     "Creatinine clearance rate (Ccr) \\< 45 ml/min",
     [("creatinine_clearance", None, None, 45, False, "mL/min", None)]),
    ("Lupus nephritis with 24h urine protein\u22651g;", "24h urine protein\u22651g",
     [("urine_protein", 1, True, None, None, "g/(24.h)", None)]),
    ("expecting lifetime is over three years", "expecting lifetime is over three years",
     [("life_expectancy", 3, False, None, None, "a", None)]),
]


@pytest.mark.parametrize("item,evidence,expected", SEEDS, ids=[s[1][:30] for s in SEEDS])
def test_seed_thresholds(item, evidence, expected):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    assert {c["evidence"]["text"] for c in found} == {evidence}


def test_seed_method_and_categories():
    (ccr,) = measurements("Creatinine clearance rate (Ccr) \\< 45 ml/min calculated by Cockcroft-Gault formula")
    assert ccr["method"] == "Cockcroft-Gault"
    (nyha,) = measurements("Clinically significant heart disease (New York Heart Association, class III and class IV)")
    assert nyha["scale"] == {"name": "NYHA", "lower_label": "III", "upper_label": "IV"}
    (cp,) = measurements("child-Pugh B/C (7-12 points)", section="Inclusion Criteria:")
    assert cp["scale"] == {"name": "Child-Pugh", "lower_label": "B", "upper_label": "C"}
    assert cp["unit"] == "{points}" and cp["section"] == "inclusion"


FORMS = [
    # comparators in symbols and words
    ("Platelets >= 100,000/mm3", [("platelets", 100000, True, None, None, "/mm3", None)]),
    ("Absolute neutrophil count (ANC) \u2265 1.5 x 10^9/L", [("ANC", 1.5, True, None, None, "10*9/L", None)]),
    ("ANC at least 1,500/mm3", [("ANC", 1500, True, None, None, "/mm3", None)]),
    ("Absolute neutrophil count 1,500/mm3 or greater", [("ANC", 1500, True, None, None, "/mm3", None)]),
    ("Platelet count no less than 75 000/mm3", [("platelets", 75000, True, None, None, "/mm3", None)]),
    ("Hemoglobin greater than or equal to 9 g/dL", [("hemoglobin", 9, True, None, None, "g/dL", None)]),
    ("Total bilirubin no greater than 1.5 times normal", [("bilirubin", None, None, 1.5, True, None, "ULN")]),
    ("Bilirubin \u2264 1.5 \u00d7 ULN", [("bilirubin", None, None, 1.5, True, None, "ULN")]),
    ("Serum creatinine &lt;= 1.5 mg/dL", [("creatinine", None, None, 1.5, True, "mg/dL", None)]),
    ("eGFR \u2265 30 mL/min/1.73 m2", [("eGFR", 30, True, None, None, "mL/min/{1.73_m2}", None)]),
    ("LVEF < 40%", [("LVEF", None, None, 40, False, "%", None)]),
    ("QTcF > 470 msec", [("QTcF", 470, False, None, None, "ms", None)]),
    ("Systolic blood pressure > 160 mmHg", [("systolic_bp", 160, False, None, None, "mmHg", None)]),
    ("INR \u2264 1.5", [("INR", None, None, 1.5, True, None, None)]),
    ("CD4 count above 200 cells/mm3", [("CD4", 200, False, None, None, "/mm3", None)]),
    ("Life expectancy of at least 12 weeks", [("life_expectancy", 12, True, None, None, "wk", None)]),
    # ranges
    ("HbA1c between 7.0% and 10.5%", [("HbA1c", 7.0, True, 10.5, True, "%", None)]),
    ("BMI 18-30 kg/m2", [("BMI", 18, True, 30, True, "kg/m2", None)]),
    ("ECOG performance status of 0 or 1", [("ECOG", 0, True, 1, True, None, None)]),
    ("ECOG 0-1", [("ECOG", 0, True, 1, True, None, None)]),
    # shared subjects
    ("ALT and AST \u2264 2.5 x ULN", [("ALT", None, None, 2.5, True, None, "ULN"), ("AST", None, None, 2.5, True, None, "ULN")]),
    ("AST/ALT \u2264 2.5 \u00d7 institutional ULN",
     [("AST", None, None, 2.5, True, None, "ULN"), ("ALT", None, None, 2.5, True, None, "ULN")]),
]


@pytest.mark.parametrize("item,expected", FORMS, ids=[f[0][:40] for f in FORMS])
def test_threshold_forms(item, expected):
    assert [summary(c) for c in measurements(item)] == expected


MORE_FORMS = [
    ("HbA1c less than (<) 7.0%", [("HbA1c", None, None, 7.0, False, "%", None)]),
    ("greater than or equal to 100 mmHg diastolic blood pressure", [("diastolic_bp", 100, True, None, None, "mmHg", None)]),
    ("Body weight greater than75 kg", [("weight", 75, False, None, None, "kg", None)]),
    ("FEV1 ≥70% of predicted", [("FEV1", 70, True, None, None, "%", "predicted")]),
    ("absolute neutrophil count ≥1.5 x 109 cells/L", [("ANC", 1.5, True, None, None, "10*9/L", None)]),
]


MORE_FORMS += [
    ("Hemoglobin >= 9 g/dL and <= 16 g/dL", [("hemoglobin", 9, True, 16, True, "g/dL", None)]),
    ("HbA1c ≥7.0% and ≤10.0%", [("HbA1c", 7.0, True, 10.0, True, "%", None)]),
    ("ANC ≥ 1.5 × 10⁹/L", [("ANC", 1.5, True, None, None, "10*9/L", None)]),
    ("Bilirubin less than twice the ULN", [("bilirubin", None, None, 2, False, None, "ULN")]),
    ("ALT > LLN", [("ALT", 1, False, None, None, None, "LLN")]),
    ("Creatinine within normal limits", [("creatinine", None, None, None, None, None, "normal_range")]),
    ("Platelets in excess of 100,000/mm3", [("platelets", 100000, False, None, None, "/mm3", None)]),
    ("ALT exceeding 3 x ULN", [("ALT", 3, False, None, None, None, "ULN")]),
    ("Creatinine clearance not exceeding 30 mL/min", [("creatinine_clearance", None, None, 30, True, "mL/min", None)]),
    ("BMI up to 35 kg/m2", [("BMI", None, None, 35, True, "kg/m2", None)]),
    ("Hemoglobin 9 g/dL or higher", [("hemoglobin", 9, True, None, None, "g/dL", None)]),
    ("Platelets 100,000/mm3 or less", [("platelets", None, None, 100000, True, "/mm3", None)]),
    ("eGFR from 30 to 60 mL/min/1.73m2", [("eGFR", 30, True, 60, True, "mL/min/{1.73_m2}", None)]),
    ("Blood pressure > 140/90 mmHg",
     [("systolic_bp", 140, False, None, None, "mmHg", None), ("diastolic_bp", 90, False, None, None, "mmHg", None)]),
    ("Hematopoietic: WBC at least 3,000/mm3 Absolute neutrophil count at least 1,500/mm3 Platelet count at least "
     "100,000/mm3", [("WBC", 3000, True, None, None, "/mm3", None), ("ANC", 1500, True, None, None, "/mm3", None),
                     ("platelets", 100000, True, None, None, "/mm3", None)]),
    ("Thrombocytopenia (platelets < 100,000/mm3)", [("platelets", None, None, 100000, False, "/mm3", None)]),
    ("Total bilirubin within 1.5X normal institutional limits", [("bilirubin", None, None, 1.5, True, None, "ULN")]),
    ("Granulocytopenia (< or = to 800 cells/mm3)", [("ANC", None, None, 800, True, "/mm3", None)]),
    ("CD4 cell counts <= 200 cells/mm3.", [("CD4", None, None, 200, True, "/mm3", None)]),
    ("Serum folate level above the lower limit of normal", [("folate", 1, False, None, None, None, "LLN")]),
    ("Hemoglobin < 8 g/dL or > 18 g/dL",
     [("hemoglobin", None, None, 8, False, "g/dL", None), ("hemoglobin", 18, False, None, None, "g/dL", None)]),
    ("HbA1c less than (<) 7.0% (< 53 millimole per mole [mmol/mol]) or greater than (>) 11%",
     [("HbA1c", None, None, 7.0, False, "%", None), ("HbA1c", 11, False, None, None, "%", None)]),
    ("Hepatic transaminases < 2.5x normal",
     [("ALT", None, None, 2.5, False, None, "ULN"), ("AST", None, None, 2.5, False, None, "ULN")]),
    ("Heart failure \u2264 NYHA II", [("NYHA", None, None, 2, True, None, None)]),
    ("Life expectancy of at least six (6) months", [("life_expectancy", 6, True, None, None, "mo", None)]),
    ("NYHA class I-II", [("NYHA", 1, True, 2, True, None, None)]),
    ("NYHA class >= III", [("NYHA", 3, True, None, None, None, None)]),
    ("Hemoglobin < 9 or > 16 g/dL",
     [("hemoglobin", None, None, 9, False, "g/dL", None), ("hemoglobin", 16, False, None, None, "g/dL", None)]),
    # a comparator written with a space inside it, before the value and its variable
    ("> = 6 swollen joints", [("swollen_joint_count", 6, True, None, None, None, None)]),
    # "UNL" for the upper normal limit; 10^12/L written without its superscript
    ("total bilirubin \u2264 1.5 \u00d7 UNL", [("bilirubin", None, None, 1.5, True, None, "ULN")]),
    ("RBC\u22653.0\u00d71012/L", [("RBC", 3.0, True, None, None, "10*12/L", None)]),
    # a bracket that opens with the variable holding the threshold; a vital's unit said once serves both
    ("Uncontrolled hypertension (SBP > 180 and/or diastolic blood pressure (DBP) > 110 mmHg)",
     [("systolic_bp", 180, False, None, None, "mmHg", None), ("diastolic_bp", 110, False, None, None, "mmHg", None)]),
    ("ANC > 1500 and platelets > 100 x 10^9/L",
     [("ANC", 1500, False, None, None, None, None), ("platelets", 100, False, None, None, "10*9/L", None)]),
    # NYHA classes of a heart failure named without the scale; another scale named before is not NYHA
    ("Class III or IV congestive heart failure", [("NYHA", 3, True, 4, True, None, None)]),
    ("Class III or IV CHF", [("NYHA", 3, True, 4, True, None, None)]),
    # a unit written with a caret ("kg/m^2") between the two values of a range
    ("BMI between 23.0 kg/m^2 and 39.9 kg/m^2", [("BMI", 23.0, True, 39.9, True, "kg/m2", None)]),
    # spellings and scales added from the seventh dev batch
    ("NHYA Class III or greater congestive heart failure", [("NYHA", 3, True, None, None, None, None)]),
    ("hypertriglyceridemia (> 2.5 x ULN)", [("triglycerides", 2.5, False, None, None, None, "ULN")]),
    ("Inadequate dialysis (PRU < 65% or KT/V < 1.2)",
     [("URR", None, None, 65, False, "%", None), ("Kt/V", None, None, 1.2, False, None, None)]),
    ("SF-36 physical component score < 60", [("SF-36_PCS", None, None, 60, False, None, None)]),
    # a label glued to its value
    ("BMI:19 - 40 kg/m2", [("BMI", 19, True, 40, True, "kg/m2", None)]),
    # a range before its variable
    ("History of 4 to 14 migraine days per month", [("migraine_days", 4, True, 14, True, None, None)]),
    ("500-1400 grams birthweight", [("birth_weight", 500, True, 1400, True, "g", None)]),
    # a bare reference range, then another variable's threshold
    ("Creatinine normal OR creatinine clearance \u2265 55 mL/min",
     [("creatinine", None, None, None, None, None, "normal_range"),
      ("creatinine_clearance", 55, True, None, None, "mL/min", None)]),
]


@pytest.mark.parametrize("item,expected", MORE_FORMS,
                         ids=[(f.values[0] if hasattr(f, "values") else f[0])[:40] for f in MORE_FORMS])
def test_more_threshold_forms(item, expected):
    assert [summary(c) for c in measurements(item)] == expected


@pytest.mark.parametrize(
    "item,value,condition,evidence",
    [
        pytest.param("Pre-existing grade ≥2 peripheral neuropathy", 2, "peripheral neuropathy", "grade ≥2",
                     id="grade-then-toxicity"),
        pytest.param("History of hypersensitivity reaction (≥grade 3)", 3, "hypersensitivity reaction",
                     "≥grade 3", id="toxicity-then-grade"),
    ],
)
def test_toxicity_grades(item, value, condition, evidence):
    (c,) = measurements(item)
    assert (c["variable"]["id"], c["lower"]["value"], c["condition"], c["evidence"]["text"]) == (
        "CTCAE_grade", value, condition, evidence)


def test_a_long_list_within_the_normal_range():
    item = ("Clinical screening laboratory evaluations (white blood cell (WBC), hemoglobin (Hgb), platelets (PLTs), "
            "alanine transaminase (ALT), creatinine (Cr), total bilirubin (T. Bili), prothrombin time (PT), and partial "
            "thromboplastin time (PTT)) are within acceptable normal reference ranges at the clinical laboratory")
    assert [(c["variable"]["id"], c["reference"]["type"]) for c in measurements(item)] == [
        (v, "normal_range") for v in ("WBC", "hemoglobin", "platelets", "ALT", "creatinine", "bilirubin", "PT", "aPTT")]


def test_one_bound_shared_by_each_component():
    item = ("Definitive NASH with NAS \u2265 4 with \u2265 1 in each component (ie, steatosis, lobular inflammation, "
            "and ballooning).")
    found = measurements(item)
    assert [summary(c) for c in found] == [
        ("NAS", 4, True, None, None, None, None), ("NAS_steatosis", 1, True, None, None, None, None),
        ("NAS_lobular_inflammation", 1, True, None, None, None, None), ("NAS_ballooning", 1, True, None, None, None, None)]
    assert found[1]["evidence"]["text"] == "\u2265 1 in each component (ie, steatosis, lobular inflammation, and ballooning)"
    assert [c["variable"]["text"] for c in found[1:]] == ["steatosis", "lobular inflammation", "ballooning"]
    # a component the catalogue does not know: none is read
    assert [summary(c) for c in measurements("NAS >= 4 with >= 1 in each component (steatosis, fibrosis)")] == [
        ("NAS", 4, True, None, None, None, None)]


def test_variable_named_by_a_label_line():
    # "BMI: 19-40 kg/m2" as a line of its own reads as a heading and its item; the range is the heading's
    record = extract("Inclusion Criteria:\nBMI: 19-40 kg/m2\nHemoglobin: 10 to 12 g/dL\n")
    assert [summary(c) for c in record["constraints"] if c["kind"] == "measurement"] == [
        ("BMI", 19, True, 40, True, "kg/m2", None), ("hemoglobin", 10, True, 12, True, "g/dL", None)]


def test_variable_named_by_pdq_heading():
    record = extract("PATIENT CHARACTERISTICS:\nLife expectancy:\n- At least 12 weeks\nHepatic:\n- At least 2 weeks")
    assert [(c["variable"]["id"], c["evidence"]["text"], c["lower"]["value"], c["unit"])
            for c in record["constraints"]] == [("life_expectancy", "At least 12 weeks", 12, "wk")]


@pytest.mark.parametrize(
    "item,expected",
    [
        pytest.param("Creatinine clearance greater than 85 ml/min/1.73 m2 in females, greater than 95 in males",
                     [(85, "mL/min/{1.73_m2}", "females"), (95, "mL/min/{1.73_m2}", "males")], id="per-sex"),
        pytest.param("ALT <= 5 x ULN in patients with liver metastases",
                     [(5, None, "patients with liver metastases")], id="in-patients-with"),
        pytest.param("Hemoglobin < 8 g/dL or > 18", [(8, "g/dL", None), (18, "g/dL", None)], id="unit-said-once"),
    ],
)
def test_conditions_and_shared_units(item, expected):
    found = measurements(item)
    assert [((c.get("lower") or c.get("upper"))["value"], c["unit"], c.get("condition")) for c in found] == expected


def test_conditional_alternative_kept():
    found = measurements("AST/ALT \u2264 2.5 \u00d7 ULN (\u2264 5 \u00d7 ULN if liver metastases)")
    assert [summary(c) for c in found] == [
        ("AST", None, None, 2.5, True, None, "ULN"), ("ALT", None, None, 2.5, True, None, "ULN"),
        ("AST", None, None, 5, True, None, "ULN"), ("ALT", None, None, 5, True, None, "ULN")]
    assert [c.get("condition") for c in found] == [None, None, "liver metastases", "liver metastases"]
    assert found[2]["alternative_of"] == found[0]["id"] and found[3]["alternative_of"] == found[1]["id"]


@pytest.mark.parametrize("item,negated", [
    pytest.param("Hysterectomized without bilateral oophorectomy and with serum FSH levels >40 mIU/mL", [False],
                 id="and-with-ends-without"),
    pytest.param("no liver metastases but ALT > 5 x ULN", [False], id="but-ends-no"),
    pytest.param("SGOT < 2.5 x ULN for patients without liver metastases OR SGOT < 5 x ULN for patients with "
                 "liver metastases", [False, False], id="capital-OR-ends-without"),
    pytest.param("No patients with ALT > 3 x ULN", [True], id="no-patients-with"),
    pytest.param("No ALT or AST > 3 x ULN", [True, True], id="no-distributes-over-or"),
])
def test_negation_scope(item, negated):
    assert [c["negated"] for c in measurements(item, section="Inclusion Criteria:")] == negated


def test_negated_category():
    (c,) = measurements("No NYHA class III or IV heart failure", section="Inclusion Criteria:")
    assert c["negated"] is True and summary(c) == ("NYHA", 3, True, 4, True, None, None)


NOT_THRESHOLDS = [
    "Phase 2 trial in type 2 diabetes",
    "COVID-19 infection in 2020",
    "Participation in NCT01234567",
    "Treatment with aspirin 81 mg daily",
    "Prior therapy with 2 lines of chemotherapy",
    "Hepatitis B surface antigen positive",
    "History of stroke",
    "At least one weight loss episode",
    "HIV infection within 6 months",
    # a scale's range before its name
    "Itch rated on the 0-4 IGA scale at screening",
    "Creatinine normal or elevated at screening",
    "WHO class II heart failure",
]


@pytest.mark.parametrize("item", NOT_THRESHOLDS, ids=[t[:40] for t in NOT_THRESHOLDS])
def test_not_thresholds(item):
    assert measurements(item) == []


# -- the catalogues -----------------------------------------------------------------------------------
def test_variable_catalogue_size_and_integrity():
    from nlp.measurement import variables

    catalogue = variables()
    assert len(catalogue) >= 150
    kinds = {v.kind for v in catalogue.values()}
    assert kinds <= {"lab", "score", "vital", "anthropometric", "organ_function", "life_expectancy"}
    aliases = [a.lower() for v in catalogue.values() for a in v.aliases]
    assert len(aliases) == len(set(aliases))
    for v in catalogue.values():
        assert any(a.lower() in v.example.lower() for a in v.aliases), v.id
        if v.unit is not None:
            assert v.unit in {u.code for u in units()}, (v.id, v.unit)
        assert all(member in catalogue for member in v.expands or []), v.id


def test_every_unit_code_is_a_pint_unit_and_every_form_reads_back():
    for entry in units():
        assert dimensionality(entry.code) is not None
        for form in entry.forms:
            got = unit_at(f" {form}", 0)
            assert got is not None and got["code"] == entry.code, (form, got)


@pytest.mark.parametrize(
    "text,ref",
    [(" x ULN", "ULN"), (" times the upper limit of normal", "ULN"), (" x institutional ULN", "ULN"),
     (" times the normal value", "ULN"), (" x LLN", "LLN"), (" normal value", None), (" mg/dL", None)],
)
def test_references(text, ref):
    got = reference_at(text, 0)
    assert (got["type"] if got else None) == ref


def test_units_file_lines_are_objects():
    for line in patterns_path("units.jsonl").read_text(encoding="utf-8").splitlines():
        assert isinstance(json.loads(line), dict)


# -- conversions: recorded beside the stated bounds, never applied to them ------------------------------
CONVERSIONS = [
    # cells per volume
    pytest.param("ANC >= 1,500/mm3", ("/mm3", "1,500", None), {"unit": "10*9/L", "lower": 1.5, "upper": None,
                                                              "factor": 0.001}, id="per-mm3-to-10*9/L"),
    pytest.param("Platelets > 100 x 10^3/uL", ("10*3/uL", "100", None),
                 {"unit": "10*9/L", "lower": 100.0, "upper": None, "factor": 1.0}, id="10*3/uL-to-10*9/L"),
    pytest.param("CD4 count > 0.2 x 10^9/L", ("10*9/L", "0.2", None),
                 {"unit": "/uL", "lower": 200.0, "upper": None, "factor": 1000.0}, id="10*9/L-to-per-uL"),
    # mass concentrations
    pytest.param("Hemoglobin >= 90 g/L", ("g/L", "90", None),
                 {"unit": "g/dL", "lower": 9.0, "upper": None, "factor": 0.1}, id="g/L-to-g/dL"),
    pytest.param("CRP > 1 mg/dL", ("mg/dL", "1", None),
                 {"unit": "mg/L", "lower": 10.0, "upper": None, "factor": 10.0}, id="mg/dL-to-mg/L"),
    # substance ↔ mass through the catalogue's molar mass
    pytest.param("Creatinine <= 133 µmol/L", ("umol/L", None, "133"),
                 {"unit": "mg/dL", "lower": None, "upper": 1.5045, "factor": 0.011312}, id="creatinine-umol"),
    pytest.param("Total bilirubin < 34 umol/L", ("umol/L", None, "34"),
                 {"unit": "mg/dL", "lower": None, "upper": 1.98784, "factor": 0.058466}, id="bilirubin-umol"),
    pytest.param("Fasting glucose 4-10 mmol/L", ("mmol/L", "4", "10"),
                 {"unit": "mg/dL", "lower": 72.064, "upper": 180.16, "factor": 18.016}, id="glucose-mmol-range"),
    pytest.param("Uric acid > 500 µmol/L", ("umol/L", "500", None),
                 {"unit": "mg/dL", "lower": 8.4055, "upper": None, "factor": 0.016811}, id="uric-acid-umol"),
    pytest.param("Serum calcium > 3 mmol/L", ("mmol/L", "3", None),
                 {"unit": "mg/dL", "lower": 12.024, "upper": None, "factor": 4.008}, id="calcium-mmol"),
    pytest.param("Hemoglobin < 6 mmol/L", ("mmol/L", None, "6"),
                 {"unit": "g/dL", "lower": None, "upper": 9.6687, "factor": 1.61145}, id="hemoglobin-monomer-mmol"),
    pytest.param("Urea > 60 mg/dL", ("mg/dL", "60", None),
                 {"unit": "mmol/L", "lower": 9.99001, "upper": None, "factor": 0.166500}, id="urea-mg"),
    # milliequivalents through the catalogue's valence
    pytest.param("Calcium > 5.5 mEq/L", ("mEq/L", "5.5", None),
                 {"unit": "mg/dL", "lower": 11.022, "upper": None, "factor": 2.004}, id="calcium-mEq"),
    pytest.param("Potassium < 3.0 mEq/L", ("mEq/L", None, "3.0"),
                 {"unit": "mmol/L", "lower": None, "upper": 3.0, "factor": 1.0}, id="potassium-mEq"),
    # time, mass, daily amounts
    pytest.param("Life expectancy > 12 weeks", ("wk", "12", None),
                 {"unit": "mo", "lower": 2.75975, "upper": None, "factor": 0.229979}, id="weeks-to-months"),
    pytest.param("Body weight < 300 lbs", ("[lb_av]", None, "300"),
                 {"unit": "kg", "lower": None, "upper": 136.078, "factor": 0.453592}, id="pounds-to-kg"),
    pytest.param("Urine M-protein >= 0.2 g/24h", ("g/(24.h)", "0.2", None),
                 {"unit": "mg/(24.h)", "lower": 200.0, "upper": None, "factor": 1000.0}, id="g-per-day-to-mg"),
]


@pytest.mark.parametrize("item,stated,expected", CONVERSIONS)
def test_conversion_recorded_beside_stated_bounds(item, stated, expected):
    (c,) = measurements(item)
    lo, up = c.get("lower"), c.get("upper")
    assert (c["unit"], lo["text"] if lo else None, up["text"] if up else None) == stated
    assert c["conversion"] == pytest.approx(expected)


NO_CONVERSION = [
    pytest.param("ANC >= 1.5 x 10^9/L", id="already-canonical"),
    pytest.param("eGFR < 60 mL/min", id="per-1.73m2-is-another-quantity"),
    pytest.param("HbA1c > 53 mmol/mol", id="HbA1c-IFCC-is-not-a-factor"),
    pytest.param("Temperature > 100.4 °F", id="temperature-has-an-offset"),
    pytest.param("ALT > 3 x ULN", id="multiple-of-ULN"),
    pytest.param("Ferritin < 30 nmol/L", id="no-molar-mass-in-catalogue"),
    pytest.param("HIV RNA > 3 log10 copies/mL", id="log-scale"),
]


@pytest.mark.parametrize("item", NO_CONVERSION)
def test_no_conversion_when_pint_cannot_or_must_not(item):
    (c,) = measurements(item)
    assert "conversion" not in c


def test_conversion_factor_edge_cases():
    from nlp.units import conversion_factor

    assert conversion_factor("mEq/L", "mmol/L") is None  # an ion's valence is needed
    assert conversion_factor("mEq/L", "mmol/L", valence=2) == 0.5
    assert conversion_factor("mg/dL", "umol/L") is None  # a molar mass is needed
    assert conversion_factor("g/dL", "g/dL") is None


# -- every form the issue lists, one row each: (item, [summary...], evidence of the first constraint) ------
def _row(item, expected, evidence=None, gap=False):
    marks = [pytest.mark.xfail(strict=True, reason="known gap")] if gap else []
    return pytest.param(item, expected, evidence, id=item[:50], marks=marks)


_PLT = ("platelets", 100000, False, None, None, "/mm3", None)
_PLT_GE = ("platelets", 100000, True, None, None, "/mm3", None)
_ANC_GT = ("ANC", 1500, False, None, None, "/mm3", None)
_CR_LT = ("creatinine", None, None, 1.5, False, "mg/dL", None)
_CR_LE = ("creatinine", None, None, 1.5, True, "mg/dL", None)
_BMI = ("BMI", 18, True, 30, True, "kg/m2", None)
_ANC_SI = ("ANC", 1.5, True, None, None, "10*9/L", None)

ISSUE_FORMS = [
    # comparators: symbols, Unicode, Markdown-escaped, HTML-escaped
    _row("Platelets > 100,000/mm3", [_PLT], "Platelets > 100,000/mm3"),
    _row("Platelets >= 100,000/mm3", [_PLT_GE]),
    _row("Platelets =>100,000/mm3", [_PLT_GE]),
    _row("Platelets >/= 100,000/mm3", [_PLT_GE], "Platelets >/= 100,000/mm3"),
    _row("Platelets > or = 100,000/mm3", [_PLT_GE]),
    _row("Platelets ≥ 100,000/mm3", [_PLT_GE]),
    _row("Platelets ≧ 100,000/mm3", [_PLT_GE]),
    _row("Platelets ＞ 100,000/mm3", [_PLT]),
    _row("Platelets \\> 100,000/mm3", [_PLT], "Platelets \\> 100,000/mm3"),
    _row("Platelets \\>= 100,000/mm3", [_PLT_GE]),
    _row("Platelets &gt; 100,000/mm3", [_PLT], "Platelets &gt; 100,000/mm3"),
    _row("Platelets &ge; 100,000/mm3", [_PLT_GE]),
    _row("Platelets &#8805; 100,000/mm3", [_PLT_GE]),
    _row("Creatinine &lt; 1.5 mg/dL", [_CR_LT]),
    _row("Creatinine ≤ 1.5 mg/dL", [_CR_LE]),
    _row("Creatinine =< 1.5 mg/dL", [_CR_LE]),
    _row("Hemoglobin = or > 9 g/dL", [("hemoglobin", 9, True, None, None, "g/dL", None)]),
    # comparators in words
    _row("ANC greater than 1500/mm3", [_ANC_GT]),
    _row("ANC greater than or equal to 1500/mm3", [("ANC", 1500, True, None, None, "/mm3", None)]),
    _row("ANC at least 1500/mm3", [("ANC", 1500, True, None, None, "/mm3", None)]),
    _row("ANC no less than 1500/mm3", [("ANC", 1500, True, None, None, "/mm3", None)]),
    _row("ANC more than 1500/mm3", [_ANC_GT]),
    _row("ANC higher than 1500/mm3", [_ANC_GT]),
    _row("ANC in excess of 1500/mm3", [_ANC_GT]),
    _row("ANC exceeding 1500/mm3", [_ANC_GT]),
    _row("ANC above 1500/mm3", [_ANC_GT]),
    _row("ANC over 1500/mm3", [_ANC_GT]),
    _row("Creatinine less than 1.5 mg/dL", [_CR_LT]),
    _row("Creatinine below 1.5 mg/dL", [_CR_LT]),
    _row("Creatinine under 1.5 mg/dL", [_CR_LT]),
    _row("Creatinine no more than 1.5 mg/dL", [_CR_LE]),
    _row("Creatinine not exceeding 1.5 mg/dL", [_CR_LE]),
    _row("Creatinine up to 1.5 mg/dL", [_CR_LE]),
    _row("ANC 1500/mm3 or higher", [("ANC", 1500, True, None, None, "/mm3", None)], "ANC 1500/mm3 or higher"),
    _row("ANC 1500/mm3 or greater", [("ANC", 1500, True, None, None, "/mm3", None)]),
    _row("ANC 1500/mm3 or more", [("ANC", 1500, True, None, None, "/mm3", None)]),
    _row("Creatinine 1.5 mg/dL or less", [_CR_LE]),
    _row("Creatinine 1.5 mg/dL or lower", [_CR_LE]),
    _row("Creatinine = 1.5 mg/dL", [("creatinine", 1.5, True, 1.5, True, "mg/dL", None)], "Creatinine = 1.5 mg/dL"),
    _row("QTc = 450 ms", [("QTc", 450, True, 450, True, "ms", None)]),
    # within normal limits: the reference range itself
    _row("Creatinine within normal limits", [("creatinine", None, None, None, None, None, "normal_range")],
         "Creatinine within normal limits"),
    _row("Serum creatinine within the normal range", [("creatinine", None, None, None, None, None, "normal_range")]),
    _row("Bilirubin within normal institutional limits", [("bilirubin", None, None, None, None, None, "normal_range")]),
    _row("Potassium within normal range", [("potassium", None, None, None, None, None, "normal_range")]),
    _row("Bilirubin within institutional limits of normal",
         [("bilirubin", None, None, None, None, None, "normal_range")]),
    # ranges
    _row("BMI 18-30 kg/m2", [_BMI], "BMI 18-30 kg/m2"),
    _row("BMI 18–30 kg/m2", [_BMI], "BMI 18–30 kg/m2"),
    _row("BMI 18 to 30 kg/m2", [_BMI]),
    _row("BMI between 18 and 30 kg/m2", [_BMI]),
    _row("BMI ≥18 and ≤30 kg/m2", [_BMI]),
    _row("BMI from 18 to 30 kg/m2", [_BMI]),
    _row("BMI 18 kg/m2 to 30 kg/m2", [_BMI]),
    _row("HbA1c 7%-10%", [("HbA1c", 7, True, 10, True, "%", None)], "HbA1c 7%-10%"),
    _row("HbA1c 7.0%–10.0%", [("HbA1c", 7.0, True, 10.0, True, "%", None)]),
    _row("HbA1c > 7% and < 10%", [("HbA1c", 7, False, 10, False, "%", None)]),
    # numbers: decimals, thousands, scientific, words, number-word pairs
    _row("Platelets ≥ 100 000/mm3", [_PLT_GE], "Platelets ≥ 100 000/mm3"),
    _row("Platelets ≥ 100000/mm3", [_PLT_GE]),
    _row("ANC ≥ 1.5 x 10^9/L", [_ANC_SI], "ANC ≥ 1.5 x 10^9/L"),
    _row("ANC ≥ 1.5 × 10⁹/L", [_ANC_SI], "ANC ≥ 1.5 × 10⁹/L"),
    _row("ANC ≥ 1.5x10(9)/L", [_ANC_SI]),
    _row("ANC ≥ 1.5 10*9/L", [_ANC_SI]),
    _row("ANC ≥ 1.5 x 10*9/L", [_ANC_SI]),
    _row("ANC ≥ 1.5 x 109/L", [_ANC_SI]),
    _row("ANC ≥ 1.5 x 10e9/L", [_ANC_SI]),
    # initials in brackets do not override the name they abbreviate (another variable may share them)
    _row("Lansky performance status (PS) >= 50", [("Lansky", 50, True, None, None, None, None)]),
    _row("Crohn's Disease Activity Index (CDAI) score ≥ 220 and ≤ 450",
         [("CDAI_crohn", 220, True, 450, True, None, None)]),
    # comparators written half in words
    _row("Hemoglobin equal to or > 12 g/dL", [("hemoglobin", 12, True, None, None, "g/dL", None)]),
    _row("Creatinine < or equal to 1.5 mg/dL", [("creatinine", None, None, 1.5, True, "mg/dL", None)]),
    # a bracketed name after another says which, unless it is the broader name the first abbreviates
    _row("Systolic blood pressure (BP) >160 mmHg", [("systolic_bp", 160, False, None, None, "mmHg", None)]),
    _row("Acute Physiology and Chronic Health Evaluation (APACHE IV) score > 5",
         [("APACHE_IV", 5, False, None, None, None, None)]),
    # a decimal comma; two consecutive whole numbers joined by a comma are a list, not a decimal
    _row("Serum creatinine ≤ 1,5 x the upper limit of normal", [("creatinine", None, None, 1.5, True, None, "ULN")]),
    _row("Haemoglobin ≥ 8,5 g/dL", [("hemoglobin", 8.5, True, None, None, "g/dL", None)]),
    _row("Life expectancy of at least twelve weeks", [("life_expectancy", 12, True, None, None, "wk", None)]),
    _row("Life expectancy of at least six (6) months", [("life_expectancy", 6, True, None, None, "mo", None)],
         "Life expectancy of at least six (6) months"),
    _row("Bilirubin less than twice the ULN", [("bilirubin", None, None, 2, False, None, "ULN")]),
    _row("ALT ≤ three times ULN", [("ALT", None, None, 3, True, None, "ULN")]),
    # units: one row per canonical code of the issue
    _row("Creatinine clearance > 60 mL/min", [("creatinine_clearance", 60, False, None, None, "mL/min", None)]),
    _row("eGFR ≥ 45 mL/min/1.73m²", [("eGFR", 45, True, None, None, "mL/min/{1.73_m2}", None)]),
    _row("Bilirubin ≤ 1.5 mg/dl", [("bilirubin", None, None, 1.5, True, "mg/dL", None)]),
    _row("Creatinine ≤ 133 µmol/L", [("creatinine", None, None, 133, True, "umol/L", None)]),
    _row("Creatinine > 133 mcmol/L", [("creatinine", 133, False, None, None, "umol/L", None)]),
    _row("Hemoglobin ≥ 9 gm/dL", [("hemoglobin", 9, True, None, None, "g/dL", None)]),
    _row("ANC ≥ 1.5 x 10^9/l", [_ANC_SI]),
    _row("ANC ≥ 1500 cells/mm³", [("ANC", 1500, True, None, None, "/mm3", None)]),
    _row("Proteinuria > 1 g/24 hours", [("urine_protein", 1, False, None, None, "g/(24.h)", None)]),
    _row("LVEF ≥ 50 percent", [("LVEF", 50, True, None, None, "%", None)]),
    _row("Systolic blood pressure > 160 mm Hg", [("systolic_bp", 160, False, None, None, "mmHg", None)]),
    _row("BMI < 35 kg/m^2", [("BMI", None, None, 35, False, "kg/m2", None)]),
    _row("QTcF > 470 milliseconds", [("QTcF", 470, False, None, None, "ms", None)]),
    _row("Temperature > 38.5 C", [("temperature", 38.5, False, None, None, "Cel", None)], "Temperature > 38.5 C"),
    _row("Temperature ≥ 38.5°C", [("temperature", 38.5, True, None, None, "Cel", None)], "Temperature ≥ 38.5°C"),
    _row("Body temperature ≥ 38.0 ℃", [("temperature", 38.0, True, None, None, "Cel", None)]),
    _row("Temperature > 100.4 °F", [("temperature", 100.4, False, None, None, "[degF]", None)]),
    # multiples of the limits of normal
    _row("ALT ≤ 2x ULN", [("ALT", None, None, 2, True, None, "ULN")], "ALT ≤ 2x ULN"),
    _row("ALT ≤ 2 × ULN", [("ALT", None, None, 2, True, None, "ULN")]),
    _row("ALT ≤ 2.5 times the upper limit of normal", [("ALT", None, None, 2.5, True, None, "ULN")],
         "ALT ≤ 2.5 times the upper limit of normal"),
    _row("ALT ≤ 3 times the normal value", [("ALT", None, None, 3, True, None, "ULN")]),
    _row("ALT < twice the ULN", [("ALT", None, None, 2, False, None, "ULN")]),
    _row("ALT ≤ 1.5 x institutional ULN", [("ALT", None, None, 1.5, True, None, "ULN")]),
    _row("ALT ≤ 2.5 x upper normal limit", [("ALT", None, None, 2.5, True, None, "ULN")]),
    _row("Hemoglobin > LLN", [("hemoglobin", 1, False, None, None, None, "LLN")]),
    _row("ANC ≥ 1.5 x LLN", [("ANC", 1.5, True, None, None, None, "LLN")]),
    _row("ALT twice the ULN or more", [("ALT", 2, True, None, None, None, "ULN")]),
    # shared subjects and lists
    _row("ALT or AST ≥ 2x ULN", [("ALT", 2, True, None, None, None, "ULN"), ("AST", 2, True, None, None, None, "ULN")],
         "ALT or AST ≥ 2x ULN"),
    _row("AST/ALT ≤ 2.5 x ULN", [("AST", None, None, 2.5, True, None, "ULN"), ("ALT", None, None, 2.5, True, None, "ULN")]),
    _row("ALT and AST ≤ 2.5 × ULN", [("ALT", None, None, 2.5, True, None, "ULN"), ("AST", None, None, 2.5, True, None, "ULN")]),
    _row("AST (SGOT) and ALT (SGPT) ≤ 2.5 x ULN",
         [("AST", None, None, 2.5, True, None, "ULN"), ("ALT", None, None, 2.5, True, None, "ULN")]),
    _row("AST and ALT ≤ 2.5 × ULN or ≤ 5 × ULN in case of liver metastases",
         [("AST", None, None, 2.5, True, None, "ULN"), ("ALT", None, None, 2.5, True, None, "ULN"),
          ("AST", None, None, 5, True, None, "ULN"), ("ALT", None, None, 5, True, None, "ULN")]),
    # categories on ordered scales
    _row("NYHA III–IV", [("NYHA", 3, True, 4, True, None, None)], "NYHA III–IV"),
    _row("NYHA class III or IV", [("NYHA", 3, True, 4, True, None, None)]),
    _row("ECOG 0–1", [("ECOG", 0, True, 1, True, None, None)], "ECOG 0–1"),
    _row("ECOG performance status ≤ 2", [("ECOG", None, None, 2, True, None, None)]),
    _row("ECOG = 0-1", [("ECOG", 0, True, 1, True, None, None)]),
    _row("Zubrod performance status 0-2", [("ECOG", 0, True, 2, True, None, None)]),
    _row("Karnofsky ≥ 70%", [("Karnofsky", 70, True, None, None, "%", None)]),
    _row("Child-Pugh B/C", [("Child-Pugh", 2, True, 3, True, None, None)], "Child-Pugh B/C"),
    _row("Child-Pugh class A", [("Child-Pugh", 1, True, 1, True, None, None)]),
    _row("CTCAE grade ≥ 2", [("CTCAE_grade", 2, True, None, None, None, None)]),
    _row("History of grade 3 or 4 infusion reaction", [("CTCAE_grade", 3, True, 4, True, None, None)]),
]


@pytest.mark.parametrize("item,expected,evidence", ISSUE_FORMS)
def test_every_issue_form(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


def test_alternative_with_condition_after_or():
    found = measurements("AST and ALT ≤ 2.5 × ULN or ≤ 5 × ULN in case of liver metastases")
    assert [c.get("condition") for c in found] == [None, None, "liver metastases", "liver metastases"]
    assert [c.get("alternative_of") for c in found] == [None, None, found[0]["id"], found[1]["id"]]
    assert found[2]["evidence"]["text"] == "≤ 5 × ULN in case of liver metastases"


def test_heading_with_a_list_gives_each_its_own_evidence():
    record = extract("Inclusion Criteria:\n- Adequate organ function defined as:\n  - ANC ≥ 1,500/mm3\n"
                     "  - Platelets ≥ 100,000/mm3\n  - Hemoglobin ≥ 9 g/dL\n  - Creatinine ≤ 1.5 x ULN\n")
    found = [c for c in record["constraints"] if c["kind"] == "measurement"]
    assert [(c["variable"]["id"], c["evidence"]["text"]) for c in found] == [
        ("ANC", "ANC ≥ 1,500/mm3"), ("platelets", "Platelets ≥ 100,000/mm3"), ("hemoglobin", "Hemoglobin ≥ 9 g/dL"),
        ("creatinine", "Creatinine ≤ 1.5 x ULN")]
    items = {i["id"]: i for i in record["items"]}
    assert len({items[c["item"]]["parent"] for c in found}) == 1 and items[found[0]["item"]]["parent"] is not None
    text = record["criteria"]["text"]
    assert all(text[c["evidence"]["start"]:c["evidence"]["end"]] == c["evidence"]["text"] for c in found)


def test_heading_with_a_run_on_list():
    found = measurements("Adequate organ function defined as: - ANC ≥ 1,500/mm3 - Platelets ≥ 100,000/mm3 "
                         "- Hemoglobin ≥ 9 g/dL")
    assert [c["evidence"]["text"] for c in found] == ["ANC ≥ 1,500/mm3", "Platelets ≥ 100,000/mm3",
                                                      "Hemoglobin ≥ 9 g/dL"]


def test_variable_said_twice_evidence_starts_at_the_nearer_mention():
    (c,) = measurements("Anemia (hemoglobin < 10 g/dL) on 2 occasions")
    assert c["evidence"]["text"] == "hemoglobin < 10 g/dL"


FALSE_ALARMS = [
    "Diagnosed after January 1, 2015",
    "Hospitalized between 03/2020 and 06/2020",
    "Enrolled in NCT02345678 or NCT01234567",
    "Participation in study NCT00123456 since 2019",
    "Treated with Humalog Mix 75/25",
    "Prior treatment with Symbicort 160/4.5",
    "Use of Advil 200 mg tablets",
    "Hemoglobin level as defined in section 5.1",
    "Platelet transfusion (see footnote 3)",
    "Hemoglobin¹ as defined in the protocol",
    "Prior phase 2 or phase 3 trial of an anti-PD-1 antibody",
    "Type 2 diabetes mellitus diagnosed more than 1 year ago",
    "Confirmed COVID-19 by PCR",
    "Received a platelet transfusion within 7 days",
    "Patients with 2 prior lines of therapy",
    "Hepatitis B or C infection",
    "Tumor stage > 3 C",
    "Recurrent major hypoglycaemia (more than 1 episode per month)",
    "History of severe hypoglycemia (2 or more episodes requiring assistance) within 6 months",
    "Hyperglycemia (2 or more readings on separate days)",
    "Postmenopausal, defined as no menstrual period for at least 12 months",
    "at least 1 year since last menses",
]


def test_a_list_of_whole_numbers_is_no_decimal_comma():
    values = {c[k]["value"] for c in measurements("ECOG performance status 0,1 or 2") for k in ("lower", "upper") if k in c}
    assert not values & {0.1, 1.2}


@pytest.mark.parametrize("item", FALSE_ALARMS, ids=[t[:40] for t in FALSE_ALARMS])
def test_false_alarms(item):
    assert measurements(item) == []


@pytest.mark.parametrize(
    "item,expected",
    [
        pytest.param("1. ECOG 0-1", ("ECOG 0-1", 0, 1), id="numbered-1."),
        pytest.param("2) Platelets >= 100,000/mm3", ("Platelets >= 100,000/mm3", 100000, None), id="numbered-2)"),
        pytest.param("(3) Hemoglobin ≥ 9 g/dL", ("Hemoglobin ≥ 9 g/dL", 9, None), id="numbered-(3)"),
    ],
)
def test_item_numbers_are_not_values(item, expected):
    (c,) = measurements(item)
    assert (c["evidence"]["text"], c["lower"]["value"], c.get("upper", {}).get("value")) == expected


# -- forms found while reading misses on annotated/dev and the published corpora ---------------------------
CORPUS_FORMS = [
    _row("Eastern Cooperative Oncology Group (ECOG) <3", [("ECOG", None, None, 3, False, None, None)]),
    _row("comatose patients (Glasgow coma score <8) due to poisoning", [("GCS", None, None, 8, False, None, None)],
         "Glasgow coma score <8"),
    _row("creatinine clearance [CrCl] <15 mL/min", [("creatinine_clearance", None, None, 15, False, "mL/min", None)],
         "creatinine clearance [CrCl] <15 mL/min"),
    _row("Karnofsky performance status (KPS) >_70%", [("Karnofsky", 70, True, None, None, "%", None)]),
    _row("Creatinine <_1.6 mg/dl", [("creatinine", None, None, 1.6, True, "mg/dL", None)]),
    _row("Glasgow Coma Score below or equal to 8", [("GCS", None, None, 8, True, None, None)]),
    _row("asthma control test inferior to 20", [("ACT", None, None, 20, False, None, None)]),
    _row("LVEF superior to 50%", [("LVEF", 50, False, None, None, "%", None)]),
    _row("platelet count <50,000/ µL", [("platelets", None, None, 50000, False, "/uL", None)]),
    _row("white blood cell(WBC) is less than 3000/㎕", [("WBC", None, None, 3000, False, "/uL", None)]),
    _row("triglyceride levels of 150 mg⁄dL or greater", [("triglycerides", 150, True, None, None, "mg/dL", None)]),
    _row("Karnowsky greater than 80", [("Karnofsky", 80, False, None, None, None, None)]),
    _row("PEEP > 10 cmH2O", [("PEEP", 10, False, None, None, "cm[H2O]", None)]),
    _row("fever > 100.4", [("temperature", 100.4, False, None, None, None, None)]),
    _row("Ordinal Scale for Clinical Improvement >3", [("WHO_OSCI", 3, False, None, None, None, None)]),
    _row("ASA 1-3", [("ASA", 1, True, 3, True, None, None)]),
    _row("ASA 3 or 4", [("ASA", 3, True, 4, True, None, None)]),
    _row("ASA class I-III", [("ASA", 1, True, 3, True, None, None)]),
    _row("ASA I-III", [("ASA", 1, True, 3, True, None, None)]),
    _row("expected lifespan of < 24 hours", [("life_expectancy", None, None, 24, False, "h", None)]),
    _row("Mini-Mental State Exam = 24.", [("MMSE", 24, True, 24, True, None, None)]),
    # hard wraps that a "#"-break export left as runs of spaces
    _row("poor diabetes control despite intensive insulin therapy (HbA1c >             8.0%).",
         [("HbA1c", 8.0, False, None, None, "%", None)], "HbA1c >             8.0%"),
    # ordered categories listed one by one
    _row("Patients with ECOG performance status of 0, 1 or 2 and a life expectancy of at least 12 weeks",
         [("ECOG", 0, True, 2, True, None, None), ("life_expectancy", 12, True, None, None, "wk", None)],
         "ECOG performance status of 0, 1 or 2"),
    _row("ECOG performance score (PS) of 0, 1, or 2", [("ECOG", 0, True, 2, True, None, None)]),
    _row("Performance status should be ECOG level 0, 1, or 2.", [("ECOG", 0, True, 2, True, None, None)]),
    _row("NYHA class I, II, or III heart failure", [("NYHA", 1, True, 3, True, None, None)]),
    _row("ECOG performance status of 0, 1 or 3", [("ECOG", 0, True, 1, True, None, None)]),  # not a run: 0-1
    # toxicity grades with a postfix comparator or a range
    _row("Grade 2 or greater neuropathy", [("CTCAE_grade", 2, True, None, None, None, None)]),
    _row("Prior toxicity must have resolved to grade 1 or less", [("CTCAE_grade", None, None, 1, True, None, None)]),
    # names glued to their abbreviation, abbreviations between name and comparator
    _row("AST(SGOT)/ALT(SGPT) =< 2.5 x institutional upper limit of normal",
         [("AST", None, None, 2.5, True, None, "ULN"), ("ALT", None, None, 2.5, True, None, "ULN")]),
    _row("Alanine Aminotransferase (ALT)/Aspartate Aminotransferase (AST) > 5 times the upper limit of normal",
         [("ALT", 5, False, None, None, None, "ULN"), ("AST", 5, False, None, None, None, "ULN")]),
    _row("Corrected QT interval (QTc) interval greater than 480 milliseconds",
         [("QTc", 480, False, None, None, "ms", None)]),
    _row("Antigen Neutrophil Count (ANC): ≥ 1000/uL", [("ANC", 1000, True, None, None, "/uL", None)],
         "Neutrophil Count (ANC): ≥ 1000/uL"),
    # a blood pressure side named after the unit; a variable joined by "and/or" ends the threshold before
    _row("hypertension greater than or equal to 100 mmHg diastolic and/or greater than or equal to 160 mmHg systolic",
         [("diastolic_bp", 100, True, None, None, "mmHg", None), ("systolic_bp", 160, True, None, None, "mmHg", None)]),
    _row("blood pressure > 160 mmHg systolic or > 100 mmHg diastolic",
         [("systolic_bp", 160, False, None, None, "mmHg", None), ("diastolic_bp", 100, False, None, None, "mmHg", None)]),
    # multiples of the limit of normal said other ways
    _row("LDH \\> 2.5X IULN", [("LDH", 2.5, False, None, None, None, "ULN")]),
    _row("ALT less than twice normal", [("ALT", None, None, 2, False, None, "ULN")]),
    _row("bilirubin less than twice the normal value", [("bilirubin", None, None, 2, False, None, "ULN")]),
    # aliases and filler words
    _row("Serum creatinine clearance greater than 50 cc/min",
         [("creatinine_clearance", 50, False, None, None, "mL/min", None)]),
    _row("T4 count >= 800 cells/mm3", [("CD4", 800, True, None, None, "/mm3", None)]),
    _row("FEV(1) less than 0.8 liters", [("FEV1", None, None, 0.8, False, "L", None)]),
    _row("FEV_1 at least 60% predicted", [("FEV1", 60, True, None, None, "%", "predicted")]),
    _row("DLCO must not be less than 65% predicted.", [("DLCO", 65, True, None, None, "%", "predicted")]),
    _row("any plasma HIV-1 RNA measurement >=50 c/mL", [("viral_load", 50, True, None, None, "{copies}/mL", None)]),
    _row("Mini-Mental State Examination exam score < 24", [("MMSE", None, None, 24, False, None, None)]),
    _row("Body mass index to be between 18 to 30 kg/m2", [("BMI", 18, True, 30, True, "kg/m2", None)]),
    _row("Moderate to severe liver failure (Childs-Pugh Score > 10)",
         [("Child-Pugh", 10, False, None, None, None, None)]),
    # the scale named after the value
    _row("dementia complex defined by a score of < 23 on the Mini-Mental State Exam.",
         [("MMSE", None, None, 23, False, None, None)]),
    _row("score 2 or higher on the modified Medical Research Council Dyspnea scale",
         [("mMRC", 2, True, None, None, None, None)]),
    # plausible in the canonical unit
    _row("Weight < 800 g", [("weight", None, None, 800, False, "g", None)]),
    # unit spellings
    _row("body mass index <30kg.m2", [("BMI", None, None, 30, False, "kg/m2", None)]),
    _row("Body mass index 18.5-29.9 kg∙m-2", [("BMI", 18.5, True, 29.9, True, "kg/m2", None)]),
    _row("Body mass index (BMI) of 25-40 kilograms per square meter (kg/m²)",
         [("BMI", 25, True, 40, True, "kg/m2", None)]),
    _row("ANC > 1.5 * 109/L", [("ANC", 1.5, False, None, None, "10*9/L", None)]),
    _row("Respiratory rate > 25 breaths/minute", [("respiratory_rate", 25, False, None, None, "/min", None)]),
    _row("FSH levels greater than 10 mIU/mL", [("FSH", 10, False, None, None, "m[IU]/mL", None)]),
    _row("TSH < 4 mU/L", [("TSH", None, None, 4, False, "m[IU]/L", None)]),
    _row("TSH > 10 µIU/mL", [("TSH", 10, False, None, None, "u[IU]/mL", None)]),
    # a colon or a bracket glued to the comparator; an ordinal sign for the degree sign
    _row("BMI:<=35kg/m2", [("BMI", None, None, 35, True, "kg/m2", None)], "BMI:<=35kg/m2"),
    _row("EASI score greater than or equal to (≥)16", [("EASI", 16, True, None, None, None, None)]),
    _row("fever (\\> 38ºC), or infection within the last 2 weeks",
         [("temperature", 38, False, None, None, "Cel", None)]),
    # categories without a digit in the item; words between the scale and its class
    _row("PAH classified as WHO FC I or symptomatic PAH classified as WHO FC II to IV",
         [("WHO_FC", 1, True, 1, True, None, None), ("WHO_FC", 2, True, 4, True, None, None)]),
    _row("American Society of Anesthesiologists (ASA) Physical Status classification 1-3",
         [("ASA", 1, True, 3, True, None, None)]),
    # gestational age stated after the value
    _row(">37 weeks gestational age", [("gestational_age", 37, False, None, None, "wk", None)]),
    _row("Infants born at less than 32 weeks of gestation",
         [("gestational_age", None, None, 32, False, "wk", None)]),
    _row("Gestation ≥ 37 weeks", [("gestational_age", 37, True, None, None, "wk", None)]),
    # phrasings frequent in the registry (found mining the whole corpus for thresholds nothing covered)
    _row("Creatine less than 2 times ULN Creatinine clearance at least 50 mL/min Other: No prior",
         [("creatinine", None, None, 2, False, None, "ULN"),
          ("creatinine_clearance", 50, True, None, None, "mL/min", None)]),
    _row("No patients with baseline QTc prolongation (greater than 440 msec).",
         [("QTc", 440, False, None, None, "ms", None)]),
    _row("an ecog performance of <2", [("ECOG", None, None, 2, False, None, None)]),
    _row("Absolute neutrophil count (ANC)≥1.5×109/L AND", [("ANC", 1.5, True, None, None, "10*9/L", None)]),
    _row("Oxygen saturation that is < 95% at the screening", [("SpO2", None, None, 95, False, "%", None)]),
    _row("Two CD4+ T cell counts less than 300/microliters within 3 months",
         [("CD4", None, None, 300, False, "/uL", None)]),
    _row("QTc(F) ≥450msec", [("QTcF", 450, True, None, None, "ms", None)]),
    _row("Performance status (Karnofsky scale) must be greater than 30",
         [("Karnofsky", 30, False, None, None, None, None)]),
    _row("fever (Tmax > 100.4 F)", [("temperature", 100.4, False, None, None, "[degF]", None)]),
    _row("sinus tachycardia greater than or equal to 100 beats/min",
         [("heart_rate", 100, True, None, None, "/min", None)]),
    _row("Clinically significant resting bradycardia (< 50 beats per minute)",
         [("heart_rate", None, None, 50, False, "/min", None)]),
    _row("serum creatine less than 2.0 mg/dl", [("creatinine", None, None, 2.0, False, "mg/dL", None)]),
    # the value first: several variables after it, a unit written after the cells counted
    _row("Liver dysfunction (>3x ULN SGOT / SGPT)",
         [("AST", 3, False, None, None, None, "ULN"), ("ALT", 3, False, None, None, None, "ULN")]),
    _row("less than 1500 neutrophils/mm3", [("ANC", None, None, 1500, False, "/mm3", None)]),
    _row("> 500 CD4 cells/µL", [("CD4", 500, False, None, None, "/uL", None)]),
    # a lymphocyte count per volume is the absolute lymphocyte count (one catalogue entry, not two)
    _row("less than 400 lymphocytes/mm3", [("ALC", None, None, 400, False, "/mm3", None)]),
    _row("Lymphocyte count >= 0.5 x 10^9/L", [("ALC", 0.5, True, None, None, "10*9/L", None)]),
    # a range stated after "within the range": bounds, not the normal range
    _row("Body mass index (BMI) within the range 18 and 30 kg/m2", [("BMI", 18, True, 30, True, "kg/m2", None)]),
    _row("Loss of no more than 10% of body weight over a 4 month period",
         [("weight_loss", None, None, 10, True, "%", None)]),
    # the upper limit named other ways
    _row("total bilirubin < 1.5 X maximum normal value", [("bilirubin", None, None, 1.5, False, None, "ULN")]),
    _row("AST or ALT more than twice the highest reference value",
         [("AST", 2, False, None, None, None, "ULN"), ("ALT", 2, False, None, None, None, "ULN")]),
    # catalogue batch 4: units and unit spellings the new entries needed (micrometres, "cmH20" with a zero,
    # "gm/24 hrs"), a name written with a bracketed abbreviation inside it, and escaped comparators
    _row("carotid IMT > 1300μm", [("carotid_IMT", 1300, False, None, None, "um", None)]),
    _row("Mean CST ≥300 μm on optical coherence tomography", [("CST", 300, True, None, None, "um", None)],
         "CST ≥300 μm"),
    _row("Peak ventilatory pressure > 30cmH20", [("peak_airway_pressure", 30, False, None, None, "cm[H2O]", None)]),
    _row("macroalbuminuria > 0.3 gm/24 hrs", [("urine_albumin", 0.3, False, None, None, "g/(24.h)", None)]),
    _row("Forced expiratory volume (FEV)_1 at least 1.0 L", [("FEV1", 1.0, True, None, None, "L", None)]),
    _row("PETH \\> 20ug/L", [("PEth", 20, False, None, None, "ug/L", None)]),
    _row("TBL \\> 1.5 mg/dL", [("bilirubin", 1.5, False, None, None, "mg/dL", None)]),
    _row("Positive tuberculin skin test (PPD > 5 mm)", [("TST_induration", 5, False, None, None, "mm", None)],
         "PPD > 5 mm"),
    # "µm" is read only after the thickness variables: case is folded, and "µM" after a lab is micromolar
    _row("TRV ≥ 2.9 m/s", [("TRV", 2.9, True, None, None, "m/s", None)]),
    _row("serum AAT < 11 μM", [("alpha1_antitrypsin", None, None, 11, False, None, None)]),
]


@pytest.mark.parametrize("item,expected,evidence", CORPUS_FORMS)
def test_corpus_forms(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


@pytest.mark.parametrize("item", [
    pytest.param("fever for more than 3 days", id="a-duration-is-not-a-temperature"),
    pytest.param("low dose ASA (≤ 100 mg/day)", id="aspirin-dose-is-not-an-ASA-class"),
    pytest.param("ASA 325 mg daily", id="aspirin-strength"),
    pytest.param("more than 3 days fever", id="a-duration-before-the-variable"),
    pytest.param("stable for at least 1 month before enrollment without evidence of QTc prolongation",
                 id="a-duration-is-not-a-QTc"),
    pytest.param("fibrinolytic therapy less than 48 h before randomization known platelet count decline",
                 id="a-duration-is-not-a-platelet-count"),
    pytest.param("WHO grade 3-4 glioma", id="tumour-grade"),
    # (the Kellgren-Lawrence grade is a catalogue variable now: see CATALOGUE_B5_FORMS)
    pytest.param("Outerbridge grade 3-4 chondral lesion", id="radiographic-grade"),
    pytest.param("Grade 1-3A follicular lymphoma", id="lymphoma-grade"),
    pytest.param("Liver disease (stage > 2) Alanine Aminotransferase raised",
                 id="a-bracket-closes-the-value"),
])
def test_corpus_false_alarms(item):
    assert measurements(item) == []


# -- forms found while reading misses on the third dev batch -------------------------------------------
BATCH3_FORMS = [
    # new catalogue variables
    _row("Blood erythropoietin level >\n             500 mU/mL",
         [("erythropoietin", 500, False, None, None, "m[IU]/mL", None)]),
    _row("Tanner stage II or greater", [("Tanner", 2, True, None, None, None, None)],
         "Tanner stage II or greater"),
    _row("Arm circumference <9 inches or >17 inches",
         [("arm_circumference", None, None, 9, False, "[in_i]", None),
          ("arm_circumference", 17, False, None, None, "[in_i]", None)]),
    _row("Acute Physiology and Chronic Health Evaluation (APACHE IV) score > 5",
         [("APACHE_IV", 5, False, None, None, None, None)]),
    _row("APACHE II score >= 15", [("APACHE_II", 15, True, None, None, None, None)]),
    _row("Insomnia Severity Index (ISI) of 8 or above", [("ISI", 8, True, None, None, None, None)]),
    _row("SE (sleep efficiency) \\<80% on the sleep diary", [("sleep_efficiency", None, None, 80, False, "%", None)]),
    _row("Spinal pain \\>= 4 on a 0 to 10 Numerical Rating Scale",
         [("NRS_pain", 4, True, None, None, None, None)]),
    _row("Arterial oxygen partial pressure (PaO2)/ fraction of inspired oxygen (FiO2) < 300mmHg",
         [("PaO2/FiO2", None, None, 300, False, "mmHg", None)]),
    # aliases
    _row("s-creatinin >100", [("creatinine", 100, False, None, None, None, None)]),
    _row("serum creatinin > 1.5 mg/dl", [("creatinine", 1.5, False, None, None, "mg/dL", None)]),
    _row("CD+4 lymphocyte count of < 300 cells/mm3", [("CD4", None, None, 300, False, "/mm3", None)]),
    _row("saturation of oxygen (\\< 95%)", [("SpO2", None, None, 95, False, "%", None)]),
    _row("albumin             excretion > 300 mg/24hour",
         [("urine_albumin", 300, False, None, None, "mg/(24.h)", None)]),
    _row("tachypnea (\\>=20 per minute)", [("respiratory_rate", 20, True, None, None, "/min", None)]),
    _row("hyperglycemia\\> 1.8g / L", [("glucose", 1.8, False, None, None, "g/L", None)]),
    _row("creatinine clearance (CrC1)<40 mL/min", [("creatinine_clearance", None, None, 40, False, "mL/min", None)],
         "creatinine clearance (CrC1)<40 mL/min"),
    # comparators and units
    _row("estimated glomerular filtration rate (eGFR) lesser than 30 milli liter per min/1.73 meter square",
         [("eGFR", None, None, 30, False, "mL/min/{1.73_m2}", None)]),
    _row("HIV viral load ≤ 10,000 copies HIV RNA/mL", [("viral_load", None, None, 10000, True, "{copies}/mL", None)],
         "HIV viral load ≤ 10,000 copies HIV RNA/mL"),
    # categories: a single label, a label with a full stop, "Class 3 or Class 4", words between name and labels
    _row("Severe hepatic impairment, defined as Child-Pugh class C.",
         [("Child-Pugh", 3, True, 3, True, None, None)], "Child-Pugh class C"),
    _row("New York Heart Association Class 3 or Class 4", [("NYHA", 3, True, 4, True, None, None)]),
    _row("Eastern Cooperative Oncology Group (ECOG) score standard: 0-2", [("ECOG", 0, True, 2, True, None, None)]),
    _row("Class III or IV congestive heart failure - New York Heart Association (NYHA)",
         [("NYHA", 3, True, 4, True, None, None)],
         "Class III or IV congestive heart failure - New York Heart Association"),
    _row("Class II heart failure (NYHA)", [("NYHA", 2, True, 2, True, None, None)], "Class II heart failure (NYHA)"),
    # value first; the other side of a blood pressure under the same comparator
    _row("Hypertension: Blood pressure > 135 mmHg systolic and/or 85 mm Hg diastolic repeatedly",
         [("systolic_bp", 135, False, None, None, "mmHg", None), ("diastolic_bp", 85, False, None, None, "mmHg", None)]),
    _row("a 24 hour urine for protein must demonstrate \\<500mg of protein in 24 hours",
         [("urine_protein", None, None, 500, False, "mg/(24.h)", None)], "\\<500mg of protein in 24 hours"),
    # references and durations
    _row("Abnormal kidney function (eGFR \\<80% of age adjusted normal renal function)",
         [("eGFR", None, None, 80, False, "%", "predicted")], "eGFR \\<80% of age adjusted normal"),
]


@pytest.mark.parametrize("item,expected,evidence", BATCH3_FORMS)
def test_batch3_forms(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


@pytest.mark.parametrize("item", [
    pytest.param("Prior treatment with erythropoietin within 4 weeks", id="erythropoietin-the-drug"),
    pytest.param("low back pain for more than 3 months", id="a-pain-duration-is-not-a-pain-score"),
    pytest.param("Tanner stage assessment at screening", id="tanner-without-a-label"),
    pytest.param("Hepatitis B or C infection.", id="hepatitis-letters-are-not-categories"),
    pytest.param("History of hypoglycemia in the last 6 months", id="hypoglycemia-without-a-value"),
    pytest.param("Arm circumference measured in cm at 3 sites", id="a-unit-without-a-value"),
    pytest.param("Currently self monitoring blood glucose levels at least 3 times per day", id="a-count-of-times"),
    pytest.param("Class II or III antiarrhythmic drugs within 5 half-lives", id="drug-classes-are-not-categories"),
])
def test_batch3_false_alarms(item):
    assert measurements(item) == []


# -- forms from the corpus' uncovered comparators (meas-r2) ---------------------------------------------
ROUND4_FORMS = [
    # modal verbs between the variable and its comparator
    _row("For patients with liver metastases, the AST/ALT may be ≤ 5x ULN",
         [("AST", None, None, 5, True, None, "ULN"), ("ALT", None, None, 5, True, None, "ULN")], "AST/ALT may be ≤ 5x ULN"),
    _row("ANC can be < 1000/mm3 if due to marrow involvement", [("ANC", None, None, 1000, False, "/mm3", None)]),
    _row("Absolute neutrophil count must be >= 500 cells/mm3", [("ANC", 500, True, None, None, "/mm3", None)]),
    # scale versions and spellings
    _row("HAMD24 total score ≥ 20", [("HAM-D", 20, True, None, None, None, None)]),
    _row("depression as measured by the HAMD-6 score \\>7 and \\<13 at screening",
         [("HAM-D6", 7, False, 13, False, None, None)], "HAMD-6 score \\>7 and \\<13"),
    _row("Lansky Play-Performance Score < 40", [("Lansky", None, None, 40, False, None, None)]),
    _row("ECOG performance status =< 2", [("ECOG", None, None, 2, True, None, None)]),
    _row("Serum creatinine ≤ 1,5 x the upper limit of normal", [("creatinine", None, None, 1.5, True, None, "ULN")]),
    # a conditional alternative in brackets, with "=<" or an escaped comparator
    _row("aspartate aminotransferase (AST) =< 2.5 x ULN (=< 5 x ULN for patients with liver metastases)",
         [("AST", None, None, 2.5, True, None, "ULN"), ("AST", None, None, 5, True, None, "ULN")]),
    _row("ALT \\<= 2.5 x ULN (\\<= 5 x ULN if liver metastases are present)",
         [("ALT", None, None, 2.5, True, None, "ULN"), ("ALT", None, None, 5, True, None, "ULN")]),
    # a conditional alternative in the main threshold's unit
    _row("Hepatic function: Bilirubin ≤ 2.0 mg/dL (≤ 3.0 mg/dL for patients with liver metastases)",
         [("bilirubin", None, None, 2.0, True, "mg/dL", None), ("bilirubin", None, None, 3.0, True, "mg/dL", None)]),
    _row("fasting serum TG \\<= 150 mg/dL (\\<=175 mg/dL when not fasting) within 6 months",
         [("triglycerides", None, None, 150, True, "mg/dL", None), ("triglycerides", None, None, 175, True, "mg/dL", None)]),
    _row("Platelet count greater than or equal to 100 x 10^9/L (>70 x 10^9/L if bone marrow involvement)",
         [("platelets", 100, True, None, None, "10*9/L", None), ("platelets", 70, False, None, None, "10*9/L", None)]),
    # a restatement in another unit is not a second threshold
    _row("renal insufficiency defined as a serum creatinine >2 mg/dL (>180 mmoL/L) in patients on dialysis",
         [("creatinine", 2, False, None, None, "mg/dL", None)]),
    _row("Increased blood glucose levels (> 120 mg/dL; > 6.7 mM), or requiring insulin",
         [("glucose", 120, False, None, None, "mg/dL", None)]),
    # a value before "or" is not the value of the variable after it, when that variable has its own
    # ("Serum Cr", an alias now, is creatinine; its own value is the one before "or")
    _row("Serum Cr ≤ 1.25×ULN or endogenous creatinine clearance \\> 60 ml/min (Cockcroft-Gault formula);",
         [("creatinine", None, None, 1.25, True, None, "ULN"),
          ("creatinine_clearance", 60, False, None, None, "mL/min", None)], "Serum Cr ≤ 1.25×ULN"),
    _row("Creatinine > 2.0 x ULN or creatinine clearance < 40 mL/min",
         [("creatinine", 2.0, False, None, None, None, "ULN"), ("creatinine_clearance", None, None, 40, False, "mL/min", None)]),
    _row("AML secondary to MDS with ≥20% bone marrow or peripheral blasts), as defined by the WHO",
         [("peripheral_blasts", 20, True, None, None, "%", None)]),
    # "performance" and "known" between a variable and its comparator
    _row("Eastern Cooperative Oncology Group (ECOG) performance score =<2", [("ECOG", None, None, 2, True, None, None)]),
    _row("Left ventricular ejection fraction known to be < 35%.", [("LVEF", None, None, 35, False, "%", None)]),
    _row("Haemoglobin < 7g/dl, neutrophil cell count < 500/mm3",
         [("hemoglobin", None, None, 7, False, "g/dL", None), ("ANC", None, None, 500, False, "/mm3", None)]),
    # sleep and fibromyalgia scales
    _row("a clinically significant sleep disturbance, defined as a PSQI total score > 5.",
         [("PSQI", 5, False, None, None, None, None)]),
    _row("Widespread pain index (WPI) ≥7 and symptom severity (SS) scale score ≥5",
         [("WPI", 7, True, None, None, None, None), ("fibromyalgia_SS", 5, True, None, None, None, None)]),
    # a second threshold after "and must be": the variable named before in the item
    _row("CD4 count must be 50-499 cells/mm3 in patients receiving ddI plus vaccine or control, and must be >= 500 "
         "cells/mm3 in patients receiving ddI alone.",
         [("CD4", 50, True, 499, True, "/mm3", None), ("CD4", 500, True, None, None, "/mm3", None)]),
    _row("CD4 count < 200 cells/mm3, and must be > 18 years of age", [("CD4", None, None, 200, False, "/mm3", None)]),
    # HIV p24 antigen; "(= or >" opens a bracket before a comparator (not the emoticon "(=")
    _row("must have p24 antigen levels = or > 70 pg/ml (> 50 pg/ml at U. of Mass. site only)",
         [("p24_antigen", 70, True, None, None, "pg/mL", None)], "p24 antigen levels = or > 70 pg/ml"),
    _row("consistently positive serum HIV p24 antigen (= or > 70 pg/ml) as defined",
         [("p24_antigen", 70, True, None, None, "pg/mL", None)]),
    _row("positive CD4 count (= or > 200 cells/mm3) as defined", [("CD4", 200, True, None, None, "/mm3", None)]),
    # life expectancy said as a projection
    _row("Survival time projected to be < 9 weeks.", [("life_expectancy", None, None, 9, False, "wk", None)]),
]


@pytest.mark.parametrize("item,expected,evidence", ROUND4_FORMS)
def test_round4_forms(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


@pytest.mark.parametrize("item", [
    pytest.param("Patients who will be > 65 years at the time of surgery", id="a-modal-verb-without-a-variable"),
    pytest.param("HAMD24 Item 1 ≥ 2", id="an-item-of-a-scale-is-not-its-total"),
    pytest.param("(=< 5 x ULN for patients with liver metastases)", id="an-alternative-without-its-variable"),
    pytest.param("known to be HIV positive for > 6 months", id="known-without-a-variable"),
    pytest.param("HIV p24 antigen positive", id="p24-without-a-value"),
    pytest.param("Patients must be > 4 weeks from prior chemotherapy", id="must-be-without-a-variable-before"),
    pytest.param("chronic widespread pain for > 3 months", id="widespread-pain-is-not-the-index"),
    pytest.param("overall survival time of 12 months", id="survival-time-is-not-life-expectancy"),
    pytest.param("Patients unlikely to survive for > 24 hours", id="survival-is-not-read"),
])
def test_round4_false_alarms(item):
    assert measurements(item) == []


def test_alternative_in_the_same_unit_keeps_its_condition():
    found = measurements("Bilirubin ≤ 2.0 mg/dL (≤ 3.0 mg/dL for patients with liver metastases)")
    assert [c.get("condition") for c in found] == [None, "liver metastases"]


# -- forms of the fifth dev batch ------------------------------------------------------------------------
BATCH5_FORMS = [
    # a second bound joined by "and", the unit written again, closes one range; joined by "or" it does not
    _row("eGFR greater than 25 mL/min/1.73 m2 and less than 90 mL/min/1.73 m2",
         [("eGFR", 25, False, 90, False, "mL/min/{1.73_m2}", None)],
         "eGFR greater than 25 mL/min/1.73 m2 and less than 90 mL/min/1.73 m2"),
    _row("UACR greater than 30 mg/g.cr. and less than 3500 mg/g.cr.", [("UACR", 30, False, 3500, False, "mg/g", None)]),
    _row("Hemoglobin < 9 or > 16 g/dL",
         [("hemoglobin", None, None, 9, False, "g/dL", None), ("hemoglobin", 16, False, None, None, "g/dL", None)]),
    # "which must be" between the variable and its comparator
    _row("serum creatinine which must be <1.6 mg/dL", [("creatinine", None, None, 1.6, False, "mg/dL", None)]),
    # "minimum"/"maximum" before the variable
    _row("minimum life expectancy of 12 weeks", [("life_expectancy", 12, True, None, None, "wk", None)]),
    _row("maximum BMI of 35 kg/m2", [("BMI", None, None, 35, True, "kg/m2", None)]),
    # survival said as an expectation; negation stays a flag, the bound as written
    _row("expected to survive for less than 72 hours", [("life_expectancy", None, None, 72, False, "h", None)]),
    _row("Patients who are not expected to survive for more than 24 hours",
         [("life_expectancy", 24, False, None, None, "h", None)]),
    # Snellen fractions as decimal acuities, the fraction kept as the bound's text; a range ordered by acuity
    _row("BCVA 20/40 - 20/200 Snellen", [("BCVA", 0.1, True, 0.5, True, "Snellen", None)], "BCVA 20/40 - 20/200 Snellen"),
    _row("best-corrected visual acuity (BCVA) 20/40 to 20/200 inclusive in the amblyopic eye",
         [("BCVA", 0.1, True, 0.5, True, "Snellen", None)]),
    _row("BCVA 20/25 or better in the fellow eye", [("BCVA", 0.8, True, None, None, "Snellen", None)]),
    _row("Fellow eye visual acuity <20/200", [("BCVA", None, None, 0.1, False, "Snellen", None)]),
    _row("visual acuity of 6/12 or worse", [("BCVA", None, None, 0.5, True, "Snellen", None)]),
    # a score out of its scale's maximum; not a pair of pressures
    _row("Pain intensity of > 4/10 on a 0-10 VAS scale", [("NRS_pain", 4, False, None, None, None, None)], "Pain intensity of > 4/10"),
    _row("VAS >= 40/100", [("VAS_pain", 40, True, None, None, None, None)]),
    _row("BP persistently >160/100 mmHg",
         [("systolic_bp", 160, False, None, None, "mmHg", None), ("diastolic_bp", 100, False, None, None, "mmHg", None)]),
    # variables of the LCT corpus
    _row("Cotinine > 100 ng/ml", [("cotinine", 100, False, None, None, "ng/mL", None)]),
    _row("unfavourable cervix (Bishop score ≤ 4)", [("Bishop_score", None, None, 4, True, None, None)]),
    _row("Bishop score of 5 or less", [("Bishop_score", None, None, 5, True, None, None)]),
    # the reference range itself: within it, outside it (negated), or a bare "normal" ending the statement
    _row("Electrolytes within normal CCHMC limits", [("electrolytes", None, None, None, None, None, "normal_range")]),
    _row("Serum chemistry results within normal limits", [("serum_chemistry", None, None, None, None, None, "normal_range")]),
    _row("bone mineral density is within normal limits", [("BMD", None, None, None, None, None, "normal_range")]),
    _row("LFT's outside of normal range", [("liver_function_tests", None, None, None, None, None, "normal_range")]),
    _row("Creatinine normal", [("creatinine", None, None, None, None, None, "normal_range")]),
    _row("Creatinine normal for age (within 2 standard deviations)",
         [("creatinine", None, None, None, None, None, "normal_range")]),
    # a list longer than the pattern's slots; the comparator after the multiple
    _row("total bilirubin or ALT or AST or ALP or γGT > ULN",
         [(v, 1, False, None, None, None, "ULN") for v in ("bilirubin", "ALT", "AST", "ALP", "GGT")],
         "total bilirubin or ALT or AST or ALP or γGT > ULN"),
    _row("ALT 5 times greater than upper normal limit", [("ALT", 5, False, None, None, None, "ULN")]),
    _row("ALT, AST and total bilirubin twice higher than normal",
         [(v, 2, False, None, None, None, "ULN") for v in ("ALT", "AST", "bilirubin")]),
    # comparators said with size words
    _row("creatinine no larger than 1.5 mg/dL", [("creatinine", None, None, 1.5, True, "mg/dL", None)]),
    _row("BMI larger than 35 kg/m2", [("BMI", 35, False, None, None, "kg/m2", None)]),
    # a scale's range in brackets is not a bound (the threshold after it is not read yet)
    _row("UAS7 score (range 0-42) ≥16", [("UAS7", 16, True, None, None, None, None)], gap=True),
    # spellings of the sixth batch
    _row("Baseline DAS28/ESR>=3.2", [("DAS28-ESR", 3.2, True, None, None, None, None)]),
    _row("Estimated glomerular filteration rate (e-GFR) between 15-60 milliliter per minute (mL/min) (calculated)",
         [("eGFR", 15, True, 60, True, "mL/min", None)]),
    _row("Montreal Cognitive Assessement test (MOCA) ≥ 22", [("MoCA", 22, True, None, None, None, None)]),
    _row("Clinical Frailty Scale score between 2 and 4", [("clinical_frailty_scale", 2, True, 4, True, None, None)]),
    _row("Dyslipidemia with TG> 150mg/dL (1.70mmol/L), and/or TC>200mg/dL (5.16mmol/L)",
         [("triglycerides", 150, False, None, None, "mg/dL", None), ("total_cholesterol", 200, False, None, None, "mg/dL", None)]),
    # a percentile for age, read only before "percentile"
    _row("BMI (body mass index) >5th and <95th percentiles", [("BMI_percentile", 5, False, 95, False, "percentile", None)]),
    _row("BMI of less than the 90th percentile", [("BMI_percentile", None, None, 90, False, "percentile", None)]),
    _row("Height within the 3rd and 97th percentiles", [("height_percentile", 3, True, 97, True, "percentile", None)]),
    _row("weight below the 3rd percentile", [("weight_percentile", None, None, 3, False, "percentile", None)]),
    # values below zero on scales that have them
    _row("BMD T-score <= -2.5", [("T-score", None, None, -2.5, True, None, None)]),
    _row("T-score of -2.5 or less", [("T-score", None, None, -2.5, True, None, None)]),
    # long names and creatinine-indexed units
    _row("partial pressure of arterial oxygen to fraction of inspired oxygen ratio < 300",
         [("PaO2/FiO2", None, None, 300, False, None, None)]),
    _row("Patients with urine protein-creatinine ratio ≥ 3.5 g/gCr", [("UPCR", 3.5, True, None, None, "g/g", None)],
         "urine protein-creatinine ratio ≥ 3.5 g/gCr"),
]


@pytest.mark.parametrize("item,expected,evidence", BATCH5_FORMS)
def test_batch5_forms(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


def test_not_expected_to_survive_is_a_negated_life_expectancy():
    found = measurements("Patients who are not expected to survive for more than 24 hours")
    assert [c["negated"] for c in found] == [True]


@pytest.mark.parametrize("item", [
    pytest.param("minimum of 2 prior regimens", id="minimum-without-a-variable"),
    pytest.param("Patients expected to survive the study period", id="survival-without-a-value"),
    pytest.param("HbA1c > 7/10 of the visits", id="out-of-ten-on-a-lab"),
    pytest.param("Treatment-free for 72 HR", id="HR-is-hours-not-heart-rate"),
    pytest.param("Creatinine normal or slightly elevated and stable", id="normal-going-on-is-not-bare"),
    pytest.param("femoral neck BMD >= 1.5 standard deviations below the mean", id="standard-deviations-are-no-value"),
    pytest.param("ANC > 2nd generation TKI", id="an-ordinal-is-no-value"),
    pytest.param("ALT 3 greater than normal", id="greater-than-normal-without-a-multiple"),
    pytest.param("Hemoglobin above the 5th percentile", id="a-percentile-of-a-lab-is-not-read"),
    pytest.param("creatinine clearance of -5 ml/min", id="negative-value-outside-the-range"),
])
def test_batch5_false_alarms(item):
    assert measurements(item) == []


def test_snellen_bounds_keep_the_fraction_as_written():
    found = measurements("BCVA 20/40 - 20/200 Snellen")
    assert (found[0]["lower"]["text"], found[0]["upper"]["text"]) == ("20/200", "20/40")
    assert found[0]["unit_text"] == "Snellen"
    assert measurements("BCVA 20/25 or better")[0]["unit_text"] is None


def test_outside_the_normal_range_is_the_reference_negated():
    found = measurements("platelet count outside the normal range")
    assert [(c["variable"]["id"], c["reference"]["type"], c["negated"]) for c in found] == [("platelets", "normal_range", True)]
    found = measurements("Platelet count within normal limits")
    assert [(c["reference"]["text"], c["negated"]) for c in found] == [("within normal limits", False)]


def test_a_range_with_a_spaced_dash_stays_a_range():
    found = measurements("ECOG 0 -1")
    assert [(c["variable"]["id"], c["lower"]["value"], c["upper"]["value"]) for c in found] == [("ECOG", 0, 1)]


def test_a_variable_with_its_own_value_does_not_join_the_next_list():
    found = measurements("Hemoglobin 10 g/dL, ALT or AST > 3 x ULN")
    assert [c["variable"]["id"] for c in found if c.get("reference")] == ["ALT", "AST"]


# -- catalogue batch b5: the long tail of labs, scores, vitals and body measures the corpora state ----------
CATALOGUE_B5_FORMS = [
    _row("Arterial pH < 7.25", [("blood_pH", None, None, 7.25, False, None, None)]),
    _row("vaginal pH ≤ 4 at the time of birth", [("vaginal_pH", None, None, 4, True, None, None)]),
    _row("Urine pH > 7.0", [("urine_pH", 7.0, False, None, None, None, None)]),
    _row("Prostate volume < 60 cc", [("prostate_volume", None, None, 60, False, "mL", None)]),
    _row("Endometrial thickness < 7 mm", [("endometrial_thickness", None, None, 7, False, "mm", None)]),
    _row("cervical length of 15-25 mm", [("cervical_length", 15, True, 25, True, "mm", None)]),
    _row("Schirmer test < 10 mm", [("Schirmer", None, None, 10, False, "mm", None)]),
    _row("TBUT < 5 seconds", [("TBUT", None, None, 5, False, "s", None)]),
    _row("OSDI < 30 points", [("OSDI", None, None, 30, False, "{points}", None)]),
    _row("Kellgren-Lawrence grade 1-4 knee osteoarthritis", [("Kellgren-Lawrence", 1, True, 4, True, None, None)]),
    _row("Rutherford category 2 or 3", [("Rutherford", 2, True, 3, True, None, None)]),
    _row("Oxygenation index of ≥ 5 and ≤ 30", [("oxygenation_index", 5, True, 30, True, None, None)]),
    _row("ADHD-RS-IV total score ≥ 28", [("ADHD-RS", 28, True, None, None, None, None)]),
    _row("CDRS-R score >40", [("CDRS-R", 40, False, None, None, None, None)]),
    _row("Y-BOCS total score ≥ 16", [("Y-BOCS", 16, True, None, None, None, None)]),
    _row("Brief Psychiatric Rating Scale (BPRS) = 45", [("BPRS", 45, True, 45, True, None, None)]),
    _row("CGI-I score of 1 or 2", [("CGI-I", 1, True, 2, True, None, None)]),
    _row("EPDS score ≥10", [("EPDS", 10, True, None, None, None, None)]),
    _row("Injury Severity Score > 15", [("ISS_injury", 15, False, None, None, None, None)]),
    _row("Score ≤ 10 on the Short Physical Performance Battery", [("SPPB", None, None, 10, True, None, None)]),
    _row("Telephone Interview for Cognitive Status score ≤20", [("TICS", None, None, 20, True, None, None)]),
    _row("STOP-Bang ≥ 3", [("STOP-Bang", 3, True, None, None, None, None)]),
    _row("Beighton score ≥ 5", [("Beighton", 5, True, None, None, None, None)]),
    _row("Tricuspid annular plane systolic excursion (TAPSE) <16 mm", [("TAPSE", None, None, 16, False, "mm", None)]),
    _row("LVMi ≥109 g/m² in women", [("LVMI", 109, True, None, None, "g/m2", None)]),
    _row("probing depth ≥ 6 mm", [("probing_depth", 6, True, None, None, "mm", None)]),
    _row("clinical attachment level (CAL) ≥8 mm", [("CAL", 8, True, None, None, "mm", None)]),
    _row("Full-mouth plaque score (FMPS) ≤20%", [("FMPS", None, None, 20, True, "%", None)]),
    _row("Gingival index <1", [("gingival_index", None, None, 1, False, None, None)]),
    _row("Body Fat >25% for Men", [("body_fat", 25, False, None, None, "%", None)]),
    _row("MAGE >= 11.0 mmol/L", [("MAGE", 11.0, True, None, None, "mmol/L", None)]),
    _row("Fibromyalgia Impact Questionnaire Revised (FIQR) total score within the range of 35-80 at baseline",
         [("FIQR", 35, True, 80, True, None, None)]),
    _row("OLBI score ≥ 2.18", [("OLBI", 2.18, True, None, None, None, None)]),
    _row("Physician's Global Assessment (PhGA) \\>= 1 during screening period",
         [("sPGA", 1, True, None, None, None, None)]),
    _row("Total AN count of greater than or equal to 5", [("AN_count", 5, True, None, None, None, None)]),
    _row("Total dT count of at least 1 at Baseline visit", [("dT_count", 1, True, None, None, None, None)]),
    _row("an MBL of ≥ 160 mL during 1 cycle", [("menstrual_blood_loss", 160, True, None, None, "mL", None)]),
    _row("CI > 2.3 L/min/m^2 determined by echocardiogram",
         [("cardiac_index", 2.3, False, None, None, "L/min/m2", None)]),
    _row("cardiac output (CO) < 4 L/min", [("cardiac_output", None, None, 4, False, "L/min", None)]),
    _row("Cobb angle between 10-40 degrees", [("Cobb_angle", 10, True, 40, True, "deg", None)]),
    _row("handgrip strength < 26 kg", [("handgrip_strength", None, None, 26, False, "kg", None)]),
    _row("gait speed < 0.8 m/s", [("gait_speed", None, None, 0.8, False, "m/s", None)]),
    _row("ASMI <7 kg/m^2", [("ASMI", None, None, 7, False, "kg/m2", None)]),
    _row("E/e' ratio > 14", [('E/e_prime', 14, False, None, None, None, None)]),
    _row("AFI>25cm", [("AFI", 25, False, None, None, "cm", None)]),
    _row("crown-rump length <6mm", [("CRL", None, None, 6, False, "mm", None)]),
    _row("AFC > 10", [("AFC", 10, False, None, None, None, None)]),
    _row("sperm concentration < 15 million/ml", [("sperm_concentration", None, None, 15, False, "10*6/mL", None)]),
    _row("mean gradient >25 millimeters of mercury", [("aortic_mean_gradient", 25, False, None, None, "mmHg", None)]),
    _row("</= 4 ppm CO", [("exhaled_CO", None, None, 4, True, "ppm", None)]),
    _row("Expired air carbon monoxide (CO) > 11 parts per million",
         [("exhaled_CO", 11, False, None, None, "ppm", None)]),
    _row("Neutrophil-Lymphocyte Ratio > 4", [("NLR", 4, False, None, None, None, None)]),
    _row("modified early warning score (MEWS) >4", [("MEWS", 4, False, None, None, None, None)]),
    _row("SpO2/FiO2 < 315", [("SpO2/FiO2", None, None, 315, False, None, None)]),
    _row("Plasma viscosity >2.3 and <3.5 centipoise", [("plasma_viscosity", 2.3, False, 3.5, False, "cP", None)]),
    _row("SCORTEN 1 to 5", [("SCORTEN", 1, True, 5, True, None, None)]),
    _row("Borg dyspnea score > 3 during exercise", [("Borg", 3, False, None, None, None, None)]),
    _row("HADS-A ≥ 8", [("HADS-A", 8, True, None, None, None, None)]),
    _row("YGTSS total tic score ≥ 20", [("YGTSS", 20, True, None, None, None, None)]),
    _row("Westley croup score between 3 and 11", [("Westley_croup", 3, True, 11, True, None, None)]),
    _row("logistic EuroSCORE ≥ 20%", [("EuroSCORE", 20, True, None, None, "%", None)]),
    _row("STS score ≥ 8%", [("STS_score", 8, True, None, None, "%", None)]),
    _row("QMG score ≥12 at Screening", [("QMG", 12, True, None, None, None, None)]),
    _row("MG-ADL total score ≥ 6", [("MG-ADL", 6, True, None, None, None, None)]),
    _row("Fugl-Meyer Upper Limb < 60", [("Fugl-Meyer", None, None, 60, False, None, None)]),
    _row("Berg Balance Scale < 45", [("Berg_balance", None, None, 45, False, None, None)]),
    _row("PCL-5 score ≥ 33", [("PCL-5", 33, True, None, None, None, None)]),
    _row("CAPS-5 total score ≥ 26", [("CAPS-5", 26, True, None, None, None, None)]),
    _row("serum galactomannan index >0.5", [("galactomannan", 0.5, False, None, None, None, None)]),
    _row("MRD ≥ 1% at day 46", [("MRD", 1, True, None, None, "%", None)]),
    _row("MIP < 60 cmH2O", [("MIP", None, None, 60, False, "cm[H2O]", None)]),
    _row("Rapid shallow breathing index (RSBI) < 105", [("RSBI", None, None, 105, False, None, None)]),
    _row("C/D ratio ≤ 0.8", [("cup_to_disc_ratio", None, None, 0.8, True, None, None)]),
    _row("axial length > 26 mm", [("axial_length", 26, False, None, None, "mm", None)]),
    # spellings of the corpora for variables already in the catalogue
    _row("endogenous creatinine clearance > 50 ml/min", [("creatinine_clearance", 50, False, None, None, "mL/min", None)]),
    _row("Mini Mental Status (MMS) test between 16 to 26 inclusive", [("MMSE", 16, True, 26, True, None, None)]),
    _row("HgA1c blood test > 10.0", [("HbA1c", 10.0, False, None, None, None, None)]),
    _row("Gynecologic Oncology Group (GOG) performance score ≤2", [("ECOG", None, None, 2, True, None, None)]),
    _row("Continine < 100 ng/ml", [("cotinine", None, None, 100, False, "ng/mL", None)]),
    _row("Ankle Brachial Pressure Index <0.9", [("ABI", None, None, 0.9, False, None, None)]),
    _row("VAS (Visual Analog Scale) pain >5", [("VAS_pain", 5, False, None, None, None, None)]),
    _row("CHADS2VASC score ≥2", [("CHA2DS2-VASc", 2, True, None, None, None, None)]),
    _row("the difference is ≥ 20 mmHg for siSBP and ≥ 10 mmHg for siDBP",
         [("systolic_bp", 20, True, None, None, "mmHg", None), ("diastolic_bp", 10, True, None, None, "mmHg", None)]),
    # and more variables
    _row("FEV1/SVC <70% of predicted value", [("FEV1/VC", None, None, 70, False, "%", "predicted")]),
    _row("West Haven grade = 3", [("West_Haven", 3, True, 3, True, None, None)]),
    _row("Pitt bacteraemia score of >4", [("Pitt_bacteremia", 4, False, None, None, None, None)]),
    _row("CIWA-Ar score ≥ 10", [("CIWA-Ar", 10, True, None, None, None, None)]),
    _row("mSWAT > 0", [("mSWAT", 0, False, None, None, None, None)]),
    _row("total RLS severity score of 15 or greater", [("IRLS", 15, True, None, None, None, None)]),
    _row("Baseline Dyspnea Index ≤ 8", [("TDI_BDI", None, None, 8, True, None, None)]),
    _row("resting functional residual capacity (FRC) >120% predicted", [("FRC", 120, False, None, None, "%", "predicted")]),
    _row("IAP between 12 and 20 mmHg", [("IAP", 12, True, 20, True, "mmHg", None)]),
    _row("Hypertrophic cardiomyopathy (diastolic septal thickness> 15 mm)",
         [("septal_thickness", 15, False, None, None, "mm", None)]),
    # a count before "with" is not the variable's value: the threshold after the variable is lost (known gap)
    _row("At least 2 sites with probing depth >= 5 mm", [("probing_depth", 5, True, None, None, "mm", None)], gap=True),
]


@pytest.mark.parametrize("item,expected,evidence", CATALOGUE_B5_FORMS)
def test_catalogue_b5_forms(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


@pytest.mark.parametrize("item", [
    pytest.param("gastric pH < 4 for more than 4% of the time", id="gastric-pH-is-out-of-the-blood-range"),
    pytest.param("Subjects must be > 18 years", id="be-is-not-base-excess"),
    pytest.param("motor tics for at least 1 year", id="tics-are-not-the-TICS"),
    pytest.param("≤ 3 brain mets", id="mets-are-metastases-not-METs"),
    pytest.param("MAGE-A4 expression ≥ 30%", id="MAGE-A4-antigen-is-not-MAGE"),
    pytest.param("mass lesion (BIRADS 0, 4 or 5) that is >0.5 cm and < 2 cm in size", id="lesion-size-after-BIRADS"),
    pytest.param("PCL reconstruction within 6 months", id="PCL-is-a-ligament"),
])
def test_catalogue_b5_false_alarms(item):
    assert measurements(item) == []


def test_a_scale_range_in_brackets_is_no_bound():
    assert not any(c.get("upper", {}).get("value") == 42 for c in measurements("UAS7 score (range 0-42) ≥16"))


# -- catalogue batch b6: variables chosen by how often the registry corpus puts a threshold on them --------------
CATALOGUE_B6_FORMS = [
    _row("supplemental oxygen <= 6 L/min", [("oxygen_flow", None, None, 6, True, "L/min", None)]),
    _row("methacholine PC20 <= 8 mg/mL", [("PC20", None, None, 8, True, "mg/mL", None)]),
    _row("LVEDP > 18 mmHg", [("LVEDP", 18, False, None, None, "mmHg", None)]),
    _row("resting LVOT gradient >= 30 mmHg", [("LVOT_gradient", 30, True, None, None, "mmHg", None)]),
    _row("LAVI > 34 mL/m2", [("LAVI", 34, False, None, None, "mL/m2", None)]),
    _row("peak VO2 < 20 mL/kg/min", [("VO2_peak", None, None, 20, False, "mL/kg/min", None)]),
    _row("TIMI flow grade 0-1", [("TIMI_flow", 0, True, 1, True, None, None)]),
    _row("central corneal thickness < 480 microns", [("CCT", None, None, 480, False, "um", None)]),
    _row("spherical equivalent <= -6.00 D", [("spherical_equivalent", None, None, -6.0, True, "[diop]", None)]),
    _row("corneal fluorescein staining score >= 2", [("corneal_staining", 2, True, None, None, None, None)]),
    _row("cervical dilation <= 4 cm", [("cervical_dilation", None, None, 4, True, "cm", None)]),
    _row(">= 8 micturitions per 24 hours", [("micturitions", 8, True, None, None, None, None)]),
    _row("urine output < 0.5 mL/kg/h for 6 hours", [("urine_output", None, None, 0.5, False, "mL/kg/h", None)]),
    _row("sleep onset latency >= 30 minutes", [("sleep_latency", 30, True, None, None, "min", None)]),
    _row("Beck Anxiety Inventory score >= 16", [("BAI", 16, True, None, None, None, None)]),
    _row("Modified Ashworth Scale score >= 2", [("Ashworth", 2, True, None, None, None, None)]),
    _row("worst pain score >= 4", [("NRS_pain", 4, True, None, None, None, None)]),
    _row(">= 15 headache days per month", [("headache_days", 15, True, None, None, None, None)]),
    _row("fewer than 3 spontaneous bowel movements per week", [("SBM", None, None, 3, False, None, None)]),
    _row("more than 3 loose stools per day", [("stool_frequency", 3, False, None, None, None, None)]),
    _row("estimated blood loss > 1000 mL", [("blood_loss", 1000, False, None, None, "mL", None)]),
    _row("palpable spleen >= 5 cm below the left costal margin", [("spleen_size", 5, True, None, None, "cm", None)]),
    _row("progesterone receptor expression < 10%", [("PR_expression", None, None, 10, False, "%", None)]),
    _row("plasma homocysteine > 15 umol/L", [("homocysteine", 15, False, None, None, "umol/L", None)]),
    _row("liver fat content >= 8% by MRI-PDFF", [("PDFF", 8, True, None, None, "%", None)]),
    _row("weight-for-height z-score < -3", [("WHZ", None, None, -3, False, None, None)]),
    _row("GOLD grade 2-3 COPD", [("GOLD", 2, True, 3, True, None, None)]),
    _row("burns >= 20% TBSA", [("TBSA_burn", 20, True, None, None, "%", None)]),
    _row("aortic valve area <1.5 centimeters squared", [("AVA", None, None, 1.5, False, "cm2", None)]),
    _row("Grade ≥ 3 hearing loss", [("CTCAE_grade", 3, True, None, None, None, None)]),
    _row("pure tone average > 25 dB HL", [("hearing_threshold", 25, False, None, None, "dB", None)]),
    _row("NASH CRN fibrosis stage 2 or 3", [("fibrosis_stage", 2, True, 3, True, None, None)]),
    # scale labels with a letter prefix are not read yet, here as for METAVIR (known gap)
    _row("NASH CRN fibrosis stage F2-F3", [("fibrosis_stage", 2, True, 3, True, None, None)], gap=True),
]


@pytest.mark.parametrize("item,expected,evidence", CATALOGUE_B6_FORMS)
def test_catalogue_b6_forms(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


@pytest.mark.parametrize("item", [
    pytest.param("vitamin A in doses > 10,000 IU per day", id="a-vitamin-dose-is-no-level"),
    pytest.param("spleen stiffness > 40 kPa", id="spleen-stiffness-is-not-its-size"),
    pytest.param("cystic fibrosis", id="cystic-fibrosis-is-no-stage"),
    # the project's gold reads tobacco and alcohol quantities as doses of tobacco or alcohol, not measurements
    pytest.param("smokes at least 5 cigarettes a day", id="cigarettes-are-a-dose"),
    pytest.param("more than 14 drinks per week", id="drinks-are-a-dose"),
])
def test_catalogue_b6_false_alarms(item):
    assert measurements(item) == []


# -- a comparator lost from the text: COVID-19 era exports drop "≥"/"≤" and keep its spaces -------------------
# The gold of the test split states no bound for them (the dev gold guessed one): no side can be told from
# the text, so none is read; the record says what was lost in a warning, and the item is partial.
LOST_COMPARATORS = [
    ("Respiratory frequency  30/min", "Respiratory frequency  30/min"),
    ("Oxygen saturation  94% on room air", "Oxygen saturation  94%"),
    ("peripheral capillary oxygen saturation (SpO2)  92% on room air", "SpO2)  92%"),
    ("Hgb  7.0 gm/dl", "Hgb  7.0 gm/dl"),
    ("PEEP  5 cm H2O", "PEEP  5 cm H2O"),
]


@pytest.mark.parametrize("item,evidence", LOST_COMPARATORS)
def test_a_lost_comparator_is_warned_of_and_gives_no_bound(item, evidence):
    record = extract(f"Inclusion Criteria:\n- {item}\n- ALT <= 3 x ULN\n", trial_id="NCT04000000")
    assert [c["variable"]["id"] for c in record["constraints"] if c["kind"] == "measurement"] == ["ALT"]
    assert [i["status"] for i in record["items"]] == ["partial", "parsed"]
    [w] = record["warnings"]
    assert w["code"] == "W004" and repr(evidence) in w["message"], w


def test_the_warning_counts_every_lost_comparator():
    text = "Inclusion Criteria:\n- Respiratory rate  30/min\n- SpO2  93%\n- BMI  30\n- temperature  38 C\n"
    [w] = extract(text, trial_id="NCT04000001")["warnings"]
    assert w["message"].startswith("[W004] 4 value(s)") and w["message"].count("'") == 6  # the first three


@pytest.mark.parametrize("item,expected", [
    # a comparator after the value still gives the bound
    ("BMI  30 kg/m2 or more", [("BMI", 30, True, None, None, "kg/m2", None)]),
    # one space is a plain statement, not a lost comparator: "Hemoglobin 9 g/dL" alone states no side
    ("Hemoglobin 9 g/dL", []),
    # a comparator that is there is read as ever
    ("respiratory rate  >= 30/min", [("respiratory_rate", 30, True, None, None, "/min", None)]),
])
def test_a_gap_before_a_value_is_only_a_lost_comparator_when_none_is_written(item, expected):
    record = extract(f"Exclusion Criteria:\n- {item}\n", trial_id="NCT00000000")
    assert [summary(c) for c in record["constraints"] if c["kind"] == "measurement"] == expected
    assert record["warnings"] == []


# -- forms of the dev gold read since 2026-11-23 ---------------------------------------------------------------
@pytest.mark.parametrize("item,expected,evidence", [
    # a bracket glued to a name with a lower-case letter first: "rate(eGFR)"
    ("renal crisis (estimated glomerular filtration rate(eGFR) \\< 45 mL/min)",
     [("eGFR", None, None, 45, False, "mL/min", None)], "estimated glomerular filtration rate(eGFR) \\< 45 mL/min"),
    # an aside in brackets between the variable and its comparator
    ("Platelets (without transfusion) >= 100,000/mm3", [("platelets", 100000, True, None, None, "/mm3", None)],
     "Platelets (without transfusion) >= 100,000/mm3"),
    ("HbA1c (N-(1-deoxy)-fructosyl-haemoglobin) ≤ 9.0% by local laboratory analysis",
     [("HbA1c", None, None, 9.0, True, "%", None)], "HbA1c (N-(1-deoxy)-fructosyl-haemoglobin) ≤ 9.0%"),
    ("Calculated creatinine clearance (using Cockcroft-Gault method) < 30 mL/min",
     [("creatinine_clearance", None, None, 30, False, "mL/min", None)],
     "Calculated creatinine clearance (using Cockcroft-Gault method) < 30 mL/min"),
    ("Schirmer (without anesthesia) less than or equal to 8 mm", [("Schirmer", None, None, 8, True, "mm", None)],
     "Schirmer (without anesthesia) less than or equal to 8 mm"),
    # an abbreviation the catalogue does not know is an aside too
    ("Total Bilirubin (TB) >2 mg/dL", [("bilirubin", 2, False, None, None, "mg/dL", None)],
     "Total Bilirubin (TB) >2 mg/dL"),
    ("Resting heart rate (HR) > 100 bpm", [("heart_rate", 100, False, None, None, "/min", None)],
     "Resting heart rate (HR) > 100 bpm"),
    # "UNL" with no multiplier word, and the alternative after a condition with "no" is not negated by it
    ("total bilirubin ≤1.5 UNL", [("bilirubin", None, None, 1.5, True, None, "ULN")], "total bilirubin ≤1.5 UNL"),
    # the Greek mu is the micro sign
    ("lymphocyte counts less than 1.2 K/μL", [("ALC", None, None, 1.2, False, "10*3/uL", None)],
     "lymphocyte counts less than 1.2 K/μL"),
    # ordered levels with Roman labels, and the scale's names
    ("NY Heart Association Classification IV", [("NYHA", 4, True, 4, True, None, None)], None),
    ("Gross Motor Function Classification System (GMFCS) level III-IV", [("GMFCS", 3, True, 4, True, None, None)],
     None),
    ("New York Heart Association Functional class (NYHA Fc) ≥ 2 dyspnea", [("NYHA", 2, True, None, None, None, None)],
     "New York Heart Association Functional class (NYHA Fc) ≥ 2"),
    # an aside that lists variables is not an aside: the list's variables each take the bound (known gap: only
    # the last one does)
    pytest.param("Liver function tests (SGOT, Alk. Phosph., and T. Bili) should be less than 1.5 times the upper "
                 "limits of normal", [("AST", None, None, 1.5, False, None, "ULN"), ("ALP", None, None, 1.5, False, None,
                                                                               "ULN"),
                                      ("bilirubin", None, None, 1.5, False, None, "ULN")], None,
                 marks=pytest.mark.xfail(strict=True, reason="known gap")),
])
def test_session6_forms(item, expected, evidence):
    found = measurements(item)
    assert [summary(c) for c in found] == expected
    if evidence is not None:
        assert found[0]["evidence"]["text"] == evidence


def test_an_alternative_after_a_condition_with_no_is_not_negated():
    found = measurements("AST and/or ALT \\< 2.5 ULN if no demonstrable liver metastases or \\< 5 UNL",
                         section="Inclusion Criteria:")
    assert [(c["variable"]["id"], c["upper"]["value"], c["reference"]["type"], c["negated"]) for c in found] == [
        ("AST", 2.5, "ULN", False), ("ALT", 2.5, "ULN", False), ("AST", 5, "ULN", False), ("ALT", 5, "ULN", False)]


def test_not_limited_to_negates_nothing():
    found = measurements("Significant laboratory abnormalities, including but not limited to serum potassium less "
                         "than 3.0 or greater than 5.4 mEq/L")
    assert [(c["variable"]["id"], c["negated"]) for c in found] == [("potassium", False), ("potassium", False)]


@pytest.mark.parametrize("item,expected", [
    ("QT interval male ≥ 450 ms, female ≥ 470 ms", [("QT", 450, "male"), ("QT", 470, "female")]),
    ("AST: Male > 100 U/L", [("AST", 100, "Male")]),
])
def test_a_sex_written_before_the_comparator_is_the_condition(item, expected):
    assert [(c["variable"]["id"], c["lower"]["value"], c["condition"]) for c in measurements(item)] == expected

