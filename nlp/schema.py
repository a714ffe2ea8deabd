"""Validate records against ``schemas/record.schema.json`` (Draft 2020-12), reporting every problem."""

from __future__ import annotations

import json
from functools import lru_cache

import jsonschema

from . import resources

SCHEMA_NAME = "record.schema.json"


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """A schema of ``schemas/`` by file name (``record.schema.json``, ``patient.schema.json``)."""
    with resources.schema_path(name).open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=None)
def validator_for(name: str) -> jsonschema.Draft202012Validator:
    """The checked Draft 2020-12 validator of a schema of ``schemas/``."""
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def record_schema() -> dict:
    return load_schema(SCHEMA_NAME)


def _validator() -> jsonschema.Draft202012Validator:
    return validator_for(SCHEMA_NAME)


def schema_version() -> str:
    return record_schema()["version"]


@lru_cache(maxsize=1)
def _fast_validator():
    """jsonschema-rs compiled from the same schema: about 500x faster on our records. It answers
    valid/invalid on the hot path; jsonschema, whose messages are the best, explains the invalid ones
    (tests/test_schema_validators.py checks that the two agree)."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(record_schema())


def problems(record: object) -> list[str]:
    """Every way ``record`` breaks the schema, as readable lines; empty when it is valid."""
    if _fast_validator().is_valid(record):
        return []
    out = []
    for error in sorted(_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(record)"
        out.append(f"{where}: {error.message}")
    return out


def is_valid(record: object) -> bool:
    return _fast_validator().is_valid(record)
