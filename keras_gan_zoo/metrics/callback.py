"""`EvaluationCallback`: FID & co. every N epochs during ``fit``, best checkpoint by FID."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Callable

import keras

from keras_gan_zoo.callbacks import replacing
from keras_gan_zoo.distribute import is_chief
from keras_gan_zoo.metrics.evaluator import METRICS, Evaluator, SampleFn, model_sample_fn


class EvaluationCallback(keras.callbacks.Callback):
    """Evaluate the model every ``every`` epochs and put the results into ``logs``.

    The values are added to the epoch's ``logs`` under ``prefix + key``
    (``fid``, ``kid``, ``kid_std``, ``is``, ``msssim``, ``precision``, ...), so
    `History`, `TensorBoard` and `CSVLogger` record them: list this callback
    *before* `TensorBoard`/`CSVLogger`/`ModelCheckpoint` in ``callbacks=[...]``
    (Keras' own `History` always comes last). On epochs without an evaluation
    the keys are present with NaN, so a CSV has the same columns every epoch.

    With ``best_checkpoint``, the model is saved there (``.keras``, atomically) whenever
    ``monitor`` (default ``fid``; lower is better, ``mode="max"`` for ``is``
    or ``precision``) improves: DCGAN's FID often gets worse late in training.
    A continued run sets ``best`` and ``best_epoch`` first (`keras_gan_zoo.train` takes
    them from ``run.json``), so it keeps the best so far.

    Args:
        evaluator: an `Evaluator` with its reference set, e.g.
            ``Evaluator(["fid", "kid"]); evaluator.set_reference_dataset("digits")``.
        num_samples: generated images per evaluation (FID is biased upwards at
            small N: compare numbers of equal N only).
        every: evaluate after every ``every``-th epoch (and after the last one).
        sample_fn: ``sample_fn(model) -> sample function``; default
            `model_sample_fn` (``model.generate(num_samples=n, seed=s)``).
        seed: the same seed every time, so epochs are compared on the same noise.
    """

    def __init__(self, evaluator: Evaluator, num_samples: int = 2000, every: int = 1,
                 best_checkpoint: str | os.PathLike | None = None, monitor: str = "fid",
                 mode: str = "min", prefix: str = "",
                 sample_fn: Callable[[Any], SampleFn] | None = None, seed: int = 0,
                 verbose: int = 0) -> None:
        super().__init__()
        self.evaluator = evaluator
        self.num_samples, self.every = int(num_samples), max(1, int(every))
        self.best_checkpoint = Path(best_checkpoint) if best_checkpoint is not None else None
        self.keys = [key for metric in evaluator.metrics for key in METRICS[metric]]
        if best_checkpoint is not None and monitor not in self.keys:
            raise ValueError(f"monitor={monitor!r} is not computed; the evaluator gives {self.keys}.")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}.")
        self.monitor, self.mode, self.prefix = monitor, mode, prefix
        self.make_sample_fn = sample_fn or model_sample_fn
        self.seed, self.verbose = int(seed), int(verbose)
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.history: list[dict[str, Any]] = []

    def _due(self, epoch: int) -> bool:
        last = self.params.get("epochs") if self.params else None
        return (epoch + 1) % self.every == 0 or (last is not None and epoch + 1 == last)

    def _improved(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs if logs is not None else {}
        if not self._due(epoch):
            for key in self.keys:
                logs[self.prefix + key] = float("nan")
            return
        results = self.evaluator.evaluate(self.make_sample_fn(self.model), self.num_samples,
                                          seed=self.seed)
        for key in self.keys:
            logs[self.prefix + key] = float(results[key])
        self.history.append({"epoch": epoch + 1, **results})
        value = float(results.get(self.monitor, float("nan")))
        if self._improved(value):
            self.best, self.best_epoch = value, epoch + 1
            if self.best_checkpoint is not None and is_chief(self.model.distribute_strategy):
                self.best_checkpoint.parent.mkdir(parents=True, exist_ok=True)
                with replacing(self.best_checkpoint) as temporary:  # a kill keeps the last best
                    self.model.save(str(temporary))
        if self.verbose and is_chief(self.model.distribute_strategy):
            shown = ", ".join(f"{k} {results[k]:.4g}" for k in self.keys)
            best = ("" if self.best is None else
                    f"; best {self.monitor} {self.best:.4g} at epoch {self.best_epoch}")
            print(f"\nEpoch {epoch + 1}: {shown} ({results['num_samples']} samples, "
                  f"{results['seconds']:.1f} s){best}")
