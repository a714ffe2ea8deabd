"""The project's source documents: ages, sex and registry fields come out exactly."""

from pathlib import Path

import pytest

from nlp import extract
from nlp.cli import evidence_problems

PAGES = Path(__file__).resolve().parents[1] / "examples" / "pages"
SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def record_of(name):
    return extract((PAGES / name).read_text(encoding="utf-8"))


def ages(record):
    return [
        (c["section"], c["evidence"]["text"], c["lower"]["value"], c["lower"]["inclusive"],
         c["upper"]["value"], c["upper"]["inclusive"], c["unit"])
        for c in record["constraints"] if c["kind"] == "age"
    ]


@pytest.mark.parametrize(
    "name,trial_id,expected_ages,registry",
    [
        pytest.param("000_95a7e659c2b98278.txt", "NCT01547091",
                     [("inclusion", "aged from 18 to 70 years old", 18, True, 70, True, "years")],
                     ("18 Years", "70 Years", "all", False), id="seed-000"),
        pytest.param("001_0156b3f6fa234c21.txt", "NCT04971980", [],
                     ("18 Years", "65 Years", "all", False), id="seed-001-age-only-in-registry"),
        pytest.param("002_ef3309a9267e01cd.txt", "NCT01573923",
                     [("inclusion", "aged 30-60 years", 30, True, 60, True, "years")],
                     ("30 Years", "60 Years", "all", False), id="seed-002"),
        pytest.param("004_549002531d0362f3.txt", "NCT01741857",
                     [("inclusion", "aged from 15 to 60 years old", 15, True, 60, True, "years")],
                     ("15 Years", "60 Years", "all", False), id="seed-004-eligibility-block-not-description"),
    ],
)
def test_seed_pages(name, trial_id, expected_ages, registry):
    record = record_of(name)
    assert record["trial_id"] == trial_id
    assert record["criteria"]["is_page"] is True
    assert ages(record) == expected_ages
    reg = record["registry"]
    assert (reg["minimum_age"]["text"], reg["maximum_age"]["text"], reg["sex"], reg["healthy_volunteers"]) == registry
    assert [c for c in record["constraints"] if c["kind"] == "sex"] == []  # "man or woman": no restriction
    assert not [w for w in record["warnings"] if w["code"] == "W001"]  # text and registry agree
    assert evidence_problems(record) == []


def test_seed_004_page_warns_about_its_three_blocks():
    record = record_of("004_549002531d0362f3.txt")
    assert [w["code"] for w in record["warnings"]] == ["W002"]


def test_seed_004_description_disagrees_with_registry():
    # the Detailed Description says 15 to 70 years; the registry says 15 to 60
    description = ("Inclusion Criteria: All patients fulfilled the American College of Rheumatology (ACR) criteria of "
                   "SLE, man or woman aged from 15 to 70 years old, SLEDAI\u22658; Lupus nephritis with 24h urine "
                   "protein\u22651g")
    record = extract({"nct_id": "NCT01741857", "eligibility_criteria": description,
                      "minimum_age": "15 Years", "maximum_age": "60 Years", "sex": "ALL"})
    assert ages(record) == [("inclusion", "aged from 15 to 70 years old", 15, True, 70, True, "years")]
    assert [(w["code"], w["message"]) for w in record["warnings"]] == [
        ("W001", "[W001] the registry's maximum age (60 Years) differs from the age the criteria text states (70 years)")]


def test_seed_003_paper_prose_age():
    sentence = ("64 RA patients aged 18\u201364 years were recruited in the study. During the treatment, patients "
                "were treated with 40 mL UC-MSC suspension product (2 \u00d7 10 7 cells/20 mL) via intravenous "
                "injection immediately after the infusion of 100 mL saline.")
    record = extract(sentence)
    assert ages(record) == [("unspecified", "aged 18\u201364 years", 18, True, 64, True, "years")]


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_seed_003_whole_paper():
    text = (SHARED_SEEDS / "003_23faec64eb6bd5e7.txt").read_text(encoding="utf-8")
    record = extract(text)
    assert ages(record) == [("unspecified", "aged 18\u201364 years", 18, True, 64, True, "years")]
    assert evidence_problems(record) == []


def _windows(record):
    return [(c["section"], c["event"]["text"], c["window"]["evidence"]["text"], c["window"]["amount"],
             c["window"]["unit"], c["window"]["direction"], c["window"]["anchor"], c["negated"])
            for c in record["constraints"] if c["kind"] == "window"]


def test_seed_001_time_windows():
    record = record_of("001_0156b3f6fa234c21.txt")
    assert _windows(record) == [
        ("exclusion", "serious infection, i.e., requiring hospitalization and or IV antimicrobial treatment",
         "in the 3 months prior to screening", 3, "months", "before", "screening", False),
        ("exclusion", "cerebrovascular accident", "within 1 year before screening", 1, "years", "before",
         "screening", False),
        ("exclusion", "Surgery", "within 14 days before enrollment", 14, "days", "before", "enrollment", False),
        ("exclusion", "trauma", "within 14 days before enrollment", 14, "days", "before", "enrollment", False),
        ("exclusion", "another interventional clinical trial", "within 3 months before screening", 3, "months",
         "before", "screening", False),
    ]
    assert evidence_problems(record) == []


@pytest.mark.parametrize(
    "name,expected",
    [
        pytest.param("000_95a7e659c2b98278.txt",
                     [("inclusion", "women_of_childbearing_potential", "effective", False,
                       [("while on this trial", None, None, "during", "unspecified")], [])], id="seed-000"),
        pytest.param("001_0156b3f6fa234c21.txt",
                     [("exclusion", "unspecified", None, True,
                       [("during participation in the study", None, None, "during", "unspecified"),
                        ("for twelve months after completing the study infusion", 12, "months", "after", "last_dose")],
                       ["unless surgically sterilized or postmenopausal"])], id="seed-001-refusal-with-exception"),
        pytest.param("004_549002531d0362f3.txt",
                     [("inclusion", "unspecified", None, False,
                       [("throughout the study", None, None, "during", "unspecified"),
                        ("for 12 months following treatment", 12, "months", "after", "last_dose")], [])],
                     id="seed-004"),
    ],
)
def test_seed_contraception(name, expected):
    record = record_of(name)
    got = [(c["section"], c["who"], c["method_strength"], c["negated"],
            [(w["evidence"]["text"], w["amount"], w["unit"], w["direction"], w["anchor"]) for w in c["windows"]],
            [e["text"] for e in c.get("exceptions", [])])
           for c in record["constraints"] if c["kind"] == "contraception"]
    assert got == expected


def test_seed_000_pregnancy_test_window():
    record = record_of("000_95a7e659c2b98278.txt")
    (test,) = [c for c in record["constraints"] if c["kind"] == "pregnancy" and c["test"]]
    w = test["window"]
    assert (test["section"], test["evidence"]["text"], w["evidence"]["text"], w["amount"], w["unit"],
            w["direction"], w["anchor"]) == ("inclusion", "pregnancy test",
                                              "within 72 hours prior to initiation of treatment", 72, "hours",
                                              "before", "treatment_start")


@pytest.mark.parametrize(
    "name,expected",
    [
        pytest.param("000_95a7e659c2b98278.txt", [("exclusion", "pregnancy", "Pregnant"),
                                                  ("exclusion", "lactation", "nursing")], id="seed-000"),
        pytest.param("001_0156b3f6fa234c21.txt", [("exclusion", "pregnancy", "Pregnant"),
                                                  ("exclusion", "lactation", "breastfeeding")], id="seed-001"),
        pytest.param("004_549002531d0362f3.txt", [("exclusion", "pregnancy", "Pregnant"),
                                                  ("exclusion", "lactation", "breast feeding")], id="seed-004"),
    ],
)
def test_seed_pregnancy_and_lactation(name, expected):
    record = record_of(name)
    assert [(c["section"], c["kind"], c["evidence"]["text"]) for c in record["constraints"]
            if c["kind"] in ("pregnancy", "lactation") and not c.get("test")] == expected


@pytest.mark.parametrize(
    "name,expected",
    [
        pytest.param("001_0156b3f6fa234c21.txt",
                     [("oral prednisone equivalent \\>10 mg/day", "within 28 days prior to randomization", 28, "days",
                       "before", "randomization")], id="seed-001-dose-within-28-days"),
        pytest.param("004_549002531d0362f3.txt",
                     [("oral prednisone more than 20 mg/day", None, None, None, None, None),
                      ("cyclophosphamide 0.4 ~ 0.6 / m2 every two weeks", "for six months", 6, "months", "since",
                       "unspecified"),
                      ("mycophenolate mofetil 2 g / day", "for three months", 3, "months", "since", "unspecified")],
                     id="seed-004-doses-for-n-months"),
    ],
)
def test_seed_dose_windows(name, expected):
    record = record_of(name)
    got = []
    for c in record["constraints"]:
        if c["kind"] == "dose":
            w = c.get("window")
            got.append((c["evidence"]["text"],) + ((w["evidence"]["text"], w["amount"], w["unit"], w["direction"],
                                                    w["anchor"]) if w else (None,) * 5))
    assert got == expected
