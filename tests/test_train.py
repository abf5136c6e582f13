"""Tests for course.train: the training loop, evaluation, history, live curves and checkpoints."""

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course import train, utils
from course.data import DigitsDataset


@pytest.fixture(autouse=True)
def _one_thread():
    """The course's thread policy for tiny models (see course.utils)."""
    with utils.one_thread():
        yield


def _loaders(seed: int = 0, batch_size: int = 64):
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(
        DigitsDataset("train"), batch_size=batch_size, shuffle=True, generator=generator
    )
    val_loader = DataLoader(DigitsDataset("val"), batch_size=256)
    return train_loader, val_loader


def _model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def test_fit_learns_digits_and_records_history():
    """Does fit reach good validation accuracy and record one value per epoch in each list?"""
    train_loader, val_loader = _loaders()
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = train.fit(
        model,
        train_loader,
        loss_fn=nn.CrossEntropyLoss(),
        optimizer=optimizer,
        num_epochs=5,
        val_loader=val_loader,
        device="cpu",
        live=False,
        progress=False,
    )
    assert history.epochs == 5
    for values in (history.train_accuracy, history.val_loss, history.val_accuracy, history.lr):
        assert len(values) == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_accuracy[-1] > 0.9


def test_evaluate_uses_eval_mode_and_no_grad():
    """Is dropout off (repeatable outputs) and is no graph built during evaluation?"""
    seen = {}

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(64, 10))

        def forward(self, X):
            out = self.net(X)
            seen["training"], seen["grad"] = self.training, out.requires_grad
            return out

    model = Spy()
    _, val_loader = _loaders()
    first = train.evaluate(model, val_loader, loss_fn=nn.CrossEntropyLoss(), device="cpu")
    second = train.evaluate(model, val_loader, loss_fn=nn.CrossEntropyLoss(), device="cpu")
    assert seen == {"training": False, "grad": False}
    assert first == second and set(first) == {"loss", "accuracy"}


def test_evaluate_weights_batches_by_size():
    """With an uneven last batch, is the mean over samples (not over batches)?"""
    X = torch.zeros(5, 2)
    y = torch.tensor([0, 0, 0, 1, 1])
    model = nn.Linear(2, 2)
    nn.init.zeros_(model.weight)
    with torch.no_grad():
        model.bias.copy_(torch.tensor([1.0, 0.0]))
    loader = DataLoader(TensorDataset(X, y), batch_size=3)
    result = train.evaluate(model, loader, loss_fn=nn.CrossEntropyLoss(), device="cpu")
    expected = nn.CrossEntropyLoss()(model(X), y).item()
    assert result["loss"] == pytest.approx(expected)
    assert result["accuracy"] == pytest.approx(3 / 5)


def test_accuracy_handles_soft_targets_and_regression():
    """Soft (mixup) targets use their argmax; non-class outputs give nan accuracy."""
    scores = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    assert train._correct(scores, torch.tensor([[0.7, 0.3], [0.6, 0.4]])) == 1
    regression = DataLoader(TensorDataset(torch.randn(6, 3), torch.randn(6, 1)), batch_size=4)
    result = train.evaluate(nn.Linear(3, 1), regression, loss_fn=nn.MSELoss(), device="cpu")
    assert math.isnan(result["accuracy"]) and result["loss"] > 0


def _fit_sgd(
    num_epochs: int,
    *,
    batch_size: int = 400,
    scheduler: Callable[[torch.optim.Optimizer], Any] | None = None,
    with_val: bool = False,
    **options: Any,
) -> tuple[train.History, Any]:
    """`fit` a fresh digits MLP with SGD (lr 0.1) on the CPU, without a progress bar or (unless
    `live=True` is passed) curves. `scheduler` builds a scheduler from the optimizer.
    Returns the history and the scheduler."""
    train_loader, val_loader = _loaders(batch_size=batch_size)
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    built = scheduler(optimizer) if scheduler is not None else None
    history = train.fit(
        model, train_loader, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer,
        num_epochs=num_epochs, scheduler=built, val_loader=val_loader if with_val else None,
        device="cpu", progress=False, **{"live": False, **options},
    )  # fmt: skip
    return history, built


def test_one_optimizer_step_per_batch_and_per_batch_scheduler():
    """Is the optimizer stepped once per batch, and a per-batch scheduler too?"""
    history, scheduler = _fit_sgd(
        2,
        batch_size=200,  # 1257 samples: 7 batches
        scheduler=lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 / (step + 1)),
        scheduler_per_batch=True,
    )
    assert scheduler.last_epoch == 14
    assert history.lr == pytest.approx([0.1, 0.1 / 8])
    assert history.val_loss == [] and history.val_accuracy == []


def test_epoch_scheduler_steps_once_per_epoch():
    """An epoch scheduler (StepLR) halves the learning rate once after each epoch."""
    history, _ = _fit_sgd(
        3, scheduler=lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    )
    assert history.lr == pytest.approx([0.1, 0.05, 0.025])


@pytest.mark.parametrize("with_val", [True, False], ids=["val loss", "train loss"])
def test_plateau_scheduler_receives_the_epoch_loss(monkeypatch, with_val):
    """Does ReduceLROnPlateau get, once per epoch, the validation loss (or, without a validation
    loader, the training loss) that fit recorded for that epoch?"""
    received = []

    def plateau(optimizer):
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
        step = scheduler.step

        def record(metric):
            received.append(metric)
            return step(metric)

        monkeypatch.setattr(scheduler, "step", record)
        return scheduler

    history, _ = _fit_sgd(2, scheduler=plateau, with_val=with_val)
    expected = history.val_loss if with_val else history.train_loss
    assert received == pytest.approx(expected) and len(received) == 2, (received, expected)


def test_live_curves_without_front_end_draw_one_static_figure():
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    _fit_sgd(2, live=True)
    assert len(plt.get_fignums()) == before + 1


def test_live_curves_in_a_notebook_display_once_and_update(monkeypatch):
    """In a kernel: one display with an id, updated in place, no stray inline figure."""
    import IPython.display
    import matplotlib.pyplot as plt

    calls = []

    class Handle:
        def update(self, fig):
            calls.append(("update", fig))

    def fake_display(obj, display_id=False):
        calls.append(("display", display_id))
        return Handle()

    monkeypatch.setattr(train, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", fake_display)
    before = len(plt.get_fignums())
    _fit_sgd(3, with_val=True, live=True)
    assert calls[0] == ("display", True)
    updates = [fig for kind, fig in calls if kind == "update"]
    assert 1 <= len(updates) <= 4 and isinstance(updates[-1], Figure)
    assert len(updates[-1].axes[0].lines) == 2  # train and val curves drawn at the end
    assert len(plt.get_fignums()) == before


def test_history_plot_has_loss_and_accuracy_panels():
    history = train.History([1.0, 0.5], [0.5, 0.8], [1.1, 0.6], [0.4, 0.7], [0.1, 0.1])
    fig = history.plot(title="run")
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert history.to_dict()["val_accuracy"] == [0.4, 0.7]


def test_checkpoint_round_trip_with_weights_only(tmp_path):
    """Are model, optimizer, scheduler, epoch, best metric and history restored?"""
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    loss = model(torch.randn(4, 1, 8, 8)).sum()
    loss.backward()
    optimizer.step()
    scheduler.step()
    history = train.History(train_loss=[0.3], train_accuracy=[0.9])
    path = train.save_checkpoint(
        tmp_path / "run" / "last.pt",
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        epoch=4,
        best_metric=0.93,
        history=history,
    )
    state = torch.load(path, weights_only=True)  # loadable safely
    assert state["epoch"] == 4
    model2 = _model(seed=1)
    optimizer2 = torch.optim.SGD(model2.parameters(), lr=0.1, momentum=0.9)
    scheduler2 = torch.optim.lr_scheduler.StepLR(optimizer2, step_size=1, gamma=0.5)
    info = train.load_checkpoint(path, model=model2, optimizer=optimizer2, scheduler=scheduler2)
    assert info["epoch"] == 4 and info["best_metric"] == 0.93
    assert info["history"] == history
    for a, b in zip(model.parameters(), model2.parameters(), strict=True):
        assert torch.equal(a, b)
    assert optimizer2.param_groups[0]["lr"] == 0.05
    assert torch.equal(
        optimizer2.state_dict()["state"][0]["momentum_buffer"],
        optimizer.state_dict()["state"][0]["momentum_buffer"],
    )
    assert scheduler2.last_epoch == 1


def test_resume_gives_exactly_the_uninterrupted_run(tmp_path):
    """Training 2 epochs, stopping, and resuming to 4 equals training 4 epochs straight."""

    def run(num_epochs, path, resume):
        train_loader, val_loader = _loaders(seed=3)
        model = _model()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.8)
        torch.manual_seed(11)
        history = train.fit(
            model,
            train_loader,
            loss_fn=nn.CrossEntropyLoss(),
            optimizer=optimizer,
            num_epochs=num_epochs,
            val_loader=val_loader,
            scheduler=scheduler,
            device="cpu",
            live=False,
            progress=False,
            checkpoint_path=path,
            resume=resume,
        )
        return model, history

    straight, straight_history = run(4, None, False)
    path = tmp_path / "ckpt.pt"
    run(2, path, False)
    resumed, resumed_history = run(4, path, True)
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)
    assert resumed_history == straight_history
    assert torch.load(path, weights_only=True)["best_metric"] == max(straight_history.val_accuracy)
