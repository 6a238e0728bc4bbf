"""Top-level ``tfbert.TF*Output*`` names whose v4 spelling does not end in ``Output``
(``TFBaseModelOutputWithPooling``, ...): they need tfbert/__init__.py to route every ``TF*Output*``
name to ``tfbert.modeling_tf_outputs``, not only names ending in ``Output``."""

import pytest

import tfbert
from tfbert import modeling_tf_outputs


@pytest.mark.parametrize(
    "name",
    [n for n in modeling_tf_outputs.__all__ if n.startswith("TF") and not n.endswith("Output")],
)
def test_top_level_output_names(name):
    assert getattr(tfbert, name) is getattr(modeling_tf_outputs, name)
