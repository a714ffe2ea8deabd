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
