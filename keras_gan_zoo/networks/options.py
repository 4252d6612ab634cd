"""The discriminator options of the noise-to-image entries, as config keys.

``minibatch_discrimination: null | B`` (Salimans et al. 2016, sec. 3.2)
    `MinibatchDiscrimination` with B kernels of dimension C = 5 (the authors'
    code), on the input of D's logit layer (the features stay per example:
    InfoGAN's Q head and CGAN's projection do not see the batch statistics).
``minibatch_stddev: bool`` (Karras et al. 2018, sec. 3)
    `MinibatchStdDev`, groups of 4, one extra feature map on the input of D's
    last convolution (MLP: of its last hidden layer).
``spectral_norm: bool`` (Miyato et al. 2018)
    Every Dense, Conv2D and Embedding of D in `SpectralNorm`: the paper's
    reparametrisation ``W / sigma(W)``, one power iteration per training call,
    the gradient flowing through ``sigma``. Keras' `SpectralNormalization`
    (which overwrites the kernel with ``W / sigma`` instead) measured no
    better on the digits benchmark (DCGAN 32/16, 300 steps, seeds 0/1: FID
    103.1 against 101.7, recall 0.31 against 0.37). D's batch
    norm is removed (a bias takes its place), as in the paper's D. The
    minibatch-discrimination tensor is not normalised.

A gradient penalty (``gradient_penalty``, WGAN-GP) replaces D's batch norm with
layer norm (Gulrajani et al. 2017, sec. 4: the penalty is per example, and batch
norm makes each example's critic value and input gradient depend on the rest of
the batch). Their code's layer norm normalises each example over H, W and C with
a scale and offset per channel: `GroupNormalization` with one group. Not a config
key: the entries set it from their ``gradient_penalty`` (`LAYER_NORM_PENALTIES`);
under spectral norm D has no norm at all.

Both minibatch layers compute their statistics over the batch D is called on:
under a `tf.distribute` strategy, each replica's batch (a smaller group than the
global batch), so N replicas do not make exactly the step one replica makes. Under
JAX's `keras.distribution.DataParallel` (one SPMD program) the batch is the global one.

Entries taking the keys (`TakesDiscriminatorOptions`): GAN (MLP D), DCGAN,
CGAN, InfoGAN (the trunk shared with Q) and CoupledGAN (the blocks shared by
the two discriminators too). EBGAN's auto-encoder and the PatchGANs of
pix2pix and CycleGAN do not take them.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

from keras import layers

from keras_gan_zoo.networks.layers import (
    MinibatchDiscrimination,
    MinibatchStdDev,
    dcgan_batch_norm,
    spectral,
)

#: C, the dimension of each minibatch-discrimination kernel (the authors' code).
MINIBATCH_KERNEL_DIM = 5
#: Group size of the minibatch standard deviation (Karras et al. 2018).
MINIBATCH_STDDEV_GROUP = 4
#: The entries' penalty keys that, when on, give D layer norm instead of batch norm.
LAYER_NORM_PENALTIES = ("gradient_penalty",)
#: The options that are config keys (``layer_norm`` follows the penalties).
CONFIG_KEYS = ("minibatch_discrimination", "minibatch_stddev", "spectral_norm")


@dataclasses.dataclass(frozen=True)
class DiscriminatorOptions:
    """The discriminator options (see the module docstring); the defaults leave D as in its paper."""

    minibatch_discrimination: int | None = None
    minibatch_stddev: bool = False
    spectral_norm: bool = False
    layer_norm: bool = False

    def __post_init__(self) -> None:
        kernels = self.minibatch_discrimination
        if kernels is not None and (isinstance(kernels, bool) or not isinstance(
                kernels, numbers.Integral) or kernels < 1):
            raise ValueError(
                "minibatch_discrimination must be null (off) or a positive number of "
                f"kernels B (e.g. 100), got {kernels!r}."
            )
        if kernels is not None:
            object.__setattr__(self, "minibatch_discrimination", int(kernels))
        for key in ("minibatch_stddev", "spectral_norm", "layer_norm"):
            if not isinstance(getattr(self, key), bool):
                raise ValueError(f"{key} must be true or false, got {getattr(self, key)!r}.")

    def weight(self, layer: layers.Layer) -> layers.Layer:
        """A weight layer of D, spectrally normalised with ``spectral_norm``."""
        return spectral(layer, self.spectral_norm)

    def normalizes(self, default: bool) -> bool:
        """Whether a weight layer of D that has batch norm by ``default`` is followed by a
        norm (not under SN, where a bias takes its place)."""
        return default and not self.spectral_norm

    def normalization(self, default: bool) -> layers.Layer | None:
        """The norm after a weight layer of D that has batch norm by ``default``: DCGAN's
        batch norm, layer norm (``layer_norm``), or None (not by default, or under SN;
        the weight layer then has a bias)."""
        if not self.normalizes(default):
            return None
        if self.layer_norm:
            return layers.GroupNormalization(groups=1, epsilon=1e-5)
        return dcgan_batch_norm()

    def stddev(self) -> list[layers.Layer]:
        """The layers before D's last convolution or hidden layer: the minibatch std or none."""
        return [MinibatchStdDev(MINIBATCH_STDDEV_GROUP)] if self.minibatch_stddev else []

    def head(self, logit_layer: layers.Layer) -> list[layers.Layer]:
        """D's logit block: minibatch discrimination (if on), then ``logit_layer``."""
        kernels = self.minibatch_discrimination
        return ([MinibatchDiscrimination(kernels, MINIBATCH_KERNEL_DIM)] if kernels else []) + [
            self.weight(logit_layer)]


class TakesDiscriminatorOptions:
    """Mixin of the entries that take the discriminator options as constructor (config)
    keys: ``self.discriminator_options`` for D's builder, the keys in ``get_config``."""

    def __init__(
        self,
        minibatch_discrimination: int | None = None,
        minibatch_stddev: bool = False,
        spectral_norm: bool = False,
        **kwargs: Any,
    ) -> None:
        options = DiscriminatorOptions(
            minibatch_discrimination, minibatch_stddev, spectral_norm,
            layer_norm=any(bool(kwargs.get(key)) for key in LAYER_NORM_PENALTIES))
        super().__init__(**kwargs)
        self.discriminator_options = options

    def get_config(self) -> dict[str, Any]:
        options = self.discriminator_options
        return {**super().get_config(), **{key: getattr(options, key) for key in CONFIG_KEYS}}
