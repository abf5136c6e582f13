"""Tests for course.gan: the epoch loop, the scoring classifier and the pictures."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course import data, gan


def tiny_gan(seed: int = 0) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 64), nn.Tanh())
    G.append(nn.Unflatten(1, (1, 8, 8)))
    D = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    return G, D


def test_the_package_leaves_the_exercises_to_the_student():
    """Does course.gan hold no answer of lesson 06: no quality score, no training step, no sampler?

    The lesson writes the D and G steps, sampling in eval mode and the quality score, and its
    exercises ask for them; train_gan only runs a step the lesson passes in.
    """
    assert set(gan.__all__) == {
        "GANHistory",
        "fit_digit_classifier",
        "show_history",
        "show_samples",
        "show_snapshots",
        "train_gan",
    }
    for name in ("quality_from_logits", "sample_quality", "_train_batch", "_generate"):
        assert not hasattr(gan, name), name
    G, D = tiny_gan()
    loader = DataLoader(TensorDataset(torch.rand(4, 1, 8, 8)), batch_size=4)
    with pytest.raises(TypeError, match="step"):
        gan.train_gan(G, D, loader, z_dim=4, num_epochs=1, progress=False)


def test_classifier_scores_real_digits_as_confident_and_spread():
    """Does the scoring classifier reach 95% test accuracy, confident on real digits?"""
    X, y = data.load_digits("train")
    classifier = gan.fit_digit_classifier(X * 2 - 1, y, num_epochs=20)
    assert not classifier.training
    X_test, y_test = data.load_digits("test")
    with torch.no_grad():
        accuracy = (classifier(X_test * 2 - 1).argmax(dim=1) == y_test).float().mean()
    assert accuracy >= 0.95
    with torch.no_grad():
        probs = torch.softmax(classifier(X_test * 2 - 1), dim=1)
    assert probs.max(dim=1).values.mean() > 0.9


def test_classifier_training_is_reproducible():
    """Does the same seed give the same classifier whatever the global RNG did before?"""
    X, y = torch.rand(40, 1, 8, 8) * 2 - 1, torch.arange(40) % 10
    first = gan.fit_digit_classifier(X, y, num_epochs=2)
    torch.rand(5)
    second = gan.fit_digit_classifier(X, y, num_epochs=2)
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)


def lesson_step(G, D, real, z, opt_G, opt_D):
    """The lesson's step (section 5): one D step on real and detached fakes, then one G step."""
    loss_fn = nn.BCEWithLogitsLoss()
    fake = G(z)
    real_logits, fake_logits = D(real), D(fake.detach())
    d_loss = loss_fn(real_logits, torch.ones_like(real_logits))
    d_loss = d_loss + loss_fn(fake_logits, torch.zeros_like(fake_logits))
    opt_D.zero_grad()
    d_loss.backward()
    opt_D.step()
    logits = D(fake)
    g_loss = loss_fn(logits, torch.ones_like(logits))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return d_loss.item(), g_loss.item()


def reference_epoch(G, D, loader, z_dim, lr=2e-4):
    """The loop written out by hand: the optimizers, one z per batch, the lesson's step."""
    opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    losses = []
    for (real,) in loader:
        z = torch.randn(len(real), z_dim)
        losses.append(lesson_step(G, D, real, z, opt_G, opt_D))
    return torch.tensor(losses).mean(dim=0).tolist()


def test_train_gan_matches_the_loop_written_by_hand():
    """Does train_gan run the given step as the hand-written loop does, and record its losses?"""
    real = torch.rand(12, 1, 8, 8) * 2 - 1
    loader = DataLoader(TensorDataset(real), batch_size=4)
    G, D = tiny_gan()
    torch.manual_seed(1)
    history = gan.train_gan(
        G, D, loader, step=lesson_step, z_dim=4, num_epochs=1, progress=False
    )
    G_ref, D_ref = tiny_gan()
    torch.manual_seed(1)
    losses = reference_epoch(G_ref, D_ref, loader, z_dim=4)
    trained = [*G.parameters(), *D.parameters()]
    for a, b in zip(trained, [*G_ref.parameters(), *D_ref.parameters()], strict=True):
        torch.testing.assert_close(a, b)
    assert [history.d_loss, history.g_loss] == [[pytest.approx(v)] for v in losses]
    assert 0 < history.d_real[0] < 1 and 0 < history.d_fake[0] < 1


def test_train_gan_keeps_snapshots_of_the_fixed_codes():
    """Are G(fixed_z) samples kept every `snapshot_every` epochs and at the last one?"""
    real = torch.rand(8, 1, 8, 8) * 2 - 1
    loader = DataLoader(TensorDataset(real, torch.zeros(8)), batch_size=4)
    G, D = tiny_gan()
    history = gan.train_gan(
        G,
        D,
        loader,
        step=lesson_step,
        z_dim=4,
        num_epochs=5,
        fixed_z=torch.randn(6, 4),
        snapshot_every=2,
        progress=False,
    )
    assert history.snapshot_epochs == [2, 4, 5]
    assert all(s.shape == (6, 1, 8, 8) and not s.requires_grad for s in history.snapshots)
    assert len(history.d_loss) == len(history.d_real) == 5
    assert G.training and D.training


def test_pictures_draw_what_they_promise():
    """Do the history, snapshot and sample pictures draw, and refuse a history with no snapshots?"""
    history = gan.GANHistory(
        d_loss=[1.3, 1.2],
        g_loss=[0.8, 0.9],
        d_real=[0.6, 0.55],
        d_fake=[0.4, 0.45],
        snapshot_epochs=[1, 2],
        snapshots=[torch.rand(4, 1, 8, 8)] * 2,
    )
    fig = gan.show_history(history)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3
    fig = gan.show_snapshots(history, max_images=3)
    assert len(fig.axes) == 6
    fig = gan.show_samples(torch.rand(5, 1, 8, 8) * 2 - 1, ncols=5, title="x")
    assert {ax.images[0].get_clim() for ax in fig.axes if ax.images} == {(-1.0, 1.0)}
    with pytest.raises(ValueError, match="fixed_z"):
        gan.show_snapshots(gan.GANHistory())
