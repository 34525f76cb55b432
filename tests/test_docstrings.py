"""Every docstring example in the package runs and prints what it says (doctest)."""

import doctest
import importlib
import pkgutil

import pytest

import keras_aug

MODULES = ["keras_aug", *sorted(m.name for m in pkgutil.walk_packages(keras_aug.__path__, "keras_aug."))]


@pytest.mark.parametrize("name", [m for m in MODULES if m != "keras_aug.__main__"])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
