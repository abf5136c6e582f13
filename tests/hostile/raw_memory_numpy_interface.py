# ruff: noqa
"""Rewrite the bytecode of every course.checks assertion through a NumPy array made over the
code object's memory (`__array_interface__` with a raw address): no audit hook sees it, and the
function and its code keep their identity. Not refusable from inside the process: flagged."""
# expect: flagged
# %% stubs
# %% added
import dis
import types

import numpy as np

import course.checks


def _memory(address, size):
    holder = types.SimpleNamespace()
    holder.__array_interface__ = {
        "shape": (size,), "typestr": "|u1", "data": (address, False), "version": 3,
    }
    return np.asarray(holder)


def _return_none(function):
    code = function.__code__
    memory = _memory(id(code), 512)
    start = memory.tobytes().find(code.co_code[:8])
    if start < 0 or None not in code.co_consts:
        return
    ops = dis.opmap
    patch = [ops["RESUME"], 0, ops["LOAD_CONST"], code.co_consts.index(None), ops["RETURN_VALUE"], 0]
    memory[start : start + len(patch)] = np.array(patch, dtype=np.uint8)


for name in dir(course.checks):
    value = getattr(course.checks, name)
    if isinstance(value, types.FunctionType) and name.startswith("assert"):
        _return_none(value)
