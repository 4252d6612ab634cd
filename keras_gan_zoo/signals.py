"""`MonitorSignals`: what an entry logs that the training monitor's rules read.

Each entry says which of its logged values mean what (`BaseGAN.monitor_signals`), so
`monitor.TrainingMonitor` applies a rule only where the entry logs what it needs, on the
entry's own scale, without knowing the entry::

    DCGAN (log-loss):  MonitorSignals(d_loss="d_loss", d_loss_floor=0.0, d_fake="d_fake",
                                      noise_probe=True)
    pix2pix:           ... d_loss_scale=0.5 (D's loss halved), grace_epochs=1
    CycleGAN (LSGAN):  MonitorSignals(d_loss="d_loss", d_loss_floor=0.0, d_loss_scale=2.0)

A signal left at ``None`` turns its rules off for the entry (e.g. a Wasserstein critic's
loss has no floor, an energy is not a probability).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class MonitorSignals:
    """The logged values `monitor.TrainingMonitor` reads for an entry.

    Attributes:
        d_loss: the logged key of D's adversarial loss (penalties not included), or ``None``.
        d_loss_floor: the least that loss can be (0 for hinge and least squares, the
            binary entropy of the smoothed real target for the log-loss), on the scale
            of one discriminator loss of `losses` (before ``d_loss_scale``); ``None``: it
            has none (Wasserstein) and ``discriminator_wins`` is not judged on the loss.
        d_loss_scale: the logged loss over one discriminator loss of `losses` (pix2pix
            halves it: 0.5; CycleGAN sums two discriminators: 2.0); the floor and the
            monitor's ``d_loss_margin`` are multiplied by it.
        d_fake: the logged key of D's probability that the fakes are real, D(G(z)) (for
            a patch discriminator, the mean over patches), or ``None`` when D gives no
            probability (critics, least-squares scores, energies). With it,
            ``discriminator_wins`` also needs D(G(z)) near 0 and ``generator_wins`` is judged.
        grace_epochs: epochs in which D's strength is not judged, for entries whose G
            learns mostly from another term (pix2pix's L1: D easily rejects the early,
            blurry outputs while L1 trains G; D leading there is normal).
        noise_probe: G maps noise to images (``model.generate(num_samples=, seed=)``), so
            ``mode_collapse`` is judged on a fixed-noise probe.
        advice: what to try for a diagnosis, by name, where the entry does not take the
            switches of `monitor.ADVICE` (image-to-image entries: only the learning rates).
    """

    d_loss: str | None = None
    d_loss_floor: float | None = None
    d_loss_scale: float = 1.0
    d_fake: str | None = None
    grace_epochs: int = 0
    noise_probe: bool = False
    advice: Mapping[str, str] = field(default_factory=dict)


def binary_entropy(p: float) -> float:
    """``-p log p - (1 - p) log(1 - p)`` in nats: the least a cross-entropy with target p reaches."""
    return max(0.0, -sum(q * math.log(q) for q in (p, 1.0 - p) if q > 0.0))


#: Adversarial losses (``adversarial_loss``) whose D gives a probability, sigmoid(logit).
PROBABILITY_LOSSES = ("minimax", "non_saturating")
_ZERO_FLOOR_LOSSES = ("hinge", "least_squares", "relativistic")


def discriminator_loss_floor(adversarial_loss: str, label_smoothing: float = 0.0) -> float | None:
    """The least D's loss ``adversarial_loss`` can be, or ``None`` if it has none.

    Log-loss: the real term is a cross-entropy with target ``1 - label_smoothing``
    (floor: its binary entropy), the fake term can reach 0. Hinge and least squares: 0.
    Relativistic average (two cross-entropies of logit differences, target 1 and 0): 0,
    reached as D separates every real from the mean fake and back (balanced: 2 log 2).
    Wasserstein: ``None`` (a critic's values have no floor and no scale).
    """
    if adversarial_loss in _ZERO_FLOOR_LOSSES:
        return 0.0
    if adversarial_loss in PROBABILITY_LOSSES:
        return binary_entropy(1.0 - float(label_smoothing or 0.0))
    return None


def noise_to_image_signals(adversarial_loss: str, label_smoothing: float = 0.0,
                           noise_probe: bool = True) -> MonitorSignals:
    """The signals of a noise-to-image GAN trained with ``adversarial_loss``: ``d_loss``
    with its floor under that loss and ``label_smoothing``; D(G(z)) (``d_fake``) for the
    log-losses, whose D gives a probability; a fixed-noise probe if ``noise_probe``."""
    return MonitorSignals(
        d_loss="d_loss",
        d_loss_floor=discriminator_loss_floor(adversarial_loss, label_smoothing),
        d_fake="d_fake" if adversarial_loss in PROBABILITY_LOSSES else None,
        noise_probe=noise_probe)


def judged_losses(rule: str) -> tuple[str, ...]:
    """The ``adversarial_loss`` values under which a noise-to-image entry's D is judged for
    ``rule`` (``discriminator_wins``: a D loss with a floor; ``generator_wins``: D(G(z)),
    where D gives a probability). The monitor's other rules read no adversarial loss."""
    from keras_gan_zoo.losses import ADVERSARIAL_LOSSES

    if rule == "discriminator_wins":
        return tuple(loss for loss in ADVERSARIAL_LOSSES
                     if discriminator_loss_floor(loss) is not None)
    if rule == "generator_wins":
        return tuple(loss for loss in ADVERSARIAL_LOSSES if loss in PROBABILITY_LOSSES)
    return ADVERSARIAL_LOSSES
