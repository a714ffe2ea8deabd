"""`pip install .` (a real wheel, not an editable install) ships patterns/ and schemas/, and the installed
`eligex` command finds them from any working directory."""

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(os.environ.get("ELIGEX_SKIP_WHEEL") == "1", reason="ELIGEX_SKIP_WHEEL=1")
def test_wheel_installs_and_runs_from_elsewhere(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True, text=True)
    (wheel,) = wheels.glob("eligex-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
                   check=True, capture_output=True, text=True)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    sample = workdir / "trials.jsonl"
    sample.write_bytes((ROOT / "examples" / "trials_sample.jsonl").read_bytes())
    out = workdir / "records.jsonl"
    run = subprocess.run([str(env_dir / "bin" / "eligex"), "extract", str(sample), "-o", str(out)],
                         cwd=workdir, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "43 records, 0 errors" in run.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 43 and all("error" not in r for r in records)
    check = subprocess.run([str(env_dir / "bin" / "eligex"), "validate", str(out)], cwd=workdir,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    located = subprocess.run([str(py), "-c", "import nlp.resources as r; print(r.patterns_path('lexicon.jsonl'))"],
                             cwd=workdir, capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in located and str(ROOT) not in located
