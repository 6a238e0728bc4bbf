#!/usr/bin/env python
"""Checks a tfbert ``.tflite`` the way a device sees it, importing only TensorFlow and tf-text
(or ai-edge-litert): which ops it holds, which runtime kernels they need, and a signature's run.

Ops are sorted into TFLite builtins, ``Flex*`` ops (TensorFlow select ops: they need the Flex
delegate, which neither TensorFlow's pip interpreter nor ai-edge-litert links) and other custom
ops (tf-text's, run by the kernels ``tensorflow_text.tflite_registrar`` registers, where it has
one: running a signature tells).

Prints one JSON object; exits 1 if a signature was run and failed.

Usage:
    python export/check_tflite.py model.tflite
    python export/check_tflite.py model.tflite --signature token_ids --inputs-json ids.json
    python export/check_tflite.py model.tflite --runtime litert --input text="I loved it."
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.modules["tfbert"] = None  # any import of tfbert fails

import numpy as np  # noqa: E402
import tensorflow_text  # noqa: E402  (its TFLite kernels: tflite_registrar)
from _kit import add_input_arguments, as_list, read_inputs  # noqa: E402  (beside this script)
from tensorflow.lite.python import schema_py_generated as schema  # noqa: E402


def model_ops(flatbuffer: bytes) -> dict:
    """Op names of a .tflite, sorted by what runs them."""
    model = schema.Model.GetRootAsModel(flatbuffer, 0)
    names = {
        code: name
        for name, code in vars(schema.BuiltinOperator).items()
        if not name.startswith("_")
    }
    found = {"builtin": set(), "flex": set(), "custom": set()}
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
        if builtin != "CUSTOM":
            found["builtin"].add(builtin)
            continue
        custom = code.CustomCode().decode()
        found["flex" if custom.startswith("Flex") else "custom"].add(custom)
    return {kind: sorted(ops) for kind, ops in found.items()}


def _interpreter(path, runtime):
    registerers = tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS
    if runtime == "litert":
        from ai_edge_litert.interpreter import InterpreterWithCustomOps
    else:
        from tensorflow.lite.python.interpreter import InterpreterWithCustomOps
    return InterpreterWithCustomOps(model_path=path, custom_op_registerers=registerers)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a .tflite file")
    parser.add_argument("--signature", default=None, help="default: the first one")
    parser.add_argument("--runtime", choices=("tensorflow", "litert"), default="tensorflow")
    add_input_arguments(parser)
    args = parser.parse_args(argv)

    with open(args.model, "rb") as f:
        report = {"ops": model_ops(f.read()), "size_bytes": os.path.getsize(args.model)}
    interpreter = _interpreter(args.model, args.runtime)
    report["signatures"] = interpreter.get_signature_list()
    inputs = read_inputs(args)
    failed = False
    if inputs:
        signature = args.signature or next(iter(report["signatures"]))
        runner = interpreter.get_signature_runner(signature)
        details = runner.get_input_details()
        feed = {
            k: np.array(
                v,
                dtype=np.bytes_
                if details[k]["dtype"] in (np.bytes_, np.object_)
                else details[k]["dtype"],
            )
            for k, v in inputs.items()
        }
        try:
            outputs = runner(**feed)
            report["outputs"] = {k: as_list(v) for k, v in outputs.items()}
        except RuntimeError as error:
            report["error"] = str(error).splitlines()[0][:500]
            failed = True
    print(json.dumps(report))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
