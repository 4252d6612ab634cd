"""pix2pix's U-Net generator (Isola et al. 2017, sec. 3.2.1 and appendix 6.1.1).

Encoder ``C64-C128-C256-C512-C512-C512-C512-C512`` for 256x256 (Ck: 4x4
convolution, stride 2, norm, LeakyReLU 0.2; no norm on C64), mirrored
decoder ``CD512-CD512-CD512-C512-C256-C128-C64`` (4x4 transposed convolution,
stride 2, norm, dropout 0.5 in the first three blocks, ReLU), each decoder
block concatenated with the encoder block of the same size (the skips), and
a last transposed convolution to the output channels with tanh.

The depth adapts to the image: one stride-2 block per halving until the
shorter side is 1 pixel (32 px: 5 blocks, C64-C128-C256-C512-C512; 256 px: 8).
As in the authors' code, activations come before each convolution (so a skip
carries the normalised pre-activation features) and the innermost block has
no norm (batch statistics of a 1x1 map are degenerate).
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.layers import ReplicaDropout, check_normalization, conv, conv_norm


def unet_depth(image_shape: Sequence[int]) -> int:
    """Stride-2 blocks taking ``(H, W)`` down to a 1-pixel-high (or wide) bottleneck."""
    height, width = int(image_shape[0]), int(image_shape[1])
    depth = min(height, width).bit_length() - 1
    if depth < 2 or height % 2**depth or width % 2**depth:
        raise ValueError(
            f"The U-Net needs image sides that are multiples of a power of two >= 4 equal to the "
            f"shorter side (32, 64, 128, 256, 256x512, ...), got {(height, width)}."
        )
    return depth


def unet_generator(
    input_shape: Sequence[int],
    output_channels: int,
    filters: int = 64,
    max_filters: int = 512,
    norm: str = "batch",
    dropout: float = 0.5,
    dropout_blocks: int = 3,
    seed: int | None = None,
    name: str = "generator",
) -> keras.Model:
    """U-Net ``[H, W, C_in]`` -> ``[H, W, output_channels]`` in [-1, 1].

    ``filters`` is the first block's width (64 in the paper), doubling per
    block up to ``max_filters`` (512). Dropout layers (`ReplicaDropout`: Keras
    `Dropout` with different masks per replica) are active when the generator
    is called with ``training=True`` (the pix2pix model also does so at test
    time, as the paper); an int ``seed`` fixes their initial random state
    (``seed``, ``seed + 1``, ...).
    """
    check_normalization(norm)
    depth = unet_depth(input_shape)
    widths = [min(filters * 2**i, max_filters) for i in range(depth)]
    inputs = keras.Input(tuple(input_shape), name="image")
    x, skips = inputs, []
    for i, width in enumerate(widths):
        if i > 0:
            x = layers.LeakyReLU(0.2)(x)
        outermost_or_innermost = i == 0 or i == depth - 1
        x = conv_norm(x, width, 4, 2, "none" if outermost_or_innermost else norm)
        skips.append(x)
    for block, i in enumerate(reversed(range(depth - 1))):
        x = layers.ReLU()(x)
        x = conv_norm(x, widths[i], 4, 2, norm, transpose=True)
        if block < dropout_blocks and dropout > 0:
            x = ReplicaDropout(dropout, seed=None if seed is None else seed + block)(x)
        x = layers.Concatenate()([skips[i], x])
    x = layers.ReLU()(x)
    outputs = conv(output_channels, 4, 2, transpose=True, activation="tanh", name="images")(x)
    return keras.Model(inputs, outputs, name=name)
