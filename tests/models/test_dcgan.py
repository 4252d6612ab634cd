"""Learning, not just running: DCGAN trained on the offline digits for a CI-sized budget."""

import pytest

import keras_gan_zoo as zoo
from tests.conftest import QUALITY_DCGAN


@pytest.mark.slow
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
