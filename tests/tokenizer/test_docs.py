"""The public docstrings' examples run and print what they say."""

import doctest

import pytest


@pytest.mark.slow
def test_layer_docstring_examples():
    from tfbert.tokenizer import layer

    result = doctest.testmod(layer, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5
    assert result.failed == 0
