"""What the divergence guard (`guards.StopOnNonFinite`) costs in `fit()`: a small DCGAN
(8/8 filters, the digits at batch 64, in memory), one epoch of ``--steps`` steps per run,
with the guard off (``keys=()``), checking every batch (``check_every=1``) and every 50
(the default). Runs alternate and the best of ``--repeats`` is reported, so a busy machine
penalises all alike; the ratio is each time over the time with the guard off.

    python benchmarks/guard_overhead.py [--steps 100] [--repeats 3]

Keras' `fit` on TensorFlow converts every batch's logs to Python numbers for the callbacks
whatever they are (`CallbackList` dispatches batch ends synchronously there), so the guard's
own reads add only Python work; on JAX, with callbacks that all allow it (``async_safe``),
batch ends run in a thread and a guard that checks every N batches leaves them there.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo.guards import StopOnNonFinite  # noqa: E402


class _EpochTimer(keras.callbacks.Callback):
    async_safe = True

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = zoo.build("dcgan", generator_filters=8, discriminator_filters=8, latent_dim=16,
                      seed=0)
    model.compile()
    data = zoo.data.load("digits", batch_size=64, seed=0).take(args.steps).cache()
    guards = {"off": dict(keys=()), "every batch": dict(check_every=1),
              "every 50": dict(check_every=50)}
    model.fit(data, epochs=1, verbose=0)  # trace and fill the cache
    best = dict.fromkeys(guards, float("inf"))
    for _ in range(args.repeats):
        for name, options in guards.items():
            timer = _EpochTimer()
            model.fit(data, epochs=1, verbose=0, callbacks=[StopOnNonFinite(**options), timer])
            best[name] = min(best[name], timer.seconds)
    print(f"backend {keras.backend.backend()}, {args.steps} steps, best of {args.repeats}:")
    for name, seconds in best.items():
        print(f"  guard {name:12s} {seconds:7.3f} s  ratio {seconds / best['off']:.3f}")


if __name__ == "__main__":
    main()
