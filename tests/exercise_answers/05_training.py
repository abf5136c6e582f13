"""Lesson 05's exercises: correct answers written other ways, and the mistakes people make."""

CORRECT = {
    "train_step": [
        "def train_step(model, X, y, *, loss_fn, optimizer):\n"
        "    model.train(True)\n"
        "    for p in model.parameters():\n"
        "        p.grad = None\n"
        "    loss = loss_fn(model(X), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    return float(loss.detach())",
        "def train_step(model, X, y, *, loss_fn, optimizer):\n"
        "    model.train()\n"
        "    optimizer.zero_grad(set_to_none=False)\n"
        "    y_hat = model(X)\n"
        "    loss = loss_fn(y_hat, y)\n"
        "    value = loss.detach().item()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    return value",
    ],
    "evaluate": [
        "@torch.no_grad()\n"
        "def evaluate(model, loader, *, loss_fn):\n"
        "    model.eval()\n"
        "    losses, hits, n = [], [], 0\n"
        "    for X, y in loader:\n"
        "        out = model(X)\n"
        "        losses.append(loss_fn(out, y) * y.numel())\n"
        "        hits.append((out.argmax(-1) == y).sum())\n"
        "        n += y.numel()\n"
        "    return (torch.stack(losses).sum() / n).item(), (torch.stack(hits).sum() / n).item()",
        "def evaluate(model, loader, *, loss_fn):\n"
        "    model.train(False)\n"
        "    with torch.inference_mode():\n"
        "        outs, ys = zip(*[(model(X), y) for X, y in loader])\n"
        "        logits, labels = torch.cat(outs), torch.cat(ys)\n"
        "        return (float(loss_fn(logits, labels)),\n"
        "                float((logits.argmax(1) == labels).double().mean()))",
    ],
    "clip_by_total_norm": [
        "def clip_by_total_norm(parameters, max_norm):\n"
        "    grads = [p.grad for p in parameters if p.grad is not None]\n"
        "    total = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]))\n"
        "    factor = max_norm / (total + 1e-6)\n"
        "    if factor < 1:\n"
        "        for g in grads:\n"
        "            g *= factor\n"
        "    return total",
        "def clip_by_total_norm(parameters, max_norm):\n"
        "    grads = [p.grad for p in parameters if p.grad is not None]\n"
        "    total = torch.stack([g.norm() for g in grads]).norm()\n"
        "    clip = torch.clamp(max_norm / (total + 1e-6), max=1.0)\n"
        "    for g in grads:\n"
        "        g.mul_(clip)\n"
        "    return total",
        # one fused in-place multiply over all gradients
        "def clip_by_total_norm(parameters, max_norm):\n"
        "    grads = [p.grad for p in parameters if p.grad is not None]\n"
        "    total = sum(g.pow(2).sum() for g in grads).sqrt()\n"
        "    if total > max_norm:\n"
        "        torch._foreach_mul_(grads, float(max_norm / (total + 1e-6)))\n"
        "    return total",
    ],
    "make_optimizer": [
        "def make_optimizer(model, *, lr, weight_decay):\n"
        "    groups = [{'params': [], 'weight_decay': weight_decay},\n"
        "              {'params': [], 'weight_decay': 0.0}]\n"
        "    for name, p in model.named_parameters():\n"
        "        groups[0 if p.dim() > 1 else 1]['params'].append(p)\n"
        "    return torch.optim.AdamW(groups, lr=lr)",
        "def make_optimizer(model, *, lr, weight_decay):\n"
        "    params = list(model.parameters())\n"
        "    return torch.optim.AdamW([\n"
        "        dict(params=[p for p in params if len(p.shape) >= 2], weight_decay=weight_decay,"
        " lr=lr),\n"
        "        dict(params=[p for p in params if len(p.shape) < 2], weight_decay=0.0, lr=lr),\n"
        "    ], lr=lr, weight_decay=weight_decay)",
        # add_param_group after construction, also when the second group is empty
        "def make_optimizer(model, *, lr, weight_decay):\n"
        "    matrices = [p for p in model.parameters() if p.ndim >= 2]\n"
        "    vectors = [p for p in model.parameters() if p.ndim < 2]\n"
        "    opt = torch.optim.AdamW(matrices, lr=lr, weight_decay=weight_decay)\n"
        "    opt.add_param_group({'params': vectors, 'weight_decay': 0.0})\n"
        "    return opt",
    ],
    "SmoothedCrossEntropy": [
        "class SmoothedCrossEntropy(nn.Module):\n"
        "    def __init__(self, smoothing=0.1):\n"
        "        super().__init__()\n"
        "        self.smoothing = smoothing\n"
        "    def forward(self, logits, target):\n"
        "        logp = logits.log_softmax(dim=-1)\n"
        "        nll = -logp.gather(1, target[:, None]).squeeze(1)\n"
        "        uniform = -logp.mean(dim=-1)\n"
        "        return ((1 - self.smoothing) * nll + self.smoothing * uniform).mean()",
        "class SmoothedCrossEntropy(nn.Module):\n"
        "    def __init__(self, smoothing=0.1):\n"
        "        super().__init__()\n"
        "        self.smoothing = smoothing\n"
        "    def forward(self, logits, target):\n"
        "        C = logits.size(1)\n"
        "        q = F.one_hot(target, C).to(logits.dtype) * (1 - self.smoothing)"
        " + self.smoothing / C\n"
        "        logp = logits - torch.logsumexp(logits, dim=1, keepdim=True)\n"
        "        return torch.mean(torch.sum(-q * logp, dim=1))",
        # nll_loss is allowed: only cross_entropy and CrossEntropyLoss are forbidden
        "class SmoothedCrossEntropy(nn.Module):\n"
        "    def __init__(self, smoothing=0.1):\n"
        "        super().__init__()\n"
        "        self.smoothing = smoothing\n"
        "    def forward(self, logits, target):\n"
        "        logp = F.log_softmax(logits, dim=1)\n"
        "        nll = F.nll_loss(logp, target)\n"
        "        return (1 - self.smoothing) * nll - self.smoothing * logp.mean(dim=1).mean()",
    ],
    "warmup_cosine": [
        "def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n"
        "    sched = torch.optim.lr_scheduler\n"
        "    warm = sched.LinearLR(optimizer, start_factor=1 / warmup_steps, end_factor=1.0,\n"
        "                          total_iters=max(warmup_steps - 1, 1))\n"
        "    cos = sched.CosineAnnealingLR(optimizer, T_max=total_steps - warmup_steps)\n"
        "    return sched.SequentialLR(optimizer, [warm, cos], milestones=[warmup_steps])",
        "def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n"
        "    w, t = warmup_steps, total_steps\n"
        "    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / w, 1.0)\n"
        "        if s < w else (1 + math.cos(math.pi * (s - w) / (t - w))) / 2)",
        # the built-in schedulers with the arguments the hint gives
        "def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n"
        "    lr_sched = torch.optim.lr_scheduler\n"
        "    warmup = lr_sched.LinearLR(optimizer, start_factor=1 / warmup_steps, end_factor=1.0,\n"
        "                               total_iters=warmup_steps - 1)\n"
        "    decay = lr_sched.CosineAnnealingLR(optimizer, T_max=total_steps - warmup_steps)\n"
        "    return lr_sched.SequentialLR(optimizer, [warmup, decay], milestones=[warmup_steps])",
    ],
    "resume_training": [
        # numbers stored as tensors, turned back into Python numbers on loading
        "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
        "    torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(),\n"
        "                'scheduler': scheduler.state_dict(), 'epoch': torch.tensor(epoch),\n"
        "                'best': torch.tensor(best_metric, dtype=torch.float64)}, path)\n"
        "\n"
        "def load_training_state(path, *, model, optimizer, scheduler):\n"
        "    state = torch.load(path, weights_only=True)\n"
        "    model.load_state_dict(state['model'])\n"
        "    optimizer.load_state_dict(state['optimizer'])\n"
        "    scheduler.load_state_dict(state['scheduler'])\n"
        "    return state['epoch'].item(), state['best'].item()",
        "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
        "    state = dict(weights=model.state_dict(), opt=optimizer.state_dict(),\n"
        "                 sched=scheduler.state_dict(), meta=[epoch, best_metric])\n"
        "    with open(path, 'wb') as f:\n"
        "        torch.save(state, f)\n"
        "\n"
        "def load_training_state(path, *, model, optimizer, scheduler):\n"
        "    state = torch.load(path, map_location='cpu', weights_only=True)\n"
        "    model.load_state_dict(state['weights'])\n"
        "    optimizer.load_state_dict(state['opt'])\n"
        "    scheduler.load_state_dict(state['sched'])\n"
        "    epoch, best = state['meta']\n"
        "    return epoch, best",
    ],
}

MISTAKES = {
    "train_step": {
        "calls course.train.train_one_epoch": (
            "def train_step(model, X, y, *, loss_fn, optimizer):\n"
            "    result = train.train_one_epoch(model, [(X, y)], loss_fn=loss_fn,\n"
            "                                   optimizer=optimizer, device=X.device)\n"
            "    return result['loss']"
        ),
        "no zero_grad": (
            "def train_step(model, X, y, *, loss_fn, optimizer):\n"
            "    model.train()\n"
            "    loss = loss_fn(model(X), y)\n"
            "    loss.backward()\n"
            "    optimizer.step()\n"
            "    return loss.item()"
        ),
        "zero_grad between backward and step": (
            "def train_step(model, X, y, *, loss_fn, optimizer):\n"
            "    model.train()\n"
            "    loss = loss_fn(model(X), y)\n"
            "    loss.backward()\n"
            "    optimizer.zero_grad()\n"
            "    optimizer.step()\n"
            "    return loss.item()"
        ),
        "returns the tensor": (
            "def train_step(model, X, y, *, loss_fn, optimizer):\n"
            "    model.train()\n"
            "    optimizer.zero_grad()\n"
            "    loss = loss_fn(model(X), y)\n"
            "    loss.backward()\n"
            "    optimizer.step()\n"
            "    return loss"
        ),
        "returns the loss after the step": (
            "def train_step(model, X, y, *, loss_fn, optimizer):\n"
            "    model.train()\n"
            "    optimizer.zero_grad()\n"
            "    loss_fn(model(X), y).backward()\n"
            "    optimizer.step()\n"
            "    with torch.no_grad():\n"
            "        return loss_fn(model(X), y).item()"
        ),
        "stays in eval mode": (
            "def train_step(model, X, y, *, loss_fn, optimizer):\n"
            "    optimizer.zero_grad()\n"
            "    loss = loss_fn(model(X), y)\n"
            "    loss.backward()\n"
            "    optimizer.step()\n"
            "    return loss.item()"
        ),
    },
    "evaluate": {
        "divides by len(loader.dataset)": (
            "def evaluate(model, loader, *, loss_fn):\n"
            "    model.eval()\n"
            "    total, correct = 0.0, 0\n"
            "    with torch.no_grad():\n"
            "        for X, y in loader:\n"
            "            out = model(X)\n"
            "            total += loss_fn(out, y).item() * len(y)\n"
            "            correct += (out.argmax(1) == y).sum().item()\n"
            "    n = len(loader.dataset)\n"
            "    return total / n, correct / n\n"
        ),
        "calls course.train.evaluate": (
            "def evaluate(model, loader, *, loss_fn):\n"
            "    result = train.evaluate(model, loader, loss_fn=loss_fn, device='cpu')\n"
            "    return result['loss'], result['accuracy']"
        ),
        "returns 0-dim tensors": (
            "def evaluate(model, loader, *, loss_fn):\n"
            "    model.eval()\n"
            "    total, correct, count = 0.0, 0, 0\n"
            "    with torch.no_grad():\n"
            "        for X, y in loader:\n"
            "            out = model(X)\n"
            "            total = total + loss_fn(out, y) * len(y)\n"
            "            correct = correct + (out.argmax(1) == y).sum()\n"
            "            count += len(y)\n"
            "    return total / count, correct.float() / count"
        ),
        "mean of batch means": (
            "def evaluate(model, loader, *, loss_fn):\n"
            "    model.eval()\n"
            "    losses, accs = [], []\n"
            "    with torch.no_grad():\n"
            "        for X, y in loader:\n"
            "            out = model(X)\n"
            "            losses.append(loss_fn(out, y).item())\n"
            "            accs.append((out.argmax(1) == y).float().mean().item())\n"
            "    return sum(losses) / len(losses), sum(accs) / len(accs)"
        ),
        "dropout left on": (
            "def evaluate(model, loader, *, loss_fn):\n"
            "    total, correct, n = 0.0, 0, 0\n"
            "    with torch.no_grad():\n"
            "        for X, y in loader:\n"
            "            out = model(X)\n"
            "            total += loss_fn(out, y).item() * len(y)\n"
            "            correct += (out.argmax(1) == y).sum().item()\n"
            "            n += len(y)\n"
            "    return total / n, correct / n"
        ),
        "without no_grad": (
            "def evaluate(model, loader, *, loss_fn):\n"
            "    model.eval()\n"
            "    total, correct, n = 0.0, 0, 0\n"
            "    for X, y in loader:\n"
            "        out = model(X)\n"
            "        total += loss_fn(out, y).item() * len(y)\n"
            "        correct += (out.argmax(1) == y).sum().item()\n"
            "        n += len(y)\n"
            "    return total / n, correct / n"
        ),
        "accuracy as a count": (
            "def evaluate(model, loader, *, loss_fn):\n"
            "    model.eval()\n"
            "    total, correct, n = 0.0, 0, 0\n"
            "    with torch.no_grad():\n"
            "        for X, y in loader:\n"
            "            out = model(X)\n"
            "            total += loss_fn(out, y).item() * len(y)\n"
            "            correct += (out.argmax(1) == y).sum().item()\n"
            "            n += len(y)\n"
            "    return total / n, float(correct)"
        ),
    },
    "clip_by_total_norm": {
        "clips each gradient separately": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    grads = [p.grad for p in parameters if p.grad is not None]\n"
            "    total = torch.cat([g.flatten() for g in grads]).norm()\n"
            "    for g in grads:\n"
            "        n = g.norm()\n"
            "        if n > max_norm:\n"
            "            g.mul_(max_norm / (n + 1e-6))\n"
            "    return total"
        ),
        "replaces .grad instead of scaling in place": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    params = [p for p in parameters if p.grad is not None]\n"
            "    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))\n"
            "    if total > max_norm:\n"
            "        for p in params:\n"
            "            p.grad = p.grad * (max_norm / (total + 1e-6))\n"
            "    return total"
        ),
        "returns a Python float": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    grads = [p.grad for p in parameters if p.grad is not None]\n"
            "    total = torch.sqrt(sum((g ** 2).sum() for g in grads))\n"
            "    if total > max_norm:\n"
            "        for g in grads:\n"
            "            g.mul_(max_norm / (total + 1e-6))\n"
            "    return total.item()"
        ),
        "returns the norm after clipping": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    grads = [p.grad for p in parameters if p.grad is not None]\n"
            "    total = torch.cat([g.flatten() for g in grads]).norm()\n"
            "    if total > max_norm:\n"
            "        for g in grads:\n"
            "            g.mul_(max_norm / (total + 1e-6))\n"
            "    return torch.cat([g.flatten() for g in grads]).norm()"
        ),
        "always rescales to max_norm": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    grads = [p.grad for p in parameters if p.grad is not None]\n"
            "    total = torch.cat([g.flatten() for g in grads]).norm()\n"
            "    for g in grads:\n"
            "        g.mul_(max_norm / (total + 1e-6))\n"
            "    return total"
        ),
        "clamps values instead of the norm": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    grads = [p.grad for p in parameters if p.grad is not None]\n"
            "    total = torch.cat([g.flatten() for g in grads]).norm()\n"
            "    for g in grads:\n"
            "        g.clamp_(-max_norm, max_norm)\n"
            "    return total"
        ),
        "calls nn.utils.clip_grad_norm_ (not by hand)": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    return nn.utils.clip_grad_norm_([p for p in parameters if p.grad is not None],\n"
            "                                    max_norm).float()"
        ),
        "does not skip gradients that are None": (
            "def clip_by_total_norm(parameters, max_norm):\n"
            "    grads = [p.grad for p in parameters]\n"
            "    total = torch.sqrt(sum((g.float() ** 2).sum() for g in grads))\n"
            "    if total > max_norm:\n"
            "        for g in grads:\n"
            "            g.mul_(max_norm / (total + 1e-6))\n"
            "    return total"
        ),
    },
    "make_optimizer": {
        "groups by layer type": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    decay, no_decay = [], []\n"
            "    for module in model.modules():\n"
            "        if isinstance(module, (nn.Linear, nn.Conv2d)):\n"
            "            decay.append(module.weight)\n"
            "            if module.bias is not None:\n"
            "                no_decay.append(module.bias)\n"
            "        elif isinstance(module, (nn.BatchNorm2d, nn.LayerNorm)):\n"
            "            no_decay += list(module.parameters(recurse=False))\n"
            "    return torch.optim.AdamW([\n"
            "        {'params': decay, 'weight_decay': weight_decay},\n"
            "        {'params': no_decay, 'weight_decay': 0.0},\n"
            "    ], lr=lr)"
        ),
        "decay on everything": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    return torch.optim.AdamW([{'params': list(model.parameters()),\n"
            "                               'weight_decay': weight_decay},\n"
            "                              {'params': [], 'weight_decay': 0.0}], lr=lr)"
        ),
        "only names ending in bias skip decay": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    named = list(model.named_parameters())\n"
            "    decay = [p for n, p in named if not n.endswith('bias')]\n"
            "    no_decay = [p for n, p in named if n.endswith('bias')]\n"
            "    return torch.optim.AdamW([{'params': decay, 'weight_decay': weight_decay},\n"
            "                              {'params': no_decay, 'weight_decay': 0.0}], lr=lr)"
        ),
        "drops the empty group": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    decay = [p for p in model.parameters() if p.ndim >= 2]\n"
            "    no_decay = [p for p in model.parameters() if p.ndim < 2]\n"
            "    groups = [{'params': decay, 'weight_decay': weight_decay}]\n"
            "    if no_decay:\n"
            "        groups.append({'params': no_decay, 'weight_decay': 0.0})\n"
            "    return torch.optim.AdamW(groups, lr=lr)"
        ),
        "no decay left at AdamW's default": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    decay = [p for p in model.parameters() if p.ndim >= 2]\n"
            "    no_decay = [p for p in model.parameters() if p.ndim < 2]\n"
            "    return torch.optim.AdamW([{'params': decay, 'weight_decay': weight_decay},\n"
            "                              {'params': no_decay}], lr=lr)"
        ),
        "groups swapped": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    ps = list(model.parameters())\n"
            "    return torch.optim.AdamW([\n"
            "        {'params': [p for p in ps if p.ndim < 2], 'weight_decay': weight_decay},\n"
            "        {'params': [p for p in ps if p.ndim >= 2], 'weight_decay': 0.0}], lr=lr)"
        ),
        "plain Adam with L2": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    ps = list(model.parameters())\n"
            "    return torch.optim.Adam([\n"
            "        {'params': [p for p in ps if p.ndim >= 2], 'weight_decay': weight_decay},\n"
            "        {'params': [p for p in ps if p.ndim < 2], 'weight_decay': 0.0}], lr=lr)"
        ),
        "leaves out frozen parameters (requires_grad=False)": (
            "def make_optimizer(model, *, lr, weight_decay):\n"
            "    ps = [p for p in model.parameters() if p.requires_grad]\n"
            "    return torch.optim.AdamW(\n"
            '        [{"params": [p for p in ps if p.ndim >= 2], "weight_decay": weight_decay},\n'
            '         {"params": [p for p in ps if p.ndim < 2], "weight_decay": 0.0}], lr=lr)'
        ),
    },
    "SmoothedCrossEntropy": {
        "calls cross_entropy's kernel": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.smoothing = smoothing\n"
            "    def forward(self, logits, target):\n"
            "        return torch._C._nn.cross_entropy_loss(logits, target, None, 1, -100,\n"
            "                                               self.smoothing)\n"
        ),
        "spreads eps over the other classes only": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.smoothing = smoothing\n"
            "    def forward(self, logits, target):\n"
            "        C = logits.shape[1]\n"
            "        q = torch.full_like(logits, self.smoothing / (C - 1))\n"
            "        q.scatter_(1, target[:, None], 1 - self.smoothing)\n"
            "        return -(q * logits.log_softmax(1)).sum(1).mean()"
        ),
        "log of softmax overflows": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.smoothing = smoothing\n"
            "    def forward(self, logits, target):\n"
            "        C = logits.shape[1]\n"
            "        q = F.one_hot(target, C).float() * (1 - self.smoothing) + self.smoothing / C\n"
            "        return -(q * torch.log(logits.softmax(1))).sum(1).mean()"
        ),
        "calls cross_entropy with label_smoothing": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.smoothing = smoothing\n"
            "    def forward(self, logits, target):\n"
            "        return F.cross_entropy(logits, target, label_smoothing=self.smoothing)"
        ),
        "wraps nn.CrossEntropyLoss": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.loss = nn.CrossEntropyLoss(label_smoothing=smoothing)\n"
            "    def forward(self, logits, target):\n"
            "        return self.loss(logits, target)"
        ),
        "target does not sum to 1": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.smoothing = smoothing\n"
            "    def forward(self, logits, target):\n"
            "        C = logits.shape[1]\n"
            "        q = torch.full_like(logits, self.smoothing / C)\n"
            "        q.scatter_(1, target[:, None], 1 - self.smoothing)\n"
            "        return -(q * logits.log_softmax(1)).sum(1).mean()"
        ),
        "sum over the batch": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.smoothing = smoothing\n"
            "    def forward(self, logits, target):\n"
            "        C = logits.shape[1]\n"
            "        q = F.one_hot(target, C).float() * (1 - self.smoothing) + self.smoothing / C\n"
            "        return -(q * logits.log_softmax(1)).sum()"
        ),
        "softmax applied before the loss": (
            "class SmoothedCrossEntropy(nn.Module):\n"
            "    def __init__(self, smoothing=0.1):\n"
            "        super().__init__()\n"
            "        self.smoothing = smoothing\n"
            "    def forward(self, logits, target):\n"
            "        C = logits.shape[1]\n"
            "        q = F.one_hot(target, C).float() * (1 - self.smoothing) + self.smoothing / C\n"
            "        return -(q * logits.softmax(1).log_softmax(1)).sum(1).mean()"
        ),
    },
    "warmup_cosine": {
        "warm-up starts at zero": (
            "def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n"
            "    def f(s):\n"
            "        if s < warmup_steps:\n"
            "            return s / warmup_steps\n"
            "        p = (s - warmup_steps) / (total_steps - warmup_steps)\n"
            "        return 0.5 * (1 + math.cos(math.pi * p))\n"
            "    return torch.optim.lr_scheduler.LambdaLR(optimizer, f)"
        ),
        "cosine not shifted by the warm-up": (
            "def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n"
            "    def f(s):\n"
            "        if s < warmup_steps:\n"
            "            return (s + 1) / warmup_steps\n"
            "        return 0.5 * (1 + math.cos(math.pi * s / total_steps))\n"
            "    return torch.optim.lr_scheduler.LambdaLR(optimizer, f)"
        ),
        "cosine over all steps": (
            "def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n"
            "    sched = torch.optim.lr_scheduler\n"
            "    warm = sched.LinearLR(optimizer, start_factor=1 / warmup_steps,\n"
            "                          total_iters=max(warmup_steps - 1, 1))\n"
            "    cos = sched.CosineAnnealingLR(optimizer, T_max=total_steps)\n"
            "    return sched.SequentialLR(optimizer, [warm, cos], milestones=[warmup_steps])"
        ),
        "warm-up one step too long": (
            "def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n"
            "    def f(s):\n"
            "        if s <= warmup_steps:\n"
            "            return (s + 1) / (warmup_steps + 1)\n"
            "        p = (s - warmup_steps) / (total_steps - warmup_steps)\n"
            "        return 0.5 * (1 + math.cos(math.pi * p))\n"
            "    return torch.optim.lr_scheduler.LambdaLR(optimizer, f)"
        ),
    },
    "resume_training": {
        "saves only the model": (
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    torch.save({'model': model.state_dict(), 'epoch': epoch,\n"
            "                'best_metric': best_metric}, path)\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    state = torch.load(path, weights_only=True)\n"
            "    model.load_state_dict(state['model'])\n"
            "    return state['epoch'], state['best_metric']"
        ),
        "returns 0-dim tensors": (
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(),\n"
            "                'scheduler': scheduler.state_dict(),\n"
            "                'numbers': torch.tensor([epoch, best_metric])}, path)\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    state = torch.load(path, weights_only=True)\n"
            "    model.load_state_dict(state['model'])\n"
            "    optimizer.load_state_dict(state['optimizer'])\n"
            "    scheduler.load_state_dict(state['scheduler'])\n"
            "    epoch, best = state['numbers']\n"
            "    return epoch, best"
        ),
        "epoch returned as a float": (
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(),\n"
            "                'scheduler': scheduler.state_dict(),\n"
            "                'numbers': [float(epoch), float(best_metric)]}, path)\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    state = torch.load(path, weights_only=True)\n"
            "    model.load_state_dict(state['model'])\n"
            "    optimizer.load_state_dict(state['optimizer'])\n"
            "    scheduler.load_state_dict(state['scheduler'])\n"
            "    return tuple(state['numbers'])"
        ),
        "calls course.train's checkpoint helpers": (
            "from course import train as _train\n"
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    _train.save_checkpoint(path, model=model, optimizer=optimizer,\n"
            "                           scheduler=scheduler, epoch=epoch,\n"
            "                           best_metric=best_metric)\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    info = _train.load_checkpoint(path, model=model, optimizer=optimizer,\n"
            "                                  scheduler=scheduler)\n"
            "    return info['epoch'], info['best_metric']"
        ),
        "forgets the scheduler": (
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(),\n"
            "                'epoch': epoch, 'best_metric': best_metric}, path)\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    state = torch.load(path, weights_only=True)\n"
            "    model.load_state_dict(state['model'])\n"
            "    optimizer.load_state_dict(state['optimizer'])\n"
            "    return state['epoch'], state['best_metric']"
        ),
        "pickles whole objects": (
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    torch.save({'model': model, 'optimizer': optimizer, 'scheduler': scheduler,\n"
            "                'epoch': epoch, 'best_metric': best_metric}, path)\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    state = torch.load(path, weights_only=False)\n"
            "    model.load_state_dict(state['model'].state_dict())\n"
            "    optimizer.load_state_dict(state['optimizer'].state_dict())\n"
            "    scheduler.load_state_dict(state['scheduler'].state_dict())\n"
            "    return state['epoch'], state['best_metric']"
        ),
        "returns the next epoch": (
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    torch.save({'m': model.state_dict(), 'o': optimizer.state_dict(),\n"
            "                's': scheduler.state_dict(), 'e': epoch, 'b': best_metric}, path)\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    state = torch.load(path, weights_only=True)\n"
            "    model.load_state_dict(state['m'])\n"
            "    optimizer.load_state_dict(state['o'])\n"
            "    scheduler.load_state_dict(state['s'])\n"
            "    return state['e'] + 1, state['b']"
        ),
        "loads with weights_only=False": (
            "def save_training_state(path, *, model, optimizer, scheduler, epoch, best_metric):\n"
            "    torch.save({\n"
            '        "model": model.state_dict(),\n'
            '        "optimizer": optimizer.state_dict(),\n'
            '        "scheduler": scheduler.state_dict(),\n'
            '        "epoch": epoch,\n'
            '        "best_metric": best_metric,\n'
            "    }, path)\n"
            "\n"
            "\n"
            "def load_training_state(path, *, model, optimizer, scheduler):\n"
            "    state = torch.load(path, weights_only=False)\n"
            '    model.load_state_dict(state["model"])\n'
            '    optimizer.load_state_dict(state["optimizer"])\n'
            '    scheduler.load_state_dict(state["scheduler"])\n'
            '    return state["epoch"], state["best_metric"]'
        ),
    },
}

GRADING_MISTAKE = ("SmoothedCrossEntropy", "target does not sum to 1")


# More answers and mistakes, each written from the student notebook's prompt alone.

CORRECT['train_step'].append(
    'def train_step(model, X, y, *, loss_fn, optimizer):\n'
    '    model.train()\n'
    '    model.zero_grad()\n'
    '    loss = loss_fn(model(X), y)\n'
    '    loss.backward()\n'
    '    optimizer.step()\n'
    '    return loss.detach().item()'
)
MISTAKES['evaluate']['argmax over the batch dimension'] = (
    'def evaluate(model, loader, *, loss_fn):\n'
    '    model.eval(); tot = cor = n = 0\n'
    '    with torch.no_grad():\n'
    '        for X, y in loader:\n'
    '            out = model(X); tot += loss_fn(out, y).item() * len(y)\n'
    '            cor += (out.argmax(0) == y).sum().item(); n += len(y)\n'
    '    return tot / n, cor / n'
)
MISTAKES['evaluate']['accuracy in percent'] = (
    'def evaluate(model, loader, *, loss_fn):\n'
    '    model.eval(); tot = cor = n = 0\n'
    '    with torch.no_grad():\n'
    '        for X, y in loader:\n'
    '            out = model(X); tot += loss_fn(out, y).item() * len(y)\n'
    '            cor += (out.argmax(1) == y).sum().item(); n += len(y)\n'
    '    return tot / n, 100 * cor / n'
)
CORRECT['evaluate'].append(
    'def evaluate(model, loader, *, loss_fn):\n'
    '    model.eval(); losses = []; hits = []\n'
    '    with torch.inference_mode():\n'
    '        for X, y in loader:\n'
    '            out = model(X); losses.append(loss_fn(out, y) * y.numel()); hits.app'
    'end(out.argmax(-1) == y)\n'
    '    hits = torch.cat(hits)\n'
    '    return float(torch.stack(losses).sum() / hits.numel()), float(hits.float().mean())'
)
CORRECT['clip_by_total_norm'].append(
    'def clip_by_total_norm(parameters, max_norm):\n'
    '    grads = [p.grad for p in parameters if p.grad is not None]\n'
    '    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) fo'
    'r g in grads]))\n'
    '    if total > max_norm:\n'
    '        for g in grads:\n'
    '            g.mul_(max_norm / (total + 1e-6))\n'
    '    return total'
)
MISTAKES['clip_by_total_norm']['norm returned in float64'] = (
    'def clip_by_total_norm(parameters, max_norm):\n'
    '    grads = [p.grad for p in parameters if p.grad is not None]\n'
    '    total = torch.sqrt(sum((g.double() ** 2).sum() for g in grads))\n'
    '    if total > max_norm:\n'
    '        for g in grads:\n'
    '            g.mul_(max_norm / (total.item() + 1e-6))\n'
    '    return total'
)
MISTAKES['clip_by_total_norm']['norm returned with shape (1,)'] = (
    'def clip_by_total_norm(parameters, max_norm):\n'
    '    grads = [p.grad for p in parameters if p.grad is not None]\n'
    '    total = torch.cat([g.flatten() for g in grads]).norm().reshape(1)\n'
    '    if total > max_norm:\n'
    '        for g in grads:\n'
    '            g.mul_(max_norm / (total + 1e-6))\n'
    '    return total'
)
CORRECT['make_optimizer'].append(
    'def make_optimizer(model, *, lr, weight_decay):\n'
    '    named = list(model.named_parameters())\n'
    '    return torch.optim.AdamW([\n'
    "        {'params': [p for _, p in named if p.ndim >= 2], 'weight_decay': weight_decay},\n"
    "        {'params': [p for _, p in named if p.ndim < 2], 'weight_decay': 0.0}], lr=lr)"
)
MISTAKES['make_optimizer']['more than 2 dimensions for decay'] = (
    'def make_optimizer(model, *, lr, weight_decay):\n'
    '    ps = list(model.parameters())\n'
    '    return torch.optim.AdamW([\n'
    "        {'params': [p for p in ps if p.dim() > 2], 'weight_decay': weight_decay},\n"
    "        {'params': [p for p in ps if p.dim() <= 2], 'weight_decay': 0.0}], lr=lr)"
)
MISTAKES['make_optimizer']['learning rate left at the default'] = (
    'def make_optimizer(model, *, lr, weight_decay):\n'
    '    ps = list(model.parameters())\n'
    '    return torch.optim.AdamW([\n'
    "        {'params': [p for p in ps if p.dim() >= 2], 'weight_decay': weight_decay},\n"
    "        {'params': [p for p in ps if p.dim() < 2], 'weight_decay': 0.0}])"
)
CORRECT['SmoothedCrossEntropy'].append(
    'class SmoothedCrossEntropy(nn.Module):\n'
    '    def __init__(self, smoothing=0.1):\n'
    '        super().__init__(); self.smoothing = smoothing\n'
    '    def forward(self, logits, target):\n'
    '        logp = torch.log_softmax(logits, dim=1)\n'
    '        nll = -logp.gather(1, target[:, None]).squeeze(1)\n'
    '        return ((1 - self.smoothing) * nll - self.smoothing * logp.mean(1)).mean()'
)
MISTAKES['SmoothedCrossEntropy']['ten classes hard-coded'] = (
    'class SmoothedCrossEntropy(nn.Module):\n'
    '    def __init__(self, smoothing=0.1):\n'
    '        super().__init__(); self.smoothing = smoothing\n'
    '    def forward(self, logits, target):\n'
    '        logp = torch.log_softmax(logits, dim=1)\n'
    '        nll = -logp.gather(1, target[:, None]).squeeze(1)\n'
    '        return ((1 - self.smoothing) * nll - self.smoothing / 10 * logp.sum(1)).mean()'
)
MISTAKES['SmoothedCrossEntropy']['log_softmax over the batch dimension'] = (
    'class SmoothedCrossEntropy(nn.Module):\n'
    '    def __init__(self, smoothing=0.1):\n'
    '        super().__init__(); self.smoothing = smoothing\n'
    '    def forward(self, logits, target):\n'
    '        logp = torch.log_softmax(logits, dim=0)\n'
    '        nll = -logp.gather(1, target[:, None]).squeeze(1)\n'
    '        return ((1 - self.smoothing) * nll - self.smoothing * logp.mean(1)).mean()'
)
CORRECT['warmup_cosine'].append(
    'import math\n'
    'def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n'
    '    def f(s):\n'
    '        if s < warmup_steps:\n'
    '            return (s + 1) / warmup_steps\n'
    '        return 0.5 * (1 + math.cos(math.pi * (s - warmup_steps) / (total_steps -'
    ' warmup_steps)))\n'
    '    return torch.optim.lr_scheduler.LambdaLR(optimizer, f)'
)
MISTAKES['warmup_cosine']['cosine without the 0.5'] = (
    'import math\n'
    'def warmup_cosine(optimizer, *, warmup_steps, total_steps):\n'
    '    def f(s):\n'
    '        if s < warmup_steps:\n'
    '            return (s + 1) / warmup_steps\n'
    '        return math.cos(0.5 * math.pi * (s - warmup_steps) / (total_steps - warm'
    'up_steps))\n'
    '    return torch.optim.lr_scheduler.LambdaLR(optimizer, f)'
)
MISTAKES['SmoothedCrossEntropy']['logits detached'] = (
    'class SmoothedCrossEntropy(nn.Module):\n'
    '    def __init__(self, smoothing=0.1):\n'
    '        super().__init__()\n'
    '        self.smoothing = smoothing\n'
    '\n'
    '    def forward(self, logits, target):\n'
    '        logp = F.log_softmax(logits.detach(), dim=1)\n'
    '        C = logits.shape[1]\n'
    '        q = F.one_hot(target, C).to(logits.dtype) * (1 - self.smoothing)\n'
    '        q = q + self.smoothing / C\n'
    '        return -(q * logp).sum(dim=1).mean()'
)
EXPECTED_ERRORS = {("evaluate", "argmax over the batch dimension"): "RuntimeError"}

MISTAKES["make_optimizer"]["lists a weight two layers share twice"] = (
    "def make_optimizer(model, *, lr, weight_decay):\n"
    "    decay, no_decay = [], []\n"
    "    for m in model.modules():\n"
    "        for p in m.parameters(recurse=False):\n"
    "            (decay if p.ndim >= 2 else no_decay).append(p)\n"
    "    return torch.optim.AdamW([{'params': decay, 'weight_decay': weight_decay},\n"
    "                              {'params': no_decay, 'weight_decay': 0.0}], lr=lr)"
)
MISTAKES["clip_by_total_norm"]["divides by the norm without the 1e-6"] = (
    "def clip_by_total_norm(parameters, max_norm):\n"
    "    grads = [p.grad for p in parameters if p.grad is not None]\n"
    "    total = torch.sqrt(sum((g ** 2).sum() for g in grads))\n"
    "    if total > max_norm:\n"
    "        for g in grads:\n"
    "            g.mul_(max_norm / total)\n"
    "    return total"
)
MISTAKES["evaluate"]["steps an optimizer while it measures"] = (
    "def evaluate(model, loader, *, loss_fn):\n"
    "    model.eval()\n"
    "    opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
    "    total, correct, n = 0.0, 0, 0\n"
    "    for X, y in loader:\n"
    "        opt.zero_grad()\n"
    "        logits = model(X)\n"
    "        loss = loss_fn(logits, y)\n"
    "        loss.backward()\n"
    "        opt.step()\n"
    "        total += loss.item() * len(y)\n"
    "        correct += (logits.argmax(1) == y).sum().item()\n"
    "        n += len(y)\n"
    "    return total / n, correct / n"
)
