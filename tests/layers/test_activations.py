"""Activations by transformers' names equal transformers' own functions."""

import numpy as np
import pytest
import torch

from tfbert.config import ACTIVATIONS
from tfbert.layers.activations import ACT2FN, get_activation


def test_every_config_activation_has_a_function():
    assert set(ACTIVATIONS) == set(ACT2FN)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_matches_transformers(name):
    from transformers.activations import ACT2FN as REFERENCE

    x = np.linspace(-8, 8, 401, dtype=np.float32)
    expected = REFERENCE[name](torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(np.asarray(get_activation(name)(x)), expected, atol=1e-6, rtol=1e-6)


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="unknown activation 'gelu2'"):
        get_activation("gelu2")
