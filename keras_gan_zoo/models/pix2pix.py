"""pix2pix: Isola, Zhu, Zhou & Efros 2017, "Image-to-Image Translation with
Conditional Adversarial Networks", CVPR (arXiv:1611.07004)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from keras import ops

from keras_gan_zoo import losses
from keras_gan_zoo.data.paired import digits_pairs, load_paired
from keras_gan_zoo.models.image_to_image import ImageToImageGAN
from keras_gan_zoo.networks import patchgan_discriminator, unet_generator
from keras_gan_zoo.networks.layers import check_normalization
from keras_gan_zoo.registry import register
from keras_gan_zoo.signals import MonitorSignals


@register("pix2pix")
class Pix2Pix(ImageToImageGAN):
    """pix2pix: a conditional GAN with a U-Net generator and a PatchGAN discriminator.

    * G: U-Net (`networks.unet`), dropout 0.5 in the first three decoder
      blocks, ``norm="batch"`` (paper) or ``"instance"``.
    * D: PatchGAN on ``concat(input, target or G(input))``, patch size
      ``receptive_field`` (1, 16, 70 = paper default, 286).
    * Objective (eq. 4): ``G* = arg min_G max_D L_cGAN(G, D) + l1_weight * L_L1(G)``
      with the non-saturating G loss and D's loss divided by 2 (sec. 3.3);
      one D step then one G step per batch (the G step sees the updated D);
      Adam(2e-4, beta_1=0.5); the paper uses batch size 1.
    * Test time (sec. 3.3): with ``paper_test_mode`` (default) G runs at
      inference exactly as in training: dropout active (the model's only
      noise) and batch norm on the statistics of the test batch (at batch
      size 1, instance norm). Outputs are then stochastic, in ``translate``
      and in the exported SavedModel alike: each call draws new dropout masks
      from the dropout layers' seed-generator state, which is part of the
      model and of the SavedModel (a freshly reloaded SavedModel and the
      model it was exported from give the same outputs on their next call).
      A ``.keras`` file does not keep that state (Keras does not save it): a
      loaded model starts from the state an int ``seed`` fixes (random for
      ``seed=None``), like a freshly built one. ``paper_test_mode=False``
      gives the usual deterministic inference (no dropout, batch-norm moving
      averages).

    Data: ``(inputs, targets)`` pairs in [-1, 1] (`data.paired.load_paired`);
    the offline default maps digit outlines to digits.
    """

    paper = ("Isola et al. 2017, Image-to-Image Translation with Conditional Adversarial "
             "Networks (arXiv:1611.07004)")
    metric_names = ("d_loss", "g_loss", "l1_loss", "d_real", "d_fake")
    grid_titles = (("input", "output", "target"),)

    def __init__(
        self,
        generator_filters: int = 64,
        discriminator_filters: int = 64,
        norm: str = "batch",
        receptive_field: int = 70,
        l1_weight: float = 100.0,
        dropout: float = 0.5,
        paper_test_mode: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.generator_filters = int(generator_filters)
        self.discriminator_filters = int(discriminator_filters)
        self.norm = check_normalization(norm)
        self.receptive_field = int(receptive_field)
        self.l1_weight = float(l1_weight)
        self.dropout = float(dropout)
        self.paper_test_mode = bool(paper_test_mode)
        self.generator = unet_generator(self.source_shape, self.image_shape[2],
                                        self.generator_filters, norm=self.norm,
                                        dropout=self.dropout, seed=self.seed)
        height, width, channels = self.image_shape
        self.discriminator = patchgan_discriminator(
            (height, width, self.input_channels + channels), self.discriminator_filters,
            self.receptive_field, norm=self.norm)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "generator_filters": self.generator_filters,
            "discriminator_filters": self.discriminator_filters,
            "norm": self.norm,
            "receptive_field": self.receptive_field,
            "l1_weight": self.l1_weight,
            "dropout": self.dropout,
            "paper_test_mode": self.paper_test_mode,
        }

    # ---------------------------------------------------------------- training
    def patch_logits(self, inputs: Any, images: Any) -> Any:
        """D's patch logits for (input, target-or-output) pairs, in float32."""
        return self.discriminator_logits(ops.concatenate([inputs, images], axis=-1), training=True)

    def discriminator_step(self, inputs: Any, targets: Any, fakes: Any
                           ) -> dict[str, Any]:
        """One step on D: minimise ``(-log D(x, y) - log(1 - D(x, G(x)))) / 2``."""

        def objective() -> tuple[Any, dict[str, Any]]:
            real_logits = self.patch_logits(inputs, targets)
            fake_logits = self.patch_logits(inputs, fakes)
            per_example = 0.5 * losses.minimax_discriminator_loss(real_logits, fake_logits)
            return self.replica_loss(per_example, self.d_optimizer), {
                "d_loss": per_example,
                "d_real": losses.per_example_mean(ops.sigmoid(real_logits)),
                "d_fake": losses.per_example_mean(ops.sigmoid(fake_logits)),
            }

        return self.minimize(objective, (self.d_optimizer, self.discriminator.trainable_variables))

    def monitor_signals(self) -> MonitorSignals:
        """``d_loss`` (halved, floor 0) and D(x, G(x)) (``d_fake``: the mean over patches of
        D's per-patch probability), not judged in the first epoch: the L1 term (x100)
        dominates G's objective, and D rejecting its early, blurry outputs is normal there."""
        return replace(super().monitor_signals(), d_loss="d_loss", d_loss_floor=0.0,
                       d_loss_scale=0.5, d_fake="d_fake", grace_epochs=1)

    def train_step(self, data: Any) -> dict[str, Any]:
        """The authors' step: one forward pass of G, one step on D with its (detached)
        output, then one step on G against the updated D with the same output (the same
        dropout masks and batch statistics): D's update runs inside G's objective, after
        G's forward pass."""
        inputs, targets = self.image_pair(data)

        def objective() -> tuple[Any, dict[str, Any]]:
            fakes = self.generator(inputs, training=True)
            d_logs = self.discriminator_step(inputs, targets, ops.stop_gradient(fakes))
            adversarial = losses.non_saturating_generator_loss(self.patch_logits(inputs, fakes))
            l1 = losses.mean_absolute_error(fakes, targets)
            loss = self.replica_loss(adversarial + self.l1_weight * l1, self.g_optimizer)
            return loss, {**d_logs, "g_loss": adversarial, "l1_loss": l1}

        logs = self.minimize(objective, (self.g_optimizer, self.generator.trainable_variables))
        return self.report(**logs)

    # ------------------------------------------------------------------- data
    def load_dataset(self, source: Any = "digits", batch_size: int = 1, split: str = "train",
                     seed: int | None = None, data_dir: str | None = None, **kwargs: Any):
        """`data.paired.load_paired` at the model's image size and channels (other keyword
        arguments: ``direction``, ``jitter``, ``flip``, ``shuffle``, ``drop_remainder``)."""
        if data_dir is not None:
            raise ValueError("Paired data come from 'digits' or folders; data_dir (for TFDS) "
                             "does not apply.")
        if self.input_channels != self.image_shape[2]:
            raise ValueError("load_dataset loads inputs and targets with the same channels; "
                             "call data.paired.load_paired and convert for input_channels.")
        return load_paired(source, image_size=self.image_shape[:2], channels=self.image_shape[2],
                           batch_size=batch_size, split=split, seed=seed, **kwargs)

    # -------------------------------------------------------------- inference
    def inference_training_flag(self) -> bool:
        return self.paper_test_mode

    def held_out_digits(self) -> tuple[np.ndarray, np.ndarray]:
        return digits_pairs("test", self.image_shape[:2], self.image_shape[2])

    def sample_columns(self, inputs: np.ndarray, targets: np.ndarray) -> list[np.ndarray]:
        return [inputs, self.translate(inputs), targets]
