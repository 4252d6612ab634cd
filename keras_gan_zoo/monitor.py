"""`TrainingMonitor`: a Keras callback that names a GAN's failure while it trains.

The failures of "When GANs fail" (Goodfellow 2016, "NIPS 2016 Tutorial:
Generative Adversarial Networks", arXiv:1701.00160, sec. 5; Salimans et al.
2016, "Improved Techniques for Training GANs", arXiv:1606.03498), each checked
on what training already logs plus a fixed-noise probe batch:

* ``discriminator_wins``: D's loss sits at its floor and D(G(z)) near 0 for a
  window of steps ("track failures early: D loss goes to 0"); G learns nothing.
* ``generator_wins``: D(G(z)) stays near 1: D is fooled by anything, so G is
  not being taught.
* ``mode_collapse``: the probe samples' diversity, classes or coverage of the real
  data (`ProbeStatistics`, in a classifier's features where one fits the images)
  stay far below a real batch's, after a warm-up counted in training steps.
* ``oscillation`` / ``non_convergence``: a quality signal (e.g. FID) stops
  improving while the generator's loss swings (oscillation) or drifts away
  (non-convergence), in units of its own within-epoch spread; steady losses mean
  the run has converged as far as it can.
* ``diverged``: a logged value became NaN or infinite.

Each entry declares which of its logged values these rules read, and on what scale
(`BaseGAN.monitor_signals`, a `signals.MonitorSignals`): a rule is judged only where the
entry logs what it needs (D(G(z)) only where D gives a probability; pix2pix's halved loss
and per-patch D(G(x)) after its first epoch; CycleGAN's summed least-squares D losses;
no D rule for EBGAN's energies), so the monitor has no entry names in it.

Each diagnosis is printed as one line and appended to ``<directory>/health.json`` (by the
chief only, through `RunFolder.add_diagnosis`, which `RunFolder.read_health` reads back).
``stop_on`` means one thing everywhere: a diagnosis named in it stops training (the monitor
sets ``model.stop_training``, so `fit` ends after that step). `keras_gan_zoo.train` counts
a run stopped so as failed: right after the monitor, it raises `guards.TrainingFailed`, so
no checkpoint of that epoch is written and nothing is exported::

    monitor = TrainingMonitor("runs/dcgan", reference=dataset, stop_on=["mode_collapse"])
    model.fit(dataset, epochs=30, callbacks=[monitor])
"""

from __future__ import annotations

import math
import os
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import keras
import numpy as np

from keras_gan_zoo import metrics
from keras_gan_zoo.distribute import is_chief, model_strategy
from keras_gan_zoo.metrics.functional import knn_radii
from keras_gan_zoo.metrics.reference import digits_fid, reference_images  # noqa: F401
from keras_gan_zoo.run.folder import RunFolder
from keras_gan_zoo.signals import MonitorSignals, noise_to_image_signals
from keras_gan_zoo.step_logs import StepValues

#: What to try for each diagnosis: the config switches that address it.
ADVICE: dict[str, str] = {
    "discriminator_wins": (
        "label_smoothing=0.1, instance_noise (+ instance_noise_steps), a lower d_learning_rate "
        "or higher g_learning_rate, adversarial_loss=wasserstein with d_steps=5 and "
        "gradient_penalty, spectral_norm, diff_augment (small data)"),
    "generator_wins": (
        "d_steps=2..5, a higher d_learning_rate or lower g_learning_rate, "
        "adversarial_loss=least_squares|hinge"),
    "mode_collapse": (
        "minibatch_stddev / minibatch_discrimination, adversarial_loss=wasserstein with "
        "d_steps=5 and gradient_penalty, cgan / conditioning (labelled data), instance_noise"),
    "oscillation": (
        "a lower d_learning_rate and g_learning_rate, ema, r1_penalty or gradient_penalty, "
        "spectral_norm, adversarial_loss=hinge|least_squares"),
    "non_convergence": (
        "adversarial_loss=least_squares|wasserstein (+ gradient_penalty), spectral_norm, "
        "r1_penalty, ema, cgan / conditioning (labelled data), diff_augment (small data)"),
    "diverged": (
        "a lower d_learning_rate and g_learning_rate, gradient_penalty or r1_penalty, "
        "spectral_norm"),
}
#: The names a diagnosis can have (valid values of ``stop_on``).
DIAGNOSES: tuple[str, ...] = tuple(ADVICE)


@dataclass(frozen=True)
class Thresholds:
    """When the monitor speaks. Each default has a margin over what healthy DCGAN runs on
    the digits showed (30 epochs, widths 128/64 and 32/16, batch 64 = 23 steps per epoch;
    the paper config at batch 256 and 16, seed 1: benchmarks/monitor_health.py), while the
    failures of tests/test_monitor.py are named (D's strength within 3 epochs).

    Each entry declares which logged values the rules read and on what scale
    (`BaseGAN.monitor_signals`, `signals.MonitorSignals`): ``d_loss_margin`` is for one
    log-loss D (times the entry's ``d_loss_scale``), ``d_fake_max`` and ``g_wins_d_fake``
    are probabilities, judged only where D gives one.

    Args:
        window: logged batches a per-step rule must hold (on the median over the
            window): short enough to name a failure within one 23-step digits epoch,
            long enough that single bad batches do not count.
        d_loss_margin: ``discriminator_wins`` needs D's loss within this many nats
            of its floor (0, or the binary entropy of the smoothed real target; a
            balanced game sits at 2 log 2 = 1.39), times the entry's ``d_loss_scale``
            (pix2pix: 0.5, CycleGAN: 2). Healthy DCGAN runs: window medians >= 0.136
            (early, when D leads for a while); MLP GAN on digits (seed 0): >= 0.036 in
            epochs 3-4, with D(G(z)) >= 0.028; CycleGAN (32 px, batch 8, 3 epochs):
            >= 0.21; relativistic DCGAN (32/16, batch 64, seed 0, 30 epochs; judged on the
            loss alone): >= 0.096; D winning: 1e-4 (DCGAN, pix2pix)...
        d_fake_max: ...and, where D gives a probability (the log-losses), D(G(z))
            below this: D rejects the fakes with near certainty. Healthy DCGAN:
            >= 0.06; D winning: 3e-5. Healthy pix2pix (32 px digits, batch 8) dips
            to 0.012 in its first epoch while L1 trains G, and stays >= 0.11 after:
            its first epoch is not judged (``grace_epochs``).
        g_wins_d_fake: ``generator_wins`` when D(G(z)) stays above this (D calls
            the fakes real). Healthy: <= 0.56 (the first steps), about 0.3 later.
        diversity_ratio: ``mode_collapse`` when a probe's diversity (`ProbeStatistics`)
            is below this fraction of a real batch's (or, without real data, of its own
            best), or its ``classes`` or ``coverage`` below theirs. Ratios of the digits
            paper config (seed 1) after 100 steps: diversity >= 0.57x in the digits features
            (pixels: >= 0.87x), classes >= 0.69x, coverage >= 0.20x at batch 256 (>= 0.25x
            at batch 16); an untrained generator draws nearly one image (0.04x diversity,
            0.11x classes, 0.01x coverage); one output: 0x.
        classes_ratio: 64 images of one digit: 0.10-0.14x; three memorised images <= 0.31x.
        coverage_ratio: three memorised images: 0.05-0.08x (one digit: 0.17-0.28x).
        diversity_warmup_steps: ...judged from this many training steps on: the paper
            config reached 0.45x classes only after 85 steps at batch 256 (6 steps an
            epoch: epoch 15), after 90-180 at batch 16 (epoch 2)...
        diversity_patience_steps: ...on every probe over at least this many steps (and
            two probes): at batch 64 (23 steps an epoch) a collapsed generator is named
            at epoch 12 (step 276); at batch 256 not within 30 epochs (180 steps).
        quality_patience: ``oscillation``/``non_convergence`` when the quality
            signal has not improved over this many evaluations (epochs, with
            ``quality=``)...
        min_improvement: ...by at least this fraction of its earlier best (the
            FID of a generator that learns nothing drifted by about 1.5% per 10
            epochs). Healthy digits runs may level off too (FID 80 from epoch 18 in
            one 32/16 run): only with swinging or drifting losses is it named.
        swing: ``oscillation`` when, over those epochs, the epoch-mean ``g_loss``
            swings around its linear trend by more than this many times its median
            within-epoch spread (the std of its per-step values over an epoch: a unit
            that a constant added to the loss, or a Wasserstein critic's arbitrary
            scale, does not change). Digits paper config, seed 1, 10-epoch windows:
            <= 0.51 at batch 16, <= 0.78 at batch 256 after epoch 13 (up to 3.9 while
            its FID still falls fast); ``d_loss`` swings far more in healthy runs, so
            it is not used.
        drift: ``non_convergence`` when instead ``g_loss``'s fitted linear trend over
            those epochs changes it by more than this many within-epoch spreads
            (same runs: <= 0.94 at batch 16; <= 2.3 at batch 256 after epoch 13). A
            WGAN-GP DCGAN (32/16, batch 64, 30 epochs, FID 637 -> 75) is named neither.
    """

    window: int = 20
    d_loss_margin: float = 0.05
    d_fake_max: float = 0.02
    g_wins_d_fake: float = 0.8
    diversity_ratio: float = 0.15
    classes_ratio: float = 0.45
    coverage_ratio: float = 0.1
    diversity_warmup_steps: int = 200
    diversity_patience_steps: int = 50
    quality_patience: int = 10
    min_improvement: float = 0.03
    swing: float = 1.0
    drift: float = 3.0


@dataclass
class Diagnosis:
    """One named failure: a line for people, an object of ``health.json``."""

    name: str
    epoch: int
    step: int
    evidence: str
    advice: str = field(default="")

    def __post_init__(self) -> None:
        self.advice = self.advice or ADVICE[self.name]

    def line(self) -> str:
        return (f"diagnosis: {self.name} at epoch {self.epoch} step {self.step}: "
                f"{self.evidence}; try: {self.advice}")


# ------------------------------------------------------------------ statistics
def mean_pairwise_distance(images: Any) -> float:
    """Sample diversity: the mean over pairs of distinct images (or feature vectors) of
    their RMS distance (``sqrt(mean((a - b)^2))``; for images in [0, 1] it is in [0, 1]).

    0 for a fully collapsed generator; compare with the same number on real data.
    """
    flat = np.asarray(images, np.float64).reshape(len(images), -1)
    if len(flat) < 2:
        raise ValueError(f"Need at least 2 images to measure diversity, got {len(flat)}.")
    squares = (flat**2).sum(axis=1)
    distances = squares[:, None] + squares[None, :] - 2.0 * flat @ flat.T
    distances = np.sqrt(np.maximum(distances, 0.0) / flat.shape[1])
    return float(distances[np.triu_indices(len(flat), k=1)].mean())


def class_perplexity(logits: Any) -> float:
    """The effective number of classes among samples: ``exp`` of the entropy of the
    histogram of their predicted classes (argmax of ``logits``). 1 when every sample is one
    class, about 9.5 for 64 real digits; a class-collapsed generator is low here while its
    pixel diversity can stay at 0.6-0.9x the real data's."""
    logits = np.asarray(logits)
    counts = np.bincount(logits.argmax(axis=1), minlength=logits.shape[1]).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(np.exp(-(p * np.log(p)).sum()))


def coverage(real: Any, radii: Any, generated: Any) -> float:
    """Coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative
    Models", arXiv:2002.09797, eq. 4): the fraction of real features whose ball (``radii``:
    squared distances to their k-th nearest real neighbour, `knn_radii`) holds at
    least one generated feature. Copies of a few images cover only their own balls, however
    far apart they are; unlike recall it does not grow with outliers among the samples."""
    real, generated = np.asarray(real, np.float64), np.asarray(generated, np.float64)
    squared = ((real**2).sum(1)[:, None] + (generated**2).sum(1)[None, :]
               - 2.0 * real @ generated.T)
    return float((squared.min(axis=1) <= np.asarray(radii)).mean())


class ProbeStatistics:
    """What a probe batch is judged on, and the same numbers for a real batch of its size.

    ``diversity`` (`mean_pairwise_distance`) in the extractor's feature space, or in pixels
    without one; with an extractor, ``coverage`` of ``real_images`` (`coverage`, k = 5 as in
    Naeem et al.); with the digits classifier, whose classes are the data's, ``classes``
    (`class_perplexity`). The last ``probe_size`` real images are the real batch, the others
    the real manifold.
    """

    def __init__(self, real_images: np.ndarray, extractor: Any = None, probe_size: int = 64,
                 k: int = 5) -> None:
        self.extractor = extractor
        self.space = "pixels" if extractor is None else f"{extractor.name} features"
        held_out = max(2, min(int(probe_size), len(real_images) // 2))
        manifold, batch = real_images[:-held_out], real_images[-held_out:]
        self._classes = extractor is not None and extractor.name == "digits"
        if extractor is not None:
            self._manifold = extractor(manifold)[0]
            self._radii = knn_radii(self._manifold, min(int(k), len(manifold) - 1))
        self.real = self.measure(batch)

    def measure(self, images: Any) -> dict[str, float]:
        """The statistics of ``images`` (in [0, 1])."""
        if self.extractor is None:
            return {"diversity": mean_pairwise_distance(images)}
        features, logits = self.extractor(images)
        stats = {"diversity": mean_pairwise_distance(features),
                 "coverage": coverage(self._manifold, self._radii, features)}
        if self._classes:
            stats["classes"] = class_perplexity(logits)
        return stats


def entry_signals(model: Any) -> MonitorSignals:
    """What the rules read of ``model``'s logs: its `monitor_signals` (zoo entries); for
    another model with an ``adversarial_loss`` attribute, the noise-to-image reading of it."""
    if hasattr(model, "monitor_signals"):
        return model.monitor_signals()
    return noise_to_image_signals(getattr(model, "adversarial_loss", "non_saturating"),
                                  getattr(model, "label_smoothing", 0.0),
                                  noise_probe=hasattr(model, "generate"))


def discriminator_loss_floor(model: Any) -> float | None:
    """The least ``model``'s logged D loss can be (`entry_signals`, on the logged scale), or
    ``None`` if it has none (Wasserstein) or logs none: see `signals.discriminator_loss_floor`."""
    signals = entry_signals(model)
    if signals.d_loss is None or signals.d_loss_floor is None:
        return None
    return signals.d_loss_floor * signals.d_loss_scale


# -------------------------------------------------------------------- the rules
def _median(values: Iterable[float]) -> float:
    return float(np.median(np.fromiter(values, np.float64)))


def check_discriminator_wins(d_loss: Sequence[float], d_fake: Sequence[float] | None,
                             floor: float, thresholds: Thresholds, scale: float = 1.0
                             ) -> str | None:
    """Evidence that D wins over the window, or ``None``: D's loss within ``scale *
    d_loss_margin`` of its ``floor`` (both on the logged scale) and, when given (D gives
    a probability), D(G(z)) below ``d_fake_max``; hinge/least-squares entries pass ``None``."""
    loss = _median(d_loss)
    if loss - floor > scale * thresholds.d_loss_margin:
        return None
    evidence = f"median d_loss {loss:.4f} (floor {floor:.3f})"
    if d_fake is not None:
        fake = _median(d_fake)
        if fake > thresholds.d_fake_max:
            return None
        evidence += f" and median D(G(z)) {fake:.4f}"
    return f"{evidence} over the last {len(d_loss)} steps"


def check_generator_wins(d_fake: Sequence[float], thresholds: Thresholds) -> str | None:
    """Evidence that D calls the fakes real over the window, or ``None``."""
    fake = _median(d_fake)
    if fake < thresholds.g_wins_d_fake:
        return None
    return f"median D(G(z)) {fake:.3f} over the last {len(d_fake)} steps: D is fooled by anything"


#: What each probe statistic is, for the evidence, and its threshold's `Thresholds` field.
PROBE_STATISTICS: dict[str, tuple[str, str]] = {
    "diversity": ("diversity (mean pairwise RMS distance)", "diversity_ratio"),
    "classes": ("classes (effective number of predicted classes)", "classes_ratio"),
    "coverage": ("coverage of the real data (Naeem et al. 2020)", "coverage_ratio"),
}


def _low_statistics(stats: Mapping[str, float], baseline: Mapping[str, float], against: str,
                    thresholds: Thresholds) -> list[str]:
    """The statistics of one probe below their threshold's fraction of ``baseline``."""
    low = []
    for name, value in stats.items():
        if name not in baseline or baseline[name] <= 0.0:
            continue
        what, field_name = PROBE_STATISTICS[name]
        ratio = getattr(thresholds, field_name)
        if value < ratio * baseline[name]:
            low.append(f"{what} {value:.4g} is {value / baseline[name]:.2f}x "
                       f"{against} {baseline[name]:.4g} (threshold {ratio}x)")
    return low


def check_mode_collapse(probes: Sequence[tuple[int, Mapping[str, float]]],
                        reference: Mapping[str, float] | None, thresholds: Thresholds
                        ) -> str | None:
    """Evidence of mode collapse from the probes so far (``(step, statistics)``, newest
    last; `ProbeStatistics`) and the same statistics of a real batch (``None``: compare
    ``diversity`` with the probe's own earlier best), or ``None``.

    Named when every probe from ``diversity_warmup_steps`` on, over at least
    ``diversity_patience_steps`` steps (and at least two probes), has a statistic below its
    threshold: a count of steps, not of probes, so that a batch size with few steps per
    epoch is given the same number of updates to learn before it is judged.
    """
    warmup, patience = thresholds.diversity_warmup_steps, thresholds.diversity_patience_steps
    run: list[tuple[int, list[str]]] = []  # the newest probes in a row that are low
    for index in range(len(probes) - 1, -1, -1):
        step, stats = probes[index]
        if step < warmup:
            break
        if reference is not None:
            baseline, against = reference, "the real data's"
        else:
            earlier = [s["diversity"] for _, s in probes[:index]]
            if not earlier:
                break
            baseline, against = {"diversity": max(earlier)}, "its own earlier best"
        low = _low_statistics({"diversity": stats["diversity"]} if reference is None else stats,
                              baseline, against, thresholds)
        if not low:
            break
        run.insert(0, (step, low))
    if len(run) < 2 or run[-1][0] - run[0][0] < patience:
        return None
    return (f"{'; '.join(run[-1][1])} on {len(run)} probes in a row over steps "
            f"{run[0][0]}-{run[-1][0]} (judged from step {warmup}, for at least {patience} steps)")


def check_stalled_quality(quality: Sequence[float], g_loss: Sequence[float],
                          thresholds: Thresholds, g_loss_spread: Sequence[float]
                          ) -> tuple[str, str] | None:
    """``(name, evidence)`` when the quality signal (lower is better, one value per
    epoch, newest last) has stopped improving while the epoch-mean ``g_loss`` over
    those epochs swings (``oscillation``) or drifts away (``non_convergence``).

    Both are measured in units of ``g_loss_spread``, the standard deviation of the
    per-step ``g_loss`` within each epoch (its median over the epochs judged): a constant
    added to the loss, or a critic's arbitrary scale (Wasserstein), changes neither
    verdict. Stalled quality with steady losses is a run that has converged as far as it
    can (more capacity, data or epochs of a lower learning rate may help): not named.
    """
    patience = thresholds.quality_patience
    losses = np.asarray(g_loss[-patience:], np.float64)
    spreads = np.asarray(g_loss_spread[-patience:], np.float64)
    spreads = spreads[np.isfinite(spreads)]
    if len(quality) <= patience or len(losses) < 3 or not len(spreads):
        return None
    before, recent = min(quality[:-patience]), min(quality[-patience:])
    if recent < before * (1.0 - thresholds.min_improvement):
        return None
    scale = max(float(np.median(spreads)), 1e-12)
    epochs = np.arange(len(losses))
    slope, intercept = np.polyfit(epochs, losses, 1)
    swing = float((losses - (slope * epochs + intercept)).std()) / scale  # around the trend
    drift = float(slope) * (len(losses) - 1) / scale
    stalled = (f"quality {recent:.4g} over the last {patience} epochs is not "
               f"{thresholds.min_improvement:.0%} better than the earlier best {before:.4g}")
    unit = f"g_loss's within-epoch spread {scale:.3g}"
    if swing > thresholds.swing:
        return "oscillation", (f"{stalled}, while g_loss's epoch means swing by {swing:.2f}x "
                               f"{unit} (std around their trend; threshold {thresholds.swing}) with drift "
                               f"{drift:+.2f}x")
    if abs(drift) > thresholds.drift:
        return "non_convergence", (f"{stalled}, while g_loss drifts by {drift:+.2f}x {unit} "
                                   f"(fitted trend; threshold {thresholds.drift})")
    return None


# ------------------------------------------------------------------ the callback
class TrainingMonitor(keras.callbacks.Callback):
    """Watch a GAN's logged values and a fixed-noise probe; name failures as they appear.

    The entry says what its logs mean (`BaseGAN.monitor_signals`): rules that need a
    value it does not log are skipped for it (``discriminator_wins`` needs a D loss with
    a floor, and D(G(z)) where D gives a probability; ``generator_wins`` needs D(G(z));
    ``mode_collapse`` needs a noise-to-image G, so it is skipped for image-to-image
    entries; ``oscillation``/``non_convergence`` need a quality signal), and D's strength
    is not judged in the entry's ``grace_epochs``. Each diagnosis is reported once per run.

    Per step, the monitor recovers each step's value from the running epoch means
    Keras logs (`step_logs.StepValues`; cheap: a few floats). The probe (``probe_size``
    images from fixed noise) is generated at each epoch end and, with
    ``probe_every_steps``, every N steps, from G and, when the entry's ``ema`` is on, from
    its moving average ``generator_ema`` too (each judged on its own). It is judged on
    `ProbeStatistics` against a real batch of the same size: in the features of the
    shipped digits classifier for one-channel images up to 32 px (diversity, coverage and
    the number of classes), in InceptionV3's features where ``inception_weights`` are given
    (diversity and coverage), otherwise on pixel diversity alone, which cannot see a
    generator that draws one class or a few memorised images (said once at the start).

    Args:
        directory: the run folder; diagnoses are appended to ``directory/health.json``
            (written as ``[]`` at the start when absent). ``None``: print only.
        reference: real images for the diversity comparison: an array in [0, 1] or a
            `tf.data.Dataset` from `keras_gan_zoo.data.load` (up to 500 images are taken).
            Without it, ``mode_collapse`` only compares the probe's pixel diversity with
            its own best.
        stop_on: diagnosis names (see `DIAGNOSES`) that stop training
            (``model.stop_training = True``), e.g. ``["discriminator_wins", "mode_collapse"]``.
        thresholds: a `Thresholds` (or a dict of its fields to change).
        probe_size, probe_seed: the probe batch (same noise every time).
        probe_every_steps: also probe every this many steps (default: epoch ends only).
        quality: ``quality(model) -> float`` (lower is better) computed each epoch end,
            e.g. `digits_fid(reference)`; without it, the epoch log ``quality_key``
            is used when present (an `EvaluationCallback` listed before the monitor).
        extractor: the probe's feature space: ``"auto"`` (above), ``"digits"``,
            ``"inception_v3"``, a `metrics.FeatureExtractor`, or ``None`` for pixels.
        inception_weights: the InceptionV3 weights file for ``"auto"`` on other images
            (`metrics.InceptionV3Extractor`); without it they are judged on pixels.
        verbose: print each diagnosis line (on the chief).
    """

    def __init__(self, directory: str | os.PathLike | None = None, reference: Any = None,
                 stop_on: Iterable[str] | str = (), thresholds: Thresholds | Mapping[str, Any] | None = None,
                 probe_size: int = 64, probe_seed: int = 1234, probe_every_steps: int | None = None,
                 quality: Callable[[keras.Model], float] | None = None, quality_key: str = "fid",
                 extractor: Any = "auto", inception_weights: str | os.PathLike | None = None,
                 verbose: int = 1) -> None:
        super().__init__()
        self.directory = Path(directory) if directory is not None else None
        self.folder = RunFolder(directory, self.directory.name) if directory is not None else None
        self.stop_on = parse_stop_on(stop_on)
        if thresholds is None or isinstance(thresholds, Thresholds):
            self.thresholds = thresholds or Thresholds()
        else:
            self.thresholds = Thresholds(**thresholds)
        if int(probe_size) < 2:
            raise ValueError(f"probe_size must be at least 2 to measure diversity, got {probe_size}.")
        self.probe_size, self.probe_seed = int(probe_size), int(probe_seed)
        self.probe_every_steps = int(probe_every_steps) if probe_every_steps else None
        self.quality, self.quality_key, self.verbose = quality, quality_key, int(verbose)
        self.reference = reference
        self.extractor, self.inception_weights = extractor, inception_weights
        self.probe_statistics: ProbeStatistics | None = None
        self.diagnoses: list[Diagnosis] = []
        #: Per probed network (``generator``, ``generator_ema``): ``(step, statistics)``.
        self.probes: dict[str, list[tuple[int, dict[str, float]]]] = {}
        self.quality_history: list[float] = []
        self.g_loss_history: list[float] = []
        self.g_loss_spread_history: list[float] = []
        self._epoch_g_loss: list[float] = []
        self._recent: dict[str, deque[float]] = {}
        self._steps = StepValues()
        self._epoch = 0
        self._next_probe = 0

    @property
    def health_path(self) -> Path | None:
        return self.folder.health if self.folder is not None else None

    @property
    def real_diversity(self) -> float | None:
        """The real batch's ``diversity`` (in the probe's space), ``None`` without a reference."""
        stats = self.probe_statistics
        return stats.real["diversity"] if stats is not None else None

    @property
    def diversity_history(self) -> list[float]:
        """The ``diversity`` of each probe of the generator that samples (`generate`)."""
        probes = self.probes.get(self._sampling_network(), []) if self.model is not None else []
        return [stats["diversity"] for _, stats in probes]

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._steps.start(self.model)
        self._next_probe = self._steps.step + (self.probe_every_steps or 0)
        self._recent = {}
        self.signals = entry_signals(self.model)
        self._floor = discriminator_loss_floor(self.model)
        self._can_probe = self.signals.noise_probe
        if self._can_probe and self.reference is not None and self.probe_statistics is None:
            real = reference_images(self.reference, 500 + self.probe_size)
            extractor = self._choose_extractor(real.shape[1:])
            self.probe_statistics = ProbeStatistics(real, extractor, self.probe_size)
        if self.folder is not None and self._chief():
            self.folder.start_health()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch
        self._steps.start_epoch()
        self._epoch_g_loss = []

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        _, values = self._steps.update(batch, logs)  # each step's, not Keras' running means
        window = self.thresholds.window
        for name, value in values.items():
            self._recent.setdefault(name, deque(maxlen=window)).append(value)
            if not math.isfinite(value):
                self._diagnose("diverged", f"{name} is {float(logs[name])}")
        if "g_loss" in values:
            self._epoch_g_loss.append(values["g_loss"])
        self._check_steps()
        if self.probe_every_steps and self._steps.step >= self._next_probe:
            self._next_probe = self._steps.step + self.probe_every_steps
            self._probe()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self._probe()
        if "g_loss" in logs:
            self.g_loss_history.append(float(logs["g_loss"]))
            steps = np.asarray(self._epoch_g_loss, np.float64)
            self.g_loss_spread_history.append(float(steps.std()) if len(steps) > 1 else math.nan)
        value = (self.quality(self.model) if self.quality is not None
                 else float(logs.get(self.quality_key, math.nan)))
        if math.isfinite(value):
            self.quality_history.append(value)
            stalled = check_stalled_quality(self.quality_history, self.g_loss_history,
                                            self.thresholds, self.g_loss_spread_history)
            if stalled is not None:
                self._diagnose(*stalled)

    # ---------------------------------------------------------------- checks
    def _window(self, name: str | None) -> deque[float] | None:
        values = self._recent.get(name) if name is not None else None
        return values if values is not None and len(values) == self.thresholds.window else None

    def _check_steps(self) -> None:
        signals = self.signals
        if self._epoch < signals.grace_epochs:
            return
        d_loss, d_fake = self._window(signals.d_loss), self._window(signals.d_fake)
        if d_loss is not None and self._floor is not None and (
                d_fake is not None or signals.d_fake is None):
            evidence = check_discriminator_wins(d_loss, d_fake, self._floor, self.thresholds,
                                                signals.d_loss_scale)
            if evidence:
                self._diagnose("discriminator_wins", evidence)
        if d_fake is not None:
            evidence = check_generator_wins(d_fake, self.thresholds)
            if evidence:
                self._diagnose("generator_wins", evidence)

    def _choose_extractor(self, image_shape: Sequence[int]) -> Any:
        """The probe's feature extractor for ``extractor`` (``None``: pixels), saying so once
        when ``"auto"`` falls back to pixels."""
        if self.extractor is None or isinstance(self.extractor, metrics.FeatureExtractor):
            return self.extractor
        if self.extractor != "auto":
            return metrics.get_extractor(self.extractor)
        if metrics.default_extractor(image_shape) == "digits":
            return metrics.get_extractor("digits")
        if self.inception_weights is not None:
            return metrics.get_extractor("inception_v3", weights=self.inception_weights)
        if self.verbose and self._chief():
            print("monitor: mode_collapse is judged on pixel diversity, which misses a generator "
                  "of one class or a few memorised images; give InceptionV3 weights "
                  "(TrainingMonitor(inception_weights=PATH), or train's --inception-weights "
                  "with --eval-every) to judge diversity and coverage in its features.",
                  flush=True)
        return None

    def _sampling_network(self) -> str:
        return "generator_ema" if getattr(self.model, "ema", None) is not None else "generator"

    def _probe_images(self, network: str) -> np.ndarray:
        """The probe from ``network``: `generate` samples from ``generator_ema`` when ``ema``
        is on, so G itself is sampled with ``ema`` set aside for the call."""
        sample = metrics.model_sample_fn(self.model)
        if network == self._sampling_network():
            return sample(self.probe_size, self.probe_seed)
        ema, self.model.ema = self.model.ema, None
        try:
            return sample(self.probe_size, self.probe_seed)
        finally:
            self.model.ema = ema

    def _probe(self) -> None:
        if not self._can_probe:
            return
        networks = [self._sampling_network()]
        if networks[0] == "generator_ema":
            networks.append("generator")
        judge = self.probe_statistics
        for network in networks:
            images = self._probe_images(network)
            stats = (judge.measure(images) if judge is not None
                     else {"diversity": mean_pairwise_distance(images)})
            history = self.probes.setdefault(network, [])
            history.append((self._steps.step, stats))
            evidence = check_mode_collapse(history, judge.real if judge is not None else None,
                                           self.thresholds)
            if evidence:
                space = judge.space if judge is not None else "pixels"
                self._diagnose("mode_collapse", f"{network} probe, in {space}: {evidence}")

    # -------------------------------------------------------------- reporting
    def _chief(self) -> bool:
        return is_chief(model_strategy(self.model))

    def _diagnose(self, name: str, evidence: str) -> None:
        if any(d.name == name for d in self.diagnoses):
            return
        diagnosis = Diagnosis(name, self._epoch + 1, self._steps.step, evidence,
                              self.signals.advice.get(name, ""))
        self.diagnoses.append(diagnosis)
        if self._chief():
            if self.verbose:
                print(diagnosis.line(), flush=True)
            if self.folder is not None:
                self._append(diagnosis)
        if name in self.stop_on:
            self.model.stop_training = True

    def _append(self, diagnosis: Diagnosis) -> None:
        self.folder.add_diagnosis(asdict(diagnosis))  # atomic: a kill keeps the old list


def losses_covered() -> str:
    """Which ``adversarial_loss`` values each diagnosis is judged for (noise-to-image entries;
    `signals.judged_losses`), in one sentence for ``--help`` and the README."""
    from keras_gan_zoo.signals import judged_losses

    return (f"discriminator_wins is judged for adversarial_loss "
            f"{', '.join(judged_losses('discriminator_wins'))} (a D loss with a floor; not "
            f"wasserstein, whose critic has none), generator_wins for "
            f"{', '.join(judged_losses('generator_wins'))} (D gives a probability), "
            "mode_collapse, diverged and, with a quality signal (--eval-every), oscillation "
            "and non_convergence for every loss")


def parse_stop_on(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """``"discriminator_wins,mode_collapse"`` (or a list) -> a tuple of checked names."""
    if names is None:
        return ()
    if isinstance(names, str):
        names = names.split(",")
    names = tuple(name.strip() for name in names if name.strip())
    unknown = [name for name in names if name not in DIAGNOSES]
    if unknown:
        raise ValueError(f"Unknown diagnosis {', '.join(map(repr, unknown))} in stop_on; "
                         f"choose from {', '.join(DIAGNOSES)} (comma-separated).")
    return names
