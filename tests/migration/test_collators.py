"""tfbert's data collators against transformers 5's own (return_tensors="np", same tokenizer):
padding collators equal array for array; masking collators with the same statistics and
invariants; whole words grouped as transformers groups them."""

import numpy as np
import pytest
import tensorflow as tf
import transformers

import tfbert
from tfbert.data_collator import (
    DataCollatorForLanguageModeling,
    DataCollatorForTokenClassification,
    DataCollatorForWholeWordMask,
    DataCollatorWithPadding,
    DefaultDataCollator,
)


@pytest.fixture(scope="module")
def features(ref_tokenizer, texts):
    rng = np.random.default_rng(0)
    encoded = ref_tokenizer(texts[:64], truncation=True, max_length=40)
    return [
        {**{k: encoded[k][i] for k in encoded}, "label": int(rng.integers(0, 3))} for i in range(64)
    ]


def assert_same_batch(got, want):
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_array_equal(got[key], np.asarray(want[key]), err_msg=key)
        assert np.asarray(got[key]).dtype == np.asarray(want[key]).dtype, key


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"padding": "max_length", "max_length": 48},
        {"pad_to_multiple_of": 8},
        {"padding": "longest"},
    ],
)
def test_with_padding_equals_transformers(ref_tokenizer, features, options):
    batch = features[:16]
    reference = transformers.DataCollatorWithPadding(ref_tokenizer, return_tensors="np", **options)
    want = reference(batch)
    got = DataCollatorWithPadding(ref_tokenizer, return_tensors="np", **options)(batch)
    assert "labels" in got and "label" not in got
    assert_same_batch(got, want)
    as_tf = DataCollatorWithPadding(ref_tokenizer, return_tensors="tf", **options)(batch)
    assert all(isinstance(v, tf.Tensor) for v in as_tf.values())
    assert_same_batch({k: v.numpy() for k, v in as_tf.items()}, want)


@pytest.mark.parametrize("side", ["right", "left"])
def test_token_classification_equals_transformers(ref_tokenizer, features, side):
    rng = np.random.default_rng(1)
    batch = [
        {
            "input_ids": f["input_ids"],
            "attention_mask": f["attention_mask"],
            "labels": rng.integers(0, 5, size=len(f["input_ids"])).tolist(),
        }
        for f in features[:12]
    ]
    reference = transformers.BertTokenizerFast.from_pretrained(
        ref_tokenizer.name_or_path, padding_side=side
    )
    want = transformers.DataCollatorForTokenClassification(
        reference, return_tensors="np", pad_to_multiple_of=8
    )(batch)
    got = DataCollatorForTokenClassification(reference, return_tensors="np", pad_to_multiple_of=8)(
        batch
    )
    assert_same_batch(got, want)
    assert (got["labels"] == -100).any()
    as_tf = DataCollatorForTokenClassification(reference)(batch)  # "tf" by default
    assert as_tf["labels"].dtype == tf.int64
    np.testing.assert_array_equal(as_tf["labels"].numpy(), want["labels"])


@pytest.mark.parametrize("label", [1, 0.5, [1, 0, 1]])
def test_default_collator_equals_transformers(label):
    batch = [
        {"input_ids": [2, 5 + i, 3], "token_type_ids": [0, 0, 0], "label": label, "text": "x"}
        for i in range(4)
    ]
    want = transformers.DefaultDataCollator(return_tensors="np")(batch)
    got = DefaultDataCollator(return_tensors="np")(batch)
    assert_same_batch(got, want)
    as_tf = DefaultDataCollator()(batch)
    assert as_tf["labels"].dtype == (tf.float32 if label == 0.5 else tf.int64)


def _mlm_batches(collator, features, repeats):
    return [collator(features) for _ in range(repeats)]


def _stats(batches, originals, tokenizer):
    """Fractions: chosen among maskable tokens; [MASK], random and kept among chosen."""
    chosen = maskable = masked = kept = 0
    for batch, original in zip(batches, originals):
        labels, ids = np.asarray(batch["labels"]), np.asarray(batch["input_ids"])
        special = np.array(
            [
                tokenizer.get_special_tokens_mask(row, already_has_special_tokens=True)
                for row in original.tolist()
            ],
            dtype=bool,
        )
        is_chosen = labels != -100
        assert not (is_chosen & special).any(), "a special token was chosen"
        np.testing.assert_array_equal(labels[is_chosen], original[is_chosen])
        np.testing.assert_array_equal(ids[~is_chosen], original[~is_chosen])
        chosen += is_chosen.sum()
        maskable += (~special).sum()
        masked += (is_chosen & (ids == tokenizer.mask_token_id)).sum()
        kept += (is_chosen & (ids == original)).sum()
    return chosen / maskable, masked / chosen, kept / chosen


def test_mlm_masking_statistics_match_transformers(ref_tokenizer, features):
    inputs = [{"input_ids": f["input_ids"]} for f in features]
    padded = transformers.DataCollatorWithPadding(ref_tokenizer, return_tensors="np")(inputs)
    originals = [padded["input_ids"]] * 8
    ours = DataCollatorForLanguageModeling(ref_tokenizer, return_tensors="np", seed=0)
    theirs = transformers.DataCollatorForLanguageModeling(
        ref_tokenizer, return_tensors="np", seed=0
    )
    got = _stats(_mlm_batches(ours, inputs, 8), originals, ref_tokenizer)
    want = _stats(_mlm_batches(theirs, inputs, 8), originals, ref_tokenizer)
    # ~2,000 maskable tokens per batch x 8: the fractions' standard errors are below 0.01.
    np.testing.assert_allclose(got, want, atol=0.035)
    np.testing.assert_allclose(got, (0.15, 0.8, 0.1), atol=0.035)


def test_mlm_seed_reproducible_and_tf_output(ref_tokenizer, features):
    inputs = [{"input_ids": f["input_ids"]} for f in features[:16]]
    first = DataCollatorForLanguageModeling(ref_tokenizer, return_tensors="np", seed=7)
    second = DataCollatorForLanguageModeling(ref_tokenizer, return_tensors="np", seed=7)
    other = DataCollatorForLanguageModeling(ref_tokenizer, return_tensors="np", seed=8)
    a, b, c = first(inputs), second(inputs), other(inputs)
    assert_same_batch(a, b)
    assert not np.array_equal(a["labels"], c["labels"])
    as_tf = DataCollatorForLanguageModeling(ref_tokenizer, seed=7)(inputs)
    assert isinstance(as_tf["input_ids"], tf.Tensor)
    np.testing.assert_array_equal(as_tf["labels"].numpy(), a["labels"])


def test_causal_lm_labels_equal_transformers(ref_tokenizer, features):
    inputs = [{"input_ids": f["input_ids"]} for f in features[:8]]
    want = transformers.DataCollatorForLanguageModeling(
        ref_tokenizer, mlm=False, return_tensors="np"
    )(inputs)
    got = DataCollatorForLanguageModeling(ref_tokenizer, mlm=False, return_tensors="np")(inputs)
    assert_same_batch(got, want)
    unused = DataCollatorForLanguageModeling(
        ref_tokenizer, mlm=False, mlm_probability=None, return_tensors="np"
    )(inputs)
    assert_same_batch(unused, want)


def test_lists_of_ids_are_padded_like_transformers(ref_tokenizer, features):
    ids = [f["input_ids"] for f in features[:8]]
    want = transformers.DataCollatorForLanguageModeling(
        ref_tokenizer, mlm=False, return_tensors="np", pad_to_multiple_of=16
    )(ids)
    got = DataCollatorForLanguageModeling(
        ref_tokenizer, mlm=False, return_tensors="np", pad_to_multiple_of=16
    )(ids)
    assert_same_batch(got, want)


def _partition(word_ids):
    """Word numbering up to renaming: for each token, the index of its word's first token."""
    out = []
    for row in np.asarray(word_ids).tolist():
        first = {}
        out.append(
            [-1 if w is None or w < 0 else first.setdefault(w, i) for i, w in enumerate(row)]
        )
    return out


def test_whole_words_from_offsets_as_transformers_groups_them(ref_tokenizer, texts):
    encoded = ref_tokenizer(
        texts[:16],
        truncation=True,
        max_length=40,
        padding=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        return_tensors="np",
    )
    special = encoded["special_tokens_mask"]
    want, _ = transformers.DataCollatorForLanguageModeling._calc_word_ids_and_prob_mask(
        encoded["offset_mapping"], special.copy()
    )
    collator = DataCollatorForLanguageModeling(ref_tokenizer, whole_word_mask=True)
    got = collator._word_ids(encoded["input_ids"], special.astype(bool), encoded["offset_mapping"])
    assert _partition(got) == _partition(want)


def test_whole_words_from_wordpieces_are_the_tokenizers_words(ref_tokenizer, texts):
    encoded = ref_tokenizer(
        texts[:16], truncation=True, max_length=40, padding=True, return_tensors="np"
    )
    ids = encoded["input_ids"]
    special = np.array(
        [
            ref_tokenizer.get_special_tokens_mask(r, already_has_special_tokens=True)
            for r in ids.tolist()
        ],
        dtype=bool,
    )
    collator = DataCollatorForWholeWordMask(ref_tokenizer)
    got = collator._word_ids(ids, special, None)
    # transformers' word_ids() numbers pre-tokenized words; WordPiece splits only inside them.
    want = [
        [None if s else w for w, s in zip(encoded.word_ids(i), special[i])] for i in range(len(ids))
    ]
    assert _partition(got) == _partition(want)


def _word_fraction(batches, words, mask_token_id):
    """Checks that words are masked whole (as [MASK]); returns the fraction of words chosen."""
    chosen_words = total_words = 0
    for batch in batches:
        chosen = np.asarray(batch["labels"]) != -100
        assert (np.asarray(batch["input_ids"])[chosen] == mask_token_id).all()
        for i, row in enumerate(words):
            groups = {}
            for position, word in enumerate(row):
                if word is not None:
                    groups.setdefault(word, []).append(chosen[i, position])
            for flags in groups.values():
                assert all(flags) or not any(flags), "a word was partly masked"
            chosen_words += sum(flags[0] for flags in groups.values())
            total_words += len(groups)
    return chosen_words / total_words


@pytest.mark.parametrize("use_offsets", [False, True])
def test_whole_word_masking_masks_words_together(ref_tokenizer, texts, use_offsets):
    # Offsets of equal length: transformers' collator cannot pad offset_mapping itself.
    encoded = ref_tokenizer(
        texts[:64],
        truncation=True,
        max_length=40,
        padding="max_length" if use_offsets else False,
        return_offsets_mapping=use_offsets,
    )
    inputs = [{k: encoded[k][i] for k in encoded} for i in range(64)]
    width = max(len(ids) for ids in encoded["input_ids"])
    # transformers' pre-tokenized words; with offsets, touching words form one unit and are
    # masked together too, so each word is still chosen with probability mlm_probability.
    words = [(encoded.word_ids(i) + [None] * width)[:width] for i in range(64)]
    options = dict(mask_replace_prob=1.0, random_replace_prob=0.0, return_tensors="np")
    ours = DataCollatorForLanguageModeling(ref_tokenizer, whole_word_mask=True, seed=0, **options)
    fraction = _word_fraction([ours(inputs) for _ in range(6)], words, ref_tokenizer.mask_token_id)
    assert abs(fraction - 0.15) < 0.02
    if use_offsets:  # transformers 5 groups and draws the same way
        theirs = transformers.DataCollatorForLanguageModeling(
            ref_tokenizer, whole_word_mask=True, seed=0, **options
        )
        their_fraction = _word_fraction(
            [theirs(inputs) for _ in range(6)], words, ref_tokenizer.mask_token_id
        )
        assert abs(fraction - their_fraction) < 0.025


def test_whole_word_collator_keeps_v4_replacement_split(ref_tokenizer, features):
    inputs = [{"input_ids": f["input_ids"]} for f in features]
    padded = transformers.DataCollatorWithPadding(ref_tokenizer, return_tensors="np")(inputs)
    collator = DataCollatorForWholeWordMask(ref_tokenizer, return_tensors="np", seed=1)
    got = _stats(_mlm_batches(collator, inputs, 8), [padded["input_ids"]] * 8, ref_tokenizer)
    assert abs(got[1] - 0.8) < 0.04 and abs(got[2] - 0.1) < 0.04


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda tok: DataCollatorWithPadding(tok, return_tensors="pt"), "return_tensors"),
        (lambda tok: DataCollatorForLanguageModeling(tok, mlm_probability=1.5), "mlm_probability"),
        (
            lambda tok: DataCollatorForLanguageModeling(
                tok, mask_replace_prob=0.8, random_replace_prob=0.3
            ),
            "at most 1",
        ),
        (
            lambda tok: DataCollatorForLanguageModeling(tok, mlm=False, whole_word_mask=True),
            "whole_word_mask",
        ),
    ],
)
def test_bad_arguments_are_named(ref_tokenizer, make, message):
    with pytest.raises(ValueError, match=message):
        make(ref_tokenizer)


def test_top_level_names():
    assert tfbert.DataCollatorWithPadding is DataCollatorWithPadding
    assert tfbert.DataCollatorForWholeWordMask is DataCollatorForWholeWordMask
