"""Read trials from the inputs users have: ClinicalTrials.gov API v2 JSON, legacy XML (file, directory, zip),
tables (CSV/TSV/Parquet/JSON Lines), plain text or a saved registry page, and standard input.

The format is detected from the content (``--input-format`` forces it). Readers stream: they yield one
``TrialInput`` per trial, or an ``EligexError`` for an input that cannot be read, so a batch goes on.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any, Iterator
from xml.etree import ElementTree

from .errors import EligexError
from .extract import TrialInput

FORMATS = ("auto", "ctgov-json", "ctgov-xml", "table", "text")
ID_COLUMNS = ("nct_id", "nctid", "nct", "nct_number", "trial_id", "id")
TEXT_COLUMNS = ("eligibility_criteria", "criteria", "eligibilitycriteria", "eligibility", "criteria_text", "text")
REGISTRY_COLUMNS = {
    "minimum_age": ("minimum_age", "min_age", "minimumage", "minage"),
    "maximum_age": ("maximum_age", "max_age", "maximumage", "maxage"),
    "sex": ("sex", "gender"),
    "healthy_volunteers": ("healthy_volunteers", "healthyvolunteers", "accepts_healthy_volunteers"),
    "std_ages": ("std_ages", "stdages"),
}
_NUL = b"\x00"
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
_TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}

Item = "TrialInput | EligexError"


def _err(code: str, source: dict, trial_id: str | None = None, **fields: Any) -> EligexError:
    where = source["input"] + (f":{source['locator']}" if source.get("locator") else "")
    return EligexError(code, source=where, record_source=source, trial_id=trial_id, **fields)


# -- registry dicts ---------------------------------------------------------------------------------
def _ci(d: dict, *names: str) -> Any:
    """A value of ``d`` by any of ``names``, ignoring case."""
    lower = {str(k).lower(): v for k, v in d.items()}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None


def _v2_trial(study: dict, source: dict) -> TrialInput:
    ps = _ci(study, "protocolSection") or {}
    ident = _ci(ps, "identificationModule") or {}
    elig = _ci(ps, "eligibilityModule") or {}
    return TrialInput(
        trial_id=_ci(ident, "nctId"),
        text=_ci(elig, "eligibilityCriteria"),
        source=source,
        registry={
            "minimum_age": _ci(elig, "minimumAge"), "maximum_age": _ci(elig, "maximumAge"),
            "sex": _ci(elig, "sex", "gender"), "healthy_volunteers": _ci(elig, "healthyVolunteers"),
            "std_ages": _ci(elig, "stdAges"),
        },
    )


def trial_from_mapping(row: dict, *, source: dict, id_column: str | None = None,
                       text_column: str | None = None) -> TrialInput:
    """A ``TrialInput`` from an API v2 study or a flat table row (column names found case-insensitively)."""
    if _ci(row, "protocolSection") is not None:
        return _v2_trial(row, {**source, "format": "ctgov_v2_json"})
    trial_id = _ci(row, id_column) if id_column else _ci(row, *ID_COLUMNS)
    text = _ci(row, text_column) if text_column else _ci(row, *TEXT_COLUMNS)
    registry = {key: _none(_ci(row, *names)) for key, names in REGISTRY_COLUMNS.items()}
    return TrialInput(trial_id=_none(trial_id), text=text, source=source, registry=registry)


def _none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


# -- detection --------------------------------------------------------------------------------------
def _is_binary(data: bytes) -> bool:
    """A NUL byte near the start that is not UTF-16 text (which has a byte order mark)."""
    head = data[:8192]
    return _NUL in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _decode(data: bytes, name: str, encoding: str) -> str:
    head = data[:8192]
    for bom, codec in _BOMS:
        if data.startswith(bom):
            encoding = codec  # a byte-order mark says what the file is
            break
    else:
        if _is_binary(data):
            raise EligexError("E005", source=name, detail=f"a NUL byte at offset {head.index(_NUL)}")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise EligexError("E006", source=name, encoding=encoding, byte=hex(data[exc.start]), offset=exc.start) from None
    except LookupError:
        raise EligexError("E001", source=name, detail=f"unknown encoding {encoding!r}") from None


def detect(data: bytes, name: str) -> str:
    """The format of ``data`` from its content: ``zip``, ``parquet``, ``ctgov-xml``, ``json``, ``table``
    or ``text``."""
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"PAR1"):
        return "parquet"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "ctgov-xml" if b"<clinical_study" in data[:20000] else "text"
    if head.startswith((b"{", b"[")):
        return "json"
    suffix = Path(name).suffix.lower()
    if suffix in _JSON_LINES_SUFFIXES and any(line.lstrip().startswith(b"{") for line in head.splitlines()):
        return "json"  # JSON Lines whose first line is broken: the other lines still count
    if suffix in _TABLE_SUFFIXES:
        return "table"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    cells = [c.strip().strip('"') for c in first.replace("\t", ",").split(",")]
    if any(c in ID_COLUMNS for c in cells) and any(c in TEXT_COLUMNS for c in cells):
        return "table"
    return "text"


_EXPECTED = {".json": "json", ".jsonl": "json", ".ndjson": "json", ".xml": "ctgov-xml", ".csv": "table",
             ".tsv": "table", ".parquet": "parquet", ".zip": "zip"}
_SOURCE_FORMAT = {"zip": "ctgov_xml", "parquet": "table", "ctgov-xml": "ctgov_xml", "json": "ctgov_v2_json",
                  "table": "table", "text": "text"}
_NAMES = {"json": "JSON", "ctgov-xml": "ClinicalTrials.gov XML", "table": "a CSV/TSV table", "parquet": "Parquet",
          "zip": "a zip archive", "text": "plain text"}


# -- reading ----------------------------------------------------------------------------------------
def read_inputs(paths: list[str], *, input_format: str = "auto", id_column: str | None = None,
                text_column: str | None = None, encoding: str = "utf-8") -> Iterator[Any]:
    """Every trial of every input, in order, as ``TrialInput`` or ``EligexError``."""
    if input_format not in FORMATS:
        raise EligexError("E008", fmt=input_format, expected=", ".join(FORMATS))
    for path in paths:
        yield from _read_one(path, input_format, id_column, text_column, encoding)


def _read_one(path: str, fmt: str, id_column, text_column, encoding) -> Iterator[Any]:
    name = "<stdin>" if path == "-" else path
    src = {"format": "text", "input": name, "locator": None}
    archive = None
    try:
        if path != "-" and os.path.isdir(path):
            yield from _read_dir(Path(path), id_column, text_column)
            return
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                head = fh.read(_HEAD)
                if _streams(head, name, fmt, encoding):
                    data = None
                elif (head.startswith(b"PK\x03\x04") and fmt == "auto") or \
                        (head.startswith(b"PAR1") and fmt in ("auto", "table")):
                    data, archive = head, path  # enough to detect; the reader reads the file a member at a time
                else:
                    data = head + fh.read()
    except OSError as exc:
        yield _err("E001", src, detail=exc.strerror or str(exc))
        return
    if data is None:
        # JSON Lines read line by line: memory stays flat however long the file is
        yield from _stream_ndjson(path, name, id_column, text_column, encoding)
        return
    if not data.strip():
        yield _err("E009", src)
        return
    found = detect(data, name)
    src["format"] = _SOURCE_FORMAT.get(found, "text")
    suffix = Path(name).suffix.lower()
    if found not in ("zip", "parquet") and _is_binary(data):
        yield _err("E005", src, detail=f"a NUL byte at offset {data[:8192].index(_NUL)}")
        return
    expected = _EXPECTED.get(suffix)
    if fmt == "auto" and expected and expected != found and not (expected == "table" and found == "text"):
        yield _err("E003", src, found=_NAMES[found], expected=_NAMES[expected])
        return
    kind = found if fmt == "auto" else fmt
    if fmt == "ctgov-json":
        kind = "json"
    if fmt == "table" and found in ("parquet", "json"):
        kind = found
    try:
        if kind == "zip":
            yield from _read_zip(archive or data, name, id_column, text_column)
        elif kind == "parquet":
            yield from _read_parquet(archive or data, name, id_column, text_column)
        elif kind == "ctgov-xml":
            yield _xml_trial(data, {"format": "ctgov_xml", "input": name, "locator": None}, encoding)
        elif kind == "json":
            yield from _read_json(_decode(data, name, encoding), name, id_column, text_column, forced=fmt != "auto")
        elif kind == "table":
            yield from _read_csv(_decode(data, name, encoding), name, id_column, text_column)
        else:
            text = _decode(data, name, encoding)
            yield TrialInput(trial_id=_text_id(text, name), text=text,
                             source={"format": "text", "input": name, "locator": None}, is_plain_text=True)
    except EligexError as exc:
        yield _err(exc.code, src, **exc.fields) if not exc.source else exc


_HEAD = 1 << 16


def _streams(head: bytes, name: str, fmt: str, encoding: str) -> bool:
    """Whether a file is JSON Lines that reads the same line by line as whole: a .jsonl/.ndjson name,
    UTF-8, and a first line that is a JSON object on its own with more lines after it (so reading the
    whole file as one JSON document fails and it is read as lines anyway)."""
    if fmt not in ("auto", "table", "ctgov-json") or Path(name).suffix.lower() not in _JSON_LINES_SUFFIXES:
        return False
    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if _NUL in head:
        return False
    lines = [line for line in head.lstrip(b"\xef\xbb\xbf").split(b"\n") if line.strip()]
    if len(lines) < 2:
        return False
    try:
        first = json.loads(lines[0])
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(first, dict) and lines[0].strip() != b"{}"


def _stream_ndjson(path: str, name: str, id_column, text_column, encoding: str) -> Iterator[Any]:
    """``_read_ndjson`` over a file read a line at a time."""
    offset = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            start = offset
            offset += len(raw)
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw, start = raw[3:], 3
            raw = raw.rstrip(b"\n").rstrip(b"\r") if raw.endswith(b"\n") else raw
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield _err("E006", {"format": "table", "input": name, "locator": f"line {lineno}"},
                           encoding=encoding, byte=hex(raw[exc.start]), offset=start + exc.start)
                continue
            yield from _ndjson_line(line, lineno, name, id_column, text_column)


def _text_id(text: str, name: str) -> str:
    """The NCT id a text names (a saved page shows it), else the file's stem."""
    m = re.search(r"\bNCT\d{8}\b", text)
    if m:
        return m.group()
    return "stdin" if name == "<stdin>" else Path(name).stem


def _read_json(text: str, name: str, id_column, text_column, *, forced: bool) -> Iterator[Any]:
    stripped = text.lstrip("\ufeff \t\r\n")
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if "\n" in stripped.strip() and (Path(name).suffix.lower() in _JSON_LINES_SUFFIXES or _json_lines(stripped)):
            yield from _read_ndjson(text.lstrip("\ufeff"), name, id_column, text_column)  # line numbers as in the file
            return
        raise EligexError("E002", source=name, expected="JSON", detail=f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if isinstance(doc, dict) and isinstance(_ci(doc, "studies"), list):
        rows, prefix = _ci(doc, "studies"), "studies"
    elif isinstance(doc, list):
        rows, prefix = doc, ""
    elif isinstance(doc, dict):
        rows, prefix = [doc], None
    else:
        raise EligexError("E002", source=name, expected="ClinicalTrials.gov JSON",
                          detail=f"expected a study, a list of studies or {{\"studies\": [...]}}, "
                                 f"found a JSON {type(doc).__name__}")
    if not rows:
        raise EligexError("E009", source=name)
    for n, row in enumerate(rows):
        loc = None if prefix is None else f"{prefix}[{n}]"
        src = {"format": "ctgov_v2_json", "input": name, "locator": loc}
        if not isinstance(row, dict):
            yield _err("E002", src, expected="ClinicalTrials.gov JSON",
                       detail=f"expected a JSON object per study, found {type(row).__name__}")
            continue
        if _ci(row, "protocolSection") is None:
            src = {**src, "format": "table"}
        yield _check_columns(trial_from_mapping(row, source=src, id_column=id_column, text_column=text_column),
                             row, src, id_column, text_column)


def _json_lines(text: str) -> bool:
    """Whether ``text`` is JSON Lines: one of its first lines is a whole JSON object on its own (the lines
    of a pretty-printed document are not), so a truncated .json file is one error, not one per line."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    for line in lines:
        try:
            if isinstance(json.loads(line), dict) and line.strip() != "{}":
                return True
        except json.JSONDecodeError:
            continue
    return False


def _read_ndjson(text: str, name: str, id_column, text_column) -> Iterator[Any]:
    for lineno, line in enumerate(text.splitlines(), 1):
        yield from _ndjson_line(line, lineno, name, id_column, text_column)


def _ndjson_line(line: str, lineno: int, name: str, id_column, text_column) -> Iterator[Any]:
    if not line.strip():
        return
    src = {"format": "table", "input": name, "locator": f"line {lineno}"}
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        yield _err("E021", src, line=lineno, detail=f"{exc.msg} at column {exc.colno}")
        return
    if not isinstance(row, dict):
        yield _err("E002", src, expected="JSON Lines",
                   detail=f"expected a JSON object per line, found {type(row).__name__}")
        return
    if _ci(row, "protocolSection") is not None:
        src["format"] = "ctgov_v2_json"
    yield _check_columns(trial_from_mapping(row, source=src, id_column=id_column, text_column=text_column),
                         row, src, id_column, text_column)


def _check_columns(trial: TrialInput, row: dict, src: dict, id_column, text_column) -> Any:
    """``trial``, or E007 when the row lacks the text column or the --id-column key altogether (a key that is
    there with a null value is a missing value: E014/E011 when the trial is extracted)."""
    if src["format"] == "ctgov_v2_json":
        return trial
    keys = {str(k).lower() for k in row}
    columns = ", ".join(map(str, row))
    if text_column and text_column.lower() not in keys:
        return _err("E007", src, trial_id=trial.trial_id, column=text_column, columns=columns, option="--text-column")
    if not text_column and not keys & set(TEXT_COLUMNS):
        return _err("E007", src, trial_id=trial.trial_id, column=TEXT_COLUMNS[0], columns=columns,
                    option="--text-column")
    if id_column and id_column.lower() not in keys:
        return _err("E007", src, column=id_column, columns=columns, option="--id-column")
    return trial


def _read_csv(text: str, name: str, id_column, text_column) -> Iterator[Any]:
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = "\t" if Path(name).suffix.lower() in (".tsv", ".tab") or ("\t" in text.split("\n", 1)[0]) else ","
    csv.field_size_limit(2**31 - 1)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = reader.fieldnames or []
    _require_columns(columns, name, id_column, text_column)
    for n, row in enumerate(reader, 1):
        src = {"format": "table", "input": name, "locator": f"row {n}"}
        yield trial_from_mapping(row, source=src, id_column=id_column, text_column=text_column)


def _require_columns(columns, name, id_column, text_column) -> None:
    lower = {str(c).lower() for c in columns}
    listed = ", ".join(map(str, columns)) or "(none)"
    if text_column and text_column.lower() not in lower:
        raise EligexError("E007", source=name, column=text_column, columns=listed, option="--text-column")
    if not text_column and not lower & set(TEXT_COLUMNS):
        raise EligexError("E007", source=name, column=TEXT_COLUMNS[0], columns=listed, option="--text-column")
    if id_column and id_column.lower() not in lower:
        raise EligexError("E007", source=name, column=id_column, columns=listed, option="--id-column")


def _read_parquet(data: bytes | str, name: str, id_column, text_column) -> Iterator[Any]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(data if isinstance(data, str) else io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise EligexError("E002", source=name, expected="Parquet", detail=str(exc)) from None
    _require_columns(pf.schema_arrow.names, name, id_column, text_column)
    n = 0
    for batch in pf.iter_batches(batch_size=2048):
        for row in batch.to_pylist():
            n += 1
            src = {"format": "table", "input": name, "locator": f"row {n}"}
            yield trial_from_mapping(row, source=src, id_column=id_column, text_column=text_column)


def _xml_trial(data: bytes, src: dict, encoding: str) -> Any:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return _err("E002", src, expected="XML", detail=str(exc))
    if root.tag != "clinical_study":
        return _err("E002", src, expected="ClinicalTrials.gov XML",
                    detail=f"expected a <clinical_study> document, found the root element <{root.tag}>")

    def text_of(path: str) -> str | None:
        el = root.find(path)
        return el.text if el is not None and el.text is not None else None

    return TrialInput(
        trial_id=text_of("id_info/nct_id"),
        text=text_of("eligibility/criteria/textblock"),
        source=src,
        registry={
            "minimum_age": text_of("eligibility/minimum_age"), "maximum_age": text_of("eligibility/maximum_age"),
            "sex": text_of("eligibility/gender"), "healthy_volunteers": text_of("eligibility/healthy_volunteers"),
        },
    )


def _read_dir(path: Path, id_column=None, text_column=None) -> Iterator[Any]:
    """Every ``.xml`` (legacy ``<clinical_study>``) and ``.json`` (API v2 study) file under ``path``."""
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".xml", ".json"))
    if not files:
        yield _err("E009", {"format": "ctgov_xml", "input": str(path), "locator": None})
        return
    for f in files:
        src = {"format": "ctgov_xml" if f.suffix.lower() == ".xml" else "ctgov_v2_json", "input": str(f),
               "locator": None}
        try:
            data = f.read_bytes()
        except OSError as exc:
            yield _err("E001", src, detail=exc.strerror or str(exc))
            continue
        yield from _member(data, src, id_column, text_column)


def _member(data: bytes, src: dict, id_column, text_column) -> Iterator[Any]:
    if src["format"] == "ctgov_xml":
        yield _xml_trial(data, src, "utf-8")
        return
    where = src["input"] + (f":{src['locator']}" if src["locator"] else "")
    try:
        for item in _read_json(_decode(data, where, "utf-8"), where, id_column, text_column, forced=False):
            if isinstance(item, TrialInput) and src["locator"]:
                item.source = {**item.source, "input": src["input"], "locator": src["locator"]}
            yield item
    except EligexError as exc:
        yield _err(exc.code, src, **{k: v for k, v in exc.fields.items() if k not in ("record_source", "trial_id")})


def _read_zip(data: bytes | str, name: str, id_column=None, text_column=None) -> Iterator[Any]:
    """A zip of legacy XML files (AllPublicXML) or of API v2 JSON studies (ClinicalTrials.gov's bulk download),
    from its bytes or its path (read a member at a time)."""
    try:
        zf = zipfile.ZipFile(data if isinstance(data, str) else io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise EligexError("E002", source=name, expected="ZIP", detail=str(exc)) from None
    members = sorted(m for m in zf.namelist() if m.lower().endswith((".xml", ".json")))
    if not members:
        raise EligexError("E009", source=name)
    for member in members:
        fmt = "ctgov_xml" if member.lower().endswith(".xml") else "ctgov_v2_json"
        yield from _member(zf.read(member), {"format": fmt, "input": name, "locator": member}, id_column, text_column)
