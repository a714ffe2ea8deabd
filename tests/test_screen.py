"""Screening: each kind of constraint, each status and verdict, unit conversions, ULN with and without a
reference range, section semantics, item logic, negation, exceptions, conditional alternatives and dated
windows, on hand-built records that validate against the record schema."""

from __future__ import annotations

import copy

import pytest

from nlp.patients import patient_from_dict
from nlp.schema import problems
from nlp.screen import screen

BASE = {"id": "P", "as_of": "2025-03-01", "birth_date": "1980-01-15", "sex": "female",
        "complete": ["conditions", "medications", "events"]}


def patient(**changes):
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None and key in data:
            del data[key]
        else:
            data[key] = value
    return patient_from_dict(data)


def con(kind, section="inclusion", text="criterion", negated=False, **fields):
    return {"kind": kind, "section": section, "negated": negated, "text": text, **fields}


def record(*constraints, logic=None):
    """A schema-valid trial record: one item per constraint (or one item for all, with ``logic``)."""
    text, items, out = "", [], []
    for n, c in enumerate(constraints, 1):
        c = dict(c)
        said = c.pop("text")
        start = len(text)
        text += said + "\n"
        section = c["section"]
        item_id = "I1" if logic else f"{'IEU'[('inclusion', 'exclusion', 'unspecified').index(section)]}{n}"
        if not logic or n == 1:
            items.append({"id": item_id, "section": section, "heading": [], "marker": "-", "parent": None,
                          "start": start, "end": start + len(said), "text": said, "status": "parsed"})
        exc = c.pop("exceptions", None)
        full = {"id": f"c{n}", "item": item_id, "evidence": {"start": start, "end": start + len(said), "text": said},
                "rules": ["test"], **c}
        if exc:
            full["exceptions"] = [{"text": exc, "evidence": {"start": start, "end": start + len(said), "text": said}}]
        out.append(full)
    if logic:
        items[0]["end"] = len(text) - 1
        items[0]["text"] = text[:-1]
        items[0]["logic"] = {"op": logic, "constraints": [c["id"] for c in out]}
    rec = {"schema_version": "1.2.0", "trial_id": "T1", "source": {"format": "text", "input": "test", "locator": None},
           "registry": {"minimum_age": None, "maximum_age": None, "sex": None, "healthy_volunteers": None,
                        "std_ages": None, "source": "text"},
           "criteria": {"text": text, "start": 0, "end": len(text), "is_page": False, "layout": "list"},
           "items": items, "constraints": out, "warnings": [], "extractor": {"name": "eligex", "version": "0.1.0"}}
    assert problems(rec) == [], problems(rec)
    return rec


def bound(value, inclusive=True, **extra):
    return {"value": value, "inclusive": inclusive, **extra}


def meas(var, lower=None, upper=None, unit=None, reference=None, window=None, section="inclusion", **extra):
    fields = {"variable": {"id": var, "text": var}, "unit": unit}
    if lower:
        fields["lower"] = lower
    if upper:
        fields["upper"] = upper
    if reference:
        fields["reference"] = {"type": reference}
    if window:
        fields["window"] = window
    return con("measurement", section, **fields, **extra)


def lab(var, value, unit, date="2025-02-20", **extra):
    return {"variable": var, "value": value, "unit": unit, "date": date, **extra}


def status_of(p, rec, cid="c1"):
    result = screen([p], [rec])
    r = next(i for i, row in enumerate(result.trials.rows) if row["c"]["id"] == cid)
    return result.report(r, 0)


def age_c(lo=None, hi=None, unit="years"):
    fields = {"variable": "age", "unit": unit, "unit_stated": True}
    if lo is not None:
        fields["lower"] = bound(lo)
    if hi is not None:
        fields["upper"] = bound(hi)
    return con("age", text="aged 18 to 70 years", **fields)


WITHIN_14_DAYS = {"amount": 14, "unit": "days", "direction": "before", "anchor": "enrollment"}
STROKE_1Y = {"amount": 1, "unit": "years", "direction": "before", "anchor": "screening"}
SINCE_4W = {"amount": 4, "unit": "weeks", "direction": "since", "anchor": "unspecified"}
STROKE_PAST = {"text": "ischemic stroke", "terms": ["stroke"], "onset": "2024-09-01", "end": "2024-09-10", "status": "past"}

# (patient changes, constraint, expected status, words the reason must contain)
CASES = [
    # age, with birth dates and other units
    pytest.param({}, age_c(18, 70), "met", "age 45 years meets", id="age-in-range"),
    pytest.param({"birth_date": "2008-03-02"}, age_c(18, 70), "not_met", "age 16 years", id="age-one-day-before-17"),
    pytest.param({"birth_date": "2007-03-01"}, age_c(18, 70), "met", "age 18 years", id="age-18th-birthday-today"),
    pytest.param({"birth_date": "2023-06-01"}, age_c(hi=24, unit="months"), "met", "meets", id="age-months"),
    pytest.param({"birth_date": None, "age": 71}, age_c(18, 70), "not_met", "age 71 years", id="age-given-as-number"),
    # sex
    pytest.param({}, con("sex", text="Women", value="female"), "met", "female", id="sex-female"),
    pytest.param({"sex": "male"}, con("sex", text="Women", value="female"), "not_met", "male", id="sex-male"),
    pytest.param({"sex": None}, con("sex", text="Women", value="female"), "unknown", "no sex", id="sex-unknown"),
    # measurements: units converted by pint, mass <-> molar through the molar mass
    pytest.param({"measurements": [lab("creatinine", 1.2, "mg/dL")]},
                 meas("creatinine", upper=bound(1.5), unit="mg/dL"), "met", "creatinine 1.2 mg/dL", id="same-unit"),
    pytest.param({"measurements": [lab("creatinine", 150, "umol/L")]},
                 meas("creatinine", upper=bound(1.5), unit="mg/dL"), "not_met", "= 1.697 mg/dL", id="creatinine-umol-to-mg"),
    pytest.param({"measurements": [lab("creatinine", 120, "µmol/L")]},
                 meas("creatinine", upper=bound(1.5), unit="mg/dL"), "met", "= 1.357", id="creatinine-micro-sign"),
    pytest.param({"measurements": [lab("serum creatinine", 1.6, "mg/dL")]},
                 meas("creatinine", upper=bound(133, True), unit="umol/L"), "not_met", "", id="criterion-in-umol"),
    pytest.param({"measurements": [lab("serum creatinine", 1.3, "mg/dL")]},
                 meas("creatinine", upper=bound(133, True), unit="umol/L"), "met", "", id="criterion-in-umol-met"),
    pytest.param({"measurements": [lab("glucose", 7.0, "mmol/L")]},
                 meas("glucose", upper=bound(126, False), unit="mg/dL"), "not_met", "= 126.1", id="glucose-mmol-to-mg"),
    pytest.param({"measurements": [lab("glucose", 6.9, "mmol/L")]},
                 meas("glucose", upper=bound(126, False), unit="mg/dL"), "met", "= 124.3", id="glucose-below"),
    pytest.param({"measurements": [lab("bilirubin", 30, "umol/L")]},
                 meas("bilirubin", upper=bound(1.5), unit="mg/dL"), "not_met", "= 1.754", id="bilirubin-umol-to-mg"),
    pytest.param({"measurements": [lab("platelets", 150000, "/mm3")]},
                 meas("platelets", lower=bound(100), unit="10*9/L"), "met", "= 150 10*9/L", id="platelets-per-mm3"),
    pytest.param({"measurements": [lab("hemoglobin", 85, "g/L")]},
                 meas("hemoglobin", lower=bound(9), unit="g/dL"), "not_met", "= 8.5 g/dL", id="hemoglobin-g-per-L"),
    pytest.param({"measurements": [lab("temperature", 100.4, "°F")]},
                 meas("temperature", lower=bound(38, False), unit="Cel"), "not_met", "= 38 Cel", id="fahrenheit-exclusive"),
    pytest.param({"measurements": [lab("creatinine clearance", 45, "mL/min")]},
                 meas("creatinine_clearance", upper=bound(45, False), unit="mL/min"), "not_met", "", id="boundary-exclusive"),
    pytest.param({"measurements": [lab("creatinine clearance", 45, "mL/min")]},
                 meas("creatinine_clearance", upper=bound(45, True), unit="mL/min"), "met", "", id="boundary-inclusive"),
    pytest.param({"measurements": [lab("creatinine", 1.2, "mg/dL")]},
                 meas("creatinine", upper=bound(1.5), unit="mmHg"), "unknown", "cannot be converted", id="incompatible-unit"),
    pytest.param({"measurements": [lab("platelets", 150, "10*9/L")]},
                 meas("platelets", lower=bound(100000)), "unknown", "gives no unit", id="criterion-without-unit"),
    pytest.param({}, meas("creatinine", upper=bound(1.5), unit="mg/dL"), "unknown", "no measurement of creatinine",
                 id="missing-measurement"),
    # scores and ordered categories
    pytest.param({"scores": [{"variable": "DAS28", "value": 5.1, "date": "2025-02-20"}]},
                 meas("DAS28", lower=bound(3.2, False)), "met", "DAS28 5.1", id="score"),
    pytest.param({"scores": [{"variable": "NYHA", "label": "II", "date": "2025-02-20"}]},
                 meas("NYHA", lower=bound(3, label="III"), upper=bound(4, label="IV")), "not_met", "NYHA II",
                 id="label-below-range"),
    pytest.param({"scores": [{"variable": "NYHA", "label": "IV", "date": "2025-02-20"}]},
                 meas("NYHA", lower=bound(3, label="III"), upper=bound(4, label="IV")), "met", "NYHA IV", id="label-in-range"),
    # ULN multiples: the lab's range, else the catalogue's default (flagged)
    pytest.param({"measurements": [lab("ALT", 75, "U/L", reference_range={"low": 7, "high": 35})]},
                 meas("ALT", lower=bound(2), reference="ULN"), "met", "2.143 x ULN (the lab's 35", id="uln-lab-range"),
    pytest.param({"measurements": [lab("ALT", 75, "U/L")]},
                 meas("ALT", lower=bound(2), reference="ULN"), "not_met", "1.875 x ULN (the catalogue's default 40",
                 id="uln-default-range"),
    pytest.param({"measurements": [lab("bilirubin", 40, "umol/L", reference_range={"low": 3, "high": 21})]},
                 meas("bilirubin", upper=bound(1.5), reference="ULN"), "not_met", "1.905 x ULN", id="uln-lab-range-molar"),
    pytest.param({"measurements": [lab("troponin", 0.2, "ng/mL")]},
                 meas("troponin", lower=bound(2), reference="ULN"), "unknown", "no default", id="uln-no-range-at-all"),
    pytest.param({"measurements": [lab("potassium", 5.4, "mmol/L")]},
                 meas("potassium", reference="normal_range"), "not_met", "", id="normal-range-default"),
    # stale measurements: the criterion's window
    pytest.param({"measurements": [lab("ANC", 2.1, "10*9/L", date="2025-01-20")]},
                 meas("ANC", lower=bound(1.5), unit="10*9/L", window=WITHIN_14_DAYS), "unknown", "outside the criterion's window",
                 id="stale-measurement"),
    pytest.param({"measurements": [lab("ANC", 2.1, "10*9/L", date="2025-02-24")]},
                 meas("ANC", lower=bound(1.5), unit="10*9/L", window=WITHIN_14_DAYS), "met", "", id="fresh-measurement"),
    # pregnancy, breastfeeding, pregnancy tests
    pytest.param({"pregnant": True}, con("pregnancy", "exclusion", text="Pregnant", test=False), "met", "is pregnant",
                 id="pregnant"),
    pytest.param({"pregnant": False}, con("pregnancy", "exclusion", text="Pregnant", test=False), "not_met", "not pregnant",
                 id="not-pregnant"),
    pytest.param({}, con("pregnancy", "exclusion", text="Pregnant", test=False), "unknown", "pregnancy status",
                 id="pregnancy-unknown"),
    pytest.param({"sex": "male"}, con("pregnancy", "exclusion", text="Pregnant", test=False), "not_met", "", id="male-not-pregnant"),
    pytest.param({"breastfeeding": True}, con("lactation", "exclusion", text="nursing"), "met", "breastfeeding",
                 id="breastfeeding"),
    pytest.param({"pregnancy_tests": [{"date": "2025-02-25", "result": "negative"}]},
                 con("pregnancy", text="negative pregnancy test within 72 hours", test=True, test_result="negative",
                     window={"amount": 72, "unit": "hours", "direction": "before", "anchor": "treatment_start"}),
                 "unknown", "pregnancy test", id="test-outside-72h"),
    pytest.param({"pregnancy_tests": [{"date": "2025-02-28", "result": "negative"}]},
                 con("pregnancy", text="negative pregnancy test within 72 hours", test=True, test_result="negative",
                     window={"amount": 72, "unit": "hours", "direction": "before", "anchor": "treatment_start"}),
                 "met", "2025-02-28", id="test-inside-72h"),
    # contraception
    pytest.param({"childbearing_potential": True, "contraception": {"willing": True}},
                 con("contraception", text="must use contraception", who="women_of_childbearing_potential",
                     windows=[{"amount": None, "unit": None, "direction": "during", "anchor": "unspecified"}]),
                 "met", "will use", id="contraception-willing"),
    pytest.param({"childbearing_potential": True, "contraception": {"willing": False}},
                 con("contraception", text="must use contraception", who="women_of_childbearing_potential",
                     windows=[{"amount": None, "unit": None, "direction": "during", "anchor": "unspecified"}]),
                 "not_met", "will not", id="contraception-unwilling"),
    # conditions, with history and exceptions
    pytest.param({"conditions": [STROKE_PAST]}, con("condition", "exclusion", text="history of stroke",
                                                    concept={"id": "stroke", "text": "stroke"}, history=True),
                 "met", "matches 'ischemic stroke'", id="condition-history"),
    pytest.param({"conditions": [STROKE_PAST]}, con("condition", "exclusion", text="active stroke",
                                                    concept={"id": "stroke", "text": "stroke"}),
                 "not_met", "list is complete", id="condition-past-not-active"),
    pytest.param({"complete": []}, con("condition", "exclusion", text="history of stroke",
                                       concept={"id": "stroke", "text": "stroke"}, history=True),
                 "unknown", "not marked complete", id="condition-open-list"),
    pytest.param({"conditions": [{"text": "cervical carcinoma in situ", "terms": ["malignancy"], "status": "past"}]},
                 con("condition", "exclusion", text="malignancy except cervical carcinoma in situ", history=True,
                     concept={"id": "malignancy", "text": "malignancy"},
                     exceptions="with the exception of adequately treated cervical carcinoma in situ or basal cell carcinomas"),
                 "not_met", "", id="condition-exception-lifts"),
    pytest.param({"conditions": [{"text": "breast cancer", "terms": ["malignancy"], "status": "past"}]},
                 con("condition", "exclusion", text="malignancy except cervical carcinoma in situ", history=True,
                     concept={"id": "malignancy", "text": "malignancy"},
                     exceptions="with the exception of adequately treated cervical carcinoma in situ or basal cell carcinomas"),
                 "met", "breast cancer", id="condition-other-than-exception"),
    # the condition lexicon: a class takes its members, an ICD-10 code its concept; qualifiers stay undecided
    pytest.param({"conditions": [{"text": "hepatocellular carcinoma", "onset": "2024-11-20", "status": "active"}]},
                 con("condition", "exclusion", text="history of malignancy", history=True,
                     concept={"id": "malignancy", "text": "malignancy"}),
                 "met", "matches 'hepatocellular carcinoma'", id="condition-class-takes-member"),
    pytest.param({"conditions": [{"text": "seropositive arthritis", "code": {"system": "ICD-10", "code": "M05.79"},
                                  "status": "active"}]},
                 con("condition", text="diagnosis of rheumatoid arthritis",
                     concept={"id": "rheumatoid_arthritis", "text": "rheumatoid arthritis"}),
                 "met", "seropositive arthritis", id="condition-icd10-code"),
    pytest.param({"conditions": [{"text": "osteoarthritis", "status": "active"}]},
                 con("condition", text="diagnosis of rheumatoid arthritis",
                     concept={"id": "rheumatoid_arthritis", "text": "rheumatoid arthritis"}),
                 "not_met", "list is complete", id="condition-other-arthritis"),
    pytest.param({"conditions": [{"text": "essential hypertension", "status": "active"}]},
                 con("condition", "exclusion", text="uncontrolled hypertension", qualifiers=["uncontrolled"],
                     concept={"id": "hypertension", "text": "hypertension"}),
                 "unknown", "does not say whether it is 'uncontrolled'", id="condition-qualifier-undecided"),
    pytest.param({"conditions": [{"text": "poorly controlled hypertension", "status": "active"}]},
                 con("condition", "exclusion", text="uncontrolled hypertension", qualifiers=["uncontrolled"],
                     concept={"id": "hypertension", "text": "hypertension"}),
                 "unknown", "does not say whether it is 'uncontrolled'", id="condition-poorly-controlled-not-ruled-out"),
    pytest.param({"conditions": [{"text": "mild asthma", "status": "active"}]},
                 con("condition", "exclusion", text="significant pulmonary disease", qualifiers=["significant"],
                     concept={"id": "respiratory_disease", "text": "respiratory disease"}),
                 "not_met", "", id="condition-mild-is-not-significant"),
    pytest.param({"conditions": [{"text": "uncontrolled hypertension", "status": "active"}]},
                 con("condition", "exclusion", text="uncontrolled hypertension", qualifiers=["uncontrolled"],
                     concept={"id": "hypertension", "text": "hypertension"}),
                 "met", "matches 'uncontrolled hypertension'", id="condition-qualifier-said"),
    # dated windows
    pytest.param({"conditions": [STROKE_PAST]}, con("window", "exclusion", text="stroke within 1 year before screening",
                                                    event={"type": "condition", "text": "stroke"}, window=STROKE_1Y),
                 "met", "2024-09-01", id="window-stroke-inside"),
    pytest.param({"conditions": [dict(STROKE_PAST, onset="2022-05-01", end="2022-05-09")]},
                 con("window", "exclusion", text="stroke within 1 year before screening",
                     event={"type": "condition", "text": "stroke"}, window=STROKE_1Y),
                 "not_met", "", id="window-stroke-older"),
    pytest.param({}, con("window", "exclusion", text="stroke within 1 year before screening",
                         event={"type": "condition", "text": "stroke"}, window=STROKE_1Y),
                 "not_met", "complete", id="window-no-stroke"),
    pytest.param({"events": [{"type": "procedure", "text": "laparoscopic cholecystectomy", "terms": ["surgery"],
                              "date": "2025-02-22"}]},
                 con("window", "exclusion", text="surgery within 14 days",
                     event={"type": "procedure", "text": "surgery"}, window=WITHIN_14_DAYS),
                 "met", "cholecystectomy", id="window-surgery-inside"),
    pytest.param({"medications": [{"drug": "carboplatin", "terms": ["chemotherapy"], "start": "2024-12-01", "stop": "2025-02-15"}]},
                 con("window", text="at least 4 weeks since prior chemotherapy",
                     event={"type": "drug", "text": "chemotherapy"}, window=SINCE_4W),
                 "not_met", "", id="window-since-too-recent"),
    pytest.param({"medications": [{"drug": "carboplatin", "terms": ["chemotherapy"], "start": "2024-09-01", "stop": "2024-12-15"}]},
                 con("window", text="at least 4 weeks since prior chemotherapy",
                     event={"type": "drug", "text": "chemotherapy"}, window=SINCE_4W),
                 "met", "", id="window-since-long-ago"),
    pytest.param({}, con("window", text="at least 4 weeks since prior chemotherapy",
                         event={"type": "drug", "text": "chemotherapy"}, window=SINCE_4W),
                 "met", "complete", id="window-since-never-exposed"),
    pytest.param({"events": [{"type": "trial_participation", "text": "interventional clinical trial", "date": "2025-01-10"}]},
                 con("window", "exclusion", text="participation in another trial within 3 months",
                     event={"type": "trial_participation", "text": "clinical trial"},
                     window={"amount": 3, "unit": "months", "direction": "before", "anchor": "screening"}),
                 "met", "", id="window-trial-participation"),
    pytest.param({}, con("window", text="no live vaccines during the study",
                         event={"type": "drug", "text": "live vaccine"},
                         window={"amount": None, "unit": None, "direction": "during", "anchor": "unspecified"}),
                 "unknown", "study period", id="window-during-study"),
    # doses, with equivalents
    pytest.param({"medications": [{"drug": "methylprednisolone", "dose": 12, "unit": "mg", "frequency": "daily", "start": "2025-01-01"}]},
                 con("dose", "exclusion", text="oral prednisone equivalent > 10 mg/day", drug={"id": "prednisone", "text": "prednisone"},
                     lower=bound(10, False), unit="mg/day", or_equivalent=True),
                 "met", "current daily dose 15", id="dose-equivalent"),
    pytest.param({"medications": [{"drug": "methylprednisolone", "dose": 12, "unit": "mg", "frequency": "daily", "start": "2025-01-01"}]},
                 con("dose", "exclusion", text="prednisone > 10 mg/day", drug={"id": "prednisone", "text": "prednisone"},
                     lower=bound(10, False), unit="mg/day"),
                 "not_met", "dose 0", id="dose-no-equivalent-asked"),
    pytest.param({"medications": [{"drug": "prednisone", "dose": 5, "unit": "mg", "frequency": "bid", "start": "2025-01-01"}]},
                 con("dose", "exclusion", text="prednisone > 0.5 g/day", drug={"id": "prednisone", "text": "prednisone"},
                     lower=bound(0.005, False), unit="g/day"),
                 "met", "0.01 g/day", id="dose-grams-and-frequency"),
    pytest.param({"complete": []}, con("dose", "exclusion", text="prednisone > 10 mg/day",
                                       drug={"id": "prednisone", "text": "prednisone"}, lower=bound(10, False), unit="mg/day"),
                 "unknown", "not marked complete", id="dose-open-list"),
]


@pytest.mark.parametrize("changes,constraint,expected,reason", CASES)
def test_constraint_status(changes, constraint, expected, reason):
    report = status_of(patient(**changes), record(constraint))
    assert report["status"] == expected, report
    assert reason in report["reason"], report["reason"]


@pytest.mark.parametrize("changes,expected", [
    pytest.param({"measurements": [lab("ALT", 75, "U/L", reference_range={"low": 7, "high": 35})]}, False, id="lab-range"),
    pytest.param({"measurements": [lab("ALT", 75, "U/L")]}, True, id="default-range"),
])
def test_uln_default_is_flagged(changes, expected):
    report = status_of(patient(**changes), record(meas("ALT", lower=bound(2), reference="ULN")))
    assert report["default_reference"] is expected


def verdict(p, rec):
    return next(screen([p], [rec]).verdicts())


ALT_HIGH = {"measurements": [lab("ALT", 200, "U/L"), lab("AST", 30, "U/L")]}
ALT_OK = {"measurements": [lab("ALT", 30, "U/L"), lab("AST", 30, "U/L")]}
ONLY_ALT_OK = {"measurements": [lab("ALT", 30, "U/L")]}
TWO_ULN = dict(lower=bound(2), reference="ULN", section="exclusion")
RF_OR_CCP = [meas("RF", lower=bound(20), unit="[IU]/mL"), meas("anti-CCP", lower=bound(20), unit="[IU]/mL")]
RF_HIGH = {"measurements": [lab("RF", 96, "IU/mL")]}
LIVER_METS = {"conditions": [{"text": "liver metastases", "status": "active"}]}
AST_4ULN = {"measurements": [lab("AST", 160, "U/L")]}
AST_MAIN = meas("AST", upper=bound(2.5), reference="ULN")
AST_ALT = meas("AST", upper=bound(5), reference="ULN", condition="liver metastases", alternative_of="c1")
UNWILLING = con("contraception", "exclusion", text="unwilling to practice birth control", negated=True, who="unspecified",
                windows=[{"amount": None, "unit": None, "direction": "during", "anchor": "unspecified"}],
                exceptions="unless surgically sterilized or postmenopausal")

VERDICTS = [
    # section semantics
    pytest.param(ALT_HIGH, record(meas("ALT", **TWO_ULN)), "ineligible", ["c1"], id="exclusion-met-excludes"),
    pytest.param(ALT_OK, record(meas("ALT", **TWO_ULN)), "eligible", [], id="exclusion-not-met"),
    pytest.param({}, record(meas("ALT", **TWO_ULN)), "indeterminate", ["c1"], id="exclusion-unknown"),
    pytest.param({"birth_date": "2010-01-01"}, record(age_c(18, 70)), "ineligible", ["c1"], id="inclusion-not-met"),
    pytest.param({}, record(age_c(18, 70), meas("DAS28", lower=bound(3.2, False))), "indeterminate", ["c2"],
                 id="inclusion-unknown"),
    # any_of / all_of item logic
    pytest.param(ALT_HIGH, record(meas("ALT", **TWO_ULN), meas("AST", **TWO_ULN), logic="any_of"), "ineligible", ["c1"],
                 id="exclusion-any-of-one-high"),
    pytest.param(ALT_HIGH, record(meas("ALT", **TWO_ULN), meas("AST", **TWO_ULN), logic="all_of"), "eligible", [],
                 id="exclusion-all-of-one-high"),
    pytest.param(ONLY_ALT_OK, record(meas("ALT", **TWO_ULN), meas("AST", **TWO_ULN), logic="any_of"), "indeterminate",
                 ["c2"], id="exclusion-any-of-one-unknown"),
    pytest.param(RF_HIGH, record(*RF_OR_CCP, logic="any_of"), "eligible", [], id="inclusion-any-of-one-known-met"),
    pytest.param(RF_HIGH, record(*RF_OR_CCP, logic="all_of"), "indeterminate", ["c2"], id="inclusion-all-of-one-unknown"),
    pytest.param(RF_HIGH, record(*RF_OR_CCP), "indeterminate", ["c2"], id="inclusion-no-logic-each-required"),
    # negation
    pytest.param({"pregnant": False}, record(con("pregnancy", text="Not pregnant", negated=True, test=False)), "eligible", [],
                 id="negated-inclusion-met"),
    pytest.param({"pregnant": True}, record(con("pregnancy", text="Not pregnant", negated=True, test=False)), "ineligible",
                 ["c1"], id="negated-inclusion-not-met"),
    pytest.param({"scores": [{"variable": "NYHA", "label": "III", "date": "2025-02-01"}]},
                 record(meas("NYHA", lower=bound(3, label="III"), upper=bound(4, label="IV"), negated=True)),
                 "ineligible", ["c1"], id="no-nyha-iii-iv"),
    # exceptions lift a constraint
    pytest.param({"childbearing_potential": False, "contraception": {"willing": False}}, record(UNWILLING), "eligible", [],
                 id="exception-postmenopausal"),
    pytest.param({"childbearing_potential": True, "contraception": {"willing": False}}, record(UNWILLING), "ineligible",
                 ["c1"], id="exception-does-not-apply"),
    pytest.param({"sex": "male", "contraception": {"willing": False}},
                 record(con("contraception", text="WOCBP must use contraception", who="women_of_childbearing_potential",
                            windows=[{"amount": None, "unit": None, "direction": "during", "anchor": "unspecified"}])),
                 "eligible", [], id="contraception-not-for-men"),
    # conditional alternatives
    pytest.param(dict(AST_4ULN, **LIVER_METS), record(AST_MAIN, AST_ALT), "eligible", [], id="alternative-applies"),
    pytest.param(AST_4ULN, record(AST_MAIN, AST_ALT), "ineligible", ["c1"], id="alternative-does-not-apply"),
    # a condition that limits a constraint
    pytest.param({"sex": "male", "measurements": [lab("hemoglobin", 11, "g/dL")]},
                 record(meas("hemoglobin", lower=bound(12), unit="g/dL", condition="in females")), "eligible", [],
                 id="condition-other-sex"),
    pytest.param({"measurements": [lab("hemoglobin", 11, "g/dL")]},
                 record(meas("hemoglobin", lower=bound(12), unit="g/dL", condition="in females")), "ineligible", ["c1"],
                 id="condition-holds"),
    # the unspecified section is reported, not deciding
    pytest.param({"pregnant": True}, record(con("pregnancy", "unspecified", text="pregnant", test=False)), "eligible", [],
                 id="unspecified-does-not-decide"),
]


@pytest.mark.parametrize("changes,rec,expected,deciding", VERDICTS)
def test_trial_verdict(changes, rec, expected, deciding):
    v = verdict(patient(**changes), rec)
    assert v["verdict"] == expected
    reports = v.get("excluded_by", v.get("deciding", []))
    assert [r["id"] for r in reports] == deciding
    for r in reports:  # every verdict points back at the criterion's text
        assert rec["criteria"]["text"][r["start"]:r["end"]] == r["text"]


def test_ranking_eligible_first_then_fewest_unknowns():
    eligible = dict(record(age_c(18, 70)), trial_id="T-eligible")
    one_unknown = dict(record(meas("DAS28", lower=bound(3.2, False))), trial_id="T-one-unknown")
    two_unknown = dict(record(meas("DAS28", lower=bound(3.2, False)), meas("CRP", lower=bound(10), unit="mg/L")),
                       trial_id="T-two-unknown")
    ineligible = dict(record(age_c(60, 70)), trial_id="A-ineligible")
    result = screen([patient()], [two_unknown, ineligible, one_unknown, eligible])
    assert result.ranking(0) == [("T-eligible", "eligible", 0), ("T-one-unknown", "indeterminate", 1),
                                 ("T-two-unknown", "indeterminate", 2), ("A-ineligible", "ineligible", 0)]


def test_many_patients_many_trials_match_one_by_one():
    """The arrays give each pair the verdict it gets when screened alone."""
    people = [patient(), patient(birth_date="2010-01-01"), patient(**ALT_HIGH), patient(pregnant=True, **ALT_OK)]
    trials = [dict(record(age_c(18, 70)), trial_id="A"), dict(record(meas("ALT", **TWO_ULN)), trial_id="B"),
              dict(record(con("pregnancy", "exclusion", text="Pregnant", test=False)), trial_id="C")]
    together = {(v["patient_id"] + str(n), v["trial_id"]): v["verdict"]
                for n, p in enumerate(people) for v in screen([p], trials).verdicts()}
    result = screen(people, trials)
    for n in range(len(people)):
        for v in result.patient_verdicts(n):
            assert together[(v["patient_id"] + str(n), v["trial_id"])] == v["verdict"]
    assert result.counts() == {"eligible": 4, "indeterminate": 5, "ineligible": 3}


def test_registry_age_is_an_inclusion_constraint():
    rec = record(meas("DAS28", lower=bound(3.2, False)))
    rec["registry"]["minimum_age"] = {"text": "18 Years", "value": 18, "unit": "years"}
    rec["registry"]["maximum_age"] = {"text": "40 Years", "value": 40, "unit": "years"}
    v = verdict(patient(scores=[{"variable": "DAS28", "value": 5, "date": "2025-02-01"}]), rec)
    assert v["verdict"] == "ineligible"
    assert [(r["id"], r["source"], r["text"]) for r in v["excluded_by"]] == [
        ("registry.age", "registry", "registry: minimum age 18 Years, maximum age 40 Years")]
