"""Patients in, verdicts out: bad patients give coded errors naming the patient and the problem; the data
screening relies on is checked; ``eligex screen`` writes JSON Lines and a table."""

import json
from pathlib import Path

import jsonschema
import pytest

from nlp.cli import main
from nlp.convert import converter, unit_code
from nlp.errors import EligexError
from nlp.measurement import variables
from nlp.patients import patient_from_dict, patient_schema, read_patients
from nlp.reference import dose_equivalents, reference_ranges, words
from nlp.units import units

ROOT = Path(__file__).resolve().parents[1]
OK = {"id": "P9", "as_of": "2025-03-01", "age": 50, "sex": "female"}


def with_(**changes):
    return {**OK, **changes}


@pytest.mark.parametrize("data,code,words_in_message", [
    pytest.param({"id": "P9", "age": 50}, "E041", ["P9", "'as_of' is a required property"], id="no-as-of"),
    pytest.param(with_(sex="woman"), "E041", ["sex", "'woman' is not one of"], id="bad-sex"),
    pytest.param(with_(measurements=[{"variable": "SGPT", "value": 40, "unit": "U/L"}]), "E041", ["'date' is a required"],
                 id="measurement-without-date"),
    pytest.param(with_(measurements=[{"variable": "serum unobtainium", "value": 40, "unit": "U/L", "date": "2025-01-01"}]),
                 "E042", ["measurements[0]", "'serum unobtainium'"], id="unknown-variable"),
    pytest.param(with_(measurements=[{"variable": "ALT", "value": 40, "unit": "blorps/L", "date": "2025-01-01"}]),
                 "E043", ["'blorps/L'"], id="unknown-unit"),
    pytest.param(with_(measurements=[{"variable": "ALT", "value": 40, "unit": "mmHg", "date": "2025-01-01"}]),
                 "E044", ["'mmHg' does not measure ALT", "U/L"], id="unit-of-another-quantity"),
    pytest.param(with_(measurements=[{"variable": "creatinine", "value": 1.1, "date": "2025-01-01"}]),
                 "E050", ["creatinine value without a unit", "mg/dL"], id="lab-without-unit"),
    pytest.param(with_(as_of="2025-02-30"), "E045", ["as_of '2025-02-30'"], id="impossible-date"),
    pytest.param(with_(measurements=[{"variable": "ALT", "value": 40, "unit": "U/L", "date": "2025-06-01"}]),
                 "E046", ["2025-06-01 is after the as-of date"], id="result-in-the-future"),
    pytest.param(with_(birth_date="1990-01-01"), "E047", ["1990-01-01 gives 35 years", "age says 50"], id="age-disagrees"),
    pytest.param(with_(medications=[{"drug": "prednisone", "dose": 5, "unit": "mg", "frequency": "now and then",
                                     "start": "2024-01-01"}]), "E051", ["'now and then' of prednisone"], id="unknown-frequency"),
    pytest.param(with_(sex="male", pregnant=True), "E053", ["male patient cannot be pregnant"], id="pregnant-man"),
])
def test_bad_patient_gives_coded_error(data, code, words_in_message):
    with pytest.raises(EligexError) as caught:
        patient_from_dict(data, source="p.jsonl:3")
    assert caught.value.code == code
    message = str(caught.value)
    assert message.startswith(f"[{code}] p.jsonl:3: ")
    for w in words_in_message:
        assert w in message


def test_batch_goes_on_past_bad_patients(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(OK) + "\n{not json\n" + json.dumps(with_(sex="x")) + "\n" + json.dumps(OK) + "\n")
    out = list(read_patients(str(path)))
    assert [getattr(o, "code", o.id if hasattr(o, "id") else None) for o in out] == ["P9", "E021", "E041", "E048"]
    assert out[3].source == f"{path}:4"


def test_empty_patients_file(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("\n")
    with pytest.raises(EligexError) as caught:
        list(read_patients(str(path)))
    assert caught.value.code == "E049"


def test_patient_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(patient_schema())


def test_example_patients_load():
    patients = list(read_patients(str(ROOT / "examples" / "patients" / "patients.jsonl")))
    assert all(not isinstance(p, EligexError) for p in patients), patients
    assert len(patients) >= 5


@pytest.mark.parametrize("ref", reference_ranges().values(), ids=lambda r: r.id)
def test_reference_range_is_sound(ref):
    var = variables()[ref.variable]  # a catalogue variable
    assert ref.id == f"ref.{ref.variable}"
    assert converter(ref.unit, var.unit, ref.molar_mass) is not None  # converts to the variable's unit
    for low, high in [(ref.low, ref.high), *(ref.by_sex or {}).values()]:
        assert low is None or high is None or 0 <= low < high
    assert ref.molar_mass is None or ref.molar_mass > 0


@pytest.mark.parametrize("src,dst,molar,value,expected", [
    pytest.param("mg/dL", "umol/L", 113.12, 1.0, 88.40, id="creatinine"),
    pytest.param("mmol/L", "mg/dL", 180.16, 5.5, 99.09, id="glucose"),
    pytest.param("umol/L", "mg/dL", 584.66, 17.1, 1.0, id="bilirubin"),
    pytest.param("/mm3", "10*9/L", None, 1500, 1.5, id="cells"),
    pytest.param("[degF]", "Cel", None, 98.6, 37.0, id="temperature"),
])
def test_conversion(src, dst, molar, value, expected):
    a, b = converter(src, dst, molar)
    assert a * value + b == pytest.approx(expected, rel=1e-3)


def test_molar_mass_is_needed_for_mass_to_molar():
    assert converter("mg/dL", "umol/L") is None


def test_dose_equivalents_are_sound():
    rows = dose_equivalents()
    assert len({r.id for r in rows}) == len(rows)
    drugs = {r.drug for r in rows}
    assert all(r.reference in drugs and r.factor > 0 for r in rows)
    assert {r.factor for r in rows if r.drug == r.reference} == {1.0}


def test_unit_forms_resolve():
    for entry in units():
        assert unit_code(entry.code) == entry.code


def test_words_fold_plurals_and_stop_words():
    assert words("History of cerebrovascular accidents") == ("accident", "cerebrovascular")


def test_cli_screen_writes_verdicts_and_table(tmp_path, capsys):
    records = tmp_path / "records.jsonl"
    assert main(["extract", str(ROOT / "examples" / "pages" / "002_ef3309a9267e01cd.txt"), "-o", str(records)]) == 0
    out = tmp_path / "verdicts.jsonl"
    code = main(["screen", "--patients", str(ROOT / "examples" / "patients" / "patients.jsonl"),
                 "--trials", str(records), "-o", str(out)])
    assert code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(v["patient_id"], v["verdict"]) for v in lines} >= {("P-LIV-01", "eligible"), ("P-PREG-01", "ineligible")}
    table = capsys.readouterr().out
    assert "patient P-LIV-01" in table and "NCT01573923    eligible" in table


def test_cli_screen_raw_trials_and_bad_patient(tmp_path, capsys):
    patients = tmp_path / "p.jsonl"
    patients.write_text(json.dumps(OK) + "\n" + json.dumps(with_(id="P10", sex="woman")) + "\n")
    code = main(["screen", "--patients", str(patients), "--trials", str(ROOT / "examples" / "pages" / "002_ef3309a9267e01cd.txt")])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 1
    assert lines[0]["error"]["code"] == "E041" and lines[0]["patient_id"] == "P10"
    assert lines[1]["patient_id"] == "P9" and lines[1]["trial_id"] == "NCT01573923"
    assert "[E041]" in captured.err


@pytest.mark.parametrize("name", ["nlp.convert", "nlp.reference", "nlp.patients", "nlp.screen"])
def test_screening_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
