"""zoo_configs/dcgan_stabilized.yaml: the recommended remedies, as a buildable config."""

import keras_gan_zoo as zoo
from keras_gan_zoo.registry import config_dir

STABILIZED = config_dir() / "dcgan_stabilized.yaml"


def test_stabilized_config_builds_a_dcgan_with_its_switches():
    preset = zoo.load_config(STABILIZED)["preset"]
    assert preset, "the stabilized config names no switch"
    model = zoo.build(str(STABILIZED))
    assert type(model) is zoo.entry_class("dcgan")
    config = model.get_config()
    for key, value in preset.items():
        assert config[key] == value, key
