"""Paired (pix2pix) and unpaired (CycleGAN) data sources: every layout, the odd inputs, the errors."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan_zoo as zoo
from keras_gan_zoo.data import digits_arrays
from keras_gan_zoo.data.paired import digits_pairs, load_paired, matching_files
from keras_gan_zoo.data.transforms import edges
from keras_gan_zoo.data.unpaired import digits_domains, load_unpaired


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


# ------------------------------------------------------------ unpaired: digits
def test_digits_domains_are_disjoint_digits_and_negatives():
    a, b = digits_domains("test", 32, 1)
    digits, _ = digits_arrays("test", 32, 1)
    np.testing.assert_array_equal(a, digits[0::2])
    np.testing.assert_array_equal(b, -digits[1::2])
    assert a.mean() < -0.3 < 0.3 < b.mean()  # light ink on dark vs dark ink on light
    train_a, _ = digits_domains("train", 32, 1)
    keys = {x.tobytes() for x in train_a}
    assert not any(x.tobytes() in keys for x in a)  # held-out split


def test_load_unpaired_digits_epoch_covers_the_larger_domain():
    dataset = load_unpaired(split="test", batch_size=16, seed=0)
    a, b = next(iter(dataset))
    assert a.shape == b.shape == (16, 32, 32, 1)
    assert int(dataset.cardinality()) == int(np.ceil(180 / 16))
    pairs = [(x, y) for x, y in load_unpaired(split="test", batch_size=1, shuffle=False)]
    assert len(pairs) == 180


# ----------------------------------------------------------- unpaired: folders
def _domain_folder(folder, count, value, size=(12, 12), mode="RGB"):
    for i in range(count):
        color = value if mode == "L" else (value, value, value)
        _write(folder / f"{i}.png", size=size, mode=mode, color=color)


def test_cyclegan_layout_with_unequal_domains_non_square_and_grayscale(tmp_path):
    _domain_folder(tmp_path / "trainA", 3, 30, size=(40, 10), mode="L")
    _domain_folder(tmp_path / "trainB", 5, 220, size=(9, 17))
    _domain_folder(tmp_path / "testA", 1, 30)
    _domain_folder(tmp_path / "testB", 1, 220)
    dataset = load_unpaired(tmp_path, image_size=8, batch_size=1, seed=0)
    pairs = list(dataset)
    assert len(pairs) == 5  # as many as the larger domain; A repeats
    for a, b in pairs:
        assert a.shape == b.shape == (1, 8, 8, 3)  # gray A converted to RGB
        np.testing.assert_allclose(a.numpy(), _gray(30), atol=0.05)
        np.testing.assert_allclose(b.numpy(), _gray(220), atol=0.05)
    assert len(list(load_unpaired(tmp_path, split="test", image_size=8))) == 1
    gray = next(iter(load_unpaired(tmp_path, image_size=(6, 10), channels=1, batch_size=2)))
    assert gray[0].shape == gray[1].shape == (2, 6, 10, 1)


def test_two_explicit_folders_and_errors(tmp_path):
    _domain_folder(tmp_path / "horses", 2, 60)
    _domain_folder(tmp_path / "zebras", 4, 160)
    a, b = next(iter(load_unpaired((tmp_path / "horses", tmp_path / "zebras"), image_size=4,
                                   batch_size=4, jitter=False)))
    assert a.shape == (4, 4, 4, 3)  # the 2 horses, repeated to match the 4 zebras
    with pytest.raises(FileNotFoundError, match="trainA"):
        load_unpaired(tmp_path / "horses")
    (tmp_path / "empty" / "trainA").mkdir(parents=True)
    _domain_folder(tmp_path / "empty" / "trainB", 1, 0)
    with pytest.raises(ValueError, match="contains no images"):
        load_unpaired(tmp_path / "empty")
    with pytest.raises(ValueError, match="cycle_gan"):
        load_unpaired("not_a_cycle_gan_set")


def test_tfds_cycle_gan_mock_with_random_image_shapes():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=3):
        dataset = load_unpaired("cycle_gan/horse2zebra", image_size=(24, 40), batch_size=2,
                                seed=0)
        batches = list(dataset)
    assert len(batches) == 2
    a, b = batches[0]
    assert a.shape == b.shape == (2, 24, 40, 3)
    assert -1.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(b)) <= 1.0


def test_model_load_dataset_matches_its_shapes():
    pix2pix = zoo.build("pix2pix", image_shape=[32, 32, 3], generator_filters=4,
                        discriminator_filters=4)
    x, y = next(iter(pix2pix.load_dataset(batch_size=2)))
    assert x.shape == y.shape == (2, 32, 32, 3)
    cyclegan = zoo.build("cyclegan", image_shape=[32, 32, 1], generator_filters=4,
                         discriminator_filters=4)
    a, b = next(iter(cyclegan.load_dataset(batch_size=2)))
    assert a.shape == b.shape == (2, 32, 32, 1)
