"""`config_checks`: one rule table for every entry's config values, applied to every construction."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_gan_zoo as zoo
from keras_gan_zoo import config_checks
from keras_gan_zoo.callbacks import LinearDecay

TINY_GAN = dict(generator_units=[8], discriminator_units=[8], latent_dim=4, seed=0)


@pytest.mark.parametrize("name", zoo.available())
def test_every_default_and_preset_passes_the_rules(name):
    cls = zoo.entry_class(name)
    config_checks.check_config(cls.constructor_defaults(), cls.constructor_defaults())
    zoo.load_config(name)  # the preset is checked too


@pytest.mark.parametrize("name", zoo.available())
def test_every_numeric_key_has_a_rule(name):
    """A new numeric config key needs a line in `config_checks.RULES` (or a pattern)."""
    defaults = zoo.entry_class(name).constructor_defaults()
    numeric = [key for key, value in defaults.items()
               if isinstance(value, (int, float, list, tuple)) and not isinstance(value, bool)]
    assert [key for key in numeric if config_checks.rule_for(key) is None] == []


@pytest.mark.parametrize("key, value, words", [
    ("latent_dim", 1.7, "latent_dim must be an integer >= 1, got 1.7"),
    ("generator_units", 256, "generator_units must be a list of integers >= 1"),
    ("learning_rate", -1, "learning_rate must be positive and finite, got -1"),
    ("beta_2", 1.0, "beta_2 must be a number in [0, 1), got 1.0"),
    ("label_smoothing", 1.0, "label_smoothing must be a number in [0, 1)"),
    ("image_shape", [28, 28], "image_shape must be a list of 3 integers >= 1"),
    ("latent_dim", None, "latent_dim must be an integer >= 1, got null"),
])
def test_messages_name_the_key_the_value_and_the_accepted_range(key, value, words):
    with pytest.raises(ValueError) as info:
        zoo.GAN(**{**TINY_GAN, key: value})  # direct construction is checked like build
    assert words in str(info.value)


def test_whole_floats_and_numeric_strings_are_accepted_nulls_where_the_default_is_null():
    model = zoo.build("gan", **{**TINY_GAN, "latent_dim": 4.0, "learning_rate": "2e-4"})
    assert model.latent_dim == 4 and model.learning_rate == pytest.approx(2e-4)
    zoo.build("infogan", continuous_std=None, generator_units=[8], discriminator_units=[8],
              q_units=[8], generator_filters=4, discriminator_filters=4, latent_dim=4)
    with pytest.raises(ValueError, match="paper_test_mode must be true or false"):
        zoo.build("pix2pix", image_shape=[32, 32, 1], paper_test_mode="no")


def test_ebgan_does_not_list_label_smoothing_and_loads_configs_that_did():
    cls = zoo.entry_class("ebgan")
    assert "label_smoothing" not in cls.constructor_defaults()
    model = cls(generator_filters=4, discriminator_filters=4, embedding_dim=4, latent_dim=4)
    config = model.get_config()
    assert "label_smoothing" not in config
    cls.from_config({**config, "label_smoothing": 0.0})  # written by earlier versions


def test_uniform_noise_is_also_drawn_by_generate():
    model = zoo.build("gan", noise="uniform", **TINY_GAN)
    z = model.noise(1000, seed=0)
    assert z.min() >= -1 and z.max() <= 1 and model.get_config()["noise"] == "uniform"
    with pytest.raises(ValueError, match="noise must be one of"):
        zoo.build("gan", noise="gaussian", **TINY_GAN)


def test_linear_decay_start_survives_a_keras_round_trip(tmp_path):
    model = zoo.build("gan", **TINY_GAN)
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(4e-4))
    model.g_optimizer.learning_rate = 1e-5  # as a decayed schedule leaves it
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.initial_learning_rates == pytest.approx({"g_optimizer": 1e-3, "d_optimizer": 4e-4})
    decay = LinearDecay(constant_fraction=0.5)
    decay.set_model(loaded)
    decay.set_params({"epochs": 4})
    decay.on_epoch_begin(3)
    np.testing.assert_allclose(float(loaded.g_optimizer.learning_rate), 1e-3 / 3, rtol=1e-5)


@pytest.mark.parametrize("value, least, text, expected", [
    (3, 1, False, 3), (3.0, 1, False, 3), ("7", 1, True, 7), (-2, None, False, -2)])
def test_whole_number_reads_whole_numbers(value, least, text, expected):
    assert config_checks.whole_number(value, "n", least, text=text) == expected


@pytest.mark.parametrize("value, least, text, words", [
    (2.5, 1, False, "n must be a whole number of at least 1, got 2.5."),
    (True, 1, False, "n must be a whole number of at least 1, got True."),
    (0, 1, False, "n must be a whole number of at least 1, got 0."),
    ("7", 1, False, "got '7'"),
    ("two", None, True, "n must be a whole number, got 'two'."),
])
def test_whole_number_refuses_in_one_line(value, least, text, words):
    with pytest.raises(ValueError, match=words.replace(".", r"\.").replace("(", r"\(")):
        config_checks.whole_number(value, "n", least, text=text)


def test_recipes_cli_and_sample_counts_share_the_whole_number_check():
    """A batch size, a CLI count and num_samples are refused by the same rule and words."""
    from keras_gan_zoo import inputs
    from keras_gan_zoo.cli import whole_number as cli_whole_number

    with pytest.raises(ValueError, match="num_samples must be a whole number of at least 1"):
        inputs.check_count(2.5)
    with pytest.raises(ValueError, match="--eval-every must be a whole number, got 'x'"):
        cli_whole_number("--eval-every", "x")
    assert inputs.check_count(4.0) == 4 and cli_whole_number("--eval-every", "3") == 3
