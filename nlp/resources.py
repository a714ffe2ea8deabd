"""Where the package's data lives: ``patterns/`` and ``schemas/``, shipped inside the wheel as
``nlp.patterns`` and ``nlp.schemas`` (mapped from the repository's top level by pyproject.toml)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def _folder(package: str, checkout_dir: str) -> Traversable:
    try:
        return resources.files(package)
    except ModuleNotFoundError:
        # imported from a source checkout that was not installed: the folders stand beside nlp/
        return Path(__file__).resolve().parent.parent / checkout_dir


def patterns_path(name: str) -> Traversable:
    """A file of ``patterns/``, wherever the package is installed.

    >>> patterns_path("page.json").name
    'page.json'
    """
    return _folder("nlp.patterns", "patterns").joinpath(name)


def schema_path(name: str) -> Traversable:
    return _folder("nlp.schemas", "schemas").joinpath(name)
