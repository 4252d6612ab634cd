"""`keras_gan_zoo.pixels`: the model range [-1, 1] and the unit range [0, 1]."""

import numpy as np
from keras import ops

from keras_gan_zoo import pixels


def test_the_two_conversions_are_inverse_and_clip_to_the_unit_range():
    uint8 = np.array([[0, 51, 255]], np.uint8)
    model = pixels.to_model_range(uint8)
    assert ops.convert_to_numpy(model).dtype == np.float32
    np.testing.assert_allclose(model, [[-1.0, -0.6, 1.0]], atol=1e-6)
    np.testing.assert_allclose(pixels.to_unit_range(model), [[0.0, 0.2, 1.0]], atol=1e-6)
    np.testing.assert_allclose(pixels.to_model_range(np.array([0.0, 0.25, 1.0]), maximum=1),
                               [-1.0, -0.5, 1.0])
    # Outside [-1, 1] (an unbounded generator output): clipped, float32 whatever the input.
    unit = pixels.to_unit_range(np.array([-3.0, 0.0, 2.0], np.float64))
    assert ops.convert_to_numpy(unit).dtype == np.float32
    np.testing.assert_allclose(unit, [0.0, 0.5, 1.0])


def test_the_conversions_run_in_a_tf_data_pipeline_on_any_backend():
    # tf.data is the input pipeline on both backends: its graph runs TensorFlow ops only.
    import tensorflow as tf

    uint8 = np.array([[0, 51, 255]], np.uint8)
    dataset = tf.data.Dataset.from_tensors(uint8).map(
        lambda x: (pixels.to_model_range(x), pixels.to_unit_range(pixels.to_model_range(x) * 2.0)))
    model, unit = next(iter(dataset))
    assert model.dtype == unit.dtype == tf.float32
    np.testing.assert_allclose(model.numpy(), [[-1.0, -0.6, 1.0]], atol=1e-6)
    np.testing.assert_allclose(unit.numpy(), [[0.0, 0.0, 1.0]], atol=1e-6)
