"""Every input format and every bad input, through the Python API (``read_inputs`` + ``extract_many``,
``nlp.extract``, ``nlp.extract_batch``) and the ``eligex`` command (``nlp.cli.main`` in process; a subprocess
for standard input). The fixtures in ``tests/data`` are real ClinicalTrials.gov records (see its README);
bad inputs are written into ``tmp_path`` by the tests."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import nlp
from nlp import cli
from nlp.errors import EligexError
from nlp.extract import extract_many
from nlp.output import FLAT_COLUMNS
from nlp.readers import read_inputs
from nlp.schema import problems

DATA = Path(__file__).resolve().parent / "data"
XML_IDS = ["NCT00000102", "NCT00000108", "NCT00000115", "NCT00002462"]
TABLE_IDS = [*XML_IDS, "NCT06230445"]
ADULT, OLDER = ["ADULT"], ["ADULT", "OLDER_ADULT"]

# NCT id: the registry fields of its corpus record (shared/corpus/trials.jsonl), as a record states them.
REGISTRY = {
    "NCT00000102": ("14 Years", 14, "35 Years", 35, "all", False, None),
    "NCT00000108": ("50 Years", 50, "65 Years", 65, "female", True, None),
    "NCT00000115": ("8 Years", 8, None, None, "all", None, None),  # XML: maximum_age N/A, no healthy_volunteers
    "NCT00002462": ("15 Years", 15, "70 Years", 70, "all", False, None),
    "NCT06230445": ("18 Years", 18, "70 Years", 70, "all", False, OLDER),
    "NCT02385136": ("18 Years", 18, "75 Years", 75, "all", False, OLDER),
    "NCT05913700": ("50 Years", 50, None, None, "all", False, OLDER),
    "NCT05905653": ("18 Years", 18, "35 Years", 35, "male", True, ADULT),
}
# Age statements the criteria texts make, found verbatim in the record whatever the container.
AGE_EVIDENCE = {
    "NCT06230445": "aged \\> 18 years and \\< 70 years",
    "NCT05913700": "Aged 50 years or older",
    "NCT00002462": "Age: 15 to 70",
    "NCT00000115": "8 years of age or older",
}


def _texts() -> dict[str, str]:
    """NCT id → criteria text, read straight from the fixtures with json (not through the readers)."""
    out = {}
    for line in (DATA / "trials.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out[row["nct_id"]] = row["eligibility_criteria"]
    page = json.loads((DATA / "ctgov_v2_page.json").read_text(encoding="utf-8"))["studies"]
    studies = json.loads((DATA / "ctgov_v2_list.json").read_text(encoding="utf-8")) + page
    for study in studies:
        ps = study["protocolSection"]
        out[ps["identificationModule"]["nctId"]] = ps["eligibilityModule"]["eligibilityCriteria"]
    return out


TEXTS = _texts()


# -- building inputs --------------------------------------------------------------------------------
def xml_zip(tmp_path: Path, extra: dict[str, bytes] | None = None) -> Path:
    path = tmp_path / "studies.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted((DATA / "xml").glob("*.xml")):
            zf.write(f, arcname=f"AllPublicXML/{f.name}")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def parquet_copy(tmp_path: Path, source: str = "trials.csv") -> Path:
    path = tmp_path / "trials.parquet"
    pd.read_csv(DATA / source).to_parquet(path, index=False)
    return path


def copy_as(name: str, new_name: str):
    def build(tmp_path: Path) -> Path:
        path = tmp_path / new_name
        path.write_bytes((DATA / name).read_bytes())
        return path
    return build


def write(name: str, data: bytes | str):
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path
    return build


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def v2_study(nct_id: str, criteria) -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": nct_id},
                                "eligibilityModule": {"eligibilityCriteria": criteria, "minimumAge": "18 Years",
                                                      "sex": "ALL", "healthyVolunteers": False}}}


def resolve(source, tmp_path: Path) -> Path:
    return DATA / source if isinstance(source, str) else source(tmp_path)


def api_options(args: list[str]) -> dict:
    """CLI options → keyword arguments of ``read_inputs``."""
    names = {"--input-format": "input_format", "--id-column": "id_column", "--text-column": "text_column",
             "--encoding": "encoding"}
    pairs = dict(zip(args[::2], args[1::2]))
    return {names[k]: v for k, v in pairs.items() if k in names}


def max_chars(args: list[str]) -> dict:
    return {"max_chars": int(args[args.index("--max-chars") + 1])} if "--max-chars" in args else {}


def run_cli(capsys, *argv: str) -> tuple[int, list[dict], str]:
    """``eligex`` in process: exit code, the JSON Lines records it printed, its standard error."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


# -- what every record must satisfy -----------------------------------------------------------------
def spans(record: dict):
    """(what, span) for every item, constraint evidence and constraint part of a trial record."""
    for item in record["items"]:
        yield f"item {item['id']}", item
    for c in record["constraints"]:
        yield f"{c['id']} evidence", c["evidence"]
        for part in c["parts"]:
            yield f"{c['id']} {part['role']}", part


def assert_sound(record: dict) -> None:
    """Valid against the schema; a trial record's every span is the input text at its offsets."""
    assert problems(record) == [], record.get("trial_id")
    if "error" in record:
        return
    assert cli.evidence_problems(record) == []
    text = record["criteria"]["text"]
    for what, span in spans(record):
        assert text[span["start"]:span["end"]] == span["text"], (record["trial_id"], what)
    assert 0 <= record["criteria"]["start"] <= record["criteria"]["end"] <= len(text)


def expected_registry(nct_id: str, fields: str) -> dict | None:
    """The registry block a record of ``nct_id`` must carry, for the fields its input format has."""
    if fields == "none":
        return None
    lo_text, lo, up_text, up, sex, hv, std = REGISTRY[nct_id]
    age = lambda t, v: {"text": t, "value": v, "unit": "years"} if t else None  # noqa: E731
    full = {"minimum_age": age(lo_text, lo), "maximum_age": age(up_text, up), "sex": sex,
            "healthy_volunteers": hv, "std_ages": std if fields == "v2" else None}
    if fields == "sex":
        full = {**{k: None for k in full}, "sex": sex}
    return full


def check_trials(records: list[dict], expected: list[tuple], fmt: str, fields: str, text_kind: str,
                 path: Path) -> None:
    assert [r.get("error") for r in records] == [None] * len(records)
    assert [(r["trial_id"], r["source"]["locator"]) for r in records] == expected
    for record, (trial_id, _) in zip(records, expected):
        assert_sound(record)
        assert record["source"]["format"] == fmt
        assert Path(record["source"]["input"]).name in {path.name, f"{trial_id}.xml"}
        text = record["criteria"]["text"]
        if text_kind == "file":
            assert text == path.read_bytes().decode("utf-8")  # \r\n kept
        elif text_kind == "xml":  # an XML parser turns \r\n into \n (XML 1.0, 2.11)
            assert text == TEXTS[trial_id].replace("\r\n", "\n")
        else:
            assert text == TEXTS[trial_id]
        registry = record["registry"]
        want = expected_registry(trial_id, fields)
        if want is None:
            assert registry is None
        else:
            assert {k: v for k, v in registry.items() if k != "source"} == want
            assert registry["source"] == fmt
        if trial_id in AGE_EVIDENCE and text_kind != "file":
            assert AGE_EVIDENCE[trial_id] in [c["evidence"]["text"] for c in record["constraints"]]
        if trial_id == "NCT00002462" and text_kind != "file":
            assert record["criteria"]["layout"] == "pdq"


# -- every good input format ------------------------------------------------------------------------
ROWS = [(n, f"row {i}") for i, n in enumerate(TABLE_IDS, 1)]  # trials.csv/.tsv as (trial_id, locator)
LINES = [(n, f"line {i}") for i, n in enumerate(TABLE_IDS, 1)]  # trials.jsonl
V2_LINES = [("NCT06230445", "line 1"), ("NCT02385136", "line 2"), ("NCT05905653", "line 3")]  # the .ndjson

GOOD = [
    # source, CLI options, [(trial_id, locator)], source format, registry fields, criteria text
    pytest.param("ctgov_v2_study.json", [], [("NCT06230445", None)], "ctgov_v2_json", "v2", "registry",
                 id="v2-json-one-study"),
    pytest.param("ctgov_v2_list.json", [], [("NCT02385136", "[0]"), ("NCT05913700", "[1]")], "ctgov_v2_json",
                 "v2", "registry", id="v2-json-list"),
    pytest.param("ctgov_v2_page.json", [], [("NCT05913700", "studies[0]"), ("NCT05905653", "studies[1]")],
                 "ctgov_v2_json", "v2", "registry", id="v2-json-page"),
    pytest.param("ctgov_v2_studies.ndjson", [],
                 V2_LINES,
                 "ctgov_v2_json", "v2", "registry", id="v2-ndjson"),
    pytest.param(copy_as("ctgov_v2_studies.ndjson", "studies.json"), [],
                 V2_LINES,
                 "ctgov_v2_json", "v2", "registry", id="v2-ndjson-named-json"),
    pytest.param("xml/NCT00002462.xml", [], [("NCT00002462", None)], "ctgov_xml", "legacy", "xml",
                 id="xml-file-pdq"),
    pytest.param("xml/NCT00000108.xml", [], [("NCT00000108", None)], "ctgov_xml", "legacy", "xml",
                 id="xml-file-female-healthy"),
    pytest.param("xml", [], [(n, None) for n in XML_IDS], "ctgov_xml", "legacy", "xml", id="xml-directory"),
    pytest.param(xml_zip, [], [(n, f"AllPublicXML/{n}.xml") for n in XML_IDS], "ctgov_xml", "legacy", "xml",
                 id="xml-zip"),
    pytest.param("trials.csv", [], ROWS, "table", "legacy",
                 "registry", id="csv"),
    pytest.param("trials.tsv", [], ROWS, "table", "legacy",
                 "registry", id="tsv"),
    pytest.param(parquet_copy, [], ROWS, "table", "legacy",
                 "registry", id="parquet"),
    pytest.param("trials.jsonl", [], LINES, "table", "legacy",
                 "registry", id="jsonl-corpus-shape"),
    pytest.param(write("utf8-bom.csv", b"\xef\xbb\xbf" + (DATA / "trials.csv").read_bytes()), [],
                 ROWS, "table", "legacy", "registry",
                 id="csv-utf8-bom-excel"),
    pytest.param(write("trials.txt", (DATA / "trials.csv").read_bytes()), [],
                 ROWS, "table", "legacy", "registry",
                 id="csv-detected-by-header"),
    pytest.param("custom_columns.csv", ["--id-column", "Trial", "--text-column", "Eligibility text"],
                 [("NCT02385136", "row 1"), ("NCT05905653", "row 2")], "table", "sex", "registry",
                 id="csv-id-and-text-column"),
    pytest.param("custom_columns.csv", ["--id-column", "trial", "--text-column", "ELIGIBILITY TEXT"],
                 [("NCT02385136", "row 1"), ("NCT05905653", "row 2")], "table", "sex", "registry",
                 id="csv-columns-any-case"),
    pytest.param("NCT00000108.txt", [], [("NCT00000108", None)], "text", "none", "file",
                 id="text-id-from-file-name"),
    pytest.param("criteria.txt", [], [("criteria", None)], "text", "none", "file", id="text"),
    # --input-format forces what the content or the name would say
    pytest.param(copy_as("xml/NCT00000102.xml", "NCT00000102.json"), ["--input-format", "ctgov-xml"],
                 [("NCT00000102", None)], "ctgov_xml", "legacy", "xml", id="forced-xml-named-json"),
    pytest.param(copy_as("custom_columns.csv", "export.txt"),
                 ["--input-format", "table", "--id-column", "Trial", "--text-column", "Eligibility text"],
                 [("NCT02385136", "row 1"), ("NCT05905653", "row 2")], "table", "sex", "registry",
                 id="forced-table-named-txt"),
    pytest.param(copy_as("criteria.txt", "criteria.json"), ["--input-format", "text"], [("criteria", None)],
                 "text", "none", "file", id="forced-text-named-json"),
    pytest.param("trials.csv", ["--input-format", "text"], [("NCT00000102", None)], "text", "none", "file",
                 id="forced-text-on-csv"),
    pytest.param("ctgov_v2_page.json", ["--input-format", "ctgov-json"],
                 [("NCT05913700", "studies[0]"), ("NCT05905653", "studies[1]")], "ctgov_v2_json", "v2",
                 "registry", id="forced-ctgov-json"),
    pytest.param(parquet_copy, ["--input-format", "table"], ROWS,
                 "table", "legacy", "registry", id="forced-table-on-parquet"),
]


@pytest.mark.parametrize("source,args,expected,fmt,fields,text_kind", GOOD)
def test_reads_format_api(tmp_path, source, args, expected, fmt, fields, text_kind):
    path = resolve(source, tmp_path)
    records = list(extract_many(read_inputs([str(path)], **api_options(args))))
    check_trials(records, expected, fmt, fields, text_kind, path)


@pytest.mark.parametrize("source,args,expected,fmt,fields,text_kind", GOOD)
def test_reads_format_cli(tmp_path, capsys, source, args, expected, fmt, fields, text_kind):
    path = resolve(source, tmp_path)
    code, records, err = run_cli(capsys, "extract", path, *args)
    check_trials(records, expected, fmt, fields, text_kind, path)
    assert code == 0
    assert f"{len(expected)} inputs: {len(expected)} records, 0 errors" in err


def test_many_inputs_in_order(capsys):
    paths = [DATA / "ctgov_v2_study.json", DATA / "xml", DATA / "trials.csv"]
    code, records, _ = run_cli(capsys, "extract", *paths)
    assert code == 0
    assert [r["trial_id"] for r in records] == ["NCT06230445", *XML_IDS, *TABLE_IDS]
    for record in records:
        assert_sound(record)


# -- the Python API on one trial and on a batch -----------------------------------------------------
def _v2_study_dict():
    return json.loads((DATA / "ctgov_v2_study.json").read_text(encoding="utf-8"))


def _corpus_row(nct_id: str) -> dict:
    """A row of ``trials.jsonl`` (the corpus's own shape)."""
    for line in (DATA / "trials.jsonl").read_text(encoding="utf-8").splitlines():
        if json.loads(line)["nct_id"] == nct_id:
            return json.loads(line)
    raise KeyError(nct_id)


@pytest.mark.parametrize(
    "make,kwargs,trial_id,of,fields,source_format",
    [
        # input, extract() options, record's trial_id, whose text and registry, registry fields, source format
        pytest.param(_v2_study_dict, {}, "NCT06230445", "NCT06230445", "v2", "ctgov_v2_json", id="v2-study-dict"),
        pytest.param(lambda: _corpus_row("NCT00002462"), {}, "NCT00002462", "NCT00002462", "legacy", "table",
                     id="corpus-row-pdq"),
        pytest.param(lambda: _corpus_row("NCT00000115"), {}, "NCT00000115", "NCT00000115", "legacy", "table",
                     id="corpus-row-nulls"),
        pytest.param(lambda: _corpus_row("NCT00000108"), {"trial_id": "renamed"}, "renamed", "NCT00000108", "legacy",
                     "table", id="corpus-row-trial-id-given"),
        pytest.param(lambda: TEXTS["NCT05913700"], {"trial_id": "NCT05913700"}, "NCT05913700", "NCT05913700", "none",
                     "text", id="text"),
    ],
)
def test_extract_one(make, kwargs, trial_id, of, fields, source_format):
    record = nlp.extract(make(), **kwargs)
    assert_sound(record)
    assert record["trial_id"] == trial_id
    assert record["source"]["format"] == source_format
    got = record["registry"] and {k: v for k, v in record["registry"].items() if k != "source"}
    assert got == expected_registry(of, fields)
    assert record["criteria"]["text"] == TEXTS[of]


@pytest.mark.parametrize(
    "trial,code,words",
    [
        pytest.param("", "E010", ["<string>", "empty"], id="empty-string"),
        pytest.param(" \r\n\t ", "E010", ["empty"], id="whitespace"),
        pytest.param("Inclusion Criteria:\n- " + "a" * 1_000_000, "E012", ["1,000,022", "200,000", "--max-chars"],
                     id="one-megabyte"),
        pytest.param("Inclusion:\x00\x01 age 18", "E015", ["control characters", "offset 10"], id="nul-in-text"),
        pytest.param({"nct_id": "NCT00000102"}, "E014", ["<dict>", "no eligibility criteria"], id="row-no-text"),
        pytest.param({"eligibility_criteria": "Age 18 or older"}, "E011", ["<dict>", "no id"], id="row-no-id"),
        pytest.param({"nct_id": "NCT00000102", "eligibility_criteria": ""}, "E010", ["empty"], id="row-empty-text"),
        pytest.param(v2_study("NCT06230445", None), "E014", ["no eligibility criteria"], id="v2-no-criteria"),
        pytest.param(v2_study("NCT06230445", 42), "E013", ["not a string but int"], id="v2-criteria-not-text"),
    ],
)
def test_extract_one_bad(trial, code, words):
    with pytest.raises(EligexError) as info:
        nlp.extract(trial)
    assert info.value.code == code
    for word in words:
        assert word in str(info.value)


def test_extract_rejects_other_types():
    with pytest.raises(TypeError, match="not list"):
        nlp.extract(["Age 18 or older"])


BATCH = [
    # input, (trial_id, error code or None)
    (_v2_study_dict(), ("NCT06230445", None)),
    ("", ("input-2", "E010")),
    (_corpus_row("NCT00000102"), ("NCT00000102", None)),
    ("Inclusion Criteria:\n- " + "x" * 1_000_000, ("input-4", "E012")),
    (None, ("input-5", "E014")),
    (42, ("input-6", "E013")),
    ({"eligibility_criteria": "Age 18 or older"}, (None, "E011")),
    (TEXTS["NCT05913700"], ("input-8", None)),
]


def test_extract_batch_goes_on():
    records = list(nlp.extract_batch(trial for trial, _ in BATCH))
    assert [(r["trial_id"], r["error"]["code"] if "error" in r else None) for r in records] == \
        [expected for _, expected in BATCH]
    for n, record in enumerate(records, 1):
        assert_sound(record)
        if "error" in record:
            assert f"<batch>:#{n}:" in record["error"]["message"]
    assert records[-1]["criteria"]["text"] == TEXTS["NCT05913700"]


# -- bad inputs: an error record that names the input and the problem; the batch goes on ------------
_JSONL = (DATA / "trials.jsonl").read_text(encoding="utf-8").splitlines()
_LINE = {json.loads(line)["nct_id"]: line for line in _JSONL}
L102, L108, L2462 = _LINE["NCT00000102"], _LINE["NCT00000108"], _LINE["NCT00002462"]
_XML108 = (DATA / "xml" / "NCT00000108.xml").read_text(encoding="utf-8")
_NDJSON = (DATA / "ctgov_v2_studies.ndjson").read_text(encoding="utf-8").splitlines()
_LATIN1 = "Inclusion Criteria:\n- Patients âgés de 18 ans ou plus\n- Femmes enceintes exclues\n"
_LATIN1_OFFSET = _LATIN1.encode("latin-1").index("â".encode("latin-1"))
_LATIN1_CSV_HEAD = "nct_id,eligibility_criteria\nNCT00000001,\""
_rng = random.Random(20240501)
# Random bytes: a first byte no format detector knows, then noise with a NUL in the first 8 KB.
JUNK = b"\x89" + _rng.randbytes(2000) + b"\x00" + _rng.randbytes(500)
_JUNK_NUL = JUNK.index(b"\x00")
_BIG = "Inclusion Criteria:\n" + "- Age 18 years or older and able to give informed consent\n" * 18_000


def _broken_xml_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "xml"
    folder.mkdir()
    for f in (DATA / "xml").glob("*.xml"):
        (folder / f.name).write_bytes(f.read_bytes())
    text = (DATA / "xml" / "NCT00000102.xml").read_text(encoding="utf-8")
    (folder / "NCT09999999.xml").write_text(text[: text.index("</textblock>")], encoding="utf-8")
    return folder


def _broken_xml_zip(tmp_path: Path) -> Path:
    return xml_zip(tmp_path, {"AllPublicXML/NCT09999999.xml": b"<clinical_study><id_info><nct_id>NCT09999999"})


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def ok(trial_id: str):
    return ("ok", trial_id, [])


def err(code: str, trial_id: str | None, *words: str):
    return (code, trial_id, list(words))


BAD = [
    # builder, CLI options, outcomes of the bad input in order: ok(id) or err(code, id, words of the message)
    pytest.param(write("empty_criteria.csv", csv_text([
        ["nct_id", "eligibility_criteria"], ["NCT00000102", ""], ["NCT00000108", " \r\n  "],
        ["NCT00002462", TEXTS["NCT00002462"]]])), [],
        [err("E010", "NCT00000102", "row 1", "empty"), err("E010", "NCT00000108", "row 2", "empty"),
         ok("NCT00002462")], id="empty-criteria-csv"),
    pytest.param(write("empty_criteria.json", json.dumps([v2_study("NCT06230445", ""),
                                                           v2_study("NCT02385136", TEXTS["NCT02385136"])])), [],
        [err("E010", "NCT06230445", "[0]", "empty"), ok("NCT02385136")], id="empty-criteria-v2-json"),
    pytest.param(write("empty.txt", " \n\n"), [], [err("E009", None, "no trial records")], id="empty-text-file"),
    pytest.param(copy_as("trials.csv", "trials.json"), [],
                 [err("E003", None, "looks like a CSV/TSV table", "not JSON")], id="csv-named-json"),
    pytest.param(copy_as("criteria.txt", "criteria.json"), [],
                 [err("E003", None, "looks like plain text", "not JSON")], id="text-named-json"),
    pytest.param(copy_as("criteria.txt", "criteria.xml"), [],
                 [err("E003", None, "looks like plain text", "not ClinicalTrials.gov XML")], id="text-named-xml"),
    pytest.param(write("trials.jsonl", lines(L102, L108[:90], L2462)), [],
                 [ok("NCT00000102"), err("E021", None, "line 2", "not valid JSON"), ok("NCT00002462")],
                 id="jsonl-broken-middle-line"),
    pytest.param(write("trials.jsonl", "\n\n" + lines(L102, L108[:90], L2462)), [],
                 [ok("NCT00000102"), err("E021", None, "line 4", "not valid JSON"), ok("NCT00002462")],
                 id="jsonl-line-numbers-count-blank-lines"),
    pytest.param(write("trials.jsonl", lines(L102[:90], L108, L2462)), [],
                 [err("E021", None, "line 1", "not valid JSON"), ok("NCT00000108"), ok("NCT00002462")],
                 id="jsonl-broken-first-line"),
    pytest.param(write("trials.jsonl", lines("nct_id: NCT00000102", L108, L2462)), [],
                 [err("E021", None, "line 1", "not valid JSON"), ok("NCT00000108"), ok("NCT00002462")],
                 id="jsonl-first-line-not-json"),
    pytest.param(write("studies.ndjson", lines(_NDJSON[0], "{\"protocolSection\": {", _NDJSON[2])), [],
                 [ok("NCT06230445"), err("E021", None, "line 2", "not valid JSON"), ok("NCT05905653")],
                 id="ndjson-broken-line"),
    pytest.param(write("ids.json", json.dumps(["NCT00000102", json.loads(L108)])), [],
                 [err("E002", None, "ids.json:[0]", "expected a JSON object per study, found str"), ok("NCT00000108")],
                 id="json-list-item-not-object"),
    pytest.param(write("trials.jsonl", lines(L102, "[1, 2]", L2462)), [],
                 [ok("NCT00000102"), err("E002", None, "line 2", "expected a JSON object per line, found list"),
                  ok("NCT00002462")], id="jsonl-line-not-object"),
    pytest.param(write("page.html", "<html><body><p>Inclusion Criteria: age 18 or older</p></body></html>"),
                 ["--input-format", "ctgov-xml"],
                 [err("E002", None, "not valid ClinicalTrials.gov XML", "found the root element <html>")],
                 id="html-forced-xml"),
    pytest.param(write("study.json", (DATA / "ctgov_v2_study.json").read_text(encoding="utf-8")[:700]), [],
                 [err("E002", None, "not valid JSON", "line 8")], id="truncated-json-is-one-error"),
    pytest.param(write("trials.jsonl", lines(L102, json.dumps({**json.loads(L108), "nct_id": None}), L2462)), [],
                 [ok("NCT00000102"), err("E011", None, "line 2", "no id"), ok("NCT00002462")], id="jsonl-missing-id"),
    pytest.param(write("no_id.csv", csv_text([["nct_id", "eligibility_criteria"], ["", TEXTS["NCT00000102"]],
                                              ["NCT00000108", TEXTS["NCT00000108"]]])), [],
                 [err("E011", None, "row 1", "no id"), ok("NCT00000108")], id="csv-missing-id"),
    pytest.param(write("big.txt", _BIG), [],
                 [err("E012", "big", f"{len(_BIG):,} characters", "200,000", "--max-chars")],
                 id="one-megabyte-text"),
    pytest.param(write("big.csv", csv_text([["nct_id", "eligibility_criteria"], ["NCT00000001", _BIG],
                                            ["NCT00000108", TEXTS["NCT00000108"]]])), [],
                 [err("E012", "NCT00000001", "row 1", "200,000"), ok("NCT00000108")], id="one-megabyte-csv-row"),
    pytest.param(copy_as("trials.jsonl", "trials.jsonl"), ["--max-chars", "400"],
                 [ok("NCT00000102"), ok("NCT00000108"), err("E012", "NCT00000115", "785 characters", "400"),
                  err("E012", "NCT00002462", "944 characters", "400"), err("E012", "NCT06230445", "918 characters")],
                 id="max-chars-option"),
    pytest.param(write("junk.bin", JUNK), [], [err("E005", None, "binary", f"NUL byte at offset {_JUNK_NUL}")],
                 id="binary-junk"),
    pytest.param(write("junk.csv", JUNK), [], [err("E005", None, "binary")], id="binary-junk-named-csv"),
    pytest.param(write("junk.json", JUNK), [], [err("E005", None, "binary")], id="binary-junk-named-json"),
    pytest.param(write("junk.xml", JUNK), [], [err("E005", None, "binary")], id="binary-junk-named-xml"),
    pytest.param(write("control.json", json.dumps(v2_study("NCT06230445", "Age \u0007 18"))), [],
                 [err("E015", "NCT06230445", "control characters", "offset 4")], id="control-character-in-json"),
    pytest.param(write("latin1.txt", _LATIN1.encode("latin-1")), [],
                 [err("E006", None, "not valid utf-8", f"offset {_LATIN1_OFFSET}", "byte 0xe2", "--encoding latin-1")],
                 id="latin1-text"),
    pytest.param(write("latin1.csv", (_LATIN1_CSV_HEAD + _LATIN1 + "\"\n").encode("latin-1")),
                 [], [err("E006", None, "not valid utf-8", f"offset {len(_LATIN1_CSV_HEAD) + _LATIN1_OFFSET}")],
                 id="latin1-csv"),
    pytest.param(copy_as("trials.csv", "trials.csv"), ["--text-column", "criteria_text"],
                 [err("E007", None, "no column 'criteria_text'", "columns: nct_id, eligibility_criteria",
                      "--text-column")], id="csv-missing-text-column"),
    pytest.param(copy_as("trials.csv", "trials.csv"), ["--id-column", "trial"],
                 [err("E007", None, "no column 'trial'", "--id-column")], id="csv-missing-id-column"),
    pytest.param(copy_as("custom_columns.csv", "custom_columns.csv"), [],
                 [err("E007", None, "no column 'eligibility_criteria'", "Eligibility text", "--text-column")],
                 id="csv-no-known-text-column"),
    pytest.param(parquet_copy, ["--text-column", "criteria_text"],
                 [err("E007", None, "no column 'criteria_text'", "--text-column")], id="parquet-missing-text-column"),
    pytest.param(copy_as("trials.jsonl", "trials.jsonl"), ["--text-column", "criteria_text"],
                 [err("E007", n, f"line {i}", "no column 'criteria_text'") for i, n in enumerate(TABLE_IDS, 1)],
                 id="jsonl-missing-text-column"),
    pytest.param(copy_as("trials.jsonl", "trials.jsonl"), ["--id-column", "trial"],
                 [err("E007", None, f"line {i}", "no column 'trial'", "--id-column")
                  for i, _ in enumerate(TABLE_IDS, 1)],
                 id="jsonl-missing-id-column"),
    pytest.param(lambda tmp_path: tmp_path / "no-such-file.csv", [],
                 [err("E001", None, "cannot read", "No such file")], id="missing-file"),
    pytest.param(write("no_id.xml", re.sub(r"<id_info>.*?</id_info>", "", _XML108, flags=re.S)), [],
                 [err("E011", None, "no_id.xml", "no id")], id="xml-missing-nct-id"),
    pytest.param(write("no_criteria.xml", re.sub(r"<criteria>.*?</criteria>", "", _XML108, flags=re.S)), [],
                 [err("E014", "NCT00000108", "no_criteria.xml", "no eligibility criteria")], id="xml-missing-criteria"),
    pytest.param(_broken_xml_dir, [],
                 [*map(ok, XML_IDS), err("E002", None, "NCT09999999.xml", "not valid XML")],
                 id="broken-xml-in-directory"),
    pytest.param(_broken_xml_zip, [],
                 [*map(ok, XML_IDS), err("E002", None, "studies.zip:AllPublicXML/NCT09999999.xml", "not valid XML")],
                 id="broken-xml-in-zip"),
    pytest.param(write("corrupt.zip", b"PK\x03\x04" + JUNK), [], [err("E002", None, "not valid ZIP", "not a zip file")],
                 id="corrupt-zip"),
]

# Short real trials around each bad input (table options and --max-chars 400 leave them alone).
GOOD_BEFORE, GOOD_AFTER = DATA / "xml" / "NCT00000102.xml", DATA / "xml" / "NCT00000108.xml"


def check_batch(records: list[dict], bad: Path, outcomes: list[tuple]) -> None:
    assert records[0]["trial_id"] == "NCT00000102" and "error" not in records[0]
    assert records[-1]["trial_id"] == "NCT00000108" and "error" not in records[-1]
    middle = records[1:-1]
    assert [(r["error"]["code"] if "error" in r else "ok", r["trial_id"]) for r in middle] == \
        [(code, trial_id) for code, trial_id, _ in outcomes]
    for record, (code, _, words) in zip(middle, outcomes):
        assert_sound(record)
        if code == "ok":
            continue
        message = record["error"]["message"]
        assert message.startswith(f"[{code}] ")
        assert bad.name in message  # names the input
        assert bad.name in record["source"]["input"] + (record["source"].get("locator") or "")
        for word in words:
            assert word in message


@pytest.mark.parametrize("build,args,outcomes", BAD)
def test_bad_input_api(tmp_path, build, args, outcomes):
    bad = build(tmp_path)
    trials = read_inputs([str(GOOD_BEFORE), str(bad), str(GOOD_AFTER)], **api_options(args))
    check_batch(list(extract_many(trials, **max_chars(args))), bad, outcomes)


@pytest.mark.parametrize("build,args,outcomes", BAD)
def test_bad_input_cli(tmp_path, capsys, build, args, outcomes):
    bad = build(tmp_path)
    code, records, err = run_cli(capsys, "extract", GOOD_BEFORE, bad, GOOD_AFTER, *args)
    check_batch(records, bad, outcomes)
    errors = [r for r in records if "error" in r]
    assert code == 1
    for record in errors:  # each error is reported on standard error too
        assert f"eligex: {record['error']['message']}" in err
    assert f"{len(records) - len(errors)} records, {len(errors)} errors" in err


@pytest.mark.parametrize(
    "args,outcome",
    [
        pytest.param([], "E006", id="utf-8-default"),
        pytest.param(["--encoding", "latin-1"], "ok", id="latin-1"),
        pytest.param(["--encoding", "cp1252"], "ok", id="cp1252"),
    ],
)
def test_encoding_option(tmp_path, capsys, args, outcome):
    path = write("latin1.txt", _LATIN1.encode("latin-1"))(tmp_path)
    code, records, _ = run_cli(capsys, "extract", path, *args)
    (record,) = records
    assert_sound(record)
    if outcome == "ok":
        assert code == 0
        assert record["criteria"]["text"] == _LATIN1
        assert "Patients âgés de 18 ans ou plus" in [i["text"] for i in record["items"]]
    else:
        assert code == 1
        assert record["error"]["code"] == outcome


@pytest.mark.parametrize(
    "source,fmt,neighbour,neighbour_id,code,words",
    [
        pytest.param("trials.csv", "ctgov-json", "ctgov_v2_study.json", "NCT06230445", "E002",
                     ["not valid JSON", "line 1 column 1"], id="csv-forced-json"),
        pytest.param("ctgov_v2_study.json", "ctgov-xml", "xml/NCT00000102.xml", "NCT00000102", "E002",
                     ["not valid XML"], id="json-forced-xml"),
        pytest.param("trials.jsonl", "ctgov-xml", "xml/NCT00000102.xml", "NCT00000102", "E002",
                     ["not valid XML"], id="jsonl-forced-xml"),
    ],
)
def test_forced_format_that_does_not_fit(capsys, source, fmt, neighbour, neighbour_id, code, words):
    paths = [DATA / source, DATA / neighbour]
    api = list(extract_many(read_inputs([str(p) for p in paths], input_format=fmt)))
    exit_code, cli_records, _ = run_cli(capsys, "extract", *paths, "--input-format", fmt)
    assert exit_code == 1
    for records in (api, cli_records):
        assert [r["error"]["code"] if "error" in r else r["trial_id"] for r in records] == [code, neighbour_id]
        message = records[0]["error"]["message"]
        assert source in message
        for word in words:
            assert word in message
        for record in records:
            assert_sound(record)


def test_unknown_input_format_api():
    with pytest.raises(EligexError) as info:
        list(read_inputs([str(DATA / "trials.csv")], input_format="excel"))
    assert info.value.code == "E008"
    assert "'excel'" in str(info.value) and "ctgov-json" in str(info.value)


def test_unknown_input_format_cli(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["extract", str(DATA / "trials.csv"), "--input-format", "excel"])
    assert info.value.code == 2
    assert "invalid choice: 'excel'" in capsys.readouterr().err


# -- standard input: the real command --------------------------------------------------------------
def eligex_command() -> list[str]:
    script = Path(sys.executable).parent / "eligex"
    return [str(script)] if script.exists() else [sys.executable, "-m", "nlp.cli"]


@pytest.mark.parametrize(
    "data,args,expected,fmt",
    [
        pytest.param((DATA / "NCT00000108.txt").read_bytes(), ["-"], [("stdin", None)], "text", id="text"),
        pytest.param((DATA / "ctgov_v2_page.json").read_bytes(), ["-"],
                     [("NCT05913700", "studies[0]"), ("NCT05905653", "studies[1]")], "ctgov_v2_json", id="v2-json"),
        pytest.param((DATA / "trials.csv").read_bytes(), ["-", str(DATA / "xml" / "NCT00000102.xml")],
                     ROWS + [("NCT00000102", None)], None, id="csv-then-file"),
    ],
)
def test_stdin(data, args, expected, fmt):
    done = subprocess.run([*eligex_command(), "extract", *args], input=data, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    records = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [(r["trial_id"], r["source"]["locator"]) for r in records] == expected
    for record in records:
        assert_sound(record)
        if record["source"]["input"] == "<stdin>" and fmt:
            assert record["source"]["format"] == fmt
    if fmt == "text":
        assert records[0]["criteria"]["text"] == data.decode("utf-8")


def test_stdin_bad_exits_1():
    done = subprocess.run([*eligex_command(), "extract", "-"], input=JUNK, capture_output=True, timeout=120)
    assert done.returncode == 1
    (record,) = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert record["error"]["code"] == "E005"
    assert "<stdin>" in record["error"]["message"]
    assert "[E005] <stdin>: the input is binary" in done.stderr.decode()


# -- output files ----------------------------------------------------------------------------------
def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_output_jsonl_atomic(tmp_path, capsys):
    out = tmp_path / "out" / "records.jsonl"
    code, printed, err = run_cli(capsys, "extract", DATA / "trials.csv", tmp_path / "missing.json", "-o", out)
    assert code == 1
    assert printed == []  # nothing on standard output
    # no stray .part file or journal; error records in their own file (issue 7)
    assert listing(out.parent) == ["records.jsonl", "records.jsonl.errors.jsonl"]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["trial_id"] for r in records] == TABLE_IDS
    (error,) = [json.loads(line) for line in (out.parent / "records.jsonl.errors.jsonl").read_text().splitlines()]
    assert error["trial_id"] is None and error["error"]["code"] == "E001"
    for record in [*records, error]:
        assert_sound(record)
    assert f"-> {out}" in err


def test_output_errors_option(tmp_path, capsys):
    out, errors = tmp_path / "records.jsonl", tmp_path / "errors.jsonl"
    code, _, _ = run_cli(capsys, "extract", DATA / "trials.csv", tmp_path / "missing.json", "-o", out,
                         "--errors", errors)
    assert code == 1
    assert [json.loads(line)["trial_id"] for line in out.read_text().splitlines()] == TABLE_IDS
    assert [json.loads(line)["error"]["code"] for line in errors.read_text().splitlines()] == ["E001"]
    assert listing(tmp_path) == ["errors.jsonl", "records.jsonl"]


@pytest.mark.parametrize("args", [pytest.param(["--format", "json"], id="format-json"),
                                  pytest.param(["-o", "{tmp}/records.json"], id="o-json")])
def test_output_json_array(tmp_path, capsys, args):
    args = [a.format(tmp=tmp_path) for a in args]
    code = cli.main(["extract", str(DATA / "xml"), *args])
    out = capsys.readouterr().out
    text = (tmp_path / "records.json").read_text() if "-o" in args else out
    records = json.loads(text)
    assert code == 0
    assert [r["trial_id"] for r in records] == XML_IDS
    for record in records:
        assert_sound(record)


@pytest.mark.parametrize(
    "failure,exit_code,message,journal",
    [
        # an interrupted run keeps what it did in the journal, for --resume (tests/test_batch.py)
        pytest.param(KeyboardInterrupt, 130, "run the same command with --resume", True, id="interrupted"),
        pytest.param(lambda: EligexError("E020", trial="NCT00000108", schema="record.schema.json", problems="x"), 2,
                     "[E020]", False, id="invalid-record"),
    ],
)
def test_failed_run_writes_no_output(tmp_path, capsys, monkeypatch, failure, exit_code, message, journal):
    import nlp.batch

    real = nlp.batch.extract_many
    calls = []

    def failing(trials, **kwargs):
        for record in real(trials, **kwargs):
            calls.append(record)
            if len(calls) == 3:
                raise failure()
            yield record

    monkeypatch.setattr(nlp.batch, "extract_many", failing)
    monkeypatch.setattr(nlp.batch, "CHUNK_SIZE", 2)  # the first chunk is written before the failure
    out = tmp_path / "records.jsonl"
    kept = tmp_path / "kept.csv"
    kept.write_text("an earlier run's output\n")
    for target, before in ((out, None), (kept, kept.read_text())):
        calls.clear()
        code = cli.main(["extract", str(DATA / "trials.csv"), "-o", str(target), "--workers", "1"])
        assert code == exit_code
        assert message in capsys.readouterr().err
        if before is None:
            assert not target.exists()
        else:
            assert target.read_text() == before  # an interrupted run leaves the old file as it was
    partials = ["kept.csv.partial", "records.jsonl.partial"] if journal else []
    assert listing(tmp_path) == sorted(["kept.csv", *partials])  # no .part files, no errors file
    for name in partials:  # the journal holds the whole records of the first chunk
        assert [json.loads(line)["trial_id"] for line in (tmp_path / name).read_text().splitlines()] == TABLE_IDS[:2]


def test_parquet_to_stdout_is_a_usage_error(tmp_path, capsys):
    code = cli.main(["extract", str(DATA / "trials.csv"), "--format", "parquet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "E032" in err and "-o FILE.parquet" in err


def test_unwritable_output_is_a_coded_error(tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    code = cli.main(["extract", str(DATA / "criteria.txt"), "-o", str(blocker / "out.jsonl")])
    assert code == 2
    err = capsys.readouterr().err
    assert "E031" in err and "not-a-dir" in err


def test_flat_rows_keep_references_and_per_bound_units(tmp_path):
    from nlp import extract
    from nlp.output import flat_rows

    record = extract("Inclusion Criteria:\n- Children between 6 months and 17 years\n- ALT <= 3 x ULN "
                     "(<= 5 x ULN in patients with liver metastases)")
    rows = list(flat_rows(record))
    age = next(r for r in rows if r["kind"] == "age")
    assert (age["lower"], age["lower_unit"], age["upper"], age["upper_unit"]) == (6, "months", 17, "years")
    alt = [r for r in rows if r["variable"] == "ALT"]
    assert [(r["upper"], r["reference"], r["condition"]) for r in alt] == [
        (3, "ULN", None), (5, "ULN", "liver metastases")]


def _jsonl_constraints(capsys, paths) -> list[tuple[str, dict]]:
    _, records, _ = run_cli(capsys, "extract", *paths)
    return [(r["trial_id"], c) for r in records if "error" not in r for c in r["constraints"]]


FLAT_INPUTS = [DATA / "ctgov_v2_list.json", DATA / "xml", DATA / "trials.jsonl"]


@pytest.mark.parametrize(
    "fmt,args",
    [
        pytest.param("csv", ["-o", "{tmp}/flat.csv"], id="o-csv"),
        pytest.param("csv", ["--format", "csv", "-o", "{tmp}/flat.txt"], id="format-csv"),
        pytest.param("csv", ["--format", "csv"], id="csv-to-stdout"),
        pytest.param("parquet", ["-o", "{tmp}/flat.parquet"], id="o-parquet"),
    ],
)
def test_flat_output(tmp_path, capsys, fmt, args):
    want = _jsonl_constraints(capsys, FLAT_INPUTS)
    assert want, "the fixtures state some constraints"
    args = [a.format(tmp=tmp_path) for a in args]
    missing = tmp_path / "missing.csv"
    code = cli.main(["extract", *map(str, FLAT_INPUTS), str(missing), *args])
    out = capsys.readouterr().out
    assert code == 1
    if "-o" in args:
        target = Path(args[args.index("-o") + 1])
        frame = pd.read_parquet(target) if fmt == "parquet" else pd.read_csv(target, keep_default_na=False)
        errors = Path(f"{target}.errors.jsonl")
        assert listing(tmp_path) == sorted([target.name, errors.name])
        (error,) = [json.loads(line) for line in errors.read_text().splitlines()]
        assert error["error"]["code"] == "E001" and missing.name in error["error"]["message"]
        assert_sound(error)
    else:
        frame = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert list(frame.columns) == FLAT_COLUMNS
    rows = frame.to_dict("records")
    assert len(rows) == len(want)  # one row per constraint; error records give none
    for row, (trial_id, c) in zip(rows, want):
        assert (row["trial_id"], row["constraint_id"], row["item_id"], row["kind"]) == \
            (trial_id, c["id"], c["item"], c["kind"])
        assert (row["evidence"], int(row["start"]), int(row["end"])) == \
            (c["evidence"]["text"], c["evidence"]["start"], c["evidence"]["end"])
        assert row["rules"] == " ".join(c["rules"])


# -- eligex validate -------------------------------------------------------------------------------
def _alter_evidence(record):
    c = record["constraints"][0]
    # an unescaped comparator where the input has an escaped one (or any other change of the characters)
    altered = c["evidence"]["text"].replace(">", "≥")
    c["evidence"]["text"] = altered if altered != c["evidence"]["text"] else altered + "≥"
    return "evidence"


def _alter_part(record):
    record["constraints"][0]["parts"][0]["start"] += 1
    return "is not the input"


def _alter_item(record):
    record["items"][0]["text"] += " "
    return "item I1: text does not match"


def _alter_input_text(record):
    record["criteria"]["text"] = record["criteria"]["text"].replace("\\>", ">")
    return "is not the input"


def _drop_field(record):
    del record["registry"]
    return "registry"


def _bad_value(record):
    record["registry"]["sex"] = "ALL"
    return "registry/sex"


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(_alter_evidence, id="evidence-altered"),
        pytest.param(_alter_part, id="part-offset-moved"),
        pytest.param(_alter_item, id="item-text-altered"),
        pytest.param(_alter_input_text, id="input-text-unescaped"),
        pytest.param(_drop_field, id="field-removed"),
        pytest.param(_bad_value, id="value-not-normalised"),
    ],
)
def test_validate(tmp_path, capsys, breakage):
    good = tmp_path / "good.jsonl"
    assert cli.main(["extract", str(DATA / "ctgov_v2_studies.ndjson"), "-o", str(good)]) == 0
    capsys.readouterr()
    assert cli.main(["validate", str(good)]) == 0
    assert "3 records, 0 invalid" in capsys.readouterr().err

    records = [json.loads(line) for line in good.read_text().splitlines()]
    assert records[0]["trial_id"] == "NCT06230445" and records[0]["constraints"]
    expected = breakage(records[0])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert cli.main(["validate", str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert f"{bad}:1: " in out and expected in out
    assert str(good) not in out
    assert "6 records, 1 invalid" in err


@pytest.mark.parametrize(
    "content,printed",
    [
        pytest.param("", "0 records, 0 invalid", id="empty-file"),
        pytest.param("[]", "0 records, 0 invalid", id="empty-array"),
        pytest.param("{\"trial_id\": \n", "records.jsonl:1: [E021] line 1 is not valid JSON", id="broken-json-line"),
        pytest.param("{\"trial_id\": \"NCT00000102\"}\n", "records.jsonl:1: ", id="not-a-record"),
    ],
)
def test_validate_bad_files(tmp_path, capsys, content, printed):
    path = tmp_path / "records.jsonl"
    path.write_text(content)
    assert cli.main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert printed in out + err


def test_validate_json_array_and_error_records(tmp_path, capsys):
    out = tmp_path / "records.json"
    assert cli.main(["extract", str(DATA / "trials.csv"), str(tmp_path / "missing.csv"), "-o", str(out)]) == 1
    capsys.readouterr()
    errors = tmp_path / "records.json.errors.jsonl"  # error records go to their own file (issue 7)
    assert cli.main(["validate", str(out), str(errors)]) == 0
    assert f"{len(TABLE_IDS) + 1} records, 0 invalid" in capsys.readouterr().err


# -- bulk downloads of API v2 studies, byte-order marks, output names ----------------------------------
@pytest.mark.parametrize("layout", ["zip", "directory"])
def test_api_v2_studies_in_a_zip_or_directory(tmp_path, layout):
    study = json.loads((DATA / "ctgov_v2_study.json").read_text(encoding="utf-8"))
    nct = study["protocolSection"]["identificationModule"]["nctId"]
    if layout == "zip":
        target = tmp_path / "ctg-studies.json.zip"
        with zipfile.ZipFile(target, "w") as zf:
            zf.writestr(f"{nct}.json", json.dumps(study))
            zf.writestr("broken.json", "{not json")
    else:
        target = tmp_path / "studies"
        target.mkdir()
        (target / f"{nct}.json").write_text(json.dumps(study), encoding="utf-8")
        (target / "broken.json").write_text("{not json", encoding="utf-8")
    records = list(extract_many(read_inputs([str(target)])))
    by_id = {r["trial_id"]: r for r in records}
    assert by_id[nct]["source"]["format"] == "ctgov_v2_json"
    assert by_id[nct]["criteria"]["text"] == study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    (error,) = [r for r in records if "error" in r]
    assert error["error"]["code"] == "E002" and "broken.json" in error["error"]["message"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    path = tmp_path / "criteria.txt"
    path.write_bytes("Inclusion Criteria:\n- Women aged \u2265 18 years".encode(encoding))
    (record,) = extract_many(read_inputs([str(path)]))
    assert [c["evidence"]["text"] for c in record["constraints"]] == ["aged \u2265 18 years", "Women"]


def test_unknown_output_suffix_is_refused(tmp_path, capsys):
    out = tmp_path / "results.xlsx"
    code = cli.main(["extract", str(DATA / "criteria.txt"), "-o", str(out)])
    assert code == 2 and not out.exists()
    assert "E030" in capsys.readouterr().err


def test_no_errors_file_without_errors(tmp_path):
    out = tmp_path / "rows.csv"
    assert cli.main(["extract", str(DATA / "trials.csv"), "-o", str(out)]) == 0
    assert out.exists() and not (tmp_path / "rows.csv.errors.jsonl").exists()
