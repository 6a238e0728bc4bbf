"""Interrupted training loses nothing: a training process killed mid-epoch (``os._exit``, no
cleanup) and started again resumes from its last ``BackupAndRestore`` backup at the right epoch,
step and optimiser state, and ends with the weights of an uninterrupted run."""

import json

import numpy as np
import pytest

from tests.training._processes import (
    TIMEOUT,
    finish,
    start,
    step_losses,
    weights,
    write_initial_weights,
)

pytestmark = pytest.mark.slow  # training runs killed and restarted in child processes


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("backup")
    write_initial_weights(out, seed=1)
    # killed after global step 6: epoch 1 (of 3, 4 steps each), batch 1
    killed = start("backup", out, "--kill-after-step", "6")
    uninterrupted = start("single", out)
    try:
        killed_output = killed.communicate(timeout=TIMEOUT)[0]
    finally:
        if killed.poll() is None:
            killed.kill()
    assert killed.returncode == 17, killed_output[-3000:]
    finish([uninterrupted])
    metadata = json.loads((out / "backup" / "training_metadata.json").read_text())
    finish([start("backup", out)])  # the same command again
    return out, metadata


def test_the_process_died_mid_epoch_with_a_backup_of_the_last_epoch(runs):
    out, metadata = runs
    _, steps = step_losses(out, "backup_killed")
    assert steps[-1] == (1, 1, 5)  # epoch 1, batch 1, after 5 updates
    assert not (out / "backup_killed.npz").exists()
    assert metadata["epoch"] == 1  # epoch 0 was backed up


def test_restart_resumes_at_the_backed_up_epoch_and_step(runs):
    out, _ = runs
    _, steps = step_losses(out, "backup_resumed")
    # epoch 1 again from its first batch, with the optimiser's 4 updates of epoch 0 restored
    assert steps[0] == (1, 0, 4)
    assert [s[2] for s in steps] == list(range(4, 12))
    assert not (out / "backup").exists()  # finished: the backup is deleted


def test_resumed_run_equals_the_uninterrupted_one(runs):
    out, _ = runs
    losses, _ = step_losses(out, "backup_resumed")
    expected, _ = step_losses(out, "single")
    np.testing.assert_allclose(losses, expected[4:], atol=1e-6, rtol=0)
    for got, want in zip(weights(out, "backup_resumed"), weights(out, "single")):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
