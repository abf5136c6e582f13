"""GANs on the 8x8 digits: the epoch loop around a training step, a digit classifier for scoring
samples, and pictures.

The lesson writes the parts a student learns: the D and G steps, sampling, and the quality score.
This module only runs a given step over epochs and draws what happened.

Images live in the generator's range [-1, 1] (tanh) throughout: `X * 2 - 1` turns the digits of
`course.data.load_digits` (in [0, 1]) into it. Every image tensor here is (N, 1, 8, 8).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course import plot, utils

__all__ = [
    "GANHistory",
    "fit_digit_classifier",
    "show_history",
    "show_samples",
    "show_snapshots",
    "train_gan",
]


@dataclass
class GANHistory:
    """What `train_gan` records, one entry per epoch (snapshots every `snapshot_every` epochs)."""

    d_loss: list[float] = field(default_factory=list)  # mean discriminator loss (real + fake)
    g_loss: list[float] = field(default_factory=list)  # mean non-saturating generator loss
    d_real: list[float] = field(default_factory=list)  # mean D(real) on the epoch's last batch
    d_fake: list[float] = field(default_factory=list)  # mean D(G(z)) on that batch's codes
    snapshot_epochs: list[int] = field(default_factory=list)  # 1-based epochs of the snapshots
    snapshots: list[torch.Tensor] = field(default_factory=list)  # G(fixed_z): (n, 1, 8, 8) on CPU


def _device_of(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


# step(G, D, real, z, opt_G, opt_D) -> (d_loss, g_loss): one D step then one G step, as the
# lesson writes it (section 5); the loop below only feeds it batches and records what happens.
GANStep = Callable[
    [
        nn.Module,
        nn.Module,
        torch.Tensor,
        torch.Tensor,
        torch.optim.Optimizer,
        torch.optim.Optimizer,
    ],
    tuple[float, float],
]


@torch.no_grad()
def _d_probabilities(D: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> tuple[float, float]:
    """Mean D probability on `real` and on `fake` (N, 1, 8, 8), in eval mode; D ends in train."""
    D.eval()
    d_real = torch.sigmoid(D(real)).mean().item()
    d_fake = torch.sigmoid(D(fake)).mean().item()
    D.train()
    return d_real, d_fake


@torch.no_grad()
def _snapshot(G: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """G(z) (n, 1, 8, 8) on the CPU, in eval mode; G ends in train mode, as training goes on."""
    G.eval()
    images = G(z.to(_device_of(G))).cpu()
    G.train()
    return images


def _real_batches(train_loader: DataLoader, device: torch.device):
    """The real images of each batch, (batch, 1, 8, 8) on `device` (labels are dropped)."""
    for batch in train_loader:
        yield (batch[0] if isinstance(batch, list | tuple) else batch).to(device)


def train_gan(
    G: nn.Module,
    D: nn.Module,
    train_loader: DataLoader,
    *,
    step: GANStep,
    z_dim: int,
    num_epochs: int,
    lr: float = 2e-4,
    d_lr: float | None = None,
    betas: tuple[float, float] = (0.5, 0.999),
    fixed_z: torch.Tensor | None = None,
    snapshot_every: int = 1,
    progress: bool = True,
) -> GANHistory:
    """Run `step(G, D, real, z, opt_G, opt_D)` on every batch for `num_epochs` epochs.

    `step` is the lesson's training step (it returns `(d_loss, g_loss)`); this function makes the
    two Adam optimizers (`d_lr`, default `lr`, lets D learn faster or slower than G), draws
    z (batch, z_dim) per batch, and records the mean losses, D's mean probability on the last
    real batch and on fakes of its codes, and G's samples of `fixed_z` (n, z_dim) every
    `snapshot_every` epochs. Batches are `real` (batch, 1, 8, 8) in [-1, 1] or `(real, label)`.
    """
    from tqdm.auto import tqdm

    device = _device_of(G)
    opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=d_lr or lr, betas=betas)
    history = GANHistory()
    G.train()
    D.train()
    for epoch in tqdm(range(1, num_epochs + 1), desc="epochs", disable=not progress):
        losses = []
        for real in _real_batches(train_loader, device):
            z = torch.randn(len(real), z_dim, device=device)
            losses.append(step(G, D, real, z, opt_G, opt_D))
        d_loss, g_loss = torch.tensor(losses).mean(dim=0).tolist()
        history.d_loss.append(d_loss)
        history.g_loss.append(g_loss)
        fake = _snapshot(G, z).to(device)  # eval mode: batch norm statistics stay as trained
        for values, value in zip(
            (history.d_real, history.d_fake), _d_probabilities(D, real, fake), strict=True
        ):
            values.append(value)
        if fixed_z is not None and (epoch % snapshot_every == 0 or epoch == num_epochs):
            history.snapshot_epochs.append(epoch)
            history.snapshots.append(_snapshot(G, fixed_z))
    return history


def fit_digit_classifier(
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    num_epochs: int = 30,
    lr: float = 3e-3,
    batch_size: int = 64,
    seed: int = 0,
) -> nn.Module:
    """Train a small MLP on digits X (N, 1, 8, 8) in [-1, 1] with labels y (N,); return it in eval.

    It judges GAN samples, so it is trained in the generator's range [-1, 1]. About a second on a
    CPU; around 98% test accuracy on the digits.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(
        TensorDataset(X, y), batch_size=batch_size, shuffle=True, generator=generator
    )
    model.train()
    with utils.one_thread():  # a model this small only loses time to threads waiting on each other
        for _ in range(num_epochs):
            for X_batch, y_batch in loader:
                loss = loss_fn(model(X_batch), y_batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return model.eval()


def show_samples(images: torch.Tensor, *, ncols: int = 10, title: str | None = None) -> Figure:
    """Show images (N, 1, 8, 8) in [-1, 1] on one shared grey scale (black ink, white paper)."""
    fig = plot.show_images(images.detach().cpu(), ncols=ncols, vmin=-1.0, vmax=1.0)
    if title:
        fig.suptitle(title)
        fig.tight_layout()
    return fig


def show_snapshots(history: GANHistory, *, max_images: int = 10) -> Figure:
    """One row per snapshot epoch: the same latent codes decoded as training goes on."""
    rows = len(history.snapshots)
    if rows == 0:
        raise ValueError("the history has no snapshots: pass fixed_z to train_gan")
    ncols = min(max_images, len(history.snapshots[0]))
    fig, axes = plt.subplots(rows, ncols, figsize=(0.8 * ncols + 0.8, 0.85 * rows), squeeze=False)
    for row, (epoch, images) in enumerate(
        zip(history.snapshot_epochs, history.snapshots, strict=True)
    ):
        for col, ax in enumerate(axes[row]):
            ax.imshow(images[col, 0].numpy(), cmap="gray_r", vmin=-1.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(f"epoch {epoch}", rotation=0, ha="right", va="center")
    fig.suptitle("G(fixed z) during training")
    fig.tight_layout()
    return fig


def show_history(history: GANHistory, *, title: str = "GAN training") -> Figure:
    """Left: both losses per epoch. Right: D's mean probability on real and on fake images."""
    epochs = range(1, len(history.d_loss) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.plot(epochs, history.d_loss, label="D loss (real + fake)")
    left.plot(epochs, history.g_loss, label="G loss (non-saturating)")
    left.axhline(2 * math.log(2), color="grey", ls=":", label="D loss at D = 1/2 everywhere")
    left.set_xlabel("epoch")
    left.legend(fontsize=8)
    right.plot(epochs, history.d_real, label="D(real)")
    right.plot(epochs, history.d_fake, label="D(G(z))")
    right.axhline(0.5, color="grey", ls=":")
    right.set_ylim(0, 1)
    right.set_xlabel("epoch")
    right.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
