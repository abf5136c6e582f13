"""Lesson 04's exercises: correct answers written other ways, and the mistakes people make."""

CORRECT = {
    "to_tensor": [
        "def to_tensor(image):\n"
        "    t = torch.tensor(image)\n"
        "    if t.ndim == 2:\n"
        "        t = t[None]\n"
        "    else:\n"
        "        t = t.movedim(-1, 0)\n"
        "    return t.to(torch.float32).div(255)",
        "def to_tensor(image):\n"
        "    arr = np.atleast_3d(image).astype(np.float32) / 255.0\n"
        "    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))",
    ],
    "TransformedTensorDataset": [
        "class TransformedTensorDataset(Dataset):\n"
        "    def __init__(self, X, y, *, transform=None):\n"
        "        self.X = X\n"
        "        self.y = y\n"
        "        self.transform = transform or (lambda x: x)\n"
        "    def __len__(self):\n"
        "        return self.X.shape[0]\n"
        "    def __getitem__(self, i):\n"
        "        return self.transform(self.X[i]), self.y[i]",
        "class TransformedTensorDataset(TensorDataset):\n"
        "    def __init__(self, X, y, *, transform=None):\n"
        "        super().__init__(X, y)\n"
        "        self.transform = transform\n"
        "    def __getitem__(self, i):\n"
        "        x, y = super().__getitem__(i)\n"
        "        return (x if self.transform is None else self.transform(x)), y",
    ],
    "pad_collate": [
        "def pad_collate(batch):\n"
        "    seqs, labels = zip(*batch)\n"
        "    lengths = torch.tensor([s.numel() for s in seqs])\n"
        "    out = torch.zeros(len(seqs), int(lengths.max()), dtype=torch.int64)\n"
        "    for row, s in enumerate(seqs):\n"
        "        out[row, : len(s)] = s\n"
        "    return out, lengths, torch.tensor(labels)",
        "def pad_collate(batch):\n"
        "    longest = max(len(s) for s, _ in batch)\n"
        "    padded = torch.stack([torch.nn.functional.pad(s, (0, longest - len(s))) "
        "for s, _ in batch])\n"
        "    lengths = torch.as_tensor([len(s) for s, _ in batch], dtype=torch.long)\n"
        "    return padded, lengths, torch.as_tensor([l for _, l in batch], dtype=torch.long)",
        # filling a tensor of zeros row by row, lengths from each sequence's shape
        "def pad_collate(batch):\n"
        "    lengths = torch.tensor([seq.shape[0] for seq, _ in batch])\n"
        "    padded = torch.zeros(len(batch), int(lengths.max()), dtype=torch.int64)\n"
        "    for i, (seq, _) in enumerate(batch):\n"
        "        padded[i, : seq.shape[0]] = seq\n"
        "    labels = torch.tensor([label for _, label in batch])\n"
        "    return padded, lengths, labels",
    ],
    "reproducible_split": [
        "def reproducible_split(dataset, val_fraction, *, seed):\n"
        "    n = len(dataset)\n"
        "    n_val = round(n * val_fraction)\n"
        "    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()\n"
        "    return Subset(dataset, order[n_val:]), Subset(dataset, order[:n_val])",
        # a generator made first and seeded in place, indices drawn by sorting random keys
        "def reproducible_split(dataset, val_fraction, *, seed):\n"
        "    g = torch.Generator()\n"
        "    g.manual_seed(seed)\n"
        "    order = torch.rand(len(dataset), generator=g).argsort()\n"
        "    n_train = len(dataset) - round(len(dataset) * val_fraction)\n"
        "    return Subset(dataset, order[:n_train].tolist()), Subset(dataset, "
        "order[n_train:].tolist())",
    ],
    "streaming_mean_std": [
        "def streaming_mean_std(batches):\n"
        "    n = 0\n"
        "    for X in batches:\n"
        "        flat = X.transpose(0, 1).reshape(X.shape[1], -1).double()\n"
        "        if n == 0:\n"
        "            s = flat.sum(1)\n"
        "            s2 = (flat * flat).sum(1)\n"
        "        else:\n"
        "            s += flat.sum(1)\n"
        "            s2 += (flat * flat).sum(1)\n"
        "        n += flat.shape[1]\n"
        "    mean = s / n\n"
        "    return mean.float(), torch.sqrt(s2 / n - mean ** 2).float()",
        # Welford-style merging of batch statistics (Chan et al.), numerically stable
        "def streaming_mean_std(batches):\n"
        "    count, mean, m2 = 0, None, None\n"
        "    for X in batches:\n"
        "        X = X.double()\n"
        "        k = X.numel() // X.shape[1]\n"
        "        b_mean = X.mean(dim=(0, 2, 3))\n"
        "        b_m2 = ((X - b_mean.view(1, -1, 1, 1)) ** 2).sum(dim=(0, 2, 3))\n"
        "        if mean is None:\n"
        "            count, mean, m2 = k, b_mean, b_m2\n"
        "            continue\n"
        "        delta = b_mean - mean\n"
        "        total = count + k\n"
        "        mean = mean + delta * k / total\n"
        "        m2 = m2 + b_m2 + delta ** 2 * count * k / total\n"
        "        count = total\n"
        "    return mean.float(), (m2 / count).sqrt().float()",
    ],
    "balanced_sampler": [
        "def balanced_sampler(labels):\n"
        "    classes, inverse, counts = torch.unique(labels, return_inverse=True, "
        "return_counts=True)\n"
        "    return WeightedRandomSampler((1.0 / counts.float())[inverse].tolist(), len(labels))",
        "def balanced_sampler(labels):\n"
        "    counts = {c: int((labels == c).sum()) for c in labels.unique().tolist()}\n"
        "    weights = [1 / counts[c] for c in labels.tolist()]\n"
        "    return WeightedRandomSampler(weights, num_samples=labels.numel())",
    ],
    "make_loaders": [
        "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
        "    X = X.to(torch.float32)\n"
        "    dataset = TensorDataset(X, y)\n"
        "    n_val = round(len(X) * val_fraction)\n"
        "    g = torch.Generator().manual_seed(seed)\n"
        "    train_part, val_part = random_split(dataset, [len(X) - n_val, n_val], generator=g)\n"
        "    X_tr = X[train_part.indices]\n"
        "    var, mean = torch.var_mean(X_tr, dim=(0, 2, 3), correction=0)\n"
        "    shape = (1, -1, 1, 1)\n"
        "    norm = lambda A: (A - mean.view(shape)) / var.sqrt().view(shape)\n"
        "    train_ds = TensorDataset(norm(X_tr), y[train_part.indices])\n"
        "    val_ds = TensorDataset(norm(X[val_part.indices]), y[val_part.indices])\n"
        "    return (DataLoader(train_ds, batch_size, shuffle=True, generator=g),\n"
        "            DataLoader(val_ds, batch_size, shuffle=False))",
        # normalising item by item with a transform, as a torchvision pipeline would
        "class _Normalised(Dataset):\n"
        "    def __init__(self, X, y, idx, mean, std):\n"
        "        self.X, self.y, self.idx, self.mean, self.std = X, y, idx, mean, std\n"
        "    def __len__(self):\n"
        "        return len(self.idx)\n"
        "    def __getitem__(self, i):\n"
        "        j = self.idx[i]\n"
        "        return transforms.Normalize(self.mean, self.std)(self.X[j].float()), self.y[j]\n"
        "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
        "    order = np.random.default_rng(seed).permutation(len(X))\n"
        "    n_val = round(len(X) * val_fraction)\n"
        "    val_idx, train_idx = order[:n_val].tolist(), order[n_val:].tolist()\n"
        "    part = X[train_idx].double()\n"
        "    mean = part.mean(dim=(0, 2, 3)).tolist()\n"
        "    std = part.std(dim=(0, 2, 3), unbiased=False).tolist()\n"
        "    g = torch.Generator()\n"
        "    g.manual_seed(seed)\n"
        "    sampler = torch.utils.data.RandomSampler(range(len(train_idx)), generator=g)\n"
        "    train = DataLoader(_Normalised(X, y, train_idx, mean, std), batch_size=batch_size,\n"
        "                       sampler=sampler)\n"
        "    val = DataLoader(_Normalised(X, y, val_idx, mean, std), batch_size=batch_size)\n"
        "    return train, val",
    ],
}

MISTAKES = {
    "to_tensor": {
        "torchvision v2's ToImage and ToDtype": (
            "from torchvision.transforms import v2\n"
            "def to_tensor(image):\n"
            "    convert = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])\n"
            "    return convert(image).as_subclass(torch.Tensor)"
        ),
        "PILToTensor, then divide": (
            "def to_tensor(image):\n"
            "    return transforms.PILToTensor()(Image.fromarray(image)).float() / 255"
        ),
        "v2.functional.to_image, by name": (
            "from torchvision.transforms.v2.functional import to_image\n"
            "def to_tensor(image):\n"
            "    return to_image(image).as_subclass(torch.Tensor).float() / 255"
        ),
        "reshape instead of permute": (
            "def to_tensor(image):\n"
            "    t = torch.from_numpy(image).float() / 255\n"
            "    if t.dim() == 2:\n"
            "        return t.unsqueeze(0)\n"
            "    return t.reshape(t.shape[2], t.shape[0], t.shape[1])"
        ),
        "forgets to divide by 255": (
            "def to_tensor(image):\n"
            "    t = torch.from_numpy(np.atleast_3d(image).copy())\n"
            "    return t.permute(2, 0, 1).float()"
        ),
        "no channel for greyscale": (
            "def to_tensor(image):\n"
            "    t = torch.from_numpy(image).float() / 255\n"
            "    return t.permute(2, 0, 1) if t.dim() == 3 else t"
        ),
        "calls transforms.ToTensor (not by hand)": (
            "def to_tensor(image):\n"
            "    return transforms.ToTensor()(image)"
        ),
        "integer division keeps uint8": (
            "def to_tensor(image):\n"
            "    t = torch.from_numpy(np.atleast_3d(image).copy())\n"
            "    return (t // 255).permute(2, 0, 1)"
        ),
    },
    "TransformedTensorDataset": {
        "transform applied once in __init__": (
            "class TransformedTensorDataset(Dataset):\n"
            "    def __init__(self, X, y, *, transform=None):\n"
            "        self.X = transform(X) if transform else X\n"
            "        self.y = y\n"
            "    def __len__(self):\n"
            "        return len(self.X)\n"
            "    def __getitem__(self, i):\n"
            "        return self.X[i], self.y[i]"
        ),
        "transforms the label too": (
            "class TransformedTensorDataset(Dataset):\n"
            "    def __init__(self, X, y, *, transform=None):\n"
            "        self.X, self.y, self.t = X, y, transform or (lambda v: v)\n"
            "    def __len__(self):\n"
            "        return len(self.X)\n"
            "    def __getitem__(self, i):\n"
            "        return self.t(self.X[i]), self.t(self.y[i])"
        ),
        "len is the size of an item": (
            "class TransformedTensorDataset(Dataset):\n"
            "    def __init__(self, X, y, *, transform=None):\n"
            "        self.X, self.y, self.t = X, y, transform or (lambda v: v)\n"
            "    def __len__(self):\n"
            "        return self.X[0].numel()\n"
            "    def __getitem__(self, i):\n"
            "        return self.t(self.X[i]), self.y[i]"
        ),
    },
    "pad_collate": {
        "lengths measured after padding": (
            "def pad_collate(batch):\n"
            "    padded = pad_sequence([s for s, _ in batch], batch_first=True)\n"
            "    lengths = torch.tensor([len(row) for row in padded])\n"
            "    return padded, lengths, torch.tensor([l for _, l in batch])"
        ),
        "time-major padding": (
            "def pad_collate(batch):\n"
            "    padded = pad_sequence([s for s, _ in batch])\n"
            "    lengths = torch.tensor([len(s) for s, _ in batch])\n"
            "    return padded, lengths, torch.tensor([l for _, l in batch])"
        ),
        "sorts the batch by length": (
            "def pad_collate(batch):\n"
            "    batch = sorted(batch, key=lambda item: -len(item[0]))\n"
            "    padded = pad_sequence([s for s, _ in batch], batch_first=True)\n"
            "    lengths = torch.tensor([len(s) for s, _ in batch])\n"
            "    return padded, lengths, torch.tensor([l for _, l in batch])"
        ),
        "lengths counted from non-zero tokens": (
            "def pad_collate(batch):\n"
            "    padded = pad_sequence([s for s, _ in batch], batch_first=True)\n"
            "    lengths = (padded != 0).sum(dim=1)\n"
            "    return padded, lengths, torch.tensor([l for _, l in batch])"
        ),
        "lengths up to the last non-zero token": (
            "def pad_collate(batch):\n"
            "    padded = pad_sequence([s for s, _ in batch], batch_first=True)\n"
            "    idx = torch.arange(1, padded.shape[1] + 1)\n"
            "    lengths = ((padded != 0) * idx).amax(dim=1)\n"
            "    return padded, lengths, torch.tensor([l for _, l in batch])"
        ),
        "pads with -1": (
            "def pad_collate(batch):\n"
            "    padded = pad_sequence([s for s, _ in batch], batch_first=True, padding_value=-1)\n"
            "    lengths = torch.tensor([len(s) for s, _ in batch])\n"
            "    return padded, lengths, torch.tensor([l for _, l in batch])"
        ),
    },
    "reproducible_split": {
        "slices from the end, which takes everything when no item is for validation": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    perm = torch.randperm(len(dataset), generator=g).tolist()\n"
            "    return Subset(dataset, perm[:-n_val]), Subset(dataset, perm[-n_val:])"
        ),
        "rounds halves up": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    n_val = int(len(dataset) * val_fraction + 0.5)\n"
            "    return tuple(random_split(dataset, [len(dataset) - n_val, n_val], generator=g))"
        ),
        "seeds the global generator": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    torch.manual_seed(seed)\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    return tuple(random_split(dataset, [len(dataset) - n_val, n_val]))"
        ),
        "no seed at all": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    return tuple(random_split(dataset, [len(dataset) - n_val, n_val]))"
        ),
        "takes the last items, no shuffle": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    n = len(dataset)\n"
            "    return Subset(dataset, list(range(n - n_val))), "
            "Subset(dataset, list(range(n - n_val, n)))"
        ),
        "NumPy's generator instead of a torch.Generator": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    order = np.random.default_rng(seed).permutation(len(dataset))\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    train_idx, val_idx = order[n_val:].tolist(), order[:n_val].tolist()\n"
            "    return Subset(dataset, train_idx), Subset(dataset, val_idx)"
        ),
        "seeds NumPy's global generator": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    np.random.seed(seed)\n"
            "    order = np.random.permutation(len(dataset)).tolist()\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    return Subset(dataset, order[n_val:]), Subset(dataset, order[:n_val])"
        ),
        "Python's random module": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    import random\n"
            "    order = list(range(len(dataset)))\n"
            "    random.Random(seed).shuffle(order)\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    return Subset(dataset, order[n_val:]), Subset(dataset, order[:n_val])"
        ),
        "truncates instead of rounding": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    n_val = int(len(dataset) * val_fraction)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return tuple(random_split(dataset, [len(dataset) - n_val, n_val], generator=g))"
        ),
        "math.ceil for the validation size": (
            "import math\n"
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    n = len(dataset)\n"
            "    n_val = math.ceil(n * val_fraction)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    perm = torch.randperm(n, generator=g).tolist()\n"
            "    return Subset(dataset, perm[n_val:]), Subset(dataset, perm[:n_val])"
        ),
        "validation gets the larger part": (
            "def reproducible_split(dataset, val_fraction, *, seed):\n"
            "    n_val = round(len(dataset) * val_fraction)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return tuple(random_split(dataset, [n_val, len(dataset) - n_val], generator=g))"
        ),
    },
    "streaming_mean_std": {
        "accumulates in float32": (
            "def streaming_mean_std(batches):\n"
            "    count, total, total_sq = 0, 0.0, 0.0\n"
            "    for X in batches:\n"
            "        count += X.shape[0] * X.shape[2] * X.shape[3]\n"
            "        total = total + X.sum(dim=(0, 2, 3))\n"
            "        total_sq = total_sq + (X ** 2).sum(dim=(0, 2, 3))\n"
            "    mean = total / count\n"
            "    return mean, (total_sq / count - mean ** 2).clamp_min(0).sqrt()"
        ),
        "mean of batch means": (
            "def streaming_mean_std(batches):\n"
            "    means, stds = [], []\n"
            "    for X in batches:\n"
            "        means.append(X.mean(dim=(0, 2, 3)))\n"
            "        stds.append(X.std(dim=(0, 2, 3), correction=0))\n"
            "    return torch.stack(means).mean(0), torch.stack(stds).mean(0)"
        ),
        "sample std (n - 1)": (
            "def streaming_mean_std(batches):\n"
            "    n, s, s2 = 0, 0.0, 0.0\n"
            "    for X in batches:\n"
            "        X = X.double()\n"
            "        n += X.numel() // X.shape[1]\n"
            "        s = s + X.sum(dim=(0, 2, 3))\n"
            "        s2 = s2 + (X ** 2).sum(dim=(0, 2, 3))\n"
            "    var = (s2 - s ** 2 / n) / (n - 1)\n"
            "    return (s / n).float(), var.sqrt().float()"
        ),
        "two passes over the batches": (
            "def streaming_mean_std(batches):\n"
            "    n, s = 0, 0.0\n"
            "    for X in batches:\n"
            "        n += X.numel() // X.shape[1]\n"
            "        s = s + X.double().sum(dim=(0, 2, 3))\n"
            "    mean = s / n\n"
            "    sq = 0.0\n"
            "    for X in batches:\n"
            "        sq = sq + ((X.double() - mean.view(1, -1, 1, 1)) ** 2).sum(dim=(0, 2, 3))\n"
            "    return mean.float(), (sq / n).sqrt().float()"
        ),
        "one number for all channels": (
            "def streaming_mean_std(batches):\n"
            "    n, s, s2 = 0, 0.0, 0.0\n"
            "    for X in batches:\n"
            "        X = X.double()\n"
            "        n += X.numel()\n"
            "        s += X.sum().item()\n"
            "        s2 += (X ** 2).sum().item()\n"
            "    mean = s / n\n"
            "    return torch.tensor([mean]), torch.tensor([(s2 / n - mean ** 2) ** 0.5])"
        ),
    },
    "balanced_sampler": {
        "integer weights": (
            "def balanced_sampler(labels):\n"
            "    counts = torch.bincount(labels)\n"
            "    weights = counts.max() // counts[labels]\n"
            "    return WeightedRandomSampler(weights, len(labels), replacement=True)"
        ),
        "weights proportional to class counts": (
            "def balanced_sampler(labels):\n"
            "    counts = torch.bincount(labels)\n"
            "    return WeightedRandomSampler(counts[labels].double(), len(labels))"
        ),
        "without replacement": (
            "def balanced_sampler(labels):\n"
            "    counts = torch.bincount(labels)\n"
            "    return WeightedRandomSampler(1.0 / counts[labels].double(), len(labels),\n"
            "                                 replacement=False)"
        ),
        "uniform weights": (
            "def balanced_sampler(labels):\n"
            "    return WeightedRandomSampler(torch.ones(len(labels)), len(labels))"
        ),
        "one draw per class": (
            "def balanced_sampler(labels):\n"
            "    counts = torch.bincount(labels)\n"
            "    return WeightedRandomSampler(1.0 / counts[labels].double(), len(counts))"
        ),
    },
    "make_loaders": {
        "statistics of all the data": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    mean = X.mean(dim=(0, 2, 3), keepdim=True)\n"
            "    std = X.std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    dataset = TensorDataset((X - mean) / std, y)\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    tr, va = random_split(dataset, [len(X) - n_val, n_val], generator=g)\n"
            "    return (DataLoader(tr, batch_size, shuffle=True, generator=g),\n"
            "            DataLoader(va, batch_size))"
        ),
        "splits with the global generator inside fork_rng": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    with torch.random.fork_rng():\n"
            "        torch.manual_seed(seed)\n"
            "        order = torch.randperm(len(X))\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    m = X[tr].mean(dim=(0, 2, 3), keepdim=True)\n"
            "    s = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr]), batch_size,\n"
            "                       shuffle=True, generator=g),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va]), batch_size))"
        ),
        "training statistics read through an unseeded DataLoader": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    X = X.float()\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    s1 = s2 = 0.0\n"
            "    count = 0\n"
            "    for xb, _ in DataLoader(TensorDataset(X[tr], y[tr]), batch_size=64):\n"
            "        s1 = s1 + xb.double().sum(dim=(0, 2, 3))\n"
            "        s2 = s2 + (xb.double() ** 2).sum(dim=(0, 2, 3))\n"
            "        count += xb.shape[0] * xb.shape[2] * xb.shape[3]\n"
            "    m = (s1 / count).float().view(1, -1, 1, 1)\n"
            "    s = (s2 / count - (s1 / count) ** 2).sqrt().float().view(1, -1, 1, 1)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr]), batch_size,\n"
            "                       shuffle=True, generator=g),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va]), batch_size))"
        ),
        "validation normalised with its own statistics": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
            "    def norm(A):\n"
            "        m = A.mean(dim=(0, 2, 3), keepdim=True)\n"
            "        return (A - m) / A.std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return (DataLoader(TensorDataset(norm(X[tr]), y[tr]), batch_size, shuffle=True,\n"
            "                       generator=g),\n"
            "            DataLoader(TensorDataset(norm(X[va]), y[va]), batch_size))"
        ),
        "one number for all channels": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    m, s = X[tr].mean(), X[tr].std(correction=0)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr]), batch_size,\n"
            "                       shuffle=True, generator=g),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va]), batch_size))"
        ),
        "shuffle from the global random state": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    m = X[tr].mean(dim=(0, 2, 3), keepdim=True)\n"
            "    s = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr]), batch_size,\n"
            "                       shuffle=True),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va]), batch_size))"
        ),
        "splits with NumPy's global generator": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    np.random.seed(seed)\n"
            "    order = torch.from_numpy(np.random.permutation(len(X)))\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    m = X[tr].mean(dim=(0, 2, 3), keepdim=True)\n"
            "    s = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr]), batch_size,\n"
            "                       shuffle=True, generator=g),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va]), batch_size))"
        ),
        "float64 X gives float64 batches (no float32 conversion)": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    m = X[tr].mean(dim=(0, 2, 3), keepdim=True)\n"
            "    s = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr].long()), batch_size,\n"
            "                       shuffle=True, generator=g),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va].long()), batch_size))"
        ),
        "the same shuffled order every epoch": (
            "class _SeededOrder(torch.utils.data.Sampler):\n"
            "    def __init__(self, n, seed):\n"
            "        self.n, self.seed = n, seed\n"
            "    def __len__(self):\n"
            "        return self.n\n"
            "    def __iter__(self):\n"
            "        g = torch.Generator().manual_seed(self.seed)\n"
            "        return iter(torch.randperm(self.n, generator=g).tolist())\n"
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    X = X.float()\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    m = X[tr].mean(dim=(0, 2, 3), keepdim=True)\n"
            "    s = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    train = TensorDataset((X[tr] - m) / s, y[tr].long())\n"
            "    return (DataLoader(train, batch_size, sampler=_SeededOrder(len(train), seed)),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va].long()), batch_size))"
        ),
        "drops the last partial batch": (
            "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
            "    n_val = round(len(X) * val_fraction)\n"
            "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
            "    tr, va = order[n_val:], order[:n_val]\n"
            "    m = X[tr].mean(dim=(0, 2, 3), keepdim=True)\n"
            "    s = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr]), batch_size,\n"
            "                       shuffle=True, generator=g, drop_last=True),\n"
            "            DataLoader(TensorDataset((X[va] - m) / s, y[va]), batch_size))"
        ),
    },
}

GRADING_MISTAKE = ("pad_collate", "lengths measured after padding")

# Mistakes that fail before any check can run; every other mistake fails an assertion.
EXPECTED_ERRORS: dict = {}


# More answers and mistakes, each written from the student notebook's prompt alone.

CORRECT['to_tensor'].append(
    'def to_tensor(image):\n'
    '    arr = image[None] if image.ndim == 2 else np.transpose(image, (2, 0, 1))\n'
    '    return torch.tensor(arr, dtype=torch.float32) / 255.0'
)
MISTAKES['to_tensor']["divides by the image's maximum"] = (
    'def to_tensor(image):\n'
    '    t = torch.from_numpy(image).float()\n'
    '    t = t.unsqueeze(0) if t.ndim == 2 else t.permute(2, 0, 1)\n'
    '    return t / t.max()'
)
MISTAKES['to_tensor']['float64 from numpy division'] = (
    'def to_tensor(image):\n'
    '    t = torch.from_numpy(image / 255.0)\n'
    '    return t.unsqueeze(0) if t.ndim == 2 else t.permute(2, 0, 1)'
)
MISTAKES['to_tensor']['channel last kept for colour'] = (
    'def to_tensor(image):\n'
    '    t = torch.from_numpy(image).float() / 255\n'
    '    return t.unsqueeze(0) if t.ndim == 2 else t'
)
CORRECT['TransformedTensorDataset'].append(
    'class TransformedTensorDataset(Dataset):\n'
    '    def __init__(self, X, y, *, transform=None):\n'
    '        self.X, self.y, self.transform = X, y, transform\n'
    '    def __len__(self):\n'
    '        return self.X.shape[0]\n'
    '    def __getitem__(self, i):\n'
    '        x = self.X[i]\n'
    '        if self.transform:\n'
    '            x = self.transform(x)\n'
    '        return x, self.y[i]'
)
MISTAKES['TransformedTensorDataset']['transform called even when None'] = (
    'class TransformedTensorDataset(Dataset):\n'
    '    def __init__(self, X, y, *, transform=None):\n'
    '        self.X, self.y, self.transform = X, y, transform\n'
    '    def __len__(self):\n'
    '        return len(self.X)\n'
    '    def __getitem__(self, i):\n'
    '        return self.transform(self.X[i]), self.y[i]'
)
MISTAKES['TransformedTensorDataset']['length is the number of labels of the first item'] = (
    'class TransformedTensorDataset(Dataset):\n'
    '    def __init__(self, X, y, *, transform=None):\n'
    '        self.X, self.y, self.transform = X, y, transform\n'
    '    def __len__(self):\n'
    '        return self.X.shape[1]\n'
    '    def __getitem__(self, i):\n'
    '        x = self.X[i]\n'
    '        return (self.transform(x) if self.transform else x), self.y[i]'
)
CORRECT['pad_collate'].append(
    'def pad_collate(batch):\n'
    '    L = max(len(s) for s, _ in batch)\n'
    '    padded = torch.zeros(len(batch), L, dtype=torch.long)\n'
    '    for i, (s, _) in enumerate(batch):\n'
    '        padded[i, :len(s)] = s\n'
    '    lengths = torch.tensor([len(s) for s, _ in batch])\n'
    '    labels = torch.tensor([y for _, y in batch])\n'
    '    return padded, lengths, labels'
)
MISTAKES['pad_collate']['float padding buffer'] = (
    'def pad_collate(batch):\n'
    '    L = max(len(s) for s, _ in batch)\n'
    '    padded = torch.zeros(len(batch), L)\n'
    '    for i, (s, _) in enumerate(batch):\n'
    '        padded[i, :len(s)] = s\n'
    '    return padded, torch.tensor([len(s) for s, _ in batch]), torch.tensor([y for'
    ' _, y in batch])'
)
MISTAKES['pad_collate']['lengths as a list'] = (
    'from torch.nn.utils.rnn import pad_sequence\n'
    'def pad_collate(batch):\n'
    '    seqs = [s for s, _ in batch]\n'
    '    return pad_sequence(seqs, batch_first=True), [len(s) for s in seqs], torch.t'
    'ensor([y for _, y in batch])'
)
MISTAKES['pad_collate']['int32 lengths'] = (
    'from torch.nn.utils.rnn import pad_sequence\n'
    'def pad_collate(batch):\n'
    '    seqs = [s for s, _ in batch]\n'
    '    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.int32)\n'
    '    return pad_sequence(seqs, batch_first=True), lengths, torch.tensor([y for _,'
    ' y in batch])'
)
CORRECT['reproducible_split'].append(
    'from torch.utils.data import random_split\n'
    'def reproducible_split(dataset, val_fraction, *, seed):\n'
    '    n_val = round(len(dataset) * val_fraction)\n'
    '    g = torch.Generator().manual_seed(seed)\n'
    '    train, val = random_split(dataset, [len(dataset) - n_val, n_val], generator=g)\n'
    '    return train, val'
)
MISTAKES['reproducible_split']['generator never seeded'] = (
    'def reproducible_split(dataset, val_fraction, *, seed):\n'
    '    n_val = round(len(dataset) * val_fraction)\n'
    '    perm = torch.randperm(len(dataset), generator=torch.Generator()).tolist()\n'
    '    return Subset(dataset, perm[n_val:]), Subset(dataset, perm[:n_val])'
)
MISTAKES['reproducible_split']['fractional lengths in random_split'] = (
    'from torch.utils.data import random_split\n'
    'def reproducible_split(dataset, val_fraction, *, seed):\n'
    '    g = torch.Generator().manual_seed(seed)\n'
    '    return tuple(random_split(dataset, [1 - val_fraction, val_fraction], generator=g))'
)
MISTAKES['reproducible_split']['returns lists of indices'] = (
    'def reproducible_split(dataset, val_fraction, *, seed):\n'
    '    n_val = round(len(dataset) * val_fraction)\n'
    '    perm = torch.randperm(len(dataset), generator=torch.Generator().manual_seed('
    'seed)).tolist()\n'
    '    return perm[n_val:], perm[:n_val]'
)
CORRECT['streaming_mean_std'].append(
    'def streaming_mean_std(batches):\n'
    '    n = 0; mean = None; m2 = None\n'
    '    for b in batches:\n'
    '        b = b.double().transpose(0, 1).flatten(1)\n'
    '        k = b.shape[1]; bm = b.mean(1); bm2 = ((b - bm[:, None]) ** 2).sum(1)\n'
    '        if mean is None:\n'
    '            n, mean, m2 = k, bm, bm2; continue\n'
    '        d = bm - mean; tot = n + k\n'
    '        mean = mean + d * k / tot; m2 = m2 + bm2 + d * d * n * k / tot; n = tot\n'
    '    return mean.float(), (m2 / n).sqrt().float()'
)
MISTAKES['streaming_mean_std']['reduces over the wrong dims'] = (
    'def streaming_mean_std(batches):\n'
    '    s = ss = 0; n = 0\n'
    '    for b in batches:\n'
    '        b = b.double(); s = s + b.sum((0, 1, 2)); ss = ss + (b * b).sum((0, 1, 2'
    ')); n += b.shape[0] * b.shape[1] * b.shape[2]\n'
    '    m = s / n\n'
    '    return m.float(), (ss / n - m * m).sqrt().float()'
)
MISTAKES['streaming_mean_std']['returns float64'] = (
    'def streaming_mean_std(batches):\n'
    '    s = ss = 0; n = 0\n'
    '    for b in batches:\n'
    '        b = b.double(); s = s + b.sum((0, 2, 3)); ss = ss + (b * b).sum((0, 2, 3'
    ')); n += b.numel() // b.shape[1]\n'
    '    m = s / n\n'
    '    return m, (ss / n - m * m).sqrt()'
)
CORRECT['balanced_sampler'].append(
    'def balanced_sampler(labels):\n'
    '    w = 1.0 / torch.bincount(labels)[labels].double()\n'
    '    return WeightedRandomSampler(w, num_samples=len(labels), replacement=True)'
)
# Its own seeded generator: the same draws every time it is built, still with replacement.
CORRECT['balanced_sampler'].append(
    'def balanced_sampler(labels):\n'
    '    weights = 1.0 / torch.bincount(labels)[labels].double()\n'
    '    return WeightedRandomSampler(weights, num_samples=len(labels), replacement=True,\n'
    '                                 generator=torch.Generator().manual_seed(1234))'
)
MISTAKES['balanced_sampler']['one weight per class'] = (
    'def balanced_sampler(labels):\n'
    '    return WeightedRandomSampler(1.0 / torch.bincount(labels).float(), num_sampl'
    'es=len(labels))'
)
MISTAKES['balanced_sampler']['draws one per class count'] = (
    'def balanced_sampler(labels):\n'
    '    c = torch.bincount(labels)\n'
    '    return WeightedRandomSampler(1.0 / c[labels].float(), num_samples=len(c) * i'
    'nt(c.min()))'
)
CORRECT['make_loaders'].append(
    'def make_loaders(X, y, *, batch_size, val_fraction, seed):\n'
    '    n_val = round(len(X) * val_fraction)\n'
    '    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n'
    '    tr, va = perm[n_val:], perm[:n_val]\n'
    '    mean = X[tr].mean(dim=(0, 2, 3), keepdim=True)[0]\n'
    '    std = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)[0]\n'
    '    Xn = (X - mean) / std\n'
    '    train = TensorDataset(Xn[tr].float(), y[tr].long())\n'
    '    val = TensorDataset(Xn[va].float(), y[va].long())\n'
    '    return (DataLoader(train, batch_size=batch_size, shuffle=True,\n'
    '                       generator=torch.Generator().manual_seed(seed)),\n'
    '            DataLoader(val, batch_size=batch_size, shuffle=False))'
)
MISTAKES['make_loaders']['sample std of the training part'] = (
    'def make_loaders(X, y, *, batch_size, val_fraction, seed):\n'
    '    n_val = round(len(X) * val_fraction)\n'
    '    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n'
    '    tr, va = perm[n_val:], perm[:n_val]\n'
    '    mean = X[tr].mean(dim=(0, 2, 3), keepdim=True)[0]\n'
    '    std = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=1)[0]\n'
    '    Xn = (X - mean) / std\n'
    '    train = TensorDataset(Xn[tr].float(), y[tr].long())\n'
    '    val = TensorDataset(Xn[va].float(), y[va].long())\n'
    '    return (DataLoader(train, batch_size=batch_size, shuffle=True,\n'
    '                       generator=torch.Generator().manual_seed(seed)),\n'
    '            DataLoader(val, batch_size=batch_size, shuffle=False))'
)
MISTAKES['make_loaders']['validation shuffled'] = (
    'def make_loaders(X, y, *, batch_size, val_fraction, seed):\n'
    '    n_val = round(len(X) * val_fraction)\n'
    '    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n'
    '    tr, va = perm[n_val:], perm[:n_val]\n'
    '    mean = X[tr].mean(dim=(0, 2, 3), keepdim=True)[0]\n'
    '    std = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)[0]\n'
    '    Xn = (X - mean) / std\n'
    '    train = TensorDataset(Xn[tr].float(), y[tr].long())\n'
    '    val = TensorDataset(Xn[va].float(), y[va].long())\n'
    '    return (DataLoader(train, batch_size=batch_size, shuffle=True,\n'
    '                       generator=torch.Generator().manual_seed(seed)),\n'
    '            DataLoader(val, batch_size=batch_size, shuffle=True))'
)
EXPECTED_ERRORS[('TransformedTensorDataset', 'transform called even when None')] = 'TypeError'
MISTAKES['reproducible_split']['parts returned in sorted order'] = (
    'def reproducible_split(dataset, val_fraction, *, seed):\n'
    '    g = torch.Generator().manual_seed(seed)\n'
    '    n_val = round(len(dataset) * val_fraction)\n'
    '    perm = torch.randperm(len(dataset), generator=g)\n'
    '    return (Subset(dataset, sorted(perm[n_val:].tolist())),\n'
    '            Subset(dataset, sorted(perm[:n_val].tolist())))'
)

MISTAKES["pad_collate"]["returns a list, not a tuple"] = (
    "def pad_collate(batch):\n"
    "    seqs, labels = zip(*batch)\n"
    "    return [pad_sequence(list(seqs), batch_first=True),\n"
    "            torch.tensor([len(s) for s in seqs]), torch.tensor(labels)]"
)
MISTAKES["make_loaders"]["loads with worker processes"] = (
    "def make_loaders(X, y, *, batch_size, val_fraction, seed):\n"
    "    X = X.float()\n"
    "    n_val = round(len(X) * val_fraction)\n"
    "    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
    "    tr, va = order[n_val:], order[:n_val]\n"
    "    m = X[tr].mean(dim=(0, 2, 3), keepdim=True)\n"
    "    s = X[tr].std(dim=(0, 2, 3), keepdim=True, correction=0)\n"
    "    g = torch.Generator().manual_seed(seed)\n"
    "    return (DataLoader(TensorDataset((X[tr] - m) / s, y[tr]), batch_size, shuffle=True,\n"
    "                       generator=g, num_workers=2),\n"
    "            DataLoader(TensorDataset((X[va] - m) / s, y[va]), batch_size))"
)
CORRECT["streaming_mean_std"].append(
    "from tqdm.auto import tqdm\n"
    "\n"
    "\n"
    "def streaming_mean_std(batches):\n"
    "    n, s, s2 = 0, None, None\n"
    "    for X in tqdm(batches, disable=True):  # tqdm.auto calls iter() once more, reads once\n"
    "        xs = X.double().transpose(0, 1).reshape(X.shape[1], -1)\n"
    "        s = xs.sum(1) if s is None else s + xs.sum(1)\n"
    "        s2 = (xs ** 2).sum(1) if s2 is None else s2 + (xs ** 2).sum(1)\n"
    "        n += xs.shape[1]\n"
    "    mean = s / n\n"
    "    return mean.float(), (s2 / n - mean ** 2).clamp_min(0).sqrt().float()"
)
