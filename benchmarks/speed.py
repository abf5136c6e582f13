"""Timings the unit tests no longer assert, because a busy machine makes them fail: run by hand.

    PYTHONPATH=. python benchmarks/speed.py

Each line prints what was measured against its limit; the exit status is 1 when one is over.
The limits are for an otherwise idle machine: run it when nothing else is running, and rerun a
line that fails before believing it.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

from course import utils  # noqa: E402 - after choosing the headless backend


def timer_overhead() -> float:
    """Seconds that `utils.Timer` adds to a 50 ms sleep."""
    with utils.Timer() as timer:
        time.sleep(0.05)
    return timer.elapsed - 0.05


def training_explorer_first_picture() -> float:
    """Seconds to create the training explorer: it trains the digits MLP and draws once."""
    from course import widgets

    # no front end: the explorer's output area writes terminal codes to stdout; keep them out
    with contextlib.redirect_stdout(io.StringIO()):
        widgets.training_explorer()  # the first call also loads the digits and the modules
        start = time.perf_counter()
        widgets.training_explorer(optimizer="SGD", lr=0.1, batch_size=128)
        return time.perf_counter() - start


# name -> (measure, limit in seconds): the explorer promises "about a second" per redraw
BENCHMARKS: dict[str, tuple[Callable[[], float], float]] = {
    "Timer overhead on a 50 ms block": (timer_overhead, 0.95),
    "training explorer, first picture": (training_explorer_first_picture, 5.0),
}


def main() -> int:
    over = 0
    for name, (measure, limit) in BENCHMARKS.items():
        seconds = min(measure() for _ in range(3))  # the best of three: load only adds time
        verdict = "ok" if seconds <= limit else "OVER"
        over += verdict == "OVER"
        print(f"{name:<36} {seconds:8.3f} s  (limit {limit:.2f} s)  {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
