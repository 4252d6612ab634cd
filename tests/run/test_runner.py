"""`keras_gan_zoo.train`, the Python side of `keras-gan-zoo train`."""

import keras
import pytest

import keras_gan_zoo as zoo


def test_train_returns_the_model_history_and_the_run_folder(tmp_path, capsys):
    run = zoo.train("dcgan", epochs=1, batch_size=256, output=tmp_path / "run",
                    overrides={"generator_filters": 8, "discriminator_filters": 8,
                               "latent_dim": 16},
                    mixed_precision="bfloat16", verbose=0)
    assert capsys.readouterr().out == ""
    assert type(run.model).__name__ == "DCGAN" and run.model.latent_dim == 16
    assert set(run.history.history) >= {"d_loss", "g_loss"}
    folder = run.folder
    assert folder.root == tmp_path / "run" and folder.saved_model == folder.root / "saved_model/dcgan/1"
    for path in (folder.samples / "epoch_001.png", folder.loss_curves, folder.history,
                 folder.checkpoint, folder.saved_model / "saved_model.pb"):
        assert path.is_file(), path
    # The policy is set for the run only.
    assert run.model.generator.layers[1].compute_dtype == "bfloat16"
    assert keras.mixed_precision.dtype_policy().name == "float32"


@pytest.mark.parametrize("overrides", [["latent_dim=8"], "latent_dim=8"], ids=["list", "text"])
def test_train_names_overrides_that_are_not_a_mapping(tmp_path, overrides):
    with pytest.raises(ValueError, match=r"overrides must be a mapping .*latent_dim.*parse_overrides"):
        zoo.train("gan", epochs=1, output=tmp_path / "run", overrides=overrides, verbose=0)
    assert not (tmp_path / "run").exists()
