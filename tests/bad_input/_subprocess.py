"""Runs bad-input cases that might take the interpreter down in a child process.

Each case is a Python snippet (``ok(value)`` reports a result); the child runs them all, one
JSON line each, and the rows read them back: a result, or the exception raised again here by
type and message. A crash of the child fails every row that asked for it, with its exit code.
"""

import builtins
import functools
import json
import os
import subprocess
import sys

_PRELUDE = """
import json, sys, traceback
def ok(value):
    print(json.dumps({"case": CASE, "ok": value}), flush=True)
"""


@functools.cache
def run_cases(cases: tuple[tuple[str, str], ...], setup: str) -> dict:
    """``{case id: ("ok", value) | (exception type name, message)}`` from one child process."""
    lines = [_PRELUDE, setup]
    for case, code in cases:
        body = "\n".join("    " + line for line in code.strip().splitlines())
        lines.append(
            f"CASE = {case!r}\ntry:\n{body}\nexcept Exception as error:\n"
            f"    print(json.dumps({{'case': CASE, 'error': [type(error).__name__, "
            f"str(error)]}}), flush=True)\n"
        )
    child = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ),
        check=False,
    )
    found = {}
    for line in child.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            found[item["case"]] = ("ok", item["ok"]) if "ok" in item else tuple(item["error"])
    found["__returncode__"] = (child.returncode, child.stderr[-2000:])
    return found


def outcome(results: dict, case: str):
    """The case's result, or its exception raised again (by builtin type name)."""
    if case not in results:
        code, stderr = results["__returncode__"]
        raise AssertionError(f"case {case} gave no result; the child exited {code}: {stderr}")
    kind, value = results[case]
    if kind == "ok":
        return value
    raise getattr(builtins, kind, RuntimeError)(value)
