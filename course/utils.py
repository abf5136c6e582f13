"""Reproducibility, device choice, CPU threads and timing: every lesson's first cell uses these.

Thread policy. The course's models are tiny (an 8x8-digit MLP, a small CNN, a GAN of a few
thousand weights), and it runs on shared machines: a class server, CI, a 2-core laptop. For tensors
this small, splitting each matrix product across threads costs more than it saves, and when another
process holds a core, threads that wait for each other can make a training step many times slower;
one thread also makes timings and float sums repeat. So everything tiny runs on one CPU thread:
course code wraps its own training and augmentation in `with utils.one_thread():`, which gives the
caller back their thread count afterwards, and a lesson that trains only tiny models calls
`utils.one_thread()` once in its setup cell, which keeps one thread for the rest of the notebook.
Large models (and GPUs) keep PyTorch's default of one thread per core.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = [
    "Timer",
    "get_device",
    "one_thread",
    "seed_everything",
    "synchronize",
    "time_it",
]


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (CPU and every GPU) so a notebook reruns identically.

    Returns a `torch.Generator` seeded with `seed`, for code that wants its own stream. String
    hashing (the order of a `set` of strings) is fixed only when Python starts, by the
    PYTHONHASHSEED environment variable, so a running notebook cannot seed it; the lessons never
    depend on that order.
    """
    if isinstance(seed, bool) or not hasattr(seed, "__index__") or not 0 <= seed < 2**32:
        raise ValueError(f"seed_everything: seed must be a whole number from 0 to 2**32 - 1, "
                         f"got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


class one_thread:  # lower case: used like torch.set_grad_enabled, as a call or in a `with`
    """Run PyTorch's CPU work on one thread: the course's thread policy for tiny models (above).

    Called on its own, `utils.one_thread()` switches to one thread for the rest of the process
    (a lesson's setup cell). In `with utils.one_thread(): ...` the caller's thread count comes back
    when the block ends, even if it raised (course code that must not change the caller's setting).
    """

    def __init__(self) -> None:
        self.previous = torch.get_num_threads()
        torch.set_num_threads(1)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        torch.set_num_threads(self.previous)

    def __repr__(self) -> str:
        return f"one_thread() (was {self.previous})"


def get_device(prefer: torch.device | str | None = None) -> torch.device:
    """Pick where tensors should live: `prefer` if given, else CUDA, then Apple's MPS, then CPU.

    Set the environment variable `COURSE_DEVICE=cpu` to force a device without editing notebooks.
    Functions with a `device=None` argument call `get_device(device)`, so None means this choice.
    """
    choice = prefer if prefer is not None else os.environ.get("COURSE_DEVICE")
    if choice:
        device = torch.device(choice)
        usable = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}
        if device.type in usable and not usable[device.type]():
            raise RuntimeError(
                f"get_device: {str(choice)!r} was asked for, but this machine has no usable "
                f"{device.type} device; leave it out to use the best one there is"
            )
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait for queued GPU work on `device`, so a timer measures the work and not the launch."""
    device = get_device(device)
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
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"time_it: repeat must be a whole number 1 or more, got {repeat!r}")
    fn(*args, **kwargs)  # warm up: first calls pay for allocation and lazy initialisation
    times = []
    for _ in range(repeat):
        with Timer(device=device) as timer:
            fn(*args, **kwargs)
        times.append(timer.elapsed)
    return min(times)
