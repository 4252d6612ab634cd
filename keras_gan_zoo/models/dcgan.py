"""DCGAN: Radford, Metz & Chintala 2015, "Unsupervised Representation Learning
with Deep Convolutional Generative Adversarial Networks" (arXiv:1511.06434)."""

from __future__ import annotations

from typing import Any

from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import dcgan_discriminator, dcgan_generator
from keras_gan_zoo.networks.options import TakesDiscriminatorOptions
from keras_gan_zoo.registry import register


@register("dcgan")
class DCGAN(TakesDiscriminatorOptions, NoiseToImageGAN):
    """DCGAN with the paper's architecture (see `networks.dcgan`), sized to ``image_shape``.

    Non-saturating loss, Adam(2e-4, beta_1=0.5), weights ~ N(0, 0.02).
    ``generator_filters`` is the width of G's last hidden layer and
    ``discriminator_filters`` that of D's first layer; both double per
    resolution step (the paper's 64x64 model: 128 and 64).

    Noise: the paper feeds G uniform noise (the authors' code: U(-1, 1), here
    ``noise="uniform"``); the zoo's default is z ~ N(0, I).
    """

    paper = "Radford, Metz & Chintala 2015, DCGAN (arXiv:1511.06434)"

    def __init__(
        self,
        generator_filters: int = 128,
        discriminator_filters: int = 64,
        kernel_size: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.generator_filters = int(generator_filters)
        self.discriminator_filters = int(discriminator_filters)
        self.kernel_size = int(kernel_size)
        self.generator = dcgan_generator(
            self.latent_dim, self.image_shape, self.generator_filters, self.kernel_size
        )
        self.discriminator = dcgan_discriminator(
            self.image_shape, self.discriminator_filters, self.kernel_size,
            options=self.discriminator_options,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_filters": self.generator_filters,
            "discriminator_filters": self.discriminator_filters,
            "kernel_size": self.kernel_size,
        }
