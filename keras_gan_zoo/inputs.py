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

import zipfile
from typing import Any, NamedTuple, Sequence

import keras
import numpy as np

from keras_gan_zoo.config_checks import whole_number
from keras_gan_zoo.tensorflow_import import lazy_tensorflow, tensorflow_imported

tf = lazy_tensorflow("checking a tf.data dataset or a serving input")


class Range(NamedTuple):
    """The values an input may take, and what to do about values outside."""

    minimum: float
    maximum: float
    hint: str = ""

    def describe(self, name: str) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"{name} must be in [{self.minimum:g}, {self.maximum:g}]{hint}"


#: What reading a damaged or foreign ``.keras`` / ``.weights.h5`` file raises in Keras
#: (a cut zip, a missing member, a variable of another shape).
UNREADABLE_KERAS_FILE = (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile)


def unreadable_keras_file(name: str, error: BaseException | None = None, *,
                          other_model: bool = False, fix: str = "") -> ValueError:
    """The one error for a Keras file that cannot be read: ``"{name} is not a readable
    Keras file (truncated or corrupt; {error}); {fix}."``. ``other_model``: the file is
    loaded into a given model, so it may also be another model's."""
    of = " of this model" if other_model else ""
    causes = "truncated, corrupt or of another model" if other_model else "truncated or corrupt"
    if error is not None:
        detail = " ".join(str(error).split())[:160]
        causes += f"; {type(error).__name__}: {detail}"
    return ValueError(f"{name} is not a readable Keras file{of} ({causes})"
                      + (f"; {fix}" if fix else "") + ".")


def describe_shape(shape: Sequence[int | None]) -> str:
    """``(8,)`` -> ``"[num_samples, 8]"`` (the batch axis first, ``None`` for any size)."""
    return "[" + ", ".join(["num_samples", *("any" if d is None else str(d) for d in shape)]) + "]"


def check_count(value: Any, name: str = "num_samples") -> int:
    """``value`` as an int >= 1, or a ValueError (no silent truncation of 2.5)."""
    return whole_number(value, name, 1)


def check_image_shape(shape: Sequence[int | None], expected: Sequence[int], entry: type,
                      what: str = "images") -> None:
    """Raise a ValueError naming the fix if ``shape`` (no batch axis) is not ``expected``,
    the image shape the ``entry`` class was built for (``None`` sizes match any)."""
    shape, expected = tuple(shape), tuple(expected)
    if len(shape) != 3 or any(s is not None and s != e for s, e in zip(shape, expected)):
        h, w, c = expected
        raise ValueError(
            f"{what} have shape {shape} but this {entry.__name__} was built for "
            f"image_shape {expected}. Load the data with "
            f"image_size=({h}, {w}), channels={c}, or build the model for your data, "
            f"e.g. build({getattr(entry, 'zoo_name', entry.__name__)!r}, image_shape=[H, W, C])."
        )


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


#: How far beyond [-1, 1] training images may reach (resampling overshoot) before `fit`
#: refuses them.
MODEL_RANGE_SLACK = 0.05
#: The examples of an array given to `fit` that `check_training_images` looks at.
_PEEK = 64


def check_training_images(data: Any, entry: str) -> Any:
    """``data`` (what `fit` got) with the range of its images checked: images in [0, 255]
    (uint8 or float) or [0, 1] otherwise train without a word (a tanh generator cannot reach
    the data; D tells real from fake by range alone). The zoo's entries train on the model
    range [-1, 1] (`keras_gan_zoo.pixels`); the error names the range seen and the conversion.

    * arrays, or a tuple or dict of them: the first 64 examples are checked now (ValueError);
    * a `tf.data.Dataset`: the first batch of each pass is checked as it is read (a map in
      the pipeline; an InvalidArgumentError with the same message). Peeking at a dataset
      beforehand would advance its shuffle's seeds, and so change the run;
    * generators and `keras.utils.PyDataset`s are returned unchecked (peeking consumes them).

    Every rank-4 part of an element is checked (images, not labels).
    ``fit(..., check_input_range=False)`` skips the check.
    """
    # Without TensorFlow imported no part of ``data`` can be TensorFlow's (`tensorflow_import`).
    with_tensorflow = tensorflow_imported()
    if with_tensorflow and isinstance(data, tf.data.Dataset):
        def first_checked(index: tf.Tensor, element: Any) -> Any:
            parts = [tf.cond(index == 0, lambda p=part: _assert_model_range(p, entry),
                             lambda p=part: p) if part.shape.rank == 4 else part
                     for part in tf.nest.flatten(element)]
            return tf.nest.pack_sequence_as(element, parts)

        return data.enumerate().map(first_checked)
    flatten = tf.nest.flatten if with_tensorflow else keras.tree.flatten
    arrays = (np.ndarray, tf.Tensor) if with_tensorflow else np.ndarray
    if not all(isinstance(part, arrays) for part in flatten(data)):
        return data
    for part in flatten(data):
        if len(np.shape(part)) == 4 and np.size(part):
            images = np.asarray(part[:_PEEK])
            low, high = float(images.min()), float(images.max())
            if not _in_model_range(low, high):
                raise ValueError(f"{_range_message(entry)} (got {images.dtype.name} in "
                                 f"[{low:g}, {high:g}]).")
    return data


def _in_model_range(low: Any, high: Any) -> Any:
    """False for images in [0, 255] or [0, 1] (none below 0, some above 0.5: real images in
    [-1, 1] have dark pixels below 0) or otherwise beyond [-1, 1]; numbers or tensors."""
    beyond = (low < -1 - MODEL_RANGE_SLACK) | (high > 1 + MODEL_RANGE_SLACK)
    unit_or_bytes = (low >= 0) & (high > 0.5)
    if tensorflow_imported() and isinstance(beyond, tf.Tensor):
        return ~(beyond | unit_or_bytes)
    return not (beyond or unit_or_bytes)


def _range_message(entry: str) -> str:
    return (f"{entry}.fit: the zoo's entries train on images in [-1, 1] (G ends in tanh), but "
            "the first batch is not: convert images in [0, 255] (or uint8) with "
            "keras_gan_zoo.pixels.to_model_range(x) (2 x / 255 - 1), images in [0, 1] with "
            "to_model_range(x, maximum=1) (2 x - 1), or load them with keras_gan_zoo.data.load, "
            "which does; fit(..., check_input_range=False) skips this check")


def _assert_model_range(images: tf.Tensor, entry: str) -> tf.Tensor:
    values = tf.cast(images, tf.float32)
    low, high = tf.reduce_min(values), tf.reduce_max(values)
    check = tf.debugging.Assert(_in_model_range(low, high) | (tf.size(values) == 0),
                                [f"{_range_message(entry)}; got {images.dtype.name} in", low, high])
    with tf.control_dependencies([check]):
        return tf.identity(images)
