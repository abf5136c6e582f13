"""Running models outside eager PyTorch: TorchScript (legacy), `torch.export`, and the checks.

TorchScript (`torch.jit.trace`, `torch.jit.script`, `torch.jit.save/load`) is deprecated in
PyTorch 2.x and warns on every use; `legacy_torchscript()` silences exactly those deprecation
warnings for code that teaches or still has to read TorchScript. The small modules here have a
branch that depends on the data, the case where tracing goes wrong; tests and explorers use them.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn

from course import utils

__all__ = [
    "CondGate",
    "GatedCell",
    "SignGate",
    "SumOfViews",
    "count_graph_nodes",
    "draw_sweep",
    "graph_text",
    "legacy_torchscript",
    "plot_timings",
    "run_saved",
    "sweep",
    "time_models",
]

# PyTorch 2.14+ says e.g. "`torch.jit.script` is deprecated. Please switch to `torch.compile` or
# ...", and on Python 3.14+ "`torch.jit.script` is not supported in Python 3.14+ and may break. ..."
TORCHSCRIPT_DEPRECATION = r"`torch\.jit\.\w+` is (deprecated|not supported in Python 3\.14)"


@contextlib.contextmanager
def legacy_torchscript() -> Iterator[None]:
    """Use TorchScript without its deprecation warnings; every other warning still shows.

    `with deploy.legacy_torchscript(): scripted = torch.jit.script(model)`
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=TORCHSCRIPT_DEPRECATION, category=FutureWarning)
        yield


class SignGate(nn.Module):
    """Return `x` when `x.sum() > 0`, else `-x`: a Python `if` on the data. x: any shape."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return x
        return -x


def _keep(x: torch.Tensor) -> torch.Tensor:
    return x.clone()  # a torch.cond branch may not return its input itself


def _negate(x: torch.Tensor) -> torch.Tensor:
    return -x


class CondGate(nn.Module):
    """`SignGate` written with `torch.cond`, so `torch.export` records both branches."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cond(x.sum() > 0, _keep, _negate, (x,))


class GatedCell(nn.Module):
    """The cell of the TorchScript tutorial: `tanh(gate(linear(x)) + h)`.

    x, h: (batch, features) -> (batch, features). `gate` defaults to a `SignGate`.
    """

    def __init__(self, gate: nn.Module | None = None, *, features: int = 4) -> None:
        super().__init__()
        self.gate = SignGate() if gate is None else gate
        self.linear = nn.Linear(features, features)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.gate(self.linear(x)) + h)


class SumOfViews(nn.Module):
    """`linear(sum of the inputs)` for any number of inputs, each (batch, features).

    TorchScript cannot script a `forward(*views)`; tracing it with a fixed number of inputs works.
    """

    def __init__(self, features: int = 4) -> None:
        super().__init__()
        self.linear = nn.Linear(features, features)

    def forward(self, *views: torch.Tensor) -> torch.Tensor:
        return self.linear(sum(views))


def graph_text(module: torch.jit.ScriptModule) -> str:
    """`module.graph` as text, without the `# file:line` comments that differ between machines."""
    return re.sub(r"[ \t]*#.*$", "", str(module.graph), flags=re.MULTILINE)


def count_graph_nodes(module: torch.jit.ScriptModule) -> int:
    """Count the operations in a TorchScript module's graph, submodules inlined, loop and `if`
    bodies included: a measure of how much code tracing or scripting recorded."""

    def count(block: Any) -> int:
        return sum(1 + sum(count(inner) for inner in node.blocks()) for node in block.nodes())

    return count(module.inlined_graph)


# Runs in the fresh process: argv = model path, inputs file, outputs file.
_RUNNER = """
import sys, warnings
import torch
# hide torch.jit.load's own deprecation warning, and no other
warnings.filterwarnings(
    "ignore", message=r"`torch\\.jit\\.load` is (deprecated|not supported)", category=FutureWarning
)
model_path, inputs_path, outputs_path = sys.argv[1:4]
inputs = torch.load(inputs_path)
if model_path.endswith(".pt2"):
    model = torch.export.load(model_path).module()
else:
    model = torch.jit.load(model_path, map_location="cpu")
with torch.no_grad():
    torch.save(model(*inputs), outputs_path)
"""


def run_saved(path: str | Path, *inputs: torch.Tensor, timeout: float = 300.0) -> Any:
    """Load the model saved at `path` in a fresh Python process and return `model(*inputs)`.

    The new process is isolated (`python -I`, started in an empty folder): it imports torch and
    nothing else, so it has none of this process's classes. `.pt2` files are loaded with
    `torch.export.load`, anything else with `torch.jit.load`. Inputs and outputs travel on CPU.
    Raises `RuntimeError` with the new process's last error line when loading or running fails.
    """
    model_path = Path(path).resolve()
    with tempfile.TemporaryDirectory() as folder:
        inputs_path, outputs_path = Path(folder, "inputs.pt"), Path(folder, "outputs.pt")
        torch.save([x.detach().cpu() for x in inputs], inputs_path)
        command = [sys.executable, "-I", "-c", _RUNNER, str(model_path), str(inputs_path)]
        done = subprocess.run(
            [*command, str(outputs_path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=folder,
        )
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or ["(no error message)"]
            raise RuntimeError(f"a fresh Python could not run {model_path.name}: {lines[-1]}")
        return torch.load(outputs_path)


def time_models(
    models: Mapping[str, Callable[..., Any]],
    *inputs: torch.Tensor,
    repeat: int = 20,
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """Best-of-`repeat` seconds for one call of each model on `inputs`, without autograd."""
    with torch.inference_mode():
        return {
            name: utils.time_it(model, *inputs, repeat=repeat, device=device)
            for name, model in models.items()
        }


def plot_timings(times: Mapping[str, float], *, title: str = "time per call") -> Figure:
    """Draw `times` (seconds per call, by name) as horizontal bars labelled in microseconds."""
    names, micros = list(times), [1e6 * t for t in times.values()]
    fig, ax = plt.subplots(figsize=(6.5, 0.5 + 0.45 * len(names)))
    bars = ax.barh(names, micros, color=plt.get_cmap("tab10").colors[: len(names)])
    ax.bar_label(bars, labels=[f"{m:.0f} µs" for m in micros], padding=3)
    ax.invert_yaxis()  # first entry on top
    ax.set_xlim(0, 1.25 * max(micros))
    ax.set_xlabel("microseconds per call (best of several runs; shorter is faster)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def sweep(
    models: Mapping[str, Callable[..., torch.Tensor]],
    x: torch.Tensor,
    shifts: torch.Tensor,
    *rest: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Run every model on `x + s` (and `rest` unchanged) for each shift `s`.

    x: any shape; shifts: (n,). Returns, per model, the mean of each output: (n,).
    """
    with torch.no_grad():
        return {
            name: torch.stack([model(x + s, *rest).mean() for s in shifts.tolist()])
            for name, model in models.items()
        }


def draw_sweep(
    shifts: torch.Tensor,
    means: Mapping[str, torch.Tensor],
    *,
    flip_at: float | None = None,
    ax: plt.Axes | None = None,
    title: str = "output mean as the input shifts",
) -> Figure:
    """Plot each model's output mean against the shift, one line per model (see `sweep`).

    `flip_at` draws a dotted line where the data-dependent branch changes side.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    styles = ["-", "--", ":", "-."]
    for i, (name, values) in enumerate(means.items()):
        ax.plot(shifts.tolist(), values.tolist(), styles[i % 4], lw=2.5 - 0.4 * i, label=name)
    if flip_at is not None:
        ax.axvline(flip_at, color="grey", lw=1, ls=":")
    ax.set_xlabel("shift s added to every input value")
    ax.set_ylabel("mean of the output")
    ax.set_title(title)
    ax.legend(fontsize=9)
    ax.figure.tight_layout()
    return ax.figure
