"""GAN (Goodfellow et al. 2014): the networks of the reimplementations."""

import keras

import keras_gan_zoo as zoo


def test_gan_networks_match_the_reimplementations():
    model = zoo.build("gan")
    dense = [l.units for l in model.generator.layers if type(l).__name__ == "Dense"]
    assert dense == [256, 512, 1024, 28 * 28]
    dense = [l.units for l in model.discriminator.layers if type(l).__name__ == "Dense"]
    assert dense == [512, 256, 1]
    assert isinstance(model.generator, keras.Model) and isinstance(model.discriminator, keras.Model)
