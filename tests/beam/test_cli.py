"""``tfbert batch``'s argument errors: one line, before any work."""

import pytest


def test_input_matching_nothing(tmp_path, capsys):
    from tfbert.cli import main

    pattern = str(tmp_path / "nothing-*.{txt,jsonl}")
    argv = ["batch", "--task", "sentence-embedding", "--input", pattern]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"tfbert batch: --input {pattern!r} matches no files"
    )


def test_unknown_task(tmp_path, capsys):
    from tfbert.cli import main

    argv = ["batch", "--task", "translation", "--input", "x", "--output", str(tmp_path)]
    assert main(argv) == 1
    assert capsys.readouterr().err.startswith("tfbert batch: unknown task 'translation'")


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--format", "csv"], "argument --format: invalid choice: 'csv'"),
        (["--num-shards", "0"], "argument --num-shards: '0' is not a positive integer"),
        (["--length-buckets", "64,8"], "argument --length-buckets: '64,8' is not 'default'"),
    ],
)
def test_bad_options(extra, message, capsys):
    from tfbert.cli import main

    with pytest.raises(SystemExit) as exit:
        main(["batch", "--task", "sentence-embedding", "--input", "x", "--output", "y", *extra])
    assert exit.value.code == 2
    assert message in capsys.readouterr().err


def test_other_commands_still_refuse_unknown_options(capsys):
    from tfbert.cli import main

    with pytest.raises(SystemExit):
        main(["run", "--task", "sentence-embedding", "--direct_num_workers=2"])
    assert "unrecognized arguments: --direct_num_workers=2" in capsys.readouterr().err


def test_beam_options_pass_through():
    from tfbert.cli import build_parser

    args, rest = build_parser().parse_known_args(
        ["batch", "--task", "t", "--input", "i", "--output", "o", "--runner", "FlinkRunner"]
        + ["--flink_master=localhost:8081", "--labels", "team=nlp", "--num_workers", "4"]
    )
    assert args.runner == "FlinkRunner" and args.num_shards == 8
    assert rest == ["--flink_master=localhost:8081", "--labels", "team=nlp", "--num_workers", "4"]
