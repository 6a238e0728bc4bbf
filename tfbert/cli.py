"""The ``tfbert`` command line.

``tfbert convert SOURCE OUTPUT`` rewrites any checkpoint tfbert reads (``tf_model.h5``,
``pytorch_model.bin``, sharded files, a hub id) as ``config.json`` + ``model.safetensors``, which
transformers v5 loads: the way off a ``tf_model.h5`` that v5 can no longer read.
"""

from __future__ import annotations

import argparse
import sys


def _convert(args) -> int:
    import tfbert
    from tfbert.config import BertConfig

    config = BertConfig.from_pretrained(args.source, local_files_only=args.offline)
    class_name = args.model_class or _class_from_config(config)
    cls = getattr(tfbert, class_name, None)
    if cls is None or not class_name.startswith("TFBert"):
        print(f"tfbert convert: unknown model class {class_name!r}", file=sys.stderr)
        return 2
    model = cls.from_pretrained(args.source, local_files_only=args.offline)
    model.save_pretrained(args.output)
    print(f"wrote {args.output}/config.json and model.safetensors ({class_name}, "
          f"{model.count_params():,} parameters)")
    return 0


def _class_from_config(config) -> str:
    architectures = config.extra.get("architectures") or ["BertModel"]
    name = architectures[0]
    return name if name.startswith("TF") else f"TF{name}"


def build_parser() -> argparse.ArgumentParser:
    from tfbert import __version__

    parser = argparse.ArgumentParser(prog="tfbert", description="BERT for TensorFlow and Keras 3.")
    parser.add_argument("--version", action="version", version=f"tfbert {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser("convert", help="rewrite a checkpoint as config.json + model.safetensors")
    convert.add_argument("source", help="local folder or Hugging Face hub id")
    convert.add_argument("output", help="folder to write")
    convert.add_argument("--model-class", help="e.g. TFBertForMaskedLM (default: the config's architectures)")
    convert.add_argument("--offline", action="store_true", help="use only the local hub cache")
    convert.set_defaults(run=_convert)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tfbert`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError, ImportError) as err:
        print(f"tfbert {args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
