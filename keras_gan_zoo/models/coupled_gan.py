"""CoupledGAN: Liu & Tuzel 2016, "Coupled Generative Adversarial Networks",
NeurIPS (arXiv:1606.07536)."""

from __future__ import annotations

from typing import Any, Mapping

import keras
import numpy as np
from keras import ops

from keras_gan_zoo import losses
from keras_gan_zoo.base import Endpoint
from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import (
    coupled_discriminators,
    coupled_generators,
    dcgan_discriminator_blocks,
    dcgan_generator_blocks,
)
from keras_gan_zoo.pixels import to_unit_range
from keras_gan_zoo.networks.options import TakesDiscriminatorOptions
from keras_gan_zoo.registry import register
from keras_gan_zoo.tensorflow_import import EXPORT, lazy_tensorflow

tf = lazy_tensorflow(EXPORT)

DOMAINS = ("a", "b")


@register("coupledgan", "cogan")
class CoupledGAN(TakesDiscriminatorOptions, NoiseToImageGAN):
    """Two GANs, one per domain, with tied weights: they learn a *joint*
    distribution of two domains from unpaired samples of each.

    Weight sharing as in the paper (sec. 3, fig. 2):

    * ``generator_a`` and ``generator_b`` share their **first** blocks, which
      decode high-level semantics from z; only their last
      ``generator_private_blocks`` (default 1: the output layer, as in the
      paper's MNIST networks) are domain-specific, so the same z gives the
      same digit rendered in each domain.
    * ``discriminator_a`` and ``discriminator_b`` share their **last** blocks
      (high-level features and the decision); only their first
      ``discriminator_private_blocks`` (default 1) are domain-specific. Two
      popular reimplementations share the *first* layers of the
      discriminators instead; this follows the paper.

    Shared blocks are the same layer objects (same variables). The networks
    are DCGAN's blocks (`networks.dcgan`), coupled by `networks.coupled`.

    Training: each dataset element is a pair ``(images_a, images_b)`` of
    unpaired batches (``data.load("digits+edges")``); the same z goes to both
    generators. Each domain has the GAN loss (non-saturating for G); the
    two are averaged (the paper sums them; with Adam the factor 2 does not
    matter). The paper's 0.0005 weight decay is left out.

    Implementation: ``generator`` maps z to both domains' images stacked on
    the channel axis and ``discriminator`` takes such a stack and returns one
    logit per domain, so `NoiseToImageGAN`'s Algorithm 1 (loss reduction,
    ``d_steps``, label smoothing, distribution) runs unchanged on the pair. Each optimizer
    owns the union of its networks' variables, shared ones once.
    ``generate`` returns the pair ``(images_a, images_b)``.

    Noise: z ~ N(0, I) by default, U(-1, 1) with ``noise="uniform"``.

    Stabilisers (`NoiseToImageGAN`) apply to the pair: the losses and penalties
    to D's per-example mean logit over the two domains (the gradient penalty is
    then on the coupled critic of the stacked pair), DiffAugment and instance
    noise to each domain's images with their own draws, ``ema`` to the joint
    generator. ``adversarial_loss: relativistic`` is rejected: its batch means
    would mix the two domains' logits.
    """

    paper = "Liu & Tuzel 2016, Coupled Generative Adversarial Networks (arXiv:1606.07536)"

    def __init__(
        self,
        generator_filters: int = 64,
        discriminator_filters: int = 32,
        kernel_size: int = 5,
        generator_private_blocks: int = 1,
        discriminator_private_blocks: int = 1,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("adversarial_loss") in losses.BATCH_LEVEL_LOSSES:
            raise ValueError(
                f"CoupledGAN does not take adversarial_loss={kwargs['adversarial_loss']!r}: its "
                "batch means would mix the two domains' logits. Choose another adversarial_loss.")
        super().__init__(**kwargs)
        self.generator_filters = int(generator_filters)
        self.discriminator_filters = int(discriminator_filters)
        self.kernel_size = int(kernel_size)
        self.generator_private_blocks = int(generator_private_blocks)
        self.discriminator_private_blocks = int(discriminator_private_blocks)
        self.generator, (self.generator_a, self.generator_b) = coupled_generators(
            dcgan_generator_blocks(self.image_shape, self.generator_filters, self.kernel_size),
            self.latent_dim, self.generator_private_blocks, DOMAINS, name="generator",
        )
        self.discriminator, (self.discriminator_a, self.discriminator_b) = coupled_discriminators(
            dcgan_discriminator_blocks(self.image_shape, self.discriminator_filters,
                                       self.kernel_size, options=self.discriminator_options),
            self.image_shape, self.discriminator_private_blocks, DOMAINS, name="discriminator",
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_filters": self.generator_filters,
            "discriminator_filters": self.discriminator_filters,
            "kernel_size": self.kernel_size,
            "generator_private_blocks": self.generator_private_blocks,
            "discriminator_private_blocks": self.discriminator_private_blocks,
        }

    @property
    def networks(self) -> dict[str, keras.Model]:
        return {
            "generator_a": self.generator_a,
            "generator_b": self.generator_b,
            "discriminator_a": self.discriminator_a,
            "discriminator_b": self.discriminator_b,
        }

    # ---------------------------------------------------------------- training
    def real_images(self, data: Any) -> tf.Tensor:
        """The pair ``(images_a, images_b)`` of a dataset element, checked and
        stacked on the channel axis (cut to the smaller batch of the two)."""
        images_a, images_b = self._domain_pair(data)
        shape_a, shape_b = tuple(images_a.shape[1:]), tuple(images_b.shape[1:])
        message = (
            f"The two domains have different image shapes: images_a {shape_a}, images_b "
            f"{shape_b}. CoupledGAN needs both at the model's image_shape {self.image_shape}: "
            "load them with the same image_size and channels "
            "(load_two_domains(..., image_size=(H, W), channels=C))."
        )
        if any(a is not None and b is not None and a != b for a, b in zip(shape_a, shape_b)):
            raise ValueError(message)
        if None in shape_a + shape_b:  # known only when the data arrive (a TensorFlow graph;
            # JAX traces every step with the batch's concrete shapes, checked above)
            check = tf.debugging.assert_equal(tf.shape(images_a)[1:], tf.shape(images_b)[1:],
                                              message=message)
            with tf.control_dependencies([check]):  # before anything uses the images
                images_a, images_b = tf.identity(images_a), tf.identity(images_b)
        self.check_image_shape(images_a.shape[1:], what="domain a images")
        self.check_image_shape(images_b.shape[1:], what="domain b images")
        size_a, size_b = ops.shape(images_a)[0], ops.shape(images_b)[0]
        if isinstance(size_a, int) and isinstance(size_b, int):
            size = min(size_a, size_b)  # a static bound: JAX slices only with constants
        else:
            size = ops.minimum(size_a, size_b)
        stacked = ops.concatenate([images_a[:size], images_b[:size]], axis=-1)
        return ops.cast(stacked, self.compute_dtype)

    def discriminator_inputs(self, images: tf.Tensor) -> tf.Tensor:
        """`NoiseToImageGAN.discriminator_inputs` on each domain of the stacked pair."""
        if not (self.diff_augment or self.instance_noise):
            return images
        transform = super().discriminator_inputs
        return ops.concatenate(
            [transform(x) for x in ops.split(images, len(DOMAINS), axis=-1)], axis=-1)

    @staticmethod
    def _domain_pair(data: Any) -> tuple[tf.Tensor, tf.Tensor]:
        def is_images(x: Any) -> bool:
            return (isinstance(x, np.ndarray) or ops.is_tensor(x)) and len(x.shape) == 4

        if isinstance(data, tuple) and len(data) > 1 and all(x is None for x in data[1:]):
            data = data[0]  # train_on_batch(x) passes (x, None, None)
        if isinstance(data, (tuple, list)) and len(data) == 2 and all(map(is_images, data)):
            return data[0], data[1]
        if isinstance(data, (tuple, list)) and data and is_images(data[0]):
            found = f"(images, labels) of a single domain, images {tuple(data[0].shape)}"
        elif is_images(data):
            found = f"images of a single domain, shape {tuple(data.shape)}"
        else:
            found = f"{type(data).__name__} elements"
        raise ValueError(
            f"CoupledGAN trains on two domains: the dataset must yield pairs "
            f"(images_a, images_b) of unpaired batches, but it yields {found}. Load two "
            "domains, e.g. keras_gan_zoo.data.load('digits+edges') or "
            "keras_gan_zoo.data.load_two_domains(source_a, source_b)."
        )

    def example_batch(self, batch_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A random pair ``(images_a, images_b)``, the form ``train_step`` expects."""
        rng = np.random.default_rng(seed)
        shape = (batch_size, *self.image_shape)
        return tuple(rng.uniform(-1.0, 1.0, shape).astype(np.float32) for _ in DOMAINS)

    def load_dataset(self, source: str = "digits", batch_size: int = 64, split: str = "train",
                     seed: int | None = None, **kwargs: Any) -> tf.data.Dataset:
        """Unpaired two-domain batches; plain ``"digits"`` means ``"digits+edges"``
        (the paper's digits vs edge images), the CLI's default."""
        source = "digits+edges" if source == "digits" else source
        return super().load_dataset(source, batch_size=batch_size, split=split, seed=seed, **kwargs)

    # --------------------------------------------------------------- inference
    def call(self, z: tf.Tensor, training: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
        """``(G_a(z), G_b(z))`` in [-1, 1]."""
        return tuple(ops.split(self.generator(z, training=training), 2, axis=-1))

    def generate_images(self, z: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """``(images_a, images_b)`` in [0, 1] for noise ``z`` (same z, both domains)."""
        images = self.sampling_generator(z, training=False)
        return tuple(to_unit_range(domain) for domain in ops.split(images, 2, axis=-1))

    def generate(
        self, num_samples: int | None = None, z: Any = None, seed: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The pair ``(images_a, images_b)`` in [0, 1], each ``[N, H, W, C]``;
        ``images_b[i]`` is ``images_a[i]``'s counterpart in domain b."""
        pair = self.generate_images(ops.convert_to_tensor(self.noise(num_samples, z, seed)))
        return tuple(ops.convert_to_numpy(images) for images in pair)

    def sample_grid(self, num_samples: int = 64, seed: int = 0) -> tuple[np.ndarray, int]:
        """``num_samples // 2`` pairs: rows alternate domain a and domain b, each
        image of b under its counterpart in a (white tiles fill the last rows)."""
        pairs = max(1, num_samples // 2)
        columns = int(np.ceil(np.sqrt(2 * pairs)))
        pair_rows = int(np.ceil(pairs / columns))
        blank = np.ones((pair_rows * columns - pairs, *self.image_shape), np.float32)
        rows = [
            np.concatenate([images, blank]).reshape(pair_rows, columns, *self.image_shape)
            for images in self.generate(num_samples=pairs, seed=seed)
        ]
        grid = np.stack(rows, axis=1).reshape(-1, *self.image_shape)
        return grid, 2 * pair_rows

    def serving_endpoints(self) -> Mapping[str, Endpoint]:
        return {
            "serving_default": (
                lambda z: dict(zip(("images_a", "images_b"), self.generate_images(z))),
                [self.z_spec()],
            )
        }
