"""Other correct answers and common mistakes for the exercises of lesson 02 (autograd).

Each code string is a whole answer cell. tests/test_exercises.py checks that every CORRECT answer
passes its exercise's tests and that every MISTAKE fails them.
"""

CORRECT = {
    "mse_grads": [
        """
def mse_grads(X, y, w, b):
    y_hat = torch.einsum("nd,d->n", X, w) + b
    error = y_hat - y
    grad_w = (2 * error[:, None] * X).mean(dim=0)
    grad_b = (2 * error).mean()
    return grad_w, grad_b
""",
        """
def mse_grads(X, y, w, b):
    n = len(y)
    r = torch.addmv(b - y, X, w)
    return torch.mv(X.t(), r) * (2 / n), r.sum() * 2 / n
""",
        """
def mse_grads(X, y, w, b):
    r = torch.addmv(b - y, X, w)
    return 2 * torch.einsum("nd,n->d", X, r) / len(y), 2 * r.mean()
""",
    ],
    "grad_of": [
        """
def grad_of(f, x):
    x2 = x.detach().clone().requires_grad_()
    f(x2).backward()
    return x2.grad
""",
        """
def grad_of(f, x):
    with torch.enable_grad():
        leaf = torch.tensor(x.tolist(), dtype=x.dtype, requires_grad=True)
        return torch.autograd.grad(f(leaf), [leaf])[0].reshape(x.shape)
""",
    ],
    "vjp": [
        """
def vjp(f, x, v):
    leaf = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(leaf), leaf, grad_outputs=v)
    return g
""",
        """
def vjp(f, x, v):
    leaf = x.clone().requires_grad_(True)
    (f(leaf) * v).sum().backward()
    return leaf.grad.detach()
""",
        """
def vjp(f, x, v):
    x.requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, grad_outputs=v)
    return g
""",
        """
def vjp(f, x, v):
    x = x.detach().requires_grad_()
    (f(x) * v).sum().backward()
    return x.grad
""",
        """
def vjp(f, x, v):
    _, pullback = torch.func.vjp(f, x)
    return pullback(v)[0]
""",
    ],
    "sgd_step": [
        """
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-lr)
                p.grad.zero_()
""",
        """
def sgd_step(params, lr):
    optimizer = torch.optim.SGD(params, lr=lr)
    optimizer.step()
    optimizer.zero_grad()
""",
        """
def sgd_step(params, lr):
    for p in params:
        if p.grad is None:
            continue
        with torch.no_grad():
            p.copy_(p - lr * p.grad)
        p.grad = None
""",
    ],
    "stable_softmax": [
        """
def stable_softmax(x, dim=-1):
    return torch.exp(x - torch.logsumexp(x, dim=dim, keepdim=True))
""",
        """
def stable_softmax(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True).detach()  # any shift gives the same softmax
    e = (x - m).exp()
    total = e.sum(dim=dim, keepdim=True)
    return e * total.reciprocal()
""",
        """
def stable_softmax(x, dim=-1):
    return torch.exp(x - torch.logsumexp(x, dim=dim, keepdim=True))
""",
        """
def stable_softmax(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True).detach()
    e = (x - m).exp()
    return e / e.sum(dim=dim, keepdim=True)
""",
    ],
    "numerical_grad": [
        """
def numerical_grad(f, x, eps=1e-6):
    flat = x.detach().reshape(-1)
    out = []
    for i in range(flat.numel()):
        nudge = torch.zeros_like(flat)
        nudge[i] = eps
        up = f((flat + nudge).reshape(x.shape))
        down = f((flat - nudge).reshape(x.shape))
        out.append((up - down) / (2 * eps))
    return torch.stack(out).reshape(x.shape).to(x.dtype)
""",
        """
def numerical_grad(f, x, eps=1e-6):
    grad = torch.empty_like(x)
    for index in torch.cartesian_prod(*[torch.arange(n) for n in x.shape]).reshape(
        -1, x.dim()
    ).tolist():
        index = tuple(index)
        plus, minus = x.clone(), x.clone()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus).item() - f(minus).item()) / (2 * eps)
    return grad
""",
    ],
    "softplus": [
        """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        y = torch.logaddexp(beta * x, torch.zeros_like(x)) / beta
        ctx.save_for_backward(x)
        ctx.beta = beta
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = torch.where(
            x >= 0,
            1 / (1 + torch.exp(-ctx.beta * x.abs())),
            torch.exp(-ctx.beta * x.abs()) / (1 + torch.exp(-ctx.beta * x.abs())),
        )
        return s * grad_output, None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        out = F.softplus(x, beta=beta, threshold=1000.0)
        ctx.save_for_backward(out)
        ctx.beta = beta
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        # sigmoid(beta x) = 1 - exp(-beta softplus(x)), from the output alone
        return grad_output * -torch.expm1(-ctx.beta * out), None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
    ],
    "train_linear": [
        """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    model = torch.nn.Linear(X.shape[1], 1, bias=True).to(X.device, X.dtype)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    model.bias.requires_grad_(fit_bias)
    losses = []
    for _ in range(num_steps):
        model.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X).squeeze(1), y)
        losses.append(float(loss))
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                if p.requires_grad:
                    p -= lr * p.grad
    return model.weight.detach()[0], model.bias.detach()[0], losses
""",
        """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    params = torch.zeros(X.shape[1] + 1, dtype=X.dtype, device=X.device, requires_grad=True)
    mask = torch.ones_like(params)
    mask[-1] = float(fit_bias)
    losses = []
    for _ in range(num_steps):
        w, b = params[:-1], params[-1] * mask[-1]
        loss = (X @ w + b - y).pow(2).mean()
        losses.append(loss.detach().item())
        (grad,) = torch.autograd.grad(loss, params)
        with torch.no_grad():
            params -= lr * grad * mask
    params = params.detach()
    return params[:-1].clone(), params[-1].clone(), losses
""",
        """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = X.new_zeros(X.shape[1]).requires_grad_()
    b = X.new_zeros(()).requires_grad_(fit_bias)
    losses = []
    for _ in range(num_steps):
        loss = torch.nn.functional.mse_loss(X @ w + b, y)
        losses.append(float(loss))
        params = [w, b] if fit_bias else [w]
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
    return w.detach(), b.detach(), losses
""",
    ],
}

MISTAKES = {
    "mse_grads": {
        "forgets the factor 2": """
def mse_grads(X, y, w, b):
    r = X @ w + b - y
    return X.T @ r / len(y), r.mean()
""",
        "sums instead of averaging": """
def mse_grads(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r, 2 * r.sum()
""",
        "wrong sign (y - y_hat)": """
def mse_grads(X, y, w, b):
    r = y - (X @ w + b)
    return 2 * X.T @ r / len(y), 2 * r.mean()
""",
        "grad_b not reduced over the batch": """
def mse_grads(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), 2 * r / len(y)
""",
        "uses backward instead of the formula": """
def mse_grads(X, y, w, b):
    w = w.clone().requires_grad_()
    b = b.clone().requires_grad_()
    ((X @ w + b - y) ** 2).mean().backward()
    return w.grad, b.grad
""",
        'autograd inside enable_grad': """
def mse_grads(X, y, w, b):
    with torch.enable_grad():
        w = w.clone().requires_grad_()
        b = b.clone().requires_grad_()
        loss = ((X @ w + b - y) ** 2).mean()
        gw, gb = torch.autograd.grad(loss, (w, b))
    return gw, gb
""",
        'float64 whatever the input': """
def mse_grads(X, y, w, b):
    r = (X @ w + b - y).double()
    return 2 * X.T.double() @ r / len(y), 2 * r.mean()
""",
        'grad_b of shape (1,)': """
def mse_grads(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), (2 * r.mean()).reshape(1)
""",
    },
    "grad_of": {
        "backward into x itself": """
def grad_of(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad
""",
        "overwrites the caller's gradient": """
def grad_of(f, x):
    leaf = x if x.requires_grad else x.clone().requires_grad_()
    leaf.grad = None
    f(leaf).backward()
    grad = leaf.grad.clone()
    leaf.grad = None
    return grad
""",
        "result still attached (create_graph)": """
def grad_of(f, x):
    x = x.detach().requires_grad_()
    return torch.autograd.grad(f(x), x, create_graph=True)[0]
""",
        "clone without detach": """
def grad_of(f, x):
    copy = x.clone().requires_grad_()
    f(copy).backward()
    return copy.grad if copy.grad is not None else torch.zeros_like(x)
""",
    },
    "vjp": {
        "forgets gradient=": """
def vjp(f, x, v):
    x = x.detach().requires_grad_()
    f(x).backward()
    return x.grad
""",
        "gradient of ones instead of v": """
def vjp(f, x, v):
    x = x.detach().requires_grad_()
    y = f(x)
    y.backward(torch.ones_like(y))
    return x.grad
""",
        "multiplies by v after summing": """
def vjp(f, x, v):
    x = x.detach().requires_grad_()
    f(x).sum().backward()
    return x.grad * v.sum()
""",
        'builds the full Jacobian': """
def vjp(f, x, v):
    J = torch.autograd.functional.jacobian(f, x)
    out_dims = v.dim()
    return torch.tensordot(v, J, dims=out_dims)
""",
        'builds the full Jacobian with jacrev': """
def vjp(f, x, v):
    J = torch.func.jacrev(f)(x)
    return torch.tensordot(v, J, dims=v.dim())
""",
        'one backward per output element': """
def vjp(f, x, v):
    x = x.detach().requires_grad_()
    y = f(x).reshape(-1)
    total = torch.zeros_like(x)
    for i, vi in enumerate(v.reshape(-1)):
        (g,) = torch.autograd.grad(y[i], x, retain_graph=True)
        total += vi * g
    return total
""",
        'create_graph=True': """
def vjp(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, grad_outputs=v, create_graph=True)
    return g
""",
        "create_graph=True, then detaches the result": """
def vjp(f, x, v):
    xd = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(xd), xd, grad_outputs=v, create_graph=True)
    return g.detach()
""",
    },
    "sgd_step": {
        "gives a None gradient zeros": """
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            p -= lr * p.grad
            p.grad.zero_()
""",
        "forgets to clear the gradients": """
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad
""",
        "updates outside no_grad": """
def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p -= lr * p.grad
            p.grad = None
""",
        "rebinds instead of updating in place": """
def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p = (p - lr * p.grad).detach().requires_grad_()
            p.grad = None
""",
        "updates through .data": """
def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p.data -= lr * p.grad
            p.grad = None
""",
        "wrong sign": """
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p += lr * p.grad
                p.grad = None
""",
        "clears the gradient before using it": """
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.zero_()
                p -= lr * p.grad
""",
        "does not skip grad None": """
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
""",
        'returns the parameters': """
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad
                p.grad = None
    return params
""",
    },
    "stable_softmax": {
        "torch.special.softmax, softmax under another name": """
def stable_softmax(x, dim=-1):
    return torch.special.softmax(x, dim)
""",
        "softmin of -x": """
def stable_softmax(x, dim=-1):
    return F.softmin(-x, dim=dim)
""",
        "the aten operator": """
def stable_softmax(x, dim=-1):
    return torch.ops.aten.softmax.int(x, dim)
""",
        "the original in-place division": """
def stable_softmax(x, dim=-1):
    shifted = x - x.max(dim=dim, keepdim=True).values
    e = shifted.exp()
    e /= e.sum(dim=dim, keepdim=True)
    return e
""",
        "not shifted (overflows)": """
def stable_softmax(x, dim=-1):
    e = x.exp()
    return e / e.sum(dim=dim, keepdim=True)
""",
        "detaches the normaliser": """
def stable_softmax(x, dim=-1):
    e = (x - x.max(dim=dim, keepdim=True).values).exp()
    return e / e.sum(dim=dim, keepdim=True).detach()
""",
        "divides through .data": """
def stable_softmax(x, dim=-1):
    e = (x - x.max(dim=dim, keepdim=True).values).exp()
    e.data /= e.data.sum(dim=dim, keepdim=True)
    return e
""",
        "sums over the wrong dim": """
def stable_softmax(x, dim=-1):
    e = (x - x.max(dim=dim, keepdim=True).values).exp()
    return e / e.sum(dim=0, keepdim=True)
""",
        "calls torch.softmax": """
def stable_softmax(x, dim=-1):
    return torch.softmax(x, dim=dim)
""",
        'shifts by the global maximum': """
def stable_softmax(x, dim=-1):
    e = (x - x.max()).exp()
    return e / e.sum(dim=dim, keepdim=True)
""",
        'subtracts in place from x': """
def stable_softmax(x, dim=-1):
    with torch.no_grad():
        x -= x.max(dim=dim, keepdim=True).values
    e = x.exp()
    return e / e.sum(dim=dim, keepdim=True)
""",
        'exp(x - logsumexp) through F.log_softmax': """
def stable_softmax(x, dim=-1):
    return F.log_softmax(x, dim=dim).exp()
""",
        "subtracts in place from x when x needs no grad": """
def stable_softmax(x, dim=-1):
    with torch.no_grad():
        m = x.max(dim=dim, keepdim=True).values
    if not x.requires_grad:
        x -= m
        e = x.exp()
    else:
        e = (x - m).exp()
    return e / e.sum(dim=dim, keepdim=True)
""",
    },
    "numerical_grad": {
        "forward difference": """
def numerical_grad(f, x, eps=1e-6):
    x = x.detach().clone()
    grad = torch.zeros_like(x)
    base = float(f(x))
    for i in range(x.numel()):
        x.view(-1)[i] += eps
        grad.view(-1)[i] = (float(f(x)) - base) / eps
        x.view(-1)[i] -= eps
    return grad
""",
        "divides by eps instead of 2 eps": """
def numerical_grad(f, x, eps=1e-6):
    x = x.detach().clone()
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        old = x.view(-1)[i].item()
        x.view(-1)[i] = old + eps
        up = float(f(x))
        x.view(-1)[i] = old - eps
        down = float(f(x))
        x.view(-1)[i] = old
        grad.view(-1)[i] = (up - down) / eps
    return grad
""",
        "nudges every element at once": """
def numerical_grad(f, x, eps=1e-6):
    return ((f(x + eps) - f(x - eps)) / (2 * eps)) * torch.ones_like(x)
""",
        "leaves x nudged (no restore)": """
def numerical_grad(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    flat = x.view(-1)
    for i in range(flat.numel()):
        flat[i] += eps
        up = float(f(x))
        flat[i] -= 2 * eps
        down = float(f(x))
        grad.view(-1)[i] = (up - down) / (2 * eps)
    return grad
""",
        "uses autograd": """
def numerical_grad(f, x, eps=1e-6):
    x = x.detach().requires_grad_()
    return torch.autograd.grad(f(x), x)[0]
""",
        "ignores eps (a fixed step of 1e-6)": """
import numpy as np
def numerical_grad(f, x, eps=1e-6):
    h = 1e-6
    g = torch.empty_like(x)
    for idx in np.ndindex(*x.shape):
        e = torch.zeros_like(x)
        e[idx] = h
        g[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return g
""",
    },
    "softplus": {
        "a forward that forgets to divide by beta": """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.logaddexp(beta * x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(ctx.beta * x), None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        "naive forward (overflows)": """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.log(1 + torch.exp(beta * x)) / beta

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(ctx.beta * x), None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        "naive backward (nan for large x)": """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.logaddexp(beta * x, torch.zeros_like(x)) / beta

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        e = torch.exp(ctx.beta * x)
        return grad_output * e / (1 + e), None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        "ignores grad_output": """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.logaddexp(beta * x, torch.zeros_like(x)) / beta

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return torch.sigmoid(ctx.beta * x), None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        "extra factor beta in backward": """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.logaddexp(beta * x, torch.zeros_like(x)) / beta

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.beta * torch.sigmoid(ctx.beta * x), None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        "one gradient for two inputs": """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.logaddexp(beta * x, torch.zeros_like(x)) / beta

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(ctx.beta * x)


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        "forward forgets to divide by beta": """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.logaddexp(beta * x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.beta * torch.sigmoid(ctx.beta * x), None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
        'backward through F.softplus with autograd': """
class SoftplusFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return F.softplus(x, beta)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            t = x.detach().requires_grad_()
            (g,) = torch.autograd.grad(F.softplus(t, ctx.beta), t, grad_output)
        return g, None


def softplus(x, beta=1.0):
    return SoftplusFn.apply(x, beta)
""",
    },
    "train_linear": {
        "a frozen bias that still requires grad (it gets a gradient)": """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, device=X.device, requires_grad=True)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad = None
            if fit_bias:
                b -= lr * b.grad
                b.grad = None
    return w.detach(), b.detach(), losses
""",
        "forgets to clear the gradients": """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=fit_bias)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            if fit_bias:
                b -= lr * b.grad
    return w.detach(), b.detach(), losses
""",
        "records losses as tensors": """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=fit_bias)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss)
        loss.backward()
        with torch.no_grad():
            for p in [w, b] if fit_bias else [w]:
                p -= lr * p.grad
                p.grad = None
    return w.detach(), b.detach(), losses
""",
        "returns parameters that still require grad": """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=fit_bias)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in [w, b] if fit_bias else [w]:
                p -= lr * p.grad
                p.grad = None
    return w, b, losses
""",
        "records the loss after the update": """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=fit_bias)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in [w, b] if fit_bias else [w]:
                p -= lr * p.grad
                p.grad = None
            losses.append(((X @ w + b - y) ** 2).mean().item())
    return w.detach(), b.detach(), losses
""",
        "trains the bias even when frozen": """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=True)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in [w, b]:
                p -= lr * p.grad
                p.grad = None
    return w.detach(), b.detach(), losses
""",
        "updates outside no_grad": """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=fit_bias)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        w = w - lr * w.grad
        if fit_bias:
            b = b - lr * b.grad
    return w.detach(), b.detach(), losses
""",
        'hand-written gradient formulas': """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    losses = []
    for _ in range(num_steps):
        r = X @ w + b - y
        losses.append((r ** 2).mean().item())
        w = w - lr * 2 * X.T @ r / len(y)
        if fit_bias:
            b = b - lr * 2 * r.mean()
    return w, b, losses
""",
        'uses torch.optim.SGD': """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=fit_bias)
    optimizer = torch.optim.SGD([w, b] if fit_bias else [w], lr=lr)
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return w.detach(), b.detach(), losses
""",
        'float32 parameters for float64 data': """
def train_linear(X, y, *, lr, num_steps, fit_bias=True):
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=fit_bias)
    losses = []
    for _ in range(num_steps):
        loss = ((X.float() @ w + b - y.float()) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in [w, b] if fit_bias else [w]:
                p -= lr * p.grad
                p.grad = None
    return w.detach(), b.detach(), losses
""",
    },
}

# Mistakes that fail with PyTorch's own error at the student's line: as clear as any check.
EXPECTED_ERRORS = {
    ('vjp', 'forgets gradient='): 'RuntimeError',
    ('sgd_step', 'updates outside no_grad'): 'RuntimeError',
    ('softplus', 'one gradient for two inputs'): 'RuntimeError',
}

GRADING_MISTAKE = ("sgd_step", "forgets to clear the gradients")
