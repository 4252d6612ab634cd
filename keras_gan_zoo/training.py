"""`fit` for strategies where Keras 3's own `fit` does not run.

Keras 3 ``Model.fit`` fails under ``MultiWorkerMirroredStrategy`` (upstream
keras-team/keras#20585, tensorflow/tensorflow#72388; broken since TF 2.16).
`BaseGAN.fit` routes such strategies (`keras_gan_zoo.distribute.needs_custom_loop`)
to :func:`distributed_fit`, a loop that runs the entry's own ``train_step``
through ``strategy.run`` inside a ``tf.function`` and drives ordinary Keras
callbacks (progress bar, History, the zoo's callbacks, ``ModelCheckpoint``,
``BackupAndRestore``...), so user code does not change with the strategy.

When upstream fixes ``fit``, set ``keras_gan_zoo.training.ROUTE_TO_CUSTOM_LOOP``
to an empty tuple (one switch) and the workaround is retired.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np

from keras_gan_zoo.tensorflow_import import lazy_tensorflow

tf = lazy_tensorflow("tf.distribute")


def __getattr__(name: str) -> Any:
    """``ROUTE_TO_CUSTOM_LOOP``: the strategies whose `fit` goes through `distributed_fit`
    instead of Keras' own (the one switch), made at its first read (`tf.distribute` classes:
    TensorFlow is imported then, not with the module); setting it replaces it."""
    if name == "ROUTE_TO_CUSTOM_LOOP":
        globals()[name] = (tf.distribute.MultiWorkerMirroredStrategy,)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _peer_failures() -> tuple[type, ...]:
    """Errors a collective raises when another worker dies (after MWMS's health check or timeout)."""
    return (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
            tf.errors.CancelledError, tf.errors.AbortedError, tf.errors.InternalError)


def _to_python(logs: dict[str, Any]) -> dict[str, float]:
    return {name: float(np.asarray(value)) for name, value in logs.items()}


def distributed_fit(
    model: keras.Model,
    x: tf.data.Dataset,
    epochs: int = 1,
    verbose: int | str = "auto",
    callbacks: Sequence[keras.callbacks.Callback] | None = None,
    steps_per_epoch: int | None = None,
    initial_epoch: int = 0,
    **unsupported: Any,
) -> keras.callbacks.History:
    """Train ``model`` on ``x`` under ``model.distribute_strategy`` like `fit` does.

    ``x`` must be a `tf.data.Dataset` of global batches (it is distributed with
    ``strategy.experimental_distribute_dataset``). Logged values are the
    trackers' means reduced over replicas (``strategy.reduce("MEAN", ...)``),
    i.e. the global-batch values.
    """
    unsupported = {k: v for k, v in unsupported.items() if v not in (None, False, 0, 0.0)}
    unsupported.pop("shuffle", None)
    if unsupported:
        raise ValueError(
            f"fit under {type(model.distribute_strategy).__name__} supports a tf.data.Dataset, "
            f"epochs, steps_per_epoch, initial_epoch, callbacks and verbose; got {sorted(unsupported)}."
        )
    if not isinstance(x, tf.data.Dataset):
        raise ValueError(
            f"fit under {type(model.distribute_strategy).__name__} needs a tf.data.Dataset "
            f"(e.g. keras_gan_zoo.data.load(...)), got {type(x).__name__}."
        )
    strategy = model.distribute_strategy
    distributed = strategy.experimental_distribute_dataset(x)

    @tf.function
    def train_function(batch):
        per_replica = strategy.run(model.train_step, args=(batch,))
        return {name: strategy.reduce("MEAN", value, axis=None)
                for name, value in per_replica.items()}

    if verbose == "auto":
        verbose = 1
    callback_list = keras.callbacks.CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose,
        epochs=epochs, steps=steps_per_epoch, model=model,
    )
    model.stop_training = False
    callback_list.on_train_begin()
    # BackupAndRestore sets `model._initial_epoch` when it restores a backup.
    initial_epoch = max(initial_epoch, getattr(model, "_initial_epoch", None) or 0)
    logs: dict[str, float] = {}
    epoch = initial_epoch
    try:
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            step = 0
            iterator = iter(distributed)
            while steps_per_epoch is None or step < steps_per_epoch:
                optional = iterator.get_next_as_optional()
                if not optional.has_value():
                    break
                callback_list.on_train_batch_begin(step)
                logs = _to_python(train_function(optional.get_value()))
                callback_list.on_train_batch_end(step, logs)
                step += 1
                if model.stop_training:
                    break
            callback_list.on_epoch_end(epoch, dict(logs))
            if model.stop_training:
                break
    except _peer_failures() as error:
        raise RuntimeError(
            f"A peer of this multi-worker job failed or became unreachable during "
            f"epoch {epoch + 1} ({type(error).__name__}). Restart every worker with the same "
            "command: with a BackupAndRestore callback (as 'keras-gan-zoo train' uses) training "
            "resumes from the last backup."
        ) from error
    callback_list.on_train_end(dict(logs))
    # Leave together: a worker that exits while the chief still writes its files (export
    # in on_train_end) is reported to the chief as a crashed task.
    tf.function(lambda: strategy.reduce("SUM", strategy.run(tf.ones, ([],)), axis=None))()
    return model.history
