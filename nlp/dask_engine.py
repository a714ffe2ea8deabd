"""The Dask engine: the same extraction over partitions of the input on a Dask cluster, written as
partitioned Parquet.

    eligex extract trials.jsonl --engine dask -o results/                  # a local cluster
    eligex extract trials.jsonl --engine dask --scheduler tcp://HOST:8786 -o results/

``results/`` gets ``constraints/part-00000.parquet``, ``constraints/part-00001.parquet``, ... (the flat
constraints table, one file per partition of ``--partition-size`` trials, readable as one dataset:
``pd.read_parquet("results/constraints")``, DuckDB ``read_parquet('results/constraints/*.parquet')``),
``records/part-00000.jsonl``, ... (the full records) and ``errors/part-00000.jsonl``, ... (error records,
for the partitions that have some). The client reads the input and streams partitions to the
workers (at most two per worker in flight); workers return the records and the Arrow table, and the
client writes the files, so the workers need eligex installed but no shared file system. Each part is
written atomically, so ``--resume`` skips the partitions already written.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from pathlib import Path
from typing import Iterable

from .batch import Outcome, Summary, chunked, default_workers, extract_chunk
from .errors import EligexError
from .extract import DEFAULT_MAX_CHARS


def _partition(chunk: list, max_chars: int):
    """Runs on a Dask worker: the outcomes of a partition and its flat constraints table."""
    import pyarrow as pa

    from .tables import FLAT_SCHEMA, _flat

    outcomes = extract_chunk(chunk, max_chars)
    rows = [row for o in outcomes if o.error is None for row in _flat(json.loads(o.line))]
    return outcomes, pa.Table.from_pylist(rows, schema=FLAT_SCHEMA)


def _client(scheduler: str | None, workers: int | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EligexError("E034", option="--engine dask", needs="Dask: pip install 'eligex[dask]'") from None
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster


def extract_to_parquet(trials: Iterable, out_dir: str, *, scheduler: str | None = None, client=None,
                       workers: int | None = None, partition_size: int = 1000, resume: bool = False,
                       max_chars: int = DEFAULT_MAX_CHARS, on_error=None, progress=None) -> Summary:
    """Extract ``trials`` on a Dask cluster (``client``, or one at ``scheduler``, or a local one) into
    ``out_dir`` as partitioned Parquet plus JSON Lines records; returns the run's summary."""
    import pyarrow.parquet as pq

    from .output import atomic_path

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise EligexError("E031", path=out_dir, detail="the Dask engine writes a directory of parts; this is a file")
    parts = out / "constraints"
    if parts.exists() and any(parts.glob("part-*.parquet")) and not resume:
        raise EligexError("E031", path=out_dir, detail="it already holds parts: pass --resume to go on, or "
                                                       "choose a new directory")
    (out / "records").mkdir(parents=True, exist_ok=True)
    parts.mkdir(exist_ok=True)
    own_client, cluster = (client, None) if client is not None else _client(scheduler, workers)
    summary = Summary()
    pending: deque = deque()

    def finish(index: int, future) -> None:
        outcomes, table = future.result()
        with atomic_path(str(out / "records" / f"part-{index:05d}.jsonl")) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            fh.write("".join(o.line + "\n" for o in outcomes if o.error is None))
        errors = [o.line + "\n" for o in outcomes if o.error is not None]
        errors_part = out / "errors" / f"part-{index:05d}.jsonl"
        if errors:
            with atomic_path(str(errors_part)) as tmp, open(tmp, "w", encoding="utf-8") as fh:
                fh.write("".join(errors))
        elif errors_part.exists():
            os.unlink(errors_part)  # left by an earlier run of this partition
        for o in outcomes:
            summary.add(o)
            if o.error is not None and on_error:
                on_error(o)
        # the Parquet part last: its presence marks the partition done (for --resume)
        with atomic_path(str(parts / f"part-{index:05d}.parquet")) as tmp:
            pq.write_table(table, tmp)
        if progress:
            progress(len(outcomes))

    try:
        try:
            own_client.wait_for_workers(1, timeout=120)
        except TimeoutError:
            raise EligexError("E034", option="--engine dask",
                              needs=f"a worker connected to the scheduler (none within 120 s: {own_client})") from None
        for index, chunk in enumerate(chunked(trials, partition_size)):
            if resume and (parts / f"part-{index:05d}.parquet").exists():
                summary.skipped += len(chunk)
                continue
            pending.append((index, own_client.submit(_partition, chunk, max_chars, pure=False)))
            # two partitions per worker thread in flight: workers stay busy, the client's memory bounded
            if len(pending) >= 2 * max(1, sum(own_client.nthreads().values())):
                finish(*pending.popleft())
        while pending:
            finish(*pending.popleft())
    finally:
        for _, future in pending:
            future.cancel()
        if client is None:
            own_client.close()
            if cluster is not None:
                cluster.close()
    return summary


def extract_cli(args, fmt: str) -> int:
    """``eligex extract --engine dask``: partitioned Parquet into the ``-o`` directory."""
    from .readers import read_inputs

    if not args.output:
        raise EligexError("E034", option="--engine dask", needs="an output directory (-o DIR)")
    started = time.perf_counter()
    trials = read_inputs(args.inputs, input_format=args.input_format, id_column=args.id_column,
                         text_column=args.text_column, encoding=args.encoding)

    def on_error(o: Outcome) -> None:
        print(f"eligex: {o.error}", file=sys.stderr)

    summary = extract_to_parquet(trials, args.output, scheduler=args.scheduler, workers=args.workers,
                                 partition_size=args.partition_size, resume=args.resume,
                                 max_chars=args.max_chars, on_error=on_error)
    elapsed = time.perf_counter() - started
    total = summary.trials + summary.errors
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.kinds.items())) or "none"
    print(f"eligex: {total:,} inputs: {summary.trials:,} records, {summary.errors:,} errors; "
          f"{summary.items:,} items; constraints: {kinds}; {summary.warnings:,} warnings; "
          f"{elapsed:.1f} s ({total / elapsed if elapsed else 0:,.0f} trials/s)"
          + (f"; {summary.skipped:,} skipped, already in the output" if args.resume else "")
          + f" -> {args.output} (dask)", file=sys.stderr)
    return 1 if summary.errors else 0
