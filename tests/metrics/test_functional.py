"""keras_gan_zoo.metrics: exact against independent references, useful on digits.

References:
* pytorch-fid's FID formula (``scipy.linalg.sqrtm`` of Σ1Σ2, written out here);
* the authors' Inception Score code (OpenAI ``improved-gan``) and KID code
  (Bińkowski et al. ``compute_scores.py``), written out here in NumPy;
* TF-GAN 2.1.0's ``classifier_metrics.py`` itself, loaded by file path from the
  ``tensorflow-gan`` wheel (its package needs ``tf.estimator``, gone in TF 2.16);
  the tests using it are skipped when the wheel cannot be had.
"""

from __future__ import annotations

import time
import types
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import linalg, special
from scipy.spatial.distance import cdist

import keras_gan_zoo as zoo
from keras_gan_zoo import metrics
from keras_gan_zoo.data import digits_arrays
from keras_gan_zoo.files import sha256_of
from keras_gan_zoo.metrics import functional as F
from tests.conftest import QUALITY_DCGAN
from tests.tfgan_wheel import load_tfgan_modules

RTOL = 1e-4


# ----------------------------------------------------------- fixed activations
def random_activations(n: int, d: int, seed: int, shift: float = 0.0,
                       distribution: int | None = None) -> np.ndarray:
    """Correlated, non-negative, Inception-like activations; ``distribution`` (default
    ``seed``) fixes the correlations, ``seed`` the draws."""
    mixing = np.random.default_rng(seed if distribution is None else distribution).normal(
        size=(d, d)) / np.sqrt(d)
    draws = np.random.default_rng(seed + 1000).normal(size=(n, d))
    return np.maximum(draws @ mixing + 0.5 + shift, 0.0)


@pytest.fixture(scope="module")
def activations():
    return random_activations(1200, 32, 0), random_activations(1000, 32, 1, shift=0.3)


# -------------------------------------------------------- independent references
def pytorch_fid(act1: np.ndarray, act2: np.ndarray, eps: float = 1e-6) -> float:
    """pytorch-fid's calculate_frechet_distance (np.cov statistics, scipy sqrtm)."""
    mu1, sigma1 = act1.mean(axis=0), np.cov(act1, rowvar=False)
    mu2, sigma2 = act2.mean(axis=0), np.cov(act2, rowvar=False)
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        assert np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3)
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def openai_inception_score(preds: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """improved-gan's get_inception_score, from probabilities."""
    scores = []
    for i in range(splits):
        part = preds[(i * preds.shape[0] // splits):((i + 1) * preds.shape[0] // splits), :]
        kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
        scores.append(np.exp(np.mean(np.sum(kl, 1))))
    return float(np.mean(scores)), float(np.std(scores))


def binkowski_kid(codes_g, codes_r, n_subsets, subset_size, seed):
    """compute_scores.py's polynomial_mmd_averages (unbiased estimator, equal subset sizes)."""
    rng = np.random.default_rng(seed)
    m = subset_size
    mmds = []
    for _ in range(n_subsets):
        g = codes_g[rng.choice(len(codes_g), m, replace=False)]
        r = codes_r[rng.choice(len(codes_r), m, replace=False)]
        d = g.shape[1]
        k_xx, k_yy, k_xy = ((a @ b.T / d + 1) ** 3 for a, b in ((g, g), (r, r), (g, r)))
        off = ~np.eye(m, dtype=bool)
        mmds.append(k_xx[off].sum() / (m * (m - 1)) + k_yy[off].sum() / (m * (m - 1))
                    - 2 * k_xy.sum() / (m * m))
    return float(np.mean(mmds)), float(np.std(mmds))


@pytest.fixture(scope="module")
def tfgan(request, tmp_path_factory):
    """TF-GAN 2.1.0's classifier_metrics.py, loaded by path with its one package import
    (eval_utils.py, from the same wheel) and a stand-in for ``tfp.stats.covariance``."""

    def covariance(x):  # tfp.stats.covariance(x): sample axis 0, biased (divides by N)
        x = x - tf.reduce_mean(x, axis=0)
        return tf.matmul(x, x, transpose_a=True) / tf.cast(tf.shape(x)[0], x.dtype)

    tfp = types.SimpleNamespace(stats=types.SimpleNamespace(covariance=covariance))
    return load_tfgan_modules(request, tmp_path_factory,
                              ["eval.eval_utils", "eval.classifier_metrics"],
                              stubs={"tensorflow_probability": tfp})[-1]


# ------------------------------------------------------------------------- FID
def test_fid_matches_pytorch_fid_formula(activations):
    a, b = activations
    ours = F.frechet_distance_from_activations(a, b)
    assert ours > 1.0
    assert ours == pytest.approx(pytorch_fid(a, b), rel=RTOL)


def test_fid_matches_tfgan(activations, tfgan):
    a, b = activations
    theirs = float(tfgan.frechet_classifier_distance_from_activations(
        tf.constant(a), tf.constant(b)))
    assert F.frechet_distance_from_activations(a, b) == pytest.approx(theirs, rel=RTOL)


def test_fid_of_a_set_with_itself_is_zero_and_fid_is_symmetric(activations):
    a, b = activations
    assert F.frechet_distance_from_activations(a, a) == pytest.approx(0.0, abs=1e-8)
    assert F.frechet_distance_from_activations(a, b) == pytest.approx(
        F.frechet_distance_from_activations(b, a), rel=1e-10)


def test_fid_is_real_and_finite_with_singular_covariances():
    a, b = random_activations(40, 64, 2), random_activations(50, 64, 3)  # N < d: rank deficient
    value = F.frechet_distance_from_activations(a, b)
    assert np.isfinite(value) and value == pytest.approx(pytorch_fid(a, b), rel=1e-3)


def test_streaming_moments_equal_the_batch_statistics(activations):
    a, _ = activations
    moments = metrics.RunningMoments()
    for start, stop in ((0, 1), (1, 300), (300, 301), (301, 1200)):
        moments.update(a[start:stop].astype(np.float32))
    mu, sigma = F.mean_and_covariance(a.astype(np.float32))
    np.testing.assert_allclose(moments.mean, mu, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(moments.covariance, sigma, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(a.astype(np.float32).astype(np.float64), rowvar=False),
                               rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------- KID
@pytest.mark.parametrize("precomputed", [True, False])
def test_kid_matches_the_authors_protocol(activations, precomputed, monkeypatch):
    if not precomputed:  # kernels computed per subset, not read off the whole matrices
        monkeypatch.setattr(F, "_MAX_KERNEL_ENTRIES", 0)
    a, b = activations
    ours = F.kernel_distance(a, b, num_subsets=10, subset_size=500, seed=3)
    theirs = binkowski_kid(b, a, 10, 500, seed=3)
    assert ours[0] > 0.01
    assert ours[0] == pytest.approx(theirs[0], rel=RTOL)
    assert ours[1] == pytest.approx(theirs[1], rel=RTOL)


def test_kid_matches_tfgan_block_estimator(activations, tfgan):
    a, b = activations
    mean, std = tfgan.kernel_classifier_distance_and_std_from_activations(
        tf.constant(a), tf.constant(b), max_block_size=256)
    ours = F.kernel_distance_blocks(a, b, max_block_size=256)
    assert ours[0] == pytest.approx(float(mean), rel=RTOL)
    assert ours[1] == pytest.approx(float(std), rel=RTOL)
    whole = tfgan.kernel_classifier_distance_from_activations(tf.constant(a[:900]),
                                                              tf.constant(b[:800]))
    assert F.mmd2_polynomial_unbiased(a[:900], b[:800]) == pytest.approx(float(whole), rel=RTOL)


def test_kid_of_two_samples_of_one_distribution_is_about_zero(activations):
    a, b = activations
    same = random_activations(1200, 32, 10, distribution=0)  # a's distribution
    mean, std = F.kernel_distance(a, same, num_subsets=20, subset_size=500)
    different, _ = F.kernel_distance(a, b, num_subsets=20, subset_size=500)
    assert abs(mean) < 3 * std + 1e-3 and abs(mean) < 0.02 * different


# -------------------------------------------------------------------------- IS
def test_inception_score_matches_the_authors_code():
    logits = np.random.default_rng(4).normal(scale=3.0, size=(1000, 10))
    ours = F.inception_score(logits=logits, splits=10)
    theirs = openai_inception_score(special.softmax(logits, axis=1), splits=10)
    assert ours[0] == pytest.approx(theirs[0], rel=RTOL)
    assert ours[1] == pytest.approx(theirs[1], rel=RTOL)


def test_inception_score_matches_tfgan_classifier_score(tfgan):
    logits = np.random.default_rng(4).normal(scale=3.0, size=(1000, 10))
    score = float(tfgan.classifier_score_from_logits(tf.constant(logits)))
    assert F.inception_score(logits=logits, splits=1)[0] == pytest.approx(score, rel=RTOL)


def test_inception_score_matches_the_authors_code_from_probabilities():
    logits = np.random.default_rng(5).normal(scale=2.0, size=(997, 7))  # uneven splits
    probabilities = special.softmax(logits, axis=1)
    for ours in (F.inception_score(logits=logits), F.inception_score(probabilities=probabilities)):
        assert ours == pytest.approx(openai_inception_score(probabilities), rel=RTOL)


@pytest.mark.parametrize("k", [2, 5, 10])
def test_confident_uniform_predictions_over_k_classes_score_k(k):
    labels = np.arange(100 * k) % k
    logits = 100.0 * np.eye(k)[labels]
    mean, std = F.inception_score(logits=logits, splits=10)
    assert mean == pytest.approx(k, rel=1e-9) and std < 1e-9
    assert F.inception_score(logits=np.zeros((50, k)), splits=5)[0] == pytest.approx(1.0)


# ------------------------------------------------------------------- MS-SSIM
def test_msssim_settings_fit_small_images():
    settings = F.msssim_settings(28, 28)
    assert settings["filter_size"] == 7 and len(settings["power_factors"]) == 3
    assert sum(settings["power_factors"]) == pytest.approx(1.0)
    assert len(F.msssim_settings(256, 256)["power_factors"]) == 5
    assert F.msssim_settings(256, 256)["filter_size"] == 11


def test_msssim_of_identical_images_is_one_and_real_digits_are_diverse():
    images = (digits_arrays("test")[0] + 1.0) / 2.0
    np.testing.assert_allclose(F.ms_ssim(images[:20], images[:20]), 1.0, atol=1e-5)
    assert F.msssim_diversity(np.repeat(images[:1], 50, axis=0), num_pairs=50) == pytest.approx(
        1.0, abs=1e-5)
    assert F.msssim_diversity(images, num_pairs=300) < 0.5
    rgb = np.random.default_rng(0).uniform(size=(4, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(F.ms_ssim(rgb, rgb), 1.0, atol=1e-5)


@pytest.mark.parametrize("shape, settings", [
    ((40, 28, 28, 1), F.msssim_settings(28, 28)),  # the digits: 3 scales, 7x7 window
    ((6, 64, 64, 3), F.msssim_settings(64, 64)),
    ((4, 33, 45, 1), F.msssim_settings(33, 45)),  # odd sides: padded before halving
    ((2, 181, 190, 3), {}),  # tf.image.ssim_multiscale's defaults: 5 scales, 11x11
])
def test_ssim_multiscale_in_keras_ops_equals_tf_image_ssim_multiscale(shape, settings):
    rng = np.random.default_rng(sum(shape))
    a = rng.uniform(size=shape).astype(np.float32)
    b = np.clip(a + rng.normal(scale=0.15, size=shape), 0.0, 1.0).astype(np.float32)
    b[0] = rng.uniform(size=shape[1:])  # an unrelated pair too
    ours = keras.ops.convert_to_numpy(F.ssim_multiscale(a, b, 1.0, **settings))
    theirs = tf.image.ssim_multiscale(a, b, 1.0, **settings).numpy()
    assert ours.shape == (shape[0],) and 0.0 <= ours.min() and ours.max() < 1.0
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    with pytest.raises(ValueError, match="smallest"):
        F.ssim_multiscale(a[:, :20, :20], b[:, :20, :20], filter_size=11)


# ------------------------------------------------------------ precision/recall
def brute_force_precision_recall(real, fake, k=3):
    def radii(x):
        return np.sort(cdist(x, x, "sqeuclidean"), axis=1)[:, k]

    precision = np.mean(np.any(cdist(fake, real, "sqeuclidean") <= radii(real)[None], axis=1))
    recall = np.mean(np.any(cdist(real, fake, "sqeuclidean") <= radii(fake)[None], axis=1))
    return precision, recall


def test_precision_recall_match_brute_force_and_detect_collapse(activations):
    a, b = activations
    assert F.precision_recall(a[:500], b[:500], block_size=128) == pytest.approx(
        brute_force_precision_recall(a[:500], b[:500]), abs=1e-12)
    assert F.precision_recall(a, a) == (1.0, 1.0)
    collapsed = a[:10].repeat(50, axis=0) + 1e-3  # few modes, all realistic
    precision, recall = F.precision_recall(a[:500], collapsed)
    assert precision == 1.0 and recall < 0.2
    far_away = a[:500] + 100.0
    assert F.precision_recall(a[:500], far_away) == (0.0, 0.0)


# ------------------------------------------------------------------ extractors
def test_shipped_digits_classifier_reproduces_its_recorded_accuracy():
    from keras_gan_zoo.metrics import digits_classifier

    info = digits_classifier.classifier_info()
    assert info["accuracy_split"] == "train" and info["trained_on"].startswith("digits 'test'")
    assert info["weights_sha256"] == sha256_of(digits_classifier.weights_path())
    extractor = metrics.get_extractor("digits")
    images, labels = digits_arrays("train")
    features, logits = extractor((images + 1.0) / 2.0)
    assert features.shape == (len(images), 128) and logits.shape == (len(images), 10)
    accuracy = np.mean(logits.argmax(axis=1) == labels)
    assert accuracy == pytest.approx(info["accuracy"], abs=2e-3) and accuracy > 0.95
    # Other sizes and RGB are converted: the same digits, 32x32x3, still read.
    rgb32 = (digits_arrays("train", image_size=32, channels=3)[0][:200] + 1.0) / 2.0
    assert np.mean(extractor(rgb32)[1].argmax(axis=1) == labels[:200]) > 0.9


@pytest.mark.parametrize("name, kwargs, image_shape", [
    ("digits", {}, (32, 32, 3)),
    ("inception_v3", {"weights": None, "max_batch": 3}, (32, 32, 1)),
])
def test_extractors_compiled_forward_equals_the_network_called_eagerly(name, kwargs, image_shape):
    """The compiled path (tf.function, or jax.jit over the variables) computes what the
    preprocessing and the network compute op by op, in batches of at most ``max_batch``."""
    extractor = metrics.get_extractor(name, **kwargs)
    images = np.random.default_rng(0).uniform(size=(5, *image_shape)).astype(np.float32)
    features, logits = extractor(images)
    expected = extractor.model(extractor.preprocess(keras.ops.convert_to_tensor(images)),
                               training=False)
    for ours, theirs in ((features, expected[extractor.feature_output]), (logits, expected[-1])):
        theirs = keras.ops.convert_to_numpy(theirs)
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5 * np.abs(theirs).max())


def test_inception_without_weights_or_network_says_where_to_put_the_file(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        metrics.get_extractor("inception_v3", cache_dir=tmp_path, allow_download=False)
    message = str(error.value)
    assert str(tmp_path / "models" / metrics.extractors.INCEPTION_WEIGHTS_FILE) in message
    assert metrics.extractors.INCEPTION_WEIGHTS_URL in message and "weights=PATH" in message
    with pytest.raises(FileNotFoundError, match="does not exist"):
        metrics.InceptionV3Extractor(weights=tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="Unknown extractor"):
        metrics.get_extractor("vgg")


# ------------------------------------------------------------------ usefulness
@pytest.mark.slow
@pytest.mark.xdist_group("quality_dcgan")  # one worker trains the shared run
def test_metrics_rank_trained_above_untrained_and_collapsed_dcgan(quality_dcgan_weights):
    start = time.perf_counter()
    evaluator = metrics.Evaluator(["fid", "kid", "is", "msssim", "pr"], extractor="digits",
                                  kid_subsets=50)
    evaluator.set_reference_dataset("digits", split="train")
    model = zoo.build("dcgan", **QUALITY_DCGAN)  # 64/32 filters
    untrained = evaluator.evaluate(metrics.model_sample_fn(model), 2000)
    model.set_weights(quality_dcgan_weights[10])  # trained 10 epochs at batch 32
    trained = evaluator.evaluate(metrics.model_sample_fn(model), 2000)
    one_image = model.generate(1, seed=123)
    collapsed = evaluator.evaluate(lambda n, seed: np.repeat(one_image, n, axis=0), 2000)
    seconds = time.perf_counter() - start
    keys = ("fid", "kid", "is", "msssim", "precision", "recall")
    for name, result in (("trained", trained), ("untrained", untrained), ("collapsed", collapsed)):
        print(f"\n{name:9s} " + " ".join(f"{k} {result[k]:.4g}" for k in keys))
    print(f"real digits: msssim {trained['msssim_real']:.4g}, classifier score "
          f"{trained['is_real']:.4g}; {seconds:.0f} s in all")
    for worse in (untrained, collapsed):
        assert trained["fid"] < 0.5 * worse["fid"]
        assert trained["kid"] < 0.5 * worse["kid"]
        assert trained["is"] > worse["is"] + 1.0
        assert trained["recall"] > worse["recall"]
    assert collapsed["msssim"] > 0.99  # diversity flags the collapse...
    assert trained["msssim"] < collapsed["msssim"] - 0.3  # ...and not the trained model
    assert collapsed["recall"] < 0.05


@pytest.mark.parametrize("reference_count, sample_count, few", [(7, 200, "7 reference"),
                                                               (200, 20, "20 generated")])
def test_fid_from_fewer_images_than_feature_dimensions_warns(reference_count, sample_count, few):
    rng = np.random.default_rng(0)
    evaluator = metrics.Evaluator(["fid"], extractor="digits")
    evaluator.set_reference(rng.uniform(0, 1, (reference_count, 28, 28, 1)).astype(np.float32))
    with pytest.warns(UserWarning, match=few) as caught:
        results = evaluator.evaluate_images(rng.uniform(0, 1, (sample_count, 28, 28, 1)))
    message = str(caught[0].message)
    assert "128 feature dimensions" in message and "not comparable" in message, message
    assert np.isfinite(results["fid"])


def test_fid_from_enough_images_does_not_warn():
    rng = np.random.default_rng(0)
    evaluator = metrics.Evaluator(["fid"], extractor="digits")
    evaluator.set_reference(rng.uniform(0, 1, (200, 28, 28, 1)).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluator.evaluate_images(rng.uniform(0, 1, (200, 28, 28, 1)))


def test_entries_declare_how_they_are_sampled_for_evaluation():
    """Image-to-image entries declare ``evaluation_sampling = "translate"``; the others generate."""
    sampling = {name: zoo.entry_class(name).evaluation_sampling for name in zoo.available()}
    assert {name for name, how in sampling.items() if how == "translate"} == {"pix2pix", "cyclegan"}
    assert set(sampling.values()) == {"generate", "translate"}

    class Translator:
        evaluation_sampling = "translate"

    with pytest.raises(ValueError, match="Translator translates images"):
        metrics.model_sample_fn(Translator())


@pytest.mark.parametrize("image_shape, expected", [([28, 28, 1], "digits"),
                                                   ([64, 64, 3], "inception_v3")])
def test_train_eval_every_and_evaluate_pick_the_same_default_extractor(
        image_shape, expected, tmp_path, monkeypatch, capsys):
    """A model trained on digits is judged with the same extractor by ``train --eval-every``
    (`entry_evaluation`) and ``evaluate`` (one rule: `metrics.default_extractor`)."""
    from keras_gan_zoo.cli import main
    from keras_gan_zoo.metrics import callback, evaluator

    chosen = []

    def record(self, metrics, extractor="digits", **kwargs):
        chosen.append(extractor)
        raise ValueError("stop here")

    monkeypatch.setattr(evaluator.Evaluator, "__init__", record)
    model = zoo.build("dcgan", image_shape=image_shape, generator_filters=8,
                      discriminator_filters=8, latent_dim=16, seed=0)
    with pytest.raises(ValueError, match="stop here"):
        callback.entry_evaluation(model, every=1, dataset="digits")
    model.save(tmp_path / "model.keras")
    assert main(["evaluate", "--checkpoint", str(tmp_path / "model.keras"),
                 "--dataset", "digits", "--output", str(tmp_path / "m.json")]) == 2
    assert "stop here" in capsys.readouterr().err
    assert chosen == [expected, expected] == [metrics.default_extractor(image_shape)] * 2
