"""The drug catalogue (``patterns/drugs.jsonl``): drugs and drug classes commonly restricted in trials.

Each entry has a stable id (the generic name, snake case: ``prednisone``, ``mycophenolate_mofetil``; a
class: ``corticosteroids``, ``strong_cyp3a4_inhibitors``), its aliases and brand names, the classes it
belongs to, an ATC code and an RxNorm CUI where known (absent rather than guessed), a plausible dose range
that rejects nonsense ("prednisone 2019"), and the standard conversion factors: prednisone-equivalent mg
per mg for systemic corticosteroids, oral morphine milligram equivalents (CDC 2016) per mg for opioids.

>>> drugs()["dexamethasone"].prednisone_factor
6.67
>>> drugs()["prednisone"].code()
{'system': 'RxNorm', 'code': '8640'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .rules import _load_jsonl

ATC = re.compile(r"^[A-V](?:\d\d(?:[A-Z](?:[A-Z](?:\d\d)?)?)?)?$")
RXCUI = re.compile(r"^[1-9]\d{0,7}$")


@dataclass(frozen=True)
class Drug:
    """``{"id": "prednisone", "name": "prednisone", "kind": "drug", "aliases": [...], "classes":
    ["corticosteroids", ...], "atc": "H02AB07", "rxcui": "8640", "prednisone_factor": 1.0, "dose_range":
    [0.01, 5000], "dose_range_unit": "mg", "example": "oral prednisone more than 20 mg/day"}``"""

    id: str
    name: str
    kind: str  # "drug" or "class"
    aliases: list
    classes: list  # ids of the class entries it belongs to
    example: str
    atc: str | None = None
    rxcui: str | None = None
    prednisone_factor: float | None = None  # mg of prednisone per mg of this corticosteroid
    morphine_factor: float | None = None  # oral morphine mg equivalents per mg (CDC 2016)
    dose_range: list | None = None  # plausible amount per dose or per day, in dose_range_unit
    dose_range_unit: str | None = None

    def code(self) -> dict | None:
        """The standard code: RxNorm where known, else ATC."""
        if self.rxcui:
            return {"system": "RxNorm", "code": self.rxcui}
        if self.atc:
            return {"system": "ATC", "code": self.atc}
        return None


@lru_cache(maxsize=1)
def drugs() -> dict[str, Drug]:
    """Every catalogue entry by id."""
    return {d.id: d for d in _load_jsonl("drugs.jsonl", Drug)}
