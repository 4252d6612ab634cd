"""The console script, end to end (in-process: `main(argv)`)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan_zoo.cli import main, parse_overrides
from tests.cli_capture import run_cli, tiny_gan_args
from tests.metrics.test_callback import tiny_dcgan


def test_parse_overrides_reads_yaml_values():
    assert parse_overrides(["latent_dim=64", "image_shape=[32,32,3]", "seed=null", "d_steps=2"]) == {
        "latent_dim": 64, "image_shape": [32, 32, 3], "seed": None, "d_steps": 2}
    with pytest.raises(ValueError, match="key=value"):
        parse_overrides(["latent_dim"])


def test_list_prints_every_entry_with_its_paper(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dcgan" in out and "arXiv:1511.06434" in out and "gan " in out


def test_train_writes_grids_curves_checkpoint_and_savedmodel_then_sample_and_export(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "dcgan", "--epochs", "2", "--batch-size", "128", "--output", str(out),
                 "--set", "generator_filters=8", "--set", "discriminator_filters=8",
                 "--set", "latent_dim=16"])
    assert code == 0
    for name in ("samples/epoch_001.png", "samples/epoch_002.png", "loss_curves.png",
                 "history.csv", "model.keras", "saved_model/dcgan/1/saved_model.pb"):
        assert (out / name).is_file(), name
    grid = np.asarray(Image.open(out / "samples" / "epoch_002.png"))
    assert grid.ndim == 3 and grid.shape[0] > 8 * 28 and grid.std() > 1  # 8x8 tiles, not blank
    assert (out / "history.csv").read_text().count("\n") == 3  # header + 2 epochs
    served = tf.saved_model.load(str(out / "saved_model" / "dcgan" / "1")).signatures["serving_default"]
    assert served(z=tf.zeros((2, 16)))["images"].shape == (2, 28, 28, 1)

    assert main(["sample", "--checkpoint", str(out / "model.keras"), "--num", "9",
                 "--output", str(tmp_path / "grid.png")]) == 0
    assert Image.open(tmp_path / "grid.png").size[0] > 3 * 28
    assert main(["export", "--checkpoint", str(out / "model.keras"),
                 "--output", str(tmp_path / "exported" / "1")]) == 0
    assert (tmp_path / "exported" / "1" / "saved_model.pb").is_file()
    assert "serving_default" in capsys.readouterr().out


def test_bad_inputs_exit_with_a_message(tmp_path, capsys):
    assert main(["train", "dcgna", "--output", str(tmp_path / "x")]) == 2
    assert "Unknown zoo entry 'dcgna'" in capsys.readouterr().err
    assert main(["train", "dcgan", "--set", "filters=3", "--output", str(tmp_path / "x")]) == 2
    assert "valid keys" in capsys.readouterr().err
    assert main(["train", "dcgan", "--dataset", str(tmp_path / "missing"),
                 "--output", str(tmp_path / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["sample", "--checkpoint", str(tmp_path / "none.keras")]) == 2
    assert "does not exist" in capsys.readouterr().err


#: 531 bytes whose YAML aliases expand to 10**9 strings (the "billion laughs").
LAUGHS = "".join(
    [f'l0: &l0 [{", ".join(["lol"] * 10)}]\n']
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9)])


@pytest.mark.parametrize("kind", ["recipe", "config", "set"])
def test_yaml_aliases_are_refused_in_every_file_the_zoo_reads(tmp_path, kind):
    from tests.cli_capture import run_cli, tiny_gan_args

    # Valid files but for the aliases (harmlessly small): without the refusal they train.
    units = "{generator_units: &units [16], discriminator_units: *units, latent_dim: 8}"
    path = tmp_path / "aliased.yaml"
    if kind == "recipe":
        path.write_text(f"entry: gan\nconfig: {units}\ndata: {{source: digits, split: train}}\n"
                        "batch_size: 256\nschedule: {epochs: 1}\n")
        argv = ["train", "--recipe", path]
    elif kind == "config":
        path.write_text(f"entry: gan\nconfig: {units}\n")
        argv = ["train", path, "--batch-size", "256"]
    else:
        argv = ["train", "gan", *tiny_gan_args(), "--set", "generator_units=[&a 16, *a]"]
    result = run_cli(*argv, "--epochs", "1", "--output", tmp_path / "run")
    result.assert_user_error("alias")
    assert not (tmp_path / "run").exists()


def test_the_billion_laughs_is_refused_at_once():
    import time

    from keras_gan_zoo.yaml_text import load_yaml

    assert len(LAUGHS) < 600
    start = time.monotonic()
    with pytest.raises(ValueError, match="alias"):
        load_yaml(LAUGHS)
    assert time.monotonic() - start < 1


# ------------------------------------------------------------ user errors: one line, exit 2
@pytest.mark.parametrize("argv", [
    ["sample", "--checkpoint", "missing.keras"],
    ["train", "gan", "--set", "latent_dim"],
], ids=["missing-checkpoint", "set-without-value"])
def test_a_user_error_exits_2_in_a_real_shell(tmp_path, argv):
    import subprocess
    import sys

    from tests.cli_capture import child_environment

    result = subprocess.run([sys.executable, "-m", "keras_gan_zoo.cli", *argv], cwd=tmp_path,
                            env=child_environment(), capture_output=True, text=True, timeout=300)
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith(("W0000", "E0000", "I0000", "WARNING: All log"))]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.fixture(scope="module")
def zoo_checkpoint(tmp_path_factory):
    import keras_gan_zoo as zoo

    model = zoo.build("gan", generator_units=[16], discriminator_units=[16], latent_dim=8, seed=0)
    path = tmp_path_factory.mktemp("checkpoint") / "model.keras"
    model.save(path)
    return path


@pytest.mark.parametrize("command", ["sample", "export", "evaluate"])
def test_a_keras_file_that_is_not_a_zoo_entry_is_one_line_and_writes_nothing(tmp_path, command):
    import keras

    from tests.cli_capture import run_cli

    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    plain.save(tmp_path / "plain.keras")
    output = tmp_path / "out" / ("1" if command == "export" else "result")
    result = run_cli(command, "--checkpoint", tmp_path / "plain.keras", "--output", output)
    result.assert_user_error("plain.keras", "Sequential", "keras-gan-zoo train")
    assert not (tmp_path / "out").exists()


def test_sample_caps_the_number_of_samples_before_any_work(zoo_checkpoint, tmp_path):
    from tests.cli_capture import run_cli

    result = run_cli("sample", "--checkpoint", zoo_checkpoint, "--num", "100000",
                     "--output", tmp_path / "grid.png")
    result.assert_user_error("--num", "100000", "4096")
    assert not (tmp_path / "grid.png").exists()


@pytest.mark.parametrize("content", [None, b"not an HDF5 file"], ids=["missing", "corrupt"])
def test_missing_or_corrupt_inception_weights_are_named_by_their_path(zoo_checkpoint, tmp_path,
                                                                       content):
    from tests.cli_capture import run_cli

    weights = tmp_path / "inception.h5"
    if content is not None:
        weights.write_bytes(content)
    result = run_cli("evaluate", "--checkpoint", zoo_checkpoint, "--num-samples", "10",
                     "--metrics", "fid", "--extractor", "inception_v3",
                     "--inception-weights", weights, "--output", tmp_path / "m.json")
    result.assert_user_error(str(weights), "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")


def test_tensorflow_errors_keep_their_meaningful_line():
    from keras_gan_zoo.cli import _user_error

    error = tf.errors.InvalidArgumentError(None, None, (
        "Graph execution error:\n\nDetected at node foo defined at (most recent call last):\n"
        "  File \"x.py\", line 1, in <module>\n\n"
        "indices[3] = 11 is not in [0, 10)\n\t [[{{node embedding/GatherV2}}]] "
        "[Op:__inference_one_step_on_iterator_1234]"))
    message = _user_error(error)
    assert "indices[3] = 11 is not in [0, 10)" in message, message
    assert "\n" not in message and "Graph execution error" not in message, message


def test_a_tensorflow_feature_used_without_tensorflow_is_a_one_line_user_error(monkeypatch):
    import sys

    from keras_gan_zoo.cli import _user_error
    from keras_gan_zoo.tensorflow_import import TensorFlowMissing, require_tensorflow

    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as where it is not installed
    with pytest.raises(TensorFlowMissing) as missing:
        require_tensorflow("keras_gan_zoo.train (keras-gan-zoo train)")
    message = _user_error(missing.value)
    assert message is not None and "\n" not in message, message
    assert message.startswith("TensorFlow is needed for keras_gan_zoo.train") and \
        "pip install tensorflow" in message, message


def test_a_failed_graph_assertion_names_its_message_and_the_values():
    from keras_gan_zoo.cli import tensorflow_reason

    message = ("Graph execution error:\n\nDetected at node assert_less/Assert/Assert defined at "
               "(most recent call last):\n  File \"x.py\", line 6, in <module>\n\n"
               "assertion failed: [dataset labels must be class indices in [0, 10)] [Condition x "
               "< y did not hold element-wise:] [x (data_1:0) = ] [11 11 11...] [y (Const:0) = ] "
               "[10]\n\t [[{{node assert_less/Assert/Assert}}]] [Op:__inference_multi_step_1]")
    assert tensorflow_reason(message) == (
        "dataset labels must be class indices in [0, 10) (got 11 11 11...)")


def test_a_label_beyond_the_cgans_classes_is_named_in_the_error_line():
    import keras_gan_zoo as zoo
    from keras_gan_zoo.cli import _user_error

    model = zoo.build("cgan", generator_filters=8, discriminator_filters=8, seed=0)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    labels = np.full((8,), 11, np.int32)  # a 12-class folder's last class, for 10 classes
    # The check runs inside the compiled step: a graph assertion on TensorFlow, a host
    # callback on JAX (whose error wraps the check's ValueError).
    runtime_error = tf.errors.OpError
    if keras.backend.backend() == "jax":
        import jax

        runtime_error = jax.errors.JaxRuntimeError
    with pytest.raises(runtime_error) as info:
        model.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(8), verbose=0)
    message = _user_error(info.value)
    assert "class indices in [0, 10)" in message and "11" in message, message


def test_evaluate_command_prints_a_table_and_writes_json(tmp_path, capsys):
    from keras_gan_zoo.cli import main

    checkpoint = tmp_path / "model.keras"
    tiny_dcgan().save(checkpoint)
    assert main(["evaluate", "--checkpoint", str(checkpoint), "--num-samples", "400",
                 "--metrics", "fid,kid,is,msssim,pr"]) == 0
    out = capsys.readouterr().out
    for name in ("fid", "kid", "is", "msssim", "precision", "recall"):
        assert f"\n{name} " in out
    report = json.loads((tmp_path / "model.metrics.json").read_text())
    assert report["results"]["num_samples"] == 400
    assert report["protocol"]["reference"] == "digits:train"
    assert report["protocol"]["extractor"] == "digits"
    assert main(["evaluate", "--checkpoint", str(checkpoint), "--metrics", "fid,xyz"]) == 2
    assert "Unknown metric" in capsys.readouterr().err


@pytest.mark.jax_only(reason="what --strategy and --mixed-precision become under KERAS_BACKEND=jax")
@pytest.mark.parametrize("option, words", [
    (("--strategy", "tpu"), ("--strategy tpu", "'jax'", "KERAS_BACKEND=tensorflow", "mirrored")),
    (("--strategy", "multi_worker"), ("--strategy multi_worker", "'jax'", "mirrored")),
    (("--mixed-precision", "float16"), ("JAX", "bfloat16")),
])
def test_train_refuses_what_jax_has_not_in_one_error_line(tmp_path, option, words):
    run = run_cli("train", "gan", *option, "--epochs", "1", "--steps-per-epoch", "2",
                  "--output", tmp_path / "run", *tiny_gan_args())
    err = run.err.splitlines()[-1]
    assert run.code == 2 and err.startswith("error: "), run.err
    assert all(word in err for word in words), err
    assert not (tmp_path / "run" / "model.keras").exists()


@pytest.mark.jax_only(reason="--strategy mirrored as keras.distribution.DataParallel")
def test_train_mirrored_on_jax_trains_data_parallel_over_the_local_devices(tmp_path):
    run = run_cli("train", "gan", "--strategy", "mirrored", "--epochs", "1",
                  "--steps-per-epoch", "2", "--batch-size", "16", "--output", tmp_path / "run",
                  "--no-monitor", *tiny_gan_args())
    assert run.code == 0, run.err
    assert "with 2 replica(s)" in run.out  # tests/conftest.py: two XLA host devices
    assert (tmp_path / "run" / "model.keras").is_file()
