"""Batch extraction at registry scale: ordered worker processes, a resumable journal, a summary.

    inputs → keyed trials (resume skips those already journaled) → chunks → worker processes, each with
    one pipeline, returning JSON lines → in input order → journal (whole lines, flushed) → finalise

Output is byte-identical whatever the worker count: chunks are processed anywhere but written in input
order, and each record is serialised the same way. Memory stays flat: at most ``workers * 4`` chunks are
in flight, and no list of records is kept.

The journal, ``OUT.partial``, is JSON Lines of whole records and error records in input order. A run
that is interrupted (Ctrl-C, ``kill``, even ``kill -9``) leaves it valid: chunks are appended as whole
lines and flushed, and a torn last line (a kill during a write) is cut off on resume. ``--resume`` reads
the journal (or a finished JSON Lines output), skips the trials already in it, and goes on; nothing is
written twice and nothing is lost. When the run ends, the journal becomes the output atomically
(``os.replace`` for JSON Lines; a conversion to CSV, Parquet or DuckDB otherwise), error records going
to their own file.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import sys
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .errors import EligexError
from .extract import DEFAULT_MAX_CHARS, TrialInput, extract_many

CHUNK_SIZE = 32  # trials per task: ~0.1 s of work, so task overhead stays under 1%
WINDOW_PER_WORKER = 4  # chunks in flight per worker: keeps workers busy, bounds memory


# -- what a worker hands back ------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """One trial's result as plain data: its record as a JSON line and what the summary counts."""

    line: str
    trial_id: str | None
    error: str | None  # the error message of an error record
    items: int = 0
    kinds: tuple = ()  # (kind, count) pairs
    warnings: int = 0


def outcome(record: dict) -> Outcome:
    line = json.dumps(record, ensure_ascii=False)
    if "error" in record:
        return Outcome(line, record.get("trial_id"), record["error"]["message"])
    kinds = Counter(c["kind"] for c in record["constraints"])
    return Outcome(line, record["trial_id"], None, len(record["items"]), tuple(sorted(kinds.items())),
                   len(record["warnings"]))


def extract_chunk(chunk: list, max_chars: int = DEFAULT_MAX_CHARS) -> list[Outcome]:
    """Outcomes of a chunk of ``TrialInput``/``EligexError`` items, in order (runs in a worker)."""
    return [outcome(record) for record in extract_many(chunk, max_chars=max_chars)]


def _init_worker() -> None:
    # Ctrl-C goes to the whole process group: the parent alone decides what to keep
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        # a worker must not outlive a parent killed with SIGKILL (PR_SET_PDEATHSIG = 1)
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    from .pipeline import load

    load()  # inherited from the parent under fork; built once per worker otherwise


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def chunked(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ordered_map(fn: Callable[[list], list], chunks: Iterable[list], workers: int) -> Iterator[list]:
    """``fn`` over ``chunks`` in worker processes, results in input order, at most ``workers * 4`` chunks
    in flight. One worker, or a single chunk, runs in this process."""
    chunks = iter(chunks)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if workers <= 1 or second is None:
        yield fn(first)
        if second is not None:
            yield fn(second)
            for chunk in chunks:
                yield fn(chunk)
        return
    from .pipeline import load

    load()  # built before the fork, so workers share its memory
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker)
    pending: deque = deque()
    try:
        for chunk in _chain(first, second, chunks):
            pending.append(pool.submit(fn, chunk))
            if len(pending) >= workers * WINDOW_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=not pending, cancel_futures=True)


def _chain(*heads_then_rest):
    *heads, rest = heads_then_rest
    yield from heads
    yield from rest


# -- resume keys ---------------------------------------------------------------------------------------
def record_source(item: TrialInput | EligexError) -> tuple[str | None, dict]:
    """The trial id and source its record will carry (as ``extract_many`` writes them)."""
    if isinstance(item, EligexError):
        source = item.fields.get("record_source") or {"format": "text", "input": item.source or "<input>"}
        trial_id = item.fields.get("trial_id")
    else:
        source, trial_id = item.source, item.trial_id
    return (str(trial_id) if trial_id else None), source


class Keys:
    """A key per trial: its id and how many times that id came before (so a duplicated id is two
    trials); for a record with no id, where it came from."""

    def __init__(self) -> None:
        self.seen: Counter = Counter()

    def __call__(self, trial_id: str | None, source: dict | None) -> str:
        if trial_id:
            base = f"id:{trial_id}"
        else:
            source = source or {}
            base = f"at:{source.get('input')}:{source.get('locator')}"
        self.seen[base] += 1
        return f"{base}#{self.seen[base]}"


def journal_keys(path: Path) -> tuple[set[str], int, int]:
    """Keys of the whole records in a journal (or finished JSON Lines output), how many are error
    records, and the byte length of its whole lines: a torn last line (a kill during a write) is not
    counted and gets cut off."""
    keys, keyer, good, errors = set(), Keys(), 0, 0
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            try:
                record = json.loads(raw)
            except json.JSONDecodeError:
                break  # a torn line: everything from here is rewritten
            if not isinstance(record, dict) or "schema_version" not in record:
                raise EligexError("E033", path=str(path), detail=f"byte {good}: not an eligex record")
            keys.add(keyer(record.get("trial_id"), record.get("source")))
            errors += "error" in record
            good += len(raw)
    return keys, good, errors


# -- the run -----------------------------------------------------------------------------------------
@dataclass
class Summary:
    trials: int = 0
    errors: int = 0
    skipped: int = 0
    items: int = 0
    warnings: int = 0
    kinds: Counter = field(default_factory=Counter)

    def add(self, o: Outcome) -> None:
        if o.error is not None:
            self.errors += 1
            return
        self.trials += 1
        self.items += o.items
        self.warnings += o.warnings
        for kind, n in o.kinds:
            self.kinds[kind] += n


def run(trials: Iterable, *, write: Callable[[list[Outcome]], None], workers: int | None = None,
        skip: set[str] | None = None, max_chars: int = DEFAULT_MAX_CHARS, chunk_size: int | None = None,
        on_error: Callable[[Outcome], None] | None = None, progress: Callable[[int], None] | None = None) -> Summary:
    """Extract every trial of ``trials`` (``TrialInput``/``EligexError``), handing each chunk's outcomes
    to ``write`` in input order; trials whose key is in ``skip`` are counted and passed over."""
    summary = Summary()
    keyer = Keys()

    def wanted() -> Iterator[Any]:
        for item in trials:
            if skip and keyer(*record_source(item)) in skip:
                summary.skipped += 1
                continue
            yield item

    task = _Task(max_chars)
    for outcomes in ordered_map(task, chunked(wanted(), chunk_size or CHUNK_SIZE), workers or default_workers()):
        write(outcomes)
        for o in outcomes:
            summary.add(o)
            if o.error is not None and on_error:
                on_error(o)
        if progress:
            progress(len(outcomes))
    return summary


class _Task:
    """``extract_chunk`` with its options, picklable for the worker processes."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars

    def __call__(self, chunk: list) -> list[Outcome]:
        return extract_chunk(chunk, self.max_chars)


class Journal:
    """``OUT.partial``: outcomes appended as whole lines in input order, flushed per chunk."""

    def __init__(self, target: str, *, resume: bool) -> None:
        self.target = Path(target)
        self.path = self.target.with_name(self.target.name + ".partial")
        self.skip: set[str] = set()
        self.error_lines: list[int] | None = []  # line numbers of error records; None: not known
        self.lines = 0
        self.resumed_errors = 0
        self.created = not (resume and (self.path.exists() or self.target.exists()))
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            if resume and self.path.exists():
                self.skip, good, self.resumed_errors = journal_keys(self.path)
                with open(self.path, "r+b") as fh:
                    fh.truncate(good)
                self.lines, self.error_lines = len(self.skip), None
            elif resume and self.target.exists() and self.target.suffix.lower() in (".jsonl", ".ndjson"):
                # a finished run: its records (and error records, from their own file) start the journal
                self.skip, _, _ = journal_keys(self.target)
                with open(self.path, "wb") as out:
                    _copy_whole_lines(self.target, out)
                    errors = Path(f"{self.target}.errors.jsonl")
                    if errors.exists():
                        more, _, self.resumed_errors = journal_keys(errors)
                        self.skip |= more
                        _copy_whole_lines(errors, out)
                self.lines, self.error_lines = len(self.skip), None
            elif resume and self.target.exists():
                raise EligexError("E033", path=str(self.target),
                                  detail=f"no journal {self.path.name}; only a JSON Lines output can be resumed "
                                         "once finished")
            elif self.path.exists() and self.path.stat().st_size:
                # an interrupted run's work is never thrown away unasked
                raise EligexError("E033", path=str(self.target),
                                  detail=f"{self.path} holds an interrupted run: pass --resume to go on from it, "
                                         "or delete it to start over")
            else:
                open(self.path, "wb").close()
            self.fh = open(self.path, "ab")
        except OSError as exc:
            raise EligexError("E031", path=str(self.path), detail=exc.strerror or str(exc)) from None

    def write(self, outcomes: list[Outcome]) -> None:
        data = []
        for o in outcomes:
            if o.error is not None and self.error_lines is not None:
                self.error_lines.append(self.lines)
            self.lines += 1
            data.append(o.line)
        self.fh.write(("\n".join(data) + "\n").encode("utf-8"))
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()

    def records(self) -> Iterator[tuple[str, bool]]:
        """(line, is_error) for every journaled record, in order."""
        errors = set(self.error_lines or ())
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if self.error_lines is None:
                    is_error = '"error": {"code"' in line and "error" in json.loads(line)
                else:
                    is_error = n in errors
                yield line, is_error


def _copy_whole_lines(src: Path, out) -> None:
    with open(src, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            out.write(raw)


def finalise(journal: Journal, fmt: str, errors_path: str | None) -> None:
    """Turn the journal into the output (and error records into ``errors_path``), atomically; the
    journal is removed once the output is in place."""
    from .output import RecordWriter, atomic_path
    from .tables import DuckDBWriter, FlatWriter, remove_quietly

    journal.close()
    target = str(journal.target)
    has_errors = journal.error_lines is None or bool(journal.error_lines)
    if fmt == "jsonl" and not has_errors:
        os.replace(journal.path, target)
        if errors_path:
            remove_quietly(errors_path)  # a stale one from an earlier run would not describe this output
        return
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_path(target))
        err_stream = None
        if fmt == "jsonl":
            out = stack.enter_context(open(tmp, "w", encoding="utf-8", newline=""))
            write = out.write
        else:
            if fmt == "duckdb":
                os.unlink(tmp)  # DuckDB makes its own file
                writer = DuckDBWriter(tmp)
            elif fmt in ("csv", "parquet"):
                stream = stack.enter_context(open(tmp, "w", encoding="utf-8", newline="")) if fmt == "csv" else None
                writer = FlatWriter(fmt, tmp, stream)
            else:
                stream = stack.enter_context(open(tmp, "w", encoding="utf-8", newline=""))
                writer = RecordWriter(fmt, stream, tmp)
            write = None
        for line, is_error in journal.records():
            if is_error and errors_path:
                if err_stream is None:  # the errors file exists only when there are errors
                    err_tmp = stack.enter_context(atomic_path(errors_path))
                    err_stream = stack.enter_context(open(err_tmp, "w", encoding="utf-8", newline=""))
                err_stream.write(line)
                if fmt != "duckdb":
                    continue
            if write is not None:
                write(line)
            elif not is_error or fmt in ("json", "duckdb"):
                writer.write(json.loads(line))
        if write is None:
            writer.close()
            if fmt == "duckdb":
                remove_quietly(tmp + ".wal")
    if err_stream is None and errors_path:
        remove_quietly(errors_path)
    os.unlink(journal.path)


def estimate_total(paths: list[str]) -> int | None:
    """How many trials the inputs hold, when that is cheap to know (JSON Lines: lines; a directory: its
    XML/JSON files), for the progress bar's ETA; ``None`` otherwise."""
    total = 0
    for path in paths:
        p = Path(path)
        if path == "-" or not p.exists():
            return None
        if p.is_dir():
            total += sum(1 for f in p.rglob("*") if f.suffix.lower() in (".xml", ".json"))
        elif p.suffix.lower() in (".jsonl", ".ndjson"):
            with open(p, "rb") as fh:
                total += sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
        else:
            return None
    return total
