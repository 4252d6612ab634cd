"""Network builders: functions returning functional `keras.Model`s, and the
DCGAN networks as lists of block functions (`BlockFn`) for builders that
share blocks between networks (`coupled_generators`, `coupled_discriminators`)."""

from keras_gan_zoo.networks.autoencoder import dcgan_autoencoder
from keras_gan_zoo.networks.conditional import (
    CONDITIONINGS,
    code_posterior_head,
    conditional_discriminator,
    conditional_generator,
    label_encoder,
)
from keras_gan_zoo.networks.coupled import coupled_discriminators, coupled_generators
from keras_gan_zoo.networks.dcgan import (
    dcgan_discriminator,
    dcgan_discriminator_blocks,
    dcgan_generator,
    dcgan_generator_blocks,
    dcgan_upsampling_plan,
)
from keras_gan_zoo.networks.layers import (
    BlockFn,
    MinibatchDiscrimination,
    MinibatchStdDev,
    ReflectionPadding2D,
    SpectralNorm,
)
from keras_gan_zoo.networks.mlp import mlp_discriminator, mlp_generator
from keras_gan_zoo.networks.options import DiscriminatorOptions, TakesDiscriminatorOptions
from keras_gan_zoo.networks.patchgan import patchgan_discriminator
from keras_gan_zoo.networks.resnet import resnet_generator
from keras_gan_zoo.networks.unet import unet_generator

__all__ = [
    "BlockFn",
    "CONDITIONINGS",
    "DiscriminatorOptions",
    "MinibatchDiscrimination",
    "MinibatchStdDev",
    "TakesDiscriminatorOptions",
    "code_posterior_head",
    "conditional_discriminator",
    "conditional_generator",
    "coupled_discriminators",
    "coupled_generators",
    "dcgan_autoencoder",
    "dcgan_discriminator",
    "dcgan_discriminator_blocks",
    "dcgan_generator",
    "dcgan_generator_blocks",
    "dcgan_upsampling_plan",
    "label_encoder",
    "mlp_discriminator",
    "mlp_generator",
    "patchgan_discriminator",
    "ReflectionPadding2D",
    "resnet_generator",
    "SpectralNorm",
    "unet_generator",
]
