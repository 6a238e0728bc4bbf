"""Trains the tiny classifier in a process of its own, for the tests that need one: tf.distribute
strategies (devices are fixed when TensorFlow starts) and interrupted training.

    python -m tests.training._train_script MODE OUT_DIR [--kill-after-step K] [--own-loss]

MODE is ``single``, ``mirrored`` (two logical CPU devices), ``multiworker`` (TF_CONFIG from the
environment) or ``backup`` (``BackupAndRestore`` in ``OUT_DIR/backup``). The initial weights are
read from ``OUT_DIR/initial.npz``; per-step losses and the final weights are written to
``OUT_DIR/<MODE>[<task index>].json`` and ``.npz``. ``--kill-after-step K`` ends the process with
``os._exit`` after global step K, as a preemption would.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

GLOBAL_BATCH, EXAMPLES, EPOCHS = 8, 32, 3  # 4 steps an epoch
LEARNING_RATE = 3e-3


def data():
    import numpy as np

    from tests.reference import TINY

    rng = np.random.default_rng(0)
    ids = rng.integers(1, TINY["vocab_size"], (EXAMPLES, 10))
    mask = np.ones_like(ids)
    mask[::3, 7:] = 0
    labels = (ids[:, 1] > 49).astype(np.int64)
    return {"input_ids": ids, "attention_mask": mask}, labels


def config():
    from tests.reference import TINY
    from tfbert import BertConfig

    return BertConfig(
        **{**TINY, "num_labels": 2}, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0
    )


def build(initial_path, own_loss):
    import keras

    import tfbert
    from tfbert.training import create_optimizer

    model = tfbert.TFBertForSequenceClassification(config())
    model.build()
    with open(initial_path, "rb") as f:
        import numpy as np

        saved = np.load(f)
        model.set_weights([saved[f"w{i}"] for i in range(len(saved.files))])
    optimizer = create_optimizer(
        LEARNING_RATE, num_train_steps=EPOCHS * EXAMPLES // GLOBAL_BATCH, num_warmup_steps=2
    )
    loss = None if own_loss else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizer, loss=loss)
    return model


def train_by_steps(model, strategy, dataset, steps):
    """A custom loop: each replica runs the forward pass, Keras' compiled loss (divided by the
    number of replicas) and the optimiser, whose update all-reduces the gradients.

    Keras 3's ``fit`` and ``make_train_function`` fail under MultiWorkerMirroredStrategy: they
    reduce scalar logs with ``strategy.reduce("MEAN", v, axis=0)`` ("Invalid reduction dimension
    0 for input with 0 dimensions", tensorflow/tensorflow#72388), and ``fit`` first reduces the
    whole input dict, which the collective strategy cannot take.
    """
    import tensorflow as tf

    def replica_step(batch):
        x, y = batch
        with tf.GradientTape() as tape:
            loss = model.compute_loss(x, y, model(x, training=True), training=True)
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    @tf.function
    def train_step(iterator):
        return strategy.reduce("SUM", strategy.run(replica_step, args=(next(iterator),)), axis=None)

    distributed = strategy.experimental_distribute_dataset(dataset)
    for epoch in range(EPOCHS):
        iterator, total = iter(distributed), 0.0
        for batch in range(EXAMPLES // GLOBAL_BATCH):
            steps.append([epoch, batch, None, int(model.optimizer.iterations.numpy())])
            total += float(train_step(iterator))
            steps[-1][2] = total / (batch + 1)  # the running mean, as fit() logs it


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["single", "mirrored", "multiworker", "backup"])
    parser.add_argument("out")
    parser.add_argument("--kill-after-step", type=int, default=None)
    parser.add_argument(
        "--own-loss", action="store_true", help="labels in the input dict, compile without a loss"
    )
    args = parser.parse_args(argv)

    import numpy as np
    import tensorflow as tf

    if args.mode == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    elif args.mode == "multiworker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = tf.distribute.get_strategy()
    import keras

    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = build(os.path.join(args.out, "initial.npz"), args.own_loss)

    x, y = data()
    if args.own_loss:
        dataset = tf.data.Dataset.from_tensor_slices({**x, "labels": y})
    else:
        dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.batch(GLOBAL_BATCH)
    with strategy.scope():
        # Under a strategy, fit() first builds what is unbuilt on a symbolic batch whose integer
        # ids it has turned into floats, which the id-checked embeddings refuse; built here on a
        # real batch instead (dropout layers, the compiled loss), fit() skips that.
        first = {k: v[:GLOBAL_BATCH] for k, v in x.items()}
        model.compute_loss(
            first,
            y[:GLOBAL_BATCH] if not args.own_loss else None,
            model({**first, "labels": y[:GLOBAL_BATCH]} if args.own_loss else first),
        )

    steps = []  # (epoch, batch, running mean loss, optimizer updates before the step)

    class Record(keras.callbacks.Callback):
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            steps.append([self.epoch, batch, None, int(model.optimizer.iterations.numpy())])

        def on_train_batch_end(self, batch, logs=None):
            steps[-1][2] = float(logs["loss"])
            if args.kill_after_step is not None and len(steps) == args.kill_after_step:
                write(steps)
                os._exit(17)  # no cleanup, as a preempted machine

    name = args.mode
    if args.mode == "multiworker":
        name += str(json.loads(os.environ["TF_CONFIG"])["task"]["index"])
    if args.kill_after_step is not None:
        name += "_killed"
    elif args.mode == "backup" and os.path.exists(os.path.join(args.out, "backup")):
        name += "_resumed"

    def write(steps):
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump({"steps": steps}, f)

    callbacks = [Record()]
    if args.mode == "backup":
        callbacks.append(keras.callbacks.BackupAndRestore(os.path.join(args.out, "backup")))
    if args.mode == "multiworker":
        train_by_steps(model, strategy, dataset, steps)
    else:
        model.fit(dataset, epochs=EPOCHS, callbacks=callbacks, verbose=0)
    write(steps)
    np.savez(os.path.join(args.out, name + ".npz"), *[w for w in model.get_weights()])
    if args.mode == "mirrored" and not args.own_loss:
        check_weight_decay(model, strategy, os.path.join(args.out, "mirrored_decay.json"))
    return 0


def check_weight_decay(model, strategy, path):
    """Writes which variables one zero-gradient AdamW step under ``strategy`` decays."""
    import numpy as np
    import tensorflow as tf

    from tfbert.training import create_optimizer

    variables = model.trainable_variables
    with strategy.scope():
        optimizer = create_optimizer(0.1, num_train_steps=10, weight_decay=0.5)
        optimizer.build(variables)
    before = [v.numpy().copy() for v in variables]

    @tf.function
    def step():
        strategy.run(lambda: optimizer.apply_gradients([(tf.zeros_like(v), v) for v in variables]))

    step()
    decayed = {
        v.path.split("/", 1)[1]: bool(
            np.allclose(v.numpy(), b * 0.95, rtol=1e-6) and not np.array_equal(v.numpy(), b)
        )
        for v, b in zip(variables, before)
    }
    with open(path, "w") as f:
        json.dump(decayed, f)


if __name__ == "__main__":
    sys.exit(main())
