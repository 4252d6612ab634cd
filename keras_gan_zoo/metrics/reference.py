"""Real images to compare a generator with, and a cheap quality signal built on them.

`reference_images` takes the images a metric or the `TrainingMonitor` judges against from
an array or a `tf.data.Dataset`; `digits_fid` is the monitor's quality signal on digits.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import keras
import numpy as np

from keras_gan_zoo.metrics.evaluator import model_sample_fn
from keras_gan_zoo.metrics.extractors import get_extractor
from keras_gan_zoo.metrics.functional import frechet_distance_from_activations
from keras_gan_zoo.pixels import to_unit_range
from keras_gan_zoo.tensorflow_import import lazy_tensorflow, tensorflow_imported

tf = lazy_tensorflow("a tf.data reference dataset")


def reference_images(reference: Any, num_images: int = 500) -> np.ndarray:
    """Up to ``num_images`` real images in [0, 1] from an array (already in [0, 1]) or
    from a `tf.data.Dataset` as `keras_gan_zoo.data.load` returns (images in [-1, 1],
    or ``(images, labels)``/pairs, whose first element is used)."""
    if not (tensorflow_imported() and isinstance(reference, tf.data.Dataset)):
        images = np.asarray(reference, np.float32)
        if images.ndim != 4 or images.min() < 0.0 or images.max() > 1.0:
            raise ValueError(
                f"reference must be images [N, H, W, C] in [0, 1] (or a tf.data.Dataset of "
                f"images in [-1, 1]); got shape {images.shape}, range "
                f"[{images.min():.3g}, {images.max():.3g}].")
        return images[:num_images]
    batches, count = [], 0
    for element in reference:
        if isinstance(element, Mapping):
            element = element["image"]
        elif isinstance(element, (tuple, list)):
            element = element[0]
        batches.append(np.asarray(to_unit_range(element)))
        count += len(batches[-1])
        if count >= num_images:
            break
    if not batches:
        raise ValueError("The reference dataset is empty.")
    return np.concatenate(batches)[:num_images]


def digits_fid(reference: Any, num_samples: int = 500, seed: int = 1,
               num_reference: int = 2000) -> Callable[[keras.Model], float]:
    """A quality signal for ``TrainingMonitor(quality=...)``: the Fréchet distance of
    the shipped digits classifier's features (`metrics.DigitsExtractor`) between
    ``num_samples`` generated images (fixed noise ``seed``) and up to ``num_reference``
    images of ``reference`` (as in `reference_images`). Biased upwards at small N, but
    comparable from epoch to epoch; about 1 s per call on a CPU."""
    extractor = get_extractor("digits")
    real_features, _ = extractor(reference_images(reference, num_reference))

    def quality(model: keras.Model) -> float:
        images = model_sample_fn(model)(num_samples, seed)
        features, _ = extractor(images)
        return frechet_distance_from_activations(features, real_features)

    return quality
