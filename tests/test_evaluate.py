"""`eligex evaluate`: matching, the two levels, field accuracy, floors, and the corpus adapters."""

import json
from pathlib import Path

import pytest

from nlp import cli
from nlp.corpora import CORPORA, chia, lct, parse_value, read_brat
from nlp.evaluate import below_floors, markdown, score

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ANNOTATED = Path(__file__).resolve().parents[1] / "annotated"


def c(kind, start, end, text, **fields):
    return {"kind": kind, "section": fields.pop("section", "inclusion"), "negated": False,
            "evidence": {"start": start, "end": end, "text": text}, **fields}


ALT = c("measurement", 0, 20, "ALT or AST >= 2x ULN", variable={"id": "ALT"}, lower={"value": 2, "inclusive": True},
        unit=None, reference={"type": "ULN"})
AST = dict(ALT, variable={"id": "AST"})


def run(gold, system, **kw):
    return score([({"trial_id": "T1", "constraints": gold}, {"trial_id": "T1", "constraints": system})], **kw)


def test_shared_evidence_pairs_by_variable():
    report = run([ALT, AST], [AST, ALT])
    assert report["per_kind"]["measurement"]["full"]["f1"] == 1.0


@pytest.mark.parametrize("gold_name, system_id, same", [
    ("glucose", "fasting_glucose", True),   # the gold names the analyte, the catalogue the specimen
    ("CRP", "hs-CRP", True),                # ... or the assay
    ("IGA", "IGA_score", True),             # an alias of the catalogue entry
    ("vIGA-AD", "IGA_score", True),
    ("fasting_glucose", "glucose", False),  # a broader id does not stand for a narrower gold
    ("ALT", "AST", False),
    ("glucose", "HbA1c", False),
])
def test_variable_agrees_at_the_golds_level_of_detail(gold_name, system_id, same):
    gold = c("measurement", 0, 20, "fasting plasma glucose >= 126 mg/dL", variable={"id": gold_name},
             lower={"value": 126, "inclusive": True}, unit="mg/dL")
    system = dict(gold, variable={"id": system_id})
    assert (run([gold], [system])["per_kind"]["measurement"]["full"]["f1"] == 1.0) is same


def test_wrong_unit_is_a_span_match_but_not_a_full_match():
    sys_alt = dict(ALT, reference=None, unit="mg/dL")
    report = run([ALT], [sys_alt])
    m = report["per_kind"]["measurement"]
    assert (m["span"]["tp"], m["full"]["tp"], m["full"]["fp"], m["full"]["fn"]) == (1, 0, 1, 1)
    assert m["fields"]["unit"] == {"correct": 0, "total": 1, "accuracy": 0.0}
    assert m["fields"]["variable"]["accuracy"] == 1.0
    assert [d["field"] for d in report["wrong_fields"][0]["differences"]] == ["unit", "reference"]


def test_miss_and_false_alarm_are_listed_with_text():
    age = c("age", 30, 45, "aged 18-65 years", variable="age", unit="years",
            lower={"value": 18, "inclusive": True}, upper={"value": 65, "inclusive": True})
    report = run([ALT], [age])
    assert [m["evidence"] for m in report["misses"]] == ["ALT or AST >= 2x ULN"]
    assert [m["evidence"] for m in report["false_alarms"]] == ["aged 18-65 years"]
    assert report["overall"]["span"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 1, "fn": 1}
    text = markdown(report, "t")
    assert "ALT or AST >= 2x ULN" in text and "aged 18-65 years" in text


def test_window_fields_and_ignored_anchor():
    g = c("window", 0, 30, "within 4 weeks prior to enrollment", event={"type": "drug", "text": "chemotherapy"},
          window={"amount": 4, "unit": "weeks", "direction": "before", "anchor": "enrollment"})
    s = dict(g, window=dict(g["window"], anchor="unspecified"))
    assert run([g], [s])["per_kind"]["window"]["full"]["f1"] == 0.0
    assert run([g], [s], ignore=("window.anchor",))["per_kind"]["window"]["full"]["f1"] == 1.0


def test_floors():
    report = run([ALT, AST], [ALT])
    assert below_floors(report, {"measurement": {"span_f1": 0.6}}) == []
    assert below_floors(report, {"measurement": {"span_f1": 0.7}, "dose": {"full_f1": 0.5}}) == [
        "measurement span F1 0.667 < floor 0.700", "dose full F1 0.000 < floor 0.500"]


@pytest.mark.parametrize(
    "text,bounds,unit",
    [
        pytest.param("> 18 years", {"lower": {"value": 18.0, "inclusive": False}}, "years", id="gt"),
        pytest.param("between 18 and 65", {"lower": {"value": 18.0, "inclusive": True},
                                           "upper": {"value": 65.0, "inclusive": True}}, None, id="between"),
        pytest.param("<= 2.5 x ULN", {"upper": {"value": 2.5, "inclusive": True}}, "uln", id="uln"),
        pytest.param("at least 100,000/mm3", {"lower": {"value": 100000.0, "inclusive": True}}, "/mm3", id="thousands"),
        # the annotation guide's readings of forms the adapter misread
        pytest.param("> 1.5 x 10^9/L", {"lower": {"value": 1.5, "inclusive": False}}, "10^9/l", id="power-unit"),
        pytest.param("<30 ml/min/1.73 m2", {"upper": {"value": 30.0, "inclusive": False}}, "ml/min/1.73m2",
                     id="per-1.73-m2"),
        pytest.param("2 or higher", {"lower": {"value": 2.0, "inclusive": True}}, None, id="or-higher"),
        pytest.param("0, 1 or 2", {"lower": {"value": 0.0, "inclusive": True}, "upper": {"value": 2.0, "inclusive": True}},
                     None, id="listed-categories"),
        pytest.param("110 mg\u2044dL or greater", {"lower": {"value": 110.0, "inclusive": True}}, "mg/dl",
                     id="unit-before-postfix-comparator"),
        pytest.param("> 100 mg / dl", {"lower": {"value": 100.0, "inclusive": False}}, "mg/dl", id="spaced-slash"),
        pytest.param(">= 50 kilogram (kg)", {"lower": {"value": 50.0, "inclusive": True}}, "kilogram",
                     id="abbreviation-after-unit"),
        pytest.param("<50% of predicted", {"upper": {"value": 50.0, "inclusive": False}}, "%", id="percent-predicted"),
        pytest.param("<or=6", {"upper": {"value": 6.0, "inclusive": True}}, None, id="lt-or-eq"),
        pytest.param("</= 1.5 x upper normal limit", {"upper": {"value": 1.5, "inclusive": True}}, None,
                     id="lt-slash-eq"),
    ],
)
def test_chia_value_texts(text, bounds, unit):
    assert parse_value(text) == (bounds, unit)


LCT_TXT = "Inclusion criteria:\n  1. Age \u2265 18, male or female;\n  2. surgery within 3 months before entry;\n"
LCT_ANN = """T1\tAge 25 28\tAge
T2\tEq-Operator 29 30\t\u2265
T3\tEq-Value 31 33\t18
T4\tEq-Comparison 29 33\t\u2265 18
E1\tAge:T1 Numeric-Filter:E2
E2\tEq-Comparison:T4 Operator:T2 Value:T3
T5\tProcedure 56 63\tsurgery
T6\tEq-Operator 64 70\twithin
T7\tEq-Value 71 72\t3
T8\tEq-Temporal-Unit 73 79\tmonths
T9\tEq-Comparison 64 79\twithin 3 months
E3\tProcedure:T5 Temporality:E4
E4\tEq-Comparison:T9 Operator:T6 Value:T7 Temporal-Unit:T8
A1\tEq-Operator-Value T2 GTEQ
A2\tEq-Operator-Value T6 LTEQ
A3\tEq-Temporal-Unit-Value T8 month
"""


def test_lct_adapter_on_a_small_file(tmp_path):
    (tmp_path / "NCT00000001.txt").write_text(LCT_TXT, encoding="utf-8")
    (tmp_path / "NCT00000001.ann").write_text(LCT_ANN, encoding="utf-8")
    spans, events, _, attrs = read_brat(LCT_ANN)
    assert spans["T9"]["text"] == LCT_TXT[64:79] == "within 3 months"
    (record,) = lct(tmp_path)
    got = [(k["kind"], k["evidence"]["text"], k.get("lower"), k.get("window")) for k in record["constraints"]]
    assert got == [
        ("age", "\u2265 18", {"value": 18.0, "inclusive": True}, None),
        ("window", "within 3 months", None, {"amount": 3.0, "unit": "months", "direction": "before",
                                             "anchor": "unspecified"}),
    ]


CHIA_TXT = "No history of myocardial infarction\nPregnant women\nKnown HIV infection\n"
# T3's offsets are shifted by two characters, as in some Chia files; T2 is a pregnancy (another kind)
CHIA_ANN = """T1\tCondition 14 35\tmyocardial infarction
T4\tNegation 0 2\tNo
R1\tHas_negation Arg1:T1 Arg2:T4\t
T2\tCondition 36 44\tPregnant
T3\tCondition 59 72\tHIV infection
"""


def test_chia_conditions_negated_realigned_and_in_scope(tmp_path):
    (tmp_path / "NCT00000002_exc.txt").write_text(CHIA_TXT, encoding="utf-8")
    (tmp_path / "NCT00000002_exc.ann").write_text(CHIA_ANN, encoding="utf-8")
    (record,) = chia(tmp_path)
    got = [(k["kind"], k["section"], k["negated"], k["evidence"]["text"]) for k in record["constraints"]]
    assert got == [("condition", "exclusion", True, "myocardial infarction"),
                   ("condition", "exclusion", False, "HIV infection")]
    assert record["constraints"][1]["evidence"]["start"] == CHIA_TXT.index("HIV infection")


def test_lct_condition_events(tmp_path):
    ann = LCT_ANN + "T10\tCondition 56 63\tsurgery\nE5\tCondition:T10\nT11\tNegation 45 47\tno\nE6\tNegation:T11 Negates:E5\n"
    (tmp_path / "NCT00000001.txt").write_text(LCT_TXT, encoding="utf-8")
    (tmp_path / "NCT00000001.ann").write_text(ann, encoding="utf-8")
    (record,) = lct(tmp_path)
    conditions = [(k["evidence"]["text"], k["negated"], k["section"]) for k in record["constraints"] if k["kind"] == "condition"]
    assert conditions == [("surgery", True, "inclusion")]


def test_gold_splits_are_scored_without_conditions(tmp_path, capsys):
    # annotated/ does not annotate conditions: its report must not count extracted ones as false alarms
    code = cli.main(["evaluate", str(ANNOTATED / "dev"), "--json", str(tmp_path / "r.json")])
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["trials"] == len(list((ANNOTATED / "dev").glob("*.json")))
    assert "condition" not in report["per_kind"]
    assert {"age", "measurement", "window"} <= set(report["per_kind"])


LCT_UNITS_TXT = "Inclusion criteria:\n  - BMI \u2265 30kg/m\u00b2\n  - BP > 160/100 mmHg\n  - ALT < 3 times upper limit of normal\n"
LCT_UNITS_ANN = """T1\tObservation 24 27\tBMI
T2\tEq-Operator 28 29\t\u2265
T3\tEq-Value 30 32\t30
T4\tEq-Unit 32 34\tkg
T5\tEq-Unit 35 37\tm\u00b2
T6\tEq-Comparison 28 37\t\u2265 30kg/m\u00b2
E1\tObservation:T1 Numeric-Filter:E2
E2\tEq-Comparison:T6 Operator:T2 Value:T3 Unit:T4 Per:T5
T7\tObservation 42 44\tBP
T8\tEq-Operator 45 46\t>
T9\tEq-Value 47 50\t160
T10\tEq-Value 51 54\t100
T11\tEq-Comparison 45 59\t> 160/100 mmHg
E3\tObservation:T7 Numeric-Filter:E4
E4\tEq-Comparison:T11 Operator:T8 Value:T9 Value2:T10
T12\tObservation 64 67\tALT
T13\tEq-Operator 68 69\t<
T14\tEq-Value 70 71\t3
T15\tEq-Unit 78 101\tupper limit of normal
T16\tEq-Comparison 68 101\t< 3 times upper limit of normal
E5\tObservation:T12 Numeric-Filter:E6
E6\tEq-Comparison:T16 Operator:T13 Value:T14 Unit:T15
A1\tEq-Operator-Value T2 GTEQ
A2\tEq-Operator-Value T8 GT
A3\tEq-Operator-Value T13 LT
"""


def test_lct_units_pairs_and_limits_of_normal(tmp_path):
    """"kg" per "m²" is kg/m2; "> 160/100" is systolic and diastolic; "upper limit of normal" is a reference."""
    assert LCT_UNITS_TXT[32:37] == "kg/m\u00b2" and LCT_UNITS_TXT[45:59] == "> 160/100 mmHg"
    (tmp_path / "NCT00000002.txt").write_text(LCT_UNITS_TXT, encoding="utf-8")
    (tmp_path / "NCT00000002.ann").write_text(LCT_UNITS_ANN, encoding="utf-8")
    (record,) = lct(tmp_path)
    got = [(k["variable"]["id"], (k.get("lower") or k.get("upper"))["value"], k["unit"],
            (k.get("reference") or {}).get("type")) for k in record["constraints"]]
    assert got == [("BMI", 30.0, "kg/m\u00b2", None), ("systolic_bp", 160.0, None, None),
                   ("diastolic_bp", 100.0, None, None), ("ALT", 3.0, None, "ULN")]


@pytest.mark.parametrize("name,expected", [
    pytest.param("Estimated Glomerular Filtration Rate (eGFR)", "eGFR", id="abbreviation-in-brackets"),
    pytest.param("serum creatinine concentrations", "creatinine", id="serum-concentrations"),
    pytest.param("Eastern Cooperative Oncology Group (ECOG) performance status", "ECOG", id="bracket-inside"),
    pytest.param("bilirubin level", "bilirubin", id="level"),
    pytest.param("supine BP", "supine BP", id="not-an-alias"),
])
def test_corpus_variable_names_to_catalogue_ids(name, expected):
    from nlp.corpora import catalogue_id

    assert catalogue_id(name) == expected


@pytest.mark.parametrize("numeric,values", [
    pytest.param("75 mL/min/1.73 m2", [75.0], id="per-1.73-m2"),
    pytest.param("<1000 x 10^9/L", [1000.0], id="power"),
    pytest.param("< 50  109/L", [50.0], id="lost-superscript"),
    pytest.param("between 25 to 60 mL/min/1.73 m2", [25.0, 60.0], id="range"),
])
def test_covid_values_outside_the_unit(numeric, values):
    from nlp.corpora import _values_outside_unit

    assert _values_outside_unit(numeric) == values


def test_evaluate_command_on_a_corpus_file(tmp_path, capsys):
    (tmp_path / "NCT00000001.txt").write_text(LCT_TXT, encoding="utf-8")
    (tmp_path / "NCT00000001.ann").write_text(LCT_ANN, encoding="utf-8")
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    code = cli.main(["evaluate", str(tmp_path), "--corpus", "lct", "--markdown", str(md), "--json", str(js)])
    assert code == 0
    out = capsys.readouterr().out
    assert "| age | 1 | 1 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 |" in out
    assert "| window | 1 | 1 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 |" in out
    assert md.read_text(encoding="utf-8").startswith("# eligex")


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus is not beside the repository")
@pytest.mark.parametrize("name,sub", [("lct", "lct/leaf_clinical_trials"), ("chia", "chia/chia_without_scope"),
                                      ("covid", "covid19_omop_700")])
def test_corpus_adapters_give_schema_valid_gold(name, sub):
    from nlp.schema import problems

    adapter = CORPORA[name][0]
    records = list(adapter(SHARED / sub))
    assert len(records) > 300
    n = 0
    for record in records:
        assert problems(record) == []
        for k in record["constraints"]:
            ev = k["evidence"]
            assert record["criteria"]["text"][ev["start"]:ev["end"]] == ev["text"]
            n += 1
    assert n > 500


def test_pairs_prefer_the_same_bounds():
    text = "Creatinine clearance > 85 mL/min in females, > 95 in males"
    g85 = c("measurement", 0, 46, text[:46], variable={"id": "CrCl"}, lower={"value": 85, "inclusive": False}, unit="mL/min")
    g95 = c("measurement", 0, 59, text, variable={"id": "CrCl"}, lower={"value": 95, "inclusive": False}, unit="mL/min")
    s85 = dict(g85, evidence={"start": 0, "end": 59, "text": text})
    s95 = dict(g95, evidence={"start": 48, "end": 59, "text": text[48:]})
    report = run([g85, g95], [s85, s95])
    assert report["per_kind"]["measurement"]["full"]["tp"] == 2


@pytest.mark.parametrize("a,b", [
    pytest.param("/microliter", "/mm3", id="per-microlitre-is-per-mm3"),
    pytest.param("cells/mcl", "cells/mm3", id="cells-per-mcl"),
    pytest.param("/µL", "/mm³", id="micro-sign"),
])
def test_units_that_say_the_same(a, b):
    from nlp.evaluate import norm_unit

    assert norm_unit(a) == norm_unit(b)


def test_corpora_score_a_dose_or_measurement_window_as_a_mention():
    from nlp.evaluate import one_window_per_mention

    w = {"amount": 4, "unit": "weeks", "direction": "since", "anchor": "screening",
         "evidence": {"start": 30, "end": 42, "text": "for ≥4 weeks"}}
    dose = {"kind": "dose", "section": "inclusion", "negated": False, "drug": {"id": "mesalazine", "text": "mesalamine"},
            "evidence": {"start": 0, "end": 29, "text": "oral mesalamine ≥2.4 g/day"}, "window": w}
    same = {"kind": "window", "evidence": {"start": 30, "end": 42}, "window": w}
    out = one_window_per_mention({"constraints": [dose, same]})["constraints"]
    assert [c["kind"] for c in out] == ["window", "dose"]
    assert out[0]["evidence"] == w["evidence"] and out[0]["event"]["type"] == "drug"
    # a constraint without a window of its own adds nothing
    bare = {**dose, "window": None}
    assert one_window_per_mention({"constraints": [bare]})["constraints"] == [bare]
