"""Lesson 07's exercises: correct answers written other ways, and the mistakes people make."""

CORRECT = {
    "trace_agrees": [
        "def trace_agrees(model, example, inputs):\n"
        "    traced = torch.jit.trace(model, example)\n"
        "    agrees = []\n"
        "    for x in inputs:\n"
        "        agrees.append(bool(torch.allclose(traced(x), model(x))))\n"
        "    return agrees",
        "def trace_agrees(model, example, inputs):\n"
        "    with warnings.catch_warnings():\n"
        "        warnings.simplefilter('ignore')\n"
        "        traced = torch.jit.trace(model, (example,), check_trace=False)\n"
        "    result = []\n"
        "    for x in inputs:\n"
        "        try:\n"
        "            torch.testing.assert_close(traced(x), model(x))\n"
        "            result.append(True)\n"
        "        except AssertionError:\n"
        "            result.append(False)\n"
        "    return result",
    ],
    "where_gate": [
        "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        sign = (x.sum() > 0).to(x.dtype) * 2 - 1\n"
        "        return x * sign",
        "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        keep = x.sum().gt(0)\n"
        "        return torch.where(keep, x, x.neg())",
        "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        factor = torch.where(x.sum() > 0, 1.0, -1.0).to(x.dtype)\n"
        "        return factor * x",
    ],
    "to_torchscript": [
        "def to_torchscript(model, example):\n"
        "    model = model.eval()\n"
        "    try:\n"
        "        converted = torch.jit.script(model)\n"
        "    except Exception:\n"
        "        converted = torch.jit.trace(model, example)\n"
        "    return converted",
        "def to_torchscript(model, example):\n"
        "    model.train(False)\n"
        "    try:\n"
        "        scripted = torch.jit.script(model)\n"
        "    except Exception:\n"
        "        scripted = None\n"
        "    return scripted if scripted is not None else torch.jit.trace(model, example)",
    ],
    "export_dynamic_batch": [
        "def export_dynamic_batch(model, example):\n"
        "    return torch.export.export(\n"
        "        model.eval(), (example,), dynamic_shapes=({0: Dim.DYNAMIC},))",
        "import inspect\n"
        "def export_dynamic_batch(model, example):\n"
        "    model.train(False)\n"
        "    name = next(iter(inspect.signature(model.forward).parameters))\n"
        "    n = Dim('n', min=1, max=4096)\n"
        "    return torch.export.export(model, args=(example,),\n"
        "                               dynamic_shapes={name: {0: n}})",
    ],
    "routed_linear": [
        "class RoutedLinear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.pos = nn.Linear(in_features, out_features)\n"
        "        self.neg = nn.Linear(in_features, out_features)\n"
        "    def forward(self, x):\n"
        "        return torch.cond(x.mean() > 0, lambda t: self.pos(t),\n"
        "                          lambda t: self.neg(t), [x])",
        "class RoutedLinear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.pos = nn.Linear(in_features, out_features)\n"
        "        self.neg = nn.Linear(in_features, out_features)\n"
        "    def forward(self, x):\n"
        "        # both branches computed, one kept: exports without torch.cond\n"
        "        return torch.where(x.mean() > 0, self.pos(x), self.neg(x))",
        "class RoutedLinear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.pos = nn.Linear(in_features, out_features)\n"
        "        self.neg = nn.Linear(in_features, out_features)\n"
        "    def _positive(self, x):\n"
        "        return self.pos(x)\n"
        "    def _negative(self, x):\n"
        "        return self.neg(x)\n"
        "    def forward(self, x):\n"
        "        return torch.cond(x.mean().gt(0), self._positive, self._negative, (x,))",
    ],
    "verify_saved": [
        "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    path = Path(path)\n"
        "    if path.suffix == '.pt2':\n"
        "        loaded = torch.export.load(path).module()\n"
        "    else:\n"
        "        loaded = torch.jit.load(str(path))\n"
        "    model = model.eval()\n"
        "    ok = True\n"
        "    for x in inputs:\n"
        "        with torch.no_grad():\n"
        "            ok = ok and torch.allclose(loaded(x), model(x), rtol=0, atol=atol)\n"
        "    return bool(ok)",
        "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    if str(path).endswith('.pt2'):\n"
        "        run = torch.export.load(str(path)).module()\n"
        "    else:\n"
        "        run = torch.jit.load(path, map_location='cpu')\n"
        "    model.train(False)\n"
        "    try:\n"
        "        for x in inputs:\n"
        "            torch.testing.assert_close(run(x), model(x), rtol=0.0, atol=atol)\n"
        "    except AssertionError:\n"
        "        return False\n"
        "    return True",
    ],
    "package_model": [
        "def package_model(model, example, path):\n"
        "    model = model.eval()\n"
        "    n = Dim('n')\n"
        "    program = torch.export.export(model, (example,), dynamic_shapes=({0: n},))\n"
        "    torch.export.save(program, path)\n"
        "    module = torch.export.load(path).module()\n"
        "    for X in (example, torch.cat([example, example[:1]])):\n"
        "        with torch.no_grad():\n"
        "            try:\n"
        "                torch.testing.assert_close(module(X), model(X), rtol=0, atol=1e-5)\n"
        "            except AssertionError as error:\n"
        "                raise ValueError(str(error)) from None\n"
        "    return module",
        "def package_model(model, example, path):\n"
        "    model.train(False)\n"
        "    shapes = ({0: Dim.DYNAMIC},)\n"
        "    torch.export.save(torch.export.export(model, (example,),\n"
        "                                          dynamic_shapes=shapes), str(path))\n"
        "    loaded = torch.export.load(str(path)).module()\n"
        "    checks = [example, example.repeat(3, *[1] * (example.dim() - 1))]\n"
        "    with torch.no_grad():\n"
        "        worst = max(float((loaded(X) - model(X)).abs().max()) for X in checks)\n"
        "    if worst > 1e-5:\n"
        "        raise ValueError(f'exported program differs from the model by {worst}')\n"
        "    return loaded",
    ],
}

MISTAKES = {
    "trace_agrees": {
        "traces again for every input": "def trace_agrees(model, example, inputs):\n"
        "    result = []\n"
        "    for x in inputs:\n"
        "        with deploy.legacy_torchscript(), warnings.catch_warnings():\n"
        "            warnings.simplefilter('ignore')\n"
        "            traced = torch.jit.trace(model, example)\n"
        "        result.append(bool(torch.allclose(traced(x), model(x))))\n"
        "    return result",
        "retraces on every input": "def trace_agrees(model, example, inputs):\n"
        "    return [torch.allclose(torch.jit.trace(model, x)(x), model(x)) for x in inputs]",
        "compares the model with itself": "def trace_agrees(model, example, inputs):\n"
        "    traced = torch.jit.trace(model, example)\n"
        "    return [torch.allclose(model(x), model(x)) for x in inputs]",
        "traces on the first input": "def trace_agrees(model, example, inputs):\n"
        "    if not inputs:\n"
        "        return []\n"
        "    traced = torch.jit.trace(model, inputs[0])\n"
        "    return [torch.allclose(traced(x), model(x)) for x in inputs]",
        "returns tensors": "def trace_agrees(model, example, inputs):\n"
        "    traced = torch.jit.trace(model, example)\n"
        "    return [(traced(x) == model(x)).all() for x in inputs]",
        "exact equality instead of allclose": "def trace_agrees(model, example, inputs):\n"
        "    with warnings.catch_warnings():\n"
        "        warnings.simplefilter('ignore')\n"
        "        traced = torch.jit.trace(model, example)\n"
        "    return [torch.equal(traced(x), model(x)) for x in inputs]",
    },
    "where_gate": {
        "torch.cond, which tracing cannot record": "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return torch.cond(x.sum() > 0, lambda t: t.clone(), lambda t: -t, (x,))",
        "python if on the sum": "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        if x.sum() > 0:\n"
        "            return x\n"
        "        return -x",
        "elementwise where": "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return torch.where(x > 0, x, -x)",
        "sign of the sum": "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return x * torch.sign(x.sum())",
        "greater or equal": "class WhereGate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return torch.where(x.sum() >= 0, x, -x)",
    },
    "to_torchscript": {
        "always traces": "def to_torchscript(model, example):\n"
        "    return torch.jit.trace(model.eval(), example)",
        "always scripts": "def to_torchscript(model, example):\n"
        "    return torch.jit.script(model.eval())",
        "forgets eval": "def to_torchscript(model, example):\n"
        "    try:\n"
        "        return torch.jit.script(model)\n"
        "    except Exception:\n"
        "        return torch.jit.trace(model, example)",
        "scripts before eval": "def to_torchscript(model, example):\n"
        "    try:\n"
        "        converted = torch.jit.script(model)\n"
        "    except Exception:\n"
        "        converted = torch.jit.trace(model, example)\n"
        "    model.eval()\n"
        "    return converted",
        "falls back to the eager model": "def to_torchscript(model, example):\n"
        "    model.eval()\n"
        "    try:\n"
        "        return torch.jit.script(model)\n"
        "    except Exception:\n"
        "        return model",
    },
    "export_dynamic_batch": {
        "no dynamic shapes": "def export_dynamic_batch(model, example):\n"
        "    return torch.export.export(model.eval(), (example,))",
        "forgets eval": "def export_dynamic_batch(model, example):\n"
        "    return torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))",
        "maximum batch too small": "def export_dynamic_batch(model, example):\n"
        "    batch = Dim('batch', max=16)\n"
        "    return torch.export.export(model.eval(), (example,),\n"
        "                               dynamic_shapes=({0: batch},))",
        "maximum batch of 64": "def export_dynamic_batch(model, example):\n"
        "    model.eval()\n"
        "    return torch.export.export(model, (example,),\n"
        "                               dynamic_shapes=({0: Dim('batch', max=64)},))",
        "dynamic features instead of batch": "def export_dynamic_batch(model, example):\n"
        "    return torch.export.export(model.eval(), (example,),\n"
        "                               dynamic_shapes=({1: Dim('batch')},))",
    },
    "routed_linear": {
        "python if": "class RoutedLinear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.pos = nn.Linear(in_features, out_features)\n"
        "        self.neg = nn.Linear(in_features, out_features)\n"
        "    def forward(self, x):\n"
        "        if x.mean() > 0:\n"
        "            return self.pos(x)\n"
        "        return self.neg(x)",
        "routes each row": "class RoutedLinear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.pos = nn.Linear(in_features, out_features)\n"
        "        self.neg = nn.Linear(in_features, out_features)\n"
        "    def forward(self, x):\n"
        "        keep = x.mean(dim=1, keepdim=True) > 0\n"
        "        return torch.where(keep, self.pos(x), self.neg(x))",
        "greater or equal": "class RoutedLinear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.pos = nn.Linear(in_features, out_features)\n"
        "        self.neg = nn.Linear(in_features, out_features)\n"
        "    def forward(self, x):\n"
        "        return torch.cond(x.mean() >= 0, self.pos, self.neg, (x,))",
        "branches swapped": "class RoutedLinear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.pos = nn.Linear(in_features, out_features)\n"
        "        self.neg = nn.Linear(in_features, out_features)\n"
        "    def forward(self, x):\n"
        "        return torch.cond(x.mean() > 0, self.neg, self.pos, (x,))",
    },
    "verify_saved": {
        "uses torch.load": "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    loaded = torch.load(path)\n"
        "    model.eval()\n"
        "    return all(bool((loaded(x) - model(x)).abs().max() <= atol) for x in inputs)",
        "checks only the first input": "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    if Path(path).suffix == '.pt2':\n"
        "        loaded = torch.export.load(path).module()\n"
        "    else:\n"
        "        loaded = torch.jit.load(path)\n"
        "    model.eval()\n"
        "    x = inputs[0]\n"
        "    return bool((loaded(x) - model(x)).abs().max() <= atol)",
        "forgets eval": "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    if Path(path).suffix == '.pt2':\n"
        "        loaded = torch.export.load(path).module()\n"
        "    else:\n"
        "        loaded = torch.jit.load(path)\n"
        "    return all(bool((loaded(x) - model(x)).abs().max() <= atol) for x in inputs)",
        "ignores atol": "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    if Path(path).suffix == '.pt2':\n"
        "        loaded = torch.export.load(path).module()\n"
        "    else:\n"
        "        loaded = torch.jit.load(path)\n"
        "    model.eval()\n"
        "    return all(torch.allclose(loaded(x), model(x)) for x in inputs)",
        "allclose keeps its default rtol": "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    if Path(path).suffix == '.pt2':\n"
        "        loaded = torch.export.load(path).module()\n"
        "    else:\n"
        "        loaded = torch.jit.load(path)\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        return all(torch.allclose(loaded(x), model(x), atol=atol) for x in inputs)",
        "isclose with an rtol": "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    if Path(path).suffix == '.pt2':\n"
        "        loaded = torch.export.load(path).module()\n"
        "    else:\n"
        "        loaded = torch.jit.load(path)\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        return all(bool(torch.isclose(loaded(x), model(x), rtol=1e-4, atol=atol).all())\n"
        "                   for x in inputs)",
        "returns a tensor": "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
        "    if Path(path).suffix == '.pt2':\n"
        "        loaded = torch.export.load(path).module()\n"
        "    else:\n"
        "        loaded = torch.jit.load(path)\n"
        "    model.eval()\n"
        "    diffs = torch.stack([(loaded(x) - model(x)).abs().max() for x in inputs])\n"
        "    return (diffs <= atol).all()",
    },
    "package_model": {
        "forgets eval": "def package_model(model, example, path):\n"
        "    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
        "    torch.export.save(program, path)\n"
        "    loaded = torch.export.load(path).module()\n"
        "    for X in [example, torch.cat([example, example])]:\n"
        "        if (loaded(X) - model(X)).abs().max() > 1e-5:\n"
        "            raise ValueError('mismatch')\n"
        "    return loaded",
        "no dynamic batch": "def package_model(model, example, path):\n"
        "    model.eval()\n"
        "    program = torch.export.export(model, (example,))\n"
        "    torch.export.save(program, path)\n"
        "    loaded = torch.export.load(path).module()\n"
        "    if (loaded(example) - model(example)).abs().max() > 1e-5:\n"
        "        raise ValueError('mismatch')\n"
        "    return loaded",
        "does not verify": "def package_model(model, example, path):\n"
        "    model.eval()\n"
        "    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
        "    torch.export.save(program, path)\n"
        "    return torch.export.load(path).module()",
        "verifies only the example batch": "def package_model(model, example, path):\n"
        "    model.eval()\n"
        "    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
        "    torch.export.save(program, path)\n"
        "    loaded = torch.export.load(path).module()\n"
        "    with torch.no_grad():\n"
        "        if (loaded(example) - model(example)).abs().max() > 1e-5:\n"
        "            raise ValueError('the exported program differs from the model')\n"
        "    return loaded",
        "verifies with allclose's default rtol": "def package_model(model, example, path):\n"
        "    model.eval()\n"
        "    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
        "    torch.export.save(program, path)\n"
        "    loaded = torch.export.load(path).module()\n"
        "    with torch.no_grad():\n"
        "        for X in [example, example[:1]]:\n"
        "            if not torch.allclose(loaded(X), model(X), atol=1e-5, rtol=1.0):\n"
        "                raise ValueError('the exported program differs from the model')\n"
        "    return loaded",
        "returns the ExportedProgram": "def package_model(model, example, path):\n"
        "    model.eval()\n"
        "    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
        "    torch.export.save(program, path)\n"
        "    loaded = torch.export.load(path)\n"
        "    for X in [example, torch.cat([example, example])]:\n"
        "        if (loaded.module()(X) - model(X)).abs().max() > 1e-5:\n"
        "            raise ValueError('mismatch')\n"
        "    return loaded",
        "does not save": "def package_model(model, example, path):\n"
        "    model.eval()\n"
        "    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
        "    module = program.module()\n"
        "    for X in [example, torch.cat([example, example])]:\n"
        "        if (module(X) - model(X)).abs().max() > 1e-5:\n"
        "            raise ValueError('mismatch')\n"
        "    return module",
    },
}

GRADING_MISTAKE = ("where_gate", "python if on the sum")

# Mistakes that fail before any check can run; every other mistake fails an assertion.
EXPECTED_ERRORS = {
    # torch.export refuses: the example's batch is used as a constant, features are not dynamic
    ("export_dynamic_batch", "dynamic features instead of batch"): "UserError",
    # torch.export cannot follow a Python `if` on a tensor's value
    ("routed_linear", "python if"): "GuardOnDataDependentSymNode",
    # the answer's own check catches the dropout of a model left in training mode
    ("package_model", "forgets eval"): "ValueError",
}


# More answers and mistakes, each written from the student notebook's prompt alone.

MISTAKES['trace_agrees']['returns a tuple'] = (
    'def trace_agrees(model, example, inputs):\n'
    '    with warnings.catch_warnings():\n'
    "        warnings.simplefilter('ignore')\n"
    '        t = torch.jit.trace(model, example)\n'
    '    return tuple(torch.allclose(t(x), model(x)) for x in inputs)'
)
CORRECT['trace_agrees'].append(
    'def trace_agrees(model, example, inputs):\n'
    '    with warnings.catch_warnings():\n'
    "        warnings.simplefilter('ignore')\n"
    '        t = torch.jit.trace(model, example)\n'
    '    out = []\n'
    '    for x in inputs:\n'
    '        with torch.no_grad():\n'
    '            out.append(bool(torch.allclose(t(x), model(x))))\n'
    '    return out'
)
CORRECT['where_gate'].append(
    'class WhereGate(nn.Module):\n'
    '    def forward(self, x):\n'
    '        return x * torch.where(x.sum() > 0, 1.0, -1.0)'
)
MISTAKES['where_gate']['casts the result to float32'] = (
    'class WhereGate(nn.Module):\n'
    '    def forward(self, x):\n'
    '        return torch.where(x.sum() > 0, x, -x).float()'
)
MISTAKES['where_gate']['absolute value'] = (
    'class WhereGate(nn.Module):\n'
    '    def forward(self, x):\n'
    '        return x.abs()'
)
CORRECT['to_torchscript'].append(
    'def to_torchscript(model, example):\n'
    '    model = model.eval()\n'
    '    try:\n'
    '        return torch.jit.script(model)\n'
    '    except Exception:\n'
    '        return torch.jit.trace(model, example)'
)
MISTAKES['to_torchscript']['traces first, scripts on failure'] = (
    'def to_torchscript(model, example):\n'
    '    model.eval()\n'
    '    try:\n'
    '        return torch.jit.trace(model, example)\n'
    '    except Exception:\n'
    '        return torch.jit.script(model)'
)
CORRECT['export_dynamic_batch'].append(
    'def export_dynamic_batch(model, example):\n'
    '    model.eval()\n'
    '    return torch.export.export(model, (example,), dynamic_shapes=({0: Dim.DYNAMIC},))'
)
CORRECT['export_dynamic_batch'].append(
    'def export_dynamic_batch(model, example):\n'
    '    model.eval()\n'
    "    return torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b', min=1)},))"
)
MISTAKES['export_dynamic_batch']['static batch, no dynamic_shapes'] = (
    'def export_dynamic_batch(model, example):\n'
    '    model.eval()\n'
    '    return torch.export.export(model, (example,))'
)
CORRECT['routed_linear'].append(
    'class RoutedLinear(nn.Module):\n'
    '    def __init__(self, i, o):\n'
    '        super().__init__()\n'
    '        self.pos, self.neg = nn.Linear(i, o), nn.Linear(i, o)\n'
    '    def forward(self, x):\n'
    '        return torch.cond(x.mean() > 0, lambda v: self.pos(v), lambda v: self.ne'
    'g(v), (x,))'
)
MISTAKES['routed_linear']['mean over dim 1 then any'] = (
    'class RoutedLinear(nn.Module):\n'
    '    def __init__(self, i, o):\n'
    '        super().__init__()\n'
    '        self.pos, self.neg = nn.Linear(i, o), nn.Linear(i, o)\n'
    '    def forward(self, x):\n'
    '        return torch.cond((x.mean(1) > 0).any(), self.pos, self.neg, (x,))'
)
CORRECT['verify_saved'].append(
    'def verify_saved(path, model, inputs, *, atol=1e-5):\n'
    "    loaded = torch.export.load(path).module() if path.suffix == '.pt2' else torc"
    'h.jit.load(path)\n'
    '    model.eval()\n'
    '    with torch.no_grad():\n'
    '        return all(bool(torch.allclose(loaded(x), model(x), rtol=0, atol=atol)) '
    'for x in inputs)'
)
MISTAKES['verify_saved']['mean difference instead of every element'] = (
    'def verify_saved(path, model, inputs, *, atol=1e-5):\n'
    "    loaded = torch.export.load(path).module() if path.suffix == '.pt2' else torc"
    'h.jit.load(path)\n'
    '    model.eval()\n'
    '    with torch.no_grad():\n'
    '        return all(float((loaded(x) - model(x)).abs().mean()) <= atol for x in inputs)'
)
MISTAKES['verify_saved']['relative difference'] = (
    'def verify_saved(path, model, inputs, *, atol=1e-5):\n'
    "    loaded = torch.export.load(path).module() if path.suffix == '.pt2' else torc"
    'h.jit.load(path)\n'
    '    model.eval()\n'
    '    with torch.no_grad():\n'
    '        return all(float(((loaded(x) - model(x)).abs() / model(x).abs().clamp_mi'
    'n(1e-12)).max()) <= atol for x in inputs)'
)
CORRECT['package_model'].append(
    'def package_model(model, example, path):\n'
    '    model.eval()\n'
    '    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim("ba'
    'tch")},))\n'
    '    torch.export.save(program, path)\n'
    '    module = torch.export.load(path).module()\n'
    '    with torch.no_grad():\n'
    '        for X in (example, torch.cat([example, example])):\n'
    '            if (module(X) - model(X)).abs().max() > 1e-5:\n'
    "                raise ValueError('the exported program differs from the model')\n"
    '    return module'
)
MISTAKES['package_model']['assert instead of ValueError'] = (
    'def package_model(model, example, path):\n'
    '    model.eval()\n'
    '    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim("ba'
    'tch")},))\n'
    '    torch.export.save(program, path)\n'
    '    module = torch.export.load(path).module()\n'
    '    with torch.no_grad():\n'
    '        for X in (example, torch.cat([example, example])):\n'
    "            assert (module(X) - model(X)).abs().max() <= 1e-5, 'differs'\n"
    '    return module'
)
MISTAKES['package_model']['returns the ExportedProgram from load'] = (
    'def package_model(model, example, path):\n'
    '    model.eval()\n'
    '    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim("ba'
    'tch")},))\n'
    '    torch.export.save(program, path)\n'
    '    module = torch.export.load(path)\n'
    '    with torch.no_grad():\n'
    '        for X in (example, torch.cat([example, example])):\n'
    '            if (module.module()(X) - model(X)).abs().max() > 1e-5:\n'
    "                raise ValueError('differs')\n"
    '    return module'
)

# Mistakes from the fairness review: each names a rule of its prompt that it breaks.
MISTAKES['where_gate']['decides per row'] = (
    'class WhereGate(nn.Module):\n'
    '    def forward(self, x):\n'
    '        return torch.where(x.sum(dim=-1, keepdim=True) > 0, x, -x)'
)
MISTAKES['where_gate']['decides per column'] = (
    'class WhereGate(nn.Module):\n'
    '    def forward(self, x):\n'
    '        return torch.where(x.sum(dim=0, keepdim=True) > 0, x, -x)'
)
MISTAKES['routed_linear']['decides on the first row'] = (
    'class RoutedLinear(nn.Module):\n'
    '    def __init__(self, in_features, out_features):\n'
    '        super().__init__()\n'
    '        self.pos = nn.Linear(in_features, out_features)\n'
    '        self.neg = nn.Linear(in_features, out_features)\n'
    '\n'
    '    def forward(self, x):\n'
    '        return torch.cond(x[0].mean() > 0, self.pos, self.neg, (x,))'
)
MISTAKES['routed_linear']['decides on the first column'] = (
    'class RoutedLinear(nn.Module):\n'
    '    def __init__(self, in_features, out_features):\n'
    '        super().__init__()\n'
    '        self.pos = nn.Linear(in_features, out_features)\n'
    '        self.neg = nn.Linear(in_features, out_features)\n'
    '    def forward(self, x):\n'
    '        return torch.cond(x[:, 0].mean() > 0, self.pos, self.neg, (x,))'
)
MISTAKES['verify_saved']['strict < atol'] = (
    'def verify_saved(path, model, inputs, *, atol=1e-5):\n'
    '    loaded = torch.export.load(path).module() if path.suffix == ".pt2" else '
    'torch.jit.load(path)\n'
    '    model.eval()\n'
    '    return all(bool(((loaded(x) - model(x)).abs() < atol).all()) for x in inputs)'
)
MISTAKES['verify_saved']['torch.jit.load for a .pt2 file too'] = (
    'def verify_saved(path, model, inputs, *, atol=1e-5):\n'
    '    loaded = torch.jit.load(path)\n'
    '    model.eval()\n'
    '    return all(torch.allclose(loaded(x), model(x), rtol=0, atol=atol) for x in inputs)'
)
MISTAKES['package_model']['returns the in-memory module, never reloads'] = (
    'def package_model(model, example, path):\n'
    '    model.eval()\n'
    '    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim("batch")},))\n'
    '    torch.export.save(program, path)\n'
    '    module = program.module()\n'
    '    with torch.no_grad():\n'
    '        for X in (example, torch.cat([example, example])):\n'
    '            if not torch.allclose(module(X), model(X), rtol=0, atol=1e-5):\n'
    '                raise ValueError("mismatch")\n'
    '    return module'
)
MISTAKES['package_model']['allclose with its default rtol=1e-5'] = (
    'def package_model(model, example, path):\n'
    '    model.eval()\n'
    '    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim("batch")},))\n'
    '    torch.export.save(program, path)\n'
    '    loaded = torch.export.load(path).module()\n'
    '    with torch.no_grad():\n'
    '        for X in (example, torch.cat([example, example])):\n'
    '            if not torch.allclose(loaded(X), model(X), atol=1e-5):\n'
    '                raise ValueError("mismatch")\n'
    '    return loaded'
)
MISTAKES['package_model']['assert with rtol=0 instead of ValueError'] = (
    'def package_model(model, example, path):\n'
    '    model.eval()\n'
    '    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim("batch")},))\n'
    '    torch.export.save(program, path)\n'
    '    loaded = torch.export.load(path).module()\n'
    '    with torch.no_grad():\n'
    '        for X in (example, torch.cat([example, example])):\n'
    '            assert torch.allclose(loaded(X), model(X), rtol=0, atol=1e-5), "mismatch"\n'
    '    return loaded'
)

CORRECT["package_model"].append(
    "from torch.export import export, load, save\n"
    "\n"
    "\n"
    "def package_model(model, example, path):\n"
    "    model.eval()\n"
    "    save(export(model, (example,), dynamic_shapes=({0: Dim('batch')},)), path)\n"
    "    loaded = load(path).module()\n"
    "    with torch.no_grad():\n"
    "        for X in (example, torch.cat([example, example])):\n"
    "            if (loaded(X) - model(X)).abs().max().item() > 1e-5:\n"
    "                raise ValueError('the exported program differs')\n"
    "    return loaded"
)
MISTAKES["package_model"]["verifies the program in memory, not the one loaded back"] = (
    "def package_model(model, example, path):\n"
    "    model.eval()\n"
    "    program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('batch')},))\n"
    "    in_memory = program.module()\n"
    "    for X in (example, torch.cat([example, example])):\n"
    "        if (in_memory(X) - model(X)).abs().max() > 1e-5:\n"
    "            raise ValueError('mismatch')\n"
    "    torch.export.save(program, path)\n"
    "    return torch.export.load(path).module()"
)
MISTAKES["verify_saved"]["takes only .pt files for TorchScript"] = (
    "def verify_saved(path, model, inputs, *, atol=1e-5):\n"
    "    if path.suffix == '.pt':\n"
    "        loaded = torch.jit.load(path)\n"
    "    else:\n"
    "        loaded = torch.export.load(path).module()\n"
    "    model.eval()\n"
    "    with torch.no_grad():\n"
    "        return all((loaded(x) - model(x)).abs().max().item() <= atol for x in inputs)"
)

# What the program computes is what counts: the model in evaluation mode. Whether the caller's
# `model` is left in evaluation mode afterwards, or put back as it was, is the answer's choice.
CORRECT["to_torchscript"] += [
    "def to_torchscript(model, example):\n"
    "    try:\n"
    "        return torch.jit.script(model).eval()\n"
    "    except Exception:\n"
    "        pass\n"
    "    return torch.jit.trace(model.eval(), example)",
    "def to_torchscript(model, example):\n"
    "    was_training = model.training\n"
    "    model.eval()\n"
    "    try:\n"
    "        try:\n"
    "            return torch.jit.script(model)\n"
    "        except Exception:\n"
    "            return torch.jit.trace(model, example)\n"
    "    finally:\n"
    "        model.train(was_training)",
]
CORRECT["export_dynamic_batch"] += [
    "def export_dynamic_batch(model, example):\n"
    "    frozen = copy.deepcopy(model).eval()\n"
    "    return torch.export.export(frozen, (example,), dynamic_shapes=({0: Dim('b')},))",
    "def export_dynamic_batch(model, example):\n"
    "    was_training = model.training\n"
    "    model.eval()\n"
    "    try:\n"
    "        return torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
    "    finally:\n"
    "        model.train(was_training)",
]
CORRECT["package_model"].append(
    "def package_model(model, example, path):\n"
    "    was_training = model.training\n"
    "    model.eval()\n"
    "    try:\n"
    "        program = torch.export.export(model, (example,), dynamic_shapes=({0: Dim('b')},))\n"
    "        torch.export.save(program, path)\n"
    "        loaded = torch.export.load(path).module()\n"
    "        for X in [example, torch.cat([example, example])[:1]]:\n"
    "            if (loaded(X) - model(X)).abs().max() > 1e-5:\n"
    "                raise ValueError('the program read back does not match the model')\n"
    "        return loaded\n"
    "    finally:\n"
    "        model.train(was_training)"
)
