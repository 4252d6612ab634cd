"""Bad values get a clear error before any work (`keras_gan_zoo.inputs` and the checks that call
it). Covered: range and type checks of config values (``build`` raises a ValueError naming the
key; the CLI exits 2 with one line naming it, no traceback), CLI user errors that escape ``main``
today (an ``--output`` that is a file or lies below one, a config given by path), image folders
(a corrupt image named, small images upscaled with a warning), pix2pix's paired layouts,
validated inference inputs (``generate`` and the SavedModel signatures) and a truncated
``.keras`` checkpoint.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan_zoo as zoo
from tests.cli_capture import run_cli, tiny_gan_args

TINY = {
    "gan": dict(generator_units=[16], discriminator_units=[16], latent_dim=8),
    "dcgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=8),
}


# ------------------------------------------------------------------- config values
@pytest.mark.parametrize("name, key, value", [
    ("gan", "latent_dim", 0),
    ("gan", "latent_dim", -1),
    ("gan", "latent_dim", 1.7),
    ("gan", "learning_rate", 0.0),
    ("gan", "learning_rate", -1e-3),
    ("gan", "learning_rate", math.inf),
    ("gan", "learning_rate", math.nan),
    ("gan", "beta_1", 1.0),
    ("gan", "beta_1", -0.1),
    ("gan", "beta_2", 1.0),
    ("gan", "d_steps", 2.5),
    ("gan", "generator_units", 256),
    ("gan", "generator_units", [0]),
    ("gan", "discriminator_units", [-4]),
    ("dcgan", "generator_filters", 0),
    ("dcgan", "discriminator_filters", -8),
], ids=lambda value: str(value).replace(" ", ""))
def test_build_rejects_a_bad_value_naming_its_key(name, key, value):
    with pytest.raises(ValueError) as info:
        zoo.build(name, **{**TINY[name], key: value})
    assert key in str(info.value)




@pytest.mark.parametrize("options, key", [
    (["--set", "latent_dim=abc"], "latent_dim"),
    (["--set", "latent_dim=1.7"], "latent_dim"),
    (["--set", "generator_units=256"], "generator_units"),
    (["--set", "learning_rate=-1"], "learning_rate"),
    (["--epochs", "0"], "epochs"),
    (["--steps-per-execution", "0"], "steps"),  # --steps-per-execution or steps_per_execution
], ids=["latent-abc", "latent-fraction", "units-scalar", "lr-negative", "epochs-0", "spe-0"])
def test_cli_rejects_a_bad_value_in_one_line_before_any_work(tmp_path, options, key):
    output = tmp_path / "run"
    result = run_cli("train", "gan", "--epochs", "1", "--output", output, *tiny_gan_args(), *options)
    result.assert_user_error(key)
    assert not output.exists(), "work was done before the error"


# --------------------------------------------------------------------- CLI user errors
def test_output_that_is_a_file_is_one_clear_line(tmp_path):
    taken = tmp_path / "taken.txt"
    taken.write_text("not a folder")
    result = run_cli("train", "gan", "--epochs", "1", "--output", taken, *tiny_gan_args())
    result.assert_user_error("taken.txt")
    assert taken.read_text() == "not a folder"


def test_output_that_cannot_be_created_is_one_clear_line(tmp_path):
    # We run as root, so chmod cannot make a folder unwritable; a path below a file cannot
    # be created by anyone.
    (tmp_path / "taken.txt").write_text("not a folder")
    result = run_cli("train", "gan", "--epochs", "1", "--output", tmp_path / "taken.txt" / "run",
                     *tiny_gan_args())
    result.assert_user_error("taken.txt")


@pytest.fixture
def config_file(tmp_path) -> Path:
    """A tiny GAN config in ``tmp_path/configs/my_gan.yaml``."""
    path = tmp_path / "configs" / "my_gan.yaml"
    path.parent.mkdir()
    path.write_text("entry: gan\nconfig:\n  generator_units: [16]\n"
                    "  discriminator_units: [16]\n  latent_dim: 8\n  seed: 0\n")
    return path


def yaml_named_folders(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_dir() and p.suffix in (".yaml", ".yml")]


def test_config_path_without_output_does_not_collide_with_the_yaml(config_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = config_file.read_text()
    result = run_cli("train", config_file, "--epochs", "1", "--batch-size", "256")
    result.assert_no_traceback()
    assert config_file.read_text() == text
    if result.code == 0:
        assert yaml_named_folders(tmp_path) == []
    else:
        result.assert_user_error()


def test_config_path_does_not_become_the_export_name(config_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("train", "configs/my_gan.yaml", "--epochs", "1", "--batch-size", "256",
                     "--output", "out")
    result.assert_no_traceback()
    if result.code == 0:
        exported = [p.parent.relative_to(tmp_path / "out")
                    for p in (tmp_path / "out").rglob("saved_model.pb")]
        assert exported and not yaml_named_folders(tmp_path / "out"), exported
        assert all("configs" not in p.parts for p in exported), exported
    else:
        result.assert_user_error()


# ----------------------------------------------------------------------- image folders
def write_images(folder: Path, count: int, shape: tuple[int, ...]) -> list[Path]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    paths = [folder / f"{i:02d}.png" for i in range(count)]
    for path in paths:
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(path)
    return paths


def test_image_with_a_valid_header_but_corrupt_content_is_named(tmp_path):
    paths = write_images(tmp_path / "images", 16, (28, 28))
    paths[7].write_bytes(paths[7].read_bytes()[:8] + bytes(200))  # PNG signature, then garbage
    result = run_cli("train", "gan", "--dataset", tmp_path / "images", "--epochs", "1",
                     "--batch-size", "4", "--output", tmp_path / "run", *tiny_gan_args())
    result.assert_no_traceback()
    assert result.code == 2, result.err
    assert paths[7].name in result.err, result.err


def test_an_image_too_large_to_decode_quickly_is_refused_from_its_header(tmp_path):
    import time

    write_images(tmp_path / "images", 3, (28, 28))
    Image.new("1", (12000, 12000)).save(tmp_path / "images" / "huge.png")  # small file, 144 Mpixels
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        zoo.data.load(tmp_path / "images", image_size=32, batch_size=2)
    assert time.perf_counter() - start < 10  # the header says it; nothing is decoded
    message = str(info.value)
    for word in ("huge.png", "12000 x 12000", "downscale"):
        assert word in message, (word, message)


def test_upscaling_much_smaller_images_warns_once_with_the_sizes(tmp_path, caplog, capsys):
    write_images(tmp_path / "small", 4, (8, 8))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = zoo.data.load(tmp_path / "small", image_size=64, batch_size=2)
        for _ in range(2):  # two epochs: still one warning
            for _ in dataset:
                pass
    messages = ([str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
                + capsys.readouterr().err.splitlines())
    about_sizes = [m for m in messages if re.search(r"\b8\b", m) and re.search(r"\b64\b", m)]
    assert len(about_sizes) == 1, messages


def test_paired_loader_rejects_square_images_showing_both_layouts(tmp_path):
    write_images(tmp_path / "square", 4, (32, 32, 3))
    with pytest.raises(Exception) as info:
        next(iter(zoo.data.load_paired(tmp_path / "square", image_size=32, channels=3)))
    message = str(info.value)
    assert re.search(r"side.by.side", message, re.I), message
    assert "A/" in message and "B/" in message, message


# -------------------------------------------------------------------- inference inputs
@pytest.fixture(scope="module")
def gan():
    return zoo.build("gan", seed=0, **TINY["gan"])


@pytest.fixture(scope="module")
def gan_signature(gan, tmp_path_factory):
    path = tmp_path_factory.mktemp("gan_export") / "1"
    gan.export(str(path), verbose=False)
    return tf.saved_model.load(str(path)).signatures["serving_default"]


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_generate_rejects_non_finite_z_naming_it(gan, value):
    with pytest.raises(ValueError, match=r"\bz\b"):
        gan.generate(z=np.full((2, 8), value, np.float32))


@pytest.mark.parametrize("request_", [dict(num_samples=2.5), dict(z=np.zeros((0, 8), np.float32))],
                         ids=["fractional", "zero-rows"])
def test_generate_rejects_a_fractional_or_empty_request(gan, request_):
    with pytest.raises(ValueError):
        gan.generate(**request_)


def test_savedmodel_rejects_non_finite_z_naming_it(gan_signature):
    with pytest.raises(Exception) as info:
        gan_signature(z=tf.fill((2, 8), math.nan))
    message = str(info.value)
    assert re.search(r"\bz\b", message) and re.search(r"finite|nan", message, re.I), message


def test_savedmodel_rejects_a_wrong_z_width_naming_it(gan_signature):
    with pytest.raises(Exception) as info:
        gan_signature(z=tf.zeros((2, 9)))
    message = str(info.value)
    assert re.search(r"\bz\b", message) and "8" in message, message


def test_pix2pix_savedmodel_rejects_images_outside_the_unit_range(tmp_path):
    model = zoo.build("pix2pix", image_shape=[32, 32, 1], generator_filters=4,
                      discriminator_filters=4, seed=0)
    model.export(str(tmp_path / "1"), verbose=False)
    signature = tf.saved_model.load(str(tmp_path / "1")).signatures["serving_default"]
    with pytest.raises(Exception) as info:
        signature(image=tf.fill((1, 32, 32, 1), 255.0))
    message = str(info.value)
    assert re.search(r"\bimage\b", message) and re.search(r"\[0, ?1\]|range", message), message


# ---------------------------------------------------------------- truncated checkpoint
@pytest.mark.parametrize("command", ["sample", "export"])
def test_truncated_keras_file_is_called_unreadable_not_missing(gan, tmp_path, command):
    checkpoint = tmp_path / "model.keras"
    gan.save(checkpoint)
    checkpoint.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
    output = tmp_path / ("grid.png" if command == "sample" else "exported/1")
    result = run_cli(command, "--checkpoint", checkpoint, "--output", output)
    result.assert_user_error("model.keras")
    assert "not found" not in result.err.lower(), result.err
    assert re.search(r"readable|corrupt|truncated|not a valid", result.err, re.I), result.err


# ------------------------------------------------------------ training images' range
def _digits_in(low: float, high: float, dtype: str = "float32") -> np.ndarray:
    images = np.asarray(next(iter(zoo.data.load("digits", batch_size=16)))[0])
    return ((images + 1.0) / 2.0 * (high - low) + low).astype(dtype)


@pytest.mark.parametrize("low, high, dtype, seen", [
    (0, 255, "uint8", "255"), (0, 255, "float32", "255"), (0, 1, "float32", "1"),
], ids=["uint8-0-255", "float-0-255", "float-0-1"])
@pytest.mark.parametrize("form", ["dataset", "array"])
def test_fit_refuses_images_outside_the_model_range_naming_the_range_and_the_fix(
        low, high, dtype, seen, form):
    model = zoo.build("gan", **TINY["gan"], seed=0)
    model.compile()
    images = _digits_in(low, high, dtype)
    data = tf.data.Dataset.from_tensor_slices(images).batch(8) if form == "dataset" else images
    before = [np.array(w) for w in model.generator.get_weights() + model.discriminator.get_weights()]
    # Arrays are checked before fit starts (ValueError); a dataset as its first batch is read
    # (peeking beforehand would advance its shuffle and change the run).
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)) as info:
        model.fit(data, epochs=1, verbose=0, batch_size=None if form == "dataset" else 8)
    message = str(info.value)
    for word in ("[-1, 1]", "to_model_range(x)", "to_model_range(x, maximum=1)",
                 "check_input_range=False"):
        assert word in message, (word, message)
    assert f"got {dtype} in" in message, message
    assert re.search(rf"\b{seen}\b", message.split("got")[-1]), message  # the maximum seen
    after = model.generator.get_weights() + model.discriminator.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))  # refused before any update


def test_fit_range_check_leaves_a_shuffled_datasets_order_alone():
    from keras_gan_zoo import inputs

    def first_pass(dataset):
        return [float(np.asarray(batch).sum()) for batch in dataset]

    data = zoo.data.load("digits", batch_size=256, seed=3, with_labels=False)
    checked = inputs.check_training_images(data, "GAN")
    reference = first_pass(zoo.data.load("digits", batch_size=256, seed=3, with_labels=False))
    assert first_pass(checked) == pytest.approx(reference)
    # Reading a batch beforehand (a peek) would have moved the shuffle on: the order differs.
    peeked = zoo.data.load("digits", batch_size=256, seed=3, with_labels=False)
    next(iter(peeked))
    assert first_pass(peeked) != pytest.approx(reference)


def test_fit_range_check_passes_model_range_labels_and_can_be_turned_off():
    cgan = zoo.build("cgan", generator_filters=8, discriminator_filters=8, seed=0)
    cgan.compile()
    cgan.fit(cgan.load_dataset("digits", batch_size=16).take(1), epochs=1, verbose=0)
    model = zoo.build("gan", **TINY["gan"], seed=0)
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(_digits_in(0, 255)).batch(8)
    model.fit(data, epochs=1, verbose=0, check_input_range=False)
    assert model.g_optimizer.iterations.numpy() == 2


def test_a_shape_mismatch_suggests_the_entry_name_not_the_keras_layer_name():
    for _ in range(3):  # Keras names the later models dcgan_1, dcgan_2, ...
        model = zoo.build("dcgan", **TINY["dcgan"], seed=0)
    model.compile()
    assert model.name != "dcgan"
    data = tf.data.Dataset.from_tensor_slices(np.zeros((4, 32, 32, 3), np.float32)).batch(2)
    with pytest.raises(ValueError) as info:
        model.fit(data, epochs=1, verbose=0, check_input_range=False)
    assert "build('dcgan', image_shape=[H, W, C])" in str(info.value), str(info.value)


def test_unreadable_keras_file_message_names_the_file_the_cause_and_the_fix():
    from keras_gan_zoo.inputs import unreadable_keras_file

    assert str(unreadable_keras_file("checkpoint a.keras", OSError("cut\n short"), fix="retrain")) == (
        "checkpoint a.keras is not a readable Keras file (truncated or corrupt; OSError: cut "
        "short); retrain.")
    assert str(unreadable_keras_file("b.weights.h5", KeyError("x"), other_model=True)) == (
        "b.weights.h5 is not a readable Keras file of this model (truncated, corrupt or of "
        "another model; KeyError: 'x').")
