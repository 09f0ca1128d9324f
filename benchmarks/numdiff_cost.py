"""What a backward that numerically differentiates the forward would cost on the big cases
(issue 7 class 3, issue 21 §4), against the item's time limit (the grader's --cell-timeout,
30 s of CPU by default):

* entry by entry: 2 forward calls per entry;
* grouped: entries that cannot influence each other's outputs perturbed together — 2 calls for an
  element-wise function, 2 per column for softmax (every output of a row depends on the whole
  row), 2 per input feature for Affine (for dx, and again for dW), 2 per entry for a scalar loss
  (a sum over rows cannot be split by row);

each as (forward calls) × (one forward call of the solution on that case). Also the host's cost of
judging the case. A grouped cost below the limit means only the flag catches such a backward.

    .venv/bin/python benchmarks/numdiff_cost.py
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import course  # noqa: E402

from autograder.checks import draw_cases, load_spec, run_probe, verify  # noqa: E402
from autograder.probe import KEEP_INPUTS  # noqa: E402

# item -> (forward to time, the case key(s) of what the backward differentiates,
#          forward calls a grouped numerical derivative needs)
FORWARDS = {
    ("activations", "tanh"): (lambda ns, c: ns["tanh_forward"](c["x"]), "x", lambda c: 2),
    ("activations", "softmax"): (lambda ns, c: ns["softmax_forward"](c["x"]), "x",
                                 lambda c: 2 * c["x"].shape[-1]),
    ("two_layer_net", "affine"): (lambda ns, c: ns["Affine"](c["W"], c["b"]).forward(c["x"]), "x",
                                  lambda c: 4 * c["W"].shape[0] + 2),
    ("learning_types", "cross_entropy"): (lambda ns, c: ns["cross_entropy_forward"](c["logits"], c["labels"].astype(int)),
                                          "logits", lambda c: 2 * c["logits"].size),
    ("learning_types", "autoencoder"): (lambda ns, c: ns["autoencoder_forward"](
        c["x"], c["W_enc"], c["b_enc"], c["W_dec"], c["b_dec"]), ("W_enc", "b_enc", "W_dec", "b_dec"),
        lambda c: 2 * sum(c[k].size for k in ("W_enc", "b_enc", "W_dec", "b_dec"))),
}


def _shape(case, keys):
    return "+".join("×".join(map(str, case[k].shape)) for k in keys)


def main():
    print(f"{'item':28} {'case':>18} {'1 forward':>10} {'entry by entry':>15} {'grouped':>10} "
          f"{'host judges':>12}")
    for (assignment, item), (forward, key, groups) in FORWARDS.items():
        ns = course.solution_namespace(assignment)
        spec = load_spec(assignment)
        keys = (key,) if isinstance(key, str) else key
        for hidden in (False, True):
            for big in draw_cases(spec.ITEMS[item], hidden=hidden, seed=1):
                if max(np.size(v) for v in big.values()) <= KEEP_INPUTS:
                    continue
                start = time.process_time()
                for _ in range(5):
                    forward(ns, big)
                one = (time.process_time() - start) / 5
                start = time.process_time()
                verify(spec.ITEMS[item], [big], run_probe(spec.ITEMS[item], ns, [big]))
                host = time.process_time() - start
                n = sum(np.size(big[k]) for k in keys)
                label = f"{'hidden ' if hidden else ''}{_shape(big, keys)}"
                print(f"{assignment + '.' + item:28} {label:>18} {one * 1e3:7.2f} ms {2 * n * one:13.0f} s "
                      f"{groups(big) * one:8.1f} s {host:10.2f} s")


if __name__ == "__main__":
    main()
