"""The Dask engine on a real ``dask.distributed.LocalCluster``: the same constraints as the local engine,
as partitioned Parquet, and resumable by partition. Skips when Dask is not installed (the test extra
installs it, so CI runs it)."""

import json
import os
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from nlp import cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "trials_sample.jsonl"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def local_flat(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("local") / "flat.parquet"
    assert cli.main(["extract", str(SAMPLE), "-o", str(out), "--workers", "1", "--progress", "off"]) == 0
    return pd.read_parquet(out)


def test_dask_engine_writes_the_same_constraints_as_partitioned_parquet(tmp_path, cluster, local_flat, capsys):
    trials = tmp_path / "trials.jsonl"
    trials.write_text(SAMPLE.read_text(encoding="utf-8") + '{"nct_id": "NCT09999999", "eligibility_criteria": ""}\n')
    out = tmp_path / "results"
    code = cli.main(["extract", str(trials), "--engine", "dask", "--scheduler", cluster.scheduler_address,
                     "-o", str(out), "--partition-size", "10"])
    assert code == 1  # one input failed
    assert "(dask)" in capsys.readouterr().err
    parts = sorted(os.listdir(out / "constraints"))
    assert parts == [f"part-{n:05d}.parquet" for n in range(5)]  # 44 trials in partitions of 10
    frame = pd.read_parquet(out / "constraints")
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), local_flat)
    records = [json.loads(line) for name in sorted(os.listdir(out / "records"))
               for line in (out / "records" / name).read_text(encoding="utf-8").splitlines()]
    assert [r["trial_id"] for r in records] == [json.loads(line)["nct_id"] for line in SAMPLE.read_text().splitlines()]
    assert os.listdir(out / "errors") == ["part-00004.jsonl"]  # the last partition holds the failed input
    (error,) = [json.loads(line) for line in (out / "errors" / "part-00004.jsonl").read_text().splitlines()]
    assert (error["trial_id"], error["error"]["code"]) == ("NCT09999999", "E010")


def test_dask_engine_resumes_by_partition(tmp_path, cluster, local_flat, capsys):
    out = tmp_path / "results"
    argv = ["extract", str(SAMPLE), "--engine", "dask", "--scheduler", cluster.scheduler_address, "-o", str(out),
            "--partition-size", "10"]
    assert cli.main(argv) == 0
    (out / "constraints" / "part-00003.parquet").unlink()  # as if the run had stopped before this part
    assert cli.main(argv) == 2  # parts are there: refused without --resume
    assert "E031" in capsys.readouterr().err
    assert cli.main([*argv, "--resume"]) == 0
    assert "33 skipped, already in the output"  # 43 trials less the 10 of part 3 in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "constraints").reset_index(drop=True), local_flat)
