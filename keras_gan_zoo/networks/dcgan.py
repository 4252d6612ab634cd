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
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.mlp import batch_norm


def weight_init() -> keras.initializers.Initializer:
    """DCGAN's N(0, 0.02) initialiser."""
    return keras.initializers.RandomNormal(0.0, 0.02)


def dcgan_batch_norm() -> layers.BatchNormalization:
    return batch_norm(
        momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02)
    )


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
    h0, w0, steps = dcgan_upsampling_plan(image_shape)
    channels = filters * 2 ** (steps - 1)
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden_units:
        x = layers.Dense(units, use_bias=False, kernel_initializer=weight_init())(x)
        x = layers.ReLU()(dcgan_batch_norm()(x))
    x = layers.Dense(h0 * w0 * channels, use_bias=False, kernel_initializer=weight_init())(x)
    x = layers.Reshape((h0, w0, channels))(x)
    x = layers.ReLU()(dcgan_batch_norm()(x))
    for _ in range(steps - 1):
        channels //= 2
        x = layers.Conv2DTranspose(
            channels, kernel_size, strides=2, padding="same", use_bias=False,
            kernel_initializer=weight_init(),
        )(x)
        x = layers.ReLU()(dcgan_batch_norm()(x))
    images = layers.Conv2DTranspose(
        image_shape[2], kernel_size, strides=2, padding="same", activation="tanh",
        kernel_initializer=weight_init(), name="images",
    )(x)
    return keras.Model(z, images, name=name)


def dcgan_discriminator(
    image_shape: Sequence[int],
    filters: int = 64,
    kernel_size: int = 5,
    negative_slope: float = 0.2,
    hidden_units: Sequence[int] = (),
    return_features: bool = False,
    name: str = "discriminator",
) -> keras.Model:
    """(H, W, C) -> strided convolutions (filters, 2*filters, ...) -> one logit.

    ``hidden_units`` adds fully connected layers (batch norm, LeakyReLU) before
    the logit, as in InfoGAN's MNIST discriminator (FC1024). With
    ``return_features`` the model returns ``[logits, features]``, the features
    being the input of the logit layer (the trunk an auxiliary head can share).
    """
    _, _, steps = dcgan_upsampling_plan(image_shape)
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for i in range(steps):
        x = layers.Conv2D(
            filters * 2**i, kernel_size, strides=2, padding="same", use_bias=i == 0,
            kernel_initializer=weight_init(),
        )(x)
        if i > 0:
            x = dcgan_batch_norm()(x)
        x = layers.LeakyReLU(negative_slope)(x)
    x = layers.Flatten()(x)
    for units in hidden_units:
        x = layers.Dense(units, use_bias=False, kernel_initializer=weight_init())(x)
        x = layers.LeakyReLU(negative_slope)(dcgan_batch_norm()(x))
    logits = layers.Dense(1, kernel_initializer=weight_init(), name="logits")(x)
    return keras.Model(images, [logits, x] if return_features else logits, name=name)
