"""Records as tables: the flat constraints table (Parquet, CSV, a pandas DataFrame) and a DuckDB database
with tables ``trials``, ``items``, ``constraints`` and ``errors``. Writers stream: rows go out in
fixed-size batches, so memory stays flat and the bytes do not depend on how the records were produced.

>>> from nlp import extract
>>> frame = to_frame([extract("Inclusion Criteria:\\n- ALT <= 3 x ULN", trial_id="NCT00000001")])
>>> frame[["trial_id", "variable", "upper", "reference", "evidence"]].values.tolist()
[['NCT00000001', 'ALT', 3.0, 'ULN', 'ALT <= 3 x ULN']]
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Iterable, Iterator

import pyarrow as pa

from .output import FLAT_COLUMNS, flat_rows

BATCH_ROWS = 50_000  # rows per Parquet row group and per DuckDB insert

FLAT_SCHEMA = pa.schema([
    ("trial_id", pa.string()), ("constraint_id", pa.string()), ("item_id", pa.string()), ("section", pa.string()),
    ("kind", pa.string()), ("variable", pa.string()), ("value", pa.string()), ("lower", pa.float64()),
    ("lower_inclusive", pa.bool_()), ("lower_unit", pa.string()), ("upper", pa.float64()),
    ("upper_inclusive", pa.bool_()), ("upper_unit", pa.string()), ("unit", pa.string()), ("reference", pa.string()),
    ("condition", pa.string()), ("negated", pa.bool_()), ("window", pa.string()), ("evidence", pa.string()),
    ("start", pa.int64()), ("end", pa.int64()), ("rules", pa.string()),
])
assert FLAT_SCHEMA.names == FLAT_COLUMNS

TRIALS_SCHEMA = pa.schema([
    ("trial_id", pa.string()), ("source_format", pa.string()), ("source_input", pa.string()),
    ("source_locator", pa.string()), ("minimum_age", pa.float64()), ("minimum_age_unit", pa.string()),
    ("maximum_age", pa.float64()), ("maximum_age_unit", pa.string()), ("sex", pa.string()),
    ("healthy_volunteers", pa.bool_()), ("layout", pa.string()), ("is_page", pa.bool_()),
    ("criteria_start", pa.int64()), ("criteria_end", pa.int64()), ("n_items", pa.int64()),
    ("n_constraints", pa.int64()), ("warnings", pa.string()), ("criteria_text", pa.string()),
])
ITEMS_SCHEMA = pa.schema([
    ("trial_id", pa.string()), ("item_id", pa.string()), ("section", pa.string()), ("heading", pa.list_(pa.string())),
    ("marker", pa.string()), ("parent", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
    ("text", pa.string()), ("status", pa.string()),
])
ERRORS_SCHEMA = pa.schema([
    ("trial_id", pa.string()), ("source_format", pa.string()), ("source_input", pa.string()),
    ("source_locator", pa.string()), ("code", pa.string()), ("message", pa.string()),
])


def _flat(record: dict) -> Iterator[dict]:
    for row in flat_rows(record):
        value = row["value"]
        if value is not None and not isinstance(value, str):
            row["value"] = json.dumps(value, sort_keys=True)
        yield row


def to_frame(records: Iterable[dict]):
    """The flat constraints table of ``records`` (one row per constraint) as a pandas DataFrame, typed as
    in the Parquet output; error records give no row."""
    rows = [row for record in records for row in _flat(record)]
    return pa.Table.from_pylist(rows, schema=FLAT_SCHEMA).to_pandas()


def extract_frame(trials: Iterable, *, workers: int | None = 1, **options):
    """Extract ``trials`` (texts, registry dicts, ``TrialInput``s) and return the flat constraints table
    as a pandas DataFrame; ``workers`` > 1 runs worker processes (nlp/batch.py)."""
    from .api import _batch_items
    from .batch import run

    records: list[dict] = []
    run(_batch_items(trials), workers=workers,
        write=lambda outcomes: records.extend(json.loads(o.line) for o in outcomes), **options)
    return to_frame(records)


def _trial_row(record: dict) -> dict:
    reg = record.get("registry") or {}
    src = record.get("source") or {}
    crit = record["criteria"]
    row = {"trial_id": record["trial_id"], "source_format": src.get("format"), "source_input": src.get("input"),
           "source_locator": src.get("locator")}
    for name in ("minimum_age", "maximum_age"):
        bound = reg.get(name) or {}
        row[name], row[f"{name}_unit"] = bound.get("value"), bound.get("unit")
    row.update(sex=reg.get("sex"), healthy_volunteers=reg.get("healthy_volunteers"), layout=crit.get("layout"),
               is_page=crit.get("is_page"), criteria_start=crit.get("start"), criteria_end=crit.get("end"),
               n_items=len(record["items"]), n_constraints=len(record["constraints"]),
               warnings=json.dumps(record["warnings"], ensure_ascii=False) if record["warnings"] else None,
               criteria_text=crit["text"])
    return row


def _item_rows(record: dict) -> Iterator[dict]:
    for item in record["items"]:
        yield {"trial_id": record["trial_id"], "item_id": item["id"], "section": item["section"],
               "heading": item["heading"], "marker": item["marker"], "parent": item["parent"],
               "start": item["start"], "end": item["end"], "text": item["text"], "status": item["status"]}


def _error_row(record: dict) -> dict:
    src = record.get("source") or {}
    return {"trial_id": record.get("trial_id"), "source_format": src.get("format"), "source_input": src.get("input"),
            "source_locator": src.get("locator"), "code": record["error"]["code"],
            "message": record["error"]["message"]}


class _Batches:
    """Rows collected per table and flushed every ``BATCH_ROWS``."""

    def __init__(self, flush) -> None:
        self.flush_table = flush
        self.rows: dict[str, list[dict]] = {}

    def add(self, table: str, rows: Iterable[dict]) -> None:
        bucket = self.rows.setdefault(table, [])
        bucket.extend(rows)
        if len(bucket) >= BATCH_ROWS:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in ([table] if table else list(self.rows)):
            if self.rows.get(name):
                self.flush_table(name, self.rows[name])
                self.rows[name] = []


class FlatWriter:
    """The flat constraints table, streamed to Parquet (one row group per ``BATCH_ROWS``) or CSV."""

    def __init__(self, fmt: str, path: str | None = None, stream: IO[str] | None = None) -> None:
        self.fmt, self.path, self.stream = fmt, path, stream
        self.writer = None
        self.header = True
        self.batches = _Batches(self._flush)

    def write(self, record: dict) -> None:
        self.batches.add("constraints", _flat(record))

    def _flush(self, _name: str, rows: list[dict]) -> None:
        table = pa.Table.from_pylist(rows, schema=FLAT_SCHEMA)
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            if self.writer is None:
                self.writer = pq.ParquetWriter(self.path, FLAT_SCHEMA)
            self.writer.write_table(table)
        else:
            table.to_pandas().to_csv(self.stream, index=False, header=self.header)
            self.header = False

    def close(self) -> None:
        self.batches.flush()
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            if self.writer is None:
                self.writer = pq.ParquetWriter(self.path, FLAT_SCHEMA)  # no rows: the columns still
            self.writer.close()
        elif self.header:
            pa.Table.from_pylist([], schema=FLAT_SCHEMA).to_pandas().to_csv(self.stream, index=False)


DUCKDB_TABLES = {"trials": TRIALS_SCHEMA, "items": ITEMS_SCHEMA, "constraints": FLAT_SCHEMA, "errors": ERRORS_SCHEMA}


class DuckDBWriter:
    """A DuckDB database with tables ``trials``, ``items``, ``constraints`` (the flat table) and
    ``errors``, joined on ``trial_id`` (and ``item_id``)."""

    def __init__(self, path: str) -> None:
        import duckdb

        self.con = duckdb.connect(path)
        for name, schema in DUCKDB_TABLES.items():
            self.con.register("_empty", pa.Table.from_pylist([], schema=schema))
            self.con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _empty')
            self.con.unregister("_empty")
        self.batches = _Batches(self._flush)

    def write(self, record: dict) -> None:
        if "error" in record:
            self.batches.add("errors", [_error_row(record)])
            return
        self.batches.add("trials", [_trial_row(record)])
        self.batches.add("items", _item_rows(record))
        self.batches.add("constraints", _flat(record))

    def _flush(self, name: str, rows: list[dict]) -> None:
        self.con.register("_batch", pa.Table.from_pylist(rows, schema=DUCKDB_TABLES[name]))
        self.con.execute(f'INSERT INTO "{name}" SELECT * FROM _batch')
        self.con.unregister("_batch")

    def close(self) -> None:
        self.batches.flush()
        self.con.execute("CHECKPOINT")
        self.con.close()


def remove_quietly(path: str | os.PathLike) -> None:
    """Remove ``path`` if it is there (a stale errors file, DuckDB's write-ahead log)."""
    p = Path(path)
    if p.exists():
        p.unlink()
