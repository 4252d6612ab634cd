"""`keras_gan_zoo.train`, the Python side of `keras-gan-zoo train`, and the evaluator's cache."""

import keras
import numpy as np
import pytest

import keras_gan_zoo as zoo
from keras_gan_zoo import metrics


def test_train_returns_the_model_history_and_the_run_folder(tmp_path, capsys):
    run = zoo.train("dcgan", epochs=1, batch_size=256, output=tmp_path / "run",
                    overrides={"generator_filters": 8, "discriminator_filters": 8,
                               "latent_dim": 16},
                    mixed_precision="bfloat16", verbose=0)
    assert capsys.readouterr().out == ""
    assert type(run.model).__name__ == "DCGAN" and run.model.latent_dim == 16
    assert set(run.history.history) >= {"d_loss", "g_loss"}
    folder = run.folder
    assert folder.root == tmp_path / "run" and folder.saved_model == folder.root / "saved_model/dcgan/1"
    for path in (folder.samples / "epoch_001.png", folder.loss_curves, folder.history,
                 folder.checkpoint, folder.saved_model / "saved_model.pb"):
        assert path.is_file(), path
    # The policy is set for the run only.
    assert run.model.generator.layers[1].compute_dtype == "bfloat16"
    assert keras.mixed_precision.dtype_policy().name == "float32"


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


@pytest.mark.parametrize("overrides", [["latent_dim=8"], "latent_dim=8"], ids=["list", "text"])
def test_train_names_overrides_that_are_not_a_mapping(tmp_path, overrides):
    with pytest.raises(ValueError, match=r"overrides must be a mapping .*latent_dim.*parse_overrides"):
        zoo.train("gan", epochs=1, output=tmp_path / "run", overrides=overrides, verbose=0)
    assert not (tmp_path / "run").exists()
