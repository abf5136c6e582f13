# ruff: noqa
"""Fill the disk: write files of just under the size limit into the scratch folder, /tmp and
the home folder until the writes fail; print how many MB got written."""
# %% stubs
# %% added
import os

chunk = b"\0" * (1 << 20)
written = 0
for folder in (os.getcwd(), "/tmp", os.path.expanduser("~"), "/dev/shm"):
    for i in range(64):
        try:
            with open(os.path.join(folder, f"fill_{i}.bin"), "wb") as f:
                for _ in range(8):
                    f.write(chunk)
                    written += 1
        except OSError:
            break
        if written >= 512:
            break
print("WROTE_MB", written)
