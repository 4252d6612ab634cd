import numpy as np
import pytest

import keras

import keras_gan_zoo as zoo
from tests.model_steps import FEW_STEPS_EAGERLY


def test_available_lists_lower_case_names_including_foundation_entries():
    names = zoo.available()
    assert {"gan", "dcgan"} <= set(names)
    assert all(name == name.lower() for name in names)


#: One training step of the paper-size image-to-image networks (256 px) takes minutes on a
#: CPU: they are built at their paper size, but trained one step at 32 px.
SMALL_FOR_ONE_STEP = {"pix2pix": {"image_shape": [32, 32, 3]}, "cyclegan": {"image_shape": [32, 32, 3]}}


@pytest.mark.parametrize("name", zoo.available())
def test_every_entry_builds_and_trains_one_step_with_finite_losses(name):
    model = zoo.build(name)
    assert model.count_params() > 0
    if name in SMALL_FOR_ONE_STEP:
        model = zoo.build(name, **SMALL_FOR_ONE_STEP[name])
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)  # each entry's own tests train it with `fit`
    batch = model.example_batch(2)
    logs = model.train_on_batch(batch, return_dict=True)
    assert logs, "train_step reported nothing"
    for key, value in logs.items():
        assert np.isfinite(value), f"{name}: {key} = {value}"


def test_overrides_are_applied():
    model = zoo.build("dcgan", image_shape=[32, 32, 3], latent_dim=16)
    assert model.generator.output_shape == (None, 32, 32, 3)
    assert model.generator.input_shape == (None, 16)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as error:
        zoo.build("dcgna")
    message = str(error.value)
    assert "Unknown zoo entry 'dcgna'" in message and "Did you mean 'dcgan'" in message
    for name in zoo.available():
        assert name in message


def test_unknown_override_key_lists_the_valid_ones():
    with pytest.raises(ValueError) as error:
        zoo.build("dcgan", latent_size=64)
    message = str(error.value)
    assert "latent_size" in message and "latent_dim" in message and "generator_filters" in message


def test_malformed_configs_are_named(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("entry: dcgan\nconfig: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        zoo.load_config(bad_yaml)
    no_config = tmp_path / "no_config.yaml"
    no_config.write_text("entry: dcgan\n")
    with pytest.raises(ValueError, match="'config'"):
        zoo.load_config(no_config)
    wrong_key = tmp_path / "wrong_key.yaml"
    wrong_key.write_text("entry: dcgan\nconfig:\n  filters: 3\n")
    with pytest.raises(ValueError, match="does not take \\['filters'\\]"):
        zoo.load_config(wrong_key)


def test_every_shipped_config_names_its_paper():
    for name in zoo.available():
        document = zoo.load_config(name)
        assert document["paper"], name
        assert document["entry"] == name


def test_shipped_presets_state_only_what_departs_from_the_constructor():
    """One place for each value: a preset never restates a constructor default, and the
    valid keys are exactly the constructor's arguments (no noise keys for pix2pix)."""
    for name in zoo.available():
        document = zoo.load_config(name)
        defaults = zoo.entry_class(name).constructor_defaults()
        restated = [k for k, v in document["preset"].items()
                    if v == (list(defaults[k]) if isinstance(defaults[k], tuple) else defaults[k])]
        assert not restated, f"{name}: {restated} restate the constructor's defaults"
        assert set(document["config"]) == set(defaults), name
    assert "latent_dim" not in zoo.load_config("pix2pix")["config"]


def test_config_files_do_not_restate_the_paper(tmp_path):
    with_paper = tmp_path / "with_paper.yaml"
    with_paper.write_text("entry: dcgan\npaper: someone\nconfig: {}\n")
    with pytest.raises(ValueError, match="DCGAN.paper"):
        zoo.load_config(with_paper)


def test_entry_name_is_the_zoo_name_or_the_class_name_of_another_model():
    from keras_gan_zoo.registry import entry_name

    assert entry_name(zoo.entry_class("dcgan")) == "dcgan"
    assert entry_name(zoo.build("gan", generator_units=[8], discriminator_units=[8],
                                latent_dim=4)) == "gan"
    assert entry_name(keras.Sequential()) == "Sequential"
