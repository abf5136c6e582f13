"""Tests for course.widgets.training: the quick digits trainer and its explorer, fast and honest."""

import math

import ipywidgets
import torch
from matplotlib.figure import Figure

from course import widgets
from course.widgets import training


def test_quick_train_learns_and_is_reproducible():
    """Does a sensible setting learn, and does the same seed give the same curve?"""
    first = training.quick_train(optimizer="Adam", lr=1e-2, batch_size=64, num_epochs=5)
    assert len(first["train_loss"]) == len(first["val_accuracy"]) == 5
    assert first["train_loss"][-1] < first["train_loss"][0]
    assert first["val_accuracy"][-1] > 0.85
    again = training.quick_train(optimizer="Adam", lr=1e-2, batch_size=64, num_epochs=5)
    assert again == first


def test_quick_train_leaves_global_state_alone():
    threads = torch.get_num_threads()
    torch.manual_seed(5)
    expected = torch.rand(1)
    torch.manual_seed(5)
    training.quick_train(num_epochs=1)
    assert torch.equal(torch.rand(1), expected)
    assert torch.get_num_threads() == threads


def test_quick_train_stops_when_it_diverges():
    history = training.quick_train(optimizer="SGD + momentum", lr=1e4, batch_size=256, num_epochs=8)
    assert len(history["train_loss"]) < 8
    assert all(math.isfinite(v) for v in history["train_loss"])


def test_tiny_learning_rate_barely_moves():
    history = training.quick_train(lr=1e-4, batch_size=256, num_epochs=3)
    assert abs(history["train_loss"][-1] - history["train_loss"][0]) < 0.01


def test_training_explorer_draws_once_headless():
    """Does the explorer train and draw its first picture when created? (How fast it does that is
    measured in benchmarks/speed.py.)"""
    explorer = widgets.training_explorer(optimizer="SGD", lr=0.1, batch_size=128)
    assert isinstance(explorer, ipywidgets.interactive)
    fig = explorer.result
    assert (
        isinstance(fig, Figure)
        and "SGD, lr=0.1, batch 128 (10 steps/epoch)" in fig._suptitle.get_text()
    )
    assert [ax.get_xlabel() for ax in fig.axes] == ["epoch", "epoch"]


def test_draw_training_reports_divergence():
    fig = training.draw_training("SGD + momentum", 1e4, 256, num_epochs=4)
    assert "diverged" in fig._suptitle.get_text()
