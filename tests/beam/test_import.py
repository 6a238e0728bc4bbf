"""tfbert without Beam: ``import tfbert`` never imports it; ``tfbert.beam`` says how to get it."""

import os
import subprocess
import sys

BLOCK_BEAM = """
import importlib.abc, sys
class NoBeam(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "apache_beam" or name.startswith("apache_beam."):
            raise ImportError("No module named 'apache_beam'")
sys.meta_path.insert(0, NoBeam())
"""


def python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


def test_import_tfbert_does_not_import_beam():
    done = python(
        "import sys, tfbert, tfbert.cli\n"
        "tfbert.cli.build_parser()\n"
        "tfbert.TFBertModel\n"
        "assert 'apache_beam' not in sys.modules, 'apache_beam imported'\n"
        "print('ok')"
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_without_beam_installed():
    done = python(
        BLOCK_BEAM + "import tfbert\n"
        "try:\n"
        "    import tfbert.beam\n"
        "except ImportError as err:\n"
        "    print('refused:', err)\n"
    )
    assert "refused: tfbert.beam needs Apache Beam" in done.stdout, done.stderr[-2000:]
    assert "pip install 'tfbert[beam]'" in done.stdout
