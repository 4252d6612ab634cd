"""Learning-rate schedules that entries and recipes train with (Keras callbacks)."""

from __future__ import annotations

from typing import Any

import keras


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
