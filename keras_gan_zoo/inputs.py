"""Validated inference inputs: every message names the input, its expected shape or range.

* NumPy checks for the Python API (``generate``, ``translate``): `check_count`
  for ``num_samples`` and `check_array` for z, latent codes and images.
* Graph-side checks for the SavedModel signatures: `assert_input` (shape,
  finiteness, range), applied by `BaseGAN.export` to every input of every
  signature. A dtype cannot be checked inside the graph: TensorFlow rejects a
  float64 input to a float32 signature before the graph runs ("expected a
  float tensor but is a double tensor"); cast to float32 first.
* The training data's range: `check_training_images` looks at the first batch
  `fit` gets, which must be in the model range [-1, 1] (`keras_gan_zoo.pixels`).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np
import tensorflow as tf

from keras_gan_zoo.config_checks import as_integer


class Range(NamedTuple):
    """The values an input may take, and what to do about values outside."""

    minimum: float
    maximum: float
    hint: str = ""

    def describe(self, name: str) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"{name} must be in [{self.minimum:g}, {self.maximum:g}]{hint}"


def describe_shape(shape: Sequence[int | None]) -> str:
    """``(8,)`` -> ``"[num_samples, 8]"`` (the batch axis first, ``None`` for any size)."""
    return "[" + ", ".join(["num_samples", *("any" if d is None else str(d) for d in shape)]) + "]"


def check_count(value: Any, name: str = "num_samples") -> int:
    """``value`` as an int >= 1, or a ValueError (no silent truncation of 2.5)."""
    count = as_integer(value)
    if count is None or count < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    return count


def check_array(
    value: Any,
    name: str,
    shape: Sequence[int | None],
    value_range: Range | None = None,
    hint: str = "",
    num_samples: int | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    """``value`` as float32 ``[N, *shape]``, finite and within ``value_range``, or a
    ValueError naming ``name`` (``hint`` ends the shape message). N = 0 rows is an
    error unless ``allow_empty``; ``num_samples``, if given, must equal N."""
    array = np.asarray(value, dtype=np.float32)
    expected = describe_shape(shape)
    if array.ndim != len(shape) + 1 or any(
            d is not None and d != a for d, a in zip(shape, array.shape[1:])):
        raise ValueError(f"{name} must have shape {expected}{hint}, got {array.shape}.")
    if len(array) == 0 and not allow_empty:
        raise ValueError(f"{name} has no rows; pass at least one ({expected}).")
    if not np.isfinite(array).all():
        rows = np.flatnonzero(~np.isfinite(array.reshape(len(array), -1)).all(axis=1))
        raise ValueError(f"{name} must be finite: rows {rows[:5].tolist()} hold NaN or inf.")
    if value_range is not None and array.size and (array.min() < value_range.minimum
                                                   or array.max() > value_range.maximum):
        raise ValueError(f"{value_range.describe(name)} (got values in "
                         f"[{array.min():.3g}, {array.max():.3g}]).")
    if num_samples is not None and check_count(num_samples) != len(array):
        raise ValueError(f"num_samples={num_samples} but {name} has {len(array)} rows.")
    return array


def assert_input(
    tensor: tf.Tensor, name: str, shape: Sequence[int | None], value_range: Range | None = None
) -> tf.Tensor:
    """Graph-side check of a serving input ``[N, *shape]``: the sizes of ``shape`` (not
    ``None``), finite values (floats) and ``value_range``; a failure raises an
    InvalidArgumentError whose message names ``name``."""
    checks = []
    known = [(axis, size) for axis, size in enumerate(shape, start=1) if size is not None]
    if known:
        checks.append(tf.debugging.assert_equal(
            tf.gather(tf.shape(tensor), [axis for axis, _ in known]),
            tf.constant([size for _, size in known], tf.int32),
            message=f"{name} must have shape {describe_shape(shape)}"))
    if tensor.dtype.is_floating:
        tensor = tf.debugging.check_numerics(tensor, f"{name} must be finite (no NaN or inf)")
    if value_range is not None:
        message = value_range.describe(name)
        checks += [
            tf.debugging.assert_greater_equal(
                tensor, tf.cast(value_range.minimum, tensor.dtype), message=message),
            tf.debugging.assert_less_equal(
                tensor, tf.cast(value_range.maximum, tensor.dtype), message=message),
        ]
    with tf.control_dependencies(checks):
        return tf.identity(tensor)


#: How far beyond [-1, 1] training images may reach (resampling overshoot) before `fit` refuses them.
MODEL_RANGE_SLACK = 0.05
#: The examples of an array given to `fit` that `check_training_images` looks at.
_PEEK = 64


def check_training_images(data: Any, entry: str) -> None:
    """Refuse training data whose first batch is not in the model range [-1, 1], with a
    ValueError naming the range seen and the conversion (`keras_gan_zoo.pixels.to_model_range`).

    Images in [0, 255] (uint8 or float) or [0, 1] otherwise train without a word: a tanh
    generator cannot reach the data, D tells real from fake by range alone. ``data`` is what
    `fit` got: a `tf.data.Dataset` (its first element is read once), arrays, or a tuple or
    dict of them; every rank-4 part is checked (images, not labels). Generators and
    `keras.utils.PyDataset`s are not peeked at (that would consume them).
    ``fit(..., check_input_range=False)`` skips the check.
    """
    if isinstance(data, tf.data.Dataset):
        element = next(iter(data.take(1)), None)
    elif all(isinstance(part, (np.ndarray, tf.Tensor)) for part in tf.nest.flatten(data)):
        element = tf.nest.map_structure(lambda part: part[:_PEEK], data)
    else:
        return
    for part in tf.nest.flatten(element):
        if len(np.shape(part)) == 4 and np.size(part):
            _check_model_range(np.asarray(part), entry)


def _check_model_range(images: np.ndarray, entry: str) -> None:
    low, high = float(images.min()), float(images.max())
    if images.dtype == np.uint8 or (low >= 0 and high > 1 + MODEL_RANGE_SLACK):
        looks, fix = "[0, 255]", "to_model_range(x) (2 x / 255 - 1)"
    elif low >= 0 and high > 0.5:  # real images in [-1, 1] have dark pixels below 0
        looks, fix = "[0, 1]", "to_model_range(x, maximum=1) (2 x - 1)"
    elif low < -1 - MODEL_RANGE_SLACK or high > 1 + MODEL_RANGE_SLACK:
        looks, fix = "another range", "to_model_range(x, maximum=MAX) after shifting x to [0, MAX]"
    else:
        return
    raise ValueError(
        f"{entry}.fit: the first batch's images are {images.dtype} in [{low:g}, {high:g}], which "
        f"looks like {looks}, but the zoo's entries train on images in [-1, 1] (G ends in tanh): "
        f"convert them with keras_gan_zoo.pixels.{fix}, or load them with "
        "keras_gan_zoo.data.load, which does; fit(..., check_input_range=False) skips this check.")
