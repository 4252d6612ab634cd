"""Network builders: functions returning functional `keras.Model`s."""

from keras_gan_zoo.networks.autoencoder import dcgan_autoencoder
from keras_gan_zoo.networks.conditional import (
    code_posterior_head,
    conditional_discriminator,
    conditional_generator,
    label_encoder,
)
from keras_gan_zoo.networks.coupled import (
    apply_layers,
    block_layers,
    chain_blocks,
    chain_layers,
    clone_layer,
    coupled_discriminators,
    coupled_generators,
)
from keras_gan_zoo.networks.dcgan import dcgan_discriminator, dcgan_generator, dcgan_upsampling_plan
from keras_gan_zoo.networks.image_layers import ReflectionPadding2D
from keras_gan_zoo.networks.mlp import mlp_discriminator, mlp_generator
from keras_gan_zoo.networks.patchgan import patchgan_discriminator
from keras_gan_zoo.networks.resnet import resnet_generator
from keras_gan_zoo.networks.unet import unet_generator

__all__ = [
    "apply_layers",
    "block_layers",
    "chain_blocks",
    "chain_layers",
    "clone_layer",
    "code_posterior_head",
    "conditional_discriminator",
    "conditional_generator",
    "coupled_discriminators",
    "coupled_generators",
    "dcgan_autoencoder",
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_upsampling_plan",
    "label_encoder",
    "mlp_discriminator",
    "mlp_generator",
    "patchgan_discriminator",
    "ReflectionPadding2D",
    "resnet_generator",
    "unet_generator",
]
