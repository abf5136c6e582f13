"""Tests for course.graph: the graph read from grad_fn has the right nodes and edges."""

import pytest
import torch

from course import graph


@pytest.fixture
def worked_example():
    """Q = 3a³ − b², the lesson's worked example, with both inputs requiring grad."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    return 3 * a**3 - b**2, {"a": a, "b": b}


def test_trace_finds_every_node_and_edge_of_the_worked_example(worked_example):
    """Does the walk from Q's grad_fn find Sub, Mul, two Pows and the leaves a and b?"""
    q, params = worked_example
    g = graph.trace_graph(q, params=params)
    assert sorted(g.labels) == sorted(
        ["SubBackward0", "MulBackward0", "PowBackward0", "PowBackward0", "a", "b"]
    )
    assert g.labels[0] == "SubBackward0" and g.kinds[0] == "output"
    assert g.named_edges() == {
        ("a", "PowBackward0"),
        ("PowBackward0", "MulBackward0"),
        ("MulBackward0", "SubBackward0"),
        ("b", "PowBackward0"),
        ("PowBackward0", "SubBackward0"),
    }
    assert [g.shapes[i] for i, k in enumerate(g.kinds) if k == "leaf"] == [(2,), (2,)]


def test_a_leaf_used_twice_is_one_node_with_two_edges():
    """Is a tensor used twice (x * x) one leaf with an edge for each use, deduplicated?"""
    x = torch.tensor(3.0, requires_grad=True)
    g = graph.trace_graph(x * x + x, params={"x": x})
    assert g.labels.count("x") == 1
    x_node = g.labels.index("x")
    consumers = sorted(g.labels[j] for i, j in g.edges if i == x_node)
    assert consumers == ["AddBackward0", "MulBackward0"]


def test_inputs_that_do_not_require_grad_are_left_out():
    """Do constants (no requires_grad) stay out of the graph, and unnamed leaves read 'leaf'?"""
    w = torch.ones(3, requires_grad=True)
    x = torch.arange(3.0)
    g = graph.trace_graph((w * x).sum())
    assert g.labels == ["SumBackward0", "MulBackward0", "leaf"]
    assert g.edges == [(1, 0), (2, 1)]


def test_a_tensor_without_history_is_refused():
    """Does a tensor computed without tracking get a clear error rather than an empty picture?"""
    with torch.no_grad():
        y = torch.ones(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="no grad_fn"):
        graph.trace_graph(y)


def test_draw_graph_puts_leaves_left_and_the_output_right(worked_example):
    """Does the figure hold one labelled box per node, leaves left of the output?"""
    q, params = worked_example
    fig = graph.draw_graph(q, params=params)
    texts = {t.get_text(): t.get_position() for t in fig.axes[0].texts}
    assert "a\nshape (2,)" in texts and "SubBackward0" in texts
    assert texts["a\nshape (2,)"][0] < texts["SubBackward0"][0]
    arrows = [t for t in fig.axes[0].texts if t.get_text() == ""]
    assert len(arrows) == 5


def test_draw_graph_of_a_small_network():
    """Can a Linear layer's loss be drawn, with its parameters named from named_parameters()?"""
    model = torch.nn.Linear(3, 2)
    loss = model(torch.ones(4, 3)).pow(2).mean()
    g = graph.trace_graph(loss, params=dict(model.named_parameters()))
    assert {"weight", "bias", "AddmmBackward0"} <= set(g.labels)
    fig = graph.draw_graph(loss, params=dict(model.named_parameters()), title="a layer")
    assert fig.axes[0].get_title() == "a layer"
