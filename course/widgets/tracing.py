"""The branch explorer: one model run eagerly, traced, scripted and exported, on inputs that
push its data-dependent branch from one side to the other."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from course import deploy
from course.widgets._base import explorer

__all__ = ["TRACED_ON", "BranchVersions", "branch_explorer", "branch_versions", "draw_branches"]

# Which side of the branch the example input given to torch.jit.trace falls on.
TRACED_ON = {"keep (sum > 0)": 1.0, "negate (sum <= 0)": -1.0}
SHIFTS = torch.linspace(-3, 3, 61)


@dataclass
class BranchVersions:
    """Four versions of one `deploy.GatedCell` with the same weights, and its inputs.

    x, h: (1, 4). The gate keeps its input when `gate_sum(s) = a + b * s > 0`, where `s` is the
    shift added to x, so the branch flips at `s = flip_at`.
    """

    models: dict[str, Callable[..., torch.Tensor]]
    x: torch.Tensor
    h: torch.Tensor
    a: float
    b: float

    @property
    def flip_at(self) -> float:
        return -self.a / self.b

    def gate_sum(self, shift: float) -> float:
        return self.a + self.b * shift


@functools.lru_cache(maxsize=4)
def branch_versions(traced_on: str = "keep (sum > 0)", *, seed: int = 0) -> BranchVersions:
    """Build eager, traced (on an input from the `traced_on` side), scripted and exported cells."""
    with torch.random.fork_rng():  # leave the caller's random stream alone
        torch.manual_seed(seed)
        cell = deploy.GatedCell().eval()
        x, h = torch.randn(1, 4), torch.zeros(1, 4)
    cond_cell = deploy.GatedCell(deploy.CondGate()).eval()
    cond_cell.load_state_dict(cell.state_dict())
    with torch.no_grad():
        a = float(cell.linear(x).sum())
        b = float(cell.linear.weight.sum())
    side = TRACED_ON[traced_on] * (1.0 if b > 0 else -1.0)
    example = x + (-a / b + side)  # one unit past the flip, on the chosen side
    with deploy.legacy_torchscript(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # the point of the picture
        traced = torch.jit.trace(cell, (example, h))
        scripted = torch.jit.script(cell)
    exported = torch.export.export(cond_cell, (x, h)).module()
    models = {"eager": cell, "traced": traced, "scripted": scripted, "exported": exported}
    return BranchVersions(models, x, h, a, b)


def draw_branches(shift: float = 0.0, traced_on: str = "keep (sum > 0)") -> Figure:
    """Left: each version's output on `x + shift`; right: output mean of each over all shifts."""
    versions = branch_versions(traced_on)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    with torch.no_grad():
        outputs = {n: m(versions.x + shift, versions.h)[0] for n, m in versions.models.items()}
    for i, (name, out) in enumerate(outputs.items()):
        left.bar([j + 0.2 * (i - 1.5) for j in range(4)], out.tolist(), width=0.2, label=name)
    left.axhline(0, color="black", lw=0.8)
    left.set_xticks(range(4), [f"output {j}" for j in range(4)])
    left.set_ylim(-1.05, 1.05)
    left.legend(fontsize=8, ncols=2)
    means = deploy.sweep(versions.models, versions.x, SHIFTS, versions.h)
    deploy.draw_sweep(SHIFTS, means, flip_at=versions.flip_at, ax=right, title="all shifts")
    right.axvline(shift, color="red", lw=1.5)
    gate_sum = versions.gate_sum(shift)
    branch = "keep" if gate_sum > 0 else "negate"
    agree = torch.allclose(outputs["traced"], outputs["eager"], atol=1e-6)
    left.set_title(
        f"shift {shift:+.1f}: gate input sum {gate_sum:+.2f}, branch '{branch}'; "
        f"traced {'agrees' if agree else 'is WRONG'}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def branch_explorer(shift: float = 0.0, traced_on: str = "keep (sum > 0)") -> widgets.interactive:
    """Slide the input across a data-dependent branch and watch which versions follow it.

    The trace was recorded on one example input, so it keeps that example's branch; scripting
    and `torch.export` with `torch.cond` keep both branches.
    """

    return explorer(
        draw_branches,
        shift=widgets.FloatSlider(value=shift, min=-3, max=3, step=0.1, description="shift"),
        traced_on=widgets.Dropdown(
            options=list(TRACED_ON), value=traced_on, description="traced on"
        ),
    )
