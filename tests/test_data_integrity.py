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
    example, heading = rule.example, []
    if rule.requires == "variable_heading":
        # "BMI: 19-40 kg/m2": the heading is written before the item; else a PDQ heading
        label, colon, rest = example.partition(":")
        example, heading = (rest.strip(), [label + ":"]) if colon else (example, ["Life expectancy:"])
    doc = nlp.make_doc(example)
    doc._.eligex_context = {"section": "inclusion", "heading": heading}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    # a value whose comparator was lost is kept apart from the constraints (meas.after_gap)
    assert rule.id in {f["rule"] for f in doc._.eligex_found + doc._.eligex_lost if f["kind"] == "measurement"}


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


@pytest.mark.parametrize("kind", ["age", "measurement", "dose", "sex", "pregnancy"])
def test_every_rule_can_be_gated_and_starts_on_a_selective_token(kind):
    """A rule the gate cannot check runs on every item, and one opening with any word ("Healthy volunteers: 18
    and over") starts a match at every token: each rule needs an atom, opens on a selective token, or has
    a ``requires`` the gate knows (its own matcher then runs only where the requirement holds)."""
    from nlp.gate import REQUIRES, required_labels
    from nlp.rules import matcher_rules

    for rule in matcher_rules(kind):
        assert rule.requires is None or rule.requires in REQUIRES, rule.id
        if rule.requires is not None:
            continue
        first = rule.pattern[0]
        opens_on_anything = first.get("LIKE_NUM") is False or \
            any(isinstance(v, dict) and "NOT_IN" in v for v in first.values())
        assert required_labels(rule.pattern) and not opens_on_anything, rule.id


@pytest.mark.parametrize("var", _variables_with("broader"), ids=lambda v: v.id)
def test_broader_names_another_variable_of_the_same_unit_kind(var):
    from nlp.measurement import variables

    broader = variables().get(var.broader)
    assert broader is not None and broader.id != var.id and broader.kind == var.kind


# --- windows, contraception, negation (patterns/windows.json, contraception.json, negation.json) -------------

def _json(name):
    with resources.patterns_path(name).open(encoding="utf-8") as fh:
        return json.load(fh)


def test_window_data_shape():
    data = _json("windows.json")
    assert set(data) >= {"units", "days_per_unit", "cues", "right", "anchors", "during", "event_types", "since_verbs"}
    assert set(data["days_per_unit"]) == set(data["units"])
    anchors = {"screening", "enrollment", "randomization", "consent", "study_entry", "baseline", "treatment_start",
               "last_dose", "study_end"}
    assert set(data["anchors"]) == anchors  # exactly the schema's anchors but "unspecified"
    schema_anchors = set(record_schema()["$defs"]["window"]["properties"]["anchor"]["enum"])
    assert anchors | {"unspecified"} == schema_anchors
    assert {c["direction"] for c in data["cues"]} <= set(record_schema()["$defs"]["window"]["properties"]["direction"]["enum"])
    event_types = set(record_schema()["$defs"]["window_constraint"]["properties"]["event"]["properties"]["type"]["enum"])
    assert set(data["event_types"]) <= event_types


def test_window_phrases_belong_to_one_place():
    data = _json("windows.json")
    owner = {}
    for anchor, phrases in data["anchors"].items():
        assert len(phrases) == len({p.lower() for p in phrases}), anchor
        for p in phrases:
            assert owner.setdefault(p.lower(), anchor) == anchor, f"{p!r} is under {owner[p.lower()]} and {anchor}"
    right = [w.lower() for ws in data["right"].values() for w in ws]
    assert len(right) == len(set(right)), "a right-hand cue under two directions"
    cues = [p.lower() for c in data["cues"] for p in c["left"]]
    assert len(cues) == len(set(cues)), "a left-hand cue under two rules"


@pytest.mark.parametrize("cue", _json("windows.json")["cues"], ids=lambda c: c["id"])
def test_window_cue_example_gives_its_direction(cue):
    from nlp.window import find_phrases

    (phrase,) = find_phrases(cue["example"])
    assert (phrase.rule, phrase.direction) == (cue["id"], cue["direction"])


@pytest.mark.parametrize("name,key", [("windows.json", "during"), ("contraception.json", "during")])
def test_every_study_period_phrase_passes_the_quick_look(name, key):
    # the window component skips items that cannot hold a window; a period phrase must never be skipped
    import re

    from nlp.window import PERIOD_STEMS

    for phrase in _json(name)[key]:
        assert re.search(PERIOD_STEMS, phrase, re.IGNORECASE), phrase


def test_contraception_data_shape():
    data = _json("contraception.json")
    who = set(record_schema()["$defs"]["contraception_constraint"]["properties"]["who"]["enum"])
    assert set(data["who"]) <= who
    assert len(data["method_strength"]) == len({s.lower() for s in data["method_strength"]})


def test_negation_termset_is_negspacys_shape():
    from nlp.negation import termset

    ts = termset()
    assert set(ts) == {"pseudo_negations", "preceding_negations", "following_negations", "termination"}
    for key, terms in ts.items():
        assert terms and len(terms) == len({t.lower() for t in terms}), key
    # an exception cue is not a negation: "excluding palliative radiotherapy" lifts, it does not negate
    assert "excluding" not in ts["preceding_negations"]
