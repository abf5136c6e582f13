"""Drive the course as a student sees it: JupyterLab on loopback, opened in headless Chromium.

`lab_server` starts JupyterLab from this environment on 127.0.0.1 with a random port and token,
isolated from the user's Jupyter settings, and always shuts it down. `launch_chromium` starts
Debian's Chromium through Playwright (nothing downloads a browser). The `Notebook` page object
clicks and waits the way a person would: it uses the menus, and waits for DOM states, never for
a fixed time.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# JupyterLab settings for the test: every cell stays in the DOM, no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install chromium (make test does this when root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


def launch_chromium(playwright):
    """Start Debian's headless Chromium; Playwright gives it a fresh profile directory."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
    )


def jupyter(*args: str, cwd: Path | None = None) -> str:
    """Run this environment's `jupyter` command; return what it printed (stdout + stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", *args],
        cwd=cwd,
        env=lab_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


def lab_environment(home: Path | None = None) -> dict[str, str]:
    """The server's environment: this venv first on PATH, private Jupyter dirs under `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MPLBACKEND"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    if home is not None:
        env["JUPYTER_CONFIG_DIR"] = str(home / "config")
        env["JUPYTER_RUNTIME_DIR"] = str(home / "runtime")
        env["JUPYTERLAB_SETTINGS_DIR"] = str(home / "settings")
        env["JUPYTERLAB_WORKSPACES_DIR"] = str(home / "workspaces")
        env["IPYTHONDIR"] = str(home / "ipython")
    return env


def write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        package, name = plugin.split(":")
        path = settings_dir / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token, root directory and log file."""

    url: str
    token: str
    root_dir: Path
    log_path: Path

    def address(self, path: str) -> str:
        """The URL of `path` on this server (e.g. "lab/tree/x.ipynb"), logged in by token."""
        separator = "&" if "?" in path else "?"
        return f"{self.url}/{path}{separator}token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def request(self, path: str, *, method: str = "GET", data: bytes | None = None) -> bytes:
        request = urllib.request.Request(
            f"{self.url}/{path}",
            method=method,
            data=data,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()


@contextmanager
def lab_server(
    root_dir: Path, *, home: Path, cwd: Path | None = None, timeout: float = 90
) -> Iterator[LabServer]:
    """Run JupyterLab on 127.0.0.1 serving `root_dir`, started in `cwd` (nbgrader reads its
    config from there); private settings and logs live in `home`. Always shut down on exit."""
    write_lab_settings(home / "settings")
    token, port = secrets.token_hex(16), free_port()
    server = LabServer(f"http://127.0.0.1:{port}", token, root_dir, home / "jupyterlab.log")
    command = [
        *(sys.executable, "-m", "jupyterlab", "--no-browser"),
        *("--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0"),
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
    ]
    with server.log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd or root_dir,
            env=lab_environment(home),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its kernels join its process group, so we can end them all
        )
    try:
        wait_until_ready(server, process, timeout=timeout)
        yield server
    finally:
        shut_down(server, process)


def wait_until_ready(server: LabServer, process: subprocess.Popen, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{server.log_tail()}")
        try:
            json.loads(server.request("api/status"))
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise TimeoutError(f"JupyterLab did not answer in {timeout} s:\n{server.log_tail()}")


def shut_down(server: LabServer, process: subprocess.Popen) -> None:
    """Ask the server to stop (it stops its kernels), then terminate and kill what is left."""
    try:
        server.request("api/shutdown", method="POST", data=b"")
        process.wait(timeout=15)
    except (OSError, subprocess.TimeoutExpired, urllib.error.URLError):
        pass
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        os.killpg(process.pid, signal.SIGKILL)  # a kernel that outlived its server
    except ProcessLookupError:
        pass  # the server and its kernels are all gone
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def copy_course(repo: Path, destination: Path, *, lessons: list[str]) -> Path:
    """A scratch course: `lessons`' folders of solutions/ and lessons/, and nbgrader_config.py."""
    for folder in ("solutions", "lessons"):
        for lesson in lessons:
            shutil.copytree(repo / folder / lesson, destination / folder / lesson)
    shutil.copy(repo / "nbgrader_config.py", destination / "nbgrader_config.py")
    return destination


class Notebook:
    """A notebook open in JupyterLab, driven through its menus and toolbar."""

    def __init__(self, page, server: LabServer, path: str, *, shots: Path):
        self.page, self.server, self.path, self.shots = page, server, path, shots

    def open(self, *, timeout: float = 120_000) -> Notebook:
        """Open the notebook and wait until its kernel has started and is idle."""
        self.page.goto(self.server.address(f"lab/tree/{self.path}"))
        self.page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=timeout)
        self.wait_for_kernel("Idle", timeout=timeout)
        return self

    def wait_for_kernel(self, status: str, *, timeout: float = 60_000) -> None:
        """Wait until the status bar reads e.g. "Python 3 (ipykernel) | Idle"."""
        from playwright.sync_api import expect

        kernel = self.page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")
        expect(kernel).to_have_text(re.compile(rf"ipykernel.*\| {status}$"), timeout=timeout)

    def menu(self, title: str, item: str) -> None:
        """Click `item` in the menu bar's `title` menu."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{title}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()

    def run_all(self, *, code_cells: int, timeout: float = 240_000) -> None:
        """Run > Run All Cells; wait until `code_cells` cells have an execution count, or until
        an error has stopped the run (nothing queued any more and an error shown)."""
        self.menu("Run", "Run All Cells")
        self.page.wait_for_function(
            r"""([n, error]) => {
                const prompts = [...document.querySelectorAll(
                    '.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
                if (prompts.some(p => p.includes('[*]'))) return false;
                const done = prompts.filter(p => /\[\d+\]/.test(p)).length;
                return done >= n || (done > 0 && document.querySelector(error) !== null);
            }""",
            arg=[code_cells, STDERR_OUTPUT],
            timeout=timeout,
        )
        self.wait_for_kernel("Idle", timeout=timeout)

    def drag_slider_to_end(self, slider) -> None:
        """Drag an ipywidgets slider's handle with the mouse to the right end of its track."""
        handle = slider.locator(".noUi-handle").bounding_box()
        track = slider.locator(".noUi-target").bounding_box()
        y = handle["y"] + handle["height"] / 2
        self.page.mouse.move(handle["x"] + handle["width"] / 2, y)
        self.page.mouse.down()
        self.page.mouse.move(track["x"] + track["width"] + 20, y)  # one jump: one redraw
        self.page.mouse.up()

    @contextmanager
    def picture_changes(self, widget, *, timeout: float = 60_000) -> Iterator[None]:
        """Expect the body of the `with` to make `widget` draw a new picture; wait until the new
        picture has loaded and the kernel is idle again."""
        newest = "box => box.querySelector('.widget-output img')?.src ?? null"
        before = widget.evaluate(newest)
        yield
        self.page.wait_for_function(
            """([box, old]) => {
                const img = box.querySelector('.widget-output img');
                return img !== null && img.src !== old && img.complete && img.naturalWidth > 0;
            }""",
            arg=[widget.element_handle(), before],
            timeout=timeout,
        )
        self.wait_for_kernel("Idle", timeout=timeout)

    def stderr_outputs(self) -> dict[int, list[str]]:
        """The error and stderr outputs the notebook shows, by code cell (0 = first code cell)."""
        per_cell = self.page.locator(".jp-NotebookPanel .jp-CodeCell").evaluate_all(
            "(cells, selector) => cells.map(c => [...c.querySelectorAll(selector)]"
            ".map(o => o.innerText))",
            STDERR_OUTPUT,
        )
        return {index: texts for index, texts in enumerate(per_cell) if texts}

    def screenshot(self, name: str, *, locator=None) -> Path:
        return save_screenshot(locator or self.page, name, folder=self.shots)


def save_screenshot(target, name: str, *, folder: Path = SHOTS) -> Path:
    """Save a screenshot of a page or locator as `folder/name.png` and print its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    target.screenshot(path=path)
    print(f"screenshot: {path}")
    return path
