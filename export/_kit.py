"""What the kit's check scripts share: command-line inputs in, JSON-ready outputs out.

Imports nothing of tfbert (the scripts run where tfbert is not installed).
"""

import json


def add_input_arguments(parser):
    """``--input NAME=VALUE`` (repeatable) and ``--inputs-json FILE``."""
    parser.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a string (one-item batch) or a JSON list",
    )
    parser.add_argument("--inputs-json", help="a JSON file {name: list}")


def read_inputs(args) -> dict:
    """The inputs named on the command line: ``{name: list}``."""
    inputs = {}
    if args.inputs_json:
        with open(args.inputs_json, encoding="utf-8") as f:
            inputs.update(json.load(f))
    for item in args.input:
        name, _, value = item.partition("=")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = None
        inputs[name] = parsed if isinstance(parsed, list) else [value]
    return inputs


def as_list(value):
    """An output array as JSON-ready nested lists, bytes decoded as UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "tolist"):
        return as_list(value.tolist())
    if isinstance(value, list):
        return [as_list(v) for v in value]
    return value
