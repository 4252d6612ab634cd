"""The pictures people read: sample grids (an example per row for image-to-image entries)
and `keras-gan-zoo compare` (runs side by side: loss curves, last samples, diagnoses)."""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

import keras_gan_zoo as zoo
from keras_gan_zoo.callbacks import RunFolder
from keras_gan_zoo.plotting import (GROUP_GAP, PADDING, TITLE_HEIGHT, save_image_grid,
                                    save_loss_curves, save_sample_grid)
from tests.cli_capture import run_cli

SIDE, SCALE = 32, 2  # 32 px tiles are drawn at 64 px (min_tile 56)
TILE = SIDE * SCALE


def picture(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), np.float32) / 255.0


def block(grid: np.ndarray, row: int, left: int) -> np.ndarray:
    """The tile of ``row`` whose left edge is ``left``, back at its size, one channel."""
    top = TITLE_HEIGHT + PADDING + row * (TILE + PADDING)
    return grid[top : top + TILE : SCALE, left : left + TILE : SCALE, :1]


def lefts(columns: int, groups: int = 1) -> list[int]:
    per_group = columns // groups
    return [PADDING + c * (TILE + PADDING) + (c // per_group) * GROUP_GAP for c in range(columns)]


def find(tile: np.ndarray, candidates: np.ndarray) -> int:
    errors = np.abs(candidates - tile).reshape(len(candidates), -1).max(axis=1)
    assert errors.min() < 1.5 / 255, f"tile matches no candidate (closest off by {errors.min()})"
    return int(errors.argmin())


def sample_data(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(-1, 1, (n, SIDE, SIDE, 1)).astype(np.float32) for _ in range(2))


def test_pix2pix_grid_is_one_titled_example_per_row(tmp_path):
    model = zoo.build("pix2pix", image_shape=[SIDE, SIDE, 1], generator_filters=4,
                      discriminator_filters=4, paper_test_mode=False, seed=0)
    inputs, targets = sample_data()
    model.use_sample_data(inputs, targets)
    grid = picture(save_sample_grid(model, tmp_path / "grid.png", num_samples=4, seed=1))

    assert grid.shape == (TITLE_HEIGHT + 4 * (TILE + PADDING) + PADDING,
                          3 * (TILE + PADDING) + PADDING, 3)  # 4 rows of input|output|target
    unit_inputs, unit_targets = (inputs + 1) / 2, (targets + 1) / 2
    outputs = model.translate(unit_inputs)
    shown = []
    for row in range(4):
        x, y, t = (block(grid, row, left) for left in lefts(3))
        i = find(x, unit_inputs)
        assert find(t, unit_targets) == i and find(y, outputs) == i  # one example per row
        shown.append(i)
    assert sorted(shown) == [0, 1, 2, 3]
    strip = grid[:TITLE_HEIGHT]
    assert all(strip[:, left : left + TILE].min() < 0.5 for left in lefts(3))  # titled


def test_cyclegan_grid_rows_show_both_directions(tmp_path):
    model = zoo.build("cyclegan", image_shape=[SIDE, SIDE, 1], generator_filters=4,
                      discriminator_filters=4, num_residual_blocks=1, seed=0)
    images_a, images_b = sample_data()
    model.use_sample_data(images_a, images_b)
    grid = picture(save_sample_grid(model, tmp_path / "grid.png", num_samples=4))

    # 2 rows of a | G(a) | F(G(a)), a gap, b | F(b) | G(F(b)).
    assert grid.shape == (TITLE_HEIGHT + 2 * (TILE + PADDING) + PADDING,
                          6 * (TILE + PADDING) + PADDING + GROUP_GAP, 3)
    unit_a, unit_b = (images_a + 1) / 2, (images_b + 1) / 2
    for row in range(2):
        a, fake_b, _, b, fake_a, _ = (block(grid, row, left) for left in lefts(6, groups=2))
        i, j = find(a, unit_a), find(b, unit_b)
        assert find(fake_b, model.translate(unit_a)) == i
        assert find(fake_a, model.translate(unit_b, "b_to_a")) == j


def test_noise_grids_keep_their_square_layout_without_titles(tmp_path):
    model = zoo.build("dcgan", generator_filters=8, discriminator_filters=8, latent_dim=8)
    grid = picture(save_sample_grid(model, tmp_path / "grid.png"))  # 64 samples, 28 -> 56 px
    assert grid.shape == (8 * 58 + PADDING, 8 * 58 + PADDING, 3)


# ------------------------------------------------------------------ compare
def fake_run(root, shade: float, diagnoses=None, epochs=2) -> RunFolder:
    """A run folder with loss curves, ``epochs`` sample grids (the last one of ``shade``)
    and, unless ``diagnoses`` is None, a health.json."""
    folder = RunFolder(root, "dcgan")
    curve = list(np.linspace(1.0, 0.1, 20))
    save_loss_curves(range(1, 21), {"d_loss": curve, "g_loss": curve[::-1]},
                     folder.loss_curves, epoch_ends=(10, 20))
    for epoch in range(1, epochs + 1):
        tone = shade if epoch == epochs else 1.0 - shade
        save_image_grid(np.full((16, 28, 28, 1), tone), folder.samples / f"epoch_{epoch:03d}.png", 4)
    if diagnoses is not None:
        folder.health.write_text(json.dumps([
            {"name": name, "epoch": epoch, "step": 5, "evidence": "", "advice": ""}
            for name, epoch in diagnoses]))
    return folder


def test_compare_draws_a_column_per_run_with_its_diagnoses(tmp_path):
    failing = fake_run(tmp_path / "failing", 0.0, [("discriminator_wins", 1),
                                                    ("discriminator_wins", 2),
                                                    ("mode_collapse", 3)])
    fixed = fake_run(tmp_path / "fixed", 1.0, [], epochs=12)
    result = run_cli("compare", failing.root, fixed.root, "--labels", "failing, fixed",
                     "--output", tmp_path / "two.png")
    result.assert_no_traceback()
    assert result.code == 0, result.err
    assert "failing: diagnosis: discriminator_wins at epoch 1, mode_collapse at epoch 3" in result.out
    assert "fixed: no diagnosis" in result.out
    two = picture(tmp_path / "two.png")

    unwatched = fake_run(tmp_path / "unwatched", 0.5)
    result = run_cli("compare", failing.root, fixed.root, unwatched.root,
                     "--output", tmp_path / "three.png")
    assert result.code == 0 and "unwatched: not monitored" in result.out
    three = picture(tmp_path / "three.png")
    assert two.shape[1] == 2 * 800 and three.shape[1] == 3 * 800  # a 5-inch column per run
    assert two.shape[0] == three.shape[0]
    # The last grid of each run is below its curves: black tiles left, white tiles right.
    bottom = two[two.shape[0] // 2 :]
    assert bottom[:, :800].mean() < 0.5 < bottom[:, 800:].mean()


def test_latest_samples_is_the_last_epoch_by_number(tmp_path):
    folder = RunFolder(tmp_path, "dcgan")
    folder.samples.mkdir()
    for name in ("epoch_999.png", "epoch_1000.png", "epoch_final.png"):
        (folder.samples / name).touch()
    assert folder.latest_samples().name == "epoch_1000.png"


def run_without_samples(root):
    shutil.rmtree(fake_run(root, 0.0).samples)


@pytest.mark.parametrize("make, missing", [
    (lambda root: None, "does not exist"),
    (lambda root: root.mkdir(), "loss_curves.png"),
    (run_without_samples, "samples/epoch_*.png"),
])
def test_compare_names_what_a_non_run_folder_lacks(tmp_path, make, missing):
    good = fake_run(tmp_path / "good", 0.0, [])
    make(tmp_path / "bad")
    result = run_cli("compare", good.root, tmp_path / "bad", "--output", tmp_path / "x.png")
    result.assert_user_error(str(tmp_path / "bad"), "is not a run folder", missing,
                             "keras-gan-zoo train NAME --output")
    assert not (tmp_path / "x.png").exists()


def test_compare_wants_a_label_per_run(tmp_path):
    good = fake_run(tmp_path / "good", 0.0, [])
    result = run_cli("compare", good.root, good.root, "--labels", "one",
                     "--output", tmp_path / "x.png")
    result.assert_user_error("--labels names 1 run(s) but 2 were given")


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\nxx", b"", b"not a picture"],
                         ids=["truncated", "empty", "text"])
def test_compare_names_a_corrupt_picture_of_a_run(tmp_path, content):
    good = fake_run(tmp_path / "good", 0.0, [])
    bad = fake_run(tmp_path / "bad", 0.0, [])
    bad.loss_curves.write_bytes(content)
    result = run_cli("compare", good.root, bad.root, "--output", tmp_path / "x.png")
    result.assert_user_error(str(bad.loss_curves), "not a readable PNG")
    assert not (tmp_path / "x.png").exists()


def test_compare_output_without_an_extension_is_written_where_it_says(tmp_path):
    good = fake_run(tmp_path / "good", 0.0, [])
    result = run_cli("compare", good.root, "--output", tmp_path / "name")
    assert result.code == 0, result.err
    written = [path for path in tmp_path.iterdir() if path.is_file()]
    assert len(written) == 1 and f"Wrote {written[0]}:" in result.out, (written, result.out)
    picture(written[0])
