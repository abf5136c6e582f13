"""The sharding explorer: which examples each rank's DistributedSampler yields, epoch by epoch."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch.utils.data import DistributedSampler

from course.widgets._base import explorer

__all__ = ["draw_shards", "shard_explorer", "shard_table"]


def shard_table(
    num_samples: int,
    world_size: int,
    *,
    num_epochs: int = 3,
    seed: int = 0,
    set_epoch: bool = True,
    drop_last: bool = False,
) -> torch.Tensor:
    """The indices each rank's `DistributedSampler` yields: (num_epochs, world_size, per_rank).

    Built with explicit `num_replicas` and `rank`, so no process group is needed. With
    `set_epoch=False` the samplers are never told the epoch, as in a loop that forgets it.
    """
    rows = []
    for epoch in range(num_epochs):
        epoch_rows = []
        for rank in range(world_size):
            sampler = DistributedSampler(
                range(num_samples),
                num_replicas=world_size,
                rank=rank,
                shuffle=True,
                seed=seed,
                drop_last=drop_last,
            )
            if set_epoch:
                sampler.set_epoch(epoch)
            epoch_rows.append(list(sampler))
        rows.append(epoch_rows)
    return torch.tensor(rows, dtype=torch.long).reshape(num_epochs, world_size, -1)


def _verdict(table: torch.Tensor, num_samples: int) -> str:
    """One line: do epochs repeat, and is any example seen twice or never in an epoch?"""
    first = table[0].flatten()
    seen = len(set(first.tolist()))
    parts = []
    if len(table) > 1:
        repeats = all(torch.equal(table[e], table[0]) for e in range(1, len(table)))
        parts.append(
            "every epoch repeats epoch 0's order" if repeats else "a new order every epoch"
        )
    if first.numel() > num_samples:
        parts.append(f"{first.numel() - num_samples} example(s) padded in twice per epoch")
    elif seen < num_samples:
        parts.append(f"{num_samples - seen} example(s) dropped every epoch")
    else:
        parts.append("each example exactly once per epoch")
    return "\n".join(parts)


def draw_shards(
    num_samples: int = 10,
    world_size: int = 2,
    num_epochs: int = 3,
    *,
    set_epoch: bool = True,
    drop_last: bool = False,
    seed: int = 0,
) -> Figure:
    """Draw `shard_table`: one row per (epoch, rank), one cell per example in the order it comes.

    A cell's colour and number are the example's index, so a repeated order shows as repeated
    colours; an example padded in a second time is outlined in red.
    """
    table = shard_table(
        num_samples,
        world_size,
        num_epochs=num_epochs,
        seed=seed,
        set_epoch=set_epoch,
        drop_last=drop_last,
    )
    per_rank = table.shape[2]
    grid = table.reshape(num_epochs * world_size, per_rank)
    fig, ax = plt.subplots(figsize=(0.45 * max(per_rank, 6) + 1.8, 0.4 * len(grid) + 1.4))
    ax.imshow(grid.numpy(), cmap="viridis", vmin=0, vmax=max(num_samples - 1, 1), aspect="auto")
    for e in range(num_epochs):
        counts = torch.bincount(table[e].flatten(), minlength=num_samples)
        for r in range(world_size):
            for p in range(per_rank):
                index = int(table[e, r, p])
                y = e * world_size + r
                light = index > 0.6 * (num_samples - 1)  # viridis turns yellow: dark text
                ax.text(
                    p,
                    y,
                    str(index),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if light else "white",
                )
                if counts[index] > 1:
                    ax.add_patch(Rectangle((p - 0.5, y - 0.5), 1, 1, fill=False, ec="red", lw=2))
        if e:
            ax.axhline(e * world_size - 0.5, color="black", lw=2)
    ax.set_yticks(
        range(len(grid)),
        [f"epoch {e} rank {r}" for e in range(num_epochs) for r in range(world_size)],
    )
    ax.set_xticks(range(per_rank))
    ax.set_xlabel("position in the rank's epoch")
    title = f"{num_samples} examples on {world_size} rank(s)"
    ax.set_title(f"{title}\n{_verdict(table, num_samples)}", fontsize=10)
    fig.tight_layout()
    return fig


def shard_explorer(num_samples: int = 10, world_size: int = 2) -> widgets.interactive:
    """Change the dataset size, the number of ranks, `set_epoch` and `drop_last`; see the shards."""

    return explorer(
        draw_shards,
        num_samples=widgets.IntSlider(value=num_samples, min=2, max=24, description="examples"),
        world_size=widgets.IntSlider(value=world_size, min=1, max=4, description="ranks"),
        num_epochs=widgets.IntSlider(value=3, min=1, max=4, description="epochs"),
        set_epoch=widgets.Checkbox(value=True, description="call set_epoch(epoch)"),
        drop_last=widgets.Checkbox(value=False, description="drop_last"),
    )
