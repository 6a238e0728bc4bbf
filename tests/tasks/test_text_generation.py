"""Text generation in one graph (strings -> tokenizer -> generate -> decoded strings) against
transformers' PyTorch models on the same random weights: the texts equal the reference's
generated ids decoded by ``BertTokenizerFast`` (greedy and beam search); seeded sampling
repeats; bad prompts and options are clear errors."""

import pytest
import tensorflow as tf

import tfbert
from tests.tasks.conftest import SMALL, TOKENIZER_FILES, make_checkpoint
from tfbert.encoder_decoder import TFEncoderDecoderModel
from tfbert.tasks.text_generation import (
    GeneratedText,
    check_prompts,
    generate_options,
    run_generate,
)

PROMPTS = ["the cat sat on the", "paris is the capital of", "hello"]
SOURCES = ["a short text to rewrite .", "hello world", "the quick brown fox jumps over"]


@pytest.fixture(scope="session")
def lm_folder(tmp_path_factory, minilm_folder):
    folder = tmp_path_factory.mktemp("lm_head")
    make_checkpoint("BertLMHeadModel", folder, minilm_folder, is_decoder=True)
    return folder


@pytest.fixture(scope="session")
def bert2bert_folder(tmp_path_factory, minilm_folder):
    """transformers' EncoderDecoderModel (seeded random weights, separated scores) saved with
    the uncased tokenizer beside it."""
    import shutil

    import torch
    import transformers

    folder = tmp_path_factory.mktemp("bert2bert")
    config = transformers.EncoderDecoderConfig.from_encoder_decoder_configs(
        transformers.BertConfig(**SMALL), transformers.BertConfig(**SMALL)
    )
    config.decoder_start_token_id, config.pad_token_id, config.eos_token_id = 101, 0, 102
    torch.manual_seed(0)
    model = transformers.EncoderDecoderModel(config=config).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "bias" in name:
                param.add_(torch.randn_like(param) * (2.0 if "predictions" in name else 0.3))
    model.save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(minilm_folder / name, folder / name)
    return folder


def _reference_ids(folder, texts, decoder_only, **options):
    """transformers' generate, one input at a time (no padding), as lists of ids."""
    import torch
    import transformers

    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    cls = transformers.BertLMHeadModel if decoder_only else transformers.EncoderDecoderModel
    model = cls.from_pretrained(folder).eval()
    rows = []
    for text in texts:
        encoded = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            ids = model.generate(
                encoded["input_ids"], attention_mask=encoded["attention_mask"], **options
            )
        rows.append((encoded["input_ids"][0].tolist(), ids.tolist()))
    return tokenizer, rows


def _reference_texts(folder, texts, decoder_only, return_full_text=True, **options):
    """What transformers v4's pipelines made of those ids: decoded without special tokens; for
    text-generation the decoded prompt's characters cut off, the prompt string put in front."""
    tokenizer, rows = _reference_ids(folder, texts, decoder_only, **options)
    results = []
    for text, (prompt, sequences) in zip(texts, rows):
        decoded = [tokenizer.decode(ids, skip_special_tokens=True) for ids in sequences]
        if decoder_only:
            cut = len(tokenizer.decode(prompt, skip_special_tokens=True))
            decoded = [(text if return_full_text else "") + d[cut:] for d in decoded]
        results.append(decoded)
    return results


def _graph(folder, decoder_only, prompt_length=16, return_full_text=True, **options):
    """strings -> generated strings, as one tf.function."""
    tokenizer = tfbert.TFBertTokenizer.from_pretrained(folder)
    if decoder_only:
        model = tfbert.TFBertLMHeadModel.from_pretrained(folder)
        settings = dict(padding="max_length", max_length=prompt_length, truncation=False)
        settings["padding_side"] = "left"
    else:
        model, settings, prompt_length = TFEncoderDecoderModel.from_pretrained(folder), {}, None
    kwargs = generate_options(model.generation_config, dict(options))
    layer = GeneratedText(
        decoder_only,
        num_return_sequences=options.get("num_return_sequences", 1),
        return_full_text=return_full_text,
    )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def run(texts):
        encoded = tokenizer(texts, **settings)
        outputs = run_generate(model, encoded, prompt_length, **kwargs)
        return layer(outputs, encoded, tokenizer=tokenizer, texts=[texts])

    def call(texts):
        result = run(tf.constant(texts))["generated_text"].numpy()
        return [[t.decode("utf-8") for t in row] for row in result]

    return call, tokenizer


DECODER_CASES = {
    "greedy": dict(max_new_tokens=6),
    "beam": dict(max_new_tokens=5, num_beams=3, num_return_sequences=2),
    "processors": dict(max_new_tokens=6, no_repeat_ngram_size=2, repetition_penalty=1.3),
}


@pytest.mark.parametrize("case", sorted(DECODER_CASES))
def test_text_generation_equals_transformers_generate_decoded(lm_folder, case):
    options = DECODER_CASES[case]
    run, _ = _graph(lm_folder, True, **options)
    assert run(PROMPTS) == _reference_texts(lm_folder, PROMPTS, True, **options)


def test_text_generation_new_text_only(lm_folder):
    run, _ = _graph(lm_folder, True, return_full_text=False, max_new_tokens=4)
    got = run(PROMPTS)
    want = _reference_texts(lm_folder, PROMPTS, True, return_full_text=False, max_new_tokens=4)
    assert got == want
    assert all(not text.startswith(prompt) for [text], prompt in zip(got, PROMPTS))


@pytest.mark.parametrize(
    "options",
    [dict(max_new_tokens=6), dict(max_new_tokens=5, num_beams=3, num_return_sequences=3)],
    ids=["greedy", "beam"],
)
def test_text2text_equals_transformers_generate_decoded(bert2bert_folder, options):
    run, _ = _graph(bert2bert_folder, False, **options)
    assert run(SOURCES) == _reference_texts(bert2bert_folder, SOURCES, False, **options)


def test_seeded_sampling_repeats_and_unseeded_differs(lm_folder):
    options = dict(max_new_tokens=8, do_sample=True, top_k=0, temperature=2.0)
    seeded, _ = _graph(lm_folder, True, seed=7, **options)
    assert seeded(PROMPTS) == seeded(PROMPTS)
    fresh, _ = _graph(lm_folder, True, **options)
    assert fresh(PROMPTS) != fresh(PROMPTS)  # a new seed per call


def test_a_prompt_longer_than_prompt_length_is_a_clear_error(lm_folder):
    run, tokenizer = _graph(lm_folder, True, prompt_length=4, max_new_tokens=2)
    with pytest.raises(ValueError, match=r"prompt 1 is 7 tokens long .*prompt_length=4"):
        check_prompts(tokenizer, ["hi", "the cat sat on the"], 4, "text-generation")
    with pytest.raises(tf.errors.InvalidArgumentError, match="longer than prompt_length=4"):
        run(["the cat sat on the"])


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(num_beams=0), "num_beams must be a positive integer, got 0"),
        (dict(top_p=1.5), r"top_p must be a number in \(0, 1\], got 1.5"),
        (dict(top_p=0.0), r"top_p must be a number in \(0, 1\], got 0.0"),
        (dict(temperature=-1.0), "temperature must be a positive number, got -1.0"),
        (dict(num_return_sequences=3), r"num_return_sequences \(3\) must be at most num_beams"),
        (dict(seed="x"), "seed 'x' must be an integer or None"),
    ],
)
def test_bad_generation_options_are_named(options, message):
    from tfbert.generation import GenerationConfig

    with pytest.raises(ValueError, match=message):
        generate_options(GenerationConfig(), dict(options))
