"""The worked examples in the docstrings run and say what the code does."""

import doctest
import importlib

import pytest

MODULES = ["nlp", "nlp.bounds", "nlp.units", "nlp.textmap", "nlp.sections", "nlp.page", "nlp.registry", "nlp.numbers", "nlp.tokenizer",
           "nlp.pipeline", "nlp.errors", "nlp.resources", "nlp.window", "nlp.contraception", "nlp.logic",
           "nlp.evaluate", "nlp.gate", "nlp.tables"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
