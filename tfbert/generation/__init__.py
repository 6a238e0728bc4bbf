"""Text generation: the decoding options, logits processors, search loops and the mixin that
gives models ``generate()``.

| module | holds |
| --- | --- |
| ``configuration`` | ``GenerationConfig`` (``generation_config.json``) |
| ``logits_process`` | the ``TF*LogitsProcessor`` / ``TF*LogitsWarper`` classes |
| ``search`` | greedy/sampling and beam-search loops over fixed-size buffers |
| ``outputs`` | what ``return_dict_in_generate=True`` returns |
| ``mixin`` | ``GenerationMixin.generate()`` |
"""

from tfbert.generation.configuration import GenerationConfig
from tfbert.generation.logits_process import (
    TFForcedBOSTokenLogitsProcessor,
    TFForcedEOSTokenLogitsProcessor,
    TFLogitsProcessor,
    TFLogitsProcessorList,
    TFLogitsWarper,
    TFMinLengthLogitsProcessor,
    TFMinNewTokensLengthLogitsProcessor,
    TFNoBadWordsLogitsProcessor,
    TFNoRepeatNGramLogitsProcessor,
    TFRepetitionPenaltyLogitsProcessor,
    TFTemperatureLogitsWarper,
    TFTopKLogitsWarper,
    TFTopPLogitsWarper,
)
from tfbert.generation.mixin import GenerationMixin
from tfbert.generation.outputs import (
    TFBeamSampleDecoderOnlyOutput,
    TFBeamSampleEncoderDecoderOutput,
    TFBeamSearchDecoderOnlyOutput,
    TFBeamSearchEncoderDecoderOutput,
    TFGreedySearchDecoderOnlyOutput,
    TFGreedySearchEncoderDecoderOutput,
    TFSampleDecoderOnlyOutput,
    TFSampleEncoderDecoderOutput,
)

__all__ = [
    "GenerationConfig",
    "GenerationMixin",
    "TFBeamSampleDecoderOnlyOutput",
    "TFBeamSampleEncoderDecoderOutput",
    "TFBeamSearchDecoderOnlyOutput",
    "TFBeamSearchEncoderDecoderOutput",
    "TFForcedBOSTokenLogitsProcessor",
    "TFForcedEOSTokenLogitsProcessor",
    "TFGreedySearchDecoderOnlyOutput",
    "TFGreedySearchEncoderDecoderOutput",
    "TFLogitsProcessor",
    "TFLogitsProcessorList",
    "TFLogitsWarper",
    "TFMinLengthLogitsProcessor",
    "TFMinNewTokensLengthLogitsProcessor",
    "TFNoBadWordsLogitsProcessor",
    "TFNoRepeatNGramLogitsProcessor",
    "TFRepetitionPenaltyLogitsProcessor",
    "TFSampleDecoderOnlyOutput",
    "TFSampleEncoderDecoderOutput",
    "TFTemperatureLogitsWarper",
    "TFTopKLogitsWarper",
    "TFTopPLogitsWarper",
]
