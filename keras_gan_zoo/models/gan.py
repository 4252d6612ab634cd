"""GAN: Goodfellow et al. 2014, "Generative Adversarial Nets", NeurIPS (arXiv:1406.2661)."""

from __future__ import annotations

from typing import Any, Sequence

from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import mlp_discriminator, mlp_generator
from keras_gan_zoo.networks.options import TakesDiscriminatorOptions
from keras_gan_zoo.registry import register


@register("gan")
class GAN(TakesDiscriminatorOptions, NoiseToImageGAN):
    """The original GAN with multilayer-perceptron networks.

    Trained by Algorithm 1 of the paper (``d_steps`` discriminator updates per
    generator update), with the non-saturating G loss ``-log D(G(z))`` (the
    paper's practical recommendation) by default; ``adversarial_loss="minimax"``
    trains G on ``log(1 - D(G(z)))``, the game as the paper states it.

    Deviation from the paper, as in the widely used reimplementations: LeakyReLU
    and batch norm instead of maxout and dropout (see `networks.mlp`).

    Noise: the paper leaves the prior p_z unspecified; z ~ N(0, I) by default,
    U(-1, 1) with ``noise="uniform"``.
    """

    #: The older name of the log-loss choice, now ``adversarial_loss`` (which sets both sides).
    retired_arguments = {"generator_loss": "pass adversarial_loss (e.g. adversarial_loss="
                                           "'minimax'), which sets both sides of the game"}
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (arXiv:1406.2661)"

    def __init__(
        self,
        generator_units: Sequence[int] = (256, 512, 1024),
        discriminator_units: Sequence[int] = (512, 256),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.generator_units = tuple(int(u) for u in generator_units)
        self.discriminator_units = tuple(int(u) for u in discriminator_units)
        self.generator = mlp_generator(self.latent_dim, self.image_shape, self.generator_units)
        self.discriminator = mlp_discriminator(self.image_shape, self.discriminator_units,
                                               options=self.discriminator_options)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_units": list(self.generator_units),
            "discriminator_units": list(self.discriminator_units),
        }
