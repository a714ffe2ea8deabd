"""Unit conversion for screening: a patient's value into the unit a criterion states, through pint, with
mass ↔ molar concentration where the reference data knows the analyte's molar mass.

A conversion is an affine map ``y = a * x + b`` (``b`` is non-zero only for temperatures), computed once
per pair of units and cached, so a table of many values converts with one multiply.

>>> converter("mg/dL", "umol/L", 113.12)          # creatinine: 1 mg/dL = 88.4 umol/L
(88.4016973125884, 0.0)
>>> converter("/mm3", "10*9/L")                   # 1,500/mm3 = 1.5 x 10^9/L
(0.001, 0.0)
>>> converter("mg/dL", "mmHg") is None
True
"""

from __future__ import annotations

import math
import re
import warnings
from functools import lru_cache

from .units import registry, units

_DIMENSIONLESS = {None, "", "{points}", "1"}


@lru_cache(maxsize=1)
def _forms() -> dict[str, str]:
    """Every code and written form of ``patterns/units.jsonl``, lower-cased, → its code."""
    out: dict[str, str] = {}
    for entry in units():
        for form in entry.forms:
            out.setdefault(_squeeze(form), entry.code)
    for entry in units():  # a code wins over a form that happens to look like it
        out[_squeeze(entry.code)] = entry.code
    return out


@lru_cache(maxsize=1)
def _pint_of() -> dict[str, str]:
    return {e.code: e.pint for e in units()}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text.lower()).replace("µ", "u").replace("μ", "u")


@lru_cache(maxsize=4096)
def unit_code(written: str | None) -> str | None:
    """The catalogue code of a unit written as a code or one of its forms ("umol/l" → "umol/L"), else
    ``written`` itself when pint can parse it ("mmol/mol"), else raises ``ValueError``.

    >>> unit_code("µmol/L"), unit_code("x10^9/l"), unit_code(None)
    ('umol/L', '10*9/L', None)
    """
    if written is None or written.strip() in _DIMENSIONLESS:
        return None if written is None or written.strip() in ("", "1") else written.strip()
    found = _forms().get(_squeeze(written))
    if found:
        return found
    _quantity(written)  # raises ValueError when pint does not know it either
    return written


def _quantity(code: str):
    expression = _pint_of().get(code, code)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return registry().parse_expression(expression)
    except Exception as exc:  # pint raises many kinds (UndefinedUnitError, DefinitionSyntaxError, TokenError ...)
        raise ValueError(f"pint cannot read {code!r}: {exc}") from None


@lru_cache(maxsize=4096)
def converter(src: str | None, dst: str | None, molar_mass: float | None = None) -> tuple[float, float] | None:
    """``(a, b)`` with ``dst_value = a * src_value + b``, or None when the units measure different things
    (and no molar mass bridges mass and amount of substance). Unitless scores convert 1:1 between
    ``None`` and ``{points}``; ``log10`` codes convert only to themselves."""
    if src == dst:
        return (1.0, 0.0)
    if src in _DIMENSIONLESS and dst in _DIMENSIONLESS:
        return (1.0, 0.0)
    if src in _DIMENSIONLESS or dst in _DIMENSIONLESS:
        return None
    if "log10" in src or "log10" in dst:
        return None
    try:
        q_src, q_dst = _quantity(src), _quantity(dst)
    except ValueError:
        return None
    ureg = registry()

    def convert(value: float) -> float | None:
        q = ureg.Quantity(value * q_src.magnitude, q_src.units)
        if q.dimensionality != q_dst.dimensionality and molar_mass:
            mass = ureg.Quantity(molar_mass, "gram/mole")
            for bridged in (q * mass, q / mass):
                if bridged.dimensionality == q_dst.dimensionality:
                    q = bridged
                    break
        if q.dimensionality != q_dst.dimensionality:
            return None
        return float(q.to(q_dst.units).magnitude / q_dst.magnitude)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if q_src.dimensionality != q_dst.dimensionality and not molar_mass:
            return None
        zero, one = convert(0.0), convert(1.0)
    if zero is None or one is None or not math.isfinite(one):
        return None
    return (one - zero, zero)


__all__ = ["unit_code", "converter"]
