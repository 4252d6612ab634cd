"""`keras_gan_zoo.metrics.callback`: metrics logged to the history and the CSV during `fit`,
and the best checkpoint kept."""

import keras
import numpy as np

import keras_gan_zoo as zoo
from keras_gan_zoo import metrics


def tiny_dcgan():
    return zoo.build("dcgan", generator_filters=8, discriminator_filters=8, latent_dim=16, seed=0)


def test_callback_logs_metrics_to_history_and_csv_and_keeps_the_best_checkpoint(tmp_path):
    model = tiny_dcgan()
    model.compile()
    evaluator = metrics.Evaluator(["fid", "is"], extractor="digits")
    evaluator.set_reference_dataset("digits")
    callback = metrics.EvaluationCallback(evaluator, num_samples=300, every=2,
                                          best_checkpoint=tmp_path / "best.keras", verbose=1)
    history = model.fit(zoo.data.load("digits", batch_size=256, seed=0), epochs=3, verbose=0,
                        callbacks=[callback, keras.callbacks.CSVLogger(str(tmp_path / "h.csv"))])
    fid = history.history["fid"]
    assert np.isnan(fid[0]) and np.isfinite(fid[1]) and np.isfinite(fid[2])  # epochs 2 and 3 (last)
    assert callback.best == min(fid[1:]) and callback.best_epoch in (2, 3)
    assert "fid" in (tmp_path / "h.csv").read_text().splitlines()[0]
    best = keras.models.load_model(tmp_path / "best.keras")
    assert best.generate(2, seed=0).shape == (2, 28, 28, 1)


class Sampler(keras.Model):
    """A stand-in generator with ``generate``, for the callback without an entry's training."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(28 * 28, activation="sigmoid")

    def call(self, z):
        return keras.ops.reshape(self.dense(z), (-1, 28, 28, 1))

    def generate(self, num_samples, seed=0):
        z = np.random.default_rng(seed).normal(size=(num_samples, 8)).astype(np.float32)
        return keras.ops.convert_to_numpy(self(z))


def test_callback_evaluates_due_epochs_and_keeps_the_best_on_the_active_backend(tmp_path):
    model = Sampler()
    model.generate(1)
    evaluator = metrics.Evaluator(["fid", "is"], extractor="digits")
    evaluator.set_reference_dataset("digits", max_images=300)
    callback = metrics.EvaluationCallback(evaluator, num_samples=200, every=2,
                                          best_checkpoint=tmp_path / "best.keras")
    callback.set_model(model)
    callback.set_params({"epochs": 3})
    logs = [{} for _ in range(3)]
    for epoch in range(3):
        callback.on_epoch_end(epoch, logs[epoch])
        if epoch == 1:  # a worse generator at epoch 3: blank images
            model.dense.bias.assign(np.full(28 * 28, -20.0, np.float32))
    assert np.isnan(logs[0]["fid"]) and np.isnan(logs[0]["is"])
    assert np.isfinite(logs[1]["fid"]) and logs[2]["fid"] > logs[1]["fid"]
    assert callback.best == logs[1]["fid"] and callback.best_epoch == 2
    note = zoo.files.checkpoint_note(tmp_path / "best.keras")
    assert note["epoch"] == 2 and note["fid"] == logs[1]["fid"] and note["extractor"] == "digits"
