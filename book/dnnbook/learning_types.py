"""Helpers for the Learning Types chapter: analytic gradients, the toy data sets, the small
training loops and the figures the page shows.

The losses themselves come from ``autograder.reference.learning_types`` (the definitions the
exercise is graded against); this module adds what the page needs around them. Shapes follow the
course: row-vector batches, ``x`` (N, D), a layer ``x @ W + b`` with ``W`` (D, H), ``b`` (H,).
Every function is deterministic given its ``seed``, so the numbers on the page can be recomputed
by the chapter's tests.
"""
import numpy as np

from autograder.reference.learning_types import (  # noqa: F401  (re-exported)
    autoencoder_loss,
    cross_entropy,
    discounted_returns,
    encode,
    entropy,
    log_softmax,
    mse,
    reinforce_loss,
    semi_supervised_loss,
    softmax,
)

from .plots import new_figure

#: One colour per learning type, used by every figure of the chapter.
COLORS = {"supervised": "#1f77b4", "unsupervised": "#2ca02c", "semi": "#9467bd", "rl": "#d62728",
          "class0": "#1f77b4", "class1": "#ff7f0e", "class2": "#2ca02c", "unlabelled": "0.65"}


def _onehot(labels, C):
    return np.eye(C)[np.asarray(labels).astype(np.int64)]


# ------------------------------------------------------------------ analytic gradients
def mse_grad(y_hat, y):
    """∂L/∂ŷ of L = mean over all N·K entries of (ŷ − y)²: 2(ŷ − y)/(N·K), shape (N, K)."""
    return 2.0 * (y_hat - y) / y_hat.size


def cross_entropy_grad(logits, labels):
    """∂L/∂z of the mean softmax cross-entropy: (softmax(z) − onehot(labels)) / N, shape (N, C)."""
    return (softmax(logits) - _onehot(labels, logits.shape[1])) / logits.shape[0]


def autoencoder_grads(x, W_enc, b_enc, W_dec, b_dec):
    """(dW_enc (D, H), db_enc (H,), dW_dec (H, D), db_dec (D,)) of the mean squared
    reconstruction error of h = tanh(x @ W_enc + b_enc), x̂ = h @ W_dec + b_dec."""
    N, D = x.shape
    h = encode(x, W_enc, b_enc)
    delta_out = 2.0 * (h @ W_dec + b_dec - x) / (N * D)      # ∂L/∂x̂, (N, D)
    delta_h = (delta_out @ W_dec.T) * (1.0 - h * h)          # ∂L/∂(x @ W_enc + b_enc), (N, H)
    return x.T @ delta_h, delta_h.sum(0), h.T @ delta_out, delta_out.sum(0)


def entropy_grad(logits):
    """∂/∂z of the mean entropy of softmax(z) over the N rows: −q ⊙ (log q + H) / N, shape (N, C)."""
    logq = log_softmax(logits)
    q = np.exp(logq)
    H = -np.sum(q * logq, axis=1, keepdims=True)
    return -q * (logq + H) / logits.shape[0]


def reinforce_grad(s, a, G, W):
    """∂L/∂W of L = −Σ_t G_t log softmax(s_t @ W)[a_t]: sᵀ (G ⊙ (π − onehot(a))), shape (D, A)."""
    pi = softmax(s @ W)
    return s.T @ (G[:, None] * (pi - _onehot(a, W.shape[1])))


def worked_examples(seed=0):
    """The small inputs of the page's worked examples (one dict per learning type)."""
    rng = np.random.default_rng(seed)
    return {
        "mse": dict(y_hat=np.array([[0.5, 2.0], [1.5, -1.0], [0.0, 0.3]]),
                    y=np.array([[1.0, 2.0], [1.0, -0.5], [0.5, 0.0]])),
        "cross_entropy": dict(logits=np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 1.0], [-0.5, 2.5, 0.0]]),
                              labels=np.array([0, 2, 1, 0])),
        "autoencoder": dict(x=rng.normal(size=(4, 3)), W_enc=rng.normal(scale=0.5, size=(3, 2)),
                            b_enc=rng.normal(scale=0.1, size=2), W_dec=rng.normal(scale=0.5, size=(2, 3)),
                            b_dec=rng.normal(scale=0.1, size=3)),
        "semi": dict(logits_l=np.array([[1.5, -0.5], [0.2, 0.4]]), labels=np.array([0, 1]),
                     logits_u=np.array([[0.1, -0.1], [2.0, -2.0], [-0.4, 1.8]]), lam=0.5),
        "reinforce": dict(s=np.eye(3)[[0, 2, 1, 0]], a=np.array([0, 1, 1, 2]), r=np.array([1.0, 0.0, 1.0, 0.0]),
                          gamma=0.9, W=np.zeros((3, 3))),
    }


# ------------------------------------------------------------------ sequential vs parallel
def dense_layer(x, W, b):
    """A feed-forward layer on a batch: tanh(x @ W + b); x (N, D) -> (N, H). One matrix product."""
    return np.tanh(x @ W + b)


def rnn_layer(x, W_x, W_h, b):
    """A vanilla RNN over one sequence x (T, D): h_t = tanh(x_t @ W_x + h_{t−1} @ W_h + b), h_0 = 0.
    Returns all hidden states, shape (T, H). Step t needs h_{t−1}: the loop cannot be parallelised."""
    h = np.zeros(W_h.shape[0])
    out = []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ W_x + h @ W_h + b)
        out.append(h)
    return np.array(out)


def dependence(f, x, eps=1e-6):
    """dep[i, j] = ‖∂ f(x)[i] / ∂ x[j]‖ by forward differences: which output rows depend on which
    input rows. ``x`` (T, D), ``f(x)`` (T, H); returns (T, T)."""
    y0 = f(x)
    dep = np.zeros((y0.shape[0], x.shape[0]))
    for j in range(x.shape[0]):
        for d in range(x.shape[1]):
            xp = x.copy()
            xp[j, d] += eps
            dep[:, j] += np.sum(((f(xp) - y0) / eps) ** 2, axis=1)
    return np.sqrt(dep)


def processing_example(T=8, D=3, H=4, seed=0):
    """Inputs and weights shared by the sequential/parallel example: dict of arrays."""
    rng = np.random.default_rng(seed)
    return dict(x=rng.normal(size=(T, D)), W=rng.normal(size=(D, H)) * 0.8, b=rng.normal(size=H) * 0.1,
                W_h=rng.normal(size=(H, H)) * 0.6)


# ------------------------------------------------------------------ supervised
def blobs(n_per_class=60, seed=0):
    """Three Gaussian blobs in 2-D: X (3n, 2), integer labels y (3n,)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
    X = np.vstack([c + rng.normal(scale=0.9, size=(n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    return X, y


def train_softmax_regression(X, y, eta=0.5, steps=200, C=3):
    """Gradient descent on the mean cross-entropy of logits X @ W + b, from zero weights.
    Returns W (D, C), b (C,) and the loss before every step, shape (steps,)."""
    W, b = np.zeros((X.shape[1], C)), np.zeros(C)
    losses = []
    for _ in range(steps):
        z = X @ W + b
        losses.append(cross_entropy(z, y))
        dz = cross_entropy_grad(z, y)                 # δ = ∂L/∂z, (N, C)
        W -= eta * X.T @ dz
        b -= eta * dz.sum(0)
    return W, b, np.array(losses)


# ------------------------------------------------------------------ unsupervised
def curve_data(n=150, seed=0):
    """2-D points near a curved 1-D manifold: X (n, 2)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1.5, 1.5, size=n)
    return np.column_stack([t, 0.6 * np.sin(1.6 * t)]) + rng.normal(scale=0.06, size=(n, 2))


def train_autoencoder(X, H=1, eta=0.2, steps=3000, seed=0):
    """Gradient descent on the reconstruction loss of a 2 → H → 2 tanh autoencoder.
    Returns the parameters (W_enc, b_enc, W_dec, b_dec) and the loss before every step."""
    rng = np.random.default_rng(seed)
    D = X.shape[1]
    params = [rng.normal(scale=0.5, size=(D, H)), np.zeros(H), rng.normal(scale=0.5, size=(H, D)), np.zeros(D)]
    losses = []
    for _ in range(steps):
        losses.append(autoencoder_loss(X, *params))
        for p, g in zip(params, autoencoder_grads(X, *params)):
            p -= eta * g
    return params, np.array(losses)


def reconstruct(X, W_enc, b_enc, W_dec, b_dec):
    return encode(X, W_enc, b_enc) @ W_dec + b_dec


# ------------------------------------------------------------------ semi-supervised
def semi_data(n_per_class=100, seed=0):
    """Two tall clusters separated by a vertical gap, and ONE labelled point per class placed so
    that the labelled points alone suggest a tilted boundary.
    Returns X_l (2, 2), y_l (2,), X_u (2n, 2), y_u (2n,) (y_u only to measure accuracy)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n_per_class, 2)) * [0.5, 1.6] + [-1.6, 0.0]
    B = rng.normal(size=(n_per_class, 2)) * [0.5, 1.6] + [1.6, 0.0]
    X_l = np.array([[-1.2, 2.2], [1.2, -2.2]])
    return X_l, np.array([0, 1]), np.vstack([A, B]), np.repeat([0, 1], n_per_class)


def train_semi_supervised(lam, eta=0.5, steps=500, seed=0):
    """Gradient descent on cross-entropy(labelled) + λ·mean entropy(unlabelled) for the linear
    classifier logits = x @ W + b (W (2, 2), b (2,)), from zero weights.
    Returns W, b and a dict of the final loss terms and the accuracy on the unlabelled points."""
    X_l, y_l, X_u, y_u = semi_data(seed=seed)
    W, b = np.zeros((2, 2)), np.zeros(2)
    for _ in range(steps):
        zl, zu = X_l @ W + b, X_u @ W + b
        dzl = cross_entropy_grad(zl, y_l)                  # (N_l, 2)
        dzu = lam * entropy_grad(zu)                       # (N_u, 2)
        W -= eta * (X_l.T @ dzl + X_u.T @ dzu)
        b -= eta * (dzl.sum(0) + dzu.sum(0))
    zl, zu = X_l @ W + b, X_u @ W + b
    info = dict(ce=cross_entropy(zl, y_l), entropy=float(np.mean(entropy(zu))),
                loss=semi_supervised_loss(zl, y_l, zu, lam), accuracy=float(np.mean(zu.argmax(1) == y_u)))
    return W, b, info


def draw_semi(lam, ax=None):
    """Scatter of the semi-supervised data with the boundary learned for ``lam``; returns the Figure."""
    X_l, y_l, X_u, y_u = semi_data()
    W, b, info = train_semi_supervised(lam)
    if ax is None:
        fig, (ax,) = new_figure(1, figsize=(5.6, 3.6))
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.88)
    else:
        fig = ax.figure
    gx, gy = np.meshgrid(np.linspace(-4, 4, 121), np.linspace(-4.5, 4.5, 121))
    z = np.column_stack([gx.ravel(), gy.ravel()]) @ W + b
    q = softmax(z)[:, 1].reshape(gx.shape)
    ax.contourf(gx, gy, q, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.25)
    ax.contour(gx, gy, q, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(*X_u.T, s=8, color=COLORS["unlabelled"], label="unlabelled")
    for c, marker in [(0, "o"), (1, "s")]:
        ax.scatter(*X_l[y_l == c].T, s=90, marker=marker, color=COLORS[f"class{c}"], edgecolor="k",
                   zorder=3, label=f"labelled, class {c}")
    ax.set(xlim=(-4, 4), ylim=(-4.5, 4.5), xlabel="x₁", ylabel="x₂",
           title=f"λ = {lam:.2g}: accuracy on the unlabelled points {100 * info['accuracy']:.0f}%")
    ax.legend(loc="lower left", fontsize=9)
    return fig


# ------------------------------------------------------------------ reinforcement
def chain_optimal_q(n_states=6, gamma=0.9):
    """Exact Q*(s, a) of the chain: states 0..n−1, actions 0 = left, 1 = right, reward 1 on
    reaching the last state (terminal). Shape (n − 1, 2), one row per non-terminal state."""
    Q = np.zeros((n_states - 1, 2))
    last = n_states - 2                               # the state next to the goal
    for s in range(n_states - 1):
        Q[s, 1] = gamma ** (last - s)                 # right, then right all the way
        Q[s, 0] = gamma * gamma ** (last - max(s - 1, 0))   # left (wall at 0), then optimal
    return Q


def q_learning_chain(n_states=6, gamma=0.9, alpha=0.5, epsilon=0.3, episodes=200, seed=0):
    """Tabular Q-learning with ε-greedy exploration on the chain of :func:`chain_optimal_q`.
    Returns the learned Q (n − 1, 2) and the number of steps each episode took, shape (episodes,)."""
    rng = np.random.default_rng(seed)
    Q = np.zeros((n_states - 1, 2))
    lengths = []
    for _ in range(episodes):
        s, steps = 0, 0
        while True:
            a = int(rng.integers(2)) if rng.random() < epsilon else int(np.argmax(Q[s]) if Q[s, 0] != Q[s, 1]
                                                                         else rng.integers(2))
            s2 = max(s - 1, 0) if a == 0 else s + 1
            done = s2 == n_states - 1
            r = 1.0 if done else 0.0
            target = r if done else r + gamma * Q[s2].max()
            Q[s, a] += alpha * (target - Q[s, a])     # move Q(s, a) towards the Bellman target
            s, steps = s2, steps + 1
            if done:
                break
        lengths.append(steps)
    return Q, np.array(lengths)


def bandit_episode(W, rng, T=5):
    """One episode of the contextual bandit: T random contexts (one-hot rows, D = A = 3),
    actions sampled from softmax(s @ W); reward 1 when the action equals the context's index.
    Returns s (T, 3), a (T,), r (T,)."""
    ctx = rng.integers(3, size=T)
    s = np.eye(3)[ctx]
    pi = softmax(s @ W)                                            # (T, 3)
    a = (rng.random((T, 1)) > np.cumsum(pi, axis=1)[:, :-1]).sum(axis=1)   # a_t ~ π(·|s_t)
    return s, a, (a == ctx).astype(np.float64)


def train_reinforce(eta, episodes=300, gamma=0.9, T=5, seed=0, baseline=False, eta_v=0.1):
    """REINFORCE on the contextual bandit: after each episode W ← W − η ∂L/∂W with
    L = −Σ_t (G_t − V(s_t)) log π(a_t|s_t). Without ``baseline`` V = 0; with it V(s_t) = s_t v is
    learned alongside, v ← v + η_v Σ_t s_tᵀ (G_t − V(s_t)) (the average return that followed
    each context). Returns the final W and the mean reward of every episode."""
    rng = np.random.default_rng(seed)
    W = np.zeros((3, 3))
    v = np.zeros(3)
    rewards = []
    for _ in range(episodes):
        s, a, r = bandit_episode(W, rng, T)
        G = discounted_returns(r, gamma)
        advantage = G - s @ v if baseline else G
        W -= eta * reinforce_grad(s, a, advantage, W)
        if baseline:
            v += eta_v * s.T @ (G - s @ v)
        rewards.append(r.mean())
    return W, np.array(rewards)


def gradient_spread(gamma, baseline, T=5):
    """The REINFORCE gradient of one episode at the start (W = 0, every action has π = 1/3), over
    every one of the 9**T equally likely episodes (contexts and actions): returns the length of
    its expected value and its spread, sqrt(E‖g − E g‖²). With ``baseline`` each return has the
    average return under this policy subtracted (by symmetry the same for every context)."""
    seqs = np.array(np.meshgrid(*[np.arange(3)] * T, indexing="ij")).reshape(T, -1).T   # (3**T, T)
    ctx, act = np.repeat(seqs, len(seqs), axis=0), np.tile(seqs, (len(seqs), 1))     # (9**T, T)
    G = np.stack([discounted_returns(r, gamma) for r in (ctx == act).astype(np.float64)])
    if baseline:
        G = G - G.mean()
    g = np.zeros((len(ctx), 3, 3))
    for t in range(T):               # row s_t of g gets G_t (π − onehot(a_t)), as in reinforce_grad
        np.add.at(g, (np.arange(len(ctx)), ctx[:, t]), G[:, t:t + 1] * (1 / 3 - np.eye(3)[act[:, t]]))
    mean = g.mean(axis=0)
    return float(np.linalg.norm(mean)), float(np.sqrt(np.mean(np.sum((g - mean) ** 2, axis=(1, 2)))))


def reinforce_curves(etas, runs=8, episodes=300, seed=0):
    """Mean reward per episode, averaged over ``runs`` seeds, for each learning rate: (len(etas), episodes)."""
    return np.array([[train_reinforce(eta, episodes, seed=seed + k)[1] for k in range(runs)]
                     for eta in etas]).mean(axis=1)


# ------------------------------------------------------------------ the gamma^t factor of REINFORCE
def discount_example(gamma=0.5, seed=0):
    """A two-step episode small enough to enumerate: fixed state features s (2, D) at t = 0, 1,
    a linear-softmax policy softmax(s_t W) over 2 actions, reward R[t, a_t]. Returns a dict with
    the expected discounted return J(W) = sum_t gamma^t E[r_t] as a function, and the exact
    expectation over all four action sequences of the REINFORCE surrogate's gradient, with and
    without the gamma^t factor (gradients of -sum_t w_t G_t log pi(a_t|s_t), w_t = gamma^t or 1)."""
    rng = np.random.default_rng(seed)
    s, W, R = rng.normal(size=(2, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2, 2))

    def probs(W_):
        z = s @ W_
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)          # (2 steps, 2 actions)

    def J(W_):
        return float(sum(gamma ** t * probs(W_)[t] @ R[t] for t in range(2)))

    pi = probs(W)
    expected = {"with": np.zeros_like(W), "without": np.zeros_like(W)}
    for a0 in range(2):
        for a1 in range(2):
            a = np.array([a0, a1])
            p = pi[0, a0] * pi[1, a1]                      # probability of this episode
            r = R[[0, 1], a]
            G = discounted_returns(r, gamma)
            expected["with"] += p * reinforce_grad(s, a, gamma ** np.arange(2) * G, W)
            expected["without"] += p * reinforce_grad(s, a, G, W)
    return {"s": s, "W": W, "R": R, "J": J, "expected": expected, "gamma": gamma}
