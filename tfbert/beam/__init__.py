"""Corpus-scale inference on Apache Beam: a ``RunInference`` model handler and the batch job.

Needs the ``beam`` extra (``pip install 'tfbert[beam]'``); ``import tfbert`` never imports Beam.
:class:`TaskModelHandler` runs a task from a checkpoint or an exported SavedModel inside any Beam
pipeline; :func:`run_batch_job` (``tfbert batch``) runs one over files of inputs and writes sharded
results and a dead-letter file.
"""

try:
    import apache_beam  # noqa: F401
except ImportError as err:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        f"tfbert.beam needs Apache Beam ({err}): pip install 'tfbert[beam]' "
        f"(or pip install apache-beam)"
    ) from None

from tfbert.beam.handler import InferenceFailure, TaskModelHandler
from tfbert.beam.job import BatchSummary, run_batch_job

__all__ = ["BatchSummary", "InferenceFailure", "TaskModelHandler", "run_batch_job"]
