"""The zoo entries; importing this module registers them."""

from keras_gan_zoo.models.dcgan import DCGAN
from keras_gan_zoo.models.gan import GAN

__all__ = ["DCGAN", "GAN"]
