"""Auto-encoder discriminator of EBGAN (Zhao, Mathieu & LeCun 2016, sec. 2.3).

Built from the DCGAN blocks: the encoder is `dcgan_discriminator_blocks`
without the logit block, followed by a linear embedding ``s`` (the
representation the pulling-away term acts on); the decoder is
`dcgan_generator` with ``s`` in the place of z, so the channel widths mirror
the encoder's.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.dcgan import dcgan_discriminator_blocks, dcgan_generator
from keras_gan_zoo.networks.layers import apply_layers, stack_blocks, weight_init


def dcgan_autoencoder(
    image_shape: Sequence[int],
    filters: int = 64,
    kernel_size: int = 5,
    embedding_dim: int = 64,
    name: str = "autoencoder",
) -> keras.Model:
    """images -> ``[reconstructions, embeddings]``.

    Encoder: strided convolutions (filters, 2*filters, ...), batch norm,
    LeakyReLU(0.2), flattened, then ``Dense(embedding_dim)``. Decoder:
    projection, transposed convolutions (..., 2*filters, filters), batch norm,
    ReLU, tanh output in [-1, 1] like the images.
    """
    encoder = stack_blocks(dcgan_discriminator_blocks(image_shape, filters, kernel_size)[:-1])
    decoder = dcgan_generator(embedding_dim, image_shape, filters, kernel_size, name="decoder")
    images = keras.Input(tuple(image_shape), name="images")
    embeddings = layers.Dense(embedding_dim, kernel_initializer=weight_init(), name="embedding")(
        apply_layers(encoder, images)
    )
    return keras.Model(images, [decoder(embeddings), embeddings], name=name)
