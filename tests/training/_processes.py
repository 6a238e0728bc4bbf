"""Helpers of the tests that train in processes of their own (``_train_script.py``)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 150


def start(mode, out, *args, env=None):
    """Starts ``_train_script.py MODE OUT ARGS`` with extra environment ``env``."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.training._train_script", mode, str(out), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(processes):
    """Waits (``TIMEOUT`` s at most, then kills) for the processes; each must exit with 0."""
    try:
        outputs = [p.communicate(timeout=TIMEOUT)[0] for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, output in zip(processes, outputs):
        assert p.returncode == 0, output[-3000:]


def free_ports(n):
    """``n`` TCP ports on 127.0.0.1 that were free a moment ago."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def step_losses(out, name):
    """Per-step losses from Keras' running means within each epoch."""
    steps = json.loads((out / f"{name}.json").read_text())["steps"]
    losses = []
    for _epoch, batch, mean, _ in steps:
        previous = steps[len(losses) - 1][2] if batch else 0.0
        losses.append((batch + 1) * mean - batch * previous)
    return np.array(losses), [(e, b, it) for e, b, _, it in steps]


def weights(out, name):
    with np.load(out / f"{name}.npz") as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


def write_initial_weights(out, seed):
    """Writes ``out/initial.npz``: the weights every training process of a test starts from."""
    import keras

    import tfbert
    from tests.training._train_script import config

    keras.utils.set_random_seed(seed)
    model = tfbert.TFBertForSequenceClassification(config())
    model.build()
    np.savez(out / "initial.npz", **{f"w{i}": w for i, w in enumerate(model.get_weights())})
