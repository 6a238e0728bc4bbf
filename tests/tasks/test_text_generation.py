"""Text generation in one graph (strings -> tokenizer -> generate -> decoded strings) against
transformers' PyTorch models on the same random weights: the texts equal the reference's
generated ids decoded by ``BertTokenizerFast`` (greedy and beam search); seeded sampling
repeats; bad prompts and options are clear errors."""

import pytest
import tensorflow as tf

import tfbert
from tests.tasks.conftest import SMALL, TOKENIZER_FILES, make_checkpoint
from tfbert.tasks.text_generation import generate_options

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


@pytest.fixture(scope="session")
def generator(lm_folder):
    return tfbert.pipeline("text-generation", model=str(lm_folder), max_new_tokens=6)


@pytest.fixture(scope="session")
def rewriter(bert2bert_folder):
    return tfbert.pipeline("text2text-generation", model=str(bert2bert_folder))


def _texts(results):
    return [[item["generated_text"] for item in result] for result in results]


DECODER_CASES = {  # per-call options, over the pipeline's max_new_tokens=6
    "greedy": {},
    "beam": dict(max_new_tokens=5, num_beams=3, num_return_sequences=2),
    "processors": dict(no_repeat_ngram_size=2, repetition_penalty=1.3),
}


@pytest.mark.parametrize(
    "case", [c if c != "beam" else pytest.param(c, marks=pytest.mark.slow) for c in DECODER_CASES]
)
def test_text_generation_equals_transformers_generate_decoded(generator, lm_folder, case):
    options = DECODER_CASES[case]
    want = _reference_texts(lm_folder, PROMPTS, True, **{"max_new_tokens": 6, **options})
    assert _texts(generator(PROMPTS, **options)) == want
    assert generator(PROMPTS[0], **options) == [{"generated_text": t} for t in want[0]]


def test_text_generation_new_text_only(lm_folder):
    generator = tfbert.pipeline(
        "text-generation", model=str(lm_folder), return_full_text=False, max_new_tokens=4
    )
    got = _texts(generator(PROMPTS))
    want = _reference_texts(lm_folder, PROMPTS, True, return_full_text=False, max_new_tokens=4)
    assert got == want
    assert all(not text.startswith(prompt) for [text], prompt in zip(got, PROMPTS))
    full = _texts(generator(PROMPTS, return_full_text=True))
    assert full == [[prompt + text] for [text], prompt in zip(got, PROMPTS)]


@pytest.mark.parametrize(
    "options",
    [dict(max_new_tokens=6), dict(max_new_tokens=5, num_beams=3, num_return_sequences=3)],
    ids=["greedy", "beam"],
)
def test_text2text_equals_transformers_generate_decoded(rewriter, bert2bert_folder, options):
    want = _reference_texts(bert2bert_folder, SOURCES, False, **options)
    got = rewriter(SOURCES, **options)
    if options.get("num_return_sequences", 1) == 1:  # transformers flattens one per input
        assert got == [{"generated_text": texts[0]} for texts in want]
    else:
        assert _texts(got) == want
    assert rewriter(SOURCES[0], **options) == [{"generated_text": t} for t in want[0]]


@pytest.mark.slow
def test_summarization_names_its_result_summary_text(bert2bert_folder, rewriter):
    summarizer = tfbert.pipeline("summarization", model=str(bert2bert_folder), max_new_tokens=4)
    assert summarizer(SOURCES[0]) == [
        {"summary_text": rewriter(SOURCES[0], max_new_tokens=4)[0]["generated_text"]}
    ]


def test_seeded_sampling_repeats_and_unseeded_differs(generator):
    options = dict(max_new_tokens=8, do_sample=True, top_k=0, temperature=2.0)
    assert generator(PROMPTS, seed=7, **options) == generator(PROMPTS, seed=7, **options)
    assert generator(PROMPTS, **options) != generator(PROMPTS, **options)  # a new seed per call


def test_a_prompt_longer_than_prompt_length_is_a_clear_error(lm_folder):
    generator = tfbert.pipeline(
        "text-generation", model=str(lm_folder), prompt_length=4, max_new_tokens=2
    )
    with pytest.raises(ValueError, match=r"prompt 1 is 7 tokens long .*prompt_length=4"):
        generator(["hi", "the cat sat on the"])
    run = generator.graph.serving_function()  # the graph itself (an export) refuses it too
    with pytest.raises(tf.errors.InvalidArgumentError, match="longer than prompt_length=4"):
        run(text=tf.constant(["the cat sat on the"]))


@pytest.mark.parametrize(
    "task, options, message",
    [
        ("text-generation", dict(top_p=2.0), r"top_p must be a number in \(0, 1\], got 2.0"),
        ("text-generation", dict(num_beams=0), "num_beams must be a positive integer, got 0"),
        ("text-generation", dict(prompt_length=0), "prompt_length 0 must be a positive integer"),
        ("text-generation", dict(return_full_text="no"), "return_full_text 'no' must be True"),
        ("text-generation", dict(max_length=30), r"does not take \['max_length'\]"),
        ("text2text-generation", dict(num_return_sequences=2), r"must be at most num_beams"),
        ("text2text-generation", dict(prompt_length=8), r"does not take \['prompt_length'\]"),
    ],
)
def test_bad_pipeline_options_are_named(lm_folder, bert2bert_folder, task, options, message):
    folder = lm_folder if task == "text-generation" else bert2bert_folder
    with pytest.raises(ValueError, match=message):
        tfbert.pipeline(task, model=str(folder), **options)


def test_a_checkpoint_of_the_other_kind_is_a_clear_error(lm_folder, bert2bert_folder, generator):
    with pytest.raises(ValueError, match="expected an encoder-decoder config"):
        tfbert.pipeline("text2text-generation", model=str(lm_folder))
    with pytest.raises(ValueError, match="model_type .encoder-decoder. is not .bert."):
        tfbert.pipeline("text-generation", model=str(bert2bert_folder))
    with pytest.raises(ValueError, match="num_beams must be a positive integer, got 0"):
        generator(PROMPTS, num_beams=0)


def test_text2text_without_a_decoder_start_token_is_a_clear_error(bert2bert_folder, tmp_path):
    import json
    import shutil

    shutil.copytree(bert2bert_folder, tmp_path / "model")
    for name in ("config.json", "generation_config.json"):
        path = tmp_path / "model" / name
        if path.exists():
            values = json.loads(path.read_text())
            values.pop("decoder_start_token_id", None)
            path.write_text(json.dumps(values))
    with pytest.raises(ValueError, match="sets no decoder_start_token_id"):
        tfbert.pipeline("text2text-generation", model=str(tmp_path / "model"))


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
        generate_options(dict(options), GenerationConfig())
