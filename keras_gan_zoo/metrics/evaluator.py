"""Streaming evaluation: feed batches of images, get FID, KID, IS, MS-SSIM and P&R.

Images never have to be in memory all at once. Per image set, the evaluator
keeps:

* the running mean and covariance of the features, in float64 (Chan et al.'s
  pairwise update, exact up to round-off), for FID;
* the features themselves (float32, ``N x d``) only if KID or precision/recall
  are asked for, and the logits (``N x classes``) only for the Inception Score;
* a uniform random reservoir of ``2 * msssim_pairs`` images for MS-SSIM.

Generated images come from a *sample function* ``sample_fn(batch_size, seed)
-> images [batch, H, W, C] in [0, 1]``, so any entry can be evaluated:
`model_sample_fn` (noise-to-image entries, CoupledGAN per domain),
`class_sample_fn` (CGAN per class), `translation_sample_fn` (pix2pix,
CycleGAN on held-out images); `prepare_entry_evaluation` picks the one a zoo
entry is evaluated with and sets the matching reference.
"""

from __future__ import annotations

import json
import time
import warnings
from collections import OrderedDict
from typing import Any, Callable, Hashable, Iterable, Mapping, Sequence

import numpy as np

from keras_gan_zoo.metrics import functional as F
from keras_gan_zoo.metrics.extractors import FeatureExtractor, get_extractor
from keras_gan_zoo.pixels import to_unit_range

__all__ = [
    "METRICS",
    "Evaluator",
    "FeatureSet",
    "ReferenceCache",
    "RunningMoments",
    "class_sample_fn",
    "model_sample_fn",
    "prepare_entry_evaluation",
    "translation_sample_fn",
]

#: Metric names and the result keys each one produces.
METRICS: dict[str, tuple[str, ...]] = {
    "fid": ("fid",),
    "kid": ("kid", "kid_std"),
    "is": ("is", "is_std"),
    "msssim": ("msssim",),
    "pr": ("precision", "recall"),
}

SampleFn = Callable[[int, int], Any]


def parse_metrics(metrics: str | Sequence[str], key: str | None = None) -> tuple[str, ...]:
    """``"fid, kid"``, ``"fid,kid"`` or ``["fid", "kid"]`` -> ``("fid", "kid")``, checked:
    the one reading of metric names for the CLI, recipes and `Evaluator` (spaces and
    case ignored, aliases such as ``inception_score`` accepted). ``key``: the setting the
    names came from, which starts the error message (e.g. ``"evaluation.metrics"``)."""
    if isinstance(metrics, str):
        names = metrics.split(",")
    elif isinstance(metrics, (list, tuple)):
        names = list(metrics)
    else:
        names = [metrics]
    if not all(isinstance(n, str) for n in names):
        unknown = [n for n in names if not isinstance(n, str)]
    else:
        names = [n.strip().lower() for n in names if n.strip()]
        aliases = {"inception_score": "is", "ms_ssim": "msssim", "ms-ssim": "msssim",
                   "precision_recall": "pr", "fcd": "fid"}
        names = [aliases.get(n, n) for n in names]
        unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        lead = "Unknown metric(s)" if key is None else f"{key}: unknown"
        raise ValueError(f"{lead} {unknown or names}; choose from {', '.join(METRICS)}.")
    return tuple(dict.fromkeys(names))


class RunningMoments:
    """Mean and unbiased covariance of a stream of ``[batch, d]`` rows, in float64.

    Batches are merged with the pairwise update of Chan, Golub & LeVeque (1979):
    ``M2 += M2_batch + δ δᵀ n m / (n + m)`` with ``δ`` the difference of means,
    which avoids the cancellation of the textbook ``E[xxᵀ] - μμᵀ``.
    """

    def __init__(self) -> None:
        self.count = 0
        self.mean: np.ndarray | None = None
        self._m2: np.ndarray | None = None

    def update(self, rows: Any) -> None:
        x = np.asarray(rows, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"Expected rows [batch, d], got shape {x.shape}.")
        m = len(x)
        if m == 0:
            return
        batch_mean = x.mean(axis=0)
        centred = x - batch_mean
        batch_m2 = centred.T @ centred
        if self.count == 0:
            self.count, self.mean, self._m2 = m, batch_mean, batch_m2
            return
        n = self.count
        delta = batch_mean - self.mean
        total = n + m
        self.mean = self.mean + delta * (m / total)
        self._m2 = self._m2 + batch_m2 + np.outer(delta, delta) * (n * m / total)
        self.count = total

    @property
    def covariance(self) -> np.ndarray:
        if self.count < 2:
            raise ValueError(f"Need at least 2 rows for a covariance, got {self.count}.")
        return self._m2 / (self.count - 1)


class FeatureSet:
    """What the evaluator keeps of one set of images (see the module docstring)."""

    def __init__(self, keep_features: bool = True, keep_logits: bool = True,
                 reservoir_size: int = 0, seed: int = 0) -> None:
        self.moments = RunningMoments()
        self.keep_features, self.keep_logits = keep_features, keep_logits
        self._features: list[np.ndarray] = []
        self._logits: list[np.ndarray] = []
        self.reservoir_size = int(reservoir_size)
        self.reservoir: np.ndarray | None = None
        self._rng = np.random.default_rng(seed)
        self.count = 0
        self.cache: dict[str, Any] = {}  # values computed once per set (e.g. real MS-SSIM)

    def add(self, images: np.ndarray, features: np.ndarray, logits: np.ndarray) -> None:
        self.moments.update(features)
        if self.keep_features:
            self._features.append(np.asarray(features, np.float32))
        if self.keep_logits:
            self._logits.append(np.asarray(logits, np.float32))
        if self.reservoir_size:
            self._sample_reservoir(images)
        self.count += len(features)

    def _sample_reservoir(self, images: np.ndarray) -> None:
        """Algorithm R: after n images, each one is in the reservoir with probability k/n."""
        k = self.reservoir_size
        if self.reservoir is None:
            self.reservoir = np.empty((0, *images.shape[1:]), np.float32)
        free = k - len(self.reservoir)
        if free > 0:
            self.reservoir = np.concatenate([self.reservoir, images[:free].astype(np.float32)])
        for offset in range(max(free, 0), len(images)):
            slot = self._rng.integers(0, self.count + offset + 1)
            if slot < k:
                self.reservoir[slot] = images[offset]

    @property
    def features(self) -> np.ndarray:
        if not self.keep_features:
            raise ValueError("This feature set did not keep its features.")
        return np.concatenate(self._features)

    @property
    def logits(self) -> np.ndarray:
        if not self.keep_logits:
            raise ValueError("This feature set did not keep its logits.")
        return np.concatenate(self._logits)


class ReferenceCache:
    """Reference `FeatureSet`s by how they were made, at most ``max_entries`` (the least
    recently used goes first: 50000 Inception features take 400 MB).

    Each `Evaluator` has its own; pass one to several evaluators to share the
    reference statistics between them (e.g. a callback and a final evaluation).
    """

    def __init__(self, max_entries: int = 1) -> None:
        if int(max_entries) < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}.")
        self.max_entries = int(max_entries)
        self._entries: OrderedDict[Hashable, FeatureSet] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, collect: Callable[[], FeatureSet]) -> FeatureSet:
        """The set stored under ``key``, or ``collect()``'s, stored."""
        if key in self._entries:
            self._entries.move_to_end(key)
        else:
            self._entries[key] = collect()
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return self._entries[key]

    def clear(self) -> None:
        self._entries.clear()


def _check_images(images: Any, what: str) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"{what} must be images [N, H, W, C] with C = 1 or 3, got {images.shape}.")
    if images.size and (images.min() < -1e-3 or images.max() > 1.0 + 1e-3):
        raise ValueError(
            f"{what} must be in [0, 1] (got [{images.min():.3g}, {images.max():.3g}]); "
            "map generator outputs in [-1, 1] with keras_gan_zoo.pixels.to_unit_range, "
            "uint8 images with x / 255."
        )
    return np.clip(images, 0.0, 1.0)


class Evaluator:
    """Computes the chosen metrics of generated images against reference images.

    Args:
        metrics: any of ``fid``, ``kid``, ``is``, ``msssim``, ``pr`` (list or
            comma-separated string).
        extractor: ``"digits"``, ``"inception_v3"`` or a `FeatureExtractor`;
            ``extractor_options`` go to its constructor (e.g. ``weights=``).
        reference: reference images (array in [0, 1] or iterable of batches) or
            a `FeatureSet`; or call `set_reference_dataset`. FID, KID and P&R
            need one; IS and MS-SSIM do not.
        batch_size: images per call of the sample function.
        kid_subsets, kid_subset_size: KID protocol (100 subsets of 1000).
        is_splits: Inception Score splits (10).
        pr_k: neighbourhood size of precision/recall (3).
        msssim_pairs: random pairs for MS-SSIM (1000).
        seed: seeds every random choice (subsets, pairs, subsampling).
        reference_cache: where `set_reference_dataset` keeps reference sets
            (default: a `ReferenceCache` of this evaluator's own).

    Results are a dict of floats: ``fid``, ``kid``/``kid_std``, ``is``/``is_std``,
    ``msssim`` (with ``msssim_real`` on the reference), ``precision``/``recall``,
    plus ``num_samples``, ``num_reference`` and ``is_real`` (IS of the reference).
    With the ``digits`` extractor, ``fid`` is TF-GAN's Fréchet classifier distance
    and ``is`` its classifier score.
    """

    def __init__(self, metrics: str | Sequence[str] = ("fid", "kid", "is", "msssim", "pr"),
                 extractor: str | FeatureExtractor = "digits", reference: Any = None,
                 batch_size: int = 500, kid_subsets: int = 100, kid_subset_size: int = 1000,
                 is_splits: int = 10, pr_k: int = 3, msssim_pairs: int = 1000, seed: int = 0,
                 extractor_options: Mapping[str, Any] | None = None,
                 reference_cache: ReferenceCache | None = None) -> None:
        self.metrics = parse_metrics(metrics)
        self.extractor = get_extractor(extractor, **dict(extractor_options or {}))
        self.batch_size = int(batch_size)
        self.kid_subsets, self.kid_subset_size = int(kid_subsets), int(kid_subset_size)
        self.is_splits, self.pr_k = int(is_splits), int(pr_k)
        self.msssim_pairs, self.seed = int(msssim_pairs), int(seed)
        self.reference: FeatureSet | None = None
        self.reference_description: dict[str, Any] = {}
        self.reference_cache = reference_cache if reference_cache is not None else ReferenceCache()
        if reference is not None:
            self.set_reference(reference)

    # ------------------------------------------------------------- collecting
    def new_feature_set(self, seed: int | None = None) -> FeatureSet:
        return FeatureSet(keep_features=bool({"kid", "pr"} & set(self.metrics)),
                          keep_logits="is" in self.metrics,
                          reservoir_size=2 * self.msssim_pairs if "msssim" in self.metrics else 0,
                          seed=self.seed if seed is None else seed)

    def collect(self, batches: Iterable[Any] | np.ndarray, max_images: int | None = None,
                what: str = "images") -> FeatureSet:
        """Run the extractor over ``batches`` of images in [0, 1] (or one array)."""
        if isinstance(batches, np.ndarray):
            array = batches
            batches = (array[i:i + self.batch_size] for i in range(0, len(array), self.batch_size))
        result = self.new_feature_set()
        for batch in batches:
            images = _check_images(batch, what)
            if max_images is not None:
                images = images[:max_images - result.count]
            if len(images):
                result.add(images, *self.extractor(images))
            if max_images is not None and result.count >= max_images:
                break
        if result.count < 2:
            raise ValueError(f"Need at least 2 {what}, got {result.count}.")
        return result

    def set_reference(self, reference: Any, description: Mapping[str, Any] | None = None
                      ) -> FeatureSet:
        """Use ``reference`` (images, batches or a `FeatureSet`) as the real data."""
        self.reference = reference if isinstance(reference, FeatureSet) else self.collect(
            reference, what="reference images")
        self.reference_description = dict(description or {"reference": "images"})
        return self.reference

    def set_reference_dataset(self, dataset: str = "digits", split: str = "train",
                              image_shape: Sequence[int] = (28, 28, 1),
                              max_images: int = 50000, data_dir: str | None = None) -> FeatureSet:
        """Use a dataset split of `keras_gan_zoo.data` as the reference, at ``image_shape``.

        For ``digits`` the default split is ``train``, the images the zoo's
        entries learn from (1437 images). Kept in ``reference_cache``.
        """
        height, width, channels = (int(v) for v in image_shape)
        key = (json.dumps(self.extractor.describe(), sort_keys=True), self.metrics,
               self.msssim_pairs, self.seed, dataset, split, (height, width, channels),
               max_images, data_dir)
        self.reference = self.reference_cache.get(key, lambda: self.collect(
            _dataset_batches(dataset, split, (height, width), channels, self.batch_size, data_dir),
            max_images=max_images, what=f"{dataset} {split!r} images"))
        self.reference_description = {"reference": f"{dataset}:{split}",
                                      "reference_shape": [height, width, channels]}
        return self.reference

    # ------------------------------------------------------------- evaluating
    def sample(self, sample_fn: SampleFn, num_samples: int, seed: int | None = None
               ) -> Iterable[np.ndarray]:
        """Batches from ``sample_fn(batch_size, seed)``, ``num_samples`` images in all;
        batch i gets the i-th seed drawn from ``np.random.default_rng(seed)``."""
        num_samples = int(num_samples)
        if num_samples < 2:
            raise ValueError(f"num_samples must be at least 2, got {num_samples}.")
        batches = -(-num_samples // self.batch_size)
        seeds = np.random.default_rng(self.seed if seed is None else seed).integers(
            0, 2**31 - 1, batches)
        for i, batch_seed in enumerate(seeds):
            size = min(self.batch_size, num_samples - i * self.batch_size)
            images = _check_images(sample_fn(size, int(batch_seed)), "sample_fn's images")
            if len(images) != size:
                raise ValueError(f"sample_fn({size}, seed) returned {len(images)} images.")
            yield images

    def evaluate(self, sample_fn: SampleFn, num_samples: int = 10000,
                 seed: int | None = None) -> dict[str, Any]:
        """Metrics of ``num_samples`` images drawn from ``sample_fn(batch_size, seed)``."""
        start = time.perf_counter()
        generated = self.collect(self.sample(sample_fn, num_samples, seed),
                                 what="generated images")
        return self.compute(generated, seconds_so_far=time.perf_counter() - start)

    def evaluate_images(self, images: Iterable[Any] | np.ndarray) -> dict[str, Any]:
        """Metrics of given images in [0, 1] (an array or an iterable of batches)."""
        start = time.perf_counter()
        generated = self.collect(images, what="generated images")
        return self.compute(generated, seconds_so_far=time.perf_counter() - start)

    def compute(self, generated: FeatureSet, seconds_so_far: float = 0.0) -> dict[str, Any]:
        """The metrics of a collected `FeatureSet` against the reference."""
        start = time.perf_counter()
        reference = self.reference
        if reference is None and {"fid", "kid", "pr"} & set(self.metrics):
            raise ValueError(
                "FID, KID and precision/recall compare with real images: call "
                "set_reference_dataset('digits', split='train') or set_reference(images) first."
            )
        results: dict[str, Any] = {}
        if "fid" in self.metrics:
            _warn_if_too_few_for_fid(reference.count, generated.count,
                                     len(reference.moments.mean))
            results["fid"] = F.frechet_distance(reference.moments.mean, reference.moments.covariance,
                                                generated.moments.mean, generated.moments.covariance)
        if "kid" in self.metrics:
            results["kid"], results["kid_std"] = F.kernel_distance(
                reference.features, generated.features, self.kid_subsets, self.kid_subset_size,
                self.seed)
        if "is" in self.metrics:
            results["is"], results["is_std"] = F.inception_score(
                logits=generated.logits, splits=min(self.is_splits, generated.count))
            if reference is not None and reference.keep_logits:
                if "is_real" not in reference.cache:
                    reference.cache["is_real"] = F.inception_score(
                        logits=reference.logits, splits=min(self.is_splits, reference.count))[0]
                results["is_real"] = reference.cache["is_real"]
        if "msssim" in self.metrics:
            results["msssim"] = F.msssim_diversity(generated.reservoir, self.msssim_pairs,
                                                   self.seed)
            if reference is not None and reference.reservoir is not None:
                if "msssim_real" not in reference.cache:
                    reference.cache["msssim_real"] = F.msssim_diversity(
                        reference.reservoir, self.msssim_pairs, self.seed)
                results["msssim_real"] = reference.cache["msssim_real"]
        if "pr" in self.metrics:
            real, fake = reference.features, generated.features
            rng = np.random.default_rng(self.seed)
            size = min(len(real), len(fake))  # the paper compares equally many
            real = real[rng.choice(len(real), size, replace=False)]
            fake = fake[rng.choice(len(fake), size, replace=False)]
            results["precision"], results["recall"] = F.precision_recall(real, fake, self.pr_k)
        results["num_samples"] = generated.count
        if reference is not None:
            results["num_reference"] = reference.count
        results["seconds"] = seconds_so_far + time.perf_counter() - start
        return results

    def describe(self) -> dict[str, Any]:
        """The protocol behind the numbers (written next to them in JSON)."""
        return {
            **self.extractor.describe(), **self.reference_description,
            "metrics": list(self.metrics), "kid_subsets": self.kid_subsets,
            "kid_subset_size": self.kid_subset_size, "is_splits": self.is_splits,
            "pr_k": self.pr_k, "msssim_pairs": self.msssim_pairs, "seed": self.seed,
        }


def _warn_if_too_few_for_fid(reference: int, generated: int, dimensions: int) -> None:
    """Warn when FID compares fewer images than the features have dimensions: the
    covariance is then singular and FID's bias, which grows as 1/N (Chong & Forsyth 2020),
    dominates; Heusel et al. (2017) advise at least 10,000 images."""
    few = [f"{count} {what}" for count, what in ((reference, "reference"), (generated, "generated"))
           if count <= dimensions]
    if few:
        warnings.warn(
            f"FID from {' and '.join(few)} images, no more than the {dimensions} feature "
            "dimensions: the covariance is singular and the value is biased, not comparable "
            "with FIDs from more images; use thousands (10,000 in Heusel et al.).", stacklevel=3)


def _dataset_batches(dataset: str, split: str, size: tuple[int, int], channels: int,
                     batch_size: int, data_dir: str | None) -> Iterable[np.ndarray]:
    """Batches of a `keras_gan_zoo.data` source in [0, 1], unshuffled."""
    if dataset == "digits":
        from keras_gan_zoo.data import digits_arrays

        images, _ = digits_arrays(split, image_size=size, channels=channels)
        for start in range(0, len(images), batch_size):
            yield np.asarray(to_unit_range(images[start:start + batch_size]))
        return
    from keras_gan_zoo import data

    loaded = data.load(dataset, image_size=size, channels=channels, batch_size=batch_size,
                       split=split, shuffle=False, data_dir=data_dir, with_labels=False)
    for batch in loaded.as_numpy_iterator():
        if isinstance(batch, tuple):
            raise ValueError(f"Dataset {dataset!r} yields pairs; evaluate one domain at a time.")
        yield np.asarray(to_unit_range(batch))


# ------------------------------------------------------------ sample functions
def model_sample_fn(model: Any, output: int = 0, **generate_kwargs: Any) -> SampleFn:
    """``sample_fn`` of a noise-to-image entry: ``model.generate(num_samples=n, seed=s)``.

    For entries whose ``generate`` returns several image sets (CoupledGAN's
    ``(images_a, images_b)``), ``output`` picks one. Extra keyword arguments go
    to ``generate``. CGAN/InfoGAN without labels draw random classes.
    """
    if translates(model):
        raise ValueError(
            f"{type(model).__name__} translates images; use translation_sample_fn(model.translate, "
            "held_out_images) and a reference of the matching targets."
        )

    def sample(batch_size: int, seed: int) -> np.ndarray:
        images = model.generate(num_samples=batch_size, seed=seed, **generate_kwargs)
        return images[output] if isinstance(images, (tuple, list)) else images

    return sample


def class_sample_fn(model: Any, label: int) -> SampleFn:
    """``sample_fn`` of a class-conditional entry (CGAN) for one class ``label``;
    evaluate it against the real images of that class."""
    def sample(batch_size: int, seed: int) -> np.ndarray:
        return model.generate(num_samples=batch_size, seed=seed,
                              labels=np.full(batch_size, int(label), np.int32))

    return sample


def translation_sample_fn(translate: Callable[[np.ndarray], Any], images: Any) -> SampleFn:
    """``sample_fn`` of an image-to-image entry: translations of ``images`` (in [0, 1]),
    in order, wrapping around (so ``num_samples = len(images)`` translates each once;
    the seed is not used). E.g. pix2pix: ``translation_sample_fn(model.translate,
    test_inputs)`` against a reference of the test targets."""
    images = np.asarray(images, np.float32)
    position = [0]

    def sample(batch_size: int, seed: int) -> np.ndarray:
        index = (position[0] + np.arange(batch_size)) % len(images)
        position[0] = int(index[-1] + 1) % len(images)
        return np.asarray(translate(images[index]))

    return sample


# ------------------------------------------------------------------ zoo entries
def translates(model: Any) -> bool:
    """Whether ``model`` is sampled by translating held-out images (its
    `BaseGAN.evaluation_sampling` is ``"translate"``: pix2pix, CycleGAN) rather than by
    ``generate``; a model that does not declare it generates."""
    return getattr(model, "evaluation_sampling", "generate") == "translate"


def prepare_entry_evaluation(evaluator: Evaluator, model: Any, num_samples: int,
                             dataset: str = "digits", split: str = "train",
                             max_reference: int = 50000, data_dir: str | None = None
                             ) -> tuple[SampleFn, int]:
    """How a zoo entry is evaluated: sets ``evaluator``'s reference, returns
    ``(sample_fn, num_samples)`` for `Evaluator.evaluate`.

    * Noise-to-image entries: `model_sample_fn`, against at most ``max_reference``
      images of ``dataset``'s ``split`` at the model's ``image_shape``.
    * Image-to-image entries: `translation_sample_fn` on the held-out inputs of the
      entry's offline pairs (``model.default_sample_data()``, digits' test split),
      against their targets; ``num_samples`` is capped so each input is translated once.
    """
    if not translates(model):
        evaluator.set_reference_dataset(dataset, split=split, image_shape=model.image_shape,
                                        max_images=max_reference, data_dir=data_dir)
        return model_sample_fn(model), int(num_samples)
    if dataset != "digits":
        raise ValueError(
            f"{type(model).__name__} is evaluated on the held-out pairs of the offline digits "
            f"data, not {dataset!r}; for other data use keras_gan_zoo.metrics."
            "translation_sample_fn in Python.")
    inputs, targets = (np.asarray(to_unit_range(a)) for a in model.default_sample_data())
    evaluator.set_reference(targets, {"reference": "digits:test targets"})
    return translation_sample_fn(model.translate, inputs), min(int(num_samples), len(inputs))
