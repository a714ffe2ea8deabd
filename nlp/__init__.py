"""eligex: structured, checkable constraints from the eligibility criteria of clinical trials.

>>> from nlp import extract
>>> record = extract("Inclusion Criteria:\\n- Women aged 18 to 70 years", trial_id="NCT00000000")
>>> [(c["kind"], c["evidence"]["text"]) for c in record["constraints"]]
[('age', 'aged 18 to 70 years'), ('sex', 'Women')]
"""

__version__ = "0.1.0"

from .api import extract, extract_batch, load  # noqa: E402

__all__ = ["extract", "extract_batch", "load", "__version__"]
