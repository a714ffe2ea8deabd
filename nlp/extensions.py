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
        Doc.set_extension("eligex_found", getter=_user_list("found"))
    if not Doc.has_extension("eligex_lost"):
        # values whose comparator the text lost ("SpO2  93%"): kept apart, so no other component sees them
        Doc.set_extension("eligex_lost", getter=_user_list("lost"))


def _user_list(name: str):
    """A getter of the doc's list ``name``, made on first use and kept in ``doc.user_data``."""
    key = ("eligex", name)

    def get(doc: Doc) -> list:
        items = doc.user_data.get(key)
        if items is None:
            items = doc.user_data[key] = []
        return items

    return get


def doc_text(doc: Doc) -> str:
    """``doc.text``, read once per doc: spaCy joins every token's text each time ``doc.text`` is read, and the
    components read it for every match."""
    text = doc.user_data.get(("eligex", "text"))
    if text is None:
        text = doc.user_data[("eligex", "text")] = doc.text
    return text
