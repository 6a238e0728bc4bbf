"""`TFEncoderDecoderModel` (BERT2BERT) and `EncoderDecoderConfig`, in transformers'
``EncoderDecoderModel`` layout: ``config.json`` with ``encoder`` and ``decoder`` sections, weights
named ``encoder.*`` (a ``BertModel``) and ``decoder.*`` (a ``BertLMHeadModel``), so transformers'
PyTorch class loads what tfbert saves and the other way round."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
from keras import ops

from tfbert.config import BertConfig, as_bert_config
from tfbert.generation.mixin import GenerationMixin
from tfbert.heads.losses import IGNORE_INDEX, masked_cross_entropy
from tfbert.layers.common import dense
from tfbert.modeling import OwnLossSteps, TFBertLMHeadModel, TFBertModel, _default_generation_mask
from tfbert.outputs import ModelOutput

_PROJECTION = "enc_to_dec_proj"


class EncoderDecoderConfig:
    """An encoder's and a decoder's ``BertConfig`` plus the shared token ids.

    Args:
        encoder, decoder: ``BertConfig``s (or their dicts, or transformers' configs).
        decoder_start_token_id: First decoder token (generation and shifted labels).
        pad_token_id: Replaces ``-100`` in shifted labels; pads finished generated sequences.
        tie_encoder_decoder: The decoder's BERT shares the encoder's weights (embeddings, and
            each block's self-attention and feed-forward); its cross-attention and LM head stay
            its own (transformers v4's flag).
        **kwargs: Other keys of ``config.json`` (``eos_token_id``, ``bos_token_id``,
            ``vocab_size``, ...), kept and written back.

    Raises:
        ValueError: ``encoder`` or ``decoder`` is missing.

    Example:
        >>> from tfbert import BertConfig
        >>> small = dict(vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        ...              intermediate_size=16)
        >>> config = EncoderDecoderConfig.from_encoder_decoder_configs(BertConfig(**small),
        ...                                                            BertConfig(**small))
        >>> config.decoder.is_decoder, config.decoder.add_cross_attention
        (True, True)
    """

    model_type = "encoder-decoder"

    def __init__(
        self,
        encoder=None,
        decoder=None,
        decoder_start_token_id: int | None = None,
        pad_token_id: int | None = None,
        tie_encoder_decoder: bool = False,
        **kwargs: Any,
    ):
        if encoder is None or decoder is None:
            raise ValueError("EncoderDecoderConfig needs both an encoder and a decoder config")
        if not isinstance(tie_encoder_decoder, bool):
            raise ValueError(
                f"tie_encoder_decoder must be True or False, got {tie_encoder_decoder!r}"
            )
        self.encoder = as_bert_config(encoder)
        self.decoder = as_bert_config(decoder)
        self.decoder_start_token_id = decoder_start_token_id
        self.pad_token_id = pad_token_id
        self.tie_encoder_decoder = tie_encoder_decoder
        kwargs.pop("model_type", None)
        kwargs.pop("is_encoder_decoder", None)
        self.extra = kwargs

    def __getattr__(self, name: str):
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        if name in ("eos_token_id", "bos_token_id"):
            return None
        raise AttributeError(f"EncoderDecoderConfig has no attribute {name!r}")

    @classmethod
    def from_encoder_decoder_configs(
        cls, encoder_config, decoder_config, **kwargs: Any
    ) -> EncoderDecoderConfig:
        """The config of an encoder-decoder from its two parts; the decoder becomes a decoder
        with cross-attention (``is_decoder=True``, ``add_cross_attention=True``)."""
        decoder = BertConfig.from_dict(
            as_bert_config(decoder_config).to_dict(), is_decoder=True, add_cross_attention=True
        )
        return cls(encoder=as_bert_config(encoder_config), decoder=decoder, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """``config.json``'s content, transformers' layout."""
        return {
            **copy.deepcopy(self.extra),
            "model_type": self.model_type,
            "is_encoder_decoder": True,
            "decoder_start_token_id": self.decoder_start_token_id,
            "pad_token_id": self.pad_token_id,
            "tie_encoder_decoder": self.tie_encoder_decoder,
            "encoder": self.encoder.to_dict(),
            "decoder": self.decoder.to_dict(),
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> EncoderDecoderConfig:
        """A config from ``config.json``'s content.

        Raises:
            ValueError: Not an encoder-decoder config.
        """
        values = dict(values)
        if values.get("model_type", cls.model_type) != cls.model_type:
            raise ValueError(
                f"expected an encoder-decoder config (model_type "
                f"'encoder-decoder'), got model_type {values.get('model_type')!r}"
            )
        return cls(**values)

    def save_pretrained(self, directory: str | os.PathLike) -> None:
        """Writes ``config.json`` (whole or not at all)."""
        from tfbert.checkpoint.files import atomic_write_text

        os.makedirs(directory, exist_ok=True)
        atomic_write_text(
            os.path.join(directory, "config.json"),
            json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n",
        )

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **hub_args) -> EncoderDecoderConfig:
        """Reads ``config.json`` from a folder or hub id."""
        from tfbert.checkpoint.files import resolve_file

        with open(resolve_file(name_or_path, "config.json", **hub_args), encoding="utf-8") as f:
            return cls.from_dict(json.load(f))


class Seq2SeqLMOutput(ModelOutput):
    """Output of ``TFEncoderDecoderModel`` (transformers v4's ``TFSeq2SeqLMOutput``)."""

    loss: Any
    logits: Any
    past_key_values: Any
    decoder_hidden_states: Any
    decoder_attentions: Any
    cross_attentions: Any
    encoder_last_hidden_state: Any
    encoder_hidden_states: Any
    encoder_attentions: Any


def shift_tokens_right(labels, pad_token_id: int | None, decoder_start_token_id: int | None):
    """Decoder inputs from labels: ``decoder_start_token_id`` first, the labels shifted right,
    ``-100`` replaced by ``pad_token_id``.

    Raises:
        ValueError: ``decoder_start_token_id`` or ``pad_token_id`` is ``None``.

    Example:
        >>> import numpy as np
        >>> np.asarray(shift_tokens_right(np.array([[5, 6, -100]]), 0, 2)).tolist()
        [[2, 5, 6]]
    """
    if decoder_start_token_id is None:
        raise ValueError(
            "decoder_start_token_id is not set: set it in the model's config "
            "(model.config.decoder_start_token_id = tokenizer.cls_token_id)"
        )
    if pad_token_id is None:
        raise ValueError("pad_token_id is not set: set it in the model's config")
    labels = ops.cast(labels, "int32")
    start = ops.full((ops.shape(labels)[0], 1), decoder_start_token_id, "int32")
    shifted = ops.concatenate([start, labels[:, :-1]], axis=1)
    return ops.where(ops.equal(shifted, IGNORE_INDEX), pad_token_id, shifted)


_CALL_ARGS = (
    "input_ids",
    "attention_mask",
    "token_type_ids",
    "decoder_input_ids",
    "decoder_attention_mask",
    "encoder_outputs",
    "past_key_values",
    "labels",
)


class TFEncoderDecoderModel(OwnLossSteps, GenerationMixin, keras.Model):
    """A BERT encoder (``encoder``, a :class:`~tfbert.TFBertModel`) and a BERT decoder with
    cross-attention (``decoder``, a :class:`~tfbert.TFBertLMHeadModel`), as transformers v4's
    ``TFEncoderDecoderModel``.

    Args:
        config: An :class:`EncoderDecoderConfig`; or give ``encoder`` and ``decoder``.
        encoder, decoder: Model instances to use (the decoder needs ``is_decoder`` and
            ``add_cross_attention``).

    Call args:
        input_ids, attention_mask, token_type_ids: The encoder's inputs (or a mapping holding
            these and the others, as ``fit`` passes them).
        decoder_input_ids, decoder_attention_mask: The decoder's; made from ``labels`` (shifted
            right after ``decoder_start_token_id``) when only labels are given.
        encoder_outputs: Reuse the encoder's output (its ``last_hidden_state`` first).
        past_key_values, use_cache: The decoder's cache.
        labels: Targets ``(batch, target_length)``; ``-100`` is ignored in the loss.

    Returns:
        A :class:`Seq2SeqLMOutput`: ``loss`` (with labels), ``logits``, ``past_key_values``
        (with ``use_cache``), ``encoder_last_hidden_state``, ...

    Raises:
        ValueError: Neither a config nor both models; a decoder without cross-attention; hidden
            sizes that differ while the decoder config forbids the projection
            (``cross_attention_hidden_size``).

    Example:
        >>> import numpy as np
        >>> from tfbert import BertConfig
        >>> small = dict(vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        ...              intermediate_size=16)
        >>> config = EncoderDecoderConfig.from_encoder_decoder_configs(
        ...     BertConfig(**small), BertConfig(**small), decoder_start_token_id=2, pad_token_id=0)
        >>> model = TFEncoderDecoderModel(config)
        >>> out = model({"input_ids": np.array([[2, 7, 9, 3]]), "labels": np.array([[5, 6, 3]])})
        >>> tuple(out.logits.shape), out.loss.shape
        ((1, 3, 50), TensorShape([]))
    """

    is_encoder_decoder = True

    def __init__(
        self, config: EncoderDecoderConfig | None = None, encoder=None, decoder=None, **kwargs
    ):
        if config is None:
            if encoder is None or decoder is None:
                raise ValueError("give a config, or both an encoder and a decoder model")
            config = EncoderDecoderConfig.from_encoder_decoder_configs(
                encoder.config, decoder.config
            )
            config.decoder = decoder.config
        elif isinstance(config, Mapping):
            config = EncoderDecoderConfig.from_dict(config)
        super().__init__(**kwargs)
        self._allow_non_tensor_positional_args = True
        self.config = config
        _check_decoder(config)
        # built now, outside this model's scope, so their variables keep BERT's own names
        self.encoder = (
            encoder if encoder is not None else TFBertModel(config.encoder, name="encoder")
        )
        self.decoder = (
            decoder if decoder is not None else TFBertLMHeadModel(config.decoder, name="decoder")
        )
        for part in (self.encoder, self.decoder):
            if not part.built:
                part.build()
        if config.tie_encoder_decoder:
            _tie_encoder_decoder(self.encoder, self.decoder)
        self.enc_to_dec_proj = None
        if config.encoder.hidden_size != config.decoder.hidden_size:
            self.enc_to_dec_proj = dense(config.decoder, config.decoder.hidden_size, _PROJECTION)
            self.enc_to_dec_proj.build((None, None, config.encoder.hidden_size))
        self.built = True

    def build(self, input_shape=None):
        self.built = True

    # -- forward ---------------------------------------------------------------------------------

    def call(
        self,
        input_ids=None,
        attention_mask=None,
        token_type_ids=None,
        decoder_input_ids=None,
        decoder_attention_mask=None,
        encoder_outputs=None,
        past_key_values=None,
        labels=None,
        use_cache=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        training=False,
    ):
        values = dict(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            decoder_input_ids=decoder_input_ids,
            decoder_attention_mask=decoder_attention_mask,
            encoder_outputs=encoder_outputs,
            past_key_values=past_key_values,
            labels=labels,
        )
        if isinstance(input_ids, Mapping):
            unknown = sorted(set(input_ids) - set(_CALL_ARGS))
            if unknown:
                raise ValueError(
                    f"unexpected input keys {unknown}; expected some of {list(_CALL_ARGS)}"
                )
            values.update(input_ids)
        flags = dict(output_attentions=output_attentions, output_hidden_states=output_hidden_states)
        encoder_out = values["encoder_outputs"]
        if encoder_out is None:
            encoder_out = self.encoder(
                values["input_ids"],
                attention_mask=values["attention_mask"],
                token_type_ids=values["token_type_ids"],
                return_dict=True,
                training=training,
                **flags,
            )
        states = self._encoder_states(encoder_out)
        labels, decoder_ids = values["labels"], values["decoder_input_ids"]
        decoder_mask = values["decoder_attention_mask"]
        if labels is not None and decoder_ids is None:
            decoder_ids = shift_tokens_right(
                labels, self.config.pad_token_id, self.config.decoder_start_token_id
            )
            if decoder_mask is None:
                decoder_mask = ops.cast(
                    ops.not_equal(decoder_ids, self.config.pad_token_id), "int32"
                )
        if use_cache is None and training:
            use_cache = False
        decoder_out = self.decoder(
            decoder_ids,
            attention_mask=decoder_mask,
            encoder_hidden_states=states,
            encoder_attention_mask=values["attention_mask"],
            past_key_values=values["past_key_values"],
            use_cache=use_cache,
            return_dict=True,
            training=training,
            **flags,
        )
        loss = None if labels is None else masked_cross_entropy(labels, decoder_out["logits"])
        output = Seq2SeqLMOutput(
            loss=loss,
            logits=decoder_out["logits"],
            past_key_values=decoder_out.get("past_key_values"),
            decoder_hidden_states=decoder_out.get("hidden_states"),
            decoder_attentions=decoder_out.get("attentions"),
            cross_attentions=decoder_out.get("cross_attentions"),
            encoder_last_hidden_state=_first(encoder_out),
            encoder_hidden_states=_field(encoder_out, "hidden_states"),
            encoder_attentions=_field(encoder_out, "attentions"),
        )
        if return_dict is False and not self.__dict__.get("_in_train_step", False):
            return output.to_tuple()
        return output

    def _encoder_states(self, encoder_out):
        states = _first(encoder_out)
        return states if self.enc_to_dec_proj is None else self.enc_to_dec_proj(states)

    def get_encoder(self):
        """The encoder model."""
        return self.encoder

    def get_decoder(self):
        """The decoder model."""
        return self.decoder

    # -- training: the model's own loss, or a Keras loss on the logits -------------------------

    def _labels_from_y(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if self._compile_loss is not None or y is None:
            if (
                self._compile_loss is not None
                and isinstance(x, Mapping)
                and "labels" not in x
                and y is not None
                and "decoder_input_ids" not in x
            ):
                x = {
                    **x,
                    "decoder_input_ids": shift_tokens_right(
                        y, self.config.pad_token_id, self.config.decoder_start_token_id
                    ),
                }
                return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
            return data
        x = dict(x) if isinstance(x, Mapping) else {"input_ids": x}
        x.setdefault("labels", y)
        return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The model's own loss when ``compile()`` got none; else the compiled loss on the
        logits.

        Raises:
            ValueError: Training without a compiled loss and without labels.
        """
        if isinstance(y_pred, Mapping):
            if self._compile_loss is None:
                if "loss" not in y_pred:
                    raise ValueError(
                        "TFEncoderDecoderModel was compiled without a loss, so it "
                        "trains on its own loss, which needs labels (in the input "
                        "dict or as y in fit(x, y))"
                    )
                loss = y_pred["loss"]
                for extra in self.losses:
                    loss = loss + self._aggregate_additional_loss(extra)
                return loss
            y_pred = y_pred["logits"]
        return super().compute_loss(x, y, y_pred, sample_weight, training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Compiled metrics see the logits."""
        if isinstance(y_pred, Mapping):
            y_pred = y_pred["logits"]
        return super().compute_metrics(x, y, y_pred, sample_weight)

    # -- generation hooks (see GenerationMixin) --------------------------------------------------

    def _generation_inputs(self, inputs, model_kwargs, config):
        if inputs is None:
            inputs = model_kwargs.pop("input_ids", None)
        if inputs is None:
            raise ValueError("generate() on an encoder-decoder needs the encoder's input_ids")
        ids = ops.convert_to_tensor(inputs, "int32")
        mask = model_kwargs.pop("attention_mask", None)
        if mask is None:
            mask = _default_generation_mask(ids, config)
        mask = ops.cast(mask, "int32")
        encoder_out = self.encoder(
            ids,
            attention_mask=mask,
            token_type_ids=model_kwargs.pop("token_type_ids", None),
            return_dict=True,
        )
        start = config.decoder_start_token_id
        if start is None:
            start = config.bos_token_id
        decoder_ids = model_kwargs.pop("decoder_input_ids", None)
        if decoder_ids is None:
            if start is None:
                raise ValueError(
                    "decoder_start_token_id is not set (nor bos_token_id): set "
                    "model.config.decoder_start_token_id or pass it to generate()"
                )
            decoder_ids = ops.full((ops.shape(ids)[0], 1), start, "int32")
        decoder_ids = ops.convert_to_tensor(decoder_ids, "int32")
        decoder_mask = ops.ones_like(decoder_ids)
        _, _, context = self.decoder._generation_inputs(
            decoder_ids,
            {
                "attention_mask": decoder_mask,
                "encoder_hidden_states": self._encoder_states(encoder_out),
                "encoder_attention_mask": mask,
            },
            config,
        )
        return decoder_ids, decoder_mask, context

    def _position_limit(self):
        return None  # transformers caps only decoder-only models' default length

    def _empty_cache(self, rows, max_length):
        return self.decoder._empty_cache(rows, max_length)

    def _generation_step(self, tokens, attention_mask, cache, cache_index, context):
        return self.decoder._generation_step(tokens, attention_mask, cache, cache_index, context)

    # -- checkpoints ---------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """The weights under transformers' ``EncoderDecoderModel`` names (PyTorch layout)."""
        from tfbert.checkpoint import state_dict

        state = {f"encoder.{_strip_bert(k)}": v for k, v in state_dict(self.encoder).items()}
        state.update({f"decoder.{k}": v for k, v in state_dict(self.decoder).items()})
        if self.enc_to_dec_proj is not None:
            state[f"{_PROJECTION}.weight"] = np.ascontiguousarray(
                np.asarray(self.enc_to_dec_proj.kernel.numpy()).T
            )
            state[f"{_PROJECTION}.bias"] = np.asarray(self.enc_to_dec_proj.bias.numpy())
        return state

    def load_state_dict(self, state: Mapping[str, np.ndarray], source: str = "checkpoint") -> None:
        """Assigns weights named as :meth:`state_dict` names them; missing ones are listed in a
        warning (per part), shapes are checked."""
        from tfbert.checkpoint import assign_weights

        parts = {
            prefix: {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
            for prefix in ("encoder.", "decoder.")
        }
        if self.config.tie_encoder_decoder:  # the encoder's copy of a shared weight wins
            parts["decoder."].update(_shared_values(self.encoder, self.decoder, parts["encoder."]))
        for prefix, part in (("encoder.", self.encoder), ("decoder.", self.decoder)):
            assign_weights(part, parts[prefix], source=source)
        if self.enc_to_dec_proj is not None:
            weight = state.get(f"{_PROJECTION}.weight")
            if weight is None:
                import warnings

                warnings.warn(
                    f"TFEncoderDecoderModel: {_PROJECTION} initialised, not loaded "
                    f"from {source}. Train the model before using it.",
                    stacklevel=2,
                )
            else:
                self.enc_to_dec_proj.kernel.assign(np.asarray(weight).T)
                self.enc_to_dec_proj.bias.assign(state[f"{_PROJECTION}.bias"])

    def save_pretrained(self, directory: str | os.PathLike, **kwargs) -> None:
        """Writes ``config.json`` and ``model.safetensors`` in transformers'
        ``EncoderDecoderModel`` layout (and ``generation_config.json`` when it says more than
        the config's token ids)."""
        from safetensors.numpy import save_file

        from tfbert.checkpoint.files import atomic_path

        if kwargs:
            raise TypeError(f"TFEncoderDecoderModel.save_pretrained takes no {sorted(kwargs)}")
        os.makedirs(directory, exist_ok=True)
        with atomic_path(os.path.join(directory, "model.safetensors")) as tmp:
            save_file(self.state_dict(), tmp, metadata={"format": "pt"})
        config = copy.deepcopy(self.config)
        config.extra["architectures"] = ["EncoderDecoderModel"]
        config.save_pretrained(directory)
        from tfbert.generation.configuration import GenerationConfig

        if self.generation_config != GenerationConfig.from_model_config(self.config):
            self.generation_config.save_pretrained(directory)

    @classmethod
    def from_pretrained(cls, name_or_path, **kwargs) -> TFEncoderDecoderModel:
        """Loads an ``EncoderDecoderModel`` checkpoint (transformers' or tfbert's).

        Raises:
            FileNotFoundError: No ``config.json`` or no weights.
            ValueError: Not an encoder-decoder config, or a weight of the wrong shape.
        """
        from tfbert.checkpoint import read_checkpoint
        from tfbert.checkpoint.files import resolve_file
        from tfbert.generation.configuration import GENERATION_CONFIG_NAME, GenerationConfig

        model = cls(EncoderDecoderConfig.from_pretrained(name_or_path, **kwargs))
        state, filename = read_checkpoint(name_or_path, **kwargs)
        model.load_state_dict(state, source=f"{name_or_path} ({filename})")
        path = resolve_file(name_or_path, GENERATION_CONFIG_NAME, required=False, **kwargs)
        if path:
            model.generation_config = GenerationConfig.from_pretrained(path)
        return model

    @classmethod
    def from_encoder_decoder_pretrained(
        cls, encoder_pretrained_model_name_or_path, decoder_pretrained_model_name_or_path, **kwargs
    ) -> TFEncoderDecoderModel:
        """Warm start from two BERT checkpoints: the decoder becomes a decoder with
        cross-attention, whose new weights (and a new LM head, if its checkpoint has none) are
        listed in one warning.

        Args:
            encoder_pretrained_model_name_or_path, decoder_pretrained_model_name_or_path:
                Folders or hub ids.
            **kwargs: ``encoder_*`` / ``decoder_*`` keywords go to each part's
                ``from_pretrained``; others (``decoder_start_token_id``, ``pad_token_id``, ...)
                to the :class:`EncoderDecoderConfig`.
        """
        parts = {"encoder": {}, "decoder": {}}
        for key in list(kwargs):
            for part in parts:
                if key.startswith(f"{part}_") and key != "decoder_start_token_id":
                    parts[part][key[len(part) + 1 :]] = kwargs.pop(key)
        encoder = TFBertModel.from_pretrained(
            encoder_pretrained_model_name_or_path, name="encoder", **parts["encoder"]
        )
        decoder = TFBertLMHeadModel.from_pretrained(
            decoder_pretrained_model_name_or_path,
            name="decoder",
            **{"is_decoder": True, "add_cross_attention": True, **parts["decoder"]},
        )
        config = EncoderDecoderConfig.from_encoder_decoder_configs(
            encoder.config, decoder.config, **kwargs
        )
        return cls(config, encoder=encoder, decoder=decoder)

    def get_config(self):
        return {"name": self.name, "config": self.config.to_dict()}

    @classmethod
    def from_config(cls, config, **kwargs):
        config = dict(config)
        return cls(EncoderDecoderConfig.from_dict(config.pop("config")), **config, **kwargs)


def _check_decoder(config: EncoderDecoderConfig) -> None:
    decoder, encoder = config.decoder, config.encoder
    if not (decoder.is_decoder and decoder.add_cross_attention):
        raise ValueError(
            "the decoder config needs is_decoder=True and add_cross_attention=True "
            "(EncoderDecoderConfig.from_encoder_decoder_configs sets both)"
        )
    cross_size = decoder.extra.get("cross_attention_hidden_size")
    if encoder.hidden_size != decoder.hidden_size and cross_size is not None:
        raise ValueError(
            f"the encoder's hidden_size ({encoder.hidden_size}) differs from the "
            f"decoder's ({decoder.hidden_size}) and the decoder config sets "
            f"cross_attention_hidden_size={cross_size}, which forbids the "
            f"{_PROJECTION} projection; BERT's cross-attention takes states of the "
            f"decoder's size: remove cross_attention_hidden_size to add the "
            f"projection"
        )


def _tie_encoder_decoder(encoder: TFBertModel, decoder: TFBertLMHeadModel) -> None:
    """Makes the decoder's BERT use the encoder's layers, as transformers v4 tied them: the
    embeddings, and each block's self-attention and feed-forward. One set of variables serves
    both (trained as one, listed once); cross-attention and the LM head stay the decoder's.

    Raises:
        ValueError: The two configs differ in a shape the shared layers fix.
    """
    sizes = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads")
    sizes += ("intermediate_size", "max_position_embeddings", "type_vocab_size")
    differ = {
        name: (getattr(encoder.config, name), getattr(decoder.config, name))
        for name in sizes
        if getattr(encoder.config, name) != getattr(decoder.config, name)
    }
    if differ:
        raise ValueError(
            f"tie_encoder_decoder=True needs an encoder and a decoder of the same shape; they "
            f"differ in {', '.join(f'{k} ({a} vs {b})' for k, (a, b) in differ.items())}"
        )
    _share(decoder.bert, "embeddings", encoder.bert.embeddings)
    for mine, theirs in zip(decoder.bert.encoder.layer, encoder.bert.encoder.layer):
        for name in ("attention", "intermediate", "bert_output"):
            _share(mine, name, getattr(theirs, name))


def _share(parent, attribute: str, layer) -> None:
    """``parent.<attribute> = layer``, the old layer (and its variables) no longer tracked.

    Keras locks a built layer's tracker against new state; the swap keeps the state's amount
    (one layer out, one in), so the lock is lifted for it and put back."""
    tracker = parent._tracker
    tracker.untrack(getattr(parent, attribute))
    locked, tracker.locked = tracker.locked, False
    try:
        setattr(parent, attribute, layer)
    finally:
        tracker.locked = locked


def _shared_values(encoder, decoder, encoder_state: dict) -> dict:
    """The checkpoint's encoder arrays under the decoder's names of the shared variables."""
    from tfbert.checkpoint.loading import pt_names
    from tfbert.checkpoint.name_map import normalise_checkpoint_names

    names = {id(v): name for v, name, _ in pt_names(encoder)}
    encoder_state = normalise_checkpoint_names(encoder_state, set(names.values()))
    return {
        name: encoder_state[names[id(v)]]
        for v, name, _ in pt_names(decoder)
        if id(v) in names and names[id(v)] in encoder_state
    }


def _first(encoder_out):
    if isinstance(encoder_out, Mapping):
        return encoder_out["last_hidden_state"]
    return encoder_out[0]


def _field(encoder_out, name):
    return encoder_out.get(name) if isinstance(encoder_out, Mapping) else None


def _strip_bert(name: str) -> str:
    """``bert.embeddings...`` -> ``embeddings...`` (a ``BertModel``'s own names)."""
    return name[len("bert.") :] if name.startswith("bert.") else name
