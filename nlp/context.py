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
        if t.text in ".;:":
            return False
        if t.lower_ in words and (not skip_atoms or t.ent_type_ == ""):
            return True
    return False
