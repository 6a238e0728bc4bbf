"""What ``generate(..., return_dict_in_generate=True)`` returns, under transformers v4's
TensorFlow names."""

from __future__ import annotations

from typing import Any

from tfbert.outputs import ModelOutput


class TFGreedySearchDecoderOnlyOutput(ModelOutput):
    """Greedy search: ``sequences`` and, with ``output_scores``, the processed ``scores`` of
    each step (a tuple of ``(batch, vocab)``)."""

    sequences: Any
    scores: Any


class TFSampleDecoderOnlyOutput(TFGreedySearchDecoderOnlyOutput):
    """Sampling: as greedy search."""


class TFBeamSearchDecoderOnlyOutput(ModelOutput):
    """Beam search: ``sequences``, their length-penalised ``sequences_scores`` and, with
    ``output_scores``, each step's processed log-probabilities (``(batch * num_beams, vocab)``)."""

    sequences: Any
    sequences_scores: Any
    scores: Any


class TFBeamSampleDecoderOnlyOutput(TFBeamSearchDecoderOnlyOutput):
    """Beam sampling: as beam search."""


class TFGreedySearchEncoderDecoderOutput(TFGreedySearchDecoderOnlyOutput):
    """Greedy search of an encoder-decoder model."""


class TFSampleEncoderDecoderOutput(TFGreedySearchDecoderOnlyOutput):
    """Sampling with an encoder-decoder model."""


class TFBeamSearchEncoderDecoderOutput(TFBeamSearchDecoderOnlyOutput):
    """Beam search of an encoder-decoder model."""


class TFBeamSampleEncoderDecoderOutput(TFBeamSearchDecoderOnlyOutput):
    """Beam sampling with an encoder-decoder model."""


def output_class(num_beams: int, do_sample: bool, encoder_decoder: bool) -> type[ModelOutput]:
    """The output class of a ``generate()`` call."""
    if num_beams > 1:
        if encoder_decoder:
            return (
                TFBeamSampleEncoderDecoderOutput if do_sample else TFBeamSearchEncoderDecoderOutput
            )
        return TFBeamSampleDecoderOnlyOutput if do_sample else TFBeamSearchDecoderOnlyOutput
    if encoder_decoder:
        return TFSampleEncoderDecoderOutput if do_sample else TFGreedySearchEncoderDecoderOutput
    return TFSampleDecoderOnlyOutput if do_sample else TFGreedySearchDecoderOnlyOutput
