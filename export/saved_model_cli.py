#!/usr/bin/env python
"""``saved_model_cli`` with tf-text's ops registered, for tfbert SavedModels.

The stock ``saved_model_cli run`` loads the graph without importing ``tensorflow_text`` and stops
at ``Op type not registered 'FastWordpieceTokenizeWithOffsets'``; ``show`` works as it is. This
wrapper imports tensorflow_text (which registers the ops, as the TF Serving binary links them) and
hands over to saved_model_cli, arguments unchanged:

    python export/saved_model_cli.py run --dir OUT/1 --tag_set serve \\
        --signature_def serving_default --input_exprs 'text=["I loved it."]'
"""

import sys

import tensorflow_text  # noqa: F401  (registers tf-text's ops)
from tensorflow.python.tools import saved_model_cli

if __name__ == "__main__":
    sys.exit(saved_model_cli.main())
