"""GANs on the 8x8 digits: a training loop, a digit classifier that scores samples, and pictures.

Images live in the generator's range [-1, 1] (tanh) throughout: `X * 2 - 1` turns the digits of
`course.data.load_digits` (in [0, 1]) into it. Every image tensor here is (N, 1, 8, 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course import plot

__all__ = [
    "GANHistory",
    "fit_digit_classifier",
    "quality_from_logits",
    "sample_quality",
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
    d_real: list[float] = field(default_factory=list)  # mean D probability on real images
    d_fake: list[float] = field(default_factory=list)  # mean D probability on fakes (before G step)
    snapshot_epochs: list[int] = field(default_factory=list)  # 1-based epochs of the snapshots
    snapshots: list[torch.Tensor] = field(default_factory=list)  # G(fixed_z): (n, 1, 8, 8) on CPU


def _device_of(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


@torch.no_grad()
def _generate(G: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """G(z) in eval mode without a graph, G's mode restored; returned on the CPU."""
    was_training = G.training
    G.eval()
    images = G(z.to(_device_of(G))).cpu()
    G.train(was_training)
    return images


def _train_batch(
    G: nn.Module,
    D: nn.Module,
    real: torch.Tensor,
    z: torch.Tensor,
    *,
    opt_G: torch.optim.Optimizer,
    opt_D: torch.optim.Optimizer,
    loss_fn: nn.Module,
) -> tuple[float, float, float, float]:
    """One D step then one G step; returns (d_loss, g_loss, mean D(real), mean D(fake))."""
    fake = G(z)
    real_logits, fake_logits = D(real), D(fake.detach())  # detach: the D step leaves G alone
    d_loss = loss_fn(real_logits, torch.ones_like(real_logits)) + loss_fn(
        fake_logits, torch.zeros_like(fake_logits)
    )
    opt_D.zero_grad()
    d_loss.backward()
    opt_D.step()

    logits = D(fake)  # the updated D judges the same fakes; G wants them called real (label 1)
    g_loss = loss_fn(logits, torch.ones_like(logits))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    d_real = torch.sigmoid(real_logits).mean().item()
    d_fake = torch.sigmoid(fake_logits).mean().item()
    return d_loss.item(), g_loss.item(), d_real, d_fake


def train_gan(
    G: nn.Module,
    D: nn.Module,
    train_loader: DataLoader,
    *,
    z_dim: int,
    num_epochs: int,
    lr: float = 2e-4,
    d_lr: float | None = None,
    betas: tuple[float, float] = (0.5, 0.999),
    fixed_z: torch.Tensor | None = None,
    snapshot_every: int = 1,
    progress: bool = True,
) -> GANHistory:
    """Train G and D with separate Adam optimizers: per batch one D step, then one G step.

    Batches are `real` (batch, 1, 8, 8) in [-1, 1] (or `(real, label)` pairs; labels are ignored).
    D returns logits (batch, 1), scored with `BCEWithLogitsLoss`. `d_lr` (default `lr`) lets D
    learn faster or slower than G. G's samples of `fixed_z` (n, z_dim) are kept every
    `snapshot_every` epochs, so a picture can show one set of latent codes improving.
    """
    from tqdm.auto import tqdm

    device = _device_of(G)
    loss_fn = nn.BCEWithLogitsLoss()
    opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=d_lr or lr, betas=betas)
    history = GANHistory()
    G.train()
    D.train()
    for epoch in tqdm(range(1, num_epochs + 1), desc="epochs", disable=not progress):
        sums = torch.zeros(4)
        for batch in train_loader:
            real = (batch[0] if isinstance(batch, list | tuple) else batch).to(device)
            z = torch.randn(len(real), z_dim, device=device)
            stats = _train_batch(G, D, real, z, opt_G=opt_G, opt_D=opt_D, loss_fn=loss_fn)
            sums += torch.tensor(stats)
        means = (sums / len(train_loader)).tolist()
        for values, mean in zip(
            (history.d_loss, history.g_loss, history.d_real, history.d_fake), means, strict=True
        ):
            values.append(mean)
        if fixed_z is not None and (epoch % snapshot_every == 0 or epoch == num_epochs):
            history.snapshot_epochs.append(epoch)
            history.snapshots.append(_generate(G, fixed_z))
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

    It scores GAN samples, so it is trained in the generator's range [-1, 1]. About a second on a
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
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small only loses time to threads waiting on each other
    try:
        for _ in range(num_epochs):
            for X_batch, y_batch in loader:
                loss = loss_fn(model(X_batch), y_batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    finally:
        torch.set_num_threads(threads)
    return model.eval()


def quality_from_logits(logits: torch.Tensor) -> dict[str, float]:
    """Score a classifier's logits (N, num_classes) on a set of images.

    Returns `confidence` (mean top softmax probability: do the images look like *some* class?),
    `entropy` (bits, of the histogram of predicted classes: log2(num_classes) when every class is
    predicted equally often, 0 when all images get one class) and `covered` (how many classes are
    predicted at least once).
    """
    probs = torch.softmax(logits.detach().float(), dim=1)
    counts = torch.bincount(probs.argmax(dim=1), minlength=logits.shape[1]).float()
    freq = counts / counts.sum()
    seen = freq[freq > 0]
    return {
        "confidence": probs.max(dim=1).values.mean().item(),
        "entropy": -(seen * seen.log2()).sum().item() + 0.0,  # + 0.0 turns -0.0 into 0.0
        "covered": float((counts > 0).sum().item()),
    }


@torch.no_grad()
def sample_quality(classifier: nn.Module, images: torch.Tensor) -> dict[str, float]:
    """`quality_from_logits` of `classifier` on `images` (N, 1, 8, 8) in [-1, 1].

    For reference: real digits score a confidence near 0.99, entropy near log2(10) = 3.32 bits and
    10 classes covered. A collapsed generator has a low entropy however confident it looks.
    """
    classifier.eval()
    return quality_from_logits(classifier(images.to(_device_of(classifier))))


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
