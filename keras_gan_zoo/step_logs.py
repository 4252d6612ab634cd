"""Each training step's logged values, recovered from the running epoch means Keras logs.

Keras' ``fit`` hands ``on_train_batch_end`` the value of each metric tracker: for the
zoo's entries (`BaseGAN.report`) a `keras.metrics.Mean` that restarts every epoch, so a
plot of these logs is a sawtooth that restarts at each epoch. `StepValues` undoes the
running mean (a few floats per step), for the `TrainingMonitor`, the loss curves
(`run.writers.LossPlot`) and TensorBoard (`run.tensorboard.TensorBoardLog`).
"""

from __future__ import annotations

from typing import Any, Mapping

import keras
from keras import ops


def trained_steps(model: keras.Model) -> int:
    """The training steps ``model`` has taken so far (its generator optimizer's, or its
    optimizer's, iterations; 0 before any): where a resumed or continued run's step count
    goes on, since a checkpoint or backup restores the optimizer state."""
    optimizer = getattr(model, "g_optimizer", None) or getattr(model, "optimizer", None)
    iterations = getattr(optimizer, "iterations", None)
    return 0 if iterations is None else int(keras.ops.convert_to_numpy(iterations))


def report_step(trackers: Mapping[str, keras.metrics.Mean], loss_tracker: Any,
                values: Mapping[str, Any]) -> dict[str, Any]:
    """Update ``trackers`` with a step's per-example ``values`` (the global-batch mean
    whatever the number of replicas) and return every tracker's result, plus ``loss``:
    the sum of the ``*_loss`` values, so that Keras callbacks that read ``logs["loss"]``
    (`keras.callbacks.TerminateOnNaN`) see a non-finite step. It is a health signal, not
    an objective: the networks minimise their own losses. ``loss_tracker``: Keras' own
    ``loss`` tracker (so the epoch's logs and history carry its mean), ``None`` before
    ``compile`` (e.g. a bare ``train_step`` call)."""
    for name, value in values.items():
        trackers[name].update_state(ops.cast(value, "float32"))
    results = {name: tracker.result() for name, tracker in trackers.items()}
    step_loss = sum(ops.mean(ops.cast(value, "float32"))
                    for name, value in values.items() if name.endswith("loss"))
    if loss_tracker is None:
        results["loss"] = step_loss
    else:
        loss_tracker.update_state(step_loss)
        results["loss"] = loss_tracker.result()
    return results


class StepValues:
    """Recover each step's values from the running epoch means of ``fit``'s batch logs.

    Call `start` at the start of training (the step count goes on from `trained_steps`),
    `start_epoch` at each epoch's start, and `update` with each batch's logs::

        steps, values = recovery.update(batch, logs)   # values of the last `steps` steps

    With ``steps_per_execution`` > 1, Keras logs every ``steps`` steps: the values are
    then the mean of those steps. ``step`` is the global step of the last update.
    """

    def __init__(self) -> None:
        self.step = 0
        self.start_epoch()

    def start(self, model: keras.Model) -> None:
        self.step = trained_steps(model)
        self.start_epoch()

    def start_epoch(self) -> None:
        self._last_batch = -1
        self._means: dict[str, float] = {}

    def update(self, batch: int, logs: Mapping[str, Any] | None) -> tuple[int, dict[str, float]]:
        """``(steps, values)``: the steps since the last update and, for each logged name,
        the mean of its values over those steps (the step's own value when ``steps`` is 1)."""
        steps = batch - self._last_batch
        if steps <= 0:  # a new epoch without `start_epoch`: the means were reset
            self.start_epoch()
            steps = batch + 1
        values = {}
        for name, mean in (logs or {}).items():
            mean = float(mean)
            before = (self._last_batch + 1) * self._means.get(name, 0.0)
            values[name] = ((batch + 1) * mean - before) / steps
            self._means[name] = mean
        self._last_batch = batch
        self.step += steps
        return steps, values
