"""The loss-scaling explorer: what float16 does to real gradients, and how a scale rescues them.

float16 keeps about 3 decimal digits and its numbers stop at both ends: below about 6e-8 a value
becomes 0 (underflow), between that and 6.1e-5 it is "subnormal" and keeps fewer digits, and
above 65504 it becomes inf. Gradients of a trained network are often tiny, so many of them vanish
when cast to float16. `GradScaler` multiplies the loss (and so every gradient) by a large power of
two before the backward pass and divides it out before the optimizer step. The slider sets that
power and the picture shows where the scaled gradients land.
"""

from __future__ import annotations

from functools import partial

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from course.widgets._base import explorer

__all__ = ["draw_loss_scaling", "float16_fate", "loss_scaling_explorer"]

_HALF = torch.finfo(torch.float16)
_SMALLEST_SUBNORMAL = 2.0**-24  # the smallest positive float16 (about 6e-8)


def float16_fate(values: torch.Tensor, scale: float = 1.0) -> dict[str, float]:
    """Cast `values * scale` to float16 and report the fraction of non-zero values that became
    "zero" (underflow), stayed "subnormal" (fewer digits), stayed "normal", or became "inf".

    The fractions come from a real cast, not from a formula, so they are what training would see.
    """
    v = values.detach().flatten().double()
    v = v[v != 0] * scale
    if v.numel() == 0:
        return {"zero": 0.0, "subnormal": 0.0, "normal": 0.0, "inf": 0.0}
    half = v.to(torch.float16).abs()
    counts = {
        "zero": (half == 0).sum(),
        "subnormal": ((half > 0) & (half < _HALF.tiny)).sum(),
        "normal": ((half >= _HALF.tiny) & torch.isfinite(half)).sum(),
        "inf": torch.isinf(half).sum(),
    }
    return {name: count.item() / v.numel() for name, count in counts.items()}


def draw_loss_scaling(values: torch.Tensor, scale_exponent: int = 0) -> Figure:
    """Histogram of log10 |values * 2**scale_exponent| against float16's limits."""
    scale = 2.0**scale_exponent
    v = values.detach().flatten().double()
    v = v[v != 0].abs() * scale
    fate = float16_fate(values, scale)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.axvspan(
        -30,
        torch.log10(torch.tensor(_SMALLEST_SUBNORMAL)).item(),
        color="tab:red",
        alpha=0.15,
        label="becomes 0 in float16",
    )
    ax.axvspan(
        torch.log10(torch.tensor(_SMALLEST_SUBNORMAL)).item(),
        torch.log10(torch.tensor(_HALF.tiny)).item(),
        color="tab:orange",
        alpha=0.15,
        label="subnormal (fewer digits)",
    )
    ax.axvspan(
        torch.log10(torch.tensor(_HALF.max)).item(),
        30,
        color="tab:purple",
        alpha=0.15,
        label="becomes inf",
    )
    ax.hist(torch.log10(v).numpy(), bins=60, color="tab:blue")
    ax.set(xlim=(-16, 12), xlabel="log10 |gradient × scale|", ylabel="count")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(
        f"scale 2^{scale_exponent}: {fate['zero']:.1%} underflow to 0, "
        f"{fate['subnormal']:.1%} subnormal, {fate['inf']:.1%} overflow"
    )
    fig.tight_layout()
    return fig


def loss_scaling_explorer(values: torch.Tensor, *, scale_exponent: int = 0) -> widgets.interactive:
    """Slide the loss scale 2^k and watch which of `values` (e.g. gradients) survive float16."""

    return explorer(
        partial(draw_loss_scaling, values),
        scale_exponent=widgets.IntSlider(
            value=scale_exponent, min=-24, max=32, description="log2 scale"
        ),
    )
