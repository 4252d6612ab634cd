"""The callbacks that write a run's folder: sample grids, loss curves, ``history.csv``, the
checkpoint, the backup and ``run.json`` (`chief_callbacks`: all of them, chief only).

Each write is atomic (`files.replacing`): a kill during one leaves the previous file.
"""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Mapping

import keras

from keras_gan_zoo.distribute import is_chief, model_strategy
from keras_gan_zoo.files import replacing, save_checkpoint, write_text
from keras_gan_zoo.guards import confirm_finite
from keras_gan_zoo.plotting import save_loss_curves, save_sample_grid
from keras_gan_zoo.registry import entry_name
from keras_gan_zoo.run.export import ServingExport
from keras_gan_zoo.run.folder import RunFolder, backup_epoch, load_state, read_loss_records, run_config
from keras_gan_zoo.step_logs import StepValues


class SampleGrid(keras.callbacks.Callback):
    """Write the model's sample grid (from fixed noise) to ``directory/epoch_XXX.png``.

    Uses the entry's own ``sample_grid`` (a class per row for CGAN, pairs for
    CoupledGAN, an example per row for pix2pix, ...; ``num_samples=None``: the entry's
    default), so progress on the same noise can be compared across epochs.
    """

    def __init__(self, directory: str | os.PathLike, num_samples: int | None = None, seed: int = 0,
                 every: int = 1) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.num_samples, self.seed, self.every = num_samples, seed, max(1, int(every))
        self.last_path: Path | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if (epoch + 1) % self.every or not is_chief(model_strategy(self.model)):
            return
        path = self.directory / f"epoch_{epoch + 1:03d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as temporary:  # a kill keeps the previous grid or the new one
            save_sample_grid(self.model, temporary, self.num_samples, self.seed)
        self.last_path = path


class LossPlot(keras.callbacks.Callback):
    """Plot every logged loss/metric of every training step to ``path`` after each epoch
    (so a crash loses nothing already trained): each step's own value, recovered from the
    running epoch means Keras logs (`step_logs.StepValues`: no sawtooth restarting every
    epoch), with a moving average over it, against the global step (`plotting.save_loss_curves`).

    The values also go to ``path`` with the suffix ``.jsonl``, a line per epoch
    (``{"epoch": E, "steps": [...], "values": {name: [...]}, "means": {name: ...}}``,
    ``epoch`` counted from 0, ``steps`` the global steps): a new `LossPlot` whose first
    epoch is ``E`` (a resumed or continued run) starts from the epochs before ``E`` found
    there, so the plot covers the whole run.
    """

    def __init__(self, path: str | os.PathLike, title: str = "") -> None:
        super().__init__()
        self.path, self.title = Path(path), title
        self.data_path = self.path.with_suffix(".jsonl")
        self.steps: list[int] = []                                  # global step of each value
        self.values: dict[str, list[float]] = defaultdict(list)     # name -> a value per step
        self.epoch_ends: list[int] = []                             # the step each epoch ended at
        self._recovery = StepValues()
        self._epoch_steps: list[int] = []
        self._epoch_values: dict[str, list[float]] = defaultdict(list)
        self._resume = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._recovery.start(self.model)
        self._resume = not self.epoch_ends  # a new plot: take what earlier sessions wrote

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._recovery.start_epoch()
        self._epoch_steps, self._epoch_values = [], defaultdict(list)
        if self._resume:
            self._resume = False
            self._load_epochs_before(epoch)

    def _load_epochs_before(self, epoch: int) -> None:
        if not self.data_path.is_file():
            return
        kept = []
        for line, record in read_loss_records(self.data_path):
            if record["epoch"] < epoch:
                kept.append(line)
                self._add(*_step_record(record, self.steps[-1] if self.steps else 0))
        if is_chief(model_strategy(self.model)):
            write_text(self.data_path, "".join(f"{line}\n" for line in kept))

    def _add(self, steps: list[int], values: dict[str, list[float]]) -> None:
        self.steps.extend(steps)
        for name, series in values.items():
            self.values[name].extend(series)
        if steps:
            self.epoch_ends.append(steps[-1])

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        _, values = self._recovery.update(batch, logs)
        self._epoch_steps.append(self._recovery.step)
        for name, value in values.items():
            self._epoch_values[name].append(value)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._add(self._epoch_steps, self._epoch_values)
        if is_chief(model_strategy(self.model)):
            means = {name: float(logs[name]) for name in self._epoch_values if name in (logs or {})}
            self.data_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.data_path, "a") as file:
                record = {"epoch": epoch, "steps": self._epoch_steps,
                          "values": self._epoch_values, "means": means}
                file.write(json.dumps(record) + "\n")
            save_loss_curves(self.steps, self.values, self.path, self.title, self.epoch_ends)


def _step_record(record: dict[str, Any], last_step: int
                 ) -> tuple[list[int], dict[str, list[float]]]:
    """``(steps, values)`` of a line of ``loss_curves.jsonl``; a line of an older version
    (``batches``: Keras' running means, one per step) is converted to each step's values."""
    if "values" in record:
        return list(record["steps"]), record["values"]
    recovery, steps, values = StepValues(), [], defaultdict(list)
    recovery.step = last_step
    batches = record.get("batches", {})
    for batch in range(max(map(len, batches.values()), default=0)):
        _, step_values = recovery.update(batch, {name: series[batch] for name, series in
                                                 batches.items() if batch < len(series)})
        steps.append(recovery.step)
        for name, value in step_values.items():
            values[name].append(value)
    return steps, values


class HistoryCSV(keras.callbacks.Callback):
    """``path``: a row of epoch logs per epoch (``epoch``, then the names), as
    `keras.callbacks.CSVLogger` writes it; rewritten atomically by the chief each epoch.

    Rows of this epoch or later (left by an interrupted session that is being resumed) are
    replaced, so the epoch column counts up through resumes and continuations. Columns
    that hold no value (the ``val_*`` columns of ``NA`` that `keras.callbacks.CSVLogger`
    adds for a run without validation data, in folders of earlier versions) are dropped.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not is_chief(model_strategy(self.model)):
            return
        fields, rows = ["epoch"], []
        if self.path.is_file():
            with open(self.path, newline="") as file:
                reader = csv.DictReader(file)
                fields = list(reader.fieldnames or fields)
                rows = [row for row in reader
                        if (row.get("epoch") or "").isdigit() and int(row["epoch"]) < epoch]
        logs = {name: float(value) for name, value in (logs or {}).items()}
        fields = [name for name in fields if name == "epoch" or name in logs
                  or any(row.get(name) not in (None, "", "NA") for row in rows)]
        fields += [name for name in sorted(logs) if name not in fields]
        with replacing(self.path) as temporary:
            with open(temporary, "w", newline="") as file:
                writer = csv.DictWriter(file, fields, restval="", extrasaction="ignore")
                writer.writeheader()
                writer.writerows([*rows, {"epoch": epoch, **logs}])


class Checkpoint(keras.callbacks.Callback):
    """``model.save(path)`` (a ``.keras`` file) after every epoch, by the chief, atomically
    and with the epoch it holds inside (`save_checkpoint`): a kill during the write leaves
    the previous checkpoint."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if is_chief(model_strategy(self.model)):
            save_checkpoint(self.model, self.path, {"epoch": epoch + 1})


class RunRecord(keras.callbacks.Callback):
    """Keep a `RunFolder`'s ``run.json`` (the chief only): the entry, its config and the
    epochs asked for at the start, the epochs done after each epoch, ``finished`` at the end
    (``finish=False``: left to the `ServingExport` of the folder, which records it with
    the export). With ``evaluation`` (a `metrics.EvaluationCallback` listed before it), also
    its best epoch so far: ``"best": {"epoch": E, "fid": value, "checkpoint": "best.keras"}``.
    ``extra``: more of what the run is, written at the start (`keras_gan_zoo.train`: its
    recipe, dataset and split, and the preset it was fine-tuned from)."""

    def __init__(self, folder: RunFolder, evaluation: Any = None,
                 extra: Mapping[str, Any] | None = None, finish: bool = True) -> None:
        super().__init__()
        self.folder, self.evaluation, self.extra = folder, evaluation, dict(extra or {})
        self.finish = finish

    def _write(self, **changes: Any) -> None:
        if is_chief(model_strategy(self.model)):
            self.folder.write_record(**changes)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._write(entry=entry_name(self.model),
                    config=run_config(self.model), epochs=self.params.get("epochs"),
                    status="running", **self.extra)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        best = self.evaluation
        if best is not None and best.best_epoch == epoch + 1 and best.best_checkpoint is not None:
            self._write(epochs_done=epoch + 1, best={"epoch": epoch + 1, best.monitor: best.best,
                                                     "checkpoint": best.best_checkpoint.name,
                                                     **best.protocol()})
        else:
            self._write(epochs_done=epoch + 1)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.finish:
            self._write(status="finished")


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` for any strategy: every worker restores the
    last backup when training starts (run the same command again after a crash), and
    only the chief writes it and deletes it at the end. On a cluster, ``backup_dir`` must
    be shared storage. Writes are atomic (a kill during one leaves the previous backup)
    and an unreadable backup is named. ``restore=False`` only writes (`keras_gan_zoo.train`
    restores a run itself)."""

    def __init__(self, backup_dir: str | os.PathLike, save_freq: str | int = "epoch",
                 restore: bool = True) -> None:
        super().__init__(os.fspath(backup_dir), save_freq=save_freq)
        self.restore = restore

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.restore:
            return
        try:
            epoch = backup_epoch(self.backup_dir)
            if epoch is not None:
                load_state(self.model, self._weights_path)
                self.model._initial_epoch = epoch  # where Keras' fit starts, as Keras' own callback sets it
        except ValueError as error:
            raise ValueError(f"{error} Delete {self.backup_dir} to train afresh.") from None

    def _save_model(self) -> None:
        confirm_finite(self.model)  # mid-epoch (``save_freq`` batches): never back up a NaN model
        if not is_chief(model_strategy(self.model)):
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        with replacing(self._weights_path) as temporary:
            self.model.save_weights(str(temporary), overwrite=True)
        write_text(self._training_metadata_path,
                   json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if is_chief(model_strategy(self.model)):
            super().on_train_end(logs)


def chief_callbacks(directory: str | os.PathLike, name: str, restore: bool = True,
                    evaluation: Any = None, record: Mapping[str, Any] | None = None
                    ) -> list[keras.callbacks.Callback]:
    """The callbacks `keras-gan-zoo train` uses to keep a run safe, written by the chief only
    into `RunFolder` ``(directory, name)``: ``history.csv``, ``model.keras`` and ``run.json``
    (with ``evaluation``'s best epoch, see `RunRecord`) every epoch, ``backup/`` (resume
    after a crash; ``restore`` as in `BackupAndRestore`) and, at the end, a SavedModel in
    the next free version of ``saved_model/<name>/``. The run is recorded ``finished``
    only once that export exists, and the backup removed after that, so a kill during the
    export leaves a run that a re-run finishes (`RunFolder.finish`); ``record``:
    `RunRecord`'s ``extra``."""
    folder = RunFolder(directory, name)
    if is_chief():
        folder.root.mkdir(parents=True, exist_ok=True)
    return [
        HistoryCSV(folder.history),
        Checkpoint(folder.checkpoint),
        RunRecord(folder, evaluation, record, finish=False),
        ServingExport(folder.saved_models, folder=folder),
        BackupAndRestore(folder.backup, restore=restore),
    ]
