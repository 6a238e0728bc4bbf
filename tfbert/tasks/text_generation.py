"""Text generation with the whole decoding loop in the graph: strings in, generated strings out.

``text-generation`` continues prompts with a :class:`~tfbert.TFBertLMHeadModel`;
``text2text-generation`` (and ``summarization``, which names its result ``summary_text``) turns
each input into a new text with a :class:`~tfbert.encoder_decoder.TFEncoderDecoderModel`. The
graph tokenizes (``TFBertTokenizer``), runs ``model.generate(...)`` (one ``tf.while_loop``) and
decodes the ids back to text, so the pipeline, the SavedModel and the CLI share one graph.

A decoder-only model's prompts are left-padded to a fixed number of tokens, ``prompt_length``
(the decoding loop needs the prompt's length when the graph is traced); a longer prompt is an
error that names the option.
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras
import numpy as np
import tensorflow as tf

from tfbert.encoder_decoder import EncoderDecoderConfig, TFEncoderDecoderModel
from tfbert.generation.configuration import GenerationConfig
from tfbert.modeling import TFBertLMHeadModel
from tfbert.tasks.base import Task
from tfbert.tasks.options import flag, positive
from tfbert.tokenizer.tflite_encoding import TFLiteTextOps

# generate() options a pipeline takes, per pipeline or per call (each set is one graph)
GENERATE_OPTIONS = (
    "max_new_tokens",
    "min_new_tokens",
    "min_length",
    "num_beams",
    "num_return_sequences",
    "do_sample",
    "temperature",
    "top_k",
    "top_p",
    "repetition_penalty",
    "no_repeat_ngram_size",
    "length_penalty",
    "early_stopping",
    "bad_words_ids",
    "eos_token_id",
    "pad_token_id",
    "forced_bos_token_id",
    "forced_eos_token_id",
)
DEFAULT_PROMPT_LENGTH = 32
DEFAULT_NEW_TOKENS = 20  # transformers' default length when the model's config sets none


def generate_options(options: dict[str, Any], generation_config=None) -> dict:
    """Pops the ``generate()`` options (and ``seed``) from ``options``; checks them against the
    model's generation config when one is given.

    Args:
        options: The task's options; the generation options (those in
            :data:`GENERATE_OPTIONS`, ``max_length`` and ``decoder_start_token_id`` where given,
            ``seed``) are removed from it.
        generation_config: The model's :class:`~tfbert.generation.GenerationConfig`, or
            ``None`` (no check).

    Returns:
        The keyword arguments for ``generate()`` given, plus ``seed`` (an int or ``None``).

    Raises:
        ValueError: An invalid value (``num_beams`` < 1, ``top_p`` outside (0, 1], ...); the
            message names the option.

    Example:
        >>> from tfbert.generation import GenerationConfig
        >>> generate_options({"num_beams": 2, "seed": 3}, GenerationConfig())
        {'num_beams': 2, 'seed': 3}
        >>> generate_options({"top_p": 0}, GenerationConfig())
        Traceback (most recent call last):
        ...
        ValueError: top_p must be a number in (0, 1], got 0
    """
    names = (*GENERATE_OPTIONS, "max_length", "decoder_start_token_id")
    given = {name: _plain(options.pop(name)) for name in names if name in options}
    if generation_config is not None:
        GenerationConfig(**{**generation_config.to_dict(), **given})  # validates every field
    seed = options.pop("seed", None)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"seed {seed!r} must be an integer or None")
    return {**given, "seed": None if seed is None else int(seed)}


def _plain(value):
    """NumPy scalars as Python ones (the options are kept in the graph's JSON config)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def run_generate(model, features: dict, prompt_length: int | None = None, **options) -> dict:
    """``model.generate(...)`` on the tokenizer's features, in graph.

    Args:
        model: A ``TFBertLMHeadModel`` (``prompt_length`` given) or a ``TFEncoderDecoderModel``.
        features: ``input_ids``, ``attention_mask`` (and ``token_type_ids``), int32; for a
            decoder-only model left-padded to ``prompt_length`` tokens.
        prompt_length: The prompt width of a decoder-only model; ``None`` for an encoder-decoder.
        **options: ``generate()`` keyword arguments and ``seed`` (``None``: a fresh seed per
            call, drawn in the graph).

    Returns:
        ``{"sequences": (batch * num_return_sequences, length) int32}``: the prompt first for a
        decoder-only model, the decoder start token first for an encoder-decoder.

    Raises:
        tf.errors.InvalidArgumentError: (at run time) a prompt longer than ``prompt_length``.
    """
    options = dict(options)
    seed = options.pop("seed", None)
    if seed is None:  # a stateful draw: each call samples afresh
        seed = tf.random.uniform([2], maxval=2**31 - 1, dtype=tf.int32)
    ids = tf.cast(features["input_ids"], tf.int32)
    mask = tf.cast(features["attention_mask"], tf.int32)
    if prompt_length is not None:
        width = tf.shape(ids)[1]
        check = tf.debugging.assert_less_equal(
            width,
            prompt_length,
            message=f"a prompt is longer than prompt_length={prompt_length} tokens; "
            f"build the graph with a larger prompt_length",
        )
        with tf.control_dependencies([check]):
            ids = tf.ensure_shape(tf.identity(ids), [None, prompt_length])
            mask = tf.ensure_shape(tf.identity(mask), [None, prompt_length])
    sequences = model.generate(ids, attention_mask=mask, seed=seed, **options)
    return {"sequences": tf.cast(sequences, tf.int32)}


@keras.saving.register_keras_serializable(package="tfbert")
class GeneratedText(keras.layers.Layer):
    """Generated ids back to text, as transformers' generation pipelines decode them.

    Args:
        decoder_only: The ids continue prompts (``text-generation``): the prompt's decoded
            characters are cut off the decoded sequence (transformers v4's rule), and with
            ``return_full_text`` the input string is put back in front.
        num_return_sequences: Sequences per input.
        return_full_text: ``text-generation``: the prompt followed by the new text (default),
            or the new text alone.
        clean_up_tokenization_spaces: transformers' text clean-up; ``None``: the tokenizer's
            setting (a ``.tflite`` decodes without it).
        result_name: The result's name: ``"generated_text"`` (``"summary_text"`` for
            summarization).

    Call args:
        outputs: ``{"sequences": ...}`` from :func:`run_generate`.
        encoded: The tokenizer's output (the prompt ids).
        tokenizer: The ``TFBertTokenizer``.
        texts: The string inputs (``[text]``).

    Returns (call):
        ``{result_name: (batch, num_return_sequences) tf.string}``.

    Example:
        >>> import tensorflow as tf
        >>> from tfbert import TFBertTokenizer
        >>> from tfbert.tasks import default_model_path
        >>> tokenizer = TFBertTokenizer.from_pretrained(default_model_path())
        >>> prompt = tokenizer(["The cat"])
        >>> ids = tf.concat([prompt["input_ids"], [[2938, 1012]]], 1)  # + "sat", "."
        >>> out = GeneratedText(decoder_only=True)(
        ...     {"sequences": ids}, prompt, tokenizer=tokenizer, texts=[tf.constant(["The cat"])])
        >>> out["generated_text"].numpy().tolist()
        [[b'The cat sat.']]
    """

    needs_tokenizer = True
    needs_texts = True

    def __init__(
        self,
        decoder_only: bool,
        num_return_sequences: int = 1,
        return_full_text: bool = True,
        clean_up_tokenization_spaces: bool | None = None,
        result_name: str = "generated_text",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.decoder_only = bool(decoder_only)
        self.num_return_sequences = int(num_return_sequences)
        self.return_full_text = bool(return_full_text)
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.result_name = result_name

    def call(self, outputs, encoded, tokenizer, texts):
        copies = self.num_return_sequences
        clean_up = {}
        if self.clean_up_tokenization_spaces is not None:
            if isinstance(tokenizer, TFLiteTextOps):
                raise ValueError(
                    "clean_up_tokenization_spaces cannot be set in a .tflite: its decoder has "
                    "no text-level clean-up; export without the option"
                )
            clean_up["clean_up_tokenization_spaces"] = self.clean_up_tokenization_spaces
        decode = lambda ids: tokenizer.batch_decode(ids, skip_special_tokens=True, **clean_up)
        text = decode(outputs["sequences"])
        if self.decoder_only:
            prompt = tf.repeat(decode(encoded["input_ids"]), copies)
            length = tf.strings.length(text, unit="UTF8_CHAR")
            start = tf.minimum(tf.strings.length(prompt, unit="UTF8_CHAR"), length)
            text = tf.strings.substr(text, start, length - start, unit="UTF8_CHAR")
            if self.return_full_text:
                text = tf.strings.join([tf.repeat(tf.reshape(texts[0], [-1]), copies), text])
        return {self.result_name: tf.reshape(text, [-1, copies])}

    def get_config(self):
        return {
            **super().get_config(),
            "decoder_only": self.decoder_only,
            "num_return_sequences": self.num_return_sequences,
            "return_full_text": self.return_full_text,
            "clean_up_tokenization_spaces": self.clean_up_tokenization_spaces,
            "result_name": self.result_name,
        }


def prompt_lengths(tokenizer, texts: list[str]) -> np.ndarray:
    """The number of tokens of each prompt, ``[CLS]`` and ``[SEP]`` included."""
    if not texts:
        return np.zeros((0,), np.int64)
    return tokenizer.encode_pieces(texts).ids.row_lengths().numpy() + 2


def check_prompts(tokenizer, texts: list[str], prompt_length: int, task: str) -> None:
    """Raises for a prompt longer than the graph's ``prompt_length``.

    Raises:
        ValueError: Names the prompt, its length and the option to raise.
    """
    for index, length in enumerate(prompt_lengths(tokenizer, texts)):
        if length > prompt_length:
            raise ValueError(
                f"{task} prompt {index} is {int(length)} tokens long ([CLS] and [SEP] "
                f"included), more than prompt_length={prompt_length}; give a larger "
                f"prompt_length (the prompts are padded to it in the graph)"
            )


def format_sequences(result: dict, result_name: str) -> list[dict[str, str]]:
    """One input's results: ``[{"generated_text": ...}, ...]``, one per returned sequence."""
    return [{result_name: text.decode("utf-8")} for text in result[result_name]]


# -- the tasks -----------------------------------------------------------------------------------


def _generation_config(folder, config) -> GenerationConfig:
    """The checkpoint's ``generation_config.json``, else the token ids of its model config."""
    from tfbert.checkpoint.files import resolve_file
    from tfbert.generation.configuration import GENERATION_CONFIG_NAME

    path = resolve_file(folder, GENERATION_CONFIG_NAME, required=False)
    if path:
        return GenerationConfig.from_pretrained(path)
    return GenerationConfig.from_model_config(config)


class _Generation(Task):
    """What the two generation tasks share: options, ``run_model`` and formatting."""

    needs_tokenizer = True  # decodes the generated ids
    needs_texts = True  # text-generation puts the prompt string back in front
    decoder_only: ClassVar[bool]
    result_name: ClassVar[str] = "generated_text"

    def _layer(self, generation_config, options: dict) -> GeneratedText:
        """Checks the generation options (left in ``options`` for :meth:`model_options`) and
        makes the decoding layer."""
        given = generate_options(dict(options), generation_config)
        merged = GenerationConfig(**{**generation_config.to_dict(), **given})
        clean_up = options.pop("clean_up_tokenization_spaces", None)
        if clean_up is not None:
            clean_up = flag("clean_up_tokenization_spaces", clean_up)
        return GeneratedText(
            self.decoder_only,
            num_return_sequences=merged.get("num_return_sequences"),
            return_full_text=flag("return_full_text", options.pop("return_full_text", True)),
            clean_up_tokenization_spaces=clean_up,
            result_name=self.result_name,
        )

    def model_options(self, options):
        return generate_options(options)

    def run_model(self, model, features, prompt_length=None, **options):
        return run_generate(model, features, prompt_length, **options)

    def format(self, result, options):
        return format_sequences(result, self.result_name)


class TextGeneration(_Generation):
    """``"text-generation"``: a ``TFBertLMHeadModel`` continues each prompt.

    The prompt is tokenized as transformers' pipeline tokenizes it (``[CLS] prompt [SEP]``) and
    left-padded to ``prompt_length`` tokens in the graph; each result is
    ``[{"generated_text": prompt + continuation}, ...]`` (one per returned sequence), or the
    continuation alone with ``return_full_text=False``.

    Options: ``prompt_length`` (32), ``return_full_text`` (True), ``max_new_tokens`` (the
    model's generation config, else 20), ``seed``, ``clean_up_tokenization_spaces`` and the
    ``generate()`` options of :data:`GENERATE_OPTIONS`. ``max_length`` is not taken: the
    prompt's padded length would count in it; give ``max_new_tokens``.
    """

    name = "text-generation"
    model_class = TFBertLMHeadModel
    architectures = ("BertLMHeadModel",)
    graph_options = (
        *GENERATE_OPTIONS,
        "seed",
        "prompt_length",
        "return_full_text",
        "clean_up_tokenization_spaces",
    )
    decoder_only = True

    def build(self, folder, config, tokenizer, options):
        generation_config = _generation_config(folder, config)
        if generation_config.max_new_tokens is None and generation_config.max_length is None:
            options.setdefault("max_new_tokens", DEFAULT_NEW_TOKENS)
        prompt_length = positive(
            "prompt_length", options.pop("prompt_length", DEFAULT_PROMPT_LENGTH)
        )
        options["prompt_length"] = prompt_length  # for model_options
        layer = self._layer(generation_config, options)
        return layer, {
            "padding": "max_length",
            "max_length": prompt_length,
            "truncation": False,
            "padding_side": "left",
        }

    def model_options(self, options):
        prompt_length = options.pop("prompt_length")
        return {**generate_options(options), "prompt_length": prompt_length}

    def check(self, rows, graph, options):
        texts = [row["text"] for row in rows]
        check_prompts(graph.tokenizer, texts, graph.tokenizer_options["max_length"], self.name)

    def tflite_tokenizes(self):
        return False  # cutting the prompt off the decoded text takes TensorFlow string ops


class Text2TextGeneration(_Generation):
    """``"text2text-generation"``: a ``TFEncoderDecoderModel`` (BERT2BERT) writes a new text
    for each input: ``[{"generated_text": ...}, ...]`` (one per returned sequence).

    Options: ``max_length`` / ``max_new_tokens`` (the decoder's; transformers' default length
    20), ``decoder_start_token_id``, ``seed``, ``truncation`` (of the input, at the
    tokenizer's ``model_max_length``; on by default), ``clean_up_tokenization_spaces`` and the
    ``generate()`` options of :data:`GENERATE_OPTIONS`.
    """

    name = "text2text-generation"
    model_class = TFEncoderDecoderModel
    architectures = ("EncoderDecoderModel",)
    graph_options = (
        *GENERATE_OPTIONS,
        "max_length",
        "decoder_start_token_id",
        "seed",
        "truncation",
        "clean_up_tokenization_spaces",
    )
    decoder_only = False

    def load_config(self, source):
        """The decoder's ``BertConfig`` (what the formatting context reads); raises for a
        checkpoint that is not an encoder-decoder."""
        return EncoderDecoderConfig.from_pretrained(source).decoder

    def load_model(self, source, config, **kwargs):
        return TFEncoderDecoderModel.from_pretrained(source, **kwargs)

    def build(self, folder, config, tokenizer, options):
        generation_config = _generation_config(folder, EncoderDecoderConfig.from_pretrained(folder))
        start = options.get("decoder_start_token_id", generation_config.decoder_start_token_id)
        if start is None and generation_config.bos_token_id is None:
            raise ValueError(
                f"{self.name}: {folder} sets no decoder_start_token_id (nor bos_token_id); "
                f"set it in the checkpoint's config or give decoder_start_token_id="
            )
        layer = self._layer(generation_config, options)
        truncation = flag("truncation", options.pop("truncation", True))
        return layer, {"truncation": truncation}

    def collect(self, results, options, single):
        if single:
            return results[0]
        if all(len(result) == 1 for result in results):  # transformers flattens these
            return [result[0] for result in results]
        return results


class Summarization(Text2TextGeneration):
    """``"summarization"``: text2text generation whose results are named ``summary_text``, as
    transformers' summarization pipeline names them."""

    name = "summarization"
    result_name = "summary_text"
