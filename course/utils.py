"""Reproducibility, device choice and timing: the first cell of every lesson calls these."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (CPU and every GPU) so a notebook reruns identically.

    Returns a `torch.Generator` seeded with `seed`, for code that wants its own stream.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)
    return torch.Generator().manual_seed(seed)


def get_device(prefer: str | None = None) -> torch.device:
    """Pick where tensors should live: `prefer` if given, else CUDA, then Apple's MPS, then CPU.

    Set the environment variable `COURSE_DEVICE=cpu` to force a device without editing notebooks.
    """
    choice = prefer or os.environ.get("COURSE_DEVICE")
    if choice:
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait for queued GPU work on `device`, so a timer measures the work and not the launch."""
    device = torch.device(device) if device is not None else get_device()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@dataclass
class Timer:
    """Measure wall-clock time of a block: `with Timer() as t: ...; t.elapsed` (seconds).

    Pass `device` to wait for asynchronous GPU work before reading the clock.
    """

    device: torch.device | str | None = None
    elapsed: float = field(default=0.0, init=False)

    def __enter__(self) -> Timer:
        synchronize(self.device or "cpu")
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        synchronize(self.device or "cpu")
        self.elapsed = time.perf_counter() - self._start


def time_it(
    fn: Callable[..., object],
    *args: object,
    repeat: int = 5,
    device: torch.device | str | None = None,
    **kwargs: object,
) -> float:
    """Return the best of `repeat` wall-clock times (seconds) of `fn(*args, **kwargs)`.

    The best, not the mean, because the other runs are slowed by whatever else the machine did.
    """
    fn(*args, **kwargs)  # warm up: first calls pay for allocation and lazy initialisation
    times = []
    for _ in range(repeat):
        with Timer(device=device) as timer:
            fn(*args, **kwargs)
        times.append(timer.elapsed)
    return min(times)
