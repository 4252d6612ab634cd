"""The generator's inputs besides z: class labels (CGAN) and latent codes (InfoGAN).

Checks with clear messages for what users pass to ``generate`` (NumPy, eager),
graph-side checks for what reaches a SavedModel or ``train_step``, and the
stateless per-replica draws used during training.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from keras_gan_zoo.inputs import check_array, check_count


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


def assert_labels(labels: tf.Tensor, num_classes: int, name: str = "label") -> tf.Tensor:
    """Graph-side check: ``labels`` as int32 with an assertion that they lie in
    ``[0, num_classes)`` (a one-hot encoding would otherwise silently give zeros)."""
    labels = tf.cast(labels, tf.int32)
    message = f"{name} must be class indices in [0, {num_classes})"
    with tf.control_dependencies([
        tf.debugging.assert_non_negative(labels, message=message),
        tf.debugging.assert_less(labels, tf.constant(num_classes, tf.int32), message=message),
    ]):
        return tf.identity(labels)


def uniform_labels(batch_size: int | tf.Tensor, num_classes: int, seed: tf.Tensor) -> tf.Tensor:
    """int32 ``[batch_size]`` uniform over ``[0, num_classes)`` from a stateless seed
    (pass `BaseGAN._next_seed()` so that replicas and steps differ)."""
    return tf.random.stateless_uniform(
        tf.reshape(batch_size, [1]), seed, minval=0, maxval=num_classes, dtype=tf.int32
    )


def numpy_rng(seed: int | None, stream: int) -> np.random.Generator:
    """A NumPy generator for ``generate``'s random inputs: stream ``stream`` of ``seed``,
    so z (drawn from ``seed`` itself) does not depend on which other inputs were given."""
    return np.random.default_rng(None if seed is None else [int(seed), int(stream)])
