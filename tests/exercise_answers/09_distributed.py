"""Lesson 09's exercises: correct answers written other ways, and the mistakes people make."""

CORRECT = {
    "all_reduce_mean": [
        "def all_reduce_mean(tensor):\n"
        "    out = tensor.detach().clone()\n"
        "    dist.all_reduce(out, op=dist.ReduceOp.AVG)\n"
        "    return out",
        "def all_reduce_mean(tensor):\n"
        "    parts = [torch.zeros_like(tensor) for _ in range(dist.get_world_size())]\n"
        "    dist.all_gather(parts, tensor)\n"
        "    return torch.stack(parts).mean(dim=0)",
    ],
    "gather_rows": [
        "def gather_rows(tensor):\n"
        "    world = dist.get_world_size()\n"
        "    out = tensor.new_empty((world * tensor.shape[0], *tensor.shape[1:]))\n"
        "    dist.all_gather_into_tensor(out, tensor.contiguous())\n"
        "    return out",
        "def gather_rows(tensor):\n"
        "    objs = [None] * dist.get_world_size()\n"
        "    dist.all_gather_object(objs, tensor)\n"
        "    return torch.vstack(objs)",
    ],
    "broadcast_state": [
        "def broadcast_state(model, src=0):\n"
        "    for value in model.state_dict().values():\n"
        "        dist.broadcast(value, src)",
        "def broadcast_state(model, src=0):\n"
        "    box = [model.state_dict() if dist.get_rank() == src else None]\n"
        "    dist.broadcast_object_list(box, src=src)\n"
        "    model.load_state_dict(box[0])",
    ],
    "average_gradients": [
        "def average_gradients(model):\n"
        "    for p in model.parameters():\n"
        "        if p.grad is None:\n"
        "            continue\n"
        "        dist.all_reduce(p.grad, op=dist.ReduceOp.AVG)",
        "def average_gradients(model):\n"
        "    grads = [p.grad for p in model.parameters() if p.grad is not None]\n"
        "    flat = torch.cat([g.flatten() for g in grads])\n"
        "    dist.all_reduce(flat)\n"
        "    flat /= dist.get_world_size()\n"
        "    for g, part in zip(grads, flat.split([g.numel() for g in grads])):\n"
        "        g.copy_(part.view_as(g))",
    ],
    "save_checkpoint": [
        "def save_checkpoint(ddp_model, path):\n"
        "    state = {k: v.clone() for k, v in ddp_model.module.state_dict().items()}\n"
        "    if dist.get_rank() == 0:\n"
        "        with open(path, 'wb') as f:\n"
        "            torch.save(state, f)\n"
        "    dist.barrier()",
        "def save_checkpoint(ddp_model, path):\n"
        "    state = ddp_model.state_dict()\n"
        "    nn.modules.utils.consume_prefix_in_state_dict_if_present(state, 'module.')\n"
        "    if dist.get_rank() == 0:\n"
        "        torch.save(state, str(path))\n"
        "    done = torch.zeros(1)\n"
        "    dist.all_reduce(done)  # any collective after the save makes the others wait",
    ],
    "sync_batch_stats": [
        "def sync_batch_stats(x):\n"
        "    n = torch.tensor([x.shape[0]], dtype=x.dtype)\n"
        "    dist.all_reduce(n)\n"
        "    mean = x.sum(0)\n"
        "    dist.all_reduce(mean)\n"
        "    mean = mean / n\n"
        "    sq = ((x - mean) ** 2).sum(0)\n"
        "    dist.all_reduce(sq)\n"
        "    return mean, sq / n",
        "def sync_batch_stats(x):\n"
        "    n = torch.tensor(float(len(x)))\n"
        "    local_mean, local_var = x.mean(0), x.var(0, unbiased=False)\n"
        "    weighted = torch.cat([n.reshape(1), n * local_mean,"
        " n * (local_var + local_mean ** 2)]).double()\n"
        "    dist.all_reduce(weighted)\n"
        "    C = x.shape[1]\n"
        "    total = weighted[0]\n"
        "    mean = weighted[1:C + 1] / total\n"
        "    var = weighted[C + 1:] / total - mean ** 2\n"
        "    return mean.to(x.dtype), var.to(x.dtype)",
    ],
    "train_ddp": [
        # gradient averaging by hand after broadcasting rank 0's weights, no DDP
        "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
        "    world = dist.get_world_size()\n"
        "    model = make_model()\n"
        "    with torch.no_grad():\n"
        "        for t in model.state_dict().values():\n"
        "            dist.broadcast(t, 0)\n"
        "    sampler = DistributedSampler(dataset, num_replicas=world, rank=dist.get_rank(),\n"
        "                                 shuffle=True, seed=seed)\n"
        "    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler,\n"
        "                        shuffle=False)\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
        "    for epoch in range(num_epochs):\n"
        "        loader.sampler.set_epoch(epoch)\n"
        "        for X, y in loader:\n"
        "            model.zero_grad()\n"
        "            torch.nn.functional.cross_entropy(model(X), y).backward()\n"
        "            for p in model.parameters():\n"
        "                dist.all_reduce(p.grad)\n"
        "                p.grad /= world\n"
        "            opt.step()\n"
        "    return model.state_dict()",
        "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
        "    per_rank = batch_size // dist.get_world_size()\n"
        "    sampler = DistributedSampler(dataset, seed=seed)\n"
        "    model = DDP(make_model(), broadcast_buffers=True)\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)\n"
        "    loss_fn = nn.CrossEntropyLoss(reduction='mean')\n"
        "    epoch = 0\n"
        "    while epoch < num_epochs:\n"
        "        sampler.set_epoch(epoch)\n"
        "        for X, y in DataLoader(dataset, batch_size=per_rank, sampler=sampler):\n"
        "            loss = loss_fn(model(X), y)\n"
        "            opt.zero_grad(set_to_none=True)\n"
        "            loss.backward()\n"
        "            opt.step()\n"
        "        epoch += 1\n"
        "    state = model.state_dict()\n"
        "    return {k.removeprefix('module.'): v for k, v in state.items()}",
    ],
}

MISTAKES = {
    "all_reduce_mean": {
        "sum, not mean": "def all_reduce_mean(tensor):\n"
        "    out = tensor.clone()\n"
        "    dist.all_reduce(out)\n"
        "    return out",
        "divides by 2, not the world size": "def all_reduce_mean(tensor):\n"
        "    out = tensor.clone()\n"
        "    dist.all_reduce(out)\n"
        "    return out / 2",
        "changes the input in place": "def all_reduce_mean(tensor):\n"
        "    dist.all_reduce(tensor)\n"
        "    tensor /= dist.get_world_size()\n"
        "    return tensor",
        "reduce to rank 0 only": "def all_reduce_mean(tensor):\n"
        "    out = tensor.clone()\n"
        "    dist.reduce(out, dst=0)\n"
        "    return out / dist.get_world_size()",
    },
    "gather_rows": {
        "returns the list": "def gather_rows(tensor):\n"
        "    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]\n"
        "    dist.all_gather(parts, tensor)\n"
        "    return parts",
        "stack instead of cat": "def gather_rows(tensor):\n"
        "    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]\n"
        "    dist.all_gather(parts, tensor)\n"
        "    return torch.stack(parts)",
        "own rows first": "def gather_rows(tensor):\n"
        "    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]\n"
        "    dist.all_gather(parts, tensor)\n"
        "    rank = dist.get_rank()\n"
        "    return torch.cat([parts[rank]] + parts[:rank] + parts[rank + 1:])",
        "float buffers for any dtype": "def gather_rows(tensor):\n"
        "    parts = [torch.empty(tensor.shape) for _ in range(dist.get_world_size())]\n"
        "    dist.all_gather(parts, tensor.float())\n"
        "    return torch.cat(parts)",
    },
    "broadcast_state": {
        "parameters only": "def broadcast_state(model, src=0):\n"
        "    with torch.no_grad():\n"
        "        for p in model.parameters():\n"
        "            dist.broadcast(p, src)",
        "always from rank 0": "def broadcast_state(model, src=0):\n"
        "    for value in model.state_dict().values():\n"
        "        dist.broadcast(value, 0)",
        "new parameter objects": "def broadcast_state(model, src=0):\n"
        "    for module in model.modules():\n"
        "        for name, p in list(module.named_parameters(recurse=False)):\n"
        "            copy = p.detach().clone()\n"
        "            dist.broadcast(copy, src)\n"
        "            setattr(module, name, nn.Parameter(copy))\n"
        "        for name, b in list(module.named_buffers(recurse=False)):\n"
        "            dist.broadcast(b, src)",
        "skips integer buffers": "def broadcast_state(model, src=0):\n"
        "    with torch.no_grad():\n"
        "        for t in [*model.parameters(), *model.buffers()]:\n"
        "            if t.is_floating_point():\n"
        "                dist.broadcast(t, src)",
        "broadcasts copies": "def broadcast_state(model, src=0):\n"
        "    for p in [*model.parameters(), *model.buffers()]:\n"
        "        dist.broadcast(p.clone(), src)",
    },
    "average_gradients": {
        "sum, not mean": "def average_gradients(model):\n"
        "    for p in model.parameters():\n"
        "        if p.grad is not None:\n"
        "            dist.all_reduce(p.grad)",
        "divides by 2, not the world size": "def average_gradients(model):\n"
        "    for p in model.parameters():\n"
        "        if p.grad is not None:\n"
        "            dist.all_reduce(p.grad)\n"
        "            p.grad /= 2",
        "averages the weights": "def average_gradients(model):\n"
        "    with torch.no_grad():\n"
        "        for p in model.parameters():\n"
        "            dist.all_reduce(p)\n"
        "            p /= dist.get_world_size()",
        "crashes on grads that are None": "def average_gradients(model):\n"
        "    for p in model.parameters():\n"
        "        dist.all_reduce(p.grad)\n"
        "        p.grad /= dist.get_world_size()",
    },
    "save_checkpoint": {
        "saves on every rank": "def save_checkpoint(ddp_model, path):\n"
        "    torch.save(ddp_model.module.state_dict(), path)\n"
        "    dist.barrier()",
        "no barrier": "def save_checkpoint(ddp_model, path):\n"
        "    if dist.get_rank() == 0:\n"
        "        torch.save(ddp_model.module.state_dict(), path)",
        "module. prefix": "def save_checkpoint(ddp_model, path):\n"
        "    if dist.get_rank() == 0:\n"
        "        torch.save(ddp_model.state_dict(), path)\n"
        "    dist.barrier()",
        "barrier on rank 0 only": "def save_checkpoint(ddp_model, path):\n"
        "    if dist.get_rank() == 0:\n"
        "        torch.save(ddp_model.module.state_dict(), path)\n"
        "        dist.barrier()",
    },
    "sync_batch_stats": {
        "local statistics": "def sync_batch_stats(x):\n"
        "    return x.mean(0), x.var(0, unbiased=False)",
        "mean of the ranks' means": "def sync_batch_stats(x):\n"
        "    mean, var = x.mean(0), x.var(0, unbiased=False)\n"
        "    dist.all_reduce(mean)\n"
        "    dist.all_reduce(var)\n"
        "    w = dist.get_world_size()\n"
        "    return mean / w, var / w",
        "unbiased variance": "def sync_batch_stats(x):\n"
        "    n = torch.tensor([float(len(x))])\n"
        "    dist.all_reduce(n)\n"
        "    s = x.sum(0)\n"
        "    dist.all_reduce(s)\n"
        "    mean = s / n\n"
        "    sq = ((x - mean) ** 2).sum(0)\n"
        "    dist.all_reduce(sq)\n"
        "    return mean, sq / (n - 1)",
        "means weighted right, variances averaged": "def sync_batch_stats(x):\n"
        "    n = torch.tensor([float(len(x))])\n"
        "    dist.all_reduce(n)\n"
        "    s = x.sum(0)\n"
        "    dist.all_reduce(s)\n"
        "    v = x.var(0, unbiased=False) * len(x)\n"
        "    dist.all_reduce(v)\n"
        "    return s / n, v / n",
    },
    "train_ddp": {
        "forgets set_epoch": (
            "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
            "    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n"
            "    loader = DataLoader(dataset, batch_size=batch_size // dist.get_world_size(),\n"
            "                        sampler=sampler)\n"
            "    model = DDP(make_model())\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
            "    for epoch in range(num_epochs):\n"
            "        for X, y in loader:\n"
            "            opt.zero_grad()\n"
            "            nn.functional.cross_entropy(model(X), y).backward()\n"
            "            opt.step()\n"
            "    return model.module.state_dict()"
        ),
        "batch_size per rank": (
            "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
            "    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n"
            "    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)\n"
            "    model = DDP(make_model())\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
            "    for epoch in range(num_epochs):\n"
            "        sampler.set_epoch(epoch)\n"
            "        for X, y in loader:\n"
            "            opt.zero_grad()\n"
            "            nn.functional.cross_entropy(model(X), y).backward()\n"
            "            opt.step()\n"
            "    return model.module.state_dict()"
        ),
        "no gradient averaging": (
            "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
            "    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n"
            "    loader = DataLoader(dataset, batch_size=batch_size // dist.get_world_size(),\n"
            "                        sampler=sampler)\n"
            "    model = make_model()\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
            "    for epoch in range(num_epochs):\n"
            "        sampler.set_epoch(epoch)\n"
            "        for X, y in loader:\n"
            "            opt.zero_grad()\n"
            "            nn.functional.cross_entropy(model(X), y).backward()\n"
            "            opt.step()\n"
            "    return model.state_dict()"
        ),
        "module. prefix": (
            "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
            "    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n"
            "    loader = DataLoader(dataset, batch_size=batch_size // dist.get_world_size(),\n"
            "                        sampler=sampler)\n"
            "    model = DDP(make_model())\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
            "    for epoch in range(num_epochs):\n"
            "        sampler.set_epoch(epoch)\n"
            "        for X, y in loader:\n"
            "            opt.zero_grad()\n"
            "            nn.functional.cross_entropy(model(X), y).backward()\n"
            "            opt.step()\n"
            "    return model.state_dict()"
        ),
        "shuffles without a DistributedSampler": (
            "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
            "    torch.manual_seed(seed)\n"
            "    loader = DataLoader(dataset, batch_size=batch_size // dist.get_world_size(),\n"
            "                        shuffle=True)\n"
            "    model = DDP(make_model())\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
            "    for epoch in range(num_epochs):\n"
            "        for X, y in loader:\n"
            "            opt.zero_grad()\n"
            "            nn.functional.cross_entropy(model(X), y).backward()\n"
            "            opt.step()\n"
            "    return model.module.state_dict()"
        ),
        "ignores the seed": (
            "def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n"
            "    sampler = DistributedSampler(dataset, shuffle=True)\n"
            "    loader = DataLoader(dataset, batch_size=batch_size // dist.get_world_size(),\n"
            "                        sampler=sampler)\n"
            "    model = DDP(make_model())\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
            "    for epoch in range(num_epochs):\n"
            "        sampler.set_epoch(epoch)\n"
            "        for X, y in loader:\n"
            "            opt.zero_grad()\n"
            "            nn.functional.cross_entropy(model(X), y).backward()\n"
            "            opt.step()\n"
            "    return model.module.state_dict()"
        ),
    },
}

# Mistakes whose test fails with an error other than an AssertionError (the error is raised on a
# rank and re-raised in the notebook by distributed.launch, with the same type).
EXPECTED_ERRORS = {
    ("average_gradients", "crashes on grads that are None"): "TypeError",
}

# The mistake tests/test_grading.py submits: it must lose exactly this exercise's points.
GRADING_MISTAKE = ("average_gradients", "sum, not mean")
