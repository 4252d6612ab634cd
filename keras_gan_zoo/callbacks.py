"""Keras callbacks that write what people look at: sample grids, loss curves, exports;
and `RunFolder`, where a training run keeps them."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import keras

from keras_gan_zoo.distribute import is_chief
from keras_gan_zoo.plotting import save_image_grid, save_loss_curves


class RunFolder:
    """The files of a training run of entry ``name`` under ``root`` (``keras-gan-zoo train``)."""

    def __init__(self, root: str | os.PathLike, name: str) -> None:
        self.root, self.name = Path(root), name
        self.samples = self.root / "samples"                # sample grids, epoch_XXX.png
        self.loss_curves = self.root / "loss_curves.png"
        self.history = self.root / "history.csv"            # a row of logs per epoch
        self.checkpoint = self.root / "model.keras"         # after the last finished epoch
        self.backup = self.root / "backup"                  # BackupAndRestore: a restart resumes
        self.saved_models = self.root / "saved_model" / name  # TF Serving's base path
        self.saved_model = self.saved_models / "1"          # exported at the end of training

    def __repr__(self) -> str:
        return f"RunFolder({str(self.root)!r}, {self.name!r})"


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
        if (epoch + 1) % self.every or not is_chief(self.model.distribute_strategy):
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
        if is_chief(self.model.distribute_strategy):
            save_loss_curves(self.batch_logs, self.epoch_logs, self.path, self.title)


class ServingExport(keras.callbacks.Callback):
    """Export a SavedModel at the end of training, in TF Serving's ``<base>/<name>/<version>`` layout."""

    def __init__(self, directory: str | os.PathLike, version: int = 1) -> None:
        super().__init__()
        self.directory, self.version = Path(directory), int(version)
        self.exported_to: Path | None = None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if not is_chief(self.model.distribute_strategy):
            return
        target = self.directory / str(self.version)
        self.model.export(str(target), verbose=False)
        self.exported_to = target


class ChiefOnly(keras.callbacks.Callback):
    """Run ``callback`` on the chief only (for callbacks that write files, such as
    `keras.callbacks.ModelCheckpoint` or `CSVLogger`, under a multi-worker strategy)."""

    def __init__(self, callback: keras.callbacks.Callback) -> None:
        super().__init__()
        self.callback = callback
        for hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                     "on_train_batch_begin", "on_train_batch_end"):
            setattr(self, hook, self._forward(hook))

    def _forward(self, hook: str):
        def forward(*args: Any, **kwargs: Any) -> None:
            if is_chief(self.model.distribute_strategy):
                getattr(self.callback, hook)(*args, **kwargs)
        return forward

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        self.callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        self.callback.set_params(params)


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` for any strategy: every worker restores the
    last backup when training starts (run the same command again after a crash), and
    only the chief writes it. On a cluster, ``backup_dir`` must be shared storage."""

    def _save_model(self) -> None:
        if is_chief(self.model.distribute_strategy):
            super()._save_model()


def chief_callbacks(directory: str | os.PathLike, name: str) -> list[keras.callbacks.Callback]:
    """The callbacks `keras-gan-zoo train` uses to keep a run safe, written by the chief only
    into `RunFolder` ``(directory, name)``: ``history.csv``, ``model.keras`` every epoch,
    ``backup/`` (resume after a crash) and the SavedModel ``saved_model/<name>/1`` at the end."""
    folder = RunFolder(directory, name)
    if is_chief():
        folder.root.mkdir(parents=True, exist_ok=True)
    return [
        ChiefOnly(keras.callbacks.CSVLogger(str(folder.history), append=True)),
        ChiefOnly(keras.callbacks.ModelCheckpoint(str(folder.checkpoint))),
        BackupAndRestore(str(folder.backup)),
        ServingExport(folder.saved_models),
    ]


class LinearDecay(keras.callbacks.Callback):
    """Constant learning rate for the first ``constant_fraction`` of the epochs of `fit`,
    then a linear decay towards 0 over the rest (CycleGAN: 100 epochs at 2e-4, then 100
    decaying; the authors' schedule ``lr * (1 - max(0, e + 1 - n) / (n_decay + 1))`` at
    0-based epoch ``e``). Applies to each optimizer of the entry (``g_optimizer``,
    ``d_optimizer``, ...), scaling its own initial rate.

    Args:
        constant_fraction: share of the epochs at the initial rate (0.5 in the paper).
        learning_rate: one initial rate for every optimizer; ``None`` uses each
            optimizer's rate when the model was compiled (`BaseGAN.initial_learning_rates`,
            e.g. from ``compile(g_optimizer=Adam(1e-3))``), which the compile config keeps,
            so a resumed run gives the same schedule.
        epochs: total epochs of the schedule; ``None`` uses ``fit``'s ``epochs``.
    """

    def __init__(self, constant_fraction: float = 0.5, learning_rate: float | None = None,
                 epochs: int | None = None) -> None:
        super().__init__()
        if not 0.0 <= float(constant_fraction) <= 1.0:
            raise ValueError(f"constant_fraction must be in [0, 1], got {constant_fraction}.")
        self.constant_fraction = float(constant_fraction)
        self.learning_rate, self.epochs = learning_rate, epochs

    def factor(self, epoch: int) -> float:
        """The learning-rate multiplier at 0-based ``epoch``."""
        total = int(self.epochs or self.params["epochs"])
        constant = round(total * self.constant_fraction)
        return 1.0 - max(0, epoch + 1 - constant) / float(total - constant + 1)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        factor = self.factor(epoch)
        for name, initial in self.model.initial_learning_rates.items():
            initial = initial if self.learning_rate is None else self.learning_rate
            getattr(self.model, name).learning_rate = initial * factor
