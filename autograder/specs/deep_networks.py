"""Checks of the deep-networks exercise (``solutions/deep_networks/deep_networks.ipynb``).

What the learner writes (row-vector batches; every array float64):

    Affine, Relu, Sigmoid, SoftmaxWithLoss   their chapter-6 layers (not graded on their own here:
                                             the network's checks use them)
    Tanh()              forward(x) -> tanh(x); backward(dout) -> dout·(1 − y²), y the stored output
    backprop(Ws, bs, acts, X, y) -> (loss, dWs, dbs)
                        the δ recursion on lists of arrays; acts: "relu" / "sigmoid" / "tanh"
    Network(layers)     layers: [Affine, act, Affine, act, …, Affine, SoftmaxWithLoss]
                        predict(X) -> logits (N, C): forward through every layer but the last
                        loss(X, t) -> mean cross-entropy; t integer labels (N,) or one-hot (N, C)
                        backward(dout=1.0) -> ∂L/∂X (N, D), after which every Affine holds dW, db
    init_weights(sizes, scheme, rng) -> [(W1, b1), …, (WL, bL)]
                        W_l (sizes[l-1], sizes[l]) with i.i.d. zero-mean entries of variance
                        2/fan_in ("he") or 2/(fan_in + fan_out) ("xavier"); b_l zeros

The probes (calls of the learner's code) are in :mod:`autograder.probes.deep_networks`; here are
the cases and the verdicts. Every gradient is compared with central differences (h = 1e-5,
float64) of the reference forward :mod:`autograder.reference.deep_networks`. The networks have
depths 1–5 with mixed activations, batches of one, one input feature, one-hot labels, and one
network with several hundred thousand parameters: a "backward" that differentiates the forward
numerically needs two forward passes per parameter (minutes to hours) and runs out of the
item's time, so there the checks compare the gradient at sampled entries and along random
directions (each a central difference of the reference loss).
"""
import numpy as np

from autograder.checks import Item
from autograder.gradcheck import H, numerical_gradient, numerical_gradient_array, numerical_gradient_at
from autograder.probes.deep_networks import ACTIVATIONS, PROBES, SCHEMES, targets
from autograder.reference import deep_networks as ref

#: Forward values and losses: correct code differs from the reference by rounding only (worst
#: over 30 hidden seeds: 0.0); the smallest mutant error on a value check is 8.6e-2.
TOL_FORWARD = 1e-9
#: Gradients vs central differences (h = 1e-5). Worst correct error over 30 hidden seeds: 4.8e-9
#: (Tanh), 3.3e-8 (networks of depth 1–5, every entry), 5.3e-8 (large network, sampled entries),
#: 9.1e-8 (large network, unit-length random directions). The smallest error of a wrong gradient
#: among the mutants: 0.71 at an entry, 9.5e-3 along a direction (db averaged over the batch: the
#: biases are a small part of a random direction).
TOL_GRAD = 1e-5
KINK_GAP = 1e-3
#: Entries per parameter array compared in the large network, and random directions.
SAMPLED_ENTRIES = 8
DIRECTIONS = 2
#: Statistical bounds of ``init``: a layer's sample std must be within SIGMAS standard errors
#: of the required std (the standard error of a sample std of n normal draws is σ/√(2n)), and its
#: mean within SIGMAS·σ/√n of 0. At 8 standard errors a correct implementation fails with
#: probability < 1e-14 per layer; only layers with at least MIN_ENTRIES weights are tested (there
#: the bound on the std is ≤ 12.6%, and every wrong variance among the mutants is ≥ 25% off).
#: Over 30 hidden seeds the solution used at most 46% of the std bound and 34% of the mean bound;
#: the closest wrong std (He without the factor 2) is 26 bounds away.
SIGMAS = 8.0
MIN_ENTRIES = 2000


# ------------------------------------------------------------------ Tanh
def _tanh_cases(rng, hidden):
    shapes = [(1, 4), (6, 3), (3, 7)] if hidden else [(4, 5)]
    xs = [rng.standard_normal(s) * 2.0 for s in shapes]
    # |x| in [400, 800]: tanh is ±1 (NumPy's tanh does not overflow; a formula with exp(2x) does)
    signs = np.where(np.arange(10).reshape(2, 5) % 2 == 0, 1.0, -1.0)       # both signs, always
    xs.append(signs * rng.uniform(400, 800, size=(2, 5)))
    return [dict(x=x, dout=rng.standard_normal(x.shape)) for x in xs]


def _tanh_verify(j, case):
    x, dout = case["x"], case["dout"]
    if not j.constructed("layer", "Tanh() can be created", "`Tanh()`"):
        return
    out = j.array("out", "Tanh.forward returns a float64 array shaped like x", x.shape, "`forward(x)`")
    if out is not None:
        j.close("Tanh.forward values", out, ref.tanh(x), TOL_FORWARD, hint_fn=lambda bad: (
            "NaN or inf for large |x|: use np.tanh, or a formula that never exponentiates a large "
            "positive number." if not np.all(np.isfinite(out)) else ""))
    dx = j.array("dx", "Tanh.backward returns dx shaped like x", x.shape, "`backward(dout)`")
    if dx is not None:
        num = numerical_gradient_array(ref.tanh, x.copy(), dout)
        y = np.tanh(x)
        j.gradient("Tanh.backward: dx matches the numerical gradient", dx, num, TOL_GRAD, dout=dout, x=x,
                   candidates=[(dout * (1 - x ** 2), "use the stored OUTPUT y = tanh(x): dx = dout·(1 − y²), not dout·(1 − x²)."),
                               (dout * (1 - y), "the derivative of tanh is 1 − y² (y squared), not 1 − y.")])
    j.unchanged("x_after_forward", x, "Tanh.forward leaves x unchanged")
    j.unchanged("x_after", x, "Tanh.backward leaves x unchanged")
    j.unchanged("dout_after", dout, "Tanh.backward leaves dout unchanged", "dout")


# ------------------------------------------------------------------ the network
#: (N, layer sizes [D, …, C], activation names, one-hot labels?) of the fixed cases.
HIDDEN_NETS = [
    (3, [4, 3], [], False),                                          # depth 1: no hidden layer
    (1, [3, 5, 2], ["Relu"], False),                                 # a batch of one, two classes
    (6, [1, 4, 6, 3], ["Tanh", "Sigmoid"], True),                    # one input feature, one-hot
    (5, [5, 3, 4, 6, 4], ["Relu", "Tanh", "Relu"], False),
    (4, [3, 6, 5, 4, 7, 5], ["Sigmoid", "Relu", "Tanh", "Relu"], True),   # depth 5
    (4, [300, 600, 600, 10], ["Tanh", "Sigmoid"], False),            # 547k parameters
]
VISIBLE_NETS = [
    (4, [3, 5], [], True),
    (5, [3, 6, 4, 3], ["Relu", "Tanh"], False),
    (3, [250, 500, 500, 5], ["Sigmoid", "Tanh"], False),             # 378k parameters
]
#: Networks with more parameters than this are checked at sampled entries and along directions.
LARGE = 5000


def _draw_net(rng, n, sizes, acts, onehot):
    depth = len(sizes) - 1
    while True:                                       # keep every ReLU input away from the kink
        X = rng.standard_normal((n, sizes[0]))
        Ws = [rng.standard_normal((a, b)) * np.sqrt(2.0 / a) for a, b in zip(sizes[:-1], sizes[1:])]
        bs = [rng.standard_normal(b) * 0.3 for b in sizes[1:]]
        Zs = ref.preactivations(Ws, bs, acts, X)
        if all(np.abs(Z).min() > KINK_GAP for Z, a in zip(Zs, acts) if a == "Relu"):
            break
    case = dict(X=X, y=rng.integers(0, sizes[-1], size=n).astype(np.float64),
                onehot=np.float64(onehot), depth=np.float64(depth),
                acts=np.array([ACTIVATIONS.index(a) for a in acts], dtype=np.float64),
                pick=np.float64(rng.integers(0, 2**31)))
    for l in range(depth):
        case[f"W{l}"], case[f"b{l}"] = Ws[l], bs[l]
    return case


#: The upstream gradient ``backward(dout)`` receives at the loss, per case (1: ``backward()``
#: with its default). A backward that ignores its ``dout`` fails the cases where it is not 1.
HIDDEN_DOUTS = [1.0, -0.7, 1.0, 3.0, 1.0, 0.5]
VISIBLE_DOUTS = [1.0, 2.5, 1.0]


def _network_cases(rng, hidden):
    layouts = list(HIDDEN_NETS if hidden else VISIBLE_NETS)
    douts = list(HIDDEN_DOUTS if hidden else VISIBLE_DOUTS)
    if hidden:                                        # plus one random architecture per seed
        depth = int(rng.integers(2, 6))
        sizes = [int(s) for s in rng.integers(1, 8, size=depth + 1)]
        sizes[-1] = max(sizes[-1], 2)
        acts = [ACTIVATIONS[int(i)] for i in rng.integers(0, 3, size=depth - 1)]
        layouts.append((int(rng.integers(1, 7)), sizes, acts, bool(rng.integers(0, 2))))
        douts.append(float(rng.choice([1.0, 2.0, -1.5])))
    cases = [_draw_net(rng, *layout) for layout in layouts]
    for case, dout in zip(cases, douts):
        case["dout"] = np.float64(dout)
    return cases


def _unpack(case):
    depth = int(case["depth"])
    Ws = [case[f"W{l}"].copy() for l in range(depth)]
    bs = [case[f"b{l}"].copy() for l in range(depth)]
    acts = [ACTIVATIONS[int(a)] for a in case["acts"]]
    return depth, Ws, bs, acts


def _describe(case):
    depth, Ws, _, acts = _unpack(case)
    sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
    parts = [str(sizes[0])]
    for l in range(depth):
        parts.append(f"Affine→{sizes[l + 1]}")
        if l < depth - 1:
            parts.append(acts[l])
    dout = float(case.get("dout", 1.0))
    call = "backward()" if dout == 1.0 else f"backward({dout:g})"
    return f"N = {case['X'].shape[0]}, depth {depth}: " + " → ".join(parts) + f" → SoftmaxWithLoss, {call}"


def _network_verify(j, case):
    depth, Ws, bs, acts = _unpack(case)
    X, t = case["X"], targets(case)
    n, c = X.shape[0], Ws[-1].shape[1]
    dout = float(case["dout"])
    name = _describe(case)
    n_params = sum(W.size + b.size for W, b in zip(Ws, bs))
    large = n_params > LARGE
    k = j.prefix + "build"
    if k in j.cap.errors:
        j.add(f"the layers can be created ({name})", False, j.cap.errors[k])
        return
    if not j.constructed("net", "Network(layers) can be created", "`Network(layers)`"):
        return
    scores = j.array("scores", "Network.predict returns the logits, shape (N, C)", (n, c), "`predict(X)`")
    if scores is not None:
        j.close(f"Network.predict: logits ({name})", scores, ref.logits(Ws, bs, acts, X), TOL_FORWARD,
                hint_fn=lambda bad: "predict runs every layer except the last (the SoftmaxWithLoss), in order.")
    loss = j.array("loss", "Network.loss returns a float64 scalar", (), "`loss(X, t)`")
    if loss is not None:
        j.close(f"Network.loss: mean cross-entropy ({name})", loss[None],
                np.array([ref.loss(Ws, bs, acts, X, t)]), TOL_FORWARD)

    # every parameter array and X, with the loss as a function of it: the reference forward from
    # layer l on, fed with the (unchanged) input of layer l
    def f_of(kind, l):
        A = ref.logits(Ws[:l], bs[:l], acts[:l], X) if kind != "X" else None

        def f(v):                                     # dout · L: backward(dout) scales every gradient
            if kind == "X":
                return dout * ref.loss(Ws, bs, acts, v, t)
            W2, b2 = list(Ws[l:]), list(bs[l:])
            if kind == "W":
                W2[0] = v
            else:
                b2[0] = v
            return dout * ref.loss(W2, b2, acts[l:], A, t)
        return f

    arrays = [("dX", "∂L/∂X (what backward returns)", X, f_of("X", 0))]
    for l in range(depth):
        arrays.append((f"dW{l}", f"dW of Affine layer {l + 1}", Ws[l], f_of("W", l)))
        arrays.append((f"db{l}", f"db of Affine layer {l + 1}", bs[l], f_of("b", l)))
    if j.prefix + "dX" in j.cap.errors:
        j.add(f"Network.backward runs ({name})", False, j.cap.errors[j.prefix + "dX"],
              hint="call `backward` of every layer in REVERSE order, starting with the loss layer: "
                   "each layer's backward receives what the layer after it returned.")
        return
    got = {}
    pick = np.random.default_rng(int(case["pick"]))
    for key, what, value, f in arrays:
        kind = "X" if key == "dX" else f"{key[1]}{int(key[2:]) + 1}"
        info = j.info(key)
        if key == "dX" and info and info.get("type") == "array" and tuple(info.get("shape", ())) != value.shape:
            j.add(f"{what} has the shape of X", False,
                  f"backward returned shape {tuple(info.get('shape', ()))}; ∂L/∂X has the shape of X, {value.shape}.",
                  hint="call `backward` of EVERY layer, the first Affine included, and return what the "
                       "first layer's backward returns.")
            continue
        g = j.array(key, f"{what} has the shape of {kind}", value.shape, what)
        if g is None:
            continue
        got[key] = (g, value, f)
        if large:
            idx = [tuple(int(i) for i in np.unravel_index(p, value.shape))
                   for p in pick.choice(value.size, size=min(SAMPLED_ENTRIES, value.size), replace=False)]
            num = numerical_gradient_at(f, value.copy(), idx)
            mine = np.array([g[i] for i in idx])
            j.gradient(f"Network.backward: {what} at {len(idx)} sampled entries ({name}, "
                       f"{n_params} parameters)", mine, num, TOL_GRAD)
        else:
            num = numerical_gradient(f, value.copy())
            cands = [(n * num, "the gradient is N times too large: the loss is a MEAN over the batch.")] if n > 1 else []
            if dout != 1.0:
                cands.append((num / dout, f"backward ignores its argument: pass `dout` (here {dout:g}) to "
                                          "the loss layer's backward, and each result to the layer before."))
            j.gradient(f"Network.backward: {what} ({name})", g, num, TOL_GRAD, candidates=cands)
    if large and len(got) == len(arrays):
        # directional derivatives: every entry of every gradient at once
        for d in range(DIRECTIONS):
            # a random direction of unit length: the step h·V stays h long, as for one entry
            V = {key: pick.standard_normal(value.shape) for key, (_, value, _) in got.items()}
            norm = np.sqrt(sum(float(np.sum(v ** 2)) for v in V.values()))
            V = {key: v / norm for key, v in V.items()}

            def along(s):
                W2 = [Ws[l] + s * V[f"dW{l}"] for l in range(depth)]
                b2 = [bs[l] + s * V[f"db{l}"] for l in range(depth)]
                return dout * ref.loss(W2, b2, acts, X + s * V["dX"], t)
            num = np.array([(along(H) - along(-H)) / (2 * H)])
            mine = np.array([sum(float(np.sum(g * V[key])) for key, (g, _, _) in got.items())])
            j.gradient(f"Network.backward: all gradients together, along random directions ({name})",
                       mine, num, TOL_GRAD)
    j.unchanged("X_after", X, "Network leaves X unchanged", "X")
    for l in range(depth):
        j.unchanged(f"W{l}_after", case[f"W{l}"], "Network leaves every W unchanged", f"W{l + 1}")
        j.unchanged(f"b{l}_after", case[f"b{l}"], "Network leaves every b unchanged", f"b{l + 1}")


# ------------------------------------------------------------------ the δ recursion in arrays
def _backprop_cases(rng, hidden):
    """Small networks only (every entry is checked); integer labels; ``backprop`` has no dout."""
    layouts = [(5, [3, 6, 4, 3], ["Relu", "Tanh"], False)] if not hidden else \
        [(3, [4, 3], [], False), (1, [3, 5, 2], ["Sigmoid"], False), (6, [1, 4, 6, 3], ["Tanh", "Relu"], False),
         (4, [3, 6, 5, 4, 7, 5], ["Sigmoid", "Relu", "Tanh", "Relu"], False)]
    return [_draw_net(rng, *layout) for layout in layouts]


def _backprop_verify(j, case):
    depth, Ws, bs, acts = _unpack(case)
    X, y = case["X"], case["y"].astype(np.int64)
    n = len(X)                       # the batch size
    name = _describe({**case, "dout": np.float64(1.0)}).replace(", backward()", "")
    if j.prefix + "res" in j.cap.errors:
        j.add(f"backprop returns (loss, dWs, dbs) ({name})", False, j.cap.errors[j.prefix + "res"])
        return
    loss = j.scalar("loss", "backprop: the loss is a float64 number", "the loss")
    if loss is not None:
        j.close(f"backprop: the loss is the mean cross-entropy ({name})", np.array([loss]),
                np.array([ref.loss(Ws, bs, acts, X, y)]), TOL_FORWARD)
    for l in range(depth):
        for kind, value in (("W", Ws[l]), ("b", bs[l])):
            g = j.array(f"d{kind}{l}", f"backprop: d{kind}s[{l}] has the shape of {kind}{l + 1}", value.shape,
                        f"d{kind}s[{l}]")
            if g is None:
                continue

            def f(v, kind=kind, l=l):
                W2, b2 = list(Ws), list(bs)
                (W2 if kind == "W" else b2)[l] = v
                return ref.loss(W2, b2, acts, X, y)
            num = numerical_gradient(f, value.copy())
            cands = [(n * num, "the gradient is N times too large: δ at the top is (Ŷ − T)/N.")] if n > 1 else []
            j.gradient(f"backprop: ∂L/∂{kind}{l + 1} matches the numerical gradient ({name})", g, num, TOL_GRAD,
                       candidates=cands)
    j.unchanged("X_after", X, "backprop leaves X unchanged", "X")
    for l in range(depth):
        j.unchanged(f"W{l}_after", case[f"W{l}"], "backprop leaves every W unchanged", f"W{l + 1}")


# ------------------------------------------------------------------ initialisation
HIDDEN_INITS = [
    ([1000, 250, 250, 250, 1], "he"),       # fan-in 4× fan-out; two square layers; one output unit
    ([100, 800, 50], "xavier"),             # fan-out 8× fan-in, then fan-in 16× fan-out
    ([2, 2000, 20], "he"),                  # two inputs: std 1
]
VISIBLE_INITS = [
    ([784, 200, 200, 10], "he"),
    ([50, 400, 100], "xavier"),
]


def _init_cases(rng, hidden):
    layouts = list(HIDDEN_INITS if hidden else VISIBLE_INITS)
    if hidden:
        sizes = [int(s) for s in rng.integers(20, 400, size=4)]
        layouts.append((sizes, SCHEMES[int(rng.integers(0, 2))]))
    return [dict(sizes=np.array(s, dtype=np.float64), scheme=np.float64(SCHEMES.index(sch)),
                 seed=np.float64(rng.integers(0, 2**31))) for s, sch in layouts]


def _init_verify(j, case):
    sizes = [int(s) for s in case["sizes"]]
    scheme = SCHEMES[int(case["scheme"])]
    desc = f"init_weights({sizes}, {scheme!r})"
    if j.prefix + "res" in j.cap.errors:
        j.add(f"{desc} returns a list of (W, b) pairs", False, j.cap.errors[j.prefix + "res"])
        return
    count = j.cap.arrays.get(j.prefix + "count")
    if count is None or int(count) != len(sizes) - 1:
        j.add(f"{desc} returns one (W, b) pair per layer", False,
              f"got {None if count is None else int(count)} pairs; expected {len(sizes) - 1}.")
        return
    Ws = []
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = j.array(f"W{l}", f"{desc}: W{l + 1} has shape (fan_in, fan_out)", (fan_in, fan_out), f"W{l + 1}")
        b = j.array(f"b{l}", f"{desc}: b{l + 1} has shape (fan_out,)", (fan_out,), f"b{l + 1}")
        if b is not None:
            j.add(f"{desc}: every bias starts at zero", bool(np.all(b == 0)),
                  "" if np.all(b == 0) else f"b{l + 1} has nonzero entries.")
        if W is None:
            continue
        Ws.append(W)
        if not np.all(np.isfinite(W)):
            j.add(f"{desc}: W{l + 1} is finite", False, f"W{l + 1} contains NaN or inf.")
            continue
        if fan_out > 1:
            distinct = np.unique(W, axis=1).shape[1] == fan_out
            j.add(f"{desc}: no two units of a layer start equal (columns of W differ)", distinct,
                  "" if distinct else f"W{l + 1} has identical columns: those units get identical "
                                      "gradients and stay equal forever (symmetric initialisation).")
        if W.size < MIN_ENTRIES:
            continue
        want = ref.init_std(fan_in, fan_out, scheme)
        s, m = float(W.std()), float(W.mean())
        tol = SIGMAS / np.sqrt(2 * W.size)
        err = abs(s / want - 1)
        hint = ""
        if err > tol:
            for other, msg in ((np.sqrt(2.0 / fan_out), "you used fan_out; He uses the number of INPUTS (fan_in = W.shape[0])."),
                               (np.sqrt(1.0 / fan_in), "that is Var = 1/fan_in (LeCun); He is 2/fan_in, Xavier 2/(fan_in + fan_out)."),
                               (2.0 / fan_in, "the VARIANCE is 2/fan_in; multiply by its square root, the standard deviation."),
                               (2.0 / (fan_in + fan_out), "the VARIANCE is 2/(fan_in + fan_out); multiply by its square root."),
                               (np.sqrt(2.0 / fan_in), "that is He's std √(2/fan_in); Xavier's is √(2/(fan_in + fan_out))."),
                               (np.sqrt(2.0 / (fan_in + fan_out)), "that is Xavier's std; He's is √(2/fan_in).")):
                if abs(s / other - 1) <= tol and abs(other / want - 1) > tol:
                    hint = msg
                    break
        j.add(f"{desc}: the std of W{l + 1} is the required one (within {SIGMAS:g} standard errors)",
              err <= tol, "" if err <= tol else f"W{l + 1} ({fan_in}×{fan_out}) has std {s:.4g}; "
              f"expected {want:.4g} (relative error {err:.3f} > {tol:.3f}).", error=err, tol=tol, hint=hint)
        mtol = SIGMAS * want / np.sqrt(W.size)
        j.add(f"{desc}: the mean of W{l + 1} is 0 (within {SIGMAS:g} standard errors)", abs(m) <= mtol,
              "" if abs(m) <= mtol else f"W{l + 1} has mean {m:.4g}; |mean| must be ≤ {mtol:.3g}.",
              error=abs(m) / want, tol=mtol / want)
    _rng_verify(j, desc, Ws)
    same = [(a, b) for a in range(len(Ws)) for b in range(a) if Ws[a].shape == Ws[b].shape
            and np.array_equal(Ws[a], Ws[b])]
    j.add(f"{desc}: the layers are drawn independently", not same,
          "" if not same else "two layers have identical weights: draw each layer from the same `rng`, "
                              "one after the other (do not re-create the generator per layer).")


def _rng_verify(j, desc, Ws):
    """The weights come from the given ``rng``: the same seed gives the same W1 (even after the
    global ``np.random`` moved on), another seed another W1."""
    if not Ws:
        return
    label = f"{desc}: the weights are drawn from the given rng (same seed, same weights)"
    for key, same in (("again", True), ("other", False)):
        if j.prefix + key in j.cap.errors:
            j.add(label, False, j.cap.errors[j.prefix + key])
            return
        W = j.numbers(f"{key}/W0")
        if W is None or W.shape != Ws[0].shape:
            j.add(label, False, "a second call of `init_weights` did not return the same layers.")
            return
        if same and not np.array_equal(W, Ws[0]):
            j.add(label, False, "two calls with generators of the same seed returned different W1.",
                  hint="draw with the generator you are given (`rng.standard_normal(shape)`), not with "
                       "`np.random.…` — the global generator is not seeded by `rng`.")
            return
        if not same and np.array_equal(W, Ws[0]):
            j.add(f"{desc}: the weights are drawn from the given rng (another seed, other weights)", False,
                  "generators of two different seeds gave the same W1.",
                  hint="use the `rng` argument; do not create a generator of your own with a fixed seed.")
            return
    j.add(label, True)
    j.add(f"{desc}: the weights are drawn from the given rng (another seed, other weights)", True)


ITEMS = {item.name: item for item in [
    Item("tanh_layer", ("Tanh",), _tanh_cases, PROBES["tanh_layer"], _tanh_verify),
    Item("backprop", ("backprop",), _backprop_cases, PROBES["backprop"], _backprop_verify),
    Item("network", ("Network", "Affine", "Relu", "Sigmoid", "Tanh", "SoftmaxWithLoss"),
         _network_cases, PROBES["network"], _network_verify),
    Item("init", ("init_weights",), _init_cases, PROBES["init"], _init_verify),
]}
