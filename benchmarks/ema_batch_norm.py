"""Which batch-norm statistics the moving average of G (``ema``) should sample with.

    python benchmarks/ema_batch_norm.py [--steps 300] [--seeds 0,1] [--emas 0.99,0.999] [--ema-rampup none]

The averaged weights of a generator with batch norm need moving statistics that belong to
them; G's own statistics belong to G's current weights. One DCGAN run per ``ema`` and seed
(32/16 filters, the digits, batch 64, ``--steps`` generator steps, ``--ema-rampup``
(default 0.05, the zoo's), as ``benchmarks/stabilizers.py``) is sampled five ways, each FID of 2,000
samples with the digits extractor:

* ``G``: the trained generator itself;
* ``copied``: the averaged weights with G's statistics (what StyleGAN2-ADA does with its
  buffers; its G has no batch norm);
* ``averaged``: the averaged weights with G's statistics averaged alongside them (same decay);
* ``re-estimated in the step``: the averaged weights with the statistics the zoo keeps
  (`NoiseToImageGAN.update_ema`: a forward pass of the average in training mode after
  each update);
* ``recomputed``: the averaged weights with statistics recomputed after training over
  ``--recompute-batches`` batches of 64 (the cumulative mean, as for stochastic weight
  averaging, Izmailov et al. 2018).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo import metrics  # noqa: E402
from keras_gan_zoo.pixels import to_unit_range  # noqa: E402


class AveragedStatistics(keras.callbacks.Callback):
    """G's batch-norm statistics averaged with the decay of the weights' average."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.statistics = statistics(self.model, self.model.generator)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        beta = float(self.model.ema_decay(int(self.model.g_optimizer.iterations) - 1))
        self.statistics = [beta * s + (1 - beta) * w
                           for s, w in zip(self.statistics, statistics(self.model, self.model.generator))]


def statistics(model: Any, generator: keras.Model) -> list[np.ndarray]:
    """The batch-norm statistics of ``generator`` (G or a copy of it)."""
    return [w.numpy() for w, g in zip(generator.weights, model.generator.weights) if not g.trainable]


def with_statistics(model: Any, statistics: list[np.ndarray]) -> keras.Model:
    """A copy of the averaged generator with these batch-norm statistics."""
    copy = keras.models.clone_model(model.generator_ema)
    copy.set_weights(model.generator_ema.get_weights())
    kept = [w for w, g in zip(copy.weights, model.generator.weights) if not g.trainable]
    for weight, value in zip(kept, statistics):
        weight.assign(value)
    return copy


def recomputed(model: Any, batches: int, seed: int) -> keras.Model:
    """The averaged generator with statistics recomputed: the cumulative mean of each layer's
    batch statistics over ``batches`` batches of 64 in training mode."""
    copy = with_statistics(model, statistics(model, model.generator_ema))
    norms = [layer for layer in copy.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for i in range(batches):
        for layer in norms:
            layer.momentum = i / (i + 1)  # moving = mean of the batches so far
        copy(model.noise(64, seed=10_000 + 100 * seed + i), training=True)
    for layer, momentum in zip(norms, momenta):
        layer.momentum = momentum
    return copy


def sample_fn(model: Any, generator: keras.Model):
    return lambda n, seed: to_unit_range(generator(model.noise(n, seed=seed), training=False)).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--emas", default="0.99,0.999")
    parser.add_argument("--num-samples", type=int, default=2000)
    parser.add_argument("--recompute-batches", type=int, default=20)
    parser.add_argument("--ema-rampup", default="0.05", help="StyleGAN2-ADA's ramp-up; none: off")
    args = parser.parse_args()
    evaluator = metrics.Evaluator("fid", extractor="digits")
    evaluator.set_reference_dataset("digits", split="train")
    rampup = None if args.ema_rampup.lower() in ("none", "null") else float(args.ema_rampup)
    rows: dict[str, list[float]] = {}
    for ema in (float(e) for e in args.emas.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            keras.utils.set_random_seed(seed)
            model = zoo.build("dcgan", generator_filters=32, discriminator_filters=16, seed=seed,
                              ema=ema, ema_rampup=rampup)
            model.compile()
            averaged = AveragedStatistics()
            data = model.load_dataset("digits", batch_size=64, seed=seed, drop_remainder=True)
            model.fit(data.repeat(), epochs=1, steps_per_epoch=args.steps, verbose=0,
                      callbacks=[averaged])
            ways = {
                "G": model.generator,
                "copied": with_statistics(model, statistics(model, model.generator)),
                "averaged": with_statistics(model, averaged.statistics),
                "re-estimated in the step": model.generator_ema,
                "recomputed": recomputed(model, args.recompute_batches, seed),
            }
            for way, generator in ways.items():
                fid = evaluator.evaluate(sample_fn(model, generator), args.num_samples, seed=seed)["fid"]
                rows.setdefault(f"ema={ema} | {way}", []).append(fid)
                print(f"ema={ema} seed {seed} {way}: FID {fid:.2f}", flush=True)
    print("\n| ema | sampled with | FID |\n|---|---|---|")
    for key, fids in rows.items():
        values = np.array(fids)
        ema, way = key.split(" | ")
        print(f"| {ema.split('=')[1]} | {way} | {values.mean():.2f} ± {(values.max() - values.min()) / 2:.2f} |")


if __name__ == "__main__":
    main()
