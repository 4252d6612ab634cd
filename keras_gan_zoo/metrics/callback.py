"""`EvaluationCallback`: FID & co. every N epochs during ``fit``, best checkpoint by FID;
`entry_evaluation`: the one a zoo entry's training run uses."""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import keras

from keras_gan_zoo.files import save_checkpoint
from keras_gan_zoo.distribute import is_chief
from keras_gan_zoo.metrics.evaluator import (METRICS, Evaluator, SampleFn, model_sample_fn,
                                             prepare_entry_evaluation)
from keras_gan_zoo.metrics.extractors import FeatureExtractor, get_extractor


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

    def protocol(self) -> dict[str, Any]:
        """What makes two evaluations comparable: the number of samples and the extractor
        (FID's bias depends on the number of samples; features differ per extractor)."""
        return {"num_samples": self.num_samples, "extractor": self.evaluator.extractor.name}

    def _strategy(self) -> Any:
        """The model's `tf.distribute` strategy; ``None`` (the default) on backends whose
        models have none (JAX)."""
        return getattr(self.model, "distribute_strategy", None)

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
            if self.best_checkpoint is not None and is_chief(self._strategy()):
                # Atomic, with the epoch and value inside: a kill keeps the last best, and
                # the file says which epoch it holds even if run.json was not written yet.
                save_checkpoint(self.model, self.best_checkpoint,
                                {"epoch": epoch + 1, self.monitor: value, **self.protocol()})
        if self.verbose and is_chief(self._strategy()):
            shown = ", ".join(f"{k} {results[k]:.4g}" for k in self.keys)
            best = ("" if self.best is None else
                    f"; best {self.monitor} {self.best:.4g} at epoch {self.best_epoch}")
            print(f"\nEpoch {epoch + 1}: {shown} ({results['num_samples']} samples, "
                  f"{results['seconds']:.1f} s){best}")


def default_extractor(image_shape: Iterable[int]) -> str:
    """The extractor a zoo entry is evaluated with when none is named: ``digits`` (the
    shipped digits classifier, offline) for one-channel images of at most 32 px (the
    digits, MNIST), else ``inception_v3`` (its ImageNet weights are downloaded once).
    The one rule for ``train --eval-every`` (`entry_evaluation`) and ``evaluate``, so a
    model is judged in the same feature space by both."""
    height, width, channels = (int(v) for v in image_shape)
    return "digits" if channels == 1 and max(height, width) <= 32 else "inception_v3"


def entry_evaluation(model: Any, every: int, metrics: str | Sequence[str] = "fid",
                     num_samples: int = 2000, extractor: str | FeatureExtractor | None = None,
                     dataset: str = "digits", split: str = "train", data_dir: str | None = None,
                     best_checkpoint: str | os.PathLike | None = None,
                     best: Mapping[str, Any] | None = None, verbose: int = 0
                     ) -> EvaluationCallback:
    """The `EvaluationCallback` of a zoo entry's training run (``keras-gan-zoo train
    --eval-every``): ``metrics`` of ``num_samples`` images every ``every`` epochs against
    ``dataset``'s ``split`` (`prepare_entry_evaluation`; image-to-image entries: the
    held-out offline digits pairs), with ``extractor`` (a name, the path of InceptionV3's
    weights file, or ``None``: `default_extractor`). With FID, the best epoch's model goes
    to ``best_checkpoint``; ``best`` (``{"epoch": E, "fid": F}``, a continued run's best so
    far, from its ``run.json``) is replaced only by a better epoch. A ValueError names the
    fix when the extractor cannot be loaded (InceptionV3's weights, offline)."""
    extractor = extractor if extractor is not None else default_extractor(model.image_shape)
    try:
        if isinstance(extractor, (str, os.PathLike)) and os.fspath(extractor).endswith(".h5"):
            extractor = get_extractor("inception_v3", weights=extractor)
        evaluator = Evaluator(metrics, extractor=extractor)
    except FileNotFoundError as error:
        raise ValueError(f"{error} To evaluate during training: --inception-weights PATH "
                         "(eval_extractor=PATH), or --eval-extractor digits "
                         "(eval_extractor='digits') for digit-like images.") from None
    sample_fn, num_samples = prepare_entry_evaluation(
        evaluator, model, num_samples, dataset=dataset, split=split,
        max_reference=max(num_samples, 10000), data_dir=data_dir)
    callback = EvaluationCallback(
        evaluator, num_samples, every=every, sample_fn=lambda _: sample_fn, verbose=verbose,
        best_checkpoint=best_checkpoint if "fid" in evaluator.metrics else None)
    best = best or {}
    checkpoint = callback.best_checkpoint
    if checkpoint is not None and "fid" in best and checkpoint.is_file():
        changed = {key: (best[key], value) for key, value in callback.protocol().items()
                   if key in best and best[key] != value}
        if changed:  # FIDs of other sample counts or features are not comparable
            was = ", ".join(f"{best[key]} {key.replace('num_', '')}" for key in changed)
            now = ", ".join(f"{value} {key.replace('num_', '')}"
                            for key, (_, value) in changed.items())
            warnings.warn(f"{checkpoint.name} holds epoch {best['epoch']}'s FID {best['fid']:.4g} "
                          f"from {was}; this run evaluates {now}, whose FIDs are not comparable, "
                          f"so the best starts afresh (the next evaluation replaces {checkpoint}).",
                          stacklevel=2)
        else:
            callback.best, callback.best_epoch = float(best["fid"]), int(best["epoch"])
    return callback
