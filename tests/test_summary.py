"""Tests for course.summary: parameter counts, layer shapes, and no hooks left behind."""

import pytest
import torch
from torch import nn

from course import summary


@pytest.fixture
def cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 10),
    )


def test_count_parameters_matches_the_formula_and_skips_buffers(cnn):
    """Are weights and biases counted, BatchNorm's running statistics not?"""
    expected = (4 * 9 + 4) + (4 + 4) + (64 * 10 + 10)
    assert summary.count_parameters(cnn) == expected


def test_count_parameters_trainable_only_skips_frozen(cnn):
    """Does trainable_only leave out parameters with requires_grad=False?"""
    cnn[0].requires_grad_(False)
    assert summary.count_parameters(cnn, trainable_only=True) == 8 + 650
    assert summary.count_parameters(cnn) == 40 + 8 + 650


def test_shared_parameters_count_once():
    """Is a layer used twice counted once, as model.parameters() yields it once?"""
    layer = nn.Linear(3, 3)
    assert summary.count_parameters(nn.Sequential(layer, nn.ReLU(), layer)) == 12


def test_layer_table_records_output_shapes_in_call_order(cnn):
    """Does each leaf layer get the shape it returned, in the order the forward pass ran?"""
    rows = summary.layer_table(cnn, torch.zeros(2, 1, 8, 8))
    assert [r.name for r in rows] == ["0", "1", "2", "3", "4", "5"]
    assert rows[0].output_shape == (2, 4, 8, 8)
    assert rows[3].output_shape == (2, 4, 4, 4)
    assert rows[-1].output_shape == (2, 10)
    assert [r.parameters for r in rows] == [40, 8, 0, 0, 0, 650]


def test_layer_table_removes_its_hooks_even_when_forward_fails(cnn):
    """Are all hooks gone after a forward pass that raises (a wrong input shape)?"""
    with pytest.raises(RuntimeError):
        summary.layer_table(cnn, torch.zeros(2, 3, 8, 8))
    assert all(not m._forward_hooks for m in cnn.modules())
    summary.layer_table(cnn, torch.zeros(1, 1, 8, 8))
    assert all(not m._forward_hooks for m in cnn.modules())


def test_modules_with_their_own_parameters_are_listed():
    """Does a custom module holding an nn.Parameter next to children show its own count?"""

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(5))
            self.linear = nn.Linear(5, 5)

        def forward(self, x):
            return self.linear(x) * self.scale

    rows = summary.layer_table(Scaled(), torch.zeros(3, 5))
    assert {(r.name, r.parameters) for r in rows} == {("", 5), ("linear", 30)}


def test_summary_text_lists_layers_and_totals(cnn):
    """Does the printed table name every layer and give total and trainable counts?"""
    text = summary.summary(cnn, torch.zeros(1, 1, 8, 8))
    assert "Conv2d" in text and "[1, 10]" in text
    assert "total parameters: 698 (trainable: 698)" in text


def test_plot_parameter_counts_draws_one_bar_per_layer_with_parameters(cnn):
    """Does the bar chart have a bar for each layer that owns parameters, with its count?"""
    fig = summary.plot_parameter_counts(cnn)
    ax = fig.axes[0]
    assert [round(p.get_height()) for p in ax.patches] == [40, 8, 650]
    assert "698 parameters" in ax.get_title()


def test_layer_table_leaves_mode_and_batchnorm_statistics_alone(cnn):
    """Does a summary keep the model's mode and leave BatchNorm's running statistics unchanged?"""
    before = cnn[1].running_mean.clone()
    summary.layer_table(cnn, torch.randn(4, 1, 8, 8) + 5)
    assert cnn.training
    assert torch.equal(cnn[1].running_mean, before)
