"""Bad checkpoints and failed saves: errors that name the file and what was expected, and saves
that never leave a half-written folder (the old set survives byte for byte)."""

import json
import os
import subprocess
import sys
import textwrap
from unittest import mock

import numpy as np
import pytest

from tests.bad_input import _kit
from tests.bad_input.table import Row, check, params
from tfbert.checkpoint import CheckpointError

SAFE = "model.safetensors"
INDEX = "model.safetensors.index.json"
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s"]


def load(folder, cls="TFBertForSequenceClassification", **kwargs):
    import tfbert

    return getattr(tfbert, cls).from_pretrained(folder, **kwargs)


def with_file(name, content, base=None):
    """A checkpoint folder whose ``name`` holds ``content`` (bytes, text or a JSON value)."""
    folder = base or _kit.checkpoint()
    path = os.path.join(folder, name)
    if isinstance(content, (dict, list)):
        content = json.dumps(content)
    with open(path, "wb") as f:
        f.write(content.encode() if isinstance(content, str) else content)
    return folder


def truncated_safetensors():
    folder = _kit.checkpoint()
    path = os.path.join(folder, SAFE)
    data = open(path, "rb").read()
    return with_file(SAFE, data[: len(data) // 2], folder)


def inconsistent_safetensors():
    header = json.dumps(
        {"w": {"dtype": "F32", "shape": [100, 100], "data_offsets": [0, 40000]}}
    ).encode()
    return with_file(SAFE, len(header).to_bytes(8, "little") + header + b"\0" * 16)


def weights_folder(state, config=None):
    """A folder with ``state`` as model.safetensors and ``config`` (the tiny BERT's by default)."""
    from safetensors.numpy import save_file

    folder = os.path.join(_kit.fresh_dir(), "checkpoint")
    os.makedirs(folder)
    save_file(state, os.path.join(folder, SAFE))
    config = dict(_kit.config().to_dict()) if config is None else config
    with_file("config.json", config, folder)
    return folder


def non_bert_folder():
    config = {k: v for k, v in _kit.config().to_dict().items() if k != "model_type"}
    rng = np.random.default_rng(0)
    return weights_folder(
        {f"transformer.h.{i}.attn.c_attn.weight": rng.random((4, 4), "f4") for i in range(6)},
        config,
    )


def sharded(index):
    folder = _kit.checkpoint()
    os.rename(os.path.join(folder, SAFE), os.path.join(folder, "model-00001-of-00001.safetensors"))
    return with_file(INDEX, index, folder)


def only(name, content):
    folder = _kit.checkpoint()
    os.remove(os.path.join(folder, SAFE))
    return with_file(name, content, folder)


def wide_embeddings():
    from tfbert.checkpoint import state_dict

    state = state_dict(_kit.model("TFBertForSequenceClassification"))
    state["bert.embeddings.word_embeddings.weight"] = np.zeros((51, 8), np.float32)
    return weights_folder(state)


# -- atomic saves -----------------------------------------------------------------------------


def failed_save(action, folder_of=None):
    """Runs ``action(folder)`` on a saved checkpoint folder; returns what a checker needs."""
    folder = folder_of() if folder_of else _kit.checkpoint()
    before = _kit.snapshot(folder)
    try:
        action(folder)
        error = None
    except Exception as err:  # the checker asserts which one
        error = err
    return {"folder": folder, "error": error, "before": before, "after": _kit.snapshot(folder)}


def old_set_whole(error_type, words, loads="TFBertForSequenceClassification"):
    def checker(result):
        error = result["error"]
        assert isinstance(error, error_type), repr(error)
        assert all(w.lower() in str(error).lower() for w in words), str(error)
        assert result["after"] == result["before"], "the old files changed"
        assert not _kit.leftovers(result["folder"]), _kit.leftovers(result["folder"])
        if loads:
            load(result["folder"], loads)

    return checker


def fresh_model(**config_changes):
    import tfbert

    model = tfbert.TFBertForSequenceClassification(_kit.config())
    model.build()
    for key, value in config_changes.items():
        if hasattr(model.config, key):
            setattr(model.config, key, value)
        else:
            model.config.extra[key] = value
    return model


def failing_weights(folder, **save_args):
    def half_then_fail(state, path, metadata=None):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError("No space left on device")

    with mock.patch("safetensors.numpy.save_file", half_then_fail):
        fresh_model().save_pretrained(folder, **save_args)


def failing_saved_model(folder):
    def fail(*args, **kwargs):
        raise RuntimeError("injected SavedModel failure")

    with mock.patch("tfbert.checkpoint.saved_model.write_saved_model", fail):
        fresh_model().save_pretrained(folder, saved_model=True)


def tokenizer():
    from tfbert import TFBertTokenizer

    return TFBertTokenizer(VOCAB)


def tokenizer_folder():
    folder = os.path.join(_kit.fresh_dir(), "tok")
    tokenizer().save_pretrained(folder)
    return folder


def failing_tokenizer_json(folder):
    import builtins

    from tfbert.tokenizer import files

    calls = []

    def open_then_fail(path, mode="r", *args, **kwargs):
        if "w" in mode:
            calls.append(path)
            if len(calls) == 2:
                raise OSError("injected write failure")
        return builtins.open(path, mode, *args, **kwargs)

    with mock.patch.object(files, "open", open_then_fail, create=True):
        tokenizer().save_pretrained(folder)


def tokenizer_with_numpy_length(folder):
    tok = tokenizer()
    config = tok.get_config()
    config["model_max_length"] = np.int64(128)
    from tfbert.tokenizer.files import save_settings

    save_settings(folder, config)


def tokenizer_loads(result):
    from tfbert import TFBertTokenizer

    TFBertTokenizer.from_pretrained(result["folder"])


def tok_old_set_whole(error_type, words):
    def checker(result):
        old_set_whole(error_type, words, loads=None)(result)
        tokenizer_loads(result)

    return checker


def model_and_tokenizer_share_folder():
    folder = tokenizer_folder()
    fresh_model().save_pretrained(folder)
    return sorted(os.listdir(folder)), folder


def shared_folder_holds_both(result):
    names, folder = result
    assert {"vocab.txt", "tokenizer_config.json", "config.json", SAFE} <= set(names), names
    load(folder)
    tokenizer_loads({"folder": folder})


def new_folder_modes():
    folder = os.path.join(_kit.fresh_dir(), "new")
    fresh_model().save_pretrained(folder)
    return {
        name: oct(os.stat(os.path.join(folder, name)).st_mode & 0o777)
        for name in ("", "config.json")
    }  # safetensors itself writes its files 0600


def plain_modes(modes):
    mask = os.umask(0o022)
    os.umask(mask)
    assert modes == {"": oct(0o777 & ~mask), "config.json": oct(0o666 & ~mask)}, modes


def two_versions():
    folder = os.path.join(_kit.fresh_dir(), "out")
    model = fresh_model()
    model.save_pretrained(folder, saved_model=True, version=1)
    model.save_pretrained(folder, saved_model=True, version=2)
    return sorted(os.listdir(os.path.join(folder, "saved_model")))


def a_file():
    path = os.path.join(_kit.fresh_dir(), "file")
    with open(path, "w") as f:
        f.write("not a folder")
    return path


def config_json_is_folder():
    folder = _kit.checkpoint()
    os.remove(os.path.join(folder, "config.json"))
    os.mkdir(os.path.join(folder, "config.json"))
    return folder


def unsafe_pickle_in_subprocess():
    """A pickle whose payload would create a marker file, loaded in a child interpreter."""
    folder = _kit.checkpoint()
    os.remove(os.path.join(folder, SAFE))
    marker = os.path.join(folder, "PAYLOAD_RAN")
    code = textwrap.dedent(f"""
        import os, sys, torch
        class Payload:
            def __reduce__(self):
                return (os.system, ("touch {marker}",))
        torch.save({{"bert.embeddings.word_embeddings.weight": torch.zeros(50, 8),
                    "evil": Payload()}}, {os.path.join(folder, "pytorch_model.bin")!r})
        import tfbert
        try:
            tfbert.TFBertForSequenceClassification.from_pretrained({folder!r})
        except Exception as err:
            print(type(err).__name__ + ": " + str(err))
            sys.exit(3)
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    return result, marker


def pickle_refused(outcome):
    result, marker = outcome
    assert result.returncode == 3, result.stderr[-2000:]
    assert "CheckpointError" in result.stdout and "pytorch_model.bin" in result.stdout
    assert "refused" in result.stdout and "posix.system" in result.stdout
    assert not os.path.exists(marker), "the pickle's payload ran"


NOT_SAFE = (CheckpointError, [SAFE, "not a readable safetensors", "expected"])

ROWS = [
    # -- weight files ------------------------------------------------------------------------
    Row("safetensors-truncated", lambda: load(truncated_safetensors()), NOT_SAFE),
    Row("safetensors-random-bytes", lambda: load(with_file(SAFE, os.urandom(4096))), NOT_SAFE),
    Row("safetensors-empty", lambda: load(with_file(SAFE, b"")), NOT_SAFE),
    Row("safetensors-offsets-past-end", lambda: load(inconsistent_safetensors()), NOT_SAFE),
    Row(
        "safetensors-header-not-json",
        lambda: load(with_file(SAFE, (20).to_bytes(8, "little") + b"{not json at all!!!!")),
        NOT_SAFE,
    ),
    Row(
        "safetensors-is-a-folder",
        lambda: load(config_json_is_folder()),
        (FileNotFoundError, ["config.json"]),
    ),
    Row(
        "weight-of-wrong-shape",
        lambda: load(wide_embeddings()),
        (
            ValueError,
            [
                "bert.embeddings.word_embeddings.weight",
                "(51, 8)",
                "(50, 8)",
                "ignore_mismatched_sizes",
            ],
        ),
    ),
    Row(
        "num-labels-mismatch-on-load",
        lambda: load(_kit.checkpoint(), num_labels=3),
        (ValueError, ["classifier", "(2, 8)", "(3, 8)", "ignore_mismatched_sizes"]),
    ),
    Row(
        "num-labels-mismatch-ignored",
        lambda: (
            load(_kit.checkpoint(), num_labels=3, ignore_mismatched_sizes=True).config.num_labels
        ),
        ("ok", lambda n: n == 3 or pytest.fail(str(n))),
    ),
    Row(
        "no-bert-weights-without-model-type",
        lambda: load(non_bert_folder()),
        (
            ValueError,
            [
                SAFE,
                "no bert weights",
                "transformer.h.0.attn.c_attn.weight",
                "bert.embeddings.word_embeddings.weight",
            ],
        ),
    ),
    Row(
        "no-weights-at-all",
        lambda: load(only("README.md", "hello")),
        (FileNotFoundError, ["no weights", SAFE, "tf_model.h5"]),
    ),
    Row(
        "tf-h5-random-bytes",
        lambda: load(only("tf_model.h5", os.urandom(2048))),
        (ValueError, ["tf_model.h5", "HDF5"]),
    ),
    Row(
        "pytorch-bin-random-bytes",
        lambda: load(only("pytorch_model.bin", os.urandom(2048))),
        (CheckpointError, ["pytorch_model.bin", "not a readable PyTorch state_dict"]),
    ),
    Row("pytorch-bin-unsafe-pickle-refused", unsafe_pickle_in_subprocess, ("ok", pickle_refused)),
    # -- shard indexes -------------------------------------------------------------------------
    Row(
        "index-without-weight-map",
        lambda: load(sharded({"metadata": {}})),
        (CheckpointError, [INDEX, "weight_map", "metadata"]),
    ),
    Row(
        "index-not-json",
        lambda: load(sharded("{weight_map: ")),
        (CheckpointError, [INDEX, "not valid JSON"]),
    ),
    Row(
        "index-weight-map-a-list",
        lambda: load(sharded({"weight_map": ["a"]})),
        (CheckpointError, [INDEX, "weight_map"]),
    ),
    Row(
        "index-names-missing-shard",
        lambda: load(sharded({"weight_map": {"bert.pooler.dense.weight": "model-2.safetensors"}})),
        (FileNotFoundError, ["model-2.safetensors"]),
    ),
    Row(
        "index-names-file-outside-folder",
        lambda: load(sharded({"weight_map": {"w": "../../etc/passwd"}})),
        (CheckpointError, [INDEX, "outside its folder"]),
    ),
    # -- config.json ---------------------------------------------------------------------------
    Row(
        "config-not-json",
        lambda: load(with_file("config.json", '{"hidden_size": 8,')),
        (ValueError, ["config.json", "not valid JSON"]),
    ),
    Row(
        "config-not-utf8",
        lambda: load(with_file("config.json", b"\xff\xfe{}")),
        (ValueError, ["config.json", "not valid JSON"]),
    ),
    Row(
        "config-a-list",
        lambda: load(with_file("config.json", [1, 2])),
        (ValueError, ["config.json", "JSON list", "object"]),
    ),
    Row(
        "config-other-model-type",
        lambda: load(with_file("config.json", {**_kit.config().to_dict(), "model_type": "gpt2"})),
        (ValueError, ["config.json", "model_type", "gpt2"]),
    ),
    Row(
        "config-bad-field-type",
        lambda: load(with_file("config.json", {**_kit.config().to_dict(), "hidden_size": "big"})),
        (ValueError, ["config.json", "hidden_size", "big"]),
    ),
    Row(
        "config-heads-do-not-divide",
        lambda: load(
            with_file("config.json", {**_kit.config().to_dict(), "num_attention_heads": 3})
        ),
        (ValueError, ["config.json", "num_attention_heads"]),
    ),
    Row(
        "config-missing",
        lambda: load(_kit.checkpoint() and only_config_removed()),
        (FileNotFoundError, ["config.json"]),
    ),
    Row(
        "path-is-a-file-not-json", lambda: load(a_file()), (ValueError, ["file", "not valid JSON"])
    ),
    Row(
        "path-is-the-config-file",
        lambda: load(os.path.join(_kit.checkpoint(), "config.json")),
        (FileNotFoundError, ["config.json", "neither a local folder"]),
    ),
    Row(
        "classifier-dropout-nan",
        lambda: fresh_model(classifier_dropout=float("nan")).save_pretrained(_kit.fresh_dir()),
        (ValueError, ["classifier_dropout", "nan"]),
    ),
    Row(
        "path-missing",
        lambda: load(os.path.join(_kit.fresh_dir(), "nothing")),
        (FileNotFoundError, ["nothing"]),
    ),
    # -- atomic saves ----------------------------------------------------------------------------
    Row(
        "save-weights-writer-fails-midway",
        lambda: failed_save(failing_weights),
        ("ok", old_set_whole(OSError, ["No space left"])),
    ),
    Row(
        "save-h5-writer-fails-midway",
        lambda: failed_save(lambda f: _fail_h5(f)),
        ("ok", old_set_whole(OSError, ["injected h5 failure"])),
    ),
    Row(
        "save-saved-model-fails",
        lambda: failed_save(failing_saved_model),
        ("ok", old_set_whole(RuntimeError, ["injected SavedModel failure"])),
    ),
    Row(
        "save-numpy-int-in-config",
        lambda: failed_save(lambda f: fresh_model(my_threshold=np.int64(3)).save_pretrained(f)),
        ("ok", old_set_whole(TypeError, ["config.json", "my_threshold", "numpy.int64"])),
    ),
    Row(
        "save-nan-in-config",
        lambda: failed_save(lambda f: fresh_model(temperature=float("nan")).save_pretrained(f)),
        ("ok", old_set_whole(TypeError, ["config.json", "temperature", "nan"])),
    ),
    Row(
        "save-object-in-config",
        lambda: failed_save(lambda f: fresh_model(callback=object()).save_pretrained(f)),
        ("ok", old_set_whole(TypeError, ["config.json", "callback", "object"])),
    ),
    Row(
        "save-config-json-is-a-folder",
        lambda: failed_save(
            lambda f: fresh_model().save_pretrained(f), folder_of=config_json_is_folder
        ),
        ("ok", old_set_whole(IsADirectoryError, ["config.json", "is a folder"], loads=None)),
    ),
    Row(
        "save-into-a-file",
        lambda: fresh_model().save_pretrained(a_file()),
        (NotADirectoryError, ["is a file"]),
    ),
    Row(
        "save-under-a-file",
        lambda: fresh_model().save_pretrained(os.path.join(a_file(), "out")),
        (NotADirectoryError, ["is a file"]),
    ),
    Row(
        "save-unwritable-target",
        lambda: fresh_model().save_pretrained("/proc/tfbert-out"),
        (OSError, ["/proc"]),
    ),
    Row(
        "save-model-and-tokenizer-share-folder",
        model_and_tokenizer_share_folder,
        ("ok", shared_folder_holds_both),
    ),
    Row("save-new-folder-gets-plain-modes", new_folder_modes, ("ok", plain_modes)),
    Row(
        "save-second-saved-model-version-keeps-first",
        two_versions,
        ("ok", lambda names: names == ["1", "2"] or pytest.fail(str(names))),
    ),
    Row(
        "tokenizer-save-fails-midway",
        lambda: failed_save(failing_tokenizer_json, folder_of=tokenizer_folder),
        ("ok", tok_old_set_whole(OSError, ["injected write failure"])),
    ),
    Row(
        "tokenizer-numpy-value-refused",
        lambda: failed_save(tokenizer_with_numpy_length, folder_of=tokenizer_folder),
        ("ok", tok_old_set_whole(TypeError, ["tokenizer_config.json", "model_max_length"])),
    ),
]


def only_config_removed():
    folder = _kit.checkpoint()
    os.remove(os.path.join(folder, "config.json"))
    return folder


def _fail_h5(folder):
    def fail(weights, path, name):
        with open(path, "wb") as f:
            f.write(b"half")
        raise OSError("injected h5 failure")

    with mock.patch("tfbert.checkpoint.tf_h5.write_tf_h5", fail):
        fresh_model().save_pretrained(folder, safe_serialization=False)


@pytest.mark.parametrize("row", params(ROWS))
@pytest.mark.slow
def test_checkpoint_bad_input(row):
    check(row)


def test_rows_are_unique():
    assert len({row.id for row in ROWS}) == len(ROWS)
