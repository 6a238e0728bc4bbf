"""tfbert: BERT for TensorFlow and Keras 3.

The public names match transformers v4's TensorFlow classes, so migrating is one changed import::

    from tfbert import TFBertForSequenceClassification  # was: from transformers import ...

Names are imported lazily: ``import tfbert`` is cheap, the first use of a class imports TensorFlow.
"""

from tfbert import _backend  # noqa: F401  (selects the TensorFlow backend first)

__version__ = "0.1.0"

_MODELS = (
    "TFBertPreTrainedModel",
    "TFBertModel",
    "TFBertForPreTraining",
    "TFBertLMHeadModel",
    "TFBertForMaskedLM",
    "TFBertForNextSentencePrediction",
    "TFBertForSequenceClassification",
    "TFBertForMultipleChoice",
    "TFBertForTokenClassification",
    "TFBertForQuestionAnswering",
)
_AUTO = (
    "TFAutoModel",
    "TFAutoModelForPreTraining",
    "TFAutoModelForMaskedLM",
    "TFAutoModelForCausalLM",
    "TFAutoModelForSequenceClassification",
    "TFAutoModelForTokenClassification",
    "TFAutoModelForQuestionAnswering",
    "TFAutoModelForMultipleChoice",
    "TFAutoModelForNextSentencePrediction",
    "AutoConfig",
    "AutoTokenizer",
)
_COLLATORS = (
    "DataCollatorWithPadding",
    "DataCollatorForTokenClassification",
    "DataCollatorForLanguageModeling",
    "DataCollatorForWholeWordMask",
    "DefaultDataCollator",
)
_GENERATION = (
    "GenerationConfig",
    "TFLogitsProcessor",
    "TFLogitsProcessorList",
    "TFLogitsWarper",
    "TFForcedBOSTokenLogitsProcessor",
    "TFForcedEOSTokenLogitsProcessor",
    "TFMinLengthLogitsProcessor",
    "TFMinNewTokensLengthLogitsProcessor",
    "TFNoBadWordsLogitsProcessor",
    "TFNoRepeatNGramLogitsProcessor",
    "TFRepetitionPenaltyLogitsProcessor",
    "TFTemperatureLogitsWarper",
    "TFTopKLogitsWarper",
    "TFTopPLogitsWarper",
    "TFGreedySearchDecoderOnlyOutput",
    "TFGreedySearchEncoderDecoderOutput",
    "TFSampleDecoderOnlyOutput",
    "TFSampleEncoderDecoderOutput",
    "TFBeamSearchDecoderOnlyOutput",
    "TFBeamSearchEncoderDecoderOutput",
    "TFBeamSampleDecoderOnlyOutput",
    "TFBeamSampleEncoderDecoderOutput",
)
_EXPORTS = {
    "BertConfig": "tfbert.config",
    "TFBertTokenizer": "tfbert.tokenizer",
    "BertTokenizer": "tfbert.tokenizer",
    "BertTokenizerFast": "tfbert.tokenizer",
    "BatchEncoding": "tfbert.tokenizer",
    **{name: "tfbert.modeling" for name in _MODELS},
    "TFBertMainLayer": "tfbert.layers",
    "TFPreTrainedModel": "tfbert.modeling_tf_utils",
    **{name: "tfbert.auto" for name in _AUTO},
    **{name: "tfbert.data_collator" for name in _COLLATORS},
    "create_optimizer": "tfbert.optimization_tf",
    "AdamWeightDecay": "tfbert.optimization_tf",
    "WarmUp": "tfbert.optimization_tf",
    "is_tf_available": "tfbert.utils",
    "is_tensorflow_text_available": "tfbert.utils",
    "is_torch_available": "tfbert.utils",
    "is_datasets_available": "tfbert.utils",
    "logging": "tfbert.utils",
    "pipeline": "tfbert.tasks",
    "TFEncoderDecoderModel": "tfbert.encoder_decoder",
    "EncoderDecoderConfig": "tfbert.encoder_decoder",
    **{name: "tfbert.generation" for name in _GENERATION},
}
_OUTPUTS_MODULE = "tfbert.modeling_tf_outputs"  # TF*Output classes under transformers v4's names


_SUBMODULES = (
    "auto",
    "checkpoint",
    "data_collator",
    "encoder_decoder",
    "export",
    "generation",
    "heads",
    "layers",
    "modeling_tf_outputs",
    "modeling_tf_utils",
    "models",
    "optimization_tf",
    "tasks",
    "tokenizer",
    "training",
    "utils",
)


def __getattr__(name):
    import importlib

    if name in _SUBMODULES:  # tfbert.export.export_task(...) without importing tfbert.export first
        return importlib.import_module(f"tfbert.{name}")
    module = _EXPORTS.get(name)
    if module is None and name.startswith("TF") and "Output" in name:
        module = _OUTPUTS_MODULE
    if module is None:
        raise AttributeError(f"module 'tfbert' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
