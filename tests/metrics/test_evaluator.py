"""`keras_gan_zoo.metrics.evaluator`: the Evaluator streams and agrees with the functions,
its sample-function contract, each entry's sampling, and the reference cache."""

import json

import numpy as np
import pytest

import keras_gan_zoo as zoo
from keras_gan_zoo import metrics
from keras_gan_zoo.data import digits_arrays
from keras_gan_zoo.metrics import functional as F


@pytest.fixture(scope="module")
def digits_evaluator():
    evaluator = metrics.Evaluator(["fid", "kid", "is", "msssim", "pr"], extractor="digits",
                                  kid_subsets=20, msssim_pairs=300)
    evaluator.set_reference_dataset("digits", split="train")
    return evaluator


def test_evaluator_streams_and_agrees_with_the_functions(digits_evaluator):
    held_out = (digits_arrays("test")[0] + 1.0) / 2.0
    batches = [held_out[i:i + 64] for i in range(0, 360, 64)]
    results = digits_evaluator.evaluate_images(iter(batches))
    assert results["num_samples"] == 360 and results["num_reference"] == 1437
    real_features = digits_evaluator.reference.features
    # Same batches as the stream (oneDNN's float32 round-off depends on the batch size).
    features, logits = (np.concatenate(v) for v in zip(*map(digits_evaluator.extractor, batches)))
    # Streaming (Chan) and direct covariances differ by round-off; the matrix square root
    # turns round-off eigenvalues ~1e-13 of these rank-deficient ReLU covariances into ~1e-7.
    assert results["fid"] == pytest.approx(
        F.frechet_distance_from_activations(real_features, features), rel=1e-5)
    assert results["is"] == pytest.approx(F.inception_score(logits=logits)[0], rel=1e-6)
    # Held-out real digits: what a perfect generator would get.
    assert results["fid"] < 10 and results["precision"] > 0.8 and results["recall"] > 0.8
    assert abs(results["msssim"] - results["msssim_real"]) < 0.05
    assert results["is"] > 7 and results["is_real"] > 9
    json.dumps(results)


def test_evaluator_sample_fn_contract(digits_evaluator):
    calls = []

    def sample_fn(batch_size, seed):
        calls.append((batch_size, seed))
        return np.random.default_rng(seed).uniform(size=(batch_size, 28, 28, 1))

    results = metrics.Evaluator(["is"], batch_size=100).evaluate(sample_fn, 250, seed=1)
    assert [c[0] for c in calls] == [100, 100, 50] and results["num_samples"] == 250
    assert len({c[1] for c in calls}) == 3
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        digits_evaluator.evaluate(lambda n, s: np.full((n, 28, 28, 1), -1.0), 10)
    with pytest.raises(ValueError, match="set_reference"):
        metrics.Evaluator(["fid"]).evaluate(sample_fn, 10)
    with pytest.raises(ValueError, match="Unknown metric"):
        metrics.Evaluator("fid,lpips")


def test_conditional_and_translation_sample_functions():
    cgan = zoo.build("cgan")
    images = metrics.class_sample_fn(cgan, 3)(4, 0)
    assert images.shape == (4, 28, 28, 1)
    identity = metrics.translation_sample_fn(lambda x: x, np.arange(5.0).reshape(5, 1, 1, 1) / 5)
    assert identity(3, 0).ravel().tolist() == pytest.approx([0, 0.2, 0.4])
    assert identity(3, 0).ravel().tolist() == pytest.approx([0.6, 0.8, 0.0])


def test_reference_cache_is_per_evaluator_unless_shared():
    first, second = metrics.Evaluator(["fid"]), metrics.Evaluator(["fid"])
    reference = first.set_reference_dataset("digits")
    assert first.set_reference_dataset("digits") is reference
    assert second.set_reference_dataset("digits") is not reference
    shared = metrics.ReferenceCache(max_entries=2)
    a, b = (metrics.Evaluator(["fid"], reference_cache=shared) for _ in range(2))
    assert a.set_reference_dataset("digits") is b.set_reference_dataset("digits")
    a.set_reference_dataset("digits", split="test")
    a.set_reference_dataset("digits", max_images=100)  # the least recently used goes
    assert len(shared) == 2
    assert b.set_reference_dataset("digits", max_images=100).count == 100


def test_reference_cache_keeps_at_most_max_entries():
    cache = metrics.ReferenceCache(max_entries=2)
    made = []

    def collect(key):
        return lambda: made.append(key) or key

    for key in ("a", "b", "a", "c", "b"):
        cache.get(key, collect(key))
    assert made == ["a", "b", "c", "b"] and len(cache) == 2  # "b" was the oldest when "c" came
    with pytest.raises(ValueError, match="max_entries"):
        metrics.ReferenceCache(0)


def test_entry_evaluation_translates_held_out_pairs_for_image_to_image_entries():
    evaluator = metrics.Evaluator(["fid"])
    model = zoo.build("pix2pix", image_shape=[32, 32, 1], generator_filters=8,
                      discriminator_filters=8, seed=0)
    sample_fn, num_samples = metrics.prepare_entry_evaluation(evaluator, model, 10000)
    assert num_samples == evaluator.reference.count == 360
    assert evaluator.reference_description["reference"] == "digits:test targets"
    images = sample_fn(4, 0)
    assert images.shape == (4, 32, 32, 1) and 0.0 <= np.min(images) <= np.max(images) <= 1.0
    with pytest.raises(ValueError, match="held-out pairs of the offline digits"):
        metrics.prepare_entry_evaluation(evaluator, model, 10, dataset="mnist")
