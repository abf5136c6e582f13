"""Tests for course.widgets.latent: the walk between two latent codes of a generator."""

import ipywidgets
import torch
from torch import nn

from course import widgets


def generator() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 64), nn.Dropout(0.5), nn.Tanh(), nn.Unflatten(1, (1, 8, 8)))


def test_interpolation_starts_at_z_a_and_ends_at_z_b():
    """Is t = 0 the first code, t = 1 the second and t = 0.5 their mean?"""
    z_a, z_b = torch.randn(5), torch.randn(5)
    points = widgets.interpolate(z_a, z_b, torch.tensor([0.0, 0.5, 1.0]))
    assert points.shape == (3, 5)
    torch.testing.assert_close(points[0], z_a)
    torch.testing.assert_close(points[1], (z_a + z_b) / 2)
    torch.testing.assert_close(points[2], z_b)


def test_latent_codes_depend_only_on_their_seed():
    """Does a seed always give the same code, and another seed another code?"""
    torch.rand(3)
    assert torch.equal(widgets.latent_code(4, 8), widgets.latent_code(4, 8))
    assert not torch.equal(widgets.latent_code(4, 8), widgets.latent_code(5, 8))


def test_explorer_draws_at_once_with_the_generator_as_given():
    """Does the explorer draw headless with G in the mode it was given (eval: no dropout)?"""
    G = generator().eval()
    explorer = widgets.latent_explorer(G, z_dim=3, steps=5)
    assert isinstance(explorer, ipywidgets.interactive)
    assert len(explorer.result.axes) == 6
    assert not G.training
    big = explorer.result.axes[-1].images[0].get_array()
    explorer.children[2].value = 1.0  # t
    end = explorer.result.axes[-1].images[0].get_array()
    last_of_strip = explorer.result.axes[4].images[0].get_array()
    assert (big != end).any()
    assert (end == last_of_strip).all()  # no dropout: the same code decodes to the same image


def test_explorer_titles_images_with_the_classifier_prediction():
    """With a classifier, is each image titled with its predicted digit and confidence?"""
    classifier = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    fig = widgets.draw_interpolation(
        generator(), torch.zeros(3), torch.ones(3), 0.3, steps=4, classifier=classifier
    )
    assert "t = 0.30" in fig.axes[-1].get_title()
    assert "%)" in fig.axes[0].get_title()
