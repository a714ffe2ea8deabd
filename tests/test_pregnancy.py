"""Pregnancy and breastfeeding as criteria, and pregnancy tests; not mere mentions."""

import pytest

from nlp import extract


def found(item, section="Exclusion Criteria:"):
    record = extract(f"{section}\n- {item}\n", trial_id="NCT00000000")
    return [(c["kind"], c["evidence"]["text"], c.get("test"), c.get("test_result"), c["negated"])
            for c in record["constraints"] if c["kind"] in ("pregnancy", "lactation")]


CASES = [
    ("Pregnant or nursing women may not participate due to the possibility of fetal harm",
     [("pregnancy", "Pregnant", False, None, False), ("lactation", "nursing", None, None, False)]),
    ("Pregnant or breast feeding women, male or female who intended to recent pregnancy",
     [("pregnancy", "Pregnant", False, None, False), ("lactation", "breast feeding", None, None, False)]),
    ("Women who are lactating", [("lactation", "lactating", None, None, False)]),
    # the state, not the plan, when the item says both
    ("Women who plan to become pregnant within 6 months, or are pregnant or lactating",
     [("pregnancy", "pregnant", False, None, False), ("lactation", "lactating", None, None, False)]),
    ("Current pregnancy", [("pregnancy", "pregnancy", False, None, False)]),
]


@pytest.mark.parametrize("item", [
    "Are at risk for premature birth or pregnancy complications",
    "Multifetal pregnancy",
    "Medical conditions complicating pregnancy",
    "Must agree to follow pregnancy precautions as required by the protocol",
    "Should a woman become pregnant or suspect she is pregnant while participating in this study, she must tell",
])
def test_pregnancy_described_is_no_criterion(item):
    assert found(item) == []


@pytest.mark.parametrize("item,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_pregnancy_and_lactation_as_criteria(item, expected):
    assert found(item) == expected


@pytest.mark.parametrize(
    "item,expected",
    [
        pytest.param("Not pregnant or nursing",
                     [("pregnancy", "pregnant", False, None, True), ("lactation", "nursing", None, None, True)],
                     id="negated-in-inclusion"),
        pytest.param("Non-pregnant women aged 18-45", [("pregnancy", "Non-pregnant", False, None, True)], id="non-pregnant"),
        pytest.param("Women of child-bearing potential must have a negative serum pregnancy test within 72 hours "
                     "prior to initiation of treatment",
                     [("pregnancy", "serum pregnancy test", True, "negative", False)], id="negative-test"),
    ],
)
def test_inclusion_forms(item, expected):
    assert found(item, "Inclusion Criteria:") == expected


@pytest.mark.parametrize(
    "item",
    ["Must use contraception to avoid pregnancy during the study", "Residents of a nursing home",
     "Fathering a pregnancy is not allowed"],
)
def test_mentions_that_are_not_criteria(item):
    assert found(item) == []
