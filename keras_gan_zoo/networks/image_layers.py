"""Layers shared by the image-to-image networks (U-Net, ResNet generator, PatchGAN).

* `ReflectionPadding2D`: ``tf.pad(mode="REFLECT")`` as a layer (CycleGAN pads
  its 7x7 and residual convolutions by reflection), serialisable so that
  ``.keras`` files load without ``custom_objects``.
* `normalization`: the norm a config names: ``"batch"`` (synchronised across
  replicas, PyTorch's momentum 0.1 and epsilon 1e-5), ``"instance"``
  (Ulyanov et al. 2016: per example and channel over H and W, with a learned
  scale and offset; `GroupNormalization` with one group per channel) or
  ``"none"``.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf
from keras import layers

from keras_gan_zoo.networks.dcgan import weight_init
from keras_gan_zoo.networks.mlp import batch_norm

NORMALIZATIONS = ("batch", "instance", "none")


@keras.saving.register_keras_serializable(package="keras_gan_zoo")
class ReflectionPadding2D(layers.Layer):
    """Pad H and W of ``[batch, H, W, C]`` by reflection (``padding`` pixels each side)."""

    def __init__(self, padding: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        p = self.padding
        return tf.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple[int | None, ...]:
        batch, height, width, channels = input_shape
        grow = lambda size: None if size is None else size + 2 * self.padding  # noqa: E731
        return batch, grow(height), grow(width), channels

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding}


def check_normalization(norm: str) -> str:
    if norm not in NORMALIZATIONS:
        raise ValueError(f"norm must be one of {NORMALIZATIONS}, got {norm!r}.")
    return norm


def normalization(norm: str) -> layers.Layer | None:
    """A fresh normalisation layer for ``norm`` (None for ``"none"``)."""
    check_normalization(norm)
    if norm == "batch":
        return batch_norm(
            momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02)
        )
    if norm == "instance":
        return layers.GroupNormalization(
            groups=-1, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02)
        )
    return None


def conv(filters: int, kernel_size: int, strides: int = 1, padding: str = "same",
         use_bias: bool = True, transpose: bool = False, **kwargs: Any) -> layers.Layer:
    """A (transposed) convolution with the N(0, 0.02) weights both papers use."""
    layer = layers.Conv2DTranspose if transpose else layers.Conv2D
    return layer(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
                 kernel_initializer=weight_init(), **kwargs)


def conv_norm(x: tf.Tensor, filters: int, kernel_size: int, strides: int = 1, norm: str = "none",
              padding: str = "same", transpose: bool = False) -> tf.Tensor:
    """Convolution then ``norm`` (no bias before a normalisation that has its own offset)."""
    layer = normalization(norm)
    x = conv(filters, kernel_size, strides, padding, use_bias=layer is None,
             transpose=transpose)(x)
    return x if layer is None else layer(x)
