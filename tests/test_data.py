"""Tests for course.data: digits splits, the MNIST loaders (real files and offline fallback) and
ImageFolder. Files are small ones written here in the real formats; the network is never used.
"""

import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from course import data


def test_load_digits_splits_have_agreed_sizes_shapes_and_dtypes():
    """Are the three splits 1257/270/270 of (1, 8, 8) float32 in [0, 1] with int64 labels?"""
    for split, size in [("train", 1257), ("val", 270), ("test", 270)]:
        X, y = data.load_digits(split)
        assert X.shape == (size, 1, 8, 8) and X.dtype == torch.float32
        assert y.shape == (size,) and y.dtype == torch.int64
        assert 0.0 <= X.min() and X.max() <= 1.0
        assert set(y.tolist()) == set(range(10))


def test_load_digits_splits_are_disjoint_and_cover_everything():
    """Together do the splits hold each of the 1797 images exactly once?"""
    from sklearn.datasets import load_digits

    rows = torch.cat([data.load_digits(s)[0].flatten(1) for s in ("train", "val", "test")])
    assert len(torch.unique(rows, dim=0)) == len(np.unique(load_digits().data / 16.0, axis=0))
    assert rows.shape[0] == 1797


def test_load_digits_is_fixed_and_safe_to_modify():
    """Is the split pinned (same first labels everywhere) and are returned tensors copies?"""
    X, y = data.load_digits("train")
    assert y[:10].tolist() == [2, 8, 2, 6, 6, 7, 1, 9, 8, 5]
    X.zero_()
    assert data.load_digits("train")[0].sum() > 0


def test_load_digits_rejects_unknown_split():
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_digits("validation")


def test_digits_dataset_items_and_transform():
    """Does DigitsDataset give (x (1, 8, 8), y int64) and apply the transform to x?"""
    dataset = data.DigitsDataset("test")
    x, y = dataset[3]
    assert len(dataset) == 270 and x.shape == (1, 8, 8) and y.dtype == torch.int64
    doubled = data.DigitsDataset("test", transform=lambda t: 2 * t)
    assert torch.equal(doubled[3][0], 2 * x)
    X, y_batch = next(iter(DataLoader(dataset, batch_size=32)))
    assert X.shape == (32, 1, 8, 8) and y_batch.dtype == torch.int64


def test_data_dir_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.delenv("COURSE_DATA")
    assert data.data_dir().name == "data"


def _write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array in the IDX format MNIST ships in (big-endian header, then bytes)."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def _write_fake_mnist(root: Path, folder: str, n_train: int = 12, n_test: int = 5) -> None:
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in [("train", n_train), ("t10k", n_test)]:
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)


@pytest.mark.parametrize("fashion, folder", [(False, "MNIST"), (True, "FashionMNIST")])
def test_load_mnist_reads_real_idx_files(tmp_path, monkeypatch, fashion, folder):
    """Given IDX files on disk, is torchvision's real class used, without any download?"""
    monkeypatch.setattr(data, "is_online", _no_network)
    _write_fake_mnist(tmp_path, folder)
    train = data.load_mnist(True, fashion=fashion, root=tmp_path, transform=transforms.ToTensor())
    test = data.load_mnist(False, fashion=fashion, root=tmp_path)
    assert type(train) is (datasets.FashionMNIST if fashion else datasets.MNIST)
    assert len(train) == 12 and len(test) == 5
    x, y = train[3]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32 and y == 3
    assert test[0][0].size == (28, 28)  # a PIL image without a transform


def _no_network(*args, **kwargs):
    raise AssertionError("the network must not be used here")


def test_load_mnist_falls_back_to_digits_when_offline(tmp_path, monkeypatch, capsys):
    """Offline, with download attempted: one clear line, then digits that look like MNIST."""
    monkeypatch.setattr(data, "is_online", lambda *args, **kwargs: False)
    dataset = data.load_mnist(True, root=tmp_path, transform=transforms.ToTensor())
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "offline" in out[0] and "digits" in out[0]
    assert len(dataset) == 1257
    x, y = dataset[0]
    assert x.shape == (1, 28, 28) and isinstance(y, int)
    assert list((tmp_path).iterdir()) in ([], [tmp_path / "MNIST"])


def test_load_mnist_without_download_falls_back(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "is_online", _no_network)
    dataset = data.load_mnist(False, fashion=True, root=tmp_path, download=False)
    assert "FashionMNIST" in capsys.readouterr().out
    assert len(dataset) == 270


def test_load_mnist_falls_back_when_download_fails(tmp_path, monkeypatch, capsys):
    """Online but the download breaks: still the fallback, with the reason in the line."""
    monkeypatch.setattr(data, "is_online", lambda *args, **kwargs: True)

    def broken_download(self):
        raise RuntimeError("connection reset")

    monkeypatch.setattr(datasets.MNIST, "download", broken_download)
    dataset = data.load_mnist(True, root=tmp_path)
    assert "download failed (RuntimeError)" in capsys.readouterr().out
    assert len(dataset) == 1257


def test_is_online_can_be_forced_off_without_network(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setattr("socket.create_connection", _no_network)
    assert data.is_online() is False


def test_digits_as_mnist_matches_the_digits():
    """Are the upscaled images uint8 28x28 with the digits' labels, item like MNIST's?"""
    dataset = data.digits_as_mnist(False, target_transform=lambda t: t + 100)
    _, y = data.load_digits("test")
    assert dataset.data.shape == (270, 28, 28) and dataset.data.dtype == torch.uint8
    image, target = dataset[5]
    assert image.mode == "L" and image.size == (28, 28) and target == int(y[5]) + 100


def test_image_folder_reads_png_tree(tmp_path):
    """Does image_folder read class sub-folders of PNGs as greyscale, classes sorted?"""
    X, y = data.load_digits("val")
    for i in range(6):
        folder = tmp_path / f"digit_{int(y[i])}"
        folder.mkdir(exist_ok=True)
        pixels = (X[i, 0] * 255).round().to(torch.uint8).numpy()
        Image.fromarray(pixels).convert("RGB").save(folder / f"{i}.png")
    dataset = data.image_folder(tmp_path, transform=transforms.ToTensor())
    assert dataset.classes == sorted({f"digit_{int(label)}" for label in y[:6]})
    assert len(dataset) == 6
    x, label = dataset[0]
    assert x.shape == (1, 8, 8)
    assert dataset.classes[label] == Path(dataset.samples[0][0]).parent.name


def test_number_stream_in_main_process_and_workers():
    """Does each worker replay the stream unless asked to split it, and split it exactly?"""
    assert [int(x) for x in data.NumberStream(5)] == [0, 1, 2, 3, 4]
    batches = list(DataLoader(data.NumberStream(100), batch_size=6))
    assert len(batches) == 17 and len(batches[-1]) == 4
    doubled = torch.cat(list(DataLoader(data.NumberStream(10), batch_size=4, num_workers=2)))
    assert sorted(doubled.tolist()) == sorted(list(range(10)) * 2)
    stream = data.NumberStream(10, split_across_workers=True)
    once = torch.cat(list(DataLoader(stream, batch_size=4, num_workers=2)))
    assert sorted(once.tolist()) == list(range(10))
