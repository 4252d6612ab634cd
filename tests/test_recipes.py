"""Recipes (`keras_gan_zoo.recipes`): every shipped recipe trains one real step offline (TFDS
mock data, or a generated folder of the archive's layout) with the names, shapes, channels and
batch size it states; bad files are named with the fix; ``train --recipe`` and the first run
(``train dcgan``: the ``dcgan_digits`` recipe)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

import keras_gan_zoo as zoo
from keras_gan_zoo.callbacks import LinearDecay
from tests.cli_capture import run_cli
from tests.model_steps import FEW_STEPS_EAGERLY

tfds = pytest.importorskip("tensorflow_datasets")

#: The papers' setups whose networks at the paper's size take minutes per CPU step (256 px):
#: they are built at that size (shapes checked), and step once at 32 px.
STEP_AT_32_PX = {"pix2pix_facades", "cyclegan_horse2zebra"}
#: Tiny widths for every recipe's one step (its own widths are checked by building it); the
#: step checks data, batch, schedule and losses, not the widths (the full-width DCGAN at 64 px,
#: batch 128, took 46 s of a JAX test's step on 2 CPU cores).
TINY = {"gan": {"generator_units": [16], "discriminator_units": [16]},
        "cgan": {"generator_filters": 4, "discriminator_filters": 4},
        "dcgan": {"generator_filters": 4, "discriminator_filters": 4},
        "infogan": {"generator_units": [16], "discriminator_units": [16], "q_units": [8],
                    "generator_filters": 4, "discriminator_filters": 4},
        "coupledgan": {"generator_filters": 4, "discriminator_filters": 4},
        "ebgan": {"generator_filters": 4, "discriminator_filters": 4, "embedding_dim": 8},
        "pix2pix": {"generator_filters": 4, "discriminator_filters": 4},
        "cyclegan": {"generator_filters": 4, "discriminator_filters": 4}}


def facades_archive(root, count: int = 2):
    """``root/facades/train/<i>.jpg``: side-by-side 256x512 photo|labels, as the public archive."""
    folder = root / "facades" / "train"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for index in range(1, count + 1):
        Image.fromarray(rng.integers(0, 255, (256, 512, 3), dtype=np.uint8)).save(folder / f"{index}.jpg")
    return root / "facades"


def generator_shapes(model) -> tuple[tuple, tuple]:
    """(input shape, output shape) of the entry's generator, batch dimension dropped."""
    generator = getattr(model, "generator", None) or model.generator_ab
    inputs = generator.input_shape if not isinstance(generator.input_shape, list) else generator.input_shape[0]
    return tuple(inputs[1:]), tuple(generator.output_shape[1:])


def image_batch(batch):
    """The first image tensor of a dataset element (images, (images, labels), pairs)."""
    return batch[0] if isinstance(batch, tuple) else batch


@pytest.mark.parametrize("name", zoo.available_recipes())
def test_every_recipe_trains_one_step_with_its_shapes_and_batch(name, tmp_path, monkeypatch):
    recipe = zoo.load_recipe(name)
    height, width, channels = recipe.image_shape
    model = recipe.build()  # at the recipe's own size and widths
    noise_in, images_out = generator_shapes(model)
    assert images_out[-3:] == (height, width, channels) or images_out == (height, width, 2 * channels)
    if recipe.entry in ("pix2pix", "cyclegan"):
        assert noise_in == (height, width, channels)
    step = dict(TINY[recipe.entry])
    if name in STEP_AT_32_PX:
        step["image_shape"] = [32, 32, channels]
    monkeypatch.chdir(tmp_path)
    if name == "pix2pix_facades":
        facades_archive(tmp_path)
    halves = 2 if "+" in recipe.source else 1  # two domains: disjoint halves of the source
    with tfds.testing.mock_data(num_examples=halves * recipe.batch_size):
        model = recipe.build(**step)
        model.compile()
        model.run_eagerly = FEW_STEPS_EAGERLY
        dataset = recipe.load_data(model, seed=0)
        batch = next(iter(dataset))
        images = image_batch(batch)
        assert images.shape[0] == recipe.batch_size, name
        assert images.shape[-1] == channels and images.dtype.name == "float32"
        assert -1.0 <= float(np.min(images)) <= float(np.max(images)) <= 1.0
        if recipe.entry == "cgan":
            assert batch[1].shape == (recipe.batch_size,)  # labels come with the images
        fit_kwargs = recipe.fit_kwargs(model)
        history = model.fit(dataset.take(1), epochs=1, callbacks=fit_kwargs["callbacks"], verbose=0)
    logs = {key: values[-1] for key, values in history.history.items()}
    assert logs and all(np.isfinite(value) for value in logs.values()), logs


def test_list_recipes_prints_every_recipe_with_entry_dataset_size_schedule_and_paper():
    result = run_cli("list", "--recipes")
    result.assert_no_traceback()
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split()[:4] == ["name", "entry", "dataset", "image"]
    for name in zoo.available_recipes():
        row = next(line for line in lines if line.startswith(name + " "))
        recipe = zoo.load_recipe(name)
        assert recipe.entry in row and recipe.source in row and recipe.schedule_text() in row
        assert "x".join(map(str, recipe.image_shape)) in row
    assert "225 ± 2" in result.out and "cycle_gan/horse2zebra" in result.out
    assert {f"{entry}_digits" for entry in zoo.available()} <= set(zoo.available_recipes())


def test_recipe_schedules_steps_and_replaces_the_entrys_learning_rate_schedule():
    pix2pix = zoo.load_recipe("pix2pix_digits")
    assert (pix2pix.epochs, pix2pix.steps_per_epoch) == (4, 100)
    model = pix2pix.build(**TINY["pix2pix"])
    assert pix2pix.fit_kwargs(model)["steps_per_epoch"] == 100
    assert pix2pix.load_data(model).cardinality().numpy() == -1  # repeated (infinite)
    horses = zoo.load_recipe("cyclegan_horse2zebra")
    decays = [c for c in horses.fit_kwargs(horses.build(image_shape=[32, 32, 3], **TINY["cyclegan"]))
              ["callbacks"] if isinstance(c, LinearDecay)]
    assert len(decays) == 1 and decays[0].constant_fraction == 0.5
    facades = zoo.load_recipe("pix2pix_facades")  # the entry has no schedule: the recipe adds it
    assert facades.data["direction"] == "b_to_a" and facades.learning_rate_schedule
    assert zoo.load_recipe("dcgan_digits").evaluation_arguments() == {
        "eval_metrics": ["fid"], "eval_extractor": "digits", "eval_every": 5, "eval_samples": 2000}


BAD_RECIPES = {  # file text -> words the error names
    "entry: dcgan\nconfig: {}\ndata: {source: digits}\nbatch_size: 64\nschedule: {epochs: 1}\n"
    "epoch: 3\n": ["unknown key(s) ['epoch']", "schedule"],
    "entry: dcgna\nconfig: {}\ndata: {source: digits}\nbatch_size: 64\nschedule: {epochs: 1}\n":
        ["Unknown zoo entry 'dcgna'", "Did you mean 'dcgan'"],
    "entry: dcgan\nconfig: {filters: 3}\ndata: {source: digits}\nbatch_size: 64\n"
    "schedule: {epochs: 1}\n": ["does not take ['filters']", "generator_filters"],
    "entry: dcgan\nconfig: {latent_dim: 0}\ndata: {source: digits}\nbatch_size: 64\n"
    "schedule: {epochs: 1}\n": ["latent_dim must be"],
    "entry: dcgan\nconfig: {}\ndata: {source: digits}\nbatch_size: 64\n"
    "schedule: {epochs: 1, steps: 5}\n": ["either 'epochs' or 'steps'"],
    "entry: dcgan\nconfig: {}\ndata: {source: digits, image_size: 32}\nbatch_size: 64\n"
    "schedule: {epochs: 1}\n": ["image_shape"],
    "entry: dcgan\nconfig: {}\ndata: {source: digits}\nbatch_size: 0\nschedule: {epochs: 1}\n":
        ["batch_size must be a whole number"],
    "entry: dcgan\nconfig: {}\ndata: {source: digits}\nbatch_size: 8\nschedule: {epochs: 1}\n"
    "evaluation: {metrics: [fdi]}\n": ["unknown ['fdi']", "fid"],
    "entry: dcgan\nconfig: {}\nbatch_size: 8\nschedule: {epochs: 1}\n": ["needs the key(s) ['data']"],
}


@pytest.mark.parametrize("text", BAD_RECIPES, ids=range(len(BAD_RECIPES)))
def test_a_bad_recipe_names_its_file_the_key_and_the_fix(text, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        zoo.load_recipe(path)
    for words in (str(path), *BAD_RECIPES[text]):
        assert words in str(error.value), str(error.value)


def test_unknown_recipe_name_suggests_the_close_one_and_the_cli_says_so_in_one_line(tmp_path):
    with pytest.raises(ValueError, match="Did you mean 'dcgan_digits'"):
        zoo.load_recipe("dcgan_digit")
    run_cli("train", "--recipe", "dcgan_digit", "--output", tmp_path / "x").assert_user_error(
        "Unknown recipe 'dcgan_digit'", "list --recipes")
    run_cli("train", "gan", "--recipe", "dcgan_digits", "--output", tmp_path / "x").assert_user_error(
        "trains 'dcgan', not 'gan'")
    run_cli("train", "--epochs", "1").assert_user_error("--recipe NAME")


TINY_DCGAN = ["--set", "generator_filters=4", "--set", "discriminator_filters=4",
              "--set", "latent_dim=8"]


def test_first_run_trains_the_digits_recipe_and_says_how_to_get_the_paper_config(tmp_path):
    result = run_cli("train", "dcgan", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size",
                     "256", "--eval-samples", "64", *TINY_DCGAN, "--output", tmp_path / "first")
    result.assert_no_traceback()
    assert result.code == 0, result.err
    first = result.out.splitlines()[0]
    assert "recipe dcgan_digits" in first and "--dataset digits" in first, first
    record = json.loads((tmp_path / "first" / "run.json").read_text())
    assert record["config"]["r1_penalty"] == 1.0 and record["config"]["instance_noise"] == 0.1
    assert record["config"]["generator_filters"] == 4  # --set goes over the recipe
    assert (tmp_path / "first" / "saved_model" / "dcgan" / "1" / "saved_model.pb").is_file()
    assert "steps" in zoo.load_recipe("dcgan_digits").schedule  # --steps-per-epoch 2 replaced 184
    history = (tmp_path / "first" / "history.csv").read_text().splitlines()
    assert "fid" in history[0].split(","), history[0]  # the recipe's evaluation ran (at the end)
    assert (tmp_path / "first" / "best.keras").is_file()

    paper = run_cli("train", "dcgan", "--dataset", "digits", "--epochs", "1", "--batch-size",
                    "256", *TINY_DCGAN, "--output", tmp_path / "paper")
    assert paper.code == 0, paper.err
    assert "recipe" not in paper.out.splitlines()[0]
    config = json.loads((tmp_path / "paper" / "run.json").read_text())["config"]
    assert config["r1_penalty"] is None and config["instance_noise"] is None


def test_python_train_takes_a_recipe_a_copied_file_and_defaults_like_the_cli(tmp_path, capsys):
    mine = tmp_path / "my_gan.yaml"
    shutil.copy(zoo.load_recipe("gan_digits").path, mine)
    text = mine.read_text().replace("epochs: 60", "epochs: 1")
    mine.write_text("\n".join(line for line in text.splitlines() if not line.startswith("evaluation")))
    run = zoo.train(recipe=mine, batch_size=512, overrides=TINY["gan"], output=tmp_path / "mine",
                    verbose=0)
    assert run.folder.name == "my_gan" and len(run.history.history["g_loss"]) == 1
    assert run.model.generator.output_shape == (None, 28, 28, 1)
    assert capsys.readouterr().out == ""
    default = zoo.train("gan", epochs=1, batch_size=512, overrides=TINY["gan"], eval_samples=64,
                        output=tmp_path / "default", verbose=2)
    assert capsys.readouterr().out.startswith("Training recipe gan_digits")
    assert default.folder.name == "gan"


def test_a_plain_entry_run_is_a_recipe_of_the_entrys_own_config(tmp_path):
    from keras_gan_zoo.run.plan import make_plan

    plan = make_plan("gan", dataset="digits", overrides={"latent_dim": 8}, output=tmp_path)
    recipe = plan.recipe
    assert (recipe.entry, recipe.base, recipe.file_name, recipe.text()) == ("gan", "gan", None, None)
    assert (recipe.source, recipe.split, recipe.batch_size, plan.epochs) == ("digits", "train", None, 5)
    assert recipe.schedule_callbacks(recipe.build()) == []  # the entry's own (GAN has none)
    assert recipe.build().latent_dim == 8
    # A recipe file: the options given replace its parts, once.
    plan = make_plan(recipe="gan_digits", split="test", batch_size=16, epochs=2, output=tmp_path)
    assert (plan.recipe.file_name, plan.recipe.split, plan.recipe.batch_size, plan.epochs) == (
        "gan_digits", "test", 16, 2)
    assert plan.recipe_text == plan.recipe.path.read_text() and plan.name == "gan_digits"


@pytest.mark.parametrize("metrics", ["fid, kid", "fid,kid", ["fid", " KID"]])
def test_recipe_metrics_are_read_like_the_cli_eval_metrics(metrics, tmp_path):
    """``"fid, kid"`` is accepted by a recipe as by ``--eval-metrics`` (one parser)."""
    from keras_gan_zoo.metrics import parse_metrics

    path = tmp_path / "mine.yaml"
    path.write_text("entry: dcgan\nconfig: {}\ndata: {source: digits}\nbatch_size: 8\n"
                    f"schedule: {{epochs: 1}}\nevaluation: {{metrics: {json.dumps(metrics)}}}\n")
    recipe = zoo.load_recipe(path)
    assert recipe.evaluation["metrics"] == list(parse_metrics(metrics)) == ["fid", "kid"]


def test_the_linear_decay_of_a_recipe_has_the_key_of_cyclegans_config(tmp_path):
    """One name for the constant-then-linear schedule: ``constant_lr_fraction``."""
    path = tmp_path / "mine.yaml"
    head = "entry: cyclegan\nconfig: {}\ndata: {source: digits}\nbatch_size: 1\nschedule: {epochs: 4}\n"
    path.write_text(head + "learning_rate_schedule: {name: linear_decay, constant_lr_fraction: 0.25}\n")
    recipe = zoo.load_recipe(path)
    model = recipe.build(image_shape=[32, 32, 1], **TINY["cyclegan"])
    assert "constant_lr_fraction" in model.get_config()
    decays = [c for c in recipe.schedule_callbacks(model) if isinstance(c, LinearDecay)]
    assert [d.constant_fraction for d in decays] == [0.25]
    path.write_text(head + "learning_rate_schedule: {name: linear_decay, constant_fraction: 0.25}\n")
    with pytest.raises(ValueError, match="constant_fraction is now constant_lr_fraction"):
        zoo.load_recipe(path)
    path.write_text(head + "learning_rate_schedule: {name: linear_decay, constant_lr_fraction: 2}\n")
    with pytest.raises(ValueError, match=r"learning_rate_schedule\.constant_lr_fraction must be "
                                         r"a number in \[0, 1\], got 2"):
        zoo.load_recipe(path)
