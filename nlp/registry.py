"""The registry's own structured eligibility fields: ages, sex, healthy volunteers. No spaCy here.

>>> parse_age("18 Years")
{'text': '18 Years', 'value': 18, 'unit': 'years'}
>>> parse_age("N/A") is None
True
"""

from __future__ import annotations

import re
from typing import Any

_AGE = re.compile(
    r"^\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>years?|yrs?|y|months?|mos?|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?)\s*\.?\s*$",
    re.IGNORECASE,
)
_UNITS = {
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
    "mo": "months", "mos": "months", "month": "months", "months": "months",
    "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "day": "days", "days": "days",
    "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
}
# Length of one unit in years, to compare ages stated in different units.
YEARS_PER_UNIT = {
    "years": 1.0, "months": 1 / 12, "weeks": 7 / 365.25, "days": 1 / 365.25, "hours": 1 / 8766.0,
    "minutes": 1 / 525960.0,
}
_NONE = {"", "n/a", "na", "none", "no limit", "not applicable", "null"}


def number(text: str) -> int | float:
    """``"18"`` → 18, ``"1.5"`` → 1.5: ints stay ints so records read as written."""
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def parse_age(text: Any) -> dict | None:
    """A registry age ("18 Years", "6 Months", "N/A") as ``{"text", "value", "unit"}``; ``None`` when the
    registry sets no limit. Text that is not an age keeps ``value``/``unit`` null.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return {"text": str(text), "value": number(str(text)), "unit": "years"}
    raw = str(text).strip()
    if raw.lower() in _NONE:
        return None
    m = _AGE.match(raw)
    if not m:
        return {"text": raw, "value": None, "unit": None}
    return {"text": raw, "value": number(m.group("value")), "unit": _UNITS[m.group("unit").lower()]}


def parse_sex(text: Any) -> str | None:
    """Registry sex as ``all``, ``female`` or ``male`` ("Both", "ALL", "Female", ...); ``None`` if absent."""
    if text is None:
        return None
    raw = str(text).strip().lower()
    if raw in ("all", "both", "all sexes", "male and female", "female and male"):
        return "all"
    if raw in ("female", "females", "women", "f"):
        return "female"
    if raw in ("male", "males", "men", "m"):
        return "male"
    return None


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    raw = str(value).strip().lower()
    if raw in ("yes", "true", "y", "1", "accepts healthy volunteers"):
        return True
    if raw in ("no", "false", "n", "0"):
        return False
    return None


def registry_fields(*, minimum_age: Any = None, maximum_age: Any = None, sex: Any = None,
                    healthy_volunteers: Any = None, std_ages: Any = None, source: str) -> dict | None:
    """The ``registry`` block of a record, or ``None`` when the input has no structured field at all."""
    fields = {
        "minimum_age": parse_age(minimum_age),
        "maximum_age": parse_age(maximum_age),
        "sex": parse_sex(sex),
        "healthy_volunteers": parse_bool(healthy_volunteers),
        "std_ages": [str(a) for a in std_ages] if isinstance(std_ages, (list, tuple)) and std_ages else None,
    }
    if all(v is None for v in fields.values()):
        return None
    fields["source"] = source
    return fields


def age_in_years(value: float, unit: str) -> float:
    return value * YEARS_PER_UNIT.get(unit, 1.0)
