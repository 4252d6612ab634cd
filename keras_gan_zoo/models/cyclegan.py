"""CycleGAN: Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation
using Cycle-Consistent Adversarial Networks", ICCV (arXiv:1703.10593)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any, Sequence

import keras
import numpy as np
from keras import ops

from keras_gan_zoo import engine, losses
from keras_gan_zoo.base import Endpoint
from keras_gan_zoo.schedules import LinearDecay
from keras_gan_zoo.data.unpaired import digits_domains, load_unpaired
from keras_gan_zoo.models.image_to_image import ImageToImageGAN
from keras_gan_zoo.networks import patchgan_discriminator, resnet_generator
from keras_gan_zoo.registry import register
from keras_gan_zoo.signals import MonitorSignals


class ImagePool(keras.layers.Layer):
    """A history of generated images for the discriminator (Shrivastava et al. 2017; CycleGAN sec. 4).

    ``query(images, seed)`` returns a batch of the same size: while the pool
    holds fewer than ``size`` images, each image is stored and returned; after
    that, with probability 0.5 an image is returned as is, otherwise a random
    stored image is returned and the new one takes its place (the authors'
    ``ImagePool``, image by image in order).

    The images and the count are non-trainable `keras.Variable` s of this layer,
    updated with ``assign``; the model tracks the pools, so on JAX they are part of
    `fit`'s state, one pool for the global batch. Under a `tf.distribute` strategy
    every replica has its own pool: the variables are ``on_read`` with aggregation
    ``none``, so each replica reads and writes its local copy inside the step (no
    cross-replica traffic, as each replica fills its pool from the fakes it made).
    They are created under the model's strategy (call ``compile`` inside
    ``strategy.scope()``) and are training state only: neither a ``.keras`` file nor
    an exported SavedModel keeps them (a loaded model starts with empty pools).
    """

    def __init__(self, size: int, image_shape: Sequence[int], dtype: Any = "float32",
                 name: str = "image_pool") -> None:
        super().__init__(name=name)
        self.size = max(0, int(size))
        if self.size == 0:
            return
        per_replica = dict(trainable=False, synchronization="on_read", aggregation="none")
        self.images = keras.Variable(keras.initializers.Zeros(), (self.size, *image_shape), dtype,
                                     name=f"{name}_images", **per_replica)
        self.count = keras.Variable(0, dtype="int32", name=f"{name}_count", **per_replica)
        self.built = True

    def save_own_variables(self, store: Any) -> None:
        pass  # training state only (see the class docstring)

    def load_own_variables(self, store: Any) -> None:
        pass

    def query(self, images: Any, seed: Any) -> Any:
        """The batch for the discriminator (see the class docstring); ``seed`` is a stateless
        seed (`engine.step_seed`)."""
        if self.size == 0:
            return images
        images = ops.cast(images, self.images.dtype)
        n = ops.shape(images)[0]
        # Per image: U[0, 1) for the swap, U[0, size) for the slot.
        draws = engine.uniform([2, n], seed)
        swaps = draws[0] < 0.5
        slots = ops.minimum(ops.cast(draws[1] * self.size, "int32"), self.size - 1)

        def step(i, state):
            pool, count, returned = state
            filling = count < self.size
            slot = ops.where(filling, count, slots[i])
            stored = ops.take(pool, slot, axis=0)
            new = ops.take(images, i, axis=0)
            swap = ops.logical_and(ops.logical_not(filling), ops.take(swaps, i))
            returned = ops.slice_update(returned, [i, 0, 0, 0],
                                        ops.where(swap, stored, new)[None])
            kept = ops.where(ops.logical_or(filling, swap), new, stored)
            pool = ops.slice_update(pool, [slot, 0, 0, 0], kept[None])
            return pool, ops.minimum(count + 1, self.size), returned

        pool, count, returned = ops.fori_loop(
            0, n, step, (ops.convert_to_tensor(self.images.value),
                         ops.convert_to_tensor(self.count.value), ops.zeros_like(images)))
        self.images.assign(pool)
        self.count.assign(count)
        return returned


@register("cyclegan")
class CycleGAN(ImageToImageGAN):
    """CycleGAN: two generators G: A->B, F: B->A and two discriminators, trained on unpaired data.

    * G, F: ResNet generators (`networks.resnet`; 6 residual blocks up to
      128 px, 9 above), instance norm, reflection padding.
    * D_A, D_B: 70x70 PatchGANs with instance norm (``receptive_field``).
    * Objective (eq. 3 with least-squares GAN losses, sec. 4):
      ``(D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2 + cycle_weight * (|F(G(a)) - a| + |G(F(b)) - b|)
      + identity_weight * cycle_weight * (|G(b) - b| + |F(a) - a|)``
      for the generators; ``((D(real) - 1)^2 + D(fake)^2) / 2`` for each
      discriminator, on fakes from a pool of the last ``pool_size`` (50)
      generated images (`ImagePool`, one per direction and replica).
      The identity term (sec. 5.2, used for painting->photo) needs the two
      domains to have the same channels; ``identity_weight=0`` disables it.
    * Each step: one G update (both generators), then one D update (both
      discriminators), as the authors' code.
    * Optimizers, one per group: ``g_optimizer`` for both generators and
      ``d_optimizer`` for both discriminators (the authors' code; the
      networks' variables are disjoint, so this equals one Adam per network).
      Adam(2e-4, beta_1=0.5), batch size 1; the rate is constant for the first
      ``constant_lr_fraction`` of the epochs and decays linearly towards 0
      after (`schedules.LinearDecay`, returned by ``training_callbacks()``:
      add it to ``fit``'s callbacks).

    Networks: ``generator_ab`` (G), ``generator_ba`` (F), ``discriminator_a``,
    ``discriminator_b``. ``image_shape`` is domain B's shape and
    ``input_channels`` domain A's channels. Data: ``(images_a, images_b)``
    (`data.unpaired.load_unpaired`); the offline default maps digits to
    digit negatives. Serving: ``a_to_b(image)``, ``b_to_a(image)``,
    ``serving_default`` = ``a_to_b``.
    """

    paper = ("Zhu et al. 2017, Unpaired Image-to-Image Translation using Cycle-Consistent "
             "Adversarial Networks (arXiv:1703.10593)")
    metric_names = ("d_loss", "g_loss", "cycle_loss", "identity_loss")
    grid_titles = (("a", "G(a)", "F(G(a))"), ("b", "F(b)", "G(F(b))"))

    def __init__(
        self,
        generator_filters: int = 64,
        discriminator_filters: int = 64,
        num_residual_blocks: int | None = None,
        receptive_field: int = 70,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        pool_size: int = 50,
        constant_lr_fraction: float = 0.5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.generator_filters = int(generator_filters)
        self.discriminator_filters = int(discriminator_filters)
        self.num_residual_blocks = None if num_residual_blocks is None else int(num_residual_blocks)
        self.receptive_field = int(receptive_field)
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        self.constant_lr_fraction = float(constant_lr_fraction)
        if self.identity_weight and self.input_channels != self.image_shape[2]:
            raise ValueError(
                f"The identity loss feeds domain B images to G: A->B, so the domains need the "
                f"same channels (A: {self.input_channels}, B: {self.image_shape[2]}); set "
                "identity_weight=0."
            )
        shape_a, shape_b = self.source_shape, self.image_shape
        generator = lambda source, target, name: resnet_generator(  # noqa: E731
            source, target[2], self.generator_filters, self.num_residual_blocks, name=name)
        discriminator = lambda shape, name: patchgan_discriminator(  # noqa: E731
            shape, self.discriminator_filters, self.receptive_field, norm="instance", name=name)
        self.generator_ab = generator(shape_a, shape_b, "generator_ab")
        self.generator_ba = generator(shape_b, shape_a, "generator_ba")
        self.discriminator_a = discriminator(shape_a, "discriminator_a")
        self.discriminator_b = discriminator(shape_b, "discriminator_b")

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_filters": self.generator_filters,
            "discriminator_filters": self.discriminator_filters,
            "num_residual_blocks": self.num_residual_blocks,
            "receptive_field": self.receptive_field,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "constant_lr_fraction": self.constant_lr_fraction,
        }

    @property
    def generator(self) -> keras.Model:
        """G: A -> B (what ``translate`` and ``serving_default`` use)."""
        return self.generator_ab

    @property
    def networks(self) -> dict[str, keras.Model]:
        return {
            "generator_ab": self.generator_ab,
            "generator_ba": self.generator_ba,
            "discriminator_a": self.discriminator_a,
            "discriminator_b": self.discriminator_b,
        }

    def optimizer_variables(self) -> tuple[list[keras.Variable], list[keras.Variable]]:
        return (self.generator_ab.trainable_variables + self.generator_ba.trainable_variables,
                self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables)

    def compile(self, g_optimizer: Any = None, d_optimizer: Any = None, **kwargs: Any) -> None:
        """`BaseGAN.compile` (one optimizer per group), plus the two image pools (per replica)."""
        super().compile(g_optimizer, d_optimizer, **kwargs)
        self._remove_pools()  # compiled again: fresh pools replace the tracked ones
        strategy_scope = (self.distribute_strategy.scope() if engine.BACKEND == "tensorflow"
                          else contextlib.nullcontext())
        with strategy_scope:
            self.pool_a = ImagePool(self.pool_size, self.source_shape, name="pool_a")
            self.pool_b = ImagePool(self.pool_size, self.image_shape, name="pool_b")

    def _remove_pools(self) -> dict[str, ImagePool]:
        """Remove the image pools from the model and from its variables; return them by name."""
        pools = {name: getattr(self, name) for name in ("pool_a", "pool_b") if hasattr(self, name)}
        for name, pool in pools.items():
            self._tracker.untrack(pool)  # (deleting a layer attribute leaves it tracked)
            delattr(self, name)
        return pools

    def monitor_signals(self) -> MonitorSignals:
        """``d_loss``: two least-squares D losses summed (floor 0, twice one D's scale); its
        D gives scores, not probabilities (no D(G(z)))."""
        return replace(super().monitor_signals(), d_loss="d_loss", d_loss_floor=0.0,
                       d_loss_scale=2.0)

    def training_callbacks(self) -> list[keras.callbacks.Callback]:
        """The paper's learning-rate schedule (`schedules.LinearDecay`)."""
        return [LinearDecay(self.constant_lr_fraction)]

    # ---------------------------------------------------------------- training
    @staticmethod
    def _logits(network: keras.Model, images: Any) -> Any:
        return ops.cast(network(images, training=True), "float32")

    def train_step(self, data: Any) -> dict[str, Any]:
        real_a, real_b = self.image_pair(data)
        g, f = self.generator_ab, self.generator_ba
        g_variables, d_variables = self.optimizer_variables()

        def generators_objective() -> tuple[Any, dict[str, Any]]:
            fake_b, fake_a = g(real_a, training=True), f(real_b, training=True)
            # LSGAN generator loss without LSGAN's 1/2: (D(G(a)) - 1)^2 (CycleGAN eq. 1, sec. 4).
            adversarial = 2.0 * (
                losses.least_squares_generator_loss(self._logits(self.discriminator_b, fake_b))
                + losses.least_squares_generator_loss(self._logits(self.discriminator_a, fake_a)))
            cycle = (losses.mean_absolute_error(f(fake_b, training=True), real_a)
                     + losses.mean_absolute_error(g(fake_a, training=True), real_b))
            per_example = adversarial + self.cycle_weight * cycle
            identity = ops.zeros_like(cycle)
            if self.identity_weight:
                identity = (losses.mean_absolute_error(g(real_b, training=True), real_b)
                            + losses.mean_absolute_error(f(real_a, training=True), real_a))
                per_example += self.identity_weight * self.cycle_weight * identity
            return self.replica_loss(per_example, self.g_optimizer), {
                "g_loss": adversarial, "cycle_loss": cycle, "identity_loss": identity,
                "fake_a": ops.stop_gradient(fake_a), "fake_b": ops.stop_gradient(fake_b)}

        g_logs = self.minimize(generators_objective, (self.g_optimizer, g_variables))
        pooled_b = ops.cast(self.pool_b.query(g_logs.pop("fake_b"), self._next_seed()),
                            self.compute_dtype)
        pooled_a = ops.cast(self.pool_a.query(g_logs.pop("fake_a"), self._next_seed()),
                            self.compute_dtype)

        def discriminators_objective() -> tuple[Any, dict[str, Any]]:
            d_loss = (
                losses.least_squares_discriminator_loss(
                    self._logits(self.discriminator_b, real_b),
                    self._logits(self.discriminator_b, pooled_b))
                + losses.least_squares_discriminator_loss(
                    self._logits(self.discriminator_a, real_a),
                    self._logits(self.discriminator_a, pooled_a)))
            return self.replica_loss(d_loss, self.d_optimizer), {"d_loss": d_loss}

        d_logs = self.minimize(discriminators_objective, (self.d_optimizer, d_variables))
        return self.report(**d_logs, **g_logs)

    # ------------------------------------------------------------------- data
    def load_dataset(self, source: Any = "digits", batch_size: int = 1, split: str = "train",
                     seed: int | None = None, **kwargs: Any):
        """`data.unpaired.load_unpaired` at the model's image size and channels (other keyword
        arguments: ``data_dir``, ``jitter``, ``flip``, ``shuffle``, ``drop_remainder``)."""
        if self.input_channels != self.image_shape[2]:
            raise ValueError("load_dataset loads both domains with the same channels; call "
                             "data.unpaired.load_unpaired per domain for input_channels.")
        return load_unpaired(source, image_size=self.image_shape[:2],
                             channels=self.image_shape[2], batch_size=batch_size, split=split,
                             seed=seed, **kwargs)

    # -------------------------------------------------------------- inference
    def translate(self, images: Any, direction: str = "a_to_b") -> np.ndarray:
        """Translate images in [0, 1] from domain A to B (``"a_to_b"``) or B to A (``"b_to_a"``)."""
        if direction == "a_to_b":
            return self._translate_numpy(images, self.generator_ab, self.source_shape)
        if direction == "b_to_a":
            return self._translate_numpy(images, self.generator_ba, self.image_shape)
        raise ValueError(f"direction must be 'a_to_b' or 'b_to_a', got {direction!r}.")

    def generate(self, images: Any, direction: str = "a_to_b") -> np.ndarray:
        return self.translate(images, direction)

    def held_out_digits(self) -> tuple[np.ndarray, np.ndarray]:
        return digits_domains("test", self.image_shape[:2], self.image_shape[2])

    def sample_columns(self, images_a: np.ndarray, images_b: np.ndarray) -> list[np.ndarray]:
        """Rows ``a | G(a) | F(G(a))`` next to ``b | F(b) | G(F(b))`` (input | translation |
        cycle reconstruction, both directions): a from the first half of the samples, b from
        the second."""
        half = (len(images_a) + 1) // 2
        a, b = images_a[:half], images_b[-half:]
        fake_b, fake_a = self.translate(a), self.translate(b, "b_to_a")
        return [a, fake_b, self.translate(fake_b, "b_to_a"), b, fake_a, self.translate(fake_a)]

    def export(self, filepath: str, *args: Any, **kwargs: Any) -> None:
        """`BaseGAN.export` without the image pools: training state, not part of the served
        model (at the paper's 256x256 RGB, 2 x 50 images, 79 MB)."""
        pools = self._remove_pools()
        try:
            super().export(filepath, *args, **kwargs)
        finally:
            for name, pool in pools.items():
                setattr(self, name, pool)

    def serving_endpoints(self) -> dict[str, Endpoint]:
        a_to_b = self.image_endpoint(lambda x: self.translate_images(x, self.generator_ab),
                                     self.source_shape)
        b_to_a = self.image_endpoint(lambda x: self.translate_images(x, self.generator_ba),
                                     self.image_shape)
        return {"serving_default": a_to_b, "a_to_b": a_to_b, "b_to_a": b_to_a}
