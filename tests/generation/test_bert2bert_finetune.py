"""A tiny BERT2BERT warm-started from two small BERT checkpoints learns to reverse word lists:
>= 95% exact match through generate() after fine-tuning with fit(); the text2text-generation
SavedModel exported from it returns, in a clean process, the texts of generate() decoded."""

import numpy as np
import pytest

import tfbert
from tfbert.encoder_decoder import TFEncoderDecoderModel

PAD, START, END, FIRST_WORD, WORDS = 0, 2, 3, 4, 12
MAX_WORDS = 5
# [CLS] and [SEP] are START and END, so "w3 w5" tokenizes to the inputs the model learns from
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", *(f"w{i}" for i in range(WORDS)), "[MASK]"]


def _task(count: int, seed: int):
    """Inputs ``[START] words [END]`` and labels ``reversed words [END]`` (-100 padded)."""
    rng = np.random.default_rng(seed)
    source = np.full((count, MAX_WORDS + 2), PAD)
    labels = np.full((count, MAX_WORDS + 1), -100)
    targets = []
    for row in range(count):
        words = rng.integers(FIRST_WORD, FIRST_WORD + WORDS, rng.integers(3, MAX_WORDS + 1))
        source[row, : len(words) + 2] = [START, *words, END]
        target = [*words[::-1], END]
        labels[row, : len(target)] = target
        targets.append(target)
    mask = (source != PAD).astype(np.int64)
    return {"input_ids": source, "attention_mask": mask}, labels, targets


@pytest.mark.slow
def test_bert2bert_learns_to_reverse_word_lists(tmp_path):
    import keras

    small = dict(
        vocab_size=len(VOCAB),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        max_position_embeddings=16,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    tfbert.TFBertModel(tfbert.BertConfig(**small)).save_pretrained(tmp_path / "encoder")
    tfbert.TFBertForMaskedLM(tfbert.BertConfig(**small)).save_pretrained(tmp_path / "decoder")
    model = TFEncoderDecoderModel.from_encoder_decoder_pretrained(
        tmp_path / "encoder",
        tmp_path / "decoder",
        decoder_start_token_id=START,
        pad_token_id=PAD,
        eos_token_id=END,
    )
    x, labels, _ = _task(4000, seed=0)
    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit({**x, "labels": labels}, batch_size=64, epochs=25, verbose=0)

    test_x, _, targets = _task(200, seed=1)
    generated = np.asarray(
        model.generate(
            test_x["input_ids"],
            attention_mask=test_x["attention_mask"],
            max_new_tokens=MAX_WORDS + 1,
        )
    )
    exact = 0
    for row, target in zip(generated, targets):
        tokens = list(row[1:])  # after the decoder start token
        tokens = tokens[: tokens.index(END) + 1] if END in tokens else tokens
        exact += tokens == target
    assert exact / len(targets) >= 0.95, f"exact match {exact}/{len(targets)}"
    _check_export(model, test_x, generated, tmp_path)


def _check_export(model, test_x, generated, tmp_path):
    """Exports the fine-tuned model as text2text-generation and runs the SavedModel in a clean
    process on the test inputs written as words: the texts of generate()'s ids, decoded."""
    from tests.export.conftest import finish_check, start_check
    from tfbert.export import export_task

    folder = tmp_path / "bert2bert"
    model.save_pretrained(folder)
    tokenizer = tfbert.TFBertTokenizer(VOCAB)
    tokenizer.save_pretrained(str(folder))
    texts = [" ".join(VOCAB[i] for i in row if i >= FIRST_WORD) for row in test_x["input_ids"][:40]]
    expected = [[text] for text in tokenizer.batch_decode(generated[:40], True).numpy()]
    path = export_task(
        "text2text-generation", str(folder), str(tmp_path / "served"), max_new_tokens=MAX_WORDS + 1
    )
    code, report = finish_check(start_check(path, {"text": texts}))
    assert code == 0, report
    assert report["outputs"]["generated_text"] == [[t.decode()] for [t] in expected]
