"""Units, references to the limits of normal, and methods, read from the text right after a number.

Units are data (``patterns/units.jsonl``: canonical UCUM-style code, the surface forms, a pint expression);
each code is checked against pint (``tests/test_units.py``), so a code and its conversions mean what they
say. Reading is by regular expression on the normalised text after the number, which does not depend on
how the tokenizer cut ``ml/min/1.73m2`` or ``x10(9)/L``.

>>> unit_at("1,500/mm3 or more", 5)["code"]
'/mm3'
>>> reference_at(" x upper limit of normal", 0)["type"]
'ULN'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import resources
from .rules import _load_jsonl


@dataclass(frozen=True)
class UnitEntry:
    """``{"id": "unit.mg_per_dL", "code": "mg/dL", "pint": "milligram/deciliter", "forms": [...],
    "example": "creatinine <= 1.5 mg/dL"}``"""

    id: str
    code: str
    pint: str
    forms: list
    example: str
    variables: list | None = None  # forms read only after these variables ("38.5 C" is a temperature)


@lru_cache(maxsize=1)
def units() -> tuple[UnitEntry, ...]:
    return _load_jsonl("units.jsonl", UnitEntry)


def _form_pattern(form: str) -> str:
    escaped = re.escape(form)
    escaped = escaped.replace(r"\ ", r"\s*")
    # "10^9", "10(9)" and "10*9" are written with and without spaces around the operators
    return escaped.replace(r"\^", r"\s*\^\s*").replace(r"/", r"\s*/\s*")


@lru_cache(maxsize=1)
def _unit_regex() -> tuple[re.Pattern, dict[str, UnitEntry]]:
    by_form = {}
    for entry in units():
        for form in entry.forms:
            # the micro sign (U+00B5) and the Greek mu (U+03BC) are written alike: either reads
            by_form[form.lower()] = entry
            for variant in (form.replace("\u00b5", "\u03bc"), form.replace("\u03bc", "\u00b5")):
                by_form.setdefault(variant.lower(), entry)
    forms = sorted(by_form, key=len, reverse=True)
    pattern = r"\s*(?P<unit>" + "|".join(_form_pattern(f) for f in forms) + r")(?![A-Za-z0-9\u00b2\u00b3])"
    return re.compile(pattern, re.IGNORECASE), by_form


def unit_at(text: str, pos: int) -> dict | None:
    """The unit written at ``text[pos:]`` (after spaces): ``{"code", "start", "end", "text"}``."""
    regex, by_form = _unit_regex()
    m = regex.match(text, pos)
    if not m:
        return None
    written = m.group("unit")
    key = re.sub(r"\s+", " ", written.lower())
    entry = by_form.get(key)
    if entry is None:  # the form matched with other spacing: find it by its letters
        squeezed = re.sub(r"\s+", "", key)
        entry = next((e for f, e in by_form.items() if re.sub(r"\s+", "", f) == squeezed), None)
    if entry is None:
        return None
    found = {"code": entry.code, "start": m.start("unit"), "end": m.end("unit"), "text": written}
    if entry.variables:
        found["variables"] = entry.variables
    return found


_REFERENCE = re.compile(
    r"\s*(?:x|\*|times|fold|-fold|time)?\s*"
    # "5 times greater than upper normal limit", "twice higher than normal": the comparator after the multiple
    r"(?:(?P<cmp>greater|higher|more|above|over|less|lower|below|under)(?:\s+than)?\s+)?"
    r"(?:the\s+)?(?:institutional\s+|local\s+|laboratory\s+|site\s+)?"
    r"(?:(?P<uln>I?ULN|UNL|upper\s+limits?\s+of\s+(?:the\s+)?(?:institutional\s+)?normal(?:\s+range)?|"
    r"upper\s+normal\s+limits?|upper\s+limits?\s+normal|upper\s+limits?|normal\s+(?:upper\s+)?(?:value|limit)s?|"
    r"normal\s+(?:institutional\s+|laboratory\s+)?limits?|(?:maximum|highest)\s+(?:normal|reference)\s+(?:value|limit)s?|"
    r"upper\s+reference\s+(?:value|limit)s?|"
    r"(?:the\s+)?normal(?!\s+range)|N(?=\W|$))|"
    r"(?P<lln>LLN|lower\s+limits?\s+of\s+(?:the\s+)?(?:institutional\s+)?normal(?:\s+range)?|lower\s+normal\s+limits?))"
    r"(?:\s*\((?:ULN|LLN)\))?",
    re.IGNORECASE,
)
_MULTIPLIER = re.compile(r"\s*(?:x|\*|times|fold|-fold)", re.IGNORECASE)


def reference_at(text: str, pos: int, multiple: bool = False) -> dict | None:
    """A multiple of a limit of normal at ``text[pos:]``: "x ULN", "times the upper limit of normal",
    "times the normal value", "x institutional ULN", "x LLN"; after a number that says it is a multiple
    (``multiple``: "twice normal"), also the bare "normal". ``{"type": "ULN"|"LLN", "start", "end"}``."""
    m = _REFERENCE.match(text, pos)
    if not m or not (m.group("uln") or m.group("lln")):
        return None
    said = text[pos:m.end()]
    bare_normal = re.fullmatch(r"\s*(?:the\s+)?normal", said, re.IGNORECASE)
    if not multiple and (bare_normal or not _MULTIPLIER.match(said)) and \
            not re.search(r"ULN|UNL|LLN|limit", said, re.IGNORECASE):
        return None  # "3 normal" alone, or "1.5 the normal": a multiplier word must say it is a multiple
    start = pos + len(said) - len(said.lstrip())
    out = {"type": "ULN" if m.group("uln") else "LLN", "start": start, "end": m.end(), "text": text[start:m.end()]}
    if m.group("cmp"):
        if not (multiple or _MULTIPLIER.match(said)):
            return None  # "3 greater than normal" says no multiple
        out["op"] = ">" if m.group("cmp").lower() in ("greater", "higher", "more", "above", "over") else "<"
    return out


_METHOD = re.compile(
    r"[\s,;(]*(?:(?:as\s+)?(?:calculated|estimated|measured|determined|assessed)\s+(?:by|using|with|according\s+to)\s+"
    r"(?:the\s+)?|by\s+(?:the\s+)?|using\s+(?:the\s+)?|per\s+|\()"
    r"(?P<method>Cockcroft[-\s]?Gault|CKD[-\s]?EPI|MDRD|Schwartz|24[-\s]?h(?:ou)?r?\s+urine(?:\s+collection)?|"
    r"Friedericia|Fridericia|Bazett|MUGA|echocardiogram|echocardiography|ECHO|Modification\s+of\s+Diet\s+in\s+Renal\s+Disease)"
    r"(?:\s+(?:formula|equation|method))?\)?",
    re.IGNORECASE,
)


def method_at(text: str, pos: int) -> dict | None:
    """A method stated after a threshold: "calculated by Cockcroft-Gault formula", "(MDRD)"."""
    m = _METHOD.match(text, pos)
    if not m:
        return None
    return {"method": re.sub(r"\s+", " ", m.group("method")), "start": m.start("method"), "end": m.end()}


_POSTFIX = re.compile(
    r"\s*(?P<op>or\s+(?:more|greater|higher|above|over|less|lower|below|fewer)|and\s+(?:above|over|more|greater|higher|"
    r"below|under|less|lower)|or\s+(?:equal|superior|inferior))\b",
    re.IGNORECASE,
)
_POSTFIX_OPS = {"more": ">=", "greater": ">=", "higher": ">=", "above": ">=", "over": ">=", "superior": ">=",
                "less": "<=", "lower": "<=", "below": "<=", "under": "<=", "fewer": "<=", "inferior": "<="}


def postfix_comparator_at(text: str, pos: int) -> dict | None:
    """"1,500/mm3 or more": ``{"op": ">=", "start", "end"}``."""
    m = _POSTFIX.match(text, pos)
    if not m:
        return None
    word = m.group("op").split()[-1].lower()
    op = _POSTFIX_OPS.get(word)
    return {"op": op, "start": m.start("op"), "end": m.end()} if op else None


@lru_cache(maxsize=1)
def registry():
    """A pint registry that knows the clinical units eligex writes (enzyme units, IU, cells, copies)."""
    import pint

    ureg = pint.UnitRegistry()
    for definition in (
        "enzyme_unit = [enzyme_activity] = U",
        "international_unit = [biological_activity] = IU",
        "milliequivalent = millimole = mEq",
        "osmole = mole = osm",
    ):
        ureg.define(definition)
    return ureg


# Codes whose numbers are not a plain multiple of another code's: per 1.73 m2 of body surface is another
# quantity than mL/min, a log10 count is not a count, a ratio in % or points has no common scale with
# another ratio ("HbA1c 7%" vs "53 mmol/mol" is the IFCC master equation, not a factor), and temperatures
# have an offset. No conversion is recorded from or to them.
_NOT_MULTIPLES = {"mL/min/{1.73_m2}", "log10{copies}/mL", "%", "{points}", "mmol/mol", "mg/g", "mg/mmol", "Cel",
                  "[degF]"}


@lru_cache(maxsize=None)
def conversion_factor(source: str, target: str, molar_mass: float | None = None,
                      valence: int | None = None) -> float | None:
    """The factor turning a value in unit code ``source`` into ``target`` (both codes of the catalogue), or
    ``None`` when pint cannot convert them. Mass and substance concentrations convert through
    ``molar_mass`` (g/mol); milliequivalents through ``valence`` (mEq = mmol x valence).

    >>> conversion_factor("/mm3", "10*9/L")
    0.001
    >>> round(conversion_factor("mg/dL", "umol/L", molar_mass=113.12), 2)  # creatinine
    88.4
    >>> conversion_factor("mg/dL", "umol/L") is None
    True
    """
    if source == target or source in _NOT_MULTIPLES or target in _NOT_MULTIPLES:
        return None
    by_code = {e.code: e.pint for e in units()}
    if source not in by_code or target not in by_code:
        return None
    ureg = registry()

    def one(code: str):
        """1 of ``code`` as a pint quantity; an equivalent counted as 1/valence mole."""
        q = 1 * ureg.parse_expression(by_code[code])
        if "mEq" in code:
            q = q / ureg.milliequivalent * ureg.millimole / valence
        return q

    if "mEq" in source + target and not valence:
        return None  # an equivalent is a mole only for a monovalent ion
    quantity, goal = one(source), one(target)
    if quantity.dimensionality != goal.dimensionality and molar_mass:
        per_mole = molar_mass * ureg.gram / ureg.mole
        if (quantity / per_mole).dimensionality == goal.dimensionality:
            quantity = quantity / per_mole
        elif (quantity * per_mole).dimensionality == goal.dimensionality:
            quantity = quantity * per_mole
    if quantity.dimensionality != goal.dimensionality:
        return None
    factor = quantity.to_base_units().magnitude / goal.to_base_units().magnitude
    return float(f"{float(factor):.12g}")  # without float noise: 0.001, not 0.0009999999999999998


def dimensionality(code: str) -> str:
    """The pint dimensionality of a unit code of the catalogue ("mg/dL" → "[mass] / [length] ** 3")."""
    entry = next(e for e in units() if e.code == code)
    return str(registry().parse_expression(entry.pint).dimensionality)


__all__ = ["UnitEntry", "units", "unit_at", "reference_at", "method_at", "postfix_comparator_at", "registry",
           "dimensionality", "conversion_factor"]
