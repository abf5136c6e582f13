"""Measuring where training time goes: autocast dtypes, loader times, profiles, TensorBoard logs.

Lesson 08 measures before it optimises. These helpers do the bookkeeping around PyTorch's own tools
(`torch.autocast`, `torch.profiler`, `torch.utils.tensorboard`) so the notebook can show the
results: which dtype each layer computes in, how long a `DataLoader` takes per epoch, a bar chart of
the operators that cost most, and the numbers that a `SummaryWriter` wrote, read back from its event
files without starting a TensorBoard server.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn

__all__ = [
    "draw_op_times",
    "event_tags",
    "output_dtypes",
    "read_histogram",
    "read_scalars",
    "setup",
    "time_loader",
]


def setup() -> None:
    """Prepare this process once for the measurements of lesson 08, before anything is timed.

    Quiets two notes from PyTorch's C++ side that are not about the lesson (the profiler's
    start/stop log lines, and a CUDA build of PyTorch remarking that there is no CUDA when
    `torch.utils.benchmark` is imported: import it after this call), and sets `torch.compile` up
    once, compiling nothing, so that its one-time set-up is not counted in a later timing.
    """
    os.environ.setdefault("KINETO_LOG_LEVEL", "6")
    logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
    torch.compile(nn.Identity(), backend="eager")


def output_dtypes(
    model: nn.Module,
    X: torch.Tensor,
    *,
    device_type: str = "cpu",
    dtype: torch.dtype = torch.bfloat16,
) -> dict[str, torch.dtype]:
    """Run `model(X)` under `torch.autocast(device_type, dtype)` and return the dtype that every
    leaf module produced, by module name in call order ("0", "1", ... for an `nn.Sequential`).

    Autocast decides per operation: matrix products and convolutions run in `dtype`, while
    reductions and losses stay in float32, so the answer differs from layer to layer.
    """
    seen: dict[str, torch.dtype] = {}
    names = {module: name for name, module in model.named_modules()}

    def record(module: nn.Module, inputs: object, output: torch.Tensor) -> None:
        seen[names[module]] = output.dtype

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(record) for m in leaves]
    try:
        with torch.no_grad(), torch.autocast(device_type, dtype=dtype):
            model(X)
    finally:
        for handle in handles:
            handle.remove()
    return seen


def time_loader(loader: Iterable, *, num_epochs: int = 1) -> list[float]:
    """Iterate over `loader` `num_epochs` times and return the seconds each pass took.

    The first pass of a loader with workers includes starting them; with `persistent_workers=True`
    the later passes do not, which is exactly what the list shows.
    """
    seconds = []
    for _ in range(num_epochs):
        start = time.perf_counter()
        for _batch in loader:
            pass
        seconds.append(time.perf_counter() - start)
    return seconds


def draw_op_times(
    names: list[str], milliseconds: list[float], *, title: str = "where the time goes"
) -> Figure:
    """A horizontal bar chart of operator times, the most expensive at the top."""
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))
    order = sorted(range(len(names)), key=lambda i: milliseconds[i])
    ax.barh([names[i] for i in order], [milliseconds[i] for i in order], color="tab:orange")
    ax.set(xlabel="self CPU time (ms)", title=title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def _accumulator(log_dir: str | Path):
    from tensorboard.backend.event_processing import event_accumulator

    # size_guidance 0 = keep every event (the default keeps a sample of them)
    accumulator = event_accumulator.EventAccumulator(
        str(log_dir),
        size_guidance={event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0},
    )
    accumulator.Reload()
    return accumulator


def event_tags(log_dir: str | Path) -> dict[str, object]:
    """What the event files in `log_dir` hold: {"scalars": [...], "histograms": [...],
    "graph": True/False, ...}, as TensorBoard's own reader reports it."""
    return _accumulator(log_dir).Tags()


def read_scalars(log_dir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar that a `SummaryWriter` wrote into `log_dir`: {tag: [(step, value), ...]},
    sorted by step. Reads the event files directly; no TensorBoard server needed."""
    accumulator = _accumulator(log_dir)
    return {
        tag: sorted((event.step, event.value) for event in accumulator.Scalars(tag))
        for tag in accumulator.Tags()["scalars"]
    }


def read_histogram(log_dir: str | Path, tag: str) -> list[tuple[int, int, float, float]]:
    """The histograms logged under `tag`: [(step, count, min, max), ...] sorted by step."""
    events = _accumulator(log_dir).Histograms(tag)
    return sorted(
        (e.step, int(e.histogram_value.num), e.histogram_value.min, e.histogram_value.max)
        for e in events
    )
