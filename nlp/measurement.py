"""Turn a threshold match into measurement constraints: which variables, which bounds, unit, reference.

A match (``patterns/rules.measurement.jsonl``) covers the variables and the numbers with their comparators;
what follows the last number is read from the text (``units.py``): the unit, a multiple of a limit of
normal ("2x ULN", "3 times the normal value"), a postfix comparator ("1,500/mm3 or more"), the method
("calculated by Cockcroft-Gault formula"). Ordered categories ("NYHA class III and class IV", "Child-Pugh
B/C (7-12 points)") are read from their labels. One constraint per variable: "ALT or AST >= 2x ULN" gives
ALT and AST with the same evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span

from .bounds import OPS, interval
from .context import comparator_start, negated_before
from .extensions import doc_text
from .numbers import parse_number
from .rules import MatcherRule, _load_jsonl, lexicon_norms
from .units import conversion_factor, method_at, postfix_comparator_at, reference_at, unit_at


@dataclass(frozen=True)
class Variable:
    """A catalogue entry of ``patterns/variables.jsonl``."""

    id: str
    name: str
    kind: str
    aliases: list
    unit: str | None
    range: list | None
    code: dict | None
    scale: dict | None
    example: str
    expands: list | None = None  # a group name that states each member ("transaminases" → ALT, AST)
    molar_mass: float | None = None  # g/mol: mass and substance concentrations convert ("mg/dL" ↔ "umol/L")
    valence: int | None = None  # charge of an ion: milliequivalents convert to millimoles
    broader: str | None = None  # the analyte this is a specimen or assay of (fasting glucose → glucose)


@lru_cache(maxsize=1)
def variables() -> dict[str, Variable]:
    return {v.id: v for v in _load_jsonl("variables.jsonl", Variable)}


_NEGATION = {"no", "not", "without", "absence", "absent", "free", "never", "non"}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
_LABEL = r"(?:IV|V|I{1,3}|[A-C]\b|[0-5]\b)"
_CLASS_LABELS = re.compile(
    r"[\s,:(]*(?:(?:of|level|functional)\s+)*(?:(?i:class(?:es)?|stage|grade|score|category))?\s*"
    rf"(?P<a>{_LABEL})"
    rf"(?:\s*(?:/|-|to|or|and|and/or|through|,)\s*(?:(?i:class|stage|grade)\s*)?(?P<b>{_LABEL}))?"
    # "0, 1 or 2", "0, 1, or 2": a list that ends with "or"/"and"
    rf"(?P<more>(?:\s*,\s*{_LABEL}(?!\s*-))*\s*,?\s*(?:or|and)\s+{_LABEL})?",
)
_ALTERNATIVE = re.compile(
    r"\s*[(\[,;]\s*(?:or\s+)?\\?(?P<op><=|>=|=<|=>|<|>|\u2264|\u2265)\s*(?P<num>\d+(?:\.\d+)?)\s*(?:(?:x|times)?\s*(?:the\s+)?"
    r"(?P<ref>ULN|LLN|upper\s+limit\s+of\s+normal)|(?P<unit>(?:[xX\u00d7]\s*)?10\s*(?:\^|\*|e)?\s*\d{1,2}\s*/\s*[A-Za-z\u00b5\u03bc]+|"
    r"[A-Za-z\u00b5\u03bc%][A-Za-z\u00b5\u03bc%^0-9*]*(?:\s*/\s*[A-Za-z0-9^*]+)?))?"
    r"\s*(?:if|for|in|with|when)\s+(?:patients\s+with\s+|there\s+(?:is|are)\s+)?"
    r"(?P<cond>[^)\];]{3,80}?)\s*[)\];]",
    re.IGNORECASE,
)
_ALT_OPS = {"=<": "<=", "=>": ">=", "\u2264": "<=", "\u2265": ">="}
_PAIR = re.compile(r"(\d{2,3}|6)/(\d{2,3})")  # "140/90"; a metric Snellen "6/12"
_BP_IDS = {"blood_pressure", "systolic_bp", "diastolic_bp"}
_LOSS = re.compile(r"\b(?:loss|lost|lose|losing|decrease|reduction)\b", re.IGNORECASE)
_PER_CELLS = re.compile(r"\s*(?:cells?\s*)?/")
_BP_SIDE = re.compile(r"\s*(systolic|diastolic)\b(?!\s*(?:and|or|/)\s*(?:systolic|diastolic))", re.IGNORECASE)
_PREDICTED = re.compile(r"\s*(?:of\s+)?(?:the\s+)?(?P<ref>(?:%\s*)?predicted(?:\s+(?:normal|value))?|pred(?:icted)?\.?|"
                        r"(?:age[- ]adjusted|age[- ]predicted|predicted)\s+normal(?:\s+value)?)\b", re.IGNORECASE)
# "blood glucose levels at least 3 times per day", "hypoglycaemia (more than 1 episode per month)": a count of
# times or events, not a value
_TIMES_PER = re.compile(r"\s*(?:or\s+(?:more|less|fewer|greater|higher)\s+|\+\s*)?"
                        r"(?:times\s+(?:per|a|an|each|every|daily|weekly|monthly)\b|"
                        r"(?:episodes?|events?|attacks?|occurrences?|admissions?|hospitali[sz]ations?|readings?|"
                        r"measurements?|values?|determinations?|occasions?)\b)",
                        re.IGNORECASE)
# "> 135 mmHg systolic and/or 85 mm Hg diastolic": the other side, under the same comparator
_BP_OTHER = re.compile(r"\s*(?:and/or|or|and|,)\s*(?P<num>\d{2,3})\s*(?P<unit>mm\s*Hg)?\s*(?P<side>systolic|diastolic)\b",
                       re.IGNORECASE)
_POINTS = re.compile(r"\s*\(?\s*(?P<a>\d+)\s*(?:-|to)\s*(?P<b>\d+)\s*points?\s*\)?", re.IGNORECASE)


def _atoms(span: Span) -> dict[int, Span]:
    return {a.start: a for a in (span.doc._.eligex_atoms or []) if span.start <= a.start < span.end}


_LIST_JOINERS = {"or", "and", "and/or", ",", "/", "&"}


def _variables_before(span: Span) -> list[Span]:
    """The variables joined to the list a match starts with, before it: "total bilirubin or [ALT or AST ...]"."""
    doc = span.doc
    ends = {a.end: a for a in (doc._.eligex_atoms or []) if a.label_ == "VAR"}
    out: list[Span] = []
    i = span.start
    while i >= 2:
        j = i
        while j > 0 and (doc[j - 1].lower_ in _LIST_JOINERS or doc[j - 1].text == ")"):
            j -= 1
        atom = ends.get(j)
        if j == i or atom is None:
            break
        out.insert(0, atom)
        i = atom.start
        if i > 0 and doc[i - 1].text == "(" and i - 1 in ends:
            # "..., hemoglobin (Hgb), platelets": the name before its bracketed abbreviation
            out.insert(0, ends[i - 1])
            i = ends[i - 1].start
    return out


def _read_numbers(span: Span) -> tuple[list[dict], list[Span], list[dict]]:
    """Variables (atoms), numbers with their comparators, and the parts, in text order."""
    norms = lexicon_norms()
    atoms = _atoms(span)
    variables_found: list[Span] = []
    values: list[dict] = []
    parts: list[dict] = []
    pending = None
    i = span.start
    doc = span.doc
    while i < span.end:
        atom = atoms.get(i)
        if atom is not None:
            if atom.label_ == "VAR":
                variables_found.append(atom)
                parts.append({"role": "variable", "start": atom.start_char, "end": atom.end_char})
            elif atom.label_ in ("CMP_PRE", "CMP_AGE_PRE"):
                pending = norms.get(atom.id_)
                parts.append({"role": "comparator", "start": comparator_start(atom), "end": atom.end_char})
            elif atom.label_ in ("CMP_POST", "CMP_AGE_POST") and values:
                values[-1]["op"] = norms.get(atom.id_)
                parts.append({"role": "comparator", "start": atom.start_char, "end": atom.end_char})
            i = atom.end
            continue
        token = doc[i]
        if token.text == "(" and i + 1 < span.end and doc[i + 1].lower_ == "range":
            # "UAS7 score (range 0-42) >= 16": the scale's range is not a bound
            close = next((k for k in range(i + 2, min(span.end, i + 12)) if doc[k].text == ")"), None)
            i = close + 1 if close is not None else span.end
            continue
        if token.text == "=" and pending is None and i + 1 < span.end and doc[i + 1].like_num:
            pending = "="  # "QTc = 450 ms": the value itself
            parts.append({"role": "comparator", "start": token.idx, "end": token.idx + 1})
            i += 1
            continue
        pair = _PAIR.fullmatch(token.text)
        if pair:  # "140/90": a systolic/diastolic pair
            values.append({"value": int(pair.group(1)), "text": token.text, "start": token.idx,
                           "end": token.idx + len(token.text), "op": pending, "token_end": i + 1,
                           "pair": int(pair.group(2))})
            parts.append({"role": "value", "start": token.idx, "end": token.idx + len(token.text)})
            pending = None
            i += 1
            continue
        if token.like_num:
            text, end_i = token.text, i + 1
            # "100 000/mm3": a thousands group written with a space
            while (end_i < len(doc) and re.fullmatch(r"\d{1,3}(?: \d{3})*", text)
                   and re.fullmatch(r"\d{3}", doc[end_i].text) and doc[end_i - 1].whitespace_ == " "):
                text = text + " " + doc[end_i].text
                end_i += 1
            value = parse_number(text)
            negative = _NEGATIVE.fullmatch(text) if value is None and not values else None
            if negative and (pending is not None or doc[i - 1].lower_ in ("of", "is", "be", ":", "=")):
                value = -parse_number(negative.group(1))  # "T-score <= -2.5": a value below zero
            ordinal = _ORDINAL.fullmatch(text) if value is None else None
            if ordinal:
                value = int(ordinal.group(1))  # "95th percentile": read only before "percentile" (build)
            out_of = _OUT_OF.fullmatch(text) if value is None else None
            if out_of:  # "pain intensity of > 4/10": a score out of its scale's maximum
                value = float(out_of.group(1)) if "." in out_of.group(1) else int(out_of.group(1))
            if value is not None:
                start = token.idx
                end = doc[end_i - 1].idx + len(doc[end_i - 1].text)
                values.append({"value": value, "text": text, "start": start, "end": end, "op": pending,
                               "token_end": end_i})
                if out_of:
                    values[-1]["out_of"] = int(out_of.group(2))
                if ordinal:
                    values[-1]["ordinal"] = True
                parts.append({"role": "value", "start": start, "end": end})
                pending = None
            i = end_i
            continue
        i += 1
    return values, variables_found, parts


def _negated(span: Span, first_var: Span) -> bool:
    """"No NYHA class III or IV", "without ANC < 1000": a negation word before the variable, in its clause."""
    return negated_before(span.doc, first_var.start, _NEGATION, 5, skip_atoms=True)


def _variable_ids(found: list[Span]) -> list[tuple[str, Span]]:
    """Each variable once, in text order; a group name ("transaminases") gives each of its members."""
    catalogue = variables()
    seen: dict[str, Span] = {}
    for n, atom in enumerate(found):
        vid = _atom_variable(atom)
        following = found[n + 1] if n + 1 < len(found) else None
        if following is not None and following.start == atom.end + 1 and (
                _in_parentheses(following) or _opens_statement(following)) and \
                following.id_ != atom.id_ and not _abbreviates(following, atom) and \
                not _broader(_atom_variable(following), vid):
            # "Acute Physiology and Chronic Health Evaluation (APACHE IV)": the name in brackets says which,
            # unless it is the broader name ("Systolic blood pressure (BP)" stays systolic) or only the
            # initials of the name before it ("Lansky performance status (PS)", "Crohn's Disease Activity
            # Index (CDAI)"), which another variable may share
            continue
        previous = found[n - 1] if n else None
        if previous is not None and atom.start == previous.end + 1 and _in_parentheses(atom) and \
                (_broader(vid, _atom_variable(previous))
                 or _abbreviates(atom, previous)):
            continue  # "Systolic blood pressure (BP)", "Lansky performance status (PS)": the bracket abbreviates
        var = catalogue.get(vid)
        for member in (var.expands if var is not None and var.expands else [vid]):
            # said twice ("Anemia (hemoglobin < 10 g/dL)"): the mention nearest the value is the variable,
            # unless the second is the first's abbreviation ("Creatinine clearance rate (Ccr) < 45")
            if member not in seen or not _in_parentheses(atom):
                seen[member] = atom
    return list(seen.items())


def _atom_variable(atom: Span) -> str:
    """The catalogue id of a VAR atom (its lexicon rule id is ``var.<id>``)."""
    return atom.id_[4:] if atom.id_.startswith("var.") else atom.id_


def _broader(candidate: str, vid: str) -> bool:
    """Whether ``candidate`` is ``vid``'s broader variable (``broader`` in the catalogue), at any remove."""
    catalogue = variables()
    seen = set()
    while vid in catalogue and vid not in seen:
        seen.add(vid)
        vid = catalogue[vid].broader
        if vid == candidate:
            return True
    return False


def _ratio(var_ids: list[tuple[str, Span]], text: str) -> list[tuple[str, Span]]:
    """"Arterial oxygen partial pressure (PaO2)/ fraction of inspired oxygen (FiO2) < 300mmHg": two variables
    joined by a slash (their abbreviations in brackets aside) name their ratio, when the catalogue has it."""
    if len(var_ids) != 2 or any(atom is None for _, atom in var_ids):
        return var_ids
    (a, first), (b, second) = var_ids
    ratio = f"{a}/{b}"
    if ratio not in variables() or first.end_char > second.start_char:
        return var_ids
    between = re.sub(r"\([^()]*\)", "", text[first.end_char:second.start_char])
    return [(ratio, first)] if between.strip() == "/" else var_ids


_MINOR_WORDS = {"and", "of", "the", "&", "for", "in", "with"}


def _abbreviates(short: Span, name: Span) -> bool:
    """Whether ``short`` is the initials of ``name`` or of its last words ("PS" of "Lansky performance
    status", "CDAI" of "Crohn's Disease Activity Index")."""
    letters = "".join(ch for ch in short.text.upper() if ch.isalnum())
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?", name.text.upper())
                       if w.lower() not in _MINOR_WORDS)
    return len(letters) >= 2 and initials.endswith(letters)


def _opens_statement(atom: Span) -> bool:
    """"Uncontrolled hypertension (SBP > 180 and/or DBP > 110 mmHg)": a bracket opens with the variable that
    holds the threshold."""
    doc = atom.doc
    return (atom.start > 0 and doc[atom.start - 1].text in ("(", "[") and atom.end < len(doc)
            and doc[atom.end].ent_type_ in ("CMP_PRE", "CMP_AGE_PRE"))


def _in_parentheses(atom: Span) -> bool:
    doc = atom.doc
    return (atom.start > 0 and doc[atom.start - 1].text in ("(", "[") and atom.end < len(doc)
            and doc[atom.end].text[:1] in (")", "]"))


def build(span: Span, rule: MatcherRule, context: dict) -> list[dict]:
    """The measurement constraints a match states (one per variable), as plain dicts; ``[]`` if none."""
    doc = span.doc
    text = doc_text(doc)
    if rule.id.startswith("meas.value_first") and _variable_before(span):
        return []  # "WBC at least 3,000/mm3 Absolute neutrophil count ...": the value is WBC's
    if rule.id.startswith("meas.value_first") and _joined_before_variable(span):
        return []  # "Cr <= 1.25 x ULN or creatinine clearance > 60 ml/min": the value is not the next variable's
    if rule.id == "meas.value_first_range" and (
            span.start > 0 and doc[span.start - 1].lower_ in ("the", "a", "an", "(", "[")
            or span.end < len(doc) and doc[span.end].lower_ in ("scale", "range", "points", "point")):
        return []  # "on the 0-4 IGA scale", "(0-10 VAS)": the scale's range, not a bound
    if _dangling_variable(span):
        return []  # "... 100 mmHg diastolic and/or >= 160 mmHg systolic": the variable ends the previous threshold
    values, var_atoms, parts = _read_numbers(span)
    if rule.id == "meas.cmp_aside":
        # "creatinine clearance (Cockroft & Gault formula) > 60 mL/min": an aside, naming no variable
        close = max(k for k in range(span.start, span.end) if doc[k].text == ")")
        opened = max(k for k in range(span.start, close) if doc[k].text == "(")
        a, b = doc[opened].idx, doc[close].idx + 1
        if any(a <= v.start_char < b for v in var_atoms):
            return []  # "Liver function tests (SGOT, Alk. Phosph., and T. Bili) < 1.5 x ULN": a list (meas.cmp)
    if var_atoms and var_atoms[0].start == span.start and rule.id in ("meas.cmp", "meas.ref_only", "meas.range",
                                                                      "meas.normal"):
        # "total bilirubin or ALT or AST or ALP or γGT > ULN": a list longer than the pattern's slots
        earlier = _variables_before(span)
        var_atoms = earlier + var_atoms
        parts = [{"role": "variable", "start": a.start_char, "end": a.end_char} for a in earlier] + parts
    if rule.id.startswith("meas.value_first") and any(v["text"].isalpha() for v in values):
        return []  # "at least one weight loss episode": a count, not a value of the variable
    var_ids = _ratio(_variable_ids(var_atoms), text)
    catalogue = variables()
    for v in values:
        if v.get("pair") == 100 and var_ids and all(vid in catalogue and catalogue[vid].range == [0, 100]
                                                     for vid, _ in var_ids):
            v["out_of"] = v.pop("pair")  # "VAS >= 40/100": not a pair of pressures
    if any("out_of" in v for v in values) and not (var_ids and all(
            vid in catalogue and catalogue[vid].range and catalogue[vid].range[1] == v["out_of"]
            for vid, _ in var_ids for v in values if "out_of" in v)):
        return []  # "4/10" is a score out of 10 only on a scale of 0-10
    if rule.id.startswith("meas.value_first") and any(t.ent_type_ == "AGE_UNIT" for t in span):
        # "> 37 weeks gestational age": a duration first is only a value of a variable counted in time
        var_ids = [(v, a) for v, a in var_ids if v in catalogue and catalogue[v].unit in _DURATIONS]
    condition = None
    if not var_ids:
        # the rule names the variable ("grade >= 2 neuropathy"), or the heading does (PDQ "Life expectancy:")
        vid = rule.variable or (_heading_variable(context) if rule.requires == "variable_heading" else None)
        var_ids = _previous_variables(span) if rule.requires == "previous_variable" else [(vid, None)]
        var_ids = [(v, a) for v, a in var_ids if v is not None and v in catalogue]
        if not var_ids:
            return []
        if rule.variable:
            if rule.id in ("meas.grade_range", "meas.grade_post_cmp") and _other_grading(span):
                return []
            condition = _grade_condition(span)
    end = span.end_char
    unit = reference = method = scale = None

    if rule.id == "meas.class_heart_failure" and span.start > 0 and (
            doc[span.start - 1].ent_type_ == "VAR" or doc[span.start - 1].is_upper or doc[span.start - 1].lower_ in (
                "killip", "functional", "ccs", "who", "ckd", "asa")):
        return []  # "NYHA class III ...", "WHO class II heart failure": the scale is named before
    if rule.id.startswith("meas.class"):
        return _categories(span, rule, var_ids, parts, context)
    if rule.id == "meas.normal_bare" and not _BARE_NORMAL_END.match(text, span.end_char) and not (
            span.end + 1 < len(span.doc) and span.doc[span.end].lower_ in ("or", "and")
            and span.doc[span.end + 1].ent_type_ == "VAR"):
        # "Creatinine normal" ends its statement, or another variable's follows ("Creatinine normal OR
        # creatinine clearance >= 55 mL/min"); "creatinine normal or ..." goes on
        return []
    if rule.id in ("meas.ref_only", "meas.normal", "meas.normal_bare", "meas.ref_words"):
        return _reference_only(span, rule, var_ids, var_atoms, parts)

    if not values or len(values) > 2 or _TIMES_PER.match(text, values[-1]["end"]):
        return []
    if _SD_UNITS.match(text, values[-1]["end"]) and not any(vid in ("T-score", "Z-score") for vid, _ in var_ids):
        return []  # "BMD >= 1.5 standard deviations below": a distance from the mean, not the variable's value
    # what the text says after each number: its unit, or a multiple of a limit of normal
    for v in values:
        pos = v["end"]
        ref = reference_at(text, pos, multiple=v["text"].lower() in ("twice", "thrice", "double"))
        if ref is not None:
            v["reference"] = ref
            if ref.get("op") and v["op"] is None:
                v["op"] = ref["op"]  # "ALT 5 times greater than upper normal limit"
            continue
        u = unit_at(text, pos)
        if u is not None and (not u.get("variables") or any(vid in u["variables"] for vid, _ in var_ids)):
            v["unit"] = u
    last = values[-1]
    after = last["end"]
    if last.get("reference"):
        reference = last["reference"]
        after = reference["end"]
    elif last.get("unit"):
        unit = last["unit"]
        after = unit["end"]
        predicted = _PREDICTED.match(text, after) if unit["code"] == "%" else None
        if predicted:  # "FEV1 >= 70% of predicted"
            reference = {"type": "predicted", "start": predicted.start("ref"), "end": predicted.end(),
                         "text": predicted.group("ref")}
            after = predicted.end()
    elif values[0].get("unit") and len(values) == 2:
        unit = values[0]["unit"]
    elif values[0].get("reference") and len(values) == 2:
        reference = values[0]["reference"]
    percentile = _PERCENTILE.match(text, values[-1]["end"])
    if percentile is not None:
        # "BMI >5th and <95th percentiles": the variable's percentile for age, not its value
        var_ids = [(_PERCENTILE_OF[vid], atom) for vid, atom in var_ids if vid in _PERCENTILE_OF]
        if not var_ids:
            return []
        unit = {"code": "percentile", "text": percentile.group().strip(), "start": percentile.start() + len(
            percentile.group()) - len(percentile.group().lstrip()), "end": percentile.end()}
        after = percentile.end()
        reference = None
    elif any(v.get("ordinal") for v in values):
        return []  # "2nd line", "3rd trimester": an ordinal is no value
    side = _BP_SIDE.match(text, after)
    other_side = None
    if side and [vid for vid, _ in var_ids] == ["blood_pressure"]:  # "hypertension >= 100 mmHg diastolic"
        var_ids = [(side.group(1).lower() + "_bp", var_ids[0][1])]
        after = side.end()
        other_side = _BP_OTHER.match(text, after)
        if other_side is not None and (other_side.group("side").lower() == side.group(1).lower() or len(values) != 1):
            other_side = None
    post = postfix_comparator_at(text, after)
    if post is not None and len(values) == 1 and values[0]["op"] is None:
        values[0]["op"] = post["op"]
        parts.append({"role": "comparator", "start": post["start"], "end": post["end"]})
        after = post["end"]
    m = method_at(text, after)
    if m is not None:
        method = m["method"]
        parts.append({"role": "method", "start": m["start"], "end": m["end"]})
    # "ALT <= 5 x ULN in patients with liver metastases", "> 85 mL/min in females": the condition it holds in
    cond = _CONDITION.match(text, m["end"] if m is not None else after)
    if rule.id in ("meas.cmp_sex", "meas.continuation_sex") and condition is None:
        sex = next(t for t in span if t.lower_ in _SEX_WORDS)
        condition = sex.text  # "QT interval male >= 450 ms": the threshold holds for that sex
        parts.append({"role": "condition", "start": sex.idx, "end": sex.idx + len(sex.text)})
    if cond is not None and condition is None:
        group = "cond" if cond.group("cond") else "cond_if"
        condition = re.sub(r"\s+", " ", cond.group(group)).strip()
        parts.append({"role": "condition", "start": cond.start(group), "end": cond.end(group)})
        after = cond.end(group)
    if unit is None and reference is None and rule.requires == "previous_variable":
        unit = _previous_unit(span)  # "< 8 g/dL or > 18": the unit said once serves both
    if unit is None and reference is None and rule.id.startswith("meas.value_first") and var_atoms and \
            _PER_CELLS.match(text, var_atoms[-1].end_char):
        unit = unit_at(text, var_atoms[-1].end_char)  # "less than 1500 neutrophils/mm3": per the cells counted
        if unit is not None:
            end = max(end, unit["end"])
    end = max(end, after)
    for piece, role in ((unit, "unit"), (reference, "reference")):
        if piece is not None and piece["start"] >= span.start_char and piece["end"] > piece["start"]:
            parts.append({"role": role, "start": piece["start"], "end": piece["end"]})

    if any("pair" in v for v in values) and var_ids and all(vid in _SNELLEN_IDS for vid, _ in var_ids):
        snellen = _snellen(values, text, after)
        if snellen is None:
            return []
        unit, after = snellen
        end = max(end, after)
    if rule.id == "meas.within":  # "within 1.5x normal limits": no more than 1.5 times the upper limit
        if reference is None or len(values) != 1:
            return []
        values[0]["op"] = "<="
    lost = None
    if rule.id == "meas.after_gap":
        if len(values) != 1:
            return []
        if values[0]["op"] is None:
            # "Respiratory frequency  30/min": the comparator was lost on export (its spaces kept); the value
            # is kept without a bound, for no side can be told from the text
            lost = values[0]
    if lost is not None:
        bounds = (None, None)
    elif len(values) == 1 and values[0]["op"] == "=":
        bounds = ((values[0], True), (values[0], True))  # "= 1.5 mg/dL": both bounds at the value
    else:
        for v in values:
            if v["op"] == "=":
                v["op"] = None  # "ECOG = 0-1": the range says it
        bounds = interval(values)
    if bounds is None:
        return []
    lower, upper = bounds
    if lower and upper and float(lower[0]["value"]) > float(upper[0]["value"]):
        return []

    kept = {id(atom) for _, atom in var_ids}
    parts = [p for p in parts if p["role"] != "variable" or any(
        a.start_char == p["start"] and id(a) in kept for a in var_atoms)]
    start = min([a.start_char for a in var_atoms if id(a) in kept] + [p["start"] for p in parts] +
                ([next(t.idx for t in span if not t.is_punct)] if rule.variable else []))
    # a continuation ("... if no liver metastases or < 5 x ULN") is negated as its variable is, not by the words
    # of the condition before it
    first = var_atoms[0] if var_atoms else next((a for _, a in var_ids if a is not None), None) \
        if rule.requires == "previous_variable" else None
    negated = _negated(span, first if first is not None else span[0:1])
    # "AST/ALT <= 2.5 x ULN (<= 5 x ULN if liver metastases)": a conditional alternative
    alt = _ALTERNATIVE.match(text, end)
    out = []
    if any("pair" in v for v in values):
        if len(values) != 1 or not any(vid in _BP_IDS for vid, _ in var_ids):
            return []
        # "blood pressure > 140/90 mmHg": systolic > 140 and diastolic > 90
        v = values[0]
        atom = var_ids[0][1]
        var_ids = [("systolic_bp", atom), ("diastolic_bp", atom)]
        sides = {"systolic_bp": v["value"], "diastolic_bp": v["pair"]}
    else:
        sides = {}
    for vid, atom in var_ids:
        var = catalogue.get(vid)
        if var is None:
            continue
        if vid in sides:
            bound = lower if lower is not None else upper
            bound = ({**bound[0], "value": sides[vid], "text": str(sides[vid])}, bound[1])
            lower, upper = (bound, None) if lower is not None else (None, bound)
        unit_code = unit["code"] if unit else None
        if vid == "weight" and unit_code == "%" and _LOSS.search(text, max(0, start - 60), start + 1):
            var = catalogue["weight_loss"]  # "Loss of no more than 10% of body weight": a change of the weight
        if (reference is None or reference["type"] == "predicted") and var.range:
            lo, hi = var.range
            # as stated, or in the canonical unit where the stated one converts ("weight < 800 g" is 0.8 kg)
            factor = (conversion_factor(unit_code, var.unit, var.molar_mass, var.valence)
                      if unit_code and var.unit and unit_code != var.unit and reference is None else None) or 1
            bounds_given = [float(b[0]["value"]) for b in (lower, upper) if b is not None] + (
                [float(lost["value"])] if lost is not None else [])
            if any(not lo <= v <= hi for v in bounds_given) and any(not lo <= v * factor <= hi for v in bounds_given):
                continue
        if unit_code in _TIME_UNITS and ((var.unit or "") not in _TIME_UNITS or
                                         (unit_code in _DURATIONS and var.unit not in _DURATIONS)):
            continue  # "fever for more than 3 days", "QTc ... 1 month": a duration, not the variable's value
        if unit_code and var.unit and var.unit.startswith(unit_code + "/(24"):
            unit_code = var.unit  # "24h urine protein >= 1g": grams per 24 hours
        elif unit_code in ("mg", "ug") and var.unit and var.unit.startswith("g/(24"):
            unit_code = unit_code + var.unit[1:]  # "< 500 mg of protein in 24 hours": milligrams per 24 hours
        keeps_unit = reference is None or reference["type"] == "predicted"
        found = {
            "kind": "measurement", "rule": rule.id, "start": start, "end": end, "negated": negated,
            "variable": {"id": var.id, "text": atom.text if atom is not None else var.name},
            "measure_kind": var.kind,
            "unit": unit_code if keeps_unit else None,
            "unit_text": unit["text"] if unit and keeps_unit else None,
            "reference": {"type": reference["type"], "text": reference["text"]} if reference else None,
            "method": method, "scale": scale, "parts": parts,
        }
        if condition:
            found["condition"] = condition
            if rule.requires == "previous_variable":
                found["alternative"] = True  # "<= 2.5 x ULN or <= 5 x ULN in case of liver metastases"
        if var.code:
            found["variable"]["code"] = var.code
        for name, bound in (("lower", lower), ("upper", upper)):
            if bound is not None:
                found[name] = {"value": bound[0]["value"], "inclusive": bound[1], "text": bound[0]["text"]}
        if lost is not None:
            found["comparator_lost"] = {"value": lost["value"], "text": lost["text"]}
        converted = conversion(found, var)
        if converted is not None:
            found["conversion"] = converted
        out.append(found)
        if other_side is not None and vid in _BP_IDS:
            other = catalogue[other_side.group("side").lower() + "_bp"]
            value = parse_number(other_side.group("num"))
            also = {**found, "end": other_side.end(), "variable": {"id": other.id, "text": other_side.group("side"),
                                                                    **({"code": other.code} if other.code else {})},
                    "parts": parts + [{"role": "value", "start": other_side.start("num"), "end": other_side.end("num")},
                                      {"role": "variable", "start": other_side.start("side"),
                                       "end": other_side.end("side")}]}
            for name in ("lower", "upper"):
                if name in found:
                    also[name] = {**found[name], "value": value, "text": other_side.group("num")}
            out.append(also)
        if alt is not None and (reference is not None and alt.group("ref") and
                                (alt.group("ref").upper() == "LLN") == (reference["type"] == "LLN") or
                                # "bilirubin <= 2.0 mg/dL (<= 3.0 mg/dL for patients with liver metastases)"
                                reference is None and unit and alt.group("unit") and
                                re.sub(r"\s+", "", alt.group("unit")).lower() == re.sub(r"\s+", "", unit["text"]).lower()):
            side, inclusive = OPS[_ALT_OPS.get(alt.group("op"), alt.group("op"))]
            value = parse_number(alt.group("num"))
            alternative = {**found, "start": alt.start("op"), "end": alt.end("cond"),
                           "condition": alt.group("cond").strip(), "alternative": True,
                           "parts": [{"role": "comparator", "start": alt.start("op"), "end": alt.end("op")},
                                     {"role": "value", "start": alt.start("num"), "end": alt.end("num")},
                                     {"role": "condition", "start": alt.start("cond"), "end": alt.end("cond")}]}
            alternative.pop("lower", None)
            alternative.pop("upper", None)
            alternative["lower" if side == ">" else "upper"] = {"value": value, "inclusive": inclusive,
                                                                "text": alt.group("num")}
            out.append(alternative)
    return out


_CONNECTORS = {"or", "and", ",", "/", "and/or"}
_SEX_WORDS = {"male", "males", "men", "female", "females", "women"}
_TIME_UNITS = {"ms", "s", "h", "d", "wk", "mo", "a"}
_DURATIONS = {"h", "d", "wk", "mo", "a"}
_CONDITION = re.compile(
    r",?\s+(?:(?:in|for|among)\s+(?:the\s+)?(?P<cond>(?:fe)?males|wom[ae]n|m[ae]n|(?:patients|subjects|participants|"
    r"those)\s+(?:with|who\s+have|having|on|receiving)\s+[^,;.()]{3,60}?)|"
    r"(?:if|in\s+(?:the\s+)?case\s+of|in\s+the\s+presence\s+of)\s+(?:there\s+(?:is|are)\s+)?(?P<cond_if>[^,;.()]{3,60}?))"
    r"(?=\s*(?:[,;.()]|$|\bor\b|\band\b))",
    re.IGNORECASE,
)


def _previous_unit(span: Span) -> dict | None:
    """The unit of the threshold just before a joined one, as it stands in the text."""
    doc = span.doc
    for t in reversed(doc[max(0, span.start - 12):span.start]):
        if t.like_num:
            return unit_at(doc_text(doc), t.idx + len(t.text))
        if t.text in ".;:":
            return None
    return None


_MODAL = {"must", "should", "may", "can", "be", "have"}


def _previous_variables(span: Span) -> list[tuple[str, Span]]:
    """"HbA1c < 7.0% or > 11%": a second threshold joined to the first goes with its variable; with all of
    them when the first names several ("AST and ALT <= 2.5 x ULN or <= 5 x ULN in case of ...")."""
    doc = span.doc
    joined = span[0].lower_ in ("or", "and")  # "or greater than" is one comparator of the lexicon
    k = span.start
    while k > span.start - 2 and k > 0 and doc[k - 1].lower_ in _MODAL:
        k -= 1  # "CD4 count must be 50-499 cells/mm3 ..., and must be >= 500 cells/mm3 ..."
    if not joined and (k == 0 or doc[k - 1].lower_ not in _CONNECTORS):
        return []
    atoms = {a.start: a for a in doc._.eligex_atoms or [] if a.label_ == "VAR"}
    found: list[Span] = []
    i = k - 2
    while i >= max(0, span.start - 30):
        t = doc[i]
        if t.text in ".;:":
            break
        if t.ent_type_ == "VAR":
            atom = next((a for a in atoms.values() if a.start <= i < a.end), None)
            if atom is None:
                break
            found.insert(0, atom)
            i = atom.start - 1
            while i >= 0 and doc[i].lower_ in _CONNECTORS | {"(", ")"}:
                i -= 1  # "AST and ALT", "AST/ALT": the variables the first threshold shares
            if i < 0 or doc[i].ent_type_ != "VAR":
                break
            continue
        if found:
            break
        i -= 1
    return _variable_ids(found)


def _dangling_variable(span: Span) -> bool:
    """A variable joined to the comparator by "and/or" alone ("diastolic and/or >= 160"): not its subject."""
    for t in span:
        if t.ent_type_ in ("CMP_PRE", "CMP_AGE_PRE"):
            i = t.i
            return (i - 2 >= span.start and span.doc[i - 1].lower_ in ("or", "and", "and/or")
                    and span.doc[i - 2].ent_type_ == "VAR")
    return False


def _joined_before_variable(span: Span) -> bool:
    """A value-first match whose value and variable are joined by "or"/"and" and whose variable has a value of
    its own ("<= 1.25 x ULN or creatinine clearance > 60 ml/min"): the value ends a threshold of its own, the
    variable starts the next."""
    doc = span.doc
    number = next((t.i for t in span if t.like_num), None)
    first_var = next((t.i for t in span if t.ent_type_ == "VAR"), None)
    if number is None or first_var is None or \
            not any(t.lower_ in ("or", "and", "and/or") for t in doc[number + 1:first_var]):
        return False
    for t in doc[span.end:span.end + 4]:
        if t.ent_type_ in ("CMP_PRE", "CMP_AGE_PRE") or t.like_num:
            return True
        if t.is_punct and t.text not in "()":
            return False
    return False


def _variable_before(span: Span) -> bool:
    """A variable shortly before the comparator, in the same clause; not one joined to it by "and/or" alone,
    which ends the threshold before ("100 mmHg diastolic and/or >= 160 mmHg systolic")."""
    joined = True
    for t in reversed(span.doc[max(0, span.start - 5):span.start]):
        if t.text in ".;:":
            return False
        if t.ent_type_ == "VAR":
            return not (joined and t.i < span.start - 1)
        joined = joined and t.lower_ in ("or", "and", "and/or")
    return False


def _reference_only(span: Span, rule: MatcherRule, var_ids, var_atoms, parts) -> list[dict]:
    """"ALT > LLN" (a multiple of 1) and "creatinine within normal limits" (the reference range itself)."""
    norms = lexicon_norms()
    atoms = _atoms(span)
    op = next((norms.get(a.id_) for a in atoms.values() if a.label_ in ("CMP_PRE", "CMP_AGE_PRE")), None)
    last = span[-1]
    out = []
    for vid, atom in var_ids:
        var = variables().get(vid)
        if var is None:
            continue
        found = {
            "kind": "measurement", "rule": rule.id, "start": min(a.start_char for a in var_atoms),
            "end": span.end_char, "negated": _negated(span, var_atoms[0]),
            "variable": {"id": var.id, "text": atom.text}, "measure_kind": var.kind, "unit": None,
            "unit_text": None, "method": None, "scale": None, "parts": parts,
        }
        if rule.id in ("meas.normal", "meas.normal_bare"):
            ref = next((t for t in span if t.lower_ in ("within", "in", "outside") and t.ent_type_ != "VAR"), span[-1])
            found["reference"] = {"type": "normal_range", "text": span[ref.i - span.start:].text}
            if ref.lower_ == "outside":
                found["negated"] = True  # "LFTs outside of normal range": not within it
        else:
            if op is None:
                continue
            side, inclusive = OPS[op]
            if rule.id == "meas.ref_words":  # "above the lower limit of normal"
                kind = "LLN" if any(t.lower_ == "lower" for t in span) else "ULN"
                found["reference"] = {"type": kind, "text": span[-4:].text}
            else:
                found["reference"] = {"type": last.text.upper(), "text": last.text}
            found["lower" if side == ">" else "upper"] = {"value": 1, "inclusive": inclusive, "text": last.text}
        if var.code:
            found["variable"]["code"] = var.code
        out.append(found)
    return out


def _heading_variable(context: dict) -> str | None:
    """The variable a PDQ sub-heading names ("Life expectancy:", "Performance status:")."""
    headings = context.get("heading") or []
    if not headings:
        return None
    return alias_ids().get(headings[-1].strip().rstrip(":").strip().lower())


@lru_cache(maxsize=1)
def alias_ids() -> dict[str, str]:
    """Each alias of the catalogue, lower case → its variable (aliases are unique across variables:
    tests/test_measurement.py checks it)."""
    out: dict[str, str] = {}
    for var in variables().values():
        for alias in var.aliases:
            out.setdefault(alias.lower(), var.id)
    return out


# What "grade 3-4" grades when it is not a toxicity: a tumour, a lesion, an organ finding on its own scale
_NOT_TOXICITY = re.compile(
    r"(?:glioma|astrocytoma|tumou?r|lymphoma|carcinoma|cancer|neoplas|sarcoma|malignan|lesion|dysplasia|"
    r"[A-Z]\b|varic|reflux|esophagitis|oesophagitis|fibrosis|steatosis|stenosis|regurgitation|"
    r"osteoarthritis|spondylolisthesis|hemorrhoid|haemorrhoid|prolapse|endometriosis|tear|sprain|"
    r"disease|obesity|hypertension)",
    re.IGNORECASE,
)


_BEFORE_TOXICITY_GRADE = {"history", "any", "no", "prior", "previous", "with", "of", "known", "presence", "ongoing",
                          "persistent", "unresolved", "active", "current", "existing", "pre-existing", "preexisting",
                          "residual", "toxicity", "toxicities", "baseline", "or", "and", "a", "an", "the", "to",
                          "ctcae", "nci", "nci-ctcae", "ctc", "documented", "significant", "severe", "experienced"}


def _other_grading(span: Span) -> bool:
    """"GOLD grade 2-3", "Kellgren-Lawrence grade 1-4", "grade 3-4 glioma", "Grade 1-3A": a grade on another
    scale than toxicity (a name before "grade", a tumour or finding after it)."""
    doc = span.doc
    first = span[0] if span[0].lower_ in ("grade", "grades") else next(t for t in span if t.lower_.startswith("grade"))
    if first.i > 0:
        prev = doc[first.i - 1]
        if prev.ent_type_ == "VAR" or (prev.text[:1].isupper() and prev.text[-1:].isalpha()
                                       and prev.lower_ not in _BEFORE_TOXICITY_GRADE):
            return True
    after = doc_text(doc)[span.end_char:span.end_char + 40]
    return bool(re.match(r"[\s(]*(?:[A-Za-z-]+\s+){0,2}?" + _NOT_TOXICITY.pattern, after, re.IGNORECASE)) or \
        bool(re.match(r"[A-Ca-c]\b", after))


def _grade_condition(span: Span) -> str | None:
    """What a toxicity grade is about: "grade >= 2 peripheral neuropathy", "hypersensitivity (>= grade 3)"."""
    doc = span.doc
    after = [t for t in doc[span.end:span.end + 5]]
    words = []
    for t in after:
        if t.is_punct or t.like_num or t.lower_ in ("or", "and", "in", "within", "during", "despite"):
            break
        words.append(t.text)
    if words:
        return " ".join(words)
    before = []
    for t in reversed(doc[max(0, span.start - 5):span.start]):
        if t.is_punct or t.lower_ in ("or", "and", "of", "any", "with"):
            break
        before.insert(0, t.text)
    return " ".join(before) or None


def _comparator_before(span: Span, atom: Span) -> str | None:
    """The comparator of a category in the match ("<= NYHA II", "NYHA class >= III"), if any."""
    norms = lexicon_norms()
    for a in (span.doc._.eligex_atoms or []):
        if span.start <= a.start and a.end <= span.end and a.label_ in ("CMP_PRE", "CMP_AGE_PRE"):
            return norms.get(a.id_)
    return None


def _after_comparator(span: Span, pos: int) -> int:
    """Where a category's labels start: after "class >=" in "NYHA class >= III"."""
    for a in (span.doc._.eligex_atoms or []):
        if a.start_char >= pos and a.end <= span.end and a.label_ in ("CMP_PRE", "CMP_AGE_PRE"):
            return a.end_char
    return pos


def share_units(found: list[dict], text: str | None = None) -> None:
    """"Hemoglobin < 9 or > 16 g/dL": a unit written once, after the second threshold, serves the first too; so
    does it for another vital sign of the same canonical unit joined to it ("SBP > 180 and/or DBP > 110 mmHg"; not
    for labs: "ANC > 1500 and platelets > 100 x 10^9/L" counts ANC per mm3)."""
    catalogue = variables()
    for first, second in zip(found, found[1:]):
        same = second.get("rule") == "meas.continuation" and first["variable"]["id"] == second["variable"]["id"]
        joined = (text is not None and first["variable"]["id"] != second["variable"]["id"]
                  and first["variable"]["id"] in catalogue and second["variable"]["id"] in catalogue
                  and catalogue[first["variable"]["id"]].unit is not None
                  and catalogue[first["variable"]["id"]].unit == catalogue[second["variable"]["id"]].unit
                  and second.get("unit") == catalogue[second["variable"]["id"]].unit
                  and _SHARE_JOIN.fullmatch(text, first["end"], second["start"]) is not None
                  and catalogue[first["variable"]["id"]].kind == "vital" == catalogue[second["variable"]["id"]].kind
                  and _in_range(first, catalogue[first["variable"]["id"]]))
        if ((same or joined)
                and first.get("unit") is None and first.get("reference") is None and second.get("unit")):
            first["unit"] = second["unit"]
            first["unit_text"] = second["unit_text"]
            converted = conversion(first, variables()[first["variable"]["id"]])
            if converted is not None:
                first["conversion"] = converted


def _in_range(found: dict, var: Variable) -> bool:
    """Whether the bounds lie in the variable's plausible range in its canonical unit ("ANC > 1500" is not
    1500 x 10^9/L)."""
    if not var.range:
        return True
    lo, hi = var.range
    return all(lo <= float(found[k]["value"]) <= hi for k in ("lower", "upper") if k in found)


_SHARE_JOIN = re.compile(r"\s*,?\s*(?:and/or|and|or|,)\s*", re.IGNORECASE)
# "and", "but"; after the first unit's own tail ("30 mg/g.cr. and less than 3500 mg/g.cr.")
_AND_BETWEEN = re.compile(r"(?:\.?[A-Za-z]{1,3}\.)?\s*,?\s*(?:and|but)\s*")


def join_bounds(found: list[dict], text: str) -> list[dict]:
    """"eGFR greater than 25 mL/min/1.73 m2 and less than 90 mL/min/1.73 m2": a second bound joined by "and"
    to the first, the unit written again, closes one range, as "eGFR 25-90 mL/min/1.73 m2" would; joined by
    "or" ("Hemoglobin < 9 or > 16 g/dL") the two stay apart."""
    out: list[dict] = []
    for f in found:
        first = out[-1] if out else None
        if (first is not None and f.get("rule") == "meas.continuation" and first.get("kind") == "measurement"
                and first["variable"]["id"] == f["variable"]["id"]
                and ("lower" in first) != ("upper" in first) and ("lower" in f) != ("upper" in f)
                and ("lower" in first) == ("upper" in f) and not first.get("window") and not f.get("window")
                and first.get("unit") == f.get("unit") and first.get("reference") == f.get("reference")
                and _AND_BETWEEN.fullmatch(text, first["end"], f["start"])):
            low, high = (first, f) if "lower" in first else (f, first)
            if float(low["lower"]["value"]) < float(high["upper"]["value"]):
                first["lower" if "lower" in f else "upper"] = f["lower" if "lower" in f else "upper"]
                first["end"] = f["end"]
                first["parts"] = first.get("parts", []) + [p for p in f.get("parts", []) if p["role"] != "variable"]
                if first.get("conversion") or f.get("conversion"):
                    first["conversion"] = conversion(first, variables()[first["variable"]["id"]])
                    if first["conversion"] is None:
                        del first["conversion"]
                continue
        out.append(f)
    return out


_EACH_COMPONENT = re.compile(
    r"(?P<cmp>>=|<=|>|<|at\s+least)\s*(?P<num>\d+(?:\.\d+)?)\s+(?:points?\s+)?(?:in|on|for)\s+each\s+"
    r"(?:component|sub-?scores?|sub-?component|domain|feature|item)s?\s*(?:\(|:)\s*(?:(?:i\.?e|e\.?g)\.?,?\s+)?"
    r"(?P<list>[^()\n;:]{3,120}?)\s*(?:\)|(?=[.;\n]|$))", re.IGNORECASE)
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)")
_CMP_WORDS = {">=": (">=", True), "<=": ("<=", True), ">": (">", False), "<": ("<", False), "at least": (">=", True)}


def each_component(found: list[dict], text: str) -> list[dict]:
    """"NAS >= 4 with >= 1 in each component (ie, steatosis, lobular inflammation, and ballooning)": one bound
    shared by the components a list names, one constraint per component the catalogue knows."""
    out = []
    catalogue = variables()
    for m in _EACH_COMPONENT.finditer(text):
        if any(f["start"] <= m.start() < f["end"] for f in found):
            continue
        op, inclusive = _CMP_WORDS[re.sub(r"\s+", " ", m.group("cmp").lower())]
        pos = m.start("list")
        # the score whose components they are, when written just before ("NAS >= 4 with ...")
        whole = [f["variable"]["id"] for f in found if f["kind"] == "measurement" and m.start() - 40 <= f["end"] <= m.start()]
        items = []
        for piece in _LIST_SEP.split(m.group("list")):
            start = text.index(piece, pos) if piece else pos
            pos = start + len(piece)
            name = piece.strip().lower()
            vid = next((f"{w}_{re.sub(r'[^a-z0-9]+', '_', name)}" for w in whole[-1:]
                        if f"{w}_{re.sub(r'[^a-z0-9]+', '_', name)}" in catalogue), None) or alias_ids().get(name)
            items.append((vid, start, pos))
        if not items or any(vid is None for vid, _, _ in items):
            continue  # a part the catalogue does not know: the list is not read at all
        value = float(m.group("num")) if "." in m.group("num") else int(m.group("num"))
        bound = {"value": value, "inclusive": inclusive, "text": m.group("num")}
        for vid, start, end in items:
            var = catalogue[vid]
            out.append({
                "kind": "measurement", "rule": "meas.each_component", "start": m.start(), "end": m.end(),
                "negated": False, "variable": {"id": vid, "text": text[start:end]}, "measure_kind": var.kind,
                "unit": None, "unit_text": None, "reference": None, "method": None, "scale": None,
                "parts": [{"role": "comparator", "start": m.start("cmp"), "end": m.end("cmp")},
                          {"role": "value", "start": m.start("num"), "end": m.end("num")},
                          {"role": "variable", "start": start, "end": end}],
                "lower" if op.startswith(">") else "upper": bound,
            })
    return sorted(found + out, key=lambda f: f["start"]) if out else found


_ORDINAL = re.compile(r"(\d{1,3})(?:st|nd|rd|th)", re.IGNORECASE)
_PERCENTILE = re.compile(r"\s*(?:st|nd|rd|th)?\s*(?:percentiles?|centiles?|%ile)\b", re.IGNORECASE)
_PERCENTILE_OF = {"BMI": "BMI_percentile", "weight": "weight_percentile", "height": "height_percentile",
                  "BMI_percentile": "BMI_percentile", "weight_percentile": "weight_percentile",
                  "height_percentile": "height_percentile"}
_SD_UNITS = re.compile(r"\s*(?:standard\s+deviations?|SDs?)\b", re.IGNORECASE)
_NEGATIVE = re.compile(r"[-−–](\d+(?:\.\d+)?)")
_BARE_NORMAL_END = re.compile(r"\s*(?:$|[.;,)]|\n|for\s+age\b)", re.IGNORECASE)
_OUT_OF = re.compile(r"(\d+(?:\.\d+)?)/(10|100)")
_SNELLEN_IDS = {"BCVA"}
_SNELLEN_AFTER = re.compile(r"\s*(?:or\s+(?P<op>better|worse)\b)?(?:\s*(?P<unit>Snellen(?:\s+equivalent)?)\b)?", re.IGNORECASE)


def _snellen(values: list[dict], text: str, after: int) -> tuple[dict, int] | None:
    """"BCVA 20/40 to 20/200", "visual acuity < 20/200", "20/25 or better": Snellen fractions (feet or metres)
    as decimal acuities (20/200 is 0.1), the fraction kept as the bound's text; a range is ordered by acuity.
    Turns ``values`` into plain values in place and gives the unit and where the statement ends."""
    if not all("pair" in v and v["value"] in (20, 6) and v["pair"] >= v["value"] / 4 for v in values):
        return None
    for v in values:
        v["value"] = float(f"{v['value'] / v.pop('pair'):.3g}")
    m = _SNELLEN_AFTER.match(text, after)
    if m.group("op") and len(values) == 1 and values[0]["op"] is None:
        values[0]["op"] = ">=" if m.group("op").lower() == "better" else "<="
    if len(values) == 2 and values[0]["op"] is None and values[1]["op"] is None and values[0]["value"] > values[1]["value"]:
        values.reverse()  # "20/40 to 20/200": from the worse acuity to the better
    return {"code": "Snellen", "text": m.group("unit"), "start": m.start("unit") if m.group("unit") else after,
            "end": m.end("unit") if m.group("unit") else after}, max(after, m.end())


def conversion(found: dict, var: Variable) -> dict | None:
    """The stated bounds in the variable's canonical unit, when the stated unit differs and pint converts it;
    recorded beside the stated bounds, which stay as written.

    ``{"unit": "10*9/L", "lower": 1.5, "upper": None, "factor": 0.001}`` for "ANC >= 1,500/mm3".
    """
    unit = found.get("unit")
    if not unit or not var.unit or unit == var.unit or found.get("reference"):
        return None
    factor = conversion_factor(unit, var.unit, var.molar_mass, var.valence)
    if factor is None:
        return None
    out = {"unit": var.unit, "lower": None, "upper": None, "factor": float(f"{factor:.6g}")}
    for name in ("lower", "upper"):
        if name in found:
            out[name] = float(f"{float(found[name]['value']) * factor:.6g}")
    return out


def _label_value(label: str, var: Variable) -> float | None:
    labels = (var.scale or {}).get("labels") or {}
    if label in labels:
        return float(labels[label])
    if label in _ROMAN:
        return float(_ROMAN[label])
    if label.isdigit():
        return float(label)
    return None


def _categories(span: Span, rule: MatcherRule, var_ids, parts, context) -> list[dict]:
    """"NYHA class III and class IV" → 3..4 labelled III..IV; "Child-Pugh B/C (7-12 points)" → 7..12 points
    labelled B..C."""
    doc = span.doc
    text = doc_text(doc)
    out = []
    for vid, atom in var_ids:
        var = variables().get(vid)
        if var is None or not var.scale:
            continue
        if atom is None and rule.id == "meas.class_heart_failure":
            # "Class III or IV congestive heart failure": NYHA classes of the heart failure named
            first = next(t.i for t in span if t.ent_type_ == "HF")
            atom = span.doc[first:span.end]
        # from the variable, or from the label the match ends on when words stand between ("ECOG performance
        # score (PS) of 0, 1, or 2")
        if rule.id in ("meas.class_before", "meas.class_heart_failure"):
            # "Class III or IV congestive heart failure - New York Heart Association": the labels open the match
            m = _CLASS_LABELS.match(text, span.start_char)
        else:
            m = _CLASS_LABELS.match(text, _after_comparator(span, atom.end_char))
        if not m and rule.id == "meas.class":
            m = _CLASS_LABELS.match(text, span[-1].idx)
        if not m or m.end() > span.end_char + 40 or (rule.id in ("meas.class_before", "meas.class_heart_failure")
                                                     and not m.group("a").startswith("I") and m.group("a") != "V"):
            continue
        a, b = m.group("a"), m.group("b") or m.group("a")
        va, vb = _label_value(a, var), _label_value(b, var)
        if va is None or vb is None or va > vb:
            continue
        end = m.end("b") if m.group("b") else m.end("a")
        if m.group("b") and m.group("more"):  # "0, 1 or 2": the whole list, when it runs in steps of one
            labels = [b, *re.findall(_LABEL, m.group("more"))]
            values = [vb] + [_label_value(x, var) for x in labels[1:]]
            if all(v is not None and v == values[0] + n for n, v in enumerate(values)) and values[0] == va + 1:
                b, vb, end = labels[-1], values[-1], m.end("more")
        lower = {"value": va, "inclusive": True, "label": a}
        upper = {"value": vb, "inclusive": True, "label": b}
        op = _comparator_before(span, atom)  # "heart failure <= NYHA II"
        post = postfix_comparator_at(text, end) if m.group("b") is None and op is None else None
        if post is not None:  # "Tanner stage II or greater"
            op, end = post["op"], post["end"]
        if op is not None and m.group("b") is None:
            side, inclusive = OPS[op]
            bound = {"value": va, "inclusive": inclusive, "label": a}
            lower, upper = (bound, None) if side == ">" else (None, bound)
        unit = None
        pts = _POINTS.match(text, end)
        if pts and (var.scale or {}).get("points"):
            lower = {"value": float(pts.group("a")), "inclusive": True, "label": a}
            upper = {"value": float(pts.group("b")), "inclusive": True, "label": b}
            unit = "{points}"
            end = pts.end()
        for bound in (lower, upper):
            if bound is not None and float(bound["value"]).is_integer():
                bound["value"] = int(bound["value"])
        found = {
            "kind": "measurement", "rule": rule.id, "start": atom.start_char, "end": end,
            "negated": _negated(span, atom), "variable": {"id": var.id, "text": atom.text},
            "measure_kind": var.kind, "unit": unit, "unit_text": None, "reference": None, "method": None,
            "scale": {"name": var.id, **({"lower_label": a} if lower else {}), **({"upper_label": b} if upper else {})},
            "parts": [{"role": "variable", "start": atom.start_char, "end": atom.end_char},
                      {"role": "category", "start": m.start("a"), "end": m.end()}],
        }
        for name, bound in (("lower", lower), ("upper", upper)):
            if bound is not None:
                found[name] = bound
        if op is not None or rule.id in ("meas.class_before", "meas.class_heart_failure"):
            found["start"] = span.start_char
        if rule.id in ("meas.class_before", "meas.class_heart_failure"):
            found["end"] = max(found["end"], atom.end_char)
            if text[found["start"]:found["end"]].count("(") > text[found["start"]:found["end"]].count(")") and \
                    text[found["end"]:found["end"] + 1] == ")":
                found["end"] += 1  # "Class II heart failure (NYHA)": the bracket the evidence opened
        out.append(found)
    return out
