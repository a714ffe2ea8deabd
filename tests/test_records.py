"""Every record is schema-valid and every span equals the input at its offsets: on the bundled sample of
real trials, and (when ../shared is beside the repository) on a slice of the whole corpus."""

import itertools
import json
from pathlib import Path

import pytest

from nlp import extract, extract_batch
from nlp.cli import evidence_problems
from nlp.readers import read_inputs
from nlp.extract import extract_many
from nlp.schema import problems

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "trials_sample.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus" / "trials.jsonl"


def _check(records):
    n = 0
    for record in records:
        assert problems(record) == [], record.get("trial_id")
        assert "error" not in record, record["error"]
        assert evidence_problems(record) == [], record["trial_id"]
        n += 1
    return n


def test_bundled_sample_records_valid_and_traced():
    records = list(extract_many(read_inputs([str(SAMPLE)])))
    assert _check(records) == 43
    kinds = {c["kind"] for r in records for c in r["constraints"]}
    assert kinds == {"age", "sex", "measurement", "dose", "pregnancy", "lactation", "window", "contraception", "condition"}


@pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus/trials.jsonl is not beside the repository")
def test_corpus_slice_every_source_and_layout():
    rows = [json.loads(line) for line in itertools.islice(CORPUS.open(encoding="utf-8"), None)]
    by_source = {}
    for row in rows:
        by_source.setdefault(row["source"].split(":")[0], []).append(row)
    picked = [row for group in by_source.values() for row in group[::max(1, len(group) // 60)][:60]]
    assert _check(extract_batch(picked)) == len(picked)


def test_record_shape_for_a_registry_row():
    record = extract({
        "nct_id": "NCT00000105", "minimum_age": "18 Years", "maximum_age": None, "sex": "ALL",
        "healthy_volunteers": True,
        "eligibility_criteria": "\n        Inclusion Criteria:\r\n\r\n          -  Patients must be at least 18 years\r\n"
                                "             of age.\r\n\r\n        Exclusion Criteria:\r\n\r\n          -  Pregnant\r\n      ",
    })
    assert record["trial_id"] == "NCT00000105"
    assert record["registry"] == {
        "minimum_age": {"text": "18 Years", "value": 18, "unit": "years"}, "maximum_age": None, "sex": "all",
        "healthy_volunteers": True, "std_ages": None, "source": "table"}
    assert [(i["id"], i["section"], i["status"]) for i in record["items"]] == [
        ("I1", "inclusion", "parsed"), ("E1", "exclusion", "parsed")]
    age, pregnancy = record["constraints"]
    assert (pregnancy["kind"], pregnancy["item"], pregnancy["evidence"]["text"], pregnancy["test"]) == (
        "pregnancy", "E1", "Pregnant", False)
    assert age["evidence"]["text"] == "at least 18 years\r\n             of age"
    assert age["lower"] == {"value": 18, "inclusive": True, "text": "18"}
    assert age["rules"] == ["age.old.cmp"]
    assert {p["role"]: p["text"] for p in age["parts"]} == {
        "comparator": "at least", "value": "18", "unit": "years", "variable": "of age"}
    assert record["warnings"] == []


def test_not_computable_items_are_marked():
    record = extract("Inclusion Criteria:\n- Able to give written informed consent\n- Adults aged 18-65 years")
    assert [i["status"] for i in record["items"]] == ["not_computable", "parsed"]


def test_invalid_record_is_refused_not_written():
    from nlp.errors import EligexError
    from nlp.extract import checked

    record = extract("Inclusion Criteria:\n- aged 18-65 years")
    record["constraints"][0]["lower"]["inclusive"] = "yes"
    with pytest.raises(EligexError) as info:
        checked(record)
    assert info.value.code == "E020" and "constraints/0/lower/inclusive" in str(info.value)


@pytest.mark.parametrize(
    "criteria,sections",
    [
        pytest.param("\n        Healthy volunteers (age 21-60 years).\n\n        No current smoking.\n",
                     ["inclusion", "inclusion"], id="headless-registry-field-is-inclusion"),
        pytest.param("Adults aged 18-65\nPatients with prior chemotherapy are excluded",
                     ["inclusion", "exclusion"], id="headless-item-that-says-it-excludes"),
    ],
)
def test_sections_inferred_for_a_registry_criteria_field(criteria, sections):
    record = extract({"nct_id": "NCT00000001", "eligibility_criteria": criteria})
    assert [i["section"] for i in record["items"]] == sections
    assert [w["code"] for w in record["warnings"]] == ["W003"]


def test_headless_plain_text_stays_unspecified():
    record = extract("Adults aged 18-65\nNo prior chemotherapy")
    assert [i["section"] for i in record["items"]] == ["unspecified", "unspecified"]
