"""`NoiseToImageGAN`: the entries whose generator maps noise z to images.

GAN, DCGAN, CGAN, InfoGAN, CoupledGAN and EBGAN build on it. It adds to
`BaseGAN` the noise (``latent_dim``), Algorithm 1 of Goodfellow et al. 2014
(``d_steps`` discriminator updates per generator update) and sampling from
noise (``generate``, ``sample_grid``, the ``serving_default(z)`` signature).

Algorithm 1 is written with named hooks; an entry (or a remedy for a training
failure) overrides a hook instead of the step:

* what G is fed: :meth:`sample_generator_inputs` (z; CGAN: ``[z, y]``), and
  what D sees with images besides them: :meth:`generator_condition`,
  :meth:`discriminator_view` (nothing; CGAN: the labels);
* **D's inputs**: :meth:`discriminator_inputs`, applied to real and fake
  images alike before D sees them (identity);
* **the adversarial objective**: :meth:`discriminator_objective` (minimax
  with one-sided label smoothing) and :meth:`generator_objective`
  (non-saturating);
* **regularisation** of D: :meth:`regularization`, added to D's loss (0).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import tensorflow as tf

from keras_gan_zoo import losses
from keras_gan_zoo.base import BaseGAN, Endpoint
from keras_gan_zoo.pixels import to_unit_range


class NoiseToImageGAN(BaseGAN):
    """Base of the noise-to-image entries (see the module docstring).

    Args:
        latent_dim: size of the generator's noise input z.
        d_steps: discriminator updates per generator update (k in Algorithm 1
            of Goodfellow et al. 2014; WGAN uses 5). Each dataset batch is
            split into k interleaved minibatches, so every discriminator
            update sees fresh real data, as in the paper.
        label_smoothing: one-sided label smoothing: the real target becomes
            ``1 - label_smoothing`` (Salimans et al. 2016 use 0.1, i.e. 0.9).
        **kwargs: `BaseGAN`'s (``image_shape``, ``learning_rate``, ``beta_1``,
            ``beta_2``, ``seed``).
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(
        self,
        latent_dim: int = 100,
        d_steps: int = 1,
        label_smoothing: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if int(d_steps) < 1:
            raise ValueError(f"d_steps must be a positive integer, got {d_steps}.")
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError(
                f"label_smoothing must be in [0, 1) (0.1 gives the real target 0.9), "
                f"got {label_smoothing}."
            )
        self.latent_dim = int(latent_dim)
        self.d_steps = int(d_steps)
        self.label_smoothing = float(label_smoothing)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            "label_smoothing": self.label_smoothing,
        }

    # -------------------------------------------------------------------- data
    def real_images(self, data: Any) -> tf.Tensor:
        """The images of a dataset element (``images`` or ``(images, labels)``),
        checked against ``image_shape``."""
        images = data[0] if isinstance(data, (tuple, list)) else data
        if isinstance(images, Mapping):
            images = images["image"]
        self.check_image_shape(images.shape[1:], what="dataset images")
        return tf.cast(images, self.compute_dtype)

    def real_data(self, data: Any) -> tuple[tf.Tensor, Any]:
        """``(images, condition)`` of a dataset element: what D sees of real data
        besides the images is ``None`` (CGAN: the labels)."""
        return self.real_images(data), None

    def example_batch(self, batch_size: int, seed: int = 0) -> Any:
        """A random batch in the form ``train_step`` expects (for tests and benchmarks)."""
        rng = np.random.default_rng(seed)
        return rng.uniform(-1.0, 1.0, (batch_size, *self.image_shape)).astype(np.float32)

    # ------------------------------------------------------------------- noise
    def sample_noise(self, batch_size: int | tf.Tensor) -> tf.Tensor:
        """z ~ N(0, I) of shape ``[batch_size, latent_dim]`` for a training step."""
        return tf.random.stateless_normal((batch_size, self.latent_dim), self._next_seed())

    def sample_generator_inputs(self, batch_size: int | tf.Tensor) -> Any:
        """G's inputs for a training step: z by default (CGAN: ``[z, labels]``)."""
        return self.sample_noise(batch_size)

    # ------------------------------------------------------------------- hooks
    def generator_condition(self, generator_inputs: Any) -> Any:
        """What D sees with fakes made from ``generator_inputs`` besides the images:
        ``None`` (CGAN: the labels they were generated from)."""
        return None

    def discriminator_view(self, images: tf.Tensor, condition: Any) -> Any:
        """D's input for ``images`` and their ``condition``: the images by default
        (CGAN: ``[images, labels]``)."""
        return images

    def discriminator_inputs(self, images: tf.Tensor) -> tf.Tensor:
        """The images, real or fake, as D is shown them: unchanged by default."""
        return images

    def discriminator_objective(self, real_logits: tf.Tensor, fake_logits: tf.Tensor
                                ) -> tf.Tensor:
        """Per-example D loss ``-log D(x) - log(1 - D(G(z)))``, the real target
        ``1 - label_smoothing`` (one-sided label smoothing)."""
        return losses.minimax_discriminator_loss(
            real_logits, fake_logits, real_target=1.0 - self.label_smoothing
        )

    def generator_objective(self, fake_logits: tf.Tensor) -> tf.Tensor:
        """Per-example G loss on D's logits for fakes: non-saturating ``-log D(G(z))``."""
        return losses.non_saturating_generator_loss(fake_logits)

    def regularization(self, real: Any, fake: Any) -> tf.Tensor | float:
        """Per-example regularisation of D, added to its loss, for D's inputs
        ``real`` and ``fake`` (views as D sees them): none (0) by default."""
        return 0.0

    # ------------------------------------------------------------ Algorithm 1
    def update_discriminator(self, real_images: tf.Tensor, condition: Any = None
                             ) -> dict[str, tf.Tensor]:
        """One gradient step on D: minimise `discriminator_objective` + `regularization`
        on ``real_images`` (seen with ``condition``, e.g. CGAN's labels) and fresh fakes."""
        inputs = self.sample_generator_inputs(tf.shape(real_images)[0])
        with tf.GradientTape() as tape:
            fake = self.discriminator_view(
                self.discriminator_inputs(self.generator(inputs, training=True)),
                self.generator_condition(inputs))
            real = self.discriminator_view(self.discriminator_inputs(real_images), condition)
            real_logits = self.discriminator_logits(real, training=True)
            fake_logits = self.discriminator_logits(fake, training=True)
            per_example = self.discriminator_objective(real_logits, fake_logits)
            penalty = self.regularization(real, fake)
            loss = self.replica_loss(per_example + penalty, self.d_optimizer)
        self.apply_gradients(tape, loss, self.d_optimizer, self.discriminator.trainable_variables)
        return {
            "d_loss": per_example,
            "d_real": tf.sigmoid(losses.per_example_mean(real_logits)),
            "d_fake": tf.sigmoid(losses.per_example_mean(fake_logits)),
        }

    def update_generator(self, batch_size: int | tf.Tensor) -> dict[str, tf.Tensor]:
        """One gradient step on G against the current D: minimise `generator_objective`."""
        inputs = self.sample_generator_inputs(batch_size)
        with tf.GradientTape() as tape:
            fake = self.discriminator_view(
                self.discriminator_inputs(self.generator(inputs, training=True)),
                self.generator_condition(inputs))
            per_example = self.generator_objective(self.discriminator_logits(fake, training=True))
            loss = self.replica_loss(per_example, self.g_optimizer)
        self.apply_gradients(tape, loss, self.g_optimizer, self.generator.trainable_variables)
        return {"g_loss": per_example}

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        """Algorithm 1 of Goodfellow et al. 2014: k steps on D, then one on G."""
        images, condition = self.real_data(data)
        for k in range(self.d_steps):  # minibatch k: every k-th example, fresh data per D step
            d_logs = self.update_discriminator(
                images[k :: self.d_steps],
                None if condition is None else condition[k :: self.d_steps])
        g_logs = self.update_generator(tf.shape(images[:: self.d_steps])[0])
        return self.report(**d_logs, **g_logs)

    # --------------------------------------------------------------- inference
    def call(self, z: tf.Tensor, training: bool = False) -> tf.Tensor:
        """G(z) in the generator's range [-1, 1]; `generate` gives [0, 1]."""
        return self.generator(z, training=training)

    def generate_images(self, z: tf.Tensor) -> tf.Tensor:
        """Graph-friendly sampling: images in [0, 1] for noise ``z`` (used by `export`)."""
        return to_unit_range(self.generator(z, training=False))

    def noise(
        self, num_samples: int | None = None, z: Any = None, seed: int | None = None
    ) -> np.ndarray:
        """Validated z: the given ``z``, or ``num_samples`` draws from N(0, I) seeded by ``seed``."""
        if z is None:
            if num_samples is None:
                raise ValueError("Pass num_samples=... or z=... to generate images.")
            if int(num_samples) < 1:
                raise ValueError(f"num_samples must be positive, got {num_samples}.")
            rng = np.random.default_rng(seed)
            return rng.standard_normal((int(num_samples), self.latent_dim)).astype(np.float32)
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must have shape [num_samples, {self.latent_dim}] (latent_dim), got {z.shape}."
            )
        if num_samples is not None and int(num_samples) != z.shape[0]:
            raise ValueError(f"num_samples={num_samples} but z has {z.shape[0]} rows.")
        return z

    def generate(
        self, num_samples: int | None = None, z: Any = None, seed: int | None = None
    ) -> np.ndarray:
        """Images in [0, 1], shape ``[N, H, W, C]``; the same ``seed`` gives the same images."""
        return self.generate_images(tf.constant(self.noise(num_samples, z, seed))).numpy()

    def sample_grid(self, num_samples: int = 64, seed: int = 0) -> tuple[np.ndarray, int]:
        """Images for a picture of the model and its number of rows (fixed noise by ``seed``)."""
        images = self.generate(num_samples=num_samples, seed=seed)
        return images, int(np.ceil(np.sqrt(num_samples)))

    # ------------------------------------------------------------------ export
    def z_spec(self) -> tf.TensorSpec:
        """The serving signatures' noise input ``z``: float32 ``[N, latent_dim]``."""
        return tf.TensorSpec([None, self.latent_dim], tf.float32, name="z")

    def serving_endpoints(self) -> dict[str, Endpoint]:
        """``serving_default(z float32 [N, latent_dim]) -> images [0, 1]``."""
        return {
            "serving_default": (lambda z: {"images": self.generate_images(z)}, [self.z_spec()])
        }
