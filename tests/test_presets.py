"""Presets: the shipped ones re-measured, making/loading round trips, every bad input as one
clear line that changes nothing, downloads from a real local HTTP server, and a
non-editable install that samples a preset from another directory."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gan_zoo as zoo
from keras_gan_zoo import presets
from keras_gan_zoo.cli import main
from keras_gan_zoo.metrics.figures import recipe_figure
from keras_gan_zoo.presets import PresetError
from tests.cli_capture import run_cli

ROOT = Path(__file__).resolve().parent.parent
SMALL = dict(generator_filters=8, discriminator_filters=8, latent_dim=16, seed=0)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes: to show that a refusal changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def rehash(preset: Path) -> None:
    """Make ``metadata.json``'s SHA-256 match the preset's (edited) files again."""
    metadata = json.loads((preset / "metadata.json").read_text())
    for name in metadata["files"]:
        metadata["files"][name]["sha256"] = presets.sha256_of(preset / name)
    (preset / "metadata.json").write_text(json.dumps(metadata))


def edit_config(preset: Path, edit) -> None:
    """Apply ``edit`` to the preset's ``config.json`` (a dict, changed in place), then rehash."""
    config = json.loads((preset / "config.json").read_text())
    edit(config)
    (preset / "config.json").write_text(json.dumps(config))
    rehash(preset)


def trained_small_dcgan(steps: int = 2):
    """A small DCGAN after a few training steps (weights and optimizer state not initial)."""
    model = zoo.build("dcgan", **SMALL)
    model.compile()
    model.fit(zoo.data.load("digits", batch_size=16, seed=0), epochs=1, steps_per_epoch=steps,
              verbose=0)
    return model


@pytest.fixture(scope="module")
def small_presets(tmp_path_factory):
    """A small DCGAN and its presets: sampling-only (float16) and fine-tunable with the
    optimizers' state (float32)."""
    folder = tmp_path_factory.mktemp("presets")
    model = trained_small_dcgan()
    figure = {"metric": "FID", "value": 1.0, "extractor": "digits", "num_samples": 10, "seed": 0}
    sampling = presets.write_preset(model, folder / "sampling", figure=figure)
    tunable = presets.write_preset(model, folder / "tunable", fine_tunable=True,
                                   optimizer_state=True, figure=figure)
    return model, sampling, tunable


def copy_of(preset: Path, tmp_path: Path) -> Path:
    target = tmp_path / preset.name
    shutil.copytree(preset, target)
    return target


# ---------------------------------------------------------------- the shipped presets
def test_one_preset_per_digits_recipe_is_shipped():
    digits = sorted(name for name in zoo.available_recipes() if name.endswith("_digits"))
    assert zoo.available_presets() == digits
    for name in digits:
        preset = presets.read_preset(presets.preset_dir() / name)
        assert preset.config["recipe"]["name"] == name
        assert preset.metadata["figure"]["value"] > 0
        assert set(preset.metadata["versions"]) >= {"keras_gan_zoo", "keras", "tensorflow"}


@pytest.mark.parametrize("name", zoo.available_presets())
def test_shipped_preset_remeasures_its_recorded_figure_within_5_percent(name):
    preset = presets.resolve_preset(name)
    recorded = preset.metadata["figure"]
    model = zoo.from_preset(name, fine_tune=False)
    options = {key: recorded[key] for key in ("num_samples", "extractor", "seed")
               if recorded.get(key) is not None}
    measured = recipe_figure(model, **options)
    assert measured["metric"] == recorded["metric"]
    assert measured["value"] == pytest.approx(recorded["value"], rel=0.05), (name, measured)


def test_fine_tunable_shipped_preset_loads_compiled_with_its_discriminator():
    model = zoo.from_preset("dcgan_digits")
    assert model.compiled and model.preset.fine_tunable
    assert np.std(model.discriminator.get_weights()[0]) > 0


# ---------------------------------------------------------------- round trips
def test_save_load_round_trip_gives_equal_outputs_and_state(small_presets):
    model, sampling, tunable = small_presets
    expected = model.generate(8, seed=3)
    loaded = zoo.from_preset(tunable)
    np.testing.assert_array_equal(loaded.generate(8, seed=3), expected)
    for a, b in zip(loaded.discriminator.get_weights(), model.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations) == 2
    for a, b in zip(loaded.g_optimizer.variables, model.g_optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    half = zoo.from_preset(sampling)  # float16 weights: equal to float16's precision
    assert not half.compiled
    np.testing.assert_allclose(half.generate(8, seed=3), expected, atol=2e-2)
    assert json.loads((sampling / "metadata.json").read_text())["weights_dtype"] == "float16"


def test_preset_save_from_a_run_then_fine_tune_records_where_it_started(tmp_path):
    run = tmp_path / "run"
    zoo.train("dcgan", dataset="digits", epochs=1, steps_per_epoch=2, batch_size=16,
              overrides=SMALL, output=run, monitor=False, tensorboard=False, verbose=0)
    cli = run_cli(*["preset", "save", str(run), str(tmp_path / "mine"), "--fine-tunable"])
    assert cli.code == 0, cli.err
    preset = presets.read_preset(tmp_path / "mine")
    assert preset.metadata["figure"]["metric"] == "FID" and preset.fine_tunable
    assert preset.config["trained_on"] == {"source": "digits", "split": "train"}
    trained = keras.models.load_model(run / "model.keras")  # what the preset was made from
    np.testing.assert_array_equal(zoo.from_preset(tmp_path / "mine").generate(4, seed=1),
                                  trained.generate(4, seed=1))

    tuned = tmp_path / "tuned"
    cli = run_cli(*["train", "--from-preset", str(tmp_path / "mine"), "--dataset", "digits",
                   "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "16",
                   "--output", str(tuned), "--no-monitor", "--no-tensorboard"])
    assert cli.code == 0, cli.err
    record = json.loads((tuned / "run.json").read_text())
    assert record["from_preset"]["preset"] == "mine"
    assert record["from_preset"]["given"] == str((tmp_path / "mine").resolve())
    assert record["config"] == preset.config["config"] and record["dataset"] == "digits"


def test_fine_tune_starts_from_the_preset_weights(small_presets, tmp_path):
    model, _, tunable = small_presets
    run = zoo.train(from_preset=tunable, dataset="digits", epochs=1, steps_per_epoch=1,
                    batch_size=16, output=tmp_path / "run", monitor=False, tensorboard=False,
                    verbose=0)
    # One step from the preset's weights: close to them, far from a fresh initialisation.
    before, after = model.generator.get_weights()[0], run.model.generator.get_weights()[0]
    fresh = zoo.build("dcgan", **{**SMALL, "seed": 7}).generator.get_weights()[0]
    assert np.abs(after - before).mean() < 0.1 * np.abs(fresh - before).mean()


# ---------------------------------------------------------------- bad input: one clear line
def test_unknown_name_suggests_the_closest():
    with pytest.raises(PresetError, match=r"Unknown preset 'dcgan_digts'\. Did you mean 'dcgan_digits'"):
        zoo.from_preset("dcgan_digts")
    cli = run_cli(*["sample", "--preset", "cgan_digit"])
    assert cli.code == 2 and cli.raised is None
    assert cli.err_lines == [cli.err_lines[0]] and "Did you mean 'cgan_digits'" in cli.err


def test_a_directory_that_is_not_a_preset_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(PresetError, match="not a preset: it has no config.json"):
        zoo.from_preset(tmp_path)
    with pytest.raises(PresetError, match="not a directory"):
        zoo.from_preset(tmp_path / "missing" / "preset")


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "hash"])
def test_damaged_weights_are_refused_and_nothing_changes(small_presets, tmp_path, damage):
    preset = copy_of(small_presets[1], tmp_path)
    weights = preset / presets.GENERATOR_FILE
    data = weights.read_bytes()
    if damage == "truncated":
        weights.write_bytes(data[: len(data) // 2])
    elif damage == "corrupt":
        weights.write_bytes(data[:100] + bytes(200) + data[300:])
    else:  # the file is intact but metadata.json says otherwise
        metadata = json.loads((preset / "metadata.json").read_text())
        metadata["files"][presets.GENERATOR_FILE]["sha256"] = "0" * 64
        (preset / "metadata.json").write_text(json.dumps(metadata))
    before = snapshot(preset)
    with pytest.raises(PresetError, match="does not match its SHA-256") as error:
        zoo.from_preset(preset)
    assert presets.sha256_of(weights) in str(error.value)
    cli = run_cli(*["sample", "--preset", str(preset), "--output", str(tmp_path / "s.png")])
    assert cli.code == 2 and cli.raised is None and len(cli.err_lines) == 1
    assert snapshot(preset) == before and not (tmp_path / "s.png").exists()


def test_unreadable_weights_with_a_matching_hash_are_named(small_presets, tmp_path):
    preset = copy_of(small_presets[1], tmp_path)
    (preset / presets.GENERATOR_FILE).write_bytes(b"not hdf5 at all")
    rehash(preset)
    with pytest.raises(PresetError, match="generator.weights.h5 is not a readable weights file"):
        zoo.from_preset(preset)


def test_a_preset_of_an_entry_this_zoo_does_not_know(small_presets, tmp_path):
    preset = copy_of(small_presets[1], tmp_path)
    edit_config(preset, lambda config: config.update(entry="stylegan9"))
    with pytest.raises(PresetError, match="entry 'stylegan9' is not in this keras-gan-zoo"):
        zoo.from_preset(preset)


def test_a_preset_from_a_newer_zoo_with_unknown_keys(small_presets, tmp_path):
    preset = copy_of(small_presets[1], tmp_path)
    edit_config(preset, lambda config: config["config"].update(hyper_attention=True))
    with pytest.raises(PresetError, match=r"does not know: \['hyper_attention'\].*newer version"):
        zoo.from_preset(preset)
    metadata = json.loads((preset / "metadata.json").read_text())
    metadata["license"] = "CC-BY"
    (preset / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(PresetError, match=r"metadata.json has keys .* \['license'\]"):
        zoo.from_preset(preset)


def test_fine_tuning_a_sampling_only_preset_is_refused(small_presets, tmp_path):
    sampling = small_presets[1]
    with pytest.raises(PresetError, match="sampling only .* cannot be fine-tuned"):
        zoo.from_preset(sampling, fine_tune=True)
    cli = run_cli(*["train", "--from-preset", str(sampling), "--dataset", "digits",
                   "--output", str(tmp_path / "run")])
    assert cli.code == 2 and cli.raised is None and "cannot be fine-tuned" in cli.err
    assert not (tmp_path / "run").exists()


def test_a_discriminator_of_another_architecture_is_a_clear_error(small_presets, tmp_path):
    preset = copy_of(small_presets[2], tmp_path)
    other = zoo.build("dcgan", **{**SMALL, "discriminator_filters": 16})
    presets.write_variables(preset / presets.DISCRIMINATOR_FILE,
                            presets.network_variables(presets.other_networks(other)))
    rehash(preset)
    with pytest.raises(PresetError, match="discriminator.weights.h5: .* has shape .* remake it"):
        zoo.from_preset(preset)
    sampled = zoo.from_preset(preset, fine_tune=False)  # the generator alone still loads
    np.testing.assert_array_equal(sampled.generate(2, seed=0), small_presets[0].generate(2, seed=0))
    cli = run_cli(*["train", "--from-preset", str(preset), "--dataset", "digits",
                   "--output", str(tmp_path / "run"), "--no-monitor", "--no-tensorboard"])
    assert cli.code == 2 and cli.raised is None and "discriminator" in cli.err


def test_saving_over_an_existing_folder_is_refused(small_presets, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(PresetError, match="not an empty folder"):
        presets.write_preset(small_presets[0], tmp_path / "taken")
    assert snapshot(tmp_path / "taken") == {"file": b"x"}


# ---------------------------------------------------------------- URLs, a real local server
class _Server:
    """http.server on 127.0.0.1 serving ``files`` (name -> bytes); ``short`` names are sent
    with a Content-Length larger than their body (a connection cut mid-download)."""

    def __init__(self, files: dict[str, bytes], short: tuple[str, ...] = ()) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                name = self.path.lstrip("/")
                server.requests.append(name)
                body = files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if name in short else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def tar_gz(preset: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        bundle.add(preset, arcname=preset.name)
    return buffer.getvalue()


@pytest.fixture()
def served(small_presets, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_ZOO_HOME", str(tmp_path / "home"))
    archive = tar_gz(small_presets[1])
    server = _Server({"good.tar.gz": archive, "cut.tar.gz": archive}, short=("cut.tar.gz",))
    yield server, hashlib.sha256(archive).hexdigest()
    server.close()


def test_download_is_checked_cached_and_fetched_once(served, small_presets):
    server, digest = served
    url = f"{server.url}/good.tar.gz#sha256={digest}"
    model = zoo.from_preset(url)
    np.testing.assert_allclose(model.generate(2, seed=0), small_presets[0].generate(2, seed=0),
                               atol=2e-2)
    cached = presets.cache_dir() / f"good-{digest[:16]}"
    assert (cached / "config.json").is_file()
    zoo.from_preset(f"{server.url}/good.tar.gz", sha256=digest)
    assert server.requests == ["good.tar.gz"]  # downloaded once
    assert [p.name for p in presets.cache_dir().iterdir()] == [cached.name]


def test_a_wrong_hash_is_refused_with_both_hashes_and_nothing_cached(served):
    server, digest = served
    url = f"{server.url}/good.tar.gz"
    with pytest.raises(PresetError) as error:
        zoo.from_preset(f"{url}#sha256={'a' * 64}")
    message = str(error.value)
    assert url in message and digest in message and "a" * 64 in message
    assert list(presets.cache_dir().iterdir()) == []
    cli = run_cli(*["sample", "--preset", f"{url}#sha256={'a' * 64}"])
    assert cli.code == 2 and cli.raised is None and len(cli.err_lines) == 1


def test_a_truncated_download_is_refused_and_nothing_cached(served):
    server, digest = served
    url = f"{server.url}/cut.tar.gz"
    with pytest.raises(PresetError, match="truncated") as error:
        zoo.from_preset(f"{url}#sha256={digest}")
    assert url in str(error.value) and digest in str(error.value)
    assert list(presets.cache_dir().iterdir()) == []


def test_urls_need_https_or_loopback_and_a_sha256():
    with pytest.raises(PresetError, match="only https://"):
        zoo.from_preset(f"http://example.com/p.tar.gz#sha256={'a' * 64}")
    with pytest.raises(PresetError, match="give the archive's SHA-256"):
        zoo.from_preset("https://example.com/p.tar.gz")


# ---------------------------------------------------------------- the CLI with presets
def test_list_presets_prints_each_with_its_figure_and_size(capsys):
    assert main(["list", "--presets"]) == 0
    out = capsys.readouterr().out
    for name in zoo.available_presets():
        assert name in out
    assert "FID" in out and "held-out L1" in out and "MB" in out and "fine-tunable" in out
    assert out.rstrip().splitlines()[-1].startswith(f"{len(zoo.available_presets())} presets, ")


def test_sample_with_the_entries_own_options(tmp_path):
    def grid(args, name):
        assert main(["sample", *args, "--output", str(tmp_path / name)]) == 0
        return np.asarray(Image.open(tmp_path / name))

    assert grid(["--preset", "dcgan_digits"], "dcgan.png").std() > 1
    labels = grid(["--preset", "cgan_digits", "--labels", "0,1,2", "--num", "4"], "cgan.png")
    assert labels.shape[0] < labels.shape[1]  # 3 rows of 4
    grid(["--preset", "infogan_digits", "--categorical", "3,4", "--continuous", "0.5,-0.5"],
         "infogan.png")
    grid(["--preset", "cyclegan_digits", "--direction", "b_to_a", "--num", "3"], "cyclegan.png")
    digit = (np.asarray(Image.open(tmp_path / "dcgan.png").convert("L"))[:40, :40])
    Image.fromarray(digit).save(tmp_path / "input.png")
    grid(["--preset", "pix2pix_digits", "--inputs", str(tmp_path / "input.png")], "pix2pix.png")
    cli = run_cli(*["sample", "--preset", "dcgan_digits", "--labels", "1"])
    assert cli.code == 2 and "--labels is for CGAN, not DCGAN" in cli.err


def test_evaluate_export_and_compare_take_presets(tmp_path, capsys):
    assert main(["evaluate", "--preset", "gan_digits", "--metrics", "fid", "--num-samples", "200",
                 "--output", str(tmp_path / "gan.json")]) == 0
    assert json.loads((tmp_path / "gan.json").read_text())["preset"] == "gan_digits"
    assert main(["export", "--preset", "cgan_digits", "--output", str(tmp_path / "sm" / "1")]) == 0
    assert (tmp_path / "sm" / "1" / "saved_model.pb").is_file()
    assert main(["compare", "dcgan_digits", "ebgan_digits",
                 "--output", str(tmp_path / "compare.png")]) == 0
    assert Image.open(tmp_path / "compare.png").size[0] > 500


# ---------------------------------------------------------------- package data
@pytest.mark.slow
def test_a_plain_install_samples_a_preset_from_another_directory(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    source = tmp_path / "source"  # a copy: the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "runs", "saved_models", "docs", "__pycache__"))
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", str(source)], check=True, cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import keras_gan_zoo; print(keras_gan_zoo.__file__)"],
                           check=True, cwd=elsewhere, env=env, capture_output=True, text=True)
    assert str(venv) in where.stdout  # the installed copy, not a checkout
    done = subprocess.run([str(venv / "bin" / "keras-gan-zoo"), "sample", "--preset",
                           "dcgan_digits"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert np.asarray(Image.open(elsewhere / "samples.png")).std() > 1
