"""`keras_gan_zoo.callbacks.LinearDecay`: constant, then linear towards 0, from each
optimizer's own initial rate."""

import keras
import numpy as np

import keras_gan_zoo as zoo
from keras_gan_zoo.callbacks import LinearDecay


def test_linear_decay_scales_each_optimizers_own_initial_rate():
    model = zoo.build("gan", generator_units=[8], discriminator_units=[8], latent_dim=4, seed=0)
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(4e-4))
    decay = LinearDecay(constant_fraction=0.5)
    decay.set_model(model)
    decay.set_params({"epochs": 4, "steps": 1, "verbose": 0})
    decay.on_train_begin()
    rates = []
    for epoch in range(4):
        decay.on_epoch_begin(epoch)
        rates.append([float(model.g_optimizer.learning_rate), float(model.d_optimizer.learning_rate)])
    factors = [1.0, 1.0, 2 / 3, 1 / 3]  # 2 constant epochs, then linear towards 0
    np.testing.assert_allclose(rates, [[1e-3 * f, 4e-4 * f] for f in factors], rtol=1e-5)
