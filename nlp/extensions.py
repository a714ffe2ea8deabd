"""All ``Doc``/``Token`` extensions of eligex, declared once, prefixed, never forced."""

from __future__ import annotations

from spacy.tokens import Doc


def register_extensions() -> None:
    if not Doc.has_extension("eligex_atoms"):
        Doc.set_extension("eligex_atoms", default=None)
    if not Doc.has_extension("eligex_context"):
        # what the item's place says: {"section": ..., "heading": [...]}
        Doc.set_extension("eligex_context", default=None)
    if not Doc.has_extension("eligex_found"):
        # constraints found in the doc, as plain dicts (see age.build, sex.build)
        Doc.set_extension("eligex_found", getter=_found)
    if not Doc.has_extension("eligex_lost"):
        # values whose comparator the text lost ("SpO2  93%"): kept apart, so no other component sees them
        Doc.set_extension("eligex_lost", getter=_lost)


def _found(doc: Doc) -> list:
    found = doc.user_data.get(("eligex", "found"))
    if found is None:
        found = doc.user_data[("eligex", "found")] = []
    return found


def _lost(doc: Doc) -> list:
    lost = doc.user_data.get(("eligex", "lost"))
    if lost is None:
        lost = doc.user_data[("eligex", "lost")] = []
    return lost


def doc_text(doc: Doc) -> str:
    """``doc.text``, read once per doc: spaCy joins every token's text each time ``doc.text`` is read, and the
    components read it for every match."""
    text = doc.user_data.get(("eligex", "text"))
    if text is None:
        text = doc.user_data[("eligex", "text")] = doc.text
    return text
