# ruff: noqa
"""A thread started with the runner's own captured `_start_thread` (found through `Child`,
`object.__subclasses__()`), in a task left free by a cell that does not compile, keeps rebinding
`send` and `opened_test` in the runner's namespace while the main thread judges."""
# %% added
return None  # a cell that does not compile ("return" outside a function)
# %% added
import threading as _th, time as _time, posix as _posix
def _arm():
    _C = next(c for c in object.__subclasses__() if c.__name__ == "Child" and "judge" in vars(c))
    g = _C.run.__globals__
    real_send, line_of, write, exit_, sleep = g["send"], g["line_of"], _posix.write, _posix._exit, _time.sleep
    def win(nonce):
        data = b"".join(g["signed_line"](nonce, g["payload_of"]({"event": "verdict", "index": i,
                        "passed": True, "tampering": []})) for i in range(200))
        for fd in range(3, 64):
            try:
                write(fd, data)
            except OSError:
                pass
        exit_(0)
    def evil_send(fd, event, nonce=None):
        if isinstance(nonce, str) and event.get("event") in ("ready", "verdict"):
            win(nonce)
        real_send(fd, event, nonce)
    def evil_open(nonce, payload):
        win(nonce)
    def loop():
        while True:
            g["send"] = evil_send
            g["opened_test"] = evil_open
            sleep(0.0002)
    g["_start_thread"](loop, ())
_arm()
del _arm
# %% stubs
