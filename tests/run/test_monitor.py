"""`keras_gan_zoo.train` with the training monitor: on by default, ``stop_on`` fails the run
(no checkpoint of the failed epoch, no export), and a continued run's loss curves cover it all."""

import json

import numpy as np
import pytest

import keras_gan_zoo as zoo
from keras_gan_zoo.callbacks import RunFolder, TrainingFailed
from keras_gan_zoo.data import digits_arrays
from keras_gan_zoo.runner import run_callbacks
from tests.cli_capture import run_cli, tiny_gan_args

TINY = {"generator_units": [16], "discriminator_units": [16], "latent_dim": 8, "seed": 0}


def test_monitor_is_on_by_default_and_a_continued_run_plots_every_epoch(tmp_path):
    run = zoo.train("gan", epochs=1, batch_size=256, output=tmp_path / "run", overrides=TINY,
                    verbose=0)
    assert json.loads(run.folder.health.read_text()) == [] and run.exported.name == "1"
    run = zoo.train("gan", epochs=2, batch_size=256, output=tmp_path / "run", overrides=TINY,
                    verbose=0)
    assert run.initial_epoch == 1 and run.exported.name == "2"
    lines = (tmp_path / "run" / "loss_curves.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [0, 1]
    quiet = zoo.train("gan", epochs=1, batch_size=256, output=tmp_path / "quiet", overrides=TINY,
                      monitor=False, verbose=0)
    assert not quiet.folder.health.exists()


def test_a_stop_on_diagnosis_fails_the_run_and_keeps_the_last_good_epoch(tmp_path):
    model = zoo.build("gan", **TINY)
    model.compile()
    folder = RunFolder(tmp_path / "run", "gan")
    watch = zoo.TrainingMonitor(folder.root, reference=(digits_arrays("train")[0][:200] + 1) / 2,
                                stop_on=["mode_collapse"],
                                thresholds={"diversity_ratio": 10.0, "diversity_warmup_steps": 0,
                                            "diversity_patience_steps": 6},
                                verbose=0)
    data = zoo.data.load("digits", batch_size=256, seed=0)
    with pytest.raises(TrainingFailed, match="mode_collapse"):  # named at the 2nd epoch's end
        model.fit(data, epochs=4, verbose=0, callbacks=run_callbacks(model, folder, monitor=watch))
    assert [d["name"] for d in json.loads(folder.health.read_text())] == ["mode_collapse"]
    assert folder.read_record()["epochs_done"] == 1  # epoch 2 was not checkpointed
    assert json.loads((folder.backup / "training_metadata.json").read_text())["epoch"] == 1
    assert not folder.saved_models.exists()
    restored = zoo.build("gan", **TINY)
    restored.compile()
    restored.load_weights(folder.checkpoint)
    assert all(np.isfinite(w).all() for w in restored.get_weights())


def test_an_unknown_stop_on_name_is_one_line_before_any_work(tmp_path):
    result = run_cli("train", "gan", "--epochs", "1", "--output", tmp_path / "run",
                     "--stop-on", "mode_colapse", *tiny_gan_args())
    result.assert_user_error("mode_colapse", "mode_collapse")
    assert not (tmp_path / "run").exists()


def test_stop_on_without_the_monitor_is_refused_before_any_work(tmp_path):
    """``--stop-on`` needs the monitor that names the diagnoses: with ``--no-monitor`` it would
    be silently ignored and a failing run exported."""
    result = run_cli("train", "gan", "--epochs", "1", "--output", tmp_path / "run",
                     "--stop-on", "mode_collapse", "--no-monitor", *tiny_gan_args())
    result.assert_user_error("--stop-on", "--no-monitor")
    assert not (tmp_path / "run").exists()
    with pytest.raises(ValueError, match="stop_on needs the monitor"):
        zoo.train("gan", epochs=1, batch_size=256, output=tmp_path / "api", overrides=TINY,
                  monitor=False, stop_on="mode_collapse", verbose=0)
    assert not (tmp_path / "api").exists()
