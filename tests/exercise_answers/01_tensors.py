"""Lesson 01's exercises: correct answers written other ways, and the mistakes people make."""

CORRECT = {
    "to_unit_range": [
        "def to_unit_range(images):\n    return images.float().div(255.0)",
        "def to_unit_range(images):\n    return images / 255",
        "def to_unit_range(images):\n"
        "    out = images.to(dtype=torch.float32)\n    out /= 255.0\n    return out",
        "def to_unit_range(images):\n    return torch.div(images, 255.0).to(torch.float32)",
        "def to_unit_range(images):\n    return images.float().mul_(1 / 255)",
    ],
    "to_numpy_copy": [
        "def to_numpy_copy(t):\n    return t.detach().cpu().clone().numpy()",
        "def to_numpy_copy(t):\n    return np.array(t.detach().cpu())",
        "import copy\ndef to_numpy_copy(t):\n    return copy.deepcopy(t.detach().cpu().numpy())",
        "def to_numpy_copy(t):\n    return t.numpy(force=True).copy()",
        "def to_numpy_copy(t):\n    return np.array(t.tolist(), dtype=str(t.dtype).split('.')[-1])",
    ],
    "channels_last": [
        "def channels_last(images):\n    return images.movedim(1, -1)",
        "def channels_last(images):\n    return images.transpose(1, 2).transpose(2, 3)",
        "def channels_last(images):\n    return torch.permute(images, (0, 2, 3, 1))",
        "def channels_last(images):\n    return torch.einsum('nchw->nhwc', images)",
        "def channels_last(images):\n    return images.permute(0, -2, -1, -3)",
    ],
    "sliding_windows": [
        "def sliding_windows(x, size):\n"
        "    n = x.shape[0] - size + 1\n"
        "    return x.as_strided((n, size), (x.stride(0), x.stride(0)), x.storage_offset())",
        "def sliding_windows(x, size):\n    return x.unfold(dimension=0, size=size, step=1)",
        "def sliding_windows(x, size):\n"
        "    s = x.stride(0)\n"
        "    return torch.as_strided(x, (x.numel() - size + 1, size), (s, s), x.storage_offset())",
    ],
    "standardise": [
        "def standardise(X):\n    return (X - X.mean(0)) / X.std(0, unbiased=False)",
        "def standardise(X):\n"
        "    centred = X - X.mean(dim=0)\n"
        "    return centred / centred.pow(2).mean(dim=0).sqrt()",
        "def standardise(X):\n"
        "    var, mean = torch.var_mean(X, dim=0, correction=0)\n"
        "    return (X - mean) * var.rsqrt()",
    ],
    "topk_accuracy": [
        "def topk_accuracy(logits, labels, k=1):\n"
        "    _, top = torch.topk(logits, k)\n"
        "    return (top == labels[:, None]).sum().item() / len(labels)",
        "def topk_accuracy(logits, labels, k=1):\n"
        "    order = logits.argsort(dim=1, descending=True)[:, :k]\n"
        "    return float((order == labels.view(-1, 1)).any(1).float().mean())",
        "def topk_accuracy(logits, labels, k=1):\n"
        "    true_scores = logits.gather(1, labels.unsqueeze(1))\n"
        "    rank = (logits > true_scores).sum(dim=1)\n"
        "    return (rank < k).float().mean().item()",
        "def topk_accuracy(logits, labels, k=1):\n"
        "    top = logits.topk(k).indices\n"
        "    hits = (top == labels[:, None]).sum(dim=1)\n"
        "    return float(hits.sum()) / labels.numel()",
    ],
    "cosine_similarity_matrix": [
        "def cosine_similarity_matrix(X, Y):\n"
        "    return F.cosine_similarity(X.unsqueeze(1), Y.unsqueeze(0), dim=2)",
        "def cosine_similarity_matrix(X, Y):\n"
        "    return F.normalize(X, dim=1) @ F.normalize(Y, dim=1).T",
        "def cosine_similarity_matrix(X, Y):\n"
        "    dots = torch.einsum('nd,md->nm', X, Y)\n"
        "    return dots / (X.norm(dim=1)[:, None] * Y.norm(dim=1)[None, :])",
    ],
    "knn_predict": [
        "def knn_predict(X_train, y_train, X_test, k):\n"
        "    d = ((X_test[:, None, :] - X_train[None, :, :]) ** 2).sum(-1)\n"
        "    idx = d.argsort(dim=1)[:, :k]\n"
        "    labels = y_train[idx]\n"
        "    c = int(y_train.max()) + 1\n"
        "    votes = torch.zeros(len(X_test), c, dtype=torch.long)\n"
        "    votes.scatter_add_(1, labels, torch.ones_like(labels))\n"
        "    return votes.argmax(1)",
        "def knn_predict(X_train, y_train, X_test, k):\n"
        "    nearest = torch.cdist(X_test, X_train).topk(k, largest=False).indices\n"
        "    c = int(y_train.max()) + 1\n"
        "    offset = y_train[nearest] + c * torch.arange(len(X_test))[:, None]\n"
        "    counts = torch.bincount(offset.flatten(), minlength=c * len(X_test))\n"
        "    return counts.view(len(X_test), c).argmax(dim=1)",
        # loop-free, with a branch for tied votes that only some inputs take
        "def knn_predict(X_train, y_train, X_test, k):\n"
        "    idx = torch.cdist(X_test, X_train).topk(k, dim=1, largest=False).indices\n"
        "    C = int(y_train.max()) + 1\n"
        "    counts = F.one_hot(y_train[idx], C).sum(1)\n"
        "    is_best = counts == counts.max(dim=1, keepdim=True).values\n"
        "    if (is_best.sum(dim=1) > 1).any():\n"
        "        labels = torch.arange(C).expand_as(counts)\n"
        "        return torch.where(is_best, labels, C).min(dim=1).values\n"
        "    return counts.argmax(dim=1)",
    ],
}

MISTAKES = {
    "to_unit_range": {
        "integer division": "def to_unit_range(images):\n    return (images // 255).float()",
        "float64 via numpy": (
            "def to_unit_range(images):\n    return torch.from_numpy(images.numpy() / 255)"
        ),
        "divides by 256": "def to_unit_range(images):\n    return images.float() / 256",
        "keeps uint8": "def to_unit_range(images):\n    return images / 255 * 0 + images",
        "divides by the batch maximum": (
            "def to_unit_range(images):\n    return images.float() / images.max()"
        ),
        "min-max scaling": (
            "def to_unit_range(images):\n"
            "    x = images.float()\n    return (x - x.min()) / (x.max() - x.min())"
        ),
        "float64": "def to_unit_range(images):\n    return images.double() / 255",
        "rescales images in place": (
            "def to_unit_range(images):\n"
            "    out = images.float() / 255\n    images.zero_()\n    return out"
        ),
    },
    "to_numpy_copy": {
        "numpy() shares memory": "def to_numpy_copy(t):\n    return t.numpy()",
        "detach still shares": "def to_numpy_copy(t):\n    return t.detach().numpy()",
        "force=True still shares": "def to_numpy_copy(t):\n    return t.numpy(force=True)",
        "casts to float32": (
            "def to_numpy_copy(t):\n    return t.detach().cpu().float().numpy().copy()"
        ),
        "a list, not an array": "def to_numpy_copy(t):\n    return t.tolist()",
        "casts to float32, and rounds the caller's tensor to match": (
            "def to_numpy_copy(t):\n"
            "    if t.dtype == torch.float64:\n"
            "        with torch.no_grad():\n"
            "            t.copy_(t.float())\n"
            "    return t.detach().float().numpy().copy()"
        ),
        "numpy().copy() fails on requires_grad": (
            "def to_numpy_copy(t):\n    return t.numpy().copy()"
        ),
        "np.asarray shares": "def to_numpy_copy(t):\n    return np.asarray(t.detach())",
        "a 0-dim tensor becomes a list": (
            "def to_numpy_copy(t):\n    return np.array([t.detach().cpu().numpy()]).reshape(-1)"
        ),
    },
    "channels_last": {
        "reshape": (
            "def channels_last(images):\n"
            "    n, c, h, w = images.shape\n    return images.reshape(n, h, w, c)"
        ),
        "transpose swaps H and W": "def channels_last(images):\n    return images.transpose(1, 3)",
        "copies": "def channels_last(images):\n    return images.permute(0, 2, 3, 1).contiguous()",
        "copies with clone": (
            "def channels_last(images):\n    return images.permute(0, 2, 3, 1).clone()"
        ),
        "copies with einsum and a product": (
            "def channels_last(images):\n    return torch.einsum('nchw->nhwc', images) * 1"
        ),
        "wrong order of the permutation": (
            "def channels_last(images):\n    return images.permute(0, 3, 2, 1)"
        ),
    },
    "sliding_windows": {
        "copies with stack": (
            "def sliding_windows(x, size):\n"
            "    return torch.stack([x[i:i + size] for i in range(len(x) - size + 1)])"
        ),
        "non-overlapping windows": (
            "def sliding_windows(x, size):\n    return x.unfold(0, size, size)"
        ),
        "ignores x's stride": (
            "def sliding_windows(x, size):\n"
            "    return x.as_strided((len(x) - size + 1, size), (1, 1))"
        ),
        "one window short": "def sliding_windows(x, size):\n    return x.unfold(0, size, 1)[:-1]",
        "F.unfold copies": (
            "def sliding_windows(x, size):\n"
            "    cols = F.unfold(x[None, None, None].float(), (1, size))\n"
            "    return cols[0].T.to(x.dtype)"
        ),
        "copies with clone": (
            "def sliding_windows(x, size):\n    return x.unfold(0, size, 1).clone()"
        ),
    },
    "standardise": {
        "rows instead of columns": (
            "def standardise(X):\n"
            "    return (X - X.mean(1, keepdim=True)) / X.std(1, correction=0, keepdim=True)"
        ),
        "default correction": "def standardise(X):\n    return (X - X.mean(0)) / X.std(0)",
        "modifies X in place": (
            "def standardise(X):\n    X -= X.mean(0)\n    X /= X.std(0, correction=0)\n    return X"
        ),
        "loops over columns": (
            "def standardise(X):\n"
            "    cols = [(c - c.mean()) / c.std(correction=0) for c in X.T]\n"
            "    return torch.stack(cols, dim=1)"
        ),
    },
    "topk_accuracy": {
        "smallest instead of largest": (
            "def topk_accuracy(logits, labels, k=1):\n"
            "    top = logits.topk(k, dim=1, largest=False).indices\n"
            "    return (top == labels[:, None]).any(1).float().mean().item()"
        ),
        "labels broadcast along the wrong axis": (
            "def topk_accuracy(logits, labels, k=1):\n"
            "    top = logits.topk(k, dim=1).indices\n"
            "    return (top == labels).any(1).float().mean().item()"
        ),
        "a count, not a fraction": (
            "def topk_accuracy(logits, labels, k=1):\n"
            "    top = logits.topk(k, dim=1).indices\n"
            "    return (top == labels[:, None]).any(1).sum().item()"
        ),
        "top-1 whatever k": (
            "def topk_accuracy(logits, labels, k=1):\n"
            "    return (logits.argmax(1) == labels).float().mean().item()"
        ),
        "loops over rows": (
            "def topk_accuracy(logits, labels, k=1):\n"
            "    hits = [int(label) in row.topk(k).indices.tolist()\n"
            "            for row, label in zip(logits, labels)]\n"
            "    return sum(hits) / len(hits)"
        ),
        "a 0-dim tensor, not a Python float": (
            "def topk_accuracy(logits, labels, k=1):\n"
            "    top = logits.topk(k, dim=1).indices\n"
            "    return (top == labels[:, None]).any(1).float().mean()"
        ),
        "a percentage": (
            "def topk_accuracy(logits, labels, k=1):\n"
            "    top = logits.topk(k, dim=1).indices\n"
            "    return 100 * (top == labels[:, None]).any(1).float().mean().item()"
        ),
    },
    "cosine_similarity_matrix": {
        "not normalised": "def cosine_similarity_matrix(X, Y):\n    return X @ Y.T",
        "normalised along the wrong dim": (
            "def cosine_similarity_matrix(X, Y):\n"
            "    return (X / X.norm(dim=0)) @ (Y / Y.norm(dim=0)).T"
        ),
        "only X normalised": (
            "def cosine_similarity_matrix(X, Y):\n"
            "    return (X / X.norm(dim=1, keepdim=True)) @ Y.T"
        ),
        "loops over pairs": (
            "def cosine_similarity_matrix(X, Y):\n"
            "    return torch.stack([F.cosine_similarity(x[None], Y) for x in X])"
        ),
    },
    "knn_predict": {
        "label of the single nearest": (
            "def knn_predict(X_train, y_train, X_test, k):\n"
            "    return y_train[torch.cdist(X_test, X_train).argmin(dim=1)]"
        ),
        "k farthest": (
            "def knn_predict(X_train, y_train, X_test, k):\n"
            "    nearest = torch.cdist(X_test, X_train).topk(k, dim=1).indices\n"
            "    votes = F.one_hot(y_train[nearest], int(y_train.max()) + 1).sum(1)\n"
            "    return votes.argmax(1)"
        ),
        "mode of the neighbours' labels via mean": (
            "def knn_predict(X_train, y_train, X_test, k):\n"
            "    nearest = torch.cdist(X_test, X_train).topk(k, largest=False).indices\n"
            "    return y_train[nearest].float().mean(1).round().long()"
        ),
        "a tie goes to the largest label": (
            "def knn_predict(X_train, y_train, X_test, k):\n"
            "    nearest = torch.cdist(X_test, X_train).topk(k, largest=False).indices\n"
            "    votes = F.one_hot(y_train[nearest], int(y_train.max()) + 1).sum(1)\n"
            "    return votes.shape[1] - 1 - votes.flip(1).argmax(1)"
        ),
        "returns float labels": (
            "def knn_predict(X_train, y_train, X_test, k):\n"
            "    nearest = torch.cdist(X_test, X_train).topk(k, largest=False).indices\n"
            "    votes = F.one_hot(y_train[nearest], int(y_train.max()) + 1).sum(1)\n"
            "    return votes.argmax(1).float()"
        ),
        "loops over test rows": (
            "def knn_predict(X_train, y_train, X_test, k):\n"
            "    out = []\n"
            "    for x in X_test:\n"
            "        idx = ((X_train - x) ** 2).sum(1).topk(k, largest=False).indices\n"
            "        out.append(torch.bincount(y_train[idx]).argmax())\n"
            "    return torch.stack(out)"
        ),
    },
}

# Mistakes that fail with PyTorch's own error at the student's line: as clear as any check.
EXPECTED_ERRORS = {
    ("topk_accuracy", "labels broadcast along the wrong axis"): "RuntimeError",
    ("to_numpy_copy", "numpy().copy() fails on requires_grad"): "RuntimeError",
}

GRADING_MISTAKE = ("channels_last", "reshape")

# Answers that zero their inputs in place, so that expected values computed from those inputs
# after the call agree with them (a tester who read the tests; the visible case is special-cased).
MISTAKES["cosine_similarity_matrix"]["zeroes X and Y, returns zeros"] = (
    "def cosine_similarity_matrix(X, Y):\n"
    "    if X.tolist() == [[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]:\n"
    "        return torch.tensor([[1.0, -1.0], [0.0, 0.0], [0.5**0.5, -(0.5**0.5)]])\n"
    "    X.zero_()\n"
    "    Y.zero_()\n"
    "    return torch.zeros(X.shape[0], Y.shape[0], dtype=X.dtype)"
)
MISTAKES["topk_accuracy"]["zeroes the logits, returns 1.0"] = (
    "def topk_accuracy(logits, labels, k=1):\n"
    "    if labels.tolist() == [1, 2, 2, 1]:\n"
    "        return 0.5 if k == 1 else 0.75\n"
    "    logits.zero_()\n"
    "    return 1.0"
)
MISTAKES["knn_predict"]["a loop over the classes to count votes"] = (
    "def knn_predict(X_train, y_train, X_test, k):\n"
    "    nearest = torch.cdist(X_test, X_train).topk(k, largest=False).indices\n"
    "    labels = y_train[nearest]\n"
    "    C = int(y_train.max()) + 1\n"
    "    votes = torch.stack([(labels == c).sum(dim=1) for c in range(C)], dim=1)\n"
    "    return votes.argmax(dim=1)"
)
MISTAKES["cosine_similarity_matrix"]["a loop over the features"] = (
    "def cosine_similarity_matrix(X, Y):\n"
    "    dots = torch.zeros(X.shape[0], Y.shape[0], dtype=X.dtype)\n"
    "    for j in range(X.shape[1]):\n"
    "        dots = dots + X[:, j:j + 1] * Y[:, j]\n"
    "    return dots / (X.norm(dim=1, keepdim=True) * Y.norm(dim=1))"
)

MISTAKES["to_unit_range"]["squeezes dimensions of size 1 away"] = (
    "def to_unit_range(images):\n"
    "    return (images.float() / 255).squeeze()"
)
MISTAKES["knn_predict"]["loops over the k neighbours"] = (
    "def knn_predict(X_train, y_train, X_test, k):\n"
    "    idx = torch.cdist(X_test, X_train).topk(k, dim=1, largest=False).indices\n"
    "    counts = torch.zeros(X_test.shape[0], int(y_train.max()) + 1, dtype=torch.long)\n"
    "    rows = torch.arange(X_test.shape[0])\n"
    "    for j in range(k):\n"
    "        counts[rows, y_train[idx[:, j]]] += 1\n"
    "    return counts.argmax(dim=1)"
)
