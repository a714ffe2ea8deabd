"""What the words around a statement say: where its comparator starts, whether a negation precedes it."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

# "or older than", "and less than": one lexicon comparator whose first word joins it to what comes before
_JOINED_COMPARATOR = re.compile(r"\.(?:or|and)_[a-z]+_than$")


def comparator_start(atom: Span) -> int:
    """Where a comparator atom starts in the text: "... or older than 65" reads "older than"."""
    return atom[1].idx if _JOINED_COMPARATOR.search(atom.id_) else atom.start_char


def negated_before(doc: Doc, i: int, words: set[str], window: int, *, skip_atoms: bool = False) -> bool:
    """A negation word among the ``window`` tokens before token ``i``, in the same clause ("No NYHA class
    III", "Not pregnant or nursing"). With ``skip_atoms``, words of a lexicon atom ("no less than") do not
    count."""
    for t in reversed(doc[max(0, i - window):i]):
        if t.text in (".", ";", ":", "OR") or t.lower_ in _SCOPE_ENDS:  # "... without X OR SGOT < 5 x ULN"
            return False
        if t.lower_ == "with" and t.i > 0 and doc[t.i - 1].lower_ in ("and", "or"):
            return False  # "without bilateral oophorectomy and with serum FSH > 40": the negation ended
        if t.lower_ in words and (not skip_atoms or t.ent_type_ == ""):
            if t.i + 1 < len(doc) and doc[t.i + 1].lower_ in ("limited", "only", "restricted"):
                continue  # "including but not limited to serum potassium < 3.0": no negation of what follows
            return True
    return False


# words after which a negation before them no longer holds ("no liver metastases, but ALT > 5 x ULN")
_SCOPE_ENDS = {"but", "however", "although", "except", "unless"}
