"""The fast paths of the hot functions give the same answers as the plain regular expressions they stand for
(the output must stay byte-identical; a full-corpus comparison is the real check, these catch drift)."""

import importlib
import json
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
extract = importlib.import_module("nlp.extract")

TRICKY = [
    "", "Men", "women and men", "None of the above", "a normal value", "abnormal limits", "ULN", "uln-based",
    "Child-Pugh class B", "childpugh", "child pugh", "stage IV", "stage  iiiv", "FC II", "asa c", "grade a.",
    "within the past year", "prior  a month", "past an week", "for the duration", "for  the duration of",
    "during their course", "while in", "on study", "on treatment", "on  study", "non-pregnant", "mENopausal",
    "birth-control", "birth \n control", "barrier  method", "limits of the normal", "limit of normal",
    "the gentlemen's", "boy_s", "twice_daily", "seventeen", "hundreds", "İstanbul women", "ſtage IV", "K", "é men",
    "new york heart association", "new  york heart", "throughout", "throughout_", "lactating", "HCG", "nyha",
    "Creatinine normal", "creatinine normal.", "normal for age", "abnormal", "within normal CCHMC limits",
    "outside of normal range", "outside the institutional range", "outside", "in the past half year",
    "within half a year", "within half an hour", "half-lives",
]


@lru_cache(maxsize=1)
def corpus_texts() -> list[str]:
    """The lines of the annotated records' criteria texts, and made-up ones."""
    out = []
    for path in sorted((ROOT / "annotated").glob("*/*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        out.extend(line.strip(" -*\t\r") for line in record["criteria"]["text"].splitlines() if line.strip())
    return out + TRICKY + [t.upper() for t in TRICKY]


def test_gate_parts_agree_with_the_gate():
    for text in corpus_texts():
        low = text.lower()
        fast = bool(extract._DIGIT.search(text)) or extract._gate(low)
        assert fast == (extract._GATE.search(low) is not None), text


def test_filler_groups_remove_what_the_plain_alternation_removes():
    import re

    logic = importlib.import_module("nlp.logic")
    plain = re.compile(r"\b(?:" + logic._FILLER_WORDS + r")\b", re.IGNORECASE)
    for text in corpus_texts() + ["e.g. i.e, eg ie etc", "an and anD a-an", "Randomisation/RANDOMIZATION ſerum"]:
        assert logic._FILLER.sub(" ", text) == plain.sub(" ", text), text


def test_may_hold_window_parts_agree_with_its_pattern():
    window = importlib.import_module("nlp.window")
    pattern = window._grammar()["may_hold"]
    extra = ["28 D", "28 d", "2-wk", "3 Hr", "reason study", "on  Study", "today", "Prior", "dayS", "ſtudy", "é 3 w"]
    for text in corpus_texts() + extra:
        assert window.may_hold_window(text) == (pattern.search(text) is not None), text


def test_tail_readers_agree_with_their_patterns():
    import random

    condition = importlib.import_module("nlp.condition")
    rng = random.Random(7)
    alphabet = "ab-Z ,\n\t\u00a0\u2003é'/.(1xy"
    texts = corpus_texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    for text in texts:
        m = condition._LAST_WORD.search(text)
        last = condition._last_word(text)
        assert (last[:2] if last else None) == ((m.start(), m.end(1)) if m else None), text
        if last:
            for pos in range(max(0, len(text) - 60), len(text) + 1):
                two = condition._LAST_TWO.search(text, pos)
                assert condition._last_two(text, last, pos) == \
                    ((two.start(), two.group(1), two.group(2)) if two else None), (text, pos)
        words = list(condition._TAIL_WORD.finditer(text))
        tail = words[-1].group() if words and not text[words[-1].end():].strip(" ,\t\n") else None
        assert condition._last_tail_word(text) == tail, text


def test_stem_filters_never_hide_a_match():
    import re

    logic = importlib.import_module("nlp.logic")
    contraception = importlib.import_module("nlp.contraception")
    dose = importlib.import_module("nlp.dose")
    cases = [(logic.EXCEPTION, logic._EXCEPTION_STEMS), (contraception._CUE, contraception._CUE_STEMS),
             (extract._NOT_COMPUTABLE, extract._NOT_COMPUTABLE_STEMS), (dose._EXPOSURE_GATE, dose._EXPOSURE_STEMS)]
    for pattern, stems in cases:
        # each alternative of the pattern, on its own, is matched by a text holding one of the stems
        for text in corpus_texts():
            if pattern.search(text):
                assert not text.isascii() or any(s in text.lower() for s in stems), (pattern.pattern[:40], text)
        for alt in re.split(r"\|(?![^(]*\))", pattern.pattern):
            assert any(s in alt.lower() for s in stems), alt
    for text in corpus_texts() + ["10 GY", "Ethanol", "2 packs a day", "COURSES", "1 Gy/fraction", "gray"]:
        assert dose.may_expose(text) == (dose._EXPOSURE_GATE.search(text) is not None), text


def test_trigger_letters_agree_with_the_triggers():
    negation = importlib.import_module("nlp.negation")
    assert negation._triggers_by_letter() is not None
    pattern = negation._triggers()
    extra = ["Non-smoker", "anon", "no_", "No", "xno", "(no)", "unwilling  to", "NOT", "1no", "snot"]
    for text in corpus_texts() + extra:
        assert negation._has_trigger(text) == (pattern.search(text) is not None), text


def test_words_without_underscores_are_the_words():
    condition = importlib.import_module("nlp.condition")
    for text in corpus_texts() + ["don't-stop 'quoted' a--b -x- x-'y' é-ü 1-2"]:
        text = text.replace("_", " ")
        assert [m.span() for m in condition._WORD_NO_UNDERSCORE.finditer(text)] == \
            [m.span() for m in condition._WORD.finditer(text)], text


def test_condition_prefilters_never_hide_a_match():
    import re

    condition = importlib.import_module("nlp.condition")
    s = condition._settings()
    # the patterns without their "$": a match that ends the text is one of these
    checks = [(s["permitted"], condition._PERMITTED_STEMS),
              (re.compile(s["negative_before"].pattern.rstrip("$"), re.IGNORECASE), condition._NEGATIVE_BEFORE_STEMS)]
    extra = ["may participate", "Is Acceptable", "not  excluded", "seroNEGATIVE for the", "non reactive to an",
             "nonreactive", "HIV sero-negative", "are eligible", "ALLOWED"]
    for text in corpus_texts() + extra:
        low = text.lower()
        for pattern, stems in checks:
            if pattern.search(text):
                assert not text.isascii() or any(stem in low for stem in stems), (pattern.pattern[:40], text)
        if condition._about_relatives(text, s):
            assert any(w in low for w in s["family_words"]) or any(p in low for p in s["family_phrases"]), text


def test_join_check_never_hides_a_join():
    import random

    condition = importlib.import_module("nlp.condition")
    rng = random.Random(11)
    pieces = ["or", "and", "and/or", ",", "/", " ", "\n", "\u00a0", "Or", "x", "cardiac", "type 1", "-", "(", "e"]
    texts = corpus_texts() + ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for text in texts:
        for pos in range(len(text) + 1):
            if not condition._ends_with_join(text, pos):
                lo = max(0, pos - 40)
                assert not condition._BEFORE_JOIN.search(text, lo, pos), (text, pos)
                assert not condition._BEFORE_JOIN_TWO.search(text, lo, pos), (text, pos)


def test_rule_subsets_find_what_all_the_rules_find():
    from nlp.gate import REQUIRES
    from nlp.pipeline import load

    nlp = load()
    components = [proc for _, proc in nlp.pipeline if hasattr(proc, "needs")]
    assert {c.kind for c in components} == {"age", "measurement", "dose", "pregnancy", "sex"}
    headings = [[], ["Age:"], ["PATIENT CHARACTERISTICS:", "Hepatic:"], ["Bilirubin:"], ["Performance status:"]]
    for n, text in enumerate(corpus_texts()):
        doc = nlp.make_doc(text)
        for name in ("eligex_lexicon", "eligex_atoms"):
            doc = nlp.get_pipe(name)(doc)
        doc._.eligex_context = {"section": "inclusion", "heading": headings[n % len(headings)]}
        labels = {span.label_ for span in doc.ents}
        for component in components:
            # every match of the rules whose context the doc has: what the subset's Matcher must find
            expected = sorted(m for m in component.matcher(doc)
                              if (req := component.rules[nlp.vocab.strings[m[0]]].requires) not in REQUIRES
                              or REQUIRES[req](doc._.eligex_context, labels))
            for _ in range(3):  # a subset gets its own Matcher when seen again
                assert sorted(component._raw_matches(doc)) == expected, (component.kind, text)


def test_lines_break_where_the_plain_scan_breaks():
    sections = importlib.import_module("nlp.sections")

    def plain(text: str) -> list[tuple[int, int]]:  # every line scanned for a mid-line heading
        spans, pos = [], 0
        while True:
            nl = text.find("\n", pos)
            stop = len(text) if nl < 0 else nl
            line_start = pos
            for m in sections._HEADING_MIDLINE.finditer(text, pos, stop):
                before = text[line_start:m.start()].strip()
                if not (sections._MARKER.fullmatch(before + " ") or not before):
                    spans.append((line_start, m.start()))
                    line_start = m.end()
            spans.append((line_start, stop))
            if nl < 0:
                return spans
            pos = nl + 1

    texts = [json.loads(path.read_text(encoding="utf-8"))["criteria"]["text"]
             for path in sorted((ROOT / "annotated").glob("*/*.json"))]
    extra = ["Adults. Inclusion Criteria: age 18", "x  KEY EXCLUSION CRITERIA: y\nz Exclusion criteria:",
             "- Exclusion Criteria: none", "a and Inclusion Criteria:", "Inclusion\tcriteria :", "INCLUSION"]
    for text in texts + extra + corpus_texts():
        assert sections._lines(text, 0, len(text)) == plain(text), text

