"""Patients for screening: read JSON Lines (or dicts), validate against ``schemas/patient.schema.json``
and the catalogues, and normalise each into a ``Patient``: dates parsed, measurement variables resolved
to catalogue ids, units to catalogue codes, values converted to the variable's canonical unit.

Bad input gives a coded error naming the patient and what is wrong (E041-E053); ``read_patients``
yields it in place of the patient so a batch goes on.

>>> p = patient_from_dict({"id": "P1", "as_of": "2025-03-01", "birth_date": "1980-06-15", "sex": "female",
...     "measurements": [{"variable": "SGPT", "value": 52, "unit": "IU/L", "date": "2025-02-20"}]})
>>> p.age_years, p.measurements[0].variable, p.measurements[0].value
(44, 'ALT', 52.0)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator

import jsonschema

from .condition import code_concepts, concept_ids
from .convert import converter, unit_code
from .errors import EligexError
from .measurement import variables
from .reference import frequencies, reference_range
from .schema import load_schema, validator_for

SCHEMA_NAME = "patient.schema.json"


def patient_schema() -> dict:
    return load_schema(SCHEMA_NAME)


def _validator() -> jsonschema.Draft202012Validator:
    return validator_for(SCHEMA_NAME)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Lower-cased variable id or alias → catalogue id (ids win over another variable's alias)."""
    out: dict[str, str] = {}
    for v in variables().values():
        for alias in v.aliases:
            out.setdefault(alias.lower(), v.id)
    for v in variables().values():
        out[v.id.lower()] = v.id
    return out


def resolve_variable(name: str) -> str | None:
    """The catalogue id of a variable named by id or alias ("SGPT" → "ALT"), or None."""
    return _aliases().get(name.strip().lower())


@dataclass(frozen=True)
class Measurement:
    """One result, ``value`` (and ``low``/``high`` of its reference range) in the variable's canonical
    unit ``unit``; ``written`` keeps the value and unit as given."""

    variable: str
    value: float | None
    unit: str | None
    date: dt.date
    label: str | None = None
    low: float | None = None
    high: float | None = None
    percent_predicted: float | None = None
    written: str = ""


@dataclass(frozen=True)
class Fact:
    """A condition, medication or dated event, with the names it goes by."""

    category: str  # condition | drug | procedure | trial_participation | test | other
    text: str
    names: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    active: bool
    daily_dose: float | None = None  # medications: amount per day in ``dose_unit``
    dose_unit: str | None = None
    route: str | None = None


@dataclass
class Patient:
    id: str
    as_of: dt.date
    sex: str | None
    birth_date: dt.date | None
    age_years: float | None  # completed years when the birth date is known
    measurements: list[Measurement] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    childbearing_potential: bool | None = None
    pregnancy_tests: list[tuple[dt.date, str]] = field(default_factory=list)
    contraception: dict | None = None
    complete: frozenset = frozenset()
    source: str = "<dict>"

    def age_in(self, unit: str) -> float | None:
        """Completed ``unit``s of age at ``as_of`` ("years", "months", "weeks", "days", "hours")."""
        if self.birth_date is not None:
            b, a = self.birth_date, self.as_of
            if unit == "years":
                return a.year - b.year - ((a.month, a.day) < (b.month, b.day))
            if unit == "months":
                return (a.year - b.year) * 12 + a.month - b.month - (a.day < b.day)
            days = (a - b).days
            return {"weeks": days // 7, "days": days, "hours": days * 24, "minutes": days * 1440}.get(unit)
        if self.age_years is None:
            return None
        factor = {"years": 1, "months": 12, "weeks": 365.25 / 7, "days": 365.25, "hours": 8766, "minutes": 525960}
        return self.age_years * factor[unit] if unit in factor else None


def _date(value: str, field_name: str, pid: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise EligexError("E045", source=source, patient=pid, field=field_name, value=value) from None


def patient_from_dict(data: Any, *, source: str = "<dict>") -> Patient:
    """A validated, normalised ``Patient``; raises ``EligexError`` naming the patient and the problem."""
    pid = data.get("id", "?") if isinstance(data, dict) else "?"
    found = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if found:
        problems = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(patient)'}: {e.message}" for e in found[:5])
        raise EligexError("E041", source=source, patient=pid, problems=problems)
    as_of = _date(data["as_of"], "as_of", pid, source)

    def dated(value: str | None, name: str) -> dt.date | None:
        if value is None:
            return None
        d = _date(value, name, pid, source)
        if d > as_of:
            raise EligexError("E046", source=source, patient=pid, field=name, value=value, as_of=data["as_of"])
        return d

    birth = dated(data.get("birth_date"), "birth_date")
    sex = data.get("sex")
    patient = Patient(id=pid, as_of=as_of, sex=sex, birth_date=birth, age_years=None, source=source)
    patient.age_years = patient.age_in("years") if birth else data.get("age")
    if birth and "age" in data and abs(patient.age_years - data["age"]) >= 1:
        raise EligexError("E047", source=source, patient=pid, birth_date=data["birth_date"],
                          derived=patient.age_years, age=data["age"])
    for where in ("measurements", "scores"):
        for n, m in enumerate(data.get(where, [])):
            patient.measurements.append(_measurement(m, f"{where}[{n}]", pid, source, dated))
    for n, c in enumerate(data.get("conditions", [])):
        names = (c["text"], *c.get("terms", ()), *_code_names(c))
        names += _concept_names(c, names)
        patient.facts.append(Fact("condition", c["text"], names, dated(c.get("onset"), f"conditions[{n}].onset"),
                                  dated(c.get("end"), f"conditions[{n}].end"), c["status"] == "active"))
    for n, m in enumerate(data.get("medications", [])):
        patient.facts.append(_medication(m, n, pid, source, dated, as_of))
    for n, e in enumerate(data.get("events", [])):
        names = (e["text"], *e.get("terms", ()), *_code_names(e))
        names += _concept_names(e, names)
        start = dated(e["date"], f"events[{n}].date")
        end = dated(e.get("end"), f"events[{n}].end") if e.get("end") else start
        patient.facts.append(Fact(e["type"], e["text"], names, start, end, end is None or end >= as_of))
    patient.pregnant = data.get("pregnant")
    patient.breastfeeding = data.get("breastfeeding")
    patient.childbearing_potential = data.get("childbearing_potential")
    if sex == "male":
        for flag in ("pregnant", "breastfeeding"):
            if data.get(flag):
                raise EligexError("E053", source=source, patient=pid, field=flag)
        patient.pregnant = patient.breastfeeding = False
        patient.childbearing_potential = False
    if patient.pregnant:
        patient.childbearing_potential = True
    patient.pregnancy_tests = [(dated(t["date"], f"pregnancy_tests[{n}].date"), t["result"])
                               for n, t in enumerate(data.get("pregnancy_tests", []))]
    patient.contraception = data.get("contraception")
    patient.complete = frozenset(data.get("complete", ()))
    return patient


def _code_names(fact: dict) -> tuple[str, ...]:
    code = fact.get("code")
    return (f"code:{code['system'].lower()}:{code['code'].lower()}",) if code else ()


def _concept_names(fact: dict, names: tuple[str, ...]) -> tuple[str, ...]:
    """The condition lexicon's concepts the fact's names and ICD-10 code say, with their classes, as
    ``code:concept:<id>`` names: "hepatocellular carcinoma" is also a malignancy, M05.79 rheumatoid arthritis."""
    found: set[str] = set()
    for name in names:
        if not name.startswith("code:"):
            found |= concept_ids(name)
    code = fact.get("code")
    if code:
        found |= code_concepts(code["system"], code["code"])
    return tuple(f"code:concept:{cid}" for cid in sorted(found))


def _measurement(m: dict, where: str, pid: str, source: str, dated) -> Measurement:
    var_id = resolve_variable(m["variable"])
    if var_id is None:
        raise EligexError("E042", source=source, patient=pid, where=where, variable=m["variable"])
    var = variables()[var_id]
    date = dated(m["date"], f"{where}.date")
    try:
        written_unit = unit_code(m.get("unit"))
    except ValueError:
        raise EligexError("E043", source=source, patient=pid, where=where, unit=m.get("unit")) from None
    canonical = var.unit
    value, low, high = m.get("value"), None, None
    molar = (reference_range(var_id) or {}).get("molar_mass")
    if value is not None or m.get("reference_range"):
        if written_unit is None and canonical not in (None, "{points}", "%") and value is not None:
            raise EligexError("E050", source=source, patient=pid, where=where, variable=var_id, expected=canonical)
        conv = converter(written_unit, canonical, molar)
        if conv is None:
            raise EligexError("E044", source=source, patient=pid, where=where, unit=m.get("unit"), variable=var_id,
                              expected=canonical or "no unit")
        a, b = conv
        value = a * value + b if value is not None else None
        rr = m.get("reference_range")
        if rr:
            try:
                rr_unit = unit_code(rr["unit"]) if rr.get("unit") else written_unit
            except ValueError:
                raise EligexError("E043", source=source, patient=pid, where=f"{where}.reference_range",
                                  unit=rr.get("unit")) from None
            rconv = converter(rr_unit, canonical, molar)
            if rconv is None:
                raise EligexError("E044", source=source, patient=pid, where=f"{where}.reference_range",
                                  unit=rr.get("unit"), variable=var_id, expected=canonical or "no unit")
            low = rconv[0] * rr["low"] + rconv[1] if rr.get("low") is not None else None
            high = rconv[0] * rr["high"] + rconv[1] if rr.get("high") is not None else None
    written = f"{m.get('value', m.get('label'))} {m.get('unit') or ''}".strip()
    return Measurement(var_id, value, canonical, date, m.get("label"), low, high, m.get("percent_predicted"), written)


def _medication(m: dict, n: int, pid: str, source: str, dated, as_of: dt.date) -> Fact:
    start = dated(m["start"], f"medications[{n}].start")
    stop = dated(m.get("stop"), f"medications[{n}].stop") if m.get("stop") else None
    per_day = m.get("per_day")
    if per_day is None and m.get("frequency"):
        per_day = frequencies().get(re.sub(r"\s+", " ", m["frequency"].strip().lower()))
        if per_day is None:
            raise EligexError("E051", source=source, patient=pid, drug=m["drug"], frequency=m["frequency"])
    unit = None
    if m.get("unit"):
        try:
            unit = unit_code(m["unit"])
        except ValueError:
            raise EligexError("E043", source=source, patient=pid, where=f"medications[{n}]", unit=m["unit"]) from None
    daily = m["dose"] * per_day if m.get("dose") is not None and per_day is not None else None
    names = (m["drug"], *m.get("terms", ()), *_code_names(m))
    active = stop is None or stop >= as_of
    return Fact("drug", m["drug"], names, start, stop, active, daily, unit, m.get("route"))


def read_patients(source: str | Iterable[dict]) -> Iterator[Patient | EligexError]:
    """Patients from a JSON Lines file (or an iterable of dicts), each a ``Patient`` or the coded error
    for that line. Raises E049 when the input holds none, E001 when the file cannot be read."""
    seen: dict[str, str] = {}
    count = 0
    for where, data in _rows(source):
        count += 1
        if isinstance(data, EligexError):
            yield data
            continue
        try:
            patient = patient_from_dict(data, source=where)
        except EligexError as exc:
            yield exc
            continue
        if patient.id in seen:
            yield EligexError("E048", source=where, patient=patient.id, first=seen[patient.id])
            continue
        seen[patient.id] = where
        yield patient
    if count == 0:
        raise EligexError("E049", source=source if isinstance(source, str) else "<patients>")


def _rows(source: str | Iterable[dict]) -> Iterator[tuple[str, Any]]:
    if not isinstance(source, str):
        for n, row in enumerate(source, 1):
            yield f"<patients>#{n}", row
        return
    try:
        with open(source, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EligexError("E001", source=source, detail=getattr(exc, "strerror", None) or str(exc)) from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{lineno}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, EligexError("E021", source=where, line=lineno, detail=exc.msg)


__all__ = ["Patient", "Measurement", "Fact", "patient_from_dict", "read_patients", "resolve_variable", "patient_schema"]
