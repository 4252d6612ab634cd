"""The run folder: runs never destroy finished work, and divergence is caught, not exported.

Covered: re-running a finished run (same ``--epochs``: nothing changes; more: it continues;
``--overwrite``: afresh), damaged backups and checkpoints (truncated files, missing or corrupt
``training_metadata.json``, a backup of another config), exports that never overwrite silently
(``export`` into a non-empty folder, the next free version from ``train``), and NaN/Inf losses
(CLI, ``fit``, Keras' ``TerminateOnNaN``).

Every CLI run uses a tiny GAN (``tiny_gan_args``) on the offline digits, in-process through
``keras_gan_zoo.cli.main``; the interrupted run is a real ``train`` process killed with SIGKILL.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import PIL.Image
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo import callbacks as callbacks_module
from keras_gan_zoo.run import folder as run_folder
from tests.cli_capture import child_environment, history_epochs, run_cli, tiny_gan_args
from tests.model_steps import FEW_STEPS_EAGERLY

#: A tiny GAN on the digits: 6 steps per epoch.
TRAIN = ["train", "gan", "--batch-size", "256", *tiny_gan_args()]


def train(output: Path, epochs: int, *extra: str):
    return run_cli(*TRAIN, "--epochs", str(epochs), "--output", output, *extra)


def file_bytes(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path -> content)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def restarts(epochs: list[int]) -> bool:
    """True if the epoch count went back to 0 (a run that silently started again)."""
    return epochs.count(0) > 1


@pytest.fixture(scope="module")
def finished_template(tmp_path_factory) -> Path:
    """A finished one-epoch run of the tiny GAN (copied by `finished_run`)."""
    output = tmp_path_factory.mktemp("finished") / "run"
    result = train(output, 1)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    return output


@pytest.fixture
def finished_run(finished_template, tmp_path) -> Path:
    return Path(shutil.copytree(finished_template, tmp_path / "run"))


def written_epochs(history: Path) -> int:
    """Complete rows of a ``history.csv`` that may be being written (0 if none yet)."""
    text = history.read_text() if history.is_file() else ""
    return max(0, text.count("\n") - 1)


@pytest.fixture(scope="module")
def interrupted_template(tmp_path_factory) -> Path:
    """A run folder as SIGKILL leaves it: ``train --epochs 100`` killed once its history
    holds two epochs (so ``backup/`` holds at least the first one)."""
    output = tmp_path_factory.mktemp("interrupted") / "run"
    argv = [*TRAIN, "--epochs", "100", "--output", str(output)]
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; from keras_gan_zoo.cli import main; sys.exit(main({argv!r}))"],
        env=child_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    try:
        while not written_epochs(output / "history.csv") >= 2:
            assert process.poll() is None, "the training process ended before it could be killed"
            assert time.monotonic() < deadline, "the training process wrote no history in 300 s"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert (output / "backup").is_dir() and any((output / "backup").iterdir())
    return output


@pytest.fixture
def interrupted_run(interrupted_template, tmp_path) -> Path:
    return Path(shutil.copytree(interrupted_template, tmp_path / "run"))


# ------------------------------------------------------------------ re-runs and resume
def test_rerun_of_a_finished_run_says_so_and_changes_nothing(finished_run):
    before = file_bytes(finished_run)
    result = train(finished_run, 1)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    said = (result.out + result.err).replace(str(finished_run), "RUN")
    assert re.search(r"already|finished|complete", said, re.I), said
    assert history_epochs(finished_run) == [0]
    after = file_bytes(finished_run)
    assert after == before, f"changed: {sorted(k for k in after if before.get(k) != after[k])}"


def test_rerun_with_more_epochs_continues_the_run(finished_run):
    steps = int(keras.models.load_model(finished_run / "model.keras").g_optimizer.iterations)
    result = train(finished_run, 3)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert history_epochs(finished_run) == [0, 1, 2]
    continued = keras.models.load_model(finished_run / "model.keras")
    assert int(continued.g_optimizer.iterations) == 3 * steps  # optimizer state continued


def test_overwrite_flag_starts_a_finished_run_afresh(finished_run):
    (finished_run / "samples" / "stale.png").write_bytes(b"from the old run")
    result = train(finished_run, 1, "--overwrite")
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert history_epochs(finished_run) == [0]
    assert not (finished_run / "samples" / "stale.png").exists()


# ------------------------------------------------------------------ damaged checkpoints
def test_truncated_backup_is_named_or_recovered_not_a_traceback(interrupted_run):
    damaged = [p for p in (interrupted_run / "backup").rglob("*") if p.is_file()]
    for path in damaged:  # as a SIGKILL during the write leaves them
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = train(interrupted_run, 4)
    result.assert_no_traceback()
    if result.code != 0:  # an error that names the damaged file
        assert any(p.name in result.err for p in damaged), result.err
    else:  # or a fall back to the last good state: the epoch count goes on
        assert not restarts(history_epochs(interrupted_run)), history_epochs(interrupted_run)


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_damaged_training_metadata_does_not_silently_restart_the_epoch_count(interrupted_run, damage):
    metadata = interrupted_run / "backup" / "training_metadata.json"
    assert metadata.is_file()
    if damage == "missing":
        metadata.unlink()
    else:
        metadata.write_text('{"epoch": ')
    result = train(interrupted_run, 4)
    result.assert_no_traceback()
    if result.code != 0:
        assert "training_metadata.json" in result.err, result.err
    else:
        epochs = history_epochs(interrupted_run)
        assert not restarts(epochs) and epochs[-1] == 3, epochs


def test_truncated_model_keras_is_named_or_recovered(finished_run):
    checkpoint = finished_run / "model.keras"
    checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    result = train(finished_run, 2)
    result.assert_no_traceback()
    if result.code != 0:
        assert "model.keras" in result.err, result.err
    else:
        assert history_epochs(finished_run) == [0, 1]


OTHER_RUNS = {  # the same --output, another entry or another config
    "other-entry": ["train", "dcgan", "--batch-size", "256", "--set", "generator_filters=4",
                    "--set", "discriminator_filters=4", "--set", "latent_dim=8"],
    "other-config": [*TRAIN, "--set", "generator_units=[32]"],
}


@pytest.mark.parametrize("other", sorted(OTHER_RUNS))
def test_backup_of_another_entry_or_config_is_named_with_the_fix(interrupted_run, other):
    result = run_cli(*OTHER_RUNS[other], "--epochs", "4", "--output", interrupted_run)
    result.assert_no_traceback()
    assert result.code == 2, result.err
    assert "backup" in result.err, result.err
    assert "--overwrite" in result.err or "--output" in result.err, result.err


# ----------------------------------------------------------------------------- exports
@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    """Saved ``.keras`` files of two entries with different z widths."""
    folder = tmp_path_factory.mktemp("checkpoints")
    paths = {}
    for name, options in {"gan": dict(generator_units=[8], discriminator_units=[8], latent_dim=8),
                          "dcgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=4)
                          }.items():
        model = zoo.build(name, seed=0, **options)
        model.compile()
        paths[name] = folder / f"{name}.keras"
        model.save(paths[name])
    return paths


def z_width(saved_model: Path) -> int:
    signature = tf.saved_model.load(str(saved_model)).signatures["serving_default"]
    return int(signature.structured_input_signature[1]["z"].shape[1])


def test_export_into_an_existing_savedmodel_refuses_without_overwrite(checkpoints, tmp_path):
    target = tmp_path / "base" / "1"
    first = run_cli("export", "--checkpoint", checkpoints["gan"], "--output", target)
    assert first.code == 0, first.err
    second = run_cli("export", "--checkpoint", checkpoints["dcgan"], "--output", target)
    second.assert_no_traceback()
    assert second.code != 0 and "--overwrite" in second.err, (second.code, second.err)
    assert z_width(target) == 8  # still the GAN's SavedModel


def test_export_overwrite_replaces_the_folder_whole(checkpoints, tmp_path):
    target = tmp_path / "base" / "1"
    assert run_cli("export", "--checkpoint", checkpoints["gan"], "--output", target).code == 0
    (target / "assets" / "left_over.txt").write_text("from the old export")
    result = run_cli("export", "--checkpoint", checkpoints["dcgan"], "--output", target, "--overwrite")
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert not (target / "assets" / "left_over.txt").exists()
    assert z_width(target) == 4


def test_continued_training_exports_the_next_free_version(finished_run):
    versions = finished_run / "saved_model" / "gan"
    first = file_bytes(versions / "1")
    result = train(finished_run, 2)
    assert result.code == 0, result.err
    assert sorted(p.name for p in versions.iterdir()) == ["1", "2"]
    assert file_bytes(versions / "1") == first


# ------------------------------------------------------------------------- divergence
def exported_savedmodels(run_folder: Path) -> list[Path]:
    return sorted(p.parent for p in run_folder.rglob("saved_model.pb"))


def test_cli_stops_a_diverging_run_and_exports_nothing(tmp_path):
    output = tmp_path / "run"
    result = train(output, 2, "--set", "learning_rate=1e30")  # NaN from the first step on
    result.assert_no_traceback()
    assert result.code not in (0, None), "a diverged run exited 0"
    assert re.search(r"nan|inf|finite", result.err, re.I), result.err  # the value,
    assert re.search(r"d_loss|g_loss|d_real|d_fake", result.err), result.err  # its name
    assert re.search(r"step|batch", result.err, re.I), result.err  # and when
    assert exported_savedmodels(output) == []
    if (output / "model.keras").exists():  # the last good checkpoint, if any
        weights = keras.models.load_model(output / "model.keras").get_weights()
        assert all(np.isfinite(w).all() for w in weights)


class BatchLogs(keras.callbacks.Callback):
    """Keeps every batch's logs."""

    def __init__(self) -> None:
        super().__init__()
        self.logs: list[dict[str, float]] = []

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append({k: float(v) for k, v in (logs or {}).items()})


def test_fit_stops_at_the_first_non_finite_logged_value():
    model = zoo.build("gan", generator_units=[16], discriminator_units=[16], latent_dim=8, seed=0,
                      learning_rate=1e30)
    model.compile()
    data = zoo.data.load("digits", batch_size=64, seed=0).take(5)
    recorder = BatchLogs()
    try:
        model.fit(data, epochs=3, verbose=0, callbacks=[recorder])
    except Exception:  # noqa: BLE001  (stopping with an error is one way to stop)
        pass
    bad = [i for i, logs in enumerate(recorder.logs)
           if not all(math.isfinite(v) for v in logs.values())]
    if bad:  # the guard checks every 50 batches and at each epoch end (an epoch: 5 batches)
        end_of_epoch = (bad[0] // 5 + 1) * 5
        after = len(recorder.logs) - end_of_epoch
        assert after <= 0, f"{after} steps ran after the epoch of the first non-finite value"
    else:  # the guard stopped before this callback saw the bad step
        assert len(recorder.logs) < 15


@pytest.mark.parametrize("backup_every", [None, 1])
@pytest.mark.parametrize("check_every", [1, 3])
def test_the_guard_checked_every_n_batches_stops_by_the_next_check_and_backs_up_no_nan(
        tmp_path, check_every, backup_every):
    """A NaN at batch k (NaN images in that batch) stops training by batch ceil(k / N) * N,
    the error names the batches since the last check, and a backup written every batch
    (it asks the guard first) stops it at once: no backup holds the weights of a NaN step."""
    poisoned_batch = 4  # counted from 1

    def poison(index, batch):
        images, labels = batch
        return tf.where(index == poisoned_batch - 1, np.nan, images), labels

    model = zoo.build("gan", generator_units=[16], discriminator_units=[16], latent_dim=8, seed=0)
    model.compile()
    data = zoo.data.load("digits", batch_size=16, seed=0).take(10).enumerate().map(poison)
    recorder = BatchLogs()  # before the guard: it sees the batch the guard stops at
    guard = zoo.callbacks.StopOnNonFinite(check_every=check_every)
    backup = ([zoo.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=backup_every)]
              if backup_every else [])
    with pytest.raises(zoo.callbacks.Diverged) as stopped:
        model.fit(data, epochs=2, verbose=0, check_input_range=False,
                  callbacks=[recorder, guard, *backup])
    assert not all(math.isfinite(v) for v in recorder.logs[poisoned_batch - 1].values())
    stop = poisoned_batch if backup_every else -(-poisoned_batch // check_every) * check_every
    assert len(recorder.logs) == stop, "steps ran past the first check after the NaN"
    first = stop - (stop - 1) % check_every  # the first batch after the last check
    named = f"batch {stop}" if first == stop else f"between batch {first} and {stop}"
    assert named in str(stopped.value), str(stopped.value)
    if backup_every:
        model.load_weights(tmp_path / "backup" / "latest.weights.h5")
        assert all(np.isfinite(w).all() for w in model.get_weights())


TINY_ENTRIES = {
    "gan": dict(generator_units=[8], discriminator_units=[8], latent_dim=4),
    "dcgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=4),
    "cgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=4),
    "infogan": dict(generator_units=[8], generator_filters=4, discriminator_units=[8],
                    discriminator_filters=4, q_units=[8], latent_dim=4),
    "coupledgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=4),
    "ebgan": dict(generator_filters=4, discriminator_filters=4, embedding_dim=4, latent_dim=4),
    "pix2pix": dict(image_shape=[32, 32, 1], generator_filters=4, discriminator_filters=4),
    "cyclegan": dict(image_shape=[32, 32, 1], generator_filters=4, discriminator_filters=4,
                     num_residual_blocks=1),
}


@pytest.mark.parametrize("name", sorted(TINY_ENTRIES))
def test_keras_terminate_on_nan_stops_every_entry(name):
    model = zoo.build(name, seed=0, **TINY_ENTRIES[name])
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)

    def poisoned(array):
        array = np.asarray(array)
        return keras.ops.convert_to_tensor(
            np.full_like(array, np.nan) if array.dtype.kind == "f" else array)

    batch = tf.nest.map_structure(poisoned, model.example_batch(4))
    logs = model.train_on_batch(tuple(batch) if isinstance(batch, list) else batch, return_dict=True)
    assert not all(math.isfinite(float(v)) for v in logs.values())  # the step diverged
    callback = keras.callbacks.TerminateOnNaN()
    callback.set_model(model)
    model.stop_training = False
    callback.on_batch_end(0, logs)
    assert model.stop_training


# ------------------------------------------------------------ what a run folder may remove
@pytest.mark.parametrize("name", ["backup", "samples", "tensorboard", "saved_model"])
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_without_a_run_record_is_refused_and_its_files_kept(tmp_path, name, overwrite):
    project = tmp_path / "project"
    (project / name).mkdir(parents=True)
    (project / name / "mine.txt").write_text("the user's")
    result = train(project, 1, *(["--overwrite"] if overwrite else []))
    result.assert_user_error(name, "run.json")
    assert not re.search(r"--overwrite|delete|remove", result.err, re.I), result.err
    assert (project / name / "mine.txt").read_text() == "the user's"
    assert sorted(p.name for p in project.iterdir()) == [name]


def test_output_dot_with_a_users_backup_folder_is_refused_and_kept(tmp_path, monkeypatch):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "thesis.tex").write_text("years of work")
    monkeypatch.chdir(tmp_path)
    result = run_cli(*TRAIN, "--epochs", "1", "--output", ".", "--overwrite")
    result.assert_user_error("backup")
    assert (tmp_path / "backup" / "thesis.tex").read_text() == "years of work"


def test_overwrite_removes_only_what_the_run_record_says_it_wrote(tmp_path):
    output = tmp_path / "run"
    assert train(output, 1, "--no-tensorboard").code == 0
    (output / "tensorboard").mkdir()  # the user's, made after the run
    (output / "tensorboard" / "mine.txt").write_text("the user's")
    (output / "samples" / "stale.png").write_bytes(b"from the old run")
    result = train(output, 1, "--no-tensorboard", "--overwrite")
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert (output / "tensorboard" / "mine.txt").read_text() == "the user's"
    assert not (output / "samples" / "stale.png").exists()
    assert history_epochs(output) == [0]


def test_export_overwrite_refuses_a_serving_base_path_that_holds_versions(checkpoints, tmp_path):
    base = tmp_path / "base"
    assert run_cli("export", "--checkpoint", checkpoints["gan"], "--output", base / "1").code == 0
    (base / "README.txt").write_text("the user's")
    result = run_cli("export", "--checkpoint", checkpoints["dcgan"], "--output", base, "--overwrite")
    result.assert_user_error(str(base / "2"))
    assert z_width(base / "1") == 8 and (base / "README.txt").read_text() == "the user's"


def test_export_overwrite_refuses_a_folder_that_is_not_a_savedmodel(checkpoints, tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "mine.txt").write_text("the user's")
    result = run_cli("export", "--checkpoint", checkpoints["gan"], "--output", folder, "--overwrite")
    result.assert_user_error("saved_model.pb")
    assert "--overwrite" not in result.err, result.err
    assert sorted(p.name for p in folder.iterdir()) == ["mine.txt"]


# ------------------------------------------------------------------ one run per folder
def start_training(output: Path, epochs: int, until_epochs: int) -> subprocess.Popen:
    """A real ``train`` process on ``output``, returned once its history holds
    ``until_epochs`` epochs."""
    argv = [*TRAIN, "--epochs", str(epochs), "--output", str(output)]
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; from keras_gan_zoo.cli import main; sys.exit(main({argv!r}))"],
        env=child_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not written_epochs(output / "history.csv") >= until_epochs:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the training process wrote no history")
        time.sleep(0.05)
    return process


def test_a_second_train_on_a_folder_in_use_is_refused_naming_the_running_process(tmp_path):
    output = tmp_path / "run"
    first = start_training(output, 1000, 1)
    try:
        second = train(output, 2, "--overwrite")
        continuation = train(output, 2)
        assert first.poll() is None, "the first run ended before the second started"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    for result in (second, continuation):
        result.assert_user_error(f"pid {first.pid}", socket.gethostname(), "since")
    epochs = history_epochs(output)
    assert epochs == list(range(len(epochs))), epochs  # one run's epochs, none twice
    # The killed process' lock is stale (its pid is gone): the next run resumes.
    resumed = train(output, len(epochs) + 1)
    resumed.assert_no_traceback()
    assert resumed.code == 0, resumed.err
    assert history_epochs(output) == list(range(len(epochs) + 1))
    assert not [p.name for p in output.iterdir() if "lock" in p.name]  # released at the end


# ------------------------------------------------------------------ half-done exports
def test_an_export_interrupted_by_ctrl_c_is_finished_by_the_rerun(tmp_path, monkeypatch):
    output = tmp_path / "run"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_folder, "export_saved_model", interrupted)
    assert train(output, 1).code == 130
    monkeypatch.undo()
    assert json.loads((output / "run.json").read_text())["status"] != "finished"
    result = train(output, 1)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert exported_savedmodels(output) == [output / "saved_model" / "gan" / "1"]
    assert json.loads((output / "run.json").read_text())["status"] == "finished"
    assert history_epochs(output) == [0] and not (output / "backup").exists()


def test_a_finished_run_without_its_export_exports_it_on_rerun(finished_run):
    shutil.rmtree(finished_run / "saved_model")  # as a kill during the export left it
    result = train(finished_run, 1)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert exported_savedmodels(finished_run) == [finished_run / "saved_model" / "gan" / "1"]
    assert history_epochs(finished_run) == [0]


# ---------------------------------------------------------------- writes that a kill splits
class FixedFID:
    """An evaluator stand-in that measures ``fid`` every time."""

    metrics = ["fid"]
    extractor = SimpleNamespace(name="digits")  # the run's default for the digits

    def __init__(self, fid: float) -> None:
        self.fid = fid

    def evaluate(self, sample_fn, num_samples, seed=0):
        return {"fid": self.fid, "num_samples": num_samples, "seconds": 0.0}


def test_best_checkpoint_written_without_its_record_is_what_the_continued_run_keeps(tmp_path):
    output, evaluation = tmp_path / "run", ["--eval-every", "1", "--eval-samples", "50"]
    assert train(output, 1, *evaluation).code == 0
    # Epoch 2 wrote best.keras (FID 0.5); a kill came before run.json recorded it.
    callback = zoo.metrics.EvaluationCallback(FixedFID(0.5), 50, best_checkpoint=output / "best.keras")
    callback.set_model(keras.models.load_model(output / "model.keras"))
    callback.on_epoch_end(1, {})
    kept = (output / "best.keras").read_bytes()
    result = train(output, 2, *evaluation)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    best = json.loads((output / "run.json").read_text())["best"]
    assert (best["epoch"], best["fid"]) == (2, 0.5)  # what best.keras holds
    assert (output / "best.keras").read_bytes() == kept


def test_sample_grids_are_written_atomically(tmp_path, monkeypatch):
    model = zoo.build("gan", generator_units=[8], discriminator_units=[8], latent_dim=4, seed=0)
    grid = callbacks_module.SampleGrid(tmp_path)
    grid.set_model(model)
    grid.on_epoch_end(0)
    before = (tmp_path / "epoch_001.png").read_bytes()

    def cut_short(self, path, *args, **kwargs):
        Path(path).write_bytes(before[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(PIL.Image.Image, "save", cut_short)
    with pytest.raises(KeyboardInterrupt):
        grid.on_epoch_end(0)
    assert (tmp_path / "epoch_001.png").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["epoch_001.png"]


def test_health_json_is_written_atomically(tmp_path, monkeypatch):
    from keras_gan_zoo.monitor import Diagnosis, TrainingMonitor

    (tmp_path / "health.json").write_text("[]\n")

    def cut_short(self, text, *args, **kwargs):
        with open(self, "w") as file:
            file.write(text[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", cut_short)
    with pytest.raises(KeyboardInterrupt):
        TrainingMonitor(tmp_path)._append(Diagnosis("mode_collapse", 1, 6, "evidence", "advice"))
    monkeypatch.undo()
    assert json.loads((tmp_path / "health.json").read_text()) == []


# ------------------------------------------------------------ hand-edited or damaged files
def edit_json(path: Path, **changes) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


RECORD_EDITS = {  # a run.json change, the epochs asked for, the names the error must give
    "epochs_done-text": (dict(epochs_done="two"), 3, ["run.json", "epochs_done"]),
    "epochs_done-flag": (dict(epochs_done=True, status="running"), 3, ["run.json", "epochs_done"]),
    "epochs_done-beyond": (dict(epochs_done=100), 5, ["run.json", "epochs_done", "epochs"]),
    "config-text": (dict(config="abc"), 1, ["run.json", "config"]),
    "status": (dict(status="done"), 1, ["run.json", "status"]),
    "best": (dict(best={"epoch": "last"}), 2, ["run.json", "best"]),
}


@pytest.mark.parametrize("case", sorted(RECORD_EDITS))
def test_a_hand_edited_run_record_is_refused_naming_the_field(finished_run, case):
    changes, epochs, names = RECORD_EDITS[case]
    edit_json(finished_run / "run.json", **changes)
    result = train(finished_run, epochs)
    result.assert_user_error(*names)
    assert history_epochs(finished_run) == [0]


@pytest.mark.parametrize("epoch", [True, 50, -1, "1"])
def test_a_hand_edited_backup_epoch_is_named_and_the_run_continues_from_its_checkpoint(
        interrupted_run, epoch):
    edit_json(interrupted_run / "backup" / "training_metadata.json", epoch=epoch)
    epochs = len(history_epochs(interrupted_run)) + 2
    result = train(interrupted_run, epochs)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert re.search(r"warning: .*training_metadata\.json.*epoch", result.err), result.err
    assert "epoch True" not in result.out and "nothing to do" not in result.out
    assert history_epochs(interrupted_run) == list(range(epochs))


@pytest.mark.parametrize("epochs", [1, 2])
def test_a_non_number_in_history_csv_is_refused_naming_the_column(finished_run, epochs):
    history = finished_run / "history.csv"
    rows = history.read_text().splitlines()
    column = rows[0].split(",").index("g_loss")
    cells = rows[1].split(",")
    cells[column] = "abc"
    history.write_text("\n".join([rows[0], ",".join(cells)]) + "\n")
    result = train(finished_run, epochs)
    result.assert_user_error("history.csv", "g_loss", "abc")


def test_a_truncated_last_line_of_loss_curves_jsonl_is_dropped_with_a_warning(finished_run):
    data = finished_run / "loss_curves.jsonl"
    data.write_text(data.read_text() + '{"epoch": 1, "steps": [7, 8')  # a kill mid-line
    result = train(finished_run, 2)
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert re.search(r"warning: .*loss_curves\.jsonl.*line 2", result.err), result.err
    assert [json.loads(line)["epoch"] for line in data.read_text().splitlines()] == [0, 1]


@pytest.mark.parametrize("line, field", [('{"epoch": "zero", "steps": [], "values": {}}', "epoch"),
                                         ('{"epoch": 0, "steps": 3, "values": {}}', "steps"),
                                         ('[1, 2]', "epoch")])
def test_a_hand_edited_line_of_loss_curves_jsonl_is_refused_naming_the_field(finished_run, line, field):
    (finished_run / "loss_curves.jsonl").write_text(line + "\n")
    result = train(finished_run, 2)
    result.assert_user_error("loss_curves.jsonl", "line 1", field)
    assert history_epochs(finished_run) == [0]


@pytest.mark.parametrize("text", ['[{"name": "mode_collapse", "ep', '{"name": "x"}',
                                  '[{"name": 3, "epoch": 1}]'])
def test_a_damaged_health_json_is_refused_before_training(finished_run, text):
    (finished_run / "health.json").write_text(text)
    result = train(finished_run, 2)
    result.assert_user_error("health.json")
    assert history_epochs(finished_run) == [0]
