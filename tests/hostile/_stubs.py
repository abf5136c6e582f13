# ruff: noqa
# Wrong answers to lesson 01 of the right shape and dtype: what an attacker hands in when only
# the verdict is forged. One block per answer cell, separated by "# %%" lines, in exercise order.
# %% to_unit_range
def to_unit_range(images):
    return torch.zeros(images.shape, dtype=torch.float32)
# %% to_numpy_copy
def to_numpy_copy(t):
    return np.zeros(tuple(t.shape), dtype=np.float32)
# %% channels_last
def channels_last(images):
    n, c, h, w = images.shape
    return torch.zeros(n, h, w, c, dtype=images.dtype)
# %% sliding_windows
def sliding_windows(x, size):
    return torch.zeros(x.shape[0] - size + 1, size, dtype=x.dtype)
# %% standardise
def standardise(X):
    return torch.zeros_like(X)
# %% topk_accuracy
def topk_accuracy(logits, labels, k=1):
    return 0.0
# %% cosine_similarity_matrix
def cosine_similarity_matrix(X, Y):
    return torch.zeros(X.shape[0], Y.shape[0], dtype=X.dtype)
# %% knn_predict
def knn_predict(X_train, y_train, X_test, k):
    return torch.zeros(X_test.shape[0], dtype=y_train.dtype)
