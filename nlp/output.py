"""Write records: JSON Lines or a JSON array of trial records, or a flat table (CSV/Parquet) with one row
per constraint. Files are written atomically: to a temporary file beside the target, then renamed, so
an interrupted run never leaves a half-written output."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from .errors import EligexError

OUTPUT_FORMATS = ("jsonl", "json", "csv", "parquet", "duckdb")
FLAT_COLUMNS = [
    "trial_id", "constraint_id", "item_id", "section", "kind", "variable", "value", "lower", "lower_inclusive",
    "lower_unit", "upper", "upper_inclusive", "upper_unit", "unit", "reference", "condition", "negated", "window",
    "evidence", "start", "end", "rules",
]


def format_for(path: str | None, requested: str | None) -> str:
    if requested:
        if requested not in OUTPUT_FORMATS:
            raise EligexError("E030", fmt=requested, expected=", ".join(OUTPUT_FORMATS))
        return requested
    if path:
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix in ("ndjson",):
            return "jsonl"
        if suffix in OUTPUT_FORMATS:
            return suffix
        raise EligexError("E030", fmt=f".{suffix}" if suffix else "(no suffix)",
                          expected=", ".join(OUTPUT_FORMATS) + " (name the file so, or pass --format)")
    return "jsonl"


def flat_rows(record: dict) -> Iterator[dict]:
    """One row per constraint of a trial record (error records have none)."""
    for c in record.get("constraints", []):
        lower, upper = c.get("lower") or {}, c.get("upper") or {}
        variable = c.get("variable")
        if isinstance(variable, dict):
            variable = variable.get("id")
        for key in ("drug", "concept", "event"):
            if variable is None and isinstance(c.get(key), dict):
                variable = c[key].get("id") or c[key].get("text")
        window = c.get("window") or (c.get("windows") or [None])[0]
        yield {
            "trial_id": record["trial_id"], "constraint_id": c["id"], "item_id": c["item"], "section": c["section"],
            "kind": c["kind"], "variable": variable, "value": c.get("value"),
            "lower": lower.get("value"), "lower_inclusive": lower.get("inclusive"),
            # a bound's own unit ("6 months to 17 years"), else the constraint's
            "lower_unit": lower.get("unit", c.get("unit")) if lower else None,
            "upper": upper.get("value"), "upper_inclusive": upper.get("inclusive"),
            "upper_unit": upper.get("unit", c.get("unit")) if upper else None,
            "unit": c.get("unit"), "reference": (c.get("reference") or {}).get("type"),
            "condition": c.get("condition"), "negated": c["negated"],
            "window": json.dumps(window, sort_keys=True) if window else None,
            "evidence": c["evidence"]["text"], "start": c["evidence"]["start"], "end": c["evidence"]["end"],
            "rules": " ".join(c["rules"]),
        }


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """A temporary path beside ``path``, renamed onto it only when the block succeeds."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=str(target.parent))
    except OSError as exc:
        raise EligexError("E031", path=path, detail=exc.strerror or str(exc)) from None
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; the output is not
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class RecordWriter:
    """Accepts records one at a time; JSON Lines stream, the other formats collect rows."""

    def __init__(self, fmt: str, stream: IO[str] | None = None, path: str | None = None) -> None:
        self.fmt = fmt
        self.stream = stream
        self.path = path
        self.rows: list[dict] = []
        self.first = True

    def write(self, record: dict) -> None:
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            self.stream.write(("[\n" if self.first else ",\n") + json.dumps(record, ensure_ascii=False))
        else:
            self.rows.extend(flat_rows(record))
        self.first = False

    def close(self) -> None:
        if self.fmt == "json":
            self.stream.write("[\n]\n" if self.first else "\n]\n")
        elif self.fmt in ("csv", "parquet"):
            import pandas as pd

            frame = pd.DataFrame(self.rows, columns=FLAT_COLUMNS)
            if self.fmt == "csv":
                frame.to_csv(self.stream, index=False)
            else:
                frame.to_parquet(self.path, index=False)
