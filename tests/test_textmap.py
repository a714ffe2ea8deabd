"""Normalisation never moves offsets: every span maps back to the characters of the original input."""

import pytest

from nlp.textmap import normalize


@pytest.mark.parametrize(
    "original,normalized",
    [
        pytest.param("DAS28\\>3.2", "DAS28>3.2", id="markdown-escape"),
        pytest.param("Ccr \\< 45 ml/min", "Ccr < 45 ml/min", id="markdown-escape-space"),
        pytest.param("ALT &gt;= 2 x ULN &amp; AST", "ALT >= 2 x ULN & AST", id="html-entities"),
        pytest.param("age &#8805; 18", "age >= 18", id="numeric-entity"),
        pytest.param("line one\r\nline two", "line one\nline two", id="crlf"),
        pytest.param("SLEDAI\u22658", "SLEDAI>=8", id="unicode-ge"),
        pytest.param("\u2264 75 years", "<= 75 years", id="unicode-le"),
        pytest.param("BMI \uff1e 30", "BMI > 30", id="fullwidth-gt"),
        pytest.param("18\u201364 years \u2014 adults", "18-64 years - adults", id="dashes"),
        pytest.param("age\u00a018", "age 18", id="nbsp"),
        pytest.param("1.5 \u00d7 ULN", "1.5 x ULN", id="times-sign"),
        pytest.param("a & b are not entities: &foo; &", "a & b are not entities: &foo; &", id="unknown-entity-kept"),
        pytest.param("Inclusion:#  1. one#  2. two", "Inclusion:\n  1. one\n  2. two", id="hash-line-breaks"),
        pytest.param("# of prior lines <= 2", "# of prior lines <= 2", id="single-hash-kept"),
        pytest.param("age >/= 18, ANC < / = 1.5", "age >= 18, ANC <= 1.5", id="slash-comparators"),
    ],
)
def test_normalized_view(original, normalized):
    assert normalize(original).text == normalized


@pytest.mark.parametrize(
    "original,needle,evidence",
    [
        pytest.param("i. DAS28\\>3.2 at screening", "DAS28>3.2", "DAS28\\>3.2", id="escape-inside"),
        pytest.param("x SLEDAI\u22658;", "SLEDAI>=8", "SLEDAI\u22658", id="expanded-comparator"),
        pytest.param("ALT &gt;= 2x ULN", ">= 2x", "&gt;= 2x", id="entity"),
        pytest.param("a\r\nAge \u2265 18 years", "Age >= 18 years", "Age \u2265 18 years", id="after-crlf"),
        pytest.param("\u2265 18", ">", "\u2265", id="half-of-expansion-maps-to-whole"),
    ],
)
def test_spans_map_to_original(original, needle, evidence):
    m = normalize(original)
    start = m.text.index(needle)
    got = m.evidence(start, start + len(needle))
    assert got["text"] == evidence
    assert original[got["start"]:got["end"]] == evidence


def test_sub_view_collapses_wraps_and_keeps_offsets():
    original = "- Patients must have a confirmed diagnosis of\r\n     non-small cell lung cancer \\>= stage II"
    m = normalize(original)
    start = m.text.index("Patients")
    sub = m.sub(start, len(m.text))
    assert sub.text == "Patients must have a confirmed diagnosis of non-small cell lung cancer >= stage II"
    s = sub.text.index("of non-small")
    e = sub.text.index(">=") + 2
    got = sub.evidence(s, e)
    assert got["text"] == "of\r\n     non-small cell lung cancer \\>="
    assert original[got["start"]:got["end"]] == got["text"]


def test_every_character_maps_monotonically():
    original = "A\\>B &lt; C\u2265D\r\nE\u2013F\u00a0G"
    m = normalize(original)
    ends = [m.span(i, i + 1) for i in range(len(m.text))]
    assert all(a[0] <= b[0] for a, b in zip(ends, ends[1:]))
    assert all(0 <= s < e <= len(original) for s, e in ends)


@pytest.mark.parametrize(
    "original,normalized",
    [
        pytest.param("at least six (6) months", "at least six months", id="word-and-digits"),
        pytest.param("Aged Eighteen (18) years", "Aged Eighteen years", id="capitalised"),
        pytest.param("twenty-one (21) days", "twenty-one days", id="hyphenated"),
        pytest.param("two (3) cycles", "two (3) cycles", id="different-numbers-kept"),
    ],
)
def test_number_written_twice_reads_once(original, normalized):
    m = normalize(original)
    assert m.text == normalized
    assert m.evidence(0, len(m.text))["text"] == original


def test_a_few_spaces_inside_a_line_are_one_but_not_before_a_number():
    from nlp.textmap import normalize
    m = normalize("Insulin requirement  >1.0 U/kg/day; Age  18 years")
    view = m.sub(0, len(m.text))
    assert view.text == "Insulin requirement >1.0 U/kg/day; Age  18 years"
    # evidence still points into the input as written
    start = view.text.index(">1.0")
    assert view.evidence(0, start + 4)["text"] == "Insulin requirement  >1.0"
