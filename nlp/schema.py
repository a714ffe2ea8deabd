"""Validate records against ``schemas/record.schema.json`` (Draft 2020-12), reporting every problem."""

from __future__ import annotations

import json
from functools import lru_cache

import jsonschema

from . import resources

SCHEMA_NAME = "record.schema.json"


@lru_cache(maxsize=1)
def record_schema() -> dict:
    with resources.schema_path(SCHEMA_NAME).open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = record_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_version() -> str:
    return record_schema()["version"]


def problems(record: object) -> list[str]:
    """Every way ``record`` breaks the schema, as readable lines; empty when it is valid.

    With ``oneOf`` at the top, jsonschema reports one summary error; its context holds the errors of
    the branch the record meant to be (trial or error record), which are the useful ones.
    """
    out = []
    for error in _validator().iter_errors(record):
        details = _best_branch(error)
        for e in details:
            where = "/".join(str(p) for p in e.absolute_path) or "(record)"
            out.append(f"{where}: {e.message}")
    return out


def _best_branch(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    if not error.context:
        return [error]
    # group sub-errors by branch and keep the branch with the fewest, deepest errors
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    best = min(branches.values(), key=lambda errs: (len(errs), -max(len(e.absolute_path) for e in errs)))
    out = []
    for sub in best:
        out.extend(_best_branch(sub))
    return out


def is_valid(record: object) -> bool:
    return _validator().is_valid(record)
