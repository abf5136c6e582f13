"""Training helpers: a readable `fit` / `evaluate` pair, its `History`, curves and checkpoints.

`fit` is the loop lesson 05 writes by hand: per epoch it trains (model.train(), one optimizer step
per batch), evaluates (model.eval() under torch.no_grad()), records the averages, shows a progress
bar and, in JupyterLab, redraws the curves as it goes (with no front end: one figure at the end).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn
from tqdm.auto import tqdm

from course.utils import get_device

__all__ = ["History", "evaluate", "fit", "load_checkpoint", "save_checkpoint", "train_one_epoch"]

Batch = tuple[torch.Tensor, torch.Tensor]


@dataclass
class History:
    """Per-epoch averages: one float per finished epoch in each list (val lists stay empty
    without a validation loader); `lr` is the first parameter group's learning rate."""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def to_dict(self) -> dict[str, list[float]]:
        return asdict(self)

    def plot(self, *, title: str | None = None) -> Figure:
        """Loss (left) and accuracy (right) per epoch, training and validation."""
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
        draw_history(self, ax_loss, ax_acc)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig


def draw_history(history: History, ax_loss: plt.Axes, ax_acc: plt.Axes) -> None:
    """Draw `history` onto two existing axes (cleared first)."""
    for ax, key in [(ax_loss, "loss"), (ax_acc, "accuracy")]:
        ax.clear()
        for part, style in [("train", "-o"), ("val", "-s")]:
            values = getattr(history, f"{part}_{key}")
            if values:
                ax.plot(range(1, len(values) + 1), values, style, markersize=3, label=part)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        if history.epochs:
            ax.legend()


def _correct(y_hat: torch.Tensor, y: torch.Tensor) -> int | None:
    """Number of right predictions for class scores (N, C) against labels (N,) or soft targets
    (N, C); None when the outputs are not class scores (for example regression)."""
    if y_hat.dim() != 2 or y_hat.shape[1] < 2:
        return None
    if y.dim() == 2 and y.shape == y_hat.shape:
        y = y.argmax(dim=1)
    if y.dim() != 1 or y.is_floating_point():
        return None
    return int((y_hat.argmax(dim=1) == y).sum())


def _averages(total_loss: float, correct: int | None, count: int) -> dict[str, float]:
    accuracy = correct / count if correct is not None and count else float("nan")
    return {"loss": total_loss / max(count, 1), "accuracy": accuracy}


def train_one_epoch(
    model: nn.Module,
    loader: Iterable[Batch],
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    device: torch.device | str | None = None,
    batch_scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    progress: tqdm | None = None,
) -> dict[str, float]:
    """One pass over `loader` in training mode, one optimizer step per batch.

    Returns the epoch's mean loss (weighted by batch size) and accuracy. `batch_scheduler`, if
    given, is stepped after every optimizer step (warm-up schedules count steps, not epochs).
    """
    device = get_device(device)
    model.train()
    total_loss, correct, count = 0.0, 0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        y_hat = model(X)
        loss = loss_fn(y_hat, y)
        loss.backward()
        optimizer.step()
        if batch_scheduler is not None:
            batch_scheduler.step()
        total_loss += loss.item() * len(X)
        right = _correct(y_hat.detach(), y)
        correct = None if right is None or correct is None else correct + right
        count += len(X)
        if progress is not None:
            progress.update(1)
            progress.set_postfix(loss=f"{total_loss / count:.4f}", refresh=False)
    return _averages(total_loss, correct, count)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable[Batch],
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """Mean loss and accuracy of `model` over `loader`, in eval mode and without gradients.

    Returns {"loss": float, "accuracy": float in [0, 1] (nan if outputs are not class scores)}.
    The model is left in eval mode; `fit` switches it back to training mode each epoch.
    """
    device = get_device(device)
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        y_hat = model(X)
        total_loss += loss_fn(y_hat, y).item() * len(X)
        right = _correct(y_hat, y)
        correct = None if right is None or correct is None else correct + right
        count += len(X)
    return _averages(total_loss, correct, count)


# Written into every checkpoint this module saves: names the layout (and its writer), so a
# loader, or an exercise's test, can tell it from a file written by other code.
CHECKPOINT_FORMAT = "course.train checkpoint 1"


def save_checkpoint(
    path: str | Path,
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    epoch: int = 0,
    best_metric: float | None = None,
    history: History | None = None,
    generator: torch.Generator | None = None,
) -> Path:
    """Save everything needed to resume: state dicts, epochs done, best metric, history and the
    random state (global CPU and the DataLoader's `generator`, if it has one), so the next shuffle
    and dropout mask are the ones an uninterrupted run would have drawn."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": CHECKPOINT_FORMAT,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "best_metric": best_metric,
        "history": history.to_dict() if history is not None else None,
        "torch_rng_state": torch.get_rng_state(),
        "generator_state": generator.get_state() if generator is not None else None,
    }
    torch.save(state, path)
    return path


def load_checkpoint(
    path: str | Path,
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    generator: torch.Generator | None = None,
    restore_rng: bool = True,
    map_location: torch.device | str = "cpu",
) -> dict:
    """Load a `save_checkpoint` file into the given objects (with weights_only=True: only tensors
    and plain containers are unpickled, never arbitrary code).

    Returns {"epoch": int, "best_metric": float | None, "history": History}.
    """
    state = torch.load(path, map_location=map_location, weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None and state["optimizer"] is not None:
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state["scheduler"] is not None:
        scheduler.load_state_dict(state["scheduler"])
    if restore_rng:
        torch.set_rng_state(state["torch_rng_state"].cpu())
        if generator is not None and state["generator_state"] is not None:
            generator.set_state(state["generator_state"].cpu())
    history = History(**state["history"]) if state["history"] else History()
    return {"epoch": state["epoch"], "best_metric": state["best_metric"], "history": history}


def _record(history: History, train: dict[str, float], val: dict[str, float] | None) -> float:
    """Append one epoch's averages; return the metric for "best" (higher is better): validation
    accuracy, else minus the validation loss, else minus the training loss."""
    history.train_loss.append(train["loss"])
    history.train_accuracy.append(train["accuracy"])
    if val is None:
        return -train["loss"]
    history.val_loss.append(val["loss"])
    history.val_accuracy.append(val["accuracy"])
    return -val["loss"] if math.isnan(val["accuracy"]) else val["accuracy"]


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where figures can be displayed and updated)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class _LiveCurves:
    """A figure shown once in the notebook and redrawn in place: at most every `every` seconds, and
    never more than about a fifth of the time (a redraw renders a PNG, which is not free)."""

    def __init__(self, *, every: float = 2.0) -> None:
        from IPython.display import display

        self.fig, (self.ax_loss, self.ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
        self.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.95, wspace=0.25)
        plt.close(self.fig)  # we display it ourselves; the inline backend must not add a copy
        self.handle = display(self.fig, display_id=True)
        self.every, self.last, self.cost = every, time.perf_counter(), 0.0

    def update(self, history: History, *, final: bool = False) -> None:
        start = time.perf_counter()
        if not final and start - self.last < max(self.every, 4 * self.cost):
            return
        draw_history(history, self.ax_loss, self.ax_acc)
        self.handle.update(self.fig)
        self.last = time.perf_counter()
        self.cost = self.last - start


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    num_epochs: int,
    val_loader: Iterable[Batch] | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    scheduler_per_batch: bool = False,
    device: torch.device | str | None = None,
    live: bool = True,
    progress: bool = True,
    checkpoint_path: str | Path | None = None,
    resume: bool = False,
) -> History:
    """Train for `num_epochs` epochs in total and return the `History`.

    `scheduler` steps once per epoch (after validation; ReduceLROnPlateau gets the validation loss),
    or after every batch with `scheduler_per_batch=True`. `live` draws the curves: updated in place
    in JupyterLab, one static figure at the end otherwise. With `checkpoint_path` a checkpoint is
    written after every epoch; with `resume=True` an existing one is loaded first and training
    continues from the epoch after it, up to `num_epochs`.
    """
    device = get_device(device)
    model.to(device)
    objects = {"model": model, "optimizer": optimizer, "scheduler": scheduler}
    objects["generator"] = getattr(train_loader, "generator", None)  # the shuffle's random stream
    history, start, best = History(), 0, None
    if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
        state = load_checkpoint(checkpoint_path, **objects)
        history, start, best = state["history"], state["epoch"], state["best_metric"]
    curves = _LiveCurves() if live and _in_notebook() else None
    steps = len(train_loader) if hasattr(train_loader, "__len__") else None
    for epoch in range(start, num_epochs):
        bar = tqdm(total=steps, desc=f"epoch {epoch + 1}/{num_epochs}", disable=not progress)
        history.lr.append(optimizer.param_groups[0]["lr"])
        per_batch = scheduler if scheduler_per_batch else None
        train = train_one_epoch(model, train_loader, loss_fn=loss_fn, optimizer=optimizer,
                                device=device, batch_scheduler=per_batch, progress=bar)  # fmt: skip
        bar.close()
        val = None
        if val_loader is not None:
            val = evaluate(model, val_loader, loss_fn=loss_fn, device=device)
        metric = _record(history, train, val)
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(history.val_loss[-1] if history.val_loss else train["loss"])
        elif scheduler is not None and not scheduler_per_batch:
            scheduler.step()
        best = metric if best is None else max(best, metric)
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, **objects, epoch=epoch + 1, best_metric=best,
                            history=history)  # fmt: skip
        if curves is not None:
            curves.update(history)
    if curves is not None:
        curves.update(history, final=True)
    elif live:
        history.plot()  # no front end to update: one static figure with the whole run
    return history
