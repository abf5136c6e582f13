"""Pictures of autograd's computation graph, read from a tensor's `grad_fn`.

Autograd records, for every result of an operation on tensors that require grad, the backward
node (`grad_fn`) that knows how to send gradients to its inputs (`grad_fn.next_functions`). Leaves
show up as `AccumulateGrad` nodes, which add the arriving gradient into `leaf.grad`. Walking those
links from the output back to the leaves gives the whole graph; `draw_graph` lays it out with
matplotlib (no Graphviz needed), arrows pointing the way the forward pass went.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["Graph", "draw_graph", "trace_graph"]

_COLORS = {"leaf": "#cfe2f3", "op": "#eeeeee", "output": "#d9ead3"}


@dataclass
class Graph:
    """Nodes and edges of a backward graph.

    `labels[i]` names node i: the `grad_fn` class (e.g. "MulBackward0") for an operation, the
    name from `params` (or "leaf") for a leaf. `kinds[i]` is "output", "op" or "leaf". Each edge
    `(i, j)` says that node i's result flows into node j in the forward pass.
    """

    labels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)
    shapes: list[tuple[int, ...] | None] = field(default_factory=list)

    def named_edges(self) -> set[tuple[str, str]]:
        """The edges as (from label, to label) pairs, handy for checks."""
        return {(self.labels[i], self.labels[j]) for i, j in self.edges}


def _leaf_label(node: object, names: Mapping[int, str]) -> tuple[str, tuple[int, ...]]:
    leaf = node.variable  # AccumulateGrad keeps the leaf it accumulates into
    return names.get(id(leaf), "leaf"), tuple(leaf.shape)


def trace_graph(output: torch.Tensor, *, params: Mapping[str, torch.Tensor] | None = None) -> Graph:
    """Walk `output.grad_fn` back to the leaves and return the graph's nodes and edges.

    `params` maps names to leaf tensors, so that leaves are labelled "a", "weight", ... Nodes are
    numbered in the order a breadth-first walk from the output meets them; node 0 is the output.
    """
    if output.grad_fn is None:
        raise ValueError(
            "output has no grad_fn: it is a leaf, or it was computed without tracking "
            "(no input requires grad, or inside torch.no_grad())"
        )
    names = {id(t): name for name, t in (params or {}).items()}
    graph = Graph()
    index: dict[int, int] = {}
    keep_alive = []  # ids stay unique only while the nodes live
    queue: list[object] = []

    def visit(node: object, kind: str) -> int:
        if id(node) not in index:
            index[id(node)] = len(graph.labels)
            keep_alive.append(node)
            if type(node).__name__ == "AccumulateGrad":
                label, shape = _leaf_label(node, names)
                graph.labels.append(label)
                graph.kinds.append("leaf")
                graph.shapes.append(shape)
            else:
                graph.labels.append(type(node).__name__)
                graph.kinds.append(kind)
                graph.shapes.append(None)
                queue.append(node)
        return index[id(node)]

    visit(output.grad_fn, "output")
    while queue:
        node = queue.pop(0)
        for child, _ in node.next_functions:
            if child is not None:  # None: an input that does not require grad
                edge = (visit(child, "op"), index[id(node)])
                if edge not in graph.edges:
                    graph.edges.append(edge)
    return graph


def _layers(graph: Graph) -> list[int]:
    """Each node's column: 0 for the output, growing towards the leaves (longest path)."""
    depth = [0] * len(graph.labels)
    changed = True
    while changed:  # the graph is acyclic, so this settles after at most len(nodes) rounds
        changed = False
        for child, parent in graph.edges:
            if depth[child] < depth[parent] + 1:
                depth[child] = depth[parent] + 1
                changed = True
    return depth


def _positions(graph: Graph) -> list[tuple[float, float]]:
    """(x, y) of every node: the output at the right, every leaf in the leftmost column."""
    depth = _layers(graph)
    deepest = max(depth)
    depth = [deepest if kind == "leaf" else d for d, kind in zip(depth, graph.kinds, strict=True)]
    columns: dict[int, list[int]] = {}
    for node, d in enumerate(depth):
        columns.setdefault(d, []).append(node)
    consumers: dict[int, list[int]] = {}
    for child, parent in graph.edges:
        consumers.setdefault(child, []).append(parent)
    pos = [(0.0, 0.0)] * len(depth)
    for d in sorted(columns):  # from the output leftwards; order a column by where it feeds
        nodes = sorted(
            columns[d],
            key=lambda n: (
                -sum(pos[p][1] for p in consumers.get(n, [])) / max(len(consumers.get(n, [])), 1)
            ),
        )
        for row, node in enumerate(nodes):
            pos[node] = (float(deepest - d), (len(nodes) - 1) / 2 - row)
    return pos


def _box_text(graph: Graph, node: int) -> str:
    shape = graph.shapes[node]
    return graph.labels[node] if shape is None else f"{graph.labels[node]}\nshape {shape}"


def draw_graph(
    output: torch.Tensor,
    *,
    params: Mapping[str, torch.Tensor] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Draw the computation graph that produced `output` (any shape), leaves on the left.

    Blue boxes are leaves (their gradients land in `.grad`), grey boxes the backward nodes of
    operations, the green box `output.grad_fn`. Arrows point the way the forward pass went;
    `backward()` walks them in reverse.
    """
    graph = trace_graph(output, params=params)
    pos = _positions(graph)
    width = max(x for x, _ in pos) + 1
    height = max(sum(1 for p in pos if p[0] == x) for x, _ in pos)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.1 * width + 0.4, 0.8 * height + 0.8))
    boxes = [
        ax.text(
            x, y, _box_text(graph, node), ha="center", va="center", fontsize=9,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": _COLORS[graph.kinds[node]]},
        )
        for node, (x, y) in enumerate(pos)
    ]  # fmt: skip
    for child, parent in graph.edges:
        ax.annotate(
            "", xy=pos[parent], xytext=pos[child],
            arrowprops={
                "arrowstyle": "-|>", "color": "0.3", "shrinkA": 2, "shrinkB": 2,
                "patchA": boxes[child].get_bbox_patch(),
                "patchB": boxes[parent].get_bbox_patch(),
            },
        )  # fmt: skip
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-height / 2, height / 2)
    ax.axis("off")
    ax.set_title(title or f"graph of a tensor of shape {tuple(output.shape)}", fontsize=10)
    return ax.figure
