"""The seed trials (examples/pages, extracted by the real extractor) screened against the bundled example
patients (examples/patients/patients.jsonl). Each expected verdict is a clinician's, written by hand with
its reason; the words of the deciding reason are checked where one criterion decides."""

from pathlib import Path

import pytest

from nlp import extract
from nlp.patients import read_patients
from nlp.screen import screen

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["000_95a7e659c2b98278.txt", "001_0156b3f6fa234c21.txt", "002_ef3309a9267e01cd.txt", "004_549002531d0362f3.txt"]


@pytest.fixture(scope="module")
def verdicts():
    records = [extract((ROOT / "examples" / "pages" / name).read_text(encoding="utf-8")) for name in PAGES]
    patients = list(read_patients(str(ROOT / "examples" / "patients" / "patients.jsonl")))
    result = screen(patients, records)
    return {(v["patient_id"], v["trial_id"]): v for v in result.verdicts()}


RA, RA2, LIVER, LUPUS = "NCT01547091", "NCT04971980", "NCT01573923", "NCT01741857"

# (patient, trial, clinician's verdict, words of the deciding reason); the clinician's reason in the id
SEEDS = [
    pytest.param("P-RA-01", RA, "eligible", "", id="ra-patient/ra-trial: RA, 49, negative pregnancy test, IUD"),
    pytest.param("P-RA-01", RA2, "eligible", "", id="ra-patient/ra2: DAS28 5.1, ALT and AST under 2x the lab's ULN, CrCl 88, NYHA I"),
    # no SLE and no lupus nephritis; the trial's refractory-treatment history decides it too
    pytest.param("P-RA-01", LUPUS, "ineligible", "does not meet > 20 mg/day",
                 id="ra-patient/lupus: has no SLE, never had prednisone > 20 mg/day"),
    pytest.param("P-RA-01", LIVER, "ineligible", "whether the patient has liver cirrhosis",
                 id="ra-patient/liver: has no cirrhosis"),
    pytest.param("P-SLE-01", LUPUS, "eligible", "", id="lupus-patient/lupus: SLEDAI 14, proteinuria 2.4 g/24h, ALT normal"),
    pytest.param("P-SLE-01", LIVER, "ineligible", "age 28 years does not meet >= 30", id="lupus-patient/liver: 28 is under 30"),
    pytest.param("P-SLE-01", RA, "ineligible", "whether the patient has rheumatoid arthritis", id="lupus-patient/ra-trial: has no RA"),
    pytest.param("P-SLE-01", RA2, "ineligible", "30 mg/day meets > 10 mg/day",
                 id="lupus-patient/ra2: no RA, prednisone 30 mg/day"),
    pytest.param("P-LIV-01", LIVER, "eligible", "", id="liver-patient/liver: 52, Child-Pugh B 9 points, life expectancy 5 years"),
    pytest.param("P-LIV-01", RA, "ineligible", "whether the patient has rheumatoid arthritis", id="liver-patient/ra-trial: has no RA"),
    pytest.param("P-LIV-01", RA2, "ineligible", "whether the patient has rheumatoid arthritis", id="liver-patient/ra2: has no RA"),
    pytest.param("P-LIV-01", LUPUS, "ineligible", "does not meet > 20 mg/day",
                 id="liver-patient/lupus: has no SLE, never had prednisone > 20 mg/day"),
    pytest.param("P-ONC-01", LIVER, "ineligible", "age 64 years does not meet", id="hcc-patient/liver: 64 is over 60, a tumour"),
    pytest.param("P-ONC-01", LUPUS, "ineligible", "age 64 years does not meet", id="hcc-patient/lupus: 64 is over 60"),
    pytest.param("P-ONC-01", RA2, "ineligible", "3.3 x ULN (the lab's 40 U/L) meets >= 2 x ULN",
                 id="hcc-patient/ra2: AST 3.3x ULN"),
    pytest.param("P-ONC-01", RA, "ineligible", "whether the patient has rheumatoid arthritis", id="hcc-patient/ra-trial: has no RA"),
    pytest.param("P-PREG-01", RA, "ineligible", "the patient is pregnant", id="pregnant/ra-trial: pregnant"),
    pytest.param("P-PREG-01", RA2, "ineligible", "the patient is pregnant", id="pregnant/ra2: pregnant"),
    pytest.param("P-PREG-01", LIVER, "ineligible", "the patient is pregnant", id="pregnant/liver: pregnant"),
    pytest.param("P-PREG-01", LUPUS, "ineligible", "the patient is pregnant", id="pregnant/lupus: pregnant"),
    pytest.param("P-CKD-01", RA2, "ineligible", "creatinine_clearance 27 mL/min (2025-02-12) meets < 45 mL/min",
                 id="ckd-patient/ra2: CrCl 27 < 45, and 67 is over the registry's 65"),
    pytest.param("P-CKD-01", LUPUS, "ineligible", "age 67 years does not meet", id="ckd-patient/lupus: 67 is over 60"),
    pytest.param("P-CKD-01", LIVER, "ineligible", "age 67 years does not meet", id="ckd-patient/liver: 67 is over 60"),
    pytest.param("P-CKD-01", RA, "eligible", "", id="ckd-patient/ra-trial: RA, 67, CKD 4 is not end-stage"),
]


@pytest.mark.parametrize("patient,trial,expected,reason", SEEDS)
def test_seed_verdicts(verdicts, patient, trial, expected, reason):
    v = verdicts[(patient, trial)]
    assert v["verdict"] == expected
    if reason:
        reports = v.get("excluded_by", []) + v.get("deciding", [])
        assert any(reason in r["reason"] for r in reports), [r["reason"] for r in reports]


def test_seed_ranking_puts_the_matching_trial_first(verdicts):
    ranked = sorted((v for (p, _), v in verdicts.items() if p == "P-LIV-01"), key=lambda v: v["rank"])
    assert ranked[0]["verdict"] == "eligible" and ranked[0]["rank"] == 1
    assert [v["verdict"] for v in ranked] == sorted((v["verdict"] for v in ranked),
                                                    key=["eligible", "indeterminate", "ineligible"].index)
