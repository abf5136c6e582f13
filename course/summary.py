"""Look inside a model: count its parameters, list its layers with their output shapes, chart them.

`layer_table` runs one forward pass with a forward hook on every leaf module and removes every
hook afterwards, even when the forward pass fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

__all__ = ["LayerRow", "count_parameters", "layer_table", "plot_parameter_counts", "summary"]


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of scalar parameters in `model` (a parameter shared by two layers counts once).

    With `trainable_only=True`, only parameters with `requires_grad=True`. Buffers never count.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _own_parameters(module: nn.Module) -> int:
    """Scalar parameters registered on `module` itself, not on its children."""
    return sum(p.numel() for p in module.parameters(recurse=False))


def _leaves(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(qualified name, module) of every module that has no children or owns parameters itself."""
    return [
        (name, m)
        for name, m in model.named_modules()
        if not list(m.children()) or _own_parameters(m) > 0
    ]


@dataclass
class LayerRow:
    """One leaf layer: where it sits, what it is, what it returned and what it owns."""

    name: str  # qualified name, as in model.named_modules(), e.g. "features.conv1"
    kind: str  # class name, e.g. "Conv2d"
    output_shape: tuple[int, ...] | None  # shape of its (first) output in the forward pass
    parameters: int  # scalar parameters registered on this module itself


def layer_table(model: nn.Module, x: torch.Tensor) -> list[LayerRow]:
    """Run `model(x)` once (eval mode, no autograd) and describe each leaf layer in call order.

    x: an input batch, e.g. (batch, 1, 8, 8). Layers that did not run come last, with no shape.
    """
    shapes: dict[str, tuple[int, ...]] = {}

    def recorder(name: str):
        def hook(module: nn.Module, inputs: tuple, output: object) -> None:
            first = output[0] if isinstance(output, (tuple, list)) else output
            if isinstance(first, torch.Tensor):
                shapes.setdefault(name, tuple(first.shape))

        return hook

    leaves = _leaves(model)
    handles = [m.register_forward_hook(recorder(name)) for name, m in leaves]
    was_training = model.training
    model.eval()  # so that BatchNorm's running statistics are left as they are
    try:
        with torch.no_grad():
            model(x)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    rows = [
        LayerRow(name, type(m).__name__, shapes.get(name), _own_parameters(m)) for name, m in leaves
    ]
    order = list(shapes)
    return sorted(rows, key=lambda r: order.index(r.name) if r.name in order else len(order))


def summary(model: nn.Module, x: torch.Tensor) -> str:
    """A printable table of `layer_table(model, x)` with the total and trainable counts."""
    rows = layer_table(model, x)
    lines = [f"{'layer':<22}{'type':<18}{'output shape':<20}{'parameters':>11}"]
    lines.append("-" * len(lines[0]))
    for row in rows:
        shape = str(list(row.output_shape)) if row.output_shape is not None else "-"
        lines.append(f"{row.name or '(model)':<22}{row.kind:<18}{shape:<20}{row.parameters:>11,}")
    lines.append("-" * len(lines[0]))
    total = count_parameters(model)
    trainable = count_parameters(model, trainable_only=True)
    lines.append(f"total parameters: {total:,} (trainable: {trainable:,})")
    return "\n".join(lines)


def plot_parameter_counts(
    model: nn.Module, *, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Bar chart of the scalar parameters owned by each leaf layer that has any."""
    rows = [(name, m) for name, m in _leaves(model) if _own_parameters(m) > 0]
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(rows) + 1.5), 3.2))
    else:
        fig = ax.figure
    labels = [f"{name or '(model)'}\n{type(m).__name__}" for name, m in rows]
    counts = [_own_parameters(m) for _, m in rows]
    bars = ax.bar(range(len(rows)), counts, color="#5b8fc9")
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=8)
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylabel("parameters")
    ax.set_title(title or f"{count_parameters(model):,} parameters in {type(model).__name__}")
    ax.margins(y=0.15)
    fig.tight_layout()
    return fig
