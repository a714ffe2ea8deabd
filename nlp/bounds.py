"""Bounds from numbers and their comparators, shared by every numeric kind.

>>> interval([{"value": 18, "op": None}, {"value": 65, "op": "<"}])
(({'value': 18, 'op': None}, True), ({'value': 65, 'op': '<'}, False))
>>> interval([{"value": 18, "op": None}]) is None
True
"""

from __future__ import annotations

# comparator → (side, inclusive): ">" bounds from below, "<" from above
OPS = {">": (">", False), ">=": (">", True), "<": ("<", False), "<=": ("<", True)}


def interval(values: list[dict]) -> tuple[tuple | None, tuple | None] | None:
    """``(lower, upper)``, each ``(value dict, inclusive)`` or ``None``, from one or two numbers with their
    comparators (``"op"``); ``None`` when they state no interval (one number without a comparator, or two
    comparators pointing the same way).

    One number: its comparator says which side. Two numbers: a range, inclusive unless a comparator says
    otherwise ("2 to < 16"); written the other way round ("< 65 and > 18") they are swapped.
    """
    if len(values) == 1:
        v = values[0]
        if v["op"] is None:
            return None
        side, inclusive = OPS[v["op"]]
        return ((v, inclusive), None) if side == ">" else (None, (v, inclusive))
    if len(values) != 2:
        return None
    a, b = values
    if a["op"] in ("<", "<=") and b["op"] in (">", ">=", None):
        a, b = b, a
    if a["op"] in ("<", "<=") or b["op"] in (">", ">="):
        return None
    return (a, OPS[a["op"]][1] if a["op"] else True), (b, OPS[b["op"]][1] if b["op"] else True)
