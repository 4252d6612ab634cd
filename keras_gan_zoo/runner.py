"""`train`: what ``keras-gan-zoo train`` does, as one Python call.

    import keras_gan_zoo as zoo
    run = zoo.train("dcgan", epochs=5, overrides={"latent_dim": 64}, output="runs/dcgan64")
    run.model.generate(16, seed=0)
    run.history.history["g_loss"], run.folder.saved_model

The steps: precision policy and strategy by name (`keras_gan_zoo.distribute`),
`build` and `compile` in the strategy's scope, the entry's own data
(``model.load_dataset``, with static shapes where the strategy needs them), the
callbacks of a run (`run_callbacks`), and `fit`, which writes the `RunFolder`
(the chief only) and exports the SavedModel at the end.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

import keras
import tensorflow as tf

from keras_gan_zoo.callbacks import LossPlot, RunFolder, SampleGrid, chief_callbacks
from keras_gan_zoo.distribute import is_chief, make_strategy, needs_static_shapes, set_precision
from keras_gan_zoo.registry import build


@dataclass
class TrainingRun:
    """What `train` returns: the trained entry, `fit`'s history and where the files are."""

    model: keras.Model
    history: keras.callbacks.History
    folder: RunFolder


def run_callbacks(model: keras.Model, folder: RunFolder, title: str = ""
                  ) -> list[keras.callbacks.Callback]:
    """The callbacks of a training run: the entry's schedule (``model.training_callbacks()``),
    history, checkpoint, backup and export (`callbacks.chief_callbacks`), sample grids
    and loss curves, all into ``folder``."""
    return [
        *model.training_callbacks(),
        *chief_callbacks(folder.root, folder.name),
        SampleGrid(folder.samples),
        LossPlot(folder.loss_curves, title=title),
    ]


def train(
    name: str,
    dataset: str | os.PathLike = "digits",
    epochs: int = 5,
    output: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    split: str = "train",
    seed: int | None = None,
    data_dir: str | None = None,
    strategy: str | tf.distribute.Strategy = "auto",
    tpu: str | None = None,
    mixed_precision: str = "off",
    steps_per_execution: int = 1,
    verbose: int | str = "auto",
) -> TrainingRun:
    """Train zoo entry ``name`` on ``dataset`` and write a run folder (``keras-gan-zoo train``).

    Args:
        name: zoo entry (``keras_gan_zoo.available()``); ``overrides`` change its config keys.
        dataset, split, data_dir, seed: the entry's data (``model.load_dataset``): ``digits``,
            a folder of images, a TFDS name, or two domains; ``seed`` shuffles it.
        epochs: epochs of `fit`.
        output: the run folder (default ``runs/<name>``): sample grids, loss curves,
            ``history.csv``, ``model.keras``, ``backup/`` and ``saved_model/<name>/1``
            (see `callbacks.RunFolder`). Only the chief of a multi-worker job writes.
        batch_size: the global batch size (default: the entry's).
        strategy, tpu: a `tf.distribute.Strategy`, or its name for
            `distribute.make_strategy` (``auto``, ``one_device``, ``mirrored``,
            ``multi_worker``, ``tpu``).
        mixed_precision: ``off``, ``float16`` or ``bfloat16`` (`distribute.set_precision`),
            in effect during the call; the previous global policy is restored after.
        steps_per_execution: training steps per `tf.function` call.
        verbose: `fit`'s verbosity; when not 0, also what is trained and where the files are.
    """
    previous_policy = keras.mixed_precision.dtype_policy()
    set_precision(mixed_precision)
    try:
        if not isinstance(strategy, tf.distribute.Strategy):
            strategy = make_strategy(strategy, tpu=tpu)
        with strategy.scope():
            model = build(name, **dict(overrides or {}))
            model.compile(steps_per_execution=steps_per_execution)
        dataset = os.fspath(dataset)
        batch = {} if batch_size is None else {"batch_size": batch_size}
        data = model.load_dataset(dataset, split=split, seed=seed, data_dir=data_dir,
                                  drop_remainder=needs_static_shapes(strategy), **batch)
        folder = RunFolder(output or os.path.join("runs", name), name)
        callbacks = run_callbacks(model, folder, title=f"{name} on {dataset}")
        if verbose:
            print(f"Training {name} ({type(model).__name__}) on {dataset!r} for {epochs} epochs "
                  f"with {strategy.num_replicas_in_sync} replica(s); writing to {folder.root}/")
        history = model.fit(data, epochs=epochs, callbacks=callbacks, shuffle=False,
                            verbose=verbose)
    finally:
        keras.mixed_precision.set_dtype_policy(previous_policy)
    if verbose and is_chief(strategy):
        print(f"Sample grids:  {folder.samples}/epoch_*.png")
        print(f"Loss curves:   {folder.loss_curves}")
        print(f"Checkpoint:    {folder.checkpoint}")
        print(f"SavedModel:    {folder.saved_model}")
    return TrainingRun(model, history, folder)
