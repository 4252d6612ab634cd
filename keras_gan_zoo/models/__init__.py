"""The zoo entries; importing this module registers them."""

from keras_gan_zoo.models.cgan import CGAN
from keras_gan_zoo.models.coupled_gan import CoupledGAN
from keras_gan_zoo.models.cyclegan import CycleGAN
from keras_gan_zoo.models.dcgan import DCGAN
from keras_gan_zoo.models.ebgan import EBGAN
from keras_gan_zoo.models.gan import GAN
from keras_gan_zoo.models.infogan import InfoGAN
from keras_gan_zoo.models.pix2pix import Pix2Pix

__all__ = ["CGAN", "CoupledGAN", "CycleGAN", "DCGAN", "EBGAN", "GAN", "InfoGAN", "Pix2Pix"]
