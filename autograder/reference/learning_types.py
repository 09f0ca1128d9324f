"""The objectives of the Learning Types chapter (forward only; the checks differentiate them).

Shapes (row-vector batches, as everywhere in the course):

* ``mse(y_hat, y)``: ``y_hat``, ``y`` of shape (N, K); L = (1 / (N·K)) Σ_{n,k} (ŷ_nk − y_nk)².
* ``cross_entropy(logits, labels)``: ``logits`` (N, C), integer ``labels`` (N,) in 0..C−1;
  L = −(1/N) Σ_n log softmax(logits_n)[labels_n].
* ``autoencoder_loss(x, W_enc, b_enc, W_dec, b_dec)``: ``x`` (N, D), ``W_enc`` (D, H), ``b_enc`` (H,),
  ``W_dec`` (H, D), ``b_dec`` (D,); h = tanh(x @ W_enc + b_enc), x̂ = h @ W_dec + b_dec,
  L = mse(x̂, x).
* ``semi_supervised_loss(logits_l, labels, logits_u, lam)``: ``logits_l`` (N_l, C) with labels (N_l,),
  ``logits_u`` (N_u, C) without; L = cross_entropy(logits_l, labels) + λ · mean_n H(softmax(logits_u_n)),
  H(p) = −Σ_c p_c log p_c (entropy minimisation).
* ``reinforce_loss(s, a, G, W)``: states ``s`` (T, D), integer actions ``a`` (T,), returns ``G`` (T,),
  policy weights ``W`` (D, A); π(·|s_t) = softmax(s_t @ W); L = −Σ_t G_t log π(a_t | s_t) (a sum
  over the episode, not a mean).
* ``discounted_returns(r, gamma)``: G_t = Σ_{k≥0} γ^k r_{t+k} for rewards ``r`` (T,).
"""
import numpy as np


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def log_softmax(z, axis=-1):
    """log softmax(z) along ``axis``, stable for any logits (log-sum-exp with the max subtracted)."""
    z = _f64(z)
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def softmax(z, axis=-1):
    return np.exp(log_softmax(z, axis))


def _pick(logp, labels):
    labels = np.asarray(labels).astype(np.int64)
    return logp[np.arange(logp.shape[0]), labels]


def mse(y_hat, y):
    """Mean of the squared differences over all N·K entries (no ½)."""
    d = _f64(y_hat) - _f64(y)
    return np.mean(d * d)


def huber(y_hat, y):
    """Huber loss with threshold 1, mean over all N·K entries: ½r² where |r| ≤ 1, |r| − ½ elsewhere,
    r = ŷ − y (DQN's loss: its gradient is the error clipped to [−1, 1])."""
    r = np.abs(_f64(y_hat) - _f64(y))
    return np.mean(np.where(r <= 1.0, 0.5 * r * r, r - 0.5))


def cross_entropy(logits, labels):
    """Softmax cross-entropy from logits (N, C) and integer labels (N,), mean over the batch."""
    return -np.mean(_pick(log_softmax(logits), labels))


def encode(x, W_enc, b_enc):
    return np.tanh(_f64(x) @ _f64(W_enc) + _f64(b_enc))


def autoencoder_loss(x, W_enc, b_enc, W_dec, b_dec):
    """Mean squared reconstruction error of a tanh encoder and a linear decoder."""
    x_hat = encode(x, W_enc, b_enc) @ _f64(W_dec) + _f64(b_dec)
    return mse(x_hat, x)


def entropy(logits):
    """Entropy of softmax(logits) per row, shape (N,); 0·log 0 counts as 0."""
    logp = log_softmax(logits)
    return -np.sum(np.exp(logp) * logp, axis=-1)


def semi_supervised_loss(logits_l, labels, logits_u, lam):
    """Labelled cross-entropy + λ · mean entropy of the predictions on the unlabelled batch."""
    return cross_entropy(logits_l, labels) + float(lam) * np.mean(entropy(logits_u))


def reinforce_loss(s, a, G, W):
    """REINFORCE surrogate −Σ_t G_t log π(a_t|s_t) of the linear softmax policy softmax(s @ W)."""
    logp = log_softmax(_f64(s) @ _f64(W))
    return -np.sum(_f64(G) * _pick(logp, a))


def discounted_returns(r, gamma):
    """G_t = r_t + γ·G_{t+1}, computed backwards from G_T = 0; shape of ``r``."""
    r = _f64(r)
    G = np.zeros_like(r)
    running = 0.0
    for t in reversed(range(r.shape[0])):
        running = r[t] + gamma * running
        G[t] = running
    return G
