"""GAN: Goodfellow et al. 2014, "Generative Adversarial Nets", NeurIPS (arXiv:1406.2661)."""

from __future__ import annotations

from typing import Any, Sequence

from keras_gan_zoo import losses
from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import mlp_discriminator, mlp_generator
from keras_gan_zoo.registry import register


@register("gan")
class GAN(NoiseToImageGAN):
    """The original GAN with multilayer-perceptron networks.

    Trained by Algorithm 1 of the paper (``d_steps`` discriminator updates per
    generator update). ``generator_loss="non_saturating"`` (``-log D(G(z))``,
    the paper's practical recommendation) or ``"minimax"`` (``log(1 - D(G(z)))``).

    Deviation from the paper, as in the widely used reimplementations: LeakyReLU
    and batch norm instead of maxout and dropout (see `networks.mlp`).
    """

    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (arXiv:1406.2661)"

    def __init__(
        self,
        generator_units: Sequence[int] = (256, 512, 1024),
        discriminator_units: Sequence[int] = (512, 256),
        generator_loss: str = "non_saturating",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.generator_units = tuple(int(u) for u in generator_units)
        self.discriminator_units = tuple(int(u) for u in discriminator_units)
        self.generator_loss = generator_loss
        self._generator_loss_fn = losses.generator_loss_by_name(generator_loss)
        self.generator = mlp_generator(self.latent_dim, self.image_shape, self.generator_units)
        self.discriminator = mlp_discriminator(self.image_shape, self.discriminator_units)

    def generator_objective(self, fake_logits):
        return self._generator_loss_fn(fake_logits)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_units": list(self.generator_units),
            "discriminator_units": list(self.discriminator_units),
            "generator_loss": self.generator_loss,
        }
