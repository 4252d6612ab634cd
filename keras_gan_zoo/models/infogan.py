"""InfoGAN: Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by
Information Maximizing Generative Adversarial Nets" (arXiv:1606.03657)."""

from __future__ import annotations

import functools
from typing import Any, Sequence

import keras
import numpy as np
from keras import ops

from keras_gan_zoo import codes, engine, inputs, losses
from keras_gan_zoo.base import Endpoint
from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN
from keras_gan_zoo.networks import code_posterior_head, conditional_generator, dcgan_discriminator, dcgan_generator
from keras_gan_zoo.pixels import to_unit_range
from keras_gan_zoo.networks.options import TakesDiscriminatorOptions
from keras_gan_zoo.registry import register
from keras_gan_zoo.tensorflow_import import EXPORT, lazy_tensorflow

tf = lazy_tensorflow(EXPORT)


@register("infogan")
class InfoGAN(TakesDiscriminatorOptions, NoiseToImageGAN):
    """GAN whose latent codes are made recoverable from the images: the
    mutual-information lower bound L_I(G, Q) is maximised by G and by Q.

    Latent input: incompressible noise z (``latent_dim``, 62 in the paper),
    one categorical code c1 uniform over ``num_categories`` (10) and
    ``num_continuous`` continuous codes ~ U(-1, 1) (2). Objective (paper eq. 6)::

        min_{G,Q} max_D  V(D, G) - lambda_cat L_I(c1) - lambda_cont L_I(c_cont)

    with ``categorical_weight`` = 1 and ``continuous_weight`` = 0.1 by default
    and V the DCGAN loss (non-saturating for G).

    Networks (paper, appendix C.1, MNIST; ``networks.dcgan`` with FC layers):
    G: FC1024-BN-ReLU, FC 7x7x128-BN-ReLU, upconv64 4x4/2-BN-ReLU, upconv 4x4/2
    (tanh, images in [-1, 1]); D: conv64 4x4/2-LReLU, conv128 4x4/2-BN-LReLU,
    FC1024-BN-LReLU (the *trunk*, shared), then a logit. Q (``q_network``) is
    its own head on the trunk's features: FC128-BN-LReLU, then categorical
    logits (one softmax, inside the cross-entropy) and the means of a
    factored Gaussian for the continuous codes, with a fixed std
    ``continuous_std`` (1.0, as in the authors' MNIST code) or, with
    ``continuous_std: null``, a learned log-std.

    Updates (one optimizer per network, built in `compile`):

    * D step: the trunk and the adversarial head (``d_optimizer``, lr
      ``d_learning_rate``, null: ``learning_rate`` = 2e-4) and the Q head (its own
      ``q_optimizer``, lr ``g_learning_rate`` = 1e-3 by default) minimise
      ``L_D - lambda L_I`` on the same fakes. As in the authors' code, the
      shared trunk learns from L_I too; the Q head's larger learning rate (as
      in reimplementations that optimise Q with G) gave a better categorical
      code on the digits (85% vs. 67-73% Hungarian accuracy with 2e-4).
    * G step: only G's variables (``g_optimizer``, lr
      ``g_learning_rate`` = 1e-3) minimise ``-log D(G) - lambda L_I``.
      (``g_learning_rate`` was ``generator_learning_rate``, still read as
      the `generator_learning_rate` property and accepted by `from_config`.)
      D's trunk, its head and the Q head are not updated by it (a popular Keras
      reimplementation updates the shared trunk through the adversarial term).

    Metrics: ``l_i``, the categorical L_I estimate in nats (at most
    ln(num_categories), 2.30 for 10 categories), and ``l_i_cont`` for the
    continuous codes (up to a constant; unbounded with a learned std).

    Noise: the authors' code draws z from U(-1, 1) (``noise="uniform"``); the
    zoo's default is z ~ N(0, I). The continuous codes are U(-1, 1) either way.
    """

    paper = "Chen et al. 2016, InfoGAN (arXiv:1606.03657)"
    metric_names = ("d_loss", "g_loss", "d_real", "d_fake", "l_i", "l_i_cont")
    optimizer_names = ("g_optimizer", "d_optimizer", "q_optimizer")

    def __init__(
        self,
        latent_dim: int = 62,
        num_categories: int = 10,
        num_continuous: int = 2,
        categorical_weight: float = 1.0,
        continuous_weight: float = 0.1,
        continuous_std: float | None = 1.0,
        generator_units: Sequence[int] = (1024,),
        generator_filters: int = 64,
        discriminator_units: Sequence[int] = (1024,),
        discriminator_filters: int = 64,
        q_units: Sequence[int] = (128,),
        kernel_size: int = 4,
        negative_slope: float = 0.1,
        g_learning_rate: float | None = 1e-3,
        **kwargs: Any,
    ) -> None:
        super().__init__(latent_dim=latent_dim, g_learning_rate=g_learning_rate, **kwargs)
        self.num_categories = int(num_categories)
        self.num_continuous = int(num_continuous)
        self.categorical_weight = float(categorical_weight)
        self.continuous_weight = float(continuous_weight)
        self.continuous_std = None if continuous_std is None else float(continuous_std)
        self.generator_units = tuple(int(u) for u in generator_units)
        self.generator_filters = int(generator_filters)
        self.discriminator_units = tuple(int(u) for u in discriminator_units)
        self.discriminator_filters = int(discriminator_filters)
        self.q_units = tuple(int(u) for u in q_units)
        self.kernel_size = int(kernel_size)
        self.negative_slope = float(negative_slope)

        g_body = functools.partial(
            dcgan_generator, image_shape=self.image_shape, filters=self.generator_filters,
            kernel_size=self.kernel_size, hidden_units=self.generator_units,
        )
        self.generator = conditional_generator(
            g_body, self.latent_dim, self.num_categories, code_dim=self.num_continuous,
            label_name="categorical",
        )
        # [logits, features]: the trunk's features feed the Q head.
        self.discriminator = dcgan_discriminator(
            self.image_shape, self.discriminator_filters, self.kernel_size,
            negative_slope=self.negative_slope, hidden_units=self.discriminator_units,
            return_features=True, options=self.discriminator_options,
        )
        self.q_network = code_posterior_head(
            int(self.discriminator.outputs[1].shape[-1]), self.num_categories,
            self.num_continuous, self.q_units, learn_std=self.continuous_std is None,
            negative_slope=self.negative_slope,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_categories": self.num_categories,
            "num_continuous": self.num_continuous,
            "categorical_weight": self.categorical_weight,
            "continuous_weight": self.continuous_weight,
            "continuous_std": self.continuous_std,
            "generator_units": list(self.generator_units),
            "generator_filters": self.generator_filters,
            "discriminator_units": list(self.discriminator_units),
            "discriminator_filters": self.discriminator_filters,
            "q_units": list(self.q_units),
            "kernel_size": self.kernel_size,
            "negative_slope": self.negative_slope,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "InfoGAN":
        config = dict(config)
        if "generator_learning_rate" in config:  # files saved before g_learning_rate
            config["g_learning_rate"] = config.pop("generator_learning_rate")
        return super().from_config(config)

    @property
    def generator_learning_rate(self) -> float:
        """G's and the Q head's default learning rate (``g_learning_rate``, or ``learning_rate``)."""
        return self.side_learning_rate("g")

    # ----------------------------------------------------------------- compile
    @property
    def networks(self) -> dict[str, keras.Model]:
        return {**super().networks, "q_network": self.q_network}

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        q_optimizer: keras.optimizers.Optimizer | None = None,
        **kwargs: Any,
    ) -> None:
        """One optimizer per network. Defaults (betas from the config):
        Adam(``d_learning_rate``) for D's trunk and head, Adam(``g_learning_rate``)
        for G and, separately, for the Q head. Call inside ``strategy.scope()``
        when distributed."""
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)
        self.q_optimizer = self._prepare_optimizer(
            q_optimizer, self.q_network.trainable_variables, "q_optimizer",
            self.side_learning_rate("g"))
        self.group_optimizers()

    # ---------------------------------------------------------------- training
    def sample_generator_inputs(self, batch_size: int | tf.Tensor) -> list[tf.Tensor]:
        """G's inputs ``[z, categorical, continuous]`` for a training step, drawn from
        their priors, different per replica and step."""
        categorical = codes.uniform_labels(batch_size, self.num_categories, self._next_seed())
        continuous = engine.uniform([batch_size, self.num_continuous], self._next_seed(), -1.0, 1.0)
        return self.generator_inputs(self.sample_noise(batch_size), categorical, continuous)

    def generator_inputs(self, z: Any, categorical: Any, continuous: Any) -> list:
        """The generator's input list (no continuous input when ``num_continuous == 0``)."""
        return [z, categorical, continuous] if self.num_continuous else [z, categorical]

    def discriminate(self, images: tf.Tensor, training: bool) -> tuple[tf.Tensor, tf.Tensor]:
        """D's logits (float32) and the trunk's features for ``images``."""
        logits, features = self.discriminator(images, training=training)
        return ops.cast(logits, "float32"), features

    def discriminator_logits(self, images: tf.Tensor, training: bool) -> tf.Tensor:
        """D's logits only (for the penalties and the relativistic G loss)."""
        return self.discriminate(images, training)[0]

    def mutual_information(
        self, features: tf.Tensor, generator_inputs: Sequence[tf.Tensor], training: bool
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """Per-example L_I estimates ``(categorical, continuous)`` in nats: Q(c | x) from
        the trunk's ``features`` against the codes in ``generator_inputs``."""
        posterior = self.q_network(features, training=training)
        l_i = losses.categorical_mutual_information(
            generator_inputs[1], posterior["categorical_logits"]
        )
        if not self.num_continuous:
            return l_i, ops.zeros_like(l_i)
        if self.continuous_std is None:
            # Clipped so that a collapsing std cannot dominate the objective.
            log_std = ops.clip(ops.cast(posterior["continuous_log_std"], "float32"), -5.0, 5.0)
        else:
            log_std = ops.convert_to_tensor(np.log(self.continuous_std), "float32")
        l_i_cont = losses.gaussian_mutual_information(
            generator_inputs[2], posterior["continuous_mean"], log_std
        )
        return l_i, l_i_cont

    def information_loss(self, l_i: tf.Tensor, l_i_cont: tf.Tensor) -> tf.Tensor:
        """``-(lambda_cat L_I(c1) + lambda_cont L_I(c_cont))``, per example."""
        return -(self.categorical_weight * l_i + self.continuous_weight * l_i_cont)

    def update_discriminator(self, real_images: tf.Tensor, condition: Any = None
                             ) -> dict[str, tf.Tensor]:
        """One step on D's trunk and head and on the Q head: minimise ``L_D - lambda L_I``
        (``L_D``: `discriminator_objective` + `regularization`), then `constrain_discriminator`."""
        inputs = self.sample_generator_inputs(ops.shape(real_images)[0])

        def objective() -> tuple[tuple[Any, Any], dict[str, Any]]:
            fake = self.discriminator_inputs(self.generator(inputs, training=True))
            real = self.discriminator_inputs(real_images)
            real_logits, _ = self.discriminate(real, training=True)
            fake_logits, fake_features = self.discriminate(fake, training=True)
            l_i, l_i_cont = self.mutual_information(fake_features, inputs, training=True)
            information = self.information_loss(l_i, l_i_cont)
            adversarial = self.discriminator_objective(real_logits, fake_logits)
            penalty = self.regularization(real, fake, None)
            d_loss = self.replica_loss(adversarial + penalty + information, self.d_optimizer)
            q_loss = self.replica_loss(information, self.q_optimizer)
            return (d_loss, q_loss), {
                "d_loss": adversarial,
                **self.penalty_logs(penalty),
                "d_real": ops.sigmoid(real_logits[:, 0]),
                "d_fake": ops.sigmoid(fake_logits[:, 0]),
            }

        logs = self.minimize(objective,
                             (self.d_optimizer, self.discriminator.trainable_variables),
                             (self.q_optimizer, self.q_network.trainable_variables))
        self.constrain_discriminator()
        return logs

    def update_generator(self, batch_size: int | tf.Tensor, real_images: tf.Tensor | None = None,
                         condition: Any = None) -> dict[str, tf.Tensor]:
        """One step on G only: minimise ``-log D(G(z, c)) - lambda L_I`` (the G loss of
        ``adversarial_loss``; relativistic: against ``real_images``).

        D (trunk and head) and Q run in training mode (batch statistics) but
        only the generator's variables are updated.
        """
        inputs = self.sample_generator_inputs(batch_size)

        def objective() -> tuple[Any, dict[str, Any]]:
            fake = self.discriminator_inputs(self.generator(inputs, training=True))
            fake_logits, features = self.discriminate(fake, training=True)
            l_i, l_i_cont = self.mutual_information(features, inputs, training=True)
            adversarial = self.generator_objective(
                fake_logits, self.generator_real_logits(real_images, condition))
            loss = self.replica_loss(adversarial + self.information_loss(l_i, l_i_cont), self.g_optimizer)
            return loss, {"g_loss": adversarial, "l_i": l_i, "l_i_cont": l_i_cont}

        return self.minimize(objective, (self.g_optimizer, self.generator.trainable_variables))

    def call(self, inputs: Sequence[tf.Tensor], training: bool = False) -> tf.Tensor:
        """G(z, c) in [-1, 1] for ``inputs = (z, categorical, continuous)``."""
        return self.generator(self.generator_inputs(*inputs), training=training)

    # --------------------------------------------------------------- inference
    def generate_images(
        self, z: tf.Tensor, categorical: tf.Tensor, continuous: tf.Tensor
    ) -> tf.Tensor:
        """Graph-friendly sampling: images in [0, 1] for int32 category indices
        ``categorical`` ``[N]`` and ``continuous`` ``[N, num_continuous]``, in ``keras.ops``
        (the SavedModel's function). The categories are not checked here: `generate` checks
        them (`codes.check_labels`), the SavedModel by `serving_ranges`."""
        categorical = ops.cast(categorical, "int32")
        return to_unit_range(self.sampling_generator(
            self.generator_inputs(z, categorical, continuous), training=False))

    def generate(
        self,
        num_samples: int | None = None,
        z: Any = None,
        seed: int | None = None,
        categorical: Any = None,
        continuous: Any = None,
    ) -> np.ndarray:
        """Images in [0, 1] ``[N, H, W, C]``.

        ``categorical``: int category indices ``[N]`` in ``[0, num_categories)``;
        ``continuous``: ``[N, num_continuous]`` (the prior is U(-1, 1), values
        beyond extrapolate). What is not given is drawn from its prior with
        ``seed``; N comes from ``num_samples`` or any given input.
        """
        given = [len(np.asarray(x)) for x in (z, categorical, continuous) if x is not None and np.ndim(x)]
        if num_samples is None and not given:
            raise ValueError("Pass num_samples=... or any of z=, categorical=, continuous= to generate images.")
        count = inputs.check_count(num_samples if num_samples is not None else given[0])
        if categorical is None:
            categorical = codes.numpy_rng(seed, 1).integers(0, self.num_categories, count)
        if continuous is None:
            continuous = codes.numpy_rng(seed, 2).uniform(-1.0, 1.0, (count, self.num_continuous))
        categorical = codes.check_labels(categorical, self.num_categories, "categorical", count)
        continuous = codes.check_codes(continuous, self.num_continuous, "continuous", count)
        z = self.noise(count, z, seed)
        return ops.convert_to_numpy(self.generate_images(
            ops.convert_to_tensor(z), ops.convert_to_tensor(categorical),
            ops.convert_to_tensor(continuous)))

    def sample_grid(
        self, num_samples: int = 64, seed: int = 0, continuous_index: int = 0
    ) -> tuple[np.ndarray, int]:
        """Latent traversal: row r is category r; along a row the continuous code
        ``continuous_index`` sweeps [-2, 2] (the others 0), with one fixed z."""
        columns = max(2, int(num_samples) // self.num_categories)
        z = np.repeat(self.noise(1, seed=seed), self.num_categories * columns, axis=0)
        categorical = np.repeat(np.arange(self.num_categories), columns)
        continuous = np.zeros((len(z), self.num_continuous), np.float32)
        if self.num_continuous:
            if not 0 <= continuous_index < self.num_continuous:
                raise ValueError(
                    f"continuous_index must be in [0, {self.num_continuous}), got {continuous_index}."
                )
            continuous[:, continuous_index] = np.tile(np.linspace(-2.0, 2.0, columns), self.num_categories)
        return self.generate(z=z, categorical=categorical, continuous=continuous), self.num_categories

    @property
    def serving_ranges(self) -> dict[str, inputs.Range]:
        """The SavedModel checks ``categorical`` as class indices in ``[0, num_categories)``
        (before `generate_images`, on either backend)."""
        return {"categorical": codes.class_indices(self.num_categories)}

    def serving_endpoints(self) -> dict[str, Endpoint]:
        """``serving_default(z float32 [N, latent_dim], categorical int32 [N] (indices, not
        one-hot), continuous float32 [N, num_continuous]) -> images [0, 1]``."""
        return {
            "serving_default": (
                lambda z, categorical, continuous: {
                    "images": self.generate_images(z, categorical, continuous)
                },
                [
                    self.z_spec(),
                    tf.TensorSpec([None], tf.int32, name="categorical"),
                    tf.TensorSpec([None, self.num_continuous], tf.float32, name="continuous"),
                ],
            )
        }
