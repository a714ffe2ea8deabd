"""The fast validator (jsonschema-rs) and the reference one (jsonschema) agree on valid and invalid
records; the reference one explains every failure."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from nlp import extract
from nlp.schema import _fast_validator, problems, record_schema

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def records():
    rows = [json.loads(line) for line in (EXAMPLES / "trials_sample.jsonl").read_text(encoding="utf-8").splitlines()]
    out = [extract(row) for row in rows[:20]]
    out.append(extract("Exclusion Criteria:\n- AST/ALT <= 2.5 x ULN (<= 5 x ULN if liver metastases)\n- NYHA class III or IV"))
    return out


MUTATIONS = [
    ("bound-not-bool", lambda r: next(c for c in r["constraints"] if "lower" in c or "upper" in c)[
        "lower" if "lower" in next(c for c in r["constraints"] if "lower" in c or "upper" in c) else "upper"
    ].update(inclusive="yes")),
    ("unknown-kind", lambda r: r["constraints"][0].update(kind="weather")),
    ("extra-field", lambda r: r.update(surprise=1)),
    ("missing-items", lambda r: r.pop("items")),
    ("bad-section", lambda r: r["items"][0].update(section="maybe")),
    ("negative-offset", lambda r: r["constraints"][0]["evidence"].update(start=-1)),
    ("wrong-version", lambda r: r.update(schema_version="0.0.1")),
    ("age-without-bounds", lambda r: [r["constraints"][0].pop(k, None) for k in ("lower", "upper")]),
]


def test_validators_agree_on_valid_records(records):
    reference = jsonschema.Draft202012Validator(record_schema())
    for record in records:
        assert _fast_validator().is_valid(record)
        assert reference.is_valid(record)
        assert problems(record) == []


@pytest.mark.parametrize("name,mutate", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_validators_agree_on_invalid_records(records, name, mutate):
    reference = jsonschema.Draft202012Validator(record_schema())
    record = copy.deepcopy(next(r for r in records if r["constraints"] and r["items"]
                                and (name != "age-without-bounds" or r["constraints"][0]["kind"] == "age")
                                and (name != "bound-not-bool" or any("lower" in c or "upper" in c for c in r["constraints"]))))
    mutate(record)
    assert not reference.is_valid(record)
    assert not _fast_validator().is_valid(record)
    assert problems(record), name
