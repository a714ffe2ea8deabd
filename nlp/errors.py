"""One catalogue of coded errors and warnings, in the style of spaCy's ``errors.py``.

Every message says what was expected and what was found, and names the input it is about.

>>> str(EligexError("E010", source="trials.csv:7"))
'[E010] trials.csv:7: the criteria text is empty (nothing to extract from).'
"""

from __future__ import annotations

from typing import Any

ERRORS: dict[str, str] = {
    # input: files and formats
    "E001": "cannot read the input: {detail}",
    "E002": "the input is not valid {expected}: {detail}",
    "E003": "the input looks like {found}, not {expected} as its name or --input-format says",
    "E004": "cannot detect the input format (tried {tried}); pass --input-format",
    "E005": "the input is binary, not text ({detail})",
    "E006": "the input is not valid {encoding} text: byte {byte} at offset {offset}; pass --encoding latin-1 if the file is Latin-1",
    "E007": "the table has no column {column!r} (columns: {columns}); pass {option}",
    "E008": "unknown input format {fmt!r} (expected one of {expected})",
    "E009": "the input holds no trial records",
    # input: one trial
    "E010": "the criteria text is empty (nothing to extract from).",
    "E011": "the trial has no id (expected {expected})",
    "E012": "the criteria text is {length:,} characters, over the limit of {limit:,} (--max-chars)",
    "E013": "the criteria text is not a string but {type}",
    "E014": "the record has no eligibility criteria (expected {expected})",
    "E015": "the criteria text contains control characters that are not text ({detail})",
    # records and schema
    "E020": "record for {trial} does not validate against {schema}: {problems}",
    "E021": "line {line} is not valid JSON: {detail}",
    # output
    "E030": "unknown output format {fmt!r} (expected one of {expected})",
    "E031": "cannot write {path}: {detail}",
    "E032": "{fmt} output needs a file: pass -o FILE.{fmt}",
    "E033": "cannot write {path} as asked: {detail}",
    "E034": "{option} needs {needs}",
    # data files (patterns, catalogues)
    "E040": "{path}:{line}: {detail}",
    # internal: a bug, reported instead of written silently
    "E099": "internal error while extracting: {detail}",
    # screening: patients (E041-E053) and trials to screen (E054-E059)
    "E041": "patient {patient}: does not match schemas/patient.schema.json: {problems}",
    "E042": "patient {patient}: {where}: variable {variable!r} is not an id or alias of patterns/variables.jsonl",
    "E043": "patient {patient}: {where}: unit {unit!r} is not a unit of patterns/units.jsonl nor one pint knows",
    "E044": "patient {patient}: {where}: unit {unit!r} does not measure {variable} (expected a unit like {expected})",
    "E045": "patient {patient}: {field} {value!r} is not a calendar date (expected YYYY-MM-DD)",
    "E046": "patient {patient}: {field} {value} is after the as-of date {as_of}",
    "E047": "patient {patient}: the birth date {birth_date} gives {derived} years at the as-of date, but age says {age}",
    "E048": "patient id {patient!r} appears again (first at {first})",
    "E049": "the patients input holds no patients",
    "E050": "patient {patient}: {where}: a {variable} value without a unit (expected a unit like {expected})",
    "E051": "patient {patient}: frequency {frequency!r} of {drug} is not one of patterns/screen.json (give per_day instead)",
    "E053": "patient {patient}: a male patient cannot be {field}",
    "E054": "the trials input holds no trial records to screen ({detail})",
}

WARNINGS: dict[str, str] = {
    "W001": "the registry's {field} ({registry}) differs from the age the criteria text states ({text})",
    "W002": "the page is ambiguous: {detail}",
    "W003": "no inclusion or exclusion heading was found; {detail}",
    "W004": "{count} value(s) of an age, lab, vital or score stand without their comparator ({text}), lost from the text; no bound is read from them, so their items are partial",
}


class EligexError(Exception):
    """An error with a code from ``ERRORS``, the input it concerns, and its message.

    >>> EligexError("E012", source="x.txt", length=1_000_000, limit=200_000).code
    'E012'
    """

    def __init__(self, code: str, *, source: str | None = None, **fields: Any) -> None:
        self.code = code
        self.source = source
        self.fields = fields
        template = ERRORS[code]
        self.detail = template.format(**fields)
        where = f"{source}: " if source else ""
        super().__init__(f"[{code}] {where}{self.detail}")

    def with_source(self, source: str) -> "EligexError":
        """The same error, naming ``source`` as the input it is about."""
        return EligexError(self.code, source=source, **self.fields)

    def __reduce__(self):
        # picklable, so a worker process can hand one back (nlp/batch.py)
        return (_rebuild, (self.code, self.source, self.fields))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self)}


def _rebuild(code: str, source: str | None, fields: dict[str, Any]) -> EligexError:
    return EligexError(code, source=source, **fields)


def warning(code: str, **fields: Any) -> dict[str, Any]:
    """A warning entry for a record: ``{"code": ..., "message": ...}`` plus its fields."""
    entry: dict[str, Any] = {"code": code, "message": f"[{code}] " + WARNINGS[code].format(**fields)}
    return entry
