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
        "skips frozen parameters only, not unused ones": "def average_gradients(model):\n"
        "    for p in model.parameters():\n"
        "        if p.requires_grad:\n"
        "            dist.all_reduce(p.grad)\n"
        "            p.grad /= dist.get_world_size()",
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
        "averages by hand after broadcasting rank 0's weights, no DDP": (
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
            "    return model.state_dict()"
        ),
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
EXPECTED_ERRORS: dict = {}

# The mistake tests/test_grading.py submits: it must lose exactly this exercise's points.
GRADING_MISTAKE = ("average_gradients", "sum, not mean")


# More answers and mistakes, each written from the student notebook's prompt alone.

CORRECT['all_reduce_mean'].append(
    'def all_reduce_mean(tensor):\n'
    '    out = tensor.clone()\n'
    '    dist.all_reduce(out)\n'
    '    return out / dist.get_world_size()'
)
MISTAKES['all_reduce_mean']['float64 result'] = (
    'def all_reduce_mean(tensor):\n'
    '    out = tensor.to(torch.float64)\n'
    '    dist.all_reduce(out)\n'
    '    return out / dist.get_world_size()'
)
MISTAKES['all_reduce_mean']['detach shares storage'] = (
    'def all_reduce_mean(tensor):\n'
    '    out = tensor.detach()\n'
    '    dist.all_reduce(out)\n'
    '    return out / dist.get_world_size()'
)
MISTAKES['all_reduce_mean']['returns the input after in-place division'] = (
    'def all_reduce_mean(tensor):\n'
    '    dist.all_reduce(tensor)\n'
    '    tensor /= dist.get_world_size()\n'
    '    return tensor'
)
CORRECT['gather_rows'].append(
    'def gather_rows(tensor):\n'
    '    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]\n'
    '    dist.all_gather(parts, tensor)\n'
    '    return torch.cat(parts, dim=0)'
)
MISTAKES['gather_rows']['cat on dim 1'] = (
    'def gather_rows(tensor):\n'
    '    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]\n'
    '    dist.all_gather(parts, tensor)\n'
    '    return torch.cat(parts, dim=1)'
)
MISTAKES['gather_rows']['hard-coded world size 2'] = (
    'def gather_rows(tensor):\n'
    '    parts = [torch.empty_like(tensor) for _ in range(2)]\n'
    '    dist.all_gather(parts, tensor)\n'
    '    return torch.cat(parts)'
)
MISTAKES['gather_rows']['float64 result'] = (
    'def gather_rows(tensor):\n'
    '    w = dist.get_world_size()\n'
    '    parts = [tensor.new_empty(tensor.shape, dtype=torch.float64) for _ in range(w)]\n'
    '    dist.all_gather(parts, tensor.double())\n'
    '    return torch.cat(parts)'
)
CORRECT['broadcast_state'].append(
    'import itertools\n'
    'def broadcast_state(model, src=0):\n'
    '    with torch.no_grad():\n'
    '        for t in itertools.chain(model.parameters(), model.buffers()):\n'
    '            dist.broadcast(t.data, src=src)'
)
CORRECT['broadcast_state'].append(
    'def broadcast_state(model, src=0):\n'
    '    state = {k: v.clone() for k, v in model.state_dict().items()}\n'
    '    for v in state.values():\n'
    '        dist.broadcast(v, src)\n'
    '    model.load_state_dict(state)'
)
MISTAKES['broadcast_state']['only floating buffers'] = (
    'def broadcast_state(model, src=0):\n'
    '    for p in model.parameters():\n'
    '        dist.broadcast(p.data, src)\n'
    '    for b in model.buffers():\n'
    '        if b.is_floating_point():\n'
    '            dist.broadcast(b, src)'
)
MISTAKES['broadcast_state']["replaces the module's params via load_state_dict(assign=True)"] = (
    'def broadcast_state(model, src=0):\n'
    '    state = {k: v.clone() for k, v in model.state_dict().items()}\n'
    '    for v in state.values():\n'
    '        dist.broadcast(v, src)\n'
    '    model.load_state_dict(state, assign=True)'
)
CORRECT['average_gradients'].append(
    'def average_gradients(model):\n'
    '    grads = [p.grad for p in model.parameters() if p.grad is not None]\n'
    '    flat = torch.cat([g.flatten() for g in grads])\n'
    '    dist.all_reduce(flat)\n'
    '    flat /= dist.get_world_size()\n'
    '    i = 0\n'
    '    for g in grads:\n'
    '        g.copy_(flat[i:i + g.numel()].view_as(g)); i += g.numel()'
)
CORRECT['average_gradients'].append(
    'def average_gradients(model):\n'
    '    w = dist.get_world_size()\n'
    '    for p in model.parameters():\n'
    '        if p.grad is not None:\n'
    '            g = p.grad.clone(); dist.all_reduce(g); p.grad = g / w'
)
MISTAKES['average_gradients']['zero grads instead of None'] = (
    'def average_gradients(model):\n'
    '    w = dist.get_world_size()\n'
    '    for p in model.parameters():\n'
    '        if p.grad is None:\n'
    '            p.grad = torch.zeros_like(p)\n'
    '        dist.all_reduce(p.grad); p.grad /= w'
)
MISTAKES['average_gradients']['reduces a copy, grad unchanged'] = (
    'def average_gradients(model):\n'
    '    w = dist.get_world_size()\n'
    '    for p in model.parameters():\n'
    '        if p.grad is not None:\n'
    '            g = p.grad.clone(); dist.all_reduce(g); g /= w'
)
MISTAKES['average_gradients']['skips requires_grad False by flag, hard world 2'] = (
    'def average_gradients(model):\n'
    '    for p in model.parameters():\n'
    '        if p.requires_grad:\n'
    '            dist.all_reduce(p.grad); p.grad /= 2'
)
MISTAKES['save_checkpoint']['barrier first, then save'] = (
    'def save_checkpoint(ddp_model, path):\n'
    '    dist.barrier()\n'
    '    if dist.get_rank() == 0:\n'
    '        torch.save(ddp_model.module.state_dict(), path)'
)
MISTAKES['save_checkpoint']['saves whole module'] = (
    'def save_checkpoint(ddp_model, path):\n'
    '    if dist.get_rank() == 0:\n'
    '        torch.save(ddp_model.module, path)\n'
    '    dist.barrier()'
)
CORRECT['save_checkpoint'].append(
    'def save_checkpoint(ddp_model, path):\n'
    '    if dist.get_rank() == 0:\n'
    "        state = {k.removeprefix('module.'): v for k, v in ddp_model.state_dict().items()}\n"
    '        torch.save(state, path)\n'
    '    dist.barrier()'
)
CORRECT['save_checkpoint'].append(
    'def save_checkpoint(ddp_model, path):\n'
    "    if int(os.environ.get('RANK', dist.get_rank())) == 0:\n"
    '        torch.save(ddp_model.module.state_dict(), path)\n'
    '    dist.barrier()'
)
CORRECT['sync_batch_stats'].append(
    'def sync_batch_stats(x):\n'
    '    n = torch.tensor([float(x.shape[0])], dtype=x.dtype)\n'
    '    s = x.sum(0); ss = ((x - x.mean(0)) ** 2).sum(0)\n'
    '    N = n.clone(); dist.all_reduce(N)\n'
    '    S = s.clone(); dist.all_reduce(S)\n'
    '    mean = S / N\n'
    '    m2 = ss + n * (x.mean(0) - mean) ** 2\n'
    '    dist.all_reduce(m2)\n'
    '    return mean, m2 / N'
)
CORRECT['sync_batch_stats'].append(
    'def sync_batch_stats(x):\n'
    '    objs = [None] * dist.get_world_size()\n'
    '    dist.all_gather_object(objs, x)\n'
    '    allx = torch.cat(objs)\n'
    '    return allx.mean(0), allx.var(0, unbiased=False)'
)
MISTAKES['sync_batch_stats']['count as local n * world'] = (
    'def sync_batch_stats(x):\n'
    '    s = x.sum(0); ss = (x * x).sum(0)\n'
    '    dist.all_reduce(s); dist.all_reduce(ss)\n'
    '    N = x.shape[0] * dist.get_world_size()\n'
    '    mean = s / N\n'
    '    return mean, ss / N - mean ** 2'
)
MISTAKES['sync_batch_stats']['float32 result for float64 input'] = (
    'def sync_batch_stats(x):\n'
    '    x = x.float()\n'
    '    t = torch.cat([x.sum(0), (x * x).sum(0), torch.tensor([float(x.shape[0])])])\n'
    '    dist.all_reduce(t)\n'
    '    C = x.shape[1]; N = t[-1]\n'
    '    mean = t[:C] / N\n'
    '    return mean, t[C:2*C] / N - mean ** 2'
)
MISTAKES['sync_batch_stats']['keepdim shapes (1, C)'] = (
    'def sync_batch_stats(x):\n'
    '    t = torch.cat([x.sum(0, keepdim=True), (x * x).sum(0, keepdim=True)])\n'
    '    n = torch.tensor(float(x.shape[0]), dtype=x.dtype)\n'
    '    dist.all_reduce(t); dist.all_reduce(n)\n'
    '    mean = t[:1] / n\n'
    '    return mean, t[1:] / n - mean ** 2'
)
MISTAKES['sync_batch_stats']['returns a list'] = (
    'def sync_batch_stats(x):\n'
    '    t = torch.cat([x.sum(0), (x * x).sum(0)])\n'
    '    n = torch.tensor(float(x.shape[0]), dtype=x.dtype)\n'
    '    dist.all_reduce(t); dist.all_reduce(n)\n'
    '    C = x.shape[1]\n'
    '    mean = t[:C] / n\n'
    '    return [mean, t[C:] / n - mean ** 2]'
)
CORRECT['train_ddp'].append(
    'def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n'
    '    world = dist.get_world_size()\n'
    '    model = DDP(make_model())\n'
    '    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n'
    '    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler)\n'
    '    opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
    '    loss_fn = nn.CrossEntropyLoss()\n'
    '    for epoch in range(num_epochs):\n'
    '        sampler.set_epoch(epoch)\n'
    '        for x, y in loader:\n'
    '            opt.zero_grad()\n'
    '            loss_fn(model(x), y).backward()\n'
    '            opt.step()\n'
    '    return model.module.state_dict()'
)
MISTAKES['train_ddp']['hard-coded world size 2'] = (
    'def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n'
    '    world = dist.get_world_size()\n'
    '    model = DDP(make_model())\n'
    '    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n'
    '    loader = DataLoader(dataset, batch_size=batch_size // 2, sampler=sampler)\n'
    '    opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
    '    loss_fn = nn.CrossEntropyLoss()\n'
    '    for epoch in range(num_epochs):\n'
    '        sampler.set_epoch(epoch)\n'
    '        for x, y in loader:\n'
    '            opt.zero_grad()\n'
    '            loss_fn(model(x), y).backward()\n'
    '            opt.step()\n'
    '    return model.module.state_dict()'
)
MISTAKES['train_ddp']['sum loss'] = (
    'def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n'
    '    world = dist.get_world_size()\n'
    '    model = DDP(make_model())\n'
    '    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n'
    '    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler)\n'
    '    opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
    "    loss_fn = nn.CrossEntropyLoss(reduction='sum')\n"
    '    for epoch in range(num_epochs):\n'
    '        sampler.set_epoch(epoch)\n'
    '        for x, y in loader:\n'
    '            opt.zero_grad()\n'
    '            loss_fn(model(x), y).backward()\n'
    '            opt.step()\n'
    '    return model.module.state_dict()'
)
MISTAKES['train_ddp']['set_epoch(epoch + 1)'] = (
    'def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n'
    '    world = dist.get_world_size()\n'
    '    model = DDP(make_model())\n'
    '    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n'
    '    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler)\n'
    '    opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
    '    loss_fn = nn.CrossEntropyLoss()\n'
    '    for epoch in range(num_epochs):\n'
    '        sampler.set_epoch(epoch + 1)\n'
    '        for x, y in loader:\n'
    '            opt.zero_grad()\n'
    '            loss_fn(model(x), y).backward()\n'
    '            opt.step()\n'
    '    return model.module.state_dict()'
)
MISTAKES['train_ddp']['averages by hand without DDP, ranks keep their own initial weights'] = (
    'def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n'
    '    world = dist.get_world_size()\n'
    '    model = make_model()\n'
    '    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n'
    '    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler)\n'
    '    opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
    '    loss_fn = nn.CrossEntropyLoss()\n'
    '    for epoch in range(num_epochs):\n'
    '        sampler.set_epoch(epoch)\n'
    '        for x, y in loader:\n'
    '            opt.zero_grad()\n'
    '            loss_fn(model(x), y).backward()\n'
    '            [dist.all_reduce(p.grad, op=dist.ReduceOp.AVG) for p in model.parameters()]\n'
    '            opt.step()\n'
    '    return model.state_dict()'
)
EXPECTED_ERRORS[('gather_rows', 'hard-coded world size 2')] = 'RuntimeError'


# More answers and mistakes, each written from the student notebook's prompt alone.

MISTAKES['train_ddp']['no DDP: broadcast and average by hand'] = (
    'def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n'
    '    world = dist.get_world_size()\n'
    '    model = make_model()\n'
    '    for t in model.state_dict().values():\n'
    '        dist.broadcast(t, 0)\n'
    '    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n'
    '    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler)\n'
    '    opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
    '    for epoch in range(num_epochs):\n'
    '        sampler.set_epoch(epoch)\n'
    '        for x, y in loader:\n'
    '            opt.zero_grad()\n'
    '            nn.CrossEntropyLoss()(model(x), y).backward()\n'
    '            for p in model.parameters():\n'
    '                dist.all_reduce(p.grad, op=dist.ReduceOp.AVG)\n'
    '            opt.step()\n'
    '    return model.state_dict()'
)
CORRECT['train_ddp'].append(
    'def train_ddp(make_model, dataset, *, num_epochs, batch_size, lr, seed):\n'
    '    world = dist.get_world_size()\n'
    '    model = torch.nn.parallel.DistributedDataParallel(make_model())\n'
    '    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)\n'
    '    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler)\n'
    '    opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
    '    for epoch in range(num_epochs):\n'
    '        sampler.set_epoch(epoch)\n'
    '        for x, y in loader:\n'
    '            opt.zero_grad()\n'
    '            nn.CrossEntropyLoss()(model(x), y).backward()\n'
    '            opt.step()\n'
    '    return model.module.state_dict()'
)

# Mistakes from the fairness review: each names a rule of its prompt that it breaks.
MISTAKES['save_checkpoint']['other ranks poll for the file, no barrier'] = (
    'import time as _time\n'
    'def save_checkpoint(ddp_model, path):\n'
    '    if dist.get_rank() == 0:\n'
    '        torch.save(ddp_model.module.state_dict(), path)\n'
    '    else:\n'
    '        while not Path(path).exists():\n'
    '            _time.sleep(0.01)'
)
MISTAKES['save_checkpoint']['saves named_parameters only, no buffers'] = (
    'def save_checkpoint(ddp_model, path):\n'
    '    if dist.get_rank() == 0:\n'
    '        torch.save(dict(ddp_model.module.named_parameters()), path)\n'
    '    dist.barrier()'
)
MISTAKES['sync_batch_stats']['all_gather of batches of different sizes'] = (
    'def sync_batch_stats(x):\n'
    '    parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]\n'
    '    dist.all_gather(parts, x)\n'
    '    rows = torch.cat(parts)\n'
    '    return rows.mean(0), rows.var(0, unbiased=False)'
)
CORRECT['sync_batch_stats'].append(
    'def sync_batch_stats(x):\n'
    '    ws = dist.get_world_size()\n'
    '    n = torch.tensor([x.shape[0]])\n'
    '    sizes = [torch.zeros_like(n) for _ in range(ws)]\n'
    '    dist.all_gather(sizes, n)\n'
    '    m = int(max(s.item() for s in sizes))\n'
    '    padded = torch.zeros(m, x.shape[1], dtype=x.dtype)\n'
    '    padded[: x.shape[0]] = x\n'
    '    parts = [torch.empty_like(padded) for _ in range(ws)]\n'
    '    dist.all_gather(parts, padded)\n'
    '    rows = torch.cat([p[: int(s.item())] for p, s in zip(parts, sizes)])\n'
    '    return rows.mean(0), rows.var(0, unbiased=False)'
)
CORRECT['save_checkpoint'].append(
    'import os as _os\n'
    'def save_checkpoint(ddp_model, path):\n'
    '    path = Path(path)\n'
    '    if dist.get_rank() == 0:\n'
    '        tmp = path.with_name(path.name + ".tmp")\n'
    '        torch.save(ddp_model.module.state_dict(), tmp)\n'
    '        _os.replace(tmp, path)\n'
    '    dist.barrier()'
)
CORRECT['sync_batch_stats'].append(  # gathers (1, C) sums: on a 1-row rank they equal its batch
    'def sync_batch_stats(x):\n'
    '    ws = dist.get_world_size()\n'
    '    def gathered(t):\n'
    '        parts = [torch.empty_like(t) for _ in range(ws)]\n'
    '        dist.all_gather(parts, t)\n'
    '        return torch.cat(parts)\n'
    '    x64 = x.double()\n'
    '    n = gathered(torch.tensor([[float(len(x))]], dtype=torch.float64)).sum()\n'
    '    s = gathered(x64.sum(0, keepdim=True)).sum(0)\n'
    '    q = gathered((x64 * x64).sum(0, keepdim=True)).sum(0)\n'
    '    mean = s / n\n'
    '    return mean.to(x.dtype), (q / n - mean ** 2).to(x.dtype)'
)

MISTAKES['gather_rows']['all_reduce of a float64 buffer with each rank in its slot'] = (
    "def gather_rows(tensor):\n"
    "    ws, r, n = dist.get_world_size(), dist.get_rank(), tensor.shape[0]\n"
    "    buf = torch.zeros((ws * n, *tensor.shape[1:]), dtype=torch.float64)\n"
    "    buf[r * n:(r + 1) * n] = tensor.double()\n"
    "    dist.all_reduce(buf)\n"
    "    return buf.to(tensor.dtype)\n"
)
