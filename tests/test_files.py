"""tfbert.files: the one hub resolver, as models, configs and tokenizers meet it."""

import pytest

import tfbert
from tfbert.files import resolve_file

LOADERS = {
    "BertConfig": tfbert.BertConfig.from_pretrained,
    "TFBertModel": tfbert.TFBertModel.from_pretrained,
    "TFAutoModel": tfbert.TFAutoModel.from_pretrained,
    "AutoTokenizer": tfbert.AutoTokenizer.from_pretrained,
    "TFBertTokenizer": tfbert.TFBertTokenizer.from_pretrained,
    "BertTokenizerFast": tfbert.BertTokenizerFast.from_pretrained,
    "BertTokenizer": tfbert.BertTokenizer.from_pretrained,
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize("bad", ["not a hub id!", "org/name/extra", "/nowhere/at/all"])
def test_a_bad_hub_id_is_the_same_clear_error_for_models_and_tokenizers(loader, bad):
    # Before, the tokenizers let huggingface_hub's HFValidationError through.
    with pytest.raises(FileNotFoundError) as caught:
        LOADERS[loader](bad)
    message = str(caught.value)
    assert message.startswith(f"{bad!r} is not a folder holding "), message
    assert "it is neither a local folder nor a valid Hugging Face hub id" in message


@pytest.mark.parametrize("loader", ["AutoTokenizer", "TFBertTokenizer", "BertTokenizerFast"])
def test_a_relative_file_is_refused_not_looked_up_on_the_hub(loader, tmp_path, monkeypatch):
    # "vocab.txt" is also a valid hub id: being a file here, it is refused before any lookup.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(FileNotFoundError, match="^'vocab.txt' is not a folder holding "):
        LOADERS[loader]("vocab.txt")


def test_subfolder_of_a_local_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "vocab.txt").write_text("[PAD]\n")
    assert resolve_file(tmp_path, "vocab.txt", subfolder="sub") == str(
        tmp_path / "sub" / "vocab.txt"
    )
    assert resolve_file(tmp_path, "vocab.txt", required=False) is None
    with pytest.raises(FileNotFoundError, match="vocab.txt not found in folder"):
        resolve_file(tmp_path, "vocab.txt")


def test_the_checkpoint_names_are_the_same_objects():
    from tfbert.checkpoint import files

    assert files.resolve_file is resolve_file
    assert files.atomic_dir is tfbert.files.atomic_dir


def test_the_bottom_floor_imports_nothing_above_it():
    import subprocess
    import sys

    # tfbert/__init__ imports _backend (the Keras backend choice) first, whatever is imported.
    code = (
        "import sys, tempfile, tfbert.config, tfbert.files\n"
        "tfbert.config.BertConfig().save_pretrained(tempfile.mkdtemp())\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.startswith('tfbert.') and m != 'tfbert._backend'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[-2] == "['tfbert.config', 'tfbert.files']"


def test_a_tokenizer_in_a_subfolder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n")
    tokenizer = tfbert.BertTokenizerFast.from_pretrained(str(tmp_path), subfolder="sub")
    assert tokenizer("hello")["input_ids"] == [2, 5, 3]
