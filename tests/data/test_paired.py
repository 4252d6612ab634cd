"""`keras_gan_zoo.data.paired` (pix2pix's data): every layout, the odd inputs, the errors."""

import numpy as np
import pytest
from PIL import Image

from keras_gan_zoo.data import digits_arrays
from keras_gan_zoo.data.paired import digits_pairs, load_paired, matching_files
from keras_gan_zoo.data.transforms import edges


def _write(path, size=(20, 12), mode="RGB", color=(200, 0, 0)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)


def _side_by_side(path, left, right, size=(10, 8)):
    """An A|B image: the left half filled with gray value ``left``, the right with ``right``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (2 * size[0], size[1]), (left,) * 3)
    image.paste(Image.new("RGB", size, (right,) * 3), (size[0], 0))
    image.save(path)


def _gray(value):
    return value / 127.5 - 1.0


# ---------------------------------------------------------------- paired: digits
def test_digits_pairs_are_outlines_of_the_held_out_digits():
    inputs, targets = digits_pairs("test", 32, 1)
    digits, _ = digits_arrays("test", 32, 1)
    assert inputs.shape == targets.shape == (360, 32, 32, 1)
    np.testing.assert_array_equal(targets, digits)
    np.testing.assert_allclose(inputs, edges(digits).numpy())  # outlines, as CoupledGAN's
    assert inputs.min() >= -1.0 and inputs.max() <= 1.0
    train_targets = {t.tobytes() for t in digits_pairs("train", 32, 1)[1]}
    assert not any(t.tobytes() in train_targets for t in targets)


def test_load_paired_digits_defaults_to_32px_no_jitter_and_batch_one():
    inputs, targets = next(iter(load_paired(split="test", shuffle=False)))
    assert inputs.shape == targets.shape == (1, 32, 32, 1)
    expected_inputs, expected_targets = digits_pairs("test", 32, 1)
    np.testing.assert_allclose(inputs[0], expected_inputs[0])
    np.testing.assert_allclose(targets[0], expected_targets[0])
    rgb, _ = next(iter(load_paired(image_size=64, channels=3, batch_size=4)))
    assert rgb.shape == (4, 64, 64, 3)


def test_jitter_moves_input_and_target_together_and_is_seeded():
    kwargs = dict(split="test", batch_size=8, shuffle=False, jitter=True, seed=3)
    x, y = next(iter(load_paired(**kwargs)))
    x2, _ = next(iter(load_paired(**kwargs)))
    plain_x, plain_y = next(iter(load_paired(split="test", batch_size=8, shuffle=False)))
    np.testing.assert_allclose(x, x2)  # reproducible from the seed
    assert x.shape == y.shape == (8, 32, 32, 1)
    assert np.abs(x.numpy() - plain_x.numpy()).max() > 0.1  # jittered
    # The same crop and flip for the pair: the target still lies under its own outline,
    # as in the un-jittered pair (correlation of outline and digit stays as high).
    corr = lambda a, b: np.corrcoef(a.numpy().ravel(), b.numpy().ravel())[0, 1]  # noqa: E731
    assert corr(x, y) > 0.8 * corr(plain_x, plain_y)


# -------------------------------------------------------------- paired: folders
def test_side_by_side_folder_splits_halves_with_split_subfolder(tmp_path):
    for i in range(3):
        _side_by_side(tmp_path / "facades" / "train" / f"{i}.jpg", left=20, right=230)
    _side_by_side(tmp_path / "facades" / "val" / "9.png", left=100, right=100)
    x, y = next(iter(load_paired(tmp_path / "facades", image_size=8, batch_size=3,
                                 jitter=False)))
    assert x.shape == y.shape == (3, 8, 8, 3)
    np.testing.assert_allclose(x.numpy(), _gray(20), atol=0.05)
    np.testing.assert_allclose(y.numpy(), _gray(230), atol=0.05)
    x, y = next(iter(load_paired(tmp_path / "facades", image_size=8, direction="b_to_a",
                                 jitter=False)))
    np.testing.assert_allclose(x.numpy(), _gray(230), atol=0.05)  # swapped
    only_val = list(load_paired(tmp_path / "facades", split="val", image_size=8, jitter=False))
    assert len(only_val) == 1 and np.allclose(only_val[0][0], _gray(100), atol=0.05)


def test_side_by_side_jitter_is_on_by_default_for_photos(tmp_path):
    for i in range(2):
        path = tmp_path / f"{i}.png"
        left = np.tile(np.linspace(0, 255, 16, dtype=np.uint8), (16, 1))  # horizontal ramp
        Image.fromarray(np.concatenate([left, left], axis=1)).save(path)
    batches = [next(iter(load_paired(tmp_path, image_size=16, batch_size=2, seed=s)))
               for s in range(4)]
    assert all(np.allclose(x, y) for x, y in batches)  # same jitter for A and B
    assert not all(np.allclose(batches[0][0], x) for x, _ in batches[1:])  # random


def test_two_folders_pair_by_name_with_non_square_grayscale_and_mixed_formats(tmp_path):
    a, b = tmp_path / "A", tmp_path / "B"
    for name, value in (("x", 10), ("y", 120), ("sub/z", 240)):
        _write(a / f"{name}.png", size=(30, 12), mode="L", color=value)  # non-square, gray
        _write(b / f"{name}.jpg", size=(7, 9), color=(value, value, value))
    assert [p[0].split("/")[-1] for p in matching_files(a, b)] == ["z.png", "x.png", "y.png"]
    x, y = next(iter(load_paired(tmp_path, image_size=(8, 12), channels=3, batch_size=3,
                                 shuffle=False, jitter=False)))
    assert x.shape == y.shape == (3, 8, 12, 3)  # gray converted to RGB, resized
    np.testing.assert_allclose(x.numpy().mean(axis=(1, 2, 3)), y.numpy().mean(axis=(1, 2, 3)),
                               atol=0.05)  # the partners are the same gray level
    # An explicit (folder_a, folder_b) pair works the same, and channels=1 converts RGB.
    x1, y1 = next(iter(load_paired((a, b), image_size=8, channels=1, batch_size=3,
                                   shuffle=False, jitter=False)))
    assert x1.shape == y1.shape == (3, 8, 8, 1)


def test_missing_pair_partner_names_the_file(tmp_path):
    for name in ("1", "2", "3"):
        _write(tmp_path / "A" / f"{name}.png")
    for name in ("1", "3"):
        _write(tmp_path / "B" / f"{name}.png")
    with pytest.raises(ValueError, match=r"2\.png.* has no partner in .*B"):
        load_paired(tmp_path)
    _write(tmp_path / "B" / "2.png")
    _write(tmp_path / "B" / "4.png")  # now B has one too many
    with pytest.raises(ValueError, match=r"4\.png.* has no partner in .*A"):
        load_paired(tmp_path)


def test_paired_empty_or_missing_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="contains no images"):
        load_paired(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_paired(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="direction"):
        load_paired(direction="sideways")
