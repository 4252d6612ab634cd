"""GAN: Goodfellow et al. 2014, "Generative Adversarial Nets", NeurIPS (arXiv:1406.2661)."""

from __future__ import annotations

from typing import Any, Sequence

from keras_gan_zoo import losses
from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import mlp_discriminator, mlp_generator
from keras_gan_zoo.networks.options import TakesDiscriminatorOptions
from keras_gan_zoo.registry import register


@register("gan")
class GAN(TakesDiscriminatorOptions, NoiseToImageGAN):
    """The original GAN with multilayer-perceptron networks.

    Trained by Algorithm 1 of the paper (``d_steps`` discriminator updates per
    generator update), with the non-saturating G loss ``-log D(G(z))`` (the
    paper's practical recommendation) by default. ``generator_loss`` (this
    entry's older key) picks the G side of the paper's game: ``"minimax"``
    (``log(1 - D(G(z)))``) or ``"non_saturating"``; it is the same as
    ``adversarial_loss`` set to that name (both have the same D loss) and wins
    over ``adversarial_loss`` ``minimax``/``non_saturating``; ``None`` follows
    ``adversarial_loss``, which also offers the other losses.

    Deviation from the paper, as in the widely used reimplementations: LeakyReLU
    and batch norm instead of maxout and dropout (see `networks.mlp`).

    Noise: the paper leaves the prior p_z unspecified; z ~ N(0, I) by default,
    U(-1, 1) with ``noise="uniform"``.
    """

    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (arXiv:1406.2661)"

    def __init__(
        self,
        generator_units: Sequence[int] = (256, 512, 1024),
        discriminator_units: Sequence[int] = (512, 256),
        generator_loss: str | None = None,
        **kwargs: Any,
    ) -> None:
        if generator_loss is not None:
            losses.generator_loss_by_name(generator_loss)  # a ValueError naming the choices
            adversarial_loss = kwargs.get("adversarial_loss", "non_saturating")
            if adversarial_loss not in ("minimax", "non_saturating"):
                raise ValueError(
                    f"generator_loss={generator_loss!r} picks the G loss of the minimax game, but "
                    f"adversarial_loss={adversarial_loss!r} sets both losses: remove generator_loss."
                )
            kwargs["adversarial_loss"] = generator_loss
        super().__init__(**kwargs)
        self.generator_units = tuple(int(u) for u in generator_units)
        self.discriminator_units = tuple(int(u) for u in discriminator_units)
        self.generator_loss = generator_loss
        self.generator = mlp_generator(self.latent_dim, self.image_shape, self.generator_units)
        self.discriminator = mlp_discriminator(self.image_shape, self.discriminator_units,
                                               options=self.discriminator_options)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_units": list(self.generator_units),
            "discriminator_units": list(self.discriminator_units),
            "generator_loss": self.generator_loss,
        }
