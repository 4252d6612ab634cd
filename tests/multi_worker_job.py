"""One worker of a MultiWorkerMirroredStrategy job (started twice by test_training.py).

Usage: TF_CONFIG=... python -m tests.multi_worker_job OUTPUT_DIR MODE
MODE "train": train a small DCGAN; "train_slow": the same, slowly (to be killed);
"one_step": one step of a small GAN from OUTPUT_DIR/given.npz.
Writes OUTPUT_DIR/worker_<index>.npz (weights) and .json (history); only the chief
writes run files (into OUTPUT_DIR/run_<index>).
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo.callbacks import LossPlot, SampleGrid, chief_callbacks  # noqa: E402
from tests.fixed_noise import fixed_noise  # noqa: E402


def one_step(output: str, strategy: tf.distribute.Strategy, index: int) -> None:
    """One SGD step of a small GAN from given weights, noise and real batch."""
    given = np.load(os.path.join(output, "given.npz"))
    weights = [given[f"w{i}"] for i in range(len(given.files) - 2)]
    with strategy.scope():
        model = zoo.build("gan", generator_units=[32, 64], discriminator_units=[64, 32], seed=0)
        model.set_weights(weights)
        model.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5))
    fixed_noise(model, given["noise"])
    data = tf.data.Dataset.from_tensor_slices(given["real"]).batch(len(given["real"]))
    history = model.fit(data, epochs=1, verbose=0)
    np.savez(os.path.join(output, f"worker_{index}.npz"), *model.get_weights())
    with open(os.path.join(output, f"worker_{index}.json"), "w") as f:
        json.dump(history.history, f)


def main(output: str, mode: str) -> None:
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    if mode == "one_step":
        return one_step(output, strategy, task["index"])
    with strategy.scope():
        model = zoo.build("dcgan", generator_filters=8, discriminator_filters=8, latent_dim=16,
                          seed=0)
        model.compile()
    data = zoo.data.load("digits", batch_size=16, drop_remainder=True, shuffle=False,
                         with_labels=False).take(6)
    index = task["index"]
    # A folder per worker (the test checks who wrote), or one shared folder (for resuming).
    run = os.path.join(output, "run" if mode == "train_slow" else f"run_{index}")

    class Slow(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            print(f"epoch {epoch + 1} begins", flush=True)

        def on_train_batch_end(self, batch, logs=None):
            if mode == "train_slow":
                time.sleep(0.5)

    callbacks = [Slow(), *chief_callbacks(run, "dcgan"), SampleGrid(os.path.join(run, "samples")),
                 LossPlot(os.path.join(run, "loss_curves.png"))]
    history = model.fit(data, epochs=int(os.environ.get("EPOCHS", "2")), callbacks=callbacks,
                        verbose=0)
    np.savez(os.path.join(output, f"worker_{index}.npz"), *model.get_weights())
    with open(os.path.join(output, f"worker_{index}.json"), "w") as f:
        json.dump(history.history, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
