"""Probes of the Learning Types exercise (judged by :mod:`autograder.specs.learning_types`).

Each item is a pair ``<name>_forward(*args) -> L`` / ``<name>_backward(*args) -> gradient(s)``;
``SIGNATURES[name] = (args, ints)``: argument names in call order and those passed as int64
(``lam`` goes in as a Python float). Both results are kept as typed trees; every call gets its
own copies of the inputs, whose state afterwards is kept as ``after_<arg>``."""
import numpy as np

SIGNATURES = {
    "mse": (("y_hat", "y"), ()),
    "cross_entropy": (("logits", "labels"), ("labels",)),
    "autoencoder": (("x", "W_enc", "b_enc", "W_dec", "b_dec"), ()),
    "semi_supervised": (("logits_l", "labels", "logits_u", "lam"), ("labels",)),
    "reinforce": (("s", "a", "G", "W"), ("a",)),
    "huber": (("y_hat", "y"), ()),
}
SCALARS = ("lam",)


def _values(case, args, ints):
    return [case[a].astype(np.int64) if a in ints else float(case[a]) if a in SCALARS else case[a].copy()
            for a in args]


def loss_probe(name):
    args, ints = SIGNATURES[name]

    def probe(rec, case):
        rec.record("L", f"{name}_forward", *_values(case, args, ints))
        values = _values(case, args, ints)
        rec.record("grad", f"{name}_backward", *values)
        for a, v in zip(args, values):
            if isinstance(v, np.ndarray):
                rec.keep_input(f"after_{a}", v)
    return probe


PROBES = {name: loss_probe(name) for name in SIGNATURES}
