"""Training features from raw text equal what transformers' tokenizer and its example scripts
make; a tiny model fine-tuned from raw strings learns a keyword task in both training styles."""

import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tfbert.training import data


@pytest.fixture(scope="module")
def tokenizers():
    import transformers

    from tfbert.tasks import default_model_path

    folder = default_model_path()
    return tfbert.TFBertTokenizer.from_pretrained(
        folder
    ), transformers.BertTokenizerFast.from_pretrained(folder)


def test_classification_pairs(tokenizers):
    ours, theirs = tokenizers
    first, second = ["A film.", "Another, longer film about cats!"], ["Good.", "Bad, really bad."]
    features = data.classification_features(
        ours, tf.constant(first), tf.constant([1, 0]), tf.constant(second)
    )
    expected = theirs(first, second, padding=True)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert features[key].numpy().tolist() == expected[key]
    assert features["labels"].numpy().tolist() == [1, 0]


@pytest.mark.parametrize("label_all_pieces", [False, True])
def test_token_classification_labels_follow_words(tokenizers, label_all_pieces):
    ours, theirs = tokenizers
    words = [
        ["Johanson", "visited", "Zürich", "in", "U.S.A", "yesterday"],
        ["Hi", "Photosynthesis"],
    ]
    labels = [[1, 0, 3, 0, 3, 0], [0, 5]]
    features = data.token_classification_features(
        ours,
        tf.ragged.constant(words),
        tf.ragged.constant(labels),
        label_all_pieces=label_all_pieces,
    )
    encoded = theirs(words, is_split_into_words=True, padding=True)
    for row, word_labels in enumerate(labels):
        expected, previous = [], None
        for word in encoded.word_ids(row):
            if word is None:
                expected.append(-100)
            elif word != previous or label_all_pieces:
                expected.append(word_labels[word])
            else:
                expected.append(-100)
            previous = word
        assert features["labels"][row].numpy().tolist() == expected
        assert features["input_ids"][row].numpy().tolist() == encoded["input_ids"][row]


def test_token_classification_needs_a_label_per_word(tokenizers):
    ours, _ = tokenizers
    with pytest.raises(tf.errors.InvalidArgumentError, match="one label per word"):
        data.token_classification_features(
            ours, tf.ragged.constant([["a", "b"]]), tf.ragged.constant([[1]])
        )


def _reference_qa(theirs, question, context, start_char, answer, max_length, stride):
    """transformers' run_qa.py training preprocessing, on BertTokenizerFast."""
    encoded = theirs(
        [question],
        [context],
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="max_length",
    )
    end_char = start_char + len(answer)
    starts, ends = [], []
    for i, offsets in enumerate(encoded["offset_mapping"]):
        sequence_ids = encoded.sequence_ids(i)
        first = sequence_ids.index(1)
        last = len(sequence_ids) - 1 - sequence_ids[::-1].index(1)
        if not (offsets[first][0] <= start_char and offsets[last][1] >= end_char):
            starts.append(0)
            ends.append(0)
            continue
        index = first
        while index <= last and offsets[index][0] <= start_char:
            index += 1
        starts.append(index - 1)
        index = last
        while index >= first and offsets[index][1] >= end_char:
            index -= 1
        ends.append(index + 1)
    return encoded, starts, ends


def test_question_answering_windows_and_positions(tokenizers):
    ours, theirs = tokenizers
    context = (
        " ".join(f"Sentence {i} talks about topic {i}." for i in range(40))
        + " The treasure is buried under the old oak tree. "
        + " ".join(f"Filler {i} says nothing." for i in range(30))
    )
    answer = "under the old oak tree"
    start_char = context.index(answer)
    features = data.question_answering_features(
        ours,
        tf.constant(["Where is the treasure?"]),
        tf.constant([context]),
        tf.constant([start_char]),
        tf.constant([answer]),
        max_length=64,
        stride=16,
    )
    encoded, starts, ends = _reference_qa(
        theirs, "Where is the treasure?", context, start_char, answer, 64, 16
    )
    assert len(starts) > 3 and any(starts)  # several windows, the answer inside some
    assert features["start_positions"].numpy().tolist() == starts
    assert features["end_positions"].numpy().tolist() == ends
    ids = features["input_ids"].numpy()
    for row, start, end in zip(ids, starts, ends):
        if start:
            assert theirs.decode(row[start : end + 1]) == answer


def test_multiple_choice_shape(tokenizers):
    ours, theirs = tokenizers
    features = data.multiple_choice_features(
        ours,
        tf.constant(["Pick one:", "Choose"]),
        tf.constant([["a cat", "a dog"], ["red", "blue"]]),
        tf.constant([1, 0]),
    )
    assert features["input_ids"].shape[:2] == (2, 2)
    expected = theirs("Pick one:", "a dog")["input_ids"]
    assert features["input_ids"][0, 1].numpy().tolist()[: len(expected)] == expected


def _keyword_task(n, seed):
    """Sentences of filler words; the label is whether 'excellent' (1) or 'terrible' (0) is in
    it."""
    rng = np.random.default_rng(seed)
    filler = (
        "the movie plot actor scene music story was and very quite with of a long short "
        "camera light day night city house road"
    ).split()
    texts, labels = [], []
    for _ in range(n):
        words = list(rng.choice(filler, size=int(rng.integers(4, 9))))
        label = int(rng.integers(0, 2))
        words.insert(int(rng.integers(0, len(words) + 1)), "excellent" if label else "terrible")
        texts.append(" ".join(words))
        labels.append(label)
    return texts, np.array(labels)


TINY = dict(
    vocab_size=30522,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    max_position_embeddings=64,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
)


@pytest.mark.slow
def test_fine_tune_from_raw_strings_transformers_style(tokenizers):
    import keras

    ours, _ = tokenizers
    keras.utils.set_random_seed(0)
    texts, labels = _keyword_task(640, seed=1)
    train = tf.data.Dataset.from_tensor_slices((texts, labels)).shuffle(640, seed=0).batch(32)
    train = train.map(lambda t, y: data.classification_features(ours, t, y, max_length=32))
    model = tfbert.TFBertForSequenceClassification(tfbert.BertConfig(**TINY))
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(train, epochs=4, verbose=0)
    test_texts, test_labels = _keyword_task(200, seed=2)
    logits = model(ours(test_texts, max_length=32)).logits
    accuracy = float(np.mean(np.argmax(logits, -1) == test_labels))
    assert accuracy >= 0.9, accuracy


@pytest.mark.slow
def test_fine_tune_from_raw_strings_keras_style(tokenizers):
    import keras

    ours, _ = tokenizers
    keras.utils.set_random_seed(0)
    text = keras.Input(shape=(), dtype="string", name="text")
    encoded = ours(text, max_length=32, padding="max_length")
    logits = tfbert.TFBertForSequenceClassification(tfbert.BertConfig(**TINY))(
        {k: encoded[k] for k in ("input_ids", "attention_mask", "token_type_ids")}
    ).logits
    model = keras.Model(text, logits)
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    texts, labels = _keyword_task(640, seed=1)
    train = tf.data.Dataset.from_tensor_slices((texts, labels)).shuffle(640, seed=0).batch(32)
    model.fit(train, epochs=4, verbose=0)
    test = tf.data.Dataset.from_tensor_slices(_keyword_task(200, seed=2)).batch(50)
    _, accuracy = model.evaluate(test, verbose=0)
    assert accuracy >= 0.9, accuracy
