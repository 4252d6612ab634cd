"""The generator's inputs besides z: class labels (CGAN) and latent codes (InfoGAN).

Checks with clear messages for what users pass to ``generate`` (NumPy, eager),
graph-side checks for what reaches a SavedModel or ``train_step``, and the
stateless per-replica draws used during training.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras import ops

from keras_gan_zoo import engine
from keras_gan_zoo.inputs import Range, check_array, check_count


def check_labels(
    labels: Any, num_classes: int, name: str = "labels", num_samples: int | None = None
) -> np.ndarray:
    """``labels`` as int32 ``[N]``, or a ValueError saying what is wrong.

    Integer class indices in ``[0, num_classes)`` are expected (not one-hot).
    """
    array = np.asarray(labels)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of class indices in [0, {num_classes}) "
            f"(shape [num_samples], not one-hot), got shape {array.shape}."
        )
    if array.size and not (
        np.issubdtype(array.dtype, np.integer)
        or (np.issubdtype(array.dtype, np.floating) and np.all(array == np.round(array)))
    ):
        raise ValueError(f"{name} must be integer class indices, got {array.dtype} values.")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        bad = array[(array < 0) | (array >= num_classes)]
        raise ValueError(
            f"{name} must be in [0, {num_classes}) ({num_classes} classes), "
            f"got {bad[:5].tolist()}."
        )
    if num_samples is not None and check_count(num_samples) != len(array):
        raise ValueError(f"num_samples={num_samples} but {name} has {len(array)} entries.")
    return array.astype(np.int32)


def check_codes(
    codes: Any, dim: int, name: str = "continuous", num_samples: int | None = None
) -> np.ndarray:
    """``codes`` as float32 ``[N, dim]`` (finite), or a ValueError naming the problem."""
    return check_array(codes, name, (dim,), num_samples=num_samples)


class ClassIndices(Range):
    """The values of a serving input of class indices, ``[0, num_classes)``: checked by the
    SavedModel's input checks (`BaseGAN.serving_ranges`), on either backend."""

    __slots__ = ()

    def describe(self, name: str) -> str:
        return f"{name} must be class indices in [0, {int(self.maximum) + 1})"


def class_indices(num_classes: int) -> ClassIndices:
    """The `ClassIndices` range of ``num_classes`` classes."""
    return ClassIndices(0, num_classes - 1)


def assert_labels(labels: Any, num_classes: int, name: str = "label") -> Any:
    """Graph-side check: ``labels`` as int32, checked to lie in ``[0, num_classes)`` (a
    one-hot encoding would otherwise silently give zeros).

    TensorFlow: a graph assertion (``InvalidArgumentError`` when the graph runs). JAX:
    concrete labels are checked at once (``ValueError``); labels traced in a compiled step
    are checked on the host when the step runs (`jax.debug.callback`, the step fails with
    the ValueError's message). A SavedModel checks its class-index inputs by their
    `ClassIndices` ranges instead (a function converted with jax2tf cannot hold host
    callbacks)."""
    message = f"{name} must be class indices in [0, {num_classes})"
    if engine.BACKEND == "tensorflow":
        import tensorflow as tf

        labels = tf.cast(labels, tf.int32)
        with tf.control_dependencies([
            tf.debugging.assert_non_negative(labels, message=message),
            tf.debugging.assert_less(labels, tf.constant(num_classes, tf.int32), message=message),
        ]):
            return tf.identity(labels)
    import jax

    labels = ops.cast(labels, "int32")

    def check(values: Any) -> None:
        values = np.asarray(values)
        bad = values[(values < 0) | (values >= num_classes)]
        if bad.size:
            more = "..." if bad.size > 5 else ""
            raise ValueError(f"{message} (got {' '.join(str(v) for v in bad[:5])}{more})")

    if not isinstance(labels, jax.core.Tracer):
        check(labels)
    else:
        jax.debug.callback(check, labels)
    return labels


def uniform_labels(batch_size: Any, num_classes: int, seed: Any) -> Any:
    """int32 ``[batch_size]`` uniform over ``[0, num_classes)`` from a stateless seed
    (pass `BaseGAN._next_seed()` so that replicas and steps differ)."""
    if engine.BACKEND == "tensorflow":  # tf.random.stateless_uniform's integer draws
        return engine.uniform([batch_size], seed, 0, num_classes, dtype="int32")
    # keras.random.uniform (engine.uniform on JAX) draws floats only: U[0, num_classes) floored.
    draws = engine.uniform([batch_size], seed, 0.0, float(num_classes))
    return ops.minimum(ops.cast(ops.floor(draws), "int32"), num_classes - 1)


def numpy_rng(seed: int | None, stream: int) -> np.random.Generator:
    """A NumPy generator for ``generate``'s random inputs: stream ``stream`` of ``seed``,
    so z (drawn from ``seed`` itself) does not depend on which other inputs were given."""
    return np.random.default_rng(None if seed is None else [int(seed), int(stream)])
