"""What an item says about its constraints as a whole: exceptions, all-of / any-of logic and status.

Pure functions over an item's text and the constraints found in it (plain dicts with offsets into that
text), so they run without spaCy.

>>> parts = [{"role": "variable", "start": 0, "end": 3}, {"role": "variable", "start": 7, "end": 10}]
>>> found = [{"kind": "measurement", "start": 0, "end": 20, "variable": {"text": "ALT"}, "parts": parts},
...          {"kind": "measurement", "start": 0, "end": 20, "variable": {"text": "AST"}, "parts": parts}]
>>> item_logic("ALT or AST >= 2x ULN", found)
'any_of'
"""

from __future__ import annotations

import re

from .textmap import may_hold_stem

# "unless surgically sterilized", "with the exception of adequately treated cervical carcinoma in situ"
EXCEPTION = re.compile(
    r"\b(?:unless|except(?:\s+(?:for|in|if|when|where|that))?|excepting|with\s+the\s+exceptions?\s+of|"
    r"other\s+than|excluding|apart\s+from|aside\s+from|save\s+for|but\s+not(?!\s+limited\b)|"
    r"(?<!but\s)not\s+including|"
    r"exceptions?\s+(?:are|is|include[sd]?|being)|excepted\s+are)\b",
    re.IGNORECASE,
)
# every cue of EXCEPTION holds one of these (in an ASCII text, its lower case does)
_EXCEPTION_STEMS = ("unless", "except", "other", "excluding", "apart", "aside", "save", "but", "including")
_LIST_GOES_ON = re.compile(r",\s*(?:or|and)\s+(?!other\b)", re.IGNORECASE)
_PERIOD = re.compile(r"\s+(?:during|throughout|while\s+on|for\s+the\s+duration)\b", re.IGNORECASE)
_SUBJECT_ROLES = ("event", "variable", "drug", "method", "condition", "subject")
_OR = re.compile(r"\b(?:or|either|nor)\b|\band/or\b", re.IGNORECASE)
# "man or woman", "males or females", "male and female": who may take part, not an alternative
_EITHER_SEX = re.compile(r"\b(?:wom[ae]n|m[ae]n|(?:fe)?males?|boys?|girls?)\s+(?:and/or|or|and)\s+"
                         r"(?:wom[ae]n|m[ae]n|(?:fe)?males?|boys?|girls?)\b", re.IGNORECASE)
# a comma only lists: "MI, stroke or ACS" takes the list's last conjunction
_AND = re.compile(r"\b(?:and|plus|with|as well as)\b|;", re.IGNORECASE)
# words that carry no criterion of their own: what is left of an item once its constraints are read
_FILLER_WORDS = (
    r"a|an|the|of|or|and|with|for|to|in|on|at|by|be|is|are|was|were|has|have|had|must|should|will|"
    r"who|which|that|patients?|subjects?|participants?|women|men|female|male|history|any|all|other|known|"
    r"prior|previous|current|documented|evidence|level|levels|value|values|serum|plasma|blood|count|"
    r"defined|as|following|if|e\.?g|i\.?e|etc|least|more|less|than|no|not|within|before|after|during|"
    r"since|age|aged|years?|old|adequate|function|organ|hepatic|renal|laboratory|lab|labs|test|tests|"
    r"criteria|inclusion|exclusion|screening|study|trial|entry|enrollment|enrolment|randomi[sz]ation|"
    r"required|requirements?|normal|limits?|upper|lower|range|ratio|measured|calculated|per|mg|dl|ml|min|"
    r"g|l|kg|m2|uln|lln|times|x|or|equal|greater|higher|lower|above|below|over|under|up|days?|weeks?|"
    r"months?|hours?|is|being|confirmed|by|using|formula|method|use|used|using|effective|contraception"
)


def _by_first_letter(alternatives: str) -> str:
    """``a|an|the|of`` as ``a(?:|n)|the|of``: the alternatives grouped by their first letter, in their order
    within a group. No character matches two first letters (in any case), so a match is the one the plain
    alternation finds, and a word start is tried against one group instead of every word."""
    groups: dict[str, list[str]] = {}
    for alt in alternatives.split("|"):
        assert alt[:1].isalpha() and alt[:1].isascii(), alt
        groups.setdefault(alt[0].lower(), []).append(alt[1:])
    return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())


_FILLER = re.compile(r"\b(?:" + _by_first_letter(_FILLER_WORDS) + r")\b", re.IGNORECASE)


def exception_spans(text: str, stops: list[int] = ()) -> list[tuple[re.Match, int]]:
    """Each exception of ``text``: its cue and where it ends (a ";", a sentence end, a line break, a list
    going on with ", or"/", and", or a study period: "unless surgically sterilized or postmenopausal during
    the study" ends before "during"), or one of ``stops`` (where a window of the item's own starts).

    >>> [(m.group(), e) for m, e in exception_spans("Chemotherapy within 4 weeks, other than hydroxyurea")]
    [('other than', 51)]
    """
    out = []
    if not may_hold_stem(text, _EXCEPTION_STEMS):
        return out  # no cue can match (most items)
    for m in EXCEPTION.finditer(text):
        stop = len(text)
        for ch in (";", ". ", "\n"):
            i = text.find(ch, m.end())
            if i >= 0:
                stop = min(stop, i)
        more = _LIST_GOES_ON.search(text, m.end(), stop)
        if more:
            stop = more.start()
        # "(except finasteride for obstructive voiding symptoms) ..." ends with its parenthesis
        if text.rfind("(", 0, m.start()) > text.rfind(")", 0, m.start()):
            close = text.find(")", m.end(), stop)
            stop = close if close >= 0 else stop
        # "except for a maximum of 8 days during the last year prior to screening": the recency is the item's
        stop = min([stop] + [p for p in stops if m.end() < p < stop])
        period = _PERIOD.search(text, m.end(), stop)
        if period:
            stop = period.start()
        end = stop
        while end > m.end() and text[end - 1] in " ,;:.(":
            end -= 1
        if end - m.end() >= 3:
            out.append((m, end))
    return out


def exceptions(text: str, found: list[dict]) -> list[tuple[int, int, int]]:
    """(constraint index, start, end) for each exception in ``text``: it lifts the nearest constraint that
    starts before it ("malignancy within 5 years, except adequately treated basal cell carcinoma"). An
    "unless" before every constraint ("may not participate unless they use contraception") is the
    condition the requirement is stated under, not an exception."""
    out = []
    if not may_hold_stem(text, _EXCEPTION_STEMS):
        return out  # no cue (most items): the stops below are not needed
    stops = [w["start"] for f in found for w in (f.get("phrase"), f.get("window")) if isinstance(w, dict)
             and (w.get("window") or {}).get("direction") == "before"]
    for cue, end in exception_spans(text, stops):
        # the exception ends where the next constraint's own words start (a diagnosis after the cue may be
        # one the exception names: "except basal cell carcinoma of the skin, or carcinoma in situ")
        later = [f["start"] for f in found if f["start"] > cue.end() and f["kind"] != "condition"]
        if later and min(later) < end:
            end = min(later)
            while end > cue.end() and text[end - 1] in " ,;:.(":
                end -= 1
            if end - cue.end() < 3:
                continue
        m = cue
        before = [k for k, f in enumerate(found) if f["start"] < m.start()]
        if not before:
            # "may not participate unless they agree to use contraception" states the requirement itself
            continue
        # the nearest constraint; a diagnosis only when no other kind stands before it in its clause
        # ("Reliable contraception, history of infertility, unless due to hysterectomy")
        clause = max(text.rfind(";", 0, m.start()), text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start()))
        others = [k for k in before if found[k]["kind"] != "condition" and found[k]["start"] > clause]
        target = max(others or before, key=lambda k: (found[k]["start"], k))
        # every constraint sharing that evidence (a list of events) is lifted by it
        targets = [k for k, f in enumerate(found) if f["start"] < m.start() and
                   (f["end"], f.get("rule")) == (found[target]["end"], found[target].get("rule"))]
        # and every constraint on the same words: a condition and the window it is the event of
        own = [subject(text, found[k]) for k in targets]
        targets += [k for k, f in enumerate(found) if k not in targets and f["start"] < m.start() and
                    any(a < e and s < b for a, b in own for s, e in [subject(text, f)])]
        for k in targets:
            out.append((k, m.start(), end))
    return out


def subject(text: str, f: dict) -> tuple[int, int]:
    """The span naming what a constraint is about; of several variables ("ALT or AST >= 2x ULN"), its own."""
    own = (f.get("variable") or {}).get("text") if isinstance(f.get("variable"), dict) else None
    for role in _SUBJECT_ROLES:
        spans = [(p["start"], p["end"]) for p in f.get("parts", []) if p["role"] == role]
        if spans:
            mine = [sp for sp in spans if own and text[sp[0]:sp[1]] == own]
            return (mine or spans)[0]
    return f["start"], f["end"]


def item_logic(text: str, found: list[dict], section: str | None = None) -> str | None:
    """``any_of`` when the item joins its constraints with "or" ("ALT or AST >= 2x ULN", "MI, stroke or
    ACS within 30 days"), ``all_of`` otherwise; ``None`` for fewer than two constraints. In an exclusion,
    a list with a diagnosis in it excludes by each member even when joined by "and" ("Pregnant women and
    patients with epilepsy", "History of myocardial infarction, unstable angina, and stroke")."""
    main = [f for f in found if not f.get("alternative")]
    if len(main) < 2:
        return None
    # each subject with the end of its constraint's words: "NYHA class III or IV heart failure" is one
    # statement on two subjects; the "or" inside the class range joins nothing
    ends: dict[tuple[int, int], int] = {}
    kinds: dict[tuple[int, int], set] = {}
    for f in main:
        sub = subject(text, f)
        ends[sub] = max(ends.get(sub, sub[1]), f["end"])
        kinds.setdefault(sub, set()).add(f["kind"])
    subjects = sorted(ends)
    or_votes = and_votes = 0
    for (s1, e1), (s2, e2) in zip(subjects, subjects[1:]):
        if s2 < e1:
            continue
        gap = ends[(s1, e1)] if ends[(s1, e1)] <= s2 else e1
        between = text[gap:s2].strip()
        # "rheumatoid arthritis, man or woman aged 18 to 70": the "or" of "man or woman" joins no constraints
        between = _EITHER_SEX.sub(" ", between)
        if between == "/" or _OR.search(between):
            or_votes += 1
        elif _AND.search(between):
            if section == "exclusion" and "condition" in kinds[(s1, e1)] | kinds[(s2, e2)]:
                or_votes += 1  # a list of exclusions: each excludes
            else:
                and_votes += 1
    return "any_of" if or_votes and not and_votes else "all_of"


def residual_words(text: str, found: list[dict]) -> list[str]:
    """The words of an item that no constraint and no filler accounts for."""
    spans = sorted([(f["start"], f["end"]) for f in found] + [(p["start"], p["end"]) for f in found
                                                                for p in f.get("parts", ())])
    pieces, pos = [], 0
    for a, b in spans:
        if a > pos:
            pieces.append(text[pos:a])
        if b > pos:
            pieces.append(" " * (b - max(a, pos)))
            pos = b
    pieces.append(text[pos:])
    rest = _FILLER.sub(" ", "".join(pieces))
    return [w for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", rest)]
