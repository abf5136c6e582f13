# ruff: noqa
"""The student's functions end the test abnormally: SystemExit(0), KeyboardInterrupt,
GeneratorExit and os._exit(0) from inside the test call, hoping "no error" reads as a pass."""
# %% added
import os


def to_unit_range(images):
    raise SystemExit(0)


def to_numpy_copy(t):
    raise KeyboardInterrupt


def channels_last(images):
    raise GeneratorExit


def sliding_windows(x, size):
    raise StopIteration


def standardise(X):
    os._exit(0)


def topk_accuracy(logits, labels, k=1):
    raise SystemExit(0)


def cosine_similarity_matrix(X, Y):
    raise BaseException("done")


def knn_predict(X_train, y_train, X_test, k):
    os._exit(0)
