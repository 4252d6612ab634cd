"""DCGAN (Radford et al. 2016): networks sized to the image as the paper; learning, not just
running: trained on the offline digits for a CI-sized budget."""

import pytest

import keras_gan_zoo as zoo
from keras_gan_zoo.networks import dcgan_upsampling_plan
from tests.conftest import QUALITY_DCGAN
from tests.test_base import small_dcgan


@pytest.mark.parametrize("shape,plan", [((28, 28, 1), (7, 7, 2)), ((32, 32, 3), (4, 4, 3)),
                                        ((64, 64, 3), (4, 4, 4))])
def test_dcgan_sizes_itself_to_the_image(shape, plan):
    assert dcgan_upsampling_plan(shape) == plan
    model = small_dcgan(image_shape=list(shape))
    assert model.generator.output_shape == (None, *shape)
    assert model.discriminator.output_shape == (None, 1)


def test_dcgan_discriminator_follows_the_paper():
    model = zoo.build("dcgan", image_shape=[64, 64, 3])
    layers = model.discriminator.layers
    kinds = [type(layer).__name__ for layer in layers]
    assert "MaxPooling2D" not in kinds and "AveragePooling2D" not in kinds
    convs = [i for i, k in enumerate(kinds) if k == "Conv2D"]
    assert [layers[i].filters for i in convs] == [64, 128, 256, 512]
    assert all(layers[i].strides == (2, 2) for i in convs)
    # Batch norm on all but the first convolution; a single dense layer (the logit).
    assert kinds[convs[0] + 1] == "LeakyReLU"
    assert all(kinds[i + 1] == "BatchNormalization" for i in convs[1:])
    assert kinds.count("Dense") == 1
    # The paper's generator: 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3.
    transposed = [l for l in model.generator.layers if type(l).__name__ == "Conv2DTranspose"]
    assert [l.filters for l in transposed] == [512, 256, 128, 3]
    assert transposed[-1].activation.__name__ == "tanh"
    kernel = transposed[0].kernel.numpy()
    assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.002


@pytest.mark.slow
@pytest.mark.both_backends
@pytest.mark.xdist_group("quality_dcgan")  # one worker trains the shared run
def test_dcgan_learns_recognisable_varied_digits(digits_classifier, quality_dcgan_weights):
    model = zoo.build("dcgan", **QUALITY_DCGAN)  # 64/32 filters
    untrained = digits_classifier.report(model.generate(500, seed=1))
    model.set_weights(quality_dcgan_weights[15])  # trained 15 epochs at batch 32
    trained = digits_classifier.report(model.generate(500, seed=1))
    print(f"\nDCGAN on digits, 15 epochs: trained {trained}; untrained {untrained}; "
          f"classifier accuracy on held-out digits {digits_classifier.accuracy:.3f}")
    # An untrained generator gives one blob: one class, classifier score ~1.
    assert untrained["classes_covered"] <= 2 and untrained["classifier_score"] < 1.5
    assert trained["classes_covered"] >= 8
    # Measured with the shipped judge: score 6.47, confidence 0.87, 10 classes (real digits ~8.8).
    assert trained["classifier_score"] >= 4.0
    assert trained["confidence"] >= 0.7
