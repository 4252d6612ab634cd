"""The divergence guard: a NaN or infinite logged value stops training at once.

`BaseGAN.fit` trains with it (`guard_divergence`) and so does every run of
``keras-gan-zoo train``; `TrainingFailed` is what a failed run raises.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import keras
import numpy as np


class TrainingFailed(RuntimeError):
    """Training stopped because the run failed (it diverged, or the monitor named a
    ``stop_on`` diagnosis): checkpoints keep the last good epoch, nothing is exported."""


class Diverged(TrainingFailed):
    """A logged value became NaN or infinite (raised by `StopOnNonFinite`)."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Stop training at the first batch that logs a NaN or infinite value, raising `Diverged`
    with the value's name, the epoch and the batch. On by default in `BaseGAN.fit` and
    ``keras-gan-zoo train`` (`guard_divergence`).

    It raises, as ``keras.callbacks.TerminateOnNaN(raise_error=True)`` does, instead of
    setting ``model.stop_training``: then no epoch-end or train-end callback runs after the
    bad step, so checkpoints and backups keep the last good epoch and nothing is exported.

    Args:
        keys: the logged names to check (default: all). ``StopOnNonFinite(keys=())`` in
            `fit`'s callbacks turns the default guard off.
    """

    def __init__(self, keys: Iterable[str] | None = None) -> None:
        super().__init__()
        self.keys = None if keys is None else tuple(keys)
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for name, value in (logs or {}).items():
            if self.keys is not None and name not in self.keys:
                continue
            value = float(np.asarray(value, np.float64).reshape(-1)[0])
            if not math.isfinite(value):
                raise Diverged(
                    f"Training diverged: {name} is {value} at epoch {self._epoch + 1}, batch "
                    f"{batch + 1}. Stopped at once; checkpoints keep the last finished epoch "
                    "and nothing is exported. Try a lower learning_rate.")


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
