"""Evaluation of generative models: FID, KID, Inception Score, MS-SSIM, precision/recall.

    from keras_gan_zoo import metrics
    evaluator = metrics.Evaluator(["fid", "kid", "is", "msssim", "pr"], extractor="digits")
    evaluator.set_reference_dataset("digits", split="train")
    results = evaluator.evaluate(metrics.model_sample_fn(model), num_samples=10000)

* `functional`: the definitions as pure NumPy functions of activations/logits
  (float64; TF-GAN's definitions, papers cited in each docstring).
* `Evaluator`: streaming over batches from a sample function
  ``sample_fn(batch_size, seed) -> images in [0, 1]``.
* `get_extractor`: ``"digits"`` (shipped classifier; Fréchet classifier
  distance and classifier score as TF-GAN does for MNIST) or
  ``"inception_v3"`` (Keras' InceptionV3, pool-3 features, 299x299).
* `prepare_entry_evaluation`: the sample function and reference a zoo entry is evaluated with.
* `EvaluationCallback`: metrics every N epochs in ``fit``'s logs, best checkpoint by FID;
  `entry_evaluation`: the one ``keras-gan-zoo train --eval-every`` uses.
"""

from keras_gan_zoo.metrics.callback import EvaluationCallback, default_extractor, entry_evaluation
from keras_gan_zoo.metrics.evaluator import (
    METRICS,
    Evaluator,
    FeatureSet,
    ReferenceCache,
    RunningMoments,
    class_sample_fn,
    model_sample_fn,
    parse_metrics,
    prepare_entry_evaluation,
    translation_sample_fn,
)
from keras_gan_zoo.metrics.reference import digits_fid, reference_images
from keras_gan_zoo.metrics.extractors import (
    DigitsExtractor,
    FeatureExtractor,
    InceptionV3Extractor,
    get_extractor,
    inception_weights_path,
)
from keras_gan_zoo.metrics.functional import (
    frechet_distance,
    frechet_distance_from_activations,
    inception_score,
    kernel_distance,
    kernel_distance_blocks,
    mean_and_covariance,
    mmd2_polynomial_unbiased,
    ms_ssim,
    msssim_diversity,
    msssim_settings,
    precision_recall,
    trace_sqrt_product,
)

__all__ = [
    "METRICS",
    "DigitsExtractor",
    "EvaluationCallback",
    "Evaluator",
    "FeatureExtractor",
    "FeatureSet",
    "InceptionV3Extractor",
    "ReferenceCache",
    "RunningMoments",
    "class_sample_fn",
    "default_extractor",
    "entry_evaluation",
    "frechet_distance",
    "frechet_distance_from_activations",
    "get_extractor",
    "inception_score",
    "inception_weights_path",
    "kernel_distance",
    "kernel_distance_blocks",
    "mean_and_covariance",
    "mmd2_polynomial_unbiased",
    "model_sample_fn",
    "ms_ssim",
    "msssim_diversity",
    "msssim_settings",
    "parse_metrics",
    "precision_recall",
    "prepare_entry_evaluation",
    "trace_sqrt_product",
    "translation_sample_fn",
]
