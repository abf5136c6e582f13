"""Tests for course.utils: seeding, device choice, the one-thread policy and timing."""

import os
import time

import torch

from course import utils


def test_seed_everything_makes_random_draws_repeat():
    """Does seeding twice give the same random numbers from torch, numpy and random?"""
    import random

    import numpy as np

    def draw():
        return torch.randn(3).tolist(), np.random.rand(2).tolist(), random.random()

    utils.seed_everything(7)
    first = draw()
    utils.seed_everything(7)
    assert draw() == first


def test_seed_everything_returns_a_seeded_generator():
    """Does the returned generator produce the same stream for the same seed?"""
    a = torch.rand(4, generator=utils.seed_everything(3))
    b = torch.rand(4, generator=utils.seed_everything(3))
    assert torch.equal(a, b)


def test_get_device_honours_preference_and_environment(monkeypatch):
    """Can a lesson be forced onto a device without editing it?"""
    assert utils.get_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert utils.get_device() == torch.device("cpu")


def test_get_device_falls_back_to_cpu_without_accelerators(monkeypatch):
    """With no CUDA or MPS, is the CPU chosen?"""
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert utils.get_device() == torch.device("cpu")


def test_timer_measures_elapsed_time():
    """Does the timer report at least the time a block took? (An upper bound would fail on a busy
    machine; how close it comes is measured in benchmarks/speed.py.)"""
    with utils.Timer() as timer:
        time.sleep(0.05)
    assert timer.elapsed >= 0.05


def test_time_it_returns_best_time_and_calls_function():
    """Does time_it warm up once, then time `repeat` calls?"""
    calls = []
    best = utils.time_it(lambda: calls.append(1), repeat=3)
    assert len(calls) == 4
    assert best >= 0


def test_one_thread_in_a_with_block_gives_the_threads_back():
    """Is the block run on one thread, and the caller's count restored after, even on an error?"""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with utils.one_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        try:
            with utils.one_thread():
                raise KeyError("inside")
        except KeyError:
            pass
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_one_thread_called_alone_keeps_one_thread():
    """Called on its own (a lesson's setup cell), does it leave PyTorch on one thread?"""
    before = torch.get_num_threads()
    try:
        utils.one_thread()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_seed_everything_leaves_the_environment_alone(monkeypatch):
    """String hashing is fixed when Python starts, so seeding must not pretend to set it."""
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    utils.seed_everything(1)
    assert "PYTHONHASHSEED" not in os.environ
