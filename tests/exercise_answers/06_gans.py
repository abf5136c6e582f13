"""Other correct answers and common mistakes for the exercises of lesson 06 (GANs).

Each code string is a whole answer cell. tests/test_exercises.py checks that every CORRECT answer
passes its exercise's tests and that every MISTAKE fails them.
"""

CORRECT = {
    "tanh_range": [
        """
def to_tanh_range(x):
    return (x - 0.5) / 0.5


def from_tanh_range(x):
    return x.mul(0.5).add(0.5)
""",
        """
def to_tanh_range(x):
    return torch.lerp(torch.full_like(x, -1.0), torch.ones_like(x), x)


def from_tanh_range(x):
    out = x.clone()
    out.add_(1).div_(2)
    return out
""",
    ],
    "make_generator": [
        """
class Generator(nn.Module):
    def __init__(self, z_dim, widths):
        super().__init__()
        sizes = [z_dim, *widths]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(sizes[-1], 64)

    def forward(self, z):
        x = z
        for layer in self.hidden:
            x = nn.functional.leaky_relu(layer(x), 0.2)
        return torch.tanh(self.out(x)).view(-1, 1, 8, 8)


def make_generator(z_dim, widths):
    return Generator(z_dim, widths)
""",
        """
def make_generator(z_dim, widths):
    model = nn.Sequential()
    for i, width in enumerate(widths):
        model.add_module(f"fc{i}", nn.Linear(z_dim if i == 0 else widths[i - 1], width))
        model.add_module(f"act{i}", nn.LeakyReLU(negative_slope=0.2))
    model.add_module("out", nn.Linear(widths[-1], 64))
    model.add_module("tanh", nn.Tanh())
    model.add_module("shape", nn.Unflatten(-1, (1, 8, 8)))
    return model
""",
    ],
    "make_discriminator": [
        """
class Discriminator(nn.Module):
    def __init__(self, widths, dropout):
        super().__init__()
        sizes = [64, *widths]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(sizes[-1], 1)
        self.p = dropout

    def forward(self, x):
        x = x.reshape(len(x), -1)
        for layer in self.hidden:
            x = nn.functional.dropout(layer(x), self.p, training=self.training)
            x = nn.functional.leaky_relu(x, 0.2)
        return self.out(x)


def make_discriminator(widths, dropout=0.3):
    return Discriminator(widths, dropout)
""",
        """
def make_discriminator(widths, dropout=0.3):
    blocks = [nn.Flatten()]
    for w_in, w_out in zip([64, *widths[:-1]], widths):
        blocks.append(nn.Sequential(nn.Linear(w_in, w_out), nn.LeakyReLU(0.2), nn.Dropout(dropout)))
    blocks.append(nn.Linear(widths[-1], 1))
    return nn.Sequential(*blocks)
""",
    ],
    "discriminator_step": [
        """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    with torch.no_grad():
        fake = G(z)
    opt_D.zero_grad()
    out_real = D(real)
    out_fake = D(fake)
    loss_real = loss_fn(out_real, torch.ones(out_real.shape))
    loss_fake = loss_fn(out_fake, torch.zeros(out_fake.shape))
    loss = loss_real + loss_fake
    loss.backward()
    opt_D.step()
    return float(loss.detach())
""",
        """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    fake = G(z).detach()
    logits = D(torch.cat([real, fake]))
    n = len(real)
    loss = loss_fn(logits[:n], torch.ones_like(logits[:n])) + loss_fn(
        logits[n:], torch.zeros_like(logits[n:]))
    for p in D.parameters():
        p.grad = None
    loss.backward()
    opt_D.step()
    return loss.item()
""",
    ],
    "generator_step": [
        """
def generator_step(G, D, z, opt_G, loss_fn):
    frozen = [p for p in D.parameters() if p.requires_grad]
    for p in frozen:
        p.requires_grad_(False)
    opt_G.zero_grad()
    out = D(G(z))
    loss = loss_fn(out, torch.ones(len(z), 1))
    loss.backward()
    opt_G.step()
    for p in frozen:  # only the ones this step froze
        p.requires_grad_(True)
    return loss.item()
""",
        """
def generator_step(G, D, z, opt_G, loss_fn):
    logits = D(G(z))
    loss = -torch.nn.functional.logsigmoid(logits).mean()
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return float(loss.detach())
""",
    ],
    "sample_grid": [
        """
def sample_grid(G, z, ncols):
    mode = G.training
    G.train(False)
    images = G(z).detach()
    G.train(mode)
    images = from_range(images)
    rows = [torch.cat(list(images[i:i + ncols, 0]), dim=1) for i in range(0, len(z), ncols)]
    return torch.cat(rows, dim=0)


def from_range(x):
    return (x + 1) * 0.5
""",
        """
def sample_grid(G, z, ncols):
    was_training = G.training
    G.eval()
    try:
        with torch.inference_mode():
            images = G(z).clone()
    finally:
        if was_training:
            G.train()
    images = (images.squeeze(1) + 1) / 2
    n, h, w = images.shape
    return torch.einsum("rchw->rhcw", images.view(n // ncols, ncols, h, w)).reshape(-1, ncols * w)
""",
    ],
    "quality_score": [
        """
def quality_score(logits):
    probs = logits.softmax(-1)
    conf, pred = probs.max(-1)
    hist = torch.zeros(logits.shape[1]).index_add_(0, pred, torch.ones(len(pred)))
    f = hist / hist.sum()
    nonzero = f[f > 0]
    return {
        "confidence": float(conf.mean()),
        "entropy": float(-(nonzero * nonzero.log()).sum() / math.log(2)),
        "covered": int(torch.count_nonzero(hist)),
    }
""",
        """
def quality_score(logits):
    pred = logits.argmax(dim=1)
    confidence = torch.exp(logits.log_softmax(dim=1).max(dim=1).values).mean().item()
    f = torch.stack([(pred == c).float().mean() for c in range(logits.shape[1])])
    entropy = -torch.special.xlogy(f, f).sum() / math.log(2)
    return {"confidence": confidence, "entropy": entropy.item(), "covered": (f > 0).sum().item()}
""",
        # one-hot histogram and a masked entropy, in float64
        """
def quality_score(logits):
    probs = torch.softmax(logits.double(), dim=-1)
    one_hot = nn.functional.one_hot(probs.argmax(dim=-1), logits.shape[-1]).double()
    f = one_hot.mean(dim=0)
    terms = torch.where(f > 0, -f * torch.log2(f.clamp_min(1e-300)), torch.zeros_like(f))
    return {"confidence": probs.amax(dim=-1).mean().item(), "entropy": terms.sum().item(),
            "covered": int((f > 0).sum().item())}
""",
    ],
    "train_step": [
        """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    with torch.no_grad():
        fake = G(z)
    total = 0.0
    for _ in range(d_steps):
        opt_D.zero_grad()
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.ones_like(r) * real_label) + loss_fn(f, torch.zeros_like(f))
        d_loss.backward()
        opt_D.step()
        total += float(d_loss.detach())
    opt_G.zero_grad()
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    g_loss.backward()
    opt_G.step()
    return total / d_steps, float(g_loss.detach())
""",
        """
def d_part(G, D, real, z, opt_D, loss_fn, real_label):
    fake = G(z).detach()
    logits = D(torch.cat([real, fake]))
    targets = torch.cat([torch.full((len(real), 1), real_label), torch.zeros(len(fake), 1)])
    r, f = logits[:len(real)], logits[len(real):]
    loss = loss_fn(r, targets[:len(real)]) + loss_fn(f, targets[len(real):])
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.detach()


def g_part(G, D, z, opt_G, loss_fn):
    out = D(G(z))
    loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return loss.item()


def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    d_losses = torch.stack([d_part(G, D, real, z, opt_D, loss_fn, real_label)
                            for _ in range(d_steps)])
    g_loss = g_part(G, D, z, opt_G, loss_fn)
    return d_losses.mean().item(), g_loss
""",
        """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z)
    d_losses = []
    for step in range(d_steps):
        real_logits, fake_logits = D(real), D(fake.detach())
        d_loss = (loss_fn(real_logits, torch.full(real_logits.shape, float(real_label)))
                  + loss_fn(fake_logits, torch.zeros(fake_logits.shape)))
        D.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    flags = [p.requires_grad for p in D.parameters()]
    D.requires_grad_(False)  # no gradients for D in the G step
    try:
        logits = D(fake)  # G has not changed: fake is still G(z)
        g_loss = loss_fn(logits, torch.ones_like(logits))
        opt_G.zero_grad()
        g_loss.backward()
        opt_G.step()
    finally:
        for p, flag in zip(D.parameters(), flags):
            p.requires_grad_(flag)
    return sum(d_losses) / len(d_losses), g_loss.item()
""",
    ],
}

MISTAKES = {
    "tanh_range": {
        "shift only": """
def to_tanh_range(x):
    return x - 0.5


def from_tanh_range(x):
    return x + 0.5
""",
        "rescale by the batch min and max": """
def to_tanh_range(x):
    return (x - x.min()) / (x.max() - x.min()) * 2 - 1


def from_tanh_range(x):
    return (x - x.min()) / (x.max() - x.min())
""",
        "in place on the input": """
def to_tanh_range(x):
    return x.mul_(2).sub_(1)


def from_tanh_range(x):
    return x.add_(1).div_(2)
""",
        "inverse not inverted": """
def to_tanh_range(x):
    return x * 2 - 1


def from_tanh_range(x):
    return x / 2 - 1
""",
    },
    "make_generator": {
        "ReLU instead of LeakyReLU": """
def make_generator(z_dim, widths):
    layers, width_in = [], z_dim
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.ReLU()]
        width_in = width
    layers += [nn.Linear(width_in, 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8))]
    return nn.Sequential(*layers)
""",
        "sigmoid output": """
def make_generator(z_dim, widths):
    layers, width_in = [], z_dim
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2)]
        width_in = width
    layers += [nn.Linear(width_in, 64), nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8))]
    return nn.Sequential(*layers)
""",
        "no tanh": """
def make_generator(z_dim, widths):
    layers, width_in = [], z_dim
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2)]
        width_in = width
    layers += [nn.Linear(width_in, 64), nn.Unflatten(1, (1, 8, 8))]
    return nn.Sequential(*layers)
""",
        "flat output": """
def make_generator(z_dim, widths):
    layers, width_in = [], z_dim
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2)]
        width_in = width
    layers += [nn.Linear(width_in, 64), nn.Tanh()]
    return nn.Sequential(*layers)
""",
        "default LeakyReLU slope": """
def make_generator(z_dim, widths):
    layers, width_in = [], z_dim
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU()]
        width_in = width
    layers += [nn.Linear(width_in, 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8))]
    return nn.Sequential(*layers)
""",
    },
    "make_discriminator": {
        "sigmoid output": """
def make_discriminator(widths, dropout=0.3):
    layers, width_in = [nn.Flatten()], 64
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
        width_in = width
    layers += [nn.Linear(width_in, 1), nn.Sigmoid()]
    return nn.Sequential(*layers)
""",
        "F.dropout left at its default training=True": """
class Discriminator(nn.Module):
    def __init__(self, widths, dropout):
        super().__init__()
        sizes = [64, *widths]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(sizes[-1], 1)
        self.p = dropout

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden:
            x = nn.functional.dropout(nn.functional.leaky_relu(layer(x), 0.2), self.p)
        return self.out(x)


def make_discriminator(widths, dropout=0.3):
    return Discriminator(widths, dropout)
""",
        "dropout after the first hidden layer only": """
def make_discriminator(widths, dropout=0.3):
    layers, width_in = [nn.Flatten()], 64
    for i, width in enumerate(widths):
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2)]
        if i == 0:
            layers.append(nn.Dropout(dropout))
        width_in = width
    layers.append(nn.Linear(width_in, 1))
    return nn.Sequential(*layers)
""",
        "one dropout before the last Linear": """
def make_discriminator(widths, dropout=0.3):
    layers, width_in = [nn.Flatten()], 64
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2)]
        width_in = width
    layers += [nn.Dropout(dropout), nn.Linear(width_in, 1)]
    return nn.Sequential(*layers)
""",
        "dropout probability ignored": """
def make_discriminator(widths, dropout=0.3):
    layers, width_in = [nn.Flatten()], 64
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2), nn.Dropout(0.3)]
        width_in = width
    layers.append(nn.Linear(width_in, 1))
    return nn.Sequential(*layers)
""",
        "no dropout": """
def make_discriminator(widths, dropout=0.3):
    layers, width_in = [nn.Flatten()], 64
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2)]
        width_in = width
    layers.append(nn.Linear(width_in, 1))
    return nn.Sequential(*layers)
""",
        "ReLU instead of LeakyReLU": """
def make_discriminator(widths, dropout=0.3):
    layers, width_in = [nn.Flatten()], 64
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.ReLU(), nn.Dropout(dropout)]
        width_in = width
    layers.append(nn.Linear(width_in, 1))
    return nn.Sequential(*layers)
""",
        "output squeezed to (N,)": """
def make_discriminator(widths, dropout=0.3):
    layers, width_in = [nn.Flatten()], 64
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
        width_in = width
    layers += [nn.Linear(width_in, 1), nn.Flatten(0)]
    return nn.Sequential(*layers)
""",
    },
    "discriminator_step": {
        "no detach": """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    fake = G(z)
    real_logits, fake_logits = D(real), D(fake)
    loss = (loss_fn(real_logits, torch.ones_like(real_logits))
            + loss_fn(fake_logits, torch.zeros_like(fake_logits)))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()
""",
        "labels swapped": """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    fake = G(z).detach()
    real_logits, fake_logits = D(real), D(fake)
    loss = (loss_fn(real_logits, torch.zeros_like(real_logits))
            + loss_fn(fake_logits, torch.ones_like(fake_logits)))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()
""",
        "no zero_grad": """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    fake = G(z).detach()
    real_logits, fake_logits = D(real), D(fake)
    loss = (loss_fn(real_logits, torch.ones_like(real_logits))
            + loss_fn(fake_logits, torch.zeros_like(fake_logits)))
    loss.backward()
    opt_D.step()
    return loss.item()
""",
        "only the real half": """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    real_logits = D(real)
    loss = loss_fn(real_logits, torch.ones_like(real_logits))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()
""",
        "labels sized by the real batch": """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    fake = G(z).detach()
    n = len(real)
    loss = loss_fn(D(real), torch.ones(n, 1)) + loss_fn(D(fake), torch.zeros(n, 1))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()
""",
        "returns a tensor": """
def discriminator_step(G, D, real, z, opt_D, loss_fn):
    fake = G(z).detach()
    real_logits, fake_logits = D(real), D(fake)
    loss = (loss_fn(real_logits, torch.ones_like(real_logits))
            + loss_fn(fake_logits, torch.zeros_like(fake_logits)))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss
""",
    },
    "generator_step": {
        "saturating loss": """
def generator_step(G, D, z, opt_G, loss_fn):
    logits = D(G(z))
    loss = -loss_fn(logits, torch.zeros_like(logits))
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return loss.item()
""",
        "label 0 for the fakes": """
def generator_step(G, D, z, opt_G, loss_fn):
    logits = D(G(z))
    loss = loss_fn(logits, torch.zeros_like(logits))
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return loss.item()
""",
        "detached fakes": """
def generator_step(G, D, z, opt_G, loss_fn):
    logits = D(G(z).detach())
    loss = loss_fn(logits, torch.ones_like(logits))
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return loss.item()
""",
        "no zero_grad": """
def generator_step(G, D, z, opt_G, loss_fn):
    logits = D(G(z))
    loss = loss_fn(logits, torch.ones_like(logits))
    loss.backward()
    opt_G.step()
    return loss.item()
""",
        "D stepped by hand too": """
def generator_step(G, D, z, opt_G, loss_fn):
    logits = D(G(z))
    loss = loss_fn(logits, torch.ones_like(logits))
    opt_G.zero_grad()
    D.zero_grad()
    loss.backward()
    opt_G.step()
    torch.optim.SGD(D.parameters(), lr=0.1).step()
    return loss.item()
""",
    },
    "sample_grid": {
        "dropout left on": """
def sample_grid(G, z, ncols):
    with torch.no_grad():
        images = (G(z) + 1) / 2
    n, _, h, w = images.shape
    return images.reshape(n // ncols, ncols, h, w).permute(0, 2, 1, 3).reshape(-1, ncols * w)
""",
        "G left in eval mode": """
def sample_grid(G, z, ncols):
    G.eval()
    with torch.no_grad():
        images = (G(z) + 1) / 2
    n, _, h, w = images.shape
    return images.reshape(n // ncols, ncols, h, w).permute(0, 2, 1, 3).reshape(-1, ncols * w)
""",
        "reshape without permute": """
def sample_grid(G, z, ncols):
    was_training = G.training
    G.eval()
    with torch.no_grad():
        images = (G(z) + 1) / 2
    G.train(was_training)
    n, _, h, w = images.shape
    return images.reshape(n // ncols * h, ncols * w)
""",
        "still in tanh range": """
def sample_grid(G, z, ncols):
    was_training = G.training
    G.eval()
    with torch.no_grad():
        images = G(z)
    G.train(was_training)
    n, _, h, w = images.shape
    return images.reshape(n // ncols, ncols, h, w).permute(0, 2, 1, 3).reshape(-1, ncols * w)
""",
        "keeps the graph": """
def sample_grid(G, z, ncols):
    was_training = G.training
    G.eval()
    images = (G(z) + 1) / 2
    G.train(was_training)
    n, _, h, w = images.shape
    return images.reshape(n // ncols, ncols, h, w).permute(0, 2, 1, 3).reshape(-1, ncols * w)
""",
    },
    "quality_score": {
        "Python loop over the images": """
def quality_score(logits):
    probs = torch.softmax(logits, dim=1)
    counts = [0] * logits.shape[1]
    top = 0.0
    for row in probs:
        counts[int(row.argmax())] += 1
        top += float(row.max())
    n = len(logits)
    seen = [k / n for k in counts if k > 0]
    return {"confidence": top / n, "entropy": -sum(f * math.log2(f) for f in seen),
            "covered": len(seen)}
""",
        "returns 0-dim tensors": """
def quality_score(logits):
    probs = torch.softmax(logits, dim=1)
    counts = torch.bincount(probs.argmax(dim=1), minlength=logits.shape[1])
    freq = counts[counts > 0].double() / len(logits)
    return {
        "confidence": probs.max(dim=1).values.mean(),
        "entropy": -(freq * torch.log2(freq)).sum(),
        "covered": (counts > 0).sum(),
    }
""",
        "natural log": """
def quality_score(logits):
    probs = torch.softmax(logits, dim=1)
    counts = torch.bincount(probs.argmax(dim=1), minlength=logits.shape[1])
    freq = counts[counts > 0].double() / len(logits)
    return {
        "confidence": probs.max(dim=1).values.mean().item(),
        "entropy": -(freq * torch.log(freq)).sum().item(),
        "covered": int((counts > 0).sum()),
    }
""",
        "entropy of the mean probabilities": """
def quality_score(logits):
    probs = torch.softmax(logits, dim=1)
    counts = torch.bincount(probs.argmax(dim=1), minlength=logits.shape[1])
    mean = probs.mean(dim=0)
    return {
        "confidence": probs.max(dim=1).values.mean().item(),
        "entropy": -(mean * torch.log2(mean)).sum().item(),
        "covered": int((counts > 0).sum()),
    }
""",
        "nan from 0 log 0": """
def quality_score(logits):
    probs = torch.softmax(logits, dim=1)
    counts = torch.bincount(probs.argmax(dim=1), minlength=logits.shape[1])
    freq = counts.double() / len(logits)
    return {
        "confidence": probs.max(dim=1).values.mean().item(),
        "entropy": -(freq * torch.log2(freq)).sum().item(),
        "covered": int((counts > 0).sum()),
    }
""",
        "confidence from logits": """
def quality_score(logits):
    probs = torch.softmax(logits, dim=1)
    counts = torch.bincount(probs.argmax(dim=1), minlength=logits.shape[1])
    freq = counts[counts > 0].double() / len(logits)
    return {
        "confidence": logits.max(dim=1).values.mean().item(),
        "entropy": -(freq * torch.log2(freq)).sum().item(),
        "covered": int((counts > 0).sum()),
    }
""",
        "covered counts every class with some probability": """
def quality_score(logits):
    probs = torch.softmax(logits, dim=1)
    counts = torch.bincount(probs.argmax(dim=1), minlength=logits.shape[1])
    freq = counts[counts > 0].double() / len(logits)
    return {
        "confidence": probs.max(dim=1).values.mean().item(),
        "entropy": -(freq * torch.log2(freq)).sum().item(),
        "covered": int((probs.sum(dim=0) > 0).sum()),
    }
""",
    },
    "train_step": {
        "D's gradients never cleared": """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        "D's gradients cleared once, before all the D steps": """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    opt_D.zero_grad()
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'returns the last D loss, not the mean': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return d_losses[-1], g_loss.item()
""",
        'd_steps ignored: one D step': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(1):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return d_losses[0], g_loss.item()
""",
        "G's target smoothed too": """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.full_like(out, real_label))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'two-sided smoothing: fakes labelled 1 - real_label': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = (loss_fn(r, torch.full_like(r, real_label))
                  + loss_fn(f, torch.full_like(f, 1 - real_label)))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'real_label ignored': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.ones_like(r)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'D stepped again in the G step': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    opt_D.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'G step before the D steps': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'saturating G loss': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    out = D(G(z))
    g_loss = -loss_fn(out, torch.zeros_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'G judged by the old D': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    out = D(G(z))  # computed before D's steps, then reused
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'freezes D for the G step and never unfreezes it': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    D.requires_grad_(False)
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return sum(d_losses) / d_steps, g_loss.item()
""",
        'freezes D for the G step, then sets all its flags to True': """
def train_step(G, D, real, z, opt_G, opt_D, loss_fn, *, d_steps=1, real_label=1.0):
    fake = G(z).detach()
    d_losses = []
    for _ in range(d_steps):
        r, f = D(real), D(fake)
        d_loss = loss_fn(r, torch.full_like(r, real_label)) + loss_fn(f, torch.zeros_like(f))
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        d_losses.append(d_loss.item())
    D.requires_grad_(False)
    out = D(G(z))
    g_loss = loss_fn(out, torch.ones_like(out))
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    D.requires_grad_(True)
    return sum(d_losses) / d_steps, g_loss.item()
""",
    },
}

GRADING_MISTAKE = ("discriminator_step", "no detach")

# Mistakes that fail before any check can run; every other mistake fails an assertion.
EXPECTED_ERRORS = {
    # with more codes than real images, labels shaped like D(real) do not fit D(fake)
    ("discriminator_step", "labels sized by the real batch"): "ValueError",
    # D's step changed the weights that the old graph of D(fake) still needs for G's backward
    ("train_step", "G judged by the old D"): "RuntimeError",
}


# More answers and mistakes, each written from the student notebook's prompt alone.

CORRECT['sample_grid'].append(
    'def sample_grid(G, z, ncols):\n'
    '    was = G.training\n'
    '    G.eval()\n'
    '    with torch.no_grad():\n'
    '        x = (G(z) + 1) / 2\n'
    '    G.train(was)\n'
    '    N, _, H, W = x.shape\n'
    '    return x.reshape(N // ncols, ncols, H, W).permute(0, 2, 1, 3).reshape(N // n'
    'cols * H, ncols * W)'
)
CORRECT['sample_grid'].append(
    'def sample_grid(G, z, ncols):\n'
    '    was = G.training\n'
    '    try:\n'
    '        G.eval()\n'
    '        with torch.no_grad():\n'
    '            x = G(z).add(1).div(2)[:, 0]\n'
    '    finally:\n'
    '        G.train(was)\n'
    '    rows = [torch.cat(list(x[i:i + ncols]), dim=1) for i in range(0, len(x), ncols)]\n'
    '    return torch.cat(rows, dim=0)'
)
MISTAKES['sample_grid']['tiles in column-major order'] = (
    'def sample_grid(G, z, ncols):\n'
    '    was = G.training\n'
    '    G.eval()\n'
    '    with torch.no_grad():\n'
    '        x = (G(z) + 1) / 2\n'
    '    G.train(was)\n'
    '    N, _, H, W = x.shape\n'
    '    return x.reshape(ncols, N // ncols, H, W).permute(1, 2, 0, 3).reshape(N // n'
    'cols * H, ncols * W)'
)
MISTAKES['sample_grid']['clamps instead of rescaling'] = (
    'def sample_grid(G, z, ncols):\n'
    '    was = G.training\n'
    '    G.eval()\n'
    '    with torch.no_grad():\n'
    '        x = G(z).clamp(0, 1)\n'
    '    G.train(was)\n'
    '    N, _, H, W = x.shape\n'
    '    return x.reshape(N // ncols, ncols, H, W).permute(0, 2, 1, 3).reshape(N // n'
    'cols * H, ncols * W)'
)
CORRECT['discriminator_step'].append(
    'def discriminator_step(G, D, real, z, opt_D, loss_fn):\n'
    '    opt_D.zero_grad()\n'
    '    with torch.no_grad():\n'
    '        fake = G(z)\n'
    '    r = D(real); f = D(fake)\n'
    '    lr = loss_fn(r, torch.ones_like(r)); lf = loss_fn(f, torch.zeros_like(f))\n'
    '    lr.backward(); lf.backward()\n'
    '    opt_D.step()\n'
    '    return lr.item() + lf.item()'
)
MISTAKES['discriminator_step']['average of the two halves'] = (
    'def discriminator_step(G, D, real, z, opt_D, loss_fn):\n'
    '    fake = G(z).detach()\n'
    '    r = D(real); f = D(fake)\n'
    '    loss = (loss_fn(r, torch.ones_like(r)) + loss_fn(f, torch.zeros_like(f))) / 2\n'
    '    opt_D.zero_grad(); loss.backward(); opt_D.step()\n'
    '    return loss.item()'
)
CORRECT['discriminator_step'].append(
    'def discriminator_step(G, D, real, z, opt_D, loss_fn):\n'
    '    fake = G(z).detach()\n'
    '    logits = D(torch.cat([real, fake]))\n'
    '    n = len(real)\n'
    '    loss = loss_fn(logits[:n], torch.ones_like(logits[:n]))\n'
    '    loss = loss + loss_fn(logits[n:], torch.zeros_like(logits[n:]))\n'
    '    opt_D.zero_grad(); loss.backward(); opt_D.step()\n'
    '    return loss.item()'
)
CORRECT['generator_step'].append(
    'def generator_step(G, D, z, opt_G, loss_fn):\n'
    '    saved = {name: p.requires_grad for name, p in D.named_parameters()}\n'
    '    for p in D.parameters():\n'
    '        p.requires_grad_(False)\n'
    '    logits = D(G(z))\n'
    '    loss = loss_fn(logits, torch.ones_like(logits))\n'
    '    opt_G.zero_grad(); loss.backward(); opt_G.step()\n'
    '    for name, p in D.named_parameters():\n'
    '        p.requires_grad_(saved[name])\n'
    '    return loss.item()'
)
MISTAKES['generator_step']["D's logits under no_grad"] = (
    'def generator_step(G, D, z, opt_G, loss_fn):\n'
    '    fake = G(z)\n'
    '    with torch.no_grad():\n'
    '        logits = D(fake)\n'
    '    loss = loss_fn(logits, torch.ones_like(logits))\n'
    '    opt_G.zero_grad()\n'
    '    if loss.requires_grad:\n'
    '        loss.backward()\n'
    '    opt_G.step()\n'
    '    return loss.item()'
)
CORRECT['quality_score'].append(
    'def quality_score(logits):\n'
    '    p = logits.softmax(dim=1)\n'
    '    counts = torch.bincount(p.argmax(1), minlength=logits.shape[1])\n'
    '    f = counts[counts > 0].double() / len(logits)\n'
    "    return {'confidence': p.max(1).values.mean().item(), 'entropy': float(-(f * "
    "f.log2()).sum()), 'covered': int((counts > 0).sum())}"
)
MISTAKES['quality_score']['softmax over the images'] = (
    'def quality_score(logits):\n'
    '    p = logits.softmax(dim=0)\n'
    '    counts = torch.bincount(logits.argmax(1), minlength=logits.shape[1])\n'
    '    f = counts[counts > 0].double() / len(logits)\n'
    "    return {'confidence': p.max(1).values.mean().item(), 'entropy': float(-(f * "
    "f.log2()).sum()), 'covered': int((counts > 0).sum())}"
)
MISTAKES['quality_score']['covered as the number of classes'] = (
    'def quality_score(logits):\n'
    '    p = logits.softmax(dim=1)\n'
    '    counts = torch.bincount(p.argmax(1), minlength=logits.shape[1])\n'
    '    f = counts[counts > 0].double() / len(logits)\n'
    "    return {'confidence': p.max(1).values.mean().item(), 'entropy': float(-(f * "
    "f.log2()).sum()), 'covered': logits.shape[1]}"
)
CORRECT['tanh_range'].append(
    'def to_tanh_range(x):\n'
    '    return x.mul(2).sub(1)\n'
    'def from_tanh_range(x):\n'
    '    return x.add(1).mul(0.5)'
)
MISTAKES['tanh_range']['float32 result for float64'] = (
    'def to_tanh_range(x):\n'
    '    return (x * 2 - 1).float()\n'
    'def from_tanh_range(x):\n'
    '    return ((x + 1) / 2).float()'
)
CORRECT['make_generator'].append(
    'def make_generator(z_dim, widths):\n'
    '    dims = [z_dim] + list(widths)\n'
    '    layers = []\n'
    '    for a, b in zip(dims, dims[1:]):\n'
    '        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]\n'
    '    layers += [nn.Linear(dims[-1], 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8))]\n'
    '    return nn.Sequential(*layers)'
)
MISTAKES['make_generator']['hard-coded batch in view'] = (
    'def make_generator(z_dim, widths):\n'
    '    dims = [z_dim] + list(widths)\n'
    '    layers = []\n'
    '    for a, b in zip(dims, dims[1:]):\n'
    '        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]\n'
    '    body = nn.Sequential(*layers, nn.Linear(dims[-1], 64), nn.Tanh())\n'
    '    class G(nn.Module):\n'
    '        def __init__(self):\n'
    '            super().__init__(); self.body = body\n'
    '        def forward(self, z):\n'
    '            return self.body(z).view(5, 1, 8, 8)\n'
    '    return G()'
)
CORRECT['make_discriminator'].append(
    'def make_discriminator(widths, dropout=0.3):\n'
    '    class D(nn.Module):\n'
    '        def __init__(self):\n'
    '            super().__init__()\n'
    '            dims = [64] + list(widths)\n'
    '            self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))\n'
    '            self.out = nn.Linear(dims[-1], 1)\n'
    '        def forward(self, x):\n'
    '            x = x.flatten(1)\n'
    '            for layer in self.hidden:\n'
    '                x = nn.functional.leaky_relu(layer(x), 0.2)\n'
    '                x = nn.functional.dropout(x, dropout, self.training)\n'
    '            return self.out(x)\n'
    '    return D()'
)
MISTAKES['make_discriminator']['functional dropout always on'] = (
    'def make_discriminator(widths, dropout=0.3):\n'
    '    class D(nn.Module):\n'
    '        def __init__(self):\n'
    '            super().__init__()\n'
    '            dims = [64] + list(widths)\n'
    '            self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))\n'
    '            self.out = nn.Linear(dims[-1], 1)\n'
    '        def forward(self, x):\n'
    '            x = x.flatten(1)\n'
    '            for layer in self.hidden:\n'
    '                x = nn.functional.dropout(nn.functional.leaky_relu(layer(x), 0.2'
    '), dropout)\n'
    '            return self.out(x)\n'
    '    return D()'
)
EXPECTED_ERRORS[('make_generator', 'hard-coded batch in view')] = 'RuntimeError'

# From the fairness review: a mistake its prompt rules out, and a loop over the C classes.
MISTAKES['make_discriminator']['dropout on the flattened input too'] = (
    'def make_discriminator(widths, dropout=0.3):\n'
    '    layers, w_in = [nn.Flatten(), nn.Dropout(dropout)], 64\n'
    '    for w in widths:\n'
    '        layers += [nn.Linear(w_in, w), nn.LeakyReLU(0.2), nn.Dropout(dropout)]\n'
    '        w_in = w\n'
    '    layers.append(nn.Linear(w_in, 1))\n'
    '    return nn.Sequential(*layers)'
)
CORRECT['quality_score'].append(
    'import math\n'
    'def quality_score(logits):\n'
    '    p = logits.softmax(1)\n'
    '    pred = logits.argmax(1)\n'
    '    n, C = logits.shape\n'
    '    entropy, covered = 0.0, 0\n'
    '    for c in range(C):\n'
    '        frac = (pred == c).float().mean().item()\n'
    '        if frac > 0:\n'
    '            entropy -= frac * math.log2(frac)\n'
    '            covered += 1\n'
    '    return {"confidence": float(p.amax(1).mean()), "entropy": entropy, "covered": covered}'
)

# Networks left as they were found: requires_grad flags and train/eval mode.
CORRECT['generator_step'].append(
    "def generator_step(G, D, z, opt_G, loss_fn):\n"
    "    flags = [p.requires_grad for p in D.parameters()]\n"
    "    D.requires_grad_(False)  # no gradients for D this step\n"
    "    try:\n"
    "        logits = D(G(z))\n"
    "        loss = loss_fn(logits, torch.ones_like(logits))\n"
    "        opt_G.zero_grad()\n"
    "        loss.backward()\n"
    "        opt_G.step()\n"
    "    finally:\n"
    "        for p, flag in zip(D.parameters(), flags):\n"
    "            p.requires_grad_(flag)\n"
    "    return loss.item()\n"
)
MISTAKES['generator_step']['freezes D and never unfreezes it'] = (
    "def generator_step(G, D, z, opt_G, loss_fn):\n"
    "    for p in D.parameters():\n"
    "        p.requires_grad = False\n"
    "    opt_G.zero_grad()\n"
    "    out = D(G(z))\n"
    "    loss = loss_fn(out, torch.ones_like(out))\n"
    "    loss.backward()\n"
    "    opt_G.step()\n"
    "    return loss.item()\n"
)
MISTAKES['generator_step']['leaves D in eval mode'] = (
    "def generator_step(G, D, z, opt_G, loss_fn):\n"
    "    D.eval()\n"
    "    logits = D(G(z))\n"
    "    loss = loss_fn(logits, torch.ones_like(logits))\n"
    "    opt_G.zero_grad()\n"
    "    loss.backward()\n"
    "    opt_G.step()\n"
    "    return loss.item()\n"
)
MISTAKES['discriminator_step']['leaves G in eval mode'] = (
    "def discriminator_step(G, D, real, z, opt_D, loss_fn):\n"
    "    G.eval()\n"
    "    with torch.no_grad():\n"
    "        fake = G(z)\n"
    "    real_logits, fake_logits = D(real), D(fake)\n"
    "    loss = (loss_fn(real_logits, torch.ones_like(real_logits))\n"
    "            + loss_fn(fake_logits, torch.zeros_like(fake_logits)))\n"
    "    opt_D.zero_grad()\n"
    "    loss.backward()\n"
    "    opt_D.step()\n"
    "    return loss.item()\n"
)
MISTAKES['discriminator_step']['freezes G, then sets all its flags to True'] = (
    "def discriminator_step(G, D, real, z, opt_D, loss_fn):\n"
    "    G.requires_grad_(False)  # no gradients for G in the D step\n"
    "    fake = G(z)\n"
    "    real_logits, fake_logits = D(real), D(fake)\n"
    "    loss = (loss_fn(real_logits, torch.ones_like(real_logits))\n"
    "            + loss_fn(fake_logits, torch.zeros_like(fake_logits)))\n"
    "    opt_D.zero_grad()\n"
    "    loss.backward()\n"
    "    opt_D.step()\n"
    "    G.requires_grad_(True)\n"
    "    return loss.item()\n"
)
MISTAKES['generator_step']['freezes D, then sets all its flags to True'] = (
    "def generator_step(G, D, z, opt_G, loss_fn):\n"
    "    for p in D.parameters():\n"
    "        p.requires_grad_(False)\n"
    "    opt_G.zero_grad()\n"
    "    out = D(G(z))\n"
    "    loss = loss_fn(out, torch.ones(len(z), 1))\n"
    "    loss.backward()\n"
    "    opt_G.step()\n"
    "    for p in D.parameters():\n"
    "        p.requires_grad_(True)\n"
    "    return loss.item()\n"
)
MISTAKES['make_generator']['the tanh before the last Linear'] = """
def make_generator(z_dim, widths):
    layers, prev = [], z_dim
    for w in widths:
        layers += [nn.Linear(prev, w), nn.LeakyReLU(0.2)]
        prev = w
    layers += [nn.Tanh(), nn.Linear(prev, 64), nn.Unflatten(1, (1, 8, 8))]
    return nn.Sequential(*layers)
"""
