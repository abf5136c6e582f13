"""The training explorer: learning rate, optimizer and batch size against a live learning curve.

A small network learns the digits in about a second, so moving a slider retrains it from the same
seed and redraws its loss and validation accuracy: too small a learning rate crawls, too large a one
bounces or blows up, and smaller batches take more (noisier) steps per epoch.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn

from course.data import load_digits
from course.utils import one_thread
from course.widgets._base import explorer

__all__ = ["OPTIMIZERS", "draw_training", "quick_train", "training_explorer"]

# A mean cross-entropy this large means the weights have blown up: stop and call it diverged.
_DIVERGED = 100.0

OPTIMIZERS = {
    "SGD": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "SGD + momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "Adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
}


def quick_train(
    *,
    optimizer: str = "SGD",
    lr: float = 0.1,
    batch_size: int = 64,
    num_epochs: int = 10,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train a 64-32-10 MLP on the digits' train split, on the CPU, from `seed`.

    Returns {"train_loss": per-epoch mean loss, "val_accuracy": per-epoch accuracy on "val"}; the
    lists stop early (shorter than `num_epochs`) if the loss diverges (inf, nan or above 100).
    """
    X, y = load_digits("train")
    X_val, y_val = load_digits("val")
    history: dict[str, list[float]] = {"train_loss": [], "val_accuracy": []}
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        opt = OPTIMIZERS[optimizer](model.parameters(), lr)
        for _ in range(num_epochs):
            loss = _one_epoch(model, opt, X, y, batch_size)
            if not math.isfinite(loss) or loss > _DIVERGED:
                break
            with torch.no_grad():
                accuracy = (model(X_val).argmax(1) == y_val).float().mean().item()
            history["train_loss"].append(loss)
            history["val_accuracy"].append(accuracy)
    return history


def _one_epoch(
    model: nn.Module, opt: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor, batch_size: int
) -> float:
    order = torch.randperm(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        loss = F.cross_entropy(model(X[batch]), y[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(batch)
    return total / len(X)


def draw_training(optimizer: str, lr: float, batch_size: int, num_epochs: int = 10) -> Figure:
    """Train with these settings (see `quick_train`) and draw loss and validation accuracy."""
    history = quick_train(optimizer=optimizer, lr=lr, batch_size=batch_size, num_epochs=num_epochs)
    steps = math.ceil(1257 / batch_size)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
    epochs = range(1, len(history["train_loss"]) + 1)
    ax_loss.semilogy(epochs, history["train_loss"], "o-", markersize=3)
    ax_loss.set(xlabel="epoch", ylabel="train loss (log scale)", xlim=(0.5, num_epochs + 0.5))
    ax_acc.plot(epochs, history["val_accuracy"], "o-", markersize=3, color="tab:green")
    ax_acc.set(
        xlabel="epoch", ylabel="validation accuracy", ylim=(0, 1), xlim=(0.5, num_epochs + 0.5)
    )
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    if len(history["train_loss"]) < num_epochs:
        verdict = "diverged (the loss blew up)"
    else:
        verdict = f"val accuracy {history['val_accuracy'][-1]:.1%}"
    fig.suptitle(f"{optimizer}, lr={lr:.3g}, batch {batch_size} ({steps} steps/epoch): {verdict}")
    fig.tight_layout()
    return fig


def training_explorer(
    *, optimizer: str = "SGD", lr: float = 0.1, batch_size: int = 64
) -> widgets.interactive:
    """Pick an optimizer, a learning rate and a batch size; the digits MLP retrains (about 1 s)."""

    return explorer(
        draw_training,
        optimizer=widgets.Dropdown(
            options=list(OPTIMIZERS), value=optimizer, description="optimizer"
        ),
        lr=widgets.FloatLogSlider(
            value=lr, base=10, min=-4, max=1, step=0.25, description="lr", readout_format=".4f"
        ),
        batch_size=widgets.SelectionSlider(
            options=[16, 32, 64, 128, 256, 1257], value=batch_size, description="batch"
        ),
        num_epochs=widgets.IntSlider(value=10, min=1, max=30, description="epochs"),
    )
