"""Batch runs (nlp/batch.py, nlp/tables.py): the same bytes whatever the worker count, a run killed
mid-way resumed with no duplicate and no loss, error records in their own file, the flat table as a
DataFrame, and the DuckDB output answering questions in SQL."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from nlp import cli, extract, extract_frame, to_frame
from nlp.batch import Journal, Keys, journal_keys
from nlp.output import FLAT_COLUMNS
from nlp.readers import _read_ndjson, read_inputs

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "trials_sample.jsonl"
DATA = Path(__file__).parent / "data"
SAMPLE_IDS = [json.loads(line)["nct_id"] for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def run(*argv) -> int:
    return cli.main(["extract", *map(str, argv), "--progress", "off"])


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The sample extracted in one process, one trial per task."""
    out = tmp_path_factory.mktemp("ref") / "records.jsonl"
    assert run(SAMPLE, "-o", out, "--workers", "1") == 0
    return out


# -- the same bytes whatever the worker count --------------------------------------------------------
@pytest.mark.parametrize("name", ["records.jsonl", "flat.parquet", "flat.csv", "records.json"])
@pytest.mark.parametrize("workers,chunk", [(1, 32), (2, 3), (2, 32)], ids=["1-worker", "2-workers-small-chunks",
                                                                             "2-workers"])
def test_output_is_byte_identical_whatever_the_worker_count(tmp_path, name, workers, chunk):
    one, many = tmp_path / "one" / name, tmp_path / "many" / name
    assert run(SAMPLE, "-o", one, "--workers", "1", "--chunk-size", "1") == 0
    assert run(SAMPLE, "-o", many, "--workers", workers, "--chunk-size", chunk) == 0
    assert one.read_bytes() == many.read_bytes()
    assert sorted(os.listdir(many.parent)) == [name]  # no journal, no errors file left behind


def test_records_in_input_order_and_as_extract_gives_them(reference):
    records = lines(reference)
    assert [r["trial_id"] for r in records] == SAMPLE_IDS
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    for row, record in zip(rows[:5], records):
        alone = extract(row)
        assert record["constraints"] == alone["constraints"] and record["items"] == alone["items"]


# -- killed and resumed -----------------------------------------------------------------------------
def _big_input(tmp_path: Path, copies: int = 6) -> Path:
    """The sample repeated: the same ids again are further trials (keyed by id and occurrence)."""
    path = tmp_path / "trials.jsonl"
    path.write_text(SAMPLE.read_text(encoding="utf-8") * copies, encoding="utf-8")
    return path


def _start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nlp.cli", "extract", *argv, "--progress", "off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT)


def _wait_for_lines(path: Path, proc: subprocess.Popen, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            n = path.read_bytes().count(b"\n")
            if n >= at_least:
                return n
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.01)
    raise AssertionError(f"{path} did not reach {at_least} lines")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_killed_run_resumes_with_no_duplicate_and_no_loss(tmp_path, sig):
    trials = _big_input(tmp_path)
    full = tmp_path / "full.jsonl"
    assert run(trials, "-o", full, "--workers", "1") == 0
    want = full.read_bytes()

    out = tmp_path / "out" / "records.jsonl"
    journal = out.with_name("records.jsonl.partial")
    proc = _start([str(trials), "-o", str(out), "--workers", "2", "--chunk-size", "4"])
    done = _wait_for_lines(journal, proc, at_least=40)
    os.killpg(proc.pid, sig)  # the whole run: parent and workers, as a terminal's Ctrl-C or kill would
    code = proc.wait(timeout=60)
    assert code == (130 if sig == signal.SIGINT else -signal.SIGKILL)
    if sig == signal.SIGINT:
        assert "--resume" in proc.stderr.read().decode()
    assert not out.exists()  # the output appears only when the run is complete
    kept, good, _ = journal_keys(journal)
    assert done <= len(kept) < 6 * len(SAMPLE_IDS)  # stopped mid-way, every whole line kept

    assert run(trials, "-o", out, "--workers", "2", "--resume") == 0
    assert out.read_bytes() == want  # no duplicate, no loss, same order
    assert not journal.exists()


def test_a_torn_last_line_is_cut_off_on_resume(tmp_path, reference):
    out = tmp_path / "records.jsonl"
    whole = reference.read_bytes().splitlines(keepends=True)
    journal = tmp_path / "records.jsonl.partial"
    journal.write_bytes(b"".join(whole[:3]) + whole[3][:50])  # killed while writing the fourth record
    j = Journal(str(out), resume=True)
    j.close()
    assert journal.read_bytes() == b"".join(whole[:3])
    assert len(j.skip) == 3
    assert run(SAMPLE, "-o", out, "--resume") == 0
    assert out.read_bytes() == reference.read_bytes()


def test_resume_a_finished_output_with_more_input(tmp_path, reference, capsys):
    first = tmp_path / "first.jsonl"
    first.write_text("".join(SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:10]), encoding="utf-8")
    out = tmp_path / "records.jsonl"
    assert run(first, "-o", out) == 0
    capsys.readouterr()
    assert run(SAMPLE, "-o", out, "--resume") == 0
    assert "10 skipped, already in the output" in capsys.readouterr().err
    assert [r["trial_id"] for r in lines(out)] == SAMPLE_IDS
    assert [r["criteria"] for r in lines(out)] == [r["criteria"] for r in lines(reference)]


@pytest.mark.parametrize(
    "argv,code",
    [
        pytest.param(["--resume"], "E034", id="resume-needs-an-output-file"),
        pytest.param(["--scheduler", "tcp://127.0.0.1:1"], "E034", id="scheduler-needs-dask"),
    ],
)
def test_usage_errors(capsys, argv, code):
    assert run(SAMPLE, *argv) == 2
    assert code in capsys.readouterr().err


def test_an_interrupted_run_is_not_overwritten_unasked(tmp_path, reference, capsys):
    out = tmp_path / "records.jsonl"
    journal = tmp_path / "records.jsonl.partial"
    journal.write_bytes(reference.read_bytes().splitlines(keepends=True)[0])
    assert run(SAMPLE, "-o", out) == 2
    err = capsys.readouterr().err
    assert "E033" in err and "--resume" in err
    assert len(journal.read_bytes().splitlines()) == 1 and not out.exists()


def test_resume_a_finished_flat_output_is_refused(tmp_path, capsys):
    out = tmp_path / "flat.parquet"
    assert run(DATA / "trials.csv", "-o", out) == 0
    assert run(DATA / "trials.csv", "-o", out, "--resume") == 2
    assert "E033" in capsys.readouterr().err


@pytest.mark.parametrize(
    "seen,want",
    [
        pytest.param([("NCT1", None), ("NCT2", None), ("NCT1", None)], ["id:NCT1#1", "id:NCT2#1", "id:NCT1#2"],
                     id="a-repeated-id-is-another-trial"),
        pytest.param([(None, {"input": "a.csv", "locator": "row 3"})], ["at:a.csv:row 3#1"], id="no-id"),
    ],
)
def test_resume_keys(seen, want):
    keys = Keys()
    assert [keys(trial_id, source) for trial_id, source in seen] == want


@pytest.mark.parametrize("text", ["Exclusion Criteria:\n- ALT > 2.5 x ULN\n- Not pregnant or nursing",
                                  "Inclusion Criteria:\n- Age: 18 and over"])
def test_a_repeated_item_gives_the_same_constraints_and_its_own_copy(text):
    import sys

    ex = sys.modules["nlp.extract"]
    ex.clear_item_cache()
    first = extract(text, trial_id="NCT00000001")
    second = extract(text, trial_id="NCT00000001")  # every item now comes from the cache
    assert first == second and first["constraints"]
    second["constraints"][0]["evidence"]["text"] = "changed"
    for bound in ("lower", "upper"):
        if isinstance(second["constraints"][0].get(bound), dict):
            second["constraints"][0][bound]["value"] = -1
    assert extract(text, trial_id="NCT00000001") == first  # a caller's changes never reach the cache


# -- errors, summary, exit code ---------------------------------------------------------------------
def test_errors_in_their_own_file_and_the_summary(tmp_path, capsys):
    out = tmp_path / "records.jsonl"
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"nct_id": "NCT09999991", "eligibility_criteria": ""}\n{"nct_id": \n'
                      '{"nct_id": "NCT09999992", "eligibility_criteria": "Inclusion Criteria:\\n- Age >= 18 years"}\n')
    # one trial per task: the error items travel to the worker processes and back
    assert run(broken, "-o", out, "--workers", "2", "--chunk-size", "1") == 1
    err = capsys.readouterr().err
    assert [r["trial_id"] for r in lines(out)] == ["NCT09999992"]
    errors = lines(tmp_path / "records.jsonl.errors.jsonl")
    assert [(e["trial_id"], e["error"]["code"]) for e in errors] == [("NCT09999991", "E010"), (None, "E021")]
    assert "3 inputs: 1 records, 2 errors; 1 items; constraints: age 1;" in err
    assert "(errors: " in err and "[E021]" in err


def test_a_bug_in_one_trial_of_a_group_is_that_trial_s_error_alone(monkeypatch):
    import sys

    from nlp.extract import TrialInput, extract_many

    ex = sys.modules["nlp.extract"]
    ex.clear_item_cache()
    real = ex._run_pipeline

    def failing(nlp, texts):
        if any("BOOM" in text for text, _ in texts):
            raise RuntimeError("boom")
        return real(nlp, texts)

    monkeypatch.setattr(ex, "_run_pipeline", failing)
    source = {"format": "text", "input": "<input>"}
    texts = ["Inclusion Criteria:\n- Age >= 18 years", "Exclusion Criteria:\n- BOOM 5 times",
             "Exclusion Criteria:\n- ALT > 2.5 x ULN\n- Not pregnant or nursing", ""]
    trials = [TrialInput(trial_id=f"NCT0000000{n}", text=t, source=source) for n, t in enumerate(texts)]
    records = list(extract_many(trials))  # one group: the pipeline runs over the items of all of them at once
    assert [r["trial_id"] for r in records] == [t.trial_id for t in trials]
    assert [r.get("error", {}).get("code") for r in records] == [None, "E099", None, "E010"]
    assert "RuntimeError: boom" in records[1]["error"]["message"]
    monkeypatch.setattr(ex, "_run_pipeline", real)
    ex.clear_item_cache()
    for trial, record in zip(trials, records):
        if "error" not in record:
            assert ex.extract_trial(trial) == record


def test_progress_bar_shows_rate_and_eta(tmp_path, capsys):
    assert cli.main(["extract", str(SAMPLE), "-o", str(tmp_path / "r.jsonl"), "--progress", "on"]) == 0
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").splitlines()
    bar = next(line for line in reversed(final) if "43/43" in line)  # the total is known: an ETA is shown
    assert "trials/s" in bar and "100%" in bar


# -- the flat table as a DataFrame -------------------------------------------------------------------
def test_to_frame_is_the_flat_table(reference):
    records = lines(reference)
    frame = to_frame(records)
    assert list(frame.columns) == FLAT_COLUMNS
    want = [(r["trial_id"], c["id"], c["evidence"]["text"], c["evidence"]["start"]) for r in records
            for c in r["constraints"]]
    assert list(zip(frame.trial_id, frame.constraint_id, frame.evidence, frame.start)) == want
    assert str(frame["lower"].dtype) == "float64" and str(frame["start"].dtype) == "int64"


def test_extract_frame_from_texts():
    frame = extract_frame(["Exclusion Criteria:\n- ALT > 2.5 x ULN", "Inclusion Criteria:\n- Aged 18 to 65 years"])
    got = frame[["trial_id", "section", "variable", "lower", "upper", "reference", "evidence"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["input-1", "exclusion", "ALT", 2.5, None, "ULN", "ALT > 2.5 x ULN"],
        ["input-2", "inclusion", "age", 18.0, 65.0, None, "Aged 18 to 65 years"],
    ]


# -- DuckDB ------------------------------------------------------------------------------------------
LIVER = [
    ("NCT00000001", "Exclusion Criteria:\n- ALT >= 2 x ULN\n- Pregnant women"),
    ("NCT00000002", "Exclusion Criteria:\n- ALT or AST > 5 x ULN"),
    ("NCT00000003", "Inclusion Criteria:\n- ALT <= 1.5 x ULN\n- Age 18 years or older"),
    ("NCT00000004", "Inclusion Criteria:\n- ALT <= 3 x ULN"),
    ("NCT00000005", "Exclusion Criteria:\n- ALT > 1.5 times the upper limit of normal"),
    ("NCT00000006", ""),
]

# "all trials that exclude a patient whose ALT is 2x ULN": an exclusion threshold at or below 2x, or an
# inclusion ceiling below it (README, DuckDB)
ALT_QUERY = """
SELECT DISTINCT trial_id FROM constraints
WHERE variable = 'ALT' AND reference = 'ULN' AND (
      (section = 'exclusion' AND (lower < 2 OR (lower = 2 AND lower_inclusive)))
   OR (section = 'inclusion' AND (upper < 2 OR (upper = 2 AND NOT upper_inclusive))))
ORDER BY trial_id
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    folder = tmp_path_factory.mktemp("duck")
    trials = folder / "trials.jsonl"
    trials.write_text("".join(json.dumps({"nct_id": i, "eligibility_criteria": t}) + "\n" for i, t in LIVER))
    out = folder / "results.duckdb"
    assert run(trials, "-o", out) == 1  # the empty criteria text is an error record
    assert sorted(os.listdir(folder)) == ["results.duckdb", "results.duckdb.errors.jsonl", "trials.jsonl"]
    import duckdb

    con = duckdb.connect(str(out), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize(
    "query,want",
    [
        pytest.param(ALT_QUERY, [("NCT00000001",), ("NCT00000003",), ("NCT00000005",)], id="exclude-alt-2x-uln"),
        pytest.param("SELECT table_name FROM information_schema.tables ORDER BY 1",
                     [("constraints",), ("errors",), ("items",), ("trials",)], id="tables"),
        pytest.param("SELECT trial_id, code FROM errors", [("NCT00000006", "E010")], id="errors"),
        pytest.param("SELECT t.trial_id, count(*) FROM trials t JOIN items i USING (trial_id) GROUP BY 1 ORDER BY 1",
                     [("NCT00000001", 2), ("NCT00000002", 1), ("NCT00000003", 2), ("NCT00000004", 1),
                      ("NCT00000005", 1)], id="items-per-trial"),
        pytest.param("SELECT i.text, c.kind FROM constraints c JOIN items i USING (trial_id, item_id) "
                     "WHERE c.kind IN ('age', 'pregnancy') ORDER BY 1",
                     [("Age 18 years or older", "age"), ("Pregnant women", "pregnancy")], id="constraint-to-item"),
        pytest.param("SELECT count(*) FROM constraints WHERE variable = 'AST'", [(1,)], id="a-group-states-each"),
    ],
)
def test_duckdb_answers_in_sql(database, query, want):
    assert database.execute(query).fetchall() == want


# -- inputs read line by line -----------------------------------------------------------------------
def test_json_lines_stream_as_they_read_whole(tmp_path):
    path = tmp_path / "trials.jsonl"
    text = SAMPLE.read_text(encoding="utf-8")
    broken = text.splitlines(keepends=True)
    broken.insert(5, '{"nct_id": "NCT1", \n')
    broken.insert(9, "[1, 2]\n")
    path.write_text("".join(broken), encoding="utf-8")
    streamed = list(read_inputs([str(path)]))
    whole = list(_read_ndjson("".join(broken), str(path), None, None))
    assert [type(t).__name__ for t in streamed] == [type(t).__name__ for t in whole]
    assert [str(t) if isinstance(t, Exception) else (t.trial_id, t.text, t.source) for t in streamed] == \
        [str(t) if isinstance(t, Exception) else (t.trial_id, t.text, t.source) for t in whole]
    assert [t.code for t in streamed if isinstance(t, Exception)] == ["E021", "E002"]
