"""A generated corpus with poison lines, tiny checkpoints, and reading back the job's shards."""

import glob
import json
import os
import pathlib
import random

import numpy as np
import pytest

from tests.tasks.conftest import minilm_folder  # noqa: F401  (the session fixture)

WORDS = (
    "the a cat dog runs sits on mat quickly slowly house river bank money tree green red "
    "Zürich café naïve 東京 emoji 🙂 music plays loud quiet night day sun rain cold warm"
).split()
POISON = (  # (a .jsonl line, the id its dead letter names, what its error says)
    ("{not json", None, "not JSON"),
    ('{"id": "no-text", "title": "x"}', "no-text", "no 'text' field"),
    ('{"id": "lone-surrogate", "text": "\\ud800 x"}', "lone-surrogate", "not valid Unicode"),
    ('{"id": "number", "text": 5}', "number", "must be a string, got int 5"),
)
MULTI_PROCESS = ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]


def sentences(count: int, seed: int = 0) -> list[str]:
    """``count`` short generated sentences (3 to 24 words), the same for the same seed."""
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 24))).capitalize() + "."
        for _ in range(count)
    ]


def write_corpus(folder: pathlib.Path, count: int) -> tuple[dict[str, str], list[dict]]:
    """Writes ``count`` inputs over two .txt and two .jsonl files, plus poison lines.

    Returns:
        ``(id -> text of every good input, the poison lines as {"input": "path:line", "id",
        "error": part of the error})``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    texts = sentences(count)
    good, poison = {}, []
    quarter = count // 4
    for part, name in enumerate(("corpus-0.txt", "corpus-1.txt")):
        path = folder / name
        lines = texts[part * quarter : (part + 1) * quarter]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        good.update({f"{path}:{n}": line for n, line in enumerate(lines, start=1)})
    rest = texts[2 * quarter :]
    for part, name in enumerate(("corpus-2.jsonl", "corpus-3.jsonl")):
        path = folder / name
        lines = []
        for i, text in enumerate(rest[part::2]):
            record_id = f"doc-{part}-{i}"
            lines.append(json.dumps({"id": record_id, "text": text}, ensure_ascii=False))
            good[record_id] = text
            if i % 400 == 7:  # a poison line after some good ones
                kind = POISON[(2 * part + i // 400) % len(POISON)]
                lines.append(kind[0])
                poison.append({"input": f"{path}:{len(lines)}", "id": kind[1], "error": kind[2]})
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    bad_utf8 = folder / "corpus-4.txt"
    bad_utf8.write_bytes(b"good line\n\xff\xfe broken\n")
    good[f"{bad_utf8}:1"] = "good line"
    poison.append({"input": f"{bad_utf8}:2", "id": None, "error": "not valid UTF-8"})
    return good, poison


def read_results(output: pathlib.Path, format: str) -> dict:
    """The result shards' records, ``id -> result``; asserts no id appears twice."""
    records = []
    for path in sorted(glob.glob(str(output / f"results-*.{format}"))):
        if format == "jsonl":
            with open(path, encoding="utf-8") as f:
                records += [json.loads(line) for line in f]
        elif format == "parquet":
            import pyarrow.parquet as pq

            records += pq.read_table(path).to_pylist()
        else:
            records += read_tfrecord(path)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "an input has two results"
    return {r["id"]: r["result"] for r in records}


def read_tfrecord(path: str) -> list[dict]:
    import tensorflow as tf

    records = []
    for raw in tf.data.TFRecordDataset(path):
        example = tf.train.Example.FromString(raw.numpy())
        feature = example.features.feature
        result = feature["result"]
        value = (
            list(result.float_list.value)
            if result.HasField("float_list")
            else json.loads(result.bytes_list.value[0])
        )
        records.append({"id": feature["id"].bytes_list.value[0].decode(), "result": value})
    return records


def read_dead_letters(output: pathlib.Path) -> list[dict]:
    with open(output / "dead-letter-00000-of-00001.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def shard_bytes(output: pathlib.Path) -> dict[str, bytes]:
    return {
        os.path.basename(p): pathlib.Path(p).read_bytes()
        for p in sorted(glob.glob(str(output / "*")))
    }


def assert_same_classification(ours: dict, reference: dict):
    assert ours["label"] == reference["label"]
    np.testing.assert_allclose(ours["score"], reference["score"], atol=1e-5, rtol=0)


@pytest.fixture(scope="session")
def classifier_folder(tiny_classifier):
    """The tiny three-label text classifier's folder (``tests/conftest.py``)."""
    return str(tiny_classifier[1])


@pytest.fixture(scope="session")
def encoder_folder(tmp_path_factory, minilm_folder):  # noqa: F811 (the fixture)
    """A tiny random-weight BERT encoder (sentence-embedding with mean pooling)."""
    from tests.tasks.conftest import make_checkpoint

    folder = tmp_path_factory.mktemp("encoder")
    make_checkpoint("BertModel", folder, minilm_folder)
    return str(folder)


@pytest.fixture(scope="session")
def mlm_folder(tmp_path_factory, minilm_folder):  # noqa: F811 (the fixture)
    from tests.tasks.conftest import make_checkpoint

    folder = tmp_path_factory.mktemp("mlm")
    make_checkpoint("BertForMaskedLM", folder, minilm_folder)
    return str(folder)


@pytest.fixture(scope="session")
def classifier_export(classifier_folder, tmp_path_factory):
    """The tiny classifier exported by ``tfbert export`` (the base folder, holding ``1/``)."""
    from tfbert.export import export_task

    base = tmp_path_factory.mktemp("exports") / "classifier"
    export_task("text-classification", classifier_folder, str(base))
    return str(base)


@pytest.fixture(scope="session")
def encoder_export(encoder_folder, tmp_path_factory):
    from tfbert.export import export_task

    base = tmp_path_factory.mktemp("exports") / "encoder"
    export_task("sentence-embedding", encoder_folder, str(base))
    return str(base)
