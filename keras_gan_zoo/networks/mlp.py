"""Fully connected generator and discriminator (the GAN paper's setting).

Goodfellow et al. 2014 used maxout units and dropout in D; like the widely
used reimplementations, these builders use LeakyReLU(0.2) with batch norm in
G (256-512-1024) and LeakyReLU(0.2) in D (512-256).
"""

from __future__ import annotations

import math
from typing import Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.layers import apply_layers, batch_norm
from keras_gan_zoo.networks.options import DiscriminatorOptions


def mlp_generator(
    latent_dim: int,
    image_shape: Sequence[int],
    hidden_units: Sequence[int] = (256, 512, 1024),
    negative_slope: float = 0.2,
    use_batch_norm: bool = True,
    name: str = "generator",
) -> keras.Model:
    """z -> hidden layers (LeakyReLU, batch norm) -> tanh image in [-1, 1]."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope)(x)
        if use_batch_norm:
            x = batch_norm(momentum=0.8)(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    images = layers.Reshape(tuple(image_shape), name="images")(x)
    return keras.Model(z, images, name=name)


def mlp_discriminator(
    image_shape: Sequence[int],
    hidden_units: Sequence[int] = (512, 256),
    negative_slope: float = 0.2,
    return_features: bool = False,
    options: DiscriminatorOptions = DiscriminatorOptions(),
    name: str = "discriminator",
) -> keras.Model:
    """image -> hidden layers (LeakyReLU) -> one logit (no sigmoid).

    ``options``: `DiscriminatorOptions` (minibatch std before the last hidden
    layer, minibatch discrimination before the logit, spectral norm). With
    ``return_features`` the model returns ``[logits, features]``, the features
    being the last hidden layer's output.
    """
    images = keras.Input(tuple(image_shape), name="images")
    x = layers.Flatten()(images)
    blocks = [[options.weight(layers.Dense(units)), layers.LeakyReLU(negative_slope)]
              for units in hidden_units]
    blocks.insert(max(len(blocks) - 1, 0), options.stddev())
    x = apply_layers([layer for block in blocks for layer in block], x)
    logits = apply_layers(options.head(layers.Dense(1, name="logits")), x)
    return keras.Model(images, [logits, x] if return_features else logits, name=name)
