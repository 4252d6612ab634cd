"""`keras_gan_zoo.augment`: DiffAugment's policies (Zhao et al. 2020) against the authors' code."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan_zoo import augment


def uniform(shape, seed, low=0.0, high=1.0):
    return ops.convert_to_tensor(
        np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32))


def compiled(function, shapes):
    """``function`` compiled as a training step is: ``jax.jit`` on JAX (static shapes),
    ``tf.function`` traced for the argument ``shapes`` on TensorFlow (``None``: any size)."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(function)
    import tensorflow as tf

    return tf.function(function, input_signature=[tf.TensorSpec(shape) for shape in shapes])


def test_diff_augment_policies_follow_the_authors_code():
    images = np.zeros((1, 28, 28, 1), np.float32)
    images[0, 10, 12, 0] = 1.0
    # Shift up to int(28 / 8 + 0.5) = 4 pixels: a draw in bin 5 of 9 is +1 (row i <- row i + 1).
    shifted = augment.translation(ops.convert_to_tensor(images),
                                  ops.convert_to_tensor([[5.5 / 9, 2.5 / 9]]))
    assert np.argwhere(ops.convert_to_numpy(shifted)[0, ..., 0]).tolist() == [[9, 14]]
    # Cutout: a 14 x 14 square; the offset draw in bin 14 of 29 starts it at row/column 7.
    ones = ops.ones((1, 28, 28, 1))
    cut = ops.convert_to_numpy(
        augment.cutout(ones, ops.convert_to_tensor([[14.5 / 29, 14.5 / 29]])))[0, ..., 0]
    assert cut.sum() == 28 * 28 - 14 * 14 and cut[7:21, 7:21].sum() == 0
    colour = uniform((2, 4, 4, 3), seed=0, low=-1.0)
    np.testing.assert_allclose(augment.color(colour, ops.full((2, 3), 0.5)), colour, atol=1e-6)
    brighter = augment.color(colour, ops.convert_to_tensor([[1.0, 0.5, 0.5]] * 2))
    np.testing.assert_allclose(brighter, ops.convert_to_numpy(colour) + 0.5, atol=1e-6)


@pytest.mark.parametrize("policies", ["translation,cutout,color", "cutout,color,translation",
                                      "color,translation,cutout"])
def test_diff_augment_applies_the_authors_order_whatever_order_is_named(policies):
    # The authors' policy is color,translation,cutout: colour after cutout would shift
    # the zeroed square (brightness adds to it), which D could then tell apart.
    images = uniform((3, 28, 28, 1), seed=1, low=-1.0)
    draws = uniform((3, augment.num_draws(policies)), seed=2)
    expected = augment.cutout(augment.translation(augment.color(
        images, draws[:, 0:3]), draws[:, 3:5]), draws[:, 5:7])
    np.testing.assert_allclose(augment.diff_augment(images, policies, draws), expected, atol=1e-6)
    draws = ops.convert_to_tensor([[0.9, 0.5, 0.5, 0.5, 0.5, 14.5 / 29, 14.5 / 29]])
    cut = augment.diff_augment(ops.ones((1, 28, 28, 1)), policies, draws)
    assert int(np.sum(ops.convert_to_numpy(cut) == 0.0)) == 14 * 14


def test_diff_augment_compiles_to_the_eager_result():
    # Static image shape, batch unknown on TensorFlow, traced under jax.jit on JAX.
    policies = "color,translation,cutout"
    images = uniform((5, 16, 12, 3), seed=3, low=-1.0)
    draws = uniform((5, augment.num_draws(policies)), seed=4)
    step = compiled(lambda x, u: augment.diff_augment(x, policies, u),
                    [(None, 16, 12, 3), (None, 7)])
    np.testing.assert_allclose(step(images, draws), augment.diff_augment(images, policies, draws),
                               atol=1e-6)


def test_policies_are_parsed_and_counted():
    assert augment.parse_policies(" cutout, color ") == ("cutout", "color")
    assert augment.parse_policies(None) == augment.parse_policies("") == ()
    assert augment.num_draws("color,translation,cutout") == 7 and augment.num_draws(None) == 0
    assert augment.diff_augment("unchanged", None, None) == "unchanged"
    with pytest.raises(ValueError, match="color, translation, cutout"):
        augment.parse_policies("color,zoom")
    with pytest.raises(ValueError, match="at most once"):
        augment.parse_policies(["color", "color"])


def test_instance_noise_stddev_decays_linearly_inside_a_compiled_step():
    stddev = compiled(lambda steps, step: augment.instance_noise_stddev(0.2, steps, step),
                      [(), ()])
    values = [float(stddev(ops.convert_to_tensor(10.0), ops.convert_to_tensor(float(step))))
              for step in (0, 5, 10, 15)]
    np.testing.assert_allclose(values, [0.2, 0.1, 0.0, 0.0], atol=1e-7)
    # steps == 0 as a tensor (a run of unknown length): constant.
    constant = stddev(ops.convert_to_tensor(0.0), ops.convert_to_tensor(7.0))
    assert float(constant) == pytest.approx(0.2)
