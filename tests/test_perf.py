"""Tests for course.perf: autocast dtypes, loader timings, the op-time chart, event files."""

import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.tensorboard import SummaryWriter

from course import perf


class PairwiseDistance(nn.Module):
    """(B, D) -> (B, B) distances; `cdist` is on autocast's float32 list on every device."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cdist(x, x)


def _cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 64, 10),
        PairwiseDistance(),
    )


def test_output_dtypes_follow_autocast_rules():
    """Do convolutions and linear layers run in bfloat16 and cdist in float32?"""
    model = _cnn()
    dtypes = perf.output_dtypes(model, torch.randn(2, 1, 8, 8))
    assert list(dtypes) == ["0", "1", "2", "3", "4"]
    assert dtypes["0"] == dtypes["3"] == torch.bfloat16
    assert dtypes["1"] == torch.bfloat16  # ReLU keeps its input's dtype
    assert dtypes["4"] == torch.float32


def test_output_dtypes_leaves_the_model_alone():
    """Are the hooks removed and the weights still float32 afterwards?"""
    model = _cnn()
    perf.output_dtypes(model, torch.randn(2, 1, 8, 8))
    assert all(not m._forward_hooks for m in model.modules())
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert model(torch.randn(1, 1, 8, 8)).dtype == torch.float32


def test_output_dtypes_names_nested_modules():
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 4)), nn.ReLU())
    assert set(perf.output_dtypes(model, torch.randn(2, 3))) == {"0.0", "1"}


def test_time_loader_counts_every_pass():
    """Does it return one positive time per epoch and really read the whole loader?"""
    seen = []

    class Counting(TensorDataset):
        def __getitem__(self, index):
            seen.append(index)
            return super().__getitem__(index)

    loader = DataLoader(Counting(torch.arange(10.0)), batch_size=4)
    seconds = perf.time_loader(loader, num_epochs=3)
    assert len(seconds) == 3 and all(s > 0 for s in seconds)
    assert len(seen) == 30


def test_draw_op_times_puts_the_largest_on_top():
    fig = perf.draw_op_times(["aten::mm", "aten::add", "aten::conv"], [2.0, 0.5, 5.0])
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["aten::add", "aten::mm", "aten::conv"]  # barh draws bottom to top


def test_tensorboard_events_read_back(tmp_path):
    """Do scalars, histograms and the graph written by SummaryWriter come back exactly?"""
    writer = SummaryWriter(tmp_path)
    for step, value in enumerate([1.0, 0.5, 0.25]):
        writer.add_scalar("loss/train", value, step)
    writer.add_scalar("lr", 0.1, 7)
    values = torch.arange(12.0)
    writer.add_histogram("w", values, 2)
    writer.close()
    assert perf.read_scalars(tmp_path) == {
        "loss/train": [(0, 1.0), (1, 0.5), (2, 0.25)],
        "lr": [(7, torch.tensor(0.1).item())],
    }
    assert perf.read_histogram(tmp_path, "w") == [(2, 12, 0.0, 11.0)]
    tags = perf.event_tags(tmp_path)
    assert tags["histograms"] == ["w"] and tags["graph"] is False


def test_read_scalars_keeps_every_event(tmp_path):
    """TensorBoard's reader samples long runs by default; are all 2000 points kept?"""
    with SummaryWriter(tmp_path) as writer:
        for step in range(2000):
            writer.add_scalar("x", float(step), step)
    assert [step for step, _ in perf.read_scalars(tmp_path)["x"]] == list(range(2000))


def test_read_scalars_of_an_empty_folder(tmp_path):
    assert perf.read_scalars(tmp_path) == {}


def test_setup_quiets_the_notes_and_can_run_twice():
    """Does setup() quiet the C++ notes, and is a second call harmless?"""
    import logging
    import os

    perf.setup()
    perf.setup()
    assert os.environ["KINETO_LOG_LEVEL"]
    assert logging.getLogger("torch.utils.cpp_extension").level == logging.ERROR
