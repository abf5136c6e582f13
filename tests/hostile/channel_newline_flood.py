# ruff: noqa
"""Flood every pipe the process holds with empty lines and with one endless line: a reader that
splits its buffer line by line copies the rest of the buffer for each line (quadratic), and one
that buffers a line until its newline grows without bound."""
# %% stubs
# %% added
import os, stat, time

_pipes = []
for fd in range(3, 1024):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            _pipes.append(fd)
    except OSError:
        pass
_end = time.monotonic() + 6
_newlines, _endless = b"\n" * (1 << 16), b"x" * (1 << 16)
while time.monotonic() < _end:
    for fd in _pipes:
        try:
            os.write(fd, _newlines)
            os.write(fd, _endless)
        except OSError:
            pass
