#!/usr/bin/env python
"""Checks a tfbert SavedModel the way TF Serving will see it, importing only TensorFlow and tf-text.

Deliberately no tfbert, no Keras: if the SavedModel needed either, this script fails.

1. Lists every op type in the graph and its function library, and sorts them into TensorFlow
   core ops (registered before tensorflow_text is imported), tf-text ops (registered by importing
   it) and unknown ops (neither: TF Serving would answer ``Op type not registered``).
2. Loads the SavedModel and, given inputs, runs a signature.
3. Checks that nothing of tfbert or Keras is needed: ``tfbert`` cannot be imported here at all,
   loading imports no Keras module beyond those ``tensorflow_text`` itself imports (it builds on
   ``tf.keras``), and the object graph holds only TensorFlow's generic objects (no Keras layers
   to revive, nothing to unpickle).

Prints one JSON object; exits 1 if an op is unknown, an object is not generic or loading imported
a Keras module.

Usage:
    python export/check_saved_model.py OUT/1
    python export/check_saved_model.py OUT/1 --input text="The capital of France is [MASK]."
    python export/check_saved_model.py OUT/1 --signature token_ids --input input_ids=[[101,102]] ...
    python export/check_saved_model.py OUT/1 --inputs-json inputs.json   # {"text": ["a", "b"]}
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.modules["tfbert"] = None  # any import of tfbert fails

import tensorflow as tf  # noqa: E402
from _kit import add_input_arguments, as_list, read_inputs  # noqa: E402  (beside this script)
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402
from tensorflow.python.framework import op_def_registry  # noqa: E402

KERAS = ("keras", "tf_keras")
GENERIC_OBJECTS = {
    "_generic_user_object",
    "trackable_list_wrapper",
    "trackable_dict_wrapper",
    "trackable_tuple_wrapper",
    "signature_map",
}


def read_saved_model(export_dir):
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    return proto


def graph_ops(proto):
    """Every op type in the SavedModel's graphs and function libraries."""
    ops = set()
    for meta_graph in proto.meta_graphs:
        ops.update(node.op for node in meta_graph.graph_def.node)
        for function in meta_graph.graph_def.library.function:
            ops.update(node.op for node in function.node_def)
    return ops


def user_objects(proto):
    """The identifiers of the object graph's user objects (Keras layers would show here)."""
    return {
        node.user_object.identifier
        for meta_graph in proto.meta_graphs
        for node in meta_graph.object_graph_def.nodes
        if node.WhichOneof("kind") == "user_object"
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir", help="a SavedModel folder (OUT/<version>)")
    parser.add_argument("--signature", default="serving_default")
    add_input_arguments(parser)
    args = parser.parse_args(argv)
    if not os.path.isfile(os.path.join(args.export_dir, "saved_model.pb")):
        parser.error(
            f"{args.export_dir} has no saved_model.pb; expected a SavedModel folder (OUT/<version>)"
        )

    proto = read_saved_model(args.export_dir)
    ops = graph_ops(proto)
    core = {op for op in ops if op_def_registry.get(op) is not None}
    import tensorflow_text  # noqa: F401,E402  (registers tf-text's ops, as TF Serving links them)

    text_ops = {op for op in ops - core if op_def_registry.get(op) is not None}
    unknown = ops - core - text_ops
    objects = user_objects(proto)
    report = {
        "ops": sorted(ops),
        "tf_text_ops": sorted(text_ops),
        "unknown_ops": sorted(unknown),
        "user_objects": sorted(objects),
        "non_generic_objects": sorted(objects - GENERIC_OBJECTS),
    }

    before = set(sys.modules)
    loaded = tf.saved_model.load(args.export_dir)
    report["signatures"] = {
        name: {
            "inputs": {
                k: [spec.dtype.name, spec.shape.as_list()]
                for k, spec in fn.structured_input_signature[1].items()
            },
            "outputs": sorted(fn.structured_outputs),
        }
        for name, fn in loaded.signatures.items()
    }
    inputs = read_inputs(args)
    if inputs:
        if args.signature not in loaded.signatures:
            parser.error(
                f"--signature {args.signature!r} is not one of "
                f"{', '.join(sorted(loaded.signatures))}"
            )
        fn = loaded.signatures[args.signature]
        specs = fn.structured_input_signature[1]
        if set(inputs) != set(specs):
            parser.error(
                f"inputs {sorted(inputs)} do not match {args.signature}'s inputs {sorted(specs)}"
            )
        feed = {k: tf.constant(v, dtype=specs[k].dtype) for k, v in inputs.items()}
        report["outputs"] = {k: as_list(v.numpy()) for k, v in fn(**feed).items()}
    report["keras_imported_by_loading"] = sorted(
        m for m in set(sys.modules) - before if m.split(".")[0] in KERAS
    )
    print(json.dumps(report))
    failed = unknown or report["non_generic_objects"] or report["keras_imported_by_loading"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
