"""Tests for course.widgets.sharding: DistributedSampler's shards and a headless explorer."""

import ipywidgets
import torch
from matplotlib.figure import Figure

from course import widgets
from course.widgets import sharding


def test_shards_cover_the_dataset_once_per_epoch():
    """Do the ranks of one epoch see every example exactly once when the size divides evenly?"""
    table = sharding.shard_table(12, 3, num_epochs=2)
    assert table.shape == (2, 3, 4)
    for epoch in table:
        assert sorted(epoch.flatten().tolist()) == list(range(12))


def test_set_epoch_changes_the_order_and_forgetting_it_repeats_it():
    """Does set_epoch give each epoch its own order, and does leaving it out repeat epoch 0?"""
    fresh = sharding.shard_table(10, 2, num_epochs=3)
    stale = sharding.shard_table(10, 2, num_epochs=3, set_epoch=False)
    assert not torch.equal(fresh[0], fresh[1])
    assert torch.equal(stale[0], stale[1]) and torch.equal(stale[0], stale[2])
    assert torch.equal(fresh[0], stale[0])


def test_uneven_sizes_are_padded_or_dropped():
    """11 examples on 2 ranks: 6 each with one example twice, or 5 each with one left out."""
    padded = sharding.shard_table(11, 2, num_epochs=1)
    dropped = sharding.shard_table(11, 2, num_epochs=1, drop_last=True)
    assert padded.shape == (1, 2, 6) and len(set(padded.flatten().tolist())) == 11
    assert dropped.shape == (1, 2, 5) and len(set(dropped.flatten().tolist())) == 10


def test_draw_shards_says_what_happens():
    fig = sharding.draw_shards(11, 2, 3, set_epoch=False)
    title = fig.axes[0].get_title()
    assert "repeats epoch 0" in title and "padded in twice" in title
    assert "exactly once" in sharding.draw_shards(8, 2, 2).axes[0].get_title()


def test_shard_explorer_draws_once_headless():
    explorer = widgets.shard_explorer(num_samples=9)
    assert isinstance(explorer, ipywidgets.interactive)
    assert isinstance(explorer.result, Figure)
    assert set(explorer.kwargs) == {"num_samples", "world_size", "num_epochs", "set_epoch",
                                    "drop_last"}
    assert explorer.kwargs["num_samples"] == 9
