"""DCGAN networks, as in the paper (Radford, Metz & Chintala 2015, sec. 3-4).

* G: project and reshape z, then strided transposed convolutions, batch norm
  and ReLU everywhere but the tanh output layer.
* D: strided convolutions, LeakyReLU(0.2), batch norm on all but the first
  layer, no pooling, no fully connected hidden layer: the last feature map is
  flattened into one logit.
* All weights ~ N(0, 0.02); batch-norm scales ~ N(1, 0.02) as in the authors'
  code.

Both size themselves to the image: ``H = h0 * 2**n`` with ``h0 >= 4``
(28 = 7 * 2**2, 32 = 4 * 2**3, 64 = 4 * 2**4); the channel count doubles per
step away from the image, as in the paper's 64x64 model (1024-512-256-128).

Each network is a list of block functions (`networks.layers.BlockFn`):
`dcgan_generator_blocks` and `dcgan_discriminator_blocks`; the builders stack
them on an input, CoupledGAN shares some of them between two networks and
EBGAN's auto-encoder takes the discriminator's without the logit.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.layers import (
    BlockFn,
    Conv2DTranspose,
    apply_layers,
    dcgan_batch_norm,
    stack_blocks,
    weight_init,
)
from keras_gan_zoo.networks.options import DiscriminatorOptions


def dcgan_upsampling_plan(image_shape: Sequence[int]) -> tuple[int, int, int]:
    """``(h0, w0, n)``: the smallest feature map and how many stride-2 steps reach the image."""
    height, width = int(image_shape[0]), int(image_shape[1])
    steps = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) // 2 >= 4:
        height, width, steps = height // 2, width // 2, steps + 1
    if steps == 0:
        raise ValueError(
            f"DCGAN needs image sides of the form h0 * 2**n with h0 >= 4 and n >= 1 "
            f"(e.g. 28, 32, 64), got {tuple(image_shape[:2])}."
        )
    return height, width, steps


# ------------------------------------------------------------------ blocks
def dense_block(units: int, activation: Callable[[], layers.Layer],
                options: DiscriminatorOptions = DiscriminatorOptions(), *,
                suffix: str = "") -> list[layers.Layer]:
    """Fully connected (no bias), batch norm, ``activation()`` (InfoGAN's FC1024);
    in a D, ``options``' norm (`DiscriminatorOptions.normalization`: under spectral
    norm, normalised and with a bias instead of batch norm)."""
    dense = layers.Dense(units, use_bias=not options.normalizes(True),
                         kernel_initializer=weight_init())
    norm = options.normalization(True)  # made after the weight layer: the seeds' order
    return [options.weight(dense), *([norm] if norm else []), activation()]


def projection_block(height: int, width: int, channels: int, *,
                     suffix: str = "") -> list[layers.Layer]:
    """z projected and reshaped to ``(height, width, channels)``, batch norm, ReLU."""
    return [layers.Dense(height * width * channels, use_bias=False,
                         kernel_initializer=weight_init()),
            layers.Reshape((height, width, channels)), dcgan_batch_norm(), layers.ReLU()]


def upsampling_block(channels: int, kernel_size: int, *, suffix: str = "") -> list[layers.Layer]:
    """Stride-2 transposed convolution (no bias), batch norm, ReLU."""
    return [Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                            use_bias=False, kernel_initializer=weight_init()),
            dcgan_batch_norm(), layers.ReLU()]


def image_block(channels: int, kernel_size: int, *, suffix: str = "") -> list[layers.Layer]:
    """Stride-2 transposed convolution to the image channels with tanh: ``images<suffix>``."""
    return [Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                            activation="tanh", kernel_initializer=weight_init(),
                            name=f"images{suffix}")]


def downsampling_block(filters: int, kernel_size: int, negative_slope: float, norm: bool,
                       flatten: bool, options: DiscriminatorOptions = DiscriminatorOptions(),
                       *, suffix: str = "") -> list[layers.Layer]:
    """Stride-2 convolution, batch norm if ``norm`` (else a bias), LeakyReLU, and the
    flattening of the last feature map if ``flatten``; ``options``' minibatch std
    before the last block's convolution, spectral norm and norm
    (`DiscriminatorOptions.normalization`: none under SN, layer norm with a gradient penalty)."""
    block = [*(options.stddev() if flatten else []), options.weight(
        layers.Conv2D(filters, kernel_size, strides=2, padding="same",
                      use_bias=not options.normalizes(norm), kernel_initializer=weight_init()))]
    norm_layer = options.normalization(norm)  # made after the weight layer: the seeds' order
    if norm_layer is not None:
        block.append(norm_layer)
    block.append(layers.LeakyReLU(negative_slope))
    if flatten:
        block.append(layers.Flatten())
    return block


def logit_block(options: DiscriminatorOptions = DiscriminatorOptions(), *,
                suffix: str = "") -> list[layers.Layer]:
    """One logit, no sigmoid: ``logits<suffix>`` (after ``options``' minibatch discrimination)."""
    return options.head(layers.Dense(1, kernel_initializer=weight_init(), name=f"logits{suffix}"))


def dcgan_generator_blocks(
    image_shape: Sequence[int],
    filters: int = 128,
    kernel_size: int = 5,
    hidden_units: Sequence[int] = (),
) -> list[BlockFn]:
    """The blocks of `dcgan_generator`: ``hidden_units`` FC blocks, the projection
    to ``(h0, w0, filters * 2**(n-1))``, n - 1 upsampling blocks halving the
    channels, the tanh image block."""
    h0, w0, steps = dcgan_upsampling_plan(image_shape)
    channels = filters * 2 ** (steps - 1)
    return [
        *(partial(dense_block, units, layers.ReLU) for units in hidden_units),
        partial(projection_block, h0, w0, channels),
        *(partial(upsampling_block, channels // 2**i, kernel_size) for i in range(1, steps)),
        partial(image_block, int(image_shape[2]), kernel_size),
    ]


def dcgan_discriminator_blocks(
    image_shape: Sequence[int],
    filters: int = 64,
    kernel_size: int = 5,
    negative_slope: float = 0.2,
    hidden_units: Sequence[int] = (),
    options: DiscriminatorOptions = DiscriminatorOptions(),
) -> list[BlockFn]:
    """The blocks of `dcgan_discriminator`: n downsampling blocks (filters,
    2*filters, ...; batch norm on all but the first; the last one flattens),
    ``hidden_units`` FC blocks, the logit block; with the `DiscriminatorOptions`."""
    _, _, steps = dcgan_upsampling_plan(image_shape)
    leaky_relu = partial(layers.LeakyReLU, negative_slope)
    return [
        *(partial(downsampling_block, filters * 2**i, kernel_size, negative_slope, i > 0,
                  i == steps - 1, options) for i in range(steps)),
        *(partial(dense_block, units, leaky_relu, options) for units in hidden_units),
        partial(logit_block, options),
    ]


# ---------------------------------------------------------------- networks
def dcgan_generator(
    latent_dim: int,
    image_shape: Sequence[int],
    filters: int = 128,
    kernel_size: int = 5,
    hidden_units: Sequence[int] = (),
    name: str = "generator",
) -> keras.Model:
    """z -> (h0, w0, filters * 2**(n-1)) -> ... -> (H, W, C) with tanh.

    ``filters`` is the width of the last hidden layer (128 in the paper's
    64x64 model, whose first layer then has 1024 channels). ``hidden_units``
    adds fully connected layers (batch norm, ReLU) before the projection, as in
    InfoGAN's MNIST generator (FC1024).
    """
    z = keras.Input((latent_dim,), name="z")
    blocks = dcgan_generator_blocks(image_shape, filters, kernel_size, hidden_units)
    return keras.Model(z, apply_layers(stack_blocks(blocks), z), name=name)


def dcgan_discriminator(
    image_shape: Sequence[int],
    filters: int = 64,
    kernel_size: int = 5,
    negative_slope: float = 0.2,
    hidden_units: Sequence[int] = (),
    return_features: bool = False,
    options: DiscriminatorOptions = DiscriminatorOptions(),
    name: str = "discriminator",
) -> keras.Model:
    """(H, W, C) -> strided convolutions (filters, 2*filters, ...) -> one logit.

    ``hidden_units`` adds fully connected layers (batch norm, LeakyReLU) before
    the logit, as in InfoGAN's MNIST discriminator (FC1024). With
    ``return_features`` the model returns ``[logits, features]``, the features
    being the input of the logit block (the trunk an auxiliary head can share).
    ``options``: `DiscriminatorOptions` (minibatch discrimination, minibatch std,
    spectral norm).
    """
    blocks = dcgan_discriminator_blocks(image_shape, filters, kernel_size, negative_slope,
                                        hidden_units, options)
    images = keras.Input(tuple(image_shape), name="images")
    features = apply_layers(stack_blocks(blocks[:-1]), images)
    logits = apply_layers(stack_blocks(blocks[-1:]), features)
    return keras.Model(images, [logits, features] if return_features else logits, name=name)
