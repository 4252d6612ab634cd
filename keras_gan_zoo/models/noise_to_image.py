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
  images alike, in D's and G's steps, before D sees them (``diff_augment``,
  then ``instance_noise``; identity by default);
* **the adversarial objective**: :meth:`discriminator_objective` and
  :meth:`generator_objective`, the pair ``adversarial_loss`` names
  (`losses.adversarial_losses`; default: minimax D loss with one-sided label
  smoothing, non-saturating G loss);
* **regularisation** of D: :meth:`regularization`, added to D's loss
  (``gradient_penalty``, ``r1_penalty``; 0 by default), and
  :meth:`constrain_discriminator` after each D update (``clip_weights``);
* after each G update, :meth:`update_ema` (``ema``, ``ema_rampup``).

The switches against training failures (mode collapse, a winning D, divergence)
are the constructor's arguments from ``adversarial_loss`` on (all off by default;
see the class docstring). An entry that cannot take one lists it in its `excluded_arguments`
(EBGAN: its D outputs energies, not logits); the image-to-image
entries keep their papers' losses and take only ``g_learning_rate`` and
``d_learning_rate`` (`BaseGAN`).

Logged: ``d_loss`` is the adversarial term only (the value of the loss
function, whose floors `monitor` knows); with a gradient penalty, ``d_penalty``
is the penalty, and D minimises ``d_loss + d_penalty``. ``d_real`` and
``d_fake`` are the sigmoids of D's mean logits (for the critic losses,
wasserstein and hinge, a monotone view of the critic's values, not a probability).

Distribution: every term is per example, so a step on N replicas equals a step
on one (with the same draws: instance noise, augmentations and the gradient
penalty's interpolation weights are drawn per replica with `BaseGAN._next_seed`),
except the relativistic loss (`losses.BATCH_LEVEL_LOSSES`), whose batch means
are each replica's.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras
import numpy as np

from keras import ops

from keras_gan_zoo import augment, engine, inputs, losses, regularizers
from keras_gan_zoo.base import BaseGAN, Endpoint
from keras_gan_zoo.pixels import to_unit_range
from keras_gan_zoo.signals import MonitorSignals, noise_to_image_signals
from keras_gan_zoo.tensorflow_import import EXPORT, lazy_tensorflow

tf = lazy_tensorflow(EXPORT)

#: The priors of z (the ``noise`` argument).
NOISES = ("normal", "uniform")


class NoiseToImageGAN(BaseGAN):
    """Base of the noise-to-image entries (see the module docstring).

    Args:
        latent_dim: size of the generator's noise input z.
        d_steps: discriminator updates per generator update (k in Algorithm 1
            of Goodfellow et al. 2014; WGAN uses 5). Each dataset batch is
            split into k interleaved minibatches, so every discriminator
            update sees fresh real data, as in the paper; `load_dataset`
            (``keras-gan-zoo train``, recipes) batches ``k * batch_size``
            examples, so that each of the k D steps and the G step get
            ``batch_size`` (m in the paper). A dataset of your own with batches
            of B gives each D step and the G step B / k examples.
        label_smoothing: one-sided label smoothing: the real target becomes
            ``1 - label_smoothing`` (Salimans et al. 2016 use 0.1, i.e. 0.9);
            only for the minimax, non_saturating and least_squares losses.
        noise: the prior of z, in training and in ``generate``: ``"normal"``
            (N(0, I), the default) or ``"uniform"`` (U(-1, 1) per coordinate, as
            in the DCGAN and InfoGAN authors' code). Each entry's docstring says
            what its paper used.
        adversarial_loss: the D and G losses (`losses.adversarial_losses`).
        gradient_penalty: weight of the WGAN-GP penalty (Gulrajani et al. 2017,
            `regularizers.wasserstein_gradient_penalty`) on D's logits at random
            interpolates of real and fake images (with the real batch's
            condition, e.g. CGAN's labels); ``None`` or 0: off.
        r1_penalty: weight gamma of the R1 penalty (Mescheder, Geiger & Nowozin
            2018, `regularizers.r1_gradient_penalty`) on real data; ``None`` or 0: off.
            Both penalties assume D treats examples independently (no batch norm
            in D): with ``gradient_penalty`` the entries' D has layer norm instead,
            as Gulrajani et al. advise (`networks.options`).
        clip_weights: WGAN's weight clipping of D's trainable weights to
            ``[-c, c]`` after each D update (Arjovsky, Chintala & Bottou 2017:
            c = 0.01, with ``d_steps: 5``); ``None``: off.
        instance_noise: initial standard deviation (in the [-1, 1] pixel range)
            of Gaussian noise added to every image D sees (`augment`); ``None``
            or 0: off.
        instance_noise_steps: generator steps over which the standard deviation
            decays linearly to 0 (Sønderby et al. anneal it to 0); ``None``: over the
            whole run, `fit`'s ``epochs`` x steps per epoch (a dataset of unknown
            length: constant in the first epoch, which counts its steps); 0: constant.
        diff_augment: DiffAugment policies, e.g. ``"color,translation,cutout"``
            (`augment.diff_augment`; Zhao et al. 2020); ``None``: off.
        ema: decay of an exponential moving average of G's weights (Yazıcı et
            al. 2019, "The Unusual Effectiveness of Averaging in GAN Training"),
            e.g. 0.999; ``generate``, sample grids and `export` then use the
            average (``generator_ema``, saved with the model); ``None``: off
            (0 keeps a copy equal to G). Its batch-norm statistics are its own,
            re-estimated for the averaged weights (`update_ema`).
        ema_rampup: StyleGAN2-ADA's ramp-up of the average (Karras et al. 2020,
            ``training_loop.py``): after t generator steps the decay is
            ``min(ema, 0.5 ** (1 / (t * ema_rampup)))``, i.e. the average's half-life
            is at most ``ema_rampup`` of the steps so far, so the random initial
            generator never lingers in it; ``ema`` alone from
            ``t = ln(0.5) / ln(ema) / ema_rampup`` on (13,860 steps for 0.999).
            Default 0.05, the authors' value for small datasets (their ``auto`` and
            ``cifar`` configs); ``None``: no ramp-up.
        **kwargs: `BaseGAN`'s (``image_shape``, ``learning_rate``,
            ``g_learning_rate``, ``d_learning_rate``, ``beta_1``, ``beta_2``, ``seed``).
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(
        self,
        latent_dim: int = 100,
        d_steps: int = 1,
        label_smoothing: float = 0.0,
        noise: str = "normal",
        adversarial_loss: str = "non_saturating",
        gradient_penalty: float | None = None,
        r1_penalty: float | None = None,
        clip_weights: float | None = None,
        instance_noise: float | None = None,
        instance_noise_steps: int | None = None,
        diff_augment: str | None = None,
        ema: float | None = None,
        ema_rampup: float | None = 0.05,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES} (the prior of z), got {noise!r}.")
        self.latent_dim = int(latent_dim)
        self.d_steps = int(d_steps)
        self.label_smoothing = float(label_smoothing)
        self.noise_distribution = noise
        # The switches' ranges are checked by `config_checks`, their names here.
        self.adversarial_loss = adversarial_loss
        self.adversarial_losses()  # a ValueError for an unknown loss or a bad label_smoothing
        self.diff_augment = ",".join(augment.parse_policies(diff_augment)) or None
        self.gradient_penalty, self.r1_penalty, self.clip_weights, self.instance_noise, self.ema = (
            None if value is None else float(value)
            for value in (gradient_penalty, r1_penalty, clip_weights, instance_noise, ema))
        self.instance_noise_steps = None if instance_noise_steps is None else int(instance_noise_steps)
        self.ema_rampup = None if ema_rampup is None else float(ema_rampup)
        # The run's length in generator steps for instance noise without instance_noise_steps,
        # set by `fit` (`InstanceNoiseRunLength`, which retraces the step); 0 until known. Not
        # a Keras weight: it is the current `fit`'s, not the model's.
        self._instance_noise_run_steps = 0
        if self.gradient_penalty or self.r1_penalty:
            self.trackers["d_penalty"] = keras.metrics.Mean(name="d_penalty")

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "generator" and getattr(self, "ema", None) is not None:
            # The moving average starts as a copy of the generator the entry assigns.
            # Its weights are not trainable, its layers are: batch norm in training mode
            # then updates its moving statistics (`update_ema`).
            average = keras.models.clone_model(value)
            average.set_weights(value.get_weights())
            for weight in average.weights:
                weight.trainable = False
            self.generator_ema = average

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            "label_smoothing": self.label_smoothing,
            "noise": self.noise_distribution,
            "adversarial_loss": self.adversarial_loss,
            "gradient_penalty": self.gradient_penalty,
            "r1_penalty": self.r1_penalty,
            "clip_weights": self.clip_weights,
            "instance_noise": self.instance_noise,
            "instance_noise_steps": self.instance_noise_steps,
            "diff_augment": self.diff_augment,
            "ema": self.ema,
            "ema_rampup": self.ema_rampup,
        }
        return {key: value for key, value in config.items() if key not in self.excluded_arguments}

    # -------------------------------------------------------------------- data
    def real_images(self, data: Any) -> tf.Tensor:
        """The images of a dataset element (``images`` or ``(images, labels)``),
        checked against ``image_shape``."""
        images = data[0] if isinstance(data, (tuple, list)) else data
        if isinstance(images, Mapping):
            images = images["image"]
        self.check_image_shape(images.shape[1:], what="dataset images")
        return ops.cast(images, self.compute_dtype)

    def real_data(self, data: Any) -> tuple[tf.Tensor, Any]:
        """``(images, condition)`` of a dataset element: what D sees of real data
        besides the images is ``None`` (CGAN: the labels)."""
        return self.real_images(data), None

    def load_dataset(self, source: str = "digits", batch_size: int = 64, split: str = "train",
                     seed: int | None = None, **kwargs: Any) -> tf.data.Dataset:
        """Training data in batches of ``d_steps * batch_size``: each of the k D steps of
        `train_step` gets ``batch_size`` fresh real examples and the G step ``batch_size``
        noise samples (m in Algorithm 1 of Goodfellow et al. 2014)."""
        return super().load_dataset(source, batch_size=batch_size * self.d_steps, split=split,
                                    seed=seed, **kwargs)

    def example_batch(self, batch_size: int, seed: int = 0) -> Any:
        """A random batch in the form ``train_step`` expects (for tests and benchmarks)."""
        rng = np.random.default_rng(seed)
        return rng.uniform(-1.0, 1.0, (batch_size, *self.image_shape)).astype(np.float32)

    # ------------------------------------------------------------------- noise
    def sample_uniform(self, shape: Sequence[Any]) -> Any:
        """U[0, 1) draws of ``shape`` (``[batch, ...]``), different per replica, step and call."""
        return engine.uniform(shape, self._next_seed())

    def sample_normal(self, shape: Sequence[Any], dtype: Any = "float32") -> Any:
        """N(0, 1) draws of ``shape`` (``[batch, ...]``), different per replica, step and call."""
        return engine.normal(shape, self._next_seed(), dtype=dtype)

    def sample_noise(self, batch_size: Any) -> Any:
        """z of shape ``[batch_size, latent_dim]`` from the ``noise`` prior, for a training step."""
        shape = (batch_size, self.latent_dim)
        if self.noise_distribution == "uniform":
            return engine.uniform(shape, self._next_seed(), -1.0, 1.0)
        return engine.normal(shape, self._next_seed())

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

    def instance_noise_stddev(self) -> tf.Tensor:
        """The instance noise's standard deviation at the current step (the G
        optimizer's iterations): ``instance_noise``, decaying linearly to 0 at
        ``instance_noise_steps``, or by default at the end of the run `fit` trains
        (`augment.instance_noise_stddev`)."""
        steps = self.instance_noise_steps
        return augment.instance_noise_stddev(
            self.instance_noise or 0.0,
            self._instance_noise_run_steps if steps is None else steps,
            self.g_optimizer.iterations)

    def fit(self, x: Any = None, y: Any = None, **kwargs: Any) -> keras.callbacks.History:
        """`BaseGAN.fit`; with instance noise and no ``instance_noise_steps``, the noise
        decays to 0 over this call's run (`InstanceNoiseRunLength`)."""
        if self.instance_noise and self.instance_noise_steps is None:
            kwargs["callbacks"] = with_callback(kwargs.get("callbacks"),
                                                InstanceNoiseRunLength(), self)
        return super().fit(x, y, **kwargs)

    def discriminator_inputs(self, images: tf.Tensor) -> tf.Tensor:
        """The images, real or fake, as D is shown them: DiffAugment (``diff_augment``),
        then instance noise (``instance_noise``), drawn per example; unchanged when off."""
        batch = ops.shape(images)[0]
        if self.diff_augment:
            draws = self.sample_uniform([batch, augment.num_draws(self.diff_augment)])
            images = augment.diff_augment(images, self.diff_augment, draws)
        if self.instance_noise:
            noise = self.sample_normal([batch, *images.shape[1:]], images.dtype)
            images = images + ops.cast(self.instance_noise_stddev(), images.dtype) * noise
        return images

    def adversarial_losses(self) -> losses.AdversarialLoss:
        """The ``(discriminator, generator)`` losses of ``adversarial_loss``, the real
        target ``1 - label_smoothing`` (one-sided label smoothing)."""
        return losses.adversarial_losses(self.adversarial_loss, 1.0 - self.label_smoothing)

    def discriminator_objective(self, real_logits: tf.Tensor, fake_logits: tf.Tensor
                                ) -> tf.Tensor:
        """Per-example D loss of ``adversarial_loss`` (default: ``-log D(x) - log(1 - D(G(z)))``)."""
        return self.adversarial_losses().discriminator(real_logits, fake_logits)

    def generator_objective(self, fake_logits: tf.Tensor, real_logits: tf.Tensor | None = None
                            ) -> tf.Tensor:
        """Per-example G loss of ``adversarial_loss`` on D's logits for fakes (default:
        non-saturating ``-log D(G(z))``); ``real_logits`` for the relativistic loss."""
        return self.adversarial_losses().generator(fake_logits, real_logits)

    def regularization(self, real_images: tf.Tensor, fake_images: tf.Tensor, condition: Any
                       ) -> tf.Tensor | float:
        """Per-example regularisation of D, added to its loss: the gradient penalty
        (``gradient_penalty``) and R1 (``r1_penalty``) on D's per-example mean logit,
        for ``real_images`` and ``fake_images`` as D sees them (`discriminator_inputs`),
        with the real batch's ``condition``; 0 when both are off."""

        def critic(images: tf.Tensor) -> tf.Tensor:
            view = self.discriminator_view(images, condition)
            return losses.per_example_mean(self.discriminator_logits(view, training=True))

        penalty = 0.0
        if self.gradient_penalty:
            mix = self.sample_uniform([ops.shape(real_images)[0]])
            penalty += regularizers.wasserstein_gradient_penalty(
                critic, real_images, fake_images, weight=self.gradient_penalty,
                interpolation_weights=mix)
        if self.r1_penalty:
            penalty += regularizers.r1_gradient_penalty(critic, real_images, self.r1_penalty)
        return penalty

    def penalty_logs(self, penalty: tf.Tensor | float) -> dict[str, tf.Tensor]:
        """``{"d_penalty": penalty}`` when a penalty is on (nothing otherwise)."""
        return {"d_penalty": penalty} if "d_penalty" in self.trackers else {}

    def constrain_discriminator(self) -> None:
        """After each D update: WGAN's weight clipping (``clip_weights``), if on."""
        if self.clip_weights:
            regularizers.clip_weights(self.discriminator.trainable_variables, self.clip_weights)

    def generator_real_logits(self, real_images: tf.Tensor | None, condition: Any = None
                              ) -> tf.Tensor | None:
        """D's logits on the real batch if the G loss compares with them (relativistic,
        `losses.GENERATOR_NEEDS_REAL_LOGITS`), else ``None``."""
        if self.adversarial_loss not in losses.GENERATOR_NEEDS_REAL_LOGITS:
            return None
        if real_images is None:
            raise ValueError(f"The {self.adversarial_loss} G loss compares fakes with real "
                             "images: call update_generator(batch_size, real_images).")
        real = self.discriminator_view(self.discriminator_inputs(real_images), condition)
        return self.discriminator_logits(real, training=True)

    def monitor_signals(self) -> MonitorSignals:
        """``d_loss`` and its floor under ``adversarial_loss`` and ``label_smoothing``; D(G(z))
        (``d_fake``) for the log-losses, whose D gives a probability; a fixed-noise probe."""
        return noise_to_image_signals(self.adversarial_loss, self.label_smoothing)

    # --------------------------------------------------------------------- EMA
    @property
    def sampling_generator(self) -> keras.Model:
        """The generator `generate`, sample grids and `export` use: the moving average
        ``generator_ema`` when ``ema`` is on, else ``generator``."""
        return self.generator_ema if self.ema is not None else self.generator

    def ema_decay(self, step: Any) -> tf.Tensor:
        """The average's decay after ``step`` generator steps done: ``ema``, ramped up as
        StyleGAN2-ADA does (``ema_rampup``): ``min(ema, 0.5 ** (1 / max(step * ema_rampup,
        1e-8)))``, 0 at step 0 (the first update copies G)."""
        if not self.ema_rampup:
            return ops.convert_to_tensor(self.ema, "float32")
        half_life = ops.maximum(ops.cast(step, "float32") * self.ema_rampup, 1e-8)
        return ops.minimum(self.ema, ops.power(0.5, 1.0 / half_life))

    def update_ema(self, batch_size: int | tf.Tensor) -> None:
        """After each G update: ``average <- beta * average + (1 - beta) * weight`` for G's
        trainable weights, with ``beta = ema_decay(G steps before this one)``; then the
        average's batch-norm moving statistics are re-estimated for the averaged weights:
        a forward pass of ``generator_ema`` in training mode on ``batch_size`` fresh
        generator inputs updates them with the layers' momentum.

        G's own statistics belong to G's current weights. DCGAN 32/16 on the digits, 300
        steps, ``ema=0.99`` without ramp-up, FID of 2,000 samples (G itself: 102.4): G's
        statistics copied into the average (as StyleGAN2-ADA copies its buffers; its G has
        no batch norm) 162.2, averaged with the weights 288.5, re-estimated in each step
        as here 137.9, recomputed after training over 20 batches 137.3
        (``benchmarks/ema_batch_norm.py``).

        The average is its own non-trainable network, ``generator_ema`` (a clone of G,
        made when the entry assigns ``generator``), rather than Keras' optimizer
        ``use_ema``: that one swaps the averages into G only at the end of ``fit``
        (``finalize_variable_values``), overwriting the trained weights, while
        sampling during training and resuming need both sets, side by side."""
        beta = self.ema_decay(self.g_optimizer.iterations - 1)
        for average, weight in zip(self.generator_ema.weights, self.generator.weights):
            if weight.trainable:
                average.assign(beta * average + (1.0 - beta) * weight)
        if self.generator.non_trainable_weights:  # batch-norm statistics
            self.generator_ema(self.sample_generator_inputs(batch_size), training=True)

    # ------------------------------------------------------------ Algorithm 1
    def update_discriminator(self, real_images: tf.Tensor, condition: Any = None
                             ) -> dict[str, tf.Tensor]:
        """One gradient step on D: minimise `discriminator_objective` + `regularization`
        on ``real_images`` (seen with ``condition``, e.g. CGAN's labels) and fresh fakes,
        then `constrain_discriminator`."""
        inputs = self.sample_generator_inputs(ops.shape(real_images)[0])

        def objective() -> tuple[Any, dict[str, Any]]:
            fake_images = self.discriminator_inputs(self.generator(inputs, training=True))
            seen_real = self.discriminator_inputs(real_images)
            fake = self.discriminator_view(fake_images, self.generator_condition(inputs))
            real = self.discriminator_view(seen_real, condition)
            real_logits = self.discriminator_logits(real, training=True)
            fake_logits = self.discriminator_logits(fake, training=True)
            per_example = self.discriminator_objective(real_logits, fake_logits)
            penalty = self.regularization(seen_real, fake_images, condition)
            return self.replica_loss(per_example + penalty, self.d_optimizer), {
                "d_loss": per_example,
                **self.penalty_logs(penalty),
                "d_real": ops.sigmoid(losses.per_example_mean(real_logits)),
                "d_fake": ops.sigmoid(losses.per_example_mean(fake_logits)),
            }

        logs = self.minimize(objective, (self.d_optimizer, self.discriminator.trainable_variables))
        self.constrain_discriminator()
        return logs

    def update_generator(self, batch_size: int | tf.Tensor, real_images: tf.Tensor | None = None,
                         condition: Any = None) -> dict[str, tf.Tensor]:
        """One gradient step on G against the current D: minimise `generator_objective` on
        ``batch_size`` fakes (the relativistic loss compares them with ``real_images``)."""
        inputs = self.sample_generator_inputs(batch_size)

        def objective() -> tuple[Any, dict[str, Any]]:
            fake = self.discriminator_view(
                self.discriminator_inputs(self.generator(inputs, training=True)),
                self.generator_condition(inputs))
            per_example = self.generator_objective(
                self.discriminator_logits(fake, training=True),
                self.generator_real_logits(real_images, condition))
            return self.replica_loss(per_example, self.g_optimizer), {"g_loss": per_example}

        return self.minimize(objective, (self.g_optimizer, self.generator.trainable_variables))

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        """Algorithm 1 of Goodfellow et al. 2014: k steps on D, each on its own k-th of the
        batch (every k-th example; `load_dataset` batches k x ``batch_size``), then one on G
        with as many noise samples (seeing the first minibatch's real images), then the
        moving average of G (``ema``)."""
        images, condition = self.real_data(data)

        def minibatch(k: int) -> tuple[tf.Tensor, Any]:  # every k-th example
            return (images[k :: self.d_steps],
                    None if condition is None else condition[k :: self.d_steps])

        for k in range(self.d_steps):  # fresh real data per D step
            d_logs = self.update_discriminator(*minibatch(k))
        batch_size = ops.shape(minibatch(0)[0])[0]
        g_logs = self.update_generator(batch_size, *minibatch(0))
        if self.ema is not None:
            self.update_ema(batch_size)
        return self.report(**d_logs, **g_logs)

    # --------------------------------------------------------------- inference
    def call(self, z: tf.Tensor, training: bool = False) -> tf.Tensor:
        """G(z) in the generator's range [-1, 1]; `generate` gives [0, 1]."""
        return self.generator(z, training=training)

    def generate_images(self, z: tf.Tensor) -> tf.Tensor:
        """Graph-friendly sampling: images in [0, 1] for noise ``z`` (used by `export`)."""
        return to_unit_range(self.sampling_generator(z, training=False))

    def noise(
        self, num_samples: int | None = None, z: Any = None, seed: int | None = None
    ) -> np.ndarray:
        """Validated z: the given ``z`` (finite, ``[N >= 1, latent_dim]``), or
        ``num_samples`` draws from the ``noise`` prior seeded by ``seed``."""
        if z is None:
            if num_samples is None:
                raise ValueError("Pass num_samples=... or z=... to generate images.")
            shape = (inputs.check_count(num_samples), self.latent_dim)
            rng = np.random.default_rng(seed)
            if self.noise_distribution == "uniform":
                return rng.uniform(-1.0, 1.0, shape).astype(np.float32)
            return rng.standard_normal(shape).astype(np.float32)
        return inputs.check_array(z, "z", (self.latent_dim,), hint=" (latent_dim)",
                                  num_samples=num_samples)

    def generate(
        self, num_samples: int | None = None, z: Any = None, seed: int | None = None
    ) -> np.ndarray:
        """Images in [0, 1], shape ``[N, H, W, C]``; the same ``seed`` gives the same images."""
        return ops.convert_to_numpy(
            self.generate_images(ops.convert_to_tensor(self.noise(num_samples, z, seed))))

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


def with_callback(callbacks: Any, callback: keras.callbacks.Callback, model: keras.Model) -> Any:
    """``callbacks`` (a list, ``None`` or a `keras.callbacks.CallbackList`) with ``callback``
    added for ``model``."""
    if isinstance(callbacks, keras.callbacks.CallbackList):
        callback.set_model(model)
        callback.set_params(callbacks.params)
        callbacks.callbacks.append(callback)
        return callbacks
    return [*(callbacks or []), callback]


class InstanceNoiseRunLength(keras.callbacks.Callback):
    """Tells a `NoiseToImageGAN` without ``instance_noise_steps`` how long the run `fit`
    trains is, in generator steps: ``epochs`` x steps per epoch, from the start of training
    (the G optimizer's iterations count from 0, also when a run continues), so the instance
    noise decays to 0 at the end of the run. A dataset of unknown length: the first epoch
    counts its steps (the noise is constant until then). It reads no logs, so it is
    ``async_safe``: it leaves Keras free to run batch ends on a thread (JAX), instead of
    waiting for each step's logs (measured: 5% of a small MLP's step); the thread may end
    batches out of order, so the count is the largest batch seen, and Keras finishes them
    all before ``on_epoch_end``."""

    async_safe = True

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        steps = self.params.get("steps")
        self.counted = 0
        self.known = bool(steps)
        self._set_run_steps(self.params["epochs"] * steps if steps else 0)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.counted = max(self.counted, batch + 1)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.known and self.counted:
            self.known = True
            self._set_run_steps(self.params["epochs"] * self.counted)

    def _set_run_steps(self, steps: int) -> None:
        """The run's length, a constant of the compiled step: the step is traced again."""
        if steps != self.model._instance_noise_run_steps:
            self.model._instance_noise_run_steps = steps
            if getattr(self.model, "train_function", None) is not None:
                self.model.make_train_function(force=True)
