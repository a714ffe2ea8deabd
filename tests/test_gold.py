"""The hand-annotated gold set: every file passes the schema, every evidence is the text at its offsets,
the split is as recorded; and the extractor does not fall below its recorded floors on annotated/test."""

import json
from pathlib import Path

import pytest

from nlp import cli
from nlp.evaluate import below_floors, load_gold, score, system_records_for
from nlp.schema import problems

ANNOTATED = Path(__file__).resolve().parents[1] / "annotated"
SPLITS = ("dev", "test")
FILES = sorted(p for split in SPLITS for p in (ANNOTATED / split).glob("*.json"))


def test_gold_set_size_and_split():
    split = json.loads((ANNOTATED / "split.json").read_text(encoding="utf-8"))
    for name in SPLITS:
        assert sorted(p.stem for p in (ANNOTATED / name).glob("*.json")) == sorted(split[name])
    assert len(FILES) >= 64
    assert not set(split["dev"]) & set(split["test"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_gold_file(path):
    record = json.loads(path.read_text(encoding="utf-8"))
    assert problems(record) == []
    assert record["trial_id"] == path.stem
    assert record["annotation"]["drafted_by"] and record["annotation"]["checked_by"]
    assert record["annotation"]["drafted_by"] != record["annotation"]["checked_by"]
    text = record["criteria"]["text"]
    for c in record["constraints"]:
        ev = c["evidence"]
        assert text[ev["start"]:ev["end"]] == ev["text"], c["id"]
        assert c["rules"] == ["gold"]


def test_extractor_meets_floors_on_the_test_split(tmp_path, capsys):
    # the command a developer runs: eligex evaluate annotated/test --floors annotated/floors.json
    report_path = tmp_path / "report.json"
    code = cli.main(["evaluate", str(ANNOTATED / "test"), "--floors", str(ANNOTATED / "floors.json"),
                     "--json", str(report_path)])
    assert code == 0, capsys.readouterr().err
    report = json.loads(report_path.read_text(encoding="utf-8"))
    floors = json.loads((ANNOTATED / "floors.json").read_text(encoding="utf-8"))
    assert below_floors(report, floors) == []
    assert report["trials"] == 30


def test_floors_gate_fails_when_a_kind_drops(tmp_path, capsys):
    gold = load_gold(ANNOTATED / "test")
    report = score(zip(gold, system_records_for(gold)))
    raised = {"age": {"span_f1": min(1.0, report["per_kind"]["age"]["span"]["f1"] + 0.01)}}
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps(raised), encoding="utf-8")
    assert cli.main(["evaluate", str(ANNOTATED / "test"), "--floors", str(floors)]) == 1
    assert "below floor: age span F1" in capsys.readouterr().err
