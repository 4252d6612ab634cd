"""Keras callbacks that write what people look at: sample grids, loss curves, exports."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import keras

from keras_gan_zoo.plotting import save_image_grid, save_loss_curves


def _is_chief() -> bool:
    """False on the non-chief workers of a multi-worker strategy (they must not write files)."""
    import tensorflow as tf

    resolver = getattr(tf.distribute.get_strategy(), "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict()
    )


class SampleGrid(keras.callbacks.Callback):
    """Write the model's sample grid (from fixed noise) to ``directory/epoch_XXX.png``.

    Uses the entry's own ``sample_grid`` (a class per row for CGAN, pairs for
    CoupledGAN, ...), so progress on the same noise can be compared across epochs.
    """

    def __init__(self, directory: str | os.PathLike, num_samples: int = 64, seed: int = 0,
                 every: int = 1) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.num_samples, self.seed, self.every = num_samples, seed, max(1, int(every))
        self.last_path: Path | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if (epoch + 1) % self.every or not _is_chief():
            return
        images, rows = self.model.sample_grid(num_samples=self.num_samples, seed=self.seed)
        self.last_path = save_image_grid(images, self.directory / f"epoch_{epoch + 1:03d}.png", rows)


class LossPlot(keras.callbacks.Callback):
    """Plot every logged loss/metric per batch and per epoch to ``path`` after each epoch
    (so a crash loses nothing already trained)."""

    def __init__(self, path: str | os.PathLike, title: str = "") -> None:
        super().__init__()
        self.path, self.title = Path(path), title
        self.batch_logs: dict[str, list[float]] = defaultdict(list)
        self.epoch_logs: dict[str, list[float]] = defaultdict(list)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for name, value in (logs or {}).items():
            self.batch_logs[name].append(float(value))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for name, value in (logs or {}).items():
            self.epoch_logs[name].append(float(value))
        if _is_chief():
            save_loss_curves(self.batch_logs, self.epoch_logs, self.path, self.title)


class ServingExport(keras.callbacks.Callback):
    """Export a SavedModel at the end of training, in TF Serving's ``<base>/<name>/<version>`` layout."""

    def __init__(self, directory: str | os.PathLike, version: int = 1) -> None:
        super().__init__()
        self.directory, self.version = Path(directory), int(version)
        self.exported_to: Path | None = None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if not _is_chief():
            return
        target = self.directory / str(self.version)
        self.model.export(str(target), verbose=False)
        self.exported_to = target
