"""Network builders: functions returning functional `keras.Model`s."""

from keras_gan_zoo.networks.dcgan import dcgan_discriminator, dcgan_generator, dcgan_upsampling_plan
from keras_gan_zoo.networks.mlp import mlp_discriminator, mlp_generator

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_upsampling_plan",
    "mlp_discriminator",
    "mlp_generator",
]
