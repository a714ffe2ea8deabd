"""eligex: structured, checkable constraints from the eligibility criteria of clinical trials.

>>> from nlp import extract
>>> record = extract("Inclusion Criteria:\\n- Women aged 18 to 70 years", trial_id="NCT00000000")
>>> [(c["kind"], c["evidence"]["text"]) for c in record["constraints"]]
[('age', 'aged 18 to 70 years'), ('sex', 'Women')]
"""

__version__ = "0.1.0"

from .api import extract, extract_batch, load  # noqa: E402


def __getattr__(name: str):
    # the table helpers import pyarrow: only when asked for
    if name in ("to_frame", "extract_frame"):
        from . import tables

        return getattr(tables, name)
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")


__all__ = ["extract", "extract_batch", "extract_frame", "to_frame", "load", "__version__"]
