"""The public Python interface: ``extract`` one trial, ``extract_batch`` over many."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from .extract import DEFAULT_MAX_CHARS, TrialInput, checked, extract_many, extract_trial
from .pipeline import load
from .readers import trial_from_mapping

_NCT = re.compile(r"\bNCT\d{8}\b")


def extract(trial: str | dict, *, trial_id: str | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> dict:
    """One schema-valid record from criteria text (or a saved registry page: its NCT id is the trial id
    unless ``trial_id`` is given), or from a registry dict:
    a ClinicalTrials.gov API v2 study (``{"protocolSection": ...}``) or a flat row such as those of
    ``trials.jsonl`` (``nct_id``, ``eligibility_criteria``, ``minimum_age``, ``maximum_age``, ``sex``).

    Raises ``nlp.errors.EligexError`` for input that cannot be extracted from.
    """
    if isinstance(trial, str):
        found = _NCT.search(trial)
        item = TrialInput(trial_id or (found.group() if found else "input"), trial, {"format": "text", "input": "<string>", "locator": None},
                          is_plain_text=True)
    elif isinstance(trial, dict):
        item = trial_from_mapping(trial, source={"format": "table", "input": "<dict>", "locator": None})
        if trial_id:
            item.trial_id = trial_id
    else:
        raise TypeError(f"extract() takes criteria text or a registry dict, not {type(trial).__name__}")
    return checked(extract_trial(item, max_chars=max_chars))


def extract_batch(trials: Iterable[str | dict | TrialInput], *, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[dict]:
    """Records for many trials, in order; a trial that fails gives an error record and the batch goes on."""
    return extract_many(_batch_items(trials), max_chars=max_chars)


def _batch_items(trials: Iterable[str | dict | TrialInput]) -> Iterator[Any]:
    for n, trial in enumerate(trials, 1):
        src = {"format": "text", "input": "<batch>", "locator": f"#{n}"}
        if isinstance(trial, TrialInput):
            yield trial
        elif isinstance(trial, str):
            yield TrialInput(f"input-{n}", trial, src, is_plain_text=True)
        elif isinstance(trial, dict):
            yield trial_from_mapping(trial, source={**src, "format": "table"})
        else:
            yield TrialInput(f"input-{n}", trial, src)


__all__ = ["extract", "extract_batch", "load", "extract_trial"]
