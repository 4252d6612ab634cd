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

Both minibatch layers compute their statistics over the batch D is called on:
under a distribution strategy, each replica's batch (a smaller group than the
global batch), so N replicas do not make exactly the step one replica makes.

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

from keras_gan_zoo.networks.layers import MinibatchDiscrimination, MinibatchStdDev, spectral

#: C, the dimension of each minibatch-discrimination kernel (the authors' code).
MINIBATCH_KERNEL_DIM = 5
#: Group size of the minibatch standard deviation (Karras et al. 2018).
MINIBATCH_STDDEV_GROUP = 4


@dataclasses.dataclass(frozen=True)
class DiscriminatorOptions:
    """The discriminator options (see the module docstring); the defaults leave D as in its paper."""

    minibatch_discrimination: int | None = None
    minibatch_stddev: bool = False
    spectral_norm: bool = False

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
        for key in ("minibatch_stddev", "spectral_norm"):
            if not isinstance(getattr(self, key), bool):
                raise ValueError(f"{key} must be true or false, got {getattr(self, key)!r}.")

    def weight(self, layer: layers.Layer) -> layers.Layer:
        """A weight layer of D, spectrally normalised with ``spectral_norm``."""
        return spectral(layer, self.spectral_norm)

    def batch_norm(self, default: bool) -> bool:
        """Whether a layer of D that has batch norm by default keeps it (not under SN)."""
        return default and not self.spectral_norm

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
        options = DiscriminatorOptions(minibatch_discrimination, minibatch_stddev, spectral_norm)
        super().__init__(**kwargs)
        self.discriminator_options = options

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **dataclasses.asdict(self.discriminator_options)}
