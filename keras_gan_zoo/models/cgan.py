"""CGAN: Mirza & Osindero 2014, "Conditional Generative Adversarial Nets" (arXiv:1411.1784)."""

from __future__ import annotations

import functools
from typing import Any, Mapping, Sequence

import keras
import numpy as np
from keras import ops

from keras_gan_zoo import codes, inputs, losses
from keras_gan_zoo.base import Endpoint
from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import (
    CONDITIONINGS,
    conditional_discriminator,
    conditional_generator,
    dcgan_discriminator,
    dcgan_generator,
    mlp_discriminator,
    mlp_generator,
)
from keras_gan_zoo.networks.options import TakesDiscriminatorOptions
from keras_gan_zoo.pixels import to_unit_range
from keras_gan_zoo.registry import register
from keras_gan_zoo.tensorflow_import import EXPORT, lazy_tensorflow

tf = lazy_tensorflow(EXPORT)

ARCHITECTURES = ("mlp", "conv")


@register("cgan")
class CGAN(TakesDiscriminatorOptions, NoiseToImageGAN):
    """Class-conditional GAN: G(z, y) and D(x, y), y the class label.

    The label enters G with the noise and D with the image by
    **concatenation** of its one-hot vector (``embedding_dim: null``) or of a
    learned embedding (``embedding_dim: E``), as in the paper (sec. 3.2). A
    popular Keras reimplementation multiplies a label embedding element-wise
    into z and into the image instead; that is a different model.

    ``architecture`` (``zoo_configs/cgan.yaml`` uses ``conv``, which learns the
    digits within the CI budget; the constructor's default is the paper's ``mlp``):

    * ``"mlp"`` (the paper's setting): `mlp_generator` on ``[z, y]`` and
      `mlp_discriminator` on ``[flatten(x), y]`` (``generator_units``,
      ``discriminator_units``). Deviation from the paper, as in the zoo's GAN:
      LeakyReLU and batch norm instead of maxout and dropout, and z and y are
      joined at the input instead of through separate first layers.
    * ``"conv"``: `dcgan_generator` on ``[z, y]`` (projected by its first
      dense layer) and `dcgan_discriminator` on the image with y broadcast as
      constant feature maps on its channels (``generator_filters``,
      ``discriminator_filters``, ``kernel_size``).

    Training: non-saturating BCE; D sees real images with their true labels
    and fakes with the labels they were generated from, drawn uniformly (a
    different stream per replica and step). The dataset must yield
    ``(images, labels)`` with int class indices in ``[0, num_classes)``.

    Noise: the paper draws z uniformly within the unit hypercube; the zoo's
    default is z ~ N(0, I), and ``noise="uniform"`` gives U(-1, 1).

    Other ways for D to use the labels (`networks.conditional_discriminator`):

    * ``conditioning``: ``"concat"`` (the paper), ``"projection"`` (Miyato &
      Koyama 2018: ``logit = psi(phi(x)) + <embed(y), phi(x)>``) or ``"none"``
      (D does not see the label; only with the auxiliary classifier: AC-GAN).
    * ``auxiliary_classifier`` (AC-GAN, Odena, Olah & Shlens 2017): D gets a
      class head on its features; D's loss adds ``classifier_weight`` times
      `losses.acgan_discriminator_loss` (real and fake), G's adds
      `losses.acgan_generator_loss`; logged as ``d_class`` and ``g_class``. The
      D step makes its fakes for the real batch's labels (TF-GAN's AC-GAN: one
      label set for both terms), the G step for uniform labels. It needs
      ``conditioning: none`` or ``projection``: a D that is shown the label at
      its input could read the class off it.

    The discriminator options (``minibatch_discrimination``,
    ``minibatch_stddev``, ``spectral_norm``: `networks.options`) act on D's
    body; spectral norm also on the projection embedding and the class head.
    """

    paper = "Mirza & Osindero 2014, Conditional Generative Adversarial Nets (arXiv:1411.1784)"

    def __init__(
        self,
        num_classes: int = 10,
        architecture: str = "mlp",
        embedding_dim: int | None = None,
        generator_units: Sequence[int] = (256, 512, 1024),
        discriminator_units: Sequence[int] = (512, 256),
        generator_filters: int = 128,
        discriminator_filters: int = 64,
        kernel_size: int = 5,
        conditioning: str = "concat",
        auxiliary_classifier: bool = False,
        classifier_weight: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {ARCHITECTURES} (mlp: the paper's), got {architecture!r}."
            )
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning must be one of {CONDITIONINGS} (concat: the "
                             f"paper's), got {conditioning!r}.")
        if auxiliary_classifier and conditioning == "concat":
            raise ValueError(
                "auxiliary_classifier: true needs a D that is not shown the label at its input "
                "(it could read the class off it): set conditioning: none (AC-GAN) or projection.")
        if conditioning == "none" and not auxiliary_classifier:
            raise ValueError("conditioning: none leaves the labels unused by D: set "
                             "auxiliary_classifier: true (AC-GAN) or another conditioning.")
        self.conditioning = conditioning
        self.auxiliary_classifier = bool(auxiliary_classifier)
        self.classifier_weight = float(classifier_weight)
        if self.auxiliary_classifier:
            self.trackers.update({name: keras.metrics.Mean(name=name)
                                  for name in ("d_class", "g_class")})
        self.num_classes = int(num_classes)
        self.architecture = architecture
        self.embedding_dim = None if embedding_dim is None else int(embedding_dim)
        self.generator_units = tuple(int(u) for u in generator_units)
        self.discriminator_units = tuple(int(u) for u in discriminator_units)
        self.generator_filters = int(generator_filters)
        self.discriminator_filters = int(discriminator_filters)
        self.kernel_size = int(kernel_size)
        if architecture == "mlp":
            g_body = functools.partial(
                mlp_generator, image_shape=self.image_shape, hidden_units=self.generator_units
            )
            d_body = functools.partial(mlp_discriminator, hidden_units=self.discriminator_units,
                                       options=self.discriminator_options)
            label_mode = "vector"
        else:
            g_body = functools.partial(
                dcgan_generator, image_shape=self.image_shape,
                filters=self.generator_filters, kernel_size=self.kernel_size,
            )
            d_body = functools.partial(
                dcgan_discriminator, filters=self.discriminator_filters,
                kernel_size=self.kernel_size, options=self.discriminator_options,
            )
            label_mode = "maps"
        self.generator = conditional_generator(
            g_body, self.latent_dim, self.num_classes, self.embedding_dim
        )
        self.discriminator = conditional_discriminator(
            d_body, self.image_shape, self.num_classes, self.embedding_dim, label_mode,
            self.conditioning, self.auxiliary_classifier,
            self.discriminator_options.spectral_norm,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "architecture": self.architecture,
            "embedding_dim": self.embedding_dim,
            "generator_units": list(self.generator_units),
            "discriminator_units": list(self.discriminator_units),
            "generator_filters": self.generator_filters,
            "discriminator_filters": self.discriminator_filters,
            "kernel_size": self.kernel_size,
            "conditioning": self.conditioning,
            "auxiliary_classifier": self.auxiliary_classifier,
            "classifier_weight": self.classifier_weight,
        }

    # ---------------------------------------------------------------- training
    def real_data(self, data: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """Images and int32 labels of a dataset element: ``(images, labels)`` (as `fit`
        gets it from a dataset), ``((images, labels),)`` (``train_on_batch``) or a dict
        with ``image`` and ``label``. Raises a ValueError naming the fix if there are no labels."""
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(images, Mapping):
            images, labels = images.get("image"), images.get("label")
        elif isinstance(images, (tuple, list)) and len(images) == 2 and labels is None:
            images, labels = images
        if labels is None:
            raise ValueError(
                "CGAN trains on (images, labels) pairs, but the dataset yields images only. "
                "Load a labelled source, e.g. keras_gan_zoo.data.load('digits', "
                "with_labels=True), or a folder with one sub-folder per class."
            )
        labels = ops.convert_to_tensor(labels)
        if len(labels.shape) != 1:
            raise ValueError(
                f"CGAN needs int class indices of shape [batch], got labels of shape "
                f"{labels.shape} (for one-hot labels, pass their argmax)."
            )
        labels = codes.assert_labels(labels, self.num_classes, name="dataset labels")
        return self.real_images(images), labels

    def sample_labels(self, batch_size: int | tf.Tensor) -> tf.Tensor:
        """Labels of the fakes: uniform over the classes, different per replica and step."""
        return codes.uniform_labels(batch_size, self.num_classes, self._next_seed())

    def sample_generator_inputs(self, batch_size: int | tf.Tensor) -> list[tf.Tensor]:
        """``[z, y]`` for a training step, y uniform over the classes."""
        return [self.sample_noise(batch_size), self.sample_labels(batch_size)]

    def generator_condition(self, generator_inputs: Any) -> tf.Tensor:
        """D judges fakes together with the labels they were generated from."""
        return generator_inputs[1]

    def discriminator_view(self, images: tf.Tensor, labels: tf.Tensor) -> Any:
        """D's input ``[images, labels]``: Algorithm 1 with the labels as extra inputs
        of G and D, so D minimises ``-log D(x, y) - log(1 - D(G(z, y'), y'))`` and G
        ``-log D(G(z, y'), y')`` (non-saturating), y' uniform. (``conditioning: none``:
        the images.)"""
        return images if self.conditioning == "none" else [images, labels]

    def discriminate(self, view: Any, training: bool) -> tuple[tf.Tensor, tf.Tensor | None]:
        """D's adversarial logits and, with the auxiliary classifier, class logits (float32)."""
        outputs = self.discriminator(view, training=training)
        if not self.auxiliary_classifier:
            return ops.cast(outputs, "float32"), None
        return tuple(ops.cast(output, "float32") for output in outputs)

    def discriminator_logits(self, view: Any, training: bool) -> tf.Tensor:
        return self.discriminate(view, training)[0]

    def update_discriminator(self, real_images: tf.Tensor, labels: Any = None
                             ) -> dict[str, tf.Tensor]:
        """Algorithm 1's D step; with the auxiliary classifier, AC-GAN's: fakes of the real
        labels, ``classifier_weight * acgan_discriminator_loss`` added to D's loss."""
        if not self.auxiliary_classifier:
            return super().update_discriminator(real_images, labels)
        inputs = [self.sample_noise(ops.shape(real_images)[0]), labels]

        def objective() -> tuple[Any, dict[str, Any]]:
            fake_images = self.discriminator_inputs(self.generator(inputs, training=True))
            seen_real = self.discriminator_inputs(real_images)
            real_logits, real_classes = self.discriminate(
                self.discriminator_view(seen_real, labels), training=True)
            fake_logits, fake_classes = self.discriminate(
                self.discriminator_view(fake_images, labels), training=True)
            adversarial = self.discriminator_objective(real_logits, fake_logits)
            d_class = losses.acgan_discriminator_loss(
                real_classes, fake_classes, ops.one_hot(labels, self.num_classes))
            penalty = self.regularization(seen_real, fake_images, labels)
            per_example = adversarial + penalty + self.classifier_weight * d_class
            return self.replica_loss(per_example, self.d_optimizer), {
                "d_loss": adversarial, **self.penalty_logs(penalty),
                "d_real": ops.sigmoid(real_logits[:, 0]),
                "d_fake": ops.sigmoid(fake_logits[:, 0]), "d_class": d_class}

        logs = self.minimize(objective, (self.d_optimizer, self.discriminator.trainable_variables))
        self.constrain_discriminator()
        return logs

    def update_generator(self, batch_size: int | tf.Tensor, real_images: tf.Tensor | None = None,
                         labels: Any = None) -> dict[str, tf.Tensor]:
        """Algorithm 1's G step; with the auxiliary classifier, AC-GAN's:
        ``classifier_weight * acgan_generator_loss`` added to G's loss."""
        if not self.auxiliary_classifier:
            return super().update_generator(batch_size, real_images, labels)
        inputs = self.sample_generator_inputs(batch_size)

        def objective() -> tuple[Any, dict[str, Any]]:
            fake = self.discriminator_view(
                self.discriminator_inputs(self.generator(inputs, training=True)), inputs[1])
            logits, classes = self.discriminate(fake, training=True)
            adversarial = self.generator_objective(
                logits, self.generator_real_logits(real_images, labels))
            g_class = losses.acgan_generator_loss(
                classes, ops.one_hot(inputs[1], self.num_classes))
            loss = self.replica_loss(adversarial + self.classifier_weight * g_class,
                                     self.g_optimizer)
            return loss, {"g_loss": adversarial, "g_class": g_class}

        return self.minimize(objective, (self.g_optimizer, self.generator.trainable_variables))

    def example_batch(self, batch_size: int, seed: int = 0) -> Any:
        """Random ``(images, labels)``."""
        labels = codes.numpy_rng(seed, 1).integers(0, self.num_classes, batch_size)
        return super().example_batch(batch_size, seed), labels.astype(np.int32)

    def call(self, inputs: Sequence[tf.Tensor], training: bool = False) -> tf.Tensor:
        """G(z, y) in [-1, 1] for ``inputs = (z, labels)``; `generate` gives [0, 1]."""
        z, labels = inputs
        return self.generator([z, labels], training=training)

    # --------------------------------------------------------------- inference
    def generate_images(self, z: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        """Graph-friendly sampling: images in [0, 1] of classes ``labels`` (int32 ``[N]``),
        in ``keras.ops`` (the SavedModel's function). The labels are not checked here:
        `generate` checks them (`codes.check_labels`), the SavedModel by `serving_ranges`."""
        labels = ops.cast(labels, "int32")
        return to_unit_range(self.sampling_generator([z, labels], training=False))

    def generate(
        self,
        num_samples: int | None = None,
        z: Any = None,
        seed: int | None = None,
        labels: Any = None,
    ) -> np.ndarray:
        """Images in [0, 1] ``[N, H, W, C]`` of the classes ``labels`` (int ``[N]``).

        Without ``labels``, ``num_samples`` (or the rows of ``z``) random
        classes are drawn; without ``z``, the noise comes from ``seed``.
        """
        if labels is None:
            if num_samples is None and z is None:
                raise ValueError(
                    f"Pass labels=[...] (class indices in [0, {self.num_classes})), "
                    "num_samples=... or z=... to generate images."
                )
            count = inputs.check_count(num_samples if num_samples is not None else len(z))
            labels = codes.numpy_rng(seed, 1).integers(0, self.num_classes, count)
        labels = codes.check_labels(labels, self.num_classes, "labels", num_samples)
        z = self.noise(len(labels) if z is None else None, z, seed)
        if len(z) != len(labels):
            raise ValueError(f"z has {len(z)} rows but labels has {len(labels)} entries.")
        return ops.convert_to_numpy(self.generate_images(ops.convert_to_tensor(z),
                                                         ops.convert_to_tensor(labels)))

    def sample_grid(self, num_samples: int = 64, seed: int = 0) -> tuple[np.ndarray, int]:
        """Row r shows class r; each column keeps the same noise z across the classes."""
        columns = max(1, int(num_samples) // self.num_classes)
        z = np.tile(self.noise(columns, seed=seed), (self.num_classes, 1))
        labels = np.repeat(np.arange(self.num_classes), columns)
        return self.generate(z=z, labels=labels), self.num_classes

    @property
    def serving_ranges(self) -> dict[str, inputs.Range]:
        """The SavedModel checks ``label`` as class indices in ``[0, num_classes)`` (before
        `generate_images`, on either backend)."""
        return {"label": codes.class_indices(self.num_classes)}

    def serving_endpoints(self) -> dict[str, Endpoint]:
        """``serving_default(z float32 [N, latent_dim], label int32 [N]) -> images [0, 1]``."""
        return {
            "serving_default": (
                lambda z, label: {"images": self.generate_images(z, label)},
                [self.z_spec(), tf.TensorSpec([None], tf.int32, name="label")],
            )
        }
