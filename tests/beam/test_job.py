"""The batch job: one result per input equal to tfbert.pipeline's, in every format, on two
worker processes; poison inputs in the dead-letter file; reruns write the same bytes."""

import pytest

from tests.beam.conftest import (
    MULTI_PROCESS,
    assert_same_classification,
    read_dead_letters,
    read_results,
    shard_bytes,
    write_corpus,
)

pytestmark = pytest.mark.slow  # Beam jobs


def assert_dead_letters(output, poison):
    letters = read_dead_letters(output)
    assert [(d["input"], d["id"]) for d in letters] == [(p["input"], p["id"]) for p in poison]
    for letter, expected in zip(letters, poison):
        assert expected["error"] in letter["error"]


def assert_classifications(results: dict, good: dict, folder: str, precision: str = "float32"):
    import tfbert

    assert set(results) == set(good)  # exactly one result per good input
    ids = sorted(good)
    classify = tfbert.pipeline("text-classification", model=folder, precision=precision)
    expected = classify([good[i] for i in ids])
    for record_id, reference in zip(ids, expected):
        assert_same_classification(results[record_id], reference)


def assert_embeddings(results: dict, good: dict, folder: str | None):
    import numpy as np

    import tfbert

    assert set(results) == set(good)
    ids = sorted(good)
    expected = tfbert.pipeline("sentence-embedding", model=folder)([good[i] for i in ids])
    vectors = np.array([results[i] for i in ids], np.float32)
    np.testing.assert_allclose(vectors, expected, atol=2e-5, rtol=0)


def test_cli_job_in_process_tfrecord(tmp_path, classifier_folder, capsys):
    from tfbert.cli import main

    good, poison = write_corpus(tmp_path / "in", 200)
    output = tmp_path / "out"
    argv = ["batch", "--task", "text-classification", "--model", classifier_folder]
    argv += ["--input", str(tmp_path / "in" / "corpus-*.{txt,jsonl}"), "--output", str(output)]
    argv += ["--format", "tfrecord", "--num-shards", "3", "--batch-size", "16"]
    assert main(argv) == 1  # some inputs went to the dead-letter file
    assert capsys.readouterr().out.strip() == (
        f"wrote {len(good)} results, {len(poison)} in the dead-letter file to {output}"
    )
    assert sorted(shard_bytes(output)) == [
        "dead-letter-00000-of-00001.jsonl",
        *(f"results-0000{i}-of-00003.tfrecord" for i in range(3)),
    ]
    assert_classifications(read_results(output, "tfrecord"), good, classifier_folder)
    assert_dead_letters(output, poison)


def test_cli_job_int8_gives_the_int8_pipelines_results(tmp_path, classifier_folder):
    from tfbert.cli import main

    good, poison = write_corpus(tmp_path / "in", 120)
    output = tmp_path / "out"
    argv = ["batch", "--task", "text-classification", "--model", classifier_folder]
    argv += ["--input", str(tmp_path / "in" / "corpus-*.{txt,jsonl}"), "--output", str(output)]
    argv += ["--precision", "int8", "--num-shards", "2"]
    assert main(argv) == 1  # the poison inputs
    assert_classifications(read_results(output, "jsonl"), good, classifier_folder, "int8")
    assert_dead_letters(output, poison)


def test_two_workers_jsonl_and_identical_rerun(tmp_path, classifier_folder):
    from tfbert.beam import run_batch_job

    good, poison = write_corpus(tmp_path / "in", 3000)
    pattern = str(tmp_path / "in" / "corpus-*.{txt,jsonl}")
    first = tmp_path / "first"
    summary = run_batch_job(
        "text-classification",
        classifier_folder,
        pattern,
        str(first),
        num_shards=4,
        pipeline_args=MULTI_PROCESS,
    )
    assert (summary.results, summary.failures) == (len(good), len(poison))
    assert_classifications(read_results(first, "jsonl"), good, classifier_folder)
    assert_dead_letters(first, poison)
    # a rerun, here in one process, writes the same files byte for byte
    second = tmp_path / "second"
    run_batch_job("text-classification", classifier_folder, pattern, str(second), num_shards=4)
    assert shard_bytes(second) == shard_bytes(first)


def test_two_workers_parquet_embeddings(tmp_path, minilm_folder):
    from tfbert.beam import run_batch_job

    good, poison = write_corpus(tmp_path / "in", 1000)
    output = tmp_path / "out"
    run_batch_job(
        "sentence-embedding",
        None,  # the real all-MiniLM-L6-v2
        str(tmp_path / "in" / "corpus-*"),
        str(output),
        format="parquet",
        num_shards=3,
        pipeline_args=MULTI_PROCESS,
    )
    assert_embeddings(read_results(output, "parquet"), good, None)
    assert_dead_letters(output, poison)


def test_two_workers_saved_model_tfrecord(tmp_path, encoder_folder, encoder_export):
    from tfbert.beam import run_batch_job

    good, poison = write_corpus(tmp_path / "in", 1000)
    output = tmp_path / "out"
    run_batch_job(
        "sentence-embedding",
        encoder_export,
        str(tmp_path / "in" / "corpus-*.{txt,jsonl}"),
        str(output),
        format="tfrecord",
        num_shards=2,
        threads=1,
        pipeline_args=MULTI_PROCESS,
    )
    assert_embeddings(read_results(output, "tfrecord"), good, encoder_folder)
    assert_dead_letters(output, poison)


def test_jsonl_job_in_process_question_answering(tmp_path):
    """Tasks of several inputs read them from the .jsonl fields."""
    # (question-answering needs a QA checkpoint; the input plumbing is what is tested here)
    from tfbert.beam.job import ReadInputs

    path = tmp_path / "qa.jsonl"
    path.write_text(
        '{"id": 1, "question": "Who?", "context": "Ann did."}\n\n{"id": 2, "question": "Who?"}\n'
    )
    read = list(ReadInputs(("question", "context"), None).process(str(path)))
    assert read[0] == ((("1", str(path), 1)), {"question": "Who?", "context": "Ann did."})
    assert read[1].tag == "dead" and read[1].value["input"] == f"{path}:3"
    assert "no 'context' field" in read[1].value["error"]


def test_an_input_the_task_refuses_goes_to_the_dead_letters(tmp_path, mlm_folder):
    import tfbert
    from tfbert.beam import run_batch_job

    source = tmp_path / "masks.txt"
    lines = ["The [MASK] sits.", "no mask here", "A [MASK] runs.", "Go [MASK] now."]
    source.write_text("".join(line + "\n" for line in lines))
    output = tmp_path / "out"
    summary = run_batch_job("fill-mask", mlm_folder, str(source), str(output), num_shards=2)
    assert (summary.results, summary.failures) == (3, 1)
    [letter] = read_dead_letters(output)
    assert letter["input"] == letter["id"] == f"{source}:2"
    assert "no [MASK] token" in letter["error"]
    fill = tfbert.pipeline("fill-mask", model=mlm_folder)
    results = read_results(output, "jsonl")
    for number, line in enumerate(lines, start=1):
        if number != 2:
            expected = [r["token_str"] for r in fill(line)]
            assert [r["token_str"] for r in results[f"{source}:{number}"]] == expected
