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
