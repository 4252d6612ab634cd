"""PatchGAN discriminators (Isola et al. 2017, sec. 3.2.2 and appendix 6.1.2).

A fully convolutional D that outputs one logit per overlapping patch; the
receptive field of each output sets the patch size:

* 1x1 ("PixelGAN"): ``C64-C128`` with 1x1 convolutions.
* 16x16: ``C64-C128``; 70x70: ``C64-C128-C256-C512``;
  286x286: ``C64-C128-C256-C512-C512-C512``.

Ck: 4x4 convolution, norm, LeakyReLU 0.2; no norm on C64; stride 2 except
in the last Ck and the final 1-channel convolution (stride 1, padding 1, as
the authors' code). Widths double per layer up to 8x ``filters``. A patch
size ``9 * 2**n - 2`` has ``n`` stride-2 layers (16: 1, 70: 3, 286: 5).
Outputs are logits (no sigmoid); the losses average them over the patches.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.layers import check_normalization, conv, conv_norm


def patchgan_layers(receptive_field: int) -> int:
    """Stride-2 layers of a PatchGAN with this receptive field (0 for the 1x1 PixelGAN)."""
    if receptive_field == 1:
        return 0
    for n in range(1, 9):
        if 9 * 2**n - 2 == receptive_field:
            return n
    valid = [1] + [9 * 2**n - 2 for n in range(1, 6)]
    raise ValueError(f"receptive_field must be one of {valid} (pixels), got {receptive_field}.")


def patchgan_discriminator(
    input_shape: Sequence[int],
    filters: int = 64,
    receptive_field: int = 70,
    norm: str = "batch",
    name: str = "discriminator",
) -> keras.Model:
    """``[H, W, C]`` -> ``[H', W', 1]`` patch logits (pix2pix passes concat(input, image) as C)."""
    check_normalization(norm)
    n = patchgan_layers(receptive_field)
    inputs = keras.Input(tuple(input_shape), name="images")
    if n == 0:  # PixelGAN
        x = layers.LeakyReLU(0.2)(conv(filters, 1)(inputs))
        x = layers.LeakyReLU(0.2)(conv_norm(x, filters * 2, 1, norm=norm))
        return keras.Model(inputs, conv(1, 1, name="logits")(x), name=name)
    size = min(int(input_shape[0]), int(input_shape[1]))
    if size // 2**n < 3:
        raise ValueError(
            f"A {receptive_field}x{receptive_field} PatchGAN halves the image {n} times and needs "
            f"at least 3 pixels left (images of {3 * 2**n}+ px); got {tuple(input_shape[:2])}. "
            "Use a smaller receptive_field."
        )
    x = inputs
    for i in range(n + 1):  # n stride-2 layers, then one stride-1 layer
        width = filters * min(2**i, 8)
        strides = 2 if i < n else 1
        if strides == 1:
            x = layers.ZeroPadding2D(1)(x)
        x = conv_norm(x, width, 4, strides, "none" if i == 0 else norm,
                      padding="same" if strides == 2 else "valid")
        x = layers.LeakyReLU(0.2)(x)
    x = layers.ZeroPadding2D(1)(x)
    logits = conv(1, 4, padding="valid", name="logits")(x)
    return keras.Model(inputs, logits, name=name)
