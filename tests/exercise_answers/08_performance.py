"""Lesson 08's exercises: correct answers written other ways, and the mistakes people make."""

CORRECT = {
    "loader_options": [
        "def loader_options(device, *, num_workers):\n"
        "    return dict(num_workers=num_workers, pin_memory=str(device).startswith('cuda'),\n"
        "                persistent_workers=bool(num_workers))",
        "def loader_options(device, *, num_workers):\n"
        "    options = {'num_workers': int(num_workers)}\n"
        "    options['pin_memory'] = torch.device(device).type == 'cuda'\n"
        "    options['persistent_workers'] = options['num_workers'] > 0\n"
        "    return options",
    ],
    "time_call": [
        "def time_call(fn, *, warmup=1, repeat=5):\n"
        "    for _ in range(warmup):\n"
        "        fn()\n"
        "    best = float('inf')\n"
        "    for _ in range(repeat):\n"
        "        start = time.perf_counter_ns()\n"
        "        fn()\n"
        "        best = min(best, (time.perf_counter_ns() - start) / 1e9)\n"
        "    return best",
        "import timeit\n"
        "def time_call(fn, *, warmup=1, repeat=5):\n"
        "    [fn() for _ in range(warmup)]\n"
        "    return float(min(timeit.repeat(fn, repeat=repeat, number=1)))",
    ],
    "bf16_forward": [
        "def bf16_forward(model, X):\n"
        "    with torch.autocast(device_type=X.device.type, dtype=torch.bfloat16):\n"
        "        return model(X).to(torch.float32)",
        "def bf16_forward(model, X):\n"
        "    with torch.amp.autocast(X.device.type, torch.bfloat16, enabled=True):\n"
        "        y_hat = model(X)\n"
        "    return y_hat.type(torch.float32)",
    ],
    "top_ops": [
        "import heapq\n"
        "def top_ops(prof, k=5):\n"
        "    ops = [e for e in prof.key_averages() if e.key[:6] == 'aten::']\n"
        "    best = heapq.nlargest(k, ops, key=lambda e: e.self_cpu_time_total)\n"
        "    return [(e.key, e.self_cpu_time_total / 1000, int(e.count)) for e in best]",
        "def top_ops(prof, k=5):\n"
        "    rows = sorted(((e.self_cpu_time_total, e.key, e.count) for e in prof.key_averages()\n"
        "                   if e.key.startswith('aten::')), reverse=True)\n"
        "    return [(name, us * 1e-3, calls) for us, name, calls in rows][:k]",
    ],
    "log_history": [
        "from torch.utils.tensorboard import SummaryWriter\n"
        "def log_history(log_dir, history, model):\n"
        "    with SummaryWriter(log_dir=str(log_dir)) as writer:\n"
        "        for tag in history:\n"
        "            for i in range(len(history[tag])):\n"
        "                writer.add_scalar(tag, history[tag][i], i)\n"
        "        for name, p in model.named_parameters():\n"
        "            writer.add_histogram(name, p, 0)",
        "import torch.utils.tensorboard as tb\n"
        "def log_history(log_dir, history, model):\n"
        "    writer = tb.SummaryWriter(log_dir, flush_secs=1)\n"
        "    for name, p in model.named_parameters():\n"
        "        writer.add_histogram(tag=name, values=p.detach().numpy(), global_step=0)\n"
        "    for tag, values in history.items():\n"
        "        for step, value in enumerate(values):\n"
        "            writer.add_scalar(tag, float(value), global_step=step)\n"
        "    writer.flush()",
    ],
    "scaled_step": [
        "def scaled_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm):\n"
        "    optimizer.zero_grad(set_to_none=False)\n"
        "    loss = loss_fn(model(X), y)\n"
        "    scaled = scaler.scale(loss)\n"
        "    scaled.backward()\n"
        "    scaler.unscale_(optimizer)\n"
        "    torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=max_norm)\n"
        "    scaler.step(optimizer)\n"
        "    scaler.update()\n"
        "    return float(loss.detach())",
        "def scaled_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm):\n"
        "    for p in model.parameters():\n"
        "        p.grad = None\n"
        "    loss = loss_fn(model(X), y)\n"
        "    scaler.scale(loss).backward()\n"
        "    scaler.unscale_(optimizer)\n"
        "    params = [p for g in optimizer.param_groups for p in g['params']]\n"
        "    nn.utils.clip_grad_norm_(params, max_norm)\n"
        "    scaler.step(optimizer)\n"
        "    scaler.update()\n"
        "    return loss.item()",
    ],
    "fast_train_step": [
        (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad(set_to_none=True)\n"
            "    if amp_dtype is None:\n"
            "        context = contextlib.nullcontext()\n"
            "    else:\n"
            "        context = torch.autocast(X.device.type, dtype=amp_dtype)\n"
            "    with context:\n"
            "        y_hat = model(X)\n"
            "        loss = loss_fn(y_hat, y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.detach().item()"
        ),
        (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    for p in model.parameters():\n"
            "        p.grad = None\n"
            "    use_amp = amp_dtype is not None\n"
            "    dtype = amp_dtype or torch.bfloat16\n"
            "    with torch.autocast(X.device.type, dtype=dtype, enabled=use_amp):\n"
            "        logits = model(X)\n"
            "        loss = loss_fn(logits.float(), y)\n"
            "    scaled = scaler.scale(loss)\n"
            "    scaled.backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    params = [p for p in model.parameters() if p.grad is not None]\n"
            "    nn.utils.clip_grad_norm_(params, max_norm, foreach=True)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return float(loss.detach())"
        ),
        (
            "def run_forward(model, X, y, loss_fn, amp_dtype):\n"
            "    if amp_dtype is not None:\n"
            "        with torch.autocast(X.device.type, dtype=amp_dtype):\n"
            "            return loss_fn(model(X), y)\n"
            "    return loss_fn(model(X), y)\n"
            "\n"
            "\n"
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    model.zero_grad()\n"
            "    loss = run_forward(model, X, y, loss_fn, amp_dtype)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(list(model.parameters()), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
    ],
}

MISTAKES = {
    "loader_options": {
        "pin memory always": "def loader_options(device, *, num_workers):\n"
        "    return {'num_workers': num_workers, 'pin_memory': True,\n"
        "            'persistent_workers': num_workers > 0}",
        "persistent workers always": "def loader_options(device, *, num_workers):\n"
        "    return {'num_workers': num_workers, 'pin_memory': device.type == 'cuda',\n"
        "            'persistent_workers': True}",
        "asks whether this machine has CUDA": "def loader_options(device, *, num_workers):\n"
        "    return {'num_workers': num_workers, 'pin_memory': torch.cuda.is_available(),\n"
        "            'persistent_workers': num_workers > 0}",
        "forgets a key": "def loader_options(device, *, num_workers):\n"
        "    return {'num_workers': num_workers, 'pin_memory': device.type == 'cuda'}",
    },
    "time_call": {
        "mean of the repeats": "def time_call(fn, *, warmup=1, repeat=5):\n"
        "    for _ in range(warmup):\n"
        "        fn()\n"
        "    start = time.perf_counter()\n"
        "    for _ in range(repeat):\n"
        "        fn()\n"
        "    return (time.perf_counter() - start) / repeat",
        "no warm-up": "def time_call(fn, *, warmup=1, repeat=5):\n"
        "    times = []\n"
        "    for _ in range(repeat):\n"
        "        start = time.perf_counter()\n"
        "        fn()\n"
        "        times.append(time.perf_counter() - start)\n"
        "    return min(times)",
        "milliseconds": "def time_call(fn, *, warmup=1, repeat=5):\n"
        "    for _ in range(warmup):\n"
        "        fn()\n"
        "    times = []\n"
        "    for _ in range(repeat):\n"
        "        start = time.perf_counter()\n"
        "        fn()\n"
        "        times.append((time.perf_counter() - start) * 1000)\n"
        "    return min(times)",
        "median": "import statistics\n"
        "def time_call(fn, *, warmup=1, repeat=5):\n"
        "    for _ in range(warmup):\n"
        "        fn()\n"
        "    times = []\n"
        "    for _ in range(repeat):\n"
        "        start = time.perf_counter()\n"
        "        fn()\n"
        "        times.append(time.perf_counter() - start)\n"
        "    return statistics.median(times)",
    },
    "bf16_forward": {
        "bfloat16 the whole model": "def bf16_forward(model, X):\n"
        "    model.bfloat16()\n"
        "    return model(X.bfloat16()).float()",
        "converts the model and back": "def bf16_forward(model, X):\n"
        "    model.to(torch.bfloat16)\n"
        "    out = model(X.to(torch.bfloat16))\n"
        "    model.to(torch.float32)\n"
        "    return out.float()",
        "no autocast": "def bf16_forward(model, X):\n    return model(X).float()",
        "returns bfloat16": "def bf16_forward(model, X):\n"
        "    with torch.autocast(X.device.type, dtype=torch.bfloat16):\n"
        "        return model(X)",
        "float16 autocast": "def bf16_forward(model, X):\n"
        "    with torch.autocast(X.device.type, dtype=torch.float16):\n"
        "        return model(X).float()",
        "detaches the result": "def bf16_forward(model, X):\n"
        "    with torch.no_grad(), torch.autocast(X.device.type, dtype=torch.bfloat16):\n"
        "        return model(X).float()",
        "switches the model to eval mode": "def bf16_forward(model, X):\n"
        "    model.eval()\n"
        "    with torch.autocast(X.device.type, dtype=torch.bfloat16):\n"
        "        return model(X).float()",
    },
    "top_ops": {
        "lists instead of tuples": "def top_ops(prof, k=5):\n"
        "    events = [e for e in prof.key_averages() if e.key.startswith('aten::')]\n"
        "    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)\n"
        "    return [[e.key, e.self_cpu_time_total / 1e3, e.count] for e in events[:k]]",
        "whole milliseconds (an int)": "def top_ops(prof, k=5):\n"
        "    events = [e for e in prof.key_averages() if e.key.startswith('aten::')]\n"
        "    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)\n"
        "    return [(e.key, round(e.self_cpu_time_total / 1e3), e.count) for e in events[:k]]",
        "sorted by total CPU time": "def top_ops(prof, k=5):\n"
        "    events = [e for e in prof.key_averages() if e.key.startswith('aten::')]\n"
        "    events.sort(key=lambda e: e.cpu_time_total, reverse=True)\n"
        "    return [(e.key, e.self_cpu_time_total / 1e3, e.count) for e in events[:k]]",
        "microseconds": "def top_ops(prof, k=5):\n"
        "    events = [e for e in prof.key_averages() if e.key.startswith('aten::')]\n"
        "    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)\n"
        "    return [(e.key, e.self_cpu_time_total, e.count) for e in events[:k]]",
        "keeps every event": "def top_ops(prof, k=5):\n"
        "    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total,\n"
        "                    reverse=True)\n"
        "    return [(e.key, e.self_cpu_time_total / 1e3, e.count) for e in events[:k]]",
        "smallest first": "def top_ops(prof, k=5):\n"
        "    events = [e for e in prof.key_averages() if e.key.startswith('aten::')]\n"
        "    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)\n"
        "    return [(e.key, e.self_cpu_time_total / 1e3, e.count) for e in events[:k]][::-1]",
        "average per call": "def top_ops(prof, k=5):\n"
        "    events = [e for e in prof.key_averages() if e.key.startswith('aten::')]\n"
        "    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)\n"
        "    return [(e.key, e.self_cpu_time_total / e.count / 1e3, e.count) for e in events[:k]]",
    },
    "log_history": {
        "histograms at the last list's final step": "from torch.utils.tensorboard import "
        "SummaryWriter\n"
        "def log_history(log_dir, history, model):\n"
        "    writer = SummaryWriter(log_dir)\n"
        "    step = 0\n"
        "    for tag, values in history.items():\n"
        "        for i, value in enumerate(values):\n"
        "            writer.add_scalar(tag, value, i)\n"
        "        step = len(values) - 1\n"
        "    for name, param in model.named_parameters():\n"
        "        writer.add_histogram(name, param, step)\n"
        "    writer.close()",
        "steps start at 1": "from torch.utils.tensorboard import SummaryWriter\n"
        "def log_history(log_dir, history, model):\n"
        "    writer = SummaryWriter(log_dir)\n"
        "    for tag, values in history.items():\n"
        "        for epoch, value in enumerate(values, start=1):\n"
        "            writer.add_scalar(tag, value, epoch)\n"
        "    for name, p in model.named_parameters():\n"
        "        writer.add_histogram(name, p.detach(), 0)\n"
        "    writer.close()",
        "no global step": "from torch.utils.tensorboard import SummaryWriter\n"
        "def log_history(log_dir, history, model):\n"
        "    writer = SummaryWriter(log_dir)\n"
        "    for tag, values in history.items():\n"
        "        for value in values:\n"
        "            writer.add_scalar(tag, value)\n"
        "    for name, p in model.named_parameters():\n"
        "        writer.add_histogram(name, p.detach(), 0)\n"
        "    writer.close()",
        "histograms at the last epoch": "from torch.utils.tensorboard import SummaryWriter\n"
        "def log_history(log_dir, history, model):\n"
        "    writer = SummaryWriter(log_dir)\n"
        "    last = 0\n"
        "    for tag, values in history.items():\n"
        "        for step, value in enumerate(values):\n"
        "            writer.add_scalar(tag, value, step)\n"
        "            last = max(last, step)\n"
        "    for name, p in model.named_parameters():\n"
        "        writer.add_histogram(name, p.detach(), last)\n"
        "    writer.close()",
        "no histograms": "from torch.utils.tensorboard import SummaryWriter\n"
        "def log_history(log_dir, history, model):\n"
        "    writer = SummaryWriter(log_dir)\n"
        "    for tag, values in history.items():\n"
        "        for step, value in enumerate(values):\n"
        "            writer.add_scalar(tag, value, step)\n"
        "    writer.close()",
        "one histogram for the whole model": "from torch.utils.tensorboard import SummaryWriter\n"
        "def log_history(log_dir, history, model):\n"
        "    writer = SummaryWriter(log_dir)\n"
        "    for tag, values in history.items():\n"
        "        for step, value in enumerate(values):\n"
        "            writer.add_scalar(tag, value, step)\n"
        "    flat = torch.cat([p.detach().flatten() for p in model.parameters()])\n"
        "    writer.add_histogram('weights', flat, 0)\n"
        "    writer.close()",
    },
    "scaled_step": {
        "clips before unscaling": "def scaled_step(model, X, y, *, loss_fn, optimizer, scaler,"
        " max_norm):\n"
        "    optimizer.zero_grad()\n"
        "    loss = loss_fn(model(X), y)\n"
        "    scaler.scale(loss).backward()\n"
        "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
        "    scaler.step(optimizer)\n"
        "    scaler.update()\n"
        "    return loss.item()",
        "steps the optimizer directly": "def scaled_step(model, X, y, *, loss_fn, optimizer,"
        " scaler,"
        " max_norm):\n"
        "    optimizer.zero_grad()\n"
        "    loss = loss_fn(model(X), y)\n"
        "    scaler.scale(loss).backward()\n"
        "    scaler.unscale_(optimizer)\n"
        "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
        "    optimizer.step()\n"
        "    scaler.update()\n"
        "    return loss.item()",
        "forgets to update the scale": "def scaled_step(model, X, y, *, loss_fn, optimizer, scaler,"
        " max_norm):\n"
        "    optimizer.zero_grad()\n"
        "    loss = loss_fn(model(X), y)\n"
        "    scaler.scale(loss).backward()\n"
        "    scaler.unscale_(optimizer)\n"
        "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
        "    scaler.step(optimizer)\n"
        "    return loss.item()",
        "returns the scaled loss": "def scaled_step(model, X, y, *, loss_fn, optimizer, scaler,"
        " max_norm):\n"
        "    optimizer.zero_grad()\n"
        "    loss = scaler.scale(loss_fn(model(X), y))\n"
        "    loss.backward()\n"
        "    scaler.unscale_(optimizer)\n"
        "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
        "    scaler.step(optimizer)\n"
        "    scaler.update()\n"
        "    return loss.item()",
        "no zero_grad": "def scaled_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm):\n"
        "    loss = loss_fn(model(X), y)\n"
        "    scaler.scale(loss).backward()\n"
        "    scaler.unscale_(optimizer)\n"
        "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
        "    scaler.step(optimizer)\n"
        "    scaler.update()\n"
        "    return loss.item()",
    },
    "fast_train_step": {
        "still one example at a time": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    total = 0.0\n"
            "    for i in range(len(X)):\n"
            "        use_amp = amp_dtype is not None\n"
            "        with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "            loss = loss_fn(model(X[i:i + 1]), y[i:i + 1]) / len(X)\n"
            "        scaler.scale(loss).backward()\n"
            "        total += loss.detach()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return total.item()"
        ),
        "clips before unscaling": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.unscale_(optimizer)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "steps the optimizer directly (inf steps not skipped)": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    optimizer.step()\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "no scaler.update()": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    return loss.item()"
        ),
        "no autocast even when amp_dtype is given": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "loss computed outside autocast": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        logits = model(X)\n"
            "    loss = loss_fn(logits, y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "always bfloat16 autocast": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    with torch.autocast(X.device.type, dtype=torch.bfloat16):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "no zero_grad": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "no clipping": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "returns the scaled loss": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaled = scaler.scale(loss)\n"
            "    scaled.backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return scaled.item()"
        ),
        "returns the loss tensor": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.detach()"
        ),
        "sums the losses": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = loss_fn(model(X), y) * len(X)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
        "ignores loss_fn, always F.cross_entropy": (
            "def fast_train_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm,\n"
            "                    amp_dtype=None):\n"
            "    optimizer.zero_grad()\n"
            "    use_amp = amp_dtype is not None\n"
            "    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=use_amp):\n"
            "        loss = F.cross_entropy(model(X), y)\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n"
            "    return loss.item()"
        ),
    },
}

GRADING_MISTAKE = ("bf16_forward", "bfloat16 the whole model")

# Every mistake above fails with the tests' AssertionError; none needs an expected error.
EXPECTED_ERRORS: dict[tuple[str, str], str] = {}

# Mistakes from the fairness review: each names a rule of its prompt that it breaks.
MISTAKES['time_call']['times the warm-up calls too'] = (
    'def time_call(fn, *, warmup=1, repeat=5):\n'
    '    times = []\n'
    '    for _ in range(warmup + repeat):\n'
    '        start = time.perf_counter()\n'
    '        fn()\n'
    '        times.append(time.perf_counter() - start)\n'
    '    return min(times)'
)
MISTAKES['time_call']['time.time instead of time.perf_counter'] = (
    'def time_call(fn, *, warmup=1, repeat=5):\n'
    '    for _ in range(warmup):\n'
    '        fn()\n'
    '    times = []\n'
    '    for _ in range(repeat):\n'
    '        start = time.time()\n'
    '        fn()\n'
    '        times.append(time.time() - start)\n'
    '    return min(times)'
)
MISTAKES['log_history']['never closes or flushes the writer'] = (
    'from torch.utils.tensorboard import SummaryWriter\n'
    'def log_history(log_dir, history, model):\n'
    '    writer = SummaryWriter(log_dir)\n'
    '    for tag, values in history.items():\n'
    '        for i, v in enumerate(values):\n'
    '            writer.add_scalar(tag, v, i)\n'
    '    for name, p in model.named_parameters():\n'
    '        writer.add_histogram(name, p, 0)'
)

MISTAKES["top_ops"]["keeps every name with 'aten' in it"] = (
    "def top_ops(prof, k=5):\n"
    "    events = [e for e in prof.key_averages() if 'aten' in e.key]\n"
    "    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)\n"
    "    return [(e.key, e.self_cpu_time_total / 1000, e.count) for e in events[:k]]"
)

MISTAKES["scaled_step"]["unscales by hand and steps the optimizer itself"] = (
    "def scaled_step(model, X, y, *, loss_fn, optimizer, scaler, max_norm):\n"
    "    optimizer.zero_grad()\n"
    "    loss = loss_fn(model(X), y)\n"
    "    scaler.scale(loss).backward()\n"
    "    for p in model.parameters():\n"
    "        p.grad /= scaler.get_scale()\n"
    "    nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
    "    optimizer.step()\n"
    "    scaler.update()\n"
    "    return loss.item()"
)
MISTAKES["bf16_forward"]["runs a bfloat16 copy of the model"] = (
    "def bf16_forward(model, X):\n"
    "    import copy\n"
    "    return copy.deepcopy(model).bfloat16()(X.bfloat16()).float()"
)
MISTAKES["time_call"]["time.monotonic instead of time.perf_counter"] = """
def time_call(fn, *, warmup=1, repeat=5):
    for _ in range(warmup):
        fn()
    durations = []
    for _ in range(repeat):
        start = time.monotonic()
        fn()
        durations.append(time.monotonic() - start)
    return float(min(durations))
"""
MISTAKES["bf16_forward"]["weights cast by hand, no autocast"] = """
def bf16_forward(model, X):
    params = {k: v.to(torch.bfloat16) for k, v in model.named_parameters()}
    buffers = {k: v for k, v in model.named_buffers()}
    out = torch.func.functional_call(model, {**params, **buffers}, (X.to(torch.bfloat16),))
    return out.float()
"""
