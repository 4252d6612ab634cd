"""Images/second of DCGAN training (28x28x1).

Default: `model.fit()` vs a plain `tf.function` loop. Both train the *same two
networks* with the same losses, optimizers and in-memory data; the plain loop
has no metrics, callbacks or progress bar. Runs alternate (fit, loop, fit,
loop, ...) and the best of each is reported, so a busy machine penalises both
alike. Target: fit no more than 5% slower.

``--all`` adds, at batch 64 and 256: steps_per_execution 1 vs 8, float32 vs
mixed bfloat16, XLA (jit_compile=True), and the input pipeline alone
(target: >= 10x the training step rate).

    python benchmarks/train_throughput.py [--batch-size 64] [--steps 60] [--repeats 3] [--all]
"""

from __future__ import annotations

import argparse
import os
import time

import keras
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo import losses


class _EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def plain_loop(model, dataset, steps: int) -> float:
    """Seconds for ``steps`` D+G updates of ``model``'s networks in a bare tf.function."""
    generator, discriminator = model.generator, model.discriminator
    g_opt, d_opt = model.g_optimizer, model.d_optimizer
    latent = model.latent_dim

    @tf.function
    def step(real):
        batch = tf.shape(real)[0]
        z = tf.random.normal((batch, latent))
        with tf.GradientTape() as tape:
            fake = generator(z, training=True)
            d_loss = tf.reduce_mean(losses.minimax_discriminator_loss(
                discriminator(real, training=True), discriminator(fake, training=True)))
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
        z = tf.random.normal((batch, latent))
        with tf.GradientTape() as tape:
            g_loss = tf.reduce_mean(losses.non_saturating_generator_loss(
                discriminator(generator(z, training=True), training=True)))
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_opt.apply_gradients(zip(grads, generator.trainable_variables))

    iterator = iter(dataset)
    step(next(iterator))  # trace
    start = time.perf_counter()
    for _ in range(steps):
        step(next(iterator))
    return time.perf_counter() - start


def fit_seconds(model, dataset, steps: int) -> float:
    """Seconds of one `fit` epoch of ``steps`` steps (after a traced warm-up epoch)."""
    timer = _EpochTimer()
    model.fit(dataset, epochs=2, steps_per_epoch=steps, callbacks=[timer], verbose=0, shuffle=False)
    return timer.seconds


def data_pipeline_rate(batch_size: int, steps: int) -> float:
    """Images/second of the digits input pipeline alone (load, batch, prefetch)."""
    dataset = zoo.data.load("digits", batch_size=batch_size, drop_remainder=True,
                            with_labels=False, seed=0).repeat()
    iterator = iter(dataset)
    next(iterator)
    start = time.perf_counter()
    for _ in range(steps):
        next(iterator)
    return steps * batch_size / (time.perf_counter() - start)


def fit_rate(batch_size: int, steps: int, repeats: int, overrides: dict,
             precision: str = "off", **compile_kwargs) -> float:
    """Best images/second of `fit` over ``repeats`` runs for one configuration."""
    from keras_gan_zoo.distribute import set_precision

    images = zoo.data.load("digits", batch_size=batch_size, drop_remainder=True,
                           with_labels=False, seed=0).cache().repeat()
    best = float("inf")
    set_precision(precision)
    try:
        for _ in range(repeats):
            model = zoo.build("dcgan", seed=0, **overrides)
            model.compile(**compile_kwargs)
            best = min(best, fit_seconds(model, images, steps))
    finally:
        set_precision("off")
    return steps * batch_size / best


def compare_fit_and_loop(batch_size: int, steps: int, repeats: int, overrides: dict) -> tuple[float, float]:
    images = zoo.data.load("digits", batch_size=batch_size, drop_remainder=True,
                           with_labels=False, seed=0).cache().repeat()
    fit_best, loop_best = float("inf"), float("inf")
    for _ in range(repeats):
        model = zoo.build("dcgan", seed=0, **overrides)
        model.compile()
        fit_best = min(fit_best, fit_seconds(model, images, steps))
        model = zoo.build("dcgan", seed=0, **overrides)
        model.compile()
        loop_best = min(loop_best, plain_loop(model, images, steps))
    n = steps * batch_size
    return n / fit_best, n / loop_best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="the full table (batch 64 and 256)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="DCGAN config override, e.g. --set generator_filters=64")
    args = parser.parse_args()
    from keras_gan_zoo.cli import parse_overrides

    overrides = parse_overrides(args.set)
    print(f"DCGAN 28x28x1, {args.steps} steps, best of {args.repeats} "
          f"(TensorFlow {tf.__version__}, Keras {keras.__version__}, "
          f"{os.cpu_count()} CPU cores), images/second:")
    for batch_size in ((64, 256) if args.all else (args.batch_size,)):
        fit, loop = compare_fit_and_loop(batch_size, args.steps, args.repeats, overrides)
        print(f"  batch {batch_size:3d}  fit()                         {fit:9.1f}")
        print(f"  batch {batch_size:3d}  plain tf.function loop        {loop:9.1f}")
        print(f"  batch {batch_size:3d}  fit / plain                   {fit / loop:9.3f}  (target >= 0.95)")
        if not args.all:
            continue
        rows = {
            "steps_per_execution=8": dict(steps_per_execution=8),
            "mixed bfloat16": dict(precision="bfloat16"),
            "jit_compile=True (XLA)": dict(jit_compile=True),
        }
        for label, options in rows.items():
            rate = fit_rate(batch_size, args.steps, args.repeats, overrides, **options)
            print(f"  batch {batch_size:3d}  fit() {label:24s}{rate:9.1f}  ({rate / fit:.2f}x)")
        pipeline = data_pipeline_rate(batch_size, 200)
        print(f"  batch {batch_size:3d}  input pipeline alone          {pipeline:9.1f}  "
              f"({pipeline / fit:.0f}x the training rate; target >= 10x)")


if __name__ == "__main__":
    main()
