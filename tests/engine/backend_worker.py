"""One side of the cross-backend checks of `tests/engine/test_backends.py`, run in a process of
its own under ``KERAS_BACKEND`` (a Keras process has one backend).

``python -m tests.engine.backend_worker FOLDER [ENTRY ...]``: for each entry of `ENTRIES`, built small
with ``seed=0`` and its initial weights drawn from `WEIGHTS_SEED`: the weights in
``FOLDER/<entry>.weights.h5`` are loaded when present (written by the first backend to run, so
that both start from the same weights), else written; then
two training steps on `example_batch`, with every random draw of the step replaced by
numpy's (`same_draws`: noise, augmentations, dropout, the image pool's choices), so that
both backends draw the same numbers (every optimizer SGD with momentum:
`compile_with_momentum`). Between the steps the model is saved to
``FOLDER/<backend>_<entry>.keras`` and its sample grid recorded; the saved file, loaded again,
takes the second step too (a resumed run). A ``.keras`` file of the other backend, when present, is
loaded: its sample grid and its next step (the optimizers' state restored) are recorded too.
Everything measured goes to ``FOLDER/<backend>.json`` (run it once per backend; a later run
of the same backend overwrites its file, keeping the weights).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo import engine  # noqa: E402
from keras_gan_zoo.networks.layers import ReplicaDropout  # noqa: E402
from tests.model_steps import FEW_STEPS_EAGERLY  # noqa: E402

#: Each entry, small: a step takes well under a second on a CPU.
ENTRIES: dict[str, dict[str, Any]] = {
    "gan": dict(generator_units=[16], discriminator_units=[16], latent_dim=8),
    "dcgan": dict(generator_filters=8, discriminator_filters=8, latent_dim=8,
                  image_shape=(16, 16, 1)),
    "cgan": dict(generator_units=[16], discriminator_units=[16], latent_dim=8),
    "infogan": dict(latent_dim=8, image_shape=(16, 16, 1)),
    "coupledgan": dict(latent_dim=8, image_shape=(16, 16, 1)),
    "ebgan": dict(latent_dim=8, image_shape=(16, 16, 1)),
    "pix2pix": dict(image_shape=(16, 16, 1), receptive_field=16, generator_filters=8,
                    discriminator_filters=8),
    "cyclegan": dict(image_shape=(16, 16, 1), receptive_field=16, generator_filters=8,
                     discriminator_filters=8),
}
#: Examples per step. At 4, InfoGAN's step is ill-conditioned on either backend alone: its
#: initial weights moved by 1e-7 (relative, float32's rounding) move the second step's losses
#: by up to 2.6e-3 on TensorFlow and on JAX alike, so the backends' rounding showed as 5.6e-6
#: to 2.9e-3 apart over six weight draws. At 8, the same perturbation moves them by 3e-7, and
#: the backends measured 3.6e-7 apart.
BATCH = 8
#: The initial weights' seed (`keras.utils.set_random_seed` before each entry is built; ``seed=``
#: seeds the training randomness only): the same weights in every run, so a measured
#: difference does not change from run to run.
WEIGHTS_SEED = 0


def compile_with_momentum(model: keras.Model) -> None:
    """Every optimizer of ``model`` SGD with momentum: a state to restore, and updates that
    follow the gradients' size (Adam's first steps follow their signs, so gradients near zero
    that differ in the seventh digit across backends move weights apart by the step size)."""
    model.compile(**{name: keras.optimizers.SGD(0.01, momentum=0.5)
                     for name in model.optimizer_names})


def one_step(model: keras.Model, batch: Any) -> dict[str, float]:
    """The logs of one training step alone (the trackers restarted), with `same_draws`.

    Eager on TensorFlow, compiled (`train_on_batch`) on JAX, as `FEW_STEPS_EAGERLY` says (an
    eager JAX worker took 76 s, a TensorFlow worker 13 s). The step's draws are numbered as it
    is traced, once per model, so each compiled step draws what an eager step from
    ``same_draws()`` draws."""
    model.reset_metrics()
    same_draws()
    if FEW_STEPS_EAGERLY:
        return floats(model.train_step(batch))
    return floats(model.train_on_batch(batch, return_dict=True))


def same_draws() -> None:
    """Replace the step's random draws by numpy's, the same on both backends: the n-th draw
    since the last ``same_draws()`` comes from ``default_rng(n)``."""
    count = iter(range(10**6))

    def normal(shape: Any, seed: Any = None, dtype: Any = "float32") -> Any:
        values = np.random.default_rng(next(count)).standard_normal(_shape(shape))
        return keras.ops.convert_to_tensor(values.astype("float32"), dtype)

    def uniform(shape: Any, seed: Any = None, minval: float = 0.0, maxval: float = 1.0,
                dtype: Any = "float32") -> Any:
        values = np.random.default_rng(next(count)).uniform(minval, maxval, _shape(shape))
        return keras.ops.convert_to_tensor(values.astype("float32"), dtype)

    def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Any:
        keep = np.random.default_rng(next(count)).uniform(size=_shape(inputs.shape)) >= rate
        return keras.ops.where(keep, inputs / (1.0 - rate), keras.ops.zeros_like(inputs))

    def replica_dropout(layer: Any, inputs: Any, training: bool = False) -> Any:
        return dropout(inputs, layer.rate) if training and layer.rate else inputs

    engine.normal, engine.uniform = normal, uniform
    keras.src.backend.random.dropout = dropout
    ReplicaDropout.call = replica_dropout  # its TensorFlow path draws with tf.random itself


def _shape(shape: Any) -> tuple[int, ...]:
    return tuple(int(keras.ops.convert_to_numpy(d)) for d in shape)


def floats(logs: dict[str, Any]) -> dict[str, float]:
    return {name: float(keras.ops.convert_to_numpy(value)) for name, value in logs.items()}


def main(folder: Path, names: list[str]) -> None:
    backend = keras.backend.backend()
    other = "jax" if backend == "tensorflow" else "tensorflow"
    results: dict[str, Any] = {}
    for name in names:
        overrides = ENTRIES[name]
        keras.utils.set_random_seed(WEIGHTS_SEED)
        model = zoo.build(name, seed=0, **overrides)
        compile_with_momentum(model)
        weights = folder / f"{name}.weights.h5"
        if weights.exists():
            model.load_weights(weights)
        else:
            model.save_weights(weights)
        batch = model.example_batch(BATCH, seed=0)
        first = one_step(model, batch)
        model.save(folder / f"{backend}_{name}.keras")
        grid = np.asarray(model.sample_grid(4, seed=0)[0]).tolist()
        result = {"first": first, "second": one_step(model, batch), "grid": grid}
        reloaded = keras.saving.load_model(folder / f"{backend}_{name}.keras")
        result["reloaded_second"] = one_step(reloaded, batch)
        saved = folder / f"{other}_{name}.keras"
        if saved.exists():
            loaded = keras.saving.load_model(saved)
            result["loaded_grid"] = np.asarray(loaded.sample_grid(4, seed=0)[0]).tolist()
            result["loaded_second"] = one_step(loaded, batch)
        results[name] = result
        print(name, first, flush=True)
    (folder / f"{backend}.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:] or list(ENTRIES))
