"""The reference for model tests: a tiny config, and transformers' PyTorch models built on
the same random weights as ours, run on the same inputs."""

import numpy as np

TINY = dict(
    vocab_size=99,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=37,
    max_position_embeddings=64,
    type_vocab_size=2,
    num_labels=3,
)


def tiny_batch():
    """Two sequences of 7 tokens, the second padded after 5, two segments."""
    rng = np.random.default_rng(0)
    input_ids = rng.integers(1, TINY["vocab_size"], (2, 7))
    attention_mask = np.ones((2, 7), np.int64)
    attention_mask[1, 5:] = 0
    token_type_ids = np.zeros((2, 7), np.int64)
    token_type_ids[:, 4:] = 1
    return {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "token_type_ids": token_type_ids,
    }


def make_reference(pt_class_name, tmp_path_factory, **overrides):
    """A transformers PyTorch model with seeded random weights, saved with save_pretrained.

    Returns ``(pt_model, folder)``; the model uses eager attention so it can return attentions.
    """
    import torch
    import transformers

    config = transformers.BertConfig(**{**TINY, **overrides})
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    model = getattr(transformers, pt_class_name)(config).eval()
    # Random, not-default biases and LayerNorms, so a weight loaded into the wrong place shows.
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("bias") or "LayerNorm" in name:
                param.add_(torch.randn_like(param) * 0.1)
    folder = tmp_path_factory.mktemp(pt_class_name)
    model.save_pretrained(folder)
    return model, folder


def run_reference(model, inputs, **kwargs):
    """Runs the PyTorch model on numpy inputs; returns its output as a dict of numpy arrays
    (tuples of arrays for hidden states and attentions)."""
    import torch

    tensors = {k: torch.tensor(v) for k, v in inputs.items()}
    if model.config.is_decoder:
        kwargs["use_cache"] = False  # tfbert has no key/value cache yet
    with torch.no_grad():
        result = model(**tensors, **kwargs)
    out = {}
    for key, value in result.items():
        if isinstance(value, tuple):
            if value:  # transformers gives an empty cross_attentions tuple for encoders
                out[key] = tuple(v.numpy() for v in value)
        elif value is not None:
            out[key] = value.numpy()
    return out


def assert_outputs_close(ours, reference, atol=1e-4):
    """Every field the reference returns is in ours and agrees to ``atol``."""
    assert set(reference) <= set(ours), f"missing fields {set(reference) - set(ours)}"
    for key, expected in reference.items():
        got = ours[key]
        if isinstance(expected, tuple):
            assert len(got) == len(expected), key
            for i, (g, e) in enumerate(zip(got, expected)):
                np.testing.assert_allclose(
                    np.asarray(g), e, atol=atol, rtol=0, err_msg=f"{key}[{i}]"
                )
        else:
            np.testing.assert_allclose(np.asarray(got), expected, atol=atol, rtol=0, err_msg=key)
