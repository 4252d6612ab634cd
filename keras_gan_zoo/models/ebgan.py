"""EBGAN: Zhao, Mathieu & LeCun 2016, "Energy-based Generative Adversarial
Network", ICLR 2017 (arXiv:1609.03126)."""

from __future__ import annotations

from typing import Any

from keras import ops

from keras_gan_zoo import losses
from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import dcgan_autoencoder, dcgan_generator
from keras_gan_zoo.registry import register
from keras_gan_zoo.signals import MonitorSignals


@register("ebgan")
class EBGAN(NoiseToImageGAN):
    """Energy-based GAN with the pulling-away term (EBGAN-PT).

    The discriminator is an auto-encoder (`networks.dcgan_autoencoder`); the
    energy of an image is its per-example mean squared reconstruction error
    (`losses.reconstruction_energy`). Per example,

    * D minimises ``D(x) + max(0, m - D(G(z)))`` (eq. 1), ``m = margin``
      (0.3: on the per-pixel scale of the mean squared energy, real digits
      reach ~0.02; in a sweep on digits, m = 1 left G at grey noise and
      m = 0.2-0.3 learnt digits);
    * G minimises ``D(G(z)) + pt_weight * PT`` (eq. 2 and sec. 2.4), PT the
      pulling-away term (`losses.pulling_away_term`: squared cosines, as in
      the paper) over the encoder embeddings of the generated batch, a
      batch-level term; ``pt_weight`` = 0.1 as in the paper. Under a
      distribution strategy each replica computes PT on its own batch and the
      replicas' terms are averaged (`BaseGAN.replica_share`).

    Logged: ``real_energy`` and ``fake_energy`` (mean energies of the real and
    generated batches), ``pt``. The generator is DCGAN's; ``generate`` and the
    ``serving_default(z) -> images`` signature are DCGAN's.

    ``label_smoothing`` is not an argument (D gives energies, not real/fake
    labels). Noise: z ~ N(0, I) by default, U(-1, 1) with ``noise="uniform"``.
    For the same reason, the loss and penalty switches made for a D with real/fake
    logits (``adversarial_loss``, ``gradient_penalty``, ``r1_penalty``,
    ``clip_weights``) are not arguments; EBGAN takes the other stabilisers of
    `NoiseToImageGAN` (``instance_noise``, ``diff_augment``, ``ema``, the learning rates).
    """

    paper = "Zhao, Mathieu & LeCun 2016, Energy-based GAN (arXiv:1609.03126)"
    metric_names = ("d_loss", "g_loss", "real_energy", "fake_energy", "pt")
    # D outputs energies, not real/fake logits: no label to smooth, no logit loss or penalty.
    excluded_arguments = frozenset({"label_smoothing", "adversarial_loss", "gradient_penalty",
                                    "r1_penalty", "clip_weights"})

    def __init__(
        self,
        generator_filters: int = 64,
        discriminator_filters: int = 32,
        kernel_size: int = 5,
        embedding_dim: int = 64,
        margin: float = 0.3,
        pt_weight: float = 0.1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.generator_filters = int(generator_filters)
        self.discriminator_filters = int(discriminator_filters)
        self.kernel_size = int(kernel_size)
        self.embedding_dim = int(embedding_dim)
        self.margin = float(margin)
        self.pt_weight = float(pt_weight)
        self.generator = dcgan_generator(
            self.latent_dim, self.image_shape, self.generator_filters, self.kernel_size
        )
        self.discriminator = dcgan_autoencoder(
            self.image_shape, self.discriminator_filters, self.kernel_size, self.embedding_dim,
            name="discriminator",
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_filters": self.generator_filters,
            "discriminator_filters": self.discriminator_filters,
            "kernel_size": self.kernel_size,
            "embedding_dim": self.embedding_dim,
            "margin": self.margin,
            "pt_weight": self.pt_weight,
        }

    def monitor_signals(self) -> MonitorSignals:
        """The fixed-noise probe only: D gives energies, not probabilities, and its margin
        loss is not judged for ``discriminator_wins``."""
        return MonitorSignals(noise_probe=True)

    def energy(self, images: Any, training: bool = False) -> tuple[Any, Any]:
        """``(energies [batch], embeddings [batch, embedding_dim])`` of ``images`` in [-1, 1]."""
        reconstructions, embeddings = self.discriminator(images, training=training)
        return losses.reconstruction_energy(images, reconstructions), embeddings

    def discriminator_objective(self, real_energy: Any, fake_energy: Any
                                ) -> Any:
        """D's per-example loss on energies (D's outputs): ``D(x) + max(0, m - D(G(z)))``."""
        return losses.margin_discriminator_loss(real_energy, fake_energy, self.margin)

    def generator_objective(self, fake_energy: Any) -> Any:
        """G's per-example loss: the energy of its images ``D(G(z))`` (PT is added per batch)."""
        return fake_energy

    def update_discriminator(self, real_images: Any, condition: Any = None) -> dict[str, Any]:
        """One step on D: `discriminator_objective` (the penalties do not apply)."""
        z = self.sample_noise(ops.shape(real_images)[0])

        def objective() -> tuple[Any, dict[str, Any]]:
            fake = self.discriminator_inputs(self.generator(z, training=True))
            real = self.discriminator_inputs(real_images)
            real_energy, _ = self.energy(real, training=True)
            fake_energy, _ = self.energy(fake, training=True)
            per_example = self.discriminator_objective(real_energy, fake_energy)
            return self.replica_loss(per_example, self.d_optimizer), {
                "d_loss": per_example, "real_energy": real_energy, "fake_energy": fake_energy}

        return self.minimize(objective, (self.d_optimizer, self.discriminator.trainable_variables))

    def update_generator(self, batch_size: Any, real_images: Any = None, condition: Any = None
                         ) -> dict[str, Any]:
        """One step on G: ``D(G(z)) + pt_weight * PT(embeddings of G(z))``."""
        z = self.sample_noise(batch_size)

        def objective() -> tuple[Any, dict[str, Any]]:
            fake = self.discriminator_inputs(self.generator(z, training=True))
            fake_energy, embeddings = self.energy(fake, training=True)
            per_example = self.generator_objective(fake_energy)
            pt = losses.pulling_away_term(embeddings)
            loss = (self.replica_loss(per_example)
                    + self.pt_weight * self.replica_share(pt, embeddings))
            pt = ops.full(ops.shape(fake_energy), pt)
            return self.g_optimizer.scale_loss(loss), {
                "g_loss": per_example + self.pt_weight * pt, "pt": pt}

        return self.minimize(objective, (self.g_optimizer, self.generator.trainable_variables))
