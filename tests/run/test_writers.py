"""The run's writers: TensorBoard events read back (no ``tensorboard`` import),
``--eval-every`` with the best checkpoint kept through a continued run, loss curves of each
step's value (no sawtooth), and a ``history.csv`` without empty ``val_*`` columns."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo import engine, metrics
from keras_gan_zoo.run.writers import HistoryCSV, LossPlot, _step_record
from keras_gan_zoo.monitor import Diagnosis
from keras_gan_zoo.step_logs import StepValues
from keras_gan_zoo.run.tensorboard import TensorBoardLog
from tests.cli_capture import run_cli, tiny_gan_args

TINY = {"generator_units": [16], "discriminator_units": [16], "latent_dim": 8, "seed": 0}


class CountingModel(keras.Model):
    """Logs ``value`` = its global step (1, 2, 3, ...) through a `keras.metrics.Mean`, as the
    zoo's entries log their losses: Keras hands callbacks the running mean of the epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.w = keras.Variable(0.0)
        self.tracker = keras.metrics.Mean(name="value")
        self.built = True  # no layers to build (fit on JAX would call it on a batch)

    @property
    def metrics(self):
        return [self.tracker]

    @engine.train_step  # on JAX, the stateless step fit calls
    def train_step(self, data):
        self.optimizer.apply([keras.ops.zeros(())], [self.w])  # one iteration per step
        self.tracker.update_state(keras.ops.cast(self.optimizer.iterations, "float32"))
        return {"value": self.tracker.result()}


def read_events(directory: Path) -> dict[str, list[tuple[int, object]]]:
    """tag -> [(step, value)] of every events file in ``directory``, in order: scalars as
    floats, texts as str, images as (width, height, png bytes)."""
    found = defaultdict(list)
    for path in sorted(directory.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                array = tf.make_ndarray(value.tensor)
                plugin = value.metadata.plugin_data.plugin_name
                if plugin == "scalars":
                    item = float(array)
                elif plugin == "text":
                    item = array.item().decode()
                else:
                    item = (int(array[0]), int(array[1]), array[2])
                found[value.tag].append((event.step, item))
    return found


def test_step_values_undo_keras_running_means():
    recovery = StepValues()
    recovery.start_epoch()
    assert recovery.update(0, {"x": 1.0}) == (1, {"x": 1.0})
    assert recovery.update(2, {"x": 2.0}) == (2, {"x": 2.5})  # steps_per_execution 2: steps 2, 3
    recovery.start_epoch()
    assert recovery.update(0, {"x": 7.0}) == (1, {"x": 7.0}) and recovery.step == 4
    # A loss_curves.jsonl line of an earlier version kept the running means: converted.
    old_line = {"epoch": 0, "batches": {"x": [1.0, 1.5, 2.0]}, "means": {"x": 2.0}}
    assert _step_record(old_line, last_step=0) == ([1, 2, 3], {"x": [1.0, 2.0, 3.0]})


def test_loss_curves_plot_each_step_across_epochs_and_resumes(tmp_path):
    model = CountingModel()
    model.compile(optimizer=keras.optimizers.SGD(0.0), run_eagerly=True)
    data = np.zeros((12, 1), np.float32)
    plot = LossPlot(tmp_path / "loss_curves.png")
    history = keras.callbacks.History()
    running = []
    logger = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: running.append(float(logs["value"])))
    model.fit(data, batch_size=2, epochs=2, verbose=0, callbacks=[plot, logger, history])
    assert running[5:8] == [3.5, 7.0, 7.5]  # what Keras logs: a sawtooth restarting per epoch
    assert plot.steps == list(range(1, 13)) and plot.values["value"] == list(range(1, 13))
    assert plot.epoch_ends == [6, 12] and (tmp_path / "loss_curves.png").is_file()

    resumed = LossPlot(tmp_path / "loss_curves.png")  # a new session continues the run
    model.fit(data, batch_size=2, epochs=3, initial_epoch=2, verbose=0, callbacks=[resumed])
    assert resumed.values["value"] == list(range(1, 19)) and resumed.epoch_ends == [6, 12, 18]
    lines = [json.loads(line) for line in plot.data_path.read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [0, 1, 2]
    assert lines[2]["steps"] == lines[2]["values"]["value"] == list(range(13, 19))


def test_tensorboard_log_writes_each_step_and_each_diagnosis_at_its_step(tmp_path):
    model = CountingModel()
    model.compile(optimizer=keras.optimizers.SGD(0.0), run_eagerly=True)
    monitor = SimpleNamespace(diagnoses=[])  # what TensorBoardLog reads of a TrainingMonitor
    diagnosis = Diagnosis("mode_collapse", 1, 3, "probe diversity 0.01")

    def diagnose(batch, logs):
        if batch == 2 and not monitor.diagnoses:  # at the third step
            monitor.diagnoses.append(diagnosis)

    board = TensorBoardLog(tmp_path, {"config": "    entry: counting"}, monitor=monitor)
    model.fit(np.zeros((12, 1), np.float32), batch_size=2, epochs=2, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=diagnose), board])
    events = read_events(tmp_path)
    assert events["step/value"] == [(step, float(step)) for step in range(1, 13)]
    assert events["epoch/value"] == [(6, 3.5), (12, 9.5)]  # Keras' epoch means
    assert events["diagnoses"] == [(3, diagnosis.line())]
    assert events["config"] == [(0, "    entry: counting")]


def test_history_csv_drops_the_empty_val_columns_of_older_runs(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,d_loss,val_d_loss\n0,1.5,NA\n1,1.25,NA\n")  # keras.callbacks.CSVLogger's
    callback = HistoryCSV(path)
    callback.set_model(CountingModel())
    callback.on_epoch_end(2, {"d_loss": 1.0})
    assert path.read_text() == "epoch,d_loss\n0,1.5\n1,1.25\n2,1.0\n"


def test_train_writes_tensorboard_evaluates_every_n_epochs_and_keeps_the_best(tmp_path):
    output = tmp_path / "run"
    run = zoo.train("gan", epochs=3, batch_size=256, output=output, overrides=TINY, verbose=0,
                    eval_every=2, eval_samples=100, recipe_text="entry: gan\nepochs: 3")
    folder, steps = run.folder, 3 * 6  # 1437 digits in batches of 256: 6 steps per epoch
    with open(folder.history, newline="") as file:
        rows = list(csv.DictReader(file))
    assert not [name for name in rows[0] if name.startswith("val_")]
    fids = [float(row["fid"]) for row in rows]
    assert math.isnan(fids[0]) and fids[1] > 0 and fids[2] > 0  # epochs 2 and 3 (the last)
    assert run.history.history["fid"][1:] == pytest.approx(fids[1:])

    events = read_events(folder.tensorboard)
    for name in ("d_loss", "g_loss", "d_fake"):
        points = events[f"step/{name}"]
        assert [step for step, _ in points] == list(range(1, steps + 1))
        per_epoch = np.reshape([value for _, value in points], (3, 6)).mean(axis=1)
        assert per_epoch == pytest.approx(run.history.history[name], rel=1e-4)
    assert [step for step, _ in events["eval/fid"]] == [12, 18]
    assert [value for _, value in events["eval/fid"]] == pytest.approx(fids[1:])
    images = events["samples"]
    assert [step for step, _ in images] == [6, 12, 18] and images[0][1][2][:4] == b"\x89PNG"
    assert "entry: gan" in events["config"][0][1] and "every: 2" in events["config"][0][1]
    assert events["recipe"][0][1] == "    entry: gan\n    epochs: 3"

    best = json.loads(folder.record.read_text())["best"]
    assert best["epoch"] == 2 + int(np.argmin(fids[1:])) and best["fid"] == min(fids[1:])
    evaluator = metrics.Evaluator(["fid"])  # best.keras is the best epoch's model
    model = keras.models.load_model(folder.best)
    sample_fn, _ = metrics.prepare_entry_evaluation(evaluator, model, 100)
    assert evaluator.evaluate(sample_fn, 100, seed=0)["fid"] == pytest.approx(best["fid"], rel=1e-4)

    # A continued run starts from the best so far: an (impossibly) good record is kept.
    folder.write_record(best={**best, "fid": 1.0})
    kept = folder.best.read_bytes()
    run = zoo.train("gan", epochs=4, batch_size=256, output=output, overrides=TINY, verbose=0,
                    eval_every=2, eval_samples=100)
    assert run.initial_epoch == 3 and run.history.history["fid"][0] > 1.0
    assert json.loads(folder.record.read_text())["best"] == {**best, "fid": 1.0}
    assert folder.best.read_bytes() == kept
    events = read_events(folder.tensorboard)  # the curves go on from step 19
    assert [step for step, _ in events["step/g_loss"]] == list(range(1, 4 * 6 + 1))
    assert json.loads(folder.loss_curves.with_suffix(".jsonl").read_text().splitlines()[-1]
                      )["steps"] == list(range(19, 25))


def test_bad_evaluation_options_are_one_line_before_any_work(tmp_path, monkeypatch):
    def train(*extra):
        return run_cli("train", "gan", "--dataset", "digits", "--epochs", "1", "--output",
                       tmp_path / "run", *tiny_gan_args(), *extra)

    train("--eval-every", "0").assert_user_error("eval_every", "at least 1")
    train("--eval-metrics", "kid").assert_user_error("--eval-metrics", "--eval-every N")
    train("--eval-every", "two").assert_user_error("--eval-every", "'two'")
    train("--eval-every", "1", "--eval-metrics", "fdi").assert_user_error("fdi", "fid")
    train("--eval-every", "1", "--eval-extractor", "vgg").assert_user_error("vgg", "digits")
    train("--eval-every", "1", "--inception-weights", tmp_path / "none.h5").assert_user_error(
        "none.h5", "does not exist", "--eval-extractor digits")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))  # no cached weights, offline:

    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    train("--eval-every", "1", "--set", "image_shape=[32,32,3]").assert_user_error(
        "InceptionV3", "download failed", "--inception-weights", "--eval-extractor digits")
    run_cli("train", "pix2pix", "--dataset", "digits+edges", "--eval-every", "1",
            "--eval-extractor", "digits", "--output", tmp_path / "run"
            ).assert_user_error("held-out pairs of the offline digits")
    assert not (tmp_path / "run").exists()


def test_continuing_with_other_eval_samples_starts_a_new_best_with_a_warning(tmp_path):
    output = tmp_path / "run"
    zoo.train("gan", epochs=1, batch_size=256, output=output, overrides=TINY, verbose=0,
              eval_every=1, eval_samples=100)
    record = json.loads((output / "run.json").read_text())
    assert record["best"]["num_samples"] == 100
    record["best"]["fid"] = 0.0  # unbeatable: only a new best lets epoch 2 into best.keras
    (output / "run.json").write_text(json.dumps(record))
    with pytest.warns(UserWarning, match=r"best\.keras.*100 samples.*200"):
        zoo.train("gan", epochs=2, batch_size=256, output=output, overrides=TINY, verbose=0,
                  eval_every=1, eval_samples=200)
    best = json.loads((output / "run.json").read_text())["best"]
    assert best["epoch"] == 2 and best["num_samples"] == 200 and best["fid"] > 0
