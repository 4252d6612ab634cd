"""The console script, end to end (in-process: `main(argv)`)."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan_zoo.cli import main, parse_overrides


def test_parse_overrides_reads_yaml_values():
    assert parse_overrides(["latent_dim=64", "image_shape=[32,32,3]", "seed=null", "d_steps=2"]) == {
        "latent_dim": 64, "image_shape": [32, 32, 3], "seed": None, "d_steps": 2}
    with pytest.raises(SystemExit, match="key=value"):
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
    with pytest.raises(SystemExit, match="does not exist"):
        main(["sample", "--checkpoint", str(tmp_path / "none.keras")])


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
