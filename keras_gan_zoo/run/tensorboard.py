"""`TensorBoardLog`: a training run in TensorBoard (``tensorboard --logdir runs``).

Written with TensorFlow's own ``tf.summary.write`` and the summary metadata of
TensorBoard's scalar, image and text plugins, so writing needs no ``tensorboard``
package (``tf.summary.scalar`` and friends import it); only viewing does.
"""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path
from typing import Any, Mapping

import keras
import yaml

from keras_gan_zoo.run.folder import run_config
from keras_gan_zoo.distribute import is_chief, model_strategy
from keras_gan_zoo.registry import entry_name
from keras_gan_zoo.step_logs import StepValues
from keras_gan_zoo.tensorflow_import import lazy_tensorflow

tf = lazy_tensorflow("TensorBoard summaries")

#: Each plugin's data class, by its name in ``summary_pb2`` (TensorFlow's, imported when written).
_PLUGINS = {"scalars": "DATA_CLASS_SCALAR",
            "images": "DATA_CLASS_BLOB_SEQUENCE",
            "text": "DATA_CLASS_TENSOR"}


def _metadata(plugin: str) -> Any:
    """What TensorBoard's ``plugin`` (``scalars``, ``images``, ``text``) reads: its name and
    data class (the plugins' version-0 content is empty); a ``summary_pb2.SummaryMetadata``."""
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin),
        data_class=getattr(summary_pb2, _PLUGINS[plugin]))


def write_scalar(tag: str, value: float, step: int) -> None:
    """A point of the scalar curve ``tag`` at ``step`` (into the default writer)."""
    tf.summary.write(tag, tf.constant(float(value), tf.float32), step=step,
                     metadata=_metadata("scalars"))


def write_png(tag: str, png: bytes, step: int) -> None:
    """A PNG picture under ``tag`` at ``step``, as TensorBoard's image summary stores it
    (width, height, encoded image)."""
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    tf.summary.write(tag, tf.constant([str(width), str(height), png]), step=step,
                     metadata=_metadata("images"))


def write_text(tag: str, text: str, step: int) -> None:
    """A Markdown text under ``tag`` at ``step``."""
    tf.summary.write(tag, tf.constant(text), step=step, metadata=_metadata("text"))


def code_block(text: str) -> str:
    """``text`` as a Markdown code block (TensorBoard's text plugin renders Markdown)."""
    return "\n".join(f"    {line}" for line in text.splitlines())


class TensorBoardLog(keras.callbacks.Callback):
    """Write a training run into ``directory`` for TensorBoard (the chief only):

    * ``step/<name>``: every logged value at every training step (each step's own value,
      recovered from Keras' running epoch means by `step_logs.StepValues`);
    * ``epoch/<name>``: the epoch's logs (the epoch means) at the epoch's last step, and
      ``eval/<name>`` for values logged per epoch only (an `EvaluationCallback`'s FID);
    * ``samples``: the sample grid ``grid`` (a `run.writers.SampleGrid` listed before this
      callback) wrote this epoch;
    * ``diagnoses``: each diagnosis of ``monitor`` (a `TrainingMonitor` listed before this
      callback), at its step;
    * ``texts`` (e.g. ``{"config": ..., "recipe": ...}``, Markdown) at the start.

    Steps are global: they go on from the optimizer's iterations (`step_logs.trained_steps`),
    so a resumed or continued run extends the same curves. Each session adds an events file
    (a session killed mid-epoch leaves that epoch's first steps, which the resumed run
    trains again: TensorBoard then shows two values at those steps).
    """

    def __init__(self, directory: str | os.PathLike, texts: Mapping[str, str] | None = None,
                 grid: Any = None, monitor: Any = None) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.texts, self.grid, self.monitor = dict(texts or {}), grid, monitor
        self.writer: Any = None
        self._recovery = StepValues()
        self._step_names: set[str] = set()
        self._diagnosed = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not is_chief(model_strategy(self.model)):
            return
        self.writer = tf.summary.create_file_writer(str(self.directory))
        self._recovery.start(self.model)
        self._diagnosed = len(getattr(self.monitor, "diagnoses", ()))
        with self.writer.as_default():
            for tag, text in self.texts.items():
                write_text(tag, text, self._recovery.step)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._recovery.start_epoch()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.writer is None:
            return
        _, values = self._recovery.update(batch, logs)
        self._step_names.update(values)
        with self.writer.as_default():
            for name, value in values.items():
                write_scalar(f"step/{name}", value, self._recovery.step)
            self._write_diagnoses()
        if not all(map(math.isfinite, values.values())):
            self.writer.flush()  # the divergence guard stops the run next

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.writer is None:
            return
        step = self._recovery.step
        with self.writer.as_default():
            for name, value in (logs or {}).items():
                if math.isfinite(float(value)):
                    group = "epoch" if name in self._step_names else "eval"
                    write_scalar(f"{group}/{name}", float(value), step)
            path = getattr(self.grid, "last_path", None)
            if path is not None and Path(path).name == f"epoch_{epoch + 1:03d}.png":
                write_png("samples", Path(path).read_bytes(), step)
            self._write_diagnoses()
        self.writer.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def _write_diagnoses(self) -> None:
        diagnoses = getattr(self.monitor, "diagnoses", ())
        for diagnosis in diagnoses[self._diagnosed:]:
            write_text("diagnoses", diagnosis.line(), diagnosis.step)
        if len(diagnoses) > self._diagnosed:
            self._diagnosed = len(diagnoses)
            self.writer.flush()  # a stop_on diagnosis fails the run next


def settings_text(model: keras.Model, evaluation: Any = None, **settings: Any) -> str:
    """A run's ``settings``, its ``evaluation`` (a `metrics.EvaluationCallback`) and the
    entry's config as YAML in a Markdown code block: the ``config`` text of its events."""
    settings = {"entry": entry_name(model), **settings}
    if evaluation is not None:
        evaluator = evaluation.evaluator
        settings["evaluation"] = {"every": evaluation.every, "metrics": list(evaluator.metrics),
                                  "samples": evaluation.num_samples,
                                  "extractor": evaluator.extractor.name}
    settings["config"] = run_config(model)
    return code_block(yaml.safe_dump(settings, sort_keys=False))
