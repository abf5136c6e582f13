"""Lesson 03's exercises: correct answers written other ways, and the mistakes people make."""

from textwrap import dedent


def _code(text: str) -> str:
    return dedent(text).strip("\n")


# ---------------------------------------------------------------- exercise 1: conv_output_size
_CONV_OK = [
    _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            x, w = torch.zeros(1, 1, size), torch.zeros(1, 1, kernel)
            try:
                y = F.conv1d(x, w, stride=stride, padding=padding, dilation=dilation)
            except RuntimeError as error:
                raise ValueError("the kernel does not fit") from error
            return y.shape[-1]
    """),
    _code("""
        import math
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            span = dilation * (kernel - 1) + 1
            if span > size + 2 * padding:
                raise ValueError("kernel does not fit")
            return math.floor((size + 2 * padding - span) / stride) + 1
    """),
    _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            padded = size + 2 * padding
            span = dilation * (kernel - 1) + 1
            starts = range(0, padded - span + 1, stride)
            if len(starts) == 0:
                raise ValueError(f"no room for a window of {span} in {padded}")
            return len(starts)
    """),
    _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            x = torch.zeros(1, 1, size)
            weight = torch.zeros(1, 1, kernel)
            try:
                y = F.conv1d(x, weight, stride=stride, padding=padding, dilation=dilation)
            except RuntimeError as error:
                raise ValueError(str(error)) from None
            return int(y.shape[-1])
    """),
]

_CONV_MISTAKES = {
    "raises when exactly one output fits": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
            if out <= 1:
                raise ValueError("no output")
            return out
    """),
    "returns a 0-dim tensor": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            out = torch.tensor(size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
            if out < 1:
                raise ValueError("no output")
            return out
    """),
    "formula without the minus one": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            out = (size + 2 * padding - dilation * (kernel - 1)) // stride + 1
            if out < 1:
                raise ValueError("kernel does not fit")
            return out
    """),
    "true division returns a float": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            out = (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
            if out < 1:
                raise ValueError("kernel does not fit")
            return out
    """),
    "int() truncates towards zero instead of flooring": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            out = int((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
            if out < 1:
                raise ValueError("kernel does not fit")
            return out
    """),
    "dilation ignored": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            out = (size + 2 * padding - (kernel - 1) - 1) // stride + 1
            if out < 1:
                raise ValueError("kernel does not fit")
            return out
    """),
    "padding counted once": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            out = (size + padding - dilation * (kernel - 1) - 1) // stride + 1
            if out < 1:
                raise ValueError("kernel does not fit")
            return out
    """),
    "no error when the kernel does not fit": _code("""
        def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
            return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    """),
}

# ---------------------------------------------------------------- exercise 2: MLP
_MLP_OK = [
    _code("""
        class MLP(nn.Module):
            def __init__(self, in_features, hidden, out_features):
                super().__init__()
                layers = []
                width = in_features
                for h in hidden:
                    layers += [nn.Linear(width, h), nn.ReLU()]
                    width = h
                layers.append(nn.Linear(width, out_features))
                self.net = nn.Sequential(*layers)

            def forward(self, x):
                return self.net(x)
    """),
    _code("""
        class MLP(nn.Module):
            def __init__(self, in_features, hidden, out_features):
                super().__init__()
                sizes = [in_features] + list(hidden)
                self.hidden = nn.ModuleDict(
                    {f"h{i}": nn.Linear(a, b) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))}
                )
                self.out = nn.Linear(sizes[-1], out_features)

            def forward(self, x):
                for layer in self.hidden.values():
                    x = F.relu(layer(x))
                return self.out(x)
    """),
    _code("""
        class MLP(nn.Module):
            def __init__(self, in_features, hidden, out_features):
                super().__init__()
                sizes = [in_features, *hidden, out_features]
                for i in range(len(sizes) - 1):
                    self.add_module(f"linear{i}", nn.Linear(sizes[i], sizes[i + 1]))
                self.n = len(sizes) - 1

            def forward(self, x):
                for i in range(self.n):
                    x = getattr(self, f"linear{i}")(x)
                    if i < self.n - 1:
                        x = x.clamp(min=0)
                return x
    """),
]

_MLP_BODY = """
        class MLP(nn.Module):
            def __init__(self, in_features, hidden, out_features):
                super().__init__()
                sizes = [in_features, *hidden, out_features]
                self.layers = {container}(
                    [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
                )

            def forward(self, x):
                for layer in self.layers[:-1]:
                    x = {activation}(layer(x))
                return {last}
"""


def _mlp(container="nn.ModuleList", activation="torch.relu", last="self.layers[-1](x)"):
    return _code(_MLP_BODY.format(container=container, activation=activation, last=last))


_MLP_MISTAKES = {
    "python list of layers": _mlp(container="list"),
    "relu after the last layer too": _mlp(last="torch.relu(self.layers[-1](x))"),
    "no activation between layers": _mlp(activation=""),
    "softmax on the output": _mlp(last="torch.softmax(self.layers[-1](x), dim=1)"),
    "sigmoid instead of relu": _mlp(activation="torch.sigmoid"),
    "linear layers without bias": _code("""
        class MLP(nn.Module):
            def __init__(self, in_features, hidden, out_features):
                super().__init__()
                sizes = [in_features, *hidden, out_features]
                self.layers = nn.ModuleList(
                    nn.Linear(a, b, bias=False) for a, b in zip(sizes[:-1], sizes[1:])
                )

            def forward(self, x):
                for layer in self.layers[:-1]:
                    x = torch.relu(layer(x))
                return self.layers[-1](x)
    """),
}

# ---------------------------------------------------------------- exercise 3: init_weights
_INIT_OK = [
    _code("""
        import math
        def init_weights(module):
            if type(module) in (nn.Linear, nn.Conv2d):
                fan_in = module.weight[0].numel()
                with torch.no_grad():
                    module.weight.normal_(0.0, math.sqrt(2.0 / fan_in))
                    if module.bias is not None:
                        module.bias.zero_()
    """),
    _code("""
        def init_weights(module):
            if not isinstance(module, (nn.Linear, nn.Conv2d)):
                return
            nn.init.kaiming_normal_(module.weight)
            if getattr(module, "bias", None) is not None:
                nn.init.constant_(module.bias, 0.0)
    """),
]

_INIT_BODY = """
        def init_weights(module):
            if isinstance(module, {types}):
                {weight}
                {bias}
"""


def _init(
    types="(nn.Conv2d, nn.Linear)",
    weight='nn.init.kaiming_normal_(module.weight, nonlinearity="relu")',
    bias="if module.bias is not None:\n                    nn.init.zeros_(module.bias)",
):
    return _code(_INIT_BODY.format(types=types, weight=weight, bias=bias))


_INIT_MISTAKES = {
    "fan_out instead of fan_in": _init(
        weight='nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")'
    ),
    "kaiming uniform instead of normal": _init(
        weight='nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")'
    ),
    "xavier instead of kaiming": _init(weight="nn.init.xavier_normal_(module.weight)"),
    "fixed small std": _init(weight="nn.init.normal_(module.weight, std=0.01)"),
    "biases not zeroed": _init(bias="pass"),
    "crashes on layers without bias": _init(bias="nn.init.zeros_(module.bias)"),
    "zeroes batchnorm too": _code("""
        def init_weights(module):
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
    """),
    "batchnorm reset to ones and zeros": _code("""
        def init_weights(module):
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
    """),
    "loops over module.modules() (re-initialises what a container holds)": _code("""
        def init_weights(module):
            for m in module.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
    """),
}

# ---------------------------------------------------------------- exercise 4: freeze_except
_FREEZE_OK = [
    _code("""
        def freeze_except(model, trainable):
            keep = set()
            for name, child in model.named_children():
                if name in trainable:
                    keep |= {id(p) for p in child.parameters()}
            total = 0
            for p in model.parameters():
                p.requires_grad = id(p) in keep
                total += p.numel() if p.requires_grad else 0
            return total
    """),
    _code("""
        def freeze_except(model, trainable):
            for name, p in model.named_parameters():
                p.requires_grad_(name.split(".", 1)[0] in trainable)
            return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    """),
]

_FREEZE_MISTAKES = {
    "returns a 0-dim tensor": _code("""
        def freeze_except(model, trainable):
            model.requires_grad_(False)
            for name, child in model.named_children():
                if name in trainable:
                    child.requires_grad_(True)
            counts = [p.numel() for p in model.parameters() if p.requires_grad]
            return torch.tensor(counts, dtype=torch.int64).sum()
    """),
    "freezes the named children instead": _code("""
        def freeze_except(model, trainable):
            model.requires_grad_(True)
            for name, child in model.named_children():
                if name in trainable:
                    child.requires_grad_(False)
            return sum(p.numel() for p in model.parameters() if p.requires_grad)
    """),
    "requires_grad attribute on the module": _code("""
        def freeze_except(model, trainable):
            for name, child in model.named_children():
                child.requires_grad = name in trainable
            return sum(p.numel() for p in model.parameters() if p.requires_grad)
    """),
    "counts frozen parameters too": _code("""
        def freeze_except(model, trainable):
            model.requires_grad_(False)
            for name, child in model.named_children():
                if name in trainable:
                    child.requires_grad_(True)
            return sum(p.numel() for p in model.parameters())
    """),
    "counts tensors instead of elements": _code("""
        def freeze_except(model, trainable):
            model.requires_grad_(False)
            for name, child in model.named_children():
                if name in trainable:
                    child.requires_grad_(True)
            return len([p for p in model.parameters() if p.requires_grad])
    """),
    "string prefix matches head2 for head": _code("""
        def freeze_except(model, trainable):
            for name, p in model.named_parameters():
                p.requires_grad_(any(name.startswith(t) for t in trainable))
            return sum(p.numel() for p in model.parameters() if p.requires_grad)
    """),
    "only freezes, never unfreezes": _code("""
        def freeze_except(model, trainable):
            for name, child in model.named_children():
                if name not in trainable:
                    child.requires_grad_(False)
            return sum(p.numel() for p in model.parameters() if p.requires_grad)
    """),
    "parameters on the model itself stay trainable": _code("""
        def freeze_except(model, trainable):
            for name, child in model.named_children():
                child.requires_grad_(name in trainable)
            return sum(p.numel() for p in model.parameters() if p.requires_grad)
    """),
}

# ---------------------------------------------------------------- exercise 5: capture_output
_CAPTURE_OK = [
    _code("""
        def capture_output(model, layer, x):
            store = {}
            handle = layer.register_forward_hook(
                lambda module, args, output: store.update(out=output.detach().clone())
            )
            try:
                model(x)
            finally:
                handle.remove()
            return store["out"]
    """),
    _code("""
        def capture_output(model, layer, x):
            class Catcher:
                value = None

                def __call__(self, module, inputs, output):
                    self.value = output

            catcher = Catcher()
            handle = layer.register_forward_hook(catcher)
            with handle:
                with torch.no_grad():
                    model(x)
            return catcher.value
    """),
]

_CAPTURE_MISTAKES = {
    "hook never removed": _code("""
        def capture_output(model, layer, x):
            outputs = []
            layer.register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
            model(x)
            return outputs[-1]
    """),
    "hook not removed when forward raises": _code("""
        def capture_output(model, layer, x):
            outputs = []
            handle = layer.register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
            model(x)
            handle.remove()
            return outputs[-1]
    """),
    "calls model.forward, skipping hooks on the model": _code("""
        def capture_output(model, layer, x):
            outputs = []
            handle = layer.register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
            try:
                model.forward(x)
            finally:
                handle.remove()
            return outputs[-1]
    """),
    "not detached": _code("""
        def capture_output(model, layer, x):
            outputs = []
            handle = layer.register_forward_hook(lambda m, i, o: outputs.append(o))
            try:
                model(x)
            finally:
                handle.remove()
            return outputs[-1]
    """),
    "switches the model to eval": _code("""
        def capture_output(model, layer, x):
            outputs = []
            handle = layer.register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
            model.eval()
            try:
                with torch.no_grad():
                    model(x)
            finally:
                handle.remove()
            return outputs[-1]
    """),
    "returns the hook's input": _code("""
        def capture_output(model, layer, x):
            outputs = []
            handle = layer.register_forward_hook(lambda m, i, o: outputs.append(i[0].detach()))
            try:
                model(x)
            finally:
                handle.remove()
            return outputs[-1]
    """),
    "swallows the error": _code("""
        def capture_output(model, layer, x):
            outputs = []
            handle = layer.register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
            try:
                model(x)
            except Exception:
                pass
            finally:
                handle.remove()
            return outputs[-1] if outputs else None
    """),
    "runs the model twice (a warm-up run first)": _code("""
        def capture_output(model, layer, x):
            store = {}
            model(x)  # warm-up run
            handle = layer.register_forward_hook(
                lambda m, i, o: store.__setitem__("out", o.detach()))
            try:
                model(x)
            finally:
                handle.remove()
            return store["out"]
    """),
}

# ---------------------------------------------------------------- exercise 6: rename_keys
_RENAME_OK = [
    _code("""
        def rename_keys(state_dict, renames):
            out = OrderedDict()
            for key, value in state_dict.items():
                parts = key.split(".")
                for i in range(len(parts), 0, -1):
                    prefix = ".".join(parts[:i])
                    if prefix in renames:
                        key = ".".join([renames[prefix], *parts[i:]])
                        break
                out[key] = value
            return out
    """),
    _code("""
        import re
        def rename_keys(state_dict, renames):
            def new_name(key):
                for old, new in renames.items():
                    match = re.match(re.escape(old) + r"(\\.|$)", key)
                    if match:
                        return new + key[len(old):]
                return key
            return {new_name(k): v for k, v in state_dict.items()}
    """),
    _code("""
        def rename_keys(state_dict, renames):
            def new_name(key):
                head, dot, tail = key, "", ""
                while head:
                    if head in renames:
                        return renames[head] + dot + tail
                    head, dot, rest = head.rpartition(".")
                    tail = rest + ("." + tail if tail else "")
                    dot = "."
                return key
            return type(state_dict)((new_name(k), v) for k, v in state_dict.items())
    """),
]

_RENAME_MISTAKES = {
    "clones the tensors": _code("""
        def rename_keys(state_dict, renames):
            result = {}
            for key, value in state_dict.items():
                for old, new in renames.items():
                    if key == old or key.startswith(old + "."):
                        key = new + key[len(old):]
                        break
                result[key] = value.clone()
            return result
    """),
    "renames again by a later rule": _code("""
        def rename_keys(state_dict, renames):
            result = dict(state_dict)
            for old, new in renames.items():
                result = {
                    (new + k[len(old):] if k == old or k.startswith(old + ".") else k): v
                    for k, v in result.items()
                }
            return result
    """),
    "plain startswith renames 10 for 1": _code("""
        def rename_keys(state_dict, renames):
            result = {}
            for key, value in state_dict.items():
                for old, new in renames.items():
                    if key.startswith(old):
                        key = new + key[len(old):]
                        break
                result[key] = value
            return result
    """),
    "str.replace anywhere in the key": _code("""
        def rename_keys(state_dict, renames):
            result = {}
            for key, value in state_dict.items():
                for old, new in renames.items():
                    key = key.replace(old + ".", new + ".")
                result[key] = value
            return result
    """),
    "drops keys that match nothing": _code("""
        def rename_keys(state_dict, renames):
            result = {}
            for key, value in state_dict.items():
                for old, new in renames.items():
                    if key == old or key.startswith(old + "."):
                        result[new + key[len(old):]] = value
            return result
    """),
    "changes the state_dict in place": _code("""
        def rename_keys(state_dict, renames):
            for key in list(state_dict):
                for old, new in renames.items():
                    if key == old or key.startswith(old + "."):
                        state_dict[new + key[len(old):]] = state_dict.pop(key)
                        break
            return state_dict
    """),
}

# ---------------------------------------------------------------- exercise 7: DigitCNN
_CNN_BODY = """
        class DigitCNN(nn.Module):
            def __init__(self, c1=8, c2=16, dropout=0.25):
                super().__init__()
                self.features = {container}(
                    {{
                        "conv1": nn.Conv2d(1, c1, kernel_size=3, padding=1),
                        "bn1": nn.BatchNorm2d(c1),
                        "pool": nn.MaxPool2d(2),
                        "conv2": nn.Conv2d(c1, c2, kernel_size=3),
                    }}
                )
                self.head = nn.Sequential(
                    nn.Flatten(), nn.Dropout(dropout), nn.Linear({flat}, 10)
                )

            def forward(self, x):
                f = self.features
                {body}
                return {out}

            def predict(self, x):
{predict}
"""
_GOOD_BODY = (
    'x = f["pool"](torch.relu(f["bn1"](f["conv1"](x))))\n'
    '                x = torch.relu(f["conv2"](x))'
)
_GOOD_PREDICT = """\
                was_training = self.training
                self.eval()
                with torch.no_grad():
                    y = self(x).argmax(dim=1)
                self.train(was_training)
                return y"""


def _cnn(
    container="nn.ModuleDict",
    flat="c2 * 2 * 2",
    body=_GOOD_BODY,
    out="self.head(x)",
    predict=_GOOD_PREDICT,
):
    return _code(
        _CNN_BODY.format(container=container, flat=flat, body=body, out=out, predict=predict)
    )


_CNN_OK = [
    _code("""
        class DigitCNN(nn.Module):
            def __init__(self, c1=8, c2=16, dropout=0.25):
                super().__init__()
                self.features = nn.ModuleDict()
                self.features["conv1"] = nn.Conv2d(1, c1, 3, 1, 1)
                self.features["bn1"] = nn.BatchNorm2d(c1)
                self.features["pool"] = nn.MaxPool2d(kernel_size=2, stride=2)
                self.features["conv2"] = nn.Conv2d(c1, c2, 3)
                side = ((8 + 2 - 3) // 1 + 1) // 2 - 3 + 1
                self.head = nn.Sequential(
                    nn.Flatten(), nn.Dropout(p=dropout), nn.Linear(c2 * side * side, 10)
                )

            def forward(self, x):
                for name in ["conv1", "bn1"]:
                    x = self.features[name](x)
                x = self.features["pool"](F.relu(x))
                x = F.relu(self.features["conv2"](x))
                return self.head(x)

            @torch.no_grad()
            def predict(self, x):
                mode = self.training
                try:
                    return self.eval()(x).max(dim=1).indices
                finally:
                    self.train(mode)
    """),
    _cnn(
        predict="""\
                previous = self.training
                self.train(False)
                with torch.inference_mode():
                    logits = self.forward(x)
                self.train(previous)
                return torch.argmax(logits, 1).clone()"""
    ),
]

_CNN_MISTAKES = {
    "plain dict for features": _cnn(container="dict"),
    "flattened size from the wrong arithmetic": _cnn(flat="c2 * 4 * 4"),
    "relu before batchnorm": _cnn(
        body='x = f["pool"](f["bn1"](torch.relu(f["conv1"](x))))\n'
        '                x = torch.relu(f["conv2"](x))'
    ),
    "softmax in forward": _cnn(out="torch.softmax(self.head(x), dim=1)"),
    "predict without eval": _cnn(
        predict="""\
                with torch.no_grad():
                    return self(x).argmax(dim=1)"""
    ),
    "predict leaves the model in eval mode": _cnn(
        predict="""\
                self.eval()
                with torch.no_grad():
                    return self(x).argmax(dim=1)"""
    ),
    "predict without no_grad": _cnn(
        predict="""\
                was_training = self.training
                self.eval()
                y = self(x).argmax(dim=1)
                self.train(was_training)
                return y"""
    ),
    "predict always switches back to train": _cnn(
        predict="""\
                self.eval()
                with torch.no_grad():
                    y = self(x).argmax(dim=1)
                self.train()
                return y"""
    ),
}

CORRECT = {
    "conv_output_size": _CONV_OK,
    "mlp": _MLP_OK,
    "init_weights": _INIT_OK,
    "freeze_except": _FREEZE_OK,
    "capture_output": _CAPTURE_OK,
    "rename_keys": _RENAME_OK,
    "digit_cnn": _CNN_OK,
}

MISTAKES = {
    "conv_output_size": _CONV_MISTAKES,
    "mlp": _MLP_MISTAKES,
    "init_weights": _INIT_MISTAKES,
    "freeze_except": _FREEZE_MISTAKES,
    "capture_output": _CAPTURE_MISTAKES,
    "rename_keys": _RENAME_MISTAKES,
    "digit_cnn": _CNN_MISTAKES,
}

GRADING_MISTAKE = ("mlp", "python list of layers")

# Mistakes a reviewer found escaping as the student's own error, now named by the tests.
MISTAKES["conv_output_size"]["RuntimeError instead of ValueError"] = _code("""
    def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
        n = size + 2 * padding - dilation * (kernel - 1) - 1
        if n < 0:
            raise RuntimeError("too small")
        return n // stride + 1
""")
MISTAKES["mlp"]["empty hidden list not supported"] = _code("""
    class MLP(nn.Module):
        def __init__(self, in_features, hidden, out_features):
            super().__init__()
            self.first = nn.Linear(in_features, hidden[0])
            self.rest = nn.ModuleList(nn.Linear(a, b) for a, b in zip(hidden[:-1], hidden[1:]))
            self.last = nn.Linear(hidden[-1], out_features)

        def forward(self, x):
            x = F.relu(self.first(x))
            for layer in self.rest:
                x = F.relu(layer(x))
            return self.last(x)
""")
MISTAKES["mlp"]["a ReLU on the input, in place"] = _code("""
    class MLP(nn.Module):
        def __init__(self, in_features, hidden, out_features):
            super().__init__()
            sizes = [in_features, *hidden, out_features]
            self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

        def forward(self, x):
            x.relu_()
            for layer in self.layers[:-1]:
                x = torch.relu(layer(x))
            return self.layers[-1](x)
""")
MISTAKES["digit_cnn"]["predict restores the flag of the model only"] = _code('''
class DigitCNN(nn.Module):
    """A small CNN for 8x8 digits. x: (batch, 1, 8, 8) -> logits (batch, 10)."""

    def __init__(self, c1: int = 8, c2: int = 16, dropout: float = 0.25):
        super().__init__()
        self.features = nn.ModuleDict({
            "conv1": nn.Conv2d(1, c1, kernel_size=3, padding=1),  # 8x8 -> 8x8
            "bn1": nn.BatchNorm2d(c1),
            "pool": nn.MaxPool2d(2),  # 8x8 -> 4x4
            "conv2": nn.Conv2d(c1, c2, kernel_size=3),  # 4x4 -> 2x2
        })
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(c2 * 2 * 2, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features
        x = f["pool"](torch.relu(f["bn1"](f["conv1"](x))))
        x = torch.relu(f["conv2"](x))
        return self.head(x)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Predicted classes (batch,) int64: eval mode, no autograd, mode restored."""
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                return self(x).argmax(dim=1)
        finally:
            self.training = was_training
''')
MISTAKES["freeze_except"]["matches names at any depth"] = _code("""
    def freeze_except(model, trainable):
        model.requires_grad_(False)
        for name, module in model.named_modules():
            if name.split(".")[-1] in trainable:
                module.requires_grad_(True)
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
""")
MISTAKES["init_weights"]["every convolution (_ConvNd)"] = _init(
    types="(nn.modules.conv._ConvNd, nn.Linear)"
)
MISTAKES["init_weights"]["leaky_relu gain with a=0.2"] = _init(
    weight='nn.init.kaiming_normal_(module.weight, a=0.2, nonlinearity="leaky_relu")'
)
MISTAKES["init_weights"]["a new Parameter, not in place"] = _init(
    weight="module.weight = nn.Parameter(\n"
    "                    torch.randn_like(module.weight) * (2 / module.weight[0].numel()) ** 0.5)"
)

MISTAKES["freeze_except"]["counts a weight two children share twice"] = (
    "def freeze_except(model, trainable):\n"
    "    model.requires_grad_(False)\n"
    "    total = 0\n"
    "    for name, child in model.named_children():\n"
    "        if name in trainable:\n"
    "            child.requires_grad_(True)\n"
    "            total += sum(p.numel() for p in child.parameters())\n"
    "    return total"
)

MISTAKES["digit_cnn"]["registers a ReLU beside the parts asked for"] = _code('''
class DigitCNN(nn.Module):
    def __init__(self, c1: int = 8, c2: int = 16, dropout: float = 0.25):
        super().__init__()
        self.features = nn.ModuleDict({
            "conv1": nn.Conv2d(1, c1, kernel_size=3, padding=1),
            "bn1": nn.BatchNorm2d(c1),
            "pool": nn.MaxPool2d(2),
            "conv2": nn.Conv2d(c1, c2, kernel_size=3),
        })
        self.act = nn.ReLU()
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(c2 * 4, 10))

    def forward(self, x):
        f = self.features
        x = f["pool"](self.act(f["bn1"](f["conv1"](x))))
        return self.head(self.act(f["conv2"](x)))

    def predict(self, x):
        was_training = self.training
        self.eval()
        with torch.no_grad():
            out = self(x).argmax(dim=1)
        self.train(was_training)
        return out
''')
MISTAKES["digit_cnn"]["a BatchNorm2d with its own momentum"] = _code('''
class DigitCNN(nn.Module):
    def __init__(self, c1=8, c2=16, dropout=0.25):
        super().__init__()
        self.features = nn.ModuleDict({
            "conv1": nn.Conv2d(1, c1, kernel_size=3, padding=1),
            "bn1": nn.BatchNorm2d(c1, momentum=0.01),
            "pool": nn.MaxPool2d(2),
            "conv2": nn.Conv2d(c1, c2, kernel_size=3),
        })
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(c2 * 4, 10))

    def forward(self, x):
        f = self.features
        x = f["pool"](torch.relu(f["bn1"](f["conv1"](x))))
        return self.head(torch.relu(f["conv2"](x)))

    def predict(self, x):
        was = self.training
        self.eval()
        with torch.no_grad():
            out = self(x).argmax(1)
        self.train(was)
        return out
''')
