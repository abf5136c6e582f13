"""Data for the lessons: scikit-learn's digits as a `Dataset`, and MNIST / Fashion-MNIST.

The digits (1,797 8x8 greyscale images, shipped inside scikit-learn) need no download, so every
lesson can train on real data offline. `load_mnist` wraps torchvision's real `MNIST` and
`FashionMNIST`: it downloads them when the machine is online and otherwise prints one line and
falls back to the digits, upscaled to 28x28 so the rest of the code runs unchanged.

Files go under `data_dir()`: `data/` at the repository root (ignored by git), or the folder named by
the environment variable `COURSE_DATA`. Nothing here touches the disk or the network at import time.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Dataset, IterableDataset, get_worker_info

__all__ = [
    "DIGITS_SPLITS",
    "DigitsDataset",
    "NumberStream",
    "data_dir",
    "digits_as_mnist",
    "image_folder",
    "is_online",
    "load_digits",
    "load_mnist",
]

DIGITS_SPLITS = {"train": 1257, "val": 270, "test": 270}
_SPLIT_SEED = 0  # fixed forever: changing it would change every lesson's numbers


def data_dir() -> Path:
    """The folder for datasets and checkpoints: `$COURSE_DATA` if set, else `data/` at the root of
    the course checkout (or in the current folder when `course` is installed elsewhere)."""
    override = os.environ.get("COURSE_DATA")
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[1]
    return (checkout if (checkout / "pyproject.toml").exists() else Path.cwd()) / "data"


@lru_cache(maxsize=1)
def _digits_permuted() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    # NumPy's legacy RandomState is guaranteed to give the same stream on every machine and version.
    order = np.random.RandomState(_SPLIT_SEED).permutation(len(bunch.target))
    X = torch.tensor(bunch.images[order] / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(bunch.target[order], dtype=torch.int64)
    return X, y


def load_digits(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """One split of scikit-learn's handwritten digits as tensors.

    Returns X of shape (N, 1, 8, 8), float32 in [0, 1] (pixel / 16), and y of shape (N,), int64 in
    0..9. The splits "train" (1257), "val" (270) and "test" (270) come from a seeded permutation, so
    they are the same on every machine. The tensors are fresh copies: changing them is safe.
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(f"split must be one of {list(DIGITS_SPLITS)}, got {split!r}")
    X, y = _digits_permuted()
    start = 0
    for name, size in DIGITS_SPLITS.items():
        if name == split:
            return X[start : start + size].clone(), y[start : start + size].clone()
        start += size
    raise AssertionError("unreachable")


class DigitsDataset(Dataset):
    """Map-style dataset of one digits split: item i is (x (1, 8, 8) float32, y () int64).

    `transform`, if given, is applied to x (a tensor) each time an item is read.
    """

    def __init__(self, split: str = "train", *, transform: Callable | None = None) -> None:
        self.split = split
        self.X, self.y = load_digits(split)
        self.transform = transform
        self.classes = [str(d) for d in range(10)]

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[Any, torch.Tensor]:
        x = self.X[index]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.y[index]

    def __repr__(self) -> str:
        return f"DigitsDataset(split={self.split!r}, size={len(self)})"


class NumberStream(IterableDataset):
    """An iterable-style dataset: the numbers 0..n-1 as int64 scalars, read in order.

    With `split_across_workers=False` every DataLoader worker process replays the whole stream
    (each item arrives once per worker); with True each worker takes every k-th item (k workers).
    """

    def __init__(self, n: int, *, split_across_workers: bool = False) -> None:
        self.n = n
        self.split_across_workers = split_across_workers

    def __iter__(self) -> Iterator[torch.Tensor]:
        start, step = 0, 1
        worker = get_worker_info()  # None in the main process
        if self.split_across_workers and worker is not None:
            start, step = worker.id, worker.num_workers
        for i in range(start, self.n, step):
            yield torch.tensor(i)


class _DigitsLikeMNIST(Dataset):
    """The digits upscaled to 28x28 uint8, served exactly like torchvision's MNIST:
    item i is (PIL greyscale image, int label) passed through `transform` / `target_transform`.
    """

    def __init__(
        self, split: str, *, transform: Callable | None, target_transform: Callable | None
    ) -> None:
        X, y = load_digits(split)
        big = F.interpolate(X, size=(28, 28), mode="bilinear", align_corners=False)
        self.data = (big.squeeze(1).clamp(0, 1) * 255).round().to(torch.uint8)  # (N, 28, 28)
        self.targets = y
        self.classes = [str(d) for d in range(10)]
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image: Any = Image.fromarray(self.data[index].numpy())  # uint8 (28, 28): mode "L"
        target: Any = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self) -> str:
        return f"DigitsLikeMNIST(size={len(self)}, 28x28)"


def digits_as_mnist(
    train: bool = True,
    *,
    transform: Callable | None = None,
    target_transform: Callable | None = None,
) -> Dataset:
    """The digits dressed as MNIST: 28x28 PIL images and int labels ("train" or "test" split)."""
    _require_bool("digits_as_mnist", train)
    split = "train" if train else "test"
    return _DigitsLikeMNIST(split, transform=transform, target_transform=target_transform)


def _require_bool(function: str, train: object) -> None:
    """`train` is a switch: a split's name would read as True and give the training split."""
    if not isinstance(train, bool):
        raise TypeError(
            f"{function}(train=...) takes True (the training split) or False (the test split), "
            f"got {train!r}"
        )


def is_online(
    url: str = "https://ossci-datasets.s3.amazonaws.com", *, timeout: float = 2.0
) -> bool:
    """True if a TCP connection to `url`'s host opens within `timeout` seconds.

    `COURSE_OFFLINE=1` in the environment forces False without touching the network.
    """
    if os.environ.get("COURSE_OFFLINE", "") not in ("", "0"):
        return False
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def load_mnist(
    train: bool = True,
    *,
    fashion: bool = False,
    root: str | Path | None = None,
    transform: Callable | None = None,
    target_transform: Callable | None = None,
    download: bool = True,
) -> Dataset:
    """torchvision's real MNIST (or FashionMNIST), read from `root` (default `data_dir()`).

    Downloads the files when `download` is true, they are missing and the machine is online (checked
    first with a short connection test, so an offline machine fails in seconds, not minutes). If the
    files cannot be had, prints one line and returns `digits_as_mnist(train, ...)` instead: the same
    kind of items (28x28 PIL images, int labels), 1257 or 270 of them.
    """
    _require_bool("load_mnist", train)
    from torchvision import datasets

    cls = datasets.FashionMNIST if fashion else datasets.MNIST
    root = Path(root) if root is not None else data_dir()
    kwargs = {"train": train, "transform": transform, "target_transform": target_transform}
    try:
        return cls(root, download=False, **kwargs)
    except RuntimeError:
        pass  # not on disk yet
    reason = "download=False"
    if download:
        if is_online(cls.mirrors[0]):
            try:
                return cls(root, download=True, **kwargs)
            except Exception as error:  # noqa: BLE001 - any failure means: use the fallback
                reason = f"download failed ({type(error).__name__})"
        else:
            reason = "offline"
    print(
        f"{cls.__name__} is not in {root} and cannot be downloaded ({reason}): "
        "using scikit-learn's digits upscaled to 28x28 instead."
    )
    return digits_as_mnist(train, transform=transform, target_transform=target_transform)


def image_folder(root: str | Path, *, transform: Callable | None = None) -> Dataset:
    """torchvision's `ImageFolder` over `root/<class>/<image>.png`, images read as greyscale "L".

    Classes are the sub-folder names in sorted order; item i is (transform(image), class index).
    """
    from torchvision import datasets

    def load_grey(path: str) -> Image.Image:
        with Image.open(path) as image:
            return image.convert("L")

    return datasets.ImageFolder(str(root), transform=transform, loader=load_grey)
