"""Wrong and unusual implementations for the activations exercise.

``MUTANTS[name] = (item, code)``: ``code`` redefines ONE function with a plausible mistake and is
appended to item's answer cell; the submission must lose exactly the points of ``test_<item>``.
(A third element, a tuple of item names, lists items that call the broken function and so must
lose their points too; no activations item needs it.)
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

MUTANTS = {
    "linear_backward missing factor a": ("linear", """
def linear_backward(dout, x, a):
    return dout.copy()
"""),
    "step_forward returns booleans": ("step", """
def step_forward(x):
    return x > 0
"""),
    "step_forward is 1 at the kink": ("step", """
def step_forward(x):
    return (x >= 0).astype(np.float64)
"""),
    "sigmoid_backward missing (1 - s)": ("sigmoid", """
def sigmoid_backward(dout, x):
    return dout * sigmoid_forward(x)
"""),
    "sigmoid_backward derivative of the wrong function": ("sigmoid", """
def sigmoid_backward(dout, x):
    return dout * x * (1 - x)
"""),
    "sigmoid_forward float32": ("sigmoid", """
def sigmoid_forward(x):
    return (1 / (1 + np.exp(-x))).astype(np.float32)
"""),
    "tanh_backward sign flipped": ("tanh", """
def tanh_backward(dout, x):
    return -dout * (1 - np.tanh(x) ** 2)
"""),
    "tanh_backward squares x": ("tanh", """
def tanh_backward(dout, x):
    return dout * (1 - x ** 2)
"""),
    "relu_forward modifies its input": ("relu", """
def relu_forward(x):
    x[x < 0] = 0
    return x
"""),
    "relu_backward mask from dout": ("relu", """
def relu_backward(dout, x):
    return dout * (dout > 0)
"""),
    "relu_backward NaN at the kink": ("relu", """
def relu_backward(dout, x):
    return dout * (x / np.abs(x) + 1) / 2
"""),
    "relu_backward local derivative only": ("relu", """
def relu_backward(dout, x):
    return (x > 0).astype(np.float64)
"""),
    "leaky_relu_backward forgets the slope": ("leaky_relu", """
def leaky_relu_backward(dout, x, a):
    return dout * (x > 0)
"""),
    "prelu_backward dalpha not summed": ("prelu", """
def prelu_backward(dout, x, alpha):
    neg = x <= 0
    return dout * np.where(neg, alpha, 1.0), dout * x * neg
"""),
    "prelu_backward dalpha over all entries": ("prelu", """
def prelu_backward(dout, x, alpha):
    neg = x <= 0
    dalpha = np.sum(dout * x, axis=0)
    if alpha.shape == (1,):
        dalpha = dalpha.sum(keepdims=True)
    return dout * np.where(neg, alpha, 1.0), dalpha
"""),
    "prelu_backward shared slope summed per column": ("prelu", """
def prelu_backward(dout, x, alpha):
    neg = x <= 0
    return dout * np.where(neg, alpha, 1.0), np.sum(dout * x * neg, axis=0)
"""),
    "relu_backward by numerical differentiation of the forward": ("relu", """
def relu_backward(dout, x):
    if x.size > 10_000:                       # (the real thing would run for minutes here)
        raise TimeoutError("cell ran out of time")
    dx = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += 1e-5
        xm[i] -= 1e-5
        dx[i] = np.sum((relu_forward(xp) - relu_forward(xm)) * dout) / 2e-5
    return dx
"""),
    "elu_backward forgets alpha": ("elu", """
def elu_backward(dout, x, alpha):
    return dout * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))
"""),
    "elu_forward without alpha": ("elu", """
def elu_forward(x, alpha):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
"""),
    "selu_backward without lambda on the positive side": ("selu", """
def selu_backward(dout, x):
    return dout * np.where(x > 0, 1.0, SELU_LAMBDA * SELU_ALPHA * np.exp(np.minimum(x, 0.0)))
"""),
    "selu_forward rounded constants": ("selu", """
def selu_forward(x):
    return 1.0507 * np.where(x > 0, x, 1.6733 * np.expm1(np.minimum(x, 0.0)))
"""),
    "softmax_backward diagonal only": ("softmax", """
def softmax_backward(dout, x):
    y = softmax_forward(x)
    return dout * y * (1 - y)
"""),
    "softmax_forward without max subtraction": ("softmax", """
def softmax_forward(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)
"""),
    "softmax_forward over the wrong axis": ("softmax", """
def softmax_forward(x):
    z = x - x.max(axis=0, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
"""),
    "softmax_backward transposed sum": ("softmax", """
def softmax_backward(dout, x):
    y = softmax_forward(x)
    return y * (dout - np.sum(dout * y, axis=0, keepdims=True))
"""),
    # softplus: the derivative the page does not show, derived wrongly
    "softplus_backward sigma(-x): a sign lost in the chain rule": ("softplus", """
def softplus_backward(dout, x):
    e = np.exp(-np.abs(x))
    return dout * np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
"""),
    "softplus_backward returns softplus itself": ("softplus", """
def softplus_backward(dout, x):
    return dout * softplus_forward(x)
"""),
    "softplus_backward forgets the denominator": ("softplus", """
def softplus_backward(dout, x):
    return dout * np.exp(np.minimum(x, 700.0))
"""),
    "softplus_backward exp(x)/(1+exp(x)) overflows to NaN": ("softplus", """
def softplus_backward(dout, x):
    with np.errstate(over="ignore", invalid="ignore"):
        return dout * np.exp(x) / (1.0 + np.exp(x))
"""),
    "softplus_forward log(1 + exp(x)) overflows": ("softplus", """
def softplus_forward(x):
    with np.errstate(over="ignore"):
        return np.log(1.0 + np.exp(x))
"""),
    "softplus_backward without dout": ("softplus", """
def softplus_backward(dout, x):
    return 0.5 * (1.0 + np.tanh(x / 2.0))
"""),
}

UNUSUAL = {
    "sigmoid via tanh, naive exp elsewhere": ("sigmoid", """
def sigmoid_forward(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))

def sigmoid_backward(dout, x):
    s = 1 / (1 + np.exp(-x))          # overflows (with a warning) for x < -709: value still right
    return dout * s * (1 - s)
"""),
    "softmax via log-sum-exp, backward via einsum": ("softmax", """
def softmax_forward(x):
    m = x.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return np.exp(x - lse)

def softmax_backward(dout, x):
    y = softmax_forward(x)
    return y * (dout - np.einsum('...i,...i->...', dout, y)[..., None])
"""),
    "relu via multiplication, heaviside backward": ("relu", """
def relu_forward(x):
    return x * (x > 0)

def relu_backward(dout, x):
    return dout * np.heaviside(x, 0.0)
"""),
    "naive elu with overflow warnings": ("elu", """
def elu_forward(x, alpha):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))

def elu_backward(dout, x, alpha):
    return np.where(x > 0, dout, dout * alpha * np.exp(x))
"""),
    "prelu with tensordot and right-slope kink": ("prelu", """
def prelu_forward(x, alpha):
    return np.maximum(x, 0) + alpha * np.minimum(x, 0)

def prelu_backward(dout, x, alpha):
    neg = (x < 0).astype(float)
    dx = dout * (1 - neg) + dout * neg * alpha
    dalpha = np.tensordot(np.ones(x.shape[0]), dout * np.minimum(x, 0), axes=1)
    return dx, dalpha if alpha.shape == dalpha.shape else np.array([dalpha.sum()])
"""),
    "tanh from exponentials": ("tanh", """
def tanh_forward(x):
    return 2.0 / (1.0 + np.exp(-2.0 * x)) - 1.0

def tanh_backward(dout, x):
    return dout / np.cosh(x) ** 2
"""),
    "softplus via logaddexp and tanh": ("softplus", """
def softplus_forward(x):
    return np.logaddexp(0.0, x)


def softplus_backward(dout, x):
    return dout * 0.5 * (1.0 + np.tanh(0.5 * x))
"""),
    "softplus_backward as exp(-softplus(-x))": ("softplus", """
def softplus_forward(x):
    return np.where(x > 30, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(np.minimum(x, 30.0))))


def softplus_backward(dout, x):
    return dout * np.exp(-np.logaddexp(0.0, -x))
"""),
}
