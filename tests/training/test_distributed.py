"""tf.distribute: the model builds and trains under MirroredStrategy (two logical CPU devices) and
MultiWorkerMirroredStrategy (two local worker processes); per-step losses and final weights equal
the single-device run's (same global batch, same initial weights, dropout 0).

Each run is a process of its own (``tests/training/_train_script.py``): logical devices and
TF_CONFIG are fixed when TensorFlow starts.
"""

import json

import numpy as np
import pytest

from tests.training._processes import (
    finish,
    free_ports,
    start,
    step_losses,
    weights,
    write_initial_weights,
)

pytestmark = pytest.mark.slow  # tf.distribute strategies and child processes


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("distributed")
    write_initial_weights(out, seed=0)
    # two at a time: the machine has two cores
    finish([start("single", out), start("mirrored", out)])
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    finish(
        [
            start(
                "multiworker",
                out,
                env={
                    "TF_CONFIG": json.dumps(
                        {"cluster": cluster, "task": {"type": "worker", "index": i}}
                    )
                },
            )
            for i in range(2)
        ]
    )
    return out


def test_single_device_run_learns(runs):
    losses, steps = step_losses(runs, "single")
    assert [it for _, _, it in steps] == list(range(12))
    assert losses[-4:].mean() < losses[:4].mean() - 0.02, losses
    with np.load(runs / "initial.npz") as initial:
        moved = [np.abs(w - initial[f"w{i}"]).max() for i, w in enumerate(weights(runs, "single"))]
    # every variable trained (so equal weights below mean equal training) but the attention key
    # biases of the 2 layers, whose gradient is 0: softmax ignores a shift common to all keys
    assert sum(m > 1e-3 for m in moved) == len(moved) - 2, moved


@pytest.mark.parametrize("name", ["mirrored", "multiworker0", "multiworker1"])
def test_distributed_steps_equal_single_device(runs, name):
    expected, expected_steps = step_losses(runs, "single")
    losses, steps = step_losses(runs, name)
    assert steps == expected_steps  # same epochs, batches and optimiser updates
    np.testing.assert_allclose(losses, expected, atol=2e-5, rtol=0)
    for got, want in zip(weights(runs, name), weights(runs, "single")):
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=0)


def test_weight_decay_exclusions_hold_under_mirrored_strategy(runs):
    decayed = json.loads((runs / "mirrored_decay.json").read_text())
    assert 0 < sum(decayed.values()) < len(decayed), decayed
    for name, was_decayed in decayed.items():
        assert was_decayed == (not name.endswith(("bias", "gamma", "beta"))), name


def test_own_loss_under_mirrored_strategy_matches_single_device(runs):
    out = runs / "own"
    out.mkdir()
    (out / "initial.npz").write_bytes((runs / "initial.npz").read_bytes())
    finish([start("mirrored", out, "--own-loss")])
    # labels in the input dict and compile(optimizer) only: the same loss as the Keras-style run
    np.testing.assert_allclose(
        step_losses(out, "mirrored")[0], step_losses(runs, "single")[0], atol=2e-5, rtol=0
    )
