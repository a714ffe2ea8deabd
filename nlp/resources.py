"""Where the package's data lives: ``patterns/`` and ``schemas/``, shipped inside the wheel as
``nlp.patterns`` and ``nlp.schemas`` (mapped from the repository's top level by pyproject.toml)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def patterns_path(name: str) -> Traversable:
    """A file of ``patterns/``, wherever the package is installed.

    >>> patterns_path("page.json").name
    'page.json'
    """
    return resources.files("nlp.patterns").joinpath(name)


def schema_path(name: str) -> Traversable:
    return resources.files("nlp.schemas").joinpath(name)


def pattern_files(suffix: str = ".jsonl") -> list[Traversable]:
    return sorted((p for p in resources.files("nlp.patterns").iterdir() if p.name.endswith(suffix)),
                  key=lambda p: p.name)
