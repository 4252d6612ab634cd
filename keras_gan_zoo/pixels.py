"""The two pixel ranges of the zoo, and the one conversion each way.

Networks work in the *model range* [-1, 1] (tanh outputs, datasets in [-1, 1]);
everything a person or a server sees is in the *unit range* [0, 1]
(`generate`, `translate`, sample grids, metrics, serving signatures).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import keras
from keras import ops

from keras_gan_zoo.tensorflow_import import tensorflow_imported


def _ops(images: Any) -> Any:
    """The ops of the conversions: `keras.ops`, or for a `tf.Tensor` off the TensorFlow
    backend (images in a `tf.data` pipeline, e.g. `data.transforms.edges`, whose graph cannot
    run the active backend's ops) TensorFlow's."""
    if keras.backend.backend() == "tensorflow" or not tensorflow_imported():
        return ops
    import tensorflow as tf

    if not tf.is_tensor(images):
        return ops
    return SimpleNamespace(cast=tf.cast, clip=tf.clip_by_value)


def to_unit_range(images: Any) -> Any:
    """[-1, 1] -> [0, 1] as float32, clipped: ``clip((x + 1) / 2, 0, 1)``."""
    backend_ops = _ops(images)
    return backend_ops.clip((backend_ops.cast(images, "float32") + 1.0) * 0.5, 0.0, 1.0)


def to_model_range(images: Any, maximum: float = 255.0) -> Any:
    """[0, ``maximum``] -> [-1, 1] as float32: ``2 x / maximum - 1`` (uint8 by default;
    ``maximum=1`` for images already in [0, 1])."""
    return _ops(images).cast(images, "float32") * (2.0 / maximum) - 1.0
