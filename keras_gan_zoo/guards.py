"""The divergence guard: a NaN or infinite logged value stops training.

`BaseGAN.fit` trains with it (`guard_divergence`) and so does every run of
``keras-gan-zoo train``; `TrainingFailed` is what a failed run raises.
"""

from __future__ import annotations

import math
import weakref
from typing import Any, Iterable, Sequence

import keras
import numpy as np


class TrainingFailed(RuntimeError):
    """Training stopped because the run failed (it diverged, or the monitor named a
    ``stop_on`` diagnosis): checkpoints keep the last good epoch, nothing is exported."""


class Diverged(TrainingFailed):
    """A logged value became NaN or infinite (raised by `StopOnNonFinite`)."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Stop training when a logged value is NaN or infinite, raising `Diverged` with the
    value's name, the epoch and the batches. On by default in `BaseGAN.fit` and
    ``keras-gan-zoo train`` (`guard_divergence`).

    It raises, as ``keras.callbacks.TerminateOnNaN(raise_error=True)`` does, instead of
    setting ``model.stop_training``: then no epoch-end or train-end callback runs after the
    bad step, so checkpoints and backups keep the last good epoch and nothing is exported.

    Reading a logged value on the host waits for the accelerator, so the logs are checked
    every ``check_every`` batches only, not after each. That misses nothing: the logged
    values are running means over the epoch (`keras.metrics.Mean`), so a NaN at any step
    stays in them until the epoch ends. They are also checked at every epoch end (listed
    first, before any other callback's ``on_epoch_end``) and before every backup written
    mid-epoch (`confirm_finite`, which `run.writers.BackupAndRestore` calls), so no model
    trained past a NaN is ever written. The guard is ``async_safe``: under a backend that
    dispatches batch-end callbacks to a thread (JAX), with callbacks that all allow it, the
    check does not stall the steps (it then raises at the next batch end or epoch end).

    Args:
        keys: the logged names to check (default: all). ``StopOnNonFinite(keys=())`` in
            `fit`'s callbacks turns the default guard off.
        check_every: check the logs every this many batches (1: after each batch).
    """

    async_safe = True

    def __init__(self, keys: Iterable[str] | None = None, check_every: int = 50) -> None:
        super().__init__()
        self.keys = None if keys is None else tuple(keys)
        self.check_every = max(1, int(check_every))
        self._epoch = 0
        self._checked = 0       # batches of this epoch the last check covered
        self._seen = 0          # batches of this epoch seen
        self._logs: dict[str, Any] = {}

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        _GUARDS[id(model)] = self

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch, self._checked, self._seen, self._logs = epoch, 0, 0, {}

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._seen, self._logs = batch + 1, logs or {}
        if self._seen - self._checked >= self.check_every:
            self.check()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.check(logs if logs else None)

    def check(self, logs: dict[str, Any] | None = None) -> None:
        """Raise `Diverged` if a checked value of ``logs`` (default: the last batch's) is
        NaN or infinite; the batches since the last check are named."""
        first, last = self._checked + 1, self._seen
        for name, value in (self._logs if logs is None else logs).items():
            if self.keys is not None and name not in self.keys:
                continue
            try:
                value = float(np.asarray(value, np.float64).reshape(-1)[0])
            except (TypeError, ValueError, IndexError):
                continue  # not a number (a string, an empty array): nothing to check
            if not math.isfinite(value):
                when = (f"batch {last}" if first >= last else
                        f"between batch {first} and {last} (checked every {self.check_every})")
                raise Diverged(
                    f"Training diverged: {name} is {value} at epoch {self._epoch + 1}, {when}. "
                    "Stopped; checkpoints keep the last finished epoch and nothing is exported. "
                    "Try a lower learning_rate.")
        self._checked = last


#: The guard of each model in training, by ``id(model)`` (`confirm_finite`).
_GUARDS: weakref.WeakValueDictionary[int, StopOnNonFinite] = weakref.WeakValueDictionary()


def confirm_finite(model: keras.Model) -> None:
    """Check ``model``'s divergence guard (the `StopOnNonFinite` in its ``fit``) now: a
    callback that writes the model mid-epoch calls it first, so that a model trained past
    a NaN is never written. Nothing to do without a guard."""
    guard = _GUARDS.get(id(model))
    if guard is not None and guard._model is model:  # (`.model` would sync JAX state)
        guard.check()


def guard_divergence(callbacks: Sequence[keras.callbacks.Callback] | None
                     ) -> Sequence[keras.callbacks.Callback]:
    """``callbacks`` with a `StopOnNonFinite` first, unless they hold one already (what
    `BaseGAN.fit` trains with). A `keras.callbacks.CallbackList` is left as it is."""
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return callbacks
    callbacks = list(callbacks or [])
    if any(isinstance(callback, StopOnNonFinite) for callback in callbacks):
        return callbacks
    return [StopOnNonFinite(), *callbacks]
