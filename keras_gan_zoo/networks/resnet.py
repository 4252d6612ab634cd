"""CycleGAN's ResNet generator (Zhu et al. 2017, appendix 7.2; Johnson et al. 2016).

``c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-C``:

* c7s1-k: 7x7 convolution, stride 1, k filters, instance norm, ReLU, after a
  reflection padding of 3 (the last one: no norm, tanh, C = image channels).
* dk: 3x3 convolution, stride 2, instance norm, ReLU.
* Rk: residual block of two 3x3 convolutions (reflection padding 1 each,
  instance norm, ReLU after the first), added to its input.
* uk: 3x3 fractional-strided convolution, stride 1/2, instance norm, ReLU.

``n`` is 6 for images of at most 128 px and 9 for larger ones, as the paper.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.layers import ReflectionPadding2D, check_normalization, conv, conv_norm


def default_residual_blocks(image_shape: Sequence[int]) -> int:
    """6 residual blocks for images up to 128 px, 9 above (the paper's 256 px)."""
    return 6 if max(int(image_shape[0]), int(image_shape[1])) <= 128 else 9


def resnet_generator(
    input_shape: Sequence[int],
    output_channels: int,
    filters: int = 64,
    num_blocks: int | None = None,
    norm: str = "instance",
    name: str = "generator",
) -> keras.Model:
    """ResNet generator ``[H, W, C_in]`` -> ``[H, W, output_channels]`` in [-1, 1] (H, W multiples of 4)."""
    check_normalization(norm)
    height, width = int(input_shape[0]), int(input_shape[1])
    if height % 4 or width % 4:
        raise ValueError(f"The ResNet generator needs image sides divisible by 4, got {(height, width)}.")
    num_blocks = default_residual_blocks(input_shape) if num_blocks is None else int(num_blocks)
    inputs = keras.Input(tuple(input_shape), name="image")
    x = ReflectionPadding2D(3)(inputs)
    x = layers.ReLU()(conv_norm(x, filters, 7, 1, norm, padding="valid"))
    for width_factor in (2, 4):  # d128, d256
        x = layers.ReLU()(conv_norm(x, filters * width_factor, 3, 2, norm))
    for _ in range(num_blocks):  # R256
        y = ReflectionPadding2D(1)(x)
        y = layers.ReLU()(conv_norm(y, filters * 4, 3, 1, norm, padding="valid"))
        y = ReflectionPadding2D(1)(y)
        y = conv_norm(y, filters * 4, 3, 1, norm, padding="valid")
        x = layers.Add()([x, y])
    for width_factor in (2, 1):  # u128, u64
        x = layers.ReLU()(conv_norm(x, filters * width_factor, 3, 2, norm, transpose=True))
    x = ReflectionPadding2D(3)(x)
    outputs = conv(output_channels, 7, 1, padding="valid", activation="tanh", name="images")(x)
    return keras.Model(inputs, outputs, name=name)
