"""Sections and items: headings in their real spellings, bullets, numbering, nesting, hard wraps, PDQ layout,
run-on paragraphs; and the seeds' exact item counts."""

from pathlib import Path

import pytest

from nlp.page import locate_criteria
from nlp.sections import classify_heading, segment
from nlp.textmap import normalize

PAGES = Path(__file__).resolve().parents[1] / "examples" / "pages"


def items_of(text):
    mapped = normalize(text)
    block = locate_criteria(mapped)
    return segment(mapped, block.start, block.end).items


@pytest.mark.parametrize(
    "line,section",
    [
        pytest.param("Inclusion Criteria:", "inclusion", id="plain"),
        pytest.param("INCLUSION CRITERIA", "inclusion", id="caps-no-colon"),
        pytest.param("Key Inclusion Criteria:", "inclusion", id="key"),
        pytest.param("Exclusion criteria", "exclusion", id="lower"),
        pytest.param("Criteria for exclusion:", "exclusion", id="criteria-for"),
        pytest.param("**Exclusion Criteria:**", "exclusion", id="markdown-bold"),
        pytest.param("Exclusion Criteria for Cohort B:", "exclusion", id="cohort-tail"),
        pytest.param("Inclusion:", "inclusion", id="bare-word"),
    ],
)
def test_heading_spellings(line, section):
    assert classify_heading(line)[0] == section


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Patients with inclusion body myositis are excluded from this study", id="sentence"),
        pytest.param("- Exclusion of other causes of liver disease", id="bulleted-item"),
    ],
)
def test_not_headings(line):
    assert classify_heading(line) is None


@pytest.mark.parametrize(
    "name,n_inclusion,n_exclusion",
    [
        pytest.param("000_95a7e659c2b98278.txt", 3, 5, id="seed-000-classic-page"),
        pytest.param("001_0156b3f6fa234c21.txt", 6, 15, id="seed-001-numbered-from-2"),
        pytest.param("002_ef3309a9267e01cd.txt", 5, 9, id="seed-002-star-bullets"),
    ],
)
def test_seed_item_counts(name, n_inclusion, n_exclusion):
    items = [i for i in items_of((PAGES / name).read_text(encoding="utf-8")) if i.parent is None]
    assert sum(i.section == "inclusion" for i in items) == n_inclusion
    assert sum(i.section == "exclusion" for i in items) == n_exclusion


def test_seed_001_numbering_kept_as_written():
    items = items_of((PAGES / "001_0156b3f6fa234c21.txt").read_text(encoding="utf-8"))
    assert [i.marker for i in items if i.section == "inclusion"] == ["2.", "3.", "4.", "5.", "6.", "7."]
    assert items[0].text.startswith("Patients who are diagnosed with rheumatoid arthritis")
    assert items[-1].text.startswith("Other situations that are not approporiate")


def test_seed_004_bullets_and_runon_sub_items():
    items = items_of((PAGES / "004_549002531d0362f3.txt").read_text(encoding="utf-8"))
    top = [i for i in items if i.parent is None]
    assert [i.section for i in top].count("inclusion") == 5
    assert [i.section for i in top].count("exclusion") == 5
    subs = [i for i in items if i.parent == "I3"]
    assert [s.text for s in subs] == [
        "Trial of corticosteroids (oral prednisone more than 20 mg/day)",
        "Trial of cyclophosphamide 0.4 ~ 0.6 / m2 every two weeks for six months, or other immunosuppressive "
        "drugs, such as mycophenolate mofetil 2 g / day, for three months;",
    ]


SEED_004_RUNON = (
    "Inclusion Criteria: All patients fulfilled the American College of Rheumatology (ACR) criteria of SLE, man or "
    "woman aged from 15 to 60 years old, SLEDAI\u22658; Lupus nephritis with 24h urine protein\u22651g; Refractory "
    "disease as determined by failure of the following regimens: Trial of corticosteroids (oral prednisone more than "
    "20 mg/day); Trial of cyclophosphamide 0.4 ~ 0.6 / m2 every two weeks for six months, or other immunosuppressive "
    "drugs, such as mycophenolate mofetil 2 g / day, for three months; Patients must sign an informed consent "
    "indicating that they are aware of the investigational nature of the study in keeping with the policy of the "
    "hospital; Willing to use contraception throughout the study and for 12 months following treatment Exclusion "
    "Criteria: Abnormal liver function (ALT higher than 3 times the normal value); End-stage renal failure; Severe "
    "heart and pulmonary failure, or other important organs damage; Uncontrolled infections Pregnant or breast "
    "feeding women, male or female who intended to recent pregnancy"
)


def test_runon_paragraph_split_on_semicolons_and_midline_heading():
    items = items_of(SEED_004_RUNON)
    inc = [i.text for i in items if i.section == "inclusion"]
    exc = [i.text for i in items if i.section == "exclusion"]
    assert inc[0].endswith("aged from 15 to 60 years old, SLEDAI>=8")
    assert inc[1] == "Lupus nephritis with 24h urine protein>=1g"
    assert inc[-1] == "Willing to use contraception throughout the study and for 12 months following treatment"
    assert len(inc) == 6
    assert exc[0] == "Abnormal liver function (ALT higher than 3 times the normal value)"
    assert len(exc) == 4


LEGACY = (
    "\n        Inclusion Criteria:\r\n\r\n          -  Patients must have a histologically confirmed diagnosis of\r\n"
    "             non-small cell lung cancer\r\n\r\n          -  Age 18 years or older\r\n\r\n"
    "        Exclusion Criteria:\r\n\r\n          -  Prior chemotherapy within 4 weeks\r\n      "
)


def test_legacy_hard_wraps_joined_and_offsets_kept():
    mapped = normalize(LEGACY)
    items = segment(mapped).items
    assert [i.text for i in items] == [
        "Patients must have a histologically confirmed diagnosis of non-small cell lung cancer",
        "Age 18 years or older",
        "Prior chemotherapy within 4 weeks",
    ]
    first = items[0]
    s, e = mapped.span(first.start, first.end)
    assert LEGACY[s:e] == (
        "Patients must have a histologically confirmed diagnosis of\r\n             non-small cell lung cancer"
    )


PDQ = (
    "\n        DISEASE CHARACTERISTICS:\r\n\r\n          -  Histologically proven neuroblastoma\r\n\r\n"
    "        PATIENT CHARACTERISTICS:\r\n\r\n        Age:\r\n\r\n          -  Under 21\r\n\r\n"
    "        Hepatic:\r\n\r\n          -  Bilirubin less than 1.5 times normal\r\n\r\n"
    "        PRIOR CONCURRENT THERAPY:\r\n\r\n          -  No prior radiotherapy\r\n      "
)


def test_pdq_headings_are_context():
    items = segment(normalize(PDQ)).items
    got = [(i.heading, i.text) for i in items]
    assert got == [
        (["DISEASE CHARACTERISTICS:"], "Histologically proven neuroblastoma"),
        (["PATIENT CHARACTERISTICS:", "Age:"], "Under 21"),
        (["PATIENT CHARACTERISTICS:", "Hepatic:"], "Bilirubin less than 1.5 times normal"),
        (["PRIOR CONCURRENT THERAPY:"], "No prior radiotherapy"),
    ]


NESTED_MD = (
    "Inclusion Criteria:\n\n* Active disease at Screening as defined by\n\n"
    "  * Bath Ankylosing Spondylitis Disease Activity Index (BASDAI) score \\>= 4\n"
    "  * Spinal pain \\>= 4 on a 0 to 10 Numerical Rating Scale (NRS)\n"
    "* At least 18 years old\n"
)


def test_markdown_nested_sub_items_link_to_parent():
    items = segment(normalize(NESTED_MD)).items
    assert [(i.id, i.parent) for i in items] == [("I1", None), ("I1.1", "I1"), ("I1.2", "I1"), ("I2", None)]
    assert items[1].text == "Bath Ankylosing Spondylitis Disease Activity Index (BASDAI) score >= 4"


ORGAN = (
    "Inclusion Criteria:\n1. Adequate organ function defined as:\n   - ANC >= 1,500/mm3\n"
    "   - Platelets >= 100,000/mm3\n2. ECOG 0-1\n"
)


def test_colon_item_takes_following_list_as_children():
    items = segment(normalize(ORGAN)).items
    assert [(i.id, i.parent, i.text) for i in items] == [
        ("I1", None, "Adequate organ function defined as:"),
        ("I1.1", "I1", "ANC >= 1,500/mm3"),
        ("I1.2", "I1", "Platelets >= 100,000/mm3"),
        ("I2", None, "ECOG 0-1"),
    ]


@pytest.mark.parametrize(
    "text,markers",
    [
        pytest.param("Inclusion Criteria:\n1) adults\n2) ECOG 0-1", ["1)", "2)"], id="paren-number"),
        pytest.param("Inclusion Criteria:\n(a) adults\n(b) ECOG 0-1", ["(a)", "(b)"], id="paren-letter"),
        pytest.param("Inclusion Criteria:\ni. adults\nii. ECOG 0-1", ["i.", "ii."], id="roman"),
        pytest.param("Inclusion Criteria:\n\u2022 adults\n\u2022 ECOG 0-1", ["\u2022", "\u2022"], id="bullet-dot"),
        pytest.param("Inclusion Criteria:\no adults\no ECOG 0-1", ["o", "o"], id="letter-o-bullet"),
    ],
)
def test_item_markers(text, markers):
    items = segment(normalize(text)).items
    assert [i.marker for i in items] == markers
    assert [i.text for i in items] == ["adults", "ECOG 0-1"]


def test_a_wrapped_line_opening_with_a_comparator_continues_its_item():
    text = ("Inclusion Criteria:\r\n\r\n          -  Patients with documented creatinine clearance\r\n"
            "             > 50 ml/min\r\n\r\n          -  ECOG 0-1\r\n")
    items = segment(normalize(text)).items
    assert [i.text for i in items] == ["Patients with documented creatinine clearance > 50 ml/min", "ECOG 0-1"]
    # a ">" bullet before words is still a marker
    assert [i.marker for i in segment(normalize("Inclusion Criteria:\n> adults\n> ECOG 0-1")).items] == [">", ">"]


def test_unindented_short_lines_are_items_of_their_own():
    # one criterion a line, no markers and no indentation (Chia's texts): a short line is no hard wrap, even
    # when the next opens in lower case; a long one still is
    text = ("Exclusion Criteria:\nage under 18y or over 85y\ndiabetes type 1 with complications\n"
            "Patients who received any investigational product or device within the\nlast 30 days\n")
    items = segment(normalize(text)).items
    assert [i.text for i in items] == [
        "age under 18y or over 85y", "diabetes type 1 with complications",
        "Patients who received any investigational product or device within the last 30 days"]


def test_hash_line_breaks_of_valx_exports():
    text = ("Inclusion Criteria:#          1. Male or female patients, of 18 to 55 years of age.#          2. Signed "
            "consent.#        Exclusion Criteria:#          1. Patient is pregnant or breastfeeding.#       ")
    items = segment(normalize(text)).items
    assert [(i.section, i.text) for i in items] == [
        ("inclusion", "Male or female patients, of 18 to 55 years of age."),
        ("inclusion", "Signed consent."),
        ("exclusion", "Patient is pregnant or breastfeeding."),
    ]


def test_lines_without_markers_are_items():
    text = "Inclusion Criteria:\r\n\r\nHospitalized with COVID-19\r\nNew pulse oximetry saturation < 93%\r\n"
    assert [i.text for i in segment(normalize(text)).items] == [
        "Hospitalized with COVID-19", "New pulse oximetry saturation < 93%"]


def test_cohort_heading_label_is_item_context():
    text = ("Inclusion Criteria for Cohort A:\n- adults aged 18-65\nInclusion Criteria for Cohort B:\n"
            "- children aged 2-11\nExclusion Criteria:\n- pregnancy")
    items = segment(normalize(text)).items
    assert [(i.id, i.section, i.heading) for i in items] == [
        ("I1", "inclusion", ["Inclusion Criteria for Cohort A:"]),
        ("I2", "inclusion", ["Inclusion Criteria for Cohort B:"]),
        ("E1", "exclusion", []),
    ]


def test_cohort_subheading_under_section():
    text = "Inclusion Criteria:\nPart 1 (dose escalation):\n- ECOG 0-2\nPart 2:\n- ECOG 0-1"
    items = segment(normalize(text)).items
    assert [(i.heading, i.text) for i in items] == [(["Part 1 (dose escalation):"], "ECOG 0-2"),
                                                     (["Part 2:"], "ECOG 0-1")]


PDQ_PARAGRAPH = (
    "\n        PATIENT CHARACTERISTICS: Age: 18 and over Performance status: Karnofsky 60-100% Life\r\n"
    "        expectancy: Greater than 3 months Hematopoietic: Absolute neutrophil count at least\r\n"
    "        1,800/mm3 Platelet count at least 100,000/mm3\r\n\r\n"
    "        PRIOR CONCURRENT THERAPY: Biologic therapy: At least 4 weeks since prior biological therapy\r\n      "
)


def test_pdq_paragraph_splits_at_its_sub_headings_and_joins_hard_wraps():
    items = segment(normalize(PDQ_PARAGRAPH)).items
    assert [(i.heading, i.text) for i in items] == [
        (["PATIENT CHARACTERISTICS:", "Age:"], "Age: 18 and over"),
        (["PATIENT CHARACTERISTICS:", "Performance status:"], "Performance status: Karnofsky 60-100%"),
        (["PATIENT CHARACTERISTICS:", "Life expectancy:"], "Life expectancy: Greater than 3 months"),
        (["PATIENT CHARACTERISTICS:", "Hematopoietic:"],
         "Hematopoietic: Absolute neutrophil count at least 1,800/mm3 Platelet count at least 100,000/mm3"),
        (["PRIOR CONCURRENT THERAPY:", "Biologic therapy:"],
         "Biologic therapy: At least 4 weeks since prior biological therapy"),
    ]


def test_short_lines_of_equal_indent_stay_separate_items():
    text = "Inclusion Criteria:\n    Healthy volunteers\n    Able to swallow tablets\n"
    assert [i.text for i in segment(normalize(text)).items] == ["Healthy volunteers", "Able to swallow tablets"]


@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param("Inclusion and Exclusion Criteria:\n- Age >= 18\n- Pregnant",
                     [("unspecified", "Age >= 18"), ("unspecified", "Pregnant")], id="both-lists-named"),
        pytest.param("Inclusion Criteria:\n- Age >= 18\nPatients meeting any of the following criteria will be "
                     "excluded:\n- Pregnant", [("inclusion", "Age >= 18"), ("exclusion", "Pregnant")],
                     id="lead-in-that-excludes"),
        pytest.param("Inclusion Criteria:\n- adults\n- Exclusion criteria: pregnant",
                     [("inclusion", "adults"), ("exclusion", "pregnant")], id="heading-as-a-bullet"),
        pytest.param("Inclusion Criteria:#* Age 18 years or older#Exclusion Criteria:#* Pregnant",
                     [("inclusion", "Age 18 years or older"), ("exclusion", "Pregnant")], id="hash-then-bullet"),
        pytest.param("Non-inclusion criteria:\n- pregnant", [("exclusion", "pregnant")], id="non-inclusion"),
        pytest.param("Inclusion Criteria:\n(a)\n(b) adults", [("inclusion", "adults")], id="bare-marker-no-item"),
    ],
)
def test_section_edge_cases(text, expected):
    assert [(i.section, i.text) for i in segment(normalize(text)).items] == expected
