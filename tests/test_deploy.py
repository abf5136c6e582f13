"""Tests for course.deploy: the branchy example modules, TorchScript helpers, running a saved model
in a fresh process, timing and the pictures."""

import warnings

import pytest
import torch
from torch import nn

from course import deploy

POSITIVE, NEGATIVE = torch.tensor([1.0, 2.0, -0.5]), torch.tensor([-1.0, -2.0, 0.5])


@pytest.fixture(scope="module")
def cell():
    torch.manual_seed(0)
    return deploy.GatedCell().eval()


def test_legacy_torchscript_silences_only_the_deprecation_warning():
    """Does the context drop TorchScript's FutureWarning but keep the tracer's own warning?"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with deploy.legacy_torchscript():
            torch.jit.trace(deploy.SignGate(), POSITIVE)
    categories = {w.category for w in caught}
    assert torch.jit.TracerWarning in categories
    assert FutureWarning not in categories


def test_without_the_context_torchscript_warns_that_it_is_deprecated():
    """Is the warning the lesson shows really there on the installed torch?"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.jit.script(deploy.SignGate())
    assert any("is deprecated" in str(w.message) for w in caught)


def test_the_legacy_context_restores_the_warning_filters():
    """Does leaving the context bring the deprecation warning back?"""
    with deploy.legacy_torchscript():
        pass
    with pytest.warns(FutureWarning, match="deprecated"):
        torch.jit.script(deploy.SignGate())


@pytest.mark.parametrize("gate", [deploy.SignGate(), deploy.CondGate()])
def test_gates_keep_positive_sums_and_negate_the_rest(gate):
    """Do both gates return x when x.sum() > 0 and -x otherwise (zero included)?"""
    torch.testing.assert_close(gate(POSITIVE), POSITIVE)
    torch.testing.assert_close(gate(NEGATIVE), -NEGATIVE)
    zero_sum = torch.tensor([1.0, -1.0])
    torch.testing.assert_close(gate(zero_sum), -zero_sum)


def test_cond_gate_exports_with_both_branches():
    """Does torch.export of CondGate give a program that follows the branch on new inputs?"""
    program = torch.export.export(deploy.CondGate(), (POSITIVE,)).module()
    torch.testing.assert_close(program(NEGATIVE), -NEGATIVE)
    torch.testing.assert_close(program(POSITIVE), POSITIVE)


def test_gated_cell_matches_its_formula(cell):
    """Is GatedCell tanh(gate(linear(x)) + h) with shapes (batch, 4)?"""
    x, h = torch.randn(3, 4), torch.randn(3, 4)
    out = cell(x, h)
    assert out.shape == (3, 4)
    torch.testing.assert_close(out, torch.tanh(deploy.SignGate()(cell.linear(x)) + h))


def test_tracing_bakes_in_the_branch_and_scripting_keeps_it(cell):
    """Does a trace of the cell go wrong on the other branch while the script stays right?"""
    x, h = torch.ones(1, 4), torch.zeros(1, 4)
    flipped = -10 * x  # pushes linear(x).sum() to the other side
    assert (cell.linear(x).sum() > 0) != (cell.linear(flipped).sum() > 0)
    with deploy.legacy_torchscript(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced, scripted = torch.jit.trace(cell, (x, h)), torch.jit.script(cell)
    torch.testing.assert_close(scripted(flipped, h), cell(flipped, h))
    assert not torch.allclose(traced(flipped, h), cell(flipped, h))


def test_graph_text_has_no_source_locations():
    """Does graph_text drop the '# file:line' comments but keep the operations?"""
    with deploy.legacy_torchscript():
        scripted = torch.jit.script(deploy.SignGate())
    assert "#" in str(scripted.graph)
    text = deploy.graph_text(scripted)
    assert "#" not in text
    assert "aten::neg" in text and "prim::If" in text


def test_count_graph_nodes_counts_inside_if_blocks():
    """Does a scripted branch count more operations than a trace that kept one side?"""
    with deploy.legacy_torchscript(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(deploy.SignGate(), POSITIVE)
        scripted = torch.jit.script(deploy.SignGate())
    assert deploy.count_graph_nodes(traced) < deploy.count_graph_nodes(scripted)
    with deploy.legacy_torchscript():
        linear = torch.jit.trace(nn.Linear(2, 2), torch.ones(1, 2))
    assert deploy.count_graph_nodes(linear) >= 1


def test_run_saved_runs_torchscript_and_exported_programs_in_a_fresh_process(tmp_path, cell):
    """Does a new Python process, without our classes, reproduce both saved formats?"""
    x, h = torch.randn(2, 4), torch.randn(2, 4)
    with deploy.legacy_torchscript():
        torch.jit.script(cell).save(tmp_path / "cell.pt")
    cond_cell = deploy.GatedCell(deploy.CondGate()).eval()
    cond_cell.load_state_dict(cell.state_dict())
    torch.export.save(torch.export.export(cond_cell, (x, h)), tmp_path / "cell.pt2")
    for name in ["cell.pt", "cell.pt2"]:
        torch.testing.assert_close(deploy.run_saved(tmp_path / name, x, h), cell(x, h))


def test_run_saved_reports_what_went_wrong_in_the_fresh_process(tmp_path):
    """Does a file that is not a model give a RuntimeError naming the file and the error?"""
    torch.save(nn.Linear(2, 2).state_dict(), tmp_path / "weights.pt")
    with pytest.raises(RuntimeError, match="weights.pt"):
        deploy.run_saved(tmp_path / "weights.pt", torch.ones(1, 2))


def test_time_models_returns_positive_seconds_per_model():
    """Does time_models time every model and leave autograd off?"""
    seen = []

    def probe(x):
        seen.append(torch.is_grad_enabled())
        return x * 2

    times = deploy.time_models({"a": probe, "b": torch.relu}, torch.ones(3), repeat=2)
    assert set(times) == {"a", "b"} and all(t > 0 for t in times.values())
    assert not any(seen)


def test_plot_timings_draws_one_labelled_bar_per_model():
    """Does the timing chart have a bar and a microsecond label for each entry?"""
    fig = deploy.plot_timings({"eager": 2e-4, "scripted": 1e-4})
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["200 µs", "100 µs"]


def test_sweep_and_draw_sweep_show_where_a_trace_goes_wrong():
    """Do the sweep means follow each model, one plotted line per model?"""
    with deploy.legacy_torchscript(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(deploy.SignGate(), torch.ones(3))
    shifts = torch.linspace(-2, 2, 5)
    means = deploy.sweep({"eager": deploy.SignGate(), "traced": traced}, torch.zeros(3), shifts)
    torch.testing.assert_close(means["eager"], torch.tensor([2.0, 1.0, 0.0, 1.0, 2.0]))
    torch.testing.assert_close(means["traced"], shifts)
    fig = deploy.draw_sweep(shifts, means, flip_at=0.0)
    assert len(fig.axes[0].get_lines()) == 3  # two models and the flip marker


def test_sum_of_views_traces_but_does_not_script():
    """Is SumOfViews a model only tracing can convert (for the fallback exercise)?"""
    model = deploy.SumOfViews()
    a, b = torch.randn(2, 4), torch.randn(2, 4)
    torch.testing.assert_close(model(a, b), model.linear(a + b))
    with deploy.legacy_torchscript():
        with pytest.raises(Exception, match="variable number"):
            torch.jit.script(model)
        traced = torch.jit.trace(model, (a, b))
    torch.testing.assert_close(traced(b, a), model(b, a))


def _lesson_classes(names):
    """Define the lesson notebook's own versions of `names` by running the cells that hold them."""
    from conftest import read_source_notebook

    namespace = {"torch": torch, "nn": nn}
    for cell in read_source_notebook("07_torchscript").cells:
        if cell.cell_type == "code" and any(f"class {n}(" in cell.source for n in names):
            # only the class definitions: the rest of the cell needs earlier cells
            source = cell.source.split("\n\n\n")[0]
            exec(compile(source, "<lesson 07>", "exec"), namespace)
    return [namespace[n] for n in names]


def test_the_lesson_and_the_package_define_the_same_modules():
    """Do the notebook's SignGate, CondGate and GatedCell compute what deploy's copies compute?"""
    sign_gate, cond_gate, gated_cell = _lesson_classes(["SignGate", "CondGate", "GatedCell"])
    for x in [POSITIVE, NEGATIVE, torch.randn(3, 4)]:
        torch.testing.assert_close(sign_gate()(x), deploy.SignGate()(x))
        torch.testing.assert_close(cond_gate()(x), deploy.CondGate()(x))
    ours = deploy.GatedCell()
    theirs = gated_cell(sign_gate())
    theirs.load_state_dict(ours.state_dict())
    x, h = 5 * torch.randn(6, 4), torch.randn(6, 4)
    for sign in [1.0, -1.0]:
        torch.testing.assert_close(theirs(sign * x, h), ours(sign * x, h))
