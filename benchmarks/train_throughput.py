"""Images/second of DCGAN training: `model.fit()` vs a plain `tf.function` loop.

Both train the *same two networks* with the same losses, optimizers and
in-memory data; the plain loop has no metrics, callbacks or progress bar.
Runs alternate (fit, loop, fit, loop, ...) and the best of each is reported,
so a busy machine penalises both alike. Target: fit no more than 5% slower.

    python benchmarks/train_throughput.py [--batch-size 64] [--steps 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="DCGAN config override, e.g. --set generator_filters=64")
    args = parser.parse_args()
    from keras_gan_zoo.cli import parse_overrides

    overrides = parse_overrides(args.set)
    images = zoo.data.load("digits", batch_size=args.batch_size, drop_remainder=True,
                           with_labels=False, seed=0).cache().repeat()
    fit_best, loop_best = float("inf"), float("inf")
    for repeat in range(args.repeats):
        model = zoo.build("dcgan", seed=0, **overrides)
        model.compile()
        fit_best = min(fit_best, fit_seconds(model, images, args.steps))
        model = zoo.build("dcgan", seed=0, **overrides)
        model.compile()
        loop_best = min(loop_best, plain_loop(model, images, args.steps))
    n = args.steps * args.batch_size
    fit_rate, loop_rate = n / fit_best, n / loop_best
    print(f"DCGAN 28x28x1, batch {args.batch_size}, {args.steps} steps, best of {args.repeats} "
          f"(TensorFlow {tf.__version__}, Keras {keras.__version__}, "
          f"{len(tf.config.list_physical_devices('CPU'))} CPU device)")
    print(f"  fit()            {fit_rate:9.1f} images/s")
    print(f"  plain tf.function {loop_rate:8.1f} images/s")
    print(f"  fit / plain       {fit_rate / loop_rate:8.3f}  (target >= 0.95)")


if __name__ == "__main__":
    main()
