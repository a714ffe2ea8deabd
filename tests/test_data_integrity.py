"""The data itself: every pattern line loads and its example really matches; the schema is valid Draft
2020-12; loaders fail loudly, naming file and line."""

import json

import jsonschema
import pytest

from nlp import resources
from nlp.errors import EligexError
from nlp.pipeline import load
from nlp.rules import LexiconEntry, _load_jsonl, lexicon, matcher_rules
from nlp.schema import record_schema


def test_schema_is_valid_draft_2020_12():
    schema = record_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["version"] in schema["$id"]


def test_schema_refs_are_local():
    text = resources.schema_path("record.schema.json").read_text(encoding="utf-8")
    refs = [v for k, v in _walk(json.loads(text)) if k == "$ref"]
    assert refs and all(r.startswith("#/") for r in refs)


def _walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_rule_ids_unique_and_dotted():
    ids = [e.id for e in lexicon()] + [r.id for k in ("age", "sex") for r in matcher_rules(k)]
    assert len(ids) == len(set(ids))
    assert all("." in i and i == i.strip() for i in ids)


@pytest.mark.parametrize("entry", lexicon(), ids=lambda e: e.id)
def test_lexicon_example_matches(entry):
    doc = load()(entry.example)
    assert entry.id in {s.id_ for s in doc.spans["eligex_lex"]}


RULES = [r for k in ("age", "sex") for r in matcher_rules(k)]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_matcher_rule_example_gives_its_constraint(rule):
    nlp = load()
    doc = nlp.make_doc(rule.example)
    heading = {"age_heading": ["Age:"], "sex_heading": ["Sex:"]}.get(rule.requires, [])
    doc._.eligex_context = {"section": "inclusion", "heading": heading}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert rule.id in {f["rule"] for f in doc._.eligex_found}


def test_loader_names_file_and_line_for_unknown_key(tmp_path, monkeypatch):
    bad = tmp_path / "lexicon.jsonl"
    bad.write_text('{"id": "x.y", "label": "L", "pattern": "p", "example": "p"}\n'
                   '{"id": "x.z", "label": "L", "pattern": "p", "example": "p", "nrom": "typo"}\n')
    monkeypatch.setattr(resources, "patterns_path", lambda name: bad)
    with pytest.raises(EligexError) as info:
        _load_jsonl("lexicon.jsonl", LexiconEntry)
    assert info.value.code == "E040"
    assert "patterns/lexicon.jsonl:2" in str(info.value) and "nrom" in str(info.value)


def test_loader_rejects_duplicate_ids(tmp_path, monkeypatch):
    bad = tmp_path / "lexicon.jsonl"
    bad.write_text('{"id": "x.y", "label": "L", "pattern": "p", "example": "p"}\n' * 2)
    monkeypatch.setattr(resources, "patterns_path", lambda name: bad)
    with pytest.raises(EligexError, match="duplicate rule id"):
        _load_jsonl("lexicon.jsonl", LexiconEntry)


MEASUREMENT_RULES = matcher_rules("measurement")


def test_measurement_rule_ids_unique_and_dotted():
    ids = [r.id for r in MEASUREMENT_RULES]
    assert len(ids) == len(set(ids)) and all(i.startswith("meas.") for i in ids)


@pytest.mark.parametrize("rule", MEASUREMENT_RULES, ids=lambda r: r.id)
def test_measurement_rule_example_gives_its_constraint(rule):
    nlp = load()
    doc = nlp.make_doc(rule.example)
    heading = {"variable_heading": ["Life expectancy:"]}.get(rule.requires, [])
    doc._.eligex_context = {"section": "inclusion", "heading": heading}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert rule.id in {f["rule"] for f in doc._.eligex_found if f["kind"] == "measurement"}


def _variables_with(field):
    from nlp.measurement import variables

    return [v for v in variables().values() if getattr(v, field) is not None]


@pytest.mark.parametrize("var", _variables_with("molar_mass"), ids=lambda v: v.id)
def test_molar_mass_converts_between_mass_and_substance(var):
    from nlp.units import conversion_factor

    other = "umol/L" if var.unit in ("mg/dL", "ug/dL", "ng/mL", "ng/dL", "pg/mL", "g/dL") else "mg/dL"
    factor = conversion_factor(other, var.unit, var.molar_mass, var.valence)
    back = conversion_factor(var.unit, other, var.molar_mass, var.valence)
    assert factor is not None and back is not None and factor * back == pytest.approx(1)
    assert 1 < var.molar_mass < 100_000


@pytest.mark.parametrize("var", _variables_with("valence"), ids=lambda v: v.id)
def test_valence_converts_milliequivalents(var):
    from nlp.units import conversion_factor

    assert conversion_factor("mEq/L", "mmol/L", var.molar_mass, var.valence) == pytest.approx(1 / var.valence)
