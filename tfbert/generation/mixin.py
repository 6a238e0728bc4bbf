"""`GenerationMixin`: ``generate()`` for the models with a key/value cache.

A model using it implements three hooks (see :class:`GenerationMixin`); everything else (options,
logits processors, the decoding loops, outputs, ``generation_config.json``) lives here once.
"""

from __future__ import annotations

import copy
import random
import warnings
from typing import Any

import tensorflow as tf

from tfbert.generation import logits_process as lp
from tfbert.generation.configuration import GENERATION_CONFIG_NAME, GenerationConfig
from tfbert.generation.outputs import output_class
from tfbert.generation.search import Decoding, beam_search, greedy_or_sample


class GenerationMixin:
    """Adds ``generate()`` (and ``generation_config``) to a model.

    The model implements:

    - ``_generation_inputs(inputs, model_kwargs, config)`` returning ``(prompt ids (batch, P),
      prompt attention mask (batch, P), context dict)``; it consumes the keyword arguments it
      understands from ``model_kwargs`` (what is left is an error).
    - ``_empty_cache(rows, max_length)``: a zero cache of fixed size.
    - ``_generation_step(tokens, attention_mask, cache, cache_index, context)`` returning
      ``(next-token logits (rows, vocab), cache)``.
    """

    is_encoder_decoder = False

    @property
    def generation_config(self) -> GenerationConfig:
        """The default options of ``generate()``; from the model config's token ids unless set
        or loaded from ``generation_config.json``."""
        config = self.__dict__.get("_generation_config")
        if config is None:
            config = GenerationConfig.from_model_config(self.config)
            self.__dict__["_generation_config"] = config
        return config

    @generation_config.setter
    def generation_config(self, value: GenerationConfig) -> None:
        if not isinstance(value, GenerationConfig):
            raise TypeError(
                f"generation_config must be a GenerationConfig, got {type(value).__name__}"
            )
        self.__dict__["_generation_config"] = value

    def can_generate(self) -> bool:
        """Whether ``generate()`` works: always, for the models with this mixin."""
        return True

    @classmethod
    def from_pretrained(cls, name_or_path, *args, **kwargs):
        """The model's ``from_pretrained``; ``generation_config.json`` beside the weights, when
        there is one, becomes :attr:`generation_config`."""
        model = super().from_pretrained(name_or_path, *args, **kwargs)
        from tfbert.checkpoint.files import resolve_file

        hub = {
            k: kwargs[k]
            for k in ("cache_dir", "revision", "token", "local_files_only")
            if k in kwargs
        }
        path = resolve_file(name_or_path, GENERATION_CONFIG_NAME, required=False, **hub)
        if path:
            model.generation_config = GenerationConfig.from_pretrained(path)
        return model

    def save_pretrained(self, directory, *args, **kwargs) -> None:
        """The model's ``save_pretrained``, plus ``generation_config.json`` when the generation
        config says more than the model config's token ids."""
        super().save_pretrained(directory, *args, **kwargs)
        if self.generation_config != GenerationConfig.from_model_config(self.config):
            self.generation_config.save_pretrained(directory)

    def generate(
        self,
        inputs=None,
        generation_config: GenerationConfig | None = None,
        logits_processor: lp.TFLogitsProcessorList | None = None,
        seed=None,
        **kwargs: Any,
    ):
        """Generates token ids: greedy search, sampling, beam search or beam sampling.

        Decodes with the key/value cache over buffers of fixed size, so it runs eagerly, inside
        ``tf.function`` and under ``tf.function(jit_compile=True)`` (XLA compiles once per
        input shape). Eagerly the sequences stop at the longest generated length; inside a
        ``tf.function`` they are padded to ``max_length`` (transformers v4's TF behaviour).

        Args:
            inputs: Prompt ids ``(batch, P)`` (the encoder's input ids for encoder-decoders);
                ``None`` starts from ``bos_token_id``.
            generation_config: Options; ``None`` takes :attr:`generation_config`.
            logits_processor: Extra processors, applied after the built-in ones (and before the
                sampling warpers).
            seed: Sampling seed: an int or two ints; equal seeds draw equal samples.
            **kwargs: :class:`GenerationConfig` fields (override the config) and model inputs
                (``attention_mask``; ``encoder_hidden_states`` and ``encoder_attention_mask``
                for decoders with cross-attention; ``token_type_ids``).

        Returns:
            The ids ``(batch * num_return_sequences, length)`` (prompt first for decoder-only
            models), or with ``return_dict_in_generate=True`` an output with ``sequences``,
            ``scores`` (with ``output_scores``) and, for beam search, ``sequences_scores``.

        Raises:
            ValueError: An invalid option (``num_beams`` < 1, ``top_p`` outside (0, 1], ...),
                ``max_length`` not above the prompt length, an unknown keyword, or no prompt
                and no ``bos_token_id``.

        Example:
            >>> import numpy as np
            >>> from tfbert import BertConfig, TFBertLMHeadModel
            >>> model = TFBertLMHeadModel(BertConfig(vocab_size=50, hidden_size=8,
            ...     num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
            ...     is_decoder=True))
            >>> ids = model.generate(np.array([[2, 5, 7]]), max_new_tokens=4, num_beams=2)
            >>> tuple(ids.shape)
            (1, 7)
        """
        config = copy.deepcopy(
            generation_config if generation_config is not None else self.generation_config
        )
        model_kwargs = config.update(**kwargs)
        eos, pad = _special_tokens(config)
        _refuse_per_step_outputs(model_kwargs)
        prompt, prompt_mask, context = self._generation_inputs(inputs, model_kwargs, config)
        if model_kwargs:
            raise ValueError(f"generate() got unexpected keyword arguments {sorted(model_kwargs)}")
        prompt = tf.cast(prompt, tf.int32)
        prompt_length = int(prompt.shape[1])
        max_length = self._max_length(config, prompt_length)
        beams = config.get("num_beams")
        do_sample = bool(config.get("do_sample"))
        copies = beams if beams > 1 else config.get("num_return_sequences")
        options = Decoding(
            max_length=max_length,
            prompt_length=prompt_length,
            eos_token_id=eos,
            pad_token_id=pad,
            do_sample=do_sample,
            output_scores=bool(config.get("output_scores")),
            num_beams=beams,
            num_return_sequences=config.get("num_return_sequences"),
            length_penalty=float(config.get("length_penalty")),
            early_stopping=config.get("early_stopping"),
        )
        prompt = _repeat(prompt, copies)
        prompt_mask = _repeat(tf.cast(prompt_mask, tf.int32), copies)
        context = {k: _repeat(v, copies) for k, v in context.items()}
        processors = self._processors(config, options, prompt_mask, logits_processor)
        rows = tf.shape(prompt)[0]
        mask = tf.concat([prompt_mask, tf.ones((rows, max_length - prompt_length), tf.int32)], 1)
        logits, cache = self._generation_step(
            prompt, mask, self._empty_cache(rows, max_length), tf.constant(0), context
        )

        def step(tokens, cache, index):
            return self._generation_step(tokens, mask, cache, index, context)

        fill = _fill_value(pad, eos) if beams > 1 else (0 if pad is None else pad)
        buffer = tf.concat([prompt, tf.fill((rows, max_length - prompt_length), fill)], 1)
        seed = _seed_pair(seed)
        if beams > 1:
            sequences, sequences_scores, lengths, scores, cur_len = beam_search(
                step, logits, cache, buffer, processors, options, seed
            )
            length = prompt_length + tf.reduce_max(lengths)
        else:
            sequences, cur_len, scores = greedy_or_sample(
                step, logits, cache, buffer, processors, options, seed
            )
            sequences_scores, length = None, cur_len
        if tf.executing_eagerly():
            sequences = sequences[:, : int(length)]
            if scores is not None:
                scores = scores[: int(cur_len) - prompt_length]
        sequences = self._generated(sequences)
        if not config.get("return_dict_in_generate"):
            return sequences
        scores = None if scores is None else tuple(tf.unstack(scores))
        fields = {"sequences": sequences, "scores": scores}
        if beams > 1:
            fields["sequences_scores"] = sequences_scores
        return output_class(beams, do_sample, self.is_encoder_decoder)(**fields)

    # -- pieces ----------------------------------------------------------------------------------

    def _generated(self, sequences):
        """What ``generate`` returns of the buffer (encoder-decoders may change this)."""
        return sequences

    def _position_limit(self) -> int | None:
        """The longest sequence the model's positions allow (caps the default max_length)."""
        return getattr(self.config, "max_position_embeddings", None)

    def _max_length(self, config: GenerationConfig, prompt_length: int) -> int:
        if config.max_new_tokens is not None:
            max_length = prompt_length + config.max_new_tokens
        elif config.max_length is not None:
            max_length = config.max_length
        else:  # transformers: 20 new tokens, within the position table
            max_length = prompt_length + config.get("max_length")
            limit = self._position_limit()
            max_length = max_length if limit is None else min(max_length, limit)
        if max_length <= prompt_length:
            raise ValueError(
                f"max_length ({max_length}) must be greater than the prompt length "
                f"({prompt_length}); increase it or set max_new_tokens"
            )
        return max_length

    def _processors(
        self, config: GenerationConfig, options: Decoding, prompt_mask, extra
    ) -> lp.TFLogitsProcessorList:
        """transformers 5's processors for these options, in its order."""
        eos, prompt_length = options.eos_token_id, options.prompt_length
        processors = lp.TFLogitsProcessorList()
        if config.get("repetition_penalty") != 1.0:
            ignore = tf.argmax(tf.cast(prompt_mask != 0, tf.int32), axis=1, output_type=tf.int32)
            processors.append(
                lp.TFRepetitionPenaltyLogitsProcessor(
                    config.get("repetition_penalty"), prompt_ignore_length=ignore
                )
            )
        if config.get("no_repeat_ngram_size") > 0:
            processors.append(lp.TFNoRepeatNGramLogitsProcessor(config.no_repeat_ngram_size))
        if config.bad_words_ids is not None:
            processors.append(lp.TFNoBadWordsLogitsProcessor(config.bad_words_ids, list(eos)))
        min_length = config.get("min_length")
        if config.min_new_tokens is not None:
            min_length = prompt_length + config.min_new_tokens
        if eos and min_length > 0:
            processors.append(lp.TFMinLengthLogitsProcessor(min_length, list(eos)))
        if eos and config.min_new_tokens:
            processors.append(
                lp.TFMinNewTokensLengthLogitsProcessor(
                    prompt_length, config.min_new_tokens, list(eos)
                )
            )
        if config.forced_bos_token_id is not None:
            processors.append(lp.TFForcedBOSTokenLogitsProcessor(config.forced_bos_token_id))
        if config.forced_eos_token_id is not None:
            processors.append(
                lp.TFForcedEOSTokenLogitsProcessor(options.max_length, config.forced_eos_token_id)
            )
        processors.extend(extra or [])
        if options.do_sample:
            keep = (len(eos) + 1 if eos else 2) if options.num_beams > 1 else 1
            if config.get("temperature") != 1.0:
                processors.append(lp.TFTemperatureLogitsWarper(config.get("temperature")))
            if config.get("top_k"):
                processors.append(lp.TFTopKLogitsWarper(config.get("top_k"), keep))
            if config.get("top_p") < 1.0:
                processors.append(lp.TFTopPLogitsWarper(config.get("top_p"), keep))
        return processors


def _refuse_per_step_outputs(model_kwargs: dict) -> None:
    """``output_attentions`` / ``output_hidden_states``: ``False`` is what generate does; ``True``
    (per-step attentions or states, which transformers returns) is refused by name."""
    for name in ("output_attentions", "output_hidden_states"):
        if model_kwargs.pop(name, False):
            raise ValueError(
                f"generate() does not return {name.removeprefix('output_')} (its loop keeps "
                f"one fixed-size cache, not per-step outputs); call the model on the generated "
                f"sequences with {name}=True to get them"
            )


def _special_tokens(config: GenerationConfig) -> tuple[tuple[int, ...], int | None]:
    """``(eos ids, pad id)``; without a pad id the first eos id pads (as in transformers)."""
    eos = config.eos_token_id
    eos = () if eos is None else ((int(eos),) if isinstance(eos, int) else tuple(map(int, eos)))
    pad = config.pad_token_id
    if pad is None and eos:
        warnings.warn(
            f"pad_token_id is not set: using eos_token_id {eos[0]} to pad finished sequences",
            stacklevel=3,
        )
        pad = eos[0]
    return eos, pad


def _fill_value(pad: int | None, eos: tuple[int, ...]) -> int:
    """What transformers' beam search puts after a short beam: the pad id unless it is 0 (then
    the first eos id), or -1 without eos ids."""
    if not eos:
        return -1
    return pad if pad else eos[0]


def _repeat(tensor, copies: int):
    tensor = tf.convert_to_tensor(tensor)
    return tensor if copies == 1 else tf.repeat(tensor, copies, axis=0)


def _seed_pair(seed):
    """Two int32 seed values: given (an int or a pair) or drawn at random."""
    if seed is None:
        seed = (random.randrange(2**31), random.randrange(2**31))
    elif isinstance(seed, int):
        seed = (0, seed)
    values = tf.cast(tf.reshape(tf.convert_to_tensor(seed), (-1,)), tf.int32)
    if values.shape[0] != 2:
        raise ValueError(f"seed must be an int or two ints, got {seed!r}")
    return values
